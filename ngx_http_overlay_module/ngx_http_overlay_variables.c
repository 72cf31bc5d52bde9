
/*
 * ngx_http_overlay_module: the embedded variables.
 *
 * $overlay_status (none, applied, passed, rejected, expired, pending),
 * $overlay_error (the reason, empty when applied), $overlay_method (the
 * codec's path, empty unless applied) and $overlay_time (decoding to
 * encoding, in seconds), of the main request, for log_format, add_header
 * and the like.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


static ngx_int_t ngx_http_overlay_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_overlay_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_overlay_method_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_overlay_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_overlay_vars[] = {

    { ngx_string("overlay_status"), NULL,
      ngx_http_overlay_status_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("overlay_error"), NULL,
      ngx_http_overlay_error_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("overlay_method"), NULL,
      ngx_http_overlay_method_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("overlay_time"), NULL,
      ngx_http_overlay_time_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_overlay_statuses[] = {
    ngx_string("none"),
    ngx_string("applied"),
    ngx_string("passed"),
    ngx_string("rejected"),
    ngx_string("expired"),
    ngx_string("pending")
};


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


/* the path the codec took: "splice", "png", ...; empty unless applied */

static ngx_int_t
ngx_http_overlay_method_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char              *name;
    ngx_http_overlay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_overlay_module);

    name = (ctx != NULL && ctx->status == NGX_HTTP_OVERLAY_APPLIED)
           ? ngx_http_overlay_method_name(ctx->method) : "";

    v->len = ngx_strlen(name);
    v->data = (u_char *) name;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
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


ngx_int_t
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
