
/*
 * ngx_http_overlay_module: decoding of the overlay parameter's value.
 */


#include <string.h>

#include "ngx_http_overlay_param.h"


#define NGX_HTTP_OVERLAY_B64_BAD  0xff


static unsigned ngx_http_overlay_b64url_value(unsigned char c);


ngx_http_overlay_rc_e
ngx_http_overlay_param_decode(const unsigned char *value, size_t len,
    unsigned char *out, size_t size, size_t *out_len,
    ngx_http_overlay_error_t *err)
{
    char           quoted[48];
    size_t         i, n, pad, decoded;
    unsigned       v, acc, bits;
    unsigned char  *p;

    if (len == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                      "empty value");
    }

    /* up to two "=" of padding, only where they complete a quantum */

    pad = 0;

    while (pad < 2 && pad < len && value[len - pad - 1] == '=') {
        pad++;
    }

    n = len - pad;

    if (pad && len % 4 != 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                      "base64 padding at length %zu", len);
    }

    if (n % 4 == 1) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                      "base64 length %zu is impossible", n);
    }

    decoded = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);

    if (decoded > size) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "value decodes to %zu bytes, "
                                      "more than the %zu allowed",
                                      decoded, size);
    }

    p = out;
    acc = 0;
    bits = 0;

    for (i = 0; i < n; i++) {
        v = ngx_http_overlay_b64url_value(value[i]);

        if (v == NGX_HTTP_OVERLAY_B64_BAD) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                       "character \"%s\" at offset %zu is not base64url",
                       ngx_http_overlay_quote(quoted, sizeof(quoted),
                                              &value[i], 1, 1),
                       i);
        }

        acc = (acc << 6) | v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            *p++ = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    *out_len = (size_t) (p - out);

    return NGX_HTTP_OVERLAY_OK;
}


static unsigned
ngx_http_overlay_b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (c == '-') {
        return 62;
    }

    if (c == '_') {
        return 63;
    }

    return NGX_HTTP_OVERLAY_B64_BAD;
}
