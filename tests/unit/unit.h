
/*
 * The unit tests of the core: what the test files share.  The check and
 * its counters, the group type of the runner's table (main.c), the
 * fixtures several files use (fixtures.c) and the checks several files
 * make (checks.c), and the groups, listed by the core source each tests
 * (test_SOURCE.c tests ngx_http_overlay_SOURCE.c).
 *
 * Plain C on the core's public headers; no nginx involved.  Each group
 * runs alone: it builds what it needs, and the runner empties the tile
 * cache after each, so no group sees what another left.
 */


#ifndef _NGX_HTTP_OVERLAY_UNIT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_UNIT_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>
#include <jpeglib.h>

#include "ngx_http_overlay_core.h"


/* the checks made, passed and failed, over every group run (main.c) */
extern unsigned     unit_passed;
extern unsigned     unit_failed;

/* the directory of the fixtures: the runner's first argument */
extern const char  *unit_fixtures;


/* one check: counted, and a line "FAIL file:line: message" when it fails */

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            unit_passed++;                                                    \
        } else {                                                              \
            unit_failed++;                                                    \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)


/* {"overlay":"Last Chance!"}, base64url: the value producers send */
#define UNIT_B64  "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0"


/* a group of checks, as the runner's table names it */

typedef struct {
    const char  *name;
    void       (*run)(void);
} unit_group_t;


/* --- fixtures.c: fixtures read, images built and read back ------------- */

/* JPEG variants made at run time from a real photo, with libjpeg */

typedef struct {
    J_COLOR_SPACE   space;          /* JCS_YCbCr, JCS_GRAYSCALE, JCS_CMYK */
    int             h, v;           /* the luma's sampling factors */
    int             progressive;
    int             restart;        /* in MCU rows */
    int             quality;
    unsigned        orientation;    /* 0: no EXIF */
    int             optimize;       /* optimal Huffman tables */
    int             restart_mcus;   /* a restart interval in MCUs */
} jpeg_variant_t;


/* the coefficients of a JPEG: blocks[c][by][bx] flattened, and the grid */

typedef struct {
    int        ncomp;
    int        w[4];                /* blocks */
    int        h[4];
    JCOEF     *coef[4];
    int        progressive;
    int        markers;             /* APPn and COM segments */
    char       com[64];
    int        icc;
    unsigned   orientation;
} jpeg_coefs_t;


/* JPEG's zigzag order: the k-th coefficient coded is block[jpeg_zigzag[k]]
 * (the tests' own, not the codec's) */
extern const int  jpeg_zigzag[DCTSIZE2];


/* the fixture file name, malloc()ed; exits with 2 when it cannot be read */
unsigned char *read_fixture(const char *name, size_t *len);

/* the fixture decoded by libgd, truecolor; NULL and a failed check if not */
gdImagePtr decode_fixture(const char *name);

/* the fixture resampled by libgd to w x h, RGB rows, malloc()ed; exits
 * with 2 when it cannot be made */
unsigned char *rgb_fixture(const char *name, int w, int h);

/* a lossy WebP's settings for libwebp's encoder (the VP8 tests') */
typedef struct {
    int        quality;
    int        method;
    int        segments;
    int        sns;
    int        filter;
    int        sharpness;
    int        filter_type;                 /* 0 simple, 1 normal */
    int        partitions;                  /* log2 */
} webp_variant_t;

/*
 * libwebp's settings the VP8 tests encode with: every quality band,
 * method, segment count, filter and partition count (libwebp writes one
 * partition at methods 3 to 6, whatever partitions says: the variants
 * with more are at 0 to 2)
 */
#define WEBP_VARIANTS  8
extern const webp_variant_t  webp_variants[WEBP_VARIANTS];

/* w x h RGB rows encoded by libwebp as v says: WebPFree() it; NULL if
 * libwebp fails */
unsigned char *webp_encode_rgb(const unsigned char *rgb, int w, int h,
    const webp_variant_t *v, size_t *len);

/* a JPEG or PNG decoded by libgd, truecolor, or NULL */
gdImagePtr decode_image(const unsigned char *data, size_t len);

/* the sum of the channels' differences of two truecolor pixels */
int pixel_distance(int a, int b);

/* spec made one text layer, text, with the defaults */
void one_text(ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, const char *text);

/*
 * spec made one image layer, with the defaults, of the asset *im named
 * names[0], which opts then holds
 */
void one_image(ngx_http_overlay_spec_t *spec,
    ngx_http_overlay_options_t *opts, const char *const *names,
    gdImagePtr *im);

/* p with n bytes at pos replaced by the m bytes of s, malloc()ed */
unsigned char *replace_bytes(const unsigned char *p, size_t len, size_t pos,
    size_t n, const void *s, size_t m, size_t *out_len);

/* im as a JPEG made as v says (with EXIF, ICC and a comment), malloc()ed */
unsigned char *make_jpeg(gdImagePtr im, const jpeg_variant_t *v,
    unsigned long *len);

/* a JPEG of the top-left w x h of photo, made as v says */
unsigned char *crop_jpeg(gdImagePtr photo, int w, int h,
    const jpeg_variant_t *v, unsigned long *len);

/* a JPEG made of coefficients: every AC symbol, every DC 0 (jpeg_tables) */
unsigned char *make_coef_jpeg(unsigned long *len);

/* a grey progressive JPEG with as many scans as progression allows */
unsigned char *make_scan_bomb(unsigned long *len, int *nscans);

/* the coefficients and markers of a JPEG, as libjpeg reads them */
int read_coefs(const unsigned char *data, unsigned long len,
    jpeg_coefs_t *jc);
void free_coefs(jpeg_coefs_t *jc);

/* libjpeg's warnings when decoding: corrupt entropy-coded data shows */
long jpeg_warnings(const unsigned char *p, size_t len);

/* a sample of 16 bits of the PNGs made here, per pixel and channel */
unsigned png_sample(int x, int y, int c);

/* a w x h PNG of png_sample()s, by libpng's writer, malloc()ed */
unsigned char *make_png(int w, int h, int colour, int depth, int interlace,
    int trns, size_t *len);

/* the PNG with a chunk of n bytes (data, or of fill) inserted at pos */
unsigned char *png_insert_chunk(const unsigned char *png, size_t len,
    size_t pos, const char *type, const unsigned char *data, size_t n,
    int fill, int bad_crc, size_t *out_len);

/* the PNG's IDATs of 997 bytes, and a fault (fixtures.c), malloc()ed */
unsigned char *png_reidat(const unsigned char *png, size_t len, int fault,
    size_t *out_len);

/* the data of the first chunk of the type, its length in *n; NULL: none */
const unsigned char *png_chunk_find(const unsigned char *png, size_t len,
    const char *type, size_t *n);

/*
 * The PNG as libpng's simplified reader sees it: linear RGBA, 16 bits a
 * sample, malloc()ed, its size in *w, *h; NULL when it cannot; libpng's
 * message in msg (64 bytes), and *warned set if it warned.
 */
unsigned short *png_read_linear(const unsigned char *png, size_t len,
    unsigned *w, unsigned *h, char *msg, int *warned);

/* the overlay's PSNR in out against ref, both of src (checks.c) */
double check_overlay_psnr(const unsigned char *src, size_t slen,
    const unsigned char *ref, size_t rlen, const unsigned char *out,
    size_t olen);

/* a GIF of frames of w x h pixels at x,y on a screen of sw x sh */
unsigned char *make_gif(unsigned frames, unsigned sw, unsigned sh,
    unsigned x, unsigned y, unsigned w, unsigned h, size_t *len);


/* --- checks.c: checks several test files make --------------------------- */

/* a parameter value as it comes in the URL, and what it must give */

typedef struct {
    const char             *value;
    ngx_http_overlay_rc_e   rc;
    const char             *expect;     /* the normalized spec, or a part
                                           of the message */
    unsigned                repairs;
} value_case_t;


/* each value through ngx_http_overlay_parse_value(): 3 checks each */
void check_values(const value_case_t *cases, size_t n);

/* the probe's verdict on bytes: a code, and a message that has msg */
void check_probe(const char *name, const unsigned char *p, size_t len,
    ngx_http_overlay_rc_e want, const char *msg);

/* a fixture detected as format and composited (rc; msg when refused) */
void check_format(const char *name, ngx_http_overlay_rc_e want,
    ngx_http_overlay_format_e format, const char *msg);


/* --- the groups, by source ---------------------------------------------- */

/* test_error.c */
void test_error_reasons(void);
void test_error_quote(void);

/* test_param.c */
void test_param_decode(void);
void test_param_limit(void);

/* test_spec.c */
void test_spec_values(void);
void test_spec_limits(void);
void test_spec_config(void);
void test_spec_colors(void);

/* test_sign.c */
void test_sign_hmac(void);
void test_sign_verify(void);

/* test_render.c */
void test_render_fonts(void);
void test_render_styles(void);
void test_render_image_layer(void);
void test_render_glyphs(void);
void test_render_fringe(void);
void test_render_assets(void);

/* test_layout.c */
void test_layout_positions(void);
void test_layout_ellipsis(void);
void test_layout_chain(void);

/* test_text.c */
void test_text_shaping(void);
void test_text_bidi(void);
void test_text_pillow(void);
void test_text_libgd(void);
void test_text_threads(void);
void test_text_fallback(void);
void test_text_emoji(void);

/* test_window.c */
void test_window_instants(void);
void test_window_placeholders(void);
void test_window_at(void);

/* test_face.c */
void test_face_cache(void);
void test_face_strike(void);

/* test_runs.c */
void test_runs_runs(void);
void test_runs_presentation(void);

/* test_glyph.c */
void test_glyph_colour(void);

/* test_tiles.c */
void test_tiles_cache(void);
void test_tiles_threads(void);
void test_tiles_key(void);
void test_tiles_blend(void);

/* test_core.c */
void test_core_composite(void);
void test_core_failures(void);
void test_core_options(void);
void test_core_method(void);

/* test_file.c */
void test_file_read(void);

/* test_bytes.c */
void test_bytes_order(void);

/* test_codec.c */
void test_codec_detect(void);

/* test_codec_jpeg.c */
void test_jpeg_probe(void);
void test_jpeg_headers(void);
void test_jpeg_apply(void);
void test_jpeg_hostile(void);

/* test_jpeg_marker.c */
void test_jpeg_marker_walk(void);
void test_jpeg_marker_flags(void);
void test_jpeg_marker_dht(void);

/* test_jpeg_exif.c */
void test_jpeg_exif_orientation(void);
void test_jpeg_exif_orient_point(void);

/* test_jpeg_dct.c */
void test_jpeg_dct(void);

/* test_jpeg_tables.c */
void test_jpeg_tables(void);

/* test_jpeg_splice.c */
void test_jpeg_splice(void);
void test_jpeg_splice_composite(void);

/* test_jpeg_splice_fit.c */
void test_jpeg_splice_fit(void);
void test_jpeg_splice_fit_dht(void);

/* and its helpers, for test_jpeg_prog.c: the JPEG a shell command (%s the
 * PPM, then the JPEG) makes in dir, malloc()ed; im as a PPM; the PSNR of
 * r in two JPEGs; the overlay's bounds; b's blocks changed from a's outside
 * the MCUs under r */
unsigned char *fit_make(const char *cmd, const char *ppm, const char *dir,
    size_t *len);
void fit_ppm(gdImagePtr im, const char *path);
double fit_psnr(const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen, const ngx_http_overlay_rect_t *r);
void fit_bounds(const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, int w, int h,
    ngx_http_overlay_rect_t *r);
int fit_outside(const jpeg_coefs_t *a, const jpeg_coefs_t *b,
    const ngx_http_overlay_rect_t *r);
/* jpeg and ref composited with spec into blob and rblob: 0; -1, neither */
int fit_pair(const unsigned char *jpeg, size_t len, const unsigned char *ref,
    size_t rlen, const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_blob_t *blob,
    ngx_http_overlay_blob_t *rblob, const char *name);

/* test_jpeg_prog.c */
void test_jpeg_prog(void);
void test_jpeg_prog_hostile(void);

/* test_vp8.c */
void test_vp8(void);

/* test_webp_splice.c */
void test_webp_splice(void);

/* test_codec_png.c */
void test_png_probe(void);
void test_png_headers(void);
void test_png_decode(void);
void test_png_chunks(void);
void test_png_composite(void);
void test_png_idat(void);

/* test_png_encode.c */
void test_png_encode(void);

/* test_png_blend.c */
void test_png_blend(void);

/*
 * The PNG the composite makes of png with the default badge, or a grey
 * one (opaque or not), overlay_png_reduce on or off; malloc()ed.
 */
unsigned char *png_render_badge(const unsigned char *png, size_t len,
    int grey, int opaque, int reduce, size_t *out_len);

/* test_png_reduce.c */
void test_png_reduce(void);

/* test_codec_webp.c */
void test_webp_headers(void);
void test_webp_composite(void);

/* test_webp_alpha.c */
void test_webp_alpha(void);

/* test_codec_gif.c */
void test_gif_headers(void);
void test_gif_composite(void);


#endif /* _NGX_HTTP_OVERLAY_UNIT_H_INCLUDED_ */
