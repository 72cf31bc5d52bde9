
/*
 * ngx_http_overlay_module: a JPEG changed in the entropy-coded data.
 *
 * Plain C, no nginx headers, no libjpeg.  For a sequential Huffman-coded
 * JPEG of one scan, the MCUs before the overlay are Huffman-decoded only
 * to learn the DC predictors and where the overlay's first MCU begins;
 * the MCUs from the overlay's first to its last, and the one after it
 * (whose DC difference changes), or up to the next restart marker, are
 * decoded to coefficients for the caller to change, and coded again with
 * the source's own Huffman tables; every other byte is the source's: the
 * markers and the data before the overlay as they are, the data after it
 * shifted by as many bits as the new MCUs are longer or shorter.
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


typedef struct {
    /* set by the caller before ngx_http_overlay_splice_init() */

    unsigned                          ncomps;   /* in the scan: 1 or all */
    ngx_http_overlay_splice_comp_t    comp[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    unsigned                          mcus_per_row;
    unsigned                          mcu_rows;
    unsigned                          restart_interval;     /* 0: none */
    const ngx_http_overlay_splice_dht_t  *dc[4];    /* NULL: not defined */
    const ngx_http_overlay_splice_dht_t  *ac[4];

    ngx_http_overlay_splice_block_pt  block;
    void                             *data;

    /* the output, malloc()ed: the caller frees it */

    unsigned char                    *out;
    size_t                            out_len;

    /* why the splice was declined, for logs and tests */

    const char                       *why;

    /* private */

    const unsigned char              *src;
    size_t                            len;
    size_t                            scan;     /* the entropy-coded data */
    size_t                            eoi;      /* the EOI marker */
    size_t                            out_size;
    unsigned                          total;    /* MCUs in the scan */
    unsigned                          first;    /* the first MCU changed */
    unsigned                          end;      /* the first MCU after */
    unsigned                          next;     /* the next MCU to decode */
    unsigned                          restarted;    /* its marker read */
    unsigned                          blocks;   /* in an MCU */
    size_t                            first_byte;
    unsigned                          first_bit;
    int                               first_pred[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    int                               pred[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    size_t                            end_byte; /* where MCU end begins */
    unsigned                          end_bit;
    size_t                            tail;     /* the marker after end */
    ngx_http_overlay_splice_reader_t  rd;
    ngx_http_overlay_splice_huff_t    huff[2][4];   /* DC, AC */
} ngx_http_overlay_splice_t;


/*
 * Checks the scan at p + scan (the byte after the SOS segment) up to its
 * EOI, and makes the tables: 0, or -1 with s->why.
 */
int ngx_http_overlay_splice_init(ngx_http_overlay_splice_t *s,
    const unsigned char *p, size_t len, size_t scan);

/*
 * Decodes the MCUs from first to last (in scan order) and those after them
 * that must be coded again, to s->block(); returns 0, or -1 with s->why.
 * The blocks to change are those of MCUs first..last.
 */
int ngx_http_overlay_splice_decode(ngx_http_overlay_splice_t *s,
    unsigned first, unsigned last);

/* the output, with the blocks as s->block() now has them, in s->out */
int ngx_http_overlay_splice_encode(ngx_http_overlay_splice_t *s);

/* the MCUs ngx_http_overlay_splice_decode() decoded: first, and the end */
void ngx_http_overlay_splice_range(ngx_http_overlay_splice_t *s,
    unsigned *first, unsigned *end);


#endif /* _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_ */
