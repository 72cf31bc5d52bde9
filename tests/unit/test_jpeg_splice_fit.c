
/*
 * Unit tests of ngx_http_overlay_jpeg_splice_fit.c and _retable.c: the
 * splice on JPEGs whose Huffman tables lack symbols, made at run time by
 * the tools real pipelines use (cjpeg -optimize, jpegtran -optimize,
 * Pillow's optimize=True) from real photos.  The reference is the same
 * tool's output without optimized tables, which has the same coefficients
 * and libjpeg's standard tables (every symbol): composited, its blocks are
 * the ones wanted, unconstrained.
 */


#include <limits.h>
#include <math.h>
#include <unistd.h>

#include "unit.h"
#include "ngx_http_overlay_layout.h"


/* the least PSNR of the overlay's bounds against the reference */
#define FIT_PSNR     38.0

/* the share of the cases spliced, at least, in per cent */
#define FIT_SPLICED  95


typedef struct {
    const char  *name;
    const char  *make;      /* a shell command: %s the PPM, then the JPEG */
    const char  *ref;
} fit_tool_t;


/*
 * For each tool, photo and position: the output is spliced (the bytes
 * after EOI kept) in FIT_SPLICED per cent of the cases at least (the
 * fit declines the rest: it would cost too much), decodes without a
 * warning, keeps every block outside the overlay's MCUs as the source has
 * it, and inside the overlay's bounds is within FIT_PSNR of the reference
 * composited; a flat grey image, whose optimized chroma tables hold a
 * symbol or two, too.
 */

void
test_jpeg_splice_fit(void)
{
    int                             c, by, bx, outside, spliced, gw, gh,
                                    cases, nspliced;
    char                            name[160], dir[64], ppm[96];
    double                          psnr, worst;
    size_t                          i, f, p, len, rlen, t;
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg, *ref, *out;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rect_t         r;
    ngx_http_overlay_blob_t         blob, rblob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char  trailer[] = "bytes after EOI";

    static const fit_tool_t  tools[] = {
        { "cjpeg -optimize, 4:2:0",
          "cjpeg -quality 85 -optimize %s > %s",
          "cjpeg -quality 85 %s > %s" },
        { "cjpeg -optimize, 4:4:4",
          "cjpeg -quality 92 -sample 1x1 -optimize %s > %s",
          "cjpeg -quality 92 -sample 1x1 %s > %s" },
        { "cjpeg -optimize, greyscale",
          "cjpeg -quality 80 -grayscale -optimize %s > %s",
          "cjpeg -quality 80 -grayscale %s > %s" },
        { "cjpeg -optimize, restart every MCU row",
          "cjpeg -quality 85 -restart 1 -optimize %s > %s",
          "cjpeg -quality 85 -restart 1 %s > %s" },
        { "cjpeg -optimize, restart every 5 MCUs",
          "cjpeg -quality 75 -restart 5b -optimize %s > %s",
          "cjpeg -quality 75 -restart 5b %s > %s" },
        { "jpegtran -optimize",
          "cjpeg -quality 70 %s | jpegtran -optimize > %s",
          "cjpeg -quality 70 %s > %s" },
        { "Pillow optimize=True",
          "/usr/bin/python3 -c \"import sys; from PIL import Image; "
          "Image.open(sys.argv[1]).save(sys.argv[2], quality=85, "
          "optimize=True)\" %s %s",
          "/usr/bin/python3 -c \"import sys; from PIL import Image; "
          "Image.open(sys.argv[1]).save(sys.argv[2], quality=85)\" %s %s" },
    };

    static const char  *photos[] = {
        "coffee.jpg", "astronaut.jpg", "rocket.jpg", "flat"
    };

    static const ngx_http_overlay_position_e  positions[] = {
        NGX_HTTP_OVERLAY_TOP_RIGHT, NGX_HTTP_OVERLAY_BOTTOM_LEFT,
        NGX_HTTP_OVERLAY_CENTER
    };

    ngx_http_overlay_options_init(&opts);

    snprintf(dir, sizeof(dir), "/tmp/unit-fit-XXXXXX");

    if (mkdtemp(dir) == NULL) {
        CHECK(0, "splice fit: mkdtemp() failed");
        return;
    }

    snprintf(ppm, sizeof(ppm), "%s/photo.ppm", dir);
    t = sizeof(trailer) - 1;
    worst = 100;
    cases = 0;
    nspliced = 0;

    for (f = 0; f < sizeof(photos) / sizeof(photos[0]); f++) {

        if (strcmp(photos[f], "flat") == 0) {

            /* a grey card, a little noise on the luma only */

            im = gdImageCreateTrueColor(360, 240);

            for (by = 0; by < 240; by++) {
                for (bx = 0; bx < 360; bx++) {
                    c = 120 + ((bx * 7 + by * 13) % 5);
                    gdImageSetPixel(im, bx, by,
                                    gdTrueColor(c, c, c));
                }
            }

        } else {
            photo = decode_fixture(photos[f]);

            if (photo == NULL) {
                continue;
            }

            /* a size of whole MCUs, and one of partial ones */

            gw = gdImageSX(photo) - (f == 1 ? 0 : 5);
            gh = gdImageSY(photo) - (f == 1 ? 0 : 3);
            im = gdImageCreateTrueColor(gw, gh);
            gdImageCopy(im, photo, 0, 0, 0, 0, gw, gh);
            gdImageDestroy(photo);
        }

        fit_ppm(im, ppm);
        gw = gdImageSX(im);
        gh = gdImageSY(im);
        gdImageDestroy(im);

        for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
            jpeg = fit_make(tools[i].make, ppm, dir, &len);
            ref = fit_make(tools[i].ref, ppm, dir, &rlen);

            CHECK(jpeg != NULL && ref != NULL, "splice fit: %s failed",
                  tools[i].name);

            if (jpeg == NULL || ref == NULL) {
                free(jpeg);
                free(ref);
                continue;
            }

            jpeg = realloc(jpeg, len + t);
            memcpy(jpeg + len, trailer, t);
            len += t;

            read_coefs(jpeg, len, &a);

            for (p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
                snprintf(name, sizeof(name), "splice fit: %s, %s %dx%d, "
                         "position %d", tools[i].name, photos[f], gw, gh,
                         (int) positions[p]);

                one_text(&spec, &opts, "Last Chance!");
                spec.layers[0].position = positions[p];

                if (fit_pair(jpeg, len, ref, rlen, &spec, &opts, &info, &blob,
                             &rblob, name) != 0)
                {
                    continue;
                }

                out = blob.data;
                spliced = blob.len > t
                          && memcmp(out + blob.len - t, trailer, t) == 0;

                cases++;
                nspliced += spliced;

                if (!spliced) {
                    printf("%s: not spliced: the fit would cost too "
                           "much\n", name);
                }

                CHECK(jpeg_warnings(out, blob.len) == 0,
                      "%s: the output decodes with warnings", name);

                /* the blocks outside the overlay's MCUs are the source's */

                fit_bounds(&spec, &opts, gw, gh, &r);
                read_coefs(out, blob.len, &b);
                outside = fit_outside(&a, &b, &r);

                CHECK(outside == 0,
                      "%s: %d blocks changed outside the overlay's MCUs",
                      name, outside);
                free_coefs(&b);

                psnr = fit_psnr(out, blob.len, rblob.data, rblob.len, &r);
                worst = psnr < worst ? psnr : worst;

                CHECK(psnr >= FIT_PSNR, "%s: PSNR %.2f dB against the "
                      "reference, under %.0f", name, psnr, FIT_PSNR);

                blob.free(blob.data);
                rblob.free(rblob.data);
            }

            free_coefs(&a);
            free(jpeg);
            free(ref);
        }
    }

    printf("splice fit: %d of %d spliced; the least PSNR of the overlay's "
           "bounds against the reference, %.2f dB\n", nspliced, cases,
           worst);

    CHECK(cases > 0 && nspliced * 100 >= cases * FIT_SPLICED,
          "splice fit: only %d of %d spliced", nspliced, cases);

    snprintf(name, sizeof(name), "rm -rf %s", dir);

    if (system(name) != 0) {
        CHECK(0, "splice fit: %s failed", name);
    }
}


/*
 * The DHT segments the retable writes again, as a hostile source has them:
 * its tables defined twice (both definitions extended), and in 40 copies
 * (more tables than the retable rewrites: the fit, or the transcode,
 * alone).  Each output decodes without a warning and keeps every block
 * outside the overlay's MCUs; twice defined, it is the same image as from
 * the source as it came.
 */

void
test_jpeg_splice_fit_dht(void)
{
    int                             n, outside;
    char                            dir[64], ppm[96], name[96];
    size_t                          len, dlen, at, seg, olen;
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg, *bad, *copies;
    jpeg_coefs_t                    a, b, c;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_rect_t         r, none;
    ngx_http_overlay_blob_t         blob, base;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const int  counts[] = { 2, 40 };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    snprintf(dir, sizeof(dir), "/tmp/unit-fit-XXXXXX");

    if (mkdtemp(dir) == NULL) {
        CHECK(0, "splice fit dht: mkdtemp() failed");
        return;
    }

    snprintf(ppm, sizeof(ppm), "%s/photo.ppm", dir);

    photo = decode_fixture("rocket.jpg");

    if (photo == NULL) {
        return;
    }

    im = gdImageCreateTrueColor(320, 200);
    gdImageCopy(im, photo, 0, 0, 300, 100, 320, 200);
    gdImageDestroy(photo);
    fit_ppm(im, ppm);
    gdImageDestroy(im);

    jpeg = fit_make("cjpeg -quality 85 -optimize %s > %s", ppm, dir, &len);
    CHECK(jpeg != NULL, "splice fit dht: cjpeg failed");

    if (jpeg == NULL) {
        return;
    }

    /* cjpeg writes one DHT segment, all tables in it */

    for (at = 2; at + 4 < len && !(jpeg[at] == 0xff && jpeg[at + 1] == 0xc4);
         at += 2 + ((size_t) jpeg[at + 2] << 8 | jpeg[at + 3]))
    {
        /* void */
    }

    CHECK(at + 4 < len, "splice fit dht: no DHT segment");

    if (at + 4 >= len) {
        free(jpeg);
        return;
    }

    seg = 2 + ((size_t) jpeg[at + 2] << 8 | jpeg[at + 3]);

    rc = ngx_http_overlay_composite(jpeg, len, &spec, &opts, &info, &base,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "splice fit dht: the source: %s",
          err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        free(jpeg);
        return;
    }

    read_coefs(jpeg, len, &a);
    read_coefs(base.data, base.len, &c);
    fit_bounds(&spec, &opts, 320, 200, &r);
    memset(&none, 0, sizeof(none));

    for (n = 0; n < (int) (sizeof(counts) / sizeof(counts[0])); n++) {
        snprintf(name, sizeof(name), "splice fit dht: %d DHT segments",
                 counts[n]);

        copies = malloc(seg * counts[n]);

        for (olen = 0; olen < seg * counts[n]; olen += seg) {
            memcpy(copies + olen, jpeg + at, seg);
        }

        bad = replace_bytes(jpeg, len, at, seg, copies, olen, &dlen);
        free(copies);

        rc = ngx_http_overlay_composite(bad, dlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            CHECK(jpeg_warnings(blob.data, blob.len) == 0,
                  "%s: the output decodes with warnings", name);

            read_coefs(blob.data, blob.len, &b);
            outside = fit_outside(&a, &b, &r);
            CHECK(outside == 0, "%s: %d blocks changed outside the "
                  "overlay's MCUs", name, outside);

            if (counts[n] == 2) {
                CHECK(fit_outside(&c, &b, &none) == 0,
                      "%s: not the image the source gives", name);
            }

            free_coefs(&b);
            blob.free(blob.data);
        }

        free(bad);
    }

    free_coefs(&a);
    free_coefs(&c);
    base.free(base.data);
    free(jpeg);

    snprintf(name, sizeof(name), "rm -rf %s", dir);

    if (system(name) != 0) {
        CHECK(0, "splice fit dht: %s failed", name);
    }
}


/*
 * jpeg and its reference ref composited with spec: 0, both blobs made;
 * -1 after a failed check, neither
 */

int
fit_pair(const unsigned char *jpeg, size_t len, const unsigned char *ref,
    size_t rlen, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *blob,
    ngx_http_overlay_blob_t *rblob, const char *name)
{
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_error_t  err;

    rc = ngx_http_overlay_composite(jpeg, len, spec, opts, info, blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return -1;
    }

    rc = ngx_http_overlay_composite(ref, rlen, spec, opts, info, rblob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: reference: %s", name, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        blob->free(blob->data);
        return -1;
    }

    return 0;
}


/* the JPEG the command makes of the PPM, malloc()ed; NULL on failure */

unsigned char *
fit_make(const char *cmd, const char *ppm, const char *dir, size_t *len)
{
    char            line[512], out[96];
    FILE           *fp;
    long            n;
    unsigned char  *p;

    snprintf(out, sizeof(out), "%s/out.jpg", dir);
    snprintf(line, sizeof(line), cmd, ppm, out);

    if (system(line) != 0) {
        return NULL;
    }

    fp = fopen(out, "rb");
    if (fp == NULL) {
        return NULL;
    }

    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);

    p = (n > 0) ? malloc((size_t) n) : NULL;

    if (p != NULL && fread(p, 1, (size_t) n, fp) != (size_t) n) {
        free(p);
        p = NULL;
    }

    fclose(fp);
    *len = (size_t) n;

    return p;
}


void
fit_ppm(gdImagePtr im, const char *path)
{
    int    x, y, px;
    FILE  *fp;

    fp = fopen(path, "wb");
    if (fp == NULL) {
        return;
    }

    fprintf(fp, "P6\n%d %d\n255\n", gdImageSX(im), gdImageSY(im));

    for (y = 0; y < gdImageSY(im); y++) {
        for (x = 0; x < gdImageSX(im); x++) {
            px = gdImageGetTrueColorPixel(im, x, y);
            fputc(gdTrueColorGetRed(px), fp);
            fputc(gdTrueColorGetGreen(px), fp);
            fputc(gdTrueColorGetBlue(px), fp);
        }
    }

    fclose(fp);
}


/* PSNR of R, G and B in the rectangle r of two JPEGs, decoded */

double
fit_psnr(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen, const ngx_http_overlay_rect_t *r)
{
    int         x, y, k, pa, pb, d;
    double      se, n;
    gdImagePtr  ia, ib;

    ia = decode_image(a, alen);
    ib = decode_image(b, blen);

    se = 0;
    n = 0;

    for (y = r->y; ia != NULL && ib != NULL && y < r->y + r->h; y++) {
        for (x = r->x; x < r->x + r->w; x++) {
            pa = gdImageGetTrueColorPixel(ia, x, y);
            pb = gdImageGetTrueColorPixel(ib, x, y);

            for (k = 0; k < 24; k += 8) {
                d = ((pa >> k) & 0xff) - ((pb >> k) & 0xff);
                se += d * d;
                n++;
            }
        }
    }

    if (ia != NULL) {
        gdImageDestroy(ia);
    }

    if (ib != NULL) {
        gdImageDestroy(ib);
    }

    if (n == 0) {
        return 0;
    }

    return (se == 0) ? 99 : 10 * log10(255.0 * 255.0 * n / se);
}


/* the overlay's bounds in a w x h image without EXIF orientation */

void
fit_bounds(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int w, int h,
    ngx_http_overlay_rect_t *r)
{
    ngx_http_overlay_error_t   err;
    ngx_http_overlay_layout_t  layout;

    (void) ngx_http_overlay_render_layout(&layout, spec, &opts->render, w, h,
                                          &err);
    *r = layout.bounds;
    ngx_http_overlay_render_free(&layout);

    r->w = (r->x + r->w > w) ? w - r->x : r->w;
    r->h = (r->y + r->h > h) ? h - r->y : r->h;
}


/*
 * The blocks of b that differ from a's outside the MCUs under r (-1: not
 * the same components)
 */

int
fit_outside(const jpeg_coefs_t *a, const jpeg_coefs_t *b,
    const ngx_http_overlay_rect_t *r)
{
    int  c, bx, by, mw, mh, sx, sy, x0, y0, x1, y1, outside;

    if (a->ncomp != b->ncomp) {
        return -1;
    }

    mw = (a->ncomp == 1) ? 8 : 8 * ((a->w[0] + a->w[1] - 1) / a->w[1]);
    mh = (a->ncomp == 1) ? 8 : 8 * ((a->h[0] + a->h[1] - 1) / a->h[1]);
    x0 = r->x / mw * mw;
    y0 = r->y / mh * mh;
    x1 = (r->x + r->w + mw - 1) / mw * mw;
    y1 = (r->y + r->h + mh - 1) / mh * mh;
    outside = 0;

    for (c = 0; c < a->ncomp; c++) {
        sx = (c == 0) ? 8 : mw;
        sy = (c == 0) ? 8 : mh;

        for (by = 0; by < a->h[c]; by++) {
            for (bx = 0; bx < a->w[c]; bx++) {
                if (bx * sx >= x0 && bx * sx < x1 && by * sy >= y0
                    && by * sy < y1)
                {
                    continue;
                }

                outside += memcmp(&a->coef[c][((size_t) by * a->w[c] + bx)
                                              * DCTSIZE2],
                                  &b->coef[c][((size_t) by * b->w[c] + bx)
                                              * DCTSIZE2],
                                  sizeof(JBLOCK)) != 0;
            }
        }
    }

    return outside;
}
