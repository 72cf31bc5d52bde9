
/*
 * ngx_http_overlay_module: a whole file read into memory, for the tools
 * around the core (the CLI, the unit tests, the benchmarks).  The module
 * itself reads its configured files with nginx's own calls.
 *
 * Plain C, no nginx headers.
 */


#ifndef _NGX_HTTP_OVERLAY_FILE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_FILE_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_overlay_error.h"


/*
 * Reads the file at path, of at most max bytes, into memory that the
 * caller releases with free().  On success returns it and sets *len (an
 * empty file gives a valid pointer and 0).  On failure returns NULL, and
 * err says why in words ready to follow the path: the system's message
 * when it cannot be opened or read (err->code NGX_HTTP_OVERLAY_NOT_IMAGE),
 * "N bytes, too large" (NGX_HTTP_OVERLAY_TOO_LARGE), or no memory.
 * For the tools, never at request time.
 */
unsigned char *ngx_http_overlay_file_read(const char *path, size_t max,
    size_t *len, ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_FILE_H_INCLUDED_ */
