
/*
 * ngx_http_overlay_module: a progressive Huffman-coded JPEG written again
 * from its coefficients (the overlay's blocks replaced), scan by scan with
 * the source's own scan script, restart intervals and, for each scan, the
 * Huffman tables that scan was coded with, extended by every symbol they
 * lack (a new symbol takes a free 16-bit code, or shares the place of the
 * longest code under 16 bits: ngx_http_overlay_jpeg_extend()).  One pass:
 * no statistics gathered, no optimal tables built (libjpeg writes
 * progressive JPEGs only with optimize_coding, two passes).
 *
 * The source's bytes before the first scan are copied but for their DHT
 * segments; DRI, APPn and COM between scans are copied; each scan is
 * preceded by a DHT of the tables it uses.  The entropy coding follows
 * ITU T.81 G.1.2, block by block in ngx_http_overlay_jpeg_prog_code.c
 * (shared with the progressive splice, ngx_http_overlay_jpeg_prog_splice.c,
 * which takes this path's place where it can).
 *
 * Anything unexpected declines (-1) before a byte is written to j->dest,
 * and the caller transcodes with libjpeg as before: a scan script that is
 * not a valid progression, a table used but not defined, any other marker
 * between scans, a scan count other than libjpeg's, no EOI.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_int.h"
#include "ngx_http_overlay_jpeg_marker.h"
#include "ngx_http_overlay_jpeg_prog_int.h"


typedef struct {
    ngx_http_overlay_jpeg_t          *j;
    jvirt_barray_ptr                 *coefs;
    unsigned char                    *out;
    size_t                            size;

    /* the tables as defined so far, DC and AC */
    JHUFF_TBL                         tbl[2][NUM_HUFF_TBLS];
    unsigned                          defined[2];   /* a bit each */
    unsigned                          ri;           /* restart interval */

    /* the scan */
    unsigned                          ncomps;
    int                               comp[MAX_COMPS_IN_SCAN];
    unsigned                          ss, se, ah, al;
    ngx_http_overlay_prog_coder_t     k;

    /* per component and coefficient: the bits not yet coded (T.81 G.1.1) */
    signed char                       bits[MAX_COMPONENTS][DCTSIZE2];
} ngx_http_overlay_prog_t;


static int ngx_http_overlay_prog_sos(ngx_http_overlay_prog_t *pg,
    const unsigned char *seg, size_t n);
static int ngx_http_overlay_prog_dht(ngx_http_overlay_prog_t *pg,
    const unsigned char *seg, size_t n);
static int ngx_http_overlay_prog_tables(ngx_http_overlay_prog_t *pg,
    const unsigned char *seg, size_t n);
static int ngx_http_overlay_prog_codes(ngx_http_overlay_prog_huff_t *h,
    const JHUFF_TBL *t, const uint32_t *need);
static int ngx_http_overlay_prog_scan(ngx_http_overlay_prog_t *pg);
static int ngx_http_overlay_prog_reserve(ngx_http_overlay_prog_t *pg,
    size_t n);
static int ngx_http_overlay_prog_copy(ngx_http_overlay_prog_t *pg,
    const unsigned char *p, size_t n);


/*
 * j->src (progressive, Huffman-coded, its coefficients coefs read whole
 * from the len bytes at p, the overlay's blocks replaced) to j->dest:
 * 0; -1, declined, j->dest untouched.  Its only calls of libjpeg are for
 * rows of the coefficient arrays that are there: none longjmp()s.
 */

int
ngx_http_overlay_jpeg_prog(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const unsigned char *p, size_t len)
{
    int                       scans;
    size_t                    pos, at, n;
    unsigned                  m;
    ngx_http_overlay_prog_t  *pg;

    if (!j->src.progressive_mode || j->src.arith_code
        || j->src.data_precision != 8 || len < 4
        || p[0] != NGX_HTTP_OVERLAY_JPEG_MARK
        || p[1] != NGX_HTTP_OVERLAY_JPEG_SOI)
    {
        return -1;
    }

    pg = calloc(1, sizeof(ngx_http_overlay_prog_t));
    if (pg == NULL) {
        return -1;
    }

    pg->j = j;
    pg->coefs = coefs;
    pg->size = len + len / 4 + 65536;
    pg->out = malloc(pg->size);

    if (pg->out == NULL) {
        free(pg);
        return -1;
    }

    memset(pg->bits, -1, sizeof(pg->bits));

    ngx_http_overlay_prog_coder_init(&pg->k);

    pg->k.w.o = pg->out;
    pg->out[0] = NGX_HTTP_OVERLAY_JPEG_MARK;
    pg->out[1] = NGX_HTTP_OVERLAY_JPEG_SOI;
    pg->k.w.o += 2;

    scans = 0;
    pos = 2;

    for ( ;; ) {

        /* a marker, after any fill bytes */

        while (pos + 1 < len && p[pos] == NGX_HTTP_OVERLAY_JPEG_MARK
               && p[pos + 1] == NGX_HTTP_OVERLAY_JPEG_FILL)
        {
            pos++;
        }

        if (pos + 1 >= len || p[pos] != NGX_HTTP_OVERLAY_JPEG_MARK) {
            goto declined;
        }

        m = p[pos + 1];

        if (m == NGX_HTTP_OVERLAY_JPEG_EOI) {
            break;
        }

        if (pos + 4 > len) {
            goto declined;
        }

        n = (size_t) p[pos + 2] << 8 | p[pos + 3];
        at = pos;
        pos += 2 + n;

        if (n < 2 || pos > len) {
            goto declined;
        }

        switch (m) {

        case NGX_HTTP_OVERLAY_JPEG_DHT:
            if (ngx_http_overlay_prog_dht(pg, p + at + 4, n - 2) != 0) {
                goto declined;
            }

            continue;

        case NGX_HTTP_OVERLAY_JPEG_SOS:
            if (++scans > NGX_HTTP_OVERLAY_JPEG_SCANS
                || ngx_http_overlay_prog_sos(pg, p + at + 4, n - 2) != 0
                || ngx_http_overlay_prog_tables(pg, p + at, n + 2) != 0
                || ngx_http_overlay_prog_scan(pg) != 0)
            {
                goto declined;
            }

            pos = ngx_http_overlay_prog_skip(p, len, pos);
            continue;

        case NGX_HTTP_OVERLAY_JPEG_DRI:
            if (n != 4) {
                goto declined;
            }

            pg->ri = (unsigned) p[at + 4] << 8 | p[at + 5];
            break;

        case NGX_HTTP_OVERLAY_JPEG_DQT:
        case NGX_HTTP_OVERLAY_JPEG_SOF2:
            if (scans != 0) {
                goto declined;
            }

            break;

        default:
            if (m != NGX_HTTP_OVERLAY_JPEG_COM
                && (m < NGX_HTTP_OVERLAY_JPEG_APP0
                    || m > NGX_HTTP_OVERLAY_JPEG_APP15))
            {
                goto declined;
            }
        }

        if (ngx_http_overlay_prog_copy(pg, p + at, n + 2) != 0) {
            goto declined;
        }
    }

    /* libjpeg read as many scans, and no more than there are */

    if (scans == 0 || scans != j->src.input_scan_number
        || ngx_http_overlay_prog_reserve(pg, 2) != 0)
    {
        goto declined;
    }

    /* every coefficient of every component coded in full */

    for (m = 0; m < (unsigned) j->src.num_components; m++) {
        for (n = 0; n < DCTSIZE2; n++) {
            if (pg->bits[m][n] != 0) {
                goto declined;
            }
        }
    }

    *pg->k.w.o++ = NGX_HTTP_OVERLAY_JPEG_MARK;
    *pg->k.w.o++ = NGX_HTTP_OVERLAY_JPEG_EOI;

    free(j->dest.data);
    j->dest.data = pg->out;
    j->dest.len = (size_t) (pg->k.w.o - pg->out);
    j->dest.size = pg->size;

    free(pg);

    return 0;

declined:

    free(pg->out);
    free(pg);

    return -1;
}


/*
 * The scan header's n bytes at seg: its components, band and successive
 * approximation, checked as a progression (T.81 G.1.1.1) against what
 * earlier scans coded
 */

static int
ngx_http_overlay_prog_sos(ngx_http_overlay_prog_t *pg,
    const unsigned char *seg, size_t n)
{
    int                  c;
    unsigned             i, k, ns;
    jpeg_component_info *ci;

    if (n < 1) {
        return -1;
    }

    ns = seg[0];

    if (ns < 1 || ns > MAX_COMPS_IN_SCAN || n != 1 + 2 * ns + 3) {
        return -1;
    }

    pg->ss = seg[1 + 2 * ns];
    pg->se = seg[2 + 2 * ns];
    pg->ah = seg[3 + 2 * ns] >> 4;
    pg->al = seg[3 + 2 * ns] & 0x0f;
    pg->ncomps = ns;

    if (pg->se > DCTSIZE2 - 1 || pg->ss > pg->se || pg->al > 10
        || (pg->ss == 0 && pg->se != 0) || (pg->ss != 0 && ns != 1))
    {
        return -1;
    }

    for (i = 0; i < ns; i++) {
        for (c = 0; c < pg->j->src.num_components; c++) {
            ci = &pg->j->src.comp_info[c];

            if (ci->component_id == seg[1 + 2 * i]) {
                break;
            }
        }

        if (c == pg->j->src.num_components) {
            return -1;
        }

        pg->comp[i] = c;

        for (k = pg->ss; k <= pg->se; k++) {

            /* a first scan, or the refinement by one bit of the last */

            if (pg->ah == 0 ? pg->bits[c][k] != -1
                            : (pg->bits[c][k] != (int) pg->ah
                               || pg->al + 1 != pg->ah))
            {
                return -1;
            }

            pg->bits[c][k] = (signed char) pg->al;
        }
    }

    return 0;
}


/* the tables of a DHT segment's n bytes at seg, defined as they are */

static int
ngx_http_overlay_prog_dht(ngx_http_overlay_prog_t *pg,
    const unsigned char *seg, size_t n)
{
    int                          k;
    JHUFF_TBL                   *t;
    ngx_http_overlay_jpeg_dht_t  d;

    while ((k = ngx_http_overlay_jpeg_dht_next(seg, n, &d)) > 0) {
        if (d.count == 0) {
            return -1;
        }

        t = &pg->tbl[d.cls][d.th];
        ngx_http_overlay_jpeg_dht_copy(&d, t->bits, t->huffval);
        pg->defined[d.cls] |= 1u << d.th;

        seg += k;
        n -= (size_t) k;
    }

    return k;
}


/*
 * A DHT of the tables the scan uses, extended by every symbol its kind of
 * scan may code, then the scan header (the n bytes at sos) as it was
 */

static int
ngx_http_overlay_prog_tables(ngx_http_overlay_prog_t *pg,
    const unsigned char *sos, size_t n)
{
    int             dc;
    size_t          len;
    unsigned        i, k, r, s, th, cls, l, count, done;
    uint32_t        need[8];
    JHUFF_TBL       t;
    unsigned char  *start, *o;

    /* DC refinement: bits as they are, no table */

    if (pg->ss == 0 && pg->ah != 0) {
        return ngx_http_overlay_prog_copy(pg, sos, n);
    }

    dc = (pg->ss == 0);
    cls = dc ? 0 : 1;

    memset(need, 0, sizeof(need));

    if (dc) {
        for (s = 0; s <= 11; s++) {
            need[s >> 5] |= 1u << (s & 31);
        }

    } else {

        /* EOBr (run r, size 0; r 15 is ZRL), and run r of size s */

        for (r = 0; r < 16; r++) {
            for (s = 0; s <= (pg->ah ? 1u : 10u); s++) {
                k = r << 4 | s;
                need[k >> 5] |= 1u << (k & 31);
            }
        }
    }

    if (ngx_http_overlay_prog_reserve(pg, 4 + MAX_COMPS_IN_SCAN * 273 + n)
        != 0)
    {
        return -1;
    }

    o = pg->k.w.o;
    start = o;
    *o++ = NGX_HTTP_OVERLAY_JPEG_MARK;
    *o++ = NGX_HTTP_OVERLAY_JPEG_DHT;
    o += 2;

    done = 0;

    for (i = 0; i < pg->ncomps; i++) {
        th = dc ? (unsigned) (sos[6 + 2 * i] >> 4)
                : (unsigned) (sos[6 + 2 * i] & 0x0f);

        if (th >= NUM_HUFF_TBLS || !(pg->defined[cls] & 1u << th)) {
            return -1;
        }

        t = pg->tbl[cls][th];

        if (ngx_http_overlay_jpeg_extend(&t, need, dc) != 0
            || ngx_http_overlay_prog_codes(&pg->k.huff[i], &t, need) != 0)
        {
            return -1;
        }

        if (done & 1u << th) {
            continue;
        }

        done |= 1u << th;

        *o++ = (unsigned char) (cls << 4 | th);

        for (l = 1, count = 0; l <= 16; l++) {
            *o++ = t.bits[l];
            count += t.bits[l];
        }

        memcpy(o, t.huffval, count);
        o += count;
    }

    len = (size_t) (o - start) - 2;
    start[2] = (unsigned char) (len >> 8);
    start[3] = (unsigned char) len;

    pg->k.w.o = o;

    return ngx_http_overlay_prog_copy(pg, sos, n);
}


/* T.81 C: the codes of the canonical table t, which must hold need */

static int
ngx_http_overlay_prog_codes(ngx_http_overlay_prog_huff_t *h,
    const JHUFF_TBL *t, const uint32_t *need)
{
    unsigned  l, i, k, sym, code;

    memset(h->size, 0, sizeof(h->size));

    code = 0;
    k = 0;

    for (l = 1; l <= 16; l++) {

        if (code + t->bits[l] > (1u << l) || k + t->bits[l] > 256) {
            return -1;
        }

        for (i = 0; i < t->bits[l]; i++, k++, code++) {
            sym = t->huffval[k];

            if (h->size[sym] == 0) {
                h->size[sym] = (unsigned char) l;
                h->code[sym] = (uint16_t) code;
            }
        }

        code <<= 1;
    }

    for (sym = 0; sym < 256; sym++) {
        if ((need[sym >> 5] & 1u << (sym & 31)) && h->size[sym] == 0) {
            return -1;
        }
    }

    return 0;
}


/* the scan's entropy-coded data, from the coefficients */

static int
ngx_http_overlay_prog_scan(ngx_http_overlay_prog_t *pg)
{
    size_t                room;
    unsigned              i, c, h, v, mx, my, rows, cols, mcu, rst, x, y,
                          maxh, maxv;
    JBLOCKARRAY           b[MAX_COMPS_IN_SCAN];
    jpeg_component_info  *ci;
    j_decompress_ptr      d;

    d = &pg->j->src;

    ngx_http_overlay_prog_coder_scan(&pg->k, pg->ss, pg->se, pg->ah, pg->al);

    /* MCUs: a block of the one component, or the interleaved ones */

    if (pg->ncomps == 1) {
        ci = &d->comp_info[pg->comp[0]];
        cols = ci->width_in_blocks;
        rows = ci->height_in_blocks;

    } else {
        maxh = (unsigned) d->max_h_samp_factor * DCTSIZE;
        maxv = (unsigned) d->max_v_samp_factor * DCTSIZE;
        cols = (d->image_width + maxh - 1) / maxh;
        rows = (d->image_height + maxv - 1) / maxv;
    }

    /* room for an MCU's blocks (10 at most), and a restart before them */

    room = NGX_HTTP_OVERLAY_PROG_ROOM;

    for (i = 0; i < pg->ncomps; i++) {
        ci = &d->comp_info[pg->comp[i]];
        h = (pg->ncomps == 1) ? 1 : (unsigned) ci->h_samp_factor;
        v = (pg->ncomps == 1) ? 1 : (unsigned) ci->v_samp_factor;
        room += NGX_HTTP_OVERLAY_PROG_ROOM * h * v;

        /*
         * within the arrays libjpeg made (whole MCUs), so that no access
         * longjmp()s past pg
         */

        if (cols * h > (ci->width_in_blocks + h - 1) / h * h
            || rows * v > (ci->height_in_blocks + v - 1) / v * v)
        {
            return -1;
        }
    }

    mcu = 0;
    rst = 0;

    for (my = 0; my < rows; my++) {

        for (i = 0; i < pg->ncomps; i++) {
            c = (unsigned) pg->comp[i];
            ci = &d->comp_info[c];
            v = (pg->ncomps == 1) ? 1 : (unsigned) ci->v_samp_factor;

            b[i] = (*d->mem->access_virt_barray)((j_common_ptr) d,
                                                 pg->coefs[c], my * v, v,
                                                 FALSE);
        }

        for (mx = 0; mx < cols; mx++, mcu++) {

            if ((size_t) (pg->out + pg->size - pg->k.w.o) < room
                && ngx_http_overlay_prog_reserve(pg, room) != 0)
            {
                return -1;
            }

            if (pg->ri != 0 && mcu != 0 && mcu % pg->ri == 0) {
                ngx_http_overlay_prog_eobrun(&pg->k);
                ngx_http_overlay_splice_pad(&pg->k.w);

                *pg->k.w.o++ = NGX_HTTP_OVERLAY_JPEG_MARK;
                *pg->k.w.o++ = (unsigned char) (NGX_HTTP_OVERLAY_JPEG_RST0
                                              + (rst++ & 7));

                memset(pg->k.pred, 0, sizeof(pg->k.pred));
            }

            for (i = 0; i < pg->ncomps; i++) {
                ci = &d->comp_info[pg->comp[i]];
                h = (pg->ncomps == 1) ? 1 : (unsigned) ci->h_samp_factor;
                v = (pg->ncomps == 1) ? 1 : (unsigned) ci->v_samp_factor;

                for (y = 0; y < v; y++) {
                    for (x = 0; x < h; x++) {
                        if (ngx_http_overlay_prog_block(&pg->k, i,
                                                        b[i][y][mx * h + x])
                            != 0)
                        {
                            return -1;
                        }
                    }
                }
            }
        }
    }

    if (ngx_http_overlay_prog_reserve(pg, NGX_HTTP_OVERLAY_PROG_ROOM) != 0) {
        return -1;
    }

    ngx_http_overlay_prog_eobrun(&pg->k);
    ngx_http_overlay_splice_pad(&pg->k.w);

    return 0;
}




/* room for n more bytes after pg->k.w.o */

static int
ngx_http_overlay_prog_reserve(ngx_http_overlay_prog_t *pg, size_t n)
{
    return ngx_http_overlay_prog_room(&pg->out, &pg->size, &pg->k.w, n);
}


static int
ngx_http_overlay_prog_copy(ngx_http_overlay_prog_t *pg,
    const unsigned char *p, size_t n)
{
    if (ngx_http_overlay_prog_reserve(pg, n) != 0) {
        return -1;
    }

    memcpy(pg->k.w.o, p, n);
    pg->k.w.o += n;

    return 0;
}


/* past a scan's entropy-coded data from pos: the marker after it, or len */

size_t
ngx_http_overlay_prog_skip(const unsigned char *p, size_t len, size_t pos)
{
    const unsigned char  *f;

    while (pos + 1 < len) {
        f = memchr(p + pos, NGX_HTTP_OVERLAY_JPEG_MARK, len - pos - 1);
        if (f == NULL) {
            return len;
        }

        pos = (size_t) (f - p);

        if (p[pos + 1] == NGX_HTTP_OVERLAY_JPEG_STUFFED
            || ngx_http_overlay_jpeg_is_rst(p[pos + 1]))
        {
            pos += 2;
            continue;
        }

        return pos;
    }

    return len;
}
