# Eight concurrent overlays on a 4K JPEG: the worker's peak RSS stays far
# under 400 MiB, and its memory comes back near where it was.

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use GD;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $fixtures = Cwd::abs_path($ENV{TEST_NGINX_OVERLAY_FIXTURES}
                             || 't/fixtures');
my $port = $ENV{TEST_NGINX_MEMORY_PORT} || 1989;

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";
mkdir "$dir/img";

# the workers run as nobody when nginx starts as root
chmod 0755, $dir, "$dir/img";

# a 3840x2160 JPEG, the photo resampled
{
    GD::Image->trueColor(1);
    open my $fh, '<:raw', "$fixtures/coffee.jpg" or die $!;
    local $/;
    my $photo = GD::Image->newFromJpegData(<$fh>, 1);
    my $im = GD::Image->new(3840, 2160, 1);
    $im->copyResampled($photo, 0, 0, 0, 0, 3840, 2160, 600, 400);
    open my $out, '>:raw', "$dir/img/4k.jpg" or die $!;
    print $out $im->jpeg(90);
    close $out;
    chmod 0644, "$dir/img/4k.jpg";
}

open my $fh, '>', "$dir/nginx.conf" or die $!;
print $fh <<"CONF";
load_module $module;
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port;
        location /img/ { alias $dir/img/; overlay \$arg_overlay; }
        location /slow/ {
            alias $fixtures/;
            limit_rate_after 10k;
            limit_rate 40k;
        }
        location /one/ {
            proxy_pass http://127.0.0.1:$port/slow/;
            overlay \$arg_overlay;
            overlay_max_concurrent 1;
            add_header X-Overlay "\$overlay_status:\$overlay_error";
        }
    }
}
CONF
close $fh;

system($nginx, '-p', $dir, '-c', "$dir/nginx.conf") == 0
    or BAIL_OUT('nginx did not start');

my $master;
for (1 .. 50) {
    last if -s "$dir/nginx.pid";
    sleep 0.1;
}
sleep 0.3;
chomp($master = `cat $dir/nginx.pid`);
chomp(my $worker = `pgrep -P $master`);

sub status {
    my ($field) = @_;
    open my $s, '<', "/proc/$worker/status" or return 0;
    while (<$s>) { return $1 if /^$field:\s+(\d+)/ }
    return 0;
}

sub get {
    my ($n) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 30) or return 0;
    print $sock "GET /img/4k.jpg?overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0"
                . "&n=$n HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    my $resp = <$sock> // '';
    return $resp =~ m{^HTTP/1\.\d 200} && $resp =~ /\r\n\r\n\xff\xd8\xff/;
}

get(0) or diag("first request failed: " . `tail -3 $dir/logs/error.log`);
my $before = status('VmRSS');

my @kids;
for my $i (1 .. 8) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        exit(get($i) ? 0 : 1);
    }
    push @kids, $pid;
}

my $failed = 0;
for (@kids) {
    waitpid $_, 0;
    $failed++ if $?;
}

is($failed, 0, '8 concurrent 4K overlays, all drawn');

my $peak = status('VmHWM');
cmp_ok($peak, '<', 400 * 1024, "the worker's peak RSS: $peak kB");

my $after = status('VmRSS');
cmp_ok($after, '<', $before + 32 * 1024,
       "its RSS after: $after kB, before: $before kB");

# overlay_max_concurrent 1: a second overlay while one is read passes
# through as busy

sub raw {
    my ($path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 30) or return '';
    print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    return <$sock> // '';
}

my $value = 'eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0';
my $slow = fork // die "fork: $!";

if ($slow == 0) {
    exit(raw("/one/rocket.jpg?overlay=$value") =~ /X-Overlay: applied:/
         ? 0 : 1);
}

sleep 0.5;
my $second = raw("/one/thumb.jpg?overlay=$value");
waitpid $slow, 0;

is($?, 0, 'the first overlay is drawn');
like($second, qr/X-Overlay: passed:busy/, 'the second passes as busy');
like(`cat $dir/logs/error.log`,
     qr/overlay: busy: 1 overlays in flight, overlay_max_concurrent 1/,
     'and says why');
like(raw("/one/thumb.jpg?overlay=$value"), qr/X-Overlay: applied:/,
     'once the first is done, overlays are drawn again');

kill 'QUIT', $master;
for (1 .. 50) {
    last unless kill 0, $master;
    sleep 0.1;
}

done_testing();
