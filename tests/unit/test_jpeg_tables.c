
/*
 * Unit tests of the JPEG codec's Huffman table checks: the output is
 * coded with the source's own tables when they hold every symbol the new
 * blocks need, else with optimal ones.
 */


#include "unit.h"
#include "ngx_http_overlay_layout.h"


static int jpeg_tables(const unsigned char *p, size_t len,
    char tables[8][300]);


/*
 * The DCT path codes its output with the source's own Huffman tables when
 * they hold every symbol the new blocks need, else with optimal ones: at
 * every position, with dummy blocks at the right and bottom edges,
 * restart intervals, greyscale, and optimized tables that lack symbols,
 * the output decodes without a warning, the source's blocks outside the
 * overlay's MCUs are unchanged, and the tables are the source's when they
 * are complete (libjpeg's standard ones).
 */

void
test_jpeg_tables(void)
{
    int                             i, p, c, by, bx, outside, flat, ntin,
                                    ntout, same;
    char                            name[96], tin[8][300], tout[8][300];
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const struct {
        jpeg_variant_t  v;
        int             w, h, flat;
    } sources[] = {
        /* 600x390: dummy blocks at the right and at the bottom */
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 5 }, 600, 390, 0 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 1, 0 }, 600, 390, 0 },
        { { JCS_YCbCr, 1, 1, 0, 0, 90, 0, 1, 7 }, 600, 390, 0 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 1, 3 }, 600, 390, 0 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 }, 601, 391, 0 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 1, 0 }, 600, 390, 1 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 1, 0 }, 600, 390, 1 },
        /* made of coefficients: only the DC tables lack symbols */
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 1, 0 }, 600, 390, 2 },
    };

    static const ngx_http_overlay_position_e  positions[] = {
        NGX_HTTP_OVERLAY_TOP_RIGHT, NGX_HTTP_OVERLAY_BOTTOM_LEFT,
        NGX_HTTP_OVERLAY_BOTTOM_RIGHT, NGX_HTTP_OVERLAY_CENTER
    };

    ngx_http_overlay_options_init(&opts);

    photo = decode_fixture("coffee.jpg");

    if (photo == NULL) {
        return;
    }

    flat = 0;

    for (i = 0; i < (int) (sizeof(sources) / sizeof(sources[0])); i++) {

        im = gdImageCreateTrueColor(sources[i].w, sources[i].h);

        if (sources[i].flat == 1) {
            gdImageFilledRectangle(im, 0, 0, sources[i].w, sources[i].h,
                                   gdTrueColor(90, 110, 130));
        } else {
            gdImageCopy(im, photo, 0, 0, 0, 0, sources[i].w, sources[i].h);
        }

        jpeg = (sources[i].flat == 2) ? make_coef_jpeg(&jlen)
                                      : make_jpeg(im, &sources[i].v, &jlen);
        gdImageDestroy(im);

        ntin = jpeg_tables(jpeg, jlen, tin);
        read_coefs(jpeg, jlen, &a);

        for (p = 0; p < 4; p++) {
            snprintf(name, sizeof(name), "tables: source %d (%dx%d%s%s), "
                     "position %d", i, sources[i].w, sources[i].h,
                     sources[i].v.optimize ? ", optimized" : "",
                     sources[i].flat == 2 ? ", coefficients"
                     : sources[i].flat ? ", flat" : "", (int) positions[p]);

            one_text(&spec, &opts, "Last Chance!");
            spec.layers[0].position = positions[p];

            rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                            &blob, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

            if (rc != NGX_HTTP_OVERLAY_OK) {
                continue;
            }

            CHECK(jpeg_warnings(blob.data, blob.len) == 0,
                  "%s: the output decodes with warnings", name);

            /* the blocks that differ are all under the overlay's MCUs */

            (void) ngx_http_overlay_render_layout(&layout, &spec,
                                                  &opts.render,
                                                  (int) info.width,
                                                  (int) info.height, &err);
            read_coefs(blob.data, blob.len, &b);
            outside = 0;

            for (c = 0; c < a.ncomp; c++) {
                int  sx = (c == 0 || a.ncomp == 1) ? 8 : 8 * sources[i].v.h;
                int  sy = (c == 0 || a.ncomp == 1) ? 8 : 8 * sources[i].v.v;

                for (by = 0; by < a.h[c]; by++) {
                    for (bx = 0; bx < a.w[c]; bx++) {
                        int  px = bx * sx, py = by * sy;

                        if (memcmp(&a.coef[c][((size_t) by * a.w[c] + bx)
                                              * DCTSIZE2],
                                   &b.coef[c][((size_t) by * b.w[c] + bx)
                                              * DCTSIZE2],
                                   sizeof(JBLOCK)) == 0)
                        {
                            continue;
                        }

                        if (px + sx <= layout.bounds.x - 16
                            || px >= layout.bounds.x + layout.bounds.w + 16
                            || py + sy <= layout.bounds.y - 16
                            || py >= layout.bounds.y + layout.bounds.h + 16)
                        {
                            outside++;
                        }
                    }
                }
            }

            ngx_http_overlay_render_free(&layout);
            free_coefs(&b);

            CHECK(outside == 0, "%s: %d blocks changed outside", name,
                  outside);

            /* the source's tables when they are libjpeg's complete ones */

            ntout = jpeg_tables(blob.data, blob.len, tout);
            same = (ntin == ntout);

            for (c = 0; same && c < ntin; c++) {
                same = (strcmp(tin[c], tout[c]) == 0);
            }

            if (!sources[i].v.optimize) {
                CHECK(same && blob.len < jlen + jlen / 10,
                      "%s: the source's tables kept (%d of %d), %zu bytes "
                      "of %lu", name, ntout, ntin, blob.len, jlen);
            }

            if (sources[i].flat) {
                flat += !same;
            }

            ngx_http_overlay_codec_free(&blob);
        }

        free_coefs(&a);
        free(jpeg);
    }

    /* optimal tables that lack what text needs: new tables */

    CHECK(flat == 12, "tables: %d of 12 images with incomplete tables got "
          "new tables", flat);

    gdImageDestroy(photo);
}


/* the Huffman tables of a JPEG, one string each, sorted */

static int
jpeg_tables(const unsigned char *p, size_t len, char tables[8][300])
{
    int     n, k, count;
    size_t  i, seg, t;

    n = 0;

    for (i = 2; i + 4 <= len && p[i] == 0xff && p[i + 1] != 0xda;
         i += 2 + seg)
    {
        seg = (size_t) p[i + 2] << 8 | p[i + 3];

        if (p[i + 1] != 0xc4) {
            continue;
        }

        for (t = i + 4; t + 17 <= i + 2 + seg && n < 8; t += 17 + count) {
            for (k = 1, count = 0; k <= 16; k++) {
                count += p[t + k];
            }

            tables[n][0] = '\0';

            for (k = 0; k < 17 + count && k < 140; k++) {
                snprintf(tables[n] + 2 * k, 3, "%02x", p[t + k]);
            }

            n++;
        }
    }

    qsort(tables, (size_t) n, sizeof(tables[0]),
          (int (*)(const void *, const void *)) strcmp);

    return n;
}
