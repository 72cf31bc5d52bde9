
/*
 * Unit tests of ngx_http_overlay_sign.c: the signature of a value as
 * Python's hmac makes it, and its verification with several keys, before
 * the JSON is parsed (through ngx_http_overlay_parse_value()).
 */


#include "unit.h"


#define B   UNIT_B64


static const char  json[] = "{\"overlay\":\"Last Chance!\"}";
static const char  uri[] = "/img/rocket.jpg";
static const char  python[] = "pi4DQjuMr1NxdwZsxu65LWjEpgYTs5Lelxu0GIIHeD8";

static const ngx_http_overlay_key_t  keys[] = {
    { (const unsigned char *) "the new key, not yet used", 25 },
    { (const unsigned char *) "first key of the catalogue", 26 },
};


/* the signature as Python's hmac makes it, for the same key and message */

void
test_sign_hmac(void)
{
    char  sig[NGX_HTTP_OVERLAY_SIG_LEN + 1];

    ngx_http_overlay_sign(&keys[1], (const unsigned char *) uri,
                          sizeof(uri) - 1, (const unsigned char *) json,
                          sizeof(json) - 1, sig);
    CHECK(strcmp(sig, python) == 0, "HMAC-SHA256: %s", sig);
}


void
test_sign_verify(void)
{
    size_t                      len;
    unsigned                    repairs;
    unsigned char               buf[256];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_signed_t   req;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);
    opts.keys = keys;
    opts.nkeys = 2;

    req.uri = (const unsigned char *) uri;
    req.uri_len = sizeof(uri) - 1;
    req.sig = (const unsigned char *) python;
    req.sig_len = sizeof(python) - 1;

    /* any key verifies; the JSON's encoding does not matter */

    memcpy(buf, B, sizeof(B) - 1);
    rc = ngx_http_overlay_parse_value(buf, sizeof(B) - 1, &opts, &req,
                                      &spec, &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "signed, second key: %s", err.msg);

    len = (size_t) snprintf((char *) buf, sizeof(buf), "b'%s='", B);
    rc = ngx_http_overlay_parse_value(buf, len, &opts, &req, &spec,
                                      &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "signed, as a padded bytes literal: %s",
          err.msg);

    /* another image, another signature, none */

    req.uri = (const unsigned char *) "/img/coffee.jpg";
    memcpy(buf, B, sizeof(B) - 1);
    rc = ngx_http_overlay_parse_value(buf, sizeof(B) - 1, &opts, &req,
                                      &spec, &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SIGNATURE
          && strstr(err.msg, "matches no key") != NULL,
          "replayed on another image: %s", err.msg);

    req.uri = (const unsigned char *) uri;
    req.sig = (const unsigned char *)
              "pi4DQjuMr1NxdwZsxu65LWjEpgYTs5Lelxu0GIIHeD9";
    memcpy(buf, B, sizeof(B) - 1);
    rc = ngx_http_overlay_parse_value(buf, sizeof(B) - 1, &opts, &req,
                                      &spec, &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SIGNATURE, "a changed signature");

    req.sig_len = 10;
    memcpy(buf, B, sizeof(B) - 1);
    rc = ngx_http_overlay_parse_value(buf, sizeof(B) - 1, &opts, &req,
                                      &spec, &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SIGNATURE
          && strstr(err.msg, "10 characters") != NULL, "short: %s",
          err.msg);

    memcpy(buf, B, sizeof(B) - 1);
    rc = ngx_http_overlay_parse_value(buf, sizeof(B) - 1, &opts, NULL,
                                      &spec, &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SIGNATURE
          && strstr(err.msg, "not signed") != NULL, "unsigned: %s", err.msg);

    /* verified before JSON is parsed: bad JSON, well signed or not, is a
     * bad signature first */

    memcpy(buf, "e30", 3);
    req.sig = (const unsigned char *) python;
    req.sig_len = sizeof(python) - 1;
    rc = ngx_http_overlay_parse_value(buf, 3, &opts, &req, &spec, &repairs,
                                      &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SIGNATURE, "{} unsigned: %s",
          ngx_http_overlay_reason(rc));
}
