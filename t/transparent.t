# With "overlay" set everywhere (at the http level, a valid constant), a
# response the module does not draw on is nginx's own: ranges, HEAD,
# conditional requests, the filters after the module (addition, charset,
# SSI), streaming and short upstream bodies, slice, proxy_store and
# proxy_cache_revalidate behave as without the module; and an image it
# gives up on loses none of its bytes.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;

use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

# {"overlay": "Last Chance!"}, in every block's http{}
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config =>
                      "overlay eyJvdmVybGF5IjogIkxhc3QgQ2hhbmNlISJ9;\n"
                      . ($block->http_config // ''));
});

# a directory for autoindex with a name of 30 Cyrillic letters (60 bytes:
# over autoindex's 50 columns if counted in bytes, not in characters)
my $utf8 = "\xd0\xaf" x 30 . '.txt';
my $dir = File::Temp::tempdir(CLEANUP => 1);
chmod 0755, $dir;
{
    open my $fh, '>', "$dir/$utf8" or die "$dir/$utf8: $!";
    print $fh "x\n";
    close $fh;
}
$ENV{TEST_NGINX_UTF8_DIR} = $dir;

# An upstream in Perl, one process a connection, by request path:
#   /stream   200 text/plain, 100 bytes announced, "OK\n", then 3 s of
#             nothing before the rest (a long poll, an event stream)
#   /cut.txt  200 text/plain, 10 bytes announced, 3 sent, then closed
#   /cut.png  the same, image/png, the first 3 bytes of a PNG
my $backend = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                    LocalPort => 0, Listen => 16,
                                    ReuseAddr => 1)
    or die "backend: $!";
$ENV{TEST_NGINX_BACKEND_PORT} = $backend->sockport;

my $parent = $$;
my $backend_pid = fork() // die "fork: $!";

if ($backend_pid == 0) {
    $SIG{CHLD} = 'IGNORE';
    while (my $c = $backend->accept) {
        if (fork() == 0) {
            my $req = '';
            while ($req !~ /\r\n\r\n/) {
                last unless sysread($c, $req, 4096, length $req);
            }
            my ($path) = $req =~ m{^\w+ (\S+)};
            $path //= '';
            my $head = "HTTP/1.1 200 OK\r\nConnection: close\r\n";
            if ($path eq '/stream') {
                syswrite $c, $head . "Content-Type: text/plain\r\n"
                             . "Content-Length: 100\r\n\r\nOK\n";
                sleep 3;
                syswrite $c, 'x' x 97;
            } elsif ($path =~ m{^/cut\.(txt|png)$}) {
                syswrite $c, $head . "Content-Type: "
                             . ($1 eq 'png' ? 'image/png' : 'text/plain')
                             . "\r\nContent-Length: 10\r\n\r\n"
                             . ($1 eq 'png' ? "\x89PN" : 'abc');
            } else {
                syswrite $c, "HTTP/1.1 404 Not Found\r\n"
                             . "Content-Length: 0\r\n\r\n";
            }
            close $c;
            POSIX::_exit(0);
        }
        close $c;
    }
    POSIX::_exit(0);
}

close $backend;

END { kill 'TERM', $backend_pid if $$ == $parent && $backend_pid }

# nginx's ETag of a fixture: "mtime-size" in hex
sub etag {
    my @st = stat(OverlayTest::fixture_dir() . "/$_[0]") or die "$_[0]: $!";
    return sprintf '"%x-%x"', $st[9], $st[7];
}

# Sends a GET for PATH and reads for SECONDS at most: the body's bytes
# that came by then, and whether the connection was closed
sub read_for {
    my ($path, $seconds) = @_;
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT};
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
        or die "connect: $!";
    syswrite $s, "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my ($resp, $closed) = ('', 0);
    my $sel = IO::Select->new($s);
    my $end = Time::HiRes::time() + $seconds;
    while ((my $left = $end - Time::HiRes::time()) > 0) {
        last unless $sel->can_read($left);
        my $n = sysread $s, $resp, 65536, length $resp;
        if (!$n) {
            $closed = 1;
            last;
        }
    }
    close $s;
    my (undef, $body) = split /\r\n\r\n/, $resp, 2;
    return ($body // '', $closed);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a range of a text file: 206 and those bytes
--- config
    location /f/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
--- request
GET /f/SOURCES.txt
--- more_headers
Range: bytes=2-9
--- error_code: 206
--- response_headers_like
Content-Range: bytes 2-9/\d+
--- response_headers
Content-Length: 8
--- response_body eval
substr(OverlayTest::fixture("SOURCES.txt"), 2, 8)
--- no_error_log
[warn]



=== TEST 2: two ranges of a text file: a multipart 206
--- config
    location /f/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
--- request
GET /f/SOURCES.txt
--- more_headers
Range: bytes=0-3,10-13
--- error_code: 206
--- response_headers_like
Content-Type: multipart/byteranges; boundary=\d+
--- response_body_like eval
my $t = OverlayTest::fixture("SOURCES.txt");
my ($a, $b) = (substr($t, 0, 4), substr($t, 10, 4));
qr{Content-Range: bytes 0-3/\d+\r\n\r\n\Q$a\E\r\n.*Content-Range: bytes 10-13/\d+\r\n\r\n\Q$b\E\r\n}s



=== TEST 3: HEAD of a text file: its Content-Length and Accept-Ranges
--- config
    location /f/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
--- request
HEAD /f/SOURCES.txt
--- response_headers eval
"Content-Length: " . length(OverlayTest::fixture("SOURCES.txt"))
. "\nAccept-Ranges: bytes\nETag: " . main::etag("SOURCES.txt")
--- response_body



=== TEST 4: If-None-Match with a text file's own ETag: 304, that ETag
--- config
    location /f/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
--- request
GET /f/SOURCES.txt
--- more_headers eval
"If-None-Match: " . main::etag("SOURCES.txt")
--- error_code: 304
--- response_headers eval
"ETag: " . main::etag("SOURCES.txt")
--- response_body



=== TEST 5: add_after_body on an HTML page: the page, then the addition
--- config
    location = /page {
        default_type text/html;
        add_after_body /after;
        return 200 "the page\n";
    }
    location = /after {
        return 200 "the addition\n";
    }
--- request
GET /page
--- response_body
the page
the addition
--- no_error_log
[warn]
[error]



=== TEST 6: autoindex with charset utf-8: a long UTF-8 name whole
--- config
    location /list/ {
        alias $TEST_NGINX_UTF8_DIR/;
        autoindex on;
        charset utf-8;
    }
--- request
GET /list/
--- response_headers
Content-Type: text/html; charset=utf-8
--- response_body_filters eval
sub { my $name = "\xd0\xaf" x 30 . '.txt';
      $_[0] =~ /\Q$name\E<\/a>/ ? "the whole name\n" : "a cut name\n" }
--- response_body
the whole name



=== TEST 7: SSI in a proxied page with a request body in a file
--- config
    location = /ssi.html {
        default_type text/html;
        return 200 'X<!--# include virtual="test" -->X';
    }
    location = /test {
        return 200 "YY";
    }
    location /proxy/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/;
        client_body_in_file_only on;
        ssi on;
    }
--- request
GET /proxy/ssi.html
1234567890
--- response_body chomp
XYYX
--- no_error_log
Bad file descriptor
[error]



=== TEST 8: proxy_buffering off: the first bytes come before the rest
--- config
    location /b/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_BACKEND_PORT/;
        proxy_buffering off;
    }
--- request
GET /b/stream
--- timeout: 6
--- response_body_filters eval
sub {
    # the upstream waits 3 s after "OK\n": within 1.5 s it is here
    my ($body, $closed) = main::read_for('/b/stream', 1.5);
    "within 1.5 s: " . ($body eq "OK\n" ? "OK" : "\"$body\"")
    . ($closed ? ", closed" : ", still open") . "\n"
    . "in all: " . length($_[0]) . " bytes\n";
}
--- response_body
within 1.5 s: OK, still open
in all: 100 bytes



=== TEST 9: an upstream that closes after 3 of 10 bytes: the 3 bytes come
--- config
    location /b/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_BACKEND_PORT/;
    }
--- request
GET /b/cut.txt
--- timeout: 3
--- response_body_filters eval
sub { my ($body, $closed) = main::read_for('/b/cut.txt', 2);
      "\"$body\"" . ($closed ? ", closed" : ", open") . "\n" }
--- response_body
"abc", closed
--- error_log
upstream prematurely closed connection
--- no_error_log
[warn]



=== TEST 10: the same for an image: the module gives up, the 3 bytes come
--- config
    location /b/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_BACKEND_PORT/;
    }
--- request
GET /b/cut.png
--- timeout: 3
--- response_body_filters eval
sub { my ($body, $closed) = main::read_for('/b/cut.png', 2);
      ($body eq "\x89PN" ? "the 3 bytes" : "\"$body\"")
      . ($closed ? ", closed" : ", open") . "\n" }
--- response_body
the 3 bytes, closed
--- error_log
overlay: bad_image: the upstream closed after 3 bytes of the body, passing the original through



=== TEST 11: slice, and a range of a sliced text
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /s/ {
        slice 16;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
    }
--- request eval
["GET /s/SOURCES.txt", "GET /s/SOURCES.txt"]
--- more_headers eval
["", "Range: bytes=10-40"]
--- error_code eval
[200, 206]
--- response_body eval
[OverlayTest::fixture("SOURCES.txt"),
 substr(OverlayTest::fixture("SOURCES.txt"), 10, 31)]
--- no_error_log
[warn]



=== TEST 12: proxy_store after a HEAD: nothing stored
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /store/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_store $TEST_NGINX_SERVER_ROOT/html$uri;
    }
--- request eval
["HEAD /store/SOURCES.txt", "GET /store/SOURCES.txt"]
--- response_body_filters eval
sub { my $f = "$ENV{TEST_NGINX_SERVER_ROOT}/html/store/SOURCES.txt";
      (-e $f ? "stored, " . (-s $f) . " bytes" : "not stored") . "\n" }
--- response_body eval
["not stored\n",
 "stored, " . length(OverlayTest::fixture("SOURCES.txt")) . " bytes\n"]



=== TEST 13: proxy_cache_revalidate with the module in the origin: 304s
--- http_config
    proxy_cache_path cache levels=1 keys_zone=one:1m;
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /c/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
        proxy_cache one;
        proxy_cache_valid 200 1s;
        proxy_cache_revalidate on;
        add_header X-Cache $upstream_cache_status;
    }
--- request
GET /c/SOURCES.txt
--- timeout: 5
--- response_body_filters eval
sub {
    my (undef, $h1) = OverlayTest::http('GET', '/c/SOURCES.txt');
    Time::HiRes::sleep(2.5);
    my ($s, $h2, $b) = OverlayTest::http('GET', '/c/SOURCES.txt');
    "$h1->{'x-cache'} then $s $h2->{'x-cache'}, "
    . ($b eq OverlayTest::fixture("SOURCES.txt") ? "the file" : "other")
    . "\n";
}
--- response_body
HIT then 200 REVALIDATED, the file



=== TEST 14: If-Modified-Since as if_modified_since says
--- config
    location /exact/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /before/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        if_modified_since before;
    }
    location /off/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
        if_modified_since off;
    }
--- request eval
["GET /exact/SOURCES.txt", "GET /exact/SOURCES.txt",
 "GET /before/SOURCES.txt", "GET /off/SOURCES.txt"]
--- more_headers eval
my $t = (stat(OverlayTest::fixture_dir() . "/SOURCES.txt"))[9];
[map { "If-Modified-Since: "
       . POSIX::strftime("%a, %d %b %Y %H:%M:%S GMT", gmtime($t + $_)) }
     0, 1, 1, 0]
--- error_code eval
[304, 200, 304, 200]



=== TEST 15: a 304 from a proxied origin keeps the origin's ETag
--- config
    location /origin/ {
        alias $TEST_NGINX_OVERLAY_FIXTURES/;
    }
    location /p/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin/;
    }
--- request
GET /p/SOURCES.txt
--- more_headers eval
"If-None-Match: " . main::etag("SOURCES.txt")
--- error_code: 304
--- response_headers eval
"ETag: " . main::etag("SOURCES.txt")
--- response_body
