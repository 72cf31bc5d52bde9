
/*
 * ngx_http_overlay_module: the overlay blended onto a PNG's own samples.
 *
 * Plain C, no nginx headers; for the PNG codec (libgd types: the overlay
 * is a libgd image).  The image keeps its colour type and depth where the
 * overlay allows: a palette image stays one when the overlay's colours fit
 * in the palette's free entries (its depth grows if need be), else it
 * becomes 8-bit RGB, or RGBA when the palette has transparency; a grey
 * image stays grey when every colour drawn is grey (1, 2 and 4 bits grow
 * to 8 when a blend falls between their levels), else it becomes RGB
 * (RGBA with alpha); 16 bits stay 16 bits, blended in 16 bits; a tRNS
 * colour key stays unless a blend leaves a keyed pixel partly transparent
 * or makes the key's colour, when an alpha channel replaces it.  Pixels
 * the overlay does not cover keep their samples exactly.
 */


#ifndef _NGX_HTTP_OVERLAY_PNG_BLEND_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_PNG_BLEND_H_INCLUDED_


#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_codec_int.h"
#include "ngx_http_overlay_png_encode.h"


/*
 * The painter's overlay, drawn on a transparent libgd image of the part of
 * its bounds within im, blended onto im by ngx_http_overlay_png_blend();
 * for PNG, and for WebP (8-bit RGBA rows).  NO_MEMORY or what the painter
 * returns, with *err.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_paint(
    ngx_http_overlay_png_image_t *im,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);

/*
 * Blends layer (libgd truecolor, 7-bit alpha; transparent where nothing
 * is drawn), whose top-left corner is at x0, y0 of im and which lies
 * within im, onto im, as libgd blends ("over"); im's rows, colour type,
 * depth, palette and tRNS change as above.  NO_MEMORY with *err.
 * Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_blend(
    ngx_http_overlay_png_image_t *im, gdImagePtr layer, int x0, int y0,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_PNG_BLEND_H_INCLUDED_ */
