
/*
 * ngx_http_overlay_module: which font of a chain draws each cluster of a
 * text, and the runs of a text by font, script and direction
 * (ngx_http_overlay_runs.h).
 */


#include <stdlib.h>
#include <string.h>

#include <fribidi/fribidi.h>
#include <hb.h>

#include "ngx_http_overlay_runs.h"


static size_t ngx_http_overlay_utf8_next(const unsigned char *u, size_t len,
    uint32_t *c);
static int ngx_http_overlay_joins(uint32_t c);
static int ngx_http_overlay_mark(uint32_t c);
static unsigned ngx_http_overlay_cluster_face(
    ngx_http_overlay_face_t **faces, unsigned nfaces,
    const unsigned char *u, size_t i, size_t j, int colour);
static ngx_http_overlay_rc_e ngx_http_overlay_runs_cut(const char *text,
    size_t len, int rtl, const unsigned char *fonts,
    ngx_http_overlay_run_t *runs, size_t max, size_t *n);


int
ngx_http_overlay_text_rtl(const char *text, size_t len,
    ngx_http_overlay_direction_e direction)
{
    size_t                i, n;
    uint32_t              c;
    FriBidiCharType       t;
    const unsigned char  *u;

    switch (direction) {

    case NGX_HTTP_OVERLAY_DIRECTION_LTR:
        return 0;

    case NGX_HTTP_OVERLAY_DIRECTION_RTL:
        return 1;

    default:
        break;
    }

    /* the first character of type L, R or AL decides (UAX #9, P2) */

    u = (const unsigned char *) text;

    for (i = 0; i < len; i += n) {
        n = ngx_http_overlay_utf8_next(u + i, len - i, &c);

        t = fribidi_get_bidi_type(c);

        if (t == FRIBIDI_TYPE_LTR) {
            return 0;
        }

        if (t == FRIBIDI_TYPE_RTL || t == FRIBIDI_TYPE_AL) {
            return 1;
        }
    }

    return 0;
}


/* the code point at u (U+FFFD for a bad byte), and how many bytes it has */

static size_t
ngx_http_overlay_utf8_next(const unsigned char *u, size_t len, uint32_t *c)
{
    if (u[0] < 0x80) {
        *c = u[0];
        return 1;
    }

    if (u[0] >= 0xc0 && u[0] < 0xe0 && len > 1) {
        *c = (uint32_t) (u[0] & 0x1f) << 6 | (u[1] & 0x3f);
        return 2;
    }

    if (u[0] >= 0xe0 && u[0] < 0xf0 && len > 2) {
        *c = (uint32_t) (u[0] & 0x0f) << 12
             | (uint32_t) (u[1] & 0x3f) << 6 | (u[2] & 0x3f);
        return 3;
    }

    if (u[0] >= 0xf0 && len > 3) {
        *c = (uint32_t) (u[0] & 0x07) << 18
             | (uint32_t) (u[1] & 0x3f) << 12
             | (uint32_t) (u[2] & 0x3f) << 6 | (u[3] & 0x3f);
        return 4;
    }

    *c = 0xfffd;
    return 1;
}


/*
 * Whether c stays in the cluster of the character before it: combining
 * marks (bidi type NSM: Mn, Me), joiners, variation selectors and the
 * invisible format characters (bidi type BN, the explicit bidi controls),
 * which HarfBuzz draws as nothing.
 */

static int
ngx_http_overlay_joins(uint32_t c)
{
    FriBidiCharType  t;

    t = fribidi_get_bidi_type(c);

    return t == FRIBIDI_TYPE_NSM || t == FRIBIDI_TYPE_BN
           || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)
           || (c >= 0x2060 && c <= 0x206f) || c == 0xfeff;
}


/* whether c, in a cluster but first, needs a glyph: a mark, visible */

static int
ngx_http_overlay_mark(uint32_t c)
{
    return fribidi_get_bidi_type(c) == FRIBIDI_TYPE_NSM
           && !(c >= 0xfe00 && c <= 0xfe0f)
           && !(c >= 0xe0100 && c <= 0xe01ef);
}


/*
 * Itemizes text by coverage (ngx_http_overlay_runs.h); when no face has
 * each character of a cluster, the cluster goes to the first that has its
 * first character.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_itemize(ngx_http_overlay_face_t **faces, unsigned nfaces,
    const char *text, size_t len, raqm_t *rq, unsigned char *fonts,
    uint32_t *missing)
{
    int                   colour;
    size_t                i, j, m, n, run;
    uint32_t              c, base;
    unsigned              k, best, run_face;
    const unsigned char  *u;

    u = (const unsigned char *) text;
    run = 0;
    run_face = 0;

    for (i = 0; i < len; i = j) {

        n = ngx_http_overlay_utf8_next(u + i, len - i, &base);
        colour = -1;

        for (j = i + n; j < len; j += n) {
            n = ngx_http_overlay_utf8_next(u + j, len - j, &c);

            if (!ngx_http_overlay_joins(c)) {
                break;
            }

            /* a variation selector asks for emoji or text presentation */

            if (c == 0xfe0f || c == 0xfe0e) {
                colour = (c == 0xfe0f);
            }
        }

        /* the cluster is [i, j) */

        best = nfaces;

        if (colour >= 0) {
            best = ngx_http_overlay_cluster_face(faces, nfaces, u, i, j,
                                                 colour);
        }

        if (best == nfaces) {
            best = ngx_http_overlay_cluster_face(faces, nfaces, u, i, j, -1);
        }

        if (best == nfaces) {

            /* the first character that needs a glyph no face has */

            for (m = i; m < j; m += n) {
                n = ngx_http_overlay_utf8_next(u + m, j - m, &c);

                if (m != i && !ngx_http_overlay_mark(c)) {
                    continue;
                }

                for (k = 0; k < nfaces; k++) {
                    if (FT_Get_Char_Index(faces[k]->face, c) != 0) {
                        break;
                    }
                }

                if (k == nfaces) {
                    *missing = c;
                    return NGX_HTTP_OVERLAY_BAD_SPEC;
                }
            }

            /* each has a face, but no face has them all: the base's */

            for (k = 0; k < nfaces; k++) {
                if (FT_Get_Char_Index(faces[k]->face, base) != 0) {
                    break;
                }
            }

            best = k;
        }

        if (fonts != NULL) {
            memset(fonts + i, (int) best, j - i);
        }

        if (i == 0) {
            run_face = best;

        } else if (best != run_face) {
            if (rq != NULL
                && !raqm_set_freetype_face_range(rq, faces[run_face]->face,
                                                 run, i - run))
            {
                return NGX_HTTP_OVERLAY_RENDER_FAILED;
            }

            run = i;
            run_face = best;
        }
    }

    if (rq != NULL && len > 0
        && !raqm_set_freetype_face_range(rq, faces[run_face]->face, run,
                                         len - run))
    {
        return NGX_HTTP_OVERLAY_RENDER_FAILED;
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The first face (of colour glyphs if colour is 1, of others if 0, any if
 * -1) with a glyph for the first character of the cluster [i, j) of u and
 * each of its marks, or nfaces
 */

static unsigned
ngx_http_overlay_cluster_face(ngx_http_overlay_face_t **faces,
    unsigned nfaces, const unsigned char *u, size_t i, size_t j, int colour)
{
    size_t    m, n;
    uint32_t  c;
    unsigned  k;

    for (k = 0; k < nfaces; k++) {

        if (colour >= 0 && (FT_HAS_COLOR(faces[k]->face) != 0) != colour) {
            continue;
        }

        for (m = i; m < j; m += n) {
            n = ngx_http_overlay_utf8_next(u + m, j - m, &c);

            if ((m == i || ngx_http_overlay_mark(c))
                && FT_Get_Char_Index(faces[k]->face, c) == 0)
            {
                break;
            }
        }

        if (m >= j) {
            return k;
        }
    }

    return nfaces;
}


ngx_http_overlay_rc_e
ngx_http_overlay_text_cover(const char *chain, const char *text, size_t len,
    uint32_t *missing, ngx_http_overlay_error_t *err)
{
    unsigned                  nfaces;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_face_t  *faces[NGX_HTTP_OVERLAY_CHAIN_MAX];

    rc = ngx_http_overlay_chain(chain, faces, &nfaces, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_itemize(faces, nfaces, text, len, NULL, NULL,
                                  missing);

    if (rc == NGX_HTTP_OVERLAY_BAD_SPEC) {
        return ngx_http_overlay_error(err, rc,
                                      "U+%04X is in no font of the chain",
                                      (unsigned) *missing);
    }

    return rc;
}


ngx_http_overlay_rc_e
ngx_http_overlay_text_runs(const char *chain, const char *text, size_t len,
    int rtl, ngx_http_overlay_run_t *runs, size_t max, size_t *n,
    ngx_http_overlay_error_t *err)
{
    uint32_t                  missing;
    unsigned                  nfaces;
    unsigned char            *fonts;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_face_t  *faces[NGX_HTTP_OVERLAY_CHAIN_MAX];

    *n = 0;

    rc = ngx_http_overlay_chain(chain, faces, &nfaces, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (len == 0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    fonts = malloc(len);
    if (fonts == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    rc = ngx_http_overlay_itemize(faces, nfaces, text, len, NULL, fonts,
                                  &missing);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        rc = ngx_http_overlay_runs_cut(text, len, rtl, fonts, runs, max, n);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            rc = ngx_http_overlay_error(err, rc, "fribidi failed");
        }

    } else {
        rc = ngx_http_overlay_error(err, rc,
                                    "U+%04X is in no font of the chain",
                                    (unsigned) missing);
    }

    free(fonts);

    return rc;
}


/*
 * Cuts text where its font, its script or its direction changes: a
 * character of the Common or Inherited script (digits, punctuation, marks)
 * takes the script of the character before it (of the first after it at
 * the start), as libraqm itemizes; the direction is that of the
 * character's embedding level (UAX #9, by FriBidi).
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_runs_cut(const char *text, size_t len, int rtl,
    const unsigned char *fonts, ngx_http_overlay_run_t *runs, size_t max,
    size_t *n)
{
    size_t                i, k, nchars;
    size_t               *offsets;
    uint32_t             *chars;
    hb_script_t          *scripts, s, last;
    FriBidiLevel         *levels;
    FriBidiCharType      *types;
    FriBidiParType        dir;
    FriBidiBracketType   *brackets;
    hb_unicode_funcs_t   *uf;
    const unsigned char  *u;

    /* one allocation, the widest type first */

    offsets = malloc(len * (sizeof(size_t) + sizeof(uint32_t)
                            + sizeof(hb_script_t) + sizeof(FriBidiCharType)
                            + sizeof(FriBidiBracketType)
                            + sizeof(FriBidiLevel)));
    if (offsets == NULL) {
        return NGX_HTTP_OVERLAY_NO_MEMORY;
    }

    chars = (uint32_t *) (offsets + len);
    scripts = (hb_script_t *) (chars + len);
    types = (FriBidiCharType *) (scripts + len);
    brackets = (FriBidiBracketType *) (types + len);
    levels = (FriBidiLevel *) (brackets + len);

    u = (const unsigned char *) text;
    uf = hb_unicode_funcs_get_default();
    nchars = 0;

    for (i = 0; i < len; i += k) {
        k = ngx_http_overlay_utf8_next(u + i, len - i, &chars[nchars]);
        offsets[nchars] = i;
        scripts[nchars] = hb_unicode_script(uf, chars[nchars]);
        nchars++;
    }

    /* Common and Inherited: the script before, or the first after */

    last = HB_SCRIPT_COMMON;

    for (i = 0; i < nchars; i++) {
        s = scripts[i];

        if (s != HB_SCRIPT_COMMON && s != HB_SCRIPT_INHERITED
            && s != HB_SCRIPT_UNKNOWN)
        {
            if (last == HB_SCRIPT_COMMON) {
                for (k = 0; k < i; k++) {
                    scripts[k] = s;
                }
            }

            last = s;

        } else {
            scripts[i] = last;
        }
    }

    fribidi_get_bidi_types(chars, (FriBidiStrIndex) nchars, types);
    fribidi_get_bracket_types(chars, (FriBidiStrIndex) nchars, types,
                              brackets);

    dir = rtl ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;

    if (fribidi_get_par_embedding_levels_ex(types, brackets,
                                            (FriBidiStrIndex) nchars, &dir,
                                            levels)
        == 0)
    {
        free(offsets);
        return NGX_HTTP_OVERLAY_RENDER_FAILED;
    }

    *n = 0;

    for (i = 0; i < nchars; i++) {

        if (i > 0 && fonts[offsets[i]] == fonts[offsets[i - 1]]
            && scripts[i] == scripts[i - 1]
            && (levels[i] & 1) == (levels[i - 1] & 1))
        {
            if (*n <= max) {
                runs[*n - 1].len = (i + 1 < nchars ? offsets[i + 1] : len)
                                   - runs[*n - 1].start;
            }

            continue;
        }

        if (*n < max) {
            runs[*n].start = offsets[i];
            runs[*n].len = (i + 1 < nchars ? offsets[i + 1] : len)
                           - offsets[i];
            runs[*n].font = fonts[offsets[i]];
            runs[*n].rtl = levels[i] & 1;
            hb_tag_to_string(hb_script_to_iso15924_tag(scripts[i]),
                             runs[*n].script);
            runs[*n].script[4] = '\0';
        }

        (*n)++;
    }

    free(offsets);

    return NGX_HTTP_OVERLAY_OK;
}
