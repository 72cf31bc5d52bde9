
/*
 * ngx_http_overlay_module: the overlay spec, parsed from JSON into a plain
 * struct that owns no library memory.
 *
 * Plain C, no nginx headers.
 */


#ifndef _NGX_HTTP_OVERLAY_SPEC_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_SPEC_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_overlay_error.h"


#define NGX_HTTP_OVERLAY_TEXT_MAX    128    /* characters of one text */
#define NGX_HTTP_OVERLAY_LAYERS_MAX  4


typedef struct {
    /* UTF-8, NUL-terminated; at most NGX_HTTP_OVERLAY_TEXT_MAX characters */
    char      text[NGX_HTTP_OVERLAY_TEXT_MAX * 4 + 1];
    size_t    len;
} ngx_http_overlay_layer_t;


typedef struct {
    ngx_http_overlay_layer_t  layers[NGX_HTTP_OVERLAY_LAYERS_MAX];
    unsigned                  nlayers;
} ngx_http_overlay_spec_t;


/*
 * Parses JSON into spec.  Accepted now: {"overlay": "TEXT"}, one text layer
 * drawn as a badge in the top-right corner.  Anything else is refused with
 * NGX_HTTP_OVERLAY_BAD_JSON (not JSON, not an object) or
 * NGX_HTTP_OVERLAY_BAD_SPEC (naming the key or value at fault).
 */
ngx_http_overlay_rc_e ngx_http_overlay_spec_parse(const unsigned char *json,
    size_t len, ngx_http_overlay_spec_t *spec, ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_SPEC_H_INCLUDED_ */
