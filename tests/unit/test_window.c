
/*
 * Unit tests of ngx_http_overlay_window.c: RFC 3339 instants against the C
 * library's timegm() (dates from 1970 to 2099, offsets east and west,
 * leap days), the placeholders, and the spec as drawn at fixed instants
 * across day, hour and leap-day boundaries: which layers, which texts,
 * and when the drawing next changes.
 */


#include <time.h>

#include "unit.h"
#include "ngx_http_overlay_window.h"


static void window_spec(ngx_http_overlay_spec_t *spec, unsigned char *json,
    const char *text);
static void window_at(const char *name, const char *json, const char *now,
    ngx_http_overlay_when_e want, const char *texts, const char *next);


/* the spec of json (a copy is parsed: its texts live in json) */

static void
window_spec(ngx_http_overlay_spec_t *spec, unsigned char *json,
    const char *text)
{
    ngx_http_overlay_rc_e         rc;
    ngx_http_overlay_error_t      err;
    ngx_http_overlay_spec_conf_t  conf;

    ngx_http_overlay_spec_conf_init(&conf);

    strcpy((char *) json, text);

    rc = ngx_http_overlay_spec_parse(json, strlen(text), &conf, spec, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s parsed: %s", text, err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        spec->nlayers = 0;
    }
}


/*
 * json drawn at now: want, the drawn texts joined by "|", and the next
 * change ("" for none)
 */

static void
window_at(const char *name, const char *json, const char *now,
    ngx_http_overlay_when_e want, const char *texts, const char *next)
{
    int                      off;
    char                     got[512], at[NGX_HTTP_OVERLAY_INSTANT_LEN];
    char                     buf[512];
    int64_t                  t, n;
    unsigned                 i;
    unsigned char            copy[1024];
    ngx_http_overlay_spec_t  spec;
    ngx_http_overlay_when_e  when;

    window_spec(&spec, copy, json);

    CHECK(ngx_http_overlay_instant_parse(now, strlen(now), &t, &off) == 0,
          "%s: now %s", name, now);
    CHECK(ngx_http_overlay_spec_at_size(&spec) <= sizeof(buf), "%s: room",
          name);

    when = ngx_http_overlay_spec_at(&spec, t, &spec, buf, sizeof(buf), &n);

    got[0] = '\0';

    for (i = 0; i < spec.nlayers; i++) {
        if (i > 0) {
            strcat(got, "|");
        }

        strncat(got, spec.layers[i].text, 100);

        CHECK(spec.layers[i].window == 0
              && strlen(spec.layers[i].text) == spec.layers[i].len,
              "%s: layer %u's window cleared, its length right", name, i);
    }

    at[0] = '\0';

    if (n != 0) {
        ngx_http_overlay_instant_format(n, 0, at);
    }

    CHECK(when == want && strcmp(got, texts) == 0 && strcmp(at, next) == 0,
          "%s at %s: %d \"%s\" next \"%s\", not %d \"%s\" next \"%s\"",
          name, now, (int) when, got, at, (int) want, texts, next);
}


void
test_window_instants(void)
{
    int        off, bad, i, sign;
    char       s[64], back[NGX_HTTP_OVERLAY_INSTANT_LEN];
    int64_t    t, want;
    struct tm  tm;

    static const char  *invalid[] = {
        "2026-02-29T00:00:00Z",         /* not a leap year */
        "1900-02-29T00:00:00Z",         /* nor is 1900 */
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-12-31T24:00:00Z",
        "2026-12-31T23:60:00Z",
        "2026-12-31T23:59:61Z",
        "2026-12-31T23:59:59",          /* no offset */
        "2026-12-31T23:59:59+0200",
        "2026-12-31T23:59:59+24:00",
        "2026-12-31T23:59:59+02:60",
        "2026-12-31T23:59:59.Z",
        "2026-12-31T23:59:59ZZ",
        "2026-12-31",
        "26-12-31T23:59:59Z",
        "2026/12/31T23:59:59Z",
        "2026-12-31T23:59:59 Z",
        "",
    };

    /* against timegm(), every 37 hours and a few minutes, 1970 to 2099 */

    bad = 0;

    for (t = 0, i = 0; t < 4102444800LL; t += 133337, i++) {
        time_t  tt = (time_t) t;

        gmtime_r(&tt, &tm);

        /* an offset east or west, up to 14 hours */

        sign = i % 2 ? -1 : 1;
        off = sign * ((i * 7) % 15 * 60 + (i % 4) * 15);

        tt = (time_t) (t + off * 60);
        gmtime_r(&tt, &tm);

        (void) snprintf(s, sizeof(s), "%04d-%02d-%02d%c%02d:%02d:%02d%s"
                        "%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, i % 3 == 0 ? 't' : 'T', tm.tm_hour,
                        tm.tm_min, tm.tm_sec, i % 5 == 0 ? ".125" : "",
                        off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);

        want = (int64_t) timegm(&tm) - off * 60;

        if (ngx_http_overlay_instant_parse(s, strlen(s), &t, &off) != 0
            || t != want)
        {
            bad++;
            CHECK(0, "\"%s\": %lld, timegm() says %lld", s, (long long) t,
                  (long long) want);
            break;
        }

        /* formatted back in its offset, and parsed again */

        ngx_http_overlay_instant_format(t, off, back);

        if (ngx_http_overlay_instant_parse(back, strlen(back), &want, &off)
            != 0 || want != t)
        {
            bad++;
            CHECK(0, "\"%s\" formatted as \"%s\"", s, back);
            break;
        }
    }

    CHECK(bad == 0 && i > 30000, "%d instants as timegm() has them", i);

    /* leap days, "Z", "z", a space, a leap second */

    memset(&tm, 0, sizeof(struct tm));
    tm.tm_year = 2028 - 1900;
    tm.tm_mon = 1;
    tm.tm_mday = 29;
    tm.tm_hour = 12;

    CHECK(ngx_http_overlay_instant_parse("2028-02-29T12:00:00z", 20, &t,
                                         &off) == 0
          && t == (int64_t) timegm(&tm) && off == 0,
          "2028-02-29, leap: %lld", (long long) t);

    tm.tm_year = 2000 - 1900;
    tm.tm_hour = 0;

    CHECK(ngx_http_overlay_instant_parse("2000-02-29 00:00:00Z", 20, &t,
                                         &off) == 0
          && t == (int64_t) timegm(&tm), "2000-02-29 with a space: %lld",
          (long long) t);

    tm.tm_year = 2017 - 1900;
    tm.tm_mon = 0;
    tm.tm_mday = 1;

    CHECK(ngx_http_overlay_instant_parse("2016-12-31T23:59:60Z", 20, &t,
                                         &off) == 0
          && t == (int64_t) timegm(&tm), "a leap second is the next minute");

    ngx_http_overlay_instant_format(1735689599LL, 120, back);
    CHECK(strcmp(back, "2025-01-01T01:59:59+02:00") == 0, "formatted: %s",
          back);
    ngx_http_overlay_instant_format(1735689599LL, -330, back);
    CHECK(strcmp(back, "2024-12-31T18:29:59-05:30") == 0, "formatted: %s",
          back);

    for (i = 0; i < (int) (sizeof(invalid) / sizeof(invalid[0])); i++) {
        CHECK(ngx_http_overlay_instant_parse(invalid[i], strlen(invalid[i]),
                                             &t, &off) != 0,
              "\"%s\" is refused", invalid[i]);
    }
}


void
test_window_placeholders(void)
{
    size_t                    at;
    unsigned char             json[512];
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_spec_t   spec;
    ngx_http_overlay_error_t  err;
    ngx_http_overlay_spec_conf_t  conf;

    static const struct {
        const char  *text;
        int          mask;
        size_t       at;
    } cases[] = {
        { "Last Chance!", 0, 0 },
        { "{days} days left", NGX_HTTP_OVERLAY_USES_DAYS, 0 },
        { "{hours}h {days}d", NGX_HTTP_OVERLAY_USES_HOURS
                              | NGX_HTTP_OVERLAY_USES_DAYS, 0 },
        { "until {until}", NGX_HTTP_OVERLAY_USES_UNTIL, 0 },
        { "{{x}}", NGX_HTTP_OVERLAY_USES_BRACES, 0 },
        { "{", -1, 0 },
        { "a}", -1, 1 },
        { "{day}", -1, 0 },
        { "{DAYS}", -1, 0 },
        { "{days", -1, 0 },
        { "x {{{days}}}", NGX_HTTP_OVERLAY_USES_BRACES
                          | NGX_HTTP_OVERLAY_USES_DAYS, 0 },
        { "{{{", -1, 2 },
    };

    static const struct {
        const char  *json;
        const char  *msg;
    } refused[] = {
        { "{\"overlay\":\"{days} left\"}",
          "overlay uses {days} without until" },
        { "{\"layers\":[{\"text\":\"{hours}\",\"from\":"
          "\"2026-01-01T00:00:00Z\"}]}",
          "layers[0].text uses {hours} without layers[0].until" },
        { "{\"layers\":[{\"text\":\"a {b}\"}]}",
          "layers[0].text has \"{\" at byte 2, not {days}, {hours}, "
          "{until}, {{ or }}" },
        { "{\"layers\":[{\"text\":\"a\",\"until\":\"tomorrow\"}]}",
          "layers[0].until \"tomorrow\" is not an RFC 3339 instant" },
        { "{\"layers\":[{\"text\":\"a\",\"until\":5}]}",
          "layers[0].until" },
        { "{\"overlay\":\"a\",\"from\":\"2026-01-02T00:00:00Z\","
          "\"until\":\"2026-01-01T00:00:00Z\"}",
          "from is not before until" },
        { "{\"layers\":[{\"text\":\"a\"}],\"until\":"
          "\"2026-01-01T00:00:00Z\"}",
          "unknown key \"until\"" },
    };

    size_t  i;
    int     mask;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        at = 99;
        mask = ngx_http_overlay_placeholders(cases[i].text,
                                             strlen(cases[i].text), &at);
        CHECK(mask == cases[i].mask && (mask >= 0 || at == cases[i].at),
              "\"%s\": %d at %zu, not %d at %zu", cases[i].text, mask, at,
              cases[i].mask, cases[i].at);
    }

    ngx_http_overlay_spec_conf_init(&conf);

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        strcpy((char *) json, refused[i].json);

        rc = ngx_http_overlay_spec_parse(json, strlen(refused[i].json), &conf,
                                         &spec, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_SPEC
              && strstr(err.msg, refused[i].msg) != NULL,
              "%s: refused as \"%s\", not \"%s\"", refused[i].json,
              refused[i].msg, err.msg);
    }

    /* the shorthand's window, and the dump's instants in their offsets */

    window_spec(&spec, json, "{\"overlay\":\"{days} left\",\"until\":"
                "\"2026-12-25T00:00:00+01:00\",\"from\":"
                "\"2026-12-18T00:00:00Z\"}");

    CHECK(spec.nlayers == 1
          && spec.layers[0].window == (NGX_HTTP_OVERLAY_HAS_FROM
                                       | NGX_HTTP_OVERLAY_HAS_UNTIL
                                       | NGX_HTTP_OVERLAY_USES_DAYS)
          && spec.layers[0].until_offset == 60,
          "the shorthand takes from and until");

    if (spec.nlayers == 1) {
        char  *dump;

        dump = ngx_http_overlay_spec_dump(&spec, &conf);
        CHECK(dump != NULL
              && strstr(dump, "\"from\":\"2026-12-18T00:00:00Z\","
                              "\"until\":\"2026-12-25T00:00:00+01:00\"")
                 != NULL, "dumped: %s", dump);
        free(dump);
    }
}


void
test_window_at(void)
{
    static const char  week[] =
        "{\"layers\":[{\"text\":\"{days} days left\","
        "\"from\":\"2026-12-18T00:00:00Z\","
        "\"until\":\"2026-12-25T00:00:00Z\"},"
        "{\"text\":\"Last day: {hours}h\","
        "\"from\":\"2026-12-24T00:00:00Z\","
        "\"until\":\"2026-12-25T00:00:00Z\"},"
        "{\"text\":\"No window\"}]}";

    static const char  leap[] =
        "{\"overlay\":\"{days} left, until {until}\","
        "\"until\":\"2028-03-01T00:00:00Z\"}";

    static const char  offsets[] =
        "{\"layers\":[{\"text\":\"{until}\","
        "\"until\":\"2026-12-25T00:00:00+01:00\"},"
        "{\"text\":\"{until} {{ok}}\","
        "\"until\":\"2026-12-24T20:00:00-05:00\"}]}";

    static const char  one[] =
        "{\"layers\":[{\"text\":\"Soon\",\"from\":"
        "\"2026-12-18T00:00:00Z\"},{\"text\":\"Gone\",\"until\":"
        "\"2026-12-01T00:00:00Z\"}]}";

    /* before the window: only the timeless layer; next: the first from */

    window_at("week", week, "2026-12-17T23:59:59Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "No window",
              "2026-12-18T00:00:00Z");

    /*
     * its first second: 7 days left (7 * 86400 s, rounded up), until 6 *
     * 86400 s are left: the next change
     */

    window_at("week", week, "2026-12-18T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "7 days left|No window",
              "2026-12-19T00:00:00Z");
    window_at("week", week, "2026-12-18T23:59:59Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "7 days left|No window",
              "2026-12-19T00:00:00Z");
    window_at("week", week, "2026-12-19T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "6 days left|No window",
              "2026-12-20T00:00:00Z");
    window_at("week", week, "2026-12-19T00:00:01Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "6 days left|No window",
              "2026-12-20T00:00:00Z");

    /* the last day: two layers, the hours' next change first */

    window_at("week", week, "2026-12-24T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED,
              "1 days left|Last day: 24h|No window", "2026-12-24T01:00:00Z");
    window_at("week", week, "2026-12-24T22:59:59Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED,
              "1 days left|Last day: 2h|No window", "2026-12-24T23:00:00Z");
    window_at("week", week, "2026-12-24T23:59:59Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED,
              "1 days left|Last day: 1h|No window", "2026-12-25T00:00:00Z");

    /* at until: gone (until is exclusive) */

    window_at("week", week, "2026-12-25T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "No window", "");

    /* across a leap day */

    window_at("leap", leap, "2028-02-28T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "2 left, until 2028-03-01",
              "2028-02-29T00:00:00Z");
    window_at("leap", leap, "2028-02-29T12:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "1 left, until 2028-03-01",
              "2028-03-01T00:00:00Z");
    window_at("leap", leap, "2028-03-01T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_EXPIRED, "", "");

    /* {until} in the instant's own offset; braces */

    window_at("offsets", offsets, "2026-12-20T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "2026-12-25|2026-12-24 {ok}",
              "2026-12-24T23:00:00Z");

    /* nothing now: pending while a layer is to come, else expired */

    window_at("one", one, "2026-12-10T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_PENDING, "", "2026-12-18T00:00:00Z");
    window_at("one", one, "2026-12-18T00:00:00Z",
              NGX_HTTP_OVERLAY_WINDOW_TIMED, "Soon", "");

    window_at("timeless", "{\"overlay\":\"Last {{Chance}}\"}",
              "2026-12-18T00:00:00Z", NGX_HTTP_OVERLAY_WINDOW_TIMELESS,
              "Last {Chance}", "");
}
