
/*
 * ngx_http_overlay_module: the overlay's colours quantized into a
 * palette's free entries (ngx_http_overlay_quant.h).
 *
 * The colours are counted in a hash table of at most
 * NGX_HTTP_OVERLAY_QUANT_COLOURS buckets; past that, every channel loses a
 * bit and the buckets that then agree are merged (each keeps the sums of
 * its pixels, so its mean stays exact).  The buckets the palette's own
 * entries serve well are left to them; the others are split by a median
 * cut (the box of the largest squared error first, across its widest
 * channel, at the weighted median) into as many boxes as there are free
 * entries, whose means become the new entries; a few rounds of k-means
 * over all the buckets, the old entries fixed, move the new ones to where
 * their colours are.
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_quant.h"


/* hash slots: a power of two, twice the buckets */
#define NGX_HTTP_OVERLAY_QUANT_SLOTS   (2 * NGX_HTTP_OVERLAY_QUANT_COLOURS)

/* a bucket this near an old entry (squared distance) is left to it */
#define NGX_HTTP_OVERLAY_QUANT_NEAR    12

/* rounds of k-means after the median cut */
#define NGX_HTTP_OVERLAY_QUANT_ROUNDS  4


typedef struct {
    uint32_t                   key;
    unsigned                   entry;
    unsigned long long         w;
    unsigned long long         sum[4];
    int                        mean[4];
} ngx_http_overlay_quant_bucket_t;


typedef struct {
    unsigned                   start;
    unsigned                   end;
    double                     score;           /* its squared error */
} ngx_http_overlay_quant_box_t;


struct ngx_http_overlay_quant_s {
    int                        pal[256][4];
    unsigned char              skip[256];
    unsigned                   n;               /* the old entries */
    unsigned                   total;           /* old and new */
    unsigned                   shift;           /* bits a channel lost */
    unsigned                   nbuckets;
    double                     sse;
    unsigned long long         count;
    uint32_t                   slots[NGX_HTTP_OVERLAY_QUANT_SLOTS];
    ngx_http_overlay_quant_bucket_t
                               buckets[NGX_HTTP_OVERLAY_QUANT_COLOURS];
};


static unsigned ngx_http_overlay_quant_slot(ngx_http_overlay_quant_t *q,
    uint32_t key);
static void ngx_http_overlay_quant_coarsen(ngx_http_overlay_quant_t *q);
static unsigned ngx_http_overlay_quant_cut(ngx_http_overlay_quant_t *q,
    unsigned *idx, unsigned m, unsigned k);
static void ngx_http_overlay_quant_measure(ngx_http_overlay_quant_t *q,
    const unsigned *idx, ngx_http_overlay_quant_box_t *box, int *axis,
    int *mean);
static void ngx_http_overlay_quant_sort(ngx_http_overlay_quant_t *q,
    unsigned *idx, unsigned m, int axis, unsigned *tmp);
static unsigned ngx_http_overlay_quant_nearest(
    const ngx_http_overlay_quant_t *q, const int *c, unsigned from,
    unsigned to, long *dist);


ngx_http_overlay_quant_t *
ngx_http_overlay_quant_create(const unsigned char *rgba, unsigned n,
    const unsigned char *skip)
{
    unsigned                   i, k;
    ngx_http_overlay_quant_t  *q;

    q = malloc(sizeof(ngx_http_overlay_quant_t));
    if (q == NULL) {
        return NULL;
    }

    memset(q->slots, 0, sizeof(q->slots));
    memset(q->skip, 0, sizeof(q->skip));

    for (i = 0; i < n && i < 256; i++) {
        for (k = 0; k < 4; k++) {
            q->pal[i][k] = rgba[4 * i + k];
        }

        q->skip[i] = skip != NULL ? skip[i] : 0;
    }

    q->n = i;
    q->total = i;
    q->shift = 0;
    q->nbuckets = 0;
    q->sse = 0;
    q->count = 0;

    return q;
}


void
ngx_http_overlay_quant_add(ngx_http_overlay_quant_t *q, uint32_t rgba)
{
    unsigned                          s, k;
    uint32_t                          key;
    ngx_http_overlay_quant_bucket_t  *b;

    for ( ;; ) {
        key = (rgba >> q->shift) & (0x01010101u * (0xffu >> q->shift));
        s = ngx_http_overlay_quant_slot(q, key);

        if (q->slots[s] != 0 || q->nbuckets < NGX_HTTP_OVERLAY_QUANT_COLOURS) {
            break;
        }

        ngx_http_overlay_quant_coarsen(q);
    }

    if (q->slots[s] == 0) {
        b = &q->buckets[q->nbuckets++];
        memset(b, 0, sizeof(ngx_http_overlay_quant_bucket_t));
        b->key = key;
        q->slots[s] = q->nbuckets;

    } else {
        b = &q->buckets[q->slots[s] - 1];
    }

    b->w++;

    for (k = 0; k < 4; k++) {
        b->sum[k] += (rgba >> (24 - 8 * k)) & 0xff;
    }
}


/* the slot of key, or the empty one where it would go */

static unsigned
ngx_http_overlay_quant_slot(ngx_http_overlay_quant_t *q, uint32_t key)
{
    unsigned  s;

    s = (key * 2654435761u) >> 19;

    while (q->slots[s] != 0 && q->buckets[q->slots[s] - 1].key != key) {
        s = (s + 1) & (NGX_HTTP_OVERLAY_QUANT_SLOTS - 1);
    }

    return s;
}


/* one bit less a channel: buckets that agree then are merged, in place */

static void
ngx_http_overlay_quant_coarsen(ngx_http_overlay_quant_t *q)
{
    unsigned                          i, j, k, s;
    ngx_http_overlay_quant_bucket_t  *a, *b;

    q->shift++;
    memset(q->slots, 0, sizeof(q->slots));

    for (i = 0, j = 0; i < q->nbuckets; i++) {
        b = &q->buckets[i];
        b->key = (b->key >> 1) & 0x7f7f7f7fu;
        s = ngx_http_overlay_quant_slot(q, b->key);

        if (q->slots[s] != 0) {
            a = &q->buckets[q->slots[s] - 1];
            a->w += b->w;

            for (k = 0; k < 4; k++) {
                a->sum[k] += b->sum[k];
            }

            continue;
        }

        if (i != j) {
            q->buckets[j] = *b;
        }

        q->slots[s] = ++j;
    }

    q->nbuckets = j;
}


unsigned
ngx_http_overlay_quant_build(ngx_http_overlay_quant_t *q,
    unsigned char *rgba)
{
    unsigned                          i, k, m, round, e;
    unsigned                         *idx;
    long                              dist;
    unsigned long long                acc[256][5];
    ngx_http_overlay_quant_bucket_t  *b;

    idx = malloc((size_t) (q->nbuckets + 1) * 2 * sizeof(unsigned));
    if (idx == NULL) {
        return 0;
    }

    /* the buckets' means; those the old entries serve badly */

    m = 0;

    for (i = 0; i < q->nbuckets; i++) {
        b = &q->buckets[i];

        for (k = 0; k < 4; k++) {
            b->mean[k] = (int) ((b->sum[k] + b->w / 2) / b->w);
        }

        b->entry = ngx_http_overlay_quant_nearest(q, b->mean, 0, q->n,
                                                  &dist);

        if (dist > NGX_HTTP_OVERLAY_QUANT_NEAR) {
            idx[m++] = i;
        }
    }

    if (m > 0 && q->n < 256) {
        q->total = q->n + ngx_http_overlay_quant_cut(q, idx, m, 256 - q->n);
    }

    /* k-means: the new entries move to the mean of the buckets they serve */

    for (round = 0; round <= NGX_HTTP_OVERLAY_QUANT_ROUNDS; round++) {

        memset(acc, 0, sizeof(acc));

        for (i = 0; i < q->nbuckets; i++) {
            b = &q->buckets[i];
            e = ngx_http_overlay_quant_nearest(q, b->mean, 0, q->total,
                                               &dist);
            b->entry = e;

            acc[e][4] += b->w;

            for (k = 0; k < 4; k++) {
                acc[e][k] += b->sum[k];
            }
        }

        if (round == NGX_HTTP_OVERLAY_QUANT_ROUNDS || q->total == q->n) {
            break;
        }

        for (e = q->n; e < q->total; e++) {
            if (acc[e][4] == 0) {
                continue;
            }

            for (k = 0; k < 4; k++) {
                q->pal[e][k] = (int) ((acc[e][k] + acc[e][4] / 2)
                                      / acc[e][4]);
            }
        }
    }

    free(idx);

    for (e = q->n; e < q->total; e++) {
        for (k = 0; k < 4; k++) {
            rgba[4 * e + k] = (unsigned char) q->pal[e][k];
        }
    }

    return q->total;
}


/*
 * The median cut of the m buckets of idx into at most k boxes; the boxes'
 * means become entries q->n on; their count is returned.
 */

static unsigned
ngx_http_overlay_quant_cut(ngx_http_overlay_quant_t *q, unsigned *idx,
    unsigned m, unsigned k)
{
    int                            axis, mean[4];
    unsigned                       nbox, i, best, j, c;
    unsigned long long             w, half, sum[5];
    ngx_http_overlay_quant_box_t   box[256];

    if (k > 256) {
        k = 256;
    }

    box[0].start = 0;
    box[0].end = m;
    ngx_http_overlay_quant_measure(q, idx, &box[0], &axis, mean);
    nbox = 1;

    while (nbox < k) {
        best = 0;

        for (i = 1; i < nbox; i++) {
            if (box[i].score > box[best].score) {
                best = i;
            }
        }

        if (box[best].score <= 0 || box[best].end - box[best].start < 2) {
            break;
        }

        ngx_http_overlay_quant_measure(q, idx, &box[best], &axis, mean);
        ngx_http_overlay_quant_sort(q, idx + box[best].start,
                                    box[best].end - box[best].start, axis,
                                    idx + m);

        /* the weighted median, both halves not empty */

        w = 0;

        for (i = box[best].start; i < box[best].end; i++) {
            w += q->buckets[idx[i]].w;
        }

        half = w / 2;
        w = 0;

        for (i = box[best].start; i < box[best].end - 1; i++) {
            w += q->buckets[idx[i]].w;

            if (w >= half) {
                break;
            }
        }

        if (i == box[best].end - 1) {
            i--;                                /* the last one weighs most */
        }

        box[nbox].start = i + 1;
        box[nbox].end = box[best].end;
        box[best].end = i + 1;

        ngx_http_overlay_quant_measure(q, idx, &box[best], &axis, mean);
        ngx_http_overlay_quant_measure(q, idx, &box[nbox], &axis, mean);
        nbox++;
    }

    for (j = 0; j < nbox; j++) {
        memset(sum, 0, sizeof(sum));

        for (i = box[j].start; i < box[j].end; i++) {
            for (c = 0; c < 4; c++) {
                sum[c] += q->buckets[idx[i]].sum[c];
            }

            sum[4] += q->buckets[idx[i]].w;
        }

        for (c = 0; c < 4; c++) {
            q->pal[q->n + j][c] = (int) ((sum[c] + sum[4] / 2) / sum[4]);
        }

        q->skip[q->n + j] = 0;
    }

    return nbox;
}


/* a box's squared error, the channel of its widest spread, its mean */

static void
ngx_http_overlay_quant_measure(ngx_http_overlay_quant_t *q,
    const unsigned *idx, ngx_http_overlay_quant_box_t *box, int *axis,
    int *mean)
{
    int                               c;
    double                            w, s[4], s2[4], var, best;
    unsigned                          i;
    ngx_http_overlay_quant_bucket_t  *b;

    w = 0;

    for (c = 0; c < 4; c++) {
        s[c] = 0;
        s2[c] = 0;
    }

    for (i = box->start; i < box->end; i++) {
        b = &q->buckets[idx[i]];
        w += (double) b->w;

        for (c = 0; c < 4; c++) {
            s[c] += (double) b->w * b->mean[c];
            s2[c] += (double) b->w * b->mean[c] * b->mean[c];
        }
    }

    box->score = 0;
    best = -1;
    *axis = 0;

    for (c = 0; c < 4; c++) {
        mean[c] = w > 0 ? (int) (s[c] / w + 0.5) : 0;
        var = w > 0 ? s2[c] - s[c] * s[c] / w : 0;
        box->score += var;

        if (var > best) {
            best = var;
            *axis = c;
        }
    }
}


/* the m buckets of idx by their mean in one channel: a counting sort */

static void
ngx_http_overlay_quant_sort(ngx_http_overlay_quant_t *q, unsigned *idx,
    unsigned m, int axis, unsigned *tmp)
{
    unsigned  i, v, count[257];

    memset(count, 0, sizeof(count));

    for (i = 0; i < m; i++) {
        count[q->buckets[idx[i]].mean[axis] + 1]++;
    }

    for (v = 1; v < 257; v++) {
        count[v] += count[v - 1];
    }

    for (i = 0; i < m; i++) {
        tmp[count[q->buckets[idx[i]].mean[axis]]++] = idx[i];
    }

    memcpy(idx, tmp, m * sizeof(unsigned));
}


/* the usable entry in [from, to) nearest c; *dist: LONG_MAX for none */

static unsigned
ngx_http_overlay_quant_nearest(const ngx_http_overlay_quant_t *q,
    const int *c, unsigned from, unsigned to, long *dist)
{
    long      d, best;
    unsigned  e, found;
    int       dr, dg, db, da;

    best = 0x7fffffffL;
    found = 0;

    for (e = from; e < to; e++) {
        if (q->skip[e]) {
            continue;
        }

        dr = c[0] - q->pal[e][0];
        dg = c[1] - q->pal[e][1];
        db = c[2] - q->pal[e][2];
        da = c[3] - q->pal[e][3];
        d = (long) dr * dr + (long) dg * dg + (long) db * db
            + (long) da * da;

        if (d < best) {
            best = d;
            found = e;

            if (d == 0) {
                break;
            }
        }
    }

    *dist = best;

    return found;
}


unsigned
ngx_http_overlay_quant_map(ngx_http_overlay_quant_t *q, uint32_t rgba)
{
    unsigned  s, e, k;
    uint32_t  key;
    double    d;

    key = (rgba >> q->shift) & (0x01010101u * (0xffu >> q->shift));
    s = ngx_http_overlay_quant_slot(q, key);

    e = q->slots[s] != 0 ? q->buckets[q->slots[s] - 1].entry : 0;

    for (k = 0; k < 4; k++) {
        d = (double) ((int) ((rgba >> (24 - 8 * k)) & 0xff) - q->pal[e][k]);
        q->sse += d * d;
    }

    q->count++;

    return e;
}


double
ngx_http_overlay_quant_psnr(const ngx_http_overlay_quant_t *q,
    unsigned channels)
{
    double  mse;

    if (q->sse == 0 || q->count == 0) {
        return 99.0;
    }

    mse = q->sse / ((double) q->count * channels);

    return 10.0 * log10(255.0 * 255.0 / mse);
}


void
ngx_http_overlay_quant_destroy(ngx_http_overlay_quant_t *q)
{
    free(q);
}


int
ngx_http_overlay_quant_index(unsigned char *rgba, unsigned n,
    const unsigned char *skip, const uint32_t *blend, short *index,
    size_t count, unsigned channels, unsigned *total, double *psnr)
{
    size_t                     i;
    ngx_http_overlay_quant_t  *q;

    q = ngx_http_overlay_quant_create(rgba, n, skip);
    if (q == NULL) {
        return -1;
    }

    for (i = 0; i < count; i++) {
        if (index[i] != -1) {
            ngx_http_overlay_quant_add(q, blend[i]);
        }
    }

    *total = ngx_http_overlay_quant_build(q, rgba);

    if (*total == 0) {
        ngx_http_overlay_quant_destroy(q);
        return -1;
    }

    for (i = 0; i < count; i++) {
        if (index[i] != -1) {
            index[i] = (short) ngx_http_overlay_quant_map(q, blend[i]);
        }
    }

    *psnr = ngx_http_overlay_quant_psnr(q, channels);

    ngx_http_overlay_quant_destroy(q);

    return 0;
}
