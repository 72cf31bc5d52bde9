
/*
 * ngx_http_overlay_module: the core pipeline.
 */


#include "ngx_http_overlay_core.h"


static ngx_http_overlay_rc_e ngx_http_overlay_draw_layout(void *data,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err);


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
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_layout_t   layout;
    ngx_http_overlay_painter_t  painter;

    out->data = NULL;
    out->len = 0;

    rc = ngx_http_overlay_codec_probe(in, len, &opts->codec, info, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_render_layout(&layout, spec, &opts->render,
                                        (int) info->width,
                                        (int) info->height, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    painter.bounds = layout.bounds;
    painter.draw = ngx_http_overlay_draw_layout;
    painter.data = &layout;

    rc = ngx_http_overlay_codec_apply(in, len, info, &opts->codec, &painter,
                                      out, err);

    ngx_http_overlay_render_free(&layout);

    return rc;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_draw_layout(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    return ngx_http_overlay_render_draw(data, im, x0, y0, err);
}
