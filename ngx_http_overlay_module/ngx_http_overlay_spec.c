
/*
 * ngx_http_overlay_module: the overlay spec (v1).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_window.h"


#define NGX_HTTP_OVERLAY_FOR_TEXT   0x01
#define NGX_HTTP_OVERLAY_FOR_IMAGE  0x02


typedef struct {
    const ngx_http_overlay_spec_conf_t  *conf;
    ngx_http_overlay_error_t            *err;
    unsigned char                       *arena;     /* texts go here */
    size_t                               size;
    size_t                               used;
    char                                 path[32];  /* "layers[0]." */
} ngx_http_overlay_parse_t;


typedef ngx_http_overlay_rc_e (*ngx_http_overlay_field_pt)(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);


typedef struct {
    const char                          *key;
    unsigned                             types;
    ngx_http_overlay_field_pt            parse;
} ngx_http_overlay_field_t;


static ngx_http_overlay_rc_e ngx_http_overlay_parse_layer(
    ngx_http_overlay_parse_t *ps, json_t *obj, unsigned i,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_text(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_image(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_font(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_style(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_position(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_direction(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_enum(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    const char *const *names, unsigned count, int *n);
static ngx_http_overlay_rc_e ngx_http_overlay_field_color(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_number(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_field_instant(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_check_window(
    ngx_http_overlay_parse_t *ps, ngx_http_overlay_layer_t *layer);
static ngx_http_overlay_rc_e ngx_http_overlay_string(
    ngx_http_overlay_parse_t *ps, const char *key, json_t *value,
    const char **s, size_t *len);
static ngx_http_overlay_rc_e ngx_http_overlay_bad(
    ngx_http_overlay_parse_t *ps, const char *key, const char *fmt,
    const char *arg, size_t len, const char *tail);
static int ngx_http_overlay_lookup(const char *const *names, unsigned n,
    const char *s, size_t len);
static void ngx_http_overlay_list(char *buf, size_t size,
    const char *const *names, unsigned n);
static const char *ngx_http_overlay_json_type(json_t *value);


static const char *const  ngx_http_overlay_styles[] = {
    "badge", "ribbon", "banner", "plain"
};

static const char *const  ngx_http_overlay_positions[] = {
    "top-left", "top", "top-right", "left", "center", "right",
    "bottom-left", "bottom", "bottom-right"
};

static const char *const  ngx_http_overlay_directions[] = {
    "auto", "ltr", "rtl"
};

static const char *const  ngx_http_overlay_default_fonts[] = { "default" };


/* the fields of a layer, with what each may be, in the order of the docs */

static const ngx_http_overlay_field_t  ngx_http_overlay_fields[] = {
    { "text", NGX_HTTP_OVERLAY_FOR_TEXT, ngx_http_overlay_field_text },
    { "image", NGX_HTTP_OVERLAY_FOR_IMAGE, ngx_http_overlay_field_image },
    { "style", NGX_HTTP_OVERLAY_FOR_TEXT, ngx_http_overlay_field_style },
    { "position", NGX_HTTP_OVERLAY_FOR_TEXT | NGX_HTTP_OVERLAY_FOR_IMAGE,
      ngx_http_overlay_field_position },
    { "margin", NGX_HTTP_OVERLAY_FOR_TEXT | NGX_HTTP_OVERLAY_FOR_IMAGE,
      ngx_http_overlay_field_number },
    { "size", NGX_HTTP_OVERLAY_FOR_TEXT, ngx_http_overlay_field_number },
    { "scale", NGX_HTTP_OVERLAY_FOR_IMAGE, ngx_http_overlay_field_number },
    { "color", NGX_HTTP_OVERLAY_FOR_TEXT, ngx_http_overlay_field_color },
    { "background", NGX_HTTP_OVERLAY_FOR_TEXT,
      ngx_http_overlay_field_color },
    { "font", NGX_HTTP_OVERLAY_FOR_TEXT, ngx_http_overlay_field_font },
    { "direction", NGX_HTTP_OVERLAY_FOR_TEXT,
      ngx_http_overlay_field_direction },
    { "radius", NGX_HTTP_OVERLAY_FOR_TEXT, ngx_http_overlay_field_number },
    { "opacity", NGX_HTTP_OVERLAY_FOR_TEXT | NGX_HTTP_OVERLAY_FOR_IMAGE,
      ngx_http_overlay_field_number },
    { "from", NGX_HTTP_OVERLAY_FOR_TEXT | NGX_HTTP_OVERLAY_FOR_IMAGE,
      ngx_http_overlay_field_instant },
    { "until", NGX_HTTP_OVERLAY_FOR_TEXT | NGX_HTTP_OVERLAY_FOR_IMAGE,
      ngx_http_overlay_field_instant },
    { NULL, 0, NULL }
};


/* ranges of the numbers, inclusive */

static const struct {
    const char  *key;
    double       min;
    double       max;
    size_t       offset;
} ngx_http_overlay_numbers[] = {
    { "margin", 0.0, 0.5, offsetof(ngx_http_overlay_layer_t, margin) },
    { "size", 0.01, 0.5, offsetof(ngx_http_overlay_layer_t, size) },
    { "scale", 0.01, 1.0, offsetof(ngx_http_overlay_layer_t, scale) },
    { "opacity", 0.0, 1.0, offsetof(ngx_http_overlay_layer_t, opacity) },
    { "radius", 0.0, 0.5, offsetof(ngx_http_overlay_layer_t, radius) },
    { NULL, 0.0, 0.0, 0 }
};


void
ngx_http_overlay_spec_conf_init(ngx_http_overlay_spec_conf_t *conf)
{
    ngx_http_overlay_layer_t  *d;

    memset(conf, 0, sizeof(ngx_http_overlay_spec_conf_t));

    d = &conf->defaults;

    d->type = NGX_HTTP_OVERLAY_LAYER_TEXT;
    d->style = NGX_HTTP_OVERLAY_STYLE_BADGE;
    d->position = NGX_HTTP_OVERLAY_TOP_RIGHT;
    d->margin = 0.03;
    d->size = 0.06;
    d->scale = 0.25;
    d->opacity = 1.0;
    d->color.r = 0xff;
    d->color.g = 0xff;
    d->color.b = 0xff;
    d->color.a = 0xff;
    d->background.r = 0xd6;
    d->background.g = 0x28;
    d->background.b = 0x28;
    d->background.a = 0xd9;                     /* 85% */

    conf->max_layers = NGX_HTTP_OVERLAY_LAYERS_DEFAULT;
    conf->max_text = NGX_HTTP_OVERLAY_TEXT_DEFAULT;
    conf->fonts = ngx_http_overlay_default_fonts;
    conf->nfonts = 1;
}


ngx_http_overlay_rc_e
ngx_http_overlay_spec_parse(unsigned char *json, size_t len,
    const ngx_http_overlay_spec_conf_t *conf, ngx_http_overlay_spec_t *spec,
    ngx_http_overlay_error_t *err)
{
    char                      quoted[64];
    size_t                    n;
    json_t                   *root, *value, *layers;
    unsigned                  i;
    const char               *key;
    json_error_t              jerr;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_parse_t  ps;

    spec->nlayers = 0;

    root = json_loadb((const char *) json, len, JSON_REJECT_DUPLICATES,
                      &jerr);

    if (root == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_JSON,
                                      "%s at offset %d", jerr.text,
                                      jerr.position);
    }

    /* the texts are copied back into the JSON's own bytes: they fit */

    ps.conf = conf;
    ps.err = err;
    ps.arena = json;
    ps.size = len;
    ps.used = 0;
    ps.path[0] = '\0';

    if (!json_is_object(root)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_JSON,
                                    "JSON %s instead of an object",
                                    ngx_http_overlay_json_type(root));
        goto done;
    }

    n = json_object_size(root);
    value = json_object_get(root, "overlay");
    layers = json_object_get(root, "layers");

    json_object_foreach(root, key, value) {

        /* the shorthand's window: "from" and "until" beside "overlay" */

        if ((strcmp(key, "from") == 0 || strcmp(key, "until") == 0)
            && json_object_get(root, "overlay") != NULL)
        {
            n--;
            continue;
        }

        if (strcmp(key, "overlay") != 0 && strcmp(key, "layers") != 0) {
            rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                       "unknown key \"%s\", not \"overlay\" or \"layers\"",
                       ngx_http_overlay_quote(quoted, sizeof(quoted),
                                              (const unsigned char *) key,
                                              strlen(key), 32));
            goto done;
        }
    }

    value = json_object_get(root, "overlay");

    if (n == 0) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                    "no \"overlay\" or \"layers\"");
        goto done;
    }

    if (n > 1) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                    "\"overlay\" and \"layers\" together");
        goto done;
    }

    if (value != NULL) {

        /* the shorthand: one text layer, all defaults */

        spec->layers[0] = conf->defaults;
        spec->layers[0].type = NGX_HTTP_OVERLAY_LAYER_TEXT;

        rc = ngx_http_overlay_field_text(&ps, "overlay", value,
                                         &spec->layers[0]);

        for (i = 0; i < 2 && rc == NGX_HTTP_OVERLAY_OK; i++) {
            key = i ? "until" : "from";
            value = json_object_get(root, key);

            if (value != NULL) {
                rc = ngx_http_overlay_field_instant(&ps, key, value,
                                                    &spec->layers[0]);
            }
        }

        if (rc == NGX_HTTP_OVERLAY_OK) {
            rc = ngx_http_overlay_check_window(&ps, &spec->layers[0]);
        }

        if (rc == NGX_HTTP_OVERLAY_OK) {
            spec->nlayers = 1;
        }

        goto done;
    }

    if (!json_is_array(layers)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                    "\"layers\" is %s, not an array",
                                    ngx_http_overlay_json_type(layers));
        goto done;
    }

    n = json_array_size(layers);

    if (n == 0 || n > conf->max_layers
        || n > NGX_HTTP_OVERLAY_LAYERS_LIMIT)
    {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                    "\"layers\" has %zu layers, not 1 to %u",
                                    n, conf->max_layers);
        goto done;
    }

    for (i = 0; i < n; i++) {
        rc = ngx_http_overlay_parse_layer(&ps, json_array_get(layers, i), i,
                                          &spec->layers[i]);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            goto done;
        }
    }

    spec->nlayers = (unsigned) n;
    rc = NGX_HTTP_OVERLAY_OK;

done:

    json_decref(root);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        spec->nlayers = 0;
    }

    return rc;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_parse_layer(ngx_http_overlay_parse_t *ps, json_t *obj,
    unsigned i, ngx_http_overlay_layer_t *layer)
{
    char                             quoted[64];
    json_t                          *value, *text, *image;
    unsigned                         type;
    const char                      *key;
    ngx_http_overlay_rc_e            rc;
    const ngx_http_overlay_field_t  *f;

    (void) snprintf(ps->path, sizeof(ps->path), "layers[%u].", i);

    if (!json_is_object(obj)) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "layers[%u] is %s, not an object", i,
                                      ngx_http_overlay_json_type(obj));
    }

    text = json_object_get(obj, "text");
    image = json_object_get(obj, "image");

    if ((text == NULL) == (image == NULL)) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "layers[%u] has %s \"text\" nor "
                                      "\"image\"", i,
                                      text == NULL ? "neither" : "both");
    }

    *layer = ps->conf->defaults;

    if (text != NULL) {
        layer->type = NGX_HTTP_OVERLAY_LAYER_TEXT;
        type = NGX_HTTP_OVERLAY_FOR_TEXT;

    } else {
        layer->type = NGX_HTTP_OVERLAY_LAYER_IMAGE;
        type = NGX_HTTP_OVERLAY_FOR_IMAGE;
    }

    json_object_foreach(obj, key, value) {

        for (f = ngx_http_overlay_fields; f->key != NULL; f++) {
            if (strcmp(f->key, key) == 0) {
                break;
            }
        }

        if (f->key == NULL) {
            return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                       "layers[%u]: unknown key \"%s\"", i,
                       ngx_http_overlay_quote(quoted, sizeof(quoted),
                                              (const unsigned char *) key,
                                              strlen(key), 32));
        }

        if (!(f->types & type)) {
            return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                          "layers[%u].%s is not a key of "
                                          "an %s layer", i, key,
                                          type == NGX_HTTP_OVERLAY_FOR_TEXT
                                          ? "text" : "image");
        }

        rc = f->parse(ps, key, value, layer);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }
    }

    if (layer->type == NGX_HTTP_OVERLAY_LAYER_TEXT
        && layer->style == NGX_HTTP_OVERLAY_STYLE_RIBBON
        && !ngx_http_overlay_position_is_corner(layer->position))
    {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "layers[%u]: style \"ribbon\" needs a "
                                      "corner position, not \"%s\"", i,
                                      ngx_http_overlay_position_name(
                                          layer->position));
    }

    return ngx_http_overlay_check_window(ps, layer);
}


/*
 * The window of a parsed layer: "from" before "until", and the text's
 * placeholders known, the countdown ones with an "until"
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_check_window(ngx_http_overlay_parse_t *ps,
    ngx_http_overlay_layer_t *layer)
{
    int     mask;
    size_t  at;

    if ((layer->window & NGX_HTTP_OVERLAY_HAS_FROM)
        && (layer->window & NGX_HTTP_OVERLAY_HAS_UNTIL)
        && layer->from >= layer->until)
    {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%sfrom is not before %suntil",
                                      ps->path, ps->path);
    }

    if (layer->type != NGX_HTTP_OVERLAY_LAYER_TEXT) {
        return NGX_HTTP_OVERLAY_OK;
    }

    mask = ngx_http_overlay_placeholders(layer->text, layer->len, &at);

    if (mask < 0) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s has \"%c\" at byte %zu, not "
                                      "{days}, {hours}, {until}, {{ or }}",
                                      ps->path,
                                      ps->path[0] ? "text" : "overlay",
                                      layer->text[at], at);
    }

    if ((mask & NGX_HTTP_OVERLAY_USES_COUNTDOWN)
        && !(layer->window & NGX_HTTP_OVERLAY_HAS_UNTIL))
    {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s uses {%s} without %suntil",
                                      ps->path,
                                      ps->path[0] ? "text" : "overlay",
                                      (mask & NGX_HTTP_OVERLAY_USES_DAYS)
                                      ? "days"
                                      : (mask & NGX_HTTP_OVERLAY_USES_HOURS)
                                        ? "hours" : "until",
                                      ps->path);
    }

    layer->window |= (unsigned) mask;

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_instant(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    int                    offset;
    char                   quoted[64];
    size_t                 len;
    int64_t                t;
    const char            *s;
    ngx_http_overlay_rc_e  rc;

    rc = ngx_http_overlay_string(ps, key, value, &s, &len);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (ngx_http_overlay_instant_parse(s, len, &t, &offset) != 0) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s \"%s\" is not an RFC 3339 "
                                      "instant with an offset, as "
                                      "2026-12-31T23:59:59Z", ps->path, key,
                                      ngx_http_overlay_quote(quoted,
                                          sizeof(quoted),
                                          (const unsigned char *) s, len,
                                          32));
    }

    if (key[0] == 'f') {
        layer->from = t;
        layer->from_offset = offset;
        layer->window |= NGX_HTTP_OVERLAY_HAS_FROM;

    } else {
        layer->until = t;
        layer->until_offset = offset;
        layer->window |= NGX_HTTP_OVERLAY_HAS_UNTIL;
    }

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_text(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    char                  *dst;
    size_t                 i, len, chars;
    const char            *s;
    const unsigned char   *u;
    ngx_http_overlay_rc_e  rc;

    rc = ngx_http_overlay_string(ps, key, value, &s, &len);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    if (len == 0) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s is an empty string", ps->path,
                                      key);
    }

    /* jansson has checked UTF-8: count characters, refuse control ones */

    u = (const unsigned char *) s;
    chars = 0;

    for (i = 0; i < len; i++) {

        if ((u[i] & 0xc0) != 0x80) {
            chars++;
        }

        /*
         * C0 and C1 controls, line and paragraph separators, and the
         * bidirectional embeddings, overrides and isolates, which would
         * make the text read other than it is
         */

        if (u[i] < 0x20 || u[i] == 0x7f
            || (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80
                && u[i + 1] <= 0x9f)
            || (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80
                && u[i + 2] >= 0xa8 && u[i + 2] <= 0xae)
            || (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x81
                && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9))
        {
            return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                          "%s%s has a control character "
                                          "at byte %zu", ps->path, key, i);
        }
    }

    if (chars > ps->conf->max_text || chars > NGX_HTTP_OVERLAY_TEXT_LIMIT) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s has %zu characters, more than "
                                      "%u", ps->path, key, chars,
                                      ps->conf->max_text);
    }

    if (ps->used + len + 1 > ps->size) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s does not fit", ps->path, key);
    }

    dst = (char *) ps->arena + ps->used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    ps->used += len + 1;

    layer->text = dst;
    layer->len = len;

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_image(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    int                    n;
    size_t                 len;
    const char            *s;
    ngx_http_overlay_rc_e  rc;

    rc = ngx_http_overlay_string(ps, key, value, &s, &len);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    n = ngx_http_overlay_lookup(ps->conf->assets, ps->conf->nassets, s, len);

    if (n < 0) {
        return ngx_http_overlay_bad(ps, key, "%s%s \"%s\" is not %s", s, len,
                                    ps->conf->nassets
                                    ? "an image of overlay_asset"
                                    : "an image: no overlay_asset is "
                                      "configured");
    }

    layer->asset = (unsigned) n;

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_font(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    int                    n;
    ngx_http_overlay_rc_e  rc;

    n = (int) layer->font;
    rc = ngx_http_overlay_field_enum(ps, key, value, ps->conf->fonts,
                                     ps->conf->nfonts, &n);

    layer->font = (unsigned) n;

    return rc;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_style(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    int                    n;
    ngx_http_overlay_rc_e  rc;

    n = (int) layer->style;
    rc = ngx_http_overlay_field_enum(ps, key, value, ngx_http_overlay_styles,
                                     4, &n);

    layer->style = (ngx_http_overlay_style_e) n;

    return rc;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_position(ngx_http_overlay_parse_t *ps,
    const char *key, json_t *value, ngx_http_overlay_layer_t *layer)
{
    int                    n;
    ngx_http_overlay_rc_e  rc;

    n = (int) layer->position;
    rc = ngx_http_overlay_field_enum(ps, key, value,
                                     ngx_http_overlay_positions, 9, &n);

    layer->position = (ngx_http_overlay_position_e) n;

    return rc;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_direction(ngx_http_overlay_parse_t *ps,
    const char *key, json_t *value, ngx_http_overlay_layer_t *layer)
{
    int                    n;
    ngx_http_overlay_rc_e  rc;

    n = (int) layer->direction;
    rc = ngx_http_overlay_field_enum(ps, key, value,
                                     ngx_http_overlay_directions, 3, &n);

    layer->direction = (ngx_http_overlay_direction_e) n;

    return rc;
}


/* a string that is one of names; *n is its index, or unchanged */

static ngx_http_overlay_rc_e
ngx_http_overlay_field_enum(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, const char *const *names, unsigned count, int *n)
{
    int                    i;
    char                   list[256];
    size_t                 len;
    const char            *s;
    ngx_http_overlay_rc_e  rc;

    rc = ngx_http_overlay_string(ps, key, value, &s, &len);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    i = ngx_http_overlay_lookup(names, count, s, len);

    if (i < 0) {
        ngx_http_overlay_list(list, sizeof(list), names, count);
        return ngx_http_overlay_bad(ps, key, "%s%s \"%s\" is not one of %s",
                                    s, len, list);
    }

    *n = i;

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_color(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    size_t                     len;
    const char                *s;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_color_t  *color;

    rc = ngx_http_overlay_string(ps, key, value, &s, &len);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    color = strcmp(key, "color") == 0 ? &layer->color : &layer->background;

    if (ngx_http_overlay_color_parse(s, len, color) != 0) {
        return ngx_http_overlay_bad(ps, key, "%s%s \"%s\" is not %s", s, len,
                                    "a colour: #rgb, #rgba, #rrggbb or "
                                    "#rrggbbaa");
    }

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_field_number(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, ngx_http_overlay_layer_t *layer)
{
    double    v;
    unsigned  i;

    for (i = 0; ngx_http_overlay_numbers[i].key != NULL; i++) {
        if (strcmp(ngx_http_overlay_numbers[i].key, key) == 0) {
            break;
        }
    }

    if (!json_is_number(value)) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s is %s, not a number", ps->path,
                                      key, ngx_http_overlay_json_type(value));
    }

    v = json_number_value(value);

    if (!(v >= ngx_http_overlay_numbers[i].min
          && v <= ngx_http_overlay_numbers[i].max))
    {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s %g is not between %g and %g",
                                      ps->path, key, v,
                                      ngx_http_overlay_numbers[i].min,
                                      ngx_http_overlay_numbers[i].max);
    }

    *(double *) ((char *) layer + ngx_http_overlay_numbers[i].offset) = v;

    return NGX_HTTP_OVERLAY_OK;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_string(ngx_http_overlay_parse_t *ps, const char *key,
    json_t *value, const char **s, size_t *len)
{
    *s = NULL;
    *len = 0;

    if (!json_is_string(value)) {
        return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "%s%s is %s, not a string", ps->path,
                                      key, ngx_http_overlay_json_type(value));
    }

    *s = json_string_value(value);
    *len = json_string_length(value);

    return NGX_HTTP_OVERLAY_OK;
}


/* fmt takes the path, the key, the quoted value and tail, in this order */

static ngx_http_overlay_rc_e
ngx_http_overlay_bad(ngx_http_overlay_parse_t *ps, const char *key,
    const char *fmt, const char *arg, size_t len, const char *tail)
{
    char  quoted[64];

    ngx_http_overlay_quote(quoted, sizeof(quoted),
                           (const unsigned char *) arg, len, 32);

    return ngx_http_overlay_error(ps->err, NGX_HTTP_OVERLAY_BAD_SPEC, fmt,
                                  ps->path, key, quoted, tail);
}


static int
ngx_http_overlay_lookup(const char *const *names, unsigned n, const char *s,
    size_t len)
{
    unsigned  i;

    for (i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            return (int) i;
        }
    }

    return -1;
}


static void
ngx_http_overlay_list(char *buf, size_t size, const char *const *names,
    unsigned n)
{
    size_t    used, len;
    unsigned  i;

    used = 0;
    buf[0] = '\0';

    for (i = 0; i < n; i++) {
        len = strlen(names[i]);

        if (used + len + 3 + 4 > size) {
            memcpy(&buf[used], "...", 4);
            return;
        }

        if (i > 0) {
            memcpy(&buf[used], ", ", 2);
            used += 2;
        }

        memcpy(&buf[used], names[i], len + 1);
        used += len;
    }
}


int
ngx_http_overlay_position_is_corner(ngx_http_overlay_position_e position)
{
    return position == NGX_HTTP_OVERLAY_TOP_LEFT
           || position == NGX_HTTP_OVERLAY_TOP_RIGHT
           || position == NGX_HTTP_OVERLAY_BOTTOM_LEFT
           || position == NGX_HTTP_OVERLAY_BOTTOM_RIGHT;
}


int
ngx_http_overlay_style_parse(const char *s, size_t len)
{
    return ngx_http_overlay_lookup(ngx_http_overlay_styles, 4, s, len);
}


int
ngx_http_overlay_position_parse(const char *s, size_t len)
{
    return ngx_http_overlay_lookup(ngx_http_overlay_positions, 9, s, len);
}


const char *
ngx_http_overlay_style_name(ngx_http_overlay_style_e style)
{
    return (unsigned) style < 4 ? ngx_http_overlay_styles[style] : "?";
}


const char *
ngx_http_overlay_position_name(ngx_http_overlay_position_e position)
{
    return (unsigned) position < 9 ? ngx_http_overlay_positions[position]
                                   : "?";
}


const char *
ngx_http_overlay_direction_name(ngx_http_overlay_direction_e direction)
{
    return (unsigned) direction < 3 ? ngx_http_overlay_directions[direction]
                                    : "?";
}


int
ngx_http_overlay_color_parse(const char *s, size_t len,
    ngx_http_overlay_color_t *color)
{
    size_t         i, digits;
    unsigned char  v[8];

    if (len < 4 || s[0] != '#') {
        return -1;
    }

    digits = len - 1;

    if (digits != 3 && digits != 4 && digits != 6 && digits != 8) {
        return -1;
    }

    for (i = 0; i < digits; i++) {
        char  c = s[i + 1];

        if (c >= '0' && c <= '9') {
            v[i] = (unsigned char) (c - '0');

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            v[i] = (unsigned char) ((c | 0x20) - 'a' + 10);

        } else {
            return -1;
        }
    }

    if (digits <= 4) {
        color->r = v[0] * 17;
        color->g = v[1] * 17;
        color->b = v[2] * 17;
        color->a = digits == 4 ? v[3] * 17 : 0xff;

    } else {
        color->r = v[0] << 4 | v[1];
        color->g = v[2] << 4 | v[3];
        color->b = v[4] << 4 | v[5];
        color->a = digits == 8 ? (v[6] << 4 | v[7]) : 0xff;
    }

    return 0;
}


static const char *
ngx_http_overlay_json_type(json_t *value)
{
    switch (json_typeof(value)) {

    case JSON_OBJECT:
        return "an object";

    case JSON_ARRAY:
        return "an array";

    case JSON_STRING:
        return "a string";

    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";

    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";

    default:
        return "null";
    }
}
