
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
#include <limits.h>
#include <math.h>
#include <time.h>

#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_layout.h"
#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_codec_png.h"
#include "ngx_http_overlay_jpeg_splice.h"
#include "ngx_http_overlay_jpeg_splice_int.h"


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



typedef struct {
    const char             *value;
    ngx_http_overlay_rc_e   rc;
    const char             *expect;     /* the normalized spec, or a part
                                           of the message */
    unsigned                repairs;
} value_case_t;


#define T   "{\"overlay\":\"Last Chance!\"}"
#define B   "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0"      /* T, base64url */
#define LC  "\"text\":\"Last Chance!\",\"style\":\"badge\","                  \
            "\"position\":\"top-right\""

#define R_TRIM   NGX_HTTP_OVERLAY_REPAIR_TRIM
#define R_BYTES  NGX_HTTP_OVERLAY_REPAIR_BYTES
#define R_STD    NGX_HTTP_OVERLAY_REPAIR_STANDARD
#define R_SPACE  NGX_HTTP_OVERLAY_REPAIR_SPACE
#define R_RAW    NGX_HTTP_OVERLAY_REPAIR_RAW_JSON

#define OK       NGX_HTTP_OVERLAY_OK
#define ENC      NGX_HTTP_OVERLAY_BAD_ENCODING
#define BIG      NGX_HTTP_OVERLAY_TOO_LARGE
#define JSON     NGX_HTTP_OVERLAY_BAD_JSON
#define SPEC     NGX_HTTP_OVERLAY_BAD_SPEC


/*
 * Every form a producer has sent, and every way a spec can be wrong: the
 * value as it comes in the URL, the outcome, and what the normalized spec
 * contains or the message says.
 */

static const value_case_t  value_cases[] = {

    /* decoding */

    { B, OK, LC, 0 },
    { B "=", OK, LC, 0 },
    { "eyJvdmVybGF5IjoiYWIifQ==", OK, "\"text\":\"ab\"", 0 },
    { "eyJvdmVybGF5IjoiYWIifQ", OK, "\"text\":\"ab\"", 0 },
    /* {"overlay":"?>?"}: "?>" encodes to "-" and "_" in base64url */
    { "eyJvdmVybGF5IjoiPz4_In0", OK, "\"text\":\"?>?\"", 0 },
    /* the same in the standard alphabet, padded, percent-encoded */
    { "eyJvdmVybGF5IjoiPz4/In0=", OK, "\"text\":\"?>?\"", R_STD },
    { "eyJvdmVybGF5IjoiPz4%2FIn0%3D", OK, "\"text\":\"?>?\"", R_STD },
    /* {"overlay":"a>>"}: "+" in the standard alphabet, and "+" that a
     * form decoder made a space */
    { "eyJvdmVybGF5IjoiYT4+In0", OK, "\"text\":\"a>>\"", R_STD },
    { "eyJvdmVybGF5IjoiYT4%2BIn0", OK, "\"text\":\"a>>\"", R_STD },
    { "eyJvdmVybGF5IjoiYT4 In0", OK, "\"text\":\"a>>\"", R_STD | R_SPACE },
    { "eyJvdmVybGF5IjoiYT4-In0", OK, "\"text\":\"a>>\"", 0 },
    /* Python 3's str(bytes) */
    { "b'" B "'", OK, LC, R_BYTES },
    { "b\"" B "\"", OK, LC, R_BYTES },
    { "b%27" B "%27", OK, LC, R_BYTES },
    { "  " B "\n", OK, LC, R_TRIM },
    { " b'" B "' ", OK, LC, R_TRIM | R_BYTES },
    /* raw JSON, as is or percent-encoded */
    { T, OK, LC, R_RAW },
    { "%7B%22overlay%22%3A%22Last%20Chance!%22%7D", OK, LC, R_RAW },
    { "b'" T "'", OK, LC, R_BYTES | R_RAW },
    /* {"overlay":"\u00dcber"} */
    { "eyJvdmVybGF5IjoiXHUwMGRjYmVyIn0", OK, "\"text\":\"\xc3\x9c" "ber\"",
      0 },
    /* a "%" that is no escape stays, and is no base64 */
    { "eyJv%zzZ", ENC, "\"%\" at offset 4", 0 },

    { "", ENC, "empty", 0 },
    { "   ", ENC, "empty", R_TRIM },
    { "garbage!!", ENC, "\"!\" at offset 7", 0 },
    { "b'" B, ENC, "closing '", 0 },
    { "b''", ENC, "", R_BYTES },
    { "eyJvdmVy=", ENC, "padding", 0 },
    { "eyJvdmVyb", ENC, "impossible", 0 },
    { "eyJv=mVy", ENC, "\"=\"", 0 },
    /* the two alphabets in one value */
    { "eyJvdmVybGF5IjoiPz4_In0+", ENC, "mixing", 0 },

    /* JSON */

    { "abc=", JSON, "", 0 },
    /* "hello world" */
    { "aGVsbG8gd29ybGQ", JSON, "", 0 },
    /* ["Last Chance!"] */
    { "WyJMYXN0IENoYW5jZSEiXQ", JSON, "an array instead of an object", 0 },
    /* JSON that is no object is neither raw JSON nor base64 */
    { "\"Last Chance!\"", ENC, "\"\\x22\" at offset 0", 0 },
    { "{\"overlay\":\"a\",\"overlay\":\"b\"}", JSON, "duplicate", R_RAW },
    { "{\"overlay\":\"a\"} x", JSON, "end of", R_RAW },
    { "{\"overlay\":\"a\\u0000b\"}", JSON, "", R_RAW },
    { "{\"overlay\":\"a\"", JSON, "", R_RAW },

    /* the spec */

    { "{}", SPEC, "no \"overlay\" or \"layers\"", R_RAW },
    { "{\"title\":\"x\"}", SPEC, "unknown key \"title\"", R_RAW },
    { "{\"overlay\":\"x\",\"layers\":[]}", SPEC, "together", R_RAW },
    { "{\"overlay\":42}", SPEC, "overlay is a number, not a string", R_RAW },
    { "{\"overlay\":null}", SPEC, "null", R_RAW },
    { "{\"overlay\":{\"text\":\"x\"}}", SPEC, "an object", R_RAW },
    { "{\"overlay\":\"\"}", SPEC, "empty", R_RAW },
    { "{\"overlay\":\"a\\nb\"}", SPEC, "control character at byte 1",
      R_RAW },
    /* C1 control NEL, and a right-to-left override */
    { "{\"overlay\":\"a\\u0085b\"}", SPEC, "control character at byte 1",
      R_RAW },
    { "{\"overlay\":\"ab\\u202ec\"}", SPEC, "control character at byte 2",
      R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"style\":\"ribbon\","
      "\"position\":\"left\"}]}", SPEC, "needs a corner position, not "
      "\"left\"", R_RAW },
    { "{\"layers\":{}}", SPEC, "\"layers\" is an object, not an array",
      R_RAW },
    { "{\"layers\":[]}", SPEC, "has 0 layers, not 1 to 4", R_RAW },
    { "{\"layers\":[{\"text\":\"a\"},{\"text\":\"b\"},{\"text\":\"c\"},"
      "{\"text\":\"d\"},{\"text\":\"e\"}]}", SPEC, "has 5 layers", R_RAW },
    { "{\"layers\":[\"a\"]}", SPEC, "layers[0] is a string, not an object",
      R_RAW },
    { "{\"layers\":[{}]}", SPEC, "layers[0] has neither", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"image\":\"logo\"}]}", SPEC,
      "layers[0] has both", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"postion\":\"top\"}]}", SPEC,
      "layers[0]: unknown key \"postion\"", R_RAW },
    { "{\"layers\":[{\"text\":\"a\"},{\"text\":\"b\",\"position\":"
      "\"top-rigth\"}]}", SPEC,
      "layers[1].position \"top-rigth\" is not one of top-left, top, "
      "top-right, left, center, right, bottom-left, bottom, bottom-right",
      R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"style\":\"fancy\"}]}", SPEC,
      "layers[0].style \"fancy\" is not one of badge, ribbon, banner, plain",
      R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"style\":\"ribbon\","
      "\"position\":\"top\"}]}", SPEC, "needs a corner position, not "
      "\"top\"", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"margin\":0.6}]}", SPEC,
      "layers[0].margin 0.6 is not between 0 and 0.5", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"size\":0}]}", SPEC,
      "layers[0].size 0 is not between 0.01 and 0.5", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"size\":\"big\"}]}", SPEC,
      "layers[0].size is a string, not a number", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"opacity\":-0.1}]}", SPEC,
      "opacity -0.1 is not between 0 and 1", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"radius\":0.6}]}", SPEC,
      "layers[0].radius 0.6 is not between 0 and 0.5", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"radius\":0.25}]}", OK,
      "\"radius\":0.25}", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"color\":\"red\"}]}", SPEC,
      "layers[0].color \"red\" is not a colour", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"background\":\"#12345\"}]}", SPEC,
      "layers[0].background \"#12345\" is not a colour", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"font\":\"serif\"}]}", SPEC,
      "layers[0].font \"serif\" is not one of default", R_RAW },
    { "{\"layers\":[{\"image\":\"logo\"}]}", SPEC,
      "layers[0].image \"logo\" is not an image: no overlay_asset", R_RAW },
    { "{\"layers\":[{\"image\":\"../../etc/passwd\"}]}", SPEC,
      "is not an image", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"scale\":0.5}]}", SPEC,
      "layers[0].scale is not a key of an text layer", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"style\":7}]}", SPEC,
      "layers[0].style is a number, not a string", R_RAW },

    /* what is valid, normalized */

    { "{\"layers\":[{\"text\":\"a\",\"style\":\"ribbon\","
      "\"position\":\"bottom-left\",\"color\":\"#fff\","
      "\"background\":\"#00000080\",\"size\":0.1,\"margin\":0,"
      "\"opacity\":0.5}]}", OK,
      "{\"text\":\"a\",\"style\":\"ribbon\",\"position\":\"bottom-left\","
      "\"margin\":0.0,\"size\":0.1,\"color\":\"#ffffffff\","
      "\"background\":\"#00000080\",\"font\":\"default\",\"opacity\":0.5,"
      "\"radius\":0.0}",
      R_RAW },
    { "{\"layers\":[{\"text\":\"x\",\"color\":\"#1234\"},"
      "{\"text\":\"y\",\"style\":\"plain\",\"position\":\"center\"}]}", OK,
      "\"color\":\"#11223344\"", R_RAW },
    { "{\"layers\":[{\"text\":\"x\"},{\"text\":\"y\",\"style\":\"banner\","
      "\"position\":\"bottom\"}]}", OK,
      "{\"text\":\"y\",\"style\":\"banner\",\"position\":\"bottom\"", R_RAW },
};


static void
test_values(void)
{
    char                        deep[20010], *dump;
    size_t                      i, len;
    unsigned                    repairs;
    unsigned char               buf[8192];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;
    clock_t                     start;

    ngx_http_overlay_options_init(&opts);

    for (i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
        memset(&err, 0, sizeof(err));

        len = strlen(value_cases[i].value);
        memcpy(buf, value_cases[i].value, len);

        repairs = 0;
        rc = ngx_http_overlay_parse_value(buf, len, &opts, NULL, &spec,
                                          &repairs, &err);

        CHECK(rc == value_cases[i].rc,
              "value %zu \"%s\": rc %s, expected %s (%s)", i,
              value_cases[i].value, ngx_http_overlay_reason(rc),
              ngx_http_overlay_reason(value_cases[i].rc), err.msg);

        if (rc != value_cases[i].rc) {
            continue;
        }

        if (rc == NGX_HTTP_OVERLAY_OK) {
            dump = ngx_http_overlay_spec_dump(&spec, &opts.spec);
            CHECK(dump != NULL && strstr(dump, value_cases[i].expect) != NULL,
                  "value %zu: \"%s\" lacks \"%s\"", i, dump,
                  value_cases[i].expect);
            free(dump);

        } else {
            CHECK(err.code == rc
                  && strstr(err.msg, value_cases[i].expect) != NULL,
                  "value %zu: message \"%s\" lacks \"%s\"", i, err.msg,
                  value_cases[i].expect);
        }

        CHECK(repairs == value_cases[i].repairs,
              "value %zu: repairs %#x, expected %#x", i, repairs,
              value_cases[i].repairs);
    }

    CHECK(i >= 40, "%zu decoding and validation cases", i);

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

        len = strlen(json);
        memcpy(buf, json, len);

        rc = ngx_http_overlay_spec_parse(buf, len, &opts.spec, &spec, &err);
        CHECK(rc == (i == 0 ? NGX_HTTP_OVERLAY_OK
                            : NGX_HTTP_OVERLAY_BAD_SPEC),
              "%zu characters: %s", n, ngx_http_overlay_reason(rc));

        if (i == 0 && rc == NGX_HTTP_OVERLAY_OK) {
            CHECK(spec.layers[0].len == 256
                  && strncmp(spec.layers[0].text, "\xc3\xa9\xc3\xa9", 4)
                     == 0, "128 characters kept");
        }
    }

    /* a value decoding to more than the limit is refused undecoded */

    memset(buf, 'A', 200);
    opts.max_param = 100;

    rc = ngx_http_overlay_parse_value(buf, 200, &opts, NULL, &spec,
                                      &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "150 bytes") != NULL,
          "too large: %s", err.msg);

    memset(buf, 'A', 2000);
    rc = ngx_http_overlay_parse_value(buf, 2000, &opts, NULL, &spec,
                                      &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "value of 2000 bytes") != NULL,
          "far too large: %s", err.msg);

    opts.max_param = NGX_HTTP_OVERLAY_PARAM_MAX;

    /* 20000 nested arrays are refused quickly, not parsed */

    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';

    start = clock();
    rc = ngx_http_overlay_spec_parse((unsigned char *) deep, strlen(deep),
                                     &opts.spec, &spec, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_JSON, "deep nesting: %s",
          ngx_http_overlay_reason(rc));
    CHECK((double) (clock() - start) / CLOCKS_PER_SEC < 0.1,
          "deep nesting took too long");

    /* names and defaults come from the configuration */

    {
        static const char *const  fonts[] = { "default", "serif" };
        static const char *const  assets[] = { "logo" };

        opts.spec.fonts = fonts;
        opts.spec.nfonts = 2;
        opts.spec.assets = assets;
        opts.spec.nassets = 1;
        opts.spec.defaults.position = NGX_HTTP_OVERLAY_BOTTOM_LEFT;
        opts.spec.defaults.style = NGX_HTTP_OVERLAY_STYLE_PLAIN;

        len = strlen("{\"layers\":[{\"text\":\"a\",\"font\":\"serif\"},"
                     "{\"image\":\"logo\",\"scale\":0.5}]}");
        memcpy(buf, "{\"layers\":[{\"text\":\"a\",\"font\":\"serif\"},"
                    "{\"image\":\"logo\",\"scale\":0.5}]}", len);

        rc = ngx_http_overlay_spec_parse(buf, len, &opts.spec, &spec, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && spec.nlayers == 2
              && spec.layers[0].font == 1
              && spec.layers[0].style == NGX_HTTP_OVERLAY_STYLE_PLAIN
              && spec.layers[0].position == NGX_HTTP_OVERLAY_BOTTOM_LEFT
              && spec.layers[1].type == NGX_HTTP_OVERLAY_LAYER_IMAGE
              && spec.layers[1].asset == 0 && spec.layers[1].scale == 0.5,
              "configured names and defaults: %s", err.msg);
    }
}


static void
test_colors(void)
{
    ngx_http_overlay_color_t  c;

    CHECK(ngx_http_overlay_color_parse("#fff", 4, &c) == 0 && c.r == 255
          && c.g == 255 && c.b == 255 && c.a == 255, "#fff");
    CHECK(ngx_http_overlay_color_parse("#0f08", 5, &c) == 0 && c.r == 0
          && c.g == 255 && c.b == 0 && c.a == 0x88, "#0f08");
    CHECK(ngx_http_overlay_color_parse("#D62828", 7, &c) == 0
          && c.r == 0xd6 && c.g == 0x28 && c.b == 0x28 && c.a == 255,
          "#D62828");
    CHECK(ngx_http_overlay_color_parse("#d6282880", 9, &c) == 0
          && c.a == 0x80, "#d6282880");
    CHECK(ngx_http_overlay_color_parse("d62828", 6, &c) != 0, "no #");
    CHECK(ngx_http_overlay_color_parse("#ggg", 4, &c) != 0, "#ggg");
    CHECK(ngx_http_overlay_color_parse("#", 1, &c) != 0, "#");
    CHECK(ngx_http_overlay_color_parse("#12345", 6, &c) != 0, "5 digits");
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
          == NGX_HTTP_OVERLAY_FORMAT_GIF, "detect gif");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "II*\0", 4)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "TIFF is never decoded");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "<svg", 4)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "SVG is never decoded");
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


/* a spec of one text layer with the defaults */

static void
one_text(ngx_http_overlay_spec_t *spec, const ngx_http_overlay_options_t *opts,
    const char *text)
{
    memset(spec, 0, sizeof(ngx_http_overlay_spec_t));
    spec->layers[0] = opts->spec.defaults;
    spec->layers[0].text = text;
    spec->layers[0].len = strlen(text);
    spec->nlayers = 1;
}


static void
test_fonts_layout(void)
{
    int                         shorter;
    char                        long_text[101];
    double                      ratio[2];
    unsigned                    i;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_layout_t   layout, other;
    ngx_http_overlay_options_t  opts;
    ngx_http_overlay_rect_t    *box;

    static const int  sizes[2][2] = { { 320, 180 }, { 3840, 2160 } };

    ngx_http_overlay_options_init(&opts);

    rc = ngx_http_overlay_font_check(NGX_HTTP_OVERLAY_DEFAULT_FONT, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "default font: %s", err.msg);

    rc = ngx_http_overlay_font_check("/nonexistent/font.ttf", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK, "missing font accepted");

    rc = ngx_http_overlay_font_check("/etc/passwd", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK, "/etc/passwd accepted as a font");

    rc = ngx_http_overlay_font_check("/tmp/a;b.ttf", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK && strstr(err.msg, "\";\"") != NULL,
          "font path with \";\": %s", err.msg);

    one_text(&spec, &opts, "Last Chance!");

    /* top-right, inside the image; the same proportions at any size */

    for (i = 0; i < 2; i++) {
        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            sizes[i][0], sizes[i][1], &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "layout %d: %s", sizes[i][0],
              err.msg);

        shorter = sizes[i][1];
        box = &layout.layers[0].box;

        CHECK(box->x > sizes[i][0] / 2 && box->x + box->w < sizes[i][0]
              && box->y > 0 && box->y + box->h < sizes[i][1] / 2,
              "badge of %dx%d not in the top-right corner: %d,%d %dx%d",
              sizes[i][0], sizes[i][1], box->x, box->y, box->w, box->h);

        CHECK(layout.bounds.x == box->x - 2 && layout.bounds.w == box->w + 4,
              "bounds are the badge's, and 2 pixels around");

        ratio[i] = (double) box->h / shorter;

        ngx_http_overlay_render_free(&layout);
    }

    CHECK(ratio[0] / ratio[1] > 0.85 && ratio[0] / ratio[1] < 1.15,
          "badge height / shorter side: %.3f on a thumbnail, %.3f in 4K",
          ratio[0], ratio[1]);

    /* each position puts the box in its ninth of the image */

    for (i = 0; i < 9; i++) {
        int  cx, cy;

        spec.layers[0].position = (ngx_http_overlay_position_e) i;

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            900, 600, &err);
        box = &layout.layers[0].box;
        cx = box->x + box->w / 2;
        cy = box->y + box->h / 2;

        CHECK(rc == NGX_HTTP_OVERLAY_OK && cx / 300 == (int) i % 3
              && cy / 200 == (int) i / 3,
              "position %s: box centre %d,%d",
              ngx_http_overlay_position_name(i), cx, cy);

        ngx_http_overlay_render_free(&layout);
    }

    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_RIGHT;

    /* a banner spans the width; a ribbon is a corner's sash */

    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_BANNER;
    spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM;
    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 900,
                                        600, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x == 0
          && layout.layers[0].box.w == 900
          && layout.layers[0].box.y > 500, "banner at the bottom");
    ngx_http_overlay_render_free(&layout);

    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_RIBBON;
    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_LEFT;
    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 900,
                                        600, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x == 0
          && layout.layers[0].box.y == 0
          && layout.layers[0].box.w < 450 && layout.layers[0].angle > 0,
          "ribbon in the top-left corner: %dx%d", layout.layers[0].box.w,
          layout.layers[0].box.h);
    ngx_http_overlay_render_free(&layout);

    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_BADGE;
    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_RIGHT;

    /* a text too long shrinks, and nothing is outside the image */

    memset(long_text, 'W', 100);
    long_text[100] = '\0';
    one_text(&spec, &opts, long_text);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 320,
                                        180, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x >= 0
          && layout.layers[0].box.x + layout.layers[0].box.w <= 320
          && layout.layers[0].font_px < 180 * 0.06,
          "long text: box at %d, width %d, %.1f px",
          layout.layers[0].box.x, layout.layers[0].box.w,
          layout.layers[0].font_px);
    ngx_http_overlay_render_free(&layout);

    /* "&#65;" is drawn as five characters, not as the entity "A" */

    one_text(&spec, &opts, "&#65;");
    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 640,
                                        480, &err);
    one_text(&spec, &opts, "A");
    rc |= ngx_http_overlay_render_layout(&other, &spec, &opts.render, 640,
                                         480, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && layout.layers[0].box.w > 2 * other.layers[0].box.w,
          "entity text: %d vs %d", layout.layers[0].box.w,
          other.layers[0].box.w);
    ngx_http_overlay_render_free(&layout);
    ngx_http_overlay_render_free(&other);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 0, 10,
                                        &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "layout of an empty image");

    /* a rounded badge leaves its corners as they were, its middle not */

    {
        int         corner, middle;
        gdImagePtr  im;

        one_text(&spec, &opts, "Rounded");
        spec.layers[0].radius = 0.5;

        im = gdImageCreateTrueColor(400, 300);
        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            400, 300, &err);

        if (im != NULL && rc == NGX_HTTP_OVERLAY_OK) {
            rc = ngx_http_overlay_render_draw(&layout, im, 0, 0, &err);
            box = &layout.layers[0].box;
            corner = gdImageGetTrueColorPixel(im, box->x, box->y);
            middle = gdImageGetTrueColorPixel(im, box->x + 2,
                                              box->y + box->h / 2);
            CHECK(rc == NGX_HTTP_OVERLAY_OK && corner == 0
                  && gdTrueColorGetRed(middle) > 150,
                  "rounded corners: corner %06x, middle %06x", corner,
                  middle);
            ngx_http_overlay_render_free(&layout);
        }

        if (im != NULL) {
            gdImageDestroy(im);
        }
    }
}


static int
pixel_distance(int a, int b)
{
    return abs(gdTrueColorGetRed(a) - gdTrueColorGetRed(b))
           + abs(gdTrueColorGetGreen(a) - gdTrueColorGetGreen(b))
           + abs(gdTrueColorGetBlue(a) - gdTrueColorGetBlue(b));
}


static gdImagePtr
decode_image(const unsigned char *data, size_t len)
{
    gdImagePtr  im;

    if (ngx_http_overlay_codec_detect(data, len)
        == NGX_HTTP_OVERLAY_FORMAT_JPEG)
    {
        im = gdImageCreateFromJpegPtr((int) len, (void *) data);

    } else {
        im = gdImageCreateFromPngPtr((int) len, (void *) data);
    }

    if (im != NULL && !gdImageTrueColor(im)) {
        gdImagePaletteToTrueColor(im);
    }

    return im;
}


/* pixels of the colour in the rectangle, over tolerance off the original */

static int
count_color(gdImagePtr im, int x0, int y0, int x1, int y1, int r, int g,
    int b, int tolerance)
{
    int  x, y, c, n;

    n = 0;

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            c = gdImageGetTrueColorPixel(im, x, y);

            if (abs(gdTrueColorGetRed(c) - r) + abs(gdTrueColorGetGreen(c) - g)
                + abs(gdTrueColorGetBlue(c) - b) <= tolerance)
            {
                n++;
            }
        }
    }

    return n;
}


static void
test_composite(const char *name, ngx_http_overlay_format_e format,
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

    memcpy(value, B, sizeof(B) - 1);
    rc = ngx_http_overlay_parse_value(value, sizeof(B) - 1, &opts, NULL,
                                      &spec, NULL, &err);
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


/* every style and an image layer, drawn where the layout says, on a PNG */

static void
test_styles(void)
{
    int                             n, x, y, c, inside;
    size_t                          len, alen;
    gdImagePtr                      out, asset;
    unsigned char                  *data, *adata, json[1024];
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char *const  assets[] = { "logo" };

    static const char  spec_json[] =
        "{\"layers\":["
        "{\"text\":\"Last\",\"style\":\"ribbon\",\"position\":\"top-left\","
        "\"background\":\"#00ff00\"},"
        "{\"text\":\"Soon\",\"style\":\"banner\",\"position\":\"bottom\","
        "\"background\":\"#0000ff\"},"
        "{\"text\":\"Hi\",\"style\":\"plain\",\"position\":\"center\","
        "\"color\":\"#ffff00\"},"
        "{\"image\":\"logo\",\"position\":\"top-right\",\"scale\":0.2}]}";

    ngx_http_overlay_options_init(&opts);

    adata = read_fixture("logo.png", &alen);
    asset = ngx_http_overlay_asset_decode(adata, alen, &err);
    free(adata);

    CHECK(asset != NULL, "logo.png: %s", err.msg);

    if (asset == NULL) {
        return;
    }

    opts.spec.assets = assets;
    opts.spec.nassets = 1;
    opts.render.assets = &asset;
    opts.render.nassets = 1;

    memcpy(json, spec_json, sizeof(spec_json) - 1);
    rc = ngx_http_overlay_spec_parse(json, sizeof(spec_json) - 1, &opts.spec,
                                     &spec, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "styles spec: %s", err.msg);

    data = read_fixture("chelsea.png", &len);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "styles: %s", err.msg);

    out = rc == NGX_HTTP_OVERLAY_OK ? decode_image(blob.data, blob.len)
                                    : NULL;

    if (out == NULL) {
        free(data);
        gdImageDestroy(asset);
        return;
    }

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                        (int) info.width, (int) info.height,
                                        &err);

    /* the ribbon's green in the top-left corner, along its diagonal */

    n = count_color(out, 0, 0, 60, 60, 0, 255, 0, 30);
    CHECK(n > 300, "ribbon: %d green pixels in the top-left corner", n);
    n = count_color(out, 0, 100, 60, 160, 0, 255, 0, 30);
    CHECK(n == 0, "ribbon: green below the corner: %d", n);

    /* the banner's blue across the whole bottom */

    n = count_color(out, 0, 280, 451, 295, 0, 0, 255, 30);
    CHECK(n > 451 * 15 / 2, "banner: %d blue pixels along the bottom", n);

    /* plain yellow text in the centre, no box */

    n = count_color(out, 150, 100, 300, 200, 255, 255, 0, 60);
    CHECK(n > 20, "plain: %d yellow pixels in the centre", n);

    /* the logo's blue ellipse, scaled into the top-right corner */

    n = count_color(out, 451 - 110, 0, 451, 70, 30, 120, 220, 40);
    CHECK(n > 200, "image layer: %d logo pixels in the top-right", n);

    /* nothing drawn outside the layers' bounds */

    inside = 0;
    {
        gdImagePtr  in = decode_image(data, len);

        for (y = 0; in != NULL && y < (int) info.height; y += 3) {
            for (x = 0; x < (int) info.width; x += 3) {
                const ngx_http_overlay_rect_t  *b = &layout.bounds;

                c = pixel_distance(gdImageGetTrueColorPixel(in, x, y),
                                   gdImageGetTrueColorPixel(out, x, y));

                if (c > 0 && (x < b->x || x >= b->x + b->w || y < b->y
                              || y >= b->y + b->h))
                {
                    inside++;
                }
            }
        }

        if (in != NULL) {
            gdImageDestroy(in);
        }
    }

    CHECK(rc == NGX_HTTP_OVERLAY_OK && inside == 0,
          "%d pixels changed outside the bounds", inside);

    ngx_http_overlay_render_free(&layout);
    gdImageDestroy(out);
    ngx_http_overlay_codec_free(&blob);
    gdImageDestroy(asset);
    free(data);
}



/* JPEG variants made at run time from a real photo, with libjpeg */

typedef struct {
    J_COLOR_SPACE   space;          /* JCS_YCbCr, JCS_GRAYSCALE, JCS_CMYK */
    int             h, v;           /* the luma's sampling factors */
    int             progressive;
    int             restart;        /* in MCU rows */
    int             quality;
    unsigned        orientation;    /* 0: no EXIF */
    int             optimize;       /* optimal Huffman tables */
    int             restart_mcus;   /* a restart interval in MCUs */
} jpeg_variant_t;


static unsigned char *
make_jpeg(gdImagePtr im, const jpeg_variant_t *v, unsigned long *len)
{
    int                          x, y, c;
    JSAMPROW                     rows[1];
    unsigned char               *out, row[4 * 2048], exif[34];
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  cinfo;

    static const unsigned char  icc[] = "ICC_PROFILE\0\1\1not a real profile";

    out = NULL;
    *len = 0;

    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &out, len);

    cinfo.image_width = (JDIMENSION) gdImageSX(im);
    cinfo.image_height = (JDIMENSION) gdImageSY(im);
    cinfo.input_components = v->space == JCS_CMYK ? 4 : 3;
    cinfo.in_color_space = v->space == JCS_CMYK ? JCS_CMYK : JCS_RGB;

    jpeg_set_defaults(&cinfo);
    jpeg_set_colorspace(&cinfo, v->space);
    jpeg_set_quality(&cinfo, v->quality, TRUE);

    cinfo.comp_info[0].h_samp_factor = v->h;
    cinfo.comp_info[0].v_samp_factor = v->v;
    cinfo.restart_in_rows = v->restart;
    cinfo.optimize_coding = v->optimize ? TRUE : FALSE;

    if (v->restart_mcus) {
        cinfo.restart_interval = (unsigned int) v->restart_mcus;
    }

    if (v->progressive) {
        jpeg_simple_progression(&cinfo);
    }

    jpeg_start_compress(&cinfo, TRUE);

    if (v->orientation) {
        /* "Exif\0\0", TIFF "MM", 42, IFD at 8: one entry, 0x0112 SHORT */
        static const unsigned char  tiff[] = {
            'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
            0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0
        };

        memcpy(exif, tiff, sizeof(exif));
        exif[25] = (unsigned char) v->orientation;
        jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif, sizeof(exif));
    }

    jpeg_write_marker(&cinfo, JPEG_APP0 + 2, icc, sizeof(icc));
    jpeg_write_marker(&cinfo, JPEG_COM, (const JOCTET *) "(c) test", 8);

    rows[0] = row;

    for (y = 0; y < gdImageSY(im); y++) {
        for (x = 0; x < gdImageSX(im); x++) {
            c = gdImageGetTrueColorPixel(im, x, y);

            if (v->space == JCS_CMYK) {
                row[x * 4] = (unsigned char) (255 - gdTrueColorGetRed(c));
                row[x * 4 + 1] = (unsigned char) (255
                                                  - gdTrueColorGetGreen(c));
                row[x * 4 + 2] = (unsigned char) (255
                                                  - gdTrueColorGetBlue(c));
                row[x * 4 + 3] = 0;

            } else {
                row[x * 3] = (unsigned char) gdTrueColorGetRed(c);
                row[x * 3 + 1] = (unsigned char) gdTrueColorGetGreen(c);
                row[x * 3 + 2] = (unsigned char) gdTrueColorGetBlue(c);
            }
        }

        (void) jpeg_write_scanlines(&cinfo, rows, 1);
    }

    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    return out;
}


/* a JPEG of the top-left w x h of photo, made as v says */

static unsigned char *
crop_jpeg(gdImagePtr photo, int w, int h, const jpeg_variant_t *v,
    unsigned long *len)
{
    gdImagePtr      im;
    unsigned char  *jpeg;

    im = gdImageCreateTrueColor(w, h);
    gdImageCopy(im, photo, 0, 0, 0, 0, w, h);
    jpeg = make_jpeg(im, v, len);
    gdImageDestroy(im);

    return jpeg;
}


/* the coefficients of a JPEG: blocks[c][by][bx] flattened, and the grid */

typedef struct {
    int        ncomp;
    int        w[4];                /* blocks */
    int        h[4];
    JCOEF     *coef[4];
    int        progressive;
    int        markers;             /* APPn and COM segments */
    char       com[64];
    int        icc;
    unsigned   orientation;
} jpeg_coefs_t;


static int
read_coefs(const unsigned char *data, unsigned long len, jpeg_coefs_t *jc)
{
    int                            c, by, bx, m;
    JBLOCKARRAY                    row;
    jvirt_barray_ptr              *arrays;
    jpeg_saved_marker_ptr          mk;
    struct jpeg_error_mgr          jerr;
    struct jpeg_decompress_struct  d;

    memset(jc, 0, sizeof(jpeg_coefs_t));

    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, len);

    jpeg_save_markers(&d, JPEG_COM, 0xffff);

    for (m = 0; m < 16; m++) {
        jpeg_save_markers(&d, JPEG_APP0 + m, 0xffff);
    }

    (void) jpeg_read_header(&d, TRUE);

    jc->progressive = d.progressive_mode;
    jc->ncomp = d.num_components;
    jc->orientation = ngx_http_overlay_jpeg_orientation(data, len);

    for (mk = d.marker_list; mk != NULL; mk = mk->next) {
        jc->markers++;

        if (mk->marker == JPEG_COM && mk->data_length < sizeof(jc->com)) {
            memcpy(jc->com, mk->data, mk->data_length);
        }

        if (mk->marker == JPEG_APP0 + 2 && mk->data_length > 12
            && memcmp(mk->data, "ICC_PROFILE", 12) == 0)
        {
            jc->icc = 1;
        }
    }

    arrays = jpeg_read_coefficients(&d);

    for (c = 0; c < d.num_components && c < 4; c++) {
        jc->w[c] = (int) d.comp_info[c].width_in_blocks;
        jc->h[c] = (int) d.comp_info[c].height_in_blocks;
        jc->coef[c] = malloc((size_t) jc->w[c] * jc->h[c] * DCTSIZE2
                             * sizeof(JCOEF));

        for (by = 0; by < jc->h[c]; by++) {
            row = (*d.mem->access_virt_barray)((j_common_ptr) &d,
                                               arrays[c], by, 1, FALSE);

            for (bx = 0; bx < jc->w[c]; bx++) {
                memcpy(&jc->coef[c][((size_t) by * jc->w[c] + bx)
                                    * DCTSIZE2],
                       row[0][bx], sizeof(JBLOCK));
            }
        }
    }

    jpeg_destroy_decompress(&d);

    return 0;
}


static void
free_coefs(jpeg_coefs_t *jc)
{
    int  c;

    for (c = 0; c < 4; c++) {
        free(jc->coef[c]);
    }
}


static void
test_jpeg_dct(void)
{
    int                             c, by, bx, changed, outside, mcu;
    int                             x0, y0, x1, y1;
    char                            name[64];
    size_t                          len, i;
    gdImagePtr                      photo, in, out;
    unsigned char                  *data, *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob, again;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const jpeg_variant_t  variants[] = {
        { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 },       /* 4:2:0 */
        { JCS_YCbCr, 1, 1, 0, 0, 92, 0, 0, 0 },       /* 4:4:4 */
        { JCS_YCbCr, 2, 1, 0, 0, 75, 0, 0, 0 },       /* 4:2:2 */
        { JCS_YCbCr, 2, 2, 1, 0, 85, 0, 0, 0 },       /* progressive */
        { JCS_YCbCr, 2, 2, 0, 2, 85, 0, 0, 0 },       /* restart intervals */
        { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 0, 0 },
        { JCS_YCbCr, 2, 2, 0, 0, 85, 6, 0, 0 },       /* EXIF: turned right */
        { JCS_YCbCr, 2, 2, 1, 0, 85, 3, 0, 0 },   /* EXIF: 180, progressive */
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    data = read_fixture("coffee.jpg", &len);
    photo = decode_image(data, len);
    free(data);

    if (photo == NULL) {
        CHECK(0, "coffee.jpg does not decode");
        return;
    }

    for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        const jpeg_variant_t  *v = &variants[i];

        snprintf(name, sizeof(name), "variant %zu (space %d, %dx%d%s%s, "
                 "orientation %u)", i, (int) v->space, v->h, v->v,
                 v->progressive ? ", progressive" : "",
                 v->restart ? ", restarts" : "", v->orientation);

        jpeg = make_jpeg(photo, v, &jlen);

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            free(jpeg);
            continue;
        }

        CHECK(info.orientation == (v->orientation ? v->orientation : 1)
              && info.width == (v->orientation >= 5 ? 400u : 600u),
              "%s: probed %ux%u, orientation %u", name, info.width,
              info.height, info.orientation);

        read_coefs(jpeg, jlen, &a);
        read_coefs(blob.data, blob.len, &b);

        /* markers, mode and orientation kept */

        CHECK(b.markers == a.markers && b.icc && strcmp(b.com, "(c) test")
              == 0, "%s: markers %d of %d, ICC %d, comment \"%s\"", name,
              b.markers, a.markers, b.icc, b.com);
        CHECK(b.progressive == a.progressive, "%s: progressive", name);
        CHECK(b.orientation == a.orientation, "%s: orientation", name);

        /* the region the layout draws on, in the stored image's blocks */

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            (int) info.width,
                                            (int) info.height, &err);
        {
            int  sx0, sy0, sx1, sy1, k;

            x0 = INT_MAX;
            y0 = INT_MAX;
            x1 = 0;
            y1 = 0;

            for (k = 0; k < 4; k++) {
                ngx_http_overlay_orient_point(info.orientation,
                    gdImageSX(photo), gdImageSY(photo),
                    layout.bounds.x + (k & 1) * (layout.bounds.w - 1),
                    layout.bounds.y + (k >> 1) * (layout.bounds.h - 1),
                    &sx0, &sy0);
                sx1 = sx0;
                sy1 = sy0;
                x0 = sx0 < x0 ? sx0 : x0;
                y0 = sy0 < y0 ? sy0 : y0;
                x1 = sx1 > x1 ? sx1 : x1;
                y1 = sy1 > y1 ? sy1 : y1;
            }
        }

        ngx_http_overlay_render_free(&layout);

        /* every block outside the overlay's iMCUs is the input's, bit for
         * bit; blocks under it changed */

        changed = 0;
        outside = 0;
        mcu = 16;

        for (c = 0; c < a.ncomp; c++) {
            int  sx = (c == 0 || v->space == JCS_GRAYSCALE) ? 8 : 8 * v->h;
            int  sy = (c == 0 || v->space == JCS_GRAYSCALE) ? 8 : 8 * v->v;

            for (by = 0; by < a.h[c]; by++) {
                for (bx = 0; bx < a.w[c]; bx++) {
                    int  px = bx * sx, py = by * sy, diff;

                    diff = memcmp(&a.coef[c][((size_t) by * a.w[c] + bx)
                                             * DCTSIZE2],
                                  &b.coef[c][((size_t) by * b.w[c] + bx)
                                             * DCTSIZE2],
                                  sizeof(JBLOCK));

                    if (diff == 0) {
                        continue;
                    }

                    if (px + sx <= x0 - mcu || px >= x1 + mcu
                        || py + sy <= y0 - mcu || py >= y1 + mcu)
                    {
                        outside++;

                    } else {
                        changed++;
                    }
                }
            }
        }

        CHECK(outside == 0 && changed > 0,
              "%s: %d blocks changed outside the overlay, %d under it",
              name, outside, changed);

        /* the badge is where the viewer expects it: top-right, seen
         * through the orientation */

        in = decode_image(jpeg, jlen);
        out = decode_image(blob.data, blob.len);

        if (in != NULL && out != NULL) {
            int  vx, vy, sx, sy, red = 0;

            for (vy = 20; vy < 40; vy++) {
                for (vx = (int) info.width - 60; vx < (int) info.width - 20;
                     vx++)
                {
                    int  p;

                    ngx_http_overlay_orient_point(info.orientation,
                                                  gdImageSX(out),
                                                  gdImageSY(out), vx, vy,
                                                  &sx, &sy);
                    p = gdImageGetTrueColorPixel(out, sx, sy);

                    if (v->space == JCS_GRAYSCALE
                        ? gdTrueColorGetRed(p) < 140
                          && gdTrueColorGetRed(p) > 60
                        : gdTrueColorGetRed(p) > 150
                          && gdTrueColorGetGreen(p) < 90)
                    {
                        red++;
                    }
                }
            }

            CHECK(red > 400, "%s: %d badge pixels top-right as seen", name,
                  red);
        }

        if (in != NULL) {
            gdImageDestroy(in);
        }

        if (out != NULL) {
            gdImageDestroy(out);
        }

        /* no drift: overlaying the output again costs little */

        rc = ngx_http_overlay_composite(blob.data, blob.len, &spec, &opts,
                                        &info, &again, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK
              && again.len < blob.len + blob.len / 50
              && again.len + again.len / 50 > blob.len,
              "%s: %zu bytes in, %zu out, %zu the second time", name,
              (size_t) jlen, blob.len, again.len);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&again);
        }

        free_coefs(&a);
        free_coefs(&b);
        ngx_http_overlay_codec_free(&blob);
        free(jpeg);
    }

    /* CMYK cannot be kept faithfully: refused, with the reason */

    {
        static const jpeg_variant_t  cmyk = {
            JCS_CMYK, 1, 1, 0, 0, 85, 0, 0, 0
        };

        jpeg = make_jpeg(photo, &cmyk, &jlen);
        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_UNSUPPORTED
              && strstr(err.msg, "CMYK") != NULL, "CMYK: %s: %s",
              ngx_http_overlay_reason(rc), err.msg);
        free(jpeg);
    }

    /* a forced quality re-encodes the whole image, markers kept */

    {
        static const jpeg_variant_t  prog = {
            JCS_YCbCr, 2, 2, 1, 0, 95, 6, 0, 0
        };

        jpeg = make_jpeg(photo, &prog, &jlen);
        opts.codec.jpeg_quality = 40;

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && blob.len < jlen / 2,
              "quality 40: %s, %zu bytes of %lu", err.msg, blob.len, jlen);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            read_coefs(blob.data, blob.len, &b);
            CHECK(b.progressive && b.icc && b.orientation == 6
                  && strcmp(b.com, "(c) test") == 0,
                  "quality 40: progressive %d, ICC %d, orientation %u",
                  b.progressive, b.icc, b.orientation);
            free_coefs(&b);
            ngx_http_overlay_codec_free(&blob);
        }

        opts.codec.jpeg_quality = 0;
        free(jpeg);
    }

    /* a truncated JPEG is refused, not drawn on half grey */

    data = read_fixture("rocket.jpg", &len);
    rc = ngx_http_overlay_composite(data, len * 2 / 3, &spec, &opts, &info,
                                    &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "truncated: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);
    free(data);

    gdImageDestroy(photo);
}



/* the Huffman tables of a JPEG, one string each, sorted */

static int
jpeg_tables(const unsigned char *p, size_t len, char tables[8][300])
{
    int     n, k, count;
    size_t  i, seg, t;

    n = 0;

    for (i = 2; i + 4 <= len && p[i] == 0xff && p[i + 1] != 0xda;
         i += 2 + seg)
    {
        seg = (size_t) p[i + 2] << 8 | p[i + 3];

        if (p[i + 1] != 0xc4) {
            continue;
        }

        for (t = i + 4; t + 17 <= i + 2 + seg && n < 8; t += 17 + count) {
            for (k = 1, count = 0; k <= 16; k++) {
                count += p[t + k];
            }

            tables[n][0] = '\0';

            for (k = 0; k < 17 + count && k < 140; k++) {
                snprintf(tables[n] + 2 * k, 3, "%02x", p[t + k]);
            }

            n++;
        }
    }

    qsort(tables, (size_t) n, sizeof(tables[0]),
          (int (*)(const void *, const void *)) strcmp);

    return n;
}


static void
quiet_jpeg_message(j_common_ptr cinfo, int level)
{
    if (level < 0) {
        cinfo->err->num_warnings++;
    }
}


/* libjpeg's warnings when decoding: corrupt entropy-coded data shows */

static long
jpeg_warnings(const unsigned char *p, size_t len)
{
    JSAMPROW                       rows[1];
    unsigned char                 *row;
    struct jpeg_error_mgr          jerr;
    struct jpeg_decompress_struct  d;

    d.err = jpeg_std_error(&jerr);
    jerr.emit_message = quiet_jpeg_message;
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long) len);
    (void) jpeg_read_header(&d, TRUE);
    (void) jpeg_start_decompress(&d);

    row = malloc((size_t) d.output_width * d.output_components);
    rows[0] = row;

    while (d.output_scanline < d.output_height) {
        (void) jpeg_read_scanlines(&d, rows, 1);
    }

    (void) jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);

    return jerr.num_warnings;
}


/*
 * A 600x390 4:2:0 JPEG made of coefficients: every AC symbol of both
 * tables occurs (each run with each size, runs of 16 zeros, ends of block),
 * every DC is 0; with optimal tables, the DC tables hold the category 0
 * only, and the AC tables everything.
 */

static unsigned char *
make_coef_jpeg(unsigned long *len)
{
    int                          c, k, n;
    JDIMENSION                   bx, by, w[3], h[3];
    JBLOCKARRAY                  row;
    unsigned char               *out;
    jvirt_barray_ptr             arrays[3];
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  cinfo;

    static const int  zigzag[DCTSIZE2] = {
         0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
    };

    out = NULL;
    *len = 0;

    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &out, len);

    cinfo.image_width = 600;
    cinfo.image_height = 390;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;

    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 85, TRUE);
    cinfo.optimize_coding = TRUE;

    for (c = 0; c < 3; c++) {
        n = c ? 1 : 2;
        w[c] = (600 * n / 2 + 7) / 8;
        h[c] = (390 * n / 2 + 7) / 8;
        arrays[c] = (*cinfo.mem->request_virt_barray)((j_common_ptr) &cinfo,
                        JPOOL_IMAGE, TRUE, (w[c] + n - 1) / n * n,
                        (h[c] + n - 1) / n * n, (JDIMENSION) n);
    }

    (*cinfo.mem->realize_virt_arrays)((j_common_ptr) &cinfo);

    for (c = 0; c < 3; c++) {
        for (by = 0; by < h[c]; by++) {
            row = (*cinfo.mem->access_virt_barray)((j_common_ptr) &cinfo,
                                                   arrays[c], by, 1, TRUE);

            for (bx = 0; bx < w[c]; bx++) {
                JCOEF  *b = row[0][bx];

                n = (int) (by * w[c] + bx);
                k = 1 + n % 16;

                memset(b, 0, sizeof(JBLOCK));
                b[zigzag[k]] = (JCOEF) (1 << ((n / 16) % 10));

                if (n % 7 == 0) {
                    b[zigzag[63]] = -1;
                }
            }
        }
    }

    jpeg_write_coefficients(&cinfo, arrays);
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    return out;
}


/*
 * The DCT path codes its output with the source's own Huffman tables when
 * they hold every symbol the new blocks need, else with optimal ones: at
 * every position, with dummy blocks at the right and bottom edges,
 * restart intervals, greyscale, and optimized tables that lack symbols,
 * the output decodes without a warning, the source's blocks outside the
 * overlay's MCUs are unchanged, and the tables are the source's when they
 * are complete (libjpeg's standard ones).
 */

static void
test_jpeg_tables(void)
{
    int                             i, p, c, by, bx, outside, flat, ntin,
                                    ntout, same;
    char                            name[96], tin[8][300], tout[8][300];
    size_t                          len;
    gdImagePtr                      photo, im;
    unsigned char                  *data, *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const struct {
        jpeg_variant_t  v;
        int             w, h, flat;
    } sources[] = {
        /* 600x390: dummy blocks at the right and at the bottom */
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 5 }, 600, 390, 0 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 1, 0 }, 600, 390, 0 },
        { { JCS_YCbCr, 1, 1, 0, 0, 90, 0, 1, 7 }, 600, 390, 0 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 1, 3 }, 600, 390, 0 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 }, 601, 391, 0 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 1, 0 }, 600, 390, 1 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 1, 0 }, 600, 390, 1 },
        /* made of coefficients: only the DC tables lack symbols */
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 1, 0 }, 600, 390, 2 },
    };

    static const ngx_http_overlay_position_e  positions[] = {
        NGX_HTTP_OVERLAY_TOP_RIGHT, NGX_HTTP_OVERLAY_BOTTOM_LEFT,
        NGX_HTTP_OVERLAY_BOTTOM_RIGHT, NGX_HTTP_OVERLAY_CENTER
    };

    ngx_http_overlay_options_init(&opts);

    data = read_fixture("coffee.jpg", &len);
    photo = decode_image(data, len);
    free(data);

    if (photo == NULL) {
        CHECK(0, "coffee.jpg does not decode");
        return;
    }

    flat = 0;

    for (i = 0; i < (int) (sizeof(sources) / sizeof(sources[0])); i++) {

        im = gdImageCreateTrueColor(sources[i].w, sources[i].h);

        if (sources[i].flat == 1) {
            gdImageFilledRectangle(im, 0, 0, sources[i].w, sources[i].h,
                                   gdTrueColor(90, 110, 130));
        } else {
            gdImageCopy(im, photo, 0, 0, 0, 0, sources[i].w, sources[i].h);
        }

        jpeg = (sources[i].flat == 2) ? make_coef_jpeg(&jlen)
                                      : make_jpeg(im, &sources[i].v, &jlen);
        gdImageDestroy(im);

        ntin = jpeg_tables(jpeg, jlen, tin);
        read_coefs(jpeg, jlen, &a);

        for (p = 0; p < 4; p++) {
            snprintf(name, sizeof(name), "tables: source %d (%dx%d%s%s), "
                     "position %d", i, sources[i].w, sources[i].h,
                     sources[i].v.optimize ? ", optimized" : "",
                     sources[i].flat == 2 ? ", coefficients"
                     : sources[i].flat ? ", flat" : "", (int) positions[p]);

            one_text(&spec, &opts, "Last Chance!");
            spec.layers[0].position = positions[p];

            rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                            &blob, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

            if (rc != NGX_HTTP_OVERLAY_OK) {
                continue;
            }

            CHECK(jpeg_warnings(blob.data, blob.len) == 0,
                  "%s: the output decodes with warnings", name);

            /* the blocks that differ are all under the overlay's MCUs */

            (void) ngx_http_overlay_render_layout(&layout, &spec,
                                                  &opts.render,
                                                  (int) info.width,
                                                  (int) info.height, &err);
            read_coefs(blob.data, blob.len, &b);
            outside = 0;

            for (c = 0; c < a.ncomp; c++) {
                int  sx = (c == 0 || a.ncomp == 1) ? 8 : 8 * sources[i].v.h;
                int  sy = (c == 0 || a.ncomp == 1) ? 8 : 8 * sources[i].v.v;

                for (by = 0; by < a.h[c]; by++) {
                    for (bx = 0; bx < a.w[c]; bx++) {
                        int  px = bx * sx, py = by * sy;

                        if (memcmp(&a.coef[c][((size_t) by * a.w[c] + bx)
                                              * DCTSIZE2],
                                   &b.coef[c][((size_t) by * b.w[c] + bx)
                                              * DCTSIZE2],
                                   sizeof(JBLOCK)) == 0)
                        {
                            continue;
                        }

                        if (px + sx <= layout.bounds.x - 16
                            || px >= layout.bounds.x + layout.bounds.w + 16
                            || py + sy <= layout.bounds.y - 16
                            || py >= layout.bounds.y + layout.bounds.h + 16)
                        {
                            outside++;
                        }
                    }
                }
            }

            ngx_http_overlay_render_free(&layout);
            free_coefs(&b);

            CHECK(outside == 0, "%s: %d blocks changed outside", name,
                  outside);

            /* the source's tables when they are libjpeg's complete ones */

            ntout = jpeg_tables(blob.data, blob.len, tout);
            same = (ntin == ntout);

            for (c = 0; same && c < ntin; c++) {
                same = (strcmp(tin[c], tout[c]) == 0);
            }

            if (!sources[i].v.optimize) {
                CHECK(same && blob.len < jlen + jlen / 10,
                      "%s: the source's tables kept (%d of %d), %zu bytes "
                      "of %lu", name, ntout, ntin, blob.len, jlen);
            }

            if (sources[i].flat) {
                flat += !same;
            }

            ngx_http_overlay_codec_free(&blob);
        }

        free_coefs(&a);
        free(jpeg);
    }

    /* optimal tables that lack what text needs: new tables */

    CHECK(flat == 12, "tables: %d of 12 images with incomplete tables got "
          "new tables", flat);

    gdImageDestroy(photo);
}


/* the splice alone, on the coefficients of a JPEG libjpeg read */

typedef struct {
    unsigned                       w[4];        /* blocks, whole MCUs */
    unsigned                       h[4];
    JCOEF                         *coef[4];
    ngx_http_overlay_splice_dht_t  dht[2][4];
} splice_arrays_t;


static short *
splice_block(void *data, unsigned c, unsigned bx, unsigned by)
{
    splice_arrays_t  *a = data;

    return a->coef[c] + ((size_t) by * a->w[c] + bx) * DCTSIZE2;
}


/* s made as the codec makes it, from libjpeg's reading of the header */

static int
splice_setup(ngx_http_overlay_splice_t *s, splice_arrays_t *a,
    const unsigned char *p, size_t len)
{
    int                             c, t, rc;
    unsigned                        mcu_w, mcu_h;
    JHUFF_TBL                      *tbl;
    jpeg_component_info            *ci;
    struct jpeg_error_mgr           jerr;
    struct jpeg_decompress_struct   d;

    memset(s, 0, sizeof(ngx_http_overlay_splice_t));

    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long) len);
    (void) jpeg_read_header(&d, TRUE);

    s->ncomps = (unsigned) d.comps_in_scan;

    for (c = 0; c < d.comps_in_scan; c++) {
        ci = d.cur_comp_info[c];
        s->comp[c].index = (unsigned) ci->component_index;
        s->comp[c].h = (unsigned) ci->h_samp_factor;
        s->comp[c].v = (unsigned) ci->v_samp_factor;
        s->comp[c].width = ci->width_in_blocks;
        s->comp[c].height = ci->height_in_blocks;
        s->comp[c].dc = (unsigned) ci->dc_tbl_no;
        s->comp[c].ac = (unsigned) ci->ac_tbl_no;
    }

    for (c = 0; c < d.num_components; c++) {
        ci = &d.comp_info[c];
        a->w[c] = (ci->width_in_blocks + ci->h_samp_factor - 1)
                  / ci->h_samp_factor * ci->h_samp_factor;
        a->h[c] = (ci->height_in_blocks + ci->v_samp_factor - 1)
                  / ci->v_samp_factor * ci->v_samp_factor;

        if (a->coef[c] == NULL) {
            a->coef[c] = calloc((size_t) a->w[c] * a->h[c], sizeof(JBLOCK));
        }
    }

    mcu_w = (unsigned) d.max_h_samp_factor * DCTSIZE;
    mcu_h = (unsigned) d.max_v_samp_factor * DCTSIZE;
    s->mcus_per_row = (d.image_width + mcu_w - 1) / mcu_w;
    s->mcu_rows = (d.image_height + mcu_h - 1) / mcu_h;
    s->restart_interval = d.restart_interval;

    for (t = 0; t < 4; t++) {
        for (c = 0; c < 2; c++) {
            tbl = c ? d.ac_huff_tbl_ptrs[t] : d.dc_huff_tbl_ptrs[t];

            if (tbl == NULL) {
                continue;
            }

            memcpy(a->dht[c][t].bits, tbl->bits, 17);
            memcpy(a->dht[c][t].huffval, tbl->huffval, 256);

            if (c) {
                s->ac[t] = &a->dht[c][t];

            } else {
                s->dc[t] = &a->dht[c][t];
            }
        }
    }

    s->block = splice_block;
    s->data = a;

    rc = ngx_http_overlay_splice_init(s, p, len,
                                      (size_t) (d.src->next_input_byte - p));

    jpeg_destroy_decompress(&d);

    return rc;
}


/*
 * The whole scan through the splice's decoder, which is stricter than
 * libjpeg-turbo: no code but the tables', and less than a byte of padding
 * before each restart marker and EOI (libjpeg-turbo skips more before EOI
 * without a word).  0, or -1.
 */

static int
splice_strict(const unsigned char *p, size_t len)
{
    int                        c, rc;
    unsigned                   W, H;
    splice_arrays_t            arr;
    ngx_http_overlay_splice_t  s;

    memset(&arr, 0, sizeof(splice_arrays_t));

    rc = splice_setup(&s, &arr, p, len);

    if (rc == 0) {
        W = s.ncomps == 1 ? s.comp[0].width : s.mcus_per_row;
        H = s.ncomps == 1 ? s.comp[0].height : s.mcu_rows;
        rc = ngx_http_overlay_splice_decode(&s, W - 1, H - 1, W, H);
    }

    ngx_http_overlay_splice_free(&s);

    for (c = 0; c < 4; c++) {
        free(arr.coef[c]);
    }

    return rc;
}


/* got is want but for its last AC coefficient, a 1 or -1, dropped */

static int
dropped_last(const JCOEF *want, const JCOEF *got)
{
    int  k, last;

    static const int  zigzag[DCTSIZE2] = {
         0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
    };

    for (last = 63; last > 0 && want[zigzag[last]] == 0; last--) {
        /* void */
    }

    if (last == 0 || last == 63
        || (want[zigzag[last]] != 1 && want[zigzag[last]] != -1)
        || got[zigzag[last]] != 0)
    {
        return 0;
    }

    for (k = 0; k < DCTSIZE2; k++) {
        if (k != zigzag[last] && got[k] != want[k]) {
            return 0;
        }
    }

    return 1;
}


/*
 * The splice itself, on rectangles of MCUs at the corners, the edges and
 * inside, of images with partial MCUs, restart intervals and a component
 * alone: unchanged, the output is the source, byte for byte; with one
 * block changed (its DC, which the next block's difference follows from,
 * and an AC coefficient, of sizes that shift the rest by every number of
 * bits), it decodes without a warning to the source's coefficients but
 * that block's.  With adjust (every other change), blocks of the
 * rectangle may also have lost their last AC coefficient, a 1 or -1, and
 * some did; with jump (every other pair), restart intervals are passed
 * over by their markers, to the same output.
 */

static void
test_jpeg_splice_unit(void)
{
    int                         c, k, bad, zz, dropped, rest;
    char                        name[128];
    size_t                      len, i, r, n, nb;
    unsigned                    W, H, x0, y0, x1, y1, bx, by, v;
    gdImagePtr                  photo;
    unsigned char              *data, *jpeg;
    unsigned long               jlen;
    jpeg_coefs_t                a, b;
    splice_arrays_t             arr;
    ngx_http_overlay_splice_t   s;

    static const struct {
        jpeg_variant_t  v;
        int             w, h;
    } sources[] = {
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 }, 600, 390 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 0, 5 }, 601, 391 },
        { { JCS_YCbCr, 1, 1, 0, 1, 90, 0, 0, 0 }, 601, 391 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 0, 7 }, 601, 391 },
        { { JCS_YCbCr, 2, 2, 0, 0, 75, 0, 0, 1 }, 601, 391 },
    };

    static const int  zigzag[DCTSIZE2] = {
         0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
    };

    data = read_fixture("coffee.jpg", &len);
    photo = decode_image(data, len);
    free(data);

    if (photo == NULL) {
        CHECK(0, "coffee.jpg does not decode");
        return;
    }

    dropped = 0;
    rest = 0;

    for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {

        jpeg = crop_jpeg(photo, sources[i].w, sources[i].h, &sources[i].v,
                         &jlen);

        read_coefs(jpeg, jlen, &a);
        memset(&arr, 0, sizeof(splice_arrays_t));

        if (splice_setup(&s, &arr, jpeg, jlen) != 0) {
            CHECK(0, "splice source %zu: %s", i, s.why);
            free_coefs(&a);
            free(jpeg);
            continue;
        }

        W = s.ncomps == 1 ? s.comp[0].width : s.mcus_per_row;
        H = s.ncomps == 1 ? s.comp[0].height : s.mcu_rows;

        for (r = 0; r < 9; r++) {
            static const unsigned  rects[9][4] = {
                { 0, 0, 1, 1 }, { 1000, 0, 1001, 1 }, { 0, 1000, 1, 1001 },
                { 1000, 1000, 1001, 1001 }, { 10, 5, 13, 8 },
                { 1000, 0, 1001, 1001 }, { 0, 0, 2, 1001 },
                { 0, 3, 1001, 4 }, { 0, 0, 1001, 1001 }
            };

            /* 1000: the last column or row; 1001: the end */

            x0 = rects[r][0] == 1000 ? W - 1 : rects[r][0];
            y0 = rects[r][1] == 1000 ? H - 1 : rects[r][1];
            x1 = rects[r][2] == 1001 ? W : rects[r][2];
            y1 = rects[r][3] == 1001 ? H : rects[r][3];

            for (v = 0; v < 10; v++) {
                snprintf(name, sizeof(name), "splice: source %zu (%dx%d), "
                         "MCUs %u,%u to %u,%u, change %u", i,
                         sources[i].w, sources[i].h, x0, y0, x1, y1, v);

                (void) splice_setup(&s, &arr, jpeg, jlen);

                s.adjust = v & 1;
                s.jump = (v >> 1) & 1;

                if (ngx_http_overlay_splice_decode(&s, x0, y0, x1, y1)
                    != 0)
                {
                    CHECK(0, "%s: decode: %s", name, s.why);
                    ngx_http_overlay_splice_free(&s);
                    break;
                }

                /* change 0: none; then the first block of the first MCU */

                bx = x0 * s.comp[0].h;
                by = y0 * s.comp[0].v;

                if (s.ncomps == 1) {
                    bx = x0;
                    by = y0;
                }

                zz = zigzag[1 + (int) (v * 11) % 63];

                if (v != 0) {
                    JCOEF  *blk = (JCOEF *) splice_block(&arr,
                                                         s.comp[0].index,
                                                         bx, by);

                    blk[0] = (JCOEF) (blk[0] + (int) v - 6);
                    blk[zz] = (JCOEF) (blk[zz] + ((v & 1) ? -1 : 1)
                                                 * ((1 << v) + (int) v));
                }

                if (ngx_http_overlay_splice_encode(&s) != 0) {
                    CHECK(0, "%s: encode: %s", name, s.why);
                    ngx_http_overlay_splice_free(&s);
                    break;
                }

                if (v == 0) {
                    CHECK(s.out_len == jlen
                          && memcmp(s.out, jpeg, jlen) == 0,
                          "%s: %zu bytes of %lu, not the source", name,
                          s.out_len, jlen);
                    ngx_http_overlay_splice_free(&s);
                    continue;
                }

                CHECK(jpeg_warnings(s.out, s.out_len) == 0
                      && splice_strict(s.out, s.out_len) == 0,
                      "%s: the output decodes with warnings", name);

                read_coefs(s.out, s.out_len, &b);
                bad = 0;
                k = dropped;

                for (c = 0; c < a.ncomp; c++) {
                    for (n = 0; n < (size_t) a.w[c] * a.h[c]; n++) {
                        int     mx, my;
                        JCOEF   want[DCTSIZE2];
                        JCOEF  *y = &b.coef[c][n * DCTSIZE2];

                        memcpy(want, &a.coef[c][n * DCTSIZE2],
                               sizeof(JBLOCK));

                        nb = (size_t) by * a.w[c] + bx;

                        if (c == (int) s.comp[0].index && n == nb) {
                            want[0] = (JCOEF) (want[0] + (int) v - 6);
                            want[zz] = (JCOEF) (want[zz]
                                                + ((v & 1) ? -1 : 1)
                                                  * ((1 << v) + (int) v));
                        }

                        if (memcmp(want, y, sizeof(JBLOCK)) == 0) {
                            continue;
                        }

                        /* the block's MCU, in the rectangle */

                        mx = (int) (n % (size_t) a.w[c]);
                        my = (int) (n / (size_t) a.w[c]);

                        if (s.ncomps > 1) {
                            mx /= (int) s.comp[c].h;
                            my /= (int) s.comp[c].v;
                        }

                        if (s.adjust && mx >= (int) x0 && mx < (int) x1
                            && my >= (int) y0 && my < (int) y1
                            && dropped_last(want, y))
                        {
                            dropped++;
                            continue;
                        }

                        bad++;
                    }
                }

                CHECK(bad == 0, "%s: %d blocks or coefficients not as "
                      "expected", name, bad);

                /* what was dropped spared decoding the rest */

                CHECK(k == dropped || !s.rest_decoded,
                      "%s: coefficients dropped, and the rest decoded",
                      name);

                rest += s.rest_decoded;

                free_coefs(&b);
                ngx_http_overlay_splice_free(&s);
            }
        }

        for (c = 0; c < 4; c++) {
            free(arr.coef[c]);
        }

        free_coefs(&a);
        free(jpeg);
    }

    CHECK(dropped > 0 && rest > 0, "splice: adjust dropped %d "
          "coefficients, the rest decoded %d times", dropped, rest);

    gdImageDestroy(photo);
}


/* the offset of the n-th (from 1) restart marker after the SOS, or 0 */

static size_t
rst_offset(const unsigned char *p, size_t len, unsigned n)
{
    size_t  i, seg;

    for (i = 2; i + 4 <= len && p[i] == 0xff && p[i + 1] != 0xda;
         i += 2 + seg)
    {
        seg = (size_t) p[i + 2] << 8 | p[i + 3];
    }

    if (i + 4 > len || p[i + 1] != 0xda) {
        return 0;
    }

    for (i += 2 + ((size_t) p[i + 2] << 8 | p[i + 3]); i + 1 < len; i++) {

        if (p[i] != 0xff || p[i + 1] == 0x00) {
            continue;
        }

        if (p[i + 1] < 0xd0 || p[i + 1] > 0xd7) {
            return 0;
        }

        if (--n == 0) {
            return i;
        }
    }

    return 0;
}


/*
 * Baseline JPEGs are changed in their entropy-coded data: in every
 * sampling, with partial MCUs at the right and bottom, restart intervals
 * in MCUs and in rows, a badge at each corner and the centre, EXIF
 * orientations.  The splice shows in the bytes it copies: what follows
 * EOI (the other path drops it), the data up to the restart marker before
 * the overlay's first MCU, and from the marker after its last; and every
 * block outside the overlay's MCUs is the source's, and the output
 * decodes without a warning.  Progressive JPEGs take the other path.
 */

static void
test_jpeg_splice(void)
{
    int                             c, by, bx, outside, changed, mw, mh,
                                    x0, y0, x1, y1, sx, sy, k;
    char                            name[128];
    size_t                          len, i, p, t, off, offo, same;
    unsigned                        ri, W, H, first, last, n;
    gdImagePtr                      photo;
    unsigned char                  *data, *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char  trailer[] = "bytes after EOI";

    static const struct {
        jpeg_variant_t  v;
        int             w, h, splice;
    } sources[] = {
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 }, 600, 390, 1 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 5 }, 601, 391, 1 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 0, 7 }, 600, 390, 1 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 0, 1 }, 601, 391, 1 },
        { { JCS_YCbCr, 1, 1, 0, 1, 90, 0, 0, 0 }, 601, 391, 1 },
        { { JCS_YCbCr, 1, 1, 0, 0, 90, 0, 0, 0 }, 600, 390, 1 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 0, 5 }, 600, 390, 1 },
        { { JCS_GRAYSCALE, 1, 1, 0, 2, 85, 0, 0, 0 }, 601, 391, 1 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 6, 0, 0 }, 601, 391, 1 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 3, 0, 7 }, 600, 390, 1 },
        { { JCS_YCbCr, 2, 2, 1, 0, 85, 0, 0, 0 }, 600, 390, 0 },
    };

    static const ngx_http_overlay_position_e  positions[] = {
        NGX_HTTP_OVERLAY_TOP_RIGHT, NGX_HTTP_OVERLAY_BOTTOM_LEFT,
        NGX_HTTP_OVERLAY_BOTTOM_RIGHT, NGX_HTTP_OVERLAY_CENTER,
        NGX_HTTP_OVERLAY_TOP_LEFT
    };

    ngx_http_overlay_options_init(&opts);

    data = read_fixture("coffee.jpg", &len);
    photo = decode_image(data, len);
    free(data);

    if (photo == NULL) {
        CHECK(0, "coffee.jpg does not decode");
        return;
    }

    t = sizeof(trailer) - 1;

    for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
        const jpeg_variant_t  *v = &sources[i].v;

        jpeg = crop_jpeg(photo, sources[i].w, sources[i].h, v, &jlen);

        jpeg = realloc(jpeg, jlen + t);
        memcpy(jpeg + jlen, trailer, t);
        jlen += t;

        read_coefs(jpeg, jlen, &a);

        /* the MCUs of the scan; a component alone has one block each */

        mw = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->h;
        mh = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->v;
        W = (unsigned) ((sources[i].w + mw - 1) / mw);
        H = (unsigned) ((sources[i].h + mh - 1) / mh);
        ri = v->restart_mcus ? (unsigned) v->restart_mcus
                             : (unsigned) v->restart * W;

        for (p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
            snprintf(name, sizeof(name), "splice: source %zu (%dx%d, "
                     "%dx%d, restarts %u, orientation %u), position %d",
                     i, sources[i].w, sources[i].h, v->h, v->v, ri,
                     v->orientation, (int) positions[p]);

            one_text(&spec, &opts, "Last Chance!");
            spec.layers[0].position = positions[p];

            rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                            &blob, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

            if (rc != NGX_HTTP_OVERLAY_OK) {
                continue;
            }

            same = (blob.len > t
                    && memcmp(blob.data + blob.len - t, trailer, t) == 0);

            CHECK(same == (size_t) sources[i].splice,
                  "%s: the bytes after EOI %s", name,
                  same ? "kept, but not spliced" : "dropped, not spliced");

            CHECK(jpeg_warnings(blob.data, blob.len) == 0
                  && (!sources[i].splice
                      || splice_strict(blob.data, blob.len) == 0),
                  "%s: the output decodes with warnings", name);

            /* the overlay's bounds in the stored image, in whole MCUs */

            (void) ngx_http_overlay_render_layout(&layout, &spec,
                                                  &opts.render,
                                                  (int) info.width,
                                                  (int) info.height, &err);
            x0 = INT_MAX;
            y0 = INT_MAX;
            x1 = 0;
            y1 = 0;

            for (k = 0; k < 4; k++) {
                ngx_http_overlay_orient_point(info.orientation,
                    sources[i].w, sources[i].h,
                    layout.bounds.x + (k & 1) * (layout.bounds.w - 1),
                    layout.bounds.y + (k >> 1) * (layout.bounds.h - 1),
                    &sx, &sy);
                x0 = sx < x0 ? sx : x0;
                y0 = sy < y0 ? sy : y0;
                x1 = sx + 1 > x1 ? sx + 1 : x1;
                y1 = sy + 1 > y1 ? sy + 1 : y1;
            }

            ngx_http_overlay_render_free(&layout);

            mw = 8 * v->h;
            mh = 8 * v->v;
            x0 = x0 / mw * mw;
            y0 = y0 / mh * mh;
            x1 = (x1 + mw - 1) / mw * mw;
            y1 = (y1 + mh - 1) / mh * mh;

            /* blocks changed outside those MCUs, and under them */

            read_coefs(blob.data, blob.len, &b);
            outside = 0;
            changed = 0;

            for (c = 0; c < a.ncomp; c++) {
                sx = (c == 0 || a.ncomp == 1) ? 8 : 8 * v->h;
                sy = (c == 0 || a.ncomp == 1) ? 8 : 8 * v->v;

                for (by = 0; by < a.h[c]; by++) {
                    for (bx = 0; bx < a.w[c]; bx++) {
                        if (memcmp(&a.coef[c][((size_t) by * a.w[c] + bx)
                                              * DCTSIZE2],
                                   &b.coef[c][((size_t) by * b.w[c] + bx)
                                              * DCTSIZE2],
                                   sizeof(JBLOCK)) == 0)
                        {
                            continue;
                        }

                        if (bx * sx + sx <= x0 || bx * sx >= x1
                            || by * sy + sy <= y0 || by * sy >= y1)
                        {
                            outside++;

                        } else {
                            changed++;
                        }
                    }
                }
            }

            free_coefs(&b);

            CHECK(outside == 0 && changed > 0,
                  "%s: %d blocks changed outside the overlay's MCUs, %d "
                  "under them", name, outside, changed);

            /*
             * With restart intervals, the bytes up to the marker that
             * begins the first changed MCU's interval, and from the one
             * after the last's, are the source's
             */

            if (ri != 0 && sources[i].splice) {
                mw = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->h;
                mh = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->v;
                first = (unsigned) (y0 / mh) * W + (unsigned) (x0 / mw);
                last = (unsigned) ((y1 + mh - 1) / mh - 1) * W
                       + (unsigned) ((x1 + mw - 1) / mw - 1);
                last = last < W * H ? last : W * H - 1;

                n = first / ri;
                off = (n != 0) ? rst_offset(jpeg, jlen, n) + 2 : 0;

                CHECK(n == 0 || (off > 2 && memcmp(jpeg, blob.data, off)
                                            == 0),
                      "%s: the bytes up to restart marker %u not the "
                      "source's", name, n);

                n = last / ri + 1;

                if (n * ri < W * H) {
                    off = rst_offset(jpeg, jlen, n);
                    offo = rst_offset(blob.data, blob.len, n);

                    CHECK(off != 0 && offo != 0
                          && jlen - off == blob.len - offo
                          && memcmp(jpeg + off, blob.data + offo,
                                    jlen - off) == 0,
                          "%s: the bytes from restart marker %u not the "
                          "source's", name, n);
                }
            }

            ngx_http_overlay_codec_free(&blob);
        }

        free_coefs(&a);
        free(jpeg);
    }

    /*
     * Data the splice's decoder finds invalid before the overlay (48 one
     * bits: no code): it declines, and the other path takes the image as
     * libjpeg does (libjpeg-turbo decodes such a code as a zero, and
     * says nothing)
     */

    {
        static const jpeg_variant_t  plain = {
            JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0
        };

        jpeg = crop_jpeg(photo, 600, 390, &plain, &jlen);

        CHECK(rst_offset(jpeg, jlen, 1) == 0, "no restart markers");

        for (off = jlen / 3; jpeg[off - 1] == 0xff; off++) {
            /* void */
        }

        for (k = 0; k < 6; k++) {
            jpeg[off + 2 * k] = 0xff;
            jpeg[off + 2 * k + 1] = 0x00;
        }

        jpeg = realloc(jpeg, jlen + t);
        memcpy(jpeg + jlen, trailer, t);
        jlen += t;

        one_text(&spec, &opts, "Last Chance!");
        spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM_LEFT;

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
              || (rc == NGX_HTTP_OVERLAY_OK && blob.len > t
                  && memcmp(blob.data + blob.len - t, trailer, t) != 0),
              "splice: corrupt data before the overlay: %s: %s",
              ngx_http_overlay_reason(rc), err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(jpeg);
    }

    /*
     * Restart markers out of order before the overlay: the intervals
     * passed over by their markers are not decoded, but the markers are
     * checked; libjpeg refuses the image, as it always did
     */

    {
        static const jpeg_variant_t  restarts = {
            JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 3
        };

        jpeg = crop_jpeg(photo, 600, 390, &restarts, &jlen);

        off = rst_offset(jpeg, jlen, 20);
        offo = rst_offset(jpeg, jlen, 21);

        CHECK(off != 0 && offo != 0, "splice: no restart markers");

        if (off != 0 && offo != 0) {
            k = jpeg[off + 1];
            jpeg[off + 1] = jpeg[offo + 1];
            jpeg[offo + 1] = (unsigned char) k;
        }

        one_text(&spec, &opts, "Last Chance!");
        spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM_LEFT;

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE,
              "splice: restart markers out of order: %s: %s",
              ngx_http_overlay_reason(rc), err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(jpeg);
    }

    gdImageDestroy(photo);
}



static void
test_formats(void)
{
    int                             a;
    size_t                          len, i;
    gdImagePtr                      out;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const struct {
        const char                 *name;
        ngx_http_overlay_rc_e       rc;
        ngx_http_overlay_format_e   format;
        const char                 *msg;
    } cases[] = {
        { "thumb.webp", NGX_HTTP_OVERLAY_OK, NGX_HTTP_OVERLAY_FORMAT_WEBP,
          "" },
        { "alpha-lossless.webp", NGX_HTTP_OVERLAY_OK,
          NGX_HTTP_OVERLAY_FORMAT_WEBP, "" },
        { "thumb.gif", NGX_HTTP_OVERLAY_OK, NGX_HTTP_OVERLAY_FORMAT_GIF, "" },
        { "palette.png", NGX_HTTP_OVERLAY_OK, NGX_HTTP_OVERLAY_FORMAT_PNG,
          "" },
        { "animated.gif", NGX_HTTP_OVERLAY_UNSUPPORTED,
          NGX_HTTP_OVERLAY_FORMAT_GIF, "animated GIF" },
        { "animated.webp", NGX_HTTP_OVERLAY_UNSUPPORTED,
          NGX_HTTP_OVERLAY_FORMAT_WEBP, "animated WebP" },
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        data = read_fixture(cases[i].name, &len);

        CHECK(ngx_http_overlay_codec_detect(data, len) == cases[i].format,
              "%s: detected", cases[i].name);

        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == cases[i].rc
              && (rc == NGX_HTTP_OVERLAY_OK
                  || strstr(err.msg, cases[i].msg) != NULL),
              "%s: %s: %s", cases[i].name, ngx_http_overlay_reason(rc),
              err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            CHECK(ngx_http_overlay_codec_detect(blob.data, blob.len)
                  == cases[i].format && info.width == 320
                  && info.height == 180, "%s: %ux%u out", cases[i].name,
                  info.width, info.height);
            ngx_http_overlay_codec_free(&blob);
        }

        free(data);
    }

    /* lossless WebP: stays lossless, transparent stays transparent */

    data = read_fixture("alpha-lossless.webp", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    free(data);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        CHECK(blob.len > 20 && (memcmp(blob.data + 12, "VP8L", 4) == 0
                                || memcmp(blob.data + 12, "VP8X", 4) == 0),
              "lossless WebP out");

        out = gdImageCreateFromWebpPtr((int) blob.len, blob.data);
        a = out != NULL ? gdTrueColorGetAlpha(gdImageGetTrueColorPixel(out,
                                                                      5, 5))
                        : -1;
        CHECK(a == gdAlphaTransparent, "WebP alpha at 5,5: %d", a);

        if (out != NULL) {
            a = gdTrueColorGetAlpha(gdImageGetTrueColorPixel(out, 300, 18));
            CHECK(a == 0 || a < 30, "the badge is opaque: alpha %d", a);
            gdImageDestroy(out);
        }

        ngx_http_overlay_codec_free(&blob);
    }

    /* headers that lie or stop short */

    {
        static const unsigned char  riff[] = "RIFF\xff\xff\xff\x00WEBPVP8 ";
        static const unsigned char  gif[] = "GIF89a\x40\x01\xb4\x00\x00\x00\x00"
                                            "\x2c\x00\x00";

        rc = ngx_http_overlay_codec_probe(riff, sizeof(riff) - 1, &opts.codec,
                                          &info, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "WebP cut short: %s",
              err.msg);

        rc = ngx_http_overlay_codec_probe(gif, sizeof(gif) - 1, &opts.codec,
                                          &info, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "GIF cut short: %s",
              err.msg);
    }
}



/* review findings: each of these once crashed, hung, blew up or cut short */

static void
test_regressions(void)
{
    int                             k, avail, margin, pad;
    char                            text[600], *cut;
    size_t                          len, i;
    clock_t                         start;
    gdImagePtr                      big, tall;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char *const  assets[] = { "tall" };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "x");

    /* a JPEG whose re-encoding fails after libjpeg grew its output */

    data = read_fixture("dct-overflow.jpg", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "DCT coefficient out of range") != NULL,
          "dct-overflow.jpg: %s: %s", ngx_http_overlay_reason(rc), err.msg);
    free(data);

    /* an image layer scaled far past the image: only the visible part is
     * made (it was a canvas of 4000x80000 pixels) */

    big = gdImageCreateTrueColor(4000, 2000);
    tall = gdImageCreateTrueColor(100, 2000);

    if (big != NULL && tall != NULL) {
        int  size;

        gdImageSaveAlpha(tall, 1);
        gdImageFilledRectangle(tall, 0, 0, 99, 1999,
                               gdTrueColorAlpha(30, 120, 220, 0));
        data = gdImagePngPtrEx(big, &size, 1);

        opts.spec.assets = assets;
        opts.spec.nassets = 1;
        opts.render.assets = &tall;
        opts.render.nassets = 1;

        memset(&spec, 0, sizeof(spec));
        spec.layers[0] = opts.spec.defaults;
        spec.layers[0].type = NGX_HTTP_OVERLAY_LAYER_IMAGE;
        spec.layers[0].scale = 1.0;
        spec.layers[0].opacity = 0.5;
        spec.nlayers = 1;

        start = clock();
        rc = ngx_http_overlay_composite(data, (size_t) size, &spec, &opts,
                                        &info, &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK
              && (double) (clock() - start) / CLOCKS_PER_SEC < 5.0,
              "a huge image layer: %s, %.1f s", err.msg,
              (double) (clock() - start) / CLOCKS_PER_SEC);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        gdFree(data);
        opts.spec.nassets = 0;
        opts.render.nassets = 0;
    }

    if (big != NULL) {
        gdImageDestroy(big);
    }

    if (tall != NULL) {
        gdImageDestroy(tall);
    }

    /* the ellipsis keeps the longest start that fits, in any script:
     * one more character would not fit */

    text[0] = '\0';

    for (i = 0; i < 60; i++) {
        strcat(text, i % 2 ? "a" : "\xe2\x82\xac");
    }

    one_text(&spec, &opts, text);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 100,
                                        60, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && strstr(layout.layers[0].text, "\xe2\x80\xa6") != NULL,
          "cut with an ellipsis: %s", layout.layers[0].text);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        int   brect[8];
        char  *msg;
        gdFTStringExtra  extra;

        margin = (int) lround(60 * 0.03);
        pad = (int) lround(layout.layers[0].font_px * 0.5);
        avail = 100 - 2 * margin - 2 * pad;

        /* one character more than kept, then the ellipsis */

        k = (int) (strstr(layout.layers[0].text, "\xe2\x80\xa6")
                   - layout.layers[0].text);
        k += ((unsigned char) text[k] >= 0xc0) ? 3 : 1;

        cut = malloc((size_t) k + 4);
        memcpy(cut, text, (size_t) k);
        memcpy(cut + k, "\xe2\x80\xa6", 4);

        memset(&extra, 0, sizeof(extra));
        extra.flags = gdFTEX_RESOLUTION;
        extra.hdpi = 72;
        extra.vdpi = 72;

        msg = gdImageStringFTEx(NULL, brect, 0,
                                (char *) NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                layout.layers[0].font_px, 0.0, 0, 0, cut,
                                &extra);
        CHECK(msg == NULL && brect[2] - brect[0] > avail,
              "a longer cut would fit: \"%s\" is %d of %d pixels", cut,
              brect[2] - brect[0], avail);
        free(cut);

        ngx_http_overlay_render_free(&layout);
    }
}



/* a glyph drawn alone, as a bitmap of its coverage, to compare */

static int
glyph_bitmap(const char *utf8, unsigned char *bits, size_t size)
{
    int               x, y, brect[8];
    char             *msg;
    size_t            i;
    gdImagePtr        im;
    gdFTStringExtra   extra;

    im = gdImageCreateTrueColor(48, 48);
    if (im == NULL) {
        return -1;
    }

    memset(&extra, 0, sizeof(extra));
    extra.flags = gdFTEX_RESOLUTION;
    extra.hdpi = 72;
    extra.vdpi = 72;

    msg = gdImageStringFTEx(im, brect, gdTrueColor(255, 255, 255),
                            (char *) NGX_HTTP_OVERLAY_DEFAULT_FONT, 24.0,
                            0.0, 8, 36, (char *) utf8, &extra);

    i = 0;

    for (y = 0; y < 48; y++) {
        for (x = 0; x < 48 && i < size; x++) {
            bits[i++] = (unsigned char) gdTrueColorGetRed(
                                          gdImageGetTrueColorPixel(im, x, y));
        }
    }

    gdImageDestroy(im);

    return msg == NULL ? 0 : -1;
}


static void
test_glyphs_and_edges(void)
{
    int                             x, y, c, a, partial, dark;
    size_t                          len, i, n;
    gdImagePtr                      out;
    unsigned char                  *data, notdef[48 * 48], g[48 * 48];
    unsigned char                   json[256];
    const unsigned char            *p;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char  *texts[] = {
        "pi\xc4\x99kna dziewczyna",                         /* Polish */
        "jednoro\xc5\xbe" "ec",                             /* Czech */
        "\xc3\x9c" "ber",                                   /* German */
        "\xd0\x9f\xd0\xbe\xd1\x81\xd0\xbb\xd0\xb5\xd0\xb4\xd0\xbd\xd0\xb8"
        "\xd0\xb9 \xd1\x88\xd0\xb0\xd0\xbd\xd1\x81",        /* Russian */
        "\xce\xa4\xce\xb5\xce\xbb\xce\xb5\xcf\x85\xcf\x84\xce\xb1\xce\xaf"
        "\xce\xb1",                                         /* Greek */
    };

    /* U+FFFF is no character: what it draws is the font's .notdef box */

    CHECK(glyph_bitmap("\xef\xbf\xbf", notdef, sizeof(notdef)) == 0,
          "the .notdef glyph draws");

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        p = (const unsigned char *) texts[i];
        n = 0;

        while (*p) {
            char    ch[5];
            size_t  l = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;

            memcpy(ch, p, l);
            ch[l] = '\0';
            p += l;

            if (ch[0] == ' ') {
                continue;
            }

            if (glyph_bitmap(ch, g, sizeof(g)) == 0
                && memcmp(g, notdef, sizeof(g)) == 0)
            {
                n++;
            }
        }

        CHECK(n == 0, "\"%s\": %zu characters drawn as boxes", texts[i], n);
    }

    /* white text on a transparent PNG: its anti-aliased edge is white,
     * partly transparent, never a dark fringe */

    ngx_http_overlay_options_init(&opts);

    len = (size_t) snprintf((char *) json, sizeof(json),
                            "{\"layers\":[{\"text\":\"Fringe\",\"size\":0.2,"
                            "\"position\":\"center\",\"background\":"
                            "\"#0000\"}]}");
    rc = ngx_http_overlay_spec_parse(json, len, &opts.spec, &spec, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "fringe spec: %s", err.msg);

    data = read_fixture("transparent.png", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    free(data);

    out = rc == NGX_HTTP_OVERLAY_OK ? decode_image(blob.data, blob.len)
                                    : NULL;
    partial = 0;
    dark = 0;

    for (y = 0; out != NULL && y < gdImageSY(out); y++) {
        for (x = 0; x < gdImageSX(out); x++) {
            c = gdImageGetTrueColorPixel(out, x, y);
            a = gdTrueColorGetAlpha(c);

            if (a > 0 && a < gdAlphaMax) {
                partial++;

                if (gdTrueColorGetRed(c) < 200 || gdTrueColorGetGreen(c) < 200
                    || gdTrueColorGetBlue(c) < 200)
                {
                    dark++;
                }
            }
        }
    }

    CHECK(partial > 50 && dark == 0,
          "edges on transparency: %d partly transparent, %d dark", partial,
          dark);

    if (out != NULL) {
        gdImageDestroy(out);
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&blob);
    }

    /* grayscale and 16-bit PNGs are drawn on (and come out 8-bit RGB) */

    one_text(&spec, &opts, "Last Chance!");

    for (i = 0; i < 2; i++) {
        data = read_fixture(i == 0 ? "gray.png" : "deep16.png", &len);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && info.width == 240,
              "%s: %s", i == 0 ? "gray.png" : "deep16.png", err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(data);
    }
}



/* a 64x64 grey progressive JPEG with as many scans as progression allows */

static unsigned char *
make_scan_bomb(unsigned long *len, int *nscans)
{
    int                          k, al, n, y;
    JSAMPROW                     row;
    unsigned char               *out, pixels[64];
    jpeg_scan_info              *scans;
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  c;

    scans = calloc(64 * 11, sizeof(jpeg_scan_info));
    n = 0;

    for (k = 0; k < 64; k++) {
        for (al = 10; al >= 0; al--) {
            scans[n].comps_in_scan = 1;
            scans[n].component_index[0] = 0;
            scans[n].Ss = k;
            scans[n].Se = k;
            scans[n].Ah = al == 10 ? 0 : al + 1;
            scans[n].Al = al;
            n++;
        }
    }

    out = NULL;
    *len = 0;
    *nscans = n;

    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, len);

    c.image_width = 64;
    c.image_height = 64;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;

    jpeg_set_defaults(&c);
    c.scan_info = scans;
    c.num_scans = n;

    jpeg_start_compress(&c, TRUE);

    memset(pixels, 128, sizeof(pixels));
    row = pixels;

    for (y = 0; y < 64; y++) {
        (void) jpeg_write_scanlines(&c, &row, 1);
    }

    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(scans);

    return out;
}


static void
test_hostile_jpeg(void)
{
    int                             nscans;
    size_t                          len;
    unsigned char                  *data;
    unsigned long                   jlen;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "x");

    /* a zero quantizer: libjpeg divided by it re-encoding the region */

    data = read_fixture("zero-quant.jpg", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "has a zero") != NULL, "zero-quant.jpg: %s",
          err.msg);
    free(data);

    /* hundreds of scans, each a pass over the image: refused */

    data = make_scan_bomb(&jlen, &nscans);
    rc = ngx_http_overlay_composite(data, jlen, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "more than 256 scans") != NULL,
          "%d scans: %s: %s", nscans, ngx_http_overlay_reason(rc), err.msg);
    free(data);
}



/* PNGs made at run time, in memory, with libpng's writer */

typedef struct {
    unsigned char  *data;
    size_t          len;
    size_t          size;
} png_buf_t;


static void
png_buf_write(png_structp png, png_bytep p, size_t n)
{
    png_buf_t  *b;

    b = png_get_io_ptr(png);

    if (b->len + n > b->size) {
        b->size = (b->len + n) * 2;
        b->data = realloc(b->data, b->size);
    }

    memcpy(b->data + b->len, p, n);
    b->len += n;
}


static void
png_buf_flush(png_structp png)
{
    (void) png;
}


/* a sample of 16 bits, different in every pixel and channel */

static unsigned
png_sample(int x, int y, int c)
{
    return (unsigned) (x * 4099 + y * 9157 + c * 21011 + x * y * 37)
           & 0xffff;
}


static unsigned char *
make_png(int w, int h, int colour, int depth, int interlace, int trns,
    size_t *len)
{
    int             pass, y, c, channels, n, max;
    png_buf_t       b;
    png_color       palette[256];
    png_infop       info;
    png_bytep       row;
    png_structp     png;
    png_byte        alpha[256];
    png_color_16    tc;
    unsigned        v;

    memset(&b, 0, sizeof(png_buf_t));

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png_create_info_struct(png);

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(b.data);
        return NULL;
    }

    png_set_write_fn(png, &b, png_buf_write, png_buf_flush);
    png_set_IHDR(png, info, (png_uint_32) w, (png_uint_32) h, depth, colour,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_pHYs(png, info, 11811, 5906, PNG_RESOLUTION_METER);

    max = (1 << depth) - 1;
    n = colour == PNG_COLOR_TYPE_PALETTE ? max + 1 : 0;

    for (c = 0; c < n; c++) {
        palette[c].red = (png_byte) (c * 7 + 3);
        palette[c].green = (png_byte) (c * 13 + 100);
        palette[c].blue = (png_byte) (c * 29);
        alpha[c] = (png_byte) (c % 3 == 0 ? 0 : c % 3 == 1 ? 255 : c * 41);
    }

    if (n > 0) {
        png_set_PLTE(png, info, palette, n);

        if (trns) {
            png_set_tRNS(png, info, alpha, n > 1 ? n - 1 : 1, NULL);
        }

    } else if (trns) {
        /* the colour of the pixel at 1,0 is the transparent one */

        tc.gray = (png_uint_16) (png_sample(1, 0, 0) & max);
        tc.red = (png_uint_16) (png_sample(1, 0, 0) & max);
        tc.green = (png_uint_16) (png_sample(1, 0, 1) & max);
        tc.blue = (png_uint_16) (png_sample(1, 0, 2) & max);
        png_set_tRNS(png, info, NULL, 0, &tc);
    }

    png_write_info(png, info);

    if (depth < 8) {
        png_set_packing(png);
    }

    if (interlace) {
        (void) png_set_interlace_handling(png);
    }

    channels = png_get_channels(png, info);
    row = malloc((size_t) w * channels * 2);

    for (pass = interlace ? 7 : 1; pass > 0; pass--) {
        for (y = 0; y < h; y++) {
            unsigned char  *p = row;
            int             i;

            for (i = 0; i < w; i++) {
                for (c = 0; c < channels; c++) {
                    v = png_sample(i, y, c);

                    if (n > 0) {
                        *p++ = (unsigned char) (v % n);

                    } else if (depth == 16) {
                        *p++ = (unsigned char) (v >> 8);
                        *p++ = (unsigned char) v;

                    } else {
                        *p++ = (unsigned char) (v & max);
                    }
                }
            }

            png_write_row(png, row);
        }
    }

    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);

    *len = b.len;

    return b.data;
}


/*
 * Our decoder against libgd's, pixel for pixel: the same alpha, and the
 * same colour wherever a pixel is not fully transparent (libgd makes those
 * black).  Where libgd ignores a tRNS colour (RGB, and 16-bit grey, which
 * it rounds to 8 bits first), the sample that tRNS names must come out
 * transparent, and only it.
 */

static void
png_against_libgd(const char *name, const unsigned char *data, size_t len,
    int trns_colour)
{
    int                        x, y, a, b, diff, ta, want;
    gdImagePtr                 ours, gd;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;

    rc = ngx_http_overlay_png_decode(data, len, NGX_HTTP_OVERLAY_MAX_PIXELS,
                                     0, &ours, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    gd = gdImageCreateFromPngPtr((int) len, (void *) data);

    if (gd != NULL && !gdImageTrueColor(gd)) {
        gdImagePaletteToTrueColor(gd);
    }

    CHECK(gd != NULL && gdImageSX(gd) == gdImageSX(ours)
          && gdImageSY(gd) == gdImageSY(ours), "%s: libgd's size", name);

    if (gd == NULL || gdImageSX(gd) != gdImageSX(ours)
        || gdImageSY(gd) != gdImageSY(ours))
    {
        gdImageDestroy(ours);
        return;
    }

    diff = 0;
    ta = 0;

    for (y = 0; y < gdImageSY(ours); y++) {
        for (x = 0; x < gdImageSX(ours); x++) {
            a = gdImageGetTrueColorPixel(ours, x, y);
            b = gdImageGetTrueColorPixel(gd, x, y);

            if (trns_colour) {
                want = (gdTrueColorGetRed(b) == gdTrueColorGetRed(trns_colour)
                        && gdTrueColorGetGreen(b)
                           == gdTrueColorGetGreen(trns_colour)
                        && gdTrueColorGetBlue(b)
                           == gdTrueColorGetBlue(trns_colour));

                if (want) {
                    ta++;
                    b = gdTrueColorAlpha(gdTrueColorGetRed(b),
                                         gdTrueColorGetGreen(b),
                                         gdTrueColorGetBlue(b),
                                         gdAlphaTransparent);
                }
            }

            if (gdTrueColorGetAlpha(a) != gdTrueColorGetAlpha(b)
                || (gdTrueColorGetAlpha(a) != gdAlphaTransparent
                    && (a & 0xffffff) != (b & 0xffffff)))
            {
                if (diff++ == 0) {
                    printf("  %s at %d,%d: ours %08x, libgd's %08x\n",
                           name, x, y, (unsigned) a, (unsigned) b);
                }
            }
        }
    }

    CHECK(diff == 0, "%s: %d pixels differ from libgd's", name, diff);
    CHECK(!trns_colour || ta > 0, "%s: no pixel of the tRNS colour", name);
    CHECK(gdImageGetInterlaced(ours) == gdImageGetInterlaced(gd)
          && gdImageResolutionX(ours) == gdImageResolutionX(gd)
          && gdImageResolutionY(ours) == gdImageResolutionY(gd),
          "%s: interlace %d, %ux%u dpi; libgd's %d, %ux%u", name,
          gdImageGetInterlaced(ours), gdImageResolutionX(ours),
          gdImageResolutionY(ours), gdImageGetInterlaced(gd),
          gdImageResolutionX(gd), gdImageResolutionY(gd));

    gdImageDestroy(gd);
    gdImageDestroy(ours);
}


/* the CRC of PNG chunks (ISO 3309), to build chunks by hand */

static unsigned long
png_crc(const unsigned char *p, size_t len)
{
    int            k;
    size_t         i;
    unsigned long  c;

    c = 0xffffffffUL;

    for (i = 0; i < len; i++) {
        c ^= p[i];

        for (k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320UL ^ (c >> 1) : c >> 1;
        }
    }

    return c ^ 0xffffffffUL;
}


/* the PNG with a chunk of n bytes (of fill) inserted at pos */

static unsigned char *
png_insert_chunk(const unsigned char *png, size_t len, size_t pos,
    const char *type, const unsigned char *data, size_t n, int fill,
    int bad_crc, size_t *out_len)
{
    unsigned char  *p, *c;
    unsigned long   crc;

    p = malloc(len + n + 12);
    memcpy(p, png, pos);

    c = p + pos;
    c[0] = (unsigned char) (n >> 24);
    c[1] = (unsigned char) (n >> 16);
    c[2] = (unsigned char) (n >> 8);
    c[3] = (unsigned char) n;
    memcpy(c + 4, type, 4);

    if (data != NULL) {
        memcpy(c + 8, data, n);

    } else {
        memset(c + 8, fill, n);
    }

    crc = png_crc(c + 4, n + 4) ^ (bad_crc ? 1 : 0);
    c[8 + n] = (unsigned char) (crc >> 24);
    c[9 + n] = (unsigned char) (crc >> 16);
    c[10 + n] = (unsigned char) (crc >> 8);
    c[11 + n] = (unsigned char) crc;

    memcpy(c + 12 + n, png + pos, len - pos);
    *out_len = len + n + 12;

    return p;
}


static void
test_png_decoder(void)
{
    int                        i, colour, fd, saved;
    long                       said;
    FILE                      *capture;
    size_t                     len, hlen;
    clock_t                    start;
    gdImagePtr                 im;
    unsigned char             *png, *h;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;

    static const struct {
        int                    colour;
        int                    depth;
    } kinds[] = {
        { PNG_COLOR_TYPE_GRAY, 1 }, { PNG_COLOR_TYPE_GRAY, 2 },
        { PNG_COLOR_TYPE_GRAY, 4 }, { PNG_COLOR_TYPE_GRAY, 8 },
        { PNG_COLOR_TYPE_GRAY, 16 }, { PNG_COLOR_TYPE_RGB, 8 },
        { PNG_COLOR_TYPE_RGB, 16 }, { PNG_COLOR_TYPE_PALETTE, 1 },
        { PNG_COLOR_TYPE_PALETTE, 2 }, { PNG_COLOR_TYPE_PALETTE, 4 },
        { PNG_COLOR_TYPE_PALETTE, 8 }, { PNG_COLOR_TYPE_GRAY_ALPHA, 8 },
        { PNG_COLOR_TYPE_GRAY_ALPHA, 16 }, { PNG_COLOR_TYPE_RGB_ALPHA, 8 },
        { PNG_COLOR_TYPE_RGB_ALPHA, 16 }
    };

    static const char *const  fixture_pngs[] = {
        "chelsea.png", "palette.png", "gray.png", "deep16.png", "logo.png",
        "transparent.png"
    };

    /* every colour type and depth, plain and Adam7, with and without tRNS */

    for (i = 0; i < (int) (sizeof(kinds) / sizeof(kinds[0])) * 4; i++) {
        char  name[64];
        int   k, interlace, trns, tc;

        k = i / 4;
        interlace = i & 1;
        trns = (i & 2) && !(kinds[k].colour & PNG_COLOR_MASK_ALPHA);
        colour = kinds[k].colour;

        if ((i & 2) && !trns) {
            continue;
        }

        snprintf(name, sizeof(name), "png type %d, %d-bit%s%s", colour,
                 kinds[k].depth, interlace ? ", Adam7" : "",
                 trns ? ", tRNS" : "");

        png = make_png(23, 13, colour, kinds[k].depth, interlace, trns,
                       &len);
        if (png == NULL) {
            CHECK(0, "%s: made", name);
            continue;
        }

        /* the colour libgd leaves opaque where tRNS makes it transparent */

        tc = 0;

        if (trns && colour == PNG_COLOR_TYPE_RGB) {
            unsigned  s = kinds[k].depth == 16 ? 8 : 0;

            tc = gdTrueColor((int) (png_sample(1, 0, 0) >> s) & 0xff,
                             (int) (png_sample(1, 0, 1) >> s) & 0xff,
                             (int) (png_sample(1, 0, 2) >> s) & 0xff);

            if (kinds[k].depth == 16) {
                /* 8-bit colours alike but for the low byte stay opaque */
                tc = 0;
            }
        }

        if (trns && colour == PNG_COLOR_TYPE_GRAY && kinds[k].depth == 16) {
            tc = -1;
        }

        if (tc == -1) {
            /* only the pixel at 1,0 has the 16-bit grey of tRNS */

            rc = ngx_http_overlay_png_decode(png, len,
                                             NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                             &im, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK
                  && gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 1, 0))
                     == gdAlphaTransparent
                  && gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 2, 0))
                     == 0, "%s: %s", name, err.msg);

            if (rc == NGX_HTTP_OVERLAY_OK) {
                gdImageDestroy(im);
            }

        } else if (trns && colour == PNG_COLOR_TYPE_RGB && tc == 0) {
            rc = ngx_http_overlay_png_decode(png, len,
                                             NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                             &im, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK
                  && gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 1, 0))
                     == gdAlphaTransparent
                  && gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 2, 0))
                     == 0, "%s: %s", name, err.msg);

            if (rc == NGX_HTTP_OVERLAY_OK) {
                gdImageDestroy(im);
            }

        } else {
            png_against_libgd(name, png, len, tc);
        }

        free(png);
    }

    for (i = 0; i < (int) (sizeof(fixture_pngs) / sizeof(char *)); i++) {
        png = read_fixture(fixture_pngs[i], &len);
        png_against_libgd(fixture_pngs[i], png, len, 0);
        free(png);
    }

    /*
     * Hostile chunks after IHDR, decoded with stderr captured: libpng must
     * not write a line (libgd's reader wrote "libpng warning: ...").
     */

    png = make_png(40, 30, PNG_COLOR_TYPE_RGB, 8, 0, 0, &len);

    fflush(stderr);
    capture = tmpfile();
    fd = fileno(stderr);
    saved = dup(fd);
    (void) dup2(fileno(capture), fd);

    /* a text chunk with a bad CRC: corruption, refused */

    h = png_insert_chunk(png, len, 33, "tEXt", (const unsigned char *)
                         "Comment\0hello", 13, 0, 1, &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strcmp(err.msg, "png: tEXt: CRC error") == 0,
          "a tEXt with a bad CRC: %s: %s", ngx_http_overlay_reason(rc),
          err.msg);
    free(h);

    /* a chunk over the chunk limit */

    h = png_insert_chunk(png, len, 33, "tEXt", NULL,
                         NGX_HTTP_OVERLAY_PNG_CHUNK_MAX + 1, 'a', 0, &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strcmp(err.msg, "png: tEXt: chunk data is too large") == 0,
          "a tEXt over the chunk limit: %s: %s", ngx_http_overlay_reason(rc),
          err.msg);
    free(h);

    /*
     * 6 MB of ICC profile, and a zTXt "deflate bomb" whose data is no
     * deflate stream at all: never inflated, so decoded, at once.
     */

    h = png_insert_chunk(png, len, 33, "iCCP", NULL, 6000000, 0x5a, 0,
                         &hlen);
    start = clock();
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && (double) (clock() - start) / CLOCKS_PER_SEC < 0.5,
          "6 MB of iCCP: %s: %s", ngx_http_overlay_reason(rc), err.msg);
    free(h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
    }

    h = png_insert_chunk(png, len, 33, "zTXt", (const unsigned char *)
                         "Comment\0\0\x78\x9c\xff\xff\xff\xff", 14, 0, 0,
                         &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a zTXt of garbage: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);
    free(h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
    }

    /* a profile libpng knows as wrong (chelsea.png's) is no warning */

    h = read_fixture("chelsea.png", &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "chelsea.png's sRGB profile: %s",
          err.msg);
    free(h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
    }

    /* cut in IDAT; IDAT's CRC wrong */

    rc = ngx_http_overlay_png_decode(png, len - 30,
                                     NGX_HTTP_OVERLAY_MAX_PIXELS, 0, &im,
                                     &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "png cut short at") != NULL,
          "a PNG cut in IDAT: %s: %s", ngx_http_overlay_reason(rc), err.msg);

    h = malloc(len);
    memcpy(h, png, len);
    h[len - 13] ^= 0x01;                    /* IDAT's CRC, before IEND */
    rc = ngx_http_overlay_png_decode(h, len, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strcmp(err.msg, "png: IDAT: CRC error") == 0,
          "IDAT's CRC: %s: %s", ngx_http_overlay_reason(rc), err.msg);
    free(h);

    /* the sides: libpng's own limit, under the decoder's */

    rc = ngx_http_overlay_png_decode(png, len, NGX_HTTP_OVERLAY_MAX_PIXELS,
                                     39, &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE, "a side over 39: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);

    rc = ngx_http_overlay_png_decode(png, len, 1199, 0, &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE, "over 1199 pixels: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);

    fflush(stderr);
    (void) dup2(saved, fd);
    close(saved);

    said = ftell(capture);
    CHECK(said == 0, "libpng wrote %ld bytes to stderr", said);

    if (said > 0) {
        char  line[256];

        rewind(capture);

        while (fgets(line, sizeof(line), capture) != NULL) {
            printf("  stderr: %s", line);
        }
    }
    fclose(capture);

    free(png);
}



#define be16(p)  ((size_t) (p)[0] << 8 | (p)[1])


/* the probe's verdict on bytes: a code, and a message that has want */

static void
probe_case(const char *name, const unsigned char *p, size_t len,
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


/* bytes with n bytes at pos replaced by the m bytes of s */

static unsigned char *
splice(const unsigned char *p, size_t len, size_t pos, size_t n,
    const void *s, size_t m, size_t *out_len)
{
    unsigned char  *q;

    q = malloc(len - n + m);
    memcpy(q, p, pos);
    memcpy(q + pos, s, m);
    memcpy(q + pos + m, p + pos + n, len - pos - n);
    *out_len = len - n + m;

    return q;
}


/* a GIF of w x h frames of 1x1 pixel on a screen of sw x sh */

static unsigned char *
make_gif(unsigned frames, unsigned sw, unsigned sh, unsigned x, unsigned y,
    unsigned w, unsigned h, size_t *len)
{
    unsigned char  *p, *q;
    unsigned        i;

    static const unsigned char  frame_data[] = {
        0x02, 0x02, 0x44, 0x01, 0x00                /* LZW: one pixel */
    };

    p = malloc(13 + 6 + (size_t) frames * (10 + sizeof(frame_data)) + 1);
    q = p;

    memcpy(q, "GIF89a", 6);
    q += 6;
    *q++ = sw & 0xff;
    *q++ = sw >> 8;
    *q++ = sh & 0xff;
    *q++ = sh >> 8;
    *q++ = 0x80;                                /* a table of 2 colours */
    *q++ = 0;
    *q++ = 0;
    memcpy(q, "\0\0\0\xff\xff\xff", 6);
    q += 6;

    for (i = 0; i < frames; i++) {
        *q++ = 0x2c;
        *q++ = x & 0xff;
        *q++ = x >> 8;
        *q++ = y & 0xff;
        *q++ = y >> 8;
        *q++ = w & 0xff;
        *q++ = w >> 8;
        *q++ = h & 0xff;
        *q++ = h >> 8;
        *q++ = 0;
        memcpy(q, frame_data, sizeof(frame_data));
        q += sizeof(frame_data);
    }

    *q++ = 0x3b;
    *len = (size_t) (q - p);

    return p;
}


static void
test_headers_disagree(void)
{
    size_t                          len, n, sof, i;
    clock_t                         start;
    unsigned char                  *data, *bad, *png;
    unsigned char                   chunk[64];
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    /* JPEG: a second frame header; none of lines; a short one */

    static const unsigned char  jpeg_sof0[] = {
        0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0
    };

    static const unsigned char  jpeg_sof_3c[] = {
        0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 3, 1, 0x11, 0
    };

    static const unsigned char  jpeg_dnl[] = {
        0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 0, 0, 8, 1, 1, 0x11, 0,
        0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0
    };

    data = read_fixture("rocket.jpg", &len);

    for (sof = 2; sof + 4 < len; sof += 2 + be16(data + sof + 2)) {
        if (data[sof + 1] == 0xc0 || data[sof + 1] == 0xc2) {
            break;
        }
    }

    n = 2 + be16(data + sof + 2);
    bad = splice(data, len, sof + n, 0, data + sof, n, &n);
    probe_case("rocket.jpg, its SOF twice", bad, n,
               NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a second JPEG frame header (SOF");
    free(bad);

    bad = splice(data, len, 2, 0, jpeg_sof0, sizeof(jpeg_sof0), &n);
    probe_case("an 8x8 SOF0 before rocket.jpg's", bad, n,
               NGX_HTTP_OVERLAY_BAD_IMAGE, "headers disagree: a second");
    free(bad);

    bad = splice(data, len, 2, 0, jpeg_sof_3c, sizeof(jpeg_sof_3c), &n);
    probe_case("a SOF of 11 bytes for 3 components", bad, n,
               NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a JPEG frame header of 11 bytes for 3 "
               "components");
    free(bad);
    free(data);

    probe_case("a SOF of no lines (DNL)", jpeg_dnl, sizeof(jpeg_dnl),
               NGX_HTTP_OVERLAY_BAD_IMAGE, "JPEG frame header of 8x0 pixels");

    /* PNG: IHDR first and once; a valid colour type; APNG */

    png = make_png(16, 16, PNG_COLOR_TYPE_RGB, 8, 0, 0, &len);

    probe_case("a PNG made here", png, len, NGX_HTTP_OVERLAY_OK, "");

    bad = png_insert_chunk(png, len, 33, "IHDR", png + 16, 13, 0, 0, &n);
    probe_case("IHDR twice", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a second PNG IHDR at 33");
    free(bad);

    bad = png_insert_chunk(png, len, len - 12, "IHDR", png + 16, 13, 0, 0,
                           &n);
    probe_case("IHDR again after IDAT", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a second PNG IHDR at");
    free(bad);

    bad = png_insert_chunk(png, len, 8, "tEXt", (const unsigned char *)
                           "a\0b", 3, 0, 0, &n);
    probe_case("IHDR after a tEXt", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: PNG IHDR at 23, not first");
    free(bad);

    bad = splice(png, len, 24, 2, "\x10\x03", 2, &n);
    probe_case("palette of 16 bits", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "PNG IHDR: colour type 3 with 16-bit samples");
    free(bad);

    bad = png_insert_chunk(png, len, 33, "acTL", (const unsigned char *)
                           "\0\0\0\x02\0\0\0\0", 8, 0, 0, &n);
    probe_case("APNG", bad, n, NGX_HTTP_OVERLAY_UNSUPPORTED,
               "animated PNG");
    free(bad);

    /* acTL after IDAT is no animation: browsers show the still image */

    bad = png_insert_chunk(png, len, len - 12, "acTL",
                           (const unsigned char *) "\0\0\0\x02\0\0\0\0", 8,
                           0, 0, &n);
    probe_case("acTL after IDAT", bad, n, NGX_HTTP_OVERLAY_OK, "");
    free(bad);
    free(png);

    /* WebP: the RIFF against the body, chunks against the RIFF */

    data = read_fixture("thumb.webp", &len);

    probe_case("thumb.webp cut", data, 1000, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: WebP of 1000 bytes, the RIFF header says "
               "8570");

    bad = splice(data, len, 0, 0, "", 0, &n);
    bad[16] += 2;                               /* VP8 chunk: 2 more */
    probe_case("a VP8 chunk past the RIFF", bad, n,
               NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a WebP chunk \"VP8 \" of 8552 bytes at 12, "
               "the RIFF ends at 8570");

    bad[16] -= 2;
    bad[22] = 0xff;                             /* first partition size */
    probe_case("a VP8 partition past its chunk", bad, n,
               NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a VP8 first partition of");
    free(bad);

    /* VP8X saying 100x100 over the 320x180 frame */

    memcpy(chunk, "VP8X\x0a\0\0\0\0\0\0\0\x63\0\0\x63\0\0", 18);
    bad = splice(data, len, 12, 0, chunk, 18, &n);
    bad[4] += 18;
    probe_case("a canvas of 100x100", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a WebP canvas of 100x100, a VP8 frame of "
               "320x180");

    bad[24] = 0x3f;                             /* the canvas: 320x180 */
    bad[25] = 0x01;
    bad[27] = 0xb3;
    probe_case("a canvas of 320x180", bad, n, NGX_HTTP_OVERLAY_OK, "");
    free(bad);

    memcpy(chunk + 18, "ANMF\x02\0\0\0\0\0", 10);
    chunk[12] = 0x3f;
    chunk[13] = 0x01;
    chunk[15] = 0xb3;
    bad = splice(data, len, 12, 0, chunk, 28, &n);
    bad[4] += 28;
    probe_case("ANMF in a still WebP", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a WebP chunk \"ANMF\" in a still image");
    free(bad);
    free(data);

    /* GIF: the frame against the screen */

    bad = make_gif(1, 10, 10, 0, 0, 10, 10, &n);
    probe_case("a GIF of one frame", bad, n, NGX_HTTP_OVERLAY_OK, "");
    probe_case("a GIF cut in its frame", bad, n - 3,
               NGX_HTTP_OVERLAY_BAD_IMAGE, "GIF cut short");
    probe_case("a GIF without its trailer", bad, n - 1, NGX_HTTP_OVERLAY_OK,
               "");
    bad[13 + 6 + 10] = 12;
    probe_case("LZW codes of 13 bits", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
               "GIF LZW code size 12");
    free(bad);

    bad = make_gif(1, 10, 10, 5, 5, 10, 10, &n);
    probe_case("a GIF frame out of the screen", bad, n,
               NGX_HTTP_OVERLAY_BAD_IMAGE,
               "headers disagree: a GIF frame of 10x10 at 5,5, a screen of "
               "10x10");
    free(bad);

    bad = make_gif(1, 10, 10, 2, 2, 5, 5, &n);
    probe_case("a GIF frame within the screen", bad, n,
               NGX_HTTP_OVERLAY_UNSUPPORTED,
               "GIF frame of 5x5 at 2,2, a screen of 10x10");
    free(bad);

    /* 100000 frames: the probe stops at the second */

    bad = make_gif(100000, 1, 1, 0, 0, 1, 1, &n);
    probe_case("100000 frames", bad, n, NGX_HTTP_OVERLAY_UNSUPPORTED,
               "animated GIF");

    memset(&conf, 0, sizeof(conf));
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;
    start = clock();

    for (i = 0; i < 1000; i++) {
        (void) ngx_http_overlay_codec_probe(bad, n, &conf, &info, &err);
    }

    CHECK((double) (clock() - start) / CLOCKS_PER_SEC < 0.1,
          "1000 probes of 100000 frames: %.3f s",
          (double) (clock() - start) / CLOCKS_PER_SEC);
    free(bad);
}



/* the signature as Python's hmac makes it, for the same key and message */

static void
test_signatures(void)
{
    char                        sig[NGX_HTTP_OVERLAY_SIG_LEN + 1];
    size_t                      len;
    unsigned                    repairs;
    unsigned char               buf[256];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_signed_t   req;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;

    static const char  json[] = "{\"overlay\":\"Last Chance!\"}";
    static const char  uri[] = "/img/rocket.jpg";
    static const char  python[] =
        "pi4DQjuMr1NxdwZsxu65LWjEpgYTs5Lelxu0GIIHeD8";

    static const ngx_http_overlay_key_t  keys[] = {
        { (const unsigned char *) "the new key, not yet used", 25 },
        { (const unsigned char *) "first key of the catalogue", 26 },
    };

    ngx_http_overlay_sign(&keys[1], (const unsigned char *) uri,
                          sizeof(uri) - 1, (const unsigned char *) json,
                          sizeof(json) - 1, sig);
    CHECK(strcmp(sig, python) == 0, "HMAC-SHA256: %s", sig);

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

    data = read_fixture("rocket.jpg", &len);
    CHECK(ngx_http_overlay_asset_decode(data, len, &err) == NULL
          && err.code == NGX_HTTP_OVERLAY_NOT_IMAGE,
          "a JPEG is no overlay image: %s", err.msg);
    free(data);

    data = read_fixture("corrupt.png", &len);
    CHECK(ngx_http_overlay_asset_decode(data, len, &err) == NULL
          && err.code == NGX_HTTP_OVERLAY_BAD_IMAGE,
          "a corrupt overlay image: %s", err.msg);
    free(data);
}


/*
 * The rendered overlay is cached per thread: the same spec on an image of
 * the same size is drawn from the cache, byte for byte what the first
 * render gave; another text, size or font is another entry; at most 16
 * are kept; specs with image layers are not cached.
 */

static void
test_tiles(void)
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


int
main(int argc, char **argv)
{
    fixtures = argc > 1 ? argv[1] : "t/fixtures";

    ngx_http_overlay_render_init();

    test_reasons();
    test_values();
    test_colors();
    test_detect_probe();
    test_fonts_layout();
    test_composite("rocket.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    test_composite("coffee.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    test_composite("thumb.jpg", NGX_HTTP_OVERLAY_FORMAT_JPEG, 60);
    test_composite("chelsea.png", NGX_HTTP_OVERLAY_FORMAT_PNG, 0);
    test_styles();
    test_jpeg_dct();
    test_jpeg_tables();
    test_jpeg_splice_unit();
    test_jpeg_splice();
    test_formats();
    test_regressions();
    test_glyphs_and_edges();
    test_hostile_jpeg();
    test_png_decoder();
    test_headers_disagree();
    test_signatures();
    test_failures();
    test_tiles();

    ngx_http_overlay_tiles_flush();
    gdFontCacheShutdown();

    printf("%u passed, %u failed\n", passed, failed);

    return failed ? 1 : 0;
}
