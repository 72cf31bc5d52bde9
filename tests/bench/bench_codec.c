
/*
 * The in-process half of `make bench`: the time the core takes per image,
 * one thread, no nginx, against what libjpeg-turbo and libgd need to
 * transcode the same image at all.
 *
 * usage: bench_codec [-t SECONDS] [-n ROUNDS] [-b BLOCKS] [-c CASE]
 *                    [-T NAME] [-o TSV] [-V VALUE] IMAGE...
 *
 * The cases, for each JPEG:
 *
 *   pixels    libjpeg-turbo's full decode to RGB and encode at the same
 *             quality (the source's quantization tables and sampling,
 *             libjpeg's default Huffman tables): the floor of any pixel
 *             pipeline
 *   coefs     jpeg_read_coefficients(), jpeg_copy_critical_parameters(),
 *             jpeg_write_coefficients() into memory, libjpeg's defaults:
 *             the floor of a transcode that keeps the coefficients
 *   dct       ngx_http_overlay_composite() with the module's defaults
 *             (overlay_jpeg_quality source: the DCT path)
 *   dct-cold  the same, with glibc's malloc defaults (below)
 *   full      ngx_http_overlay_composite() at jpeg_quality 90 (the whole
 *             image decoded, drawn on and encoded again)
 *
 * PNG, WebP and GIF have pixels (libgd's decode and encode: what the
 * codecs did before they had their own paths) and dct (the composite).
 * The overlay is the catalogue's, {"overlay":"Last Chance!"}: a badge in
 * the top-right corner, parsed once with ngx_http_overlay_parse_value();
 * -V takes another value
 * (base64url or JSON, as the parameter), e.g. a badge at the bottom left.
 *
 * Each case runs in a process of its own, forked for it, so that what one
 * case leaves in malloc's state cannot speed up or slow down another.
 * The module's cases (dct, full) set glibc's malloc as an nginx worker
 * does with overlay_heap_keep's default (mmap threshold 32 MB, trimming
 * above 128 MB), so that freed memory is used again; the floors tell it
 * to keep all that is freed (mmap threshold 32 MB, no trimming): a floor
 * is the codec's work, not the kernel's, and on the VM this was written on
 * a page fault costs about 14 us of CPU.  dct-cold leaves glibc's
 * defaults, as with overlay_heap_keep 0: every render's memory fresh.
 *
 * The cases of an image run in turn, BLOCKS (3) times, each time for
 * SECONDS / BLOCKS after a warm-up, so that a busy moment of a shared
 * machine slows them all; at least ROUNDS (5) timings in all, and their
 * median is reported.  The table goes to stdout; with -o, one line per
 * image and case to TSV.  With -T, the ratio dct/coefs of the image named
 * NAME is checked against 1.25.  With -c, only that case runs (perf
 * record bench_codec -c dct IMAGE).
 *
 * Times are the process's CPU time (user and system, page faults
 * included), so that other processes on a shared machine do not count;
 * the TSV has the wall-clock medians too: "image case cpu_ms wall_ms
 * bytes_out".
 */


#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <gd.h>
#include <jpeglib.h>

#include "ngx_http_overlay_core.h"
#include "ngx_http_overlay_file.h"


#define NGX_HTTP_OVERLAY_BENCH_TARGET  1.25
#define NGX_HTTP_OVERLAY_BENCH_VALUE   "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0"

/* the largest mmap threshold glibc takes on 64-bit systems */
#define NGX_HTTP_OVERLAY_BENCH_MMAP    (32 * 1024 * 1024)
#define NGX_HTTP_OVERLAY_BENCH_TRIM    (1024 * 1024 * 1024)

/* a worker's, with overlay_heap_keep's default */
#define NGX_HTTP_OVERLAY_BENCH_KEEP    (128 * 1024 * 1024)


typedef enum {
    NGX_HTTP_OVERLAY_BENCH_PIXELS = 0,
    NGX_HTTP_OVERLAY_BENCH_COEFS,
    NGX_HTTP_OVERLAY_BENCH_DCT,
    NGX_HTTP_OVERLAY_BENCH_COLD,
    NGX_HTTP_OVERLAY_BENCH_FULL,
    NGX_HTTP_OVERLAY_BENCH_NCASES
} ngx_http_overlay_bench_case_e;


typedef struct {
    const char                     *path;
    const char                     *name;       /* the path's last part */
    unsigned char                  *data;
    size_t                          len;
    ngx_http_overlay_image_info_t   info;
    unsigned                        jpeg;
    double                         *cpu[NGX_HTTP_OVERLAY_BENCH_NCASES];
    double                         *wall[NGX_HTTP_OVERLAY_BENCH_NCASES];
    unsigned                        n[NGX_HTTP_OVERLAY_BENCH_NCASES];
    size_t                          out[NGX_HTTP_OVERLAY_BENCH_NCASES];
} ngx_http_overlay_bench_image_t;


typedef struct {
    struct jpeg_error_mgr           pub;
    jmp_buf                         jmp;
} ngx_http_overlay_bench_jerr_t;


typedef struct {
    ngx_http_overlay_spec_t         spec;
    ngx_http_overlay_options_t      dct;
    ngx_http_overlay_options_t      full;
    unsigned char                   value[1024];
    double                          seconds;    /* per block and case */
    unsigned                        rounds;     /* per block and case */
    int                             only;       /* -c, or -1 */
} ngx_http_overlay_bench_t;


static void ngx_http_overlay_bench_usage(void);
static unsigned char *ngx_http_overlay_bench_read(const char *path,
    size_t *len);
static double ngx_http_overlay_bench_now(clockid_t clock);
static int ngx_http_overlay_bench_applies(const ngx_http_overlay_bench_t *b,
    const ngx_http_overlay_bench_image_t *img, unsigned c);
static void ngx_http_overlay_bench_block(ngx_http_overlay_bench_t *b,
    ngx_http_overlay_bench_image_t *img, unsigned c);
static void ngx_http_overlay_bench_child(ngx_http_overlay_bench_t *b,
    ngx_http_overlay_bench_image_t *img, unsigned c, int fd);
static void ngx_http_overlay_bench_write(int fd, const void *p, size_t len);
static size_t ngx_http_overlay_bench_run(ngx_http_overlay_bench_t *b,
    ngx_http_overlay_bench_image_t *img, unsigned c);
static size_t ngx_http_overlay_bench_composite(
    const ngx_http_overlay_bench_image_t *img,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts);
static size_t ngx_http_overlay_bench_jpeg_pixels(const unsigned char *p,
    size_t len);
static size_t ngx_http_overlay_bench_jpeg_coefs(const unsigned char *p,
    size_t len);
static size_t ngx_http_overlay_bench_gd(
    const ngx_http_overlay_bench_image_t *img);
static void ngx_http_overlay_bench_jpeg_error(j_common_ptr cinfo);
static double ngx_http_overlay_bench_median(double *ms, unsigned n);
static int ngx_http_overlay_bench_cmp(const void *a, const void *b);
static void ngx_http_overlay_bench_print(
    ngx_http_overlay_bench_image_t *imgs, unsigned n, FILE *tsv);
static void ngx_http_overlay_bench_cell(double ms);
static void ngx_http_overlay_bench_ratio(double a, double b);


static const char  *ngx_http_overlay_bench_names[] = {
    "pixels", "coefs", "dct", "dct-cold", "full"
};


int
main(int argc, char **argv)
{
    int                              opt, rc;
    FILE                            *tsv;
    double                           seconds, ratio, dct, coefs;
    unsigned                         i, c, k, n, rounds, blocks, found;
    const char                      *target, *tsv_path, *slash, *value;
    ngx_http_overlay_rc_e            orc;
    ngx_http_overlay_error_t         err;
    ngx_http_overlay_bench_t         b;
    ngx_http_overlay_bench_image_t  *imgs, *img;

    seconds = 3.0;
    rounds = 5;
    blocks = 3;
    target = NULL;
    tsv_path = NULL;
    value = NGX_HTTP_OVERLAY_BENCH_VALUE;
    b.only = -1;

    while ((opt = getopt(argc, argv, "t:n:b:c:T:o:V:")) != -1) {
        switch (opt) {
        case 't':
            seconds = atof(optarg);
            break;
        case 'n':
            rounds = (unsigned) atoi(optarg);
            break;
        case 'b':
            blocks = (unsigned) atoi(optarg);
            break;
        case 'c':
            for (c = 0; c < NGX_HTTP_OVERLAY_BENCH_NCASES; c++) {
                if (strcmp(optarg, ngx_http_overlay_bench_names[c]) == 0) {
                    b.only = (int) c;
                }
            }

            if (b.only == -1) {
                ngx_http_overlay_bench_usage();
                return 2;
            }

            break;
        case 'T':
            target = optarg;
            break;
        case 'o':
            tsv_path = optarg;
            break;
        case 'V':
            value = optarg;
            break;
        default:
            ngx_http_overlay_bench_usage();
            return 2;
        }
    }

    if (optind >= argc || rounds < 1 || blocks < 1 || seconds < 0
        || (b.only != -1 && target != NULL)
        || strlen(value) >= sizeof(b.value))
    {
        ngx_http_overlay_bench_usage();
        return 2;
    }

    b.seconds = seconds / blocks;
    b.rounds = (rounds + blocks - 1) / blocks;

    ngx_http_overlay_core_init();

    /* the options and the spec, as a worker has them */

    ngx_http_overlay_options_init(&b.dct);
    ngx_http_overlay_options_init(&b.full);
    b.full.codec.jpeg_quality = 90;

    n = (unsigned) strlen(value);
    memcpy(b.value, value, n);

    orc = ngx_http_overlay_parse_value(b.value, n, &b.dct, NULL, &b.spec,
                                       NULL, &err);
    if (orc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "bench_codec: the spec: %s\n", err.msg);
        return 1;
    }

    n = (unsigned) (argc - optind);

    imgs = calloc(n, sizeof(ngx_http_overlay_bench_image_t));
    if (imgs == NULL) {
        fprintf(stderr, "bench_codec: calloc() failed\n");
        return 1;
    }

    for (i = 0; i < n; i++) {
        img = &imgs[i];

        img->path = argv[optind + i];
        slash = strrchr(img->path, '/');
        img->name = slash != NULL ? slash + 1 : img->path;
        img->data = ngx_http_overlay_bench_read(img->path, &img->len);

        orc = ngx_http_overlay_codec_probe(img->data, img->len, &b.dct.codec,
                                           &img->info, &err);
        if (orc != NGX_HTTP_OVERLAY_OK) {
            fprintf(stderr, "bench_codec: %s: %s\n", img->path, err.msg);
            return 1;
        }

        img->jpeg = img->info.format == NGX_HTTP_OVERLAY_FORMAT_JPEG;

        for (k = 0; k < blocks; k++) {
            for (c = 0; c < NGX_HTTP_OVERLAY_BENCH_NCASES; c++) {
                if (ngx_http_overlay_bench_applies(&b, img, c)) {
                    ngx_http_overlay_bench_block(&b, img, c);
                }
            }
        }
    }

    tsv = NULL;

    if (tsv_path != NULL) {
        tsv = fopen(tsv_path, "w");
        if (tsv == NULL) {
            fprintf(stderr, "bench_codec: %s: %s\n", tsv_path,
                    strerror(errno));
            return 1;
        }
    }

    ngx_http_overlay_bench_print(imgs, n, tsv);

    rc = 0;

    if (target != NULL) {
        found = 0;

        for (i = 0; i < n; i++) {
            img = &imgs[i];

            if (strcmp(img->name, target) != 0 || !img->jpeg) {
                continue;
            }

            found = 1;

            dct = ngx_http_overlay_bench_median(
                      img->cpu[NGX_HTTP_OVERLAY_BENCH_DCT],
                      img->n[NGX_HTTP_OVERLAY_BENCH_DCT]);
            coefs = ngx_http_overlay_bench_median(
                        img->cpu[NGX_HTTP_OVERLAY_BENCH_COEFS],
                        img->n[NGX_HTTP_OVERLAY_BENCH_COEFS]);
            ratio = dct / coefs;

            printf("\ntarget: %s, the module's DCT path within %.2fx of "
                   "the coefficient transcode: %.2fx (%.2f ms / %.2f ms) "
                   "%s\n", target, NGX_HTTP_OVERLAY_BENCH_TARGET, ratio,
                   dct, coefs,
                   ratio <= NGX_HTTP_OVERLAY_BENCH_TARGET ? "PASS" : "FAIL");

            if (tsv != NULL) {
                fprintf(tsv, "%s\ttarget\t%.4f\t%s\n", target, ratio,
                        ratio <= NGX_HTTP_OVERLAY_BENCH_TARGET
                        ? "PASS" : "FAIL");
            }
        }

        if (!found) {
            fprintf(stderr, "bench_codec: no JPEG named %s\n", target);
            rc = 1;
        }
    }

    if (tsv != NULL && fclose(tsv) != 0) {
        fprintf(stderr, "bench_codec: %s: %s\n", tsv_path, strerror(errno));
        rc = 1;
    }

    for (i = 0; i < n; i++) {
        free(imgs[i].data);

        for (c = 0; c < NGX_HTTP_OVERLAY_BENCH_NCASES; c++) {
            free(imgs[i].cpu[c]);
            free(imgs[i].wall[c]);
        }
    }

    free(imgs);

    return rc;
}


static void
ngx_http_overlay_bench_usage(void)
{
    fprintf(stderr, "usage: bench_codec [-t SECONDS] [-n ROUNDS] "
                    "[-b BLOCKS] [-c pixels|coefs|dct|dct-cold|full]\n"
                    "                   [-T NAME] [-o TSV] [-V VALUE] "
                    "IMAGE...\n");
}


static unsigned char *
ngx_http_overlay_bench_read(const char *path, size_t *len)
{
    unsigned char             *data;
    ngx_http_overlay_error_t   err;

    data = ngx_http_overlay_file_read(path, (size_t) 1 << 30, len, &err);
    if (data == NULL) {
        fprintf(stderr, "bench_codec: %s: %s\n", path, err.msg);
        exit(1);
    }

    return data;
}


static double
ngx_http_overlay_bench_now(clockid_t clock)
{
    struct timespec  ts;

    clock_gettime(clock, &ts);

    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}


/* PNG and WebP have no coefficients, and no quality to re-encode at */

static int
ngx_http_overlay_bench_applies(const ngx_http_overlay_bench_t *b,
    const ngx_http_overlay_bench_image_t *img, unsigned c)
{
    if (b->only != -1 && (int) c != b->only) {
        return 0;
    }

    return img->jpeg || c == NGX_HTTP_OVERLAY_BENCH_PIXELS
           || c == NGX_HTTP_OVERLAY_BENCH_DCT;
}


/* one block of a case: a child times it, and sends the times back */

static void
ngx_http_overlay_bench_block(ngx_http_overlay_bench_t *b,
    ngx_http_overlay_bench_image_t *img, unsigned c)
{
    int       fds[2], status;
    char     *p;
    pid_t     pid;
    size_t    out, have, size;
    double   *ms;
    ssize_t   n;
    unsigned  i;

    if (pipe(fds) == -1) {
        fprintf(stderr, "bench_codec: pipe(): %s\n", strerror(errno));
        exit(1);
    }

    fflush(stdout);

    pid = fork();

    if (pid == -1) {
        fprintf(stderr, "bench_codec: fork(): %s\n", strerror(errno));
        exit(1);
    }

    if (pid == 0) {
        close(fds[0]);
        ngx_http_overlay_bench_child(b, img, c, fds[1]);
        _exit(0);
    }

    close(fds[1]);

    /* the output's size, then the times */

    size = 4096;
    have = 0;
    ms = malloc(size);

    if (ms == NULL) {
        fprintf(stderr, "bench_codec: malloc() failed\n");
        exit(1);
    }

    for ( ;; ) {
        if (have == size) {
            size *= 2;
            ms = realloc(ms, size);

            if (ms == NULL) {
                fprintf(stderr, "bench_codec: realloc() failed\n");
                exit(1);
            }
        }

        n = read(fds[0], (char *) ms + have, size - have);

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            break;
        }

        have += (size_t) n;
    }

    close(fds[0]);

    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0 || have < sizeof(size_t)
        || (have - sizeof(size_t)) % (2 * sizeof(double)) != 0)
    {
        fprintf(stderr, "bench_codec: %s: %s failed\n", img->name,
                ngx_http_overlay_bench_names[c]);
        exit(1);
    }

    memcpy(&out, ms, sizeof(size_t));

    if (img->out[c] != 0 && img->out[c] != out) {
        fprintf(stderr, "bench_codec: %s: %s made %zu bytes, then %zu\n",
                img->name, ngx_http_overlay_bench_names[c], img->out[c], out);
        exit(1);
    }

    img->out[c] = out;

    /* pairs of CPU and wall-clock times */

    n = (ssize_t) ((have - sizeof(size_t)) / (2 * sizeof(double)));

    img->cpu[c] = realloc(img->cpu[c], (img->n[c] + n) * sizeof(double));
    img->wall[c] = realloc(img->wall[c], (img->n[c] + n) * sizeof(double));

    if (img->cpu[c] == NULL || img->wall[c] == NULL) {
        fprintf(stderr, "bench_codec: realloc() failed\n");
        exit(1);
    }

    for (i = 0; i < (unsigned) n; i++) {
        p = (char *) ms + sizeof(size_t) + 2 * i * sizeof(double);
        memcpy(&img->cpu[c][img->n[c]], p, sizeof(double));
        memcpy(&img->wall[c][img->n[c]], p + sizeof(double), sizeof(double));
        img->n[c]++;
    }

    free(ms);
}


static void
ngx_http_overlay_bench_child(ngx_http_overlay_bench_t *b,
    ngx_http_overlay_bench_image_t *img, unsigned c, int fd)
{
    double    start, t[2];
    size_t    out, again;
    unsigned  i;

    if (c != NGX_HTTP_OVERLAY_BENCH_COLD) {
        if (mallopt(M_MMAP_THRESHOLD, NGX_HTTP_OVERLAY_BENCH_MMAP) != 1
            || mallopt(M_TRIM_THRESHOLD,
                       (c == NGX_HTTP_OVERLAY_BENCH_DCT
                        || c == NGX_HTTP_OVERLAY_BENCH_FULL)
                       ? NGX_HTTP_OVERLAY_BENCH_KEEP
                       : NGX_HTTP_OVERLAY_BENCH_TRIM)
               != 1)
        {
            fprintf(stderr, "bench_codec: mallopt() failed\n");
            _exit(1);
        }
    }

    /* a warm-up: one run, then up to two more within 200 ms */

    start = ngx_http_overlay_bench_now(CLOCK_MONOTONIC);
    out = ngx_http_overlay_bench_run(b, img, c);

    for (i = 0;
         i < 2 && ngx_http_overlay_bench_now(CLOCK_MONOTONIC) - start < 200;
         i++)
    {
        (void) ngx_http_overlay_bench_run(b, img, c);
    }

    ngx_http_overlay_bench_write(fd, &out, sizeof(size_t));

    start = ngx_http_overlay_bench_now(CLOCK_MONOTONIC);

    for (i = 0;
         i < b->rounds
         || ngx_http_overlay_bench_now(CLOCK_MONOTONIC) - start
            < b->seconds * 1000.0;
         i++)
    {
        t[0] = ngx_http_overlay_bench_now(CLOCK_PROCESS_CPUTIME_ID);
        t[1] = ngx_http_overlay_bench_now(CLOCK_MONOTONIC);

        again = ngx_http_overlay_bench_run(b, img, c);

        t[0] = ngx_http_overlay_bench_now(CLOCK_PROCESS_CPUTIME_ID) - t[0];
        t[1] = ngx_http_overlay_bench_now(CLOCK_MONOTONIC) - t[1];

        if (again != out) {
            fprintf(stderr, "bench_codec: %s: %s made %zu bytes, then %zu\n",
                    img->name, ngx_http_overlay_bench_names[c], out, again);
            _exit(1);
        }

        ngx_http_overlay_bench_write(fd, t, sizeof(t));
    }
}


static void
ngx_http_overlay_bench_write(int fd, const void *p, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = write(fd, p, len);

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            fprintf(stderr, "bench_codec: write(): %s\n", strerror(errno));
            _exit(1);
        }

        p = (const char *) p + n;
        len -= (size_t) n;
    }
}


static size_t
ngx_http_overlay_bench_run(ngx_http_overlay_bench_t *b,
    ngx_http_overlay_bench_image_t *img, unsigned c)
{
    switch (c) {

    case NGX_HTTP_OVERLAY_BENCH_PIXELS:
        return img->jpeg ? ngx_http_overlay_bench_jpeg_pixels(img->data,
                                                              img->len)
                         : ngx_http_overlay_bench_gd(img);

    case NGX_HTTP_OVERLAY_BENCH_COEFS:
        return ngx_http_overlay_bench_jpeg_coefs(img->data, img->len);

    case NGX_HTTP_OVERLAY_BENCH_FULL:
        return ngx_http_overlay_bench_composite(img, &b->spec, &b->full);

    default: /* NGX_HTTP_OVERLAY_BENCH_DCT, NGX_HTTP_OVERLAY_BENCH_COLD */
        return ngx_http_overlay_bench_composite(img, &b->spec, &b->dct);
    }
}


static size_t
ngx_http_overlay_bench_composite(const ngx_http_overlay_bench_image_t *img,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts)
{
    size_t                         len;
    ngx_http_overlay_rc_e          rc;
    ngx_http_overlay_blob_t        out;
    ngx_http_overlay_error_t       err;
    ngx_http_overlay_image_info_t  info;

    rc = ngx_http_overlay_composite(img->data, img->len, spec, opts, &info,
                                    &out, &err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "bench_codec: %s: %s: %s\n", img->name,
                ngx_http_overlay_reason(rc), err.msg);
        _exit(1);
    }

    len = out.len;
    ngx_http_overlay_codec_free(&out);

    return len;
}


static size_t
ngx_http_overlay_bench_jpeg_pixels(const unsigned char *p, size_t len)
{
    int                             i, q;
    size_t                          size;
    JSAMPARRAY                      rows;
    JDIMENSION                      y, stride;
    unsigned char                  *pixels, *out;
    unsigned long                   out_len;
    struct jpeg_compress_struct     c;
    struct jpeg_decompress_struct   d;
    ngx_http_overlay_bench_jerr_t   jerr;

    d.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = ngx_http_overlay_bench_jpeg_error;
    c.err = d.err;

    if (setjmp(jerr.jmp)) {
        fprintf(stderr, "bench_codec: libjpeg failed\n");
        exit(1);
    }

    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long) len);
    (void) jpeg_read_header(&d, TRUE);

    d.out_color_space = JCS_RGB;
    (void) jpeg_start_decompress(&d);

    stride = d.output_width * 3;
    size = (size_t) stride * d.output_height;

    pixels = malloc(size);
    rows = malloc(d.output_height * sizeof(JSAMPROW));

    if (pixels == NULL || rows == NULL) {
        fprintf(stderr, "bench_codec: malloc() failed\n");
        exit(1);
    }

    for (y = 0; y < d.output_height; y++) {
        rows[y] = pixels + (size_t) y * stride;
    }

    while (d.output_scanline < d.output_height) {
        (void) jpeg_read_scanlines(&d, rows + d.output_scanline,
                                   d.output_height - d.output_scanline);
    }

    /* the same image, with the source's tables and sampling */

    jpeg_create_compress(&c);

    out = NULL;
    out_len = 0;
    jpeg_mem_dest(&c, &out, &out_len);

    c.image_width = d.output_width;
    c.image_height = d.output_height;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;

    jpeg_set_defaults(&c);

    for (i = 0; i < d.num_components; i++) {
        c.comp_info[i].h_samp_factor = d.comp_info[i].h_samp_factor;
        c.comp_info[i].v_samp_factor = d.comp_info[i].v_samp_factor;
        c.comp_info[i].quant_tbl_no = d.comp_info[i].quant_tbl_no;
    }

    for (i = 0; i < NUM_QUANT_TBLS; i++) {
        if (d.quant_tbl_ptrs[i] == NULL) {
            continue;
        }

        if (c.quant_tbl_ptrs[i] == NULL) {
            c.quant_tbl_ptrs[i] = jpeg_alloc_quant_table((j_common_ptr) &c);
        }

        for (q = 0; q < DCTSIZE2; q++) {
            c.quant_tbl_ptrs[i]->quantval[q] = d.quant_tbl_ptrs[i]->quantval[q];
        }
    }

    jpeg_start_compress(&c, TRUE);

    while (c.next_scanline < c.image_height) {
        (void) jpeg_write_scanlines(&c, rows + c.next_scanline,
                                    c.image_height - c.next_scanline);
    }

    jpeg_finish_compress(&c);
    jpeg_finish_decompress(&d);

    jpeg_destroy_compress(&c);
    jpeg_destroy_decompress(&d);

    free(rows);
    free(pixels);
    free(out);

    return out_len;
}


static size_t
ngx_http_overlay_bench_jpeg_coefs(const unsigned char *p, size_t len)
{
    unsigned char                  *out;
    unsigned long                   out_len;
    jvirt_barray_ptr               *coefs;
    struct jpeg_compress_struct     c;
    struct jpeg_decompress_struct   d;
    ngx_http_overlay_bench_jerr_t   jerr;

    d.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = ngx_http_overlay_bench_jpeg_error;
    c.err = d.err;

    if (setjmp(jerr.jmp)) {
        fprintf(stderr, "bench_codec: libjpeg failed\n");
        exit(1);
    }

    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long) len);
    (void) jpeg_read_header(&d, TRUE);

    coefs = jpeg_read_coefficients(&d);

    jpeg_create_compress(&c);

    out = NULL;
    out_len = 0;
    jpeg_mem_dest(&c, &out, &out_len);

    jpeg_copy_critical_parameters(&d, &c);
    jpeg_write_coefficients(&c, coefs);
    jpeg_finish_compress(&c);

    jpeg_finish_decompress(&d);

    jpeg_destroy_compress(&c);
    jpeg_destroy_decompress(&d);

    free(out);

    return out_len;
}


static size_t
ngx_http_overlay_bench_gd(const ngx_http_overlay_bench_image_t *img)
{
    int          size;
    void        *out;
    gdImagePtr   im;

    if (img->info.format == NGX_HTTP_OVERLAY_FORMAT_PNG) {
        im = gdImageCreateFromPngPtr((int) img->len, img->data);

    } else if (img->info.format == NGX_HTTP_OVERLAY_FORMAT_GIF) {
        im = gdImageCreateFromGifPtr((int) img->len, img->data);

    } else {
        im = gdImageCreateFromWebpPtr((int) img->len, img->data);
    }

    if (im == NULL) {
        fprintf(stderr, "bench_codec: %s: libgd cannot decode it\n",
                img->name);
        exit(1);
    }

    size = 0;

    if (img->info.format == NGX_HTTP_OVERLAY_FORMAT_PNG) {
        out = gdImagePngPtr(im, &size);

    } else if (img->info.format == NGX_HTTP_OVERLAY_FORMAT_GIF) {
        out = gdImageGifPtr(im, &size);

    } else {
        /* VP8L is lossless WebP, which stays lossless */

        out = gdImageWebpPtrEx(im, &size,
                               img->len > 16
                               && memcmp(img->data + 12, "VP8L", 4) == 0
                               ? gdWebpLossless : 85);
    }

    gdImageDestroy(im);

    if (out == NULL) {
        fprintf(stderr, "bench_codec: %s: libgd cannot encode it\n",
                img->name);
        exit(1);
    }

    gdFree(out);

    return (size_t) size;
}


static void
ngx_http_overlay_bench_jpeg_error(j_common_ptr cinfo)
{
    ngx_http_overlay_bench_jerr_t  *jerr;

    jerr = (ngx_http_overlay_bench_jerr_t *) cinfo->err;

    (*cinfo->err->output_message)(cinfo);

    longjmp(jerr->jmp, 1);
}


static double
ngx_http_overlay_bench_median(double *ms, unsigned n)
{
    if (n == 0) {
        return 0.0;
    }

    qsort(ms, n, sizeof(double), ngx_http_overlay_bench_cmp);

    return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}


static int
ngx_http_overlay_bench_cmp(const void *a, const void *b)
{
    double  x, y;

    x = *(const double *) a;
    y = *(const double *) b;

    return x < y ? -1 : x > y;
}


static void
ngx_http_overlay_bench_print(ngx_http_overlay_bench_image_t *imgs,
    unsigned n, FILE *tsv)
{
    double    med[NGX_HTTP_OVERLAY_BENCH_NCASES], wall;
    unsigned  i, c;

    printf("in-process, one thread: median CPU ms per image (user and "
           "system: what\nother processes take of the machine does not "
           "count)\n\n");
    printf("%-11s %-9s %6s %9s %9s %9s %9s %9s %9s %9s\n",
           "image", "size", "times", "pixels", "coefs", "module", "DCT",
           "module", "DCT /", "q90 /");
    printf("%-11s %-9s %6s %9s %9s %9s %9s %9s %9s %9s\n",
           "", "", "", "floor", "floor", "DCT", "cold", "q90", "coefs",
           "DCT");

    for (i = 0; i < n; i++) {

        for (c = 0; c < NGX_HTTP_OVERLAY_BENCH_NCASES; c++) {
            med[c] = ngx_http_overlay_bench_median(imgs[i].cpu[c],
                                                   imgs[i].n[c]);
            wall = ngx_http_overlay_bench_median(imgs[i].wall[c],
                                                 imgs[i].n[c]);

            if (tsv != NULL && imgs[i].n[c] > 0) {
                fprintf(tsv, "%s\t%s\t%.4f\t%.4f\t%zu\n", imgs[i].name,
                        ngx_http_overlay_bench_names[c], med[c], wall,
                        imgs[i].out[c]);
            }
        }

        printf("%-11s %4ux%-4u %6u ", imgs[i].name, imgs[i].info.width,
               imgs[i].info.height, imgs[i].n[NGX_HTTP_OVERLAY_BENCH_DCT]);

        for (c = 0; c < NGX_HTTP_OVERLAY_BENCH_NCASES; c++) {
            ngx_http_overlay_bench_cell(med[c]);
        }

        ngx_http_overlay_bench_ratio(med[NGX_HTTP_OVERLAY_BENCH_DCT],
                                     med[NGX_HTTP_OVERLAY_BENCH_COEFS]);
        ngx_http_overlay_bench_ratio(med[NGX_HTTP_OVERLAY_BENCH_FULL],
                                     med[NGX_HTTP_OVERLAY_BENCH_DCT]);
        printf("\n");
    }

    printf("\n"
        "pixels floor  libjpeg-turbo decode to RGB and encode with the "
        "source's tables\n"
        "              (PNG, WebP: libgd's decode and encode)\n"
        "coefs floor   jpeg_read_coefficients + jpeg_write_coefficients, "
        "libjpeg's defaults\n"
        "module DCT    ngx_http_overlay_composite(), "
        "overlay_jpeg_quality source\n"
        "DCT cold      the same, with glibc's malloc defaults "
        "(overlay_heap_keep 0)\n"
        "module q90    the same, overlay_jpeg_quality 90 "
        "(the whole image re-encoded)\n"
        "Each case in a process of its own; the floors with malloc keeping "
        "all freed\n"
        "memory (no page faults for fresh memory), the module's as an "
        "nginx worker has\n"
        "it with overlay_heap_keep's default (128m), DCT cold with "
        "glibc's defaults.\n");
}


/* a median, or "-" for a case not run */

static void
ngx_http_overlay_bench_cell(double ms)
{
    if (ms > 0.0) {
        printf("%9.2f ", ms);

    } else {
        printf("%9s ", "-");
    }
}


static void
ngx_http_overlay_bench_ratio(double a, double b)
{
    if (a > 0.0 && b > 0.0) {
        printf("%8.2fx ", a / b);

    } else {
        printf("%9s ", "-");
    }
}
