
/*
 * ngx_http_overlay_module: a VP8 key frame read into its syntax: the
 * uncompressed chunk, the frame header and the modes of partition 0, and
 * the coefficient tokens of the token partitions (RFC 6386, sections 7,
 * 9, 11, 13 and 19), with the boolean decoder they share.  Levels are
 * kept as coded, in zigzag order, with the position each block's tokens
 * ended at, so that the writer can code them again bit for bit.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_vp8_int.h"


typedef struct {
    ngx_http_overlay_vp8_frame_t   *f;
    ngx_http_overlay_vp8_br_t       br;
    ngx_http_overlay_vp8_br_t       parts[8];
    /* the above contexts: 4 Y, 2 U, 2 V, Y2 per macroblock column */
    uint8_t                        *above_nz;
    uint8_t                        *above_bmodes;
    uint8_t                         left_nz[9];
    uint8_t                         left_bmodes[4];
} ngx_http_overlay_vp8_reader_t;


static int ngx_http_overlay_vp8_read_header(ngx_http_overlay_vp8_reader_t *rd,
    const char **reason);
static void ngx_http_overlay_vp8_read_delta(ngx_http_overlay_vp8_br_t *br,
    ngx_http_overlay_vp8_delta_t *d, unsigned bits);
static void ngx_http_overlay_vp8_read_modes(ngx_http_overlay_vp8_reader_t *rd,
    ngx_http_overlay_vp8_mb_t *mb, unsigned mbx);
static void ngx_http_overlay_vp8_read_tokens(
    ngx_http_overlay_vp8_reader_t *rd, ngx_http_overlay_vp8_br_t *br,
    ngx_http_overlay_vp8_mb_t *mb, int16_t *levels, unsigned mbx);
static unsigned ngx_http_overlay_vp8_read_block(ngx_http_overlay_vp8_br_t *br,
    const uint8_t (*probs)[3][11], unsigned first, unsigned ctx,
    int16_t *levels);


void
ngx_http_overlay_vp8_br_init(ngx_http_overlay_vp8_br_t *br, const uint8_t *p,
    size_t len)
{
    br->p = p;
    br->end = p + len;
    br->value = 0;
    br->bits = -8;
    br->range = 254;
    br->past = 0;
}


/* a byte at a time near the end, seven while the data lasts */

void
ngx_http_overlay_vp8_br_load(ngx_http_overlay_vp8_br_t *br)
{
    int  n;

    if (br->end - br->p >= 7) {
        for (n = 0; n < 7; n++) {
            br->value = (br->value << 8) | br->p[n];
        }

        br->p += 7;
        br->bits += 56;
        return;
    }

    if (br->p < br->end) {
        br->value = (br->value << 8) | *br->p++;

    } else {
        /* the spec's decoder reads zeros past the end: so do we, counted */
        br->value <<= 8;
        br->past++;
    }

    br->bits += 8;
}


int
ngx_http_overlay_vp8_chunk(const uint8_t *webp, size_t len, size_t *off,
    size_t *size)
{
    size_t    pos, n, riff;

    if (len < 20 || memcmp(webp, "RIFF", 4) != 0
        || memcmp(webp + 8, "WEBP", 4) != 0)
    {
        return -1;
    }

    riff = (size_t) webp[4] | (size_t) webp[5] << 8
           | (size_t) webp[6] << 16 | (size_t) webp[7] << 24;

    if (riff < 4 || riff > len - 8) {
        return -1;
    }

    len = riff + 8;

    pos = 12;

    while (len - pos >= 8) {
        n = (size_t) webp[pos + 4] | (size_t) webp[pos + 5] << 8
            | (size_t) webp[pos + 6] << 16 | (size_t) webp[pos + 7] << 24;

        if (n > len - pos - 8) {
            return -1;
        }

        if (memcmp(webp + pos, "VP8 ", 4) == 0) {
            *off = pos + 8;
            *size = n;
            return 0;
        }

        if (memcmp(webp + pos, "VP8L", 4) == 0) {
            return -1;
        }

        pos += 8 + n;

        if (n & 1) {
            if (pos == len) {
                break;
            }

            pos++;
        }
    }

    return -1;
}


int
ngx_http_overlay_vp8_read(const uint8_t *data, size_t len, size_t max_pixels,
    ngx_http_overlay_vp8_frame_t **frame, const char **reason)
{
    size_t                          part0, nmb, rest, sz, psize[8];
    unsigned                        mbx, mby, i, nparts;
    uint32_t                        tag;
    const uint8_t                  *p;
    ngx_http_overlay_vp8_mb_t      *mb;
    ngx_http_overlay_vp8_frame_t   *f;
    ngx_http_overlay_vp8_reader_t   rd;

    *frame = NULL;

    if (len < 10) {
        *reason = "VP8 frame too short";
        return -1;
    }

    tag = data[0] | data[1] << 8 | (uint32_t) data[2] << 16;

    if (tag & 1) {
        *reason = "VP8 frame is not a key frame";
        return -1;
    }

    if (((tag >> 1) & 7) > 3) {
        *reason = "VP8 version above 3";
        return -1;
    }

    if (((tag >> 4) & 1) == 0) {
        /* libwebp does not decode it either */
        *reason = "VP8 frame not shown";
        return -1;
    }

    if (data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a) {
        *reason = "VP8 start code missing";
        return -1;
    }

    part0 = tag >> 5;

    if (part0 == 0 || part0 > len - 10) {
        *reason = "VP8 first partition outside the data";
        return -1;
    }

    f = calloc(1, sizeof(ngx_http_overlay_vp8_frame_t));
    if (f == NULL) {
        *reason = "out of memory";
        return -1;
    }

    f->hdr.version = (tag >> 1) & 7;
    f->hdr.show_frame = (tag >> 4) & 1;
    f->hdr.width = (data[6] | data[7] << 8) & 0x3fff;
    f->hdr.hscale = data[7] >> 6;
    f->hdr.height = (data[8] | data[9] << 8) & 0x3fff;
    f->hdr.vscale = data[9] >> 6;

    if (f->hdr.width == 0 || f->hdr.height == 0) {
        *reason = "VP8 frame of no pixels";
        goto failed;
    }

    f->mbw = (f->hdr.width + 15) / 16;
    f->mbh = (f->hdr.height + 15) / 16;
    nmb = (size_t) f->mbw * f->mbh;

    if (nmb > max_pixels / 256) {
        *reason = "VP8 frame larger than the limit";
        goto failed;
    }

    f->mbs = calloc(nmb, sizeof(ngx_http_overlay_vp8_mb_t));
    f->levels = malloc(nmb * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16
                       * sizeof(int16_t));
    rd.above_nz = calloc(f->mbw, 9);
    rd.above_bmodes = calloc(f->mbw, 4);

    if (f->mbs == NULL || f->levels == NULL || rd.above_nz == NULL
        || rd.above_bmodes == NULL)
    {
        *reason = "out of memory";
        goto failed_rd;
    }

    rd.f = f;
    ngx_http_overlay_vp8_br_init(&rd.br, data + 10, part0);

    if (ngx_http_overlay_vp8_read_header(&rd, reason) != 0) {
        goto failed_rd;
    }

    /* the token partitions: their sizes, 3 bytes each but the last's */

    nparts = 1u << f->hdr.log2_parts;
    p = data + 10 + part0;
    rest = len - 10 - part0;

    if (rest < 3 * (nparts - 1)) {
        *reason = "VP8 partition sizes outside the data";
        goto failed_rd;
    }

    rest -= 3 * (nparts - 1);

    for (i = 0; i < nparts - 1; i++) {
        sz = p[3 * i] | p[3 * i + 1] << 8 | (size_t) p[3 * i + 2] << 16;

        if (sz > rest) {
            *reason = "VP8 partition outside the data";
            goto failed_rd;
        }

        psize[i] = sz;
        rest -= sz;
    }

    psize[nparts - 1] = rest;
    p += 3 * (nparts - 1);

    for (i = 0; i < nparts; i++) {
        ngx_http_overlay_vp8_br_init(&rd.parts[i], p, psize[i]);
        p += psize[i];
    }

    /* the macroblocks: modes from partition 0, tokens from theirs */

    mb = f->mbs;

    for (mby = 0; mby < f->mbh; mby++) {
        memset(rd.left_nz, 0, sizeof(rd.left_nz));
        memset(rd.left_bmodes, 0, sizeof(rd.left_bmodes));

        for (mbx = 0; mbx < f->mbw; mbx++, mb++) {
            ngx_http_overlay_vp8_read_modes(&rd, mb, mbx);
            ngx_http_overlay_vp8_read_tokens(&rd,
                &rd.parts[mby & (nparts - 1)], mb,
                f->levels + (mb - f->mbs) * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16,
                mbx);
        }

        if (rd.br.past > 0) {
            *reason = "VP8 first partition ends early";
            goto failed_rd;
        }

        if (rd.parts[mby & (nparts - 1)].past > 0) {
            *reason = "VP8 token partition ends early";
            goto failed_rd;
        }
    }

    free(rd.above_nz);
    free(rd.above_bmodes);

    *frame = f;
    return 0;

failed_rd:

    free(rd.above_nz);
    free(rd.above_bmodes);

failed:

    ngx_http_overlay_vp8_free(f);
    return -1;
}


static int
ngx_http_overlay_vp8_read_header(ngx_http_overlay_vp8_reader_t *rd,
    const char **reason)
{
    unsigned                        i, j, k, t;
    ngx_http_overlay_vp8_br_t      *br;
    ngx_http_overlay_vp8_header_t  *h;

    br = &rd->br;
    h = &rd->f->hdr;

    h->color_space = ngx_http_overlay_vp8_get(br, 128);
    h->clamping = ngx_http_overlay_vp8_get(br, 128);

    if (h->color_space != 0) {
        *reason = "VP8 colour space 1 (reserved)";
        return -1;
    }

    h->segmentation = ngx_http_overlay_vp8_get(br, 128);

    if (h->segmentation) {
        h->update_map = ngx_http_overlay_vp8_get(br, 128);
        h->update_data = ngx_http_overlay_vp8_get(br, 128);

        if (h->update_data) {
            h->abs_delta = ngx_http_overlay_vp8_get(br, 128);

            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_read_delta(br, &h->seg_quant[i], 7);
            }

            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_read_delta(br, &h->seg_lf[i], 6);
            }
        }

        if (h->update_map) {
            for (i = 0; i < 3; i++) {
                h->seg_prob_update[i] = ngx_http_overlay_vp8_get(br, 128);
                h->seg_probs[i] = h->seg_prob_update[i]
                                  ? ngx_http_overlay_vp8_get_literal(br, 8)
                                  : 255;
            }
        }
    }

    h->filter_type = ngx_http_overlay_vp8_get(br, 128);
    h->filter_level = ngx_http_overlay_vp8_get_literal(br, 6);
    h->sharpness = ngx_http_overlay_vp8_get_literal(br, 3);
    h->lf_adj = ngx_http_overlay_vp8_get(br, 128);

    if (h->lf_adj) {
        h->lf_delta_update = ngx_http_overlay_vp8_get(br, 128);

        if (h->lf_delta_update) {
            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_read_delta(br, &h->ref_lf[i], 6);
            }

            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_read_delta(br, &h->mode_lf[i], 6);
            }
        }
    }

    h->log2_parts = ngx_http_overlay_vp8_get_literal(br, 2);

    h->q_index = ngx_http_overlay_vp8_get_literal(br, 7);

    for (i = 0; i < 5; i++) {
        ngx_http_overlay_vp8_read_delta(br, &h->q_delta[i], 4);
    }

    h->refresh_entropy = ngx_http_overlay_vp8_get(br, 128);

    memcpy(h->coef_probs, ngx_http_overlay_vp8_default_coef_probs,
           sizeof(h->coef_probs));

    for (i = 0; i < 4; i++) {
        for (j = 0; j < 8; j++) {
            for (k = 0; k < 3; k++) {
                for (t = 0; t < 11; t++) {
                    if (ngx_http_overlay_vp8_get(br,
                            ngx_http_overlay_vp8_coef_update_probs
                                [i][j][k][t]))
                    {
                        h->coef_updated[i][j][k][t] = 1;
                        h->coef_probs[i][j][k][t] =
                                     ngx_http_overlay_vp8_get_literal(br, 8);
                    }
                }
            }
        }
    }

    h->skip_enabled = ngx_http_overlay_vp8_get(br, 128);

    if (h->skip_enabled) {
        h->prob_skip_false = ngx_http_overlay_vp8_get_literal(br, 8);
    }

    if (br->past > 0) {
        *reason = "VP8 frame header ends early";
        return -1;
    }

    return 0;
}


static void
ngx_http_overlay_vp8_read_delta(ngx_http_overlay_vp8_br_t *br,
    ngx_http_overlay_vp8_delta_t *d, unsigned bits)
{
    d->update = ngx_http_overlay_vp8_get(br, 128);

    if (d->update) {
        d->magnitude = ngx_http_overlay_vp8_get_literal(br, bits);
        d->sign = ngx_http_overlay_vp8_get(br, 128);
    }
}


/* section 11: segment, skip, luma mode (and subblock modes), chroma mode */

static void
ngx_http_overlay_vp8_read_modes(ngx_http_overlay_vp8_reader_t *rd,
    ngx_http_overlay_vp8_mb_t *mb, unsigned mbx)
{
    int                             n;
    unsigned                        b, above, left;
    uint8_t                        *top, *lft;
    const uint8_t                  *probs;
    ngx_http_overlay_vp8_br_t      *br;
    ngx_http_overlay_vp8_header_t  *h;

    br = &rd->br;
    h = &rd->f->hdr;

    if (h->update_map) {
        mb->segment = ngx_http_overlay_vp8_get(br, h->seg_probs[0])
                      ? 2 + ngx_http_overlay_vp8_get(br, h->seg_probs[2])
                      : ngx_http_overlay_vp8_get(br, h->seg_probs[1]);
    }

    if (h->skip_enabled) {
        mb->skip = ngx_http_overlay_vp8_get(br, h->prob_skip_false);
    }

    probs = ngx_http_overlay_vp8_kf_ymode_probs;
    top = rd->above_bmodes + 4 * mbx;
    lft = rd->left_bmodes;

    if (!ngx_http_overlay_vp8_get(br, probs[0])) {
        mb->ymode = NGX_HTTP_OVERLAY_VP8_B_PRED;

        for (b = 0; b < 16; b++) {
            above = top[b & 3];
            left = lft[b >> 2];
            probs = ngx_http_overlay_vp8_kf_bmode_probs[above][left];

            n = 0;

            do {
                n = ngx_http_overlay_vp8_bmode_tree[n
                        + ngx_http_overlay_vp8_get(br, probs[n >> 1])];
            } while (n > 0);

            mb->bmodes[b] = (uint8_t) -n;
            top[b & 3] = (uint8_t) -n;
            lft[b >> 2] = (uint8_t) -n;
        }

    } else {
        if (ngx_http_overlay_vp8_get(br, probs[1])) {
            mb->ymode = ngx_http_overlay_vp8_get(br, probs[3])
                        ? NGX_HTTP_OVERLAY_VP8_TM_PRED
                        : NGX_HTTP_OVERLAY_VP8_H_PRED;

        } else {
            mb->ymode = ngx_http_overlay_vp8_get(br, probs[2])
                        ? NGX_HTTP_OVERLAY_VP8_V_PRED
                        : NGX_HTTP_OVERLAY_VP8_DC_PRED;
        }

        b = ngx_http_overlay_vp8_implied_bmodes[mb->ymode];

        memset(top, b, 4);
        memset(lft, b, 4);
        memset(mb->bmodes, b, 16);
    }

    probs = ngx_http_overlay_vp8_kf_uv_mode_probs;

    if (!ngx_http_overlay_vp8_get(br, probs[0])) {
        mb->uvmode = NGX_HTTP_OVERLAY_VP8_DC_PRED;

    } else if (!ngx_http_overlay_vp8_get(br, probs[1])) {
        mb->uvmode = NGX_HTTP_OVERLAY_VP8_V_PRED;

    } else {
        mb->uvmode = ngx_http_overlay_vp8_get(br, probs[2])
                     ? NGX_HTTP_OVERLAY_VP8_TM_PRED
                     : NGX_HTTP_OVERLAY_VP8_H_PRED;
    }
}


/*
 * Section 13: the blocks in order (Y2 first when the luma mode has one,
 * then 16 Y, 4 U, 4 V), each with the number of its above and left
 * neighbours (in the same plane) whose tokens did not end at once; a
 * skipped macroblock has no tokens and clears those flags (but Y2's when
 * it has no Y2).
 */

static void
ngx_http_overlay_vp8_read_tokens(ngx_http_overlay_vp8_reader_t *rd,
    ngx_http_overlay_vp8_br_t *br, ngx_http_overlay_vp8_mb_t *mb,
    int16_t *levels, unsigned mbx)
{
    unsigned                        b, x, y, first, type, nz, has_y2;
    uint8_t                        *top, *lft;
    ngx_http_overlay_vp8_header_t  *h;

    h = &rd->f->hdr;
    top = rd->above_nz + 9 * mbx;
    lft = rd->left_nz;
    has_y2 = (mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED);

    memset(levels, 0, NGX_HTTP_OVERLAY_VP8_BLOCKS * 16 * sizeof(int16_t));

    if (mb->skip) {
        ngx_http_overlay_vp8_skip_nz(top, lft, has_y2);
        return;
    }

    if (has_y2) {
        b = ngx_http_overlay_vp8_read_block(br, h->coef_probs[1], 0,
                top[8] + lft[8], levels + 16 * NGX_HTTP_OVERLAY_VP8_Y2);
        mb->end[NGX_HTTP_OVERLAY_VP8_Y2] = b;
        top[8] = lft[8] = (b > 0);
        first = 1;
        type = 0;

    } else {
        first = 0;
        type = 3;
    }

    for (b = 0; b < 24; b++) {
        if (b == 16) {
            first = 0;
            type = 2;
        }

        x = ngx_http_overlay_vp8_nz_col[b];
        y = ngx_http_overlay_vp8_nz_row[b];
        nz = ngx_http_overlay_vp8_read_block(br, h->coef_probs[type], first,
                 top[x] + lft[y], levels + 16 * b);
        mb->end[b] = nz;
        top[x] = lft[y] = (nz > first);
    }
}


/*
 * One block's tokens (13.2): the levels at positions first.. in zigzag
 * order; returns the position its EOB was read at, or 16.
 */

static unsigned
ngx_http_overlay_vp8_read_block(ngx_http_overlay_vp8_br_t *br,
    const uint8_t (*probs)[3][11], unsigned first, unsigned ctx,
    int16_t *levels)
{
    int             v;
    unsigned        n, k, cat;
    const uint8_t  *p, *cp;

    p = probs[ngx_http_overlay_vp8_bands[first]][ctx];

    for (n = first; n < 16; n++) {

        if (!ngx_http_overlay_vp8_get(br, p[0])) {
            return n;
        }

        while (!ngx_http_overlay_vp8_get(br, p[1])) {
            if (++n == 16) {
                return 16;
            }

            p = probs[ngx_http_overlay_vp8_bands[n]][0];
        }

        if (!ngx_http_overlay_vp8_get(br, p[2])) {
            v = 1;
            ctx = 1;

        } else {
            if (!ngx_http_overlay_vp8_get(br, p[3])) {
                if (!ngx_http_overlay_vp8_get(br, p[4])) {
                    v = 2;

                } else {
                    v = 3 + ngx_http_overlay_vp8_get(br, p[5]);
                }

            } else if (!ngx_http_overlay_vp8_get(br, p[6])) {
                if (!ngx_http_overlay_vp8_get(br, p[7])) {
                    v = 5 + ngx_http_overlay_vp8_get(br, 159);

                } else {
                    v = 7 + 2 * ngx_http_overlay_vp8_get(br, 165);
                    v += ngx_http_overlay_vp8_get(br, 145);
                }

            } else {
                k = ngx_http_overlay_vp8_get(br, p[8]);
                cat = 2 + 2 * k + ngx_http_overlay_vp8_get(br, p[9 + k]);
                cp = ngx_http_overlay_vp8_cat_probs[cat];
                v = 0;

                while (*cp) {
                    v = 2 * v + ngx_http_overlay_vp8_get(br, *cp++);
                }

                v += 3 + (2 << cat);
            }

            ctx = 2;
        }

        levels[n] = (int16_t) (ngx_http_overlay_vp8_get(br, 128) ? -v : v);

        p = probs[ngx_http_overlay_vp8_bands[n + 1]][ctx];
    }

    return 16;
}


void
ngx_http_overlay_vp8_free(ngx_http_overlay_vp8_frame_t *f)
{
    if (f == NULL) {
        return;
    }

    free(f->mbs);
    free(f->levels);
    free(f->y);
    free(f->u);
    free(f->v);
    free(f);
}
