
/*
 * ngx_http_overlay_module: the one walker over a JPEG's segments, up to
 * its first scan (see ngx_http_overlay_jpeg_marker.h).
 */


#include <string.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_jpeg_marker.h"


static int ngx_http_overlay_jpeg_alone(unsigned marker, unsigned flags);


void
ngx_http_overlay_jpeg_walk_init(ngx_http_overlay_jpeg_walk_t *w,
    const unsigned char *p, size_t len, unsigned flags)
{
    w->p = p;
    w->len = len;
    w->pos = 2;                                 /* after SOI */
    w->flags = flags;
}


ngx_http_overlay_jpeg_walk_e
ngx_http_overlay_jpeg_walk_next(ngx_http_overlay_jpeg_walk_t *w,
    ngx_http_overlay_jpeg_segment_t *m)
{
    size_t                pos, len;
    const unsigned char  *p;

    p = w->p;
    len = w->len;
    pos = w->pos;

    /* a marker: 0xff, the code, a length; after any number of fill bytes */

    if (pos + 4 > len) {
        return NGX_HTTP_OVERLAY_JPEG_WALK_END;
    }

    if (p[pos] != NGX_HTTP_OVERLAY_JPEG_MARK) {
        return NGX_HTTP_OVERLAY_JPEG_WALK_DATA;
    }

    if (w->flags & NGX_HTTP_OVERLAY_JPEG_WALK_FILL) {
        while (pos + 1 < len && p[pos + 1] == NGX_HTTP_OVERLAY_JPEG_FILL) {
            pos++;
        }

        if (pos + 2 > len) {
            return NGX_HTTP_OVERLAY_JPEG_WALK_END;
        }
    }

    m->marker = p[pos + 1];
    m->at = pos;
    m->seg = 0;
    m->data = NULL;

    if (m->marker == NGX_HTTP_OVERLAY_JPEG_SOS
        || ngx_http_overlay_jpeg_alone(m->marker, w->flags))
    {
        w->pos = pos + 2;
        return NGX_HTTP_OVERLAY_JPEG_WALK_MARKER;
    }

    if (pos + 4 > len) {
        return NGX_HTTP_OVERLAY_JPEG_WALK_END;
    }

    m->seg = ngx_http_overlay_be16(&p[pos + 2]);
    m->data = &p[pos + 4];

    if (m->seg < 2) {
        return NGX_HTTP_OVERLAY_JPEG_WALK_SHORT;
    }

    if (pos + 2 + m->seg > len) {
        return NGX_HTTP_OVERLAY_JPEG_WALK_PAST;
    }

    w->pos = pos + 2 + m->seg;

    return NGX_HTTP_OVERLAY_JPEG_WALK_MARKER;
}


/* a marker without a length, as the walk's flags read it */

static int
ngx_http_overlay_jpeg_alone(unsigned marker, unsigned flags)
{
    if (flags & NGX_HTTP_OVERLAY_JPEG_WALK_ALONE) {
        if (marker == NGX_HTTP_OVERLAY_JPEG_TEM
            || marker == NGX_HTTP_OVERLAY_JPEG_EOI
            || ngx_http_overlay_jpeg_is_rst(marker))
        {
            return 1;
        }
    }

    return (flags & NGX_HTTP_OVERLAY_JPEG_WALK_SOI)
           && marker == NGX_HTTP_OVERLAY_JPEG_SOI;
}


int
ngx_http_overlay_jpeg_dht_next(const unsigned char *seg, size_t n,
    ngx_http_overlay_jpeg_dht_t *t)
{
    unsigned  l;

    if (n == 0) {
        return 0;
    }

    if (n < 17) {
        return -1;
    }

    t->cls = seg[0] >> 4;
    t->th = seg[0] & 0x0f;
    t->counts = &seg[1];
    t->values = &seg[17];

    for (l = 0, t->count = 0; l < 16; l++) {
        t->count += seg[1 + l];
    }

    /* four tables of each class (T.81 B.2.4.2) */

    if (t->cls > 1 || t->th > 3 || t->count > 256 || n < 17 + t->count) {
        return -1;
    }

    return (int) (17 + t->count);
}


void
ngx_http_overlay_jpeg_dht_copy(const ngx_http_overlay_jpeg_dht_t *t,
    unsigned char *bits, unsigned char *huffval)
{
    bits[0] = 0;
    memcpy(&bits[1], t->counts, 16);
    memset(huffval, 0, 256);
    memcpy(huffval, t->values, t->count);
}
