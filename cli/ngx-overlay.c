
/*
 * ngx-overlay: the module's core on the command line.
 *
 *   ngx-overlay inspect [--font NAME=PATH[,PATH...]]... [--now INSTANT]
 *                       VALUE
 *                                    decode a parameter value as the module
 *                                    does; print the spec and each text's
 *                                    runs (script, direction, font), which
 *                                    layers are drawn at INSTANT (now) and
 *                                    when that changes; or the reason
 *   ngx-overlay encode [--font NAME=PATH[,PATH...]]...
 *                      [--key-file F --uri PATH] JSON
 *                                    validate a spec; print its value, or
 *                                    the signed query string
 *   ngx-overlay probe IMAGE          print the format and the dimensions
 *   ngx-overlay render [--font NAME=PATH[,PATH...]]... [--asset NAME=PATH]...
 *                      [--quality N] [--webp-quality N] [--png-reduce]
 *                      [--now INSTANT] [--stats]
 *                      IN JSON OUT
 *                                    composite offline, as the module does;
 *                                    --quality: overlay_jpeg_quality;
 *                                    --webp-quality: overlay_webp_quality;
 *                                    --png-reduce: overlay_png_reduce on;
 *                                    --stats: its path ($overlay_method),
 *                                    time and peak memory
 *
 * Exit status: 0 on success, 1 when the input is refused (the reason is
 * printed), 2 on a usage or system error.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <jansson.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_file.h"
#include "ngx_http_overlay_runs.h"


#define NGX_OVERLAY_CLI_MAX_FILE  (256 * 1024 * 1024)
#define NGX_OVERLAY_CLI_NAMES     16


/* the fonts of --font NAME=PATH[,PATH...], "default" first */
typedef struct {
    const char                     *names[NGX_OVERLAY_CLI_NAMES];
    const char                     *paths[NGX_OVERLAY_CLI_NAMES];
    unsigned                        n;
} ngx_overlay_cli_fonts_t;


static int ngx_overlay_cli_inspect(int argc, char **argv);
static int ngx_overlay_cli_runs(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts);
static int ngx_overlay_cli_now(const char *arg, int64_t *now);
static void ngx_overlay_cli_window(const ngx_http_overlay_spec_t *spec,
    int64_t now);
static int ngx_overlay_cli_fonts_init(ngx_overlay_cli_fonts_t *fonts);
static int ngx_overlay_cli_fonts_load(ngx_overlay_cli_fonts_t *fonts,
    ngx_http_overlay_options_t *opts);
static int ngx_overlay_cli_encode(int argc, char **argv);
static int ngx_overlay_cli_first_key(const char *path, char *key,
    size_t size);
static int ngx_overlay_cli_probe(const char *path);
static int ngx_overlay_cli_render(int argc, char **argv);
static int ngx_overlay_cli_chain(const char *chain,
    ngx_http_overlay_error_t *err);
static char *ngx_overlay_cli_copy(const char *s);
static int ngx_overlay_cli_named(const char *arg, const char **names,
    const char **paths, unsigned *n);
static int ngx_overlay_cli_refused(const ngx_http_overlay_error_t *err);
static unsigned char *ngx_overlay_cli_read(const char *path, size_t *len);
static long ngx_overlay_cli_rss_kb(void);
static double ngx_overlay_cli_ms(void);
static int ngx_overlay_cli_usage(void);


/* the NAME=PATH arguments, copied to be cut in two; freed at the end */
static char      *ngx_overlay_cli_copies[2 * NGX_OVERLAY_CLI_NAMES + 1];
static unsigned   ngx_overlay_cli_ncopies;


int
main(int argc, char **argv)
{
    ngx_http_overlay_core_init();

    if (argc >= 3 && strcmp(argv[1], "inspect") == 0) {
        return ngx_overlay_cli_inspect(argc - 2, argv + 2);
    }

    if (argc >= 3 && strcmp(argv[1], "encode") == 0) {
        return ngx_overlay_cli_encode(argc - 2, argv + 2);
    }

    if (argc == 3 && strcmp(argv[1], "probe") == 0) {
        return ngx_overlay_cli_probe(argv[2]);
    }

    if (argc >= 5 && strcmp(argv[1], "render") == 0) {
        return ngx_overlay_cli_render(argc - 2, argv + 2);
    }

    return ngx_overlay_cli_usage();
}


static int
ngx_overlay_cli_inspect(int argc, char **argv)
{
    int                         i, rc;
    char                       *dump, repaired[128];
    size_t                      len;
    unsigned                    repairs;
    int64_t                     now;
    const char                 *value;
    unsigned char              *buf;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;
    ngx_overlay_cli_fonts_t     fonts;

    ngx_http_overlay_options_init(&opts);

    if (ngx_overlay_cli_fonts_init(&fonts) != 0) {
        return 2;
    }

    now = (int64_t) time(NULL);

    for (i = 0; i < argc - 1; i++) {
        if (strcmp(argv[i], "--now") == 0 && i + 1 < argc - 1) {
            if (ngx_overlay_cli_now(argv[++i], &now) != 0) {
                return 2;
            }

            continue;
        }

        if (strcmp(argv[i], "--font") != 0 || i + 1 >= argc - 1
            || ngx_overlay_cli_named(argv[++i], fonts.names, fonts.paths,
                                     &fonts.n)
               != 0)
        {
            return ngx_overlay_cli_usage();
        }
    }

    if (ngx_overlay_cli_fonts_load(&fonts, &opts) != 0) {
        return 2;
    }

    value = argv[argc - 1];
    len = strlen(value);
    buf = malloc(len + 1);
    if (buf == NULL) {
        return 2;
    }

    memcpy(buf, value, len);

    if (ngx_http_overlay_parse_value(buf, len, &opts, NULL, &spec, &repairs,
                                     &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        rc = ngx_overlay_cli_refused(&err);
        free(buf);
        return rc;
    }

    if (repairs) {
        printf("repaired: %s\n",
               ngx_http_overlay_repairs_text(repaired, sizeof(repaired),
                                             repairs));
    }

    dump = ngx_http_overlay_spec_dump(&spec, &opts.spec);

    if (dump != NULL) {
        printf("%s\n", dump);
        free(dump);
    }

    rc = ngx_overlay_cli_runs(&spec, &opts);

    if (rc == 0) {
        ngx_overlay_cli_window(&spec, now);
    }

    free(buf);

    return rc;
}


/*
 * Each text's runs, in logical order, as the module draws them:
 *
 *   layers[0].text: paragraph rtl, 2 runs
 *     Arab rtl  /usr/share/fonts/.../DejaVuSans-Bold.ttf  "..."
 *
 * 1 when a text has a character no font of its chain has (the reason
 * printed as for a refused value).
 */

static int
ngx_overlay_cli_runs(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts)
{
    int                              rtl;
    char                             path[4096];
    size_t                           i, n, len;
    unsigned                         l, k;
    const char                      *chain, *p;
    ngx_http_overlay_error_t         err;
    ngx_http_overlay_run_t           runs[64];
    const ngx_http_overlay_layer_t  *layer;

    for (l = 0; l < spec->nlayers; l++) {
        layer = &spec->layers[l];

        if (layer->type != NGX_HTTP_OVERLAY_LAYER_TEXT
            || layer->font >= opts->render.nfonts)
        {
            continue;
        }

        chain = opts->render.fonts[layer->font];
        rtl = ngx_http_overlay_text_rtl(layer->text, layer->len,
                                        layer->direction);

        if (ngx_http_overlay_text_runs(chain, layer->text, layer->len, rtl,
                                       runs, 64, &n, &err)
            != NGX_HTTP_OVERLAY_OK)
        {
            if (err.code == NGX_HTTP_OVERLAY_BAD_SPEC) {

                /* named as the module names it: the chain's name */

                p = strstr(err.msg, "the chain");
                printf("%s: layers[%u].text: %.*s\"%s\"\n",
                       ngx_http_overlay_reason(err.code), l,
                       p != NULL ? (int) (p - err.msg) : (int) strlen(err.msg),
                       err.msg, opts->render.font_names[layer->font]);
                return 1;
            }

            fprintf(stderr, "ngx-overlay: %s\n", err.msg);
            return 2;
        }

        printf("layers[%u].text: paragraph %s, %zu run%s\n", l,
               rtl ? "rtl" : "ltr", n, n == 1 ? "" : "s");

        for (i = 0; i < n && i < 64; i++) {

            /* the run's font: the chain's path of that index */

            p = chain;

            for (k = 0; k < runs[i].font && strchr(p, ';') != NULL; k++) {
                p = strchr(p, ';') + 1;
            }

            len = strchr(p, ';') != NULL ? (size_t) (strchr(p, ';') - p)
                                         : strlen(p);
            len = len < sizeof(path) ? len : sizeof(path) - 1;
            memcpy(path, p, len);
            path[len] = '\0';

            printf("  %s %s  %s  \"%.*s\"\n", runs[i].script,
                   runs[i].rtl ? "rtl" : "ltr", path, (int) runs[i].len,
                   layer->text + runs[i].start);
        }
    }

    return 0;
}


/* --now INSTANT: an RFC 3339 instant */

static int
ngx_overlay_cli_now(const char *arg, int64_t *now)
{
    int  offset;

    if (ngx_http_overlay_instant_parse(arg, strlen(arg), now, &offset) != 0) {
        fprintf(stderr, "ngx-overlay: --now \"%s\" is not an RFC 3339 "
                "instant with an offset, as 2026-12-31T23:59:59Z\n", arg);
        return -1;
    }

    return 0;
}


/*
 * Which layers are drawn at now, and when the drawing next changes; for a
 * spec with a window only:
 *
 *   at 2026-12-20T12:00:00Z: layers[0] drawn, layers[1] pending
 *   the drawing next changes at 2026-12-24T12:00:00Z, in 345600 s
 */

static void
ngx_overlay_cli_window(const ngx_http_overlay_spec_t *spec, int64_t now)
{
    char                     at[NGX_HTTP_OVERLAY_INSTANT_LEN], buf[4096];
    int64_t                  next, first;
    unsigned                 i, timed;
    ngx_http_overlay_spec_t  one;
    ngx_http_overlay_when_e  when;

    timed = 0;
    first = 0;

    for (i = 0; i < spec->nlayers; i++) {
        timed |= spec->layers[i].window;
    }

    if (!(timed & (NGX_HTTP_OVERLAY_HAS_FROM | NGX_HTTP_OVERLAY_HAS_UNTIL))) {
        return;
    }

    ngx_http_overlay_instant_format(now, 0, at);
    printf("at %s:", at);

    for (i = 0; i < spec->nlayers; i++) {
        one.layers[0] = spec->layers[i];
        one.nlayers = 1;

        when = ngx_http_overlay_spec_at(&one, now, &one, buf, sizeof(buf),
                                        &next);

        printf("%s layers[%u] %s", i ? "," : "", i,
               when == NGX_HTTP_OVERLAY_WINDOW_PENDING ? "pending"
               : when == NGX_HTTP_OVERLAY_WINDOW_EXPIRED ? "expired"
               : "drawn");

        if (next != 0 && (first == 0 || next < first)) {
            first = next;
        }
    }

    if (first == 0) {
        printf("\nthe drawing does not change any more\n");
        return;
    }

    ngx_http_overlay_instant_format(first, 0, at);
    printf("\nthe drawing next changes at %s, in %lld s\n", at,
           (long long) (first - now));
}


/* the fonts: "default" first, NGX_OVERLAY_FONT's chain or the built-in */

static int
ngx_overlay_cli_fonts_init(ngx_overlay_cli_fonts_t *fonts)
{
    const char  *font;

    font = getenv("NGX_OVERLAY_FONT");

    if (font != NULL) {

        /* a chain as --font takes it, in a copy of ours */

        font = ngx_overlay_cli_copy(font);
        if (font == NULL) {
            return -1;
        }
    }

    fonts->names[0] = "default";
    fonts->paths[0] = font != NULL ? font : NGX_HTTP_OVERLAY_DEFAULT_FONT;
    fonts->n = 1;

    return 0;
}


/* each font's chain checked as nginx -t checks it, then named in opts */

static int
ngx_overlay_cli_fonts_load(ngx_overlay_cli_fonts_t *fonts,
    ngx_http_overlay_options_t *opts)
{
    unsigned                  n;
    ngx_http_overlay_error_t  err;

    for (n = 0; n < fonts->n; n++) {
        if (ngx_overlay_cli_chain(fonts->paths[n], &err) != 0) {
            fprintf(stderr, "ngx-overlay: font \"%s\": %s\n",
                    fonts->paths[n], err.msg);
            return -1;
        }
    }

    for (n = 0; n < fonts->n; n++) {
        if (ngx_http_overlay_options_add_font(opts, fonts->names[n],
                                              fonts->paths[n])
            != NGX_HTTP_OVERLAY_OK)
        {
            return -1;
        }
    }

    return 0;
}


static int
ngx_overlay_cli_encode(int argc, char **argv)
{
    int                         rc, a;
    char                        key[1024], sig[NGX_HTTP_OVERLAY_SIG_LEN + 1];
    const char                 *json, *key_file, *uri;
    ngx_http_overlay_key_t      k;
    size_t                      i, len;
    unsigned                    acc, bits;
    unsigned char              *buf;
    const unsigned char        *p;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;
    ngx_overlay_cli_fonts_t     fonts;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    key_file = NULL;
    uri = NULL;

    if (ngx_overlay_cli_fonts_init(&fonts) != 0) {
        return 2;
    }

    for (a = 0; a < argc - 1; a++) {
        if (strcmp(argv[a], "--key-file") == 0 && a + 1 < argc - 1) {
            key_file = argv[++a];

        } else if (strcmp(argv[a], "--uri") == 0 && a + 1 < argc - 1) {
            uri = argv[++a];

        } else if (strcmp(argv[a], "--font") == 0 && a + 1 < argc - 1) {

            /* the names a spec may give "font" */

            if (ngx_overlay_cli_named(argv[++a], fonts.names, fonts.paths,
                                      &fonts.n)
                != 0)
            {
                return 2;
            }

        } else {
            return ngx_overlay_cli_usage();
        }
    }

    if ((key_file == NULL) != (uri == NULL)) {
        return ngx_overlay_cli_usage();
    }

    json = argv[argc - 1];

    ngx_http_overlay_options_init(&opts);

    if (ngx_overlay_cli_fonts_load(&fonts, &opts) != 0) {
        return 2;
    }

    p = (const unsigned char *) json;
    len = strlen(json);

    if (len > opts.max_param) {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "%zu bytes, more than %zu", len,
                                      opts.max_param);
        return ngx_overlay_cli_refused(&err);
    }

    /* validated on a copy: parsing reuses the buffer */

    buf = malloc(len + 1);
    if (buf == NULL) {
        return 2;
    }

    memcpy(buf, json, len);

    rc = ngx_http_overlay_spec_parse(buf, len, &opts.spec, &spec, &err);
    free(buf);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return ngx_overlay_cli_refused(&err);
    }

    /* base64url, unpadded; signed: as a query string */

    if (key_file != NULL) {
        if (ngx_overlay_cli_first_key(key_file, key, sizeof(key)) != 0) {
            return 2;
        }

        k.data = (const unsigned char *) key;
        k.len = strlen(key);

        ngx_http_overlay_sign(&k, (const unsigned char *) uri, strlen(uri),
                              p, len, sig);

        fputs("overlay=", stdout);
    }

    acc = 0;
    bits = 0;

    for (i = 0; i < len; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;

        while (bits >= 6) {
            bits -= 6;
            putchar(alphabet[(acc >> bits) & 0x3f]);
        }

        acc &= (1u << bits) - 1;
    }

    if (bits > 0) {
        putchar(alphabet[(acc << (6 - bits)) & 0x3f]);
    }

    if (key_file != NULL) {
        printf("&sig=%s", sig);
    }

    putchar('\n');

    return 0;
}


/* the key to sign with: the first of the file, as the module reads it */

static int
ngx_overlay_cli_first_key(const char *path, char *key, size_t size)
{
    FILE    *f;
    char    *start, *end, line[1024];

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "ngx-overlay: %s: %s\n", path, strerror(errno));
        return -1;
    }

    while (fgets(line, sizeof(line), f) != NULL) {
        start = line;

        while (*start == ' ' || *start == '\t') {
            start++;
        }

        end = start + strlen(start);

        while (end > start && (end[-1] == '\n' || end[-1] == '\r'
                               || end[-1] == ' ' || end[-1] == '\t'))
        {
            *--end = '\0';
        }

        if (*start == '\0' || *start == '#') {
            continue;
        }

        fclose(f);

        if (strlen(start) < 16 || strlen(start) >= size) {
            fprintf(stderr, "ngx-overlay: %s: the first key is shorter "
                    "than 16 bytes or too long\n", path);
            return -1;
        }

        strcpy(key, start);

        return 0;
    }

    fclose(f);
    fprintf(stderr, "ngx-overlay: %s: no key\n", path);

    return -1;
}


static int
ngx_overlay_cli_probe(const char *path)
{
    size_t                          len;
    unsigned char                  *data;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    data = ngx_overlay_cli_read(path, &len);
    if (data == NULL) {
        return 2;
    }

    ngx_http_overlay_options_init(&opts);

    if (ngx_http_overlay_codec_probe(data, len, &opts.codec, &info, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        free(data);
        return ngx_overlay_cli_refused(&err);
    }

    printf("%s %ux%u\n", ngx_http_overlay_format_name(info.format),
           info.width, info.height);

    free(data);

    return 0;
}


static int
ngx_overlay_cli_render(int argc, char **argv)
{
    int                             i, rc, q, quality, wquality, stats;
    int                             reduce;
    long                            rss;
    double                          ms;
    FILE                           *f;
    struct rusage                   ru;
    size_t                          len, jlen;
    unsigned                        n, nassets, loaded;
    const char                     *in, *json, *out;
    const char                     *asset_names[NGX_OVERLAY_CLI_NAMES];
    const char                     *asset_paths[NGX_OVERLAY_CLI_NAMES];
    ngx_http_overlay_asset_t       *assets[NGX_OVERLAY_CLI_NAMES];
    unsigned char                  *data, *jbuf;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;
    ngx_overlay_cli_fonts_t         fonts;
    char                           *tbuf;
    size_t                          tlen;
    int64_t                         now, next;
    ngx_http_overlay_when_e         when;

    ngx_http_overlay_options_init(&opts);

    if (ngx_overlay_cli_fonts_init(&fonts) != 0) {
        return 2;
    }

    now = (int64_t) time(NULL);
    tbuf = NULL;
    nassets = 0;
    quality = 0;
    wquality = 0;
    stats = 0;
    reduce = 0;

    for (i = 0; i < argc - 3; i++) {

        if (strcmp(argv[i], "--stats") == 0) {
            stats = 1;
            continue;
        }

        if (strcmp(argv[i], "--png-reduce") == 0) {
            reduce = 1;
            continue;
        }

        if (strcmp(argv[i], "--font") == 0 && i + 1 < argc - 3) {
            if (ngx_overlay_cli_named(argv[++i], fonts.names, fonts.paths,
                                      &fonts.n)
                != 0)
            {
                return 2;
            }

        } else if (strcmp(argv[i], "--asset") == 0 && i + 1 < argc - 3) {
            if (ngx_overlay_cli_named(argv[++i], asset_names, asset_paths,
                                      &nassets)
                != 0)
            {
                return 2;
            }

        } else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc - 3) {
            if (ngx_overlay_cli_now(argv[++i], &now) != 0) {
                return 2;
            }

        } else if ((strcmp(argv[i], "--quality") == 0
                    || strcmp(argv[i], "--webp-quality") == 0)
                   && i + 1 < argc - 3)
        {
            q = atoi(argv[i + 1]);

            if (q < 1 || q > 100) {
                fprintf(stderr, "ngx-overlay: %s is 1 to 100\n", argv[i]);
                return 2;
            }

            if (argv[i][2] == 'q') {
                quality = q;
            } else {
                wquality = q;
            }

            i++;

        } else {
            return ngx_overlay_cli_usage();
        }
    }

    in = argv[argc - 3];
    json = argv[argc - 2];
    out = argv[argc - 1];

    rc = 0;
    data = NULL;
    jbuf = NULL;
    loaded = 0;

    if (ngx_overlay_cli_fonts_load(&fonts, &opts) != 0) {
        nassets = 0;
        rc = 2;
        goto done;
    }

    for (n = 0; n < nassets; n++) {
        data = ngx_overlay_cli_read(asset_paths[n], &len);
        if (data == NULL) {
            rc = 2;
            goto done;
        }

        assets[n] = ngx_http_overlay_asset_decode(data, len, &err);
        free(data);
        data = NULL;

        if (assets[n] == NULL) {
            fprintf(stderr, "ngx-overlay: asset \"%s\": %s\n",
                    asset_paths[n], err.msg);
            rc = 2;
            goto done;
        }

        loaded++;
    }

    for (n = 0; n < nassets; n++) {
        if (ngx_http_overlay_options_add_asset(&opts, asset_names[n],
                                               assets[n])
            != NGX_HTTP_OVERLAY_OK)
        {
            rc = 2;
            goto done;
        }
    }

    opts.codec.jpeg_quality = quality;
    opts.codec.webp_quality = wquality;
    opts.codec.png_reduce = reduce;

    jlen = strlen(json);
    jbuf = malloc(jlen + 1);
    if (jbuf == NULL) {
        rc = 2;
        goto done;
    }

    memcpy(jbuf, json, jlen);

    if (ngx_http_overlay_spec_parse(jbuf, jlen, &opts.spec, &spec, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        rc = ngx_overlay_cli_refused(&err);
        goto done;
    }

    data = ngx_overlay_cli_read(in, &len);
    if (data == NULL) {
        rc = 2;
        goto done;
    }

    /* the spec as drawn at --now (or now), as the module draws it */

    tlen = ngx_http_overlay_spec_at_size(&spec);

    tbuf = malloc(tlen + 1);
    if (tbuf == NULL) {
        rc = 2;
        goto done;
    }

    when = ngx_http_overlay_spec_at(&spec, now, &spec, tbuf, tlen, &next);

    rss = ngx_overlay_cli_rss_kb();
    ms = ngx_overlay_cli_ms();

    if (when == NGX_HTTP_OVERLAY_WINDOW_PENDING
        || when == NGX_HTTP_OVERLAY_WINDOW_EXPIRED)
    {
        /* no layer now: the original, as the module sends it */

        printf("%s: no layer is drawn at this time, the original is "
               "written\n", when == NGX_HTTP_OVERLAY_WINDOW_PENDING
                            ? "pending" : "expired");

        blob.data = malloc(len);
        if (blob.data == NULL) {
            rc = 2;
            goto done;
        }

        memcpy(blob.data, data, len);
        blob.len = len;
        blob.free = free;
        blob.method = NGX_HTTP_OVERLAY_METHOD_NONE;
        info.width = 0;
        info.height = 0;
        info.format = NGX_HTTP_OVERLAY_FORMAT_NONE;

    } else if (ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                          &blob, &err)
               != NGX_HTTP_OVERLAY_OK)
    {
        rc = ngx_overlay_cli_refused(&err);
        goto done;
    }

    if (stats && getrusage(RUSAGE_SELF, &ru) == 0) {

        /* the peak over the resident size with the input read */

        fprintf(stderr, "render: %ux%u %s by %s, %.2f ms, peak memory "
                "%ld kB, decoded size %lu kB\n", info.width, info.height,
                ngx_http_overlay_format_name(info.format),
                blob.method != NGX_HTTP_OVERLAY_METHOD_NONE
                ? ngx_http_overlay_method_name(blob.method) : "none",
                ngx_overlay_cli_ms() - ms, ru.ru_maxrss - rss,
                (unsigned long) info.width * info.height * 3 / 1024);
    }

    f = fopen(out, "wb");

    if (f == NULL || fwrite(blob.data, 1, blob.len, f) != blob.len) {
        fprintf(stderr, "ngx-overlay: %s: %s\n", out, strerror(errno));
        rc = 2;
    }

    if (f != NULL && fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "ngx-overlay: %s: %s\n", out, strerror(errno));
        rc = 2;
    }

    ngx_http_overlay_codec_free(&blob);

done:

    free(data);
    free(jbuf);
    free(tbuf);

    for (n = 0; n < loaded; n++) {
        ngx_http_overlay_asset_free(assets[n]);
    }

    ngx_http_overlay_options_free(&opts);

    for (n = 0; n < ngx_overlay_cli_ncopies; n++) {
        free(ngx_overlay_cli_copies[n]);
    }

    ngx_http_overlay_core_shutdown();

    return rc;
}


/*
 * A font of --font NAME=PATH[,PATH...]: a fallback chain, given to the core
 * as its paths joined by ";" (ngx_http_overlay_core.h), as overlay_font
 * gives it; each path checked as nginx -t checks it.  Turns the commas of
 * chain into ";" in place.
 */

static int
ngx_overlay_cli_chain(const char *chain, ngx_http_overlay_error_t *err)
{
    char        path[4096];
    size_t      len;
    unsigned    n;
    const char *p, *end;

    n = 0;

    for (p = chain; /* void */; p = end + 1) {
        end = strchr(p, ';');
        len = end != NULL ? (size_t) (end - p) : strlen(p);

        if (++n > NGX_HTTP_OVERLAY_CHAIN_MAX || len == 0
            || len >= sizeof(path))
        {
            (void) ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                          "not a chain of 1 to %d paths",
                                          NGX_HTTP_OVERLAY_CHAIN_MAX);
            return -1;
        }

        memcpy(path, p, len);
        path[len] = '\0';

        if (ngx_http_overlay_font_check(path, err) != NGX_HTTP_OVERLAY_OK) {
            return -1;
        }

        if (end == NULL) {
            return 0;
        }
    }
}


static int
ngx_overlay_cli_named(const char *arg, const char **names,
    const char **paths, unsigned *n)
{
    char        *copy, *eq;
    unsigned     i;

    eq = strchr(arg, '=');

    if (eq == NULL || eq == arg || eq[1] == '\0'
        || *n >= NGX_OVERLAY_CLI_NAMES
        || ngx_overlay_cli_ncopies >= 2 * NGX_OVERLAY_CLI_NAMES)
    {
        fprintf(stderr, "ngx-overlay: \"%s\" is not NAME=PATH\n", arg);
        return -1;
    }

    copy = ngx_overlay_cli_copy(arg);
    if (copy == NULL) {
        return -1;
    }

    eq = copy + (eq - arg);
    *eq = '\0';

    /* NAME=PATH replaces an earlier NAME, "default" included */

    for (i = 0; i < *n; i++) {
        if (strcmp(names[i], copy) == 0) {
            names[i] = copy;
            paths[i] = eq + 1;
            return 0;
        }
    }

    names[*n] = copy;
    paths[*n] = eq + 1;
    (*n)++;

    return 0;
}


/*
 * A copy of s, freed at the end, with the commas of a chain
 * (PATH,PATH...) made the core's separator, ";"
 */

static char *
ngx_overlay_cli_copy(const char *s)
{
    char  *copy, *p;

    if (ngx_overlay_cli_ncopies >= 2 * NGX_OVERLAY_CLI_NAMES + 1) {
        return NULL;
    }

    copy = strdup(s);
    if (copy == NULL) {
        return NULL;
    }

    ngx_overlay_cli_copies[ngx_overlay_cli_ncopies++] = copy;

    for (p = copy; *p != '\0'; p++) {
        if (*p == ',') {
            *p = ';';
        }
    }

    return copy;
}


static int
ngx_overlay_cli_refused(const ngx_http_overlay_error_t *err)
{
    printf("%s: %s\n", ngx_http_overlay_reason(err->code), err->msg);

    return 1;
}


static unsigned char *
ngx_overlay_cli_read(const char *path, size_t *len)
{
    unsigned char             *data;
    ngx_http_overlay_error_t   err;

    data = ngx_http_overlay_file_read(path, NGX_OVERLAY_CLI_MAX_FILE, len,
                                      &err);
    if (data == NULL) {
        fprintf(stderr, "ngx-overlay: %s: %s\n", path, err.msg);
    }

    return data;
}


/* the resident set size now, from /proc/self/status */

static long
ngx_overlay_cli_rss_kb(void)
{
    long   kb;
    char   line[128];
    FILE  *f;

    kb = 0;
    f = fopen("/proc/self/status", "r");

    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) {
            break;
        }
    }

    if (f != NULL) {
        fclose(f);
    }

    return kb;
}


static double
ngx_overlay_cli_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}


static int
ngx_overlay_cli_usage(void)
{
    fprintf(stderr,
            "usage: ngx-overlay inspect [--font NAME=PATH[,PATH...]]... "
            "[--now INSTANT] VALUE\n"
            "       ngx-overlay encode [--font NAME=PATH[,PATH...]]... "
            "[--key-file FILE --uri PATH] JSON\n"
            "       ngx-overlay probe IMAGE\n"
            "       ngx-overlay render [--font NAME=PATH[,PATH...]]... "
            "[--asset NAME=PATH]...\n"
            "                          [--quality N] [--webp-quality N] "
            "[--png-reduce]\n"
            "                          [--now INSTANT] [--stats] IN JSON OUT\n"
            "environment: NGX_OVERLAY_FONT=PATH[,PATH...] (inspect, "
            "render; default %s)\n",
            NGX_HTTP_OVERLAY_DEFAULT_FONT);

    return 2;
}
