
/*
 * ngx_http_overlay_module: JPEG markers by name (ITU T.81, table B.1), and
 * the one walker over the segments before a JPEG's first scan.
 *
 * Plain C, no nginx headers, no libjpeg.  The walker reads nothing but the
 * bytes it is given, allocates nothing and keeps its state in the caller's
 * ngx_http_overlay_jpeg_walk_t: any number of walks may run at once, in
 * any threads.
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_MARKER_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_MARKER_H_INCLUDED_


#include <stddef.h>


/* the byte every marker begins with */
#define NGX_HTTP_OVERLAY_JPEG_MARK  0xff


/* the byte after it, which names the marker */
typedef enum {
    NGX_HTTP_OVERLAY_JPEG_STUFFED = 0x00,       /* 0xff 0x00: a data byte */
    NGX_HTTP_OVERLAY_JPEG_TEM = 0x01,

    NGX_HTTP_OVERLAY_JPEG_SOF0 = 0xc0,          /* baseline */
    NGX_HTTP_OVERLAY_JPEG_SOF1 = 0xc1,          /* extended sequential */
    NGX_HTTP_OVERLAY_JPEG_SOF2 = 0xc2,          /* progressive */
    NGX_HTTP_OVERLAY_JPEG_SOF3 = 0xc3,          /* lossless */
    NGX_HTTP_OVERLAY_JPEG_DHT = 0xc4,
    NGX_HTTP_OVERLAY_JPEG_SOF5 = 0xc5,          /* differential ... */
    NGX_HTTP_OVERLAY_JPEG_SOF6 = 0xc6,
    NGX_HTTP_OVERLAY_JPEG_SOF7 = 0xc7,
    NGX_HTTP_OVERLAY_JPEG_JPG = 0xc8,
    NGX_HTTP_OVERLAY_JPEG_SOF9 = 0xc9,          /* arithmetic ... */
    NGX_HTTP_OVERLAY_JPEG_SOF10 = 0xca,
    NGX_HTTP_OVERLAY_JPEG_SOF11 = 0xcb,
    NGX_HTTP_OVERLAY_JPEG_DAC = 0xcc,
    NGX_HTTP_OVERLAY_JPEG_SOF13 = 0xcd,
    NGX_HTTP_OVERLAY_JPEG_SOF14 = 0xce,
    NGX_HTTP_OVERLAY_JPEG_SOF15 = 0xcf,

    NGX_HTTP_OVERLAY_JPEG_RST0 = 0xd0,
    NGX_HTTP_OVERLAY_JPEG_RST7 = 0xd7,
    NGX_HTTP_OVERLAY_JPEG_SOI = 0xd8,
    NGX_HTTP_OVERLAY_JPEG_EOI = 0xd9,
    NGX_HTTP_OVERLAY_JPEG_SOS = 0xda,
    NGX_HTTP_OVERLAY_JPEG_DQT = 0xdb,
    NGX_HTTP_OVERLAY_JPEG_DNL = 0xdc,
    NGX_HTTP_OVERLAY_JPEG_DRI = 0xdd,
    NGX_HTTP_OVERLAY_JPEG_DHP = 0xde,
    NGX_HTTP_OVERLAY_JPEG_EXP = 0xdf,

    NGX_HTTP_OVERLAY_JPEG_APP0 = 0xe0,          /* JFIF */
    NGX_HTTP_OVERLAY_JPEG_APP1 = 0xe1,          /* Exif, XMP */
    NGX_HTTP_OVERLAY_JPEG_APP2 = 0xe2,          /* ICC */
    NGX_HTTP_OVERLAY_JPEG_APP14 = 0xee,         /* Adobe */
    NGX_HTTP_OVERLAY_JPEG_APP15 = 0xef,
    NGX_HTTP_OVERLAY_JPEG_JPG0 = 0xf0,
    NGX_HTTP_OVERLAY_JPEG_JPG13 = 0xfd,
    NGX_HTTP_OVERLAY_JPEG_COM = 0xfe,
    NGX_HTTP_OVERLAY_JPEG_FILL = 0xff           /* a fill byte before one */
} ngx_http_overlay_jpeg_marker_e;


/* a frame header: SOF0..SOF15, but for DHT, JPG and DAC among them */
#define ngx_http_overlay_jpeg_is_sof(m)                                       \
    ((m) >= NGX_HTTP_OVERLAY_JPEG_SOF0 && (m) <= NGX_HTTP_OVERLAY_JPEG_SOF15  \
     && (m) != NGX_HTTP_OVERLAY_JPEG_DHT && (m) != NGX_HTTP_OVERLAY_JPEG_JPG  \
     && (m) != NGX_HTTP_OVERLAY_JPEG_DAC)

/* a progressive frame header: SOF2, SOF6, SOF10, SOF14 */
#define ngx_http_overlay_jpeg_is_progressive(m)                               \
    ((m) == NGX_HTTP_OVERLAY_JPEG_SOF2 || (m) == NGX_HTTP_OVERLAY_JPEG_SOF6   \
     || (m) == NGX_HTTP_OVERLAY_JPEG_SOF10                                    \
     || (m) == NGX_HTTP_OVERLAY_JPEG_SOF14)

#define ngx_http_overlay_jpeg_is_rst(m)                                       \
    ((m) >= NGX_HTTP_OVERLAY_JPEG_RST0 && (m) <= NGX_HTTP_OVERLAY_JPEG_RST7)


/*
 * How a walk reads what lies between segments.  T.81 has 0xff fill bytes
 * before any marker, and TEM, RSTn, SOI and EOI without a segment; each
 * flag takes one of those rules.  Without them, every 0xff starts a
 * marker and every marker but SOS has a length, taken as it is.
 */
#define NGX_HTTP_OVERLAY_JPEG_WALK_FILL   0x01  /* fill bytes skipped */
#define NGX_HTTP_OVERLAY_JPEG_WALK_ALONE  0x02  /* TEM, RSTn, EOI: no length */
#define NGX_HTTP_OVERLAY_JPEG_WALK_SOI    0x04  /* SOI: no length */

#define NGX_HTTP_OVERLAY_JPEG_WALK_T81                                        \
    (NGX_HTTP_OVERLAY_JPEG_WALK_FILL | NGX_HTTP_OVERLAY_JPEG_WALK_ALONE       \
     | NGX_HTTP_OVERLAY_JPEG_WALK_SOI)


/* what ngx_http_overlay_jpeg_walk_next() found */
typedef enum {
    NGX_HTTP_OVERLAY_JPEG_WALK_MARKER = 0,  /* a marker, in *m */
    NGX_HTTP_OVERLAY_JPEG_WALK_END,         /* fewer than 4 bytes left */
    NGX_HTTP_OVERLAY_JPEG_WALK_DATA,        /* a byte other than 0xff */
    NGX_HTTP_OVERLAY_JPEG_WALK_SHORT,       /* a length under 2, in *m */
    NGX_HTTP_OVERLAY_JPEG_WALK_PAST         /* a segment past the end, *m */
} ngx_http_overlay_jpeg_walk_e;


typedef struct {
    const unsigned char              *p;
    size_t                            len;
    size_t                            pos;      /* where to look next */
    unsigned                          flags;
} ngx_http_overlay_jpeg_walk_t;


typedef struct {
    unsigned                          marker;   /* the byte after 0xff */
    size_t                            at;       /* its 0xff in p */
    size_t                            seg;      /* its length; 0: none */
    const unsigned char              *data;     /* after the length */
} ngx_http_overlay_jpeg_segment_t;


/*
 * Starts a walk of the len bytes at p, from the marker after SOI (p[2]),
 * with flags NGX_HTTP_OVERLAY_JPEG_WALK_*.  The bytes stay the caller's
 * and must outlive the walk.
 */
void ngx_http_overlay_jpeg_walk_init(ngx_http_overlay_jpeg_walk_t *w,
    const unsigned char *p, size_t len, unsigned flags);

/*
 * The next marker: NGX_HTTP_OVERLAY_JPEG_WALK_MARKER with *m, and the walk
 * moves past its segment; anything else ends the walk (with *m set for
 * _SHORT and _PAST: the segment that does not fit).  A marker without a
 * segment has m->seg 0 and m->data NULL; so has SOS, which is returned
 * as it is found: its scan header and the entropy-coded data after it
 * are the caller's (the walk goes on at the header as if it were one).
 * The walk ends where fewer than 4 bytes are left at the next 0xff (fill
 * bytes included): no marker is reported in the last three bytes of p.
 */
ngx_http_overlay_jpeg_walk_e ngx_http_overlay_jpeg_walk_next(
    ngx_http_overlay_jpeg_walk_t *w, ngx_http_overlay_jpeg_segment_t *m);



/* a table of a DHT segment, as ngx_http_overlay_jpeg_dht_next() found it */
typedef struct {
    unsigned                          cls;      /* 0: DC, 1: AC */
    unsigned                          th;       /* its number, 0 to 3 */
    unsigned                          count;    /* of values */
    const unsigned char              *counts;   /* 16: codes by length */
    const unsigned char              *values;   /* count of them */
} ngx_http_overlay_jpeg_dht_t;


/*
 * The first table of the n bytes of a DHT segment's data at seg, in *t
 * (pointing into seg): the bytes it takes; 0: none left (n is 0); -1: it
 * is malformed (fewer than 17 bytes, a class over 1, a number over 3,
 * over 256 values, or fewer bytes than its counts say)
 */
int ngx_http_overlay_jpeg_dht_next(const unsigned char *seg, size_t n,
    ngx_http_overlay_jpeg_dht_t *t);

/*
 * The table *t as libjpeg keeps one (JHUFF_TBL): bits[0] 0, bits[1..16]
 * the counts of codes by length; huffval[256] the values, then zeros
 */
void ngx_http_overlay_jpeg_dht_copy(const ngx_http_overlay_jpeg_dht_t *t,
    unsigned char *bits, unsigned char *huffval);

#endif /* _NGX_HTTP_OVERLAY_JPEG_MARKER_H_INCLUDED_ */
