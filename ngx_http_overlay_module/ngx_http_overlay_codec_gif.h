
/*
 * ngx_http_overlay_module: the GIF codec, with libgd.
 *
 * Plain C, no nginx headers; for the core and the codecs.  Still GIFs
 * only, of one frame as large as the logical screen.
 */


#ifndef _NGX_HTTP_OVERLAY_CODEC_GIF_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_CODEC_GIF_H_INCLUDED_


#include "ngx_http_overlay_codec_int.h"


/*
 * The probe of a GIF (ngx_http_overlay_codec_probe() has told it by its
 * signature): the logical screen's size into info, and the blocks walked
 * up to the trailer: BAD_IMAGE (blocks cut short or unknown, a frame out
 * of the screen, no frame) or UNSUPPORTED (a second frame, a frame smaller
 * than the screen) with *err.  Reads only; thread-safe.
 */
ngx_http_overlay_rc_e ngx_http_overlay_gif_probe(const unsigned char *p,
    size_t len, ngx_http_overlay_image_info_t *info,
    ngx_http_overlay_error_t *err);

/*
 * A still GIF of info's size (len at most INT_MAX) decoded by libgd, the
 * painter's overlay blended onto it in its own palette (new colours in
 * the palette's free entries, else the nearest), and encoded by libgd
 * again into *out (released with ngx_http_overlay_codec_free()).
 * BAD_IMAGE with libgd's message, NO_MEMORY, what painter returns, or
 * RENDER_FAILED, with *err.  Thread-safe: libgd's message is kept per
 * thread.
 */
ngx_http_overlay_rc_e ngx_http_overlay_gif_apply(const unsigned char *p,
    size_t len, const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_CODEC_GIF_H_INCLUDED_ */
