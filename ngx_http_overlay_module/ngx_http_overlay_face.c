
/*
 * ngx_http_overlay_module: each thread's FreeType library and faces
 * (ngx_http_overlay_face.h).
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_face.h"
#include "ngx_http_overlay_tls.h"


typedef struct {
    ngx_http_overlay_tls_t           tls;       /* first: every thread's */
    FT_Library                       library;
    unsigned                         next;      /* the slot taken next */
    ngx_http_overlay_face_t          faces[NGX_HTTP_OVERLAY_FACES];
} ngx_http_overlay_ft_t;


static ngx_http_overlay_rc_e ngx_http_overlay_face_strike(
    ngx_http_overlay_face_t *f, double px, double *current,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_face_close(ngx_http_overlay_face_t *f);
static ngx_http_overlay_ft_t *ngx_http_overlay_ft(void);
static void ngx_http_overlay_ft_destroy(ngx_http_overlay_tls_t *tls);


/* the calling thread's FreeType state, and its generation */
static __thread ngx_http_overlay_ft_t  *ngx_http_overlay_ft_mine;
static __thread unsigned long           ngx_http_overlay_ft_seen;


/* the calling thread's face for path, opened (and sized) on first use */

ngx_http_overlay_rc_e
ngx_http_overlay_face(const char *path, ngx_http_overlay_face_t **face,
    ngx_http_overlay_error_t *err)
{
    int                       e;
    unsigned                  i;
    ngx_http_overlay_ft_t    *ft;
    ngx_http_overlay_face_t  *f;

    ft = ngx_http_overlay_ft();
    if (ft == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "FT_Init_FreeType() failed");
    }

    for (i = 0; i < NGX_HTTP_OVERLAY_FACES; i++) {
        f = &ft->faces[i];

        if (f->path != NULL && strcmp(f->path, path) == 0) {
            *face = f;
            return NGX_HTTP_OVERLAY_OK;
        }
    }

    /* the slots are taken in turn: the oldest face goes */

    f = &ft->faces[ft->next];
    ft->next = (ft->next + 1) % NGX_HTTP_OVERLAY_FACES;

    ngx_http_overlay_face_close(f);

    e = FT_New_Face(ft->library, path, 0, &f->face);
    if (e != 0) {
        f->face = NULL;
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_New_Face() failed: error 0x%02x",
                                      e);
    }

    f->path = strdup(path);

    if (f->path == NULL
        || FT_New_Size(f->face, &f->draw) != 0
        || FT_New_Size(f->face, &f->metric) != 0)
    {
        ngx_http_overlay_face_close(f);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "FT_New_Size() failed");
    }

    /* a font of bitmaps only: its strikes are scaled (a colour emoji font) */

    f->bitmap = !FT_IS_SCALABLE(f->face) && FT_HAS_FIXED_SIZES(f->face);

    *face = f;

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_chain(const char *chain, ngx_http_overlay_face_t **faces,
    unsigned *nfaces, ngx_http_overlay_error_t *err)
{
    char                   path[4096];
    size_t                 len;
    unsigned               n;
    const char            *p, *end;
    ngx_http_overlay_rc_e  rc;

    n = 0;

    for (p = chain; /* void */; p = end + 1) {
        end = strchr(p, ';');
        len = end != NULL ? (size_t) (end - p) : strlen(p);

        if (n == NGX_HTTP_OVERLAY_CHAIN_MAX || len >= sizeof(path)) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                          "a font chain has more than %d "
                                          "fonts, or too long a path",
                                          NGX_HTTP_OVERLAY_CHAIN_MAX);
        }

        memcpy(path, p, len);
        path[len] = '\0';

        rc = ngx_http_overlay_face(path, &faces[n], err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        n++;

        if (end == NULL) {
            break;
        }
    }

    *nfaces = n;

    return NGX_HTTP_OVERLAY_OK;
}


/* makes the face's size for drawing (or for metrics) px pixels, active */

ngx_http_overlay_rc_e
ngx_http_overlay_face_size(ngx_http_overlay_face_t *f, int metric, double px,
    ngx_http_overlay_error_t *err)
{
    FT_UInt   dpi;
    FT_Size   size;
    double   *current;

    size = metric ? f->metric : f->draw;
    current = metric ? &f->metric_px : &f->draw_px;
    dpi = metric ? NGX_HTTP_OVERLAY_METRIC_DPI : NGX_HTTP_OVERLAY_DRAW_DPI;

    if (FT_Activate_Size(size) != 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_Activate_Size() failed");
    }

    if (*current == px) {
        return NGX_HTTP_OVERLAY_OK;
    }

    *current = 0.0;

    if (f->bitmap) {
        /* the strike of px at 72 dpi for both: one scale */

        return ngx_http_overlay_face_strike(f, px, current, err);
    }

    if (FT_Set_Char_Size(f->face, 0, (FT_F26Dot6) (px * 64), dpi, dpi) != 0)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_Set_Char_Size(%.2f) failed", px);
    }

    *current = px;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The smallest strike at least px pixels high, or the largest: scaled
 * down, a bitmap stays sharp; scaled up, it blurs the least.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_face_strike(ngx_http_overlay_face_t *f, double px,
    double *current, ngx_http_overlay_error_t *err)
{
    int              i, best;
    double           ppem, best_ppem;
    FT_Bitmap_Size  *s;

    best = -1;
    best_ppem = 0.0;

    for (i = 0; i < f->face->num_fixed_sizes; i++) {
        s = &f->face->available_sizes[i];
        ppem = s->y_ppem / 64.0;

        if (ppem <= 0.0) {
            continue;
        }

        if (best < 0
            || (best_ppem < px ? ppem > best_ppem
                               : ppem >= px && ppem < best_ppem))
        {
            best = i;
            best_ppem = ppem;
        }
    }

    if (best < 0 || FT_Select_Size(f->face, best) != 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "FT_Select_Size(%.2f) failed", px);
    }

    f->draw_scale = px / best_ppem;
    *current = px;

    return NGX_HTTP_OVERLAY_OK;
}


static void
ngx_http_overlay_face_close(ngx_http_overlay_face_t *f)
{
    if (f->face != NULL) {
        (void) FT_Done_Face(f->face);       /* and its sizes */
    }

    free(f->path);

    memset(f, 0, sizeof(ngx_http_overlay_face_t));
}


static ngx_http_overlay_ft_t *
ngx_http_overlay_ft(void)
{
    ngx_http_overlay_ft_t  *ft;

    if (ngx_http_overlay_ft_mine != NULL
        && ngx_http_overlay_ft_seen == ngx_http_overlay_tls_generation())
    {
        return ngx_http_overlay_ft_mine;
    }

    ft = calloc(1, sizeof(ngx_http_overlay_ft_t));
    if (ft == NULL) {
        return NULL;
    }

    if (FT_Init_FreeType(&ft->library) != 0) {
        free(ft);
        return NULL;
    }

    ft->tls.free = ngx_http_overlay_ft_destroy;

    ngx_http_overlay_ft_seen = ngx_http_overlay_tls_add(&ft->tls);
    ngx_http_overlay_ft_mine = ft;

    return ft;
}


void
ngx_http_overlay_face_thread_free(void)
{
    if (ngx_http_overlay_ft_mine != NULL) {
        ngx_http_overlay_tls_drop(&ngx_http_overlay_ft_mine->tls,
                                  ngx_http_overlay_ft_seen);
        ngx_http_overlay_ft_mine = NULL;
    }
}


/* a thread's FreeType state, when the core is shut down */

static void
ngx_http_overlay_ft_destroy(ngx_http_overlay_tls_t *tls)
{
    unsigned                i;
    ngx_http_overlay_ft_t  *ft;

    ft = (ngx_http_overlay_ft_t *) tls;

    for (i = 0; i < NGX_HTTP_OVERLAY_FACES; i++) {
        ngx_http_overlay_face_close(&ft->faces[i]);
    }

    (void) FT_Done_FreeType(ft->library);

    free(ft);
}
