#!/usr/bin/perl
# The t/ suites with nginx under valgrind's memcheck (make test-valgrind).
#
#   tools/test-valgrind.pl [t/FILE.t ...]
#
# Runs each suite with prove, one file at a time, TEST_NGINX_USE_VALGRIND
# set: Test::Nginx then starts nginx under valgrind for every block, and
# t/config.t runs its "nginx -t" under it.  The suites that start nginx by
# themselves to measure it (memory.t, reload.t, demo.t) or do not run it
# (cli.t, deb.t) are left out: their RSS and timing figures mean nothing
# under valgrind.  Valgrind writes its reports to the suite's stderr, kept
# in build/valgrind/NAME.log, each after the name of the block it is in.
#
# Fails when a suite fails, or when valgrind reports, in any block, an
# error (invalid read or write, use of uninitialised memory, bad free...)
# or a definite leak that valgrind.suppress does not cover, or a block
# still reachable at exit that the module allocated (a cache it forgets
# to free at exit would hide its leaks from the leak check).
#
# The environment is the one `make t` sets (TEST_NGINX_BINARY, ...);
# TEST_NGINX_USE_VALGRIND, when set, replaces the valgrind options below.

use strict;
use warnings;

use Cwd qw(getcwd);
use File::Basename qw(basename);
use File::Path qw(make_path);
use Time::HiRes qw(time);

my $top = getcwd();
my $out = "$top/build/valgrind";
make_path($out);

system('valgrind --version >/dev/null 2>&1') == 0
    or die "test-valgrind: valgrind is not installed "
           . "(apt-get install valgrind)\n";

# upstream's options for TEST_NGINX_USE_VALGRIND=1, and the blocks still
# reachable at exit shown too, to find those the module allocated
$ENV{TEST_NGINX_USE_VALGRIND} ||= join ' ',
    qw(--num-callers=100 --tool=memcheck --leak-check=full
       --keep-debuginfo=yes --gen-suppressions=all),
    '--show-leak-kinds=definite,reachable',
    "--suppressions=$top/valgrind.suppress";

# requests without a timeout of their own wait longer
$ENV{TEST_NGINX_TIMEOUT} ||= 10;

my @suites = @ARGV;
if (!@suites) {
    for my $t (sort glob 't/*.t') {
        open my $fh, '<', $t or die "$t: $!";
        my $src = do { local $/; <$fh> };
        push @suites, $t if $src =~ /^use Test::Nginx::Socket\b/m
                            || $t eq 't/config.t';
    }
}

my (@failed, @bad, %reachable);
my $start = time;

for my $t (@suites) {
    my $name = basename($t, '.t');
    my $log = "$out/$name.log";
    my $t0 = time;
    my $rc = system("prove $t 2>$log");
    my @reports = reports($log);
    my @mine = grep { $_->{bad} } @reports;
    $reachable{$t} = grep { $_->{kind} eq 'reachable' } @reports;
    push @failed, $t if $rc != 0;
    push @bad, @mine;
    printf "test-valgrind: %s: %s, %d s, %d report(s)%s\n", $t,
        $rc == 0 ? 'passed' : 'FAILED', time - $t0, scalar @mine,
        @mine ? " (see $log)" : '';
}

for my $r (@bad) {
    print "\n--- $r->{where}\n", @{ $r->{lines} };
}

printf "\ntest-valgrind: %d suite(s) in %d s; valgrind reports: %d\n",
    scalar @suites, time - $start, scalar @bad;

if (@failed || @bad) {
    print "test-valgrind: FAILED:", map({ " $_" } @failed),
          @bad ? " and valgrind reports above" : '', "\n";
    exit 1;
}

print "test-valgrind: no error, no definite leak, nothing of the module's "
      . "left at exit\n";
exit 0;

# Valgrind's records in a suite's stderr, each with the block it came in:
# { where, what, kind, bad, lines }.  A record is the lines of one process
# ("==PID== ...") up to its blank "==PID==" line, with the suppression
# valgrind suggests for it.
sub reports {
    my ($log) = @_;
    open my $fh, '<', $log or return ();
    my ($where, %open, @done) = ('(before the first block)');
    my $last;

    while (my $line = <$fh>) {
        if ($line =~ /^==(\d+)== ?(.*)$/) {
            my ($pid, $text) = ($1, $2);
            if ($text eq '') {
                push @done, delete $open{$pid} if $open{$pid};
                next;
            }
            $last = $open{$pid} //= { where => $where, what => $text,
                                      lines => [] };
            push @{ $last->{lines} }, $line;
            next;
        }
        if ($line =~ /^\{/ .. $line =~ /^\}/) {    # a suggested suppression
            push @{ $last->{lines} }, $line if $last;
            next;
        }
        # the name of the block (or the nginx -t) whose nginx starts now
        $where = $1 if $line =~ m{^(t/\S+\.t\b.*?)\s*$};
    }
    push @done, values %open;

    for my $r (@done) {
        my $what = $r->{what};
        my $module = grep { /ngx_http_overlay_/ } @{ $r->{lines} };
        if ($what =~ /are still reachable in loss record/) {
            # "nginx -t" exits without freeing anything, nor calling the
            # modules' exit handlers: only a server's exit counts here
            $r->{kind} = 'reachable';
            $r->{bad} = $module && $r->{where} !~ / nginx -t:/;
        } elsif ($what =~ /are (?:possibly|indirectly) lost/) {
            $r->{kind} = 'lost';
            $r->{bad} = 0;
        } elsif ($what =~ /^Warning: /) {    # e.g. large range perms
            $r->{kind} = 'warning';
            $r->{bad} = 0;
        } else {                             # an error, a definite leak
            $r->{kind} = $what =~ /definitely lost/ ? 'leak' : 'error';
            $r->{bad} = 1;
        }
    }
    return @done;
}
