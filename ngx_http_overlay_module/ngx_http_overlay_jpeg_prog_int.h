
/*
 * ngx_http_overlay_module: the progressive entropy coder of blocks (ITU
 * T.81 G.1.2), shared by the writer of whole progressive JPEGs
 * (ngx_http_overlay_jpeg_prog.c) and the progressive splice
 * (ngx_http_overlay_jpeg_prog_splice.c), which codes only the blocks of
 * the overlay's iMCUs (and the units after them a DC chain needs).
 * Private to those files, ngx_http_overlay_jpeg_prog_code.c and
 * the unit tests.
 *
 * A coder codes one scan at a time, block by block in the scan's order,
 * with a table (code and length by symbol) for each component of the
 * scan; it holds the end of band run and the correction bits not yet
 * written.  Its output goes to its writer, whose room the caller keeps
 * (NGX_HTTP_OVERLAY_PROG_ROOM bytes a block).
 */


#ifndef _NGX_HTTP_OVERLAY_JPEG_PROG_INT_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_JPEG_PROG_INT_H_INCLUDED_


#include "ngx_http_overlay_jpeg_int.h"
#include "ngx_http_overlay_jpeg_splice_int.h"


/* correction bits an AC refinement scan holds back, at most */
#define NGX_HTTP_OVERLAY_PROG_CORR    1024

/* an end of band run, at most (T.81 G.1.2.2: EOB14 and 14 bits) */
#define NGX_HTTP_OVERLAY_PROG_EOBRUN  0x7fff

/*
 * the output's room for a block, at most: 63 codes of 16 bits and values
 * of 10, three ZRLs, an end of band run, every byte stuffed; or an end
 * of band run, its correction bits and the block's own
 */
#define NGX_HTTP_OVERLAY_PROG_ROOM    1024


/* a table, its codes by symbol */
typedef struct {
    uint16_t                          code[256];
    unsigned char                     size[256];    /* 0: not in it */
} ngx_http_overlay_prog_huff_t;


/*
 * a table's growth while coding: a symbol it lacks takes the next free
 * code of 16 bits (after all its codes, which stay as they are), while
 * left; the symbols added, in order
 */
typedef struct {
    unsigned                          next;
    unsigned                          left;
    unsigned                          n;
    unsigned char                     sym[256];
} ngx_http_overlay_prog_grow_t;


typedef struct {
    ngx_http_overlay_splice_writer_t  w;

    /* the scan: its band ss..se (natural order in band), approximation */
    unsigned                          ss, se, ah, al;
    uint64_t                          band;

    ngx_http_overlay_prog_huff_t      huff[MAX_COMPS_IN_SCAN];
    int                               pred[MAX_COMPS_IN_SCAN];
    unsigned                          eobrun;
    unsigned                          be;

    /*
     * the symbols coded that the tables lack, a bit each by table (their
     * codes were written as nothing: the output is then to be discarded)
     */
    unsigned                          missing;
    uint32_t                          need[MAX_COMPS_IN_SCAN][8];

    /* each component's table's growth (NULL: none), shared as it is */
    ngx_http_overlay_prog_grow_t     *grow[MAX_COMPS_IN_SCAN];

    /*
     * fit: the next blocks' bands are made codable with the table as it
     * is (ngx_http_overlay_prog_fit()); split: a run the table has no
     * symbol for is coded as shorter ones (in first scans)
     */
    unsigned                          fit;
    unsigned                          split;

    /*
     * what the fit cost: the sum of the squared errors of the samples
     * (the transform is orthonormal), each component's weighted by
     * weight / 1024; quant, the component's steps in natural order
     */
    const uint16_t                   *quant;
    unsigned                          weight;
    double                            sse;

    unsigned char                     corr[NGX_HTTP_OVERLAY_PROG_CORR];

    /*
     * a refinement run's correction bits held after each of its blocks
     * (from here on, a copy of the coder's state takes only what is used)
     */
    uint16_t                          runbe[NGX_HTTP_OVERLAY_PROG_EOBRUN + 1];

    /* [i][b]: the bits b of natural positions 8i.. in zig-zag order */
    uint64_t                          zz[DCTSIZE2 / 8][256];
} ngx_http_overlay_prog_coder_t;


/* the coder's zig-zag tables made */
void ngx_http_overlay_prog_coder_init(ngx_http_overlay_prog_coder_t *cd);

/* a scan begins: its band and approximation, no run, no predictors */
void ngx_http_overlay_prog_coder_scan(ngx_http_overlay_prog_coder_t *cd,
    unsigned ss, unsigned se, unsigned ah, unsigned al);

/* one block of the scan's component i; -1: a value no table can code */
int ngx_http_overlay_prog_block(ngx_http_overlay_prog_coder_t *cd,
    unsigned i, JCOEFPTR block);

/*
 * the coder's state copied from src to dst but for the zig-zag tables
 * (dst's own, or none where dst is only kept to be copied back)
 */
void ngx_http_overlay_prog_coder_copy(ngx_http_overlay_prog_coder_t *dst,
    const ngx_http_overlay_prog_coder_t *src);

/* the end of band run held, and the correction bits held back with it */
void ngx_http_overlay_prog_eobrun(ngx_http_overlay_prog_coder_t *cd);

/*
 * n bytes more after w->o in the buffer *out of *size bytes, grown as need
 * be, w->o moving with it: 0, or -1
 */
int ngx_http_overlay_prog_room(unsigned char **out, size_t *size,
    ngx_http_overlay_splice_writer_t *w, size_t n);

/*
 * past a scan's entropy-coded data from pos: the marker after it, or len
 * (ngx_http_overlay_jpeg_prog.c)
 */
size_t ngx_http_overlay_prog_skip(const unsigned char *p, size_t len,
    size_t pos);

/*
 * the coefficients of a block that are not zero, a bit each in zig-zag
 * order (bit k: the k-th), by the coder's tables
 */
uint64_t ngx_http_overlay_prog_nonzero(
    const ngx_http_overlay_prog_coder_t *cd, const short *block);

/* the fit's cost (cd->sse) of coefficient z changed by d */
void ngx_http_overlay_prog_cost(ngx_http_overlay_prog_coder_t *cd,
    unsigned z, int d);


/*
 * The progressive splice (ngx_http_overlay_jpeg_prog_splice.c, the
 * driver and the output; ngx_http_overlay_jpeg_prog_splice_decode.c,
 * the scans decoded up to the end of the overlay's rows)
 */

/* scans the splice takes, at most (real ones have about ten) */
#define NGX_HTTP_OVERLAY_PSPL_SCANS   64

/*
 * segments of all scans, at most: past that a scan's segments are its
 * rows across the width (one), so that a tall overlay over many scans
 * keeps its state within about 2.5 MB
 */
#define NGX_HTTP_OVERLAY_PSPL_SEGS    16384

/* units where a run may be ended early, kept; tried, at most */
#define NGX_HTTP_OVERLAY_PSPL_CANDS   32
#define NGX_HTTP_OVERLAY_PSPL_TRIES   64


/* where the reader was: the source's bit is found from it on demand */
typedef struct {
    size_t                            pos;
    size_t                            start;
    int                               bits;
} ngx_http_overlay_pspl_mark_t;


/*
 * A segment of a scan: units a..e-1, coded again (the overlay's columns
 * of one row of the scan's units, rows touching merged), and what the
 * decoding found where it begins and ends: the bits, the end of band run
 * left there, where that run began; the DC predictors at a; with
 * restarts, the data of a (after its RSTn) and e's RSTn
 */
typedef struct {
    unsigned                          a, e;
    ngx_http_overlay_pspl_mark_t      at0, at1;
    unsigned                          left0, left1;
    unsigned                          run;
    ngx_http_overlay_pspl_mark_t      run_at, run_after;
    size_t                            m0, m1;
    int                               pred[MAX_COMPS_IN_SCAN];
} ngx_http_overlay_pspl_seg_t;


/* a scan of the source, and what the splice found in it */
typedef struct {
    size_t                            sos;      /* its SOS marker */
    size_t                            data;     /* its entropy-coded data */
    size_t                            end;      /* the marker after it */
    unsigned                          ncomps;
    unsigned                          comp[MAX_COMPS_IN_SCAN];  /* index */
    unsigned                          ss, se, ah, al;
    unsigned                          ri;       /* restart interval */
    unsigned                          units;    /* MCUs, or blocks */
    unsigned                          width;    /* of them in a row */

    /*
     * units u0..u1-1 hold the segments coded again, ps->segs[seg] on
     * (nseg of them); the rest is the source's
     */
    unsigned                          u0, u1;
    unsigned                          seg, nseg;

    /*
     * at u0 and u1 (the first segment's start, the last one's end): the
     * bits, the end of band run left there
     */
    ngx_http_overlay_pspl_mark_t      at0, at1;
    unsigned                          left0, left1;

    /* the run left at u0: the unit it began in, its symbol, after it */
    unsigned                          run;
    ngx_http_overlay_pspl_mark_t      run_at, run_after;

    /*
     * a first scan without restarts, once decoded to its end (fin_known):
     * where its data ends; the DC predictors at u1, to decode it from there
     */
    ngx_http_overlay_pspl_mark_t      fin;
    unsigned                          fin_known;
    int                               pred1[MAX_COMPS_IN_SCAN];

    /* the source's data bits from u1 to the end, mod 8, once counted */
    unsigned                          left;
    unsigned                          left_known;

    /* with restarts: the data of u0 (after its RSTn), u1's RSTn */
    size_t                            m0, m1;

    int                               pred[MAX_COMPS_IN_SCAN];

    /* the tables of each component (numbers, as defined before it) */
    unsigned                          tbl[MAX_COMPS_IN_SCAN];
    ngx_http_overlay_splice_dht_t     dht[MAX_COMPS_IN_SCAN];
    unsigned                          extended; /* a bit a component */
} ngx_http_overlay_pspl_scan_t;


typedef struct {
    ngx_http_overlay_jpeg_t          *j;
    const unsigned char              *p;
    size_t                            len;
    unsigned                          y0, y1;   /* the region's iMCU rows */
    unsigned                          x0, x1;   /* and columns */

    /* every scan's segments, in the scans' order */
    ngx_http_overlay_pspl_seg_t      *segs;
    unsigned                          nsegs;
    unsigned                          segs_size;
    unsigned                          nscans;
    ngx_http_overlay_pspl_scan_t      scan[NGX_HTTP_OVERLAY_PSPL_SCANS];

    /* the tables as defined so far, DC and AC; the restart interval */
    ngx_http_overlay_splice_dht_t     dht[2][NUM_HUFF_TBLS];
    unsigned                          defined[2];
    unsigned                          ri;

    /* per component and coefficient: the bits not yet coded (T.81 G.1.1) */
    signed char                       bits[MAX_COMPONENTS][DCTSIZE2];

    /* the rows of blocks zeroed, per component; the arrays' sizes */
    JDIMENSION                        zlo[MAX_COMPONENTS];
    JDIMENSION                        zhi[MAX_COMPONENTS];
    JDIMENSION                        aw[MAX_COMPONENTS];
    JDIMENSION                        ah[MAX_COMPONENTS];

    /* the decoder's */
    ngx_http_overlay_splice_reader_t  rd;
    ngx_http_overlay_splice_huff_t    huff[MAX_COMPS_IN_SCAN];
    unsigned                          eobrun;
    unsigned                          run;
    ngx_http_overlay_pspl_mark_t      run_at, run_after;
    int                               pred[MAX_COMPS_IN_SCAN];
    size_t                            rst;      /* the last RSTn read */
    short                             scratch[DCTSIZE2];

    /* the region's blocks, per component: x0 <= x < x1, y0 <= y < y1 */
    JDIMENSION                        rx0[MAX_COMPONENTS];
    JDIMENSION                        rx1[MAX_COMPONENTS];
    JDIMENSION                        ry0[MAX_COMPONENTS];
    JDIMENSION                        ry1[MAX_COMPONENTS];

    /*
     * the output's; a scan's tries: the region's blocks fitted, a run
     * ended before each of nsplit units from split, chosen among the
     * units where one ran
     */
    ngx_http_overlay_prog_coder_t     cd;
    ngx_http_overlay_prog_grow_t      grow[MAX_COMPS_IN_SCAN];
    size_t                            sos;      /* the scan's header, out */
    unsigned                          fitting;
    unsigned                          finish;   /* a first scan decoded */
    unsigned                          split;
    unsigned                          nsplit;
    unsigned                          ncand;
    unsigned                          cand[NGX_HTTP_OVERLAY_PSPL_CANDS];

    /*
     * and the region's blocks: each one's last coefficient of the band
     * that is 1 at the scan's precision, which may be dropped instead
     */
    unsigned                          ndrop;

    /* the coder's state at unit ck (of segment ck_seg), kept for tries */
    unsigned                          ck;
    unsigned                          ck_seg;
    unsigned                          ck_valid;
    size_t                            ck_off;
    ngx_http_overlay_prog_coder_t     ck_cd;
    ngx_http_overlay_prog_grow_t      ck_grow[MAX_COMPS_IN_SCAN];

    JCOEF                            *drop[NGX_HTTP_OVERLAY_PSPL_CANDS];
    unsigned char                     dropz[NGX_HTTP_OVERLAY_PSPL_CANDS];
    double                            budget;
    unsigned char                    *out;
    size_t                            size;

    const char                       *why;
} ngx_http_overlay_pspl_t;


/*
 * What the last progressive splice on this thread planned, summed over its
 * scans: the blocks of its segments, coded again; the blocks of the
 * overlay's rows of each scan's units, across the width (for the tests)
 */
extern __thread unsigned long  ngx_http_overlay_pspl_coded;
extern __thread unsigned long  ngx_http_overlay_pspl_rows;


/*
 * The scan's units to code again and to decode planned, its entropy-coded
 * data decoded as far as the plan needs, the coefficients of the units
 * before u1 in j->rows: 0, or -1 with ps->why
 */
int ngx_http_overlay_pspl_decode(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);

/*
 * Pass 2: the source with every scan spliced, in ps->out up to ps->cd.w.o
 * (ngx_http_overlay_jpeg_prog_splice_write.c): 0, or -1 with ps->why
 */
int ngx_http_overlay_pspl_write(ngx_http_overlay_pspl_t *ps);

/*
 * The scan's tables (ngx_http_overlay_jpeg_prog_splice_tables.c): the
 * coder's codes from them, extended or not (0, or -1 with ps->why); the
 * symbols the coder found missing added where they have room (how many);
 * the symbols taken while the scan was coded kept in them for good, with
 * a DHT of them before the scan's header (0, or -1 with ps->why); a DHT
 * segment of the tables the scan extended, at the writer
 */
int ngx_http_overlay_pspl_codes(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
unsigned ngx_http_overlay_pspl_extend(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
int ngx_http_overlay_pspl_grown(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);
void ngx_http_overlay_pspl_dhts(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);

/* room for n more bytes after the writer's: 0, or -1 */
int ngx_http_overlay_pspl_reserve(ngx_http_overlay_pspl_t *ps, size_t n);

/*
 * An AC first scan decoded from u1 to its end, for where its data ends
 * (sc->fin, sc->fin_known): 0, or -1 with ps->why
 */
int ngx_http_overlay_pspl_finish(ngx_http_overlay_pspl_t *ps,
    ngx_http_overlay_pspl_scan_t *sc);

/* the n-th block of the scan's component i in unit u */
short *ngx_http_overlay_pspl_block(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned u, unsigned i,
    unsigned n);

/* blocks of the scan's component i in a unit */
unsigned ngx_http_overlay_pspl_blocks(ngx_http_overlay_pspl_t *ps,
    const ngx_http_overlay_pspl_scan_t *sc, unsigned i);


#endif /* _NGX_HTTP_OVERLAY_JPEG_PROG_INT_H_INCLUDED_ */
