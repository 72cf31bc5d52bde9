
/*
 * ngx_http_overlay_module: the layout of an overlay spec and its drawing
 * with libgd and FreeType; for the core only (the tile cache draws a
 * layout once, the codecs never see one).
 *
 * Plain C, no nginx headers.  The layout is computed for the whole image;
 * the drawing may be done on a region of it (x0, y0 is the region's
 * top-left corner in the image), so that a codec can decode only what is
 * drawn on.  Layout and drawing keep no state between calls but the
 * calling thread's FreeType faces (ngx_http_overlay_text.h): thread-safe
 * once ngx_http_overlay_core_init() has run.
 */


#ifndef _NGX_HTTP_OVERLAY_LAYOUT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_LAYOUT_H_INCLUDED_


#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_render.h"
#include "ngx_http_overlay_text.h"


/* what a text box's height is measured with, whatever the text */
#define NGX_HTTP_OVERLAY_METRICS_TEXT  "Hgjy\xc3\x81"




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

/* r cut to the image of width x height (w, h 0 when nothing is left) */
void ngx_http_overlay_rect_clip(ngx_http_overlay_rect_t *r, int width,
    int height);


#endif /* _NGX_HTTP_OVERLAY_LAYOUT_H_INCLUDED_ */
