# "make demo" serves the gallery: run tools/demo.sh on a spare port, fetch
# the index page and an overlaid image it links to, stop it.

use strict;
use warnings;

use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';
my $port = $ENV{TEST_NGINX_DEMO_PORT} || 1986;

sub get {
    my ($path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 5)
        or return;
    binmode $sock;
    print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    my $resp = <$sock>;
    close $sock;
    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($status) = $head =~ m{^HTTP/1\.\d (\d+)};
    return ($status, $head, $body);
}

my $pid = fork // die "fork: $!";

if ($pid == 0) {
    open STDOUT, '>', '/dev/null';
    open STDERR, '>', '/dev/null';
    exec 'tools/demo.sh', $nginx, $module, $port or exit 127;
}

my ($status, $head, $body);

for (1 .. 200) {
    ($status, $head, $body) = get('/');
    last if defined $status;
    sleep 0.1;
}

is($status, 200, 'the index page is served');
like($body, qr/<h1>ngx_http_overlay_module<\/h1>/, 'it is the gallery');

my @urls = $body =~ m{<img src="(/images/[^"]*overlay=[^"]+)"}g;
cmp_ok(scalar @urls, '>=', 10, 'with overlaid images');

my ($img) = grep { m{/images/rocket\.jpg\?overlay=eyJ} } @urls;
($status, $head, $body) = get($img);
is($status, 200, "$img is served");
like($head, qr{Content-Type: image/jpeg}i, 'as a JPEG');
like($body, qr/\A\xff\xd8\xff/, 'that is a JPEG');
isnt(length $body, -s 't/fixtures/rocket.jpg', 'and not the original');

# the scripts' row: each drawn (a chain of five fonts, one with emoji)

($status, $head, $body) = get('/');
my ($scripts) = $body =~ m{<section id="scripts">(.*?)</section>}s;
my @drawn = ($scripts // '') =~ m{<img src="([^"]+)"}g;
cmp_ok(scalar @drawn, '>=', 10, 'a row of scripts');

for my $url (@drawn) {
    ($status, $head) = get($url);
    like($head, qr{^X-Overlay: applied }mi, "drawn: $url");
}

kill 'TERM', $pid;
waitpid $pid, 0;

done_testing();
