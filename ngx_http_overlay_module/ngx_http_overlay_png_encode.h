
/*
 * ngx_http_overlay_module: the PNG encoder.
 *
 * Plain C, no nginx headers.  The whole image is in memory: its rows are
 * filtered (libpng's heuristic: each row's filter is the one whose bytes,
 * as signed numbers, have the least sum of magnitudes; none for palette
 * and sub-byte images, as the PNG specification advises; Sub for 16-bit
 * samples, measured), deflated in one call by libdeflate, and written
 * with the chunks the caller gives.
 */


#ifndef _NGX_HTTP_OVERLAY_PNG_ENCODE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_PNG_ENCODE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_codec.h"


/*
 * libdeflate's levels, measured (README, "Performance"): 6 (zlib's
 * default, and about its size) for up to 1 MB of filtered rows, where the
 * time is small anyway and synthetic images gain most from it; 2 above:
 * on 1080p photos, 0.99x the size of zlib's level 6 in a third of the
 * time, 1.054x on a palette photo made RGB (level 4: 0.98x and 1.045x,
 * but 8% slower, under 4x Pillow's images/s over HTTP; level 1: 1.00x,
 * 20% faster, but up to 2x larger on synthetic images).
 */
#ifndef NGX_HTTP_OVERLAY_PNG_LEVEL
#define NGX_HTTP_OVERLAY_PNG_LEVEL        6
#endif
#ifndef NGX_HTTP_OVERLAY_PNG_LEVEL_LARGE
#define NGX_HTTP_OVERLAY_PNG_LEVEL_LARGE  2
#endif
#define NGX_HTTP_OVERLAY_PNG_LARGE        (1024 * 1024)

/*
 * 16-bit samples above 1 MB: level 1, as fast as level 2 is on 8 bits
 * (1080p 16-bit photo: 0.80x the instructions of level 2's deflate and
 * decode together, 1.001x its size: the low bytes are noise, which no
 * level finds matches in).
 */
#ifndef NGX_HTTP_OVERLAY_PNG_LEVEL_16
#define NGX_HTTP_OVERLAY_PNG_LEVEL_16     1
#endif


/*
 * An image as the encoder takes it: each row of stride bytes starts with
 * one spare byte (for the filter type), then its samples unpacked: a byte
 * a sample at 8 bits and below (0 .. 2^depth - 1), two bytes big-endian
 * at 16.  The encoder writes over the rows.
 */
typedef struct {
    unsigned char             *rows;
    size_t                     stride;
    unsigned                   width;
    unsigned                   height;
    unsigned                   colour;          /* PNG colour type */
    unsigned                   depth;           /* bits a sample */
    unsigned                   interlace;       /* 1: Adam7 */
    unsigned                   npalette;        /* PLTE's entries */
    unsigned                   ntrns;           /* tRNS's bytes; 0: none */
    unsigned char              palette[256 * 3];
    unsigned char              trns[256];
    const unsigned char       *chunks;          /* whole chunks, CRCs too */
    size_t                     chunks_len;      /* written after IHDR */
    unsigned                   reduce;          /* overlay_png_reduce on */
    /*
     * 1: grey made 8-bit RGB (R = G = B) but in rows grey_y0 to grey_y1 - 1
     * (the overlay's): the other rows are filtered as grey, a third of the
     * work, for the same choice of filter and the same bytes
     */
    unsigned                   grey;
    unsigned                   grey_y0;
    unsigned                   grey_y1;
} ngx_http_overlay_png_image_t;


/*
 * Paeth's predictor of a byte from the bytes left (a), up (b) and up left
 * (c), as the PNG specification defines it: of a, b, c the nearest to
 * a + b - c, in that order on a tie.  In 16 bits, which the encoder's
 * loops vectorize in.
 */
static inline int16_t
ngx_http_overlay_png_paeth(int16_t a, int16_t b, int16_t c)
{
    int16_t  p, pa, pb, pc;

    p = b - c;
    pc = a - c;
    pa = p < 0 ? -p : p;
    pb = pc < 0 ? -pc : pc;
    pc = p + pc;
    pc = pc < 0 ? -pc : pc;

    return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}


/* the samples of a pixel in a colour type; 0: no such type */
unsigned ngx_http_overlay_png_channels(unsigned colour);

/* v as 4 bytes, big-endian, at p */
void ngx_http_overlay_png_put32(unsigned char *p, unsigned long v);

/*
 * The PNG of im into *out (released with ngx_http_overlay_codec_free());
 * im->rows are written over.  NO_MEMORY or RENDER_FAILED with *err.
 * Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_encode(
    ngx_http_overlay_png_image_t *im, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_PNG_ENCODE_H_INCLUDED_ */
