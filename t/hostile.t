# Hostile bodies: pixel floods, bombs, truncations, garbage, other formats
# and giant or bogus metadata.  Each is answered within a second, with the
# original bytes and a reason, or drawn on when it is a valid image; no
# crash, no alert.  The files are made into a temporary directory by
# OverlayTest::hostile_files.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;
use File::Temp qw(tempdir);

# t/memory.t sends them too, many times, and times the bombs
my $dir = tempdir(CLEANUP => 1);
$ENV{TEST_NGINX_OVERLAY_HOSTILE} = $dir;

OverlayTest::hostile_files($dir);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a JPEG claiming 65000x65000: refused from its header
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/jpeg-flood.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- error_code: 200
--- error_log
overlay: too_large: jpeg of 65000x65000 pixels, more than 50000000
--- no_error_log
[alert]



=== TEST 2: a PNG deflate bomb of 20000x20000: refused from its IHDR
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/png-bomb.png?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- error_log
overlay: too_large: png of 20000x20000 pixels
--- no_error_log
[alert]



=== TEST 3: a GIF of 65535x65535
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/gif-flood.gif?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- error_log
overlay: too_large: gif of 65535x65535 pixels
--- no_error_log
[alert]



=== TEST 4: overlay_max_pixels
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_max_pixels 200k;
    }
--- request
GET /img/rocket.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: too_large: jpeg of 640x427 pixels, more than 200000



=== TEST 5: overlay_max_side
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_max_side 600;
    }
--- request
GET /img/rocket.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: too_large: jpeg of 640x427 pixels, a side over 600



=== TEST 6: the photo cut at six places: the original bytes, each time
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request eval
[map { "GET /h/cut-$_.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0" }
     10, 200, 700, 5000, 50000, 100000]
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
[map { "$_\n" } 10, 200, 700, 5000, 50000, 100000]
--- no_error_log
[alert]
[crit]



=== TEST 7: cut in its scan
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/cut-50000.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- error_log
overlay: bad_image: jpeg: Premature end of JPEG file



=== TEST 8: cut before its frame header
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/cut-10.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- error_log
overlay: bad_image: JPEG without a frame header in its 10 bytes



=== TEST 9: garbage, an empty body, SVG, TIFF: not images, untouched
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request eval
[map { "GET /h/$_?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0" }
     qw(garbage.jpg empty.jpg image.svg image.tif)]
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
["5000\n", "0\n", "53\n", "204\n"]
--- error_log
overlay: not_image: the body is not JPEG, PNG, WebP or GIF
--- no_error_log
[alert]



=== TEST 10: a PNG served as image/jpeg: the bytes decide, PNG comes out
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/jpeg png; }
        overlay $arg_overlay;
    }
--- request
GET /img/chelsea.png?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
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



=== TEST 11: 6 MB of ICC segments (and the photo's own): drawn, kept
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/big-icc.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(2)
--- response_body_filters eval
sub { my $n = () = OverlayTest::jpeg_markers($_[0]) =~ /^APP2 ICC_PROFILE/mg;
      "$n ICC segments, " . (length($_[0]) > 6_000_000 ? "big" : "small")
      . "\n" }
--- response_body
101 ICC segments, big
--- no_error_log
[warn]



=== TEST 12: EXIF with a bogus offset is ignored: drawn, upright
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/bogus-exif.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- response_body_filters eval
sub { OverlayTest::describe_image($_[0], OverlayTest::fixture("rocket.jpg")) }
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 13: a polyglot JPEG+ZIP: drawn on as the JPEG it is
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/polyglot.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- response_body_filters eval
sub { ($_[0] =~ /PK\x03\x04/ ? "zip kept\n" : "zip dropped\n")
      . OverlayTest::describe_image($_[0], OverlayTest::fixture("rocket.jpg")) }
--- response_body
zip dropped
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 14: a progressive JPEG of 704 scans: refused at the 257th
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/scan-bomb.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { $_[0] eq OverlayTest::scan_bomb() ? "the original\n" : "changed\n" }
--- response_body
the original
--- error_log
overlay: bad_image: jpeg: more than 256 scans, passing the original through
--- no_error_log
[alert]
