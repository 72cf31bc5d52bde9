
/*
 * Unit tests of ngx_http_overlay_png_blend.c, through the composite the
 * module runs: for every colour type and depth, plain and Adam7, with and
 * without tRNS, and the fixtures, the output's IHDR (colour type, depth,
 * interlace), PLTE, tRNS and colour chunks are what the rules say
 * (ngx_http_overlay_png_blend.h), as libpng reads them; libpng reads
 * every pixel outside the badge exactly as the source's, at 16 bits, and
 * the badge where it should be.
 */


#include "unit.h"
#include "ngx_http_overlay_png_encode.h"
#include "ngx_http_overlay_quant.h"


typedef struct {
    unsigned                   colour;
    unsigned                   depth;
    unsigned                   interlace;
    size_t                     nplte;
    size_t                     ntrns;
    const unsigned char       *plte;
    const unsigned char       *trns;
} png_head_t;


static void blend_head(const unsigned char *png, size_t len,
    png_head_t *h);
static void blend_outside(const char *name, const unsigned char *a,
    size_t alen, const unsigned char *b, size_t blen);
static void blend_quantized(void);
static unsigned char *blend_palette_png(unsigned n, unsigned depth,
    int colourful, int rgb, size_t *len);


void
test_png_blend(void)
{
    int                   i, k, g, interlace, trns, colour, depth;
    char                  name[96];
    size_t                len, olen, n, n2;
    unsigned              want_colour, want_depth;
    png_head_t            a, b;
    unsigned char        *src, *out;
    const unsigned char  *c1, *c2;

    static const struct {
        int               colour;
        int               depth;
    } kinds[] = {
        { 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { 0, 16 }, { 2, 8 },
        { 2, 16 }, { 3, 1 }, { 3, 2 }, { 3, 4 }, { 3, 8 }, { 4, 8 },
        { 4, 16 }, { 6, 8 }, { 6, 16 }
    };

    static const char *const  fixtures[] = {
        "chelsea.png", "palette.png", "gray.png", "deep16.png", "logo.png",
        "transparent.png"
    };

    /* the kinds libpng writes, a colour badge and a grey one on each */

    for (i = 0; i < (int) (sizeof(kinds) / sizeof(kinds[0])) * 8; i++) {
        k = i / 8;
        interlace = i & 1;
        trns = (i & 2) != 0;
        g = (i & 4) != 0;
        colour = kinds[k].colour;
        depth = kinds[k].depth;

        if (trns && (colour & 4)) {
            continue;
        }

        snprintf(name, sizeof(name), "type %d, %d-bit%s%s, %s badge",
                 colour, depth, interlace ? ", Adam7" : "",
                 trns ? ", tRNS" : "", g ? "grey" : "colour");

        src = make_png(240, 135, colour, depth, interlace, trns, &len);
        out = png_render_badge(src, len, g, 0, 0, &olen);

        CHECK(out != NULL, "%s: rendered", name);

        if (out == NULL) {
            free(src);
            continue;
        }

        blend_head(src, len, &a);
        blend_head(out, olen, &b);

        /*
         * make_png()'s palettes are full at 8 bits: the blends do not fit,
         * RGB(A); at 1, 2 and 4 bits they fit, at 8 bits; grey stays grey
         * under a grey badge (1, 2, 4 bits may grow to 8), else RGB; a key
         * may become alpha
         */

        want_colour = (unsigned) colour;
        want_depth = (unsigned) depth;

        if (colour == 3) {
            want_colour = depth == 8 ? (trns ? 6 : 2) : 3;
            want_depth = 8;

        } else if ((colour & 2) == 0 && !g) {
            want_colour = trns ? 6 : (unsigned) colour | 2;
            want_depth = depth < 8 ? 8 : (unsigned) depth;
        }

        CHECK(b.interlace == a.interlace, "%s: interlace %u, not %u", name,
              b.interlace, a.interlace);

        if (g && (colour & 2) == 0) {

            /* a grey badge on grey: maybe deeper, or alpha for the key */

            CHECK((b.colour == want_colour || (trns && b.colour == 4))
                  && (b.depth == want_depth || (depth < 8 && b.depth == 8)),
                  "%s: type %u, %u-bit", name, b.colour, b.depth);

        } else if (trns && colour == 2 && b.colour == 6) {

            /* the key's colour made, or a keyed pixel half covered */

            CHECK(b.depth == want_depth && b.ntrns == 0,
                  "%s: type %u, %u-bit, tRNS %zu", name, b.colour, b.depth,
                  b.ntrns);

        } else {
            CHECK(want_colour == b.colour && want_depth == b.depth,
                  "%s: type %u, %u-bit, not %u, %u-bit", name, b.colour,
                  b.depth, want_colour, want_depth);
        }

        if (b.colour == 3) {
            CHECK(b.nplte > a.nplte && memcmp(a.plte, b.plte, a.nplte) == 0
                  && b.ntrns >= a.ntrns
                  && (a.ntrns == 0 || memcmp(a.trns, b.trns, a.ntrns) == 0),
                  "%s: the palette and its alpha extended", name);

        } else if (b.colour & 4) {
            CHECK(b.ntrns == 0, "%s: tRNS with alpha", name);

        } else if (b.depth == a.depth) {
            CHECK(b.ntrns == a.ntrns
                  && (a.ntrns == 0 || memcmp(a.trns, b.trns, a.ntrns) == 0),
                  "%s: the tRNS key as it was", name);

        } else {
            CHECK(b.ntrns == a.ntrns, "%s: a tRNS key", name);
        }

        blend_outside(name, src, len, out, olen);

        free(out);
        free(src);
    }

    /* palettes with room: a grey badge's blends are added */

    for (i = 0; i < 4; i++) {
        depth = i < 2 ? 4 : 8;
        snprintf(name, sizeof(name), "a %d-bit palette of %d, %s", depth,
                 i < 2 ? 6 : 200, (i & 1) ? "a colour badge" : "grey");

        src = blend_palette_png(i < 2 ? 6 : 200, (unsigned) depth, 0, 0,
                                &len);
        out = png_render_badge(src, len, !(i & 1), 1, 0, &olen);

        CHECK(out != NULL, "%s: rendered", name);

        if (out == NULL) {
            free(src);
            continue;
        }

        blend_head(src, len, &a);
        blend_head(out, olen, &b);

        if (i < 2) {

            /* 6 greys under an opaque badge: a few hundred blends at most */

            CHECK(b.colour == 3 && b.depth == 8 && b.nplte > a.nplte
                  && b.nplte <= 3 * 256
                  && memcmp(a.plte, b.plte, a.nplte) == 0,
                  "%s: type %u, %u-bit, %zu colours", name, b.colour,
                  b.depth, b.nplte / 3);

        } else {

            /* 200: the blends fit in the 56 left, or are quantized */

            CHECK(b.colour == 3 && b.depth == 8 && b.nplte > a.nplte
                  && b.nplte <= 3 * 256
                  && memcmp(a.plte, b.plte, a.nplte) == 0,
                  "%s: type %u, %u-bit, %zu colours", name, b.colour,
                  b.depth, b.nplte / 3);
        }

        blend_outside(name, src, len, out, olen);

        free(out);
        free(src);
    }

    /* the fixtures, and their colour chunks */

    for (i = 0; i < (int) (sizeof(fixtures) / sizeof(fixtures[0])); i++) {
        src = read_fixture(fixtures[i], &len);
        out = png_render_badge(src, len, 0, 0, 0, &olen);

        CHECK(out != NULL, "%s: rendered", fixtures[i]);

        if (out == NULL) {
            free(src);
            continue;
        }

        blend_head(src, len, &a);
        blend_head(out, olen, &b);

        /* a palette stays one, quantized if need be (see above) */

        CHECK(b.depth == (a.colour == 3 ? 8 : a.depth)
              && (a.colour == 3
                  ? b.colour == 3 && memcmp(a.plte, b.plte, a.nplte) == 0
                  : (b.colour & 4) == ((a.colour & 4) || a.ntrns ? 4u
                                                                 : 0u)),
              "%s: type %u, %u-bit from type %u, %u-bit", fixtures[i],
              b.colour, b.depth, a.colour, a.depth);

        for (k = 0; k < 5; k++) {
            static const char *const  types[] = {
                "sRGB", "gAMA", "cHRM", "pHYs", "iCCP"
            };

            c1 = png_chunk_find(src, len, types[k], &n);
            c2 = png_chunk_find(out, olen, types[k], &n2);

            /* a grey source's profile does not describe colour */

            if (k == 4 && c1 != NULL && (a.colour & 2) == 0
                && (b.colour & 2) != 0)
            {
                CHECK(c2 == NULL, "%s: its grey iCCP left out",
                      fixtures[i]);
                continue;
            }

            CHECK((c1 == NULL) == (c2 == NULL)
                  && (c1 == NULL
                      || (n == n2 && memcmp(c1 - 8, c2 - 8, n + 12) == 0)),
                  "%s: %s as it was", fixtures[i], types[k]);
        }

        blend_outside(fixtures[i], src, len, out, olen);

        free(out);
        free(src);
    }

    blend_quantized();
}


/*
 * Palettes without room for the blends: the new colours quantized into
 * the free entries (the old ones, every pixel outside the badge and its
 * index kept), the badge within NGX_HTTP_OVERLAY_QUANT_FLOOR of the
 * composite of the image made RGB; or, under the floor, RGB.
 */

static void
blend_quantized(void)
{
    int             i;
    char            name[96];
    size_t          len, rlen, olen, orlen;
    double          psnr;
    png_head_t      a, b;
    unsigned char  *src, *rgb, *out, *ref;

    static const struct {
        unsigned    n;
        int         colourful;
        int         grey_badge;
        int         palette;                    /* the output stays one */
    } cases[] = {
        { 192, 1, 0, 1 },                       /* 64 free: quantized */
        { 250, 1, 0, 1 },                       /* 6 free */
        { 256, 0, 1, 1 },                       /* full: the nearest greys */
        { 256, 0, 0, 0 },                       /* no red: under the floor */
    };

    for (i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++) {
        snprintf(name, sizeof(name), "a palette of %u %s, a %s badge",
                 cases[i].n, cases[i].colourful ? "colours" : "greys",
                 cases[i].grey_badge ? "grey" : "colour");

        src = blend_palette_png(cases[i].n, 8, cases[i].colourful, 0, &len);
        rgb = blend_palette_png(cases[i].n, 8, cases[i].colourful, 1, &rlen);

        out = png_render_badge(src, len, cases[i].grey_badge, 0, 0,
                               &olen);
        ref = png_render_badge(rgb, rlen, cases[i].grey_badge, 0, 0,
                               &orlen);

        CHECK(out != NULL && ref != NULL, "%s: rendered", name);

        if (out == NULL || ref == NULL) {
            free(out);
            free(ref);
            free(src);
            free(rgb);
            continue;
        }

        blend_head(src, len, &a);
        blend_head(out, olen, &b);

        psnr = check_overlay_psnr(rgb, rlen, ref, orlen, out, olen);

        printf("png quantized: %s: type %u, %zu colours, the badge at "
               "%.2f dB\n", name, b.colour, b.nplte / 3, psnr);

        if (cases[i].palette) {
            CHECK(b.colour == 3 && b.depth == 8 && b.nplte >= a.nplte
                  && b.nplte <= 3 * 256
                  && memcmp(a.plte, b.plte, a.nplte) == 0
                  && psnr >= NGX_HTTP_OVERLAY_QUANT_FLOOR && psnr < 99,
                  "%s: type %u, %zu colours, the badge at %.2f dB", name,
                  b.colour, b.nplte / 3, psnr);

            if (cases[i].n < 256) {
                CHECK(b.nplte == 3 * 256, "%s: every free entry used, %zu",
                      name, b.nplte / 3);
            }

        } else {
            CHECK(b.colour == 2 && b.depth == 8 && b.nplte == 0
                  && psnr == 99,
                  "%s: type %u, %u-bit, the badge at %.2f dB", name,
                  b.colour, b.depth, psnr);
        }

        blend_outside(name, src, len, out, olen);

        free(out);
        free(ref);
        free(src);
        free(rgb);
    }
}


/*
 * The default badge, "Last Chance!", or a grey one (white on #404040,
 * 85%, or opaque), with overlay_png_reduce or not: the PNG the composite
 * makes, malloc()ed.
 */

unsigned char *
png_render_badge(const unsigned char *png, size_t len, int grey, int opaque,
    int reduce, size_t *out_len)
{
    unsigned char                  *p;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    opts.codec.png_reduce = reduce;
    one_text(&spec, &opts, "Last Chance!");

    if (grey) {
        spec.layers[0].background.r = 0x40;
        spec.layers[0].background.g = 0x40;
        spec.layers[0].background.b = 0x40;
    }

    if (opaque) {
        spec.layers[0].background.a = 255;
    }

    rc = ngx_http_overlay_composite(png, len, &spec, &opts, &info, &blob,
                                    &err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        printf("  composite: %s: %s\n", ngx_http_overlay_reason(rc),
               err.msg);
        return NULL;
    }

    p = malloc(blob.len);
    memcpy(p, blob.data, blob.len);
    *out_len = blob.len;
    ngx_http_overlay_codec_free(&blob);

    return p;
}


static void
blend_head(const unsigned char *png, size_t len, png_head_t *h)
{
    memset(h, 0, sizeof(png_head_t));

    h->depth = png[24];
    h->colour = png[25];
    h->interlace = png[28];
    h->plte = png_chunk_find(png, len, "PLTE", &h->nplte);
    h->trns = png_chunk_find(png, len, "tRNS", &h->ntrns);

    if (h->trns == NULL) {
        h->ntrns = 0;
    }

    if (h->plte == NULL) {
        h->nplte = 0;
    }
}


/*
 * libpng's simplified reader, both at 16 bits a sample: every pixel that
 * differs is in the badge's corner (the right half, the top half), and
 * some do.
 */

static void
blend_outside(const char *name, const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen)
{
    int              warned[2];
    char             msg[2][64];
    size_t           x, y, diff, out;
    unsigned         w, h, bw, bh;
    unsigned short  *pa, *pb, *p, *q;

    pa = png_read_linear(a, alen, &w, &h, msg[0], &warned[0]);
    pb = png_read_linear(b, blen, &bw, &bh, msg[1], &warned[1]);

    CHECK(pa != NULL && pb != NULL && w == bw && h == bh,
          "%s: libpng reads both: %s %s", name, msg[0], msg[1]);

    if (pa != NULL && pb != NULL && w == bw && h == bh) {
        diff = 0;
        out = 0;

        for (y = 0; y < h; y++) {
            for (x = 0; x < w; x++) {
                p = pa + 4 * (y * w + x);
                q = pb + 4 * (y * w + x);

                if (memcmp(p, q, 4 * sizeof(unsigned short)) != 0) {
                    diff++;

                    if (x < w / 2 || y >= h / 2) {
                        if (out++ == 0) {
                            printf("  %s: %zu,%zu differs\n", name, x, y);
                        }
                    }
                }
            }
        }

        CHECK(diff > 100 && out == 0,
              "%s: %zu pixels changed, %zu of them outside the badge's "
              "corner", name, diff, out);
    }

    free(pa);
    free(pb);
}


/*
 * A 240x135 palette image of n greys (or colours, none of them red),
 * stripes, by the encoder; rgb: the same pixels as 8-bit RGB.
 */

static unsigned char *
blend_palette_png(unsigned n, unsigned depth, int colourful, int rgb,
    size_t *len)
{
    unsigned                       x, y, k, i;
    unsigned char                 *p;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_blob_t        out;
    ngx_http_overlay_error_t       err;
    ngx_http_overlay_png_image_t   im;

    memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
    im.width = 240;
    im.height = 135;
    im.colour = 3;
    im.depth = depth;
    im.npalette = n;
    im.stride = 1 + im.width;

    for (k = 0; k < n; k++) {
        im.palette[3 * k] = (unsigned char) (k * 255 / n);
        im.palette[3 * k + 1] = (unsigned char) (k * 255 / n);
        im.palette[3 * k + 2] = (unsigned char) (k * 255 / n);

        if (colourful) {
            im.palette[3 * k] = (unsigned char) (k * 37 % 160);
            im.palette[3 * k + 1] = (unsigned char) (96 + k * 53 % 160);
        }
    }

    if (rgb) {
        im.colour = 2;
        im.npalette = 0;
        im.stride = 1 + 3 * im.width;
    }

    im.rows = malloc(im.stride * im.height);

    for (y = 0; y < im.height; y++) {
        for (x = 0; x < im.width; x++) {
            k = (x / 7 + y / 5) % n;

            if (!rgb) {
                im.rows[y * im.stride + 1 + x] = (unsigned char) k;
                continue;
            }

            for (i = 0; i < 3; i++) {
                im.rows[y * im.stride + 1 + 3 * x + i] = im.palette[3 * k
                                                                    + i];
            }
        }
    }

    rc = ngx_http_overlay_png_encode(&im, &out, &err);
    free(im.rows);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return NULL;
    }

    p = malloc(out.len);
    memcpy(p, out.data, out.len);
    *len = out.len;
    ngx_http_overlay_codec_free(&out);

    return p;
}
