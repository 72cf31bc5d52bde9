
/*
 * ngx_http_overlay_module: the JPEG codec: its header probe, and which
 * path draws on a JPEG (see ngx_http_overlay_codec_jpeg.h).
 *
 * With overlay_jpeg_quality N, the whole image is encoded again at N
 * (ngx_http_overlay_jpeg_reencode.c).  Otherwise a sequential
 * Huffman-coded JPEG is changed in its entropy-coded data, only the MCUs
 * under the overlay coded again (the splice, below and
 * ngx_http_overlay_jpeg_splice.c); where that cannot be done exactly, or
 * for any other JPEG, all the coefficients are written again with the
 * region's replaced (the DCT path, ngx_http_overlay_jpeg_dct.c).  Each
 * attempt has its own setjmp() frame for libjpeg's errors; falling back
 * is a call.
 */


#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_jpeg_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


/*
 * The least PSNR of the splice's rectangle against the blocks wanted
 * where they are fitted to the source's tables: 10^(40 dB / 10)
 */
#define NGX_HTTP_OVERLAY_JPEG_FIT_MSE  10000.0


/* the painter's bounds in the stored image: x0 <= x < x1, y0 <= y < y1 */
typedef struct {
    int                              x0, y0, x1, y1;
} ngx_http_overlay_jpeg_box_t;


static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_try_quality(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info, int quality,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err);
static int ngx_http_overlay_jpeg_try_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_rect_t *r,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_try_transcode(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter,
    const ngx_http_overlay_rect_t *opened, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_open(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_jpeg_box_t *b, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_check(
    ngx_http_overlay_jpeg_t *j, ngx_http_overlay_error_t *err);
static void ngx_http_overlay_jpeg_imcus(ngx_http_overlay_jpeg_t *j,
    const ngx_http_overlay_jpeg_box_t *b, ngx_http_overlay_rect_t *r);
static int ngx_http_overlay_jpeg_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err);
static short *ngx_http_overlay_jpeg_splice_block(void *data, unsigned c,
    unsigned bx, unsigned by);


ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_probe(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, unsigned *progressive,
    ngx_http_overlay_error_t *err)
{
    size_t                           sof;
    unsigned                         components;
    ngx_http_overlay_jpeg_walk_t     w;
    ngx_http_overlay_jpeg_segment_t  m;

    sof = 0;

    /*
     * the segments up to the first scan: one frame header among them (a
     * second SOI is read as a segment, as this probe always has)
     */

    ngx_http_overlay_jpeg_walk_init(&w, p, len,
                                    NGX_HTTP_OVERLAY_JPEG_WALK_FILL
                                    | NGX_HTTP_OVERLAY_JPEG_WALK_ALONE);

    while (ngx_http_overlay_jpeg_walk_next(&w, &m)
           == NGX_HTTP_OVERLAY_JPEG_WALK_MARKER)
    {
        if (m.marker == NGX_HTTP_OVERLAY_JPEG_EOI
            || m.marker == NGX_HTTP_OVERLAY_JPEG_SOS)
        {
            break;
        }

        if (!ngx_http_overlay_jpeg_is_sof(m.marker)) {
            continue;
        }

        if (sof) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a second "
                                          "JPEG frame header (SOF%u) at "
                                          "%zu, the first at %zu",
                                          m.marker
                                          - NGX_HTTP_OVERLAY_JPEG_SOF0,
                                          m.at, sof);
        }

        if (m.seg < 8) {
            break;
        }

        /* P, Y, X, Nf, then 3 bytes a component */

        components = m.data[5];

        if (m.seg != 8 + 3 * components) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a JPEG "
                                          "frame header of %zu bytes "
                                          "for %u components", m.seg,
                                          components);
        }

        info->height = ngx_http_overlay_be16(&m.data[1]);
        info->width = ngx_http_overlay_be16(&m.data[3]);
        sof = m.at;

        if (progressive != NULL) {
            *progressive = ngx_http_overlay_jpeg_is_progressive(m.marker);
        }

        /* no lines means a DNL marker, which libjpeg cannot read */

        if (info->width == 0 || info->height == 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "JPEG frame header of %ux%u "
                                          "pixels", info->width,
                                          info->height);
        }
    }

    if (sof == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "JPEG without a frame header in its "
                                      "%zu bytes", len);
    }

    return NGX_HTTP_OVERLAY_OK;
}


ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    int                       spliced;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_rect_t   r;
    ngx_http_overlay_jpeg_t  *j;

    /* the struct is large, and its members must survive a longjmp */

    j = calloc(1, sizeof(ngx_http_overlay_jpeg_t));
    if (j == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "calloc() failed");
    }

    if (conf->jpeg_quality != 0) {
        rc = ngx_http_overlay_jpeg_try_quality(j, p, len, info,
                                               conf->jpeg_quality, painter,
                                               err);

    } else {

        /*
         * The splice first; declined, the DCT path goes on with j as it
         * is (0) or made anew (-1).
         */

        spliced = ngx_http_overlay_jpeg_try_splice(j, p, len, info, painter,
                                                   &r, &rc, err);

        if (spliced == -1) {
            ngx_http_overlay_jpeg_release(j);
            memset(j, 0, sizeof(ngx_http_overlay_jpeg_t));
        }

        if (spliced != 1) {
            rc = ngx_http_overlay_jpeg_try_transcode(j, p, len, info,
                                                     painter,
                                                     spliced == 0 ? &r
                                                                  : NULL,
                                                     err);
        }
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        out->data = j->dest.data;
        out->len = j->dest.len;
        out->free = free;
        out->method = j->method;
        j->dest.data = NULL;
    }

    ngx_http_overlay_jpeg_release(j);
    free(j);

    return rc;
}


/* the whole image again, streamed: the bounds' rows drawn on */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_try_quality(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info, int quality,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_error_t *err)
{
    int                          h;
    ngx_http_overlay_rc_e        rc;
    ngx_http_overlay_rect_t      r;
    ngx_http_overlay_jpeg_box_t  b;

    if (setjmp(j->jerr.jmp)) {
        return ngx_http_overlay_jpeg_failed(j, err);
    }

    rc = ngx_http_overlay_jpeg_open(j, p, len, info->orientation, painter,
                                    &b, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    h = (int) j->src.image_height;

    r.x = 0;
    r.w = (int) j->src.image_width;
    r.y = b.y0;
    r.h = (b.y1 < h ? b.y1 : h) - b.y0;

    j->method = NGX_HTTP_OVERLAY_METHOD_REENCODE;

    return ngx_http_overlay_jpeg_reencode(j, p, len, &r, info->orientation,
                                          painter, quality, err);
}


/*
 * The splice, on the region *r of whole iMCUs under the bounds: 1 with
 * *rc; 0: declined, j->src's header read; -1: declined, j to be made anew
 */

static int
ngx_http_overlay_jpeg_try_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_rect_t *r,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_jpeg_box_t  b;

    if (setjmp(j->jerr.jmp)) {
        *rc = ngx_http_overlay_jpeg_failed(j, err);
        return 1;
    }

    *rc = ngx_http_overlay_jpeg_open(j, p, len, info->orientation, painter,
                                     &b, err);
    if (*rc != NGX_HTTP_OVERLAY_OK) {
        return 1;
    }

    ngx_http_overlay_jpeg_imcus(j, &b, r);

    return ngx_http_overlay_jpeg_splice(j, p, len, r, info->orientation,
                                        painter, rc, err);
}


/*
 * The DCT path: on j as the splice declined it, with the region opened;
 * or, opened NULL, on j made anew
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_try_transcode(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter,
    const ngx_http_overlay_rect_t *opened, ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e        rc;
    ngx_http_overlay_rect_t      r;
    ngx_http_overlay_jpeg_box_t  b;

    if (setjmp(j->jerr.jmp)) {
        return ngx_http_overlay_jpeg_failed(j, err);
    }

    if (opened != NULL) {
        r = *opened;

    } else {
        rc = ngx_http_overlay_jpeg_open(j, p, len, info->orientation,
                                        painter, &b, err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            return rc;
        }

        ngx_http_overlay_jpeg_imcus(j, &b, &r);
    }

    return ngx_http_overlay_jpeg_transcode(j, p, len, &r, info->orientation,
                                           painter, err);
}


/*
 * j->src made and its header read (in the caller's setjmp frame), checked;
 * *b, the box of the stored points that the bounds' corners map to
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_open(ngx_http_overlay_jpeg_t *j, const unsigned char *p,
    size_t len, unsigned orientation,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_jpeg_box_t *b,
    ngx_http_overlay_error_t *err)
{
    int                      i, sx, sy;
    ngx_http_overlay_rc_e    rc;
    ngx_http_overlay_rect_t  r;

    j->have_src = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->src, p, len);

    rc = ngx_http_overlay_jpeg_check(j, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    r = painter->bounds;

    if (r.w <= 0 || r.h <= 0) {
        r.x = 0;
        r.y = 0;
        r.w = 1;
        r.h = 1;
    }

    b->x0 = INT_MAX;
    b->y0 = INT_MAX;
    b->x1 = 0;
    b->y1 = 0;

    for (i = 0; i < 4; i++) {
        ngx_http_overlay_orient_point(orientation, (int) j->src.image_width,
                                      (int) j->src.image_height,
                                      r.x + (i & 1) * (r.w - 1),
                                      r.y + (i >> 1) * (r.h - 1), &sx, &sy);
        b->x0 = sx < b->x0 ? sx : b->x0;
        b->y0 = sy < b->y0 ? sy : b->y0;
        b->x1 = sx + 1 > b->x1 ? sx + 1 : b->x1;
        b->y1 = sy + 1 > b->y1 ? sy + 1 : b->y1;
    }

    return NGX_HTTP_OVERLAY_OK;
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


/* the iMCUs under the box b, within the image */

static void
ngx_http_overlay_jpeg_imcus(ngx_http_overlay_jpeg_t *j,
    const ngx_http_overlay_jpeg_box_t *b, ngx_http_overlay_rect_t *r)
{
    int  x1, y1, mcu_w, mcu_h;

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    r->x = b->x0 / mcu_w * mcu_w;
    r->y = b->y0 / mcu_h * mcu_h;
    x1 = (b->x1 + mcu_w - 1) / mcu_w * mcu_w;
    y1 = (b->y1 + mcu_h - 1) / mcu_h * mcu_h;
    r->w = (x1 < (int) j->src.image_width ? x1 : (int) j->src.image_width)
           - r->x;
    r->h = (y1 < (int) j->src.image_height ? y1 : (int) j->src.image_height)
           - r->y;
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
    double                          mse;
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

    /* progressive and Huffman-coded: the progressive splice */

    if (d->progressive_mode && !d->arith_code) {
        return ngx_http_overlay_jpeg_prog_splice(j, p, len, r, orientation,
                                                 painter, rc, err);
    }

    if (!ngx_http_overlay_jpeg_one_scan(d)
        || d->num_components > NGX_HTTP_OVERLAY_SPLICE_COMPS
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

    /*
     * Blocks with symbols the tables lack fitted to them, as long as the
     * rectangle's pixels stay within 40 dB (PSNR) of
     * the blocks wanted: the mean squared error of R, G and B is that of
     * Y, plus 1.086 times Cb's and 0.825 times Cr's
     */

    sc.fit = 1;
    sc.retable = 1;
    sc.max_mse = 255.0 * 255.0 / NGX_HTTP_OVERLAY_JPEG_FIT_MSE;

    for (c = 0; c < d->comps_in_scan; c++) {
        ci = d->cur_comp_info[c];

        if (ci->quant_tbl_no >= 0 && ci->quant_tbl_no < NUM_QUANT_TBLS
            && d->quant_tbl_ptrs[ci->quant_tbl_no] != NULL)
        {
            sc.quant[c] = d->quant_tbl_ptrs[ci->quant_tbl_no]->quantval;
        }

        sc.weight[c] = (d->jpeg_color_space == JCS_RGB) ? 341
                       : (d->jpeg_color_space == JCS_YCbCr
                          && ci->component_index == 1) ? 1112
                       : (d->jpeg_color_space == JCS_YCbCr
                          && ci->component_index == 2) ? 845
                       : 1024;
    }

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

    if (ngx_http_overlay_jpeg_arrays(j, coefs, aw, ah) != 0) {
        return 0;
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

    /* a block fitted is the fact that matters, tables extended or not */

    j->method = ngx_http_overlay_splice_fitted(s, &mse)
                ? NGX_HTTP_OVERLAY_METHOD_SPLICE_FIT
                : ngx_http_overlay_splice_retabled(s)
                ? NGX_HTTP_OVERLAY_METHOD_SPLICE_RETABLE
                : NGX_HTTP_OVERLAY_METHOD_SPLICE;

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
 * Arrays as libjpeg's for the whole image, padded to whole iMCUs, but not
 * zeroed: only the rows decoded are ever written to (a page never touched
 * costs nothing); the one access of all rows marks them all defined for
 * libjpeg's checks.
 */

int
ngx_http_overlay_jpeg_arrays(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, JDIMENSION *aw, JDIMENSION *ah)
{
    int                             c;
    size_t                          bytes;
    jpeg_component_info            *ci;
    struct jpeg_decompress_struct  *d;

    d = &j->src;
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
        return -1;
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

    return 0;
}
