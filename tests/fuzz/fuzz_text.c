
/*
 * libFuzzer target: the text of a text layer, as a client sends it, laid
 * out and drawn in every script, with emoji.
 *
 * The first byte chooses the style, the position and the direction; the
 * rest is the text, put in a JSON string as it is (bytes under 0x20, '"'
 * and '\' escaped as \u00XX), in a spec of one text layer in a chain of
 * DejaVu Sans Bold, Lohit Devanagari, WenQuanYi Micro Hei and Noto Color
 * Emoji.  The spec is parsed (ngx_http_overlay_spec_parse()) and, when it
 * is accepted, composited onto a 320x180 PNG made once.
 *
 * Any broken invariant aborts, which libFuzzer reports as a crash:
 *
 *   parsed, then composited: a PNG of 320x180, or bad_spec (a character
 *            no font of the chain has); never render_failed: whatever
 *            the text, shaping and drawing it must not fail;
 *   refused: bad_json or bad_spec, with a reason.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "ngx_http_overlay_core.h"
#include "fuzz_common.h"


#define FUZZ_CHAIN                                                            \
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf;"                   \
    "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf;"        \
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc;"                         \
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static ngx_http_overlay_options_t  opts;
static unsigned char              *image;
static int                         image_len;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char                *p, *end;
    char                       path[256];
    gdImagePtr                 im;
    ngx_http_overlay_error_t   err;

    (void) argc;
    (void) argv;

    ngx_http_overlay_core_init();
    ngx_http_overlay_options_init(&opts);

    for (p = FUZZ_CHAIN; p != NULL; p = end != NULL ? end + 1 : NULL) {
        end = strchr(p, ';');
        snprintf(path, sizeof(path), "%.*s",
                 (int) (end != NULL ? (size_t) (end - p) : strlen(p)), p);

        if (ngx_http_overlay_font_check(path, &err) != NGX_HTTP_OVERLAY_OK) {
            fprintf(stderr, "fuzz_text: font \"%s\": %s\n", path, err.msg);
            exit(1);
        }
    }

    if (ngx_http_overlay_options_add_font(&opts, "world", FUZZ_CHAIN)
        != NGX_HTTP_OVERLAY_OK)
    {
        exit(1);
    }

    im = gdImageCreateTrueColor(320, 180);
    if (im == NULL) {
        exit(1);
    }

    gdImageFilledRectangle(im, 0, 0, 319, 179, gdTrueColor(40, 90, 140));
    image = gdImagePngPtr(im, &image_len);
    gdImageDestroy(im);

    if (image == NULL) {
        exit(1);
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                         i, n;
    unsigned char                 *json;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_spec_t        spec;
    ngx_http_overlay_blob_t        out;
    ngx_http_overlay_error_t       err;
    ngx_http_overlay_image_info_t  info, again;

    static const char  *styles[] = { "badge", "ribbon", "banner", "plain" };
    static const char  *positions[] = { "top-left", "center",
                                        "bottom-right", "top-right" };
    static const char  *directions[] = { "auto", "ltr", "rtl", "auto" };

    if (size < 1 || size > 4096) {
        return 0;
    }

    json = malloc(6 * size + 256);
    if (json == NULL) {
        return 0;
    }

    n = (size_t) sprintf((char *) json, "{\"layers\":[{\"style\":\"%s\","
                         "\"position\":\"%s\",\"direction\":\"%s\","
                         "\"font\":\"world\",\"size\":0.%d,\"text\":\"",
                         styles[data[0] & 3], positions[(data[0] >> 2) & 3],
                         directions[(data[0] >> 4) & 3],
                         (data[0] >> 6) + 1);

    for (i = 1; i < size; i++) {
        if (data[i] < 0x20 || data[i] == '"' || data[i] == '\\') {
            n += (size_t) sprintf((char *) json + n, "\\u%04x", data[i]);

        } else {
            json[n++] = data[i];
        }
    }

    n += (size_t) sprintf((char *) json + n, "\"}]}");

    memset(&err, 0, sizeof(ngx_http_overlay_error_t));
    err.code = FUZZ_RC_UNSET;

    rc = ngx_http_overlay_spec_parse(json, n, &opts.spec, &spec, &err);

    last_rc = rc;
    last_err = err;

    if (rc != NGX_HTTP_OVERLAY_OK) {
        FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_BAD_JSON
                   || rc == NGX_HTTP_OVERLAY_BAD_SPEC);
        fuzz_check_error(rc, &err);
        free(json);
        return 0;
    }

    out.data = NULL;
    out.len = 0;

    rc = ngx_http_overlay_composite(image, (size_t) image_len, &spec, &opts,
                                    &info, &out, &err);

    last_rc = rc;
    last_err = err;

    if (rc != NGX_HTTP_OVERLAY_OK) {
        FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_BAD_SPEC);
        FUZZ_CHECK(out.data == NULL && out.len == 0);
        fuzz_check_error(rc, &err);
        free(json);
        return 0;
    }

    rc = ngx_http_overlay_codec_probe(out.data, out.len, &opts.codec, &again,
                                      &err);

    FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_OK);
    FUZZ_CHECK(again.format == NGX_HTTP_OVERLAY_FORMAT_PNG);
    FUZZ_CHECK(again.width == 320 && again.height == 180);

    ngx_http_overlay_codec_free(&out);
    free(json);

    return 0;
}
