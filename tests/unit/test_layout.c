
/*
 * Unit tests of ngx_http_overlay_layout.c: the layout of every style and
 * position at any size, text that shrinks or is cut with an ellipsis.
 */


#include <math.h>

#include "unit.h"
#include "ngx_http_overlay_layout.h"


void
test_layout_positions(void)
{
    int                         shorter;
    char                        long_text[101];
    double                      ratio[2];
    unsigned                    i;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_layout_t   layout, other;
    ngx_http_overlay_options_t  opts;
    ngx_http_overlay_rect_t    *box;

    static const int  sizes[2][2] = { { 320, 180 }, { 3840, 2160 } };

    ngx_http_overlay_options_init(&opts);

    one_text(&spec, &opts, "Last Chance!");

    /* top-right, inside the image; the same proportions at any size */

    for (i = 0; i < 2; i++) {
        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            sizes[i][0], sizes[i][1], &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "layout %d: %s", sizes[i][0],
              err.msg);

        shorter = sizes[i][1];
        box = &layout.layers[0].box;

        CHECK(box->x > sizes[i][0] / 2 && box->x + box->w < sizes[i][0]
              && box->y > 0 && box->y + box->h < sizes[i][1] / 2,
              "badge of %dx%d not in the top-right corner: %d,%d %dx%d",
              sizes[i][0], sizes[i][1], box->x, box->y, box->w, box->h);

        CHECK(layout.bounds.x == box->x - 2 && layout.bounds.w == box->w + 4,
              "bounds are the badge's, and 2 pixels around");

        ratio[i] = (double) box->h / shorter;

        ngx_http_overlay_render_free(&layout);
    }

    CHECK(ratio[0] / ratio[1] > 0.85 && ratio[0] / ratio[1] < 1.15,
          "badge height / shorter side: %.3f on a thumbnail, %.3f in 4K",
          ratio[0], ratio[1]);

    /* each position puts the box in its ninth of the image */

    for (i = 0; i < 9; i++) {
        int  cx, cy;

        spec.layers[0].position = (ngx_http_overlay_position_e) i;

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            900, 600, &err);
        box = &layout.layers[0].box;
        cx = box->x + box->w / 2;
        cy = box->y + box->h / 2;

        CHECK(rc == NGX_HTTP_OVERLAY_OK && cx / 300 == (int) i % 3
              && cy / 200 == (int) i / 3,
              "position %s: box centre %d,%d",
              ngx_http_overlay_position_name(i), cx, cy);

        ngx_http_overlay_render_free(&layout);
    }

    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_RIGHT;

    /* a banner spans the width; a ribbon is a corner's sash */

    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_BANNER;
    spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM;
    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 900,
                                        600, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x == 0
          && layout.layers[0].box.w == 900
          && layout.layers[0].box.y > 500, "banner at the bottom");
    ngx_http_overlay_render_free(&layout);

    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_RIBBON;
    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_LEFT;
    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 900,
                                        600, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x == 0
          && layout.layers[0].box.y == 0
          && layout.layers[0].box.w < 450 && layout.layers[0].angle > 0,
          "ribbon in the top-left corner: %dx%d", layout.layers[0].box.w,
          layout.layers[0].box.h);
    ngx_http_overlay_render_free(&layout);

    spec.layers[0].style = NGX_HTTP_OVERLAY_STYLE_BADGE;
    spec.layers[0].position = NGX_HTTP_OVERLAY_TOP_RIGHT;

    /* a text too long shrinks, and nothing is outside the image */

    memset(long_text, 'W', 100);
    long_text[100] = '\0';
    one_text(&spec, &opts, long_text);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 320,
                                        180, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.x >= 0
          && layout.layers[0].box.x + layout.layers[0].box.w <= 320
          && layout.layers[0].font_px < 180 * 0.06,
          "long text: box at %d, width %d, %.1f px",
          layout.layers[0].box.x, layout.layers[0].box.w,
          layout.layers[0].font_px);
    ngx_http_overlay_render_free(&layout);

    /* "&#65;" is drawn as five characters, not as the entity "A" */

    one_text(&spec, &opts, "&#65;");
    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 640,
                                        480, &err);
    one_text(&spec, &opts, "A");
    rc |= ngx_http_overlay_render_layout(&other, &spec, &opts.render, 640,
                                         480, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && layout.layers[0].box.w > 2 * other.layers[0].box.w,
          "entity text: %d vs %d", layout.layers[0].box.w,
          other.layers[0].box.w);
    ngx_http_overlay_render_free(&layout);
    ngx_http_overlay_render_free(&other);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 0, 10,
                                        &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE, "layout of an empty image");

    /* a rounded badge leaves its corners as they were, its middle not */

    {
        int         corner, middle;
        gdImagePtr  im;

        one_text(&spec, &opts, "Rounded");
        spec.layers[0].radius = 0.5;

        im = gdImageCreateTrueColor(400, 300);
        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            400, 300, &err);

        if (im != NULL && rc == NGX_HTTP_OVERLAY_OK) {
            rc = ngx_http_overlay_render_draw(&layout, im, 0, 0, &err);
            box = &layout.layers[0].box;
            corner = gdImageGetTrueColorPixel(im, box->x, box->y);
            middle = gdImageGetTrueColorPixel(im, box->x + 2,
                                              box->y + box->h / 2);
            CHECK(rc == NGX_HTTP_OVERLAY_OK && corner == 0
                  && gdTrueColorGetRed(middle) > 150,
                  "rounded corners: corner %06x, middle %06x", corner,
                  middle);
            ngx_http_overlay_render_free(&layout);
        }

        if (im != NULL) {
            gdImageDestroy(im);
        }
    }
}


/* the ellipsis keeps the longest start that fits, in any script: one more
 * character would not fit */

void
test_layout_ellipsis(void)
{
    int                         k, avail, margin, pad;
    char                        text[600], *cut;
    size_t                      i;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_layout_t   layout;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);

    text[0] = '\0';

    for (i = 0; i < 60; i++) {
        strcat(text, i % 2 ? "a" : "\xe2\x82\xac");
    }

    one_text(&spec, &opts, text);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 100,
                                        60, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK
          && strstr(layout.layers[0].text, "\xe2\x80\xa6") != NULL,
          "cut with an ellipsis: %s", layout.layers[0].text);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_extent_t  ext;

        margin = (int) lround(60 * 0.03);
        pad = (int) lround(layout.layers[0].font_px * 0.5);
        avail = 100 - 2 * margin - 2 * pad;

        /* one character more than kept, then the ellipsis */

        k = (int) (strstr(layout.layers[0].text, "\xe2\x80\xa6")
                   - layout.layers[0].text);
        k += ((unsigned char) text[k] >= 0xc0) ? 3 : 1;

        cut = malloc((size_t) k + 4);
        memcpy(cut, text, (size_t) k);
        memcpy(cut + k, "\xe2\x80\xa6", 4);

        rc = ngx_http_overlay_measure(NGX_HTTP_OVERLAY_DEFAULT_FONT,
                                      layout.layers[0].font_px, cut, &ext,
                                      &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && ext.width > avail,
              "a longer cut would fit: \"%s\" is %d of %d pixels", cut,
              ext.width, avail);
        free(cut);

        ngx_http_overlay_render_free(&layout);
    }
}


/*
 * One box height for every text of a chain, whatever its script: "Last
 * Chance!" in Latin, Devanagari, Thai, Japanese, Korean and with an emoji,
 * each a badge of the same height in a chain of the five fonts, one
 * baseline (the text's y); the chain's box at least as tall as the first
 * font's alone, which is the default chain's as before chains.
 */

void
test_layout_chain(void)
{
    int                         h, y, h0;
    size_t                      i;
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_layout_t   layout;
    ngx_http_overlay_options_t  opts;

    static const char  *texts[] = {
        "Last Chance!",
        "\xe0\xa4\x85\xe0\xa4\x82\xe0\xa4\xa4\xe0\xa4\xbf\xe0\xa4\xae "
        "\xe0\xa4\xae\xe0\xa5\x8c\xe0\xa4\x95\xe0\xa4\xbe!",
        "\xe0\xb9\x82\xe0\xb8\xad\xe0\xb8\x81\xe0\xb8\xb2\xe0\xb8\xaa\xe0\xb8"
        "\xaa\xe0\xb8\xb8\xe0\xb8\x94\xe0\xb8\x97\xe0\xb9\x89\xe0\xb8\xb2"
        "\xe0\xb8\xa2!",
        "\xe6\x9c\x80\xe5\xbe\x8c\xe3\x81\xae\xe3\x83\x81\xe3\x83\xa3\xe3\x83"
        "\xb3\xe3\x82\xb9\xef\xbc\x81",
        "\xeb\xa7\x88\xec\xa7\x80\xeb\xa7\x89 \xea\xb8\xb0\xed\x9a\x8c!",
        "\xf0\x9f\x94\xa5 Last Chance!",
        "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 \xd8\xa3\xd8\xae\xd9\x8a\xd8\xb1"
        "\xd8\xa9!",
    };

    ngx_http_overlay_options_init(&opts);

    /* the default chain: DejaVu Sans Bold alone */

    one_text(&spec, &opts, texts[0]);

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 640,
                                        360, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "Latin in the default chain: %s",
          err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    h0 = layout.layers[0].box.h;
    ngx_http_overlay_render_free(&layout);

    rc = ngx_http_overlay_options_add_font(&opts, "all",
             NGX_HTTP_OVERLAY_DEFAULT_FONT
             ";/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"
             ";/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf"
             ";/usr/share/fonts/truetype/wqy/wqy-microhei.ttc");
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a chain of four added");

    rc = ngx_http_overlay_options_add_font(&opts, "emoji",
             NGX_HTTP_OVERLAY_DEFAULT_FONT
             ";/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf");
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "a chain with emoji added");

    h = -1;
    y = -1;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {

        /* the emoji text in the emoji chain, the others in the four */

        one_text(&spec, &opts, texts[i]);
        spec.layers[0].font = (i == 5) ? 2 : 1;

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            640, 360, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_OK, "text %zu laid out: %s", i,
              err.msg);

        if (rc != NGX_HTTP_OVERLAY_OK) {
            continue;
        }

        if (i == 0) {
            h = layout.layers[0].box.h;
            y = layout.layers[0].text_y - layout.layers[0].box.y;

            CHECK(h >= h0, "the chain's box %d, at least the first font's "
                  "%d", h, h0);

        } else if (i != 5) {
            CHECK(layout.layers[0].box.h == h
                  && layout.layers[0].text_y - layout.layers[0].box.y == y,
                  "text %zu: a box %d high, baseline at %d, as Latin's %d "
                  "and %d", i, layout.layers[0].box.h,
                  layout.layers[0].text_y - layout.layers[0].box.y, h, y);

        } else {
            CHECK(layout.layers[0].box.h >= h0
                  && layout.layers[0].box.h <= h0 + h0 / 4,
                  "an emoji's box %d, about the default's %d",
                  layout.layers[0].box.h, h0);
        }

        ngx_http_overlay_render_free(&layout);
    }

    /* with emoji or without, one height in the emoji chain */

    one_text(&spec, &opts, "Last Chance!");
    spec.layers[0].font = 2;

    rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render, 640,
                                        360, &err);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        h = layout.layers[0].box.h;
        ngx_http_overlay_render_free(&layout);

        one_text(&spec, &opts, texts[5]);
        spec.layers[0].font = 2;

        rc = ngx_http_overlay_render_layout(&layout, &spec, &opts.render,
                                            640, 360, &err);
    }

    CHECK(rc == NGX_HTTP_OVERLAY_OK && layout.layers[0].box.h == h,
          "\"Last Chance!\" with an emoji and without: %d and %d high",
          rc == NGX_HTTP_OVERLAY_OK ? layout.layers[0].box.h : -1, h);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        ngx_http_overlay_render_free(&layout);
    }

    ngx_http_overlay_options_free(&opts);
}
