# nginx -s reload under load: no failed request, the new configuration
# takes effect, and neither the master nor the workers grow in memory or
# file descriptors over 50 reloads.

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use GD;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $fixtures = $ENV{TEST_NGINX_OVERLAY_FIXTURES} || 't/fixtures';
my $port = $ENV{TEST_NGINX_RELOAD_PORT} || 1988;
my $reloads = 50;

$fixtures = Cwd::abs_path($fixtures);

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";

# the badge's colour and the image layer's file change on every reload
my @colours = ('#d62828', '#1a7f37');
my @assets = ('logo.png', 'palette.png');

sub write_conf {
    my ($i, $more) = @_;
    my ($colour, $asset) = ($colours[$i % 2], $assets[$i % 2]);
    $more //= '';
    open my $fh, '>', "$dir/nginx.conf.tmp" or die $!;
    print $fh <<"CONF";
load_module $module;
worker_processes 2;
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
        location /img/ {
            alias $fixtures/;
            overlay \$arg_overlay;
            overlay_default_background "$colour";
            overlay_asset logo $fixtures/$asset;
            $more
        }
        location = /stats {
            overlay_stats;
        }
    }
}
CONF
    close $fh;
    rename "$dir/nginx.conf.tmp", "$dir/nginx.conf" or die $!;
}

# {"layers":[{"text":"Last Chance!"},{"image":"logo","position":"bottom-left"}]}
my $value = 'eyJsYXllcnMiOlt7InRleHQiOiJMYXN0IENoYW5jZSEifSx7ImltYWdlIjoibG9'
            . 'nbyIsInBvc2l0aW9uIjoiYm90dG9tLWxlZnQifV19';

sub get {
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 5) or return;
    binmode $sock;
    print $sock "GET /img/thumb.jpg?overlay=$value HTTP/1.0\r\n"
                . "Host: localhost\r\n\r\n";
    local $/;
    my $resp = <$sock> // '';
    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    return unless $head && $head =~ m{^HTTP/1\.\d 200};
    my ($len) = $head =~ /^Content-Length: (\d+)/mi;
    return unless defined $len && length($body // '') == $len
                  && $body =~ /\A\xff\xd8\xff/;
    return $body;
}

sub pids {
    my ($master) = @_;
    my @w = `pgrep -P $master`;
    chomp @w;
    return @w;
}

sub rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    # not $_: the callers' loops alias it to their lists of pids
    while (my $line = <$fh>) { return $1 if $line =~ /^VmRSS:\s+(\d+)/ }
    return 0;
}

sub fds {
    my ($pid) = @_;
    opendir my $dh, "/proc/$pid/fd" or return 0;
    return scalar grep { !/^\./ } readdir $dh;
}

# the first configuration is the other one than the last
write_conf($reloads + 1);

system($nginx, '-p', $dir, '-c', "$dir/nginx.conf") == 0
    or BAIL_OUT('nginx did not start: ' . `tail -5 $dir/logs/error.log`);

my $master;
for (1 .. 50) {
    last if -s "$dir/nginx.pid" && get();
    sleep 0.1;
}
chomp($master = `cat $dir/nginx.pid`);
ok($master, "nginx runs, master $master");

get() for 1 .. 20;

my ($master_rss0, $master_fds0, $worker_rss0);

sub applied {
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 5) or return -1;
    print $sock "GET /stats HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    my $resp = <$sock> // '';
    # the JPEG series, one per method, summed
    my @n = $resp =~ /^nginx_overlay_applied_total\{format="jpeg",
                      method="\w+"\}\ (\d+)$/mgx;
    my $sum = 0;
    $sum += $_ for @n;
    return @n ? $sum : -1;
}

my $applied0 = applied();

# a client requesting all along, in another process

my $stop = "$dir/stop";
my $client = fork // die "fork: $!";

if ($client == 0) {
    my ($ok, $failed) = (0, 0);
    my $deadline = time + 120;
    while (!-e $stop && time < $deadline) {
        get() ? $ok++ : $failed++;
    }
    open my $fh, '>', "$dir/client" or die $!;
    print $fh "$ok $failed\n";
    close $fh;
    exit 0;
}

for my $i (1 .. $reloads) {
    write_conf($i);
    kill 'HUP', $master;
    sleep 0.25;

    # the baseline: after the first reloads, which allocate for good
    # (a second cycle, libgd's and FreeType's caches in the master)

    if ($i == 10) {
        # once the old workers are gone, with their channels' descriptors
        for (1 .. 50) {
            last if pids($master) == 2;
            sleep 0.1;
        }

        $master_rss0 = rss_kb($master);
        $master_fds0 = fds($master);
        $worker_rss0 = 0;
        $worker_rss0 += rss_kb($_) for pids($master);
    }
}

sleep 1;
open my $fh, '>', $stop or die $!;
close $fh;
waitpid $client, 0;

my ($ok, $failed) = split ' ', `cat $dir/client`;
cmp_ok($ok, '>', 50, "$ok requests during $reloads reloads");
is($failed, 0, 'none failed');

# the old workers are gone; the last configuration is in force

for (1 .. 50) {
    last if pids($master) == 2;
    sleep 0.1;
}

my @w1 = pids($master);
is(scalar @w1, 2, 'two workers, the old ones gone');

# the pixels of each colour in the badge's corner
sub badge_colours {
    my ($im) = @_;
    my %count = map { $_ => 0 } @colours;
    for my $y (6 .. 24) {
        for my $x (220 .. 314) {
            my @c = $im ? $im->rgb($im->getPixel($x, $y)) : (0, 0, 0);
            for my $colour (@colours) {
                my @w = map { hex } $colour =~ /^#(..)(..)(..)$/;
                $count{$colour}++ if abs($c[0] - $w[0]) < 50
                                     && abs($c[1] - $w[1]) < 50
                                     && abs($c[2] - $w[2]) < 50;
            }
        }
    }
    return \%count;
}

my $body = get();
my $im = $body ? GD::Image->newFromJpegData($body, 1) : undef;
my %count = %{ badge_colours($im) };

my $want = $colours[$reloads % 2];
my ($other) = grep { $_ ne $want } @colours;
ok(($count{$want} // 0) > 300 && ($count{$other} // 0) < 30,
   "the badge is in the last configuration's colour $want: "
   . join ', ', map { "$_ " . ($count{$_} // 0) } @colours);

# the last asset, logo.png, is a blue ellipse; palette.png is a photo

my $blue = 0;

for my $y (140 .. 170) {
    for my $x (10 .. 60) {
        my @c = $im ? $im->rgb($im->getPixel($x, $y)) : (0, 0, 0);
        $blue++ if abs($c[0] - 30) < 50 && abs($c[1] - 120) < 50
                   && abs($c[2] - 220) < 50;
    }
}

is($assets[$reloads % 2], 'logo.png', 'the last asset is the logo');
cmp_ok($blue, '>', 100, "the last configuration's asset is drawn: $blue "
       . 'pixels of its blue');

# the counters are shared memory, kept across the reloads

my $applied1 = applied();
cmp_ok($applied1, '>=', $applied0 + $ok,
       "stats survive reloads: $applied0 applied before, $applied1 after");

# no growth

get() for 1 .. 20;

my $master_rss1 = rss_kb($master);
my $master_fds1 = fds($master);
my $worker_rss1 = 0;
$worker_rss1 += rss_kb($_) for @w1;

# under AddressSanitizer (make test-asan) freed memory waits in its
# quarantine: RSS says nothing there, LeakSanitizer does

SKIP: {
    skip 'RSS under AddressSanitizer', 2
        if `$nginx -V 2>&1` =~ /-fsanitize=address/;

    cmp_ok($master_rss1, '<', $master_rss0 + 1024,
           "master RSS $master_rss0 kB after 10 reloads, $master_rss1 kB "
           . "after $reloads");
    cmp_ok($worker_rss1, '<', $worker_rss0 * 1.2 + 2048,
           "workers' RSS $worker_rss0 kB after 10 reloads, $worker_rss1 kB "
           . "after $reloads");
}

is($master_fds1, $master_fds0, "master file descriptors: $master_fds1");

my $alerts = `grep -c -E '\\[(alert|crit|emerg)\\]' $dir/logs/error.log`;
chomp $alerts;
is($alerts, 0, 'no alert in the error log')
    or diag(`grep -E '\\[(alert|crit|emerg)\\]' $dir/logs/error.log | head`);

# a reload that fails (a font missing) keeps the configuration in force;
# the module frees the font cache of the failed cycle and sets one up
# anew: workers the master starts afterwards (the old ones killed) draw
# the text as before

write_conf($reloads, "overlay_font $dir/missing.ttf;");
kill 'HUP', $master;

my $log = '';
for (1 .. 50) {
    $log = `cat $dir/logs/error.log`;
    last if $log =~ /missing\.ttf/;
    sleep 0.1;
}
like($log, qr/\[emerg\].*overlay_font "[^"]*missing\.ttf"/,
     'a reload with a missing font fails');

kill 'KILL', @w1;
my @w2;
for (1 .. 50) {
    @w2 = grep { my $w = $_; !grep { $_ == $w } @w1 } pids($master);
    last if @w2 == 2;
    sleep 0.1;
}
is(scalar @w2, 2, 'the master starts two workers anew');

my $drawn = 0;
for (1 .. 6) {
    my $b = get();
    my $c = badge_colours($b ? GD::Image->newFromJpegData($b, 1) : undef);
    $drawn++ if $c->{$want} > 300;
}
is($drawn, 6, "after the failed reload, new workers draw the badge");

kill 'QUIT', $master;
for (1 .. 50) {
    last unless kill 0, $master;
    sleep 0.1;
}

done_testing();
