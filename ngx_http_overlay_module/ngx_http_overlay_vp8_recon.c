
/*
 * ngx_http_overlay_module: a VP8 key frame's unfiltered planes,
 * reconstructed from its syntax (RFC 6386, sections 12 and 14): intra
 * prediction of 16x16 luma, 4x4 subblocks and 8x8 chroma with the frame's
 * edge rules (127 above the frame, 129 left of it, the above-left 127 on
 * the first row and 129 below it; above-right past the right edge repeats
 * the last pixel above), the inverse WHT and DCT as the spec writes them,
 * and the sum saturated to 0..255.  The loop filter is not applied: these
 * are the planes the next macroblocks' predictions read.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_vp8_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


#if defined(__SSE2__)
static void ngx_http_overlay_vp8_idct_add_sse2(const int16_t *in,
    uint8_t *dst);
static __m128i ngx_http_overlay_vp8_wide(__m128i x);
#endif
static void ngx_http_overlay_vp8_dc_add(int dc, uint8_t *dst);
static void ngx_http_overlay_vp8_dequant(ngx_http_overlay_vp8_frame_t *f,
    ngx_http_overlay_vp8_dq_t *dq);
static unsigned ngx_http_overlay_vp8_coeffs(const int16_t *levels,
    unsigned first, unsigned end, const int *q, int16_t *out);
static unsigned ngx_http_overlay_vp8_reads(
    const ngx_http_overlay_vp8_mb_t *mb);


#define NGX_HTTP_OVERLAY_VP8_CLAMP(v)  ((v) < 0 ? 0 : (v) > 255 ? 255 : (v))
#define NGX_HTTP_OVERLAY_VP8_AVG3(a, b, c)  (((a) + 2 * (b) + (c) + 2) >> 2)
#define NGX_HTTP_OVERLAY_VP8_AVG2(a, b)  (((a) + (b) + 1) >> 1)


int
ngx_http_overlay_vp8_recon(ngx_http_overlay_vp8_frame_t *f)
{
    int16_t                     coeffs[25][16], dc[16];
    uint8_t                     kind[24];
    uint8_t                     ybuf[17 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                     ubuf[9 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                     vbuf[9 * NGX_HTTP_OVERLAY_VP8_BPS];
    uint8_t                    *d, *c;
    unsigned                    mbx, mby, b, r, first, has_y2;
    const int16_t              *lv;
    ngx_http_overlay_vp8_mb_t  *mb;
    ngx_http_overlay_vp8_dq_t  *q;

    if (f->y == NULL) {
        f->y_stride = (size_t) f->mbw * 16;
        f->uv_stride = (size_t) f->mbw * 8;
        f->y = malloc(f->y_stride * f->mbh * 16);
        f->u = malloc(f->uv_stride * f->mbh * 8);
        f->v = malloc(f->uv_stride * f->mbh * 8);

        if (f->y == NULL || f->u == NULL || f->v == NULL) {
            return -1;
        }
    }

    ngx_http_overlay_vp8_dequant(f, f->dq);

    mb = f->mbs;
    lv = f->levels;

    for (mby = 0; mby < f->mbh; mby++) {
        for (mbx = 0; mbx < f->mbw; mbx++, mb++,
             lv += NGX_HTTP_OVERLAY_VP8_BLOCKS * 16)
        {
            q = &f->dq[mb->segment];
            has_y2 = (mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED);

            ngx_http_overlay_vp8_load(f, mbx, mby, ybuf, ubuf, vbuf);

            /* the coefficients, dequantized, DCs from the WHT */

            memset(coeffs, 0, sizeof(coeffs));
            memset(kind, 0, sizeof(kind));
            first = 0;

            if (!mb->skip) {
                if (has_y2) {
                    ngx_http_overlay_vp8_coeffs(lv + 16 * 24, 0,
                        mb->end[24], q->y2, coeffs[24]);
                    ngx_http_overlay_vp8_iwht(coeffs[24], dc);
                    first = 1;
                }

                for (b = 0; b < 16; b++) {
                    kind[b] = ngx_http_overlay_vp8_coeffs(lv + 16 * b,
                                  first, mb->end[b], q->y1, coeffs[b]);

                    if (has_y2) {
                        coeffs[b][0] = dc[b];
                        kind[b] |= (dc[b] != 0);
                    }
                }

                for (b = 16; b < 24; b++) {
                    kind[b] = ngx_http_overlay_vp8_coeffs(lv + 16 * b, 0,
                                  mb->end[b], q->uv, coeffs[b]);
                }
            }

            /* luma */

            d = ybuf + NGX_HTTP_OVERLAY_VP8_BPS + 1;

            if (has_y2) {
                ngx_http_overlay_vp8_predict(d, 16, mb->ymode, mby > 0,
                                             mbx > 0);

                for (b = 0; b < 16; b++) {
                    ngx_http_overlay_vp8_residue(coeffs[b], kind[b],
                        d + 4 * (b & 3) + 4 * (b >> 2)
                            * NGX_HTTP_OVERLAY_VP8_BPS);
                }

            } else {
                /* rows 2..4 of subblocks read the above-right of row 1 */
                for (r = 4; r < 16; r += 4) {
                    memcpy(ybuf + r * NGX_HTTP_OVERLAY_VP8_BPS + 17,
                           ybuf + 17, 4);
                }

                for (b = 0; b < 16; b++) {
                    c = d + 4 * (b & 3)
                        + 4 * (b >> 2) * NGX_HTTP_OVERLAY_VP8_BPS;
                    ngx_http_overlay_vp8_predict4(c, mb->bmodes[b]);
                    ngx_http_overlay_vp8_residue(coeffs[b], kind[b], c);
                }
            }

            /* chroma */

            ngx_http_overlay_vp8_predict(ubuf + NGX_HTTP_OVERLAY_VP8_BPS + 1,
                8, mb->uvmode, mby > 0, mbx > 0);
            ngx_http_overlay_vp8_predict(vbuf + NGX_HTTP_OVERLAY_VP8_BPS + 1,
                8, mb->uvmode, mby > 0, mbx > 0);

            for (b = 0; b < 4; b++) {
                r = 4 * (b & 1) + 4 * (b >> 1) * NGX_HTTP_OVERLAY_VP8_BPS;
                ngx_http_overlay_vp8_residue(coeffs[16 + b], kind[16 + b],
                    ubuf + NGX_HTTP_OVERLAY_VP8_BPS + 1 + r);
                ngx_http_overlay_vp8_residue(coeffs[20 + b], kind[20 + b],
                    vbuf + NGX_HTTP_OVERLAY_VP8_BPS + 1 + r);
            }

            ngx_http_overlay_vp8_store(f, mbx, mby, ybuf, ubuf, vbuf);
        }
    }

    return 0;
}


void
ngx_http_overlay_vp8_planes(ngx_http_overlay_vp8_frame_t *f,
    const uint8_t **y, const uint8_t **u, const uint8_t **v,
    size_t *y_stride, size_t *uv_stride, unsigned *width, unsigned *height)
{
    *y = f->y;
    *u = f->u;
    *v = f->v;
    *y_stride = f->y_stride;
    *uv_stride = f->uv_stride;
    *width = f->hdr.width;
    *height = f->hdr.height;
}


/* the neighbours whose pixels a macroblock's predictions read */
#define NGX_HTTP_OVERLAY_VP8_LEFT         1
#define NGX_HTTP_OVERLAY_VP8_ABOVE        2
#define NGX_HTTP_OVERLAY_VP8_ABOVE_LEFT   4
#define NGX_HTTP_OVERLAY_VP8_ABOVE_RIGHT  8


size_t
ngx_http_overlay_vp8_region(ngx_http_overlay_vp8_frame_t *f, unsigned x0,
    unsigned y0, unsigned x1, unsigned y1, uint8_t *mask)
{
    size_t     n;
    uint8_t   *m, *up;
    unsigned   x, y, reads;

    n = 0;
    m = mask;

    for (y = 0; y < f->mbh; y++) {
        up = m - f->mbw;

        for (x = 0; x < f->mbw; x++, m++) {
            reads = ngx_http_overlay_vp8_reads(&f->mbs[y * f->mbw + x]);

            *m = (x >= x0 && x < x1 && y >= y0 && y < y1)
                 || (x > 0 && (reads & NGX_HTTP_OVERLAY_VP8_LEFT) && m[-1])
                 || (y > 0 && (reads & NGX_HTTP_OVERLAY_VP8_ABOVE) && up[x])
                 || (x > 0 && y > 0
                     && (reads & NGX_HTTP_OVERLAY_VP8_ABOVE_LEFT)
                     && up[x - 1])
                 || (x + 1 < f->mbw && y > 0
                     && (reads & NGX_HTTP_OVERLAY_VP8_ABOVE_RIGHT)
                     && up[x + 1]);
            n += *m;
        }
    }

    return n;
}


/*
 * 12.2, 12.3: DC reads above and left, V above, H left, TM all three; a
 * 4x4-predicted macroblock is taken to read all three, and the above-right
 * macroblock when a subblock of its right column (which all read the
 * row above the macroblock there) is B_VE, B_LD or B_VL.
 */

static unsigned
ngx_http_overlay_vp8_reads(const ngx_http_overlay_vp8_mb_t *mb)
{
    unsigned  r, i, b;

    static const uint8_t  modes[4] = {
        NGX_HTTP_OVERLAY_VP8_LEFT | NGX_HTTP_OVERLAY_VP8_ABOVE,
        NGX_HTTP_OVERLAY_VP8_ABOVE,
        NGX_HTTP_OVERLAY_VP8_LEFT,
        NGX_HTTP_OVERLAY_VP8_LEFT | NGX_HTTP_OVERLAY_VP8_ABOVE
            | NGX_HTTP_OVERLAY_VP8_ABOVE_LEFT
    };

    r = modes[mb->uvmode];

    if (mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED) {
        return r | modes[mb->ymode];
    }

    r |= modes[NGX_HTTP_OVERLAY_VP8_TM_PRED];

    for (i = 3; i < 16; i += 4) {
        b = mb->bmodes[i];

        if (b == NGX_HTTP_OVERLAY_VP8_B_VE || b == NGX_HTTP_OVERLAY_VP8_B_LD
            || b == NGX_HTTP_OVERLAY_VP8_B_VL)
        {
            r |= NGX_HTTP_OVERLAY_VP8_ABOVE_RIGHT;
        }
    }

    return r;
}


/* a macroblock's work areas, their edges from the planes */

void
ngx_http_overlay_vp8_load(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, uint8_t *ybuf, uint8_t *ubuf, uint8_t *vbuf)
{
    unsigned  last;

    last = (mbx == f->mbw - 1);

    ngx_http_overlay_vp8_edges(ybuf, f->y, f->y_stride, mbx * 16, mby * 16,
                               16, last);
    ngx_http_overlay_vp8_edges(ubuf, f->u, f->uv_stride, mbx * 8, mby * 8,
                               8, last);
    ngx_http_overlay_vp8_edges(vbuf, f->v, f->uv_stride, mbx * 8, mby * 8,
                               8, last);
}


/* and what they reconstructed, into the planes */

void
ngx_http_overlay_vp8_store(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, const uint8_t *ybuf, const uint8_t *ubuf,
    const uint8_t *vbuf)
{
    unsigned  r;

    for (r = 0; r < 16; r++) {
        memcpy(f->y + (mby * 16 + r) * f->y_stride + mbx * 16,
               ybuf + (r + 1) * NGX_HTTP_OVERLAY_VP8_BPS + 1, 16);
    }

    for (r = 0; r < 8; r++) {
        memcpy(f->u + (mby * 8 + r) * f->uv_stride + mbx * 8,
               ubuf + (r + 1) * NGX_HTTP_OVERLAY_VP8_BPS + 1, 8);
        memcpy(f->v + (mby * 8 + r) * f->uv_stride + mbx * 8,
               vbuf + (r + 1) * NGX_HTTP_OVERLAY_VP8_BPS + 1, 8);
    }
}


/* section 9.6 and 14.1, per segment: index + delta clamped to 0..127 */

static void
ngx_http_overlay_vp8_dequant(ngx_http_overlay_vp8_frame_t *f,
    ngx_http_overlay_vp8_dq_t *dq)
{
    int                             s, q, i, d[5];
    const ngx_http_overlay_vp8_delta_t  *qd;
    ngx_http_overlay_vp8_header_t  *h;

    h = &f->hdr;

    for (i = 0; i < 5; i++) {
        qd = &h->q_delta[i];
        d[i] = qd->sign ? -(int) qd->magnitude : (int) qd->magnitude;
    }

#define NGX_HTTP_OVERLAY_VP8_QI(v)  ((v) < 0 ? 0 : (v) > 127 ? 127 : (v))

    for (s = 0; s < 4; s++) {
        q = h->q_index;

        if (h->segmentation) {
            qd = &h->seg_quant[s];
            i = qd->sign ? -(int) qd->magnitude : (int) qd->magnitude;
            q = h->abs_delta ? i : q + i;
        }

        dq[s].y1[0] = ngx_http_overlay_vp8_dc_q[
                          NGX_HTTP_OVERLAY_VP8_QI(q + d[0])];
        dq[s].y1[1] = ngx_http_overlay_vp8_ac_q[NGX_HTTP_OVERLAY_VP8_QI(q)];
        dq[s].y2[0] = ngx_http_overlay_vp8_dc_q[
                          NGX_HTTP_OVERLAY_VP8_QI(q + d[1])] * 2;
        dq[s].y2[1] = ngx_http_overlay_vp8_ac_q[
                          NGX_HTTP_OVERLAY_VP8_QI(q + d[2])] * 155 / 100;
        dq[s].uv[0] = ngx_http_overlay_vp8_dc_q[
                          NGX_HTTP_OVERLAY_VP8_QI(q + d[3])];
        dq[s].uv[1] = ngx_http_overlay_vp8_ac_q[
                          NGX_HTTP_OVERLAY_VP8_QI(q + d[4])];

        if (dq[s].y2[1] < 8) {
            dq[s].y2[1] = 8;
        }

        if (dq[s].uv[0] > 132) {
            dq[s].uv[0] = 132;
        }
    }

#undef NGX_HTTP_OVERLAY_VP8_QI
}


/*
 * The work area's edges for an n x n macroblock at (x0, y0) of a plane:
 * the row above with the above-left and 4 above-right, the left column.
 */

void
ngx_http_overlay_vp8_edges(uint8_t *buf, const uint8_t *plane, size_t stride,
    unsigned x0, unsigned y0, unsigned n, unsigned last_col)
{
    unsigned        r;
    const uint8_t  *above;

    if (y0 == 0) {
        memset(buf, 127, n + 5);

    } else {
        above = plane + (y0 - 1) * stride + x0;
        buf[0] = (x0 > 0) ? above[-1] : 129;
        memcpy(buf + 1, above, n);

        if (n == 16) {
            if (last_col) {
                memset(buf + 17, above[15], 4);

            } else {
                memcpy(buf + 17, above + 16, 4);
            }
        }
    }

    for (r = 0; r < n; r++) {
        buf[(r + 1) * NGX_HTTP_OVERLAY_VP8_BPS] = (x0 > 0)
            ? plane[(y0 + r) * stride + x0 - 1] : 129;
    }
}


/* 16x16 luma and 8x8 chroma prediction (12.2, 12.3) */

void
ngx_http_overlay_vp8_predict(uint8_t *dst, unsigned n, unsigned mode,
    unsigned has_above, unsigned has_left)
{
    int             v;
    unsigned        x, y, sum, shift;
    const uint8_t  *a, *l;

    a = dst - NGX_HTTP_OVERLAY_VP8_BPS;
    l = dst - 1;
    shift = (n == 16) ? 3 : 2;

    switch (mode) {

    case NGX_HTTP_OVERLAY_VP8_DC_PRED:
        sum = 0;

        if (has_above) {
            for (x = 0; x < n; x++) {
                sum += a[x];
            }

            shift++;
        }

        if (has_left) {
            for (y = 0; y < n; y++) {
                sum += l[y * NGX_HTTP_OVERLAY_VP8_BPS];
            }

            shift++;
        }

        v = (has_above || has_left) ? (int) ((sum + (1u << (shift - 1)))
                                             >> shift)
                                    : 128;

        for (y = 0; y < n; y++) {
            memset(dst + y * NGX_HTTP_OVERLAY_VP8_BPS, v, n);
        }

        break;

    case NGX_HTTP_OVERLAY_VP8_V_PRED:
        for (y = 0; y < n; y++) {
            memcpy(dst + y * NGX_HTTP_OVERLAY_VP8_BPS, a, n);
        }

        break;

    case NGX_HTTP_OVERLAY_VP8_H_PRED:
        for (y = 0; y < n; y++) {
            memset(dst + y * NGX_HTTP_OVERLAY_VP8_BPS,
                   l[y * NGX_HTTP_OVERLAY_VP8_BPS], n);
        }

        break;

    default: /* TM_PRED */
        for (y = 0; y < n; y++) {
            for (x = 0; x < n; x++) {
                v = l[y * NGX_HTTP_OVERLAY_VP8_BPS] + a[x] - a[-1];
                dst[y * NGX_HTTP_OVERLAY_VP8_BPS + x] =
                                          NGX_HTTP_OVERLAY_VP8_CLAMP(v);
            }
        }

        break;
    }
}


/*
 * A 4x4 subblock's prediction (12.3) in place: A[-1..7] the row above
 * (A[-1] the above-left), L[0..3] the column left; E the edge from the
 * bottom-left up and along to the right, as the spec names them.
 */

#define B(r, c)  dst[(r) * NGX_HTTP_OVERLAY_VP8_BPS + (c)]

void
ngx_http_overlay_vp8_predict4(uint8_t *dst, unsigned mode)
{
    int             v, r, c, L[4], E[9];
    const uint8_t  *A;

    A = dst - NGX_HTTP_OVERLAY_VP8_BPS;

    for (r = 0; r < 4; r++) {
        L[r] = dst[r * NGX_HTTP_OVERLAY_VP8_BPS - 1];
    }

    E[0] = L[3];
    E[1] = L[2];
    E[2] = L[1];
    E[3] = L[0];
    E[4] = A[-1];
    E[5] = A[0];
    E[6] = A[1];
    E[7] = A[2];
    E[8] = A[3];

#define AVG3(x, y, z)  NGX_HTTP_OVERLAY_VP8_AVG3(x, y, z)
#define AVG2(x, y)     NGX_HTTP_OVERLAY_VP8_AVG2(x, y)
#define A3(p, i)       AVG3(p[(i) - 1], p[i], p[(i) + 1])
#define A2(p, i)       AVG2(p[i], p[(i) + 1])

    switch (mode) {

    case NGX_HTTP_OVERLAY_VP8_B_DC:
        v = 4;

        for (r = 0; r < 4; r++) {
            v += A[r] + L[r];
        }

        v >>= 3;

        for (r = 0; r < 4; r++) {
            memset(&B(r, 0), v, 4);
        }

        break;

    case NGX_HTTP_OVERLAY_VP8_B_TM:
        for (r = 0; r < 4; r++) {
            for (c = 0; c < 4; c++) {
                v = L[r] + A[c] - A[-1];
                B(r, c) = NGX_HTTP_OVERLAY_VP8_CLAMP(v);
            }
        }

        break;

    case NGX_HTTP_OVERLAY_VP8_B_VE:
        for (c = 0; c < 4; c++) {
            B(0, c) = B(1, c) = B(2, c) = B(3, c) = A3(A, c);
        }

        break;

    case NGX_HTTP_OVERLAY_VP8_B_HE:
        memset(&B(0, 0), AVG3(A[-1], L[0], L[1]), 4);
        memset(&B(1, 0), AVG3(L[0], L[1], L[2]), 4);
        memset(&B(2, 0), AVG3(L[1], L[2], L[3]), 4);
        memset(&B(3, 0), AVG3(L[2], L[3], L[3]), 4);
        break;

    case NGX_HTTP_OVERLAY_VP8_B_LD:
        B(0, 0) = A3(A, 1);
        B(0, 1) = B(1, 0) = A3(A, 2);
        B(0, 2) = B(1, 1) = B(2, 0) = A3(A, 3);
        B(0, 3) = B(1, 2) = B(2, 1) = B(3, 0) = A3(A, 4);
        B(1, 3) = B(2, 2) = B(3, 1) = A3(A, 5);
        B(2, 3) = B(3, 2) = A3(A, 6);
        B(3, 3) = AVG3(A[6], A[7], A[7]);
        break;

    case NGX_HTTP_OVERLAY_VP8_B_RD:
        B(3, 0) = A3(E, 1);
        B(3, 1) = B(2, 0) = A3(E, 2);
        B(3, 2) = B(2, 1) = B(1, 0) = A3(E, 3);
        B(3, 3) = B(2, 2) = B(1, 1) = B(0, 0) = A3(E, 4);
        B(2, 3) = B(1, 2) = B(0, 1) = A3(E, 5);
        B(1, 3) = B(0, 2) = A3(E, 6);
        B(0, 3) = A3(E, 7);
        break;

    case NGX_HTTP_OVERLAY_VP8_B_VR:
        B(3, 0) = A3(E, 2);
        B(2, 0) = A3(E, 3);
        B(3, 1) = B(1, 0) = A3(E, 4);
        B(2, 1) = B(0, 0) = A2(E, 4);
        B(3, 2) = B(1, 1) = A3(E, 5);
        B(2, 2) = B(0, 1) = A2(E, 5);
        B(3, 3) = B(1, 2) = A3(E, 6);
        B(2, 3) = B(0, 2) = A2(E, 6);
        B(1, 3) = A3(E, 7);
        B(0, 3) = A2(E, 7);
        break;

    case NGX_HTTP_OVERLAY_VP8_B_VL:
        B(0, 0) = A2(A, 0);
        B(1, 0) = A3(A, 1);
        B(2, 0) = B(0, 1) = A2(A, 1);
        B(1, 1) = B(3, 0) = A3(A, 2);
        B(2, 1) = B(0, 2) = A2(A, 2);
        B(3, 1) = B(1, 2) = A3(A, 3);
        B(2, 2) = B(0, 3) = A2(A, 3);
        B(3, 2) = B(1, 3) = A3(A, 4);
        B(2, 3) = A3(A, 5);
        B(3, 3) = A3(A, 6);
        break;

    case NGX_HTTP_OVERLAY_VP8_B_HD:
        B(3, 0) = A2(E, 0);
        B(3, 1) = A3(E, 1);
        B(2, 0) = B(3, 2) = A2(E, 1);
        B(2, 1) = B(3, 3) = A3(E, 2);
        B(2, 2) = B(1, 0) = A2(E, 2);
        B(2, 3) = B(1, 1) = A3(E, 3);
        B(1, 2) = B(0, 0) = A2(E, 3);
        B(1, 3) = B(0, 1) = A3(E, 4);
        B(0, 2) = A3(E, 5);
        B(0, 3) = A3(E, 6);
        break;

    default: /* B_HU */
        B(0, 0) = A2(L, 0);
        B(0, 1) = A3(L, 1);
        B(0, 2) = B(1, 0) = A2(L, 1);
        B(0, 3) = B(1, 1) = A3(L, 2);
        B(1, 2) = B(2, 0) = A2(L, 2);
        B(1, 3) = B(2, 1) = AVG3(L[2], L[3], L[3]);
        B(2, 2) = B(2, 3) = B(3, 0) = B(3, 1) = B(3, 2) = B(3, 3) = L[3];
        break;
    }

#undef AVG3
#undef AVG2
#undef A3
#undef A2
}

#undef B


/*
 * The dequantized coefficients of a block, in raster order; returns 2 if
 * one past the first is not zero, 1 if only the first is, else 0.
 */

static unsigned
ngx_http_overlay_vp8_coeffs(const int16_t *levels, unsigned first,
    unsigned end, const int *q, int16_t *out)
{
    unsigned  n, kind;

    kind = 0;

    for (n = first; n < end; n++) {
        out[ngx_http_overlay_vp8_zigzag[n]] =
                               (int16_t) (levels[n] * q[n > 0]);

        if (out[ngx_http_overlay_vp8_zigzag[n]] != 0) {
            kind |= (n > 0) ? 2 : 1;
        }
    }

    return kind;
}


/*
 * The residue added: nothing for a block of zeros, the DC alone for one
 * with only a DC (the inverse DCT then gives (dc + 4) >> 3 everywhere).
 */

void
ngx_http_overlay_vp8_residue(const int16_t *in, unsigned kind, uint8_t *dst)
{
    if (kind >= 2) {
#if defined(__SSE2__)
        ngx_http_overlay_vp8_idct_add_sse2(in, dst);
#else
        ngx_http_overlay_vp8_idct_add_c(in, dst);
#endif

    } else if (kind == 1) {
        ngx_http_overlay_vp8_dc_add(in[0], dst);
    }
}


static void
ngx_http_overlay_vp8_dc_add(int dc, uint8_t *dst)
{
    int       v, x, y;
    uint8_t  *p;

    dc = (dc + 4) >> 3;

    for (y = 0; y < 4; y++) {
        p = dst + y * NGX_HTTP_OVERLAY_VP8_BPS;

        for (x = 0; x < 4; x++) {
            v = p[x] + dc;
            p[x] = NGX_HTTP_OVERLAY_VP8_CLAMP(v);
        }
    }
}


/* 14.3 */

void
ngx_http_overlay_vp8_iwht(const int16_t *in, int16_t *out)
{
    int      i, a1, b1, c1, d1;
    int16_t  t[16];

    for (i = 0; i < 4; i++) {
        a1 = in[i] + in[12 + i];
        b1 = in[4 + i] + in[8 + i];
        c1 = in[4 + i] - in[8 + i];
        d1 = in[i] - in[12 + i];
        t[i] = (int16_t) (a1 + b1);
        t[4 + i] = (int16_t) (c1 + d1);
        t[8 + i] = (int16_t) (a1 - b1);
        t[12 + i] = (int16_t) (d1 - c1);
    }

    for (i = 0; i < 4; i++) {
        a1 = t[4 * i] + t[4 * i + 3];
        b1 = t[4 * i + 1] + t[4 * i + 2];
        c1 = t[4 * i + 1] - t[4 * i + 2];
        d1 = t[4 * i] - t[4 * i + 3];
        out[4 * i] = (int16_t) ((a1 + b1 + 3) >> 3);
        out[4 * i + 1] = (int16_t) ((c1 + d1 + 3) >> 3);
        out[4 * i + 2] = (int16_t) ((a1 - b1 + 3) >> 3);
        out[4 * i + 3] = (int16_t) ((d1 - c1 + 3) >> 3);
    }
}


/* 14.4, then 14.5: the residue added to the prediction, saturated */

void
ngx_http_overlay_vp8_idct_add_c(const int16_t *in, uint8_t *dst)
{
    int      i, a1, b1, c1, d1, t1, t2, v;
    int16_t  t[16];

    for (i = 0; i < 4; i++) {
        a1 = in[i] + in[8 + i];
        b1 = in[i] - in[8 + i];
        t1 = (in[4 + i] * 35468) >> 16;
        t2 = in[12 + i] + ((in[12 + i] * 20091) >> 16);
        c1 = t1 - t2;
        t1 = in[4 + i] + ((in[4 + i] * 20091) >> 16);
        t2 = (in[12 + i] * 35468) >> 16;
        d1 = t1 + t2;
        t[i] = (int16_t) (a1 + d1);
        t[12 + i] = (int16_t) (a1 - d1);
        t[4 + i] = (int16_t) (b1 + c1);
        t[8 + i] = (int16_t) (b1 - c1);
    }

    for (i = 0; i < 4; i++) {
        a1 = t[4 * i] + t[4 * i + 2];
        b1 = t[4 * i] - t[4 * i + 2];
        t1 = (t[4 * i + 1] * 35468) >> 16;
        t2 = t[4 * i + 3] + ((t[4 * i + 3] * 20091) >> 16);
        c1 = t1 - t2;
        t1 = t[4 * i + 1] + ((t[4 * i + 1] * 20091) >> 16);
        t2 = (t[4 * i + 3] * 35468) >> 16;
        d1 = t1 + t2;

        v = dst[i * NGX_HTTP_OVERLAY_VP8_BPS] + ((a1 + d1 + 4) >> 3);
        dst[i * NGX_HTTP_OVERLAY_VP8_BPS] = NGX_HTTP_OVERLAY_VP8_CLAMP(v);
        v = dst[i * NGX_HTTP_OVERLAY_VP8_BPS + 3] + ((a1 - d1 + 4) >> 3);
        dst[i * NGX_HTTP_OVERLAY_VP8_BPS + 3] = NGX_HTTP_OVERLAY_VP8_CLAMP(v);
        v = dst[i * NGX_HTTP_OVERLAY_VP8_BPS + 1] + ((b1 + c1 + 4) >> 3);
        dst[i * NGX_HTTP_OVERLAY_VP8_BPS + 1] = NGX_HTTP_OVERLAY_VP8_CLAMP(v);
        v = dst[i * NGX_HTTP_OVERLAY_VP8_BPS + 2] + ((b1 - c1 + 4) >> 3);
        dst[i * NGX_HTTP_OVERLAY_VP8_BPS + 2] = NGX_HTTP_OVERLAY_VP8_CLAMP(v);
    }
}


#if defined(__SSE2__)

/*
 * ngx_http_overlay_vp8_idct_add_c() in SSE2, to the same bytes: the first
 * pass in 16-bit lanes (the spec keeps its results in int16_t; sums and
 * differences wrap alike), (x * 35468) >> 16 as x + ((x * -30068) >> 16)
 * (35468 - 65536), exact; the second pass's products of 16-bit values,
 * its sums in 32-bit lanes, as the spec's ints; the rows added to the
 * prediction with saturation.
 */

static void
ngx_http_overlay_vp8_idct_add_sse2(const int16_t *in, uint8_t *dst)
{
    int       i;
    uint32_t  w;
    __m128i   r0, r1, r2, r3, a, b, c, d, k1, k2, zero, four;
    __m128i   t0, t1, t2, t3, u0, u1, v0, v1;
    __m128i   x0, x1, x2, x3, y1a, y1b, y3a, y3b, o0, o1, o2, o3;
    __m128i   p01, p23, rows01, rows23, d01, d23;

    k1 = _mm_set1_epi16(20091);
    k2 = _mm_set1_epi16(-30068);
    zero = _mm_setzero_si128();
    four = _mm_set1_epi32(4);

    r0 = _mm_loadl_epi64((const __m128i *) in);
    r1 = _mm_loadl_epi64((const __m128i *) (in + 4));
    r2 = _mm_loadl_epi64((const __m128i *) (in + 8));
    r3 = _mm_loadl_epi64((const __m128i *) (in + 12));

    /* the first pass: lane i is column i; rows of t come out */

    a = _mm_add_epi16(r0, r2);
    b = _mm_sub_epi16(r0, r2);
    c = _mm_sub_epi16(_mm_add_epi16(r1, _mm_mulhi_epi16(r1, k2)),
                      _mm_add_epi16(r3, _mm_mulhi_epi16(r3, k1)));
    d = _mm_add_epi16(_mm_add_epi16(r1, _mm_mulhi_epi16(r1, k1)),
                      _mm_add_epi16(r3, _mm_mulhi_epi16(r3, k2)));

    t0 = _mm_add_epi16(a, d);
    t1 = _mm_add_epi16(b, c);
    t2 = _mm_sub_epi16(b, c);
    t3 = _mm_sub_epi16(a, d);

    /* transposed: x0..x3 are t's columns, lane i row i */

    u0 = _mm_unpacklo_epi16(t0, t1);
    u1 = _mm_unpacklo_epi16(t2, t3);
    v0 = _mm_unpacklo_epi32(u0, u1);
    v1 = _mm_unpackhi_epi32(u0, u1);

    x0 = v0;
    x1 = _mm_srli_si128(v0, 8);
    x2 = v1;
    x3 = _mm_srli_si128(v1, 8);

    /* the second pass, in 32 bits */

    y1a = _mm_add_epi32(ngx_http_overlay_vp8_wide(x1),
                        ngx_http_overlay_vp8_wide(_mm_mulhi_epi16(x1, k2)));
    y1b = _mm_add_epi32(ngx_http_overlay_vp8_wide(x1),
                        ngx_http_overlay_vp8_wide(_mm_mulhi_epi16(x1, k1)));
    y3a = _mm_add_epi32(ngx_http_overlay_vp8_wide(x3),
                        ngx_http_overlay_vp8_wide(_mm_mulhi_epi16(x3, k2)));
    y3b = _mm_add_epi32(ngx_http_overlay_vp8_wide(x3),
                        ngx_http_overlay_vp8_wide(_mm_mulhi_epi16(x3, k1)));

    a = _mm_add_epi32(ngx_http_overlay_vp8_wide(x0),
                      ngx_http_overlay_vp8_wide(x2));
    b = _mm_sub_epi32(ngx_http_overlay_vp8_wide(x0),
                      ngx_http_overlay_vp8_wide(x2));
    c = _mm_sub_epi32(y1a, y3b);
    d = _mm_add_epi32(y1b, y3a);

    a = _mm_add_epi32(a, four);
    b = _mm_add_epi32(b, four);

    o0 = _mm_srai_epi32(_mm_add_epi32(a, d), 3);
    o1 = _mm_srai_epi32(_mm_add_epi32(b, c), 3);
    o2 = _mm_srai_epi32(_mm_sub_epi32(b, c), 3);
    o3 = _mm_srai_epi32(_mm_sub_epi32(a, d), 3);

    /* columns to rows again: rows01 holds rows 0 and 1, rows23 2 and 3 */

    p01 = _mm_packs_epi32(o0, o1);
    p23 = _mm_packs_epi32(o2, o3);
    u0 = _mm_unpacklo_epi16(p01, _mm_srli_si128(p01, 8));
    u1 = _mm_unpacklo_epi16(p23, _mm_srli_si128(p23, 8));
    rows01 = _mm_unpacklo_epi32(u0, u1);
    rows23 = _mm_unpackhi_epi32(u0, u1);

    /* added to the prediction's rows */

    d01 = zero;
    d23 = zero;

    for (i = 3; i >= 0; i--) {
        memcpy(&w, dst + i * NGX_HTTP_OVERLAY_VP8_BPS, 4);

        if (i >= 2) {
            d23 = _mm_or_si128(_mm_slli_si128(d23, 4),
                               _mm_cvtsi32_si128((int) w));
        } else {
            d01 = _mm_or_si128(_mm_slli_si128(d01, 4),
                               _mm_cvtsi32_si128((int) w));
        }
    }

    d01 = _mm_add_epi16(_mm_unpacklo_epi8(d01, zero), rows01);
    d23 = _mm_add_epi16(_mm_unpacklo_epi8(d23, zero), rows23);
    d01 = _mm_packus_epi16(d01, d23);

    for (i = 0; i < 4; i++) {
        w = (uint32_t) _mm_cvtsi128_si32(d01);
        memcpy(dst + i * NGX_HTTP_OVERLAY_VP8_BPS, &w, 4);
        d01 = _mm_srli_si128(d01, 4);
    }
}


/* the low four 16-bit lanes of x, sign-extended to 32 bits */

static __m128i
ngx_http_overlay_vp8_wide(__m128i x)
{
    return _mm_srai_epi32(_mm_unpacklo_epi16(x, x), 16);
}

#endif
