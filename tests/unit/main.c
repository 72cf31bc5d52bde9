
/*
 * The unit tests' runner: the table of groups, by the core source each
 * tests, run all, or only those named.
 *
 * usage: unit [FIXTURES_DIR [GROUP[,GROUP...] ...]]
 *
 * FIXTURES_DIR defaults to t/fixtures.  Without GROUP arguments, the
 * groups named in the environment's ONLY (comma-separated) run, or, when
 * it is unset or empty, every group.  An unknown name is an error (exit
 * 2) that lists the groups.  Prints one line per failed check and a
 * closing "N passed, N failed"; exits 1 when a check failed.
 */


#include "unit.h"


#define UNIT_NAME_LEN  64


static int unit_select(const char *names, unsigned char *selected);


unsigned     unit_passed;
unsigned     unit_failed;
const char  *unit_fixtures;


static const unit_group_t  unit_groups[] = {

    { "error_reasons", test_error_reasons },
    { "error_quote", test_error_quote },

    { "param_decode", test_param_decode },
    { "param_limit", test_param_limit },

    { "spec_values", test_spec_values },
    { "spec_limits", test_spec_limits },
    { "spec_config", test_spec_config },
    { "spec_colors", test_spec_colors },

    { "sign_hmac", test_sign_hmac },
    { "sign_verify", test_sign_verify },

    { "render_fonts", test_render_fonts },
    { "render_styles", test_render_styles },
    { "render_image_layer", test_render_image_layer },
    { "render_glyphs", test_render_glyphs },
    { "render_fringe", test_render_fringe },
    { "render_assets", test_render_assets },

    { "core_composite", test_core_composite },
    { "core_failures", test_core_failures },
    { "core_options", test_core_options },
    { "core_method", test_core_method },

    { "layout_positions", test_layout_positions },
    { "layout_ellipsis", test_layout_ellipsis },
    { "layout_chain", test_layout_chain },

    { "text_shaping", test_text_shaping },
    { "text_bidi", test_text_bidi },
    { "text_pillow", test_text_pillow },
    { "text_libgd", test_text_libgd },
    { "text_threads", test_text_threads },
    { "text_fallback", test_text_fallback },
    { "text_emoji", test_text_emoji },

    { "window_instants", test_window_instants },
    { "window_placeholders", test_window_placeholders },
    { "window_at", test_window_at },

    { "face_cache", test_face_cache },
    { "face_strike", test_face_strike },

    { "runs_runs", test_runs_runs },
    { "runs_presentation", test_runs_presentation },

    { "glyph_colour", test_glyph_colour },

    { "tiles_cache", test_tiles_cache },
    { "tiles_threads", test_tiles_threads },
    { "tiles_key", test_tiles_key },
    { "tiles_blend", test_tiles_blend },

    { "file_read", test_file_read },

    { "bytes_order", test_bytes_order },

    { "codec_detect", test_codec_detect },

    { "jpeg_probe", test_jpeg_probe },
    { "jpeg_headers", test_jpeg_headers },
    { "jpeg_apply", test_jpeg_apply },
    { "jpeg_hostile", test_jpeg_hostile },

    { "jpeg_marker_walk", test_jpeg_marker_walk },
    { "jpeg_marker_flags", test_jpeg_marker_flags },
    { "jpeg_marker_dht", test_jpeg_marker_dht },

    { "jpeg_exif_orientation", test_jpeg_exif_orientation },
    { "jpeg_exif_orient_point", test_jpeg_exif_orient_point },

    { "jpeg_dct", test_jpeg_dct },

    { "jpeg_tables", test_jpeg_tables },

    { "jpeg_splice", test_jpeg_splice },
    { "jpeg_splice_composite", test_jpeg_splice_composite },
    { "jpeg_splice_fit", test_jpeg_splice_fit },
    { "jpeg_splice_fit_dht", test_jpeg_splice_fit_dht },

    { "jpeg_prog", test_jpeg_prog },
    { "jpeg_prog_hostile", test_jpeg_prog_hostile },

    { "png_probe", test_png_probe },
    { "png_headers", test_png_headers },
    { "png_decode", test_png_decode },
    { "png_chunks", test_png_chunks },
    { "png_composite", test_png_composite },
    { "png_idat", test_png_idat },

    { "png_encode", test_png_encode },

    { "png_blend", test_png_blend },
    { "png_reduce", test_png_reduce },

    { "webp_headers", test_webp_headers },
    { "webp_composite", test_webp_composite },

    { "webp_alpha", test_webp_alpha },

    { "vp8", test_vp8 },
    { "webp_splice", test_webp_splice },

    { "gif_headers", test_gif_headers },
    { "gif_composite", test_gif_composite },
};

#define UNIT_NGROUPS  (sizeof(unit_groups) / sizeof(unit_groups[0]))


int
main(int argc, char **argv)
{
    int            i, some;
    size_t         g;
    const char    *only;
    unsigned char  selected[UNIT_NGROUPS];

    unit_fixtures = argc > 1 ? argv[1] : "t/fixtures";

    memset(selected, 0, sizeof(selected));
    some = 0;

    for (i = 2; i < argc; i++) {
        if (unit_select(argv[i], selected) != 0) {
            return 2;
        }

        some = 1;
    }

    only = getenv("ONLY");

    if (!some && only != NULL && only[0] != '\0') {
        if (unit_select(only, selected) != 0) {
            return 2;
        }

        some = 1;
    }

    ngx_http_overlay_core_init();

    for (g = 0; g < UNIT_NGROUPS; g++) {
        if (some && !selected[g]) {
            continue;
        }

        unit_groups[g].run();

        /* the tile cache is per thread: no group sees another's */

        ngx_http_overlay_tiles_flush();
    }

    ngx_http_overlay_core_shutdown();

    printf("%u passed, %u failed\n", unit_passed, unit_failed);

    return unit_failed ? 1 : 0;
}


/* marks the groups of a comma-separated list; -1 at an unknown name */

static int
unit_select(const char *names, unsigned char *selected)
{
    size_t       g, n;
    const char  *p, *end;

    for (p = names; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
        end = strchr(p, ',');

        if (end == NULL) {
            end = p + strlen(p);
        }

        n = (size_t) (end - p);

        if (n == 0) {
            continue;
        }

        for (g = 0; g < UNIT_NGROUPS; g++) {
            if (strlen(unit_groups[g].name) == n
                && strncmp(unit_groups[g].name, p, n) == 0)
            {
                selected[g] = 1;
                break;
            }
        }

        if (g < UNIT_NGROUPS) {
            continue;
        }

        fprintf(stderr, "unit: no group \"%.*s\"; the groups:\n",
                (int) (n < UNIT_NAME_LEN ? n : UNIT_NAME_LEN), p);

        for (g = 0; g < UNIT_NGROUPS; g++) {
            fprintf(stderr, "  %s\n", unit_groups[g].name);
        }

        return -1;
    }

    return 0;
}
