
/*
 * ngx_http_overlay_module: the core pipeline.
 */


#include "ngx_http_overlay_core.h"


static ngx_http_overlay_rc_e ngx_http_overlay_draw_layout(void *data,
    gdImagePtr im, int x0, int y0, ngx_http_overlay_error_t *err);


ngx_http_overlay_rc_e
ngx_http_overlay_parse_value(const unsigned char *value, size_t len,
    ngx_http_overlay_spec_t *spec, ngx_http_overlay_error_t *err)
{
    size_t                 n;
    unsigned char          json[NGX_HTTP_OVERLAY_PARAM_MAX];
    ngx_http_overlay_rc_e  rc;

    rc = ngx_http_overlay_param_decode(value, len, json, sizeof(json), &n,
                                       err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    return ngx_http_overlay_spec_parse(json, n, spec, err);
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

    rc = ngx_http_overlay_render_layout(&layout, spec, opts->font,
                                        (int) info->width,
                                        (int) info->height, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    painter.bounds = layout.bounds;
    painter.draw = ngx_http_overlay_draw_layout;
    painter.data = &layout;

    return ngx_http_overlay_codec_apply(in, len, info, &opts->codec, &painter,
                                        out, err);
}


static ngx_http_overlay_rc_e
ngx_http_overlay_draw_layout(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    return ngx_http_overlay_render_draw(data, im, x0, y0, err);
}
