# The licence window through nginx: a layer drawn only from its "from" to
# its "until", countdown texts, and cache lifetimes that end when the
# picture changes: Cache-Control max-age and Expires to the next change,
# the minimum with the location's own expires, a proxy_cache in front that
# serves the overlay until its "until" and the original after it.
#
# Instants are made from the test's own clock when the blocks are read;
# the checks allow for the seconds that pass before a block runs.

use Test::Nginx::Socket q(no_plan);
use lib q(t/lib);
use OverlayTest;
use POSIX qw(strftime);

OverlayTest::image_types();

# an RFC 3339 instant $s seconds from now, in UTC
sub at { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($main::T0 + $_[0])) }

sub value { OverlayTest::b64url($_[0]) }

# "max-age=N", N from $want - 60 to $want: the seconds left when the
# block runs, some seconds after the instants were made
sub max_age_like {
    my ($want) = @_;
    my $alt = join '|', map { $want - $_ } 0 .. 60;
    return qr/^max-age=(?:$alt)$/;
}

# the HTTP date $s seconds from when the instants were made: Expires is
# the next change itself, whenever the block runs
our $T0 = time;
sub http_date {
    POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime($T0 + $_[0]));
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: proxy_cache in front keeps the overlay until its "until", then the original
--- skip_eval: 3: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    proxy_cache_path $TEST_NGINX_SERVER_ROOT/win_cache keys_zone=win:1m;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status";
    }
    location /front/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/img/;
        proxy_cache win;
        proxy_cache_valid 200 1h;
        add_header X-Cache $upstream_cache_status;
    }
--- request eval
my $v = main::value(qq({"overlay":"Last Chance!","until":") . main::at(time - $main::T0 + 6) . '"}');
["GET /front/chelsea.png?overlay=$v", "GET /front/chelsea.png?overlay=$v",
 "GET /front/chelsea.png?overlay=$v"]
--- wait: 4
--- response_headers eval
["X-Cache: MISS\nX-Overlay: applied", "X-Cache: HIT", "X-Cache: EXPIRED\nX-Overlay: expired"]
--- no_error_log
[error]



=== TEST 2: a layer whose "until" has passed: the original's bytes, "expired", no Cache-Control
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value(qq({"layers":[{"text":"Gone","until":") . main::at(-60) . '"}]}')
--- response_headers
X-Overlay: expired:
!Cache-Control
!Expires
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("chelsea.png")
--- error_log
overlay: expired: no layer is drawn now, passing the original through
--- no_error_log
[warn]



=== TEST 3: a layer not yet valid: the original, "pending", cacheable until its "from"
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value(qq({"layers":[{"text":"Soon","from":") . main::at(600) . '"}]}')
--- response_headers_like eval
["X-Overlay: pending", "Cache-Control: " . main::max_age_like(600), "Expires: " . main::http_date(600)]
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("chelsea.png")



=== TEST 4: "{days}d" drawn; max-age to the next day's change
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value(qq({"layers":[{"text":"{days}d","position":"top-left","size":0.15,"until":") . main::at(2 * 86400 + 1000) . '"}]}')
--- response_headers_like eval
["X-Overlay: applied", "Cache-Control: " . main::max_age_like(1000), "Expires: " . main::http_date(1000)]
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
badge unchanged unchanged
unchanged unchanged unchanged
unchanged unchanged unchanged



=== TEST 5: nginx draws the countdown as the CLI renders it at the same instant
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/coffee.jpg?overlay=" . main::value(qq({"overlay":"{days} days left, until {until}","until":") . main::at(3 * 86400 + 3000) . '"}')
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::digest(OverlayTest::cli_render("coffee.jpg",
    qq({"overlay":"4 days left, until ) . POSIX::strftime('%Y-%m-%d', gmtime($main::T0 + 3 * 86400 + 3000)) . '"}'))



=== TEST 6: the minimum of the countdown and the location's own expires
--- config
    location /long/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        expires 1h;
    }
    location /short/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        expires 10s;
    }
--- request eval
my $v = main::value(qq({"overlay":"Hours: {hours}","until":") . main::at(5 * 3600 + 120) . '"}');
["GET /long/chelsea.png?overlay=$v", "GET /short/chelsea.png?overlay=$v"]
--- response_headers_like eval
["Cache-Control: " . main::max_age_like(120) . "\nExpires: " . main::http_date(120), "Cache-Control: max-age=10"]



=== TEST 7: an upstream's Cache-Control keeps its other directives, its s-maxage lowered
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header Cache-Control "public, s-maxage=86400";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value(qq({"overlay":"x","until":") . main::at(300) . '"}')
--- response_headers_like eval
["Cache-Control: ^public, max-age=([0-9]+), s-maxage=\\1\$", "Expires: " . main::http_date(300)]



=== TEST 8: no-store stays as it is
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header Cache-Control "no-store";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value(qq({"overlay":"x","until":") . main::at(300) . '"}')
--- response_headers
Cache-Control: no-store
!Expires



=== TEST 9: a spec without a window: no Cache-Control of the module's
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value('{"overlay":"Last {{Chance}}"}')
--- response_headers
X-Overlay: applied
!Cache-Control
!Expires



=== TEST 10: a bad instant: bad_spec, the field named
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value('{"layers":[{"text":"x","until":"2026-02-30T00:00:00Z"}]}')
--- response_headers
X-Overlay: passed:bad_spec
--- error_log eval
qr/bad_spec: layers\[0\]\.until "2026-02-30T00:00:00Z" is not an RFC 3339 instant/



=== TEST 11: an unknown placeholder: bad_spec, where it is
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/chelsea.png?overlay=" . main::value('{"layers":[{"text":"{weeks} left","until":"2099-01-01T00:00:00Z"}]}')
--- response_headers
X-Overlay: passed:bad_spec
--- error_log eval
qr/bad_spec: layers\[0\]\.text has "\{" at byte 0, not \{days\}/



=== TEST 12: the ETag covers the drawn text: another day, another ETag; no 304 for the old picture
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request
GET /img/chelsea.png
--- response_body_filters eval
sub {
    my $path = "/img/chelsea.png?overlay=";
    my $two = $path . main::value('{"overlay":"2 left"}');
    my $days1 = $path . main::value(qq({"overlay":"{days} left","until":")
                                    . main::at(86400 + 600) . '"}');
    my $days2 = $path . main::value(qq({"overlay":"{days} left","until":")
                                    . main::at(2 * 86400 + 600) . '"}');
    my (undef, $h1) = OverlayTest::http('GET', $two);
    my (undef, $h2) = OverlayTest::http('GET', $days1);
    my (undef, $h3) = OverlayTest::http('GET', $days2);
    my ($s4) = OverlayTest::http('GET', $days2, "If-None-Match: $h1->{etag}");
    my ($s5) = OverlayTest::http('GET', $days1, "If-None-Match: $h1->{etag}");
    return CORE::join(' ', $h2->{etag} eq $h1->{etag} ? 'same' : 'different',
                $h3->{etag} eq $h1->{etag} ? 'same' : 'different',
                $s4, $s5) . "\n";
}
--- response_body
same different 200 304



=== TEST 13: expired and pending counted in overlay_stats
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
    location = /stats {
        overlay_stats;
    }
--- request eval
["GET /img/chelsea.png?overlay=" . main::value(qq({"overlay":"Gone","until":") . main::at(-60) . '"}'),
 "GET /img/chelsea.png?overlay=" . main::value(qq({"overlay":"Gone","until":") . main::at(-120) . '"}'),
 "GET /img/chelsea.png?overlay=" . main::value(qq({"overlay":"Soon","from":") . main::at(3600) . '"}'),
 "GET /stats"]
--- response_body_filters eval
sub { $_[0] =~ /\A#/ ? $_[0] : "image\n" }
--- response_body_like eval
[("\\Aimage\\n\\z") x 3,
 qr/^nginx_overlay_requests_total\{status="expired",reason=""\} 2$
^nginx_overlay_requests_total\{status="pending",reason=""\} 1$/m]
