
/*
 * ngx_http_overlay_module: composites overlays described by a request
 * parameter onto image responses.
 *
 * This file is the module itself: its directives, its definition, the
 * creation and merge of its configurations (into what the core is given,
 * ngx_http_overlay_options_t), its initialization, and the workers' heap
 * tuning and exit.  The rest of the nginx glue, one concern a file, shares
 * ngx_http_overlay_module.h:
 *
 *     ngx_http_overlay_directive.c    directive handlers
 *     ngx_http_overlay_assets.c       fonts, image assets, libgd's font cache
 *     ngx_http_overlay_filter.c       the header and body filters, and
 *                                     the module whose header filter
 *                                     runs before not_modified's
 *     ngx_http_overlay_etag.c         the overlay's ETag, in and out
 *     ngx_http_overlay_thread.c       the composite in overlay_thread_pool
 *     ngx_http_overlay_stats.c        the counters and overlay_stats
 *     ngx_http_overlay_variables.c    the embedded variables
 *
 * The core (ngx_http_overlay_core.h), with no nginx types, does the rest.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"

#if (NGX_LINUX) && defined(__GLIBC__)
#include <malloc.h>
#endif


#define NGX_HTTP_OVERLAY_HEAP_KEEP     (128 * 1024 * 1024)


static void *ngx_http_overlay_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_overlay_create_conf(ngx_conf_t *cf);
static char *ngx_http_overlay_merge_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_overlay_merge_defaults(ngx_conf_t *cf,
    ngx_http_overlay_conf_t *prev, ngx_http_overlay_conf_t *conf);
static ngx_int_t ngx_http_overlay_init_process(ngx_cycle_t *cycle);
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


#define NGX_HTTP_OVERLAY_LOC                                                  \
    NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF


/* the Content-Types read, unless overlay_types says otherwise */
static ngx_str_t  ngx_http_overlay_default_types[] = {
    ngx_string("image/jpeg"),
    ngx_string("image/png"),
    ngx_string("image/webp"),
    ngx_string("image/gif"),
    ngx_null_string
};


static ngx_command_t  ngx_http_overlay_commands[] = {

    { ngx_string("overlay"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_types"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_1MORE,
      ngx_http_types_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, types_keys),
      NULL },

    { ngx_string("overlay_font"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_1MORE,
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
      ngx_http_overlay_quality,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, jpeg_quality),
      &ngx_http_overlay_jpeg_quality_bounds },

    { ngx_string("overlay_webp_quality"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE1,
      ngx_http_overlay_quality,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, webp_quality),
      &ngx_http_overlay_jpeg_quality_bounds },

    { ngx_string("overlay_webp_method"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_TAKE12,
      ngx_http_overlay_webp_method,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_png_reduce"),
      NGX_HTTP_OVERLAY_LOC|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, png_reduce),
      NULL },

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


static void *
ngx_http_overlay_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_overlay_main_conf_t  *omcf;

    omcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_overlay_main_conf_t));
    if (omcf == NULL) {
        return NULL;
    }

    if (ngx_http_overlay_font_cache_init(cf) != NGX_OK) {
        return NULL;
    }

    omcf->heap_keep = NGX_CONF_UNSET_SIZE;

    return omcf;
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
     *     conf->types = { NULL };
     *     conf->types_keys = NULL;
     *     conf->default_font = { 0, NULL };
     *     conf->opts = { 0 };
     */

    conf->value = NGX_CONF_UNSET_PTR;
    conf->buffer_size = NGX_CONF_UNSET_SIZE;
    conf->max_param = NGX_CONF_UNSET_SIZE;
    conf->jpeg_quality = NGX_CONF_UNSET;
    conf->webp_quality = NGX_CONF_UNSET;
    conf->webp_method = NGX_CONF_UNSET;
    conf->webp_lossless_method = NGX_CONF_UNSET;
    conf->png_reduce = NGX_CONF_UNSET;
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

    if (ngx_http_merge_types(cf, &conf->types_keys, &conf->types,
                             &prev->types_keys, &prev->types,
                             ngx_http_overlay_default_types)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_size_value(conf->buffer_size, prev->buffer_size,
                              16 * 1024 * 1024);

    ngx_conf_merge_size_value(conf->max_param, prev->max_param,
                              NGX_HTTP_OVERLAY_PARAM_MAX);

    ngx_conf_merge_value(conf->jpeg_quality, prev->jpeg_quality, 0);
    ngx_conf_merge_value(conf->webp_quality, prev->webp_quality, 0);
    ngx_conf_merge_value(conf->webp_method, prev->webp_method,
                         NGX_HTTP_OVERLAY_WEBP_METHOD);
    ngx_conf_merge_value(conf->webp_lossless_method,
                         prev->webp_lossless_method,
                         NGX_HTTP_OVERLAY_WEBP_LOSSLESS_METHOD);
    ngx_conf_merge_value(conf->png_reduce, prev->png_reduce, 0);
    ngx_conf_merge_uint_value(conf->max_layers, prev->max_layers,
                              NGX_HTTP_OVERLAY_LAYERS_DEFAULT);
    ngx_conf_merge_uint_value(conf->max_concurrent, prev->max_concurrent, 16);
    ngx_conf_merge_uint_value(conf->max_pixels, prev->max_pixels,
                              NGX_HTTP_OVERLAY_MAX_PIXELS);
    ngx_conf_merge_uint_value(conf->max_side, prev->max_side, 0);
    ngx_conf_merge_uint_value(conf->max_text, prev->max_text,
                              NGX_HTTP_OVERLAY_TEXT_DEFAULT);
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
    opts->codec.webp_method = (int) conf->webp_method;
    opts->codec.webp_lossless_method = (int) conf->webp_lossless_method;
    opts->codec.png_reduce = (int) conf->png_reduce;
    opts->codec.max_pixels = conf->max_pixels;
    opts->codec.max_side = (unsigned) conf->max_side;

    if (ngx_http_overlay_merge_names(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_overlay_merge_defaults(cf, prev, conf);
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

    ngx_http_overlay_stats_init_process(cycle);

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
        /*
         * glibc takes these values; an allocator put in its place
         * (AddressSanitizer's, one preloaded) may take none: nothing is
         * wrong with the configuration, the setting has no effect
         */

        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "overlay_heap_keep: mallopt() failed, the allocator "
                      "does not take it: glibc's defaults apply");
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
    ngx_http_overlay_core_shutdown();
    ngx_http_overlay_stats_exit_process(cycle);
}


static ngx_int_t
ngx_http_overlay_init(ngx_conf_t *cf)
{
    /* counters for overlay_stats, shared by the workers, kept on reload */

    if (ngx_http_overlay_stats_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_overlay_filter_init(cf);
}
