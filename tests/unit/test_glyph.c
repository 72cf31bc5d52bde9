
/*
 * Unit tests of ngx_http_overlay_glyph.c: colour bitmaps (premultiplied
 * BGRA, as FreeType loads emoji) placed, scaled by area and bilinearly,
 * turned, tinted, made translucent and clipped, on bitmaps whose every
 * expected pixel is computed here.  The coverage blit is tested against
 * libgd's own text in test_text.c (text_libgd).
 */


#include <math.h>

#include "unit.h"
#include "ngx_http_overlay_glyph.h"


static void glyph_bitmap(FT_Bitmap *bm, unsigned char *buf, unsigned w,
    unsigned h, const unsigned char *bgra);
static gdImagePtr glyph_canvas(int transparent);
static int glyph_drawn(gdImagePtr im, int x0, int y0, int x1, int y1,
    int *inside);


/* a bitmap of w x h, each pixel bgra (premultiplied) */

static void
glyph_bitmap(FT_Bitmap *bm, unsigned char *buf, unsigned w, unsigned h,
    const unsigned char *bgra)
{
    unsigned  i;

    for (i = 0; i < w * h; i++) {
        memcpy(buf + 4 * i, bgra, 4);
    }

    memset(bm, 0, sizeof(FT_Bitmap));
    bm->width = w;
    bm->rows = h;
    bm->pitch = (int) (4 * w);
    bm->buffer = buf;
    bm->pixel_mode = FT_PIXEL_MODE_BGRA;
}


/* 64 x 64, black and opaque or transparent, blending on */

static gdImagePtr
glyph_canvas(int transparent)
{
    gdImagePtr  im;

    im = gdImageCreateTrueColor(64, 64);

    if (im != NULL) {
        gdImageAlphaBlending(im, 0);
        gdImageFilledRectangle(im, 0, 0, 63, 63,
                               transparent ? gdTrueColorAlpha(0, 0, 0, 127)
                                           : gdTrueColor(0, 0, 0));
        gdImageAlphaBlending(im, 1);
    }

    return im;
}


/*
 * How many pixels of the black canvas were drawn on; *inside: how many of
 * them are red and in [x0, x1) x [y0, y1)
 */

static int
glyph_drawn(gdImagePtr im, int x0, int y0, int x1, int y1, int *inside)
{
    int  x, y, p, n;

    n = 0;
    *inside = 0;

    for (y = 0; y < 64; y++) {
        for (x = 0; x < 64; x++) {
            p = gdImageGetTrueColorPixel(im, x, y);

            if (p != gdTrueColor(0, 0, 0)) {
                n++;
                *inside += x >= x0 && x < x1 && y >= y0 && y < y1
                           && p == gdTrueColor(255, 0, 0);
            }
        }
    }

    return n;
}


void
test_glyph_colour(void)
{
    int                   x, y, p, n, inside, x0, y0, x1, y1;
    FT_Bitmap             bm;
    gdImagePtr            im;
    unsigned char         buf[4 * 16 * 16];

    static const unsigned char  red[4] = { 0, 0, 255, 255 };
    static const unsigned char  half[4] = { 0, 64, 0, 128 };  /* green */

    /* scale 1, unturned: the bitmap as it is, its top-left at pen + left */

    glyph_bitmap(&bm, buf, 4, 3, red);
    im = glyph_canvas(0);

    if (im == NULL) {
        CHECK(0, "gdImageCreateTrueColor() failed");
        return;
    }

    ngx_http_overlay_glyph_colour(im, gdTrueColor(255, 255, 255), 0, &bm,
                                  2, 5, 1.0, 0.0, 10.0, 20.0);

    n = glyph_drawn(im, 12, 15, 16, 18, &inside);

    CHECK(n == 12 && inside == 12,
          "4x3 red at (12,15): %d drawn, %d where and as expected", n,
          inside);

    gdImageDestroy(im);

    /* scaled by 0.5, area-averaged: 16x16 red becomes 8x8 red */

    glyph_bitmap(&bm, buf, 16, 16, red);
    im = glyph_canvas(0);

    if (im == NULL) {
        return;
    }

    ngx_http_overlay_glyph_colour(im, gdTrueColor(255, 255, 255), 0, &bm,
                                  0, 16, 0.5, 0.0, 8.0, 40.0);

    n = glyph_drawn(im, 8, 32, 16, 40, &inside);

    CHECK(n == 64 && inside == 64, "16x16 at 0.5: 8x8 at (8,32): %d, %d",
          n, inside);

    gdImageDestroy(im);

    /*
     * half-transparent green (premultiplied 64 of 128) over black, with a
     * colour of alpha 0 and of alpha 63 (about half): 50% and 25% green
     */

    glyph_bitmap(&bm, buf, 2, 2, half);
    im = glyph_canvas(0);

    if (im == NULL) {
        return;
    }

    ngx_http_overlay_glyph_colour(im, gdTrueColor(255, 255, 255), 0, &bm,
                                  0, 2, 1.0, 0.0, 4.0, 6.0);
    ngx_http_overlay_glyph_colour(im, gdTrueColorAlpha(255, 255, 255, 63),
                                  0, &bm, 0, 2, 1.0, 0.0, 20.0, 6.0);

    p = gdImageGetTrueColorPixel(im, 4, 4);
    CHECK(abs(gdTrueColorGetGreen(p) - 64) <= 2
          && gdTrueColorGetRed(p) == 0 && gdTrueColorGetBlue(p) == 0,
          "half-transparent green over black: %06x", p);

    p = gdImageGetTrueColorPixel(im, 20, 4);
    CHECK(abs(gdTrueColorGetGreen(p) - 32) <= 2,
          "and at the colour's half opacity: %06x", p);

    /* on a transparent pixel it is set, with its own alpha */

    gdImageDestroy(im);
    im = glyph_canvas(1);

    if (im == NULL) {
        return;
    }

    ngx_http_overlay_glyph_colour(im, gdTrueColor(255, 255, 255), 0, &bm,
                                  0, 2, 1.0, 0.0, 4.0, 6.0);

    p = gdImageGetTrueColorPixel(im, 4, 4);
    CHECK(gdTrueColorGetGreen(p) == 128 && abs(gdTrueColorGetAlpha(p) - 63)
                                           <= 1,
          "set on a transparent pixel, unpremultiplied: %08x", p);

    gdImageDestroy(im);

    /* tinted: a silhouette in the colour, the bitmap's alpha kept */

    glyph_bitmap(&bm, buf, 4, 4, red);
    im = glyph_canvas(0);

    if (im == NULL) {
        return;
    }

    ngx_http_overlay_glyph_colour(im, gdTrueColor(0, 0, 255), 1, &bm,
                                  0, 4, 1.0, 0.0, 30.0, 30.0);

    p = gdImageGetTrueColorPixel(im, 31, 27);
    CHECK(p == gdTrueColor(0, 0, 255), "tinted blue: %06x", p);

    gdImageDestroy(im);

    /*
     * turned a quarter counter-clockwise about the pen: an 8x2 bar along
     * the baseline becomes a 2x8 bar going up from the pen, on its left
     * of the pen (the bitmap's top, 2 above the baseline, turns left)
     */

    glyph_bitmap(&bm, buf, 8, 2, red);
    im = glyph_canvas(0);

    if (im == NULL) {
        return;
    }

    ngx_http_overlay_glyph_colour(im, gdTrueColor(255, 255, 255), 0, &bm,
                                  0, 2, 1.0, M_PI / 2, 32.0, 40.0);

    x0 = 64;
    y0 = 64;
    x1 = -1;
    y1 = -1;
    n = 0;

    for (y = 0; y < 64; y++) {
        for (x = 0; x < 64; x++) {
            p = gdImageGetTrueColorPixel(im, x, y);

            if (gdTrueColorGetRed(p) > 128) {
                n++;
                x0 = x < x0 ? x : x0;
                y0 = y < y0 ? y : y0;
                x1 = x > x1 ? x : x1;
                y1 = y > y1 ? y : y1;
            }
        }
    }

    CHECK(n == 16 && x0 == 30 && x1 == 31 && y0 == 32 && y1 == 39,
          "turned a quarter: %d pixels in (%d,%d)-(%d,%d), not 16 in "
          "(30,32)-(31,39)", n, x0, y0, x1, y1);

    /* clipped: nothing outside the clip rectangle */

    gdImageDestroy(im);
    glyph_bitmap(&bm, buf, 16, 16, red);
    im = glyph_canvas(0);

    if (im == NULL) {
        return;
    }

    gdImageSetClip(im, 0, 0, 9, 63);
    ngx_http_overlay_glyph_colour(im, gdTrueColor(255, 255, 255), 0, &bm,
                                  0, 16, 2.0, 0.3, 4.0, 40.0);

    n = 0;

    for (y = 0; y < 64; y++) {
        for (x = 10; x < 64; x++) {
            n += gdImageGetTrueColorPixel(im, x, y) != gdTrueColor(0, 0, 0);
        }
    }

    CHECK(n == 0, "clipped: %d pixels drawn right of the clip", n);

    gdImageDestroy(im);
}
