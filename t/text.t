# Text in other scripts through nginx: an Arabic badge and a Hebrew ribbon
# drawn where they belong, a Devanagari badge through an overlay_font chain
# of two fonts, Thai, Japanese and Korean through a chain of four drawn as
# the CLI draws them, a colour emoji drawn in colour, and a character no
# font of its chain has refused (the original served, bad_spec, the code
# point in the log line).

use Test::Nginx::Socket q(no_plan);
use lib q(t/lib);
use OverlayTest;

OverlayTest::image_types();

# the pixels of the top third that changed into the emoji's yellows and
# oranges (the badge is red, its text white): "colour" when there are many
sub emoji_colours {
    my $orig = OverlayTest::decode(OverlayTest::fixture("chelsea.png"));
    return sub {
        my $im = OverlayTest::decode($_[0]) or return "undecodable\n";
        my ($w, $h) = $im->getBounds;
        my $n = 0;
        for my $y (0 .. int($h / 3)) {
            for my $x (0 .. $w - 1) {
                my @p = $im->rgb($im->getPixel($x, $y));
                my @q = $orig->rgb($orig->getPixel($x, $y));
                $n++ if "@p" ne "@q" && $p[0] > 200 && $p[1] > 100
                        && $p[2] < 90;
            }
        }
        return $n > 100 ? "colour\n" : "no colour ($n)\n";
    };
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an Arabic badge top-left
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\u0641\u0631\u0635\u0629!","size":0.1,"position":"top-left"}]}))
--- response_headers
X-Overlay: applied:
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
badge unchanged unchanged
unchanged unchanged unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 2: a Hebrew ribbon top-right
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\u05d4\u05d6\u05d3\u05de\u05e0\u05d5\u05ea \u05d0\u05d7\u05e8\u05d5\u05e0\u05d4!","style":"ribbon","position":"top-right"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged changed badge
unchanged unchanged changed
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 3: a character no font of the chain has: the original, bad_spec
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Last \u0915","position":"top-left"}]}))
--- error_code: 200
--- response_headers
X-Overlay: passed:bad_spec
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("chelsea.png")
--- error_log eval
qr/\[warn\] .*overlay: bad_spec: .*U\+0915 is in no font of "default"/
--- no_error_log
[error]



=== TEST 4: an overlay_font chain of two paths draws Devanagari
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_font /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
                     /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\u0905\u0902\u0924\u093f\u092e","size":0.1,"position":"top-left"}]}))
--- response_headers
X-Overlay: applied:
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
badge unchanged unchanged
unchanged unchanged unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 5: a named chain, and the same text with the default chain refused
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_font deva /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
                          /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
["GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\u0905\u0902\u0924\u093f\u092e","font":"deva","position":"top-left"}]})),
 "GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\u0905\u0902\u0924\u093f\u092e","position":"top-left"}]}))]
--- response_headers eval
["X-Overlay: applied:", "X-Overlay: passed:bad_spec"]
--- no_error_log
[error]



=== TEST 6: nginx draws a chain exactly as the CLI renders it
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_font /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
                     /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf;
    }
--- request eval
"GET /img/coffee.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last \\u0905\\u0902\\u0924\\u093f\\u092e \\u05d4\\u05d6"}')
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::digest(OverlayTest::cli_render("coffee.jpg",
    '{"overlay":"Last \\u0905\\u0902\\u0924\\u093f\\u092e \\u05d4\\u05d6"}',
    '--font', 'default=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf,'
    . '/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf'))
--- no_error_log
[warn]



=== TEST 7: an emoji through a chain with a colour font, drawn in colour
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_font /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
                     /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\ud83d\udd25 Last Chance!","size":0.1,"position":"top-left"}]}))
--- response_headers
X-Overlay: applied:
--- response_body_filters eval
main::emoji_colours()
--- response_body
colour
--- no_error_log
[warn]



=== TEST 8: the same emoji without a colour font: refused, the original
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"\ud83d\udd25 Last Chance!","size":0.1,"position":"top-left"}]}))
--- response_headers
X-Overlay: passed:bad_spec
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("chelsea.png")
--- error_log eval
qr/\[warn\] .*overlay: bad_spec: .*U\+1F525 is in no font of "default"/



=== TEST 9: Thai, Japanese and Korean through a chain of four, as the CLI draws them
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_font world
            /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
            /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf
            /usr/share/fonts/truetype/tlwg/Loma-Bold.ttf
            /usr/share/fonts/truetype/wqy/wqy-microhei.ttc;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/coffee.jpg?overlay=" . OverlayTest::b64url('{"layers":[{"text":"\u0e42\u0e2d\u0e01\u0e32\u0e2a \u6700\u5f8c\u306e\u30c1\u30e3\u30f3\u30b9 \ub9c8\uc9c0\ub9c9","font":"world"}]}')
--- response_headers
X-Overlay: applied:
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::digest(OverlayTest::cli_render("coffee.jpg",
    '{"layers":[{"text":"\u0e42\u0e2d\u0e01\u0e32\u0e2a \u6700\u5f8c\u306e\u30c1\u30e3\u30f3\u30b9 \ub9c8\uc9c0\ub9c9","font":"world"}]}',
    '--font', 'world=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf,'
    . '/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf,'
    . '/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf,'
    . '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'))
--- no_error_log
[warn]
