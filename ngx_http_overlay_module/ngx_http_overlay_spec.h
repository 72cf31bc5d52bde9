
/*
 * ngx_http_overlay_module: the overlay spec (v1), parsed from JSON into a
 * plain struct that owns no library memory.
 *
 * Plain C, no nginx headers.
 *
 *   {"overlay": "TEXT"}                 one text layer, the defaults
 *   {"layers": [LAYER, ...]}            drawn in order
 *
 *   {"overlay": "TEXT", "from": I, "until": I}
 *
 *   text layer:  text, style, position, margin, size, color, background,
 *                font, direction, radius, opacity, from, until
 *   image layer: image, position, margin, scale, opacity, from, until
 *
 * from and until are RFC 3339 instants; a text may use {days}, {hours}
 * and {until} when its layer has an until ({{ and }} are braces).
 *
 * Anything unknown, of the wrong type or out of range makes the whole spec
 * invalid, with a message naming the field and the value.
 *
 * Every call is thread-safe: nothing is kept between calls, and jansson's
 * objects live only within a call.
 */


#ifndef _NGX_HTTP_OVERLAY_SPEC_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_SPEC_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_http_overlay_error.h"


#define NGX_HTTP_OVERLAY_LAYERS_LIMIT   16     /* overlay_max_layers' top */
#define NGX_HTTP_OVERLAY_TEXT_LIMIT     1024   /* overlay_max_text's top */

/* the defaults of overlay_max_layers and overlay_max_text */
#define NGX_HTTP_OVERLAY_LAYERS_DEFAULT 4
#define NGX_HTTP_OVERLAY_TEXT_DEFAULT   128


typedef enum {
    NGX_HTTP_OVERLAY_LAYER_TEXT = 0,
    NGX_HTTP_OVERLAY_LAYER_IMAGE
} ngx_http_overlay_layer_type_e;


typedef enum {
    NGX_HTTP_OVERLAY_STYLE_BADGE = 0,
    NGX_HTTP_OVERLAY_STYLE_RIBBON,
    NGX_HTTP_OVERLAY_STYLE_BANNER,
    NGX_HTTP_OVERLAY_STYLE_PLAIN
} ngx_http_overlay_style_e;


/* the paragraph direction of a text: auto follows its first strong letter */
typedef enum {
    NGX_HTTP_OVERLAY_DIRECTION_AUTO = 0,
    NGX_HTTP_OVERLAY_DIRECTION_LTR,
    NGX_HTTP_OVERLAY_DIRECTION_RTL
} ngx_http_overlay_direction_e;


/* row * 3 + column */
typedef enum {
    NGX_HTTP_OVERLAY_TOP_LEFT = 0,
    NGX_HTTP_OVERLAY_TOP,
    NGX_HTTP_OVERLAY_TOP_RIGHT,
    NGX_HTTP_OVERLAY_LEFT,
    NGX_HTTP_OVERLAY_CENTER,
    NGX_HTTP_OVERLAY_RIGHT,
    NGX_HTTP_OVERLAY_BOTTOM_LEFT,
    NGX_HTTP_OVERLAY_BOTTOM,
    NGX_HTTP_OVERLAY_BOTTOM_RIGHT
} ngx_http_overlay_position_e;


typedef struct {
    unsigned char                   r;
    unsigned char                   g;
    unsigned char                   b;
    unsigned char                   a;          /* 255: opaque */
} ngx_http_overlay_color_t;


typedef struct {
    ngx_http_overlay_layer_type_e   type;
    ngx_http_overlay_style_e        style;
    ngx_http_overlay_position_e     position;
    ngx_http_overlay_direction_e    direction;  /* text */
    double                          margin;     /* of the shorter side */
    double                          size;       /* text: of the shorter side */
    double                          scale;      /* image: of the width */
    double                          opacity;
    double                          radius;     /* badge: of its height */
    ngx_http_overlay_color_t        color;
    ngx_http_overlay_color_t        background;
    unsigned                        font;       /* index in conf->fonts */
    unsigned                        asset;      /* index in conf->assets */
    const char                     *text;       /* UTF-8, NUL-terminated */
    size_t                          len;
    /*
     * the licence window (ngx_http_overlay_window.h): drawn from "from"
     * to "until", seconds since the epoch, each given with an offset in
     * minutes; window says which are given and which placeholders the
     * text uses
     */
    int64_t                         from;
    int64_t                         until;
    int                             from_offset;
    int                             until_offset;
    unsigned                        window;
} ngx_http_overlay_layer_t;


typedef struct {
    ngx_http_overlay_layer_t        layers[NGX_HTTP_OVERLAY_LAYERS_LIMIT];
    unsigned                        nlayers;
} ngx_http_overlay_spec_t;


typedef struct {
    /* every field of a layer that the spec does not give */
    ngx_http_overlay_layer_t        defaults;
    unsigned                        max_layers;
    unsigned                        max_text;   /* characters */
    /* the names "font" and "image" may take; fonts[0] is "default" */
    const char *const              *fonts;
    unsigned                        nfonts;
    const char *const              *assets;
    unsigned                        nassets;
} ngx_http_overlay_spec_conf_t;


/* the built-in defaults: a red badge in the top-right corner */
void ngx_http_overlay_spec_conf_init(ngx_http_overlay_spec_conf_t *conf);

/*
 * Parses the JSON at json into spec.  The texts are copied back into the
 * json buffer, which must outlive spec.  NGX_HTTP_OVERLAY_BAD_JSON: not
 * JSON, or not an object; NGX_HTTP_OVERLAY_BAD_SPEC: not a valid spec.
 */
ngx_http_overlay_rc_e ngx_http_overlay_spec_parse(unsigned char *json,
    size_t len, const ngx_http_overlay_spec_conf_t *conf,
    ngx_http_overlay_spec_t *spec, ngx_http_overlay_error_t *err);

/* parsing of the enumerations and colours, shared with the configuration */
int ngx_http_overlay_style_parse(const char *s, size_t len);
int ngx_http_overlay_position_parse(const char *s, size_t len);
int ngx_http_overlay_color_parse(const char *s, size_t len,
    ngx_http_overlay_color_t *color);
int ngx_http_overlay_position_is_corner(ngx_http_overlay_position_e position);
const char *ngx_http_overlay_style_name(ngx_http_overlay_style_e style);
const char *ngx_http_overlay_position_name(
    ngx_http_overlay_position_e position);
const char *ngx_http_overlay_direction_name(
    ngx_http_overlay_direction_e direction);

/* the spec as normalized JSON (every field, defaults filled); free() it */
char *ngx_http_overlay_spec_dump(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_spec_conf_t *conf);


#endif /* _NGX_HTTP_OVERLAY_SPEC_H_INCLUDED_ */
