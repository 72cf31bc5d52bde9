
/*
 * ngx_http_overlay_module: reasons why an overlay is not applied.
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ngx_http_overlay_error.h"


static const char  *ngx_http_overlay_reasons[] = {
    "ok",
    "bad_encoding",
    "too_large",
    "bad_json",
    "bad_spec",
    "not_image",
    "bad_image",
    "unsupported",
    "render_failed",
    "no_memory",
    "bad_signature",
    "busy"
};

/* a name for every code: fails to compile when a code is added alone */
typedef char  ngx_http_overlay_reasons_complete_t[
    sizeof(ngx_http_overlay_reasons) / sizeof(char *)
    == NGX_HTTP_OVERLAY_RC_COUNT ? 1 : -1];


const char *
ngx_http_overlay_reason(ngx_http_overlay_rc_e code)
{
    if ((size_t) code
        >= sizeof(ngx_http_overlay_reasons) / sizeof(char *))
    {
        return "unknown";
    }

    return ngx_http_overlay_reasons[code];
}


ngx_http_overlay_rc_e
ngx_http_overlay_error(ngx_http_overlay_error_t *err,
    ngx_http_overlay_rc_e code, const char *fmt, ...)
{
    va_list   args;
    size_t    i;
    unsigned  c;

    if (err == NULL) {
        return code;
    }

    err->code = code;

    va_start(args, fmt);
    (void) vsnprintf(err->msg, sizeof(err->msg), fmt, args);
    va_end(args);

    /* messages of libraries may quote input: keep them on one line */

    for (i = 0; err->msg[i] != '\0'; i++) {
        c = (unsigned char) err->msg[i];

        if (c < 0x20 || c >= 0x7f) {
            err->msg[i] = '?';
        }
    }

    return code;
}


char *
ngx_http_overlay_quote(char *buf, size_t size, const unsigned char *s,
    size_t len, size_t max)
{
    char    *p, *end;
    size_t   i;

    static const char  hex[] = "0123456789abcdef";

    if (size == 0) {
        return buf;
    }

    p = buf;
    end = buf + size - 1;

    for (i = 0; i < len && i < max; i++) {

        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') {
            if (p + 1 > end) {
                break;
            }

            *p++ = (char) s[i];
            continue;
        }

        if (p + 4 > end) {
            break;
        }

        *p++ = '\\';
        *p++ = 'x';
        *p++ = hex[s[i] >> 4];
        *p++ = hex[s[i] & 0xf];
    }

    if (i < len && p + 3 <= end) {
        *p++ = '.';
        *p++ = '.';
        *p++ = '.';
    }

    *p = '\0';

    return buf;
}
