
/*
 * ngx_http_overlay_module: the WebP codec, with libwebp.
 *
 * Plain C, no nginx headers; for the core and the codecs.  Still images
 * only, lossy (VP8) or lossless (VP8L), simple or extended (VP8X).
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_WEBP_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_WEBP_H_INCLUDED_


#include <webp/encode.h>

#include "ngx_http_overlay_codec_int.h"


/*
 * lossy WebP's quality when overlay_webp_quality source cannot splice
 * (an ALPH chunk it declines, a frame the VP8 reader refuses): Pillow's
 * and cwebp's habit
 */
#define NGX_HTTP_OVERLAY_WEBP_SOURCE_QUALITY    85

/* lossless WebP's quality (its effort): measured, see the codec */
#define NGX_HTTP_OVERLAY_WEBP_LOSSLESS_QUALITY  25


/*
 * The probe of a WebP (ngx_http_overlay_codec_probe() has told it by its
 * RIFF header): the RIFF and its chunks must fit each other, the frame
 * must be a shown VP8 key frame or a VP8L image of the canvas's size.
 * Sets info's size and the traits (alpha, lossless); BAD_IMAGE or
 * UNSUPPORTED (animations) with *err.  Reads only; thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_webp_probe(const unsigned char *p,
    size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_traits_t *traits, ngx_http_overlay_error_t *err);

/*
 * A still WebP of info's size decoded, drawn on by painter, and encoded
 * again: lossless if lossless (at conf's lossless method; every pixel the
 * painter does not draw on exactly as decoded), else from its YUV planes
 * (ngx_http_overlay_webp_yuv()) at conf's quality and method.  *out is
 * libwebp's memory, released with ngx_http_overlay_codec_free().
 * BAD_IMAGE (libwebp disagrees with the probe, or fails to decode),
 * NO_MEMORY, RENDER_FAILED or what painter returns, with *err.
 * Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_webp_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info, int lossless,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);

/*
 * The still WebP p of info's size decoded into pic's YUV 4:2:0 planes (a
 * lossy one's own; with an alpha plane when it has alpha), drawn on by
 * painter: what ngx_http_overlay_webp_apply() encodes a lossy WebP from.
 * Only the samples under what the painter draws change: a luma or alpha
 * sample under a pixel drawn on, a chroma sample with one of its 2x2
 * pixels drawn on; every other one stays as libwebp decodes it.  The
 * planes are in *mem (also on failure, NULL if none): the caller calls
 * WebPPictureFree(pic), then free(*mem).  BAD_IMAGE, NO_MEMORY,
 * RENDER_FAILED or what painter returns, with *err.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_webp_yuv(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, WebPPicture *pic, void **mem,
    ngx_http_overlay_error_t *err);


/*
 * The overlay drawn on pic's YUV 4:2:0 planes (pic->a too, if not NULL),
 * in place: only the samples under what the painter draws change, as
 * ngx_http_overlay_webp_yuv() says.  The planes may be wider and taller
 * than pic's size (its strides).  OK, NO_MEMORY, RENDER_FAILED or what
 * painter returns, with *err.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_webp_yuv_paint(WebPPicture *pic,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_error_t *err);

/*
 * The splice (ngx_http_overlay_webp_splice.c): the lossy WebP p drawn on
 * in its VP8 syntax, the source's quantizers, probabilities and chunks
 * kept, and only the macroblocks the overlay or their prediction reach
 * coded again; an ALPH chunk's plane drawn on too, and coded again
 * (losslessly) if it changed.  OK with *out (malloc()ed, its own free),
 * or OK with out->data NULL when it declines (an ALPH chunk without VP8X,
 * after the frame, twice, or refused by its decoder; a frame its reader
 * refuses: the caller encodes with libwebp); NO_MEMORY, TOO_LARGE,
 * RENDER_FAILED or what painter returns, with *err.  Thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_webp_splice(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_WEBP_H_INCLUDED_ */
