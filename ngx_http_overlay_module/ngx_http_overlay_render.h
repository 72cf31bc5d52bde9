
/*
 * ngx_http_overlay_module: layout and drawing of an overlay spec with libgd
 * and FreeType.
 *
 * Plain C, no nginx headers.  Layout is computed for the whole image; the
 * drawing may be done on a region of it (x0, y0 is the region's top-left
 * corner in the image), so that a codec can decode only what is drawn on.
 */


#ifndef _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_


#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_spec.h"


#define NGX_HTTP_OVERLAY_DEFAULT_FONT                                         \
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


typedef struct {
    int       x;
    int       y;
    int       w;
    int       h;
} ngx_http_overlay_rect_t;


typedef struct {
    /* gd's text string: the layer's text with "&" escaped */
    char                     *text;
    double                    font_px;
    ngx_http_overlay_rect_t   box;
    int                       text_x;           /* baseline origin */
    int                       text_y;
} ngx_http_overlay_layer_layout_t;


typedef struct {
    const char                       *font;
    int                               width;
    int                               height;
    unsigned                          nlayers;
    ngx_http_overlay_layer_layout_t   layers[NGX_HTTP_OVERLAY_LAYERS_MAX];
    ngx_http_overlay_rect_t           bounds;   /* all that is drawn on */
    char                              text[NGX_HTTP_OVERLAY_LAYERS_MAX]
                                          [NGX_HTTP_OVERLAY_TEXT_MAX * 5 + 1];
} ngx_http_overlay_layout_t;


/* once per process, before any other call: routes libgd's messages */
void ngx_http_overlay_render_init(void);

/* the last message libgd reported in this thread, or "" */
const char *ngx_http_overlay_render_gd_message(void);
void ngx_http_overlay_render_gd_message_clear(void);

/* checks that path is a font FreeType can load and draw text with */
ngx_http_overlay_rc_e ngx_http_overlay_font_check(const char *path,
    ngx_http_overlay_error_t *err);

ngx_http_overlay_rc_e ngx_http_overlay_render_layout(
    ngx_http_overlay_layout_t *layout, const ngx_http_overlay_spec_t *spec,
    const char *font, int width, int height, ngx_http_overlay_error_t *err);

ngx_http_overlay_rc_e ngx_http_overlay_render_draw(
    const ngx_http_overlay_layout_t *layout, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_ */
