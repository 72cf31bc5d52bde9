# Signed parameters: HMAC-SHA256 over the path and the decoded JSON, any
# key of overlay_secret_file verifies; anything else is bad_signature.
# The signatures here are made in Perl (Digest::SHA), not by the module.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

# The fixtures' types as mime.types has them (nginx's own table knows .jpg
# and .gif only): the module reads only the types overlay_types lists.
OverlayTest::image_types();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: signed with the second key of the file: drawn
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_secret_file $TEST_NGINX_OVERLAY_FIXTURES/overlay-keys.txt;
    }
--- request eval
my $json = '{"overlay":"Last Chance!"}';
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url($json) . "&sig="
. OverlayTest::sign("first key of the catalogue", "/img/rocket.jpg", $json)
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



=== TEST 2: the same spec as a bytes literal of standard base64: the same signature
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_secret_file $TEST_NGINX_OVERLAY_FIXTURES/overlay-keys.txt;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
my $json = '{"overlay":"Last Chance!"}';
"GET /img/thumb.jpg?overlay=b'" . MIME::Base64::encode_base64($json, '') . "'&sig="
. OverlayTest::sign("the new key, not yet used", "/img/thumb.jpg", $json)
--- response_headers
X-Overlay: applied:



=== TEST 3: a wrong signature: the original, and why
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_secret_file $TEST_NGINX_OVERLAY_FIXTURES/overlay-keys.txt;
    }
--- request eval
my $json = '{"overlay":"Last Chance!"}';
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url($json) . "&sig="
. OverlayTest::sign("a key that is not in the file", "/img/rocket.jpg", $json)
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("rocket.jpg")
--- error_log
overlay: bad_signature: the signature matches no key, passing the original through



=== TEST 4: a signature replayed onto another image
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_secret_file $TEST_NGINX_OVERLAY_FIXTURES/overlay-keys.txt;
    }
--- request eval
my $json = '{"overlay":"Last Chance!"}';
"GET /img/coffee.jpg?overlay=" . OverlayTest::b64url($json) . "&sig="
. OverlayTest::sign("first key of the catalogue", "/img/rocket.jpg", $json)
--- response_body_filters eval
\&OverlayTest::digest
--- response_body eval
OverlayTest::fixture_digest("coffee.jpg")
--- error_log
overlay: bad_signature: the signature matches no key



=== TEST 5: unsigned, with overlay_on_error 403
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_secret_file $TEST_NGINX_OVERLAY_FIXTURES/overlay-keys.txt;
        overlay_on_error 403;
        add_header X-Overlay "$overlay_status:$overlay_error" always;
    }
--- request eval
"GET /img/rocket.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- error_code: 403
--- response_headers
X-Overlay: rejected:bad_signature
--- error_log
overlay: bad_signature: the value is not signed, answering 403



=== TEST 6: the signature from a header, with overlay_signature
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        overlay $arg_overlay;
        overlay_secret_file $TEST_NGINX_OVERLAY_FIXTURES/overlay-keys.txt;
        overlay_signature $http_x_overlay_signature;
        add_header X-Overlay "$overlay_status:$overlay_error";
    }
--- request eval
"GET /img/thumb.jpg?overlay=" . OverlayTest::b64url('{"overlay":"Hi"}')
--- more_headers eval
"X-Overlay-Signature: "
. OverlayTest::sign("first key of the catalogue", "/img/thumb.jpg", '{"overlay":"Hi"}')
--- response_headers
X-Overlay: applied:
