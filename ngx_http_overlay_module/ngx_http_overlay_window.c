
/*
 * ngx_http_overlay_module: the licence window of a layer
 * (ngx_http_overlay_window.h).  Dates are converted with the proleptic
 * Gregorian calendar's day count (days from 1970-01-01), leap years
 * included; no time zone database is involved: an instant carries its
 * offset.
 */


#include <stdio.h>
#include <string.h>

#include "ngx_http_overlay_window.h"


#define NGX_HTTP_OVERLAY_DAY   86400
#define NGX_HTTP_OVERLAY_HOUR  3600


static int64_t ngx_http_overlay_days_from_civil(int y, int m, int d);
static void ngx_http_overlay_civil_from_days(int64_t z, int *y, int *m,
    int *d);
static int ngx_http_overlay_digits(const char *s, size_t n);
static int64_t ngx_http_overlay_div_up(int64_t a, int64_t b);
static size_t ngx_http_overlay_fill(const ngx_http_overlay_layer_t *l,
    int64_t now, char *buf);


/* days since 1970-01-01 of a civil date (H. Hinnant's algorithm) */

static int64_t
ngx_http_overlay_days_from_civil(int y, int m, int d)
{
    int64_t  era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


static void
ngx_http_overlay_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t  era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int) (yoe + era * 400 + (*m <= 2));
}


/* the value of n decimal digits at s, or -1 */

static int
ngx_http_overlay_digits(const char *s, size_t n)
{
    int     v;
    size_t  i;

    v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        v = v * 10 + (s[i] - '0');
    }

    return v;
}


int
ngx_http_overlay_instant_parse(const char *s, size_t len, int64_t *t,
    int *offset)
{
    int     y, mo, d, h, mi, sec, oh, om, leap;
    size_t  i;

    static const int  mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };

    /* YYYY-MM-DDTHH:MM:SS, 19 bytes */

    if (len < 20 || s[4] != '-' || s[7] != '-'
        || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        || s[13] != ':' || s[16] != ':')
    {
        return -1;
    }

    y = ngx_http_overlay_digits(s, 4);
    mo = ngx_http_overlay_digits(s + 5, 2);
    d = ngx_http_overlay_digits(s + 8, 2);
    h = ngx_http_overlay_digits(s + 11, 2);
    mi = ngx_http_overlay_digits(s + 14, 2);
    sec = ngx_http_overlay_digits(s + 17, 2);

    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0
        || mi > 59 || sec < 0 || sec > 60)
    {
        return -1;
    }

    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (d > mdays[mo - 1] + (mo == 2 && leap)) {
        return -1;
    }

    /* a fraction of a second, dropped */

    i = 19;

    if (s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            /* void */
        }

        if (i == 20) {
            return -1;
        }
    }

    /* Z, or +HH:MM / -HH:MM */

    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
        *offset = 0;

    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-')
               && s[i + 3] == ':')
    {
        oh = ngx_http_overlay_digits(s + i + 1, 2);
        om = ngx_http_overlay_digits(s + i + 4, 2);

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return -1;
        }

        *offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);

    } else {
        return -1;
    }

    *t = ngx_http_overlay_days_from_civil(y, mo, d) * NGX_HTTP_OVERLAY_DAY
         + h * 3600 + mi * 60 + sec - (int64_t) *offset * 60;

    return 0;
}


void
ngx_http_overlay_instant_format(int64_t t, int offset, char *buf)
{
    int      y, mo, d, a;
    int64_t  local, days, rest;

    local = t + (int64_t) offset * 60;
    days = local >= 0 ? local / NGX_HTTP_OVERLAY_DAY
                      : -((-local + NGX_HTTP_OVERLAY_DAY - 1)
                          / NGX_HTTP_OVERLAY_DAY);
    rest = local - days * NGX_HTTP_OVERLAY_DAY;

    ngx_http_overlay_civil_from_days(days, &y, &mo, &d);

    y = y < 0 ? 0 : (y > 9999 ? 9999 : y);

    if (offset == 0) {
        (void) snprintf(buf, NGX_HTTP_OVERLAY_INSTANT_LEN,
                        "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d,
                        (int) (rest / 3600), (int) (rest / 60 % 60),
                        (int) (rest % 60));
        return;
    }

    a = offset < 0 ? -offset : offset;

    (void) snprintf(buf, NGX_HTTP_OVERLAY_INSTANT_LEN,
                    "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d,
                    (int) (rest / 3600), (int) (rest / 60 % 60),
                    (int) (rest % 60), offset < 0 ? '-' : '+', a / 60,
                    a % 60);
}


int
ngx_http_overlay_placeholders(const char *text, size_t len, size_t *at)
{
    int     mask;
    size_t  i;

    mask = 0;

    for (i = 0; i < len; i++) {

        if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
            mask |= NGX_HTTP_OVERLAY_USES_BRACES;
            i++;

        } else if (text[i] == '}' && i + 1 < len && text[i + 1] == '}') {
            mask |= NGX_HTTP_OVERLAY_USES_BRACES;
            i++;

        } else if (text[i] == '{' && len - i >= 6
                   && memcmp(text + i, "{days}", 6) == 0)
        {
            mask |= NGX_HTTP_OVERLAY_USES_DAYS;
            i += 5;

        } else if (text[i] == '{' && len - i >= 7
                   && memcmp(text + i, "{hours}", 7) == 0)
        {
            mask |= NGX_HTTP_OVERLAY_USES_HOURS;
            i += 6;

        } else if (text[i] == '{' && len - i >= 7
                   && memcmp(text + i, "{until}", 7) == 0)
        {
            mask |= NGX_HTTP_OVERLAY_USES_UNTIL;
            i += 6;

        } else if (text[i] == '{' || text[i] == '}') {
            *at = i;
            return -1;
        }
    }

    return mask;
}


size_t
ngx_http_overlay_spec_at_size(const ngx_http_overlay_spec_t *spec)
{
    size_t    size;
    unsigned  i;

    size = 0;

    for (i = 0; i < spec->nlayers; i++) {
        if (spec->layers[i].type == NGX_HTTP_OVERLAY_LAYER_TEXT) {

            /* a placeholder of 6 bytes or more is at most 10 characters */

            size += 2 * spec->layers[i].len + 1;
        }
    }

    return size;
}


/* a / b rounded up, for a > 0 and b > 0 */

static int64_t
ngx_http_overlay_div_up(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}


ngx_http_overlay_when_e
ngx_http_overlay_spec_at(const ngx_http_overlay_spec_t *spec, int64_t now,
    ngx_http_overlay_spec_t *out, char *buf, size_t size, int64_t *next)
{
    int                        timed, pending;
    size_t                     used;
    int64_t                    cand, left;
    unsigned                   i, n;
    ngx_http_overlay_layer_t   l;

    *next = 0;
    timed = 0;
    pending = 0;
    used = 0;
    n = 0;

    for (i = 0; i < spec->nlayers; i++) {
        l = spec->layers[i];

        if (l.window & (NGX_HTTP_OVERLAY_HAS_FROM | NGX_HTTP_OVERLAY_HAS_UNTIL
                        | NGX_HTTP_OVERLAY_USES_COUNTDOWN))
        {
            timed = 1;
        }

        if ((l.window & NGX_HTTP_OVERLAY_HAS_FROM) && now < l.from) {
            pending = 1;
            cand = l.from;

            if (*next == 0 || cand < *next) {
                *next = cand;
            }

            continue;
        }

        if ((l.window & NGX_HTTP_OVERLAY_HAS_UNTIL) && now >= l.until) {
            continue;
        }

        /* drawn: when it next changes */

        if (l.window & NGX_HTTP_OVERLAY_HAS_UNTIL) {
            left = l.until - now;
            cand = l.until;

            if (l.window & NGX_HTTP_OVERLAY_USES_DAYS) {
                cand = l.until - (ngx_http_overlay_div_up(left,
                                      NGX_HTTP_OVERLAY_DAY) - 1)
                                 * NGX_HTTP_OVERLAY_DAY;
            }

            if (l.window & NGX_HTTP_OVERLAY_USES_HOURS) {
                cand = l.until - (ngx_http_overlay_div_up(left,
                                      NGX_HTTP_OVERLAY_HOUR) - 1)
                                 * NGX_HTTP_OVERLAY_HOUR;
            }

            if (*next == 0 || cand < *next) {
                *next = cand;
            }
        }

        if (l.type == NGX_HTTP_OVERLAY_LAYER_TEXT
            && (l.window & (NGX_HTTP_OVERLAY_USES_COUNTDOWN
                            | NGX_HTTP_OVERLAY_USES_BRACES))
            && used + 2 * l.len + 1 <= size)
        {
            l.len = ngx_http_overlay_fill(&l, now, buf + used);
            l.text = buf + used;
            used += l.len + 1;
        }

        l.window = 0;
        out->layers[n++] = l;
    }

    out->nlayers = n;

    if (!timed) {
        return NGX_HTTP_OVERLAY_WINDOW_TIMELESS;
    }

    if (n == 0) {
        return pending ? NGX_HTTP_OVERLAY_WINDOW_PENDING
                       : NGX_HTTP_OVERLAY_WINDOW_EXPIRED;
    }

    return NGX_HTTP_OVERLAY_WINDOW_TIMED;
}


/* l's text with its placeholders filled in at now, into buf; its length */

static size_t
ngx_http_overlay_fill(const ngx_http_overlay_layer_t *l, int64_t now,
    char *buf)
{
    int         y, m, d;
    size_t      i, n;
    int64_t     left, local;
    const char  *s;

    s = l->text;
    n = 0;
    left = l->until - now;

    for (i = 0; i < l->len; i++) {

        if ((s[i] == '{' || s[i] == '}') && i + 1 < l->len
            && s[i + 1] == s[i])
        {
            buf[n++] = s[i++];

        } else if (s[i] == '{' && l->len - i >= 6
                   && memcmp(s + i, "{days}", 6) == 0)
        {
            n += (size_t) sprintf(buf + n, "%lld", (long long)
                                  ngx_http_overlay_div_up(left,
                                      NGX_HTTP_OVERLAY_DAY));
            i += 5;

        } else if (s[i] == '{' && l->len - i >= 7
                   && memcmp(s + i, "{hours}", 7) == 0)
        {
            n += (size_t) sprintf(buf + n, "%lld", (long long)
                                  ngx_http_overlay_div_up(left,
                                      NGX_HTTP_OVERLAY_HOUR));
            i += 6;

        } else if (s[i] == '{' && l->len - i >= 7
                   && memcmp(s + i, "{until}", 7) == 0)
        {
            local = l->until + (int64_t) l->until_offset * 60;
            ngx_http_overlay_civil_from_days(
                local >= 0 ? local / NGX_HTTP_OVERLAY_DAY
                           : -((-local + NGX_HTTP_OVERLAY_DAY - 1)
                               / NGX_HTTP_OVERLAY_DAY),
                &y, &m, &d);
            n += (size_t) sprintf(buf + n, "%04d-%02d-%02d", y, m, d);
            i += 6;

        } else {
            buf[n++] = s[i];
        }
    }

    buf[n] = '\0';

    return n;
}
