
/*
 * ngx_http_overlay_module: what the codecs share with the core, and with
 * each other, beyond the public ngx_http_overlay_codec.h.
 *
 * Plain C, no nginx headers.  For the core (ngx_http_overlay_core.c), the
 * codecs (ngx_http_overlay_codec*.c) and their tests only: the nginx glue
 * sees the codecs through ngx_http_overlay_core.h, without libgd types.
 * The painter draws on libgd images; each format's codec decodes, lets it
 * draw and encodes again, and the dispatcher in ngx_http_overlay_codec.c
 * chooses the codec by the format the probe found.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_INT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_INT_H_INCLUDED_


#include <stddef.h>

#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_render.h"
#include "ngx_http_overlay_codec.h"


/* draws on im, whose top-left corner is at x0, y0 of the whole image */
typedef ngx_http_overlay_rc_e (*ngx_http_overlay_draw_pt)(void *data,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err);

typedef struct {
    ngx_http_overlay_rect_t    bounds;          /* what draw touches */
    ngx_http_overlay_draw_pt   draw;
    void                      *data;
} ngx_http_overlay_painter_t;


/* what a probe learns of the image beside its info, for the encoder */
typedef struct {
    unsigned                   alpha:1;
    unsigned                   lossless:1;     /* WebP VP8L */
    unsigned                   gray:1;         /* PNG colour types 0, 4 */
} ngx_http_overlay_traits_t;


/*
 * The image p, len bytes, of which info tells (as probed by
 * ngx_http_overlay_codec_probe() with the same conf), drawn on by painter
 * and encoded in its own format into *out, which the caller releases with
 * ngx_http_overlay_codec_free() (*out is empty on failure), out->method
 * the path taken: the JPEG codec sets it (ngx_http_overlay_jpeg_apply()),
 * the dispatcher for the others.  The headers
 * are probed again, and must agree with what the decoder finds: errors are
 * NOT_IMAGE, BAD_IMAGE, TOO_LARGE, UNSUPPORTED, NO_MEMORY, RENDER_FAILED or
 * what painter returns, with a reason in *err.  Thread-safe: any number of
 * threads may apply at once (painter permitting); libgd's last message is
 * kept per thread.
 */
ngx_http_overlay_rc_e ngx_http_overlay_codec_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);

/*
 * The painter's overlay alone, for the codecs that blend it themselves:
 * drawn on a transparent libgd truecolor image of the part of its bounds
 * within a width x height image (drawing over transparency leaves the
 * overlay as it is), whose top-left corner is at *x0, *y0 of the image.
 * *layer is NULL when nothing is within; else the caller gdImageDestroy()s
 * it.  NO_MEMORY or what the painter returns, with *err.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_codec_layer(
    const ngx_http_overlay_painter_t *painter, int width, int height,
    gdImagePtr *layer, int *x0, int *y0, ngx_http_overlay_error_t *err);

/* a libgd encoder: the bytes, gdFree() them, and their size; NULL: failed */
typedef void *(*ngx_http_overlay_gd_encode_pt)(gdImagePtr im, int *size,
    const void *data);

/*
 * For the codecs that decode the whole image into a libgd image (PNG,
 * GIF): im, decoded, must have info's size; made truecolor if it is a
 * palette image, drawn on by painter, and encoded by encode (given data)
 * into *out, which then owns the bytes (released with
 * ngx_http_overlay_codec_free()).  BAD_IMAGE, NO_MEMORY, what painter
 * returns, or RENDER_FAILED with libgd's last message, with *err.  im
 * stays the caller's.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_codec_gd_apply(gdImagePtr im,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_gd_encode_pt encode, const void *data,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_INT_H_INCLUDED_ */
