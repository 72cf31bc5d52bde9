
/*
 * ngx_http_overlay_module: the JPEG codec: which path draws on a JPEG (see
 * ngx_http_overlay_codec_jpeg.h).
 *
 * With overlay_jpeg_quality N, the whole image is encoded again at N
 * (ngx_http_overlay_jpeg_reencode.c).  Otherwise a sequential
 * Huffman-coded JPEG is changed in its entropy-coded data, only the MCUs
 * under the overlay coded again (the splice, below and
 * ngx_http_overlay_jpeg_splice.c); where that cannot be done exactly, or
 * for any other JPEG, all the coefficients are written again with the
 * region's replaced (the DCT path, ngx_http_overlay_jpeg_dct.c).
 */


#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_int.h"


static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_check(
    ngx_http_overlay_jpeg_t *j, ngx_http_overlay_error_t *err);
static int ngx_http_overlay_jpeg_splice(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_rc_e *rc, ngx_http_overlay_error_t *err);
static short *ngx_http_overlay_jpeg_splice_block(void *data, unsigned c,
    unsigned bx, unsigned by);


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

    d = &j->src;
    s = &j->splice;

    if (d->progressive_mode || d->arith_code
        || d->comps_in_scan != d->num_components
        || d->num_components > NGX_HTTP_OVERLAY_SPLICE_COMPS
        || d->Ss != 0 || d->Se != DCTSIZE2 - 1 || d->Ah != 0 || d->Al != 0
        || d->src->next_input_byte < p
        || d->src->next_input_byte > p + len)
    {
        return 0;
    }

    memset(s, 0, sizeof(ngx_http_overlay_splice_t));

    s->ncomps = (unsigned) d->comps_in_scan;

    for (c = 0; c < d->comps_in_scan; c++) {
        ci = d->cur_comp_info[c];

        s->comp[c].index = (unsigned) ci->component_index;
        s->comp[c].h = (unsigned) ci->h_samp_factor;
        s->comp[c].v = (unsigned) ci->v_samp_factor;
        s->comp[c].width = ci->width_in_blocks;
        s->comp[c].height = ci->height_in_blocks;
        s->comp[c].dc = (unsigned) ci->dc_tbl_no;
        s->comp[c].ac = (unsigned) ci->ac_tbl_no;
    }

    mcu_w = (unsigned) d->max_h_samp_factor * DCTSIZE;
    mcu_h = (unsigned) d->max_v_samp_factor * DCTSIZE;

    s->mcus_per_row = (d->image_width + mcu_w - 1) / mcu_w;
    s->mcu_rows = (d->image_height + mcu_h - 1) / mcu_h;
    s->restart_interval = d->restart_interval;

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
                s->ac[t] = &j->dht[c][t];

            } else {
                s->dc[t] = &j->dht[c][t];
            }
        }
    }

    s->block = ngx_http_overlay_jpeg_splice_block;
    s->data = j;
    s->adjust = 1;
    s->jump = 1;

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

    if (s->ncomps == 1) {
        w = s->comp[0].width;
        h = s->comp[0].height;
        x0 = (unsigned) r->x / DCTSIZE;
        y0 = (unsigned) r->y / DCTSIZE;
        x1 = ((unsigned) (r->x + r->w) + DCTSIZE - 1) / DCTSIZE;
        y1 = ((unsigned) (r->y + r->h) + DCTSIZE - 1) / DCTSIZE;

    } else {
        w = s->mcus_per_row;
        h = s->mcu_rows;
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

    if (s->ncomps == 1) {
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

    j->dest.data = s->out;
    j->dest.len = s->out_len;
    s->out = NULL;

    return 1;
}


static short *
ngx_http_overlay_jpeg_splice_block(void *data, unsigned c, unsigned bx,
    unsigned by)
{
    ngx_http_overlay_jpeg_t  *j = data;

    return (short *) j->rows[c][by][bx];
}
