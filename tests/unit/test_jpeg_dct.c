
/*
 * Unit tests of the JPEG codec's DCT-domain block work: on JPEG variants
 * of a real photo (every sampling, progressive, restart intervals,
 * greyscale, EXIF orientations), every block outside the overlay's iMCUs
 * is the input's, bit for bit, the blocks under it changed, the markers,
 * mode and orientation are kept, the badge is where the viewer expects
 * it, and overlaying the output again costs little (no drift).
 */


#include <limits.h>

#include "unit.h"
#include "ngx_http_overlay_layout.h"
#include "ngx_http_overlay_codec_jpeg.h"


void
test_jpeg_dct(void)
{
    int                             c, by, bx, changed, outside, mcu;
    int                             x0, y0, x1, y1;
    char                            name[64];
    size_t                          i;
    gdImagePtr                      photo, in, out;
    unsigned char                  *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob, again;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const jpeg_variant_t  variants[] = {
        { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 },       /* 4:2:0 */
        { JCS_YCbCr, 1, 1, 0, 0, 92, 0, 0, 0 },       /* 4:4:4 */
        { JCS_YCbCr, 2, 1, 0, 0, 75, 0, 0, 0 },       /* 4:2:2 */
        { JCS_YCbCr, 2, 2, 1, 0, 85, 0, 0, 0 },       /* progressive */
        { JCS_YCbCr, 2, 2, 0, 2, 85, 0, 0, 0 },       /* restart intervals */
        { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 0, 0 },
        { JCS_GRAYSCALE, 2, 2, 0, 0, 85, 0, 0, 0 },   /* grey as Pillow's */
        { JCS_YCbCr, 2, 2, 0, 0, 85, 6, 0, 0 },       /* EXIF: turned right */
        { JCS_YCbCr, 2, 2, 1, 0, 85, 3, 0, 0 },   /* EXIF: 180, progressive */
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    photo = decode_fixture("coffee.jpg");

    if (photo == NULL) {
        return;
    }

    for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        const jpeg_variant_t  *v = &variants[i];

        snprintf(name, sizeof(name), "variant %zu (space %d, %dx%d%s%s, "
                 "orientation %u)", i, (int) v->space, v->h, v->v,
                 v->progressive ? ", progressive" : "",
                 v->restart ? ", restarts" : "", v->orientation);

        jpeg = make_jpeg(photo, v, &jlen);

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            free(jpeg);
            continue;
        }

        CHECK(info.orientation == (v->orientation ? v->orientation : 1)
              && info.width == (v->orientation >= 5 ? 400u : 600u),
              "%s: probed %ux%u, orientation %u", name, info.width,
              info.height, info.orientation);

        read_coefs(jpeg, jlen, &a);
        read_coefs(blob.data, blob.len, &b);

        /* markers, mode and orientation kept */

        CHECK(b.markers == a.markers && b.icc && strcmp(b.com, "(c) test")
              == 0, "%s: markers %d of %d, ICC %d, comment \"%s\"", name,
              b.markers, a.markers, b.icc, b.com);
        CHECK(b.progressive == a.progressive, "%s: progressive", name);
        CHECK(b.orientation == a.orientation, "%s: orientation", name);

        /* the region the layout draws on, in the stored image's blocks */

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            (int) info.width,
                                            (int) info.height, &err);
        {
            int  sx0, sy0, sx1, sy1, k;

            x0 = INT_MAX;
            y0 = INT_MAX;
            x1 = 0;
            y1 = 0;

            for (k = 0; k < 4; k++) {
                ngx_http_overlay_orient_point(info.orientation,
                    gdImageSX(photo), gdImageSY(photo),
                    layout.bounds.x + (k & 1) * (layout.bounds.w - 1),
                    layout.bounds.y + (k >> 1) * (layout.bounds.h - 1),
                    &sx0, &sy0);
                sx1 = sx0;
                sy1 = sy0;
                x0 = sx0 < x0 ? sx0 : x0;
                y0 = sy0 < y0 ? sy0 : y0;
                x1 = sx1 > x1 ? sx1 : x1;
                y1 = sy1 > y1 ? sy1 : y1;
            }
        }

        ngx_http_overlay_render_free(&layout);

        /* every block outside the overlay's iMCUs is the input's, bit for
         * bit; blocks under it changed */

        changed = 0;
        outside = 0;
        mcu = 16;

        for (c = 0; c < a.ncomp; c++) {
            int  sx = (c == 0 || v->space == JCS_GRAYSCALE) ? 8 : 8 * v->h;
            int  sy = (c == 0 || v->space == JCS_GRAYSCALE) ? 8 : 8 * v->v;

            for (by = 0; by < a.h[c]; by++) {
                for (bx = 0; bx < a.w[c]; bx++) {
                    int  px = bx * sx, py = by * sy, diff;

                    diff = memcmp(&a.coef[c][((size_t) by * a.w[c] + bx)
                                             * DCTSIZE2],
                                  &b.coef[c][((size_t) by * b.w[c] + bx)
                                             * DCTSIZE2],
                                  sizeof(JBLOCK));

                    if (diff == 0) {
                        continue;
                    }

                    if (px + sx <= x0 - mcu || px >= x1 + mcu
                        || py + sy <= y0 - mcu || py >= y1 + mcu)
                    {
                        outside++;

                    } else {
                        changed++;
                    }
                }
            }
        }

        CHECK(outside == 0 && changed > 0,
              "%s: %d blocks changed outside the overlay, %d under it",
              name, outside, changed);

        /* the badge is where the viewer expects it: top-right, seen
         * through the orientation */

        in = decode_image(jpeg, jlen);
        out = decode_image(blob.data, blob.len);

        if (in != NULL && out != NULL) {
            int  vx, vy, sx, sy, red = 0;

            for (vy = 20; vy < 40; vy++) {
                for (vx = (int) info.width - 60; vx < (int) info.width - 20;
                     vx++)
                {
                    int  p;

                    ngx_http_overlay_orient_point(info.orientation,
                                                  gdImageSX(out),
                                                  gdImageSY(out), vx, vy,
                                                  &sx, &sy);
                    p = gdImageGetTrueColorPixel(out, sx, sy);

                    if (v->space == JCS_GRAYSCALE
                        ? gdTrueColorGetRed(p) < 140
                          && gdTrueColorGetRed(p) > 60
                        : gdTrueColorGetRed(p) > 150
                          && gdTrueColorGetGreen(p) < 90)
                    {
                        red++;
                    }
                }
            }

            CHECK(red > 400, "%s: %d badge pixels top-right as seen", name,
                  red);
        }

        if (in != NULL) {
            gdImageDestroy(in);
        }

        if (out != NULL) {
            gdImageDestroy(out);
        }

        /* no drift: overlaying the output again costs little */

        rc = ngx_http_overlay_composite(blob.data, blob.len, &spec, &opts,
                                        &info, &again, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK
              && again.len < blob.len + blob.len / 50
              && again.len + again.len / 50 > blob.len,
              "%s: %zu bytes in, %zu out, %zu the second time", name,
              (size_t) jlen, blob.len, again.len);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&again);
        }

        free_coefs(&a);
        free_coefs(&b);
        ngx_http_overlay_codec_free(&blob);
        free(jpeg);
    }

    gdImageDestroy(photo);
}
