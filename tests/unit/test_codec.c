
/*
 * Unit tests of ngx_http_overlay_codec.c: the format told by its magic
 * bytes (only JPEG, PNG, WebP and GIF are ever decoded), and the probe's
 * answer to what is no image.  Each format's own probe is tested with
 * its codec (test_codec_jpeg.c, test_codec_png.c, ...).
 */


#include "unit.h"


void
test_codec_detect(void)
{
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    static const unsigned char  png_magic[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
    };

    memset(&conf, 0, sizeof(conf));
    conf.jpeg_quality = 85;
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "\xff\xd8\xff",
                                        3)
          == NGX_HTTP_OVERLAY_FORMAT_JPEG, "detect jpeg");
    CHECK(ngx_http_overlay_codec_detect(png_magic, 8)
          == NGX_HTTP_OVERLAY_FORMAT_PNG, "detect png");
    CHECK(ngx_http_overlay_codec_detect(png_magic, 7)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "short png magic");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "GIF89a", 6)
          == NGX_HTTP_OVERLAY_FORMAT_GIF, "detect gif");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "II*\0", 4)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "TIFF is never decoded");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "<svg", 4)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "SVG is never decoded");
    CHECK(ngx_http_overlay_codec_detect((const unsigned char *) "", 0)
          == NGX_HTTP_OVERLAY_FORMAT_NONE, "empty");

    rc = ngx_http_overlay_codec_probe((const unsigned char *) "<html>", 6,
                                      &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_NOT_IMAGE, "html is not an image");
}
