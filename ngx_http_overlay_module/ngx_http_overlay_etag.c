
/*
 * ngx_http_overlay_module: validators and conditional requests.
 *
 * An overlaid response has an ETag of its own, made of the original's
 * validator and the spec, and answers If-None-Match and If-Modified-Since
 * itself: the preaccess handler takes the conditionals away from the not
 * modified filter, which knows only the original, and the header filter
 * asks ngx_http_overlay_not_modified() whether to answer 304 without
 * drawing anything.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


static ngx_int_t ngx_http_overlay_etag_matches(ngx_table_elt_t *h,
    ngx_str_t *etag);


/*
 * The overlaid response's ETag: weak, made of the original's validator
 * (its ETag, else its Last-Modified and length) and a hash of the spec as
 * normalized, defaults and fonts included.  Stable for one original and
 * spec, another for another spec.  ctx->etag is empty when the original
 * has no validator.
 */

ngx_int_t
ngx_http_overlay_etag(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    char                     *dump;
    u_char                   *p;
    size_t                    len;
    uint32_t                  crc, murmur;
    ngx_str_t                 orig;
    ngx_uint_t                i;
    ngx_table_elt_t          *etag;
    ngx_http_overlay_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    etag = r->headers_out.etag;

    if (etag != NULL && etag->hash && etag->value.len) {
        orig = etag->value;

        if (orig.len > 2 && orig.data[0] == 'W' && orig.data[1] == '/') {
            orig.data += 2;
            orig.len -= 2;
        }

        if (orig.len >= 2 && orig.data[0] == '"') {
            orig.data++;
            orig.len -= 2;
        }

    } else if (r->headers_out.last_modified_time != -1) {
        p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN + NGX_TIME_T_LEN + 2);
        if (p == NULL) {
            return NGX_ERROR;
        }

        orig.data = p;
        orig.len = ngx_sprintf(p, "%xT-%xO",
                               r->headers_out.last_modified_time,
                               r->headers_out.content_length_n)
                   - p;

    } else {
        return NGX_DECLINED;                    /* nothing to validate */
    }

    dump = ngx_http_overlay_spec_dump(&ctx->spec, &conf->opts.spec);
    if (dump == NULL) {
        return NGX_ERROR;
    }

    len = ngx_strlen(dump);

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, (u_char *) dump, len);

    for (i = 0; i < conf->opts.render.nfonts; i++) {
        ngx_crc32_update(&crc, (u_char *) conf->opts.render.fonts[i],
                         ngx_strlen(conf->opts.render.fonts[i]));
    }

    ngx_crc32_final(crc);

    murmur = ngx_murmur_hash2((u_char *) dump, len);

    free(dump);

    p = ngx_pnalloc(r->pool, orig.len + sizeof("W/\"-ov\"") - 1 + 16);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->etag.data = p;
    ctx->etag.len = ngx_sprintf(p, "W/\"%V-ov%08xD%08xD\"", &orig, crc,
                                murmur)
                    - p;

    return NGX_OK;
}


/* the response is the overlaid one: its ETag replaces the original's */

ngx_int_t
ngx_http_overlay_set_etag(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    ngx_table_elt_t  *etag;

    if (ctx->etag.len == 0) {
        ngx_http_clear_etag(r);
        return NGX_OK;
    }

    etag = r->headers_out.etag;

    if (etag == NULL) {
        etag = ngx_list_push(&r->headers_out.headers);
        if (etag == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&etag->key, "ETag");
        r->headers_out.etag = etag;
    }

    etag->hash = 1;
    etag->value = ctx->etag;

    return NGX_OK;
}


/*
 * The conditionals, taken away from the not modified filter (see
 * ngx_http_overlay_conditionals()), against the overlaid response:
 * If-None-Match with its ETag; else If-Modified-Since with the original's
 * Last-Modified, which is the overlay's too.
 */

ngx_int_t
ngx_http_overlay_not_modified(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx)
{
    time_t  ims;

    if (ctx->if_none_match != NULL) {
        return ctx->etag.len
               && ngx_http_overlay_etag_matches(ctx->if_none_match,
                                                &ctx->etag);
    }

    if (ctx->if_modified_since != NULL
        && r->headers_out.last_modified_time != -1)
    {
        ims = ngx_parse_http_time(ctx->if_modified_since->value.data,
                                  ctx->if_modified_since->value.len);

        return ims != NGX_ERROR
               && ims >= r->headers_out.last_modified_time;
    }

    return 0;
}


/* If-None-Match: "*", or a list of tags, compared weakly */

static ngx_int_t
ngx_http_overlay_etag_matches(ngx_table_elt_t *h, ngx_str_t *etag)
{
    u_char           *p, *last, *start;
    ngx_str_t         ours, tag;

    ours = *etag;
    ours.data += 2;                             /* "W/" */
    ours.len -= 2;

    p = h->value.data;
    last = p + h->value.len;

    while (p < last) {

        while (p < last && (*p == ' ' || *p == ',' || *p == '\t')) {
            p++;
        }

        start = p;

        while (p < last && *p != ',') {
            p++;
        }

        tag.data = start;
        tag.len = p - start;

        while (tag.len && (tag.data[tag.len - 1] == ' '
                           || tag.data[tag.len - 1] == '\t'))
        {
            tag.len--;
        }

        if (tag.len == 1 && tag.data[0] == '*') {
            return 1;
        }

        if (tag.len > 2 && tag.data[0] == 'W' && tag.data[1] == '/') {
            tag.data += 2;
            tag.len -= 2;
        }

        if (tag.len == ours.len
            && ngx_strncmp(tag.data, ours.data, ours.len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * A preaccess handler: where an overlay is requested, the conditional
 * headers are kept for the header filter and hidden from the not modified
 * filter, which would compare them with the original's validators and
 * could answer 304 to a client holding the original for an overlaid URL.
 */

ngx_int_t
ngx_http_overlay_conditionals(ngx_http_request_t *r)
{
    ngx_str_t                 value;
    ngx_http_overlay_ctx_t   *ctx;
    ngx_http_overlay_conf_t  *conf;

    if (r != r->main
        || (r->headers_in.if_none_match == NULL
            && r->headers_in.if_modified_since == NULL))
    {
        return NGX_DECLINED;
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_overlay_module);

    if (conf->value == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_complex_value(r, conf->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_overlay_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_overlay_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_overlay_module);
    }

    ctx->if_none_match = r->headers_in.if_none_match;
    ctx->if_modified_since = r->headers_in.if_modified_since;

    r->headers_in.if_none_match = NULL;
    r->headers_in.if_modified_since = NULL;

    return NGX_DECLINED;
}
