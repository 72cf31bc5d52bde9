
/*
 * Unit tests of ngx_http_overlay_codec_png.c: the PNG header probe
 * (pixel floods, IHDR first and once, APNG), the decoder against libgd's
 * on every colour type and depth, plain and Adam7, with and without tRNS,
 * hostile chunks decoded without a word from libpng, composites on
 * palette, grey and 16-bit PNGs, and image data split or faulty.
 */


#include <time.h>

#include <unistd.h>

#include <libdeflate.h>
#include <png.h>

#include "unit.h"
#include "ngx_http_overlay_codec_png.h"


static void png_against_libgd(const char *name, const unsigned char *data,
    size_t len, int trns_colour);


void
test_png_probe(void)
{
    size_t                          len;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    static const unsigned char  flood_png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
        0, 0, 0, 13, 'I', 'H', 'D', 'R',
        0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20,        /* 20000 x 20000 */
        8, 2, 0, 0, 0, 0, 0, 0, 0
    };

    memset(&conf, 0, sizeof(conf));
    conf.jpeg_quality = 85;
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    data = read_fixture("chelsea.png", &len);
    rc = ngx_http_overlay_codec_probe(data, len, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && info.format
          == NGX_HTTP_OVERLAY_FORMAT_PNG && info.width == 451
          && info.height == 300, "probe chelsea.png");
    free(data);

    check_probe("png pixel flood", flood_png, sizeof(flood_png),
                NGX_HTTP_OVERLAY_TOO_LARGE, "20000x20000");
    check_probe("png cut in IHDR", flood_png, 20, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "");
}


/* IHDR first and once; a valid colour type; APNG */

void
test_png_headers(void)
{
    size_t          len, n;
    unsigned char  *bad, *png;

    png = make_png(16, 16, PNG_COLOR_TYPE_RGB, 8, 0, 0, &len);

    check_probe("a PNG made here", png, len, NGX_HTTP_OVERLAY_OK, "");

    bad = png_insert_chunk(png, len, 33, "IHDR", png + 16, 13, 0, 0, &n);
    check_probe("IHDR twice", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a second PNG IHDR at 33");
    free(bad);

    bad = png_insert_chunk(png, len, len - 12, "IHDR", png + 16, 13, 0, 0,
                           &n);
    check_probe("IHDR again after IDAT", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a second PNG IHDR at");
    free(bad);

    bad = png_insert_chunk(png, len, 8, "tEXt", (const unsigned char *)
                           "a\0b", 3, 0, 0, &n);
    check_probe("IHDR after a tEXt", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: PNG IHDR at 23, not first");
    free(bad);

    bad = replace_bytes(png, len, 24, 2, "\x10\x03", 2, &n);
    check_probe("palette of 16 bits", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "PNG IHDR: colour type 3 with 16-bit samples");
    free(bad);

    bad = png_insert_chunk(png, len, 33, "acTL", (const unsigned char *)
                           "\0\0\0\x02\0\0\0\0", 8, 0, 0, &n);
    check_probe("APNG", bad, n, NGX_HTTP_OVERLAY_UNSUPPORTED,
                "animated PNG");
    free(bad);

    /* acTL after IDAT is no animation: browsers show the still image */

    bad = png_insert_chunk(png, len, len - 12, "acTL",
                           (const unsigned char *) "\0\0\0\x02\0\0\0\0", 8,
                           0, 0, &n);
    check_probe("acTL after IDAT", bad, n, NGX_HTTP_OVERLAY_OK, "");
    free(bad);
    free(png);
}


/* our decoder against libgd's, on PNGs made here and the fixtures */

void
test_png_decode(void)
{
    int                        i, colour;
    size_t                     len;
    gdImagePtr                 im;
    unsigned char             *png;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;

    static const struct {
        int                    colour;
        int                    depth;
    } kinds[] = {
        { PNG_COLOR_TYPE_GRAY, 1 }, { PNG_COLOR_TYPE_GRAY, 2 },
        { PNG_COLOR_TYPE_GRAY, 4 }, { PNG_COLOR_TYPE_GRAY, 8 },
        { PNG_COLOR_TYPE_GRAY, 16 }, { PNG_COLOR_TYPE_RGB, 8 },
        { PNG_COLOR_TYPE_RGB, 16 }, { PNG_COLOR_TYPE_PALETTE, 1 },
        { PNG_COLOR_TYPE_PALETTE, 2 }, { PNG_COLOR_TYPE_PALETTE, 4 },
        { PNG_COLOR_TYPE_PALETTE, 8 }, { PNG_COLOR_TYPE_GRAY_ALPHA, 8 },
        { PNG_COLOR_TYPE_GRAY_ALPHA, 16 }, { PNG_COLOR_TYPE_RGB_ALPHA, 8 },
        { PNG_COLOR_TYPE_RGB_ALPHA, 16 }
    };

    static const char *const  fixture_pngs[] = {
        "chelsea.png", "palette.png", "gray.png", "deep16.png", "logo.png",
        "transparent.png"
    };

    /* every colour type and depth, plain and Adam7, with and without tRNS */

    for (i = 0; i < (int) (sizeof(kinds) / sizeof(kinds[0])) * 4; i++) {
        char  name[64];
        int   k, interlace, trns, tc;

        k = i / 4;
        interlace = i & 1;
        trns = (i & 2) && !(kinds[k].colour & PNG_COLOR_MASK_ALPHA);
        colour = kinds[k].colour;

        if ((i & 2) && !trns) {
            continue;
        }

        snprintf(name, sizeof(name), "png type %d, %d-bit%s%s", colour,
                 kinds[k].depth, interlace ? ", Adam7" : "",
                 trns ? ", tRNS" : "");

        png = make_png(23, 13, colour, kinds[k].depth, interlace, trns,
                       &len);
        if (png == NULL) {
            CHECK(0, "%s: made", name);
            continue;
        }

        /* the colour libgd leaves opaque where tRNS makes it transparent */

        tc = 0;

        if (trns && colour == PNG_COLOR_TYPE_RGB) {
            unsigned  s = kinds[k].depth == 16 ? 8 : 0;

            tc = gdTrueColor((int) (png_sample(1, 0, 0) >> s) & 0xff,
                             (int) (png_sample(1, 0, 1) >> s) & 0xff,
                             (int) (png_sample(1, 0, 2) >> s) & 0xff);

            if (kinds[k].depth == 16) {
                /* 8-bit colours alike but for the low byte stay opaque */
                tc = 0;
            }
        }

        if (trns && colour == PNG_COLOR_TYPE_GRAY && kinds[k].depth == 16) {
            tc = -1;
        }

        if (tc == -1 || (trns && colour == PNG_COLOR_TYPE_RGB && tc == 0)) {
            /* only the pixel at 1,0 has the 16-bit grey or colour of tRNS */

            rc = ngx_http_overlay_png_decode(png, len,
                                             NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                             &im, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK
                  && gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 1, 0))
                     == gdAlphaTransparent
                  && gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 2, 0))
                     == 0, "%s: %s", name, err.msg);

            if (rc == NGX_HTTP_OVERLAY_OK) {
                gdImageDestroy(im);
            }

        } else {
            png_against_libgd(name, png, len, tc);
        }

        free(png);
    }

    for (i = 0; i < (int) (sizeof(fixture_pngs) / sizeof(char *)); i++) {
        png = read_fixture(fixture_pngs[i], &len);
        png_against_libgd(fixture_pngs[i], png, len, 0);
        free(png);
    }
}


/*
 * Hostile chunks after IHDR, decoded with stderr captured: libpng must
 * not write a line (libgd's reader wrote "libpng warning: ...").
 */

void
test_png_chunks(void)
{
    int                        fd, saved;
    long                       said;
    FILE                      *capture;
    size_t                     len, hlen;
    clock_t                    start;
    gdImagePtr                 im;
    unsigned char             *png, *h;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;

    png = make_png(40, 30, PNG_COLOR_TYPE_RGB, 8, 0, 0, &len);

    fflush(stderr);
    capture = tmpfile();
    fd = fileno(stderr);
    saved = dup(fd);
    (void) dup2(fileno(capture), fd);

    /* a text chunk with a bad CRC: corruption, refused */

    h = png_insert_chunk(png, len, 33, "tEXt", (const unsigned char *)
                         "Comment\0hello", 13, 0, 1, &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strcmp(err.msg, "png: tEXt: CRC error") == 0,
          "a tEXt with a bad CRC: %s: %s", ngx_http_overlay_reason(rc),
          err.msg);
    free(h);

    /* a chunk over the chunk limit */

    h = png_insert_chunk(png, len, 33, "tEXt", NULL,
                         NGX_HTTP_OVERLAY_PNG_CHUNK_MAX + 1, 'a', 0, &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strcmp(err.msg, "png: tEXt: chunk data is too large") == 0,
          "a tEXt over the chunk limit: %s: %s", ngx_http_overlay_reason(rc),
          err.msg);
    free(h);

    /*
     * 6 MB of ICC profile, and a zTXt "deflate bomb" whose data is no
     * deflate stream at all: never inflated, so decoded, at once.
     */

    h = png_insert_chunk(png, len, 33, "iCCP", NULL, 6000000, 0x5a, 0,
                         &hlen);
    start = clock();
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && (double) (clock() - start) / CLOCKS_PER_SEC < 0.5,
          "6 MB of iCCP: %s: %s", ngx_http_overlay_reason(rc), err.msg);
    free(h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
    }

    h = png_insert_chunk(png, len, 33, "zTXt", (const unsigned char *)
                         "Comment\0\0\x78\x9c\xff\xff\xff\xff", 14, 0, 0,
                         &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a zTXt of garbage: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);
    free(h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
    }

    /* a profile libpng knows as wrong (chelsea.png's) is no warning */

    h = read_fixture("chelsea.png", &hlen);
    rc = ngx_http_overlay_png_decode(h, hlen, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "chelsea.png's sRGB profile: %s",
          err.msg);
    free(h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        gdImageDestroy(im);
    }

    /* cut in IDAT; IDAT's CRC wrong */

    rc = ngx_http_overlay_png_decode(png, len - 30,
                                     NGX_HTTP_OVERLAY_MAX_PIXELS, 0, &im,
                                     &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "png cut short at") != NULL,
          "a PNG cut in IDAT: %s: %s", ngx_http_overlay_reason(rc), err.msg);

    h = malloc(len);
    memcpy(h, png, len);
    h[len - 13] ^= 0x01;                    /* IDAT's CRC, before IEND */
    rc = ngx_http_overlay_png_decode(h, len, NGX_HTTP_OVERLAY_MAX_PIXELS, 0,
                                     &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strcmp(err.msg, "png: IDAT: CRC error") == 0,
          "IDAT's CRC: %s: %s", ngx_http_overlay_reason(rc), err.msg);
    free(h);

    /* the sides: libpng's own limit, under the decoder's */

    rc = ngx_http_overlay_png_decode(png, len, NGX_HTTP_OVERLAY_MAX_PIXELS,
                                     39, &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE, "a side over 39: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);

    rc = ngx_http_overlay_png_decode(png, len, 1199, 0, &im, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE, "over 1199 pixels: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);

    fflush(stderr);
    (void) dup2(saved, fd);
    close(saved);

    said = ftell(capture);
    CHECK(said == 0, "libpng wrote %ld bytes to stderr", said);

    if (said > 0) {
        char  line[256];

        rewind(capture);

        while (fgets(line, sizeof(line), capture) != NULL) {
            printf("  stderr: %s", line);
        }
    }
    fclose(capture);

    free(png);
}


/* grey and 16-bit PNGs are drawn on (test_png_blend.c: what they become) */

void
test_png_composite(void)
{
    size_t                          len, i;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    check_format("palette.png", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_PNG, "");

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    for (i = 0; i < 2; i++) {
        data = read_fixture(i == 0 ? "gray.png" : "deep16.png", &len);
        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && info.width == 240,
              "%s: %s", i == 0 ? "gray.png" : "deep16.png", err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(data);
    }
}


/*
 * Our decoder against libgd's, pixel for pixel: the same alpha, and the
 * same colour wherever a pixel is not fully transparent (libgd makes those
 * black).  Where libgd ignores a tRNS colour (RGB, and 16-bit grey, which
 * it rounds to 8 bits first), the sample that tRNS names must come out
 * transparent, and only it.
 */

static void
png_against_libgd(const char *name, const unsigned char *data, size_t len,
    int trns_colour)
{
    int                        x, y, a, b, diff, ta, want;
    gdImagePtr                 ours, gd;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;

    rc = ngx_http_overlay_png_decode(data, len, NGX_HTTP_OVERLAY_MAX_PIXELS,
                                     0, &ours, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    gd = gdImageCreateFromPngPtr((int) len, (void *) data);

    if (gd != NULL && !gdImageTrueColor(gd)) {
        gdImagePaletteToTrueColor(gd);
    }

    CHECK(gd != NULL && gdImageSX(gd) == gdImageSX(ours)
          && gdImageSY(gd) == gdImageSY(ours), "%s: libgd's size", name);

    if (gd == NULL || gdImageSX(gd) != gdImageSX(ours)
        || gdImageSY(gd) != gdImageSY(ours))
    {
        gdImageDestroy(ours);
        return;
    }

    diff = 0;
    ta = 0;

    for (y = 0; y < gdImageSY(ours); y++) {
        for (x = 0; x < gdImageSX(ours); x++) {
            a = gdImageGetTrueColorPixel(ours, x, y);
            b = gdImageGetTrueColorPixel(gd, x, y);

            if (trns_colour) {
                want = (gdTrueColorGetRed(b) == gdTrueColorGetRed(trns_colour)
                        && gdTrueColorGetGreen(b)
                           == gdTrueColorGetGreen(trns_colour)
                        && gdTrueColorGetBlue(b)
                           == gdTrueColorGetBlue(trns_colour));

                if (want) {
                    ta++;
                    b = gdTrueColorAlpha(gdTrueColorGetRed(b),
                                         gdTrueColorGetGreen(b),
                                         gdTrueColorGetBlue(b),
                                         gdAlphaTransparent);
                }
            }

            if (gdTrueColorGetAlpha(a) != gdTrueColorGetAlpha(b)
                || (gdTrueColorGetAlpha(a) != gdAlphaTransparent
                    && (a & 0xffffff) != (b & 0xffffff)))
            {
                if (diff++ == 0) {
                    printf("  %s at %d,%d: ours %08x, libgd's %08x\n",
                           name, x, y, (unsigned) a, (unsigned) b);
                }
            }
        }
    }

    CHECK(diff == 0, "%s: %d pixels differ from libgd's", name, diff);
    CHECK(!trns_colour || ta > 0, "%s: no pixel of the tRNS colour", name);
    CHECK(gdImageGetInterlaced(ours) == gdImageGetInterlaced(gd)
          && gdImageResolutionX(ours) == gdImageResolutionX(gd)
          && gdImageResolutionY(ours) == gdImageResolutionY(gd),
          "%s: interlace %d, %ux%u dpi; libgd's %d, %ux%u", name,
          gdImageGetInterlaced(ours), gdImageResolutionX(ours),
          gdImageResolutionY(ours), gdImageGetInterlaced(gd),
          gdImageResolutionX(gd), gdImageResolutionY(gd));

    gdImageDestroy(gd);
    gdImageDestroy(ours);
}


/*
 * The image data inflated by libdeflate (ngx_http_overlay_png_inflate()):
 * split into many IDATs, the same output as from one; any fault in them
 * is libpng's to find, with its words, as without that path.
 */

void
test_png_idat(void)
{
    int                             k;
    size_t                          len, n, olen, m;
    unsigned char                  *src, *png, *pal;
    const char                     *want;
    const unsigned char            *plte;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         a, b;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char *const  faults[] = {
        "split", "a CRC error", "junk after the stream",
        "a wrong Adler-32", "a row too many", "a row short"
    };

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    src = make_png(300, 200, 2, 8, 0, 0, &len);

    rc = ngx_http_overlay_composite(src, len, &spec, &opts, &info, &a,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "one IDAT: %s", err.msg);

    for (k = 0; k < 6 && rc == NGX_HTTP_OVERLAY_OK; k++) {
        png = png_reidat(src, len, k, &n);

        CHECK(png != NULL, "%s: made", faults[k]);

        if (png == NULL) {
            continue;
        }

        memset(&err, 0, sizeof(err));

        if (ngx_http_overlay_composite(png, n, &spec, &opts, &info, &b,
                                       &err)
            == NGX_HTTP_OVERLAY_OK)
        {
            olen = b.len;
            m = memcmp(a.data, b.data, olen < a.len ? olen : a.len);
            ngx_http_overlay_codec_free(&b);

            CHECK(k == 0 && olen == a.len && m == 0,
                  "%s: composited, %s the output of one IDAT", faults[k],
                  olen == a.len && m == 0 ? "as" : "unlike");

        } else {
            want = k == 1 ? "png: IDAT: CRC error"
                   : k == 2 ? "png: IDAT: Extra compressed data"
                   : k == 3 ? "png: IDAT: incorrect data check"
                   : k == 4 ? "png: IDAT: Too much image data"
                   : "png: Not enough image data";

            CHECK(k != 0 && strcmp(err.msg, want) == 0,
                  "%s: refused, \"%s\"", faults[k], err.msg);
        }

        free(png);
    }

    /*
     * a critical chunk's CRC wrong, around a sound IDAT: libpng's words,
     * as when libpng checks them all (the stored IDAT's own CRC it skips)
     */

    for (k = 0; k < 3 && rc == NGX_HTTP_OVERLAY_OK; k++) {
        png = k == 2 ? make_png(300, 200, 3, 8, 0, 0, &n)
                     : replace_bytes(src, len, 0, 0, "", 0, &n);
        m = k == 0 ? 8 + 8 + 13 : n - 4;

        if (k == 2) {
            plte = png_chunk_find(png, n, "PLTE", &m);
            m += plte - png;
        }

        png[m] ^= 0x01;
        memset(&err, 0, sizeof(err));

        want = k == 0 ? "png: IHDR: CRC error" : k == 1 ? "png: IEND: CRC error"
                                                       : "png: PLTE: CRC error";

        CHECK(ngx_http_overlay_composite(png, n, &spec, &opts, &info, &b,
                                         &err)
              != NGX_HTTP_OVERLAY_OK && strcmp(err.msg, want) == 0,
              "a critical chunk's CRC wrong: refused, \"%s\"", err.msg);

        free(png);
    }

    /*
     * in what the module unfilters itself (8 and 16 bits, not interlaced),
     * libpng's words: a filter type past 4; in a palette of 255 entries,
     * index 255 (which libpng's reader let through in 8-bit rows read as
     * they are: its check runs only with a transformation, and takes the
     * index of the palette's size for one inside it)
     */

    for (k = 6; k < 8 && rc == NGX_HTTP_OVERLAY_OK; k++) {
        pal = k == 7 ? read_fixture("palette.png", &m) : NULL;
        png = png_reidat(pal != NULL ? pal : src, pal != NULL ? m : len, k,
                         &n);
        free(pal);
        memset(&err, 0, sizeof(err));

        want = k == 6 ? "png: bad adaptive filter value"
                      : "png: Read palette index exceeding num_palette";

        CHECK(png != NULL
              && ngx_http_overlay_composite(png, n, &spec, &opts, &info, &b,
                                            &err)
                 != NGX_HTTP_OVERLAY_OK
              && strcmp(err.msg, want) == 0,
              "%s: refused, \"%s\"", k == 6 ? "filter type 5"
                                           : "palette index 255 of 255",
              err.msg);

        free(png);
    }

    /*
     * what libpng reads itself (4 bits; 8 bits interlaced), its PLTE cut
     * to 8 entries under pixels of 16 and 256: refused in the same words
     * as the rows the module unfilters
     */

    for (k = 0; k < 2 && rc == NGX_HTTP_OVERLAY_OK; k++) {
        unsigned char  chunk[36];

        pal = make_png(64, 48, PNG_COLOR_TYPE_PALETTE, k == 0 ? 4 : 8, k,
                       0, &m);
        plte = png_chunk_find(pal, m, "PLTE", &n);

        png_save_uint_32(chunk, 24);
        memcpy(chunk + 4, "PLTE", 4);
        memcpy(chunk + 8, plte, 24);
        png_save_uint_32(chunk + 32, libdeflate_crc32(0, chunk + 4, 28));

        png = replace_bytes(pal, m, (size_t) (plte - 8 - pal), n + 12, chunk,
                            sizeof(chunk), &n);
        free(pal);
        memset(&err, 0, sizeof(err));

        CHECK(ngx_http_overlay_composite(png, n, &spec, &opts, &info, &b,
                                         &err)
              != NGX_HTTP_OVERLAY_OK
              && strcmp(err.msg,
                        "png: Read palette index exceeding num_palette")
                 == 0,
              "%s, 8 entries, indices past them: refused, \"%s\"",
              k == 0 ? "4-bit palette" : "8-bit palette interlaced",
              err.msg);

        free(png);
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&a);
    }

    free(src);
}
