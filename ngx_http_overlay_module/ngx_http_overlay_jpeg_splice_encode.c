
/*
 * ngx_http_overlay_module: the entropy splice's encoding side.
 *
 * The segments' MCUs coded with the source's tables, the source's bits
 * copied between them (shifted, or as they are after a restart marker),
 * the padding before a marker, the output's growth, and the adjustment
 * that keeps the source's padding before EOI.  The writer's steps are in
 * ngx_http_overlay_jpeg_splice_int.h.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_splice_int.h"


static int ngx_http_overlay_splice_block_encode(
    ngx_http_overlay_splice_writer_t *w, const short *block, int *pred,
    const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac);


/*
 * Drops the last AC coefficient, a 1 or a -1, of one to three blocks of
 * the rectangle's MCUs, so that the data is d bits shorter (mod 8): each
 * saves its code and value bit, and the runs of 16 zeros before it; the
 * end of block stays.  0, or -1 when no such blocks add up to d.
 */

int
ngx_http_overlay_splice_align(ngx_http_overlay_splice_t *s, unsigned d)
{
    int                              k, r;
    short                           *block, *found[8][3];
    unsigned                         i, m, c, x, y, a, b, e, row, col, n,
                                     save, count[8], need[8];
    ngx_http_overlay_splice_seg_t   *g;
    ngx_http_overlay_splice_comp_t  *ci;
    ngx_http_overlay_splice_huff_t  *ac;

    memset(count, 0, sizeof(count));

    /* up to three blocks of each saving, mod 8 */

    for (i = 0; i < s->nsegs; i++) {
        g = &s->seg[i];

        for (m = g->a; m < g->e; m++) {
            row = m / s->width;
            col = m % s->width;

            if (row < s->y0 || row >= s->y1 || col < s->x0 || col >= s->x1) {
                continue;
            }

            for (c = 0; c < s->conf.ncomps; c++) {
                ci = &s->conf.comp[c];
                ac = &s->huff[1][ci->ac];

                for (n = 0; n < ci->h * ci->v; n++) {
                    x = n % ci->h;
                    y = n / ci->h;

                    block = (s->conf.ncomps == 1)
                            ? s->conf.block(s->conf.data, ci->index, col, row)
                            : s->conf.block(s->conf.data, ci->index,
                                            col * ci->h + x,
                                            row * ci->v + y);

                    for (k = 62; k > 0; k--) {
                        if (block[ngx_http_overlay_splice_zigzag[k]] != 0) {
                            break;
                        }
                    }

                    if (k == 0 || block[ngx_http_overlay_splice_zigzag[63]]
                        || (block[ngx_http_overlay_splice_zigzag[k]] != 1
                            && block[ngx_http_overlay_splice_zigzag[k]] != -1))
                    {
                        continue;
                    }

                    for (r = 0; k - r - 1 > 0
                                && block[ngx_http_overlay_splice_zigzag[
                                             k - r - 1]] == 0;
                         r++)
                    {
                        /* void */
                    }

                    save = (unsigned) (r >> 4) * ac->size[0xf0]
                           + ac->size[(r & 15) << 4 | 1] + 1;

                    if (count[save & 7] < 3) {
                        found[save & 7][count[save & 7]++] = block
                                          + ngx_http_overlay_splice_zigzag[k];
                    }
                }
            }
        }
    }

    /* one, two or three savings that add up to d, mod 8 */

    if (count[d] > 0) {
        *found[d][0] = 0;
        return 0;
    }

    for (a = 1; a < 8; a++) {
        b = (d + 8 - a) & 7;

        if (b != 0 && count[a] > 0 && count[b] > (a == b)) {
            *found[a][0] = 0;
            *found[b][a == b] = 0;
            return 0;
        }
    }

    for (a = 1; a < 8; a++) {
        for (b = a; b < 8; b++) {
            e = (d + 16 - a - b) & 7;

            if (e < b) {
                continue;
            }

            memset(need, 0, sizeof(need));
            need[a]++;
            need[b]++;
            need[e]++;

            if (count[a] >= need[a] && count[b] >= need[b]
                && count[e] >= need[e])
            {
                *found[a][0] = 0;
                *found[b][a == b] = 0;
                *found[e][(e == a) + (e == b)] = 0;
                return 0;
            }
        }
    }

    return -1;
}


/*
 * The source's bytes from from, aligned as there, up to the bit at: the
 * output is at a byte's start, the source's from too.
 */

void
ngx_http_overlay_splice_verbatim(const unsigned char *src,
    ngx_http_overlay_splice_writer_t *w, size_t from,
    const ngx_http_overlay_splice_pos_t *at)
{
    memcpy(w->o, src + from, at->byte - from);
    w->o += at->byte - from;

    if (at->bit != 0) {
        ngx_http_overlay_splice_put(w, src[at->byte] >> (8 - at->bit),
                                    (int) at->bit);
    }
}


/*
 * A segment's MCUs coded, the rectangle's blocks fitted to the tables
 * first with conf.fit: -1 when a symbol is missing from them
 */

int
ngx_http_overlay_splice_segment(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, ngx_http_overlay_splice_seg_t *g)
{
    int                              pred[NGX_HTTP_OVERLAY_SPLICE_COMPS];
    short                           *block;
    unsigned                         m, ri, c, n, nb, row, col, fit;
    ngx_http_overlay_splice_comp_t  *ci;

    ri = s->conf.restart_interval;

    memcpy(pred, g->pred, sizeof(pred));

    for (m = g->a; m < g->e; m++) {

        if (ngx_http_overlay_splice_reserve(s, w,
                                            NGX_HTTP_OVERLAY_SPLICE_MCU_MAX)
            != 0)
        {
            return -1;
        }

        if (ri != 0 && m != g->a && m % ri == 0) {
            ngx_http_overlay_splice_pad(w);
            *w->o++ = 0xff;
            *w->o++ = (unsigned char) (0xd0 + ((m / ri - 1) & 7));
            memset(pred, 0, sizeof(pred));
        }

        row = m / s->width;
        col = m % s->width;

        fit = s->conf.fit && s->fit_any && row >= s->y0 && row < s->y1
              && col >= s->x0 && col < s->x1;

        for (c = 0; c < s->conf.ncomps; c++) {
            ci = &s->conf.comp[c];
            nb = (s->conf.ncomps == 1) ? 1 : ci->h * ci->v;

            for (n = 0; n < nb; n++) {
                block = ngx_http_overlay_splice_mcu_block(s, m, c, n);

                if (fit
                    && ngx_http_overlay_splice_fit(s, block, m, c, n, pred[c])
                       != 0)
                {
                    return -1;
                }

                if (ngx_http_overlay_splice_block_encode(w, block, &pred[c],
                        &s->huff[0][ci->dc], &s->huff[1][ci->ac])
                    != 0)
                {
                    return -1;
                }
            }
        }
    }

    return 0;
}


int
ngx_http_overlay_splice_reserve(ngx_http_overlay_splice_t *s,
    ngx_http_overlay_splice_writer_t *w, size_t n)
{
    size_t          used, size;
    unsigned char  *out;

    used = (size_t) (w->o - s->out);

    if (s->out_size - used >= n) {
        return 0;
    }

    for (size = s->out_size * 2; size - used < n; size *= 2) {
        /* void */
    }

    out = realloc(s->out, size);

    if (out == NULL) {
        free(s->out);
        s->out = NULL;
        s->why = "no memory";
        return -1;
    }

    s->out = out;
    s->out_size = size;
    w->o = out + used;

    return 0;
}


/* ones up to the byte's end, as T.81 F.1.2.3 pads before a marker */

void
ngx_http_overlay_splice_pad(ngx_http_overlay_splice_writer_t *w)
{
    ngx_http_overlay_splice_bytes(w);

    if (w->nb != 0) {
        ngx_http_overlay_splice_put(w, (1u << (8 - w->nb)) - 1, 8 - w->nb);
        ngx_http_overlay_splice_bytes(w);
    }
}


int
ngx_http_overlay_splice_nbits(int v)
{
    unsigned  u;

    u = (unsigned) (v < 0 ? -v : v);

    return u ? 32 - __builtin_clz(u) : 0;
}


/* T.81 F.1.2: a block, with the source's tables; -1: a symbol missing */

static int
ngx_http_overlay_splice_block_encode(ngx_http_overlay_splice_writer_t *w,
    const short *block, int *pred, const ngx_http_overlay_splice_huff_t *dc,
    const ngx_http_overlay_splice_huff_t *ac)
{
    int       v, n, r, k, sym, last;
    uint64_t  nz;

    v = block[0] - *pred;
    *pred = block[0];

    n = ngx_http_overlay_splice_nbits(v);

    if (n > 11 || dc->size[n] == 0) {
        return -1;
    }

    v = v < 0 ? v - 1 : v;
    ngx_http_overlay_splice_put(w, (uint32_t) dc->code[n] << n
                                   | ((uint32_t) v & ((1u << n) - 1)),
                                dc->size[n] + n);

    /* the nonzero coefficients, bit 63 - k for the k-th in zigzag order */

    nz = 0;

    for (k = 1; k < 64; k++) {
        nz |= (uint64_t) (block[ngx_http_overlay_splice_zigzag[k]] != 0)
              << (63 - k);
    }

    for (last = 0; nz != 0; last = k) {
        k = __builtin_clzll(nz);
        nz &= ~(1ull << (63 - k));
        r = k - last - 1;
        v = block[ngx_http_overlay_splice_zigzag[k]];

        for ( /* void */ ; r > 15; r -= 16) {
            if (ac->size[0xf0] == 0) {
                return -1;
            }

            ngx_http_overlay_splice_put(w, ac->code[0xf0], ac->size[0xf0]);
        }

        n = ngx_http_overlay_splice_nbits(v);
        sym = r << 4 | n;

        if (n > 10 || ac->size[sym] == 0) {
            return -1;
        }

        v = v < 0 ? v - 1 : v;
        ngx_http_overlay_splice_put(w, (uint32_t) ac->code[sym] << n
                                       | ((uint32_t) v & ((1u << n) - 1)),
                                    ac->size[sym] + n);
    }

    r = 63 - last;

    if (r != 0) {
        if (ac->size[0x00] == 0) {
            return -1;
        }

        ngx_http_overlay_splice_put(w, ac->code[0x00], ac->size[0x00]);
    }

    return 0;
}


/*
 * The source's data bits from one position to another, each stuffed
 * 0xff 0x00 one byte: eight bytes at a time where none is 0xff, before or
 * after the shift.
 */

void
ngx_http_overlay_splice_copy(const unsigned char *src,
    ngx_http_overlay_splice_writer_t *w,
    const ngx_http_overlay_splice_pos_t *from,
    const ngx_http_overlay_splice_pos_t *to)
{
    int                   i;
    size_t                b, eb;
    uint64_t              v, x;
    unsigned              c, n, k, ek;
    const unsigned char  *p;

    p = src;
    b = from->byte;
    k = from->bit;
    eb = to->byte;
    ek = to->bit;

    ngx_http_overlay_splice_bytes(w);

    if (k != 0) {
        c = p[b];

        if (b == eb) {
            if (ek > k) {
                n = ek - k;
                ngx_http_overlay_splice_put(w,
                                            (c >> (8 - ek)) & ((1u << n) - 1),
                                            (int) n);
            }

            return;
        }

        n = 8 - k;
        ngx_http_overlay_splice_put(w, c & ((1u << n) - 1), (int) n);
        ngx_http_overlay_splice_bytes(w);
        b += (c == NGX_HTTP_OVERLAY_JPEG_MARK) ? 2 : 1;
    }

    while (b < eb) {

        if (b + 8 <= eb) {
            v = ngx_http_overlay_be64(p + b);

            if (!ngx_http_overlay_splice_has_ff64(v)) {

                /* the pending bits, then all but the last nb of v */

                x = (w->nb == 0) ? v : w->acc << (64 - w->nb) | v >> w->nb;
                w->acc = v;

                if (!ngx_http_overlay_splice_has_ff64(x)) {
                    x = ngx_http_overlay_be64((const unsigned char *) &x);
                    memcpy(w->o, &x, 8);
                    w->o += 8;

                } else {
                    for (i = 56; i >= 0; i -= 8) {
                        c = (unsigned) (x >> i) & 0xff;
                        *w->o++ = (unsigned char) c;

                        if (c == NGX_HTTP_OVERLAY_JPEG_MARK) {
                            *w->o++ = 0x00;
                        }
                    }
                }

                b += 8;
                continue;
            }
        }

        c = p[b];
        b += (c == NGX_HTTP_OVERLAY_JPEG_MARK) ? 2 : 1;
        ngx_http_overlay_splice_put(w, c, 8);
        ngx_http_overlay_splice_bytes(w);
    }

    if (ek != 0) {
        ngx_http_overlay_splice_put(w, (unsigned) p[eb] >> (8 - ek),
                                    (int) ek);
    }
}
