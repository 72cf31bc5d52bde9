
/*
 * Unit tests of ngx_http_overlay_spec.c: the overlay spec from its JSON,
 * every way a spec can be wrong and the message that says how, the spec
 * normalized, its limits, the names and defaults the configuration gives,
 * and colours.
 */


#include <time.h>

#include "unit.h"


#define R_RAW    NGX_HTTP_OVERLAY_REPAIR_RAW_JSON

#define OK       NGX_HTTP_OVERLAY_OK
#define JSON     NGX_HTTP_OVERLAY_BAD_JSON
#define SPEC     NGX_HTTP_OVERLAY_BAD_SPEC


/*
 * Every way a spec can be wrong, and what is valid: the value as it comes
 * in the URL, the outcome, and what the normalized spec contains or the
 * message says.
 */

static const value_case_t  spec_cases[] = {

    /* JSON */

    { "abc=", JSON, "", 0 },
    /* "hello world" */
    { "aGVsbG8gd29ybGQ", JSON, "", 0 },
    /* ["Last Chance!"] */
    { "WyJMYXN0IENoYW5jZSEiXQ", JSON, "an array instead of an object", 0 },
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
    { "{\"layers\":[{\"text\":\"a\",\"direction\":\"rtl\"}]}", OK,
      "\"radius\":0.0,\"direction\":\"rtl\"}", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"direction\":\"ltr\"}]}", OK,
      "\"direction\":\"ltr\"}", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"direction\":\"auto\"}]}", OK,
      "\"radius\":0.0}]}", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"direction\":\"RTL\"}]}", SPEC,
      "layers[0].direction \"RTL\" is not one of auto, ltr, rtl", R_RAW },
    { "{\"layers\":[{\"text\":\"a\",\"direction\":1}]}", SPEC,
      "layers[0].direction is a number, not a string", R_RAW },
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


void
test_spec_values(void)
{
    size_t  n;

    n = sizeof(spec_cases) / sizeof(spec_cases[0]);

    check_values(spec_cases, n);

    CHECK(n >= 40, "%zu validation cases", n);
}


void
test_spec_limits(void)
{
    char                        deep[20010];
    size_t                      i, len;
    unsigned char               buf[8192];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;
    clock_t                     start;

    ngx_http_overlay_options_init(&opts);

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
}


/* names and defaults come from the configuration */

void
test_spec_config(void)
{
    size_t                      len;
    unsigned char               buf[8192];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;

    static const char *const  fonts[] = { "default", "serif" };
    static const char *const  assets[] = { "logo" };

    ngx_http_overlay_options_init(&opts);

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


void
test_spec_colors(void)
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
