
/*
 * What the fuzz targets share: the last result, kept for the report, and
 * the checks of a failure's invariants.  Included by each target, once.
 */


#ifndef _FUZZ_COMMON_H_INCLUDED_
#define _FUZZ_COMMON_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_core.h"


/* a value no call returns: "no result yet" */
#define FUZZ_RC_UNSET  ((ngx_http_overlay_rc_e) 0x5a5a)

#define FUZZ_CHECK(cond)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fuzz_fail(__FILE__, __LINE__, #cond);                             \
        }                                                                     \
    } while (0)


static ngx_http_overlay_rc_e       last_rc;
static ngx_http_overlay_error_t    last_err;


static void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n"
            "  rc %d (%s), err.code %d, err.msg \"%.*s\"\n",
            file, line, what, (int) last_rc,
            ngx_http_overlay_reason(last_rc), (int) last_err.code,
            (int) sizeof(last_err.msg), last_err.msg);
    abort();
}


/* a failure has its code in err, and a printable, non-empty message */

static void
fuzz_check_error(ngx_http_overlay_rc_e rc,
    const ngx_http_overlay_error_t *err)
{
    size_t  i, len;

    FUZZ_CHECK(err->code == rc);
    FUZZ_CHECK(strcmp(ngx_http_overlay_reason(rc), "unknown") != 0);

    len = strnlen(err->msg, sizeof(err->msg));

    FUZZ_CHECK(len > 0);
    FUZZ_CHECK(len < sizeof(err->msg));

    for (i = 0; i < len; i++) {
        FUZZ_CHECK(err->msg[i] >= 0x20 && err->msg[i] < 0x7f);
    }
}


#endif /* _FUZZ_COMMON_H_INCLUDED_ */
