
/*
 * Writes the small image seeds of fuzz_image into a directory: JPEGs and
 * PNGs in the variants the decoders branch on (sampling, progressive,
 * arithmetic coding, restart markers, greyscale, CMYK; every PNG colour
 * type and bit depth, palette with tRNS, Adam7), each a few hundred bytes.
 * The seeds are committed in tests/fuzz/corpus_image/; this program is how
 * they were made, and is not part of the build (the WebP, GIF and APNG
 * seeds beside them come from gen_web_seeds.pl):
 *
 *   cc -o gen tests/fuzz/gen_image_seeds.c -ljpeg -lpng
 *   ./gen tests/fuzz/corpus_image
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>


typedef struct {
    const char    *name;
    int            width;
    int            height;
    J_COLOR_SPACE  space;           /* JCS_RGB, JCS_GRAYSCALE, JCS_CMYK */
    int            h0, v0;          /* sampling of the first component */
    int            progressive;
    int            arithmetic;
    int            restart;         /* rows */
    int            quality;
    int            markers;         /* a COM and an Exif APP1 */
} gen_jpeg_t;


typedef struct {
    const char    *name;
    int            width;
    int            height;
    int            color_type;
    int            depth;
    int            interlace;
    int            trns;
} gen_png_t;


static unsigned gen_sample(int x, int y, int c, int w, int h);
static int gen_jpeg(const char *dir, const gen_jpeg_t *g);
static int gen_png(const char *dir, const gen_png_t *g);


static const gen_jpeg_t  gen_jpegs[] = {
    { "base420.jpg", 16, 16, JCS_RGB, 2, 2, 0, 0, 0, 85, 0 },
    { "base444.jpg", 17, 9, JCS_RGB, 1, 1, 0, 0, 0, 90, 0 },
    { "base422.jpg", 24, 8, JCS_RGB, 2, 1, 0, 0, 0, 50, 0 },
    { "progressive.jpg", 24, 16, JCS_RGB, 2, 2, 1, 0, 0, 85, 0 },
    { "arithmetic.jpg", 16, 16, JCS_RGB, 2, 2, 0, 1, 0, 85, 0 },
    { "arith_prog.jpg", 16, 16, JCS_RGB, 2, 2, 1, 1, 0, 85, 0 },
    { "restart.jpg", 32, 32, JCS_RGB, 2, 2, 0, 0, 1, 75, 0 },
    { "gray.jpg", 16, 16, JCS_GRAYSCALE, 1, 1, 0, 0, 0, 85, 0 },
    { "gray_prog.jpg", 13, 7, JCS_GRAYSCALE, 1, 1, 1, 0, 0, 85, 0 },
    { "prog_rst.jpg", 40, 24, JCS_RGB, 2, 2, 1, 0, 1, 80, 0 },
    { "prog444.jpg", 24, 17, JCS_RGB, 1, 1, 1, 0, 0, 92, 0 },
    { "prog422_rst.jpg", 33, 16, JCS_RGB, 2, 1, 1, 0, 1, 70, 1 },
    { "cmyk.jpg", 16, 16, JCS_CMYK, 1, 1, 0, 0, 0, 85, 0 },
    { "markers.jpg", 8, 8, JCS_RGB, 2, 2, 0, 0, 0, 85, 1 },
    { "one.jpg", 1, 1, JCS_RGB, 2, 2, 0, 0, 0, 85, 0 },
    { "q100.jpg", 8, 8, JCS_RGB, 1, 1, 0, 0, 0, 100, 0 }
};


static const gen_png_t  gen_pngs[] = {
    { "gray1.png", 16, 16, PNG_COLOR_TYPE_GRAY, 1, 0, 0 },
    { "gray2.png", 15, 3, PNG_COLOR_TYPE_GRAY, 2, 0, 0 },
    { "gray4.png", 9, 9, PNG_COLOR_TYPE_GRAY, 4, 0, 0 },
    { "gray8_trns.png", 16, 16, PNG_COLOR_TYPE_GRAY, 8, 0, 1 },
    { "gray16.png", 8, 8, PNG_COLOR_TYPE_GRAY, 16, 0, 0 },
    { "rgb8.png", 16, 16, PNG_COLOR_TYPE_RGB, 8, 0, 0 },
    { "rgb8_trns.png", 16, 16, PNG_COLOR_TYPE_RGB, 8, 0, 1 },
    { "rgb16.png", 8, 8, PNG_COLOR_TYPE_RGB, 16, 0, 0 },
    { "palette1.png", 16, 16, PNG_COLOR_TYPE_PALETTE, 1, 0, 0 },
    { "palette4_trns.png", 16, 16, PNG_COLOR_TYPE_PALETTE, 4, 0, 1 },
    { "palette8.png", 16, 16, PNG_COLOR_TYPE_PALETTE, 8, 0, 0 },
    { "gray_alpha8.png", 16, 16, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0 },
    { "gray_alpha16.png", 8, 8, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0 },
    { "rgba8.png", 16, 16, PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 0 },
    { "rgba16.png", 8, 8, PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0 },
    { "rgba8_adam7.png", 19, 11, PNG_COLOR_TYPE_RGB_ALPHA, 8, 1, 0 },
    { "palette8_adam7.png", 9, 17, PNG_COLOR_TYPE_PALETTE, 8, 1, 0 },
    { "rgb16_adam7.png", 11, 7, PNG_COLOR_TYPE_RGB, 16, 1, 0 },
    { "gray_alpha16_adam7.png", 5, 3, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 1, 0 },
    { "one.png", 1, 1, PNG_COLOR_TYPE_RGB, 8, 0, 0 }
};


int
main(int argc, char **argv)
{
    size_t  i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }

    for (i = 0; i < sizeof(gen_jpegs) / sizeof(gen_jpegs[0]); i++) {
        if (gen_jpeg(argv[1], &gen_jpegs[i]) != 0) {
            return 1;
        }
    }

    for (i = 0; i < sizeof(gen_pngs) / sizeof(gen_pngs[0]); i++) {
        if (gen_png(argv[1], &gen_pngs[i]) != 0) {
            return 1;
        }
    }

    return 0;
}


/* gradients, a checker and a disc: edges and flat areas, 0..65535 */

static unsigned
gen_sample(int x, int y, int c, int w, int h)
{
    int  dx, dy;

    dx = 2 * x - w;
    dy = 2 * y - h;

    switch (c) {
    case 0:
        return (unsigned) (x * 65535 / (w > 1 ? w - 1 : 1));
    case 1:
        return (unsigned) (y * 65535 / (h > 1 ? h - 1 : 1));
    case 2:
        return ((x / 4 + y / 4) & 1) ? 65535 : 8192;
    default:
        return dx * dx + dy * dy < w * h / 2 ? 65535 : 0;
    }
}


static int
gen_jpeg(const char *dir, const gen_jpeg_t *g)
{
    int                          x, y, c, comps;
    char                         path[1024];
    FILE                        *f;
    JSAMPROW                     row;
    struct jpeg_error_mgr        jerr;
    struct jpeg_compress_struct  cinfo;

    static const unsigned char  exif[] = "Exif\0\0MM\0\x2a\0\0\0\x08\0\0";

    snprintf(path, sizeof(path), "%s/%s", dir, g->name);

    f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return -1;
    }

    comps = g->space == JCS_GRAYSCALE ? 1 : (g->space == JCS_CMYK ? 4 : 3);

    row = malloc((size_t) g->width * comps);
    if (row == NULL) {
        fclose(f);
        return -1;
    }

    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);

    cinfo.image_width = (JDIMENSION) g->width;
    cinfo.image_height = (JDIMENSION) g->height;
    cinfo.input_components = comps;
    cinfo.in_color_space = g->space;

    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, g->quality, TRUE);

    if (g->space == JCS_CMYK) {
        jpeg_set_colorspace(&cinfo, JCS_YCCK);
    }

    cinfo.comp_info[0].h_samp_factor = g->h0;
    cinfo.comp_info[0].v_samp_factor = g->v0;
    cinfo.arith_code = g->arithmetic ? TRUE : FALSE;
    cinfo.restart_in_rows = g->restart;

    if (g->progressive) {
        jpeg_simple_progression(&cinfo);
    }

    jpeg_start_compress(&cinfo, TRUE);

    if (g->markers) {
        jpeg_write_marker(&cinfo, JPEG_COM, (const JOCTET *) "seed", 4);
        jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif, sizeof(exif) - 1);
    }

    for (y = 0; y < g->height; y++) {
        for (x = 0; x < g->width; x++) {
            for (c = 0; c < comps; c++) {
                row[x * comps + c] = (JSAMPLE)
                    (gen_sample(x, y, c, g->width, g->height) >> 8);
            }
        }

        (void) jpeg_write_scanlines(&cinfo, &row, 1);
    }

    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    free(row);

    return fclose(f) == 0 ? 0 : -1;
}


static int
gen_png(const char *dir, const gen_png_t *g)
{
    int            x, y, c, comps, bytes, bits, shift, max;
    char           path[1024];
    FILE          *f;
    unsigned       v;
    png_byte       alpha[256];
    png_bytep      row;
    png_color      palette[256];
    png_infop      info;
    png_structp    png;
    png_color_16   trns;

    snprintf(path, sizeof(path), "%s/%s", dir, g->name);

    f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return -1;
    }

    switch (g->color_type) {
    case PNG_COLOR_TYPE_RGB:
        comps = 3;
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        comps = 2;
        break;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        comps = 4;
        break;
    default:
        comps = 1;
        break;
    }

    bits = g->depth;
    max = (1 << bits) - 1;
    bytes = (g->width * comps * bits + 7) / 8;

    row = calloc((size_t) bytes, 1);
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png != NULL ? png_create_info_struct(png) : NULL;

    if (row == NULL || info == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        exit(1);
    }

    if (setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "%s: libpng failed\n", path);
        exit(1);
    }

    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32) g->width, (png_uint_32) g->height,
                 bits, g->color_type,
                 g->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);

    if (g->color_type == PNG_COLOR_TYPE_PALETTE) {
        for (c = 0; c <= max; c++) {
            palette[c].red = (png_byte) (c * 255 / max);
            palette[c].green = (png_byte) (255 - c * 255 / max);
            palette[c].blue = (png_byte) (c & 1 ? 200 : 40);
            alpha[c] = (png_byte) (c * 255 / max);
        }

        png_set_PLTE(png, info, palette, max + 1);

        if (g->trns) {
            png_set_tRNS(png, info, alpha, max + 1, NULL);
        }

    } else if (g->trns) {
        memset(&trns, 0, sizeof(png_color_16));
        trns.gray = 0;
        trns.red = 0;
        png_set_tRNS(png, info, NULL, 0, &trns);
    }

    png_write_info(png, info);

    if (g->interlace) {
        (void) png_set_interlace_handling(png);
    }

    for (c = 0; c < (g->interlace ? 7 : 1); c++) {
        for (y = 0; y < g->height; y++) {
            memset(row, 0, (size_t) bytes);

            for (x = 0; x < g->width * comps; x++) {
                v = gen_sample(x / comps, y, x % comps, g->width, g->height);
                v >>= 16 - bits;

                if (bits == 16) {
                    row[2 * x] = (png_byte) (v >> 8);
                    row[2 * x + 1] = (png_byte) v;

                } else if (bits == 8) {
                    row[x] = (png_byte) v;

                } else {
                    shift = 8 - bits - (x * bits) % 8;
                    row[x * bits / 8] |= (png_byte) (v << shift);
                }
            }

            png_write_row(png, row);
        }
    }

    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);

    free(row);

    return fclose(f) == 0 ? 0 : -1;
}
