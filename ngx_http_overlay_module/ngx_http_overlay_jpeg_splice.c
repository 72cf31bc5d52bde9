
/*
 * ngx_http_overlay_module: a JPEG changed in the entropy-coded data.
 *
 * The Huffman decoding and encoding of T.81, Annexes C and F, for
 * sequential 8-bit scans: bits are read from the top of a 64-bit word,
 * stuffed zero bytes dropped, and every read is checked against the end of
 * the scan (its EOI marker, found before anything is read): a stream that
 * ends early, a code no table has, a coefficient out of place, a restart
 * marker out of order make the splice decline, never read further.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_splice.h"


/*
 * An entry of the skip and pair tables: the bits of the AC codes and
 * their values (5 bits), the positions they fill (7 bits), whether the
 * last is the end of block, whether there are two
 */
#define NGX_HTTP_OVERLAY_SPLICE_EOB      0x4000
#define NGX_HTTP_OVERLAY_SPLICE_TWO      0x2000
#define ngx_http_overlay_splice_adv(t)   (((t) >> 5) & 0x7f)

/* bytes an MCU can take coded: 10 blocks of 64 symbols, stuffed */
#define NGX_HTTP_OVERLAY_SPLICE_MCU_MAX  8192

/*
 * the top bit of each 0xff byte of a word, and maybe of bytes above one:
 * not zero if and only if there is one
 */
#define ngx_http_overlay_splice_has_ff64(w)                                   \
    (((~(w)) - 0x0101010101010101ull) & (w) & 0x8080808080808080ull)

/* 8 bytes as a big-endian word */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ngx_http_overlay_splice_load64(q)                                     \
    __builtin_bswap64(ngx_http_overlay_splice_native64(q))
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ngx_http_overlay_splice_load64(q)                                     \
    ngx_http_overlay_splice_native64(q)
#else
#define ngx_http_overlay_splice_load64(q)                                     \
    ((uint64_t) (q)[0] << 56 | (uint64_t) (q)[1] << 48                        \
     | (uint64_t) (q)[2] << 40 | (uint64_t) (q)[3] << 32                      \
     | (uint64_t) (q)[4] << 24 | (uint64_t) (q)[5] << 16                      \
     | (uint64_t) (q)[6] << 8 | (uint64_t) (q)[7])
#endif

/* T.81 F.2.2.1: n bits of v, the top one 0 for a negative value */
#define ngx_http_overlay_splice_extend(v, n)                                  \
    ((v) < (1 << ((n) - 1)) ? (v) - (1 << (n)) + 1 : (v))


typedef struct {
    unsigned char                    *o;
    uint64_t                          acc;      /* bits from the bottom */
    int                               nb;       /* how many, below 32 */
} ngx_http_overlay_splice_writer_t;


static uint64_t ngx_http_overlay_splice_native64(const unsigned char *q);
static int ngx_http_overlay_splice_table(ngx_http_overlay_splice_huff_t *h,
    const ngx_http_overlay_splice_dht_t *t, int dc);
static void ngx_http_overlay_splice_pairs(uint16_t *pair,
    const ngx_http_overlay_splice_huff_t *h);
static void ngx_http_overlay_splice_fill(ngx_http_overlay_splice_reader_t *rd);
static int ngx_http_overlay_splice_symbol(
    ngx_http_overlay_splice_reader_t *rd,
    const ngx_http_overlay_splice_huff_t *h);
static int ngx_http_overlay_splice_bits(ngx_http_overlay_splice_reader_t *rd,
    int n);
static int ngx_http_overlay_splice_block_decode(
    ngx_http_overlay_splice_reader_t *rd,
    const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac, int *pred, short *block);
static int ngx_http_overlay_splice_run(ngx_http_overlay_splice_t *s,
    unsigned to, int store);
static int ngx_http_overlay_splice_skip(ngx_http_overlay_splice_t *s,
    unsigned to);
static int ngx_http_overlay_splice_jump(ngx_http_overlay_splice_t *s,
    unsigned to);
static int ngx_http_overlay_splice_long(const ngx_http_overlay_splice_huff_t *h,
    uint64_t acc, int *len);
static int ngx_http_overlay_splice_restart(ngx_http_overlay_splice_t *s,
    unsigned m);
static int ngx_http_overlay_splice_marker(ngx_http_overlay_splice_t *s,
    unsigned m);
static void ngx_http_overlay_splice_where(
    const ngx_http_overlay_splice_reader_t *rd,
    ngx_http_overlay_splice_pos_t *at);
static int ngx_http_overlay_splice_reserve(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, size_t n);
static void ngx_http_overlay_splice_put(ngx_http_overlay_splice_writer_t *w,
    uint32_t v, int n);
static void ngx_http_overlay_splice_bytes(
    ngx_http_overlay_splice_writer_t *w);
static void ngx_http_overlay_splice_pad(ngx_http_overlay_splice_writer_t *w);
static int ngx_http_overlay_splice_block_encode(
    ngx_http_overlay_splice_writer_t *w, const short *block, int *pred,
    const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac);
static void ngx_http_overlay_splice_copy(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w,
    const ngx_http_overlay_splice_pos_t *from,
    const ngx_http_overlay_splice_pos_t *to);
static void ngx_http_overlay_splice_verbatim(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, size_t from,
    const ngx_http_overlay_splice_pos_t *at);
static int ngx_http_overlay_splice_segment(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, ngx_http_overlay_splice_seg_t *g);
static int ngx_http_overlay_splice_align(ngx_http_overlay_splice_t *s,
    unsigned d);


/* the zigzag order: the k-th coefficient coded is block[zigzag[k]] */

const unsigned char  ngx_http_overlay_splice_zigzag[64] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
};


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

    if (s->ncomps < 1 || s->ncomps > NGX_HTTP_OVERLAY_SPLICE_COMPS) {
        s->why = "components";
        return -1;
    }

    memset(used, 0, sizeof(used));
    s->blocks = 0;

    for (c = 0; c < s->ncomps; c++) {
        ci = &s->comp[c];

        if (s->ncomps == 1) {
            ci->h = 1;
            ci->v = 1;
        }

        if (ci->h < 1 || ci->h > 4 || ci->v < 1 || ci->v > 4
            || ci->dc > 3 || ci->ac > 3
            || s->dc[ci->dc] == NULL || s->ac[ci->ac] == NULL)
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

    if (s->ncomps == 1) {
        s->width = s->comp[0].width;
        s->total = s->comp[0].width * s->comp[0].height;

    } else {
        s->width = s->mcus_per_row;
        s->total = s->mcus_per_row * s->mcu_rows;
    }

    if (s->total == 0) {
        s->why = "no MCUs";
        return -1;
    }

    for (t = 0; t < 4; t++) {
        if ((used[0][t]
             && ngx_http_overlay_splice_table(&s->huff[0][t], s->dc[t], 1)
                != 0)
            || (used[1][t]
                && ngx_http_overlay_splice_table(&s->huff[1][t], s->ac[t], 0)
                   != 0))
        {
            s->why = "Huffman table";
            return -1;
        }
    }

    for (t = 0; t < 4; t++) {
        if (used[1][t]) {
            ngx_http_overlay_splice_pairs(s->pair[t], &s->huff[1][t]);
        }
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

        q = memchr(p + i, 0xff, len - i);

        if (q == NULL || (size_t) (q - p) + 1 >= len) {
            s->why = "no EOI";
            return -1;
        }

        j = (size_t) (q - p);
        m = p[j + 1];

        if (m == 0x00) {
            continue;
        }

        if (m >= 0xd0 && m <= 0xd7 && s->restart_interval != 0) {
            continue;
        }

        if (m == 0xd9) {
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


/*
 * A table for decoding (codes of up to NGX_HTTP_OVERLAY_SPLICE_LOOK bits
 * by lookahead, longer ones as F.2.2.3 does) and encoding (each symbol's
 * code and length), refused where libjpeg refuses it: more than 256
 * codes, codes that do not fit their length, or use all its ones.
 */

static int
ngx_http_overlay_splice_table(ngx_http_overlay_splice_huff_t *h,
    const ngx_http_overlay_splice_dht_t *t, int dc)
{
    unsigned  l, i, k, n, code, sym, e, f, a;

    memset(h, 0, sizeof(ngx_http_overlay_splice_huff_t));

    for (l = 1, n = 0; l <= 16; l++) {
        n += t->bits[l];
    }

    if (n == 0 || n > 256) {
        return -1;
    }

    memcpy(h->huffval, t->huffval, n);

    code = 0;
    k = 0;

    for (l = 1; l <= 16; l++) {

        if (t->bits[l] == 0) {
            h->maxcode[l] = -1;
            code <<= 1;
            continue;
        }

        if (code + t->bits[l] >= (1u << l)) {
            return -1;
        }

        h->valoff[l] = (int32_t) k - (int32_t) code;

        for (i = 0; i < t->bits[l]; i++, k++, code++) {
            sym = t->huffval[k];

            if (dc && sym > 15) {
                return -1;
            }

            if (h->size[sym] == 0) {
                h->size[sym] = (unsigned char) l;
                h->code[sym] = (uint16_t) code;
            }

            if (l > NGX_HTTP_OVERLAY_SPLICE_LOOK) {
                continue;
            }

            /*
             * skip: for AC symbols, the bits of the code and its value,
             * and the positions it fills (or the end of block); 0 where
             * the value may not be (sizes over 10 bits)
             */

            e = code << (NGX_HTTP_OVERLAY_SPLICE_LOOK - l);
            f = e + (1u << (NGX_HTTP_OVERLAY_SPLICE_LOOK - l));
            a = (sym == 0x00) ? NGX_HTTP_OVERLAY_SPLICE_EOB
                : (sym == 0xf0) ? 16u << 5
                : ((sym & 15) == 0 || (sym & 15) > 10) ? 0
                : ((sym >> 4) + 1) << 5;

            for ( /* void */ ; e < f; e++) {
                h->look[e] = (uint16_t) (l << 8 | sym);
                h->skip[e] = (uint16_t) (a ? a | (l + (sym & 15)) : 0);
            }
        }

        h->maxcode[l] = (int32_t) code - 1;
        code <<= 1;
    }

    return 0;
}


/*
 * Two AC symbols at once, where both codes and values are within the next
 * NGX_HTTP_OVERLAY_SPLICE_PAIR bits and the first is not the end of block;
 * else the first alone, as the skip table has it
 */

static void
ngx_http_overlay_splice_pairs(uint16_t *pair,
    const ngx_http_overlay_splice_huff_t *h)
{
    unsigned  v, t, u, n;

#define ngx_http_overlay_splice_top(v)                                        \
    ((v) >> (NGX_HTTP_OVERLAY_SPLICE_PAIR - NGX_HTTP_OVERLAY_SPLICE_LOOK))

    for (v = 0; v < (1u << NGX_HTTP_OVERLAY_SPLICE_PAIR); v++) {
        t = h->skip[ngx_http_overlay_splice_top(v)];
        n = t & 31;
        pair[v] = (uint16_t) t;

        if (t == 0 || (t & NGX_HTTP_OVERLAY_SPLICE_EOB)
            || n >= NGX_HTTP_OVERLAY_SPLICE_PAIR)
        {
            continue;
        }

        u = h->skip[ngx_http_overlay_splice_top(
                        (v << n) & ((1u << NGX_HTTP_OVERLAY_SPLICE_PAIR) - 1))];

        if (u == 0 || (u & 31) > NGX_HTTP_OVERLAY_SPLICE_PAIR - n) {
            continue;
        }

        pair[v] = (uint16_t) (NGX_HTTP_OVERLAY_SPLICE_TWO
                              | (u & NGX_HTTP_OVERLAY_SPLICE_EOB)
                              | (ngx_http_overlay_splice_adv(t)
                                 + ngx_http_overlay_splice_adv(u)) << 5
                              | (n + (u & 31)));
    }

#undef ngx_http_overlay_splice_top
}


static uint64_t
ngx_http_overlay_splice_native64(const unsigned char *q)
{
    uint64_t  w;

    memcpy(&w, q, sizeof(uint64_t));

    return w;
}


/*
 * Loads bytes until the word holds more than 56 bits, or a marker or the
 * scan's end is next: eight at a time where none is 0xff.  The bits below
 * the valid ones may be anything: each is looked at only once counted.
 */

static void
ngx_http_overlay_splice_fill(ngx_http_overlay_splice_reader_t *rd)
{
    int                   n;
    uint64_t              w;
    unsigned              c;
    const unsigned char  *p;

    p = rd->p;

    if (rd->bits > 56) {
        return;
    }

    n = (63 - rd->bits) >> 3;

    if (rd->pos + 8 <= rd->limit) {
        w = ngx_http_overlay_splice_load64(p + rd->pos);

        if ((ngx_http_overlay_splice_has_ff64(w) & ~(~0ull >> (8 * n))) == 0)
        {
            rd->acc = (rd->acc & ~(~0ull >> rd->bits)) | w >> rd->bits;
            rd->bits += 8 * n;
            rd->pos += (size_t) n;
            return;
        }
    }

    rd->acc &= ~(~0ull >> rd->bits);

    while (rd->bits <= 56 && rd->pos < rd->limit) {
        c = p[rd->pos];

        if (c == 0xff) {

            /* p[limit] is the EOI's 0xff: the next byte is there */

            if (p[rd->pos + 1] != 0x00) {
                return;
            }

            rd->pos += 2;

        } else {
            rd->pos++;
        }

        rd->acc |= (uint64_t) c << (56 - rd->bits);
        rd->bits += 8;
    }
}


/* a Huffman symbol, or -1: no such code, or the data ended */

static int
ngx_http_overlay_splice_symbol(ngx_http_overlay_splice_reader_t *rd,
    const ngx_http_overlay_splice_huff_t *h)
{
    int       l, i;
    unsigned  e;

    if (rd->bits < 16) {
        ngx_http_overlay_splice_fill(rd);
    }

    e = h->look[rd->acc >> (64 - NGX_HTTP_OVERLAY_SPLICE_LOOK)];

    if (e != 0) {
        l = (int) (e >> 8);

        if (l > rd->bits) {
            return -1;
        }

        rd->acc <<= l;
        rd->bits -= l;

        return (int) (e & 0xff);
    }

    i = ngx_http_overlay_splice_long(h, rd->acc, &l);

    if (i < 0 || l > rd->bits) {
        return -1;
    }

    rd->acc <<= l;
    rd->bits -= l;

    return i;
}


static int
ngx_http_overlay_splice_bits(ngx_http_overlay_splice_reader_t *rd, int n)
{
    int  v;

    if (rd->bits < n) {
        ngx_http_overlay_splice_fill(rd);

        if (rd->bits < n) {
            return -1;
        }
    }

    v = (int) (rd->acc >> (64 - n));
    rd->acc <<= n;
    rd->bits -= n;

    return v;
}


/*
 * One block: the DC difference (a category of 11 bits at most, the value
 * within what 8-bit samples give), the AC coefficients (sizes of 10 bits
 * at most, never past the 64th); block NULL: only the predictor kept.
 */

static int
ngx_http_overlay_splice_block_decode(ngx_http_overlay_splice_reader_t *rd,
    const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac, int *pred, short *block)
{
    int  s, r, k, v;

    s = ngx_http_overlay_splice_symbol(rd, dc);

    if (s < 0 || s > 11) {
        return -1;
    }

    if (s != 0) {
        v = ngx_http_overlay_splice_bits(rd, s);

        if (v < 0) {
            return -1;
        }

        *pred += ngx_http_overlay_splice_extend(v, s);

        if (*pred < -2048 || *pred > 2047) {
            return -1;
        }
    }

    if (block != NULL) {
        memset(block, 0, 64 * sizeof(short));
        block[0] = (short) *pred;
    }

    for (k = 1; k < 64; k++) {
        s = ngx_http_overlay_splice_symbol(rd, ac);

        if (s < 0) {
            return -1;
        }

        r = s >> 4;
        s &= 15;

        if (s == 0) {
            if (r != 15) {
                break;                              /* end of block */
            }

            if (k + 15 > 63) {
                return -1;
            }

            k += 15;                                /* 16 zeros */
            continue;
        }

        k += r;

        if (k > 63 || s > 10) {
            return -1;
        }

        v = ngx_http_overlay_splice_bits(rd, s);

        if (v < 0) {
            return -1;
        }

        if (block != NULL) {
            block[ngx_http_overlay_splice_zigzag[k]] =
                                (short) ngx_http_overlay_splice_extend(v, s);
        }
    }

    return 0;
}


int
ngx_http_overlay_splice_decode(ngx_http_overlay_splice_t *s, unsigned x0,
    unsigned y0, unsigned x1, unsigned y1)
{
    unsigned                        y, a, e, i, ri;
    ngx_http_overlay_splice_seg_t  *g;

    ri = s->restart_interval;

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


/* decodes MCUs s->next up to to, their blocks to s->block() if store */

static int
ngx_http_overlay_splice_run(ngx_http_overlay_splice_t *s, unsigned to,
    int store)
{
    int                                    *pred;
    short                                  *block;
    unsigned                                m, ri, c, x, y, row, col, bx, by;
    ngx_http_overlay_splice_comp_t         *ci;
    ngx_http_overlay_splice_reader_t       *rd;
    const ngx_http_overlay_splice_huff_t   *dc, *ac;

    if (!store) {

        /*
         * Restart intervals passed over, but when the data's end before
         * the first marker after a segment is still to be noted
         */

        if (s->jump && s->restart_interval != 0
            && !(s->gap != NULL && s->gap->r_marker == 0 && s->gap->r <= to)
            && ngx_http_overlay_splice_jump(s, to) != 0)
        {
            return -1;
        }

        return ngx_http_overlay_splice_skip(s, to);
    }

    rd = &s->rd;
    ri = s->restart_interval;
    block = NULL;

    for (m = s->next; m < to; m++) {

        if (ri != 0 && m != 0 && m % ri == 0 && m != s->restarted) {
            if (ngx_http_overlay_splice_restart(s, m) != 0) {
                return -1;
            }
        }

        if (s->ncomps == 1) {
            ci = &s->comp[0];

            if (store) {
                block = s->block(s->data, ci->index, m % ci->width,
                                 m / ci->width);
            }

            if (ngx_http_overlay_splice_block_decode(rd,
                    &s->huff[0][ci->dc], &s->huff[1][ci->ac], &s->pred[0],
                    block)
                != 0)
            {
                goto failed;
            }

            continue;
        }

        row = m / s->mcus_per_row;
        col = m % s->mcus_per_row;

        for (c = 0; c < s->ncomps; c++) {
            ci = &s->comp[c];
            dc = &s->huff[0][ci->dc];
            ac = &s->huff[1][ci->ac];
            pred = &s->pred[c];

            for (y = 0; y < ci->v; y++) {
                by = row * ci->v + y;

                for (x = 0; x < ci->h; x++) {
                    bx = col * ci->h + x;

                    if (store) {
                        block = s->block(s->data, ci->index, bx, by);
                    }

                    if (ngx_http_overlay_splice_block_decode(rd, dc, ac, pred,
                                                             block)
                        != 0)
                    {
                        goto failed;
                    }
                }
            }
        }
    }

    s->next = to;

    return 0;

failed:

    s->why = "corrupt data";
    return -1;
}


/*
 * Decodes MCUs s->next up to to, keeping only the DC predictors: the
 * reader in locals, each AC symbol and its value's bits consumed at once.
 * This runs over every MCU before the region: the skip is most of the
 * splice's time when the region is low in the image.
 */

static int
ngx_http_overlay_splice_skip(ngx_http_overlay_splice_t *s, unsigned to)
{
    int                                    k, l, n, r, t, v, sym, bits,
                                           pred;
    uint64_t                               acc, w;
    unsigned                               m, c, b, ri, nr, nblocks[4];
    const uint16_t                        *pair;
    const ngx_http_overlay_splice_huff_t  *dc, *ac,
                                          *dcs[NGX_HTTP_OVERLAY_SPLICE_COMPS],
                                          *acs[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    ngx_http_overlay_splice_reader_t      *rd;

    rd = &s->rd;
    ri = s->restart_interval;
    w = 0;

    for (c = 0; c < s->ncomps; c++) {
        dcs[c] = &s->huff[0][s->comp[c].dc];
        acs[c] = &s->huff[1][s->comp[c].ac];
        nblocks[c] = s->comp[c].h * s->comp[c].v;
    }

    /* the next MCU a restart marker comes before */

    nr = (unsigned) -1;

    if (ri != 0) {
        nr = (s->next != 0 && s->next % ri == 0 && s->next != s->restarted)
             ? s->next : (s->next / ri + 1) * ri;
    }

    /*
     * more than 56 bits when 8 bytes without 0xff are there, as
     * ngx_http_overlay_splice_fill() does, without a call
     */

#define ngx_http_overlay_splice_refill()                                      \
    if (bits < 32) {                                                          \
        n = (63 - bits) >> 3;                                                 \
                                                                              \
        if (rd->pos + 8 <= rd->limit) {                                       \
            w = ngx_http_overlay_splice_load64(rd->p + rd->pos);              \
        }                                                                     \
                                                                              \
        if (rd->pos + 8 <= rd->limit                                          \
            && (ngx_http_overlay_splice_has_ff64(w) & ~(~0ull >> (8 * n)))    \
               == 0)                                                          \
        {                                                                     \
            acc = (acc & ~(~0ull >> bits)) | w >> bits;                       \
            bits += 8 * n;                                                    \
            rd->pos += (size_t) n;                                            \
                                                                              \
        } else {                                                              \
            rd->acc = acc;                                                    \
            rd->bits = bits;                                                  \
            ngx_http_overlay_splice_fill(rd);                                 \
            acc = rd->acc;                                                    \
            bits = rd->bits;                                                  \
        }                                                                     \
    }

    acc = rd->acc;
    bits = rd->bits;

    for (m = s->next; m < to; m++) {

        if (m == nr) {
            rd->acc = acc;
            rd->bits = bits;

            if (ngx_http_overlay_splice_restart(s, m) != 0) {
                return -1;
            }

            acc = 0;
            bits = 0;
            nr += ri;
        }

        for (c = 0; c < s->ncomps; c++) {
            dc = dcs[c];
            ac = acs[c];
            pair = s->pair[s->comp[c].ac];
            pred = s->pred[c];

            for (b = 0; b < nblocks[c]; b++) {

                ngx_http_overlay_splice_refill();

                t = dc->look[acc >> (64 - NGX_HTTP_OVERLAY_SPLICE_LOOK)];

                if (t != 0) {
                    l = t >> 8;
                    sym = t & 0xff;

                } else {
                    sym = ngx_http_overlay_splice_long(dc, acc, &l);
                }

                if (sym < 0 || sym > 11 || l + sym > bits) {
                    goto failed;
                }

                if (sym != 0) {
                    v = (int) ((acc << l) >> (64 - sym));
                    pred += ngx_http_overlay_splice_extend(v, sym);

                    if (pred < -2048 || pred > 2047) {
                        goto failed;
                    }
                }

                acc <<= l + sym;
                bits -= l + sym;

                /*
                 * k: the next position; a symbol fills up to 64.  Two
                 * symbols at once, but where a code is long or the block
                 * may end, one as carefully as ever.
                 */

                for (k = 1; k < 64; /* void */ ) {

                    ngx_http_overlay_splice_refill();

                    t = pair[acc >> (64 - NGX_HTTP_OVERLAY_SPLICE_PAIR)];

                    if (t == 0 || k + ngx_http_overlay_splice_adv(t) >= 64) {
                        t = ac->skip[acc
                                     >> (64 - NGX_HTTP_OVERLAY_SPLICE_LOOK)];

                        if (t == 0) {
                            sym = ngx_http_overlay_splice_long(ac, acc, &l);
                            n = sym & 15;
                            r = sym >> 4;

                            if (sym < 0 || n > 10
                                || (n == 0 && r != 0 && r != 15))
                            {
                                goto failed;
                            }

                            t = (sym == 0)
                                ? NGX_HTTP_OVERLAY_SPLICE_EOB | l
                                : (n == 0 ? 16 : r + 1) << 5 | (l + n);
                        }

                        if (k + ngx_http_overlay_splice_adv(t) > 64) {
                            goto failed;
                        }
                    }

                    if ((t & 31) > bits) {
                        goto failed;
                    }

                    acc <<= t & 31;
                    bits -= t & 31;
                    k += ngx_http_overlay_splice_adv(t);

                    if (t & NGX_HTTP_OVERLAY_SPLICE_EOB) {
                        break;
                    }
                }
            }

            s->pred[c] = pred;
        }
    }

#undef ngx_http_overlay_splice_refill

    rd->acc = acc;
    rd->bits = bits;
    s->next = to;

    return 0;

failed:

    s->why = "corrupt data";
    return -1;
}


/*
 * From MCU s->next to the last restart interval that begins by MCU to
 * (before the last interval of the scan), by the markers: 0, or -1 when
 * they are not there in order.
 */

static int
ngx_http_overlay_splice_jump(ngx_http_overlay_splice_t *s, unsigned to)
{
    size_t                             pos, j;
    unsigned                           ri, b, m, count, n;
    const unsigned char               *q;
    ngx_http_overlay_splice_reader_t  *rd;

    rd = &s->rd;
    ri = s->restart_interval;

    /* b: where to go; m: the MCU the next marker comes before */

    b = to / ri * ri;
    m = (s->next != 0 && s->next % ri == 0 && s->next != s->restarted)
        ? s->next : (s->next / ri + 1) * ri;

    if (b <= s->next || b < m || b >= s->total) {
        return 0;
    }

    count = (b - m) / ri + 1;
    n = m / ri - 1;

    for (pos = rd->pos; count > 0; pos = j + 2) {

        q = (pos < rd->limit) ? memchr(rd->p + pos, 0xff, rd->limit - pos)
                              : NULL;

        if (q == NULL) {
            s->why = "restart marker";
            return -1;
        }

        /* before limit, the EOI's 0xff: the byte after is there */

        j = (size_t) (q - rd->p);

        if (rd->p[j + 1] == 0x00) {
            continue;
        }

        if (rd->p[j + 1] != 0xd0 + (n & 7)) {
            s->why = "restart marker";
            return -1;
        }

        n++;
        count--;
    }

    rd->pos = pos;
    rd->start = pos;
    rd->acc = 0;
    rd->bits = 0;

    s->next = b;
    s->restarted = b;
    memset(s->pred, 0, sizeof(s->pred));

    return 0;
}


/* a code longer than the lookahead, as F.2.2.3; -1: no such code */

static int
ngx_http_overlay_splice_long(const ngx_http_overlay_splice_huff_t *h,
    uint64_t acc, int *len)
{
    int      l, i;
    int32_t  code;

    for (l = NGX_HTTP_OVERLAY_SPLICE_LOOK + 1; l <= 16; l++) {
        code = (int32_t) (acc >> (64 - l));

        if (code <= h->maxcode[l]) {
            i = code + h->valoff[l];

            if (i < 0 || i > 255) {
                return -1;
            }

            *len = l;
            return h->huffval[i];
        }
    }

    return -1;
}


/* the restart marker before MCU m read, the predictors reset */

static int
ngx_http_overlay_splice_restart(ngx_http_overlay_splice_t *s, unsigned m)
{
    if (ngx_http_overlay_splice_marker(s, m) != 0) {
        return -1;
    }

    /* the first restart after a segment, in the gap before the next */

    if (s->gap != NULL && m == s->gap->r) {
        ngx_http_overlay_splice_where(&s->rd, &s->gap->r_end);
        s->gap->r_marker = s->rd.pos;
    }

    s->rd.pos += 2;
    s->rd.start = s->rd.pos;
    s->rd.acc = 0;
    s->rd.bits = 0;
    s->restarted = m;
    memset(s->pred, 0, sizeof(s->pred));

    return 0;
}


/*
 * The data before the MCU m that begins a restart interval (or m is the
 * end) must end within a byte of padding, at its marker: RSTn in order,
 * or EOI.
 */

static int
ngx_http_overlay_splice_marker(ngx_http_overlay_splice_t *s, unsigned m)
{
    ngx_http_overlay_splice_reader_t  *rd;

    rd = &s->rd;

    ngx_http_overlay_splice_fill(rd);

    if (rd->bits >= 8) {
        s->why = "data before a marker";
        return -1;
    }

    if (m == s->total) {
        if (rd->pos != rd->limit) {
            s->why = "no EOI after the last MCU";
            return -1;
        }

        return 0;
    }

    /* pos < limit: the byte after pos is there */

    if (rd->pos >= rd->limit || rd->p[rd->pos] != 0xff
        || rd->p[rd->pos + 1] != 0xd0 + ((m / s->restart_interval - 1) & 7))
    {
        s->why = "restart marker";
        return -1;
    }

    return 0;
}


/*
 * Where the next bit to decode is: its byte in the source, and how many of
 * that byte's bits were before it.  The bytes in the word are the last
 * loaded, each one byte of the source or a stuffed 0xff 0x00.
 */

static void
ngx_http_overlay_splice_where(const ngx_http_overlay_splice_reader_t *rd,
    ngx_http_overlay_splice_pos_t *at)
{
    int     n;
    size_t  x;

    x = rd->pos;
    n = (rd->bits + 7) >> 3;

    while (n-- > 0) {
        if (x >= rd->start + 2 && rd->p[x - 1] == 0x00
            && rd->p[x - 2] == 0xff)
        {
            x -= 2;

        } else {
            x--;
        }
    }

    at->byte = x;
    at->bit = (rd->bits & 7) ? 8 - (unsigned) (rd->bits & 7) : 0;
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

again:

    /* the source up to the first segment, to its bit */

    w.o = s->out;
    w.acc = 0;
    w.nb = 0;

    ngx_http_overlay_splice_verbatim(s, &w, 0, &s->seg[0].at);

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

            ngx_http_overlay_splice_copy(s, &w, &g->after, &g->r_end);
            ngx_http_overlay_splice_pad(&w);

            if (next == NULL) {
                memcpy(w.o, s->src + g->r_marker, s->len - g->r_marker);
                w.o += s->len - g->r_marker;
                break;
            }

            ngx_http_overlay_splice_verbatim(s, &w, g->r_marker, &next->at);
            continue;
        }

        if (next != NULL) {
            ngx_http_overlay_splice_copy(s, &w, &g->after, &next->at);
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

            if (last == 0x00 && s->eoi >= s->scan + 2
                && s->src[s->eoi - 2] == 0xff)
            {
                last = 0xff;
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

            if (q != 0 && t + q >= 8 && s->adjust && !adjusted
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

        ngx_http_overlay_splice_copy(s, &w, &g->after, &end);
        ngx_http_overlay_splice_pad(&w);

        memcpy(w.o, s->src + s->eoi, s->len - s->eoi);
        w.o += s->len - s->eoi;
    }

    s->out_len = (size_t) (w.o - s->out);

    return 0;

failed:

    free(s->out);
    s->out = NULL;

    return -1;
}


void
ngx_http_overlay_splice_free(ngx_http_overlay_splice_t *s)
{
    free(s->seg);
    free(s->out);

    s->seg = NULL;
    s->out = NULL;
}


/*
 * Drops the last AC coefficient, a 1 or a -1, of one to three blocks of
 * the rectangle's MCUs, so that the data is d bits shorter (mod 8): each
 * saves its code and value bit, and the runs of 16 zeros before it; the
 * end of block stays.  0, or -1 when no such blocks add up to d.
 */

static int
ngx_http_overlay_splice_align(ngx_http_overlay_splice_t *s, unsigned d)
{
    int                              k, r;
    short                           *block, *found[8][3];
    unsigned                         i, m, c, x, y, a, b, e, row, col, n,
                                     save, count[8], need[8];
    ngx_http_overlay_splice_seg_t   *g;
    ngx_http_overlay_splice_comp_t  *ci;
    ngx_http_overlay_splice_huff_t  *ac;

    memset(count, 0, sizeof(count));

    /* up to three blocks of each saving, mod 8 */

    for (i = 0; i < s->nsegs; i++) {
        g = &s->seg[i];

        for (m = g->a; m < g->e; m++) {
            row = m / s->width;
            col = m % s->width;

            if (row < s->y0 || row >= s->y1 || col < s->x0 || col >= s->x1) {
                continue;
            }

            for (c = 0; c < s->ncomps; c++) {
                ci = &s->comp[c];
                ac = &s->huff[1][ci->ac];

                for (n = 0; n < ci->h * ci->v; n++) {
                    x = n % ci->h;
                    y = n / ci->h;

                    block = (s->ncomps == 1)
                            ? s->block(s->data, ci->index, col, row)
                            : s->block(s->data, ci->index, col * ci->h + x,
                                       row * ci->v + y);

                    for (k = 62; k > 0; k--) {
                        if (block[ngx_http_overlay_splice_zigzag[k]] != 0) {
                            break;
                        }
                    }

                    if (k == 0 || block[ngx_http_overlay_splice_zigzag[63]]
                        || (block[ngx_http_overlay_splice_zigzag[k]] != 1
                            && block[ngx_http_overlay_splice_zigzag[k]] != -1))
                    {
                        continue;
                    }

                    for (r = 0; k - r - 1 > 0
                                && block[ngx_http_overlay_splice_zigzag[
                                             k - r - 1]] == 0;
                         r++)
                    {
                        /* void */
                    }

                    save = (unsigned) (r >> 4) * ac->size[0xf0]
                           + ac->size[(r & 15) << 4 | 1] + 1;

                    if (count[save & 7] < 3) {
                        found[save & 7][count[save & 7]++] = block
                                          + ngx_http_overlay_splice_zigzag[k];
                    }
                }
            }
        }
    }

    /* one, two or three savings that add up to d, mod 8 */

    if (count[d] > 0) {
        *found[d][0] = 0;
        return 0;
    }

    for (a = 1; a < 8; a++) {
        b = (d + 8 - a) & 7;

        if (b != 0 && count[a] > 0 && count[b] > (a == b)) {
            *found[a][0] = 0;
            *found[b][a == b] = 0;
            return 0;
        }
    }

    for (a = 1; a < 8; a++) {
        for (b = a; b < 8; b++) {
            e = (d + 16 - a - b) & 7;

            if (e < b) {
                continue;
            }

            memset(need, 0, sizeof(need));
            need[a]++;
            need[b]++;
            need[e]++;

            if (count[a] >= need[a] && count[b] >= need[b]
                && count[e] >= need[e])
            {
                *found[a][0] = 0;
                *found[b][a == b] = 0;
                *found[e][(e == a) + (e == b)] = 0;
                return 0;
            }
        }
    }

    return -1;
}


/*
 * The source's bytes from from, aligned as there, up to the bit at: the
 * output is at a byte's start, the source's from too.
 */

static void
ngx_http_overlay_splice_verbatim(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, size_t from,
    const ngx_http_overlay_splice_pos_t *at)
{
    memcpy(w->o, s->src + from, at->byte - from);
    w->o += at->byte - from;

    if (at->bit != 0) {
        ngx_http_overlay_splice_put(w, s->src[at->byte] >> (8 - at->bit),
                                    (int) at->bit);
    }
}


/* a segment's MCUs coded: -1 when a symbol is missing from the tables */

static int
ngx_http_overlay_splice_segment(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, ngx_http_overlay_splice_seg_t *g)
{
    int                              pred[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    unsigned                         m, ri, c, x, y, row, col;
    const short                     *block;
    ngx_http_overlay_splice_comp_t  *ci;

    ri = s->restart_interval;

    memcpy(pred, g->pred, sizeof(pred));

    for (m = g->a; m < g->e; m++) {

        if (ngx_http_overlay_splice_reserve(s, w,
                                            NGX_HTTP_OVERLAY_SPLICE_MCU_MAX)
            != 0)
        {
            return -1;
        }

        if (ri != 0 && m != g->a && m % ri == 0) {
            ngx_http_overlay_splice_pad(w);
            *w->o++ = 0xff;
            *w->o++ = (unsigned char) (0xd0 + ((m / ri - 1) & 7));
            memset(pred, 0, sizeof(pred));
        }

        if (s->ncomps == 1) {
            ci = &s->comp[0];
            block = s->block(s->data, ci->index, m % ci->width,
                             m / ci->width);

            if (ngx_http_overlay_splice_block_encode(w, block, &pred[0],
                    &s->huff[0][ci->dc], &s->huff[1][ci->ac])
                != 0)
            {
                return -1;
            }

            continue;
        }

        row = m / s->mcus_per_row;
        col = m % s->mcus_per_row;

        for (c = 0; c < s->ncomps; c++) {
            ci = &s->comp[c];

            for (y = 0; y < ci->v; y++) {
                for (x = 0; x < ci->h; x++) {
                    block = s->block(s->data, ci->index, col * ci->h + x,
                                     row * ci->v + y);

                    if (ngx_http_overlay_splice_block_encode(w, block,
                            &pred[c], &s->huff[0][ci->dc],
                            &s->huff[1][ci->ac])
                        != 0)
                    {
                        return -1;
                    }
                }
            }
        }
    }

    return 0;
}


static int
ngx_http_overlay_splice_reserve(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, size_t n)
{
    size_t          used, size;
    unsigned char  *out;

    used = (size_t) (w->o - s->out);

    if (s->out_size - used >= n) {
        return 0;
    }

    for (size = s->out_size * 2; size - used < n; size *= 2) {
        /* void */
    }

    out = realloc(s->out, size);

    if (out == NULL) {
        free(s->out);
        s->out = NULL;
        s->why = "no memory";
        return -1;
    }

    s->out = out;
    s->out_size = size;
    w->o = out + used;

    return 0;
}


/*
 * n (up to 27) bits of v: written 32 at a time, each 0xff byte stuffed
 * with a zero; up to 31 stay in the word
 */

static void
ngx_http_overlay_splice_put(ngx_http_overlay_splice_writer_t *w, uint32_t v,
    int n)
{
    int       i;
    unsigned  c;
    uint32_t  x;

    w->acc = w->acc << n | v;
    w->nb += n;

    if (w->nb < 32) {
        return;
    }

    w->nb -= 32;
    x = (uint32_t) (w->acc >> w->nb);

    if (!ngx_http_overlay_splice_has_ff64((uint64_t) x)) {
        w->o[0] = (unsigned char) (x >> 24);
        w->o[1] = (unsigned char) (x >> 16);
        w->o[2] = (unsigned char) (x >> 8);
        w->o[3] = (unsigned char) x;
        w->o += 4;
        return;
    }

    for (i = 24; i >= 0; i -= 8) {
        c = (x >> i) & 0xff;
        *w->o++ = (unsigned char) c;

        if (c == 0xff) {
            *w->o++ = 0x00;
        }
    }
}


/* the whole bytes in the word written: fewer than 8 bits stay */

static void
ngx_http_overlay_splice_bytes(ngx_http_overlay_splice_writer_t *w)
{
    unsigned  c;

    while (w->nb >= 8) {
        w->nb -= 8;
        c = (unsigned) (w->acc >> w->nb) & 0xff;
        *w->o++ = (unsigned char) c;

        if (c == 0xff) {
            *w->o++ = 0x00;
        }
    }
}


/* ones up to the byte's end, as T.81 F.1.2.3 pads before a marker */

static void
ngx_http_overlay_splice_pad(ngx_http_overlay_splice_writer_t *w)
{
    ngx_http_overlay_splice_bytes(w);

    if (w->nb != 0) {
        ngx_http_overlay_splice_put(w, (1u << (8 - w->nb)) - 1, 8 - w->nb);
        ngx_http_overlay_splice_bytes(w);
    }
}


int
ngx_http_overlay_splice_nbits(int v)
{
    unsigned  u;

    u = (unsigned) (v < 0 ? -v : v);

    return u ? 32 - __builtin_clz(u) : 0;
}


/* T.81 F.1.2: a block, with the source's tables; -1: a symbol missing */

static int
ngx_http_overlay_splice_block_encode(ngx_http_overlay_splice_writer_t *w,
    const short *block, int *pred, const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac)
{
    int       v, n, r, k, sym, last;
    uint64_t  nz;

    v = block[0] - *pred;
    *pred = block[0];

    n = ngx_http_overlay_splice_nbits(v);

    if (n > 11 || dc->size[n] == 0) {
        return -1;
    }

    v = v < 0 ? v - 1 : v;
    ngx_http_overlay_splice_put(w, (uint32_t) dc->code[n] << n
                                   | ((uint32_t) v & ((1u << n) - 1)),
                                dc->size[n] + n);

    /* the nonzero coefficients, bit 63 - k for the k-th in zigzag order */

    nz = 0;

    for (k = 1; k < 64; k++) {
        nz |= (uint64_t) (block[ngx_http_overlay_splice_zigzag[k]] != 0)
              << (63 - k);
    }

    for (last = 0; nz != 0; last = k) {
        k = __builtin_clzll(nz);
        nz &= ~(1ull << (63 - k));
        r = k - last - 1;
        v = block[ngx_http_overlay_splice_zigzag[k]];

        for ( /* void */ ; r > 15; r -= 16) {
            if (ac->size[0xf0] == 0) {
                return -1;
            }

            ngx_http_overlay_splice_put(w, ac->code[0xf0], ac->size[0xf0]);
        }

        n = ngx_http_overlay_splice_nbits(v);
        sym = r << 4 | n;

        if (n > 10 || ac->size[sym] == 0) {
            return -1;
        }

        v = v < 0 ? v - 1 : v;
        ngx_http_overlay_splice_put(w, (uint32_t) ac->code[sym] << n
                                       | ((uint32_t) v & ((1u << n) - 1)),
                                    ac->size[sym] + n);
    }

    r = 63 - last;

    if (r != 0) {
        if (ac->size[0x00] == 0) {
            return -1;
        }

        ngx_http_overlay_splice_put(w, ac->code[0x00], ac->size[0x00]);
    }

    return 0;
}


/*
 * The source's data bits from one position to another, each stuffed
 * 0xff 0x00 one byte: eight bytes at a time where none is 0xff, before or
 * after the shift.
 */

static void
ngx_http_overlay_splice_copy(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w,
    const ngx_http_overlay_splice_pos_t *from,
    const ngx_http_overlay_splice_pos_t *to)
{
    int                   i;
    size_t                b, eb;
    uint64_t              v, x;
    unsigned              c, n, k, ek;
    const unsigned char  *p;

    p = s->src;
    b = from->byte;
    k = from->bit;
    eb = to->byte;
    ek = to->bit;

    ngx_http_overlay_splice_bytes(w);

    if (k != 0) {
        c = p[b];

        if (b == eb) {
            if (ek > k) {
                n = ek - k;
                ngx_http_overlay_splice_put(w,
                                            (c >> (8 - ek)) & ((1u << n) - 1),
                                            (int) n);
            }

            return;
        }

        n = 8 - k;
        ngx_http_overlay_splice_put(w, c & ((1u << n) - 1), (int) n);
        ngx_http_overlay_splice_bytes(w);
        b += (c == 0xff) ? 2 : 1;
    }

    while (b < eb) {

        if (b + 8 <= eb) {
            v = ngx_http_overlay_splice_load64(p + b);

            if (!ngx_http_overlay_splice_has_ff64(v)) {

                /* the pending bits, then all but the last nb of v */

                x = (w->nb == 0) ? v : w->acc << (64 - w->nb) | v >> w->nb;
                w->acc = v;

                if (!ngx_http_overlay_splice_has_ff64(x)) {
                    x = ngx_http_overlay_splice_load64(
                            (const unsigned char *) &x);
                    memcpy(w->o, &x, 8);
                    w->o += 8;

                } else {
                    for (i = 56; i >= 0; i -= 8) {
                        c = (unsigned) (x >> i) & 0xff;
                        *w->o++ = (unsigned char) c;

                        if (c == 0xff) {
                            *w->o++ = 0x00;
                        }
                    }
                }

                b += 8;
                continue;
            }
        }

        c = p[b];
        b += (c == 0xff) ? 2 : 1;
        ngx_http_overlay_splice_put(w, c, 8);
        ngx_http_overlay_splice_bytes(w);
    }

    if (ek != 0) {
        ngx_http_overlay_splice_put(w, (unsigned) p[eb] >> (8 - ek),
                                    (int) ek);
    }
}
