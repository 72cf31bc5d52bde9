
/*
 * ngx_http_overlay_module: a JPEG's EXIF orientation, and the mapping of
 * the image a viewer sees to the image stored.
 *
 * Plain C, no nginx headers, no libjpeg or libgd types.  Both functions
 * read only their arguments, allocate nothing and keep no state: they may
 * be called from any thread at any time.
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_EXIF_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_EXIF_H_INCLUDED_


#include <stddef.h>


/*
 * The EXIF orientation (1..8) of the JPEG of len bytes at p: the tag 0x0112
 * in IFD0 of the first APP1 "Exif" segment before the frame header.  1
 * (as stored) when there is none, or it is out of range, or the segments
 * or the TIFF structure are broken: never an error.
 */
unsigned ngx_http_overlay_jpeg_orientation(const unsigned char *p,
    size_t len);

/*
 * Maps the point vx, vy of the image as a viewer sees it (orientation
 * applied) to *sx, *sy in the stored image of w x h pixels.  Orientations
 * out of 1..8 are taken as 1.  No bounds are checked: a point outside
 * maps outside.
 */
void ngx_http_overlay_orient_point(unsigned orientation, int w, int h,
    int vx, int vy, int *sx, int *sy);


#endif /* _NGX_HTTP_OVERLAY_JPEG_EXIF_H_INCLUDED_ */
