
/*
 * Unit tests of ngx_http_overlay_bytes.h: each reader against the value
 * written byte by byte, whatever the host's order.
 */


#include "unit.h"
#include "ngx_http_overlay_bytes.h"


void
test_bytes_order(void)
{
    uint64_t              v;
    static unsigned char  p[9] = {
        0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0xff
    };

    CHECK(ngx_http_overlay_be16(p) == 0x89ab, "be16");
    CHECK(ngx_http_overlay_be32(p) == 0x89abcdefUL, "be32");
    CHECK(ngx_http_overlay_le16(p) == 0xab89, "le16");
    CHECK(ngx_http_overlay_le24(p) == 0xcdab89UL, "le24");
    CHECK(ngx_http_overlay_le32(p) == 0xefcdab89UL, "le32");
    CHECK(ngx_http_overlay_tiff16(1, p) == 0xab89
          && ngx_http_overlay_tiff16(0, p) == 0x89ab, "tiff16, II and MM");
    CHECK(ngx_http_overlay_tiff32(1, p) == 0xefcdab89UL
          && ngx_http_overlay_tiff32(0, p) == 0x89abcdefUL,
          "tiff32, II and MM");

    v = ngx_http_overlay_be64(p);
    CHECK(v == 0x89abcdef01234567ULL, "be64: %016llx",
          (unsigned long long) v);

    /* unaligned */
    v = ngx_http_overlay_be64(p + 1);
    CHECK(v == 0xabcdef01234567ffULL, "be64 unaligned: %016llx",
          (unsigned long long) v);
}
