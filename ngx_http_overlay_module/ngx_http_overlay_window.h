
/*
 * ngx_http_overlay_module: the licence window of a layer.  RFC 3339
 * instants ("from", "until"), the countdown placeholders of a text
 * ({days}, {hours}, {until}; {{ and }} for braces), and the spec as drawn
 * at an instant: the layers whose window holds it, their placeholders
 * filled in, and when the drawing next changes.
 *
 * Plain C, no nginx headers; no state: thread-safe.
 */


#ifndef _NGX_HTTP_OVERLAY_WINDOW_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_WINDOW_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_http_overlay_spec.h"


/* layer->window: what the layer's drawing depends on */
#define NGX_HTTP_OVERLAY_HAS_FROM      0x01
#define NGX_HTTP_OVERLAY_HAS_UNTIL     0x02
#define NGX_HTTP_OVERLAY_USES_DAYS     0x04
#define NGX_HTTP_OVERLAY_USES_HOURS    0x08
#define NGX_HTTP_OVERLAY_USES_UNTIL    0x10
#define NGX_HTTP_OVERLAY_USES_BRACES   0x20     /* {{ or }} */

#define NGX_HTTP_OVERLAY_USES_COUNTDOWN                                      \
    (NGX_HTTP_OVERLAY_USES_DAYS | NGX_HTTP_OVERLAY_USES_HOURS                 \
     | NGX_HTTP_OVERLAY_USES_UNTIL)

/*
 * room for an instant as ngx_http_overlay_instant_format() writes it,
 * "2026-12-31T23:59:59+02:00" (26 bytes with its NUL), and to spare
 */
#define NGX_HTTP_OVERLAY_INSTANT_LEN   64


typedef enum {
    NGX_HTTP_OVERLAY_WINDOW_TIMELESS = 0,  /* drawn whatever the time */
    NGX_HTTP_OVERLAY_WINDOW_TIMED,         /* drawn now; it may change */
    NGX_HTTP_OVERLAY_WINDOW_PENDING,       /* nothing to draw yet */
    NGX_HTTP_OVERLAY_WINDOW_EXPIRED        /* nothing to draw any more */
} ngx_http_overlay_when_e;


/*
 * An RFC 3339 date-time with its offset ("2026-12-31T23:59:59Z",
 * "2026-12-31T23:59:59.5+02:00"; "t", "z" and a space for "T" too): *t,
 * seconds since the epoch (a fraction dropped); *offset, minutes east of
 * UTC.  0, or -1 when it is not one (a date that does not exist, no
 * offset, a year outside 0000 to 9999).
 */
int ngx_http_overlay_instant_parse(const char *s, size_t len, int64_t *t,
    int *offset);

/* t as RFC 3339 in offset, "Z" for 0, into buf of INSTANT_LEN bytes */
void ngx_http_overlay_instant_format(int64_t t, int offset, char *buf);

/*
 * The placeholders a text uses (USES_* bits), or -1 when a brace is not
 * one of {days}, {hours}, {until}, {{ and }}: *at is its byte.
 */
int ngx_http_overlay_placeholders(const char *text, size_t len, size_t *at);

/* the bytes ngx_http_overlay_spec_at() may write for spec's texts */
size_t ngx_http_overlay_spec_at_size(const ngx_http_overlay_spec_t *spec);

/*
 * The spec as drawn at now (seconds since the epoch) into out (which may
 * be spec): the layers from whose "from" (inclusive) to whose "until"
 * (exclusive) now is, in order, their texts' placeholders filled in
 * ({days}: whole days left, rounded up; {hours}: whole hours, rounded up;
 * {until}: the date of until in its own offset, YYYY-MM-DD) in buf (of
 * ngx_http_overlay_spec_at_size() bytes), the window fields cleared.
 * *next is when the drawing next changes (a "from", an "until", a day or
 * an hour of a countdown), 0 if never.  Returns WINDOW_TIMELESS when no
 * layer depends on the time, WINDOW_PENDING or WINDOW_EXPIRED when no
 * layer is left (PENDING when one is still to come), else WINDOW_TIMED.
 */
ngx_http_overlay_when_e ngx_http_overlay_spec_at(
    const ngx_http_overlay_spec_t *spec, int64_t now,
    ngx_http_overlay_spec_t *out, char *buf, size_t size, int64_t *next);


#endif /* _NGX_HTTP_OVERLAY_WINDOW_H_INCLUDED_ */
