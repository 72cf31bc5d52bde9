
/*
 * ngx_http_overlay_module: the overlay drawn once on a transparent tile,
 * and the per-thread cache of text-only tiles (ngx_http_overlay_tiles.h).
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_tiles.h"
#include "ngx_http_overlay_tls.h"
#include "ngx_http_overlay_layout.h"


#define NGX_HTTP_OVERLAY_TILES          16
#define NGX_HTTP_OVERLAY_TILES_BYTES    (8 * 1024 * 1024)
#define NGX_HTTP_OVERLAY_TILE_MAX       (2 * 1024 * 1024)

/*
 * The images the codecs decode are opaque: a pixel of the tile of alpha a
 * (libgd's 7 bits, 127 transparent) over an opaque one is the weighted
 * mean of the two, in libgd's integers, as gdAlphaBlend() gives it (the
 * unit tests compare them), without its call and its checks.
 */

#define ngx_http_overlay_over_opaque(d, s, a)                                 \
    gdTrueColorAlpha(                                                         \
        (gdTrueColorGetRed(s) * (gdAlphaTransparent - (a))                    \
         + gdTrueColorGetRed(d) * (a)) / gdAlphaTransparent,                  \
        (gdTrueColorGetGreen(s) * (gdAlphaTransparent - (a))                  \
         + gdTrueColorGetGreen(d) * (a)) / gdAlphaTransparent,                \
        (gdTrueColorGetBlue(s) * (gdAlphaTransparent - (a))                   \
         + gdTrueColorGetBlue(d) * (a)) / gdAlphaTransparent,                 \
        gdAlphaOpaque)


typedef struct {
    unsigned char              *key;
    size_t                      key_len;
    gdImagePtr                  tile;
    ngx_http_overlay_rect_t     bounds;
    unsigned long               used;
} ngx_http_overlay_tile_t;


typedef struct ngx_http_overlay_tiles_s  ngx_http_overlay_tiles_t;

struct ngx_http_overlay_tiles_s {
    ngx_http_overlay_tls_t      tls;            /* first: in every thread's */
    ngx_http_overlay_tile_t     tiles[NGX_HTTP_OVERLAY_TILES];
    size_t                      bytes;
    unsigned long               clock;
    unsigned long               hits;
    unsigned long               misses;
};


static unsigned char *ngx_http_overlay_tile_key(
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    size_t *len);
static ngx_http_overlay_rc_e ngx_http_overlay_tile_render(
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, ngx_http_overlay_error_t *err);
static ngx_http_overlay_tiles_t *ngx_http_overlay_tiles(void);
static void ngx_http_overlay_tiles_destroy(ngx_http_overlay_tls_t *tls);


/* the calling thread's cache, and its generation (ngx_http_overlay_tls.h) */
static __thread ngx_http_overlay_tiles_t  *ngx_http_overlay_tiles_mine;
static __thread unsigned long              ngx_http_overlay_tiles_seen;


void
ngx_http_overlay_tiles_flush(void)
{
    if (ngx_http_overlay_tiles_mine != NULL) {
        ngx_http_overlay_tls_drop(&ngx_http_overlay_tiles_mine->tls,
                                  ngx_http_overlay_tiles_seen);
        ngx_http_overlay_tiles_mine = NULL;
    }
}


unsigned
ngx_http_overlay_tiles_caches(void)
{
    return ngx_http_overlay_tls_count(ngx_http_overlay_tiles_destroy);
}


void
ngx_http_overlay_tiles_count(unsigned long *hits, unsigned long *misses)
{
    ngx_http_overlay_tiles_t  *tiles;

    tiles = ngx_http_overlay_tiles();

    *hits = tiles ? tiles->hits : 0;
    *misses = tiles ? tiles->misses : 0;
}


/* the tile for spec on an image of width x height: cached, or *owned */

ngx_http_overlay_rc_e
ngx_http_overlay_tile_get(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, int *owned,
    ngx_http_overlay_error_t *err)
{
    size_t                     bytes, len;
    unsigned char             *key;
    unsigned                   i, victim;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_tile_t   *t;
    ngx_http_overlay_tiles_t  *tiles;

    *owned = 1;

    len = 0;
    key = ngx_http_overlay_tile_key(spec, opts, width, height, &len);
    tiles = (key != NULL) ? ngx_http_overlay_tiles() : NULL;

    if (tiles != NULL) {
        for (i = 0; i < NGX_HTTP_OVERLAY_TILES; i++) {
            t = &tiles->tiles[i];

            if (t->key != NULL && t->key_len == len
                && memcmp(t->key, key, len) == 0)
            {
                t->used = ++tiles->clock;
                tiles->hits++;
                ref->tile = t->tile;
                ref->bounds = t->bounds;
                *owned = 0;
                free(key);
                return NGX_HTTP_OVERLAY_OK;
            }
        }
    }

    if (tiles != NULL) {
        tiles->misses++;
    }

    rc = ngx_http_overlay_tile_render(spec, opts, width, height, ref, err);

    if (rc != NGX_HTTP_OVERLAY_OK || tiles == NULL || ref->tile == NULL) {
        free(key);
        return rc;
    }

    bytes = (size_t) gdImageSX(ref->tile) * gdImageSY(ref->tile) * 4;

    if (bytes > NGX_HTTP_OVERLAY_TILE_MAX) {
        free(key);
        return NGX_HTTP_OVERLAY_OK;
    }

    /* room: the least recently used go first */

    for ( ;; ) {
        victim = NGX_HTTP_OVERLAY_TILES;

        for (i = 0; i < NGX_HTTP_OVERLAY_TILES; i++) {
            t = &tiles->tiles[i];

            if (t->key == NULL) {
                if (tiles->bytes + bytes <= NGX_HTTP_OVERLAY_TILES_BYTES) {
                    victim = i;
                    break;
                }

                continue;
            }

            if (victim == NGX_HTTP_OVERLAY_TILES
                || t->used < tiles->tiles[victim].used)
            {
                victim = i;
            }
        }

        t = &tiles->tiles[victim];

        if (t->key == NULL) {
            break;
        }

        tiles->bytes -= (size_t) gdImageSX(t->tile) * gdImageSY(t->tile) * 4;
        gdImageDestroy(t->tile);
        free(t->key);
        t->key = NULL;
    }

    t->key = key;
    t->key_len = len;
    t->tile = ref->tile;
    t->bounds = ref->bounds;
    t->used = ++tiles->clock;
    tiles->bytes += bytes;

    *owned = 0;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * What a text-only tile depends on, as bytes: the image's size, each
 * layer's fields that are drawn (the doubles bit for bit, the font by its
 * index in the fonts' paths) and text, and the fonts' paths; *len of
 * them.  NULL: not to be cached (image layers: an asset is a pointer, not
 * a name).  No JSON nor number formatting: it is made for every request.
 * A field added to the layer and drawn must be added here.
 */

static unsigned char *
ngx_http_overlay_tile_key(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    size_t *len)
{
    int                              e[4];
    size_t                           n, size;
    unsigned                         i;
    unsigned char                   *key, *p;
    const ngx_http_overlay_layer_t  *l;

    size = 2 * sizeof(int) + sizeof(unsigned);

    for (i = 0; i < spec->nlayers; i++) {
        l = &spec->layers[i];

        if (l->type != NGX_HTTP_OVERLAY_LAYER_TEXT) {
            return NULL;
        }

        size += 4 * sizeof(int) + 5 * sizeof(double) + 2 * 4
                + sizeof(unsigned) + sizeof(size_t) + l->len
                + 2 * sizeof(int64_t) + 2 * sizeof(int) + sizeof(unsigned);
    }

    for (i = 0; i < opts->render.nfonts; i++) {
        size += sizeof(size_t) + strlen(opts->render.fonts[i]);
    }

    key = malloc(size);
    if (key == NULL) {
        return NULL;
    }

    p = key;

#define ngx_http_overlay_key_put(v)                                           \
    do {                                                                      \
        memcpy(p, &(v), sizeof(v));                                           \
        p += sizeof(v);                                                       \
    } while (0)

    ngx_http_overlay_key_put(width);
    ngx_http_overlay_key_put(height);
    ngx_http_overlay_key_put(spec->nlayers);

    for (i = 0; i < spec->nlayers; i++) {
        l = &spec->layers[i];

        e[0] = (int) l->type;
        e[1] = (int) l->style;
        e[2] = (int) l->position;
        e[3] = (int) l->direction;

        ngx_http_overlay_key_put(e);
        ngx_http_overlay_key_put(l->margin);
        ngx_http_overlay_key_put(l->size);
        ngx_http_overlay_key_put(l->scale);
        ngx_http_overlay_key_put(l->opacity);
        ngx_http_overlay_key_put(l->radius);

        *p++ = l->color.r;
        *p++ = l->color.g;
        *p++ = l->color.b;
        *p++ = l->color.a;
        *p++ = l->background.r;
        *p++ = l->background.g;
        *p++ = l->background.b;
        *p++ = l->background.a;

        ngx_http_overlay_key_put(l->font);
        ngx_http_overlay_key_put(l->len);
        memcpy(p, l->text, l->len);
        p += l->len;

        /* drawn as the countdown's texts are, but kept as the dump did */

        ngx_http_overlay_key_put(l->from);
        ngx_http_overlay_key_put(l->until);
        ngx_http_overlay_key_put(l->from_offset);
        ngx_http_overlay_key_put(l->until_offset);
        ngx_http_overlay_key_put(l->window);
    }

    for (i = 0; i < opts->render.nfonts; i++) {
        n = strlen(opts->render.fonts[i]);
        ngx_http_overlay_key_put(n);
        memcpy(p, opts->render.fonts[i], n);
        p += n;
    }

#undef ngx_http_overlay_key_put

    *len = (size_t) (p - key);

    return key;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_tile_render(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_layout_t  layout;

    ref->tile = NULL;

    rc = ngx_http_overlay_render_layout(&layout, spec, &opts->render, width,
                                        height, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    ref->bounds = layout.bounds;

    if (layout.bounds.w > 0 && layout.bounds.h > 0) {
        ref->tile = gdImageCreateTrueColor(layout.bounds.w, layout.bounds.h);

        if (ref->tile == NULL) {
            ngx_http_overlay_render_free(&layout);
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                          "a %dx%d tile", layout.bounds.w,
                                          layout.bounds.h);
        }

        gdImageAlphaBlending(ref->tile, 0);
        gdImageFilledRectangle(ref->tile, 0, 0, layout.bounds.w - 1,
                               layout.bounds.h - 1,
                               gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent));
        gdImageSaveAlpha(ref->tile, 1);

        rc = ngx_http_overlay_render_draw(&layout, ref->tile,
                                          layout.bounds.x, layout.bounds.y,
                                          err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            gdImageDestroy(ref->tile);
            ref->tile = NULL;
        }
    }

    ngx_http_overlay_render_free(&layout);

    return rc;
}


static ngx_http_overlay_tiles_t *
ngx_http_overlay_tiles(void)
{
    ngx_http_overlay_tiles_t  *tiles;

    if (ngx_http_overlay_tiles_mine != NULL
        && ngx_http_overlay_tiles_seen == ngx_http_overlay_tls_generation())
    {
        return ngx_http_overlay_tiles_mine;
    }

    tiles = calloc(1, sizeof(ngx_http_overlay_tiles_t));
    if (tiles == NULL) {
        return NULL;
    }

    tiles->tls.free = ngx_http_overlay_tiles_destroy;

    ngx_http_overlay_tiles_seen = ngx_http_overlay_tls_add(&tiles->tls);
    ngx_http_overlay_tiles_mine = tiles;

    return tiles;
}


static void
ngx_http_overlay_tiles_destroy(ngx_http_overlay_tls_t *tls)
{
    ngx_http_overlay_tiles_t *tiles = (ngx_http_overlay_tiles_t *) tls;

    unsigned  i;

    for (i = 0; i < NGX_HTTP_OVERLAY_TILES; i++) {
        if (tiles->tiles[i].key != NULL) {
            gdImageDestroy(tiles->tiles[i].tile);
            free(tiles->tiles[i].key);
        }
    }

    free(tiles);
}


/* the tile over the image, of which im is the region at x0, y0 */

ngx_http_overlay_rc_e
ngx_http_overlay_draw_tile(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_tile_ref_t *ref = data;

    int   x, y, xa, xb, ya, yb, dx, dy, c, a, d;
    int  *from, *to;

    if (ref->tile == NULL) {
        return NGX_HTTP_OVERLAY_OK;
    }

    if (!gdImageTrueColor(im)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "drawing needs a truecolor image");
    }

    /* the tile's pixels within im: x in xa..xb-1, y in ya..yb-1 */

    dx = ref->bounds.x - x0;
    dy = ref->bounds.y - y0;

    xa = dx < 0 ? -dx : 0;
    ya = dy < 0 ? -dy : 0;
    xb = gdImageSX(im) - dx;
    yb = gdImageSY(im) - dy;
    xb = xb < gdImageSX(ref->tile) ? xb : gdImageSX(ref->tile);
    yb = yb < gdImageSY(ref->tile) ? yb : gdImageSY(ref->tile);

    for (y = ya; y < yb; y++) {
        from = ref->tile->tpixels[y];
        to = im->tpixels[y + dy] + dx;

        for (x = xa; x < xb; x++) {
            c = from[x];
            a = gdTrueColorGetAlpha(c);

            if (a == gdAlphaTransparent) {
                continue;
            }

            d = to[x];

            to[x] = (a == gdAlphaOpaque) ? c
                    : (gdTrueColorGetAlpha(d) == gdAlphaOpaque)
                      ? ngx_http_overlay_over_opaque(d, c, a)
                      : gdAlphaBlend(d, c);
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}
