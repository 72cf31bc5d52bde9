
/*
 * ngx_http_overlay_module: the WebP codec, with libwebp.
 *
 * The probe walks the RIFF chunks' headers and reads the frame's.
 * libgd's WebP codec decodes into a buffer of its own, copies it into an
 * image, and to encode copies the image into another buffer again: at the
 * peak, the image and its copy beside libwebp's encoder (3.8 times the
 * decoded size for 1080p).  Here the image is decoded once into RGBA rows,
 * the overlay blended onto them as onto a PNG's (ngx_http_overlay_png_
 * blend.c: every pixel it does not cover, alpha too, stays as decoded),
 * and libwebp encodes from them.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_codec_webp.h"
#include "ngx_http_overlay_png_blend.h"


static ngx_http_overlay_rc_e ngx_http_overlay_webp_chunk(
    const unsigned char *p, size_t end, size_t pos, unsigned long *size,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_frame(
    const unsigned char *p, unsigned long size,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_encode(uint8_t *rgba,
    int w, int h, int stride, int lossless,
    const ngx_http_overlay_codec_conf_t *conf, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_webp_free(void *data);


/*
 * The RIFF and its chunks must fit each other: each chunk within the RIFF
 * size, the RIFF size within the body (bytes after it are ignored, as
 * libwebp does).  The size is VP8X's canvas, or the frame of a simple VP8
 * or VP8L file; with VP8X, the VP8 or VP8L frame must have the canvas's
 * size, as libwebp requires of a still image.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_webp_probe(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    size_t                 pos, end;
    unsigned               width, height;
    unsigned long          riff, chunk;
    ngx_http_overlay_rc_e  rc;

    if (len < 12 + 8) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "WebP of %zu bytes", len);
    }

    riff = ngx_http_overlay_le32(p + 4);

    if (riff > len - 8 || riff < 4 + 8) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: WebP of %zu bytes, "
                                      "the RIFF header says %lu", len,
                                      riff + 8);
    }

    end = 8 + riff;
    pos = 12;

    rc = ngx_http_overlay_webp_chunk(p, end, pos, &chunk, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (memcmp(p + pos, "VP8X", 4) != 0) {
        return ngx_http_overlay_webp_frame(p + pos, chunk, info, traits, err);
    }

    if (chunk != 10) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: a WebP VP8X chunk "
                                      "of %lu bytes", chunk);
    }

    if (p[20] & 0x02) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "animated WebP");
    }

    width = (unsigned) ngx_http_overlay_le24(p + 24) + 1;
    height = (unsigned) ngx_http_overlay_le24(p + 27) + 1;

    /* the frame, after any ICCP, ALPH, EXIF, XMP or unknown chunks */

    for (pos += 8 + 10; pos < end; pos += 8 + chunk + (chunk & 1)) {

        rc = ngx_http_overlay_webp_chunk(p, end, pos, &chunk, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        if (memcmp(p + pos, "ANIM", 4) == 0
            || memcmp(p + pos, "ANMF", 4) == 0)
        {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a WebP chunk "
                                          "\"%.4s\" in a still image",
                                          (const char *) p + pos);
        }

        if (memcmp(p + pos, "VP8 ", 4) != 0
            && memcmp(p + pos, "VP8L", 4) != 0)
        {
            continue;
        }

        rc = ngx_http_overlay_webp_frame(p + pos, chunk, info, traits, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        if (info->width != width || info->height != height) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a WebP canvas "
                                          "of %ux%u, a %s frame of %ux%u",
                                          width, height,
                                          traits->lossless ? "VP8L" : "VP8",
                                          info->width, info->height);
        }

        /* VP8X says whether there is alpha (an ALPH chunk, or VP8L's) */

        traits->alpha = (p[20] & 0x10) != 0;

        return NGX_HTTP_OVERLAY_OK;
    }

    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "WebP without a VP8 or VP8L chunk");
}


/* the chunk header at pos, and its size, within the RIFF ending at end */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_chunk(const unsigned char *p, size_t end, size_t pos,
    unsigned long *size, ngx_http_overlay_error_t *err)
{
    if (end - pos < 8) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: a WebP chunk "
                                      "header at %zu, the RIFF ends at %zu",
                                      pos, end);
    }

    *size = ngx_http_overlay_le32(p + pos + 4);

    if (*size > end - pos - 8) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: a WebP chunk "
                                      "\"%.4s\" of %lu bytes at %zu, the "
                                      "RIFF ends at %zu",
                                      (const char *) p + pos, *size, pos,
                                      end);
    }

    return NGX_HTTP_OVERLAY_OK;
}


/* a VP8 or VP8L chunk (at p, its data size bytes): the frame's size */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_frame(const unsigned char *p, unsigned long size,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    unsigned long  tag;

    if (memcmp(p, "VP8L", 4) == 0) {

        /* the signature, 14-bit sizes less one, alpha, a 3-bit version */

        if (size < 5 || p[8] != 0x2f) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8L without its signature");
        }

        if (p[12] >> 5) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8L version %u", p[12] >> 5);
        }

        info->width = ((unsigned) p[9] | (unsigned) (p[10] & 0x3f) << 8)
                      + 1;
        info->height = ((unsigned) p[10] >> 6 | (unsigned) p[11] << 2
                        | (unsigned) (p[12] & 0x0f) << 10) + 1;
        traits->alpha = (p[12] & 0x10) != 0;
        traits->lossless = 1;

        return NGX_HTTP_OVERLAY_OK;
    }

    if (memcmp(p, "VP8 ", 4) == 0) {

        /*
         * A shown key frame: the frame tag (a key frame bit, a version, a
         * show bit, the first partition's size), the start code and the
         * 14-bit sizes.  The first partition lies within the chunk.
         */

        if (size < 10) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8 of %lu bytes", size);
        }

        tag = ngx_http_overlay_le24(p + 8);

        if ((tag & 1) || p[11] != 0x9d || p[12] != 0x01 || p[13] != 0x2a) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8 without a key frame");
        }

        if (((tag >> 1) & 7) > 3 || !((tag >> 4) & 1)) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8 frame of version %lu, %s",
                                          (tag >> 1) & 7,
                                          (tag >> 4) & 1 ? "shown"
                                                         : "not shown");
        }

        if ((tag >> 5) >= size) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a VP8 first "
                                          "partition of %lu bytes in a "
                                          "chunk of %lu", tag >> 5, size);
        }

        info->width = ngx_http_overlay_le16(p + 14) & 0x3fff;
        info->height = ngx_http_overlay_le16(p + 16) & 0x3fff;

        return NGX_HTTP_OVERLAY_OK;
    }

    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "WebP without a VP8, VP8L or VP8X chunk");
}


ngx_http_overlay_rc_e
ngx_http_overlay_webp_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info, int lossless,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                            w, h;
    size_t                         size;
    uint8_t                       *buf;
    VP8StatusCode                  status;
    WebPDecoderConfig              config;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_png_image_t   im;

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

    /*
     * RGBA rows, each after a spare byte, as the PNG blend takes them: the
     * overlay is blended there, and libwebp encodes from the same rows
     */

    memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
    im.width = (unsigned) w;
    im.height = (unsigned) h;
    im.colour = 6;
    im.depth = 8;
    im.stride = 1 + (size_t) w * 4;

    size = im.stride * h;

    buf = malloc(size);
    if (buf == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "a %dx%d WebP", w, h);
    }

    im.rows = buf;

    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = buf + 1;
    config.output.u.RGBA.stride = (int) im.stride;
    config.output.u.RGBA.size = size - 1;

    status = WebPDecode(p, len, &config);

    if (status != VP8_STATUS_OK) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                    "webp: decoding failed: status %d",
                                    (int) status);
        goto done;
    }

    rc = ngx_http_overlay_png_paint(&im, painter, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    /* the blend keeps RGBA 8-bit rows: nothing converts them */

    rc = ngx_http_overlay_webp_encode(im.rows + 1, w, h, (int) im.stride,
                                      lossless, conf, out, err);

done:

    free(im.rows);

    return rc;
}


/*
 * Lossy at the quality and method configured (overlay_webp_quality,
 * overlay_webp_method); lossless with its own method, at quality 25:
 * measured on 1080p photos (README, "Performance"), as small as libwebp's
 * default of 75 and three times as fast at method 0.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_encode(uint8_t *rgba, int w, int h, int stride,
    int lossless, const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err)
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
        config.method = conf->webp_lossless_method;
        config.quality = NGX_HTTP_OVERLAY_WEBP_LOSSLESS_QUALITY;

        /* the colour under transparent pixels kept too, as decoded */
        config.exact = 1;

    } else {
        config.method = conf->webp_method;
        config.quality = (float) conf->webp_quality;
    }

    pic.width = w;
    pic.height = h;
    pic.use_argb = lossless;

    WebPMemoryWriterInit(&writer);
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &writer;

    ok = WebPPictureImportRGBA(&pic, rgba, stride);

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
