#!/usr/bin/perl
# The t/ suites and a stress run with nginx built with AddressSanitizer and
# UndefinedBehaviorSanitizer (make test-asan).
#
#   tools/test-asan.pl [t/FILE.t ...]
#
# TEST_NGINX_BINARY and TEST_NGINX_LOAD_MODULES are the ASan nginx and the
# module built against it (tools/asan-nginx.sh); the rest of the
# environment is the one `make t` sets.  Runs, one file at a time:
#
# - the Test::Nginx suites, t/config.t (nginx -t) and t/reload.t (50
#   reloads under load);
# - t/abort.t, the stress run: 50 start/render/quit cycles and 50
#   reloads with renders in the pool, renders queued in exiting workers,
#   then clients aborting at every stage against slow and truncating
#   upstreams with reloads every 1.5 s, for ASAN_STRESS_SECONDS (60).
#
# Left out, as from make test-valgrind: the suites that measure RSS or
# time (memory.t, latency.t, demo.t) and those that do not run nginx
# (cli.t, deb.t).
#
# Every process writes its sanitizer reports to a file of its own
# (ASan's and UBSan's log_path): build/asan/reports/SUITE.PID.  Fails when
# a suite fails, when any process left a report (an ASan error, a leak
# LeakSanitizer found at exit, a UBSan finding), or when a log of the
# stress runs says "exited on signal" (those suites look for it
# themselves too).  tools/sanitizers/ lists the suppressions, each of
# nginx's own, with why.

use strict;
use warnings;

use Cwd qw(getcwd);
use File::Basename qw(basename);
use File::Path qw(make_path remove_tree);
use Time::HiRes qw(time);

my $top = getcwd();
my $out = "$top/build/asan";
my $reports = "$out/reports";
remove_tree($reports);
make_path($reports);

$ENV{TEST_NGINX_BINARY} && -x $ENV{TEST_NGINX_BINARY}
    or die "test-asan: TEST_NGINX_BINARY is not the ASan nginx\n";
`$ENV{TEST_NGINX_BINARY} -V 2>&1` =~ /-fsanitize=address/
    or die "test-asan: $ENV{TEST_NGINX_BINARY} is not built with ASan\n";

my $supp = "$top/tools/sanitizers";

# the suites' own timeouts are for an nginx at full speed
$ENV{TEST_NGINX_TIMEOUT} ||= 10;
$ENV{ABORT_SECONDS} = $ENV{ASAN_STRESS_SECONDS} || 60;

my @suites = @ARGV;
if (!@suites) {
    for my $t (sort glob 't/*.t') {
        open my $fh, '<', $t or die "$t: $!";
        my $src = do { local $/; <$fh> };
        push @suites, $t if $src =~ /^use Test::Nginx::Socket\b/m
                            || $t =~ m{^t/(config|reload|abort)\.t$};
    }
}

my (@failed, @bad);
my $start = time;

for my $t (@suites) {
    my $name = basename($t, '.t');
    my $log = "$out/$name.log";
    my $t0 = time;

    # leaks are looked for at the exit of every process; the reports go
    # to files, not to the suites' stderr
    local $ENV{ASAN_OPTIONS} = join ':',
        "log_path=$reports/$name", 'detect_leaks=1',
        'detect_stack_use_after_return=0', 'strict_string_checks=0',
        'allocator_may_return_null=1', "suppressions=$supp/asan.supp";
    local $ENV{LSAN_OPTIONS} = "suppressions=$supp/lsan.supp:"
                               . 'print_suppressions=0';
    local $ENV{UBSAN_OPTIONS} = join ':',
        "log_path=$reports/$name", 'print_stacktrace=1',
        "suppressions=$supp/ubsan.supp";

    my $rc = system("prove $t >$log 2>&1");
    my @mine = grep { !nginx_own($_) } sort glob "$reports/$name.*";
    # and what went to stderr: UBSan's findings before nginx daemonizes,
    # a crash
    open my $lh, '<', $log;
    my @signals = grep { /exited on signal|runtime error:|Sanitizer/ }
                  <$lh>;

    push @failed, $t if $rc != 0;
    push @bad, @mine;
    push @bad, map { "$log: $_" } @signals;
    printf "test-asan: %s: %s, %d s, %d report(s)%s\n", $t,
        $rc == 0 ? 'passed' : 'FAILED', time - $t0,
        @mine + @signals, $rc || @mine ? " (see $log)" : '';
}

for my $r (@bad) {
    if (-f $r) {
        open my $fh, '<', $r or next;
        my @lines = <$fh>;
        print "\n--- $r\n", @lines[0 .. ($#lines < 40 ? $#lines : 40)];
    } else {
        print "\n--- $r";
    }
}

printf "\ntest-asan: %d suite(s) in %d s; sanitizer reports: %d\n",
    scalar @suites, time - $start, scalar @bad;

if (@failed || @bad) {
    print "test-asan: FAILED:", map({ " $_" } @failed),
          @bad ? " and the reports above" : '', "\n";
    exit 1;
}

print "test-asan: no sanitizer report, no worker exited on a signal\n";
exit 0;

# Whether a report is only leaks of main()'s init cycle pool, which nginx
# does not destroy when it exits after "nginx -t" or a failed
# configuration (tools/sanitizers/lsan.supp says why it is not there):
# every leak's stack, below the allocator, is exactly ngx_memalign(),
# ngx_create_pool(), main().
sub nginx_own {
    my ($file) = @_;
    open my $fh, '<', $file or return 0;
    my $text = do { local $/; <$fh> };

    return 0 unless $text =~ /ERROR: LeakSanitizer: detected memory leaks/;
    return 0 if $text =~ /ERROR: AddressSanitizer|runtime error:/;

    my @leaks = split /^(?=(?:Direct|Indirect) leak of )/m, $text;
    shift @leaks;

    for my $leak (@leaks) {
        my @funcs = $leak =~ /^\s+#\d+ 0x[0-9a-f]+ in (\S+)/mg;
        shift @funcs while @funcs && $funcs[0] =~ /^__interceptor_|^malloc$/;
        return 0 unless "@funcs[0 .. 2]" eq 'ngx_memalign ngx_create_pool main';
    }

    return @leaks > 0;
}
