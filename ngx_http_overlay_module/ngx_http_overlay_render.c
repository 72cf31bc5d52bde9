
/*
 * ngx_http_overlay_module: drawing a laid-out overlay with libgd and
 * FreeType (ngx_http_overlay_layout.h), libgd's messages, and the fonts
 * and images a configuration names (ngx_http_overlay_render.h).
 *
 * The text itself is shaped and its glyphs drawn by
 * ngx_http_overlay_text.c.
 */


#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_layout.h"
#include "ngx_http_overlay_face.h"
#include "ngx_http_overlay_codec_png.h"


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


static __thread char  ngx_http_overlay_gd_msg[NGX_HTTP_OVERLAY_ERROR_LEN];


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
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_face_t   *face;
    ngx_http_overlay_extent_t  ext;

    /* libgd reads ";" and "," in a font name as a list of fonts */

    if (strpbrk(path, ";,") != NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "a font path must not contain "
                                      "\";\" or \",\"");
    }

    rc = ngx_http_overlay_face(path, &face, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* a font of bitmaps is scaled and drawn in colour: a colour one only */

    if (face->bitmap && !FT_HAS_COLOR(face->face)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "a font of bitmaps only must be a "
                                      "colour font (CBDT, sbix)");
    }

    rc = ngx_http_overlay_measure(path, 24.0, NGX_HTTP_OVERLAY_METRICS_TEXT,
                                  &ext, err);

    if (rc == NGX_HTTP_OVERLAY_BAD_SPEC) {

        /* FreeType loads it, without Latin: a fallback for other scripts */

        return NGX_HTTP_OVERLAY_OK;
    }

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
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
                 ngx_http_overlay_gd_color(shadow, layer->opacity), 1,
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

    return ngx_http_overlay_draw_shaped(im, fg, 0, &ll->shaped, ll->angle,
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
