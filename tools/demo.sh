#!/bin/sh
# Runs nginx in the foreground with the module, serving a gallery of the
# sample photos with and without overlays, and the URLs that make them.
#
#   tools/demo.sh NGINX MODULE PORT
#
# The runtime files go to build/demo/; the images are t/fixtures/.

set -eu

nginx=${1:-/usr/sbin/nginx}
module=${2:-$(pwd)/build/ngx_http_overlay_module.so}
port=${3:-8080}

top=$(cd "$(dirname "$0")/.." && pwd)
cli="$top/build/ngx-overlay"
demo="$top/build/demo"
images="$top/t/fixtures"

mkdir -p "$demo/conf" "$demo/logs" "$demo/html" "$demo/tmp"

cat > "$demo/conf/nginx.conf" <<CONF
load_module $module;

daemon off;
master_process on;
worker_processes 1;
error_log stderr notice;
pid $demo/logs/nginx.pid;

events {
    worker_connections 256;
}

http {
    include /etc/nginx/mime.types;
    access_log $demo/logs/access.log;

    client_body_temp_path $demo/tmp/body;
    proxy_temp_path $demo/tmp/proxy;
    fastcgi_temp_path $demo/tmp/fastcgi;
    uwsgi_temp_path $demo/tmp/uwsgi;
    scgi_temp_path $demo/tmp/scgi;

    server {
        listen 127.0.0.1:$port;

        location = / {
            root $demo/html;
            try_files /index.html =404;
        }

        location /images/ {
            alias $images/;
            overlay \$arg_overlay;
            overlay_asset logo $images/logo.png;
            overlay_font serif /usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf;
            overlay_font default /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf;
        }
    }
}
CONF

url() {
    # url IMAGE JSON: the image's URL with the overlay parameter
    printf '/images/%s?overlay=%s' "$1" "$("$cli" encode "$2")"
}

html() {
    printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'
}

figure() {
    # figure SRC CAPTION
    printf '<figure><a href="%s"><img src="%s" loading="lazy"></a>' \
        "$(html "$1")" "$(html "$1")"
    printf '<figcaption>%s<br><code>%s</code></figcaption></figure>\n' \
        "$(html "$2")" "$(html "$1")"
}

last='{"overlay": "Last Chance!"}'

{
cat <<'HEAD'
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

echo '<h2>Originals and the "Last Chance!" badge</h2>'
for img in rocket.jpg coffee.jpg astronaut.jpg chelsea.png thumb.jpg; do
    echo '<section>'
    figure "/images/$img" "$img, original"
    figure "$(url "$img" "$last")" "$img, $last"
    echo '</section>'
done

echo '<h2>Other texts and scripts</h2><section>'
for text in 'Leaving soon' 'Dernière chance' 'Последний шанс' \
            'Τελευταία ευκαιρία' 'Ostatnia szansa – piękna' 'R&D: &#65; is drawn as typed'
do
    json="{\"overlay\": \"$(printf '%s' "$text" | sed 's/"/\\"/g')\"}"
    figure "$(url coffee.jpg "$json")" "$json"
done
echo '</section>'

echo '<h2>Styles, positions, fonts and images</h2><section>'
for json in \
    '{"layers": [{"text": "Last Chance!", "style": "ribbon", "position": "top-left"}]}' \
    '{"layers": [{"text": "Last Chance!", "style": "ribbon", "position": "bottom-right", "background": "#1f6feb"}]}' \
    '{"layers": [{"text": "Leaving Friday", "style": "banner", "position": "bottom", "background": "#000000a0"}]}' \
    '{"layers": [{"text": "Leaving Friday", "style": "banner", "position": "top-left", "size": 0.05}]}' \
    '{"layers": [{"text": "Last Chance!", "style": "plain", "position": "center", "size": 0.12}]}' \
    '{"layers": [{"text": "NEW", "position": "bottom-left", "background": "#1a7f37", "font": "serif"}]}' \
    '{"layers": [{"image": "logo", "position": "top-right", "scale": 0.3}, {"text": "Last Chance!", "position": "bottom-left"}]}' \
    '{"layers": [{"text": "A title far too long for a thumbnail, cut with an ellipsis", "size": 0.1}]}'
do
    figure "$(url coffee.jpg "$json")" "$json"
done
echo '</section>'

echo '<h2>Legacy forms: repaired, drawn, and logged at info</h2><section>'
value=$("$cli" encode "$last")
figure "/images/rocket.jpg?overlay=b'$value'" \
    "a Python bytes literal b'...'"
std=$(printf '%s' "$last" | base64 | tr -d '\n')
figure "/images/rocket.jpg?overlay=$(printf '%s' "$std" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')" \
    "standard base64, padded"
figure "/images/rocket.jpg?overlay=%7B%22overlay%22%3A%22Raw%20JSON%22%7D" \
    "raw JSON, percent-encoded"
echo '</section>'

echo '<h2>Fail open: the original, and one line in the error log</h2><section>'
figure "/images/rocket.jpg?overlay=not-base64!" "garbage"
empty=$(printf '%s' '{"overlay": ""}' | base64 | tr '+/' '-_' | tr -d '=\n')
figure "/images/chelsea.png?overlay=$empty" \
    'an empty text: {"overlay": ""}'
typo=$(printf '%s' '{"layers": [{"text": "x", "position": "top-rigth"}]}' \
       | base64 -w0 | tr '+/' '-_' | tr -d '=')
figure "/images/chelsea.png?overlay=$typo" 'a typo: "top-rigth"'
figure "/images/corrupt.jpg?overlay=$value" "a corrupt JPEG (the browser shows it broken: these are the original bytes)"
echo '</section></body></html>'
} > "$demo/html/index.html"

echo "demo: http://127.0.0.1:$port/ (Ctrl-C stops it; logs below)"
exec "$nginx" -p "$demo" -c "$demo/conf/nginx.conf"
