
/*
 * ngx_http_overlay_module: the overlay's validator.
 *
 * An overlaid response has an ETag of its own, made of the original's
 * validator and the spec.  The header filter that runs before nginx's not
 * modified filter (ngx_http_overlay_filter.c) puts it in place of the
 * original's, for a response the module will draw on: nginx then answers
 * If-None-Match, If-Match, If-Range and the rest against it, as for any
 * response.  When the module fails open, the original's goes back.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


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


/*
 * The response is to be the overlaid one: its ETag replaces the
 * original's, kept for ngx_http_overlay_restore_etag().
 */

ngx_int_t
ngx_http_overlay_set_etag(ngx_http_request_t *r, ngx_http_overlay_ctx_t *ctx)
{
    ngx_table_elt_t  *etag;

    if (ctx->etag.len == 0) {
        return NGX_OK;                          /* the original has none */
    }

    etag = r->headers_out.etag;

    if (etag == NULL) {
        etag = ngx_list_push(&r->headers_out.headers);
        if (etag == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&etag->key, "ETag");
        r->headers_out.etag = etag;

        ngx_str_null(&ctx->orig_etag);

    } else {
        ctx->orig_etag = etag->value;
    }

    etag->hash = 1;
    etag->value = ctx->etag;

    ctx->etag_set = 1;

    return NGX_OK;
}


/* the original goes out after all: with its own ETag, or none */

void
ngx_http_overlay_restore_etag(ngx_http_request_t *r,
    ngx_http_overlay_ctx_t *ctx)
{
    if (!ctx->etag_set) {
        return;
    }

    ctx->etag_set = 0;

    if (r->headers_out.etag == NULL) {
        return;
    }

    if (ctx->orig_etag.len == 0) {
        ngx_http_clear_etag(r);
        return;
    }

    r->headers_out.etag->value = ctx->orig_etag;
}
