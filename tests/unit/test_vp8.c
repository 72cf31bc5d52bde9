
/*
 * Unit tests of ngx_http_overlay_vp8_read.c, _recon.c, _code.c, _write.c: VP8
 * key frames made at run time by libwebp's encoder (qualities 10..100,
 * methods 0..6, 1..4 segments, sns, filter strength and sharpness, simple
 * and normal filter, 1, 2, 4 and 8 token partitions), by cwebp and by
 * Pillow, from real photos at odd sizes (1x1, 17x33, 1921x1081): the
 * unfiltered reconstruction equals libwebp's decode with its loop filter
 * bypassed, plane by plane, byte for byte; the frame read and written
 * again is the source's bytes (but libwebp's padding to an even size)
 * and decodes to its pixels; the region a change reaches and macroblocks
 * coded anew (a grey rectangle spliced in) decode in libwebp to our
 * planes, the source's outside the region; truncated and
 * corrupted frames are refused or read within bounds, never past them.
 */


#include <math.h>
#include <unistd.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "unit.h"
#include "ngx_http_overlay_file.h"
#include "ngx_http_overlay_vp8_int.h"


static uint8_t *vp8_command(const char *cmd, size_t *len);
static void vp8_check(const uint8_t *webp, size_t len, const char *name);
static int vp8_planes_equal(const uint8_t *y, const uint8_t *u,
    const uint8_t *v, int ys, int uvs, const uint8_t *y2, const uint8_t *u2,
    const uint8_t *v2, int ys2, int uvs2, int w, int h);
static uint8_t *vp8_riff(const uint8_t *vp8, size_t len, size_t *out);
static void vp8_hostile(const uint8_t *webp, size_t len);
static void vp8_bool_coder(void);
static void vp8_idct(void);
static void vp8_code(const uint8_t *webp, size_t len, unsigned x0,
    unsigned y0, unsigned x1, unsigned y1, const char *name);
static double vp8_psnr(const uint8_t *a, const uint8_t *b, size_t stride,
    unsigned x0, unsigned y0, unsigned w, unsigned h, const uint8_t *mask,
    unsigned mbw, int inside);
static void vp8_region(const uint8_t *webp, size_t len, unsigned x0,
    unsigned y0, unsigned x1, unsigned y1, const char *name);
static void vp8_container(void);


static unsigned  vp8_same_bytes, vp8_frames;

/* what the frames had: segment maps, simple filter, 8 partitions, no skip
 * flags, filter deltas, B_PRED and 16x16 macroblocks, skipped ones */
static unsigned  vp8_seen[8];


/* the file a shell command (%s: the output's path) makes */

static uint8_t *
vp8_command(const char *cmd, size_t *len)
{
    char                       line[1024], out[64];
    uint8_t                   *p;
    ngx_http_overlay_error_t   err;

    snprintf(out, sizeof(out), "/tmp/unit_vp8_%ld.webp", (long) getpid());
    snprintf(line, sizeof(line), cmd, out);

    if (system(line) != 0) {
        return NULL;
    }

    p = ngx_http_overlay_file_read(out, (size_t) 1 << 26, len, &err);
    unlink(out);

    return p;
}


static int
vp8_planes_equal(const uint8_t *y, const uint8_t *u, const uint8_t *v,
    int ys, int uvs, const uint8_t *y2, const uint8_t *u2, const uint8_t *v2,
    int ys2, int uvs2, int w, int h)
{
    int  r;

    for (r = 0; r < h; r++) {
        if (memcmp(y + r * ys, y2 + r * ys2, w) != 0) {
            return 0;
        }
    }

    for (r = 0; r < (h + 1) / 2; r++) {
        if (memcmp(u + r * uvs, u2 + r * uvs2, (w + 1) / 2) != 0
            || memcmp(v + r * uvs, v2 + r * uvs2, (w + 1) / 2) != 0)
        {
            return 0;
        }
    }

    return 1;
}


static uint8_t *
vp8_riff(const uint8_t *vp8, size_t len, size_t *out)
{
    size_t    n;
    uint8_t  *p;

    n = 20 + len + (len & 1);
    p = calloc(1, n);

    if (p == NULL) {
        return NULL;
    }

    memcpy(p, "RIFF", 4);
    p[4] = (uint8_t) (n - 8);
    p[5] = (uint8_t) ((n - 8) >> 8);
    p[6] = (uint8_t) ((n - 8) >> 16);
    p[7] = (uint8_t) ((n - 8) >> 24);
    memcpy(p + 8, "WEBPVP8 ", 8);
    p[16] = (uint8_t) len;
    p[17] = (uint8_t) (len >> 8);
    p[18] = (uint8_t) (len >> 16);
    p[19] = (uint8_t) (len >> 24);
    memcpy(p + 20, vp8, len);
    *out = n;

    return p;
}


/*
 * (1) the unfiltered planes against libwebp's with bypass_filtering;
 * (2) written again: the same bytes, the same decoded pixels.
 */

static void
vp8_check(const uint8_t *webp, size_t len, const char *name)
{
    int                             rc, w, h, ys, uvs;
    size_t                          off, size, olen, rlen, yst, uvst, i;
    uint8_t                        *out, *riff, *y2, *u2, *v2, *y3, *u3, *v3;
    unsigned                        fw, fh;
    const char                     *reason;
    const uint8_t                  *y, *u, *v;
    WebPDecoderConfig               config;
    ngx_http_overlay_vp8_frame_t   *f;

    rc = ngx_http_overlay_vp8_chunk(webp, len, &off, &size);
    CHECK(rc == 0, "%s: VP8 chunk found", name);

    if (rc != 0) {
        return;
    }

    rc = ngx_http_overlay_vp8_read(webp + off, size, 1u << 26, &f, &reason);
    CHECK(rc == 0, "%s: read (%s)", name, rc == 0 ? "" : reason);

    if (rc != 0) {
        return;
    }

    vp8_frames++;
    vp8_seen[0] += f->hdr.update_map;
    vp8_seen[1] += (f->hdr.filter_type == 1);
    vp8_seen[2] += (f->hdr.log2_parts == 3);
    vp8_seen[3] += !f->hdr.skip_enabled;
    vp8_seen[4] += f->hdr.lf_delta_update;

    for (i = 0; i < (size_t) f->mbw * f->mbh; i++) {
        vp8_seen[5] += (f->mbs[i].ymode == NGX_HTTP_OVERLAY_VP8_B_PRED);
        vp8_seen[6] += (f->mbs[i].ymode != NGX_HTTP_OVERLAY_VP8_B_PRED);
        vp8_seen[7] += f->mbs[i].skip;
    }

    CHECK(ngx_http_overlay_vp8_recon(f) == 0, "%s: recon", name);
    ngx_http_overlay_vp8_planes(f, &y, &u, &v, &yst, &uvst, &fw, &fh);

    WebPInitDecoderConfig(&config);
    config.options.bypass_filtering = 1;
    config.output.colorspace = MODE_YUV;
    rc = WebPDecode(webp, len, &config);
    CHECK(rc == VP8_STATUS_OK, "%s: libwebp decodes", name);

    if (rc == VP8_STATUS_OK) {
        CHECK((int) fw == config.output.width
              && (int) fh == config.output.height, "%s: size", name);
        CHECK(vp8_planes_equal(y, u, v, (int) yst, (int) uvst,
                  config.output.u.YUVA.y, config.output.u.YUVA.u,
                  config.output.u.YUVA.v, config.output.u.YUVA.y_stride,
                  config.output.u.YUVA.u_stride, (int) fw, (int) fh),
              "%s: unfiltered planes equal libwebp's (bypass_filtering)",
              name);
        WebPFreeDecBuffer(&config.output);
    }

    rc = ngx_http_overlay_vp8_write(f, &out, &olen);
    CHECK(rc == 0, "%s: written", name);
    ngx_http_overlay_vp8_free(f);

    if (rc != 0) {
        return;
    }

    /* libwebp pads its frame to an even size inside the chunk */

    CHECK((olen == size || (olen + 1 == size && (size & 1) == 0
                            && webp[off + olen] == 0))
          && memcmp(out, webp + off, olen) == 0,
          "%s: written again, the source's bytes (%zu, %zu)", name, olen,
          size);

    if (olen == size) {
        vp8_same_bytes++;
    }

    riff = vp8_riff(out, olen, &rlen);
    free(out);

    y2 = WebPDecodeYUV(webp, len, &w, &h, &u2, &v2, &ys, &uvs);
    y3 = (riff != NULL) ? WebPDecodeYUV(riff, rlen, &w, &h, &u3, &v3, &ys,
                                        &uvs)
                        : NULL;

    CHECK(y2 != NULL && y3 != NULL
          && vp8_planes_equal(y2, u2, v2, ys, uvs, y3, u3, v3, ys, uvs, w, h),
          "%s: written again, decodes to the source's pixels", name);

    WebPFree(y2);
    WebPFree(y3);
    free(riff);
}


/* (3) every truncation and some corruptions: refused, or read in bounds */

static void
vp8_hostile(const uint8_t *webp, size_t len)
{
    int                             rc;
    size_t                          off, size, cut, i, olen, step;
    uint8_t                        *copy, *out;
    unsigned                        refused, seed;
    const char                     *reason;
    ngx_http_overlay_vp8_frame_t   *f;

    if (ngx_http_overlay_vp8_chunk(webp, len, &off, &size) != 0) {
        CHECK(0, "hostile: no VP8 chunk");
        return;
    }

    refused = 0;
    step = size / 97 + 1;

    for (cut = 0; cut < size; cut += step) {
        /* a copy of exactly cut bytes: ASan sees any read past it */
        copy = malloc(cut + 1);
        memcpy(copy, webp + off, cut);
        rc = ngx_http_overlay_vp8_read(copy, cut, 1u << 26, &f, &reason);

        if (rc == 0) {
            ngx_http_overlay_vp8_recon(f);

            if (ngx_http_overlay_vp8_write(f, &out, &olen) == 0) {
                free(out);
            }

            ngx_http_overlay_vp8_free(f);

        } else {
            refused++;
        }

        free(copy);
    }

    CHECK(refused == (size + step - 1) / step,
          "every truncated frame refused (%u of %zu)", refused,
          (size + step - 1) / step);

    /* flipped bytes: read or refused, never a crash or a leak */

    seed = 12345;
    copy = malloc(size);

    for (i = 0; i < 300; i++) {
        memcpy(copy, webp + off, size);
        seed = seed * 1103515245 + 12345;
        copy[(seed >> 8) % size] ^= (uint8_t) (1 + (seed >> 24) % 255);
        seed = seed * 1103515245 + 12345;
        copy[(seed >> 8) % size] ^= (uint8_t) (1 + (seed >> 24) % 255);

        if (ngx_http_overlay_vp8_read(copy, size, 1u << 26, &f, &reason)
            == 0)
        {
            ngx_http_overlay_vp8_recon(f);

            if (ngx_http_overlay_vp8_write(f, &out, &olen) == 0) {
                free(out);
            }

            ngx_http_overlay_vp8_free(f);
        }
    }

    free(copy);

    /* the limit: a frame over max_pixels is refused before allocation */

    rc = ngx_http_overlay_vp8_read(webp + off, size, 255, &f, &reason);
    CHECK(rc == -1 && strstr(reason, "limit") != NULL,
          "a frame over max_pixels refused");

    /* an inter frame, and a bad start code */

    copy = malloc(size);
    memcpy(copy, webp + off, size);
    copy[0] |= 1;
    CHECK(ngx_http_overlay_vp8_read(copy, size, 1u << 26, &f, &reason)
          == -1, "an inter frame refused");
    copy[0] &= ~1;
    copy[0] &= ~0x10;
    CHECK(ngx_http_overlay_vp8_read(copy, size, 1u << 26, &f, &reason)
          == -1, "a frame not shown refused");
    copy[0] |= 0x10;
    copy[3] = 0;
    CHECK(ngx_http_overlay_vp8_read(copy, size, 1u << 26, &f, &reason)
          == -1, "a bad start code refused");
    free(copy);
}


/*
 * The region a change reaches: the rectangle's macroblocks lose their
 * coefficients (their modes kept), the frame is written, and libwebp's
 * decode of it (loop filter bypassed) equals the source's in every
 * macroblock outside the region, and differs inside the rectangle; our
 * reconstruction of the changed syntax equals libwebp's too.
 */

static void
vp8_region(const uint8_t *webp, size_t len, unsigned x0, unsigned y0,
    unsigned x1, unsigned y1, const char *name)
{
    int                             ok, differs, same_outside, rc;
    size_t                          off, size, olen, rlen, n, yst, uvst;
    uint8_t                        *mask, *out, *riff;
    unsigned                        x, y, b, r, w, h, cw, ch, fw, fh;
    const char                     *reason;
    const uint8_t                  *py, *pu, *pv, *dy, *du, *dv, *sy, *su,
                                   *sv;
    WebPDecoderConfig               src, dst;
    ngx_http_overlay_vp8_mb_t      *mb;
    ngx_http_overlay_vp8_frame_t   *f;

    if (ngx_http_overlay_vp8_chunk(webp, len, &off, &size) != 0
        || ngx_http_overlay_vp8_read(webp + off, size, 1u << 26, &f,
                                     &reason) != 0)
    {
        CHECK(0, "%s: region: read", name);
        return;
    }

    mask = malloc((size_t) f->mbw * f->mbh);
    n = ngx_http_overlay_vp8_region(f, x0, y0, x1, y1, mask);

    printf("vp8 %s: macroblocks %u..%u x %u..%u: a region of %zu of %u "
           "macroblocks (%.1f%%)\n", name, x0, x1 - 1, y0, y1 - 1, n,
           f->mbw * f->mbh, 100.0 * n / (f->mbw * f->mbh));

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            mb = &f->mbs[y * f->mbw + x];
            memset(f->levels + (y * f->mbw + x) * 16
                   * NGX_HTTP_OVERLAY_VP8_BLOCKS, 0,
                   16 * NGX_HTTP_OVERLAY_VP8_BLOCKS * sizeof(int16_t));

            for (b = 0; b < NGX_HTTP_OVERLAY_VP8_BLOCKS; b++) {
                mb->end[b] = (b < 16
                              && mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED);
            }
        }
    }

    rc = ngx_http_overlay_vp8_write(f, &out, &olen);
    CHECK(rc == 0, "%s: region: written", name);

    riff = (rc == 0) ? vp8_riff(out, olen, &rlen) : NULL;
    WebPInitDecoderConfig(&src);
    WebPInitDecoderConfig(&dst);
    src.options.bypass_filtering = 1;
    dst.options.bypass_filtering = 1;
    src.output.colorspace = MODE_YUV;
    dst.output.colorspace = MODE_YUV;

    ok = riff != NULL && WebPDecode(webp, len, &src) == VP8_STATUS_OK
         && WebPDecode(riff, rlen, &dst) == VP8_STATUS_OK;
    CHECK(ok, "%s: region: both decode", name);

    if (ok) {
        differs = 0;
        same_outside = 1;
        w = (unsigned) src.output.width;
        h = (unsigned) src.output.height;

        for (y = 0; y < f->mbh; y++) {
            for (x = 0; x < f->mbw; x++) {
                cw = (w - 16 * x < 16) ? w - 16 * x : 16;
                ch = (h - 16 * y < 16) ? h - 16 * y : 16;
                sy = src.output.u.YUVA.y + 16 * y * src.output.u.YUVA.y_stride
                     + 16 * x;
                dy = dst.output.u.YUVA.y + 16 * y * dst.output.u.YUVA.y_stride
                     + 16 * x;
                su = src.output.u.YUVA.u + 8 * y * src.output.u.YUVA.u_stride
                     + 8 * x;
                du = dst.output.u.YUVA.u + 8 * y * dst.output.u.YUVA.u_stride
                     + 8 * x;
                sv = src.output.u.YUVA.v + 8 * y * src.output.u.YUVA.v_stride
                     + 8 * x;
                dv = dst.output.u.YUVA.v + 8 * y * dst.output.u.YUVA.v_stride
                     + 8 * x;
                ok = 1;

                for (r = 0; r < ch; r++) {
                    ok &= memcmp(sy + r * src.output.u.YUVA.y_stride,
                                 dy + r * dst.output.u.YUVA.y_stride, cw)
                          == 0;
                }

                for (r = 0; r < (ch + 1) / 2; r++) {
                    ok &= memcmp(su + r * src.output.u.YUVA.u_stride,
                                 du + r * dst.output.u.YUVA.u_stride,
                                 (cw + 1) / 2) == 0;
                    ok &= memcmp(sv + r * src.output.u.YUVA.v_stride,
                                 dv + r * dst.output.u.YUVA.v_stride,
                                 (cw + 1) / 2) == 0;
                }

                if (!mask[y * f->mbw + x]) {
                    same_outside &= ok;

                } else if (x >= x0 && x < x1 && y >= y0 && y < y1) {
                    differs |= !ok;
                }
            }
        }

        CHECK(same_outside, "%s: region: every macroblock outside it is "
              "the source's", name);
        CHECK(differs, "%s: region: the changed macroblocks differ", name);

        /* and our reconstruction of the changed syntax is libwebp's */

        ngx_http_overlay_vp8_recon(f);
        ngx_http_overlay_vp8_planes(f, &py, &pu, &pv, &yst, &uvst, &fw, &fh);
        CHECK(vp8_planes_equal(py, pu, pv, (int) yst, (int) uvst,
                  dst.output.u.YUVA.y, dst.output.u.YUVA.u,
                  dst.output.u.YUVA.v, dst.output.u.YUVA.y_stride,
                  dst.output.u.YUVA.u_stride, (int) fw, (int) fh),
              "%s: region: the changed frame's planes equal libwebp's",
              name);
    }

    WebPFreeDecBuffer(&src.output);
    WebPFreeDecBuffer(&dst.output);
    free(riff);

    if (rc == 0) {
        free(out);
    }

    free(mask);
    ngx_http_overlay_vp8_free(f);
}


/* the luma PSNR over the macroblocks the mask has (inside) or lacks */

static double
vp8_psnr(const uint8_t *a, const uint8_t *b, size_t stride, unsigned x0,
    unsigned y0, unsigned w, unsigned h, const uint8_t *mask, unsigned mbw,
    int inside)
{
    int       d;
    double    sse, n;
    unsigned  x, y;

    sse = 0;
    n = 0;

    for (y = y0; y < y0 + h; y++) {
        for (x = x0; x < x0 + w; x++) {
            if ((mask[(y / 16) * mbw + x / 16] != 0) != inside) {
                continue;
            }

            d = a[y * stride + x] - b[y * stride + x];
            sse += d * d;
            n++;
        }
    }

    return (n == 0 || sse == 0) ? 99.0 : 10 * log10(255.0 * 255 * n / sse);
}


/*
 * Macroblocks coded anew (ngx_http_overlay_vp8_code_mb): (1) every one
 * coded towards the frame's own reconstruction comes back to it (the
 * forward transforms invert the spec's inverse ones); (2) a splice's
 * core: a grey rectangle coded in, its region coded again towards the
 * source, and libwebp's decode of the frame written equals our planes,
 * the source's outside the region; the PSNR in the region is reported.
 */

static void
vp8_code(const uint8_t *webp, size_t len, unsigned x0, unsigned y0,
    unsigned x1, unsigned y1, const char *name)
{
    int                             ok;
    double                          psnr;
    size_t                          off, size, olen, rlen, ys, uvs, i, n, same;
    size_t                          flat, clen;
    uint8_t                        *sy, *su, *sv, *mask, *out, *riff, *grey;
    uint8_t                        *chosen;
    unsigned                        x, y, r, fw, fh;
    const char                     *reason;
    const uint8_t                  *py, *pu, *pv;
    WebPDecoderConfig               dec;
    ngx_http_overlay_vp8_frame_t   *f;
    ngx_http_overlay_vp8_mb_t      *orig;
    int16_t                        *olv;

    if (ngx_http_overlay_vp8_chunk(webp, len, &off, &size) != 0
        || ngx_http_overlay_vp8_read(webp + off, size, 1u << 26, &f,
                                     &reason) != 0
        || ngx_http_overlay_vp8_recon(f) != 0)
    {
        CHECK(0, "%s: code: read", name);
        return;
    }

    ngx_http_overlay_vp8_planes(f, &py, &pu, &pv, &ys, &uvs, &fw, &fh);
    n = (size_t) f->mbw * f->mbh;
    sy = malloc(ys * f->mbh * 16);
    su = malloc(uvs * f->mbh * 8);
    sv = malloc(uvs * f->mbh * 8);
    mask = calloc(n, 1);
    grey = malloc(16 * 16);
    orig = malloc(n * sizeof(ngx_http_overlay_vp8_mb_t));
    olv = malloc(n * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16 * sizeof(int16_t));
    memcpy(sy, py, ys * f->mbh * 16);
    memcpy(su, pu, uvs * f->mbh * 8);
    memcpy(sv, pv, uvs * f->mbh * 8);
    memcpy(orig, f->mbs, n * sizeof(ngx_http_overlay_vp8_mb_t));
    memcpy(olv, f->levels, n * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16
                           * sizeof(int16_t));
    memset(grey, 200, 16 * 16);

    /* (1) every macroblock towards its own reconstruction */

    same = 0;

    for (y = 0; y < f->mbh; y++) {
        for (x = 0; x < f->mbw; x++) {
            ngx_http_overlay_vp8_code_mb(f, x, y, sy + 16 * (y * ys + x), ys,
                su + 8 * (y * uvs + x), sv + 8 * (y * uvs + x), uvs);
            i = y * f->mbw + x;
            same += memcmp(f->levels + i * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16,
                           olv + i * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16,
                           NGX_HTTP_OVERLAY_VP8_BLOCKS * 16
                           * sizeof(int16_t)) == 0;
        }
    }

    /* at small steps (q90 and up) the pixels' rounding and clamping move
     * levels by one: the reconstruction stays within a few levels */

    memset(mask, 0, n);
    psnr = vp8_psnr(f->y, sy, ys, 0, 0, fw, fh, mask, f->mbw, 0);
    printf("vp8 %s: coded again towards itself: %zu of %zu macroblocks "
           "the same levels, luma PSNR %.1f dB\n", name, same, n, psnr);
    CHECK(psnr >= 50, "%s: coded again towards itself, PSNR %.1f dB",
          name, psnr);

    /* (2) a grey rectangle, and its region coded again */

    memcpy(f->mbs, orig, n * sizeof(ngx_http_overlay_vp8_mb_t));
    memcpy(f->levels, olv, n * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16
                           * sizeof(int16_t));
    ngx_http_overlay_vp8_recon(f);
    ngx_http_overlay_vp8_region(f, x0, y0, x1, y1, mask);

    for (y = 0; y < f->mbh; y++) {
        for (x = 0; x < f->mbw; x++) {
            if (!mask[y * f->mbw + x]) {
                continue;
            }

            if (x >= x0 && x < x1 && y >= y0 && y < y1) {
                ngx_http_overlay_vp8_code_mb(f, x, y, grey, 16, grey, grey,
                                             16);

            } else {
                ngx_http_overlay_vp8_code_mb(f, x, y,
                    sy + 16 * (y * ys + x), ys, su + 8 * (y * uvs + x),
                    sv + 8 * (y * uvs + x), uvs);
            }
        }
    }

    olen = 0;
    ok = (ngx_http_overlay_vp8_write(f, &out, &olen) == 0);
    CHECK(ok, "%s: code: written", name);
    riff = ok ? vp8_riff(out, olen, &rlen) : NULL;

    WebPInitDecoderConfig(&dec);
    dec.options.bypass_filtering = 1;
    dec.output.colorspace = MODE_YUV;
    ok = riff != NULL && WebPDecode(riff, rlen, &dec) == VP8_STATUS_OK;
    CHECK(ok, "%s: code: decodes", name);

    if (ok) {
        CHECK(vp8_planes_equal(f->y, f->u, f->v, (int) ys, (int) uvs,
                  dec.output.u.YUVA.y, dec.output.u.YUVA.u,
                  dec.output.u.YUVA.v, dec.output.u.YUVA.y_stride,
                  dec.output.u.YUVA.u_stride, (int) fw, (int) fh),
              "%s: code: libwebp decodes the planes we made", name);

        for (r = 0, ok = 1; r < fh; r++) {
            for (x = 0; x < fw; x++) {
                ok &= mask[(r / 16) * f->mbw + x / 16]
                      || f->y[r * ys + x] == sy[r * ys + x];
            }
        }

        CHECK(ok, "%s: code: outside the region, the source's luma", name);
        CHECK(f->y[(16 * y0 + 8) * ys + 16 * x0 + 8] >= 196
              && f->y[(16 * y0 + 8) * ys + 16 * x0 + 8] <= 204,
              "%s: code: the rectangle is grey", name);

        memset(mask, 0, n);

        for (y = y0; y < y1; y++) {
            memset(mask + y * f->mbw + x0, 1, x1 - x0);
        }

        printf("vp8 %s: a grey rectangle spliced in, its region coded "
               "again: %zu bytes (source %zu), luma PSNR outside the "
               "rectangle %.1f dB\n", name, olen, size,
               vp8_psnr(f->y, sy, ys, 0, 0, fw, fh, mask, f->mbw, 0));
    }

    WebPFreeDecBuffer(&dec.output);
    free(riff);

    /*
     * (3) the same with the rectangle's modes chosen: flat grey is
     * predicted whole (16x16), in fewer bytes; libwebp decodes our planes
     */

    memcpy(f->mbs, orig, n * sizeof(ngx_http_overlay_vp8_mb_t));
    memcpy(f->levels, olv, n * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16
                           * sizeof(int16_t));
    ngx_http_overlay_vp8_recon(f);
    ngx_http_overlay_vp8_region(f, x0, y0, x1, y1, mask);
    flat = 0;

    for (y = 0; y < f->mbh; y++) {
        for (x = 0; x < f->mbw; x++) {
            if (!(x >= x0 && x < x1 && y >= y0 && y < y1)) {
                if (mask[y * f->mbw + x]) {
                    ngx_http_overlay_vp8_code_mb(f, x, y,
                        sy + 16 * (y * ys + x), ys, su + 8 * (y * uvs + x),
                        sv + 8 * (y * uvs + x), uvs);
                }

                continue;
            }

            ngx_http_overlay_vp8_code_mb_choose(f, x, y, grey, 16, grey,
                                                grey, 16);
            flat += (f->mbs[y * f->mbw + x].ymode
                     != NGX_HTTP_OVERLAY_VP8_B_PRED);
        }
    }

    clen = 0;
    ok = (ngx_http_overlay_vp8_write(f, &chosen, &clen) == 0);
    riff = ok ? vp8_riff(chosen, clen, &rlen) : NULL;

    WebPInitDecoderConfig(&dec);
    dec.options.bypass_filtering = 1;
    dec.output.colorspace = MODE_YUV;
    ok = riff != NULL && WebPDecode(riff, rlen, &dec) == VP8_STATUS_OK;
    CHECK(ok, "%s: modes chosen: decodes", name);

    if (ok) {
        CHECK(vp8_planes_equal(f->y, f->u, f->v, (int) ys, (int) uvs,
                  dec.output.u.YUVA.y, dec.output.u.YUVA.u,
                  dec.output.u.YUVA.v, dec.output.u.YUVA.y_stride,
                  dec.output.u.YUVA.u_stride, (int) fw, (int) fh),
              "%s: modes chosen: libwebp decodes the planes we made", name);
        CHECK(f->y[(16 * y0 + 8) * ys + 16 * x0 + 8] >= 196
              && f->y[(16 * y0 + 8) * ys + 16 * x0 + 8] <= 204,
              "%s: modes chosen: the rectangle is grey", name);
    }

    CHECK(flat == (size_t) (x1 - x0) * (y1 - y0) && clen <= olen,
          "%s: modes chosen: %zu of %zu macroblocks 16x16, %zu bytes "
          "against %zu with their own modes", name, flat,
          (size_t) (x1 - x0) * (y1 - y0), clen, olen);

    WebPFreeDecBuffer(&dec.output);
    free(riff);
    free(chosen);

    free(out);
    free(sy);
    free(su);
    free(sv);
    free(mask);
    free(grey);
    free(orig);
    free(olv);
    ngx_http_overlay_vp8_free(f);
}


/*
 * The inverse DCT that reconstruction uses (SSE2 where the compiler has
 * it) against the spec's, in C: 100,000 blocks at random over the whole
 * int16_t range, at small values, with a DC or one coefficient alone, on
 * random predictions; the same bytes.
 */

static void
vp8_idct(void)
{
    int16_t   in[16];
    uint8_t   a[4 * NGX_HTTP_OVERLAY_VP8_BPS], b[4 * NGX_HTTP_OVERLAY_VP8_BPS];
    size_t    i, k, bad;
    unsigned  seed;

    seed = 4242;
    bad = 0;

    for (i = 0; i < 100000; i++) {
        for (k = 0; k < 16; k++) {
            seed = seed * 1103515245 + 12345;
            in[k] = (i % 4 == 0) ? (int16_t) (seed >> 8)
                    : (i % 4 == 1) ? (int16_t) ((int) ((seed >> 16) % 4097)
                                                - 2048)
                    : (i % 4 == 2) ? (int16_t) ((k == 0) ? (seed >> 16) % 8000
                                                : 0)
                    : (int16_t) ((k == (i / 4) % 16) ? (int) (seed >> 16)
                                                       - 32768 : 0);
        }

        for (k = 0; k < sizeof(a); k++) {
            seed = seed * 1103515245 + 12345;
            a[k] = (uint8_t) (seed >> 16);
        }

        memcpy(b, a, sizeof(a));
        ngx_http_overlay_vp8_residue(in, 2, a);
        ngx_http_overlay_vp8_idct_add_c(in, b);
        bad += (memcmp(a, b, sizeof(a)) != 0);
    }

    CHECK(bad == 0, "inverse DCT: %zu of 100000 blocks differ from the "
          "spec's", bad);
}


/*
 * The boolean encoder against the decoder: 200,000 bools at random
 * probabilities (1..255, and runs at the extremes that make carries and
 * 0xff bytes), and literals, come back as they went.
 */

static void
vp8_bool_coder(void)
{
    size_t                      i, n, bad;
    uint8_t                    *bits, *probs;
    unsigned                    seed;
    ngx_http_overlay_vp8_br_t   br;
    ngx_http_overlay_vp8_bw_t   bw;

    n = 200000;
    bits = malloc(n);
    probs = malloc(n);
    seed = 777;

    for (i = 0; i < n; i++) {
        seed = seed * 1103515245 + 12345;
        probs[i] = (i / 5000) % 3 == 0 ? 1 + (seed >> 16) % 255
                   : (i / 5000) % 3 == 1 ? 255 : 1;
        seed = seed * 1103515245 + 12345;
        bits[i] = ((seed >> 16) % 256) >= probs[i];
    }

    ngx_http_overlay_vp8_bw_init(&bw);

    for (i = 0; i < n; i++) {
        ngx_http_overlay_vp8_put(&bw, bits[i], probs[i]);
    }

    ngx_http_overlay_vp8_put_literal(&bw, 0x5a5, 11);
    ngx_http_overlay_vp8_bw_finish(&bw);
    CHECK(!bw.failed, "bool encoder: written");

    ngx_http_overlay_vp8_br_init(&br, bw.buf, bw.len);
    bad = 0;

    for (i = 0; i < n; i++) {
        bad += (ngx_http_overlay_vp8_get(&br, probs[i]) != bits[i]);
    }

    CHECK(bad == 0, "bool decoder: %zu of %zu bools differ", bad, n);
    CHECK(ngx_http_overlay_vp8_get_literal(&br, 11) == 0x5a5,
          "bool decoder: the literal");
    CHECK(br.past == 0, "bool decoder: nothing read past the end (%u)",
          br.past);

    free(bw.buf);
    free(bits);
    free(probs);
}


/* the "VP8 " chunk: simple and extended files; malformed ones refused */

static void
vp8_container(void)
{
    size_t   off, size;
    uint8_t  webp[64];

    memset(webp, 0, sizeof(webp));
    memcpy(webp, "RIFF", 4);
    webp[4] = 56;
    memcpy(webp + 8, "WEBPVP8X", 8);
    webp[16] = 10;
    memcpy(webp + 30, "ICCP", 4);
    webp[34] = 3;
    memcpy(webp + 42, "VP8 ", 4);
    webp[46] = 14;

    CHECK(ngx_http_overlay_vp8_chunk(webp, 64, &off, &size) == 0
          && off == 50 && size == 14,
          "VP8 chunk after VP8X and an odd-sized chunk's padding");
    CHECK(ngx_http_overlay_vp8_chunk(webp, 63, &off, &size) == -1,
          "a RIFF size past the data refused");

    webp[46] = 15;
    CHECK(ngx_http_overlay_vp8_chunk(webp, 64, &off, &size) == -1,
          "a chunk past the RIFF refused");

    webp[46] = 14;
    memcpy(webp + 42, "VP8L", 4);
    CHECK(ngx_http_overlay_vp8_chunk(webp, 64, &off, &size) == -1,
          "a lossless frame refused");

    webp[34] = 0xff;
    webp[35] = 0xff;
    webp[36] = 0xff;
    webp[37] = 0xff;
    CHECK(ngx_http_overlay_vp8_chunk(webp, 64, &off, &size) == -1,
          "a chunk size of 4 GB refused");
}


void
test_vp8(void)
{
    char             name[160], cmd[512];
    size_t           len, i, k;
    uint8_t         *rgb, *webp;
    webp_variant_t   v;
    static const struct {
        const char  *fixture;
        int          w, h;
    }  sizes[] = {
        { "coffee.jpg", 1, 1 },
        { "coffee.jpg", 17, 33 },
        { "astronaut.jpg", 161, 97 },
        { "chelsea.png", 300, 199 },
        { "rocket.jpg", 1921, 1081 },
    };

    vp8_same_bytes = 0;
    vp8_frames = 0;
    memset(vp8_seen, 0, sizeof(vp8_seen));

    vp8_bool_coder();
    vp8_idct();
    vp8_container();

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        rgb = rgb_fixture(sizes[i].fixture, sizes[i].w, sizes[i].h);

        for (k = 0; k < WEBP_VARIANTS; k++) {
            v = webp_variants[k];

            /* the large frame: three variants are enough */
            if (sizes[i].w > 1000 && k % 3 != 0) {
                continue;
            }

            webp = webp_encode_rgb(rgb, sizes[i].w, sizes[i].h, &v, &len);
            snprintf(name, sizeof(name), "%s %dx%d q%d m%d seg%d sns%d f%d "
                     "sharp%d type%d parts%d", sizes[i].fixture, sizes[i].w,
                     sizes[i].h, v.quality, v.method, v.segments, v.sns,
                     v.filter, v.sharpness, v.filter_type, 1 << v.partitions);
            CHECK(webp != NULL, "%s: encoded", name);

            if (webp != NULL) {
                vp8_check(webp, len, name);

                if (i == 3 && k == 0) {
                    vp8_hostile(webp, len);
                }

                if (i >= 2 && sizes[i].w < 1000) {
                    vp8_region(webp, len, 3, 2, 6, 4, name);
                }

                if (sizes[i].w > 1000) {
                    /* the default badge's macroblocks at 1080p */
                    vp8_region(webp, len, 84, 2, 118, 9, name);
                    vp8_code(webp, len, 84, 2, 118, 9, name);
                }

                if (i == 3) {
                    vp8_code(webp, len, 3, 2, 6, 4, name);
                }

                WebPFree(webp);
            }
        }

        free(rgb);
    }

    /* cwebp and Pillow, from the fixtures' files */

    for (i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd), "cwebp -quiet -q %d -m %d -segments %d "
                 "-sns %d -f %d -sharpness %d %s/%s -o %%s",
                 (int) (20 + 35 * i), (int) (2 * i), (int) (2 + i),
                 (int) (40 * i), (int) (30 * i), (int) (3 * i),
                 unit_fixtures, i == 1 ? "chelsea.png" : "astronaut.jpg");
        webp = vp8_command(cmd, &len);
        snprintf(name, sizeof(name), "cwebp %zu", i);
        CHECK(webp != NULL, "%s: made (%s)", name, cmd);

        if (webp != NULL) {
            vp8_check(webp, len, name);
            free(webp);
        }
    }

    for (i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c \"import sys; "
                 "from PIL import Image; Image.open('%s/coffee.jpg')"
                 ".convert('RGB').save(sys.argv[1], 'WEBP', quality=%d)\" "
                 "%%s", unit_fixtures, (int) (10 + 45 * i));
        webp = vp8_command(cmd, &len);
        snprintf(name, sizeof(name), "Pillow q%d", (int) (10 + 45 * i));
        CHECK(webp != NULL, "%s: made", name);

        if (webp != NULL) {
            vp8_check(webp, len, name);
            free(webp);
        }
    }

    printf("vp8: %u frames, %u of them odd-sized (no padding byte); "
           "segment maps %u, simple filter %u, 8 partitions %u, no skip "
           "flags %u, filter deltas %u; macroblocks B_PRED %u, 16x16 %u, "
           "skipped %u\n", vp8_frames, vp8_same_bytes, vp8_seen[0],
           vp8_seen[1], vp8_seen[2], vp8_seen[3], vp8_seen[4], vp8_seen[5],
           vp8_seen[6], vp8_seen[7]);

    CHECK(vp8_seen[0] > 0 && vp8_seen[1] > 0 && vp8_seen[2] > 0
          && vp8_seen[5] > 0 && vp8_seen[6] > 0 && vp8_seen[7] > 0,
          "the frames had segment maps, the simple filter, 8 partitions, "
          "both luma kinds and skipped macroblocks");
}
