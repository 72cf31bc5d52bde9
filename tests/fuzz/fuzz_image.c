
/*
 * libFuzzer target: the image body, as an upstream sends it.
 *
 * The input goes through ngx_http_overlay_composite() with one fixed text
 * layer ({"overlay":"Last Chance!"}, the defaults: a badge at the top
 * right) and the default options, but for max_pixels, lowered so that the
 * fuzzer spends its time in the decoders rather than in huge allocations,
 * and overlay_png_reduce, on for inputs of an odd size (grey PNGs kept
 * grey, 16 bits made 8).
 *
 * Any broken invariant aborts, which libFuzzer reports as a crash:
 *
 *   success: an image of a known format within max_pixels, and an
 *            output that probes as the same format and dimensions;
 *   failure: a code with a reason, not one of the parameter's
 *            (bad_encoding, bad_json, bad_spec), that err.code repeats, a
 *            non-empty printable ASCII err.msg, no output.
 *
 * The output is freed: LeakSanitizer reports what is not.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_core.h"
#include "fuzz_common.h"


#define FUZZ_MAX_PIXELS  (4UL * 1000 * 1000)

/* a code no call returns: tells an err that was not written */


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static ngx_http_overlay_options_t  opts;
static ngx_http_overlay_spec_t     spec;

/* the call under test's result, told when an invariant breaks */

/* the spec's text points here: it lives as long as the process */
static unsigned char               value[] = "{\"overlay\":\"Last Chance!\"}";


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_error_t  err;

    (void) argc;
    (void) argv;

    ngx_http_overlay_core_init();

    ngx_http_overlay_options_init(&opts);
    opts.codec.max_pixels = FUZZ_MAX_PIXELS;

    rc = ngx_http_overlay_parse_value(value, sizeof(value) - 1, &opts, NULL,
                                      &spec, NULL, &err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "fuzz_image: the spec: %s\n", err.msg);
        exit(1);
    }

    /* without its font every input would fail the same way */

    rc = ngx_http_overlay_font_check(opts.render.fonts[0], &err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "fuzz_image: font \"%s\": %s\n",
                opts.render.fonts[0], err.msg);
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
    ngx_http_overlay_image_info_t  info, again;

    memset(&err, 0, sizeof(ngx_http_overlay_error_t));
    err.code = FUZZ_RC_UNSET;
    out.data = (unsigned char *) "not set";
    out.len = 7;

    opts.codec.png_reduce = (int) (size & 1);

    rc = ngx_http_overlay_composite(data, size, &spec, &opts, &info, &out,
                                    &err);

    last_rc = rc;
    last_err = err;

    if (rc != NGX_HTTP_OVERLAY_OK) {
        FUZZ_CHECK(rc != NGX_HTTP_OVERLAY_BAD_ENCODING
                   && rc != NGX_HTTP_OVERLAY_BAD_JSON
                   && rc != NGX_HTTP_OVERLAY_BAD_SPEC);
        FUZZ_CHECK(out.data == NULL && out.len == 0);
        fuzz_check_error(rc, &err);

        return 0;
    }

    FUZZ_CHECK(info.format != NGX_HTTP_OVERLAY_FORMAT_NONE);
    FUZZ_CHECK(info.width > 0 && info.height > 0);
    FUZZ_CHECK((unsigned long long) info.width * info.height
               <= FUZZ_MAX_PIXELS);
    FUZZ_CHECK(out.data != NULL && out.len > 0);

    /* the output is read as the module's next request would read it */

    rc = ngx_http_overlay_codec_probe(out.data, out.len, &opts.codec, &again,
                                      &err);

    FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_OK);
    FUZZ_CHECK(again.format == info.format);
    FUZZ_CHECK(again.width == info.width && again.height == info.height);

    ngx_http_overlay_codec_free(&out);

    FUZZ_CHECK(out.data == NULL && out.len == 0);

    return 0;
}
