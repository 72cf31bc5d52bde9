
/*
 * ngx_http_overlay_module: a JPEG changed in the entropy-coded data.
 *
 * Plain C, no nginx headers, no libjpeg.  For a sequential Huffman-coded
 * JPEG of one scan, and a rectangle of MCUs to change: in each of its rows
 * of MCUs, its MCUs and the one after them (whose DC differences follow
 * from theirs), a segment, are decoded to coefficients for the caller to
 * change, and coded again with the source's own Huffman tables.  The MCUs
 * between segments are Huffman-decoded only to learn where they begin and
 * end, and their bits copied, shifted by as many bits as the segments
 * before them grew or shrank; before a restart marker the data is padded
 * to the byte again, and from the marker on copied as it is.  The markers
 * before the scan and anything after the last segment's restart interval
 * (or its EOI) are the source's bytes.
 *
 * Anything it cannot do exactly (a symbol the tables lack, a stream it
 * does not understand) it declines, and the caller takes another path.
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_HTTP_OVERLAY_SPLICE_COMPS   4
#define NGX_HTTP_OVERLAY_SPLICE_BLOCKS  10      /* per MCU, as T.81 allows */
#define NGX_HTTP_OVERLAY_SPLICE_LOOK    9       /* bits of the lookahead */
#define NGX_HTTP_OVERLAY_SPLICE_PAIR    12      /* of two AC symbols' */

#if (NGX_HTTP_OVERLAY_SPLICE_PAIR != 12)
#error the pair tables are of 12 bits
#endif


/* a block of the caller's: 64 coefficients in natural (row) order */
typedef short *(*ngx_http_overlay_splice_block_pt)(void *data, unsigned c,
    unsigned bx, unsigned by);


/* a Huffman table as DHT gives it */
typedef struct {
    unsigned char                     bits[17];     /* [k]: codes of k bits */
    unsigned char                     huffval[256];
} ngx_http_overlay_splice_dht_t;


/* a component of the scan, in the scan's order */
typedef struct {
    unsigned                          index;    /* the caller's number */
    unsigned                          h, v;     /* blocks in an MCU */
    unsigned                          width;    /* blocks coded in a row */
    unsigned                          height;   /* rows of blocks coded */
    unsigned                          dc, ac;   /* table numbers, 0..3 */
} ngx_http_overlay_splice_comp_t;


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


typedef struct {
    /* set by the caller, all else zero, before splice_init() */

    unsigned                          ncomps;   /* in the scan: 1 or all */
    ngx_http_overlay_splice_comp_t    comp[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    unsigned                          mcus_per_row;
    unsigned                          mcu_rows;
    unsigned                          restart_interval;     /* 0: none */
    const ngx_http_overlay_splice_dht_t  *dc[4];    /* NULL: not defined */
    const ngx_http_overlay_splice_dht_t  *ac[4];

    ngx_http_overlay_splice_block_pt  block;
    void                             *data;

    /*
     * The rectangle's blocks are new: one may lose its last AC
     * coefficient where that is a 1 or a -1, as a rate-distortion
     * quantizer would drop it, to keep the source's padding before EOI
     * (see ngx_http_overlay_splice_encode())
     */

    unsigned                          adjust;

    /*
     * Whole restart intervals before the rectangle are passed over by
     * their markers, neither decoded nor checked
     */

    unsigned                          jump;

    /* the output, malloc()ed: the caller frees it */

    unsigned char                    *out;
    size_t                            out_len;

    /* why the splice was declined, for logs and tests */

    const char                       *why;

    /* the rest of the scan was decoded to find its padding before EOI */

    unsigned                          rest_decoded;

    /* private */

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
} ngx_http_overlay_splice_t;


/*
 * Checks the scan at p + scan (the byte after the SOS segment) up to its
 * EOI, and makes the tables: 0, or -1 with s->why.
 */
int ngx_http_overlay_splice_init(ngx_http_overlay_splice_t *s,
    const unsigned char *p, size_t len, size_t scan);

/*
 * Decodes the MCUs of columns x0..x1-1 and rows y0..y1-1 (of blocks, for a
 * component alone in its scan), and those that must be coded again with
 * them, to s->block(); 0, or -1 with s->why.
 */
int ngx_http_overlay_splice_decode(ngx_http_overlay_splice_t *s,
    unsigned x0, unsigned y0, unsigned x1, unsigned y1);

/* the output, with the blocks as s->block() now has them, in s->out */
int ngx_http_overlay_splice_encode(ngx_http_overlay_splice_t *s);

/* frees what s holds, but the output handed over (s->out set to NULL) */
void ngx_http_overlay_splice_free(ngx_http_overlay_splice_t *s);


/* the zigzag order: the k-th coefficient coded is block[zigzag[k]] */
extern const unsigned char  ngx_http_overlay_splice_zigzag[64];

/* the magnitude category of a coefficient or a DC difference (T.81 F.1.2) */
int ngx_http_overlay_splice_nbits(int v);


#endif /* _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_ */
