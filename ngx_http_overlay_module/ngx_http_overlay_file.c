
/*
 * ngx_http_overlay_module: a whole file read into memory
 * (ngx_http_overlay_file.h).
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_file.h"


unsigned char *
ngx_http_overlay_file_read(const char *path, size_t max, size_t *len,
    ngx_http_overlay_error_t *err)
{
    long            size;
    FILE           *f;
    unsigned char  *data;

    f = fopen(path, "rb");
    if (f == NULL) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE, "%s",
                                      strerror(errno));
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE, "%s",
                                      strerror(errno));
        fclose(f);
        return NULL;
    }

    if ((unsigned long) size > max) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "%ld bytes, too large", size);
        fclose(f);
        return NULL;
    }

    data = malloc(size ? (size_t) size : 1);
    if (data == NULL) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "no memory for %ld bytes", size);
        fclose(f);
        return NULL;
    }

    if (fread(data, 1, (size_t) size, f) != (size_t) size) {
        (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NOT_IMAGE,
                                      "read failed");
        free(data);
        fclose(f);
        return NULL;
    }

    fclose(f);
    *len = (size_t) size;

    return data;
}
