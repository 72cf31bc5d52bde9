
/*
 * Unit tests of ngx_http_overlay_core.c: the whole pipeline on real
 * images (the badge where it belongs, the rest the original within the
 * codec's loss), how it fails (a reason, a message, no output), and the
 * per-thread cache of rendered overlays.
 */


#include "unit.h"


static void composite(const char *name, ngx_http_overlay_format_e format,
    int tolerance);


void
test_core_composite(void)
{
    composite("rocket.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    composite("coffee.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    composite("thumb.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    composite("chelsea.png", NGX_HTTP_OVERLAY_FORMAT_PNG, 0);
}


/* the badge on the fixture name, kept in its format */

static void
composite(const char *name, ngx_http_overlay_format_e format,
    int tolerance)
{
    int                             x, y, w, h, red, far;
    size_t                          len;
    gdImagePtr                      in, out;
    unsigned char                  *data, value[64];
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    data = read_fixture(name, &len);

    ngx_http_overlay_options_init(&opts);

    memcpy(value, UNIT_B64, sizeof(UNIT_B64) - 1);
    rc = ngx_http_overlay_parse_value(value, sizeof(UNIT_B64) - 1, &opts,
                                      NULL, &spec, NULL, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "spec: %s", err.msg);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && blob.len > 0, "composite %s: %s",
          name, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        free(data);
        return;
    }

    CHECK(info.format == format, "%s: format", name);
    CHECK(ngx_http_overlay_codec_detect(blob.data, blob.len) == format,
          "%s: output format is the input's", name);

    in = decode_image(data, len);
    out = decode_image(blob.data, blob.len);

    CHECK(in != NULL && out != NULL, "%s: decode", name);

    if (in == NULL || out == NULL) {
        goto done;
    }

    w = gdImageSX(in);
    h = gdImageSY(in);

    CHECK(gdImageSX(out) == w && gdImageSY(out) == h, "%s: size", name);

    /* the badge's red fills the top-right corner, near the margin */

    red = 0;

    for (y = h / 20; y < h / 10; y++) {
        for (x = w - w / 5; x < w - w / 20; x++) {
            int  c = gdImageGetTrueColorPixel(out, x, y);

            if (gdTrueColorGetRed(c) > 150 && gdTrueColorGetGreen(c) < 90
                && gdTrueColorGetBlue(c) < 90)
            {
                red++;
            }
        }
    }

    CHECK(red > (h / 10 - h / 20) * (w / 5 - w / 20) / 3,
          "%s: %d red pixels in the top-right corner", name, red);

    /* the bottom-left quarter is the original, within the codec's loss */

    far = 0;

    for (y = h / 2; y < h; y++) {
        for (x = 0; x < w / 2; x++) {
            if (pixel_distance(gdImageGetTrueColorPixel(in, x, y),
                               gdImageGetTrueColorPixel(out, x, y))
                > tolerance)
            {
                far++;
            }
        }
    }

    CHECK(far < (w / 2) * (h / 2) / 100,
          "%s: %d pixels of the bottom-left quarter changed", name, far);

done:

    if (in != NULL) {
        gdImageDestroy(in);
    }

    if (out != NULL) {
        gdImageDestroy(out);
    }

    ngx_http_overlay_codec_free(&blob);
    free(data);
}


/* what cannot be composited: a reason, its message, and no output */

void
test_core_failures(void)
{
    size_t                          len, i;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char *const  missing[] = { "/nonexistent.ttf" };

    static const struct {
        const char             *name;
        ngx_http_overlay_rc_e   rc;
        const char             *msg;
    } cases[] = {
        { "corrupt.jpg", NGX_HTTP_OVERLAY_BAD_IMAGE, "jpeg: Bogus Huffman" },
        { "corrupt.png", NGX_HTTP_OVERLAY_BAD_IMAGE,
          "png: IDAT: invalid bit length repeat" },
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "x");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        data = read_fixture(cases[i].name, &len);

        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == cases[i].rc && blob.data == NULL
              && strstr(err.msg, cases[i].msg) != NULL,
              "%s: %s: %s", cases[i].name, ngx_http_overlay_reason(rc),
              err.msg);

        free(data);
    }

    rc = ngx_http_overlay_composite((const unsigned char *) "hello", 5,
                                    &spec, &opts, &info, &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_NOT_IMAGE, "text body");

    opts.codec.max_pixels = 1000;
    data = read_fixture("thumb.jpg", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE, "pixel limit: %s", err.msg);

    opts.codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;
    opts.render.fonts = missing;
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_RENDER_FAILED && blob.data == NULL,
          "missing font at render time: %s", err.msg);
    free(data);
}


/*
 * The rendered overlay is cached per thread: the same spec on an image of
 * the same size is drawn from the cache, byte for byte what the first
 * render gave; another text, size or font is another entry; at most 16
 * are kept; specs with image layers are not cached.
 */

void
test_core_tiles(void)
{
    int                             i;
    char                            text[32];
    size_t                          len;
    unsigned char                  *data;
    unsigned long                   hits, misses, hits0, misses0;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         first, again;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_tiles_flush();
    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Tiles!");

    data = read_fixture("rocket.jpg", &len);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &first,
                                    &err);
    ngx_http_overlay_tiles_count(&hits0, &misses0);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits0 == 0 && misses0 == 1,
          "tiles: first render: %s, %lu hits, %lu misses", err.msg, hits0,
          misses0);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &again,
                                    &err);
    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == 1 && misses == 1
          && again.len == first.len
          && memcmp(again.data, first.data, first.len) == 0,
          "tiles: the second render from the cache, the same bytes "
          "(%lu hits, %zu and %zu bytes)", hits, first.len, again.len);

    ngx_http_overlay_codec_free(&first);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&again);
    }

    /* a flushed cache renders the same bytes again */

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &first,
                                    &err);
    ngx_http_overlay_tiles_flush();
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &again,
                                    &err);
    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == 0 && misses == 1
          && again.len == first.len
          && memcmp(again.data, first.data, first.len) == 0,
          "tiles: rendered anew after a flush, the same bytes");
    ngx_http_overlay_codec_free(&first);
    ngx_http_overlay_codec_free(&again);

    /* 20 texts: 20 misses, then the last 16 are hits, the first 4 not */

    ngx_http_overlay_tiles_flush();

    for (i = 0; i < 20; i++) {
        snprintf(text, sizeof(text), "Text %d", i);
        one_text(&spec, &opts, text);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &first, &err);
        ngx_http_overlay_codec_free(&first);
    }

    for (i = 19; i >= 0; i--) {
        snprintf(text, sizeof(text), "Text %d", i);
        one_text(&spec, &opts, text);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &first, &err);
        ngx_http_overlay_codec_free(&first);
    }

    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(hits == 16 && misses == 24,
          "tiles: 16 kept of 20: %lu hits, %lu misses", hits, misses);

    /* another size is another entry */

    ngx_http_overlay_tiles_flush();
    one_text(&spec, &opts, "Tiles!");
    free(data);

    for (i = 0; i < 2; i++) {
        data = read_fixture(i ? "thumb.jpg" : "rocket.jpg", &len);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &first, &err);
        ngx_http_overlay_codec_free(&first);
        free(data);
    }

    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(hits == 0 && misses == 2, "tiles: two sizes, two entries");

    ngx_http_overlay_tiles_flush();
}
