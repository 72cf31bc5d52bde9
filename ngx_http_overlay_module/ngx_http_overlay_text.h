
/*
 * ngx_http_overlay_module: text shaped by libraqm and drawn with FreeType;
 * for the core only (the layout measures and cuts with it, the drawing
 * draws it).
 *
 * Plain C, no nginx headers.  Each thread has its own FreeType library and
 * faces: every call is thread-safe once ngx_http_overlay_core_init() has
 * run; ngx_http_overlay_core_shutdown() frees every thread's.
 */


#ifndef _NGX_HTTP_OVERLAY_TEXT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_TEXT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_render.h"
#include "ngx_http_overlay_runs.h"


typedef struct {
    int                              left;
    int                              width;
    int                              ascent;
    int                              descent;
} ngx_http_overlay_extent_t;


/*
 * A glyph of a shaped text: HarfBuzz's advance and offsets, in 1/64 pixel,
 * y up (a font of bitmaps' scaled from its strike to the text's size);
 * and the advance the pen takes, hinted as libgd placed glyphs (the
 * glyph's hinted advance at 300 dpi, plus what shaping changed of its
 * advance, as kerning), in 1/64 pixel at 300 dpi.
 */
typedef struct {
    unsigned                         index;     /* in the font */
    int                              x_advance;
    int                              x_offset;
    int                              y_offset;
    unsigned                         cluster;   /* its text's byte offset */
    unsigned                         font;      /* its font in the chain */
    long                             pen_advance;
} ngx_http_overlay_glyph_t;


/*
 * A font is a chain of paths, "path[;path...]" (a path has no ";", see
 * ngx_http_overlay_font_check()), at most NGX_HTTP_OVERLAY_CHAIN_MAX: each
 * cluster of a text (a character, the marks and invisible format
 * characters after it) is drawn with the first font of the chain that has
 * its glyphs.
 *
 * A text laid out in one line by libraqm (FriBidi's reordering, HarfBuzz's
 * shaping) in a chain of fonts at px pixels: its glyphs in visual order,
 * left to right, whatever the direction.
 */
typedef struct {
    const char                      *font;      /* the chain */
    double                           px;
    int                              rtl;       /* paragraph direction */
    size_t                           nglyphs;
    ngx_http_overlay_glyph_t        *glyphs;    /* allocated */
    ngx_http_overlay_extent_t        ext;       /* its ink and advance */
} ngx_http_overlay_shaped_t;


/*
 * The one way text reaches FreeType: shapes the len bytes at text in the
 * chain font at px pixels (72 dpi: the size is in pixels), in the
 * paragraph direction rtl, and measures it (shaped->ext: its extent from
 * the pen's origin, as libgd's gdImageStringFTEx() measured text); each
 * glyph has its font.  A character no font of the chain has is refused
 * (NGX_HTTP_OVERLAY_BAD_SPEC, "U+0915 is in no font of the chain").  On
 * success release with ngx_http_overlay_shaped_free(); on failure nothing
 * is held.  Uses the calling thread's FreeType library and faces.
 */
ngx_http_overlay_rc_e ngx_http_overlay_shape(const char *font, double px,
    const char *text, size_t len, int rtl, ngx_http_overlay_shaped_t *shaped,
    ngx_http_overlay_error_t *err);

/* releases a shaped text's glyphs; a zeroed one is ignored */
void ngx_http_overlay_shaped_free(ngx_http_overlay_shaped_t *shaped);

/*
 * Draws a shaped text on im in color (libgd's, with its alpha), the pen's
 * origin at x, y, turned by angle radians counter-clockwise: FreeType's
 * anti-aliased coverage blended as libgd blends its text.  A colour glyph
 * (an emoji) is drawn in its own colours, its alpha times color's, or with
 * tint in color (a shadow's silhouette).
 */
ngx_http_overlay_rc_e ngx_http_overlay_draw_shaped(gdImagePtr im, int color,
    int tint, const ngx_http_overlay_shaped_t *shaped, double angle, int x,
    int y, ngx_http_overlay_error_t *err);

/* the extent of text in font at px pixels (72 dpi), shaped left to right */
ngx_http_overlay_rc_e ngx_http_overlay_measure(const char *font, double px,
    const char *text, ngx_http_overlay_extent_t *ext,
    ngx_http_overlay_error_t *err);

/*
 * The ascent and descent of a line in the chain font at px pixels, one for
 * every text of the chain, whatever its script: those of
 * NGX_HTTP_OVERLAY_METRICS_TEXT drawn in the chain (as measured before
 * chains), grown to each other font's own ascender and descender (its
 * "hhea" line metrics, FreeType's size metrics) at px.
 */
ngx_http_overlay_rc_e ngx_http_overlay_chain_metrics(const char *font,
    double px, ngx_http_overlay_extent_t *ext, ngx_http_overlay_error_t *err);



#endif /* _NGX_HTTP_OVERLAY_TEXT_H_INCLUDED_ */
