
/*
 * ngx_http_overlay_module: the spec as normalized JSON
 * (ngx_http_overlay_spec_dump()): every field, the defaults filled in;
 * what inspect prints, and what the ETag and the tile cache's key hash.
 */


#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_window.h"


static char *ngx_http_overlay_color_text(char *buf,
    const ngx_http_overlay_color_t *c);


char *
ngx_http_overlay_spec_dump(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_spec_conf_t *conf)
{
    char                            *s, c1[10], c2[10];
    char                             at[NGX_HTTP_OVERLAY_INSTANT_LEN];
    json_t                          *root, *layers, *o;
    unsigned                         i;
    const ngx_http_overlay_layer_t  *l;

    root = json_object();
    layers = json_array();

    for (i = 0; i < spec->nlayers; i++) {
        l = &spec->layers[i];

        if (l->type == NGX_HTTP_OVERLAY_LAYER_TEXT) {
            o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:s, s:s, s:f, "
                          "s:f}",
                          "text", l->text,
                          "style", ngx_http_overlay_style_name(l->style),
                          "position",
                          ngx_http_overlay_position_name(l->position),
                          "margin", l->margin,
                          "size", l->size,
                          "color", ngx_http_overlay_color_text(c1, &l->color),
                          "background",
                          ngx_http_overlay_color_text(c2, &l->background),
                          "font", l->font < conf->nfonts
                                  ? conf->fonts[l->font] : "?",
                          "opacity", l->opacity,
                          "radius", l->radius);

            /*
             * "auto", the default, is left out: the normalized spec, and
             * so the ETag, of an overlay from before the field is the same
             */

            if (o != NULL && l->direction != NGX_HTTP_OVERLAY_DIRECTION_AUTO)
            {
                json_object_set_new(o, "direction",
                                    json_string(
                                        ngx_http_overlay_direction_name(
                                            l->direction)));
            }

        } else {
            o = json_pack("{s:s, s:s, s:f, s:f, s:f}",
                          "image", l->asset < conf->nassets
                                   ? conf->assets[l->asset] : "?",
                          "position",
                          ngx_http_overlay_position_name(l->position),
                          "margin", l->margin,
                          "scale", l->scale,
                          "opacity", l->opacity);
        }

        /* the window, each instant in its own offset */

        if (o != NULL && (l->window & NGX_HTTP_OVERLAY_HAS_FROM)) {
            ngx_http_overlay_instant_format(l->from, l->from_offset, at);
            json_object_set_new(o, "from", json_string(at));
        }

        if (o != NULL && (l->window & NGX_HTTP_OVERLAY_HAS_UNTIL)) {
            ngx_http_overlay_instant_format(l->until, l->until_offset, at);
            json_object_set_new(o, "until", json_string(at));
        }

        json_array_append_new(layers, o);
    }

    json_object_set_new(root, "layers", layers);

    s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER
                         | JSON_REAL_PRECISION(6));

    json_decref(root);

    return s;
}


static char *
ngx_http_overlay_color_text(char *buf, const ngx_http_overlay_color_t *c)
{
    (void) snprintf(buf, 10, "#%02x%02x%02x%02x", c->r, c->g, c->b, c->a);

    return buf;
}
