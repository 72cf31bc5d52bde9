
/*
 * ngx_http_overlay_module: a PNG's image data inflated by libdeflate
 * (ngx_http_overlay_png_inflate.h).
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_png_encode.h"
#include "ngx_http_overlay_png_inflate.h"


/* a zlib stream of no data: one empty final stored block, Adler-32 1 */
static const unsigned char  ngx_http_overlay_png_empty[] = {
    0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01
};


unsigned char *
ngx_http_overlay_png_inflate(const unsigned char *d, size_t len, size_t raw,
    size_t *at, size_t *idat_end, size_t *idat_len, unsigned char **rows)
{
    size_t                            pos, end, chunk, zlen, blocks;
    size_t                            size, i, n, got;
    uint32_t                          adler;
    unsigned char                    *z, *p, *q, *r;
    struct libdeflate_decompressor   *dc;
    enum libdeflate_result            res;

    /* stored blocks of 65535 bytes at most, 5 bytes of header each */

    blocks = (raw + 65534) / 65535;

    if (raw == 0 || raw > 0x7fffffffUL - 5 * blocks - 64) {
        return NULL;
    }

    /* the IDATs, consecutive, the CRCs of every critical chunk right */

    zlen = 0;
    pos = 8;
    end = 0;
    n = 0;

    while (pos + 12 <= len) {
        chunk = ngx_http_overlay_be32(&d[pos]);

        if (chunk > len - pos - 12) {
            return NULL;
        }

        /* a critical chunk's CRC (IDAT's too) */

        if ((d[pos + 4] & 0x20) == 0
            && libdeflate_crc32(0, &d[pos + 4], chunk + 4)
               != ngx_http_overlay_be32(&d[pos + 8 + chunk]))
        {
            return NULL;
        }

        if (memcmp(&d[pos + 4], "IDAT", 4) == 0) {

            if (end != 0 && end != pos) {
                return NULL;                    /* IDATs apart */
            }

            if (end == 0) {
                *at = pos;
            }

            zlen += chunk;
            n++;
            end = pos + 12 + chunk;

        } else if (memcmp(&d[pos + 4], "IEND", 4) == 0) {
            break;
        }

        pos += 12 + chunk;
    }

    if (end == 0 || zlen == 0) {
        return NULL;
    }

    /* the zlib stream, in one piece */

    z = NULL;

    if (n > 1) {
        z = malloc(zlen);
        if (z == NULL) {
            return NULL;
        }

        for (pos = *at, i = 0; pos < end; pos += 12 + chunk) {
            chunk = ngx_http_overlay_be32(&d[pos]);
            memcpy(z + i, &d[pos + 8], chunk);
            i += chunk;
        }
    }

    /* the IDAT: length, type, zlib header, blocks, Adler-32, CRC */

    size = 8 + 2 + 5 * blocks + raw + 4 + 4;
    r = NULL;

    if (rows != NULL) {

        /* the rows apart, and an IDAT of no data */

        size = 8 + sizeof(ngx_http_overlay_png_empty) + 4;
        r = malloc(raw);
    }

    p = malloc(size);
    dc = libdeflate_alloc_decompressor();

    if (p == NULL || dc == NULL || (rows != NULL && r == NULL)) {
        goto failed;
    }

    /* inflated at the end of the buffer, and moved down block by block */

    q = r != NULL ? r : p + size - 8 - raw;
    got = 0;

    /* exactly the rows, from exactly the IDATs' data */

    res = libdeflate_zlib_decompress_ex(dc, z != NULL ? z
                                                    : &d[*at + 8],
                                        zlen, q, raw, &i, &got);
    if (res != LIBDEFLATE_SUCCESS || got != raw || i != zlen) {
        goto failed;
    }

    if (r != NULL) {
        i = 8 + sizeof(ngx_http_overlay_png_empty);
        memcpy(p + 8, ngx_http_overlay_png_empty, i - 8);
        *rows = r;
        goto idat;
    }

    adler = libdeflate_adler32(1, q, raw);

    p[8] = 0x78;
    p[9] = 0x01;
    i = 10;

    for (pos = 0; pos < raw; pos += n) {
        n = raw - pos < 65535 ? raw - pos : 65535;
        memmove(p + i + 5, q + pos, n);
        p[i] = (unsigned char) (pos + n == raw);
        p[i + 1] = (unsigned char) n;
        p[i + 2] = (unsigned char) (n >> 8);
        p[i + 3] = (unsigned char) ~n;
        p[i + 4] = (unsigned char) (~n >> 8);
        i += 5 + n;
    }

    ngx_http_overlay_png_put32(p + i, adler);
    i += 4;

idat:

    ngx_http_overlay_png_put32(p, i - 8);
    memcpy(p + 4, "IDAT", 4);
    ngx_http_overlay_png_put32(p + i, libdeflate_crc32(0, p + 4, i - 4));

    libdeflate_free_decompressor(dc);
    free(z);

    *idat_end = end;
    *idat_len = i + 4;

    return p;

failed:

    if (dc != NULL) {
        libdeflate_free_decompressor(dc);
    }

    free(p);
    free(r);
    free(z);

    return NULL;
}


/*
 * The rows in place, top down, as the PNG specification defines the
 * filters (the row above the first is zeros); the spare byte of each row
 * keeps its filter type.  -1: a type that is none of the five.
 */

#if (defined __GNUC__ && !defined __clang__)
#pragma GCC push_options
#pragma GCC optimize ("O3")
#endif

int
ngx_http_overlay_png_unfilter(unsigned char *rows, size_t stride,
    size_t height, size_t bpp)
{
    size_t                    i, n, y;
    unsigned                  a;
    unsigned char *restrict   x;
    const unsigned char      *up;

    n = stride - 1;

    if (bpp > n) {
        bpp = n;
    }

    for (y = 0; y < height; y++) {
        x = rows + y * stride + 1;
        up = y > 0 ? x - stride : NULL;

        switch (x[-1]) {

        case 0:
            break;

        case 1:
            for (i = bpp; i < n; i++) {
                x[i] = (unsigned char) (x[i] + x[i - bpp]);
            }

            break;

        case 2:
            for (i = 0; up != NULL && i < n; i++) {
                x[i] = (unsigned char) (x[i] + up[i]);
            }

            break;

        case 3:
            for (i = 0; i < bpp; i++) {
                x[i] = (unsigned char) (x[i] + (up != NULL ? up[i] >> 1 : 0));
            }

            for (i = bpp; i < n; i++) {
                x[i] = (unsigned char) (x[i] + ((x[i - bpp]
                                                 + (up != NULL ? up[i] : 0))
                                                >> 1));
            }

            break;

        case 4:

            /* Paeth: of the first pixel, up; of the first row, sub */

            if (up == NULL) {
                for (i = bpp; i < n; i++) {
                    x[i] = (unsigned char) (x[i] + x[i - bpp]);
                }

                break;
            }

            for (i = 0; i < bpp; i++) {
                x[i] = (unsigned char) (x[i] + up[i]);
            }

            if (bpp == 1) {

                /*
                 * one byte a pixel: the chain from byte to byte is the
                 * time; the left byte kept in a register, not read back
                 * from the byte just stored
                 */

                for (a = x[0], i = 1; i < n; i++) {
                    a = (unsigned char) (x[i] + ngx_http_overlay_png_paeth(
                                                    (int16_t) a, up[i],
                                                    up[i - 1]));
                    x[i] = (unsigned char) a;
                }

                break;
            }

            for (i = bpp; i < n; i++) {
                x[i] = (unsigned char) (x[i] + ngx_http_overlay_png_paeth(
                                                   x[i - bpp], up[i],
                                                   up[i - bpp]));
            }

            break;

        default:
            return -1;
        }
    }

    return 0;
}

#if (defined __GNUC__ && !defined __clang__)
#pragma GCC pop_options
#endif


