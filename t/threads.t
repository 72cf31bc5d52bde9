# overlay_thread_pool: decoding, drawing and encoding in a thread pool give
# the same bytes as inline, and every outcome (applied, passed, rejected,
# subrequests, proxied bodies) is answered the same way from the thread's
# completion.  The event loop's latency under load is in t/latency.t.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

# TEST 1 also looks for a debug line, which only an nginx built
# --with-debug writes: without it, that one check is left out
my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $NginxDebug = `$nginx -V 2>&1` =~ /--with-debug\b/;

Test::More::diag("$nginx has no --with-debug: TEST 1 does not look for "
                 . "its debug line") unless $NginxDebug;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a JPEG drawn in the pool is byte for byte what the core draws
--- main_config
    thread_pool overlay threads=2;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/coffee.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers eval
"X-Overlay: applied:\nContent-Length: "
. length(OverlayTest::cli_render("coffee.jpg", '{"overlay":"Last Chance!"}'))
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::digest(OverlayTest::cli_render("coffee.jpg",
                                            '{"overlay":"Last Chance!"}'))
--- error_log eval
$::NginxDebug ? "overlay: thread done" : []
--- no_error_log
[warn]
[error]
--- log_level: debug



=== TEST 2: a PNG in the pool, pixels checked
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("chelsea.png")
--- response_body
png 451x300
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[error]



=== TEST 3: a WebP in the pool, pixels checked
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
    }
--- request eval
"GET /img/thumb.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
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
[error]



=== TEST 4: the "default" pool needs no thread_pool directive
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool default;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("rocket.jpg")
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
[error]



=== TEST 5: an image that fails in the thread passes through, one line why
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 200
--- response_headers
X-Overlay: passed:bad_image
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("corrupt.jpg")
--- error_log
overlay: bad_image: jpeg: Bogus Huffman table definition, passing the original through
--- no_error_log
[error]



=== TEST 6: ... or gets the configured status
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
        overlay_on_error 415;
    }
--- request eval
"GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 415
--- response_body_like: 415 Unsupported Media Type
--- error_log
overlay: bad_image: jpeg: Bogus Huffman table definition, answering 415



=== TEST 7: a proxied body, in many small chunks, drawn in the pool
--- main_config
    thread_pool overlay threads=1;
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        chunked_transfer_encoding on;
        output_buffers 64 1k;
        sendfile off;
    }
    location /img/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_buffering off;
        proxy_buffer_size 1k;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("rocket.jpg")
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
[warn]
[error]



=== TEST 8: subrequests drawn in the pool come back in their place
--- main_config
    thread_pool overlay threads=2;
--- config
    location = /page.html {
        default_type text/html;
        ssi on;
        return 200 'A<!--# include virtual="/on/thumb.jpg?overlay=$arg_v" -->B<!--# include virtual="/on/thumb.gif?overlay=$arg_v" -->C';
    }
    location /on/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_subrequests on;
        overlay_thread_pool overlay;
    }
--- request eval
"GET /page.html?v=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_body_filters eval
sub {
    my $body = $_[0];
    my $jpeg = OverlayTest::cli_render("thumb.jpg", '{"overlay":"Last Chance!"}');
    my $gif = OverlayTest::cli_render("thumb.gif", '{"overlay":"Last Chance!"}');
    return $body eq "A${jpeg}B${gif}C" ? "A, the JPEG, B, the GIF, C\n"
                                       : "other: " . length($body) . "\n";
}
--- response_body
A, the JPEG, B, the GIF, C
--- no_error_log
[warn]
[error]



=== TEST 9: HEAD and a matching If-None-Match never reach the pool
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
    }
--- request eval
"HEAD /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- error_code: 200
--- response_headers_like
ETag: W/"[0-9a-f]+-[0-9a-f]+-ov[0-9a-f]{16}"
--- no_error_log
overlay: thread
[error]
--- log_level: debug



=== TEST 10: "off" renders inline
--- main_config
    thread_pool overlay threads=1;
--- config
    overlay_thread_pool overlay;
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool off;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay": "Last Chance!"}')
--- response_body_filters eval
OverlayTest::pixels_against("rocket.jpg")
--- response_body
jpeg 640x427
top-left: unchanged
top-right: badge
bottom-left: unchanged
bottom-right: unchanged
--- no_error_log
overlay: thread
[error]
--- log_level: debug



=== TEST 11: ranges of an image drawn in the pool, and add_after_body after
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
    }
    location /tail/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
        addition_types image/jpeg;
        add_after_body /end;
    }
    location = /end {
        return 200 "<end>";
    }
--- request eval
my $v = OverlayTest::b64url('{"overlay":"Last Chance!"}');
["GET /img/coffee.jpg?overlay=$v", "GET /img/coffee.jpg?overlay=$v",
 "GET /tail/coffee.jpg?overlay=$v"]
--- more_headers eval
["Range: bytes=1000-1999", "Range: bytes=0-1,-2", ""]
--- error_code eval
[206, 206, 200]
--- response_body_filters eval
sub {
    my $full = OverlayTest::cli_render("coffee.jpg",
                                       '{"overlay":"Last Chance!"}');
    my $n = length $full;
    $_[0] eq substr($full, 1000, 1000) ? "its bytes 1000 to 1999\n"
    : $_[0] eq "$full<end>" ? "the overlay, then <end>\n"
    : $_[0] =~ m{Content-Range: bytes 0-1/$n\r\n\r\n\Q${\ substr($full, 0, 2)}\E\r\n.*Content-Range: bytes ${\ ($n - 2)}-${\ ($n - 1)}/$n\r\n\r\n\Q${\ substr($full, -2)}\E\r\n}s
      ? "two parts, its bytes\n" : "other\n";
}
--- response_body eval
["its bytes 1000 to 1999\n", "two parts, its bytes\n",
 "the overlay, then <end>\n"]
--- no_error_log
[alert]
[error]
