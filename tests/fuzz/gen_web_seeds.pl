#!/usr/bin/perl
#
# Writes the small WebP, GIF and APNG seeds of the image fuzz targets into
# a directory, each a few hundred bytes: WebP lossy (VP8), lossy with alpha
# (VP8X and ALPH), lossless (VP8L), a WebP canvas whose frame disagrees;
# GIF static, interlaced with a local colour table, transparent, animated,
# a frame off the screen; an APNG; and, for the paths of a full palette
# and of lossy alpha, PNG palettes and GIFs of 256 colours, lossy WebPs with
# alpha of odd sizes and each ALPH filter.  The seeds are committed in
# tests/fuzz/corpus_image/; this script (GD.pm, libgd's Perl binding) is
# how they were made, and is not part of the build:
#
#   perl tests/fuzz/gen_web_seeds.pl tests/fuzz/corpus_image

use strict;
use warnings;
use GD;
use Compress::Zlib ();

my $dir = shift or die "usage: $0 DIR\n";

sub put {
    my ($name, $data) = @_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
    print $fh $data;
    close $fh;
}

# a truecolor image of w x h with a gradient, alpha where asked
sub image {
    my ($w, $h, $alpha) = @_;
    my $im = GD::Image->new($w, $h, 1);
    $im->saveAlpha(1);
    $im->alphaBlending(0);
    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            $im->setPixel($x, $y, $im->colorAllocateAlpha(
                $x * 255 / $w, $y * 255 / $h, 128,
                $alpha ? ($x + $y) * 127 / ($w + $h) : 0));
        }
    }
    return $im;
}

my $webp = image(16, 12, 0)->webp(50);
put('lossy.webp', $webp);
put('alpha.webp', image(16, 12, 1)->webp(50));
put('lossless.webp', image(9, 7, 1)->webp(101));

# the lossy one inside a VP8X whose canvas says 20x12
put('canvas.webp', 'RIFF' . pack('V', length($webp) - 8 + 18) . 'WEBP'
    . 'VP8X' . pack('V', 10) . "\0\0\0\0" . pack('VXVX', 19, 11)
    . substr($webp, 12));

sub palette {
    my ($w, $h) = @_;
    my $im = GD::Image->new($w, $h, 0);
    $im->colorAllocate($_ * 60, 255 - $_ * 60, 90) for 0 .. 3;
    for my $y (0 .. $h - 1) {
        $im->setPixel($_, $y, ($_ + $y) % 4) for 0 .. $w - 1;
    }
    return $im;
}

put('static.gif', palette(12, 9)->gif);

my $im = palette(13, 11);
$im->interlaced(1);
$im->transparent(2);
put('interlaced.gif', $im->gif);

my $anim = palette(8, 8)->gifanimbegin(1, 0);
$anim .= palette(8, 8)->gifanimadd(1, 0, 0, 10);
$anim .= palette(8, 8)->gifanimadd(1, 2, 2, 10);
$anim .= palette(8, 8)->gifanimend;
put('animated.gif', $anim);

# the static one, its screen made 8x6: the frame reaches out of it
my $off = palette(12, 9)->gif;
substr($off, 6, 4) = pack('vv', 8, 6);
put('off-screen.gif', $off);

# an APNG: acTL and fcTL before IDAT, an fdAT after it
my $png = image(6, 5, 1)->png;
my $chunk = sub { my ($t, $d) = @_;
    pack('N', length $d) . $t . $d . pack('N', Compress::Zlib::crc32($t . $d)) };
my ($idat) = $png =~ /IDAT(.*)\z/s;
put('apng.png', substr($png, 0, 33)
    . $chunk->('acTL', pack('NN', 2, 0))
    . $chunk->('fcTL', pack('NNNNNnnCC', 0, 6, 5, 0, 0, 1, 10, 0, 0))
    . substr($png, 33, -12)
    . $chunk->('fcTL', pack('NNNNNnnCC', 1, 6, 5, 0, 0, 1, 10, 0, 0))
    . $chunk->('fdAT', pack('N', 2) . substr($idat, 0, 16))
    . substr($png, -12));

# the paths of a full palette and of lossy alpha: PNG palettes of 256
# entries, every one used (with a tRNS shorter than PLTE, in three IDATs);
# GIFs of 256 colours (a transparent entry used, one no pixel uses, a
# local colour table only); lossy WebPs with alpha of odd sizes, raw and
# compressed, each alpha filter; a 1x1 one

# a palette image of n colours, every one used, wide enough for the badge
sub full {
    my ($w, $h, $n, $skip) = @_;
    my $im = GD::Image->new($w, $h, 0);
    for my $c (0 .. $n - 1) {
        $im->colorAllocate(($c * 97) & 255, ($c * 31) & 255, ($c * 7) & 255);
    }
    my $used = defined $skip ? $n - 1 : $n;
    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            my $c = ($x + $y * 13) % $used;
            $c++ if defined $skip && $c >= $skip;
            $im->setPixel($x, $y, $c);
        }
    }
    return $im;
}

put('palette256.png', full(64, 24, 256)->png);

my $keyed = full(64, 24, 256);
$keyed->transparent(5);
put('palette256_trns.png', $keyed->png);

# the IDAT of palette256.png cut in three
my $full = full(64, 24, 256)->png;
my $at = index($full, 'IDAT') - 4;
my $len = unpack('N', substr($full, $at, 4));
my $z = substr($full, $at + 8, $len);
my $third = int($len / 3);
put('palette256_idats.png', substr($full, 0, $at)
    . $chunk->('IDAT', substr($z, 0, $third))
    . $chunk->('IDAT', substr($z, $third, $third))
    . $chunk->('IDAT', substr($z, 2 * $third))
    . substr($full, $at + 12 + $len));

$keyed = full(64, 24, 256);
$keyed->transparent(7);
put('full_trns.gif', $keyed->gif);

# 255 colours used, the transparent entry 255 used by no pixel
$keyed = full(64, 24, 256, 255);
$keyed->transparent(255);
put('full_unused_trns.gif', $keyed->gif);

# the global colour table made the image's local one
my $gif = full(64, 24, 256)->gif;
my $flags = ord(substr($gif, 10, 1));
my $size = 3 * (2 << ($flags & 7));
my $table = substr($gif, 13, $size);
my $rest = substr($gif, 13 + $size);
my $desc = index($rest, ',');
substr($rest, $desc + 9, 1) = chr(0x80 | ($flags & 7));
substr($rest, $desc + 10, 0) = $table;
put('local_only.gif', substr($gif, 0, 10) . chr($flags & 0x70)
    . substr($gif, 11, 2) . $rest);

# lossy WebPs with alpha, odd sizes; a 1x1 one
sub rgba {
    my ($w, $h) = @_;
    my $im = GD::Image->new($w, $h, 1);
    $im->saveAlpha(1);
    $im->alphaBlending(0);
    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            $im->setPixel($x, $y, $im->colorAllocateAlpha(
                $x * 255 / $w, $y * 255 / $h, 200, ($x * 5 + $y * 3) % 128));
        }
    }
    return $im;
}

put('alpha_odd.webp', rgba(15, 9)->webp(60));
put('alpha_3x5.webp', rgba(3, 5)->webp(60));

# their ALPH chunks' filter set (horizontal, vertical, gradient): any alpha
# data is valid with any filter, raw (3x5) or compressed (15x9)
for my $f ([1, 'horizontal'], [2, 'vertical'], [3, 'gradient']) {
    for my $s (['alpha_3x5', rgba(3, 5)], ['alpha_odd', rgba(15, 9)]) {
        my $w = $s->[1]->webp(60);
        my $a = index($w, 'ALPH') + 8;
        substr($w, $a, 1) = chr(ord(substr($w, $a, 1)) | $f->[0] << 2);
        put("$s->[0]_$f->[1].webp", $w);
    }
}
put('one.webp', GD::Image->new(1, 1, 1)->webp(60));
