
/*
 * Unit tests of ngx_http_overlay_file.c: a whole file read, a missing one,
 * one over the limit, an empty one.
 */


#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "ngx_http_overlay_file.h"


void
test_file_read(void)
{
    int                        fd;
    char                       path[1024], tmp[] = "/tmp/unit-file-XXXXXX";
    size_t                     len;
    struct stat                st;
    unsigned char             *data;
    ngx_http_overlay_error_t   err;

    snprintf(path, sizeof(path), "%s/rocket.jpg", unit_fixtures);

    data = ngx_http_overlay_file_read(path, (size_t) 1 << 30, &len, &err);

    CHECK(data != NULL && stat(path, &st) == 0 && len == (size_t) st.st_size
          && data[0] == 0xff && data[1] == 0xd8
          && data[len - 2] == 0xff && data[len - 1] == 0xd9,
          "rocket.jpg read whole: %zu bytes", data ? len : 0);
    free(data);

    /* exactly the limit is allowed, one byte less is not */

    data = ngx_http_overlay_file_read(path, (size_t) st.st_size, &len, &err);
    CHECK(data != NULL && len == (size_t) st.st_size,
          "a file of exactly the limit is read");
    free(data);

    data = ngx_http_overlay_file_read(path, (size_t) st.st_size - 1, &len,
                                      &err);
    CHECK(data == NULL && err.code == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "bytes, too large") != NULL,
          "a file over the limit: \"%s\"", data ? "read" : err.msg);
    free(data);

    snprintf(path, sizeof(path), "%s/no-such-file.jpg", unit_fixtures);

    data = ngx_http_overlay_file_read(path, 1024, &len, &err);
    CHECK(data == NULL && err.code == NGX_HTTP_OVERLAY_NOT_IMAGE
          && strstr(err.msg, "No such file") != NULL,
          "a missing file: \"%s\"", data ? "read" : err.msg);
    free(data);

    fd = mkstemp(tmp);
    CHECK(fd >= 0, "mkstemp()");

    if (fd >= 0) {
        close(fd);
        len = 1;
        data = ngx_http_overlay_file_read(tmp, 1024, &len, &err);
        CHECK(data != NULL && len == 0, "an empty file: a buffer, 0 bytes");
        free(data);
        unlink(tmp);
    }
}
