# JPEG in the DCT domain: only the blocks under the overlay change; the
# markers (EXIF, ICC, comments), progressive mode and size are kept; EXIF
# orientation is honoured; what cannot be kept faithfully passes through.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: EXIF orientation 6: top-right as the viewer sees it
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/portrait-exif6.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
# stored 600x400, shown turned right: the viewer's top-right is stored
# top-left
OverlayTest::pixels_against("portrait-exif6.jpg")
--- response_body
jpeg 600x400
top-left: badge
top-right: unchanged
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]



=== TEST 2: EXIF, ICC and comments are kept, in order
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/portrait-exif6.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
\&OverlayTest::jpeg_markers
--- response_body eval
OverlayTest::jpeg_markers(OverlayTest::fixture("portrait-exif6.jpg"))



=== TEST 3: progressive stays progressive, the rest of the image exact
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/progressive.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { OverlayTest::jpeg_markers($_[0])
      . OverlayTest::describe_image($_[0],
                                    OverlayTest::fixture("progressive.jpg")) }
--- response_body eval
OverlayTest::jpeg_markers(OverlayTest::fixture("progressive.jpg"))
. "jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
"



=== TEST 4: grayscale stays grayscale
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/gray.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("gray.jpg", [92, 92, 92])
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 5: no size drift: the same tables; only the badge's blocks cost
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my $o = length OverlayTest::fixture("rocket.jpg");
      abs(length($_[0]) - $o) < $o * 0.08 ? "size kept\n"
          : "size " . length($_[0]) . " of $o\n" }
--- response_body
size kept



=== TEST 6: CMYK cannot be kept faithfully: the original, and why
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/cmyk.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Overlay: passed:unsupported
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("cmyk.jpg")
--- error_log
overlay: unsupported: CMYK JPEG, passing the original through



=== TEST 7: a forced quality re-encodes it all, and keeps the markers
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_jpeg_quality 40;
    }
--- request eval
"GET /img/portrait-exif6.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { OverlayTest::jpeg_markers($_[0])
      . (length($_[0]) < length(OverlayTest::fixture("portrait-exif6.jpg"))
         * 0.7 ? "smaller\n" : "not smaller\n") }
--- response_body eval
OverlayTest::jpeg_markers(OverlayTest::fixture("portrait-exif6.jpg"))
. "smaller\n"



=== TEST 8: a truncated JPEG is not drawn on: the original, and why
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/truncated.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Overlay: passed:bad_image
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("truncated.jpg")
--- error_log
overlay: bad_image: jpeg: Premature end of JPEG file, passing the original through
