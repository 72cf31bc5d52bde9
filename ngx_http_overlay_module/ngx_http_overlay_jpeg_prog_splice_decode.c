
/*
 * ngx_http_overlay_module: the progressive splice's decoding side (see
 * ngx_http_overlay_jpeg_prog_splice.c): for one scan, the units to code
 * again planned (in each of the region's rows of iMCUs, a segment of the
 * region's columns; with restarts, whole restart intervals), and the scan
 * decoded as far as they need.
 *
 * Without restarts a scan is decoded from its start up to the end of the
 * last segment (an AC refinement scan cannot be decoded without the
 * coefficients earlier scans gave every block before; the bits of the
 * blocks between segments must be found); a first scan is decoded on to
 * its end only when the output's padding needs where its data ends to the
 * bit (ngx_http_overlay_pspl_finish()).  With restarts, the intervals
 * before the plan are passed over by their markers.  Where each segment
 * begins and ends, the reader's place, the end of band run left and the
 * DC predictors are kept; where each run's symbol was, too.
 *
 * Decoding follows libjpeg's (jdphuff.c, T.81 G.2), but declines where
 * libjpeg would warn and go on: a code no table has, data that ends
 * early, a coefficient out of the band, a refinement of more than one
 * bit, a restart marker out of order, bytes before a marker.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_prog_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


__thread unsigned long  ngx_http_overlay_pspl_coded;
__thread unsigned long  ngx_http_overlay_pspl_rows;


static int ngx_http_overlay_pspl_plan(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static ngx_http_overlay_pspl_seg_t *ngx_http_overlay_pspl_seg(
    ngx_http_overlay_pspl_t *ps);
static void ngx_http_overlay_pspl_bound(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_seg_t *g, unsigned end);
static int ngx_http_overlay_pspl_tables(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static int ngx_http_overlay_pspl_zero(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, unsigned from, unsigned to);
static int ngx_http_overlay_pspl_jump(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static int ngx_http_overlay_pspl_restart(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, unsigned u);
static void ngx_http_overlay_pspl_mark(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_mark_t *m, int back);
static int ngx_http_overlay_pspl_dc(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned i, short *block);
static int ngx_http_overlay_pspl_ac_first(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned u, short *block);
static int ngx_http_overlay_pspl_ac_refine(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned u, short *block);
static int ngx_http_overlay_pspl_correct(ngx_http_overlay_pspl_t *ps,
    short *coef, int p1);
static int ngx_http_overlay_pspl_eob(ngx_http_overlay_pspl_t *ps,
    unsigned u, int sym);


int
ngx_http_overlay_pspl_decode(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    int                           rc;
    short                        *block;
    unsigned                      u, d0, d1, i, n, nb, k, b;
    ngx_http_overlay_pspl_seg_t  *g;

    if (ngx_http_overlay_pspl_plan(ps, sc) != 0
        || ngx_http_overlay_pspl_tables(ps, sc) != 0
        || ngx_http_overlay_pspl_zero(ps, sc, sc->ri ? sc->u0 : 0, sc->u1)
           != 0)
    {
        return -1;
    }

    d0 = sc->ri ? sc->u0 : 0;
    d1 = sc->u1;

    ps->rd.p = ps->p;
    ps->rd.pos = sc->data;
    ps->rd.start = sc->data;
    ps->rd.limit = sc->end;
    ps->rd.acc = 0;
    ps->rd.bits = 0;
    ps->eobrun = 0;
    ps->run = 0;
    memset(ps->pred, 0, sizeof(ps->pred));

    if (d0 != 0 && ngx_http_overlay_pspl_jump(ps, sc) != 0) {
        return -1;
    }

    /* the segments' bounds in order: a, e of each (k even, odd) */

    g = &ps->segs[sc->seg];
    k = 0;

    for (u = d0; u < d1; u++) {

        if (sc->ri != 0 && u != d0 && u % sc->ri == 0
            && ngx_http_overlay_pspl_restart(ps, sc, u) != 0)
        {
            return -1;
        }

        for ( ;; ) {
            if (k == 2 * sc->nseg) {
                break;
            }

            b = (k & 1) ? g[k / 2].e : g[k / 2].a;

            if (b != u) {
                break;
            }

            ngx_http_overlay_pspl_bound(ps, &g[k / 2], k & 1);
            k++;
        }

        for (i = 0; i < sc->ncomps; i++) {
            nb = ngx_http_overlay_pspl_blocks(ps, sc, i);

            for (n = 0; n < nb; n++) {
                block = (u < sc->u1)
                        ? ngx_http_overlay_pspl_block(ps, sc, u, i, n)
                        : ps->scratch;

                if (sc->ss == 0) {
                    rc = ngx_http_overlay_pspl_dc(ps, sc, i, block);

                } else if (sc->ah == 0) {
                    rc = ngx_http_overlay_pspl_ac_first(ps, sc, u, block);

                } else {
                    rc = ngx_http_overlay_pspl_ac_refine(ps, sc, u, block);
                }

                if (rc != 0) {
                    ps->why = "a code no table has, or the data ended";
                    return -1;
                }
            }
        }
    }

    /* the bounds at d1, the last segment's end (and an empty one's) */

    while (k < 2 * sc->nseg) {
        ngx_http_overlay_pspl_bound(ps, &g[k / 2], k & 1);
        k++;
    }

    /* the scan's own: the first segment's start, the last one's end */

    sc->at0 = g[0].at0;
    sc->left0 = g[0].left0;
    sc->run = g[0].run;
    sc->run_at = g[0].run_at;
    sc->run_after = g[0].run_after;
    sc->m0 = g[0].m0;
    memcpy(sc->pred, g[0].pred, sizeof(sc->pred));

    sc->at1 = g[sc->nseg - 1].at1;
    sc->left1 = g[sc->nseg - 1].left1;
    memcpy(sc->pred1, ps->pred, sizeof(sc->pred1));

    ngx_http_overlay_splice_fill(&ps->rd);

    if (d1 == sc->units) {

        /* the scan's end: no more than the padding before its marker */

        if (ps->rd.bits >= 8 || ps->rd.pos != ps->rd.limit) {
            ps->why = "data after the scan's last unit";
            return -1;
        }

        ngx_http_overlay_pspl_mark(ps, &sc->fin, 0);
        return 0;
    }

    if (sc->ri != 0) {

        /* u1 begins a restart interval: its marker is next */

        if (ps->rd.bits >= 8 || ps->rd.pos >= ps->rd.limit
            || ps->p[ps->rd.pos] != NGX_HTTP_OVERLAY_JPEG_MARK
            || ps->p[ps->rd.pos + 1]
               != NGX_HTTP_OVERLAY_JPEG_RST0 + ((sc->u1 / sc->ri - 1) & 7))
        {
            ps->why = "restart marker";
            return -1;
        }

        sc->m1 = ps->rd.pos;
        g[sc->nseg - 1].m1 = ps->rd.pos;
    }

    return 0;
}


/*
 * A segment's start (end 0) or end met: the reader's place, the run left,
 * where it began, the predictors; with restarts, the data after the RSTn
 * just read, or that RSTn
 */

static void
ngx_http_overlay_pspl_bound(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_seg_t *g, unsigned end)
{
    if (end) {
        ngx_http_overlay_pspl_mark(ps, &g->at1, 0);
        g->left1 = ps->eobrun;
        g->m1 = ps->rst;
        return;
    }

    ngx_http_overlay_pspl_mark(ps, &g->at0, 0);
    g->left0 = ps->eobrun;
    g->run = ps->run;
    g->run_at = ps->run_at;
    g->run_after = ps->run_after;
    g->m0 = ps->rd.pos;
    memcpy(g->pred, ps->pred, sizeof(ps->pred));
}


/*
 * The segments of the scan: in each of the region's rows of iMCUs (for a
 * component alone in its scan, each of its rows of blocks), the units of
 * the region's columns; with restarts, whole intervals; without, one unit
 * more in a DC first scan, whose difference follows from theirs.
 * Segments that touch are one.
 */

static int
ngx_http_overlay_pspl_plan(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                      v, h, rows, r, r0, r1, x0, x1, a, e,
                                  mcu_w, mcu_h, nb, i;
    jpeg_component_info          *ci;
    ngx_http_overlay_pspl_seg_t  *g;

    if (sc->ncomps == 1) {
        ci = &ps->j->src.comp_info[sc->comp[0]];
        v = (unsigned) ci->v_samp_factor;
        h = (unsigned) ci->h_samp_factor;
        sc->width = ci->width_in_blocks;
        rows = ci->height_in_blocks;

    } else {
        mcu_w = (unsigned) ps->j->src.max_h_samp_factor * DCTSIZE;
        mcu_h = (unsigned) ps->j->src.max_v_samp_factor * DCTSIZE;
        v = 1;
        h = 1;
        sc->width = (ps->j->src.image_width + mcu_w - 1) / mcu_w;
        rows = (ps->j->src.image_height + mcu_h - 1) / mcu_h;
    }

    sc->units = sc->width * rows;

    r0 = ps->y0 * v;
    r1 = ps->y1 * v;
    r0 = r0 < rows ? r0 : rows;
    r1 = r1 < rows ? r1 : rows;
    x0 = ps->x0 * h;
    x1 = ps->x1 * h;
    x0 = x0 < sc->width ? x0 : sc->width;
    x1 = x1 < sc->width ? x1 : sc->width;

    if (ps->nsegs + (r1 - r0) > NGX_HTTP_OVERLAY_PSPL_SEGS && x0 < x1) {
        x0 = 0;
        x1 = sc->width;
    }

    sc->seg = ps->nsegs;
    sc->nseg = 0;
    g = NULL;

    for (r = r0; r < r1 || sc->nseg == 0; r++) {
        a = r * sc->width + x0;
        e = r * sc->width + x1;

        if (r >= r1 || x0 >= x1) {

            /* none: an empty segment, as a bound */

            a = r0 * sc->width;
            e = a;

        } else if (sc->ri != 0) {
            a = a / sc->ri * sc->ri;
            e = (e + sc->ri - 1) / sc->ri * sc->ri;

        } else if (sc->ss == 0 && sc->ah == 0) {
            e++;
        }

        e = e < sc->units ? e : sc->units;

        if (g != NULL && a <= g->e) {
            g->e = e > g->e ? e : g->e;
            continue;
        }

        g = ngx_http_overlay_pspl_seg(ps);

        if (g == NULL) {
            ps->why = "no memory";
            return -1;
        }

        g->a = a;
        g->e = e;
        sc->nseg++;

        if (a == e) {
            break;
        }
    }

    sc->u0 = ps->segs[sc->seg].a;
    sc->u1 = g->e;

    /* the counts, in blocks */

    for (nb = 0, i = 0; i < sc->ncomps; i++) {
        nb += ngx_http_overlay_pspl_blocks(ps, sc, i);
    }

    for (g = &ps->segs[sc->seg]; g < &ps->segs[ps->nsegs]; g++) {
        ngx_http_overlay_pspl_coded += (unsigned long) (g->e - g->a) * nb;
    }

    ngx_http_overlay_pspl_rows += (unsigned long) (r1 - r0) * sc->width * nb;

    return 0;
}


/* a segment more at the end of ps->segs, zeroed: NULL, no memory */

static ngx_http_overlay_pspl_seg_t *
ngx_http_overlay_pspl_seg(ngx_http_overlay_pspl_t *ps)
{
    unsigned                      n;
    ngx_http_overlay_pspl_seg_t  *g;

    if (ps->nsegs == ps->segs_size) {
        n = ps->segs_size ? 2 * ps->segs_size : 64;
        g = realloc(ps->segs, n * sizeof(ngx_http_overlay_pspl_seg_t));

        if (g == NULL) {
            return NULL;
        }

        ps->segs = g;
        ps->segs_size = n;
    }

    g = &ps->segs[ps->nsegs++];
    memset(g, 0, sizeof(ngx_http_overlay_pspl_seg_t));

    return g;
}


/* the scan's decoding tables; refused with a symbol twice in one */

static int
ngx_http_overlay_pspl_tables(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                        i, l, k, n;
    uint32_t                        seen[8];
    ngx_http_overlay_splice_dht_t  *t;

    if (sc->ss == 0 && sc->ah != 0) {
        return 0;
    }

    for (i = 0; i < sc->ncomps; i++) {
        t = &sc->dht[i];

        if (ngx_http_overlay_splice_table(&ps->huff[i], t, sc->ss == 0)
            != 0)
        {
            ps->why = "a Huffman table libjpeg refuses";
            return -1;
        }

        memset(seen, 0, sizeof(seen));

        for (l = 1, n = 0; l <= 16; l++) {
            n += t->bits[l];
        }

        for (k = 0; k < n; k++) {
            if (seen[t->huffval[k] >> 5] & 1u << (t->huffval[k] & 31)) {
                ps->why = "a symbol twice in a Huffman table";
                return -1;
            }

            seen[t->huffval[k] >> 5] |= 1u << (t->huffval[k] & 31);
        }
    }

    return 0;
}


/*
 * The rows of blocks of units from..to-1 zeroed where they were not yet,
 * as libjpeg's arrays are; -1 when a unit lies outside the arrays
 */

static int
ngx_http_overlay_pspl_zero(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, unsigned from, unsigned to)
{
    unsigned              i, c, v, h;
    JDIMENSION            r0, r1, y;
    jpeg_component_info  *ci;

    if (from >= to) {
        return 0;
    }

    for (i = 0; i < sc->ncomps; i++) {
        c = sc->comp[i];
        ci = &ps->j->src.comp_info[c];
        v = (sc->ncomps == 1) ? 1 : (unsigned) ci->v_samp_factor;
        h = (sc->ncomps == 1) ? 1 : (unsigned) ci->h_samp_factor;

        r0 = from / sc->width * v;
        r1 = ((to - 1) / sc->width + 1) * v;

        if (r1 > ps->ah[c] || sc->width * h > ps->aw[c]) {
            ps->why = "a scan larger than its component";
            return -1;
        }

        if (ps->zlo[c] == ps->zhi[c]) {
            ps->zlo[c] = r0;
            ps->zhi[c] = r0;
        }

        for (y = r0; y < ps->zlo[c]; y++) {
            memset(ps->j->rows[c][y], 0, ps->aw[c] * sizeof(JBLOCK));
        }

        for (y = ps->zhi[c]; y < r1; y++) {
            memset(ps->j->rows[c][y], 0, ps->aw[c] * sizeof(JBLOCK));
        }

        ps->zlo[c] = r0 < ps->zlo[c] ? r0 : ps->zlo[c];
        ps->zhi[c] = r1 > ps->zhi[c] ? r1 : ps->zhi[c];
    }

    return 0;
}


/* the reader after the restart marker before unit u0, found by markers */

static int
ngx_http_overlay_pspl_jump(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    size_t                pos;
    unsigned              k, want;
    const unsigned char  *f, *p;

    p = ps->p;
    pos = sc->data;
    want = sc->u0 / sc->ri;

    for (k = 0; k < want; /* void */) {
        f = memchr(p + pos, NGX_HTTP_OVERLAY_JPEG_MARK, sc->end - pos);

        if (f == NULL) {
            ps->why = "fewer restart markers than intervals";
            return -1;
        }

        pos = (size_t) (f - p);

        /* p[end] is a marker's 0xff: the byte after pos is there */

        if (p[pos + 1] == NGX_HTTP_OVERLAY_JPEG_STUFFED) {
            pos += 2;
            continue;
        }

        if (p[pos + 1] != NGX_HTTP_OVERLAY_JPEG_RST0 + (k & 7)) {
            ps->why = "restart marker";
            return -1;
        }

        pos += 2;
        k++;
    }

    ps->rd.pos = pos;
    ps->rd.start = pos;

    return 0;
}


/* the restart marker before unit u read, the decoder's state reset */

static int
ngx_http_overlay_pspl_restart(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, unsigned u)
{
    ngx_http_overlay_splice_reader_t  *rd;

    rd = &ps->rd;

    ngx_http_overlay_splice_fill(rd);

    if (rd->bits >= 8 || rd->pos >= rd->limit
        || rd->p[rd->pos] != NGX_HTTP_OVERLAY_JPEG_MARK
        || rd->p[rd->pos + 1]
           != NGX_HTTP_OVERLAY_JPEG_RST0 + ((u / sc->ri - 1) & 7))
    {
        ps->why = "restart marker";
        return -1;
    }

    ps->rst = rd->pos;
    rd->pos += 2;
    rd->start = rd->pos;
    rd->acc = 0;
    rd->bits = 0;
    ps->eobrun = 0;
    memset(ps->pred, 0, sizeof(ps->pred));

    return 0;
}


/* the reader's place, back bits before its next bit */

static void
ngx_http_overlay_pspl_mark(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_mark_t *m, int back)
{
    m->pos = ps->rd.pos;
    m->start = ps->rd.start;
    m->bits = ps->rd.bits + back;
}


/* T.81 G.1.2.1: a DC first or refinement scan's bits of a block */

static int
ngx_http_overlay_pspl_dc(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned i, short *block)
{
    int  s, v;

    if (sc->ah != 0) {
        v = ngx_http_overlay_splice_bits(&ps->rd, 1);

        if (v < 0) {
            return -1;
        }

        if (v) {
            block[0] = (short) (block[0] | 1 << sc->al);
        }

        return 0;
    }

    s = ngx_http_overlay_splice_symbol(&ps->rd, &ps->huff[i]);

    if (s < 0 || s > 11) {
        return -1;
    }

    if (s != 0) {
        v = ngx_http_overlay_splice_bits(&ps->rd, s);

        if (v < 0) {
            return -1;
        }

        ps->pred[i] += ngx_http_overlay_splice_extend(v, s);
    }

    /* a DC of 8-bit samples has 11 bits */

    if (ps->pred[i] < -2048 || ps->pred[i] > 2047
        || ((ps->pred[i] < 0 ? -ps->pred[i] : ps->pred[i]) << sc->al) > 2047)
    {
        return -1;
    }

    block[0] = (short) (ps->pred[i] * (1 << sc->al));

    return 0;
}


/* T.81 G.1.2.2: an AC first scan's band of a block */

static int
ngx_http_overlay_pspl_ac_first(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned u, short *block)
{
    int       s, v, r;
    unsigned  k;

    if (ps->eobrun > 0) {
        ps->eobrun--;
        return 0;
    }

    for (k = sc->ss; k <= sc->se; k++) {
        s = ngx_http_overlay_splice_symbol(&ps->rd, &ps->huff[0]);

        if (s < 0) {
            return -1;
        }

        r = s >> 4;
        s &= 15;

        if (s != 0) {
            k += (unsigned) r;
            v = ngx_http_overlay_splice_bits(&ps->rd, s);

            /* within the band, and within 11 bits once shifted */

            if (k > sc->se || v < 0 || s + (int) sc->al > 10) {
                return -1;
            }

            block[ngx_http_overlay_splice_zigzag[k]] =
                (short) (ngx_http_overlay_splice_extend(v, s)
                         * (1 << sc->al));
            continue;
        }

        if (r == 15) {
            k += 15;
            continue;
        }

        if (ngx_http_overlay_pspl_eob(ps, u, r) != 0) {
            return -1;
        }

        ps->eobrun--;
        break;
    }

    return 0;
}


/*
 * T.81 G.1.2.3: an AC refinement scan's band of a block: new coefficients
 * of one bit, and a correction bit for each that was not zero
 */

static int
ngx_http_overlay_pspl_ac_refine(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned u, short *block)
{
    int       s, r, b, p1, m1;
    short    *coef;
    unsigned  k;
    uint64_t  nz;

    p1 = 1 << sc->al;
    m1 = -p1;
    k = sc->ss;

    if (ps->eobrun == 0) {
        for ( /* void */ ; k <= sc->se; k++) {
            s = ngx_http_overlay_splice_symbol(&ps->rd, &ps->huff[0]);

            if (s < 0) {
                return -1;
            }

            r = s >> 4;
            s &= 15;

            if (s != 0) {
                b = ngx_http_overlay_splice_bits(&ps->rd, 1);

                if (s != 1 || b < 0) {
                    return -1;
                }

                s = b ? p1 : m1;

            } else if (r != 15) {
                if (ngx_http_overlay_pspl_eob(ps, u, r) != 0) {
                    return -1;
                }

                break;
            }

            /* past the non-zero ones, their correction bits, r zeros */

            do {
                coef = &block[ngx_http_overlay_splice_zigzag[k]];

                if (*coef != 0) {
                    if (ngx_http_overlay_pspl_correct(ps, coef, p1) != 0) {
                        return -1;
                    }

                } else if (--r < 0) {
                    break;
                }

                k++;

            } while (k <= sc->se);

            if (s != 0) {
                if (k > sc->se) {
                    return -1;
                }

                block[ngx_http_overlay_splice_zigzag[k]] = (short) s;
            }
        }
    }

    if (ps->eobrun > 0) {

        /* the ones not zero from k to se, by a mask (most are zero) */

        nz = (k < DCTSIZE2)
             ? ngx_http_overlay_prog_nonzero(&ps->cd, block) & ~0ull << k
               & ~0ull >> (DCTSIZE2 - 1 - sc->se)
             : 0;

        for ( /* void */ ; nz != 0; nz &= nz - 1) {
            coef = &block[ngx_http_overlay_splice_zigzag[__builtin_ctzll(nz)]];

            if (ngx_http_overlay_pspl_correct(ps, coef, p1) != 0) {
                return -1;
            }
        }

        ps->eobrun--;
    }

    return 0;
}


/* a correction bit of a coefficient not zero: its bit p1 set if 1 */

static int
ngx_http_overlay_pspl_correct(ngx_http_overlay_pspl_t *ps, short *coef,
    int p1)
{
    int  b;

    b = ngx_http_overlay_splice_bits(&ps->rd, 1);

    if (b < 0) {
        return -1;
    }

    if (b && (*coef & p1) == 0) {
        *coef = (short) (*coef + (*coef >= 0 ? p1 : -p1));
    }

    return 0;
}


/*
 * An end of band run of symbol EOBr, read: its length, and where it was
 * (its code's length is its table's: no symbol is there twice)
 */

static int
ngx_http_overlay_pspl_eob(ngx_http_overlay_pspl_t *ps, unsigned u, int r)
{
    int  v, l;

    l = ps->huff[0].size[r << 4];
    ps->eobrun = 1u << r;
    v = 0;

    if (r != 0) {
        v = ngx_http_overlay_splice_bits(&ps->rd, r);

        if (v < 0) {
            return -1;
        }

        ps->eobrun += (unsigned) v;
    }

    ps->run = u;
    ngx_http_overlay_pspl_mark(ps, &ps->run_after, 0);
    ngx_http_overlay_pspl_mark(ps, &ps->run_at, l + r);

    return 0;
}


unsigned
ngx_http_overlay_pspl_blocks(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned i)
{
    jpeg_component_info  *ci;

    if (sc->ncomps == 1) {
        return 1;
    }

    ci = &ps->j->src.comp_info[sc->comp[i]];

    return (unsigned) (ci->h_samp_factor * ci->v_samp_factor);
}


short *
ngx_http_overlay_pspl_block(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned u, unsigned i,
    unsigned n)
{
    unsigned              c, h, v;
    jpeg_component_info  *ci;

    c = sc->comp[i];

    if (sc->ncomps == 1) {
        return (short *) ps->j->rows[c][u / sc->width][u % sc->width];
    }

    ci = &ps->j->src.comp_info[c];
    h = (unsigned) ci->h_samp_factor;
    v = (unsigned) ci->v_samp_factor;

    return (short *) ps->j->rows[c][u / sc->width * v + n / h]
                                   [u % sc->width * h + n % h];
}


/*
 * A first scan decoded from u1 to its end (no block kept: a first scan
 * needs no earlier one), so that where its data ends is known to the bit
 * (sc->fin): 0, or -1 with ps->why
 */

int
ngx_http_overlay_pspl_finish(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                           u, i, n, nb;
    ngx_http_overlay_splice_pos_t      at;
    ngx_http_overlay_splice_reader_t  *rd;

    rd = &ps->rd;

    /* the reader at u1 again, from the byte of its bit */

    rd->p = ps->p;
    rd->pos = sc->at1.pos;
    rd->start = sc->at1.start;
    rd->bits = sc->at1.bits;
    ngx_http_overlay_splice_where(rd, &at);

    rd->pos = at.byte;
    rd->limit = sc->end;
    rd->acc = 0;
    rd->bits = 0;

    if (at.bit != 0 && ngx_http_overlay_splice_bits(rd, (int) at.bit) < 0) {
        ps->why = "the data ended";
        return -1;
    }

    ps->eobrun = sc->left1;
    memcpy(ps->pred, sc->pred1, sizeof(ps->pred));

    for (u = sc->u1; u < sc->units; u++) {
        if (sc->ss != 0) {
            memset(ps->scratch, 0, sizeof(ps->scratch));

            if (ngx_http_overlay_pspl_ac_first(ps, sc, u, ps->scratch) != 0)
            {
                ps->why = "a code no table has, or the data ended";
                return -1;
            }

            continue;
        }

        for (i = 0; i < sc->ncomps; i++) {
            nb = ngx_http_overlay_pspl_blocks(ps, sc, i);

            for (n = 0; n < nb; n++) {
                if (ngx_http_overlay_pspl_dc(ps, sc, i, ps->scratch) != 0) {
                    ps->why = "a code no table has, or the data ended";
                    return -1;
                }
            }
        }
    }

    ngx_http_overlay_splice_fill(rd);

    if (rd->bits >= 8 || rd->pos != rd->limit) {
        ps->why = "data after the scan's last unit";
        return -1;
    }

    ngx_http_overlay_pspl_mark(ps, &sc->fin, 0);
    sc->fin_known = 1;

    return 0;
}
