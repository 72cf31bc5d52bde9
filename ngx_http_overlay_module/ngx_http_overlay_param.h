
/*
 * ngx_http_overlay_module: decoding of the overlay parameter's value into
 * the JSON bytes it carries.
 *
 * Plain C, no nginx headers.  Every form a real producer has emitted is
 * decoded, in this order:
 *
 *   1. percent-decoding, once (%XX; other "%" are left as they are);
 *   2. surrounding white space trimmed;
 *   3. a Python bytes literal unwrapped: b'...' or b"...";
 *   4. raw JSON, beginning with "{", taken as it is;
 *   5. otherwise base64, in the URL-safe or the standard alphabet, padded
 *      or not; a space, which is what form decoding makes of "+", is
 *      read as "+".
 *
 * The forms other than unpadded or padded base64url are reported as
 * repairs, so that the producers still sending them can be found.
 *
 * No allocation, no state: every call is thread-safe.
 */


#ifndef _NGX_HTTP_OVERLAY_PARAM_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_PARAM_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_overlay_error.h"


/* the default limit of the decoded JSON, overlay_max_param_size */
#define NGX_HTTP_OVERLAY_PARAM_MAX        4096

#define NGX_HTTP_OVERLAY_REPAIR_TRIM      0x01
#define NGX_HTTP_OVERLAY_REPAIR_BYTES     0x02  /* b'...' */
#define NGX_HTTP_OVERLAY_REPAIR_STANDARD  0x04  /* "+" and "/" */
#define NGX_HTTP_OVERLAY_REPAIR_SPACE     0x08  /* " " read as "+" */
#define NGX_HTTP_OVERLAY_REPAIR_RAW_JSON  0x10


typedef struct {
    unsigned char  *json;           /* in the caller's buffer */
    size_t          len;
    unsigned        repairs;        /* NGX_HTTP_OVERLAY_REPAIR_* */
} ngx_http_overlay_param_t;


/*
 * Decodes the len bytes at buf in place (buf is modified) into the JSON it
 * carries.  More than max decoded bytes is NGX_HTTP_OVERLAY_TOO_LARGE,
 * refused before base64 decoding.
 */
ngx_http_overlay_rc_e ngx_http_overlay_param_decode(unsigned char *buf,
    size_t len, size_t max, ngx_http_overlay_param_t *param,
    ngx_http_overlay_error_t *err);

/* the repairs as text: "bytes literal, standard alphabet", or "" */
char *ngx_http_overlay_repairs_text(char *buf, size_t size,
    unsigned repairs);


#endif /* _NGX_HTTP_OVERLAY_PARAM_H_INCLUDED_ */
