
/*
 * ngx_http_overlay_module: the counters, and overlay_stats to read them.
 *
 * Every response an overlay is requested for is counted once: by outcome
 * (applied, passed, rejected) and reason, an applied one by format, the
 * codec's path (its method) and bytes, and the time of each render in a
 * histogram.  The counters are in a zone shared by the workers and kept
 * on reload; a location with "overlay_stats" shows them in Prometheus'
 * text format, in a buffer sized first, as ngx_http_stub_status_module
 * does.
 *
 * The gauge of the responses held now is kept per worker, in a place of
 * the zone each worker takes when it starts (by its pid) and leaves when
 * it exits; the page sums the places of the workers alive, so that a
 * worker that died with responses held (killed, crashed) does not count
 * them for ever.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


/* the counters of overlay_stats, in a zone shared by workers and reloads */
#define NGX_HTTP_OVERLAY_STATS_ZONE    "ngx_http_overlay_stats"

/*
 * A counter for each reason of ngx_http_overlay_rc_e (OK, not shown,
 * included) and each format of ngx_http_overlay_format_e (NONE included):
 * BUSY and GIF are the last ones, which the switches of
 * ngx_http_overlay_stats_reason() and ngx_http_overlay_stats_format()
 * check when compiled.
 */
#define NGX_HTTP_OVERLAY_REASONS       NGX_HTTP_OVERLAY_RC_COUNT
#define NGX_HTTP_OVERLAY_FORMATS       (NGX_HTTP_OVERLAY_FORMAT_GIF + 1)
#define NGX_HTTP_OVERLAY_METHODS       NGX_HTTP_OVERLAY_METHOD_COUNT
#define NGX_HTTP_OVERLAY_BUCKETS       12

/*
 * The workers' places in the gauge: workers of several generations live
 * at once while reloads follow each other; a worker beyond them counts in
 * a place of all of them, without its pid
 */
#define NGX_HTTP_OVERLAY_WORKERS       256

/*
 * A case of a switch on an enum that names every member and has no
 * default: a member added to the enum but not to the switch is a -Wswitch
 * warning (of -Wall; an error with -Werror, as nginx's build and the
 * Makefile's have it), and a member without a counter below n is an array
 * of negative size, an error.
 */
#define ngx_http_overlay_counter_case(member, n)                              \
    case member:                                                              \
        (void) sizeof(char [(member) < (n) ? 1 : -1]);                        \
        return member

#define ngx_http_overlay_reason_case(member)                                  \
    ngx_http_overlay_counter_case(member, NGX_HTTP_OVERLAY_REASONS)

#define ngx_http_overlay_format_case(member)                                  \
    ngx_http_overlay_counter_case(member, NGX_HTTP_OVERLAY_FORMATS)


/*
 * The lines of the page, formats of ngx_slprintf(); the arguments' room is
 * added to their sizeof() in ngx_http_overlay_stats_size().
 */

#define NGX_HTTP_OVERLAY_STATS_REQUESTS_HELP                                  \
    "# HELP nginx_overlay_requests_total Responses an overlay was "           \
    "requested for, by outcome and reason.\n"                                 \
    "# TYPE nginx_overlay_requests_total counter\n"

#define NGX_HTTP_OVERLAY_STATS_APPLIED                                        \
    "nginx_overlay_requests_total{status=\"applied\",reason=\"\"} %uA\n"

/* no layer drawn, by its window: "expired" or "pending" */
#define NGX_HTTP_OVERLAY_STATS_WINDOW                                         \
    "nginx_overlay_requests_total{status=\"%s\",reason=\"\"} %uA\n"

#define NGX_HTTP_OVERLAY_STATS_REQUESTS                                       \
    "nginx_overlay_requests_total{status=\"%s\",reason=\"%s\"} %uA\n"

#define NGX_HTTP_OVERLAY_STATS_FORMATS_HELP                                   \
    "# HELP nginx_overlay_applied_total Overlays drawn, by format and the "   \
    "codec's path ($overlay_method).\n"                                       \
    "# TYPE nginx_overlay_applied_total counter\n"

#define NGX_HTTP_OVERLAY_STATS_FORMAT                                         \
    "nginx_overlay_applied_total{format=\"%s\",method=\"%s\"} %uA\n"

#define NGX_HTTP_OVERLAY_STATS_BYTES                                          \
    "# HELP nginx_overlay_bytes_in_total Bytes of the images drawn on."       \
    "\n# TYPE nginx_overlay_bytes_in_total counter\n"                         \
    "nginx_overlay_bytes_in_total %uA\n"                                      \
    "# HELP nginx_overlay_bytes_out_total Bytes of the images drawn."         \
    "\n# TYPE nginx_overlay_bytes_out_total counter\n"                        \
    "nginx_overlay_bytes_out_total %uA\n"                                     \
    "# HELP nginx_overlay_render_seconds Time decoding, drawing and "         \
    "encoding.\n# TYPE nginx_overlay_render_seconds histogram\n"

#define NGX_HTTP_OVERLAY_STATS_BUCKET                                         \
    "nginx_overlay_render_seconds_bucket{le=\"%s\"} %uA\n"

#define NGX_HTTP_OVERLAY_STATS_SUM                                            \
    "nginx_overlay_render_seconds_sum %uA.%06uA\n"                            \
    "nginx_overlay_render_seconds_count %uA\n"

#define NGX_HTTP_OVERLAY_STATS_IN_FLIGHT                                      \
    "# HELP nginx_overlay_in_flight Responses held to draw on now (read, "    \
    "drawn or sent), summed over the workers.\n"                              \
    "# TYPE nginx_overlay_in_flight gauge\n"                                  \
    "nginx_overlay_in_flight %uA\n"


typedef struct {
    ngx_atomic_t                pid;            /* 0: a free place */
    ngx_atomic_t                held;
} ngx_http_overlay_worker_t;


typedef struct {
    size_t                      size;           /* of this struct: layout */
    ngx_atomic_t                applied[NGX_HTTP_OVERLAY_FORMATS];
    ngx_atomic_t                methods[NGX_HTTP_OVERLAY_METHODS];
    ngx_atomic_t                passed[NGX_HTTP_OVERLAY_REASONS];
    ngx_atomic_t                rejected[NGX_HTTP_OVERLAY_REASONS];
    ngx_atomic_t                expired;
    ngx_atomic_t                pending;
    ngx_atomic_t                bytes_in;
    ngx_atomic_t                bytes_out;
    ngx_atomic_t                render_usec;
    ngx_atomic_t                render_count;
    ngx_atomic_t                render_buckets[NGX_HTTP_OVERLAY_BUCKETS];
    ngx_atomic_t                held_unplaced;
    ngx_http_overlay_worker_t   workers[NGX_HTTP_OVERLAY_WORKERS];
} ngx_http_overlay_stats_t;


static ngx_uint_t ngx_http_overlay_stats_reason(ngx_http_overlay_rc_e code);
static ngx_uint_t ngx_http_overlay_stats_format(
    ngx_http_overlay_format_e format);
static ngx_int_t ngx_http_overlay_stats_handler(ngx_http_request_t *r);
static size_t ngx_http_overlay_stats_size(void);
static u_char *ngx_http_overlay_stats_write(u_char *p, u_char *last,
    ngx_http_overlay_stats_t *st);
static ngx_atomic_uint_t ngx_http_overlay_stats_in_flight(
    ngx_http_overlay_stats_t *st);
static ngx_uint_t ngx_http_overlay_stats_alive(ngx_pid_t pid);
static ngx_int_t ngx_http_overlay_init_stats_zone(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_http_overlay_stats_t  *ngx_http_overlay_stats_counters;

/* this worker's place in the gauge */
static ngx_http_overlay_worker_t *ngx_http_overlay_stats_worker;
static ngx_atomic_t              *ngx_http_overlay_stats_held_count;

static ngx_msec_int_t  ngx_http_overlay_buckets[NGX_HTTP_OVERLAY_BUCKETS] = {
    1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, -1
};

static const char  *ngx_http_overlay_bucket_names[NGX_HTTP_OVERLAY_BUCKETS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
    "0.5", "1", "2.5", "+Inf"
};


void
ngx_http_overlay_count(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx,
    ngx_http_overlay_image_info_t *info, size_t in, size_t out)
{
    ngx_uint_t                 i, reason;
    ngx_http_overlay_stats_t  *st;

    st = ngx_http_overlay_stats_counters;

    if (st == NULL) {
        return;
    }

    if (ctx->status == NGX_HTTP_OVERLAY_APPLIED) {
        (void) ngx_atomic_fetch_add(
                  &st->applied[ngx_http_overlay_stats_format(info->format)],
                  1);

        if ((ngx_uint_t) ctx->method < NGX_HTTP_OVERLAY_METHODS) {
            (void) ngx_atomic_fetch_add(&st->methods[ctx->method], 1);
        }

        (void) ngx_atomic_fetch_add(&st->bytes_in, in);
        (void) ngx_atomic_fetch_add(&st->bytes_out, out);

    } else if (ctx->status == NGX_HTTP_OVERLAY_EXPIRED
               || ctx->status == NGX_HTTP_OVERLAY_PENDING)
    {
        (void) ngx_atomic_fetch_add(ctx->status == NGX_HTTP_OVERLAY_EXPIRED
                                    ? &st->expired : &st->pending, 1);

    } else {
        reason = ngx_http_overlay_stats_reason(ctx->error);

        (void) ngx_atomic_fetch_add(
                  ctx->status == NGX_HTTP_OVERLAY_REJECTED
                  ? &st->rejected[reason] : &st->passed[reason], 1);
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


void
ngx_http_overlay_stats_held(ngx_int_t n)
{
    if (ngx_http_overlay_stats_held_count != NULL) {
        (void) ngx_atomic_fetch_add(ngx_http_overlay_stats_held_count,
                                    (ngx_atomic_int_t) n);
    }
}


/*
 * A worker takes a free place, or one of a worker gone without leaving
 * it (killed, crashed; its responses no longer held), or else counts in
 * the place of the unplaced.
 */

void
ngx_http_overlay_stats_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_atomic_uint_t           pid;
    ngx_http_overlay_stats_t   *st;
    ngx_http_overlay_worker_t  *w;

    st = ngx_http_overlay_stats_counters;

    if (st == NULL) {
        return;
    }

    for (i = 0; i < NGX_HTTP_OVERLAY_WORKERS; i++) {
        w = &st->workers[i];
        pid = w->pid;

        if ((pid == 0 || !ngx_http_overlay_stats_alive((ngx_pid_t) pid))
            && ngx_atomic_cmp_set(&w->pid, pid, (ngx_atomic_uint_t) ngx_pid))
        {
            w->held = 0;
            ngx_http_overlay_stats_worker = w;
            ngx_http_overlay_stats_held_count = &w->held;
            return;
        }
    }

    ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                  "overlay_stats: more than %d workers alive, the gauge of "
                  "this one is not forgotten if it dies",
                  NGX_HTTP_OVERLAY_WORKERS);

    ngx_http_overlay_stats_held_count = &st->held_unplaced;
}


void
ngx_http_overlay_stats_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_overlay_worker_t  *w;

    w = ngx_http_overlay_stats_worker;

    if (w == NULL) {
        return;
    }

    ngx_http_overlay_stats_worker = NULL;
    ngx_http_overlay_stats_held_count = NULL;

    /* what an exiting worker holds is not held any more */

    w->held = 0;
    (void) ngx_atomic_cmp_set(&w->pid, (ngx_atomic_uint_t) ngx_pid, 0);
}


/* a reason's counter: the reason itself (a value of no reason: OK's) */

static ngx_uint_t
ngx_http_overlay_stats_reason(ngx_http_overlay_rc_e code)
{
    switch (code) {
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_OK);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_BAD_ENCODING);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_TOO_LARGE);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_BAD_JSON);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_BAD_SPEC);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_NOT_IMAGE);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_BAD_IMAGE);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_UNSUPPORTED);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_RENDER_FAILED);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_NO_MEMORY);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_BAD_SIGNATURE);
    ngx_http_overlay_reason_case(NGX_HTTP_OVERLAY_BUSY);
    }

    return NGX_HTTP_OVERLAY_OK;
}


/* a format's counter: the format itself (a value of no format: NONE's) */

static ngx_uint_t
ngx_http_overlay_stats_format(ngx_http_overlay_format_e format)
{
    switch (format) {
    ngx_http_overlay_format_case(NGX_HTTP_OVERLAY_FORMAT_NONE);
    ngx_http_overlay_format_case(NGX_HTTP_OVERLAY_FORMAT_JPEG);
    ngx_http_overlay_format_case(NGX_HTTP_OVERLAY_FORMAT_PNG);
    ngx_http_overlay_format_case(NGX_HTTP_OVERLAY_FORMAT_WEBP);
    ngx_http_overlay_format_case(NGX_HTTP_OVERLAY_FORMAT_GIF);
    }

    return NGX_HTTP_OVERLAY_FORMAT_NONE;
}


/* overlay_stats: the counters in Prometheus' text format */

static ngx_int_t
ngx_http_overlay_stats_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_chain_t                out;
    ngx_http_overlay_stats_t  *st;

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

    b = ngx_create_temp_buf(r->pool, ngx_http_overlay_stats_size());
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_http_overlay_stats_write(b->last, b->end, st);

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


/*
 * The page's length at most: each line's format (its conversions count
 * for more than what they print but numbers), the strings it is given,
 * and NGX_ATOMIC_T_LEN for each number ("%06uA" prints six digits).
 */

static size_t
ngx_http_overlay_stats_size(void)
{
    size_t      size;
    ngx_uint_t  i;

    size = sizeof(NGX_HTTP_OVERLAY_STATS_REQUESTS_HELP) - 1
           + sizeof(NGX_HTTP_OVERLAY_STATS_APPLIED) - 1 + NGX_ATOMIC_T_LEN
           + 2 * (sizeof(NGX_HTTP_OVERLAY_STATS_WINDOW) - 1
                  + sizeof("expired") - 1 + NGX_ATOMIC_T_LEN)
           + sizeof(NGX_HTTP_OVERLAY_STATS_FORMATS_HELP) - 1
           + sizeof(NGX_HTTP_OVERLAY_STATS_BYTES) - 1 + 2 * NGX_ATOMIC_T_LEN
           + sizeof(NGX_HTTP_OVERLAY_STATS_SUM) - 1 + 3 * NGX_ATOMIC_T_LEN
           + sizeof(NGX_HTTP_OVERLAY_STATS_IN_FLIGHT) - 1 + NGX_ATOMIC_T_LEN;

    /* "passed" and "rejected" */

    for (i = 1; i < NGX_HTTP_OVERLAY_REASONS; i++) {
        size += 2 * (sizeof(NGX_HTTP_OVERLAY_STATS_REQUESTS) - 1
                     + sizeof("rejected") - 1 + NGX_ATOMIC_T_LEN
                     + ngx_strlen(ngx_http_overlay_reason(
                                      (ngx_http_overlay_rc_e) i)));
    }

    for (i = 1; i < NGX_HTTP_OVERLAY_METHODS; i++) {
        size += sizeof(NGX_HTTP_OVERLAY_STATS_FORMAT) - 1 + NGX_ATOMIC_T_LEN
                + ngx_strlen(ngx_http_overlay_format_name(
                                 ngx_http_overlay_method_format(
                                     (ngx_http_overlay_method_e) i)))
                + ngx_strlen(ngx_http_overlay_method_name(
                                 (ngx_http_overlay_method_e) i));
    }

    for (i = 0; i < NGX_HTTP_OVERLAY_BUCKETS; i++) {
        size += sizeof(NGX_HTTP_OVERLAY_STATS_BUCKET) - 1 + NGX_ATOMIC_T_LEN
                + ngx_strlen(ngx_http_overlay_bucket_names[i]);
    }

    return size;
}


/* the page, at p, no further than last (ngx_http_overlay_stats_size()) */

static u_char *
ngx_http_overlay_stats_write(u_char *p, u_char *last,
    ngx_http_overlay_stats_t *st)
{
    ngx_uint_t          i, k;
    ngx_atomic_uint_t   n;

    static const char  *statuses[] = { "passed", "rejected" };

    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_REQUESTS_HELP);

    n = 0;

    for (i = 0; i < NGX_HTTP_OVERLAY_FORMATS; i++) {
        n += st->applied[i];
    }

    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_APPLIED, n);

    for (k = 0; k < 2; k++) {
        for (i = 1; i < NGX_HTTP_OVERLAY_REASONS; i++) {
            p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_REQUESTS,
                             statuses[k],
                             ngx_http_overlay_reason(
                                 (ngx_http_overlay_rc_e) i),
                             k ? st->rejected[i] : st->passed[i]);
        }
    }

    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_WINDOW, "expired",
                     st->expired);
    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_WINDOW, "pending",
                     st->pending);

    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_FORMATS_HELP);

    /* a series for each path, with its format: summed by format as before */

    for (i = 1; i < NGX_HTTP_OVERLAY_METHODS; i++) {
        p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_FORMAT,
                         ngx_http_overlay_format_name(
                             ngx_http_overlay_method_format(
                                 (ngx_http_overlay_method_e) i)),
                         ngx_http_overlay_method_name(
                             (ngx_http_overlay_method_e) i),
                         st->methods[i]);
    }

    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_BYTES, st->bytes_in,
                     st->bytes_out);

    n = 0;

    for (i = 0; i < NGX_HTTP_OVERLAY_BUCKETS; i++) {
        n += st->render_buckets[i];
        p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_BUCKET,
                         ngx_http_overlay_bucket_names[i], n);
    }

    p = ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_SUM,
                     st->render_usec / 1000000,
                     st->render_usec % 1000000, st->render_count);

    return ngx_slprintf(p, last, NGX_HTTP_OVERLAY_STATS_IN_FLIGHT,
                        ngx_http_overlay_stats_in_flight(st));
}


/* the responses held by the workers alive */

static ngx_atomic_uint_t
ngx_http_overlay_stats_in_flight(ngx_http_overlay_stats_t *st)
{
    ngx_uint_t                  i;
    ngx_atomic_uint_t           n, pid;
    ngx_http_overlay_worker_t  *w;

    n = st->held_unplaced;

    for (i = 0; i < NGX_HTTP_OVERLAY_WORKERS; i++) {
        w = &st->workers[i];
        pid = w->pid;

        if (pid != 0 && ngx_http_overlay_stats_alive((ngx_pid_t) pid)) {
            n += w->held;
        }
    }

    return n;
}


/*
 * Whether a process is alive: workers run as one user, and kill() tells
 * of any process, ours or not (EPERM: another user's, alive).
 */

static ngx_uint_t
ngx_http_overlay_stats_alive(ngx_pid_t pid)
{
    return kill(pid, 0) == 0 || ngx_errno == NGX_EPERM;
}


char *
ngx_http_overlay_stats(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_overlay_stats_handler;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_overlay_stats_init(ngx_conf_t *cf)
{
    ngx_str_t        name;
    ngx_shm_zone_t  *shm_zone;

    ngx_str_set(&name, NGX_HTTP_OVERLAY_STATS_ZONE);

    shm_zone = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                     &ngx_http_overlay_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_overlay_init_stats_zone;

    return NGX_OK;
}


/* the counters of the previous configuration are kept on reload */

static ngx_int_t
ngx_http_overlay_init_stats_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t           *shpool;
    ngx_http_overlay_stats_t  *old;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    old = (data != NULL) ? data
                         : (shm_zone->shm.exists ? shpool->data : NULL);

    /*
     * a zone of a module built with other counters (the .so replaced
     * before a reload) is not read with this layout: counting starts anew
     */

    if (old != NULL && old->size == sizeof(ngx_http_overlay_stats_t)) {
        shm_zone->data = old;
        ngx_http_overlay_stats_counters = old;
        return NGX_OK;
    }

    if (old != NULL) {
        ngx_slab_free(shpool, old);
    }

    ngx_http_overlay_stats_counters =
                  ngx_slab_calloc(shpool, sizeof(ngx_http_overlay_stats_t));
    if (ngx_http_overlay_stats_counters == NULL) {
        return NGX_ERROR;
    }

    ngx_http_overlay_stats_counters->size = sizeof(ngx_http_overlay_stats_t);

    shpool->data = ngx_http_overlay_stats_counters;
    shm_zone->data = ngx_http_overlay_stats_counters;

    return NGX_OK;
}
