
/*
 * ngx_http_overlay_module: what the VP8 syntax's files share (read,
 * recon, write, tables) and their unit tests see: the frame's header as
 * coded, each macroblock's modes and each block's levels, the boolean
 * decoder and encoder (RFC 6386, section 7), and the standard's tables.
 */


#ifndef _NGX_HTTP_OVERLAY_VP8_INT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_VP8_INT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ngx_http_overlay_vp8.h"


/* luma modes (section 11.2), in the order the spec numbers them */
#define NGX_HTTP_OVERLAY_VP8_DC_PRED   0
#define NGX_HTTP_OVERLAY_VP8_V_PRED    1
#define NGX_HTTP_OVERLAY_VP8_H_PRED    2
#define NGX_HTTP_OVERLAY_VP8_TM_PRED   3
#define NGX_HTTP_OVERLAY_VP8_B_PRED    4

/* subblock modes: B_DC, B_TM, B_VE, B_HE, B_LD, B_RD, B_VR, B_VL, B_HD, B_HU */
#define NGX_HTTP_OVERLAY_VP8_B_DC      0
#define NGX_HTTP_OVERLAY_VP8_B_TM      1
#define NGX_HTTP_OVERLAY_VP8_B_VE      2
#define NGX_HTTP_OVERLAY_VP8_B_HE      3
#define NGX_HTTP_OVERLAY_VP8_B_LD      4
#define NGX_HTTP_OVERLAY_VP8_B_RD      5
#define NGX_HTTP_OVERLAY_VP8_B_VR      6
#define NGX_HTTP_OVERLAY_VP8_B_VL      7
#define NGX_HTTP_OVERLAY_VP8_B_HD      8
#define NGX_HTTP_OVERLAY_VP8_B_HU      9

/* blocks of a macroblock: 16 Y, 4 U, 4 V, then Y2 */
#define NGX_HTTP_OVERLAY_VP8_BLOCKS    25
#define NGX_HTTP_OVERLAY_VP8_Y2        24

/* the largest dimension the 14-bit fields carry */
#define NGX_HTTP_OVERLAY_VP8_MAX_DIM   16383


/* a delta as coded: the update flag, the magnitude and the sign bit */

typedef struct {
    uint8_t                         update;
    uint8_t                         magnitude;
    uint8_t                         sign;
} ngx_http_overlay_vp8_delta_t;


/* the frame header, every field as coded (section 9, 19.2) */

typedef struct {
    unsigned                        width;
    unsigned                        height;
    uint8_t                         hscale;
    uint8_t                         vscale;
    uint8_t                         version;
    uint8_t                         show_frame;

    uint8_t                         color_space;
    uint8_t                         clamping;

    uint8_t                         segmentation;
    uint8_t                         update_map;
    uint8_t                         update_data;
    uint8_t                         abs_delta;
    ngx_http_overlay_vp8_delta_t    seg_quant[4];
    ngx_http_overlay_vp8_delta_t    seg_lf[4];
    uint8_t                         seg_prob_update[3];
    uint8_t                         seg_probs[3];

    uint8_t                         filter_type;
    uint8_t                         filter_level;
    uint8_t                         sharpness;
    uint8_t                         lf_adj;
    uint8_t                         lf_delta_update;
    ngx_http_overlay_vp8_delta_t    ref_lf[4];
    ngx_http_overlay_vp8_delta_t    mode_lf[4];

    uint8_t                         log2_parts;

    uint8_t                         q_index;
    /* y_dc, y2_dc, y2_ac, uv_dc, uv_ac */
    ngx_http_overlay_vp8_delta_t    q_delta[5];

    uint8_t                         refresh_entropy;

    uint8_t                         coef_updated[4][8][3][11];
    uint8_t                         coef_probs[4][8][3][11];

    uint8_t                         skip_enabled;
    uint8_t                         prob_skip_false;
} ngx_http_overlay_vp8_header_t;


/* a macroblock's modes, and where each block's tokens ended */

typedef struct {
    uint8_t                         segment;
    uint8_t                         skip;
    uint8_t                         ymode;
    uint8_t                         uvmode;
    uint8_t                         bmodes[16];
    /* the position where EOB was read, or 16; 0 for a skipped MB */
    uint8_t                         end[NGX_HTTP_OVERLAY_VP8_BLOCKS];
} ngx_http_overlay_vp8_mb_t;


/* a segment's dequantization factors: DC and AC of Y, Y2 and chroma */

typedef struct {
    int                             y1[2];
    int                             y2[2];
    int                             uv[2];
} ngx_http_overlay_vp8_dq_t;


struct ngx_http_overlay_vp8_frame_s {
    ngx_http_overlay_vp8_header_t   hdr;
    unsigned                        mbw;
    unsigned                        mbh;
    ngx_http_overlay_vp8_mb_t      *mbs;
    /* per macroblock, 25 blocks of 16 levels in coded (zigzag) order */
    int16_t                        *levels;

    uint8_t                        *y;
    uint8_t                        *u;
    uint8_t                        *v;
    size_t                          y_stride;
    size_t                          uv_stride;
    /* per segment, made by recon() for code_mb() */
    ngx_http_overlay_vp8_dq_t       dq[4];
};


/* the boolean decoder: range - 1, a window of bits, the bits below it */

typedef struct {
    const uint8_t                  *p;
    const uint8_t                  *end;
    uint64_t                        value;
    int                             bits;
    unsigned                        range;
    unsigned                        past;   /* zero bytes read past end */
} ngx_http_overlay_vp8_br_t;


/* the boolean encoder: the same range, the bits to come, 0xff bytes held */

typedef struct {
    uint8_t                        *buf;
    size_t                          len;
    size_t                          size;
    uint64_t                        value;
    int                             bits;
    unsigned                        range;
    size_t                          run;
    int                             failed;
} ngx_http_overlay_vp8_bw_t;


void ngx_http_overlay_vp8_br_init(ngx_http_overlay_vp8_br_t *br,
    const uint8_t *p, size_t len);
void ngx_http_overlay_vp8_br_load(ngx_http_overlay_vp8_br_t *br);
void ngx_http_overlay_vp8_bw_init(ngx_http_overlay_vp8_bw_t *bw);
void ngx_http_overlay_vp8_bw_flush(ngx_http_overlay_vp8_bw_t *bw);
void ngx_http_overlay_vp8_bw_finish(ngx_http_overlay_vp8_bw_t *bw);


/* one bool of probability prob/256 of being 0 (section 7.3) */

static inline unsigned
ngx_http_overlay_vp8_get(ngx_http_overlay_vp8_br_t *br, unsigned prob)
{
    unsigned  split, bit, shift;

    if (br->bits < 0) {
        ngx_http_overlay_vp8_br_load(br);
    }

    split = (br->range * prob) >> 8;

    if ((unsigned) (br->value >> br->bits) > split) {
        br->value -= (uint64_t) (split + 1) << br->bits;
        br->range -= split + 1;
        bit = 1;

    } else {
        br->range = split;
        bit = 0;
    }

    if (br->range < 127) {
        shift = __builtin_clz(br->range + 1) - 24;
        br->range = ((br->range + 1) << shift) - 1;
        br->bits -= shift;
    }

    return bit;
}


static inline unsigned
ngx_http_overlay_vp8_get_literal(ngx_http_overlay_vp8_br_t *br, unsigned n)
{
    unsigned  v;

    v = 0;

    while (n-- > 0) {
        v = (v << 1) | ngx_http_overlay_vp8_get(br, 128);
    }

    return v;
}


static inline void
ngx_http_overlay_vp8_put(ngx_http_overlay_vp8_bw_t *bw, unsigned bit,
    unsigned prob)
{
    unsigned  split, shift;

    split = (bw->range * prob) >> 8;

    if (bit) {
        bw->value += split + 1;
        bw->range -= split + 1;

    } else {
        bw->range = split;
    }

    if (bw->range < 127) {
        shift = __builtin_clz(bw->range + 1) - 24;
        bw->range = ((bw->range + 1) << shift) - 1;
        bw->value <<= shift;
        bw->bits += shift;

        if (bw->bits > 0) {
            ngx_http_overlay_vp8_bw_flush(bw);
        }
    }
}


static inline void
ngx_http_overlay_vp8_put_literal(ngx_http_overlay_vp8_bw_t *bw,
    unsigned v, unsigned n)
{
    while (n-- > 0) {
        ngx_http_overlay_vp8_put(bw, (v >> n) & 1, 128);
    }
}


/* reconstruction's parts, which coding a macroblock shares (recon.c) */

/* the work area: a row above, a column left, 4 columns above-right */
#define NGX_HTTP_OVERLAY_VP8_BPS  32

void ngx_http_overlay_vp8_load(ngx_http_overlay_vp8_frame_t *f, unsigned mbx,
    unsigned mby, uint8_t *ybuf, uint8_t *ubuf, uint8_t *vbuf);
void ngx_http_overlay_vp8_store(ngx_http_overlay_vp8_frame_t *f,
    unsigned mbx, unsigned mby, const uint8_t *ybuf, const uint8_t *ubuf,
    const uint8_t *vbuf);
void ngx_http_overlay_vp8_edges(uint8_t *buf, const uint8_t *plane,
    size_t stride, unsigned x0, unsigned y0, unsigned n, unsigned last_col);
void ngx_http_overlay_vp8_predict(uint8_t *dst, unsigned n, unsigned mode,
    unsigned has_above, unsigned has_left);
void ngx_http_overlay_vp8_predict4(uint8_t *dst, unsigned mode);
void ngx_http_overlay_vp8_iwht(const int16_t *in, int16_t *out);
/* the inverse DCT added to dst, as the spec writes it (SSE2's reference) */
void ngx_http_overlay_vp8_idct_add_c(const int16_t *in, uint8_t *dst);

/* kind: 0 a block of zeros, 1 a DC alone, 2 any other */
void ngx_http_overlay_vp8_residue(const int16_t *in, unsigned kind,
    uint8_t *dst);


/* the standard's tables (ngx_http_overlay_vp8_tables.c) */
extern const uint8_t   ngx_http_overlay_vp8_kf_bmode_probs[10][10][9];
extern const uint8_t   ngx_http_overlay_vp8_coef_update_probs[4][8][3][11];
extern const uint8_t   ngx_http_overlay_vp8_default_coef_probs[4][8][3][11];
extern const uint16_t  ngx_http_overlay_vp8_dc_q[128];
extern const uint16_t  ngx_http_overlay_vp8_ac_q[128];
extern const uint8_t   ngx_http_overlay_vp8_zigzag[16];
extern const uint8_t   ngx_http_overlay_vp8_bands[17];
extern const uint8_t   ngx_http_overlay_vp8_kf_ymode_probs[4];
extern const uint8_t   ngx_http_overlay_vp8_kf_uv_mode_probs[3];
extern const uint8_t  *ngx_http_overlay_vp8_cat_probs[6];
extern const int8_t    ngx_http_overlay_vp8_bmode_tree[18];
extern const uint8_t   ngx_http_overlay_vp8_implied_bmodes[4];
extern const uint8_t   ngx_http_overlay_vp8_nz_col[24];
extern const uint8_t   ngx_http_overlay_vp8_nz_row[24];


/*
 * A skipped macroblock has no tokens: the non-zero contexts it leaves are
 * cleared, but Y2's when it has no Y2 (a B_PRED macroblock).
 */

static inline void
ngx_http_overlay_vp8_skip_nz(uint8_t *top, uint8_t *left, unsigned has_y2)
{
    memset(top, 0, 8);
    memset(left, 0, 8);

    if (has_y2) {
        top[8] = 0;
        left[8] = 0;
    }
}


#endif /* _NGX_HTTP_OVERLAY_VP8_INT_H_INCLUDED_ */
