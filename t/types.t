# overlay_types: the Content-Types the module reads.  A response of
# another type is left untouched at its header; within the types, the
# body's first bytes decide the format.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the default types: a JPEG served as text/plain is left alone
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { text/plain jpg; }
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers eval
"X-Overlay: none:not_image\nContent-Length: "
. length(OverlayTest::fixture("thumb.jpg"))
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("thumb.jpg")
--- error_log
overlay: not_image: Content-Type "text/plain" is not in overlay_types, left untouched
--- no_error_log
[warn]



=== TEST 2: the default types: image/jpeg, image/png, image/webp, image/gif
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types {
            image/jpeg jpg;
            image/png png;
            image/webp webp;
            image/gif gif;
        }
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
[map { "GET /img/$_?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}') }
     qw(thumb.jpg chelsea.png thumb.webp thumb.gif)]
--- response_headers eval
[("X-Overlay: applied:") x 4]



=== TEST 3: a type of one's own, with parameters in the Content-Type
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { application/x-cover jpg; }
        charset utf-8;
        charset_types application/x-cover;
        overlay $arg_overlay;
        overlay_types application/x-cover;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
    location /other/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_types application/x-cover;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
["GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
 "GET /other/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')]
--- response_headers eval
["X-Overlay: applied:\nContent-Type: application/x-cover; charset=utf-8",
 "X-Overlay: none:not_image\nContent-Type: image/jpeg"]
--- response_body_filters eval
sub { OverlayTest::describe_image($_[0], OverlayTest::fixture("thumb.jpg")) }
--- response_body eval
["jpeg 320x180\ntop-left: unchanged\ntop-right: badge\n"
 . "bottom-left: unchanged\nbottom-right: unchanged\n",
 "jpeg 320x180\ntop-left: unchanged\ntop-right: unchanged\n"
 . "bottom-left: unchanged\nbottom-right: unchanged\n"]



=== TEST 4: "*": any type, the bytes decide
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { text/plain jpg txt; }
        overlay $arg_overlay;
        overlay_types *;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
["GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
 "GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')]
--- response_headers eval
["X-Overlay: applied:", "X-Overlay: passed:not_image"]



=== TEST 5: inherited, and replaced, by level
--- http_config
    overlay_types image/jpeg application/x-cover;
--- config
    types { application/x-cover jpg; image/png png; }
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
    location /png/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_types image/png;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
my $v = OverlayTest::b64url('{"overlay":"Last Chance!"}');
["GET /img/thumb.jpg?overlay=$v", "GET /img/chelsea.png?overlay=$v",
 "GET /png/thumb.jpg?overlay=$v", "GET /png/chelsea.png?overlay=$v"]
--- response_headers eval
["X-Overlay: applied:", "X-Overlay: none:not_image",
 "X-Overlay: none:not_image", "X-Overlay: applied:"]



=== TEST 6: a PNG served as image/jpeg is decoded as a PNG
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg png; }
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
Content-Type: image/jpeg
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png")
--- response_body
png 451x300
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 7: garbage served as image/png fails open, with its reason
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/png txt; }
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Overlay: passed:not_image
Content-Type: image/png
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("SOURCES.txt")
--- error_log
overlay: not_image: the body is not JPEG, PNG, WebP or GIF, passing the original through



=== TEST 8: no value: no log line, whatever the type
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request
GET /img/SOURCES.txt
--- response_headers
X-Overlay: none:
--- no_error_log
overlay:
