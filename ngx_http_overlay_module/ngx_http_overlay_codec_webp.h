
/*
 * ngx_http_overlay_module: the WebP codec, with libwebp.
 *
 * Plain C, no nginx headers.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_WEBP_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_WEBP_H_INCLUDED_


#include "ngx_http_overlay_codec.h"


/*
 * A still WebP of info's size decoded, drawn on by painter, and encoded
 * again: lossless if lossless, else at quality.
 */
ngx_http_overlay_rc_e ngx_http_overlay_webp_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info, int lossless,
    int quality, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_WEBP_H_INCLUDED_ */
