# build/ngx-overlay: what an on-call engineer and a designer run.

use strict;
use warnings;

use File::Temp qw(tempdir);
use Test::More;

my $cli = $ENV{TEST_NGINX_OVERLAY_CLI} || 'build/ngx-overlay';
my $fixtures = $ENV{TEST_NGINX_OVERLAY_FIXTURES} || 't/fixtures';

plan skip_all => "$cli is not built" unless -x $cli;

my $dir = tempdir(CLEANUP => 1);

sub run {
    my @args = @_;
    my $pid = open my $fh, '-|';
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec $cli, @args or exit 127;
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

my ($rc, $out, $value);

# inspect: the value from a URL in a bug report

($rc, $out) = run('inspect', "b'eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0'");
is($rc, 0, 'inspect accepts a bytes literal');
is($out, "repaired: bytes literal\n"
         . '{"layers":[{"text":"Last Chance!","style":"badge",'
         . '"position":"top-right","margin":0.03,"size":0.06,'
         . '"color":"#ffffffff","background":"#d62828d9","font":"default",'
         . '"opacity":1.0,"radius":0.0}]}' . "\n"
         . "layers[0].text: paragraph ltr, 1 run\n"
         . "  Latn ltr  /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
         . "  \"Last Chance!\"\n",
   'and prints the repair, the normalized spec and the text\'s run');

($rc, $out) = run('inspect', 'eyJsYXllcnMiOlt7InRleHQiOiJhIiwicG9zaXRpb24iOiJ0b3AtcmlndGgifV19');
is($rc, 1, 'inspect refuses a bad spec with status 1');
like($out, qr/^bad_spec: layers\[0\]\.position "top-rigth" is not one of top-left/,
     'and prints the reason');

($rc, $out) = run('inspect', 'garbage!');
is($rc, 1, 'inspect refuses garbage');
like($out, qr/^bad_encoding: /, 'as bad_encoding');

# inspect: each text's runs (script, direction, font), in logical order

my $sans = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
my $deva = '/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf';
my $cjk = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

($rc, $out) = run('encode', '--font', "world=$sans,$deva,$cjk",
                  '{"layers":[{"text":"Last Chance \u2014 '
                  . '\u0641\u0631\u0635\u0629 2026"},{"text":"Last '
                  . '\u0905\u0902 \u6700\u5f8c","font":"world"}]}');
is($rc, 0, 'encode --font: a spec naming a chain');
chomp($value = $out);
($rc, $out) = run('inspect', '--font', "world=$sans,$deva,$cjk", $value);
is($rc, 0, 'inspect --font NAME=PATH,PATH,PATH');
like($out, qr/\n\Qlayers[0].text: paragraph ltr, 3 runs
  Latn ltr  $sans  "Last Chance \E\x{e2}\x{80}\x{94} "
  Arab rtl  \Q$sans\E  "[^"]+ "
  Arab ltr  \Q$sans\E  "2026"
\Qlayers[1].text: paragraph ltr, 4 runs
  Latn ltr  $sans  "Last "
  Deva ltr  $deva  "\E[^"]+\Q"
  Deva ltr  $sans  " "
  Hani ltr  $cjk  "\E[^"]+"\n\z/,
     'prints the runs: the digits in the Arabic run left to right, each '
     . 'run in its font');

($rc, $out) = run('inspect', $value);
is($rc, 1, 'inspect refuses a font the value names and it was not given');
like($out, qr/^bad_spec: layers\[1\]\.font "world"/, 'naming it');

($rc, $out) = run('encode', '{"overlay":"Last \u0905"}');
chomp($value = $out);
($rc, $out) = run('inspect', $value);
is($rc, 1, 'inspect refuses a character no font of the chain has');
like($out, qr/\nbad_spec: layers\[0\]\.text: U\+0905 is in no font of "default"\n\z/,
     'naming the code point and the chain, after the spec');

# the licence window: inspect --now says which layers are drawn and when
# that changes; render --now draws the countdown of that instant, and
# writes the original when no layer is left

($rc, $out) = run('encode', '{"layers":[{"text":"{days} days left",'
                  . '"from":"2026-12-18T00:00:00Z","until":'
                  . '"2026-12-25T00:00:00+01:00"},{"text":"Soon",'
                  . '"from":"2026-12-24T00:00:00Z"}]}');
chomp($value = $out);
($rc, $out) = run('inspect', '--now', '2026-12-20T10:00:00Z', $value);
is($rc, 0, 'inspect --now');
like($out, qr/"from":"2026-12-18T00:00:00Z","until":"2026-12-25T00:00:00\+01:00"/,
     'the normalized spec keeps each instant in its offset');
like($out, qr/^at 2026-12-20T10:00:00Z: layers\[0\] drawn, layers\[1\] pending\n(?s:.)*^the drawing next changes at 2026-12-20T23:00:00Z, in 46800 s$/m,
     'which layers are drawn, and the next change: 5 days left become 4');

($rc, $out) = run('render', '--now', '2026-12-20T10:00:00Z',
                  "$fixtures/coffee.jpg",
                  '{"overlay":"{days} days left","until":"2026-12-25T00:00:00Z"}',
                  "$dir/days.jpg");
is($rc, 0, 'render --now');
($rc, $out) = run('render', "$fixtures/coffee.jpg",
                  '{"overlay":"5 days left"}', "$dir/five.jpg");
is(-s "$dir/days.jpg", -s "$dir/five.jpg",
   'the countdown drawn as its text at that instant');
ok(system('cmp', '-s', "$dir/days.jpg", "$dir/five.jpg") == 0,
   'byte for byte');

($rc, $out) = run('render', '--now', '2026-12-25T00:00:00Z',
                  "$fixtures/coffee.jpg",
                  '{"overlay":"{days} days left","until":"2026-12-25T00:00:00Z"}',
                  "$dir/gone.jpg");
is($rc, 0, 'render --now after until');
like($out, qr/^expired: no layer is drawn at this time/, 'says so');
ok(system('cmp', '-s', "$dir/gone.jpg", "$fixtures/coffee.jpg") == 0,
   'and writes the original');

($rc, $out) = run('render', '--now', 'tomorrow', "$fixtures/coffee.jpg",
                  '{"overlay":"x"}', "$dir/x.jpg");
is($rc, 2, '--now takes an RFC 3339 instant only');

# encode: validated, base64url, unpadded; inspect reads it back

($rc, $out) = run('encode', '{"overlay":"Last Chance!"}');
is($rc, 0, 'encode');
is($out, "eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0\n", 'base64url, no padding');

($rc, $out) = run('encode', '{"layers":[{"text":"Ü&?","style":"ribbon","position":"bottom-left"}]}');
chomp($value = $out);
unlike($value, qr/[+\/=]/, 'only URL-safe characters');
($rc, $out) = run('inspect', $value);
like($out, qr/"text":"Ü&\?","style":"ribbon","position":"bottom-left"/,
     'inspect reads back what encode wrote');

($rc, $out) = run('encode', '{"overlay":""}');
is($rc, 1, 'encode refuses an invalid spec');
like($out, qr/^bad_spec: overlay is an empty string/, 'with the reason');

# encode, signed: the query string, with the file's first key

($rc, $out) = run('encode', '--key-file', "$fixtures/overlay-keys.txt",
                  '--uri', '/img/rocket.jpg', '{"overlay":"Last Chance!"}');
is($rc, 0, 'encode --key-file');
is($out, 'overlay=eyJvdmVybGF5IjoiTGFzdCBDaGFuY2UhIn0&sig='
         . '0oC-PJv_ILpj8VFC31hoI6-iN7IjkpS1lTIHyR9kTts' . "\n",
   'the value and its signature (as Python\'s hmac makes it)');

# probe

($rc, $out) = run('probe', "$fixtures/rocket.jpg");
is($out, "jpeg 640x427\n", 'probe a JPEG');
($rc, $out) = run('probe', "$fixtures/chelsea.png");
is($out, "png 451x300\n", 'probe a PNG');
($rc, $out) = run('probe', "$fixtures/SOURCES.txt");
is($rc, 1, 'probe refuses text');

# render

($rc, $out) = run('render', "$fixtures/thumb.jpg", '{"overlay":"Hi"}',
                  "$dir/out.jpg");
is($rc, 0, 'render') or diag($out);
($rc, $out) = run('probe', "$dir/out.jpg");
is($out, "jpeg 320x180\n", 'renders a JPEG of the same size');

($rc, $out) = run('render', '--asset', "logo=$fixtures/logo.png",
                  '--font', 'serif=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
                  '--quality', '50', "$fixtures/chelsea.png",
                  '{"layers":[{"image":"logo"},{"text":"x","font":"serif"}]}',
                  "$dir/out.png");
is($rc, 0, 'render with a named font and an asset') or diag($out);

($rc, $out) = run('render', "$fixtures/corrupt.jpg", '{"overlay":"Hi"}',
                  "$dir/bad.jpg");
is($rc, 1, 'render refuses a corrupt image');
like($out, qr/^bad_image: jpeg: Bogus Huffman table definition/, 'as bad_image');
ok(!-e "$dir/bad.jpg", 'and writes nothing');

($rc, $out) = run('render', '--font', 'x=/nonexistent.ttf',
                  "$fixtures/thumb.jpg", '{"overlay":"Hi"}', "$dir/x.jpg");
is($rc, 2, 'a missing font is a usage error');

# fallback chains: NAME=PATH,PATH...
my $sans = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
my $deva = '/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf';
my $deva_json = '{"overlay":"Last \\u0905\\u0902\\u0924\\u093f\\u092e"}';

($rc, $out) = run('render', "$fixtures/thumb.jpg", $deva_json,
                  "$dir/deva0.jpg");
is($rc, 1, 'Devanagari with the default chain is refused');
like($out, qr/^bad_spec: .*U\+0905 is in no font of "default"/,
     'naming the code point and the chain');

($rc, $out) = run('render', '--font', "default=$sans,$deva",
                  "$fixtures/thumb.jpg", $deva_json, "$dir/deva.jpg");
is($rc, 0, 'a chain of two fonts draws Devanagari') or diag($out);

($rc, $out) = run('render', '--font', "deva=$sans,/nonexistent.ttf",
                  "$fixtures/thumb.jpg", '{"overlay":"Hi"}', "$dir/x.jpg");
is($rc, 2, 'a missing font in a chain is a usage error');

($rc, $out) = run('frobnicate');
is($rc, 2, 'an unknown command is a usage error');
like($out, qr/^usage: ngx-overlay inspect \[--font NAME=PATH\[,PATH\.\.\.\]\]\.\.\. \[--now INSTANT\] VALUE/m,
     'with the usage');

done_testing();
