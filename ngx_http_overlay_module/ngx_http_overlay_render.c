
/*
 * ngx_http_overlay_module: layout and drawing with libgd and FreeType.
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ngx_http_overlay_render.h"


/* proportions of the image's shorter side */
#define NGX_HTTP_OVERLAY_BADGE_SIZE     0.06
#define NGX_HTTP_OVERLAY_BADGE_MARGIN   0.03

/* proportions of the font size */
#define NGX_HTTP_OVERLAY_BADGE_PAD_X    0.5
#define NGX_HTTP_OVERLAY_BADGE_PAD_Y    0.3

#define NGX_HTTP_OVERLAY_FONT_MIN_PX    6.0

/* the house badge: deep red at 85% opacity, white text */
#define NGX_HTTP_OVERLAY_BADGE_BG       gdTrueColorAlpha(0xd6, 0x28, 0x28, 19)
#define NGX_HTTP_OVERLAY_BADGE_FG       gdTrueColorAlpha(0xff, 0xff, 0xff, 0)

/* what the text box's height is measured with, whatever the text */
#define NGX_HTTP_OVERLAY_METRICS_TEXT   "Hgjy\xc3\x81"


typedef struct {
    int       left;
    int       width;
    int       ascent;
    int       descent;
} ngx_http_overlay_extent_t;


static void ngx_http_overlay_gd_error(int priority, const char *fmt,
    va_list args);
static ngx_http_overlay_rc_e ngx_http_overlay_measure(const char *font,
    double px, const char *text, ngx_http_overlay_extent_t *ext,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_layout_badge(
    ngx_http_overlay_layout_t *layout, ngx_http_overlay_layer_layout_t *ll,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_escape_text(char *dst, const char *src,
    size_t len);
static void ngx_http_overlay_rect_union(ngx_http_overlay_rect_t *acc,
    const ngx_http_overlay_rect_t *r);


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


static ngx_http_overlay_rc_e
ngx_http_overlay_measure(const char *font, double px, const char *text,
    ngx_http_overlay_extent_t *ext, ngx_http_overlay_error_t *err)
{
    int               brect[8];
    char             *msg;
    gdFTStringExtra   extra;

    memset(&extra, 0, sizeof(gdFTStringExtra));

    /* 72 dpi: the size given is in pixels */

    extra.flags = gdFTEX_RESOLUTION;
    extra.hdpi = 72;
    extra.vdpi = 72;

    msg = gdImageStringFTEx(NULL, brect, 0, font, px, 0.0, 0, 0,
                            (char *) text, &extra);

    if (msg != NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "%s", msg);
    }

    /* brect: lower left, lower right, upper right, upper left; y down */

    ext->left = brect[0];
    ext->width = brect[2] - brect[0];
    ext->ascent = -brect[7];
    ext->descent = brect[1];

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_render_layout(ngx_http_overlay_layout_t *layout,
    const ngx_http_overlay_spec_t *spec, const char *font, int width,
    int height, ngx_http_overlay_error_t *err)
{
    unsigned                          i;
    ngx_http_overlay_rc_e             rc;
    ngx_http_overlay_layer_layout_t  *ll;

    memset(layout, 0, sizeof(ngx_http_overlay_layout_t));

    if (width <= 0 || height <= 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "image of %dx%d pixels", width, height);
    }

    layout->font = font;
    layout->width = width;
    layout->height = height;

    for (i = 0; i < spec->nlayers && i < NGX_HTTP_OVERLAY_LAYERS_MAX; i++) {
        ll = &layout->layers[i];
        ll->text = layout->text[i];

        ngx_http_overlay_escape_text(ll->text, spec->layers[i].text,
                                     spec->layers[i].len);

        rc = ngx_http_overlay_layout_badge(layout, ll, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        ngx_http_overlay_rect_union(&layout->bounds, &ll->box);
        layout->nlayers++;
    }

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_layout_badge(ngx_http_overlay_layout_t *layout,
    ngx_http_overlay_layer_layout_t *ll, ngx_http_overlay_error_t *err)
{
    int                        shorter, margin, pad_x, pad_y, avail;
    int                        ascent, descent, tries;
    double                     px;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_extent_t  text, metrics;

    shorter = layout->width < layout->height ? layout->width : layout->height;
    margin = (int) lround(shorter * NGX_HTTP_OVERLAY_BADGE_MARGIN);
    avail = layout->width - 2 * margin;

    px = shorter * NGX_HTTP_OVERLAY_BADGE_SIZE;
    if (px < NGX_HTTP_OVERLAY_FONT_MIN_PX) {
        px = NGX_HTTP_OVERLAY_FONT_MIN_PX;
    }

    for (tries = 0; /* void */; tries++) {

        rc = ngx_http_overlay_measure(layout->font, px, ll->text, &text, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        pad_x = (int) lround(px * NGX_HTTP_OVERLAY_BADGE_PAD_X);

        if (text.width + 2 * pad_x <= avail
            || px <= NGX_HTTP_OVERLAY_FONT_MIN_PX || tries == 4)
        {
            break;
        }

        /* too wide: shrink in proportion, down to the smallest size */

        px = px * avail / (text.width + 2 * pad_x) * 0.98;
        if (px < NGX_HTTP_OVERLAY_FONT_MIN_PX) {
            px = NGX_HTTP_OVERLAY_FONT_MIN_PX;
        }
    }

    rc = ngx_http_overlay_measure(layout->font, px,
                                  NGX_HTTP_OVERLAY_METRICS_TEXT, &metrics,
                                  err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    ascent = text.ascent > metrics.ascent ? text.ascent : metrics.ascent;
    descent = text.descent > metrics.descent ? text.descent : metrics.descent;
    pad_y = (int) lround(px * NGX_HTTP_OVERLAY_BADGE_PAD_Y);

    ll->font_px = px;
    ll->box.w = text.width + 2 * pad_x;
    ll->box.h = ascent + descent + 2 * pad_y;
    ll->box.x = layout->width - margin - ll->box.w;
    ll->box.y = margin;

    ll->text_x = ll->box.x + pad_x - text.left;
    ll->text_y = ll->box.y + pad_y + ascent;

    /* nothing is ever drawn outside the image */

    if (ll->box.x < 0) {
        ll->box.w += ll->box.x;
        ll->box.x = 0;
    }

    if (ll->box.y + ll->box.h > layout->height) {
        ll->box.h = layout->height - ll->box.y;
    }

    return NGX_HTTP_OVERLAY_OK;
}


static void
ngx_http_overlay_escape_text(char *dst, const char *src, size_t len)
{
    size_t  i;

    /* libgd reads "&#NNN;" as an entity: the text is drawn literally */

    for (i = 0; i < len; i++) {

        if (src[i] == '&') {
            memcpy(dst, "&#38;", 5);
            dst += 5;
            continue;
        }

        *dst++ = src[i];
    }

    *dst = '\0';
}


static void
ngx_http_overlay_rect_union(ngx_http_overlay_rect_t *acc,
    const ngx_http_overlay_rect_t *r)
{
    int  x1, y1;

    if (r->w <= 0 || r->h <= 0) {
        return;
    }

    if (acc->w <= 0 || acc->h <= 0) {
        *acc = *r;
        return;
    }

    x1 = acc->x + acc->w > r->x + r->w ? acc->x + acc->w : r->x + r->w;
    y1 = acc->y + acc->h > r->y + r->h ? acc->y + acc->h : r->y + r->h;

    acc->x = acc->x < r->x ? acc->x : r->x;
    acc->y = acc->y < r->y ? acc->y : r->y;
    acc->w = x1 - acc->x;
    acc->h = y1 - acc->y;
}


ngx_http_overlay_rc_e
ngx_http_overlay_render_draw(const ngx_http_overlay_layout_t *layout,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err)
{
    char                                   *msg;
    unsigned                                i;
    gdFTStringExtra                         extra;
    int                                     brect[8];
    const ngx_http_overlay_layer_layout_t  *ll;

    if (!gdImageTrueColor(im)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "drawing needs a truecolor image");
    }

    gdImageAlphaBlending(im, 1);

    memset(&extra, 0, sizeof(gdFTStringExtra));
    extra.flags = gdFTEX_RESOLUTION;
    extra.hdpi = 72;
    extra.vdpi = 72;

    for (i = 0; i < layout->nlayers; i++) {
        ll = &layout->layers[i];

        if (ll->box.w > 0 && ll->box.h > 0) {
            gdImageFilledRectangle(im, ll->box.x - x0, ll->box.y - y0,
                                   ll->box.x + ll->box.w - 1 - x0,
                                   ll->box.y + ll->box.h - 1 - y0,
                                   NGX_HTTP_OVERLAY_BADGE_BG);
        }

        msg = gdImageStringFTEx(im, brect, NGX_HTTP_OVERLAY_BADGE_FG,
                                layout->font, ll->font_px, 0.0,
                                ll->text_x - x0, ll->text_y - y0,
                                ll->text, &extra);
        if (msg != NULL) {
            return ngx_http_overlay_error(err,
                                          NGX_HTTP_OVERLAY_RENDER_FAILED,
                                          "gdImageStringFTEx() failed: %s",
                                          msg);
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}
