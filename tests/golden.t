# Golden images: the CLI renders each case of tests/golden/cases.txt, and
# the result is compared with the reference committed beside it.
#
# The metric: both images are decoded to RGB; for each pixel d is the
# largest difference of its three channels (0..255).  A case passes when
# the mean of d is at most 1.0 and at most 0.5% of the pixels have d over
# 64.  Anti-aliased edges may move by a few levels between FreeType or
# libgd versions (a small mean, few large d); an overlay that moved,
# changed colour, size or text, or vanished changes hundreds of pixels by
# far more than 64.
#
# GOLDEN_UPDATE=1 writes the references anew (make golden); look at them
# before committing.

use strict;
use warnings;

use File::Temp qw(tempdir);
use GD;
use Test::More;

my $cli = $ENV{TEST_NGINX_OVERLAY_CLI} || 'build/ngx-overlay';
my $dir = 'tests/golden';
my $tmp = tempdir(CLEANUP => 1);
my $fonts = '/usr/share/fonts/truetype';
my @args = ('--asset', 'logo=t/fixtures/logo.png', '--font',
            "serif=$fonts/dejavu/DejaVuSerif-Bold.ttf",
            # a chain for the scripts DejaVu lacks, and one with emoji
            '--font', "world=$fonts/dejavu/DejaVuSans-Bold.ttf,"
                      . "$fonts/lohit-devanagari/Lohit-Devanagari.ttf,"
                      . "$fonts/tlwg/Loma-Bold.ttf,"
                      . "$fonts/wqy/wqy-microhei.ttc",
            '--font', "emoji=$fonts/dejavu/DejaVuSans-Bold.ttf,"
                      . "$fonts/noto/NotoColorEmoji.ttf");

plan skip_all => "$cli is not built" unless -x $cli;

GD::Image->trueColor(1);

sub load {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return;
    local $/;
    my $data = <$fh>;
    return $data =~ /\A\xff\xd8/ ? GD::Image->newFromJpegData($data, 1)
                                 : GD::Image->newFromPngData($data, 1);
}

open my $cases, '<', "$dir/cases.txt" or die "$dir/cases.txt: $!";

while (my $line = <$cases>) {
    next if $line =~ /^\s*(#|$)/;
    my ($name, $input, $json) = map { s/^\s+|\s+$//gr } split /\|/, $line, 3;
    my $ext = $input =~ /\.(\w+)$/ ? $1 : 'png';
    my $out = "$tmp/$name.$ext";
    my $ref = "$dir/$name.$ext";

    is(system($cli, 'render', @args, "$dir/$input", $json, $out), 0,
       "$name: rendered");

    if ($ENV{GOLDEN_UPDATE}) {
        system('cp', $out, $ref) == 0 or die "cp $out $ref";
        pass("$name: reference written");
        next;
    }

    my ($a, $b) = (load($out), load($ref));

    unless ($a && $b) {
        fail("$name: decodes, and has a reference ($ref)");
        next;
    }

    my ($w, $h) = $a->getBounds;
    my ($sum, $far) = (0, 0);

    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            my @p = $a->rgb($a->getPixel($x, $y));
            my @q = $b->rgb($b->getPixel($x, $y));
            my $d = 0;
            for my $i (0 .. 2) {
                my $c = abs($p[$i] - $q[$i]);
                $d = $c if $c > $d;
            }
            $sum += $d;
            $far++ if $d > 64;
        }
    }

    my $mean = $sum / ($w * $h);
    ok($mean <= 1.0 && $far <= $w * $h * 0.005,
       sprintf "%s: mean difference %.3f, %d pixels over 64", $name,
       $mean, $far);
}

done_testing();
