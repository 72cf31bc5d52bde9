
/*
 * ngx_http_overlay_module: the core's per-thread state in one list
 * (ngx_http_overlay_tls.h).
 */


#include <pthread.h>
#include <stddef.h>

#include "ngx_http_overlay_tls.h"


static void ngx_http_overlay_tls_unlink(ngx_http_overlay_tls_t *tls);


static pthread_mutex_t          ngx_http_overlay_tls_mutex =
                                    PTHREAD_MUTEX_INITIALIZER;
static ngx_http_overlay_tls_t  *ngx_http_overlay_tls_list;
static unsigned long            ngx_http_overlay_tls_gen;


unsigned long
ngx_http_overlay_tls_add(ngx_http_overlay_tls_t *tls)
{
    unsigned long  generation;

    (void) pthread_mutex_lock(&ngx_http_overlay_tls_mutex);

    tls->prev = NULL;
    tls->next = ngx_http_overlay_tls_list;

    if (tls->next != NULL) {
        tls->next->prev = tls;
    }

    ngx_http_overlay_tls_list = tls;
    generation = ngx_http_overlay_tls_gen;

    (void) pthread_mutex_unlock(&ngx_http_overlay_tls_mutex);

    return generation;
}


void
ngx_http_overlay_tls_drop(ngx_http_overlay_tls_t *tls,
    unsigned long generation)
{
    (void) pthread_mutex_lock(&ngx_http_overlay_tls_mutex);

    if (generation != ngx_http_overlay_tls_gen) {
        /* freed already, by free_all() */
        (void) pthread_mutex_unlock(&ngx_http_overlay_tls_mutex);
        return;
    }

    ngx_http_overlay_tls_unlink(tls);

    (void) pthread_mutex_unlock(&ngx_http_overlay_tls_mutex);

    tls->free(tls);
}


unsigned long
ngx_http_overlay_tls_generation(void)
{
    unsigned long  generation;

    (void) pthread_mutex_lock(&ngx_http_overlay_tls_mutex);
    generation = ngx_http_overlay_tls_gen;
    (void) pthread_mutex_unlock(&ngx_http_overlay_tls_mutex);

    return generation;
}


void
ngx_http_overlay_tls_free_all(void)
{
    ngx_http_overlay_tls_t  *tls;

    (void) pthread_mutex_lock(&ngx_http_overlay_tls_mutex);

    while (ngx_http_overlay_tls_list != NULL) {
        tls = ngx_http_overlay_tls_list;
        ngx_http_overlay_tls_unlink(tls);
        tls->free(tls);
    }

    ngx_http_overlay_tls_gen++;

    (void) pthread_mutex_unlock(&ngx_http_overlay_tls_mutex);
}


unsigned
ngx_http_overlay_tls_count(void (*free)(ngx_http_overlay_tls_t *))
{
    unsigned                 n;
    ngx_http_overlay_tls_t  *tls;

    n = 0;

    (void) pthread_mutex_lock(&ngx_http_overlay_tls_mutex);

    for (tls = ngx_http_overlay_tls_list; tls != NULL; tls = tls->next) {
        n += (tls->free == free);
    }

    (void) pthread_mutex_unlock(&ngx_http_overlay_tls_mutex);

    return n;
}


/* with the mutex held */

static void
ngx_http_overlay_tls_unlink(ngx_http_overlay_tls_t *tls)
{
    if (tls->prev != NULL) {
        tls->prev->next = tls->next;

    } else {
        ngx_http_overlay_tls_list = tls->next;
    }

    if (tls->next != NULL) {
        tls->next->prev = tls->prev;
    }

    tls->prev = NULL;
    tls->next = NULL;
}
