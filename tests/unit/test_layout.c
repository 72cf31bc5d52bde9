
/*
 * Unit tests of ngx_http_overlay_layout.c: the layout of every style and
 * position at any size, text that shrinks or is cut with an ellipsis.
 */


#include <math.h>
#include <unistd.h>

#include "unit.h"
#include "ngx_http_overlay_layout.h"


void
test_layout_positions(void)
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


/* the ellipsis keeps the longest start that fits, in any script: one more
 * character would not fit */

void
test_layout_ellipsis(void)
{
    int                         k, avail, margin, pad;
    char                        text[600], *cut;
    size_t                      i;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_layout_t   layout;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);

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
        ngx_http_overlay_extent_t  ext;

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

        rc = ngx_http_overlay_measure(NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                      layout.layers[0].font_px, cut, &ext,
                                      &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && ext.width > avail,
              "a longer cut would fit: \"%s\" is %d of %d pixels", cut,
              ext.width, avail);
        free(cut);

        ngx_http_overlay_render_free(&layout);
    }
}


/* --- shaping, against HarfBuzz's own hb-shape ------------------------- */

#define HB_FONT      "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define HB_SHAPE     "/usr/bin/hb-shape"

#define AR_TEXT      "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 "                       \
                     "\xd8\xa3\xd8\xae\xd9\x8a\xd8\xb1\xd8\xa9!"
#define HE_TEXT      "\xd7\x94\xd7\x96\xd7\x93\xd7\x9e\xd7\xa0\xd7\x95" \
                     "\xd7\xaa \xd7\x90\xd7\x97\xd7\xa8\xd7\x95" \
                     "\xd7\xa0\xd7\x94!"
#define AR_WORDS     "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 "                       \
                     "\xd8\xa3\xd8\xae\xd9\x8a\xd8\xb1\xd8\xa9"
#define MIXED_TEXT   "Last Chance \xe2\x80\x94 " AR_WORDS " 2026"


static int hb_shape(const char *text, const char *direction,
    const char *script, double px, char *out, size_t size);
static void shaped_string(const ngx_http_overlay_shaped_t *shaped,
    size_t from, size_t to, char *out, size_t size);


/*
 * hb-shape's glyphs for a run of text, "[gid+advance@x,y|...]", in 1/64
 * pixel (the font's scale is px * 64); FreeType's functions, as libraqm
 * gives HarfBuzz
 */

static int
hb_shape(const char *text, const char *direction, const char *script,
    double px, char *out, size_t size)
{
    int    rc;
    char   cmd[1024];
    FILE  *f;

    (void) snprintf(cmd, sizeof(cmd),
                    HB_SHAPE " --font-funcs=ft --font-size=%ld"
                    " --no-glyph-names --no-clusters --direction=%s"
                    " --script=%s --font-file=" HB_FONT " --text='%s'",
                    lround(px * 64), direction, script, text);

    f = popen(cmd, "r");
    if (f == NULL) {
        return -1;
    }

    out[0] = '\0';

    if (fgets(out, (int) size, f) == NULL) {
        out[0] = '\0';
    }

    rc = pclose(f);

    out[strcspn(out, "\n")] = '\0';

    return rc == 0 && out[0] == '[' ? 0 : -1;
}


/* glyphs from..to of a shaped text in hb-shape's form, brackets aside */

static void
shaped_string(const ngx_http_overlay_shaped_t *shaped, size_t from,
    size_t to, char *out, size_t size)
{
    size_t                           i, n;
    const ngx_http_overlay_glyph_t  *g;

    n = 0;
    out[0] = '\0';

    for (i = from; i < to && i < shaped->nglyphs && n < size; i++) {
        g = &shaped->glyphs[i];

        n += (size_t) snprintf(out + n, size - n, "%s%u+%d", i > from ? "|"
                               : "", g->index, g->x_advance);

        if ((g->x_offset != 0 || g->y_offset != 0) && n < size) {
            n += (size_t) snprintf(out + n, size - n, "@%d,%d", g->x_offset,
                                   g->y_offset);
        }
    }
}


void
test_layout_shaping(void)
{
    int                         rtl;
    char                        ours[4096], ref[4096], part[1024];
    size_t                      i, n, ascii;
    unsigned                    k;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_shaped_t   shaped;

    static const double  sizes[] = { 24.0, 13.5 };

    static const struct {
        const char  *name;
        const char  *text;
        const char  *direction;
        const char  *script;
    } runs[] = {
        { "Arabic", AR_TEXT, "rtl", "Arab" },
        { "Hebrew", HE_TEXT, "rtl", "Hebr" },
    };

    if (access(HB_SHAPE, X_OK) != 0) {
        printf("SKIP layout_shaping: " HB_SHAPE " is missing (Debian "
               "libharfbuzz-bin; make deps installs it)\n");
        return;
    }

    for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {

        /* one script, one run: the glyphs and advances hb-shape gives */

        for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
            rtl = ngx_http_overlay_text_rtl(runs[i].text,
                                            strlen(runs[i].text),
                                            NGX_HTTP_OVERLAY_DIRECTION_AUTO);
            CHECK(rtl == 1, "%s is right to left", runs[i].name);

            rc = ngx_http_overlay_shape(HB_FONT, sizes[k], runs[i].text,
                                        strlen(runs[i].text), rtl, &shaped,
                                        &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s shaped: %s", runs[i].name,
                  err.msg);

            if (rc != NGX_HTTP_OVERLAY_OK) {
                continue;
            }

            ours[0] = '[';
            shaped_string(&shaped, 0, shaped.nglyphs, ours + 1,
                          sizeof(ours) - 2);
            strcat(ours, "]");

            CHECK(hb_shape(runs[i].text, runs[i].direction, runs[i].script,
                           sizes[k], ref, sizeof(ref)) == 0,
                  "hb-shape runs for %s", runs[i].name);
            CHECK(strcmp(ours, ref) == 0,
                  "%s at %.1f px: ours %s, hb-shape %s", runs[i].name,
                  sizes[k], ours, ref);

            ngx_http_overlay_shaped_free(&shaped);
        }

        /*
         * mixed, in a left-to-right paragraph (UAX #9): the Latin run,
         * then the right-to-left one with the number inside it kept left
         * to right and, being at its logical end, drawn at its left
         */

        rc = ngx_http_overlay_shape(HB_FONT, sizes[k], MIXED_TEXT,
                                    strlen(MIXED_TEXT),
                                    ngx_http_overlay_text_rtl(MIXED_TEXT,
                                        strlen(MIXED_TEXT),
                                        NGX_HTTP_OVERLAY_DIRECTION_AUTO),
                                    &shaped, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && !shaped.rtl, "mixed shaped: %s",
              err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            continue;
        }

        ascii = strlen("Last Chance \xe2\x80\x94 ");

        ours[0] = '\0';
        ref[0] = '[';
        ref[1] = '\0';

        CHECK(hb_shape("Last Chance \xe2\x80\x94 ", "ltr", "Latn", sizes[k],
                       part, sizeof(part)) == 0, "hb-shape, Latin run");
        strncat(ref, part + 1, strlen(part) - 2);
        strcat(ref, "|");

        CHECK(hb_shape("2026", "ltr", "Arab", sizes[k], part, sizeof(part))
              == 0, "hb-shape, number");
        strncat(ref, part + 1, strlen(part) - 2);
        strcat(ref, "|");

        CHECK(hb_shape(AR_WORDS " ", "rtl", "Arab", sizes[k], part,
                       sizeof(part)) == 0, "hb-shape, Arabic run");
        strcat(ref, part + 1);

        ours[0] = '[';
        shaped_string(&shaped, 0, shaped.nglyphs, ours + 1,
                      sizeof(ours) - 2);
        strcat(ours, "]");

        CHECK(strcmp(ours, ref) == 0, "mixed at %.1f px: ours %s, "
              "hb-shape's runs in visual order %s", sizes[k], ours, ref);

        /* the clusters say the same: Latin, "2026", then Arabic reversed */

        n = 0;

        for (i = 0; i + 1 < shaped.nglyphs; i++) {
            if (shaped.glyphs[i].cluster < ascii
                && shaped.glyphs[i + 1].cluster < shaped.glyphs[i].cluster)
            {
                n++;
            }
        }

        CHECK(n == 0 && shaped.glyphs[0].cluster == 0,
              "the Latin run is left to right, first");

        ngx_http_overlay_shaped_free(&shaped);
    }
}


/* the paragraph's direction, and a right-to-left text cut at its end */

void
test_layout_bidi(void)
{
    int                               pad, k;
    char                              text[1024];
    size_t                            i, len, cut;
    ngx_http_overlay_rc_e             rc;
    ngx_http_overlay_spec_t           spec;
    ngx_http_overlay_error_t          err;
    ngx_http_overlay_layout_t         layout;
    ngx_http_overlay_shaped_t         shaped;
    ngx_http_overlay_options_t        opts;
    ngx_http_overlay_layer_layout_t  *ll;

    static const struct {
        const char                    *text;
        ngx_http_overlay_direction_e   direction;
        int                            rtl;
    } cases[] = {
        { AR_TEXT, NGX_HTTP_OVERLAY_DIRECTION_AUTO, 1 },
        { HE_TEXT, NGX_HTTP_OVERLAY_DIRECTION_AUTO, 1 },
        { MIXED_TEXT, NGX_HTTP_OVERLAY_DIRECTION_AUTO, 0 },
        { "2026 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
          NGX_HTTP_OVERLAY_DIRECTION_AUTO, 1 },
        { "2026!", NGX_HTTP_OVERLAY_DIRECTION_AUTO, 0 },
        { AR_TEXT, NGX_HTTP_OVERLAY_DIRECTION_LTR, 0 },
        { "Last Chance!", NGX_HTTP_OVERLAY_DIRECTION_RTL, 1 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = strlen(cases[i].text);

        CHECK(ngx_http_overlay_text_rtl(cases[i].text, len,
                                        cases[i].direction)
              == cases[i].rtl, "\"%s\" (%s) is %s", cases[i].text,
              ngx_http_overlay_direction_name(cases[i].direction),
              cases[i].rtl ? "rtl" : "ltr");

        /* the final "!" or letter goes to the paragraph's end */

        rc = ngx_http_overlay_shape(HB_FONT, 20.0, cases[i].text, len,
                                    cases[i].rtl, &shaped, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && shaped.nglyphs > 0,
              "shaped: %s", err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK || shaped.nglyphs == 0) {
            continue;
        }

        if (cases[i].text[len - 1] == '!') {
            CHECK(shaped.glyphs[cases[i].rtl ? 0 : shaped.nglyphs - 1]
                  .cluster == len - 1, "\"%s\" (%s): \"!\" at the %s end",
                  cases[i].text,
                  ngx_http_overlay_direction_name(cases[i].direction),
                  cases[i].rtl ? "left" : "right");
        }

        ngx_http_overlay_shaped_free(&shaped);
    }

    /* a long Hebrew text keeps its start; the ellipsis is on its left */

    ngx_http_overlay_options_init(&opts);

    text[0] = '\0';

    for (i = 0; i < 6; i++) {
        strcat(text, HE_TEXT " ");
    }

    one_text(&spec, &opts, text);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 160,
                                        90, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "Hebrew laid out: %s", err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    ll = &layout.layers[0];
    len = strlen(ll->text);
    cut = len - 3;

    CHECK(len > 3 && len < strlen(text)
          && strcmp(ll->text + cut, "\xe2\x80\xa6") == 0
          && strncmp(ll->text, text, cut) == 0,
          "cut at its logical end: \"%s\"", ll->text);

    CHECK(ll->shaped.rtl && ll->shaped.nglyphs > 1
          && ll->shaped.glyphs[0].cluster == cut
          && ll->shaped.glyphs[ll->shaped.nglyphs - 1].cluster == 0,
          "the ellipsis drawn at the left, the first letter at the right");

    /* the badge fits the shaped text */

    pad = (int) lround(ll->font_px * 0.5);

    CHECK(ll->box.w == ll->shaped.ext.width + 2 * pad
          && ll->box.x >= 0 && ll->box.x + ll->box.w <= 160,
          "box %d wide for a text of %d and pads of %d", ll->box.w,
          ll->shaped.ext.width, pad);

    ngx_http_overlay_render_free(&layout);

    /*
     * "salam" (sin, lam, alef, mim): lam and alef make one glyph, a cut
     * never falls between them
     */

    text[0] = '\0';

    for (i = 0; i < 20; i++) {
        strcat(text, "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 ");
    }

    for (k = 0; k < 20; k++) {
        one_text(&spec, &opts, text);
        spec.layers[0].size = 0.1 + 0.01 * k;

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            160, 90, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "Arabic laid out: %s", err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            continue;
        }

        ll = &layout.layers[0];
        cut = strlen(ll->text) - 3;

        CHECK(strcmp(ll->text + cut, "\xe2\x80\xa6") == 0 && cut >= 2
              && memcmp(text + cut - 2, "\xd9\x84\xd8\xa7", 4) != 0,
              "size %.2f: cut at byte %zu, inside lam-alef", 0.1 + 0.01 * k,
              cut);

        ngx_http_overlay_render_free(&layout);
    }
}
