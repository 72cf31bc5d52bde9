
/*
 * ngx_http_overlay_module: the core pipeline.
 */


#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_codec_int.h"


/*
 * The overlay is drawn once on a transparent tile, which is then blended
 * onto the image; text-only tiles are kept, per thread, keyed by the
 * normalized spec, the fonts' paths and the image's size, so that FreeType
 * lays out and renders the same badge once, not for every image.
 */

#define NGX_HTTP_OVERLAY_TILES          16
#define NGX_HTTP_OVERLAY_TILES_BYTES    (8 * 1024 * 1024)
#define NGX_HTTP_OVERLAY_TILE_MAX       (2 * 1024 * 1024)


typedef struct {
    char                       *key;
    gdImagePtr                  tile;
    ngx_http_overlay_rect_t     bounds;
    unsigned long               used;
} ngx_http_overlay_tile_t;


typedef struct {
    ngx_http_overlay_tile_t     tiles[NGX_HTTP_OVERLAY_TILES];
    size_t                      bytes;
    unsigned long               clock;
    unsigned long               hits;
    unsigned long               misses;
} ngx_http_overlay_tiles_t;


typedef struct {
    gdImagePtr                  tile;
    ngx_http_overlay_rect_t     bounds;
} ngx_http_overlay_tile_ref_t;


static ngx_http_overlay_rc_e ngx_http_overlay_tile_get(
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, int *owned,
    ngx_http_overlay_error_t *err);
static char *ngx_http_overlay_tile_key(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height);
static ngx_http_overlay_rc_e ngx_http_overlay_tile_render(
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, ngx_http_overlay_error_t *err);
static ngx_http_overlay_tiles_t *ngx_http_overlay_tiles(void);
static void ngx_http_overlay_tiles_destroy(void *data);
static void ngx_http_overlay_tiles_key_create(void);
static ngx_http_overlay_rc_e ngx_http_overlay_draw_tile(void *data,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err);


static pthread_key_t   ngx_http_overlay_tiles_key;
static pthread_once_t  ngx_http_overlay_tiles_once = PTHREAD_ONCE_INIT;


static const char *const  ngx_http_overlay_default_font_path[] = {
    NGX_HTTP_OVERLAY_DEFAULT_FONT
};


void
ngx_http_overlay_options_init(ngx_http_overlay_options_t *opts)
{
    opts->max_param = NGX_HTTP_OVERLAY_PARAM_MAX;
    opts->keys = NULL;
    opts->nkeys = 0;

    ngx_http_overlay_spec_conf_init(&opts->spec);

    opts->render.fonts = ngx_http_overlay_default_font_path;
    opts->render.nfonts = 1;
    opts->render.assets = NULL;
    opts->render.nassets = 0;

    opts->codec.jpeg_quality = 0;
    opts->codec.webp_quality = 85;
    opts->codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;
    opts->codec.max_side = 0;
}


ngx_http_overlay_rc_e
ngx_http_overlay_parse_value(unsigned char *buf, size_t len,
    const ngx_http_overlay_options_t *opts,
    const ngx_http_overlay_signed_t *sig, ngx_http_overlay_spec_t *spec,
    unsigned *repairs, ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_param_t  param;

    spec->nlayers = 0;

    rc = ngx_http_overlay_param_decode(buf, len, opts->max_param, &param,
                                       err);

    if (repairs != NULL) {
        *repairs = param.repairs;
    }

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* verified before the JSON parser sees a byte of it */

    if (opts->nkeys > 0) {
        rc = ngx_http_overlay_verify(opts->keys, opts->nkeys,
                                     sig ? sig->uri : NULL,
                                     sig ? sig->uri_len : 0,
                                     param.json, param.len,
                                     sig ? sig->sig : NULL,
                                     sig ? sig->sig_len : 0, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }
    }

    return ngx_http_overlay_spec_parse(param.json, param.len, &opts->spec,
                                       spec, err);
}


ngx_http_overlay_rc_e
ngx_http_overlay_composite(const unsigned char *in, size_t len,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                          owned;
    ngx_http_overlay_rc_e        rc;
    ngx_http_overlay_painter_t   painter;
    ngx_http_overlay_tile_ref_t  ref;

    out->data = NULL;
    out->len = 0;

    rc = ngx_http_overlay_codec_probe(in, len, &opts->codec, info, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_tile_get(spec, opts, (int) info->width,
                                   (int) info->height, &ref, &owned, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    painter.bounds = ref.bounds;
    painter.draw = ngx_http_overlay_draw_tile;
    painter.data = &ref;

    rc = ngx_http_overlay_codec_apply(in, len, info, &opts->codec, &painter,
                                      out, err);

    if (owned && ref.tile != NULL) {
        gdImageDestroy(ref.tile);
    }

    return rc;
}


void
ngx_http_overlay_tiles_flush(void)
{
    ngx_http_overlay_tiles_t  *tiles;

    (void) pthread_once(&ngx_http_overlay_tiles_once,
                        ngx_http_overlay_tiles_key_create);

    tiles = pthread_getspecific(ngx_http_overlay_tiles_key);

    if (tiles != NULL) {
        (void) pthread_setspecific(ngx_http_overlay_tiles_key, NULL);
        ngx_http_overlay_tiles_destroy(tiles);
    }
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

static ngx_http_overlay_rc_e
ngx_http_overlay_tile_get(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height,
    ngx_http_overlay_tile_ref_t *ref, int *owned,
    ngx_http_overlay_error_t *err)
{
    char                      *key;
    size_t                     bytes;
    unsigned                   i, victim;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_tile_t   *t;
    ngx_http_overlay_tiles_t  *tiles;

    *owned = 1;

    key = ngx_http_overlay_tile_key(spec, opts, width, height);
    tiles = (key != NULL) ? ngx_http_overlay_tiles() : NULL;

    if (tiles != NULL) {
        for (i = 0; i < NGX_HTTP_OVERLAY_TILES; i++) {
            t = &tiles->tiles[i];

            if (t->key != NULL && strcmp(t->key, key) == 0) {
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
    t->tile = ref->tile;
    t->bounds = ref->bounds;
    t->used = ++tiles->clock;
    tiles->bytes += bytes;

    *owned = 0;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * What a text-only tile depends on: the spec with every default filled,
 * the fonts' paths, the image's size.  NULL: not to be cached (image
 * layers: an asset is a pointer, not a name).
 */

static char *
ngx_http_overlay_tile_key(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int width, int height)
{
    char      *dump, *key, *p;
    size_t     len;
    unsigned   i;

    for (i = 0; i < spec->nlayers; i++) {
        if (spec->layers[i].type != NGX_HTTP_OVERLAY_LAYER_TEXT) {
            return NULL;
        }
    }

    dump = ngx_http_overlay_spec_dump(spec, &opts->spec);
    if (dump == NULL) {
        return NULL;
    }

    len = strlen(dump) + 32;

    for (i = 0; i < opts->render.nfonts; i++) {
        len += strlen(opts->render.fonts[i]) + 1;
    }

    key = malloc(len);
    if (key == NULL) {
        free(dump);
        return NULL;
    }

    p = key + snprintf(key, len, "%dx%d\n%s", width, height, dump);

    for (i = 0; i < opts->render.nfonts; i++) {
        p += snprintf(p, len - (size_t) (p - key), "\n%s",
                      opts->render.fonts[i]);
    }

    free(dump);

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

    if (pthread_once(&ngx_http_overlay_tiles_once,
                     ngx_http_overlay_tiles_key_create)
        != 0)
    {
        return NULL;
    }

    tiles = pthread_getspecific(ngx_http_overlay_tiles_key);

    if (tiles == NULL) {
        tiles = calloc(1, sizeof(ngx_http_overlay_tiles_t));

        if (tiles != NULL
            && pthread_setspecific(ngx_http_overlay_tiles_key, tiles) != 0)
        {
            free(tiles);
            tiles = NULL;
        }
    }

    return tiles;
}


static void
ngx_http_overlay_tiles_key_create(void)
{
    (void) pthread_key_create(&ngx_http_overlay_tiles_key,
                              ngx_http_overlay_tiles_destroy);
}


static void
ngx_http_overlay_tiles_destroy(void *data)
{
    ngx_http_overlay_tiles_t *tiles = data;

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

static ngx_http_overlay_rc_e
ngx_http_overlay_draw_tile(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_tile_ref_t *ref = data;

    int  x, y, dx, dy, c, a;

    if (ref->tile == NULL) {
        return NGX_HTTP_OVERLAY_OK;
    }

    if (!gdImageTrueColor(im)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "drawing needs a truecolor image");
    }

    for (y = 0; y < gdImageSY(ref->tile); y++) {
        dy = ref->bounds.y + y - y0;

        if (dy < 0 || dy >= gdImageSY(im)) {
            continue;
        }

        for (x = 0; x < gdImageSX(ref->tile); x++) {
            dx = ref->bounds.x + x - x0;

            if (dx < 0 || dx >= gdImageSX(im)) {
                continue;
            }

            c = ref->tile->tpixels[y][x];
            a = gdTrueColorGetAlpha(c);

            if (a == gdAlphaTransparent) {
                continue;
            }

            im->tpixels[dy][dx] = (a == gdAlphaOpaque)
                                  ? c
                                  : gdAlphaBlend(im->tpixels[dy][dx], c);
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}
