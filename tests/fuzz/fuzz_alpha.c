
/*
 * libFuzzer target: the ALPH chunk of a lossy WebP
 * (ngx_http_overlay_webp_alpha.c), against libwebp's own decoding.
 *
 * The input is a frame size and an ALPH payload: 1 + data[0] % 64 wide,
 * 1 + data[1] % 64 high, data[2] & 3 the filter to code the plane with
 * again, then the payload (its header byte first).  The payload is also
 * put in a WebP of that size (VP8X, the ALPH chunk, a grey VP8 frame
 * libwebp made) and decoded by libwebp:
 *
 *   - when the decoder accepts the payload, libwebp decodes the WebP, and
 *     its alpha plane is the decoder's, byte for byte;
 *   - the plane coded again (ngx_http_overlay_webp_alpha_encode(), the
 *     filter of data[2]) decodes to itself;
 *   - the filter chosen for it (ngx_http_overlay_webp_alpha_choose()) is
 *     none or vertical.
 *
 * A refusal needs nothing more (the splice then declines, and libwebp
 * decodes or refuses the file itself): the sanitizers see any read out of
 * bounds, LeakSanitizer anything not freed.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "ngx_http_overlay_webp_alpha_int.h"


#define FUZZ_ALPHA_CHECK(cond)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *fuzz_alpha_webp(unsigned w, unsigned h, const uint8_t *alph,
    size_t n, size_t *len);
static void fuzz_alpha_le(uint8_t *p, uint32_t v, int bytes);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 ok;
    size_t              n, len, clen, y;
    uint8_t            *plane, *again, *webp, *coded;
    unsigned            w, h, filter;
    const char         *reason;
    VP8StatusCode       status;
    WebPDecoderConfig   config;

    if (size < 4) {
        return 0;
    }

    w = 1 + data[0] % 64;
    h = 1 + data[1] % 64;
    filter = data[2] & 3;
    data += 3;
    size -= 3;

    n = (size_t) w * h;
    plane = malloc(n);
    again = malloc(n);
    FUZZ_ALPHA_CHECK(plane != NULL && again != NULL);

    ok = ngx_http_overlay_webp_alpha_decode(data, size, w, h, plane,
                                            &reason) == 0;

    FUZZ_ALPHA_CHECK(ok || reason != NULL);

    if (ok) {
        /* libwebp decodes what the decoder decodes, to the same plane */

        webp = fuzz_alpha_webp(w, h, data, size, &len);
        FUZZ_ALPHA_CHECK(webp != NULL);
        FUZZ_ALPHA_CHECK(WebPInitDecoderConfig(&config));

        config.output.colorspace = MODE_YUVA;
        status = WebPDecode(webp, len, &config);

        FUZZ_ALPHA_CHECK(status == VP8_STATUS_OK);
        FUZZ_ALPHA_CHECK(config.output.u.YUVA.a != NULL);

        for (y = 0; y < h; y++) {
            FUZZ_ALPHA_CHECK(memcmp(plane + y * w, config.output.u.YUVA.a
                                    + y * config.output.u.YUVA.a_stride, w)
                             == 0);
        }

        WebPFreeDecBuffer(&config.output);
        free(webp);

        /* coded again, it decodes to itself */

        FUZZ_ALPHA_CHECK(ngx_http_overlay_webp_alpha_encode(plane, w, h,
                             filter, NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                             NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY, &coded,
                             &clen)
                         == 0);
        FUZZ_ALPHA_CHECK(ngx_http_overlay_webp_alpha_decode(coded, clen, w,
                             h, again, &reason)
                         == 0);
        FUZZ_ALPHA_CHECK(memcmp(plane, again, n) == 0);

        free(coded);

        filter = ngx_http_overlay_webp_alpha_choose(plane, w, h,
                                 NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                                 NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY);

        FUZZ_ALPHA_CHECK(filter == NGX_HTTP_OVERLAY_ALPH_NONE
                         || filter == NGX_HTTP_OVERLAY_ALPH_VERTICAL);
    }

    free(plane);
    free(again);

    return 0;
}


/*
 * A WebP of w x h: VP8X (alpha), the ALPH chunk of n bytes at alph, and
 * a grey VP8 frame by libwebp; malloc()ed
 */

static uint8_t *
fuzz_alpha_webp(unsigned w, unsigned h, const uint8_t *alph, size_t n,
    size_t *len)
{
    int        x;
    size_t     vlen, total;
    uint8_t   *rgb, *vp8, *d;

    rgb = malloc((size_t) w * h * 3);
    if (rgb == NULL) {
        return NULL;
    }

    for (x = 0; x < (int) (w * h * 3); x++) {
        rgb[x] = 0x80;
    }

    vlen = WebPEncodeRGB(rgb, (int) w, (int) h, (int) w * 3, 50, &vp8);
    free(rgb);

    if (vlen < 12 + 8) {
        WebPFree(vp8);
        return NULL;
    }

    /* "RIFF" size "WEBP", VP8X, ALPH, then the "VP8 " chunk as made */

    total = 12 + 18 + 8 + n + (n & 1) + vlen - 12;
    d = malloc(total);

    if (d != NULL) {
        memcpy(d, "RIFF", 4);
        fuzz_alpha_le(d + 4, (uint32_t) (total - 8), 4);
        memcpy(d + 8, "WEBPVP8X", 8);
        fuzz_alpha_le(d + 16, 10, 4);
        memset(d + 20, 0, 4);
        d[20] = 0x10;
        fuzz_alpha_le(d + 24, w - 1, 3);
        fuzz_alpha_le(d + 27, h - 1, 3);
        memcpy(d + 30, "ALPH", 4);
        fuzz_alpha_le(d + 34, (uint32_t) n, 4);
        memcpy(d + 38, alph, n);

        if (n & 1) {
            d[38 + n] = 0;
        }

        memcpy(d + 38 + n + (n & 1), vp8 + 12, vlen - 12);
        *len = total;
    }

    WebPFree(vp8);

    return d;
}


static void
fuzz_alpha_le(uint8_t *p, uint32_t v, int bytes)
{
    int  i;

    for (i = 0; i < bytes; i++) {
        p[i] = (uint8_t) (v >> (8 * i));
    }
}
