
/*
 * ngx_http_overlay_module: layout and drawing of an overlay spec with libgd
 * and FreeType.
 *
 * Plain C, no nginx headers.  The layout is computed for the whole image;
 * the drawing may be done on a region of it (x0, y0 is the region's
 * top-left corner in the image), so that a codec can decode only what is
 * drawn on.
 */


#ifndef _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_


#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_spec.h"


#define NGX_HTTP_OVERLAY_DEFAULT_FONT                                         \
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


typedef struct {
    int                              x;
    int                              y;
    int                              w;
    int                              h;
} ngx_http_overlay_rect_t;


/* what the spec's names stand for: font paths, decoded images */
typedef struct {
    const char *const               *fonts;
    unsigned                         nfonts;
    gdImagePtr const                *assets;
    unsigned                         nassets;
} ngx_http_overlay_render_conf_t;


typedef struct {
    const ngx_http_overlay_layer_t  *layer;
    const char                      *font;
    char                            *text;      /* for libgd; allocated */
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


/* once per process, before any other call: routes libgd's messages */
void ngx_http_overlay_render_init(void);

/* the messages libgd reported in this thread since the last clear */
const char *ngx_http_overlay_render_gd_message(void);
void ngx_http_overlay_render_gd_message_clear(void);

/* checks that path is a font FreeType can load and draw text with */
ngx_http_overlay_rc_e ngx_http_overlay_font_check(const char *path,
    ngx_http_overlay_error_t *err);

/* decodes an overlay image (PNG or WebP, alpha kept) for overlay_asset */
gdImagePtr ngx_http_overlay_asset_decode(const unsigned char *data,
    size_t len, ngx_http_overlay_error_t *err);

/* on success, release with ngx_http_overlay_render_free() */
ngx_http_overlay_rc_e ngx_http_overlay_render_layout(
    ngx_http_overlay_layout_t *layout, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_render_conf_t *conf, int width, int height,
    ngx_http_overlay_error_t *err);

ngx_http_overlay_rc_e ngx_http_overlay_render_draw(
    const ngx_http_overlay_layout_t *layout, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err);

void ngx_http_overlay_render_free(ngx_http_overlay_layout_t *layout);


#endif /* _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_ */
