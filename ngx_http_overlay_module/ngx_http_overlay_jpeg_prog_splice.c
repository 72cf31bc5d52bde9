
/*
 * ngx_http_overlay_module: the progressive splice.  A progressive
 * Huffman-coded JPEG changed scan by scan in its entropy-coded data, only
 * the overlay's iMCUs coded again: in each row of a scan's units (MCUs,
 * or a lone component's blocks) under the overlay, a segment of the units
 * of its columns; the rest of every scan is the source's bits, shifted.
 *
 * Pass 1, in the source's order: the segments between scans are read
 * (DHT, DRI; APPn and COM passed over), and each scan is decoded only as
 * far as its last segment's end
 * (ngx_http_overlay_jpeg_prog_splice_decode.c), the coefficients
 * accumulating over the scans; where each segment begins and ends in each
 * scan is kept, with the end of band run that crosses its edges.  The
 * region's pixels are then decoded from its blocks, drawn on, and its
 * blocks replaced, as the sequential splice does
 * (ngx_http_overlay_jpeg_region()).
 *
 * Pass 2, per scan (ngx_http_overlay_jpeg_prog_splice_write.c): the
 * source's bits before the first segment as they are, each segment coded
 * again from its blocks (ngx_http_overlay_jpeg_prog_code.c), the source's
 * bits between segments and after the last copied shifted, stuffed bytes
 * undone and done again.  A run that crosses a segment's start is cut
 * there (a new EOBn for its blocks before the segment, then their
 * correction bits as they were); one that crosses its end goes on with a
 * new EOBn for the blocks left, whose correction bits follow in the
 * source as they must; one that crosses a whole gap is a run of the gap's
 * blocks.  A DC first scan codes one unit more after each segment: the
 * difference after it.  With restart intervals, segments are whole
 * intervals: the source is copied as bytes up to the first one's marker,
 * between segments and from the last one's end.
 *
 * A symbol a table lacks is added to it at 16 bits, after every code the
 * source has, so that the source's bits decode as before; a DHT of the
 * extended table goes before the scan.  Where a table has no room, the
 * region's blocks are fitted to it, within a budget of error.  Where that
 * cannot be done, or the output's end of a scan cannot be padded exactly
 * as the source's, or anything in the stream is unexpected, the splice
 * declines before any output is handed over, and the codec writes the
 * progressive JPEG again (ngx_http_overlay_jpeg_prog.c).  What lies
 * after the last segment is not decoded, so is not checked: corrupt data
 * there is served as corrupt as it came, as the original would be.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_jpeg_prog_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


static int ngx_http_overlay_pspl_walk(ngx_http_overlay_pspl_t *ps);
static int ngx_http_overlay_pspl_dht(ngx_http_overlay_pspl_t *ps,
    const unsigned char *seg, size_t n);
static int ngx_http_overlay_pspl_sos(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, const unsigned char *seg, size_t n);


/*
 * The region r (whole iMCUs) changed in the scans of j->src (progressive,
 * Huffman-coded, its header read, in the caller's setjmp frame): 1 with
 * *rc, j->dest the output; 0, declined, j as it was; -1, declined, j to
 * be made anew.
 */

int
ngx_http_overlay_jpeg_prog_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err)
{
    int                       c;
    unsigned                  mcu_w, mcu_h, v, h;
    JDIMENSION                y, y1;
    jvirt_barray_ptr          coefs[MAX_COMPONENTS];
    ngx_http_overlay_pspl_t  *ps;

    if (j->src.num_components > MAX_COMPS_IN_SCAN || len < 4
        || p[0] != NGX_HTTP_OVERLAY_JPEG_MARK
        || p[1] != NGX_HTTP_OVERLAY_JPEG_SOI || r->w <= 0 || r->h <= 0)
    {
        return 0;
    }

    *rc = ngx_http_overlay_jpeg_zero_quant(j, err);
    if (*rc != NGX_HTTP_OVERLAY_OK) {
        return 1;
    }

    /* in j, to be freed with it should libjpeg longjmp out below */

    ps = calloc(1, sizeof(ngx_http_overlay_pspl_t));
    if (ps == NULL) {
        return 0;
    }

    j->prog_splice = ps;
    ps->j = j;
    ngx_http_overlay_pspl_coded = 0;
    ngx_http_overlay_pspl_rows = 0;
    ps->p = p;
    ps->len = len;

    /*
     * the fit's and the drops' budget: the region's pixels within 40 dB
     * (PSNR) of the blocks wanted
     */

    ps->budget = 255.0 * 255.0 / 10000.0 * r->w * r->h;

    mcu_h = (unsigned) j->src.max_v_samp_factor * DCTSIZE;
    ps->y0 = (unsigned) r->y / mcu_h;
    ps->y1 = ((unsigned) (r->y + r->h) + mcu_h - 1) / mcu_h;

    if (ngx_http_overlay_jpeg_arrays(j, coefs, ps->aw, ps->ah) != 0) {
        ngx_http_overlay_jpeg_prog_splice_free(j);
        return 0;
    }

    /* the region's rows, which the cut reads whole */

    mcu_w = (unsigned) j->src.max_h_samp_factor * DCTSIZE;
    ps->x0 = (unsigned) r->x / mcu_w;
    ps->x1 = ((unsigned) (r->x + r->w) + mcu_w - 1) / mcu_w;

    for (c = 0; c < j->src.num_components; c++) {
        v = (unsigned) j->src.comp_info[c].v_samp_factor;
        h = (unsigned) j->src.comp_info[c].h_samp_factor;

        ps->rx0[c] = (unsigned) r->x / mcu_w * h;
        ps->rx1[c] = ((unsigned) (r->x + r->w) + mcu_w - 1) / mcu_w * h;
        ps->ry0[c] = ps->y0 * v;
        ps->ry1[c] = ps->y1 * v;

        y1 = ps->y1 * v < ps->ah[c] ? ps->y1 * v : ps->ah[c];

        for (y = ps->y0 * v; y < y1; y++) {
            memset(j->rows[c][y], 0, ps->aw[c] * sizeof(JBLOCK));
        }

        ps->zlo[c] = ps->y0 * v;
        ps->zhi[c] = y1 > ps->zlo[c] ? y1 : ps->zlo[c];
    }

    ngx_http_overlay_prog_coder_init(&ps->cd);

    if (ngx_http_overlay_pspl_walk(ps) != 0) {
        ngx_http_overlay_jpeg_prog_splice_free(j);
        return -1;
    }

    *rc = ngx_http_overlay_jpeg_region(j, coefs, r, orientation, painter,
                                       err);
    if (*rc != NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_jpeg_prog_splice_free(j);
        return 1;
    }

    if (ngx_http_overlay_pspl_write(ps) != 0) {
        ngx_http_overlay_jpeg_prog_splice_free(j);
        return -1;
    }

    free(j->dest.data);
    j->dest.data = ps->out;
    j->dest.len = (size_t) (ps->cd.w.o - ps->out);
    j->dest.size = ps->size;
    j->method = NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE_SPLICE;

    ps->out = NULL;
    ngx_http_overlay_jpeg_prog_splice_free(j);

    return 1;
}


void
ngx_http_overlay_jpeg_prog_splice_free(ngx_http_overlay_jpeg_t *j)
{
    ngx_http_overlay_pspl_t  *ps;

    ps = j->prog_splice;

    if (ps != NULL) {
        free(ps->out);
        free(ps->segs);
        free(ps);
        j->prog_splice = NULL;
    }
}


/* pass 1: the segments up to EOI, each scan decoded as the plan needs */

static int
ngx_http_overlay_pspl_walk(ngx_http_overlay_pspl_t *ps)
{
    size_t                         pos, at, n, len;
    unsigned                       m, c, k;
    const unsigned char           *p;
    ngx_http_overlay_pspl_scan_t  *sc;

    p = ps->p;
    len = ps->len;
    pos = 2;

    memset(ps->bits, -1, sizeof(ps->bits));

    for ( ;; ) {

        while (pos + 1 < len && p[pos] == NGX_HTTP_OVERLAY_JPEG_MARK
               && p[pos + 1] == NGX_HTTP_OVERLAY_JPEG_FILL)
        {
            pos++;
        }

        if (pos + 1 >= len || p[pos] != NGX_HTTP_OVERLAY_JPEG_MARK) {
            return -1;
        }

        m = p[pos + 1];

        if (m == NGX_HTTP_OVERLAY_JPEG_EOI) {
            break;
        }

        if (pos + 4 > len) {
            return -1;
        }

        n = (size_t) p[pos + 2] << 8 | p[pos + 3];
        at = pos;
        pos += 2 + n;

        if (n < 2 || pos > len) {
            return -1;
        }

        switch (m) {

        case NGX_HTTP_OVERLAY_JPEG_DHT:
            if (ngx_http_overlay_pspl_dht(ps, p + at + 4, n - 2) != 0) {
                return -1;
            }

            break;

        case NGX_HTTP_OVERLAY_JPEG_SOS:
            if (ps->nscans == NGX_HTTP_OVERLAY_PSPL_SCANS) {
                return -1;
            }

            sc = &ps->scan[ps->nscans++];
            sc->sos = at;
            sc->data = pos;
            sc->end = ngx_http_overlay_prog_skip(p, len, pos);

            /* the marker after the data is whole: p[end + 1] is there */

            if (sc->end + 1 >= len
                || ngx_http_overlay_pspl_sos(ps, sc, p + at + 4, n - 2) != 0
                || ngx_http_overlay_pspl_decode(ps, sc) != 0)
            {
                return -1;
            }

            pos = sc->end;
            break;

        case NGX_HTTP_OVERLAY_JPEG_DRI:
            if (n != 4) {
                return -1;
            }

            ps->ri = (unsigned) p[at + 4] << 8 | p[at + 5];
            break;

        case NGX_HTTP_OVERLAY_JPEG_DQT:
        case NGX_HTTP_OVERLAY_JPEG_SOF2:
            if (ps->nscans != 0) {
                return -1;
            }

            break;

        default:
            if (m != NGX_HTTP_OVERLAY_JPEG_COM
                && (m < NGX_HTTP_OVERLAY_JPEG_APP0
                    || m > NGX_HTTP_OVERLAY_JPEG_APP15))
            {
                return -1;
            }
        }
    }

    if (ps->nscans == 0) {
        return -1;
    }

    /* every coefficient of every component coded in full */

    for (c = 0; c < (unsigned) ps->j->src.num_components; c++) {
        for (k = 0; k < DCTSIZE2; k++) {
            if (ps->bits[c][k] != 0) {
                return -1;
            }
        }
    }

    return 0;
}


/* the tables of a DHT segment's n bytes at seg, defined as they are */

static int
ngx_http_overlay_pspl_dht(ngx_http_overlay_pspl_t *ps,
    const unsigned char *seg, size_t n)
{
    int                             k;
    ngx_http_overlay_jpeg_dht_t     d;
    ngx_http_overlay_splice_dht_t  *t;

    while ((k = ngx_http_overlay_jpeg_dht_next(seg, n, &d)) > 0) {
        t = &ps->dht[d.cls][d.th];
        ngx_http_overlay_jpeg_dht_copy(&d, t->bits, t->huffval);
        ps->defined[d.cls] |= 1u << d.th;

        seg += k;
        n -= (size_t) k;
    }

    return k;
}


/*
 * The scan header's n bytes at seg: its components and their tables, its
 * band and successive approximation, checked as a progression (T.81
 * G.1.1.1) against what earlier scans coded
 */

static int
ngx_http_overlay_pspl_sos(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc, const unsigned char *seg, size_t n)
{
    int                   c;
    unsigned              i, k, ns, cls, th, blocks, used;
    jpeg_component_info  *ci;

    ns = (n >= 1) ? seg[0] : 0;

    if (ns < 1 || ns > MAX_COMPS_IN_SCAN || n != 1 + 2 * ns + 3) {
        return -1;
    }

    sc->ncomps = ns;
    sc->ss = seg[1 + 2 * ns];
    sc->se = seg[2 + 2 * ns];
    sc->ah = seg[3 + 2 * ns] >> 4;
    sc->al = seg[3 + 2 * ns] & 0x0f;
    sc->ri = ps->ri;

    if (sc->se > DCTSIZE2 - 1 || sc->ss > sc->se || sc->al > 10
        || (sc->ss == 0 && sc->se != 0) || (sc->ss != 0 && ns != 1))
    {
        return -1;
    }

    cls = (sc->ss == 0) ? 0 : 1;
    blocks = 0;
    used = 0;

    for (i = 0; i < ns; i++) {
        for (c = 0; c < ps->j->src.num_components; c++) {
            ci = &ps->j->src.comp_info[c];

            if (ci->component_id == seg[1 + 2 * i]) {
                break;
            }
        }

        if (c == ps->j->src.num_components || (used & 1u << c)) {
            return -1;
        }

        ci = &ps->j->src.comp_info[c];
        used |= 1u << c;
        sc->comp[i] = (unsigned) c;
        blocks += (unsigned) (ci->h_samp_factor * ci->v_samp_factor);

        /* the table, but for DC refinement, which has none */

        th = cls ? (seg[2 + 2 * i] & 0x0fu) : (unsigned) (seg[2 + 2 * i] >> 4);

        if (!(sc->ss == 0 && sc->ah != 0)) {
            if (th >= NUM_HUFF_TBLS || !(ps->defined[cls] & 1u << th)) {
                return -1;
            }

            sc->tbl[i] = th;
            sc->dht[i] = ps->dht[cls][th];
        }

        for (k = sc->ss; k <= sc->se; k++) {

            /* a first scan, or the refinement by one bit of the last */

            if (sc->ah == 0 ? ps->bits[c][k] != -1
                            : (ps->bits[c][k] != (int) sc->ah
                               || sc->al + 1 != sc->ah))
            {
                return -1;
            }

            ps->bits[c][k] = (signed char) sc->al;
        }
    }

    /* T.81 B.2.3: ten blocks in an MCU at most */

    return (ns > 1 && blocks > 10) ? -1 : 0;
}
