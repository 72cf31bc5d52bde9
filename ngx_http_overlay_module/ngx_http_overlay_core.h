
/*
 * ngx_http_overlay_module: the core pipeline, from a parameter value and an
 * image to the composited image.  The nginx glue, the CLI, the tests and
 * the fuzz targets all go through these calls.
 *
 * Plain C, no nginx headers, no libgd header.
 *
 * Threads: ngx_http_overlay_core_init() once per process, before any
 * other call; then options are built and checked at configuration time in
 * one thread, and parse and composite may run in any number of threads at
 * once on shared, read-only options (each thread keeps its own cache of
 * overlay tiles, and its own libgd message buffer).
 */


#ifndef _NGX_HTTP_OVERLAY_CORE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CORE_H_INCLUDED_


#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_param.h"
#include "ngx_http_overlay_spec.h"
#include "ngx_http_overlay_window.h"
#include "ngx_http_overlay_render.h"
#include "ngx_http_overlay_codec.h"
#include "ngx_http_overlay_sign.h"


/* the defaults of overlay_max_pixels and overlay_webp_method */
#define NGX_HTTP_OVERLAY_MAX_PIXELS     (50UL * 1000 * 1000)
#define NGX_HTTP_OVERLAY_WEBP_METHOD    4
#define NGX_HTTP_OVERLAY_WEBP_LOSSLESS_METHOD  0


/* the fonts and assets named by ngx_http_overlay_options_add_*() */
typedef struct {
    const char                    **font_names;
    const char                    **font_paths;
    unsigned                        font_room;
    const char                    **asset_names;
    ngx_http_overlay_asset_t      **assets;
    unsigned                        asset_room;
} ngx_http_overlay_names_t;


typedef struct {
    size_t                          max_param;  /* decoded JSON bytes */
    /* with keys, values must be signed (ngx_http_overlay_sign.h) */
    const ngx_http_overlay_key_t   *keys;
    unsigned                        nkeys;
    ngx_http_overlay_spec_conf_t    spec;
    ngx_http_overlay_render_conf_t  render;
    ngx_http_overlay_codec_conf_t   codec;
    ngx_http_overlay_names_t        names;      /* owned, see _free() */
} ngx_http_overlay_options_t;


/* what a signature covers and is: the request's path, the signature */
typedef struct {
    const unsigned char            *uri;
    size_t                          uri_len;
    const unsigned char            *sig;
    size_t                          sig_len;
} ngx_http_overlay_signed_t;


/*
 * Once per process, before any other call: libgd's messages and font
 * cache (ngx_http_overlay_render_init()).  Not thread-safe.
 */
void ngx_http_overlay_core_init(void);

/*
 * Drops every thread's tile cache and FreeType faces (of threads gone or
 * not), then libgd's font cache; call it when no other thread draws (at
 * exit, or when a configuration is dropped), and
 * ngx_http_overlay_core_init() before drawing again.
 */
void ngx_http_overlay_core_shutdown(void);

/*
 * The built-in defaults, in one place: the spec's (ngx_http_overlay_spec.h)
 * with the default font, the codecs', the limits'.  What the module's
 * directives leave unset takes these values.
 */
void ngx_http_overlay_options_init(ngx_http_overlay_options_t *opts);

/*
 * Names a font for the spec's "font": "default" replaces the built-in
 * default font's path, any other name is added.  path is a fallback chain:
 * one path, or up to NGX_HTTP_OVERLAY_CHAIN_MAX joined by ";" (first
 * first; a path has no ";"); each cluster of a text is drawn with the
 * first font of the chain that has its glyphs, a text with a character
 * none has is refused as bad_spec ("U+0915 is in no font of \"default\"").
 * The strings are the caller's and must outlive opts.  Returns
 * NGX_HTTP_OVERLAY_NO_MEMORY when the table cannot grow; release it with
 * ngx_http_overlay_options_free().  Checks neither the name nor the font
 * (ngx_http_overlay_font_check()).
 */
ngx_http_overlay_rc_e ngx_http_overlay_options_add_font(
    ngx_http_overlay_options_t *opts, const char *name, const char *path);

/*
 * Names a decoded image for the spec's "image"; as above.  The asset
 * stays the caller's: ngx_http_overlay_options_free() does not free it.
 */
ngx_http_overlay_rc_e ngx_http_overlay_options_add_asset(
    ngx_http_overlay_options_t *opts, const char *name,
    ngx_http_overlay_asset_t *asset);

/* releases the tables of names; opts holds the built-in defaults again */
void ngx_http_overlay_options_free(ngx_http_overlay_options_t *opts);

/*
 * The parameter's value, as it came in the request, to a spec.  The len
 * bytes at buf are decoded in place, and the spec's texts point into buf.
 * *repairs tells which legacy forms were repaired.  With opts->keys, the
 * decoded JSON must be signed (in sig) before it is parsed.  Allocates
 * nothing that outlives the call.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_parse_value(unsigned char *buf,
    size_t len, const ngx_http_overlay_options_t *opts,
    const ngx_http_overlay_signed_t *sig, ngx_http_overlay_spec_t *spec,
    unsigned *repairs, ngx_http_overlay_error_t *err);

/*
 * The spec drawn on the image of len bytes at in, encoded in the same
 * format as *out (info: what in was, filled as soon as the headers are
 * read, also on failure), out->method the path the codec took
 * ($overlay_method, ngx_http_overlay_method_name()).  On success release
 * out with ngx_http_overlay_codec_free(); on failure nothing is held,
 * out->method is NGX_HTTP_OVERLAY_METHOD_NONE and err says why.
 * Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_composite(const unsigned char *in,
    size_t len, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);

/* drops the calling thread's cache of rendered overlays */
void ngx_http_overlay_tiles_flush(void);


/* how many threads' caches there are, of threads gone or not */
unsigned ngx_http_overlay_tiles_caches(void);

/* how often the calling thread's cache had the overlay, and how often not */
void ngx_http_overlay_tiles_count(unsigned long *hits,
    unsigned long *misses);


#endif /* _NGX_HTTP_OVERLAY_CORE_H_INCLUDED_ */
