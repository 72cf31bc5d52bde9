
/*
 * ngx_http_overlay_module: fonts and image assets.
 *
 * overlay_font and overlay_asset name files that are checked (a font
 * FreeType can draw with) or decoded (a PNG or WebP image) when the
 * configuration is read, so that "nginx -t" reports every mistake and
 * requests never open them; the merge gives the core their names, paths
 * and images.  libgd keeps the faces it opens in a cache whose lifetime is
 * a configuration's, handled here too.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


#define NGX_HTTP_OVERLAY_FONTS_MAX     6
#define NGX_HTTP_OVERLAY_ASSET_MAX     (16 * 1024 * 1024)


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   path;
    ngx_http_overlay_asset_t   *image;          /* assets */
} ngx_http_overlay_named_t;


static ngx_http_overlay_named_t *ngx_http_overlay_add_name(ngx_conf_t *cf,
    ngx_array_t **names, ngx_str_t *name);
static char *ngx_http_overlay_check_font(ngx_conf_t *cf, ngx_str_t *path);
static char *ngx_http_overlay_read_asset(ngx_conf_t *cf,
    ngx_http_overlay_named_t *asset);
static void ngx_http_overlay_asset_cleanup(void *data);
static void ngx_http_overlay_names_cleanup(void *data);
static void ngx_http_overlay_font_cleanup(void *data);


/* the cycle whose configuration set up libgd's font cache */
static ngx_cycle_t  *ngx_http_overlay_font_cycle;


/*
 * overlay_font PATH [PATH...], the chain named "default"; overlay_font NAME
 * PATH [PATH...].  A name has no "/": a first argument with one is a path.
 * The chain is given to the core as its paths joined by ";", each checked.
 */

char *
ngx_http_overlay_font(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    u_char                     *p;
    size_t                      len;
    ngx_str_t                  *value, name, path;
    ngx_uint_t                  i, first;
    ngx_http_overlay_named_t   *font;

    value = cf->args->elts;

    if (cf->args->nelts == 2
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '/')
           != NULL)
    {
        ngx_str_set(&name, "default");
        first = 1;

    } else {
        name = value[1];
        first = 2;
    }

    if (cf->args->nelts - first > NGX_HTTP_OVERLAY_CHAIN_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "a font chain has at most %d paths",
                           NGX_HTTP_OVERLAY_CHAIN_MAX);
        return NGX_CONF_ERROR;
    }

    font = ngx_http_overlay_add_name(cf, &olcf->fonts, &name);
    if (font == NULL) {
        return NGX_CONF_ERROR;
    }

    /*
     * libgd keeps 6 faces open; more would be read from disk per request.
     * "default" always counts, built in or named.
     */

    if (ngx_strcmp(name.data, "default") != 0 && ++olcf->named_fonts >= 6) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "at most %d fonts, \"default\" included, may be "
                           "named at one level", NGX_HTTP_OVERLAY_FONTS_MAX);
        return NGX_CONF_ERROR;
    }

    /* each path in full and checked, then the chain "path;path..." */

    len = 0;

    for (i = first; i < cf->args->nelts; i++) {
        if (ngx_conf_full_name(cf->cycle, &value[i], 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_overlay_check_font(cf, &value[i]) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }

        len += value[i].len + 1;
    }

    path.data = ngx_pnalloc(cf->pool, len);
    if (path.data == NULL) {
        return NGX_CONF_ERROR;
    }

    p = path.data;

    for (i = first; i < cf->args->nelts; i++) {
        if (i != first) {
            *p++ = ';';
        }

        p = ngx_cpymem(p, value[i].data, value[i].len);
    }

    *p = '\0';
    path.len = p - path.data;

    font->path = path;

    return NGX_CONF_OK;
}


char *
ngx_http_overlay_asset(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t                 *value;
    ngx_http_overlay_named_t  *asset;

    value = cf->args->elts;

    asset = ngx_http_overlay_add_name(cf, &olcf->assets, &value[1]);
    if (asset == NULL) {
        return NGX_CONF_ERROR;
    }

    asset->path = value[2];

    if (ngx_conf_full_name(cf->cycle, &asset->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_overlay_read_asset(cf, asset);
}


static ngx_http_overlay_named_t *
ngx_http_overlay_add_name(ngx_conf_t *cf, ngx_array_t **names,
    ngx_str_t *name)
{
    u_char                    *p;
    ngx_uint_t                 i;
    ngx_http_overlay_named_t  *named;

    if (*names == NGX_CONF_UNSET_PTR || *names == NULL) {
        *names = ngx_array_create(cf->pool, 4,
                                  sizeof(ngx_http_overlay_named_t));
        if (*names == NULL) {
            return NULL;
        }
    }

    if (name->len == 0 || name->len > 64) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a name of 1 to 64 characters",
                           name);
        return NULL;
    }

    for (p = name->data; p < name->data + name->len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
              || *p == '.'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "the name \"%V\" has a character other than "
                               "letters, digits, \"-\", \"_\" and \".\"",
                               name);
            return NULL;
        }
    }

    named = (*names)->elts;

    for (i = 0; i < (*names)->nelts; i++) {
        if (named[i].name.len == name->len
            && ngx_strncmp(named[i].name.data, name->data, name->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is named twice in \"%V\"", name,
                               &((ngx_str_t *) cf->args->elts)[0]);
            return NULL;
        }
    }

    named = ngx_array_push(*names);
    if (named == NULL) {
        return NULL;
    }

    ngx_memzero(named, sizeof(ngx_http_overlay_named_t));
    named->name = *name;

    return named;
}


static char *
ngx_http_overlay_check_font(ngx_conf_t *cf, ngx_str_t *path)
{
    ngx_file_info_t           fi;
    ngx_http_overlay_error_t  err;

    /* path is NUL-terminated: a configuration token, or a full name */

    if (ngx_file_info(path->data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_font \"%V\": " ngx_file_info_n
                           " failed", path);
        return NGX_CONF_ERROR;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_font \"%V\" is not a file", path);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_overlay_font_check((const char *) path->data, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_font \"%V\" is not a usable font: %s",
                           path, err.msg);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_overlay_read_asset(ngx_conf_t *cf, ngx_http_overlay_named_t *asset)
{
    off_t                      size;
    u_char                    *data;
    ssize_t                    n;
    ngx_fd_t                   fd;
    ngx_file_info_t            fi;
    ngx_pool_cleanup_t        *cln;
    ngx_http_overlay_error_t   err;

    fd = ngx_open_file(asset->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_asset \"%V\": " ngx_open_file_n
                           " \"%V\" failed", &asset->name, &asset->path);
        return NGX_CONF_ERROR;
    }

    data = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_asset \"%V\": " ngx_fd_info_n
                           " \"%V\" failed", &asset->name, &asset->path);
        goto failed;
    }

    size = ngx_file_size(&fi);

    if (!ngx_is_file(&fi) || size > NGX_HTTP_OVERLAY_ASSET_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_asset \"%V\": \"%V\" is not a file of "
                           "at most 16m", &asset->name, &asset->path);
        goto failed;
    }

    data = ngx_alloc((size_t) size + 1, cf->log);
    if (data == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, data, (size_t) size);

    if (n != (ssize_t) size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_asset \"%V\": " ngx_read_fd_n
                           " \"%V\" failed", &asset->name, &asset->path);
        goto failed;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        goto failed;
    }

    asset->image = ngx_http_overlay_asset_decode(data, (size_t) size, &err);

    if (asset->image == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_asset \"%V\": \"%V\" is not a usable "
                           "PNG or WebP image: %s", &asset->name,
                           &asset->path, err.msg);
        goto failed;
    }

    cln->handler = ngx_http_overlay_asset_cleanup;
    cln->data = asset->image;

    ngx_free(data);
    (void) ngx_close_file(fd);

    return NGX_CONF_OK;

failed:

    if (data != NULL) {
        ngx_free(data);
    }

    (void) ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


static void
ngx_http_overlay_asset_cleanup(void *data)
{
    ngx_http_overlay_asset_free(data);
}


/* the names of fonts and assets, as the core wants them */

char *
ngx_http_overlay_merge_names(ngx_conf_t *cf, ngx_http_overlay_conf_t *conf)
{
    ngx_str_t                      path;
    ngx_uint_t                     i, n, have_default;
    ngx_pool_cleanup_t            *cln;
    ngx_http_overlay_named_t      *named;
    ngx_http_overlay_main_conf_t  *omcf;

    if ((conf->fonts != NULL && conf->fonts->nelts > 0)
        || (conf->assets != NULL && conf->assets->nelts > 0))
    {
        /* the core's tables of names, freed with the configuration */

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_overlay_names_cleanup;
        cln->data = &conf->opts;
    }

    /* "default" comes first, from fonts-dejavu-core unless configured */

    named = conf->fonts ? conf->fonts->elts : NULL;
    n = conf->fonts ? conf->fonts->nelts : 0;

    have_default = 0;

    for (i = 0; i < n; i++) {
        if (ngx_strcmp(named[i].name.data, "default") == 0) {
            have_default = 1;
        }

        if (ngx_http_overlay_options_add_font(&conf->opts,
                                              (char *) named[i].name.data,
                                              (char *) named[i].path.data)
            != NGX_HTTP_OVERLAY_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    /* the built-in default font is needed, and checked, only where used */

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_overlay_module);

    if (!have_default && conf->value != NULL && !omcf->default_font_checked) {
        ngx_str_set(&path, NGX_HTTP_OVERLAY_DEFAULT_FONT);

        if (ngx_http_overlay_check_font(cf, &path) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }

        omcf->default_font_checked = 1;
    }

    named = conf->assets ? conf->assets->elts : NULL;
    n = conf->assets ? conf->assets->nelts : 0;

    for (i = 0; i < n; i++) {
        if (ngx_http_overlay_options_add_asset(&conf->opts,
                                               (char *) named[i].name.data,
                                               named[i].image)
            != NGX_HTTP_OVERLAY_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void
ngx_http_overlay_names_cleanup(void *data)
{
    ngx_http_overlay_options_free(data);
}


ngx_int_t
ngx_http_overlay_font_cache_init(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(cf->cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_overlay_font_cleanup;
    cln->data = cf->cycle;

    /*
     * fonts are checked anew for each configuration: drop libgd's cache of
     * faces, which would hide a font file changed since the last check
     */

    ngx_http_overlay_core_shutdown();
    ngx_http_overlay_core_init();
    ngx_http_overlay_font_cycle = cf->cycle;

    return NGX_OK;
}


/*
 * The pool of a cycle whose configuration set up the font cache is freed.
 * When its configuration failed at start (or "nginx -t"), nginx unloads
 * the module and exits without calling exit_process or exit_master: free
 * the faces and FreeType here (valgrind saw them lost).  After a reload
 * that failed the running cycle goes on, with a cache of its own.  An old
 * cycle freed after a reload leaves the new one's cache alone.
 */

static void
ngx_http_overlay_font_cleanup(void *data)
{
    ngx_cycle_t  *cycle;

    cycle = data;

    if (ngx_http_overlay_font_cycle != cycle) {
        return;
    }

    ngx_http_overlay_font_cycle = NULL;
    ngx_http_overlay_core_shutdown();

    if (!ngx_is_init_cycle(ngx_cycle) && ngx_cycle != cycle) {
        ngx_http_overlay_core_init();
        ngx_http_overlay_font_cycle = (ngx_cycle_t *) ngx_cycle;
    }
}
