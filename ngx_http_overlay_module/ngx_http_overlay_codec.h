
/*
 * ngx_http_overlay_module: image codecs.
 *
 * Plain C, no nginx headers.  The codec detects the format from the bytes,
 * reads the dimensions from the headers before any pixel is decoded, and
 * applies a painter: it decodes (at least) the region the painter draws on,
 * lets it draw, and encodes the result in the input's format.  Which
 * library decodes and encodes each format is the codec's business.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_H_INCLUDED_


#include <stddef.h>

#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_render.h"


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
    int                        webp_quality;    /* lossy WebP, 1..100 */
    unsigned long              max_pixels;
    unsigned                   max_side;        /* 0: no limit */
} ngx_http_overlay_codec_conf_t;


/* draws on im, whose top-left corner is at x0, y0 of the whole image */
typedef ngx_http_overlay_rc_e (*ngx_http_overlay_draw_pt)(void *data,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err);

typedef struct {
    ngx_http_overlay_rect_t    bounds;          /* what draw touches */
    ngx_http_overlay_draw_pt   draw;
    void                      *data;
} ngx_http_overlay_painter_t;


/* the encoded output; release with ngx_http_overlay_codec_free() */
typedef struct {
    unsigned char             *data;
    size_t                     len;
    void                     (*free)(void *data);
} ngx_http_overlay_blob_t;


ngx_http_overlay_format_e ngx_http_overlay_codec_detect(
    const unsigned char *p, size_t len);
const char *ngx_http_overlay_format_name(ngx_http_overlay_format_e format);

/* reads format and dimensions from the headers only, within conf's limits */
ngx_http_overlay_rc_e ngx_http_overlay_codec_probe(const unsigned char *p,
    size_t len, const ngx_http_overlay_codec_conf_t *conf,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err);

ngx_http_overlay_rc_e ngx_http_overlay_codec_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);

void ngx_http_overlay_codec_free(ngx_http_overlay_blob_t *blob);


#endif /* _NGX_HTTP_OVERLAY_CODEC_H_INCLUDED_ */
