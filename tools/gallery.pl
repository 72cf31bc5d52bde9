#!/usr/bin/perl
# Writes the demo's index page: each sample photo with and without
# overlays, styles, positions, scripts, repaired legacy values and
# fail-open cases, each with the URL that makes it.
#
#   tools/gallery.pl > index.html

use strict;
use warnings;
use utf8;

use MIME::Base64 qw(encode_base64 encode_base64url);

binmode STDOUT, ':raw';

sub value { encode_base64url($_[0]) }

sub html {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}

sub figure {
    my ($src, $caption) = @_;
    return sprintf qq{<figure><a href="%s"><img src="%s" loading="lazy"></a>}
                   . qq{<figcaption>%s<br><code>%s</code></figcaption>}
                   . qq{</figure>\n},
                   html($src), html($src), html($caption), html($src);
}

sub overlaid {
    my ($image, $json) = @_;
    utf8::encode(my $bytes = $json);
    return figure("/images/$image?overlay=" . value($bytes), $json);
}

my $last = '{"overlay": "Last Chance!"}';
my $out = <<'HEAD';
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>ngx_http_overlay_module demo</title>
<style>
body { font: 15px/1.4 sans-serif; margin: 2em; background: #f4f4f4; }
section { display: flex; flex-wrap: wrap; gap: 1em; margin-bottom: 2em; }
figure { margin: 0; background: #fff; padding: .5em; max-width: 420px; }
img { max-width: 400px; display: block; }
code { font-size: 11px; word-break: break-all; color: #555; }
</style></head><body>
<h1>ngx_http_overlay_module</h1>
<p>Every image below is served by nginx from the same files; the overlay
is drawn by the module from the <code>overlay</code> query parameter
(base64url of a JSON object). Click an image to open its URL.</p>
HEAD

$out .= qq{<h2>Originals and the "Last Chance!" badge, in every format</h2>\n};

for my $image (qw(rocket.jpg coffee.jpg astronaut.jpg portrait-exif6.jpg
                  progressive.jpg gray.jpg chelsea.png palette.png thumb.webp
                  alpha-lossless.webp thumb.gif thumb.jpg))
{
    $out .= "<section>\n" . figure("/images/$image", "$image, original")
            . overlaid($image, $last) . "</section>\n";
}

$out .= "<h2>Styles, positions, fonts and images</h2><section>\n";

for my $json (
    '{"layers": [{"text": "Last Chance!", "style": "ribbon", "position": "top-left"}]}',
    '{"layers": [{"text": "Last Chance!", "style": "ribbon", "position": "bottom-right", "background": "#1f6feb"}]}',
    '{"layers": [{"text": "Leaving Friday", "style": "banner", "position": "bottom", "background": "#000000a0"}]}',
    '{"layers": [{"text": "Leaving Friday", "style": "banner", "position": "top-left", "size": 0.05}]}',
    '{"layers": [{"text": "Last Chance!", "style": "plain", "position": "center", "size": 0.12}]}',
    '{"layers": [{"text": "NEW", "position": "bottom-left", "background": "#1a7f37", "font": "serif"}]}',
    '{"layers": [{"image": "logo", "position": "top-right", "scale": 0.3}, {"text": "Last Chance!", "position": "bottom-left"}]}',
    '{"layers": [{"text": "A title far too long for a thumbnail, cut with an ellipsis", "size": 0.1}]}',
    (map { qq({"layers": [{"text": "$_", "position": "$_"}]}) }
         qw(top-left top top-right left center right bottom-left bottom
            bottom-right)))
{
    $out .= overlaid('coffee.jpg', $json);
}

$out .= "</section>\n<h2>Texts and scripts</h2><section>\n";

for my $text ('Leaving soon', 'Dernière chance', 'Последний шанс',
              'Τελευταία ευκαιρία', 'Ostatnia szansa – piękna',
              'jednorožec Über', 'R&D: &#65; is drawn as typed')
{
    (my $t = $text) =~ s/"/\\"/g;
    $out .= overlaid('coffee.jpg', qq({"overlay": "$t"}));
}

$out .= "</section>\n<h2>Every script: shaped, ordered, from a chain of "
        . "fonts</h2><section id=\"scripts\">\n";

for my $json (
    '{"layers": [{"text": "فرصة أخيرة!", "position": "top-left", "size": 0.08}]}',
    '{"layers": [{"text": "הזדמנות אחרונה!", "style": "ribbon", "position": "top-right"}]}',
    '{"layers": [{"text": "Last Chance — فرصة أخيرة 2026", "style": "banner", "position": "bottom"}]}',
    '{"layers": [{"text": "अंतिम मौका!", "position": "top-left", "size": 0.08}]}',
    '{"layers": [{"text": "โอกาสสุดท้าย!", "style": "banner", "position": "bottom"}]}',
    '{"layers": [{"text": "最後のチャンス！", "position": "center", "size": 0.08}]}',
    '{"layers": [{"text": "最后机会！", "position": "top-right", "size": 0.08}]}',
    '{"layers": [{"text": "마지막 기회!", "style": "ribbon", "position": "bottom-left"}]}',
    '{"layers": [{"text": "🔥 Last Chance! 🍿", "position": "top-left", "size": 0.08, "font": "emoji"}]}',
    '{"layers": [{"text": "❤️ Tonight only", "style": "plain", "position": "bottom", "size": 0.08, "font": "emoji"}]}')
{
    $out .= overlaid('coffee.jpg', $json);
}

$out .= "</section>\n<h2>Legacy forms: repaired, drawn, and logged at "
        . "info</h2><section>\n";

my $v = value($last);
(my $std = encode_base64($last, '')) =~ s/([+\/=])/sprintf '%%%02X', ord $1/ge;
$out .= figure("/images/rocket.jpg?overlay=b'$v'",
               "a Python bytes literal b'...'")
        . figure("/images/rocket.jpg?overlay=$std",
                 'standard base64, padded, percent-encoded')
        . figure('/images/rocket.jpg?overlay=%7B%22overlay%22%3A'
                 . '%22Raw%20JSON%22%7D', 'raw JSON, percent-encoded');

$out .= "</section>\n<h2>Fail open: the original, and one line in the "
        . "error log</h2><section>\n";

$out .= figure('/images/rocket.jpg?overlay=not-base64!', 'garbage')
        . overlaid('chelsea.png', '{"overlay": ""}')
        . overlaid('chelsea.png',
                   '{"layers": [{"text": "x", "position": "top-rigth"}]}')
        . overlaid('animated.gif', $last)
        . overlaid('cmyk.jpg', $last)
        . figure("/images/corrupt.jpg?overlay=$v",
                 'a corrupt JPEG (the browser shows it broken: these are '
                 . 'the original bytes)');

$out .= "</section></body></html>\n";

utf8::encode($out);
print $out;
