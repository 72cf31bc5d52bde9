
/*
 * Unit tests of ngx_http_overlay_error.c: the reasons' names, and the
 * quoting of untrusted bytes into messages.
 */


#include "unit.h"


void
test_error_reasons(void)
{
    CHECK(strcmp(ngx_http_overlay_reason(NGX_HTTP_OVERLAY_BAD_JSON),
                 "bad_json") == 0, "reason name");
    CHECK(strcmp(ngx_http_overlay_reason(NGX_HTTP_OVERLAY_NO_MEMORY),
                 "no_memory") == 0, "last reason name");
    CHECK(strcmp(ngx_http_overlay_reason((ngx_http_overlay_rc_e) 999),
                 "unknown") == 0, "out of range reason");
}


void
test_error_quote(void)
{
    char  buf[32];

    ngx_http_overlay_quote(buf, sizeof(buf),
                           (const unsigned char *) "a\"\n\xc3", 4, 32);
    CHECK(strcmp(buf, "a\\x22\\x0a\\xc3") == 0, "quote escapes: %s", buf);

    ngx_http_overlay_quote(buf, sizeof(buf),
                           (const unsigned char *) "abcdefgh", 8, 3);
    CHECK(strcmp(buf, "abc...") == 0, "quote cuts: %s", buf);

    ngx_http_overlay_quote(buf, 6, (const unsigned char *) "\x01\x02", 2, 9);
    CHECK(strcmp(buf, "\\x01") == 0, "quote bounded by size: %s", buf);
}
