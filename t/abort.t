# Clean through reloads, aborts and overload (issue 17):
#
# 1. start, six overlays through a four-thread overlay_thread_pool,
#    "nginx -s quit", ABORT_CYCLES times (50), and as many reloads: no
#    worker exits on a signal (a pool thread running module code after
#    the worker unloaded the module did, 1 time in 12 under
#    AddressSanitizer; the first 10 cycles run with dlclose() slowed down
#    and thread-exit destructors delayed by tests/preload/slow_dlclose.c,
#    with which the module from before the fix, 2f16200^, crashes in
#    every cycle);
# 2. renders queued in the one-thread pool when the workers are told to
#    exit, send_timeout firing for the requests waiting for their render:
#    no "open socket ... left in connection" (the exiting workers left
#    them open: nothing but their render kept them, and no timer);
# 3. clients that give up at every stage (mid-request, while the pool
#    renders, mid-response, stalling so that send_timeout fires, a request
#    body cut short so that client_body_timeout fires, HTTP/2 streams
#    given up with their connection) against a static
#    image, a slow upstream and a truncating one, with renders queued in
#    a one-thread pool and a reload every RELOAD_EVERY seconds: afterwards
#    overlay_stats' nginx_overlay_in_flight is 0, every
#    old worker exits, and the log has no "open socket ... left in
#    connection" alert (a request whose send_timeout or client fired
#    while its render was queued was left open by an exiting worker), no
#    other alert, and no "exited on signal".
#
# ABORT_SECONDS (default 12) sets the length of part 2; tools/asan-run.pl
# runs it longer, with nginx built with AddressSanitizer.

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use GD;
use IO::Socket::INET;
use IO::Socket::UNIX;
use MIME::Base64 qw(encode_base64url);
use POSIX qw(WNOHANG);
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Test::More;
use Time::HiRes qw(sleep time);

use lib 't/lib';
use OverlayTest ();

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $fixtures = Cwd::abs_path($ENV{TEST_NGINX_OVERLAY_FIXTURES}
                             || 't/fixtures');
my $port = $ENV{TEST_NGINX_RELOAD_PORT} || 1988;
# the upstream and the HTTP/2 listener are on unix sockets: no port of the
# ephemeral range that another's connection may hold
my $cycles = $ENV{ABORT_CYCLES} || 50;
my $seconds = $ENV{ABORT_SECONDS} || 12;
my $reload_every = $ENV{RELOAD_EVERY} || 1.5;
my $clients = 6;

plan skip_all => "$nginx has no --with-threads"
    unless `$nginx -V 2>&1` =~ /--with-threads\b/;

# workers may run as another user (nobody, when the tests run as root)
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
mkdir "$dir/logs";
mkdir "$dir/img", 0755;

# a large noisy JPEG, re-encoded whole (overlay_jpeg_quality 90): a render
# takes tens of milliseconds, and renders queue in the one-thread pool

{
    my $im = GD::Image->new(2400, 1600, 1);
    srand(17);
    for my $y (0 .. 99) {
        for my $x (0 .. 149) {
            my $c = $im->colorAllocate(int rand 256, int rand 256,
                                       int rand 256);
            $im->filledRectangle($x * 16, $y * 16, $x * 16 + 15,
                                 $y * 16 + 15, $c);
        }
    }
    open my $fh, '>', "$dir/img/big.jpg" or die $!;
    binmode $fh;
    print $fh $im->jpeg(95);
    close $fh;
}

my $image = do {
    open my $fh, '<', "$dir/img/big.jpg" or die $!;
    binmode $fh;
    local $/;
    <$fh>;
};

my $value = encode_base64url('{"layers":[{"text":"Last Chance!"}]}');

my $temp_paths = OverlayTest::temp_paths($dir);

# four threads for part 1, each with its caches to free at exit; one for
# the rest, so that renders queue
my $pool_threads = 4;

sub write_conf {
    my ($i) = @_;
    my $colour = $i % 2 ? '#d62828' : '#1a7f37';
    open my $fh, '>', "$dir/nginx.conf.tmp" or die $!;
    print $fh <<"CONF";
load_module $module;
worker_processes 2;
error_log $dir/logs/error.log info;
pid $dir/nginx.pid;
thread_pool overlay threads=$pool_threads;
events { worker_connections 512; }
http {
    access_log off;
$temp_paths
    send_timeout 300ms;
    client_body_timeout 300ms;
    client_header_timeout 1s;
    proxy_read_timeout 1s;
    overlay_thread_pool overlay;
    overlay_jpeg_quality 90;
    overlay_max_concurrent 64;
    overlay_default_background "$colour";
    overlay_buffer 8m;
    server {
        listen 127.0.0.1:$port;
        listen unix:$dir/h2.sock http2;
        location /img/ {
            alias $dir/img/;
            overlay \$arg_overlay;
        }
        location /up/ {
            proxy_pass http://unix:$dir/up.sock:;
            overlay \$arg_overlay;
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

sub connect_nginx {
    my (%opt) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 5, %opt) or return;
    binmode $sock;
    return $sock;
}

sub request {
    my ($path) = @_;
    my $sock = connect_nginx() or return '';
    print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    my $resp = <$sock> // '';
    return $resp;
}

sub workers {
    my ($master) = @_;
    my @w = `pgrep -P $master`;
    chomp @w;
    return grep { alive($_) } @w;
}

# a process that exited: gone, or a zombie (nginx's master is not ours to
# reap, and init may not reap it at once)
sub alive {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh> // '';
    return $stat !~ /^\d+ \(.*\) Z/;
}

sub wait_gone {
    my ($pid, $seconds) = @_;
    for (1 .. $seconds * 100) {
        return 1 unless alive($pid);
        sleep 0.01;
    }
    return 0;
}

sub start_nginx {
    unlink "$dir/nginx.pid";
    system($nginx, '-p', $dir, '-c', "$dir/nginx.conf") == 0 or return;
    for (1 .. 100) {
        if (-s "$dir/nginx.pid") {
            my $resp = request('/stats');
            if ($resp =~ m{^HTTP/1\.\d 200}) {
                chomp(my $pid = `cat $dir/nginx.pid`);
                return $pid;
            }
        }
        sleep 0.05;
    }
    return;
}

sub log_lines {
    my ($re) = @_;
    open my $fh, '<', "$dir/logs/error.log" or return ();
    return grep { /$re/ } <$fh>;
}

sub in_flight {
    my $resp = request('/stats');
    return $resp =~ /^nginx_overlay_in_flight (\d+)$/m ? $1 : -1;
}


# --- 1. start, renders in the pool, quit; and reloads -----------------------

write_conf(0);

# the first cycles with dlclose() slowed down (tests/preload/): module code
# still running in a pool thread when the worker unloads the module would
# crash the worker every time
# (not with AddressSanitizer's nginx, whose runtime must be loaded first)
my $shim = "$dir/slow_dlclose.so";
my $cc = $ENV{CC} || 'cc';

if (`$nginx -V 2>&1` =~ /-fsanitize=address/) {
    $shim = '';
    pass('no dlclose() shim with AddressSanitizer');

} else {
    is(system($cc, '-shared', '-fPIC', '-o', $shim,
              'tests/preload/slow_dlclose.c', '-ldl'), 0,
       'the slow dlclose() shim is built');
}

my $started = 0;
my $t0 = time;

for my $i (1 .. $cycles) {
    local $ENV{LD_PRELOAD} = $i <= 10 && $shim && -f $shim ? $shim : '';
    my $master = start_nginx() or last;
    $started++;

    # renders in flight at once through the pool, then quit
    my @socks = map { connect_nginx() } 1 .. 6;
    for my $sock (grep { defined } @socks) {
        print $sock "GET /img/big.jpg?overlay=$value HTTP/1.0\r\n"
                    . "Host: localhost\r\n\r\n";
    }
    sleep 0.02;
    kill 'QUIT', $master;
    close $_ for grep { defined } @socks;
    wait_gone($master, 10) or diag("cycle $i: nginx did not quit");
}

note(sprintf '%.1f s', time - $t0);
is($started, $cycles, "$cycles starts, overlays through the pool, quits");

# a failure of this suite stops none of the others (no BAIL_OUT)
my $master = start_nginx();
if (!$master) {
    fail('nginx starts: ' . join '', log_lines(qr/emerg/));
    done_testing();
    exit 1;
}

for my $i (1 .. $cycles) {
    my @socks = map { connect_nginx() } 1 .. 3;
    for my $sock (grep { defined } @socks) {
        print $sock "GET /img/big.jpg?overlay=$value HTTP/1.0\r\n"
                    . "Host: localhost\r\n\r\n";
    }
    sleep 0.02;
    write_conf($i);
    kill 'HUP', $master;
    sleep 0.1;
    close $_ for grep { defined } @socks;
}

my @signals = log_lines(qr/exited on signal/);
is(scalar @signals, 0, "no worker exited on a signal over $cycles quits and "
   . "$cycles reloads") or diag(@signals[0 .. ($#signals < 4 ? $#signals : 4)]);


# --- 2. renders queued in the pool of an exiting worker ---------------------

$pool_threads = 1;

# twelve renders queued in the one-thread pools of the two workers (about
# 50 ms each here), then a reload: the old workers are exiting while the
# renders queue, and send_timeout (300 ms) fires for the requests still
# waiting, half of them with their client gone; each is finalized once its
# render is done (an exiting worker used to leave them open), and none is
# left in flight

# the workers of the reloads above are gone once their renders are done
for (1 .. 300) {
    last if workers($master) == 2;
    sleep 0.1;
}

my @old = workers($master);
my @queued = grep { defined } map { connect_nginx() } 1 .. 12;
for my $i (0 .. $#queued) {
    my $sock = $queued[$i];
    print $sock "GET /img/big.jpg?overlay=$value HTTP/1.0\r\n"
                . "Host: localhost\r\n\r\n";
}
sleep 0.1;

# the gauge counts them, whichever worker answers
my $held = in_flight();
ok($held >= 6 && $held <= 12,
   "nginx_overlay_in_flight with 12 renders queued: $held");

close $queued[$_] for grep { $_ % 2 } 0 .. $#queued;
write_conf(++$cycles);
kill 'HUP', $master;

my $old_gone = 1;
for my $pid (@old) {
    $old_gone &&= wait_gone($pid, 20);
}
ok($old_gone, 'the old workers exit with renders queued at the reload');

my @left = log_lines(qr/open socket .* left in connection/);
is(scalar @left, 0, 'no "open socket ... left in connection" after '
   . 'send_timeout fired for queued renders of an exiting worker')
    or diag(@left[0 .. ($#left < 4 ? $#left : 4)]);

# the renders of requests finalized while queued are not drawn
my @skipped = log_lines(qr/render was queued, not drawn/);
cmp_ok(scalar @skipped, '>=', 1, scalar(@skipped) . ' queued renders of '
       . 'finalized requests not drawn so far');

my $answered = 0;
for my $i (grep { !($_ % 2) } 0 .. $#queued) {
    my $sock = $queued[$i];
    local $/;
    my $resp = <$sock> // '';
    $answered++ if $resp =~ m{^HTTP/1\.\d 200};
    close $sock;
}
note("$answered of 6 stalled clients got a 200 header before send_timeout");


# --- 3. aborts at every stage, slow and truncating upstreams, reloads -------

# the upstream: /slow/ sends the image in 16 kB pieces 20 ms apart, /trunc/
# announces it all and closes halfway; a process per connection
my $upstream = fork // die "fork: $!";

if ($upstream == 0) {
    my $listen = IO::Socket::UNIX->new(Local => "$dir/up.sock",
                                       Listen => 128)
        or die "upstream: $!";
    chmod 0777, "$dir/up.sock";
    $SIG{CHLD} = 'IGNORE';
    while (1) {
        my $c = $listen->accept or next;
        my $pid = fork;
        if (!defined $pid || $pid) {
            close $c;
            next;
        }
        close $listen;
        binmode $c;
        local $SIG{PIPE} = 'IGNORE';
        my $req = '';
        while ($req !~ /\r\n\r\n/) {
            my $n = sysread $c, $req, 4096, length $req;
            exit 0 unless $n;
        }
        my ($path) = $req =~ m{^\S+ (\S+)};
        my $len = length $image;
        syswrite $c, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
                     . "Content-Length: $len\r\nConnection: close\r\n\r\n";
        if ($path =~ m{^/up/trunc}) {
            syswrite $c, substr($image, 0, $len / 2);
        } else {
            for (my $o = 0; $o < $len; $o += 16384) {
                syswrite $c, substr($image, $o, 16384) or last;
                sleep 0.02;
            }
        }
        exit 0;
    }
}

# the clients: each request gives up at one stage, at random
my @kinds = qw(complete header render response stall body h2);
my $curl = `curl --version 2>/dev/null` =~ /\bHTTP2\b/ ? 'curl' : undef;

sub client {
    my ($id, $deadline) = @_;
    my %count;
    srand($id * 7919 + $$);

    local $SIG{PIPE} = 'IGNORE';

    while (time < $deadline) {
        my $kind = $kinds[rand @kinds];
        my $path = (qw(/img/big.jpg /up/slow.jpg /up/trunc.jpg))[rand 3]
                   . "?overlay=$value";

        if ($kind eq 'h2') {
            next unless $curl;

            # three streams on one HTTP/2 connection, all given up after
            # 50 to 350 ms: while reading, rendering or sending
            # (curl --parallel draws its progress meter even with -s)
            open my $stderr, '>&', \*STDERR or die $!;
            open STDERR, '>', '/dev/null' or die $!;
            system($curl, '-s', '-o', '/dev/null', '-o', '/dev/null',
                   '-o', '/dev/null', '--http2-prior-knowledge',
                   '--parallel', '--unix-socket', "$dir/h2.sock",
                   '--max-time', sprintf('%.2f', 0.05 + rand 0.3),
                   map { "http://localhost$path" } 1 .. 3);
            open STDERR, '>&', $stderr or die $!;
            $count{$kind}++;
            next;
        }
        my $sock = connect_nginx() or next;

        if ($kind eq 'stall') {
            # a small receive buffer: send_timeout fires while sending
            setsockopt($sock, SOL_SOCKET, SO_RCVBUF, 4096);
        }

        if ($kind eq 'header') {
            print $sock "GET $path HTTP/1.0\r\nHost: loc";
            sleep rand 0.05;

        } elsif ($kind eq 'body') {
            print $sock "POST $path HTTP/1.0\r\nHost: localhost\r\n"
                        . "Content-Length: 1000\r\n\r\n0123456789";
            sleep 0.4 + rand 0.2;

        } else {
            print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";

            if ($kind eq 'render') {
                sleep rand 0.3;

            } elsif ($kind eq 'response') {
                my $buf;
                sysread $sock, $buf, 2000;

            } elsif ($kind eq 'stall') {
                my $buf;
                sysread $sock, $buf, 100;
                sleep 0.5 + rand 0.3;

            } else {
                local $/;
                my $resp = <$sock> // '';
                $count{$resp =~ m{^HTTP/1\.\d 200} ? 'ok' : 'other'}++;
            }
        }

        $count{$kind}++;
        close $sock;
    }

    return \%count;
}

my $deadline = time + $seconds;
my @pids;

for my $id (1 .. $clients) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $count = client($id, $deadline);
        open my $fh, '>', "$dir/client.$id" or die $!;
        print $fh join(' ', map { "$_=$count->{$_}" } sort keys %$count),
                  "\n";
        close $fh;
        exit 0;
    }
    push @pids, $pid;
}

my $reloads = 0;

while (time < $deadline) {
    sleep $reload_every;
    last if time >= $deadline;
    write_conf(++$reloads);
    kill 'HUP', $master;
}

waitpid $_, 0 for @pids;

my %total;
for my $id (1 .. $clients) {
    open my $fh, '<', "$dir/client.$id" or next;
    my $line = <$fh> // '';
    for (split ' ', $line) {
        my ($k, $v) = split /=/;
        $total{$k} += $v;
    }
}

note(join ', ', map { "$_ $total{$_}" } sort keys %total);
cmp_ok($total{ok} // 0, '>', 0, "$seconds s of aborting clients, $reloads "
       . 'reloads: some overlays complete, '
       . join ', ', map { "$_ " . ($total{$_} // 0) } @kinds);

# every old worker exits; the gauge is back to 0

my @w;
for (1 .. 200) {
    @w = workers($master);
    last if @w == 2;
    sleep 0.1;
}
is(scalar @w, 2, 'every old worker exits') or diag(`ps -o pid,args --ppid $master`);

my $gauge = -1;
for (1 .. 100) {
    $gauge = in_flight();
    last if $gauge == 0;
    sleep 0.1;
}
is($gauge, 0, 'nginx_overlay_in_flight is 0 once the traffic stops');

# the slots are free: an overlay is drawn, not refused as busy

my $resp = request("/img/big.jpg?overlay=$value");
like($resp, qr{^HTTP/1\.\d 200}, 'an overlay after the storm: 200');
is(length((split /\r\n\r\n/, $resp, 2)[1] // ''),
   ($resp =~ /^Content-Length: (\d+)/mi)[0] // -1,
   'the whole body');

kill 'QUIT', $master;
wait_gone($master, 20) or diag('nginx did not quit');
kill 'KILL', $upstream;
waitpid $upstream, 0;

@left = log_lines(qr/open socket .* left in connection/);
is(scalar @left, 0, 'no "open socket ... left in connection"')
    or diag(@left[0 .. ($#left < 4 ? $#left : 4)]);

@signals = log_lines(qr/exited on signal/);
is(scalar @signals, 0, 'no worker exited on a signal')
    or diag(@signals[0 .. ($#signals < 4 ? $#signals : 4)]);

my @alerts = log_lines(qr/\[(alert|crit|emerg)\]/);
is(scalar @alerts, 0, 'no alert, crit or emerg in the log')
    or diag(@alerts[0 .. ($#alerts < 4 ? $#alerts : 4)]);

my @busy = log_lines(qr/overlay: busy/);
note(scalar(@busy) . ' busy refusals');

done_testing();
