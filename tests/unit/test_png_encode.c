
/*
 * Unit tests of ngx_http_overlay_png_encode.c: for every colour type and
 * depth, plain and Adam7, with PLTE and tRNS, the encoder's filtered rows
 * (inflated) are byte for byte those of libpng's writer on the same
 * samples (libpng's filter heuristic, libpng's Adam7 passes and packing),
 * with the same IHDR, PLTE and tRNS; the chunks given come after IHDR, and
 * libpng reads the output without a warning.
 */


#include <libdeflate.h>
#include <png.h>

#include "unit.h"
#include "ngx_http_overlay_png_encode.h"
#include "ngx_http_overlay_bytes.h"


static unsigned char *png_idat(const unsigned char *png, size_t len,
    size_t expect, size_t *out);
static void png_fill(ngx_http_overlay_png_image_t *im);
static void png_encode_grey(void);
static void png_reads_as(const char *name, const unsigned char *png,
    size_t len, const unsigned char *ref, size_t ref_len);


void
test_png_encode(void)
{
    int                            i, k, interlace, trns, colour, depth;
    char                           name[64];
    size_t                         len, ilen, olen, n1, n2;
    unsigned char                 *ref, *a, *b;
    const unsigned char           *c1, *c2;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_blob_t        out;
    ngx_http_overlay_error_t       err;
    ngx_http_overlay_png_image_t   im;

    static const struct {
        int                        colour;
        int                        depth;
    } kinds[] = {
        { 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { 0, 16 }, { 2, 8 },
        { 2, 16 }, { 3, 1 }, { 3, 2 }, { 3, 4 }, { 3, 8 }, { 4, 8 },
        { 4, 16 }, { 6, 8 }, { 6, 16 }
    };

    /* make_png()'s pHYs, as a chunk a source would have, and its CRC */

    unsigned char  phys[21] = {
        0, 0, 0, 9, 'p', 'H', 'Y', 's', 0, 0, 0x2e, 0x23, 0, 0, 0x17, 0x12,
        1, 0, 0, 0, 0
    };
    unsigned long  crc;

    crc = libdeflate_crc32(0, phys + 4, 13);
    phys[17] = (unsigned char) (crc >> 24);
    phys[18] = (unsigned char) (crc >> 16);
    phys[19] = (unsigned char) (crc >> 8);
    phys[20] = (unsigned char) crc;

    for (i = 0; i < (int) (sizeof(kinds) / sizeof(kinds[0])) * 4; i++) {
        k = i / 4;
        interlace = i & 1;
        trns = (i & 2) != 0;
        colour = kinds[k].colour;
        depth = kinds[k].depth;

        if (trns && (colour & 4)) {
            continue;
        }

        snprintf(name, sizeof(name), "type %d, %d-bit%s%s", colour, depth,
                 interlace ? ", Adam7" : "", trns ? ", tRNS" : "");

        /* odd sizes: passes of every width, an empty one at 1 pixel */

        ref = make_png(37, 21, colour, depth, interlace, trns, &len);
        if (ref == NULL) {
            CHECK(0, "%s: libpng's", name);
            continue;
        }

        memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
        im.width = 37;
        im.height = 21;
        im.colour = (unsigned) colour;
        im.depth = (unsigned) depth;
        im.interlace = (unsigned) interlace;
        im.chunks = phys;
        im.chunks_len = sizeof(phys);

        c1 = png_chunk_find(ref, len, "PLTE", &n1);
        if (c1 != NULL) {
            memcpy(im.palette, c1, n1);
            im.npalette = (unsigned) (n1 / 3);
        }

        c1 = png_chunk_find(ref, len, "tRNS", &n1);
        if (c1 != NULL) {
            memcpy(im.trns, c1, n1);
            im.ntrns = (unsigned) n1;
        }

        png_fill(&im);

        rc = ngx_http_overlay_png_encode(&im, &out, &err);
        free(im.rows);

        CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: encoded: %s", name, err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            free(ref);
            continue;
        }

        CHECK(memcmp(out.data + 8, ref + 8, 8 + 13 + 4) == 0,
              "%s: IHDR as libpng's", name);
        c1 = png_chunk_find(ref, len, "pHYs", &n1);
        CHECK(memcmp(out.data + 33, phys, sizeof(phys)) == 0
              && c1 != NULL && memcmp(c1 - 8, phys, sizeof(phys)) == 0,
              "%s: the chunks given, after IHDR", name);

        c1 = png_chunk_find(ref, len, "PLTE", &n1);
        c2 = png_chunk_find(out.data, out.len, "PLTE", &n2);
        CHECK((c1 == NULL && c2 == NULL)
              || (c1 != NULL && c2 != NULL && n1 == n2
                  && memcmp(c1, c2, n1) == 0), "%s: PLTE", name);

        c1 = png_chunk_find(ref, len, "tRNS", &n1);
        c2 = png_chunk_find(out.data, out.len, "tRNS", &n2);
        CHECK((c1 == NULL && c2 == NULL)
              || (c1 != NULL && c2 != NULL && n1 == n2
                  && memcmp(c1, c2, n1) == 0), "%s: tRNS", name);

        /*
         * the filtered rows, inflated: libpng's heuristic, byte for byte
         * (16 bits: Sub, which make_png() asks of libpng too)
         */

        a = png_idat(ref, len, 0, &ilen);
        b = a != NULL ? png_idat(out.data, out.len, ilen, &olen) : NULL;

        CHECK(a != NULL && b != NULL && ilen == olen
              && memcmp(a, b, ilen) == 0,
              "%s: filtered rows as libpng's (%zu and %zu bytes)", name,
              a != NULL ? ilen : 0, b != NULL ? olen : 0);

        free(a);
        free(b);

        /* libpng reads it, every sample as it was */

        png_reads_as(name, out.data, out.len, ref, len);

        ngx_http_overlay_codec_free(&out);
        free(ref);
    }

    png_encode_grey();
}


/*
 * Grey made RGB (im->grey): the rows outside the overlay's, filtered as
 * grey and tripled, are byte for byte the rows the heuristic makes of
 * them in RGB (above: libpng's), wherever the band is.
 */

static void
png_encode_grey(void)
{
    int                            i, k;
    unsigned                       x, y, g, w, h;
    unsigned char                 *p, *rows;
    ngx_http_overlay_rc_e          rc[2];
    ngx_http_overlay_blob_t        out[2];
    ngx_http_overlay_error_t       err;
    ngx_http_overlay_png_image_t   im;

    static const unsigned  bands[][4] = {
        { 37, 21, 8, 13 }, { 37, 21, 0, 3 }, { 37, 21, 17, 21 },
        { 301, 64, 1, 2 }, { 301, 64, 30, 60 }, { 2, 9, 4, 5 }
    };

    for (i = 0; i < (int) (sizeof(bands) / sizeof(bands[0])); i++) {
        w = bands[i][0];
        h = bands[i][1];

        memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
        im.width = w;
        im.height = h;
        im.colour = 2;
        im.depth = 8;
        im.stride = 1 + (size_t) w * 3;

        rows = calloc(h, im.stride);

        for (y = 0; y < h; y++) {
            p = rows + y * im.stride + 1;

            for (x = 0; x < w; x++, p += 3) {
                g = png_sample((int) x, (int) y, 0) & 0xff;
                p[0] = p[1] = p[2] = (unsigned char) g;

                if (y >= bands[i][2] && y < bands[i][3] && x % 5 != 0) {
                    p[1] = (unsigned char) (png_sample((int) x, (int) y, 1)
                                            & 0xff);
                    p[2] = (unsigned char) (g ^ 0x55);
                }
            }
        }

        for (k = 0; k < 2; k++) {
            im.rows = malloc(h * im.stride);
            memcpy(im.rows, rows, h * im.stride);
            im.grey = (unsigned) k;
            im.grey_y0 = bands[i][2];
            im.grey_y1 = bands[i][3];

            rc[k] = ngx_http_overlay_png_encode(&im, &out[k], &err);
            free(im.rows);
        }

        CHECK(rc[0] == NGX_HTTP_OVERLAY_OK && rc[1] == NGX_HTTP_OVERLAY_OK
              && out[0].len == out[1].len
              && memcmp(out[0].data, out[1].data, out[0].len) == 0,
              "grey as RGB, %ux%u, band %u-%u: as the RGB rows filtered",
              w, h, bands[i][2], bands[i][3]);

        for (k = 0; k < 2; k++) {
            if (rc[k] == NGX_HTTP_OVERLAY_OK) {
                ngx_http_overlay_codec_free(&out[k]);
            }
        }

        free(rows);
    }
}


/* the samples make_png() writes, unpacked, in rows with their spare byte */

static void
png_fill(ngx_http_overlay_png_image_t *im)
{
    unsigned        x, y, c, n, v, max;
    unsigned char  *p;

    n = ngx_http_overlay_png_channels(im->colour);
    max = (1u << im->depth) - 1;

    im->stride = 1 + (size_t) im->width * n * (im->depth == 16 ? 2 : 1);
    im->rows = calloc(im->height, im->stride);

    for (y = 0; y < im->height; y++) {
        p = im->rows + y * im->stride + 1;

        for (x = 0; x < im->width; x++) {
            for (c = 0; c < n; c++) {
                v = png_sample((int) x, (int) y, (int) c);

                if (im->colour == 3) {
                    *p++ = (unsigned char) (v % im->npalette);

                } else if (im->depth == 16) {
                    *p++ = (unsigned char) (v >> 8);
                    *p++ = (unsigned char) v;

                } else {
                    *p++ = (unsigned char) (v & max);
                }
            }
        }
    }
}


/* the IDATs' data inflated (expect: its size, 0: up to 16 MB); malloc()ed */

static unsigned char *
png_idat(const unsigned char *png, size_t len, size_t expect, size_t *out)
{
    size_t                            pos, chunk, zlen, room;
    unsigned char                    *z, *data;
    enum libdeflate_result            r;
    struct libdeflate_decompressor   *d;

    z = malloc(len);
    zlen = 0;

    for (pos = 8; pos + 12 <= len; pos += chunk + 12) {
        chunk = ngx_http_overlay_be32(png + pos);

        if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
            memcpy(z + zlen, png + pos + 8, chunk);
            zlen += chunk;
        }
    }

    room = expect ? expect : 16 * 1024 * 1024;
    data = malloc(room);
    d = libdeflate_alloc_decompressor();

    r = libdeflate_zlib_decompress(d, z, zlen, data, room, out);

    libdeflate_free_decompressor(d);
    free(z);

    if (r != LIBDEFLATE_SUCCESS) {
        free(data);
        return NULL;
    }

    return data;
}


/* libpng's simplified reader: both at 16 bits RGBA, alike, no warning */

static void
png_reads_as(const char *name, const unsigned char *png, size_t len,
    const unsigned char *ref, size_t ref_len)
{
    int              warned, ref_warned;
    char             msg[64], ref_msg[64];
    unsigned         w, h, rw, rh;
    unsigned short  *a, *b;

    a = png_read_linear(png, len, &w, &h, msg, &warned);
    b = png_read_linear(ref, ref_len, &rw, &rh, ref_msg, &ref_warned);

    CHECK(a != NULL && b != NULL && !warned && w == rw && h == rh
          && memcmp(a, b, (size_t) w * h * 8) == 0,
          "%s: libpng reads it as the reference: %s", name, msg);

    free(a);
    free(b);
}
