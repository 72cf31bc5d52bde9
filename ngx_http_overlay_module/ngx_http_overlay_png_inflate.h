
/*
 * ngx_http_overlay_module: a PNG's image data inflated by libdeflate, for
 * libpng to read as stored blocks.
 *
 * Plain C, no nginx or libpng headers.  Thread-safe: no global state.
 */


#ifndef _NGX_HTTP_OVERLAY_PNG_INFLATE_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_PNG_INFLATE_H_INCLUDED_


#include <stddef.h>


/*
 * The image data of the PNG of len bytes at d, whose filtered rows are raw
 * bytes (its IHDR checked, within the limits, by the caller; 0: too
 * many): when its IDATs are consecutive, the CRCs of its critical chunks
 * (IHDR, PLTE, IDAT, IEND and any other) right, and their data
 * one zlib stream of exactly raw bytes with its Adler-32 right, one IDAT
 * chunk (length, type, a zlib stream of stored blocks, CRC) of the same
 * rows, malloc()ed, of *idat_len bytes, to be read in place of the bytes
 * from *at to *idat_end; else NULL (nothing to free, the PNG to be read
 * as it came).  With rows not NULL, the filtered rows are in *rows
 * instead (malloc()ed, raw bytes), and the IDAT holds a stream of no data:
 * libpng reads the chunks around it, the caller unfilters the rows.
 */
unsigned char *ngx_http_overlay_png_inflate(const unsigned char *d,
    size_t len, size_t raw, size_t *at, size_t *idat_end, size_t *idat_len,
    unsigned char **rows);

/*
 * The height rows of stride bytes at rows (each a filter type, then its
 * bytes; pixels of bpp bytes) unfiltered in place; -1 at a filter type
 * that is not one of PNG's five.
 */
int ngx_http_overlay_png_unfilter(unsigned char *rows, size_t stride,
    size_t height, size_t bpp);


#endif /* _NGX_HTTP_OVERLAY_PNG_INFLATE_H_INCLUDED_ */
