
/*
 * Unit tests of ngx_http_overlay_jpeg_marker.c: the walk over the segments
 * of JPEGs written by libjpeg and by hand, against what the bytes say,
 * and how each flag reads fill bytes, SOI and markers without a length.
 */


#include "unit.h"
#include "ngx_http_overlay_jpeg_marker.h"


#define WALK_MAX  64


static unsigned walk(const unsigned char *p, size_t len, unsigned flags,
    unsigned *markers, ngx_http_overlay_jpeg_walk_e *end);


void
test_jpeg_marker_walk(void)
{
    size_t                         len, pos;
    unsigned                       n, k, markers[WALK_MAX], expect[WALK_MAX];
    unsigned char                 *data;
    ngx_http_overlay_jpeg_walk_e   end;

    /*
     * a real file: the markers up to SOS are exactly those found by reading
     * the bytes segment by segment here, each length from the file
     */

    data = read_fixture("portrait-exif6.jpg", &len);

    k = 0;
    pos = 2;

    while (pos + 4 <= len && data[pos] == 0xff && k < WALK_MAX) {
        expect[k++] = data[pos + 1];

        if (data[pos + 1] == 0xda) {
            break;
        }

        pos += 2 + ((size_t) data[pos + 2] << 8 | data[pos + 3]);
    }

    n = walk(data, len, NGX_HTTP_OVERLAY_JPEG_WALK_T81, markers, &end);

    CHECK(k > 3 && expect[k - 1] == 0xda && n == k
          && memcmp(markers, expect, k * sizeof(unsigned)) == 0,
          "portrait-exif6.jpg: %u markers walked, %u in the file", n, k);
    CHECK(markers[0] == NGX_HTTP_OVERLAY_JPEG_APP0
          || markers[0] == NGX_HTTP_OVERLAY_JPEG_APP1,
          "the first segment is an APPn: %02x", markers[0]);

    /* cut anywhere inside the headers: the walk ends, never past the end */

    for (pos = 0; pos < 600 && pos < len; pos += 7) {
        n = walk(data, pos, NGX_HTTP_OVERLAY_JPEG_WALK_T81, markers, &end);

        if (end == NGX_HTTP_OVERLAY_JPEG_WALK_MARKER || n > k) {
            break;
        }
    }

    CHECK(pos >= 600 || pos >= len, "every cut ends the walk (at %zu)", pos);

    free(data);
}


void
test_jpeg_marker_flags(void)
{
    unsigned                       n, markers[WALK_MAX];
    ngx_http_overlay_jpeg_walk_e   end;

    /* SOI, fill bytes, RST0 and SOI alone, a COM of 4 bytes, SOS */
    static const unsigned char  fill[] = {
        0xff, 0xd8,
        0xff, 0xff, 0xff, 0xfe, 0x00, 0x04, 'h', 'i',
        0xff, 0xd0,
        0xff, 0xd8,
        0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 63, 0,
        0x12, 0x34, 0xff, 0xd9
    };

    static const unsigned char  short_seg[] = {
        0xff, 0xd8, 0xff, 0xdb, 0x00, 0x01, 0, 0, 0, 0
    };

    static const unsigned char  past[] = {
        0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00, 'E', 'x', 'i', 'f', 0, 0
    };

    static const unsigned char  data[] = {
        0xff, 0xd8, 0x12, 0xff, 0xdb, 0x00, 0x02, 0, 0, 0
    };

    n = walk(fill, sizeof(fill), NGX_HTTP_OVERLAY_JPEG_WALK_T81, markers,
             &end);

    CHECK(n == 4 && markers[0] == NGX_HTTP_OVERLAY_JPEG_COM
          && markers[1] == NGX_HTTP_OVERLAY_JPEG_RST0
          && markers[2] == NGX_HTTP_OVERLAY_JPEG_SOI
          && markers[3] == NGX_HTTP_OVERLAY_JPEG_SOS,
          "T.81: fill skipped, RST0 and SOI without a length: %u markers",
          n);

    /* without the flags a fill byte is a marker with a length */

    n = walk(fill, sizeof(fill), 0, markers, &end);

    CHECK(n == 0 && end == NGX_HTTP_OVERLAY_JPEG_WALK_PAST,
          "no flags: 0xff 0xff read as a marker of length 0xfffe (%u, %d)",
          n, (int) end);

    n = walk(short_seg, sizeof(short_seg), NGX_HTTP_OVERLAY_JPEG_WALK_T81,
             markers, &end);
    CHECK(n == 0 && end == NGX_HTTP_OVERLAY_JPEG_WALK_SHORT,
          "a length under 2 ends the walk: %d", (int) end);

    n = walk(past, sizeof(past), NGX_HTTP_OVERLAY_JPEG_WALK_T81, markers,
             &end);
    CHECK(n == 0 && end == NGX_HTTP_OVERLAY_JPEG_WALK_PAST,
          "a segment past the end ends the walk: %d", (int) end);

    n = walk(data, sizeof(data), NGX_HTTP_OVERLAY_JPEG_WALK_T81, markers,
             &end);
    CHECK(n == 0 && end == NGX_HTTP_OVERLAY_JPEG_WALK_DATA,
          "a byte other than 0xff ends the walk: %d", (int) end);

    CHECK(ngx_http_overlay_jpeg_is_sof(0xc0)
          && ngx_http_overlay_jpeg_is_sof(0xc2)
          && ngx_http_overlay_jpeg_is_sof(0xcf)
          && !ngx_http_overlay_jpeg_is_sof(0xc4)
          && !ngx_http_overlay_jpeg_is_sof(0xc8)
          && !ngx_http_overlay_jpeg_is_sof(0xcc)
          && ngx_http_overlay_jpeg_is_progressive(0xc2)
          && ngx_http_overlay_jpeg_is_progressive(0xca)
          && !ngx_http_overlay_jpeg_is_progressive(0xc1)
          && ngx_http_overlay_jpeg_is_rst(0xd0)
          && ngx_http_overlay_jpeg_is_rst(0xd7)
          && !ngx_http_overlay_jpeg_is_rst(0xd8),
          "SOFn, progressive SOFn and RSTn told apart as T.81 lists them");
}


/* the markers of a walk up to SOS (included) or its end, which is *end */

static unsigned
walk(const unsigned char *p, size_t len, unsigned flags, unsigned *markers,
    ngx_http_overlay_jpeg_walk_e *end)
{
    unsigned                          n;
    ngx_http_overlay_jpeg_walk_t      w;
    ngx_http_overlay_jpeg_segment_t   m;

    ngx_http_overlay_jpeg_walk_init(&w, p, len, flags);

    for (n = 0; n < WALK_MAX; n++) {
        *end = ngx_http_overlay_jpeg_walk_next(&w, &m);

        if (*end != NGX_HTTP_OVERLAY_JPEG_WALK_MARKER) {
            return n;
        }

        markers[n] = m.marker;

        if (m.marker == NGX_HTTP_OVERLAY_JPEG_SOS) {
            return n + 1;
        }
    }

    return n;
}


/*
 * A DHT segment's tables one by one: two tables, then the end; each
 * malformed table refused
 */

void
test_jpeg_marker_dht(void)
{
    int                           k;
    size_t                        i;
    unsigned char                 seg[64], bad[32], bits[17], huffval[256];
    ngx_http_overlay_jpeg_dht_t   t;

    /* a DC table 0 of 3 values, then an AC table 1 of 2 */

    memset(seg, 0, sizeof(seg));
    seg[0] = 0x00;
    seg[2] = 3;                                 /* three codes of 2 bits */
    seg[17] = 4;
    seg[18] = 5;
    seg[19] = 6;
    seg[20] = 0x11;
    seg[20 + 1] = 2;                            /* two codes of 1 bit */
    seg[20 + 17] = 0x01;
    seg[20 + 18] = 0xf0;

    k = ngx_http_overlay_jpeg_dht_next(seg, 39, &t);
    CHECK(k == 20 && t.cls == 0 && t.th == 0 && t.count == 3
          && t.counts == &seg[1] && t.values == &seg[17],
          "dht: the first table, %d bytes", k);

    /* as libjpeg keeps it, over a table that held more */

    memset(bits, 0xaa, sizeof(bits));
    memset(huffval, 0xaa, sizeof(huffval));
    ngx_http_overlay_jpeg_dht_copy(&t, bits, huffval);

    CHECK(bits[0] == 0 && bits[1] == 0 && bits[2] == 3 && bits[16] == 0
          && huffval[0] == 4 && huffval[2] == 6 && huffval[3] == 0
          && huffval[255] == 0,
          "dht: the first table copied, its counts from bits[1], the rest "
          "of the values zero");

    k = ngx_http_overlay_jpeg_dht_next(seg + 20, 19, &t);
    CHECK(k == 19 && t.cls == 1 && t.th == 1 && t.count == 2
          && t.values[1] == 0xf0, "dht: the second table, %d bytes", k);

    CHECK(ngx_http_overlay_jpeg_dht_next(seg + 39, 0, &t) == 0,
          "dht: the end");

    /* cut short, class 2, table 4, more values than bytes, over 256 */

    CHECK(ngx_http_overlay_jpeg_dht_next(seg, 16, &t) == -1,
          "dht: 16 bytes");
    CHECK(ngx_http_overlay_jpeg_dht_next(seg, 19, &t) == -1,
          "dht: fewer values than counted");

    for (i = 0; i < 2; i++) {
        memcpy(bad, seg, 20);
        bad[0] = i == 0 ? 0x20 : 0x04;
        CHECK(ngx_http_overlay_jpeg_dht_next(bad, 20, &t) == -1,
              "dht: class and number 0x%02x", bad[0]);
    }

    memset(bad, 0, sizeof(bad));
    bad[16] = 255;
    bad[15] = 2;
    CHECK(ngx_http_overlay_jpeg_dht_next(bad, sizeof(bad), &t) == -1,
          "dht: 257 values");
}
