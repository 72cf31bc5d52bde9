
/*
 * ngx_http_overlay_module: the core pipeline (ngx_http_overlay_core.h):
 * the options and their defaults, the parameter to a spec, the spec drawn
 * on an image through a codec.
 */


#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_codec_int.h"
#include "ngx_http_overlay_tiles.h"
#include "ngx_http_overlay_tls.h"


static ngx_http_overlay_rc_e ngx_http_overlay_names_add(const char ***names,
    void *values, size_t size, unsigned *room, unsigned n, const char *name,
    const void *value);


static const char *const  ngx_http_overlay_default_font_path[] = {
    NGX_HTTP_OVERLAY_DEFAULT_FONT
};


void
ngx_http_overlay_core_init(void)
{
    ngx_http_overlay_render_init();
}


void
ngx_http_overlay_core_shutdown(void)
{
    ngx_http_overlay_tls_free_all();
    gdFontCacheShutdown();
}


void
ngx_http_overlay_options_init(ngx_http_overlay_options_t *opts)
{
    opts->max_param = NGX_HTTP_OVERLAY_PARAM_MAX;
    opts->keys = NULL;
    opts->nkeys = 0;

    ngx_http_overlay_spec_conf_init(&opts->spec);

    opts->render.fonts = ngx_http_overlay_default_font_path;
    opts->render.font_names = opts->spec.fonts;
    opts->render.nfonts = 1;
    opts->render.assets = NULL;
    opts->render.nassets = 0;

    opts->codec.jpeg_quality = 0;
    opts->codec.webp_quality = 0;
    opts->codec.webp_method = NGX_HTTP_OVERLAY_WEBP_METHOD;
    opts->codec.webp_lossless_method = NGX_HTTP_OVERLAY_WEBP_LOSSLESS_METHOD;
    opts->codec.png_reduce = 0;
    opts->codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;
    opts->codec.max_side = 0;

    memset(&opts->names, 0, sizeof(ngx_http_overlay_names_t));
}


ngx_http_overlay_rc_e
ngx_http_overlay_options_add_font(ngx_http_overlay_options_t *opts,
    const char *name, const char *path)
{
    unsigned                   n;
    ngx_http_overlay_names_t  *names;

    names = &opts->names;
    n = opts->spec.nfonts;

    if (names->font_names == NULL) {

        /* the tables begin with the built-in default, as options_init() */

        if (ngx_http_overlay_names_add(&names->font_names,
                                       &names->font_paths, sizeof(char *),
                                       &names->font_room, 0,
                                       opts->spec.fonts[0],
                                       &opts->render.fonts[0])
            != NGX_HTTP_OVERLAY_OK)
        {
            return NGX_HTTP_OVERLAY_NO_MEMORY;
        }

        n = 1;
    }

    if (strcmp(name, "default") == 0) {
        names->font_paths[0] = path;

    } else if (ngx_http_overlay_names_add(&names->font_names,
                                          &names->font_paths,
                                          sizeof(char *), &names->font_room,
                                          n++, name, &path)
               != NGX_HTTP_OVERLAY_OK)
    {
        return NGX_HTTP_OVERLAY_NO_MEMORY;
    }

    opts->spec.fonts = names->font_names;
    opts->spec.nfonts = n;
    opts->render.fonts = names->font_paths;
    opts->render.font_names = names->font_names;
    opts->render.nfonts = n;

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_options_add_asset(ngx_http_overlay_options_t *opts,
    const char *name, ngx_http_overlay_asset_t *asset)
{
    unsigned                   n;
    ngx_http_overlay_names_t  *names;

    names = &opts->names;
    n = opts->spec.nassets;

    if (ngx_http_overlay_names_add(&names->asset_names, &names->assets,
                                   sizeof(ngx_http_overlay_asset_t *),
                                   &names->asset_room, n, name, &asset)
        != NGX_HTTP_OVERLAY_OK)
    {
        return NGX_HTTP_OVERLAY_NO_MEMORY;
    }

    opts->spec.assets = names->asset_names;
    opts->spec.nassets = n + 1;
    opts->render.assets = names->assets;
    opts->render.nassets = n + 1;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * Puts name at [n] of a table of names, and the size bytes at value at [n]
 * of the table of their values beside it, both grown as needed.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_names_add(const char ***names, void *values, size_t size,
    unsigned *room, unsigned n, const char *name, const void *value)
{
    void        *v, **pv;
    unsigned     want;
    const char **p;

    pv = values;

    if (n >= *room) {
        want = *room ? 2 * *room : 4;

        p = realloc(*names, want * sizeof(char *));
        if (p == NULL) {
            return NGX_HTTP_OVERLAY_NO_MEMORY;
        }

        *names = p;

        v = realloc(*pv, want * size);
        if (v == NULL) {
            return NGX_HTTP_OVERLAY_NO_MEMORY;
        }

        *pv = v;
        *room = want;
    }

    (*names)[n] = name;
    memcpy((char *) *pv + n * size, value, size);

    return NGX_HTTP_OVERLAY_OK;
}


void
ngx_http_overlay_options_free(ngx_http_overlay_options_t *opts)
{
    free(opts->names.font_names);
    free(opts->names.font_paths);
    free(opts->names.asset_names);
    free(opts->names.assets);

    ngx_http_overlay_options_init(opts);
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
    out->method = NGX_HTTP_OVERLAY_METHOD_NONE;

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
