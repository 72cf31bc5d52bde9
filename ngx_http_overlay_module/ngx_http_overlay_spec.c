
/*
 * ngx_http_overlay_module: the overlay spec.
 */


#include <string.h>

#include <jansson.h>

#include "ngx_http_overlay_spec.h"


static ngx_http_overlay_rc_e ngx_http_overlay_spec_text(json_t *value,
    const char *name, ngx_http_overlay_layer_t *layer,
    ngx_http_overlay_error_t *err);
static const char *ngx_http_overlay_json_type(json_t *value);


ngx_http_overlay_rc_e
ngx_http_overlay_spec_parse(const unsigned char *json, size_t len,
    ngx_http_overlay_spec_t *spec, ngx_http_overlay_error_t *err)
{
    char                   quoted[64];
    json_t                *root, *value;
    const char            *key;
    json_error_t           jerr;
    ngx_http_overlay_rc_e  rc;

    memset(spec, 0, sizeof(ngx_http_overlay_spec_t));

    root = json_loadb((const char *) json, len, JSON_REJECT_DUPLICATES,
                      &jerr);

    if (root == NULL) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_JSON,
                                      "%s at offset %d", jerr.text,
                                      jerr.position);
    }

    if (!json_is_object(root)) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_JSON,
                                    "JSON %s instead of an object",
                                    ngx_http_overlay_json_type(root));
        goto done;
    }

    rc = NGX_HTTP_OVERLAY_OK;

    json_object_foreach(root, key, value) {

        if (strcmp(key, "overlay") != 0) {
            rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                       "unknown key \"%s\"",
                       ngx_http_overlay_quote(quoted, sizeof(quoted),
                                              (const unsigned char *) key,
                                              strlen(key), 32));
            goto done;
        }
    }

    value = json_object_get(root, "overlay");

    if (value == NULL) {
        rc = ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                    "no \"overlay\" key");
        goto done;
    }

    rc = ngx_http_overlay_spec_text(value, "overlay", &spec->layers[0], err);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        spec->nlayers = 1;
    }

done:

    json_decref(root);

    return rc;
}


static ngx_http_overlay_rc_e
ngx_http_overlay_spec_text(json_t *value, const char *name,
    ngx_http_overlay_layer_t *layer, ngx_http_overlay_error_t *err)
{
    size_t                i, len, chars;
    const unsigned char  *s;

    if (!json_is_string(value)) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "\"%s\" is %s, not a string", name,
                                      ngx_http_overlay_json_type(value));
    }

    s = (const unsigned char *) json_string_value(value);
    len = json_string_length(value);

    if (len == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "\"%s\" is an empty string", name);
    }

    /* jansson has checked UTF-8: count characters, refuse control ones */

    chars = 0;

    for (i = 0; i < len; i++) {

        if ((s[i] & 0xc0) != 0x80) {
            chars++;
        }

        if (s[i] < 0x20 || s[i] == 0x7f) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                          "\"%s\" has a control character "
                                          "at byte %zu", name, i);
        }
    }

    if (chars > NGX_HTTP_OVERLAY_TEXT_MAX) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SPEC,
                                      "\"%s\" has %zu characters, more than "
                                      "%d", name, chars,
                                      NGX_HTTP_OVERLAY_TEXT_MAX);
    }

    memcpy(layer->text, s, len);
    layer->text[len] = '\0';
    layer->len = len;

    return NGX_HTTP_OVERLAY_OK;
}


static const char *
ngx_http_overlay_json_type(json_t *value)
{
    switch (json_typeof(value)) {

    case JSON_OBJECT:
        return "an object";

    case JSON_ARRAY:
        return "an array";

    case JSON_STRING:
        return "a string";

    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";

    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";

    default:
        return "null";
    }
}
