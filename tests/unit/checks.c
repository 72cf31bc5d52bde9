
/*
 * The unit tests' shared checks: the same check made by the groups of
 * several test files, each on its own cases (a parameter value through
 * the parse entry, a probe's verdict, a fixture composited in its format).
 */


#include <math.h>

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


/*
 * The PSNR (dB, RGB, 99: equal) of the overlay in out against ref, both
 * made from the same image, src and its truecolour twin: over the bounds
 * of the pixels ref changed from src.  libgd decodes the three (PNG or
 * GIF); -1 when it cannot, or nothing changed.
 */

double
check_overlay_psnr(const unsigned char *src, size_t slen,
    const unsigned char *ref, size_t rlen, const unsigned char *out,
    size_t olen)
{
    int                   i, x, y, x0, y0, x1, y1, a, b, d;
    size_t                n;
    double                sse, psnr;
    gdImagePtr            im[3];
    const unsigned char  *p;

    static const char  gif[] = "GIF";

    for (i = 0; i < 3; i++) {
        p = i == 0 ? src : i == 1 ? ref : out;
        n = i == 0 ? slen : i == 1 ? rlen : olen;

        im[i] = memcmp(p, gif, 3) == 0
                ? gdImageCreateFromGifPtr((int) n, (void *) p)
                : gdImageCreateFromPngPtr((int) n, (void *) p);
    }

    psnr = -1;

    if (im[0] == NULL || im[1] == NULL || im[2] == NULL
        || gdImageSX(im[0]) != gdImageSX(im[1])
        || gdImageSX(im[0]) != gdImageSX(im[2])
        || gdImageSY(im[0]) != gdImageSY(im[1])
        || gdImageSY(im[0]) != gdImageSY(im[2]))
    {
        goto done;
    }

    x0 = gdImageSX(im[0]);
    y0 = gdImageSY(im[0]);
    x1 = -1;
    y1 = -1;

    for (y = 0; y < gdImageSY(im[0]); y++) {
        for (x = 0; x < gdImageSX(im[0]); x++) {
            a = gdImageGetTrueColorPixel(im[0], x, y) & 0xffffff;
            b = gdImageGetTrueColorPixel(im[1], x, y) & 0xffffff;

            if (a != b) {
                x0 = x < x0 ? x : x0;
                y0 = y < y0 ? y : y0;
                x1 = x > x1 ? x : x1;
                y1 = y > y1 ? y : y1;
            }
        }
    }

    if (x1 < 0) {
        goto done;
    }

    sse = 0;

    for (y = y0; y <= y1; y++) {
        for (x = x0; x <= x1; x++) {
            a = gdImageGetTrueColorPixel(im[1], x, y);
            b = gdImageGetTrueColorPixel(im[2], x, y);

            for (i = 0; i < 24; i += 8) {
                d = ((a >> i) & 0xff) - ((b >> i) & 0xff);
                sse += (double) d * d;
            }
        }
    }

    psnr = sse == 0 ? 99
           : 10 * log10(255.0 * 255 * 3 * (x1 - x0 + 1) * (y1 - y0 + 1)
                        / sse);

done:

    for (i = 0; i < 3; i++) {
        if (im[i] != NULL) {
            gdImageDestroy(im[i]);
        }
    }

    return psnr;
}
