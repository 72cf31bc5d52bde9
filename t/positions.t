# Each of the nine positions puts the overlay in its ninth of the image,
# and changes nothing else: checked pixel by pixel through nginx.

use Test::Nginx::Socket q(no_plan);
use lib q(t/lib);
use OverlayTest;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: position top-left
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"top-left"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
badge unchanged unchanged
unchanged unchanged unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 2: position top
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"top"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged badge unchanged
unchanged unchanged unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 3: position top-right
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"top-right"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged badge
unchanged unchanged unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 4: position left
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"left"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged unchanged
badge unchanged unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 5: position center
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"center"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged unchanged
unchanged badge unchanged
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 6: position right
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"right"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged unchanged
unchanged unchanged badge
unchanged unchanged unchanged
--- no_error_log
[warn]



=== TEST 7: position bottom-left
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"bottom-left"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged unchanged
unchanged unchanged unchanged
badge unchanged unchanged
--- no_error_log
[warn]



=== TEST 8: position bottom
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"bottom"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged unchanged
unchanged unchanged unchanged
unchanged badge unchanged
--- no_error_log
[warn]



=== TEST 9: position bottom-right
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
    }
--- request eval
"GET /img/chelsea.png?overlay=" . OverlayTest::b64url(q({"layers":[{"text":"Hi","size":0.15,"position":"bottom-right"}]}))
--- response_body_filters eval
OverlayTest::grid_against("chelsea.png")
--- response_body
unchanged unchanged unchanged
unchanged unchanged unchanged
unchanged unchanged badge
--- no_error_log
[warn]


