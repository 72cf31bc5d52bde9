
/*
 * ngx-overlay: the module's core on the command line.
 *
 *   ngx-overlay inspect VALUE        decode a parameter value as the module
 *                                    does; print the spec or the reason
 *   ngx-overlay encode JSON          validate a spec; print its value
 *   ngx-overlay probe IMAGE          print the format and the dimensions
 *   ngx-overlay render IN JSON OUT   composite offline, as the module does
 *
 * Exit status: 0 on success, 1 when the input is refused (the reason is
 * printed), 2 on a usage or system error.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_http_overlay_core.h"


#define NGX_OVERLAY_CLI_MAX_FILE  (256 * 1024 * 1024)


static int ngx_overlay_cli_inspect(const char *value);
static int ngx_overlay_cli_encode(const char *json);
static int ngx_overlay_cli_probe(const char *path);
static int ngx_overlay_cli_render(const char *in, const char *json,
    const char *out);
static void ngx_overlay_cli_print_spec(const ngx_http_overlay_spec_t *spec);
static int ngx_overlay_cli_refused(const ngx_http_overlay_error_t *err);
static unsigned char *ngx_overlay_cli_read(const char *path, size_t *len);
static int ngx_overlay_cli_usage(void);


int
main(int argc, char **argv)
{
    ngx_http_overlay_render_init();

    if (argc == 3 && strcmp(argv[1], "inspect") == 0) {
        return ngx_overlay_cli_inspect(argv[2]);
    }

    if (argc == 3 && strcmp(argv[1], "encode") == 0) {
        return ngx_overlay_cli_encode(argv[2]);
    }

    if (argc == 3 && strcmp(argv[1], "probe") == 0) {
        return ngx_overlay_cli_probe(argv[2]);
    }

    if (argc == 5 && strcmp(argv[1], "render") == 0) {
        return ngx_overlay_cli_render(argv[2], argv[3], argv[4]);
    }

    return ngx_overlay_cli_usage();
}


static int
ngx_overlay_cli_inspect(const char *value)
{
    ngx_http_overlay_spec_t   spec;
    ngx_http_overlay_error_t  err;

    if (ngx_http_overlay_parse_value((const unsigned char *) value,
                                     strlen(value), &spec, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        return ngx_overlay_cli_refused(&err);
    }

    ngx_overlay_cli_print_spec(&spec);

    return 0;
}


static int
ngx_overlay_cli_encode(const char *json)
{
    size_t                    i, len;
    unsigned                  acc, bits;
    const unsigned char      *p;
    ngx_http_overlay_spec_t   spec;
    ngx_http_overlay_error_t  err;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    p = (const unsigned char *) json;
    len = strlen(json);

    if (len > NGX_HTTP_OVERLAY_PARAM_MAX) {
        (void) ngx_http_overlay_error(&err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                      "%zu bytes, more than %d", len,
                                      NGX_HTTP_OVERLAY_PARAM_MAX);
        return ngx_overlay_cli_refused(&err);
    }

    if (ngx_http_overlay_spec_parse(p, len, &spec, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        return ngx_overlay_cli_refused(&err);
    }

    /* base64url, unpadded */

    acc = 0;
    bits = 0;

    for (i = 0; i < len; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;

        while (bits >= 6) {
            bits -= 6;
            putchar(alphabet[(acc >> bits) & 0x3f]);
        }
    }

    if (bits > 0) {
        putchar(alphabet[(acc << (6 - bits)) & 0x3f]);
    }

    putchar('\n');

    return 0;
}


static int
ngx_overlay_cli_probe(const char *path)
{
    size_t                          len;
    unsigned char                  *data;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_image_info_t   info;
    ngx_http_overlay_codec_conf_t   conf;

    data = ngx_overlay_cli_read(path, &len);
    if (data == NULL) {
        return 2;
    }

    conf.jpeg_quality = 85;
    conf.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    if (ngx_http_overlay_codec_probe(data, len, &conf, &info, &err)
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
ngx_overlay_cli_render(const char *in, const char *json, const char *out)
{
    int                             rc;
    FILE                           *f;
    size_t                          len;
    const char                     *font;
    unsigned char                  *data;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    if (ngx_http_overlay_spec_parse((const unsigned char *) json,
                                    strlen(json), &spec, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        return ngx_overlay_cli_refused(&err);
    }

    font = getenv("NGX_OVERLAY_FONT");
    opts.font = font != NULL ? font : NGX_HTTP_OVERLAY_DEFAULT_FONT;
    opts.codec.jpeg_quality = 85;
    opts.codec.max_pixels = NGX_HTTP_OVERLAY_MAX_PIXELS;

    if (ngx_http_overlay_font_check(opts.font, &err) != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "ngx-overlay: font \"%s\": %s\n", opts.font, err.msg);
        return 2;
    }

    data = ngx_overlay_cli_read(in, &len);
    if (data == NULL) {
        return 2;
    }

    if (ngx_http_overlay_composite(data, len, &spec, &opts, &info, &blob,
                                   &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        free(data);
        return ngx_overlay_cli_refused(&err);
    }

    free(data);

    rc = 0;

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

    return rc;
}


static void
ngx_overlay_cli_print_spec(const ngx_http_overlay_spec_t *spec)
{
    char      *s;
    json_t    *root, *layers;
    unsigned   i;

    root = json_object();
    layers = json_array();

    for (i = 0; i < spec->nlayers; i++) {
        json_array_append_new(layers,
                              json_pack("{s:s, s:s, s:s}",
                                        "text", spec->layers[i].text,
                                        "style", "badge",
                                        "position", "top-right"));
    }

    json_object_set_new(root, "layers", layers);

    s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);

    if (s != NULL) {
        printf("%s\n", s);
        free(s);
    }

    json_decref(root);
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
    long            size;
    FILE           *f;
    unsigned char  *data;

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "ngx-overlay: %s: %s\n", path, strerror(errno));
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fprintf(stderr, "ngx-overlay: %s: %s\n", path, strerror(errno));
        fclose(f);
        return NULL;
    }

    if (size > NGX_OVERLAY_CLI_MAX_FILE) {
        fprintf(stderr, "ngx-overlay: %s: %ld bytes, too large\n", path,
                size);
        fclose(f);
        return NULL;
    }

    data = malloc(size ? (size_t) size : 1);

    if (data == NULL || fread(data, 1, (size_t) size, f) != (size_t) size) {
        fprintf(stderr, "ngx-overlay: %s: read failed\n", path);
        free(data);
        fclose(f);
        return NULL;
    }

    fclose(f);
    *len = (size_t) size;

    return data;
}


static int
ngx_overlay_cli_usage(void)
{
    fprintf(stderr,
            "usage: ngx-overlay inspect VALUE\n"
            "       ngx-overlay encode JSON\n"
            "       ngx-overlay probe IMAGE\n"
            "       ngx-overlay render IN JSON OUT\n"
            "environment: NGX_OVERLAY_FONT=PATH (render; default %s)\n",
            NGX_HTTP_OVERLAY_DEFAULT_FONT);

    return 2;
}
