
/*
 * Unit tests of the progressive paths: the progressive splice
 * (ngx_http_overlay_jpeg_prog_splice*.c, only the overlay's rows of each
 * scan coded again) and, where it gives way, the writer of every scan
 * (ngx_http_overlay_jpeg_prog.c), on JPEGs made at
 * run time by the tools real pipelines use (cjpeg -progressive, jpegtran
 * -progressive, Pillow's progressive=True, cjpeg -scans with a script of
 * its own), with and without restart intervals, from real photos.  The
 * reference is the same tool's baseline output, which has the same
 * coefficients: composited, its blocks are the ones wanted.
 */


#include <math.h>
#include <unistd.h>

#include "unit.h"
#include "ngx_http_overlay_jpeg_prog_int.h"
#include "ngx_http_overlay_layout.h"


/* the least PSNR of the overlay's bounds against the reference */
#define PROG_PSNR    38.0

/* the symbols of an AC first scan's table written here: every EOBn, ZRL,
 * and every run with every size of 1 to 10 */
#define PROG_AC_ALL  (15 + 1 + 16 * 10)


typedef struct {
    const char  *name;
    const char  *make;      /* a shell command: %s the PPM, then the JPEG */
    const char  *ref;
    int          grey;
} prog_tool_t;


static int prog_scans(const unsigned char *p, size_t len,
    unsigned char *script, size_t size, size_t *n, int *all);
static unsigned prog_sof(const unsigned char *p, size_t len);
static void prog_whole(const char *dir, const char *ppm);
static void prog_extreme(const char *dir, const char *ppm);
static void prog_edges(const char *dir, const char *ppm);
static void prog_many(const char *dir, const char *ppm);
static int prog_script(char *path, size_t size, const char *dir,
    const char *file, const char *script);
static int prog_case(const char *dir, const char *name,
    const unsigned char *jpeg, size_t len, const unsigned char *ref,
    size_t rlen, const jpeg_coefs_t *a, const unsigned char *sscript,
    size_t sn, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int gw, int gh, double *psnr,
    int *fitted);
static int prog_differ(const jpeg_coefs_t *ref, const jpeg_coefs_t *out);
static int prog_djpeg(const char *dir, const unsigned char *p, size_t len);


/*
 * For each tool, photo and position (a banner across the width among
 * them): the output decodes without a warning, is progressive (SOF2) with
 * the source's scan script, keeps every block outside the overlay's MCUs,
 * and inside the overlay's bounds is within PROG_PSNR of the reference
 * composited.  The path shows in the tables: the splice keeps the
 * source's (extended by a few symbols at most), the writer gives every AC
 * first scan every symbol (libjpeg's optimal tables never hold them
 * all).  The splice takes every case but some at 4:4:4, where fitting
 * the new blocks to the source's tables would cost too much; the
 * writer's blocks are the reference's exactly.  An arithmetic-coded
 * progressive JPEG keeps libjpeg's path (SOF10 out), its blocks outside
 * the overlay kept too.
 */

void
test_jpeg_prog(void)
{
    int                             all, cases, gw, gh, fitted, n, k,
                                    spliced[16];
    char                            name[160], dir[64], ppm[96], scans[96];
    double                          psnr, worst;
    size_t                          i, f, p, len, rlen, sn;
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg, *ref, sscript[4096];
    jpeg_coefs_t                    a, b, c;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_rect_t         r, none;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const prog_tool_t  tools[] = {
        { "cjpeg -progressive, 4:2:0",
          "cjpeg -quality 85 -progressive %s > %s",
          "cjpeg -quality 85 %s > %s", 0 },
        { "cjpeg -progressive, 4:4:4",
          "cjpeg -quality 92 -sample 1x1 -progressive %s > %s",
          "cjpeg -quality 92 -sample 1x1 %s > %s", 0 },
        { "cjpeg -progressive, 4:2:2",
          "cjpeg -quality 80 -sample 2x1 -progressive %s > %s",
          "cjpeg -quality 80 -sample 2x1 %s > %s", 0 },
        { "cjpeg -progressive, greyscale",
          "cjpeg -quality 80 -grayscale -progressive %s > %s",
          "cjpeg -quality 80 -grayscale %s > %s", 1 },
        { "cjpeg -progressive, restart every MCU row",
          "cjpeg -quality 85 -restart 1 -progressive %s > %s",
          "cjpeg -quality 85 -restart 1 %s > %s", 0 },
        { "cjpeg -progressive, restart every 5 MCUs",
          "cjpeg -quality 75 -restart 5b -progressive %s > %s",
          "cjpeg -quality 75 -restart 5b %s > %s", 0 },
        { "cjpeg -progressive, greyscale, restart every 7 MCUs",
          "cjpeg -quality 90 -grayscale -restart 7b -progressive %s > %s",
          "cjpeg -quality 90 -grayscale -restart 7b %s > %s", 1 },
        { "jpegtran -progressive",
          "cjpeg -quality 70 %s | jpegtran -progressive > %s",
          "cjpeg -quality 70 %s > %s", 0 },
        { "jpegtran -progressive -restart 3b",
          "cjpeg -quality 70 %s | jpegtran -progressive -restart 3b > %s",
          "cjpeg -quality 70 %s > %s", 0 },
        { "Pillow progressive=True",
          "/usr/bin/python3 -c \"import sys; from PIL import Image; "
          "Image.open(sys.argv[1]).save(sys.argv[2], quality=85, "
          "progressive=True)\" %s %s",
          "/usr/bin/python3 -c \"import sys; from PIL import Image; "
          "Image.open(sys.argv[1]).save(sys.argv[2], quality=85)\" %s %s",
          0 },
        { "cjpeg -scans, a script of its own",
          "cjpeg -quality 88 -scans SCANS %s > %s",
          "cjpeg -quality 88 %s > %s", 0 },
    };

    static const char  *photos[] = {
        "coffee.jpg", "astronaut.jpg", "rocket.jpg"
    };

    /* the last, a banner: the overlay's rows across the whole width */

    static const ngx_http_overlay_position_e  positions[] = {
        NGX_HTTP_OVERLAY_TOP_RIGHT, NGX_HTTP_OVERLAY_BOTTOM_LEFT,
        NGX_HTTP_OVERLAY_CENTER, NGX_HTTP_OVERLAY_BOTTOM
    };

    ngx_http_overlay_options_init(&opts);
    memset(&none, 0, sizeof(none));

    snprintf(dir, sizeof(dir), "/tmp/unit-prog-XXXXXX");

    if (mkdtemp(dir) == NULL) {
        CHECK(0, "prog: mkdtemp() failed");
        return;
    }

    snprintf(ppm, sizeof(ppm), "%s/photo.ppm", dir);

    /*
     * successive approximation of DC in three steps, the luma's bands
     * split at 9 and refined once, the chroma's in full
     */

    if (prog_script(scans, sizeof(scans), dir, "scans.txt",
                    "0,1,2: 0-0, 0, 2;\n0: 1-9, 0, 1;\n2: 1-63, 0, 0;\n"
                    "1: 1-63, 0, 0;\n0: 10-63, 0, 1;\n0,1,2: 0-0, 2, 1;\n"
                    "0,1,2: 0-0, 1, 0;\n0: 1-63, 1, 0;\n") != 0)
    {
        return;
    }

    worst = 100;
    cases = 0;
    fitted = 0;
    memset(spliced, 0, sizeof(spliced));

    for (f = 0; f < sizeof(photos) / sizeof(photos[0]); f++) {
        photo = decode_fixture(photos[f]);

        if (photo == NULL) {
            continue;
        }

        /* a size of whole MCUs, and of partial ones */

        gw = gdImageSX(photo) - (f == 1 ? 0 : 5);
        gh = gdImageSY(photo) - (f == 1 ? 0 : 3);
        im = gdImageCreateTrueColor(gw, gh);
        gdImageCopy(im, photo, 0, 0, 0, 0, gw, gh);
        gdImageDestroy(photo);
        fit_ppm(im, ppm);
        gdImageDestroy(im);

        for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
            char  cmd[256], *s;

            snprintf(cmd, sizeof(cmd), "%s", tools[i].make);
            s = strstr(cmd, "SCANS");

            if (s != NULL) {
                snprintf(cmd, sizeof(cmd), "cjpeg -quality 88 -scans %s "
                         "%%s > %%s", scans);
            }

            jpeg = fit_make(cmd, ppm, dir, &len);
            ref = fit_make(tools[i].ref, ppm, dir, &rlen);

            CHECK(jpeg != NULL && ref != NULL, "prog: %s failed",
                  tools[i].name);

            if (jpeg == NULL || ref == NULL) {
                free(jpeg);
                free(ref);
                continue;
            }

            CHECK(prog_sof(jpeg, len) == 0xc2, "prog: %s: not progressive",
                  tools[i].name);
            CHECK(prog_scans(jpeg, len, sscript, sizeof(sscript), &sn, &all)
                  == 0, "prog: %s: the source's scans", tools[i].name);

            read_coefs(jpeg, len, &a);
            read_coefs(ref, rlen, &c);

            CHECK(fit_outside(&a, &c, &none) == 0, "prog: %s: the "
                  "reference has other coefficients", tools[i].name);
            free_coefs(&c);

            for (p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
                snprintf(name, sizeof(name), "prog: %s, %s %dx%d, "
                         "position %d", tools[i].name, photos[f], gw, gh,
                         (int) positions[p]);

                one_text(&spec, &opts, "Last Chance!");
                spec.layers[0].position = positions[p];

                if (positions[p] == NGX_HTTP_OVERLAY_BOTTOM) {
                    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_BANNER;
                }

                k = prog_case(dir, name, jpeg, len, ref, rlen, &a, sscript,
                              sn, &spec, &opts, gw, gh, &psnr, &fitted);

                if (k < 0) {
                    continue;
                }

                cases++;
                spliced[i] += k;
                worst = psnr < worst ? psnr : worst;
            }

            free_coefs(&a);
            free(jpeg);
            free(ref);
        }
    }

    printf("prog: %d cases; the least PSNR of the overlay's bounds against "
           "the reference, %.2f dB; %d blocks fitted\n", cases, worst,
           fitted);

    /*
     * The progressive splice takes every photo at every position where
     * the tools write 4:2:0 or greyscale; elsewhere it may give way to
     * the writer where fitting the new blocks would cost too much
     */

    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        n = (int) (sizeof(photos) / sizeof(photos[0])
                   * sizeof(positions) / sizeof(positions[0]));

        printf("prog: %s: %d of %d spliced\n", tools[i].name, spliced[i], n);

        CHECK(spliced[i] == n
              || (strstr(tools[i].name, "4:4:4") != NULL && spliced[i] > 0),
              "prog: %s: %d of %d spliced", tools[i].name, spliced[i], n);
    }

    CHECK(cases == (int) (sizeof(photos) / sizeof(photos[0])
                          * sizeof(tools) / sizeof(tools[0])
                          * sizeof(positions) / sizeof(positions[0])),
          "prog: only %d cases", cases);

    /* arithmetic-coded: libjpeg's path, still progressive and arithmetic */

    photo = decode_fixture("coffee.jpg");

    if (photo != NULL) {
        fit_ppm(photo, ppm);
        gw = gdImageSX(photo);
        gh = gdImageSY(photo);
        gdImageDestroy(photo);

        jpeg = fit_make("cjpeg -quality 85 -progressive -arithmetic %s > %s",
                        ppm, dir, &len);
        CHECK(jpeg != NULL && prog_sof(jpeg, len) == 0xca,
              "prog: cjpeg -arithmetic failed");

        if (jpeg != NULL) {
            one_text(&spec, &opts, "Last Chance!");

            rc = ngx_http_overlay_composite(jpeg, len, &spec, &opts, &info,
                                            &blob, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "prog: arithmetic: %s",
                  err.msg);

            if (rc == NGX_HTTP_OVERLAY_OK) {
                CHECK(prog_sof(blob.data, blob.len) == 0xca
                      && jpeg_warnings(blob.data, blob.len) == 0,
                      "prog: arithmetic: SOF 0x%02x out",
                      prog_sof(blob.data, blob.len));

                read_coefs(jpeg, len, &a);
                read_coefs(blob.data, blob.len, &b);
                fit_bounds(&spec, &opts, gw, gh, &r);

                CHECK(fit_outside(&a, &b, &r) == 0, "prog: arithmetic: "
                      "blocks changed outside the overlay's MCUs");

                free_coefs(&a);
                free_coefs(&b);
                blob.free(blob.data);
            }

            free(jpeg);
        }
    }

    prog_whole(dir, ppm);
    prog_extreme(dir, ppm);
    prog_edges(dir, ppm);
    prog_many(dir, ppm);

    snprintf(name, sizeof(name), "rm -rf %s", dir);

    if (system(name) != 0) {
        CHECK(0, "prog: %s failed", name);
    }
}


/*
 * Progressive JPEGs made hostile: the output, if any, decodes without a
 * warning (but for the source's own corruption after the overlay's rows,
 * passed on) and is progressive; nothing crashes or leaks (the sanitizers'
 * run).  Bytes of the scans flipped, scan headers of bogus progressions,
 * scans cut short, DQT and DHT between the scans, tables undefined.
 */

void
test_jpeg_prog_hostile(void)
{
    int                             k, w, ok, refused, passed;
    char                            name[96];
    size_t                          n, at, sos[64], nsos, dlen;
    unsigned                        seed;
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg, *bad;
    unsigned long                   jlen;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const jpeg_variant_t  variant = {
        JCS_YCbCr, 2, 2, 1, 1, 85, 0, 1, 0
    };

    static const unsigned char  dqt[] = {
        0xff, 0xdb, 0x00, 0x43, 0x00,
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    photo = decode_fixture("rocket.jpg");

    if (photo == NULL) {
        return;
    }

    im = gdImageCreateTrueColor(320, 200);
    gdImageCopy(im, photo, 0, 0, 300, 100, 320, 200);
    gdImageDestroy(photo);
    jpeg = make_jpeg(im, &variant, &jlen);
    gdImageDestroy(im);

    /* the scans' headers */

    nsos = 0;

    for (at = 2; at + 4 < jlen && nsos < 64; at++) {
        if (jpeg[at] == 0xff && jpeg[at + 1] == 0xda) {
            sos[nsos++] = at;
        }
    }

    CHECK(nsos >= 6, "prog hostile: %zu scans", nsos);

    ok = 0;
    refused = 0;
    passed = 0;
    seed = 14;

    for (k = 0; k < 400; k++) {
        bad = malloc(jlen + sizeof(dqt));
        memcpy(bad, jpeg, jlen);
        dlen = jlen;

        seed = seed * 1103515245 + 12345;
        at = sos[(seed >> 8) % nsos];

        switch (k % 8) {

        case 0:     /* a byte of the data after a scan header */
        case 1:
            n = at + 14 + (seed >> 4) % 64;
            bad[n < dlen - 2 ? n : dlen - 3] ^= (unsigned char) (1 + k);
            break;

        case 2:     /* Ss, Se, Ah/Al of a scan */
            n = at + 5 + 2 * bad[at + 4] + (seed >> 3) % 3;
            bad[n] = (unsigned char) (seed >> 16);
            break;

        case 3:     /* a component selector, or its tables */
            n = at + 5 + (seed >> 5) % (2 * bad[at + 4]);
            bad[n] = (unsigned char) (seed >> 12);
            break;

        case 4:     /* cut in a scan */
            dlen = at + 12 + (seed >> 7) % 200;
            dlen = dlen < jlen ? dlen : jlen - 1;
            break;

        case 5:     /* a DQT before a scan */
            memmove(bad + at + sizeof(dqt), bad + at, jlen - at);
            memcpy(bad + at, dqt, sizeof(dqt));
            dlen = jlen + sizeof(dqt);
            break;

        case 6:     /* EOI gone */
            dlen = jlen - 2;
            break;

        default:    /* a scan's header cut to one component */
            bad[at + 4] = 1;
            break;
        }

        snprintf(name, sizeof(name), "prog hostile: case %d", k);

        rc = ngx_http_overlay_composite(bad, dlen, &spec, &opts, &info,
                                        &blob, &err);

        CHECK(rc == NGX_HTTP_OVERLAY_OK || rc == NGX_HTTP_OVERLAY_BAD_IMAGE
              || rc == NGX_HTTP_OVERLAY_UNSUPPORTED,
              "%s: %s: %s", name, ngx_http_overlay_reason(rc), err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ok++;

            /*
             * The splice decodes the scans only as far as the overlay's
             * rows: data corrupt after them is passed on as it came (as
             * serving the original would), never made corrupt by it
             */

            w = jpeg_warnings(blob.data, blob.len);
            passed += (w != 0);

            CHECK((w == 0 || jpeg_warnings(bad, dlen) != 0)
                  && prog_sof(blob.data, blob.len) == 0xc2,
                  "%s: the output decodes with warnings", name);

            blob.free(blob.data);

        } else {
            refused++;
        }

        free(bad);
    }

    printf("prog hostile: %d composited (%d with the source's own "
           "corruption after the overlay), %d refused\n", ok, passed,
           refused);

    CHECK(ok > 0 && refused > 0, "prog hostile: %d composited, %d refused",
          ok, refused);

    free(jpeg);
}


/* a drawing over most of a small image: nearly every block new */

static void
prog_whole(const char *dir, const char *ppm)
{
    int                             y;
    size_t                          len, rlen;
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg, *ref;
    jpeg_coefs_t                    b, c;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob, rblob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);

    photo = decode_fixture("astronaut.jpg");

    if (photo == NULL) {
        return;
    }

    im = gdImageCreateTrueColor(64, 40);
    gdImageCopy(im, photo, 0, 0, 200, 200, 64, 40);
    gdImageDestroy(photo);
    fit_ppm(im, ppm);
    gdImageDestroy(im);

    jpeg = fit_make("cjpeg -quality 95 -progressive %s > %s", ppm, dir,
                    &len);
    ref = fit_make("cjpeg -quality 95 %s > %s", ppm, dir, &rlen);

    if (jpeg == NULL || ref == NULL) {
        CHECK(0, "prog: small: cjpeg failed");
        free(jpeg);
        free(ref);
        return;
    }

    one_text(&spec, &opts, "Last Chance! Last Chance!");

    rc = ngx_http_overlay_composite(jpeg, len, &spec, &opts, &info,
                                    &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "prog: small: %s", err.msg);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        rc = ngx_http_overlay_composite(ref, rlen, &spec, &opts, &info,
                                        &rblob, &err);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            read_coefs(blob.data, blob.len, &b);
            read_coefs(rblob.data, rblob.len, &c);
            y = prog_differ(&c, &b);

            CHECK(y == 0 && jpeg_warnings(blob.data, blob.len) == 0
                  && prog_sof(blob.data, blob.len) == 0xc2,
                  "prog: small: %d blocks not the reference's", y);

            free_coefs(&b);
            free_coefs(&c);
            rblob.free(rblob.data);
        }

        blob.free(blob.data);
    }

    free(jpeg);
    free(ref);
}


/*
 * Coefficients at the ends of their ranges: a flat grey image of 44800
 * blocks, its AC bands one end of band run longer than the longest a run
 * can code (32767) before the overlay at the bottom right; and noise at
 * quality 100, AC values of 10 bits and DC differences of 11.  The output
 * is the reference's, block for block, and decodes without a warning.
 */

static void
prog_extreme(const char *dir, const char *ppm)
{
    int                             x, y, c, k, differ, all;
    FILE                           *fp;
    double                          psnr;
    size_t                          len, rlen, n;
    unsigned                        seed;
    unsigned char                  *jpeg, *ref, script[4096];
    jpeg_coefs_t                    b, d;
    ngx_http_overlay_rect_t         r;
    ngx_http_overlay_blob_t         blob, rblob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const struct {
        const char  *name;
        int          w, h, noise;
        const char  *make;
        const char  *ref;
    } cases[] = {
        { "prog: flat, runs over 32767 blocks", 2048, 1400, 0,
          "cjpeg -grayscale -progressive %s > %s",
          "cjpeg -grayscale %s > %s" },
        { "prog: noise at quality 100", 256, 160, 1,
          "cjpeg -quality 100 -sample 1x1 -progressive %s > %s",
          "cjpeg -quality 100 -sample 1x1 %s > %s" },
    };

    ngx_http_overlay_options_init(&opts);
    seed = 14;

    for (k = 0; k < (int) (sizeof(cases) / sizeof(cases[0])); k++) {
        fp = fopen(ppm, "wb");

        if (fp == NULL) {
            CHECK(0, "%s: %s", cases[k].name, ppm);
            return;
        }

        fprintf(fp, "P6\n%d %d\n255\n", cases[k].w, cases[k].h);

        for (y = 0; y < cases[k].h; y++) {
            for (x = 0; x < 3 * cases[k].w; x++) {
                seed = seed * 1103515245 + 12345;
                c = cases[k].noise ? (int) (seed >> 16) & 0xff : 128;
                fputc(c, fp);
            }
        }

        fclose(fp);

        jpeg = fit_make(cases[k].make, ppm, dir, &len);
        ref = fit_make(cases[k].ref, ppm, dir, &rlen);

        CHECK(jpeg != NULL && ref != NULL, "%s: cjpeg failed", cases[k].name);

        one_text(&spec, &opts, "Last Chance!");
        spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM_RIGHT;

        if (jpeg != NULL && ref != NULL
            && fit_pair(jpeg, len, ref, rlen, &spec, &opts, &info, &blob,
                        &rblob, cases[k].name) == 0)
        {
            read_coefs(blob.data, blob.len, &b);
            read_coefs(rblob.data, rblob.len, &d);
            differ = prog_differ(&d, &b);

            /*
             * the flat one spliced (its runs cut at the band's edges); the
             * noise, either way: spliced, some of its new blocks fitted
             * to the source's tables, within PROG_PSNR
             */

            CHECK(prog_scans(blob.data, blob.len, script, sizeof(script),
                             &n, &all) == 0 && (cases[k].noise || !all),
                  "%s: not spliced", cases[k].name);

            fit_bounds(&spec, &opts, cases[k].w, cases[k].h, &r);
            psnr = fit_psnr(blob.data, blob.len, rblob.data, rblob.len, &r);

            CHECK((differ == 0 || (!all && psnr >= PROG_PSNR))
                  && jpeg_warnings(blob.data, blob.len) == 0
                  && prog_sof(blob.data, blob.len) == 0xc2,
                  "%s: %d blocks not the reference's (%.2f dB)",
                  cases[k].name, differ, psnr);

            free_coefs(&b);
            free_coefs(&d);
            blob.free(blob.data);
            rblob.free(rblob.data);
        }

        free(jpeg);
        free(ref);
    }
}


/*
 * One case: jpeg (its blocks a, its scan script sscript of sn bytes) and
 * its reference composited with spec: the output decodes without a
 * warning, is progressive with the source's scan script, keeps every
 * block outside the overlay's MCUs, and inside the overlay's bounds is
 * within PROG_PSNR of the reference (*psnr); the writer's blocks are the
 * reference's, the splice's may be fitted (*fitted counts them): 1,
 * spliced; 0, written again; -1, not composited
 */

static int
prog_case(const char *dir, const char *name, const unsigned char *jpeg,
    size_t len, const unsigned char *ref, size_t rlen, const jpeg_coefs_t *a,
    const unsigned char *sscript, size_t sn,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int gw, int gh, double *psnr,
    int *fitted)
{
    int                             outside, same, all;
    size_t                          on;
    unsigned char                   oscript[4096];
    jpeg_coefs_t                    b, c;
    ngx_http_overlay_rect_t         r;
    ngx_http_overlay_blob_t         blob, rblob;
    ngx_http_overlay_image_info_t   info;

    if (fit_pair(jpeg, len, ref, rlen, spec, opts, &info, &blob, &rblob,
                 name) != 0)
    {
        return -1;
    }

    CHECK(jpeg_warnings(blob.data, blob.len) == 0
          && prog_djpeg(dir, blob.data, blob.len) == 0,
          "%s: the output decodes with warnings", name);

    CHECK(prog_sof(blob.data, blob.len) == 0xc2,
          "%s: the output is not progressive (SOF 0x%02x)",
          name, prog_sof(blob.data, blob.len));

    all = 0;

    CHECK(prog_scans(blob.data, blob.len, oscript, sizeof(oscript), &on,
                     &all) == 0
          && on == sn && memcmp(sscript, oscript, sn) == 0,
          "%s: not the source's scan script", name);

    /*
     * The path: the progressive splice keeps the source's tables (extended
     * by a few symbols at most); the writer gives every AC first scan
     * every symbol
     */

    fit_bounds(spec, opts, gw, gh, &r);
    read_coefs(blob.data, blob.len, &b);
    outside = fit_outside(a, &b, &r);

    CHECK(outside == 0, "%s: %d blocks changed outside the overlay's MCUs",
          name, outside);

    /*
     * The new blocks, coded exactly: the reference's; but the splice may
     * fit some of them to the source's tables (the PSNR below bounds what
     * that costs)
     */

    read_coefs(rblob.data, rblob.len, &c);
    same = prog_differ(&c, &b);

    CHECK(same == 0 || !all, "%s: %d blocks not the reference's", name,
          same);

    *fitted += all ? 0 : same;

    free_coefs(&c);
    free_coefs(&b);

    *psnr = fit_psnr(blob.data, blob.len, rblob.data, rblob.len, &r);

    CHECK(*psnr >= PROG_PSNR, "%s: PSNR %.2f dB against the reference, "
          "under %.0f", name, *psnr, PROG_PSNR);

    blob.free(blob.data);
    rblob.free(rblob.data);

    return !all;
}


/*
 * The overlay's columns alone coded again, in each of its rows: overlays
 * at the left and the right edges (no margin: the segments touch the
 * image's edges, of a partial MCU at the right and the bottom), in the
 * centre (small: wide gaps on both sides; large: gaps of an MCU or two,
 * segments in many rows, end of band runs from one to the next), a
 * banner across the top; over 4:2:0 (chroma's AC scans alone, on their
 * own grid), 4:2:2 with restarts every 2 MCUs, 4:2:0 with restarts every
 * 3, greyscale, jpegtran's script (refinement of AC and DC) and a script
 * of DC first scans of one component each.  Each is spliced, keeps every
 * block outside the overlay's MCUs, within PROG_PSNR inside.
 */

static void
prog_edges(const char *dir, const char *ppm)
{
    int                             gw, gh, fitted, k;
    char                            name[200], scans[96], cmd[256];
    double                          psnr, worst;
    size_t                          i, p, len, rlen, sn;
    gdImagePtr                      photo, im;
    unsigned char                  *jpeg, *ref, sscript[4096];
    jpeg_coefs_t                    a;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_options_t      opts;

    static const prog_tool_t  tools[] = {
        { "4:2:0", "cjpeg -quality 85 -progressive %s > %s",
          "cjpeg -quality 85 %s > %s", 0 },
        { "4:2:2, restart every 2 MCUs",
          "cjpeg -quality 80 -sample 2x1 -restart 2b -progressive %s > %s",
          "cjpeg -quality 80 -sample 2x1 -restart 2b %s > %s", 0 },
        { "4:2:0, restart every 3 MCUs",
          "cjpeg -quality 90 -restart 3b -progressive %s > %s",
          "cjpeg -quality 90 -restart 3b %s > %s", 0 },
        { "greyscale", "cjpeg -quality 75 -grayscale -progressive %s > %s",
          "cjpeg -quality 75 -grayscale %s > %s", 1 },
        { "jpegtran -progressive",
          "cjpeg -quality 80 %s | jpegtran -progressive > %s",
          "cjpeg -quality 80 %s > %s", 0 },
        { "DC scans of one component", "SCANS",
          "cjpeg -quality 85 %s > %s", 0 },
    };

    static const struct {
        const char                   *name;
        ngx_http_overlay_position_e   position;
        ngx_http_overlay_style_e      style;
        double                        margin, size;
        int                           narrow;   /* a third of the width */
    } layouts[] = {
        { "left edge", NGX_HTTP_OVERLAY_TOP_LEFT,
          NGX_HTTP_OVERLAY_STYLE_BADGE, 0, 0, 1 },
        { "right edge", NGX_HTTP_OVERLAY_TOP_RIGHT,
          NGX_HTTP_OVERLAY_STYLE_BADGE, 0, 0, 1 },
        { "centre", NGX_HTTP_OVERLAY_CENTER,
          NGX_HTTP_OVERLAY_STYLE_BADGE, -1, 0, 1 },
        { "centre, large", NGX_HTTP_OVERLAY_CENTER,
          NGX_HTTP_OVERLAY_STYLE_BADGE, -1, 0.2, 0 },
        { "right and bottom edges", NGX_HTTP_OVERLAY_BOTTOM_RIGHT,
          NGX_HTTP_OVERLAY_STYLE_BADGE, 0, 0.12, 0 },
        { "banner at the top", NGX_HTTP_OVERLAY_TOP,
          NGX_HTTP_OVERLAY_STYLE_BANNER, -1, 0, 0 },
    };

    ngx_http_overlay_options_init(&opts);

    if (prog_script(scans, sizeof(scans), dir, "dc.txt",
                    "0: 0-0, 0, 1;\n1: 0-0, 0, 0;\n2: 0-0, 0, 0;\n"
                    "0: 1-5, 0, 2;\n1: 1-63, 0, 1;\n2: 1-63, 0, 0;\n"
                    "0: 6-63, 0, 2;\n0: 1-63, 2, 1;\n0: 0-0, 1, 0;\n"
                    "1: 1-63, 1, 0;\n0: 1-63, 1, 0;\n") != 0)
    {
        return;
    }

    photo = decode_fixture("rocket.jpg");

    if (photo == NULL) {
        CHECK(0, "prog: edges: no photo");
        return;
    }

    /* a partial MCU at the right and at the bottom */

    gw = gdImageSX(photo) - 7;
    gh = gdImageSY(photo) - 9;
    im = gdImageCreateTrueColor(gw, gh);
    gdImageCopy(im, photo, 0, 0, 0, 0, gw, gh);
    gdImageDestroy(photo);
    fit_ppm(im, ppm);
    gdImageDestroy(im);

    worst = 100;
    fitted = 0;

    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        if (strcmp(tools[i].make, "SCANS") == 0) {
            snprintf(cmd, sizeof(cmd), "cjpeg -quality 85 -scans %s %%s > %%s",
                     scans);

        } else {
            snprintf(cmd, sizeof(cmd), "%s", tools[i].make);
        }

        jpeg = fit_make(cmd, ppm, dir, &len);
        ref = fit_make(tools[i].ref, ppm, dir, &rlen);

        if (jpeg == NULL || ref == NULL
            || prog_scans(jpeg, len, sscript, sizeof(sscript), &sn, &k) != 0)
        {
            CHECK(0, "prog: edges: %s failed", tools[i].name);
            free(jpeg);
            free(ref);
            continue;
        }

        read_coefs(jpeg, len, &a);

        for (p = 0; p < sizeof(layouts) / sizeof(layouts[0]); p++) {
            snprintf(name, sizeof(name), "prog: edges: %s, %s %dx%d",
                     tools[i].name, layouts[p].name, gw, gh);

            one_text(&spec, &opts, "Last Chance!");
            spec.layers[0].position = layouts[p].position;
            spec.layers[0].style = layouts[p].style;

            if (layouts[p].margin >= 0) {
                spec.layers[0].margin = layouts[p].margin;
            }

            if (layouts[p].size > 0) {
                spec.layers[0].size = layouts[p].size;
            }

            k = prog_case(dir, name, jpeg, len, ref, rlen, &a, sscript, sn,
                          &spec, &opts, gw, gh, &psnr, &fitted);

            CHECK(k != 0, "%s: not spliced", name);

            worst = (k > 0 && psnr < worst) ? psnr : worst;

            /*
             * Only the overlay's columns coded again: a third of the
             * width, less than half of its rows' blocks (with restarts
             * every 2 or 3 MCUs too: whole intervals); a banner, all
             */

            CHECK(k <= 0 || !layouts[p].narrow
                  || 2 * ngx_http_overlay_pspl_coded
                     < ngx_http_overlay_pspl_rows,
                  "%s: %lu blocks of the overlay's rows' %lu coded again",
                  name, ngx_http_overlay_pspl_coded,
                  ngx_http_overlay_pspl_rows);

            CHECK(k <= 0 || layouts[p].style != NGX_HTTP_OVERLAY_STYLE_BANNER
                  || ngx_http_overlay_pspl_coded
                     >= ngx_http_overlay_pspl_rows,
                  "%s: %lu blocks of the banner's rows' %lu coded again",
                  name, ngx_http_overlay_pspl_coded,
                  ngx_http_overlay_pspl_rows);

            if (i == 0 && p == 1) {
                printf("%s: %lu blocks of the overlay's rows' %lu coded "
                       "again\n", name,
                       ngx_http_overlay_pspl_coded,
                       ngx_http_overlay_pspl_rows);
            }
        }

        free_coefs(&a);
        free(jpeg);
        free(ref);
    }

    printf("prog: edges: the least PSNR of the overlay's bounds against the "
           "reference, %.2f dB; %d blocks fitted\n", worst, fitted);
}


/*
 * More segments than the splice keeps (NGX_HTTP_OVERLAY_PSPL_SEGS): a
 * greyscale JPEG of 64 scans (DC, then each AC coefficient alone) under
 * an image layer as tall as the image, 288 rows of blocks in each scan:
 * past the bound a scan's segments are its rows across the width.  The
 * output is spliced, decodes without a warning, keeps every block
 * outside the overlay's MCUs; it codes more than the overlay's columns
 * (the scans past the bound) but less than its rows.
 */

static void
prog_many(const char *dir, const char *ppm)
{
    int                             x, y, outside, all;
    FILE                           *fp;
    char                            scans[96], cmd[160];
    size_t                          len, n, k;
    gdImagePtr                      tall;
    unsigned char                  *jpeg, script[4096];
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_rect_t         r;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char *const  assets[] = { "bar" };

    fp = fopen(ppm, "wb");

    if (fp == NULL) {
        CHECK(0, "prog: many: %s", ppm);
        return;
    }

    fprintf(fp, "P5\n1024 2304\n255\n");

    for (y = 0; y < 2304; y++) {
        for (x = 0; x < 1024; x++) {
            fputc((x * 7 + y * 3 + (x * y) % 29) & 0xff, fp);
        }
    }

    fclose(fp);

    n = (size_t) snprintf((char *) script, sizeof(script), "0: 0-0, 0, 0;\n");

    for (k = 1; k < 64; k++) {
        n += (size_t) snprintf((char *) script + n, sizeof(script) - n,
                               "0: %u-%u, 0, 0;\n", (unsigned) k,
                               (unsigned) k);
    }

    if (prog_script(scans, sizeof(scans), dir, "many.txt", (char *) script)
        != 0)
    {
        return;
    }

    snprintf(cmd, sizeof(cmd), "cjpeg -grayscale -quality 40 -scans %s "
             "%%s > %%s", scans);
    jpeg = fit_make(cmd, ppm, dir, &len);

    if (jpeg == NULL) {
        CHECK(0, "prog: many: cjpeg failed");
        return;
    }

    /* a bar 58 pixels wide, 2320 tall: every row of the image */

    tall = gdImageCreateTrueColor(20, 800);
    gdImageFilledRectangle(tall, 0, 0, 19, 799, gdTrueColor(30, 120, 220));

    ngx_http_overlay_options_init(&opts);
    one_image(&spec, &opts, assets, &tall);
    spec.layers[0].position = NGX_HTTP_OVERLAY_CENTER;
    spec.layers[0].scale = 0.057;

    rc = ngx_http_overlay_composite(jpeg, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "prog: many: %s", err.msg);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        CHECK(prog_scans(blob.data, blob.len, script, sizeof(script), &n,
                         &all) == 0
              && n == 64 * 10 && !all
              && prog_sof(blob.data, blob.len) == 0xc2
              && jpeg_warnings(blob.data, blob.len) == 0
              && prog_djpeg(dir, blob.data, blob.len) == 0,
              "prog: many: not spliced, or not clean");

        fit_bounds(&spec, &opts, 1024, 2304, &r);
        read_coefs(jpeg, len, &a);
        read_coefs(blob.data, blob.len, &b);
        outside = fit_outside(&a, &b, &r);

        CHECK(outside == 0 && r.h == 2304,
              "prog: many: %d blocks changed outside the overlay's MCUs "
              "(%d rows under it)", outside, r.h);

        printf("prog: many: %lu blocks of the overlay's rows' %lu coded "
               "again\n", ngx_http_overlay_pspl_coded,
               ngx_http_overlay_pspl_rows);

        CHECK(ngx_http_overlay_pspl_coded < ngx_http_overlay_pspl_rows
              && 8 * ngx_http_overlay_pspl_coded
                 > ngx_http_overlay_pspl_rows,
              "prog: many: %lu blocks of %lu coded again",
              ngx_http_overlay_pspl_coded, ngx_http_overlay_pspl_rows);

        free_coefs(&a);
        free_coefs(&b);
        blob.free(blob.data);
    }

    gdImageDestroy(tall);
    free(jpeg);
}


/* a scan script for cjpeg -scans written to dir/file, its path: 0, or -1 */

static int
prog_script(char *path, size_t size, const char *dir, const char *file,
    const char *script)
{
    FILE  *fp;

    snprintf(path, size, "%s/%s", dir, file);
    fp = fopen(path, "w");

    if (fp == NULL) {
        CHECK(0, "prog: %s", path);
        return -1;
    }

    fputs(script, fp);
    fclose(fp);

    return 0;
}


/*
 * The blocks of out not those of ref, the splice's output (-1: not the
 * same grid); but where the splice dropped the last AC coefficient of a
 * new block, a 1 or -1 (ngx_http_overlay_jpeg_splice_fit.c)
 */

static int
prog_differ(const jpeg_coefs_t *ref, const jpeg_coefs_t *out)
{
    int           c, k, n, last, at, differ;
    size_t        i;
    const JCOEF  *x, *y;

    if (ref->ncomp != out->ncomp) {
        return -1;
    }

    differ = 0;

    for (c = 0; c < ref->ncomp; c++) {
        if (ref->w[c] != out->w[c] || ref->h[c] != out->h[c]) {
            return -1;
        }

        for (i = 0; i < (size_t) ref->w[c] * ref->h[c]; i++) {
            x = &ref->coef[c][i * DCTSIZE2];
            y = &out->coef[c][i * DCTSIZE2];
            n = 0;
            at = -1;
            last = 0;

            for (k = 0; k < DCTSIZE2; k++) {
                if (x[jpeg_zigzag[k]] != y[jpeg_zigzag[k]]) {
                    n++;
                    at = k;
                }

                if (y[jpeg_zigzag[k]] != 0) {
                    last = k;
                }
            }

            if (n == 0
                || (n == 1 && at == last && x[jpeg_zigzag[at]] == 0
                    && (y[jpeg_zigzag[at]] == 1 || y[jpeg_zigzag[at]] == -1)))
            {
                continue;
            }

            differ++;
        }
    }

    return differ;
}


/*
 * The scan headers of p, one after another, in script; all: whether the
 * AC table of every AC first scan has PROG_AC_ALL symbols or more
 */

static int
prog_scans(const unsigned char *p, size_t len, unsigned char *script,
    size_t size, size_t *n, int *all)
{
    size_t    at, seg, k, count[2][4], t;
    unsigned  m;

    *n = 0;
    *all = 1;
    memset(count, 0, sizeof(count));
    at = 2;

    while (at + 2 <= len) {
        if (p[at] != 0xff) {
            return -1;
        }

        m = p[at + 1];

        if (m == 0xd9) {
            return 0;
        }

        if (at + 4 > len) {
            return -1;
        }

        seg = (size_t) p[at + 2] << 8 | p[at + 3];

        if (at + 2 + seg > len) {
            return -1;
        }

        if (m == 0xc4) {
            for (k = at + 4; k + 17 <= at + 2 + seg; ) {
                for (t = 1, count[p[k] >> 4 & 1][p[k] & 3] = 0; t <= 16;
                     t++)
                {
                    count[p[k] >> 4 & 1][p[k] & 3] += p[k + t];
                }

                k += 17 + count[p[k] >> 4 & 1][p[k] & 3];
            }
        }

        if (m == 0xda) {
            if (*n + seg + 2 > size) {
                return -1;
            }

            memcpy(script + *n, p + at, seg + 2);
            *n += seg + 2;

            k = at + 4 + 1 + 2 * p[at + 4];

            if (p[k] != 0 && (p[k + 2] >> 4) == 0
                && count[1][p[at + 6] & 3] < PROG_AC_ALL)
            {
                *all = 0;
            }

            /* past the entropy-coded data */

            for (at += 2 + seg; at + 1 < len; at++) {
                if (p[at] == 0xff && p[at + 1] != 0
                    && (p[at + 1] < 0xd0 || p[at + 1] > 0xd7))
                {
                    break;
                }
            }

            continue;
        }

        at += 2 + seg;
    }

    return -1;
}


/* the first frame header's marker of p, 0 if none */

static unsigned
prog_sof(const unsigned char *p, size_t len)
{
    size_t  at;

    for (at = 2; at + 4 <= len && p[at] == 0xff;
         at += 2 + ((size_t) p[at + 2] << 8 | p[at + 3]))
    {
        if (p[at + 1] >= 0xc0 && p[at + 1] <= 0xcf && p[at + 1] != 0xc4
            && p[at + 1] != 0xc8 && p[at + 1] != 0xcc)
        {
            return p[at + 1];
        }
    }

    return 0;
}


/* djpeg decodes the len bytes at p without a word on stderr: 0 */

static int
prog_djpeg(const char *dir, const unsigned char *p, size_t len)
{
    int    rc;
    char   path[96], cmd[320];
    FILE  *fp;

    snprintf(path, sizeof(path), "%s/out.jpg", dir);
    fp = fopen(path, "wb");

    if (fp == NULL) {
        return -1;
    }

    rc = (fwrite(p, 1, len, fp) == len) ? 0 : -1;

    if (fclose(fp) != 0 || rc != 0) {
        return -1;
    }

    snprintf(cmd, sizeof(cmd), "djpeg %s 2>%s/djpeg.err >/dev/null "
             "&& test ! -s %s/djpeg.err", path, dir, dir);

    return system(cmd) == 0 ? 0 : -1;
}
