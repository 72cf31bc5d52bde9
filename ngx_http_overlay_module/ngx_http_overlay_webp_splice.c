
/*
 * ngx_http_overlay_module: a lossy WebP drawn on in its VP8 syntax (the
 * splice, overlay_webp_quality source).
 *
 * The frame is read into its syntax and its unfiltered planes are
 * reconstructed (ngx_http_overlay_vp8.h).  The overlay is drawn on a copy
 * of those planes (ngx_http_overlay_webp_yuv_paint(), as on a decoded
 * frame); the macroblocks it changed, and those their intra prediction
 * reaches (ngx_http_overlay_vp8_region()), are coded again, in raster
 * order, with their own segment and quantizer, towards the copy: the
 * overlay's towards what was drawn (their modes chosen again), the others
 * towards the source's own reconstruction with their own modes.  Every
 * other macroblock keeps its coefficients, and the frame is written with
 * the source's header and probabilities.  The RIFF keeps every chunk of
 * the source (VP8X, ICCP, EXIF, XMP, unknown ones) in its order; only the
 * "VP8 " chunk is new.
 *
 * With an ALPH chunk (lossy WebP with alpha, VP8X first), the alpha plane
 * is decoded here (ngx_http_overlay_webp_alpha.c), drawn on with the
 * planes, and coded again losslessly only if a sample of it changed;
 * else the ALPH chunk stays byte for byte.
 *
 * Declined (out->data stays NULL; the caller decodes and encodes with
 * libwebp instead): an ALPH chunk without VP8X, after the frame or not
 * the only one, or one its decoder refuses, a frame the VP8 reader
 * refuses, or one the writer cannot write (a partition past its size
 * field).
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <webp/encode.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_codec_webp.h"
#include "ngx_http_overlay_vp8.h"
#include "ngx_http_overlay_webp_alpha_int.h"


/* where the "VP8 " and ALPH chunks are, and where the RIFF's chunks end */
typedef struct {
    size_t                         riff_end;
    size_t                         chunk;       /* its header */
    size_t                         data;        /* its payload */
    size_t                         size;
    size_t                         alph;        /* ALPH's header, or 0 */
    size_t                         alph_size;
} ngx_http_overlay_webp_splice_at_t;

/* a chunk of the source replaced: its header and size, its new payload */
typedef struct {
    size_t                         chunk;
    size_t                         size;
    const char                    *tag;
    const uint8_t                 *data;
    size_t                         len;
} ngx_http_overlay_webp_splice_new_t;


static int ngx_http_overlay_webp_splice_find(const unsigned char *p,
    size_t len, ngx_http_overlay_webp_splice_at_t *at);
static int ngx_http_overlay_webp_splice_changed(
    ngx_http_overlay_vp8_frame_t *frame, const uint8_t *ty,
    const uint8_t *tu, const uint8_t *tv, uint8_t *drawn, unsigned *x0,
    unsigned *y0, unsigned *x1, unsigned *y1);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_splice_alpha(
    const unsigned char *p, const ngx_http_overlay_webp_splice_at_t *at,
    unsigned w, unsigned h, WebPPicture *pic, uint8_t **alpha,
    ngx_http_overlay_error_t *err);
static size_t ngx_http_overlay_webp_splice_after(size_t chunk, size_t size,
    size_t riff_end);
static ngx_http_overlay_rc_e ngx_http_overlay_webp_splice_riff(
    const unsigned char *p, size_t riff_end,
    const ngx_http_overlay_webp_splice_new_t *nw, size_t n,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err);
static void ngx_http_overlay_webp_splice_le32(unsigned char *p, uint32_t v);
static void ngx_http_overlay_webp_splice_free(void *data);


ngx_http_overlay_rc_e
ngx_http_overlay_webp_splice(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                                 coded;
    size_t                              ys, uvs, ysize, csize, area, vlen;
    size_t                              alen, asize, n;
    uint8_t                            *buf, *mask, *vp8, *ty, *tu, *tv;
    uint8_t                            *my, *mu, *mv, *alpha, *alph;
    unsigned                            w, h, mbw, mbh, x, y, filter;
    unsigned                            x0, y0, x1, y1;
    const char                         *reason;
    WebPPicture                         pic;
    const uint8_t                      *py, *pu, *pv;
    ngx_http_overlay_rc_e               rc;
    ngx_http_overlay_vp8_frame_t       *f;
    ngx_http_overlay_webp_splice_at_t   at;
    ngx_http_overlay_webp_splice_new_t  nw[2];

    out->data = NULL;
    out->len = 0;
    out->free = NULL;

    if (ngx_http_overlay_webp_splice_find(p, len, &at) != 0) {
        return NGX_HTTP_OVERLAY_OK;
    }

    mbw = (info->width + 15) / 16;
    mbh = (info->height + 15) / 16;
    area = (size_t) mbw * mbh * 256;

    if (ngx_http_overlay_vp8_read(p + at.data, at.size, area, &f, &reason)
        != 0)
    {
        return NGX_HTTP_OVERLAY_OK;
    }

    buf = NULL;
    mask = NULL;
    vp8 = NULL;
    alpha = NULL;
    alph = NULL;
    rc = NGX_HTTP_OVERLAY_OK;

    if (ngx_http_overlay_vp8_recon(f) != 0) {
        goto done;
    }

    ngx_http_overlay_vp8_planes(f, &py, &pu, &pv, &ys, &uvs, &w, &h);

    if (w != info->width || h != info->height) {
        goto done;
    }

    /* the planes copied, macroblock-aligned, and drawn on */

    ysize = ys * mbh * 16;
    csize = uvs * mbh * 8;

    buf = malloc(ysize + 2 * csize);
    mask = calloc(2 * (size_t) mbw, mbh);

    if (buf == NULL || mask == NULL) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                    "a %ux%u WebP's planes", w, h);
        goto done;
    }

    ty = buf;
    tu = buf + ysize;
    tv = buf + ysize + csize;

    memcpy(ty, py, ysize);
    memcpy(tu, pu, csize);
    memcpy(tv, pv, csize);

    memset(&pic, 0, sizeof(WebPPicture));

    if (!WebPPictureInit(&pic)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                    "libwebp's version does not match");
        goto done;
    }

    pic.width = (int) w;
    pic.height = (int) h;
    pic.use_argb = 0;
    pic.colorspace = WEBP_YUV420;
    pic.y = ty;
    pic.u = tu;
    pic.v = tv;
    pic.y_stride = (int) ys;
    pic.uv_stride = (int) uvs;

    /* the alpha plane, and after it a copy of it as decoded */

    asize = (size_t) w * h;

    if (at.alph != 0) {
        rc = ngx_http_overlay_webp_splice_alpha(p, &at, w, h, &pic, &alpha,
                                                err);

        if (rc != NGX_HTTP_OVERLAY_OK || alpha == NULL) {
            goto done;
        }
    }

    rc = ngx_http_overlay_webp_yuv_paint(&pic, painter, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    if (alpha != NULL && memcmp(alpha, alpha + asize, asize) != 0) {
        filter = ngx_http_overlay_webp_alpha_choose(alpha, w, h,
                                        NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                                        NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY);

        if (ngx_http_overlay_webp_alpha_encode(alpha, w, h, filter,
                                        NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                                        NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY,
                                        &alph, &alen)
            != 0)
        {
            rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                        "webp: a %ux%u alpha plane's "
                                        "lossless encoding failed", w, h);
            goto done;
        }
    }

    if (ngx_http_overlay_webp_splice_changed(f, ty, tu, tv,
                                             mask + (size_t) mbw * mbh,
                                             &x0, &y0, &x1, &y1))
    {
        ngx_http_overlay_vp8_region(f, x0, y0, x1, y1, mask);

        for (y = 0; y < mbh; y++) {
            for (x = 0; x < mbw; x++) {
                if (mask[(size_t) y * mbw + x] == 0) {
                    continue;
                }

                my = ty + (size_t) 16 * y * ys + 16 * x;
                mu = tu + (size_t) 8 * y * uvs + 8 * x;
                mv = tv + (size_t) 8 * y * uvs + 8 * x;

                /*
                 * those drawn on with modes chosen anew; the others in
                 * the overlay's rectangle keep theirs, as the rest of the
                 * region, and come back to the source's pixels as near
                 * as their prediction lets them
                 */

                if (mask[(size_t) (mbh + y) * mbw + x]) {
                    coded = ngx_http_overlay_vp8_code_mb_choose(f, x, y, my,
                                                       ys, mu, mv, uvs);
                } else {
                    coded = ngx_http_overlay_vp8_code_mb(f, x, y, my, ys, mu,
                                                         mv, uvs);
                }

                if (coded != 0) {
                    goto done;
                }
            }
        }
    }

    /*
     * a partition past the sizes VP8 can write (the first's 19 bits, the
     * others' 24), or no memory for it: declined, libwebp encodes
     */

    if (ngx_http_overlay_vp8_write(f, &vp8, &vlen) != 0) {
        goto done;
    }

    /* the chunks replaced, in the file's order: ALPH comes first */

    nw[0] = (ngx_http_overlay_webp_splice_new_t) {
                at.alph, at.alph_size, "ALPH", alph, alen
            };
    nw[1] = (ngx_http_overlay_webp_splice_new_t) {
                at.chunk, at.size, "VP8 ", vp8, vlen
            };

    n = alph != NULL ? 0 : 1;

    rc = ngx_http_overlay_webp_splice_riff(p, at.riff_end, nw + n, 2 - n,
                                           out, err);

done:

    free(alph);
    free(alpha);
    free(vp8);
    free(mask);
    free(buf);
    ngx_http_overlay_vp8_free(f);

    return rc;
}


/*
 * The "VP8 " chunk of a RIFF the probe has checked, and its ALPH chunk if
 * any: 0, or -1 when there is no "VP8 " chunk, or an ALPH chunk the
 * splice declines (without VP8X first, after the frame, a second one)
 */

static int
ngx_http_overlay_webp_splice_find(const unsigned char *p, size_t len,
    ngx_http_overlay_webp_splice_at_t *at)
{
    size_t  pos, n, riff;

    if (len < 20) {
        return -1;
    }

    riff = ngx_http_overlay_le32(p + 4);

    if (riff < 4 || riff > len - 8) {
        return -1;
    }

    at->riff_end = riff + 8;
    at->chunk = 0;
    at->data = 0;
    at->size = 0;
    at->alph = 0;
    at->alph_size = 0;

    for (pos = 12; at->riff_end - pos >= 8; /* void */) {
        n = ngx_http_overlay_le32(p + pos + 4);

        if (n > at->riff_end - pos - 8) {
            return -1;
        }

        if (memcmp(p + pos, "ALPH", 4) == 0) {

            if (memcmp(p + 12, "VP8X", 4) != 0 || at->alph != 0
                || at->chunk != 0)
            {
                return -1;
            }

            at->alph = pos;
            at->alph_size = n;
        }

        if (memcmp(p + pos, "VP8 ", 4) == 0 && at->chunk == 0) {
            at->chunk = pos;
            at->data = pos + 8;
            at->size = n;
        }

        pos += 8 + n;

        if ((n & 1) && pos < at->riff_end) {
            pos++;
        }
    }

    return at->chunk != 0 ? 0 : -1;
}


/*
 * The macroblock rectangle around the samples the overlay changed, in
 * [*x0, *x1) x [*y0, *y1), and each macroblock changed set to 1 in drawn
 * (the caller's, zeroed, one byte a macroblock): 1, or 0 when it changed
 * none
 */

static int
ngx_http_overlay_webp_splice_changed(ngx_http_overlay_vp8_frame_t *f,
    const uint8_t *ty, const uint8_t *tu, const uint8_t *tv, uint8_t *drawn,
    unsigned *x0, unsigned *y0, unsigned *x1, unsigned *y1)
{
    int             found;
    size_t          ys, uvs, o;
    unsigned        w, h, mbw, mbh, x, y, r;
    const uint8_t  *py, *pu, *pv;

    ngx_http_overlay_vp8_planes(f, &py, &pu, &pv, &ys, &uvs, &w, &h);

    mbw = (w + 15) / 16;
    mbh = (h + 15) / 16;

    found = 0;
    *x0 = mbw;
    *y0 = mbh;
    *x1 = 0;
    *y1 = 0;

    for (y = 0; y < mbh; y++) {
        for (x = 0; x < mbw; x++) {

            for (r = 0; r < 16; r++) {
                o = (size_t) (16 * y + r) * ys + 16 * x;

                if (memcmp(py + o, ty + o, 16) != 0) {
                    goto changed;
                }
            }

            for (r = 0; r < 8; r++) {
                o = (size_t) (8 * y + r) * uvs + 8 * x;

                if (memcmp(pu + o, tu + o, 8) != 0
                    || memcmp(pv + o, tv + o, 8) != 0)
                {
                    goto changed;
                }
            }

            continue;

        changed:

            found = 1;
            drawn[(size_t) y * mbw + x] = 1;
            *x0 = x < *x0 ? x : *x0;
            *y0 = y < *y0 ? y : *y0;
            *x1 = x + 1 > *x1 ? x + 1 : *x1;
            *y1 = y + 1;
        }
    }

    return found;
}


/*
 * The ALPH chunk's plane decoded into *alpha (malloc()ed, w * h bytes,
 * stride w, then a copy of it), which pic then paints on too: OK; OK with
 * *alpha NULL when the decoder refuses the chunk (the splice declines: the
 * caller's libwebp refuses it too); NO_MEMORY with *err
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_splice_alpha(const unsigned char *p,
    const ngx_http_overlay_webp_splice_at_t *at, unsigned w, unsigned h,
    WebPPicture *pic, uint8_t **alpha, ngx_http_overlay_error_t *err)
{
    size_t       n;
    uint8_t     *a;
    const char  *reason;

    *alpha = NULL;
    n = (size_t) w * h;

    a = malloc(2 * n);
    if (a == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "a %ux%u WebP's alpha plane", w, h);
    }

    if (ngx_http_overlay_webp_alpha_decode(p + at->alph + 8, at->alph_size,
                                           w, h, a, &reason)
        != 0)
    {
        free(a);
        return NGX_HTTP_OVERLAY_OK;
    }

    memcpy(a + n, a, n);

    pic->colorspace = WEBP_YUV420A;
    pic->a = a;
    pic->a_stride = (int) w;

    *alpha = a;

    return NGX_HTTP_OVERLAY_OK;
}


/* where the chunk after a chunk begins (its padding byte skipped) */

static size_t
ngx_http_overlay_webp_splice_after(size_t chunk, size_t size,
    size_t riff_end)
{
    size_t  after;

    after = chunk + 8 + size;

    return after + ((size & 1) && after < riff_end);
}


/*
 * The source's RIFF with the n chunks of nw (in the file's order) replaced
 * by their new payloads: every other chunk as it was, the RIFF's size
 * anew, bytes after the RIFF left out (as libwebp writes none)
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_webp_splice_riff(const unsigned char *p, size_t riff_end,
    const ngx_http_overlay_webp_splice_new_t *nw, size_t n,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err)
{
    size_t          i, pos, total;
    unsigned char  *d, *w;

    total = 0;
    pos = 0;

    for (i = 0; i < n; i++) {
        if (nw[i].len > 0xfffffff0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                          "a %s chunk of %zu bytes",
                                          nw[i].tag, nw[i].len);
        }

        total += nw[i].chunk - pos + 8 + nw[i].len + (nw[i].len & 1);
        pos = ngx_http_overlay_webp_splice_after(nw[i].chunk, nw[i].size,
                                                 riff_end);
    }

    total += riff_end - pos;

    if (total - 8 > 0xfffffff0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "a WebP of %zu bytes", total);
    }

    d = malloc(total);
    if (d == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "a WebP of %zu bytes", total);
    }

    w = d;
    pos = 0;

    for (i = 0; i < n; i++) {
        memcpy(w, p + pos, nw[i].chunk - pos);
        w += nw[i].chunk - pos;

        memcpy(w, nw[i].tag, 4);
        ngx_http_overlay_webp_splice_le32(w + 4, (uint32_t) nw[i].len);
        memcpy(w + 8, nw[i].data, nw[i].len);
        w += 8 + nw[i].len;

        if (nw[i].len & 1) {
            *w++ = 0;
        }

        pos = ngx_http_overlay_webp_splice_after(nw[i].chunk, nw[i].size,
                                                 riff_end);
    }

    memcpy(w, p + pos, riff_end - pos);

    ngx_http_overlay_webp_splice_le32(d + 4, (uint32_t) (total - 8));

    out->data = d;
    out->len = total;
    out->free = ngx_http_overlay_webp_splice_free;
    out->method = NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE;

    return NGX_HTTP_OVERLAY_OK;
}


static void
ngx_http_overlay_webp_splice_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) v;
    p[1] = (unsigned char) (v >> 8);
    p[2] = (unsigned char) (v >> 16);
    p[3] = (unsigned char) (v >> 24);
}


static void
ngx_http_overlay_webp_splice_free(void *data)
{
    free(data);
}
