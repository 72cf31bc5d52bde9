
/*
 * ngx_http_overlay_module: the WebP codec, with libwebp.
 *
 * The probe walks the RIFF chunks' headers and reads the frame's.
 * A lossy WebP is decoded into its own YUV 4:2:0 planes (and its alpha
 * plane), the overlay drawn in its region only (made RGB there and YUV
 * again, ngx_http_overlay_webp_yuv_paint()), and libwebp encodes from the
 * planes: no RGB round trip for the whole frame, and every sample outside
 * the overlay handed to the encoder as the source had it (README,
 * overlay_webp_method: 0.5 dB closer to the source than encoding the RGB
 * a decoder shows, as Pillow does, and 10% less time).  A lossless one
 * is decoded once into RGBA rows, the overlay blended onto them as onto a
 * PNG's (ngx_http_overlay_png_blend.c: every pixel it does not cover,
 * alpha too, stays as decoded), and libwebp encodes from them.
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
static ngx_http_overlay_rc_e ngx_http_overlay_webp_rgba(
    const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, WebPPicture *pic, void **mem,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_features(
    const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info, WebPPicture *pic,
    WebPDecoderConfig *config, ngx_http_overlay_error_t *err);
static void ngx_http_overlay_webp_yuv_put(WebPPicture *pic,
    const WebPPicture *sub, gdImagePtr layer, int x0, int y0, int wx,
    int wy);
static int ngx_http_overlay_webp_bare(gdImagePtr layer, int x, int y);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_encode(WebPPicture *pic,
    int lossless, const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err);
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
    void                   *mem;
    WebPPicture             pic;
    ngx_http_overlay_rc_e   rc;

    out->data = NULL;
    out->len = 0;
    out->free = NULL;

    /* overlay_webp_quality source: the splice, unless it declines */

    if (!lossless && conf->webp_quality == 0) {
        rc = ngx_http_overlay_webp_splice(p, len, info, painter, out, err);

        if (rc != NGX_HTTP_OVERLAY_OK || out->data != NULL) {
            return rc;
        }
    }

    memset(&pic, 0, sizeof(WebPPicture));

    if (lossless) {
        rc = ngx_http_overlay_webp_rgba(p, len, info, painter, &pic, &mem,
                                        err);
    } else {
        rc = ngx_http_overlay_webp_yuv(p, len, info, painter, &pic, &mem,
                                       err);
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        rc = ngx_http_overlay_webp_encode(&pic, lossless, conf, out, err);
    }

    WebPPictureFree(&pic);
    free(mem);

    return rc;
}


/*
 * Lossless: decoded into RGBA rows, each after a spare byte, as the PNG
 * blend takes them; the overlay is blended there, and pic is made ARGB
 * from them (what the lossless encoder takes).
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_rgba(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, WebPPicture *pic, void **mem,
    ngx_http_overlay_error_t *err)
{
    size_t                         size;
    uint8_t                       *buf;
    VP8StatusCode                  status;
    WebPDecoderConfig              config;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_png_image_t   im;

    *mem = NULL;

    rc = ngx_http_overlay_webp_features(p, len, info, pic, &config, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
    im.width = info->width;
    im.height = info->height;
    im.colour = 6;
    im.depth = 8;
    im.stride = 1 + (size_t) im.width * 4;

    size = im.stride * im.height;

    buf = malloc(size);
    if (buf == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "a %ux%u WebP", im.width, im.height);
    }

    *mem = buf;
    im.rows = buf;

    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = buf + 1;
    config.output.u.RGBA.stride = (int) im.stride;
    config.output.u.RGBA.size = size - 1;

    status = WebPDecode(p, len, &config);

    if (status != VP8_STATUS_OK) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "webp: decoding failed: status %d",
                                      (int) status);
    }

    rc = ngx_http_overlay_png_paint(&im, painter, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* the blend keeps RGBA 8-bit rows */

    pic->width = (int) im.width;
    pic->height = (int) im.height;
    pic->use_argb = 1;

    if (!WebPPictureImportRGBA(pic, im.rows + 1, (int) im.stride)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "webp: WebPPictureImportRGBA() failed: "
                                      "error %d", (int) pic->error_code);
    }

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_webp_yuv(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, WebPPicture *pic, void **mem,
    ngx_http_overlay_error_t *err)
{
    int                     w, h, cw, ch, alpha;
    size_t                  ysize, csize, size;
    uint8_t                *buf;
    VP8StatusCode           status;
    WebPDecoderConfig       config;
    WebPYUVABuffer         *yuva;
    ngx_http_overlay_rc_e   rc;

    *mem = NULL;

    rc = ngx_http_overlay_webp_features(p, len, info, pic, &config, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    w = (int) info->width;
    h = (int) info->height;
    cw = (w + 1) / 2;
    ch = (h + 1) / 2;
    alpha = config.input.has_alpha;

    /* the planes in one buffer: Y, U, V, and A with an ALPH chunk */

    ysize = (size_t) w * h;
    csize = (size_t) cw * ch;
    size = ysize + 2 * csize + (alpha ? ysize : 0);

    buf = malloc(size);
    if (buf == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "a %dx%d WebP", w, h);
    }

    *mem = buf;

    config.output.colorspace = alpha ? MODE_YUVA : MODE_YUV;
    config.output.is_external_memory = 1;

    yuva = &config.output.u.YUVA;
    yuva->y = buf;
    yuva->y_stride = w;
    yuva->y_size = ysize;
    yuva->u = buf + ysize;
    yuva->u_stride = cw;
    yuva->u_size = csize;
    yuva->v = buf + ysize + csize;
    yuva->v_stride = cw;
    yuva->v_size = csize;
    yuva->a = alpha ? buf + ysize + 2 * csize : NULL;
    yuva->a_stride = alpha ? w : 0;
    yuva->a_size = alpha ? ysize : 0;

    status = WebPDecode(p, len, &config);

    if (status != VP8_STATUS_OK) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "webp: decoding failed: status %d",
                                      (int) status);
    }

    pic->width = w;
    pic->height = h;
    pic->use_argb = 0;
    pic->colorspace = alpha ? WEBP_YUV420A : WEBP_YUV420;
    pic->y = yuva->y;
    pic->u = yuva->u;
    pic->v = yuva->v;
    pic->a = yuva->a;
    pic->y_stride = w;
    pic->uv_stride = cw;
    pic->a_stride = yuva->a_stride;

    return ngx_http_overlay_webp_yuv_paint(pic, painter, err);
}


/*
 * pic and config made ready, and libwebp's features of the still image p
 * found to be what the probe saw
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_features(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info, WebPPicture *pic,
    WebPDecoderConfig *config, ngx_http_overlay_error_t *err)
{
    int            w, h;
    VP8StatusCode  status;

    if (!WebPPictureInit(pic) || !WebPInitDecoderConfig(config)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "libwebp's version does not match");
    }

    status = WebPGetFeatures(p, len, &config->input);

    if (status != VP8_STATUS_OK) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "webp: features: status %d",
                                      (int) status);
    }

    w = config->input.width;
    h = config->input.height;

    if (config->input.has_animation || w <= 0 || h <= 0
        || (unsigned) w != info->width || (unsigned) h != info->height)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "headers disagree: libwebp sees %dx%d"
                                      "%s, the probe %ux%u", w, h,
                                      config->input.has_animation
                                      ? " animated" : "",
                                      info->width, info->height);
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The overlay drawn on YUV 4:2:0 planes: a window around the layer is made
 * RGB(A) by libwebp's upsampler (as a decoder shows it; 4 pixels more on
 * each side, as far as the upsampler reaches), the layer blended there as
 * onto a PNG's rows, and the window made YUV again by libwebp's own
 * conversion (as it converts any RGB it encodes).  Only the samples the
 * layer covers are written back: a luma or alpha sample under a pixel the
 * layer draws on, a chroma sample with one of its 2x2 pixels drawn on.
 * Every other sample stays as decoded.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_webp_yuv_paint(WebPPicture *pic,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_error_t *err)
{
    int                            x, y, x0, y0, x1, y1, wx, wy, ww, wh;
    int                            lw, lh;
    uint32_t                       c;
    uint8_t                       *row;
    gdImagePtr                     layer;
    WebPPicture                    sub;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_png_image_t   im;

    rc = ngx_http_overlay_codec_layer(painter, pic->width, pic->height,
                                      &layer, &x0, &y0, err);
    if (rc != NGX_HTTP_OVERLAY_OK || layer == NULL) {
        return rc;
    }

    lw = gdImageSX(layer);
    lh = gdImageSY(layer);

    /* the window, from even coordinates, to even ones or the edge */

    wx = (x0 > 4 ? x0 - 4 : 0) & ~1;
    wy = (y0 > 4 ? y0 - 4 : 0) & ~1;
    x1 = (x0 + lw + 4 + 1) & ~1;
    y1 = (y0 + lh + 4 + 1) & ~1;
    ww = (x1 < pic->width ? x1 : pic->width) - wx;
    wh = (y1 < pic->height ? y1 : pic->height) - wy;

    memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
    memset(&sub, 0, sizeof(WebPPicture));

    if (!WebPPictureInit(&sub)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                    "libwebp's version does not match");
        goto done;
    }

    /* a view of the window's planes, made ARGB */

    sub.width = ww;
    sub.height = wh;
    sub.use_argb = 0;
    sub.colorspace = pic->colorspace;
    sub.y = pic->y + (size_t) wy * pic->y_stride + wx;
    sub.u = pic->u + (size_t) (wy / 2) * pic->uv_stride + wx / 2;
    sub.v = pic->v + (size_t) (wy / 2) * pic->uv_stride + wx / 2;
    sub.a = pic->a != NULL ? pic->a + (size_t) wy * pic->a_stride + wx
                           : NULL;
    sub.y_stride = pic->y_stride;
    sub.uv_stride = pic->uv_stride;
    sub.a_stride = pic->a_stride;

    if (!WebPPictureYUVAToARGB(&sub)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                    "webp: WebPPictureYUVAToARGB() failed: "
                                    "error %d", (int) sub.error_code);
        goto done;
    }

    im.width = (unsigned) ww;
    im.height = (unsigned) wh;
    im.colour = 6;
    im.depth = 8;
    im.stride = 1 + (size_t) ww * 4;

    im.rows = malloc(im.stride * wh);
    if (im.rows == NULL) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                    "a %dx%d window of a WebP", ww, wh);
        goto done;
    }

    for (y = 0; y < wh; y++) {
        row = im.rows + (size_t) y * im.stride + 1;

        for (x = 0; x < ww; x++) {
            c = sub.argb[(size_t) y * sub.argb_stride + x];
            row[4 * x] = (uint8_t) (c >> 16);
            row[4 * x + 1] = (uint8_t) (c >> 8);
            row[4 * x + 2] = (uint8_t) c;
            row[4 * x + 3] = (uint8_t) (c >> 24);
        }
    }

    WebPPictureFree(&sub);

    rc = ngx_http_overlay_png_blend(&im, layer, x0 - wx, y0 - wy, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    /*
     * the window made YUV(A) again, in planes of its own (the view's
     * pointers are gone with its ARGB; its size stays)
     */

    sub.use_argb = 0;

    if (!WebPPictureImportRGBA(&sub, im.rows + 1, (int) im.stride)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                    "webp: WebPPictureImportRGBA() failed: "
                                    "error %d", (int) sub.error_code);
        goto done;
    }

    ngx_http_overlay_webp_yuv_put(pic, &sub, layer, x0, y0, wx, wy);

done:

    WebPPictureFree(&sub);
    free(im.rows);
    gdImageDestroy(layer);

    return rc;
}


/*
 * The window's samples (sub, at wx, wy, both even) that the layer (at x0,
 * y0) covers, written into pic's planes
 */

static void
ngx_http_overlay_webp_yuv_put(WebPPicture *pic, const WebPPicture *sub,
    gdImagePtr layer, int x0, int y0, int wx, int wy)
{
    int      x, y, lx, ly, cx, cy, lw, lh;
    size_t   d, s;

    lw = gdImageSX(layer);
    lh = gdImageSY(layer);

    for (y = 0; y < lh; y++) {
        for (x = 0; x < lw; x++) {

            if (ngx_http_overlay_webp_bare(layer, x, y)) {
                continue;
            }

            d = (size_t) (y0 + y) * pic->y_stride + x0 + x;
            s = (size_t) (y0 + y - wy) * sub->y_stride + x0 + x - wx;
            pic->y[d] = sub->y[s];

            if (pic->a != NULL) {
                d = (size_t) (y0 + y) * pic->a_stride + x0 + x;
                s = (size_t) (y0 + y - wy) * sub->a_stride + x0 + x - wx;
                pic->a[d] = sub->a != NULL ? sub->a[s] : 0xff;
            }
        }
    }

    for (cy = y0 / 2; cy <= (y0 + lh - 1) / 2; cy++) {
        for (cx = x0 / 2; cx <= (x0 + lw - 1) / 2; cx++) {

            /* one of its 2x2 pixels drawn on */

            for (ly = 2 * cy - y0; ly < 2 * cy - y0 + 2; ly++) {
                for (lx = 2 * cx - x0; lx < 2 * cx - x0 + 2; lx++) {
                    if (lx >= 0 && ly >= 0 && lx < lw && ly < lh
                        && !ngx_http_overlay_webp_bare(layer, lx, ly))
                    {
                        goto drawn;
                    }
                }
            }

            continue;

        drawn:

            d = (size_t) cy * pic->uv_stride + cx;
            s = (size_t) (cy - wy / 2) * sub->uv_stride + cx - wx / 2;
            pic->u[d] = sub->u[s];
            pic->v[d] = sub->v[s];
        }
    }
}


/* nothing drawn at x, y of the layer: the blend leaves the pixel alone */

static int
ngx_http_overlay_webp_bare(gdImagePtr layer, int x, int y)
{
    return gdTrueColorGetAlpha(layer->tpixels[y][x]) == gdAlphaTransparent;
}


/*
 * Lossy at the quality and method configured (overlay_webp_quality,
 * overlay_webp_method); lossless with its own method, at quality 25:
 * measured on 1080p photos (README, "Performance"), as small as libwebp's
 * default of 75 and three times as fast at method 0.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_encode(WebPPicture *pic, int lossless,
    const ngx_http_overlay_codec_conf_t *conf, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    WebPConfig         config;
    WebPMemoryWriter   writer;

    if (!WebPConfigInit(&config)) {
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
        config.quality = conf->webp_quality != 0
                         ? (float) conf->webp_quality
                         : NGX_HTTP_OVERLAY_WEBP_SOURCE_QUALITY;
    }

    WebPMemoryWriterInit(&writer);
    pic->writer = WebPMemoryWrite;
    pic->custom_ptr = &writer;

    if (!WebPEncode(&config, pic) || writer.size == 0) {
        WebPMemoryWriterClear(&writer);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "webp: encoding failed: error %d",
                                      (int) pic->error_code);
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
