# The module among nginx's filters (README, "Filter order"): SSI and
# addition include overlaid images; addition and gzip after an overlaid
# or a failed-open image; gunzip after a compressed one; the header
# filters' order; the range filter on an overlay sent while the copy
# filter reads a file in chunks, in threads.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: add_after_body and add_before_body fetch an overlaid image
--- config
    location = /page {
        default_type text/html;
        add_before_body /on/thumb.jpg;
        add_after_body /on/thumb.jpg;
        return 200 "|";
    }
    location /on/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay eyJvdmVybGF5IjogIkxhc3QgQ2hhbmNlISJ9;
        overlay_subrequests on;
    }
--- request
GET /page
--- response_body_filters eval
sub {
    my $n = (length($_[0]) - 1) / 2;
    my ($one, $two) = (substr($_[0], 0, $n), substr($_[0], $n + 1));
    my $orig = OverlayTest::fixture("thumb.jpg");
    "before: " . OverlayTest::describe_image($one, $orig)
    . "after: " . ($two eq $one ? "the same" : "other") . "\n";
}
--- response_body
before: jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
after: the same



=== TEST 2: add_after_body after an overlaid image, and a failed-open one
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        addition_types image/jpeg;
        add_after_body /tail;
    }
    location = /tail {
        return 200 "<tail>";
    }
--- request eval
["GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
 "GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')]
--- response_body_filters eval
sub {
    my ($img, $tail) = $_[0] =~ /\A(.*)(<tail>)\z/s or return "no tail\n";
    $img eq OverlayTest::fixture("corrupt.jpg") ? "the original, <tail>\n"
    : OverlayTest::describe_image($img, OverlayTest::fixture("thumb.jpg"))
      . "<tail>\n";
}
--- response_body eval
["jpeg 320x180\ntop-left: unchanged\ntop-right: badge\n"
 . "bottom-left: unchanged\nbottom-right: unchanged\n<tail>\n",
 "the original, <tail>\n"]
--- no_error_log
[alert]



=== TEST 3: gzip after the module: the image drawn and not compressed
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        gzip on;
        gzip_min_length 0;
        gzip_types text/plain;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
["GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
 "GET /img/SOURCES.txt?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')]
--- more_headers
Accept-Encoding: gzip
--- response_headers eval
["X-Overlay: applied:\n!Content-Encoding",
 "X-Overlay: none:not_image\nContent-Encoding: gzip"]



=== TEST 4: gunzip after the module: a compressed image is left alone
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        gzip on;
        gzip_http_version 1.0;
        gzip_min_length 0;
        gzip_types image/jpeg;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_set_header Accept-Encoding gzip;
        gunzip on;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Overlay: none:not_image
!Content-Encoding
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("thumb.jpg")
--- error_log
overlay: not_image: the body has a Content-Encoding "gzip", left untouched



=== TEST 5: an SSI include of an overlaid image, range and HEAD around it
--- config
    location = /page.html {
        default_type text/html;
        ssi on;
        return 200 '<!--# include virtual="/on/thumb.jpg" -->';
    }
    location /on/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay eyJvdmVybGF5IjogIkxhc3QgQ2hhbmNlISJ9;
        overlay_subrequests on;
    }
--- request
GET /page.html
--- more_headers
Range: bytes=0-9
--- error_code: 200
--- response_body_filters eval
sub { OverlayTest::describe_image($_[0], OverlayTest::fixture("thumb.jpg")) }
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 6: where the header filters run: the ETag before not_modified
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- more_headers
If-None-Match: "another"
--- log_level: debug
--- response_body_filters eval
sub {
    # nginx --with-debug only: the debug lines in the order they came
    my $log = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '/logs/error.log';
    open my $fh, '<', $log or return "no log\n";
    my @seen;
    while (<$fh>) {
        push @seen, 'the ETag filter' if /overlay: to be drawn on, ETag/;
        push @seen, "not_modified, with the overlay's ETag"
            if /http im:""another"" etag:W\/"[^"]+-ov[0-9a-f]{16}"/;
        push @seen, 'the header held' if /overlay: the header held/;
    }
    `$ENV{TEST_NGINX_BINARY} -V 2>&1` =~ /--with-debug/
        ? join(', ', @seen) . "\n"
        : "the ETag filter, not_modified, with the overlay's ETag, "
          . "the header held\n";
}
--- response_body
the ETag filter, not_modified, with the overlay's ETag, the header held



=== TEST 7: the copy filter reading in small chunks, in threads (aio)
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        aio threads;
        output_buffers 2 4k;
        overlay $arg_overlay;
    }
--- request eval
my $v = OverlayTest::b64url('{"overlay":"Last Chance!"}');
["GET /img/rocket.jpg?overlay=$v", "GET /img/rocket.jpg?overlay=$v",
 "GET /img/corrupt.jpg?overlay=$v"]
--- more_headers eval
["", "Range: bytes=10-19,70000-70009", "Range: bytes=0-9"]
--- error_code eval
[200, 206, 200]
--- response_body_filters eval
sub {
    my $full = OverlayTest::cli_render("rocket.jpg",
                                       '{"overlay":"Last Chance!"}');
    my ($a, $b) = (substr($full, 10, 10), substr($full, 70000, 10));
    $_[0] eq OverlayTest::fixture("corrupt.jpg") ? "the original\n"
    : $_[0] eq $full ? "the overlay\n"
    : $_[0] =~ /\r\n\r\n\Q$a\E\r\n.*\r\n\r\n\Q$b\E\r\n/s
      ? "two ranges of the overlay\n"
    : "other\n";
}
--- response_body eval
["the overlay\n", "two ranges of the overlay\n", "the original\n"]
--- no_error_log
[alert]
