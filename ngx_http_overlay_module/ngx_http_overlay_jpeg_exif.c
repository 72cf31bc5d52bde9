
/*
 * ngx_http_overlay_module: EXIF orientation in JPEG.  The orientation is
 * read from the APP1 "Exif" segment, points of the image as a viewer sees
 * it are mapped to the image stored, and the painter draws on a region as
 * the viewer sees it (the codec works on the stored image).
 */


#include <limits.h>
#include <string.h>

#include "ngx_http_overlay_jpeg_exif.h"
#include "ngx_http_overlay_jpeg_int.h"


static unsigned ngx_http_overlay_exif_orientation(const unsigned char *p,
    size_t len);


unsigned
ngx_http_overlay_jpeg_orientation(const unsigned char *p, size_t len)
{
    size_t    pos, seg;
    unsigned  marker;

    /* APP1 "Exif" segments before the first frame header */

    pos = 2;

    while (pos + 4 <= len && p[pos] == 0xff) {
        marker = p[pos + 1];

        if (marker == 0xd8 || marker == 0x01
            || (marker >= 0xd0 && marker <= 0xd7))
        {
            pos += 2;
            continue;
        }

        if (marker == 0xff) {
            pos++;
            continue;
        }

        if (marker == 0xda || marker == 0xd9
            || (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4
                && marker != 0xc8 && marker != 0xcc))
        {
            break;
        }

        seg = (size_t) p[pos + 2] << 8 | p[pos + 3];

        if (seg < 2 || pos + 2 + seg > len) {
            break;
        }

        /* APP1 may hold XMP before (or instead of) Exif */

        if (marker == 0xe1 && seg >= 8 && memcmp(&p[pos + 4], "Exif", 4) == 0)
        {
            return ngx_http_overlay_exif_orientation(&p[pos + 4], seg - 2);
        }

        pos += 2 + seg;
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

#define ngx_http_overlay_tiff16(q)                                            \
    (le ? (unsigned) (q)[0] | (unsigned) (q)[1] << 8                          \
        : (unsigned) (q)[0] << 8 | (unsigned) (q)[1])
#define ngx_http_overlay_tiff32(q)                                            \
    (le ? (size_t) (q)[0] | (size_t) (q)[1] << 8 | (size_t) (q)[2] << 16     \
          | (size_t) (q)[3] << 24                                             \
        : (size_t) (q)[0] << 24 | (size_t) (q)[1] << 16                       \
          | (size_t) (q)[2] << 8 | (size_t) (q)[3])

    if (ngx_http_overlay_tiff16(t + 2) != 42) {
        return 1;
    }

    ifd = ngx_http_overlay_tiff32(t + 4);

    if (ifd > len - 2 || ifd < 8) {
        return 1;
    }

    n = ngx_http_overlay_tiff16(t + ifd);

    for (i = 0; i < n; i++) {
        e = ifd + 2 + i * 12;

        if (e + 12 > len) {
            break;
        }

        tag = ngx_http_overlay_tiff16(t + e);
        type = ngx_http_overlay_tiff16(t + e + 2);

        if (tag == 0x0112 && type == 3) {
            value = ngx_http_overlay_tiff16(t + e + 8);
            return (value >= 1 && value <= 8) ? value : 1;
        }
    }

#undef ngx_http_overlay_tiff16
#undef ngx_http_overlay_tiff32

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
        sx = r->x + (i & 1) * (r->w - 1);
        sy = r->y + (i >> 1) * (r->h - 1);

        /* the inverse of ngx_http_overlay_orient_point() */

        switch (orientation) {
        case 2:  vx = w - 1 - sx; vy = sy; break;
        case 3:  vx = w - 1 - sx; vy = h - 1 - sy; break;
        case 4:  vx = sx; vy = h - 1 - sy; break;
        case 5:  vx = sy; vy = sx; break;
        case 6:  vx = h - 1 - sy; vy = sx; break;
        case 7:  vx = h - 1 - sy; vy = w - 1 - sx; break;
        default: vx = sy; vy = w - 1 - sx; break;
        }

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
