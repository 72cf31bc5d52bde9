# Eight concurrent overlays on a 4K JPEG: the worker's peak RSS stays far
# under 400 MiB, and its memory comes back near where it was.  Every
# hostile body of t/hostile.t sent 50 times to the one worker: each answer
# the same, the original bytes when refused, and the worker's RSS flat
# after the first rounds; the bombs refused in well under a second.

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use GD;
use IO::Socket::INET;
use List::Util qw(max sum);
use Test::More;
use Time::HiRes qw(sleep time);

use lib 't/lib';
use OverlayTest ();

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $fixtures = Cwd::abs_path($ENV{TEST_NGINX_OVERLAY_FIXTURES}
                             || 't/fixtures');
my $port = $ENV{TEST_NGINX_MEMORY_PORT} || 1989;

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";
mkdir "$dir/img";
mkdir "$dir/hostile";

# the workers run as nobody when nginx starts as root
chmod 0755, $dir, "$dir/img", "$dir/hostile";

my @hostile = OverlayTest::hostile_files("$dir/hostile");

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
        location /h/ {
            alias $dir/hostile/;
            overlay \$arg_overlay;
            overlay_types *;
            add_header X-Overlay "\$overlay_status:\$overlay_error";
        }
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

# the hostile bodies: 50 rounds, each body once a round, all to the one
# worker; its RSS after the 10th round (allocator and caches warmed up) and
# after the 50th.  A bound of 2 MiB over 40 rounds of 20 bodies is under
# 3 KiB a request: leaking any buffer of a body (5 KB to 6 MB here) would
# pass it, while malloc's own ups and downs stay far under it.

my (%answer, %times, %rss, $mismatch);

for my $round (1 .. 50) {
    for my $name (@hostile) {
        my $t0 = time;
        my $resp = raw("/h/$name?overlay=$value");
        push @{ $times{$name} }, time - $t0;
        my ($head, $body) = split /\r\n\r\n/, $resp, 2;
        $head //= '';
        my ($code) = $head =~ m{^HTTP/1\.\d (\d+)};
        my ($how) = $head =~ /^X-Overlay: (\S*)/m;
        my $what = ($code // 'none') . ' ' . ($how // 'none');
        if ($how && $how =~ /^passed:/) {
            open my $fh, '<:raw', "$dir/hostile/$name" or die $!;
            local $/;
            my $orig = <$fh> // '';
            $what .= ($body // '') eq $orig ? ', the original' : ', CHANGED';
        }
        $answer{$name} //= $what;
        $mismatch++, diag("$name, round $round: $what, was $answer{$name}")
            if $answer{$name} ne $what;
    }
    $rss{$round} = status('VmRSS') if $round % 10 == 0;
}

ok(!$mismatch, '50 rounds of ' . @hostile . ' hostile bodies: the same '
               . 'answer each time');
for my $name (@hostile) {
    my @t = sort { $a <=> $b } @{ $times{$name} };
    diag(sprintf "  %-16s %-30s median %6.1f ms, worst %6.1f ms", $name,
         $answer{$name}, 1000 * $t[@t / 2], 1000 * $t[-1]);
}
is(scalar(grep { !/^200 (?:applied:|passed:\w+, the original)$/ }
              values %answer), 0,
   'each drawn on, or answered with the original bytes and a reason');

diag("the worker's RSS after rounds 10..50: "
     . join(', ', map { "$rss{$_} kB" } sort { $a <=> $b } keys %rss));
cmp_ok($rss{50} - $rss{10}, '<', 2048,
       "its RSS grew by " . ($rss{50} - $rss{10}) . " kB from the 10th to "
       . "the 50th round");

# the bombs: refused from their headers, or at the 257th scan, through
# nginx, each of the 50 times in under a second

for my $bomb (qw(jpeg-flood.jpg png-bomb.png gif-flood.gif scan-bomb.jpg)) {
    my $worst = max(@{ $times{$bomb} });
    cmp_ok($worst, '<', 1, sprintf "%s refused in %.1f ms at worst "
           . "(%s)", $bomb, 1000 * $worst, $answer{$bomb});
}

chomp(my $worker_now = `pgrep -P $master`);
is($worker_now, $worker, 'the same worker throughout: no crash');
unlike(`cat $dir/logs/error.log`, qr/\[alert\]|exited on signal/,
       'no alert in the log');

kill 'QUIT', $master;
for (1 .. 50) {
    last unless kill 0, $master;
    sleep 0.1;
}

done_testing();
