
/*
 * libFuzzer target: the header probe, and what it promises the decoders.
 *
 * The input is probed with fixed limits (FUZZ_MAX_PIXELS, FUZZ_MAX_SIDE).
 * When the probe accepts an image of w x h:
 *
 *   - w and h are at least 1, w * h is at most FUZZ_MAX_PIXELS, neither
 *     side is over FUZZ_MAX_SIDE, the format is one of the four, and a
 *     second probe says the same;
 *   - the image is decoded and encoded again (ngx_http_overlay_codec_
 *     apply()) with a painter that draws nothing over the whole image, the
 *     most a painter can make a codec decode, while every heap allocation
 *     is counted: the peak of live heap bytes when the painter is called
 *     (the decoding) stays under FUZZ_DECODE_BOUND(w, h, len), and the
 *     peak of the whole call (encoding too) under FUZZ_HEAP_BOUND();
 *   - a decoder never meets other dimensions than the probe's (the codec
 *     says "decoded WxH, the headers say ..." when one does);
 *   - success is an output that probes as the same format and size.
 *
 * The bounds are per pixel of the image padded by 32 on each side (JPEG
 * blocks and MCUs), plus the input's bytes (libgd's WebP reader copies
 * them; an output is about as large), plus 8 MB for what grows with
 * neither (the libraries' tables and state).  Decoding: the truecolor
 * image is 4 bytes a pixel, besides which a decoder holds at most three
 * buffers as large: JPEG's coefficients at 2 bytes a sample, twice when
 * progressive (the pixel decoder reads its own), 16 bytes a pixel in all;
 * WebP's output and its lossless decoder's pixels, 12; GIF 5, PNG 4; 20
 * is the bound.  Encoding adds the encoders' buffers and growing outputs:
 * libwebp's lossless encoder uses most, 41 bytes a pixel measured on
 * 2000x2000 pixels of noise, then JPEG 4:4:4 and lossy WebP, 26; 64 is
 * the bound.
 *
 * A failure: the invariants of fuzz_common.h, and no output.  Everything
 * is freed: LeakSanitizer reports what is not.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/allocator_interface.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_codec_int.h"
#include "fuzz_common.h"


#define FUZZ_MAX_PIXELS  (4UL * 1000 * 1000)
#define FUZZ_MAX_SIDE    3000

/* the most blocks live at once while counting (gd has one for each row) */
#define FUZZ_BLOCKS      (1 << 16)

#define FUZZ_BOUND(n, w, h, len)                                              \
    ((n) * ((size_t) (w) + 32) * ((size_t) (h) + 32) + 2 * (size_t) (len)     \
     + 8 * 1024 * 1024)
#define FUZZ_DECODE_BOUND(w, h, len)  FUZZ_BOUND(20, w, h, len)
#define FUZZ_HEAP_BOUND(w, h, len)    FUZZ_BOUND(64, w, h, len)


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void fuzz_malloc_hook(const volatile void *p, size_t size);
static void fuzz_free_hook(const volatile void *p);
static size_t fuzz_slot(const volatile void *p);
static ngx_http_overlay_rc_e fuzz_draw_nothing(void *data, gdImagePtr im,
    int x0, int y0, ngx_http_overlay_error_t *err);


static ngx_http_overlay_codec_conf_t  conf;

/*
 * The heap while counting: live bytes and their peak.  Only the blocks
 * allocated while counting are subtracted when freed: a table of them
 * (open addressing; a slot is theirs when it has this input's generation,
 * a hole left by a free when it has the generation's tombstone).
 */

typedef struct {
    const volatile void              *p;
    unsigned                          gen;
} fuzz_block_t;

static int                            counting;
static size_t                         live;
static size_t                         peak;
static size_t                         peak_decoded;
static unsigned                       gen;
static fuzz_block_t                   blocks[FUZZ_BLOCKS];

#define FUZZ_TOMB  0x80000000u

/* FUZZ_PROBE_REPORT=1: one line per input, to measure the bound */
static int                            report;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ngx_http_overlay_options_t  opts;

    (void) argc;
    (void) argv;

    ngx_http_overlay_core_init();

    ngx_http_overlay_options_init(&opts);
    conf = opts.codec;
    conf.max_pixels = FUZZ_MAX_PIXELS;
    conf.max_side = FUZZ_MAX_SIDE;

    report = getenv("FUZZ_PROBE_REPORT") != NULL;

    if (__sanitizer_install_malloc_and_free_hooks(fuzz_malloc_hook,
                                                  fuzz_free_hook)
        == 0)
    {
        fprintf(stderr, "fuzz_probe: no malloc hooks\n");
        exit(1);
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_blob_t        out;
    ngx_http_overlay_error_t       err;
    ngx_http_overlay_painter_t     painter;
    ngx_http_overlay_image_info_t  info, again;

    memset(&err, 0, sizeof(ngx_http_overlay_error_t));
    err.code = FUZZ_RC_UNSET;

    rc = ngx_http_overlay_codec_probe(data, size, &conf, &info, &err);

    last_rc = rc;
    last_err = err;

    if (rc != NGX_HTTP_OVERLAY_OK) {
        FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_NOT_IMAGE
                   || rc == NGX_HTTP_OVERLAY_BAD_IMAGE
                   || rc == NGX_HTTP_OVERLAY_TOO_LARGE
                   || rc == NGX_HTTP_OVERLAY_UNSUPPORTED);
        fuzz_check_error(rc, &err);

        return 0;
    }

    /* what the probe accepts is within the limits */

    FUZZ_CHECK(info.format == NGX_HTTP_OVERLAY_FORMAT_JPEG
               || info.format == NGX_HTTP_OVERLAY_FORMAT_PNG
               || info.format == NGX_HTTP_OVERLAY_FORMAT_WEBP
               || info.format == NGX_HTTP_OVERLAY_FORMAT_GIF);
    FUZZ_CHECK(info.width > 0 && info.height > 0);
    FUZZ_CHECK((unsigned long long) info.width * info.height
               <= FUZZ_MAX_PIXELS);
    FUZZ_CHECK(info.width <= FUZZ_MAX_SIDE && info.height <= FUZZ_MAX_SIDE);
    FUZZ_CHECK(info.orientation >= 1 && info.orientation <= 8);

    rc = ngx_http_overlay_codec_probe(data, size, &conf, &again, &err);

    FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_OK);
    FUZZ_CHECK(memcmp(&again, &info, sizeof(info)) == 0);

    /* decoded all over, nothing drawn, the heap counted */

    painter.bounds.x = 0;
    painter.bounds.y = 0;
    painter.bounds.w = (int) info.width;
    painter.bounds.h = (int) info.height;
    painter.draw = fuzz_draw_nothing;
    painter.data = NULL;

    memset(&err, 0, sizeof(ngx_http_overlay_error_t));
    err.code = FUZZ_RC_UNSET;
    out.data = (unsigned char *) "not set";
    out.len = 7;

    live = 0;
    peak = 0;
    peak_decoded = 0;
    gen = (gen + 1) & ~FUZZ_TOMB;
    gen += (gen == 0);
    counting = 1;

    rc = ngx_http_overlay_codec_apply(data, size, &info, &conf, &painter,
                                      &out, &err);

    counting = 0;

    last_rc = rc;
    last_err = err;

    if (report) {
        fprintf(stderr, "fuzz_probe: %s %ux%u, %zu bytes: %s, decoded %zu "
                "(%.1f/px), peak %zu (%.1f/px), of the bounds %.2f, "
                "%.2f\n",
                ngx_http_overlay_format_name(info.format), info.width,
                info.height, size, ngx_http_overlay_reason(rc),
                peak_decoded, (double) peak_decoded / info.width
                                  / info.height,
                peak, (double) peak / info.width / info.height,
                (double) peak_decoded
                / FUZZ_DECODE_BOUND(info.width, info.height, size),
                (double) peak / FUZZ_HEAP_BOUND(info.width, info.height,
                                                size));
    }

    FUZZ_CHECK(peak_decoded
               <= FUZZ_DECODE_BOUND(info.width, info.height, size));
    FUZZ_CHECK(peak <= FUZZ_HEAP_BOUND(info.width, info.height, size));

    if (rc != NGX_HTTP_OVERLAY_OK) {
        FUZZ_CHECK(out.data == NULL && out.len == 0);
        FUZZ_CHECK(strstr(err.msg, "the headers say") == NULL);
        fuzz_check_error(rc, &err);

        return 0;
    }

    FUZZ_CHECK(out.data != NULL && out.len > 0);

    rc = ngx_http_overlay_codec_probe(out.data, out.len, &conf, &again,
                                      &err);

    last_rc = rc;
    last_err = err;

    FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_OK);
    FUZZ_CHECK(again.format == info.format);
    FUZZ_CHECK(again.width == info.width && again.height == info.height);

    ngx_http_overlay_codec_free(&out);

    return 0;
}


static void
fuzz_malloc_hook(const volatile void *p, size_t size)
{
    size_t  i, n;

    if (!counting) {
        return;
    }

    live += size;

    if (live > peak) {
        peak = live;
    }

    /* the first slot that is not live: empty, or a hole */

    i = fuzz_slot(p);

    for (n = 0; blocks[i].gen == gen; n++) {

        if (n == FUZZ_BLOCKS) {
            fprintf(stderr, "fuzz_probe: over %d live blocks\n",
                    FUZZ_BLOCKS);
            abort();
        }

        i = (i + 1) & (FUZZ_BLOCKS - 1);
    }

    blocks[i].p = p;
    blocks[i].gen = gen;
}


static void
fuzz_free_hook(const volatile void *p)
{
    size_t  i, n;

    if (!counting) {
        return;
    }

    /* up to an empty slot: holes are walked over */

    i = fuzz_slot(p);

    for (n = 0; n < FUZZ_BLOCKS; n++) {

        if (blocks[i].gen == gen && blocks[i].p == p) {
            blocks[i].gen = gen | FUZZ_TOMB;
            live -= __sanitizer_get_allocated_size(p);
            return;
        }

        if (blocks[i].gen != gen && blocks[i].gen != (gen | FUZZ_TOMB)) {
            return;                     /* allocated before counting */
        }

        i = (i + 1) & (FUZZ_BLOCKS - 1);
    }
}


static size_t
fuzz_slot(const volatile void *p)
{
    uintptr_t  h;

    h = (uintptr_t) p >> 4;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;

    return (size_t) (h >> 40) & (FUZZ_BLOCKS - 1);
}


static ngx_http_overlay_rc_e
fuzz_draw_nothing(void *data, gdImagePtr im, int x0, int y0,
    ngx_http_overlay_error_t *err)
{
    (void) data;
    (void) im;

    peak_decoded = peak;

    (void) x0;
    (void) y0;
    (void) err;

    return NGX_HTTP_OVERLAY_OK;
}
