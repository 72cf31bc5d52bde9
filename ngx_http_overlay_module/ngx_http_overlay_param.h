
/*
 * ngx_http_overlay_module: decoding of the overlay parameter's value into
 * the JSON bytes it carries.
 *
 * Plain C, no nginx headers.
 */


#ifndef _NGX_HTTP_OVERLAY_PARAM_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_PARAM_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_overlay_error.h"


/* the largest decoded JSON accepted */
#define NGX_HTTP_OVERLAY_PARAM_MAX  4096


/*
 * Decodes value (base64url, padding optional) into out, which has room for
 * size bytes; on success *out_len is the decoded length.  A value that would
 * decode to more than size bytes is NGX_HTTP_OVERLAY_TOO_LARGE, refused
 * before any decoding.
 */
ngx_http_overlay_rc_e ngx_http_overlay_param_decode(const unsigned char *value,
    size_t len, unsigned char *out, size_t size, size_t *out_len,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_PARAM_H_INCLUDED_ */
