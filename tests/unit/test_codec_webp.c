
/*
 * Unit tests of ngx_http_overlay_codec_webp.c: lossy, lossless and
 * animated WebPs composited (lossless stays lossless, transparent stays
 * transparent, every pixel outside the overlay exact, alpha too), and the
 * WebP header probe (the RIFF against the body,
 * chunks against the RIFF, the canvas against the frame).
 */


#include <math.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "unit.h"
#include "ngx_http_overlay_codec_webp.h"


static void webp_lossless_exact(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts);
static unsigned char *webp_photo(int alpha, int *w, int *h, size_t *len);
static unsigned char *webp_photo_apply(int alpha,
    const ngx_http_overlay_painter_t *painter, int *w, int *h, size_t *len,
    ngx_http_overlay_blob_t *blob);
static ngx_http_overlay_rc_e webp_draw(void *data, gdImagePtr im, int x0,
    int y0, ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e webp_fill(void *data, gdImagePtr im, int x0,
    int y0, ngx_http_overlay_error_t *err);
static void webp_clip(const ngx_http_overlay_rect_t *bounds, int w,
    int h);
static int webp_drawn(int x, int y);
static void webp_yuv_planes(const ngx_http_overlay_rect_t *bounds, int w,
    int h);
static void webp_yuv_closer(void);
static void webp_lossy_alpha(void);
static double webp_psnr_outside(const uint8_t *a, const uint8_t *b, int w,
    int h);


/* what webp_draw() draws on: odd edges, a pattern with holes */
static const ngx_http_overlay_painter_t  webp_painter = {
    { 151, 7, 61, 33 }, webp_draw, NULL
};

/* where webp_draw() draws: the painter's bounds within the image */
static ngx_http_overlay_rect_t  webp_area;

/* the same bounds filled with opaque red */
static const ngx_http_overlay_painter_t  webp_solid = {
    { 151, 7, 61, 33 }, webp_fill, NULL
};


void
test_webp_composite(void)
{
    int                             a;
    size_t                          len;
    gdImagePtr                      out;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    check_format("thumb.webp", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_WEBP, "");
    check_format("alpha-lossless.webp", NGX_HTTP_OVERLAY_OK,
                 NGX_HTTP_OVERLAY_FORMAT_WEBP, "");
    check_format("animated.webp", NGX_HTTP_OVERLAY_UNSUPPORTED,
                 NGX_HTTP_OVERLAY_FORMAT_WEBP, "animated WebP");

    ngx_http_overlay_options_init(&opts);
    one_text(&spec, &opts, "Last Chance!");

    /* lossless WebP: stays lossless, transparent stays transparent */

    data = read_fixture("alpha-lossless.webp", &len);
    rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                    &err);
    free(data);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        CHECK(blob.len > 20 && (memcmp(blob.data + 12, "VP8L", 4) == 0
                                || memcmp(blob.data + 12, "VP8X", 4) == 0),
              "lossless WebP out");

        out = gdImageCreateFromWebpPtr((int) blob.len, blob.data);
        a = out != NULL ? gdTrueColorGetAlpha(gdImageGetTrueColorPixel(out,
                                                                      5, 5))
                        : -1;
        CHECK(a == gdAlphaTransparent, "WebP alpha at 5,5: %d", a);

        if (out != NULL) {
            a = gdTrueColorGetAlpha(gdImageGetTrueColorPixel(out, 300, 18));
            CHECK(a == 0 || a < 30, "the badge is opaque: alpha %d", a);
            gdImageDestroy(out);
        }

        ngx_http_overlay_codec_free(&blob);
    }

    webp_lossless_exact(&spec, &opts);
    /* the badge's corner; the edges of an odd size; tiny images */

    webp_yuv_planes(&webp_painter.bounds, 0, 0);
    webp_yuv_planes(&(ngx_http_overlay_rect_t) { 577, 383, 40, 40 }, 0, 0);
    webp_yuv_planes(&(ngx_http_overlay_rect_t) { -3, -3, 9, 9 }, 1, 1);
    webp_yuv_planes(&(ngx_http_overlay_rect_t) { 1, 0, 9, 9 }, 3, 5);
    webp_yuv_planes(&(ngx_http_overlay_rect_t) { 0, 1, 1, 1 }, 2, 2);
    webp_yuv_closer();
    webp_lossy_alpha();
}


/*
 * A lossy WebP's planes, as handed to the encoder: every sample the
 * overlay does not draw on is libwebp's decode of the source (luma under
 * an undrawn pixel, chroma with none of its 2x2 pixels drawn); under the
 * drawn ones, the overlay's colour.
 */

static void
webp_yuv_planes(const ngx_http_overlay_rect_t *bounds, int w, int h)
{
    int                             x, y, sw, sh, ys, uvs, cw;
    int                             drawn, yd, cd, yout, cout;
    void                           *mem;
    size_t                          len;
    uint8_t                        *sy, *su, *sv;
    WebPPicture                     pic;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_painter_t      painter;
    ngx_http_overlay_image_info_t   info;

    data = webp_photo(0, &w, &h, &len);
    if (data == NULL) {
        return;
    }

    painter = webp_painter;
    painter.bounds = *bounds;
    webp_clip(bounds, w, h);

    memset(&info, 0, sizeof(ngx_http_overlay_image_info_t));
    info.width = (unsigned) w;
    info.height = (unsigned) h;

    memset(&pic, 0, sizeof(WebPPicture));
    rc = ngx_http_overlay_webp_yuv(data, len, &info, &painter, &pic, &mem,
                                   &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "lossy WebP to YUV: %s", err.msg);

    sy = WebPDecodeYUV(data, len, &sw, &sh, &su, &sv, &ys, &uvs);

    if (rc != NGX_HTTP_OVERLAY_OK || sy == NULL) {
        goto done;
    }

    CHECK(pic.use_argb == 0 && pic.a == NULL && pic.width == w
          && pic.height == h, "YUV 4:2:0 planes, no alpha, %dx%d",
          pic.width, pic.height);

    yd = cd = yout = cout = 0;
    cw = (w + 1) / 2;

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            if (pic.y[y * pic.y_stride + x] != sy[y * ys + x]) {
                yd++;
                yout += !webp_drawn(x, y);
            }
        }
    }

    for (y = 0; y < (h + 1) / 2; y++) {
        for (x = 0; x < cw; x++) {
            drawn = webp_drawn(2 * x, 2 * y) || webp_drawn(2 * x + 1, 2 * y)
                    || webp_drawn(2 * x, 2 * y + 1)
                    || webp_drawn(2 * x + 1, 2 * y + 1);

            if (pic.u[y * pic.uv_stride + x] != su[y * uvs + x]
                || pic.v[y * pic.uv_stride + x] != sv[y * uvs + x])
            {
                cd++;
                cout += !drawn;
            }
        }
    }

    CHECK(yd > webp_area.w * webp_area.h / 2 && cd > 0 && yout == 0
          && cout == 0, "YUV planes of %dx%d, drawn on at %d,%d: %d luma "
          "samples changed (%d not drawn on), %d chroma (%d not drawn on)",
          w, h, bounds->x, bounds->y, yd, yout, cd, cout);

    /* an opaque red 2x2 block: libwebp's YUV of 200,30,30 */

    x = 166;
    y = 10;

    if (!webp_drawn(x, y) || !webp_drawn(x + 1, y + 1)) {
        goto done;
    }

    CHECK(abs(pic.y[y * pic.y_stride + x] - 85) <= 1
          && abs(pic.u[y / 2 * pic.uv_stride + x / 2] - 102) <= 2
          && abs(pic.v[y / 2 * pic.uv_stride + x / 2] - 202) <= 2,
          "the overlay's red in YUV: %d %d %d",
          pic.y[y * pic.y_stride + x], pic.u[y / 2 * pic.uv_stride + x / 2],
          pic.v[y / 2 * pic.uv_stride + x / 2]);

done:

    WebPFree(sy);
    WebPPictureFree(&pic);
    free(mem);
    WebPFree(data);
}


/*
 * The lossy WebP encoded from its planes is closer to the source outside
 * the overlay than libwebp's encoding of the RGB a decoder shows (what a
 * service that decodes to RGB, as Pillow does, encodes), at the same
 * quality and method
 */

static void
webp_yuv_closer(void)
{
    int                              x, y, w, h, ow, oh;
    size_t                           len, rlen;
    uint8_t                         *src, *mod, *ref, *rgb, *rdata;
    double                           pm, pr;
    WebPConfig                       config;
    WebPPicture                      pic;
    unsigned char                   *data;
    WebPMemoryWriter                 writer;
    ngx_http_overlay_blob_t          blob;
    ngx_http_overlay_options_t       opts;

    w = h = 0;

    data = webp_photo_apply(0, &webp_solid, &w, &h, &len, &blob);
    if (data == NULL) {
        return;
    }

    ngx_http_overlay_options_init(&opts);

    /* the reference: the decoded RGB with the red box, libwebp's encode */

    rgb = WebPDecodeRGB(data, len, &ow, &oh);

    for (y = webp_solid.bounds.y;
         rgb != NULL && y < webp_solid.bounds.y + webp_solid.bounds.h;
         y++)
    {
        for (x = webp_solid.bounds.x;
             x < webp_solid.bounds.x + webp_solid.bounds.w;
             x++)
        {
            memcpy(rgb + 3 * ((size_t) y * w + x), "\xc8\x1e\x1e", 3);
        }
    }

    WebPConfigInit(&config);
    config.quality = NGX_HTTP_OVERLAY_WEBP_SOURCE_QUALITY;
    config.method = opts.codec.webp_method;

    WebPPictureInit(&pic);
    pic.width = w;
    pic.height = h;
    WebPMemoryWriterInit(&writer);
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &writer;

    rdata = NULL;
    rlen = 0;

    if (rgb != NULL && WebPPictureImportRGB(&pic, rgb, w * 3)
        && WebPEncode(&config, &pic))
    {
        rdata = writer.mem;
        rlen = writer.size;
    }

    WebPPictureFree(&pic);

    src = rgb;
    mod = WebPDecodeRGB(blob.data, blob.len, &ow, &oh);
    ref = rdata != NULL ? WebPDecodeRGB(rdata, rlen, &ow, &oh) : NULL;

    CHECK(src != NULL && mod != NULL && ref != NULL,
          "the source, the output and the reference decode");

    if (src != NULL && mod != NULL && ref != NULL) {
        pm = webp_psnr_outside(src, mod, w, h);
        pr = webp_psnr_outside(src, ref, w, h);

        CHECK(pm > pr + 0.5 && blob.len < rlen * 1.03,
              "lossy WebP from its planes: %.2f dB outside the overlay, "
              "%zu bytes; from RGB: %.2f dB, %zu bytes", pm, blob.len, pr,
              rlen);
    }

    WebPFree(src);
    WebPFree(mod);
    WebPFree(ref);
    WebPMemoryWriterClear(&writer);
    WebPFree(data);
    ngx_http_overlay_codec_free(&blob);
}


/*
 * A lossy WebP with alpha (VP8X, ALPH): lossy with alpha again, the alpha
 * outside the overlay exactly the source's, opaque where the overlay is
 */

static void
webp_lossy_alpha(void)
{
    int                             x, y, w, h, ow, oh, diff, out;
    size_t                          len;
    uint8_t                        *src, *dst;
    unsigned char                  *data;
    ngx_http_overlay_blob_t         blob;

    w = h = 0;

    data = webp_photo_apply(1, &webp_painter, &w, &h, &len, &blob);
    if (data == NULL) {
        return;
    }

    CHECK(blob.len > 40 && memcmp(blob.data + 12, "VP8X", 4) == 0
          && (blob.data[20] & 0x10) && memcmp(blob.data + 30, "ALPH", 4) == 0,
          "lossy WebP with alpha out: VP8X with ALPH");

    src = WebPDecodeRGBA(data, len, &ow, &oh);
    dst = WebPDecodeRGBA(blob.data, blob.len, &ow, &oh);

    diff = out = 0;

    for (y = 0; src != NULL && dst != NULL && y < h; y++) {
        for (x = 0; x < w; x++) {
            if (webp_drawn(x, y)) {
                diff += x % 50 < 40 && dst[4 * (y * w + x) + 3] != 255;

            } else {
                out += dst[4 * (y * w + x) + 3] != src[4 * (y * w + x) + 3];
            }
        }
    }

    CHECK(src != NULL && dst != NULL && diff == 0 && out == 0,
          "lossy WebP's alpha: %d pixels drawn on opaquely not opaque, %d "
          "not drawn on changed", diff, out);

    WebPFree(src);
    WebPFree(dst);
    WebPFree(data);
    ngx_http_overlay_codec_free(&blob);
}


/*
 * A lossy WebP (quality 85, libwebp's defaults, as Pillow saves them) of
 * a photo (coffee.jpg, less a column: 599x400, an odd width; or its top
 * left *w x *h pixels, if *w is not 0), alpha a gradient if alpha
 */

static unsigned char *
webp_photo(int alpha, int *w, int *h, size_t *len)
{
    int             x, y, c;
    size_t          jlen;
    uint8_t        *rgba, *p;
    gdImagePtr      im;
    unsigned char  *data, *jpeg;

    jpeg = read_fixture("coffee.jpg", &jlen);
    im = jpeg != NULL ? decode_image(jpeg, jlen) : NULL;
    free(jpeg);

    CHECK(im != NULL, "coffee.jpg decodes");

    if (im == NULL) {
        return NULL;
    }

    if (*w == 0 || *w > gdImageSX(im) || *h > gdImageSY(im)) {
        *w = gdImageSX(im) - 1;
        *h = gdImageSY(im);
    }

    rgba = malloc((size_t) *w * *h * 4);

    for (y = 0; rgba != NULL && y < *h; y++) {
        for (x = 0; x < *w; x++) {
            c = gdImageGetTrueColorPixel(im, x, y);
            p = rgba + 4 * ((size_t) y * *w + x);
            p[0] = (uint8_t) gdTrueColorGetRed(c);
            p[1] = (uint8_t) gdTrueColorGetGreen(c);
            p[2] = (uint8_t) gdTrueColorGetBlue(c);
            p[3] = (uint8_t) (alpha ? (x + y) * 255 / (*w + *h) : 255);
        }
    }

    gdImageDestroy(im);

    /* opaque: libwebp writes no alpha */
    *len = rgba != NULL ? WebPEncodeRGBA(rgba, *w, *h, *w * 4, 85, &data)
                        : 0;

    free(rgba);

    CHECK(*len > 0, "a lossy WebP made (alpha %d)", alpha);

    return *len > 0 ? data : NULL;
}


/*
 * webp_photo(alpha), drawn on by painter (webp_area made its bounds),
 * encoded from its planes (not spliced: quality 85) at the default method
 * into *blob; the photo, or NULL (nothing to free) on failure
 */

static unsigned char *
webp_photo_apply(int alpha, const ngx_http_overlay_painter_t *painter,
    int *w, int *h, size_t *len, ngx_http_overlay_blob_t *blob)
{
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    data = webp_photo(alpha, w, h, len);
    if (data == NULL) {
        return NULL;
    }

    webp_clip(&painter->bounds, *w, *h);
    ngx_http_overlay_options_init(&opts);
    opts.codec.webp_quality = NGX_HTTP_OVERLAY_WEBP_SOURCE_QUALITY;

    memset(&info, 0, sizeof(ngx_http_overlay_image_info_t));
    info.width = (unsigned) *w;
    info.height = (unsigned) *h;

    rc = ngx_http_overlay_webp_apply(data, *len, &info, 0, &opts.codec,
                                     painter, blob, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "lossy WebP (alpha %d): %s", alpha,
          err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        WebPFree(data);
        return NULL;
    }

    return data;
}


/* fills the layer with opaque red */

static ngx_http_overlay_rc_e
webp_fill(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    (void) data;
    (void) x0;
    (void) y0;
    (void) err;

    gdImageFilledRectangle(im, 0, 0, gdImageSX(im) - 1, gdImageSY(im) - 1,
                           gdTrueColorAlpha(200, 30, 30, 0));

    return NGX_HTTP_OVERLAY_OK;
}


/* draws the pattern of webp_drawn() */

static ngx_http_overlay_rc_e
webp_draw(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    int  x, y;

    (void) data;
    (void) err;

    for (y = 0; y < gdImageSY(im); y++) {
        for (x = 0; x < gdImageSX(im); x++) {
            if (webp_drawn(x0 + x, y0 + y)) {
                im->tpixels[y][x] = gdTrueColorAlpha(200, 30, 30,
                                                     (x0 + x) % 50 < 40
                                                     ? 0 : 64);
            }
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/* where webp_drawn() is: bounds within a w x h image */

static void
webp_clip(const ngx_http_overlay_rect_t *bounds, int w, int h)
{
    webp_area.x = bounds->x > 0 ? bounds->x : 0;
    webp_area.y = bounds->y > 0 ? bounds->y : 0;
    webp_area.w = (bounds->x + bounds->w < w ? bounds->x + bounds->w : w)
                  - webp_area.x;
    webp_area.h = (bounds->y + bounds->h < h ? bounds->y + bounds->h : h)
                  - webp_area.y;
}


/*
 * the pixels drawn on: webp_area, less a diagonal of holes and bands four
 * pixels wide (x from 44 to 47, modulo 50)
 */

static int
webp_drawn(int x, int y)
{
    const ngx_http_overlay_rect_t  *b;

    b = &webp_area;

    return x >= b->x && y >= b->y && x < b->x + b->w && y < b->y + b->h
           && (x + 2 * y) % 7 != 3 && (unsigned) (x % 50 - 44) > 3;
}


/* PSNR (dB) of b against a, RGB, outside the painter's bounds */

static double
webp_psnr_outside(const uint8_t *a, const uint8_t *b, int w, int h)
{
    int                             x, y, c;
    double                          se, d, n;
    const ngx_http_overlay_rect_t  *r;

    r = &webp_painter.bounds;
    se = n = 0;

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            if (x >= r->x && y >= r->y && x < r->x + r->w
                && y < r->y + r->h)
            {
                continue;
            }

            for (c = 0; c < 3; c++) {
                d = (double) a[3 * (y * w + x) + c] - b[3 * (y * w + x) + c];
                se += d * d;
                n++;
            }
        }
    }

    return se == 0 ? 99.0 : 10 * log10(255.0 * 255.0 * n / se);
}


/*
 * A lossless WebP of every alpha level: every pixel outside the badge's
 * corner comes out exactly as libwebp decodes the source, alpha too.
 */

static void
webp_lossless_exact(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts)
{
    int                             x, y, w, h, ow, oh;
    size_t                          len, diff, out;
    uint8_t                        *rgba, *src, *dst, *p, *q;
    unsigned char                  *data;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_image_info_t   info;

    w = 240;
    h = 135;
    rgba = malloc((size_t) w * h * 4);

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            p = rgba + 4 * ((size_t) y * w + x);
            p[0] = (uint8_t) (x * 7 + y);
            p[1] = (uint8_t) (y * 5);
            p[2] = (uint8_t) (x ^ y);
            p[3] = (uint8_t) (x + 3 * y);
        }
    }

    len = WebPEncodeLosslessRGBA(rgba, w, h, w * 4, &data);
    free(rgba);

    CHECK(len > 0, "a lossless WebP made");

    if (len == 0) {
        return;
    }

    rc = ngx_http_overlay_composite(data, len, spec, opts, &info, &blob,
                                    &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "lossless WebP of every alpha: %s",
          err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        WebPFree(data);
        return;
    }

    src = WebPDecodeRGBA(data, len, &ow, &oh);
    dst = WebPDecodeRGBA(blob.data, blob.len, &ow, &oh);

    diff = 0;
    out = 0;

    for (y = 0; src != NULL && dst != NULL && y < h; y++) {
        for (x = 0; x < w; x++) {
            p = src + 4 * ((size_t) y * w + x);
            q = dst + 4 * ((size_t) y * w + x);

            if (memcmp(p, q, 4) != 0) {
                diff++;
                out += (x < w / 2 || y >= h / 2);
            }
        }
    }

    CHECK(src != NULL && dst != NULL && ow == w && oh == h && diff > 100
          && out == 0, "lossless WebP: %zu pixels changed, %zu outside "
          "the badge's corner", diff, out);

    WebPFree(src);
    WebPFree(dst);
    WebPFree(data);
    ngx_http_overlay_codec_free(&blob);
}


/* headers that lie or stop short */

void
test_webp_headers(void)
{
    size_t          len, n;
    unsigned char  *data, *bad;
    unsigned char   chunk[64];

    static const unsigned char  riff[] = "RIFF\xff\xff\xff\x00WEBPVP8 ";

    check_probe("WebP cut short", riff, sizeof(riff) - 1,
                NGX_HTTP_OVERLAY_BAD_IMAGE, "");

    /* WebP: the RIFF against the body, chunks against the RIFF */

    data = read_fixture("thumb.webp", &len);

    check_probe("thumb.webp cut", data, 1000, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: WebP of 1000 bytes, the RIFF header says "
                "8570");

    bad = replace_bytes(data, len, 0, 0, "", 0, &n);
    bad[16] += 2;                               /* VP8 chunk: 2 more */
    check_probe("a VP8 chunk past the RIFF", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a WebP chunk \"VP8 \" of 8552 bytes at 12, "
                "the RIFF ends at 8570");

    bad[16] -= 2;
    bad[22] = 0xff;                             /* first partition size */
    check_probe("a VP8 partition past its chunk", bad, n,
                NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a VP8 first partition of");
    free(bad);

    /* VP8X saying 100x100 over the 320x180 frame */

    memcpy(chunk, "VP8X\x0a\0\0\0\0\0\0\0\x63\0\0\x63\0\0", 18);
    bad = replace_bytes(data, len, 12, 0, chunk, 18, &n);
    bad[4] += 18;
    check_probe("a canvas of 100x100", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a WebP canvas of 100x100, a VP8 frame of "
                "320x180");

    bad[24] = 0x3f;                             /* the canvas: 320x180 */
    bad[25] = 0x01;
    bad[27] = 0xb3;
    check_probe("a canvas of 320x180", bad, n, NGX_HTTP_OVERLAY_OK, "");
    free(bad);

    memcpy(chunk + 18, "ANMF\x02\0\0\0\0\0", 10);
    chunk[12] = 0x3f;
    chunk[13] = 0x01;
    chunk[15] = 0xb3;
    bad = replace_bytes(data, len, 12, 0, chunk, 28, &n);
    bad[4] += 28;
    check_probe("ANMF in a still WebP", bad, n, NGX_HTTP_OVERLAY_BAD_IMAGE,
                "headers disagree: a WebP chunk \"ANMF\" in a still image");
    free(bad);
    free(data);
}
