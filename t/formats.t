# Every web format: the output format is the input's, the overlay drawn,
# the rest of the image kept (exactly where the format is lossless), alpha
# and colour chunks kept; what cannot be drawn faithfully passes through.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: lossy WebP
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        types { image/webp webp; }
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
Content-Type: image/webp
--- response_body_filters eval
OverlayTest::pixels_against("thumb.webp")
--- response_body
webp 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]



=== TEST 2: lossless WebP with alpha stays lossless, exact elsewhere
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/alpha-lossless.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { ($_[0] =~ /\A.{12}(?:VP8L|VP8X.*VP8L)/s ? "lossless\n" : "lossy\n")
      . OverlayTest::describe_image($_[0],
                                    OverlayTest::fixture("alpha-lossless.webp")) }
--- response_body
lossless
webp 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 3: a static GIF; its full palette kept but for a few entries given up to the badge, the pixels outside within 55 dB
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.gif?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my $im = GD::Image->newFromGifData($_[0]);
      my $o = GD::Image->newFromGifData(OverlayTest::fixture("thumb.gif"));
      my ($w, $h) = $o->getBounds;
      my ($changed, $sse) = (0, 0);
      for my $i (0 .. $o->colorsTotal - 1) {
          $changed++ if join(',', $im->rgb($i)) ne join(',', $o->rgb($i)) }
      # the image's PSNR, the badge's quarter not counted: as the module
      # measures what giving up entries costs

      my $n = 3 * $w * $h;
      for my $x (0 .. $w - 1) { for my $y (0 .. $h - 1) {
          next if $x >= $w / 2 && $y < $h / 2;
          my @p = $im->rgb($im->getPixel($x, $y));
          my @q = $o->rgb($o->getPixel($x, $y));
          $sse += ($p[$_] - $q[$_]) ** 2 for 0 .. 2 } }
      my $psnr = $sse ? 10 * log(255 * 255 * $n / $sse) / log(10) : 99;
      ($im->colorsTotal >= $o->colorsTotal && $changed > 0 && $changed <= 32
       ? "the palette kept but for a few entries\n"
       : "entries: " . $im->colorsTotal . ", $changed changed\n")
      . ($im->transparent == $o->transparent ? "its transparent entry kept\n"
                                             : "transparency moved\n")
      . ($psnr >= 55 ? "outside within 55 dB\n"
                     : sprintf("outside at %.2f dB\n", $psnr))
      . OverlayTest::describe_image($_[0], OverlayTest::fixture("thumb.gif")) }
--- response_body
the palette kept but for a few entries
its transparent entry kept
outside within 55 dB
gif 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 4: an animated GIF is passed through, never a frozen frame
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/animated.gif?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Overlay: passed:unsupported
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("animated.gif")
--- error_log
overlay: unsupported: animated GIF, passing the original through



=== TEST 5: a full palette PNG with transparency stays a palette PNG, its PLTE and tRNS kept
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/palette.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($d) = @_;
      my $src = OverlayTest::fixture("palette.png");
      my $im = GD::Image->newFromPngData($d);
      my $orig = GD::Image->newFromPngData($src);
      my ($t, $o) = (0, 0);
      for my $x (0 .. 319) { for my $y (90 .. 179) {
          $t++ if $im->transparent == $im->getPixel($x, $y);
          $o++ if $orig->transparent == $orig->getPixel($x, $y) } }
      my ($plte) = $d =~ /PLTE(.{765})/s;
      my ($trns) = $d =~ /tRNS(.)/s;
      my ($oplte) = $src =~ /PLTE(.{765})/s;
      my ($otrns) = $src =~ /tRNS(.)/s;
      OverlayTest::png_chunks($d)
      . ($plte eq $oplte && $trns eq $otrns
         ? "the source's 255 colours first, its tRNS\n"
         : "the source's palette changed\n")
      . ($t > 0 && $t == $o ? "alpha kept\n" : "alpha lost: $t of $o\n")
      . OverlayTest::describe_image($d, $src) }
--- response_body
IHDR colour type 3
pHYs 9
PLTE 768
tRNS 1
the source's 255 colours first, its tRNS
alpha kept
png 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 6: the PNG's colour chunks (here iCCP) are kept, libpng silent
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { CORE::join '', grep { /^(?:IHDR|iCCP|sRGB|gAMA|cHRM)/ }
               split /^/, OverlayTest::png_chunks($_[0]) }
--- response_body
IHDR colour type 2
iCCP 2625
--- no_error_log
libpng
[warn]



=== TEST 7: overlay_webp_quality sets a lossy WebP's quality
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_webp_quality 10;
    }
--- request eval
"GET /img/thumb.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { length($_[0]) < length(OverlayTest::fixture("thumb.webp")) * 0.6
      ? "smaller\n" : "not smaller: " . length($_[0]) . "\n" }
--- response_body
smaller



=== TEST 8: a grey PNG under a grey badge stays 8-bit grey, exact elsewhere
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/gray.png?overlay=" . OverlayTest::b64url('{"layers":[{"text":"Last Chance!","background":"#404040d9"}]}')
--- response_body_filters eval
sub { my ($d) = @_;
      my ($depth, $type) = unpack 'CC', substr($d, 24, 2);
      "$depth-bit, colour type $type\n"
      . CORE::join('', grep { /^(?:iCCP|sRGB|gAMA|cHRM)/ }
                   split /^/, OverlayTest::png_chunks($d))
      . OverlayTest::describe_image($d, OverlayTest::fixture("gray.png")) }
--- response_body_like eval
my $re = '\A8-bit, colour type 0\ngAMA 4\npng 240x135\ntop-left: unchanged\n'
         . 'top-right: changed \(mean difference [0-9.]+\)\n'
         . 'bottom-left: unchanged\nbottom-right: unchanged\n\z';
qr/$re/



=== TEST 9: a grey PNG under a colour badge becomes RGB, its gAMA kept
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/gray.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($d) = @_;
      my ($depth, $type) = unpack 'CC', substr($d, 24, 2);
      "$depth-bit, colour type $type\n"
      . CORE::join('', grep { /^(?:iCCP|sRGB|gAMA|cHRM)/ }
                   split /^/, OverlayTest::png_chunks($d)) }
--- response_body
8-bit, colour type 2
gAMA 4



=== TEST 10: a 16-bit PNG stays 16-bit
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/deep16.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($d) = @_;
      my ($depth, $type) = unpack 'CC', substr($d, 24, 2);
      "$depth-bit, colour type $type\n"
      . OverlayTest::describe_image($d, OverlayTest::fixture("deep16.png")) }
--- response_body
16-bit, colour type 2
png 240x135
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 11: a palette PNG with room stays a palette PNG, its PLTE extended
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/palette16.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($d) = @_;
      my $src = OverlayTest::fixture("palette16.png");
      my ($depth, $type) = unpack 'CC', substr($d, 24, 2);
      my ($plte) = $d =~ /PLTE(.*)/s;
      my ($orig) = $src =~ /PLTE(.{48})/s;
      "$depth-bit, colour type $type\n"
      . (substr($plte, 0, 48) eq $orig ? "the source's 16 colours first\n"
                                       : "the source's colours changed\n")
      . CORE::join('', grep { /^(?:iCCP|sRGB|gAMA|cHRM)/ }
                   split /^/, OverlayTest::png_chunks($d))
      . OverlayTest::describe_image($d, $src) }
--- response_body
8-bit, colour type 3
the source's 16 colours first
iCCP 2609
png 320x213
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 12: overlay_webp_method: method 0 (fastest) makes a larger lossy WebP than 6 (encoded at a quality, not spliced)
--- config
    overlay_webp_quality 85;
    location /m0/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_webp_method 0;
    }
    location /m6/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_webp_method 6;
    }
--- request eval
"GET /m0/thumb.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($s, $h, $m6) = OverlayTest::http('GET', '/m6/thumb.webp?overlay='
          . OverlayTest::b64url('{"overlay":"Last Chance!"}'));
      ($s == 200 && length($_[0]) > length($m6) * 1.1
       ? "method 0 larger\n"
       : "method 0: " . length($_[0]) . ", 6: " . length($m6) . "\n")
      . OverlayTest::describe_image($_[0], OverlayTest::fixture("thumb.webp")) }
--- response_body
method 0 larger
webp 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 13: overlay_webp_method's second value is lossless WebP's: 4 smaller than 0, still lossless
--- config
    location /ll0/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
    location /ll4/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_webp_method 4 4;
    }
--- request eval
"GET /ll4/alpha-lossless.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($s, $h, $m0) = OverlayTest::http('GET', '/ll0/alpha-lossless.webp?overlay='
          . OverlayTest::b64url('{"overlay":"Last Chance!"}'));
      ($_[0] =~ /\A.{12}(?:VP8L|VP8X.*VP8L)/s ? "lossless\n" : "lossy\n")
      . ($s == 200 && length($_[0]) < length($m0)
         ? "method 4 smaller\n"
         : "method 4: " . length($_[0]) . ", 0: " . length($m0) . "\n") }
--- response_body
lossless
method 4 smaller



=== TEST 14: overlay_webp_method takes 0 to 6 only
--- config
    location /img/ {
        overlay $arg_overlay;
        overlay_webp_method 4 7;
    }
--- must_die
--- error_log
"overlay_webp_method" takes methods from 0 to 6, not "7"
