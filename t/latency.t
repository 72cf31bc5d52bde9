# overlay_thread_pool keeps the event loop free: while 4K overlays keep
# the pool busy (each 4K image re-encoded whole at quality 90, the heaviest
# render), a small static file on the same worker is answered with a p99
# under 20 ms.  Inline, the same load holds it for whole renders: the
# control shows the measurement sees a blocked loop.
#
# overlay_heap_keep: a worker reuses the memory of its last render, where
# glibc's defaults fault tens of thousands of fresh pages in per 4K image.

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use GD;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep time);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
plan skip_all => 'timing means nothing under valgrind'
    if $ENV{TEST_NGINX_USE_VALGRIND};
my $fixtures = Cwd::abs_path($ENV{TEST_NGINX_OVERLAY_FIXTURES}
                             || 't/fixtures');
my $port = $ENV{TEST_NGINX_LATENCY_PORT} || 1990;

my $clients = 4;        # overlay requests in flight at any time
my $seconds = 3;        # of load per mode

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";
mkdir "$dir/img";
chmod 0755, $dir, "$dir/img";

# a 3840x2160 JPEG, the photo resampled; and a small static file
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
    open $out, '>', "$dir/img/small.txt" or die $!;
    print $out "small\n" x 100;
    close $out;
    chmod 0644, "$dir/img/4k.jpg", "$dir/img/small.txt";
}

sub start {
    my ($keep) = @_;

    open my $fh, '>', "$dir/nginx.conf" or die $!;
    print $fh <<"CONF";
load_module $module;
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
thread_pool overlay threads=2;
events { worker_connections 256; }
http {
    access_log off;
    $keep
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port;
        location /pool/ {
            alias $dir/img/;
            overlay \$arg_overlay;
            overlay_thread_pool overlay;
            overlay_jpeg_quality 90;
            add_header X-Overlay \$overlay_status;
        }
        location /inline/ {
            alias $dir/img/;
            overlay \$arg_overlay;
            overlay_jpeg_quality 90;
            add_header X-Overlay \$overlay_status;
        }
        location /static/ { alias $dir/img/; }
    }
}
CONF
    close $fh;

    unlink "$dir/nginx.pid";
    system($nginx, '-p', $dir, '-c', "$dir/nginx.conf") == 0
        or BAIL_OUT('nginx did not start');

    for (1 .. 50) {
        last if -s "$dir/nginx.pid";
        sleep 0.1;
    }
    sleep 0.3;
    chomp(my $pid = `cat $dir/nginx.pid`);
    return $pid;
}

sub stop {
    my ($pid) = @_;
    kill 'QUIT', $pid;
    for (1 .. 50) {
        last unless kill 0, $pid;
        sleep 0.1;
    }
}

my $master = start('');

sub get {
    my ($path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 30) or return '';
    print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    return <$sock> // '';
}

my $value = 'eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0';

# the latencies of the small file while $clients overlays are in flight

sub under_load {
    my ($mode) = @_;

    my $until = time + $seconds;
    my @kids;

    for my $i (1 .. $clients) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my ($n, $bad) = (0, 0);
            while (time < $until) {
                my $r = get("/$mode/4k.jpg?overlay=$value&c=$i");
                $n++;
                $bad++ unless $r =~ /\r\nX-Overlay: applied\r\n/
                              && $r =~ /\r\n\r\n\xff\xd8\xff/;
            }
            exit($bad ? 1 : 0);
        }
        push @kids, $pid;
    }

    sleep 0.3;

    my @ms;
    while (time < $until - 0.2) {
        my $t0 = time;
        my $r = get('/static/small.txt');
        push @ms, (time - $t0) * 1000;
        die "the static file failed: $r" unless $r =~ m{^HTTP/1\.\d 200};
        sleep 0.01;
    }

    my $failed = 0;
    for (@kids) {
        waitpid $_, 0;
        $failed++ if $?;
    }

    @ms = sort { $a <=> $b } @ms;
    return ($failed, scalar @ms, $ms[int(@ms / 2)],
            $ms[int(0.99 * (@ms - 1))]);
}

get("/pool/4k.jpg?overlay=$value") =~ /X-Overlay: applied/
    or diag('a first overlay failed: ' . `tail -3 $dir/logs/error.log`);

my ($failed, $n, $p50, $p99) = under_load('pool');
diag(sprintf 'pool: %d static requests, p50 %.1f ms, p99 %.1f ms',
             $n, $p50, $p99);

if ($p99 >= 20) {
    # a noisy machine (other jobs) shows in one run, rarely in two
    ($failed, $n, $p50, $p99) = under_load('pool');
    diag(sprintf 'pool, again: %d static requests, p50 %.1f ms, '
                 . 'p99 %.1f ms', $n, $p50, $p99);
}

is($failed, 0, "$clients clients drawing 4K overlays in the pool");
cmp_ok($p99, '<', 20, 'with overlay_thread_pool: static p99 under 20 ms');

($failed, $n, $p50, $p99) = under_load('inline');
is($failed, 0, "$clients clients drawing 4K overlays inline");
diag(sprintf 'inline: %d static requests, p50 %.1f ms, p99 %.1f ms',
             $n, $p50, $p99);
cmp_ok($p99, '>', 40, 'inline, the same load holds the static file up');

# the worker's minor page faults per 4K overlay, after a first one

sub faults_per_overlay {
    chomp(my $worker = `pgrep -P $master`);
    get("/inline/4k.jpg?overlay=$value");

    my $minflt = sub {
        open my $st, '<', "/proc/$worker/stat" or return 0;
        my @f = split / /, (<$st> =~ s/^.*\) //r);
        return $f[7];                       # field 10, minflt
    };

    my $before = $minflt->();
    get("/inline/4k.jpg?overlay=$value&n=$_") for 1 .. 5;
    return ($minflt->() - $before) / 5;
}

my $kept = faults_per_overlay();

unlike(`cat $dir/logs/error.log`, qr/\[(error|crit|alert|emerg)\]/,
       'nothing in the error log');

stop($master);

$master = start('overlay_heap_keep 0;');
my $trimmed = faults_per_overlay();
stop($master);

diag(sprintf 'page faults per 4K overlay: %d with overlay_heap_keep 128m, '
             . '%d with 0', $kept, $trimmed);
cmp_ok($kept, '<', 2000, 'the default heap_keep: few page faults');
cmp_ok($trimmed, '>', 3 * $kept + 3000, "glibc's defaults: many more");

done_testing();
