
/*
 * Unit tests of ngx_http_overlay_tiles.c: the per-thread cache of rendered
 * overlays.
 */


#include <pthread.h>

#include "unit.h"
#include "ngx_http_overlay_tiles.h"


static void *tiles_thread(void *data);
static void tiles_vary(ngx_http_overlay_layer_t *l, int field);


/*
 * The rendered overlay is cached per thread: the same spec on an image of
 * the same size is drawn from the cache, byte for byte what the first
 * render gave; another text, size or font is another entry; at most 16
 * are kept; specs with image layers are not cached.
 */

void
test_tiles_cache(void)
{
    int                             i;
    char                            text[32];
    size_t                          len;
    unsigned char                  *data;
    unsigned long                   hits, misses, hits0, misses0;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         first, again;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_tiles_flush();
    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Tiles!");

    data = read_fixture("rocket.jpg", &len);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &first,
                                    &err);
    ngx_http_overlay_tiles_count(&hits0, &misses0);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits0 == 0 && misses0 == 1,
          "tiles: first render: %s, %lu hits, %lu misses", err.msg, hits0,
          misses0);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &again,
                                    &err);
    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == 1 && misses == 1
          && again.len == first.len
          && memcmp(again.data, first.data, first.len) == 0,
          "tiles: the second render from the cache, the same bytes "
          "(%lu hits, %zu and %zu bytes)", hits, first.len, again.len);

    ngx_http_overlay_codec_free(&first);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&again);
    }

    /* a flushed cache renders the same bytes again */

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &first,
                                    &err);
    ngx_http_overlay_tiles_flush();
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &again,
                                    &err);
    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == 0 && misses == 1
          && again.len == first.len
          && memcmp(again.data, first.data, first.len) == 0,
          "tiles: rendered anew after a flush, the same bytes");
    ngx_http_overlay_codec_free(&first);
    ngx_http_overlay_codec_free(&again);

    /* 20 texts: 20 misses, then the last 16 are hits, the first 4 not */

    ngx_http_overlay_tiles_flush();

    for (i = 0; i < 20; i++) {
        snprintf(text, sizeof(text), "Text %d", i);
        one_text(&spec, &opts, text);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &first, &err);
        ngx_http_overlay_codec_free(&first);
    }

    for (i = 19; i >= 0; i--) {
        snprintf(text, sizeof(text), "Text %d", i);
        one_text(&spec, &opts, text);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &first, &err);
        ngx_http_overlay_codec_free(&first);
    }

    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(hits == 16 && misses == 24,
          "tiles: 16 kept of 20: %lu hits, %lu misses", hits, misses);

    /* another size is another entry */

    ngx_http_overlay_tiles_flush();
    one_text(&spec, &opts, "Tiles!");
    free(data);

    for (i = 0; i < 2; i++) {
        data = read_fixture(i ? "thumb.jpg" : "rocket.jpg", &len);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &first, &err);
        ngx_http_overlay_codec_free(&first);
        free(data);
    }

    ngx_http_overlay_tiles_count(&hits, &misses);
    CHECK(hits == 0 && misses == 2, "tiles: two sizes, two entries");

    ngx_http_overlay_tiles_flush();
}


/*
 * Threads that draw and exit, as nginx's pool threads do when a worker
 * exits: their caches are not freed by the thread (a destructor in the
 * module could run after nginx unloaded it), but stay listed until
 * ngx_http_overlay_core_shutdown(), which frees them all (LeakSanitizer
 * checks it); a thread whose cache was freed so draws again with a new one.
 */

void
test_tiles_threads(void)
{
    int                             i, ok;
    size_t                          len;
    unsigned char                  *data;
    pthread_t                       t[3];
    unsigned long                   hits, misses;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         out;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_core_shutdown();
    ngx_http_overlay_core_init();
    CHECK(ngx_http_overlay_tiles_caches() == 0, "no cache to begin with");

    ok = 0;

    for (i = 0; i < 3; i++) {
        if (pthread_create(&t[i], NULL, tiles_thread, NULL) == 0) {
            ok += (pthread_join(t[i], NULL) == 0);
        }
    }

    CHECK(ok == 3 && ngx_http_overlay_tiles_caches() == 3,
          "3 threads drew and exited: %u caches kept",
          ngx_http_overlay_tiles_caches());

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Threads!");
    data = read_fixture("thumb.jpg", &len);

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &out,
                                    &err);
    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&out);
    }

    CHECK(rc == NGX_HTTP_OVERLAY_OK && ngx_http_overlay_tiles_caches() == 4,
          "and this thread's: %u", ngx_http_overlay_tiles_caches());

    ngx_http_overlay_core_shutdown();
    ngx_http_overlay_core_init();
    CHECK(ngx_http_overlay_tiles_caches() == 0, "all freed: %u left",
          ngx_http_overlay_tiles_caches());

    /* this thread's key still names its freed cache: a new one is made */

    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &out,
                                    &err);
    ngx_http_overlay_tiles_count(&hits, &misses);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&out);
    }

    CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == 0 && misses == 1
          && ngx_http_overlay_tiles_caches() == 1,
          "drawn again with a new cache: %lu hits, %lu misses", hits,
          misses);

    ngx_http_overlay_tiles_flush();
    CHECK(ngx_http_overlay_tiles_caches() == 0,
          "the thread's own flush unlists its cache");

    free(data);
}


static void *
tiles_thread(void *data)
{
    size_t                          len;
    unsigned char                  *image;
    ngx_http_overlay_blob_t         out;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Threads!");
    image = read_fixture("thumb.jpg", &len);

    if (ngx_http_overlay_composite(image, len, &spec, &opts, &info, &out,
                                   &err)
        == NGX_HTTP_OVERLAY_OK)
    {
        ngx_http_overlay_codec_free(&out);
    }

    free(image);

    return data;
}


/*
 * The cache's key: each field of a layer that is drawn, changed alone, is
 * another entry, drawn as the first render of that spec is (byte for
 * byte); the spec as it was is still a hit.
 */

#define TILES_FIELDS  13

void
test_tiles_key(void)
{
    int                             field;
    size_t                          len;
    unsigned char                  *data;
    unsigned long                   hits, misses, hits0, misses0;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         cached, fresh;
    ngx_http_overlay_spec_t         spec, base;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    one_text(&base, &opts, "Tiles!");

    data = read_fixture("thumb.jpg", &len);

    for (field = 0; field < TILES_FIELDS; field++) {
        ngx_http_overlay_tiles_flush();

        spec = base;
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &cached, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "tiles key %d: %s", field, err.msg);
        ngx_http_overlay_codec_free(&cached);

        /* the varied spec, through the cache holding the base's tile */

        tiles_vary(&spec.layers[0], field);

        ngx_http_overlay_tiles_count(&hits0, &misses0);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &cached, &err);
        ngx_http_overlay_tiles_count(&hits, &misses);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == hits0
              && misses == misses0 + 1,
              "tiles key %d: a field changed is another entry (%lu hits, "
              "%lu misses)", field, hits - hits0, misses - misses0);

        /* drawn as without the cache */

        ngx_http_overlay_tiles_flush();
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &fresh, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && fresh.len == cached.len
              && memcmp(fresh.data, cached.data, cached.len) == 0,
              "tiles key %d: the same bytes as a fresh render", field);
        ngx_http_overlay_codec_free(&cached);
        ngx_http_overlay_codec_free(&fresh);

        /* the base again, a hit after its first render */

        spec = base;
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &cached, &err);
        ngx_http_overlay_codec_free(&cached);
        ngx_http_overlay_tiles_count(&hits0, &misses0);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &cached, &err);
        ngx_http_overlay_tiles_count(&hits, &misses);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && hits == hits0 + 1
              && misses == misses0,
              "tiles key %d: the same spec is a hit", field);
        ngx_http_overlay_codec_free(&cached);
    }

    free(data);
}


static void
tiles_vary(ngx_http_overlay_layer_t *l, int field)
{
    switch (field) {
    case 0:
        l->style = (l->style == NGX_HTTP_OVERLAY_STYLE_BADGE)
                   ? NGX_HTTP_OVERLAY_STYLE_BANNER
                   : NGX_HTTP_OVERLAY_STYLE_BADGE;
        break;
    case 1:
        l->position = NGX_HTTP_OVERLAY_BOTTOM_LEFT;
        break;
    case 2:
        l->direction = NGX_HTTP_OVERLAY_DIRECTION_RTL;
        break;
    case 3:
        l->margin += 0.01;
        break;
    case 4:
        l->size *= 1.0000001;
        break;
    case 5:
        l->opacity = 0.5;
        break;
    case 6:
        l->radius = 0.25;
        break;
    case 7:
        l->color.g ^= 0x40;
        break;
    case 8:
        l->background.b ^= 0x40;
        break;
    case 9:
        l->text = "Tiles?";
        break;
    case 10:
        l->text = "Tiles!!";
        l->len = 7;
        break;
    case 11:
        l->background.a ^= 0x01;
        break;
    default:
        l->color.a ^= 0x01;
        break;
    }
}


/*
 * A tile drawn over an image: every alpha of libgd's (0 opaque to 127
 * transparent) in a tile's pixels of many colours, over opaque pixels of
 * many colours, and over pixels not opaque; each pixel as gdAlphaBlend()
 * makes it (the tile's own where opaque, the image's where transparent).
 */

void
test_tiles_blend(void)
{
    int                           x, y, a, s, d, bad;
    gdImagePtr                    tile, im;
    ngx_http_overlay_error_t      err;
    ngx_http_overlay_tile_ref_t   ref;

    static int                    want[64][128];

    tile = gdImageCreateTrueColor(128, 64);
    im = gdImageCreateTrueColor(128, 64);

    if (tile == NULL || im == NULL) {
        CHECK(0, "tiles blend: no memory");
        return;
    }

    /* alpha x, the last 16 rows of the image not opaque */

    for (y = 0; y < 64; y++) {
        for (x = 0; x < 128; x++) {
            s = gdTrueColorAlpha((x * 37 + y * 11) & 0xff, (y * 53 + 7) & 0xff,
                                 (x * y * 5 + 250) & 0xff, x);
            d = gdTrueColorAlpha((y * 29 + 3) & 0xff, (x * 13 + y) & 0xff,
                                 (x * 3 + y * 7) & 0xff,
                                 y < 48 ? 0 : (y - 48) * 8);
            a = gdTrueColorGetAlpha(s);

            tile->tpixels[y][x] = s;
            im->tpixels[y][x] = d;
            want[y][x] = (a == gdAlphaOpaque) ? s
                         : (a == gdAlphaTransparent) ? d
                         : gdAlphaBlend(d, s);
        }
    }

    ref.tile = tile;
    ref.bounds.x = 0;
    ref.bounds.y = 0;
    ref.bounds.w = 128;
    ref.bounds.h = 64;

    CHECK(ngx_http_overlay_draw_tile(&ref, im, 0, 0, &err)
          == NGX_HTTP_OVERLAY_OK, "tiles blend: %s", err.msg);

    bad = 0;

    for (y = 0; y < 64; y++) {
        for (x = 0; x < 128; x++) {
            if (im->tpixels[y][x] != want[y][x] && bad++ < 3) {
                printf("tiles blend: at %d,%d: %08x, not %08x\n", x, y,
                       (unsigned) im->tpixels[y][x], (unsigned) want[y][x]);
            }
        }
    }

    CHECK(bad == 0, "tiles blend: %d pixels not as gdAlphaBlend() makes "
          "them", bad);

    gdImageDestroy(tile);
    gdImageDestroy(im);
}
