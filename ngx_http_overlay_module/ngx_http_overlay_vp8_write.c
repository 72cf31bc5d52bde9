
/*
 * ngx_http_overlay_module: a VP8 key frame written from its syntax: the
 * boolean encoder (RFC 6386, section 7, with the carry held back over
 * 0xff bytes), the frame header and the modes in partition 0, each
 * block's tokens up to the position its EOB was read at, with the frame's
 * own probabilities, in as many token partitions as it had.  A frame read
 * and written again decodes to the same pixels; with the padding libwebp
 * writes at a partition's end (9 bits or more, at probability 1/2), to the
 * same bytes as libwebp's own output.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_vp8_int.h"


typedef struct {
    uint8_t     bits[10][9];
    uint8_t     nodes[10][9];
    uint8_t     len[10];
} ngx_http_overlay_vp8_paths_t;


typedef struct {
    ngx_http_overlay_vp8_frame_t   *f;
    ngx_http_overlay_vp8_bw_t       bw;
    ngx_http_overlay_vp8_bw_t       parts[8];
    ngx_http_overlay_vp8_paths_t    paths;
    uint8_t                        *above_nz;
    uint8_t                        *above_bmodes;
    uint8_t                         left_nz[9];
    uint8_t                         left_bmodes[4];
} ngx_http_overlay_vp8_writer_t;


static void ngx_http_overlay_vp8_paths(ngx_http_overlay_vp8_paths_t *paths,
    int node, unsigned depth, uint8_t *bits, uint8_t *nodes);
static void ngx_http_overlay_vp8_write_header(
    ngx_http_overlay_vp8_writer_t *wr);
static void ngx_http_overlay_vp8_write_delta(ngx_http_overlay_vp8_bw_t *bw,
    const ngx_http_overlay_vp8_delta_t *d, unsigned bits);
static void ngx_http_overlay_vp8_write_modes(
    ngx_http_overlay_vp8_writer_t *wr, const ngx_http_overlay_vp8_mb_t *mb,
    unsigned mbx);
static void ngx_http_overlay_vp8_write_tokens(
    ngx_http_overlay_vp8_writer_t *wr, ngx_http_overlay_vp8_bw_t *bw,
    const ngx_http_overlay_vp8_mb_t *mb, const int16_t *levels,
    unsigned mbx);
static void ngx_http_overlay_vp8_write_block(ngx_http_overlay_vp8_bw_t *bw,
    const uint8_t (*probs)[3][11], unsigned first, unsigned ctx,
    const int16_t *levels, unsigned end);


void
ngx_http_overlay_vp8_bw_init(ngx_http_overlay_vp8_bw_t *bw)
{
    memset(bw, 0, sizeof(ngx_http_overlay_vp8_bw_t));
    bw->bits = -8;
    bw->range = 254;
}


/* a byte out: held while it is 0xff, since a carry may still reach it */

void
ngx_http_overlay_vp8_bw_flush(ngx_http_overlay_vp8_bw_t *bw)
{
    int        s;
    size_t     size;
    uint8_t   *buf;
    unsigned   byte;

    s = 8 + bw->bits;
    byte = (unsigned) (bw->value >> s);
    bw->value -= (uint64_t) byte << s;
    bw->bits -= 8;

    if ((byte & 0xff) == 0xff) {
        bw->run++;
        return;
    }

    if (bw->size - bw->len < bw->run + 1) {
        size = (bw->size ? 2 * bw->size : 4096) + bw->run + 1;
        buf = realloc(bw->buf, size);

        if (buf == NULL) {
            bw->failed = 1;
            bw->len = 0;
            bw->run = 0;
            return;
        }

        bw->buf = buf;
        bw->size = size;
    }

    if ((byte & 0x100) && bw->len > 0) {
        bw->buf[bw->len - 1]++;
    }

    for ( /* void */ ; bw->run > 0; bw->run--) {
        bw->buf[bw->len++] = (byte & 0x100) ? 0x00 : 0xff;
    }

    bw->buf[bw->len++] = (uint8_t) byte;
}


/* the padding: enough bits at 1/2 for the decoder never to read past */

void
ngx_http_overlay_vp8_bw_finish(ngx_http_overlay_vp8_bw_t *bw)
{
    ngx_http_overlay_vp8_put_literal(bw, 0, 9 - bw->bits);
    bw->bits = 0;
    ngx_http_overlay_vp8_bw_flush(bw);
}


int
ngx_http_overlay_vp8_write(ngx_http_overlay_vp8_frame_t *f, uint8_t **out,
    size_t *len)
{
    int                             rc;
    size_t                          total, n;
    uint8_t                         bits[9], nodes[9], *p;
    uint32_t                        tag;
    unsigned                        mbx, mby, i, nparts;
    const ngx_http_overlay_vp8_mb_t  *mb;
    ngx_http_overlay_vp8_writer_t   wr;

    rc = -1;
    *out = NULL;

    memset(&wr, 0, sizeof(ngx_http_overlay_vp8_writer_t));
    wr.f = f;
    wr.above_nz = calloc(f->mbw, 9);
    wr.above_bmodes = calloc(f->mbw, 4);
    nparts = 1u << f->hdr.log2_parts;

    ngx_http_overlay_vp8_bw_init(&wr.bw);

    for (i = 0; i < nparts; i++) {
        ngx_http_overlay_vp8_bw_init(&wr.parts[i]);
    }

    if (wr.above_nz == NULL || wr.above_bmodes == NULL) {
        goto done;
    }

    ngx_http_overlay_vp8_paths(&wr.paths, 0, 0, bits, nodes);

    ngx_http_overlay_vp8_write_header(&wr);

    mb = f->mbs;

    for (mby = 0; mby < f->mbh; mby++) {
        memset(wr.left_nz, 0, sizeof(wr.left_nz));
        memset(wr.left_bmodes, 0, sizeof(wr.left_bmodes));

        for (mbx = 0; mbx < f->mbw; mbx++, mb++) {
            ngx_http_overlay_vp8_write_modes(&wr, mb, mbx);
            ngx_http_overlay_vp8_write_tokens(&wr,
                &wr.parts[mby & (nparts - 1)], mb,
                f->levels + (mb - f->mbs) * NGX_HTTP_OVERLAY_VP8_BLOCKS * 16,
                mbx);
        }
    }

    ngx_http_overlay_vp8_bw_finish(&wr.bw);
    total = 10 + wr.bw.len + 3 * (nparts - 1);

    if (wr.bw.failed || wr.bw.len >= (1u << 19)) {
        goto done;
    }

    for (i = 0; i < nparts; i++) {
        ngx_http_overlay_vp8_bw_finish(&wr.parts[i]);

        if (wr.parts[i].failed || wr.parts[i].len >= (1u << 24)) {
            goto done;
        }

        total += wr.parts[i].len;
    }

    p = malloc(total);
    if (p == NULL) {
        goto done;
    }

    *out = p;
    *len = total;

    tag = (uint32_t) f->hdr.version << 1 | (uint32_t) f->hdr.show_frame << 4
          | (uint32_t) wr.bw.len << 5;
    *p++ = (uint8_t) tag;
    *p++ = (uint8_t) (tag >> 8);
    *p++ = (uint8_t) (tag >> 16);
    *p++ = 0x9d;
    *p++ = 0x01;
    *p++ = 0x2a;
    *p++ = (uint8_t) f->hdr.width;
    *p++ = (uint8_t) (f->hdr.width >> 8 | f->hdr.hscale << 6);
    *p++ = (uint8_t) f->hdr.height;
    *p++ = (uint8_t) (f->hdr.height >> 8 | f->hdr.vscale << 6);

    memcpy(p, wr.bw.buf, wr.bw.len);
    p += wr.bw.len;

    for (i = 0; i < nparts - 1; i++) {
        n = wr.parts[i].len;
        *p++ = (uint8_t) n;
        *p++ = (uint8_t) (n >> 8);
        *p++ = (uint8_t) (n >> 16);
    }

    for (i = 0; i < nparts; i++) {
        memcpy(p, wr.parts[i].buf, wr.parts[i].len);
        p += wr.parts[i].len;
    }

    rc = 0;

done:

    free(wr.bw.buf);

    for (i = 0; i < nparts; i++) {
        free(wr.parts[i].buf);
    }

    free(wr.above_nz);
    free(wr.above_bmodes);

    return rc;
}


/* each subblock mode's path in the tree: the bits and the nodes' probs */

static void
ngx_http_overlay_vp8_paths(ngx_http_overlay_vp8_paths_t *paths, int node,
    unsigned depth, uint8_t *bits, uint8_t *nodes)
{
    int       next;
    unsigned  bit, m;

    for (bit = 0; bit < 2; bit++) {
        bits[depth] = (uint8_t) bit;
        nodes[depth] = (uint8_t) (node >> 1);
        next = ngx_http_overlay_vp8_bmode_tree[node + bit];

        if (next > 0) {
            ngx_http_overlay_vp8_paths(paths, next, depth + 1, bits, nodes);
            continue;
        }

        m = (unsigned) -next;
        memcpy(paths->bits[m], bits, depth + 1);
        memcpy(paths->nodes[m], nodes, depth + 1);
        paths->len[m] = (uint8_t) (depth + 1);
    }
}


static void
ngx_http_overlay_vp8_write_header(ngx_http_overlay_vp8_writer_t *wr)
{
    unsigned                              i, j, k, t;
    ngx_http_overlay_vp8_bw_t            *bw;
    const ngx_http_overlay_vp8_header_t  *h;

    bw = &wr->bw;
    h = &wr->f->hdr;

    ngx_http_overlay_vp8_put(bw, h->color_space, 128);
    ngx_http_overlay_vp8_put(bw, h->clamping, 128);
    ngx_http_overlay_vp8_put(bw, h->segmentation, 128);

    if (h->segmentation) {
        ngx_http_overlay_vp8_put(bw, h->update_map, 128);
        ngx_http_overlay_vp8_put(bw, h->update_data, 128);

        if (h->update_data) {
            ngx_http_overlay_vp8_put(bw, h->abs_delta, 128);

            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_write_delta(bw, &h->seg_quant[i], 7);
            }

            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_write_delta(bw, &h->seg_lf[i], 6);
            }
        }

        if (h->update_map) {
            for (i = 0; i < 3; i++) {
                ngx_http_overlay_vp8_put(bw, h->seg_prob_update[i], 128);

                if (h->seg_prob_update[i]) {
                    ngx_http_overlay_vp8_put_literal(bw, h->seg_probs[i], 8);
                }
            }
        }
    }

    ngx_http_overlay_vp8_put(bw, h->filter_type, 128);
    ngx_http_overlay_vp8_put_literal(bw, h->filter_level, 6);
    ngx_http_overlay_vp8_put_literal(bw, h->sharpness, 3);
    ngx_http_overlay_vp8_put(bw, h->lf_adj, 128);

    if (h->lf_adj) {
        ngx_http_overlay_vp8_put(bw, h->lf_delta_update, 128);

        if (h->lf_delta_update) {
            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_write_delta(bw, &h->ref_lf[i], 6);
            }

            for (i = 0; i < 4; i++) {
                ngx_http_overlay_vp8_write_delta(bw, &h->mode_lf[i], 6);
            }
        }
    }

    ngx_http_overlay_vp8_put_literal(bw, h->log2_parts, 2);
    ngx_http_overlay_vp8_put_literal(bw, h->q_index, 7);

    for (i = 0; i < 5; i++) {
        ngx_http_overlay_vp8_write_delta(bw, &h->q_delta[i], 4);
    }

    ngx_http_overlay_vp8_put(bw, h->refresh_entropy, 128);

    for (i = 0; i < 4; i++) {
        for (j = 0; j < 8; j++) {
            for (k = 0; k < 3; k++) {
                for (t = 0; t < 11; t++) {
                    ngx_http_overlay_vp8_put(bw, h->coef_updated[i][j][k][t],
                        ngx_http_overlay_vp8_coef_update_probs[i][j][k][t]);

                    if (h->coef_updated[i][j][k][t]) {
                        ngx_http_overlay_vp8_put_literal(bw,
                            h->coef_probs[i][j][k][t], 8);
                    }
                }
            }
        }
    }

    ngx_http_overlay_vp8_put(bw, h->skip_enabled, 128);

    if (h->skip_enabled) {
        ngx_http_overlay_vp8_put_literal(bw, h->prob_skip_false, 8);
    }
}


static void
ngx_http_overlay_vp8_write_delta(ngx_http_overlay_vp8_bw_t *bw,
    const ngx_http_overlay_vp8_delta_t *d, unsigned bits)
{
    ngx_http_overlay_vp8_put(bw, d->update, 128);

    if (d->update) {
        ngx_http_overlay_vp8_put_literal(bw, d->magnitude, bits);
        ngx_http_overlay_vp8_put(bw, d->sign, 128);
    }
}


static void
ngx_http_overlay_vp8_write_modes(ngx_http_overlay_vp8_writer_t *wr,
    const ngx_http_overlay_vp8_mb_t *mb, unsigned mbx)
{
    unsigned                              b, i, m;
    uint8_t                              *top, *lft;
    const uint8_t                        *probs;
    ngx_http_overlay_vp8_bw_t            *bw;
    const ngx_http_overlay_vp8_header_t  *h;

    bw = &wr->bw;
    h = &wr->f->hdr;

    if (h->update_map) {
        ngx_http_overlay_vp8_put(bw, mb->segment >= 2, h->seg_probs[0]);
        ngx_http_overlay_vp8_put(bw, mb->segment & 1,
                                 h->seg_probs[1 + (mb->segment >= 2)]);
    }

    if (h->skip_enabled) {
        ngx_http_overlay_vp8_put(bw, mb->skip, h->prob_skip_false);
    }

    probs = ngx_http_overlay_vp8_kf_ymode_probs;
    top = wr->above_bmodes + 4 * mbx;
    lft = wr->left_bmodes;

    if (mb->ymode == NGX_HTTP_OVERLAY_VP8_B_PRED) {
        ngx_http_overlay_vp8_put(bw, 0, probs[0]);

        for (b = 0; b < 16; b++) {
            m = mb->bmodes[b];
            probs = ngx_http_overlay_vp8_kf_bmode_probs[top[b & 3]]
                                                       [lft[b >> 2]];

            for (i = 0; i < wr->paths.len[m]; i++) {
                ngx_http_overlay_vp8_put(bw, wr->paths.bits[m][i],
                                         probs[wr->paths.nodes[m][i]]);
            }

            top[b & 3] = (uint8_t) m;
            lft[b >> 2] = (uint8_t) m;
        }

    } else {
        ngx_http_overlay_vp8_put(bw, 1, probs[0]);
        m = mb->ymode;

        if (m == NGX_HTTP_OVERLAY_VP8_H_PRED
            || m == NGX_HTTP_OVERLAY_VP8_TM_PRED)
        {
            ngx_http_overlay_vp8_put(bw, 1, probs[1]);
            ngx_http_overlay_vp8_put(bw, m == NGX_HTTP_OVERLAY_VP8_TM_PRED,
                                     probs[3]);

        } else {
            ngx_http_overlay_vp8_put(bw, 0, probs[1]);
            ngx_http_overlay_vp8_put(bw, m == NGX_HTTP_OVERLAY_VP8_V_PRED,
                                     probs[2]);
        }

        b = ngx_http_overlay_vp8_implied_bmodes[m];

        memset(top, b, 4);
        memset(lft, b, 4);
    }

    probs = ngx_http_overlay_vp8_kf_uv_mode_probs;
    m = mb->uvmode;

    ngx_http_overlay_vp8_put(bw, m != NGX_HTTP_OVERLAY_VP8_DC_PRED, probs[0]);

    if (m != NGX_HTTP_OVERLAY_VP8_DC_PRED) {
        ngx_http_overlay_vp8_put(bw, m != NGX_HTTP_OVERLAY_VP8_V_PRED,
                                 probs[1]);

        if (m != NGX_HTTP_OVERLAY_VP8_V_PRED) {
            ngx_http_overlay_vp8_put(bw, m == NGX_HTTP_OVERLAY_VP8_TM_PRED,
                                     probs[2]);
        }
    }
}


/* the blocks in the reader's order, with the same contexts */

static void
ngx_http_overlay_vp8_write_tokens(ngx_http_overlay_vp8_writer_t *wr,
    ngx_http_overlay_vp8_bw_t *bw, const ngx_http_overlay_vp8_mb_t *mb,
    const int16_t *levels, unsigned mbx)
{
    unsigned                              b, x, y, first, type, has_y2, end;
    uint8_t                              *top, *lft;
    const ngx_http_overlay_vp8_header_t  *h;

    h = &wr->f->hdr;
    top = wr->above_nz + 9 * mbx;
    lft = wr->left_nz;
    has_y2 = (mb->ymode != NGX_HTTP_OVERLAY_VP8_B_PRED);

    if (mb->skip) {
        ngx_http_overlay_vp8_skip_nz(top, lft, has_y2);
        return;
    }

    if (has_y2) {
        end = mb->end[NGX_HTTP_OVERLAY_VP8_Y2];
        ngx_http_overlay_vp8_write_block(bw, h->coef_probs[1], 0,
            top[8] + lft[8], levels + 16 * NGX_HTTP_OVERLAY_VP8_Y2, end);
        top[8] = lft[8] = (end > 0);
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
        end = mb->end[b];
        ngx_http_overlay_vp8_write_block(bw, h->coef_probs[type], first,
            top[x] + lft[y], levels + 16 * b, end);
        top[x] = lft[y] = (end > first);
    }
}


/*
 * One block's tokens (13.2), positions first .. end - 1, then EOB when
 * end < 16; after a zero no EOB is coded (the tree skips it there).
 */

static void
ngx_http_overlay_vp8_write_block(ngx_http_overlay_vp8_bw_t *bw,
    const uint8_t (*probs)[3][11], unsigned first, unsigned ctx,
    const int16_t *levels, unsigned end)
{
    int             v, a;
    unsigned        n, cat, nb, i, zero;
    const uint8_t  *p, *cp;

    p = probs[ngx_http_overlay_vp8_bands[first]][ctx];
    zero = 0;

    for (n = first; n < end; n++) {
        v = levels[n];

        if (!zero) {
            ngx_http_overlay_vp8_put(bw, 1, p[0]);
        }

        if (v == 0) {
            ngx_http_overlay_vp8_put(bw, 0, p[1]);
            zero = 1;
            p = probs[ngx_http_overlay_vp8_bands[n + 1]][0];
            continue;
        }

        ngx_http_overlay_vp8_put(bw, 1, p[1]);
        a = (v < 0) ? -v : v;

        if (a == 1) {
            ngx_http_overlay_vp8_put(bw, 0, p[2]);
            ctx = 1;

        } else {
            ngx_http_overlay_vp8_put(bw, 1, p[2]);

            if (a <= 4) {
                ngx_http_overlay_vp8_put(bw, 0, p[3]);
                ngx_http_overlay_vp8_put(bw, a != 2, p[4]);

                if (a != 2) {
                    ngx_http_overlay_vp8_put(bw, a == 4, p[5]);
                }

            } else if (a <= 10) {
                ngx_http_overlay_vp8_put(bw, 1, p[3]);
                ngx_http_overlay_vp8_put(bw, 0, p[6]);
                ngx_http_overlay_vp8_put(bw, a > 6, p[7]);

                if (a <= 6) {
                    ngx_http_overlay_vp8_put(bw, a - 5, 159);

                } else {
                    ngx_http_overlay_vp8_put(bw, (a - 7) >> 1, 165);
                    ngx_http_overlay_vp8_put(bw, (a - 7) & 1, 145);
                }

            } else {
                cat = (a <= 18) ? 2 : (a <= 34) ? 3 : (a <= 66) ? 4 : 5;
                ngx_http_overlay_vp8_put(bw, 1, p[3]);
                ngx_http_overlay_vp8_put(bw, 1, p[6]);
                ngx_http_overlay_vp8_put(bw, cat >= 4, p[8]);
                ngx_http_overlay_vp8_put(bw, cat & 1, p[9 + (cat >= 4)]);

                cp = ngx_http_overlay_vp8_cat_probs[cat];
                nb = (unsigned) strlen((const char *) cp);
                a -= 3 + (2 << cat);

                for (i = 0; i < nb; i++) {
                    ngx_http_overlay_vp8_put(bw, (a >> (nb - 1 - i)) & 1,
                                             cp[i]);
                }
            }

            ctx = 2;
        }

        ngx_http_overlay_vp8_put(bw, v < 0, 128);
        zero = 0;
        p = probs[ngx_http_overlay_vp8_bands[n + 1]][ctx];
    }

    if (end < 16) {
        ngx_http_overlay_vp8_put(bw, 0, p[0]);
    }
}
