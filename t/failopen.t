# Fail open: whatever is wrong with the parameter or the body, the client
# gets the original bytes with status 200, and the error log one line at
# warn saying why.  Never a 500.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: garbage that is not base64
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/rocket.jpg?overlay=%3Cscript%3E!!
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log eval
qr/\[warn\] .*overlay: bad_encoding: character "<" at offset 0 is not base64, passing the original through/
--- no_error_log
[error]



=== TEST 2: base64 of text that is not JSON
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url("Last Chance!")
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log eval
qr/\[warn\] .*overlay: bad_json: .*, passing the original through/
--- no_error_log
[error]



=== TEST 3: a JSON array, not an object
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('["Last Chance!"]')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: bad_json: JSON an array instead of an object, passing the original through
--- no_error_log
[error]



=== TEST 4: a JSON object without "overlay"
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"title": "Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("chelsea.png")
--- error_log
overlay: bad_spec: unknown key "title", not "overlay" or "layers", passing the original through
--- no_error_log
[error]



=== TEST 5: "overlay" that is not a string
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": 42}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: bad_spec: overlay is a number, not a string, passing the original through
--- no_error_log
[error]



=== TEST 6: base64 that mixes both alphabets is no producer's: refused
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/rocket.jpg?overlay=eyJvdmVybGF5IjoiPz4_In0%2B
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: bad_encoding: base64 mixing the URL-safe and the standard alphabets at offset 23
--- no_error_log
[error]



=== TEST 7: an image that cannot be decoded (JPEG)
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("corrupt.jpg")
--- error_log
overlay: bad_image: jpeg: Bogus Huffman table definition, passing the original through
--- no_error_log
[error]



=== TEST 8: an image that cannot be decoded (PNG)
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/corrupt.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("corrupt.png")
--- error_log eval
qr/overlay: bad_image: png: IDAT: invalid bit length repeat, /
--- no_error_log
[error]



=== TEST 9: a type not in overlay_types, though the parameter is good
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_headers
X-Overlay: none:not_image
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("SOURCES.txt")
--- error_log
overlay: not_image: Content-Type "text/plain" is not in overlay_types, left untouched
--- no_error_log
[warn]
[error]



=== TEST 10: a short body labelled image/png, not an image
--- config
    location /img/ {
        overlay $arg_overlay;
        default_type image/png;
        return 200 "tiny";
    }
--- request eval
"GET /img/x?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body chomp
tiny
--- error_log
overlay: not_image: the body is not JPEG, PNG, WebP or GIF
--- no_error_log
[error]



=== TEST 11: a body over overlay_buffer, known from its Content-Length
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_buffer 64k;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_headers
Content-Length: 112525
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: too_large: the body's 112525 bytes are more than overlay_buffer 65536, passing the original through
--- no_error_log
[error]



=== TEST 12: a chunked body that outgrows overlay_buffer while read
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        sub_filter_types *;
        sub_filter 'never-in-an-image-3f9c' '';
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_http_version 1.1;
        proxy_buffering off;
        proxy_buffer_size 4k;
        overlay $arg_overlay;
        overlay_buffer 64k;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: too_large: the body is more than overlay_buffer 65536 bytes, passing the original through
--- no_error_log
[error]



=== TEST 13: a chunked text labelled image/jpeg, told from its first bytes
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg txt; }
        sub_filter_types *;
        sub_filter 'never-in-a-text-3f9c' '';
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_http_version 1.1;
        proxy_buffering off;
        proxy_buffer_size 256;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("SOURCES.txt")
--- error_log
overlay: not_image: the body is not JPEG, PNG, WebP or GIF
--- no_error_log
[error]



=== TEST 14: no value, no work: untouched and silent
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/rocket.jpg?overlay=
--- error_code: 200
--- response_headers
Content-Length: 112525
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- no_error_log
[warn]
[error]



=== TEST 15: "overlay off" in a nested location
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;

        location /img/rocket.jpg {
            overlay off;
        }
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- no_error_log
[warn]
[error]



=== TEST 16: a 404 stays a 404, untouched
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/missing.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 404
--- response_body_like: 404 Not Found
--- no_error_log
[warn]



=== TEST 17: HEAD: the GET's headers and ETag, no Content-Length (unknown)
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg jpg; }
        overlay $arg_overlay;
    }
--- request eval
"HEAD /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_headers
Content-Type: image/jpeg
!Content-Length
!Accept-Ranges
--- response_headers_like
ETag: W/"[0-9a-f]+-[0-9a-f]+-ov[0-9a-f]{16}"
--- response_body
--- no_error_log
[warn]
[error]



=== TEST 18: a Range request on an image that fails open: the whole original
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- more_headers
Range: bytes=0-99
--- error_code: 200
--- response_headers_like
ETag: "[0-9a-f]+-[0-9a-f]+"
--- response_headers
!Accept-Ranges
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("corrupt.jpg")
--- error_log
overlay: bad_image:



=== TEST 19: a JPEG whose re-encoding fails once its output grew
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/dct-overflow.jpg?overlay=" . OverlayTest::b64url('{"layers":[{"text":"Last Chance!","position":"bottom-right"}]}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("dct-overflow.jpg")
--- error_log
overlay: bad_image: jpeg: DCT coefficient out of range, passing the original through
--- no_error_log
[alert]
[error]



=== TEST 20: an upstream that stops mid-body: what came is sent, at once
--- config
    location /slow/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        limit_rate_after 20k;
        limit_rate 8k;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/slow/;
        proxy_read_timeout 300ms;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- timeout: 3
--- error_code: 200
--- response_headers
Content-Length: 112525
--- response_body_filters eval
sub { my $o = OverlayTest::fixture("rocket.jpg");
      length($_[0]) < length($o)
      && $_[0] eq substr($o, 0, length $_[0]) ? "the start of the original\n"
                                               : "something else\n" }
--- response_body
the start of the original
--- error_log eval
qr/overlay: bad_image: the upstream closed after \d+ bytes of the body, passing the original through/



=== TEST 21: slice: the body comes in subrequests: passed through, and why
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /img/ {
        slice 20k;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: unsupported: the response comes in slices, passing the original through



=== TEST 22: a JPEG with a zero quantizer (found by fuzzing: it crashed)
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/zero-quant.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("zero-quant.jpg")
--- error_log
overlay: bad_image: jpeg: quantization table 0 has a zero, passing the original through
--- no_error_log
[alert]



=== TEST 23: a body with a Content-Encoding is passed untouched
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        add_header Content-Encoding identity-but-declared;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
Content-Encoding: identity-but-declared
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: not_image: the body has a Content-Encoding "identity-but-declared", left untouched
--- no_error_log
[warn]



=== TEST 24: a client that goes away while the body is read: no crash
--- config
    location /slow/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        limit_rate_after 10k;
        limit_rate 20k;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/slow/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- timeout: 0.5
--- abort
--- ignore_response
--- wait: 2
--- error_log
client prematurely closed connection
--- no_error_log
[alert]
[crit]
[emerg]
