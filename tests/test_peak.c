
/*
 * The peak heap of one render, against the image's decoded size (3 bytes
 * a pixel): at most 3 times for JPEG and PNG, and far less on the JPEG DCT
 * path of a 4:2:0 JPEG (its coefficients take 2 bytes a sample).  malloc
 * and friends are interposed here, so that libjpeg, libgd, libpng, libwebp
 * and FreeType allocations are all counted.
 *
 *   test_peak FIXTURES
 *
 * The images are made at run time from a real photo of FIXTURES, at
 * 1920x1080 and 3840x2160.
 */


#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_file.h"


extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);


static size_t  peak_now;
static size_t  peak_max;
static int     failed;


static void
peak_add(void *p)
{
    if (p != NULL) {
        peak_now += malloc_usable_size(p);

        if (peak_now > peak_max) {
            peak_max = peak_now;
        }
    }
}


static void
peak_sub(void *p)
{
    if (p != NULL) {
        peak_now -= malloc_usable_size(p);
    }
}


void *
malloc(size_t size)
{
    void  *p = __libc_malloc(size);

    peak_add(p);

    return p;
}


void *
calloc(size_t n, size_t size)
{
    void  *p = __libc_calloc(n, size);

    peak_add(p);

    return p;
}


void *
realloc(void *old, size_t size)
{
    void  *p;

    peak_sub(old);

    p = __libc_realloc(old, size);

    if (p == NULL && size != 0) {
        peak_add(old);                  /* still there */
        return NULL;
    }

    peak_add(p);

    return p;
}


int
posix_memalign(void **out, size_t align, size_t size)
{
    void  *p = __libc_memalign(align, size);

    if (p == NULL) {
        return 12;                      /* ENOMEM */
    }

    peak_add(p);
    *out = p;

    return 0;
}


void
free(void *p)
{
    peak_sub(p);
    __libc_free(p);
}


static unsigned char *
read_file(const char *path, size_t *len)
{
    unsigned char             *data;
    ngx_http_overlay_error_t   err;

    data = ngx_http_overlay_file_read(path, (size_t) 1 << 30, len, &err);
    if (data == NULL) {
        printf("cannot read %s: %s\n", path, err.msg);
        exit(2);
    }

    return data;
}


static void
measure(const char *name, unsigned char *data, size_t len, int quality,
    double bound)
{
    int                             i;
    double                          ratio;
    size_t                          base = 0, decoded;
    unsigned char                   json[] = "{\"overlay\":\"Last Chance!\"}";
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_blob_t         blob;
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_options_t      opts;
    ngx_http_overlay_image_info_t   info;

    ngx_http_overlay_options_init(&opts);
    opts.codec.jpeg_quality = quality;

    if (ngx_http_overlay_parse_value(json, sizeof(json) - 1, &opts, NULL,
                                     &spec, NULL, &err)
        != NGX_HTTP_OVERLAY_OK)
    {
        printf("FAIL %s: %s\n", name, err.msg);
        failed++;
        return;
    }

    /* three times to fill the font caches, then measured, three times */

    for (i = 0; i < 6; i++) {

        if (i == 3) {
            base = peak_now;
            peak_max = peak_now;
        }

        rc = ngx_http_overlay_composite(data, len, &spec, &opts, &info,
                                        &blob, &err);
        if (rc != NGX_HTTP_OVERLAY_OK) {
            printf("FAIL %s: %s\n", name, err.msg);
            failed++;
            return;
        }

        ngx_http_overlay_codec_free(&blob);
    }

    decoded = (size_t) info.width * info.height * 3;
    ratio = (double) (peak_max - base) / (double) decoded;

    printf("%s %s %ux%u: peak %zu kB, %.2f times the decoded %zu kB "
           "(bound %.1f)\n", ratio <= bound ? "ok  " : "FAIL", name,
           info.width, info.height, (peak_max - base) / 1024, ratio,
           decoded / 1024, bound);

    if (ratio > bound) {
        failed++;
    }

    /*
     * stdio's buffers, which glibc frees inside itself, count as a few
     * kilobytes that stay: a leak of the render's would be megabytes
     */

    if (peak_now > base + 16384) {
        printf("FAIL %s: %zu bytes more after three renders\n", name,
               peak_now - base);
        failed++;
    }
}


int
main(int argc, char **argv)
{
    int            i, size;
    char           path[1024];
    void          *out;
    size_t         len;
    gdImagePtr     photo, im;
    unsigned char  *data;

    static const int  sizes[2][2] = { { 1920, 1080 }, { 3840, 2160 } };

    if (argc != 2) {
        printf("usage: test_peak FIXTURES\n");
        return 2;
    }

    ngx_http_overlay_core_init();

    snprintf(path, sizeof(path), "%s/coffee.jpg", argv[1]);
    data = read_file(path, &len);
    photo = gdImageCreateFromJpegPtr((int) len, data);
    free(data);

    if (photo == NULL) {
        printf("cannot decode %s\n", path);
        return 2;
    }

    for (i = 0; i < 2; i++) {
        char  name[64];

        im = gdImageCreateTrueColor(sizes[i][0], sizes[i][1]);
        gdImageCopyResampled(im, photo, 0, 0, 0, 0, sizes[i][0],
                             sizes[i][1], gdImageSX(photo),
                             gdImageSY(photo));

        /* libgd writes 4:2:0 below quality 90, 4:4:4 from 90 */

        size = 0;
        out = gdImageJpegPtr(im, &size, 85);
        snprintf(name, sizeof(name), "jpeg 4:2:0, DCT path");
        measure(name, out, (size_t) size, 0, 1.5);
        snprintf(name, sizeof(name), "jpeg 4:2:0, quality 90");
        measure(name, out, (size_t) size, 90, 3.0);
        gdFree(out);

        out = gdImageJpegPtr(im, &size, 95);
        snprintf(name, sizeof(name), "jpeg 4:4:4, DCT path");
        measure(name, out, (size_t) size, 0, 2.5);
        snprintf(name, sizeof(name), "jpeg 4:4:4, quality 90");
        measure(name, out, (size_t) size, 90, 3.0);
        gdFree(out);

        if (i == 0) {
            out = gdImagePngPtr(im, &size);
            measure("png", out, (size_t) size, 0, 3.0);
            gdFree(out);

            out = gdImageWebpPtrEx(im, &size, 85);
            measure("webp", out, (size_t) size, 0, 3.0);
            gdFree(out);

            /* libwebp's lossless encoder needs far more, even at its
             * fastest method: hash chains and backward references */

            out = gdImageWebpPtrEx(im, &size, gdWebpLossless);
            measure("webp lossless", out, (size_t) size, 0, 8.0);
            gdFree(out);
        }

        gdImageDestroy(im);
    }

    gdImageDestroy(photo);
    ngx_http_overlay_core_shutdown();

    printf("%s\n", failed ? "peak: FAILED" : "peak: all within bounds");

    return failed ? 1 : 0;
}
