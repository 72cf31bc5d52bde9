
/*
 * The unit tests' shared checks: the same check made by the groups of
 * several test files, each on its own cases (a parameter value through
 * the parse entry, a probe's verdict, a fixture composited in its format).
 */


#include "unit.h"


void
check_values(const value_case_t *cases, size_t n)
{
    char                       *dump;
    size_t                      i, len;
    unsigned                    repairs;
    unsigned char               buf[8192];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);

    for (i = 0; i < n; i++) {
        memset(&err, 0, sizeof(err));

        len = strlen(cases[i].value);
        memcpy(buf, cases[i].value, len);

        repairs = 0;
        rc = ngx_http_overlay_parse_value(buf, len, &opts, NULL, &spec,
                                          &repairs, &err);

        CHECK(rc == cases[i].rc,
              "value %zu \"%s\": rc %s, expected %s (%s)", i,
              cases[i].value, ngx_http_overlay_reason(rc),
              ngx_http_overlay_reason(cases[i].rc), err.msg);

        if (rc != cases[i].rc) {
            continue;
        }

        if (rc == NGX_HTTP_OVERLAY_OK) {
            dump = ngx_http_overlay_spec_dump(&spec, &opts.spec);
            CHECK(dump != NULL && strstr(dump, cases[i].expect) != NULL,
                  "value %zu: \"%s\" lacks \"%s\"", i, dump,
                  cases[i].expect);
            free(dump);

        } else {
            CHECK(err.code == rc
                  && strstr(err.msg, cases[i].expect) != NULL,
                  "value %zu: message \"%s\" lacks \"%s\"", i, err.msg,
                  cases[i].expect);
        }

        CHECK(repairs == cases[i].repairs,
              "value %zu: repairs %#x, expected %#x", i, repairs,
              cases[i].repairs);
    }
}


void
check_probe(const char *name, const unsigned char *p, size_t len,
    ngx_http_overlay_rc_e want, const char *msg)
{
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    memset(&conf, 0, sizeof(conf));
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    err.msg[0] = '\0';

    rc = ngx_http_overlay_codec_probe(p, len, &conf, &info, &err);
    CHECK(rc == want && (rc == NGX_HTTP_OVERLAY_OK
                         || strstr(err.msg, msg) != NULL),
          "%s: %s: %s", name, ngx_http_overlay_reason(rc), err.msg);
}


void
check_format(const char *name, ngx_http_overlay_rc_e want,
    ngx_http_overlay_format_e format, const char *msg)
{
    size_t                          len;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    data = read_fixture(name, &len);

    CHECK(ngx_http_overlay_codec_detect(data, len) == format,
          "%s: detected", name);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == want
          && (rc == NGX_HTTP_OVERLAY_OK || strstr(err.msg, msg) != NULL),
          "%s: %s: %s", name, ngx_http_overlay_reason(rc), err.msg);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        CHECK(ngx_http_overlay_codec_detect(blob.data, blob.len) == format
              && info.width == 320 && info.height == 180, "%s: %ux%u out",
              name, info.width, info.height);
        ngx_http_overlay_codec_free(&blob);
    }

    free(data);
}
