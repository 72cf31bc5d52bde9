
/*
 * ngx_http_overlay_module: a VP8 macroblock coded anew, with its own
 * modes, towards target pixels: the prediction from the frame's current
 * planes (as recon() or earlier codings left them), the residue's forward
 * transforms (the inverses of RFC 6386's, section 14: a DCT scaled by 2
 * and a WHT halved), quantization to the nearest level at the macroblock
 * segment's quantizer, and the reconstruction the decoder will make, into
 * the planes, so that the next macroblocks predict from it.  The splice
 * codes with it the macroblocks its overlay or their prediction changes.
 */


#include <string.h>

#include "ngx_http_overlay_vp8_int.h"


/* the largest level the tokens carry: DCT_CAT6, 67 + 2047 */
#define NGX_HTTP_OVERLAY_VP8_MAX_LEVEL  2114


static void ngx_http_overlay_vp8_fdct(const int *in, int16_t *out);
static void ngx_http_overlay_vp8_fwht(const int16_t *in, int16_t *out);
static unsigned ngx_http_overlay_vp8_quant(const int16_t *coef,
    unsigned first, const int *q, int16_t *levels, int16_t *dq);
static void ngx_http_overlay_vp8_code_block(uint8_t *dst,
    const uint8_t *target, size_t stride, const int *q, int16_t *levels,
    uint8_t *end);
static unsigned ngx_http_overlay_vp8_sad(const uint8_t *p,
    const uint8_t *target, size_t stride, unsigned n);
static uint64_t ngx_http_overlay_vp8_rd(ngx_http_overlay_vp8_frame_t *f,
    unsigned mbx, unsigned mby, const uint8_t *ty, size_t ty_stride);


/* the state a macroblock's coding changes: its modes, levels and pixels */
typedef struct {
    ngx_http_overlay_vp8_mb_t   mb;
    int16_t                     levels[NGX_HTTP_OVERLAY_VP8_BLOCKS * 16];
    uint8_t                     y[16 * 16];
    uint8_t                     u[8 * 8];
    uint8_t                     v[8 * 8];
} ngx_http_overlay_vp8_saved_t;


static void ngx_http_overlay_vp8_save(ngx_http_overlay_vp8_frame_t *f,
    unsigned mbx, unsigned mby, ngx_http_overlay_vp8_saved_t *s);
static void ngx_http_overlay_vp8_restore(ngx_http_overlay_vp8_frame_t *f,
    unsigned mbx, unsigned mby, const ngx_http_overlay_vp8_saved_t *s);


int
ngx_http_overlay_vp8_code_mb(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, const uint8_t *ty, size_t ty_stride, const uint8_t *tu,
    const uint8_t *tv, size_t tuv_stride)
{
    int                         res[16];
    int16_t                     coef[16][16], y2[16], dc[16], dq[16];
    uint8_t                     ybuf[17 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                     ubuf[9 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                     vbuf[9 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                    *d, *c;
    int16_t                    *lv;
    unsigned                    b, r, x, empty, kind;
    const uint8_t              *t;
    ngx_http_overlay_vp8_mb_t  *mb;
    ngx_http_overlay_vp8_dq_t  *q;

    if (f->y == NULL || mbx >= f->mbw || mby >= f->mbh) {
        return -1;
    }

    /*
     * clamping_type 1 tells a decoder it may skip clamping (RFC 6386,
     * 9.2): a macroblock coded here may need it
     */

    f->hdr.clamping = 0;

    mb = &f->mbs[mby * f->mbw + mbx];
    lv = f->levels + (size_t) (mby * f->mbw + mbx)
                     * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16;
    q = &f->dq[mb->segment];

    memset(lv, 0, NGX_HTTP_OVERLAY_VP8_BLOCKS * 16 * sizeof(int16_t));
    memset(mb->end, 0, sizeof(mb->end));

    ngx_http_overlay_vp8_load(f, mbx, mby, ybuf, ubuf, vbuf);

    d = ybuf + NGX_HTTP_OVERLAY_VP8_BPS + 1;

    if (mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED) {
        ngx_http_overlay_vp8_predict(d, 16, mb->ymode, mby > 0, mbx > 0);

        for (b = 0; b < 16; b++) {
            c = d + 4 * (b & 3) + 4 * (b >> 2) * NGX_HTTP_OVERLAY_VP8_BPS;
            t = ty + 4 * (b >> 2) * ty_stride + 4 * (b & 3);

            for (r = 0; r < 16; r++) {
                res[r] = t[(r >> 2) * ty_stride + (r & 3)]
                         - c[(r >> 2) * NGX_HTTP_OVERLAY_VP8_BPS + (r & 3)];
            }

            ngx_http_overlay_vp8_fdct(res, coef[b]);
            y2[b] = coef[b][0];
        }

        ngx_http_overlay_vp8_fwht(y2, dc);
        mb->end[NGX_HTTP_OVERLAY_VP8_Y2] = (uint8_t)
            ngx_http_overlay_vp8_quant(dc, 0, q->y2, lv + 16 * 24, dq);
        ngx_http_overlay_vp8_iwht(dq, dc);

        for (b = 0; b < 16; b++) {
            c = d + 4 * (b & 3) + 4 * (b >> 2) * NGX_HTTP_OVERLAY_VP8_BPS;
            mb->end[b] = (uint8_t) ngx_http_overlay_vp8_quant(coef[b], 1,
                                                 q->y1, lv + 16 * b, dq);
            dq[0] = dc[b];

            for (kind = 0, x = 0; x < 16; x++) {
                kind |= (dq[x] != 0) ? (x > 0 ? 2 : 1) : 0;
            }

            ngx_http_overlay_vp8_residue(dq, kind, c);
        }

    } else {
        for (r = 4; r < 16; r += 4) {
            memcpy(ybuf + r * NGX_HTTP_OVERLAY_VP8_BPS + 17, ybuf + 17, 4);
        }

        for (b = 0; b < 16; b++) {
            c = d + 4 * (b & 3) + 4 * (b >> 2) * NGX_HTTP_OVERLAY_VP8_BPS;
            ngx_http_overlay_vp8_predict4(c, mb->bmodes[b]);
            ngx_http_overlay_vp8_code_block(c,
                ty + 4 * (b >> 2) * ty_stride + 4 * (b & 3), ty_stride,
                q->y1, lv + 16 * b, &mb->end[b]);
        }
    }

    ngx_http_overlay_vp8_predict(ubuf + NGX_HTTP_OVERLAY_VP8_BPS + 1, 8,
                                 mb->uvmode, mby > 0, mbx > 0);
    ngx_http_overlay_vp8_predict(vbuf + NGX_HTTP_OVERLAY_VP8_BPS + 1, 8,
                                 mb->uvmode, mby > 0, mbx > 0);

    for (b = 0; b < 4; b++) {
        r = 4 * (b & 1) + 4 * (b >> 1) * NGX_HTTP_OVERLAY_VP8_BPS;
        x = 4 * (b & 1) + 4 * (b >> 1) * tuv_stride;
        ngx_http_overlay_vp8_code_block(ubuf + NGX_HTTP_OVERLAY_VP8_BPS + 1
            + r, tu + x, tuv_stride, q->uv, lv + 16 * (16 + b),
            &mb->end[16 + b]);
        ngx_http_overlay_vp8_code_block(vbuf + NGX_HTTP_OVERLAY_VP8_BPS + 1
            + r, tv + x, tuv_stride, q->uv, lv + 16 * (20 + b),
            &mb->end[20 + b]);
    }

    /* skipped when nothing is coded and the frame has skip flags */

    empty = 1;

    for (b = 0; b < 24; b++) {
        empty &= (mb->end[b] <= (b < 16
                                 && mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED));
    }

    if (mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED) {
        empty &= (mb->end[NGX_HTTP_OVERLAY_VP8_Y2] == 0);
    }

    mb->skip = (uint8_t) (empty && f->hdr.skip_enabled);

    ngx_http_overlay_vp8_store(f, mbx, mby, ybuf, ubuf, vbuf);

    return 0;
}


/*
 * Modes chosen for a macroblock drawn on: the chroma mode and the best
 * 16x16 luma mode by the sum of absolute differences of their
 * predictions; the luma mode then between that one and the macroblock's
 * own (4x4 or 16x16) by distortion and an estimate of the rate, both
 * coded.
 */

int
ngx_http_overlay_vp8_code_mb_choose(ngx_http_overlay_vp8_frame_t *f,
    unsigned mbx, unsigned mby, const uint8_t *ty, size_t ty_stride,
    const uint8_t *tu, const uint8_t *tv, size_t tuv_stride)
{
    uint8_t                        ybuf[17 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                        ubuf[9 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                        vbuf[9 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                       *py, *pu, *pv, own;
    uint64_t                       cost_own, cost_new;
    unsigned                       m16, muv, sad, best, best_uv, m;
    ngx_http_overlay_vp8_mb_t     *mb;
    ngx_http_overlay_vp8_saved_t   before, coded;

    if (f->y == NULL || mbx >= f->mbw || mby >= f->mbh) {
        return -1;
    }

    mb = &f->mbs[mby * f->mbw + mbx];

    ngx_http_overlay_vp8_load(f, mbx, mby, ybuf, ubuf, vbuf);

    py = ybuf + NGX_HTTP_OVERLAY_VP8_BPS + 1;
    pu = ubuf + NGX_HTTP_OVERLAY_VP8_BPS + 1;
    pv = vbuf + NGX_HTTP_OVERLAY_VP8_BPS + 1;

    m16 = NGX_HTTP_OVERLAY_VP8_DC_PRED;
    muv = NGX_HTTP_OVERLAY_VP8_DC_PRED;
    best = (unsigned) -1;
    best_uv = (unsigned) -1;

    for (m = NGX_HTTP_OVERLAY_VP8_DC_PRED; m <= NGX_HTTP_OVERLAY_VP8_TM_PRED;
         m++)
    {
        ngx_http_overlay_vp8_predict(py, 16, m, mby > 0, mbx > 0);
        ngx_http_overlay_vp8_predict(pu, 8, m, mby > 0, mbx > 0);
        ngx_http_overlay_vp8_predict(pv, 8, m, mby > 0, mbx > 0);

        sad = ngx_http_overlay_vp8_sad(py, ty, ty_stride, 16);

        if (sad < best) {
            best = sad;
            m16 = m;
        }

        sad = ngx_http_overlay_vp8_sad(pu, tu, tuv_stride, 8)
              + ngx_http_overlay_vp8_sad(pv, tv, tuv_stride, 8);

        if (sad < best_uv) {
            best_uv = sad;
            muv = m;
        }
    }

    mb->uvmode = (uint8_t) muv;

    own = mb->ymode;

    if (own == m16) {
        return ngx_http_overlay_vp8_code_mb(f, mbx, mby, ty, ty_stride, tu,
                                            tv, tuv_stride);
    }

    /* the macroblock's own luma mode, coded, against the best 16x16 one */

    ngx_http_overlay_vp8_save(f, mbx, mby, &before);

    if (ngx_http_overlay_vp8_code_mb(f, mbx, mby, ty, ty_stride, tu, tv,
                                     tuv_stride)
        != 0)
    {
        return -1;
    }

    cost_own = ngx_http_overlay_vp8_rd(f, mbx, mby, ty, ty_stride);
    ngx_http_overlay_vp8_save(f, mbx, mby, &coded);
    ngx_http_overlay_vp8_restore(f, mbx, mby, &before);

    mb->ymode = (uint8_t) m16;

    if (ngx_http_overlay_vp8_code_mb(f, mbx, mby, ty, ty_stride, tu, tv,
                                     tuv_stride)
        != 0)
    {
        return -1;
    }

    cost_new = ngx_http_overlay_vp8_rd(f, mbx, mby, ty, ty_stride);

    if (cost_own <= cost_new) {
        ngx_http_overlay_vp8_restore(f, mbx, mby, &coded);
    }

    return 0;
}


/* the sum of absolute differences of n x n pixels at p (a work area's) */

static unsigned
ngx_http_overlay_vp8_sad(const uint8_t *p, const uint8_t *target,
    size_t stride, unsigned n)
{
    int       d;
    unsigned  x, y, sum;

    sum = 0;

    for (y = 0; y < n; y++) {
        for (x = 0; x < n; x++) {
            d = p[y * NGX_HTTP_OVERLAY_VP8_BPS + x] - target[y * stride + x];
            sum += (unsigned) (d < 0 ? -d : d);
        }
    }

    return sum;
}


/*
 * The macroblock's luma as coded: its squared error against the target,
 * plus lambda times an estimate of its bits (a level of magnitude a about
 * 2 + 2 log2(a) bits; a 4x4 prediction's 16 modes about 3 bits each),
 * lambda about a tenth of the square of the AC step, scaled by 16 to stay
 * in integers
 */

static uint64_t
ngx_http_overlay_vp8_rd(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, const uint8_t *ty, size_t ty_stride)
{
    int                         d, a;
    int16_t                    *lv;
    uint64_t                    sse, bits, lambda;
    unsigned                    x, y, i;
    const uint8_t              *p;
    ngx_http_overlay_vp8_mb_t  *mb;

    mb = &f->mbs[mby * f->mbw + mbx];
    lv = f->levels + (size_t) (mby * f->mbw + mbx)
                     * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16;

    p = f->y + (size_t) mby * 16 * f->y_stride + mbx * 16;
    sse = 0;

    for (y = 0; y < 16; y++) {
        for (x = 0; x < 16; x++) {
            d = p[y * f->y_stride + x] - ty[y * ty_stride + x];
            sse += (uint64_t) (d * d);
        }
    }

    /* in sixteenths of a bit */

    bits = (mb->ymode == NGX_HTTP_OVERLAY_VP8_B_PRED) ? 16 * 48 : 16 * 3;

    for (i = 0; i < 16 * 16 + 16; i++) {
        a = lv[i < 256 ? i : 16 * NGX_HTTP_OVERLAY_VP8_Y2 + i - 256];

        if (a != 0) {
            a = (a < 0) ? -a : a;
            bits += 32 + 32 * (31 - __builtin_clz((unsigned) a));
        }
    }

    lambda = (uint64_t) f->dq[mb->segment].y1[1] * f->dq[mb->segment].y1[1];

    return 16 * 10 * sse + lambda * bits;
}


static void
ngx_http_overlay_vp8_save(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, ngx_http_overlay_vp8_saved_t *s)
{
    unsigned  r;

    s->mb = f->mbs[mby * f->mbw + mbx];
    memcpy(s->levels, f->levels + (size_t) (mby * f->mbw + mbx)
                                  * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16,
           sizeof(s->levels));

    for (r = 0; r < 16; r++) {
        memcpy(s->y + 16 * r,
               f->y + (size_t) (mby * 16 + r) * f->y_stride + mbx * 16, 16);
    }

    for (r = 0; r < 8; r++) {
        memcpy(s->u + 8 * r,
               f->u + (size_t) (mby * 8 + r) * f->uv_stride + mbx * 8, 8);
        memcpy(s->v + 8 * r,
               f->v + (size_t) (mby * 8 + r) * f->uv_stride + mbx * 8, 8);
    }
}


static void
ngx_http_overlay_vp8_restore(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, const ngx_http_overlay_vp8_saved_t *s)
{
    unsigned  r;

    f->mbs[mby * f->mbw + mbx] = s->mb;
    memcpy(f->levels + (size_t) (mby * f->mbw + mbx)
                       * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16,
           s->levels, sizeof(s->levels));

    for (r = 0; r < 16; r++) {
        memcpy(f->y + (size_t) (mby * 16 + r) * f->y_stride + mbx * 16,
               s->y + 16 * r, 16);
    }

    for (r = 0; r < 8; r++) {
        memcpy(f->u + (size_t) (mby * 8 + r) * f->uv_stride + mbx * 8,
               s->u + 8 * r, 8);
        memcpy(f->v + (size_t) (mby * 8 + r) * f->uv_stride + mbx * 8,
               s->v + 8 * r, 8);
    }
}


/* a 4x4 block with its own DC, predicted in dst: coded, then added */

static void
ngx_http_overlay_vp8_code_block(uint8_t *dst, const uint8_t *target,
    size_t stride, const int *q, int16_t *levels, uint8_t *end)
{
    int       res[16];
    int16_t   coef[16], dq[16];
    unsigned  r, kind;

    for (r = 0; r < 16; r++) {
        res[r] = target[(r >> 2) * stride + (r & 3)]
                 - dst[(r >> 2) * NGX_HTTP_OVERLAY_VP8_BPS + (r & 3)];
    }

    ngx_http_overlay_vp8_fdct(res, coef);
    *end = (uint8_t) ngx_http_overlay_vp8_quant(coef, 0, q, levels, dq);

    for (kind = 0, r = 0; r < 16; r++) {
        kind |= (dq[r] != 0) ? (r > 0 ? 2 : 1) : 0;
    }

    ngx_http_overlay_vp8_residue(dq, kind, dst);
}


/*
 * The inverse DCT (14.4) is p = C^T X C / 2 for the orthonormal basis C,
 * so X = 2 C p C^T, rounded; X[4u + v], u the vertical frequency.  C in
 * fixed point, 2^12 times its values (cos(pi/8) / sqrt(2) 2676,
 * sin(pi/8) / sqrt(2) 1108, 1/2 2048), by its butterflies: the columns,
 * then the rows in 64 bits, 2^24 times X / 2.
 */

static void
ngx_http_overlay_vp8_fdct(const int *in, int16_t *out)
{
    int      m, u, s0, s1, d0, d1;
    int64_t  t[16], a0, a1, b0, b1;

    for (m = 0; m < 4; m++) {
        s0 = in[m] + in[12 + m];
        s1 = in[4 + m] + in[8 + m];
        d0 = in[m] - in[12 + m];
        d1 = in[4 + m] - in[8 + m];

        t[m] = 2048 * (s0 + s1);
        t[8 + m] = 2048 * (s0 - s1);
        t[4 + m] = 2676 * d0 + 1108 * d1;
        t[12 + m] = 1108 * d0 - 2676 * d1;
    }

    for (u = 0; u < 4; u++) {
        a0 = t[4 * u] + t[4 * u + 3];
        a1 = t[4 * u + 1] + t[4 * u + 2];
        b0 = t[4 * u] - t[4 * u + 3];
        b1 = t[4 * u + 1] - t[4 * u + 2];

        out[4 * u] = (int16_t) ((2048 * (a0 + a1) + (1 << 22)) >> 23);
        out[4 * u + 2] = (int16_t) ((2048 * (a0 - a1) + (1 << 22)) >> 23);
        out[4 * u + 1] = (int16_t) ((2676 * b0 + 1108 * b1 + (1 << 22))
                                    >> 23);
        out[4 * u + 3] = (int16_t) ((1108 * b0 - 2676 * b1 + (1 << 22))
                                    >> 23);
    }
}


/*
 * The inverse WHT (14.3) is d = H X H^T / 8 with H H^T = 4 I, so
 * X = H^T d H / 2, rounded half away from zero.
 */

static void
ngx_http_overlay_vp8_fwht(const int16_t *in, int16_t *out)
{
    int  i, j, k, t[16], s;

    static const int  h[4][4] = {
        { 1, 1, 1, 1 }, { 1, 1, -1, -1 }, { 1, -1, -1, 1 }, { 1, -1, 1, -1 }
    };

    for (i = 0; i < 4; i++) {
        for (j = 0; j < 4; j++) {
            for (s = 0, k = 0; k < 4; k++) {
                s += h[k][i] * in[4 * k + j];
            }

            t[4 * i + j] = s;
        }
    }

    for (i = 0; i < 4; i++) {
        for (j = 0; j < 4; j++) {
            for (s = 0, k = 0; k < 4; k++) {
                s += t[4 * i + k] * h[k][j];
            }

            out[4 * i + j] = (int16_t) (s >= 0 ? (s + 1) / 2 : -((1 - s) / 2));
        }
    }
}


/*
 * Levels at the nearest step, in zigzag order from first, and the
 * dequantized coefficients (raster order) the decoder will see; returns
 * the position after the last non-zero level (the block's end), at least
 * first.
 */

static unsigned
ngx_http_overlay_vp8_quant(const int16_t *coef, unsigned first,
    const int *q, int16_t *levels, int16_t *dq)
{
    int       c, a, step, l;
    unsigned  n, z, end;

    memset(dq, 0, 16 * sizeof(int16_t));
    end = first;

    for (n = first; n < 16; n++) {
        z = ngx_http_overlay_vp8_zigzag[n];
        c = coef[z];
        step = q[n > 0];
        a = (c < 0) ? -c : c;

        /* most levels are 0: no division for them */

        if (2 * a < step) {
            continue;
        }

        l = (a + step / 2) / step;

        if (l > NGX_HTTP_OVERLAY_VP8_MAX_LEVEL) {
            l = NGX_HTTP_OVERLAY_VP8_MAX_LEVEL;
        }

        if (l != 0) {
            levels[n] = (int16_t) ((c < 0) ? -l : l);
            dq[z] = (int16_t) (levels[n] * step);
            end = n + 1;
        }
    }

    return end;
}
