
/*
 * ngx_http_overlay_module: composites overlays described by a request
 * parameter onto image responses.
 *
 * This file is the nginx glue only: directives, the header and body
 * filters, and the hand-over of a byte range to the core
 * (ngx_http_overlay_core.h), whose result becomes the response.  Anything
 * that goes wrong with the parameter or the image fails open: the original
 * response goes out unchanged, and one line says why.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_core.h"

#if (NGX_LINUX) && defined(__GLIBC__)
#include <malloc.h>
#endif

#if (NGX_THREADS) && (NGX_LINUX)
#include <sys/resource.h>
#include <sys/syscall.h>
#endif


#define NGX_HTTP_OVERLAY_READ          1
#define NGX_HTTP_OVERLAY_PASS          2
#define NGX_HTTP_OVERLAY_DONE          3
#define NGX_HTTP_OVERLAY_RENDER        4    /* in a thread pool */

#define NGX_HTTP_OVERLAY_NONE          0
#define NGX_HTTP_OVERLAY_APPLIED       1
#define NGX_HTTP_OVERLAY_PASSED        2
#define NGX_HTTP_OVERLAY_REJECTED      3

/* r->buffered: SSI 0x01, sub 0x02, copy 0x04 (ngx_http_request.h) */
#define NGX_HTTP_OVERLAY_BUFFERED      0x08

#define NGX_HTTP_OVERLAY_FIRST_ALLOC   (64 * 1024)
#define NGX_HTTP_OVERLAY_FONTS_MAX     6
#define NGX_HTTP_OVERLAY_ASSET_MAX     (16 * 1024 * 1024)
#define NGX_HTTP_OVERLAY_HEAP_KEEP     (128 * 1024 * 1024)
#define NGX_HTTP_OVERLAY_THREAD_NICE   10

/* the counters of overlay_stats, in a zone shared by workers and reloads */
#define NGX_HTTP_OVERLAY_STATS_ZONE    "ngx_http_overlay_stats"
#define NGX_HTTP_OVERLAY_REASONS       16
#define NGX_HTTP_OVERLAY_FORMATS       5
#define NGX_HTTP_OVERLAY_BUCKETS       12

/* fractions are kept in millionths until merged */
#define NGX_HTTP_OVERLAY_MILLION       1000000


typedef struct {
    ngx_flag_t                  default_font_checked;
    ngx_flag_t                  used;           /* an "overlay" is set */
    size_t                      heap_keep;
} ngx_http_overlay_main_conf_t;


typedef struct {
    ngx_atomic_t                applied[NGX_HTTP_OVERLAY_FORMATS];
    ngx_atomic_t                passed[NGX_HTTP_OVERLAY_REASONS];
    ngx_atomic_t                rejected[NGX_HTTP_OVERLAY_REASONS];
    ngx_atomic_t                bytes_in;
    ngx_atomic_t                bytes_out;
    ngx_atomic_t                render_usec;
    ngx_atomic_t                render_count;
    ngx_atomic_t                render_buckets[NGX_HTTP_OVERLAY_BUCKETS];
} ngx_http_overlay_stats_t;


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   path;
    gdImagePtr                  image;          /* assets */
} ngx_http_overlay_named_t;


typedef struct {
    ngx_http_complex_value_t   *value;
    size_t                      buffer_size;
    size_t                      max_param;
    ngx_int_t                   jpeg_quality;
    ngx_int_t                   webp_quality;
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
    ngx_msec_int_t              usec;           /* decoding to encoding */
    ngx_table_elt_t            *if_none_match;
    ngx_table_elt_t            *if_modified_since;
    unsigned                    started:1;      /* by the header filter */
    unsigned                    detected:1;
    unsigned                    last_buf:1;
    ngx_http_overlay_blob_t    *blob;           /* the output, in a cleanup */
    ngx_http_overlay_spec_t     spec;
} ngx_http_overlay_ctx_t;


#if (NGX_THREADS)

/* a render in a thread: what it reads, and what it gives back */

typedef struct {
    ngx_http_overlay_ctx_t             *ctx;
    const ngx_http_overlay_options_t   *opts;
    ngx_http_overlay_rc_e               rc;
    ngx_msec_int_t                      usec;
    ngx_http_overlay_image_info_t       info;
    ngx_http_overlay_error_t            err;
} ngx_http_overlay_thread_ctx_t;

#endif


typedef struct {
    ngx_int_t                   min;            /* millionths */
    ngx_int_t                   max;
} ngx_http_overlay_fraction_bounds_t;


typedef struct {
    int                       (*parse)(const char *s, size_t len);
    const char                 *names;
} ngx_http_overlay_enum_t;


static ngx_int_t ngx_http_overlay_header_filter(ngx_http_request_t *r);
static void ngx_http_overlay_count(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_image_info_t *info,
    size_t in, size_t out);
static ngx_int_t ngx_http_overlay_stats_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_overlay_not_modified(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);
static ngx_int_t ngx_http_overlay_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_overlay_etag(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);
static ngx_int_t ngx_http_overlay_set_etag(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);
static ngx_int_t ngx_http_overlay_etag_matches(ngx_table_elt_t *h,
    ngx_str_t *etag);
static ngx_int_t ngx_http_overlay_fail(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_error_t *err,
    ngx_chain_t *rest);
static ngx_int_t ngx_http_overlay_read(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_chain_t *in, ngx_chain_t **rest,
    ngx_http_overlay_error_t *err);
static ngx_int_t ngx_http_overlay_grow(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, size_t need, size_t limit);
static ngx_int_t ngx_http_overlay_process(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);
static ngx_int_t ngx_http_overlay_finish(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_rc_e rc,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_error_t *err);
#if (NGX_THREADS)
static ngx_int_t ngx_http_overlay_thread_post(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_conf_t *conf);
static void ngx_http_overlay_thread_handler(void *data, ngx_log_t *log);
static void ngx_http_overlay_thread_event_handler(ngx_event_t *ev);
#endif
static ngx_int_t ngx_http_overlay_pass(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_chain_t *rest);
static ngx_int_t ngx_http_overlay_send(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, u_char *data, size_t len);
static void ngx_http_overlay_blob_cleanup(void *data);
static void ngx_http_overlay_in_flight_cleanup(void *data);
static ngx_int_t ngx_http_overlay_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_overlay_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_overlay_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_msec_int_t ngx_http_overlay_usec(void);

static ngx_int_t ngx_http_overlay_add_variables(ngx_conf_t *cf);
static void *ngx_http_overlay_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_overlay_create_conf(ngx_conf_t *cf);
static char *ngx_http_overlay_merge_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_overlay_merge_names(ngx_conf_t *cf,
    ngx_http_overlay_conf_t *conf);
static char *ngx_http_overlay_merge_defaults(ngx_conf_t *cf,
    ngx_http_overlay_conf_t *prev, ngx_http_overlay_conf_t *conf);
static char *ngx_http_overlay(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_font(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_asset(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_overlay_parse(ngx_http_request_t *r,
    ngx_http_overlay_conf_t *conf, ngx_http_overlay_ctx_t *ctx,
    ngx_str_t *value, unsigned *repairs, ngx_http_overlay_error_t *err,
    ngx_http_overlay_rc_e *rc);
static ngx_int_t ngx_http_overlay_signed(ngx_http_request_t *r,
    ngx_http_overlay_conf_t *conf, ngx_http_overlay_signed_t *req);
static ngx_http_overlay_named_t *ngx_http_overlay_add_name(ngx_conf_t *cf,
    ngx_array_t **names, ngx_str_t *name);
static char *ngx_http_overlay_check_font(ngx_conf_t *cf, ngx_str_t *path);
static char *ngx_http_overlay_read_asset(ngx_conf_t *cf,
    ngx_http_overlay_named_t *asset);
static void ngx_http_overlay_asset_cleanup(void *data);
static char *ngx_http_overlay_jpeg_quality(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_overlay_on_error(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_log_level(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_thread_pool(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_overlay_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_set_count(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_set_fraction(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_overlay_set_color(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_check_bounds(ngx_conf_t *cf, void *post,
    void *data);
static ngx_int_t ngx_http_overlay_conditionals(ngx_http_request_t *r);
static char *ngx_http_overlay_stats(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_overlay_init_stats_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_overlay_init_process(ngx_cycle_t *cycle);
static void ngx_http_overlay_font_cleanup(void *data);
static void ngx_http_overlay_exit(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_overlay_init(ngx_conf_t *cf);


/* for overlay_webp_quality too */
static ngx_conf_num_bounds_t  ngx_http_overlay_jpeg_quality_bounds = {
    ngx_http_overlay_check_bounds, 1, 100
};

static ngx_conf_num_bounds_t  ngx_http_overlay_max_layers_bounds = {
    ngx_http_overlay_check_bounds, 1, NGX_HTTP_OVERLAY_LAYERS_LIMIT
};

static ngx_conf_num_bounds_t  ngx_http_overlay_max_concurrent_bounds = {
    ngx_http_overlay_check_bounds, 1, 65535
};

static ngx_conf_num_bounds_t  ngx_http_overlay_max_side_bounds = {
    ngx_http_overlay_check_bounds, 1, 65535
};

static ngx_conf_num_bounds_t  ngx_http_overlay_max_text_bounds = {
    ngx_http_overlay_check_bounds, 1, NGX_HTTP_OVERLAY_TEXT_LIMIT
};

/* the ranges the spec itself allows (ngx_http_overlay_spec.c); radius's is
 * margin's */

static ngx_http_overlay_enum_t  ngx_http_overlay_styles = {
    ngx_http_overlay_style_parse,
    "badge, ribbon, banner and plain"
};

static ngx_http_overlay_enum_t  ngx_http_overlay_positions = {
    ngx_http_overlay_position_parse,
    "top-left, top, top-right, left, center, right, bottom-left, bottom "
    "and bottom-right"
};

static ngx_http_overlay_fraction_bounds_t  ngx_http_overlay_margin_bounds = {
    0, 500000
};

static ngx_http_overlay_fraction_bounds_t  ngx_http_overlay_size_bounds = {
    10000, 500000
};

static ngx_http_overlay_fraction_bounds_t  ngx_http_overlay_scale_bounds = {
    10000, 1000000
};

static ngx_http_overlay_fraction_bounds_t  ngx_http_overlay_opacity_bounds = {
    0, 1000000
};


static ngx_str_t  ngx_http_overlay_statuses[] = {
    ngx_string("none"),
    ngx_string("applied"),
    ngx_string("passed"),
    ngx_string("rejected")
};


static ngx_str_t  ngx_http_overlay_log_levels[] = {
    ngx_string("debug"),        /* unused: index 0 is NGX_LOG_STDERR */
    ngx_string("emerg"),
    ngx_string("alert"),
    ngx_string("crit"),
    ngx_string("error"),
    ngx_string("warn"),
    ngx_string("notice"),
    ngx_string("info"),
    ngx_null_string
};


#define NGX_HTTP_OVERLAY_LOC                                                  \
    NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF


static ngx_command_t  ngx_http_overlay_commands[] = {

    { ngx_string("overlay"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_font"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE12,
      ngx_http_overlay_font,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_asset"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE2,
      ngx_http_overlay_asset,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_secret_file"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_signature"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, signature),
      NULL },

    { ngx_string("overlay_buffer"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, buffer_size),
      NULL },

    { ngx_string("overlay_jpeg_quality"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_jpeg_quality,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, jpeg_quality),
      &ngx_http_overlay_jpeg_quality_bounds },

    { ngx_string("overlay_webp_quality"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, webp_quality),
      &ngx_http_overlay_jpeg_quality_bounds },

    { ngx_string("overlay_max_concurrent"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, max_concurrent),
      &ngx_http_overlay_max_concurrent_bounds },

    { ngx_string("overlay_max_pixels"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_count,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, max_pixels),
      NULL },

    { ngx_string("overlay_max_side"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, max_side),
      &ngx_http_overlay_max_side_bounds },

    { ngx_string("overlay_max_param_size"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, max_param),
      NULL },

    { ngx_string("overlay_max_layers"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, max_layers),
      &ngx_http_overlay_max_layers_bounds },

    { ngx_string("overlay_max_text"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, max_text),
      &ngx_http_overlay_max_text_bounds },

    { ngx_string("overlay_on_error"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_on_error,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_log_level"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_log_level,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_subrequests"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, subrequests),
      NULL },

    { ngx_string("overlay_thread_pool"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_thread_pool,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_heap_keep"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_overlay_main_conf_t, heap_keep),
      NULL },

    { ngx_string("overlay_stats"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_overlay_stats,
      0,
      0,
      NULL },

    { ngx_string("overlay_default_style"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_style),
      &ngx_http_overlay_styles },

    { ngx_string("overlay_default_position"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_position),
      &ngx_http_overlay_positions },

    { ngx_string("overlay_default_margin"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_fraction,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_margin),
      &ngx_http_overlay_margin_bounds },

    { ngx_string("overlay_default_size"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_fraction,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_size),
      &ngx_http_overlay_size_bounds },

    { ngx_string("overlay_default_scale"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_fraction,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_scale),
      &ngx_http_overlay_scale_bounds },

    { ngx_string("overlay_default_opacity"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_fraction,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_opacity),
      &ngx_http_overlay_opacity_bounds },

    { ngx_string("overlay_default_radius"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_fraction,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_radius),
      &ngx_http_overlay_margin_bounds },

    { ngx_string("overlay_default_color"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_color,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_color),
      (void *) offsetof(ngx_http_overlay_conf_t, default_color_set) },

    { ngx_string("overlay_default_background"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_set_color,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_background),
      (void *) offsetof(ngx_http_overlay_conf_t, default_background_set) },

    { ngx_string("overlay_default_font"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, default_font),
      NULL },

      ngx_null_command
};


static ngx_http_variable_t  ngx_http_overlay_vars[] = {

    { ngx_string("overlay_status"), NULL,
      ngx_http_overlay_status_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("overlay_error"), NULL,
      ngx_http_overlay_error_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("overlay_time"), NULL,
      ngx_http_overlay_time_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_http_module_t  ngx_http_overlay_module_ctx = {
    ngx_http_overlay_add_variables,        /* preconfiguration */
    ngx_http_overlay_init,                 /* postconfiguration */

    ngx_http_overlay_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_overlay_create_conf,          /* create location configuration */
    ngx_http_overlay_merge_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_overlay_module = {
    NGX_MODULE_V1,
    &ngx_http_overlay_module_ctx,          /* module context */
    ngx_http_overlay_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_overlay_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_overlay_exit,                 /* exit process */
    ngx_http_overlay_exit,                 /* exit master */
    NGX_MODULE_V1_PADDING
};


/* the responses this worker holds to draw on: overlay_max_concurrent */
static ngx_uint_t                 ngx_http_overlay_in_flight;

static ngx_http_overlay_stats_t  *ngx_http_overlay_stats_counters;
static ngx_shm_zone_t            *ngx_http_overlay_stats_zone;

/* the cycle whose configuration set up libgd's font cache */
static ngx_cycle_t               *ngx_http_overlay_font_cycle;

static ngx_msec_int_t  ngx_http_overlay_buckets[NGX_HTTP_OVERLAY_BUCKETS] = {
    1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, -1
};

static const char  *ngx_http_overlay_bucket_names[NGX_HTTP_OVERLAY_BUCKETS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
    "0.5", "1", "2.5", "+Inf"
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


static ngx_int_t
ngx_http_overlay_header_filter(ngx_http_request_t *r)
{
    char                      repaired[128];
    unsigned                  repairs;
    ngx_str_t                 value;
    ngx_pool_cleanup_t       *cln;
    ngx_http_overlay_rc_e     parsed;
    ngx_http_overlay_ctx_t   *ctx;
    ngx_http_overlay_conf_t  *conf;
    ngx_http_overlay_error_t  err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx != NULL && ctx->started) {
        /* an error page, ours or another's, replaces the response */
        ctx->phase = NGX_HTTP_OVERLAY_PASS;
        r->buffered &= ~NGX_HTTP_OVERLAY_BUFFERED;
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.status != NGX_HTTP_OK
        && r->headers_out.status != NGX_HTTP_NOT_MODIFIED)
    {
        return ngx_http_next_header_filter(r);
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    if (conf->value == NULL || (r != r->main && !conf->subrequests)) {
        return ngx_http_next_header_filter(r);
    }

    if (ngx_http_complex_value(r, conf->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        return ngx_http_next_header_filter(r);
    }

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_overlay_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_overlay_module);
    }

    ctx->started = 1;

    if (r->headers_out.status == NGX_HTTP_NOT_MODIFIED) {

        /*
         * not modified by the original's validators (If-Modified-Since):
         * the 304 carries the overlaid ETag, if the value is a spec
         */

        ctx->phase = NGX_HTTP_OVERLAY_PASS;

        if (ngx_http_overlay_parse(r, conf, ctx, &value, &repairs, &err,
                                   &parsed)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (parsed == NGX_HTTP_OVERLAY_OK
            && (ngx_http_overlay_etag(r, ctx) == NGX_ERROR
                || ngx_http_overlay_set_etag(r, ctx) != NGX_OK))
        {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    if (r->subrequest_ranges) {
        /* slice: the rest of the body comes in subrequests, unfiltered */
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "the response comes in slices");
        return ngx_http_overlay_fail(r, ctx, &err, NULL);
    }

    if (r->headers_out.content_encoding != NULL
        && r->headers_out.content_encoding->value.len)
    {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "the body has a Content-Encoding");
        return ngx_http_overlay_fail(r, ctx, &err, NULL);
    }

    if (ngx_http_overlay_parse(r, conf, ctx, &value, &repairs, &err,
                               &parsed)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (parsed != NGX_HTTP_OVERLAY_OK) {
        return ngx_http_overlay_fail(r, ctx, &err, NULL);
    }

    if (repairs) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "overlay: repaired a legacy value: %s",
                      ngx_http_overlay_repairs_text(repaired,
                                                    sizeof(repaired),
                                                    repairs));
    }

    if (r->headers_out.content_length_n > (off_t) conf->buffer_size) {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "the body's %lld bytes are more than "
                                      "overlay_buffer %zu",
                                      (long long)
                                          r->headers_out.content_length_n,
                                      conf->buffer_size);
        return ngx_http_overlay_fail(r, ctx, &err, NULL);
    }

    r->allow_ranges = 0;

    if (ngx_http_overlay_etag(r, ctx) == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (ngx_http_overlay_not_modified(r, ctx)) {

        /* the client has this overlay already: 304, nothing drawn */

        ctx->phase = NGX_HTTP_OVERLAY_PASS;

        r->headers_out.status = NGX_HTTP_NOT_MODIFIED;
        r->headers_out.status_line.len = 0;
        r->headers_out.content_type.len = 0;
        ngx_http_clear_content_length(r);
        ngx_http_clear_accept_ranges(r);

        if (ngx_http_overlay_set_etag(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    if (r->method == NGX_HTTP_HEAD) {
        /* the overlaid image's size is not known without rendering it */
        ctx->phase = NGX_HTTP_OVERLAY_PASS;
        ngx_http_clear_content_length(r);
        ngx_http_clear_accept_ranges(r);

        if (ngx_http_overlay_set_etag(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    /* a bound on the bodies held and drawn on at once in this worker */

    if (ngx_http_overlay_in_flight >= conf->max_concurrent) {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_BUSY,
                                      "%lu overlays in flight, "
                                      "overlay_max_concurrent %lu",
                                      (unsigned long)
                                          ngx_http_overlay_in_flight,
                                      (unsigned long) conf->max_concurrent);
        return ngx_http_overlay_fail(r, ctx, &err, NULL);
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_overlay_in_flight_cleanup;
    ngx_http_overlay_in_flight++;

    ctx->phase = NGX_HTTP_OVERLAY_READ;

    if (r == r->main) {
        r->main_filter_need_in_memory = 1;

    } else {
        r->filter_need_in_memory = 1;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                 rc;
    ngx_chain_t              *rest;
    ngx_http_overlay_ctx_t   *ctx;
    ngx_http_overlay_error_t  err;

    if (in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    switch (ctx->phase) {

    case NGX_HTTP_OVERLAY_READ:

        rc = ngx_http_overlay_read(r, ctx, in, &rest, &err);

        if (rc == NGX_AGAIN
            && r->upstream != NULL && r->upstream->peer.connection == NULL)
        {
            /*
             * the upstream is finished, and the body did not end: what
             * came is passed on, as it would be without the module
             */

            (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "the upstream closed after %zu "
                                          "bytes of the body",
                                          (size_t) (ctx->last - ctx->image));
            rc = NGX_DECLINED;
            rest = NULL;
        }

        if (rc == NGX_AGAIN) {
            r->buffered |= NGX_HTTP_OVERLAY_BUFFERED;
            return NGX_OK;
        }

        r->buffered &= ~NGX_HTTP_OVERLAY_BUFFERED;

        if (rc == NGX_ERROR) {
            return ngx_http_filter_finalize_request(r,
                                              &ngx_http_overlay_module,
                                              NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        if (rc == NGX_DECLINED) {
            return ngx_http_overlay_fail(r, ctx, &err, rest);
        }

        return ngx_http_overlay_process(r, ctx);

    case NGX_HTTP_OVERLAY_RENDER:

        /* nothing may follow the last buffer, and nothing goes out yet */
        return NGX_OK;

    case NGX_HTTP_OVERLAY_DONE:

        rc = ngx_http_next_body_filter(r, NULL);

        /* nothing may follow the last buffer */
        return (rc == NGX_OK) ? NGX_ERROR : rc;

    default: /* NGX_HTTP_OVERLAY_PASS */
        return ngx_http_next_body_filter(r, in);
    }
}


/*
 * The overlaid response's ETag: weak, made of the original's validator
 * (its ETag, else its Last-Modified and length) and a hash of the spec as
 * normalized, defaults and fonts included.  Stable for one original and
 * spec, another for another spec.  ctx->etag is empty when the original
 * has no validator.
 */

static ngx_int_t
ngx_http_overlay_etag(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    char                     *dump;
    u_char                   *p;
    size_t                    len;
    uint32_t                  crc, murmur;
    ngx_str_t                 orig;
    ngx_uint_t                i;
    ngx_table_elt_t          *etag;
    ngx_http_overlay_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    etag = r->headers_out.etag;

    if (etag != NULL && etag->hash && etag->value.len) {
        orig = etag->value;

        if (orig.len > 2 && orig.data[0] == 'W' && orig.data[1] == '/') {
            orig.data += 2;
            orig.len -= 2;
        }

        if (orig.len >= 2 && orig.data[0] == '"') {
            orig.data++;
            orig.len -= 2;
        }

    } else if (r->headers_out.last_modified_time != -1) {
        p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN + NGX_TIME_T_LEN + 2);
        if (p == NULL) {
            return NGX_ERROR;
        }

        orig.data = p;
        orig.len = ngx_sprintf(p, "%xT-%xO",
                               r->headers_out.last_modified_time,
                               r->headers_out.content_length_n)
                   - p;

    } else {
        return NGX_DECLINED;                    /* nothing to validate */
    }

    dump = ngx_http_overlay_spec_dump(&ctx->spec, &conf->opts.spec);
    if (dump == NULL) {
        return NGX_ERROR;
    }

    len = ngx_strlen(dump);

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, (u_char *) dump, len);

    for (i = 0; i < conf->opts.render.nfonts; i++) {
        ngx_crc32_update(&crc, (u_char *) conf->opts.render.fonts[i],
                         ngx_strlen(conf->opts.render.fonts[i]));
    }

    ngx_crc32_final(crc);

    murmur = ngx_murmur_hash2((u_char *) dump, len);

    free(dump);

    p = ngx_pnalloc(r->pool, orig.len + sizeof("W/\"-ov\"") - 1 + 16);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->etag.data = p;
    ctx->etag.len = ngx_sprintf(p, "W/\"%V-ov%08xD%08xD\"", &orig, crc,
                                murmur)
                    - p;

    return NGX_OK;
}


/* the response is the overlaid one: its ETag replaces the original's */

static ngx_int_t
ngx_http_overlay_set_etag(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    ngx_table_elt_t  *etag;

    if (ctx->etag.len == 0) {
        ngx_http_clear_etag(r);
        return NGX_OK;
    }

    etag = r->headers_out.etag;

    if (etag == NULL) {
        etag = ngx_list_push(&r->headers_out.headers);
        if (etag == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&etag->key, "ETag");
        r->headers_out.etag = etag;
    }

    etag->hash = 1;
    etag->value = ctx->etag;

    return NGX_OK;
}


/*
 * The conditionals, taken away from the not modified filter (see
 * ngx_http_overlay_conditionals()), against the overlaid response:
 * If-None-Match with its ETag; else If-Modified-Since with the original's
 * Last-Modified, which is the overlay's too.
 */

static ngx_int_t
ngx_http_overlay_not_modified(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx)
{
    time_t  ims;

    if (ctx->if_none_match != NULL) {
        return ctx->etag.len
               && ngx_http_overlay_etag_matches(ctx->if_none_match,
                                                &ctx->etag);
    }

    if (ctx->if_modified_since != NULL
        && r->headers_out.last_modified_time != -1)
    {
        ims = ngx_parse_http_time(ctx->if_modified_since->value.data,
                                  ctx->if_modified_since->value.len);

        return ims != NGX_ERROR
               && ims >= r->headers_out.last_modified_time;
    }

    return 0;
}


/* If-None-Match: "*", or a list of tags, compared weakly */

static ngx_int_t
ngx_http_overlay_etag_matches(ngx_table_elt_t *h, ngx_str_t *etag)
{
    u_char           *p, *last, *start;
    ngx_str_t         ours, tag;

    ours = *etag;
    ours.data += 2;                             /* "W/" */
    ours.len -= 2;

    p = h->value.data;
    last = p + h->value.len;

    while (p < last) {

        while (p < last && (*p == ' ' || *p == ',' || *p == '\t')) {
            p++;
        }

        start = p;

        while (p < last && *p != ',') {
            p++;
        }

        tag.data = start;
        tag.len = p - start;

        while (tag.len && (tag.data[tag.len - 1] == ' '
                           || tag.data[tag.len - 1] == '\t'))
        {
            tag.len--;
        }

        if (tag.len == 1 && tag.data[0] == '*') {
            return 1;
        }

        if (tag.len > 2 && tag.data[0] == 'W' && tag.data[1] == '/') {
            tag.data += 2;
            tag.len -= 2;
        }

        if (tag.len == ours.len
            && ngx_strncmp(tag.data, ours.data, ours.len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* what a signature covers: the request's path; and the signature */

/*
 * The value to ctx->spec, the core's verdict in *rc.  It is decoded in
 * place: a copy, as variables' values may be shared.  NGX_ERROR: no memory.
 */

static ngx_int_t
ngx_http_overlay_parse(ngx_http_request_t *r, ngx_http_overlay_conf_t *conf,
    ngx_http_overlay_ctx_t *ctx, ngx_str_t *value, unsigned *repairs,
    ngx_http_overlay_error_t *err, ngx_http_overlay_rc_e *rc)
{
    u_char                     *buf;
    ngx_http_overlay_signed_t   req;

    buf = ngx_pnalloc(r->pool, value->len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(buf, value->data, value->len);

    if (ngx_http_overlay_signed(r, conf, &req) != NGX_OK) {
        return NGX_ERROR;
    }

    *rc = ngx_http_overlay_parse_value(buf, value->len, &conf->opts, &req,
                                       &ctx->spec, repairs, err);

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_signed(ngx_http_request_t *r, ngx_http_overlay_conf_t *conf,
    ngx_http_overlay_signed_t *req)
{
    ngx_str_t  sig;

    req->uri = r->uri.data;
    req->uri_len = r->uri.len;
    req->sig = NULL;
    req->sig_len = 0;

    if (conf->signature == NULL) {
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, conf->signature, &sig) != NGX_OK) {
        return NGX_ERROR;
    }

    req->sig = sig.data;
    req->sig_len = sig.len;

    return NGX_OK;
}


/*
 * The overlay cannot be drawn: log why, once, at overlay_log_level, then
 * either pass the original on (what was read of the body, then rest), or
 * answer with the overlay_on_error status.  From the header filter, with
 * nothing read, ctx->phase is 0.
 */

static ngx_int_t
ngx_http_overlay_fail(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_error_t *err, ngx_chain_t *rest)
{
    ngx_uint_t                reading;
    ngx_http_overlay_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    /* the body is held: all read, or read and drawn on in a thread */
    reading = (ctx->phase == NGX_HTTP_OVERLAY_READ
               || ctx->phase == NGX_HTTP_OVERLAY_RENDER);
    ctx->error = err->code;
    ctx->phase = NGX_HTTP_OVERLAY_PASS;

    if (conf->on_error) {
        ngx_log_error(conf->log_level, r->connection->log, 0,
                      "overlay: %s: %s, answering %i",
                      ngx_http_overlay_reason(err->code), err->msg,
                      conf->on_error);

        ctx->status = NGX_HTTP_OVERLAY_REJECTED;
        ngx_http_overlay_count(r, ctx, NULL, 0, 0);

        return ngx_http_filter_finalize_request(r, &ngx_http_overlay_module,
                                                conf->on_error);
    }

    ngx_log_error(conf->log_level, r->connection->log, 0,
                  "overlay: %s: %s, passing the original through",
                  ngx_http_overlay_reason(err->code), err->msg);

    ctx->status = NGX_HTTP_OVERLAY_PASSED;
    ngx_http_overlay_count(r, ctx, NULL, 0, 0);

    if (!reading) {
        return ngx_http_next_header_filter(r);
    }

    return ngx_http_overlay_pass(r, ctx, rest);
}


/*
 * Copies the body into one buffer.  NGX_AGAIN: more to come; NGX_OK: the
 * whole body is in; NGX_DECLINED: the overlay cannot be drawn (err says
 * why), what was copied so far is to be followed by *rest, the buffers not
 * copied.
 */

static ngx_int_t
ngx_http_overlay_read(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_chain_t *in, ngx_chain_t **rest, ngx_http_overlay_error_t *err)
{
    size_t                    size, have;
    ngx_buf_t                *b;
    ngx_chain_t              *cl;
    ngx_http_overlay_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    for (cl = in; cl != NULL; cl = cl->next) {

        b = cl->buf;
        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;
        have = ctx->last - ctx->image;

        if (size > conf->buffer_size - have) {
            (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                          "the body is more than "
                                          "overlay_buffer %zu bytes",
                                          conf->buffer_size);
            *rest = cl;
            return NGX_DECLINED;
        }

        if (size > 0) {

            if (have + size > ctx->size
                && ngx_http_overlay_grow(r, ctx, have + size,
                                         conf->buffer_size)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }

            ctx->last = ngx_cpymem(ctx->last, b->pos, size);
            b->pos = b->last;
        }

        if (b->in_file) {
            b->file_pos = b->file_last;
        }

        if (b->last_buf || (r != r->main && b->last_in_chain)) {
            ctx->last_buf = 1;
        }

        have = ctx->last - ctx->image;

        if (!ctx->detected
            && (have >= NGX_HTTP_OVERLAY_MAGIC_LEN || ctx->last_buf))
        {
            if (ngx_http_overlay_codec_detect(ctx->image, have)
                == NGX_HTTP_OVERLAY_FORMAT_NONE)
            {
                (void) ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_NOT_IMAGE,
                                              "the body is not JPEG, PNG, "
                                              "WebP or GIF");
                *rest = cl->next;
                return NGX_DECLINED;
            }

            ctx->detected = 1;
        }

        if (ctx->last_buf) {
            *rest = NULL;
            return NGX_OK;
        }
    }

    return NGX_AGAIN;
}


static ngx_int_t
ngx_http_overlay_grow(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    size_t need, size_t limit)
{
    off_t    length;
    size_t   size;
    u_char  *p;

    /* the announced length when there is one, else doubling up to limit */

    length = r->headers_out.content_length_n;

    if (length > 0 && (size_t) length >= need) {
        size = (size_t) length;

    } else {
        size = ctx->size ? ctx->size : NGX_HTTP_OVERLAY_FIRST_ALLOC;

        while (size < need) {
            size = (size > limit / 2) ? limit : size * 2;
        }

        if (size > limit) {
            size = limit;
        }
    }

    p = ngx_palloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ctx->image != NULL) {
        ngx_memcpy(p, ctx->image, ctx->last - ctx->image);
        ngx_pfree(r->pool, ctx->image);
    }

    ctx->last = p + (ctx->last - ctx->image);
    ctx->image = p;
    ctx->size = size;

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_process(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    ngx_pool_cleanup_t             *cln;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t        *blob;
    ngx_http_overlay_conf_t        *conf;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_image_info_t   info;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    /* the cleanup exists before the output it frees */

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_overlay_blob_t));
    if (cln == NULL) {
        return ngx_http_filter_finalize_request(r, &ngx_http_overlay_module,
                                              NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    blob = cln->data;
    blob->data = NULL;
    blob->len = 0;
    cln->handler = ngx_http_overlay_blob_cleanup;

    ctx->blob = blob;

#if (NGX_THREADS)

    if (conf->thread_pool != NULL) {
        return ngx_http_overlay_thread_post(r, ctx, conf);
    }

#endif

    ctx->usec = ngx_http_overlay_usec();

    rc = ngx_http_overlay_composite(ctx->image, ctx->last - ctx->image,
                                    &ctx->spec, &conf->opts, &info, blob,
                                    &err);

    ctx->usec = ngx_http_overlay_usec() - ctx->usec;

    return ngx_http_overlay_finish(r, ctx, rc, &info, &err);
}


/* the composite is done, here or in a thread: its result goes out */

static ngx_int_t
ngx_http_overlay_finish(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_rc_e rc, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_blob_t  *blob;

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return ngx_http_overlay_fail(r, ctx, err, NULL);
    }

    blob = ctx->blob;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "overlay: applied to %s of %uz bytes, %uz bytes out, "
                   "%d layers",
                   ngx_http_overlay_format_name(info->format),
                   (size_t) (ctx->last - ctx->image), blob->len,
                   (int) ctx->spec.nlayers);

    ctx->status = NGX_HTTP_OVERLAY_APPLIED;
    ngx_http_overlay_count(r, ctx, info, ctx->last - ctx->image, blob->len);

    r->headers_out.content_length_n = blob->len;

    if (r->headers_out.content_length != NULL) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    ngx_http_clear_accept_ranges(r);

    if (ngx_http_overlay_set_etag(r, ctx) != NGX_OK) {
        return ngx_http_filter_finalize_request(r, &ngx_http_overlay_module,
                                              NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    return ngx_http_overlay_send(r, ctx, blob->data, blob->len);
}


#if (NGX_THREADS)

/*
 * Decoding, drawing and encoding go to a thread of overlay_thread_pool;
 * the request waits, blocked as for aio, and the event loop goes on.
 * The thread reads the body, the spec and the location's options, all
 * left alone until it is done, and writes only its own task context and
 * the output blob.
 */

static ngx_int_t
ngx_http_overlay_thread_post(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_conf_t *conf)
{
    ngx_thread_task_t              *task;
    ngx_http_overlay_thread_ctx_t  *tctx;

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_overlay_thread_ctx_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    tctx = task->ctx;
    tctx->ctx = ctx;
    tctx->opts = &conf->opts;

    task->handler = ngx_http_overlay_thread_handler;
    task->event.data = r;
    task->event.handler = ngx_http_overlay_thread_event_handler;

    if (ngx_thread_task_post(conf->thread_pool, task) != NGX_OK) {
        return NGX_ERROR;
    }

    r->main->blocked++;
    r->aio = 1;
    r->buffered |= NGX_HTTP_OVERLAY_BUFFERED;

    ctx->phase = NGX_HTTP_OVERLAY_RENDER;

    return NGX_OK;
}


static void
ngx_http_overlay_thread_handler(void *data, ngx_log_t *log)
{
    ngx_http_overlay_thread_ctx_t *tctx = data;

    ngx_http_overlay_ctx_t  *ctx;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, log, 0, "overlay: thread render");

#if (NGX_LINUX)
    {
        static __thread ngx_uint_t  niced;

        /*
         * renders are background work to the event loop: on a machine
         * whose cores the pool's threads keep busy, the scheduler runs
         * the worker's own thread first
         */

        if (!niced) {
            niced = 1;

            if (setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid),
                            NGX_HTTP_OVERLAY_THREAD_NICE)
                == -1)
            {
                ngx_log_error(NGX_LOG_WARN, log, ngx_errno,
                              "overlay: setpriority() of a thread failed");
            }
        }
    }
#endif

    ctx = tctx->ctx;

    tctx->usec = ngx_http_overlay_usec();

    tctx->rc = ngx_http_overlay_composite(ctx->image,
                                          ctx->last - ctx->image,
                                          &ctx->spec, tctx->opts,
                                          &tctx->info, ctx->blob,
                                          &tctx->err);

    tctx->usec = ngx_http_overlay_usec() - tctx->usec;
}


static void
ngx_http_overlay_thread_event_handler(ngx_event_t *ev)
{
    ngx_int_t                       rc;
    ngx_connection_t               *c;
    ngx_thread_task_t              *task;
    ngx_http_request_t             *r;
    ngx_http_overlay_ctx_t         *ctx;
    ngx_http_overlay_thread_ctx_t  *tctx;

    r = ev->data;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "overlay: thread done: \"%V?%V\"", &r->uri, &r->args);

    r->main->blocked--;
    r->aio = 0;
    r->buffered &= ~NGX_HTTP_OVERLAY_BUFFERED;

    /* the event is a member of the task */

    task = (ngx_thread_task_t *) ((u_char *) ev
                                  - offsetof(ngx_thread_task_t, event));
    tctx = task->ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL || ctx->phase != NGX_HTTP_OVERLAY_RENDER || c->error) {
        /* the request was finalized meanwhile: it is closed now */
        r->write_event_handler(r);
        ngx_http_run_posted_requests(c);
        return;
    }

    ctx->usec = tctx->usec;

    rc = ngx_http_overlay_finish(r, ctx, tctx->rc, &tctx->info, &tctx->err);

    if (rc == NGX_ERROR) {
        /* as ngx_http_output_filter() does for any filter's error */
        c->error = 1;
        ngx_http_finalize_request(r, NGX_ERROR);

    } else {
        r->write_event_handler(r);
    }

    ngx_http_run_posted_requests(c);
}

#endif


static ngx_int_t
ngx_http_overlay_pass(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_chain_t *rest)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (ctx->last_buf) {
        /* the whole original body is in ctx */
        return ngx_http_overlay_send(r, ctx, ctx->image,
                                     ctx->last - ctx->image);
    }

    ctx->phase = NGX_HTTP_OVERLAY_PASS;

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    if (ctx->last == ctx->image) {
        return rest != NULL ? ngx_http_next_body_filter(r, rest) : NGX_OK;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->image;
    b->last = ctx->last;
    b->memory = 1;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = rest;

    return ngx_http_next_body_filter(r, cl);
}


static ngx_int_t
ngx_http_overlay_send(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    u_char *data, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    ctx->phase = NGX_HTTP_OVERLAY_DONE;

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (len) {
        b->pos = data;
        b->last = data + len;
        b->memory = 1;
    }

    /* a subrequest's body ends its part, not the response */

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


static void
ngx_http_overlay_in_flight_cleanup(void *data)
{
    ngx_http_overlay_in_flight--;
}


static void
ngx_http_overlay_blob_cleanup(void *data)
{
    ngx_http_overlay_blob_t  *blob = data;

    ngx_http_overlay_codec_free(blob);
}


static ngx_int_t
ngx_http_overlay_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t               status;
    ngx_http_overlay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_overlay_module);

    status = ctx != NULL ? ctx->status : NGX_HTTP_OVERLAY_NONE;

    v->len = ngx_http_overlay_statuses[status].len;
    v->data = ngx_http_overlay_statuses[status].data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char              *reason;
    ngx_http_overlay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_overlay_module);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    if (ctx == NULL || ctx->error == NGX_HTTP_OVERLAY_OK) {
        v->len = 0;
        v->data = (u_char *) "";
        return NGX_OK;
    }

    reason = ngx_http_overlay_reason(ctx->error);

    v->len = ngx_strlen(reason);
    v->data = (u_char *) reason;

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_overlay_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_overlay_create_main_conf(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_overlay_main_conf_t  *omcf;

    omcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_overlay_main_conf_t));
    if (omcf == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(cf->cycle->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_overlay_font_cleanup;
    cln->data = cf->cycle;

    /*
     * fonts are checked anew for each configuration: drop libgd's cache of
     * faces, which would hide a font file changed since the last check
     */

    ngx_http_overlay_render_init();
    gdFontCacheShutdown();
    (void) gdFontCacheSetup();
    ngx_http_overlay_font_cycle = cf->cycle;

    omcf->heap_keep = NGX_CONF_UNSET_SIZE;

    return omcf;
}


/*
 * The pool of a cycle whose configuration set up the font cache is freed.
 * When its configuration failed at start (or "nginx -t"), nginx unloads
 * the module and exits without calling exit_process or exit_master: free
 * the faces and FreeType here (valgrind saw them lost).  After a reload
 * that failed the running cycle goes on, with a cache of its own.  An old
 * cycle freed after a reload leaves the new one's cache alone.
 */

static void
ngx_http_overlay_font_cleanup(void *data)
{
    ngx_cycle_t  *cycle;

    cycle = data;

    if (ngx_http_overlay_font_cycle != cycle) {
        return;
    }

    ngx_http_overlay_font_cycle = NULL;
    gdFontCacheShutdown();

    if (!ngx_is_init_cycle(ngx_cycle) && ngx_cycle != cycle) {
        (void) gdFontCacheSetup();
        ngx_http_overlay_font_cycle = (ngx_cycle_t *) ngx_cycle;
    }
}


static void *
ngx_http_overlay_create_conf(ngx_conf_t *cf)
{
    ngx_http_overlay_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_overlay_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->default_font = { 0, NULL };
     *     conf->opts = { 0 };
     */

    conf->value = NGX_CONF_UNSET_PTR;
    conf->buffer_size = NGX_CONF_UNSET_SIZE;
    conf->max_param = NGX_CONF_UNSET_SIZE;
    conf->jpeg_quality = NGX_CONF_UNSET;
    conf->webp_quality = NGX_CONF_UNSET;
    conf->max_layers = NGX_CONF_UNSET_UINT;
    conf->max_concurrent = NGX_CONF_UNSET_UINT;
    conf->max_pixels = NGX_CONF_UNSET_UINT;
    conf->max_side = NGX_CONF_UNSET_UINT;
    conf->max_text = NGX_CONF_UNSET_UINT;
    conf->on_error = NGX_CONF_UNSET;
    conf->subrequests = NGX_CONF_UNSET;
    conf->log_level = NGX_CONF_UNSET_UINT;
#if (NGX_THREADS)
    conf->thread_pool = NGX_CONF_UNSET_PTR;
#endif
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->signature = NGX_CONF_UNSET_PTR;
    conf->fonts = NGX_CONF_UNSET_PTR;
    conf->assets = NGX_CONF_UNSET_PTR;
    conf->default_style = NGX_CONF_UNSET;
    conf->default_position = NGX_CONF_UNSET;
    conf->default_margin = NGX_CONF_UNSET;
    conf->default_size = NGX_CONF_UNSET;
    conf->default_scale = NGX_CONF_UNSET;
    conf->default_opacity = NGX_CONF_UNSET;
    conf->default_radius = NGX_CONF_UNSET;
    conf->default_color_set = NGX_CONF_UNSET;
    conf->default_background_set = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_overlay_merge_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_overlay_conf_t *prev = parent;
    ngx_http_overlay_conf_t *conf = child;

    ngx_http_overlay_options_t  *opts;

    ngx_conf_merge_ptr_value(conf->value, prev->value, NULL);

    ngx_conf_merge_size_value(conf->buffer_size, prev->buffer_size,
                              16 * 1024 * 1024);

    ngx_conf_merge_size_value(conf->max_param, prev->max_param,
                              NGX_HTTP_OVERLAY_PARAM_MAX);

    ngx_conf_merge_value(conf->jpeg_quality, prev->jpeg_quality, 0);
    ngx_conf_merge_value(conf->webp_quality, prev->webp_quality, 85);
    ngx_conf_merge_uint_value(conf->max_layers, prev->max_layers, 4);
    ngx_conf_merge_uint_value(conf->max_concurrent, prev->max_concurrent, 16);
    ngx_conf_merge_uint_value(conf->max_pixels, prev->max_pixels,
                              NGX_HTTP_OVERLAY_MAX_PIXELS);
    ngx_conf_merge_uint_value(conf->max_side, prev->max_side, 0);
    ngx_conf_merge_uint_value(conf->max_text, prev->max_text, 128);
    ngx_conf_merge_value(conf->on_error, prev->on_error, 0);
    ngx_conf_merge_value(conf->subrequests, prev->subrequests, 0);
    ngx_conf_merge_uint_value(conf->log_level, prev->log_level,
                              NGX_LOG_WARN);
#if (NGX_THREADS)
    ngx_conf_merge_ptr_value(conf->thread_pool, prev->thread_pool, NULL);
#endif

    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->signature, prev->signature, NULL);

    if (conf->keys != NULL && conf->signature == NULL) {
        ngx_http_compile_complex_value_t  ccv;
        ngx_str_t                         arg = ngx_string("$arg_sig");

        /* the signature is in ?sig= unless said otherwise */

        conf->signature = ngx_palloc(cf->pool,
                                     sizeof(ngx_http_complex_value_t));
        if (conf->signature == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));
        ccv.cf = cf;
        ccv.value = &arg;
        ccv.complex_value = conf->signature;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    ngx_conf_merge_ptr_value(conf->fonts, prev->fonts, NULL);
    ngx_conf_merge_ptr_value(conf->assets, prev->assets, NULL);

    opts = &conf->opts;

    ngx_http_overlay_options_init(opts);

    opts->max_param = conf->max_param;

    if (conf->keys != NULL) {
        opts->keys = conf->keys->elts;
        opts->nkeys = conf->keys->nelts;
    }
    opts->spec.max_layers = conf->max_layers;
    opts->spec.max_text = conf->max_text;
    opts->codec.jpeg_quality = (int) conf->jpeg_quality;
    opts->codec.webp_quality = (int) conf->webp_quality;
    opts->codec.max_pixels = conf->max_pixels;
    opts->codec.max_side = (unsigned) conf->max_side;

    if (ngx_http_overlay_merge_names(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_overlay_merge_defaults(cf, prev, conf);
}


/* the names of fonts and assets, as the core wants them */

static char *
ngx_http_overlay_merge_names(ngx_conf_t *cf, ngx_http_overlay_conf_t *conf)
{
    ngx_str_t                      path;
    ngx_uint_t                     i, n, have_default;
    const char                   **names, **paths;
    gdImagePtr                    *images;
    ngx_http_overlay_named_t      *named;
    ngx_http_overlay_main_conf_t  *omcf;

    named = conf->fonts ? conf->fonts->elts : NULL;
    n = conf->fonts ? conf->fonts->nelts : 0;

    have_default = 0;

    for (i = 0; i < n; i++) {
        if (ngx_strcmp(named[i].name.data, "default") == 0) {
            have_default = 1;
        }
    }

    /* "default" comes first, from fonts-dejavu-core unless configured */

    names = ngx_palloc(cf->pool, (n + 1) * sizeof(char *));
    paths = ngx_palloc(cf->pool, (n + 1) * sizeof(char *));
    if (names == NULL || paths == NULL) {
        return NGX_CONF_ERROR;
    }

    names[0] = "default";
    paths[0] = NGX_HTTP_OVERLAY_DEFAULT_FONT;

    for (i = 0; i < n; i++) {
        if (ngx_strcmp(named[i].name.data, "default") == 0) {
            paths[0] = (const char *) named[i].path.data;
        }
    }

    conf->opts.spec.nfonts = 1;

    for (i = 0; i < n; i++) {
        if (ngx_strcmp(named[i].name.data, "default") != 0) {
            names[conf->opts.spec.nfonts] = (const char *) named[i].name.data;
            paths[conf->opts.spec.nfonts] = (const char *) named[i].path.data;
            conf->opts.spec.nfonts++;
        }
    }

    conf->opts.spec.fonts = names;
    conf->opts.render.fonts = paths;
    conf->opts.render.nfonts = conf->opts.spec.nfonts;

    /* the built-in default font is needed, and checked, only where used */

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_overlay_module);

    if (!have_default && conf->value != NULL && !omcf->default_font_checked) {
        ngx_str_set(&path, NGX_HTTP_OVERLAY_DEFAULT_FONT);

        if (ngx_http_overlay_check_font(cf, &path) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }

        omcf->default_font_checked = 1;
    }

    named = conf->assets ? conf->assets->elts : NULL;
    n = conf->assets ? conf->assets->nelts : 0;

    if (n == 0) {
        return NGX_CONF_OK;
    }

    names = ngx_palloc(cf->pool, n * sizeof(char *));
    images = ngx_palloc(cf->pool, n * sizeof(gdImagePtr));
    if (names == NULL || images == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        names[i] = (const char *) named[i].name.data;
        images[i] = named[i].image;
    }

    conf->opts.spec.assets = names;
    conf->opts.spec.nassets = n;
    conf->opts.render.assets = images;
    conf->opts.render.nassets = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay_merge_defaults(ngx_conf_t *cf,
    ngx_http_overlay_conf_t *prev, ngx_http_overlay_conf_t *conf)
{
    ngx_uint_t                 i;
    ngx_http_overlay_layer_t  *d;

    d = &conf->opts.spec.defaults;

    ngx_conf_merge_value(conf->default_style, prev->default_style,
                         (ngx_int_t) d->style);
    ngx_conf_merge_value(conf->default_position, prev->default_position,
                         (ngx_int_t) d->position);
    ngx_conf_merge_value(conf->default_margin, prev->default_margin,
                         (ngx_int_t) (d->margin * NGX_HTTP_OVERLAY_MILLION));
    ngx_conf_merge_value(conf->default_size, prev->default_size,
                         (ngx_int_t) (d->size * NGX_HTTP_OVERLAY_MILLION));
    ngx_conf_merge_value(conf->default_scale, prev->default_scale,
                         (ngx_int_t) (d->scale * NGX_HTTP_OVERLAY_MILLION));
    ngx_conf_merge_value(conf->default_opacity, prev->default_opacity,
                         (ngx_int_t) (d->opacity
                                      * NGX_HTTP_OVERLAY_MILLION));
    ngx_conf_merge_str_value(conf->default_font, prev->default_font,
                             "default");

    d->style = (ngx_http_overlay_style_e) conf->default_style;
    d->position = (ngx_http_overlay_position_e) conf->default_position;
    d->margin = (double) conf->default_margin / NGX_HTTP_OVERLAY_MILLION;
    d->size = (double) conf->default_size / NGX_HTTP_OVERLAY_MILLION;
    d->scale = (double) conf->default_scale / NGX_HTTP_OVERLAY_MILLION;
    d->opacity = (double) conf->default_opacity / NGX_HTTP_OVERLAY_MILLION;

    ngx_conf_merge_value(conf->default_radius, prev->default_radius, 0);
    d->radius = (double) conf->default_radius / NGX_HTTP_OVERLAY_MILLION;

    if (conf->default_color_set == NGX_CONF_UNSET) {
        conf->default_color_set = prev->default_color_set;
        conf->default_color = prev->default_color;
    }

    if (conf->default_background_set == NGX_CONF_UNSET) {
        conf->default_background_set = prev->default_background_set;
        conf->default_background = prev->default_background;
    }

    if (conf->default_color_set == 1) {
        d->color = conf->default_color;
    }

    if (conf->default_background_set == 1) {
        d->background = conf->default_background;
    }

    for (i = 0; i < conf->opts.spec.nfonts; i++) {
        if (ngx_strcmp(conf->opts.spec.fonts[i], conf->default_font.data)
            == 0)
        {
            d->font = i;
            break;
        }
    }

    if (i == conf->opts.spec.nfonts) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_default_font \"%V\" is not a font "
                           "named by overlay_font", &conf->default_font);
        return NGX_CONF_ERROR;
    }

    if (d->style == NGX_HTTP_OVERLAY_STYLE_RIBBON
        && !ngx_http_overlay_position_is_corner(d->position))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_default_style \"ribbon\" needs a corner "
                           "for overlay_default_position, not \"%s\"",
                           ngx_http_overlay_position_name(d->position));
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    ngx_http_overlay_main_conf_t      *omcf;

    if (olcf->value != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        olcf->value = NULL;
        return NGX_CONF_OK;
    }

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_overlay_module);
    omcf->used = 1;

    olcf->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (olcf->value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = olcf->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* overlay_font PATH, the font named "default"; overlay_font NAME PATH */

static char *
ngx_http_overlay_font(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t                  *value, name, path;
    ngx_http_overlay_named_t   *font;

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        ngx_str_set(&name, "default");
        path = value[1];

    } else {
        name = value[1];
        path = value[2];
    }

    font = ngx_http_overlay_add_name(cf, &olcf->fonts, &name);
    if (font == NULL) {
        return NGX_CONF_ERROR;
    }

    /*
     * libgd keeps 6 faces open; more would be read from disk per request.
     * "default" always counts, built in or named.
     */

    if (ngx_strcmp(name.data, "default") != 0 && ++olcf->named_fonts >= 6) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "at most %d fonts, \"default\" included, may be "
                           "named at one level", NGX_HTTP_OVERLAY_FONTS_MAX);
        return NGX_CONF_ERROR;
    }

    font->path = path;

    if (ngx_conf_full_name(cf->cycle, &font->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_overlay_check_font(cf, &font->path);
}


static char *
ngx_http_overlay_asset(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t                 *value;
    ngx_http_overlay_named_t  *asset;

    value = cf->args->elts;

    asset = ngx_http_overlay_add_name(cf, &olcf->assets, &value[1]);
    if (asset == NULL) {
        return NGX_CONF_ERROR;
    }

    asset->path = value[2];

    if (ngx_conf_full_name(cf->cycle, &asset->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_overlay_read_asset(cf, asset);
}


static ngx_http_overlay_named_t *
ngx_http_overlay_add_name(ngx_conf_t *cf, ngx_array_t **names,
    ngx_str_t *name)
{
    u_char                    *p;
    ngx_uint_t                 i;
    ngx_http_overlay_named_t  *named;

    if (*names == NGX_CONF_UNSET_PTR || *names == NULL) {
        *names = ngx_array_create(cf->pool, 4,
                                  sizeof(ngx_http_overlay_named_t));
        if (*names == NULL) {
            return NULL;
        }
    }

    if (name->len == 0 || name->len > 64) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a name of 1 to 64 characters",
                           name);
        return NULL;
    }

    for (p = name->data; p < name->data + name->len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
              || *p == '.'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "the name \"%V\" has a character other than "
                               "letters, digits, \"-\", \"_\" and \".\"",
                               name);
            return NULL;
        }
    }

    named = (*names)->elts;

    for (i = 0; i < (*names)->nelts; i++) {
        if (named[i].name.len == name->len
            && ngx_strncmp(named[i].name.data, name->data, name->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is named twice in \"%V\"", name,
                               &((ngx_str_t *) cf->args->elts)[0]);
            return NULL;
        }
    }

    named = ngx_array_push(*names);
    if (named == NULL) {
        return NULL;
    }

    ngx_memzero(named, sizeof(ngx_http_overlay_named_t));
    named->name = *name;

    return named;
}


static char *
ngx_http_overlay_check_font(ngx_conf_t *cf, ngx_str_t *path)
{
    ngx_file_info_t           fi;
    ngx_http_overlay_error_t  err;

    /* path is NUL-terminated: a configuration token, or a full name */

    if (ngx_file_info(path->data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_font \"%V\": " ngx_file_info_n
                           " failed", path);
        return NGX_CONF_ERROR;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_font \"%V\" is not a file", path);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_overlay_font_check((const char *) path->data, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_font \"%V\" is not a usable font: %s",
                           path, err.msg);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay_read_asset(ngx_conf_t *cf, ngx_http_overlay_named_t *asset)
{
    off_t                      size;
    u_char                    *data;
    ssize_t                    n;
    ngx_fd_t                   fd;
    ngx_file_info_t            fi;
    ngx_pool_cleanup_t        *cln;
    ngx_http_overlay_error_t   err;

    fd = ngx_open_file(asset->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_asset \"%V\": " ngx_open_file_n
                           " \"%V\" failed", &asset->name, &asset->path);
        return NGX_CONF_ERROR;
    }

    data = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_asset \"%V\": " ngx_fd_info_n
                           " \"%V\" failed", &asset->name, &asset->path);
        goto failed;
    }

    size = ngx_file_size(&fi);

    if (!ngx_is_file(&fi) || size > NGX_HTTP_OVERLAY_ASSET_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_asset \"%V\": \"%V\" is not a file of "
                           "at most 16m", &asset->name, &asset->path);
        goto failed;
    }

    data = ngx_alloc((size_t) size + 1, cf->log);
    if (data == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, data, (size_t) size);

    if (n != (ssize_t) size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_asset \"%V\": " ngx_read_fd_n
                           " \"%V\" failed", &asset->name, &asset->path);
        goto failed;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        goto failed;
    }

    asset->image = ngx_http_overlay_asset_decode(data, (size_t) size, &err);

    if (asset->image == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_asset \"%V\": \"%V\" is not a usable "
                           "PNG or WebP image: %s", &asset->name,
                           &asset->path, err.msg);
        goto failed;
    }

    cln->handler = ngx_http_overlay_asset_cleanup;
    cln->data = asset->image;

    ngx_free(data);
    (void) ngx_close_file(fd);

    return NGX_CONF_OK;

failed:

    if (data != NULL) {
        ngx_free(data);
    }

    (void) ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


static void
ngx_http_overlay_asset_cleanup(void *data)
{
    gdImageDestroy(data);
}


/*
 * overlay_secret_file: one key a line (blank lines and "#" comments
 * skipped); any of them verifies a signature, so keys rotate by adding the
 * new one, moving the producers to it, then removing the old one.
 */

static char *
ngx_http_overlay_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    u_char                  *p, *last, *start, *end, *copy;
    ssize_t                  n;
    ngx_fd_t                 fd;
    ngx_str_t               *value, path;
    ngx_uint_t               line;
    ngx_file_info_t          fi;
    ngx_http_overlay_key_t  *key;

    if (olcf->keys != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_secret_file: " ngx_open_file_n
                           " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 64 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_secret_file \"%V\" is not a file of at "
                           "most 64k", &path);
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    copy = ngx_pnalloc(cf->pool, (size_t) ngx_file_size(&fi) + 1);
    if (copy == NULL) {
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, copy, (size_t) ngx_file_size(&fi));
    (void) ngx_close_file(fd);

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_secret_file: " ngx_read_fd_n
                           " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    olcf->keys = ngx_array_create(cf->pool, 2,
                                  sizeof(ngx_http_overlay_key_t));
    if (olcf->keys == NULL) {
        return NGX_CONF_ERROR;
    }

    p = copy;
    last = copy + n;

    for (line = 1; p < last; line++) {
        start = p;

        while (p < last && *p != '\n') {
            p++;
        }

        end = p++;

        while (start < end && (*start == ' ' || *start == '\t')) {
            start++;
        }

        while (end > start && (end[-1] == ' ' || end[-1] == '\t'
                               || end[-1] == '\r'))
        {
            end--;
        }

        if (start == end || *start == '#') {
            continue;
        }

        if (end - start < 16) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "overlay_secret_file \"%V\": the key on line "
                               "%ui is shorter than 16 bytes", &path, line);
            return NGX_CONF_ERROR;
        }

        key = ngx_array_push(olcf->keys);
        if (key == NULL) {
            return NGX_CONF_ERROR;
        }

        key->data = start;
        key->len = end - start;
    }

    if (olcf->keys->nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_secret_file \"%V\" has no key", &path);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* "source": the image's own tables, only the overlay's blocks change */

static char *
ngx_http_overlay_jpeg_quality(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    if (olcf->jpeg_quality == NGX_CONF_UNSET
        && ngx_strcmp(value[1].data, "source") == 0)
    {
        olcf->jpeg_quality = 0;
        return NGX_CONF_OK;
    }

    return ngx_conf_set_num_slot(cf, cmd, conf);
}


static char *
ngx_http_overlay_on_error(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (olcf->on_error != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "pass") == 0) {
        olcf->on_error = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 400 || n > 599) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"overlay_on_error\" takes \"pass\" or a status "
                           "from 400 to 599, not \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    olcf->on_error = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay_log_level(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (olcf->log_level != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; ngx_http_overlay_log_levels[i].len; i++) {
        if (ngx_strcmp(value[1].data, ngx_http_overlay_log_levels[i].data)
            == 0)
        {
            olcf->log_level = i;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"overlay_log_level\" is one of emerg, alert, crit, "
                       "error, warn, notice and info, not \"%V\"",
                       &value[1]);

    return NGX_CONF_ERROR;
}


/* overlay_default_style and overlay_default_position: cmd->post names */

static char *
ngx_http_overlay_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t  *value;

#if (NGX_THREADS)

    ngx_http_overlay_conf_t *olcf = conf;

    if (olcf->thread_pool != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        olcf->thread_pool = NULL;
        return NGX_CONF_OK;
    }

    /* a pool that no "thread_pool" defines fails at the end of the file */

    olcf->thread_pool = ngx_thread_pool_add(cf, &value[1]);
    if (olcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"overlay_thread_pool\" requires nginx built "
                       "--with-threads");

    return NGX_CONF_ERROR;

#endif
}


static char *
ngx_http_overlay_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_int_t  *np = (ngx_int_t *) ((char *) conf + cmd->offset);

    int                          n;
    ngx_str_t                   *value;
    ngx_http_overlay_enum_t     *e;

    if (*np != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    e = cmd->post;

    n = e->parse((const char *) value[1].data, value[1].len);

    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is one of %s, not \"%V\"", &cmd->name,
                           e->names, &value[1]);
        return NGX_CONF_ERROR;
    }

    *np = n;

    return NGX_CONF_OK;
}


/* a count with an optional "k" or "m" (thousands, millions): "50m" */

static char *
ngx_http_overlay_set_count(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_uint_t  *np = (ngx_uint_t *) ((char *) conf + cmd->offset);

    size_t      len;
    ngx_int_t   n, scale;
    ngx_str_t  *value;

    if (*np != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    len = value[1].len;
    scale = 1;

    if (len > 1 && (value[1].data[len - 1] | 0x20) == 'k') {
        scale = 1000;
        len--;

    } else if (len > 1 && (value[1].data[len - 1] | 0x20) == 'm') {
        scale = 1000000;
        len--;
    }

    n = ngx_atoi(value[1].data, len);

    if (n <= 0 || n > NGX_MAX_INT_T_VALUE / scale
        || n * scale > 1000000000)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" takes a count from 1 to 1000m, not "
                           "\"%V\"", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    *np = (ngx_uint_t) (n * scale);

    return NGX_CONF_OK;
}


/* a decimal fraction such as "0.03", kept in millionths */

static char *
ngx_http_overlay_set_fraction(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_int_t  *np = (ngx_int_t *) ((char *) conf + cmd->offset);

    u_char                              *p, *last;
    ngx_int_t                            n, scale;
    ngx_str_t                           *value;
    ngx_http_overlay_fraction_bounds_t  *bounds;

    if (*np != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    bounds = cmd->post;

    p = value[1].data;
    last = p + value[1].len;
    n = 0;
    scale = NGX_HTTP_OVERLAY_MILLION;

    while (p < last && *p >= '0' && *p <= '9' && n < 10) {
        n = n * 10 + (*p++ - '0');
    }

    n *= NGX_HTTP_OVERLAY_MILLION;

    if (p < last && *p == '.') {
        p++;

        while (p < last && *p >= '0' && *p <= '9' && scale > 1) {
            scale /= 10;
            n += (*p++ - '0') * scale;
        }
    }

    if (value[1].len == 0 || p != last || n < bounds->min
        || n > bounds->max)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be a number from %.6f to %.6f, "
                           "not \"%V\"", &cmd->name,
                           (double) bounds->min / NGX_HTTP_OVERLAY_MILLION,
                           (double) bounds->max / NGX_HTTP_OVERLAY_MILLION,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    *np = n;

    return NGX_CONF_OK;
}


/* the colour at cmd->offset, and its "set" flag at cmd->post */

static char *
ngx_http_overlay_set_color(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_color_t  *color;
    ngx_int_t                 *set;
    ngx_str_t                 *value;

    color = (ngx_http_overlay_color_t *) ((char *) conf + cmd->offset);
    set = (ngx_int_t *) ((char *) conf + (uintptr_t) cmd->post);

    if (*set != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_overlay_color_parse((const char *) value[1].data,
                                     value[1].len, color)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be a colour: #rgb, #rgba, #rrggbb "
                           "or #rrggbbaa, not \"%V\"", &cmd->name,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    *set = 1;

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay_check_bounds(ngx_conf_t *cf, void *post, void *data)
{
    ngx_conf_num_bounds_t  *bounds = post;
    ngx_int_t              *np = data;

    ngx_str_t  *value;

    if (*np >= bounds->low && *np <= bounds->high) {
        return NGX_CONF_OK;
    }

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" must be between %i and %i, not %i",
                       &value[0], bounds->low, bounds->high, *np);

    return NGX_CONF_ERROR;
}


static void
ngx_http_overlay_count(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_image_info_t *info, size_t in, size_t out)
{
    ngx_uint_t                 i;
    ngx_http_overlay_stats_t  *st;

    st = ngx_http_overlay_stats_counters;

    if (st == NULL) {
        return;
    }

    if (ctx->status == NGX_HTTP_OVERLAY_APPLIED) {
        (void) ngx_atomic_fetch_add(&st->applied[info->format
                                                 % NGX_HTTP_OVERLAY_FORMATS],
                                    1);
        (void) ngx_atomic_fetch_add(&st->bytes_in, in);
        (void) ngx_atomic_fetch_add(&st->bytes_out, out);

    } else {
        (void) ngx_atomic_fetch_add(
                  ctx->status == NGX_HTTP_OVERLAY_REJECTED
                  ? &st->rejected[ctx->error % NGX_HTTP_OVERLAY_REASONS]
                  : &st->passed[ctx->error % NGX_HTTP_OVERLAY_REASONS], 1);
    }

    /* the render time of what was decoded, applied or not */

    if (ctx->usec > 0 || ctx->status == NGX_HTTP_OVERLAY_APPLIED) {
        (void) ngx_atomic_fetch_add(&st->render_usec, ctx->usec);
        (void) ngx_atomic_fetch_add(&st->render_count, 1);

        for (i = 0; i < NGX_HTTP_OVERLAY_BUCKETS; i++) {
            if (ngx_http_overlay_buckets[i] == -1
                || ctx->usec <= ngx_http_overlay_buckets[i])
            {
                (void) ngx_atomic_fetch_add(&st->render_buckets[i], 1);
                break;
            }
        }
    }
}


/* overlay_stats: the counters in Prometheus' text format */

static ngx_int_t
ngx_http_overlay_stats_handler(ngx_http_request_t *r)
{
    size_t                     size;
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_uint_t                 i, k;
    ngx_chain_t                out;
    ngx_atomic_uint_t          n;
    const char                *reason;
    ngx_http_overlay_stats_t  *st;

    static const char  *statuses[] = { "passed", "rejected" };

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_HEAD) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    st = ngx_http_overlay_stats_counters;

    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    size = 4096 + (2 * NGX_HTTP_OVERLAY_REASONS + NGX_HTTP_OVERLAY_FORMATS
                   + NGX_HTTP_OVERLAY_BUCKETS) * (96 + NGX_ATOMIC_T_LEN);

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last,
        "# HELP nginx_overlay_requests_total Responses an overlay was "
        "requested for, by outcome and reason.\n"
        "# TYPE nginx_overlay_requests_total counter\n",
        sizeof("# HELP nginx_overlay_requests_total Responses an overlay was "
               "requested for, by outcome and reason.\n"
               "# TYPE nginx_overlay_requests_total counter\n") - 1);

    n = 0;

    for (i = 0; i < NGX_HTTP_OVERLAY_FORMATS; i++) {
        n += st->applied[i];
    }

    b->last = ngx_sprintf(b->last, "nginx_overlay_requests_total"
                          "{status=\"applied\",reason=\"\"} %uA\n", n);

    for (k = 0; k < 2; k++) {
        for (i = 1; i < NGX_HTTP_OVERLAY_REASONS; i++) {
            reason = ngx_http_overlay_reason((ngx_http_overlay_rc_e) i);

            if (ngx_strcmp(reason, "unknown") == 0) {
                break;
            }

            b->last = ngx_sprintf(b->last, "nginx_overlay_requests_total"
                                  "{status=\"%s\",reason=\"%s\"} %uA\n",
                                  statuses[k], reason,
                                  k ? st->rejected[i] : st->passed[i]);
        }
    }

    b->last = ngx_sprintf(b->last,
        "# HELP nginx_overlay_applied_total Overlays drawn, by format.\n"
        "# TYPE nginx_overlay_applied_total counter\n");

    for (i = 1; i < NGX_HTTP_OVERLAY_FORMATS; i++) {
        b->last = ngx_sprintf(b->last,
                              "nginx_overlay_applied_total{format=\"%s\"} "
                              "%uA\n",
                              ngx_http_overlay_format_name(
                                  (ngx_http_overlay_format_e) i),
                              st->applied[i]);
    }

    b->last = ngx_sprintf(b->last,
        "# HELP nginx_overlay_bytes_in_total Bytes of the images drawn on."
        "\n# TYPE nginx_overlay_bytes_in_total counter\n"
        "nginx_overlay_bytes_in_total %uA\n"
        "# HELP nginx_overlay_bytes_out_total Bytes of the images drawn."
        "\n# TYPE nginx_overlay_bytes_out_total counter\n"
        "nginx_overlay_bytes_out_total %uA\n"
        "# HELP nginx_overlay_render_seconds Time decoding, drawing and "
        "encoding.\n# TYPE nginx_overlay_render_seconds histogram\n",
        st->bytes_in, st->bytes_out);

    n = 0;

    for (i = 0; i < NGX_HTTP_OVERLAY_BUCKETS; i++) {
        n += st->render_buckets[i];
        b->last = ngx_sprintf(b->last, "nginx_overlay_render_seconds_bucket"
                              "{le=\"%s\"} %uA\n",
                              ngx_http_overlay_bucket_names[i], n);
    }

    b->last = ngx_sprintf(b->last,
                          "nginx_overlay_render_seconds_sum %uA.%06uA\n"
                          "nginx_overlay_render_seconds_count %uA\n",
                          st->render_usec / 1000000,
                          st->render_usec % 1000000, st->render_count);

    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* the time spent decoding, drawing and encoding, in seconds: "0.012" */

static ngx_int_t
ngx_http_overlay_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                  *p;
    ngx_http_overlay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_overlay_module);

    if (ctx == NULL || ctx->status == NGX_HTTP_OVERLAY_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 4);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%T.%03M", (time_t) (ctx->usec / 1000000),
                         (ngx_msec_t) (ctx->usec % 1000000 / 1000))
             - p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = p;

    return NGX_OK;
}


/* the event loop's cached time is not updated while we render */

static ngx_msec_int_t
ngx_http_overlay_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_msec_int_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/*
 * A preaccess handler: where an overlay is requested, the conditional
 * headers are kept for the header filter and hidden from the not modified
 * filter, which would compare them with the original's validators and
 * could answer 304 to a client holding the original for an overlaid URL.
 */

static ngx_int_t
ngx_http_overlay_conditionals(ngx_http_request_t *r)
{
    ngx_str_t                 value;
    ngx_http_overlay_ctx_t   *ctx;
    ngx_http_overlay_conf_t  *conf;

    if (r != r->main
        || (r->headers_in.if_none_match == NULL
            && r->headers_in.if_modified_since == NULL))
    {
        return NGX_DECLINED;
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    if (conf->value == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_complex_value(r, conf->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_overlay_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_overlay_module);
    }

    ctx->if_none_match = r->headers_in.if_none_match;
    ctx->if_modified_since = r->headers_in.if_modified_since;

    r->headers_in.if_none_match = NULL;
    r->headers_in.if_modified_since = NULL;

    return NGX_DECLINED;
}


static char *
ngx_http_overlay_stats(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_overlay_stats_handler;

    return NGX_CONF_OK;
}


/* the counters of the previous configuration are kept on reload */

static ngx_int_t
ngx_http_overlay_init_stats_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data != NULL) {
        shm_zone->data = data;
        ngx_http_overlay_stats_counters = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_http_overlay_stats_counters = shpool->data;
        return NGX_OK;
    }

    ngx_http_overlay_stats_counters =
                  ngx_slab_calloc(shpool, sizeof(ngx_http_overlay_stats_t));
    if (ngx_http_overlay_stats_counters == NULL) {
        return NGX_ERROR;
    }

    shpool->data = ngx_http_overlay_stats_counters;
    shm_zone->data = ngx_http_overlay_stats_counters;

    return NGX_OK;
}


/*
 * A render allocates tens of megabytes (a 4K JPEG's coefficients alone are
 * 25 MB) and frees them all.  glibc gives such memory back to the kernel
 * at once (mmap above its threshold, heap trimming), and the next render
 * faults every page in again, zeroed: on virtual machines that costs more
 * than decoding.  overlay_heap_keep raises both thresholds in workers, so
 * freed memory is reused; the worker keeps up to that much of it.
 */

static ngx_int_t
ngx_http_overlay_init_process(ngx_cycle_t *cycle)
{
    size_t                         keep;
    ngx_http_overlay_main_conf_t  *omcf;

    omcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_overlay_module);

    if (omcf == NULL || !omcf->used || omcf->heap_keep == 0) {
        return NGX_OK;
    }

    keep = (omcf->heap_keep == NGX_CONF_UNSET_SIZE)
           ? NGX_HTTP_OVERLAY_HEAP_KEEP : omcf->heap_keep;

#if (NGX_LINUX) && defined(__GLIBC__)

    /* glibc refuses a mmap threshold above 32 MB on 64-bit systems */

    if (mallopt(M_MMAP_THRESHOLD,
                (int) ngx_min(keep, (size_t) 32 * 1024 * 1024)) != 1
        || mallopt(M_TRIM_THRESHOLD,
                   (int) ngx_min(keep, (size_t) NGX_MAX_INT32_VALUE)) != 1)
    {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "overlay_heap_keep: mallopt() failed");
    }

#else

    (void) keep;

#endif

    return NGX_OK;
}


static void
ngx_http_overlay_exit(ngx_cycle_t *cycle)
{
    /* the overlays this thread keeps, the faces libgd keeps open */
    ngx_http_overlay_tiles_flush();
    gdFontCacheShutdown();
}


static ngx_int_t
ngx_http_overlay_init(ngx_conf_t *cf)
{
    ngx_str_t                   name;
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_overlay_conditionals;

    /* counters for overlay_stats, shared by the workers, kept on reload */

    ngx_str_set(&name, NGX_HTTP_OVERLAY_STATS_ZONE);

    ngx_http_overlay_stats_zone = ngx_shared_memory_add(cf, &name,
                                                8 * ngx_pagesize,
                                                &ngx_http_overlay_module);
    if (ngx_http_overlay_stats_zone == NULL) {
        return NGX_ERROR;
    }

    ngx_http_overlay_stats_zone->init = ngx_http_overlay_init_stats_zone;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_overlay_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_overlay_body_filter;

    return NGX_OK;
}
