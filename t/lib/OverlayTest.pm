package OverlayTest;

# Helpers for the t/ suites: fixtures, parameter values, and a description
# of a response image's pixels against the original, so that a test can
# say "the badge is in the top-right corner, the rest is unchanged" in its
# --- response_body section.  Works under the real Test::Nginx and under
# the bundled runner alike (t/lib/fallback/Test/Nginx/Socket.pm, which the
# Makefile puts on PERL5LIB only when the real one is not installed).

use strict;
use warnings;

use Digest::SHA qw(sha1_hex hmac_sha256);
use Exporter qw(import);
use GD;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64url);

our @EXPORT = qw(b64url fixture fixture_digest digest pixels_against
                 describe_image);

# a corner is this fraction of the shorter side, square
my $CORNER = 0.2;

# mean difference per channel (0..255) still "unchanged": none, as JPEG
# changes only the blocks under the overlay and PNG and lossless WebP are
# lossless; lossy WebP is encoded anew, and GIF gets a new palette
my %TOLERANCE = (jpeg => 0.0, png => 0.0, webp => 0.0, 'webp-lossy' => 6.0,
                 gif => 6.0);

# nginx's built-in types know .jpg and .gif only: the blocks of a suite
# get the image types too, so that overlay_types' default draws on them
sub image_types {
    main::add_block_preprocessor(sub {
        my $block = shift;
        $block->set_value(http_config => "types { image/jpeg jpg; "
                          . "image/png png; image/webp webp; "
                          . "image/gif gif; }\n"
                          . ($block->http_config // ''));
    });
}

sub fixture_dir {
    return $ENV{TEST_NGINX_OVERLAY_FIXTURES} || 't/fixtures';
}

sub fixture {
    my ($name) = @_;
    my $path = fixture_dir() . "/$name";
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    my $data = <$fh>;
    close $fh;
    return $data;
}

# the parameter value the catalogue sends: base64url, unpadded
# the temporary directories of an http block, all in $dir: a suite that
# starts nginx by itself runs it as any user, away from /var/lib/nginx
sub temp_paths {
    my ($dir) = @_;
    return join '', map { "    ${_}_temp_path $dir/$_;\n" }
                    qw(client_body proxy fastcgi uwsgi scgi);
}

sub b64url {
    my ($json) = @_;
    return encode_base64url($json);
}

# the signature a producer computes: base64url, unpadded, of
# HMAC-SHA256(key, uri "\n" json)
sub sign {
    my ($key, $uri, $json) = @_;
    return encode_base64url(hmac_sha256("$uri\n$json", $key));
}

sub digest {
    my ($data) = @_;
    return sprintf "%d bytes, sha1 %s\n", length $data, sha1_hex($data);
}

sub fixture_digest {
    return digest(fixture($_[0]));
}

sub format_of {
    my ($data) = @_;
    return 'jpeg' if $data =~ /\A\xff\xd8\xff/;
    return 'png' if $data =~ /\A\x89PNG\r\n\x1a\n/;
    return 'webp' if $data =~ /\ARIFF....WEBP/s;
    return 'gif' if $data =~ /\AGIF8[79]a/;
    return 'other';
}

sub decode {
    my ($data) = @_;
    my $fmt = format_of($data);
    GD::Image->trueColor(1);
    my $im = $fmt eq 'jpeg' ? GD::Image->newFromJpegData($data, 1)
           : $fmt eq 'png'  ? GD::Image->newFromPngData($data, 1)
           : $fmt eq 'webp' ? GD::Image->newFromWebpData($data)
           : $fmt eq 'gif'  ? GD::Image->newFromGifData($data)
           : undef;
    return $im;
}

# Describes the image in $data against the original $orig:
#   "jpeg 640x427" and, for each corner, "unchanged", "badge" (mostly the
#   badge's colour where the original had none) or "changed".
sub describe_image {
    my ($data, $orig, $badge) = @_;
    $badge ||= [0xd6, 0x28, 0x28];

    my $fmt = format_of($data);
    my $im = decode($data);
    my $om = decode($orig);

    return "undecodable $fmt, " . length($data) . " bytes\n"
        unless $im && $om;

    my ($w, $h) = $im->getBounds;
    my ($ow, $oh) = $om->getBounds;
    my $out = "$fmt ${w}x${h}\n";

    return $out . "size differs from the original ${ow}x${oh}\n"
        if $w != $ow || $h != $oh;

    my $s = int(($w < $h ? $w : $h) * $CORNER);
    my %corners = (
        'top-left'     => [0, 0],
        'top-right'    => [$w - $s, 0],
        'bottom-left'  => [0, $h - $s],
        'bottom-right' => [$w - $s, $h - $s],
    );

    for my $name ('top-left', 'top-right', 'bottom-left', 'bottom-right') {
        my ($x0, $y0) = @{ $corners{$name} };
        my ($diff, $red, $ored, $n) = (0, 0, 0, 0);

        for my $y ($y0 .. $y0 + $s - 1) {
            for my $x ($x0 .. $x0 + $s - 1) {
                my @p = $im->rgb($im->getPixel($x, $y));
                my @q = $om->rgb($om->getPixel($x, $y));
                $diff += abs($p[0] - $q[0]) + abs($p[1] - $q[1])
                         + abs($p[2] - $q[2]);
                $red++ if is_badge(\@p, $badge);
                $ored++ if is_badge(\@q, $badge);
                $n++;
            }
        }

        $diff /= 3 * $n;

        my $kind = $fmt eq 'webp' && $data !~ /\A.{12}(?:VP8L|VP8X.{18}.*VP8L)/s
                   ? 'webp-lossy' : $fmt;
        my $verdict = $diff <= ($TOLERANCE{$kind} // 0) ? 'unchanged'
                    : ($red / $n >= 0.2 && $ored / $n < 0.05) ? 'badge'
                    : sprintf('changed (mean difference %.1f)', $diff);

        $out .= "$name: $verdict\n";
    }

    return $out;
}

# the badge's colour at 85% opacity, over any background, through JPEG
sub is_badge {
    my ($p, $badge) = @_;
    for my $i (0 .. 2) {
        return 0 if abs($p->[$i] - $badge->[$i]) > 50;
    }
    return 1;
}

# the APPn and COM segments of a JPEG before its first scan, as text
sub jpeg_markers {
    my ($data) = @_;
    my ($pos, @out) = (2);
    while ($pos + 4 <= length $data) {
        my ($ff, $m, $len) = unpack 'CCn', substr($data, $pos, 4);
        last if $ff != 0xff || $m == 0xda;
        my $body = substr($data, $pos + 4, $len - 2);
        if ($m >= 0xe0 && $m <= 0xef) {
            my ($id) = $body =~ /\A([\x20-\x7e]{1,12})/;
            push @out, sprintf "APP%d %s %d", $m - 0xe0, $id // '-',
                               length $body;
        } elsif ($m == 0xfe) {
            push @out, "COM $body";
        } elsif ($m == 0xc0 || $m == 0xc2) {
            push @out, $m == 0xc2 ? 'progressive' : 'baseline';
        }
        $pos += 2 + $len;
    }
    return join("\n", @out) . "\n";
}

# the chunks of a PNG before its image data, with the colour type
sub png_chunks {
    my ($data) = @_;
    my ($pos, @out) = (8);
    while ($pos + 8 <= length $data) {
        my ($len, $type) = unpack 'Na4', substr($data, $pos, 8);
        last if $type eq 'IDAT';
        push @out, $type eq 'IHDR'
            ? 'IHDR colour type ' . unpack('C', substr($data, $pos + 17, 1))
            : "$type $len";
        $pos += 12 + $len;
    }
    return join("\n", @out) . "\n";
}

# A request of our own to the nginx under test, from inside a test's
# filter: (status, { lower-case header => value }, body)
sub http {
    my ($method, $path, @headers) = @_;
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 5)
        or die "connect to $port: $!";
    binmode $sock;
    print $sock join("\r\n", "$method $path HTTP/1.0", 'Host: localhost',
                     @headers, '', '');
    local $/;
    my $resp = <$sock> // '';
    close $sock;
    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($status, @lines) = split /\r\n/, $head // '';
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () } @lines;
    return (($status // '') =~ m{^HTTP/1\.\d (\d+)} ? $1 : 0, \%h, $body);
}

# what the CLI built from the same core renders (same defaults as nginx);
# options (--font NAME=PATH,...) may follow
sub cli_render {
    my ($name, $json, @opts) = @_;
    my $cli = $ENV{TEST_NGINX_OVERLAY_CLI} || 'build/ngx-overlay';
    my $out = "/tmp/overlay-cli-$$.out";
    system($cli, 'render', @opts, fixture_dir() . "/$name", $json, $out) == 0
        or die "$cli render $name failed: $?";
    open my $fh, '<:raw', $out or die "$out: $!";
    local $/;
    my $data = <$fh>;
    close $fh;
    unlink $out;
    return $data;
}

# The image in ninths, against the original: for each, "unchanged",
# "badge" (a fifth or more of it is the badge's colour) or "changed".
sub grid_against {
    my ($name, $badge) = @_;
    my $orig = fixture($name);
    $badge ||= [0xd6, 0x28, 0x28];

    return sub {
        my ($data) = @_;
        my ($im, $om) = (decode($data), decode($orig));
        return "undecodable\n" unless $im && $om;
        my ($w, $h) = $im->getBounds;
        my @rows;
        for my $r (0 .. 2) {
            my @cells;
            for my $c (0 .. 2) {
                my ($n, $diff, $red) = (0, 0, 0);
                for my $y (int($r * $h / 3) .. int(($r + 1) * $h / 3) - 1) {
                    for my $x (int($c * $w / 3) .. int(($c + 1) * $w / 3) - 1) {
                        my @p = $im->rgb($im->getPixel($x, $y));
                        my @q = $om->rgb($om->getPixel($x, $y));
                        $diff++ if "@p" ne "@q";
                        $red++ if is_badge(\@p, $badge);
                        $n++;
                    }
                }
                push @cells, $diff == 0 ? 'unchanged'
                           : $red / $n >= 0.2 ? 'badge' : 'changed';
            }
            push @rows, join(' ', @cells);
        }
        return join("\n", @rows) . "\n";
    };
}

# a --- response_body_filters code ref comparing with a fixture; the
# badge's colour is the default's unless given as [r, g, b]
sub pixels_against {
    my ($name, $badge) = @_;
    my $orig = fixture($name);
    return sub { describe_image($_[0], $orig, $badge) };
}

# The hostile bodies of t/hostile.t (and t/memory.t), written into DIR;
# returns their names.  Pixel floods and bombs, the photo cut at many
# places, garbage and other formats, giant and bogus metadata.
sub hostile_files {
    my ($dir) = @_;
    my @names;
    my $put = sub {
        my ($name, $data) = @_;
        open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
        print $fh $data;
        close $fh;
        chmod 0644, "$dir/$name";
        push @names, $name;
    };
    my $rocket = fixture('rocket.jpg');

    # a JPEG frame header claiming 65000 x 65000
    $put->('jpeg-flood.jpg', "\xff\xd8"
        . jpeg_segment(0xc0, pack('CnnC', 8, 65000, 65000, 3)
                             . "\x01\x22\x00\x02\x11\x01\x03\x11\x01")
        . "\xff\xd9");

    # a PNG of 20000 x 20000, its IDAT a megabyte of zeros deflated (a bomb)
    {
        require Compress::Zlib;
        my $ihdr = pack('NNCCCCC', 20000, 20000, 8, 0, 0, 0, 0);
        my $idat = Compress::Zlib::compress("\0" x (1 << 20));
        my $chunk = sub { my ($t, $d) = @_;
            pack('N', length $d) . $t . $d
            . pack('N', Compress::Zlib::crc32($t . $d)) };
        $put->('png-bomb.png', "\x89PNG\r\n\x1a\n" . $chunk->('IHDR', $ihdr)
            . $chunk->('IDAT', $idat) . $chunk->('IEND', ''));
    }

    # a GIF of 65535 x 65535, one frame as large
    $put->('gif-flood.gif', "GIF89a" . pack('vvCCC', 65535, 65535, 0, 0, 0)
        . "\x2c" . pack('vvvvC', 0, 0, 65535, 65535, 0)
        . "\x02\x02\x44\x01\x00" . "\x3b");

    # a progressive JPEG of 704 scans, each a pass over the image
    $put->('scan-bomb.jpg', scan_bomb());

    # the photo cut at many places
    $put->("cut-$_.jpg", substr($rocket, 0, $_))
        for 10, 200, 700, 5000, 50000, 100000;

    # not images
    $put->('garbage.jpg', join '', map { chr(($_ * 7919 + 13) % 256) }
                                       1 .. 5000);
    $put->('empty.jpg', '');
    $put->('image.svg',
           '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
    $put->('image.tif', "II*\0" . ("\0" x 200));

    # giant metadata: 100 ICC segments of 60000 bytes
    $put->('big-icc.jpg', "\xff\xd8"
        . join('', map { jpeg_segment(0xe2, "ICC_PROFILE\0" . chr($_)
                                            . chr(100) . ("\x5a" x 60000)) }
                       1 .. 100)
        . substr($rocket, 2));

    # EXIF whose IFD offset points far past its segment
    $put->('bogus-exif.jpg', "\xff\xd8"
        . jpeg_segment(0xe1, "Exif\0\0MM\0\x2a\x7f\xff\xff\xf0\0\x01")
        . substr($rocket, 2));

    # a JPEG with a ZIP appended (a polyglot): drawn on as the JPEG it is
    $put->('polyglot.jpg', $rocket . "PK\x03\x04" . ("z" x 1000));

    return @names;
}

sub jpeg_segment {
    my ($marker, $body) = @_;
    return "\xff" . chr($marker) . pack('n', length($body) + 2) . $body;
}

# A 64x64 grey progressive JPEG, every coefficient 0 (grey 128), with as
# many scans as progression allows: for each coefficient a first scan at
# Al 10 and ten refinements, 704 in all (tests/unit/fixtures.c makes the
# same with libjpeg).  Written by hand: one Huffman code, "0", in each table.
sub scan_bomb {
    my $jpeg = "\xff\xd8"
        . jpeg_segment(0xdb, "\x00" . ("\x01" x 64))           # DQT 0
        . jpeg_segment(0xc2, pack('CnnC', 8, 64, 64, 1) . "\x01\x11\x00")
        # DC table 0: category 0 (no difference); AC table 0: EOB6
        . jpeg_segment(0xc4, "\x00\x01" . ("\x00" x 15) . "\x00")
        . jpeg_segment(0xc4, "\x10\x01" . ("\x00" x 15) . "\x60");
    for my $k (0 .. 63) {
        for my $al (reverse 0 .. 10) {
            my $ah = $al == 10 ? 0 : $al + 1;
            $jpeg .= jpeg_segment(0xda, pack('C6', 1, 1, 0x00, $k, $k,
                                             $ah << 4 | $al));
            # DC: a "0" code, or a refinement bit 0, for each of the 64
            # blocks; AC: EOB6 and its six bits (a run of 64), a 1 to pad
            $jpeg .= $k == 0 ? "\x00" x 8 : "\x01";
        }
    }
    return $jpeg . "\xff\xd9";
}

# The command that runs a program under valgrind when TEST_NGINX_USE_VALGRIND
# is set, as Test::Nginx runs nginx: a number means memcheck with the
# options upstream chooses and ./valgrind.suppress when it exists; any
# other value is the options themselves.  Empty when it is not set.
sub valgrind_command {
    my $use = $ENV{TEST_NGINX_USE_VALGRIND} or return ();
    return ('valgrind', '-q', split ' ', $use) unless $use =~ /^\d+$/;
    return ('valgrind', qw(--num-callers=100 -q --tool=memcheck
                           --leak-check=full --keep-debuginfo=yes
                           --show-possibly-lost=no --gen-suppressions=all),
            -f 'valgrind.suppress' ? '--suppressions=valgrind.suppress' : ());
}

# A timeout that gives valgrind room: ten times longer under it
sub timeout {
    my ($seconds) = @_;
    return $ENV{TEST_NGINX_USE_VALGRIND} ? 10 * $seconds : $seconds;
}

1;
