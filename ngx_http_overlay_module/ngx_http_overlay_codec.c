
/*
 * ngx_http_overlay_module: the codec dispatcher.
 *
 * The format is told by the magic bytes, whatever libgd could read
 * besides: only JPEG, PNG, WebP and GIF are ever handed to a decoder.  The
 * probe and the apply call go to the format's codec: JPEG through
 * libjpeg-turbo in the DCT domain (ngx_http_overlay_codec_jpeg.c), PNG
 * decoded by libpng and encoded by libgd (ngx_http_overlay_codec_png.c),
 * WebP through libwebp (ngx_http_overlay_codec_webp.c), GIF through libgd
 * (ngx_http_overlay_codec_gif.c).  The limits every format shares, and the
 * steps the codecs that decode a whole libgd image share, are here.
 */


#include <limits.h>
#include <string.h>

#include "ngx_http_overlay_codec_int.h"
#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_codec_png.h"
#include "ngx_http_overlay_codec_webp.h"
#include "ngx_http_overlay_codec_gif.h"


static ngx_http_overlay_rc_e ngx_http_overlay_probe(const unsigned char *p,
    size_t len, const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_gd_free(void *data);


/* ngx_http_overlay_method_e's names, in its order */
static const char  *ngx_http_overlay_method_names[] = {
    "",
    "splice",
    "splice_retable",
    "splice_fit",
    "progressive_splice",
    "progressive",
    "transcode",
    "reencode",
    "png",
    "webp",
    "webp_lossless",
    "webp_splice",
    "gif"
};

/* a name for each method: an array of negative size otherwise */
typedef char  ngx_http_overlay_method_names_t[
    sizeof(ngx_http_overlay_method_names) / sizeof(char *)
    == NGX_HTTP_OVERLAY_METHOD_COUNT ? 1 : -1];


static const unsigned char  ngx_http_overlay_png_magic[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};


ngx_http_overlay_format_e
ngx_http_overlay_codec_detect(const unsigned char *p, size_t len)
{
    if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
        return NGX_HTTP_OVERLAY_FORMAT_JPEG;
    }

    if (len >= sizeof(ngx_http_overlay_png_magic)
        && memcmp(p, ngx_http_overlay_png_magic,
                  sizeof(ngx_http_overlay_png_magic))
           == 0)
    {
        return NGX_HTTP_OVERLAY_FORMAT_PNG;
    }

    if (len >= 12 && memcmp(p, "RIFF", 4) == 0
        && memcmp(p + 8, "WEBP", 4) == 0)
    {
        return NGX_HTTP_OVERLAY_FORMAT_WEBP;
    }

    if (len >= 6
        && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
    {
        return NGX_HTTP_OVERLAY_FORMAT_GIF;
    }

    return NGX_HTTP_OVERLAY_FORMAT_NONE;
}


const char *
ngx_http_overlay_format_name(ngx_http_overlay_format_e format)
{
    switch (format) {

    case NGX_HTTP_OVERLAY_FORMAT_JPEG:
        return "jpeg";

    case NGX_HTTP_OVERLAY_FORMAT_PNG:
        return "png";

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        return "webp";

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        return "gif";

    default:
        return "none";
    }
}


const char *
ngx_http_overlay_method_name(ngx_http_overlay_method_e method)
{
    if ((unsigned) method >= NGX_HTTP_OVERLAY_METHOD_COUNT) {
        return "";
    }

    return ngx_http_overlay_method_names[method];
}


ngx_http_overlay_format_e
ngx_http_overlay_method_format(ngx_http_overlay_method_e method)
{
    switch (method) {

    case NGX_HTTP_OVERLAY_METHOD_SPLICE:
    case NGX_HTTP_OVERLAY_METHOD_SPLICE_RETABLE:
    case NGX_HTTP_OVERLAY_METHOD_SPLICE_FIT:
    case NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE_SPLICE:
    case NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE:
    case NGX_HTTP_OVERLAY_METHOD_TRANSCODE:
    case NGX_HTTP_OVERLAY_METHOD_REENCODE:
        return NGX_HTTP_OVERLAY_FORMAT_JPEG;

    case NGX_HTTP_OVERLAY_METHOD_PNG:
        return NGX_HTTP_OVERLAY_FORMAT_PNG;

    case NGX_HTTP_OVERLAY_METHOD_WEBP:
    case NGX_HTTP_OVERLAY_METHOD_WEBP_LOSSLESS:
    case NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE:
        return NGX_HTTP_OVERLAY_FORMAT_WEBP;

    case NGX_HTTP_OVERLAY_METHOD_GIF:
        return NGX_HTTP_OVERLAY_FORMAT_GIF;

    case NGX_HTTP_OVERLAY_METHOD_NONE:
    case NGX_HTTP_OVERLAY_METHOD_COUNT:
        break;
    }

    return NGX_HTTP_OVERLAY_FORMAT_NONE;
}


ngx_http_overlay_rc_e
ngx_http_overlay_codec_probe(const unsigned char *p, size_t len,
    const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_traits_t  traits;

    return ngx_http_overlay_probe(p, len, conf, info, &traits, err);
}


static ngx_http_overlay_rc_e
ngx_http_overlay_probe(const unsigned char *p, size_t len,
    const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e  rc;

    memset(info, 0, sizeof(ngx_http_overlay_image_info_t));
    memset(traits, 0, sizeof(ngx_http_overlay_traits_t));

    info->format = ngx_http_overlay_codec_detect(p, len);

    switch (info->format) {

    case NGX_HTTP_OVERLAY_FORMAT_JPEG:
        rc = ngx_http_overlay_jpeg_probe(p, len, info, NULL, err);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_PNG:
        rc = ngx_http_overlay_png_probe(p, len, info, traits, err);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        rc = ngx_http_overlay_webp_probe(p, len, info, traits, err);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        rc = ngx_http_overlay_gif_probe(p, len, info, err);
        break;

    default:
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "the body is not JPEG, PNG, WebP or "
                                      "GIF");
    }

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (info->width == 0 || info->height == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "%s of %ux%u pixels",
                                      ngx_http_overlay_format_name(
                                          info->format),
                                      info->width, info->height);
    }

    if ((unsigned long long) info->width * info->height > conf->max_pixels) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "%s of %ux%u pixels, more than %lu",
                                      ngx_http_overlay_format_name(
                                          info->format),
                                      info->width, info->height,
                                      conf->max_pixels);
    }

    if (conf->max_side
        && (info->width > conf->max_side || info->height > conf->max_side))
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "%s of %ux%u pixels, a side over %u",
                                      ngx_http_overlay_format_name(
                                          info->format),
                                      info->width, info->height,
                                      conf->max_side);
    }

    /* the size as a viewer sees it: EXIF may turn the image */

    info->orientation = 1;

    if (info->format == NGX_HTTP_OVERLAY_FORMAT_JPEG) {
        info->orientation = ngx_http_overlay_jpeg_orientation(p, len);

        if (info->orientation >= 5) {
            unsigned  w = info->width;

            info->width = info->height;
            info->height = w;
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_codec_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_traits_t      traits;
    ngx_http_overlay_method_e      method;
    ngx_http_overlay_image_info_t  probed;

    out->data = NULL;
    out->len = 0;
    out->free = NULL;
    out->method = NGX_HTTP_OVERLAY_METHOD_NONE;

    if (len > INT_MAX) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "image of %zu bytes", len);
    }

    /* traits come from the same headers the caller's info came from */

    rc = ngx_http_overlay_probe(p, len, conf, &probed, &traits, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* the JPEG codec tells its path itself, the others have one each */

    switch (info->format) {

    case NGX_HTTP_OVERLAY_FORMAT_JPEG:
        return ngx_http_overlay_jpeg_apply(p, len, info, conf, painter, out,
                                           err);

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        rc = ngx_http_overlay_webp_apply(p, len, info, traits.lossless,
                                         conf, painter, out, err);
        method = traits.lossless ? NGX_HTTP_OVERLAY_METHOD_WEBP_LOSSLESS
                                 : NGX_HTTP_OVERLAY_METHOD_WEBP;
        break;

    case NGX_HTTP_OVERLAY_FORMAT_PNG:
        rc = ngx_http_overlay_png_apply(p, len, info, conf, &traits, painter,
                                        out, err);
        method = NGX_HTTP_OVERLAY_METHOD_PNG;
        break;

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        rc = ngx_http_overlay_gif_apply(p, len, info, painter, out, err);
        method = NGX_HTTP_OVERLAY_METHOD_GIF;
        break;

    default:
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "no codec for the format");
    }

    /* the WebP splice tells its own */

    if (rc == NGX_HTTP_OVERLAY_OK
        && out->method == NGX_HTTP_OVERLAY_METHOD_NONE)
    {
        out->method = method;
    }

    return rc;
}


ngx_http_overlay_rc_e
ngx_http_overlay_codec_gd_apply(gdImagePtr im,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_gd_encode_pt encode, const void *data,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err)
{
    int                    size;
    void                  *bytes;
    ngx_http_overlay_rc_e  rc;

    if ((unsigned) gdImageSX(im) != info->width
        || (unsigned) gdImageSY(im) != info->height)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "decoded %dx%d, the headers say %ux%u",
                                      gdImageSX(im), gdImageSY(im),
                                      info->width, info->height);
    }

    if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "gdImagePaletteToTrueColor() failed");
    }

    rc = painter->draw(painter->data, im, 0, 0, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    size = 0;
    bytes = encode(im, &size, data);

    if (bytes == NULL || size <= 0) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                    "%s encoding failed: %s",
                                    ngx_http_overlay_format_name(
                                        info->format),
                                    ngx_http_overlay_render_gd_message());
        if (bytes != NULL) {
            gdFree(bytes);
        }

        return rc;
    }

    out->data = bytes;
    out->len = (size_t) size;
    out->free = ngx_http_overlay_gd_free;

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_codec_layer(const ngx_http_overlay_painter_t *painter,
    int width, int height, gdImagePtr *layer, int *x0, int *y0,
    ngx_http_overlay_error_t *err)
{
    int                    x, y, x1, y1;
    gdImagePtr             im;
    ngx_http_overlay_rc_e  rc;

    *layer = NULL;

    *x0 = painter->bounds.x > 0 ? painter->bounds.x : 0;
    *y0 = painter->bounds.y > 0 ? painter->bounds.y : 0;
    x1 = painter->bounds.x + painter->bounds.w;
    y1 = painter->bounds.y + painter->bounds.h;
    x1 = x1 < width ? x1 : width;
    y1 = y1 < height ? y1 : height;

    if (x1 <= *x0 || y1 <= *y0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    im = gdImageCreateTrueColor(x1 - *x0, y1 - *y0);
    if (im == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "gdImageCreateTrueColor() failed");
    }

    for (y = 0; y < y1 - *y0; y++) {
        for (x = 0; x < x1 - *x0; x++) {
            im->tpixels[y][x] = gdTrueColorAlpha(0, 0, 0,
                                                 gdAlphaTransparent);
        }
    }

    rc = painter->draw(painter->data, im, *x0, *y0, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
        return rc;
    }

    *layer = im;

    return NGX_HTTP_OVERLAY_OK;
}


static void
ngx_http_overlay_gd_free(void *data)
{
    gdFree(data);
}


void
ngx_http_overlay_codec_free(ngx_http_overlay_blob_t *blob)
{
    if (blob->data != NULL) {
        blob->free(blob->data);
        blob->data = NULL;
        blob->len = 0;
    }
}
