
/*
 * ngx_http_overlay_module: the JPEG codec, in the DCT domain.
 *
 * Plain C, no nginx headers.  libjpeg-turbo reads the image's DCT
 * coefficients; only the iMCUs under the painter's bounds are decoded to
 * pixels, drawn on, and transformed and quantized back with the image's
 * own tables and sampling; every other block is written as it was read,
 * with the markers (EXIF, ICC, XMP, comments), the restart interval and
 * progressive mode.  So the output decodes identically to the input
 * outside the overlay, and file size and quality do not drift.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_JPEG_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_JPEG_H_INCLUDED_


#include "ngx_http_overlay_codec.h"
#include "ngx_http_overlay_codec_int.h"


/* EXIF orientation (1..8) from the APP1 segment, 1 when there is none */
unsigned ngx_http_overlay_jpeg_orientation(const unsigned char *p,
    size_t len);

ngx_http_overlay_rc_e ngx_http_overlay_jpeg_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);

/* maps a point of the image as a viewer sees it to the stored image */
void ngx_http_overlay_orient_point(unsigned orientation, int w, int h,
    int vx, int vy, int *sx, int *sy);


#endif /* _NGX_HTTP_OVERLAY_CODEC_JPEG_H_INCLUDED_ */
