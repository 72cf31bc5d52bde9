
/*
 * ngx_http_overlay_module: the progressive entropy coder of blocks (see
 * ngx_http_overlay_jpeg_prog_int.h): ITU T.81 G.1.2, DC first and
 * refinement scans, AC first scans with end of band runs, AC refinement
 * scans with their correction bits.  Every symbol coded is checked
 * against its table: one the table lacks is added to it where the caller
 * lets it grow (cd->grow), else noted (cd->missing, cd->need) for the
 * caller, which then fits the blocks or gives up.
 */


#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ngx_http_overlay_jpeg_prog_int.h"


static uint64_t ngx_http_overlay_prog_zz(
    const ngx_http_overlay_prog_coder_t *cd, uint64_t natural);
static uint64_t ngx_http_overlay_prog_band(ngx_http_overlay_prog_coder_t *cd,
    JCOEFPTR block, uint64_t *one);
static int ngx_http_overlay_prog_ac_first(ngx_http_overlay_prog_coder_t *cd,
    JCOEFPTR block);
static void ngx_http_overlay_prog_ac_refine(
    ngx_http_overlay_prog_coder_t *cd, JCOEFPTR block);
static void ngx_http_overlay_prog_corr(ngx_http_overlay_prog_coder_t *cd,
    unsigned from, unsigned n);
static void ngx_http_overlay_prog_fit(ngx_http_overlay_prog_coder_t *cd,
    JCOEFPTR block);
static void ngx_http_overlay_prog_lack(ngx_http_overlay_prog_coder_t *cd,
    unsigned i, unsigned sym);


/* an AC symbol of the scan's one table, noted if the table lacks it */
#define ngx_http_overlay_prog_symbol(cd, sym)                                 \
    if ((cd)->huff[0].size[sym] == 0) {                                       \
        ngx_http_overlay_prog_lack(cd, 0, sym);                               \
    }



/* T.81 figure A.6: the zig-zag sequence's position k, in natural order */
static const unsigned char  ngx_http_overlay_prog_zigzag[DCTSIZE2] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
};


/* and the position in the zig-zag sequence of each natural one */
static const unsigned char  ngx_http_overlay_prog_unzigzag[DCTSIZE2] = {
     0,  1,  5,  6, 14, 15, 27, 28,  2,  4,  7, 13, 16, 26, 29, 42,
     3,  8, 12, 17, 25, 30, 41, 43,  9, 11, 18, 24, 31, 40, 44, 53,
    10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60,
    21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63
};



void
ngx_http_overlay_prog_coder_init(ngx_http_overlay_prog_coder_t *cd)
{
    unsigned  n, m;

    for (n = 0; n < DCTSIZE2 / 8; n++) {
        for (m = 1; m < 256; m++) {
            cd->zz[n][m] = cd->zz[n][m & (m - 1)]
                           | (uint64_t) 1 << ngx_http_overlay_prog_unzigzag[
                                 n * 8 + __builtin_ctz(m)];
        }
    }
}


void
ngx_http_overlay_prog_coder_copy(ngx_http_overlay_prog_coder_t *dst,
    const ngx_http_overlay_prog_coder_t *src)
{
    memcpy(dst, src, offsetof(ngx_http_overlay_prog_coder_t, runbe));
    memcpy(dst->runbe, src->runbe, (src->eobrun + 1) * sizeof(uint16_t));
}


void
ngx_http_overlay_prog_coder_scan(ngx_http_overlay_prog_coder_t *cd,
    unsigned ss, unsigned se, unsigned ah, unsigned al)
{
    unsigned  k;

    cd->ss = ss;
    cd->se = se;
    cd->ah = ah;
    cd->al = al;
    cd->band = 0;

    for (k = ss; k <= se && k < DCTSIZE2; k++) {
        cd->band |= (uint64_t) 1 << ngx_http_overlay_prog_zigzag[k];
    }

    memset(cd->pred, 0, sizeof(cd->pred));
    cd->eobrun = 0;
    cd->be = 0;
    cd->w.acc = 0;
    cd->w.nb = 0;
}


/* one block of the scan's component i; -1: a value no table can code */

int
ngx_http_overlay_prog_block(ngx_http_overlay_prog_coder_t *cd, unsigned i,
    JCOEFPTR block)
{
    int                            v, diff, n;
    unsigned                       a;
    ngx_http_overlay_prog_huff_t  *hf;

    if (cd->ss != 0) {
        if (cd->fit) {
            ngx_http_overlay_prog_fit(cd, block);
        }

        if (cd->ah == 0) {
            return ngx_http_overlay_prog_ac_first(cd, block);
        }

        ngx_http_overlay_prog_ac_refine(cd, block);
        return 0;
    }

    /* DC: the point transform an arithmetic shift (T.81 G.1.2.1) */

    v = block[0] >> cd->al;

    if (cd->ah != 0) {
        ngx_http_overlay_splice_put(&cd->w, (uint32_t) v & 1, 1);
        return 0;
    }

    diff = v - cd->pred[i];
    cd->pred[i] = v;

    a = (unsigned) (diff < 0 ? -diff : diff);
    n = a ? 32 - __builtin_clz(a) : 0;

    if (n > 11) {
        return -1;
    }

    hf = &cd->huff[i];

    if (hf->size[n] == 0) {
        ngx_http_overlay_prog_lack(cd, i, (unsigned) n);
    }

    ngx_http_overlay_splice_put(&cd->w,
                                (uint32_t) hf->code[n] << n
                                | ((uint32_t) (diff < 0 ? diff - 1 : diff)
                                   & ((1u << n) - 1)), hf->size[n] + n);

    return 0;
}


/*
 * The band's coefficients of a block that are not zero after the point
 * transform, a bit each in zig-zag order (the return value), and those of
 * them that are 1 (*one): found in natural order, eight at a time with
 * SSE2, then only those set are put in zig-zag order
 */

static uint64_t
ngx_http_overlay_prog_band(ngx_http_overlay_prog_coder_t *cd,
    JCOEFPTR block, uint64_t *one)
{
    unsigned  i;
    uint64_t  nzn, onen, nz;

#if defined(__SSE2__)
    unsigned  m;
    __m128i   x0, x1, t0, t1, zero, ones, count;

    zero = _mm_setzero_si128();
    ones = _mm_set1_epi16(1);
    count = _mm_cvtsi32_si128((int) cd->al);
    nzn = 0;
    onen = 0;

    /* -32768 stays itself: as unsigned, its magnitude */

    for (i = 0; i < DCTSIZE2; i += 16) {
        x0 = _mm_loadu_si128((const __m128i *) (block + i));
        x1 = _mm_loadu_si128((const __m128i *) (block + i + 8));
        t0 = _mm_srl_epi16(_mm_max_epi16(x0, _mm_sub_epi16(zero, x0)),
                           count);
        t1 = _mm_srl_epi16(_mm_max_epi16(x1, _mm_sub_epi16(zero, x1)),
                           count);
        m = (unsigned) _mm_movemask_epi8(
                _mm_packs_epi16(_mm_cmpeq_epi16(t0, zero),
                                _mm_cmpeq_epi16(t1, zero)));
        nzn |= (uint64_t) (~m & 0xffff) << i;

        if (cd->ah != 0) {
            m = (unsigned) _mm_movemask_epi8(
                    _mm_packs_epi16(_mm_cmpeq_epi16(t0, ones),
                                    _mm_cmpeq_epi16(t1, ones)));
            onen |= (uint64_t) m << i;
        }
    }

#else
    unsigned  a;

    nzn = 0;
    onen = 0;

    for (i = 0; i < DCTSIZE2; i++) {
        a = (unsigned) (block[i] < 0 ? -block[i] : block[i]) >> cd->al;
        nzn |= (uint64_t) (a != 0) << i;
        onen |= (uint64_t) (a == 1) << i;
    }

#endif

    nzn &= cd->band;
    onen &= nzn;
    nz = ngx_http_overlay_prog_zz(cd, nzn);
    *one = (onen != 0) ? ngx_http_overlay_prog_zz(cd, onen) : 0;

    return nz;
}


/* bits of natural positions in zig-zag order, a byte at a time */

static uint64_t
ngx_http_overlay_prog_zz(const ngx_http_overlay_prog_coder_t *cd,
    uint64_t natural)
{
    unsigned  i;
    uint64_t  z;

    z = 0;

    for (i = 0; natural != 0; i++, natural >>= 8) {
        if (natural & 0xff) {
            z |= cd->zz[i][natural & 0xff];
        }
    }

    return z;
}


uint64_t
ngx_http_overlay_prog_nonzero(const ngx_http_overlay_prog_coder_t *cd,
    const short *block)
{
    unsigned  i;
    uint64_t  nzn;

#if defined(__SSE2__)
    unsigned  m;
    __m128i   zero;

    zero = _mm_setzero_si128();
    nzn = 0;

    for (i = 0; i < DCTSIZE2; i += 16) {
        m = (unsigned) _mm_movemask_epi8(_mm_packs_epi16(
                _mm_cmpeq_epi16(
                    _mm_loadu_si128((const __m128i *) (block + i)), zero),
                _mm_cmpeq_epi16(
                    _mm_loadu_si128((const __m128i *) (block + i + 8)),
                    zero)));
        nzn |= (uint64_t) (~m & 0xffff) << i;
    }

#else
    nzn = 0;

    for (i = 0; i < DCTSIZE2; i++) {
        nzn |= (uint64_t) (block[i] != 0) << i;
    }

#endif

    return ngx_http_overlay_prog_zz(cd, nzn);
}


/*
 * T.81 G.1.2.2: an AC first scan's band of a block, in end of band runs;
 * -1: a magnitude over 10 bits
 */

static int
ngx_http_overlay_prog_ac_first(ngx_http_overlay_prog_coder_t *cd,
    JCOEFPTR block)
{
    int                            v;
    unsigned                       k, r, a, n, sym, next;
    uint64_t                       nz, one;
    ngx_http_overlay_prog_huff_t  *hf;

    nz = ngx_http_overlay_prog_band(cd, block, &one);

    if (nz == 0) {
        if (++cd->eobrun == NGX_HTTP_OVERLAY_PROG_EOBRUN) {
            ngx_http_overlay_prog_eobrun(cd);
        }

        return 0;
    }

    hf = &cd->huff[0];
    next = cd->ss;

    ngx_http_overlay_prog_eobrun(cd);

    do {
        k = (unsigned) __builtin_ctzll(nz);
        nz &= nz - 1;

        v = block[ngx_http_overlay_prog_zigzag[k]];
        a = (unsigned) (v < 0 ? -v : v) >> cd->al;

        if (a > 1023) {
            return -1;
        }

        for (r = k - next; r > 15; r -= 16) {
            ngx_http_overlay_prog_symbol(cd, 0xf0);
            ngx_http_overlay_splice_put(&cd->w, hf->code[0xf0],
                                        hf->size[0xf0]);
        }

        n = 32 - __builtin_clz(a);
        sym = r << 4 | n;
        ngx_http_overlay_prog_symbol(cd, sym);

        /* the code and the value, 26 bits at most */

        ngx_http_overlay_splice_put(&cd->w,
                                    (uint32_t) hf->code[sym] << n
                                    | ((v < 0 ? ~a : a) & ((1u << n) - 1)),
                                    hf->size[sym] + n);
        next = k + 1;

    } while (nz != 0);

    if (next <= cd->se && ++cd->eobrun == NGX_HTTP_OVERLAY_PROG_EOBRUN) {
        ngx_http_overlay_prog_eobrun(cd);
    }

    return 0;
}


/*
 * T.81 G.1.2.3: an AC refinement scan's band of a block: the coefficients
 * that become non-zero coded as in a first scan (their size 1, a sign
 * bit), each followed by the correction bits of those already non-zero
 * that it passed; the correction bits before an end of band, held back
 * until the run is coded.  A run counts only the coefficients still zero.
 */

static void
ngx_http_overlay_prog_ac_refine(ngx_http_overlay_prog_coder_t *cd,
    JCOEFPTR block)
{
    int                            v;
    unsigned                       k, r, a, eob, br, from, sym, next;
    uint64_t                       nz, one;
    ngx_http_overlay_prog_huff_t  *hf;

    nz = ngx_http_overlay_prog_band(cd, block, &one);

    /* the last coefficient that becomes non-zero: 0, none */

    eob = one ? 63 - (unsigned) __builtin_clzll(one) : 0;

    hf = &cd->huff[0];

    /* this block's correction bits follow those held back at cd->be */

    from = cd->be;
    br = 0;
    r = 0;
    next = cd->ss;

    while (nz != 0) {
        k = (unsigned) __builtin_ctzll(nz);
        nz &= nz - 1;

        r += k - next;
        next = k + 1;
        v = block[ngx_http_overlay_prog_zigzag[k]];
        a = (unsigned) (v < 0 ? -v : v) >> cd->al;

        while (r > 15 && k <= eob) {
            ngx_http_overlay_prog_eobrun(cd);
            ngx_http_overlay_prog_symbol(cd, 0xf0);
            ngx_http_overlay_splice_put(&cd->w, hf->code[0xf0],
                                        hf->size[0xf0]);
            r -= 16;

            ngx_http_overlay_prog_corr(cd, from, br);
            from = 0;
            br = 0;
        }

        if (a > 1) {
            cd->corr[from + br++] = (unsigned char) (a & 1);
            continue;
        }

        ngx_http_overlay_prog_eobrun(cd);

        sym = r << 4 | 1;
        ngx_http_overlay_prog_symbol(cd, sym);

        ngx_http_overlay_splice_put(&cd->w,
                                    (uint32_t) hf->code[sym] << 1
                                    | (v < 0 ? 0 : 1), hf->size[sym] + 1);

        ngx_http_overlay_prog_corr(cd, from, br);
        from = 0;
        br = 0;
        r = 0;
    }

    r += cd->se + 1 - next;

    if (r > 0 || br > 0) {
        cd->eobrun++;
        cd->be = from + br;
        cd->runbe[cd->eobrun] = (uint16_t) cd->be;

        if (cd->eobrun == NGX_HTTP_OVERLAY_PROG_EOBRUN
            || cd->be > NGX_HTTP_OVERLAY_PROG_CORR - DCTSIZE2)
        {
            ngx_http_overlay_prog_eobrun(cd);
        }
    }
}


/* the end of band run held, and the correction bits held back with it */

void
ngx_http_overlay_prog_eobrun(ngx_http_overlay_prog_coder_t *cd)
{
    unsigned                       n, sym, run, done;
    ngx_http_overlay_prog_huff_t  *hf;

    if (cd->eobrun == 0) {
        return;
    }

    hf = &cd->huff[0];

    /*
     * A run the table has no symbol for: runs as long as its symbols
     * allow, one after the other, each with its blocks' correction bits
     */

    done = 0;

    while (cd->split && cd->eobrun != 0) {
        for (n = 31 - __builtin_clz(cd->eobrun);
             n > 0 && hf->size[n << 4] == 0;
             n--)
        {
            /* void */
        }

        if (hf->size[n << 4] == 0) {
            break;
        }

        run = cd->eobrun < (2u << n) - 1 ? cd->eobrun : (2u << n) - 1;

        ngx_http_overlay_splice_put(&cd->w, hf->code[n << 4],
                                    hf->size[n << 4]);

        if (n != 0) {
            ngx_http_overlay_splice_put(&cd->w, run & ((1u << n) - 1), n);
        }

        if (cd->ah != 0) {
            ngx_http_overlay_prog_corr(cd, cd->runbe[done],
                                       cd->runbe[done + run]
                                       - cd->runbe[done]);
        }

        done += run;
        cd->eobrun -= run;
    }

    if (done != 0 && cd->eobrun == 0) {
        cd->be = 0;
        return;
    }

    n = 31 - __builtin_clz(cd->eobrun);
    sym = n << 4;
    ngx_http_overlay_prog_symbol(cd, sym);

    ngx_http_overlay_splice_put(&cd->w, hf->code[sym], hf->size[sym]);

    if (n != 0) {
        ngx_http_overlay_splice_put(&cd->w, cd->eobrun & ((1u << n) - 1), n);
    }

    cd->eobrun = 0;

    ngx_http_overlay_prog_corr(cd, 0, cd->be);
    cd->be = 0;
}


/* the n correction bits held from cd->corr[from], 16 at a time */

static void
ngx_http_overlay_prog_corr(ngx_http_overlay_prog_coder_t *cd,
    unsigned from, unsigned n)
{
    unsigned  i, c;
    uint32_t  v;

    while (n > 0) {
        c = n < 16 ? n : 16;

        for (i = 0, v = 0; i < c; i++) {
            v = v << 1 | cd->corr[from + i];
        }

        ngx_http_overlay_splice_put(&cd->w, v, (int) c);
        from += c;
        n -= c;
    }
}


/*
 * A new block's band made codable with the scan's table, in one pass in
 * the order of coding: a coefficient whose run and size the table lacks
 * takes the largest size it has for that run (its bits below the scan's
 * kept for the refinements), or none, and the run goes on (so too after
 * sixteen zeros, where the table has no ZRL).  In a
 * refinement scan, a coefficient that becomes non-zero with a run the
 * table lacks stays zero.  The earlier scans coded none of their bits.
 */

static void
ngx_http_overlay_prog_fit(ngx_http_overlay_prog_coder_t *cd, JCOEFPTR block)
{
    int                            v, low, best, z1, one;
    double                         e, least, q;
    unsigned                       k, z, a, r, s, s0, rs, r1, na;
    ngx_http_overlay_prog_huff_t  *hf;

    hf = &cd->huff[0];
    r = 0;
    one = 1 << cd->al;

    for (k = cd->ss; k <= cd->se; k++) {
        z = ngx_http_overlay_prog_zigzag[k];
        v = block[z];
        a = (unsigned) (v < 0 ? -v : v);
        low = (int) (a & ((1u << cd->al) - 1));
        a >>= cd->al;

        if (a == 0) {
            r++;
            continue;
        }

        if (cd->ah != 0 && a > 1) {
            continue;
        }

        s0 = (cd->ah != 0) ? 1 : 32 - (unsigned) __builtin_clz(a);
        rs = (r & 15) << 4;

        if (hf->size[rs | s0] != 0 && (r < 16 || hf->size[0xf0] != 0)) {
            r = 0;
            continue;
        }

        /*
         * The least error of: none (the run goes on); in a first scan,
         * the largest size under it, or the next size up, that the table
         * has; or a 1 among the zeros before it, to cut the run in two
         * runs the table has
         */

        q = (cd->quant != NULL) ? cd->quant[z] : 1;
        least = (double) a * q;
        best = 0;
        na = 0;
        z1 = -1;

        if (cd->ah == 0 && (r < 16 || hf->size[0xf0] != 0)) {
            for (s = s0 - 1; s > 0 && hf->size[rs | s] == 0; s--) {
                /* void */
            }

            e = (double) (a - ((1u << s) - 1)) * q;

            if (s > 0 && e < least) {
                least = e;
                best = 1;
                na = (1u << s) - 1;
            }

            e = (double) ((1u << s0) - a) * q;

            if (s0 < 10 && hf->size[rs | (s0 + 1)] != 0 && e < least) {
                least = e;
                best = 1;
                na = 1u << s0;
            }

            for (r1 = 0; r < 16 && r1 < r; r1++) {
                if (hf->size[r1 << 4 | 1] == 0
                    || hf->size[(r - 1 - r1) << 4 | s0] == 0)
                {
                    continue;
                }

                z = ngx_http_overlay_prog_zigzag[k - r + r1];
                e = (cd->quant != NULL) ? cd->quant[z] : 1;

                if (e < least) {
                    least = e;
                    best = 2;
                    z1 = (int) z;
                }
            }

            z = ngx_http_overlay_prog_zigzag[k];
        }

        if (best == 0) {
            ngx_http_overlay_prog_cost(cd, z, v);
            block[z] = 0;
            r++;
            continue;
        }

        if (best == 1) {
            a = na << cd->al | (unsigned) low;
            block[z] = (JCOEF) (v < 0 ? -(int) a : (int) a);
            ngx_http_overlay_prog_cost(cd, z, v - block[z]);

        } else {
            block[z1] = (JCOEF) one;
            ngx_http_overlay_prog_cost(cd, (unsigned) z1, one);
        }

        r = 0;
    }
}



/* the squared error of a coefficient changed by d, in samples, weighted */

void
ngx_http_overlay_prog_cost(ngx_http_overlay_prog_coder_t *cd, unsigned z,
    int d)
{
    double  e;

    e = (double) d * (cd->quant != NULL ? cd->quant[z] : 1);
    cd->sse += e * e * cd->weight / 1024;
}


static void
ngx_http_overlay_prog_lack(ngx_http_overlay_prog_coder_t *cd, unsigned i,
    unsigned sym)
{
    unsigned                       k;
    ngx_http_overlay_prog_grow_t  *g;

    g = cd->grow[i];

    if (g == NULL || g->left == 0) {
        cd->missing = 1;
        cd->need[i][sym >> 5] |= 1u << (sym & 31);
        return;
    }

    /* the next code of 16 bits, for every component of the table */

    for (k = 0; k < MAX_COMPS_IN_SCAN; k++) {
        if (cd->grow[k] == g) {
            cd->huff[k].code[sym] = (uint16_t) g->next;
            cd->huff[k].size[sym] = 16;
        }
    }

    g->sym[g->n++] = (unsigned char) sym;
    g->next++;
    g->left--;
}


/*
 * n bytes more after w->o in the buffer *out of *size bytes, which grows
 * (doubling) as need be, w->o moving with it: 0, or -1 (realloc() failed,
 * the buffer as it was)
 */

int
ngx_http_overlay_prog_room(unsigned char **out, size_t *size,
    ngx_http_overlay_splice_writer_t *w, size_t n)
{
    size_t          used, grown;
    unsigned char  *p;

    used = (size_t) (w->o - *out);

    if (*size - used >= n) {
        return 0;
    }

    /* the doubling would wrap, and realloc() of 0 bytes free the buffer */

    if (n > (size_t) -1 / 4 - used) {
        return -1;
    }

    for (grown = *size * 2; grown - used < n; grown *= 2) {
        /* void */
    }

    p = realloc(*out, grown);
    if (p == NULL) {
        return -1;
    }

    *out = p;
    *size = grown;
    w->o = p + used;

    return 0;
}
