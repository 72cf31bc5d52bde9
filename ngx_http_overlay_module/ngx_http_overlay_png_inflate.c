
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


unsigned char *
ngx_http_overlay_png_inflate(const unsigned char *d, size_t len, size_t raw,
    size_t *at, size_t *idat_end, size_t *idat_len)
{
    size_t                            pos, end, chunk, zlen, blocks;
    size_t                            size, i, n, got;
    uint32_t                          adler;
    unsigned char                    *z, *p, *q;
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

        if (memcmp(&d[pos + 4], "IDAT", 4) == 0) {

            if (end != 0 && end != pos) {
                return NULL;                    /* IDATs apart */
            }

            if (end == 0) {
                *at = pos;
            }

            if (libdeflate_crc32(0, &d[pos + 4], chunk + 4)
                != ngx_http_overlay_be32(&d[pos + 8 + chunk]))
            {
                return NULL;
            }

            zlen += chunk;
            n++;
            end = pos + 12 + chunk;

        } else if ((d[pos + 4] & 0x20) == 0
                   && libdeflate_crc32(0, &d[pos + 4], chunk + 4)
                      != ngx_http_overlay_be32(&d[pos + 8 + chunk]))
        {
            return NULL;                        /* a critical chunk's CRC */

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

    p = malloc(size);
    dc = libdeflate_alloc_decompressor();

    if (p == NULL || dc == NULL) {
        goto failed;
    }

    /* inflated at the end of the buffer, and moved down block by block */

    q = p + size - 8 - raw;
    got = 0;

    /* exactly the rows, from exactly the IDATs' data */

    res = libdeflate_zlib_decompress_ex(dc, z != NULL ? z
                                                    : &d[*at + 8],
                                        zlen, q, raw, &i, &got);
    if (res != LIBDEFLATE_SUCCESS || got != raw || i != zlen) {
        goto failed;
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
    free(z);

    return NULL;
}


