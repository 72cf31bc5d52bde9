
/*
 * ngx_http_overlay_module: the JPEG codec, in the DCT domain.
 */


#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_jpeg_splice.h"


#define NGX_HTTP_OVERLAY_JPEG_MEMORY  (512L * 1024 * 1024)

/* real progressive JPEGs have about ten scans: thousands are an attack */
#define NGX_HTTP_OVERLAY_JPEG_SCANS   256

/* a set of Huffman symbols, one bit each */
#define ngx_http_overlay_sym_set(set, s)  (set)[(s) >> 5] |= 1u << ((s) & 31)
#define ngx_http_overlay_sym_has(set, s)  ((set)[(s) >> 5] & 1u << ((s) & 31))


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
    unsigned                         no_splice:1;
    ngx_http_overlay_splice_t       *splice;
    ngx_http_overlay_splice_dht_t    dht[2][NUM_HUFF_TBLS];
    JBLOCKARRAY                      rows[MAX_COMPONENTS];
} ngx_http_overlay_jpeg_t;


/* the splice hands libjpeg's blocks about as arrays of short */
typedef char  ngx_http_overlay_jpeg_jcoef_t[sizeof(JCOEF) == sizeof(short)
                                            ? 1 : -1];


static void ngx_http_overlay_jpeg_error_exit(j_common_ptr cinfo);
static void ngx_http_overlay_jpeg_emit(j_common_ptr cinfo, int level);
static void ngx_http_overlay_jpeg_progress(j_common_ptr cinfo);
static void ngx_http_overlay_jpeg_decompress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_decompress_struct *d, const unsigned char *p, size_t len);
static void ngx_http_overlay_jpeg_compress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_check(
    ngx_http_overlay_jpeg_t *j, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_zero_quant(
    ngx_http_overlay_jpeg_t *j, ngx_http_overlay_error_t *err);
static int ngx_http_overlay_jpeg_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err);
static short *ngx_http_overlay_jpeg_splice_block(void *data, unsigned c,
    unsigned bx, unsigned by);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_region(
    ngx_http_overlay_jpeg_t *j, jvirt_barray_ptr *coefs,
    const ngx_http_overlay_rect_t *r, unsigned orientation,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);
static unsigned ngx_http_overlay_exif_orientation(const unsigned char *p,
    size_t len);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_decode_region(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    ngx_http_overlay_rect_t *r, ngx_http_overlay_error_t *err);
static void ngx_http_overlay_jpeg_cut(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_paint(
    ngx_http_overlay_jpeg_t *j, unsigned orientation,
    const ngx_http_overlay_rect_t *r,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_jpeg_start(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int quality);
static void ngx_http_overlay_jpeg_rows(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int y0, int n);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_reencode(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r, unsigned orientation,
    const ngx_http_overlay_painter_t *painter, int quality,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_jpeg_replace_blocks(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r);
static void ngx_http_overlay_jpeg_block_rect(ngx_http_overlay_jpeg_t *j,
    int c, const ngx_http_overlay_rect_t *r, JDIMENSION *bx0,
    JDIMENSION *by0, JDIMENSION *w, JDIMENSION *h);
static int ngx_http_overlay_jpeg_own_tables(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r);
static void ngx_http_overlay_jpeg_mcu_dc(struct jpeg_decompress_struct *d,
    jvirt_barray_ptr *coefs, JDIMENSION mcus_per_row, JDIMENSION mcu_rows,
    JDIMENSION mcu, int *dc_val, int *last);
static int ngx_http_overlay_jpeg_dht_after_sos(const unsigned char *p,
    size_t len);
static void ngx_http_overlay_jpeg_use_tables(ngx_http_overlay_jpeg_t *j);
static void ngx_http_overlay_jpeg_markers(ngx_http_overlay_jpeg_t *j);
static void ngx_http_overlay_jpeg_dest(struct jpeg_compress_struct *c,
    ngx_http_overlay_jpeg_dest_t *dest);
static void ngx_http_overlay_jpeg_dest_init(j_compress_ptr c);
static boolean ngx_http_overlay_jpeg_dest_empty(j_compress_ptr c);
static void ngx_http_overlay_jpeg_dest_term(j_compress_ptr c);
static void ngx_http_overlay_jpeg_release(ngx_http_overlay_jpeg_t *j);


ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                       i, x0, y0, x1, y1, sx, sy, mcu_w, mcu_h;
    unsigned                  orientation;
    jvirt_barray_ptr         *coefs;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_rect_t   r;
    ngx_http_overlay_jpeg_t  *j;

    /* the struct is large, and its members must survive a longjmp */

    j = calloc(1, sizeof(ngx_http_overlay_jpeg_t));
    if (j == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "calloc() failed");
    }

again:

    if (setjmp(j->jerr.jmp)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                    "jpeg: %s", j->jerr.msg);
        goto done;
    }

    j->have_src = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->src, p, len);

    rc = ngx_http_overlay_jpeg_check(j, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    orientation = info->orientation;
    coefs = NULL;

    /* the bounds in the stored image */

    r = painter->bounds;

    if (r.w <= 0 || r.h <= 0) {
        r.x = 0;
        r.y = 0;
        r.w = 1;
        r.h = 1;
    }

    x0 = INT_MAX;
    y0 = INT_MAX;
    x1 = 0;
    y1 = 0;

    for (i = 0; i < 4; i++) {
        ngx_http_overlay_orient_point(orientation, (int) j->src.image_width,
                                      (int) j->src.image_height,
                                      r.x + (i & 1) * (r.w - 1),
                                      r.y + (i >> 1) * (r.h - 1), &sx, &sy);
        x0 = sx < x0 ? sx : x0;
        y0 = sy < y0 ? sy : y0;
        x1 = sx + 1 > x1 ? sx + 1 : x1;
        y1 = sy + 1 > y1 ? sy + 1 : y1;
    }

    if (conf->jpeg_quality != 0) {

        /* the whole image again, streamed: the bounds' rows drawn on */

        r.x = 0;
        r.w = (int) j->src.image_width;
        r.y = y0;
        r.h = (y1 < (int) j->src.image_height ? y1
                                              : (int) j->src.image_height)
              - y0;

        rc = ngx_http_overlay_jpeg_reencode(j, p, len, &r, orientation,
                                            painter, conf->jpeg_quality, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            goto done;
        }

        goto encoded;
    }

    /* the iMCUs under the bounds */

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    r.x = x0 / mcu_w * mcu_w;
    r.y = y0 / mcu_h * mcu_h;
    x1 = (x1 + mcu_w - 1) / mcu_w * mcu_w;
    y1 = (y1 + mcu_h - 1) / mcu_h * mcu_h;
    r.w = (x1 < (int) j->src.image_width ? x1 : (int) j->src.image_width)
          - r.x;
    r.h = (y1 < (int) j->src.image_height ? y1 : (int) j->src.image_height)
          - r.y;

    /*
     * A sequential Huffman-coded JPEG is changed in its entropy-coded data:
     * only the MCUs from the region's first to its last are decoded and
     * coded again.  When that cannot be done exactly, j is made anew for
     * the transcode of all coefficients below.
     */

    if (!j->no_splice) {
        i = ngx_http_overlay_jpeg_splice(j, p, len, &r, orientation, painter,
                                         &rc, err);
        if (i == 1) {
            if (rc != NGX_HTTP_OVERLAY_OK) {
                goto done;
            }

            goto encoded;
        }

        if (i == -1) {
            ngx_http_overlay_jpeg_release(j);
            memset(j, 0, sizeof(ngx_http_overlay_jpeg_t));
            j->no_splice = 1;
            goto again;
        }
    }

    coefs = jpeg_read_coefficients(&j->src);

    rc = ngx_http_overlay_jpeg_zero_quant(j, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    rc = ngx_http_overlay_jpeg_region(j, coefs, &r, orientation, painter,
                                      err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        goto done;
    }

    j->have_out = 1;
    ngx_http_overlay_jpeg_compress(j, &j->out);

    ngx_http_overlay_jpeg_dest(&j->out, &j->dest);
    jpeg_copy_critical_parameters(&j->src, &j->out);

    j->out.restart_interval = j->src.restart_interval;
    j->out.arith_code = j->src.arith_code;

    if (ngx_http_overlay_jpeg_own_tables(j, coefs, p, len, &r)) {
        ngx_http_overlay_jpeg_use_tables(j);
        j->out.optimize_coding = FALSE;

    } else {
        j->out.optimize_coding = j->src.arith_code ? FALSE : TRUE;
    }

    if (j->src.progressive_mode) {
        jpeg_simple_progression(&j->out);
    }

    jpeg_write_coefficients(&j->out, coefs);
    ngx_http_overlay_jpeg_markers(j);
    jpeg_finish_compress(&j->out);

encoded:

    out->data = j->dest.data;
    out->len = j->dest.len;
    out->free = free;
    j->dest.data = NULL;

    rc = NGX_HTTP_OVERLAY_OK;

done:

    ngx_http_overlay_jpeg_release(j);
    free(j);

    return rc;
}


static void
ngx_http_overlay_jpeg_error_exit(j_common_ptr cinfo)
{
    ngx_http_overlay_jpeg_error_t  *jerr;

    jerr = (ngx_http_overlay_jpeg_error_t *) cinfo->err;

    (*cinfo->err->format_message)(cinfo, jerr->msg);

    longjmp(jerr->jmp, 1);
}


/* a warning is corrupt data: stop, rather than draw on a broken image */

static void
ngx_http_overlay_jpeg_emit(j_common_ptr cinfo, int level)
{
    ngx_http_overlay_jpeg_error_t  *jerr;

    if (level >= 0) {
        return;                                 /* trace messages */
    }

    jerr = (ngx_http_overlay_jpeg_error_t *) cinfo->err;

    (*cinfo->err->format_message)(cinfo, jerr->msg);

    longjmp(jerr->jmp, 1);
}


/* a bound on scans, as djpeg's -maxscans: each costs a pass over it all */

static void
ngx_http_overlay_jpeg_progress(j_common_ptr cinfo)
{
    ngx_http_overlay_jpeg_error_t  *jerr;

    if (!cinfo->is_decompressor
        || ((j_decompress_ptr) cinfo)->input_scan_number
           <= NGX_HTTP_OVERLAY_JPEG_SCANS)
    {
        return;
    }

    jerr = (ngx_http_overlay_jpeg_error_t *) cinfo->err;

    (void) snprintf(jerr->msg, sizeof(jerr->msg), "more than %d scans",
                    NGX_HTTP_OVERLAY_JPEG_SCANS);

    longjmp(jerr->jmp, 1);
}


static void
ngx_http_overlay_jpeg_decompress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_decompress_struct *d, const unsigned char *p, size_t len)
{
    int  m;

    d->err = jpeg_std_error(&j->jerr.pub);
    j->jerr.pub.error_exit = ngx_http_overlay_jpeg_error_exit;
    j->jerr.pub.emit_message = ngx_http_overlay_jpeg_emit;

    jpeg_create_decompress(d);

    d->mem->max_memory_to_use = NGX_HTTP_OVERLAY_JPEG_MEMORY;

    j->jerr.progress.progress_monitor = ngx_http_overlay_jpeg_progress;
    d->progress = &j->jerr.progress;

    jpeg_mem_src(d, p, (unsigned long) len);

    if (d == &j->src) {
        jpeg_save_markers(d, JPEG_COM, 0xffff);

        for (m = 0; m < 16; m++) {
            jpeg_save_markers(d, JPEG_APP0 + m, 0xffff);
        }
    }

    (void) jpeg_read_header(d, TRUE);
}


static void
ngx_http_overlay_jpeg_compress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c)
{
    c->err = jpeg_std_error(&j->jerr.pub);
    j->jerr.pub.error_exit = ngx_http_overlay_jpeg_error_exit;
    j->jerr.pub.emit_message = ngx_http_overlay_jpeg_emit;

    jpeg_create_compress(c);

    c->mem->max_memory_to_use = NGX_HTTP_OVERLAY_JPEG_MEMORY;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_check(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_error_t *err)
{
    struct jpeg_decompress_struct  *d;

    d = &j->src;

    if (d->data_precision != 8) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "%d-bit JPEG", d->data_precision);
    }

    if (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "CMYK JPEG");
    }

    if (!((d->num_components == 3 && (d->jpeg_color_space == JCS_YCbCr
                                      || d->jpeg_color_space == JCS_RGB))
          || (d->num_components == 1
              && d->jpeg_color_space == JCS_GRAYSCALE)))
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                      "JPEG of %d components in colour "
                                      "space %d", d->num_components,
                                      (int) d->jpeg_color_space);
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * a zero quantizer decodes, but the region's blocks could not be quantized
 * with it again (a division by zero in libjpeg)
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_zero_quant(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_error_t *err)
{
    int  i, q;

    for (i = 0; i < NUM_QUANT_TBLS; i++) {
        for (q = 0; j->src.quant_tbl_ptrs[i] != NULL && q < DCTSIZE2; q++) {
            if (j->src.quant_tbl_ptrs[i]->quantval[q] == 0) {
                return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                              "jpeg: quantization table %d "
                                              "has a zero", i);
            }
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The region r (whole iMCUs) changed in the source's entropy-coded data,
 * for a sequential Huffman-coded JPEG of one scan (see
 * ngx_http_overlay_jpeg_splice.h): the coefficients of the MCUs it decodes
 * go to arrays of the image's size, of which nothing else is touched, the
 * region's blocks are replaced there as on the other path, and the splice
 * codes them.  Returns 1 with *rc; 0: declined, j as it was; -1:
 * declined, j to be made anew.
 */

static int
ngx_http_overlay_jpeg_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err)
{
    int                             c, t;
    size_t                          bytes;
    unsigned                        mcu_w, mcu_h, x0, x1, y0, y1, w, h;
    JHUFF_TBL                      *tbl;
    JDIMENSION                      aw[MAX_COMPONENTS], ah[MAX_COMPONENTS],
                                    by, bh;
    jvirt_barray_ptr                coefs[MAX_COMPONENTS];
    jpeg_component_info            *ci;
    ngx_http_overlay_splice_t      *s;
    struct jpeg_decompress_struct  *d;
    ngx_http_overlay_splice_conf_t  sc;

    d = &j->src;

    if (d->progressive_mode || d->arith_code
        || d->comps_in_scan != d->num_components
        || d->num_components > NGX_HTTP_OVERLAY_SPLICE_COMPS
        || d->Ss != 0 || d->Se != DCTSIZE2 - 1 || d->Ah != 0 || d->Al != 0
        || d->src->next_input_byte < p
        || d->src->next_input_byte > p + len)
    {
        return 0;
    }

    memset(&sc, 0, sizeof(ngx_http_overlay_splice_conf_t));

    sc.ncomps = (unsigned) d->comps_in_scan;

    for (c = 0; c < d->comps_in_scan; c++) {
        ci = d->cur_comp_info[c];

        sc.comp[c].index = (unsigned) ci->component_index;
        sc.comp[c].h = (unsigned) ci->h_samp_factor;
        sc.comp[c].v = (unsigned) ci->v_samp_factor;
        sc.comp[c].width = ci->width_in_blocks;
        sc.comp[c].height = ci->height_in_blocks;
        sc.comp[c].dc = (unsigned) ci->dc_tbl_no;
        sc.comp[c].ac = (unsigned) ci->ac_tbl_no;
    }

    mcu_w = (unsigned) d->max_h_samp_factor * DCTSIZE;
    mcu_h = (unsigned) d->max_v_samp_factor * DCTSIZE;

    sc.mcus_per_row = (d->image_width + mcu_w - 1) / mcu_w;
    sc.mcu_rows = (d->image_height + mcu_h - 1) / mcu_h;
    sc.restart_interval = d->restart_interval;

    for (t = 0; t < NUM_HUFF_TBLS; t++) {
        for (c = 0; c < 2; c++) {
            tbl = c ? d->ac_huff_tbl_ptrs[t] : d->dc_huff_tbl_ptrs[t];

            if (tbl == NULL) {
                continue;
            }

            memcpy(j->dht[c][t].bits, tbl->bits, sizeof(tbl->bits));
            memcpy(j->dht[c][t].huffval, tbl->huffval,
                   sizeof(tbl->huffval));

            if (c) {
                sc.ac[t] = &j->dht[c][t];

            } else {
                sc.dc[t] = &j->dht[c][t];
            }
        }
    }

    sc.block = ngx_http_overlay_jpeg_splice_block;
    sc.data = j;
    sc.adjust = 1;
    sc.jump = 1;

    /* in j, to be destroyed with it should libjpeg longjmp out below */

    s = ngx_http_overlay_splice_create(&sc);
    if (s == NULL) {
        return 0;
    }

    j->splice = s;

    if (ngx_http_overlay_splice_init(s, p, len,
                                     (size_t) (d->src->next_input_byte - p))
        != 0)
    {
        return 0;
    }

    *rc = ngx_http_overlay_jpeg_zero_quant(j, err);
    if (*rc != NGX_HTTP_OVERLAY_OK) {
        return 1;
    }

    /* the MCUs of the region, in the scan's order */

    if (sc.ncomps == 1) {
        w = sc.comp[0].width;
        h = sc.comp[0].height;
        x0 = (unsigned) r->x / DCTSIZE;
        y0 = (unsigned) r->y / DCTSIZE;
        x1 = ((unsigned) (r->x + r->w) + DCTSIZE - 1) / DCTSIZE;
        y1 = ((unsigned) (r->y + r->h) + DCTSIZE - 1) / DCTSIZE;

    } else {
        w = sc.mcus_per_row;
        h = sc.mcu_rows;
        x0 = (unsigned) r->x / mcu_w;
        y0 = (unsigned) r->y / mcu_h;
        x1 = ((unsigned) (r->x + r->w) + mcu_w - 1) / mcu_w;
        y1 = ((unsigned) (r->y + r->h) + mcu_h - 1) / mcu_h;
    }

    x1 = x1 < w ? x1 : w;
    y1 = y1 < h ? y1 : h;

    if (x0 >= x1 || y0 >= y1) {
        return 0;
    }

    /*
     * Arrays as libjpeg's for the whole image, padded to whole iMCUs, but
     * not zeroed: only the rows decoded are ever written to (a page never
     * touched costs nothing); the one access of all rows marks them all
     * defined for libjpeg's checks.
     */

    bytes = 0;

    for (c = 0; c < d->num_components; c++) {
        ci = &d->comp_info[c];

        aw[c] = (ci->width_in_blocks + ci->h_samp_factor - 1)
                / ci->h_samp_factor * ci->h_samp_factor;
        ah[c] = (ci->height_in_blocks + ci->v_samp_factor - 1)
                / ci->v_samp_factor * ci->v_samp_factor;

        bytes += (size_t) aw[c] * ah[c] * sizeof(JBLOCK);
    }

    if (bytes > NGX_HTTP_OVERLAY_JPEG_MEMORY) {
        return 0;
    }

    for (c = 0; c < d->num_components; c++) {
        coefs[c] = (*d->mem->request_virt_barray)((j_common_ptr) d,
                                                  JPOOL_IMAGE, FALSE, aw[c],
                                                  ah[c], ah[c]);
    }

    (*d->mem->realize_virt_arrays)((j_common_ptr) d);

    for (c = 0; c < d->num_components; c++) {
        j->rows[c] = (*d->mem->access_virt_barray)((j_common_ptr) d,
                                                   coefs[c], 0, ah[c], TRUE);
    }

    /*
     * A component alone in its scan codes only its blocks in the image;
     * those its arrays have to pad iMCUs are zeros, as libjpeg's are.
     */

    if (sc.ncomps == 1) {
        ci = &d->comp_info[0];

        by = (JDIMENSION) r->y / mcu_h * ci->v_samp_factor;
        bh = ((JDIMENSION) r->h * ci->v_samp_factor + mcu_h - 1) / mcu_h;
        bh = (bh + ci->v_samp_factor - 1) / ci->v_samp_factor
             * ci->v_samp_factor;

        for (bh += by; by < bh && by < ah[0]; by++) {
            memset(j->rows[0][by], 0, aw[0] * sizeof(JBLOCK));
        }
    }

    if (ngx_http_overlay_splice_decode(s, x0, y0, x1, y1) != 0) {
        return -1;
    }

    *rc = ngx_http_overlay_jpeg_region(j, coefs, r, orientation, painter,
                                       err);
    if (*rc != NGX_HTTP_OVERLAY_OK) {
        return 1;
    }

    if (ngx_http_overlay_splice_encode(s) != 0) {
        return -1;
    }

    j->dest.data = ngx_http_overlay_splice_output(s, &j->dest.len);

    return 1;
}


static short *
ngx_http_overlay_jpeg_splice_block(void *data, unsigned c, unsigned bx,
    unsigned by)
{
    ngx_http_overlay_jpeg_t  *j = data;

    return (short *) j->rows[c][by][bx];
}


/*
 * The region's new blocks in coefs: its pixels from its blocks, cut out
 * as a JPEG of their own (without decoding the rest of the image again),
 * drawn on, and through the image's own transform and tables.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_region(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e    rc;
    ngx_http_overlay_rect_t  whole;

    ngx_http_overlay_jpeg_cut(j, coefs, r);

    whole.x = 0;
    whole.y = 0;
    whole.w = r->w;
    whole.h = r->h;

    rc = ngx_http_overlay_jpeg_decode_region(j, j->piece.data, j->piece.len,
                                             &whole, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_jpeg_paint(j, orientation, r, painter, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    j->have_enc = 1;
    ngx_http_overlay_jpeg_compress(j, &j->enc);

    ngx_http_overlay_jpeg_dest(&j->enc, &j->region);
    ngx_http_overlay_jpeg_start(j, &j->enc, 0);
    ngx_http_overlay_jpeg_rows(j, &j->enc, 0, gdImageSY(j->im));
    jpeg_finish_compress(&j->enc);

    j->have_blk = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->blk, j->region.data,
                                     j->region.len);

    ngx_http_overlay_jpeg_replace_blocks(j, coefs, r);

    return NGX_HTTP_OVERLAY_OK;
}


unsigned
ngx_http_overlay_jpeg_orientation(const unsigned char *p, size_t len)
{
    size_t    pos, seg;
    unsigned  marker;

    /* APP1 "Exif" segments before the first frame header */

    pos = 2;

    while (pos + 4 <= len && p[pos] == 0xff) {
        marker = p[pos + 1];

        if (marker == 0xd8 || marker == 0x01
            || (marker >= 0xd0 && marker <= 0xd7))
        {
            pos += 2;
            continue;
        }

        if (marker == 0xff) {
            pos++;
            continue;
        }

        if (marker == 0xda || marker == 0xd9
            || (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4
                && marker != 0xc8 && marker != 0xcc))
        {
            break;
        }

        seg = (size_t) p[pos + 2] << 8 | p[pos + 3];

        if (seg < 2 || pos + 2 + seg > len) {
            break;
        }

        /* APP1 may hold XMP before (or instead of) Exif */

        if (marker == 0xe1 && seg >= 8 && memcmp(&p[pos + 4], "Exif", 4) == 0)
        {
            return ngx_http_overlay_exif_orientation(&p[pos + 4], seg - 2);
        }

        pos += 2 + seg;
    }

    return 1;
}


/* "Exif\0\0", a TIFF header, IFD0's entries: tag 0x0112, SHORT, 1..8 */

static unsigned
ngx_http_overlay_exif_orientation(const unsigned char *p, size_t len)
{
    int                   le;
    size_t                ifd, n, i, e;
    unsigned              tag, type, value;
    const unsigned char  *t;

    if (len < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0) {
        return 1;
    }

    t = p + 6;
    len -= 6;

    if (t[0] == 'I' && t[1] == 'I') {
        le = 1;

    } else if (t[0] == 'M' && t[1] == 'M') {
        le = 0;

    } else {
        return 1;
    }

#define ngx_http_overlay_tiff16(q)                                            \
    (le ? (unsigned) (q)[0] | (unsigned) (q)[1] << 8                          \
        : (unsigned) (q)[0] << 8 | (unsigned) (q)[1])
#define ngx_http_overlay_tiff32(q)                                            \
    (le ? (size_t) (q)[0] | (size_t) (q)[1] << 8 | (size_t) (q)[2] << 16     \
          | (size_t) (q)[3] << 24                                             \
        : (size_t) (q)[0] << 24 | (size_t) (q)[1] << 16                       \
          | (size_t) (q)[2] << 8 | (size_t) (q)[3])

    if (ngx_http_overlay_tiff16(t + 2) != 42) {
        return 1;
    }

    ifd = ngx_http_overlay_tiff32(t + 4);

    if (ifd > len - 2 || ifd < 8) {
        return 1;
    }

    n = ngx_http_overlay_tiff16(t + ifd);

    for (i = 0; i < n; i++) {
        e = ifd + 2 + i * 12;

        if (e + 12 > len) {
            break;
        }

        tag = ngx_http_overlay_tiff16(t + e);
        type = ngx_http_overlay_tiff16(t + e + 2);

        if (tag == 0x0112 && type == 3) {
            value = ngx_http_overlay_tiff16(t + e + 8);
            return (value >= 1 && value <= 8) ? value : 1;
        }
    }

#undef ngx_http_overlay_tiff16
#undef ngx_http_overlay_tiff32

    return 1;
}


/* decodes the region r (iMCU-aligned, grown as libjpeg needs) to j->im */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_decode_region(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, ngx_http_overlay_rect_t *r,
    ngx_http_overlay_error_t *err)
{
    int              x, y;
    JSAMPROW         rows[1];
    JDIMENSION       xoffset, width;
    unsigned char   *s;

    j->have_pix = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->pix, p, len);

    j->pix.out_color_space = JCS_RGB;

    (void) jpeg_start_decompress(&j->pix);

    xoffset = (JDIMENSION) r->x;
    width = (JDIMENSION) r->w;

    if (xoffset != 0 || width != j->pix.output_width) {
        jpeg_crop_scanline(&j->pix, &xoffset, &width);
    }

    r->x = (int) xoffset;
    r->w = (int) width;

    if (r->y > 0) {
        (void) jpeg_skip_scanlines(&j->pix, (JDIMENSION) r->y);
    }

    j->im = gdImageCreateTrueColor(r->w, r->h);
    j->row = malloc((size_t) j->pix.output_width * 3);

    if (j->im == NULL || j->row == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "allocating a %dx%d region failed",
                                      r->w, r->h);
    }

    rows[0] = j->row;

    for (y = 0; y < r->h; y++) {

        if (jpeg_read_scanlines(&j->pix, rows, 1) != 1) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "jpeg: no scanline %d", r->y + y);
        }

        s = j->row;

        for (x = 0; x < r->w; x++, s += 3) {
            j->im->tpixels[y][x] = gdTrueColor(s[0], s[1], s[2]);
        }
    }

    jpeg_abort_decompress(&j->pix);

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * The blocks of the region r (whole iMCUs, from the image's top left) as a
 * JPEG of their own, in j->piece: the same components, sampling and
 * quantization, libjpeg's standard Huffman tables.
 */

static void
ngx_http_overlay_jpeg_cut(ngx_http_overlay_jpeg_t *j, jvirt_barray_ptr *coefs,
    const ngx_http_overlay_rect_t *r)
{
    int                   c, mcu_w, mcu_h;
    JDIMENSION            bx0, by0, bw, bh, by;
    JBLOCKARRAY           from, to;
    jvirt_barray_ptr      arrays[MAX_COMPONENTS];
    jpeg_component_info  *ci;

    j->have_cut = 1;
    ngx_http_overlay_jpeg_compress(j, &j->cut);
    ngx_http_overlay_jpeg_dest(&j->cut, &j->piece);

    jpeg_copy_critical_parameters(&j->src, &j->cut);

    j->cut.image_width = (JDIMENSION) r->w;
    j->cut.image_height = (JDIMENSION) r->h;
    j->cut.write_JFIF_header = FALSE;

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    for (c = 0; c < j->src.num_components; c++) {
        ci = &j->src.comp_info[c];

        /* as libjpeg sizes a component, padded to whole iMCUs */

        bw = ((JDIMENSION) r->w * ci->h_samp_factor + mcu_w - 1) / mcu_w;
        bh = ((JDIMENSION) r->h * ci->v_samp_factor + mcu_h - 1) / mcu_h;
        bw = (bw + ci->h_samp_factor - 1) / ci->h_samp_factor
             * ci->h_samp_factor;
        bh = (bh + ci->v_samp_factor - 1) / ci->v_samp_factor
             * ci->v_samp_factor;

        arrays[c] = (*j->cut.mem->request_virt_barray)(
                        (j_common_ptr) &j->cut, JPOOL_IMAGE, FALSE, bw, bh,
                        (JDIMENSION) ci->v_samp_factor);
    }

    (*j->cut.mem->realize_virt_arrays)((j_common_ptr) &j->cut);

    for (c = 0; c < j->src.num_components; c++) {
        ci = &j->src.comp_info[c];

        bw = ((JDIMENSION) r->w * ci->h_samp_factor + mcu_w - 1) / mcu_w;
        bh = ((JDIMENSION) r->h * ci->v_samp_factor + mcu_h - 1) / mcu_h;
        bw = (bw + ci->h_samp_factor - 1) / ci->h_samp_factor
             * ci->h_samp_factor;
        bh = (bh + ci->v_samp_factor - 1) / ci->v_samp_factor
             * ci->v_samp_factor;

        bx0 = (JDIMENSION) (r->x / mcu_w * ci->h_samp_factor);
        by0 = (JDIMENSION) (r->y / mcu_h * ci->v_samp_factor);

        for (by = 0; by < bh; by++) {
            from = (*j->src.mem->access_virt_barray)((j_common_ptr) &j->src,
                                                     coefs[c], by0 + by, 1,
                                                     FALSE);
            to = (*j->cut.mem->access_virt_barray)((j_common_ptr) &j->cut,
                                                   arrays[c], by, 1, TRUE);

            memcpy(to[0][0], from[0][bx0], bw * sizeof(JBLOCK));
        }
    }

    jpeg_write_coefficients(&j->cut, arrays);
    jpeg_finish_compress(&j->cut);
}


void
ngx_http_overlay_orient_point(unsigned orientation, int w, int h, int vx,
    int vy, int *sx, int *sy)
{
    /* w, h: the stored image's; vx, vy: as the viewer sees the image */

    switch (orientation) {

    case 2:                                     /* mirrored */
        *sx = w - 1 - vx;
        *sy = vy;
        break;

    case 3:                                     /* turned 180 */
        *sx = w - 1 - vx;
        *sy = h - 1 - vy;
        break;

    case 4:                                     /* flipped */
        *sx = vx;
        *sy = h - 1 - vy;
        break;

    case 5:                                     /* transposed */
        *sx = vy;
        *sy = vx;
        break;

    case 6:                                     /* shown turned 90 right */
        *sx = vy;
        *sy = h - 1 - vx;
        break;

    case 7:                                     /* transversed */
        *sx = w - 1 - vy;
        *sy = h - 1 - vx;
        break;

    case 8:                                     /* shown turned 90 left */
        *sx = w - 1 - vy;
        *sy = vx;
        break;

    default:
        *sx = vx;
        *sy = vy;
        break;
    }
}


/*
 * Lets the painter draw on the region as a viewer sees it: the region is
 * turned into the viewer's orientation, drawn on, and turned back.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_paint(ngx_http_overlay_jpeg_t *j, unsigned orientation,
    const ngx_http_overlay_rect_t *r,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_error_t *err)
{
    int                    w, h, vx, vy, sx, sy, vx0, vy0, i;
    ngx_http_overlay_rc_e  rc;

    if (orientation <= 1 || orientation > 8) {
        return painter->draw(painter->data, j->im, r->x, r->y, err);
    }

    w = (int) j->src.image_width;
    h = (int) j->src.image_height;

    /* where the region is in the image as the viewer sees it */

    vx0 = INT_MAX;
    vy0 = INT_MAX;

    for (i = 0; i < 4; i++) {
        sx = r->x + (i & 1) * (r->w - 1);
        sy = r->y + (i >> 1) * (r->h - 1);

        /* the inverse of ngx_http_overlay_orient_point() */

        switch (orientation) {
        case 2:  vx = w - 1 - sx; vy = sy; break;
        case 3:  vx = w - 1 - sx; vy = h - 1 - sy; break;
        case 4:  vx = sx; vy = h - 1 - sy; break;
        case 5:  vx = sy; vy = sx; break;
        case 6:  vx = h - 1 - sy; vy = sx; break;
        case 7:  vx = h - 1 - sy; vy = w - 1 - sx; break;
        default: vx = sy; vy = w - 1 - sx; break;
        }

        vx0 = vx < vx0 ? vx : vx0;
        vy0 = vy < vy0 ? vy : vy0;
    }

    j->view = gdImageCreateTrueColor(orientation >= 5 ? r->h : r->w,
                                     orientation >= 5 ? r->w : r->h);
    if (j->view == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "gdImageCreateTrueColor() failed");
    }

    for (vy = 0; vy < gdImageSY(j->view); vy++) {
        for (vx = 0; vx < gdImageSX(j->view); vx++) {
            ngx_http_overlay_orient_point(orientation, w, h, vx0 + vx,
                                          vy0 + vy, &sx, &sy);
            j->view->tpixels[vy][vx] = j->im->tpixels[sy - r->y][sx - r->x];
        }
    }

    rc = painter->draw(painter->data, j->view, vx0, vy0, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    for (vy = 0; vy < gdImageSY(j->view); vy++) {
        for (vx = 0; vx < gdImageSX(j->view); vx++) {
            ngx_http_overlay_orient_point(orientation, w, h, vx0 + vx,
                                          vy0 + vy, &sx, &sy);
            j->im->tpixels[sy - r->y][sx - r->x] = j->view->tpixels[vy][vx];
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * Starts c for an image of c->image_width x c->image_height.  quality 0:
 * with the source's colour space, sampling factors and quantization
 * tables, so that the blocks come out as the source's own encoder would
 * have made them; otherwise at that quality, progressive if the source
 * was, with its markers.
 */

static void
ngx_http_overlay_jpeg_start(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int quality)
{
    int                             i, q;
    struct jpeg_decompress_struct  *d;

    d = &j->src;

    if (c->image_width == 0) {
        c->image_width = (JDIMENSION) gdImageSX(j->im);
        c->image_height = (JDIMENSION) gdImageSY(j->im);
    }

    c->input_components = 3;
    c->in_color_space = JCS_RGB;

    jpeg_set_defaults(c);
    jpeg_set_colorspace(c, d->jpeg_color_space);

    for (i = 0; i < d->num_components; i++) {
        c->comp_info[i].h_samp_factor = d->comp_info[i].h_samp_factor;
        c->comp_info[i].v_samp_factor = d->comp_info[i].v_samp_factor;
    }

    if (quality == 0) {

        for (i = 0; i < d->num_components; i++) {
            c->comp_info[i].quant_tbl_no = d->comp_info[i].quant_tbl_no;
        }

        for (i = 0; i < NUM_QUANT_TBLS; i++) {
            if (d->quant_tbl_ptrs[i] == NULL) {
                continue;
            }

            if (c->quant_tbl_ptrs[i] == NULL) {
                c->quant_tbl_ptrs[i] =
                               jpeg_alloc_quant_table((j_common_ptr) c);
            }

            for (q = 0; q < DCTSIZE2; q++) {
                c->quant_tbl_ptrs[i]->quantval[q] =
                                             d->quant_tbl_ptrs[i]->quantval[q];
            }

            c->quant_tbl_ptrs[i]->sent_table = FALSE;
        }

    } else {
        jpeg_set_quality(c, quality, TRUE);
        c->optimize_coding = TRUE;
        c->restart_interval = d->restart_interval;

        if (d->progressive_mode) {
            jpeg_simple_progression(c);
        }

        c->write_JFIF_header = d->saw_JFIF_marker;
    }

    jpeg_start_compress(c, TRUE);

    if (quality != 0) {
        ngx_http_overlay_jpeg_markers(j);
    }
}


/* writes n rows of j->im, from its row y0 */

static void
ngx_http_overlay_jpeg_rows(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int y0, int n)
{
    int             x, y;
    JSAMPROW        rows[1];
    unsigned char  *s;

    rows[0] = j->row;

    for (y = y0; y < y0 + n; y++) {
        s = j->row;

        for (x = 0; x < gdImageSX(j->im); x++) {
            int  p = j->im->tpixels[y][x];

            *s++ = (unsigned char) gdTrueColorGetRed(p);
            *s++ = (unsigned char) gdTrueColorGetGreen(p);
            *s++ = (unsigned char) gdTrueColorGetBlue(p);
        }

        (void) jpeg_write_scanlines(c, rows, 1);
    }
}


/*
 * The whole image decoded and encoded again at quality, row by row: only
 * the rows of r (the bounds' rows, in the stored image) are held, drawn
 * on, and written once the last of them is in.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_reencode(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    int quality, ngx_http_overlay_error_t *err)
{
    int                    x, y, w, h;
    JSAMPROW               rows[1];
    unsigned char         *s;
    ngx_http_overlay_rc_e  rc;

    j->have_pix = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->pix, p, len);

    j->pix.out_color_space = JCS_RGB;
    (void) jpeg_start_decompress(&j->pix);

    w = (int) j->pix.output_width;
    h = (int) j->pix.output_height;

    j->im = gdImageCreateTrueColor(w, r->h);
    j->row = malloc((size_t) w * 3);

    if (j->im == NULL || j->row == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "allocating %d rows of %d pixels "
                                      "failed", r->h, w);
    }

    j->have_out = 1;
    ngx_http_overlay_jpeg_compress(j, &j->out);
    ngx_http_overlay_jpeg_dest(&j->out, &j->dest);

    j->out.image_width = (JDIMENSION) w;
    j->out.image_height = (JDIMENSION) h;
    ngx_http_overlay_jpeg_start(j, &j->out, quality);

    rows[0] = j->row;

    for (y = 0; y < h; y++) {

        if (jpeg_read_scanlines(&j->pix, rows, 1) != 1) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "jpeg: no scanline %d", y);
        }

        if (y < r->y || y >= r->y + r->h) {
            (void) jpeg_write_scanlines(&j->out, rows, 1);
            continue;
        }

        s = j->row;

        for (x = 0; x < w; x++, s += 3) {
            j->im->tpixels[y - r->y][x] = gdTrueColor(s[0], s[1], s[2]);
        }

        if (y == r->y + r->h - 1) {
            rc = ngx_http_overlay_jpeg_paint(j, orientation, r, painter,
                                             err);
            if (rc != NGX_HTTP_OVERLAY_OK) {
                return rc;
            }

            ngx_http_overlay_jpeg_rows(j, &j->out, 0, r->h);
        }
    }

    jpeg_finish_compress(&j->out);
    jpeg_abort_decompress(&j->pix);

    return NGX_HTTP_OVERLAY_OK;
}


/* the region's blocks, from j->blk, over the source's, per component */

static void
ngx_http_overlay_jpeg_replace_blocks(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r)
{
    int                   c;
    JDIMENSION            bx0, by0, bx, by, w, h;
    JBLOCKARRAY           src, dst;
    jvirt_barray_ptr     *blocks;

    blocks = jpeg_read_coefficients(&j->blk);

    for (c = 0; c < j->src.num_components; c++) {
        ngx_http_overlay_jpeg_block_rect(j, c, r, &bx0, &by0, &w, &h);

        for (by = 0; by < h; by++) {
            src = (*j->blk.mem->access_virt_barray)((j_common_ptr) &j->blk,
                                                    blocks[c], by, 1, FALSE);
            dst = (*j->src.mem->access_virt_barray)((j_common_ptr) &j->src,
                                                    coefs[c], by0 + by, 1,
                                                    TRUE);

            for (bx = 0; bx < w; bx++) {
                memcpy(dst[0][bx0 + bx], src[0][bx], sizeof(JBLOCK));
            }
        }
    }
}


/* the blocks of component c that the region r (whole iMCUs) covers */

static void
ngx_http_overlay_jpeg_block_rect(ngx_http_overlay_jpeg_t *j, int c,
    const ngx_http_overlay_rect_t *r, JDIMENSION *bx0, JDIMENSION *by0,
    JDIMENSION *w, JDIMENSION *h)
{
    int                   mcu_w, mcu_h;
    JDIMENSION            dst_w, dst_h;
    jpeg_component_info  *sc, *dc;

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    dc = &j->src.comp_info[c];
    sc = &j->blk.comp_info[c];

    /* the arrays are padded to whole iMCUs; so is the region's */

    *bx0 = (JDIMENSION) (r->x / mcu_w * dc->h_samp_factor);
    *by0 = (JDIMENSION) (r->y / mcu_h * dc->v_samp_factor);

    dst_w = (dc->width_in_blocks + dc->h_samp_factor - 1)
            / dc->h_samp_factor * dc->h_samp_factor;
    dst_h = (dc->height_in_blocks + dc->v_samp_factor - 1)
            / dc->v_samp_factor * dc->v_samp_factor;

    *w = (sc->width_in_blocks + sc->h_samp_factor - 1)
         / sc->h_samp_factor * sc->h_samp_factor;
    *h = (sc->height_in_blocks + sc->v_samp_factor - 1)
         / sc->v_samp_factor * sc->v_samp_factor;

    if (*bx0 + *w > dst_w) {
        *w = dst_w - *bx0;
    }

    if (*by0 + *h > dst_h) {
        *h = dst_h - *by0;
    }
}


/*
 * Whether the output can be coded with the source's own Huffman tables.
 * Otherwise libjpeg gathers statistics over every block and builds
 * optimal tables: a second pass over the whole image, which costs twice
 * what writing it does.  It can for a sequential, Huffman-coded source of
 * one scan whose tables are not redefined after it: the unchanged blocks'
 * AC symbols are in the tables, which decoded them.  What the new blocks
 * change is checked: their AC symbols, and the DC differences along each
 * component's chain, walked in libjpeg's order with its dummy blocks.
 */

static int
ngx_http_overlay_jpeg_own_tables(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r)
{
    int                    c, n, k, i, run, sym, blkn, last_dc[MAX_COMPONENTS];
    int                    dc_val[MAX_COMPONENTS * 4 * 4];
    uint32_t               dc_have[NUM_HUFF_TBLS][8], ac_have[NUM_HUFF_TBLS][8];
    JHUFF_TBL             *t;
    JDIMENSION             mcus_per_row, mcu_rows, row, col, bx0, by0, bx,
                           by, w, h, mcu;
    JBLOCKROW              block;
    JBLOCKARRAY            rows[1];
    jpeg_component_info   *ci;
    struct jpeg_decompress_struct  *d;

    d = &j->src;

    if (d->progressive_mode || d->arith_code || d->input_scan_number != 1
        || d->comps_in_scan != d->num_components
        || d->num_components > MAX_COMPS_IN_SCAN
        || d->max_h_samp_factor * d->max_v_samp_factor > 4 * 4
        || ngx_http_overlay_jpeg_dht_after_sos(p, len))
    {
        return 0;
    }

    memset(dc_have, 0, sizeof(dc_have));
    memset(ac_have, 0, sizeof(ac_have));

    for (c = 0; c < d->num_components; c++) {
        ci = &d->comp_info[c];

        if (ci->dc_tbl_no < 0 || ci->dc_tbl_no >= NUM_HUFF_TBLS
            || ci->ac_tbl_no < 0 || ci->ac_tbl_no >= NUM_HUFF_TBLS
            || d->dc_huff_tbl_ptrs[ci->dc_tbl_no] == NULL
            || d->ac_huff_tbl_ptrs[ci->ac_tbl_no] == NULL)
        {
            return 0;
        }
    }

    for (i = 0; i < NUM_HUFF_TBLS; i++) {

        t = d->dc_huff_tbl_ptrs[i];

        for (k = 1, n = 0; t != NULL && k <= 16; k++) {
            n += t->bits[k];
        }

        for (k = 0; t != NULL && k < n && k < 256; k++) {
            ngx_http_overlay_sym_set(dc_have[i], t->huffval[k]);
        }

        t = d->ac_huff_tbl_ptrs[i];

        for (k = 1, n = 0; t != NULL && k <= 16; k++) {
            n += t->bits[k];
        }

        for (k = 0; t != NULL && k < n && k < 256; k++) {
            ngx_http_overlay_sym_set(ac_have[i], t->huffval[k]);
        }
    }

    /* the new blocks' AC symbols; every table needs the end of block */

    for (c = 0; c < d->num_components; c++) {
        ci = &d->comp_info[c];

        if (!ngx_http_overlay_sym_has(ac_have[ci->ac_tbl_no], 0x00)) {
            return 0;
        }

        ngx_http_overlay_jpeg_block_rect(j, c, r, &bx0, &by0, &w, &h);

        for (by = 0; by < h; by++) {
            rows[0] = (*d->mem->access_virt_barray)((j_common_ptr) d,
                                                    coefs[c], by0 + by, 1,
                                                    FALSE);

            for (bx = 0; bx < w; bx++) {
                block = rows[0][0] + bx0 + bx;
                run = 0;

                for (k = 1; k < DCTSIZE2; k++) {
                    n = block[0][ngx_http_overlay_splice_zigzag[k]];

                    if (n == 0) {
                        run++;
                        continue;
                    }

                    if (run > 15
                        && !ngx_http_overlay_sym_has(ac_have[ci->ac_tbl_no],
                                                     0xf0))
                    {
                        return 0;
                    }

                    run &= 15;
                    n = ngx_http_overlay_splice_nbits(n);

                    if (n > 10) {
                        return 0;
                    }

                    sym = (run << 4) + n;

                    if (!ngx_http_overlay_sym_has(ac_have[ci->ac_tbl_no],
                                                  sym))
                    {
                        return 0;
                    }

                    run = 0;
                }
            }
        }
    }

    /*
     * The DC differences the new blocks change: theirs, and their
     * successors' along each component's chain, MCU by MCU as libjpeg
     * writes them.  The region is whole MCUs, and an MCU's first
     * difference is from the MCU before it, unless a restart interval
     * begins with it.
     */

    if (d->num_components == 1) {
        ci = &d->comp_info[0];
        mcus_per_row = ci->width_in_blocks;
        mcu_rows = ci->height_in_blocks;
        ngx_http_overlay_jpeg_block_rect(j, 0, r, &bx0, &by0, &w, &h);

    } else {
        mcus_per_row = (d->image_width + d->max_h_samp_factor * DCTSIZE - 1)
                       / (d->max_h_samp_factor * DCTSIZE);
        mcu_rows = (d->image_height + d->max_v_samp_factor * DCTSIZE - 1)
                   / (d->max_v_samp_factor * DCTSIZE);
        bx0 = (JDIMENSION) r->x / (d->max_h_samp_factor * DCTSIZE);
        by0 = (JDIMENSION) r->y / (d->max_v_samp_factor * DCTSIZE);
        w = ((JDIMENSION) (r->x + r->w) + d->max_h_samp_factor * DCTSIZE - 1)
            / (d->max_h_samp_factor * DCTSIZE) - bx0;
        h = ((JDIMENSION) (r->y + r->h) + d->max_v_samp_factor * DCTSIZE - 1)
            / (d->max_v_samp_factor * DCTSIZE) - by0;
    }

    for (row = by0; row < by0 + h && row < mcu_rows; row++) {

        /* the region's MCUs in the row, and the one after them */

        for (col = bx0; col <= bx0 + w; col++) {

            mcu = row * mcus_per_row + col;

            if (col >= mcus_per_row) {
                if (row + 1 >= mcu_rows) {
                    break;
                }

                mcu = (row + 1) * mcus_per_row;
            }

            if (mcu == 0
                || (d->restart_interval && mcu % d->restart_interval == 0))
            {
                for (c = 0; c < d->num_components; c++) {
                    last_dc[c] = 0;
                }

            } else {
                ngx_http_overlay_jpeg_mcu_dc(d, coefs, mcus_per_row,
                                             mcu_rows, mcu - 1, dc_val,
                                             last_dc);
            }

            ngx_http_overlay_jpeg_mcu_dc(d, coefs, mcus_per_row, mcu_rows,
                                         mcu, dc_val, NULL);

            blkn = 0;

            for (c = 0; c < d->num_components; c++) {
                ci = &d->comp_info[c];
                n = (d->num_components == 1)
                    ? 1 : ci->h_samp_factor * ci->v_samp_factor;

                for (i = 0; i < n; i++, blkn++) {
                    k = ngx_http_overlay_splice_nbits(dc_val[blkn]
                                                    - last_dc[c]);
                    last_dc[c] = dc_val[blkn];

                    if (k > 11
                        || !ngx_http_overlay_sym_has(dc_have[ci->dc_tbl_no],
                                                     k))
                    {
                        return 0;
                    }
                }
            }
        }
    }

    return 1;
}


/*
 * The DC values of an MCU's blocks as libjpeg codes them: interleaved,
 * component by component, with dummy blocks at the right and bottom edges
 * that repeat the previous block's DC; a component alone, one block.
 * With last, the last DC of each component instead.
 */

static void
ngx_http_overlay_jpeg_mcu_dc(struct jpeg_decompress_struct *d,
    jvirt_barray_ptr *coefs, JDIMENSION mcus_per_row, JDIMENSION mcu_rows,
    JDIMENSION mcu, int *dc_val, int *last)
{
    int                   c, blkn;
    JDIMENSION            row, col, bx, by, blockcnt, last_w, last_h;
    JBLOCKARRAY           rows;
    jpeg_component_info  *ci;

    row = mcu / mcus_per_row;
    col = mcu % mcus_per_row;

    if (d->num_components == 1) {
        rows = (*d->mem->access_virt_barray)((j_common_ptr) d, coefs[0],
                                             row, 1, FALSE);
        dc_val[0] = rows[0][col][0];

        if (last != NULL) {
            last[0] = dc_val[0];
        }

        return;
    }

    blkn = 0;

    for (c = 0; c < d->num_components; c++) {
        ci = &d->comp_info[c];

        rows = (*d->mem->access_virt_barray)((j_common_ptr) d, coefs[c],
                                             row * ci->v_samp_factor,
                                             ci->v_samp_factor, FALSE);

        last_w = ci->width_in_blocks % ci->h_samp_factor;
        last_w = last_w ? last_w : (JDIMENSION) ci->h_samp_factor;
        last_h = ci->height_in_blocks % ci->v_samp_factor;
        last_h = last_h ? last_h : (JDIMENSION) ci->v_samp_factor;

        blockcnt = (col < mcus_per_row - 1)
                   ? (JDIMENSION) ci->h_samp_factor : last_w;

        for (by = 0; by < (JDIMENSION) ci->v_samp_factor; by++) {
            bx = 0;

            if (row < mcu_rows - 1 || by < last_h) {
                for ( /* void */ ; bx < blockcnt; bx++) {
                    dc_val[blkn++] = rows[by][col * ci->h_samp_factor + bx][0];
                }
            }

            for ( /* void */ ; bx < (JDIMENSION) ci->h_samp_factor; bx++) {
                dc_val[blkn] = blkn ? dc_val[blkn - 1] : 0;
                blkn++;
            }
        }

        if (last != NULL) {
            last[c] = dc_val[blkn - 1];
        }
    }
}


/* a DHT segment after the first scan began: its tables are not the scan's */

static int
ngx_http_overlay_jpeg_dht_after_sos(const unsigned char *p, size_t len)
{
    size_t                i;
    const unsigned char  *q;

    /* the segments before the scan, by their lengths */

    for (i = 2; i + 4 <= len; i += 2 + ((size_t) p[i + 2] << 8 | p[i + 3])) {

        if (p[i] != 0xff) {
            return 1;
        }

        if (p[i + 1] == 0xda) {
            break;
        }
    }

    /* in the entropy-coded data, 0xff is always followed by 0x00 or RSTn */

    for (i += 2; i + 1 < len; i = (size_t) (q - p) + 1) {
        q = memchr(p + i, 0xff, len - i - 1);

        if (q == NULL) {
            return 0;
        }

        if (q[1] == 0xc4) {
            return 1;
        }
    }

    return 0;
}


/* the source's Huffman tables, for the components that used them */

static void
ngx_http_overlay_jpeg_use_tables(ngx_http_overlay_jpeg_t *j)
{
    int        c, i;
    JHUFF_TBL  *from, **to;

    for (i = 0; i < NUM_HUFF_TBLS; i++) {

        for (c = 0; c < 2; c++) {
            from = c ? j->src.ac_huff_tbl_ptrs[i] : j->src.dc_huff_tbl_ptrs[i];
            to = c ? &j->out.ac_huff_tbl_ptrs[i] : &j->out.dc_huff_tbl_ptrs[i];

            if (from == NULL) {
                continue;
            }

            if (*to == NULL) {
                *to = jpeg_alloc_huff_table((j_common_ptr) &j->out);
            }

            memcpy((*to)->bits, from->bits, sizeof(from->bits));
            memcpy((*to)->huffval, from->huffval, sizeof(from->huffval));
            (*to)->sent_table = FALSE;
        }
    }

    for (c = 0; c < j->src.num_components; c++) {
        j->out.comp_info[c].dc_tbl_no = j->src.comp_info[c].dc_tbl_no;
        j->out.comp_info[c].ac_tbl_no = j->src.comp_info[c].ac_tbl_no;
    }
}


/* the source's markers, but those libjpeg writes itself (JFIF, Adobe) */

static void
ngx_http_overlay_jpeg_markers(ngx_http_overlay_jpeg_t *j)
{
    jpeg_saved_marker_ptr  m;

    for (m = j->src.marker_list; m != NULL; m = m->next) {

        if (j->out.write_JFIF_header && m->marker == JPEG_APP0
            && m->data_length >= 5 && memcmp(m->data, "JFIF", 5) == 0)
        {
            continue;
        }

        if (j->out.write_Adobe_marker && m->marker == JPEG_APP0 + 14
            && m->data_length >= 5 && memcmp(m->data, "Adobe", 5) == 0)
        {
            continue;
        }

        jpeg_write_marker(&j->out, m->marker, m->data, m->data_length);
    }
}


static void
ngx_http_overlay_jpeg_dest(struct jpeg_compress_struct *c,
    ngx_http_overlay_jpeg_dest_t *dest)
{
    dest->pub.init_destination = ngx_http_overlay_jpeg_dest_init;
    dest->pub.empty_output_buffer = ngx_http_overlay_jpeg_dest_empty;
    dest->pub.term_destination = ngx_http_overlay_jpeg_dest_term;

    c->dest = &dest->pub;
}


static void
ngx_http_overlay_jpeg_dest_init(j_compress_ptr c)
{
    ngx_http_overlay_jpeg_dest_t  *dest = (ngx_http_overlay_jpeg_dest_t *)
                                          c->dest;

    if (dest->data == NULL) {
        dest->size = 64 * 1024;
        dest->data = malloc(dest->size);

        if (dest->data == NULL) {
            ERREXIT1(c, JERR_OUT_OF_MEMORY, 10);
        }
    }

    dest->len = 0;
    dest->pub.next_output_byte = dest->data;
    dest->pub.free_in_buffer = dest->size;
}


static boolean
ngx_http_overlay_jpeg_dest_empty(j_compress_ptr c)
{
    ngx_http_overlay_jpeg_dest_t  *dest = (ngx_http_overlay_jpeg_dest_t *)
                                          c->dest;

    unsigned char  *data;

    /* the whole buffer is full: twice the size, the pointer kept current */

    data = realloc(dest->data, dest->size * 2);
    if (data == NULL) {
        ERREXIT1(c, JERR_OUT_OF_MEMORY, 11);
    }

    dest->data = data;
    dest->pub.next_output_byte = data + dest->size;
    dest->pub.free_in_buffer = dest->size;
    dest->size *= 2;

    return TRUE;
}


static void
ngx_http_overlay_jpeg_dest_term(j_compress_ptr c)
{
    ngx_http_overlay_jpeg_dest_t  *dest = (ngx_http_overlay_jpeg_dest_t *)
                                          c->dest;

    dest->len = dest->size - dest->pub.free_in_buffer;
}


static void
ngx_http_overlay_jpeg_release(ngx_http_overlay_jpeg_t *j)
{
    if (j->have_out) {
        jpeg_destroy_compress(&j->out);
    }

    if (j->have_blk) {
        jpeg_destroy_decompress(&j->blk);
    }

    if (j->have_enc) {
        jpeg_destroy_compress(&j->enc);
    }

    if (j->have_pix) {
        jpeg_destroy_decompress(&j->pix);
    }

    if (j->have_cut) {
        jpeg_destroy_compress(&j->cut);
    }

    if (j->have_src) {
        jpeg_destroy_decompress(&j->src);
    }

    free(j->region.data);
    free(j->piece.data);
    free(j->dest.data);
    free(j->row);

    ngx_http_overlay_splice_destroy(j->splice);

    if (j->im != NULL) {
        gdImageDestroy(j->im);
    }

    if (j->view != NULL) {
        gdImageDestroy(j->view);
    }
}
