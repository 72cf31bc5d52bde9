
/*
 * ngx_http_overlay_module: the alpha plane of a lossy WebP (its ALPH
 * chunk's payload), decoded and coded again, for the splice
 * (ngx_http_overlay_webp_splice.c) and the unit tests.
 *
 * Plain C, no nginx headers; libwebp only for the lossless (VP8L) stream.
 * Thread-safe: nothing global is written.
 */


#ifndef _NGX_HTTP_OVERLAY_WEBP_ALPHA_INT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_WEBP_ALPHA_INT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* the ALPH header byte: compression (bits 0-1), filter (2-3), P (4-5) */
#define NGX_HTTP_OVERLAY_ALPH_COMPRESSION(b)  ((b) & 3)
#define NGX_HTTP_OVERLAY_ALPH_FILTER(b)       (((b) >> 2) & 3)
#define NGX_HTTP_OVERLAY_ALPH_PREPROCESS(b)   (((b) >> 4) & 3)

/* the filters: none, horizontal, vertical, gradient */
#define NGX_HTTP_OVERLAY_ALPH_NONE        0
#define NGX_HTTP_OVERLAY_ALPH_HORIZONTAL  1
#define NGX_HTTP_OVERLAY_ALPH_VERTICAL    2
#define NGX_HTTP_OVERLAY_ALPH_GRADIENT    3

/*
 * the lossless effort the splice codes a plane with, measured on 1080p
 * planes (README, "Lossy WebP with alpha"): method 0 is 28 times larger on
 * title art, quality 25 1.6 to 2 times slower for 11 to 17% less
 */
#define NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD   1
#define NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY  0


/*
 * The ALPH payload data[0 .. len) (its header byte first) of a w x h
 * frame decoded into plane (w * h bytes, stride w), as libwebp decodes it
 * (without its optional dithering): 0, or -1 and *reason (a static
 * string) for what libwebp refuses too (reserved bits set, compression
 * above 1, pre-processing above 1, a raw plane shorter than the frame, a
 * lossless stream libwebp cannot decode to w x h).  plane may hold
 * anything on failure.
 */
int ngx_http_overlay_webp_alpha_decode(const uint8_t *data, size_t len,
    unsigned w, unsigned h, uint8_t *plane, const char **reason);

/*
 * The filter the w x h plane (stride w) codes smaller with at method and
 * quality, none or vertical: two bands of 32 rows (at a quarter and three
 * quarters of its height) coded both ways.  The vertical filter halves
 * the time on a smooth plane and makes it 17% smaller, no filter is 11 to
 * 27% smaller on hard-edged ones (README); the bands cost 2 to 6% of a
 * 1080p request.
 */
unsigned ngx_http_overlay_webp_alpha_choose(const uint8_t *plane,
    unsigned w, unsigned h, int method, int quality);

/*
 * The w x h plane (stride w) coded as an ALPH payload: lossless (C 1),
 * filtered by filter first, no pre-processing; libwebp's lossless encoder
 * at method and quality.  0 with a malloc()ed *out of *len bytes, or -1
 * (no memory, libwebp failed).
 */
int ngx_http_overlay_webp_alpha_encode(const uint8_t *plane, unsigned w,
    unsigned h, unsigned filter, int method, int quality, uint8_t **out,
    size_t *len);


#endif /* _NGX_HTTP_OVERLAY_WEBP_ALPHA_INT_H_INCLUDED_ */
