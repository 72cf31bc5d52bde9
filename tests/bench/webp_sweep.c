
/*
 * A sweep of libwebp's lossy encoder settings on what the module encodes:
 * does any WebPConfig make a lossy WebP at 2.5x the Pillow service's
 * images/s, no larger than 1.1x Pillow's output and within 0.5 dB of its
 * PSNR (issue 15)?
 *
 * usage: webp_sweep [-r REPEATS] [-o TSV] [-g GRID]... -P PILLOW.tsv
 *                   IMAGE...
 *
 * Each IMAGE (a lossy WebP) is decoded into its YUV planes and drawn on
 * by the core, as the module does (ngx_http_overlay_webp_yuv(), the
 * catalogue's badge, top-right), once per repeat: the minimum of those
 * CPU times is the module's cost besides the encoder.  Then each setting
 * of the grid encodes those planes REPEATS (3) times; the minimum CPU
 * time counts.  Its output is decoded to RGB by libwebp (as Pillow's
 * decoder and the bench's compare do) and its PSNR taken against the
 * source's decoded RGB outside the badge's quarter (the top-right one),
 * as tests/bench/images.py compare takes it.
 *
 * PILLOW.tsv (tests/bench/webp_pillow.py writes it) has one line per
 * image: "name cpu_ms path": Pillow's CPU time per image (the service's
 * own composite(), decode to encode, the minimum of its repeats) and its
 * output, whose size and PSNR the same code measures.
 *
 * A grid is "key=v,v,... key=v,..." (the product of its lists; several
 * -g add up); keys: m (method), q (quality), sns, fs (filter strength,
 * -1: autofilter), sh (sharpness), seg (segments), pre (preprocessing),
 * pass, pl (partition limit), tl (thread level), ts (target size, in
 * percent of Pillow's output), tp (target PSNR, dB; libwebp's own, of
 * the YUV planes): the targets search the quantizer over pass passes.
 * Unset keys keep WebPConfigInit()'s values, but for the quality (85)
 * and the method (4).  Without -g, the grid below.
 *
 * Output: a header, then one line per image and setting (stdout, and TSV
 * with -o):
 * "image m q sns fs sh seg pre pass pl tl ts tp cpu_ms bytes psnr
 * speed_x size_x dpsnr ok", speed_x Pillow's time over the module's (decode and
 * draw, and this encode), size_x this output over Pillow's, dpsnr this
 * PSNR less Pillow's; ok 1 when all three bounds hold.  Times are the
 * process's CPU time, one thread (tl: libwebp's threads count too).
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "ngx_http_overlay_codec_webp.h"
#include "ngx_http_overlay_file.h"
#include "ngx_http_overlay_tiles.h"


#define NGX_HTTP_OVERLAY_SWEEP_VALUE   "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0"
#define NGX_HTTP_OVERLAY_SWEEP_KEYS    12
#define NGX_HTTP_OVERLAY_SWEEP_VALUES  32
#define NGX_HTTP_OVERLAY_SWEEP_GRIDS   16

/* the bounds */
#define NGX_HTTP_OVERLAY_SWEEP_SPEED   2.5
#define NGX_HTTP_OVERLAY_SWEEP_SIZE    1.1
#define NGX_HTTP_OVERLAY_SWEEP_PSNR    0.5


typedef int  ngx_http_overlay_sweep_list_t[NGX_HTTP_OVERLAY_SWEEP_VALUES];

typedef struct {
    int                             n[NGX_HTTP_OVERLAY_SWEEP_KEYS];
    ngx_http_overlay_sweep_list_t   v[NGX_HTTP_OVERLAY_SWEEP_KEYS];
} ngx_http_overlay_sweep_grid_t;


typedef struct {
    const char    *name;
    double         pillow_ms;
    size_t         pillow_bytes;
    double         pillow_psnr;
    double         yuv_ms;
    int            width;
    int            height;
    uint8_t       *rgb;                     /* the source, decoded */
} ngx_http_overlay_sweep_image_t;


static const char  *ngx_http_overlay_sweep_keys[NGX_HTTP_OVERLAY_SWEEP_KEYS]
    = { "m", "q", "sns", "fs", "sh", "seg", "pre", "pass", "pl", "tl", "ts",
        "tp" };

/*
 * methods 0 to 6 at the bench's quality, the fast ones above it too, and
 * each other setting against the fast methods
 */
static const char  *ngx_http_overlay_sweep_default[] = {
    "m=0,1,2,3,4,5,6 q=85",
    "m=0,1,2,3 q=87,89,91,93,95",
    "m=0,1,2 q=85,89,93 sns=0,25,80",
    "m=0,1,2 q=85,89,93 fs=-1,20,40 sh=0",
    "m=0,1,2 q=85,89,93 seg=1,2",
    "m=0,1,2 q=85,89,93 pre=1,2,4",
    "m=2,3 q=85,89 pass=2",
    "m=3,4 q=85 pl=50,90,100",
    "m=0,1 q=85 sh=3,7",
    "m=0,2,4 q=85 tl=1",
    "m=0,1,2 q=85 pass=2,4 ts=100,110",
    "m=0,1,2 q=85 pass=2,4 tp=44,46,48",
    NULL
};


static int ngx_http_overlay_sweep_grid(const char *s,
    ngx_http_overlay_sweep_grid_t *g);
static int ngx_http_overlay_sweep_pillow(const char *path,
    ngx_http_overlay_sweep_image_t *img);
static int ngx_http_overlay_sweep_image(ngx_http_overlay_sweep_image_t *img,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, const unsigned char *data,
    size_t len, int repeats, WebPPicture *pic, void **mem);
static void ngx_http_overlay_sweep_run(ngx_http_overlay_sweep_image_t *img,
    const ngx_http_overlay_sweep_grid_t *g, const WebPPicture *pic,
    int repeats, FILE *tsv);
static void ngx_http_overlay_sweep_one(ngx_http_overlay_sweep_image_t *img,
    const int *k, const WebPPicture *pic, int repeats, FILE *tsv);
static double ngx_http_overlay_sweep_psnr(
    const ngx_http_overlay_sweep_image_t *img, const uint8_t *p, size_t len);
static double ngx_http_overlay_sweep_cpu(void);


int
main(int argc, char **argv)
{
    int                              c, i, j, n, repeats;
    FILE                            *f, *tsv;
    void                            *mem;
    size_t                           len;
    unsigned                         vlen;
    const char                      *pillow, *out;
    WebPPicture                      pic;
    unsigned char                   *data;
    unsigned char                    value[64];
    ngx_http_overlay_rc_e            rc;
    ngx_http_overlay_spec_t          spec;
    ngx_http_overlay_error_t         err;
    ngx_http_overlay_options_t       opts;
    ngx_http_overlay_sweep_grid_t    grids[NGX_HTTP_OVERLAY_SWEEP_GRIDS];
    ngx_http_overlay_sweep_image_t   img;

    repeats = 3;
    pillow = NULL;
    out = NULL;
    n = 0;

    while ((c = getopt(argc, argv, "r:o:g:P:")) != -1) {
        switch (c) {

        case 'r':
            repeats = atoi(optarg);
            break;

        case 'o':
            out = optarg;
            break;

        case 'g':
            if (n == NGX_HTTP_OVERLAY_SWEEP_GRIDS
                || ngx_http_overlay_sweep_grid(optarg, &grids[n]) != 0)
            {
                fprintf(stderr, "webp_sweep: a bad grid: %s\n", optarg);
                return 2;
            }

            n++;
            break;

        case 'P':
            pillow = optarg;
            break;

        default:
            return 2;
        }
    }

    if (pillow == NULL || optind == argc || repeats < 1) {
        fprintf(stderr, "usage: webp_sweep [-r REPEATS] [-o TSV] "
                "[-g GRID]... -P PILLOW.tsv IMAGE...\n");
        return 2;
    }

    for (i = 0; n == 0 && ngx_http_overlay_sweep_default[i] != NULL; i++) {
        (void) ngx_http_overlay_sweep_grid(ngx_http_overlay_sweep_default[i],
                                           &grids[i]);
    }

    if (n == 0) {
        n = i;
    }

    tsv = NULL;

    if (out != NULL) {
        tsv = fopen(out, "w");
        if (tsv == NULL) {
            perror(out);
            return 1;
        }
    }

    ngx_http_overlay_core_init();
    ngx_http_overlay_options_init(&opts);

    vlen = (unsigned) strlen(NGX_HTTP_OVERLAY_SWEEP_VALUE);
    memcpy(value, NGX_HTTP_OVERLAY_SWEEP_VALUE, vlen);

    rc = ngx_http_overlay_parse_value(value, vlen, &opts, NULL, &spec, NULL,
                                      &err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "webp_sweep: the spec: %s\n", err.msg);
        return 1;
    }

    for (f = stdout; f != NULL; f = (f == stdout) ? tsv : NULL) {
        fprintf(f, "image\tm\tq\tsns\tfs\tsh\tseg\tpre\tpass\tpl\ttl\tts\ttp"
                "\tcpu_ms\tbytes\tpsnr\tspeed_x\tsize_x\tdpsnr\tok\n");
    }

    for (i = optind; i < argc; i++) {
        memset(&img, 0, sizeof(ngx_http_overlay_sweep_image_t));
        img.name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1
                                         : argv[i];

        data = ngx_http_overlay_file_read(argv[i], (size_t) 1 << 28, &len,
                                          &err);
        if (data == NULL) {
            fprintf(stderr, "webp_sweep: %s: %s\n", argv[i], err.msg);
            return 1;
        }

        memset(&pic, 0, sizeof(WebPPicture));
        mem = NULL;

        if (ngx_http_overlay_sweep_image(&img, &spec, &opts, data, len,
                                         repeats, &pic, &mem)
            != 0
            || ngx_http_overlay_sweep_pillow(pillow, &img) != 0)
        {
            return 1;
        }

        fprintf(stderr, "webp_sweep: %s: decode and draw %.1f ms, Pillow "
                "%.1f ms, %zu bytes, %.2f dB\n", img.name, img.yuv_ms,
                img.pillow_ms, img.pillow_bytes, img.pillow_psnr);

        for (j = 0; j < n; j++) {
            ngx_http_overlay_sweep_run(&img, &grids[j], &pic, repeats, tsv);
        }

        WebPPictureFree(&pic);
        free(mem);
        WebPFree(img.rgb);
        free(data);
    }

    if (tsv != NULL && fclose(tsv) != 0) {
        perror(out);
        return 1;
    }

    return 0;
}


/* "key=v,v key=v": each key's list of values; 0, or -1 if malformed */

static int
ngx_http_overlay_sweep_grid(const char *s, ngx_http_overlay_sweep_grid_t *g)
{
    int          k, n;
    char        *e;
    long         v;
    size_t       l;

    memset(g, 0, sizeof(ngx_http_overlay_sweep_grid_t));

    while (*s != '\0') {
        while (*s == ' ') {
            s++;
        }

        if (*s == '\0') {
            break;
        }

        l = strcspn(s, "=");

        for (k = 0; k < NGX_HTTP_OVERLAY_SWEEP_KEYS; k++) {
            if (strlen(ngx_http_overlay_sweep_keys[k]) == l
                && strncmp(s, ngx_http_overlay_sweep_keys[k], l) == 0)
            {
                break;
            }
        }

        if (k == NGX_HTTP_OVERLAY_SWEEP_KEYS || s[l] != '=' || g->n[k]) {
            return -1;
        }

        s += l;

        for (n = 0; *s == '=' || *s == ','; n++) {
            v = strtol(s + 1, &e, 10);

            if (e == s + 1 || n == NGX_HTTP_OVERLAY_SWEEP_VALUES
                || v < -1 || v > 1000)
            {
                return -1;
            }

            g->v[k][n] = (int) v;
            s = e;
        }

        g->n[k] = n;
    }

    return 0;
}


/* Pillow's line for img: its time; its output's size and PSNR */

static int
ngx_http_overlay_sweep_pillow(const char *path,
    ngx_http_overlay_sweep_image_t *img)
{
    int        found;
    FILE      *f;
    char       name[256], out[1024];
    size_t     len;
    double     ms;
    uint8_t   *data;

    f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return -1;
    }

    found = 0;

    while (!found && fscanf(f, "%255s %lf %1023s", name, &ms, out) == 3) {
        found = strcmp(name, img->name) == 0;
    }

    fclose(f);

    if (!found) {
        fprintf(stderr, "webp_sweep: %s not in %s\n", img->name, path);
        return -1;
    }

    data = ngx_http_overlay_file_read(out, (size_t) 1 << 28, &len, NULL);
    if (data == NULL) {
        fprintf(stderr, "webp_sweep: %s cannot be read\n", out);
        return -1;
    }

    img->pillow_ms = ms;
    img->pillow_bytes = len;
    img->pillow_psnr = ngx_http_overlay_sweep_psnr(img, data, len);

    free(data);

    return img->pillow_psnr > 0 ? 0 : -1;
}


/* the source decoded to RGB; its planes drawn on, as the module's are */

static int
ngx_http_overlay_sweep_image(ngx_http_overlay_sweep_image_t *img,
    const ngx_http_overlay_spec_t *spec,
    const ngx_http_overlay_options_t *opts, const unsigned char *data,
    size_t len, int repeats, WebPPicture *pic, void **mem)
{
    int                             r, owned;
    double                          t;
    ngx_http_overlay_rc_e           rc;
    ngx_http_overlay_error_t        err;
    ngx_http_overlay_painter_t      painter;
    ngx_http_overlay_tile_ref_t     ref;
    ngx_http_overlay_image_info_t   info;

    img->rgb = WebPDecodeRGB(data, len, &img->width, &img->height);
    if (img->rgb == NULL) {
        fprintf(stderr, "webp_sweep: %s does not decode\n", img->name);
        return -1;
    }

    rc = ngx_http_overlay_codec_probe(data, len, &opts->codec, &info, &err);
    if (rc != NGX_HTTP_OVERLAY_OK) {
        fprintf(stderr, "webp_sweep: %s: %s\n", img->name, err.msg);
        return -1;
    }

    img->yuv_ms = 1e9;

    for (r = 0; r < repeats; r++) {
        WebPPictureFree(pic);
        free(*mem);
        *mem = NULL;

        t = ngx_http_overlay_sweep_cpu();

        /* as ngx_http_overlay_composite() does, the tile from the cache */

        rc = ngx_http_overlay_tile_get(spec, opts, (int) info.width,
                                       (int) info.height, &ref, &owned, &err);
        if (rc == NGX_HTTP_OVERLAY_OK) {
            painter.bounds = ref.bounds;
            painter.draw = ngx_http_overlay_draw_tile;
            painter.data = &ref;

            rc = ngx_http_overlay_webp_yuv(data, len, &info, &painter, pic,
                                           mem, &err);

            if (owned && ref.tile != NULL) {
                gdImageDestroy(ref.tile);
            }
        }

        t = ngx_http_overlay_sweep_cpu() - t;

        if (rc != NGX_HTTP_OVERLAY_OK) {
            fprintf(stderr, "webp_sweep: %s: %s\n", img->name, err.msg);
            return -1;
        }

        if (t < img->yuv_ms) {
            img->yuv_ms = t;
        }
    }

    return 0;
}


/* every setting of the grid g (the product of its lists) */

static void
ngx_http_overlay_sweep_run(ngx_http_overlay_sweep_image_t *img,
    const ngx_http_overlay_sweep_grid_t *g, const WebPPicture *pic,
    int repeats, FILE *tsv)
{
    int  k, done;
    int  i[NGX_HTTP_OVERLAY_SWEEP_KEYS], v[NGX_HTTP_OVERLAY_SWEEP_KEYS];

    memset(i, 0, sizeof(i));

    for ( ;; ) {
        for (k = 0; k < NGX_HTTP_OVERLAY_SWEEP_KEYS; k++) {
            v[k] = g->n[k] ? g->v[k][i[k]] : -2;
        }

        ngx_http_overlay_sweep_one(img, v, pic, repeats, tsv);

        /* the next combination, the last key fastest */

        done = 1;

        for (k = NGX_HTTP_OVERLAY_SWEEP_KEYS - 1; k >= 0; k--) {
            if (g->n[k] && ++i[k] < g->n[k]) {
                done = 0;
                break;
            }

            i[k] = 0;
        }

        if (done) {
            return;
        }
    }
}


/* one setting, v[] by key (-2: WebPConfigInit()'s), on a copy of pic */

static void
ngx_http_overlay_sweep_one(ngx_http_overlay_sweep_image_t *img,
    const int *v, const WebPPicture *pic, int repeats, FILE *tsv)
{
    int                r, ok;
    FILE              *f;
    double             t, best, psnr, speed, size;
    WebPConfig         config;
    WebPPicture        copy;
    WebPMemoryWriter   writer;

    if (!WebPConfigInit(&config)) {
        return;
    }

    config.quality = 85;
    config.method = 4;

#define NGX_HTTP_OVERLAY_SWEEP_SET(k, field)                                  \
    if (v[k] != -2) {                                                         \
        field = v[k];                                                         \
    }

    NGX_HTTP_OVERLAY_SWEEP_SET(0, config.method);
    NGX_HTTP_OVERLAY_SWEEP_SET(1, config.quality);
    NGX_HTTP_OVERLAY_SWEEP_SET(2, config.sns_strength);
    NGX_HTTP_OVERLAY_SWEEP_SET(4, config.filter_sharpness);
    NGX_HTTP_OVERLAY_SWEEP_SET(5, config.segments);
    NGX_HTTP_OVERLAY_SWEEP_SET(6, config.preprocessing);
    NGX_HTTP_OVERLAY_SWEEP_SET(7, config.pass);
    NGX_HTTP_OVERLAY_SWEEP_SET(8, config.partition_limit);
    NGX_HTTP_OVERLAY_SWEEP_SET(9, config.thread_level);
    NGX_HTTP_OVERLAY_SWEEP_SET(11, config.target_PSNR);

    if (v[10] != -2) {
        config.target_size = (int) (img->pillow_bytes * v[10] / 100);
    }

    if (v[3] == -1) {
        config.autofilter = 1;

    } else if (v[3] != -2) {
        config.filter_strength = v[3];
    }

    if (!WebPValidateConfig(&config)) {
        fprintf(stderr, "webp_sweep: a setting libwebp refuses\n");
        return;
    }

    best = 1e9;
    memset(&writer, 0, sizeof(WebPMemoryWriter));

    for (r = 0; r < repeats; r++) {
        WebPMemoryWriterClear(&writer);
        WebPMemoryWriterInit(&writer);

        if (!WebPPictureInit(&copy) || !WebPPictureCopy(pic, &copy)) {
            return;
        }

        copy.writer = WebPMemoryWrite;
        copy.custom_ptr = &writer;

        t = ngx_http_overlay_sweep_cpu();
        ok = WebPEncode(&config, &copy);
        t = ngx_http_overlay_sweep_cpu() - t;

        WebPPictureFree(&copy);

        if (!ok) {
            fprintf(stderr, "webp_sweep: WebPEncode() failed\n");
            WebPMemoryWriterClear(&writer);
            return;
        }

        if (t < best) {
            best = t;
        }
    }

    psnr = ngx_http_overlay_sweep_psnr(img, writer.mem, writer.size);
    speed = img->pillow_ms / (img->yuv_ms + best);
    size = (double) writer.size / img->pillow_bytes;

    ok = speed >= NGX_HTTP_OVERLAY_SWEEP_SPEED
         && size <= NGX_HTTP_OVERLAY_SWEEP_SIZE
         && psnr >= img->pillow_psnr - NGX_HTTP_OVERLAY_SWEEP_PSNR;

    for (f = stdout; f != NULL; f = (f == stdout) ? tsv : NULL) {
        fprintf(f, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d"
                "\t%.1f\t%zu\t%.2f\t%.2f\t%.3f\t%+.2f\t%d\n", img->name,
                config.method, (int) config.quality, config.sns_strength,
                config.autofilter ? -1 : config.filter_strength,
                config.filter_sharpness, config.segments,
                config.preprocessing, config.pass, config.partition_limit,
                config.thread_level, v[10] != -2 ? v[10] : 0,
                (int) config.target_PSNR, best, writer.size, psnr, speed,
                size, psnr - img->pillow_psnr, ok);
        fflush(f);
    }

    WebPMemoryWriterClear(&writer);
}


/* PSNR (RGB) of the WebP p against img's source outside the top-right
 * quarter, as tests/bench/images.py psnr(); 0 if it does not decode */

static double
ngx_http_overlay_sweep_psnr(const ngx_http_overlay_sweep_image_t *img,
    const uint8_t *p, size_t len)
{
    int        w, h, x, y, c;
    double     se, n, d;
    uint8_t   *rgb;
    size_t     o;

    rgb = WebPDecodeRGB(p, len, &w, &h);
    if (rgb == NULL || w != img->width || h != img->height) {
        WebPFree(rgb);
        return 0;
    }

    se = n = 0;

    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            if (x >= w / 2 && y < h / 4) {
                continue;
            }

            o = 3 * ((size_t) y * w + x);

            for (c = 0; c < 3; c++) {
                d = (double) rgb[o + c] - img->rgb[o + c];
                se += d * d;
            }

            n += 3;
        }
    }

    WebPFree(rgb);

    return se == 0 ? 99.0 : 10 * log10(255.0 * 255.0 * n / se);
}


static double
ngx_http_overlay_sweep_cpu(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
