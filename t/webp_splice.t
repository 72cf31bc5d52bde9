# The splice of a lossy WebP (overlay_webp_quality source, the default):
# $overlay_method webp_splice, the body nginx sends byte for byte what the
# CLI renders from the same core; overlay_webp_quality 85 encodes with
# libwebp instead, set in server{} and overridden in a location; the
# chunks of a VP8X file (ICCP, EXIF) kept byte for byte and in order
# (walked here in Perl); the thread pool gives the same bytes; the badge
# where it is drawn, the rest as it was.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

OverlayTest::image_types();

our $json = '{"overlay":"Last Chance!"}';
our $v = OverlayTest::b64url($json);

# the badge at three places
our @at = map {
    OverlayTest::b64url(sprintf '{"layers":[{"text":"Last Chance!",'
                                . '"position":"%s"}]}', $_)
} qw(top-right top-left bottom-right);

# the chunks of a RIFF WebP, one a line: the type, the size, and whether
# the payload is the same as the fixture's chunk of that type; then the
# RIFF's size against the file's
sub chunks {
    my ($data, $orig) = @_;
    my %src;

    for my $d ($orig, $data) {
        my ($out, $pos, $end) = ('', 12, 8 + unpack('V', substr($d, 4, 4)));

        while ($pos + 8 <= $end) {
            my ($type, $n) = unpack 'a4V', substr($d, $pos, 8);
            my $body = substr($d, $pos + 8, $n);
            my $pad = $n & 1 ? substr($d, $pos + 8 + $n, 1) : '';

            if ($d eq $orig) {
                $src{$type} = $body;
            } else {
                $out .= $type eq 'VP8 '
                    ? "VP8 \n"
                    : "$type " . ($n == length($src{$type} // '')
                                  && $body eq $src{$type}
                                  ? 'same' : 'differs') . "\n";
                $out .= "$type: padding not zero\n"
                    if $pad ne '' && $pad ne "\0";
            }

            $pos += 8 + $n + ($n & 1);
        }

        return $out . ($end == length $d ? "RIFF size right\n"
                                         : "RIFF $end, file " . length($d)
                                           . "\n")
            if $d eq $data;
    }
}

# the body against the CLI's renders of fixtures, each [name, options]:
# the one whose bytes it has, or its size
sub same_as_cli {
    my @renders = map {
        my ($name, @opts) = @$_;
        [ "@$_", OverlayTest::cli_render($name, $main::json, @opts) ]
    } @_;

    return sub {
        for my $r (@renders) {
            return "the CLI's bytes of $r->[0]\n" if $_[0] eq $r->[1];
        }
        return "none of the CLI's bytes: " . length($_[0]) . " bytes\n";
    };
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a lossy WebP spliced by default: the CLI's bytes
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
--- request eval
[ "GET /img/thumb.webp?overlay=$main::v",
  "GET /img/splice-icc-exif.webp?overlay=$main::v" ]
--- error_code eval
[ 200, 200 ]
--- response_headers eval
[ "Content-Type: image/webp\nX-Method: applied:webp_splice",
  "Content-Type: image/webp\nX-Method: applied:webp_splice" ]
--- response_body_filters eval
main::same_as_cli(["thumb.webp"], ["splice-icc-exif.webp"])
--- response_body eval
[ "the CLI's bytes of thumb.webp\n",
  "the CLI's bytes of splice-icc-exif.webp\n" ]
--- no_error_log
[warn]



=== TEST 2: overlay_webp_quality 85: libwebp encodes, the CLI's bytes
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_webp_quality 85;
        add_header X-Method "$overlay_status:$overlay_method";
    }
--- request eval
"GET /img/thumb.webp?overlay=$main::v"
--- response_headers
Content-Type: image/webp
X-Method: applied:webp
--- response_body_filters eval
main::same_as_cli(["thumb.webp", "--webp-quality", 85], ["thumb.webp"])
--- response_body
the CLI's bytes of thumb.webp --webp-quality 85
--- no_error_log
[warn]



=== TEST 3: set in server{}, inherited, overridden by source in a location
--- config
    overlay_webp_quality 85;

    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
    location /src/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_webp_quality source;
        add_header X-Method "$overlay_status:$overlay_method";
    }
--- request eval
[ "GET /img/thumb.webp?overlay=$main::v",
  "GET /src/thumb.webp?overlay=$main::v" ]
--- response_headers eval
[ "X-Method: applied:webp", "X-Method: applied:webp_splice" ]
--- response_body_filters eval
main::same_as_cli(["thumb.webp", "--webp-quality", 85], ["thumb.webp"])
--- response_body eval
[ "the CLI's bytes of thumb.webp --webp-quality 85\n",
  "the CLI's bytes of thumb.webp\n" ]



=== TEST 4: VP8X, ICCP and EXIF kept byte for byte, in order
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
--- request eval
"GET /img/splice-icc-exif.webp?overlay=$main::v"
--- response_headers
X-Method: applied:webp_splice
--- response_body_filters eval
sub { main::chunks($_[0], OverlayTest::fixture("splice-icc-exif.webp")) }
--- response_body
VP8X same
ICCP same
VP8 
EXIF same
RIFF size right



=== TEST 5: in the thread pool, the same bytes
--- main_config
    thread_pool overlay threads=2;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
--- request eval
[ "GET /img/thumb.webp?overlay=$main::v",
  "GET /img/splice-icc-exif.webp?overlay=$main::v" ]
--- response_headers eval
[ "X-Method: applied:webp_splice", "X-Method: applied:webp_splice" ]
--- response_body_filters eval
main::same_as_cli(["thumb.webp"], ["splice-icc-exif.webp"])
--- response_body eval
[ "the CLI's bytes of thumb.webp\n",
  "the CLI's bytes of splice-icc-exif.webp\n" ]
--- no_error_log
[warn]



=== TEST 6: the badge where it is drawn, the rest as it was
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
--- request eval
[ map { "GET /img/thumb.webp?overlay=$_" } @main::at ]
--- response_headers eval
[ ("X-Method: applied:webp_splice") x 3 ]
--- response_body_filters eval
OverlayTest::pixels_against("thumb.webp")
--- response_body eval
[ "webp 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
",
"webp 320x180
top-left: badge
top-right: unchanged
bottom-left: unchanged
bottom-right: unchanged
",
"webp 320x180
top-left: unchanged
top-right: unchanged
bottom-left: unchanged
bottom-right: badge
" ]
