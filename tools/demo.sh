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
            # a chain: Latin, Greek, Cyrillic, Arabic, Hebrew; Devanagari;
            # Thai; Chinese, Japanese, Korean; colour emoji
            overlay_font default
                /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
                /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf
                /usr/share/fonts/truetype/tlwg/Loma-Bold.ttf
                /usr/share/fonts/truetype/wqy/wqy-microhei.ttc;
            overlay_font emoji
                /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
                /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf;
            add_header X-Overlay "\$overlay_status \$overlay_error" always;
        }
    }
}
CONF

perl "$top/tools/gallery.pl" > "$demo/html/index.html"

echo "demo: http://127.0.0.1:$port/ (Ctrl-C stops it; logs below)"
exec "$nginx" -p "$demo" -c "$demo/conf/nginx.conf"
