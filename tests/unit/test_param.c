
/*
 * Unit tests of ngx_http_overlay_param.c: the parameter's value decoded
 * from every form a producer has sent (base64url, the standard alphabet,
 * percent-encoded, Python's bytes literal, raw JSON), the repairs it
 * reports, the encodings it refuses, and its size limit.  Through
 * ngx_http_overlay_parse_value(), as the module calls it.
 */


#include "unit.h"


#define T   "{\"overlay\":\"Last Chance!\"}"
#define B   UNIT_B64                                    /* T, base64url */
#define LC  "\"text\":\"Last Chance!\",\"style\":\"badge\","                  \
            "\"position\":\"top-right\""

#define R_TRIM   NGX_HTTP_OVERLAY_REPAIR_TRIM
#define R_BYTES  NGX_HTTP_OVERLAY_REPAIR_BYTES
#define R_STD    NGX_HTTP_OVERLAY_REPAIR_STANDARD
#define R_SPACE  NGX_HTTP_OVERLAY_REPAIR_SPACE
#define R_RAW    NGX_HTTP_OVERLAY_REPAIR_RAW_JSON

#define OK       NGX_HTTP_OVERLAY_OK
#define ENC      NGX_HTTP_OVERLAY_BAD_ENCODING


/*
 * Every form a producer has sent, and every way the encoding can be
 * wrong: the value as it comes in the URL, the outcome, and what the
 * normalized spec contains or the message says.
 */

static const value_case_t  decode_cases[] = {

    { B, OK, LC, 0 },
    { B "=", OK, LC, 0 },
    { "eyJvdmVybGF5IjoiYWIifQ==", OK, "\"text\":\"ab\"", 0 },
    { "eyJvdmVybGF5IjoiYWIifQ", OK, "\"text\":\"ab\"", 0 },
    /* {"overlay":"?>?"}: "?>" encodes to "-" and "_" in base64url */
    { "eyJvdmVybGF5IjoiPz4_In0", OK, "\"text\":\"?>?\"", 0 },
    /* the same in the standard alphabet, padded, percent-encoded */
    { "eyJvdmVybGF5IjoiPz4/In0=", OK, "\"text\":\"?>?\"", R_STD },
    { "eyJvdmVybGF5IjoiPz4%2FIn0%3D", OK, "\"text\":\"?>?\"", R_STD },
    /* {"overlay":"a>>"}: "+" in the standard alphabet, and "+" that a
     * form decoder made a space */
    { "eyJvdmVybGF5IjoiYT4+In0", OK, "\"text\":\"a>>\"", R_STD },
    { "eyJvdmVybGF5IjoiYT4%2BIn0", OK, "\"text\":\"a>>\"", R_STD },
    { "eyJvdmVybGF5IjoiYT4 In0", OK, "\"text\":\"a>>\"", R_STD | R_SPACE },
    { "eyJvdmVybGF5IjoiYT4-In0", OK, "\"text\":\"a>>\"", 0 },
    /* Python 3's str(bytes) */
    { "b'" B "'", OK, LC, R_BYTES },
    { "b\"" B "\"", OK, LC, R_BYTES },
    { "b%27" B "%27", OK, LC, R_BYTES },
    { "  " B "\n", OK, LC, R_TRIM },
    { " b'" B "' ", OK, LC, R_TRIM | R_BYTES },
    /* raw JSON, as is or percent-encoded */
    { T, OK, LC, R_RAW },
    { "%7B%22overlay%22%3A%22Last%20Chance!%22%7D", OK, LC, R_RAW },
    { "b'" T "'", OK, LC, R_BYTES | R_RAW },
    /* {"overlay":"\u00dcber"} */
    { "eyJvdmVybGF5IjoiXHUwMGRjYmVyIn0", OK, "\"text\":\"\xc3\x9c" "ber\"",
      0 },
    /* a "%" that is no escape stays, and is no base64 */
    { "eyJv%zzZ", ENC, "\"%\" at offset 4", 0 },

    { "", ENC, "empty", 0 },
    { "   ", ENC, "empty", R_TRIM },
    { "garbage!!", ENC, "\"!\" at offset 7", 0 },
    { "b'" B, ENC, "closing '", 0 },
    { "b''", ENC, "", R_BYTES },
    { "eyJvdmVy=", ENC, "padding", 0 },
    { "eyJvdmVyb", ENC, "impossible", 0 },
    { "eyJv=mVy", ENC, "\"=\"", 0 },
    /* the two alphabets in one value */
    { "eyJvdmVybGF5IjoiPz4_In0+", ENC, "mixing", 0 },
    /* JSON that is no object is neither raw JSON nor base64 */
    { "\"Last Chance!\"", ENC, "\"\\x22\" at offset 0", 0 },
};


void
test_param_decode(void)
{
    check_values(decode_cases, sizeof(decode_cases) / sizeof(decode_cases[0]));
}


/* a value decoding to more than the limit is refused undecoded */

void
test_param_limit(void)
{
    unsigned                    repairs;
    unsigned char               buf[8192];
    ngx_http_overlay_rc_e       rc;
    ngx_http_overlay_spec_t     spec;
    ngx_http_overlay_error_t    err;
    ngx_http_overlay_options_t  opts;

    ngx_http_overlay_options_init(&opts);

    memset(buf, 'A', 200);
    opts.max_param = 100;

    rc = ngx_http_overlay_parse_value(buf, 200, &opts, NULL, &spec,
                                      &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "150 bytes") != NULL,
          "too large: %s", err.msg);

    memset(buf, 'A', 2000);
    rc = ngx_http_overlay_parse_value(buf, 2000, &opts, NULL, &spec,
                                      &repairs, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_TOO_LARGE
          && strstr(err.msg, "value of 2000 bytes") != NULL,
          "far too large: %s", err.msg);
}
