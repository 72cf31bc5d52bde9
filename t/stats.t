# overlay_stats: counters in the Prometheus text format, in shared memory:
# summed over the workers.  The gauge of responses held is 0 once they are
# answered; t/abort.t sees it count renders queued, and return to 0 after
# aborts and reloads.  An applied one is counted by format and method:
# rocket.jpg (its own optimized tables) is spliced with blocks fitted,
# thumb.jpg (libjpeg's standard tables) spliced as it is.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

master_on();
workers(2);
# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: outcomes by reason, formats, bytes and render times
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
    location /strict/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_on_error 403;
    }
    location = /stats {
        overlay_stats;
    }
--- request eval
[
    "GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"A"}'),
    "GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"B"}'),
    "GET /img/chelsea.png?overlay=" . OverlayTest::b64url('{"overlay":"C"}'),
    "GET /img/rocket.jpg?overlay=garbage!",
    "GET /img/corrupt.jpg?overlay=" . OverlayTest::b64url('{"overlay":"D"}'),
    "GET /strict/rocket.jpg?overlay=" . OverlayTest::b64url('["E"]'),
    "GET /img/rocket.jpg",
    "GET /stats",
]
--- error_code eval
[200, 200, 200, 200, 200, 403, 200, 200]
--- response_headers_like eval
[("X-None: .*") x 7,
 "Content-Type: text/plain; version=0.0.4; charset=utf-8"]
--- response_body_filters eval
sub { $_[0] =~ /^# TYPE/m ? $_[0] : "image\n" }
--- response_body_like eval
[("\\Aimage\\n\\z") x 7,
 qr/\A# HELP nginx_overlay_requests_total .*
^nginx_overlay_requests_total\{status="applied",reason=""\} 3$
^nginx_overlay_requests_total\{status="passed",reason="bad_encoding"\} 1$
.*^nginx_overlay_requests_total\{status="passed",reason="bad_image"\} 1$
.*^nginx_overlay_requests_total\{status="rejected",reason="bad_json"\} 1$
.*^nginx_overlay_applied_total\{format="jpeg",method="splice"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="splice_retable"\} 0$
^nginx_overlay_applied_total\{format="jpeg",method="splice_fit"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="progressive_splice"\} 0$
^nginx_overlay_applied_total\{format="jpeg",method="progressive"\} 0$
^nginx_overlay_applied_total\{format="jpeg",method="transcode"\} 0$
^nginx_overlay_applied_total\{format="jpeg",method="reencode"\} 0$
^nginx_overlay_applied_total\{format="png",method="png"\} 1$
^nginx_overlay_applied_total\{format="webp",method="webp"\} 0$
^nginx_overlay_applied_total\{format="webp",method="webp_lossless"\} 0$
^nginx_overlay_applied_total\{format="webp",method="webp_splice"\} 0$
^nginx_overlay_applied_total\{format="gif",method="gif"\} 0$
.*^nginx_overlay_bytes_in_total (\d+)$
.*^nginx_overlay_bytes_out_total \d+$
.*^nginx_overlay_render_seconds_bucket\{le="\+Inf"\} 4$
^nginx_overlay_render_seconds_sum \d+\.\d{6}$
^nginx_overlay_render_seconds_count 4$
^\# HELP nginx_overlay_in_flight .*
^\# TYPE nginx_overlay_in_flight gauge$
^nginx_overlay_in_flight 0\n\z/sm]
