
/*
 * ngx_http_overlay_module: reasons why an overlay is not applied.
 *
 * Plain C, no nginx headers: shared by the module, the CLI and the tests.
 * No state: every call is thread-safe.
 */


#ifndef _NGX_HTTP_OVERLAY_ERROR_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_ERROR_H_INCLUDED_


#include <stddef.h>


#define NGX_HTTP_OVERLAY_ERROR_LEN  256


typedef enum {
    NGX_HTTP_OVERLAY_OK = 0,
    NGX_HTTP_OVERLAY_BAD_ENCODING,      /* the value is not base64 */
    NGX_HTTP_OVERLAY_TOO_LARGE,         /* a parameter or body over a limit */
    NGX_HTTP_OVERLAY_BAD_JSON,          /* not JSON, or not an object */
    NGX_HTTP_OVERLAY_BAD_SPEC,          /* JSON, but not a valid overlay */
    NGX_HTTP_OVERLAY_NOT_IMAGE,         /* the body is no supported image */
    NGX_HTTP_OVERLAY_BAD_IMAGE,         /* the image cannot be decoded */
    NGX_HTTP_OVERLAY_UNSUPPORTED,       /* an image not kept faithfully */
    NGX_HTTP_OVERLAY_RENDER_FAILED,     /* drawing or encoding failed */
    NGX_HTTP_OVERLAY_NO_MEMORY,
    NGX_HTTP_OVERLAY_BAD_SIGNATURE,     /* unsigned, or signed otherwise */
    NGX_HTTP_OVERLAY_BUSY               /* overlay_max_concurrent reached */
} ngx_http_overlay_rc_e;


typedef struct {
    ngx_http_overlay_rc_e  code;
    char                   msg[NGX_HTTP_OVERLAY_ERROR_LEN];
} ngx_http_overlay_error_t;


/* the number of codes, for tables indexed by them */
#define NGX_HTTP_OVERLAY_RC_COUNT  (NGX_HTTP_OVERLAY_BUSY + 1)


/* the code's name as logs and $overlay_error say it: "bad_spec"... */
const char *ngx_http_overlay_reason(ngx_http_overlay_rc_e code);

/*
 * Sets err (when not NULL) and returns code.  The message is printf-style;
 * bytes that are not printable ASCII are escaped as \xNN, so that client
 * input quoted in it cannot forge log lines.
 */
ngx_http_overlay_rc_e ngx_http_overlay_error(ngx_http_overlay_error_t *err,
    ngx_http_overlay_rc_e code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 3, 4)))
#endif
    ;

/*
 * Writes at most size bytes of a quoted excerpt of s into buf: printable
 * ASCII as is, anything else as \xNN, cut with "..." past max input bytes.
 */
char *ngx_http_overlay_quote(char *buf, size_t size, const unsigned char *s,
    size_t len, size_t max);


#endif /* _NGX_HTTP_OVERLAY_ERROR_H_INCLUDED_ */
