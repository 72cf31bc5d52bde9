
/*
 * ngx_http_overlay_module: the core's per-thread state (the tile cache,
 * FreeType's library and faces), registered in one list so that
 * ngx_http_overlay_core_shutdown() frees every thread's, and never freed
 * when a thread exits: nginx's pool threads exit as a worker unloads the
 * module, and a destructor in the module would run after its code is gone.
 *
 * Plain C, no nginx headers.  Each kind keeps its own thread-local
 * pointer and the generation it was registered in: after
 * ngx_http_overlay_tls_free_all() the generation changes, and a pointer of
 * an older one is stale (already freed), never to be used.
 */


#ifndef _NGX_HTTP_OVERLAY_TLS_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_TLS_H_INCLUDED_


typedef struct ngx_http_overlay_tls_s  ngx_http_overlay_tls_t;

/* the first member of a kind's state */
struct ngx_http_overlay_tls_s {
    ngx_http_overlay_tls_t     *prev;
    ngx_http_overlay_tls_t     *next;
    void                      (*free)(ngx_http_overlay_tls_t *tls);
};


/* registers tls (its free set); returns the generation to keep with it */
unsigned long ngx_http_overlay_tls_add(ngx_http_overlay_tls_t *tls);

/* unregisters the calling thread's tls of generation, and frees it */
void ngx_http_overlay_tls_drop(ngx_http_overlay_tls_t *tls,
    unsigned long generation);

/* the current generation: a pointer registered in another is stale */
unsigned long ngx_http_overlay_tls_generation(void);

/*
 * Frees every registered state, of threads gone or not, and starts a new
 * generation; no other thread may draw meanwhile.
 */
void ngx_http_overlay_tls_free_all(void);

/* how many states of the kind freed by free are registered */
unsigned ngx_http_overlay_tls_count(void (*free)(ngx_http_overlay_tls_t *));


#endif /* _NGX_HTTP_OVERLAY_TLS_H_INCLUDED_ */
