
/*
 * ngx_http_overlay_module: image codecs, as the nginx glue sees them.
 *
 * Plain C, no nginx headers, no libgd types.  The codec detects the format
 * from the bytes, reads the dimensions from the headers before any pixel
 * is decoded, and applies a painter: it decodes (at least) the region the
 * painter draws on, lets it draw, and encodes the result in the input's
 * format.  Which library decodes and encodes each format is the codec's
 * business.  The painter and the apply call are the core's, in
 * ngx_http_overlay_codec_int.h.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_overlay_error.h"


/* bytes needed to tell the formats apart */
#define NGX_HTTP_OVERLAY_MAGIC_LEN  12


typedef enum {
    NGX_HTTP_OVERLAY_FORMAT_NONE = 0,
    NGX_HTTP_OVERLAY_FORMAT_JPEG,
    NGX_HTTP_OVERLAY_FORMAT_PNG,
    NGX_HTTP_OVERLAY_FORMAT_WEBP,
    NGX_HTTP_OVERLAY_FORMAT_GIF
} ngx_http_overlay_format_e;


typedef struct {
    ngx_http_overlay_format_e  format;
    unsigned                   width;           /* as a viewer sees it */
    unsigned                   height;
    unsigned                   orientation;     /* EXIF, 1..8 */
} ngx_http_overlay_image_info_t;


typedef struct {
    /* 0: JPEG keeps its own tables, only the overlay's blocks change */
    int                        jpeg_quality;
    /* lossy WebP, 1..100; 0: the splice keeps the source's quantizers */
    int                        webp_quality;
    int                        webp_method;     /* lossy WebP, 0..6 */
    int                        webp_lossless_method;   /* 0..6 */
    /* overlay_png_reduce: grey PNGs stay grey, 16 bits become 8 */
    int                        png_reduce;
    unsigned long              max_pixels;
    unsigned                   max_side;        /* 0: no limit */
} ngx_http_overlay_codec_conf_t;


/*
 * The path a codec took to draw on an image: $overlay_method and the
 * method label of overlay_stats.  The names are in one table
 * (ngx_http_overlay_method_name()); a new path gets a member before
 * NGX_HTTP_OVERLAY_METHOD_COUNT, its name there, and its format in
 * ngx_http_overlay_method_format().
 */
typedef enum {
    NGX_HTTP_OVERLAY_METHOD_NONE = 0,           /* nothing drawn */
    /* JPEG: the entropy-coded data changed in place, the source's tables */
    NGX_HTTP_OVERLAY_METHOD_SPLICE,
    /* ... with symbols added to the tables (a new DHT) */
    NGX_HTTP_OVERLAY_METHOD_SPLICE_RETABLE,
    /* ... with blocks fitted to the symbols the tables have */
    NGX_HTTP_OVERLAY_METHOD_SPLICE_FIT,
    /* progressive JPEG: each scan changed in place */
    NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE_SPLICE,
    /* progressive JPEG: every scan coded again in one pass */
    NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE,
    /* JPEG: every coefficient written again by libjpeg */
    NGX_HTTP_OVERLAY_METHOD_TRANSCODE,
    /* JPEG: pixels decoded and encoded again (overlay_jpeg_quality) */
    NGX_HTTP_OVERLAY_METHOD_REENCODE,
    NGX_HTTP_OVERLAY_METHOD_PNG,
    NGX_HTTP_OVERLAY_METHOD_WEBP,               /* lossy (VP8) */
    NGX_HTTP_OVERLAY_METHOD_WEBP_LOSSLESS,      /* VP8L */
    NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE,        /* VP8, its syntax kept */
    NGX_HTTP_OVERLAY_METHOD_GIF,
    NGX_HTTP_OVERLAY_METHOD_COUNT
} ngx_http_overlay_method_e;


/* the encoded output; release with ngx_http_overlay_codec_free() */
typedef struct {
    unsigned char             *data;
    size_t                     len;
    void                     (*free)(void *data);
    ngx_http_overlay_method_e  method;          /* how it was made */
} ngx_http_overlay_blob_t;


/*
 * The format of the len bytes at p, from their first
 * NGX_HTTP_OVERLAY_MAGIC_LEN bytes (fewer: what they tell); NONE when they
 * are of none of the four.  Thread-safe.
 */
ngx_http_overlay_format_e ngx_http_overlay_codec_detect(
    const unsigned char *p, size_t len);

/* "jpeg", "png", "webp", "gif" or "none": a static string; thread-safe */
const char *ngx_http_overlay_format_name(ngx_http_overlay_format_e format);

/*
 * "splice", "splice_retable", "splice_fit", "progressive_splice",
 * "progressive", "transcode", "reencode", "png", "webp", "webp_lossless",
 * "webp_splice",
 * "gif", or "" for NONE and any other value: a static string; thread-safe
 */
const char *ngx_http_overlay_method_name(ngx_http_overlay_method_e method);

/* the format a method draws on (NONE for NONE); thread-safe */
ngx_http_overlay_format_e ngx_http_overlay_method_format(
    ngx_http_overlay_method_e method);

/*
 * Reads format and dimensions (as a viewer sees them: EXIF turns a JPEG)
 * from the headers only, without decoding a pixel, and checks them against
 * each other and against conf's limits: NOT_IMAGE (no format of the four),
 * BAD_IMAGE (headers that disagree or are cut short), TOO_LARGE or
 * UNSUPPORTED (animations, GIF frames smaller than the screen), with a
 * reason in *err.  Nothing is allocated.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_codec_probe(const unsigned char *p,
    size_t len, const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err);

/*
 * Releases the blob's data (with the function the encoder set) and empties
 * it; an empty blob is left as it is.  Thread-safe.
 */
void ngx_http_overlay_codec_free(ngx_http_overlay_blob_t *blob);


#endif /* _NGX_HTTP_OVERLAY_CODEC_H_INCLUDED_ */
