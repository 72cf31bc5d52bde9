
/*
 * Unit tests of ngx_http_overlay_codec_jpeg.c: the JPEG header probe (the
 * size, pixel floods, frame headers that disagree), the choices of apply
 * (CMYK refused, a forced quality re-encoding the whole image, a truncated
 * image refused) and hostile JPEGs.  The DCT-domain block work, the
 * Huffman tables and the splice have files of their own.
 */


#include "unit.h"
#include "ngx_http_overlay_bytes.h"


void
test_jpeg_probe(void)
{
    size_t                          len;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_codec_conf_t   conf;
    ngx_http_overlay_image_info_t   info;

    static const unsigned char  flood_jpeg[] = {
        0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0,         /* SOI, short APP0 */
        0xff, 0xc0, 0, 11, 8, 0xfd, 0xe8, 0xfd, 0xe8, 1, 1, 0x11, 0
    };                                              /* 65000 x 65000 */

    static const unsigned char  no_frame_jpeg[] = {
        0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xda, 0, 2
    };

    memset(&conf, 0, sizeof(conf));
    conf.jpeg_quality = 85;
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    data = read_fixture("rocket.jpg", &len);
    rc = ngx_http_overlay_codec_probe(data, len, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && info.format
          == NGX_HTTP_OVERLAY_FORMAT_JPEG && info.width == 640
          && info.height == 427, "probe rocket.jpg: %ux%u", info.width,
          info.height);

    /* the headers alone, without the scan data, are enough */

    rc = ngx_http_overlay_codec_probe(data, 2000, &conf, &info, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && info.width == 640,
          "probe a truncated jpeg: %s", err.msg);
    free(data);

    check_probe("jpeg pixel flood", flood_jpeg, sizeof(flood_jpeg),
                NGX_HTTP_OVERLAY_TOO_LARGE, "65000x65000");
    check_probe("jpeg without a frame", no_frame_jpeg, sizeof(no_frame_jpeg),
                NGX_HTTP_OVERLAY_BAD_IMAGE, "");
}


/* a second frame header; none of lines; a short one */

void
test_jpeg_headers(void)
{
    size_t          len, n, sof;
    unsigned char  *data, *bad;

    static const unsigned char  jpeg_sof0[] = {
        0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0
    };

    static const unsigned char  jpeg_sof_3c[] = {
        0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 3, 1, 0x11, 0
    };

    static const unsigned char  jpeg_dnl[] = {
        0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 0, 0, 8, 1, 1, 0x11, 0,
        0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0
    };

    data = read_fixture("rocket.jpg", &len);

    for (sof = 2; sof + 4 < len;
         sof += 2 + ngx_http_overlay_be16(data + sof + 2))
    {
        if (data[sof + 1] == 0xc0 || data[sof + 1] == 0xc2) {
            break;
        }
    }

    n = 2 + ngx_http_overlay_be16(data + sof + 2);
    bad = replace_bytes(data, len, sof + n, 0, data + sof, n, &n);
    check_probe("rocket.jpg, its SOF twice", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a second JPEG frame header (SOF");
    free(bad);

    bad = replace_bytes(data, len, 2, 0, jpeg_sof0, sizeof(jpeg_sof0), &n);
    check_probe("an 8x8 SOF0 before rocket.jpg's", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE, "headers disagree: a second");
    free(bad);

    bad = replace_bytes(data, len, 2, 0, jpeg_sof_3c, sizeof(jpeg_sof_3c),
                        &n);
    check_probe("a SOF of 11 bytes for 3 components", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a JPEG frame header of 11 bytes for 3 "
                "components");
    free(bad);
    free(data);

    check_probe("a SOF of no lines (DNL)", jpeg_dnl, sizeof(jpeg_dnl),
                NGX_HTTP_OVERLAY_BAD_IMAGE, "JPEG frame header of 8x0 pixels");
}


/* what apply does besides the DCT-domain work on the overlay's blocks */

void
test_jpeg_apply(void)
{
    size_t                          len;
    gdImagePtr                      photo;
    unsigned char                  *data, *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    photo = decode_fixture("coffee.jpg");

    if (photo == NULL) {
        return;
    }

    /* CMYK cannot be kept faithfully: refused, with the reason */

    {
        static const jpeg_variant_t  cmyk = {
            JCS_CMYK, 1, 1, 0, 0, 85, 0, 0, 0
        };

        jpeg = make_jpeg(photo, &cmyk, &jlen);
        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_UNSUPPORTED
              && strstr(err.msg, "CMYK") != NULL, "CMYK: %s: %s",
              ngx_http_overlay_reason(rc), err.msg);
        free(jpeg);
    }

    /* a forced quality re-encodes the whole image, markers kept */

    {
        static const jpeg_variant_t  prog = {
            JCS_YCbCr, 2, 2, 1, 0, 95, 6, 0, 0
        };

        jpeg = make_jpeg(photo, &prog, &jlen);
        opts.codec.jpeg_quality = 40;

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && blob.len < jlen / 2,
              "quality 40: %s, %zu bytes of %lu", err.msg, blob.len, jlen);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            read_coefs(blob.data, blob.len, &b);
            CHECK(b.progressive && b.icc && b.orientation == 6
                  && strcmp(b.com, "(c) test") == 0,
                  "quality 40: progressive %d, ICC %d, orientation %u",
                  b.progressive, b.icc, b.orientation);
            free_coefs(&b);
            ngx_http_overlay_codec_free(&blob);
        }

        opts.codec.jpeg_quality = 0;
        free(jpeg);
    }

    /* a truncated JPEG is refused, not drawn on half grey */

    data = read_fixture("rocket.jpg", &len);
    rc = ngx_http_overlay_composite(data, len * 2 / 3, &spec, &opts, &info,
                                    &blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "truncated: %s: %s",
          ngx_http_overlay_reason(rc), err.msg);
    free(data);

    gdImageDestroy(photo);
}


void
test_jpeg_hostile(void)
{
    int                             nscans;
    size_t                          len;
    unsigned char                  *data;
    unsigned long                   jlen;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "x");

    /*
     * A JPEG whose re-encoding fails after libjpeg grew its output: the
     * overlay at the bottom right, over the block whose DC is out of
     * range, where the splice declines it and the DCT path re-encodes
     */

    data = read_fixture("dct-overflow.jpg", &len);
    spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM_RIGHT;
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_RIGHT;
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "DCT coefficient out of range") != NULL,
          "dct-overflow.jpg: %s: %s", ngx_http_overlay_reason(rc), err.msg);
    free(data);

    /* a zero quantizer: libjpeg divided by it re-encoding the region */

    data = read_fixture("zero-quant.jpg", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "has a zero") != NULL, "zero-quant.jpg: %s",
          err.msg);
    free(data);

    /* hundreds of scans, each a pass over the image: refused */

    data = make_scan_bomb(&jlen, &nscans);
    rc = ngx_http_overlay_composite(data, jlen, &spec, &opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
          && strstr(err.msg, "more than 256 scans") != NULL,
          "%d scans: %s: %s", nscans, ngx_http_overlay_reason(rc), err.msg);
    free(data);
}
