
/*
 * Unit tests of ngx_http_overlay_core.c: the whole pipeline on real
 * images (the badge where it belongs, the rest the original within the
 * codec's loss), how it fails (a reason, a message, no output), the
 * options: the defaults and the fonts and assets named in them, and the
 * path each codec reports ($overlay_method).
 */


#include "unit.h"


static void composite(const char *name, ngx_http_overlay_format_e format,
    int tolerance);
static unsigned char *method_made(const char *cmd, size_t *len);


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
 * The options: the built-in defaults; fonts named ("default" replaces the
 * built-in one's path, others are added, as many as wanted), assets, and
 * what a spec's names then resolve to; freed back to the defaults.
 */

void
test_core_options(void)
{
    char                        name[32][8], path[32][16];
    unsigned                    i;
    unsigned char               json[128];
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);

    CHECK(opts.spec.max_layers == NGX_HTTP_OVERLAY_LAYERS_DEFAULT
          && opts.spec.max_text == NGX_HTTP_OVERLAY_TEXT_DEFAULT
          && opts.codec.webp_quality == 0
          && opts.codec.max_pixels == NGX_HTTP_OVERLAY_MAX_PIXELS
          && opts.codec.jpeg_quality == 0
          && opts.max_param == NGX_HTTP_OVERLAY_PARAM_MAX,
          "the built-in defaults");
    CHECK(opts.spec.nfonts == 1 && opts.render.nfonts == 1
          && strcmp(opts.spec.fonts[0], "default") == 0
          && strcmp(opts.render.fonts[0], NGX_HTTP_OVERLAY_DEFAULT_FONT) == 0
          && opts.spec.nassets == 0 && opts.render.nassets == 0,
          "the default font only");

    CHECK(ngx_http_overlay_options_add_font(&opts, "default", "/d.ttf")
          == NGX_HTTP_OVERLAY_OK
          && opts.spec.nfonts == 1
          && strcmp(opts.spec.fonts[0], "default") == 0
          && strcmp(opts.render.fonts[0], "/d.ttf") == 0,
          "\"default\" replaces the built-in font's path");

    for (i = 0; i < 32; i++) {
        snprintf(name[i], sizeof(name[i]), "f%u", i);
        snprintf(path[i], sizeof(path[i]), "/f%u.ttf", i);

        if (ngx_http_overlay_options_add_font(&opts, name[i], path[i])
            != NGX_HTTP_OVERLAY_OK)
        {
            break;
        }
    }

    CHECK(i == 32 && opts.spec.nfonts == 33 && opts.render.nfonts == 33,
          "32 fonts added: %u", opts.spec.nfonts);

    for (i = 0; i < 32 && opts.spec.nfonts == 33; i++) {
        if (strcmp(opts.spec.fonts[i + 1], name[i]) != 0
            || strcmp(opts.render.fonts[i + 1], path[i]) != 0)
        {
            break;
        }
    }

    CHECK(i == 32 && strcmp(opts.render.fonts[0], "/d.ttf") == 0,
          "every font in its place after the tables grew (%u)", i);

    CHECK(ngx_http_overlay_options_add_asset(&opts, "logo",
                                             (ngx_http_overlay_asset_t *) 1)
          == NGX_HTTP_OVERLAY_OK
          && ngx_http_overlay_options_add_asset(&opts, "seal",
                                            (ngx_http_overlay_asset_t *) 2)
          == NGX_HTTP_OVERLAY_OK
          && opts.spec.nassets == 2 && opts.render.nassets == 2
          && strcmp(opts.spec.assets[1], "seal") == 0
          && opts.render.assets[1] == (ngx_http_overlay_asset_t *) 2,
          "assets named");

    /* a spec's names resolve to the indexes of the tables */

    strcpy((char *) json, "{\"layers\": [{\"text\": \"a\", "
           "\"font\": \"f31\"}, {\"image\": \"seal\"}]}");

    CHECK(ngx_http_overlay_spec_parse(json, strlen((char *) json),
                                      &opts.spec, &spec, &err)
          == NGX_HTTP_OVERLAY_OK
          && spec.nlayers == 2 && spec.layers[0].font == 32
          && spec.layers[1].asset == 1,
          "font \"f31\" is 32, image \"seal\" is 1");

    ngx_http_overlay_options_free(&opts);

    CHECK(opts.spec.nfonts == 1 && opts.spec.nassets == 0
          && opts.render.nassets == 0
          && strcmp(opts.render.fonts[0], NGX_HTTP_OVERLAY_DEFAULT_FONT) == 0
          && opts.names.font_names == NULL && opts.names.assets == NULL,
          "freed: the defaults again");

    /* freeing options never added to is harmless */
    ngx_http_overlay_options_free(&opts);
}


/*
 * The path each codec reports in blob.method: the JPEG variants made at
 * run time by jpegtran from the fixtures (the same coefficients, other
 * tables or scans), overlay_jpeg_quality's re-encode, each other format;
 * nothing on failure.  The names, one for each method, and their formats.
 */

void
test_core_method(void)
{
    char                            cmd[1024];
    size_t                          len, i, k;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const struct {
        const char                 *tool;      /* jpegtran's options */
        const char                 *name;
        int                         quality;
        ngx_http_overlay_method_e   method;
    } cases[] = {
        { NULL, "thumb.jpg", 0, NGX_HTTP_OVERLAY_METHOD_SPLICE },
        { "-restart 1", "thumb.jpg", 0, NGX_HTTP_OVERLAY_METHOD_SPLICE },
        { "-optimize", "thumb.jpg", 0,
          NGX_HTTP_OVERLAY_METHOD_SPLICE_RETABLE },
        { "-optimize", "coffee.jpg", 0, NGX_HTTP_OVERLAY_METHOD_SPLICE_FIT },
        { "-progressive", "thumb.jpg", 0,
          NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE_SPLICE },
        { "-arithmetic", "thumb.jpg", 0, NGX_HTTP_OVERLAY_METHOD_TRANSCODE },
        { NULL, "thumb.jpg", 80, NGX_HTTP_OVERLAY_METHOD_REENCODE },
        { "-progressive", "thumb.jpg", 80,
          NGX_HTTP_OVERLAY_METHOD_REENCODE },
        { NULL, "chelsea.png", 0, NGX_HTTP_OVERLAY_METHOD_PNG },
        { NULL, "palette.png", 0, NGX_HTTP_OVERLAY_METHOD_PNG },
        { NULL, "thumb.webp", 0, NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE },
        { NULL, "thumb.webp", 80, NGX_HTTP_OVERLAY_METHOD_WEBP },
        { NULL, "alpha-lossless.webp", 0,
          NGX_HTTP_OVERLAY_METHOD_WEBP_LOSSLESS },
        { NULL, "thumb.gif", 0, NGX_HTTP_OVERLAY_METHOD_GIF },
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].tool != NULL) {
            snprintf(cmd, sizeof(cmd), "jpegtran %s -copy all %s/%s",
                     cases[i].tool, unit_fixtures, cases[i].name);
            data = method_made(cmd, &len);

        } else {
            data = read_fixture(cases[i].name, &len);
        }

        if (data == NULL) {
            CHECK(0, "method: %s %s: not made", cases[i].tool,
                  cases[i].name);
            continue;
        }

        /* the quality: "source", or a number (JPEG's and WebP's) */
        opts.codec.jpeg_quality = cases[i].quality;
        opts.codec.webp_quality = cases[i].quality;
        blob.method = NGX_HTTP_OVERLAY_METHOD_COUNT;

        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && blob.method == cases[i].method,
              "method: %s %s, quality %d: %s, \"%s\", wanted \"%s\"",
              cases[i].tool ? cases[i].tool : "", cases[i].name,
              cases[i].quality, err.msg,
              ngx_http_overlay_method_name(blob.method),
              ngx_http_overlay_method_name(cases[i].method));
        CHECK(ngx_http_overlay_method_format(blob.method) == info.format,
              "method: %s: the method's format is the image's",
              cases[i].name);

        ngx_http_overlay_codec_free(&blob);
        free(data);
    }

    /* refused: no output, no method */

    opts.codec.jpeg_quality = 0;
    data = read_fixture("corrupt.jpg", &len);
    blob.method = NGX_HTTP_OVERLAY_METHOD_COUNT;
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && blob.method == NGX_HTTP_OVERLAY_METHOD_NONE,
          "method: corrupt.jpg: %d", (int) blob.method);
    free(data);

    /* a name for each, none twice, none for NONE or beyond */

    CHECK(strcmp(ngx_http_overlay_method_name(NGX_HTTP_OVERLAY_METHOD_NONE),
                 "") == 0
          && strcmp(ngx_http_overlay_method_name(
                        NGX_HTTP_OVERLAY_METHOD_COUNT), "") == 0
          && ngx_http_overlay_method_format(NGX_HTTP_OVERLAY_METHOD_NONE)
             == NGX_HTTP_OVERLAY_FORMAT_NONE,
          "method: NONE has no name, no format");

    for (i = 1; i < NGX_HTTP_OVERLAY_METHOD_COUNT; i++) {
        const char  *a = ngx_http_overlay_method_name(
                             (ngx_http_overlay_method_e) i);

        CHECK(a[0] != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyz_")
                              == strlen(a)
              && ngx_http_overlay_method_format(
                     (ngx_http_overlay_method_e) i)
                 != NGX_HTTP_OVERLAY_FORMAT_NONE,
              "method %zu: \"%s\", a label value with a format", i, a);

        for (k = 1; k < i; k++) {
            CHECK(strcmp(a, ngx_http_overlay_method_name(
                                (ngx_http_overlay_method_e) k)) != 0,
                  "method %zu and %zu: the same name \"%s\"", k, i, a);
        }
    }

    CHECK(strcmp(ngx_http_overlay_method_name(
                     NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE_SPLICE),
                 "progressive_splice") == 0
          && strcmp(ngx_http_overlay_method_name(
                        NGX_HTTP_OVERLAY_METHOD_WEBP_LOSSLESS),
                    "webp_lossless") == 0,
          "method: the names the README gives");
}


/* the standard output of a shell command, malloc()ed; NULL: it failed */

static unsigned char *
method_made(const char *cmd, size_t *len)
{
    int             status;
    FILE           *fp;
    size_t          n, size;
    unsigned char  *data, *p;

    fp = popen(cmd, "r");
    if (fp == NULL) {
        return NULL;
    }

    size = 65536;
    *len = 0;
    data = malloc(size);

    while (data != NULL) {
        if (*len == size) {
            size *= 2;
            p = realloc(data, size);

            if (p == NULL) {
                free(data);
                data = NULL;
                break;
            }

            data = p;
        }

        n = fread(data + *len, 1, size - *len, fp);
        if (n == 0) {
            break;
        }

        *len += n;
    }

    status = pclose(fp);

    if (data != NULL && (status != 0 || *len == 0)) {
        free(data);
        data = NULL;
    }

    return data;
}
