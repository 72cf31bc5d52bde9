
/*
 * ngx_http_overlay_module: the JPEG codec's work in the DCT domain.  The
 * region of whole iMCUs under the painter's bounds is cut out of the
 * source's coefficients as a JPEG of its own, decoded to pixels, drawn
 * on, encoded again with the source's sampling and quantization, and its
 * new blocks put in place of the old; every other block stays as it was
 * read.  ngx_http_overlay_jpeg_transcode() then writes all coefficients
 * out again (the DCT path); the entropy splice codes only the region's
 * MCUs (ngx_http_overlay_codec_jpeg.c).
 *
 * libjpeg's entropy coders are left out on both sides (their methods in
 * jpegint.h replaced): the region's decoder is given a JPEG of headers
 * only, and takes the blocks of each MCU from the source's arrays; its
 * encoder stores each MCU's new blocks in their place.  So the region's
 * blocks are neither Huffman-coded nor decoded again, and no Huffman
 * table is derived for them.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_int.h"

#include <jpegint.h>


/* a JPEG of headers only: SOI, APP14, DQT (4 at most), SOF, SOS, EOI */
#define NGX_HTTP_OVERLAY_JPEG_HEAD                                            \
    (2 + 16 + 4 * (5 + 128) + 10 + 3 * MAX_COMPONENTS + 8                    \
     + 2 * MAX_COMPONENTS + 2)

/* blocks in an interleaved MCU: libjpeg's limit (D_MAX_BLOCKS_IN_MCU) */
#define NGX_HTTP_OVERLAY_JPEG_MCU_BLOCKS  10


/*
 * where the region's encoder puts its blocks, and its decoder takes them
 * (their client_data)
 */
typedef struct {
    struct jpeg_decompress_struct   *src;
    jvirt_barray_ptr                *coefs;
    JDIMENSION                       mcu_x, mcu_y;
    JDIMENSION                       bx0[MAX_COMPONENTS];
    JDIMENSION                       by0[MAX_COMPONENTS];
    JDIMENSION                       w[MAX_COMPONENTS];  /* the source's */
    JDIMENSION                       h[MAX_COMPONENTS];
} ngx_http_overlay_jpeg_put_t;


static ngx_http_overlay_rc_e ngx_http_overlay_jpeg_decode_region(
    ngx_http_overlay_jpeg_t *j, const unsigned char *p, size_t len,
    ngx_http_overlay_rect_t *r, ngx_http_overlay_jpeg_put_t *from,
    ngx_http_overlay_error_t *err);
static void ngx_http_overlay_jpeg_cut(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r);
static void ngx_http_overlay_jpeg_cut_size(ngx_http_overlay_jpeg_t *j,
    int c, const ngx_http_overlay_rect_t *r, JDIMENSION *bw,
    JDIMENSION *bh);
static void ngx_http_overlay_jpeg_replace_blocks(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r);
static int ngx_http_overlay_jpeg_head(ngx_http_overlay_jpeg_t *j,
    const ngx_http_overlay_rect_t *r);
static boolean ngx_http_overlay_jpeg_get_mcu(j_decompress_ptr d,
    JBLOCKROW *data);
static void ngx_http_overlay_jpeg_put_init(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_jpeg_put_t *put, jvirt_barray_ptr *coefs,
    const ngx_http_overlay_rect_t *r);
static int ngx_http_overlay_jpeg_put_start(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_jpeg_put_t *put);
static boolean ngx_http_overlay_jpeg_put_mcu(j_compress_ptr c,
    JBLOCKROW *data);
static void ngx_http_overlay_jpeg_mcu(ngx_http_overlay_jpeg_put_t *at,
    jpeg_component_info **comps, int ncomps, JDIMENSION mcus_per_row,
    JBLOCKROW *data, int put);
static void ngx_http_overlay_jpeg_put_finish(j_compress_ptr c);


/*
 * The DCT path, for j->src with its header read: all its coefficients,
 * the region r's (whole iMCUs) replaced, written again to j->dest with
 * the source's parameters, markers, restart interval and progression;
 * with its own Huffman tables, extended by the symbols they lack, where
 * that can be done (libjpeg's optimal ones, a second pass, otherwise).
 */

ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_transcode(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err)
{
    jvirt_barray_ptr       *coefs;
    ngx_http_overlay_rc_e   rc;

    coefs = jpeg_read_coefficients(&j->src);

    rc = ngx_http_overlay_jpeg_zero_quant(j, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    rc = ngx_http_overlay_jpeg_region(j, coefs, r, orientation, painter,
                                      err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    /* progressive and Huffman-coded: the source's own scans, one pass */

    if (ngx_http_overlay_jpeg_prog(j, coefs, p, len) == 0) {
        j->method = NGX_HTTP_OVERLAY_METHOD_PROGRESSIVE;
        return NGX_HTTP_OVERLAY_OK;
    }

    j->have_out = 1;
    ngx_http_overlay_jpeg_compress(j, &j->out);

    ngx_http_overlay_jpeg_dest(&j->out, &j->dest);
    jpeg_copy_critical_parameters(&j->src, &j->out);

    j->out.restart_interval = j->src.restart_interval;
    j->out.arith_code = j->src.arith_code;

    if (ngx_http_overlay_jpeg_own_tables(j, coefs, p, len, r)) {
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

    j->method = NGX_HTTP_OVERLAY_METHOD_TRANSCODE;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * a zero quantizer decodes, but the region's blocks could not be quantized
 * with it again (a division by zero in libjpeg)
 */

ngx_http_overlay_rc_e
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
 * The region's new blocks in coefs: its pixels from its blocks, cut out
 * as a JPEG of their own (without decoding the rest of the image again),
 * drawn on, and through the image's own transform and tables.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_region(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r,
    unsigned orientation, const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_error_t *err)
{
    int                          put;
    ngx_http_overlay_rc_e        rc;
    ngx_http_overlay_rect_t      whole;
    ngx_http_overlay_jpeg_put_t  to;

    whole.x = 0;
    whole.y = 0;
    whole.w = r->w;
    whole.h = r->h;

    /*
     * the region's pixels from the source's blocks, through the decoder of
     * a JPEG of headers only; where that cannot be made, of the region's
     * blocks cut out as a JPEG
     */

    ngx_http_overlay_jpeg_put_init(j, &to, coefs, r);

    if (ngx_http_overlay_jpeg_head(j, r) == 0) {
        rc = ngx_http_overlay_jpeg_decode_region(j, j->piece.data,
                                                 j->piece.len, &whole, &to,
                                                 err);

    } else {
        ngx_http_overlay_jpeg_cut(j, coefs, r);

        rc = ngx_http_overlay_jpeg_decode_region(j, j->piece.data,
                                                 j->piece.len, &whole, NULL,
                                                 err);
    }

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

    put = ngx_http_overlay_jpeg_put_start(j, &to);

    ngx_http_overlay_jpeg_rows(j, &j->enc, 0, gdImageSY(j->im));
    jpeg_finish_compress(&j->enc);

    if (put) {
        return NGX_HTTP_OVERLAY_OK;
    }

    /* else the region's JPEG is decoded to its blocks */

    j->have_blk = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->blk, j->region.data,
                                     j->region.len);

    ngx_http_overlay_jpeg_replace_blocks(j, coefs, r);

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * Where the region r's blocks are in the source's arrays coefs: as the
 * region's JPEG lays them out, MCU by MCU from its top left, but those
 * beyond the source's arrays (padded to whole iMCUs)
 */

static void
ngx_http_overlay_jpeg_put_init(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_jpeg_put_t *put, jvirt_barray_ptr *coefs,
    const ngx_http_overlay_rect_t *r)
{
    int                   c, mcu_w, mcu_h;
    jpeg_component_info  *ci;

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    put->src = &j->src;
    put->coefs = coefs;
    put->mcu_x = 0;
    put->mcu_y = 0;

    for (c = 0; c < j->src.num_components; c++) {
        ci = &j->src.comp_info[c];

        put->bx0[c] = (JDIMENSION) (r->x / mcu_w * ci->h_samp_factor);
        put->by0[c] = (JDIMENSION) (r->y / mcu_h * ci->v_samp_factor);
        put->w[c] = (ci->width_in_blocks + ci->h_samp_factor - 1)
                    / ci->h_samp_factor * ci->h_samp_factor;
        put->h[c] = (ci->height_in_blocks + ci->v_samp_factor - 1)
                    / ci->v_samp_factor * ci->v_samp_factor;
    }
}


/*
 * A JPEG of the region r's size and the source's components, sampling and
 * quantization tables, of headers only, in j->piece: its decoder's MCUs
 * come from the source's arrays (ngx_http_overlay_jpeg_get_mcu()).  Its
 * frame is arithmetic-coded where libjpeg decodes that (its decoder
 * derives no table), else Huffman-coded (libjpeg's standard tables).  0;
 * -1: none made, for an MCU of more blocks than a scan may have, or a
 * table missing.
 */

static int
ngx_http_overlay_jpeg_head(ngx_http_overlay_jpeg_t *j,
    const ngx_http_overlay_rect_t *r)
{
    int                   c, t, k, blocks, wide;
    UINT16                v;
    unsigned char        *p;
    jpeg_component_info  *ci;

    blocks = 0;

    if (j->src.num_components > MAX_COMPONENTS) {
        return -1;
    }

    for (c = 0; c < j->src.num_components; c++) {
        ci = &j->src.comp_info[c];
        blocks += ci->h_samp_factor * ci->v_samp_factor;

        if (ci->quant_tbl_no < 0 || ci->quant_tbl_no >= NUM_QUANT_TBLS
            || j->src.quant_tbl_ptrs[ci->quant_tbl_no] == NULL)
        {
            return -1;
        }
    }

    if (j->src.num_components > 1
        && blocks > NGX_HTTP_OVERLAY_JPEG_MCU_BLOCKS)
    {
        return -1;
    }

    p = malloc(NGX_HTTP_OVERLAY_JPEG_HEAD);
    if (p == NULL) {
        return -1;
    }

    free(j->piece.data);
    j->piece.data = p;

    *p++ = 0xff;
    *p++ = 0xd8;

    /*
     * Adobe's APP14 for three components: the colour transform, so that
     * the decoder reads the source's colour space (RGB or YCbCr), not a
     * guess from the components' numbers
     */

    if (j->src.num_components == 3) {
        memcpy(p, "\xff\xee\x00\x0e" "Adobe" "\x00\x64\x00\x00\x00\x00",
               15);
        p += 15;
        *p++ = (j->src.jpeg_color_space == JCS_YCbCr) ? 1 : 0;
    }

    /* DQT: each table, in zigzag order, of 16 bits where it needs them */

    for (t = 0; t < NUM_QUANT_TBLS; t++) {
        if (j->src.quant_tbl_ptrs[t] == NULL) {
            continue;
        }

        wide = 0;

        for (k = 0; k < DCTSIZE2; k++) {
            wide |= j->src.quant_tbl_ptrs[t]->quantval[k] > 255;
        }

        *p++ = 0xff;
        *p++ = 0xdb;
        *p++ = 0;
        *p++ = (unsigned char) (3 + DCTSIZE2 * (wide ? 2 : 1));
        *p++ = (unsigned char) (wide << 4 | t);

        for (k = 0; k < DCTSIZE2; k++) {
            v = j->src.quant_tbl_ptrs[t]->quantval[jpeg_natural_order[k]];

            if (wide) {
                *p++ = (unsigned char) (v >> 8);
            }

            *p++ = (unsigned char) v;
        }
    }

    /* SOF9 (or SOF1): 8 bits, the region's size, the components */

    *p++ = 0xff;
#ifdef D_ARITH_CODING_SUPPORTED
    *p++ = 0xc9;
#else
    *p++ = 0xc1;
#endif
    *p++ = 0;
    *p++ = (unsigned char) (8 + 3 * j->src.num_components);
    *p++ = 8;
    *p++ = (unsigned char) (r->h >> 8);
    *p++ = (unsigned char) r->h;
    *p++ = (unsigned char) (r->w >> 8);
    *p++ = (unsigned char) r->w;
    *p++ = (unsigned char) j->src.num_components;

    for (c = 0; c < j->src.num_components; c++) {
        ci = &j->src.comp_info[c];

        *p++ = (unsigned char) ci->component_id;
        *p++ = (unsigned char) (ci->h_samp_factor << 4 | ci->v_samp_factor);
        *p++ = (unsigned char) ci->quant_tbl_no;
    }

    /* SOS: one scan of all components, tables 0, then EOI */

    *p++ = 0xff;
    *p++ = 0xda;
    *p++ = 0;
    *p++ = (unsigned char) (6 + 2 * j->src.num_components);
    *p++ = (unsigned char) j->src.num_components;

    for (c = 0; c < j->src.num_components; c++) {
        *p++ = (unsigned char) j->src.comp_info[c].component_id;
        *p++ = 0;
    }

    *p++ = 0;
    *p++ = DCTSIZE2 - 1;
    *p++ = 0;

    *p++ = 0xff;
    *p++ = 0xd9;

    j->piece.len = (size_t) (p - j->piece.data);

    return 0;
}


/* an MCU of the region's decoder: its blocks from the source's arrays */

static boolean
ngx_http_overlay_jpeg_get_mcu(j_decompress_ptr d, JBLOCKROW *data)
{
    ngx_http_overlay_jpeg_mcu(d->client_data, d->cur_comp_info,
                              d->comps_in_scan, d->MCUs_per_row, data, 0);

    return TRUE;
}


/*
 * The encoder j->enc, started, puts the blocks of its one scan in the
 * source's arrays as it makes them (1); or, with any other scan than one
 * of all components, codes them (0).  As replacing the blocks of the
 * region's JPEG decoded would: the blocks of whole MCUs, the padding's
 * too, but those beyond the source's arrays.  A lone component (grey) is
 * coded block by block whatever its sampling factors (Pillow writes 2x2),
 * as the region's decoder reads it: the same walk.
 */

static int
ngx_http_overlay_jpeg_put_start(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_jpeg_put_t *put)
{
    if (j->enc.progressive_mode || j->enc.num_scans > 1
        || j->enc.comps_in_scan != j->src.num_components
        || j->enc.num_components != j->src.num_components
        || j->enc.entropy == NULL)
    {
        return 0;
    }

    put->mcu_x = 0;
    put->mcu_y = 0;

    j->enc.client_data = put;
    j->enc.entropy->encode_mcu = ngx_http_overlay_jpeg_put_mcu;
    j->enc.entropy->finish_pass = ngx_http_overlay_jpeg_put_finish;

    return 1;
}


/* an MCU of the region's encoder: its blocks to the source's arrays */

static boolean
ngx_http_overlay_jpeg_put_mcu(j_compress_ptr c, JBLOCKROW *data)
{
    ngx_http_overlay_jpeg_mcu(c->client_data, c->cur_comp_info,
                              c->comps_in_scan, c->MCUs_per_row, data, 1);

    return TRUE;
}


/*
 * The blocks of the region's next MCU, in the scan's order, data[k] for
 * the k-th: copied to the source's arrays (put), or from them (else; zero
 * blocks beyond them)
 */

static void
ngx_http_overlay_jpeg_mcu(ngx_http_overlay_jpeg_put_t *at,
    jpeg_component_info **comps, int ncomps, JDIMENSION mcus_per_row,
    JBLOCKROW *data, int put)
{
    int                   i, k, x, y;
    JDIMENSION            bx, by;
    JBLOCKARRAY           row;
    jpeg_component_info  *ci;

    k = 0;

    for (i = 0; i < ncomps; i++) {
        ci = comps[i];

        for (y = 0; y < ci->MCU_height; y++) {
            by = at->by0[ci->component_index]
                 + at->mcu_y * (JDIMENSION) ci->MCU_height + (JDIMENSION) y;

            row = NULL;

            for (x = 0; x < ci->MCU_width; x++, k++) {
                bx = at->bx0[ci->component_index]
                     + at->mcu_x * (JDIMENSION) ci->MCU_width
                     + (JDIMENSION) x;

                if (bx >= at->w[ci->component_index]
                    || by >= at->h[ci->component_index])
                {
                    if (!put) {
                        memset(data[k], 0, sizeof(JBLOCK));
                    }

                    continue;
                }

                if (row == NULL) {
                    row = (*at->src->mem->access_virt_barray)(
                              (j_common_ptr) at->src,
                              at->coefs[ci->component_index], by, 1,
                              put ? TRUE : FALSE);
                }

                if (put) {
                    memcpy(row[0][bx], data[k], sizeof(JBLOCK));

                } else {
                    memcpy(data[k], row[0][bx], sizeof(JBLOCK));
                }
            }
        }
    }

    if (++at->mcu_x == mcus_per_row) {
        at->mcu_x = 0;
        at->mcu_y++;
    }
}


/* nothing was coded: nothing to flush */

static void
ngx_http_overlay_jpeg_put_finish(j_compress_ptr c)
{
    (void) c;
}


/* decodes the region r (iMCU-aligned, grown as libjpeg needs) to j->im */

static ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_decode_region(ngx_http_overlay_jpeg_t *j,
    const unsigned char *p, size_t len, ngx_http_overlay_rect_t *r,
    ngx_http_overlay_jpeg_put_t *from, ngx_http_overlay_error_t *err)
{
    int              x, y;
    JSAMPROW         rows[1];
    JDIMENSION       xoffset, width;
    unsigned char   *s;

    j->have_pix = 1;
    ngx_http_overlay_jpeg_decompress(j, &j->pix, p, len);

    j->pix.out_color_space = JCS_RGB;

#ifdef NGX_HTTP_OVERLAY_JPEG_GD
    if (from != NULL) {
        /* the whole region: straight to libgd's rows */
        j->pix.out_color_space = NGX_HTTP_OVERLAY_JPEG_GD;
    }
#endif

    (void) jpeg_start_decompress(&j->pix);

    if (from != NULL) {

        /* the headers' one scan, begun: its MCUs from the source */

        if (j->pix.comps_in_scan != j->pix.num_components
            || j->pix.entropy == NULL)
        {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "jpeg: the region's scan");
        }

        from->mcu_x = 0;
        from->mcu_y = 0;

        j->pix.client_data = from;
        j->pix.entropy->decode_mcu = ngx_http_overlay_jpeg_get_mcu;
    }

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

#ifdef NGX_HTTP_OVERLAY_JPEG_GD

    /* libgd's rows, as wide as the region's, decoded to in place */

    if (j->pix.out_color_space == NGX_HTTP_OVERLAY_JPEG_GD) {

        if (j->im == NULL) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                          "allocating a %dx%d region failed",
                                          r->w, r->h);
        }

        if (j->pix.output_width != (JDIMENSION) r->w
            || j->pix.output_components != 4)
        {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "jpeg: the region decoded %u "
                                          "wide, not %d",
                                          (unsigned) j->pix.output_width,
                                          r->w);
        }

        for (y = 0; y < r->h; y++) {
            rows[0] = (JSAMPROW) j->im->tpixels[y];

            if (jpeg_read_scanlines(&j->pix, rows, 1) != 1) {
                return ngx_http_overlay_error(err,
                                              NGX_HTTP_OVERLAY_BAD_IMAGE,
                                              "jpeg: no scanline %d",
                                              r->y + y);
            }

            /* libjpeg's 0xff in the alpha byte: opaque is 0 for libgd */

            for (x = 0; x < r->w; x++) {
                j->im->tpixels[y][x] &= 0x00ffffff;
            }
        }

        jpeg_abort_decompress(&j->pix);

        return NGX_HTTP_OVERLAY_OK;
    }

#endif

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

        ngx_http_overlay_jpeg_cut_size(j, c, r, &bw, &bh);

        arrays[c] = (*j->cut.mem->request_virt_barray)(
                        (j_common_ptr) &j->cut, JPOOL_IMAGE, FALSE, bw, bh,
                        (JDIMENSION) ci->v_samp_factor);
    }

    (*j->cut.mem->realize_virt_arrays)((j_common_ptr) &j->cut);

    for (c = 0; c < j->src.num_components; c++) {
        ci = &j->src.comp_info[c];

        ngx_http_overlay_jpeg_cut_size(j, c, r, &bw, &bh);

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


/*
 * The blocks of component c in a JPEG of the region r alone, as libjpeg
 * sizes a component, padded to whole iMCUs
 */

static void
ngx_http_overlay_jpeg_cut_size(ngx_http_overlay_jpeg_t *j, int c,
    const ngx_http_overlay_rect_t *r, JDIMENSION *bw, JDIMENSION *bh)
{
    int                   mcu_w, mcu_h;
    jpeg_component_info  *ci;

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    ci = &j->src.comp_info[c];

    *bw = ((JDIMENSION) r->w * ci->h_samp_factor + mcu_w - 1) / mcu_w;
    *bh = ((JDIMENSION) r->h * ci->v_samp_factor + mcu_h - 1) / mcu_h;
    *bw = (*bw + ci->h_samp_factor - 1) / ci->h_samp_factor
          * ci->h_samp_factor;
    *bh = (*bh + ci->v_samp_factor - 1) / ci->v_samp_factor
          * ci->v_samp_factor;
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

void
ngx_http_overlay_jpeg_block_rect(ngx_http_overlay_jpeg_t *j, int c,
    const ngx_http_overlay_rect_t *r, JDIMENSION *bx0, JDIMENSION *by0,
    JDIMENSION *w, JDIMENSION *h)
{
    int                   mcu_w, mcu_h;
    JDIMENSION            dst_w, dst_h;
    jpeg_component_info  *sc, *dc;

    mcu_w = j->src.max_h_samp_factor * DCTSIZE;
    mcu_h = j->src.max_v_samp_factor * DCTSIZE;

    /* the region's encoder lays its components out as its decoder would */

    dc = &j->src.comp_info[c];
    sc = &j->enc.comp_info[c];

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
