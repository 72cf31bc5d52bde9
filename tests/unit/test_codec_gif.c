
/*
 * Unit tests of the GIF codec: still and animated GIFs composited (the
 * palette kept, and extended, when it has room), and
 * the GIF header probe (the frame against the screen, LZW code sizes,
 * GIFs cut short, and the probe stopping at the second frame).
 */


#include <time.h>

#include "unit.h"


static void gif_palette(int n);


void
test_gif_composite(void)
{
    check_format("thumb.gif", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_GIF, "");
    check_format("animated.gif", NGX_HTTP_OVERLAY_UNSUPPORTED,
                 NGX_HTTP_OVERLAY_FORMAT_GIF, "animated GIF");

    gif_palette(16);
    gif_palette(256);
}


/*
 * A GIF of n colours, by libgd: with room in its palette, the badge's
 * colours are added to it, and every pixel outside the badge's corner
 * keeps its colour (its index too), as every entry; with a full palette,
 * the image is quantized anew, the badge drawn all the same.
 */

static void
gif_palette(int n)
{
    int                             x, y, c, w, h, size, diff, out, kept;
    void                           *bytes;
    gdImagePtr                      im, res;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    w = 240;
    h = 135;
    im = gdImageCreate(w, h);

    for (c = 0; c < n; c++) {
        (void) gdImageColorAllocate(im, c * 255 / n, 255 - c * 255 / n,
                                    (c * 37) & 0xff);
    }

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            gdImageSetPixel(im, x, y, (x / 3 + y * 7) % n);
        }
    }

    bytes = gdImageGifPtr(im, &size);

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    rc = ngx_http_overlay_composite(bytes, (size_t) size, &spec, &opts,
                                    &info, &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a GIF of %d colours: %s", n, err.msg);

    res = rc == NGX_HTTP_OVERLAY_OK
          ? gdImageCreateFromGifPtr((int) blob.len, blob.data) : NULL;

    CHECK(res != NULL && !gdImageTrueColor(res) && gdImageSX(res) == w
          && gdImageSY(res) == h, "a GIF of %d colours: decodes", n);

    if (res != NULL) {
        diff = 0;
        out = 0;
        kept = 1;

        for (y = 0; y < h; y++) {
            for (x = 0; x < w; x++) {
                if (gdImageRed(res, gdImageGetPixel(res, x, y))
                    != gdImageRed(im, gdImageGetPixel(im, x, y))
                    || gdImageGreen(res, gdImageGetPixel(res, x, y))
                       != gdImageGreen(im, gdImageGetPixel(im, x, y))
                    || gdImageBlue(res, gdImageGetPixel(res, x, y))
                       != gdImageBlue(im, gdImageGetPixel(im, x, y)))
                {
                    diff++;
                    out += (x < w / 2 || y >= h / 2);
                }

                if (x < w / 2 && gdImageGetPixel(res, x, y)
                                 != gdImageGetPixel(im, x, y))
                {
                    kept = 0;
                }
            }
        }

        if (n < 256) {
            CHECK(diff > 100 && out == 0 && kept
                  && gdImageColorsTotal(res) > n,
                  "a GIF of %d colours: %d pixels changed, %d outside the "
                  "badge's corner, indices %s, %d colours", n, diff, out,
                  kept ? "kept" : "changed", gdImageColorsTotal(res));

        } else {
            CHECK(diff > 100, "a full palette: %d pixels changed", diff);
        }

        gdImageDestroy(res);
    }

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
