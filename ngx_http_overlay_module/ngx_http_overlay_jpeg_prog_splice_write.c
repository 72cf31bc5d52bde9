
/*
 * ngx_http_overlay_module: the progressive splice's output, pass 2 (see
 * ngx_http_overlay_jpeg_prog_splice.c): per scan, the source's bits before
 * the first segment, each segment coded again, the source's bits between
 * segments and after the last, shifted.
 *
 * A scan is tried again as need be (ngx_http_overlay_pspl_tries()): with
 * its tables extended by the symbols they lack, where they have room; then
 * with the region's blocks fitted to the tables; then, where the output's
 * end of the scan could not be padded exactly as the source's was (its
 * bits shifted by d, and the source's last byte ending in d or more ones,
 * padding or data: a byte of padding of its own would follow, which
 * decoders take for data before the marker), with an end of band run
 * ended early at up to NGX_HTTP_OVERLAY_PSPL_TRIES places, or one
 * coefficient of 1 (at the scan's precision) dropped from one of the
 * region's blocks, until the output's length suits.  What the fit and the
 * drops cost the region is bounded (40 dB PSNR); past that, or past the
 * tries, the splice declines.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_prog_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


static int ngx_http_overlay_pspl_tries(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, size_t mark);
static int ngx_http_overlay_pspl_scan(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static int ngx_http_overlay_pspl_units(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static void ngx_http_overlay_pspl_gap(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc,
    const ngx_http_overlay_pspl_seg_t *prev,
    const ngx_http_overlay_pspl_seg_t *g);
static int ngx_http_overlay_pspl_tail(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static void ngx_http_overlay_pspl_run(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned n);
static void ngx_http_overlay_pspl_weigh(ngx_http_overlay_pspl_t *ps,
    unsigned c);
static unsigned ngx_http_overlay_pspl_left(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
static void ngx_http_overlay_pspl_bits(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_mark_t *from,
    const ngx_http_overlay_pspl_mark_t *to);
static void ngx_http_overlay_pspl_where(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_mark_t *m, ngx_http_overlay_splice_pos_t *at);
static int ngx_http_overlay_pspl_bytes(ngx_http_overlay_pspl_t *ps,
    size_t from, size_t to);


/*
 * Pass 2: the source's bytes between scans as they are, each scan's
 * header after a DHT of the tables it extends, its data spliced
 */

int
ngx_http_overlay_pspl_write(ngx_http_overlay_pspl_t *ps)
{
    size_t                         from, mark;
    unsigned                       s;
    ngx_http_overlay_pspl_scan_t  *sc;


    ps->size = ps->len + ps->len / 4 + 65536;
    ps->out = malloc(ps->size);

    if (ps->out == NULL) {
        return -1;
    }

    ps->cd.w.o = ps->out;
    from = 0;

    for (s = 0; s < ps->nscans; s++) {
        sc = &ps->scan[s];

        if (ngx_http_overlay_pspl_bytes(ps, from, sc->sos) != 0) {
            return -1;
        }

        mark = (size_t) (ps->cd.w.o - ps->out);

        if (ngx_http_overlay_pspl_tries(ps, sc, mark) != 0) {
            return -1;
        }

        from = sc->end;
    }

    return ngx_http_overlay_pspl_bytes(ps, from, ps->len);
}


/*
 * A scan written from mark, tried again as need be: with its tables
 * extended by the symbols they lack, where they have room; with the
 * region's blocks fitted to the tables; with a run ended early, so that
 * the output's padding is known (up to NGX_HTTP_OVERLAY_PSPL_TRIES
 * places, spread over the band)
 */

static int
ngx_http_overlay_pspl_tries(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, size_t mark)
{
    int                           rc;
    JCOEF                         value, *dropped;
    unsigned                      tries, ncand, n, drops, ndrop;
    ngx_http_overlay_pspl_seg_t  *g;

    ps->fitting = 0;
    ps->finish = 0;
    ps->ck_valid = 0;

    /*
     * the tries' units: the last two segments, or the last one's last two
     * rows (of its units)
     */

    g = &ps->segs[sc->seg];
    ps->ck_seg = sc->nseg - 1;

    if (g[ps->ck_seg].e - g[ps->ck_seg].a > 2 * sc->width) {
        ps->ck = g[ps->ck_seg].e - 2 * sc->width;

    } else {
        ps->ck_seg = (sc->nseg > 1) ? sc->nseg - 2 : 0;
        ps->ck = g[ps->ck_seg].a;
    }

    ps->split = (unsigned) -1;
    ps->nsplit = 0;
    tries = 0;
    ncand = 0;
    drops = 0;
    ndrop = 0;
    dropped = NULL;
    value = 0;

    for ( ;; ) {
        ps->cd.w.o = ps->out + mark;

        rc = ngx_http_overlay_pspl_scan(ps, sc);
        ncand = ps->ncand;

        switch (rc) {

        case 0:
            if (ngx_http_overlay_pspl_grown(ps, sc) != 0) {
                return -1;
            }

            if (dropped != NULL) {
                ngx_http_overlay_prog_cost(&ps->cd, ps->dropz[drops - 1],
                                           value);
            }

            if (ps->cd.sse > ps->budget) {
                ps->why = "the fit costs too much";
                return -1;
            }

            return 0;

        case 1:
            if (ngx_http_overlay_pspl_extend(ps, sc)) {
                continue;
            }

            if (!ps->fitting) {
                ps->fitting = 1;
                continue;
            }

            if (ps->split == (unsigned) -1) {
                ps->why = "a symbol no table has room for";
                return -1;
            }

            /* a run ended early needs a symbol the table lacks */

            /* fall through */

        case 2:

            /*
             * a run ended before 1 to 8 units in a row from a place: each
             * place tried with every count, the places spread over the
             * band; then a coefficient of 1 dropped from one of the
             * region's blocks (at the scan's precision: a change a
             * quantizer could make), each tried alone
             */

            if (dropped != NULL) {
                *dropped = value;
                dropped = NULL;
            }

            if (tries < NGX_HTTP_OVERLAY_PSPL_TRIES && tries / 8 < ncand) {
                n = ncand < NGX_HTTP_OVERLAY_PSPL_TRIES / 8
                    ? ncand : NGX_HTTP_OVERLAY_PSPL_TRIES / 8;
                ps->split = ps->cand[tries / 8 * ncand / n];
                ps->nsplit = tries % 8 + 1;
                tries++;
                continue;
            }

            if (drops == 0) {
                ps->split = (unsigned) -1;
                ps->nsplit = 0;
                ndrop = ps->ndrop;
            }

            if (drops < ndrop) {
                ps->split = (unsigned) -2;
                dropped = ps->drop[drops++];
                value = *dropped;
                *dropped = 0;
                continue;
            }

            if (!ps->finish && sc->ah == 0) {
                ps->finish = 1;
                ps->split = (unsigned) -1;
                ps->nsplit = 0;
                continue;
            }

            return -1;

        default:
            return -1;
        }
    }
}


/*
 * A scan: its DHT if extended, its header, its data: 0; 1, a symbol the
 * tables lack; 2, the output's padding unknown; -1, declined
 */

static int
ngx_http_overlay_pspl_scan(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    int                            rc;
    ngx_http_overlay_splice_pos_t  at;

    /* a try: from the state kept at unit ps->ck, the scan as before it */

    if (ps->split != (unsigned) -1 && ps->ck_valid) {
        ngx_http_overlay_prog_coder_copy(&ps->cd, &ps->ck_cd);
        memcpy(ps->grow, ps->ck_grow, sizeof(ps->grow));
        ps->cd.w.o = ps->out + ps->ck_off;

        goto units;
    }

    if (sc->extended != 0) {
        ngx_http_overlay_pspl_dhts(ps, sc);
    }

    ps->sos = (size_t) (ps->cd.w.o - ps->out);

    if (ngx_http_overlay_pspl_bytes(ps, sc->sos, sc->data) != 0
        || ngx_http_overlay_pspl_codes(ps, sc) != 0)
    {
        return -1;
    }

    ngx_http_overlay_prog_coder_scan(&ps->cd, sc->ss, sc->se, sc->ah,
                                     sc->al);
    ngx_http_overlay_pspl_weigh(ps, sc->comp[0]);
    ps->cd.missing = 0;
    ps->cd.split = 1;
    memset(ps->cd.need, 0, sizeof(ps->cd.need));

    /* the source up to the band */

    if (sc->ri != 0) {
        if (ngx_http_overlay_pspl_bytes(ps, sc->data, sc->m0) != 0) {
            return -1;
        }

    } else {
        if (ngx_http_overlay_pspl_reserve(ps,
                2 * (sc->at0.pos - sc->data) + 64) != 0)
        {
            return -1;
        }

        if (sc->left0 != 0) {

            /* a run from before the band: its part before it */

            ngx_http_overlay_pspl_where(ps, &sc->run_at, &at);
            ngx_http_overlay_splice_verbatim(ps->p, &ps->cd.w, sc->data, &at);

            ngx_http_overlay_pspl_run(ps, sc, sc->u0 - sc->run);

            ngx_http_overlay_pspl_bits(ps, &sc->run_after, &sc->at0);

        } else {
            ngx_http_overlay_pspl_where(ps, &sc->at0, &at);
            ngx_http_overlay_splice_verbatim(ps->p, &ps->cd.w, sc->data, &at);
        }

        memcpy(ps->cd.pred, sc->pred, sizeof(sc->pred));
    }

units:

    if (ngx_http_overlay_pspl_units(ps, sc) != 0) {
        return -1;
    }

    if (ps->cd.missing) {
        return 1;
    }

    rc = ngx_http_overlay_pspl_tail(ps, sc);

    return ps->cd.missing ? 1 : rc;
}


/*
 * The segments' units coded from their blocks, the source's bits between
 * them; a try from the state kept at unit ps->ck
 */

static int
ngx_http_overlay_pspl_units(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                        u, i, n, nb, c, h, v, bx, by, run, k,
                                    z, s;
    JCOEFPTR                        block;
    jpeg_component_info            *ci;
    ngx_http_overlay_pspl_seg_t    *g;
    ngx_http_overlay_prog_coder_t  *cd;

    cd = &ps->cd;
    g = &ps->segs[sc->seg];
    s = 0;
    u = g[0].a;

    if (ps->split == (unsigned) -1) {
        ps->ncand = 0;
        ps->ndrop = 0;
        ps->ck_valid = 0;

    } else if (ps->ck_valid) {
        s = ps->ck_seg;
        u = ps->ck;
    }

    for ( /* void */ ; s < sc->nseg; s++, u = (s < sc->nseg) ? g[s].a : 0) {

        /*
         * The tries change only units from ps->ck on: the state there
         * kept, they begin from it (at a segment's start, before the
         * source's bits up to it)
         */

        if (s == ps->ck_seg && u == ps->ck && ps->split == (unsigned) -1)
        {
            ngx_http_overlay_prog_coder_copy(&ps->ck_cd, cd);
            memcpy(ps->ck_grow, ps->grow, sizeof(ps->grow));
            ps->ck_off = (size_t) (cd->w.o - ps->out);
            ps->ck_valid = 1;
        }

        if (s != 0 && u == g[s].a) {
            if (ngx_http_overlay_pspl_reserve(ps,
                    (sc->ri ? g[s].m0 - g[s - 1].m1
                            : 2 * (g[s].at0.pos - g[s - 1].at1.pos))
                    + 2 * NGX_HTTP_OVERLAY_PROG_ROOM)
                != 0)
            {
                return -1;
            }

            ngx_http_overlay_pspl_gap(ps, sc, &g[s - 1], &g[s]);
        }

        for ( /* void */ ; u < g[s].e; u++) {

            if (u == ps->ck && s == ps->ck_seg && u != g[s].a
                && ps->split == (unsigned) -1)
            {
                ngx_http_overlay_prog_coder_copy(&ps->ck_cd, cd);
                memcpy(ps->ck_grow, ps->grow, sizeof(ps->grow));
                ps->ck_off = (size_t) (cd->w.o - ps->out);
                ps->ck_valid = 1;
            }

            run = cd->eobrun;

            if (run != 0 && u >= ps->split && u < ps->split + ps->nsplit) {
                ngx_http_overlay_prog_eobrun(cd);
            }

            if (ngx_http_overlay_pspl_reserve(ps,
                    NGX_HTTP_OVERLAY_PROG_ROOM
                    * (NGX_HTTP_OVERLAY_SPLICE_BLOCKS + 2))
                != 0)
            {
                return -1;
            }

            if (sc->ri != 0 && u != g[s].a && u % sc->ri == 0) {
                ngx_http_overlay_prog_eobrun(cd);
                ngx_http_overlay_splice_pad(&cd->w);

                *cd->w.o++ = NGX_HTTP_OVERLAY_JPEG_MARK;
                *cd->w.o++ = (unsigned char) (NGX_HTTP_OVERLAY_JPEG_RST0
                                              + ((u / sc->ri - 1) & 7));

                memset(cd->pred, 0, sizeof(cd->pred));
            }

            for (i = 0; i < sc->ncomps; i++) {
                nb = ngx_http_overlay_pspl_blocks(ps, sc, i);
                c = sc->comp[i];
                ci = &ps->j->src.comp_info[c];
                h = (sc->ncomps == 1) ? 1 : (unsigned) ci->h_samp_factor;
                v = (sc->ncomps == 1) ? 1 : (unsigned) ci->v_samp_factor;

                for (n = 0; n < nb; n++) {
                    bx = u % sc->width * h + n % h;
                    by = u / sc->width * v + n / h;

                    block = (JCOEFPTR) ngx_http_overlay_pspl_block(ps, sc, u,
                                                                    i, n);

                    cd->fit = bx >= ps->rx0[c] && bx < ps->rx1[c]
                              && by >= ps->ry0[c] && by < ps->ry1[c];

                    if (cd->fit && sc->ss != 0 && ps->split == (unsigned) -1
                        && u >= ps->ck
                        && ps->ndrop < NGX_HTTP_OVERLAY_PSPL_CANDS)
                    {
                        for (k = sc->se; k >= sc->ss; k--) {
                            z = ngx_http_overlay_splice_zigzag[k];

                            if ((block[z] < 0 ? -block[z] : block[z])
                                >> sc->al == 1)
                            {
                                ps->dropz[ps->ndrop] = (unsigned char) z;
                                ps->drop[ps->ndrop++] = &block[z];
                                break;
                            }
                        }
                    }

                    cd->fit = cd->fit && ps->fitting;

                    if (ngx_http_overlay_prog_block(cd, i, block) != 0) {
                        return -1;
                    }
                }
            }

            /* a unit within a run: one may end before it */

            if (run != 0 && cd->eobrun == run + 1
                && ps->split == (unsigned) -1 && u > ps->ck
                && ps->ncand < NGX_HTTP_OVERLAY_PSPL_CANDS)
            {
                ps->cand[ps->ncand++] = u;
            }
        }

        /* a segment's end: its run ended, the source's run goes on */

        if (ngx_http_overlay_pspl_reserve(ps, NGX_HTTP_OVERLAY_PROG_ROOM)
            != 0)
        {
            return -1;
        }

        ngx_http_overlay_prog_eobrun(cd);
    }

    return 0;
}


/*
 * Between segments prev and g: with restarts, the source's bytes from
 * prev's end's RSTn to g's data; without, the source's bits, where a run
 * that crosses prev's end is cut there (a new EOBn for its blocks after
 * it, whose correction bits, in a refinement scan, follow in the source),
 * one that crosses g's start too (a new EOBn for its blocks before it,
 * then their correction bits as they were), and one that crosses both is
 * one run of the blocks between them.  The room is the caller's.
 */

static void
ngx_http_overlay_pspl_gap(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc,
    const ngx_http_overlay_pspl_seg_t *prev,
    const ngx_http_overlay_pspl_seg_t *g)
{
    unsigned  gap;

    memcpy(ps->cd.pred, g->pred, sizeof(ps->cd.pred));

    if (sc->ri != 0) {
        ngx_http_overlay_splice_pad(&ps->cd.w);
        memcpy(ps->cd.w.o, ps->p + prev->m1, g->m0 - prev->m1);
        ps->cd.w.o += g->m0 - prev->m1;
        return;
    }

    gap = g->a - prev->e;

    if (prev->left1 > gap) {
        ngx_http_overlay_pspl_run(ps, sc, gap);
        ngx_http_overlay_pspl_bits(ps, &prev->at1, &g->at0);
        return;
    }

    if (prev->left1 != 0) {
        ngx_http_overlay_pspl_run(ps, sc, prev->left1);
    }

    if (g->left0 == 0) {
        ngx_http_overlay_pspl_bits(ps, &prev->at1, &g->at0);
        return;
    }

    ngx_http_overlay_pspl_bits(ps, &prev->at1, &g->run_at);
    ngx_http_overlay_pspl_run(ps, sc, g->a - g->run);
    ngx_http_overlay_pspl_bits(ps, &g->run_after, &g->at0);
}


/*
 * The scan after the band: the source's bytes from the restart marker
 * after it; or a run that crosses its end, then the source's bits
 * shifted up to the data's end, padded with ones as the source's were
 */

static int
ngx_http_overlay_pspl_tail(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                        t, d;
    ngx_http_overlay_pspl_mark_t    end;
    ngx_http_overlay_prog_coder_t  *cd;

    cd = &ps->cd;

    if (sc->u1 == sc->units) {
        ngx_http_overlay_splice_pad(&cd->w);
        return 0;
    }

    if (sc->ri != 0) {
        ngx_http_overlay_splice_pad(&cd->w);
        return ngx_http_overlay_pspl_bytes(ps, sc->m1, sc->end);
    }

    if (sc->left1 != 0) {
        ngx_http_overlay_pspl_run(ps, sc, sc->left1);
    }

    /*
     * The source's data ended in t ones, padding or not: where the
     * output's end is d bits into a byte and t >= d, its padding could
     * make a byte of its own, which decoders take for data before the
     * marker
     */

    end.pos = sc->end;
    end.start = sc->data;
    end.bits = 0;

    d = (unsigned) (cd->w.nb + ngx_http_overlay_pspl_left(ps, sc)) & 7;

    t = (sc->end >= sc->data + 2
         && ps->p[sc->end - 1] == NGX_HTTP_OVERLAY_JPEG_STUFFED
         && ps->p[sc->end - 2] == NGX_HTTP_OVERLAY_JPEG_MARK)
        ? 8
        : (unsigned) __builtin_ctz(~(unsigned) ps->p[sc->end - 1] | 0x100);

    if (d != 0 && t >= d) {

        /*
         * A first scan decoded to its end, once, so that its end is
         * known to the bit: a DC first scan at once (a bit or two a
         * block), an AC first scan when the tries did not help
         */

        if (sc->ah != 0 || (sc->ss != 0 && !ps->finish)) {
            ps->why = "the scan's padding cannot be told";
            return 2;
        }

        if (!sc->fin_known && ngx_http_overlay_pspl_finish(ps, sc) != 0) {
            return -1;
        }

        end = sc->fin;
    }

    if (ngx_http_overlay_pspl_reserve(ps, 2 * (sc->end - sc->at1.pos) + 64)
        != 0)
    {
        return -1;
    }

    ngx_http_overlay_pspl_bits(ps, &sc->at1, &end);
    ngx_http_overlay_splice_pad(&cd->w);

    return 0;
}


/*
 * The fit's weights for component c: the mean squared error of R, G and
 * B is that of Y, plus 1.086 times Cb's and 0.825 times Cr's; a third of
 * each of R, G, B's
 */

static void
ngx_http_overlay_pspl_weigh(ngx_http_overlay_pspl_t *ps, unsigned c)
{
    int                             q;
    struct jpeg_decompress_struct  *d;

    d = &ps->j->src;
    q = d->comp_info[c].quant_tbl_no;

    ps->cd.quant = (q >= 0 && q < NUM_QUANT_TBLS
                    && d->quant_tbl_ptrs[q] != NULL)
                   ? d->quant_tbl_ptrs[q]->quantval : NULL;

    ps->cd.weight = (d->jpeg_color_space == JCS_RGB) ? 341
                    : (d->jpeg_color_space == JCS_YCbCr && c == 1) ? 1112
                    : (d->jpeg_color_space == JCS_YCbCr && c == 2) ? 845
                    : 1024;
}


/* the source's data bits from u1 to the end of the scan's data, mod 8 */

static unsigned
ngx_http_overlay_pspl_left(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    size_t                          pos, n;
    const unsigned char            *f;
    ngx_http_overlay_splice_pos_t   at;

    if (sc->left_known) {
        return sc->left;
    }

    ngx_http_overlay_pspl_where(ps, &sc->at1, &at);

    /* the stuffed zeros are no data; the scan has no other marker */

    n = 0;

    for (pos = at.byte; pos < sc->end; pos = (size_t) (f - ps->p) + 2) {
        f = memchr(ps->p + pos, NGX_HTTP_OVERLAY_JPEG_MARK, sc->end - pos);

        if (f == NULL) {
            break;
        }

        n++;
    }

    sc->left = (unsigned) ((8 * (sc->end - at.byte - n) - at.bit) & 7);
    sc->left_known = 1;

    return sc->left;
}


/*
 * A run of n blocks of the source's, cut at the band's edge: their
 * correction bits, in a refinement scan, are the source's, after it, so
 * that it is one run (a symbol the table lacks is to be added)
 */

static void
ngx_http_overlay_pspl_run(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned n)
{
    ps->cd.eobrun = n;
    ps->cd.be = 0;
    ps->cd.split = (sc->ah == 0);

    ngx_http_overlay_prog_eobrun(&ps->cd);

    ps->cd.split = 1;
}


/* the source's data bits between two marks, shifted as the writer is */

static void
ngx_http_overlay_pspl_bits(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_mark_t *from,
    const ngx_http_overlay_pspl_mark_t *to)
{
    ngx_http_overlay_splice_pos_t  a, b;

    ngx_http_overlay_pspl_where(ps, from, &a);
    ngx_http_overlay_pspl_where(ps, to, &b);

    ngx_http_overlay_splice_copy(ps->p, &ps->cd.w, &a, &b);
}


static void
ngx_http_overlay_pspl_where(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_mark_t *m, ngx_http_overlay_splice_pos_t *at)
{
    ngx_http_overlay_splice_reader_t  rd;

    rd.p = ps->p;
    rd.pos = m->pos;
    rd.start = m->start;
    rd.bits = m->bits;

    ngx_http_overlay_splice_where(&rd, at);
}


/* room for n more bytes after the writer's */

int
ngx_http_overlay_pspl_reserve(ngx_http_overlay_pspl_t *ps, size_t n)
{
    return ngx_http_overlay_prog_room(&ps->out, &ps->size, &ps->cd.w, n);
}


/* the source's bytes from..to-1, with room for a DHT after them */

static int
ngx_http_overlay_pspl_bytes(ngx_http_overlay_pspl_t *ps, size_t from,
    size_t to)
{
    if (ngx_http_overlay_pspl_reserve(ps, to - from + 4 + 4 * 273) != 0) {
        return -1;
    }

    memcpy(ps->cd.w.o, ps->p + from, to - from);
    ps->cd.w.o += to - from;

    return 0;
}
