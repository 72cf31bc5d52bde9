
/*
 * ngx_http_overlay_module: signed parameters.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_http_overlay_sign.h"


void
ngx_http_overlay_sign(const ngx_http_overlay_key_t *key,
    const unsigned char *uri, size_t uri_len, const unsigned char *json,
    size_t json_len, char *sig)
{
    size_t          i;
    unsigned        acc, bits;
    unsigned int    len;
    unsigned char   mac[EVP_MAX_MD_SIZE], *msg;
    char           *p;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    len = 0;
    memset(mac, 0, sizeof(mac));

    /* the message: uri "\n" json (HMAC(), as the streaming calls are
     * deprecated in OpenSSL 3) */

    msg = malloc(uri_len + 1 + json_len);

    if (msg != NULL) {
        if (uri_len) {
            memcpy(msg, uri, uri_len);
        }

        msg[uri_len] = '\n';

        if (json_len) {
            memcpy(msg + uri_len + 1, json, json_len);
        }

        (void) HMAC(EVP_sha256(), key->data, (int) key->len, msg,
                    uri_len + 1 + json_len, mac, &len);
        free(msg);
    }

    /* 32 bytes, base64url without padding: 43 characters */

    p = sig;
    acc = 0;
    bits = 0;

    for (i = 0; i < 32; i++) {
        acc = (acc << 8) | mac[i];
        bits += 8;

        while (bits >= 6) {
            bits -= 6;
            *p++ = alphabet[(acc >> bits) & 0x3f];
        }

        acc &= (1u << bits) - 1;
    }

    *p++ = alphabet[(acc << (6 - bits)) & 0x3f];
    *p = '\0';
}


ngx_http_overlay_rc_e
ngx_http_overlay_verify(const ngx_http_overlay_key_t *keys, unsigned nkeys,
    const unsigned char *uri, size_t uri_len, const unsigned char *json,
    size_t json_len, const unsigned char *sig, size_t sig_len,
    ngx_http_overlay_error_t *err)
{
    int       match;
    char      expected[NGX_HTTP_OVERLAY_SIG_LEN + 1];
    unsigned  i;

    if (sig_len == 0) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SIGNATURE,
                                      "the value is not signed");
    }

    /* a padded signature is the same signature */

    while (sig_len > NGX_HTTP_OVERLAY_SIG_LEN && sig[sig_len - 1] == '=') {
        sig_len--;
    }

    if (sig_len != NGX_HTTP_OVERLAY_SIG_LEN) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SIGNATURE,
                                      "a signature of %zu characters, not "
                                      "%d", sig_len,
                                      NGX_HTTP_OVERLAY_SIG_LEN);
    }

    match = 0;

    /* every key is tried, whatever matched: the time says nothing */

    for (i = 0; i < nkeys; i++) {
        ngx_http_overlay_sign(&keys[i], uri, uri_len, json, json_len,
                              expected);

        match |= (CRYPTO_memcmp(expected, sig, NGX_HTTP_OVERLAY_SIG_LEN)
                  == 0);
    }

    if (!match) {
        return ngx_http_overlay_error(err, NGX_HTTP_OVERLAY_BAD_SIGNATURE,
                                      "the signature matches no key");
    }

    return NGX_HTTP_OVERLAY_OK;
}
