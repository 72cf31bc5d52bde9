
/*
 * Unit tests of the core: parameter decoding, the spec, layout, codecs and
 * the whole pipeline on real images.  No nginx involved.
 *
 * usage: test_core FIXTURES_DIR
 * Prints one line per failure and a closing "N passed, N failed".
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ngx_http_overlay_core.h"


static unsigned     passed;
static unsigned     failed;
static const char  *fixtures;


#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)


typedef struct {
    const char             *value;
    ngx_http_overlay_rc_e   rc;
    const char             *text;       /* expected text, or message part */
} value_case_t;


static unsigned char *
read_fixture(const char *name, size_t *len)
{
    char            path[1024];
    long            size;
    FILE           *f;
    unsigned char  *data;

    snprintf(path, sizeof(path), "%s/%s", fixtures, name);

    f = fopen(path, "rb");
    if (f == NULL) {
        printf("cannot open %s\n", path);
        exit(2);
    }

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);

    data = malloc((size_t) size);
    if (data == NULL || fread(data, 1, (size_t) size, f) != (size_t) size) {
        printf("cannot read %s\n", path);
        exit(2);
    }

    fclose(f);
    *len = (size_t) size;

    return data;
}


static void
test_reasons(void)
{
    char  buf[32];

    CHECK(strcmp(ngx_http_overlay_reason(NGX_HTTP_OVERLAY_BAD_JSON),
                 "bad_json") == 0, "reason name");
    CHECK(strcmp(ngx_http_overlay_reason(NGX_HTTP_OVERLAY_NO_MEMORY),
                 "no_memory") == 0, "last reason name");
    CHECK(strcmp(ngx_http_overlay_reason((ngx_http_overlay_rc_e) 999),
                 "unknown") == 0, "out of range reason");

    ngx_http_overlay_quote(buf, sizeof(buf),
                           (const unsigned char *) "a\"\n\xc3", 4, 32);
    CHECK(strcmp(buf, "a\\x22\\x0a\\xc3") == 0, "quote escapes: %s", buf);

    ngx_http_overlay_quote(buf, sizeof(buf),
                           (const unsigned char *) "abcdefgh", 8, 3);
    CHECK(strcmp(buf, "abc...") == 0, "quote cuts: %s", buf);

    ngx_http_overlay_quote(buf, 6, (const unsigned char *) "\x01\x02", 2, 9);
    CHECK(strcmp(buf, "\\x01") == 0, "quote bounded by size: %s", buf);
}


static void
test_values(void)
{
    size_t                    i;
    char                      deep[20010];
    char                      long_text[200], value[400];
    clock_t                   start;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_spec_t   spec;
    ngx_http_overlay_error_t  err;

    static const value_case_t  cases[] = {
        /* {"overlay":"Last Chance!"} */
        { "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0", NGX_HTTP_OVERLAY_OK,
          "Last Chance!" },
        /* the same, padded */
        { "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0=", NGX_HTTP_OVERLAY_OK,
          "Last Chance!" },
        /* {"overlay":"\u00dcber"}, with "_" and "-" of base64url */
        { "eyJvdmVybGF5IjoiXHUwMGRjYmVyIn0", NGX_HTTP_OVERLAY_OK,
          "\xc3\x9c" "ber" },
        /* {"overlay":"?>?"}: "?>" encodes with "-" and "_" */
        { "eyJvdmVybGF5IjoiPz4_In0", NGX_HTTP_OVERLAY_OK, "?>?" },
        /* {"overlay":"ab"}, two "=" */
        { "eyJvdmVybGF5IjoiYWIifQ==", NGX_HTTP_OVERLAY_OK, "ab" },
        { "", NGX_HTTP_OVERLAY_BAD_ENCODING, "empty" },
        { "garbage!!", NGX_HTTP_OVERLAY_BAD_ENCODING, "impossible" },
        { "eyJv*mVy", NGX_HTTP_OVERLAY_BAD_ENCODING, "\"*\" at offset 4" },
        /* the standard alphabet's "+" and "/" are not base64url */
        { "eyJvdmVy+GF5", NGX_HTTP_OVERLAY_BAD_ENCODING, "\"+\"" },
        { "eyJv=mVy", NGX_HTTP_OVERLAY_BAD_ENCODING, "\"=\"" },
        { "eyJvdmVy=", NGX_HTTP_OVERLAY_BAD_ENCODING, "padding" },
        { "abc=", NGX_HTTP_OVERLAY_BAD_JSON, "" },
        /* a Python bytes literal: repaired by a later issue */
        { "b'eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0'",
          NGX_HTTP_OVERLAY_BAD_ENCODING, "\"'\" at offset 1" },
        /* "hello world" */
        { "aGVsbG8gd29ybGQ", NGX_HTTP_OVERLAY_BAD_JSON, "expected" },
        /* ["Last Chance!"] */
        { "WyJMYXN0IENoYW5jZSEiXQ", NGX_HTTP_OVERLAY_BAD_JSON, "an array" },
        /* "Last Chance!" */
        { "Ikxhc3QgQ2hhbmNlISI", NGX_HTTP_OVERLAY_BAD_JSON, "" },
        /* {} */
        { "e30", NGX_HTTP_OVERLAY_BAD_SPEC, "no \"overlay\"" },
        /* {"text":"Last Chance!"} */
        { "eyJ0ZXh0IjoiTGFzdCBDaGFuY2UhIn0", NGX_HTTP_OVERLAY_BAD_SPEC,
          "unknown key \"text\"" },
        /* {"overlay":42} */
        { "eyJvdmVybGF5Ijo0Mn0", NGX_HTTP_OVERLAY_BAD_SPEC, "a number" },
        /* {"overlay":null} */
        { "eyJvdmVybGF5IjpudWxsfQ", NGX_HTTP_OVERLAY_BAD_SPEC, "null" },
        /* {"overlay":{"text":"x"}} */
        { "eyJvdmVybGF5Ijp7InRleHQiOiJ4In19", NGX_HTTP_OVERLAY_BAD_SPEC,
          "an object" },
        /* {"overlay":""} */
        { "eyJvdmVybGF5IjoiIn0", NGX_HTTP_OVERLAY_BAD_SPEC, "empty" },
        /* {"overlay":"a\nb"} */
        { "eyJvdmVybGF5IjoiYVxuYiJ9", NGX_HTTP_OVERLAY_BAD_SPEC,
          "control character at byte 1" },
        /* {"overlay":"a","overlay":"b"} */
        { "eyJvdmVybGF5IjoiYSIsIm92ZXJsYXkiOiJiIn0", NGX_HTTP_OVERLAY_BAD_JSON,
          "duplicate" },
        /* {"overlay":"a"} x */
        { "eyJvdmVybGF5IjoiYSJ9IHg", NGX_HTTP_OVERLAY_BAD_JSON, "end of" },
        /* {"overlay":"a\u0000b"} */
        { "eyJvdmVybGF5IjoiYVx1MDAwMGIifQ", NGX_HTTP_OVERLAY_BAD_JSON, "" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&err, 0, sizeof(err));

        rc = ngx_http_overlay_parse_value(
                 (const unsigned char *) cases[i].value,
                 strlen(cases[i].value), &spec, &err);

        CHECK(rc == cases[i].rc, "value %zu \"%s\": rc %s, expected %s (%s)",
              i, cases[i].value, ngx_http_overlay_reason(rc),
              ngx_http_overlay_reason(cases[i].rc), err.msg);

        if (rc != cases[i].rc) {
            continue;
        }

        if (rc == NGX_HTTP_OVERLAY_OK) {
            CHECK(spec.nlayers == 1
                  && strcmp(spec.layers[0].text, cases[i].text) == 0
                  && spec.layers[0].len == strlen(cases[i].text),
                  "value %zu: text \"%s\"", i, spec.layers[0].text);

        } else {
            CHECK(err.code == rc && strstr(err.msg, cases[i].text) != NULL,
                  "value %zu: message \"%s\" lacks \"%s\"", i, err.msg,
                  cases[i].text);
        }
    }

    /* 128 characters (two bytes each) pass; 129 do not */

    for (i = 0; i < 2; i++) {
        size_t  n, j;
        char    json[600];

        n = 128 + i;
        strcpy(json, "{\"overlay\":\"");

        for (j = 0; j < n; j++) {
            strcat(json, "\xc3\xa9");
        }

        strcat(json, "\"}");

        rc = ngx_http_overlay_spec_parse((const unsigned char *) json,
                                         strlen(json), &spec, &err);
        CHECK(rc == (i == 0 ? NGX_HTTP_OVERLAY_OK
                            : NGX_HTTP_OVERLAY_BAD_SPEC),
              "%zu characters: %s", n, ngx_http_overlay_reason(rc));
    }

    /* a value decoding to more than the limit is refused undecoded */

    memset(long_text, 'A', sizeof(long_text));
    rc = ngx_http_overlay_param_decode((const unsigned char *) long_text,
                                       sizeof(long_text),
                                       (unsigned char *) value, 100, &i,
                                       &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "150 bytes") != NULL,
          "too large: %s", err.msg);

    /* 20000 nested arrays are refused quickly, not parsed */

    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';

    start = clock();
    rc = ngx_http_overlay_spec_parse((const unsigned char *) deep,
                                     strlen(deep), &spec, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_JSON, "deep nesting: %s",
          ngx_http_overlay_reason(rc));
    CHECK((double) (clock() - start) / CLOCKS_PER_SEC < 0.1,
          "deep nesting took too long");
}


static void
test_detect_probe(void)
{
    size_t                          len;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    static unsigned char  flood_png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
        0, 0, 0, 13, 'I', 'H', 'D', 'R',
        0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20,        /* 20000 x 20000 */
        8, 2, 0, 0, 0, 0, 0, 0, 0
    };

    static unsigned char  flood_jpeg[] = {
        0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0,         /* SOI, short APP0 */
        0xff, 0xc0, 0, 11, 8, 0xfd, 0xe8, 0xfd, 0xe8, 1, 1, 0x11, 0
    };                                              /* 65000 x 65000 */

    static unsigned char  no_frame_jpeg[] = {
        0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xda, 0, 2
    };

    conf.jpeg_quality = 85;
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "\xff\xd8\xff",
                                        3)
          == NGX_HTTP_OVERLAY_FORMAT_JPEG, "detect jpeg");
    CHECK(ngx_http_overlay_codec_detect(flood_png, 8)
          == NGX_HTTP_OVERLAY_FORMAT_PNG, "detect png");
    CHECK(ngx_http_overlay_codec_detect(flood_png, 7)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "short png magic");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "GIF89a", 6)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "gif is not handled yet");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "", 0)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "empty");

    data = read_fixture("rocket.jpg", &len);
    rc = ngx_http_overlay_codec_probe(data, len, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && info.format
          == NGX_HTTP_OVERLAY_FORMAT_JPEG && info.width == 640
          && info.height == 427, "probe rocket.jpg: %ux%u", info.width,
          info.height);

    /* the headers alone, without the scan data, are enough */

    rc = ngx_http_overlay_codec_probe(data, 2000, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && info.width == 640,
          "probe a truncated jpeg: %s", err.msg);
    free(data);

    data = read_fixture("chelsea.png", &len);
    rc = ngx_http_overlay_codec_probe(data, len, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && info.format
          == NGX_HTTP_OVERLAY_FORMAT_PNG && info.width == 451
          && info.height == 300, "probe chelsea.png");
    free(data);

    rc = ngx_http_overlay_codec_probe(flood_png, sizeof(flood_png), &conf,
                                      &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "20000x20000") != NULL,
          "png pixel flood: %s", err.msg);

    rc = ngx_http_overlay_codec_probe(flood_jpeg, sizeof(flood_jpeg), &conf,
                                      &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "65000x65000") != NULL,
          "jpeg pixel flood: %s", err.msg);

    rc = ngx_http_overlay_codec_probe(no_frame_jpeg, sizeof(no_frame_jpeg),
                                      &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "jpeg without a frame: %s",
          ngx_http_overlay_reason(rc));

    rc = ngx_http_overlay_codec_probe(flood_png, 20, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "png cut in IHDR");

    rc = ngx_http_overlay_codec_probe((const unsigned char *) "<html>", 6,
                                      &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_NOT_IMAGE, "html is not an image");
}


static void
test_fonts_layout(void)
{
    int                        shorter;
    double                     ratio[2];
    unsigned                   i;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_spec_t    spec;
    ngx_http_overlay_error_t   err;
    ngx_http_overlay_layout_t  layout, other;

    static const int  sizes[2][2] = { { 320, 180 }, { 3840, 2160 } };

    rc = ngx_http_overlay_font_check(NGX_HTTP_OVERLAY_DEFAULT_FONT, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "default font: %s", err.msg);

    rc = ngx_http_overlay_font_check("/nonexistent/font.ttf", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK, "missing font accepted");

    rc = ngx_http_overlay_font_check("/etc/passwd", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK, "/etc/passwd accepted as a font");

    rc = ngx_http_overlay_font_check("/tmp/a;b.ttf", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK && strstr(err.msg, "\";\"") != NULL,
          "font path with \";\": %s", err.msg);

    memset(&spec, 0, sizeof(spec));
    strcpy(spec.layers[0].text, "Last Chance!");
    spec.layers[0].len = strlen(spec.layers[0].text);
    spec.nlayers = 1;

    /* top-right, inside the image; the same proportions at any size */

    for (i = 0; i < 2; i++) {
        rc = ngx_http_overlay_render_layout(&layout, &spec,
                                            NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                            sizes[i][0], sizes[i][1], &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "layout %d: %s", sizes[i][0],
              err.msg);

        shorter = sizes[i][1];

        CHECK(layout.layers[0].box.x > sizes[i][0] / 2
              && layout.layers[0].box.x + layout.layers[0].box.w
                 < sizes[i][0]
              && layout.layers[0].box.y > 0
              && layout.layers[0].box.y + layout.layers[0].box.h
                 < sizes[i][1] / 2,
              "badge of %dx%d not in the top-right corner: %d,%d %dx%d",
              sizes[i][0], sizes[i][1], layout.layers[0].box.x,
              layout.layers[0].box.y, layout.layers[0].box.w,
              layout.layers[0].box.h);

        CHECK(layout.bounds.x == layout.layers[0].box.x
              && layout.bounds.w == layout.layers[0].box.w,
              "bounds are the badge's");

        ratio[i] = (double) layout.layers[0].box.h / shorter;
    }

    CHECK(ratio[0] / ratio[1] > 0.85 && ratio[0] / ratio[1] < 1.15,
          "badge height / shorter side: %.3f on a thumbnail, %.3f in 4K",
          ratio[0], ratio[1]);

    /* a text too long shrinks, and nothing is outside the image */

    memset(spec.layers[0].text, 'W', 100);
    spec.layers[0].text[100] = '\0';
    spec.layers[0].len = 100;

    rc = ngx_http_overlay_render_layout(&layout, &spec,
                                        NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                        320, 180, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x >= 0
          && layout.layers[0].box.x + layout.layers[0].box.w <= 320
          && layout.layers[0].font_px < 180 * 0.06,
          "long text: box at %d, width %d, %.1f px",
          layout.layers[0].box.x, layout.layers[0].box.w,
          layout.layers[0].font_px);

    /* "&#65;" is drawn as five characters, not as the entity "A" */

    strcpy(spec.layers[0].text, "&#65;");
    spec.layers[0].len = 5;
    rc = ngx_http_overlay_render_layout(&layout, &spec,
                                        NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                        640, 480, &err);
    strcpy(spec.layers[0].text, "A");
    spec.layers[0].len = 1;
    rc |= ngx_http_overlay_render_layout(&other, &spec,
                                         NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                         640, 480, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && layout.layers[0].box.w > 2 * other.layers[0].box.w,
          "entity text: %d vs %d", layout.layers[0].box.w,
          other.layers[0].box.w);

    rc = ngx_http_overlay_render_layout(&layout, &spec,
                                        NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                        0, 10, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "layout of an empty image");
}


static int
pixel_distance(int a, int b)
{
    return abs(gdTrueColorGetRed(a) - gdTrueColorGetRed(b))
           + abs(gdTrueColorGetGreen(a) - gdTrueColorGetGreen(b))
           + abs(gdTrueColorGetBlue(a) - gdTrueColorGetBlue(b));
}


static void
test_composite(const char *name, ngx_http_overlay_format_e format,
    int tolerance)
{
    int                             x, y, w, h, red, far;
    size_t                          len;
    gdImagePtr                      in, out;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    data = read_fixture(name, &len);

    rc = ngx_http_overlay_parse_value(
             (const unsigned char *) "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0",
             35, &spec, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "spec: %s", err.msg);

    opts.font = NGX_HTTP_OVERLAY_DEFAULT_FONT;
    opts.codec.jpeg_quality = 85;
    opts.codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

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

    if (format == NGX_HTTP_OVERLAY_FORMAT_JPEG) {
        in = gdImageCreateFromJpegPtr((int) len, data);
        out = gdImageCreateFromJpegPtr((int) blob.len, blob.data);

    } else {
        in = gdImageCreateFromPngPtr((int) len, data);
        out = gdImageCreateFromPngPtr((int) blob.len, blob.data);
    }

    CHECK(in != NULL && out != NULL, "%s: decode", name);

    if (in == NULL || out == NULL) {
        goto done;
    }

    if (!gdImageTrueColor(in)) {
        gdImagePaletteToTrueColor(in);
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


static void
test_failures(void)
{
    size_t                          len, i;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const struct {
        const char             *name;
        ngx_http_overlay_rc_e   rc;
        const char             *msg;
    } cases[] = {
        { "corrupt.jpg", NGX_HTTP_OVERLAY_BAD_IMAGE, "Huffman" },
        { "corrupt.png", NGX_HTTP_OVERLAY_BAD_IMAGE, "libpng" },
    };

    memset(&spec, 0, sizeof(spec));
    strcpy(spec.layers[0].text, "x");
    spec.layers[0].len = 1;
    spec.nlayers = 1;

    opts.font = NGX_HTTP_OVERLAY_DEFAULT_FONT;
    opts.codec.jpeg_quality = 85;
    opts.codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

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
    free(data);

    opts.codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;
    opts.font = "/nonexistent.ttf";
    data = read_fixture("thumb.jpg", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_RENDER_FAILED && blob.data == NULL,
          "missing font at render time: %s", err.msg);
    free(data);
}


int
main(int argc, char **argv)
{
    fixtures = argc > 1 ? argv[1] : "t/fixtures";

    ngx_http_overlay_render_init();

    test_reasons();
    test_values();
    test_detect_probe();
    test_fonts_layout();
    test_composite("rocket.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    test_composite("coffee.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    test_composite("thumb.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    test_composite("chelsea.png", NGX_HTTP_OVERLAY_FORMAT_PNG, 0);
    test_failures();

    gdFontCacheShutdown();

    printf("%u passed, %u failed\n", passed, failed);

    return failed ? 1 : 0;
}
