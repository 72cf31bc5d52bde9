
/*
 * Unit tests of the GIF codec: still and animated GIFs composited, and
 * the GIF header probe (the frame against the screen, LZW code sizes,
 * GIFs cut short, and the probe stopping at the second frame).
 */


#include <time.h>

#include "unit.h"


void
test_gif_composite(void)
{
    check_format("thumb.gif", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_GIF, "");
    check_format("animated.gif", NGX_HTTP_OVERLAY_UNSUPPORTED,
                 NGX_HTTP_OVERLAY_FORMAT_GIF, "animated GIF");
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
