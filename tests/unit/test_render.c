
/*
 * Unit tests of ngx_http_overlay_render.c: fonts checked, what is drawn
 * and where (styles, image layers, anti-aliased edges on transparency),
 * glyphs of several scripts, overlay images.
 */


#include <math.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "unit.h"
#include "ngx_http_overlay_layout.h"


static int count_color(gdImagePtr im, int x0, int y0, int x1, int y1,
    int r, int g, int b, int tolerance);
static int glyph_bitmap(const char *utf8, unsigned char *bits, size_t size);


void
test_render_fonts(void)
{
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_error_t  err;

    rc = ngx_http_overlay_font_check(NGX_HTTP_OVERLAY_DEFAULT_FONT, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "default font: %s", err.msg);

    rc = ngx_http_overlay_font_check("/nonexistent/font.ttf", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK, "missing font accepted");

    rc = ngx_http_overlay_font_check("/etc/passwd", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK, "/etc/passwd accepted as a font");

    rc = ngx_http_overlay_font_check("/tmp/a;b.ttf", &err);
    CHECK(rc != NGX_HTTP_OVERLAY_OK && strstr(err.msg, "\";\"") != NULL,
          "font path with \";\": %s", err.msg);
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


/* every style and an image layer, drawn where the layout says, on a PNG */

void
test_render_styles(void)
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


/* an image layer scaled far past the image: only the visible part is made
 * (it was a canvas of 4000x80000 pixels) */

void
test_render_image_layer(void)
{
    clock_t                         start;
    gdImagePtr                      big, tall;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char *const  assets[] = { "tall" };

    ngx_http_overlay_options_init(&opts);

    big = gdImageCreateTrueColor(4000, 2000);
    tall = gdImageCreateTrueColor(100, 2000);

    if (big != NULL && tall != NULL) {
        int  size;

        gdImageSaveAlpha(tall, 1);
        gdImageFilledRectangle(tall, 0, 0, 99, 1999,
                               gdTrueColorAlpha(30, 120, 220, 0));
        data = gdImagePngPtrEx(big, &size, 1);

        one_image(&spec, &opts, assets, &tall);
        spec.layers[0].scale = 1.0;
        spec.layers[0].opacity = 0.5;

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


/* U+FFFF is no character: what it draws is the font's .notdef box; no
 * letter of these scripts is drawn as that box */

void
test_render_glyphs(void)
{
    size_t                i, n;
    unsigned char         notdef[48 * 48], g[48 * 48];
    const unsigned char  *p;

    static const char  *texts[] = {
        "pi\xc4\x99kna dziewczyna",                         /* Polish */
        "jednoro\xc5\xbe" "ec",                             /* Czech */
        "\xc3\x9c" "ber",                                   /* German */
        "\xd0\x9f\xd0\xbe\xd1\x81\xd0\xbb\xd0\xb5\xd0\xb4\xd0\xbd\xd0\xb8"
        "\xd0\xb9 \xd1\x88\xd0\xb0\xd0\xbd\xd1\x81",        /* Russian */
        "\xce\xa4\xce\xb5\xce\xbb\xce\xb5\xcf\x85\xcf\x84\xce\xb1\xce\xaf"
        "\xce\xb1",                                         /* Greek */
    };

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
}


/* white text on a transparent PNG: its anti-aliased edge is white, partly
 * transparent, never a dark fringe */

void
test_render_fringe(void)
{
    int                             x, y, c, a, partial, dark;
    size_t                          len;
    gdImagePtr                      out;
    unsigned char                  *data;
    unsigned char                   json[256];
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

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
}


/* what is no overlay image: a JPEG, a corrupt PNG */

void
test_render_assets(void)
{
    size_t                     len;
    unsigned char             *data;
    ngx_http_overlay_error_t   err;

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
