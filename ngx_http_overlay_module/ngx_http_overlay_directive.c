
/*
 * ngx_http_overlay_module: the directive handlers.
 *
 * Each checks its value as the configuration is read and names it and the
 * allowed ones when it is wrong; the generic ones (an enum of the core, a
 * count, a fraction, a colour, bounds) serve the directives that
 * ngx_http_overlay_module.c's table points at them.  overlay_font and
 * overlay_asset are in ngx_http_overlay_assets.c, overlay_stats in
 * ngx_http_overlay_stats.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_overlay_module.h"


static ngx_str_t  ngx_http_overlay_log_levels[] = {
    ngx_string("debug"),        /* unused: index 0 is NGX_LOG_STDERR */
    ngx_string("emerg"),
    ngx_string("alert"),
    ngx_string("crit"),
    ngx_string("error"),
    ngx_string("warn"),
    ngx_string("notice"),
    ngx_string("info"),
    ngx_null_string
};


char *
ngx_http_overlay(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    ngx_http_overlay_main_conf_t      *omcf;

    if (olcf->value != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        olcf->value = NULL;
        return NGX_CONF_OK;
    }

    omcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_overlay_module);
    omcf->used = 1;

    olcf->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (olcf->value == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = olcf->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * overlay_secret_file: one key a line (blank lines and "#" comments
 * skipped); any of them verifies a signature, so keys rotate by adding the
 * new one, moving the producers to it, then removing the old one.
 */

char *
ngx_http_overlay_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    u_char                  *p, *last, *start, *end, *copy;
    ssize_t                  n;
    ngx_fd_t                 fd;
    ngx_str_t               *value, path;
    ngx_uint_t               line;
    ngx_file_info_t          fi;
    ngx_http_overlay_key_t  *key;

    if (olcf->keys != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_secret_file: " ngx_open_file_n
                           " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 64 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_secret_file \"%V\" is not a file of at "
                           "most 64k", &path);
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    copy = ngx_pnalloc(cf->pool, (size_t) ngx_file_size(&fi) + 1);
    if (copy == NULL) {
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, copy, (size_t) ngx_file_size(&fi));
    (void) ngx_close_file(fd);

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "overlay_secret_file: " ngx_read_fd_n
                           " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    olcf->keys = ngx_array_create(cf->pool, 2,
                                  sizeof(ngx_http_overlay_key_t));
    if (olcf->keys == NULL) {
        return NGX_CONF_ERROR;
    }

    p = copy;
    last = copy + n;

    for (line = 1; p < last; line++) {
        start = p;

        while (p < last && *p != '\n') {
            p++;
        }

        end = p++;

        while (start < end && (*start == ' ' || *start == '\t')) {
            start++;
        }

        while (end > start && (end[-1] == ' ' || end[-1] == '\t'
                               || end[-1] == '\r'))
        {
            end--;
        }

        if (start == end || *start == '#') {
            continue;
        }

        if (end - start < 16) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "overlay_secret_file \"%V\": the key on line "
                               "%ui is shorter than 16 bytes", &path, line);
            return NGX_CONF_ERROR;
        }

        key = ngx_array_push(olcf->keys);
        if (key == NULL) {
            return NGX_CONF_ERROR;
        }

        key->data = start;
        key->len = end - start;
    }

    if (olcf->keys->nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "overlay_secret_file \"%V\" has no key", &path);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* libwebp's method for lossy WebP, and optionally for lossless: 0 to 6 */

char *
ngx_http_overlay_webp_method(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_int_t    n[2];
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (olcf->webp_method != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n[1] = NGX_CONF_UNSET;

    for (i = 1; i < cf->args->nelts; i++) {
        n[i - 1] = ngx_atoi(value[i].data, value[i].len);

        if (n[i - 1] == NGX_ERROR || n[i - 1] > 6) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"overlay_webp_method\" takes methods from "
                               "0 to 6, not \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    olcf->webp_method = n[0];
    olcf->webp_lossless_method = n[1];

    return NGX_CONF_OK;
}


/*
 * overlay_jpeg_quality, overlay_webp_quality: "source" (0: the image's
 * own quantizers, only what the overlay reaches coded again) or 1..100
 */

char *
ngx_http_overlay_quality(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_int_t  *q;
    ngx_str_t  *value;

    value = cf->args->elts;
    q = (ngx_int_t *) ((char *) conf + cmd->offset);

    if (*q != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    if (ngx_strcmp(value[1].data, "source") == 0) {
        *q = 0;
        return NGX_CONF_OK;
    }

    if (ngx_atoi(value[1].data, value[1].len) == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" takes \"source\" or a quality from 1 to "
                           "100, not \"%V\"", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    return ngx_conf_set_num_slot(cf, cmd, conf);
}


char *
ngx_http_overlay_on_error(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (olcf->on_error != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "pass") == 0) {
        olcf->on_error = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 400 || n > 599) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"overlay_on_error\" takes \"pass\" or a status "
                           "from 400 to 599, not \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    olcf->on_error = n;

    return NGX_CONF_OK;
}


char *
ngx_http_overlay_log_level(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_conf_t *olcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (olcf->log_level != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; ngx_http_overlay_log_levels[i].len; i++) {
        if (ngx_strcmp(value[1].data, ngx_http_overlay_log_levels[i].data)
            == 0)
        {
            olcf->log_level = i;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"overlay_log_level\" is one of emerg, alert, crit, "
                       "error, warn, notice and info, not \"%V\"",
                       &value[1]);

    return NGX_CONF_ERROR;
}


char *
ngx_http_overlay_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t  *value;

#if (NGX_THREADS)

    ngx_http_overlay_conf_t *olcf = conf;

    if (olcf->thread_pool != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        olcf->thread_pool = NULL;
        return NGX_CONF_OK;
    }

    /* a pool that no "thread_pool" defines fails at the end of the file */

    olcf->thread_pool = ngx_thread_pool_add(cf, &value[1]);
    if (olcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"overlay_thread_pool\" requires nginx built "
                       "--with-threads");

    return NGX_CONF_ERROR;

#endif
}


/* overlay_default_style and overlay_default_position: cmd->post names */

char *
ngx_http_overlay_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_int_t  *np = (ngx_int_t *) ((char *) conf + cmd->offset);

    int                          n;
    ngx_str_t                   *value;
    ngx_http_overlay_enum_t     *e;

    if (*np != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    e = cmd->post;

    n = e->parse((const char *) value[1].data, value[1].len);

    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is one of %s, not \"%V\"", &cmd->name,
                           e->names, &value[1]);
        return NGX_CONF_ERROR;
    }

    *np = n;

    return NGX_CONF_OK;
}


/* a count with an optional "k" or "m" (thousands, millions): "50m" */

char *
ngx_http_overlay_set_count(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_uint_t  *np = (ngx_uint_t *) ((char *) conf + cmd->offset);

    size_t      len;
    ngx_int_t   n, scale;
    ngx_str_t  *value;

    if (*np != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    len = value[1].len;
    scale = 1;

    if (len > 1 && (value[1].data[len - 1] | 0x20) == 'k') {
        scale = 1000;
        len--;

    } else if (len > 1 && (value[1].data[len - 1] | 0x20) == 'm') {
        scale = 1000000;
        len--;
    }

    n = ngx_atoi(value[1].data, len);

    if (n <= 0 || n > NGX_MAX_INT_T_VALUE / scale
        || n * scale > 1000000000)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" takes a count from 1 to 1000m, not "
                           "\"%V\"", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    *np = (ngx_uint_t) (n * scale);

    return NGX_CONF_OK;
}


/* a decimal fraction such as "0.03", kept in millionths */

char *
ngx_http_overlay_set_fraction(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_int_t  *np = (ngx_int_t *) ((char *) conf + cmd->offset);

    u_char                              *p, *last;
    ngx_int_t                            n, scale;
    ngx_str_t                           *value;
    ngx_http_overlay_fraction_bounds_t  *bounds;

    if (*np != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    bounds = cmd->post;

    p = value[1].data;
    last = p + value[1].len;
    n = 0;
    scale = NGX_HTTP_OVERLAY_MILLION;

    while (p < last && *p >= '0' && *p <= '9' && n < 10) {
        n = n * 10 + (*p++ - '0');
    }

    n *= NGX_HTTP_OVERLAY_MILLION;

    if (p < last && *p == '.') {
        p++;

        while (p < last && *p >= '0' && *p <= '9' && scale > 1) {
            scale /= 10;
            n += (*p++ - '0') * scale;
        }
    }

    if (value[1].len == 0 || p != last || n < bounds->min
        || n > bounds->max)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be a number from %.6f to %.6f, "
                           "not \"%V\"", &cmd->name,
                           (double) bounds->min / NGX_HTTP_OVERLAY_MILLION,
                           (double) bounds->max / NGX_HTTP_OVERLAY_MILLION,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    *np = n;

    return NGX_CONF_OK;
}


/* the colour at cmd->offset, and its "set" flag at cmd->post */

char *
ngx_http_overlay_set_color(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_overlay_color_t  *color;
    ngx_int_t                 *set;
    ngx_str_t                 *value;

    color = (ngx_http_overlay_color_t *) ((char *) conf + cmd->offset);
    set = (ngx_int_t *) ((char *) conf + (uintptr_t) cmd->post);

    if (*set != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_overlay_color_parse((const char *) value[1].data,
                                     value[1].len, color)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be a colour: #rgb, #rgba, #rrggbb "
                           "or #rrggbbaa, not \"%V\"", &cmd->name,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    *set = 1;

    return NGX_CONF_OK;
}


char *
ngx_http_overlay_check_bounds(ngx_conf_t *cf, void *post, void *data)
{
    ngx_conf_num_bounds_t  *bounds = post;
    ngx_int_t              *np = data;

    ngx_str_t  *value;

    if (*np >= bounds->low && *np <= bounds->high) {
        return NGX_CONF_OK;
    }

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" must be between %i and %i, not %i",
                       &value[0], bounds->low, bounds->high, *np);

    return NGX_CONF_ERROR;
}
