# overlay_png_reduce: off (the default), a grey PNG under a colour badge
# becomes RGB and a 16-bit PNG stays 16-bit; on, grey stays grey (the badge
# in its luminance) and 16 bits become 8, the pixels outside the badge the
# source's high bytes; 8-bit colour PNGs are the same either way.  The
# output's IHDR (bit depth, colour type) through a real nginx, the pixels
# by libgd (GD), which reads 16-bit samples by their high bytes.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

OverlayTest::image_types();

no_shuffle();
run_tests();


# "8-bit, colour type 0" from a PNG's IHDR
sub ihdr {
    my ($d) = @_;
    my ($depth, $type) = unpack 'CC', substr($d, 24, 2);
    return "$depth-bit, colour type $type\n";
}


# every pixel of the grey image in $d within 1 of the luminance (ITU-R
# 601-2, 299/587/114) of the same pixel in the colour image $rgb; and how
# many of them are not grey in $rgb (the badge)
sub luminance {
    my ($d, $rgb) = @_;
    my $g = OverlayTest::decode($d);
    my $c = OverlayTest::decode($rgb);
    my ($w, $h) = $g->getBounds;
    my ($worst, $colour) = (0, 0);

    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            my @p = $g->rgb($g->getPixel($x, $y));
            my @q = $c->rgb($c->getPixel($x, $y));
            my $l = int((299 * $q[0] + 587 * $q[1] + 114 * $q[2] + 500)
                        / 1000);
            my $e = abs($p[0] - $l);
            $e = 1000 if $p[0] != $p[1] || $p[1] != $p[2];
            $worst = $e if $e > $worst;
            $colour++ if $q[0] != $q[1] || $q[1] != $q[2];
        }
    }

    return ($worst <= 1 ? "grey: the colour render's luminance\n"
                        : "grey: off by $worst\n")
           . ($colour > 500 ? "the colour render has the red badge\n"
                            : "the colour render: $colour colour pixels\n");
}

__DATA__

=== TEST 1: on: a grey PNG under the red badge stays 8-bit grey, its gAMA kept, exact elsewhere, the badge in its luminance
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_png_reduce on;
    }
--- request eval
"GET /img/gray.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($d) = @_;
      main::ihdr($d)
      . CORE::join('', grep { /^(?:iCCP|sRGB|gAMA|cHRM)/ }
                   split /^/, OverlayTest::png_chunks($d))
      . OverlayTest::describe_image($d, OverlayTest::fixture("gray.png"))
      . main::luminance($d, OverlayTest::cli_render(
                                "gray.png", '{"overlay":"Last Chance!"}')) }
--- response_body_like eval
my $re = '\A8-bit, colour type 0\ngAMA 4\npng 240x135\ntop-left: unchanged\n'
         . 'top-right: changed \(mean difference [0-9.]+\)\n'
         . 'bottom-left: unchanged\nbottom-right: unchanged\n'
         . "grey: the colour render's luminance\n"
         . 'the colour render has the red badge\n\z';
qr/$re/
--- no_error_log
[warn]



=== TEST 2: off, said so: the same grey PNG becomes RGB
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_png_reduce off;
    }
--- request eval
"GET /img/gray.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { main::ihdr($_[0]) }
--- response_body
8-bit, colour type 2



=== TEST 3: on: a 16-bit PNG becomes 8-bit RGB, the pixels outside the badge the source's high bytes, as the CLI's --png-reduce makes it
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_png_reduce on;
    }
--- request eval
"GET /img/deep16.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my ($d) = @_;
      my $cli = OverlayTest::cli_render("deep16.png",
                                        '{"overlay":"Last Chance!"}',
                                        '--png-reduce');
      main::ihdr($d)
      . OverlayTest::describe_image($d, OverlayTest::fixture("deep16.png"))
      . ($d eq $cli ? "the CLI's, byte for byte\n" : "not the CLI's\n") }
--- response_body
8-bit, colour type 2
png 240x135
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
the CLI's, byte for byte



=== TEST 4: the default (off): a 16-bit PNG stays 16-bit
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/deep16.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { main::ihdr($_[0]) }
--- response_body
16-bit, colour type 2



=== TEST 5: on in http{}, inherited by the location
--- http_config
    overlay_png_reduce on;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/deep16.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { main::ihdr($_[0]) }
--- response_body
8-bit, colour type 2



=== TEST 6: on in server{}, off in the location: off
--- config
    overlay_png_reduce on;

    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_png_reduce off;
    }
--- request eval
"GET /img/gray.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { main::ihdr($_[0]) }
--- response_body
8-bit, colour type 2



=== TEST 7: on: an 8-bit colour PNG comes out as without it (the CLI's, which has it off)
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_png_reduce on;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub { my $cli = OverlayTest::cli_render("chelsea.png",
                                        '{"overlay":"Last Chance!"}');
      main::ihdr($_[0])
      . ($_[0] eq $cli ? "as without it\n" : "not as without it\n") }
--- response_body
8-bit, colour type 2
as without it



=== TEST 8: on or off only
--- config
    location /img/ {
        overlay $arg_overlay;
        overlay_png_reduce 8bit;
    }
--- must_die
--- error_log
invalid value "8bit" in "overlay_png_reduce" directive, it must be "on" or "off"
