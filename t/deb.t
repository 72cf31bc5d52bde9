# The Debian package made by `make deb` (run by `make test` before t/):
# the module for the exact nginx ABI, the load_module snippet, the CLI,
# and the snippet loading the module into the stock nginx.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Test::More;

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @debs = glob 'build/deb/libnginx-mod-http-overlay_*.deb';

plan skip_all => 'no package: run make deb' unless @debs;

is(scalar @debs, 1, 'one package');
my $deb = abs_path($debs[0]);

# the exact ABI of the nginx in nginx-dev
my ($abi) = `cat /usr/share/nginx/src/debian/libnginx-mod.abisubstvars`
            =~ /^nginx:abi=(\S+)/m;
my $depends = `dpkg-deb -f $deb Depends`;
like($depends, qr/(^|, )\Q$abi\E(,|$)/m, "depends on $abi");
like($depends, qr/fonts-dejavu-core/, 'and on the default font');

my $files = `dpkg-deb -c $deb`;
like($files, qr{\./usr/lib/nginx/modules/ngx_http_overlay_module\.so$}m,
     'the module in /usr/lib/nginx/modules');
like($files, qr{\./usr/share/nginx/modules-available/mod-http-overlay\.conf$}m,
     'the load_module snippet in modules-available');
like($files, qr{\./usr/bin/ngx-overlay$}m, 'the CLI');

my $control = tempdir(CLEANUP => 1);
system('dpkg-deb', '-e', $deb, $control) == 0 or die 'dpkg-deb -e';
like(`cat $control/postinst`, qr{modules-enabled},
     'postinst enables the snippet in modules-enabled');

# unpacked: the snippet, as shipped, loads the module into nginx -t

my $root = tempdir(CLEANUP => 1);
system('dpkg-deb', '-x', $deb, $root) == 0 or die 'dpkg-deb -x';

my $snippet = "$root/usr/share/nginx/modules-available/mod-http-overlay.conf";
like(`cat $snippet`, qr{^load_module modules/ngx_http_overlay_module\.so;$}m,
     'the snippet loads modules/ngx_http_overlay_module.so');

my $prefix = "$root/usr/share/nginx";
symlink '../../lib/nginx/modules', "$prefix/modules" or die "symlink: $!";
mkdir "$prefix/logs";

open my $fh, '>', "$prefix/nginx.conf" or die $!;
print $fh <<"CONF";
include $snippet;
error_log stderr;
pid $prefix/nginx.pid;
events { }
http {
    access_log off;
    client_body_temp_path $prefix/body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    server {
        listen 127.0.0.1:1;
        location / { overlay \$arg_overlay; overlay_on_error 403; }
    }
}
CONF
close $fh;

my $out = `$nginx -t -p $prefix/ -c $prefix/nginx.conf 2>&1`;
is($? >> 8, 0, 'nginx -t with the packaged snippet and module')
    or diag($out);

is(`$root/usr/bin/ngx-overlay encode '{"overlay":"x"}'`,
   "eyJvdmVybGF5IjoieCJ9\n", 'the packaged CLI runs');

done_testing();
