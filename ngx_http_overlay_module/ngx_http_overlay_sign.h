
/*
 * ngx_http_overlay_module: signed parameters.
 *
 * Plain C, no nginx headers; OpenSSL's HMAC.  The signature is base64url,
 * unpadded, of HMAC-SHA256(key, uri "\n" json): the path binds it to one
 * image, and the JSON is the decoded bytes, so that however a producer
 * encoded the value (padding, alphabet, a bytes literal) it verifies.
 *
 * Every call is thread-safe (OpenSSL 1.1 and later need no locks).
 */


#ifndef _NGX_HTTP_OVERLAY_SIGN_H_INCLUDED_
#define _NGX_HTTP_OVERLAY_SIGN_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_overlay_error.h"


#define NGX_HTTP_OVERLAY_SIG_LEN  43            /* 32 bytes, base64url */


typedef struct {
    const unsigned char  *data;
    size_t                len;
} ngx_http_overlay_key_t;


/* writes the signature, NUL-terminated, into sig[44] */
void ngx_http_overlay_sign(const ngx_http_overlay_key_t *key,
    const unsigned char *uri, size_t uri_len, const unsigned char *json,
    size_t json_len, char *sig);

/*
 * NGX_HTTP_OVERLAY_OK if any of the keys made sig, compared in constant
 * time; NGX_HTTP_OVERLAY_BAD_SIGNATURE otherwise, err saying why.
 */
ngx_http_overlay_rc_e ngx_http_overlay_verify(
    const ngx_http_overlay_key_t *keys, unsigned nkeys,
    const unsigned char *uri, size_t uri_len, const unsigned char *json,
    size_t json_len, const unsigned char *sig, size_t sig_len,
    ngx_http_overlay_error_t *err);


#endif /* _NGX_HTTP_OVERLAY_SIGN_H_INCLUDED_ */
