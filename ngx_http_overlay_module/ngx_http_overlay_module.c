
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


#define NGX_HTTP_OVERLAY_READ          1
#define NGX_HTTP_OVERLAY_PASS          2
#define NGX_HTTP_OVERLAY_DONE          3

/*
 * nginx has no free bit left for a filter that holds the body: share the
 * image filter's, as both only ever mean "the body is being read whole"
 */
#define NGX_HTTP_OVERLAY_BUFFERED      0x08

#define NGX_HTTP_OVERLAY_FIRST_ALLOC   (64 * 1024)


typedef struct {
    ngx_flag_t                  default_font_checked;
} ngx_http_overlay_main_conf_t;


typedef struct {
    ngx_http_complex_value_t   *value;
    ngx_str_t                   font;
    size_t                      buffer_size;
    ngx_int_t                   jpeg_quality;
} ngx_http_overlay_conf_t;


typedef struct {
    u_char                     *image;
    u_char                     *last;
    size_t                      size;           /* allocated at image */
    ngx_uint_t                  phase;
    unsigned                    detected:1;
    unsigned                    last_buf:1;
    ngx_http_overlay_spec_t     spec;
} ngx_http_overlay_ctx_t;


static ngx_int_t ngx_http_overlay_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_overlay_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_overlay_read(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_chain_t *in, ngx_chain_t **rest);
static ngx_int_t ngx_http_overlay_grow(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, size_t need, size_t limit);
static ngx_int_t ngx_http_overlay_process(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx);
static ngx_int_t ngx_http_overlay_pass(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_chain_t *rest);
static ngx_int_t ngx_http_overlay_send(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, u_char *data, size_t len);
static void ngx_http_overlay_log_failure(ngx_http_request_t *r,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_blob_cleanup(void *data);

static void *ngx_http_overlay_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_overlay_create_conf(ngx_conf_t *cf);
static char *ngx_http_overlay_merge_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_overlay(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_font(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_overlay_check_font(ngx_conf_t *cf, ngx_str_t *path);
static char *ngx_http_overlay_check_bounds(ngx_conf_t *cf, void *post,
    void *data);
static ngx_int_t ngx_http_overlay_init(ngx_conf_t *cf);
static void ngx_http_overlay_exit(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_overlay_jpeg_quality_bounds = {
    ngx_http_overlay_check_bounds, 1, 100
};


static ngx_command_t  ngx_http_overlay_commands[] = {

    { ngx_string("overlay"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_overlay,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_font"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_overlay_font,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("overlay_buffer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, buffer_size),
      NULL },

    { ngx_string("overlay_jpeg_quality"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_overlay_conf_t, jpeg_quality),
      &ngx_http_overlay_jpeg_quality_bounds },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_overlay_module_ctx = {
    NULL,                                  /* preconfiguration */
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
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_overlay_exit,                 /* exit process */
    ngx_http_overlay_exit,                 /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


static ngx_int_t
ngx_http_overlay_header_filter(ngx_http_request_t *r)
{
    ngx_str_t                  value;
    ngx_http_overlay_ctx_t    *ctx;
    ngx_http_overlay_conf_t   *conf;
    ngx_http_overlay_error_t   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx != NULL) {
        /* an error page replaces the response that was being read */
        ngx_http_set_ctx(r, NULL, ngx_http_overlay_module);
        r->connection->buffered &= ~NGX_HTTP_OVERLAY_BUFFERED;
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.status != NGX_HTTP_OK || r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    if (conf->value == NULL) {
        return ngx_http_next_header_filter(r);
    }

    if (ngx_http_complex_value(r, conf->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.content_encoding != NULL
        && r->headers_out.content_encoding->value.len)
    {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "the body has a Content-Encoding");
        ngx_http_overlay_log_failure(r, &err);
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_overlay_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_overlay_parse_value(value.data, value.len, &ctx->spec, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        ngx_http_overlay_log_failure(r, &err);
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.content_length_n > (off_t) conf->buffer_size) {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "the body's %lld bytes are more than "
                                      "overlay_buffer %zu",
                                      (long long)
                                          r->headers_out.content_length_n,
                                      conf->buffer_size);
        ngx_http_overlay_log_failure(r, &err);
        return ngx_http_next_header_filter(r);
    }

    r->allow_ranges = 0;

    if (r->method == NGX_HTTP_HEAD) {
        /* the overlaid image's size is not known without rendering it */
        ngx_http_clear_content_length(r);
        ngx_http_clear_accept_ranges(r);
        ngx_http_clear_etag(r);
        return ngx_http_next_header_filter(r);
    }

    ctx->phase = NGX_HTTP_OVERLAY_READ;

    ngx_http_set_ctx(r, ctx, ngx_http_overlay_module);

    r->main_filter_need_in_memory = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                rc;
    ngx_chain_t             *rest;
    ngx_http_overlay_ctx_t  *ctx;

    if (in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    switch (ctx->phase) {

    case NGX_HTTP_OVERLAY_READ:

        rc = ngx_http_overlay_read(r, ctx, in, &rest);

        if (rc == NGX_AGAIN) {
            r->connection->buffered |= NGX_HTTP_OVERLAY_BUFFERED;
            return NGX_OK;
        }

        r->connection->buffered &= ~NGX_HTTP_OVERLAY_BUFFERED;

        if (rc == NGX_ERROR) {
            return ngx_http_filter_finalize_request(r,
                                              &ngx_http_overlay_module,
                                              NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        if (rc == NGX_DECLINED) {
            return ngx_http_overlay_pass(r, ctx, rest);
        }

        return ngx_http_overlay_process(r, ctx);

    case NGX_HTTP_OVERLAY_PASS:
        return ngx_http_next_body_filter(r, in);

    default: /* NGX_HTTP_OVERLAY_DONE */

        rc = ngx_http_next_body_filter(r, NULL);

        /* nothing may follow the last buffer */
        return (rc == NGX_OK) ? NGX_ERROR : rc;
    }
}


/*
 * Copies the body into one buffer.  NGX_AGAIN: more to come; NGX_OK: the
 * whole body is in; NGX_DECLINED: the response is to pass through, with
 * what was copied so far followed by *rest, the buffers not copied.
 */

static ngx_int_t
ngx_http_overlay_read(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_chain_t *in, ngx_chain_t **rest)
{
    size_t                     size, have;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl;
    ngx_http_overlay_conf_t   *conf;
    ngx_http_overlay_error_t   err;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    for (cl = in; cl != NULL; cl = cl->next) {

        b = cl->buf;
        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;
        have = ctx->last - ctx->image;

        if (size > conf->buffer_size - have) {
            (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                          "the body is more than "
                                          "overlay_buffer %zu bytes",
                                          conf->buffer_size);
            ngx_http_overlay_log_failure(r, &err);
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

        if (b->last_buf) {
            ctx->last_buf = 1;
        }

        have = ctx->last - ctx->image;

        if (!ctx->detected
            && (have >= NGX_HTTP_OVERLAY_MAGIC_LEN || ctx->last_buf))
        {
            if (ngx_http_overlay_codec_detect(ctx->image, have)
                == NGX_HTTP_OVERLAY_FORMAT_NONE)
            {
                (void) ngx_http_overlay_error(&err,
                                              NGX_HTTP_OVERLAY_NOT_IMAGE,
                                              "the body is neither JPEG "
                                              "nor PNG");
                ngx_http_overlay_log_failure(r, &err);
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
    ngx_http_overlay_options_t      opts;
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

    opts.font = (const char *) conf->font.data;
    opts.codec.jpeg_quality = (int) conf->jpeg_quality;
    opts.codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    rc = ngx_http_overlay_composite(ctx->image, ctx->last - ctx->image,
                                    &ctx->spec, &opts, &info, blob, &err);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_log_failure(r, &err);
        return ngx_http_overlay_pass(r, ctx, NULL);
    }

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "overlay: applied to %s of %uz bytes, %uz bytes out, "
                   "%d layers",
                   ngx_http_overlay_format_name(info.format),
                   (size_t) (ctx->last - ctx->image), blob->len,
                   (int) ctx->spec.nlayers);

    r->headers_out.content_length_n = blob->len;

    if (r->headers_out.content_length != NULL) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_etag(r);

    return ngx_http_overlay_send(r, ctx, blob->data, blob->len);
}


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

    b->last_buf = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


static void
ngx_http_overlay_log_failure(ngx_http_request_t *r,
    ngx_http_overlay_error_t *err)
{
    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "overlay: %s: %s, passing the original through",
                  ngx_http_overlay_reason(err->code), err->msg);
}


static void
ngx_http_overlay_blob_cleanup(void *data)
{
    ngx_http_overlay_blob_t  *blob = data;

    ngx_http_overlay_codec_free(blob);
}


static void *
ngx_http_overlay_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_overlay_main_conf_t  *omcf;

    omcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_overlay_main_conf_t));
    if (omcf == NULL) {
        return NULL;
    }

    /*
     * fonts are checked anew for each configuration: drop libgd's cache of
     * faces, which would hide a font file changed since the last check
     */

    ngx_http_overlay_render_init();
    gdFontCacheShutdown();
    (void) gdFontCacheSetup();

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
     *     conf->font = { 0, NULL };
     */

    conf->value = NGX_CONF_UNSET_PTR;
    conf->buffer_size = NGX_CONF_UNSET_SIZE;
    conf->jpeg_quality = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_overlay_merge_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_overlay_conf_t *prev = parent;
    ngx_http_overlay_conf_t *conf = child;

    ngx_http_overlay_main_conf_t  *omcf;

    ngx_conf_merge_ptr_value(conf->value, prev->value, NULL);

    ngx_conf_merge_size_value(conf->buffer_size, prev->buffer_size,
                              16 * 1024 * 1024);

    ngx_conf_merge_value(conf->jpeg_quality, prev->jpeg_quality, 85);

    ngx_conf_merge_str_value(conf->font, prev->font, "");

    if (conf->font.len == 0) {
        ngx_str_set(&conf->font, NGX_HTTP_OVERLAY_DEFAULT_FONT);

        /* the default font is needed, and checked, only where used */

        omcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_overlay_module);

        if (conf->value != NULL && !omcf->default_font_checked) {

            if (ngx_http_overlay_check_font(cf, &conf->font)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            omcf->default_font_checked = 1;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (olcf->value != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        olcf->value = NULL;
        return NGX_CONF_OK;
    }

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


static char *
ngx_http_overlay_font(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t  *value;

    if (olcf->font.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    olcf->font = value[1];

    if (ngx_conf_full_name(cf->cycle, &olcf->font, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_overlay_check_font(cf, &olcf->font);
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


static ngx_int_t
ngx_http_overlay_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_overlay_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_overlay_body_filter;

    return NGX_OK;
}


static void
ngx_http_overlay_exit(ngx_cycle_t *cycle)
{
    /* the faces libgd keeps open */
    gdFontCacheShutdown();
}
