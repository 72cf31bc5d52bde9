# Configuration is checked by "nginx -t": fonts are loaded at configuration
# time, and every mistake names the value and the file.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Test::More;

use lib 't/lib';
use OverlayTest ();

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $fixtures = abs_path($ENV{TEST_NGINX_OVERLAY_FIXTURES} || 't/fixtures');

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";

# nginx -t on a configuration with these lines in a location; returns the
# exit status and what nginx said (and what valgrind said, if it ran, in
# $valgrind_said)
our $valgrind_said = '';

sub nginx_t {
    my ($location, $http, $main) = @_;
    $http //= '';
    $main //= '';

    open my $fh, '>', "$dir/nginx.conf" or die $!;
    print $fh <<"CONF";
load_module $module;
error_log stderr;
pid $dir/nginx.pid;
$main
events { }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
$http
    server {
        listen 127.0.0.1:1;
        location / {
$location
        }
    }
}
CONF
    close $fh;

    # under valgrind when TEST_NGINX_USE_VALGRIND is set: its reports are
    # written to stderr, for make test-valgrind to find
    my @valgrind = OverlayTest::valgrind_command();
    push @valgrind, "--log-file=$dir/valgrind.log" if @valgrind;
    my $out = `@valgrind $nginx -t -p $dir -c $dir/nginx.conf 2>&1`;
    my $rc = $? >> 8;
    $valgrind_said = -s "$dir/valgrind.log" ? `cat $dir/valgrind.log` : '';
    if (length $valgrind_said) {
        (my $what = $location) =~ s/\s+/ /g;
        warn "$0 nginx -t: $what\n", $valgrind_said;
    }
    unlink "$dir/valgrind.log";
    return ($rc, $out);
}

my ($rc, $out);

($rc, $out) = nginx_t('overlay $arg_overlay;');
is($rc, 0, 'the defaults pass') or diag($out);
like($out, qr/test is successful/, 'nginx -t is successful');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font /nonexistent/fonts/Missing.ttf;");
isnt($rc, 0, 'a missing font fails nginx -t');
like($out, qr{\[emerg\] \d+#\d+: overlay_font "/nonexistent/fonts/Missing.ttf": stat\(\) failed \(2: No such file or directory\) in \Q$dir\E/nginx.conf:\d+},
     'the message names the font path, the error and the file');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font $fixtures/rocket.jpg;");
isnt($rc, 0, 'a file that is not a font fails nginx -t');
like($out, qr{\[emerg\] \d+#\d+: overlay_font "[^"]*/rocket.jpg" is not a usable font: },
     'the message says the file is not a usable font');

($rc, $out) = nginx_t("overlay \$arg_overlay;\noverlay_font $fixtures;");
isnt($rc, 0, 'a directory as the font fails nginx -t');
like($out, qr{overlay_font "[^"]*" is not a file}, 'and says so');

# the font is checked even where no overlay is drawn
($rc, $out) = nginx_t("overlay_font /nonexistent/Missing.ttf;");
isnt($rc, 0, 'a missing font fails even without "overlay"');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf;");
is($rc, 0, 'another real font passes') or diag($out);

# fallback chains: each path is checked
my $sans = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
my $deva = '/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf';
($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font $sans $deva;\n"
                      . "overlay_font deva $sans $deva;");
is($rc, 0, 'chains of two paths, "default" and named, pass') or diag($out);

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font deva $sans /nonexistent/Deva.ttf;");
isnt($rc, 0, 'a missing font in a chain fails nginx -t');
like($out, qr{overlay_font "/nonexistent/Deva.ttf": stat\(\) failed},
     'and names its path');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font x $sans $sans $sans $sans $sans;");
isnt($rc, 0, 'a chain of five paths fails');
like($out, qr{a font chain has at most 4 paths}, 'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_jpeg_quality 0;');
isnt($rc, 0, 'overlay_jpeg_quality 0 fails');
like($out, qr/"overlay_jpeg_quality" must be between 1 and 100/,
     'and names the range');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_jpeg_quality 101;');
isnt($rc, 0, 'overlay_jpeg_quality 101 fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_buffer 12q;');
isnt($rc, 0, 'a bad overlay_buffer size fails');
like($out, qr/"overlay_buffer" directive invalid value/, 'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay $arg_other;');
isnt($rc, 0, 'a duplicate overlay fails');
like($out, qr/"overlay" directive is duplicate/, 'and says so');

($rc, $out) = nginx_t('overlay "$arg_overlay";', 'overlay off;');
is($rc, 0, 'overlay in http, server and location levels') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay extra;');
isnt($rc, 0, 'overlay takes one argument');

# the thread pool and the heap

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_thread_pool overlay;',
                      '', 'thread_pool overlay threads=2;');
is($rc, 0, 'overlay_thread_pool with a declared pool passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_thread_pool default;');
is($rc, 0, 'the "default" pool needs no thread_pool') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_thread_pool nosuch;');
isnt($rc, 0, 'an undeclared pool fails nginx -t');
like($out, qr/unknown thread pool "nosuch" in \Q$dir\E\/nginx.conf:\d+/,
     'and names the pool and the line');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_thread_pool default; '
                      . 'overlay_thread_pool default;');
isnt($rc, 0, 'overlay_thread_pool twice fails');
like($out, qr/"overlay_thread_pool" directive is duplicate/, 'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay;', 'overlay_heap_keep 64m;');
is($rc, 0, 'overlay_heap_keep in http passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_heap_keep 64m;');
isnt($rc, 0, 'overlay_heap_keep in a location fails');
like($out, qr/"overlay_heap_keep" directive is not allowed here/, 'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay;', 'overlay_heap_keep lots;');
isnt($rc, 0, 'a bad overlay_heap_keep size fails');

# the parameter contract's directives

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font bold $fixtures/rocket.jpg;");
isnt($rc, 0, 'a named font that is no font fails');
like($out, qr{overlay_font "[^"]*rocket.jpg" is not a usable font},
     'and names the path');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font serif /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf;\n"
                      . "overlay_font serif /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf;");
isnt($rc, 0, 'a font named twice fails');
like($out, qr/"serif" is named twice in "overlay_font"/, 'and says so');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_font 'a b' /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf;");
isnt($rc, 0, 'a font name with a space fails');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_asset logo $fixtures/logo.png;");
is($rc, 0, 'a PNG asset passes') or diag($out);

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_asset sticker $fixtures/alpha-lossless.webp;");
is($rc, 0, 'a WebP asset with alpha passes') or diag($out);

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_asset logo $fixtures/missing.png;");
isnt($rc, 0, 'a missing asset fails');
like($out, qr{overlay_asset "logo": open\(\) "[^"]*missing.png" failed \(2: No such file or directory\) in \Q$dir\E/nginx.conf:\d+},
     'and names the asset, the path and the file');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_asset logo $fixtures/rocket.jpg;");
isnt($rc, 0, 'a JPEG asset fails');
like($out, qr{overlay_asset "logo": "[^"]*rocket.jpg" is not a usable PNG or WebP image: neither PNG nor WebP},
     'and says why');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_asset logo $fixtures/corrupt.png;");
isnt($rc, 0, 'a corrupt PNG asset fails');
like($out, qr{is not a usable PNG or WebP image: cannot be decoded}, 'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_background "#12345";');
isnt($rc, 0, 'a bad default colour fails');
like($out, qr/"overlay_default_background" must be a colour: #rgb, #rgba, #rrggbb or #rrggbbaa, not "#12345"/,
     'and names the directive and the value');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_color "#fff8";');
is($rc, 0, 'a default colour with alpha passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_position middle;');
isnt($rc, 0, 'an unknown default position fails');
like($out, qr/"overlay_default_position" is one of top-left, .* not "middle"/,
     'and lists the positions');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_style fancy;');
isnt($rc, 0, 'an unknown default style fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_style ribbon; '
                      . 'overlay_default_position top;');
isnt($rc, 0, 'a default ribbon at a side fails');
like($out, qr/"ribbon" needs a corner/, 'and says why');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_style ribbon; '
                      . 'overlay_default_position left;');
isnt($rc, 0, 'a default ribbon on the left side fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_style ribbon; '
                      . 'overlay_default_position bottom-left;');
is($rc, 0, 'a default ribbon in a corner passes') or diag($out);

($rc, $out) = nginx_t(join "\n", 'overlay $arg_overlay;',
                      map { "overlay_font f$_ /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf;" } 1 .. 6);
isnt($rc, 0, 'a seventh font fails');
like($out, qr/at most 6 fonts, "default" included, may be named at one level/,
     'and says why');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_size 0.6;');
isnt($rc, 0, 'a default size out of range fails');
like($out, qr/"overlay_default_size" must be a number from 0.010000 to 0.500000, not "0.6"/,
     'and gives the range');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_margin 0.05; '
                      . 'overlay_default_opacity 1; overlay_default_scale 0.2;');
is($rc, 0, 'fractions in range pass') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_radius 0.3;');
is($rc, 0, 'a default radius passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_radius 0.7;');
isnt($rc, 0, 'a default radius over 0.5 fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_margin .5x;');
isnt($rc, 0, 'a fraction with garbage fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_default_font serif;');
isnt($rc, 0, 'a default font that is not named fails');
like($out, qr/overlay_default_font "serif" is not a font named by overlay_font/,
     'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_webp_quality 0;');
isnt($rc, 0, 'overlay_webp_quality 0 fails');
like($out, qr/"overlay_webp_quality" must be between 1 and 100, not 0/,
     'and gives the range');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_jpeg_quality source;');
is($rc, 0, 'overlay_jpeg_quality source passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_webp_quality source;');
is($rc, 0, 'overlay_webp_quality source passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_webp_quality sauce;');
isnt($rc, 0, 'overlay_webp_quality sauce fails');
like($out, qr/"overlay_webp_quality" takes "source" or a quality from 1 to 100, not "sauce"/,
     'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_webp_quality 80; '
                      . 'overlay_webp_quality source;');
isnt($rc, 0, 'overlay_webp_quality twice fails');
like($out, qr/"overlay_webp_quality" directive is duplicate/, 'and says so');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_on_error 302;');
isnt($rc, 0, 'overlay_on_error 302 fails');
like($out, qr/"overlay_on_error" takes "pass" or a status from 400 to 599, not "302"/,
     'and gives the range');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_on_error 403;');
is($rc, 0, 'overlay_on_error 403 passes') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_log_level loud;');
isnt($rc, 0, 'an unknown log level fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_max_layers 17;');
isnt($rc, 0, 'overlay_max_layers 17 fails');
like($out, qr/"overlay_max_layers" must be between 1 and 16, not 17/,
     'and gives the range');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_max_text 0;');
isnt($rc, 0, 'overlay_max_text 0 fails');

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_max_pixels 20m; overlay_max_side 8000;');
is($rc, 0, 'pixel limits pass') or diag($out);

($rc, $out) = nginx_t('overlay $arg_overlay; overlay_max_pixels 2g;');
isnt($rc, 0, 'an unknown pixel count fails');
like($out, qr/"overlay_max_pixels" takes a count from 1 to 1000m, not "2g"/,
     'and gives the range');

# signed parameters

open my $k, '>', "$dir/short.keys" or die $!;
print $k "# a comment\n\nshort key\n";
close $k;
open $k, '>', "$dir/empty.keys" or die $!;
print $k "# only a comment\n\n";
close $k;

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_secret_file $fixtures/overlay-keys.txt;");
is($rc, 0, 'a secret file passes') or diag($out);

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_secret_file $dir/missing.keys;");
isnt($rc, 0, 'a missing secret file fails');
like($out, qr{overlay_secret_file: open\(\) "[^"]*missing.keys" failed},
     'and names it');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_secret_file $dir/short.keys;");
isnt($rc, 0, 'a short key fails');
like($out, qr{the key on line 3 is shorter than 16 bytes}, 'and names the line');

($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                      . "overlay_secret_file $dir/empty.keys;");
isnt($rc, 0, 'a secret file without a key fails');
like($out, qr{has no key}, 'and says so');

# a configuration that fails leaves nothing of the module's behind: nginx
# unloads the module without calling its exit handlers, and valgrind saw
# libgd's font cache (FreeType, the faces) lost until the module freed it
# with the cycle's pool

SKIP: {
    skip 'valgrind is not installed', 2
        if system('valgrind --version >/dev/null 2>&1') != 0;

    local $ENV{TEST_NGINX_USE_VALGRIND} = '--leak-check=full '
        . '--show-leak-kinds=definite --errors-for-leak-kinds=definite '
        . '--error-exitcode=99 --suppressions=valgrind.suppress';
    ($rc, $out) = nginx_t("overlay \$arg_overlay;\n"
                          . "overlay_font /nonexistent/fonts/Missing.ttf;");
    is($rc, 1, 'under valgrind, a missing font fails nginx -t')
        or diag($out);
    is($valgrind_said, '', 'and nothing is lost');
}

# the examples shipped in conf-examples/ pass nginx -t as they are

for my $example (glob 'conf-examples/*.conf') {
    open my $fh, '<', $example or die "$example: $!";
    local $/;
    my $server = <$fh>;
    close $fh;

    # the examples listen on port 80 and write to /var: move them to a
    # port anyone may use, and their files to the test's directory
    $server =~ s/listen 80;/listen 127.0.0.1:1;/g;
    $server =~ s{/var/(?:cache|log)/nginx}{$dir}g;
    $server =~ s{/etc/nginx/overlay-keys}{$fixtures/overlay-keys.txt}g;

    ($rc, $out) = nginx_t('', $server);
    is($rc, 0, "$example passes nginx -t") or diag($out);
}

done_testing();
