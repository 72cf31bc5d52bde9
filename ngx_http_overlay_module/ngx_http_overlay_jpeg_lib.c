
/*
 * ngx_http_overlay_module: the JPEG codec's libjpeg plumbing: the error,
 * warning and progress managers (every libjpeg error, warning or scan
 * past NGX_HTTP_OVERLAY_JPEG_SCANS longjmps to j->jerr.jmp with its
 * message), decompressors and compressors made with them, a destination
 * in memory that stays the codec's, the source's markers copied to the
 * output, and the release of all a call holds.
 */


#include <stdlib.h>
#include <string.h>

#include <jerror.h>

#include "ngx_http_overlay_jpeg_int.h"
#include "ngx_http_overlay_jpeg_marker.h"


static void ngx_http_overlay_jpeg_error_exit(j_common_ptr cinfo);
static void ngx_http_overlay_jpeg_emit(j_common_ptr cinfo, int level);
static void ngx_http_overlay_jpeg_progress(j_common_ptr cinfo);
static void ngx_http_overlay_jpeg_dest_init(j_compress_ptr c);
static boolean ngx_http_overlay_jpeg_dest_empty(j_compress_ptr c);
static void ngx_http_overlay_jpeg_dest_term(j_compress_ptr c);


void
ngx_http_overlay_jpeg_decompress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_decompress_struct *d, const unsigned char *p, size_t len)
{
    int  m;

    d->err = jpeg_std_error(&j->jerr.pub);
    j->jerr.pub.error_exit = ngx_http_overlay_jpeg_error_exit;
    j->jerr.pub.emit_message = ngx_http_overlay_jpeg_emit;

    jpeg_create_decompress(d);

    d->mem->max_memory_to_use = NGX_HTTP_OVERLAY_JPEG_MEMORY;

    j->jerr.progress.progress_monitor = ngx_http_overlay_jpeg_progress;
    d->progress = &j->jerr.progress;

    jpeg_mem_src(d, p, (unsigned long) len);

    if (d == &j->src) {
        jpeg_save_markers(d, NGX_HTTP_OVERLAY_JPEG_COM, 0xffff);

        for (m = NGX_HTTP_OVERLAY_JPEG_APP0;
             m <= NGX_HTTP_OVERLAY_JPEG_APP15;
             m++)
        {
            jpeg_save_markers(d, m, 0xffff);
        }
    }

    (void) jpeg_read_header(d, TRUE);
}


static void
ngx_http_overlay_jpeg_error_exit(j_common_ptr cinfo)
{
    ngx_http_overlay_jpeg_error_t  *jerr;

    jerr = (ngx_http_overlay_jpeg_error_t *) cinfo->err;

    (*cinfo->err->format_message)(cinfo, jerr->msg);

    longjmp(jerr->jmp, 1);
}


/* after the longjmp: BAD_IMAGE, with libjpeg's message */

ngx_http_overlay_rc_e
ngx_http_overlay_jpeg_failed(ngx_http_overlay_jpeg_t *j,
    ngx_http_overlay_error_t *err)
{
    return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_IMAGE,
                                  "jpeg: %s", j->jerr.msg);
}


/* a warning is corrupt data: stop, rather than draw on a broken image */

static void
ngx_http_overlay_jpeg_emit(j_common_ptr cinfo, int level)
{
    ngx_http_overlay_jpeg_error_t  *jerr;

    if (level >= 0) {
        return;                                 /* trace messages */
    }

    jerr = (ngx_http_overlay_jpeg_error_t *) cinfo->err;

    (*cinfo->err->format_message)(cinfo, jerr->msg);

    longjmp(jerr->jmp, 1);
}


/* a bound on scans, as djpeg's -maxscans: each costs a pass over it all */

static void
ngx_http_overlay_jpeg_progress(j_common_ptr cinfo)
{
    ngx_http_overlay_jpeg_error_t  *jerr;

    if (!cinfo->is_decompressor
        || ((j_decompress_ptr) cinfo)->input_scan_number
           <= NGX_HTTP_OVERLAY_JPEG_SCANS)
    {
        return;
    }

    jerr = (ngx_http_overlay_jpeg_error_t *) cinfo->err;

    (void) snprintf(jerr->msg, sizeof(jerr->msg), "more than %d scans",
                    NGX_HTTP_OVERLAY_JPEG_SCANS);

    longjmp(jerr->jmp, 1);
}


void
ngx_http_overlay_jpeg_compress(ngx_http_overlay_jpeg_t *j,
    struct jpeg_compress_struct *c)
{
    c->err = jpeg_std_error(&j->jerr.pub);
    j->jerr.pub.error_exit = ngx_http_overlay_jpeg_error_exit;
    j->jerr.pub.emit_message = ngx_http_overlay_jpeg_emit;

    jpeg_create_compress(c);

    c->mem->max_memory_to_use = NGX_HTTP_OVERLAY_JPEG_MEMORY;
}


void
ngx_http_overlay_jpeg_dest(struct jpeg_compress_struct *c,
    ngx_http_overlay_jpeg_dest_t *dest)
{
    dest->pub.init_destination = ngx_http_overlay_jpeg_dest_init;
    dest->pub.empty_output_buffer = ngx_http_overlay_jpeg_dest_empty;
    dest->pub.term_destination = ngx_http_overlay_jpeg_dest_term;

    c->dest = &dest->pub;
}


static void
ngx_http_overlay_jpeg_dest_init(j_compress_ptr c)
{
    ngx_http_overlay_jpeg_dest_t  *dest = (ngx_http_overlay_jpeg_dest_t *)
                                          c->dest;

    if (dest->data == NULL) {
        dest->size = 64 * 1024;
        dest->data = malloc(dest->size);

        if (dest->data == NULL) {
            ERREXIT1(c, JERR_OUT_OF_MEMORY, 10);
        }
    }

    dest->len = 0;
    dest->pub.next_output_byte = dest->data;
    dest->pub.free_in_buffer = dest->size;
}


static boolean
ngx_http_overlay_jpeg_dest_empty(j_compress_ptr c)
{
    ngx_http_overlay_jpeg_dest_t  *dest = (ngx_http_overlay_jpeg_dest_t *)
                                          c->dest;

    unsigned char  *data;

    /* the whole buffer is full: twice the size, the pointer kept current */

    data = realloc(dest->data, dest->size * 2);
    if (data == NULL) {
        ERREXIT1(c, JERR_OUT_OF_MEMORY, 11);
    }

    dest->data = data;
    dest->pub.next_output_byte = data + dest->size;
    dest->pub.free_in_buffer = dest->size;
    dest->size *= 2;

    return TRUE;
}


static void
ngx_http_overlay_jpeg_dest_term(j_compress_ptr c)
{
    ngx_http_overlay_jpeg_dest_t  *dest = (ngx_http_overlay_jpeg_dest_t *)
                                          c->dest;

    dest->len = dest->size - dest->pub.free_in_buffer;
}


/* the source's markers, but those libjpeg writes itself (JFIF, Adobe) */

void
ngx_http_overlay_jpeg_markers(ngx_http_overlay_jpeg_t *j)
{
    jpeg_saved_marker_ptr  m;

    for (m = j->src.marker_list; m != NULL; m = m->next) {

        if (j->out.write_JFIF_header
            && m->marker == NGX_HTTP_OVERLAY_JPEG_APP0
            && m->data_length >= 5 && memcmp(m->data, "JFIF", 5) == 0)
        {
            continue;
        }

        if (j->out.write_Adobe_marker
            && m->marker == NGX_HTTP_OVERLAY_JPEG_APP14
            && m->data_length >= 5 && memcmp(m->data, "Adobe", 5) == 0)
        {
            continue;
        }

        jpeg_write_marker(&j->out, m->marker, m->data, m->data_length);
    }
}


void
ngx_http_overlay_jpeg_release(ngx_http_overlay_jpeg_t *j)
{
    if (j->have_out) {
        jpeg_destroy_compress(&j->out);
    }

    if (j->have_blk) {
        jpeg_destroy_decompress(&j->blk);
    }

    if (j->have_enc) {
        jpeg_destroy_compress(&j->enc);
    }

    if (j->have_pix) {
        jpeg_destroy_decompress(&j->pix);
    }

    if (j->have_cut) {
        jpeg_destroy_compress(&j->cut);
    }

    if (j->have_src) {
        jpeg_destroy_decompress(&j->src);
    }

    free(j->region.data);
    free(j->piece.data);
    free(j->dest.data);
    free(j->row);

    ngx_http_overlay_splice_destroy(j->splice);
    ngx_http_overlay_jpeg_prog_splice_free(j);

    if (j->im != NULL) {
        gdImageDestroy(j->im);
    }

    if (j->view != NULL) {
        gdImageDestroy(j->view);
    }
}
