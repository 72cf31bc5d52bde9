# Configuration is checked by "nginx -t": fonts are loaded at configuration
# time, and every mistake names the value and the file.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Test::More;

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $fixtures = abs_path($ENV{TEST_NGINX_OVERLAY_FIXTURES} || 't/fixtures');

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";

# nginx -t on a configuration with these lines in a location; returns the
# exit status and what nginx said
sub nginx_t {
    my ($location, $http) = @_;
    $http //= '';

    open my $fh, '>', "$dir/nginx.conf" or die $!;
    print $fh <<"CONF";
load_module $module;
error_log stderr;
pid $dir/nginx.pid;
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

    my $out = `$nginx -t -p $dir -c $dir/nginx.conf 2>&1`;
    return ($? >> 8, $out);
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

# the examples shipped in conf-examples/ pass nginx -t as they are

for my $example (glob 'conf-examples/*.conf') {
    open my $fh, '<', $example or die "$example: $!";
    local $/;
    my $server = <$fh>;
    close $fh;

    # the examples listen on port 80: move them to a port anyone may use
    $server =~ s/listen 80;/listen 127.0.0.1:1;/g;

    ($rc, $out) = nginx_t('', $server);
    is($rc, 0, "$example passes nginx -t") or diag($out);
}

done_testing();
