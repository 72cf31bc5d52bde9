
/*
 * ngx_http_overlay_module: a rendered glyph onto a truecolor libgd image,
 * for the core's text (ngx_http_overlay_text.c): anti-aliased coverage
 * blended as libgd blends its text, and colour bitmaps (emoji) scaled and
 * turned.
 *
 * Plain C, no nginx headers; no state: thread-safe.
 */


#ifndef _NGX_HTTP_OVERLAY_GLYPH_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_GLYPH_H_INCLUDED_


#include <ft2build.h>
#include FT_FREETYPE_H

#include <gd.h>


/*
 * A glyph's coverage (FT_PIXEL_MODE_GRAY or FT_PIXEL_MODE_MONO), its
 * top-left pixel at x0, y0, in color (libgd's, with its alpha): coverage
 * in 128 levels of alpha, scaled by the colour's own, blended over what
 * is there, or set where nothing is (a transparent pixel).  Clipped to
 * im's clip rectangle.
 */
void ngx_http_overlay_glyph_blit(gdImagePtr im, int color,
    const FT_Bitmap *bm, int x0, int y0);

/*
 * A colour glyph (FT_PIXEL_MODE_BGRA, premultiplied, as FreeType loads a
 * CBDT glyph with FT_LOAD_COLOR), left and top its bitmap's offsets from
 * the pen's origin (FreeType's bitmap_left and bitmap_top), scaled by
 * scale (area-averaged down, bilinear up), turned by angle radians
 * counter-clockwise about the pen's origin, at ox, oy in im.  Its alpha is
 * multiplied by color's; with tint, it is drawn in color's RGB (a shadow),
 * else in its own colours.  Blended as ngx_http_overlay_glyph_blit();
 * unturned, its box starts on a whole pixel.
 */
void ngx_http_overlay_glyph_colour(gdImagePtr im, int color, int tint,
    const FT_Bitmap *bm, int left, int top, double scale, double angle,
    double ox, double oy);


#endif /* _NGX_HTTP_OVERLAY_GLYPH_H_INCLUDED_ */
