
/*
 * Unit tests of ngx_http_overlay_face.c: a thread's faces opened once and
 * found again, the oldest closed first past NGX_HTTP_OVERLAY_FACES, sizes
 * set, a missing file refused, and all freed and opened again.
 */


#include <math.h>

#include "unit.h"
#include "ngx_http_overlay_face.h"


#define FACE_DIR  "/usr/share/fonts/truetype/dejavu/"
#define FACE_FILE "DejaVuSans-Bold.ttf"


void
test_face_cache(void)
{
    char                       path[NGX_HTTP_OVERLAY_FACES + 1][128];
    unsigned                   i;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;
    ngx_http_overlay_face_t   *f, *g, *first, *last;

    ngx_http_overlay_face_thread_free();

    rc = ngx_http_overlay_face(NGX_HTTP_OVERLAY_DEFAULT_FONT, &f, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && f->face != NULL
          && strcmp(f->path, NGX_HTTP_OVERLAY_DEFAULT_FONT) == 0,
          "the default font opened: %s", rc ? err.msg : "");

    rc = ngx_http_overlay_face(NGX_HTTP_OVERLAY_DEFAULT_FONT, &g, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && g == f && g->face == f->face,
          "opened once, found again");

    CHECK(ngx_http_overlay_face_size(f, 0, 20.0, &err) == NGX_HTTP_OVERLAY_OK
          && f->face->size == f->draw && f->draw_px == 20.0
          && ngx_http_overlay_face_size(f, 1, 20.0, &err)
             == NGX_HTTP_OVERLAY_OK
          && f->face->size == f->metric && f->metric_px == 20.0,
          "the drawing's and the metrics' sizes, each active in turn");

    /* one more path than slots (the same file, spelt otherwise) */

    first = last = NULL;

    for (i = 0; i <= NGX_HTTP_OVERLAY_FACES; i++) {
        snprintf(path[i], sizeof(path[i]), "%.*s" FACE_FILE,
                 (int) sizeof(FACE_DIR) - 1 + (int) i, FACE_DIR "/////////");

        rc = ngx_http_overlay_face(path[i], &f, &err);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            break;
        }

        if (i == 0) {
            first = f;
        }

        last = f;
    }

    CHECK(i == NGX_HTTP_OVERLAY_FACES + 1 && last == first
          && strcmp(last->path, path[NGX_HTTP_OVERLAY_FACES]) == 0,
          "past %d faces the oldest slot is taken again",
          NGX_HTTP_OVERLAY_FACES);

    rc = ngx_http_overlay_face(path[NGX_HTTP_OVERLAY_FACES], &g, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && g == last, "the newest is kept");

    rc = ngx_http_overlay_face(FACE_DIR "no-such-font.ttf", &f, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_RENDER_FAILED
          && strstr(err.msg, "FT_New_Face() failed") != NULL,
          "a missing font: \"%s\"", err.msg);

    /* freed (ASan and LSan check it), and opened again */

    ngx_http_overlay_face_thread_free();

    rc = ngx_http_overlay_face(NGX_HTTP_OVERLAY_DEFAULT_FONT, &f, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && f->face != NULL,
          "opened again after the thread's faces were freed");

    ngx_http_overlay_face_thread_free();
}


/*
 * A font of bitmaps (Noto Color Emoji: one strike, 109 pixels): the strike
 * is selected at any size, scaled to it, and its glyphs are colour ones
 */

void
test_face_strike(void)
{
    double                     ppem;
    ngx_http_overlay_rc_e      rc;
    ngx_http_overlay_error_t   err;
    ngx_http_overlay_face_t   *f;

    rc = ngx_http_overlay_face("/usr/share/fonts/truetype/noto/"
                               "NotoColorEmoji.ttf", &f, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && f->bitmap
          && f->face->num_fixed_sizes > 0,
          "Noto Color Emoji opened, bitmaps only (fonts-noto-color-emoji; "
          "make deps): %s", rc == NGX_HTTP_OVERLAY_OK ? "" : err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK || !f->bitmap) {
        return;
    }

    ppem = f->face->available_sizes[f->face->num_fixed_sizes - 1].y_ppem
           / 64.0;

    rc = ngx_http_overlay_face_size(f, 0, 36.0, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && f->face->size == f->draw
          && fabs(f->draw_scale * f->face->size->metrics.y_ppem - 36.0)
             < 1.0,
          "36 px: the strike scaled by %.3f (ppem %.0f): %s", f->draw_scale,
          ppem, rc == NGX_HTTP_OVERLAY_OK ? "" : err.msg);

    rc = ngx_http_overlay_face_size(f, 1, 36.0, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && f->face->size == f->metric,
          "its metric size is the same strike");

    rc = ngx_http_overlay_face_size(f, 0, 300.0, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && f->draw_scale > 1.0,
          "300 px: the largest strike, scaled up (%.3f)", f->draw_scale);

    CHECK(FT_Load_Glyph(f->face, FT_Get_Char_Index(f->face, 0x1f525),
                        FT_LOAD_COLOR) == 0
          && f->face->glyph->bitmap.pixel_mode == FT_PIXEL_MODE_BGRA,
          "U+1F525 is a colour bitmap");

    /* a plain font is not one of bitmaps */

    rc = ngx_http_overlay_face(NGX_HTTP_OVERLAY_DEFAULT_FONT, &f, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && !f->bitmap, "DejaVu has outlines");
}
