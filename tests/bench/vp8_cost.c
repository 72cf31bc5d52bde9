
/*
 * The cost of the VP8 syntax against libwebp's decoder, for callgrind:
 *
 *   vp8_cost MODE FILE.webp
 *
 * MODE "syntax": ngx_http_overlay_vp8_read(), _recon() and _write() on the
 * file's frame; "read", "recon" (read and recon) for the parts; "libwebp":
 * WebPDecodeYUV() alone; "none": the file read and nothing else (the
 * baseline to subtract).  Run each under valgrind --tool=callgrind and
 * compare the instruction counts.  "check" reconstructs, decodes with
 * libwebp's loop filter bypassed, and says whether the planes are equal.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>

#include "ngx_http_overlay_file.h"
#include "ngx_http_overlay_vp8_int.h"


int
main(int argc, char **argv)
{
    int                             w, h, ys, uvs, rc, r;
    size_t                          len, off, size, olen;
    uint8_t                        *data, *out, *u, *v, *y;
    const char                     *reason;
    WebPDecoderConfig               config;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_vp8_frame_t   *f;

    data = (argc == 3) ? ngx_http_overlay_file_read(argv[2], (size_t) 1 << 28,
                                                     &len, &err)
                       : NULL;

    if (data == NULL) {
        fprintf(stderr, "usage: vp8_cost syntax|read|recon|libwebp|none|"
                "check FILE.webp\n");
        return 2;
    }

    rc = 0;

    if (strcmp(argv[1], "libwebp") == 0) {
        y = WebPDecodeYUV(data, len, &w, &h, &u, &v, &ys, &uvs);
        rc = (y == NULL);
        WebPFree(y);

    } else if (strcmp(argv[1], "none") != 0) {
        if (ngx_http_overlay_vp8_chunk(data, len, &off, &size) != 0
            || ngx_http_overlay_vp8_read(data + off, size, 1u << 28, &f,
                                         &reason) != 0)
        {
            fprintf(stderr, "vp8_cost: %s not read\n", argv[2]);
            return 1;
        }

        if (strcmp(argv[1], "read") != 0) {
            rc = ngx_http_overlay_vp8_recon(f);
        }

        if (rc == 0 && strcmp(argv[1], "syntax") == 0) {
            rc = ngx_http_overlay_vp8_write(f, &out, &olen);

            if (rc == 0) {
                printf("written %zu bytes, source %zu, %s\n", olen, size,
                       olen <= size && memcmp(out, data + off, olen) == 0
                       ? "the same" : "different");
                free(out);
            }
        }

        if (rc == 0 && strcmp(argv[1], "check") == 0) {
            WebPInitDecoderConfig(&config);
            config.options.bypass_filtering = 1;
            config.output.colorspace = MODE_YUV;
            rc = (WebPDecode(data, len, &config) != VP8_STATUS_OK);

            for (r = 0; rc == 0 && r < config.output.height; r++) {
                rc = memcmp(f->y + r * f->y_stride,
                            config.output.u.YUVA.y
                            + r * config.output.u.YUVA.y_stride,
                            config.output.width) != 0;
            }

            printf("planes (Y) %s libwebp's with bypass_filtering\n",
                   rc == 0 ? "equal" : "differ from");
            WebPFreeDecBuffer(&config.output);
        }

        ngx_http_overlay_vp8_free(f);
    }

    free(data);

    return rc;
}
