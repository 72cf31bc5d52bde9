
/*
 * ngx_http_overlay_module: the core pipeline, from a parameter value and an
 * image to the composited image.  The nginx glue, the CLI, the tests and
 * the fuzz targets all go through these calls.
 *
 * Plain C, no nginx headers.
 */


#ifndef _NGX_HTTP_OVERLAY_CORE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CORE_H_INCLUDED_


#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_param.h"
#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_render.h"
#include "ngx_http_overlay_codec.h"
#include "ngx_http_overlay_sign.h"


#define NGX_HTTP_OVERLAY_MAX_PIXELS  (50UL * 1000 * 1000)


typedef struct {
    size_t                          max_param;  /* decoded JSON bytes */
    /* with keys, values must be signed (ngx_http_overlay_sign.h) */
    const ngx_http_overlay_key_t   *keys;
    unsigned                        nkeys;
    ngx_http_overlay_spec_conf_t    spec;
    ngx_http_overlay_render_conf_t  render;
    ngx_http_overlay_codec_conf_t   codec;
} ngx_http_overlay_options_t;


/* the built-in defaults, with the default font */
void ngx_http_overlay_options_init(ngx_http_overlay_options_t *opts);

/* what a signature covers and is: the request's path, the signature */
typedef struct {
    const unsigned char            *uri;
    size_t                          uri_len;
    const unsigned char            *sig;
    size_t                          sig_len;
} ngx_http_overlay_signed_t;


/*
 * The parameter's value, as it came in the request, to a spec.  The len
 * bytes at buf are decoded in place, and the spec's texts point into buf.
 * *repairs tells which legacy forms were repaired.  With opts->keys, the
 * decoded JSON must be signed (in sig) before it is parsed.
 */
ngx_http_overlay_rc_e ngx_http_overlay_parse_value(unsigned char *buf,
    size_t len, const ngx_http_overlay_options_t *opts,
    const ngx_http_overlay_signed_t *sig, ngx_http_overlay_spec_t *spec,
    unsigned *repairs, ngx_http_overlay_error_t *err);

/* drops this thread's cache of rendered overlays (at exit) */
void ngx_http_overlay_tiles_flush(void);

/* how often this thread's cache had the overlay, and how often not */
void ngx_http_overlay_tiles_count(unsigned long *hits,
    unsigned long *misses);

/* the spec drawn on the image in, encoded as out (info: what in was) */
ngx_http_overlay_rc_e ngx_http_overlay_composite(const unsigned char *in,
    size_t len, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CORE_H_INCLUDED_ */
