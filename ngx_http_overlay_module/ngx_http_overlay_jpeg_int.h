
/*
 * ngx_http_overlay_module: the JPEG codec's private state and the calls
 * its files make to each other.  Included only by the JPEG codec's files
 * (ngx_http_overlay_codec_jpeg.c, ngx_http_overlay_jpeg_*.c) and by unit
 * tests; the codec's interface is ngx_http_overlay_codec_jpeg.h.
 *
 * Every function here works on one ngx_http_overlay_jpeg_t, made by
 * ngx_http_overlay_jpeg_apply() for one call and released by it: nothing
 * is shared between calls, and calls in different threads do not meet.
 * Those that call libjpeg may longjmp to j->jerr.jmp, which the caller
 * has set with setjmp() (ngx_http_overlay_codec_jpeg.c does, once per
 * attempt); what they allocated is in j, for ngx_http_overlay_jpeg_release().
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_INT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_INT_H_INCLUDED_


#include <setjmp.h>
#include <stdio.h>

#include <jpeglib.h>

#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_jpeg_splice.h"


#define NGX_HTTP_OVERLAY_JPEG_MEMORY  (512L * 1024 * 1024)

/* real progressive JPEGs have about ten scans: thousands are an attack */
#define NGX_HTTP_OVERLAY_JPEG_SCANS   256

/*
 * libgd's truecolor pixels (ints: alpha, red, green, blue from the top
 * byte) as libjpeg-turbo's extended colour spaces lay them out in memory,
 * the alpha byte left out: rows of the region read and written in place
 */
#if defined(JCS_EXTENSIONS) && defined(__BYTE_ORDER__)
#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define NGX_HTTP_OVERLAY_JPEG_GD      JCS_EXT_BGRX
#elif (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define NGX_HTTP_OVERLAY_JPEG_GD      JCS_EXT_XRGB
#endif
#endif


typedef struct {
    struct jpeg_error_mgr            pub;
    jmp_buf                          jmp;
    char                             msg[JMSG_LENGTH_MAX];
    struct jpeg_progress_mgr         progress;
} ngx_http_overlay_jpeg_error_t;


/*
 * A destination in memory whose buffer is ours at every moment, so that it
 * is freed exactly once whenever libjpeg longjmps out (jpeg_mem_dest()
 * frees and replaces its buffer behind the caller's pointer).
 */

typedef struct {
    struct jpeg_destination_mgr      pub;
    unsigned char                   *data;
    size_t                           size;
    size_t                           len;
} ngx_http_overlay_jpeg_dest_t;


/* everything that may need releasing when libjpeg longjmps out */

typedef struct {
    ngx_http_overlay_jpeg_error_t    jerr;
    struct jpeg_decompress_struct    src;       /* the input's coefficients */
    struct jpeg_decompress_struct    pix;       /* the input's pixels */
    struct jpeg_compress_struct      cut;       /* the region's blocks */
    struct jpeg_compress_struct      enc;       /* the region, or the whole */
    struct jpeg_decompress_struct    blk;       /* the region's blocks */
    struct jpeg_compress_struct      out;       /* the output */
    unsigned                         have_src:1;
    unsigned                         have_pix:1;
    unsigned                         have_cut:1;
    unsigned                         have_enc:1;
    unsigned                         have_blk:1;
    unsigned                         have_out:1;
    ngx_http_overlay_jpeg_dest_t     region;    /* enc's output */
    ngx_http_overlay_jpeg_dest_t     piece;     /* cut's output */
    ngx_http_overlay_jpeg_dest_t     dest;      /* out's output */
    unsigned char                   *row;
    gdImagePtr                       im;
    gdImagePtr                       view;
    ngx_http_overlay_splice_t       *splice;
    void                            *prog_splice;   /* its state */
    ngx_http_overlay_splice_dht_t    dht[2][NUM_HUFF_TBLS];
    JBLOCKARRAY                      rows[MAX_COMPONENTS];
    /*
     * the path that wrote j->dest, set by the path where it succeeds (the
     * splice in ngx_http_overlay_codec_jpeg.c, the DCT path in
     * ngx_http_overlay_jpeg_dct.c, the re-encode), for out->method
     */
    ngx_http_overlay_method_e        method;
} ngx_http_overlay_jpeg_t;


/* the splice hands libjpeg's blocks about as arrays of short */
typedef char  ngx_http_overlay_jpeg_jcoef_t[sizeof(JCOEF) == sizeof(short)
                                            ? 1 : -1];


/* ngx_http_overlay_jpeg_lib.c: libjpeg's managers, j's release */

/* d created with j's managers, reading the len bytes at p, its header read */
void ngx_http_overlay_jpeg_decompress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_decompress_struct *d, const unsigned char *p, size_t len);
/* BAD_IMAGE with the message of the error that longjmp()ed to j->jerr.jmp */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_failed(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_error_t *err);
/* c created with j's managers */
void ngx_http_overlay_jpeg_compress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c);
/* c's output to dest, a buffer of j's (see ngx_http_overlay_jpeg_dest_t) */
void ngx_http_overlay_jpeg_dest(struct jpeg_compress_struct *c,
    ngx_http_overlay_jpeg_dest_t *dest);
/* the source's saved markers to j->out, but those libjpeg writes itself */
void ngx_http_overlay_jpeg_markers(ngx_http_overlay_jpeg_t *j);
/* destroys and frees all j holds, but j itself; j may be zeroed after */
void ngx_http_overlay_jpeg_release(ngx_http_overlay_jpeg_t *j);


/* ngx_http_overlay_jpeg_dct.c: the DCT-domain block work */

/* BAD_IMAGE for a zero in a quantization table of j->src */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_zero_quant(
    ngx_http_overlay_jpeg_t *j, ngx_http_overlay_error_t *err);
/* the region r's (whole iMCUs) blocks in coefs drawn on and replaced */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_region(
    ngx_http_overlay_jpeg_t *j, jvirt_barray_ptr *coefs,
    const ngx_http_overlay_rect_t *r, unsigned orientation,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);
/* j->src, its header read, to j->dest with the region r drawn on */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_transcode(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r, unsigned orientation,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);
/* the blocks of component c that the region r (whole iMCUs) covers */
void ngx_http_overlay_jpeg_block_rect(ngx_http_overlay_jpeg_t *j, int c,
    const ngx_http_overlay_rect_t *r, JDIMENSION *bx0, JDIMENSION *by0,
    JDIMENSION *w, JDIMENSION *h);


/* ngx_http_overlay_jpeg_tables.c: the source's Huffman tables */

/* d is sequential, Huffman-coded, and its first scan codes all of it */
int ngx_http_overlay_jpeg_one_scan(struct jpeg_decompress_struct *d);
/* whether j->src's Huffman tables hold every symbol the output needs */
int ngx_http_overlay_jpeg_own_tables(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r);
/* j->src's Huffman tables for j->out */
void ngx_http_overlay_jpeg_use_tables(ngx_http_overlay_jpeg_t *j);
/*
 * t extended by the symbols in the set need (a bit each) it lacks, for a
 * DC table if dc: 0; -1 where they cannot all be added
 */
int ngx_http_overlay_jpeg_extend(JHUFF_TBL *t, const uint32_t *need,
    int dc);


/* ngx_http_overlay_codec_jpeg.c: the splices' arrays */

/*
 * coefs and j->rows: arrays as libjpeg's for the whole image of j->src,
 * aw by ah blocks (whole iMCUs) each, not zeroed (a page never touched
 * costs nothing): 0; -1, over NGX_HTTP_OVERLAY_JPEG_MEMORY, none made
 */
int ngx_http_overlay_jpeg_arrays(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, JDIMENSION *aw, JDIMENSION *ah);


/* ngx_http_overlay_jpeg_prog_splice.c: the progressive splice */

/*
 * The region r (whole iMCUs) changed in the scans of j->src (progressive,
 * Huffman-coded, its header read), only the region's rows coded again: 1
 * with *rc (j->method NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE_SPLICE where it
 * did); 0, declined, j as it was; -1, declined, j to be made anew
 */
int ngx_http_overlay_jpeg_prog_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err);
/* frees what the progressive splice holds in j (none: nothing) */
void ngx_http_overlay_jpeg_prog_splice_free(ngx_http_overlay_jpeg_t *j);


/* ngx_http_overlay_jpeg_prog.c: progressive scans written again */

/*
 * j->src (progressive, Huffman-coded), its coefficients coefs read from
 * the len bytes at p, to j->dest scan by scan with the source's script
 * and tables (extended): 0; -1, declined, j->dest as it was
 */
int ngx_http_overlay_jpeg_prog(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const unsigned char *p, size_t len);


/* ngx_http_overlay_jpeg_reencode.c: pixels encoded again */

/* starts c, like the source (quality 0) or at quality (see there) */
void ngx_http_overlay_jpeg_start(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int quality);
/* writes n rows of j->im to c, from its row y0 */
void ngx_http_overlay_jpeg_rows(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int y0, int n);
/* the whole image again at quality, its rows r drawn on, to j->dest */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_reencode(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r, unsigned orientation,
    const ngx_http_overlay_painter_t *painter, int quality,
    ngx_http_overlay_error_t *err);


/* ngx_http_overlay_jpeg_exif.c: the painter, as a viewer sees the image */

/* the painter draws on j->im, the region r of the stored image */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_paint(
    ngx_http_overlay_jpeg_t *j, unsigned orientation,
    const ngx_http_overlay_rect_t *r,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_JPEG_INT_H_INCLUDED_ */
