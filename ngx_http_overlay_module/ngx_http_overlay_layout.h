
/*
 * ngx_http_overlay_module: the layout of an overlay spec and its drawing
 * with libgd and FreeType; for the core only (the tile cache draws a
 * layout once, the codecs never see one).
 *
 * Plain C, no nginx headers.  The layout is computed for the whole image;
 * the drawing may be done on a region of it (x0, y0 is the region's
 * top-left corner in the image), so that a codec can decode only what is
 * drawn on.  Layout and drawing keep no state between calls but the
 * calling thread's FreeType faces (ngx_http_overlay_render_thread_free()):
 * thread-safe once ngx_http_overlay_render_init() has run.
 */


#ifndef _NGX_HTTP_OVERLAY_LAYOUT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_LAYOUT_H_INCLUDED_


#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_render.h"


/* what a text box's height is measured with, whatever the text */
#define NGX_HTTP_OVERLAY_METRICS_TEXT  "Hgjy\xc3\x81"


typedef struct {
    int                              left;
    int                              width;
    int                              ascent;
    int                              descent;
} ngx_http_overlay_extent_t;


/*
 * A glyph of a shaped text: HarfBuzz's advance and offsets, in 1/64 pixel,
 * y up; and the advance the pen takes, hinted as libgd placed glyphs (the
 * glyph's hinted advance at 300 dpi, plus what shaping changed of its
 * advance, as kerning), in 1/64 pixel at 300 dpi.
 */
typedef struct {
    unsigned                         index;     /* in the font */
    int                              x_advance;
    int                              x_offset;
    int                              y_offset;
    unsigned                         cluster;   /* its text's byte offset */
    long                             pen_advance;
} ngx_http_overlay_glyph_t;


/*
 * A text laid out in one line by libraqm (FriBidi's reordering, HarfBuzz's
 * shaping) in one font at px pixels: its glyphs in visual order, left to
 * right, whatever the direction.
 */
typedef struct {
    const char                      *font;
    double                           px;
    int                              rtl;       /* paragraph direction */
    size_t                           nglyphs;
    ngx_http_overlay_glyph_t        *glyphs;    /* allocated */
    ngx_http_overlay_extent_t        ext;       /* its ink and advance */
} ngx_http_overlay_shaped_t;


typedef struct {
    const ngx_http_overlay_layer_t  *layer;
    const char                      *font;
    char                            *text;      /* as drawn; allocated */
    ngx_http_overlay_shaped_t        shaped;    /* text, shaped */
    double                           font_px;
    double                           angle;     /* radians, ribbons */
    ngx_http_overlay_rect_t          box;       /* the box or the image */
    gdPoint                          band[4];   /* a ribbon's sash */
    int                              text_x;    /* baseline origin */
    int                              text_y;
    int                              shadow;    /* plain: offset, pixels */
    ngx_http_overlay_rect_t          bounds;
} ngx_http_overlay_layer_layout_t;


typedef struct {
    const ngx_http_overlay_render_conf_t  *conf;
    int                                    width;
    int                                    height;
    unsigned                               nlayers;
    ngx_http_overlay_layer_layout_t        layers[
                                               NGX_HTTP_OVERLAY_LAYERS_LIMIT];
    ngx_http_overlay_rect_t                bounds;  /* all that is drawn */
} ngx_http_overlay_layout_t;


/*
 * Lays spec out on an image of width x height with conf's fonts and
 * assets.  On success, release with ngx_http_overlay_render_free(); on
 * failure nothing is held.
 */
ngx_http_overlay_rc_e ngx_http_overlay_render_layout(
    ngx_http_overlay_layout_t *layout, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_render_conf_t *conf, int width, int height,
    ngx_http_overlay_error_t *err);

/* draws layout on im, whose top-left corner is at x0, y0 of the image */
ngx_http_overlay_rc_e ngx_http_overlay_render_draw(
    const ngx_http_overlay_layout_t *layout, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err);

/* releases what ngx_http_overlay_render_layout() allocated in layout */
void ngx_http_overlay_render_free(ngx_http_overlay_layout_t *layout);

/*
 * Whether the len bytes of UTF-8 at text are laid out right to left:
 * direction, or with NGX_HTTP_OVERLAY_DIRECTION_AUTO that of the first
 * strong character (UAX #9, P2 and P3; left to right when there is none).
 */
int ngx_http_overlay_text_rtl(const char *text, size_t len,
    ngx_http_overlay_direction_e direction);

/*
 * The one way text reaches FreeType: shapes the len bytes at text in font
 * at px pixels (72 dpi: the size is in pixels), in the paragraph direction
 * rtl, and measures it (shaped->ext: its extent from the pen's origin, as
 * libgd's gdImageStringFTEx() measured text).  On success release with
 * ngx_http_overlay_shaped_free(); on failure nothing is held.  Uses the
 * calling thread's FreeType library and faces.
 */
ngx_http_overlay_rc_e ngx_http_overlay_shape(const char *font, double px,
    const char *text, size_t len, int rtl, ngx_http_overlay_shaped_t *shaped,
    ngx_http_overlay_error_t *err);

/* releases a shaped text's glyphs; a zeroed one is ignored */
void ngx_http_overlay_shaped_free(ngx_http_overlay_shaped_t *shaped);

/*
 * Draws a shaped text on im in color (libgd's, with its alpha), the pen's
 * origin at x, y, turned by angle radians counter-clockwise: FreeType's
 * anti-aliased coverage blended as libgd blends its text.
 */
ngx_http_overlay_rc_e ngx_http_overlay_draw_shaped(gdImagePtr im, int color,
    const ngx_http_overlay_shaped_t *shaped, double angle, int x, int y,
    ngx_http_overlay_error_t *err);

/* the extent of text in font at px pixels (72 dpi), shaped left to right */
ngx_http_overlay_rc_e ngx_http_overlay_measure(const char *font, double px,
    const char *text, ngx_http_overlay_extent_t *ext,
    ngx_http_overlay_error_t *err);

/* r cut to the image of width x height (w, h 0 when nothing is left) */
void ngx_http_overlay_rect_clip(ngx_http_overlay_rect_t *r, int width,
    int height);


#endif /* _NGX_HTTP_OVERLAY_LAYOUT_H_INCLUDED_ */
