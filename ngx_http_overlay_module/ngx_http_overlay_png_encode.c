
/*
 * ngx_http_overlay_module: the PNG encoder (ngx_http_overlay_png_encode.h).
 *
 * A plain image is filtered in place, bottom row first (a row's filters
 * read the row above it unfiltered), so that the rows themselves are
 * what libdeflate compresses; an Adam7 image is gathered pass by pass
 * into a buffer of its own.  The output is allocated once, at libdeflate's
 * bound, and the compressed stream written straight into its IDAT.
 */


#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "ngx_http_overlay_png_encode.h"


/* the filter types of PNG */
#define NGX_HTTP_OVERLAY_PNG_NONE   0
#define NGX_HTTP_OVERLAY_PNG_SUB    1
#define NGX_HTTP_OVERLAY_PNG_UP     2
#define NGX_HTTP_OVERLAY_PNG_AVG    3
#define NGX_HTTP_OVERLAY_PNG_PAETH  4


static size_t ngx_http_overlay_png_rowbytes(
    const ngx_http_overlay_png_image_t *im, unsigned n);
static unsigned char *ngx_http_overlay_png_plain(
    ngx_http_overlay_png_image_t *im, unsigned char *scratch,
    size_t *len);
static unsigned char *ngx_http_overlay_png_adam7(
    ngx_http_overlay_png_image_t *im, unsigned char *scratch,
    size_t *len);
static void ngx_http_overlay_png_gather(
    const ngx_http_overlay_png_image_t *im, unsigned y, unsigned x0,
    unsigned dx, unsigned n, unsigned char *out);
static void ngx_http_overlay_png_filter(unsigned char *out,
    const unsigned char *cur, const unsigned char *prev, size_t n,
    unsigned bpp, unsigned char *scratch);
static void ngx_http_overlay_png_filter_grey(unsigned char *row,
    const unsigned char *prev, size_t n, unsigned char *scratch);
static void ngx_http_overlay_png_sub(unsigned char *out,
    const unsigned char *cur, size_t n, unsigned bpp,
    unsigned char *scratch);
static unsigned char *ngx_http_overlay_png_chunk(unsigned char *p,
    const char *type, const unsigned char *data, size_t len);
static void ngx_http_overlay_png_free(void *data);


/* the passes of Adam7: first column and row, steps across and down */
static const unsigned char  ngx_http_overlay_png_passes[7][4] = {
    { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
    { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 }
};


unsigned
ngx_http_overlay_png_channels(unsigned colour)
{
    switch (colour) {

    case 0:
    case 3:
        return 1;

    case 2:
        return 3;

    case 4:
        return 2;

    case 6:
        return 4;

    default:
        return 0;
    }
}


ngx_http_overlay_rc_e
ngx_http_overlay_png_encode(ngx_http_overlay_png_image_t *im,
    ngx_http_overlay_blob_t *out, ngx_http_overlay_error_t *err)
{
    size_t                          len, bound, size, zlen;
    unsigned char                  *data, *p, *scratch, *filtered;
    unsigned char                   ihdr[13];
    struct libdeflate_compressor   *c;

    out->data = NULL;
    out->len = 0;
    out->free = NULL;

    /* the four candidates of a row's filters, a row of the widest pass */

    scratch = malloc(4 * ngx_http_overlay_png_rowbytes(im, im->width) + 16);
    if (scratch == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    filtered = im->interlace ? ngx_http_overlay_png_adam7(im, scratch, &len)
                             : ngx_http_overlay_png_plain(im, scratch, &len);

    free(scratch);

    if (filtered == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    c = libdeflate_alloc_compressor(len <= NGX_HTTP_OVERLAY_PNG_LARGE
                                    ? NGX_HTTP_OVERLAY_PNG_LEVEL
                                    : im->depth == 16
                                    ? NGX_HTTP_OVERLAY_PNG_LEVEL_16
                                    : NGX_HTTP_OVERLAY_PNG_LEVEL_LARGE);
    if (c == NULL) {
        if (filtered != im->rows) {
            free(filtered);
        }

        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "libdeflate_alloc_compressor() "
                                      "failed");
    }

    bound = libdeflate_zlib_compress_bound(c, len);

    size = 8 + 25 + im->chunks_len + 12 + 3 * im->npalette + 12 + im->ntrns
           + 12 + bound + 12;

    data = malloc(size);
    if (data == NULL) {
        libdeflate_free_compressor(c);

        if (filtered != im->rows) {
            free(filtered);
        }

        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "malloc() failed");
    }

    p = data;
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p += 8;

    ngx_http_overlay_png_put32(ihdr, im->width);
    ngx_http_overlay_png_put32(ihdr + 4, im->height);
    ihdr[8] = (unsigned char) im->depth;
    ihdr[9] = (unsigned char) im->colour;
    ihdr[10] = 0;
    ihdr[11] = 0;
    ihdr[12] = (unsigned char) im->interlace;
    p = ngx_http_overlay_png_chunk(p, "IHDR", ihdr, 13);

    if (im->chunks_len) {
        memcpy(p, im->chunks, im->chunks_len);
        p += im->chunks_len;
    }

    if (im->colour == 3) {
        p = ngx_http_overlay_png_chunk(p, "PLTE", im->palette,
                                       3 * im->npalette);
    }

    if (im->ntrns) {
        p = ngx_http_overlay_png_chunk(p, "tRNS", im->trns, im->ntrns);
    }

    zlen = libdeflate_zlib_compress(c, filtered, len, p + 8, bound);

    libdeflate_free_compressor(c);

    if (filtered != im->rows) {
        free(filtered);
    }

    if (zlen == 0 || zlen > 0x7fffffff) {
        free(data);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_RENDER_FAILED,
                                      "png: %zu bytes of rows do not deflate "
                                      "into one IDAT", len);
    }

    /* the IDAT's data is in place already: its length, type and CRC */

    p = ngx_http_overlay_png_chunk(p, "IDAT", NULL, zlen);
    p = ngx_http_overlay_png_chunk(p, "IEND", NULL, 0);

    out->data = data;
    out->len = (size_t) (p - data);
    out->free = ngx_http_overlay_png_free;

    return NGX_HTTP_OVERLAY_OK;
}


/* the bytes of n pixels of a row, packed */

static size_t
ngx_http_overlay_png_rowbytes(const ngx_http_overlay_png_image_t *im,
    unsigned n)
{
    return ((size_t) n * ngx_http_overlay_png_channels(im->colour)
            * im->depth + 7) / 8;
}


/*
 * In place: rows of 8 and 16 bits are filtered bottom up; rows of fewer
 * bits are packed and moved down to their packed places (never past the
 * bytes still to be read), with no filter.
 */

static unsigned char *
ngx_http_overlay_png_plain(ngx_http_overlay_png_image_t *im,
    unsigned char *scratch, size_t *len)
{
    size_t          rowbytes, bpp;
    unsigned        y;
    unsigned char  *row;

    rowbytes = ngx_http_overlay_png_rowbytes(im, im->width);

    if (im->depth < 8) {

        for (y = 0; y < im->height; y++) {
            row = im->rows + y * (rowbytes + 1);
            ngx_http_overlay_png_gather(im, y, 0, 1, im->width, scratch);
            row[0] = NGX_HTTP_OVERLAY_PNG_NONE;
            memcpy(row + 1, scratch, rowbytes);
        }

        *len = im->height * (rowbytes + 1);

        return im->rows;
    }

    bpp = rowbytes / im->width;

    for (y = im->height; y-- > 0; /* void */) {
        row = im->rows + y * im->stride;

        if (im->colour == 3) {
            row[0] = NGX_HTTP_OVERLAY_PNG_NONE;
            continue;
        }

        if (im->depth == 16) {
            ngx_http_overlay_png_sub(row, row + 1, rowbytes, bpp, scratch);
            continue;
        }

        if (im->grey && y > 0 && (y < im->grey_y0 || y > im->grey_y1)) {
            ngx_http_overlay_png_filter_grey(row, row + 1 - im->stride,
                                             rowbytes, scratch);
            continue;
        }

        ngx_http_overlay_png_filter(row, row + 1,
                                    y > 0 ? row + 1 - im->stride : NULL,
                                    rowbytes, bpp, scratch);
    }

    *len = im->height * im->stride;

    return im->rows;
}


static unsigned char *
ngx_http_overlay_png_adam7(ngx_http_overlay_png_image_t *im,
    unsigned char *scratch, size_t *len)
{
    size_t          size, rowbytes, bpp;
    unsigned        pass, w, h, y, x0, y0, dx, dy;
    unsigned char  *data, *p, *cur, *prev, *t;

    size = 0;

    for (pass = 0; pass < 7; pass++) {
        x0 = ngx_http_overlay_png_passes[pass][0];
        y0 = ngx_http_overlay_png_passes[pass][1];
        dx = ngx_http_overlay_png_passes[pass][2];
        dy = ngx_http_overlay_png_passes[pass][3];

        if (im->width <= x0 || im->height <= y0) {
            continue;
        }

        w = (im->width - x0 + dx - 1) / dx;
        h = (im->height - y0 + dy - 1) / dy;
        size += h * (ngx_http_overlay_png_rowbytes(im, w) + 1);
    }

    rowbytes = ngx_http_overlay_png_rowbytes(im, im->width);

    data = malloc(size + 2 * rowbytes + 2);
    if (data == NULL) {
        return NULL;
    }

    /* the unfiltered row and the one above it, after the filtered data */

    cur = data + size;
    prev = cur + rowbytes + 1;
    bpp = rowbytes / im->width;

    if (bpp == 0) {
        bpp = 1;
    }

    p = data;

    for (pass = 0; pass < 7; pass++) {
        x0 = ngx_http_overlay_png_passes[pass][0];
        y0 = ngx_http_overlay_png_passes[pass][1];
        dx = ngx_http_overlay_png_passes[pass][2];
        dy = ngx_http_overlay_png_passes[pass][3];

        if (im->width <= x0 || im->height <= y0) {
            continue;
        }

        w = (im->width - x0 + dx - 1) / dx;
        rowbytes = ngx_http_overlay_png_rowbytes(im, w);

        for (y = y0; y < im->height; y += dy) {
            ngx_http_overlay_png_gather(im, y, x0, dx, w, cur);

            if (im->colour == 3 || im->depth < 8) {
                p[0] = NGX_HTTP_OVERLAY_PNG_NONE;
                memcpy(p + 1, cur, rowbytes);

            } else if (im->depth == 16) {
                ngx_http_overlay_png_sub(p, cur, rowbytes, bpp, scratch);

            } else {
                ngx_http_overlay_png_filter(p, cur, y > y0 ? prev : NULL,
                                            rowbytes, bpp, scratch);
            }

            p += rowbytes + 1;

            t = prev;
            prev = cur;
            cur = t;
        }
    }

    *len = size;

    return data;
}


/* n pixels of row y, from column x0 in steps of dx, packed into out */

static void
ngx_http_overlay_png_gather(const ngx_http_overlay_png_image_t *im,
    unsigned y, unsigned x0, unsigned dx, unsigned n, unsigned char *out)
{
    unsigned              i, bits, shift, acc;
    size_t                bpp;
    const unsigned char  *row;

    row = im->rows + y * im->stride + 1;

    if (im->depth >= 8) {
        bpp = ngx_http_overlay_png_channels(im->colour) * (im->depth / 8);

        if (dx == 1) {
            memmove(out, row + x0 * bpp, n * bpp);
            return;
        }

        for (i = 0; i < n; i++) {
            memcpy(out + i * bpp, row + (x0 + i * dx) * bpp, bpp);
        }

        return;
    }

    /* one sample a pixel (grey, palette), most significant bits first */

    bits = im->depth;
    acc = 0;
    shift = 8;

    for (i = 0; i < n; i++) {
        shift -= bits;
        acc |= (row[x0 + i * dx] & ((1u << bits) - 1)) << shift;

        if (shift == 0) {
            *out++ = (unsigned char) acc;
            acc = 0;
            shift = 8;
        }
    }

    if (shift != 8) {
        *out = (unsigned char) acc;
    }
}


/*
 * The filter of least sum of magnitudes, as libpng chooses: out[0] is its
 * type, out + 1 its n bytes; out + 1 may be cur itself.  Filtering reads
 * only unfiltered bytes: each filter is a loop of its own, which the
 * compiler vectorizes (at -O3: GCC's -O2 does not), in narrow lanes: the
 * magnitudes in bytes, Paeth's predictor in 16 bits, the sums in 32 (a
 * third of the instructions of ints and size_t sums).  A row of more than
 * NGX_HTTP_OVERLAY_PNG_SUM_MAX bytes, whose sums 32 bits may not hold,
 * takes Sub.
 */

#define NGX_HTTP_OVERLAY_PNG_SUM_MAX  (UINT32_MAX / 128)

#if (defined __GNUC__ && !defined __clang__)
#pragma GCC push_options
#pragma GCC optimize ("O3")
#endif

static void
ngx_http_overlay_png_filter(unsigned char *out, const unsigned char *cur,
    const unsigned char *prev, size_t n, unsigned bpp,
    unsigned char *scratch)
{
    size_t                          i, best;
    uint32_t                        sum[5];
    unsigned char                   v;
    unsigned char *restrict         f;
    const unsigned char *restrict   x, *restrict y;

    /*
     * a byte's magnitude as a signed number: v, or 256 - v: the lesser of
     * v and -v in 8 bits, which vectorizes in bytes (pminub)
     */

#define ngx_http_overlay_png_mag(v)                                           \
    ((unsigned char) (v) < (unsigned char) -(v) ? (unsigned char) (v)         \
                                                : (unsigned char) -(v))

    if (n > NGX_HTTP_OVERLAY_PNG_SUM_MAX) {
        ngx_http_overlay_png_sub(out, cur, n, bpp, scratch);
        return;
    }

    if (bpp > n) {
        bpp = n;
    }

    x = cur;
    y = prev;

    sum[0] = 0;

    for (i = 0; i < n; i++) {
        v = x[i];
        sum[0] += ngx_http_overlay_png_mag(v);
    }

    /* sub */

    f = scratch;
    sum[1] = 0;

    for (i = 0; i < bpp; i++) {
        v = x[i];
        f[i] = v;
        sum[1] += ngx_http_overlay_png_mag(v);
    }

    for (i = bpp; i < n; i++) {
        v = (unsigned char) (x[i] - x[i - bpp]);
        f[i] = v;
        sum[1] += ngx_http_overlay_png_mag(v);
    }

    if (y == NULL) {

        /* the first row: up is none, Paeth is sub, average is half sub */

        sum[2] = sum[0] + 1;
        sum[4] = sum[1] + 1;

        f = scratch + 2 * n;
        sum[3] = 0;

        for (i = 0; i < bpp; i++) {
            v = x[i];
            f[i] = v;
            sum[3] += ngx_http_overlay_png_mag(v);
        }

        for (i = bpp; i < n; i++) {
            v = (unsigned char) (x[i] - (x[i - bpp] >> 1));
            f[i] = v;
            sum[3] += ngx_http_overlay_png_mag(v);
        }

        goto choose;
    }

    /* up */

    f = scratch + n;
    sum[2] = 0;

    for (i = 0; i < n; i++) {
        v = (unsigned char) (x[i] - y[i]);
        f[i] = v;
        sum[2] += ngx_http_overlay_png_mag(v);
    }

    /* average */

    f = scratch + 2 * n;
    sum[3] = 0;

    for (i = 0; i < bpp; i++) {
        v = (unsigned char) (x[i] - (y[i] >> 1));
        f[i] = v;
        sum[3] += ngx_http_overlay_png_mag(v);
    }

    for (i = bpp; i < n; i++) {
        v = (unsigned char) (x[i] - ((x[i - bpp] + y[i]) >> 1));
        f[i] = v;
        sum[3] += ngx_http_overlay_png_mag(v);
    }

    /* Paeth: of the first pixel, up */

    f = scratch + 3 * n;
    sum[4] = 0;

    for (i = 0; i < bpp; i++) {
        v = (unsigned char) (x[i] - y[i]);
        f[i] = v;
        sum[4] += ngx_http_overlay_png_mag(v);
    }

    for (i = bpp; i < n; i++) {
        v = (unsigned char) (x[i] - ngx_http_overlay_png_paeth(x[i - bpp], y[i],
                                                               y[i - bpp]));
        f[i] = v;
        sum[4] += ngx_http_overlay_png_mag(v);
    }

#undef ngx_http_overlay_png_mag

choose:

    best = NGX_HTTP_OVERLAY_PNG_NONE;

    for (i = 1; i < 5; i++) {
        if (sum[i] < sum[best]) {
            best = i;
        }
    }

    out[0] = (unsigned char) best;

    if (best == NGX_HTTP_OVERLAY_PNG_NONE) {
        if (out + 1 != cur) {
            memmove(out + 1, cur, n);
        }

        return;
    }

    memcpy(out + 1, scratch + (best - 1) * n, n);
}


/*
 * A row of grey made RGB, and the row above it, both R = G = B: each
 * filter's bytes are the grey row's filtered bytes three times each, their
 * sums three times the grey's (but for the first row, not taken here), so
 * the choice is the same: the grey samples are filtered (bpp 1), then
 * tripled.  row[0] takes the type, row + 1 the n filtered bytes.
 */

static void
ngx_http_overlay_png_filter_grey(unsigned char *row,
    const unsigned char *prev, size_t n, unsigned char *scratch)
{
    size_t                          i, g;
    unsigned char *restrict         cur, *restrict up, *restrict f;
    const unsigned char *restrict   x;

    g = n / 3;
    cur = scratch + 4 * g;
    up = scratch + 5 * g;
    f = scratch + 6 * g;

    for (i = 0; i < g; i++) {
        cur[i] = row[1 + 3 * i];
        up[i] = prev[3 * i];
    }

    ngx_http_overlay_png_filter(f, cur, up, g, 1, scratch);

    row[0] = f[0];
    x = f + 1;

    for (i = 0; i < g; i++) {
        row[1 + 3 * i] = x[i];
        row[2 + 3 * i] = x[i];
        row[3 + 3 * i] = x[i];
    }
}


/*
 * Sub for every row of 16-bit samples: on a 16-bit photo, whose low bytes
 * are noise to any filter, 0.993 times the size of the rows filtered by
 * the heuristic, in 2% of its instructions (README, "Performance").
 * out + 1 may be cur itself: the row is filtered into scratch first.
 */

static void
ngx_http_overlay_png_sub(unsigned char *out, const unsigned char *cur,
    size_t n, unsigned bpp, unsigned char *scratch)
{
    size_t                          i;
    unsigned char *restrict         f;
    const unsigned char *restrict   x;

    if (bpp > n) {
        bpp = n;
    }

    x = cur;
    f = scratch;

    for (i = 0; i < bpp; i++) {
        f[i] = x[i];
    }

    for (i = bpp; i < n; i++) {
        f[i] = (unsigned char) (x[i] - x[i - bpp]);
    }

    out[0] = NGX_HTTP_OVERLAY_PNG_SUB;
    memcpy(out + 1, scratch, n);
}

#if (defined __GNUC__ && !defined __clang__)
#pragma GCC pop_options
#endif


/*
 * A chunk at p: its length, type, data (NULL: the data is at p + 8
 * already) and CRC; the end of it.
 */

static unsigned char *
ngx_http_overlay_png_chunk(unsigned char *p, const char *type,
    const unsigned char *data, size_t len)
{
    ngx_http_overlay_png_put32(p, len);
    memcpy(p + 4, type, 4);

    if (data != NULL && len > 0) {
        memcpy(p + 8, data, len);
    }

    ngx_http_overlay_png_put32(p + 8 + len,
                               libdeflate_crc32(0, p + 4, len + 4));

    return p + 12 + len;
}


void
ngx_http_overlay_png_put32(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


static void
ngx_http_overlay_png_free(void *data)
{
    free(data);
}
