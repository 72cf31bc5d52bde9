# Varnish in front of nginx with ngx_http_overlay_module (VCL 4.1).
#
# nginx draws the overlay; Varnish caches its output like any other
# response.  What matters:
#
# - keep the overlay parameter in the hash: the default vcl_hash hashes the
#   whole URL, arguments included; do not strip "overlay" (or "sig") in
#   vcl_recv, or every overlay would be served the plain image's entry;
# - the overlaid responses have their own weak ETag, so revalidation
#   (If-None-Match) is answered 304 by nginx without drawing;
# - a response that failed open is the original image, as cacheable as the
#   original: keep TTLs of overlay URLs modest if failures may be
#   transient (a font or asset being deployed).

vcl 4.1;

backend nginx {
    .host = "127.0.0.1";
    .port = "8080";
}

sub vcl_recv {
    # sort the arguments so that ?a=1&overlay=... and ?overlay=...&a=1
    # share an entry (std.querysort needs "import std;")
    # set req.url = std.querysort(req.url);
    if (req.url ~ "^/covers/") {
        return (hash);
    }
}

sub vcl_backend_response {
    if (bereq.url ~ "[?&]overlay=") {
        set beresp.ttl = 1h;
    }
}
