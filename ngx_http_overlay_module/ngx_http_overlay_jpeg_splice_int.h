
/*
 * ngx_http_overlay_module: the entropy splice's state and bit I/O.
 *
 * Private to the splice (ngx_http_overlay_jpeg_splice.c, the driver;
 * ngx_http_overlay_jpeg_splice_decode.c, the Huffman decoding;
 * ngx_http_overlay_jpeg_splice_encode.c, the Huffman encoding and the bit
 * copy) and to its unit tests; the codec sees ngx_http_overlay_jpeg_splice.h.
 *
 * The Huffman decoding and encoding of T.81, Annexes C and F, for
 * sequential 8-bit scans: bits are read from the top of a 64-bit word,
 * stuffed zero bytes dropped, and every read is checked against the end of
 * the scan (its EOI marker, found before anything is read): a stream that
 * ends early, a code no table has, a coefficient out of place, a restart
 * marker out of order make the splice decline, never read further.
 *
 * The bit reader's and the writer's inner steps are static inline here:
 * they are the hot path, and must never become calls across files.
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_SPLICE_INT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_SPLICE_INT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_jpeg_marker.h"
#include "ngx_http_overlay_jpeg_splice.h"


#define NGX_HTTP_OVERLAY_SPLICE_BLOCKS  10      /* per MCU, as T.81 allows */
#define NGX_HTTP_OVERLAY_SPLICE_LOOK    9       /* bits of the lookahead */
#define NGX_HTTP_OVERLAY_SPLICE_PAIR    12      /* of two AC symbols' */

/*
 * blocks to skip from which the pair tables (2 x 4096 entries, about
 * 150000 instructions each) pay for their making
 */
#define NGX_HTTP_OVERLAY_SPLICE_PAIRS_FROM  1024

#if (NGX_HTTP_OVERLAY_SPLICE_PAIR != 12)
#error the pair tables are of 12 bits
#endif

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

/* T.81 F.2.2.1: n bits of v, the top one 0 for a negative value */
#define ngx_http_overlay_splice_extend(v, n)                                  \
    ((v) < (1 << ((n) - 1)) ? (v) - (1 << (n)) + 1 : (v))


/* one table, for decoding and encoding */
typedef struct {
    uint16_t                          look[1 << NGX_HTTP_OVERLAY_SPLICE_LOOK];
    uint16_t                          skip[1 << NGX_HTTP_OVERLAY_SPLICE_LOOK];
    int32_t                           maxcode[17];
    int32_t                           valoff[17];
    unsigned char                     huffval[256];
    uint16_t                          code[256];
    unsigned char                     size[256];    /* 0: not in the table */
} ngx_http_overlay_splice_huff_t;


typedef struct {
    const unsigned char              *p;
    size_t                            pos;      /* the next byte to load */
    size_t                            limit;    /* the scan's end marker */
    size_t                            start;    /* the restart interval's */
    uint64_t                          acc;      /* bits from the top */
    int                               bits;     /* how many */
} ngx_http_overlay_splice_reader_t;


/* where a bit of the source is: its byte, and the bits of it before */
typedef struct {
    size_t                            byte;
    unsigned                          bit;
} ngx_http_overlay_splice_pos_t;


/* MCUs a..e-1, coded again, and what lies between them and the next */
typedef struct {
    unsigned                          a, e;
    int                               pred[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    ngx_http_overlay_splice_pos_t     at;       /* where MCU a begins */
    ngx_http_overlay_splice_pos_t     after;    /* where MCU e begins */
    unsigned                          r;        /* the first restart after */
    ngx_http_overlay_splice_pos_t     r_end;    /* the data's end before it */
    size_t                            r_marker; /* its 0xff; 0: none before
                                                   the next segment */
} ngx_http_overlay_splice_seg_t;


/* the encoder's output: the bits not yet written, and where they go */
typedef struct {
    unsigned char                    *o;
    uint64_t                          acc;      /* bits from the bottom */
    int                               nb;       /* how many, below 32 */
} ngx_http_overlay_splice_writer_t;


struct ngx_http_overlay_splice_s {
    /*
     * The scan and the caller (copied by ngx_http_overlay_splice_create();
     * unit tests set it directly), all else zero, before
     * ngx_http_overlay_splice_init()
     */

    ngx_http_overlay_splice_conf_t    conf;

    /* the output, malloc()ed: freed with the state unless handed over */

    unsigned char                    *out;
    size_t                            out_len;

    /* why the splice was declined, for logs and tests */

    const char                       *why;

    /* the rest of the scan was decoded to find its padding before EOI */

    unsigned                          rest_decoded;

    /* the splice's own */

    const unsigned char              *src;
    size_t                            len;
    size_t                            scan;     /* the entropy-coded data */
    size_t                            eoi;      /* the EOI marker */
    size_t                            out_size;
    unsigned                          x0, y0, x1, y1;   /* the rectangle */
    unsigned                          width;    /* MCUs in a row */
    unsigned                          total;    /* MCUs in the scan */
    unsigned                          next;     /* the next MCU to decode */
    unsigned                          restarted;    /* its marker read */
    unsigned                          blocks;   /* in an MCU */
    int                               pred[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    ngx_http_overlay_splice_seg_t    *gap;      /* whose gap is decoded */
    unsigned                          nsegs;
    ngx_http_overlay_splice_seg_t    *seg;      /* malloc()ed */
    ngx_http_overlay_splice_reader_t  rd;
    ngx_http_overlay_splice_huff_t    huff[2][4];   /* DC, AC */
    uint16_t                          pair[4][1 << 12];     /* AC's */
    unsigned                          ac_used;  /* the AC tables, bits */
    unsigned                          paired;   /* pair[] made */

    /* the fit's (ngx_http_overlay_jpeg_splice_fit.c) */

    uint64_t                          fit_err[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    unsigned                          fitted;   /* blocks changed */
    double                            fit_mse;
    unsigned                          fit_sizes;    /* fit_lo, _hi made */
    unsigned char                     fit_lo[4][16][11];
    unsigned char                     fit_hi[4][16][11];

    /* the retable's (ngx_http_overlay_jpeg_splice_retable.c) */

    unsigned                          retabled; /* DC 0..3, AC 4..7 */
    unsigned                          fit_any;  /* symbols still missing */
    int                               header_checked;   /* 1 ok, -1 not */
    ngx_http_overlay_splice_dht_t     ext[2][4];
};


/*
 * The decoding side (ngx_http_overlay_jpeg_splice_decode.c), for the
 * driver.  What returns an int returns 0, or -1 with s->why.
 */

/*
 * h made from t, for a DC table if dc; -1 where libjpeg would refuse the
 * table (no s->why: the caller says it)
 */
int ngx_http_overlay_splice_table(ngx_http_overlay_splice_huff_t *h,
    const ngx_http_overlay_splice_dht_t *t, int dc);

/* the pair table of an AC table, made after it */
void ngx_http_overlay_splice_pairs(uint16_t *pair,
    const ngx_http_overlay_splice_huff_t *h);

/* the pair tables of every AC table of the scan, s->paired set */
void ngx_http_overlay_splice_make_pairs(ngx_http_overlay_splice_t *s);

/* decodes MCUs s->next up to to, their blocks to s->conf.block() if store */
int ngx_http_overlay_splice_run(ngx_http_overlay_splice_t *s, unsigned to,
    int store);

/* the restart marker before MCU m read, the predictors reset */
int ngx_http_overlay_splice_restart(ngx_http_overlay_splice_t *s,
    unsigned m);

/* the data ends before MCU m within a byte, at its RSTn or (m last) EOI */
int ngx_http_overlay_splice_marker(ngx_http_overlay_splice_t *s,
    unsigned m);

/* where the reader's next bit is in the source */
void ngx_http_overlay_splice_where(const ngx_http_overlay_splice_reader_t *rd,
    ngx_http_overlay_splice_pos_t *at);


/*
 * The encoding side (ngx_http_overlay_jpeg_splice_encode.c), for the
 * driver: the writer w puts its bits at w->o, in s->out.
 */

/*
 * Drops the last AC coefficient, a 1 or a -1, of one to three blocks of
 * the rectangle so that its data is d bits shorter (mod 8); -1: no such
 * blocks
 */
int ngx_http_overlay_splice_align(ngx_http_overlay_splice_t *s, unsigned d);

/* the source's bytes from from (at a byte's start, as w is) up to at */
void ngx_http_overlay_splice_verbatim(const unsigned char *src,
    ngx_http_overlay_splice_writer_t *w, size_t from,
    const ngx_http_overlay_splice_pos_t *at);

/* a segment's MCUs coded: -1 when a symbol is missing from the tables */
int ngx_http_overlay_splice_segment(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, ngx_http_overlay_splice_seg_t *g);

/*
 * n bytes more in s->out after w->o, which moves with it: -1 with s->out
 * freed and s->why when realloc() fails
 */
int ngx_http_overlay_splice_reserve(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, size_t n);

/* ones up to the byte's end, as before a marker */
void ngx_http_overlay_splice_pad(ngx_http_overlay_splice_writer_t *w);

/* the source's data bits from one position to another, shifted as w is */
void ngx_http_overlay_splice_copy(const unsigned char *src,
    ngx_http_overlay_splice_writer_t *w,
    const ngx_http_overlay_splice_pos_t *from,
    const ngx_http_overlay_splice_pos_t *to);


/*
 * The fit (ngx_http_overlay_jpeg_splice_fit.c), for the encoding side
 */

/* the n-th block of component c (in the scan's order) in MCU m */
short *ngx_http_overlay_splice_mcu_block(ngx_http_overlay_splice_t *s,
    unsigned m, unsigned c, unsigned n);

/*
 * that block, of the rectangle, made codable, pred its DC's predictor: 0,
 * or -1 (no codable block)
 */
int ngx_http_overlay_splice_fit(ngx_http_overlay_splice_t *s, short *block,
    unsigned m, unsigned c, unsigned n, int pred);

/*
 * the AC symbols of a block the table lacks: their number, each counted
 * in need[] unless NULL
 */
unsigned ngx_http_overlay_splice_missing(const short *block,
    const ngx_http_overlay_splice_huff_t *ac, uint32_t *need);

/* 0, or -1 with s->why: the fit cost more than conf.max_mse */
int ngx_http_overlay_splice_fit_check(ngx_http_overlay_splice_t *s);


/*
 * The tables extended (ngx_http_overlay_jpeg_splice_retable.c), for the
 * driver
 */

/* the tables extended by what the segments need, where they have room */
void ngx_http_overlay_splice_retable(ngx_http_overlay_splice_t *s);

/* the source up to the first segment, the extended tables' DHTs new */
void ngx_http_overlay_splice_header(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w);


/* the bit reader's and the writer's steps, below */

static inline int ngx_http_overlay_splice_long(
    const ngx_http_overlay_splice_huff_t *h, uint64_t acc, int *len);
static inline void ngx_http_overlay_splice_fill(
    ngx_http_overlay_splice_reader_t *rd);
static inline int ngx_http_overlay_splice_symbol(
    ngx_http_overlay_splice_reader_t *rd,
    const ngx_http_overlay_splice_huff_t *h);
static inline int ngx_http_overlay_splice_bits(
    ngx_http_overlay_splice_reader_t *rd, int n);
static inline void ngx_http_overlay_splice_put(
    ngx_http_overlay_splice_writer_t *w, uint32_t v, int n);
static inline void ngx_http_overlay_splice_bytes(
    ngx_http_overlay_splice_writer_t *w);


/* a code longer than the lookahead, as F.2.2.3; -1: no such code */

static inline int
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


/*
 * Loads bytes until the word holds more than 56 bits, or a marker or the
 * scan's end is next: eight at a time where none is 0xff.  The bits below
 * the valid ones may be anything: each is looked at only once counted.
 */

static inline void
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
        w = ngx_http_overlay_be64(p + rd->pos);

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

        if (c == NGX_HTTP_OVERLAY_JPEG_MARK) {

            /* p[limit] is the EOI's 0xff: the next byte is there */

            if (p[rd->pos + 1] != NGX_HTTP_OVERLAY_JPEG_STUFFED) {
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

static inline int
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


static inline int
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
 * n (up to 27) bits of v: written 32 at a time, each 0xff byte stuffed
 * with a zero; up to 31 stay in the word
 */

static inline void
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

        if (c == NGX_HTTP_OVERLAY_JPEG_MARK) {
            *w->o++ = 0x00;
        }
    }
}


/* the whole bytes in the word written: fewer than 8 bits stay */

static inline void
ngx_http_overlay_splice_bytes(ngx_http_overlay_splice_writer_t *w)
{
    unsigned  c;

    while (w->nb >= 8) {
        w->nb -= 8;
        c = (unsigned) (w->acc >> w->nb) & 0xff;
        *w->o++ = (unsigned char) c;

        if (c == NGX_HTTP_OVERLAY_JPEG_MARK) {
            *w->o++ = 0x00;
        }
    }
}


#endif /* _NGX_HTTP_OVERLAY_JPEG_SPLICE_INT_H_INCLUDED_ */
