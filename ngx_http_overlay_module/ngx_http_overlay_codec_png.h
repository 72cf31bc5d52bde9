
/*
 * ngx_http_overlay_module: the PNG decoder.
 *
 * Plain C, no nginx headers.  libpng reads the image from memory into a
 * libgd truecolor image with alpha: palette, grey, tRNS and 16-bit samples
 * expanded to 8-bit RGBA, interlaced images too.  libpng never writes to
 * stderr: its errors and warnings become the reason, and a warning is a
 * refusal, as with JPEG.  Only IHDR, PLTE, tRNS, pHYs, IDAT and IEND are
 * read; every other chunk is skipped unparsed (the colour chunks are copied
 * to the output as they were by the codec).
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_PNG_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_PNG_H_INCLUDED_


#include <stddef.h>

#include <gd.h>

#include "ngx_http_overlay_error.h"


/* the largest chunk but IDAT libpng takes, as libpng's own default */
#define NGX_HTTP_OVERLAY_PNG_CHUNK_MAX   (8UL * 1000 * 1000)

/* the most ancillary chunks libpng keeps (it keeps none, as told) */
#define NGX_HTTP_OVERLAY_PNG_CHUNKS      32


/*
 * Decodes a PNG of at most max_pixels, with sides of at most max_side (0:
 * no limit of its own).  On success *im is a truecolor image, its
 * resolution and interlacing those of the PNG; gdImageDestroy() it.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_decode(const unsigned char *p,
    size_t len, unsigned long max_pixels, unsigned max_side, gdImagePtr *im,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_PNG_H_INCLUDED_ */
