
/*
 * The unit tests' fixtures: the files of t/fixtures read, and the images
 * the groups build at run time (JPEGs of a real photo in every variant,
 * JPEGs made of coefficients, PNGs of every colour type, GIFs), and read
 * back (a JPEG's coefficients, libjpeg's warnings).  No checks here but
 * "the fixture does not decode".
 */


#include <libdeflate.h>
#include <png.h>
#include <webp/encode.h>

#include "unit.h"
#include "ngx_http_overlay_codec_jpeg.h"
#include "ngx_http_overlay_file.h"


/* PNGs made at run time, in memory, with libpng's writer */

typedef struct {
    unsigned char  *data;
    size_t          len;
    size_t          size;
} png_buf_t;


static void quiet_jpeg_message(j_common_ptr cinfo, int level);
static void png_buf_write(png_structp png, png_bytep p, size_t n);
static void png_buf_flush(png_structp png);
static unsigned long png_crc(const unsigned char *p, size_t len);


const int  jpeg_zigzag[DCTSIZE2] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
};


unsigned char *
read_fixture(const char *name, size_t *len)
{
    char                       path[1024];
    unsigned char             *data;
    ngx_http_overlay_error_t   err;

    snprintf(path, sizeof(path), "%s/%s", unit_fixtures, name);

    data = ngx_http_overlay_file_read(path, (size_t) 1 << 30, len, &err);
    if (data == NULL) {
        printf("cannot read %s: %s\n", path, err.msg);
        exit(2);
    }

    return data;
}


gdImagePtr
decode_fixture(const char *name)
{
    size_t          len;
    gdImagePtr      im;
    unsigned char  *data;

    data = read_fixture(name, &len);
    im = decode_image(data, len);
    free(data);

    if (im == NULL) {
        CHECK(0, "%s does not decode", name);
    }

    return im;
}

/* q, m, segments, sns, filter, sharpness, type, log2 partitions */
const webp_variant_t  webp_variants[WEBP_VARIANTS] = {
    { 75, 4, 4, 50, 60, 0, 1, 0 },
    { 10, 0, 1, 0, 0, 0, 0, 0 },
    { 30, 1, 2, 100, 100, 7, 0, 1 },
    { 50, 2, 3, 20, 30, 3, 1, 2 },
    { 90, 2, 4, 80, 10, 1, 1, 3 },
    { 70, 3, 1, 60, 20, 4, 1, 0 },
    { 100, 5, 4, 50, 60, 2, 1, 0 },
    { 85, 6, 2, 0, 40, 5, 0, 0 },
};


unsigned char *
rgb_fixture(const char *name, int w, int h)
{
    int             x, y, c;
    gdImagePtr      src, im;
    unsigned char  *rgb, *p;

    src = decode_fixture(name);
    im = gdImageCreateTrueColor(w, h);
    rgb = malloc((size_t) w * h * 3);

    if (src == NULL || im == NULL || rgb == NULL) {
        printf("cannot make %s at %dx%d\n", name, w, h);
        exit(2);
    }

    gdImageCopyResampled(im, src, 0, 0, 0, 0, w, h, gdImageSX(src),
                         gdImageSY(src));

    for (p = rgb, y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            c = gdImageGetTrueColorPixel(im, x, y);
            *p++ = (unsigned char) gdTrueColorGetRed(c);
            *p++ = (unsigned char) gdTrueColorGetGreen(c);
            *p++ = (unsigned char) gdTrueColorGetBlue(c);
        }
    }

    gdImageDestroy(src);
    gdImageDestroy(im);

    return rgb;
}


unsigned char *
webp_encode_rgb(const unsigned char *rgb, int w, int h,
    const webp_variant_t *v, size_t *len)
{
    int               ok;
    WebPConfig        config;
    WebPPicture       pic;
    WebPMemoryWriter  writer;

    if (!WebPConfigInit(&config) || !WebPPictureInit(&pic)) {
        return NULL;
    }

    config.quality = (float) v->quality;
    config.method = v->method;
    config.segments = v->segments;
    config.sns_strength = v->sns;
    config.filter_strength = v->filter;
    config.filter_sharpness = v->sharpness;
    config.filter_type = v->filter_type;
    config.partitions = v->partitions;

    WebPMemoryWriterInit(&writer);
    pic.width = w;
    pic.height = h;
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &writer;

    ok = WebPPictureImportRGB(&pic, rgb, w * 3) && WebPEncode(&config, &pic);
    WebPPictureFree(&pic);

    if (!ok) {
        WebPMemoryWriterClear(&writer);
        return NULL;
    }

    *len = writer.size;

    return writer.mem;
}


gdImagePtr
decode_image(const unsigned char *data, size_t len)
{
    gdImagePtr  im;

    if (ngx_http_overlay_codec_detect(data, len)
        == NGX_HTTP_OVERLAY_FORMAT_JPEG)
    {
        im = gdImageCreateFromJpegPtr((int) len, (void *) data);

    } else {
        im = gdImageCreateFromPngPtr((int) len, (void *) data);
    }

    if (im != NULL && !gdImageTrueColor(im)) {
        gdImagePaletteToTrueColor(im);
    }

    return im;
}


int
pixel_distance(int a, int b)
{
    return abs(gdTrueColorGetRed(a) - gdTrueColorGetRed(b))
           + abs(gdTrueColorGetGreen(a) - gdTrueColorGetGreen(b))
           + abs(gdTrueColorGetBlue(a) - gdTrueColorGetBlue(b));
}


void
one_text(ngx_http_overlay_spec_t *spec, const ngx_http_overlay_options_t *opts,
    const char *text)
{
    memset(spec, 0, sizeof(ngx_http_overlay_spec_t));
    spec->layers[0] = opts->spec.defaults;
    spec->layers[0].text = text;
    spec->layers[0].len = strlen(text);
    spec->nlayers = 1;
}


void
one_image(ngx_http_overlay_spec_t *spec, ngx_http_overlay_options_t *opts,
    const char *const *names, gdImagePtr *im)
{
    opts->spec.assets = names;
    opts->spec.nassets = 1;
    opts->render.assets = im;
    opts->render.nassets = 1;

    memset(spec, 0, sizeof(ngx_http_overlay_spec_t));
    spec->layers[0] = opts->spec.defaults;
    spec->layers[0].type = NGX_HTTP_OVERLAY_LAYER_IMAGE;
    spec->nlayers = 1;
}


/* bytes with n bytes at pos replaced by the m bytes of s */

unsigned char *
replace_bytes(const unsigned char *p, size_t len, size_t pos, size_t n,
    const void *s, size_t m, size_t *out_len)
{
    unsigned char  *q;

    q = malloc(len - n + m);
    memcpy(q, p, pos);
    memcpy(q + pos, s, m);
    memcpy(q + pos + m, p + pos + n, len - pos - n);
    *out_len = len - n + m;

    return q;
}


unsigned char *
make_jpeg(gdImagePtr im, const jpeg_variant_t *v, unsigned long *len)
{
    int                          x, y, c;
    JSAMPROW                     rows[1];
    unsigned char               *out, row[4 * 2048], exif[34];
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  cinfo;

    static const unsigned char  icc[] = "ICC_PROFILE\0\1\1not a real profile";

    out = NULL;
    *len = 0;

    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &out, len);

    cinfo.image_width = (JDIMENSION) gdImageSX(im);
    cinfo.image_height = (JDIMENSION) gdImageSY(im);
    cinfo.input_components = v->space == JCS_CMYK ? 4 : 3;
    cinfo.in_color_space = v->space == JCS_CMYK ? JCS_CMYK : JCS_RGB;

    jpeg_set_defaults(&cinfo);
    jpeg_set_colorspace(&cinfo, v->space);
    jpeg_set_quality(&cinfo, v->quality, TRUE);

    cinfo.comp_info[0].h_samp_factor = v->h;
    cinfo.comp_info[0].v_samp_factor = v->v;
    cinfo.restart_in_rows = v->restart;
    cinfo.optimize_coding = v->optimize ? TRUE : FALSE;

    if (v->restart_mcus) {
        cinfo.restart_interval = (unsigned int) v->restart_mcus;
    }

    if (v->progressive) {
        jpeg_simple_progression(&cinfo);
    }

    jpeg_start_compress(&cinfo, TRUE);

    if (v->orientation) {
        /* "Exif\0\0", TIFF "MM", 42, IFD at 8: one entry, 0x0112 SHORT */
        static const unsigned char  tiff[] = {
            'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
            0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0
        };

        memcpy(exif, tiff, sizeof(exif));
        exif[25] = (unsigned char) v->orientation;
        jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif, sizeof(exif));
    }

    jpeg_write_marker(&cinfo, JPEG_APP0 + 2, icc, sizeof(icc));
    jpeg_write_marker(&cinfo, JPEG_COM, (const JOCTET *) "(c) test", 8);

    rows[0] = row;

    for (y = 0; y < gdImageSY(im); y++) {
        for (x = 0; x < gdImageSX(im); x++) {
            c = gdImageGetTrueColorPixel(im, x, y);

            if (v->space == JCS_CMYK) {
                row[x * 4] = (unsigned char) (255 - gdTrueColorGetRed(c));
                row[x * 4 + 1] = (unsigned char) (255
                                                  - gdTrueColorGetGreen(c));
                row[x * 4 + 2] = (unsigned char) (255
                                                  - gdTrueColorGetBlue(c));
                row[x * 4 + 3] = 0;

            } else {
                row[x * 3] = (unsigned char) gdTrueColorGetRed(c);
                row[x * 3 + 1] = (unsigned char) gdTrueColorGetGreen(c);
                row[x * 3 + 2] = (unsigned char) gdTrueColorGetBlue(c);
            }
        }

        (void) jpeg_write_scanlines(&cinfo, rows, 1);
    }

    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    return out;
}


/* a JPEG of the top-left w x h of photo, made as v says */

unsigned char *
crop_jpeg(gdImagePtr photo, int w, int h, const jpeg_variant_t *v,
    unsigned long *len)
{
    gdImagePtr      im;
    unsigned char  *jpeg;

    im = gdImageCreateTrueColor(w, h);
    gdImageCopy(im, photo, 0, 0, 0, 0, w, h);
    jpeg = make_jpeg(im, v, len);
    gdImageDestroy(im);

    return jpeg;
}


/*
 * A 600x390 4:2:0 JPEG made of coefficients: every AC symbol of both
 * tables occurs (each run with each size, runs of 16 zeros, ends of block),
 * every DC is 0; with optimal tables, the DC tables hold the category 0
 * only, and the AC tables everything.
 */

unsigned char *
make_coef_jpeg(unsigned long *len)
{
    int                          c, k, n;
    JDIMENSION                   bx, by, w[3], h[3];
    JBLOCKARRAY                  row;
    unsigned char               *out;
    jvirt_barray_ptr             arrays[3];
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  cinfo;

    out = NULL;
    *len = 0;

    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &out, len);

    cinfo.image_width = 600;
    cinfo.image_height = 390;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;

    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 85, TRUE);
    cinfo.optimize_coding = TRUE;

    for (c = 0; c < 3; c++) {
        n = c ? 1 : 2;
        w[c] = (600 * n / 2 + 7) / 8;
        h[c] = (390 * n / 2 + 7) / 8;
        arrays[c] = (*cinfo.mem->request_virt_barray)((j_common_ptr) &cinfo,
                        JPOOL_IMAGE, TRUE, (w[c] + n - 1) / n * n,
                        (h[c] + n - 1) / n * n, (JDIMENSION) n);
    }

    (*cinfo.mem->realize_virt_arrays)((j_common_ptr) &cinfo);

    for (c = 0; c < 3; c++) {
        for (by = 0; by < h[c]; by++) {
            row = (*cinfo.mem->access_virt_barray)((j_common_ptr) &cinfo,
                                                   arrays[c], by, 1, TRUE);

            for (bx = 0; bx < w[c]; bx++) {
                JCOEF  *b = row[0][bx];

                n = (int) (by * w[c] + bx);
                k = 1 + n % 16;

                memset(b, 0, sizeof(JBLOCK));
                b[jpeg_zigzag[k]] = (JCOEF) (1 << ((n / 16) % 10));

                if (n % 7 == 0) {
                    b[jpeg_zigzag[63]] = -1;
                }
            }
        }
    }

    jpeg_write_coefficients(&cinfo, arrays);
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    return out;
}


/* a 64x64 grey progressive JPEG with as many scans as progression allows */

unsigned char *
make_scan_bomb(unsigned long *len, int *nscans)
{
    int                          k, al, n, y;
    JSAMPROW                     row;
    unsigned char               *out, pixels[64];
    jpeg_scan_info              *scans;
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  c;

    scans = calloc(64 * 11, sizeof(jpeg_scan_info));
    n = 0;

    for (k = 0; k < 64; k++) {
        for (al = 10; al >= 0; al--) {
            scans[n].comps_in_scan = 1;
            scans[n].component_index[0] = 0;
            scans[n].Ss = k;
            scans[n].Se = k;
            scans[n].Ah = al == 10 ? 0 : al + 1;
            scans[n].Al = al;
            n++;
        }
    }

    out = NULL;
    *len = 0;
    *nscans = n;

    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, len);

    c.image_width = 64;
    c.image_height = 64;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;

    jpeg_set_defaults(&c);
    c.scan_info = scans;
    c.num_scans = n;

    jpeg_start_compress(&c, TRUE);

    memset(pixels, 128, sizeof(pixels));
    row = pixels;

    for (y = 0; y < 64; y++) {
        (void) jpeg_write_scanlines(&c, &row, 1);
    }

    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(scans);

    return out;
}


int
read_coefs(const unsigned char *data, unsigned long len, jpeg_coefs_t *jc)
{
    int                            c, by, bx, m;
    JBLOCKARRAY                    row;
    jvirt_barray_ptr              *arrays;
    jpeg_saved_marker_ptr          mk;
    struct jpeg_error_mgr          jerr;
    struct jpeg_decompress_struct  d;

    memset(jc, 0, sizeof(jpeg_coefs_t));

    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, len);

    jpeg_save_markers(&d, JPEG_COM, 0xffff);

    for (m = 0; m < 16; m++) {
        jpeg_save_markers(&d, JPEG_APP0 + m, 0xffff);
    }

    (void) jpeg_read_header(&d, TRUE);

    jc->progressive = d.progressive_mode;
    jc->ncomp = d.num_components;
    jc->orientation = ngx_http_overlay_jpeg_orientation(data, len);

    for (mk = d.marker_list; mk != NULL; mk = mk->next) {
        jc->markers++;

        if (mk->marker == JPEG_COM && mk->data_length < sizeof(jc->com)) {
            memcpy(jc->com, mk->data, mk->data_length);
        }

        if (mk->marker == JPEG_APP0 + 2 && mk->data_length > 12
            && memcmp(mk->data, "ICC_PROFILE", 12) == 0)
        {
            jc->icc = 1;
        }
    }

    arrays = jpeg_read_coefficients(&d);

    for (c = 0; c < d.num_components && c < 4; c++) {
        jc->w[c] = (int) d.comp_info[c].width_in_blocks;
        jc->h[c] = (int) d.comp_info[c].height_in_blocks;
        jc->coef[c] = malloc((size_t) jc->w[c] * jc->h[c] * DCTSIZE2
                             * sizeof(JCOEF));

        for (by = 0; by < jc->h[c]; by++) {
            row = (*d.mem->access_virt_barray)((j_common_ptr) &d,
                                               arrays[c], by, 1, FALSE);

            for (bx = 0; bx < jc->w[c]; bx++) {
                memcpy(&jc->coef[c][((size_t) by * jc->w[c] + bx)
                                    * DCTSIZE2],
                       row[0][bx], sizeof(JBLOCK));
            }
        }
    }

    jpeg_destroy_decompress(&d);

    return 0;
}


void
free_coefs(jpeg_coefs_t *jc)
{
    int  c;

    for (c = 0; c < 4; c++) {
        free(jc->coef[c]);
    }
}


static void
quiet_jpeg_message(j_common_ptr cinfo, int level)
{
    if (level < 0) {
        cinfo->err->num_warnings++;
    }
}


/* libjpeg's warnings when decoding: corrupt entropy-coded data shows */

long
jpeg_warnings(const unsigned char *p, size_t len)
{
    JSAMPROW                       rows[1];
    unsigned char                 *row;
    struct jpeg_error_mgr          jerr;
    struct jpeg_decompress_struct  d;

    d.err = jpeg_std_error(&jerr);
    jerr.emit_message = quiet_jpeg_message;
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long) len);
    (void) jpeg_read_header(&d, TRUE);
    (void) jpeg_start_decompress(&d);

    row = malloc((size_t) d.output_width * d.output_components);
    rows[0] = row;

    while (d.output_scanline < d.output_height) {
        (void) jpeg_read_scanlines(&d, rows, 1);
    }

    (void) jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);

    return jerr.num_warnings;
}


static void
png_buf_write(png_structp png, png_bytep p, size_t n)
{
    png_buf_t  *b;

    b = png_get_io_ptr(png);

    if (b->len + n > b->size) {
        b->size = (b->len + n) * 2;
        b->data = realloc(b->data, b->size);
    }

    memcpy(b->data + b->len, p, n);
    b->len += n;
}


static void
png_buf_flush(png_structp png)
{
    (void) png;
}


/* a sample of 16 bits, different in every pixel and channel */

unsigned
png_sample(int x, int y, int c)
{
    return (unsigned) (x * 4099 + y * 9157 + c * 21011 + x * y * 37)
           & 0xffff;
}


unsigned char *
make_png(int w, int h, int colour, int depth, int interlace, int trns,
    size_t *len)
{
    int             pass, y, c, channels, n, max;
    png_buf_t       b;
    png_color       palette[256];
    png_infop       info;
    png_bytep       row;
    png_structp     png;
    png_byte        alpha[256];
    png_color_16    tc;
    unsigned        v;

    memset(&b, 0, sizeof(png_buf_t));

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png_create_info_struct(png);

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(b.data);
        return NULL;
    }

    png_set_write_fn(png, &b, png_buf_write, png_buf_flush);
    png_set_IHDR(png, info, (png_uint_32) w, (png_uint_32) h, depth, colour,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_pHYs(png, info, 11811, 5906, PNG_RESOLUTION_METER);

    /* 16-bit rows all Sub, as the module's encoder filters them */

    if (depth == 16) {
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    }

    max = (1 << depth) - 1;
    n = colour == PNG_COLOR_TYPE_PALETTE ? max + 1 : 0;

    for (c = 0; c < n; c++) {
        palette[c].red = (png_byte) (c * 7 + 3);
        palette[c].green = (png_byte) (c * 13 + 100);
        palette[c].blue = (png_byte) (c * 29);
        alpha[c] = (png_byte) (c % 3 == 0 ? 0 : c % 3 == 1 ? 255 : c * 41);
    }

    if (n > 0) {
        png_set_PLTE(png, info, palette, n);

        if (trns) {
            png_set_tRNS(png, info, alpha, n > 1 ? n - 1 : 1, NULL);
        }

    } else if (trns) {
        /* the colour of the pixel at 1,0 is the transparent one */

        tc.gray = (png_uint_16) (png_sample(1, 0, 0) & max);
        tc.red = (png_uint_16) (png_sample(1, 0, 0) & max);
        tc.green = (png_uint_16) (png_sample(1, 0, 1) & max);
        tc.blue = (png_uint_16) (png_sample(1, 0, 2) & max);
        png_set_tRNS(png, info, NULL, 0, &tc);
    }

    png_write_info(png, info);

    if (depth < 8) {
        png_set_packing(png);
    }

    if (interlace) {
        (void) png_set_interlace_handling(png);
    }

    channels = png_get_channels(png, info);
    row = malloc((size_t) w * channels * 2);

    for (pass = interlace ? 7 : 1; pass > 0; pass--) {
        for (y = 0; y < h; y++) {
            unsigned char  *p = row;
            int             i;

            for (i = 0; i < w; i++) {
                for (c = 0; c < channels; c++) {
                    v = png_sample(i, y, c);

                    if (n > 0) {
                        *p++ = (unsigned char) (v % n);

                    } else if (depth == 16) {
                        *p++ = (unsigned char) (v >> 8);
                        *p++ = (unsigned char) v;

                    } else {
                        *p++ = (unsigned char) (v & max);
                    }
                }
            }

            png_write_row(png, row);
        }
    }

    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);

    *len = b.len;

    return b.data;
}


/* the CRC of PNG chunks (ISO 3309), to build chunks by hand */

static unsigned long
png_crc(const unsigned char *p, size_t len)
{
    int            k;
    size_t         i;
    unsigned long  c;

    c = 0xffffffffUL;

    for (i = 0; i < len; i++) {
        c ^= p[i];

        for (k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320UL ^ (c >> 1) : c >> 1;
        }
    }

    return c ^ 0xffffffffUL;
}


/* the PNG with a chunk of n bytes (of fill) inserted at pos */

unsigned char *
png_insert_chunk(const unsigned char *png, size_t len, size_t pos,
    const char *type, const unsigned char *data, size_t n, int fill,
    int bad_crc, size_t *out_len)
{
    unsigned char  *p, *c;
    unsigned long   crc;

    p = malloc(len + n + 12);
    memcpy(p, png, pos);

    c = p + pos;
    c[0] = (unsigned char) (n >> 24);
    c[1] = (unsigned char) (n >> 16);
    c[2] = (unsigned char) (n >> 8);
    c[3] = (unsigned char) n;
    memcpy(c + 4, type, 4);

    if (data != NULL) {
        memcpy(c + 8, data, n);

    } else {
        memset(c + 8, fill, n);
    }

    crc = png_crc(c + 4, n + 4) ^ (bad_crc ? 1 : 0);
    c[8 + n] = (unsigned char) (crc >> 24);
    c[9 + n] = (unsigned char) (crc >> 16);
    c[10 + n] = (unsigned char) (crc >> 8);
    c[11 + n] = (unsigned char) crc;

    memcpy(c + 12 + n, png + pos, len - pos);
    *out_len = len + n + 12;

    return p;
}


/* a GIF of frames of w x h pixels at x,y (one pixel of data each) on a
 * screen of sw x sh */

unsigned char *
make_gif(unsigned frames, unsigned sw, unsigned sh, unsigned x, unsigned y,
    unsigned w, unsigned h, size_t *len)
{
    unsigned char  *p, *q;
    unsigned        i;

    static const unsigned char  frame_data[] = {
        0x02, 0x02, 0x44, 0x01, 0x00                /* LZW: one pixel */
    };

    p = malloc(13 + 6 + (size_t) frames * (10 + sizeof(frame_data)) + 1);
    q = p;

    memcpy(q, "GIF89a", 6);
    q += 6;
    *q++ = sw & 0xff;
    *q++ = sw >> 8;
    *q++ = sh & 0xff;
    *q++ = sh >> 8;
    *q++ = 0x80;                                /* a table of 2 colours */
    *q++ = 0;
    *q++ = 0;
    memcpy(q, "\0\0\0\xff\xff\xff", 6);
    q += 6;

    for (i = 0; i < frames; i++) {
        *q++ = 0x2c;
        *q++ = x & 0xff;
        *q++ = x >> 8;
        *q++ = y & 0xff;
        *q++ = y >> 8;
        *q++ = w & 0xff;
        *q++ = w >> 8;
        *q++ = h & 0xff;
        *q++ = h >> 8;
        *q++ = 0;
        memcpy(q, frame_data, sizeof(frame_data));
        q += sizeof(frame_data);
    }

    *q++ = 0x3b;
    *len = (size_t) (q - p);

    return p;
}


const unsigned char *
png_chunk_find(const unsigned char *png, size_t len, const char *type,
    size_t *n)
{
    size_t  pos, chunk;

    for (pos = 8; pos + 12 <= len; pos += chunk + 12) {
        chunk = (size_t) png[pos] << 24 | (size_t) png[pos + 1] << 16
                | (size_t) png[pos + 2] << 8 | png[pos + 3];

        if (memcmp(png + pos + 4, type, 4) == 0) {
            *n = chunk;
            return png + pos + 8;
        }
    }

    return NULL;
}


unsigned short *
png_read_linear(const unsigned char *png, size_t len, unsigned *w,
    unsigned *h, char *msg, int *warned)
{
    png_image        image;
    unsigned short  *pixels;

    memset(&image, 0, sizeof(png_image));
    image.version = PNG_IMAGE_VERSION;
    msg[0] = '\0';
    pixels = NULL;

    if (png_image_begin_read_from_memory(&image, png, len)) {
        image.format = PNG_FORMAT_LINEAR_RGB_ALPHA;
        pixels = malloc(PNG_IMAGE_SIZE(image));

        if (!png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
            free(pixels);
            pixels = NULL;
        }
    }

    *warned = (image.warning_or_error & PNG_IMAGE_WARNING) != 0;

    snprintf(msg, 64, "%s", image.message);
    *w = image.width;
    *h = image.height;
    png_image_free(&image);

    return pixels;
}


/*
 * The PNG with its image data in IDATs of 997 bytes and an empty one,
 * and a fault: 0 none; 1 the second IDAT's CRC wrong; 2 three bytes after
 * the zlib stream; 3 its Adler-32 wrong; 4 a row of zeros too many, 5 one
 * row short, 6 the fourth row's filter type 5, 7 the sixth row all 255s,
 * filter none (4 to 7 of 8-bit rows, deflated again by libdeflate).
 * malloc()ed; NULL: no IDAT.
 */

unsigned char *
png_reidat(const unsigned char *png, size_t len, int fault, size_t *out_len)
{
    size_t                            pos, chunk, first, end, zlen, rlen;
    size_t                            cap, row, i, n;
    uint32_t                          crc;
    unsigned char                    *z, *raw, *out, *p;
    struct libdeflate_compressor     *c;
    struct libdeflate_decompressor   *d;

    first = 0;
    end = 0;
    zlen = 0;

    z = malloc(len + 3);

    for (pos = 8; pos + 12 <= len; pos += 12 + chunk) {
        chunk = png_get_uint_32(&png[pos]);

        if (memcmp(&png[pos + 4], "IDAT", 4) == 0) {
            first = first ? first : pos;
            end = pos + 12 + chunk;
            memcpy(z + zlen, &png[pos + 8], chunk);
            zlen += chunk;
        }
    }

    if (first == 0) {
        free(z);
        return NULL;
    }

    /* the rows, for faults 4 to 7: IHDR's width, 8 bits */

    row = 1 + (size_t) png_get_uint_32(&png[16])
              * (png[25] == 6 ? 4 : png[25] == 2 ? 3 : png[25] == 4 ? 2 : 1);
    cap = (size_t) png_get_uint_32(&png[20]) * row + row;
    raw = malloc(cap);

    if (fault == 2) {
        memcpy(z + zlen, "\x01\x02\x03", 3);
        zlen += 3;

    } else if (fault == 3) {
        z[zlen - 1] ^= 1;

    } else if (fault >= 4) {
        d = libdeflate_alloc_decompressor();
        (void) libdeflate_zlib_decompress(d, z, zlen, raw, cap, &rlen);
        libdeflate_free_decompressor(d);

        if (fault == 4) {
            memset(raw + rlen, 0, row);
            rlen += row;

        } else if (fault == 5) {
            rlen -= row;

        } else if (fault == 6) {
            raw[3 * row] = 5;

        } else {
            raw[5 * row] = 0;
            memset(raw + 5 * row + 1, 0xff, row - 1);
        }

        free(z);
        c = libdeflate_alloc_compressor(6);
        n = libdeflate_zlib_compress_bound(c, rlen);
        z = malloc(n);
        zlen = libdeflate_zlib_compress(c, raw, rlen, z, n);
        libdeflate_free_compressor(c);
    }

    free(raw);

    out = malloc(len + zlen + 12 * (zlen / 997 + 2));
    memcpy(out, png, first);
    p = out + first;

    /* the chunks of 997 bytes, then an empty one */

    for (i = 0, n = 0; i < zlen + 997; i += 997, n++) {
        chunk = i >= zlen ? 0 : zlen - i < 997 ? zlen - i : 997;

        png_save_uint_32(p, (png_uint_32) chunk);
        memcpy(p + 4, "IDAT", 4);
        memcpy(p + 8, z + i, chunk);
        crc = libdeflate_crc32(0, p + 4, chunk + 4);
        png_save_uint_32(p + 8 + chunk, crc ^ (fault == 1 && n == 1));
        p += 12 + chunk;
    }

    memcpy(p, png + end, len - end);
    p += len - end;

    free(z);

    *out_len = (size_t) (p - out);

    return out;
}
