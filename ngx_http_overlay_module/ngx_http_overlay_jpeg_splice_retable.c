
/*
 * ngx_http_overlay_module: the entropy splice's Huffman tables extended
 * by the symbols the new blocks need, without a bit of the scan changed.
 *
 * A table's codes are canonical (T.81 C): by length, then in the order of
 * its values.  Codes appended after all others at 16 bits, in the code
 * space the table leaves free, leave every existing code as it is: the
 * source's data decodes as before with the extended table, and only the
 * DHT segments before the scan are written again.  libjpeg's optimized
 * tables leave one code free at their longest length (so that no code is
 * all ones); where that length is under 16 (small images, DC tables, a
 * flat photo's chroma) there is room for 2^(16 - length) - 1 new symbols.
 * The symbols the rectangle's blocks need most often are added first; the
 * fit (ngx_http_overlay_jpeg_splice_fit.c) deals with the rest.
 */


#include <string.h>

#include "ngx_http_overlay_jpeg_splice_int.h"


/* tables in the DHT segments before the scan, at most, to extend them */
#define NGX_HTTP_OVERLAY_SPLICE_DHTS  32


static int ngx_http_overlay_splice_complete(ngx_http_overlay_splice_t *s);
static void ngx_http_overlay_splice_needs(ngx_http_overlay_splice_t *s,
    uint32_t need[2][4][256]);
static int ngx_http_overlay_splice_add(ngx_http_overlay_splice_t *s,
    unsigned cls, unsigned t, const uint32_t *need);
static int ngx_http_overlay_splice_header_ok(ngx_http_overlay_splice_t *s);
static unsigned char *ngx_http_overlay_splice_dht(
    ngx_http_overlay_splice_t *s, const unsigned char *data, size_t n,
    unsigned char *o);


/*
 * The tables extended where the rectangle's blocks need symbols they lack
 * and they have room: s->retabled, a bit for each table (DC 0..3, AC
 * 4..7) extended; s->fit_any, whether a symbol is still missing
 */

void
ngx_http_overlay_splice_retable(ngx_http_overlay_splice_t *s)
{
    unsigned  cls, t, k, any;
    uint32_t  need[2][4][256];

    s->retabled = 0;
    s->fit_any = 1;

    if (!s->conf.retable) {
        return;
    }

    /* tables of every symbol (libjpeg's standard ones) lack none */

    if (ngx_http_overlay_splice_complete(s)) {
        s->fit_any = 0;
        return;
    }

    memset(need, 0, sizeof(need));
    ngx_http_overlay_splice_needs(s, need);

    any = 0;

    /*
     * a DC table gets every difference category up to the largest
     * needed: the fit bridges the chains' ends with them
     */

    for (t = 0; t < 4; t++) {
        for (k = 11; k > 0 && need[0][t][k] == 0; k--) {
            /* void */
        }

        while (k-- > 0) {
            if (need[0][t][k] == 0 && s->huff[0][t].size[k] == 0) {
                need[0][t][k] = 1;
            }
        }
    }

    for (cls = 0; cls < 2; cls++) {
        for (t = 0; t < 4; t++) {
            for (any = 0; any < 256 && need[cls][t][any] == 0; any++) {
                /* void */
            }

            if (any < 256 && ngx_http_overlay_splice_header_ok(s)
                && ngx_http_overlay_splice_add(s, cls, t, need[cls][t])
                   == 0)
            {
                s->retabled |= 1u << (cls * 4 + t);
            }
        }
    }

    /* the fit has something to do only where a symbol is still missing */

    s->fit_any = 0;

    for (cls = 0; cls < 2; cls++) {
        for (t = 0; t < 4; t++) {
            for (k = 0; k < 256; k++) {
                if (need[cls][t][k] != 0 && s->huff[cls][t].size[k] == 0) {
                    s->fit_any = 1;
                }
            }
        }
    }
}


/*
 * The source's bytes up to the first segment's bit, with the DHT segments
 * of the extended tables written again
 */

void
ngx_http_overlay_splice_header(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w)
{
    size_t                           from;
    ngx_http_overlay_jpeg_walk_t     walk;
    ngx_http_overlay_jpeg_segment_t  m;

    if (s->retabled == 0) {
        ngx_http_overlay_splice_verbatim(s->src, w, 0, &s->seg[0].at);
        return;
    }

    /* ngx_http_overlay_splice_header_ok() walked it all before */

    ngx_http_overlay_jpeg_walk_init(&walk, s->src, s->scan,
                                    NGX_HTTP_OVERLAY_JPEG_WALK_FILL
                                    | NGX_HTTP_OVERLAY_JPEG_WALK_ALONE);
    from = 0;

    while (ngx_http_overlay_jpeg_walk_next(&walk, &m)
           == NGX_HTTP_OVERLAY_JPEG_WALK_MARKER)
    {
        if (m.marker == NGX_HTTP_OVERLAY_JPEG_SOS) {
            break;
        }

        if (m.marker != NGX_HTTP_OVERLAY_JPEG_DHT) {
            continue;
        }

        memcpy(w->o, s->src + from, m.at - from);
        w->o += m.at - from;
        w->o = ngx_http_overlay_splice_dht(s, m.data, m.seg - 2, w->o);
        from = m.at + 2 + m.seg;
    }

    memcpy(w->o, s->src + from, s->scan - from);
    w->o += s->scan - from;

    ngx_http_overlay_splice_verbatim(s->src, w, s->scan, &s->seg[0].at);
}


/*
 * How often the segments' blocks, coded as they are, need each symbol
 * their tables lack: DC differences along the chains (the block after the
 * rectangle's included), the rectangle's AC symbols
 */

static void
ngx_http_overlay_splice_needs(ngx_http_overlay_splice_t *s,
    uint32_t need[2][4][256])
{
    int                              pred[NGX_HTTP_OVERLAY_SPLICE_COMPS], k;
    short                           *block;
    unsigned                         i, m, c, n, nb, ri, row, col;
    ngx_http_overlay_splice_seg_t   *g;
    ngx_http_overlay_splice_comp_t  *ci;

    ri = s->conf.restart_interval;

    for (i = 0; i < s->nsegs; i++) {
        g = &s->seg[i];
        memcpy(pred, g->pred, sizeof(pred));

        for (m = g->a; m < g->e; m++) {

            if (ri != 0 && m != g->a && m % ri == 0) {
                memset(pred, 0, sizeof(pred));
            }

            row = m / s->width;
            col = m % s->width;

            for (c = 0; c < s->conf.ncomps; c++) {
                ci = &s->conf.comp[c];
                nb = (s->conf.ncomps == 1) ? 1 : ci->h * ci->v;

                for (n = 0; n < nb; n++) {
                    block = ngx_http_overlay_splice_mcu_block(s, m, c, n);

                    k = ngx_http_overlay_splice_nbits(block[0] - pred[c]);
                    pred[c] = block[0];

                    if (k <= 11 && s->huff[0][ci->dc].size[k] == 0) {
                        need[0][ci->dc][k]++;
                    }

                    if (row >= s->y0 && row < s->y1 && col >= s->x0
                        && col < s->x1)
                    {
                        (void) ngx_http_overlay_splice_missing(block,
                                   &s->huff[1][ci->ac], need[1][ci->ac]);
                    }
                }
            }
        }
    }
}


/*
 * Whether the scan's tables hold every symbol the blocks can need: each DC
 * table every difference category of 0 to 11, each AC table end of block,
 * the run of 16 zeros and every run of 0 to 15 with every size of 1 to 10
 * (what ngx_http_overlay_splice_needs() counts): then nothing is needed
 */

static int
ngx_http_overlay_splice_complete(ngx_http_overlay_splice_t *s)
{
    unsigned                         c, k, r;
    ngx_http_overlay_splice_huff_t  *dc, *ac;

    for (c = 0; c < s->conf.ncomps; c++) {
        dc = &s->huff[0][s->conf.comp[c].dc];
        ac = &s->huff[1][s->conf.comp[c].ac];

        for (k = 0; k <= 11; k++) {
            if (dc->size[k] == 0) {
                return 0;
            }
        }

        if (ac->size[0x00] == 0 || ac->size[0xf0] == 0) {
            return 0;
        }

        for (r = 0; r < 16; r++) {
            for (k = 1; k <= 10; k++) {
                if (ac->size[r << 4 | k] == 0) {
                    return 0;
                }
            }
        }
    }

    return 1;
}


/*
 * Table t of class cls (0: DC) extended by the symbols needed, the most
 * needed first, as many as its free code space at 16 bits holds but its
 * all-ones code: 0, or -1 (no room)
 */

static int
ngx_http_overlay_splice_add(ngx_http_overlay_splice_t *s, unsigned cls,
    unsigned t, const uint32_t *need)
{
    unsigned                         l, n, k, sym, best, room, added;
    uint32_t                         used, most;
    ngx_http_overlay_splice_dht_t   *x;
    ngx_http_overlay_splice_huff_t  *h, tmp;
    uint32_t                         left[256];

    x = &s->ext[cls][t];
    *x = cls ? *s->conf.ac[t] : *s->conf.dc[t];
    h = &s->huff[cls][t];

    used = 0;
    n = 0;

    for (l = 1; l <= 16; l++) {
        used += (uint32_t) x->bits[l] << (16 - l);
        n += x->bits[l];
    }

    if (used >= 65536 - 1) {
        return -1;
    }

    room = 65536 - 1 - used;
    room = room < 256 - n ? room : 256 - n;

    memcpy(left, need, sizeof(left));
    added = 0;

    while (added < room) {
        most = 0;
        best = 0;

        for (sym = 0; sym < 256; sym++) {
            if (left[sym] > most) {
                most = left[sym];
                best = sym;
            }
        }

        if (most == 0) {
            break;
        }

        left[best] = 0;
        x->huffval[n + added++] = (unsigned char) best;
    }

    if (added == 0) {
        return -1;
    }

    x->bits[16] = (unsigned char) (x->bits[16] + added);

    /*
     * the codes of the new symbols, which come after all others; the
     * decoding tables stay as they are, for the source's codes
     */

    if (ngx_http_overlay_splice_table(&tmp, x, cls == 0) != 0) {
        return -1;
    }

    for (k = n; k < n + added; k++) {
        sym = x->huffval[k];
        h->code[sym] = tmp.code[sym];
        h->size[sym] = tmp.size[sym];
    }

    return 0;
}


/*
 * Whether the segments before the scan can be written again: each walked
 * to the scan's header, which ends where the scan begins, each DHT whole
 */

static int
ngx_http_overlay_splice_header_ok(ngx_http_overlay_splice_t *s)
{
    size_t                           i, n, k, tables, all;
    unsigned                         l;
    ngx_http_overlay_jpeg_walk_t     walk;
    ngx_http_overlay_jpeg_segment_t  m;

    if (s->header_checked) {
        return s->header_checked > 0;
    }

    s->header_checked = -1;

    if (s->scan < 4 || s->scan > s->len) {
        return 0;
    }

    ngx_http_overlay_jpeg_walk_init(&walk, s->src, s->scan,
                                    NGX_HTTP_OVERLAY_JPEG_WALK_FILL
                                    | NGX_HTTP_OVERLAY_JPEG_WALK_ALONE);
    all = 0;

    while (ngx_http_overlay_jpeg_walk_next(&walk, &m)
           == NGX_HTTP_OVERLAY_JPEG_WALK_MARKER)
    {
        if (m.marker == NGX_HTTP_OVERLAY_JPEG_SOS) {
            if (m.at + 4 > s->scan
                || m.at + 2 + ngx_http_overlay_be16(s->src + m.at + 2)
                   != s->scan)
            {
                return 0;
            }

            s->header_checked = 1;
            return 1;
        }

        if (m.marker != NGX_HTTP_OVERLAY_JPEG_DHT) {
            continue;
        }

        /*
         * the tables, one after another, fill the segment; each may grow
         * by 255 values, which must stay within the segment's length and
         * the output's margin
         */

        n = m.seg - 2;
        tables = 0;

        for (i = 0; i < n; i += 17 + k) {
            if (++tables > NGX_HTTP_OVERLAY_SPLICE_DHTS
                || ++all > NGX_HTTP_OVERLAY_SPLICE_DHTS
                || n + 255 * tables > 65535 - 2)
            {
                return 0;
            }

            if (i + 17 > n || (m.data[i] >> 4) > 1 || (m.data[i] & 15) > 3) {
                return 0;
            }

            for (l = 1, k = 0; l <= 16; l++) {
                k += m.data[i + l];
            }

            if (k > 256 || i + 17 + k > n) {
                return 0;
            }
        }
    }

    return 0;
}


/*
 * A DHT segment of n bytes of tables at data written to o, each extended
 * table as s->ext has it: the end of what was written
 */

static unsigned char *
ngx_http_overlay_splice_dht(ngx_http_overlay_splice_t *s,
    const unsigned char *data, size_t n, unsigned char *o)
{
    size_t                          i, k, len;
    unsigned                        l, cls, t;
    unsigned char                  *start;
    ngx_http_overlay_splice_dht_t  *x;

    start = o;
    o[0] = 0xff;
    o[1] = NGX_HTTP_OVERLAY_JPEG_DHT;
    o += 4;

    for (i = 0; i < n; i += 17 + k) {
        cls = data[i] >> 4;
        t = data[i] & 15;

        for (l = 1, k = 0; l <= 16; l++) {
            k += data[i + l];
        }

        if (!(s->retabled & (1u << (cls * 4 + t)))) {
            memcpy(o, data + i, 17 + k);
            o += 17 + k;
            continue;
        }

        x = &s->ext[cls][t];
        *o++ = data[i];

        for (l = 1, len = 0; l <= 16; l++) {
            *o++ = x->bits[l];
            len += x->bits[l];
        }

        memcpy(o, x->huffval, len);
        o += len;
    }

    len = (size_t) (o - start) - 2;
    start[2] = (unsigned char) (len >> 8);
    start[3] = (unsigned char) len;

    return o;
}
