
/*
 * Unit tests of overlay_png_reduce (ngx_http_overlay_png_blend.c), through
 * the composite the module runs, the default red badge on every colour
 * type and depth, plain and Adam7, with and without tRNS, and the grey
 * and 16-bit fixtures: grey stays grey and 16 bits become 8 (IHDR); every
 * pixel outside the badge is the source's as libpng reads it with
 * png_set_strip_16() (its high bytes; a 16-bit key as alpha); inside, each
 * grey pixel is the luminance (ITU-R 601-2) of the pixel the default
 * setting draws in colour; 8-bit colour and palette images come out byte
 * for byte as without the setting.
 */


#include <png.h>

#include "unit.h"


typedef struct {
    unsigned char             *px;              /* RGBA, 8 bits */
    unsigned                   w;
    unsigned                   h;
} reduce_rgba_t;


typedef struct {
    const unsigned char       *p;
    size_t                     len;
    size_t                     pos;
} reduce_src_t;


static int reduce_read(const unsigned char *png, size_t len,
    reduce_rgba_t *im);
static void reduce_read_data(png_structp png, png_bytep buf, size_t size);
static void reduce_check(const char *name, const unsigned char *src,
    size_t slen);


void
test_png_reduce(void)
{
    int                   i, k, interlace, trns, colour, depth;
    char                  name[96];
    size_t                len;
    unsigned char        *src;

    static const struct {
        int               colour;
        int               depth;
    } kinds[] = {
        { 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { 0, 16 }, { 2, 8 },
        { 2, 16 }, { 3, 4 }, { 3, 8 }, { 4, 8 }, { 4, 16 }, { 6, 8 },
        { 6, 16 }
    };

    static const char *const  fixtures[] = {
        "gray.png", "deep16.png", "chelsea.png", "palette.png"
    };

    for (i = 0; i < (int) (sizeof(kinds) / sizeof(kinds[0])) * 4; i++) {
        k = i / 4;
        interlace = i & 1;
        trns = (i & 2) != 0;
        colour = kinds[k].colour;
        depth = kinds[k].depth;

        if (trns && (colour & 4)) {
            continue;
        }

        snprintf(name, sizeof(name), "reduce: type %d, %d-bit%s%s", colour,
                 depth, interlace ? ", Adam7" : "", trns ? ", tRNS" : "");

        src = make_png(240, 135, colour, depth, interlace, trns, &len);
        reduce_check(name, src, len);
        free(src);
    }

    for (i = 0; i < (int) (sizeof(fixtures) / sizeof(fixtures[0])); i++) {
        src = read_fixture(fixtures[i], &len);
        snprintf(name, sizeof(name), "reduce: %s", fixtures[i]);
        reduce_check(name, src, len);
        free(src);
    }
}


static void
reduce_check(const char *name, const unsigned char *src, size_t slen)
{
    long                  d, worst;
    size_t                olen, dlen, x, y, out, changed, off;
    unsigned              colour, depth, lum;
    reduce_rgba_t         a, b, c;
    unsigned char        *o, *def;
    const unsigned char  *p, *q, *r;

    o = png_render_badge(src, slen, 0, 0, 1, &olen);
    def = png_render_badge(src, slen, 0, 0, 0, &dlen);

    CHECK(o != NULL && def != NULL, "%s: rendered", name);

    if (o == NULL || def == NULL) {
        free(o);
        free(def);
        return;
    }

    colour = src[25];
    depth = src[24];

    CHECK(o[28] == src[28], "%s: interlace %u, not %u", name, o[28],
          src[28]);

    if (depth <= 8 && (colour & 2)) {

        /* 8-bit colour and palette: as without the setting */

        CHECK(olen == dlen && memcmp(o, def, olen) == 0,
              "%s: byte for byte as without it (%zu, %zu bytes)", name,
              olen, dlen);
        free(o);
        free(def);
        return;
    }

    /* grey stays grey (alpha for a key), colour stays colour; 8 bits */

    if ((colour & 2) == 0) {
        CHECK(o[25] == colour || o[25] == (colour | 4),
              "%s: grey, type %u, not %u", name, o[25], colour);

    } else {
        CHECK(o[25] == colour || (colour == 2 && o[25] == 6),
              "%s: colour, type %u, not %u", name, o[25], colour);
    }

    CHECK(o[24] == 8 || (depth < 8 && o[24] == depth),
          "%s: %u-bit, source %u-bit", name, o[24], depth);

    if (reduce_read(src, slen, &a) != 0 || reduce_read(o, olen, &b) != 0
        || reduce_read(def, dlen, &c) != 0)
    {
        CHECK(0, "%s: libpng reads them", name);
        free(o);
        free(def);
        return;
    }

    CHECK(a.w == b.w && a.h == b.h, "%s: %ux%u, not %ux%u", name, b.w, b.h,
          a.w, a.h);

    out = 0;
    changed = 0;
    worst = 0;

    for (y = 0; y < a.h && a.w == b.w && a.h == b.h; y++) {
        for (x = 0; x < a.w; x++) {
            off = 4 * (y * a.w + x);
            p = a.px + off;
            q = b.px + off;
            r = c.px + off;

            if (memcmp(p, q, 4) != 0) {
                changed++;

                if (x < a.w / 2 || y >= a.h / 2) {
                    if (out++ == 0) {
                        printf("  %s: %zu,%zu differs\n", name, x, y);
                    }
                }
            }

            if ((colour & 2) != 0) {
                continue;
            }

            /* grey: the luminance of the colour drawn without reduce */

            lum = (299 * r[0] + 587 * r[1] + 114 * r[2] + 500) / 1000;
            d = labs((long) q[0] - (long) lum);

            if (q[0] != q[1] || q[1] != q[2]) {
                d = 1000;
            }

            if (labs((long) q[3] - (long) r[3]) > d) {
                d = labs((long) q[3] - (long) r[3]);
            }

            if (d > worst) {
                worst = d;
            }
        }
    }

    CHECK(changed > 100 && out == 0,
          "%s: %zu pixels changed, %zu of them outside the badge's corner",
          name, changed, out);

    /* the default blends a 16-bit image in 16 bits, this one in 8 */

    if ((colour & 2) == 0) {
        CHECK(worst <= (depth == 16 ? 2 : 1),
              "%s: grey within %ld of the colour's luminance", name, worst);
    }

    free(a.px);
    free(b.px);
    free(c.px);
    free(o);
    free(def);
}


/*
 * The PNG as libpng reads it into 8-bit RGBA: png_set_strip_16() (the
 * high bytes), palette, low depths and tRNS expanded (a key compared at
 * the source's depth), grey copied to RGB.  0: read.
 */

static int
reduce_read(const unsigned char *data, size_t len, reduce_rgba_t *im)
{
    int                     pass, passes;
    png_infop               info;
    png_uint_32             y;
    png_structp             png;
    reduce_src_t            s;
    unsigned char *volatile px;

    s.p = data;
    s.len = len;
    s.pos = 0;
    px = NULL;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png_create_info_struct(png);

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(px);
        return -1;
    }

    png_set_read_fn(png, &s, reduce_read_data);
    png_read_info(png, info);

    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    im->w = png_get_image_width(png, info);
    im->h = png_get_image_height(png, info);

    if (png_get_rowbytes(png, info) != (size_t) im->w * 4) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }

    px = calloc((size_t) im->w * im->h, 4);

    for (pass = 0; pass < passes; pass++) {
        for (y = 0; y < im->h; y++) {
            png_read_row(png, px + (size_t) y * im->w * 4, NULL);
        }
    }

    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);

    im->px = px;

    return 0;
}


static void
reduce_read_data(png_structp png, png_bytep buf, size_t size)
{
    reduce_src_t  *s;

    s = png_get_io_ptr(png);

    if (size > s->len - s->pos) {
        png_error(png, "cut short");
    }

    memcpy(buf, s->p + s->pos, size);
    s->pos += size;
}
