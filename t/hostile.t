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
our $dir = tempdir(CLEANUP => 1);
$ENV{TEST_NGINX_OVERLAY_HOSTILE} = $dir;

OverlayTest::hostile_files($dir);

# more, for this file only

sub put {
    my ($name, $data) = @_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
    print $fh $data;
    close $fh;
    chmod 0644, "$dir/$name";
}

my $rocket = OverlayTest::fixture('rocket.jpg');

# PNG chunks after IHDR: 6 MB of ICC profile (never inflated, copied);
# a text chunk whose CRC is wrong (corruption: libpng's warning refuses it)
our $palette = OverlayTest::fixture('palette.png');
{
    my $chunk = sub { my ($t, $d, $bad) = @_;
        pack('N', length $d) . $t . $d
        . pack('N', Compress::Zlib::crc32($t . $d) ^ ($bad ? 1 : 0)) };
    put('big-icc.png', substr($palette, 0, 33)
        . $chunk->('iCCP', "ICC\0\0" . ("\x5a" x 6_000_000))
        . substr($palette, 33));
    put('text-crc.png', substr($palette, 0, 33)
        . $chunk->('tEXt', "Comment\0hello", 1) . substr($palette, 33));

    # headers that disagree: IHDR twice; an animated PNG (acTL)
    put('ihdr-twice.png', substr($palette, 0, 33)
        . $chunk->('IHDR', substr($palette, 16, 13)) . substr($palette, 33));
    put('apng.png', substr($palette, 0, 33)
        . $chunk->('acTL', pack('NN', 2, 0)) . substr($palette, 33));
}

# a JPEG with its frame header twice
{
    my $pos = 2;
    $pos += 2 + unpack('n', substr($rocket, $pos + 2, 2))
        while substr($rocket, $pos + 1, 1) !~ /[\xc0\xc2]/;
    my $sof = substr($rocket, $pos, 2 + unpack('n', substr($rocket, $pos + 2, 2)));
    put('two-sof.jpg', substr($rocket, 0, $pos) . $sof . substr($rocket, $pos));
}

# a WebP whose VP8X canvas (100x100) is not its frame's size (320x180)
{
    my $webp = OverlayTest::fixture('thumb.webp');
    my $vp8x = 'VP8X' . pack('V', 10) . "\0\0\0\0" . "\x63\0\0\x63\0\0";
    put('canvas.webp', 'RIFF' . pack('V', length($webp) - 8 + 18) . 'WEBP'
        . $vp8x . substr($webp, 12));
}

# a GIF whose frame reaches out of its screen; one of 100000 frames
{
    my $gif = sub { my ($frames, $sw, $sh, $x, $y, $w, $h) = @_;
        "GIF89a" . pack('vvCCC', $sw, $sh, 0x80, 0, 0) . "\0\0\0\xff\xff\xff"
        . (("\x2c" . pack('vvvvC', $x, $y, $w, $h, 0) . "\x02\x02\x44\x01\x00")
           x $frames) . "\x3b" };
    put('gif-outside.gif', $gif->(1, 10, 10, 5, 5, 10, 10));
    put('gif-100k.gif', $gif->(100_000, 1, 1, 0, 0, 1, 1));
}

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

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



=== TEST 9: garbage, an empty body, SVG, TIFF: not images by their bytes
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
        overlay_types *;
    }
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
(rocket.jpg has optimized Huffman tables: spliced, the bytes after EOI
kept as they came, as for any spliced JPEG)
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/polyglot.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- response_body_filters eval
sub { ($_[0] =~ /PK\x03\x04/ ? "zip kept\n" : "zip dropped\n")
      . OverlayTest::describe_image($_[0], OverlayTest::fixture("rocket.jpg")) }
--- response_body
zip kept
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 14: a PNG with 6 MB of ICC profile: drawn, the profile kept
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/big-icc.png?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(2)
--- response_body_filters eval
sub { (OverlayTest::png_chunks($_[0]) =~ /^iCCP 6000005$/m
       ? "profile kept\n" : "profile lost\n")
      . OverlayTest::describe_image($_[0],
                                    OverlayTest::fixture("palette.png")) }
--- response_body
profile kept
png 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
libpng



=== TEST 15: a PNG text chunk with a bad CRC: the original, libpng's reason
--- config
    location /h/ { alias $TEST_NGINX_OVERLAY_HOSTILE/; overlay $arg_overlay; }
--- request
GET /h/text-crc.png?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(length($::palette) + 25) . "\n"
--- error_log
overlay: bad_image: png: tEXt: CRC error, passing the original through
--- no_error_log
libpng
[alert]



=== TEST 16: a JPEG with two frame headers: the original bytes, and why
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
    }
--- request
GET /h/two-sof.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(-s "$::dir/two-sof.jpg") . "\n"
--- error_log eval
qr/overlay: bad_image: headers disagree: a second JPEG frame header \(SOF[02]\) at \d+, the first at \d+, passing/
--- no_error_log
[alert]
[crit]



=== TEST 17: a PNG with two IHDR: the original bytes, and why
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
    }
--- request
GET /h/ihdr-twice.png?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(-s "$::dir/ihdr-twice.png") . "\n"
--- error_log
overlay: bad_image: headers disagree: a second PNG IHDR at 33, passing
--- no_error_log
[alert]
[crit]



=== TEST 18: a WebP canvas of 100x100 over a frame of 320x180: the original bytes, and why
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
    }
--- request
GET /h/canvas.webp?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(-s "$::dir/canvas.webp") . "\n"
--- error_log
overlay: bad_image: headers disagree: a WebP canvas of 100x100, a VP8 frame of 320x180, passing
--- no_error_log
[alert]
[crit]



=== TEST 19: a GIF frame reaching out of its screen: the original bytes, and why
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
    }
--- request
GET /h/gif-outside.gif?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(-s "$::dir/gif-outside.gif") . "\n"
--- error_log
overlay: bad_image: headers disagree: a GIF frame of 10x10 at 5,5, a screen of 10x10, passing
--- no_error_log
[alert]
[crit]



=== TEST 20: a GIF of 100000 frames: counted to the second: the original bytes, and why
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
    }
--- request
GET /h/gif-100k.gif?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(-s "$::dir/gif-100k.gif") . "\n"
--- error_log
overlay: unsupported: animated GIF, passing the original through
--- no_error_log
[alert]
[crit]



=== TEST 21: an animated PNG (acTL): the original bytes, and why
--- config
    location /h/ {
        alias $TEST_NGINX_OVERLAY_HOSTILE/;
        overlay $arg_overlay;
    }
--- request
GET /h/apng.png?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0
--- timeout eval
OverlayTest::timeout(1)
--- response_body_filters eval
sub { length($_[0]) . "\n" }
--- response_body eval
(-s "$::dir/apng.png") . "\n"
--- error_log
overlay: unsupported: animated PNG, passing the original through
--- no_error_log
[alert]
[crit]



=== TEST 22: a progressive JPEG of 704 scans: refused at the 257th
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
