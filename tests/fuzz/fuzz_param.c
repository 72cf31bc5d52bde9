
/*
 * libFuzzer target: the overlay parameter's value, as a client sends it.
 *
 * The input is copied into a buffer of its exact size (the value is decoded
 * in place) and given to ngx_http_overlay_parse_value() with the default
 * options.  A spec it accepts is dumped with ngx_http_overlay_spec_dump(),
 * and the dump parsed back: it must give the same spec and the same dump.
 *
 * Any broken invariant aborts, which libFuzzer reports as a crash:
 *
 *   success: 1 to max_layers layers, each a text layer (no overlay_asset
 *            is configured) with its enumerations, font and numbers in
 *            range (the ranges table of ngx_http_overlay_spec.c), its text
 *            inside the caller's buffer, NUL-terminated at len, valid
 *            UTF-8 of 1 to max_text characters without C0 controls or DEL,
 *            the texts of different layers apart; known repair bits only;
 *   failure: a code of the parameter's (bad_encoding, too_large, bad_json,
 *            bad_spec) that err.code repeats, a non-empty printable ASCII
 *            err.msg, no layers.
 */


#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_overlay_core.h"
#include "fuzz_common.h"


#define FUZZ_REPAIRS_ALL                                                      \
    (NGX_HTTP_OVERLAY_REPAIR_TRIM | NGX_HTTP_OVERLAY_REPAIR_BYTES             \
     | NGX_HTTP_OVERLAY_REPAIR_STANDARD | NGX_HTTP_OVERLAY_REPAIR_SPACE      \
     | NGX_HTTP_OVERLAY_REPAIR_RAW_JSON)

/* a code no call returns: tells an err that was not written */


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_spec(const ngx_http_overlay_spec_t *spec,
    const unsigned char *buf, size_t size);
static void fuzz_check_layer(const ngx_http_overlay_layer_t *l);
static size_t fuzz_utf8_chars(const unsigned char *s, size_t len);
static void fuzz_check_number(double v, double min, double max);
static void fuzz_round_trip(const ngx_http_overlay_spec_t *spec);
static int fuzz_same_number(double a, double b);


static ngx_http_overlay_options_t  opts;

/* the call under test's result, told when an invariant breaks */


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    ngx_http_overlay_options_init(&opts);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned                   repairs;
    unsigned char             *buf;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_spec_t    spec;
    ngx_http_overlay_error_t   err;

    /* exactly size bytes: ASan sees a read or write past the value */

    buf = malloc(size);
    if (buf == NULL && size != 0) {
        return 0;
    }

    if (size != 0) {
        memcpy(buf, data, size);
    }

    memset(&spec, 0xa5, sizeof(ngx_http_overlay_spec_t));
    memset(&err, 0, sizeof(ngx_http_overlay_error_t));
    err.code = FUZZ_RC_UNSET;
    repairs = 0xdeadbeef;

    rc = ngx_http_overlay_parse_value(buf, size, &opts, NULL, &spec,
                                      &repairs, &err);

    last_rc = rc;
    last_err = err;

    FUZZ_CHECK((repairs & ~FUZZ_REPAIRS_ALL) == 0);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        fuzz_check_spec(&spec, buf, size);
        fuzz_round_trip(&spec);

    } else {
        FUZZ_CHECK(rc == NGX_HTTP_OVERLAY_BAD_ENCODING
                   || rc == NGX_HTTP_OVERLAY_TOO_LARGE
                   || rc == NGX_HTTP_OVERLAY_BAD_JSON
                   || rc == NGX_HTTP_OVERLAY_BAD_SPEC);
        FUZZ_CHECK(spec.nlayers == 0);
        fuzz_check_error(rc, &err);
    }

    free(buf);

    return 0;
}


static void
fuzz_check_spec(const ngx_http_overlay_spec_t *spec,
    const unsigned char *buf, size_t size)
{
    unsigned                         i, j;
    const ngx_http_overlay_layer_t  *l, *m;

    FUZZ_CHECK(spec->nlayers >= 1);
    FUZZ_CHECK(spec->nlayers <= opts.spec.max_layers);
    FUZZ_CHECK(spec->nlayers <= NGX_HTTP_OVERLAY_LAYERS_LIMIT);

    for (i = 0; i < spec->nlayers; i++) {
        l = &spec->layers[i];

        fuzz_check_layer(l);

        /* the texts point into the caller's buffer, NUL included */

        FUZZ_CHECK((const unsigned char *) l->text >= buf);
        FUZZ_CHECK((const unsigned char *) l->text + l->len < buf + size);

        for (j = 0; j < i; j++) {
            m = &spec->layers[j];

            FUZZ_CHECK(l->text + l->len < m->text
                       || m->text + m->len < l->text);
        }
    }
}


static void
fuzz_check_layer(const ngx_http_overlay_layer_t *l)
{
    size_t  chars;

    /* no overlay_asset in the default options: no image layer can pass */

    FUZZ_CHECK(l->type == NGX_HTTP_OVERLAY_LAYER_TEXT);
    FUZZ_CHECK((unsigned) l->style <= NGX_HTTP_OVERLAY_STYLE_PLAIN);
    FUZZ_CHECK((unsigned) l->position <= NGX_HTTP_OVERLAY_BOTTOM_RIGHT);
    FUZZ_CHECK(l->font < opts.spec.nfonts);

    if (l->style == NGX_HTTP_OVERLAY_STYLE_RIBBON) {
        FUZZ_CHECK(l->position == NGX_HTTP_OVERLAY_TOP_LEFT
                   || l->position == NGX_HTTP_OVERLAY_TOP_RIGHT
                   || l->position == NGX_HTTP_OVERLAY_BOTTOM_LEFT
                   || l->position == NGX_HTTP_OVERLAY_BOTTOM_RIGHT);
    }

    /* the ranges table of ngx_http_overlay_spec.c, inclusive */

    fuzz_check_number(l->margin, 0.0, 0.5);
    fuzz_check_number(l->size, 0.01, 0.5);
    fuzz_check_number(l->scale, 0.01, 1.0);
    fuzz_check_number(l->opacity, 0.0, 1.0);

    FUZZ_CHECK(l->text != NULL);
    FUZZ_CHECK(l->len > 0);
    FUZZ_CHECK(l->text[l->len] == '\0');
    FUZZ_CHECK(strlen(l->text) == l->len);

    chars = fuzz_utf8_chars((const unsigned char *) l->text, l->len);

    FUZZ_CHECK(chars >= 1);
    FUZZ_CHECK(chars <= opts.spec.max_text);
}


/* the characters of strict UTF-8 (RFC 3629) without C0 or DEL; aborts */

static size_t
fuzz_utf8_chars(const unsigned char *s, size_t len)
{
    size_t    i, n, k, chars;
    uint32_t  cp, min;

    chars = 0;

    for (i = 0; i < len; i += n) {

        if (s[i] < 0x80) {
            FUZZ_CHECK(s[i] >= 0x20 && s[i] != 0x7f);
            n = 1;
            chars++;
            continue;
        }

        if ((s[i] & 0xe0) == 0xc0) {
            n = 2;
            cp = s[i] & 0x1f;
            min = 0x80;

        } else if ((s[i] & 0xf0) == 0xe0) {
            n = 3;
            cp = s[i] & 0x0f;
            min = 0x800;

        } else if ((s[i] & 0xf8) == 0xf0) {
            n = 4;
            cp = s[i] & 0x07;
            min = 0x10000;

        } else {
            fuzz_fail(__FILE__, __LINE__, "UTF-8: a bad lead byte");
            return 0;
        }

        FUZZ_CHECK(i + n <= len);

        for (k = 1; k < n; k++) {
            FUZZ_CHECK((s[i + k] & 0xc0) == 0x80);
            cp = cp << 6 | (s[i + k] & 0x3f);
        }

        FUZZ_CHECK(cp >= min);                      /* overlong */
        FUZZ_CHECK(cp <= 0x10ffff);
        FUZZ_CHECK(cp < 0xd800 || cp > 0xdfff);     /* surrogate */

        chars++;
    }

    return chars;
}


static void
fuzz_check_number(double v, double min, double max)
{
    FUZZ_CHECK(!isnan(v));
    FUZZ_CHECK(v >= min);
    FUZZ_CHECK(v <= max);
}


/*
 * The dump is a spec in its own right, with every field given: parsed as
 * JSON (not as a parameter value, which would percent-decode the texts) it
 * must give the same spec, up to the dump's 6 digits, and the same dump.
 */

static void
fuzz_round_trip(const ngx_http_overlay_spec_t *spec)
{
    char                            *dump, *again;
    size_t                           len;
    unsigned                         i;
    unsigned char                   *json;
    ngx_http_overlay_rc_e            rc;
    ngx_http_overlay_spec_t          back;
    ngx_http_overlay_error_t         err;
    const ngx_http_overlay_layer_t  *a, *b;

    dump = ngx_http_overlay_spec_dump(spec, &opts.spec);
    FUZZ_CHECK(dump != NULL);

    len = strlen(dump);

    json = malloc(len);
    FUZZ_CHECK(json != NULL);
    memcpy(json, dump, len);

    memset(&err, 0, sizeof(ngx_http_overlay_error_t));

    rc = ngx_http_overlay_spec_parse(json, len, &opts.spec, &back, &err);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "dump %s refused: %s\n", dump, err.msg);
        fuzz_fail(__FILE__, __LINE__, "the dump of a spec parses");
    }

    FUZZ_CHECK(back.nlayers == spec->nlayers);

    for (i = 0; i < spec->nlayers; i++) {
        a = &spec->layers[i];
        b = &back.layers[i];

        fuzz_check_layer(b);

        FUZZ_CHECK(a->type == b->type);
        FUZZ_CHECK(a->style == b->style);
        FUZZ_CHECK(a->position == b->position);
        FUZZ_CHECK(a->font == b->font);
        FUZZ_CHECK(memcmp(&a->color, &b->color,
                          sizeof(ngx_http_overlay_color_t)) == 0);
        FUZZ_CHECK(memcmp(&a->background, &b->background,
                          sizeof(ngx_http_overlay_color_t)) == 0);
        FUZZ_CHECK(fuzz_same_number(a->margin, b->margin));
        FUZZ_CHECK(fuzz_same_number(a->size, b->size));
        FUZZ_CHECK(fuzz_same_number(a->opacity, b->opacity));
        FUZZ_CHECK(a->len == b->len);
        FUZZ_CHECK(memcmp(a->text, b->text, a->len) == 0);
    }

    again = ngx_http_overlay_spec_dump(&back, &opts.spec);
    FUZZ_CHECK(again != NULL);

    if (strcmp(dump, again) != 0) {
        fprintf(stderr, "dump:  %s\nagain: %s\n", dump, again);
        fuzz_fail(__FILE__, __LINE__,
                  "the dump of the dump's spec is the dump");
    }

    free(again);
    free(json);
    free(dump);
}


/* equal to the 6 significant digits of JSON_REAL_PRECISION(6) */

static int
fuzz_same_number(double a, double b)
{
    return fabs(a - b) <= 1e-5 * fmax(fabs(a), 1e-3);
}
