
/*
 * ngx_http_overlay_module: the PNG codec.
 *
 * Plain C, no nginx headers; for the core and the codecs (it has libgd
 * types, as ngx_http_overlay_codec_int.h).  The probe reads IHDR and walks
 * the chunk headers.  libpng reads the image from memory: to be drawn
 * on, in its own colour type and depth, interlaced images too; for an
 * asset, into a libgd truecolor image with alpha (palette, grey, tRNS and
 * 16-bit samples expanded to 8-bit RGBA).  libpng never writes to stderr:
 * its errors and warnings become the reason, and a warning is a refusal,
 * as with JPEG.  Only IHDR, PLTE, tRNS, pHYs, IDAT and IEND are read;
 * every other chunk is skipped unparsed; the image data of a sound PNG
 * is inflated by libdeflate, libpng reading it as stored blocks, and any
 * fault in it is libpng's to find.  The overlay is blended onto the
 * samples (ngx_http_overlay_png_blend.h), the module's encoder writes the
 * PNG (ngx_http_overlay_png_encode.h), and the source's colour chunks and
 * pHYs are copied to the output as they were.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_PNG_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_PNG_H_INCLUDED_


#include <stddef.h>

#include <gd.h>

#include "ngx_http_overlay_error.h"
#include "ngx_http_overlay_codec_int.h"


/* the largest chunk but IDAT libpng takes, as libpng's own default */
#define NGX_HTTP_OVERLAY_PNG_CHUNK_MAX   (8UL * 1000 * 1000)

/* the most ancillary chunks libpng keeps (it keeps none, as told) */
#define NGX_HTTP_OVERLAY_PNG_CHUNKS      32


/*
 * The probe of a PNG (ngx_http_overlay_codec_probe() has told it by its
 * signature): IHDR first and once, valid, gives info's size and the
 * traits (alpha, grey); a second IHDR or an acTL before IDAT is refused.
 * BAD_IMAGE or UNSUPPORTED with *err.  Reads only; thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_probe(const unsigned char *p,
    size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_error_t *err);

/*
 * A PNG of info's size and traits (as probed), within conf's limits,
 * decoded, drawn on by painter, and encoded again into *out (the caller
 * releases it with ngx_http_overlay_codec_free()), with the source's
 * sRGB, gAMA, cHRM, pHYs and (where the output's colour space is the
 * source's) iCCP chunks.  The errors of the decoder, the painter, the
 * blend and the encoder, with *err.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_traits_t *traits,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);

/*
 * Decodes a PNG of at most max_pixels, with sides of at most max_side (0:
 * no limit of its own).  On success *im is a truecolor image, its
 * resolution and interlacing those of the PNG; gdImageDestroy() it.
 * Else BAD_IMAGE, TOO_LARGE or NO_MEMORY with libpng's reason in *err
 * (a warning of libpng's is a failure too).  Thread-safe: libpng's
 * state is the call's own.
 */
ngx_http_overlay_rc_e ngx_http_overlay_png_decode(const unsigned char *p,
    size_t len, unsigned long max_pixels, unsigned max_side, gdImagePtr *im,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_PNG_H_INCLUDED_ */
