
/*
 * ngx_http_overlay_module: the WebP codec, with libwebp.
 *
 * libgd's WebP codec decodes into a buffer of its own, copies it into an
 * image, and to encode copies the image into another buffer again: at the
 * peak, the image and its copy beside libwebp's encoder (3.8 times the
 * decoded size for 1080p).  Here the image is decoded once into one
 * buffer, in place, which the painter sees as a libgd image whose rows
 * point into it, and which libwebp encodes from.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "ngx_http_overlay_codec_webp.h"


static ngx_http_overlay_rc_e ngx_http_overlay_webp_encode(uint8_t *bgra,
    int w, int h, int lossless, int quality, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_webp_free(void *data);


ngx_http_overlay_rc_e
ngx_http_overlay_webp_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info, int lossless, int quality,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                    x, y, w, h, a, c, *row, **rows;
    size_t                 size, n;
    uint8_t               *buf, *s;
    gdImage                im;
    VP8StatusCode          status;
    ngx_http_overlay_rc_e  rc;
    WebPDecoderConfig      config;

    out->data = NULL;
    out->len = 0;
    out->free = NULL;

    if (!WebPInitDecoderConfig(&config)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "libwebp's version does not match");
    }

    status = WebPGetFeatures(p, len, &config.input);

    if (status != VP8_STATUS_OK) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "webp: features: status %d",
                                      (int) status);
    }

    w = config.input.width;
    h = config.input.height;

    if (config.input.has_animation || w <= 0 || h <= 0
        || (unsigned) w != info->width || (unsigned) h != info->height)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: libwebp sees %dx%d"
                                      "%s, the probe %ux%u", w, h,
                                      config.input.has_animation
                                      ? " animated" : "",
                                      info->width, info->height);
    }

    n = (size_t) w * h;
    size = n * 4;

    buf = malloc(size);
    rows = malloc((size_t) h * sizeof(int *));

    if (buf == NULL || rows == NULL) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                    "a %dx%d WebP", w, h);
        goto done;
    }

    config.output.colorspace = MODE_BGRA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = buf;
    config.output.u.RGBA.stride = w * 4;
    config.output.u.RGBA.size = size;

    status = WebPDecode(p, len, &config);

    if (status != VP8_STATUS_OK) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                    "webp: decoding failed: status %d",
                                    (int) status);
        goto done;
    }

    /*
     * in place: B, G, R, A bytes to libgd's pixels (7-bit alpha, 127 is
     * transparent), each the same 4 bytes
     */

    for (s = buf; s < buf + size; s += 4) {
        c = gdTrueColorAlpha(s[2], s[1], s[0], gdAlphaMax - (s[3] >> 1));
        memcpy(s, &c, 4);
    }

    /* a libgd image over the buffer, for the painter alone */

    memset(&im, 0, sizeof(gdImage));
    im.tpixels = rows;
    im.trueColor = 1;
    im.sx = w;
    im.sy = h;
    im.alphaBlendingFlag = 1;
    im.saveAlphaFlag = 1;
    im.cx2 = w - 1;
    im.cy2 = h - 1;

    for (y = 0; y < h; y++) {
        im.tpixels[y] = (int *) (void *) (buf + (size_t) y * w * 4);
    }

    rc = painter->draw(painter->data, &im, 0, 0, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    /* and back, as libgd's encoder converts alpha */

    for (y = 0; y < h; y++) {
        row = im.tpixels[y];

        for (x = 0; x < w; x++) {
            c = row[x];
            a = gdTrueColorGetAlpha(c);
            a = (a == gdAlphaTransparent) ? 0 : 255 - ((a << 1) + (a >> 6));

            s = (uint8_t *) &row[x];
            s[0] = (uint8_t) gdTrueColorGetBlue(c);
            s[1] = (uint8_t) gdTrueColorGetGreen(c);
            s[2] = (uint8_t) gdTrueColorGetRed(c);
            s[3] = (uint8_t) a;
        }
    }

    rc = ngx_http_overlay_webp_encode(buf, w, h, lossless, quality, out,
                                      err);

done:

    free(rows);
    free(buf);

    return rc;
}


/*
 * Lossy at quality; lossless with libwebp's fastest method, whose memory
 * is a few times the image's instead of ten times (the simple API's
 * method 6), for files a few percent larger.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_encode(uint8_t *bgra, int w, int h, int lossless,
    int quality, ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err)
{
    int                ok;
    WebPConfig         config;
    WebPPicture        pic;
    WebPMemoryWriter   writer;

    if (!WebPConfigInit(&config) || !WebPPictureInit(&pic)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "libwebp's version does not match");
    }

    if (lossless) {
        config.lossless = 1;
        config.method = 0;
        config.quality = 50;

    } else {
        config.quality = (float) quality;
    }

    pic.width = w;
    pic.height = h;
    pic.use_argb = lossless;

    WebPMemoryWriterInit(&writer);
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &writer;

    ok = WebPPictureImportBGRA(&pic, bgra, w * 4);

    if (ok) {
        ok = WebPEncode(&config, &pic);
    }

    WebPPictureFree(&pic);

    if (!ok || writer.size == 0) {
        WebPMemoryWriterClear(&writer);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "webp: encoding failed: error %d",
                                      (int) pic.error_code);
    }

    out->data = writer.mem;
    out->len = writer.size;
    out->free = ngx_http_overlay_webp_free;

    return NGX_HTTP_OVERLAY_OK;
}


static void
ngx_http_overlay_webp_free(void *data)
{
    WebPFree(data);
}
