
/*
 * ngx_http_overlay_module: the progressive splice's Huffman tables, for
 * its output (ngx_http_overlay_jpeg_prog_splice_write.c): the coder's
 * codes from a scan's tables; the symbols the region's blocks need that
 * the tables lack, added where a table has room (free codes of up to 16
 * bits); and the DHT segment written before a scan whose tables grew.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_prog_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


/* the coder's codes, from the scan's tables (extended or not) */

int
ngx_http_overlay_pspl_codes(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                       i, i2, l, n, used;
    ngx_http_overlay_prog_grow_t  *g;

    memset(ps->cd.grow, 0, sizeof(ps->cd.grow));

    if (sc->ss == 0 && sc->ah != 0) {
        return 0;
    }

    for (i = 0; i < sc->ncomps; i++) {
        if (ngx_http_overlay_splice_table(&ps->huff[i], &sc->dht[i],
                                          sc->ss == 0)
            != 0)
        {
            return -1;
        }

        /* a table shared grows once: its first component's */

        for (i2 = 0; i2 < i && sc->tbl[i2] != sc->tbl[i]; i2++) {
            /* void */
        }

        g = &ps->grow[i2];
        ps->cd.grow[i] = g;

        if (i2 == i) {
            for (l = 1, n = 0, used = 0; l <= 16; l++) {
                n += sc->dht[i].bits[l];
                used += (unsigned) sc->dht[i].bits[l] << (16 - l);
            }

            /* the all-ones code stays free; 256 symbols at most */

            g->next = used;
            g->left = (used < 65535) ? 65535 - used : 0;
            g->left = g->left < 256 - n ? g->left : 256 - n;
            g->n = 0;
        }

        memcpy(ps->cd.huff[i].code, ps->huff[i].code,
               sizeof(ps->cd.huff[i].code));
        memcpy(ps->cd.huff[i].size, ps->huff[i].size,
               sizeof(ps->cd.huff[i].size));
    }

    return 0;
}


/*
 * The scan's tables extended by the symbols the coder found missing, each
 * at 16 bits after all the source's codes, the all-ones code left free,
 * as many as there is room for: how many.  Components of one table
 * share its extension.
 */

unsigned
ngx_http_overlay_pspl_extend(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    unsigned                        i, i2, l, n, sym, added;
    uint32_t                        need[8], used;
    ngx_http_overlay_splice_dht_t  *t;

    added = 0;

    for (i = 0; i < sc->ncomps; i++) {
        memcpy(need, ps->cd.need[i], sizeof(need));

        for (i2 = 0; i2 < sc->ncomps; i2++) {
            if (i2 != i && sc->tbl[i2] == sc->tbl[i]) {
                for (l = 0; l < 8; l++) {
                    need[l] |= ps->cd.need[i2][l];
                }
            }
        }

        t = &sc->dht[i];

        for (l = 1, n = 0, used = 0; l <= 16; l++) {
            n += t->bits[l];
            used += (uint32_t) t->bits[l] << (16 - l);
        }

        for (sym = 0; sym < 256; sym++) {
            if (!(need[sym >> 5] & 1u << (sym & 31))) {
                continue;
            }

            if (n == 256 || used >= 65535) {
                break;
            }

            t->huffval[n++] = (unsigned char) sym;
            t->bits[16]++;
            used++;
            added++;
            sc->extended |= 1u << i;
        }
    }

    return added;
}


/*
 * The symbols the tables took while the scan was coded, in them for good,
 * and a DHT of the tables extended put before the scan's header (after
 * any written before: the last one counts)
 */

int
ngx_http_overlay_pspl_grown(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    size_t                          n, len;
    unsigned                        i, k, m;
    unsigned char                  *at, *end,
                                    dht[4 + MAX_COMPS_IN_SCAN * 273];
    ngx_http_overlay_prog_grow_t   *g;
    ngx_http_overlay_splice_dht_t  *t;

    m = 0;

    for (i = 0; i < sc->ncomps; i++) {
        g = ps->cd.grow[i];

        if (g == NULL || g->n == 0) {
            continue;
        }

        t = &sc->dht[i];

        for (k = 1, n = 0; k <= 16; k++) {
            n += t->bits[k];
        }

        memcpy(&t->huffval[n], g->sym, g->n);
        t->bits[16] = (unsigned char) (t->bits[16] + g->n);
        sc->extended |= 1u << i;
        m++;
    }

    for (i = 0; i < sc->ncomps; i++) {
        if (ps->cd.grow[i] != NULL) {
            ps->cd.grow[i]->n = 0;
        }
    }

    if (m == 0) {
        return 0;
    }

    /* the scan written moved up by the DHT's bytes */

    if (ngx_http_overlay_pspl_reserve(ps, 4 + MAX_COMPS_IN_SCAN * 273) != 0)
    {
        return -1;
    }

    at = ps->out + ps->sos;
    end = ps->cd.w.o;
    len = (size_t) (end - at);

    ngx_http_overlay_pspl_dhts(ps, sc);
    n = (size_t) (ps->cd.w.o - end);

    memcpy(dht, end, n);
    memmove(at + n, at, len);
    memcpy(at, dht, n);

    ps->cd.w.o = at + n + len;

    return 0;
}


/* a DHT segment of the tables the scan extended, each once */

void
ngx_http_overlay_pspl_dhts(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc)
{
    size_t                          size;
    unsigned                        i, i2, l, n;
    unsigned char                  *o, *start;
    ngx_http_overlay_splice_dht_t  *t;

    /* 4 tables at most of 17 + 256 bytes: within the scan's reserve */

    o = ps->cd.w.o;
    start = o;
    *o++ = NGX_HTTP_OVERLAY_JPEG_MARK;
    *o++ = NGX_HTTP_OVERLAY_JPEG_DHT;
    o += 2;

    for (i = 0; i < sc->ncomps; i++) {

        /* a table shared is extended alike: written for its first */

        for (i2 = 0; i2 < i && sc->tbl[i2] != sc->tbl[i]; i2++) {
            /* void */
        }

        if (!(sc->extended & 1u << i) || i2 < i) {
            continue;
        }

        t = &sc->dht[i];

        *o++ = (unsigned char) ((sc->ss != 0) << 4 | sc->tbl[i]);

        for (l = 1, n = 0; l <= 16; l++) {
            *o++ = t->bits[l];
            n += t->bits[l];
        }

        memcpy(o, t->huffval, n);
        o += n;
    }

    size = (size_t) (o - start) - 2;
    start[2] = (unsigned char) (size >> 8);
    start[3] = (unsigned char) size;

    ps->cd.w.o = o;
}
