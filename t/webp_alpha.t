# Lossy WebP with alpha (VP8X, ALPH, "VP8 "): spliced like an opaque one
# ($overlay_method webp_splice), ALPH before the frame and the VP8X alpha
# flag kept, the alpha exactly the source's (dwebp's decode) outside the
# badge and the badge's (85% opaque) under it; a malformed ALPH chunk
# fails open, with the reason libwebp gives.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use OverlayTest;
use File::Temp qw(tempdir);

our $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
$ENV{TEST_NGINX_OVERLAY_ALPHA_DIR} = $dir;

sub put {
    my ($name, $data) = @_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
    print $fh $data;
    close $fh;
    chmod 0644, "$dir/$name";
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

# the chunks of a RIFF WebP, [tag, payload] each, and a RIFF of chunks
sub chunks {
    my ($data) = @_;
    my ($pos, @c) = (12);
    while ($pos + 8 <= length $data) {
        my ($tag, $n) = unpack 'a4 V', substr($data, $pos, 8);
        push @c, [$tag, substr($data, $pos + 8, $n)];
        $pos += 8 + $n + ($n & 1);
    }
    return @c;
}

sub riff {
    my $body = join '', map { $_->[0] . pack('V', length $_->[1]) . $_->[1]
                              . (length($_->[1]) & 1 ? "\0" : '') } @_;
    return 'RIFF' . pack('V', 4 + length $body) . 'WEBP' . $body;
}

# the source: the lossless fixture (a sticker on a transparent canvas, an
# opaque strip) made lossy by cwebp, its alpha losslessly coded
system('cwebp', '-quiet', '-q', '85',
       OverlayTest::fixture_dir() . '/alpha-lossless.webp',
       '-o', "$dir/alpha.webp") == 0 or die "cwebp: $?";
chmod 0644, "$dir/alpha.webp";
our $src = slurp("$dir/alpha.webp");

# malformed ALPH chunks: compression 3 (libwebp knows 0 and 1), the
# lossless stream cut in half
my $alph = sub { my ($f) = @_;
    riff(map { $_->[0] eq 'ALPH' ? ['ALPH', $f->($_->[1])] : $_ }
         chunks($src)) };
put('bad-compression.webp', $alph->(sub { chr(ord($_[0]) | 3)
                                          . substr($_[0], 1) }));
put('cut.webp', $alph->(sub { substr($_[0], 0, length($_[0]) >> 1) }));

# the alpha plane as dwebp decodes it (PAM: RGBA), and the size
sub alpha_plane {
    my ($data) = @_;
    put('decode.webp', $data);
    system('dwebp', '-quiet', '-pam', "$dir/decode.webp", '-o',
           "$dir/decode.pam") == 0 or return;
    my $pam = slurp("$dir/decode.pam");
    $pam =~ s/\AP7\nWIDTH (\d+)\nHEIGHT (\d+)\nDEPTH 4\n.*?ENDHDR\n//s
        or return;
    my ($w, $h) = ($1, $2);
    return ($w, $h, join '', map { substr($pam, 4 * $_ + 3, 1) }
                             0 .. $w * $h - 1);
}

sub describe_alpha {
    my ($data) = @_;
    my @c = chunks($data);
    my $out = 'chunks: ' . join(' ', map { $_->[0] =~ s/ $//r } @c) . "\n";
    $out .= 'alpha flag: ' . (ord(substr($c[0][1], 0, 1)) >> 4 & 1) . "\n";

    my ($w, $h, $a) = alpha_plane($data);
    my (undef, undef, $s) = alpha_plane($src);
    return $out . "undecodable\n" unless defined $a && defined $s;

    my ($outside, $inside, $opaque) = (0, 0, 0);
    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            my $i = $y * $w + $x;
            my ($p, $q) = (ord(substr($a, $i, 1)), ord(substr($s, $i, 1)));
            if ($x < $w / 2 || $y >= $h / 2) {
                $outside++ if $p != $q;
            } else {
                $inside++ if $p != $q;
                $opaque++ if $p >= 200 && $q == 0;
            }
        }
    }

    return $out . "${w}x$h\n"
        . "alpha changed outside the top-right quarter: $outside\n"
        . 'alpha changed in it: ' . ($inside > 500 ? 'yes' : $inside) . "\n"
        . 'transparent made 85% opaque or more: '
        . ($opaque > 500 ? 'yes' : $opaque) . "\n";
}

# "original" if the body is the file's bytes
sub same_as {
    my ($name) = @_;
    my $orig = slurp("$dir/$name");
    return sub { $_[0] eq $orig ? "original\n" : "changed\n" };
}

# every block's location: the files made here, their method in X-Method
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(config => <<'CONFIG');
    location /a/ {
        alias $TEST_NGINX_OVERLAY_ALPHA_DIR/;
        types { image/webp webp; }
        overlay $arg_overlay;
        add_header X-Method "$overlay_status:$overlay_method";
    }
CONFIG
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: spliced; the alpha coded again, exact outside the badge (85% opaque)
--- request eval
"GET /a/alpha.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
Content-Type: image/webp
X-Method: applied:webp_splice
--- response_body_filters eval
\&main::describe_alpha
--- response_body
chunks: VP8X ALPH VP8
alpha flag: 1
320x180
alpha changed outside the top-right quarter: 0
alpha changed in it: yes
transparent made 85% opaque or more: yes
--- no_error_log
[warn]



=== TEST 2: an ALPH chunk of compression 3: the original, libwebp's reason
--- request eval
"GET /a/bad-compression.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Method: passed:
--- response_body_filters eval
main::same_as('bad-compression.webp')
--- response_body
original
--- error_log
overlay: bad_image: webp: decoding failed
--- no_error_log
[alert]



=== TEST 3: a lossless ALPH stream cut in half: the original
--- request eval
"GET /a/cut.webp?overlay=" . OverlayTest::b64url('{"overlay":"Last Chance!"}')
--- response_headers
X-Method: passed:
--- response_body_filters eval
main::same_as('cut.webp')
--- response_body
original
--- error_log
overlay: bad_image: webp: decoding failed
--- no_error_log
[alert]
