
/*
 * ngx_http_overlay_module: overlay_thread_pool, the composite in a thread.
 *
 * The body filter posts the composite of a body it holds to the
 * location's pool and blocks the request, as aio does; the pool's thread
 * runs the core on the body, and the task's event, back in the worker's
 * event loop, hands the result to ngx_http_overlay_finish().  Only with
 * nginx built --with-threads.
 *
 * A request waiting for its render has no timer of its own once
 * send_timeout has fired or its client has gone (nginx terminates it,
 * and closes it when the render is done); an exiting worker (reload,
 * "nginx -s quit") leaves its loop when no timer is left, and would
 * leave such a request open ("open socket ... left in connection"), its
 * render's result never handled.  While renders are in the pool, the
 * worker keeps a timer of its own, which nginx waits for.
 *
 * A render still queued when its request is finalized (its client gone,
 * send_timeout) is not drawn: nginx's terminate runs the request's
 * cleanups at once, and the one set here tells the task, which skips the
 * composite when its turn comes.  Under overload with clients giving up,
 * the pool's threads go on with the renders someone waits for.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"

#if (NGX_THREADS) && (NGX_LINUX)
#include <sys/resource.h>
#include <sys/syscall.h>
#endif


#if (NGX_THREADS)


#define NGX_HTTP_OVERLAY_THREAD_NICE   10

/* the keeper's period: it is set again until the pool has no render */
#define NGX_HTTP_OVERLAY_KEEPER_MSEC   60000


/* a render in a thread: what it reads, and what it gives back */

typedef struct {
    ngx_http_overlay_ctx_t             *ctx;
    const ngx_http_overlay_options_t   *opts;
    ngx_atomic_t                        gone;     /* set by the worker */
    ngx_uint_t                          skipped;  /* set by the thread */
    ngx_http_overlay_rc_e               rc;
    ngx_msec_int_t                      usec;
    ngx_http_overlay_image_info_t       info;
    ngx_http_overlay_error_t            err;
} ngx_http_overlay_thread_ctx_t;


static void ngx_http_overlay_thread_handler(void *data, ngx_log_t *log);
static void ngx_http_overlay_thread_gone(void *data);
static void ngx_http_overlay_thread_event_handler(ngx_event_t *ev);
static void ngx_http_overlay_keeper_handler(ngx_event_t *ev);


/*
 * The renders this worker has in thread pools, and the timer they keep;
 * nginx's timer code reads its event's data as a connection (the fd, in
 * debug lines): a connection of none.
 */
static ngx_uint_t        ngx_http_overlay_thread_tasks;
static ngx_event_t       ngx_http_overlay_keeper;
static ngx_connection_t  ngx_http_overlay_keeper_conn;


/*
 * Decoding, drawing and encoding go to a thread of overlay_thread_pool;
 * the request waits, blocked as for aio, and the event loop goes on.
 * The thread reads the body, the spec and the location's options, all
 * left alone until it is done, and writes only its own task context and
 * the output blob.
 */

ngx_int_t
ngx_http_overlay_thread_post(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx, ngx_http_overlay_conf_t *conf)
{
    ngx_thread_task_t              *task;
    ngx_http_cleanup_t             *cln;
    ngx_http_overlay_thread_ctx_t  *tctx;

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_overlay_thread_ctx_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    /* terminate runs the main request's cleanups */

    cln = ngx_http_cleanup_add(r->main, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    tctx = task->ctx;
    tctx->ctx = ctx;
    tctx->opts = &conf->opts;

    cln->handler = ngx_http_overlay_thread_gone;
    cln->data = tctx;

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

    if (ngx_http_overlay_thread_tasks++ == 0
        && !ngx_http_overlay_keeper.timer_set)
    {
        ngx_http_overlay_keeper.handler = ngx_http_overlay_keeper_handler;
        ngx_http_overlay_keeper.log = ngx_cycle->log;
        ngx_http_overlay_keeper_conn.fd = (ngx_socket_t) -1;
        ngx_http_overlay_keeper.data = &ngx_http_overlay_keeper_conn;

        ngx_add_timer(&ngx_http_overlay_keeper,
                      NGX_HTTP_OVERLAY_KEEPER_MSEC);
    }

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

    if (tctx->gone) {
        /* no one waits for it: the request was finalized */
        tctx->skipped = 1;
        return;
    }

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

    if (--ngx_http_overlay_thread_tasks == 0
        && ngx_http_overlay_keeper.timer_set)
    {
        ngx_del_timer(&ngx_http_overlay_keeper);
    }

    /* the event is a member of the task */

    task = (ngx_thread_task_t *) ((u_char *) ev
                                  - offsetof(ngx_thread_task_t, event));
    tctx = task->ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL || ctx->phase != NGX_HTTP_OVERLAY_RENDER || c->error
        || tctx->skipped)
    {

        /*
         * the request was finalized meanwhile (its client gone, or
         * send_timeout): the render is dropped, the blob freed with the
         * pool, and the request closed now, as nginx's terminate left it
         * to whoever unblocks it
         */

        if (tctx->skipped) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "overlay: the request was finalized while its "
                          "render was queued, not drawn");

        } else {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                           "overlay: thread render discarded");
        }

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


/* the request's cleanup: finalized, perhaps with its render queued */

static void
ngx_http_overlay_thread_gone(void *data)
{
    ngx_http_overlay_thread_ctx_t *tctx = data;

    tctx->gone = 1;
}


/*
 * Renders take longer than the keeper's period: it is set again, so that
 * an exiting worker goes on waiting for them.
 */

static void
ngx_http_overlay_keeper_handler(ngx_event_t *ev)
{
    if (ngx_http_overlay_thread_tasks > 0) {
        ngx_add_timer(ev, NGX_HTTP_OVERLAY_KEEPER_MSEC);
    }
}

#endif
