
/*
 * ngx_http_overlay_module: drawing a laid-out overlay with libgd and
 * FreeType (ngx_http_overlay_layout.h), libgd's messages, and the fonts
 * and images a configuration names (ngx_http_overlay_render.h).
 *
 * Text is laid out with libraqm (FriBidi, HarfBuzz) and its glyphs drawn
 * with FreeType here, not by libgd: Debian's libgd draws characters one
 * by one, unshaped, left to right.  The glyphs are rendered and blended as
 * libgd's gdImageStringFTEx() did (hinted, 72 dpi, its alpha levels), so
 * that Latin text looks the same.  FreeType's library and faces are the
 * calling thread's (a FT_Library must not be shared by threads that open
 * faces): a few faces per thread, opened on first use.
 */


#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
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
#include "ngx_http_overlay_codec_png.h"


#define NGX_HTTP_OVERLAY_FACES        8       /* per thread */

/* libgd measured text at 300 dpi, and scaled it to the drawing's 72 */
#define NGX_HTTP_OVERLAY_METRIC_DPI   300
#define NGX_HTTP_OVERLAY_DRAW_DPI     72


typedef struct {
    char                            *path;      /* NULL: a free slot */
    FT_Face                          face;
    FT_Size                          draw;      /* px at 72 dpi */
    FT_Size                          metric;    /* px at 300 dpi */
    double                           draw_px;   /* 0: not set yet */
    double                           metric_px;
} ngx_http_overlay_face_t;


typedef struct {
    FT_Library                       library;
    unsigned                         next;      /* the slot taken next */
    ngx_http_overlay_face_t          faces[NGX_HTTP_OVERLAY_FACES];
} ngx_http_overlay_ft_t;


static void ngx_http_overlay_gd_error(int priority, const char *fmt,
    va_list args);
static int ngx_http_overlay_gd_color(ngx_http_overlay_color_t c,
    double opacity);
static ngx_http_overlay_rc_e ngx_http_overlay_draw_text(
    const ngx_http_overlay_layer_layout_t *ll, gdImagePtr im, int x0,
    int y0, ngx_http_overlay_error_t *err);
static void ngx_http_overlay_box(gdImagePtr im,
    const ngx_http_overlay_rect_t *box, double radius, int x0, int y0,
    int color);
static ngx_http_overlay_rc_e ngx_http_overlay_draw_image(
    const ngx_http_overlay_layout_t *layout,
    const ngx_http_overlay_layer_layout_t *ll, gdImagePtr im, int x0,
    int y0, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_shape_extent(
    ngx_http_overlay_face_t *f, ngx_http_overlay_shaped_t *shaped,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_blit(gdImagePtr im, int color,
    const FT_Bitmap *bm, int x0, int y0);
static ngx_http_overlay_rc_e ngx_http_overlay_face(const char *path,
    ngx_http_overlay_face_t **face, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_face_size(
    ngx_http_overlay_face_t *f, int metric, double px,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_face_close(ngx_http_overlay_face_t *f);
static ngx_http_overlay_ft_t *ngx_http_overlay_ft(void);
static void ngx_http_overlay_ft_key_create(void);
static void ngx_http_overlay_ft_destroy(void *data);


static __thread char  ngx_http_overlay_gd_msg[NGX_HTTP_OVERLAY_ERROR_LEN];

static pthread_key_t   ngx_http_overlay_ft_key;
static int             ngx_http_overlay_ft_key_ok;
static pthread_once_t  ngx_http_overlay_ft_once = PTHREAD_ONCE_INIT;


void
ngx_http_overlay_render_init(void)
{
    gdSetErrorMethod(ngx_http_overlay_gd_error);
    (void) gdFontCacheSetup();
}


static void
ngx_http_overlay_gd_error(int priority, const char *fmt, va_list args)
{
    char    *p;
    size_t   n, size;

    (void) priority;

    /* messages since the last clear are kept, "; "-separated */

    n = strlen(ngx_http_overlay_gd_msg);
    size = sizeof(ngx_http_overlay_gd_msg);

    if (n > 0 && n + 2 < size) {
        memcpy(&ngx_http_overlay_gd_msg[n], "; ", 3);
        n += 2;
    }

    if (n + 1 >= size) {
        return;
    }

    p = &ngx_http_overlay_gd_msg[n];

    (void) vsnprintf(p, size - n, fmt, args);

    n = strlen(ngx_http_overlay_gd_msg);

    while (n > 0 && (ngx_http_overlay_gd_msg[n - 1] == '\n'
                     || ngx_http_overlay_gd_msg[n - 1] == ' '))
    {
        ngx_http_overlay_gd_msg[--n] = '\0';
    }
}


const char *
ngx_http_overlay_render_gd_message(void)
{
    return ngx_http_overlay_gd_msg;
}


void
ngx_http_overlay_render_gd_message_clear(void)
{
    ngx_http_overlay_gd_msg[0] = '\0';
}


ngx_http_overlay_rc_e
ngx_http_overlay_font_check(const char *path, ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_extent_t  ext;

    /* libgd reads ";" and "," in a font name as a list of fonts */

    if (strpbrk(path, ";,") != NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "a font path must not contain "
                                      "\";\" or \",\"");
    }

    if (ngx_http_overlay_measure(path, 24.0, NGX_HTTP_OVERLAY_METRICS_TEXT,
                                 &ext, err)
        != NGX_HTTP_OVERLAY_OK)
    {
        return err != NULL ? err->code : NGX_HTTP_OVERLAY_RENDER_FAILED;
    }

    if (ext.width <= 0 || ext.ascent <= 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "the font draws nothing for \"Hgjy\"");
    }

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_asset_t *
ngx_http_overlay_asset_decode(const unsigned char *data, size_t len,
    ngx_http_overlay_error_t *err)
{
    gdImagePtr                im;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_error_t  png_err;

    if (len < 16 || len > 64 * 1024 * 1024) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "%zu bytes", len);
        return NULL;
    }

    if (memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) {

        /* the configuration's own image: no limits but libpng's sides */

        rc = ngx_http_overlay_png_decode(data, len, ULONG_MAX, 0, &im,
                                         &png_err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            (void) ngx_http_overlay_error(err, rc, "cannot be decoded: %s",
                                          png_err.msg);
            return NULL;
        }

        gdImageSaveAlpha(im, 1);

        return im;
    }

    ngx_http_overlay_render_gd_message_clear();

    if (memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "neither PNG nor WebP");
        return NULL;
    }

    im = gdImageCreateFromWebpPtr((int) len, (void *) data);

    if (im == NULL) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "cannot be decoded: %s",
                                      ngx_http_overlay_render_gd_message());
        return NULL;
    }

    if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
        gdImageDestroy(im);
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "gdImagePaletteToTrueColor() failed");
        return NULL;
    }

    gdImageSaveAlpha(im, 1);

    return im;
}


void
ngx_http_overlay_asset_free(ngx_http_overlay_asset_t *asset)
{
    if (asset != NULL) {
        gdImageDestroy(asset);
    }
}


static int
ngx_http_overlay_gd_color(ngx_http_overlay_color_t c, double opacity)
{
    int  alpha;

    /* libgd: 0 opaque .. 127 transparent */

    alpha = gdAlphaMax - (int) lround(c.a / 255.0 * opacity * gdAlphaMax);

    return gdTrueColorAlpha(c.r, c.g, c.b, alpha);
}


ngx_http_overlay_rc_e
ngx_http_overlay_render_draw(const ngx_http_overlay_layout_t *layout,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err)
{
    unsigned                                i;
    ngx_http_overlay_rc_e                   rc;
    const ngx_http_overlay_layer_layout_t  *ll;

    if (!gdImageTrueColor(im)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "drawing needs a truecolor image");
    }

    gdImageAlphaBlending(im, 1);

    for (i = 0; i < layout->nlayers; i++) {
        ll = &layout->layers[i];

        if (ll->layer->type == NGX_HTTP_OVERLAY_LAYER_TEXT) {
            rc = ngx_http_overlay_draw_text(ll, im, x0, y0, err);

        } else {
            rc = ngx_http_overlay_draw_image(layout, ll, im, x0, y0, err);
        }

        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_draw_text(const ngx_http_overlay_layer_layout_t *ll,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err)
{
    int                              i, bg, fg;
    gdPoint                          band[4];
    ngx_http_overlay_rc_e            rc;
    ngx_http_overlay_color_t         shadow;
    const ngx_http_overlay_layer_t  *layer;

    layer = ll->layer;
    bg = ngx_http_overlay_gd_color(layer->background, layer->opacity);
    fg = ngx_http_overlay_gd_color(layer->color, layer->opacity);

    switch (layer->style) {

    case NGX_HTTP_OVERLAY_STYLE_RIBBON:

        for (i = 0; i < 4; i++) {
            band[i].x = ll->band[i].x - x0;
            band[i].y = ll->band[i].y - y0;
        }

        gdImageFilledPolygon(im, band, 4, bg);
        break;

    case NGX_HTTP_OVERLAY_STYLE_PLAIN:

        shadow.r = 0;
        shadow.g = 0;
        shadow.b = 0;
        shadow.a = 0x80;

        rc = ngx_http_overlay_draw_shaped(im,
                 ngx_http_overlay_gd_color(shadow, layer->opacity),
                 &ll->shaped, 0.0, ll->text_x + ll->shadow - x0,
                 ll->text_y + ll->shadow - y0, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        break;

    default:

        if (ll->box.w > 0 && ll->box.h > 0) {
            ngx_http_overlay_box(im, &ll->box, layer->radius * ll->box.h,
                                 x0, y0, bg);
        }

        break;
    }

    return ngx_http_overlay_draw_shaped(im, fg, &ll->shaped, ll->angle,
                                        ll->text_x - x0, ll->text_y - y0,
                                        err);
}


/*
 * A box, its corners rounded by radius pixels: drawn a row at a time, so
 * that no pixel is blended twice with a translucent colour.
 */

static void
ngx_http_overlay_box(gdImagePtr im, const ngx_http_overlay_rect_t *box,
    double radius, int x0, int y0, int color)
{
    int     y, inset;
    double  dy;

    if (radius > box->w / 2.0) {
        radius = box->w / 2.0;
    }

    if (radius < 1.0) {
        gdImageFilledRectangle(im, box->x - x0, box->y - y0,
                               box->x + box->w - 1 - x0,
                               box->y + box->h - 1 - y0, color);
        return;
    }

    for (y = 0; y < box->h; y++) {

        /* the distance of the row's centre into a corner's circle */

        dy = 0.0;

        if (y + 0.5 < radius) {
            dy = radius - (y + 0.5);

        } else if (y + 0.5 > box->h - radius) {
            dy = (y + 0.5) - (box->h - radius);
        }

        inset = (int) lround(radius - sqrt(radius * radius - dy * dy));

        if (box->w - 2 * inset <= 0) {
            continue;
        }

        gdImageFilledRectangle(im, box->x + inset - x0, box->y + y - y0,
                               box->x + box->w - 1 - inset - x0,
                               box->y + y - y0, color);
    }
}


/*
 * Only the part of the scaled image that falls on the canvas is made: a
 * client's "scale" cannot make a canvas larger than the image drawn on.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_draw_image(const ngx_http_overlay_layout_t *layout,
    const ngx_http_overlay_layer_layout_t *ll, gdImagePtr im, int x0,
    int y0, ngx_http_overlay_error_t *err)
{
    int                      x, y, c, a, sx, sy, sw, sh;
    double                   fx, fy;
    gdImagePtr               asset, scaled;
    ngx_http_overlay_rect_t  v;

    asset = layout->conf->assets[ll->layer->asset];

    /* the visible part, in the canvas's coordinates */

    v.x = ll->box.x - x0;
    v.y = ll->box.y - y0;
    v.w = ll->box.w;
    v.h = ll->box.h;

    ngx_http_overlay_rect_clip(&v, gdImageSX(im), gdImageSY(im));

    if (v.w <= 0 || v.h <= 0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    /* and the part of the asset that goes there */

    fx = (double) gdImageSX(asset) / ll->box.w;
    fy = (double) gdImageSY(asset) / ll->box.h;

    sx = (int) ((v.x - (ll->box.x - x0)) * fx);
    sy = (int) ((v.y - (ll->box.y - y0)) * fy);
    sw = (int) lround(v.w * fx);
    sh = (int) lround(v.h * fy);

    sw = sw < 1 ? 1 : (sx + sw > gdImageSX(asset) ? gdImageSX(asset) - sx
                                                  : sw);
    sh = sh < 1 ? 1 : (sy + sh > gdImageSY(asset) ? gdImageSY(asset) - sy
                                                  : sh);

    scaled = gdImageCreateTrueColor(v.w, v.h);
    if (scaled == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "gdImageCreateTrueColor() failed");
    }

    gdImageAlphaBlending(scaled, 0);
    gdImageSaveAlpha(scaled, 1);
    gdImageFilledRectangle(scaled, 0, 0, v.w - 1, v.h - 1,
                           gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent));

    gdImageCopyResampled(scaled, asset, 0, 0, sx, sy, v.w, v.h, sw, sh);

    if (ll->layer->opacity < 1.0) {

        for (y = 0; y < v.h; y++) {
            for (x = 0; x < v.w; x++) {
                c = gdImageGetTrueColorPixel(scaled, x, y);
                a = gdAlphaMax
                    - (int) lround((gdAlphaMax - gdTrueColorGetAlpha(c))
                                   * ll->layer->opacity);
                gdImageSetPixel(scaled, x, y,
                                gdTrueColorAlpha(gdTrueColorGetRed(c),
                                                 gdTrueColorGetGreen(c),
                                                 gdTrueColorGetBlue(c), a));
            }
        }
    }

    gdImageCopy(im, scaled, v.x, v.y, 0, 0, v.w, v.h);

    gdImageDestroy(scaled);

    return NGX_HTTP_OVERLAY_OK;
}


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

        if (u[i] < 0x80) {
            c = u[i];
            n = 1;

        } else if (u[i] >= 0xc0 && u[i] < 0xe0 && i + 1 < len) {
            c = (uint32_t) (u[i] & 0x1f) << 6 | (u[i + 1] & 0x3f);
            n = 2;

        } else if (u[i] >= 0xe0 && u[i] < 0xf0 && i + 2 < len) {
            c = (uint32_t) (u[i] & 0x0f) << 12
                | (uint32_t) (u[i + 1] & 0x3f) << 6 | (u[i + 2] & 0x3f);
            n = 3;

        } else if (u[i] >= 0xf0 && i + 3 < len) {
            c = (uint32_t) (u[i] & 0x07) << 18
                | (uint32_t) (u[i + 1] & 0x3f) << 12
                | (uint32_t) (u[i + 2] & 0x3f) << 6 | (u[i + 3] & 0x3f);
            n = 4;

        } else {
            c = 0xfffd;
            n = 1;
        }

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


ngx_http_overlay_rc_e
ngx_http_overlay_shape(const char *font, double px, const char *text,
    size_t len, int rtl, ngx_http_overlay_shaped_t *shaped,
    ngx_http_overlay_error_t *err)
{
    size_t                    i, n;
    raqm_t                   *rq;
    raqm_glyph_t             *g;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_face_t  *f;

    memset(shaped, 0, sizeof(ngx_http_overlay_shaped_t));

    shaped->font = font;
    shaped->px = px;
    shaped->rtl = rtl;

    rc = ngx_http_overlay_face(font, &f, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* HarfBuzz takes the size from the face's active size */

    rc = ngx_http_overlay_face_size(f, 0, px, err);
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

    if (!raqm_set_text_utf8(rq, text, len)
        || !raqm_set_freetype_face(rq, f->face)
        || !raqm_set_par_direction(rq, rtl ? RAQM_DIRECTION_RTL
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
    }

    shaped->nglyphs = n;

    raqm_destroy(rq);

    rc = ngx_http_overlay_shape_extent(f, shaped, err);

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
ngx_http_overlay_shape_extent(ngx_http_overlay_face_t *f,
    ngx_http_overlay_shaped_t *shaped, ngx_http_overlay_error_t *err)
{
    long                       pen;
    double                     k, x0, x1, y0, y1, gx0, gx1, gy0, gy1;
    size_t                     i;
    FT_Fixed                   nominal;
    FT_Glyph_Metrics          *m;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_glyph_t  *g;

    k = (double) NGX_HTTP_OVERLAY_DRAW_DPI / NGX_HTTP_OVERLAY_METRIC_DPI;

    /*
     * what shaping changed: HarfBuzz's advance less the glyph's own, as
     * HarfBuzz reads it (unhinted, rounded to 1/64 pixel)
     */

    for (i = 0; i < shaped->nglyphs; i++) {
        g = &shaped->glyphs[i];

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

    rc = ngx_http_overlay_face_size(f, 1, shaped->px, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    FT_Set_Transform(f->face, NULL, NULL);

    pen = 0;
    x0 = 0.0;
    x1 = 0.0;
    y0 = 0.0;
    y1 = 0.0;

    for (i = 0; i < shaped->nglyphs; i++) {
        g = &shaped->glyphs[i];

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
    FT_Matrix                        matrix;
    FT_GlyphSlot                     slot;
    ngx_http_overlay_rc_e            rc;
    ngx_http_overlay_face_t         *f;
    const ngx_http_overlay_glyph_t  *g;

    if (shaped->nglyphs == 0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    rc = ngx_http_overlay_face(shaped->font, &f, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_face_size(f, 0, shaped->px, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    sin_a = sin(angle);
    cos_a = cos(angle);

    matrix.xx = (FT_Fixed) (cos_a * 0x10000);
    matrix.yx = (FT_Fixed) (sin_a * 0x10000);
    matrix.xy = -matrix.yx;
    matrix.yy = matrix.xx;

    FT_Set_Transform(f->face, &matrix, NULL);

    slot = f->face->glyph;
    k = (double) NGX_HTTP_OVERLAY_DRAW_DPI / NGX_HTTP_OVERLAY_METRIC_DPI;
    pen = 0;
    rc = NGX_HTTP_OVERLAY_OK;

    for (i = 0; i < shaped->nglyphs; i++) {
        g = &shaped->glyphs[i];

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

    FT_Set_Transform(f->face, NULL, NULL);

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


/* the calling thread's face for path, opened (and sized) on first use */

static ngx_http_overlay_rc_e
ngx_http_overlay_face(const char *path, ngx_http_overlay_face_t **face,
    ngx_http_overlay_error_t *err)
{
    int                       e;
    unsigned                  i;
    ngx_http_overlay_ft_t    *ft;
    ngx_http_overlay_face_t  *f;

    ft = ngx_http_overlay_ft();
    if (ft == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "FT_Init_FreeType() failed");
    }

    for (i = 0; i < NGX_HTTP_OVERLAY_FACES; i++) {
        f = &ft->faces[i];

        if (f->path != NULL && strcmp(f->path, path) == 0) {
            *face = f;
            return NGX_HTTP_OVERLAY_OK;
        }
    }

    /* the slots are taken in turn: the oldest face goes */

    f = &ft->faces[ft->next];
    ft->next = (ft->next + 1) % NGX_HTTP_OVERLAY_FACES;

    ngx_http_overlay_face_close(f);

    e = FT_New_Face(ft->library, path, 0, &f->face);
    if (e != 0) {
        f->face = NULL;
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_New_Face() failed: error 0x%02x",
                                      e);
    }

    f->path = strdup(path);

    if (f->path == NULL
        || FT_New_Size(f->face, &f->draw) != 0
        || FT_New_Size(f->face, &f->metric) != 0)
    {
        ngx_http_overlay_face_close(f);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "FT_New_Size() failed");
    }

    *face = f;

    return NGX_HTTP_OVERLAY_OK;
}


/* makes the face's size for drawing (or for metrics) px pixels, active */

static ngx_http_overlay_rc_e
ngx_http_overlay_face_size(ngx_http_overlay_face_t *f, int metric, double px,
    ngx_http_overlay_error_t *err)
{
    FT_UInt   dpi;
    FT_Size   size;
    double   *current;

    size = metric ? f->metric : f->draw;
    current = metric ? &f->metric_px : &f->draw_px;
    dpi = metric ? NGX_HTTP_OVERLAY_METRIC_DPI : NGX_HTTP_OVERLAY_DRAW_DPI;

    if (FT_Activate_Size(size) != 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_Activate_Size() failed");
    }

    if (*current == px) {
        return NGX_HTTP_OVERLAY_OK;
    }

    *current = 0.0;

    if (FT_Set_Char_Size(f->face, 0, (FT_F26Dot6) (px * 64), dpi, dpi) != 0)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_Set_Char_Size(%.2f) failed", px);
    }

    *current = px;

    return NGX_HTTP_OVERLAY_OK;
}


static void
ngx_http_overlay_face_close(ngx_http_overlay_face_t *f)
{
    if (f->face != NULL) {
        (void) FT_Done_Face(f->face);       /* and its sizes */
    }

    free(f->path);

    memset(f, 0, sizeof(ngx_http_overlay_face_t));
}


static ngx_http_overlay_ft_t *
ngx_http_overlay_ft(void)
{
    ngx_http_overlay_ft_t  *ft;

    if (pthread_once(&ngx_http_overlay_ft_once,
                     ngx_http_overlay_ft_key_create)
        != 0 || !ngx_http_overlay_ft_key_ok)
    {
        return NULL;
    }

    ft = pthread_getspecific(ngx_http_overlay_ft_key);
    if (ft != NULL) {
        return ft;
    }

    ft = calloc(1, sizeof(ngx_http_overlay_ft_t));
    if (ft == NULL) {
        return NULL;
    }

    if (FT_Init_FreeType(&ft->library) != 0) {
        free(ft);
        return NULL;
    }

    if (pthread_setspecific(ngx_http_overlay_ft_key, ft) != 0) {
        ngx_http_overlay_ft_destroy(ft);
        return NULL;
    }

    return ft;
}


void
ngx_http_overlay_render_thread_free(void)
{
    ngx_http_overlay_ft_t  *ft;

    if (pthread_once(&ngx_http_overlay_ft_once,
                     ngx_http_overlay_ft_key_create)
        != 0 || !ngx_http_overlay_ft_key_ok)
    {
        return;
    }

    ft = pthread_getspecific(ngx_http_overlay_ft_key);

    if (ft != NULL) {
        (void) pthread_setspecific(ngx_http_overlay_ft_key, NULL);
        ngx_http_overlay_ft_destroy(ft);
    }
}


static void
ngx_http_overlay_ft_key_create(void)
{
    ngx_http_overlay_ft_key_ok =
        pthread_key_create(&ngx_http_overlay_ft_key,
                           ngx_http_overlay_ft_destroy) == 0;
}


/* a thread's FreeType state: at its exit, or when the core is shut down */

static void
ngx_http_overlay_ft_destroy(void *data)
{
    unsigned                i;
    ngx_http_overlay_ft_t  *ft;

    ft = data;

    for (i = 0; i < NGX_HTTP_OVERLAY_FACES; i++) {
        ngx_http_overlay_face_close(&ft->faces[i]);
    }

    (void) FT_Done_FreeType(ft->library);

    free(ft);
}
