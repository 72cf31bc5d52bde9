
/*
 * ngx_http_overlay_module: a JPEG changed in the entropy-coded data: the
 * driver.
 *
 * The state's life, the scan checked and the tables made (init), the
 * segments planned and decoded (decode), and the output put together from
 * the source's bytes, the segments coded again and the bits between them
 * (encode).  The decoding and the encoding steps are in
 * ngx_http_overlay_jpeg_splice_decode.c and _encode.c, the state and the
 * bit I/O in ngx_http_overlay_jpeg_splice_int.h.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_splice_int.h"


/* the zigzag order: the k-th coefficient coded is block[zigzag[k]] */

const unsigned char  ngx_http_overlay_splice_zigzag[64] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
};


ngx_http_overlay_splice_t *
ngx_http_overlay_splice_create(const ngx_http_overlay_splice_conf_t *conf)
{
    ngx_http_overlay_splice_t  *s;

    s = malloc(sizeof(ngx_http_overlay_splice_t));
    if (s == NULL) {
        return NULL;
    }

    /*
     * all zero but the AC tables' pair tables, half of it, which are read
     * only once made (s->paired)
     */

    memset(s, 0, offsetof(ngx_http_overlay_splice_t, pair));
    memset(&s->ac_used, 0, sizeof(ngx_http_overlay_splice_t)
                           - offsetof(ngx_http_overlay_splice_t, ac_used));

    s->conf = *conf;

    return s;
}


void
ngx_http_overlay_splice_destroy(ngx_http_overlay_splice_t *s)
{
    if (s != NULL) {
        ngx_http_overlay_splice_free(s);
        free(s);
    }
}


unsigned char *
ngx_http_overlay_splice_output(ngx_http_overlay_splice_t *s, size_t *len)
{
    unsigned char  *out;

    out = s->out;
    *len = (out != NULL) ? s->out_len : 0;

    s->out = NULL;
    s->out_len = 0;

    return out;
}


int
ngx_http_overlay_splice_init(ngx_http_overlay_splice_t *s,
    const unsigned char *p, size_t len, size_t scan)
{
    int                              used[2][4];
    size_t                           i, j;
    unsigned                         c, t, m;
    const unsigned char             *q;
    ngx_http_overlay_splice_comp_t  *ci;

    s->src = p;
    s->len = len;
    s->scan = scan;
    s->out = NULL;
    s->out_len = 0;
    s->why = NULL;

    if (s->conf.ncomps < 1 || s->conf.ncomps > NGX_HTTP_OVERLAY_SPLICE_COMPS) {
        s->why = "components";
        return -1;
    }

    memset(used, 0, sizeof(used));
    s->blocks = 0;

    for (c = 0; c < s->conf.ncomps; c++) {
        ci = &s->conf.comp[c];

        if (s->conf.ncomps == 1) {
            ci->h = 1;
            ci->v = 1;
        }

        if (ci->h < 1 || ci->h > 4 || ci->v < 1 || ci->v > 4
            || ci->dc > 3 || ci->ac > 3
            || s->conf.dc[ci->dc] == NULL || s->conf.ac[ci->ac] == NULL)
        {
            s->why = "component";
            return -1;
        }

        s->blocks += ci->h * ci->v;
        used[0][ci->dc] = 1;
        used[1][ci->ac] = 1;
    }

    if (s->blocks > NGX_HTTP_OVERLAY_SPLICE_BLOCKS) {
        s->why = "MCU size";
        return -1;
    }

    if (s->conf.ncomps == 1) {
        s->width = s->conf.comp[0].width;
        s->total = s->conf.comp[0].width * s->conf.comp[0].height;

    } else {
        s->width = s->conf.mcus_per_row;
        s->total = s->conf.mcus_per_row * s->conf.mcu_rows;
    }

    if (s->total == 0) {
        s->why = "no MCUs";
        return -1;
    }

    for (t = 0; t < 4; t++) {
        if ((used[0][t]
             && ngx_http_overlay_splice_table(&s->huff[0][t], s->conf.dc[t], 1)
                != 0)
            || (used[1][t]
                && ngx_http_overlay_splice_table(&s->huff[1][t],
                                                 s->conf.ac[t], 0)
                   != 0))
        {
            s->why = "Huffman table";
            return -1;
        }
    }

    /*
     * the pair tables are made by the skip when it has enough to skip
     * (a thumbnail's overlay at the top has nothing); until then the
     * decoder reads zeros, which send every code to the single lookup
     */

    s->ac_used = 0;

    for (t = 0; t < 4; t++) {
        s->ac_used |= used[1][t] ? 1u << t : 0;
    }

    if (s->paired) {
        memset(s->pair, 0, sizeof(s->pair));
        s->paired = 0;
    }

    /*
     * The scan up to its end: stuffed bytes, restart markers if there is
     * an interval, and EOI; any other marker (a DHT, another scan, DNL,
     * fill bytes) is beyond the splice.
     */

    for (i = scan; ; i = j + 2) {

        if (i >= len) {
            s->why = "no EOI";
            return -1;
        }

        q = memchr(p + i, NGX_HTTP_OVERLAY_JPEG_MARK, len - i);

        if (q == NULL || (size_t) (q - p) + 1 >= len) {
            s->why = "no EOI";
            return -1;
        }

        j = (size_t) (q - p);
        m = p[j + 1];

        if (m == NGX_HTTP_OVERLAY_JPEG_STUFFED) {
            continue;
        }

        if (ngx_http_overlay_jpeg_is_rst(m) && s->conf.restart_interval != 0) {
            continue;
        }

        if (m == NGX_HTTP_OVERLAY_JPEG_EOI) {
            break;
        }

        s->why = "a marker in the scan";
        return -1;
    }

    s->eoi = j;

    s->rd.p = p;
    s->rd.pos = scan;
    s->rd.limit = s->eoi;
    s->rd.start = scan;
    s->rd.acc = 0;
    s->rd.bits = 0;

    s->next = 0;
    s->restarted = 0;
    memset(s->pred, 0, sizeof(s->pred));

    return 0;
}


int
ngx_http_overlay_splice_decode(ngx_http_overlay_splice_t *s, unsigned x0,
    unsigned y0, unsigned x1, unsigned y1)
{
    unsigned                        y, a, e, i, ri, skip;
    ngx_http_overlay_splice_seg_t  *g;

    ri = s->conf.restart_interval;

    if (x0 >= x1 || y0 >= y1 || x1 > s->width || y1 > s->total / s->width
        || s->next != 0)
    {
        s->why = "MCUs";
        return -1;
    }

    s->x0 = x0;
    s->y0 = y0;
    s->x1 = x1;
    s->y1 = y1;

    /*
     * A segment per row: the rectangle's MCUs in it, and the one after
     * them, whose first block of each component is the next link of its
     * DC chain; but not when a restart interval begins there, with the
     * predictors reset.  Segments that meet are one.
     */

    s->seg = malloc((y1 - y0) * sizeof(ngx_http_overlay_splice_seg_t));

    if (s->seg == NULL) {
        s->why = "no memory";
        return -1;
    }

    s->nsegs = 0;

    for (y = y0; y < y1; y++) {
        a = y * s->width + x0;
        e = y * s->width + x1;

        if (e < s->total && !(ri != 0 && e % ri == 0)) {
            e++;
        }

        if (s->nsegs > 0 && a <= s->seg[s->nsegs - 1].e) {
            s->seg[s->nsegs - 1].e = e;
            continue;
        }

        g = &s->seg[s->nsegs++];
        g->a = a;
        g->e = e;
    }

    /*
     * the pair tables, when what is skipped (the MCUs before the first
     * segment, the gaps between) is enough to pay for them
     */

    skip = s->seg[0].a;

    for (i = 1; i < s->nsegs; i++) {
        skip += s->seg[i].a - s->seg[i - 1].e;
    }

    if (!s->paired
        && (uint64_t) skip * s->blocks >= NGX_HTTP_OVERLAY_SPLICE_PAIRS_FROM)
    {
        ngx_http_overlay_splice_make_pairs(s);
    }

    s->gap = NULL;

    for (i = 0; i < s->nsegs; i++) {
        g = &s->seg[i];

        /* the gap before it (or the MCUs before the first) */

        if (ngx_http_overlay_splice_run(s, g->a, 0) != 0) {
            return -1;
        }

        if (ri != 0 && g->a != 0 && g->a % ri == 0 && g->a != s->restarted) {
            if (ngx_http_overlay_splice_restart(s, g->a) != 0) {
                return -1;
            }
        }

        s->gap = NULL;

        ngx_http_overlay_splice_where(&s->rd, &g->at);
        memcpy(g->pred, s->pred, sizeof(s->pred));

        if (ngx_http_overlay_splice_run(s, g->e, 1) != 0) {
            return -1;
        }

        ngx_http_overlay_splice_where(&s->rd, &g->after);

        /* the restart after it: its place is noted when decoded */

        g->r = (ri != 0) ? (g->e + ri - 1) / ri * ri : s->total;
        g->r = (g->r < s->total) ? g->r : s->total;
        g->r_marker = 0;

        s->gap = g;
    }

    /*
     * After the last segment: up to the end of its restart interval, to
     * know where its data ends before the marker; without one, the data
     * up to EOI is not decoded (see ngx_http_overlay_splice_encode())
     */

    g = &s->seg[s->nsegs - 1];

    if (g->r < s->total) {
        if (ngx_http_overlay_splice_run(s, g->r, 0) != 0
            || ngx_http_overlay_splice_marker(s, g->r) != 0)
        {
            return -1;
        }

        ngx_http_overlay_splice_where(&s->rd, &g->r_end);
        g->r_marker = s->rd.pos;

    } else if (g->e == s->total) {
        if (ngx_http_overlay_splice_marker(s, s->total) != 0) {
            return -1;
        }
    }

    s->gap = NULL;

    return 0;
}


int
ngx_http_overlay_splice_encode(ngx_http_overlay_splice_t *s)
{
    unsigned                        i, t, q, last, adjusted;
    ngx_http_overlay_splice_pos_t   end;
    ngx_http_overlay_splice_seg_t  *g, *next;
    ngx_http_overlay_splice_writer_t  w;

    s->out_size = s->len + 65536;
    s->out = malloc(s->out_size);

    if (s->out == NULL) {
        s->why = "no memory";
        return -1;
    }

    adjusted = 0;

    ngx_http_overlay_splice_retable(s);

again:

    /* the source up to the first segment, to its bit */

    w.o = s->out;
    w.acc = 0;
    w.nb = 0;

    ngx_http_overlay_splice_header(s, &w);

    for (i = 0; i < s->nsegs; i++) {
        g = &s->seg[i];

        if (ngx_http_overlay_splice_segment(s, &w, g) != 0) {
            s->why = "a symbol the tables lack";
            goto failed;
        }

        /* each byte of the source may become two, stuffed */

        if (ngx_http_overlay_splice_reserve(s, &w,
                2 * ((i + 1 < s->nsegs ? s->seg[i + 1].at.byte : s->len)
                     - g->after.byte) + 16)
            != 0)
        {
            return -1;
        }

        next = (i + 1 < s->nsegs) ? &s->seg[i + 1] : NULL;

        if (g->r_marker != 0) {

            /*
             * a restart marker before the next segment: the data up to
             * it shifted, padded to the byte, and from the marker on the
             * source's bytes, aligned as they are there
             */

            ngx_http_overlay_splice_copy(s->src, &w, &g->after, &g->r_end);
            ngx_http_overlay_splice_pad(&w);

            if (next == NULL) {
                memcpy(w.o, s->src + g->r_marker, s->len - g->r_marker);
                w.o += s->len - g->r_marker;
                break;
            }

            ngx_http_overlay_splice_verbatim(s->src, &w, g->r_marker,
                                             &next->at);
            continue;
        }

        if (next != NULL) {
            ngx_http_overlay_splice_copy(s->src, &w, &g->after, &next->at);
            continue;
        }

        /*
         * The last segment, and no restart marker after it: the rest of
         * the scan shifted up to the end of its data, padded with ones to
         * the EOI.  The source's own padding is 0 to 7 one bits, which
         * need not be known as long as they and the new ones stay under a
         * byte; when they might not, the rest is decoded to find where the
         * data ends.  When the last segment is the last MCU, g->after is
         * that end.
         */

        end.byte = s->eoi;
        end.bit = 0;

        if (g->e == s->total) {
            end = g->after;

        } else {
            last = s->src[s->eoi - 1];

            if (last == NGX_HTTP_OVERLAY_JPEG_STUFFED && s->eoi >= s->scan + 2
                && s->src[s->eoi - 2] == NGX_HTTP_OVERLAY_JPEG_MARK)
            {
                last = NGX_HTTP_OVERLAY_JPEG_MARK;
            }

            for (t = 0; t < 7 && (last & (1u << t)); t++) {
                /* void */
            }

            ngx_http_overlay_splice_bytes(&w);
            q = (g->after.bit - (unsigned) w.nb) & 7;

            /*
             * The data is coded again 8 - q bits shorter (mod 8), so
             * that the rest is copied at its own place in a byte, and
             * ends with its own padding
             */

            if (q != 0 && t + q >= 8 && s->conf.adjust && !adjusted
                && ngx_http_overlay_splice_align(s, 8 - q) == 0)
            {
                adjusted = 1;
                goto again;
            }

            if (q != 0 && t + q >= 8) {

                s->rest_decoded = 1;

                if (ngx_http_overlay_splice_run(s, s->total, 0) != 0
                    || ngx_http_overlay_splice_marker(s, s->total) != 0)
                {
                    goto failed;
                }

                ngx_http_overlay_splice_where(&s->rd, &end);
            }
        }

        ngx_http_overlay_splice_copy(s->src, &w, &g->after, &end);
        ngx_http_overlay_splice_pad(&w);

        memcpy(w.o, s->src + s->eoi, s->len - s->eoi);
        w.o += s->len - s->eoi;
    }

    if (ngx_http_overlay_splice_fit_check(s) != 0) {
        goto failed;
    }

    s->out_len = (size_t) (w.o - s->out);

    return 0;

failed:

    free(s->out);
    s->out = NULL;

    return -1;
}


unsigned
ngx_http_overlay_splice_fitted(ngx_http_overlay_splice_t *s, double *mse)
{
    *mse = s->fit_mse;

    return s->fitted;
}


unsigned
ngx_http_overlay_splice_retabled(ngx_http_overlay_splice_t *s)
{
    return s->retabled != 0;
}


void
ngx_http_overlay_splice_free(ngx_http_overlay_splice_t *s)
{
    free(s->seg);
    free(s->out);

    s->seg = NULL;
    s->out = NULL;
}
