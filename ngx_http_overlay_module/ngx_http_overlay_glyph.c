
/*
 * ngx_http_overlay_module: glyphs onto truecolor images
 * (ngx_http_overlay_glyph.h).
 */


#include <limits.h>
#include <math.h>

#include "ngx_http_overlay_glyph.h"


static void ngx_http_overlay_glyph_sample(const FT_Bitmap *bm, double sx,
    double sy, double scale, double *px);
static void ngx_http_overlay_glyph_set(gdImagePtr im, int x, int y,
    int pixel);


void
ngx_http_overlay_glyph_blit(gdImagePtr im, int color, const FT_Bitmap *bm,
    int x0, int y0)
{
    int                   x, y, level, cx1, cy1, cx2, cy2;
    unsigned              row, col, grays;
    const unsigned char  *line;

    gdImageGetClip(im, &cx1, &cy1, &cx2, &cy2);

    grays = bm->pixel_mode == FT_PIXEL_MODE_GRAY ? bm->num_grays : 2;

    if (grays < 2) {
        return;
    }

    for (row = 0; row < bm->rows; row++) {
        y = y0 + (int) row;

        if (y < cy1 || y > cy2) {
            continue;
        }

        line = bm->buffer + (long) row * bm->pitch;

        for (col = 0; col < bm->width; col++) {

            if (bm->pixel_mode == FT_PIXEL_MODE_GRAY) {
                level = line[col] * gdAlphaMax / (int) (grays - 1);

            } else {
                level = (line[col >> 3] & (0x80 >> (col & 7))) ? gdAlphaMax
                                                               : 0;
            }

            if (level == 0) {
                continue;
            }

            x = x0 + (int) col;

            if (x < cx1 || x > cx2) {
                continue;
            }

            level = level * (gdAlphaMax - gdTrueColorGetAlpha(color))
                    / gdAlphaMax;
            level = ((gdAlphaMax - level) << 24) + (color & 0xffffff);

            ngx_http_overlay_glyph_set(im, x, y, level);
        }
    }
}


/*
 * Each pixel of im the turned, scaled bitmap covers is mapped back into
 * the bitmap (u along the baseline, v down, from the pen's origin) and
 * sampled there.
 */

void
ngx_http_overlay_glyph_colour(gdImagePtr im, int color, int tint,
    const FT_Bitmap *bm, int left, int top, double scale, double angle,
    double ox, double oy)
{
    int     x, y, x0, y0, x1, y1, cx1, cy1, cx2, cy2, a, r, g, b, i;
    double  c, s, u0, v0, w, h, u, v, dx, dy, opacity, px[4];
    double  cu[4], cv[4];

    if (bm->pixel_mode != FT_PIXEL_MODE_BGRA || bm->width == 0
        || bm->rows == 0 || !(scale > 0.0))
    {
        return;
    }

    opacity = (double) (gdAlphaMax - gdTrueColorGetAlpha(color))
              / gdAlphaMax;

    c = cos(angle);
    s = sin(angle);

    /* the scaled bitmap's box, from the pen's origin, v down */

    u0 = left * scale;
    v0 = -top * scale;
    w = bm->width * scale;
    h = bm->rows * scale;

    if (angle == 0.0) {

        /* unturned: the box starts on a whole pixel, for a sharp glyph */

        ox = floor(ox + u0) - u0;
        oy = floor(oy + v0) - v0;
    }

    /* the box turned, in im: its pixels' range */

    cu[0] = u0;
    cv[0] = v0;
    cu[1] = u0 + w;
    cv[1] = v0;
    cu[2] = u0;
    cv[2] = v0 + h;
    cu[3] = u0 + w;
    cv[3] = v0 + h;

    x0 = INT_MAX;
    y0 = INT_MAX;
    x1 = INT_MIN;
    y1 = INT_MIN;

    for (i = 0; i < 4; i++) {
        dx = ox + cu[i] * c + cv[i] * s;
        dy = oy - cu[i] * s + cv[i] * c;

        x0 = (int) floor(dx) < x0 ? (int) floor(dx) : x0;
        y0 = (int) floor(dy) < y0 ? (int) floor(dy) : y0;
        x1 = (int) ceil(dx) > x1 ? (int) ceil(dx) : x1;
        y1 = (int) ceil(dy) > y1 ? (int) ceil(dy) : y1;
    }

    gdImageGetClip(im, &cx1, &cy1, &cx2, &cy2);

    x0 = x0 < cx1 ? cx1 : x0;
    y0 = y0 < cy1 ? cy1 : y0;
    x1 = x1 > cx2 ? cx2 : x1;
    y1 = y1 > cy2 ? cy2 : y1;

    for (y = y0; y <= y1; y++) {
        for (x = x0; x <= x1; x++) {

            /* the pixel's centre, back into the bitmap's pixels */

            dx = x + 0.5 - ox;
            dy = y + 0.5 - oy;

            u = dx * c - dy * s;
            v = dx * s + dy * c;

            if (u < u0 || v < v0 || u >= u0 + w || v >= v0 + h) {
                continue;
            }

            ngx_http_overlay_glyph_sample(bm, (u - u0) / scale,
                                          (v - v0) / scale, scale, px);

            if (px[3] * opacity < 1.0) {
                continue;
            }

            /* premultiplied BGRA to libgd's colour and 7-bit alpha */

            if (tint) {
                r = gdTrueColorGetRed(color);
                g = gdTrueColorGetGreen(color);
                b = gdTrueColorGetBlue(color);

            } else {
                b = (int) lround(px[0] * 255.0 / px[3]);
                g = (int) lround(px[1] * 255.0 / px[3]);
                r = (int) lround(px[2] * 255.0 / px[3]);
                r = r > 255 ? 255 : r;
                g = g > 255 ? 255 : g;
                b = b > 255 ? 255 : b;
            }

            a = gdAlphaMax - (int) lround(px[3] * opacity * gdAlphaMax
                                          / 255.0);

            ngx_http_overlay_glyph_set(im, x, y, gdTrueColorAlpha(r, g, b, a));
        }
    }
}


/*
 * The bitmap's premultiplied BGRA at sx, sy (in its pixels): scaled down,
 * the average over the square one image pixel covers (each bitmap pixel
 * weighted by how much of it is inside); scaled up, bilinear between the
 * four nearest pixels' centres.  Outside the bitmap is transparent.
 */

static void
ngx_http_overlay_glyph_sample(const FT_Bitmap *bm, double sx, double sy,
    double scale, double *px)
{
    int                   x, y, xa, xb, ya, yb, k;
    double                r, a0, a1, b0, b1, wx, wy, wsum;
    const unsigned char  *p;

    px[0] = 0.0;
    px[1] = 0.0;
    px[2] = 0.0;
    px[3] = 0.0;

    if (scale < 1.0) {
        r = 0.5 / scale;
        a0 = sx - r;
        a1 = sx + r;
        b0 = sy - r;
        b1 = sy + r;
        wsum = 4.0 * r * r;

        xa = (int) floor(a0);
        xb = (int) ceil(a1);
        ya = (int) floor(b0);
        yb = (int) ceil(b1);

        for (y = ya; y < yb; y++) {
            if (y < 0 || y >= (int) bm->rows) {
                continue;
            }

            wy = (y + 1 < b1 ? y + 1 : b1) - (y > b0 ? y : b0);

            for (x = xa; x < xb; x++) {
                if (x < 0 || x >= (int) bm->width) {
                    continue;
                }

                wx = (x + 1 < a1 ? x + 1 : a1) - (x > a0 ? x : a0);
                p = bm->buffer + (long) y * bm->pitch + 4 * x;

                for (k = 0; k < 4; k++) {
                    px[k] += p[k] * wx * wy;
                }
            }
        }

        for (k = 0; k < 4; k++) {
            px[k] /= wsum;
        }

        return;
    }

    /* bilinear, between the pixels' centres */

    sx -= 0.5;
    sy -= 0.5;
    xa = (int) floor(sx);
    ya = (int) floor(sy);
    wx = sx - xa;
    wy = sy - ya;

    for (y = ya; y <= ya + 1; y++) {
        if (y < 0 || y >= (int) bm->rows) {
            continue;
        }

        for (x = xa; x <= xa + 1; x++) {
            if (x < 0 || x >= (int) bm->width) {
                continue;
            }

            p = bm->buffer + (long) y * bm->pitch + 4 * x;
            r = (x == xa ? 1.0 - wx : wx) * (y == ya ? 1.0 - wy : wy);

            for (k = 0; k < 4; k++) {
                px[k] += p[k] * r;
            }
        }
    }
}


/* a pixel blended over im's, or set where im's is transparent */

static void
ngx_http_overlay_glyph_set(gdImagePtr im, int x, int y, int pixel)
{
    int  *t;

    t = &im->tpixels[y][x];

    if (im->alphaBlendingFlag
        && gdTrueColorGetAlpha(*t) != gdAlphaTransparent)
    {
        *t = gdAlphaBlend(*t, pixel);

    } else {
        *t = pixel;
    }
}
