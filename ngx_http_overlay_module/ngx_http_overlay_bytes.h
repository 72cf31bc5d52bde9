
/*
 * ngx_http_overlay_module: reading integers of a given byte order from
 * bytes, whatever the host's order.  The one place the codecs, the EXIF
 * reader and the entropy splice take them from.
 *
 * Plain C, no nginx headers.  Each macro reads exactly its width of bytes
 * at p, which the caller has checked are there.
 */


#ifndef _NGX_HTTP_OVERLAY_BYTES_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_BYTES_H_INCLUDED_


#include <stdint.h>
#include <string.h>


/* big-endian (network order: JPEG, PNG, TIFF "MM") */
#define ngx_http_overlay_be16(p)                                              \
    ((unsigned) (p)[0] << 8 | (unsigned) (p)[1])
#define ngx_http_overlay_be32(p)                                              \
    ((unsigned long) (p)[0] << 24 | (unsigned long) (p)[1] << 16              \
     | (unsigned long) (p)[2] << 8 | (unsigned long) (p)[3])

/* little-endian (RIFF/WebP, GIF, TIFF "II") */
#define ngx_http_overlay_le16(p)                                              \
    ((unsigned) (p)[1] << 8 | (unsigned) (p)[0])
#define ngx_http_overlay_le24(p)                                              \
    ((unsigned long) (p)[2] << 16 | (unsigned long) (p)[1] << 8              \
     | (unsigned long) (p)[0])
#define ngx_http_overlay_le32(p)                                              \
    ((unsigned long) (p)[3] << 24 | ngx_http_overlay_le24(p))

/* either, as a TIFF header says: le is 1 for "II", 0 for "MM" */
#define ngx_http_overlay_tiff16(le, p)                                        \
    ((le) ? ngx_http_overlay_le16(p) : ngx_http_overlay_be16(p))
#define ngx_http_overlay_tiff32(le, p)                                        \
    ((le) ? ngx_http_overlay_le32(p) : ngx_http_overlay_be32(p))


/* 8 bytes at p as a big-endian 64-bit integer, in one load where it can */

static inline uint64_t
ngx_http_overlay_be64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__    \
                                || __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    uint64_t  v;

    memcpy(&v, p, sizeof(uint64_t));

#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
    v = __builtin_bswap64(v);
#endif

    return v;

#else
    return (uint64_t) p[0] << 56 | (uint64_t) p[1] << 48
           | (uint64_t) p[2] << 40 | (uint64_t) p[3] << 32
           | (uint64_t) p[4] << 24 | (uint64_t) p[5] << 16
           | (uint64_t) p[6] << 8 | (uint64_t) p[7];
#endif
}


#endif /* _NGX_HTTP_OVERLAY_BYTES_H_INCLUDED_ */
