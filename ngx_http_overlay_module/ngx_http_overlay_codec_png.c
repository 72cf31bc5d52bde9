
/*
 * ngx_http_overlay_module: the PNG codec.
 *
 * The probe walks the chunks' headers; the decoder is libpng's, with the
 * limits of ngx_http_overlay_codec_png.h: into the image's own samples to
 * be drawn on (ngx_http_overlay_png_blend.c) and encoded again with the
 * source's colour chunks (ngx_http_overlay_png_encode.c), or into a libgd
 * image for overlay_asset.  A sound image's data is inflated by libdeflate
 * before libpng reads it (ngx_http_overlay_png_inflate.c).
 *
 * One concern, reading a PNG, at a little over 1000 lines: the probe and
 * the decoder share the chunk walk and libpng's set-up, limits and error
 * words; what is not reading (inflating, blending, encoding, quantizing)
 * is in the files named above.
 */


#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "ngx_http_overlay_bytes.h"
#include "ngx_http_overlay_codec_png.h"
#include "ngx_http_overlay_png_encode.h"
#include "ngx_http_overlay_png_blend.h"
#include "ngx_http_overlay_png_inflate.h"


typedef struct {
    const unsigned char       *data;
    size_t                     len;
    size_t                     pos;             /* in the stream libpng reads */
    size_t                     idat_at;         /* where the IDATs start */
    size_t                     idat_end;        /* and end */
    unsigned char             *idat;            /* their stored stream */
    size_t                     idat_len;
    unsigned char             *rows;            /* or the filtered rows */
    unsigned long              max_pixels;
    unsigned                   max_side;
    ngx_http_overlay_error_t  *err;
    gdImagePtr                 im;
    ngx_http_overlay_png_image_t  *raw;     /* rows for the encoder */
    ngx_http_overlay_rc_e      rc;          /* the first failure */
    unsigned                   cut:1;
} ngx_http_overlay_png_t;


static size_t ngx_http_overlay_png_find(const unsigned char *p, size_t len,
    size_t pos, const char *type);
static ngx_http_overlay_rc_e ngx_http_overlay_png_keep(
    const unsigned char *p, size_t len, ngx_http_overlay_png_image_t *im,
    ngx_http_overlay_error_t *err);
static int ngx_http_overlay_png_colour_chunk(const unsigned char *type,
    int profile);
static void ngx_http_overlay_png_run(ngx_http_overlay_png_t *pn);
static void ngx_http_overlay_png_inflate_idat(ngx_http_overlay_png_t *pn);
static size_t ngx_http_overlay_png_raw_size(const unsigned char *ihdr);
static void ngx_http_overlay_png_read(ngx_http_overlay_png_t *pn,
    png_structp png, png_infop info);
static void ngx_http_overlay_png_read_raw(ngx_http_overlay_png_t *pn,
    png_structp png, png_infop info, int interlace);
static void ngx_http_overlay_png_read_rows(ngx_http_overlay_png_t *pn,
    ngx_http_overlay_png_image_t *im);
static int ngx_http_overlay_png_indices(ngx_http_overlay_png_t *pn,
    ngx_http_overlay_png_image_t *im);
static void ngx_http_overlay_png_rgba_to_gd(gdImagePtr im);
static void ngx_http_overlay_png_read_data(png_structp png, png_bytep buf,
    size_t size);
static void ngx_http_overlay_png_error(png_structp png, png_const_charp msg);
static void ngx_http_overlay_png_warning(png_structp png,
    png_const_charp msg);
static ngx_http_overlay_rc_e ngx_http_overlay_png_code(const char *msg);


/* the bit depths of each PNG colour type, as bits 1, 2, 4, 8 and 16 */
static const unsigned long  ngx_http_overlay_png_depths[] = {
    0x10116,                                    /* grey: 1 to 16 */
    0,
    0x10100,                                    /* RGB: 8, 16 */
    0x00116,                                    /* palette: 1 to 8 */
    0x10100,                                    /* grey and alpha */
    0,
    0x10100                                     /* RGBA */
};


/*
 * IHDR, first and once, with a valid colour type and depth; the chunks
 * after it up to IEND: tRNS tells of alpha, acTL of an animation (APNG).
 * A chunk running past the body stops the walk: the decoder reports it.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_png_probe(const unsigned char *p, size_t len,
    ngx_http_overlay_image_info_t *info, ngx_http_overlay_traits_t *traits,
    ngx_http_overlay_error_t *err)
{
    size_t         pos;
    unsigned       depth, colour, idat;
    unsigned long  chunk, width, height;

    if (len < 16 || memcmp(&p[12], "IHDR", 4) != 0) {

        pos = ngx_http_overlay_png_find(p, len, 8, "IHDR");

        if (pos != 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: PNG IHDR at "
                                          "%zu, not first", pos);
        }

        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG without an IHDR chunk");
    }

    if (ngx_http_overlay_be32(&p[8]) != 13) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG IHDR of %lu bytes",
                                      ngx_http_overlay_be32(&p[8]));
    }

    if (len < 8 + 8 + 13) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG cut short in its IHDR");
    }

    width = ngx_http_overlay_be32(&p[16]);
    height = ngx_http_overlay_be32(&p[20]);

    if (width > INT_MAX || height > INT_MAX) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG of %lux%lu pixels", width, height);
    }

    info->width = (unsigned) width;
    info->height = (unsigned) height;

    depth = p[24];
    colour = p[25];

    if (colour > 6 || depth > 16
        || (ngx_http_overlay_png_depths[colour] & (1UL << depth)) == 0)
    {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG IHDR: colour type %u with %u-bit "
                                      "samples", colour, depth);
    }

    if (p[26] != 0 || p[27] != 0 || p[28] > 1) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "PNG IHDR: compression %u, filter %u, "
                                      "interlace %u", p[26], p[27], p[28]);
    }

    /* colour types 4 and 6 have alpha; others may have a tRNS chunk */

    traits->alpha = (colour == 4 || colour == 6);
    traits->gray = (colour == 0 || colour == 4);

    idat = 0;

    for (pos = 8 + 8 + 13 + 4; pos + 8 <= len; pos += chunk + 12) {
        chunk = ngx_http_overlay_be32(&p[pos]);

        if (memcmp(&p[pos + 4], "IHDR", 4) == 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                          "headers disagree: a second PNG "
                                          "IHDR at %zu", pos);
        }

        if (memcmp(&p[pos + 4], "IEND", 4) == 0) {
            break;
        }

        if (memcmp(&p[pos + 4], "IDAT", 4) == 0) {
            idat = 1;

        } else if (!idat && memcmp(&p[pos + 4], "tRNS", 4) == 0) {
            traits->alpha = 1;

        } else if (!idat && memcmp(&p[pos + 4], "acTL", 4) == 0) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_UNSUPPORTED,
                                          "animated PNG");
        }

        if (chunk + 12 > len - pos) {
            break;
        }
    }

    return NGX_HTTP_OVERLAY_OK;
}


/* where a chunk of the type starts, walking the chunks from pos; 0: none */

static size_t
ngx_http_overlay_png_find(const unsigned char *p, size_t len, size_t pos,
    const char *type)
{
    unsigned long  chunk;

    for ( /* void */ ; pos + 8 <= len; pos += chunk + 12) {

        if (memcmp(&p[pos + 4], type, 4) == 0) {
            return pos;
        }

        chunk = ngx_http_overlay_be32(&p[pos]);

        if (chunk + 12 > len - pos) {
            break;
        }
    }

    return 0;
}


/*
 * Decoded by libpng into rows the encoder takes, the overlay blended onto
 * them, encoded by ngx_http_overlay_png_encode.c with the source's colour
 * chunks and resolution.
 */

ngx_http_overlay_rc_e
ngx_http_overlay_png_apply(const unsigned char *p, size_t len,
    const ngx_http_overlay_image_info_t *info,
    const ngx_http_overlay_codec_conf_t *conf,
    const ngx_http_overlay_traits_t *traits,
    const ngx_http_overlay_painter_t *painter, ngx_http_overlay_blob_t *out,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_png_t         pn;
    ngx_http_overlay_png_image_t   im;

    (void) traits;

    memset(&pn, 0, sizeof(ngx_http_overlay_png_t));
    memset(&im, 0, sizeof(ngx_http_overlay_png_image_t));
    pn.data = p;
    pn.len = len;
    pn.max_pixels = conf->max_pixels;
    pn.max_side = conf->max_side;
    pn.err = err;
    pn.raw = &im;

    ngx_http_overlay_png_run(&pn);

    if (pn.rc != NGX_HTTP_OVERLAY_OK) {
        free(im.rows);
        return pn.rc;
    }

    if (im.width != info->width || im.height != info->height) {
        free(im.rows);
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                      "decoded %ux%u, the headers say %ux%u",
                                      im.width, im.height, info->width,
                                      info->height);
    }

    im.reduce = (conf->png_reduce != 0);

    rc = ngx_http_overlay_png_paint(&im, painter, err);

    if (rc == NGX_HTTP_OVERLAY_OK) {
        rc = ngx_http_overlay_png_keep(p, len, &im, err);
    }

    if (rc == NGX_HTTP_OVERLAY_OK) {
        rc = ngx_http_overlay_png_encode(&im, out, err);
    }

    free((void *) im.chunks);
    free(im.rows);

    return rc;
}


/*
 * The chunks of the source kept, in their order, as they were (libpng has
 * checked their CRCs): sRGB, gAMA, cHRM, iCCP where the output's colour
 * space is the profile's (grey for grey, colour for colour), and pHYs.
 */

static ngx_http_overlay_rc_e
ngx_http_overlay_png_keep(const unsigned char *p, size_t len,
    ngx_http_overlay_png_image_t *im, ngx_http_overlay_error_t *err)
{
    int             pass, grey_in, grey_out;
    size_t          pos, chunk, extra;
    unsigned char  *data;

    grey_in = (p[25] & 2) == 0 && p[25] != 3;
    grey_out = (im->colour & 2) == 0 && im->colour != 3;

    data = NULL;
    extra = 0;

    for (pass = 0; pass < 2; pass++) {

        for (pos = 33; pos + 12 <= len; pos += chunk + 12) {
            chunk = ngx_http_overlay_be32(&p[pos]);

            if (chunk > len - pos - 12
                || memcmp(&p[pos + 4], "IDAT", 4) == 0)
            {
                break;
            }

            if (!ngx_http_overlay_png_colour_chunk(&p[pos + 4],
                                                   grey_in == grey_out))
            {
                continue;
            }

            if (data != NULL) {
                memcpy(data + extra, &p[pos], chunk + 12);
            }

            extra += chunk + 12;
        }

        if (pass == 1 || extra == 0) {
            break;
        }

        data = malloc(extra);
        if (data == NULL) {
            return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                          "malloc() failed");
        }

        extra = 0;
    }

    im->chunks = data;
    im->chunks_len = extra;

    return NGX_HTTP_OVERLAY_OK;
}


static int
ngx_http_overlay_png_colour_chunk(const unsigned char *type, int profile)
{
    return memcmp(type, "sRGB", 4) == 0 || memcmp(type, "gAMA", 4) == 0
           || memcmp(type, "cHRM", 4) == 0 || memcmp(type, "pHYs", 4) == 0
           || (memcmp(type, "iCCP", 4) == 0 && profile);
}


ngx_http_overlay_rc_e
ngx_http_overlay_png_decode(const unsigned char *p, size_t len,
    unsigned long max_pixels, unsigned max_side, gdImagePtr *im,
    ngx_http_overlay_error_t *err)
{
    ngx_http_overlay_png_t  pn;

    *im = NULL;

    memset(&pn, 0, sizeof(ngx_http_overlay_png_t));
    pn.data = p;
    pn.len = len;
    pn.max_pixels = max_pixels;
    pn.max_side = max_side;
    pn.err = err;

    ngx_http_overlay_png_run(&pn);

    if (pn.rc != NGX_HTTP_OVERLAY_OK) {
        if (pn.im != NULL) {
            gdImageDestroy(pn.im);
        }

        return pn.rc;
    }

    *im = pn.im;

    return NGX_HTTP_OVERLAY_OK;
}


/*
 * What libpng's longjmp may interrupt is in pn, which lives in the
 * caller's frame: no local here changes between setjmp() and longjmp().
 */

static void
ngx_http_overlay_png_run(ngx_http_overlay_png_t *pn)
{
    png_infop    info;
    png_structp  png;

    /* the handlers record the message: nothing goes to stderr */

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, pn,
                                 ngx_http_overlay_png_error,
                                 ngx_http_overlay_png_warning);
    if (png == NULL) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                        "png_create_read_struct() failed");
        return;
    }

    info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                        "png_create_info_struct() failed");
        return;
    }

    ngx_http_overlay_png_inflate_idat(pn);

    if (pn->idat != NULL) {

        /*
         * the stored stream's Adler-32 is libdeflate's, checked; the
         * critical chunks' CRCs are checked (the stored IDAT's is ours):
         * libpng computes only the ancillary chunks' again
         */

        (void) png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
        png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_DEFAULT);
    }

    if (setjmp(png_jmpbuf(png)) == 0) {
        ngx_http_overlay_png_read(pn, png, info);
    }

    png_destroy_read_struct(&png, &info, NULL);

    free(pn->idat);
    pn->idat = NULL;
    free(pn->rows);
    pn->rows = NULL;
}


/*
 * libdeflate inflates twice as fast as zlib: the image data of a PNG that
 * is whole and sound, within the limits, is inflated at once
 * (ngx_http_overlay_png_inflate.c), and libpng reads, in place of its
 * IDATs, one IDAT of the same rows in stored (uncompressed) blocks, which
 * zlib only copies.  Rows of 8 and 16 bits, not interlaced, to be drawn
 * on, are the rows the encoder takes, filter bytes and all: libpng reads
 * an IDAT of no data in place of the IDATs, and the rows are unfiltered
 * in place (ngx_http_overlay_png_read_raw()).  Anything else, libpng reads
 * as it came, and says what is wrong with it in its own words.
 */

static void
ngx_http_overlay_png_inflate_idat(ngx_http_overlay_png_t *pn)
{
    unsigned long         w, h;
    const unsigned char  *d;

    d = pn->data;

    if (pn->len < 8 + 25 || ngx_http_overlay_be32(&d[8]) != 13
        || memcmp(&d[12], "IHDR", 4) != 0)
    {
        return;
    }

    w = ngx_http_overlay_be32(&d[16]);
    h = ngx_http_overlay_be32(&d[20]);

    if (w == 0 || h == 0 || (unsigned long long) w * h > pn->max_pixels
        || (pn->max_side && (w > pn->max_side || h > pn->max_side)))
    {
        return;
    }

    pn->idat = ngx_http_overlay_png_inflate(pn->data, pn->len,
                                            ngx_http_overlay_png_raw_size(
                                                &d[16]),
                                            &pn->idat_at, &pn->idat_end,
                                            &pn->idat_len,
                                            (pn->raw != NULL && d[24] >= 8
                                             && d[28] == 0)
                                            ? &pn->rows : NULL);
}


/* the bytes of the filtered rows of an IHDR's image; 0: too many */

static size_t
ngx_http_overlay_png_raw_size(const unsigned char *ihdr)
{
    unsigned            pass, x0, y0, dx, dy, colour, depth, bits;
    unsigned long       w, h, pw, ph;
    unsigned long long  size;

    static const unsigned char  adam7[7][4] = {
        { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
        { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 }
    };

    w = ngx_http_overlay_be32(ihdr);
    h = ngx_http_overlay_be32(ihdr + 4);
    depth = ihdr[8];
    colour = ihdr[9];

    if (colour > 6 || depth > 16
        || (ngx_http_overlay_png_depths[colour] & (1UL << depth)) == 0
        || ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1)
    {
        return 0;
    }

    bits = ngx_http_overlay_png_channels(colour) * depth;

    if (ihdr[12] == 0) {
        size = (unsigned long long) h * (1 + ((unsigned long long) w * bits
                                              + 7) / 8);

    } else {
        size = 0;

        for (pass = 0; pass < 7; pass++) {
            x0 = adam7[pass][0];
            y0 = adam7[pass][1];
            dx = adam7[pass][2];
            dy = adam7[pass][3];

            if (w <= x0 || h <= y0) {
                continue;
            }

            pw = (w - x0 + dx - 1) / dx;
            ph = (h - y0 + dy - 1) / dy;
            size += (unsigned long long) ph
                    * (1 + ((unsigned long long) pw * bits + 7) / 8);
        }
    }

    return size > 0x7fffffffULL ? 0 : (size_t) size;
}


static void
ngx_http_overlay_png_read(ngx_http_overlay_png_t *pn, png_structp png,
    png_infop info)
{
    int            depth, colour, interlace, passes, pass, unit;
    png_uint_32    width, height, y, side, rx, ry;
    unsigned long  max;

    png_set_read_fn(png, pn, ngx_http_overlay_png_read_data);

    /*
     * Limits: the sides, the chunks kept and the largest chunk but IDAT.
     * Benign errors are errors; the ancillary chunks are not parsed at all,
     * but for pHYs (the resolution libgd writes back): the colour chunks
     * are copied as they were, and text, profiles and the rest are never
     * inflated.
     */

    max = pn->max_pixels < PNG_UINT_31_MAX ? pn->max_pixels
                                           : PNG_UINT_31_MAX;

    if (pn->max_side && pn->max_side < max) {
        max = pn->max_side;
    }

    side = (png_uint_32) (max > 0 ? max : 1);

    png_set_user_limits(png, side, side);
    png_set_chunk_cache_max(png, NGX_HTTP_OVERLAY_PNG_CHUNKS);
    png_set_chunk_malloc_max(png, NGX_HTTP_OVERLAY_PNG_CHUNK_MAX);
    png_set_benign_errors(png, 0);

    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_AS_DEFAULT,
                                (png_const_bytep) "pHYs", 1);

    png_read_info(png, info);

    if (pn->rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    (void) png_get_IHDR(png, info, &width, &height, &depth, &colour,
                        &interlace, NULL, NULL);

    if ((unsigned long long) width * height > pn->max_pixels) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_TOO_LARGE,
                                        "png of %lux%lu pixels, more than "
                                        "%lu", (unsigned long) width,
                                        (unsigned long) height,
                                        pn->max_pixels);
        return;
    }

    if (pn->raw != NULL) {
        ngx_http_overlay_png_read_raw(pn, png, info, interlace);
        return;
    }

    /* every kind of PNG becomes 8-bit RGBA */

    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);

    passes = png_set_interlace_handling(png);

    png_read_update_info(png, info);

    if (png_get_rowbytes(png, info) != (size_t) width * 4) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                        "png: rows of %zu bytes, not %lu",
                                        png_get_rowbytes(png, info),
                                        (unsigned long) width * 4);
        return;
    }

    pn->im = gdImageCreateTrueColor((int) width, (int) height);
    if (pn->im == NULL) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                        "gdImageCreateTrueColor() failed");
        return;
    }

    /*
     * libpng writes each row's RGBA bytes into the image's own row, where
     * the passes of an interlaced image add up; no other buffer is needed.
     */

    for (pass = 0; pass < passes; pass++) {

        for (y = 0; y < height; y++) {
            png_read_row(png, (png_bytep) pn->im->tpixels[y], NULL);
        }

        if (pn->rc != NGX_HTTP_OVERLAY_OK) {
            return;
        }
    }

    /* the rest of the file: a CRC or data after the image is checked too */

    png_read_end(png, NULL);

    if (pn->rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    ngx_http_overlay_png_rgba_to_gd(pn->im);

    if (interlace == PNG_INTERLACE_ADAM7) {
        gdImageInterlace(pn->im, 1);
    }

    if (png_get_pHYs(png, info, &rx, &ry, &unit) != 0
        && unit == PNG_RESOLUTION_METER)
    {
        /* dots per metre to dots per inch, rounded, as libgd does */

        gdImageSetResolution(pn->im, (unsigned) (rx * 0.0254 + 0.5),
                             (unsigned) (ry * 0.0254 + 0.5));
    }
}


/*
 * Into rows for the encoder, in the source's own colour type and depth
 * (samples of 1, 2 and 4 bits a byte each), with its palette and tRNS; the
 * passes of an interlaced image add up in them.
 */

static void
ngx_http_overlay_png_read_raw(ngx_http_overlay_png_t *pn, png_structp png,
    png_infop info, int interlace)
{
    int                            passes, pass, n, i;
    size_t                         rowbytes;
    png_bytep                      alpha;
    png_colorp                     palette;
    png_uint_32                    y;
    png_color_16p                  key;
    ngx_http_overlay_png_image_t  *im;

    im = pn->raw;

    /* samples of 1, 2 and 4 bits unpacked: a byte each, not scaled */

    im->depth = png_get_bit_depth(png, info);

    if (im->depth < 8) {
        png_set_packing(png);
    }

    passes = png_set_interlace_handling(png);

    png_read_update_info(png, info);

    im->width = png_get_image_width(png, info);
    im->height = png_get_image_height(png, info);
    im->colour = png_get_color_type(png, info);
    im->interlace = (interlace == PNG_INTERLACE_ADAM7);

    if (im->colour == PNG_COLOR_TYPE_PALETTE
        && png_get_PLTE(png, info, &palette, &n) != 0)
    {
        for (i = 0; i < n && i < 256; i++) {
            im->palette[3 * i] = palette[i].red;
            im->palette[3 * i + 1] = palette[i].green;
            im->palette[3 * i + 2] = palette[i].blue;
        }

        im->npalette = (unsigned) i;
    }

    if (png_get_tRNS(png, info, &alpha, &n, &key) != 0) {

        if (im->colour == PNG_COLOR_TYPE_PALETTE) {
            for (i = 0; i < n && i < (int) im->npalette; i++) {
                im->trns[i] = alpha[i];
            }

            im->ntrns = (unsigned) i;

        } else if (im->colour == PNG_COLOR_TYPE_GRAY) {
            im->trns[0] = (unsigned char) (key->gray >> 8);
            im->trns[1] = (unsigned char) key->gray;
            im->ntrns = 2;

        } else if (im->colour == PNG_COLOR_TYPE_RGB) {
            im->trns[0] = (unsigned char) (key->red >> 8);
            im->trns[1] = (unsigned char) key->red;
            im->trns[2] = (unsigned char) (key->green >> 8);
            im->trns[3] = (unsigned char) key->green;
            im->trns[4] = (unsigned char) (key->blue >> 8);
            im->trns[5] = (unsigned char) key->blue;
            im->ntrns = 6;
        }
    }

    rowbytes = png_get_rowbytes(png, info);

    if (im->colour == PNG_COLOR_TYPE_PALETTE && im->npalette == 0) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                        "png: a palette image without PLTE");
        return;
    }

    if (rowbytes != (size_t) im->width * (im->depth == 16 ? 2 : 1)
                    * ngx_http_overlay_png_channels(im->colour))
    {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                        "png: rows of %zu bytes, not %lu",
                                        rowbytes, (unsigned long) im->width
                                        * (im->depth == 16 ? 2 : 1)
                                        * ngx_http_overlay_png_channels(
                                            im->colour));
        return;
    }

    im->stride = rowbytes + 1;

    if (pn->rows != NULL) {
        ngx_http_overlay_png_read_rows(pn, im);

    } else {
        im->rows = malloc(im->stride * im->height);
        if (im->rows == NULL) {
            pn->rc = ngx_http_overlay_error(pn->err,
                                            NGX_HTTP_OVERLAY_NO_MEMORY,
                                            "malloc() failed");
            return;
        }

        for (pass = 0; pass < passes; pass++) {
            for (y = 0; y < im->height; y++) {
                png_read_row(png, im->rows + y * im->stride + 1, NULL);
            }

            if (pn->rc != NGX_HTTP_OVERLAY_OK) {
                return;
            }
        }
    }

    if (pn->rc != NGX_HTTP_OVERLAY_OK
        || ngx_http_overlay_png_indices(pn, im) != 0)
    {
        return;
    }

    png_read_end(png, NULL);
}


/*
 * The rows libdeflate inflated (8 or 16 bits, not interlaced: their
 * layout is the encoder's), unfiltered in place, refused in libpng's
 * words where a filter type is past 4
 */

static void
ngx_http_overlay_png_read_rows(ngx_http_overlay_png_t *pn,
    ngx_http_overlay_png_image_t *im)
{
    im->rows = pn->rows;
    pn->rows = NULL;

    if (ngx_http_overlay_png_unfilter(im->rows, im->stride, im->height,
                                      (im->stride - 1) / im->width)
        != 0)
    {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                        "png: bad adaptive filter value");
    }
}


/*
 * A palette index past the palette is refused in libpng's words, on every
 * path, before png_read_end(): libpng's own check, there, runs only when
 * libpng unfiltered the rows with a transformation set, and takes the
 * index of the palette's size for one inside it.  Samples are a byte each
 * here.
 */

static int
ngx_http_overlay_png_indices(ngx_http_overlay_png_t *pn,
    ngx_http_overlay_png_image_t *im)
{
    size_t          x, y;
    unsigned        max;
    unsigned char  *p;

    if (im->colour != PNG_COLOR_TYPE_PALETTE || im->npalette >= 256) {
        return 0;
    }

    max = 0;

    for (y = 0; y < im->height; y++) {
        p = im->rows + y * im->stride + 1;

        for (x = 0; x < im->width; x++) {
            max = p[x] > max ? p[x] : max;
        }
    }

    if (max < im->npalette) {
        return 0;
    }

    pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                    "png: Read palette index exceeding "
                                    "num_palette");
    return -1;
}


/*
 * In place: each pixel's 4 bytes are read before the int that holds them
 * is written.  libgd's alpha is 7-bit, 0 opaque: as libgd's PNG reader.
 */

static void
ngx_http_overlay_png_rgba_to_gd(gdImagePtr im)
{
    int             x, y;
    int            *row;
    unsigned char  *b;

    for (y = 0; y < gdImageSY(im); y++) {
        row = im->tpixels[y];
        b = (unsigned char *) row;

        for (x = 0; x < gdImageSX(im); x++, b += 4) {
            row[x] = gdTrueColorAlpha(b[0], b[1], b[2],
                                      gdAlphaMax - (b[3] >> 1));
        }
    }
}


static void
ngx_http_overlay_png_read_data(png_structp png, png_bytep buf, size_t size)
{
    size_t                   n, at;
    ngx_http_overlay_png_t  *pn;

    pn = png_get_io_ptr(png);

    /* the source, or: up to its IDATs, the stored IDAT, the rest */

    while (size > 0) {
        at = pn->pos;

        if (pn->idat == NULL || at < pn->idat_at) {
            n = pn->idat == NULL ? pn->len - at : pn->idat_at - at;

            if (n > size) {
                n = size;
            }

            if (n == 0) {
                pn->cut = 1;
                png_error(png, "cut short");
            }

            memcpy(buf, pn->data + at, n);

        } else if (at < pn->idat_at + pn->idat_len) {
            n = pn->idat_at + pn->idat_len - at;
            n = n > size ? size : n;
            memcpy(buf, pn->idat + (at - pn->idat_at), n);

        } else {
            at = at - pn->idat_at - pn->idat_len + pn->idat_end;
            n = pn->len - at;
            n = n > size ? size : n;

            if (n == 0) {
                pn->cut = 1;
                png_error(png, "cut short");
            }

            memcpy(buf, pn->data + at, n);
        }

        buf += n;
        size -= n;
        pn->pos += n;
    }
}


/*
 * The first message is the reason.  The handler longjmps itself: should it
 * return, libpng would print the message to stderr first.
 */

static void
ngx_http_overlay_png_error(png_structp png, png_const_charp msg)
{
    ngx_http_overlay_png_t  *pn;

    pn = png_get_error_ptr(png);

    if (pn->rc != NGX_HTTP_OVERLAY_OK) {
        /* void */

    } else if (pn->cut) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                        "png cut short at %zu bytes",
                                        pn->len);

    } else if (strcmp(msg, "Out of memory") == 0) {
        pn->rc = ngx_http_overlay_error(pn->err, NGX_HTTP_OVERLAY_NO_MEMORY,
                                        "png: %s", msg);

    } else {
        pn->rc = ngx_http_overlay_error(pn->err,
                                        ngx_http_overlay_png_code(msg),
                                        "png: %s", msg);
    }

    png_longjmp(png, 1);
}


/* a warning is corrupt data: stop, rather than draw on a broken image */

static void
ngx_http_overlay_png_warning(png_structp png, png_const_charp msg)
{
    ngx_http_overlay_png_t  *pn;

    pn = png_get_error_ptr(png);

    if (pn->rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    pn->rc = ngx_http_overlay_error(pn->err,
                                    ngx_http_overlay_png_code(msg),
                                    "png: %s", msg);
}


/* libpng's user limits say "Image width exceeds user limit in IHDR" */

static ngx_http_overlay_rc_e
ngx_http_overlay_png_code(const char *msg)
{
    return strstr(msg, "exceeds user limit") != NULL
           ? NGX_HTTP_OVERLAY_TOO_LARGE : NGX_HTTP_OVERLAY_BAD_IMAGE;
}
