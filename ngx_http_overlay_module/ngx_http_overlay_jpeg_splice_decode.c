
/*
 * ngx_http_overlay_module: the entropy splice's decoding side.
 *
 * The Huffman tables made from DHT's (for lookahead decoding, for skipping
 * two AC symbols at once, and for encoding), the decoding of MCUs to the
 * caller's blocks, the faster skip over those between segments (only the
 * DC predictors kept), the jump over whole restart intervals by their
 * markers, and the checks at each restart marker and at EOI.  The bit
 * reader's steps are in ngx_http_overlay_jpeg_splice_int.h.
 */


#include <string.h>

#include "ngx_http_overlay_jpeg_splice_int.h"


static int ngx_http_overlay_splice_block_decode(
    ngx_http_overlay_splice_reader_t *rd,
    const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac, int *pred, short *block);
static int ngx_http_overlay_splice_skip(ngx_http_overlay_splice_t *s,
    unsigned to);
static int ngx_http_overlay_splice_jump(ngx_http_overlay_splice_t *s,
    unsigned to);


/* the pair tables until they are made: every code to the single lookup */
static const uint16_t  ngx_http_overlay_splice_no_pairs[
                                         1 << NGX_HTTP_OVERLAY_SPLICE_PAIR];


/*
 * A table for decoding (codes of up to NGX_HTTP_OVERLAY_SPLICE_LOOK bits
 * by lookahead, longer ones as F.2.2.3 does) and encoding (each symbol's
 * code and length), refused where libjpeg refuses it: more than 256
 * codes, codes that do not fit their length, or use all its ones.
 */

int
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

void
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


/* the pair tables of the AC tables the scan uses */

void
ngx_http_overlay_splice_make_pairs(ngx_http_overlay_splice_t *s)
{
    unsigned  t;

    for (t = 0; t < 4; t++) {
        if (s->ac_used & (1u << t)) {
            ngx_http_overlay_splice_pairs(s->pair[t], &s->huff[1][t]);
        }
    }

    s->paired = 1;
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


/* decodes MCUs s->next up to to, their blocks to s->conf.block() if store */

int
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

        if (s->conf.jump && s->conf.restart_interval != 0
            && !(s->gap != NULL && s->gap->r_marker == 0 && s->gap->r <= to)
            && ngx_http_overlay_splice_jump(s, to) != 0)
        {
            return -1;
        }

        return ngx_http_overlay_splice_skip(s, to);
    }

    rd = &s->rd;
    ri = s->conf.restart_interval;
    block = NULL;

    for (m = s->next; m < to; m++) {

        if (ri != 0 && m != 0 && m % ri == 0 && m != s->restarted) {
            if (ngx_http_overlay_splice_restart(s, m) != 0) {
                return -1;
            }
        }

        if (s->conf.ncomps == 1) {
            ci = &s->conf.comp[0];

            if (store) {
                block = s->conf.block(s->conf.data, ci->index, m % ci->width,
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

        row = m / s->conf.mcus_per_row;
        col = m % s->conf.mcus_per_row;

        for (c = 0; c < s->conf.ncomps; c++) {
            ci = &s->conf.comp[c];
            dc = &s->huff[0][ci->dc];
            ac = &s->huff[1][ci->ac];
            pred = &s->pred[c];

            for (y = 0; y < ci->v; y++) {
                by = row * ci->v + y;

                for (x = 0; x < ci->h; x++) {
                    bx = col * ci->h + x;

                    if (store) {
                        block = s->conf.block(s->conf.data, ci->index, bx, by);
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
    ri = s->conf.restart_interval;
    w = 0;

    for (c = 0; c < s->conf.ncomps; c++) {
        dcs[c] = &s->huff[0][s->conf.comp[c].dc];
        acs[c] = &s->huff[1][s->conf.comp[c].ac];
        nblocks[c] = s->conf.comp[c].h * s->conf.comp[c].v;
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
            w = ngx_http_overlay_be64(rd->p + rd->pos);                       \
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

    if (!s->paired && to > s->next
        && (uint64_t) (to - s->next) * s->blocks
           >= NGX_HTTP_OVERLAY_SPLICE_PAIRS_FROM)
    {
        ngx_http_overlay_splice_make_pairs(s);
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

        for (c = 0; c < s->conf.ncomps; c++) {
            dc = dcs[c];
            ac = acs[c];
            pair = s->paired ? s->pair[s->conf.comp[c].ac]
                             : ngx_http_overlay_splice_no_pairs;
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
    ri = s->conf.restart_interval;

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

        q = (pos < rd->limit)
            ? memchr(rd->p + pos, NGX_HTTP_OVERLAY_JPEG_MARK, rd->limit - pos)
            : NULL;

        if (q == NULL) {
            s->why = "restart marker";
            return -1;
        }

        /* before limit, the EOI's 0xff: the byte after is there */

        j = (size_t) (q - rd->p);

        if (rd->p[j + 1] == NGX_HTTP_OVERLAY_JPEG_STUFFED) {
            continue;
        }

        if (rd->p[j + 1] != NGX_HTTP_OVERLAY_JPEG_RST0 + (n & 7)) {
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


/* the restart marker before MCU m read, the predictors reset */

int
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

int
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

    if (rd->pos >= rd->limit || rd->p[rd->pos] != NGX_HTTP_OVERLAY_JPEG_MARK
        || rd->p[rd->pos + 1] != NGX_HTTP_OVERLAY_JPEG_RST0
                                 + ((m / s->conf.restart_interval - 1) & 7))
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

void
ngx_http_overlay_splice_where(const ngx_http_overlay_splice_reader_t *rd,
    ngx_http_overlay_splice_pos_t *at)
{
    int     n;
    size_t  x;

    x = rd->pos;
    n = (rd->bits + 7) >> 3;

    while (n-- > 0) {
        if (x >= rd->start + 2 && rd->p[x - 1] == NGX_HTTP_OVERLAY_JPEG_STUFFED
            && rd->p[x - 2] == NGX_HTTP_OVERLAY_JPEG_MARK)
        {
            x -= 2;

        } else {
            x--;
        }
    }

    at->byte = x;
    at->bit = (rd->bits & 7) ? 8 - (unsigned) (rd->bits & 7) : 0;
}
