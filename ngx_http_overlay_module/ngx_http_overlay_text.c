
/*
 * ngx_http_overlay_module: text laid out with libraqm (FriBidi's
 * reordering, HarfBuzz's shaping) and its glyphs drawn with FreeType
 * (ngx_http_overlay_text.h), not by libgd: Debian's libgd draws characters
 * one by one, unshaped, left to right.  The glyphs are rendered and blended
 * as libgd's gdImageStringFTEx() did (hinted, 72 dpi, its alpha levels),
 * so that Latin text looks the same, with the calling thread's faces
 * (ngx_http_overlay_face.h).
 */


#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_SIZES_H
#include FT_ADVANCES_H
#include <fribidi/fribidi.h>
#include <raqm.h>

#include "ngx_http_overlay_layout.h"
#include "ngx_http_overlay_face.h"


static size_t ngx_http_overlay_utf8_next(const unsigned char *u, size_t len,
    uint32_t *c);
static int ngx_http_overlay_joins(uint32_t c);
static ngx_http_overlay_rc_e ngx_http_overlay_itemize(
    ngx_http_overlay_face_t **faces, unsigned nfaces, const char *text,
    size_t len, raqm_t *rq, uint32_t *missing);
static ngx_http_overlay_rc_e ngx_http_overlay_chain(const char *chain,
    ngx_http_overlay_face_t **faces, unsigned *nfaces,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_chain_size(
    ngx_http_overlay_face_t **faces, unsigned nfaces, int metric, double px,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_shape_extent(
    ngx_http_overlay_face_t **faces, unsigned nfaces,
    ngx_http_overlay_shaped_t *shaped, ngx_http_overlay_error_t *err);
static void ngx_http_overlay_blit(gdImagePtr im, int color,
    const FT_Bitmap *bm, int x0, int y0);


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
 * Itemizes text by coverage: each cluster (a character and the marks and
 * format characters that follow it) goes to the first face of the chain
 * that has a glyph for each of its characters but the invisible ones, or,
 * when none has them all, to the first that has its first character.  With
 * rq, each run of clusters of one face is given to libraqm.  A character
 * no face has is refused: *missing says which.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_itemize(ngx_http_overlay_face_t **faces, unsigned nfaces,
    const char *text, size_t len, raqm_t *rq, uint32_t *missing)
{
    size_t                i, j, m, n, run;
    uint32_t              c, base;
    unsigned              k, best, run_face;
    const unsigned char  *u;

    u = (const unsigned char *) text;
    run = 0;
    run_face = 0;

    for (i = 0; i < len; i = j) {

        n = ngx_http_overlay_utf8_next(u + i, len - i, &base);

        for (j = i + n; j < len; j += n) {
            n = ngx_http_overlay_utf8_next(u + j, len - j, &c);

            if (!ngx_http_overlay_joins(c)) {
                break;
            }
        }

        /* the cluster is [i, j) */

        best = nfaces;

        for (k = 0; k < nfaces && best == nfaces; k++) {

            for (m = i; m < j; m += n) {
                n = ngx_http_overlay_utf8_next(u + m, j - m, &c);

                if ((m == i || ngx_http_overlay_mark(c))
                    && FT_Get_Char_Index(faces[k]->face, c) == 0)
                {
                    break;
                }
            }

            if (m >= j) {
                best = k;
            }
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

    rc = ngx_http_overlay_itemize(faces, nfaces, text, len, NULL, missing);

    if (rc == NGX_HTTP_OVERLAY_BAD_SPEC) {
        return ngx_http_overlay_error(err, rc,
                                      "U+%04X is in no font of the chain",
                                      (unsigned) *missing);
    }

    return rc;
}


/* the calling thread's faces of a chain, "path[;path...]", in its order */

static ngx_http_overlay_rc_e
ngx_http_overlay_chain(const char *chain, ngx_http_overlay_face_t **faces,
    unsigned *nfaces, ngx_http_overlay_error_t *err)
{
    char                   path[4096];
    size_t                 len;
    unsigned               n;
    const char            *p, *end;
    ngx_http_overlay_rc_e  rc;

    n = 0;

    for (p = chain; /* void */; p = end + 1) {
        end = strchr(p, ';');
        len = end != NULL ? (size_t) (end - p) : strlen(p);

        if (n == NGX_HTTP_OVERLAY_CHAIN_MAX || len >= sizeof(path)) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                          "a font chain has more than %d "
                                          "fonts, or too long a path",
                                          NGX_HTTP_OVERLAY_CHAIN_MAX);
        }

        memcpy(path, p, len);
        path[len] = '\0';

        rc = ngx_http_overlay_face(path, &faces[n], err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        n++;

        if (end == NULL) {
            break;
        }
    }

    *nfaces = n;

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_chain_size(ngx_http_overlay_face_t **faces, unsigned nfaces,
    int metric, double px, ngx_http_overlay_error_t *err)
{
    unsigned               k;
    ngx_http_overlay_rc_e  rc;

    for (k = 0; k < nfaces; k++) {
        rc = ngx_http_overlay_face_size(faces[k], metric, px, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        FT_Set_Transform(faces[k]->face, NULL, NULL);
    }

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_shape(const char *font, double px, const char *text,
    size_t len, int rtl, ngx_http_overlay_shaped_t *shaped,
    ngx_http_overlay_error_t *err)
{
    size_t                    i, n;
    raqm_t                   *rq;
    uint32_t                  missing;
    unsigned                  k, nfaces;
    raqm_glyph_t             *g;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_face_t  *faces[NGX_HTTP_OVERLAY_CHAIN_MAX];

    memset(shaped, 0, sizeof(ngx_http_overlay_shaped_t));

    shaped->font = font;
    shaped->px = px;
    shaped->rtl = rtl;

    rc = ngx_http_overlay_chain(font, faces, &nfaces, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* HarfBuzz takes the size from the face's active size */

    rc = ngx_http_overlay_chain_size(faces, nfaces, 0, px, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (len == 0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    rq = raqm_create();
    if (rq == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "raqm_create() failed");
    }

    if (!raqm_set_text_utf8(rq, text, len)) {
        raqm_destroy(rq);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "raqm_set_text_utf8() failed");
    }

    /* each run of clusters in the first font of the chain that has them */

    rc = ngx_http_overlay_itemize(faces, nfaces, text, len, rq, &missing);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        raqm_destroy(rq);

        if (rc == NGX_HTTP_OVERLAY_BAD_SPEC) {
            return ngx_http_overlay_error(err, rc,
                                          "U+%04X is in no font of the "
                                          "chain", (unsigned) missing);
        }

        return ngx_http_overlay_error(err, rc,
                                      "raqm_set_freetype_face_range() "
                                      "failed");
    }

    if (!raqm_set_par_direction(rq, rtl ? RAQM_DIRECTION_RTL
                                        : RAQM_DIRECTION_LTR)
        || !raqm_layout(rq))
    {
        raqm_destroy(rq);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "raqm_layout() failed");
    }

    g = raqm_get_glyphs(rq, &n);

    if (g == NULL || n == 0) {
        raqm_destroy(rq);
        return g == NULL ? ngx_http_overlay_error(err,
                               NGX_HTTP_OVERLAY_RENDER_FAILED,
                               "raqm_get_glyphs() failed")
                         : NGX_HTTP_OVERLAY_OK;
    }

    shaped->glyphs = malloc(n * sizeof(ngx_http_overlay_glyph_t));
    if (shaped->glyphs == NULL) {
        raqm_destroy(rq);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    for (i = 0; i < n; i++) {
        shaped->glyphs[i].index = g[i].index;
        shaped->glyphs[i].x_advance = g[i].x_advance;
        shaped->glyphs[i].x_offset = g[i].x_offset;
        shaped->glyphs[i].y_offset = g[i].y_offset;
        shaped->glyphs[i].cluster = g[i].cluster;
        shaped->glyphs[i].pen_advance = 0;

        for (k = 0; k < nfaces && faces[k]->face != g[i].ftface; k++) {
            /* void */
        }

        shaped->glyphs[i].font = k < nfaces ? k : 0;
    }

    shaped->nglyphs = n;

    raqm_destroy(rq);

    rc = ngx_http_overlay_shape_extent(faces, nfaces, shaped, err);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_shaped_free(shaped);
    }

    return rc;
}


/*
 * Where the pen goes and the extent, as libgd's gdImageStringFTEx() placed
 * and measured text, so that Latin text is drawn as before: the pen moves
 * by each glyph's hinted advance at 300 dpi (scaled to 72 when placed),
 * plus what shaping changed of the glyph's own advance (kerning, marks);
 * the extent adds each glyph's hinted metrics at 300 dpi, the box's
 * corners truncated to whole pixels.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_shape_extent(ngx_http_overlay_face_t **faces,
    unsigned nfaces, ngx_http_overlay_shaped_t *shaped,
    ngx_http_overlay_error_t *err)
{
    long                       pen;
    double                     k, x0, x1, y0, y1, gx0, gx1, gy0, gy1;
    size_t                     i;
    FT_Fixed                   nominal;
    FT_Glyph_Metrics          *m;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_face_t   *f;
    ngx_http_overlay_glyph_t  *g;

    k = (double) NGX_HTTP_OVERLAY_DRAW_DPI / NGX_HTTP_OVERLAY_METRIC_DPI;

    /*
     * what shaping changed: HarfBuzz's advance less the glyph's own, as
     * HarfBuzz reads it (unhinted, rounded to 1/64 pixel)
     */

    for (i = 0; i < shaped->nglyphs; i++) {
        g = &shaped->glyphs[i];
        f = faces[g->font];

        if (FT_Get_Advance(f->face, g->index, FT_LOAD_NO_HINTING, &nominal)
            != 0)
        {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                          "FT_Get_Advance(%u) failed",
                                          g->index);
        }

        g->pen_advance = lround((g->x_advance - ((nominal + 0x200) >> 10))
                                / k);
    }

    rc = ngx_http_overlay_chain_size(faces, nfaces, 1, shaped->px, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    pen = 0;
    x0 = 0.0;
    x1 = 0.0;
    y0 = 0.0;
    y1 = 0.0;

    for (i = 0; i < shaped->nglyphs; i++) {
        g = &shaped->glyphs[i];
        f = faces[g->font];

        if (FT_Load_Glyph(f->face, g->index, FT_LOAD_DEFAULT) != 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                          "FT_Load_Glyph(%u) failed",
                                          g->index);
        }

        m = &f->face->glyph->metrics;

        g->pen_advance += m->horiAdvance;

        gx0 = (pen + m->horiBearingX) * k;
        gx1 = (pen + g->pen_advance) * k;
        gy0 = -m->horiBearingY * k;
        gy1 = gy0 + m->height * k;

        if (i == 0 || gx0 < x0) {
            x0 = gx0;
        }

        if (i == 0 || gx1 > x1) {
            x1 = gx1;
        }

        if (i == 0 || gy0 < y0) {
            y0 = gy0;
        }

        if (i == 0 || gy1 > y1) {
            y1 = gy1;
        }

        pen += g->pen_advance;
    }

    shaped->ext.left = (int) (x0 / 64);
    shaped->ext.width = (int) (x1 / 64) - shaped->ext.left;
    shaped->ext.ascent = -(int) (y0 / 64);
    shaped->ext.descent = (int) (y1 / 64);

    return NGX_HTTP_OVERLAY_OK;
}


void
ngx_http_overlay_shaped_free(ngx_http_overlay_shaped_t *shaped)
{
    free(shaped->glyphs);
    shaped->glyphs = NULL;
    shaped->nglyphs = 0;
}


ngx_http_overlay_rc_e
ngx_http_overlay_measure(const char *font, double px, const char *text,
    ngx_http_overlay_extent_t *ext, ngx_http_overlay_error_t *err)
{
    size_t                     len;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_shaped_t  shaped;

    len = strlen(text);

    rc = ngx_http_overlay_shape(font, px, text, len,
                                ngx_http_overlay_text_rtl(text, len,
                                    NGX_HTTP_OVERLAY_DIRECTION_AUTO),
                                &shaped, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    *ext = shaped.ext;

    ngx_http_overlay_shaped_free(&shaped);

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * Each glyph is loaded hinted at 72 dpi, turned by the face's transform,
 * rendered anti-aliased, and placed at its pen position turned likewise,
 * the position truncated to a pixel as libgd did.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_draw_shaped(gdImagePtr im, int color,
    const ngx_http_overlay_shaped_t *shaped, double angle, int x, int y,
    ngx_http_overlay_error_t *err)
{
    int                              bx, by;
    long                             pen;
    double                           sin_a, cos_a, gx, gy, k;
    size_t                           i;
    unsigned                         j, nfaces;
    FT_Matrix                        matrix;
    FT_GlyphSlot                     slot;
    ngx_http_overlay_rc_e            rc;
    ngx_http_overlay_face_t         *f;
    const ngx_http_overlay_glyph_t  *g;
    ngx_http_overlay_face_t         *faces[NGX_HTTP_OVERLAY_CHAIN_MAX];

    if (shaped->nglyphs == 0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    rc = ngx_http_overlay_chain(shaped->font, faces, &nfaces, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_chain_size(faces, nfaces, 0, shaped->px, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    sin_a = sin(angle);
    cos_a = cos(angle);

    matrix.xx = (FT_Fixed) (cos_a * 0x10000);
    matrix.yx = (FT_Fixed) (sin_a * 0x10000);
    matrix.xy = -matrix.yx;
    matrix.yy = matrix.xx;

    for (j = 0; j < nfaces; j++) {
        FT_Set_Transform(faces[j]->face, &matrix, NULL);
    }

    k = (double) NGX_HTTP_OVERLAY_DRAW_DPI / NGX_HTTP_OVERLAY_METRIC_DPI;
    pen = 0;
    rc = NGX_HTTP_OVERLAY_OK;

    for (i = 0; i < shaped->nglyphs; i++) {
        g = &shaped->glyphs[i];
        f = faces[g->font < nfaces ? g->font : 0];
        slot = f->face->glyph;

        if (FT_Load_Glyph(f->face, g->index, FT_LOAD_DEFAULT) != 0
            || (slot->format != FT_GLYPH_FORMAT_BITMAP
                && FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) != 0))
        {
            rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                        "glyph %u cannot be rendered",
                                        g->index);
            break;
        }

        if (slot->bitmap.pixel_mode != FT_PIXEL_MODE_GRAY
            && slot->bitmap.pixel_mode != FT_PIXEL_MODE_MONO)
        {
            rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                        "glyph %u has pixel mode %d",
                                        g->index,
                                        (int) slot->bitmap.pixel_mode);
            break;
        }

        /* the pen, y up, in 1/64 pixel */

        gx = pen * k + g->x_offset;
        gy = -(double) g->y_offset;

        bx = (int) (x + (gx * cos_a + gy * sin_a) / 64 + slot->bitmap_left);
        by = (int) (y - (gx * sin_a - gy * cos_a) / 64 - slot->bitmap_top);

        ngx_http_overlay_blit(im, color, &slot->bitmap, bx, by);

        pen += g->pen_advance;
    }

    for (j = 0; j < nfaces; j++) {
        FT_Set_Transform(faces[j]->face, NULL, NULL);
    }

    return rc;
}


/*
 * A glyph's coverage onto a truecolor image as libgd blends text: the
 * coverage in 128 levels of alpha, scaled by the colour's own, blended
 * over what is there, or set where nothing is (a transparent pixel).
 */

static void
ngx_http_overlay_blit(gdImagePtr im, int color, const FT_Bitmap *bm,
    int x0, int y0)
{
    int                   x, y, level, cx1, cy1, cx2, cy2, *t;
    unsigned              row, col, grays;
    const unsigned char  *line;

    gdImageGetClip(im, &cx1, &cy1, &cx2, &cy2);

    grays = bm->pixel_mode == FT_PIXEL_MODE_GRAY ? bm->num_grays : 2;

    if (grays < 2) {
        return;
    }

    for (row = 0; row < bm->rows; row++) {
        y = y0 + (int) row;

        if (y < cy1 || y > cy2) {
            continue;
        }

        line = bm->buffer + (long) row * bm->pitch;

        for (col = 0; col < bm->width; col++) {

            if (bm->pixel_mode == FT_PIXEL_MODE_GRAY) {
                level = line[col] * gdAlphaMax / (int) (grays - 1);

            } else {
                level = (line[col >> 3] & (0x80 >> (col & 7))) ? gdAlphaMax
                                                               : 0;
            }

            if (level == 0) {
                continue;
            }

            x = x0 + (int) col;

            if (x < cx1 || x > cx2) {
                continue;
            }

            level = level * (gdAlphaMax - gdTrueColorGetAlpha(color))
                    / gdAlphaMax;
            level = ((gdAlphaMax - level) << 24) + (color & 0xffffff);

            t = &im->tpixels[y][x];

            if (im->alphaBlendingFlag
                && gdTrueColorGetAlpha(*t) != gdAlphaTransparent)
            {
                *t = gdAlphaBlend(*t, level);

            } else {
                *t = level;
            }
        }
    }
}
