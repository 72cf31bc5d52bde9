
/*
 * ngx_http_overlay_module: the overlay drawn once on a transparent tile,
 * which the codecs blend onto the image; text-only tiles are kept per
 * thread, keyed by the spec's fields drawn, the fonts' paths and the image's
 * size, so that FreeType lays out and renders the same badge once, not for
 * every image.  For the core; the cache holds at most 16 tiles and 8 MB
 * per thread, least recently used first out.
 *
 * Plain C, no nginx headers.  Each thread has its own cache: every call is
 * thread-safe, and sees only the calling thread's tiles.
 */


#ifndef _NGX_HTTP_OVERLAY_TILES_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_TILES_H_INCLUDED_


#include <gd.h>

#include "ngx_http_overlay_core.h"


typedef struct {
    gdImagePtr                  tile;       /* NULL: nothing to draw */
    ngx_http_overlay_rect_t     bounds;     /* where it goes in the image */
} ngx_http_overlay_tile_ref_t;


/*
 * The tile for spec on an image of width x height, drawn or from the
 * cache.  *owned tells whether the caller must gdImageDestroy() ref->tile
 * (a tile not cached) or must not (the cache's, valid until the thread's
 * next call).
 */
ngx_http_overlay_rc_e ngx_http_overlay_tile_get(
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, int *owned,
    ngx_http_overlay_error_t *err);

/* a painter's draw (ngx_http_overlay_codec.h): blends the tile at data */
ngx_http_overlay_rc_e ngx_http_overlay_draw_tile(void *data, gdImagePtr im,
    int x0, int y0, ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_TILES_H_INCLUDED_ */
