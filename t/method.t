# $overlay_method: the path the codec took, for each path, and the same as
# the method label of nginx_overlay_applied_total in overlay_stats.  The
# JPEG variants are made at run time from the fixtures by jpegtran
# (libjpeg-turbo-progs, lossless: the same coefficients, other tables or
# scans):
#   std.jpg    thumb.jpg as it is: libjpeg's standard tables    splice
#   opt.jpg    thumb.jpg -optimize: the badge's symbols fit in   splice_retable
#   fit.jpg    coffee.jpg -optimize: they do not, blocks fitted  splice_fit
#   prog.jpg   thumb.jpg -progressive                       progressive_splice
#   arith.jpg  thumb.jpg -arithmetic: libjpeg's transcode        transcode
# and by djpeg and cjpeg, a progressive 4:4:4 JPEG of astronaut.jpg at
# quality 92 whose badge the source's tables cannot code within the fit's
# bound: the writer of every scan (progressive), prog444.jpg; std.jpg
# again with overlay_jpeg_quality (reencode); PNG, lossy (spliced, and
# with overlay_webp_quality encoded by libwebp) and lossless WebP and GIF
# from the fixtures.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;
use File::Temp qw(tempdir);
use File::Copy qw(copy);

master_on();
workers(2);
OverlayTest::image_types();

our $dir = tempdir(CLEANUP => 1);
$ENV{TEST_NGINX_OVERLAY_METHOD_DIR} = $dir;

{
    my $f = OverlayTest::fixture_dir();
    my %make = (
        'std.jpg'   => "-copy all $f/thumb.jpg",
        'opt.jpg'   => "-optimize -copy all $f/thumb.jpg",
        'fit.jpg'   => "-optimize -copy all $f/coffee.jpg",
        'prog.jpg'  => "-progressive -copy all $f/thumb.jpg",
        'arith.jpg' => "-arithmetic -copy all $f/thumb.jpg",
    );

    for my $name (sort keys %make) {
        system("jpegtran $make{$name} > $dir/$name") == 0
            or die "jpegtran $make{$name}: $?";
    }

    system("djpeg $f/astronaut.jpg | cjpeg -sample 1x1 -progressive "
           . "-quality 92 > $dir/prog444.jpg") == 0
        or die "cjpeg prog444.jpg: $?";

    for my $name (qw(chelsea.png thumb.webp alpha-lossless.webp thumb.gif
                     corrupt.jpg))
    {
        copy("$f/$name", "$dir/$name") or die "$name: $!";
    }

    chmod 0644, glob("$dir/*");
    chmod 0755, $dir;
}

our $v = OverlayTest::b64url('{"overlay":"Last Chance!"}');

our @cases = (
    [ '/img/std.jpg',             'applied:splice' ],
    [ '/img/opt.jpg',             'applied:splice_retable' ],
    [ '/img/fit.jpg',             'applied:splice_fit' ],
    [ '/img/prog.jpg',            'applied:progressive_splice' ],
    [ '/img/prog444.jpg',         'applied:progressive' ],
    [ '/img/arith.jpg',           'applied:transcode' ],
    [ '/q/std.jpg',               'applied:reencode' ],
    [ '/img/chelsea.png',         'applied:png' ],
    [ '/img/thumb.webp',          'applied:webp_splice' ],
    [ '/q/thumb.webp',            'applied:webp' ],
    [ '/img/alpha-lossless.webp', 'applied:webp_lossless' ],
    [ '/img/thumb.gif',           'applied:gif' ],
    [ '/pool/opt.jpg',            'applied:splice_retable' ],
    [ '/img/corrupt.jpg',         'passed:' ],
);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: $overlay_method names each path; overlay_stats counts them
--- main_config
    thread_pool overlay threads=1;
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_METHOD_DIR/;
        overlay $arg_overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
    location /q/ {
        alias $TEST_NGINX_OVERLAY_METHOD_DIR/;
        overlay $arg_overlay;
        overlay_jpeg_quality 80;
        overlay_webp_quality 80;
        add_header X-Method "$overlay_status:$overlay_method";
    }
    location /pool/ {
        alias $TEST_NGINX_OVERLAY_METHOD_DIR/;
        overlay $arg_overlay;
        overlay_thread_pool overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
    location = /stats {
        overlay_stats;
    }
--- request eval
[ (map { "GET $_->[0]?overlay=$main::v" } @main::cases),
  "GET /img/std.jpg",
  "GET /stats" ]
--- error_code eval
[ (200) x (@main::cases + 2) ]
--- response_headers eval
[ (map { "X-Method: $_->[1]" } @main::cases),
  "X-Method: none:",
  "!X-Method" ]
--- response_body_filters eval
sub { $_[0] =~ /^# TYPE/m ? $_[0] : "image\n" }
--- response_body_like eval
[ ("\\Aimage\\n\\z") x (@main::cases + 1),
 qr/^nginx_overlay_requests_total\{status="applied",reason=""\} 13$
.*^nginx_overlay_applied_total\{format="jpeg",method="splice"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="splice_retable"\} 2$
^nginx_overlay_applied_total\{format="jpeg",method="splice_fit"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="progressive_splice"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="progressive"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="transcode"\} 1$
^nginx_overlay_applied_total\{format="jpeg",method="reencode"\} 1$
^nginx_overlay_applied_total\{format="png",method="png"\} 1$
^nginx_overlay_applied_total\{format="webp",method="webp"\} 1$
^nginx_overlay_applied_total\{format="webp",method="webp_lossless"\} 1$
^nginx_overlay_applied_total\{format="webp",method="webp_splice"\} 1$
^nginx_overlay_applied_total\{format="gif",method="gif"\} 1$
/sm ]



=== TEST 2: $overlay_method in the access log, empty for a response not drawn on
--- http_config
    log_format method "$uri $overlay_status [$overlay_method]";
--- config
    location /img/ {
        alias $TEST_NGINX_OVERLAY_METHOD_DIR/;
        overlay $arg_overlay;
        access_log $TEST_NGINX_OVERLAY_METHOD_DIR/access.log method;
    }
    location = /log {
        alias $TEST_NGINX_OVERLAY_METHOD_DIR/access.log;
        default_type text/plain;
    }
--- request eval
[ "GET /img/prog.jpg?overlay=$main::v",
  "GET /img/thumb.gif?overlay=$main::v",
  "GET /img/corrupt.jpg?overlay=$main::v",
  "GET /img/std.jpg",
  "GET /log" ]
--- response_body_filters eval
sub { $_[0] =~ m{^/img/} ? $_[0] : "image\n" }
--- response_body eval
[ ("image\n") x 4,
  "/img/prog.jpg applied [progressive_splice]\n"
  . "/img/thumb.gif applied [gif]\n"
  . "/img/corrupt.jpg passed []\n"
  . "/img/std.jpg none []\n" ]
