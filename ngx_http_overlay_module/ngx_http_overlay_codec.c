
/*
 * ngx_http_overlay_module: image codecs.
 *
 * JPEG goes through libjpeg-turbo (ngx_http_overlay_codec_jpeg.c), in the
 * DCT domain; PNG is decoded by libpng (ngx_http_overlay_codec_png.c), with
 * its limits; WebP and static GIF are decoded whole by libgd, and all
 * three are encoded by libgd.  Only these four formats are ever handed to
 * a decoder: the magic bytes decide, whatever libgd could read besides.
 */


#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_codec.h"
#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_codec_png.h"


#define ngx_http_overlay_be16(p)  ((unsigned) (p)[0] << 8 | (p)[1])
#define ngx_http_overlay_be32(p)                                              \
    ((unsigned long) (p)[0] << 24 | (unsigned long) (p)[1] << 16              \
     | (unsigned long) (p)[2] << 8 | (p)[3])
#define ngx_http_overlay_le16(p)  ((unsigned) (p)[1] << 8 | (p)[0])
#define ngx_http_overlay_le24(p)                                              \
    ((unsigned long) (p)[2] << 16 | (unsigned long) (p)[1] << 8 | (p)[0])

/* a GIF with more frames than this is not even counted to the end */
#define NGX_HTTP_OVERLAY_GIF_FRAMES_MAX  4096


typedef struct {
    unsigned                   progressive:1;
    unsigned                   alpha:1;
    unsigned                   lossless:1;     /* WebP VP8L */
    unsigned                   gray:1;         /* PNG colour types 0, 4 */
} ngx_http_overlay_traits_t;


static ngx_http_overlay_rc_e ngx_http_overlay_probe_jpeg(
    const unsigned char *p, size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_probe_png(
    const unsigned char *p, size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_probe_webp(
    const unsigned char *p, size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_probe_gif(
    const unsigned char *p, size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_png_chunks(
    const unsigned char *p, size_t len, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_probe(const unsigned char *p,
    size_t len, const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err);
static int ngx_http_overlay_png_colour_chunk(const unsigned char *type,
    ngx_http_overlay_traits_t *traits);
static void ngx_http_overlay_gd_free(void *data);


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
        rc = ngx_http_overlay_probe_jpeg(p, len, info, traits, err);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_PNG:
        rc = ngx_http_overlay_probe_png(p, len, info, traits, err);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        rc = ngx_http_overlay_probe_webp(p, len, info, traits, err);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        rc = ngx_http_overlay_probe_gif(p, len, info, err);
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


static ngx_http_overlay_rc_e
ngx_http_overlay_probe_jpeg(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    size_t    pos, seg;
    unsigned  marker;

    pos = 2;

    for ( ;; ) {

        /* a marker, after any number of 0xff fill bytes */

        if (pos >= len || p[pos] != 0xff) {
            break;
        }

        while (pos < len && p[pos] == 0xff) {
            pos++;
        }

        if (pos >= len) {
            break;
        }

        marker = p[pos++];

        if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
            continue;                           /* no length */
        }

        if (marker == 0xd9 || marker == 0xda) {
            break;                              /* EOI, SOS: no frame yet */
        }

        if (pos + 2 > len) {
            break;
        }

        seg = ngx_http_overlay_be16(&p[pos]);

        if (seg < 2 || pos + seg > len) {
            break;
        }

        if (marker >= 0xc0 && marker <= 0xcf
            && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
        {
            if (seg < 8) {
                break;
            }

            info->height = ngx_http_overlay_be16(&p[pos + 3]);
            info->width = ngx_http_overlay_be16(&p[pos + 5]);
            traits->progressive = (marker == 0xc2 || marker == 0xc6
                                   || marker == 0xca || marker == 0xce);

            return NGX_HTTP_OVERLAY_OK;
        }

        pos += seg;
    }

    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "JPEG without a frame header in its "
                                  "%zu bytes", len);
}


static ngx_http_overlay_rc_e
ngx_http_overlay_probe_png(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    size_t         pos;
    unsigned long  chunk, width, height;

    /* the signature, then IHDR: length 13, type, width, height, ... */

    if (len < 8 + 8 + 13 || ngx_http_overlay_be32(&p[8]) != 13
        || memcmp(&p[12], "IHDR", 4) != 0)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG without an IHDR chunk");
    }

    width = ngx_http_overlay_be32(&p[16]);
    height = ngx_http_overlay_be32(&p[20]);

    if (width > INT_MAX || height > INT_MAX) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG of %lux%lu pixels", width, height);
    }

    info->width = (unsigned) width;
    info->height = (unsigned) height;

    /* colour types 4 and 6 have alpha; others may have a tRNS chunk */

    traits->alpha = (p[25] == 4 || p[25] == 6);
    traits->gray = (p[25] == 0 || p[25] == 4);

    for (pos = 8 + 8 + 13 + 4; pos + 8 <= len; pos += chunk + 12) {
        chunk = ngx_http_overlay_be32(&p[pos]);

        if (memcmp(&p[pos + 4], "tRNS", 4) == 0) {
            traits->alpha = 1;
        }

        if (memcmp(&p[pos + 4], "IDAT", 4) == 0 || chunk > len - pos) {
            break;
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/* the canvas of VP8X, or the frame of a simple VP8 or VP8L file */

static ngx_http_overlay_rc_e
ngx_http_overlay_probe_webp(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    size_t         pos;
    unsigned long  riff, chunk;

    riff = p[4] | (unsigned long) p[5] << 8 | (unsigned long) p[6] << 16
           | (unsigned long) p[7] << 24;

    if (len < 30 || riff + 8 > len || riff < 22) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "WebP of %zu bytes, the RIFF header "
                                      "says %lu", len, riff + 8);
    }

    if (memcmp(p + 12, "VP8X", 4) == 0) {

        if (p[20] & 0x02) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                          "animated WebP");
        }

        traits->alpha = (p[20] & 0x10) != 0;
        info->width = (unsigned) ngx_http_overlay_le24(p + 24) + 1;
        info->height = (unsigned) ngx_http_overlay_le24(p + 27) + 1;

        /* the image chunk tells lossless from lossy */

        for (pos = 30; pos + 8 <= len; pos += 8 + chunk + (chunk & 1)) {
            chunk = p[pos + 4] | (unsigned long) p[pos + 5] << 8
                    | (unsigned long) p[pos + 6] << 16
                    | (unsigned long) p[pos + 7] << 24;

            if (memcmp(p + pos, "VP8L", 4) == 0) {
                traits->lossless = 1;
                break;
            }

            if (memcmp(p + pos, "VP8 ", 4) == 0 || chunk > len - pos - 8) {
                break;
            }
        }

        return NGX_HTTP_OVERLAY_OK;
    }

    if (memcmp(p + 12, "VP8L", 4) == 0) {

        if (p[20] != 0x2f) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8L without its signature");
        }

        info->width = ((unsigned) p[21] | (unsigned) (p[22] & 0x3f) << 8)
                      + 1;
        info->height = ((unsigned) p[22] >> 6 | (unsigned) p[23] << 2
                        | (unsigned) (p[24] & 0x0f) << 10) + 1;
        traits->alpha = (p[24] & 0x10) != 0;
        traits->lossless = 1;

        return NGX_HTTP_OVERLAY_OK;
    }

    if (memcmp(p + 12, "VP8 ", 4) == 0) {

        /* a key frame: 3 bytes of tag, the start code, 14-bit sizes */

        if (p[23] != 0x9d || p[24] != 0x01 || p[25] != 0x2a) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "VP8 without a key frame");
        }

        info->width = ngx_http_overlay_le16(p + 26) & 0x3fff;
        info->height = ngx_http_overlay_le16(p + 28) & 0x3fff;

        return NGX_HTTP_OVERLAY_OK;
    }

    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "WebP without a VP8, VP8L or VP8X chunk");
}


/* the logical screen, and how many frames: one is drawn, more are not */

static ngx_http_overlay_rc_e
ngx_http_overlay_probe_gif(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err)
{
    size_t    pos;
    unsigned  frames, flags;

    if (len < 13) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "GIF of %zu bytes", len);
    }

    info->width = ngx_http_overlay_le16(p + 6);
    info->height = ngx_http_overlay_le16(p + 8);

    flags = p[10];
    pos = 13 + ((flags & 0x80) ? 3u << ((flags & 7) + 1) : 0);
    frames = 0;

    while (pos < len && frames < NGX_HTTP_OVERLAY_GIF_FRAMES_MAX) {

        switch (p[pos]) {

        case 0x21:                              /* extension */
            pos += 2;
            break;

        case 0x2c:                              /* image descriptor */

            if (pos + 10 > len) {
                goto truncated;
            }

            if (++frames > 1) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_UNSUPPORTED,
                                              "animated GIF");
            }

            flags = p[pos + 9];
            pos += 10 + ((flags & 0x80) ? 3u << ((flags & 7) + 1) : 0);
            pos++;                              /* LZW minimum code size */
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

        pos++;
    }

    if (pos >= len && frames == 0) {
        goto truncated;
    }

done:

    if (frames == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "GIF without an image");
    }

    return NGX_HTTP_OVERLAY_OK;

truncated:

    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "GIF cut short at %zu bytes", len);
}


ngx_http_overlay_rc_e
ngx_http_overlay_codec_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                            size;
    void                          *data;
    gdImagePtr                     im;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_traits_t      traits;
    ngx_http_overlay_image_info_t  probed;

    out->data = NULL;
    out->len = 0;
    out->free = NULL;

    if (len > INT_MAX) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "image of %zu bytes", len);
    }

    /* traits come from the same headers the caller's info came from */

    rc = ngx_http_overlay_probe(p, len, conf, &probed, &traits, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (info->format == NGX_HTTP_OVERLAY_FORMAT_JPEG) {
        return ngx_http_overlay_jpeg_apply(p, len, info, conf, painter, out,
                                           err);
    }

    if (info->format == NGX_HTTP_OVERLAY_FORMAT_PNG) {
        rc = ngx_http_overlay_png_decode(p, len, conf->max_pixels,
                                         conf->max_side, &im, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        goto decoded;
    }

    ngx_http_overlay_render_gd_message_clear();

    switch (info->format) {

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        im = gdImageCreateFromWebpPtr((int) len, (void *) p);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        im = gdImageCreateFromGifPtr((int) len, (void *) p);
        break;

    default:
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "no codec for the format");
    }

    if (im == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "%s decoding failed: %s",
                                      ngx_http_overlay_format_name(
                                          info->format),
                                      ngx_http_overlay_render_gd_message());
    }

decoded:

    if ((unsigned) gdImageSX(im) != info->width
        || (unsigned) gdImageSY(im) != info->height)
    {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                    "decoded %dx%d, the headers say %ux%u",
                                    gdImageSX(im), gdImageSY(im),
                                    info->width, info->height);
        goto done;
    }

    if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                    "gdImagePaletteToTrueColor() failed");
        goto done;
    }

    rc = painter->draw(painter->data, im, 0, 0, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    size = 0;

    switch (info->format) {

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        data = gdImageWebpPtrEx(im, &size, traits.lossless
                                           ? gdWebpLossless
                                           : conf->webp_quality);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        data = gdImageGifPtr(im, &size);
        break;

    default:
        gdImageSaveAlpha(im, traits.alpha);
        data = gdImagePngPtr(im, &size);
        break;
    }

    if (data == NULL || size <= 0) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                    "%s encoding failed: %s",
                                    ngx_http_overlay_format_name(
                                        info->format),
                                    ngx_http_overlay_render_gd_message());
        if (data != NULL) {
            gdFree(data);
        }

        goto done;
    }

    out->data = data;
    out->len = (size_t) size;
    out->free = ngx_http_overlay_gd_free;

    if (info->format == NGX_HTTP_OVERLAY_FORMAT_PNG) {
        rc = ngx_http_overlay_png_chunks(p, len, &traits, out, err);
    }

done:

    gdImageDestroy(im);

    return rc;
}


/*
 * libgd writes no colour chunks: the source's iCCP, sRGB, gAMA and cHRM
 * go back in after IHDR, as they were, CRCs included.  A grey image comes
 * out as RGB, which its ICC profile would not describe: iCCP is left out.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_png_chunks(const unsigned char *p, size_t len,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    size_t          pos, chunk, extra, at;
    unsigned char  *data, *d;

    extra = 0;

    for (pos = 33; pos + 12 <= len; pos += chunk + 12) {
        chunk = ngx_http_overlay_be32(&p[pos]);

        if (chunk > len - pos - 12 || memcmp(&p[pos + 4], "IDAT", 4) == 0) {
            break;
        }

        if (ngx_http_overlay_png_colour_chunk(&p[pos + 4], traits)) {
            extra += chunk + 12;
        }
    }

    if (extra == 0 || out->len < 33) {
        return NGX_HTTP_OVERLAY_OK;
    }

    data = malloc(out->len + extra);
    if (data == NULL) {
        ngx_http_overlay_codec_free(out);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    /* the signature and IHDR, the colour chunks, the rest */

    at = 33;
    d = data;
    memcpy(d, out->data, at);
    d += at;

    for (pos = 33; pos + 12 <= len; pos += chunk + 12) {
        chunk = ngx_http_overlay_be32(&p[pos]);

        if (chunk > len - pos - 12 || memcmp(&p[pos + 4], "IDAT", 4) == 0) {
            break;
        }

        if (ngx_http_overlay_png_colour_chunk(&p[pos + 4], traits)) {
            memcpy(d, &p[pos], chunk + 12);
            d += chunk + 12;
        }
    }

    memcpy(d, out->data + at, out->len - at);
    d += out->len - at;

    ngx_http_overlay_codec_free(out);

    out->data = data;
    out->len = (size_t) (d - data);
    out->free = free;

    return NGX_HTTP_OVERLAY_OK;
}


static int
ngx_http_overlay_png_colour_chunk(const unsigned char *type,
    ngx_http_overlay_traits_t *traits)
{
    return memcmp(type, "sRGB", 4) == 0 || memcmp(type, "gAMA", 4) == 0
           || memcmp(type, "cHRM", 4) == 0
           || (memcmp(type, "iCCP", 4) == 0 && !traits->gray);
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
