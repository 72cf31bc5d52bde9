
/*
 * ngx_http_overlay_module: the entropy splice's new blocks fitted to the
 * source's Huffman tables.
 *
 * Optimized tables (cjpeg -optimize, Pillow's optimize=True, jpegoptim,
 * most image pipelines) hold only the symbols the source's blocks use: a
 * badge's sharp edges need AC symbols (runs and sizes) and DC differences
 * that they lack.  A block of the rectangle that has such a symbol is
 * quantized again under the constraint that every symbol is in the
 * tables: among all codable blocks, the one nearest to the wanted block
 * in the pixels' squared error (the coefficients' errors times their
 * quantization steps; the DCT is orthonormal), found by a dynamic
 * programme over the zigzag positions whose state is the run of zeros
 * before each (the trellis of a rate-distortion quantizer, with the rate
 * replaced by "codable or not").  A DC difference the table lacks moves
 * the block's DC to the nearest value whose difference is codable, and
 * whose successor's, when that one is outside the rectangle and cannot
 * move, is too; within the rectangle the next block absorbs the change.
 *
 * The squared error is summed per component; the driver declines the
 * splice when it would cost the rectangle more than conf.max_mse
 * (ngx_http_overlay_splice_fit_check()), and the caller takes the
 * transcode, with the tables extended.
 */


#include <string.h>

#include "ngx_http_overlay_jpeg_splice_int.h"


/* the largest quantized DC a block may have, 8-bit samples */
#define NGX_HTTP_OVERLAY_SPLICE_DC_MAX  2047


static void ngx_http_overlay_splice_fit_sizes(ngx_http_overlay_splice_t *s,
    unsigned t);
static int ngx_http_overlay_splice_fit_ac(ngx_http_overlay_splice_t *s,
    short *block, unsigned t, const uint16_t *q, uint64_t *err);
static uint64_t ngx_http_overlay_splice_fit_value(int target, int size,
    int *v);


/*
 * The block of component c (in the scan's order) that MCU m codes first,
 * or with n, its n-th: the caller's
 */

short *
ngx_http_overlay_splice_mcu_block(ngx_http_overlay_splice_t *s, unsigned m,
    unsigned c, unsigned n)
{
    unsigned                         row, col;
    ngx_http_overlay_splice_comp_t  *ci;

    ci = &s->conf.comp[c];

    if (s->conf.ncomps == 1) {
        return s->conf.block(s->conf.data, ci->index, m % ci->width,
                             m / ci->width);
    }

    row = m / s->conf.mcus_per_row;
    col = m % s->conf.mcus_per_row;

    return s->conf.block(s->conf.data, ci->index, col * ci->h + n % ci->h,
                         row * ci->v + n / ci->h);
}


/*
 * Block n of component c in MCU m of the rectangle made codable with the
 * tables, pred its DC predictor: 0, or -1 (no codable block near it)
 */

int
ngx_http_overlay_splice_fit(ngx_http_overlay_splice_t *s, short *block,
    unsigned m, unsigned c, unsigned n, int pred)
{
    int                              d, v, k, lo, hi, next, fixed, nb,
                                     target;
    int64_t                          rest, reach;
    unsigned                         row, col, after, ri;
    const uint16_t                  *q;
    ngx_http_overlay_splice_comp_t  *ci;
    ngx_http_overlay_splice_huff_t  *dc;

    ci = &s->conf.comp[c];
    dc = &s->huff[0][ci->dc];
    q = s->conf.quant[c];
    ri = s->conf.restart_interval;

    /*
     * The DC: the chain of the component's blocks from this one leads,
     * through the rest of the rectangle's row, to a block that cannot
     * move when that is outside the rectangle and no restart interval
     * begins before it; this block's DC stays near enough to it for the
     * rest (rest blocks, then it) to bridge the difference with the
     * differences the table has
     */

    nb = (s->conf.ncomps == 1) ? 1 : (int) (ci->h * ci->v);
    row = m / s->width;
    after = row * s->width + s->x1;
    fixed = after < s->total
            && !(ri != 0 && (m / ri + 1) * ri <= after);

    if (fixed) {
        row = after / s->width;
        col = after % s->width;
        fixed = row < s->y0 || row >= s->y1 || col < s->x0 || col >= s->x1;
    }

    next = 0;
    rest = 0;
    lo = -NGX_HTTP_OVERLAY_SPLICE_DC_MAX;
    hi = NGX_HTTP_OVERLAY_SPLICE_DC_MAX;

    if (fixed) {
        next = ngx_http_overlay_splice_mcu_block(s, after, c, 0)[0];

        for (k = 1; k <= 11 && dc->size[k] != 0; k++) {
            /* void */
        }

        rest = (int64_t) (after - 1 - m) * nb + (nb - 1 - (int) n);
        reach = (rest + 1) * ((1 << (k - 1)) - 1);
        lo = (int) (next - reach > lo ? next - reach : lo);
        hi = (int) (next + reach < hi ? next + reach : hi);
    }

    target = block[0] < lo ? lo : (block[0] > hi ? hi : block[0]);

    for (d = 0; d <= 2 * NGX_HTTP_OVERLAY_SPLICE_DC_MAX + 1; d++) {
        v = target + ((d & 1) ? -(d + 1) / 2 : d / 2);

        if (v < lo || v > hi) {
            continue;
        }

        k = ngx_http_overlay_splice_nbits(v - pred);

        if (k > 11 || dc->size[k] == 0) {
            continue;
        }

        if (fixed && rest == 0) {
            k = ngx_http_overlay_splice_nbits(next - v);

            if (k > 11 || dc->size[k] == 0) {
                continue;
            }
        }

        break;
    }

    if (d > 2 * NGX_HTTP_OVERLAY_SPLICE_DC_MAX + 1) {
        return -1;
    }

    if (v != block[0]) {
        d = (v - block[0]) * (q != NULL ? q[0] : 1);
        s->fit_err[c] += (uint64_t) ((int64_t) d * d);
        s->fitted++;
        block[0] = (short) v;
    }

    if (ngx_http_overlay_splice_missing(block, &s->huff[1][ci->ac], NULL)
        == 0)
    {
        return 0;
    }

    s->fitted++;

    return ngx_http_overlay_splice_fit_ac(s, block, ci->ac, q,
                                          &s->fit_err[c]);
}


/*
 * Whether the fit costs the rectangle more than conf.max_mse: the
 * components' mean squared errors per sample, weighted: 0, or -1 with
 * s->why
 */

int
ngx_http_overlay_splice_fit_check(ngx_http_overlay_splice_t *s)
{
    double    mse, blocks;
    unsigned  c, rows;

    if (s->fitted == 0) {
        return 0;
    }

    mse = 0;
    rows = 0;

    for (c = 0; c < s->conf.ncomps; c++) {
        if (s->conf.ncomps == 1) {
            blocks = (double) (s->x1 - s->x0) * (s->y1 - s->y0);

        } else {
            rows = s->conf.comp[c].h * s->conf.comp[c].v;
            blocks = (double) (s->x1 - s->x0) * (s->y1 - s->y0) * rows;
        }

        mse += (double) s->fit_err[c] / (blocks * 64)
               * s->conf.weight[c] / 1024;
    }

    s->fit_mse = mse;

    if (mse > s->conf.max_mse) {
        s->why = "the tables lack symbols that matter";
        return -1;
    }

    return 0;
}


/*
 * The AC symbols of the block the table lacks: their number, each counted
 * in need[] (a symbol, 256 counters) unless need is NULL; sizes over 10
 * bits are counted but not in need[]
 */

unsigned
ngx_http_overlay_splice_missing(const short *block,
    const ngx_http_overlay_splice_huff_t *ac, uint32_t *need)
{
    int       k, r, n, v;
    unsigned  missing;

    r = 0;
    missing = 0;

    for (k = 1; k < 64; k++) {
        v = block[ngx_http_overlay_splice_zigzag[k]];

        if (v == 0) {
            r++;
            continue;
        }

        for ( /* void */ ; r > 15; r -= 16) {
            if (ac->size[0xf0] == 0) {
                missing++;

                if (need != NULL) {
                    need[0xf0]++;
                }
            }
        }

        n = ngx_http_overlay_splice_nbits(v);

        if (n > 10 || ac->size[r << 4 | n] == 0) {
            missing++;

            if (need != NULL && n <= 10) {
                need[r << 4 | n]++;
            }
        }

        r = 0;
    }

    if (r != 0 && ac->size[0x00] == 0) {
        missing++;

        if (need != NULL) {
            need[0x00]++;
        }
    }

    return missing;
}


/*
 * For each run of zeros (mod 16) and size wanted, the sizes nearest to it
 * that the AC table t has: below or equal (0: none), and above (0: none)
 */

static void
ngx_http_overlay_splice_fit_sizes(ngx_http_overlay_splice_t *s, unsigned t)
{
    int                              r, c, k;
    ngx_http_overlay_splice_huff_t  *ac;

    ac = &s->huff[1][t];

    for (r = 0; r < 16; r++) {
        for (c = 0; c <= 10; c++) {
            s->fit_lo[t][r][c] = 0;
            s->fit_hi[t][r][c] = 0;

            for (k = c; k >= 1; k--) {
                if (ac->size[r << 4 | k] != 0) {
                    s->fit_lo[t][r][c] = (unsigned char) k;
                    break;
                }
            }

            for (k = c + 1; k <= 10; k++) {
                if (ac->size[r << 4 | k] != 0) {
                    s->fit_hi[t][r][c] = (unsigned char) k;
                    break;
                }
            }
        }
    }

    s->fit_sizes |= 1u << t;
}


/*
 * The AC coefficients of the block replaced by the codable ones nearest to
 * them.  A state is the position p of the last nonzero coefficient (0:
 * none yet); zeros after it cost z[k] - z[p], z the running sum of the
 * squared errors of zeros, so b[p] = (least error up to p, p nonzero) -
 * z[p] stays as it is while k moves on.  A nonzero coefficient at k after
 * a run r = k - 1 - p costs the symbol of r mod 16 (with runs of 16
 * zeros before when r > 15, which need that symbol) and the size the
 * table has nearest to the wanted one: the best p of each r mod 16 is
 * kept, so each position costs 16 steps.  0, or -1: no codable block (no
 * end of block, and no way to fill all 63).
 */

static int
ngx_http_overlay_splice_fit_ac(ngx_http_overlay_splice_t *s, short *block,
    unsigned t, const uint16_t *q, uint64_t *err)
{
    int                              i, j, k, p, r, c, target, v, zrl,
                                     size, best_p, best_v, prev[64],
                                     val[64], arg[16];
    int64_t                          b[64], z[64], most[16], e, e2, best,
                                     w;
    ngx_http_overlay_splice_huff_t  *ac;

    ac = &s->huff[1][t];
    zrl = ac->size[0xf0] != 0;

    if (!(s->fit_sizes & (1u << t))) {
        ngx_http_overlay_splice_fit_sizes(s, t);
    }

    /* most[p % 16]: the least b[] of the states p more than 16 back */

    for (r = 0; r < 16; r++) {
        most[r] = INT64_MAX;
        arg[r] = 0;
    }

    b[0] = 0;
    z[0] = 0;

    for (k = 1; k < 64; k++) {
        target = block[ngx_http_overlay_splice_zigzag[k]];
        w = (q != NULL) ? q[ngx_http_overlay_splice_zigzag[k]] : 1;
        w *= w;
        c = ngx_http_overlay_splice_nbits(target);
        c = c > 10 ? 10 : c;

        /* the state 16 back leaves the window: runs from it need ZRL */

        if (zrl && k - 17 >= 0 && b[k - 17] < most[(k - 17) & 15]) {
            most[(k - 17) & 15] = b[k - 17];
            arg[(k - 17) & 15] = k - 17;
        }

        best = INT64_MAX;
        best_p = 0;
        best_v = 0;

        for (r = 0; r < 16 && r < k; r++) {

            /*
             * the runs of r mod 16 zeros: from p = k - 1 - r, or from a
             * state further back by 16s (most[], with ZRL)
             */

            p = k - 1 - r;
            e = b[p];
            i = p;

            if (most[p & 15] < e) {
                e = most[p & 15];
                i = arg[p & 15];
            }

            if (e == INT64_MAX) {
                continue;
            }

            /* the nearest sizes the table has, below and above */

            for (j = 0; j < 2; j++) {
                size = j ? s->fit_hi[t][r][c] : s->fit_lo[t][r][c];

                if (size == 0) {
                    continue;
                }

                e2 = e + w * (int64_t) ngx_http_overlay_splice_fit_value(
                                                        target, size, &v);
                if (e2 < best) {
                    best = e2;
                    best_p = i;
                    best_v = v;
                }
            }
        }

        z[k] = z[k - 1] + w * (int64_t) target * target;

        /* b[k] = C[k] - z[k], C[k] = best + z[k - 1] */

        b[k] = (best == INT64_MAX) ? INT64_MAX : best + z[k - 1] - z[k];
        prev[k] = best_p;
        val[k] = best_v;
    }

    /* the end: zeros after the last nonzero need the end of block */

    best = b[63];
    p = 63;

    if (ac->size[0x00] != 0) {
        for (k = 0; k < 63; k++) {
            if (b[k] < best) {
                best = b[k];
                p = k;
            }
        }
    }

    if (best == INT64_MAX) {
        return -1;
    }

    *err += (uint64_t) (best + z[63]);

    /* back from the last nonzero coefficient, zeros between */

    for (k = 63; k > p; k--) {
        block[ngx_http_overlay_splice_zigzag[k]] = 0;
    }

    while (p > 0) {
        block[ngx_http_overlay_splice_zigzag[p]] = (short) val[p];

        for (k = p - 1; k > prev[p]; k--) {
            block[ngx_http_overlay_splice_zigzag[k]] = 0;
        }

        p = prev[p];
    }

    return 0;
}


/*
 * The value of that size (T.81 F.1.2.2) nearest to target, in *v, and the
 * square of its distance; a zero target takes a positive value
 */

static uint64_t
ngx_http_overlay_splice_fit_value(int target, int size, int *v)
{
    int  a, m;

    a = target < 0 ? -target : target;

    if (a >= (1 << size)) {
        m = (1 << size) - 1;

    } else if (a < (1 << (size - 1))) {
        m = 1 << (size - 1);

    } else {
        m = a;
    }

    *v = target < 0 ? -m : m;

    return (uint64_t) ((int64_t) (a - m) * (a - m));
}
