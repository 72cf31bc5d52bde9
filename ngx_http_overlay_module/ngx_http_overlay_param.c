
/*
 * ngx_http_overlay_module: decoding of the overlay parameter's value.
 */


#include <string.h>

#include "ngx_http_overlay_param.h"


#define NGX_HTTP_OVERLAY_B64_BAD     0xff
#define NGX_HTTP_OVERLAY_B64_URL     0x100
#define NGX_HTTP_OVERLAY_B64_STD     0x200


static size_t ngx_http_overlay_percent_decode(unsigned char *buf,
    size_t len);
static int ngx_http_overlay_hex(unsigned char c);
static int ngx_http_overlay_space(unsigned char c);
static ngx_http_overlay_rc_e ngx_http_overlay_base64_decode(
    unsigned char *p, size_t len, size_t max, size_t *out_len,
    unsigned *repairs, ngx_http_overlay_error_t *err);
static unsigned ngx_http_overlay_b64_value(unsigned char c);


static const char  *ngx_http_overlay_repair_names[] = {
    "surrounding white space",
    "bytes literal",
    "standard alphabet",
    "spaces for \"+\"",
    "raw JSON"
};


ngx_http_overlay_rc_e
ngx_http_overlay_param_decode(unsigned char *buf, size_t len, size_t max,
    ngx_http_overlay_param_t *param, ngx_http_overlay_error_t *err)
{
    size_t                 n, trimmed;
    unsigned char         *p, q;
    ngx_http_overlay_rc_e  rc;

    param->json = NULL;
    param->len = 0;
    param->repairs = 0;

    /* base64 of max bytes, percent-encoded, and some white space */

    if (len > (max / 3 + 1) * 4 * 3 + 64) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "value of %zu bytes, more than a "
                                      "spec of %zu bytes can take", len,
                                      max);
    }

    n = ngx_http_overlay_percent_decode(buf, len);
    p = buf;

    trimmed = n;

    while (n > 0 && ngx_http_overlay_space(p[0])) {
        p++;
        n--;
    }

    while (n > 0 && ngx_http_overlay_space(p[n - 1])) {
        n--;
    }

    if (n != trimmed) {
        param->repairs |= NGX_HTTP_OVERLAY_REPAIR_TRIM;
    }

    if (n == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                      "empty value");
    }

    if (n >= 3 && p[0] == 'b' && (p[1] == '\'' || p[1] == '"')) {
        q = p[1];

        if (p[n - 1] != q) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                          "bytes literal b%c... without "
                                          "its closing %c", q, q);
        }

        p += 2;
        n -= 3;
        param->repairs |= NGX_HTTP_OVERLAY_REPAIR_BYTES;

        if (n == 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                          "empty bytes literal");
        }
    }

    if (p[0] == '{') {

        if (n > max) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                          "JSON of %zu bytes, more than "
                                          "the %zu allowed", n, max);
        }

        param->repairs |= NGX_HTTP_OVERLAY_REPAIR_RAW_JSON;
        param->json = p;
        param->len = n;

        return NGX_HTTP_OVERLAY_OK;
    }

    rc = ngx_http_overlay_base64_decode(p, n, max, &param->len,
                                        &param->repairs, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    param->json = p;

    return NGX_HTTP_OVERLAY_OK;
}


static size_t
ngx_http_overlay_percent_decode(unsigned char *buf, size_t len)
{
    int             hi, lo;
    size_t          i;
    unsigned char  *d;

    d = buf;

    for (i = 0; i < len; i++) {

        if (buf[i] == '%' && i + 2 < len) {
            hi = ngx_http_overlay_hex(buf[i + 1]);
            lo = ngx_http_overlay_hex(buf[i + 2]);

            if (hi >= 0 && lo >= 0) {
                *d++ = (unsigned char) (hi << 4 | lo);
                i += 2;
                continue;
            }
        }

        *d++ = buf[i];
    }

    return (size_t) (d - buf);
}


static int
ngx_http_overlay_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static int
ngx_http_overlay_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


static ngx_http_overlay_rc_e
ngx_http_overlay_base64_decode(unsigned char *p, size_t len, size_t max,
    size_t *out_len, unsigned *repairs, ngx_http_overlay_error_t *err)
{
    char            quoted[16];
    size_t          i, n, pad, decoded;
    unsigned        v, acc, bits, seen;
    unsigned char  *d, c;

    pad = 0;

    while (pad < 2 && pad < len && p[len - pad - 1] == '=') {
        pad++;
    }

    n = len - pad;

    if (pad && len % 4 != 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                      "base64 padding at length %zu", len);
    }

    decoded = n / 4 * 3 + (n % 4 > 1 ? n % 4 - 1 : 0);

    if (decoded > max) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "value decodes to %zu bytes, "
                                      "more than the %zu allowed",
                                      decoded, max);
    }

    /* decoding in place: the output never overtakes the input */

    d = p;
    acc = 0;
    bits = 0;
    seen = 0;

    for (i = 0; i < n; i++) {
        c = p[i];

        if (c == ' ') {
            c = '+';
            *repairs |= NGX_HTTP_OVERLAY_REPAIR_SPACE;
        }

        v = ngx_http_overlay_b64_value(c);

        if (v == NGX_HTTP_OVERLAY_B64_BAD) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                       "character \"%s\" at offset %zu is not base64",
                       ngx_http_overlay_quote(quoted, sizeof(quoted),
                                              &p[i], 1, 1),
                       i);
        }

        seen |= v & (NGX_HTTP_OVERLAY_B64_URL | NGX_HTTP_OVERLAY_B64_STD);

        if (seen == (NGX_HTTP_OVERLAY_B64_URL | NGX_HTTP_OVERLAY_B64_STD)) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                          "base64 mixing the URL-safe and "
                                          "the standard alphabets at "
                                          "offset %zu", i);
        }

        acc = (acc << 6) | (v & 0x3f);
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            *d++ = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    if (n % 4 == 1) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_ENCODING,
                                      "base64 length %zu is impossible", n);
    }

    if (seen & NGX_HTTP_OVERLAY_B64_STD) {
        *repairs |= NGX_HTTP_OVERLAY_REPAIR_STANDARD;
    }

    *out_len = (size_t) (d - p);

    return NGX_HTTP_OVERLAY_OK;
}


static unsigned
ngx_http_overlay_b64_value(unsigned char c)
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

    switch (c) {

    case '-':
        return 62 | NGX_HTTP_OVERLAY_B64_URL;

    case '_':
        return 63 | NGX_HTTP_OVERLAY_B64_URL;

    case '+':
        return 62 | NGX_HTTP_OVERLAY_B64_STD;

    case '/':
        return 63 | NGX_HTTP_OVERLAY_B64_STD;

    default:
        return NGX_HTTP_OVERLAY_B64_BAD;
    }
}


char *
ngx_http_overlay_repairs_text(char *buf, size_t size, unsigned repairs)
{
    size_t    n, len;
    unsigned  i;

    if (size == 0) {
        return buf;
    }

    n = 0;
    buf[0] = '\0';

    for (i = 0;
         i < sizeof(ngx_http_overlay_repair_names) / sizeof(char *);
         i++)
    {
        if (!(repairs & (1u << i))) {
            continue;
        }

        len = strlen(ngx_http_overlay_repair_names[i]);

        if (n + len + 3 > size) {
            break;
        }

        if (n > 0) {
            memcpy(&buf[n], ", ", 2);
            n += 2;
        }

        memcpy(&buf[n], ngx_http_overlay_repair_names[i], len + 1);
        n += len;
    }

    return buf;
}
