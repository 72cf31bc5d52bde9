#!/usr/bin/perl
# make soak: one nginx worker with the module answers SOAK_REQUESTS
# (100000 by default) overlay requests, in rounds, over one keep-alive
# connection, every response checked (a 200, a JPEG); the specs
# rotate among 40 texts on 2 images (more than a thread's tile cache
# holds, so that it evicts all along), and every other round goes through
# overlay_thread_pool.  The worker's RSS is printed after every round; the
# run fails if it grew by more than SOAK_GROWTH_KB (2048) from the end of
# the second round (caches and the pool's threads warm) to the end, or if
# any response was not a 200 with a JPEG.
#
# Environment: NGINX, MODULE, BUILD, SOAK_REQUESTS, SOAK_PORT (8093),
# SOAK_GROWTH_KB; BENCH_PHOTO, the photo the images are made from.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep time);

$| = 1;

# nginx reads NGINX itself (inherited sockets): not to be passed on
my $nginx = delete $ENV{NGINX} || '/usr/sbin/nginx';
my $module = $ENV{MODULE} or die "soak: MODULE is not set\n";
my $build = abs_path($ENV{BUILD} || 'build');
my $total = $ENV{SOAK_REQUESTS} || 100_000;
my $port = $ENV{SOAK_PORT} || 8093;
my $growth = $ENV{SOAK_GROWTH_KB} || 2048;
my $images = "$build/bench/images";
my $dir = "$build/soak";

# the benchmark's images, from its photo (tests/bench/images.py)

if (grep { !-s "$images/$_" } qw(thumb.jpg poster.jpg)) {
    my $photo = $ENV{BENCH_PHOTO} || '/usr/share/wallpapers/EveningGlow/'
                                     . 'contents/images/2560x1600.jpg';
    my $top = abs_path(__FILE__ =~ s{/tests/bench/soak\.pl$}{}r);
    system('/usr/bin/python3', "$top/tests/bench/images.py", 'make', $photo,
           $images) == 0
        or die "soak: making the images failed\n";
}

IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1)
    and die "soak: something answers on port $port already\n";

remove_tree($dir);
make_path("$dir/logs");

sub b64url {
    my $s = encode_base64($_[0], '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# the URLs wrk rotates through
my @paths;
for my $i (1 .. 40) {
    for my $name (qw(thumb.jpg poster.jpg)) {
        push @paths, "/img/$name?overlay=" . b64url(qq({"overlay":"Soak $i"}));
    }
}

open my $conf, '>', "$dir/nginx.conf" or die $!;
print $conf <<"CONF";
load_module $module;
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
thread_pool soak threads=2;
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
        keepalive_requests 1000000;
        location /img/ { alias $images/; overlay \$arg_overlay; }
        location /pool/ {
            alias $images/;
            overlay \$arg_overlay;
            overlay_thread_pool soak;
        }
    }
}
CONF
close $conf;

system($nginx, '-p', $dir, '-c', "$dir/nginx.conf") == 0
    or die "soak: nginx did not start\n";

my $master;
END {
    if ($master) {
        kill 'QUIT', $master;
        for (1 .. 50) { last unless kill 0, $master; sleep 0.1 }
    }
}

for (1 .. 50) { last if -s "$dir/nginx.pid"; sleep 0.1 }
chomp($master = `cat $dir/nginx.pid`);
sleep 0.3;
chomp(my $worker = `pgrep -P $master`);

sub rss {
    open my $s, '<', "/proc/$worker/status" or return 0;
    while (<$s>) { return $1 if /^VmRSS:\s+(\d+)/ }
    return 0;
}

my $rounds = 10;
my $per = int($total / $rounds);
my ($done, $failed, $first) = (0, 0, 0);
my $t0 = time;

printf "soak: %d requests in %d rounds, one nginx worker (pid %d), "
       . "%d URLs\n", $per * $rounds, $rounds, $worker, scalar @paths;

# one keep-alive connection; every response read whole and checked

sub client {
    my ($n, $prefix) = @_;
    my ($sock, $ok, $bad) = (undef, 0, 0);

    for my $i (0 .. $n - 1) {
        $sock ||= IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                        Timeout => 10)
            or die "soak: connect: $!\n";

        (my $path = $paths[$i % @paths]) =~ s{^/img/}{$prefix};
        print $sock "GET $path HTTP/1.1\r\nHost: soak\r\n\r\n";

        local $/ = "\r\n\r\n";
        my $head = <$sock>;
        my ($status) = ($head // '') =~ m{^HTTP/1\.1 (\d+)};
        my ($length) = ($head // '') =~ /\r\nContent-Length: (\d+)/i;

        if (!defined $status || !defined $length) {
            $bad++;
            undef $sock;
            next;
        }

        my $body = '';
        while (length $body < $length) {
            my $got = read($sock, $body, $length - length $body,
                           length $body);
            last unless $got;
        }

        if ($status == 200 && length $body == $length
            && substr($body, 0, 3) eq "\xff\xd8\xff")
        {
            $ok++;
        } else {
            $bad++;
        }
    }

    return ($ok, $bad);
}

for my $round (1 .. $rounds) {
    my $pool = ($round % 2 == 0);
    my ($n, $errors) = client($per, $pool ? '/pool/' : '/img/');

    $done += $n;
    $failed += $errors;

    my $kb = rss();
    $first = $kb if $round == 2;

    printf "soak: round %2d (%s): %7d requests in all, worker RSS %6d kB, "
           . "%.0f s\n", $round, $pool ? 'thread pool' : 'inline', $done,
           $kb, time - $t0;
}

my $last = rss();
my $alerts = `grep -c -E '\\[(alert|crit|emerg|error)\\]' $dir/logs/error.log`;
chomp $alerts;

printf "soak: %d requests, %d failed; worker RSS %d kB after the first "
       . "two rounds, %d kB at the end (%+d kB; at most %d allowed); %s errors "
       . "in the log\n", $done, $failed, $first, $last, $last - $first,
       $growth, $alerts;

exit(($failed == 0 && $last - $first <= $growth && $alerts == 0
      && $done >= $per * $rounds) ? 0 : 1);
