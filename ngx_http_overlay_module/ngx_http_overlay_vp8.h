
/*
 * ngx_http_overlay_module: the syntax of a VP8 key frame (lossy WebP),
 * read, reconstructed and written again (RFC 6386), the foundation of a
 * macroblock splice: keep the source's coded macroblocks outside the
 * overlay, code again only those the overlay or their intra prediction
 * changes.
 *
 * Plain C, no nginx headers, no libwebp.  read() decodes the frame's
 * header, every macroblock's modes and every block's coefficient tokens
 * (as levels, not dequantized), recon() reconstructs the unfiltered
 * planes from them (prediction and inverse transforms; the loop filter is
 * not applied), write() codes the same syntax again with the frame's own
 * probabilities.  Read then written, a frame decodes to the same pixels.
 *
 * Refused (-1, with a reason): what is not a VP8 key frame (inter frames
 * cannot appear in a still WebP), a frame not shown (show_frame 0, which
 * libwebp does not decode), a version above 3, a frame over the caller's
 * max_pixels, colour space 1 (reserved; libwebp ignores the bit),
 * partition sizes outside the data, and any partition whose decoding
 * needs bytes past its end (libwebp refuses those too).  The frame is
 * malloc()ed; free() it with ngx_http_overlay_vp8_free().  Nothing global
 * is written: frames may be used from any number of threads, one thread
 * per frame.
 */


#ifndef _NGX_HTTP_OVERLAY_VP8_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_VP8_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


typedef struct ngx_http_overlay_vp8_frame_s  ngx_http_overlay_vp8_frame_t;


/*
 * The "VP8 " chunk of a RIFF WebP (simple, or extended with VP8X): its
 * payload's offset and size in *off and *size; -1 if there is none or the
 * container is malformed.
 */
int ngx_http_overlay_vp8_chunk(const uint8_t *webp, size_t len, size_t *off,
    size_t *size);

/*
 * The key frame in data[0 .. len): 0 and *frame, or -1 and *reason (a
 * static string).  max_pixels bounds the frame's macroblock-aligned area
 * and with it the memory: about 1 KB per macroblock (0.9 KB of levels).
 */
int ngx_http_overlay_vp8_read(const uint8_t *data, size_t len,
    size_t max_pixels, ngx_http_overlay_vp8_frame_t **frame,
    const char **reason);

/* the unfiltered planes, reconstructed from the frame's syntax: 0, or -1 */
int ngx_http_overlay_vp8_recon(ngx_http_overlay_vp8_frame_t *frame);

/*
 * The planes recon() made, macroblock-aligned (stride = the padded width):
 * width and height are the frame's own.
 */
void ngx_http_overlay_vp8_planes(ngx_http_overlay_vp8_frame_t *frame,
    const uint8_t **y, const uint8_t **u, const uint8_t **v,
    size_t *y_stride, size_t *uv_stride, unsigned *width, unsigned *height);

/*
 * The macroblocks a change reaches: mask[mby * mbw + mbx] (the caller's,
 * of ceil(width / 16) * ceil(height / 16) bytes) set to 1 for those in
 * the macroblock rectangle [x0, x1) x [y0, y1), and for every macroblock
 * whose intra prediction reads pixels of one set (left, above, above-left
 * and, for 4x4 modes reading it, above-right), in raster order, else 0.
 * Outside the mask, the unfiltered planes stay the source's whatever the
 * rectangle's macroblocks become.  Returns the number set.
 */
size_t ngx_http_overlay_vp8_region(ngx_http_overlay_vp8_frame_t *frame,
    unsigned x0, unsigned y0, unsigned x1, unsigned y1, uint8_t *mask);

/*
 * The macroblock (mbx, mby) coded anew with its own modes towards the
 * target pixels (16x16 of Y at y, 8x8 of U and V at u and v), predicted
 * from the frame's current planes (recon() first), which then hold what
 * a decoder will reconstruct; its levels, ends and skip flag replaced.
 * Macroblocks are to be coded in raster order, as they predict.  0, or -1.
 */
int ngx_http_overlay_vp8_code_mb(ngx_http_overlay_vp8_frame_t *frame,
    unsigned mbx, unsigned mby, const uint8_t *y, size_t y_stride,
    const uint8_t *u, const uint8_t *v, size_t uv_stride);

/*
 * The same, for a macroblock drawn on: its chroma mode chosen anew, and
 * its luma mode between its own and the best 16x16 one (by distortion and
 * an estimate of the rate; the source's modes predicted a photo, not the
 * overlay).  0, or -1.
 */
int ngx_http_overlay_vp8_code_mb_choose(ngx_http_overlay_vp8_frame_t *frame,
    unsigned mbx, unsigned mby, const uint8_t *y, size_t y_stride,
    const uint8_t *u, const uint8_t *v, size_t uv_stride);

/*
 * The frame coded again: a malloc()ed VP8 frame (a "VP8 " chunk's
 * payload) in *out, its length in *len; 0, or -1.
 */
int ngx_http_overlay_vp8_write(ngx_http_overlay_vp8_frame_t *frame,
    uint8_t **out, size_t *len);

void ngx_http_overlay_vp8_free(ngx_http_overlay_vp8_frame_t *frame);


#endif /* _NGX_HTTP_OVERLAY_VP8_H_INCLUDED_ */
