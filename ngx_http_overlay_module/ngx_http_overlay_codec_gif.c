
/*
 * ngx_http_overlay_module: the GIF codec.
 *
 * The probe walks the blocks up to the trailer, or the second image; a
 * still GIF whose one frame fills the screen is decoded whole by libgd
 * into a palette image, the overlay blended onto it in its own palette
 * (no requantization of the whole image: every pixel the overlay does not
 * cover keeps its colour), and encoded by libgd again.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_codec_gif.h"


/* the slots of the table of blends' colours: a power of two */
#define NGX_HTTP_OVERLAY_GIF_CACHE  4096


static ngx_http_overlay_rc_e ngx_http_overlay_gif_draw(gdImagePtr im,
    const ngx_http_overlay_painter_t *painter, int *fitted,
    ngx_http_overlay_error_t *err);
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
 * or a new entry while the palette has room.  Over the transparent colour,
 * a blend at least half opaque is drawn, opaque (GIF has no partial
 * transparency).  Every pixel the overlay does not cover keeps its index,
 * and every entry its colour.  *fitted 0, and the image as it was, when
 * the palette has no room for them all.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_gif_draw(gdImagePtr im,
    const ngx_http_overlay_painter_t *painter, int *fitted,
    ngx_http_overlay_error_t *err)
{
    int                    x, y, x0, y0, x1, y1, c, t, ta, sa, i, k;
    int                    r, g, b, slot, rgb, total;
    int                    cache[NGX_HTTP_OVERLAY_GIF_CACHE][2];
    short                 *index;
    gdImagePtr             layer;
    unsigned char         *px;
    ngx_http_overlay_rc_e  rc;

    *fitted = 1;

    rc = ngx_http_overlay_codec_layer(painter, gdImageSX(im), gdImageSY(im),
                                      &layer, &x0, &y0, err);
    if (rc != NGX_HTTP_OVERLAY_OK || layer == NULL) {
        return rc;
    }

    x1 = x0 + gdImageSX(layer);
    y1 = y0 + gdImageSY(layer);

    index = malloc((size_t) (x1 - x0) * (y1 - y0) * sizeof(short));
    if (index == NULL) {
        gdImageDestroy(layer);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    /* the colours found, by RGB: -1, none yet */

    memset(cache, 0xff, sizeof(cache));

    t = gdImageGetTransparent(im);
    total = gdImageColorsTotal(im);

    for (y = 0; y < y1 - y0; y++) {
        px = im->pixels[y0 + y] + x0;

        for (x = 0; x < x1 - x0; x++) {
            index[y * (x1 - x0) + x] = -1;
            c = layer->tpixels[y][x];
            ta = gdTrueColorGetAlpha(c);

            if (ta == gdAlphaTransparent) {
                continue;
            }

            sa = gdAlphaMax - ta;
            i = px[x];

            if (i == t || i >= gdImageColorsTotal(im)) {
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
                    *fitted = 0;
                    goto done;
                }

                cache[slot][0] = rgb;
                cache[slot][1] = k;
            }

            index[y * (x1 - x0) + x] = (short) cache[slot][1];
        }
    }

    for (y = 0; y < y1 - y0; y++) {
        px = im->pixels[y0 + y] + x0;

        for (x = 0; x < x1 - x0; x++) {
            if (index[y * (x1 - x0) + x] >= 0) {
                px[x] = (unsigned char) index[y * (x1 - x0) + x];
            }
        }
    }

done:

    free(index);
    gdImageDestroy(layer);

    return NGX_HTTP_OVERLAY_OK;
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

    if (gdImageColorsTotal(im) < gdMaxColors) {
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
