
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
#include "ngx_http_overlay_codec_webp.h"


#define ngx_http_overlay_be16(p)  ((unsigned) (p)[0] << 8 | (p)[1])
#define ngx_http_overlay_be32(p)                                              \
    ((unsigned long) (p)[0] << 24 | (unsigned long) (p)[1] << 16              \
     | (unsigned long) (p)[2] << 8 | (p)[3])
#define ngx_http_overlay_le16(p)  ((unsigned) (p)[1] << 8 | (p)[0])
#define ngx_http_overlay_le24(p)                                              \
    ((unsigned long) (p)[2] << 16 | (unsigned long) (p)[1] << 8 | (p)[0])
#define ngx_http_overlay_le32(p)                                              \
    ((unsigned long) (p)[3] << 24 | ngx_http_overlay_le24(p))


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
static size_t ngx_http_overlay_png_find(const unsigned char *p, size_t len,
    size_t pos, const char *type);
static ngx_http_overlay_rc_e ngx_http_overlay_probe_webp(
    const unsigned char *p, size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_chunk(
    const unsigned char *p, size_t end, size_t pos, unsigned long *size,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_frame(
    const unsigned char *p, unsigned long size,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_probe_gif(
    const unsigned char *p, size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_decode(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf, gdImagePtr *im,
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

/* the bit depths of each PNG colour type, as bits 1, 2, 4, 8 and 16 */
static const unsigned long  ngx_http_overlay_png_depths[] = {
    0x10116,                                    /* grey: 1 to 16 */
    0,
    0x10100,                                    /* RGB: 8, 16 */
    0x00116,                                    /* palette: 1 to 8 */
    0x10100,                                    /* grey and alpha */
    0,
    0x10100                                     /* RGBA */
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
    size_t    pos, seg, sof;
    unsigned  marker, components;

    pos = 2;
    sof = 0;

    /* the segments up to the first scan: one frame header among them */

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
            break;                              /* EOI, SOS */
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
            if (sof) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_BAD_IMAGE,
                                              "headers disagree: a second "
                                              "JPEG frame header (SOF%u) at "
                                              "%zu, the first at %zu",
                                              marker - 0xc0, pos - 2, sof);
            }

            if (seg < 8) {
                break;
            }

            components = p[pos + 7];

            if (seg != 8 + 3 * components) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_BAD_IMAGE,
                                              "headers disagree: a JPEG "
                                              "frame header of %zu bytes "
                                              "for %u components", seg,
                                              components);
            }

            info->height = ngx_http_overlay_be16(&p[pos + 3]);
            info->width = ngx_http_overlay_be16(&p[pos + 5]);
            traits->progressive = (marker == 0xc2 || marker == 0xc6
                                   || marker == 0xca || marker == 0xce);
            sof = pos - 2;

            /* no lines means a DNL marker, which libjpeg cannot read */

            if (info->width == 0 || info->height == 0) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_BAD_IMAGE,
                                              "JPEG frame header of %ux%u "
                                              "pixels", info->width,
                                              info->height);
            }
        }

        pos += seg;
    }

    if (sof == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "JPEG without a frame header in its "
                                      "%zu bytes", len);
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * IHDR, first and once, with a valid colour type and depth; the chunks
 * after it up to IEND: tRNS tells of alpha, acTL of an animation (APNG).
 * A chunk running past the body stops the walk: the decoder reports it.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_probe_png(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    size_t         pos;
    unsigned       depth, colour, idat;
    unsigned long  chunk, width, height;

    if (len < 16 || memcmp(&p[12], "IHDR", 4) != 0) {

        pos = ngx_http_overlay_png_find(p, len, 8, "IHDR");

        if (pos != 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: PNG IHDR at "
                                          "%zu, not first", pos);
        }

        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG without an IHDR chunk");
    }

    if (ngx_http_overlay_be32(&p[8]) != 13) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG IHDR of %lu bytes",
                                      ngx_http_overlay_be32(&p[8]));
    }

    if (len < 8 + 8 + 13) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG cut short in its IHDR");
    }

    width = ngx_http_overlay_be32(&p[16]);
    height = ngx_http_overlay_be32(&p[20]);

    if (width > INT_MAX || height > INT_MAX) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG of %lux%lu pixels", width, height);
    }

    info->width = (unsigned) width;
    info->height = (unsigned) height;

    depth = p[24];
    colour = p[25];

    if (colour > 6 || depth > 16
        || (ngx_http_overlay_png_depths[colour] & (1UL << depth)) == 0)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG IHDR: colour type %u with %u-bit "
                                      "samples", colour, depth);
    }

    if (p[26] != 0 || p[27] != 0 || p[28] > 1) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG IHDR: compression %u, filter %u, "
                                      "interlace %u", p[26], p[27], p[28]);
    }

    /* colour types 4 and 6 have alpha; others may have a tRNS chunk */

    traits->alpha = (colour == 4 || colour == 6);
    traits->gray = (colour == 0 || colour == 4);

    idat = 0;

    for (pos = 8 + 8 + 13 + 4; pos + 8 <= len; pos += chunk + 12) {
        chunk = ngx_http_overlay_be32(&p[pos]);

        if (memcmp(&p[pos + 4], "IHDR", 4) == 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a second PNG "
                                          "IHDR at %zu", pos);
        }

        if (memcmp(&p[pos + 4], "IEND", 4) == 0) {
            break;
        }

        if (memcmp(&p[pos + 4], "IDAT", 4) == 0) {
            idat = 1;

        } else if (!idat && memcmp(&p[pos + 4], "tRNS", 4) == 0) {
            traits->alpha = 1;

        } else if (!idat && memcmp(&p[pos + 4], "acTL", 4) == 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                          "animated PNG");
        }

        if (chunk + 12 > len - pos) {
            break;
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/* where a chunk of the type starts, walking the chunks from pos; 0: none */

static size_t
ngx_http_overlay_png_find(const unsigned char *p, size_t len, size_t pos,
    const char *type)
{
    unsigned long  chunk;

    for ( /* void */ ; pos + 8 <= len; pos += chunk + 12) {

        if (memcmp(&p[pos + 4], type, 4) == 0) {
            return pos;
        }

        chunk = ngx_http_overlay_be32(&p[pos]);

        if (chunk + 12 > len - pos) {
            break;
        }
    }

    return 0;
}


/*
 * The RIFF and its chunks must fit each other: each chunk within the RIFF
 * size, the RIFF size within the body (bytes after it are ignored, as
 * libwebp does).  The size is VP8X's canvas, or the frame of a simple VP8
 * or VP8L file; with VP8X, the VP8 or VP8L frame must have the canvas's
 * size, as libwebp requires of a still image.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_probe_webp(const unsigned char *p, size_t len,
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


/*
 * The logical screen, and how many frames: one is drawn, more are not.
 * The walk stops at the second image descriptor, however many follow.
 * libgd decodes a frame as large as the screen only: a smaller one is
 * unsupported, and one reaching out of the screen (which browsers show,
 * growing the screen) is refused as headers that disagree.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_probe_gif(const unsigned char *p, size_t len,
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

    if (info->format == NGX_HTTP_OVERLAY_FORMAT_WEBP) {
        return ngx_http_overlay_webp_apply(p, len, info, traits.lossless,
                                           conf->webp_quality, painter, out,
                                           err);
    }

    rc = ngx_http_overlay_decode(p, len, info, conf, &im, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

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


/* PNG through libpng, WebP and GIF through libgd */

static ngx_http_overlay_rc_e
ngx_http_overlay_decode(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf, gdImagePtr *im,
    ngx_http_overlay_error_t *err)
{
    switch (info->format) {

    case NGX_HTTP_OVERLAY_FORMAT_PNG:
        return ngx_http_overlay_png_decode(p, len, conf->max_pixels,
                                           conf->max_side, im, err);

    case NGX_HTTP_OVERLAY_FORMAT_WEBP:
        ngx_http_overlay_render_gd_message_clear();
        *im = gdImageCreateFromWebpPtr((int) len, (void *) p);
        break;

    case NGX_HTTP_OVERLAY_FORMAT_GIF:
        ngx_http_overlay_render_gd_message_clear();
        *im = gdImageCreateFromGifPtr((int) len, (void *) p);
        break;

    default:
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "no codec for the format");
    }

    if (*im == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "%s decoding failed: %s",
                                      ngx_http_overlay_format_name(
                                          info->format),
                                      ngx_http_overlay_render_gd_message());
    }

    return NGX_HTTP_OVERLAY_OK;
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
