
/*
 * ngx_http_overlay_module: the GIF codec.
 *
 * The probe walks the blocks up to the trailer, or the second image; a
 * still GIF whose one frame fills the screen is decoded whole by libgd
 * into a palette image, the overlay blended onto it in its own palette
 * (no requantization of the whole image: every pixel the overlay does not
 * cover keeps its colour), and encoded by libgd again.
 */


#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_codec_gif.h"
#include "ngx_http_overlay_quant.h"


/*
 * The most entries a full palette gives up to the overlay, and the least
 * PSNR (dB) the image keeps then against the source, over all its pixels,
 * the overlay's counted as equal (README, "Formats").
 */
#define NGX_HTTP_OVERLAY_GIF_FREE     32
#define NGX_HTTP_OVERLAY_GIF_OUTSIDE  55.0

/* the slots of the table of blends' colours: a power of two */
#define NGX_HTTP_OVERLAY_GIF_CACHE  4096


static ngx_http_overlay_rc_e ngx_http_overlay_gif_draw(gdImagePtr im,
    const ngx_http_overlay_painter_t *painter, int *fitted,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_gif_quantize(gdImagePtr im,
    int t, int x0, int y0, int w, int h, const uint32_t *blend,
    short *index, int *fitted, ngx_http_overlay_error_t *err);
static unsigned ngx_http_overlay_gif_give_up(gdImagePtr im, int t, int x0,
    int y0, int w, int h, const short *index, unsigned char *freed,
    unsigned char *lut);
static int ngx_http_overlay_gif_colour(gdImagePtr im, int t, int r, int g,
    int b);
static void *ngx_http_overlay_gif_encode(gdImagePtr im, int *size,
    const void *data);
static void ngx_http_overlay_gif_free(void *data);


/*
 * The logical screen, and how many frames: one is drawn, more are not.
 * The walk stops at the second image descriptor, however many follow.
 * libgd decodes a frame as large as the screen only: a smaller one is
 * unsupported, and one reaching out of the screen (which browsers show,
 * growing the screen) is refused as headers that disagree.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_gif_probe(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err)
{
    size_t    pos;
    unsigned  frames, flags, left, top, width, height, lzw;

    if (len < 13) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "GIF of %zu bytes", len);
    }

    info->width = ngx_http_overlay_le16(p + 6);
    info->height = ngx_http_overlay_le16(p + 8);

    flags = p[10];
    pos = 13 + ((flags & 0x80) ? 3u << ((flags & 7) + 1) : 0);
    frames = 0;
    left = 0;
    top = 0;
    width = 0;
    height = 0;

    while (pos < len) {

        switch (p[pos]) {

        case 0x21:                              /* extension */
            pos += 2;
            break;

        case 0x2c:                              /* image descriptor */

            if (pos + 11 > len) {
                goto truncated;
            }

            if (++frames > 1) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_UNSUPPORTED,
                                              "animated GIF");
            }

            left = ngx_http_overlay_le16(p + pos + 1);
            top = ngx_http_overlay_le16(p + pos + 3);
            width = ngx_http_overlay_le16(p + pos + 5);
            height = ngx_http_overlay_le16(p + pos + 7);
            flags = p[pos + 9];
            pos += 10 + ((flags & 0x80) ? 3u << ((flags & 7) + 1) : 0);

            /* LZW minimum code size: 2 to 8 bits in valid files */

            lzw = pos < len ? p[pos] : 2;

            if (lzw == 0 || lzw > 8) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_BAD_IMAGE,
                                              "GIF LZW code size %u", lzw);
            }

            pos++;
            break;

        case 0x3b:                              /* trailer */
            goto done;

        default:
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "GIF block 0x%02x at %zu",
                                          p[pos], pos);
        }

        /* data sub-blocks, up to the empty one */

        while (pos < len && p[pos] != 0) {
            pos += (size_t) p[pos] + 1;
        }

        if (pos >= len) {
            goto truncated;
        }

        pos++;
    }

done:

    if (frames == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "GIF without an image");
    }

    if (width == 0 || height == 0
        || left + width > info->width || top + height > info->height)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: a GIF frame of "
                                      "%ux%u at %u,%u, a screen of %ux%u",
                                      width, height, left, top, info->width,
                                      info->height);
    }

    if (width != info->width || height != info->height) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "GIF frame of %ux%u at %u,%u, a "
                                      "screen of %ux%u", width, height,
                                      left, top, info->width, info->height);
    }

    return NGX_HTTP_OVERLAY_OK;

truncated:

    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "GIF cut short at %zu bytes", len);
}


ngx_http_overlay_rc_e
ngx_http_overlay_gif_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                    size, fitted;
    void                  *bytes;
    gdImagePtr             im;
    ngx_http_overlay_rc_e  rc;

    ngx_http_overlay_render_gd_message_clear();
    im = gdImageCreateFromGifPtr((int) len, (void *) p);

    if (im == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "%s decoding failed: %s",
                                      ngx_http_overlay_format_name(
                                          info->format),
                                      ngx_http_overlay_render_gd_message());
    }

    if ((unsigned) gdImageSX(im) != info->width
        || (unsigned) gdImageSY(im) != info->height || gdImageTrueColor(im))
    {
        gdImageDestroy(im);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "decoded %dx%d, the headers say %ux%u",
                                      gdImageSX(im), gdImageSY(im),
                                      info->width, info->height);
    }

    fitted = 0;

    rc = ngx_http_overlay_gif_draw(im, painter, &fitted, err);

    if (rc == NGX_HTTP_OVERLAY_OK && !fitted) {

        /* a full palette: all made truecolor, drawn on, quantized anew */

        rc = ngx_http_overlay_codec_gd_apply(im, info, painter,
                                             ngx_http_overlay_gif_encode,
                                             NULL, out, err);
        gdImageDestroy(im);

        return rc;
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        size = 0;
        bytes = gdImageGifPtr(im, &size);

        if (bytes == NULL || size <= 0) {
            rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                        "gif encoding failed: %s",
                                        ngx_http_overlay_render_gd_message());
            if (bytes != NULL) {
                gdFree(bytes);
            }

        } else {
            out->data = bytes;
            out->len = (size_t) size;
            out->free = ngx_http_overlay_gif_free;
        }
    }

    gdImageDestroy(im);

    return rc;
}


/*
 * The overlay, drawn on a transparent truecolor layer, blended onto the
 * palette image as libgd blends: each blend's colour is the palette's own,
 * or a new entry while the palette has room; when it has too little, the
 * blends are quantized into the free entries and mapped to the nearest
 * entry, old or new (ngx_http_overlay_quant.h).  Over the transparent
 * colour, a blend at least half opaque is drawn, opaque (GIF has no
 * partial transparency).  Every pixel the overlay does not cover keeps its
 * index, and every entry its colour.  *fitted 0, and the image as it was,
 * when the quantized overlay is under NGX_HTTP_OVERLAY_QUANT_FLOOR.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_gif_draw(gdImagePtr im,
    const ngx_http_overlay_painter_t *painter, int *fitted,
    ngx_http_overlay_error_t *err)
{
    int                    x, y, x0, y0, w, h, c, t, ta, sa, i, k, full;
    int                    r, g, b, slot, rgb, total;
    int                    cache[NGX_HTTP_OVERLAY_GIF_CACHE][2];
    short                 *index;
    uint32_t              *blend;
    gdImagePtr             layer;
    unsigned char         *px;
    ngx_http_overlay_rc_e  rc;

    *fitted = 1;

    rc = ngx_http_overlay_codec_layer(painter, gdImageSX(im), gdImageSY(im),
                                      &layer, &x0, &y0, err);
    if (rc != NGX_HTTP_OVERLAY_OK || layer == NULL) {
        return rc;
    }

    w = gdImageSX(layer);
    h = gdImageSY(layer);

    index = malloc((size_t) w * h * sizeof(short));
    blend = malloc((size_t) w * h * sizeof(uint32_t));

    if (index == NULL || blend == NULL) {
        free(index);
        free(blend);
        gdImageDestroy(layer);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    /* the colours found, by RGB: -1, none yet */

    memset(cache, 0xff, sizeof(cache));

    t = gdImageGetTransparent(im);
    total = gdImageColorsTotal(im);
    full = 0;

    /*
     * libgd reads a transparent entry no pixel uses as free: it is never
     * given to a colour (ngx_http_overlay_gif_colour())
     */

    if (t >= 0 && t < gdMaxColors) {
        im->open[t] = 0;
    }

    for (y = 0; y < h; y++) {
        px = im->pixels[y0 + y] + x0;

        for (x = 0; x < w; x++) {
            index[y * w + x] = -1;
            c = layer->tpixels[y][x];
            ta = gdTrueColorGetAlpha(c);

            if (ta == gdAlphaTransparent) {
                continue;
            }

            sa = gdAlphaMax - ta;
            i = px[x];

            if (i == t || i >= total) {
                if (sa < 64) {
                    continue;
                }

                r = gdTrueColorGetRed(c);
                g = gdTrueColorGetGreen(c);
                b = gdTrueColorGetBlue(c);

            } else {
                r = (gdTrueColorGetRed(c) * sa + im->red[i] * ta)
                    / gdAlphaMax;
                g = (gdTrueColorGetGreen(c) * sa + im->green[i] * ta)
                    / gdAlphaMax;
                b = (gdTrueColorGetBlue(c) * sa + im->blue[i] * ta)
                    / gdAlphaMax;
            }

            rgb = r << 16 | g << 8 | b;

            blend[y * w + x] = (uint32_t) rgb << 8 | 0xff;
            index[y * w + x] = -2;

            if (full) {
                continue;
            }

            slot = (int) (((unsigned) rgb * 2654435761u) >> 20)
                   & (NGX_HTTP_OVERLAY_GIF_CACHE - 1);

            while (cache[slot][0] != -1 && cache[slot][0] != rgb) {
                slot = (slot + 1) & (NGX_HTTP_OVERLAY_GIF_CACHE - 1);
            }

            if (cache[slot][0] == -1) {
                k = ngx_http_overlay_gif_colour(im, t, r, g, b);

                if (k < 0) {

                    /* no room: the entries added are let go */

                    im->colorsTotal = total;
                    full = 1;
                    continue;
                }

                cache[slot][0] = rgb;
                cache[slot][1] = k;
            }

            index[y * w + x] = (short) cache[slot][1];
        }
    }

    if (full) {
        rc = ngx_http_overlay_gif_quantize(im, t, x0, y0, w, h, blend,
                                           index, fitted, err);

        if (rc != NGX_HTTP_OVERLAY_OK || !*fitted) {
            goto done;
        }
    }

    for (y = 0; y < h; y++) {
        px = im->pixels[y0 + y] + x0;

        for (x = 0; x < w; x++) {
            if (index[y * w + x] >= 0) {
                px[x] = (unsigned char) index[y * w + x];
            }
        }
    }

done:

    free(index);
    free(blend);
    gdImageDestroy(layer);

    return rc;
}


/*
 * The blends of the layer's w x h pixels at x0, y0 (index -1: none there)
 * quantized into im's palette, never into its transparent entry t nor one
 * libgd has let go; index set to each blend's entry.  First into the
 * entries the palette has free (none, if it is full), every other entry
 * kept; under the floor, again with the entries the pixels outside the
 * overlay can best do without given up to it (ngx_http_overlay_gif_give_up()).
 * *fitted 0, im as it was, under the floor both times.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_gif_quantize(gdImagePtr im, int t, int x0, int y0, int w,
    int h, const uint32_t *blend, short *index, int *fitted,
    ngx_http_overlay_error_t *err)
{
    int             x, y;
    size_t          i, count;
    double          psnr;
    unsigned        n, m, e, j, total, pass, top;
    unsigned char   rgba[256 * 4], skip[256], real[256];
    unsigned char   freed[256], lut[256];
    unsigned char  *px;

    total = (unsigned) gdImageColorsTotal(im);
    count = (size_t) w * h;
    memset(freed, 0, sizeof(freed));

    for (pass = 0; pass < 2; pass++) {

        if (pass == 1
            && ngx_http_overlay_gif_give_up(im, t, x0, y0, w, h, index, freed,
                                            lut) == 0)
        {
            break;
        }

        /* the entries kept, first; then the free ones, where new go */

        n = 0;

        for (e = 0; e < total; e++) {
            if (freed[e]) {
                continue;
            }

            rgba[4 * n] = (unsigned char) im->red[e];
            rgba[4 * n + 1] = (unsigned char) im->green[e];
            rgba[4 * n + 2] = (unsigned char) im->blue[e];
            rgba[4 * n + 3] = 255;
            skip[n] = (int) e == t || im->open[e];
            real[n++] = (unsigned char) e;
        }

        if (t >= (int) total && t < 256) {

            /* a transparent entry past the colours: kept, never mapped to */

            memset(&rgba[4 * n], 0, 4);
            skip[n] = 1;
            real[n++] = (unsigned char) t;
        }

        j = n;

        for (e = 0; e < 256; e++) {
            if ((freed[e] || e >= total) && (int) e != t) {
                real[j++] = (unsigned char) e;
            }
        }

        if (ngx_http_overlay_quant_index(rgba, n, skip, blend, index, count,
                                         3, &m, &psnr)
            != 0)
        {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                          "malloc() failed");
        }

        for (i = 0; i < count; i++) {
            if (index[i] >= 0) {
                index[i] = real[index[i]];
            }
        }

        *fitted = psnr >= NGX_HTTP_OVERLAY_QUANT_FLOOR;

        if (!*fitted) {
            continue;
        }

        top = total;

        for (j = n; j < m; j++) {
            e = real[j];
            im->red[e] = rgba[4 * j];
            im->green[e] = rgba[4 * j + 1];
            im->blue[e] = rgba[4 * j + 2];
            im->alpha[e] = gdAlphaOpaque;
            im->open[e] = 0;

            if (e + 1 > top) {
                top = e + 1;
            }
        }

        im->colorsTotal = (int) top;

        if (pass == 1) {

            /* the pixels of the entries given up: their nearest kept */

            for (y = 0; y < gdImageSY(im); y++) {
                px = im->pixels[y];

                for (x = 0; x < gdImageSX(im); x++) {
                    px[x] = lut[px[x]];
                }
            }
        }

        return NGX_HTTP_OVERLAY_OK;
    }

    *fitted = 0;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * Up to NGX_HTTP_OVERLAY_GIF_FREE entries given up, one by one the one
 * whose pixels outside the overlay lose least (their count times the
 * squared distance to the nearest entry kept), while the image stays
 * within NGX_HTTP_OVERLAY_GIF_OUTSIDE dB of the source (above);
 * lut: each entry's replacement.  The count given up.
 */

static unsigned
ngx_http_overlay_gif_give_up(gdImagePtr im, int t, int x0, int y0, int w,
    int h, const short *index, unsigned char *freed, unsigned char *lut)
{
    int             x, y;
    long            d, dr, dg, db, near[256];
    double          cost, best, sum, budget;
    unsigned        e, f, total, nfreed, pick;
    unsigned long   hist[256];
    unsigned char   to[256], kept[256];
    unsigned char  *px;

    total = (unsigned) gdImageColorsTotal(im);
    memset(hist, 0, sizeof(hist));

    for (y = 0; y < gdImageSY(im); y++) {
        px = im->pixels[y];

        for (x = 0; x < gdImageSX(im); x++) {
            hist[px[x]]++;
        }
    }

    for (y = 0; y < h; y++) {
        px = im->pixels[y0 + y] + x0;

        for (x = 0; x < w; x++) {
            if (index[y * w + x] != -1) {
                hist[px[x]]--;
            }
        }
    }

    budget = 3.0 * gdImageSX(im) * gdImageSY(im) * 255.0 * 255.0
             / pow(10.0, NGX_HTTP_OVERLAY_GIF_OUTSIDE / 10.0);

    for (e = 0; e < 256; e++) {
        lut[e] = (unsigned char) e;
    }

    memset(kept, 0, sizeof(kept));
    sum = 0;

    for (nfreed = 0; nfreed < NGX_HTTP_OVERLAY_GIF_FREE; nfreed++) {

        /* each entry's nearest kept one */

        best = -1;
        pick = 0;

        for (e = 0; e < total; e++) {
            if ((int) e == t || im->open[e] || freed[e]) {
                continue;
            }

            near[e] = -1;
            to[e] = (unsigned char) e;

            for (f = 0; f < total; f++) {
                if (f == e || (int) f == t || im->open[f] || freed[f]) {
                    continue;
                }

                dr = im->red[e] - im->red[f];
                dg = im->green[e] - im->green[f];
                db = im->blue[e] - im->blue[f];
                d = dr * dr + dg * dg + db * db;

                if (near[e] < 0 || d < near[e]) {
                    near[e] = d;
                    to[e] = (unsigned char) f;
                }
            }

            if (near[e] < 0 || kept[e]) {
                continue;
            }

            cost = (double) hist[e] * near[e];

            if (best < 0 || cost < best) {
                best = cost;
                pick = e;
            }
        }

        if (best < 0 || sum + best > budget) {
            break;
        }

        /* the entry its pixels go to is kept, so that costs add up */

        sum += best;
        freed[pick] = 1;
        lut[pick] = to[pick];
        kept[to[pick]] = 1;
    }

    return nfreed;
}


/* the entry of r, g, b: the palette's, or a new one; -1: no room */

static int
ngx_http_overlay_gif_colour(gdImagePtr im, int t, int r, int g, int b)
{
    int  i;

    for (i = 0; i < gdImageColorsTotal(im); i++) {
        if (i != t && im->red[i] == r && im->green[i] == g
            && im->blue[i] == b && im->open[i] == 0)
        {
            return i;
        }
    }

    if (gdImageColorsTotal(im) == t && t < gdMaxColors - 1) {
        im->colorsTotal++;                      /* past the transparent one */
    }

    if (gdImageColorsTotal(im) < gdMaxColors && gdImageColorsTotal(im) != t) {
        return gdImageColorAllocate(im, r, g, b);
    }

    return -1;
}


static void *
ngx_http_overlay_gif_encode(gdImagePtr im, int *size, const void *data)
{
    (void) data;

    return gdImageGifPtr(im, size);
}


static void
ngx_http_overlay_gif_free(void *data)
{
    gdFree(data);
}
