
/*
 * ngx_http_overlay_module: the overlay's colours fitted to a palette that
 * has too few free entries for them all (PNG palette images, GIF).
 *
 * Plain C, no nginx headers.  The palette's entries stay as they are: only
 * the overlay's colours are quantized, into the entries the palette leaves
 * free (a median cut of the colours its own entries serve badly, refined by
 * a few rounds of k-means), and each overlay pixel is mapped to the
 * nearest entry, old or new.  The pixels outside the overlay keep their
 * indices; the caller measures the overlay's error (the PSNR of its pixels
 * against the exact blend) and decides whether it is good enough.
 */


#ifndef _NGX_HTTP_OVERLAY_QUANT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_QUANT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * The least PSNR (dB, over the overlay's drawn pixels, against the exact
 * blend) for which a quantized overlay is used (README, "Formats"); below
 * it a PNG becomes RGB(A), and a GIF is quantized anew as a whole.
 */
#define NGX_HTTP_OVERLAY_QUANT_FLOOR    30.0

/* the most distinct colours kept before they are merged into coarser ones */
#define NGX_HTTP_OVERLAY_QUANT_COLOURS  4096


typedef struct ngx_http_overlay_quant_s  ngx_http_overlay_quant_t;


/*
 * A quantizer for a palette of n entries (rgba: 256 entries of r, g, b, a;
 * entries n and above are free), where no colour is ever mapped to an
 * entry whose skip[] is set (NULL: none; GIF's transparent entry).  NULL:
 * no memory.
 */
ngx_http_overlay_quant_t *ngx_http_overlay_quant_create(
    const unsigned char *rgba, unsigned n, const unsigned char *skip);

/* one overlay pixel's colour, counted */
void ngx_http_overlay_quant_add(ngx_http_overlay_quant_t *q, uint32_t rgba);

/*
 * The new entries chosen: rgba gets them from entry n on; the count of
 * entries, old and new, is returned (at most 256).  0: no memory.
 */
unsigned ngx_http_overlay_quant_build(ngx_http_overlay_quant_t *q,
    unsigned char *rgba);

/* the entry of a colour added before the build; its error is summed */
unsigned ngx_http_overlay_quant_map(ngx_http_overlay_quant_t *q,
    uint32_t rgba);

/* the PSNR of the colours mapped so far, over channels samples a pixel */
double ngx_http_overlay_quant_psnr(const ngx_http_overlay_quant_t *q,
    unsigned channels);

void ngx_http_overlay_quant_destroy(ngx_http_overlay_quant_t *q);

/*
 * All of it: the count blends (RGBA; index -1: none there) quantized into
 * the palette rgba of n entries (skip as above), index set to each
 * blend's entry, the new entries in rgba from n on, *total the entries in
 * all, *psnr the blends' PSNR over channels samples a pixel.  -1: no
 * memory.
 */
int ngx_http_overlay_quant_index(unsigned char *rgba, unsigned n,
    const unsigned char *skip, const uint32_t *blend, short *index,
    size_t count, unsigned channels, unsigned *total, double *psnr);


#endif /* _NGX_HTTP_OVERLAY_QUANT_H_INCLUDED_ */
