
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
static int pil_mask(const char *text, int px, unsigned char *mask);
static double mask_iou(const unsigned char *a, const unsigned char *b);
static gdImagePtr text_image(const char *font, const char *text);
static void *text_thread(void *data);


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


/* --- text masks against Pillow's (raqm layout), an independent drawing --- */

#define PIL_PYTHON   "/usr/bin/python3"
#define PIL_FONT     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define PIL_W        640
#define PIL_H        120

/* argv: font, size, text, output (PGM); exits 3 without raqm */
#define PIL_SCRIPT                                                            \
    "import sys\n"                                                            \
    "from PIL import Image, ImageDraw, ImageFont, features\n"                 \
    "if not features.check(\"raqm\"):\n"                                      \
    "    sys.exit(3)\n"                                                       \
    "f = ImageFont.truetype(sys.argv[1], int(sys.argv[2]),\n"                 \
    "                       layout_engine=ImageFont.Layout.RAQM)\n"           \
    "im = Image.new(\"L\", (640, 120), 0)\n"                                  \
    "ImageDraw.Draw(im).text((20, 20), sys.argv[3], font=f, fill=255)\n"     \
    "im.save(sys.argv[4])\n"


/* Pillow's mask of text, or -1 (3: Pillow lacks raqm) */

static int
pil_mask(const char *text, int px, unsigned char *mask)
{
    int    w, h, max, rc;
    char   cmd[2048], path[64];
    FILE  *f;

    /* room for ".pgm" after the name */

    strcpy(path, "/tmp/overlay-pil-XXXXXX");

    rc = mkstemp(path);
    if (rc < 0) {
        return -1;
    }

    close(rc);

    (void) snprintf(cmd, sizeof(cmd), PIL_PYTHON " -c '%s' %s %d '%s' "
                    "PPM:%s", PIL_SCRIPT, PIL_FONT, px, text, path);

    /* Pillow picks the format by name: a ".pgm" name, then renamed */

    (void) snprintf(strstr(cmd, "PPM:"), sizeof(cmd) - (size_t)
                    (strstr(cmd, "PPM:") - cmd), "%s.pgm 2>/dev/null",
                    path);

    rc = system(cmd);

    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
        unlink(path);
        return WIFEXITED(rc) && WEXITSTATUS(rc) == 3 ? 3 : -1;
    }

    strcat(path, ".pgm");

    f = fopen(path, "rb");
    rc = -1;

    if (f != NULL
        && fscanf(f, "P5 %d %d %d", &w, &h, &max) == 3
        && fgetc(f) != EOF && w == PIL_W && h == PIL_H
        && fread(mask, 1, PIL_W * PIL_H, f) == PIL_W * PIL_H)
    {
        rc = 0;
    }

    if (f != NULL) {
        fclose(f);
    }

    unlink(path);
    path[strlen(path) - 4] = '\0';
    unlink(path);

    return rc;
}


/*
 * The inked pixels' (any coverage) intersection over union, the masks'
 * boxes aligned, and the best of a pixel either way: the two drawings
 * put the pen's origin differently
 */

static double
mask_iou(const unsigned char *a, const unsigned char *b)
{
    int        x, y, i, box[2][4], dx, dy, sx, sy, ia, ib;
    double     best;
    unsigned   inter, uni;

    const unsigned char  *m[2];

    m[0] = a;
    m[1] = b;

    for (i = 0; i < 2; i++) {
        box[i][0] = PIL_W;
        box[i][1] = PIL_H;
        box[i][2] = -1;
        box[i][3] = -1;

        for (y = 0; y < PIL_H; y++) {
            for (x = 0; x < PIL_W; x++) {
                if (m[i][y * PIL_W + x] > 0) {
                    box[i][0] = x < box[i][0] ? x : box[i][0];
                    box[i][1] = y < box[i][1] ? y : box[i][1];
                    box[i][2] = x > box[i][2] ? x : box[i][2];
                    box[i][3] = y > box[i][3] ? y : box[i][3];
                }
            }
        }

        if (box[i][2] < 0) {
            return 0.0;
        }
    }

    /* the boxes' corners aligned, and a pixel either way */

    best = 0.0;

    for (sy = -1; sy <= 1; sy++) {
        for (sx = -1; sx <= 1; sx++) {
            dx = box[1][0] - box[0][0] + sx;
            dy = box[1][1] - box[0][1] + sy;
            inter = 0;
            uni = 0;

            for (y = 0; y < PIL_H; y++) {
                for (x = 0; x < PIL_W; x++) {
                    ia = a[y * PIL_W + x] > 0;
                    ib = x + dx >= 0 && x + dx < PIL_W && y + dy >= 0
                         && y + dy < PIL_H
                         && b[(y + dy) * PIL_W + x + dx] > 0;
                    inter += ia && ib;
                    uni += ia || ib;
                }
            }

            if (uni > 0 && (double) inter / uni > best) {
                best = (double) inter / uni;
            }
        }
    }

    return best;
}


void
test_render_pillow(void)
{
    int                         x, y, rc;
    double                      iou;
    size_t                      i, len;
    gdImagePtr                  im;
    unsigned char              *ours, *theirs;
    ngx_http_overlay_rc_e       orc;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_shaped_t   shaped;

    /*
     * Pillow places each glyph at its unhinted pen position rounded up;
     * this module as libgd did (hinted advances at 300 dpi, truncated), so
     * that Latin text is unchanged.  A glyph may so land a pixel apart,
     * which costs a bold stem a third of its pixels: at 16 to 28 pixels a
     * Hebrew text's IoU is 0.85 to 0.93.  The shapes, their order and
     * their joins are what is compared here (shaping is compared exactly
     * with hb-shape in layout_shaping).
     */

    static const struct {
        const char  *name;
        const char  *text;
        int          px;
    } cases[] = {
        { "Arabic", "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 \xd8\xa3\xd8\xae"
                    "\xd9\x8a\xd8\xb1\xd8\xa9!", 32 },
        { "Hebrew", "\xd7\x94\xd7\x96\xd7\x93\xd7\x9e\xd7\xa0\xd7\x95\xd7\xaa"
                    " \xd7\x90\xd7\x97\xd7\xa8\xd7\x95\xd7\xa0\xd7\x94!", 32 },
        { "Arabic", "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 \xd8\xa3\xd8\xae"
                    "\xd9\x8a\xd8\xb1\xd8\xa9!", 48 },
        { "Hebrew", "\xd7\x94\xd7\x96\xd7\x93\xd7\x9e\xd7\xa0\xd7\x95\xd7\xaa"
                    " \xd7\x90\xd7\x97\xd7\xa8\xd7\x95\xd7\xa0\xd7\x94!", 48 },
    };

    if (access(PIL_PYTHON, X_OK) != 0) {
        printf("SKIP render_pillow: " PIL_PYTHON " is missing\n");
        return;
    }

    ours = malloc(PIL_W * PIL_H);
    theirs = malloc(PIL_W * PIL_H);

    for (i = 0; ours != NULL && theirs != NULL
                && i < sizeof(cases) / sizeof(cases[0]); i++)
    {
        rc = pil_mask(cases[i].text, cases[i].px, theirs);

        if (rc == 3) {
            printf("SKIP render_pillow: Pillow has no raqm layout "
                   "(python3-pil, libraqm0)\n");
            break;
        }

        CHECK(rc == 0, "%s: Pillow draws it (python3-pil; make deps)",
              cases[i].name);

        if (rc != 0) {
            continue;
        }

        len = strlen(cases[i].text);

        orc = ngx_http_overlay_shape(PIL_FONT, cases[i].px, cases[i].text,
                                     len, ngx_http_overlay_text_rtl(
                                         cases[i].text, len,
                                         NGX_HTTP_OVERLAY_DIRECTION_AUTO),
                                     &shaped, &err);
        CHECK(orc == NGX_HTTP_OVERLAY_OK, "%s: shaped: %s", cases[i].name,
              err.msg);

        if (orc != NGX_HTTP_OVERLAY_OK) {
            continue;
        }

        im = gdImageCreateTrueColor(PIL_W, PIL_H);

        if (im != NULL) {
            gdImageAlphaBlending(im, 1);

            orc = ngx_http_overlay_draw_shaped(im, gdTrueColor(255, 255, 255),
                                               &shaped, 0.0, 20,
                                               20 + shaped.ext.ascent, &err);
            CHECK(orc == NGX_HTTP_OVERLAY_OK, "%s: drawn: %s",
                  cases[i].name, err.msg);

            for (y = 0; y < PIL_H; y++) {
                for (x = 0; x < PIL_W; x++) {
                    ours[y * PIL_W + x] = (unsigned char) gdTrueColorGetRed(
                                              gdImageGetTrueColorPixel(im, x,
                                                                       y));
                }
            }

            gdImageDestroy(im);

            iou = mask_iou(ours, theirs);

            printf("render_pillow: %s at %d px: inked pixels' IoU %.3f\n",
                   cases[i].name, cases[i].px, iou);

            CHECK(iou >= 0.9, "%s at %d px: IoU with Pillow's %.3f < 0.9",
                  cases[i].name, cases[i].px, iou);
        }

        ngx_http_overlay_shaped_free(&shaped);
    }

    free(ours);
    free(theirs);
}


/*
 * Text libgd could draw is drawn as libgd drew it: the same pixels as
 * gdImageStringFTEx() (Debian's, without raqm) and the same extent, for
 * Latin, Cyrillic and Greek, at any size and the ribbons' angles, on
 * opaque, translucent and transparent pixels.  Where shaping changes
 * text, it differs: HarfBuzz applies the font's ligatures ("ff" is one
 * glyph) and its GPOS kerning ("Fr", "AV", as browsers and Pillow do),
 * libgd only the old "kern" table; these texts have neither.
 */

void
test_render_libgd(void)
{
    int                         x, y, brect[8], differ, bg;
    char                       *msg;
    size_t                      t, k, a, b;
    gdImagePtr                  ref, im;
    gdFTStringExtra             extra;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_shaped_t   shaped;

    static const char   *texts[] = {
        "Last Chance!",
        "Leaving soon, 50% OFF",
        "\xd0\x9f\xd0\xbe\xd1\x81\xd0\xbb\xd0\xb5\xd0\xb4\xd0\xbd\xd0\xb8"
        "\xd0\xb9 \xd1\x88\xd0\xb0\xd0\xbd\xd1\x81",
        "\xce\xa4\xce\xb5\xce\xbb\xce\xb5\xcf\x85\xcf\x84\xce\xb1\xce\xaf"
        "\xce\xb1",
    };
    static const double  sizes[] = { 6.0, 9.0, 13.5, 31.0 };
    static const double  angles[] = { 0.0, M_PI / 4, -M_PI / 4 };
    static const int     alphas[] = { 0, 19, 127 };

    memset(&extra, 0, sizeof(extra));
    extra.flags = gdFTEX_RESOLUTION;
    extra.hdpi = 72;
    extra.vdpi = 72;

    for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
        for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {

            rc = ngx_http_overlay_shape(NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                        sizes[k], texts[t], strlen(texts[t]),
                                        0, &shaped, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "shaped: %s", err.msg);

            if (rc != NGX_HTTP_OVERLAY_OK) {
                continue;
            }

            msg = gdImageStringFTEx(NULL, brect, 0,
                                    (char *) NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                    sizes[k], 0.0, 0, 0, (char *) texts[t],
                                    &extra);

            CHECK(msg == NULL && shaped.ext.left == brect[0]
                  && shaped.ext.width == brect[2] - brect[0]
                  && shaped.ext.ascent == -brect[7]
                  && shaped.ext.descent == brect[1],
                  "\"%s\" at %.1f px: extent %d+%d, %d/%d; libgd's "
                  "%d+%d, %d/%d", texts[t], sizes[k], shaped.ext.left,
                  shaped.ext.width, shaped.ext.ascent, shaped.ext.descent,
                  brect[0], brect[2] - brect[0], -brect[7], brect[1]);

            for (a = 0; a < sizeof(angles) / sizeof(angles[0]); a++) {
                for (b = 0; b < sizeof(alphas) / sizeof(alphas[0]); b++) {
                    bg = gdTrueColorAlpha(0xd6, 0x28, 0x28, alphas[b]);

                    ref = gdImageCreateTrueColor(400, 400);
                    im = gdImageCreateTrueColor(400, 400);

                    if (ref == NULL || im == NULL) {
                        CHECK(0, "gdImageCreateTrueColor() failed");
                        break;
                    }

                    gdImageAlphaBlending(ref, 0);
                    gdImageAlphaBlending(im, 0);
                    gdImageFilledRectangle(ref, 0, 0, 399, 399, bg);
                    gdImageFilledRectangle(im, 0, 0, 399, 399, bg);
                    gdImageAlphaBlending(ref, 1);
                    gdImageAlphaBlending(im, 1);

                    msg = gdImageStringFTEx(ref, brect,
                              gdTrueColorAlpha(255, 255, 255, 0),
                              (char *) NGX_HTTP_OVERLAY_DEFAULT_FONT,
                              sizes[k], angles[a], 20, 200,
                              (char *) texts[t], &extra);

                    rc = ngx_http_overlay_draw_shaped(im,
                             gdTrueColorAlpha(255, 255, 255, 0), &shaped,
                             angles[a], 20, 200, &err);

                    differ = 0;

                    for (y = 0; y < 400; y++) {
                        for (x = 0; x < 400; x++) {
                            differ += gdImageGetTrueColorPixel(ref, x, y)
                                      != gdImageGetTrueColorPixel(im, x, y);
                        }
                    }

                    CHECK(msg == NULL && rc == NGX_HTTP_OVERLAY_OK
                          && differ == 0,
                          "\"%s\" at %.1f px, %.2f rad, background alpha "
                          "%d: %d pixels differ from libgd's", texts[t],
                          sizes[k], angles[a], alphas[b], differ);

                    gdImageDestroy(ref);
                    gdImageDestroy(im);
                }
            }

            ngx_http_overlay_shaped_free(&shaped);
        }
    }
}


/* --- threads: each has its own FreeType library and faces --------------- */

#define THREAD_COUNT   4
#define THREAD_ROUNDS  25
#define THREAD_SERIF   "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"


typedef struct {
    const char  *text;
    gdImagePtr   ref[2];        /* drawn by the main thread, in each font */
    int          release;       /* ngx_http_overlay_render_thread_free() */
    int          differ;
    int          failed;
} thread_job_t;


static gdImagePtr
text_image(const char *font, const char *text)
{
    gdImagePtr                  im;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_shaped_t   shaped;

    if (ngx_http_overlay_shape(font, 17.0, text, strlen(text),
                               ngx_http_overlay_text_rtl(text, strlen(text),
                                   NGX_HTTP_OVERLAY_DIRECTION_AUTO),
                               &shaped, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        return NULL;
    }

    im = gdImageCreateTrueColor(400, 40);

    if (im != NULL) {
        gdImageAlphaBlending(im, 1);

        if (ngx_http_overlay_draw_shaped(im, gdTrueColor(255, 255, 255),
                                         &shaped, 0.0, 5, 28, &err)
            != NGX_HTTP_OVERLAY_OK)
        {
            gdImageDestroy(im);
            im = NULL;
        }
    }

    ngx_http_overlay_shaped_free(&shaped);

    return im;
}


static void *
text_thread(void *data)
{
    int            i, x, y;
    gdImagePtr     im;
    thread_job_t  *job;

    job = data;

    for (i = 0; i < THREAD_ROUNDS; i++) {
        im = text_image(i % 2 ? THREAD_SERIF : NGX_HTTP_OVERLAY_DEFAULT_FONT,
                        job->text);

        if (im == NULL) {
            job->failed++;
            continue;
        }

        for (y = 0; y < 40; y++) {
            for (x = 0; x < 400; x++) {
                job->differ += gdImageGetTrueColorPixel(im, x, y)
                               != gdImageGetTrueColorPixel(job->ref[i % 2],
                                                           x, y);
            }
        }

        gdImageDestroy(im);
    }

    /* the others' faces go with their threads (the key's destructor) */

    if (job->release) {
        ngx_http_overlay_render_thread_free();
    }

    return NULL;
}


void
test_render_threads(void)
{
    int           i, j;
    pthread_t     tid[THREAD_COUNT];
    thread_job_t  jobs[THREAD_COUNT];

    static const char  *texts[THREAD_COUNT] = {
        "Last Chance!",
        "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 \xd8\xa3\xd8\xae\xd9\x8a\xd8\xb1"
        "\xd8\xa9!",
        "\xd7\x94\xd7\x96\xd7\x93\xd7\x9e\xd7\xa0\xd7\x95\xd7\xaa \xd7\x90"
        "\xd7\x97\xd7\xa8\xd7\x95\xd7\xa0\xd7\x94!",
        "Last Chance \xe2\x80\x94 \xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 2026",
    };

    for (i = 0; i < THREAD_COUNT; i++) {
        memset(&jobs[i], 0, sizeof(thread_job_t));
        jobs[i].text = texts[i];
        jobs[i].release = i % 2;
        jobs[i].ref[0] = text_image(NGX_HTTP_OVERLAY_DEFAULT_FONT, texts[i]);
        jobs[i].ref[1] = text_image(THREAD_SERIF, texts[i]);

        CHECK(jobs[i].ref[0] != NULL && jobs[i].ref[1] != NULL,
              "\"%s\" drawn by the main thread", texts[i]);
    }

    for (i = 0; i < THREAD_COUNT; i++) {
        if (jobs[i].ref[0] == NULL || jobs[i].ref[1] == NULL
            || pthread_create(&tid[i], NULL, text_thread, &jobs[i]) != 0)
        {
            CHECK(0, "thread %d not started", i);
            tid[i] = 0;
        }
    }

    for (i = 0; i < THREAD_COUNT; i++) {
        if (tid[i] != 0) {
            (void) pthread_join(tid[i], NULL);

            CHECK(jobs[i].failed == 0 && jobs[i].differ == 0,
                  "\"%s\" in a thread: %d failed, %d pixels differ",
                  texts[i], jobs[i].failed, jobs[i].differ);
        }

        for (j = 0; j < 2; j++) {
            if (jobs[i].ref[j] != NULL) {
                gdImageDestroy(jobs[i].ref[j]);
            }
        }
    }
}
