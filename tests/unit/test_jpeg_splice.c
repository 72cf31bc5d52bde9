
/*
 * Unit tests of ngx_http_overlay_jpeg_splice.c: the splice alone, on the
 * coefficients of JPEGs libjpeg read (decoded and coded again, unchanged
 * or with a block changed), and through the pipeline on baseline JPEGs,
 * where it shows in the bytes it copies.
 */


#include <limits.h>

#include "unit.h"
#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_jpeg_splice_int.h"
#include "ngx_http_overlay_layout.h"


/* a JPEG as libjpeg read it, for the splice: its coefficients in whole
 * MCUs, and its Huffman tables */

typedef struct {
    unsigned                       w[4];        /* blocks, whole MCUs */
    unsigned                       h[4];
    JCOEF                         *coef[4];
    ngx_http_overlay_splice_dht_t  dht[2][4];
} splice_arrays_t;


static short *splice_block(void *data, unsigned c, unsigned bx,
    unsigned by);
static int splice_setup(ngx_http_overlay_splice_t *s, splice_arrays_t *a,
    const unsigned char *p, size_t len);
static int splice_strict(const unsigned char *p, size_t len);
static int dropped_last(const JCOEF *want, const JCOEF *got);
static size_t rst_offset(const unsigned char *p, size_t len, unsigned n);


/*
 * The splice itself, on rectangles of MCUs at the corners, the edges and
 * inside, of images with partial MCUs, restart intervals and a component
 * alone: unchanged, the output is the source, byte for byte; with one
 * block changed (its DC, which the next block's difference follows from,
 * and an AC coefficient, of sizes that shift the rest by every number of
 * bits), it decodes without a warning to the source's coefficients but
 * that block's.  With adjust (every other change), blocks of the
 * rectangle may also have lost their last AC coefficient, a 1 or -1, and
 * some did; with jump (every other pair), restart intervals are passed
 * over by their markers, to the same output.
 */

void
test_jpeg_splice(void)
{
    int                         c, k, bad, zz, dropped, rest;
    char                        name[128];
    size_t                      i, r, n, nb;
    unsigned                    W, H, x0, y0, x1, y1, bx, by, v;
    gdImagePtr                  photo;
    unsigned char              *jpeg;
    unsigned long               jlen;
    jpeg_coefs_t                a, b;
    splice_arrays_t             arr;
    ngx_http_overlay_splice_t   s;

    static const struct {
        jpeg_variant_t  v;
        int             w, h;
    } sources[] = {
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 }, 600, 390 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 0, 5 }, 601, 391 },
        { { JCS_YCbCr, 1, 1, 0, 1, 90, 0, 0, 0 }, 601, 391 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 0, 7 }, 601, 391 },
        { { JCS_YCbCr, 2, 2, 0, 0, 75, 0, 0, 1 }, 601, 391 },
    };

    photo = decode_fixture("coffee.jpg");

    if (photo == NULL) {
        return;
    }

    dropped = 0;
    rest = 0;

    for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {

        jpeg = crop_jpeg(photo, sources[i].w, sources[i].h, &sources[i].v,
                         &jlen);

        read_coefs(jpeg, jlen, &a);
        memset(&arr, 0, sizeof(splice_arrays_t));

        if (splice_setup(&s, &arr, jpeg, jlen) != 0) {
            CHECK(0, "splice source %zu: %s", i, s.why);
            free_coefs(&a);
            free(jpeg);
            continue;
        }

        W = s.conf.ncomps == 1 ? s.conf.comp[0].width : s.conf.mcus_per_row;
        H = s.conf.ncomps == 1 ? s.conf.comp[0].height : s.conf.mcu_rows;

        for (r = 0; r < 9; r++) {
            static const unsigned  rects[9][4] = {
                { 0, 0, 1, 1 }, { 1000, 0, 1001, 1 }, { 0, 1000, 1, 1001 },
                { 1000, 1000, 1001, 1001 }, { 10, 5, 13, 8 },
                { 1000, 0, 1001, 1001 }, { 0, 0, 2, 1001 },
                { 0, 3, 1001, 4 }, { 0, 0, 1001, 1001 }
            };

            /* 1000: the last column or row; 1001: the end */

            x0 = rects[r][0] == 1000 ? W - 1 : rects[r][0];
            y0 = rects[r][1] == 1000 ? H - 1 : rects[r][1];
            x1 = rects[r][2] == 1001 ? W : rects[r][2];
            y1 = rects[r][3] == 1001 ? H : rects[r][3];

            for (v = 0; v < 10; v++) {
                snprintf(name, sizeof(name), "splice: source %zu (%dx%d), "
                         "MCUs %u,%u to %u,%u, change %u", i,
                         sources[i].w, sources[i].h, x0, y0, x1, y1, v);

                (void) splice_setup(&s, &arr, jpeg, jlen);

                s.conf.adjust = v & 1;
                s.conf.jump = (v >> 1) & 1;

                if (ngx_http_overlay_splice_decode(&s, x0, y0, x1, y1)
                    != 0)
                {
                    CHECK(0, "%s: decode: %s", name, s.why);
                    ngx_http_overlay_splice_free(&s);
                    break;
                }

                /* change 0: none; then the first block of the first MCU */

                bx = x0 * s.conf.comp[0].h;
                by = y0 * s.conf.comp[0].v;

                if (s.conf.ncomps == 1) {
                    bx = x0;
                    by = y0;
                }

                zz = jpeg_zigzag[1 + (int) (v * 11) % 63];

                if (v != 0) {
                    JCOEF  *blk = (JCOEF *) splice_block(&arr,
                                                         s.conf.comp[0].index,
                                                         bx, by);

                    blk[0] = (JCOEF) (blk[0] + (int) v - 6);
                    blk[zz] = (JCOEF) (blk[zz] + ((v & 1) ? -1 : 1)
                                                 * ((1 << v) + (int) v));
                }

                if (ngx_http_overlay_splice_encode(&s) != 0) {
                    CHECK(0, "%s: encode: %s", name, s.why);
                    ngx_http_overlay_splice_free(&s);
                    break;
                }

                if (v == 0) {
                    CHECK(s.out_len == jlen
                          && memcmp(s.out, jpeg, jlen) == 0,
                          "%s: %zu bytes of %lu, not the source", name,
                          s.out_len, jlen);
                    ngx_http_overlay_splice_free(&s);
                    continue;
                }

                CHECK(jpeg_warnings(s.out, s.out_len) == 0
                      && splice_strict(s.out, s.out_len) == 0,
                      "%s: the output decodes with warnings", name);

                read_coefs(s.out, s.out_len, &b);
                bad = 0;
                k = dropped;

                for (c = 0; c < a.ncomp; c++) {
                    for (n = 0; n < (size_t) a.w[c] * a.h[c]; n++) {
                        int     mx, my;
                        JCOEF   want[DCTSIZE2];
                        JCOEF  *y = &b.coef[c][n * DCTSIZE2];

                        memcpy(want, &a.coef[c][n * DCTSIZE2],
                               sizeof(JBLOCK));

                        nb = (size_t) by * a.w[c] + bx;

                        if (c == (int) s.conf.comp[0].index && n == nb) {
                            want[0] = (JCOEF) (want[0] + (int) v - 6);
                            want[zz] = (JCOEF) (want[zz]
                                                + ((v & 1) ? -1 : 1)
                                                  * ((1 << v) + (int) v));
                        }

                        if (memcmp(want, y, sizeof(JBLOCK)) == 0) {
                            continue;
                        }

                        /* the block's MCU, in the rectangle */

                        mx = (int) (n % (size_t) a.w[c]);
                        my = (int) (n / (size_t) a.w[c]);

                        if (s.conf.ncomps > 1) {
                            mx /= (int) s.conf.comp[c].h;
                            my /= (int) s.conf.comp[c].v;
                        }

                        if (s.conf.adjust && mx >= (int) x0 && mx < (int) x1
                            && my >= (int) y0 && my < (int) y1
                            && dropped_last(want, y))
                        {
                            dropped++;
                            continue;
                        }

                        bad++;
                    }
                }

                CHECK(bad == 0, "%s: %d blocks or coefficients not as "
                      "expected", name, bad);

                /* what was dropped spared decoding the rest */

                CHECK(k == dropped || !s.rest_decoded,
                      "%s: coefficients dropped, and the rest decoded",
                      name);

                rest += s.rest_decoded;

                free_coefs(&b);
                ngx_http_overlay_splice_free(&s);
            }
        }

        for (c = 0; c < 4; c++) {
            free(arr.coef[c]);
        }

        free_coefs(&a);
        free(jpeg);
    }

    CHECK(dropped > 0 && rest > 0, "splice: adjust dropped %d "
          "coefficients, the rest decoded %d times", dropped, rest);

    gdImageDestroy(photo);
}


/*
 * Baseline JPEGs are changed in their entropy-coded data: in every
 * sampling, with partial MCUs at the right and bottom, restart intervals
 * in MCUs and in rows, a badge at each corner and the centre, EXIF
 * orientations.  The splice shows in the bytes it copies: what follows
 * EOI (the other path drops it), the data up to the restart marker before
 * the overlay's first MCU, and from the marker after its last; and every
 * block outside the overlay's MCUs is the source's, and the output
 * decodes without a warning.  Progressive JPEGs take the progressive
 * splice (splice 2 below; test_jpeg_prog.c), which keeps the bytes after
 * EOI too.
 */

void
test_jpeg_splice_composite(void)
{
    int                             c, by, bx, outside, changed, mw, mh,
                                    x0, y0, x1, y1, sx, sy, k;
    char                            name[128];
    size_t                          i, p, t, off, offo, same;
    unsigned                        ri, W, H, first, last, n;
    gdImagePtr                      photo;
    unsigned char                  *jpeg;
    unsigned long                   jlen;
    jpeg_coefs_t                    a, b;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_layout_t       layout;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    static const char  trailer[] = "bytes after EOI";

    static const struct {
        jpeg_variant_t  v;
        int             w, h, splice;
    } sources[] = {
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0 }, 600, 390, 1 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 5 }, 601, 391, 1 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 0, 7 }, 600, 390, 1 },
        { { JCS_YCbCr, 2, 1, 0, 0, 80, 0, 0, 1 }, 601, 391, 1 },
        { { JCS_YCbCr, 1, 1, 0, 1, 90, 0, 0, 0 }, 601, 391, 1 },
        { { JCS_YCbCr, 1, 1, 0, 0, 90, 0, 0, 0 }, 600, 390, 1 },
        { { JCS_GRAYSCALE, 1, 1, 0, 0, 85, 0, 0, 5 }, 600, 390, 1 },
        { { JCS_GRAYSCALE, 1, 1, 0, 2, 85, 0, 0, 0 }, 601, 391, 1 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 6, 0, 0 }, 601, 391, 1 },
        { { JCS_YCbCr, 2, 2, 0, 0, 85, 3, 0, 7 }, 600, 390, 1 },
        { { JCS_YCbCr, 2, 2, 1, 0, 85, 0, 0, 0 }, 600, 390, 2 },
    };

    static const ngx_http_overlay_position_e  positions[] = {
        NGX_HTTP_OVERLAY_TOP_RIGHT, NGX_HTTP_OVERLAY_BOTTOM_LEFT,
        NGX_HTTP_OVERLAY_BOTTOM_RIGHT, NGX_HTTP_OVERLAY_CENTER,
        NGX_HTTP_OVERLAY_TOP_LEFT
    };

    ngx_http_overlay_options_init(&opts);

    photo = decode_fixture("coffee.jpg");

    if (photo == NULL) {
        return;
    }

    t = sizeof(trailer) - 1;

    for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
        const jpeg_variant_t  *v = &sources[i].v;

        jpeg = crop_jpeg(photo, sources[i].w, sources[i].h, v, &jlen);

        jpeg = realloc(jpeg, jlen + t);
        memcpy(jpeg + jlen, trailer, t);
        jlen += t;

        read_coefs(jpeg, jlen, &a);

        /* the MCUs of the scan; a component alone has one block each */

        mw = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->h;
        mh = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->v;
        W = (unsigned) ((sources[i].w + mw - 1) / mw);
        H = (unsigned) ((sources[i].h + mh - 1) / mh);
        ri = v->restart_mcus ? (unsigned) v->restart_mcus
                             : (unsigned) v->restart * W;

        for (p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
            snprintf(name, sizeof(name), "splice: source %zu (%dx%d, "
                     "%dx%d, restarts %u, orientation %u), position %d",
                     i, sources[i].w, sources[i].h, v->h, v->v, ri,
                     v->orientation, (int) positions[p]);

            one_text(&spec, &opts, "Last Chance!");
            spec.layers[0].position = positions[p];

            rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                            &blob, &err);
            CHECK(rc == NGX_HTTP_OVERLAY_OK, "%s: %s", name, err.msg);

            if (rc != NGX_HTTP_OVERLAY_OK) {
                continue;
            }

            same = (blob.len > t
                    && memcmp(blob.data + blob.len - t, trailer, t) == 0);

            CHECK(same == (size_t) (sources[i].splice != 0),
                  "%s: the bytes after EOI %s", name,
                  same ? "kept, but not spliced" : "dropped, not spliced");

            CHECK(jpeg_warnings(blob.data, blob.len) == 0
                  && (sources[i].splice != 1
                      || splice_strict(blob.data, blob.len) == 0),
                  "%s: the output decodes with warnings", name);

            /* the overlay's bounds in the stored image, in whole MCUs */

            (void) ngx_http_overlay_render_layout(&layout, &spec,
                                                  &opts.render,
                                                  (int) info.width,
                                                  (int) info.height, &err);
            x0 = INT_MAX;
            y0 = INT_MAX;
            x1 = 0;
            y1 = 0;

            for (k = 0; k < 4; k++) {
                ngx_http_overlay_orient_point(info.orientation,
                    sources[i].w, sources[i].h,
                    layout.bounds.x + (k & 1) * (layout.bounds.w - 1),
                    layout.bounds.y + (k >> 1) * (layout.bounds.h - 1),
                    &sx, &sy);
                x0 = sx < x0 ? sx : x0;
                y0 = sy < y0 ? sy : y0;
                x1 = sx + 1 > x1 ? sx + 1 : x1;
                y1 = sy + 1 > y1 ? sy + 1 : y1;
            }

            ngx_http_overlay_render_free(&layout);

            mw = 8 * v->h;
            mh = 8 * v->v;
            x0 = x0 / mw * mw;
            y0 = y0 / mh * mh;
            x1 = (x1 + mw - 1) / mw * mw;
            y1 = (y1 + mh - 1) / mh * mh;

            /* blocks changed outside those MCUs, and under them */

            read_coefs(blob.data, blob.len, &b);
            outside = 0;
            changed = 0;

            for (c = 0; c < a.ncomp; c++) {
                sx = (c == 0 || a.ncomp == 1) ? 8 : 8 * v->h;
                sy = (c == 0 || a.ncomp == 1) ? 8 : 8 * v->v;

                for (by = 0; by < a.h[c]; by++) {
                    for (bx = 0; bx < a.w[c]; bx++) {
                        if (memcmp(&a.coef[c][((size_t) by * a.w[c] + bx)
                                              * DCTSIZE2],
                                   &b.coef[c][((size_t) by * b.w[c] + bx)
                                              * DCTSIZE2],
                                   sizeof(JBLOCK)) == 0)
                        {
                            continue;
                        }

                        if (bx * sx + sx <= x0 || bx * sx >= x1
                            || by * sy + sy <= y0 || by * sy >= y1)
                        {
                            outside++;

                        } else {
                            changed++;
                        }
                    }
                }
            }

            free_coefs(&b);

            CHECK(outside == 0 && changed > 0,
                  "%s: %d blocks changed outside the overlay's MCUs, %d "
                  "under them", name, outside, changed);

            /*
             * With restart intervals, the bytes up to the marker that
             * begins the first changed MCU's interval, and from the one
             * after the last's, are the source's
             */

            if (ri != 0 && sources[i].splice == 1) {
                mw = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->h;
                mh = (v->space == JCS_GRAYSCALE) ? 8 : 8 * v->v;
                first = (unsigned) (y0 / mh) * W + (unsigned) (x0 / mw);
                last = (unsigned) ((y1 + mh - 1) / mh - 1) * W
                       + (unsigned) ((x1 + mw - 1) / mw - 1);
                last = last < W * H ? last : W * H - 1;

                n = first / ri;
                off = (n != 0) ? rst_offset(jpeg, jlen, n) + 2 : 0;

                CHECK(n == 0 || (off > 2 && memcmp(jpeg, blob.data, off)
                                            == 0),
                      "%s: the bytes up to restart marker %u not the "
                      "source's", name, n);

                n = last / ri + 1;

                if (n * ri < W * H) {
                    off = rst_offset(jpeg, jlen, n);
                    offo = rst_offset(blob.data, blob.len, n);

                    CHECK(off != 0 && offo != 0
                          && jlen - off == blob.len - offo
                          && memcmp(jpeg + off, blob.data + offo,
                                    jlen - off) == 0,
                          "%s: the bytes from restart marker %u not the "
                          "source's", name, n);
                }
            }

            ngx_http_overlay_codec_free(&blob);
        }

        free_coefs(&a);
        free(jpeg);
    }

    /*
     * Data the splice's decoder finds invalid before the overlay (48 one
     * bits: no code): it declines, and the other path takes the image as
     * libjpeg does (libjpeg-turbo decodes such a code as a zero, and
     * says nothing)
     */

    {
        static const jpeg_variant_t  plain = {
            JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 0
        };

        jpeg = crop_jpeg(photo, 600, 390, &plain, &jlen);

        CHECK(rst_offset(jpeg, jlen, 1) == 0, "no restart markers");

        for (off = jlen / 3; jpeg[off - 1] == 0xff; off++) {
            /* void */
        }

        for (k = 0; k < 6; k++) {
            jpeg[off + 2 * k] = 0xff;
            jpeg[off + 2 * k + 1] = 0x00;
        }

        jpeg = realloc(jpeg, jlen + t);
        memcpy(jpeg + jlen, trailer, t);
        jlen += t;

        one_text(&spec, &opts, "Last Chance!");
        spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM_LEFT;

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE
              || (rc == NGX_HTTP_OVERLAY_OK && blob.len > t
                  && memcmp(blob.data + blob.len - t, trailer, t) != 0),
              "splice: corrupt data before the overlay: %s: %s",
              ngx_http_overlay_reason(rc), err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(jpeg);
    }

    /*
     * Restart markers out of order before the overlay: the intervals
     * passed over by their markers are not decoded, but the markers are
     * checked; libjpeg refuses the image, as it always did
     */

    {
        static const jpeg_variant_t  restarts = {
            JCS_YCbCr, 2, 2, 0, 0, 85, 0, 0, 3
        };

        jpeg = crop_jpeg(photo, 600, 390, &restarts, &jlen);

        off = rst_offset(jpeg, jlen, 20);
        offo = rst_offset(jpeg, jlen, 21);

        CHECK(off != 0 && offo != 0, "splice: no restart markers");

        if (off != 0 && offo != 0) {
            k = jpeg[off + 1];
            jpeg[off + 1] = jpeg[offo + 1];
            jpeg[offo + 1] = (unsigned char) k;
        }

        one_text(&spec, &opts, "Last Chance!");
        spec.layers[0].position = NGX_HTTP_OVERLAY_BOTTOM_LEFT;

        rc = ngx_http_overlay_composite(jpeg, jlen, &spec, &opts, &info,
                                        &blob, &err);
        CHECK(rc == NGX_HTTP_OVERLAY_BAD_IMAGE,
              "splice: restart markers out of order: %s: %s",
              ngx_http_overlay_reason(rc), err.msg);

        if (rc == NGX_HTTP_OVERLAY_OK) {
            ngx_http_overlay_codec_free(&blob);
        }

        free(jpeg);
    }

    gdImageDestroy(photo);
}


static short *
splice_block(void *data, unsigned c, unsigned bx, unsigned by)
{
    splice_arrays_t  *a = data;

    return a->coef[c] + ((size_t) by * a->w[c] + bx) * DCTSIZE2;
}


/* s made as the codec makes it, from libjpeg's reading of the header */

static int
splice_setup(ngx_http_overlay_splice_t *s, splice_arrays_t *a,
    const unsigned char *p, size_t len)
{
    int                             c, t, rc;
    unsigned                        mcu_w, mcu_h;
    JHUFF_TBL                      *tbl;
    jpeg_component_info            *ci;
    struct jpeg_error_mgr           jerr;
    struct jpeg_decompress_struct   d;

    memset(s, 0, sizeof(ngx_http_overlay_splice_t));

    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long) len);
    (void) jpeg_read_header(&d, TRUE);

    s->conf.ncomps = (unsigned) d.comps_in_scan;

    for (c = 0; c < d.comps_in_scan; c++) {
        ci = d.cur_comp_info[c];
        s->conf.comp[c].index = (unsigned) ci->component_index;
        s->conf.comp[c].h = (unsigned) ci->h_samp_factor;
        s->conf.comp[c].v = (unsigned) ci->v_samp_factor;
        s->conf.comp[c].width = ci->width_in_blocks;
        s->conf.comp[c].height = ci->height_in_blocks;
        s->conf.comp[c].dc = (unsigned) ci->dc_tbl_no;
        s->conf.comp[c].ac = (unsigned) ci->ac_tbl_no;
    }

    for (c = 0; c < d.num_components; c++) {
        ci = &d.comp_info[c];
        a->w[c] = (ci->width_in_blocks + ci->h_samp_factor - 1)
                  / ci->h_samp_factor * ci->h_samp_factor;
        a->h[c] = (ci->height_in_blocks + ci->v_samp_factor - 1)
                  / ci->v_samp_factor * ci->v_samp_factor;

        if (a->coef[c] == NULL) {
            a->coef[c] = calloc((size_t) a->w[c] * a->h[c], sizeof(JBLOCK));
        }
    }

    mcu_w = (unsigned) d.max_h_samp_factor * DCTSIZE;
    mcu_h = (unsigned) d.max_v_samp_factor * DCTSIZE;
    s->conf.mcus_per_row = (d.image_width + mcu_w - 1) / mcu_w;
    s->conf.mcu_rows = (d.image_height + mcu_h - 1) / mcu_h;
    s->conf.restart_interval = d.restart_interval;

    for (t = 0; t < 4; t++) {
        for (c = 0; c < 2; c++) {
            tbl = c ? d.ac_huff_tbl_ptrs[t] : d.dc_huff_tbl_ptrs[t];

            if (tbl == NULL) {
                continue;
            }

            memcpy(a->dht[c][t].bits, tbl->bits, 17);
            memcpy(a->dht[c][t].huffval, tbl->huffval, 256);

            if (c) {
                s->conf.ac[t] = &a->dht[c][t];

            } else {
                s->conf.dc[t] = &a->dht[c][t];
            }
        }
    }

    s->conf.block = splice_block;
    s->conf.data = a;

    rc = ngx_http_overlay_splice_init(s, p, len,
                                      (size_t) (d.src->next_input_byte - p));

    jpeg_destroy_decompress(&d);

    return rc;
}


/*
 * The whole scan through the splice's decoder, which is stricter than
 * libjpeg-turbo: no code but the tables', and less than a byte of padding
 * before each restart marker and EOI (libjpeg-turbo skips more before EOI
 * without a word).  0, or -1.
 */

static int
splice_strict(const unsigned char *p, size_t len)
{
    int                        c, rc;
    unsigned                   W, H;
    splice_arrays_t            arr;
    ngx_http_overlay_splice_t  s;

    memset(&arr, 0, sizeof(splice_arrays_t));

    rc = splice_setup(&s, &arr, p, len);

    if (rc == 0) {
        W = s.conf.ncomps == 1 ? s.conf.comp[0].width : s.conf.mcus_per_row;
        H = s.conf.ncomps == 1 ? s.conf.comp[0].height : s.conf.mcu_rows;
        rc = ngx_http_overlay_splice_decode(&s, W - 1, H - 1, W, H);
    }

    ngx_http_overlay_splice_free(&s);

    for (c = 0; c < 4; c++) {
        free(arr.coef[c]);
    }

    return rc;
}


/* got is want but for its last AC coefficient, a 1 or -1, dropped */

static int
dropped_last(const JCOEF *want, const JCOEF *got)
{
    int  k, last;

    for (last = 63; last > 0 && want[jpeg_zigzag[last]] == 0; last--) {
        /* void */
    }

    if (last == 0 || last == 63
        || (want[jpeg_zigzag[last]] != 1 && want[jpeg_zigzag[last]] != -1)
        || got[jpeg_zigzag[last]] != 0)
    {
        return 0;
    }

    for (k = 0; k < DCTSIZE2; k++) {
        if (k != jpeg_zigzag[last] && got[k] != want[k]) {
            return 0;
        }
    }

    return 1;
}


/* the offset of the n-th (from 1) restart marker after the SOS, or 0 */

static size_t
rst_offset(const unsigned char *p, size_t len, unsigned n)
{
    size_t  i, seg;

    for (i = 2; i + 4 <= len && p[i] == 0xff && p[i + 1] != 0xda;
         i += 2 + seg)
    {
        seg = (size_t) p[i + 2] << 8 | p[i + 3];
    }

    if (i + 4 > len || p[i + 1] != 0xda) {
        return 0;
    }

    for (i += 2 + ((size_t) p[i + 2] << 8 | p[i + 3]); i + 1 < len; i++) {

        if (p[i] != 0xff || p[i + 1] == 0x00) {
            continue;
        }

        if (p[i + 1] < 0xd0 || p[i + 1] > 0xd7) {
            return 0;
        }

        if (--n == 0) {
            return i;
        }
    }

    return 0;
}
