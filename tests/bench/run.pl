#!/usr/bin/perl
# The benchmark of `make bench`: the module against a Python/Pillow service
# and plain nginx over HTTP, then the core in-process against libjpeg-turbo.
#
#   tests/bench/run.pl    (make bench sets the variables below)
#
# BENCH_SECONDS  seconds of load per image and server (5)
# BENCH_PORT     the first of three ports: the module's nginx, plain nginx,
#                gunicorn (8090)
# BENCH_PHOTO    the photo the images are derived from (a KDE wallpaper)
# BENCH_STRICT   1: exit 1 when a target is missed, not only on errors
# BENCH_VARIANTS 0: only the baseline JPEGs, PNG and WebP (1: every JPEG
#                variant of images.py as well)
# BENCH_IMAGES   a comma-separated list of the images to run (all)
# BENCH_MODJPEG  a directory with source checkouts of ioppermann/libmodjpeg
#                and ioppermann/modjpeg-nginx (as libmodjpeg/ and
#                modjpeg-nginx/): both are built into BUILD/bench/modjpeg/
#                (cmake; nginx-dev's sources, NGX_SRC) and modjpeg-nginx
#                serves the JPEGs on BENCH_PORT+3, drawing the module's
#                badge (cut from the module's own output) as its dropon.
#                Nothing of them is part of this project.
# NGINX, MODULE, BENCH_CODEC, BUILD, CLI, NGX_SRC
#
# Everything it writes goes to BUILD/bench/ (images, configurations, logs,
# one response per image and server, the results); every process it starts
# is stopped when it ends, however it ends.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Spec;
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX qw(WNOHANG sysconf _SC_CLK_TCK);
use Time::HiRes qw(sleep time);

$| = 1;

my $top = abs_path(dirname(__FILE__) . '/../..');
my $seconds = $ENV{BENCH_SECONDS} || 5;
my $port = $ENV{BENCH_PORT} || 8090;
my $photo = $ENV{BENCH_PHOTO}
    || '/usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg';
# nginx reads NGINX itself (inherited sockets): not to be passed on
my $nginx = delete $ENV{NGINX} || '/usr/sbin/nginx';
my $build = File::Spec->rel2abs($ENV{BUILD} || "$top/build");
my $module = File::Spec->rel2abs($ENV{MODULE}
                                 || "$build/ngx_http_overlay_module.so");
my $codec = File::Spec->rel2abs($ENV{BENCH_CODEC} || "$build/bench_codec");
my $python = '/usr/bin/python3';
my $strict = $ENV{BENCH_STRICT} || 0;
my $cli = File::Spec->rel2abs($ENV{CLI} || "$build/ngx-overlay");
my $ngx_src = $ENV{NGX_SRC} || '/usr/share/nginx/src';
my $peer = $ENV{BENCH_MODJPEG};
my $ticks = sysconf(_SC_CLK_TCK) || 100;
my $began = time;

$seconds =~ /^[1-9][0-9]*$/
    or die "bench: BENCH_SECONDS is whole seconds (wrk's), not $seconds\n";
$port =~ /^[0-9]+$/ && $port > 0 && $port < 65534
    or die "bench: BENCH_PORT $port is no port\n";

my $dir = "$build/bench";
my $images = "$dir/images";
my $value = 'eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0';   # {"overlay":"Last Chance!"}
my $target_image = '1080p.jpg';
my $target_pillow = 2.5;

my @images = qw(thumb.jpg poster.jpg 720p.jpg 1080p.jpg 4k.jpg
                1080p.png 1080p-rgba.png 1080p-pal.png 1080p-grey.png
                1080p-16.png 1080p.webp 1080p-rgba.webp 1080p-lossless.webp
                1080p.gif);

# the targets of the other formats (issue 15): images/s against Pillow's,
# the output's size against Pillow's, PSNR outside the badge (lossy WebP)
my %format_target = (
    png  => { rps => 4.0, size => 1.05 },
    webp => { rps => 2.5, size => 1.10, psnr => 0.5 },
);

# the JPEG variants (tests/bench/images.py), reported one per line;
# BENCH_VARIANTS=0 leaves them out
my @variants = map { my $s = $_; map { "$s-$_.jpg" } qw(opt prog 444 gray) }
               qw(thumb poster 1080p 4k);
push @variants, '720p-opt.jpg';
push @variants, map { "$_-rst.jpg" } qw(thumb poster 1080p 4k)
    if -x '/usr/bin/cjpeg';
push @images, @variants if ($ENV{BENCH_VARIANTS} // 1);

if ($ENV{BENCH_IMAGES}) {
    my %want = map { $_ => 1 } split /,/, $ENV{BENCH_IMAGES};
    @images = grep { $want{$_} } @images;
}

my %servers = (
    module => { port => $port,     path => '/img/', overlay => 1 },
    q90    => { port => $port,     path => '/q90/', overlay => 1,
                jpeg_only => 1 },
    # overlay_png_reduce on, on the PNGs it changes (grey, 16-bit)
    reduce => { port => $port,     path => '/reduce/', overlay => 1,
                only => qr/^1080p-(?:grey|16)\.png$/ },
    pillow => { port => $port + 2, path => '/img/', overlay => 1 },
    nginx  => { port => $port + 1, path => '/img/', overlay => 0 },
);
my @order = qw(module q90 reduce pillow nginx);
my %label = (
    module  => 'module',
    q90     => 'module q90',
    reduce  => 'module reduce',
    pillow  => 'Pillow',
    nginx   => 'nginx, no overlay',
    modjpeg => 'modjpeg-nginx',
);

if ($peer) {
    $servers{modjpeg} = { port => $port + 3, path => '/img/', overlay => 1,
                          jpeg_only => 1 };
    splice @order, 3, 0, 'modjpeg';
}

my %children;           # pid => name, stopped at the end
my %workers;            # pid => 1, the children's children
my $errors = 0;

$SIG{INT} = $SIG{TERM} = sub {
    $SIG{INT} = $SIG{TERM} = 'IGNORE';
    stop_all();
    exit 130;
};
END { stop_all() }

for my $f ($nginx, $module, $codec, '/usr/bin/wrk', '/usr/bin/gunicorn') {
    -x $f || -f $f or die "bench: $f is missing (make bench builds and "
                          . "installs what it needs)\n";
}
-f $photo or die "bench: the photo $photo is missing "
                 . "(tools/deps.sh install bench)\n";

make_path("$dir/out");

my $load = loadavg();

print "bench: ", scalar(localtime), ", ", cpus(), " CPUs, load $load, ",
      "$seconds s per case\n";
print "bench: nginx ", version("$nginx -v 2>&1", qr{nginx/(\S+)}),
      ", libjpeg-turbo ", package_version('libjpeg62-turbo'),
      ", libgd ", package_version('libgd3'),
      ", Pillow ", package_version('python3-pil'),
      ", gunicorn ", package_version('gunicorn'),
      ", wrk ", package_version('wrk'), "\n";

# --- the images, derived from the photo once ------------------------------

my $stamp = "$images/.made-from";
my $made = -f $stamp ? do { local (@ARGV, $/) = $stamp; <> } : '';

if ($made ne $photo || (grep { !-f "$images/$_" } @images)
    || -M $stamp > -M "$top/tests/bench/images.py")
{
    print "bench: the images, from $photo\n";
    system($python, "$top/tests/bench/images.py", 'make', $photo, $images) == 0
        or die "bench: making the images failed\n";

    open my $fh, '>', $stamp or die "bench: $stamp: $!\n";
    print $fh $photo;
    close $fh;
}

# --- the peer, built from the user's checkouts --------------------------

my $peer_so = $peer ? build_modjpeg($peer) : undef;

# --- load: for each image, fresh servers, their responses checked -------

print <<HEAD;

bench: wrk, 1 thread, 2 connections, $seconds s per case, against one nginx
       worker and one gunicorn sync worker, started afresh for each image.
       CPU: the worker's user and system time per image; peak RSS: the
       worker's, while it served that image.

HEAD

printf "%-20s %-18s %9s %8s %8s %8s %8s %8s %9s\n",
       'image', 'server', 'images/s', 'x Pillow', 'p50 ms', 'p99 ms',
       'CPU ms', 'x Pillow', 'peak RSS';

my $http = HTTP::Tiny->new(timeout => 60);
my (%result, @checks, $few);

for my $p ($port .. $port + ($peer ? 3 : 2)) {
    IO::Socket::INET->new(PeerAddr => "127.0.0.1:$p")
        and die "bench: port $p is in use; choose others with BENCH_PORT\n";
}

open my $tsv_fh, '>', "$dir/http.tsv" or die "bench: $dir/http.tsv: $!\n";
print $tsv_fh "image\tserver\trequests\timages/s\tp50_ms\tp99_ms\t",
              "cpu_ms\tpeak_rss_mb\n";

for my $img (@images) {
    my @names = grep { (!$servers{$_}{jpeg_only} || $img =~ /\.jpg$/)
                       && (!$servers{$_}{only} || $img =~ $servers{$_}{only}) }
                @order;

    start_nginx('module', 1);
    start_nginx('plain', 0);
    start_gunicorn();

    if (grep { $_ eq 'modjpeg' } @names) {
        start_nginx('modjpeg', 0, dropon($img));
    }

    wait_port($servers{$_}{port}) for @names;

    my %worker = (
        module => worker_of('module'),
        q90    => worker_of('module'),
        reduce => worker_of('module'),
        nginx  => worker_of('plain'),
        pillow => worker_of('pillow'),
    );

    $worker{modjpeg} = worker_of('modjpeg')
        if grep { $_ eq 'modjpeg' } @names;

    # one response of each, kept to be checked (and a warm-up)

    for my $name (@names) {
        my $res = $http->get(url($name, $img));
        my $out = "$dir/out/$name-$img";

        if (!$res->{success}) {
            print "FAIL $name $img: $res->{status} $res->{reason}\n";
            $errors++;
            next;
        }

        open my $fh, '>:raw', $out or die "bench: $out: $!\n";
        print $fh $res->{content};
        close $fh;

        push @checks, "$images/$img", $out,
             $servers{$name}{overlay} ? 'overlay' : 'same';
    }

    for my $name (@names) {
        reset_hwm($worker{$name});
        my $cpu = cpu_ms($worker{$name});
        my $r = wrk(url($name, $img));
        $r->{cpu} = $r->{requests}
                    ? (cpu_ms($worker{$name}) - $cpu) / $r->{requests} : 0;
        $r->{rss} = hwm($worker{$name});
        $result{$img}{$name} = $r;

        if ($r->{errors}) {
            print "FAIL $name $img: $r->{errors}\n";
            $errors++;
        }
    }

    stop_all();

    my $p = $result{$img}{pillow};

    for my $name (@names) {
        my $r = $result{$img}{$name};
        my $mark = $r->{requests} < 10 ? '*' : '';

        $few ||= $mark;

        printf "%-20s %-18s %9s %7.2fx %8.2f %8.2f %8.2f %7.2fx %6.1f MB\n",
               $img, $label{$name}, sprintf('%.1f%s', $r->{rps}, $mark),
               ratio($r->{rps}, $p->{rps}), $r->{p50}, $r->{p99}, $r->{cpu},
               ratio($p->{cpu}, $r->{cpu}), $r->{rss} / 1024;

        print $tsv_fh join("\t", $img, $name, $r->{requests},
                           map { sprintf '%.4f', $_ }
                               @$r{qw(rps p50 p99 cpu)}, $r->{rss} / 1024),
                      "\n";
    }
}

close $tsv_fh;

print "\n* fewer than 10 requests: too short to trust, raise BENCH_SECONDS\n"
    if $few;

print "\nbench: the responses (in $dir/out/)\n";
system($python, "$top/tests/bench/images.py", 'check', @checks) == 0
    or $errors++;

# --- PNG, WebP, GIF: what came out, against Pillow's ----------------------

my %out;

print "\nbench: the responses of the other formats: size, PSNR (RGB, dB)"
      . " against the\n       original outside the badge's quarter, what"
      . " each is (png-tTYPE-DEPTH)\n\n";
printf "%-20s %9s %9s %7s %8s %8s  %-14s %s\n", 'image', 'module B',
       'Pillow B', 'x size', 'module', 'Pillow', 'module out',
       'Pillow out';

for my $img (grep { !/\.jpg$/ } @images) {
  for my $name ('module', 'reduce') {
    my ($m, $p) = ("$dir/out/$name-$img", "$dir/out/pillow-$img");
    next unless -f $m && -f $p && $result{$img}{$name};

    my $line = `$python '$top/tests/bench/images.py' compare '$images/$img' '$m' '$p'`;
    my @f = split ' ', $line // '';
    next unless @f == 6;

    # overlay_png_reduce on: "IMAGE reduce"
    my $key = $name eq 'module' ? $img : "$img reduce";

    $out{$key} = { mbytes => $f[0], pbytes => $f[1], mpsnr => $f[2],
                   ppsnr => $f[3], mkind => $f[4], pkind => $f[5] };

    printf "%-20s %9d %9d %6.2fx %8.2f %8.2f  %-14s %s\n", $key, @f[0, 1],
           ratio($f[0], $f[1]), @f[2 .. 5];
  }
}

# --- in-process ---------------------------------------------------------------

# per image and case: 20% of the load's seconds, in 3 blocks (1 if short)

my @codec = ('-t', $seconds * 0.2, '-n', $seconds >= 3 ? 5 : 1,
             '-b', $seconds >= 3 ? 3 : 1);
my $tsv = "$dir/codec.tsv";

printf "\nbench: %.0f s so far; bench_codec @codec\n\n", time - $began;
# the target is checked only when its image is among those run
# (BENCH_IMAGES may leave it out)

my @target = grep({ $_ eq $target_image } @images) ? ('-T', $target_image)
                                                   : ();

system($codec, @codec, @target, '-o', $tsv,
       map { "$images/$_" } @images) == 0
    or $errors++;

my ($dct_ratio, %codec);

if (open my $fh, '<', $tsv) {
    while (<$fh>) {
        chomp;
        my @f = split /\t/;

        if ($f[1] eq 'target') {
            $dct_ratio = $f[2] if $f[0] eq $target_image;
        } else {
            $codec{$f[0]}{$f[1]} = $f[2];
        }
    }
    close $fh;
}

# --- the targets --------------------------------------------------------------

my $m = $result{$target_image}{module} || {};
my $p = $result{$target_image}{pillow} || {};
my $pillow_ratio = ratio($m->{rps} || 0, $p->{rps} || 0);
my $missed = 0;

# only when its image was run (BENCH_IMAGES may leave it out)

if (%$m && %$p) {
    print "\nbench: targets, $target_image, top-right badge, 1 worker\n";
    printf "  module images/s at least %.1fx the Pillow service's:     "
           . "%5.2fx %s\n"
           . "     (in worker CPU time per image: %.2fx)\n",
           $target_pillow, $pillow_ratio,
           verdict($pillow_ratio >= $target_pillow),
           ratio($p->{cpu} || 0, $m->{cpu} || 0);
    printf "  module time per image within 1.25x of the coefficient "
           . "transcode: %s %s\n",
           defined $dct_ratio ? sprintf('%5.2fx', $dct_ratio) : '    ?',
           verdict(defined $dct_ratio && $dct_ratio <= 1.25);
}

print "\nbench: targets of the other formats, 1080p, top-right badge, "
      . "1 worker\n";

for my $key (map { ($_, "$_ reduce") } grep { /\.(png|webp)$/ } @images) {
    my ($img, $name) = $key =~ /^(\S+)( reduce)?$/;
    $name = $name ? 'reduce' : 'module';
    my $fmt = $img =~ /\.png$/ ? 'png' : 'webp';
    my $t = $format_target{$fmt};
    my $r = $result{$img} || {};
    my $o = $out{$key} or next;

    next if $img =~ /lossless/;

    my $rps = ratio($r->{$name}{rps} || 0, $r->{pillow}{rps} || 0);
    my $size = ratio($o->{mbytes}, $o->{pbytes});

    printf "  %-21s images/s %5.2fx (%.1fx) %s, size %5.2fx (%.2fx) %s",
           $key, $rps, $t->{rps}, verdict($rps >= $t->{rps}), $size,
           $t->{size}, verdict($size <= $t->{size});

    if ($t->{psnr}) {
        printf ", PSNR %+.2f dB (-%.1f) %s", $o->{mpsnr} - $o->{ppsnr},
               $t->{psnr},
               verdict($o->{mpsnr} >= $o->{ppsnr} - $t->{psnr});
    }

    print "\n";
}

summary("$dir/summary.md");

printf "\nbench: %.0f s in all; results in %s/: http.tsv, codec.tsv, "
       . "and summary.md\n       (the ratios, as a Markdown table)\n",
       time - $began, $dir;

if ($errors) {
    print "bench: $errors error(s) above: the figures are not valid\n";
    exit 1;
}

exit($strict && $missed ? 1 : 0);


# the ratios of this run, as the README gives them

sub summary {
    my ($file) = @_;

    open my $fh, '>', $file or die "bench: $file: $!\n";

    my $commit = `git -C '$top' rev-parse --short HEAD 2>/dev/null` || '?';
    chomp $commit;

    printf $fh "Measured %s, commit %s, %d CPUs, load %s at the start, "
               . "`make bench` (BENCH_SECONDS=%d).\n\n",
               scalar(localtime $began), $commit, cpus(), $load, $seconds;

    print $fh "| image | module / Pillow, images/s | CPU per image, "
              . "Pillow / module | module q90 / Pillow, images/s | peak RSS, "
              . "module / Pillow | in-process: DCT path / coefficient "
              . "floor | full path (q90) / DCT path | size, module / "
              . "Pillow | PSNR, module - Pillow | output, module / "
              . "Pillow | module images/s, variant / baseline | module / "
              . "modjpeg-nginx, images/s |
";
    print $fh "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
              . "| ---: | --- | ---: | ---: |
";

    for my $img (@images) {
        my $r = $result{$img} or next;
        my ($m, $q, $p) = @$r{qw(module q90 pillow)};
        my $c = $codec{$img} || {};

        my @cells = (
            x(ratio($m->{rps}, $p->{rps}),
              $m->{requests} < 10 || $p->{requests} < 10),
            x(ratio($p->{cpu}, $m->{cpu})),
            $q ? x(ratio($q->{rps}, $p->{rps}),
                   $q->{requests} < 10 || $p->{requests} < 10) : '-',
            x(ratio($m->{rss}, $p->{rss})),
            $c->{coefs} ? x(ratio($c->{dct}, $c->{coefs})) : '-',
            $c->{full} ? x(ratio($c->{full}, $c->{dct})) : '-',
            $out{$img} ? x(ratio($out{$img}{mbytes}, $out{$img}{pbytes}))
                       : '-',
            $out{$img} ? sprintf('%+.2f dB',
                                 $out{$img}{mpsnr} - $out{$img}{ppsnr})
                       : '-',
            $out{$img} ? "$out{$img}{mkind} / $out{$img}{pkind}" : '-',
        );

        # a variant against the baseline JPEG of its size (images.py)

        (my $base = $img) =~ s/-(opt|prog|444|gray|rst)\.jpg$/.jpg/;
        my $b = $base ne $img && $result{$base} ? $result{$base}{module}
                                                : undef;
        push @cells, $b ? x(ratio($m->{rps}, $b->{rps})) : '-';

        my $j = $r->{modjpeg};
        push @cells, $j ? x(ratio($m->{rps}, $j->{rps}),
                            $j->{requests} < 10 || $m->{requests} < 10)
                        : '-';

        print $fh "| $img | ", join(' | ', @cells), " |\n";

        # overlay_png_reduce on

        my $d = $r->{reduce} or next;
        my $o = $out{"$img reduce"};

        print $fh "| $img, overlay_png_reduce on | ",
                  join(' | ',
                       x(ratio($d->{rps}, $p->{rps}),
                         $d->{requests} < 10 || $p->{requests} < 10),
                       x(ratio($p->{cpu}, $d->{cpu})), '-',
                       x(ratio($d->{rss}, $p->{rss})), '-', '-',
                       $o ? (x(ratio($o->{mbytes}, $o->{pbytes})),
                             sprintf('%+.2f dB', $o->{mpsnr} - $o->{ppsnr}),
                             "$o->{mkind} / $o->{pkind}")
                          : ('-', '-', '-'),
                       '-', '-'),
                  " |\n";
    }

    my $m = $result{$target_image}{module} || {};
    my $p = $result{$target_image}{pillow} || {};

    if (%$m && %$p) {
        printf $fh "\nTargets on %s: module images/s / Pillow's %s "
                   . "(target 2.5x or more); DCT path / coefficient floor "
                   . "%s (target 1.25x or less).\n",
                   $target_image, x(ratio($m->{rps} || 0, $p->{rps} || 0)),
                   defined $dct_ratio ? x($dct_ratio) : '?';
    }

    close $fh;
}


# a ratio as the summary shows it; * when too few requests made it

sub x {
    my ($r, $few) = @_;
    return sprintf('%.2fx%s', $r, $few ? '*' : '');
}


sub ratio {
    my ($a, $b) = @_;
    return ($b || 0) > 0 ? ($a || 0) / $b : 0;
}


sub verdict {
    my ($ok) = @_;
    $missed++ unless $ok;
    return $ok ? 'PASS' : 'FAIL';
}


sub url {
    my ($name, $img) = @_;
    my $s = $servers{$name};
    my $u = "http://127.0.0.1:$s->{port}$s->{path}$img";
    $u .= "?overlay=$value" if $s->{overlay};
    return $u;
}


sub start_nginx {
    my ($name, $overlay, $dropon) = @_;
    my $prefix = "$dir/$name";

    make_path("$prefix/conf", "$prefix/logs");

    my $p = $overlay ? $port : $dropon ? $port + 3 : $port + 1;
    my $user = $> == 0 ? "user root;\n" : '';
    my $load = $overlay ? "load_module $module;\n"
             : $dropon ? "load_module $peer_so;\n" : '';
    my $on = $overlay ? "overlay \$arg_overlay;" : '';

    # the peer: the badge as its dropon, where the module draws it

    $on = <<MJ if $dropon;
jpeg_filter on;
            jpeg_filter_buffer 64M;
            jpeg_filter_dropon_align top right;
            jpeg_filter_dropon_offset $dropon->{dy} $dropon->{dx};
            jpeg_filter_dropon_file $dropon->{png};
MJ
    my $q90 = $overlay ? <<Q90 : '';
        location /q90/ {
            alias $images/;
            overlay \$arg_overlay;
            overlay_jpeg_quality 90;
        }

        location /reduce/ {
            alias $images/;
            overlay \$arg_overlay;
            overlay_png_reduce on;
        }
Q90

    open my $fh, '>', "$prefix/conf/nginx.conf" or die "bench: $prefix: $!\n";
    print $fh <<CONF;
$load$user
daemon off;
master_process on;
worker_processes 1;
error_log $prefix/logs/error.log warn;
pid $prefix/logs/nginx.pid;

events {
    worker_connections 1024;
}

http {
    types {
        image/jpeg jpg;
        image/png png;
        image/webp webp;
        image/gif gif;
    }

    access_log off;
    sendfile on;
    keepalive_requests 1000000;

    client_body_temp_path $prefix/logs/body;
    proxy_temp_path $prefix/logs/proxy;
    fastcgi_temp_path $prefix/logs/fastcgi;
    uwsgi_temp_path $prefix/logs/uwsgi;
    scgi_temp_path $prefix/logs/scgi;

    server {
        listen 127.0.0.1:$p;

        location /img/ {
            alias $images/;
            $on
        }
$q90    }
}
CONF
    close $fh;

    spawn($name, $nginx, '-p', $prefix, '-c', "$prefix/conf/nginx.conf");
}


# libmodjpeg (cmake, the library only) and modjpeg-nginx (a dynamic module
# of nginx-dev's sources, configured as the module is), once

sub build_modjpeg {
    my ($src) = @_;
    my $m = "$dir/modjpeg";
    my $so = "$m/nginx/objs/ngx_http_jpeg_filter_module.so";
    my $log = "$m/build.log";

    return $so if -f $so;

    -d "$src/libmodjpeg" && -d "$src/modjpeg-nginx"
        or die "bench: BENCH_MODJPEG $src: no libmodjpeg/ and "
               . "modjpeg-nginx/ in it\n";

    make_path($m);
    print "bench: building libmodjpeg and modjpeg-nginx from $src "
          . "(log: $log)\n";

    system("cmake -S '$src/libmodjpeg' -B '$m/lib' -DCMAKE_BUILD_TYPE=Release"
           . " > '$log' 2>&1 && cmake --build '$m/lib' --target modjpeg"
           . " >> '$log' 2>&1 && rm -rf '$m/nginx' && cp -r '$ngx_src'"
           . " '$m/nginx' && cd '$m/nginx' && bash -c '. ./conf_flags &&"
           . " ./configure \"\${NGX_CONF_FLAGS[@]}\""
           . " --with-cc-opt=\"-O2 -I$src/libmodjpeg/src\""
           . " --with-ld-opt=\"-L$m/lib -Wl,-rpath,$m/lib\""
           . " --add-dynamic-module=$src/modjpeg-nginx' >> '$log' 2>&1"
           . " && make -f objs/Makefile modules >> '$log' 2>&1") == 0
        or die "bench: building modjpeg failed; see $log\n";

    return $so;
}


# the badge the module draws on img (by the CLI), cut out for the peer

sub dropon {
    my ($img) = @_;
    my $m = "$dir/modjpeg";
    my $badge = "$m/badge-$img";
    my $png = "$m/badge-$img.png";

    system($cli, 'render', "$images/$img", '{"overlay":"Last Chance!"}',
           $badge) == 0
        or die "bench: $cli render $img failed\n";

    my $cmd = "$python '$top/tests/bench/images.py' dropon '$images/$img'"
              . " '$badge' '$png'";
    my $at = `$cmd`;
    $at =~ /^(-?\d+) (-?\d+)$/ or die "bench: no badge in $badge\n";

    return { dy => $1, dx => $2, png => $png };
}


sub start_gunicorn {
    my $log = "$dir/gunicorn.log";

    $ENV{BENCH_IMAGES} = $images;

    spawn('pillow', '/usr/bin/gunicorn', '--workers', '1',
          '--worker-class', 'sync', '--bind', '127.0.0.1:' . ($port + 2),
          '--chdir', "$top/tests/bench", '--log-level', 'warning',
          '--error-logfile', $log, 'pillow_service:app');
}


sub spawn {
    my ($name, @cmd) = @_;

    my $pid = fork;
    die "bench: fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        open STDOUT, '>>', "$dir/$name.out";
        open STDERR, '>&', \*STDOUT;
        { exec @cmd }
        print STDERR "bench: $cmd[0]: $!\n";
        POSIX::_exit(127);             # not through END: the parent's
    }

    $children{$pid} = $name;
}


sub wait_port {
    my ($p) = @_;
    my $until = time + 20;

    while (time < $until) {
        return if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$p");

        for my $pid (keys %children) {
            next unless waitpid($pid, WNOHANG) == $pid;
            my $name = delete $children{$pid};
            die "bench: $name exited at once; see $dir/$name.out and "
                . "$dir/$name/logs/error.log\n";
        }

        sleep 0.1;
    }

    die "bench: nothing listens on port $p after 20 s\n";
}


# the worker: the one child of the master (nginx's, gunicorn's)

sub worker_of {
    my ($name) = @_;
    my ($master) = grep { $children{$_} eq $name } keys %children;
    my $until = time + 10;

    while (time < $until) {
        for my $stat (glob '/proc/[0-9]*/stat') {
            open my $fh, '<', $stat or next;
            my $line = <$fh>;
            close $fh;
            next unless defined $line && $line =~ /^(\d+) \(.*\) \S (\d+) /;
            next unless $2 == $master;
            $workers{$1} = 1;
            return $1;
        }

        sleep 0.1;
    }

    die "bench: no worker of $name (pid $master)\n";
}


# the peak RSS from now on (Linux 4.0 and later; root or the owner)

sub reset_hwm {
    my ($pid) = @_;

    if (open my $fh, '>', "/proc/$pid/clear_refs") {
        print $fh "5\n";
        close $fh;
    }
}


sub hwm {
    my ($pid) = @_;

    open my $fh, '<', "/proc/$pid/status" or return 0;
    while (<$fh>) {
        return $1 if /^VmHWM:\s+(\d+) kB/;
    }
    return 0;
}


sub wrk {
    my ($u) = @_;
    my %r = (rps => 0, p50 => 0, p99 => 0, requests => 0, errors => '');

    open my $fh, '-|', 'wrk', '-t1', '-c2', "-d${seconds}s", '--timeout',
         '30s', '-s', "$top/tests/bench/wrk_report.lua", $u
        or die "bench: wrk: $!\n";

    while (<$fh>) {
        next unless /^bench: requests (\d+) duration (\d+) p50 (\d+) p99 (\d+) errors (.*)/;

        $r{requests} = $1;
        $r{rps} = $2 > 0 ? $1 / ($2 / 1e6) : 0;
        $r{p50} = $3 / 1000;
        $r{p99} = $4 / 1000;

        my $e = $5;
        $r{errors} = "wrk: $e" if $e =~ /[1-9]/;
    }

    close $fh or $r{errors} .= " wrk exited with $?";

    return \%r;
}


# user and system time of a process, in milliseconds

sub cpu_ms {
    my ($pid) = @_;

    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $line = <$fh>;
    close $fh;

    # the fields after the command's closing parenthesis; 14, 15 of stat
    $line =~ s/^.*\) //s;
    my @f = split ' ', $line;

    return ($f[11] + $f[12]) * 1000 / $ticks;
}


# INT: a fast shutdown for nginx, a quick one for gunicorn (TERM would
# wait for requests in progress); then whatever is left, workers too

sub stop_all {
    return unless %children;

    kill 'INT', keys %children;

    my $until = time + 10;
    while (%children && time < $until) {
        for my $pid (keys %children) {
            delete $children{$pid} if waitpid($pid, WNOHANG) != 0;
        }
        sleep 0.05 if %children;
    }

    if (%children) {
        kill 'KILL', keys %children;
        waitpid($_, 0) for keys %children;
        %children = ();
    }

    # a worker left behind by its master (a pid not reused since: still
    # nginx's or gunicorn's)

    for my $pid (keys %workers) {
        delete $workers{$pid};
        open my $fh, '<', "/proc/$pid/cmdline" or next;
        my $cmd = <$fh> // '';
        close $fh;
        kill 'KILL', $pid if $cmd =~ /nginx|gunicorn/;
    }
}


sub cpus {
    open my $fh, '<', '/proc/cpuinfo' or return '?';
    return scalar grep { /^processor\s*:/ } <$fh>;
}


sub loadavg {
    open my $fh, '<', '/proc/loadavg' or return '?';
    my @l = split ' ', <$fh>;
    return "@l[0 .. 2]";
}


sub version {
    my ($cmd, $re) = @_;
    my $out = `$cmd`;
    return $out =~ $re ? $1 : '?';
}


sub package_version {
    my ($p) = @_;
    my $v = `dpkg-query -W -f='\${Version}' $p 2>/dev/null`;
    return $v || '?';
}
