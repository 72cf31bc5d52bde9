
/*
 * ngx_http_overlay_module: the alpha plane of a lossy WebP (its ALPH
 * chunk), decoded and coded again, for the splice.
 *
 * The ALPH payload is a header byte (reserved 2 bits, pre-processing 2,
 * filter 2, compression 2, from the high bits) and the plane: raw (C 0,
 * width * height bytes) or a lossless (VP8L) image stream without its
 * 5-byte header, whose green channel is the alpha (C 1).  libwebp decodes
 * that stream when it is handed a VP8L bitstream made around it (the
 * signature, the frame's size, no alpha, version 0: exactly 40 bits, so
 * the stream follows byte-aligned).  The filter (horizontal, vertical,
 * gradient) is undone here, as the container's specification says.
 *
 * A plane is coded again losslessly: a picture whose green channel is the
 * (filtered) alpha, encoded by libwebp's lossless encoder, its VP8L
 * chunk's payload without the 5-byte header, after a header byte of its
 * own.  The method and quality are measured, the filter (none or
 * vertical) chosen per plane on two bands of it: README, "Lossy WebP with
 * alpha".
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_webp_alpha_int.h"


/* a VP8L bitstream's signature, and the size of its header */
#define NGX_HTTP_OVERLAY_VP8L_SIGNATURE  0x2f
#define NGX_HTTP_OVERLAY_VP8L_HEADER     5

/* VP8L's limit, 14 bits of width - 1 and of height - 1 */
#define NGX_HTTP_OVERLAY_VP8L_MAX_SIDE   16384


static int ngx_http_overlay_webp_alpha_lossless(const uint8_t *data,
    size_t len, unsigned w, unsigned h, uint8_t *plane, const char **reason);
static void ngx_http_overlay_webp_alpha_unfilter(uint8_t *a, unsigned w,
    unsigned h, unsigned filter);
static void ngx_http_overlay_webp_alpha_filter(const uint8_t *a, unsigned w,
    unsigned h, unsigned filter, uint32_t *argb, size_t stride);
static uint8_t ngx_http_overlay_webp_alpha_gradient(int left, int up,
    int corner);


int
ngx_http_overlay_webp_alpha_decode(const uint8_t *data, size_t len,
    unsigned w, unsigned h, uint8_t *plane, const char **reason)
{
    unsigned  b;

    if (w == 0 || h == 0 || w > NGX_HTTP_OVERLAY_VP8L_MAX_SIDE
        || h > NGX_HTTP_OVERLAY_VP8L_MAX_SIDE)
    {
        *reason = "a frame size ALPH cannot have";
        return -1;
    }

    if (len == 0) {
        *reason = "an empty ALPH chunk";
        return -1;
    }

    b = data[0];

    if (b >> 6) {
        *reason = "ALPH's reserved bits set";
        return -1;
    }

    if (NGX_HTTP_OVERLAY_ALPH_PREPROCESS(b) > 1) {
        *reason = "an ALPH pre-processing above 1";
        return -1;
    }

    switch (NGX_HTTP_OVERLAY_ALPH_COMPRESSION(b)) {

    case 0:
        if (len - 1 < (size_t) w * h) {
            *reason = "a raw ALPH plane shorter than the frame";
            return -1;
        }

        memcpy(plane, data + 1, (size_t) w * h);
        break;

    case 1:
        if (ngx_http_overlay_webp_alpha_lossless(data + 1, len - 1, w, h,
                                                 plane, reason)
            != 0)
        {
            return -1;
        }

        break;

    default:
        *reason = "an ALPH compression above 1";
        return -1;
    }

    ngx_http_overlay_webp_alpha_unfilter(plane, w, h,
                                         NGX_HTTP_OVERLAY_ALPH_FILTER(b));

    return 0;
}


/*
 * The image stream data[0 .. len) decoded by libwebp as a VP8L bitstream
 * of w x h with the header made here; its green channel into plane
 */

static int
ngx_http_overlay_webp_alpha_lossless(const uint8_t *data, size_t len,
    unsigned w, unsigned h, uint8_t *plane, const char **reason)
{
    size_t              n, i;
    uint8_t            *vp8l, *rgba;
    uint32_t            bits;
    VP8StatusCode       status;
    WebPDecoderConfig   config;

    if (!WebPInitDecoderConfig(&config)) {
        *reason = "libwebp's version does not match";
        return -1;
    }

    n = (size_t) w * h;

    vp8l = malloc(NGX_HTTP_OVERLAY_VP8L_HEADER + len);
    rgba = malloc(n * 4);

    if (vp8l == NULL || rgba == NULL) {
        free(vp8l);
        free(rgba);
        *reason = "no memory for an alpha plane";
        return -1;
    }

    /* 14 bits of width - 1, 14 of height - 1, alpha_is_used 0, version 0 */

    bits = (uint32_t) (w - 1) | (uint32_t) (h - 1) << 14;

    vp8l[0] = NGX_HTTP_OVERLAY_VP8L_SIGNATURE;
    vp8l[1] = (uint8_t) bits;
    vp8l[2] = (uint8_t) (bits >> 8);
    vp8l[3] = (uint8_t) (bits >> 16);
    vp8l[4] = (uint8_t) (bits >> 24);
    memcpy(vp8l + NGX_HTTP_OVERLAY_VP8L_HEADER, data, len);

    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = rgba;
    config.output.u.RGBA.stride = (int) w * 4;
    config.output.u.RGBA.size = n * 4;

    status = WebPDecode(vp8l, NGX_HTTP_OVERLAY_VP8L_HEADER + len, &config);

    free(vp8l);

    if (status == VP8_STATUS_OK) {
        for (i = 0; i < n; i++) {
            plane[i] = rgba[4 * i + 1];
        }
    }

    WebPFreeDecBuffer(&config.output);
    free(rgba);

    if (status != VP8_STATUS_OK) {
        *reason = "a lossless ALPH stream libwebp cannot decode";
        return -1;
    }

    return 0;
}


/*
 * The filter undone in place, in raster order: each sample plus its
 * predictor from samples already restored.  The first sample's predictor
 * is 0; the rest of the first row's is the left sample, the rest of the
 * first column's the sample above, for every filter.
 */

static void
ngx_http_overlay_webp_alpha_unfilter(uint8_t *a, unsigned w, unsigned h,
    unsigned filter)
{
    unsigned   x, y;
    uint8_t   *row, *up;

    if (filter == NGX_HTTP_OVERLAY_ALPH_NONE) {
        return;
    }

    for (x = 1; x < w; x++) {
        a[x] += a[x - 1];
    }

    for (y = 1; y < h; y++) {
        row = a + (size_t) y * w;
        up = row - w;

        row[0] += up[0];

        switch (filter) {

        case NGX_HTTP_OVERLAY_ALPH_HORIZONTAL:
            for (x = 1; x < w; x++) {
                row[x] += row[x - 1];
            }

            break;

        case NGX_HTTP_OVERLAY_ALPH_VERTICAL:
            for (x = 1; x < w; x++) {
                row[x] += up[x];
            }

            break;

        default: /* gradient */
            for (x = 1; x < w; x++) {
                row[x] += ngx_http_overlay_webp_alpha_gradient(row[x - 1],
                                                               up[x],
                                                               up[x - 1]);
            }

            break;
        }
    }
}


unsigned
ngx_http_overlay_webp_alpha_choose(const uint8_t *plane, unsigned w,
    unsigned h, int method, int quality)
{
    size_t     size[2], len;
    uint8_t   *out;
    unsigned   rows, y0, b, f;

    static const unsigned  filters[2] = {
        NGX_HTTP_OVERLAY_ALPH_NONE, NGX_HTTP_OVERLAY_ALPH_VERTICAL
    };

    rows = h < 32 ? h : 32;

    for (f = 0; f < 2; f++) {
        size[f] = 0;

        for (b = 1; b <= 3; b += 2) {
            y0 = (h - rows) * b / 4;

            if (ngx_http_overlay_webp_alpha_encode(plane + (size_t) y0 * w,
                                                   w, rows, filters[f],
                                                   method, quality, &out,
                                                   &len)
                != 0)
            {
                /* the plane's own coding will fail and say so */
                return NGX_HTTP_OVERLAY_ALPH_NONE;
            }

            free(out);
            size[f] += len;
        }
    }

    return size[0] <= size[1] ? filters[0] : filters[1];
}


int
ngx_http_overlay_webp_alpha_encode(const uint8_t *plane, unsigned w,
    unsigned h, unsigned filter, int method, int quality, uint8_t **out,
    size_t *len)
{
    int                rc;
    size_t             n;
    uint8_t           *d;
    WebPConfig         config;
    WebPPicture        pic;
    WebPMemoryWriter   writer;

    *out = NULL;
    *len = 0;

    if (w == 0 || h == 0 || w > NGX_HTTP_OVERLAY_VP8L_MAX_SIDE
        || h > NGX_HTTP_OVERLAY_VP8L_MAX_SIDE || filter > 3
        || !WebPConfigInit(&config) || !WebPPictureInit(&pic))
    {
        return -1;
    }

    config.lossless = 1;
    config.exact = 1;
    config.method = method;
    config.quality = (float) quality;

    pic.width = (int) w;
    pic.height = (int) h;
    pic.use_argb = 1;

    if (!WebPPictureAlloc(&pic)) {
        return -1;
    }

    ngx_http_overlay_webp_alpha_filter(plane, w, h, filter, pic.argb,
                                       (size_t) pic.argb_stride);

    WebPMemoryWriterInit(&writer);
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &writer;

    rc = -1;

    if (!WebPEncode(&config, &pic)) {
        goto done;
    }

    /* "RIFF", its size, "WEBP", "VP8L", its size, the 5-byte header */

    if (writer.size < 20 + NGX_HTTP_OVERLAY_VP8L_HEADER
        || memcmp(writer.mem + 12, "VP8L", 4) != 0)
    {
        goto done;
    }

    n = ngx_http_overlay_le32(writer.mem + 16);

    if (n < NGX_HTTP_OVERLAY_VP8L_HEADER || n > writer.size - 20) {
        goto done;
    }

    n -= NGX_HTTP_OVERLAY_VP8L_HEADER;

    d = malloc(1 + n);
    if (d == NULL) {
        goto done;
    }

    d[0] = (uint8_t) (filter << 2 | 1);
    memcpy(d + 1, writer.mem + 20 + NGX_HTTP_OVERLAY_VP8L_HEADER, n);

    *out = d;
    *len = 1 + n;
    rc = 0;

done:

    WebPMemoryWriterClear(&writer);
    WebPPictureFree(&pic);

    return rc;
}


/*
 * The plane filtered into the green channel of opaque ARGB pixels: each
 * sample minus its predictor (as the unfilter adds it), from the plane
 */

static void
ngx_http_overlay_webp_alpha_filter(const uint8_t *a, unsigned w, unsigned h,
    unsigned filter, uint32_t *argb, size_t stride)
{
    uint8_t         p;
    unsigned        x, y;
    uint32_t       *d;
    const uint8_t  *row, *up;

    for (y = 0; y < h; y++) {
        row = a + (size_t) y * w;
        up = y > 0 ? row - w : NULL;
        d = argb + (size_t) y * stride;

        for (x = 0; x < w; x++) {

            if (filter == NGX_HTTP_OVERLAY_ALPH_NONE) {
                p = 0;

            } else if (up == NULL) {
                p = x > 0 ? row[x - 1] : 0;

            } else if (x == 0) {
                p = up[0];

            } else if (filter == NGX_HTTP_OVERLAY_ALPH_HORIZONTAL) {
                p = row[x - 1];

            } else if (filter == NGX_HTTP_OVERLAY_ALPH_VERTICAL) {
                p = up[x];

            } else {
                p = ngx_http_overlay_webp_alpha_gradient(row[x - 1], up[x],
                                                         up[x - 1]);
            }

            d[x] = 0xff000000 | (uint32_t) (uint8_t) (row[x] - p) << 8;
        }
    }
}


/* the gradient predictor: left + up - corner, clipped to 0 .. 255 */

static uint8_t
ngx_http_overlay_webp_alpha_gradient(int left, int up, int corner)
{
    int  g;

    g = left + up - corner;

    return (uint8_t) (g < 0 ? 0 : g > 255 ? 255 : g);
}
