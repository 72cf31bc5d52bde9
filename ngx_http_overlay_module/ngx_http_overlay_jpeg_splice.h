
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
 * A symbol the tables lack is added to them where they have room
 * (ngx_http_overlay_jpeg_splice_retable.c), else the block is fitted to
 * the symbols they have (ngx_http_overlay_jpeg_splice_fit.c), with
 * conf.retable and conf.fit.  Anything else it cannot do (a fit that
 * costs too much, a stream it does not understand) it declines, and the
 * caller takes another path.
 *
 * The state is opaque here (ngx_http_overlay_jpeg_splice_int.h has it, for
 * the splice's own files and its unit tests).  Its use: create(), init(),
 * decode(), the caller changes the blocks, encode(), output(), destroy().
 * Thread-safety: a state is used by one thread at a time; states are
 * independent of each other, and the splice has no global mutable state,
 * so any number of threads may splice at once.  Nothing is written to
 * stderr; what went wrong is only ever a refusal (-1).
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_HTTP_OVERLAY_SPLICE_COMPS   4


typedef struct ngx_http_overlay_splice_s  ngx_http_overlay_splice_t;


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


/* the scan, as the frame and scan headers tell of it, and the caller */
typedef struct {
    unsigned                          ncomps;   /* in the scan: 1 or all */
    ngx_http_overlay_splice_comp_t    comp[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    unsigned                          mcus_per_row;
    unsigned                          mcu_rows;
    unsigned                          restart_interval;     /* 0: none */
    const ngx_http_overlay_splice_dht_t  *dc[4];    /* NULL: not defined */
    const ngx_http_overlay_splice_dht_t  *ac[4];

    /* the caller's blocks, which decode() fills and encode() reads */

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

    /*
     * fit: a block of the rectangle with a symbol the tables lack is
     * quantized again to the nearest codable one (see
     * ngx_http_overlay_jpeg_splice_fit.c), unless the rectangle's mean
     * squared error per sample, each component's weighted by weight[c]
     * / 1024, would exceed max_mse; quant[c], the component's
     * quantization steps in natural order, weigh the coefficients' errors
     */

    unsigned                          fit;

    /*
     * retable: the tables are extended, where they have room, by the
     * symbols the new blocks need, before the fit (see
     * ngx_http_overlay_jpeg_splice_retable.c)
     */

    unsigned                          retable;
    const uint16_t                   *quant[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    unsigned                          weight[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    double                            max_mse;
} ngx_http_overlay_splice_conf_t;


/*
 * A state for the scan conf tells of (conf is copied; the tables and the
 * data it points to must outlive the state), or NULL when malloc() fails.
 * Release it with ngx_http_overlay_splice_destroy().
 */
ngx_http_overlay_splice_t *ngx_http_overlay_splice_create(
    const ngx_http_overlay_splice_conf_t *conf);

/* frees s and all it holds; s may be NULL */
void ngx_http_overlay_splice_destroy(ngx_http_overlay_splice_t *s);

/*
 * Checks the scan at p + scan (the byte after the SOS segment) up to its
 * EOI, and makes the tables: 0, or -1 (declined).  The len bytes at p
 * must stay as they are until the state is freed.
 */
int ngx_http_overlay_splice_init(ngx_http_overlay_splice_t *s,
    const unsigned char *p, size_t len, size_t scan);

/*
 * Decodes the MCUs of columns x0..x1-1 and rows y0..y1-1 (of blocks, for a
 * component alone in its scan), and those that must be coded again with
 * them, to the caller's blocks; once after init(): 0, or -1 (declined).
 */
int ngx_http_overlay_splice_decode(ngx_http_overlay_splice_t *s,
    unsigned x0, unsigned y0, unsigned x1, unsigned y1);

/*
 * The JPEG, with the blocks decode() decoded as the caller's blocks now
 * have them, coded into memory the state holds: 0, or -1 (declined: a
 * symbol the tables lack without conf.fit, a fit that costs too much, or
 * no memory).
 */
int ngx_http_overlay_splice_encode(ngx_http_overlay_splice_t *s);

/*
 * Hands encode()'s output over: the bytes, malloc()ed, which the caller
 * then frees with free(), and their number in *len; NULL (and 0) when
 * there is none, or it was handed over already.
 */
unsigned char *ngx_http_overlay_splice_output(ngx_http_overlay_splice_t *s,
    size_t *len);

/*
 * Frees what s holds (the segments, an output not handed over), but not
 * s: it may be initialised again.
 */
void ngx_http_overlay_splice_free(ngx_http_overlay_splice_t *s);

/*
 * After encode(): the blocks the fit changed (0: none) and the mean
 * squared error per sample it cost the rectangle, weighted
 */
unsigned ngx_http_overlay_splice_fitted(ngx_http_overlay_splice_t *s,
    double *mse);

/* after encode(): whether tables were extended */
unsigned ngx_http_overlay_splice_retabled(ngx_http_overlay_splice_t *s);


/* the zigzag order: the k-th coefficient coded is block[zigzag[k]] */
extern const unsigned char  ngx_http_overlay_splice_zigzag[64];

/*
 * The magnitude category of a coefficient or a DC difference (T.81
 * F.1.2): the bits of |v|.  Thread-safe.
 */
int ngx_http_overlay_splice_nbits(int v);


#endif /* _NGX_HTTP_OVERLAY_JPEG_SPLICE_H_INCLUDED_ */
