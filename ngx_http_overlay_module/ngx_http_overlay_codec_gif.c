
/*
 * ngx_http_overlay_module: the GIF codec.
 *
 * The probe walks the blocks up to the trailer, or the second image; a
 * still GIF whose one frame fills the screen is decoded whole by libgd,
 * drawn on, and encoded by libgd again.
 */


#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_codec_gif.h"


static void *ngx_http_overlay_gif_encode(gdImagePtr im, int *size,
    const void *data);


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

    rc = ngx_http_overlay_codec_gd_apply(im, info, painter,
                                         ngx_http_overlay_gif_encode, NULL,
                                         out, err);

    gdImageDestroy(im);

    return rc;
}


static void *
ngx_http_overlay_gif_encode(gdImagePtr im, int *size, const void *data)
{
    (void) data;

    return gdImageGifPtr(im, size);
}
