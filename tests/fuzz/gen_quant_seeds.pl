#!/usr/bin/perl
#
# Writes the seeds of fuzz_image for the paths a full palette, a 16-bit
# PNG and a lossy WebP take (each a few hundred bytes to a few KB): PNG
# palettes of 256 entries, every one used (with a tRNS shorter than PLTE,
# in three IDATs); GIFs of 256 colours (a transparent entry used, one no
# pixel uses, a local colour table only); lossy WebPs with alpha of odd
# sizes, raw and compressed, each alpha filter, and a 1x1 one.  The seeds are committed in
# tests/fuzz/corpus_image/; this script (GD.pm) is how they were made, and
# is not part of the build:
#
#   perl tests/fuzz/gen_quant_seeds.pl tests/fuzz/corpus_image

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

my $im = full(64, 24, 256);
$im->transparent(5);
put('palette256_trns.png', $im->png);

# the IDAT of palette256.png cut in three
my $png = full(64, 24, 256)->png;
my $chunk = sub { my ($t, $d) = @_;
    pack('N', length $d) . $t . $d . pack('N', Compress::Zlib::crc32($t . $d)) };
my $at = index($png, 'IDAT') - 4;
my $len = unpack('N', substr($png, $at, 4));
my $z = substr($png, $at + 8, $len);
my $third = int($len / 3);
put('palette256_idats.png', substr($png, 0, $at)
    . $chunk->('IDAT', substr($z, 0, $third))
    . $chunk->('IDAT', substr($z, $third, $third))
    . $chunk->('IDAT', substr($z, 2 * $third))
    . substr($png, $at + 12 + $len));

$im = full(64, 24, 256);
$im->transparent(7);
put('full_trns.gif', $im->gif);

# 255 colours used, the transparent entry 255 used by no pixel
$im = full(64, 24, 256, 255);
$im->transparent(255);
put('full_unused_trns.gif', $im->gif);

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
        my $webp = $s->[1]->webp(60);
        my $at = index($webp, 'ALPH') + 8;
        substr($webp, $at, 1) = chr(ord(substr($webp, $at, 1)) | $f->[0] << 2);
        put("$s->[0]_$f->[1].webp", $webp);
    }
}
put('one.webp', GD::Image->new(1, 1, 1)->webp(60));
