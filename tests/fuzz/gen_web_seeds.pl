#!/usr/bin/perl
#
# Writes the small WebP, GIF and APNG seeds of the image fuzz targets into
# a directory, each a few hundred bytes: WebP lossy (VP8), lossy with alpha
# (VP8X and ALPH), lossless (VP8L), a WebP canvas whose frame disagrees;
# GIF static, interlaced with a local colour table, transparent, animated,
# a frame off the screen; an APNG.  The seeds are committed in
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
