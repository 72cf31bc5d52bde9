
/*
 * ngx_http_overlay_module: the source's Huffman tables, for the output of
 * the DCT path.  Otherwise libjpeg gathers statistics over every block
 * and builds optimal tables: a second pass over the whole image, which
 * costs twice what writing it does.  The source's tables do for a
 * sequential, Huffman-coded source of one scan whose tables are not
 * redefined after it: the unchanged blocks' AC symbols are in the tables,
 * which decoded them.  What the new blocks change is checked: their AC
 * symbols, and the DC differences along each component's chain, walked
 * in libjpeg's order with its dummy blocks.  Symbols the tables lack (a
 * source with optimized tables) are added to them, in one pass: no
 * statistics gathered, no optimal tables built.
 */


#include <stdint.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


/* the AC symbols of no size: the end of block, a run of 16 zeros */
#define NGX_HTTP_OVERLAY_JPEG_EOB  0x00
#define NGX_HTTP_OVERLAY_JPEG_ZRL  0xf0

/* a set of Huffman symbols, one bit each */
#define ngx_http_overlay_sym_set(set, s)  (set)[(s) >> 5] |= 1u << ((s) & 31)
#define ngx_http_overlay_sym_has(set, s)  ((set)[(s) >> 5] & 1u << ((s) & 31))


static int ngx_http_overlay_jpeg_dht_after_sos(const unsigned char *p,
    size_t len);
static void ngx_http_overlay_jpeg_symbols(struct jpeg_decompress_struct *d,
    uint32_t dc_have[][8], uint32_t ac_have[][8]);
static int ngx_http_overlay_jpeg_ac_fit(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r,
    uint32_t ac_have[][8], uint32_t ac_need[][8]);
static int ngx_http_overlay_jpeg_block_ac(JBLOCKROW block,
    const uint32_t *have, uint32_t *need);
static int ngx_http_overlay_jpeg_dc_fit(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r,
    uint32_t dc_have[][8], uint32_t dc_need[][8]);
static int ngx_http_overlay_jpeg_mcu_fits(struct jpeg_decompress_struct *d,
    jvirt_barray_ptr *coefs, JDIMENSION mcus_per_row, JDIMENSION mcu_rows,
    JDIMENSION mcu, uint32_t dc_have[][8], uint32_t dc_need[][8]);
static void ngx_http_overlay_jpeg_mcu_dc(struct jpeg_decompress_struct *d,
    jvirt_barray_ptr *coefs, JDIMENSION mcus_per_row, JDIMENSION mcu_rows,
    JDIMENSION mcu, int *dc_val, int *last);


/*
 * The one test of "a sequential Huffman-coded JPEG of one scan": not
 * progressive, not arithmetic-coded, and its first scan codes every
 * component and all 64 coefficients in full (so no other scan follows).
 * After jpeg_read_header() d describes the first scan; after
 * jpeg_read_coefficients() the last, which must then be the first.
 */

int
ngx_http_overlay_jpeg_one_scan(struct jpeg_decompress_struct *d)
{
    return !d->progressive_mode && !d->arith_code
           && d->input_scan_number == 1
           && d->comps_in_scan == d->num_components
           && d->Ss == 0 && d->Se == DCTSIZE2 - 1 && d->Ah == 0 && d->Al == 0;
}


/*
 * Whether the output can be coded with the source's own Huffman tables:
 * j->src of one scan, its coefficients coefs with the region r's (whole
 * iMCUs) new blocks, and p, len its bytes (see the opening comment).
 */

int
ngx_http_overlay_jpeg_own_tables(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const unsigned char *p, size_t len,
    const ngx_http_overlay_rect_t *r)
{
    int                             c, t, k;
    uint32_t                        dc_have[NUM_HUFF_TBLS][8],
                                    ac_have[NUM_HUFF_TBLS][8],
                                    dc_need[NUM_HUFF_TBLS][8],
                                    ac_need[NUM_HUFF_TBLS][8];
    jpeg_component_info            *ci;
    struct jpeg_decompress_struct  *d;

    d = &j->src;

    if (!ngx_http_overlay_jpeg_one_scan(d)
        || d->num_components > MAX_COMPS_IN_SCAN
        || d->max_h_samp_factor * d->max_v_samp_factor > 4 * 4
        || ngx_http_overlay_jpeg_dht_after_sos(p, len))
    {
        return 0;
    }

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

    ngx_http_overlay_jpeg_symbols(d, dc_have, ac_have);

    memset(dc_need, 0, sizeof(dc_need));
    memset(ac_need, 0, sizeof(ac_need));

    if (!ngx_http_overlay_jpeg_ac_fit(j, coefs, r, ac_have, ac_need)
        || !ngx_http_overlay_jpeg_dc_fit(j, coefs, r, dc_have, dc_need))
    {
        return 0;
    }

    /*
     * The tables that lack symbols extended by them: the source's are
     * not used to decode any more
     */

    for (t = 0; t < NUM_HUFF_TBLS; t++) {
        for (k = 0; k < 8 && dc_need[t][k] == 0; k++) {
            /* void */
        }

        if (k < 8 && ngx_http_overlay_jpeg_extend(d->dc_huff_tbl_ptrs[t],
                                                  dc_need[t], 1)
                     != 0)
        {
            return 0;
        }

        for (k = 0; k < 8 && ac_need[t][k] == 0; k++) {
            /* void */
        }

        if (k < 8 && ngx_http_overlay_jpeg_extend(d->ac_huff_tbl_ptrs[t],
                                                  ac_need[t], 0)
                     != 0)
        {
            return 0;
        }
    }

    return 1;
}


/* a DHT segment after the first scan began: its tables are not the scan's */

static int
ngx_http_overlay_jpeg_dht_after_sos(const unsigned char *p, size_t len)
{
    size_t                            i;
    const unsigned char              *q;
    ngx_http_overlay_jpeg_walk_e      rc;
    ngx_http_overlay_jpeg_walk_t      w;
    ngx_http_overlay_jpeg_segment_t   m;

    /* the segments before the scan, by their lengths alone */

    ngx_http_overlay_jpeg_walk_init(&w, p, len, 0);

    do {
        rc = ngx_http_overlay_jpeg_walk_next(&w, &m);
    } while (rc == NGX_HTTP_OVERLAY_JPEG_WALK_MARKER
             && m.marker != NGX_HTTP_OVERLAY_JPEG_SOS);

    switch (rc) {

    case NGX_HTTP_OVERLAY_JPEG_WALK_MARKER:
        break;

    case NGX_HTTP_OVERLAY_JPEG_WALK_DATA:
        return 1;

    case NGX_HTTP_OVERLAY_JPEG_WALK_SHORT:

        /* walked on by the length, into it: no marker, unless at the end */

        return m.at + 2 + m.seg + 4 <= len;

    default:
        return 0;                               /* no scan */
    }

    /* in the entropy-coded data, 0xff is always followed by 0x00 or RSTn */

    for (i = m.at + 2; i + 1 < len; i = (size_t) (q - p) + 1) {
        q = memchr(p + i, NGX_HTTP_OVERLAY_JPEG_MARK, len - i - 1);

        if (q == NULL) {
            return 0;
        }

        if (q[1] == NGX_HTTP_OVERLAY_JPEG_DHT) {
            return 1;
        }
    }

    return 0;
}


/* the symbols of each of d's tables */

static void
ngx_http_overlay_jpeg_symbols(struct jpeg_decompress_struct *d,
    uint32_t dc_have[][8], uint32_t ac_have[][8])
{
    int         i, k, n;
    JHUFF_TBL  *t;

    memset(dc_have, 0, NUM_HUFF_TBLS * sizeof(dc_have[0]));
    memset(ac_have, 0, NUM_HUFF_TBLS * sizeof(ac_have[0]));

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
}


/* the new blocks' AC symbols; every table needs the end of block */

static int
ngx_http_overlay_jpeg_ac_fit(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r,
    uint32_t ac_have[][8], uint32_t ac_need[][8])
{
    int                             c;
    JDIMENSION                      bx0, by0, bx, by, w, h;
    JBLOCKARRAY                     rows[1];
    jpeg_component_info            *ci;
    struct jpeg_decompress_struct  *d;

    d = &j->src;

    for (c = 0; c < d->num_components; c++) {
        ci = &d->comp_info[c];

        if (!ngx_http_overlay_sym_has(ac_have[ci->ac_tbl_no],
                                      NGX_HTTP_OVERLAY_JPEG_EOB))
        {
            ngx_http_overlay_sym_set(ac_need[ci->ac_tbl_no],
                                     NGX_HTTP_OVERLAY_JPEG_EOB);
        }

        ngx_http_overlay_jpeg_block_rect(j, c, r, &bx0, &by0, &w, &h);

        for (by = 0; by < h; by++) {
            rows[0] = (*d->mem->access_virt_barray)((j_common_ptr) d,
                                                    coefs[c], by0 + by, 1,
                                                    FALSE);

            for (bx = 0; bx < w; bx++) {
                if (!ngx_http_overlay_jpeg_block_ac(rows[0][0] + bx0 + bx,
                                                    ac_have[ci->ac_tbl_no],
                                                    ac_need[ci->ac_tbl_no]))
                {
                    return 0;
                }
            }
        }
    }

    return 1;
}


/*
 * The AC symbols of a block not in the set have added to need: 0 when one
 * cannot be coded at all
 */

static int
ngx_http_overlay_jpeg_block_ac(JBLOCKROW block, const uint32_t *have,
    uint32_t *need)
{
    int  k, n, run, sym;

    run = 0;

    for (k = 1; k < DCTSIZE2; k++) {
        n = block[0][ngx_http_overlay_splice_zigzag[k]];

        if (n == 0) {
            run++;
            continue;
        }

        if (run > 15
            && !ngx_http_overlay_sym_has(have, NGX_HTTP_OVERLAY_JPEG_ZRL))
        {
            ngx_http_overlay_sym_set(need, NGX_HTTP_OVERLAY_JPEG_ZRL);
        }

        run &= 15;
        n = ngx_http_overlay_splice_nbits(n);

        if (n > 10) {
            return 0;
        }

        sym = (run << 4) + n;

        if (!ngx_http_overlay_sym_has(have, sym)) {
            ngx_http_overlay_sym_set(need, sym);
        }

        run = 0;
    }

    return 1;
}


/*
 * The DC differences the new blocks change: theirs, and their
 * successors' along each component's chain, MCU by MCU as libjpeg
 * writes them.  The region is whole MCUs, and an MCU's first
 * difference is from the MCU before it, unless a restart interval
 * begins with it.
 */

static int
ngx_http_overlay_jpeg_dc_fit(ngx_http_overlay_jpeg_t *j,
    jvirt_barray_ptr *coefs, const ngx_http_overlay_rect_t *r,
    uint32_t dc_have[][8], uint32_t dc_need[][8])
{
    JDIMENSION                      mcus_per_row, mcu_rows, row, col, bx0,
                                    by0, w, h, mcu;
    jpeg_component_info            *ci;
    struct jpeg_decompress_struct  *d;

    d = &j->src;

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

            if (!ngx_http_overlay_jpeg_mcu_fits(d, coefs, mcus_per_row,
                                                mcu_rows, mcu, dc_have,
                                                dc_need))
            {
                return 0;
            }
        }
    }

    return 1;
}


/* whether the DC differences of an MCU's blocks are in the tables */

static int
ngx_http_overlay_jpeg_mcu_fits(struct jpeg_decompress_struct *d,
    jvirt_barray_ptr *coefs, JDIMENSION mcus_per_row, JDIMENSION mcu_rows,
    JDIMENSION mcu, uint32_t dc_have[][8], uint32_t dc_need[][8])
{
    int                   c, n, k, i, blkn, last_dc[MAX_COMPONENTS];
    int                   dc_val[MAX_COMPONENTS * 4 * 4];
    jpeg_component_info  *ci;

    if (mcu == 0 || (d->restart_interval && mcu % d->restart_interval == 0)) {
        for (c = 0; c < d->num_components; c++) {
            last_dc[c] = 0;
        }

    } else {
        ngx_http_overlay_jpeg_mcu_dc(d, coefs, mcus_per_row, mcu_rows,
                                     mcu - 1, dc_val, last_dc);
    }

    ngx_http_overlay_jpeg_mcu_dc(d, coefs, mcus_per_row, mcu_rows, mcu,
                                 dc_val, NULL);

    blkn = 0;

    for (c = 0; c < d->num_components; c++) {
        ci = &d->comp_info[c];
        n = (d->num_components == 1)
            ? 1 : ci->h_samp_factor * ci->v_samp_factor;

        for (i = 0; i < n; i++, blkn++) {
            k = ngx_http_overlay_splice_nbits(dc_val[blkn] - last_dc[c]);
            last_dc[c] = dc_val[blkn];

            if (k > 11) {
                return 0;
            }

            if (!ngx_http_overlay_sym_has(dc_have[ci->dc_tbl_no], k)) {
                ngx_http_overlay_sym_set(dc_need[ci->dc_tbl_no], k);
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


/*
 * The table t extended by the symbols in need, without a second pass: a
 * new symbol takes a 16-bit code where the table leaves two free (one,
 * all ones, stays free), else it shares the place of the longest code
 * under 16 bits, both one bit longer.  0, or -1: no room.
 */

int
ngx_http_overlay_jpeg_extend(JHUFF_TBL *t, const uint32_t *need, int dc)
{
    int            l, k, n, m, sym, y, longest;
    uint32_t       used;
    unsigned char  len[256], order[256], have[256];

    if (t == NULL) {
        return -1;
    }

    memset(len, 0, sizeof(len));
    memset(have, 0, sizeof(have));

    n = 0;
    used = 0;

    for (l = 1; l <= 16; l++) {
        for (k = 0; k < t->bits[l] && n < 256; k++, n++) {
            order[n] = t->huffval[n];
            len[order[n]] = (unsigned char) l;
            have[order[n]] = 1;
            used += 1u << (16 - l);
        }
    }

    for (sym = 0; sym < (dc ? 16 : 256); sym++) {
        if (!ngx_http_overlay_sym_has(need, sym) || have[sym]) {
            continue;
        }

        if (n >= 256) {
            return -1;
        }

        if (used + 2 <= 65536) {
            len[sym] = 16;
            used++;

        } else {
            y = -1;
            longest = 0;

            for (k = 0; k < n; k++) {
                if (len[order[k]] < 16 && len[order[k]] >= longest) {
                    longest = len[order[k]];
                    y = order[k];
                }
            }

            if (y < 0) {
                return -1;
            }

            len[y]++;
            len[sym] = len[y];
        }

        order[n++] = (unsigned char) sym;
        have[sym] = 1;
    }

    /* canonical again: by length, each length in the order before */

    m = 0;

    for (l = 1; l <= 16; l++) {
        t->bits[l] = 0;

        for (k = 0; k < n; k++) {
            if (len[order[k]] == l) {
                t->huffval[m++] = order[k];
                t->bits[l]++;
            }
        }
    }

    return 0;
}


/* the source's Huffman tables, for the components that used them */

void
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
