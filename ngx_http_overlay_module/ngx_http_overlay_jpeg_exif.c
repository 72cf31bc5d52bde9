
/*
 * ngx_http_overlay_module: EXIF orientation in JPEG.  The orientation is
 * read from the APP1 "Exif" segment, points of the image as a viewer sees
 * it are mapped to the image stored, and the painter draws on a region as
 * the viewer sees it (the codec works on the stored image).
 */


#include <limits.h>
#include <string.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_jpeg_exif.h"
#include "ngx_http_overlay_jpeg_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


#define NGX_HTTP_OVERLAY_TIFF_MAGIC        42
#define NGX_HTTP_OVERLAY_TIFF_SHORT        3
#define NGX_HTTP_OVERLAY_EXIF_ORIENTATION  0x0112


static unsigned ngx_http_overlay_exif_orientation(const unsigned char *p,
    size_t len);
static void ngx_http_overlay_orient_inverse(unsigned orientation, int w,
    int h, int sx, int sy, int *vx, int *vy);


unsigned
ngx_http_overlay_jpeg_orientation(const unsigned char *p, size_t len)
{
    ngx_http_overlay_jpeg_walk_t     w;
    ngx_http_overlay_jpeg_segment_t  m;

    /* APP1 "Exif" segments before the first frame header */

    ngx_http_overlay_jpeg_walk_init(&w, p, len,
                                    NGX_HTTP_OVERLAY_JPEG_WALK_T81);

    while (ngx_http_overlay_jpeg_walk_next(&w, &m)
           == NGX_HTTP_OVERLAY_JPEG_WALK_MARKER)
    {
        if (m.marker == NGX_HTTP_OVERLAY_JPEG_SOS
            || m.marker == NGX_HTTP_OVERLAY_JPEG_EOI
            || ngx_http_overlay_jpeg_is_sof(m.marker))
        {
            break;
        }

        /* APP1 may hold XMP before (or instead of) Exif */

        if (m.marker == NGX_HTTP_OVERLAY_JPEG_APP1 && m.seg >= 8
            && memcmp(m.data, "Exif", 4) == 0)
        {
            return ngx_http_overlay_exif_orientation(m.data, m.seg - 2);
        }
    }

    return 1;
}


/* "Exif\0\0", a TIFF header, IFD0's entries: tag 0x0112, SHORT, 1..8 */

static unsigned
ngx_http_overlay_exif_orientation(const unsigned char *p, size_t len)
{
    int                   le;
    size_t                ifd, n, i, e;
    unsigned              tag, type, value;
    const unsigned char  *t;

    if (len < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0) {
        return 1;
    }

    t = p + 6;
    len -= 6;

    if (t[0] == 'I' && t[1] == 'I') {
        le = 1;

    } else if (t[0] == 'M' && t[1] == 'M') {
        le = 0;

    } else {
        return 1;
    }

    if (ngx_http_overlay_tiff16(le, t + 2) != NGX_HTTP_OVERLAY_TIFF_MAGIC) {
        return 1;
    }

    ifd = ngx_http_overlay_tiff32(le, t + 4);

    if (ifd > len - 2 || ifd < 8) {
        return 1;
    }

    n = ngx_http_overlay_tiff16(le, t + ifd);

    for (i = 0; i < n; i++) {
        e = ifd + 2 + i * 12;

        if (e + 12 > len) {
            break;
        }

        tag = ngx_http_overlay_tiff16(le, t + e);
        type = ngx_http_overlay_tiff16(le, t + e + 2);

        if (tag == NGX_HTTP_OVERLAY_EXIF_ORIENTATION
            && type == NGX_HTTP_OVERLAY_TIFF_SHORT)
        {
            value = ngx_http_overlay_tiff16(le, t + e + 8);
            return (value >= 1 && value <= 8) ? value : 1;
        }
    }

    return 1;
}


void
ngx_http_overlay_orient_point(unsigned orientation, int w, int h, int vx,
    int vy, int *sx, int *sy)
{
    /* w, h: the stored image's; vx, vy: as the viewer sees the image */

    switch (orientation) {

    case 2:                                     /* mirrored */
        *sx = w - 1 - vx;
        *sy = vy;
        break;

    case 3:                                     /* turned 180 */
        *sx = w - 1 - vx;
        *sy = h - 1 - vy;
        break;

    case 4:                                     /* flipped */
        *sx = vx;
        *sy = h - 1 - vy;
        break;

    case 5:                                     /* transposed */
        *sx = vy;
        *sy = vx;
        break;

    case 6:                                     /* shown turned 90 right */
        *sx = vy;
        *sy = h - 1 - vx;
        break;

    case 7:                                     /* transversed */
        *sx = w - 1 - vy;
        *sy = h - 1 - vx;
        break;

    case 8:                                     /* shown turned 90 left */
        *sx = w - 1 - vy;
        *sy = vx;
        break;

    default:
        *sx = vx;
        *sy = vy;
        break;
    }
}


/* the inverse of ngx_http_overlay_orient_point() */

static void
ngx_http_overlay_orient_inverse(unsigned orientation, int w, int h, int sx,
    int sy, int *vx, int *vy)
{
    switch (orientation) {
    case 2:  *vx = w - 1 - sx; *vy = sy; break;
    case 3:  *vx = w - 1 - sx; *vy = h - 1 - sy; break;
    case 4:  *vx = sx; *vy = h - 1 - sy; break;
    case 5:  *vx = sy; *vy = sx; break;
    case 6:  *vx = h - 1 - sy; *vy = sx; break;
    case 7:  *vx = h - 1 - sy; *vy = w - 1 - sx; break;
    case 8:  *vx = sy; *vy = w - 1 - sx; break;
    default: *vx = sx; *vy = sy; break;
    }
}


/*
 * Lets the painter draw on the region as a viewer sees it: the region is
 * turned into the viewer's orientation, drawn on, and turned back.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_paint(ngx_http_overlay_jpeg_t *j, unsigned orientation,
    const ngx_http_overlay_rect_t *r,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_error_t *err)
{
    int                    w, h, vx, vy, sx, sy, vx0, vy0, i;
    ngx_http_overlay_rc_e  rc;

    if (orientation <= 1 || orientation > 8) {
        return painter->draw(painter->data, j->im, r->x, r->y, err);
    }

    w = (int) j->src.image_width;
    h = (int) j->src.image_height;

    /* where the region is in the image as the viewer sees it */

    vx0 = INT_MAX;
    vy0 = INT_MAX;

    for (i = 0; i < 4; i++) {
        ngx_http_overlay_orient_inverse(orientation, w, h,
                                        r->x + (i & 1) * (r->w - 1),
                                        r->y + (i >> 1) * (r->h - 1),
                                        &vx, &vy);

        vx0 = vx < vx0 ? vx : vx0;
        vy0 = vy < vy0 ? vy : vy0;
    }

    j->view = gdImageCreateTrueColor(orientation >= 5 ? r->h : r->w,
                                     orientation >= 5 ? r->w : r->h);
    if (j->view == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                      "gdImageCreateTrueColor() failed");
    }

    for (vy = 0; vy < gdImageSY(j->view); vy++) {
        for (vx = 0; vx < gdImageSX(j->view); vx++) {
            ngx_http_overlay_orient_point(orientation, w, h, vx0 + vx,
                                          vy0 + vy, &sx, &sy);
            j->view->tpixels[vy][vx] = j->im->tpixels[sy - r->y][sx - r->x];
        }
    }

    rc = painter->draw(painter->data, j->view, vx0, vy0, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    for (vy = 0; vy < gdImageSY(j->view); vy++) {
        for (vx = 0; vx < gdImageSX(j->view); vx++) {
            ngx_http_overlay_orient_point(orientation, w, h, vx0 + vx,
                                          vy0 + vy, &sx, &sy);
            j->im->tpixels[sy - r->y][sx - r->x] = j->view->tpixels[vy][vx];
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}
