
/*
 * ngx_http_overlay_module: the header and body filters.
 *
 * Two modules share them, as nginx's range filter is two, because the
 * decision has to come before nginx's not modified filter and the reading
 * after its copy filter (see "config" for where each is placed):
 *
 * - ngx_http_overlay_etag_filter_module's header filter runs before
 *   not_modified's.  It decides, from the status, the Content-Type
 *   (overlay_types), the encoding and the parameter, whether the module
 *   will draw on the response.  A response it will not draw on goes on as
 *   it came.  For one it will, it puts the overlay's ETag in place of the
 *   original's, which it keeps: nginx's not modified filter then answers
 *   the conditionals against the overlay's validators.
 * - ngx_http_overlay_module's header filter, after not_modified's, holds
 *   the header of a response to draw on (not of a 304 or a HEAD); its
 *   body filter, after copy's, reads the body into one buffer, hands the
 *   byte range to the core (ngx_http_overlay_composite(), here or through
 *   ngx_http_overlay_thread.c), and sends the result with its length.
 *
 * Anything that goes wrong with the parameter or the image fails open:
 * the original response goes out unchanged, its own ETag restored, and
 * one line says why.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


#define NGX_HTTP_OVERLAY_FIRST_ALLOC   (64 * 1024)


static ngx_int_t ngx_http_overlay_etag_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_overlay_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_overlay_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_overlay_decide(ngx_http_request_t *r,
    ngx_http_overlay_conf_t *conf, ngx_http_overlay_ctx_t *ctx,
    ngx_str_t *value);
static ngx_int_t ngx_http_overlay_parse(ngx_http_request_t *r,
    ngx_http_overlay_conf_t *conf, ngx_http_overlay_ctx_t *ctx,
    ngx_str_t *value, unsigned *repairs, ngx_http_overlay_error_t *err,
    ngx_http_overlay_rc_e *rc);
static ngx_int_t ngx_http_overlay_signed(ngx_http_request_t *r,
    ngx_http_overlay_conf_t *conf, ngx_http_overlay_signed_t *req);
static ngx_int_t ngx_http_overlay_refuse(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_error_t *err);
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
static ngx_int_t ngx_http_overlay_pass(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_chain_t *rest);
static ngx_int_t ngx_http_overlay_send(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, u_char *data, size_t len);
static ngx_int_t ngx_http_overlay_header_out(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_buf_t **b);
static void ngx_http_overlay_in_flight_cleanup(void *data);
static void ngx_http_overlay_blob_cleanup(void *data);
static ngx_int_t ngx_http_overlay_etag_filter_init(ngx_conf_t *cf);


static ngx_http_module_t  ngx_http_overlay_etag_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_overlay_etag_filter_init,     /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_overlay_etag_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_overlay_etag_filter_module_ctx, /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* the responses this worker holds to draw on: overlay_max_concurrent */
static ngx_uint_t                 ngx_http_overlay_in_flight;


static ngx_http_output_header_filter_pt  ngx_http_next_etag_header_filter;
static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/*
 * Before not_modified: the response is one to draw on, or is left alone
 * (ctx->phase stays NGX_HTTP_OVERLAY_PASS).  Only a 200 is considered: an
 * error page that replaces a response comes with another status, and
 * passes as any other.
 */

static ngx_int_t
ngx_http_overlay_etag_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_str_t                 value;
    ngx_http_overlay_ctx_t   *ctx;
    ngx_http_overlay_conf_t  *conf;

    if (r->headers_out.status != NGX_HTTP_OK
        || ngx_http_get_module_ctx(r, ngx_http_overlay_module) != NULL)
    {
        return ngx_http_next_etag_header_filter(r);
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    if (conf->value == NULL || (r != r->main && !conf->subrequests)) {
        return ngx_http_next_etag_header_filter(r);
    }

    if (ngx_http_complex_value(r, conf->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        return ngx_http_next_etag_header_filter(r);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_overlay_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_overlay_module);

    rc = ngx_http_overlay_decide(r, conf, ctx, &value);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_next_etag_header_filter(r);
}


/*
 * After not_modified: holds the header of a response to draw on until the
 * body is drawn.  A 304 (the client has the overlay) and a HEAD go on at
 * once, with the overlay's ETag.
 */

static ngx_int_t
ngx_http_overlay_header_filter(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_overlay_ctx_t   *ctx;
    ngx_http_overlay_conf_t  *conf;
    ngx_http_overlay_error_t  err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL) {
        return ngx_http_next_header_filter(r);
    }

    if (ctx->header) {
        /* an error page, ours or another's, replaces the response */
        ctx->phase = NGX_HTTP_OVERLAY_PASS;
        r->buffered &= ~NGX_HTTP_OVERLAY_BUFFERED;
        return ngx_http_next_header_filter(r);
    }

    ctx->header = 1;

    if (ctx->phase != NGX_HTTP_OVERLAY_DRAW) {
        return ngx_http_next_header_filter(r);
    }

    ctx->phase = NGX_HTTP_OVERLAY_PASS;

    if (r->headers_out.status == NGX_HTTP_NOT_MODIFIED) {
        /* the overlay's validators matched: nothing is read or drawn */
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.status != NGX_HTTP_OK) {
        ngx_http_overlay_restore_etag(r, ctx);
        return ngx_http_next_header_filter(r);
    }

    if (r->method == NGX_HTTP_HEAD) {
        /* the overlaid image's size is not known without drawing it */
        ngx_http_clear_content_length(r);
        return ngx_http_next_header_filter(r);
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

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
    ngx_http_overlay_stats_held(1);

    ctx->phase = NGX_HTTP_OVERLAY_READ;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "overlay: the header held, the body read");

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

    default: /* NGX_HTTP_OVERLAY_PASS */

        /*
         * not drawn on; or the overlay (ngx_http_overlay_send()) or the
         * original (ngx_http_overlay_pass()) on its way, then whatever
         * follows: another filter's last buffer, an SSI page's output
         */

        return ngx_http_next_body_filter(r, in);
    }
}


/*
 * Whether to draw on the response.  NGX_OK: ctx->phase is
 * NGX_HTTP_OVERLAY_DRAW and the overlay's ETag is in place, or the response
 * is left alone (ctx->error says why, where it was a candidate); else the
 * response is the overlay_on_error status's, and this is what finalizing
 * it returned; NGX_ERROR without memory.
 */

static ngx_int_t
ngx_http_overlay_decide(ngx_http_request_t *r, ngx_http_overlay_conf_t *conf,
    ngx_http_overlay_ctx_t *ctx, ngx_str_t *value)
{
    char                      repaired[128];
    unsigned                  repairs;
    ngx_http_overlay_rc_e     parsed;
    ngx_http_overlay_error_t  err;

    /*
     * a response of another type, or encoded, is not read: it goes on as
     * it came, every flag and header as nginx set them (ranges, HEAD,
     * validators, streaming), and the filters after these see it at once
     */

    if (ngx_http_test_content_type(r, &conf->types) == NULL) {
        ctx->error = NGX_HTTP_OVERLAY_NOT_IMAGE;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "overlay: not_image: Content-Type \"%V\" is not in "
                      "overlay_types, left untouched",
                      &r->headers_out.content_type);

        return NGX_OK;
    }

    if (r->headers_out.content_encoding != NULL
        && r->headers_out.content_encoding->value.len)
    {
        ctx->error = NGX_HTTP_OVERLAY_NOT_IMAGE;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "overlay: not_image: the body has a Content-Encoding "
                      "\"%V\", left untouched",
                      &r->headers_out.content_encoding->value);

        return NGX_OK;
    }

    if (r->subrequest_ranges) {
        /* slice: the rest of the body comes in subrequests, unfiltered */
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "the response comes in slices");
        return ngx_http_overlay_refuse(r, ctx, &err);
    }

    if (ngx_http_overlay_parse(r, conf, ctx, value, &repairs, &err, &parsed)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (parsed != NGX_HTTP_OVERLAY_OK) {
        return ngx_http_overlay_refuse(r, ctx, &err);
    }

    if (repairs) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "overlay: repaired a legacy value: %s",
                      ngx_http_overlay_repairs_text(repaired,
                                                    sizeof(repaired),
                                                    repairs));
    }

    switch (ngx_http_overlay_window(r, ctx)) {

    case NGX_ERROR:
        return NGX_ERROR;

    case NGX_DECLINED:
        return NGX_OK;                  /* no layer now: the original */

    default:
        break;
    }

    if (r->headers_out.content_length_n > (off_t) conf->buffer_size) {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "the body's %lld bytes are more than "
                                      "overlay_buffer %zu",
                                      (long long)
                                          r->headers_out.content_length_n,
                                      conf->buffer_size);
        return ngx_http_overlay_refuse(r, ctx, &err);
    }

    if (ngx_http_overlay_etag(r, ctx) == NGX_ERROR
        || ngx_http_overlay_set_etag(r, ctx) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ctx->phase = NGX_HTTP_OVERLAY_DRAW;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "overlay: to be drawn on, ETag %V", &ctx->etag);

    return NGX_OK;
}


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


/* what a signature covers: the request's path; and the signature */

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
 * The overlay will not be drawn: log why, once, at overlay_log_level, and
 * count it.  NGX_OK: the original is to go on; else the response is the
 * overlay_on_error status's, and this is what finalizing it returned.
 */

static ngx_int_t
ngx_http_overlay_refuse(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

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

    return NGX_OK;
}


/*
 * The overlay cannot be drawn after all: refused (see above), and the
 * original passed on with its own ETag: what was read of the body, then
 * rest.  From the header filter, with nothing read, ctx->phase is
 * NGX_HTTP_OVERLAY_PASS.
 */

static ngx_int_t
ngx_http_overlay_fail(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_error_t *err, ngx_chain_t *rest)
{
    ngx_int_t   rc;
    ngx_uint_t  reading;

    /* the body is held: all read, or read and drawn on in a thread */
    reading = (ctx->phase == NGX_HTTP_OVERLAY_READ
               || ctx->phase == NGX_HTTP_OVERLAY_RENDER);

    rc = ngx_http_overlay_refuse(r, ctx, err);

    if (rc != NGX_OK) {
        return rc;
    }

    ngx_http_overlay_restore_etag(r, ctx);

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
    blob->method = NGX_HTTP_OVERLAY_METHOD_NONE;
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

ngx_int_t
ngx_http_overlay_finish(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_rc_e rc, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_blob_t  *blob;

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return ngx_http_overlay_fail(r, ctx, err, NULL);
    }

    blob = ctx->blob;

    ngx_log_debug5(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "overlay: applied to %s of %uz bytes by %s, %uz bytes "
                   "out, %d layers",
                   ngx_http_overlay_format_name(info->format),
                   (size_t) (ctx->last - ctx->image),
                   ngx_http_overlay_method_name(blob->method), blob->len,
                   (int) ctx->spec.nlayers);

    ctx->status = NGX_HTTP_OVERLAY_APPLIED;
    ctx->method = blob->method;
    ngx_http_overlay_count(r, ctx, info, ctx->last - ctx->image, blob->len);

    r->headers_out.content_length_n = blob->len;

    if (r->headers_out.content_length != NULL) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    return ngx_http_overlay_send(r, ctx, blob->data, blob->len);
}


/*
 * The original goes out after all, what was read of it first, then rest;
 * with the whole body read, the request's last buffer too.  It is sent on
 * from here, after the range filter's body filter, which has seen none
 * of it: the response is whole, without ranges.  What is held is flushed,
 * as the original's bytes would have been sent as they came: an upstream
 * that is gone (ngx_http_upstream_finalize_request() flushes, then closes
 * the connection) loses none of them.
 */

static ngx_int_t
ngx_http_overlay_pass(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_chain_t *rest)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    r->allow_ranges = 0;

    rc = ngx_http_overlay_header_out(r, ctx, &b);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ctx->last != ctx->image) {
        b->pos = ctx->image;
        b->last = ctx->last;
        b->memory = 1;
    }

    if (ctx->last_buf) {
        /* a subrequest's body ends its part, not the response */
        b->last_buf = (r == r->main) ? 1 : 0;
        b->last_in_chain = 1;

    } else {
        b->flush = 1;
    }

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = rest;

    return ngx_http_next_body_filter(r, cl);
}


/*
 * The overlay goes out: its header, with its length; then its body, in
 * one buffer, from the top of the body filter chain, so that the filters
 * before this one see it as they see any body: for a Range request the
 * range filter, which made the header a 206 and knows the ranges, sends
 * those bytes of it (one range or several, If-Range checked against the
 * overlay's ETag).  This filter passes it, and whatever follows, on.
 */

static ngx_int_t
ngx_http_overlay_send(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    u_char *data, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    rc = ngx_http_overlay_header_out(r, ctx, &b);

    if (rc != NGX_DECLINED) {
        return rc;
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

    return ngx_http_output_filter(r, &out);
}


/*
 * From here on the module passes what comes: the header goes on to the
 * next filters.  NGX_DECLINED when a body is to follow, in *b, a new
 * buffer; else what the body filter returns.  A status from a filter
 * after this one (the range filter's 416, image_filter's 415) gets its
 * page, as when a handler gets the status from ngx_http_send_header() and
 * finalizes with it.
 */

static ngx_int_t
ngx_http_overlay_header_out(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_buf_t **b)
{
    ngx_int_t  rc;

    ctx->phase = NGX_HTTP_OVERLAY_PASS;

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || r->header_only) {
        return rc;
    }

    if (rc > NGX_OK) {
        return ngx_http_special_response_handler(r, rc);
    }

    *b = ngx_calloc_buf(r->pool);
    if (*b == NULL) {
        return NGX_ERROR;
    }

    return NGX_DECLINED;
}


static void
ngx_http_overlay_in_flight_cleanup(void *data)
{
    ngx_http_overlay_in_flight--;
    ngx_http_overlay_stats_held(-1);
}


static void
ngx_http_overlay_blob_cleanup(void *data)
{
    ngx_http_overlay_blob_t  *blob = data;

    ngx_http_overlay_codec_free(blob);
}


/* the event loop's cached time is not updated while we render */

ngx_msec_int_t
ngx_http_overlay_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_msec_int_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


ngx_int_t
ngx_http_overlay_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_overlay_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_overlay_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_overlay_etag_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_etag_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_overlay_etag_header_filter;

    return NGX_OK;
}
