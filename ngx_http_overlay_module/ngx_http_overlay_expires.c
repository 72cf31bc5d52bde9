
/*
 * ngx_http_overlay_module: the licence window in nginx: the spec as drawn
 * now (ngx_http_overlay_window(), when the filter decides), and cache
 * lifetimes that end when the picture changes.
 *
 * A response whose drawing depends on the time (a layer's "from" or
 * "until", a countdown) may be cached until the drawing next changes
 * (ctx->next_change, ngx_http_overlay_window.h), no longer: its
 * Cache-Control max-age (and s-maxage) is lowered to the seconds left, or
 * set to them when it has none, and its Expires follows.  What the
 * response would otherwise say is respected: a shorter max-age, an
 * earlier Expires, no-store or no-cache stay as they are.
 *
 * A third module, ngx_http_overlay_expires_filter_module, for where its
 * header filter runs: after nginx's headers filter (expires, add_header),
 * so that it sees what the location sends.  A dynamic module is placed
 * before ngx_http_headers_filter_module by config's ngx_module_order; in
 * a static build (--add-module) it is one of the HTTP_FILTER modules after
 * the headers filter in the list, runs before it, and a location's
 * `expires` then replaces its max-age.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


static ngx_int_t ngx_http_overlay_expires_header_filter(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_overlay_expires_clamp(ngx_http_request_t *r,
    time_t left);
static time_t ngx_http_overlay_expires_directive(ngx_str_t *value,
    const char *name, ngx_uint_t *found);
static u_char *ngx_http_overlay_expires_copy(u_char *p, ngx_str_t *value,
    u_char *start);
static ngx_int_t ngx_http_overlay_expires_filter_init(ngx_conf_t *cf);


static ngx_http_module_t  ngx_http_overlay_expires_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_overlay_expires_filter_init,  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_overlay_expires_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_overlay_expires_filter_module_ctx, /* module context */
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


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t
ngx_http_overlay_expires_header_filter(ngx_http_request_t *r)
{
    time_t                   left;
    ngx_http_overlay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL || ctx->next_change == 0
        || (r->headers_out.status != NGX_HTTP_OK
            && r->headers_out.status != NGX_HTTP_PARTIAL_CONTENT
            && r->headers_out.status != NGX_HTTP_NOT_MODIFIED))
    {
        return ngx_http_next_header_filter(r);
    }

    left = ctx->next_change - ngx_time();

    if (left < 0) {
        left = 0;
    }

    if (ngx_http_overlay_expires_clamp(r, left) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


/*
 * The response's lifetime made at most left seconds: its max-age (or,
 * without one, its Expires) kept when shorter, else Cache-Control's
 * max-age and s-maxage lowered (max-age added when missing) and Expires
 * set to now + left.
 */

static ngx_int_t
ngx_http_overlay_expires_clamp(ngx_http_request_t *r, time_t left)
{
    u_char            *p;
    time_t             age, t, now;
    ngx_str_t          v;
    ngx_uint_t         i, n, found, shared, nocache;
    ngx_table_elt_t   *h, *first, *expires;
#if (nginx_version >= 1023000)
    ngx_table_elt_t   *cc;
#else
    ngx_table_elt_t  **ccp;
#endif

    now = ngx_time();
    age = -1;
    shared = 0;
    nocache = 0;
    n = 0;
    first = NULL;

    /* what Cache-Control says: its max-age and s-maxage, no-store */

#if (nginx_version >= 1023000)
    for (cc = r->headers_out.cache_control; cc; cc = cc->next) {
        h = cc;
#else
    ccp = r->headers_out.cache_control.elts;

    for (i = 0; i < r->headers_out.cache_control.nelts; i++) {
        h = ccp[i];
#endif
        if (h->hash == 0) {
            continue;
        }

        if (first == NULL) {
            first = h;
        }

        n += h->value.len + 2;

        if (ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                             (u_char *) "no-store", 8 - 1) != NULL
            || ngx_strlcasestrn(h->value.data,
                                h->value.data + h->value.len,
                                (u_char *) "no-cache", 8 - 1) != NULL)
        {
            nocache = 1;
        }

        t = ngx_http_overlay_expires_directive(&h->value, "max-age", &found);
        if (found && (age < 0 || t < age)) {
            age = t;
        }

        (void) ngx_http_overlay_expires_directive(&h->value, "s-maxage",
                                                  &found);
        shared |= found;
    }

    if (nocache) {
        return NGX_OK;
    }

    expires = r->headers_out.expires;

    if (age < 0 && expires != NULL && expires->hash != 0) {
        t = ngx_parse_http_time(expires->value.data, expires->value.len);
        age = t == NGX_ERROR || t < now ? 0 : t - now;
    }

    if (age >= 0 && age <= left && !shared) {
        return NGX_OK;                  /* it ends before the picture */
    }

    if (age < 0 || age > left) {
        age = left;
    }

    /* one Cache-Control: the others' directives, max-age lowered */

    p = ngx_pnalloc(r->pool, n + sizeof(", max-age=, s-maxage=") - 1
                             + 2 * NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v.data = p;

#if (nginx_version >= 1023000)
    for (cc = r->headers_out.cache_control; cc; cc = cc->next) {
        h = cc;
#else
    for (i = 0; i < r->headers_out.cache_control.nelts; i++) {
        h = ccp[i];
#endif
        if (h->hash == 0) {
            continue;
        }

        p = ngx_http_overlay_expires_copy(p, &h->value, v.data);

        if (h != first) {
            h->hash = 0;
        }
    }

    p = ngx_sprintf(p, "%smax-age=%T", p == v.data ? "" : ", ", age);

    if (shared) {
        p = ngx_sprintf(p, ", s-maxage=%T", age);
    }

    v.len = p - v.data;

    if (first == NULL) {
        first = ngx_list_push(&r->headers_out.headers);
        if (first == NULL) {
            return NGX_ERROR;
        }

        first->hash = 1;
        ngx_str_set(&first->key, "Cache-Control");

#if (nginx_version >= 1023000)
        first->next = NULL;
        r->headers_out.cache_control = first;
#else
        if (r->headers_out.cache_control.elts == NULL
            && ngx_array_init(&r->headers_out.cache_control, r->pool, 1,
                              sizeof(ngx_table_elt_t *))
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        ccp = ngx_array_push(&r->headers_out.cache_control);
        if (ccp == NULL) {
            return NGX_ERROR;
        }

        *ccp = first;
#endif
    }

    first->value = v;

    /* Expires: now + age */

    if (expires == NULL) {
        expires = ngx_list_push(&r->headers_out.headers);
        if (expires == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&expires->key, "Expires");
#if (nginx_version >= 1023000)
        expires->next = NULL;
#endif
        r->headers_out.expires = expires;
    }

    expires->hash = 1;

    expires->value.data = ngx_pnalloc(r->pool,
                                      sizeof("Mon, 28 Sep 1970 06:00:00 GMT"));
    if (expires->value.data == NULL) {
        return NGX_ERROR;
    }

    expires->value.len = ngx_http_time(expires->value.data, now + age)
                         - expires->value.data;

    return NGX_OK;
}


/*
 * The seconds of a directive "name=N" in a Cache-Control value (*found
 * says whether it has one; a value that is no number counts as 0)
 */

static time_t
ngx_http_overlay_expires_directive(ngx_str_t *value, const char *name,
    ngx_uint_t *found)
{
    u_char  *p, *end, *t;
    size_t   len;
    time_t   n;

    *found = 0;
    len = ngx_strlen(name);
    p = value->data;
    end = value->data + value->len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\t')) {
            p++;
        }

        t = p;

        while (p < end && *p != ',') {
            p++;
        }

        /* the token [t, p) */

        if ((size_t) (p - t) > len && t[len] == '='
            && ngx_strncasecmp(t, (u_char *) name, len) == 0)
        {
            t += len + 1;
            t += (t < p && *t == '"');
            n = 0;

            while (t < p && *t >= '0' && *t <= '9'
                   && n < NGX_MAX_TIME_T_VALUE / 10 - 10)
            {
                n = n * 10 + (*t++ - '0');
            }

            *found = 1;

            return n;
        }
    }

    return 0;
}


/* copies value's directives but max-age and s-maxage to p; the new end */

static u_char *
ngx_http_overlay_expires_copy(u_char *p, ngx_str_t *value, u_char *start)
{
    u_char  *s, *end, *t, *e;

    s = value->data;
    end = value->data + value->len;

    while (s < end) {
        while (s < end && (*s == ' ' || *s == ',' || *s == '\t')) {
            s++;
        }

        t = s;

        while (s < end && *s != ',') {
            s++;
        }

        for (e = s; e > t && (e[-1] == ' ' || e[-1] == '\t'); e--) {
            /* void */
        }

        if (e == t
            || ((size_t) (e - t) > 7
                && ngx_strncasecmp(t, (u_char *) "max-age=", 8) == 0)
            || ((size_t) (e - t) > 8
                && ngx_strncasecmp(t, (u_char *) "s-maxage=", 9) == 0))
        {
            continue;
        }

        if (p != start) {
            *p++ = ',';
            *p++ = ' ';
        }

        p = ngx_cpymem(p, t, e - t);
    }

    return p;
}


/* the spec as drawn now (ngx_http_overlay_module.h) */

ngx_int_t
ngx_http_overlay_window(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    char                     *buf;
    size_t                    size;
    int64_t                   next;
    unsigned                  i, window;
    ngx_http_overlay_when_e   when;

    /* the catalogue's plain badges: no window, no brace, nothing to do */

    window = 0;

    for (i = 0; i < ctx->spec.nlayers; i++) {
        window |= ctx->spec.layers[i].window;
    }

    if (window == 0) {
        return NGX_OK;
    }

    size = ngx_http_overlay_spec_at_size(&ctx->spec);

    buf = ngx_pnalloc(r->pool, size + 1);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    when = ngx_http_overlay_spec_at(&ctx->spec, ngx_time(), &ctx->spec, buf,
                                    size, &next);

    ctx->next_change = (time_t) next;

    if (when != NGX_HTTP_OVERLAY_WINDOW_PENDING
        && when != NGX_HTTP_OVERLAY_WINDOW_EXPIRED)
    {
        return NGX_OK;
    }

    ctx->phase = NGX_HTTP_OVERLAY_PASS;
    ctx->status = when == NGX_HTTP_OVERLAY_WINDOW_PENDING
                  ? NGX_HTTP_OVERLAY_PENDING : NGX_HTTP_OVERLAY_EXPIRED;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "overlay: %s: no layer is drawn now, passing the original "
                  "through",
                  when == NGX_HTTP_OVERLAY_WINDOW_PENDING ? "pending"
                                                          : "expired");

    ngx_http_overlay_count(r, ctx, NULL, 0, 0);

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_overlay_expires_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_overlay_expires_header_filter;

    return NGX_OK;
}
