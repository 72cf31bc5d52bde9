
/*
 * ngx_http_overlay_module: which font of a chain draws each piece of a
 * text, and the runs of a text (font, script, direction); for the core's
 * text (ngx_http_overlay_text.c) and the CLI's inspect.
 *
 * Plain C, no nginx headers.  Uses the calling thread's faces
 * (ngx_http_overlay_face.h): thread-safe once ngx_http_overlay_core_init()
 * has run.
 */


#ifndef _NGX_HTTP_OVERLAY_RUNS_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_RUNS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <raqm.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_face.h"


/*
 * A run of a text, in logical order: consecutive characters drawn with one
 * font of the chain, of one script (ISO 15924, as HarfBuzz names it:
 * "Latn", "Arab"; "Zyyy" for a run of digits and punctuation only) and one
 * direction.
 */
typedef struct {
    size_t                           start;     /* byte offset */
    size_t                           len;       /* bytes */
    unsigned                         font;      /* in the chain */
    char                             script[5];
    int                              rtl;
} ngx_http_overlay_run_t;


/*
 * Whether the len bytes of UTF-8 at text are laid out right to left:
 * direction, or with NGX_HTTP_OVERLAY_DIRECTION_AUTO that of the first
 * strong character (UAX #9, P2 and P3; left to right when there is none).
 */
int ngx_http_overlay_text_rtl(const char *text, size_t len,
    ngx_http_overlay_direction_e direction);

/*
 * Whether each character of the len bytes at text that needs a glyph has
 * one in some font of the chain: if not, NGX_HTTP_OVERLAY_BAD_SPEC, and
 * *missing is the first that has none.
 */
ngx_http_overlay_rc_e ngx_http_overlay_text_cover(const char *chain,
    const char *text, size_t len, uint32_t *missing,
    ngx_http_overlay_error_t *err);

/*
 * Cuts the len bytes at text into clusters (a character and the marks,
 * joiners, variation selectors and invisible format characters after it)
 * and gives each the first of the nfaces faces that has a glyph for each
 * of its characters but the invisible ones (with U+FE0F, the first colour
 * font that has them; with U+FE0E, the first other one); with rq, each run
 * of clusters of one face is given to libraqm; with fonts, each byte's
 * face is stored there (len entries).  A character no face has is
 * refused (NGX_HTTP_OVERLAY_BAD_SPEC, *missing); NGX_HTTP_OVERLAY_RENDER_
 * FAILED when libraqm fails.
 */
ngx_http_overlay_rc_e ngx_http_overlay_itemize(
    ngx_http_overlay_face_t **faces, unsigned nfaces, const char *text,
    size_t len, raqm_t *rq, unsigned char *fonts, uint32_t *missing);

/*
 * The runs of the len bytes at text in the chain, with the paragraph
 * direction rtl (UAX #9's levels, by FriBidi), at most max of them: *n
 * is how many there are (more than max when runs has too little room).
 * Errors as ngx_http_overlay_text_cover().
 */
ngx_http_overlay_rc_e ngx_http_overlay_text_runs(const char *chain,
    const char *text, size_t len, int rtl, ngx_http_overlay_run_t *runs,
    size_t max, size_t *n, ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_RUNS_H_INCLUDED_ */
