
/*
 * Unit tests of ngx_http_overlay_text.c: shaping equal to HarfBuzz's own
 * hb-shape, directions resolved, text drawn as Pillow (raqm) and as libgd
 * drew it, and threads each with their own FreeType state.
 */


#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/wait.h>

#include "unit.h"
#include "ngx_http_overlay_layout.h"
#include "ngx_http_overlay_face.h"


static int pil_mask(const char *font, const char *text, int px,
    unsigned char *mask);
static int pil_run(const char *script, const char *args, const char *magic,
    int w, int h, int channels, unsigned char *out);
static double mask_iou(const unsigned char *a, const unsigned char *b,
    int banded);
static void mask_band(const unsigned char *a, const unsigned char *b,
    int x0, int x1, int dx, int dy, unsigned *inter, unsigned *uni);
static gdImagePtr text_image(const char *font, const char *text);
static void *text_thread(void *data);
static void fallback_check(const char *name, const char *chain,
    const char *text, const char *fonts);


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

#define FB_SANS      NGX_HTTP_OVERLAY_DEFAULT_FONT
#define FB_SERIF     "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
#define FB_DEVA      "/usr/share/fonts/truetype/lohit-devanagari/"             \
                     "Lohit-Devanagari.ttf"
#define FB_THAI      "/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf"

/* "Last Chance" in Devanagari (U+0905...) and Thai (U+0E42...) */
#define DEVA_TEXT    "\xe0\xa4\x85\xe0\xa4\x82\xe0\xa4\xa4\xe0\xa4\xbf"      \
                     "\xe0\xa4\xae \xe0\xa4\xae\xe0\xa5\x8c\xe0\xa4\x95"      \
                     "\xe0\xa4\xbe"
#define THAI_TEXT    "\xe0\xb9\x82\xe0\xb8\xad\xe0\xb8\x81\xe0\xb8\xb2"      \
                     "\xe0\xb8\xaa"

#define FB_CJK       "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
#define FB_EMOJI     "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"

/* "Last Chance!" in Thai, Japanese and Korean, with their marks */
#define THAI_FULL    "\xe0\xb9\x82\xe0\xb8\xad\xe0\xb8\x81\xe0\xb8\xb2"      \
                     "\xe0\xb8\xaa\xe0\xb8\xaa\xe0\xb8\xb8\xe0\xb8\x94"      \
                     "\xe0\xb8\x97\xe0\xb9\x89\xe0\xb8\xb2\xe0\xb8\xa2!"
#define JA_TEXT      "\xe6\x9c\x80\xe5\xbe\x8c\xe3\x81\xae\xe3\x83\x81"      \
                     "\xe3\x83\xa3\xe3\x83\xb3\xe3\x82\xb9\xef\xbc\x81"
#define KO_TEXT      "\xeb\xa7\x88\xec\xa7\x80\xeb\xa7\x89 \xea\xb8\xb0"      \
                     "\xed\x9a\x8c!"


static int hb_shape(const char *font, const char *text,
    const char *direction, const char *script, double px, char *out,
    size_t size);
static void shaped_string(const ngx_http_overlay_shaped_t *shaped,
    size_t from, size_t to, char *out, size_t size);


/*
 * hb-shape's glyphs for a run of text, "[gid+advance@x,y|...]", in 1/64
 * pixel (the font's scale is px * 64); FreeType's functions, as libraqm
 * gives HarfBuzz
 */

static int
hb_shape(const char *font, const char *text, const char *direction,
    const char *script, double px, char *out, size_t size)
{
    int    rc;
    char   cmd[1024];
    FILE  *f;

    (void) snprintf(cmd, sizeof(cmd),
                    HB_SHAPE " --font-funcs=ft --font-size=%ld"
                    " --no-glyph-names --no-clusters --direction=%s"
                    " --script=%s --font-file=%s --text='%s'",
                    lround(px * 64), direction, script, font, text);

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

        /* hb-shape's order: the glyph, its offsets if any, its advance */

        n += (size_t) snprintf(out + n, size - n, "%s%u", i > from ? "|"
                               : "", g->index);

        if ((g->x_offset != 0 || g->y_offset != 0) && n < size) {
            n += (size_t) snprintf(out + n, size - n, "@%d,%d", g->x_offset,
                                   g->y_offset);
        }

        if (n < size) {
            n += (size_t) snprintf(out + n, size - n, "+%d", g->x_advance);
        }
    }
}


void
test_text_shaping(void)
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
        const char  *font;
        const char  *text;
        const char  *direction;
        const char  *script;
    } runs[] = {
        { "Arabic", HB_FONT, AR_TEXT, "rtl", "Arab" },
        { "Hebrew", HB_FONT, HE_TEXT, "rtl", "Hebr" },
        { "Devanagari", FB_DEVA, DEVA_TEXT, "ltr", "Deva" },
        { "Thai", FB_THAI, THAI_FULL, "ltr", "Thai" },
        { "Hangul", FB_CJK, KO_TEXT, "ltr", "Hang" },
    };

    if (access(HB_SHAPE, X_OK) != 0) {
        printf("SKIP text_shaping: " HB_SHAPE " is missing (Debian "
               "libharfbuzz-bin; make deps installs it)\n");
        return;
    }

    for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {

        /* one script, one run: the glyphs and advances hb-shape gives */

        for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
            rtl = ngx_http_overlay_text_rtl(runs[i].text,
                                            strlen(runs[i].text),
                                            NGX_HTTP_OVERLAY_DIRECTION_AUTO);
            CHECK(rtl == (runs[i].direction[0] == 'r'), "%s is %s",
                  runs[i].name, runs[i].direction);

            rc = ngx_http_overlay_shape(runs[i].font, sizes[k], runs[i].text,
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

            CHECK(hb_shape(runs[i].font, runs[i].text, runs[i].direction,
                           runs[i].script, sizes[k], ref, sizeof(ref)) == 0,
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

        CHECK(hb_shape(HB_FONT, "Last Chance \xe2\x80\x94 ", "ltr", "Latn",
                       sizes[k], part, sizeof(part)) == 0,
              "hb-shape, Latin run");
        strncat(ref, part + 1, strlen(part) - 2);
        strcat(ref, "|");

        CHECK(hb_shape(HB_FONT, "2026", "ltr", "Arab", sizes[k], part,
                       sizeof(part)) == 0, "hb-shape, number");
        strncat(ref, part + 1, strlen(part) - 2);
        strcat(ref, "|");

        CHECK(hb_shape(HB_FONT, AR_WORDS " ", "rtl", "Arab", sizes[k], part,
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
test_text_bidi(void)
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
    "im.save(sys.argv[4], \"PPM\")\n"


/* Pillow's mask of text, or -1 (3: Pillow lacks raqm) */

static int
pil_mask(const char *font, const char *text, int px, unsigned char *mask)
{
    char  args[1024];

    (void) snprintf(args, sizeof(args), "%s %d '%s'", font, px, text);

    return pil_run(PIL_SCRIPT, args, "P5", PIL_W, PIL_H, 1, mask);
}


/*
 * Runs a Pillow script with args and the name of a temporary file, which
 * the script writes as a PNM of w x h (magic "P5", one channel, or "P6",
 * three) to be read into out: 0, 3 when the script exits 3, else -1
 */

static int
pil_run(const char *script, const char *args, const char *magic, int w,
    int h, int channels, unsigned char *out)
{
    int    rw, rh, max, rc;
    char   cmd[4096], path[64], head[3];
    FILE  *f;

    strcpy(path, "/tmp/overlay-pil-XXXXXX");

    rc = mkstemp(path);
    if (rc < 0) {
        return -1;
    }

    close(rc);

    (void) snprintf(cmd, sizeof(cmd), PIL_PYTHON " -c '%s' %s %s "
                    "2>/dev/null", script, args, path);

    rc = system(cmd);

    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
        unlink(path);
        return WIFEXITED(rc) && WEXITSTATUS(rc) == 3 ? 3 : -1;
    }

    f = fopen(path, "rb");
    rc = -1;

    if (f != NULL
        && fscanf(f, "%2s %d %d %d", head, &rw, &rh, &max) == 4
        && strcmp(head, magic) == 0 && fgetc(f) != EOF && rw == w && rh == h
        && fread(out, (size_t) channels, (size_t) w * h, f)
           == (size_t) w * h)
    {
        rc = 0;
    }

    if (f != NULL) {
        fclose(f);
    }

    unlink(path);

    return rc;
}


/*
 * The inked pixels' (any coverage) intersection over union, the masks'
 * boxes aligned, and the best of a pixel either way: the two drawings
 * put the pen's origin differently.  With banded, each band of columns
 * between blank ones (a glyph, a word) is aligned again, a pixel either
 * way: the pens drift apart by a fraction of a pixel per glyph, this
 * module's moving by hinted advances at 300 dpi (as libgd's), Pillow's by
 * hinted advances at the drawing's size.
 */

static double
mask_iou(const unsigned char *a, const unsigned char *b, int banded)
{
    int                   x, y, i, box[2][4], dx, dy, sx, sy, bx, x0;
    double                best;
    unsigned              inter, uni, bi, bu, ti, tu;
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

            if (!banded) {
                mask_band(a, b, 0, PIL_W, dx, dy, &inter, &uni);

            } else {

                /* each band of inked columns aligned on its own */

                inter = 0;
                uni = 0;
                x0 = -1;

                for (x = 0; x <= PIL_W; x++) {
                    for (y = 0; x < PIL_W && y < PIL_H; y++) {
                        if (a[y * PIL_W + x] > 0
                            || (x + dx >= 0 && x + dx < PIL_W
                                && y + dy >= 0 && y + dy < PIL_H
                                && b[(y + dy) * PIL_W + x + dx] > 0))
                        {
                            break;
                        }
                    }

                    if (x < PIL_W && y < PIL_H) {
                        x0 = x0 < 0 ? x : x0;
                        continue;
                    }

                    if (x0 < 0) {
                        continue;
                    }

                    /* the band [x0, x), b a pixel either way */

                    bi = 0;
                    bu = 0;

                    for (bx = -1; bx <= 1; bx++) {
                        mask_band(a, b, x0, x, dx + bx, dy, &ti, &tu);

                        if (bx == -1 || ti * (double) bu > bi * (double) tu) {
                            bi = ti;
                            bu = tu;
                        }
                    }

                    inter += bi;
                    uni += bu;
                    x0 = -1;
                }
            }

            if (uni > 0 && (double) inter / uni > best) {
                best = (double) inter / uni;
            }
        }
    }

    return best;
}


/* the intersection and union of a's columns [x0, x1) and b's, b shifted */

static void
mask_band(const unsigned char *a, const unsigned char *b, int x0, int x1,
    int dx, int dy, unsigned *inter, unsigned *uni)
{
    int  x, y, ia, ib;

    *inter = 0;
    *uni = 0;

    for (y = 0; y < PIL_H; y++) {
        for (x = x0 < 0 ? 0 : x0; x < x1 && x < PIL_W; x++) {
            ia = a[y * PIL_W + x] > 0;
            ib = x + dx >= 0 && x + dx < PIL_W && y + dy >= 0
                 && y + dy < PIL_H && b[(y + dy) * PIL_W + x + dx] > 0;
            *inter += ia && ib;
            *uni += ia || ib;
        }
    }
}


void
test_text_pillow(void)
{
    int                         x, y, rc;
    double                      iou, banded;
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
     * with hb-shape in text_shaping).
     */

    static const struct {
        const char  *name;
        const char  *font;
        const char  *text;
        int          px;
    } cases[] = {
        { "Arabic", PIL_FONT, AR_TEXT, 32 },
        { "Hebrew", PIL_FONT, HE_TEXT, 32 },
        { "Arabic", PIL_FONT, AR_TEXT, 48 },
        { "Hebrew", PIL_FONT, HE_TEXT, 48 },
        { "Devanagari", FB_DEVA, DEVA_TEXT, 32 },
        { "Devanagari", FB_DEVA, DEVA_TEXT, 48 },
        { "Thai", FB_THAI, THAI_FULL, 32 },
        { "Thai", FB_THAI, THAI_FULL, 48 },
        { "Japanese", FB_CJK, JA_TEXT, 32 },
        { "Korean", FB_CJK, KO_TEXT, 32 },
        { "Korean", FB_CJK, KO_TEXT, 48 },
    };

    if (access(PIL_PYTHON, X_OK) != 0) {
        printf("SKIP text_pillow: " PIL_PYTHON " is missing\n");
        return;
    }

    ours = malloc(PIL_W * PIL_H);
    theirs = malloc(PIL_W * PIL_H);

    for (i = 0; ours != NULL && theirs != NULL
                && i < sizeof(cases) / sizeof(cases[0]); i++)
    {
        rc = pil_mask(cases[i].font, cases[i].text, cases[i].px, theirs);

        if (rc == 3) {
            printf("SKIP text_pillow: Pillow has no raqm layout "
                   "(python3-pil, libraqm0)\n");
            break;
        }

        CHECK(rc == 0, "%s: Pillow draws it (python3-pil; make deps)",
              cases[i].name);

        if (rc != 0) {
            continue;
        }

        len = strlen(cases[i].text);

        orc = ngx_http_overlay_shape(cases[i].font, cases[i].px,
                                     cases[i].text,
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
                                               0, &shaped, 0.0, 20,
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

            iou = mask_iou(ours, theirs, 0);
            banded = mask_iou(ours, theirs, 1);

            printf("text_pillow: %s at %d px: inked pixels' IoU %.3f, "
                   "each glyph or word aligned %.3f\n", cases[i].name,
                   cases[i].px, iou, banded);

            CHECK(banded >= 0.9 && iou >= 0.8, "%s at %d px: IoU with "
                  "Pillow's %.3f < 0.9 or %.3f < 0.8", cases[i].name,
                  cases[i].px, banded, iou);
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
test_text_libgd(void)
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
                             gdTrueColorAlpha(255, 255, 255, 0), 0,
                             &shaped, angles[a], 20, 200, &err);

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
/* a chain: DejaVu Serif has no Arabic nor Hebrew, DejaVu Sans has them */
#define THREAD_SERIF   "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf" \
                       ";" NGX_HTTP_OVERLAY_DEFAULT_FONT


typedef struct {
    const char  *text;
    gdImagePtr   ref[2];        /* drawn by the main thread, in each font */
    int          release;       /* ngx_http_overlay_face_thread_free() */
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

        if (ngx_http_overlay_draw_shaped(im, gdTrueColor(255, 255, 255), 0,
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

    /* the others' faces stay until ngx_http_overlay_core_shutdown() */

    if (job->release) {
        ngx_http_overlay_face_thread_free();
    }

    return NULL;
}


void
test_text_threads(void)
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


/* --- fallback chains: each cluster in the first font that has it ------ */



/*
 * The font of each glyph of text shaped in chain, checked against what
 * each byte of text should be drawn with: fonts[] has one digit per byte
 * ('0' the chain's first font...), or '.' for any.
 */

static void
fallback_check(const char *name, const char *chain, const char *text,
    const char *fonts)
{
    size_t                     i, len;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;
    ngx_http_overlay_shaped_t  shaped;

    len = strlen(text);

    rc = ngx_http_overlay_shape(chain, 32.0, text, len,
                                ngx_http_overlay_text_rtl(text, len,
                                    NGX_HTTP_OVERLAY_DIRECTION_AUTO),
                                &shaped, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && shaped.nglyphs > 0, "%s shaped: %s",
          name, rc == NGX_HTTP_OVERLAY_OK ? "no glyphs" : err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    for (i = 0; i < shaped.nglyphs; i++) {
        CHECK(shaped.glyphs[i].index != 0,
              "%s: glyph %zu (byte %u) is .notdef", name, i,
              shaped.glyphs[i].cluster);

        CHECK(shaped.glyphs[i].cluster < len
              && (fonts[shaped.glyphs[i].cluster] == '.'
                  || (unsigned) (fonts[shaped.glyphs[i].cluster] - '0')
                     == shaped.glyphs[i].font),
              "%s: glyph %zu (byte %u) in font %u, not %c", name, i,
              shaped.glyphs[i].cluster, shaped.glyphs[i].font,
              shaped.glyphs[i].cluster < len
              ? fonts[shaped.glyphs[i].cluster] : '?');
    }

    CHECK(shaped.ext.width > 0, "%s has a width", name);

    ngx_http_overlay_shaped_free(&shaped);
}


void
test_text_fallback(void)
{
    char                        fonts[256];
    size_t                      i;
    uint32_t                    missing;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_layout_t   layout;
    ngx_http_overlay_options_t  opts;

    static const char  latin_rtl[] = "Sale " AR_WORDS " " HE_TEXT;
    static const char  scripts[] = "Last " DEVA_TEXT " " THAI_TEXT;

    /*
     * Latin, Arabic and Hebrew with DejaVu Serif (no Arabic, no Hebrew)
     * first: Latin in the serif, the rest in DejaVu Sans
     */

    memset(fonts, '1', sizeof(fonts));
    memcpy(fonts, "00000", 5);
    fonts[strlen(latin_rtl)] = '\0';

    for (i = 0; i < strlen(latin_rtl); i++) {
        if (latin_rtl[i] == ' ' || latin_rtl[i] == '!') {
            fonts[i] = '.';
        }
    }

    fallback_check("Latin, Arabic, Hebrew", FB_SERIF ";" FB_SANS, latin_rtl,
                   fonts);

    /* Latin, Devanagari, Thai with DejaVu Sans, Lohit, Loma */

    memset(fonts, '0', sizeof(fonts));
    memset(fonts + 5, '1', strlen(DEVA_TEXT));
    memset(fonts + 5 + strlen(DEVA_TEXT) + 1, '2', strlen(THAI_TEXT));
    fonts[5 + 15] = '.';                       /* the spaces: DejaVu's */
    fonts[5 + strlen(DEVA_TEXT)] = '.';
    fonts[strlen(scripts)] = '\0';

    fallback_check("Latin, Devanagari, Thai",
                   FB_SANS ";" FB_DEVA ";" FB_THAI, scripts, fonts);

    /* Latin, Devanagari and Japanese with DejaVu Sans, Lohit, WenQuanYi */

    memset(fonts, '0', sizeof(fonts));
    memset(fonts + 5, '1', strlen(DEVA_TEXT));
    memset(fonts + 5 + strlen(DEVA_TEXT) + 1, '2', strlen(JA_TEXT));
    fonts[5 + 15] = '.';
    fonts[5 + strlen(DEVA_TEXT)] = '.';
    fonts[strlen("Last " DEVA_TEXT " " JA_TEXT)] = '\0';

    fallback_check("Latin, Devanagari, Japanese",
                   FB_SANS ";" FB_DEVA ";" FB_CJK,
                   "Last " DEVA_TEXT " " JA_TEXT, fonts);

    /* an emoji from the colour font, its flag and skin tone sequences */

    fallback_check("emoji", FB_SANS ";" FB_EMOJI,
                   "\xf0\x9f\x94\xa5 Last \xf0\x9f\x87\xab\xf0\x9f\x87\xb7",
                   "111100000011111111");

    /* a mark stays with its base: a Latin "e" and U+0301 in one font */

    fallback_check("e with a combining acute",
                   FB_SANS ";" FB_DEVA, "e\xcc\x81", "000");

    /* a code point no font of the chain has is refused, and named */

    rc = ngx_http_overlay_text_cover(FB_SANS ";" FB_THAI, scripts,
                                     strlen(scripts), &missing, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SPEC && missing == 0x0905
          && strstr(err.msg, "U+0905") != NULL,
          "Devanagari without Lohit refused: %d U+%04X \"%s\"", (int) rc,
          (unsigned) missing, err.msg);

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last \xe0\xa4\x95");

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 160,
                                        90, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SPEC
          && strstr(err.msg, "U+0915 is in no font of \"default\"") != NULL,
          "the layout refuses U+0915: %d \"%s\"", (int) rc, err.msg);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_render_free(&layout);
    }
}


/* --- colour emoji, against Pillow's drawing of the same bitmap -------- */

#define EMOJI_W      200
#define EMOJI_H      160

/* argv: font, text, output (PPM); the strike's own size, 109 pixels */
#define EMOJI_SCRIPT                                                          \
    "import sys\n"                                                            \
    "from PIL import Image, ImageDraw, ImageFont\n"                           \
    "f = ImageFont.truetype(sys.argv[1], 109,\n"                              \
    "                       layout_engine=ImageFont.Layout.RAQM)\n"           \
    "im = Image.new(\"RGB\", (200, 160), (0, 0, 0))\n"                        \
    "ImageDraw.Draw(im).text((20, 10), sys.argv[2], font=f,\n"                \
    "                        embedded_color=True)\n"                          \
    "im.save(sys.argv[3], \"PPM\")\n"


static int emoji_pillow(const char *text, unsigned char *rgb);
static gdImagePtr emoji_draw(const char *text, double px, int *ascent);
static void emoji_box(gdImagePtr im, int *box);


/* Pillow's drawing of text in Noto Color Emoji at 109 pixels, or -1 */

static int
emoji_pillow(const char *text, unsigned char *rgb)
{
    char  args[1024];

    (void) snprintf(args, sizeof(args), "%s '%s'", FB_EMOJI, text);

    return pil_run(EMOJI_SCRIPT, args, "P6", EMOJI_W, EMOJI_H, 3, rgb);
}


/* text in DejaVu and Noto Color Emoji at px, on black, the pen at 20 */

static gdImagePtr
emoji_draw(const char *text, double px, int *ascent)
{
    gdImagePtr                 im;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;
    ngx_http_overlay_shaped_t  shaped;

    rc = ngx_http_overlay_shape(FB_SANS ";" FB_EMOJI, px, text, strlen(text),
                                0, &shaped, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "\"%s\" shaped: %s", text, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return NULL;
    }

    *ascent = shaped.ext.ascent;

    im = gdImageCreateTrueColor(EMOJI_W, EMOJI_H);

    if (im != NULL) {
        gdImageAlphaBlending(im, 1);

        rc = ngx_http_overlay_draw_shaped(im, gdTrueColor(255, 255, 255), 0,
                                          &shaped, 0.0, 20,
                                          10 + shaped.ext.ascent, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "\"%s\" drawn: %s", text, err.msg);
    }

    ngx_http_overlay_shaped_free(&shaped);

    return im;
}


/* the box of the pixels that are not black: x0, y0, x1, y1 */

static void
emoji_box(gdImagePtr im, int *box)
{
    int  x, y;

    box[0] = EMOJI_W;
    box[1] = EMOJI_H;
    box[2] = -1;
    box[3] = -1;

    for (y = 0; y < EMOJI_H; y++) {
        for (x = 0; x < EMOJI_W; x++) {
            if ((gdImageGetTrueColorPixel(im, x, y) & 0xffffff) != 0) {
                box[0] = x < box[0] ? x : box[0];
                box[1] = y < box[1] ? y : box[1];
                box[2] = x > box[2] ? x : box[2];
                box[3] = y > box[3] ? y : box[3];
            }
        }
    }
}


/*
 * "🔥" at the strike's own size is the bitmap itself: the same pixels as
 * Pillow draws (its colours, within rounding); at the text's size it is
 * scaled (its box in proportion), in colour (the flame's orange), and
 * its advance moves the pen; a shadow's silhouette is drawn in the
 * shadow's colour
 */

void
test_text_emoji(void)
{
    int                         x, y, p, q, d, box[4], pbox[4], ascent;
    int                         orange, grey;
    long                        diff, n;
    gdImagePtr                  im, pil;
    unsigned char              *rgb;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_extent_t   a, b;
    ngx_http_overlay_shaped_t   shaped;

    static const char  fire[] = "\xf0\x9f\x94\xa5";

    if (access(FB_EMOJI, R_OK) != 0) {
        CHECK(0, FB_EMOJI " is missing (fonts-noto-color-emoji; make deps)");
        return;
    }

    /* at 109 pixels, against Pillow's */

    rgb = malloc(3 * EMOJI_W * EMOJI_H);
    im = emoji_draw(fire, 109.0, &ascent);

    if (rgb != NULL && im != NULL && access(PIL_PYTHON, X_OK) == 0) {
        CHECK(emoji_pillow(fire, rgb) == 0,
              "Pillow draws the emoji (python3-pil)");

        pil = gdImageCreateTrueColor(EMOJI_W, EMOJI_H);

        for (y = 0; pil != NULL && y < EMOJI_H; y++) {
            for (x = 0; x < EMOJI_W; x++) {
                p = 3 * (y * EMOJI_W + x);
                gdImageSetPixel(pil, x, y,
                                gdTrueColor(rgb[p], rgb[p + 1], rgb[p + 2]));
            }
        }

        if (pil != NULL) {
            emoji_box(im, box);
            emoji_box(pil, pbox);

            CHECK(box[2] - box[0] == pbox[2] - pbox[0]
                  && box[3] - box[1] == pbox[3] - pbox[1],
                  "at 109 px: a box of %dx%d, Pillow's %dx%d",
                  box[2] - box[0] + 1, box[3] - box[1] + 1,
                  pbox[2] - pbox[0] + 1, pbox[3] - pbox[1] + 1);

            diff = 0;
            n = 0;

            for (y = box[1]; y <= box[3]; y++) {
                for (x = box[0]; x <= box[2]; x++) {
                    p = gdImageGetTrueColorPixel(im, x, y);
                    q = gdImageGetTrueColorPixel(pil, x - box[0] + pbox[0],
                                                 y - box[1] + pbox[1]);
                    d = abs(gdTrueColorGetRed(p) - gdTrueColorGetRed(q))
                        + abs(gdTrueColorGetGreen(p)
                              - gdTrueColorGetGreen(q))
                        + abs(gdTrueColorGetBlue(p) - gdTrueColorGetBlue(q));
                    diff += d;
                    n++;
                }
            }

            printf("text_emoji: at 109 px, mean difference from Pillow's "
                   "%.2f levels per pixel (RGB summed)\n",
                   n > 0 ? (double) diff / n : -1.0);

            CHECK(n > 0 && diff <= 6 * n, "at 109 px: as Pillow draws it, "
                  "%.2f levels apart", n > 0 ? (double) diff / n : -1.0);

            gdImageDestroy(pil);
        }
    }

    free(rgb);

    if (im != NULL) {
        gdImageDestroy(im);
    }

    /* at 36 pixels: scaled in proportion, in colour */

    im = emoji_draw(fire, 36.0, &ascent);

    if (im != NULL) {
        emoji_box(im, box);

        orange = 0;
        grey = 0;

        for (y = 0; y < EMOJI_H; y++) {
            for (x = 0; x < EMOJI_W; x++) {
                p = gdImageGetTrueColorPixel(im, x, y);
                orange += gdTrueColorGetRed(p) > 200
                          && gdTrueColorGetGreen(p) > 60
                          && gdTrueColorGetGreen(p) < 200
                          && gdTrueColorGetBlue(p) < 100;
                grey += (p & 0xffffff) != 0
                        && gdTrueColorGetRed(p) == gdTrueColorGetGreen(p)
                        && gdTrueColorGetGreen(p) == gdTrueColorGetBlue(p);
            }
        }

        CHECK(box[3] - box[1] + 1 >= 36 && box[3] - box[1] + 1 <= 46
              && box[2] - box[0] + 1 >= 30 && box[2] - box[0] + 1 <= 46,
              "at 36 px: a box of %dx%d, about 36 * 128 / 109 high",
              box[2] - box[0] + 1, box[3] - box[1] + 1);

        CHECK(orange > 100 && grey < orange / 10,
              "at 36 px: in colour (%d orange pixels, %d grey)", orange,
              grey);

        gdImageDestroy(im);
    }

    /* the pen moves by the scaled advance: "🔥🔥" is twice "🔥" wide */

    rc = ngx_http_overlay_measure(FB_SANS ";" FB_EMOJI, 36.0, fire, &a,
                                  &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "measured: %s", err.msg);

    rc = ngx_http_overlay_measure(FB_SANS ";" FB_EMOJI, 36.0,
                                  "\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5", &b,
                                  &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && abs(b.width - 2 * a.width) <= 2
          && a.width >= 40 && a.width <= 48,
          "\"🔥\" %d wide (the advance, 136 * 36 / 109), two %d", a.width,
          b.width);

    /*
     * a space with U+FE0F asks for the colour font, whose space has no
     * bitmap: drawn as nothing, not refused (found by fuzz_text)
     */

    im = emoji_draw("L1\xef\xb8\x8f\xe2\x83\xa3 \xef\xb8\x8f", 36.0,
                    &ascent);

    if (im != NULL) {
        gdImageDestroy(im);
    }

    /* a tinted (shadow) emoji: its silhouette, no colour */

    im = gdImageCreateTrueColor(EMOJI_W, EMOJI_H);

    if (im != NULL) {
        gdImageFilledRectangle(im, 0, 0, EMOJI_W - 1, EMOJI_H - 1,
                               gdTrueColor(255, 255, 255));
        gdImageAlphaBlending(im, 1);

        rc = ngx_http_overlay_shape(FB_SANS ";" FB_EMOJI, 36.0, fire, 4, 0,
                                    &shaped, &err);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            rc = ngx_http_overlay_draw_shaped(im, gdTrueColor(0, 0, 0), 1,
                                              &shaped, 0.0, 20, 60, &err);
            ngx_http_overlay_shaped_free(&shaped);
        }

        orange = 0;
        grey = 0;

        for (y = 0; y < EMOJI_H; y++) {
            for (x = 0; x < EMOJI_W; x++) {
                p = gdImageGetTrueColorPixel(im, x, y);
                grey += gdTrueColorGetRed(p) < 64;
                orange += gdTrueColorGetRed(p) != gdTrueColorGetBlue(p);
            }
        }

        CHECK(rc == NGX_HTTP_OVERLAY_OK && grey > 300 && orange == 0,
              "a tinted emoji is a black silhouette: %d dark, %d coloured",
              grey, orange);

        gdImageDestroy(im);
    }
}
