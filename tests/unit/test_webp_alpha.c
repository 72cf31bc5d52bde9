
/*
 * Unit tests of ngx_http_overlay_webp_alpha.c and the splice's alpha
 * (ngx_http_overlay_webp_splice.c): lossy WebPs with an ALPH chunk made
 * by libwebp's encoder in process (raw and lossless alpha, no, fast and
 * best filtering, alpha qualities 100, 50 and 10, exact; sizes 1x1 to
 * 451x300) and by cwebp from the fixtures' RGBA PNGs, and raw planes
 * filtered every way by hand.  The plane decoded here equals libwebp's
 * decode of the file, byte for byte; a plane coded here decodes in
 * libwebp to itself; spliced, the output's alpha (libwebp's decode)
 * equals the source's outside what the overlay drew and what the overlay
 * painted inside, its method is webp_splice, and an alpha the overlay
 * does not change keeps the ALPH chunk's bytes; malformed ALPH chunks are
 * refused as libwebp refuses them (then the composite fails as libwebp's
 * decode does), or decoded as libwebp decodes them.
 */


#include <unistd.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "unit.h"
#include "ngx_http_overlay_codec_webp.h"
#include "ngx_http_overlay_file.h"
#include "ngx_http_overlay_webp_alpha_int.h"


static uint8_t *alpha_source(int w, int h, int compression, int filtering,
    int quality, int exact, size_t *len);
static uint8_t *alpha_cwebp(const char *args, const char *png, size_t *len);
static const uint8_t *alpha_chunk(const uint8_t *webp, size_t len,
    const char *tag, size_t *n);
static uint8_t *alpha_with(const uint8_t *webp, size_t len,
    const uint8_t *payload, size_t n, size_t *out);
static uint8_t *alpha_libwebp(const uint8_t *webp, size_t len, int *w,
    int *h);
static void alpha_check(const uint8_t *webp, size_t len, const char *name);
static void alpha_splice(const uint8_t *webp, size_t len,
    const ngx_http_overlay_rect_t *bounds, const char *name);
static void alpha_kept(void);
static void alpha_filters(void);
static void alpha_encode(void);
static void alpha_choose(void);
static void alpha_hostile(void);
static void alpha_hostile_one(const uint8_t *webp, size_t len,
    const char *name);
static ngx_http_overlay_rc_e alpha_apply(const uint8_t *webp, size_t len,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *blob,
    ngx_http_overlay_error_t *err);
static ngx_http_overlay_rc_e alpha_draw(void *data, gdImagePtr im, int x0,
    int y0, ngx_http_overlay_error_t *err);
static int alpha_gd(int x, int y);


/* the ALPH header bytes the sources had: compression, filter, P seen */
static unsigned    alpha_seen[3][4];

/* alpha_draw()'s data: fill the layer with opaque white */
static int         alpha_white;

/* the painter of the malformed WebPs */
static const ngx_http_overlay_painter_t  alpha_painter = {
    { 10, 100, 50, 50 }, alpha_draw, NULL
};

/* malformed WebPs libwebp refused, and decoded */
static unsigned    alpha_refused, alpha_decoded;

/* chelsea.png, the sources' colours, decoded once */
static gdImagePtr  alpha_photo;


void
test_webp_alpha(void)
{
    int             i;
    char            name[96];
    size_t          len;
    uint8_t        *webp;

    static const int  sizes[][2] = {
        { 451, 300 }, { 1, 1 }, { 3, 2 }, { 17, 33 }, { 64, 1 }
    };

    static const char  *args[] = {
        "-alpha_method 0", "-alpha_method 1 -alpha_filter none",
        "-alpha_method 1 -alpha_filter fast",
        "-alpha_method 1 -alpha_filter best", "-alpha_q 40",
        "-alpha_q 10 -alpha_filter best", "-exact -alpha_method 0",
        "-exact -alpha_filter best"
    };

    memset(alpha_seen, 0, sizeof(alpha_seen));
    alpha_refused = 0;
    alpha_decoded = 0;

    alpha_photo = decode_fixture("chelsea.png");
    if (alpha_photo == NULL) {
        return;
    }

    /* libwebp in process: every alpha setting, at every size */

    for (i = 0; i < 5 * 3 * 2; i++) {
        webp = alpha_source(sizes[i / 6][0], sizes[i / 6][1], i % 2,
                            i / 2 % 3, i % 6 == 4 ? 50 : 100, i % 6 == 5,
                            &len);
        snprintf(name, sizeof(name), "libwebp %dx%d C%d F%d", sizes[i / 6][0],
                 sizes[i / 6][1], i % 2, i / 2 % 3);

        if (webp != NULL) {
            alpha_check(webp, len, name);
            free(webp);
        }
    }

    webp = alpha_source(451, 300, 1, 2, 10, 0, &len);

    if (webp != NULL) {
        alpha_check(webp, len, "libwebp alpha quality 10");
        free(webp);
    }

    /* cwebp, from the fixtures' RGBA PNGs */

    for (i = 0; i < (int) (sizeof(args) / sizeof(args[0])); i++) {
        webp = alpha_cwebp(args[i], i % 2 ? "logo.png" : "transparent.png",
                           &len);
        snprintf(name, sizeof(name), "cwebp %s", args[i]);
        CHECK(webp != NULL, "%s: made", name);

        if (webp != NULL) {
            alpha_check(webp, len, name);
            free(webp);
        }
    }

    CHECK(alpha_seen[0][0] && alpha_seen[0][1], "raw and lossless ALPH seen");
    CHECK(alpha_seen[1][0] && alpha_seen[1][1] + alpha_seen[1][2]
                              + alpha_seen[1][3],
          "filtered and unfiltered ALPH seen: %u %u %u %u",
          alpha_seen[1][0], alpha_seen[1][1], alpha_seen[1][2],
          alpha_seen[1][3]);
    CHECK(alpha_seen[2][1], "pre-processed ALPH seen");

    alpha_kept();
    alpha_filters();
    alpha_encode();
    alpha_choose();
    alpha_hostile();

    printf("webp_alpha: ALPH compression 0/1: %u/%u; filters %u %u %u %u; "
           "pre-processing %u; malformed ones libwebp refused %u, "
           "decoded %u\n", alpha_seen[0][0], alpha_seen[0][1],
           alpha_seen[1][0], alpha_seen[1][1], alpha_seen[1][2],
           alpha_seen[1][3], alpha_seen[2][1], alpha_refused,
           alpha_decoded);

    gdImageDestroy(alpha_photo);
    alpha_photo = NULL;
}


/*
 * A w x h lossy WebP (quality 85) of chelsea.png's pixels, with an alpha
 * of every kind: opaque in the top third, then runs of 0, a ramp and
 * sharp edges; its ALPH coded as the settings say
 */

static uint8_t *
alpha_source(int w, int h, int compression, int filtering, int quality,
    int exact, size_t *len)
{
    int                x, y, c;
    uint8_t           *rgba, *p;
    WebPConfig         config;
    WebPPicture        pic;
    WebPMemoryWriter   writer;

    *len = 0;
    rgba = malloc((size_t) w * h * 4);

    for (y = 0; rgba != NULL && y < h; y++) {
        for (x = 0; x < w; x++) {
            c = gdImageGetTrueColorPixel(alpha_photo,
                                         x % gdImageSX(alpha_photo),
                                         y % gdImageSY(alpha_photo));
            p = rgba + 4 * ((size_t) y * w + x);
            p[0] = (uint8_t) gdTrueColorGetRed(c);
            p[1] = (uint8_t) gdTrueColorGetGreen(c);
            p[2] = (uint8_t) gdTrueColorGetBlue(c);
            p[3] = (uint8_t) (y < h / 3 ? 255
                              : (x / 16 + y / 16) % 3 == 0 ? 0
                              : (x * 7 + y * 3) & 0xff);
        }
    }

    if (rgba == NULL || !WebPConfigInit(&config) || !WebPPictureInit(&pic)) {
        free(rgba);
        return NULL;
    }

    config.quality = 85;
    config.alpha_compression = compression;
    config.alpha_filtering = filtering;
    config.alpha_quality = quality;
    config.exact = exact;

    pic.width = w;
    pic.height = h;

    WebPMemoryWriterInit(&writer);
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &writer;

    if (!WebPPictureImportRGBA(&pic, rgba, w * 4)
        || !WebPEncode(&config, &pic))
    {
        WebPMemoryWriterClear(&writer);
        writer.mem = NULL;
    }

    WebPPictureFree(&pic);
    free(rgba);

    CHECK(writer.mem != NULL, "a %dx%d WebP with alpha made", w, h);

    *len = writer.size;

    return writer.mem;
}


/* cwebp's lossy WebP (quality 85) of a fixture, with args; malloc()ed */

static uint8_t *
alpha_cwebp(const char *args, const char *png, size_t *len)
{
    char                       cmd[512], out[64];
    uint8_t                   *p;
    ngx_http_overlay_error_t   err;

    snprintf(out, sizeof(out), "/tmp/unit_alpha_%ld.webp", (long) getpid());
    snprintf(cmd, sizeof(cmd), "cwebp -quiet -q 85 %s %s/%s -o %s", args,
             unit_fixtures, png, out);

    if (system(cmd) != 0) {
        return NULL;
    }

    p = ngx_http_overlay_file_read(out, (size_t) 1 << 24, len, &err);
    unlink(out);

    return p;
}


/* the payload of the first chunk of the tag, *n its size; NULL: none */

static const uint8_t *
alpha_chunk(const uint8_t *webp, size_t len, const char *tag, size_t *n)
{
    size_t  pos, size;

    for (pos = 12; pos + 8 <= len; pos += 8 + size + (size & 1)) {
        size = (size_t) webp[pos + 4] | (size_t) webp[pos + 5] << 8
               | (size_t) webp[pos + 6] << 16 | (size_t) webp[pos + 7] << 24;

        if (size > len - pos - 8) {
            return NULL;
        }

        if (memcmp(webp + pos, tag, 4) == 0) {
            *n = size;
            return webp + pos + 8;
        }
    }

    return NULL;
}


/* the WebP with its ALPH payload replaced by n bytes; malloc()ed */

static uint8_t *
alpha_with(const uint8_t *webp, size_t len, const uint8_t *payload,
    size_t n, size_t *out)
{
    size_t          size, pos, end, total;
    uint8_t        *d;
    const uint8_t  *a;

    a = alpha_chunk(webp, len, "ALPH", &size);
    if (a == NULL) {
        return NULL;
    }

    pos = (size_t) (a - webp) - 8;
    end = pos + 8 + size + (size & 1);
    total = pos + 8 + n + (n & 1) + len - end;

    d = malloc(total);
    if (d == NULL) {
        return NULL;
    }

    memcpy(d, webp, pos);
    memcpy(d + pos, "ALPH", 4);
    d[pos + 4] = (uint8_t) n;
    d[pos + 5] = (uint8_t) (n >> 8);
    d[pos + 6] = (uint8_t) (n >> 16);
    d[pos + 7] = (uint8_t) (n >> 24);
    memcpy(d + pos + 8, payload, n);

    if (n & 1) {
        d[pos + 8 + n] = 0;
    }

    memcpy(d + total - (len - end), webp + end, len - end);

    d[4] = (uint8_t) (total - 8);
    d[5] = (uint8_t) ((total - 8) >> 8);
    d[6] = (uint8_t) ((total - 8) >> 16);
    d[7] = (uint8_t) ((total - 8) >> 24);

    *out = total;

    return d;
}


/* libwebp's decode of the WebP's alpha plane (stride *w); NULL: none */

static uint8_t *
alpha_libwebp(const uint8_t *webp, size_t len, int *w, int *h)
{
    int                 y;
    uint8_t            *a;
    WebPDecoderConfig   config;

    if (!WebPInitDecoderConfig(&config)) {
        return NULL;
    }

    config.output.colorspace = MODE_YUVA;

    if (WebPDecode(webp, len, &config) != VP8_STATUS_OK) {
        return NULL;
    }

    *w = config.output.width;
    *h = config.output.height;

    a = config.output.u.YUVA.a != NULL ? malloc((size_t) *w * *h) : NULL;

    for (y = 0; a != NULL && y < *h; y++) {
        memcpy(a + (size_t) y * *w,
               config.output.u.YUVA.a
               + (size_t) y * config.output.u.YUVA.a_stride, *w);
    }

    WebPFreeDecBuffer(&config.output);

    return a;
}


/*
 * The source's plane decoded here equals libwebp's; spliced with the
 * overlay at two places (inside, and over the top-left corner)
 */

static void
alpha_check(const uint8_t *webp, size_t len, const char *name)
{
    int             w, h;
    size_t          n;
    uint8_t        *ref, *plane;
    const char     *reason;
    const uint8_t  *alph;

    alph = alpha_chunk(webp, len, "ALPH", &n);
    ref = alpha_libwebp(webp, len, &w, &h);

    CHECK(alph != NULL && n > 0 && ref != NULL, "%s: an ALPH chunk", name);

    if (alph == NULL || n == 0 || ref == NULL) {
        free(ref);
        return;
    }

    alpha_seen[0][NGX_HTTP_OVERLAY_ALPH_COMPRESSION(alph[0])]++;
    alpha_seen[1][NGX_HTTP_OVERLAY_ALPH_FILTER(alph[0])]++;
    alpha_seen[2][NGX_HTTP_OVERLAY_ALPH_PREPROCESS(alph[0])]++;

    plane = malloc((size_t) w * h);
    reason = "";

    CHECK(plane != NULL
          && ngx_http_overlay_webp_alpha_decode(alph, n, w, h, plane,
                                                &reason) == 0
          && memcmp(plane, ref, (size_t) w * h) == 0,
          "%s: ALPH %02x decoded as libwebp decodes it (%s)", name, alph[0],
          reason);

    free(plane);
    free(ref);

    alpha_splice(webp, len, &(ngx_http_overlay_rect_t) {
                     w / 5, h / 2, w / 2 + 1, h / 3 + 1
                 }, name);
    alpha_splice(webp, len, &(ngx_http_overlay_rect_t) { -3, -2, 40, 30 },
                 name);
}


/*
 * The WebP spliced with alpha_draw() at bounds: webp_splice; libwebp's
 * decode of the output has the source's alpha wherever nothing was drawn,
 * and the alpha the overlay painted (ngx_http_overlay_webp_yuv(): the
 * same drawing on libwebp's decode of the source) where it drew
 */

static void
alpha_splice(const uint8_t *webp, size_t len,
    const ngx_http_overlay_rect_t *bounds, const char *name)
{
    int                             w, h, ow, oh, x, y, outside, inside;
    int                             opaque;
    void                           *mem;
    size_t                          i;
    uint8_t                        *src, *dst;
    WebPPicture                     pic;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_painter_t      painter;
    ngx_http_overlay_image_info_t   info;

    painter = (ngx_http_overlay_painter_t) { *bounds, alpha_draw, NULL };
    rc = alpha_apply(webp, len, &painter, &info, &blob, &err);

    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && blob.method == NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE,
          "%s: spliced at %d,%d (rc %d, method %d): %s", name, bounds->x,
          bounds->y, (int) rc, rc == NGX_HTTP_OVERLAY_OK ? (int) blob.method
                                                         : -1, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    CHECK(blob.len > 38 && memcmp(blob.data + 12, "VP8X", 4) == 0
          && (blob.data[20] & 0x10) && memcmp(blob.data + 30, "ALPH", 4) == 0
          && alpha_chunk(blob.data, blob.len, "VP8 ", &i) != NULL,
          "%s: VP8X (alpha), ALPH, VP8 out", name);

    src = alpha_libwebp(webp, len, &w, &h);
    dst = alpha_libwebp(blob.data, blob.len, &ow, &oh);

    /* the reference: the painter on libwebp's decode */

    memset(&pic, 0, sizeof(WebPPicture));
    rc = ngx_http_overlay_webp_yuv(webp, len, &info, &painter, &pic, &mem,
                                   &err);

    outside = inside = opaque = 0;

    for (y = 0; src != NULL && dst != NULL && rc == NGX_HTTP_OVERLAY_OK
                && ow == w && oh == h && y < h; y++)
    {
        for (x = 0; x < w; x++) {
            i = (size_t) y * w + x;

            if (x < bounds->x || y < bounds->y
                || x >= bounds->x + bounds->w || y >= bounds->y + bounds->h
                || alpha_gd(x, y) == gdAlphaTransparent)
            {
                outside += dst[i] != src[i];

            } else {
                inside += dst[i] != pic.a[(size_t) y * pic.a_stride + x];
                opaque += alpha_gd(x, y) == 0 && dst[i] != 255;
            }
        }
    }

    CHECK(src != NULL && dst != NULL && rc == NGX_HTTP_OVERLAY_OK
          && outside == 0 && inside == 0 && opaque == 0,
          "%s at %d,%d: alpha not drawn on changed at %d pixels, drawn on "
          "not as painted at %d, drawn opaquely not opaque at %d", name,
          bounds->x, bounds->y, outside, inside, opaque);

    WebPPictureFree(&pic);
    free(mem);
    free(src);
    free(dst);
    ngx_http_overlay_codec_free(&blob);
}


/*
 * An alpha the overlay leaves as it was (an opaque fill where the source
 * is opaque, or a layer of nothing) keeps the ALPH chunk byte for byte
 */

static void
alpha_kept(void)
{
    int                             k;
    size_t                          len, n, m;
    uint8_t                        *webp;
    const uint8_t                  *a, *b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_painter_t      painter;
    ngx_http_overlay_image_info_t   info;

    for (k = 0; k < 2; k++) {
        webp = alpha_source(451, 300, k, 1, 100, 0, &len);
        if (webp == NULL) {
            return;
        }

        /* the top third is opaque */

        painter = (ngx_http_overlay_painter_t) {
                      { 40, 20, 120, 60 }, alpha_draw, &alpha_white
                  };
        rc = alpha_apply(webp, len, &painter, &info, &blob, &err);

        a = alpha_chunk(webp, len, "ALPH", &n);
        b = rc == NGX_HTTP_OVERLAY_OK
            ? alpha_chunk(blob.data, blob.len, "ALPH", &m) : NULL;

        CHECK(rc == NGX_HTTP_OVERLAY_OK
              && blob.method == NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE
              && a != NULL && b != NULL && n == m && memcmp(a, b, n) == 0,
              "C%d: an opaque fill on opaque alpha keeps ALPH's %zu bytes",
              k, n);

        /* the fill where the source is transparent: ALPH coded anew */

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        painter.bounds = (ngx_http_overlay_rect_t) { 0, 200, 40, 40 };

        rc = alpha_apply(webp, len, &painter, &info, &blob, &err);
        b = rc == NGX_HTTP_OVERLAY_OK
            ? alpha_chunk(blob.data, blob.len, "ALPH", &m) : NULL;

        CHECK(b != NULL && m > 1 && (b[0] == 0x01 || b[0] == 0x09),
              "C%d: an alpha drawn on coded anew, lossless, no filter or "
              "vertical", k);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(webp);
    }
}


/*
 * Raw planes of noise, filtered every way (the bytes as they come are
 * the residuals): undone as libwebp undoes them, at sizes with one row,
 * one column, one pixel
 */

static void
alpha_filters(void)
{
    int             f, s, w, h, rw, rh;
    size_t          len, n, out, i;
    uint8_t        *webp, *bad, *payload, *ref, *plane;
    const char     *reason;

    static const int  sizes[][2] = { { 17, 33 }, { 1, 1 }, { 64, 1 } };

    for (s = 0; s < 3; s++) {
        w = sizes[s][0];
        h = sizes[s][1];

        webp = alpha_source(w, h, 0, 0, 100, 0, &len);
        if (webp == NULL) {
            return;
        }

        n = 1 + (size_t) w * h;
        payload = malloc(n);
        plane = malloc(n);

        for (f = 0; payload != NULL && plane != NULL && f < 4; f++) {
            payload[0] = (uint8_t) (f << 2);

            for (i = 1; i < n; i++) {
                payload[i] = (uint8_t) ((i * 2654435761u) >> 13);
            }

            bad = alpha_with(webp, len, payload, n, &out);
            ref = bad != NULL ? alpha_libwebp(bad, out, &rw, &rh) : NULL;
            reason = "";

            CHECK(ref != NULL
                  && ngx_http_overlay_webp_alpha_decode(payload, n, w, h,
                                                        plane, &reason) == 0
                  && memcmp(plane, ref, n - 1) == 0,
                  "raw %dx%d plane, filter %d, undone as libwebp does (%s)",
                  w, h, f, reason);

            if (bad != NULL && f == 3) {
                alpha_check(bad, out, "raw, gradient filter");
            }

            free(ref);
            free(bad);
        }

        free(payload);
        free(plane);
        free(webp);
    }
}


/*
 * Planes coded here, with every filter: decoded here and by libwebp (in
 * the source's place) to themselves
 */

static void
alpha_encode(void)
{
    int         f, w, h, rw, rh;
    size_t      len, n, out;
    uint8_t    *webp, *src, *alph, *with, *ref, *plane;
    const char  *reason;

    webp = alpha_source(451, 300, 1, 1, 100, 0, &len);
    src = webp != NULL ? alpha_libwebp(webp, len, &w, &h) : NULL;

    CHECK(src != NULL, "a source plane to code");

    if (src == NULL) {
        free(webp);
        return;
    }

    plane = malloc((size_t) w * h);

    for (f = 0; plane != NULL && f < 4; f++) {
        alph = NULL;
        reason = "";

        CHECK(ngx_http_overlay_webp_alpha_encode(src, w, h, f,
                                NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                                NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY,
                                &alph, &n) == 0
              && n > 1 && alph[0] == (f << 2 | 1),
              "filter %d: coded", f);

        if (alph == NULL) {
            continue;
        }

        CHECK(ngx_http_overlay_webp_alpha_decode(alph, n, w, h, plane,
                                                 &reason) == 0
              && memcmp(plane, src, (size_t) w * h) == 0,
              "filter %d: %zu bytes decoded here to the plane (%s)", f, n,
              reason);

        with = alpha_with(webp, len, alph, n, &out);
        ref = with != NULL ? alpha_libwebp(with, out, &rw, &rh) : NULL;

        CHECK(ref != NULL && memcmp(ref, src, (size_t) w * h) == 0,
              "filter %d: decoded by libwebp to the plane", f);

        free(ref);
        free(with);
        free(alph);
    }

    free(plane);
    free(src);
    free(webp);
}


/*
 * The filter chosen on two bands is the one that codes the whole plane
 * smaller, where one does by 10% or more: a smooth radial ramp, hard
 * edges (a sharp disc and bars), a photo's matte (chelsea.png's green,
 * stretched)
 */

static void
alpha_choose(void)
{
    int        k, x, y, dx, dy, c, decided;
    size_t     size[2];
    uint8_t   *plane, *out;
    unsigned   f, chosen, w, h;

    w = 451;
    h = 300;
    decided = 0;

    plane = malloc((size_t) w * h);
    if (plane == NULL) {
        return;
    }

    for (k = 0; k < 3; k++) {
        for (y = 0; y < (int) h; y++) {
            for (x = 0; x < (int) w; x++) {
                dx = x - 225;
                dy = y - 150;
                c = gdImageGetTrueColorPixel(alpha_photo, x, y);
                c = (gdTrueColorGetGreen(c) - 60) * 255 / 100;

                plane[(size_t) y * w + x] = (uint8_t)
                    (k == 0 ? (dx * dx + dy * dy) / 256
                     : k == 1 ? ((dx * dx + dy * dy < 90 * 90
                                  || x % 64 < 20) ? 255 : 0)
                     : c < 0 ? 0 : c > 255 ? 255 : c);
            }
        }

        for (f = 0; f < 2; f++) {
            out = NULL;
            size[f] = 0;
            (void) ngx_http_overlay_webp_alpha_encode(plane, w, h, 2 * f,
                                NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                                NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY,
                                &out, &size[f]);
            free(out);
        }

        chosen = ngx_http_overlay_webp_alpha_choose(plane, w, h,
                                NGX_HTTP_OVERLAY_ALPH_ENCODE_METHOD,
                                NGX_HTTP_OVERLAY_ALPH_ENCODE_QUALITY);

        printf("webp_alpha: plane %d: %zu bytes without a filter, %zu "
               "vertical; chosen %u\n", k, size[0], size[1], chosen);

        if (size[0] * 10 < size[1] * 9 || size[1] * 10 < size[0] * 9) {
            decided++;
            CHECK(size[0] > 0 && size[1] > 0
                  && chosen == (size[0] < size[1] ? 0u : 2u),
                  "plane %d: the filter that codes it smaller chosen", k);
        }
    }

    CHECK(decided >= 2, "planes where a filter matters: %d", decided);

    free(plane);
}


/*
 * Malformed ALPH chunks: what libwebp refuses, the decoder refuses and
 * the composite fails as libwebp's decode does; what libwebp decodes,
 * the splice decodes alike
 */

static void
alpha_hostile(void)
{
    int                             k, fault, i;
    char                            name[64];
    size_t                          len, n, m, out, asize;
    uint8_t                        *webp, *bad, *other, *small;
    uint8_t                         b[4], *p;
    const char                     *reason;
    const uint8_t                  *alph, *a;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_image_info_t   info;

    /* straight to the decoder: header bytes libwebp refuses */

    static const uint8_t  refused[] = { 0x02, 0x03, 0x20, 0x31, 0x40, 0x81 };

    for (k = 0; k < (int) sizeof(refused); k++) {
        b[0] = refused[k];
        b[1] = b[2] = b[3] = 0;
        reason = NULL;

        CHECK(ngx_http_overlay_webp_alpha_decode(b, 4, 2, 1, b + 1, &reason)
              == -1 && reason != NULL,
              "ALPH header %02x refused", refused[k]);
    }

    CHECK(ngx_http_overlay_webp_alpha_decode(b, 0, 2, 1, b + 1, &reason)
          == -1, "an empty ALPH refused");
    CHECK(ngx_http_overlay_webp_alpha_decode(b, 4, 0, 1, b + 1, &reason)
          == -1, "a frame of no width refused");

    for (k = 0; k < 2; k++) {
        webp = alpha_source(451, 300, k, 1, 100, 0, &len);
        other = alpha_source(448, 297, k, 1, 100, 0, &m);
        alph = webp != NULL ? alpha_chunk(webp, len, "ALPH", &n) : NULL;
        a = other != NULL ? alpha_chunk(other, m, "ALPH", &asize) : NULL;

        if (alph == NULL || a == NULL) {
            CHECK(0, "C%d: sources for malformed ALPH", k);
            free(webp);
            free(other);
            return;
        }

        p = malloc(n);

        /* cut short, by one byte and by half; C and P out of range */

        for (fault = 0; p != NULL && fault < 6; fault++) {
            memcpy(p, alph, n);
            m = fault == 0 ? n - 1 : fault == 1 ? n / 2 : n;
            p[0] = (uint8_t) (fault == 2 ? p[0] | 2
                              : fault == 3 ? p[0] | 0x20
                              : fault == 4 ? p[0] | 0xc0 : p[0]);

            if (fault == 5) {
                /* the stream past the header byte: noise */
                for (i = 1; i < (int) n; i++) {
                    p[i] = (uint8_t) ((i * 2654435761u) >> 11);
                }
            }

            bad = alpha_with(webp, len, p, m, &out);
            snprintf(name, sizeof(name), "C%d, fault %d", k, fault);

            if (bad != NULL) {
                alpha_hostile_one(bad, out, name);
                free(bad);
            }
        }

        /* a stream of another size: 448x297 in a 451x300 frame */

        small = alpha_with(webp, len, a, asize, &out);
        snprintf(name, sizeof(name), "C%d, a 448x297 plane", k);

        if (small != NULL) {
            alpha_hostile_one(small, out, name);
            free(small);
        }

        /* an ALPH after the frame, and a second one: declined */

        bad = malloc(len + 8 + n + 1);

        if (bad != NULL) {
            memcpy(bad, webp, len);
            memcpy(bad + len, alph - 8, 8 + n + (n & 1));
            out = len + 8 + n + (n & 1);
            bad[4] = (uint8_t) (out - 8);
            bad[5] = (uint8_t) ((out - 8) >> 8);
            bad[6] = (uint8_t) ((out - 8) >> 16);
            bad[7] = (uint8_t) ((out - 8) >> 24);

            rc = alpha_apply(bad, out, &alpha_painter, &info, &blob, &err);

            CHECK(rc != NGX_HTTP_OVERLAY_OK
                  || blob.method != NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE,
                  "C%d: a second ALPH, after the frame: not spliced", k);

            if (rc == NGX_HTTP_OVERLAY_OK) {
                ngx_http_overlay_codec_free(&blob);
            }

            free(bad);
        }

        free(p);
        free(webp);
        free(other);
    }
}


/*
 * One malformed WebP: if libwebp refuses it, the decoder refuses its
 * ALPH and the composite fails (BAD_IMAGE, libwebp's status); if libwebp
 * decodes it, the decoder agrees and the splice takes it
 */

static void
alpha_hostile_one(const uint8_t *webp, size_t len, const char *name)
{
    int                             w, h, ok;
    size_t                          n;
    uint8_t                        *ref, *plane;
    const char                     *reason;
    const uint8_t                  *alph;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_image_info_t   info;

    w = h = 0;
    ref = alpha_libwebp(webp, len, &w, &h);
    alph = alpha_chunk(webp, len, "ALPH", &n);

    if (ref == NULL) {
        w = 451;
        h = 300;
        alpha_refused++;

    } else {
        alpha_decoded++;
    }

    plane = malloc((size_t) w * h);
    reason = "";
    ok = alph != NULL && plane != NULL
         && ngx_http_overlay_webp_alpha_decode(alph, n, w, h, plane,
                                               &reason) == 0;

    CHECK(ref != NULL ? ok && memcmp(plane, ref, (size_t) w * h) == 0 : !ok,
          "%s: libwebp %s, the decoder %s (%s)", name,
          ref != NULL ? "decodes" : "refuses", ok ? "decodes" : "refuses",
          reason);

    rc = alpha_apply(webp, len, &alpha_painter, &info, &blob, &err);

    if (ref == NULL) {
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
              && strstr(err.msg, "decoding failed") != NULL,
              "%s: the composite fails as libwebp's decode: %d %s", name,
              (int) rc, err.msg);

    } else {
        CHECK(rc == NGX_HTTP_OVERLAY_OK
              && blob.method == NGX_HTTP_OVERLAY_METHOD_WEBP_SPLICE,
              "%s: spliced: %s", name, err.msg);
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_codec_free(&blob);
    }

    free(plane);
    free(ref);
}


/*
 * The WebP composited with painter, overlay_webp_quality source (the
 * splice): the composite's code; *info as probed, *blob as applied
 */

static ngx_http_overlay_rc_e
alpha_apply(const uint8_t *webp, size_t len,
    const ngx_http_overlay_painter_t *painter,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *blob,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);
    opts.codec.webp_quality = 0;

    memset(blob, 0, sizeof(ngx_http_overlay_blob_t));

    rc = ngx_http_overlay_codec_probe(webp, len, &opts.codec, info, err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        return rc;
    }

    return ngx_http_overlay_codec_apply(webp, len, info, &opts.codec,
                                        painter, blob, err);
}


/* the pattern of alpha_gd() in the layer, or opaque white (&alpha_white) */

static ngx_http_overlay_rc_e
alpha_draw(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    int  x, y;

    (void) err;

    for (y = 0; y < gdImageSY(im); y++) {
        for (x = 0; x < gdImageSX(im); x++) {
            im->tpixels[y][x] = data != NULL
                                ? gdTrueColorAlpha(255, 255, 255, 0)
                                : gdTrueColorAlpha(30, 200, 90,
                                                   alpha_gd(x0 + x, y0 + y));
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * libgd's alpha drawn at x, y of the image: opaque, two translucent
 * levels, and nothing (gdAlphaTransparent) in bands and holes
 */

static int
alpha_gd(int x, int y)
{
    static const int  levels[] = { 0, 40, 100, gdAlphaTransparent };

    return (x + 2 * y) % 7 == 3 ? gdAlphaTransparent : levels[x / 3 % 4];
}
