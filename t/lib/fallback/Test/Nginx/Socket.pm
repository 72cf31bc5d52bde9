package Test::Nginx::Socket;

=pod

=head1 NAME

Test::Nginx::Socket - minimal stand-in for openresty's Test::Nginx::Socket

=head1 DESCRIPTION

A small re-implementation of the subset of Test::Nginx::Socket (CPAN
distribution Test::Nginx) used by this project's F<.t> files.  It lives in
F<t/lib/fallback/>, out of the suites' own C<use lib 't/lib'>, and the
Makefile puts that directory on C<PERL5LIB> ONLY when
C<perl -MTest::Nginx::Socket -e1> fails, i.e. when the real module is
absent: it never shadows an installed one.  Test files run unchanged under
both.

Like upstream it subclasses Test::Base, so block parsing, section filters
(C<eval>, C<chomp>, ...), C<blocks()>, C<plan> and C<__DATA__> are identical.
For every block nginx is restarted with a generated F<nginx.conf> (same
layout as upstream), the request is sent over a raw socket, and the
response and the error log written during the block are checked.

Sections: main_config http_config config post_main_config server_name
request (string or arrayref) raw_request more_headers error_code
error_code_like response_headers response_headers_like
raw_response_headers_like raw_response_headers_unlike response_body
response_body_like response_body_unlike response_body_filters error_log
no_error_log log_level timeout wait abort shutdown init must_die skip_eval
skip_nginx ignore_response suppress_stderr.  Other upstream sections with test
semantics (user_files, grep_error_log, access_log, tcp_listen, ...) make the
test bail out instead of being silently ignored.

Environment: TEST_NGINX_BINARY TEST_NGINX_PORT TEST_NGINX_SERVER_PORT
TEST_NGINX_CLIENT_PORT TEST_NGINX_LOAD_MODULES TEST_NGINX_SERVROOT
TEST_NGINX_LOG_LEVEL TEST_NGINX_NO_CLEAN TEST_NGINX_RANDOMIZE
TEST_NGINX_TIMEOUT TEST_NGINX_SLEEP TEST_NGINX_NO_SHUFFLE
TEST_NGINX_MASTER_PROCESS TEST_NGINX_EVENT_TYPE TEST_NGINX_WORKER_USER
TEST_NGINX_USE_VALGRIND TEST_NGINX_VALGRIND_EXIT_ON_FIRST_ERR.
C<$TEST_NGINX_XXX> in config sections is replaced by that environment
variable; an unset one is a bail-out, as upstream.

=head2 Valgrind

As upstream: with C<TEST_NGINX_USE_VALGRIND> set, nginx runs in the
foreground (C<daemon off>; C<master_process> as configured) under
valgrind, in a process group of its own.  A number (C<1>) means
C<--tool=memcheck --leak-check=full --keep-debuginfo=yes
--show-possibly-lost=no> plus C<--num-callers=100 -q --gen-suppressions=all>
and C<--suppressions=valgrind.suppress> when that file is in the current
directory; any other value is the list of valgrind options itself (after
C<-q>).  C<TEST_NGINX_VALGRIND_EXIT_ON_FIRST_ERR> adds
C<--exit-on-first-error=yes --error-exitcode=1>.  The name of each block is
written to stderr before its nginx starts, and valgrind's reports go to
stderr too: nothing here fails a test because of them, a caller reads them
(C<make test-valgrind> does).  C<must_die> blocks run nginx without
valgrind.  Unlike upstream, which sleeps C<TEST_NGINX_SLEEP> and retries
connecting, the runner waits for the pid file (nginx writes it once it
listens), and waits for valgrind to finish its leak check when it stops
nginx, so that every report is written before the next block starts.

=cut

use v5.10.1;
use Test::Base -Base;

# NOTE: "use Test::Base -Base" turns on Spiffy's source filter, which adds
# "my $self = shift;" to every "sub name {".  All subs below are therefore
# written "sub name () {": the filter removes the "()" again and leaves the
# argument list alone.  (The one sub that needs a real prototype keeps it.)

our $VERSION = '0.01';

use POSIX qw(SIGQUIT SIGTERM SIGKILL EAGAIN WNOHANG);
use Time::HiRes qw(sleep time);
use IO::Socket::INET ();
use IO::Select ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use List::Util qw(shuffle min);
use Scalar::Util qw(looks_like_number);
use Digest::MD5 ();
use Test::LongString ();

our @EXPORT = qw(
    run_tests repeat_each no_shuffle log_level no_long_string
    master_on master_off master_process_enabled workers worker_connections
    no_root_location env_to_nginx timeout config_preamble
    server_port server_port_for_client server_addr server_name
    server_root html_dir add_block_preprocessor check_accum_error_log
    use_hup is_str bail_out
);

# ---------------------------------------------------------------- settings

our $NginxBinary   = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $Timeout       = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $Sleep         = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $LogLevel      = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcess = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $ServerPort    = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
our $ClientPort    = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoShuffle     = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $LoadModules   = $ENV{TEST_NGINX_LOAD_MODULES};
our $EventType     = $ENV{TEST_NGINX_EVENT_TYPE};
our $WorkerUser    = $ENV{TEST_NGINX_WORKER_USER};
our $Randomize     = $ENV{TEST_NGINX_RANDOMIZE};
our $UseValgrind   = $ENV{TEST_NGINX_USE_VALGRIND};
our $ValgrindExitOnFirstErr = $ENV{TEST_NGINX_VALGRIND_EXIT_ON_FIRST_ERR};
our $DaemonEnabled = $UseValgrind ? 'off' : 'on';
# valgrind is slow to start nginx and to check for leaks when it exits
our $ValgrindWait  = 60;
our $ChildPid;      # the valgrind process, nginx in the foreground
our $ServerAddr    = '127.0.0.1';
our $ServerName    = 'localhost';
our $RepeatEach    = 1;
our $Workers       = 1;
our $WorkerConnections = 64;
our $ConfigPreamble    = '';
our ($NoLongString, $NoRootLocation, $CheckAccumErrLog);
our ($NginxVersion, $NginxV, $PrevConfig, $ErrLogPos);
our (@EnvToNginx, @BlockPreprocessors);
my $MainPid = $$;

# Upstream sections this implementation does not support.  Rather than
# silently ignoring them (and passing with fewer checks), we bail out.
our @Unsupported = qw(
    access_log no_access_log charset grep_error_log grep_error_log_out http09
    http2 http3 pipelined_requests post_setup_server_root reload_fails
    request_eval response_body_eval response_body_json_sort shutdown_error_log
    no_shutdown_error_log skip_nginx2 skip_openssl skip_slave stap
    stap_out stap_out_like stap_out_unlike tcp_listen tcp_query tcp_query_len
    tcp_reply udp_listen udp_query udp_reply todo todo_nginx user_files
    write_resp_body_file
);

if ($Randomize) {
    $ServerPort = $ClientPort = free_port()
        // die "Cannot find an available listening port\n";
}

our $ServRoot = $Randomize ? File::Spec->rel2abs("t/servroot_$ServerPort")
              : $ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot');
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
our $LogDir     = "$ServRoot/logs";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $PidFile    = "$LogDir/nginx.pid";
our $HtmlDir    = "$ServRoot/html";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $CacheDir   = "$ServRoot/cache";

# ------------------------------------------------------ exported functions

sub repeat_each () { $RepeatEach = shift if @_; $RepeatEach }
sub workers () { $Workers = shift if @_; $Workers }
sub worker_connections () { $WorkerConnections = shift if @_; $WorkerConnections }
sub log_level () { $LogLevel = shift if @_; $LogLevel }
sub timeout () { $Timeout = shift if @_; $Timeout }
sub server_port () { $ServerPort = shift if @_; $ServerPort }
sub server_port_for_client () { $ClientPort = shift if @_; $ClientPort }
sub server_addr () { $ServerAddr = shift if @_; $ServerAddr }
sub server_name () { $ServerName = shift if @_; $ServerName }
sub master_process_enabled () {
    $MasterProcess = $_[0] ? 'on' : 'off' if @_;
    $MasterProcess;
}
sub master_on () { $MasterProcess = 'on' }
sub master_off () { $MasterProcess = 'off' }
sub no_shuffle () { $NoShuffle = 1 }
sub no_long_string () { $NoLongString = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub use_hup () { }    # HUP-reload mode is not supported; we always restart
sub config_preamble () { $ConfigPreamble = shift }
sub server_root () { $ServRoot }
sub html_dir () { $HtmlDir }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }

sub env_to_nginx () {
    Carp::croak("env_to_nginx: no arguments specified") unless @_;
    for my $v (@_) {
        Carp::croak("env_to_nginx: bad argument value: $v\n")
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub is_str () {
    my ($got, $expected, $desc) = @_;
    return Test::More::like($got, $expected, $desc) if ref $expected eq 'Regexp';
    return Test::More::is($got, $expected, $desc) if $NoLongString;
    return Test::LongString::is_string($got, $expected, $desc);
}

sub bail_out () { Test::More::BAIL_OUT(join '', @_) }

sub run_tests () {
    $NginxVersion = nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;
    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;
    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value(name => "$0 " . $block->name);
        run_block($block);
    }
}

# --------------------------------------------------------- block lifecycle

sub run_block () {
    my ($block) = @_;
    my $name = $block->name;
    if (my @bad = grep { defined $block->$_ } @Unsupported) {
        bail_out("$name - unsupported section(s) in this minimal Test::Nginx::Socket"
                 . " (install the real Test::Nginx): @bad");
    }

    if (my ($count, $reason) = should_skip($block)) {
        for (1 .. $RepeatEach) { SKIP: { Test::More::skip("$name - $reason", $count) } }
        return;
    }

    my $config = $block->config;
    $config = defined $config ? expand_env($config, $name) : $PrevConfig
        // bail_out("$name - No '--- config' section specified and could not get previous one.");
    $PrevConfig = $config;
    local $LogLevel = $block->log_level || $LogLevel;

    stop_nginx($name);
    setup_servroot();
    write_config($block, $config);
    return check_must_die($block) if defined $block->must_die;

    my ($status, $stderr) = start_nginx($name, $UseValgrind);
    if ($status != 0) {
        Test::More::fail("$name - failed to start nginx (exit status " . ($status >> 8) . ")");
        Test::More::diag("nginx stderr:\n$stderr") if length $stderr;
        Test::More::diag("tail of $ErrLogFile:\n" . tail_file($ErrLogFile, 20));
        return;
    }
    print STDERR $stderr if length $stderr && !defined $block->suppress_stderr;

    if (my $init = $block->init) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogPos = 0;
    run_requests($block, $_) for 0 .. $RepeatEach - 1;
}

# "--- skip_eval: N: code" / "--- skip_nginx: N: < 1.2.3": (N, reason) or ().
sub should_skip () {
    my ($block) = @_;
    my $name = $block->name;
    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ /^\s*(\d+)\s*:\s*(.*)/s) {
            my ($n, $code) = ($1, $2);
            my $skip = eval $code;
            bail_out("$name - skip_eval - failed to eval the Perl code \"$code\": $@") if $@;
            return ($n, 'skip_eval') if $skip;
        }
    }
    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*))?\s*$/
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        my ($n, $op, $ver) = ($1, $2, sprintf("%d.%03d%03d", $3, $4, $5));
        my $skip = $op eq '<'  ? $NginxVersion <  $ver : $op eq '<=' ? $NginxVersion <= $ver
                 : $op eq '>'  ? $NginxVersion >  $ver : $NginxVersion >= $ver;
        return ($n, $6 || "nginx version $op $3.$4.$5") if $skip;
    }
    return;
}

sub check_must_die () {
    my ($block) = @_;
    my $name = $block->name;
    my $must_die = $block->must_die;
    $ErrLogPos = 0;
    for my $rep (0 .. $RepeatEach - 1) {
        my ($status) = start_nginx($name, 0);    # never under valgrind
        if (looks_like_number($must_die)) {
            Test::More::is($must_die, $status >> 8, "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }
        check_error_log($block, $rep);
        if ($status == 0) {
            warn "WARNING: $name - nginx must die but it does not; killing it (req $rep)\n";
            wait_for_file($PidFile, $Timeout);
            stop_nginx($name);
        }
    }
}

sub run_requests () {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $reqs = requests_for_block($block);
    my $need_array = @$reqs > 1;
    my $timeout = parse_time($block->timeout) // $Timeout;

    for my $i (0 .. $#$reqs) {
        my $is_head = $reqs->[$i] =~ /^\s*HEAD\s+/ ? 1 : 0;
        my $raw = send_request($block, $reqs->[$i], $timeout);
        unless (defined $block->ignore_response) {
            my $res = parse_response($block, $raw // '', $is_head);
            check_error_code($block, $res, $i, $need_array);
            check_raw_headers($block, $res, $i, $need_array);
            check_response_headers($block, $res, $i, $need_array);
            filter_response_body($block, $res);
            check_response_body($block, $res, $i, $rep, $need_array);
        }
        if ($i < $#$reqs) {
            sleep $block->wait if $block->wait;
            check_error_log($block, $rep);
        }
    }
    sleep $block->wait if $block->wait;
    check_error_log($block, $rep);
}

# ------------------------------------------------------ nginx management

sub nginx_version () {
    my $pid = open(my $fh, '-|') // bail_out("fork() failed: $!");
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        { exec { $NginxBinary } $NginxBinary, '-V' };    # execvp() searches PATH
        print "cannot run $NginxBinary: $!\n";
        POSIX::_exit(127);
    }
    $NginxV = do { local $/; <$fh> } // '';
    close $fh;
    bail_out("Failed to get the version of the nginx in PATH: $NginxV") if $?;
    $NginxV =~ m{\w+/(\d+)\.(\d+)\.(\d+)}
        or bail_out("Failed to parse the output of \"nginx -V\": $NginxV");
    return sprintf "%d.%03d%03d", $1, $2, $3;
}

# Runs nginx with the generated config; returns (wait status, stderr text).
sub start_nginx () {
    my ($name, $valgrind) = @_;
    my @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile);
    splice @cmd, 1, 0, '-e', $ErrLogFile if $NginxVersion >= 1.019005;
    return start_nginx_valgrind($name, @cmd) if $valgrind;
    my $errfile = "$LogDir/nginx.stderr";
    # (nginx itself retries bind() for a while if the port is still busy)
    my $pid = fork // bail_out("fork() failed: $!");
    if (!$pid) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', $errfile;
        { exec { $cmd[0] } @cmd };
        print STDERR "exec @cmd failed: $!\n";
        POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $status = $?;
    my $stderr = read_file($errfile) // '';
    unlink $errfile;
    wait_for_file($PidFile, $Timeout) if $status == 0;   # written after daemonizing
    return ($status, $stderr);
}

# valgrind's options, as upstream chooses them
sub valgrind_options () {
    return ('-q', split ' ', $UseValgrind) unless $UseValgrind =~ /^\d+$/;
    my @opts = qw(--num-callers=100 -q --tool=memcheck --leak-check=full
                  --keep-debuginfo=yes --show-possibly-lost=no);
    if ($ValgrindExitOnFirstErr) {
        if (`valgrind --help` =~ /exit-on-first-error/) {
            push @opts, qw(--exit-on-first-error=yes --error-exitcode=1);
        } else {
            warn "WARNING: valgrind does not support --exit-on-first-error\n";
        }
    }
    push @opts, '--gen-suppressions=all';
    push @opts, '--suppressions=valgrind.suppress' if -f 'valgrind.suppress';
    return @opts;
}

# nginx in the foreground under valgrind, not waited for: returns once it
# has written its pid file (after opening its sockets), or has died
sub start_nginx_valgrind () {
    my ($name, @cmd) = @_;
    unshift @cmd, 'valgrind', valgrind_options();
    warn "$name\n";    # valgrind's reports follow on stderr
    my $pid = fork // bail_out("fork() failed: $!");
    if (!$pid) {
        setpgrp;
        open STDOUT, '>&', \*STDERR;    # keep the TAP stream clean
        { exec { $cmd[0] } @cmd };
        print STDERR "exec @cmd failed: $!\n";
        POSIX::_exit(127);
    }
    $ChildPid = $pid;
    my $until = time + $ValgrindWait;
    until (-s $PidFile) {
        if (waitpid($pid, WNOHANG) == $pid) {
            undef $ChildPid;
            return ($? || 1 << 8, '');
        }
        if (time > $until) {
            kill SIGKILL, -$pid;
            waitpid $pid, 0;
            undef $ChildPid;
            return (1 << 8, "nginx wrote no pid file in $ValgrindWait s\n");
        }
        sleep 0.02;
    }
    return (0, '');
}

sub stop_nginx () {
    my ($name) = @_;
    return unless -f $PidFile || $ChildPid;
    my $pid = read_file($PidFile) // $ChildPid // '';
    $pid =~ s/\s+//g;
    undef $ChildPid;
    my $wait = $UseValgrind ? $ValgrindWait : $Timeout;
    if ($pid =~ /^\d+$/ && process_alive($pid)) {
        kill SIGQUIT, $pid;
        unless (wait_gone($pid, $wait)) {
            warn "$name - timeout when waiting for nginx (pid $pid) to exit\n";
            kill SIGTERM, $pid;
            unless (wait_gone($pid, 1)) {
                kill SIGKILL, (getpgrp($pid) == $pid ? -$pid : $pid);
                wait_gone($pid, 1);
            }
        }
    }
    unlink $PidFile;
}

sub process_alive () {
    my ($pid) = @_;
    waitpid $pid, WNOHANG;    # reap it in case it is our own child
    return 0 unless kill 0, $pid;
    my $stat = read_file("/proc/$pid/stat") // return 1;
    return $stat !~ /^\d+ \(.*\) Z/s;    # a zombie counts as gone
}

sub wait_gone () {
    my ($pid, $secs) = @_;
    my $until = time + $secs;
    while (process_alive($pid)) {
        return 0 if time > $until;
        sleep 0.02;
    }
    return 1;
}

sub wait_for_file () {
    my ($file, $secs) = @_;
    my $until = time + $secs;
    sleep 0.01 until -s $file || time > $until;
}

END {
    if ($$ == $MainPid) {
        local $?;
        stop_nginx('END') unless $ENV{TEST_NGINX_NO_CLEAN};
        remove_tree($ServRoot) if $Randomize && $ServRoot =~ m{/t/servroot_\d+$};
    }
}

# ----------------------------------------------------- server root & conf

sub setup_servroot () {
    # only remove what we create, in case TEST_NGINX_SERVROOT is mis-set
    remove_tree($ConfDir, $HtmlDir, $LogDir, $CacheDir,
                glob("$ServRoot/*_temp"), glob("$ServRoot/*_cache"));
    make_path($ServRoot, $LogDir, $HtmlDir, $ConfDir,
              map { "$ServRoot/${_}_temp" } qw(client_body proxy fastcgi scgi uwsgi));
    write_file("$HtmlDir/index.html",
        '<html><head><title>It works!</title></head><body>It works!</body></html>');
}

sub write_config () {
    my ($block, $config) = @_;
    my $name = $block->name;
    my $http_config = expand_env($block->http_config // '', $name);

    my $main_config = $block->main_config // '';
    my @modules = map { "load_module $_;" } grep { $_ } split /\s+/, $LoadModules // '';
    $main_config = join ' ', @modules, $main_config if @modules;
    $main_config = expand_env($main_config, $name);
    my $post_main_config = expand_env($block->post_main_config // '', $name);
    my $err_log = expand_env($block->error_log_file || $ErrLogFile, $name);
    (my $server_name = $block->server_name // $ServerName) =~ s/(['\\])/\\$1/g;

    my $temp_paths = '';
    for my $t (qw(client_body proxy fastcgi scgi uwsgi)) {
        next if $NginxV =~ /--without-http_${t}_module/;
        next if $http_config =~ /\b${t}_temp_path\b/;
        $temp_paths .= " ${t}_temp_path $ServRoot/${t}_temp;";
    }

    my $env = join '', map { "env $_;\n" }
        qw(MOCKEAGAIN_VERBOSE MOCKEAGAIN MOCKEAGAIN_WRITE_TIMEOUT_PATTERN LD_PRELOAD
           LD_LIBRARY_PATH DYLD_INSERT_LIBRARIES DYLD_FORCE_FLAT_NAMESPACE),
        map { /\s/ ? "'$_'" : $_ } @EnvToNginx;

    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    my $user = defined $WorkerUser ? "user $WorkerUser;"
             : $> == 0             ? "user root;" : '';
    my $use_events = $EventType ? "    use $EventType;\n" : '';

    # same layout (line for line) as upstream, so "nginx.conf:NN" match
    write_file($ConfFile, <<"_EOC_");
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcess;
error_log $err_log $LogLevel;
pid       $PidFile;
$env#env LUA_PATH;
#env LUA_CPATH;

$main_config

http {
    access_log $AccLogFile;$temp_paths
    #access_log off;

    default_type text/plain;
    keepalive_timeout  68000ms;

$http_config
    server {
        listen          $ServerPort;
        #placeholder
        server_name     '$server_name';

        client_max_body_size 30M;
        #client_body_buffer_size 4k;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main_config

#timer_resolution 100ms;

events {
    accept_mutex off;

    worker_connections  $WorkerConnections;
$use_events}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
$user
_EOC_
}

sub expand_env () {
    my ($text, $name) = @_;
    return $text unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        $ENV{$1} // bail_out("$name - No environment $1 defined.\n")
    }ge;
    return $text;
}

# ----------------------------------------------------------- HTTP client

sub requests_for_block () {
    my ($block) = @_;
    my $name = $block->name;
    my $raw = $block->raw_request;
    return [ref $raw eq 'ARRAY' ? join('', @$raw) : $raw] if defined $raw;

    my $more = $block->more_headers // '';
    my $headers_for = sub {
        my $i = shift;
        return $more unless ref $more eq 'ARRAY';
        return $more->[$i] // bail_out("$name - --- more_headers lacks data for request $i");
    };
    my $req = $block->request;
    bail_out("$name - request empty") unless defined $req;

    if (!ref $req) {
        1 while $req =~ s/^\s*\#[^\n]+\s+|^\s+//;    # leading comments and blanks
        return [build_request($name, $req, $headers_for->(0))];
    }
    ref $req eq 'ARRAY'
        or bail_out("$name - invalid --- request: MUST be string or array of requests");
    return [map {
        my $r = $req->[$_];
        $r = join '', map { ref $_ ? $_->{value} : $_ } @$r if ref $r eq 'ARRAY';
        build_request($name, $r, $headers_for->($_));
    } 0 .. $#$req];
}

# "METH [URL [VERSION]]\nBODY" plus --- more_headers -> raw HTTP request.
sub build_request () {
    my ($name, $req, $more) = @_;
    my ($line, $body) = split /\n/, $req, 2;
    $line //= '';
    $line =~ /^\s*(\S+) *(\S+)? *(\S+)?\s*$/
        or bail_out("$name - Request line is not valid. Should be 'meth [url [version]]' but got \"$line\".");
    my ($method, $url, $version) = ($1, $2 // '/', $3 // 'HTTP/1.1');
    $body //= '';

    my ($headers, $chunked) = ('', 0);
    for my $h (split /\n+/, $more) {
        next if $h =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $h, 2;
        $val //= '';
        $chunked = 1 if lc $key eq 'transfer-encoding' && $val eq 'chunked';
        $headers .= "$key: $val\r\n";
    }
    if (!$chunked && $body ne '' && $headers !~ /(?:^|\n)Content-Length:/) {
        $body =~ s/^\s+|\s+$//g;
        $headers .= "Content-Length: " . length($body) . "\r\n";
    }
    $headers = "Connection: close\r\n$headers" if $headers !~ /(?:^|\n)Connection/i;
    $headers = "Host: $ServerName\r\n$headers" if $headers !~ /(?:^|\n)Host:/i;
    return "$method $url $version\r\n$headers\r\n$body";
}

# Sends one request and reads until the server closes the connection.
sub send_request () {
    my ($block, $req, $timeout) = @_;
    my $name = $block->name;
    my $addr = $block->server_addr_for_client // $ServerAddr;
    local $SIG{PIPE} = 'IGNORE';

    my $sock;
    my $give_up = time + ($Timeout > 3 ? $Timeout : 3);
    until ($sock = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $ClientPort,
                                         Proto => 'tcp', Timeout => $timeout)) {
        if (time > $give_up) {
            Test::More::fail("$name - Can't connect to $addr:$ClientPort: $! (aborted)");
            return undef;
        }
        sleep 0.05;
    }
    binmode $sock;
    $sock->blocking(0);

    my ($resp, $off) = ('', 0);
    my $sel = IO::Select->new($sock);
    while (1) {
        my $writing = $off < length $req;
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef, $timeout);
        if (!$r && !$w) {
            Test::More::fail("ERROR: client socket timed out - $name")
                unless defined $block->abort;
            last;
        }
        if ($w && @$w) {
            my $n = syswrite $sock, $req, length($req) - $off, $off;
            if (defined $n) {
                $off += $n;
            } elsif ($! != EAGAIN) {
                warn "WARNING: $name - write failed: $!\n";
                $off = length $req;
            }
            if ($off >= length $req && defined(my $how = $block->shutdown)) {
                shutdown $sock, ($how =~ /^\s*$/ ? 1 : $how);
            }
        }
        if ($r && @$r) {
            my $n = sysread $sock, my $buf, 65536;
            if ($n) { $resp .= $buf; next }
            next if !defined $n && $! == EAGAIN;
            warn "WARNING: $name - HTTP response read failure: $!\n" unless defined $n;
            last;
        }
    }
    close $sock;
    return $resp;
}

# Returns { code, headers => [[name, value]...], raw_headers, body }.
sub parse_response () {
    my ($block, $raw, $is_head) = @_;
    my $name = $block->name;
    my %res = (headers => [], raw_headers => '');
    $res{raw_headers} = $1 if $raw =~ /(.*?\r\n)\r\n/s;

    my ($head, $rest) = split /\r?\n\r?\n/, $raw, 2;
    $head //= '';
    $rest //= '';
    my ($status, @lines) = split /\r?\n/, $head;
    $res{code} = $1 if defined $status && $status =~ m{^HTTP/\d+(?:\.\d+)?\s+(\d+)};
    for my $l (@lines) {
        if ($l =~ /^[ \t]+(.*)/ && @{ $res{headers} }) { $res{headers}[-1][1] .= " $1"; next }
        # like HTTP::Response, a value keeps its trailing white space
        push @{ $res{headers} }, [$1, $2] if $l =~ /^([^:]+?)\s*:\s*(.*)$/;
    }

    my $code = $res{code} // 0;
    my $len  = header_value(\%res, 'Content-Length');
    my $te   = header_value(\%res, 'Transfer-Encoding') // '';
    my $left = '';
    if ($is_head || $code == 204 || $code == 304 || ($code >= 100 && $code < 200)) {
        ($res{body}, $left) = ('', $rest);
    } elsif ($te =~ /\bchunked\b/i) {
        ($res{body}, $left) = decode_chunked($name, $rest);
    } elsif (defined $len && $len =~ /^\d+$/) {
        warn "WARNING: $name - response body truncated: $len expected, but got ",
             length($rest), "\n" if length $rest < $len;
        ($res{body}, $left) = (substr($rest, 0, $len), substr($rest, min($len, length $rest)));
    } else {
        $res{body} = $rest;
    }
    warn "WARNING: $name - unexpected extra bytes after the response body: \"",
         printable($left, 80), "\"\n" if defined $left && length $left;
    return \%res;
}

sub decode_chunked () {
    my ($name, $raw) = @_;
    my ($body, $off) = ('', 0);
    while (1) {
        my $eol = index $raw, "\r\n", $off;
        my $size_line = $eol < 0 ? '' : substr $raw, $off, $eol - $off;
        unless ($size_line =~ /^[ \t]*([0-9A-Fa-f]+)/) {
            Test::More::fail($off >= length $raw ? "$name - no last chunk found"
                : "$name - invalid chunked body received: " . printable(substr($raw, $off), 80));
            return (undef, '');
        }
        my $size = hex $1;
        $off = $eol + 2;
        if ($size == 0) {    # skip optional trailers up to the empty line
            my $end = index $raw, "\r\n\r\n", $off - 2;
            if ($end < 0) {
                Test::More::fail("$name - invalid chunked data received (expected CRLF).");
                return (undef, '');
            }
            return ($body, substr $raw, $end + 4);
        }
        if (length($raw) < $off + $size + 2 || substr($raw, $off + $size, 2) ne "\r\n") {
            Test::More::fail("$name - invalid chunked data received "
                             . "(not enough octets for the data section or missing CRLF)");
            return (undef, '');
        }
        $body .= substr $raw, $off, $size;
        $off += $size + 2;
    }
}

sub header_value () {
    my ($res, $key) = @_;
    (my $k = lc $key) =~ tr/_/-/;
    my @v = map { $_->[1] } grep { lc $_->[0] eq $k } @{ $res->{headers} };
    return @v ? join(', ', @v) : undef;
}

# ---------------------------------------------------------------- checks

sub indexed_value () {
    my ($name, $value, $idx, $need_array) = @_;
    if (ref $value eq 'ARRAY') {
        bail_out("$name - SHOULD NOT HAPPEN: idx != 0 and don't need array.")
            if !$need_array && $idx != 0;
        return $value->[$idx];
    }
    bail_out("$name - You asked for many requests, the expected results should be arrays as well.")
        if $need_array;
    return $value;
}

sub check_error_code () {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    my $code = $res->{code} || '';
    if (defined(my $like = $block->error_code_like)) {
        my $pat = indexed_value($name, $like, $idx, $need_array);
        like($code, qr/$pat/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        is($code, indexed_value($name, $block->error_code, $idx, $need_array),
           "$name - status code ok");
    } else {
        is($code, 200, "$name - status code ok");
    }
}

sub check_raw_headers () {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    for my $type (qw(like unlike)) {
        my $section = "raw_response_headers_$type";
        my $spec = $block->$section // next;
        my $pat = indexed_value($name, $spec, $idx, $need_array);
        my $cmp = $type eq 'like' ? \&Test::More::like : \&Test::More::unlike;
        $cmp->($res->{raw_headers}, qr/$pat/s, "$name - raw resp headers $type");
    }
}

# "Name: value" per line; "!Name" means the header must be absent.
sub parse_header_spec () {
    my ($spec) = @_;
    my %h;
    for my $line (split /\n/, $spec // '') {
        $line =~ s/^\s+|\s+$//g;
        if ($line =~ s/^!\s*//) { $h{$line} = undef; next }
        my ($k, $v) = split /\s*:\s*/, $line, 2;
        $h{$k // ''} = $v;
    }
    return \%h;
}

sub check_response_headers () {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->response_headers) {
        my $h = parse_header_spec(indexed_value($name, $block->response_headers, $idx, $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key};
            if (!defined $val) {    # upstream looks for the name case-sensitively
                unlike($res->{raw_headers}, qr/^\s*\Q$key\E\s*:/ms,
                       "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ClientPort/g;
            is(header_value($res, $key) // '', $val, "$name - header $key ok");
        }
    } elsif (defined $block->response_headers_like) {
        my $h = parse_header_spec(indexed_value($name, $block->response_headers_like, $idx, $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key} // '';
            like(header_value($res, $key) // '', qr/^$val$/, "$name - header $key like ok");
        }
    }
}

sub filter_response_body () {
    my ($block, $res) = @_;
    my $name = $block->name;
    my $filters = $block->response_body_filters;
    return unless defined $filters && defined $res->{body};
    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//g;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }
    my %builtin = (
        md5_hex  => sub { Digest::MD5::md5_hex($_[0]) },
        sha1_hex => sub { require Digest::SHA; Digest::SHA::sha1_hex($_[0]) },
        uc => sub { uc $_[0] }, lc => sub { lc $_[0] },
        ucfirst => sub { ucfirst $_[0] }, lcfirst => sub { lcfirst $_[0] },
        length => sub { length $_[0] },
    );
    for my $f (@$filters) {
        my $code = ref $f eq 'CODE' ? $f : !ref $f ? $builtin{$f} : undef;
        bail_out("$name - unknown filter, \"$f\", specified in the --- response_body_filters section")
            unless $code;
        $res->{body} = $code->($res->{body});
    }
}

sub check_response_body () {
    my ($block, $res, $idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $body = $res->{body};
    if (defined $block->response_body) {
        my $expected = indexed_value($name, $block->response_body, $idx, $need_array);
        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
            $expected =~ s/\$ServerPortForClient\b/$ClientPort/g;
            $expected = expand_env($expected, $name);
        }
        if (ref $expected) {
            like($body, $expected, "$name - response_body - like (repeated req $rep, req $idx)");
        } else {
            compare_body($body, $expected,
                "$name - response_body - response is expected (repeated req $rep, req $idx)");
        }
    } elsif (defined $block->response_body_like || defined $block->response_body_unlike) {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $section = "response_body_$type";
        my $pat = indexed_value($name, $block->$section, $idx, $need_array);
        $pat =~ s/\$ServerPort\b/$ServerPort/g;
        $pat =~ s/\$ServerPortForClient\b/$ClientPort/g;
        my $cmp = $type eq 'like' ? \&Test::More::like : \&Test::More::unlike;
        $cmp->($body, qr/$pat/s, "$name - response_body_$type - response is expected ("
                                 . printable($body, 200) . ")");
    }
}

# Exact comparison; long or binary bodies get a short summary, not a dump.
sub compare_body () {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return Test::More::pass($desc) if defined $got && defined $expected && $got eq $expected;
    my $texty = sub { defined $_[0] && length $_[0] < 65536 && $_[0] !~ /[\0-\x08\x0b\x0c\x0e-\x1f]/ };
    if (!defined $got || !defined $expected || ($texty->($got) && $texty->($expected))) {
        return Test::More::is($got, $expected, $desc) if $NoLongString;
        return Test::LongString::is_string($got, $expected, $desc);
    }
    my $at = 0;
    $at++ while $at < length $got && $at < length $expected
                && substr($got, $at, 1) eq substr($expected, $at, 1);
    my $hex = sub { join ' ', map { sprintf '%02x', ord } split //, substr($_[0], $at, 16) };
    Test::More::fail($desc);
    Test::More::diag(sprintf "got %d bytes, expected %d bytes; first difference at offset %d\n"
        . "  got:      %s\n  expected: %s", length $got, length $expected, $at,
        $hex->($got), $hex->($expected));
    return 0;
}

sub error_log_lines () {
    sleep $Sleep * 3;    # the log phase runs after the connection is closed
    open my $fh, '<:raw', $ErrLogFile or return [];
    seek $fh, $ErrLogPos, 0 if !$CheckAccumErrLog && $ErrLogPos;
    my @lines = <$fh>;
    $ErrLogPos = tell $fh unless $CheckAccumErrLog;
    close $fh;
    return \@lines;
}

sub pattern_list () {
    my ($pats) = @_;
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats] if ref $pats eq 'ARRAY';
    chomp $pats;
    return [split /\n+/, $pats];
}

sub line_matches () {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub mentions () {    # does a pattern spec mention the given text?
    my ($pats, $text) = @_;
    return grep { (!ref($_) || ref($_) eq 'Regexp') && index("$_", $text) >= 0 }
           ref $pats eq 'ARRAY' ? @$pats : ($pats);
}

sub check_error_log () {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $lines = error_log_lines();

    my $quiet = '';
    for my $sec (qw(error_log no_error_log)) {
        my $spec = $block->$sec;
        next unless defined $spec;
        $quiet .= join '', grep { mentions($spec, "[$_") } qw(alert crit emerg);
        for my $pat (@{ pattern_list($spec) }) {
            next unless defined $pat;
            my @hits = grep { line_matches($_, $pat) } @$lines;
            if ($sec eq 'error_log') {
                Test::More::ok(scalar @hits, @hits
                    ? "$name - pattern \"$pat\" matches a line in error.log (req $rep)"
                    : "$name - pattern \"$pat\" should match a line in error.log (req $rep)");
            } elsif (@hits) {
                Test::More::fail("$name - pattern \"" . fmt_line($pat) . "\" should not match any "
                    . "line in error.log but matches line \"" . fmt_line($hits[0])
                    . "\" (req $rep)" . (@hits > 1 ? " and " . (@hits - 1) . " more" : ''));
            } else {
                Test::More::pass("$name - pattern \"" . fmt_line($pat)
                                 . "\" does not match a line in error.log (req $rep)");
            }
        }
    }

    for my $level (qw(alert crit emerg)) {
        next if $quiet =~ /$level/;
        warn "WARNING: $name - " . fmt_line($_) . "\n" for grep { /\[$level\]/ } @$lines;
    }
    for my $line (grep { /\bAssertion .*?failed\b/ } @$lines) {
        chomp $line;
        Test::More::fail("$name - $line");
    }
}

# ------------------------------------------------------------- utilities

sub fmt_line () {
    my ($s) = @_;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

# A short, single-line, escaped rendering of possibly binary data.
sub printable () {
    my ($s, $max) = @_;
    return '' unless defined $s;
    my $cut = length $s > $max;
    $s = substr $s, 0, $max;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\s+/ /g;
    $s =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
    return $cut ? "$s..." : $s;
}

sub parse_time () {
    my ($t) = @_;
    return undef unless defined $t;
    return $1 / 1000 if $t =~ /^\s*([\d.]+)\s*ms\s*$/;
    return $1 if $t =~ /^\s*([\d.]+)\s*s?\s*$/;
    return $t;
}

sub free_port () {
    for (1 .. 1000) {
        my $port = 10000 + int rand 50000;
        next if $port == $ServerPort;
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                      Proto => 'tcp', Listen => 1, ReuseAddr => 1);
        if ($s) { close $s; return $port }
    }
    return undef;
}

sub read_file () {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return undef;
    local $/;
    my $data = <$fh>;
    close $fh;
    return $data // '';
}

sub write_file () {
    my ($path, $data) = @_;
    open my $fh, '>:raw', $path or bail_out("Can't open $path for writing: $!");
    print $fh $data;
    close $fh or bail_out("Can't write $path: $!");
}

sub tail_file () {
    my ($path, $n) = @_;
    my $data = read_file($path) // return "(cannot read $path)\n";
    my @lines = split /^/m, $data;
    return join '', @lines[($#lines >= $n ? $#lines - $n + 1 : 0) .. $#lines];
}

1;
