
/*
 * An LD_PRELOAD shim for t/abort.t: a module's code left running after the
 * module is unloaded is made to run there every time, not once in a
 * while.  An exiting nginx worker stops its thread pool (the threads
 * leave their loop and exit), unloads its dynamic modules (the cycle's
 * pool cleanups) and exits; a thread-exit destructor of a module's, run
 * by a pool thread as it exits (as this module had one), could run after
 * the unloading, in unmapped memory, within a window of microseconds.
 * Here:
 *
 *   - a destructor given to pthread_key_create() runs 100 ms late;
 *   - dlclose() returns 300 ms after it has unloaded the library;
 *
 * so such a destructor runs after the unloading and before the exit, and
 * the worker exits on signal 11.  A module that registers none is not
 * affected.
 *
 *   cc -shared -fPIC -o slow_dlclose.so slow_dlclose.c -ldl
 */


#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>


#define SLOW_KEYS  8


typedef void (*slow_dtor_pt)(void *);


int dlclose(void *handle);
int pthread_key_create(pthread_key_t *key, slow_dtor_pt destructor);


static slow_dtor_pt  slow_dtors[SLOW_KEYS];
static unsigned      slow_n;


#define SLOW_TRAMPOLINE(n)                                                    \
    static void                                                               \
    slow_dtor_##n(void *value)                                                \
    {                                                                         \
        (void) usleep(100 * 1000);                                            \
        slow_dtors[n](value);                                                 \
    }

SLOW_TRAMPOLINE(0)
SLOW_TRAMPOLINE(1)
SLOW_TRAMPOLINE(2)
SLOW_TRAMPOLINE(3)
SLOW_TRAMPOLINE(4)
SLOW_TRAMPOLINE(5)
SLOW_TRAMPOLINE(6)
SLOW_TRAMPOLINE(7)

static const slow_dtor_pt  slow_trampolines[SLOW_KEYS] = {
    slow_dtor_0, slow_dtor_1, slow_dtor_2, slow_dtor_3,
    slow_dtor_4, slow_dtor_5, slow_dtor_6, slow_dtor_7
};


int
pthread_key_create(pthread_key_t *key, slow_dtor_pt destructor)
{
    unsigned    n;
    static int  (*real)(pthread_key_t *, slow_dtor_pt);

    if (real == NULL) {
        real = (int (*)(pthread_key_t *, slow_dtor_pt))
                   dlsym(RTLD_NEXT, "pthread_key_create");
    }

    if (destructor != NULL) {
        n = __atomic_fetch_add(&slow_n, 1, __ATOMIC_SEQ_CST);

        if (n < SLOW_KEYS) {
            slow_dtors[n] = destructor;
            destructor = slow_trampolines[n];
        }
    }

    return real(key, destructor);
}


int
dlclose(void *handle)
{
    int         rc;
    static int  (*real)(void *);

    if (real == NULL) {
        real = (int (*)(void *)) dlsym(RTLD_NEXT, "dlclose");
    }

    rc = real(handle);

    (void) usleep(300 * 1000);

    return rc;
}
