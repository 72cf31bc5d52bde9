# The overlay is drawn: pixels checked against the original, for files and
# for proxied responses, whole or in many small chunked buffers.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a JPEG file gets the badge in its top-right corner, nothing else
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg jpg; image/png png; }
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_headers
Content-Type: image/jpeg
Accept-Ranges: bytes
--- response_headers_like
ETag: W/"[0-9a-f]+-[0-9a-f]+-ov[0-9a-f]{16}"
--- response_body_filters eval
OverlayTest::pixels_against("rocket.jpg")
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
[error]



=== TEST 2: a PNG file gets the badge, and PNG stays PNG, exact elsewhere
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg jpg; image/png png; }
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_headers
Content-Type: image/png
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png")
--- response_body
png 451x300
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
[error]



=== TEST 3: a 320x180 thumbnail gets a badge of the same proportions
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("thumb.jpg")
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]



=== TEST 4: the response is exactly what the CLI renders, with its length
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/coffee.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Dernière chance – Über"}')
--- response_headers eval
"Content-Length: " . length(OverlayTest::cli_render("coffee.jpg",
    '{"overlay":"Dernière chance – Über"}'))
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::digest(OverlayTest::cli_render("coffee.jpg",
    '{"overlay":"Dernière chance – Über"}'))



=== TEST 5: overlay_jpeg_quality is the quality of the output
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_jpeg_quality 30;
    }
--- request eval
"GET /img/coffee.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { length($_[0]) < length(OverlayTest::fixture("coffee.jpg")) / 2
      ? "smaller\n" : "not smaller: " . length($_[0]) . "\n" }
--- response_body
smaller



=== TEST 6: a proxied, chunked response arriving in many small buffers
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        # sub_filter drops the Content-Length: the body goes out chunked
        sub_filter_types *;
        sub_filter 'never-in-an-image-3f9c' '';
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_http_version 1.1;
        proxy_buffering off;
        proxy_buffer_size 1k;
        add_header X-Origin-TE $upstream_http_transfer_encoding;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_headers
X-Origin-TE: chunked
--- response_body_filters eval
OverlayTest::pixels_against("rocket.jpg")
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
[error]



=== TEST 7: a proxied response with a Content-Length, buffered
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png")
--- response_body
png 451x300
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
[error]



=== TEST 8: the value comes from any variable, e.g. a header
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $http_x_overlay;
    }
--- request
GET /img/thumb.jpg
--- more_headers eval
"X-Overlay: " . OverlayTest::b64url('{"overlay":"Leaving soon"}')
--- response_body_filters eval
OverlayTest::pixels_against("thumb.jpg")
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
