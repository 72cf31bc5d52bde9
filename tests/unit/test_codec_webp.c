
/*
 * Unit tests of ngx_http_overlay_codec_webp.c: lossy, lossless and
 * animated WebPs composited (lossless stays lossless, transparent stays
 * transparent, every pixel outside the overlay exact, alpha too), and the
 * WebP header probe (the RIFF against the body,
 * chunks against the RIFF, the canvas against the frame).
 */


#include <webp/decode.h>
#include <webp/encode.h>

#include "unit.h"


static void webp_lossless_exact(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts);


void
test_webp_composite(void)
{
    int                             a;
    size_t                          len;
    gdImagePtr                      out;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    check_format("thumb.webp", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_WEBP, "");
    check_format("alpha-lossless.webp", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_WEBP, "");
    check_format("animated.webp", NGX_HTTP_OVERLAY_UNSUPPORTED,
                 NGX_HTTP_OVERLAY_FORMAT_WEBP, "animated WebP");

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    /* lossless WebP: stays lossless, transparent stays transparent */

    data = read_fixture("alpha-lossless.webp", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    free(data);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        CHECK(blob.len > 20 && (memcmp(blob.data + 12, "VP8L", 4) == 0
                                || memcmp(blob.data + 12, "VP8X", 4) == 0),
              "lossless WebP out");

        out = gdImageCreateFromWebpPtr((int) blob.len, blob.data);
        a = out != NULL ? gdTrueColorGetAlpha(gdImageGetTrueColorPixel(out,
                                                                      5, 5))
                        : -1;
        CHECK(a == gdAlphaTransparent, "WebP alpha at 5,5: %d", a);

        if (out != NULL) {
            a = gdTrueColorGetAlpha(gdImageGetTrueColorPixel(out, 300, 18));
            CHECK(a == 0 || a < 30, "the badge is opaque: alpha %d", a);
            gdImageDestroy(out);
        }

        ngx_http_overlay_codec_free(&blob);
    }

    webp_lossless_exact(&spec, &opts);
}


/*
 * A lossless WebP of every alpha level: every pixel outside the badge's
 * corner comes out exactly as libwebp decodes the source, alpha too.
 */

static void
webp_lossless_exact(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts)
{
    int                             x, y, w, h, ow, oh;
    size_t                          len, diff, out;
    uint8_t                        *rgba, *src, *dst, *p, *q;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_image_info_t   info;

    w = 240;
    h = 135;
    rgba = malloc((size_t) w * h * 4);

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            p = rgba + 4 * ((size_t) y * w + x);
            p[0] = (uint8_t) (x * 7 + y);
            p[1] = (uint8_t) (y * 5);
            p[2] = (uint8_t) (x ^ y);
            p[3] = (uint8_t) (x + 3 * y);
        }
    }

    len = WebPEncodeLosslessRGBA(rgba, w, h, w * 4, &data);
    free(rgba);

    CHECK(len > 0, "a lossless WebP made");

    if (len == 0) {
        return;
    }

    rc = ngx_http_overlay_composite(data, len, spec, opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "lossless WebP of every alpha: %s",
          err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        WebPFree(data);
        return;
    }

    src = WebPDecodeRGBA(data, len, &ow, &oh);
    dst = WebPDecodeRGBA(blob.data, blob.len, &ow, &oh);

    diff = 0;
    out = 0;

    for (y = 0; src != NULL && dst != NULL && y < h; y++) {
        for (x = 0; x < w; x++) {
            p = src + 4 * ((size_t) y * w + x);
            q = dst + 4 * ((size_t) y * w + x);

            if (memcmp(p, q, 4) != 0) {
                diff++;
                out += (x < w / 2 || y >= h / 2);
            }
        }
    }

    CHECK(src != NULL && dst != NULL && ow == w && oh == h && diff > 100
          && out == 0, "lossless WebP: %zu pixels changed, %zu outside "
          "the badge's corner", diff, out);

    WebPFree(src);
    WebPFree(dst);
    WebPFree(data);
    ngx_http_overlay_codec_free(&blob);
}


/* headers that lie or stop short */

void
test_webp_headers(void)
{
    size_t          len, n;
    unsigned char  *data, *bad;
    unsigned char   chunk[64];

    static const unsigned char  riff[] = "RIFF\xff\xff\xff\x00WEBPVP8 ";

    check_probe("WebP cut short", riff, sizeof(riff) - 1,
                NGX_HTTP_OVERLAY_BAD_IMAGE, "");

    /* WebP: the RIFF against the body, chunks against the RIFF */

    data = read_fixture("thumb.webp", &len);

    check_probe("thumb.webp cut", data, 1000, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: WebP of 1000 bytes, the RIFF header says "
                "8570");

    bad = replace_bytes(data, len, 0, 0, "", 0, &n);
    bad[16] += 2;                               /* VP8 chunk: 2 more */
    check_probe("a VP8 chunk past the RIFF", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a WebP chunk \"VP8 \" of 8552 bytes at 12, "
                "the RIFF ends at 8570");

    bad[16] -= 2;
    bad[22] = 0xff;                             /* first partition size */
    check_probe("a VP8 partition past its chunk", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a VP8 first partition of");
    free(bad);

    /* VP8X saying 100x100 over the 320x180 frame */

    memcpy(chunk, "VP8X\x0a\0\0\0\0\0\0\0\x63\0\0\x63\0\0", 18);
    bad = replace_bytes(data, len, 12, 0, chunk, 18, &n);
    bad[4] += 18;
    check_probe("a canvas of 100x100", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a WebP canvas of 100x100, a VP8 frame of "
                "320x180");

    bad[24] = 0x3f;                             /* the canvas: 320x180 */
    bad[25] = 0x01;
    bad[27] = 0xb3;
    check_probe("a canvas of 320x180", bad, n, NGX_HTTP_OVERLAY_OK, "");
    free(bad);

    memcpy(chunk + 18, "ANMF\x02\0\0\0\0\0", 10);
    chunk[12] = 0x3f;
    chunk[13] = 0x01;
    chunk[15] = 0xb3;
    bad = replace_bytes(data, len, 12, 0, chunk, 28, &n);
    bad[4] += 28;
    check_probe("ANMF in a still WebP", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a WebP chunk \"ANMF\" in a still image");
    free(bad);
    free(data);
}
