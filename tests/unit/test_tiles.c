
/*
 * Unit tests of ngx_http_overlay_tiles.c: the per-thread cache of rendered
 * overlays.
 */


#include "unit.h"


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
