
/*
 * ngx_http_overlay_module: FreeType's library and the faces opened with it,
 * the calling thread's (a FT_Library must not be shared by threads that
 * open faces); for the core's text (ngx_http_overlay_text.c) only.  A few
 * faces per thread, opened on first use, freed by
 * ngx_http_overlay_core_shutdown() (ngx_http_overlay_tls.h), never at a
 * thread's exit.
 *
 * Plain C, no nginx headers.
 */


#ifndef _NGX_HTTP_OVERLAY_FACE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_FACE_H_INCLUDED_


#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_SIZES_H

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_render.h"      /* NGX_HTTP_OVERLAY_CHAIN_MAX */


#define NGX_HTTP_OVERLAY_FACES        8       /* per thread */

/* libgd measured text at 300 dpi, and scaled it to the drawing's 72 */
#define NGX_HTTP_OVERLAY_METRIC_DPI   300
#define NGX_HTTP_OVERLAY_DRAW_DPI     72


typedef struct {
    char                            *path;      /* NULL: a free slot */
    FT_Face                          face;
    FT_Size                          draw;      /* px at 72 dpi */
    FT_Size                          metric;    /* px at 300 dpi */
    double                           draw_px;   /* 0: not set yet */
    double                           metric_px;
    /*
     * a font of bitmaps only (a colour emoji font, CBDT): its sizes are
     * strikes, and a strike's pixels are scaled to px (draw_scale, at 72
     * dpi); 0 for an outline font
     */
    int                              bitmap;
    double                           draw_scale;
} ngx_http_overlay_face_t;


/*
 * The calling thread's face of the font at path, opened on first use (at
 * most NGX_HTTP_OVERLAY_FACES are kept, the oldest closed first): valid
 * until the thread opens another or the core is shut down.
 */
ngx_http_overlay_rc_e ngx_http_overlay_face(const char *path,
    ngx_http_overlay_face_t **face, ngx_http_overlay_error_t *err);

/*
 * The calling thread's faces of a chain, "path[;path...]" (at most
 * NGX_HTTP_OVERLAY_CHAIN_MAX), in its order: as ngx_http_overlay_face().
 */
ngx_http_overlay_rc_e ngx_http_overlay_chain(const char *chain,
    ngx_http_overlay_face_t **faces, unsigned *nfaces,
    ngx_http_overlay_error_t *err);

/*
 * Makes f's size px pixels, at 300 dpi (metric) or 72 dpi, the active one.
 * A font of bitmaps gets the smallest strike at least px pixels high (the
 * largest if none is): its metrics, HarfBuzz's advances and its glyphs are
 * then in the strike's pixels, f->draw_scale times px's.
 */
ngx_http_overlay_rc_e ngx_http_overlay_face_size(ngx_http_overlay_face_t *f,
    int metric, double px, ngx_http_overlay_error_t *err);

/*
 * Releases the calling thread's FreeType library and the faces it opened
 * (they are opened again when it draws text again).
 */
void ngx_http_overlay_face_thread_free(void);


#endif /* _NGX_HTTP_OVERLAY_FACE_H_INCLUDED_ */
