
/*
 * ngx_http_overlay_module: the layout of an overlay spec on an image of a
 * given size (ngx_http_overlay_layout.h): text shaped (libraqm, through
 * ngx_http_overlay_shape()) and measured, shrunk or cut to fit, boxes,
 * ribbons' sashes and image layers placed at their positions.  Nothing is
 * drawn here.
 */


#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_layout.h"


#define NGX_HTTP_OVERLAY_PAD_X         0.5     /* of the font size */
#define NGX_HTTP_OVERLAY_PAD_Y         0.3
#define NGX_HTTP_OVERLAY_FONT_MIN_PX   6.0

#define NGX_HTTP_OVERLAY_SQRT2         1.41421356237309504880


static ngx_http_overlay_rc_e ngx_http_overlay_layout_text(
    ngx_http_overlay_layout_t *layout, ngx_http_overlay_layer_layout_t *ll,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_layout_ribbon(ngx_http_overlay_layout_t *layout,
    ngx_http_overlay_layer_layout_t *ll, ngx_http_overlay_extent_t *text,
    int band, int pad_x, int margin);
static ngx_http_overlay_rc_e ngx_http_overlay_layout_image(
    ngx_http_overlay_layout_t *layout, ngx_http_overlay_layer_layout_t *ll,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_anchor(ngx_http_overlay_position_e position,
    int width, int height, int margin, ngx_http_overlay_rect_t *r);
static int ngx_http_overlay_place(unsigned slot, int size, int extent,
    int margin);
static ngx_http_overlay_rc_e ngx_http_overlay_cut_text(
    ngx_http_overlay_layer_layout_t *ll, double px, int avail,
    ngx_http_overlay_extent_t *text, ngx_http_overlay_error_t *err);
static char *ngx_http_overlay_text_copy(const char *src, size_t len,
    const char *tail);
static void ngx_http_overlay_rect_union(ngx_http_overlay_rect_t *acc,
    const ngx_http_overlay_rect_t *r);


ngx_http_overlay_rc_e
ngx_http_overlay_render_layout(ngx_http_overlay_layout_t *layout,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_render_conf_t *conf, int width, int height,
    ngx_http_overlay_error_t *err)
{
    unsigned                          i;
    ngx_http_overlay_rc_e             rc;
    ngx_http_overlay_layer_layout_t  *ll;

    memset(layout, 0, sizeof(ngx_http_overlay_layout_t));

    if (width <= 0 || height <= 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "image of %dx%d pixels", width, height);
    }

    layout->conf = conf;
    layout->width = width;
    layout->height = height;

    for (i = 0; i < spec->nlayers && i < NGX_HTTP_OVERLAY_LAYERS_LIMIT; i++) {
        ll = &layout->layers[i];
        ll->layer = &spec->layers[i];
        layout->nlayers++;

        if (ll->layer->type == NGX_HTTP_OVERLAY_LAYER_TEXT) {
            rc = ngx_http_overlay_layout_text(layout, ll, err);

        } else {
            rc = ngx_http_overlay_layout_image(layout, ll, err);
        }

        if (rc != NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_render_free(layout);
            return rc;
        }

        /* anti-aliased edges may overhang the measured box a little */

        ll->bounds.x -= 2;
        ll->bounds.y -= 2;
        ll->bounds.w += 4;
        ll->bounds.h += 4;

        ngx_http_overlay_rect_clip(&ll->bounds, width, height);
        ngx_http_overlay_rect_union(&layout->bounds, &ll->bounds);
    }

    return NGX_HTTP_OVERLAY_OK;
}


void
ngx_http_overlay_render_free(ngx_http_overlay_layout_t *layout)
{
    unsigned  i;

    for (i = 0; i < layout->nlayers; i++) {
        free(layout->layers[i].text);
        layout->layers[i].text = NULL;
        ngx_http_overlay_shaped_free(&layout->layers[i].shaped);
    }
}


static ngx_http_overlay_rc_e
ngx_http_overlay_layout_text(ngx_http_overlay_layout_t *layout,
    ngx_http_overlay_layer_layout_t *ll, ngx_http_overlay_error_t *err)
{
    int                              shorter, margin, pad_x, pad_y, avail;
    int                              ascent, descent, band, tries, rtl;
    double                           px;
    uint32_t                         missing;
    ngx_http_overlay_rc_e            rc;
    ngx_http_overlay_extent_t        text, metrics;
    const ngx_http_overlay_layer_t  *layer;

    layer = ll->layer;

    if (layer->font >= layout->conf->nfonts) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "font %u is not configured",
                                      layer->font);
    }

    ll->font = layout->conf->fonts[layer->font];

    /* a character no font of the chain has is refused, not drawn as a box */

    rc = ngx_http_overlay_text_cover(ll->font, layer->text, layer->len,
                                     &missing, err);
    if (rc == NGX_HTTP_OVERLAY_BAD_SPEC) {
        return ngx_http_overlay_error(err, rc,
                                      "U+%04X is in no font of \"%s\"",
                                      (unsigned) missing,
                                      layout->conf->font_names != NULL
                                      ? layout->conf->font_names[layer->font]
                                      : "?");
    }

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    ll->text = ngx_http_overlay_text_copy(layer->text, layer->len, "");
    if (ll->text == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    shorter = layout->width < layout->height ? layout->width : layout->height;
    margin = (int) lround(shorter * layer->margin);

    px = shorter * layer->size;
    if (px < NGX_HTTP_OVERLAY_FONT_MIN_PX) {
        px = NGX_HTTP_OVERLAY_FONT_MIN_PX;
    }

    /* a ribbon's text lies along the diagonal of a corner square */

    avail = layout->width - 2 * margin;

    if (layer->style == NGX_HTTP_OVERLAY_STYLE_RIBBON) {
        avail = (int) (shorter * 0.7 * NGX_HTTP_OVERLAY_SQRT2) - 2 * margin;
    }

    if (avail < 1) {
        avail = 1;
    }

    /* one direction for the text and any cut of it */

    rtl = ngx_http_overlay_text_rtl(layer->text, layer->len,
                                    layer->direction);

    for (tries = 0; /* void */; tries++) {

        ngx_http_overlay_shaped_free(&ll->shaped);

        rc = ngx_http_overlay_shape(ll->font, px, ll->text, layer->len, rtl,
                                    &ll->shaped, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        text = ll->shaped.ext;

        pad_x = layer->style == NGX_HTTP_OVERLAY_STYLE_PLAIN
                ? 0 : (int) lround(px * NGX_HTTP_OVERLAY_PAD_X);

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

    /* still too wide at the smallest size: cut, with an ellipsis */

    if (text.width + 2 * pad_x > avail) {
        rc = ngx_http_overlay_cut_text(ll, px, avail - 2 * pad_x, &text,
                                       err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }
    }

    /* one box height for every text of the chain, whatever its script */

    rc = ngx_http_overlay_chain_metrics(ll->font, px, &metrics, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    ascent = text.ascent > metrics.ascent ? text.ascent : metrics.ascent;
    descent = text.descent > metrics.descent ? text.descent : metrics.descent;
    pad_y = layer->style == NGX_HTTP_OVERLAY_STYLE_PLAIN
            ? 0 : (int) lround(px * NGX_HTTP_OVERLAY_PAD_Y);

    ll->font_px = px;
    ll->box.w = text.width + 2 * pad_x;
    ll->box.h = ascent + descent + 2 * pad_y;

    switch (layer->style) {

    case NGX_HTTP_OVERLAY_STYLE_RIBBON:
        band = ll->box.h;
        ngx_http_overlay_layout_ribbon(layout, ll, &text, band, pad_x,
                                       margin);
        return NGX_HTTP_OVERLAY_OK;

    case NGX_HTTP_OVERLAY_STYLE_BANNER:

        /* the whole width; the text where the position's column says */

        ngx_http_overlay_anchor(layer->position, layout->width,
                                layout->height, margin, &ll->box);

        ll->text_x = ll->box.x + pad_x - text.left;
        ll->box.x = 0;
        ll->box.w = layout->width;
        break;

    case NGX_HTTP_OVERLAY_STYLE_PLAIN:

        /* a shadow down and right, for legibility on any background */

        ll->shadow = (int) lround(px / 16);
        if (ll->shadow < 1) {
            ll->shadow = 1;
        }

        ll->box.w += ll->shadow;
        ll->box.h += ll->shadow;

        ngx_http_overlay_anchor(layer->position, layout->width,
                                layout->height, margin, &ll->box);

        ll->text_x = ll->box.x - text.left;
        break;

    default: /* NGX_HTTP_OVERLAY_STYLE_BADGE */

        ngx_http_overlay_anchor(layer->position, layout->width,
                                layout->height, margin, &ll->box);

        ll->text_x = ll->box.x + pad_x - text.left;
        break;
    }

    ll->text_y = ll->box.y + pad_y + ascent;
    ll->bounds = ll->box;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The longest start of the text, in logical order, that fits avail pixels
 * with "…" after it: a right-to-left text loses its end, on its left.
 * ll->shaped is the whole text, shaped.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_cut_text(ngx_http_overlay_layer_layout_t *ll, double px,
    int avail, ngx_http_overlay_extent_t *text,
    ngx_http_overlay_error_t *err)
{
    char                       *cut;
    size_t                      lo, hi, mid, len, i, n, *starts;
    const char                 *s;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_shaped_t   shaped;

    s = ll->layer->text;
    len = ll->layer->len;

    /*
     * where a cut may fall: the starts of the shaped text's clusters, so
     * that a letter keeps its marks and a ligature stays whole
     */

    starts = calloc(len + 1, sizeof(size_t));
    if (starts == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "calloc() failed");
    }

    for (i = 0; i < ll->shaped.nglyphs; i++) {
        if (ll->shaped.glyphs[i].cluster < len) {
            starts[ll->shaped.glyphs[i].cluster] = 1;
        }
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (starts[i] || i == 0) {
            starts[n++] = i;
        }
    }

    starts[n] = len;

    /* lo characters fit (none, an ellipsis alone, is the least); hi not */

    lo = 0;
    hi = n;

    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;

        cut = ngx_http_overlay_text_copy(s, starts[mid], "\xe2\x80\xa6");
        if (cut == NULL) {
            free(starts);
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                          "malloc() failed");
        }

        rc = ngx_http_overlay_shape(ll->font, px, cut, strlen(cut),
                                    ll->shaped.rtl, &shaped, err);
        free(cut);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            free(starts);
            return rc;
        }

        if (shaped.ext.width <= avail) {
            lo = mid;

        } else {
            hi = mid;
        }

        ngx_http_overlay_shaped_free(&shaped);
    }

    lo = starts[lo];
    free(starts);

    cut = ngx_http_overlay_text_copy(s, lo, "\xe2\x80\xa6");
    if (cut == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    rc = ngx_http_overlay_shape(ll->font, px, cut, strlen(cut),
                                ll->shaped.rtl, &shaped, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        free(cut);
        return rc;
    }

    free(ll->text);
    ll->text = cut;

    ngx_http_overlay_shaped_free(&ll->shaped);
    ll->shaped = shaped;

    *text = shaped.ext;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * A sash across a corner, at 45 degrees.  With u the sum of the distances
 * from the corner's two edges, the sash is inner <= u <= inner + band * √2;
 * its inner edge is long enough for the text.
 */

static void
ngx_http_overlay_layout_ribbon(ngx_http_overlay_layout_t *layout,
    ngx_http_overlay_layer_layout_t *ll, ngx_http_overlay_extent_t *text,
    int band, int pad_x, int margin)
{
    int       w, h, inner, outer, i, x0, y0, x1, y1;
    double    c, mx, my, dx, dy, nx, ny, along, across;
    gdPoint  *p;

    w = layout->width;
    h = layout->height;

    inner = (int) lround((text->width + 2 * pad_x) / NGX_HTTP_OVERLAY_SQRT2)
            + margin;
    outer = inner + (int) lround(band * NGX_HTTP_OVERLAY_SQRT2);

    /* the sash in top-left coordinates, then mirrored to its corner */

    p = ll->band;
    p[0].x = inner;  p[0].y = 0;
    p[1].x = outer;  p[1].y = 0;
    p[2].x = 0;      p[2].y = outer;
    p[3].x = 0;      p[3].y = inner;

    c = (inner + outer) / 2.0;
    mx = c / 2;
    my = c / 2;

    /* the text runs from bottom-left to top-right of the top-left sash */

    dx = 1 / NGX_HTTP_OVERLAY_SQRT2;
    dy = -1 / NGX_HTTP_OVERLAY_SQRT2;

    switch (ll->layer->position) {

    case NGX_HTTP_OVERLAY_TOP_RIGHT:
    case NGX_HTTP_OVERLAY_BOTTOM_LEFT:
        dy = -dy;
        break;

    default:
        break;
    }

    for (i = 0; i < 4; i++) {

        if (ll->layer->position == NGX_HTTP_OVERLAY_TOP_RIGHT
            || ll->layer->position == NGX_HTTP_OVERLAY_BOTTOM_RIGHT)
        {
            p[i].x = w - p[i].x;
        }

        if (ll->layer->position == NGX_HTTP_OVERLAY_BOTTOM_LEFT
            || ll->layer->position == NGX_HTTP_OVERLAY_BOTTOM_RIGHT)
        {
            p[i].y = h - p[i].y;
        }
    }

    if (ll->layer->position == NGX_HTTP_OVERLAY_TOP_RIGHT
        || ll->layer->position == NGX_HTTP_OVERLAY_BOTTOM_RIGHT)
    {
        mx = w - mx;
    }

    if (ll->layer->position == NGX_HTTP_OVERLAY_BOTTOM_LEFT
        || ll->layer->position == NGX_HTTP_OVERLAY_BOTTOM_RIGHT)
    {
        my = h - my;
    }

    /* the baseline: back half the text along, down half its height */

    nx = -dy;
    ny = dx;
    along = text->width / 2.0 + text->left;
    across = (text->ascent - text->descent) / 2.0;

    ll->text_x = (int) lround(mx - dx * along + nx * across);
    ll->text_y = (int) lround(my - dy * along + ny * across);
    ll->angle = dy > 0 ? -M_PI / 4 : M_PI / 4;

    x0 = w;
    y0 = h;
    x1 = 0;
    y1 = 0;

    for (i = 0; i < 4; i++) {
        x0 = p[i].x < x0 ? p[i].x : x0;
        y0 = p[i].y < y0 ? p[i].y : y0;
        x1 = p[i].x > x1 ? p[i].x : x1;
        y1 = p[i].y > y1 ? p[i].y : y1;
    }

    ll->box.x = x0;
    ll->box.y = y0;
    ll->box.w = x1 - x0 + 1;
    ll->box.h = y1 - y0 + 1;
    ll->bounds = ll->box;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_layout_image(ngx_http_overlay_layout_t *layout,
    ngx_http_overlay_layer_layout_t *ll, ngx_http_overlay_error_t *err)
{
    int                              shorter, margin;
    gdImagePtr                       asset;
    const ngx_http_overlay_layer_t  *layer;

    layer = ll->layer;

    if (layer->asset >= layout->conf->nassets) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "image %u is not configured",
                                      layer->asset);
    }

    asset = layout->conf->assets[layer->asset];

    shorter = layout->width < layout->height ? layout->width : layout->height;
    margin = (int) lround(shorter * layer->margin);

    ll->box.w = (int) lround(layout->width * layer->scale);
    ll->box.h = (int) lround((double) ll->box.w * gdImageSY(asset)
                             / gdImageSX(asset));

    if (ll->box.w < 1) {
        ll->box.w = 1;
    }

    if (ll->box.h < 1) {
        ll->box.h = 1;
    }

    ngx_http_overlay_anchor(layer->position, layout->width, layout->height,
                            margin, &ll->box);

    ll->bounds = ll->box;

    return NGX_HTTP_OVERLAY_OK;
}


/* places a box of r->w x r->h at the position, margin away from edges */

static void
ngx_http_overlay_anchor(ngx_http_overlay_position_e position, int width,
    int height, int margin, ngx_http_overlay_rect_t *r)
{
    r->x = ngx_http_overlay_place(position % 3, r->w, width, margin);
    r->y = ngx_http_overlay_place(position / 3, r->h, height, margin);
}


/* along one axis: 0 the start, 1 the middle, 2 the end */

static int
ngx_http_overlay_place(unsigned slot, int size, int extent, int margin)
{
    switch (slot) {

    case 0:
        return margin;

    case 1:
        return (extent - size) / 2;

    default:
        return extent - margin - size;
    }
}


/* the len bytes at src and tail, NUL-terminated; free() it */

static char *
ngx_http_overlay_text_copy(const char *src, size_t len, const char *tail)
{
    char    *text;
    size_t   tlen;

    tlen = strlen(tail);

    text = malloc(len + tlen + 1);
    if (text == NULL) {
        return NULL;
    }

    memcpy(text, src, len);
    memcpy(text + len, tail, tlen + 1);

    return text;
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


void
ngx_http_overlay_rect_clip(ngx_http_overlay_rect_t *r, int width, int height)
{
    int  x1, y1;

    x1 = r->x + r->w < width ? r->x + r->w : width;
    y1 = r->y + r->h < height ? r->y + r->h : height;

    r->x = r->x > 0 ? r->x : 0;
    r->y = r->y > 0 ? r->y : 0;
    r->w = x1 > r->x ? x1 - r->x : 0;
    r->h = y1 > r->y ? y1 - r->y : 0;
}
