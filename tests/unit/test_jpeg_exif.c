
/*
 * Unit tests of ngx_http_overlay_jpeg_exif.c: the orientation read from
 * real files and from EXIF written here in both byte orders, never an
 * error on a broken one; points mapped for the eight orientations, checked
 * against the transforms' definitions (EXIF 2.3, tag 0x0112).
 */


#include "unit.h"
#include "ngx_http_overlay_jpeg_exif.h"


static size_t exif_jpeg(unsigned char *buf, int le, unsigned value);


void
test_jpeg_exif_orientation(void)
{
    int             le;
    size_t          len, n;
    unsigned        v, got;
    unsigned char  *data, buf[64];

    data = read_fixture("portrait-exif6.jpg", &len);
    got = ngx_http_overlay_jpeg_orientation(data, len);
    CHECK(got == 6, "portrait-exif6.jpg: orientation %u", got);
    free(data);

    data = read_fixture("rocket.jpg", &len);
    got = ngx_http_overlay_jpeg_orientation(data, len);
    CHECK(got == 1, "rocket.jpg (no EXIF): orientation %u", got);
    free(data);

    for (le = 0; le < 2; le++) {
        for (v = 0; v <= 9; v++) {
            n = exif_jpeg(buf, le, v);
            got = ngx_http_overlay_jpeg_orientation(buf, n);

            CHECK(got == ((v >= 1 && v <= 8) ? v : 1),
                  "%s orientation %u read as %u", le ? "II" : "MM", v, got);
        }
    }

    /* cut anywhere: 1, never a read past the end (ASan) */

    n = exif_jpeg(buf, 1, 8);

    for (len = 0; len < n; len++) {
        data = malloc(len ? len : 1);
        memcpy(data, buf, len);
        got = ngx_http_overlay_jpeg_orientation(data, len);
        free(data);

        if (got != 1 && len < n - 10) {
            break;
        }
    }

    CHECK(len == n, "a cut EXIF segment gives 1 (cut at %zu)", len);
}


void
test_jpeg_exif_orient_point(void)
{
    int        o, w, h, vx, vy, vw, vh, sx, sy, ex, ey, bad;

    /* a 5x3 stored image; the viewer sees 3x5 for orientations 5..8 */

    w = 5;
    h = 3;
    bad = 0;

    for (o = 1; o <= 8; o++) {
        vw = (o >= 5) ? h : w;
        vh = (o >= 5) ? w : h;

        for (vy = 0; vy < vh; vy++) {
            for (vx = 0; vx < vw; vx++) {

                /* where the viewer's pixel is stored, by definition */

                switch (o) {
                case 2: ex = w - 1 - vx; ey = vy; break;
                case 3: ex = w - 1 - vx; ey = h - 1 - vy; break;
                case 4: ex = vx; ey = h - 1 - vy; break;
                case 5: ex = vy; ey = vx; break;
                case 6: ex = vy; ey = h - 1 - vx; break;
                case 7: ex = w - 1 - vy; ey = h - 1 - vx; break;
                case 8: ex = w - 1 - vy; ey = vx; break;
                default: ex = vx; ey = vy; break;
                }

                ngx_http_overlay_orient_point((unsigned) o, w, h, vx, vy,
                                              &sx, &sy);

                if (sx != ex || sy != ey) {
                    bad++;
                    CHECK(0, "orientation %d: (%d,%d) -> (%d,%d), not "
                          "(%d,%d)", o, vx, vy, sx, sy, ex, ey);
                }
            }
        }
    }

    CHECK(bad == 0, "every point of the 8 orientations mapped");

    ngx_http_overlay_orient_point(9, w, h, 2, 1, &sx, &sy);
    CHECK(sx == 2 && sy == 1, "orientation 9 taken as 1");
}


/* SOI, APP1 "Exif" with IFD0 holding the orientation, SOS: in buf */

static size_t
exif_jpeg(unsigned char *buf, int le, unsigned value)
{
    size_t          n;
    unsigned char  *t;

    n = 0;
    buf[n++] = 0xff;
    buf[n++] = 0xd8;
    buf[n++] = 0xff;
    buf[n++] = 0xe1;
    buf[n++] = 0;
    buf[n++] = 2 + 6 + 8 + 2 + 12 + 4;         /* 34 */
    memcpy(buf + n, "Exif\0\0", 6);
    n += 6;

    t = buf + n;                                /* the TIFF header */
    memcpy(t, le ? "II\x2a\x00\x08\x00\x00\x00" : "MM\x00\x2a\x00\x00\x00\x08",
           8);

    /* one entry: tag 0x0112, type 3 (SHORT), count 1, the value */

    if (le) {
        memcpy(t + 8, "\x01\x00" "\x12\x01" "\x03\x00" "\x01\x00\x00\x00",
               10);
        t[18] = (unsigned char) value;
        t[19] = 0;

    } else {
        memcpy(t + 8, "\x00\x01" "\x01\x12" "\x00\x03" "\x00\x00\x00\x01",
               10);
        t[18] = 0;
        t[19] = (unsigned char) value;
    }

    t[20] = t[21] = 0;
    memset(t + 22, 0, 4);                       /* no next IFD */
    n += 26;

    buf[n++] = 0xff;
    buf[n++] = 0xda;
    buf[n++] = 0;
    buf[n++] = 8;

    return n;
}
