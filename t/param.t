# The parameter contract through nginx: legacy forms repaired and applied,
# the full spec and the location's defaults, overlay_on_error, the log
# level, and $overlay_status / $overlay_error in headers and access logs.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a Python bytes literal b'...' is repaired and drawn
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/rocket.jpg?overlay=b'" . OverlayTest::b64url('{"overlay":"Last Chance!"}') . "'"
--- response_headers
X-Overlay: applied:
--- response_body_filters eval
OverlayTest::pixels_against("rocket.jpg")
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- error_log
[info]
overlay: repaired a legacy value: bytes literal
--- no_error_log
[warn]



=== TEST 2: standard base64, "+" made a space by form decoding, padded
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
# {"overlay":"a>>"} is eyJvdmVybGF5IjoiYT4+In0 in the standard alphabet
"GET /img/thumb.jpg?overlay=eyJvdmVybGF5IjoiYT4%20In0%3D"
--- response_body_filters eval
OverlayTest::pixels_against("thumb.jpg")
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- error_log
overlay: repaired a legacy value: standard alphabet, spaces for "+"
--- no_error_log
[warn]



=== TEST 3: raw JSON, percent-encoded
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/thumb.jpg?overlay=%7B%22overlay%22%3A%22Last%20Chance!%22%7D
--- response_body_filters eval
OverlayTest::pixels_against("thumb.jpg")
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- error_log
overlay: repaired a legacy value: raw JSON



=== TEST 4: the full form: a layer at the position it names
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"layers":[{"text":"Last Chance!","position":"bottom-left"}]}')
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png")
--- response_body
png 451x300
top-left: unchanged
top-right: unchanged
bottom-left: badge
bottom-right: unchanged
--- no_error_log
[warn]



=== TEST 5: two layers, each in its corner, each in its colour
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"layers":[{"text":"Last Chance!","position":"top-left"},{"text":"4K","position":"bottom-right","background":"#d62828"}]}')
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png")
--- response_body
png 451x300
top-left: badge
top-right: unchanged
bottom-left: unchanged
bottom-right: badge



=== TEST 6: the location's defaults draw the shorthand in the house style
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_default_position bottom-right;
        overlay_default_background "#1a7f37";
        overlay_default_size 0.08;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png", [0x1a, 0x7f, 0x37])
--- response_body
png 451x300
top-left: unchanged
top-right: unchanged
bottom-left: unchanged
bottom-right: badge



=== TEST 7: a named font, from overlay_font NAME PATH
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_font serif /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"layers":[{"text":"Last Chance!","font":"serif"}]}')
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



=== TEST 8: an image layer from overlay_asset
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_asset logo $TEST_NGINX_OVERLAY_FIXTURES/logo.png;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"layers":[{"image":"logo","position":"bottom-left","scale":0.3}]}')
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png", [30, 120, 220])
--- response_body
png 451x300
top-left: unchanged
top-right: unchanged
bottom-left: badge
bottom-right: unchanged



=== TEST 9: a misspelt position is refused whole, with the field named
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"layers":[{"text":"Last Chance!","position":"top-rigth"}]}')
--- error_code: 200
--- response_headers
X-Overlay: passed:bad_spec
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: bad_spec: layers[0].position "top-rigth" is not one of top-left, top, top-right, left, center, right, bottom-left, bottom, bottom-right, passing the original through



=== TEST 10: overlay_on_error 403: a bad spec gets 403
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_on_error 403;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":""}')
--- error_code: 403
--- response_headers
X-Overlay: rejected:bad_spec
--- response_body_like: 403 Forbidden
--- error_log
overlay: bad_spec: overlay is an empty string, answering 403



=== TEST 11: overlay_on_error 400: bad encoding gets 400
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_on_error 400;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request
GET /img/rocket.jpg?overlay=not-base64!
--- error_code: 400
--- response_headers
X-Overlay: rejected:bad_encoding
--- error_log
overlay: bad_encoding: character "!" at offset 10 is not base64, answering 400



=== TEST 12: overlay_on_error 422: bad JSON
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_on_error 422;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('["Last Chance!"]')
--- error_code: 422
--- response_headers
X-Overlay: rejected:bad_json



=== TEST 13: overlay_on_error 502: an image that cannot be decoded
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_on_error 502;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request eval
"GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 502
--- response_headers
X-Overlay: rejected:bad_image
--- error_log
overlay: bad_image: jpeg: Bogus Huffman table definition, answering 502



=== TEST 14: overlay_on_error 415: a body labelled image/jpeg, no image
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg txt; }
        overlay $arg_overlay;
        overlay_on_error 415;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request eval
"GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 415
--- response_headers
X-Overlay: rejected:not_image



=== TEST 15: overlay_on_error 413: a body over overlay_buffer
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_buffer 64k;
        overlay_on_error 413;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 413
--- response_headers
X-Overlay: rejected:too_large



=== TEST 16: overlay_max_param_size: a value over it is too_large
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_max_param_size 16;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Overlay: passed:too_large
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: too_large: value decodes to 26 bytes, more than the 16 allowed



=== TEST 17: overlay_max_layers and overlay_max_text
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_max_layers 1;
        overlay_max_text 5;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: bad_spec: overlay has 12 characters, more than 5



=== TEST 18: overlay_log_level error
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_log_level error;
    }
--- request
GET /img/rocket.jpg?overlay=garbage!
--- error_log eval
qr/\[error\] .*overlay: bad_encoding: /
--- no_error_log
[warn]



=== TEST 19: the variables in an access log, one line per request
--- http_config
    log_format overlay '$uri $overlay_status "$overlay_error" $overlay_time';
--- config
    access_log logs/overlay.log overlay;

    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }

    location = /overlay.log {
        access_log off;
        alias logs/overlay.log;
    }
--- request eval
[
    "GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
    "GET /img/rocket.jpg?overlay=garbage!",
    "GET /img/thumb.jpg",
    "GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"x"}'),
    "GET /overlay.log",
]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
[
    qr/\A\xff\xd8\xff/,
    qr/\A\xff\xd8\xff/,
    qr/\A\xff\xd8\xff/,
    qr/\ATest and demo images/,
    qr{\A/img/rocket\.jpg applied "" 0\.\d{3}\n/img/rocket\.jpg passed "bad_encoding" 0\.000\n/img/thumb\.jpg none "" -\n/img/SOURCES\.txt none "not_image" -\n\z},
]
