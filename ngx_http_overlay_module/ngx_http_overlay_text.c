
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
#include <raqm.h>

#include "ngx_http_overlay_layout.h"
#include "ngx_http_overlay_face.h"
#include "ngx_http_overlay_glyph.h"
#include "ngx_http_overlay_runs.h"


static ngx_http_overlay_rc_e ngx_http_overlay_chain_size(
    ngx_http_overlay_face_t **faces, unsigned nfaces, int metric, double px,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_shape_extent(
    ngx_http_overlay_face_t **faces, unsigned nfaces,
    ngx_http_overlay_shaped_t *shaped, ngx_http_overlay_error_t *err);


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

    rc = ngx_http_overlay_itemize(faces, nfaces, text, len, rq, NULL,
                                  &missing);

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

        /* a font of bitmaps: from its strike's pixels to px */

        if (k < nfaces && faces[k]->bitmap) {
            shaped->glyphs[i].x_advance = (int) lround(g[i].x_advance
                                                * faces[k]->draw_scale);
            shaped->glyphs[i].x_offset = (int) lround(g[i].x_offset
                                                * faces[k]->draw_scale);
            shaped->glyphs[i].y_offset = (int) lround(g[i].y_offset
                                                * faces[k]->draw_scale);
        }
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

        if (f->bitmap) {

            /* a scaled bitmap: the pen moves by the advance, unhinted */

            g->pen_advance = lround(g->x_advance / k);
            continue;
        }

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

        if (FT_Load_Glyph(f->face, g->index,
                          f->bitmap ? FT_LOAD_COLOR : FT_LOAD_DEFAULT)
            != 0)
        {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                          "FT_Load_Glyph(%u) failed",
                                          g->index);
        }

        m = &f->face->glyph->metrics;

        if (f->bitmap) {

            /* the strike's bitmap, scaled to px (at 72 dpi, as drawn) */

            gx0 = pen * k + m->horiBearingX * f->draw_scale;
            gx1 = (pen + g->pen_advance) * k;
            gy0 = -m->horiBearingY * f->draw_scale;
            gy1 = gy0 + m->height * f->draw_scale;

        } else {
            g->pen_advance += m->horiAdvance;

            gx0 = (pen + m->horiBearingX) * k;
            gx1 = (pen + g->pen_advance) * k;
            gy0 = -m->horiBearingY * k;
            gy1 = gy0 + m->height * k;
        }

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


ngx_http_overlay_rc_e
ngx_http_overlay_chain_metrics(const char *font, double px,
    ngx_http_overlay_extent_t *ext, ngx_http_overlay_error_t *err)
{
    int                       ascent, descent;
    double                    scale;
    unsigned                  k, first, nfaces;
    FT_Size_Metrics          *m;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_face_t  *faces[NGX_HTTP_OVERLAY_CHAIN_MAX];

    /* the chain's first font as before chains: its Latin drawn and measured */

    rc = ngx_http_overlay_measure(font, px, NGX_HTTP_OVERLAY_METRICS_TEXT,
                                  ext, err);
    first = 1;

    if (rc == NGX_HTTP_OVERLAY_BAD_SPEC) {

        /* a chain without Latin: each font's own line metrics */

        memset(ext, 0, sizeof(ngx_http_overlay_extent_t));
        first = 0;

    } else if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_chain(font, faces, &nfaces, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    for (k = first; k < nfaces; k++) {
        rc = ngx_http_overlay_face_size(faces[k], 0, px, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        m = &faces[k]->face->size->metrics;
        scale = faces[k]->bitmap ? faces[k]->draw_scale : 1.0;

        ascent = (int) ceil(m->ascender * scale / 64);
        descent = (int) ceil(-m->descender * scale / 64);

        if (ascent > ext->ascent) {
            ext->ascent = ascent;
        }

        if (descent > ext->descent) {
            ext->descent = descent;
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * Each glyph is loaded hinted at 72 dpi, turned by the face's transform,
 * rendered anti-aliased, and placed at its pen position turned likewise,
 * the position truncated to a pixel as libgd did.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_draw_shaped(gdImagePtr im, int color, int tint,
    const ngx_http_overlay_shaped_t *shaped, double angle, int x, int y,
    ngx_http_overlay_error_t *err)
{
    int                              bx, by;
    long                             pen;
    double                           sin_a, cos_a, gx, gy, k, ox, oy;
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

        /* the pen, y up, in 1/64 pixel; its place in im */

        gx = pen * k + g->x_offset;
        gy = -(double) g->y_offset;

        ox = x + (gx * cos_a + gy * sin_a) / 64;
        oy = y - (gx * sin_a - gy * cos_a) / 64;

        pen += g->pen_advance;

        if (f->bitmap) {
            if (FT_Load_Glyph(f->face, g->index, FT_LOAD_COLOR) != 0) {
                rc = ngx_http_overlay_error(err,
                                            NGX_HTTP_OVERLAY_RENDER_FAILED,
                                            "glyph %u cannot be loaded",
                                            g->index);
                break;
            }

            /* a space, a joiner: no bitmap, nothing drawn */

            if (slot->bitmap.pixel_mode == FT_PIXEL_MODE_BGRA) {
                ngx_http_overlay_glyph_colour(im, color, tint, &slot->bitmap,
                                              slot->bitmap_left,
                                              slot->bitmap_top,
                                              f->draw_scale, angle, ox, oy);
            }

            continue;
        }

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

        bx = (int) (ox + slot->bitmap_left);
        by = (int) (oy - slot->bitmap_top);

        ngx_http_overlay_glyph_blit(im, color, &slot->bitmap, bx, by);
    }

    for (j = 0; j < nfaces; j++) {
        FT_Set_Transform(faces[j]->face, NULL, NULL);
    }

    return rc;
}


