
/*
 * ngx_http_overlay_module: the JPEG codec's pixels encoded again.  A
 * compressor is started like the source's own encoder (for the DCT
 * path's region) or at a quality of the configuration's; with quality
 * (overlay_jpeg_quality N) the whole image is decoded and encoded again,
 * streamed row by row, only the rows under the painter's bounds held.
 */


#include <stdlib.h>

#include "ngx_http_overlay_jpeg_int.h"


/*
 * Starts c for an image of c->image_width x c->image_height.  quality 0:
 * with the source's colour space, sampling factors and quantization
 * tables, so that the blocks come out as the source's own encoder would
 * have made them; otherwise at that quality, progressive if the source
 * was, with its markers.
 */

void
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

#ifdef NGX_HTTP_OVERLAY_JPEG_GD
    if (quality == 0) {
        /* the region's rows, written from libgd's as they are */
        c->input_components = 4;
        c->in_color_space = NGX_HTTP_OVERLAY_JPEG_GD;
    }
#endif

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

#ifdef C_ARITH_CODING_SUPPORTED
        /*
         * the region's blocks are taken before the entropy coder
         * (ngx_http_overlay_jpeg_dct.c): an arithmetic coder derives no
         * Huffman table for nothing
         */

        c->arith_code = TRUE;
#endif

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

void
ngx_http_overlay_jpeg_rows(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c, int y0, int n)
{
    int             x, y;
    JSAMPROW        rows[1];
    unsigned char  *s;

    rows[0] = j->row;

    for (y = y0; y < y0 + n; y++) {

#ifdef NGX_HTTP_OVERLAY_JPEG_GD
        if (c->in_color_space == NGX_HTTP_OVERLAY_JPEG_GD) {
            rows[0] = (JSAMPROW) j->im->tpixels[y];
            (void) jpeg_write_scanlines(c, rows, 1);
            continue;
        }
#endif

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

ngx_http_overlay_rc_e
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
