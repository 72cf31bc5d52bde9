
/*
 * Unit tests of the GIF codec: still and animated GIFs composited (the
 * palette kept, and extended, when it has room), and
 * the GIF header probe (the frame against the screen, LZW code sizes,
 * GIFs cut short, and the probe stopping at the second frame).
 */


#include <math.h>
#include <time.h>

#include "unit.h"
#include "ngx_http_overlay_quant.h"


static void gif_palette(int n, int kind);
static void gif_unused_key(int n, int t);


void
test_gif_composite(void)
{
    check_format("thumb.gif", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_GIF, "");
    check_format("animated.gif", NGX_HTTP_OVERLAY_UNSUPPORTED,
                 NGX_HTTP_OVERLAY_FORMAT_GIF, "animated GIF");

    gif_palette(16, 0);
    gif_palette(256, 0);
    gif_palette(256, 1);
    gif_palette(256, 2);
    gif_palette(256, 3);

    gif_unused_key(16, 0);
    gif_unused_key(256, 255);
}


/*
 * A GIF of n colours, by libgd (kind 0: many hues; 1: greys; 2: greys and
 * blues, no red; 3: greys under a grey badge): with room in its palette,
 * the badge's colours are added to it, and every pixel outside the badge's
 * corner keeps its colour (its index too), as every entry.  With a full
 * palette, the badge's colours are quantized: into the nearest entries,
 * every pixel outside kept (kind 3, even greys only, twice each); into
 * entries the pixels outside can do without, which move to their nearest,
 * within 55 dB of the source (kind 1, greys one level apart); or, when
 * neither is within NGX_HTTP_OVERLAY_QUANT_FLOOR of the badge of the
 * image made truecolour, the image is quantized anew (kind 2).
 */

static void
gif_palette(int n, int kind)
{
    int                             x, y, c, w, h, size, tsize, diff, out;
    int                             kept, d, k;
    void                           *bytes, *twin;
    double                          sse, psnr, outside;
    gdImagePtr                      im, res, tc;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob, rblob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    w = 240;
    h = 135;
    im = gdImageCreate(w, h);

    for (c = 0; c < n; c++) {
        if (kind == 0) {
            (void) gdImageColorAllocate(im, c * 255 / n, 255 - c * 255 / n,
                                        (c * 37) & 0xff);

        } else if (kind == 1) {
            (void) gdImageColorAllocate(im, c, c, c);

        } else if (kind == 3) {
            (void) gdImageColorAllocate(im, c & ~1, c & ~1, c & ~1);

        } else {
            (void) gdImageColorAllocate(im, 0, (c & 15) * 17,
                                        (c >> 4) * 17);
        }
    }

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            gdImageSetPixel(im, x, y, (x / 3 + y * 7) % n);
        }
    }

    bytes = gdImageGifPtr(im, &size);

    /* the reference: the same pixels, truecolour, as a PNG */

    tc = gdImageCreateTrueColor(w, h);
    gdImageCopy(tc, im, 0, 0, 0, 0, w, h);
    twin = gdImagePngPtr(tc, &tsize);
    gdImageDestroy(tc);

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    if (kind == 3) {
        spec.layers[0].background.r = 0x40;
        spec.layers[0].background.g = 0x40;
        spec.layers[0].background.b = 0x40;
    }

    rc = ngx_http_overlay_composite(bytes, (size_t) size, &spec, &opts,
                                    &info, &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a GIF of %d colours: %s", n, err.msg);

    if (ngx_http_overlay_composite(twin, (size_t) tsize, &spec, &opts,
                                   &info, &rblob, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        CHECK(0, "a GIF of %d colours: its twin: %s", n, err.msg);
        rblob.data = NULL;
    }

    res = rc == NGX_HTTP_OVERLAY_OK
          ? gdImageCreateFromGifPtr((int) blob.len, blob.data) : NULL;

    CHECK(res != NULL && !gdImageTrueColor(res) && gdImageSX(res) == w
          && gdImageSY(res) == h, "a GIF of %d colours: decodes", n);

    if (res != NULL && rblob.data != NULL) {
        diff = 0;
        out = 0;
        kept = 1;
        sse = 0;

        for (y = 0; y < h; y++) {
            for (x = 0; x < w; x++) {
                c = gdImageGetTrueColorPixel(res, x, y);
                k = gdImageGetTrueColorPixel(im, x, y);

                if ((c & 0xffffff) != (k & 0xffffff)) {
                    diff++;
                    out += (x < w / 2 || y >= h / 2);
                }

                if (x < w / 2 || y >= h / 2) {
                    for (d = 0; d < 24; d += 8) {
                        sse += (double) (((c >> d) & 0xff) - ((k >> d) & 0xff))
                               * (((c >> d) & 0xff) - ((k >> d) & 0xff));
                    }
                }

                if (x < w / 2 && gdImageGetPixel(res, x, y)
                                 != gdImageGetPixel(im, x, y))
                {
                    kept = 0;
                }
            }
        }

        outside = sse == 0 ? 99 : 10 * log10(255.0 * 255 * 3 * w * h * 3 / 4
                                             / sse);
        psnr = check_overlay_psnr(twin, (size_t) tsize, rblob.data,
                                  rblob.len, blob.data, blob.len);

        printf("gif: %d colours, kind %d: the badge at %.2f dB, outside "
               "%.2f dB, %d pixels changed outside\n", n, kind, psnr,
               outside, out);

        if (n < 256) {
            CHECK(diff > 100 && out == 0 && kept && psnr == 99
                  && gdImageColorsTotal(res) > n,
                  "a GIF of %d colours: %d pixels changed, %d outside the "
                  "badge's corner, indices %s, %d colours", n, diff, out,
                  kept ? "kept" : "changed", gdImageColorsTotal(res));

        } else if (kind == 0) {
            CHECK(diff > 100, "a full palette: %d pixels changed", diff);

        } else if (kind == 3) {
            CHECK(diff > 100 && out == 0 && kept
                  && psnr >= NGX_HTTP_OVERLAY_QUANT_FLOOR && psnr < 99,
                  "a full palette of greys, a grey badge: indices %s, %d "
                  "outside changed, the badge at %.2f dB",
                  kept ? "kept" : "changed", out, psnr);

        } else if (kind == 1) {
            CHECK(diff > 100 && out > 0 && outside >= 55
                  && psnr >= NGX_HTTP_OVERLAY_QUANT_FLOOR && psnr < 99,
                  "a full palette of greys: %d outside changed, %.2f dB, "
                  "the badge at %.2f dB", out, outside, psnr);

        } else {
            CHECK(diff > 100 && out > 0 && outside < 55,
                  "a full palette without red: quantized anew, outside "
                  "%.2f dB, the badge at %.2f dB", outside, psnr);
        }
    }

    if (res != NULL) {
        gdImageDestroy(res);
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&blob);
    }

    if (rblob.data != NULL) {
        ngx_http_overlay_codec_free(&rblob);
    }

    gdFree(twin);
    gdFree(bytes);
    gdImageDestroy(im);
}


/*
 * A GIF of n colours whose transparent entry t no pixel uses (libgd reads
 * it as a free entry): the badge drawn on it is opaque, none of its
 * colours put in the transparent entry.
 */

static void
gif_unused_key(int n, int t)
{
    int                             x, y, c, size, clear;
    void                           *bytes;
    gdImagePtr                      im, res;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    im = gdImageCreate(240, 135);

    for (c = 0; c < n; c++) {
        (void) gdImageColorAllocate(im, c * 255 / n, 255 - c * 255 / n,
                                    (c * 37) & 0xff);
    }

    gdImageColorTransparent(im, t);

    for (y = 0; y < 135; y++) {
        for (x = 0; x < 240; x++) {
            c = (x / 3 + y * 7) % (n - 1);
            gdImageSetPixel(im, x, y, c >= t ? c + 1 : c);
        }
    }

    bytes = gdImageGifPtr(im, &size);

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    rc = ngx_http_overlay_composite(bytes, (size_t) size, &spec, &opts,
                                    &info, &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a GIF of %d colours, %d transparent "
          "and unused: %s", n, t, err.msg);

    res = rc == NGX_HTTP_OVERLAY_OK
          ? gdImageCreateFromGifPtr((int) blob.len, blob.data) : NULL;

    clear = -1;

    if (res != NULL) {
        clear = 0;

        for (y = 0; y < 135; y++) {
            for (x = 0; x < 240; x++) {
                clear += gdImageGetPixel(res, x, y)
                         == gdImageGetTransparent(res);
            }
        }

        gdImageDestroy(res);
    }

    CHECK(clear == 0, "a GIF of %d colours, %d transparent and unused: %d "
          "pixels transparent after the badge", n, t, clear);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&blob);
    }

    gdFree(bytes);
    gdImageDestroy(im);
}


/* headers that lie or stop short: the frame against the screen */

void
test_gif_headers(void)
{
    size_t                          n, i;
    clock_t                         start;
    unsigned char                  *bad;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    static const unsigned char  gif[] = "GIF89a\x40\x01\xb4\x00\x00\x00\x00"
                                        "\x2c\x00\x00";

    check_probe("GIF cut short", gif, sizeof(gif) - 1,
                NGX_HTTP_OVERLAY_BAD_IMAGE, "");

    bad = make_gif(1, 10, 10, 0, 0, 10, 10, &n);
    check_probe("a GIF of one frame", bad, n, NGX_HTTP_OVERLAY_OK, "");
    check_probe("a GIF cut in its frame", bad, n - 3,
                NGX_HTTP_OVERLAY_BAD_IMAGE, "GIF cut short");
    check_probe("a GIF without its trailer", bad, n - 1, NGX_HTTP_OVERLAY_OK,
                "");
    bad[13 + 6 + 10] = 12;
    check_probe("LZW codes of 13 bits", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "GIF LZW code size 12");
    free(bad);

    bad = make_gif(1, 10, 10, 5, 5, 10, 10, &n);
    check_probe("a GIF frame out of the screen", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a GIF frame of 10x10 at 5,5, a screen of "
                "10x10");
    free(bad);

    bad = make_gif(1, 10, 10, 2, 2, 5, 5, &n);
    check_probe("a GIF frame within the screen", bad, n,
                NGX_HTTP_OVERLAY_UNSUPPORTED,
                "GIF frame of 5x5 at 2,2, a screen of 10x10");
    free(bad);

    /* 100000 frames: the probe stops at the second */

    bad = make_gif(100000, 1, 1, 0, 0, 1, 1, &n);
    check_probe("100000 frames", bad, n, NGX_HTTP_OVERLAY_UNSUPPORTED,
                "animated GIF");

    memset(&conf, 0, sizeof(conf));
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;
    start = clock();

    for (i = 0; i < 1000; i++) {
        (void) ngx_http_overlay_codec_probe(bad, n, &conf, &info, &err);
    }

    CHECK((double) (clock() - start) / CLOCKS_PER_SEC < 0.1,
          "1000 probes of 100000 frames: %.3f s",
          (double) (clock() - start) / CLOCKS_PER_SEC);
    free(bad);
}
