# HTTP semantics of an overlaid response: its ETag, conditional requests,
# ranges, and the headers that are kept.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

use POSIX ();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the ETag: the original's validator and the spec, stable, 304
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        expires 1h;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers_like
Cache-Control: max-age=3600
Last-Modified: .+ GMT
--- response_body_filters eval
sub {
    my $a = '/img/thumb.jpg?overlay='
            . OverlayTest::b64url('{"overlay":"Last Chance!"}');
    # the same spec, another encoding: a bytes literal of standard base64
    my $same = "/img/thumb.jpg?overlay=b'"
               . MIME::Base64::encode_base64('{"overlay":"Last Chance!"}', '')
               . "'";
    my $b = '/img/thumb.jpg?overlay='
            . OverlayTest::b64url('{"overlay":"Leaving soon"}');
    my (undef, $o) = OverlayTest::http('GET', '/img/thumb.jpg');
    my (undef, $h1) = OverlayTest::http('GET', $a);
    my (undef, $h2) = OverlayTest::http('GET', $a);
    my (undef, $h3) = OverlayTest::http('GET', $same);
    my (undef, $h4) = OverlayTest::http('GET', $b);
    my (undef, $hh) = OverlayTest::http('HEAD', $a);
    my ($s304, $h304, $body304)
        = OverlayTest::http('GET', $a, "If-None-Match: $h1->{etag}");
    my ($s200) = OverlayTest::http('GET', $a, "If-None-Match: $o->{etag}");
    my ($sims, $hims) = OverlayTest::http('GET', $a,
        "If-Modified-Since: $o->{'last-modified'}");
    my ($sorig) = OverlayTest::http('GET', '/img/thumb.jpg',
        "If-None-Match: $h1->{etag}");
    CORE::join '', map { "$_\n" }
        "differs from the original's: "
            . ($h1->{etag} ne $o->{etag} ? 'yes' : 'no'),
        "the same for the same spec: "
            . ($h1->{etag} eq $h2->{etag} ? 'yes' : 'no'),
        "the same however encoded: "
            . ($h1->{etag} eq $h3->{etag} ? 'yes' : 'no'),
        "another for another spec: "
            . ($h1->{etag} ne $h4->{etag} ? 'yes' : 'no'),
        "HEAD has GET's: " . ($hh->{etag} eq $h1->{etag} ? 'yes' : 'no'),
        "If-None-Match with it: $s304, ETag "
            . (($h304->{etag} // '') eq $h1->{etag} ? 'kept' : 'lost')
            . ', ' . length($body304 // '') . ' bytes',
        "If-None-Match with the original's: $s200",
        "If-Modified-Since: $sims, ETag "
            . (($hims->{etag} // '') eq $h1->{etag} ? 'overlaid' : 'other'),
        "the original with the overlaid ETag: $sorig";
}
--- response_body
differs from the original's: yes
the same for the same spec: yes
the same however encoded: yes
another for another spec: yes
HEAD has GET's: yes
If-None-Match with it: 304, ETag kept, 0 bytes
If-None-Match with the original's: 200
If-Modified-Since: 304, ETag overlaid
the original with the overlaid ETag: 200



=== TEST 2: a 304 by ETag draws nothing
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg"
--- response_body_filters eval
sub {
    # corrupt.jpg: drawing would fail and say so in the log; HEAD tells
    # the overlaid ETag without drawing
    my $u = '/img/corrupt.jpg?overlay='
            . OverlayTest::b64url('{"overlay":"Last Chance!"}');
    my $log = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '/logs/error.log';
    my $count = sub {
        open my $fh, '<', $log or return -1;
        scalar grep { /overlay: bad_image/ } <$fh>;
    };
    my (undef, $h) = OverlayTest::http('HEAD', $u);
    my $before = $count->();
    my ($s) = OverlayTest::http('GET', $u, "If-None-Match: $h->{etag}");
    my $after = $count->();
    my ($s2) = OverlayTest::http('GET', $u);
    my $drawn = $count->();
    "conditional: $s, drawn " . ($after - $before) . " times\n"
    . "unconditional: $s2, drawn " . ($drawn - $after) . " times\n";
}
--- response_body
conditional: 304, drawn 0 times
unconditional: 200, drawn 1 times



=== TEST 3: failing open keeps the original's ETag
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers_like
ETag: "[0-9a-f]+-[0-9a-f]+"
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("corrupt.jpg")



=== TEST 4: subrequests are left alone, unless overlay_subrequests is on
--- config
    location = /page.html {
        default_type text/html;
        ssi on;
        return 200 'A<!--# include virtual="/img/thumb.jpg?overlay=$arg_v" -->B<!--# include virtual="/on/thumb.jpg?overlay=$arg_v" -->C';
    }
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
    location /on/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_subrequests on;
    }
--- request eval
"GET /page.html?v=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub {
    my $orig = OverlayTest::fixture("thumb.jpg");
    my $body = $_[0];
    my $n = length $orig;
    return "not A image B image C\n"
        unless $body =~ /\AA/ && $body =~ /C\z/;
    my $one = substr($body, 1, $n);
    my $two = substr($body, $n + 2, length($body) - $n - 3);
    ($one eq $orig && substr($body, $n + 1, 1) eq 'B'
        ? "off: the original\n" : "off: changed\n")
    . "on: " . OverlayTest::describe_image($two, $orig);
}
--- response_body
off: the original
on: jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 5: a 206 from the origin, a redirect, a 503 pass untouched
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_set_header Range bytes=0-99;
        overlay $arg_overlay;
    }
    location /moved/ {
        overlay $arg_overlay;
        return 302 /img/;
    }
    location /down/ {
        overlay $arg_overlay;
        return 503;
    }
--- request eval
["GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
 "GET /moved/x.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}'),
 "GET /down/x.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')]
--- error_code eval
[206, 302, 503]
--- response_body_filters eval
sub { length($_[0]) == 100 && $_[0] eq substr(OverlayTest::fixture("rocket.jpg"), 0, 100)
      ? "the original's first 100 bytes\n" : $_[0] =~ /(302|503)/ ? "$1\n"
      : "other\n" }
--- response_body eval
["the original's first 100 bytes\n", "302\n", "503\n"]
--- no_error_log
overlay:



=== TEST 6: the original's ETag in If-None-Match: 200, the overlaid image
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- more_headers eval
my @st = stat(OverlayTest::fixture_dir() . "/thumb.jpg");
sprintf 'If-None-Match: "%x-%x"', $st[9], $st[7]
--- error_code: 200
--- response_headers_like
ETag: W/"[0-9a-f]+-[0-9a-f]+-ov[0-9a-f]{16}"
--- response_body_filters eval
OverlayTest::pixels_against("thumb.jpg")
--- response_body
jpeg 320x180
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged



=== TEST 7: If-Modified-Since as if_modified_since says, the overlay's ETag
--- config
    location /exact/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
    location /before/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        if_modified_since before;
    }
    location /off/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        if_modified_since off;
    }
--- request eval
my $v = OverlayTest::b64url('{"overlay":"Last Chance!"}');
["GET /exact/thumb.jpg?overlay=$v", "GET /exact/thumb.jpg?overlay=$v",
 "GET /before/thumb.jpg?overlay=$v", "GET /off/thumb.jpg?overlay=$v"]
--- more_headers eval
my $t = (stat(OverlayTest::fixture_dir() . "/thumb.jpg"))[9];
[map { "If-Modified-Since: "
       . POSIX::strftime("%a, %d %b %Y %H:%M:%S GMT", gmtime($t + $_)) }
     0, 1, 1, 0]
--- error_code eval
[304, 200, 304, 200]
--- response_headers_like eval
[('ETag: W/"[0-9a-f]+-[0-9a-f]+-ov[0-9a-f]{16}"') x 4]
--- response_body_filters eval
sub { $_[0] eq '' ? "empty\n" : OverlayTest::describe_image($_[0],
                                    OverlayTest::fixture("thumb.jpg")) }
--- response_body eval
my $drawn = "jpeg 320x180\ntop-left: unchanged\ntop-right: badge\n"
            . "bottom-left: unchanged\nbottom-right: unchanged\n";
["empty\n", $drawn, "empty\n", $drawn]



=== TEST 8: If-Match and If-Unmodified-Since, as nginx compares them
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/thumb.jpg
--- response_body_filters eval
sub {
    my $u = '/img/thumb.jpg?overlay='
            . OverlayTest::b64url('{"overlay":"Last Chance!"}');
    my $t = (stat(OverlayTest::fixture_dir() . "/thumb.jpg"))[9];
    my $d = sub { POSIX::strftime("%a, %d %b %Y %H:%M:%S GMT",
                                  gmtime($_[0])) };
    my (undef, $h) = OverlayTest::http('HEAD', $u);
    my (undef, $o) = OverlayTest::http('HEAD', '/img/thumb.jpg');
    my @cases = (
        ["If-Match: *", "If-Match *"],
        ["If-Match: $h->{etag}", "If-Match the overlay's"],
        ["If-Match: $o->{etag}", "If-Match the original's"],
        ["If-Unmodified-Since: " . $d->($t), "If-Unmodified-Since its date"],
        ["If-Unmodified-Since: " . $d->($t - 1),
         "If-Unmodified-Since a second before"]);
    join '', map { my ($s) = OverlayTest::http('GET', $u, $_->[0]);
                   "$_->[1]: $s\n" } @cases;
}
--- response_body
If-Match *: 200
If-Match the overlay's: 200
If-Match the original's: 412
If-Unmodified-Since its date: 200
If-Unmodified-Since a second before: 412



=== TEST 9: a range of an overlaid image: those bytes of the overlay
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- more_headers
Range: bytes=100-1099
--- error_code: 206
--- response_headers
Content-Length: 1000
--- response_headers_like
ETag: W/"[0-9a-f]+-[0-9a-f]+-ov[0-9a-f]{16}"
--- response_body_filters eval
sub {
    my ($s, $h, $full) = OverlayTest::http('GET', '/img/thumb.jpg?overlay='
        . OverlayTest::b64url('{"overlay":"Last Chance!"}'));
    my $r = $_[0];
    "the whole: $s, " . OverlayTest::format_of($full) . ", "
    . ($full ne OverlayTest::fixture("thumb.jpg") ? "drawn" : "the original")
    . "\nthe range: "
    . ($r eq substr($full, 100, 1000) ? "its bytes 100 to 1099" : "other")
    . "\n";
}
--- response_body
the whole: 200, jpeg, drawn
the range: its bytes 100 to 1099
--- no_error_log
[warn]
[error]



=== TEST 10: a suffix and an open range: Content-Range of the overlay's size
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/thumb.jpg
--- response_body_filters eval
sub {
    my $u = '/img/thumb.jpg?overlay='
            . OverlayTest::b64url('{"overlay":"Last Chance!"}');
    my (undef, undef, $full) = OverlayTest::http('GET', $u);
    my $n = length $full;
    my ($s1, $h1, $b1) = OverlayTest::http('GET', $u, 'Range: bytes=-10');
    my ($s2, $h2, $b2) = OverlayTest::http('GET', $u,
                                           'Range: bytes=' . ($n - 5) . '-');
    "$s1 " . ($h1->{'content-range'} eq "bytes " . ($n - 10) . "-"
              . ($n - 1) . "/$n" ? 'its size' : $h1->{'content-range'})
    . ' ' . ($b1 eq substr($full, -10) ? 'the last 10' : 'other') . "\n"
    . "$s2 " . ($b2 eq substr($full, -5) ? 'the last 5' : 'other') . "\n";
}
--- response_body
206 its size the last 10
206 the last 5



=== TEST 11: ranges of an overlaid image: a multipart 206 of its bytes
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- more_headers
Range: bytes=0-9,2000-2099,-16
--- error_code: 206
--- response_headers_like
Content-Type: multipart/byteranges; boundary=\d+
--- response_body_filters eval
sub {
    my (undef, undef, $full) = OverlayTest::http('GET', '/img/thumb.jpg?overlay='
        . OverlayTest::b64url('{"overlay":"Last Chance!"}'));
    my $n = length $full;
    my @parts;
    while ($_[0] =~ m{Content-Range: bytes (\d+)-(\d+)/(\d+)\r\n\r\n}g) {
        my ($a, $b, $size) = ($1, $2, $3);
        my $part = substr($_[0], pos($_[0]), $b - $a + 1);
        push @parts, "$a-$b of " . ($size == $n ? "the overlay's size" : $size)
                     . ": " . ($part eq substr($full, $a, $b - $a + 1)
                               ? "its bytes" : "other");
    }
    join '', map { "$_\n" } @parts;
}
--- response_body eval
my $n = length OverlayTest::cli_render("thumb.jpg",
                                       '{"overlay":"Last Chance!"}');
"0-9 of the overlay's size: its bytes\n"
. "2000-2099 of the overlay's size: its bytes\n"
. ($n - 16) . "-" . ($n - 1) . " of the overlay's size: its bytes\n"



=== TEST 12: If-Range: the overlay's validators, not the original's
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/thumb.jpg
--- response_body_filters eval
sub {
    my $u = '/img/thumb.jpg?overlay='
            . OverlayTest::b64url('{"overlay":"Last Chance!"}');
    my (undef, $o) = OverlayTest::http('HEAD', '/img/thumb.jpg');
    my (undef, $h, $full) = OverlayTest::http('GET', $u);
    my @cases = (
        ["If-Range: $h->{etag}", "the overlay's ETag"],
        ["If-Range: $o->{etag}", "the original's ETag"],
        ["If-Range: $h->{'last-modified'}", "the Last-Modified"]);
    join '', map {
        my ($s, undef, $b) = OverlayTest::http('GET', $u, 'Range: bytes=0-99',
                                               $_->[0]);
        "$_->[1]: $s, " . ($b eq $full ? "the whole overlay"
                           : $b eq substr($full, 0, 100) ? "its first 100"
                           : "other") . "\n"
    } @cases;
}
--- response_body
the overlay's ETag: 206, its first 100
the original's ETag: 200, the whole overlay
the Last-Modified: 206, its first 100



=== TEST 13: a range past the overlay's end: 416
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- more_headers
Range: bytes=900000-
--- error_code: 416
--- response_headers eval
"Content-Range: bytes */"
. length(OverlayTest::cli_render("thumb.jpg", '{"overlay":"Last Chance!"}'))
--- response_body_like: 416 Requested Range Not Satisfiable
--- no_error_log
[alert]
[error]



=== TEST 14: proxy_force_ranges: a proxied image's ranges, of the overlay
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_set_header Range "";
        proxy_set_header If-Range "";
        proxy_force_ranges on;
        overlay $arg_overlay;
    }
    location /plain/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_set_header Range "";
        overlay $arg_overlay;
    }
--- request
GET /img/thumb.jpg
--- response_body_filters eval
sub {
    my $v = '?overlay=' . OverlayTest::b64url('{"overlay":"Last Chance!"}');
    my (undef, undef, $full) = OverlayTest::http('GET', "/img/thumb.jpg$v");
    my ($s1, $h1, $b1) = OverlayTest::http('GET', "/img/thumb.jpg$v",
                                           'Range: bytes=10-19');
    my ($s2, $h2, $b2) = OverlayTest::http('GET', "/plain/thumb.jpg$v",
                                           'Range: bytes=10-19');
    "forced: $s1, " . ($b1 eq substr($full, 10, 10) ? "its bytes" : "other")
    . "\nnot forced: $s2, " . ($b2 eq $full ? "the whole overlay" : "other")
    . "\n";
}
--- response_body
forced: 206, its bytes
not forced: 200, the whole overlay
