
/*
 * ngx_http_overlay_module: the overlay blended onto a PNG's own samples
 * (ngx_http_overlay_png_blend.h).
 *
 * First the format the result needs is found, from the overlay's pixels
 * alone (cheap: the overlay is small); the whole image is converted only
 * when it must be; then the overlay's pixels are blended, one by one, in
 * the image's own format.  Samples are read at the image's scale (255, or
 * 65535 at 16 bits; 1, 2 and 4-bit grey scaled to 255), so that a 16-bit
 * image is blended in 16 bits.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_png_blend.h"
#include "ngx_http_overlay_quant.h"


/* the slots of the palette's colour table: a power of two, over 2 x 256 */
#define NGX_HTTP_OVERLAY_PNG_SLOTS  1024


typedef struct {
    unsigned long              c[3];            /* r, g, b; grey: all */
    unsigned long              a;
} ngx_http_overlay_png_px_t;


static void ngx_http_overlay_png_to_8(ngx_http_overlay_png_image_t *im);
static void ngx_http_overlay_png_luma(gdImagePtr layer);
static int ngx_http_overlay_png_grey_layer(gdImagePtr layer);
static ngx_http_overlay_rc_e ngx_http_overlay_png_palette(
    ngx_http_overlay_png_image_t *im, gdImagePtr layer, int x0, int y0,
    int *fitted, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_png_quantize(
    ngx_http_overlay_png_image_t *im, const uint32_t *blend, short *index,
    size_t count, int *fitted, ngx_http_overlay_error_t *err);
static int ngx_http_overlay_png_lookup(uint32_t *slots, uint32_t key);
static int ngx_http_overlay_png_fits(ngx_http_overlay_png_image_t *im,
    gdImagePtr layer, int x0, int y0);
static ngx_http_overlay_rc_e ngx_http_overlay_png_promote(
    ngx_http_overlay_png_image_t *im, unsigned colour, unsigned depth,
    ngx_http_overlay_error_t *err);
static int ngx_http_overlay_png_expand(
    const ngx_http_overlay_png_image_t *im, ngx_http_overlay_png_image_t *to);
static void ngx_http_overlay_png_get(const ngx_http_overlay_png_image_t *im,
    const unsigned char *row, unsigned x, ngx_http_overlay_png_px_t *px);
static void ngx_http_overlay_png_put(const ngx_http_overlay_png_image_t *im,
    unsigned char *row, unsigned x, const ngx_http_overlay_png_px_t *px);
static void ngx_http_overlay_png_over(ngx_http_overlay_png_px_t *px,
    int c, unsigned long max);
static unsigned long ngx_http_overlay_png_key(
    const ngx_http_overlay_png_image_t *im, unsigned k);


/*
 * The overlay, drawn by the painter on a transparent image of the region
 * it covers (drawing over transparency leaves the overlay as it is),
 * blended onto the rows in their own format.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_png_paint(ngx_http_overlay_png_image_t *im,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_error_t *err)
{
    int                    x0, y0;
    gdImagePtr             layer;
    ngx_http_overlay_rc_e  rc;

    rc = ngx_http_overlay_codec_layer(painter, (int) im->width,
                                      (int) im->height, &layer, &x0, &y0,
                                      err);
    if (rc != NGX_HTTP_OVERLAY_OK || layer == NULL) {
        return rc;
    }

    rc = ngx_http_overlay_png_blend(im, layer, x0, y0, err);

    gdImageDestroy(layer);

    return rc;
}


ngx_http_overlay_rc_e
ngx_http_overlay_png_blend(ngx_http_overlay_png_image_t *im,
    gdImagePtr layer, int x0, int y0, ngx_http_overlay_error_t *err)
{
    int                         x, y, c, fitted;
    unsigned char              *row;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_png_px_t   px;

    /* overlay_png_reduce: 8 bits, and grey drawn in its luminance */

    if (im->reduce && im->depth == 16) {
        ngx_http_overlay_png_to_8(im);
    }

    if (im->reduce && (im->colour == 0 || im->colour == 4)) {
        ngx_http_overlay_png_luma(layer);
    }

    if (im->colour == 3) {
        fitted = 0;

        rc = ngx_http_overlay_png_palette(im, layer, x0, y0, &fitted, err);
        if (rc != NGX_HTTP_OVERLAY_OK || fitted) {
            return rc;
        }

        rc = ngx_http_overlay_png_promote(im, im->ntrns ? 6 : 2, 8, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }
    }

    if ((im->colour & 2) == 0 && !ngx_http_overlay_png_grey_layer(layer)) {

        /* colour on grey: RGB, with alpha for a grey key too */

        rc = ngx_http_overlay_png_promote(im, im->ntrns ? 6 : im->colour | 2,
                                          im->depth < 8 ? 8 : im->depth,
                                          err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        if (im->colour == 2 && im->depth == 8) {

            /* grey in RGB but where the overlay is: for the encoder */

            im->grey = 1;
            im->grey_y0 = (unsigned) y0;
            im->grey_y1 = (unsigned) (y0 + gdImageSY(layer));
        }
    }

    /* 1, 2, 4-bit grey, or a key, that the blends do not fit */

    while (!ngx_http_overlay_png_fits(im, layer, x0, y0)) {

        rc = ngx_http_overlay_png_promote(im,
                                          im->ntrns ? im->colour | 4
                                                    : im->colour,
                                          im->depth < 8 ? 8 : im->depth,
                                          err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }
    }

    for (y = 0; y < gdImageSY(layer); y++) {
        row = im->rows + (size_t) (y0 + y) * im->stride + 1;

        for (x = 0; x < gdImageSX(layer); x++) {
            c = layer->tpixels[y][x];

            if (gdTrueColorGetAlpha(c) == gdAlphaTransparent) {
                continue;
            }

            ngx_http_overlay_png_get(im, row, (unsigned) (x0 + x), &px);
            ngx_http_overlay_png_over(&px, c,
                                      im->depth == 16 ? 65535 : 255);
            ngx_http_overlay_png_put(im, row, (unsigned) (x0 + x), &px);
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * 16-bit samples to 8, in place: the high byte of each, as libpng's
 * png_set_strip_16(), Pillow and libgd read them.  A colour key, which
 * matched one 16-bit colour, becomes an alpha channel (grey and alpha,
 * RGBA): 0 where the key matched, else 255.  Each pixel's 8-bit samples
 * end where its next pixel's 16-bit ones begin, so that none is written
 * over before it is read.
 */

static void
ngx_http_overlay_png_to_8(ngx_http_overlay_png_image_t *im)
{
    size_t                x, y, k, n, m, stride, keyed;
    unsigned char        *d;
    const unsigned char  *p;

    n = ngx_http_overlay_png_channels(im->colour);
    keyed = im->ntrns && (im->colour == 0 || im->colour == 2);
    m = n + keyed;
    stride = 1 + (size_t) im->width * m;

    for (y = 0; y < im->height; y++) {
        p = im->rows + y * im->stride + 1;
        d = im->rows + y * stride + 1;

        if (!keyed) {
            for (x = 0; x < im->width * n; x++) {
                d[x] = p[2 * x];
            }

            continue;
        }

        for (x = 0; x < im->width; x++, p += 2 * n, d += m) {
            for (k = 0; k < n; k++) {
                if (p[2 * k] != im->trns[2 * k]
                    || p[2 * k + 1] != im->trns[2 * k + 1])
                {
                    break;
                }
            }

            d[n] = (k == n) ? 0 : 255;

            for (k = 0; k < n; k++) {
                d[k] = p[2 * k];
            }
        }
    }

    if (keyed) {
        im->colour |= 4;
        im->ntrns = 0;
    }

    im->depth = 8;
    im->stride = stride;
}


/*
 * The layer's colours in their luminance, for a grey image: ITU-R 601-2,
 * L = (299 R + 587 G + 114 B) / 1000, rounded, as Pillow's convert("L").
 */

static void
ngx_http_overlay_png_luma(gdImagePtr layer)
{
    int  x, y, c, l;

    for (y = 0; y < gdImageSY(layer); y++) {
        for (x = 0; x < gdImageSX(layer); x++) {
            c = layer->tpixels[y][x];

            if (gdTrueColorGetAlpha(c) == gdAlphaTransparent) {
                continue;
            }

            l = (299 * gdTrueColorGetRed(c) + 587 * gdTrueColorGetGreen(c)
                 + 114 * gdTrueColorGetBlue(c) + 500) / 1000;

            layer->tpixels[y][x] = gdTrueColorAlpha(l, l, l,
                                                    gdTrueColorGetAlpha(c));
        }
    }
}


/* whether every pixel drawn is grey */

static int
ngx_http_overlay_png_grey_layer(gdImagePtr layer)
{
    int  x, y, c;

    for (y = 0; y < gdImageSY(layer); y++) {
        for (x = 0; x < gdImageSX(layer); x++) {
            c = layer->tpixels[y][x];

            if (gdTrueColorGetAlpha(c) != gdAlphaTransparent
                && (gdTrueColorGetRed(c) != gdTrueColorGetGreen(c)
                    || gdTrueColorGetGreen(c) != gdTrueColorGetBlue(c)))
            {
                return 0;
            }
        }
    }

    return 1;
}


/*
 * Each blend's colour (and alpha) found in the palette or added to it;
 * when more than the free entries are needed, the blends are quantized
 * into them (ngx_http_overlay_quant.h).  *fitted 0, and the palette as it
 * was, when the quantized overlay is under NGX_HTTP_OVERLAY_QUANT_FLOOR.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_png_palette(ngx_http_overlay_png_image_t *im,
    gdImagePtr layer, int x0, int y0, int *fitted,
    ngx_http_overlay_error_t *err)
{
    int                         x, y, c, i, w, h, full;
    short                      *index;
    uint32_t                   *slots, *blend, key;
    unsigned                    n, ntrns, depth;
    unsigned char              *row;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_png_px_t   px;

    w = gdImageSX(layer);
    h = gdImageSY(layer);

    slots = calloc(NGX_HTTP_OVERLAY_PNG_SLOTS, 2 * sizeof(uint32_t));
    index = malloc((size_t) w * h * sizeof(short));
    blend = malloc((size_t) w * h * sizeof(uint32_t));

    if (slots == NULL || index == NULL || blend == NULL) {
        free(slots);
        free(index);
        free(blend);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    n = im->npalette;
    ntrns = im->ntrns;
    full = 0;

    /* the palette's own entries, the first of equal ones */

    for (i = 0; i < (int) n; i++) {
        key = (uint32_t) im->palette[3 * i] << 24
              | (uint32_t) im->palette[3 * i + 1] << 16
              | (uint32_t) im->palette[3 * i + 2] << 8
              | (i < (int) ntrns ? im->trns[i] : 255);

        c = ngx_http_overlay_png_lookup(slots, key);

        if (slots[2 * c + 1] == 0) {
            slots[2 * c] = key;
            slots[2 * c + 1] = (uint32_t) i + 1;
        }
    }

    for (y = 0; y < h; y++) {
        row = im->rows + (size_t) (y0 + y) * im->stride + 1;

        for (x = 0; x < w; x++) {
            index[y * w + x] = -1;
            c = layer->tpixels[y][x];

            if (gdTrueColorGetAlpha(c) == gdAlphaTransparent) {
                continue;
            }

            ngx_http_overlay_png_get(im, row, (unsigned) (x0 + x), &px);
            ngx_http_overlay_png_over(&px, c, 255);

            key = (uint32_t) px.c[0] << 24 | (uint32_t) px.c[1] << 16
                  | (uint32_t) px.c[2] << 8 | (uint32_t) px.a;

            blend[y * w + x] = key;
            index[y * w + x] = -2;

            if (full) {
                continue;
            }

            i = ngx_http_overlay_png_lookup(slots, key);

            if (slots[2 * i + 1] == 0) {

                if (n == 256) {
                    full = 1;
                    continue;
                }

                im->palette[3 * n] = (unsigned char) px.c[0];
                im->palette[3 * n + 1] = (unsigned char) px.c[1];
                im->palette[3 * n + 2] = (unsigned char) px.c[2];

                if (px.a != 255) {
                    while (ntrns < n) {
                        im->trns[ntrns++] = 255;
                    }

                    im->trns[ntrns++] = (unsigned char) px.a;
                }

                slots[2 * i] = key;
                slots[2 * i + 1] = ++n;
            }

            index[y * w + x] = (short) (slots[2 * i + 1] - 1);
        }
    }

    free(slots);

    *fitted = 1;

    if (full) {

        /* the entries added are let go: the free ones are quantized into */

        rc = ngx_http_overlay_png_quantize(im, blend, index, (size_t) w * h,
                                           fitted, err);

        if (rc != NGX_HTTP_OVERLAY_OK || !*fitted) {
            free(index);
            free(blend);
            return rc;
        }

        n = im->npalette;
        ntrns = im->ntrns;
    }

    for (y = 0; y < h; y++) {
        row = im->rows + (size_t) (y0 + y) * im->stride + 1;

        for (x = 0; x < w; x++) {
            if (index[y * w + x] >= 0) {
                row[x0 + x] = (unsigned char) index[y * w + x];
            }
        }
    }

    free(index);
    free(blend);

    im->npalette = n;
    im->ntrns = ntrns;

    /* the depth the entries need, never less than the source's */

    depth = n > 16 ? 8 : n > 4 ? 4 : n > 2 ? 2 : 1;

    if (depth > im->depth) {
        im->depth = depth;
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The count blends (index -1: none there) quantized into im's palette:
 * its entries kept, new ones in its free entries, index set to each
 * blend's entry.  *fitted 0, im as it was, under the floor.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_png_quantize(ngx_http_overlay_png_image_t *im,
    const uint32_t *blend, short *index, size_t count, int *fitted,
    ngx_http_overlay_error_t *err)
{
    double          psnr;
    unsigned        n, e, last;
    unsigned char   rgba[256 * 4];

    for (e = 0; e < im->npalette; e++) {
        memcpy(&rgba[4 * e], &im->palette[3 * e], 3);
        rgba[4 * e + 3] = e < im->ntrns ? im->trns[e] : 255;
    }

    if (ngx_http_overlay_quant_index(rgba, im->npalette, NULL, blend, index,
                                     count, im->ntrns ? 4 : 3, &n, &psnr)
        != 0)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    *fitted = psnr >= NGX_HTTP_OVERLAY_QUANT_FLOOR;

    if (!*fitted) {
        return NGX_HTTP_OVERLAY_OK;
    }

    /* the new entries, their alpha in tRNS up to the last not opaque */

    last = 0;

    for (e = im->npalette; e < n; e++) {
        memcpy(&im->palette[3 * e], &rgba[4 * e], 3);

        if (rgba[4 * e + 3] != 255) {
            last = e + 1;
        }
    }

    for (e = im->ntrns; e < last; e++) {
        im->trns[e] = rgba[4 * e + 3];
    }

    if (last > im->ntrns) {
        im->ntrns = last;
    }

    im->npalette = n;

    return NGX_HTTP_OVERLAY_OK;
}


/* the slot of key, or the empty one where it would go */

static int
ngx_http_overlay_png_lookup(uint32_t *slots, uint32_t key)
{
    uint32_t  i;

    i = (key * 2654435761u) >> 22;

    while (slots[2 * i + 1] != 0 && slots[2 * i] != key) {
        i = (i + 1) & (NGX_HTTP_OVERLAY_PNG_SLOTS - 1);
    }

    return (int) i;
}


/*
 * Whether every blend fits the image as it is: 1, 2 and 4-bit grey takes
 * only its own levels; with a colour key, no blend may be partly
 * transparent, nor opaque in the key's colour.
 */

static int
ngx_http_overlay_png_fits(ngx_http_overlay_png_image_t *im,
    gdImagePtr layer, int x0, int y0)
{
    int                         x, y, c, key;
    unsigned                    k, n, step;
    unsigned long               max;
    unsigned char              *row;
    ngx_http_overlay_png_px_t   px;

    key = im->ntrns && (im->colour == 0 || im->colour == 2);
    step = im->depth < 8 ? 255 / ((1u << im->depth) - 1) : 1;

    if (!key && step == 1) {
        return 1;
    }

    max = im->depth == 16 ? 65535 : 255;
    n = im->colour == 2 ? 3 : 1;

    for (y = 0; y < gdImageSY(layer); y++) {
        row = im->rows + (size_t) (y0 + y) * im->stride + 1;

        for (x = 0; x < gdImageSX(layer); x++) {
            c = layer->tpixels[y][x];

            if (gdTrueColorGetAlpha(c) == gdAlphaTransparent) {
                continue;
            }

            ngx_http_overlay_png_get(im, row, (unsigned) (x0 + x), &px);
            ngx_http_overlay_png_over(&px, c, max);

            if (px.c[0] % step != 0) {
                return 0;
            }

            if (!key) {
                continue;
            }

            if (px.a != max) {
                return 0;
            }

            for (k = 0; k < n; k++) {
                if (px.c[k] != ngx_http_overlay_png_key(im, k)) {
                    break;
                }
            }

            if (k == n) {
                return 0;
            }
        }
    }

    return 1;
}


/*
 * The whole image in another colour type and depth (at least 8 bits),
 * pixel by pixel, in new rows.  A key becomes alpha only when the new type
 * has alpha; else it is carried over at the new depth.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_png_promote(ngx_http_overlay_png_image_t *im,
    unsigned colour, unsigned depth, ngx_http_overlay_error_t *err)
{
    unsigned                      x, y, k;
    unsigned long                 v;
    ngx_http_overlay_png_px_t     px;
    ngx_http_overlay_png_image_t  to;

    to = *im;
    to.colour = colour;
    to.depth = depth;
    to.npalette = 0;
    to.stride = 1 + (size_t) im->width
                    * ngx_http_overlay_png_channels(colour) * (depth / 8);

    to.rows = malloc(to.stride * im->height);
    if (to.rows == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    if (!ngx_http_overlay_png_expand(im, &to)) {

        for (y = 0; y < im->height; y++) {
            for (x = 0; x < im->width; x++) {
                ngx_http_overlay_png_get(im, im->rows + y * im->stride + 1,
                                         x, &px);
                ngx_http_overlay_png_put(&to, to.rows + y * to.stride + 1,
                                         x, &px);
            }
        }
    }

    if (colour & 4) {
        to.ntrns = 0;

    } else if (im->ntrns && im->colour != 3) {

        /* the key, grey or RGB, at the new depth (grey to 8 bits only) */

        for (k = 0; k < (colour == 2 ? 3u : 1u); k++) {
            v = ngx_http_overlay_png_key(im, im->colour == 2 ? k : 0);
            to.trns[2 * k] = (unsigned char) (v >> 8);
            to.trns[2 * k + 1] = (unsigned char) v;
        }

        to.ntrns = colour == 2 ? 6 : 2;
    }

    free(im->rows);
    *im = to;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The common conversions in loops of their own: palette to 8-bit RGB or
 * RGBA, grey (and alpha) to RGB (and alpha) of the same depth, without a
 * key.  0: not one of them.
 */

static int
ngx_http_overlay_png_expand(const ngx_http_overlay_png_image_t *im,
    ngx_http_overlay_png_image_t *to)
{
    size_t                x, y, k, n, m, b;
    unsigned char         lut[256][4];
    unsigned char        *d;
    const unsigned char  *p;

    if (im->colour == 3 && to->depth == 8) {
        n = ngx_http_overlay_png_channels(to->colour);

        for (k = 0; k < 256; k++) {
            lut[k][0] = im->palette[3 * k];
            lut[k][1] = im->palette[3 * k + 1];
            lut[k][2] = im->palette[3 * k + 2];
            lut[k][3] = k < im->ntrns ? im->trns[k] : 255;
        }

        for (y = 0; y < im->height; y++) {
            p = im->rows + y * im->stride + 1;
            d = to->rows + y * to->stride + 1;

            for (x = 0; x < im->width; x++, d += n) {
                memcpy(d, lut[p[x]], n);
            }
        }

        return 1;
    }

    if ((im->colour == 0 || im->colour == 4) && im->ntrns == 0
        && im->depth >= 8 && to->depth == im->depth
        && to->colour == (im->colour | 2))
    {
        b = im->depth / 8;
        m = im->colour == 4 ? b : 0;            /* the alpha's bytes */

        for (y = 0; y < im->height; y++) {
            p = im->rows + y * im->stride + 1;
            d = to->rows + y * to->stride + 1;

            if (b == 1 && m == 0) {

                /* 8-bit grey, the common case: no call per sample */

                for (x = 0; x < im->width; x++, d += 3) {
                    d[0] = p[x];
                    d[1] = p[x];
                    d[2] = p[x];
                }

                continue;
            }

            for (x = 0; x < im->width; x++) {
                for (k = 0; k < 3; k++) {
                    memcpy(d, p, b);
                    d += b;
                }

                memcpy(d, p + b, m);
                d += m;
                p += b + m;
            }
        }

        return 1;
    }

    return 0;
}


/* pixel x of a row (after its spare byte) at the image's scale */

static void
ngx_http_overlay_png_get(const ngx_http_overlay_png_image_t *im,
    const unsigned char *row, unsigned x, ngx_http_overlay_png_px_t *px)
{
    unsigned              k, n, step;
    unsigned long         v[4], max;
    const unsigned char  *p;

    n = ngx_http_overlay_png_channels(im->colour);

    if (im->colour == 3) {
        k = row[x];
        px->c[0] = im->palette[3 * k];
        px->c[1] = im->palette[3 * k + 1];
        px->c[2] = im->palette[3 * k + 2];
        px->a = k < im->ntrns ? im->trns[k] : 255;
        return;
    }

    if (im->depth == 16) {
        p = row + 2 * n * x;

        for (k = 0; k < n; k++) {
            v[k] = (unsigned long) p[2 * k] << 8 | p[2 * k + 1];
        }

        max = 65535;

    } else {
        step = im->depth < 8 ? 255 / ((1u << im->depth) - 1) : 1;
        p = row + n * x;

        for (k = 0; k < n; k++) {
            v[k] = (unsigned long) p[k] * step;
        }

        max = 255;
    }

    /* grey, RGB, grey and alpha, RGBA */

    px->c[0] = v[0];
    px->c[1] = (im->colour & 2) ? v[1] : v[0];
    px->c[2] = (im->colour & 2) ? v[2] : v[0];
    px->a = im->colour == 4 ? v[1] : im->colour == 6 ? v[3] : max;

    if (im->ntrns && (im->colour == 0 || im->colour == 2)) {
        for (k = 0; k < (im->colour == 2 ? 3u : 1u); k++) {
            if (px->c[k] != ngx_http_overlay_png_key(im, k)) {
                return;
            }
        }

        px->a = 0;
    }
}


/* pixel x of a row, as px says: not for palette images */

static void
ngx_http_overlay_png_put(const ngx_http_overlay_png_image_t *im,
    unsigned char *row, unsigned x, const ngx_http_overlay_png_px_t *px)
{
    unsigned        k, n, step;
    unsigned long   v[4];
    unsigned char  *p;

    n = ngx_http_overlay_png_channels(im->colour);

    v[0] = px->c[0];
    v[1] = (im->colour & 2) ? px->c[1] : px->a;
    v[2] = px->c[2];
    v[3] = px->a;

    if (im->depth == 16) {
        p = row + 2 * n * x;

        for (k = 0; k < n; k++) {
            p[2 * k] = (unsigned char) (v[k] >> 8);
            p[2 * k + 1] = (unsigned char) v[k];
        }

        return;
    }

    step = im->depth < 8 ? 255 / ((1u << im->depth) - 1) : 1;
    p = row + n * x;

    for (k = 0; k < n; k++) {
        p[k] = (unsigned char) (v[k] / step);
    }
}


/*
 * The overlay's pixel c over px, as libgd blends (its 7-bit alpha): over
 * an opaque pixel, libgd's own sums; over one with alpha, the weights of
 * both.  max: the scale, 255 or 65535.
 */

static void
ngx_http_overlay_png_over(ngx_http_overlay_png_px_t *px, int c,
    unsigned long max)
{
    unsigned                  k;
    unsigned long             s[3], ta, sa, w, unit;

    unit = max / 255;
    s[0] = (unsigned long) gdTrueColorGetRed(c) * unit;
    s[1] = (unsigned long) gdTrueColorGetGreen(c) * unit;
    s[2] = (unsigned long) gdTrueColorGetBlue(c) * unit;

    ta = (unsigned long) gdTrueColorGetAlpha(c);
    sa = gdAlphaMax - ta;

    if (ta == 0 || px->a == 0) {
        for (k = 0; k < 3; k++) {
            px->c[k] = s[k];
        }

        px->a = ta == 0 ? max : (sa * max + 63) / gdAlphaMax;
        return;
    }

    if (px->a == max) {
        for (k = 0; k < 3; k++) {
            px->c[k] = (s[k] * sa + px->c[k] * ta) / gdAlphaMax;
        }

        return;
    }

    w = sa * max + px->a * ta;

    for (k = 0; k < 3; k++) {
        px->c[k] = (unsigned long)
                   (((unsigned long long) s[k] * sa * max
                     + (unsigned long long) px->c[k] * px->a * ta) / w);
    }

    px->a = (w + 63) / gdAlphaMax;
}


/* sample k of the tRNS key, at the image's scale */

static unsigned long
ngx_http_overlay_png_key(const ngx_http_overlay_png_image_t *im,
    unsigned k)
{
    unsigned long  v;

    if (im->colour == 0) {
        k = 0;
    }

    v = (unsigned long) im->trns[2 * k] << 8 | im->trns[2 * k + 1];

    if (im->depth < 8) {
        v = (v & ((1u << im->depth) - 1)) * (255 / ((1u << im->depth) - 1));

    } else if (im->depth == 8) {
        v &= 0xff;
    }

    return v;
}
