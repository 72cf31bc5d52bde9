
/*
 * libFuzzer target: the VP8 key frame syntax (ngx_http_overlay_vp8_*.c).
 *
 * The input is a WebP (its "VP8 " chunk is taken) or a bare VP8 frame.
 * It is read with a limit of FUZZ_MAX_PIXELS; when the reader accepts it:
 *
 *   - the planes are reconstructed, and the frame written again;
 *   - the written frame is read again, accepted, and reconstructs to the
 *     same planes, byte for byte (the writer codes what the reader read);
 *   - written once more, it is the same bytes (the syntax is a fixpoint);
 *   - its first row of macroblocks coded anew towards grey
 *     (ngx_http_overlay_vp8_code_mb()), written and read again, that row
 *     reconstructs to the pixels the coding made.
 *
 * A refusal needs nothing more: the sanitizers see any read out of bounds,
 * LeakSanitizer anything not freed.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_vp8_int.h"


#define FUZZ_MAX_PIXELS  (4UL * 1000 * 1000)

#define FUZZ_VP8_CHECK(cond)                                                  \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                          off, len, olen, olen2, r, n;
    uint8_t                        *out, *out2, grey[16 * 16];
    const char                     *reason;
    ngx_http_overlay_vp8_frame_t   *f, *g;

    if (ngx_http_overlay_vp8_chunk(data, size, &off, &len) == 0) {
        data += off;
        size = len;
    }

    if (ngx_http_overlay_vp8_read(data, size, FUZZ_MAX_PIXELS, &f, &reason)
        != 0)
    {
        FUZZ_VP8_CHECK(reason != NULL);
        return 0;
    }

    FUZZ_VP8_CHECK(ngx_http_overlay_vp8_recon(f) == 0);

    if (ngx_http_overlay_vp8_write(f, &out, &olen) != 0) {
        /* only a first partition of 512 KB or more, or no memory */
        ngx_http_overlay_vp8_free(f);
        return 0;
    }

    FUZZ_VP8_CHECK(ngx_http_overlay_vp8_read(out, olen, FUZZ_MAX_PIXELS, &g,
                                             &reason) == 0);
    FUZZ_VP8_CHECK(ngx_http_overlay_vp8_recon(g) == 0);
    FUZZ_VP8_CHECK(g->mbw == f->mbw && g->mbh == f->mbh);

    n = (size_t) f->mbh * 16;

    for (r = 0; r < n; r++) {
        FUZZ_VP8_CHECK(memcmp(f->y + r * f->y_stride, g->y + r * g->y_stride,
                              f->y_stride) == 0);
    }

    for (r = 0; r < n / 2; r++) {
        FUZZ_VP8_CHECK(memcmp(f->u + r * f->uv_stride,
                              g->u + r * g->uv_stride, f->uv_stride) == 0);
        FUZZ_VP8_CHECK(memcmp(f->v + r * f->uv_stride,
                              g->v + r * g->uv_stride, f->uv_stride) == 0);
    }

    FUZZ_VP8_CHECK(ngx_http_overlay_vp8_write(g, &out2, &olen2) == 0);
    FUZZ_VP8_CHECK(olen2 == olen && memcmp(out, out2, olen) == 0);

    free(out);
    free(out2);
    ngx_http_overlay_vp8_free(g);

    memset(grey, 160, sizeof(grey));

    for (r = 0; r < f->mbw; r++) {
        FUZZ_VP8_CHECK(ngx_http_overlay_vp8_code_mb(f, (unsigned) r, 0, grey,
                                                    16, grey, grey, 16)
                       == 0);
    }

    if (ngx_http_overlay_vp8_write(f, &out, &olen) == 0) {
        FUZZ_VP8_CHECK(ngx_http_overlay_vp8_read(out, olen, FUZZ_MAX_PIXELS,
                                                 &g, &reason) == 0);
        FUZZ_VP8_CHECK(ngx_http_overlay_vp8_recon(g) == 0);

        /* the rows below predict from it: only the first is known */

        for (r = 0; r < 16; r++) {
            FUZZ_VP8_CHECK(memcmp(f->y + r * f->y_stride,
                                  g->y + r * g->y_stride, f->y_stride) == 0);
        }

        for (r = 0; r < 8; r++) {
            FUZZ_VP8_CHECK(memcmp(f->u + r * f->uv_stride,
                                  g->u + r * g->uv_stride, f->uv_stride)
                           == 0);
        }

        free(out);
        ngx_http_overlay_vp8_free(g);
    }

    ngx_http_overlay_vp8_free(f);

    return 0;
}
