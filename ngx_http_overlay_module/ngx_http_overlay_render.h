
/*
 * ngx_http_overlay_module: what a configuration gives the drawing (font
 * paths, decoded image assets), and libgd's messages.
 *
 * Plain C, no nginx headers, no libgd header: an asset is opaque to the
 * callers.  The layout and the drawing themselves are the core's business
 * (ngx_http_overlay_layout.h).
 */


#ifndef _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_


#include <stddef.h>

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


/* a decoded image for image layers: libgd's, which callers never open */
typedef struct gdImageStruct  ngx_http_overlay_asset_t;


/* the most paths in a font chain */
#define NGX_HTTP_OVERLAY_CHAIN_MAX      4


/*
 * What the spec's names stand for: fonts, each a chain of paths
 * "path[;path...]" (ngx_http_overlay_text.h), with their names for
 * messages (NULL: none), and decoded images.
 */
typedef struct {
    const char *const               *fonts;
    const char *const               *font_names;
    unsigned                         nfonts;
    ngx_http_overlay_asset_t *const *assets;
    unsigned                         nassets;
} ngx_http_overlay_render_conf_t;


/*
 * Once per process, before any other call (ngx_http_overlay_core_init()
 * calls it): routes libgd's messages to a per-thread buffer and sets up
 * libgd's font cache.  Not thread-safe: call it before threads draw.
 */
void ngx_http_overlay_render_init(void);

/*
 * The messages libgd reported in the calling thread since the last clear,
 * "" when none; the buffer is the thread's own.  Thread-safe.
 */
const char *ngx_http_overlay_render_gd_message(void);
void ngx_http_overlay_render_gd_message_clear(void);

/*
 * Checks that path is one font (no ";") FreeType can load and draw text
 * with (one with no Latin is taken as a fallback for other scripts; a
 * font of bitmaps only must be a colour one, as emoji fonts are); err
 * says why not.  For configuration time; thread-safe once
 * ngx_http_overlay_render_init() has run.
 */
ngx_http_overlay_rc_e ngx_http_overlay_font_check(const char *path,
    ngx_http_overlay_error_t *err);

/*
 * Decodes an image for overlay_asset (PNG or WebP, alpha kept, at most
 * 64 MB of file).  Returns NULL with err set when it cannot; release what
 * it returns with ngx_http_overlay_asset_free().  Thread-safe.
 */
ngx_http_overlay_asset_t *ngx_http_overlay_asset_decode(
    const unsigned char *data, size_t len, ngx_http_overlay_error_t *err);

/* releases an asset; NULL is ignored */
void ngx_http_overlay_asset_free(ngx_http_overlay_asset_t *asset);


#endif /* _NGX_HTTP_OVERLAY_RENDER_H_INCLUDED_ */
