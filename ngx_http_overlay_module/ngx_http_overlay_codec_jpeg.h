
/*
 * ngx_http_overlay_module: the JPEG codec, in the DCT domain.
 *
 * Plain C, no nginx headers.  libjpeg-turbo reads the image's DCT
 * coefficients; only the iMCUs under the painter's bounds are decoded to
 * pixels, drawn on, and transformed and quantized back with the image's
 * own tables and sampling; every other block is written as it was read,
 * with the markers (EXIF, ICC, XMP, comments), the restart interval and
 * progressive mode.  So the output decodes identically to the input
 * outside the overlay, and file size and quality do not drift.
 *
 * Thread-safety: every call keeps its state in memory of its own, made
 * and freed within the call; the codec has no global state.  Calls may
 * run at once in any threads (nginx's thread pool), each with its own
 * err and out.  libjpeg's errors are caught with setjmp()/longjmp()
 * within the call and come back as error codes.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_JPEG_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_JPEG_H_INCLUDED_


#include "ngx_http_overlay_codec.h"
#include "ngx_http_overlay_codec_int.h"
#include "ngx_http_overlay_jpeg_exif.h"


/*
 * Reads the frame header of the JPEG of len bytes at p (which begins with
 * SOI): info->width and info->height as stored (EXIF orientation not
 * applied; ngx_http_overlay_jpeg_orientation() reads that), and, when
 * progressive is not NULL, whether the frame is progressive.  Only the
 * segments before the first scan are read, no pixel is decoded, nothing
 * is allocated.  NGX_HTTP_OVERLAY_OK, or NGX_HTTP_OVERLAY_BAD_IMAGE with
 * err's reason: no frame header, a second one, one whose length does not
 * match its components, or one of no width or height.  Other members of
 * info are not touched.
 */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_probe(const unsigned char *p,
    size_t len, ngx_http_overlay_image_info_t *info, unsigned *progressive,
    ngx_http_overlay_error_t *err);

/*
 * Draws painter on the JPEG of len bytes at p, which
 * ngx_http_overlay_codec_probe() described in info (its orientation is
 * used), and encodes it as a JPEG again: with the source's own tables,
 * changing only the blocks under painter->bounds, or with
 * conf->jpeg_quality not 0, as a whole at that quality.  The bytes at p
 * are only read.  On NGX_HTTP_OVERLAY_OK, *out holds a malloc()ed buffer
 * that the caller owns and releases with ngx_http_overlay_codec_free(),
 * and out->method the path that wrote it (splice, splice_retable,
 * splice_fit, progressive, transcode or reencode).
 * Otherwise *out is untouched and err says why: BAD_IMAGE (libjpeg's
 * message, prefixed "jpeg: ", or a zero quantizer), UNSUPPORTED (not 8
 * bits, CMYK, an odd colour space), NO_MEMORY, or the painter's own.
 * painter->draw is called in the calling thread; a second time, on a new
 * region, when the splice gives up after drawing.
 */
ngx_http_overlay_rc_e ngx_http_overlay_jpeg_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_JPEG_H_INCLUDED_ */
