
/*
 * ngx_http_overlay_module: what the files of the nginx glue share, and
 * nothing else: the configurations, the request's context, the phases of
 * the body filter, and the calls one glue file makes into another.
 * Private to the glue (ngx_http_overlay_*.c of the list in "config" that
 * include nginx's headers); the core (ngx_http_overlay_core.h) knows
 * nothing of it.
 *
 * Every call here runs in nginx's main thread (reading the configuration,
 * or a worker's event loop), never in a thread of overlay_thread_pool,
 * unless it says otherwise.
 */


#ifndef _NGX_HTTP_OVERLAY_MODULE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_core.h"


/* ctx->phase: what the filters do with the response */
#define NGX_HTTP_OVERLAY_PASS          0    /* it goes on as it comes */
#define NGX_HTTP_OVERLAY_DRAW          1    /* decided: to be drawn on */
#define NGX_HTTP_OVERLAY_READ          2    /* the body is being read */
#define NGX_HTTP_OVERLAY_RENDER        3    /* in a thread pool */

/* ctx->status: $overlay_status, and the counter it goes to */
#define NGX_HTTP_OVERLAY_NONE          0
#define NGX_HTTP_OVERLAY_APPLIED       1
#define NGX_HTTP_OVERLAY_PASSED        2
#define NGX_HTTP_OVERLAY_REJECTED      3
#define NGX_HTTP_OVERLAY_EXPIRED       4    /* no layer is drawn any more */
#define NGX_HTTP_OVERLAY_PENDING       5    /* no layer is drawn yet */

/* r->buffered: SSI 0x01, sub 0x02, copy 0x04 (ngx_http_request.h) */
#define NGX_HTTP_OVERLAY_BUFFERED      0x08

/* fractions are kept in millionths until merged */
#define NGX_HTTP_OVERLAY_MILLION       1000000


typedef struct {
    ngx_flag_t                  default_font_checked;
    ngx_flag_t                  used;           /* an "overlay" is set */
    size_t                      heap_keep;
} ngx_http_overlay_main_conf_t;


typedef struct {
    ngx_http_complex_value_t   *value;
    ngx_hash_t                  types;          /* overlay_types */
    ngx_array_t                *types_keys;
    size_t                      buffer_size;
    size_t                      max_param;
    ngx_int_t                   jpeg_quality;
    ngx_int_t                   webp_quality;
    ngx_int_t                   webp_method;
    ngx_int_t                   webp_lossless_method;
    ngx_flag_t                  png_reduce;
    ngx_uint_t                  max_layers;
    ngx_uint_t                  max_concurrent;
    ngx_uint_t                  max_pixels;
    ngx_uint_t                  max_side;
    ngx_uint_t                  max_text;
    ngx_int_t                   on_error;       /* 0: pass, or a status */
    ngx_flag_t                  subrequests;
    ngx_uint_t                  log_level;
#if (NGX_THREADS)
    ngx_thread_pool_t          *thread_pool;
#endif

    ngx_array_t                *keys;           /* ngx_http_overlay_key_t */
    ngx_http_complex_value_t   *signature;
    ngx_array_t                *fonts;          /* ngx_http_overlay_named_t */
    ngx_uint_t                  named_fonts;    /* but "default" */
    ngx_array_t                *assets;         /* ngx_http_overlay_named_t */

    ngx_int_t                   default_style;
    ngx_int_t                   default_position;
    ngx_int_t                   default_margin;     /* millionths */
    ngx_int_t                   default_size;
    ngx_int_t                   default_scale;
    ngx_int_t                   default_opacity;
    ngx_int_t                   default_radius;
    ngx_http_overlay_color_t    default_color;
    ngx_int_t                   default_color_set;
    ngx_http_overlay_color_t    default_background;
    ngx_int_t                   default_background_set;
    ngx_str_t                   default_font;

    /* what the core sees, made from the above when merged */
    ngx_http_overlay_options_t  opts;
} ngx_http_overlay_conf_t;


typedef struct {
    u_char                     *image;
    u_char                     *last;
    size_t                      size;           /* allocated at image */
    ngx_uint_t                  phase;
    ngx_uint_t                  status;         /* NGX_HTTP_OVERLAY_APPLIED */
    ngx_http_overlay_rc_e       error;
    ngx_str_t                   etag;           /* the overlaid one */
    ngx_str_t                   orig_etag;      /* the original's, if any */
    ngx_msec_int_t              usec;           /* decoding to encoding */
    ngx_http_overlay_method_e   method;         /* the codec's path, if
                                                   applied */
    unsigned                    etag_set:1;     /* ours in the headers */
    unsigned                    header:1;       /* seen by the 2nd filter */
    unsigned                    detected:1;
    unsigned                    last_buf:1;
    ngx_http_overlay_blob_t    *blob;           /* the output, in a cleanup */
    time_t                      next_change;    /* 0: the drawing is for
                                                   good, else when it
                                                   changes */
    ngx_http_overlay_spec_t     spec;
} ngx_http_overlay_ctx_t;


/* the cmd->post of ngx_http_overlay_set_fraction() */
typedef struct {
    ngx_int_t                   min;            /* millionths */
    ngx_int_t                   max;
} ngx_http_overlay_fraction_bounds_t;


/* the cmd->post of ngx_http_overlay_set_enum() */
typedef struct {
    int                       (*parse)(const char *s, size_t len);
    const char                 *names;
} ngx_http_overlay_enum_t;


extern ngx_module_t  ngx_http_overlay_module;

/* the header filter before not_modified's (ngx_http_overlay_filter.c) */
extern ngx_module_t  ngx_http_overlay_etag_filter_module;
extern ngx_module_t  ngx_http_overlay_expires_filter_module;


/*
 * ngx_http_overlay_filter.c
 */

/*
 * Puts the header and body filters at the top of nginx's chains; called
 * once from the postconfiguration handler.  NGX_OK.
 */
ngx_int_t ngx_http_overlay_filter_init(ngx_conf_t *cf);

/*
 * The composite is done, inline or in a thread: rc, info and err are its
 * result, ctx->blob its output.  Sends the overlaid response, or fails
 * open as overlay_on_error says.  Returns what the filter chain returned
 * (NGX_ERROR when the request is to be finalized with an error).
 */
ngx_int_t ngx_http_overlay_finish(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_rc_e rc,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err);

/* a monotonic clock in microseconds; thread-safe */
ngx_msec_int_t ngx_http_overlay_usec(void);


#if (NGX_THREADS)

/*
 * ngx_http_overlay_thread.c
 */

/*
 * Posts the composite of ctx's body to conf->thread_pool and blocks the
 * request until ngx_http_overlay_finish() runs from the task's event.
 * ctx->image, ctx->spec, conf->opts and ctx->blob must stay as they are
 * meanwhile.  NGX_OK, or NGX_ERROR (no memory, or the pool's queue full).
 */
ngx_int_t ngx_http_overlay_thread_post(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_conf_t *conf);

#endif


/*
 * ngx_http_overlay_etag.c
 */

/*
 * Makes the overlaid response's ETag into ctx->etag (from r->pool): weak,
 * of the original's validator and a hash of ctx->spec.  NGX_OK;
 * NGX_DECLINED when the original has no validator (ctx->etag stays
 * empty); NGX_ERROR without memory.
 */
ngx_int_t ngx_http_overlay_etag(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);

/*
 * Puts ctx->etag in the response's headers in place of the original's
 * ETag, which is kept in ctx; nothing when ctx->etag is empty.  NGX_OK,
 * NGX_ERROR.
 */
ngx_int_t ngx_http_overlay_set_etag(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);

/*
 * Puts the original's ETag back (or none, if it had none) where
 * ngx_http_overlay_set_etag() put the overlay's: the original goes out.
 */
void ngx_http_overlay_restore_etag(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);


/*
 * ngx_http_overlay_expires.c
 */

/*
 * ctx->spec as drawn now (nginx's cached time): the layers whose window
 * holds now, their countdowns filled in (texts from r->pool), and
 * ctx->next_change.  NGX_OK; NGX_DECLINED when no layer is left (the
 * original is to go on: $overlay_status expired or pending, counted,
 * logged at info); NGX_ERROR without memory.
 */
ngx_int_t ngx_http_overlay_window(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);


/*
 * ngx_http_overlay_stats.c
 */

/*
 * Adds the response, of outcome ctx->status and reason ctx->error, to the
 * counters of overlay_stats: for an applied one, info's format and the
 * bytes in and out; and ctx->usec to the render times.  Does nothing
 * before the shared zone exists.
 */
void ngx_http_overlay_count(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_image_info_t *info,
    size_t in, size_t out);

/*
 * Adds the shared zone of the counters, kept on reload; called once from
 * the postconfiguration handler.  NGX_OK, NGX_ERROR.
 */
ngx_int_t ngx_http_overlay_stats_init(ngx_conf_t *cf);

/*
 * The gauge of the responses held (overlay_max_concurrent's count, summed
 * over the workers): n (1 or -1) added to this worker's.  Nothing before
 * ngx_http_overlay_stats_init_process().
 */
void ngx_http_overlay_stats_held(ngx_int_t n);

/* a worker takes its place in the gauge, and leaves it on exit */
void ngx_http_overlay_stats_init_process(ngx_cycle_t *cycle);
void ngx_http_overlay_stats_exit_process(ngx_cycle_t *cycle);


/*
 * ngx_http_overlay_variables.c
 */

/* adds $overlay_status, $overlay_error and $overlay_time (preconfiguration) */
ngx_int_t ngx_http_overlay_add_variables(ngx_conf_t *cf);


/*
 * ngx_http_overlay_assets.c
 */

/*
 * Empties libgd's font cache for a new configuration, so that fonts are
 * checked anew, and arranges for it to be freed with cf->cycle's pool.
 * Called once per configuration, when the main conf is created.  NGX_OK,
 * NGX_ERROR without memory.
 */
ngx_int_t ngx_http_overlay_font_cache_init(ngx_conf_t *cf);

/*
 * Gives conf->opts the names and paths of the fonts ("default" first) and
 * the names and images of the assets of conf->fonts and conf->assets, in
 * arrays from cf->pool; checks the built-in default font where it is used.
 * NGX_CONF_OK, or NGX_CONF_ERROR (logged).
 */
char *ngx_http_overlay_merge_names(ngx_conf_t *cf,
    ngx_http_overlay_conf_t *conf);


/*
 * Directive handlers, ngx_command_t's set: each reads its directive's
 * arguments into conf and returns NGX_CONF_OK, or NGX_CONF_ERROR (logged)
 * or a message for nginx to log on a bad value.
 */

/* ngx_http_overlay_assets.c: overlay_font, overlay_asset (read, decoded) */
char *ngx_http_overlay_font(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_overlay_asset(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* ngx_http_overlay_stats.c */
char *ngx_http_overlay_stats(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* ngx_http_overlay_directive.c */
char *ngx_http_overlay(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_overlay_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_overlay_webp_method(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_overlay_quality(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_overlay_on_error(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_overlay_log_level(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_overlay_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* an enum of the core by its names: cmd->post, an ngx_http_overlay_enum_t */
char *ngx_http_overlay_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* a count with an optional "k" or "m", 1 to 1000m, as an ngx_uint_t */
char *ngx_http_overlay_set_count(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * a decimal fraction in millionths, as an ngx_int_t: cmd->post, an
 * ngx_http_overlay_fraction_bounds_t
 */
char *ngx_http_overlay_set_fraction(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* a colour at cmd->offset, its "set" flag at the offset cmd->post */
char *ngx_http_overlay_set_color(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * the post handler of an ngx_conf_num_bounds_t: its message names the
 * directive, both bounds and the value
 */
char *ngx_http_overlay_check_bounds(ngx_conf_t *cf, void *post, void *data);


#endif /* _NGX_HTTP_OVERLAY_MODULE_H_INCLUDED_ */
