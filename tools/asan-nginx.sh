#!/bin/sh
#
# tools/asan-nginx.sh BUILD_DIR MODULE_DIR
#
# nginx 1.22.1 as Debian builds it, with AddressSanitizer and
# UndefinedBehaviorSanitizer, and the module built against it, for
# "make test-asan":
#
# - the source is Debian's own package of the installed nginx version,
#   fetched with "apt-get source --download-only" through a private
#   deb-src list (BUILD_DIR/apt: the system's apt configuration and lists
#   are left alone) and unpacked with dpkg-source (Debian's patches
#   applied);
# - it is configured with the configure arguments of the installed
#   /usr/sbin/nginx ("nginx -V": the flags of nginx-dev's conf_flags and
#   the modules Debian builds in), less the dynamic modules, which the
#   tests do not load, and less its -O2 and -D_FORTIFY_SOURCE (ASan
#   replaces the checks FORTIFY adds), with
#   -fsanitize=address,undefined;
# - the module is added with --add-dynamic-module, so it is compiled with
#   the same flags, sanitizers included.
#
# Results: BUILD_DIR/sbin/nginx and BUILD_DIR/ngx_http_overlay_module.so.
# Nothing is rebuilt that is up to date: the source is fetched and nginx
# configured once; make rebuilds what changed.

set -eu

build=$1
module=$2

mkdir -p "$build"
build=$(cd "$build" && pwd)
module=$(cd "$module" && pwd)

version=$(dpkg-query -W -f '${Version}' nginx-common 2>/dev/null \
          || dpkg-query -W -f '${Version}' nginx-dev)
upstream=${version%%-*}
src=$build/nginx-$upstream

log() {
    echo "asan-nginx: $*" >&2
}

if [ ! -f "$src/configure" ]; then
    log "Debian's source of nginx $version"

    apt=$build/apt
    mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/dl"

    # the suites of the system's own list, as deb-src
    cat > "$apt/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
EOF

    opts="-o Dir::Etc::SourceList=$apt/sources.list
          -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists=$apt/lists
          -o Dir::Cache=$apt/cache
          -o Dir::Cache::archives=$apt/archives
          -o Debug::NoLocking=1
          -o APT::Sandbox::User=root"

    # shellcheck disable=SC2086
    apt-get -q $opts update >&2
    # the installed version; where the archive has lost its files (the
    # security archive keeps only some), the newest one it has
    # shellcheck disable=SC2086
    versions=$(apt-cache $opts showsrc nginx | sed -n 's/^Version: //p' \
               | sort -r -V | uniq)
    got=
    for v in $version $versions; do
        rm -f "$apt/dl"/nginx_*.dsc
        # shellcheck disable=SC2086
        if (cd "$apt/dl" && apt-get -q $opts source --download-only \
                                "nginx=$v" >&2)
        then
            got=$v
            break
        fi
    done

    if [ -z "$got" ]; then
        log "no source package of nginx could be fetched"
        exit 1
    fi

    if [ "$got" != "$version" ]; then
        log "nginx $version's source is not in the archive: using $got's"
    fi

    rm -rf "$src"
    dpkg-source -x "$apt/dl"/nginx_*.dsc "$src" >&2
fi

if [ ! -f "$src/objs/Makefile" ] \
   || [ "$module/config" -nt "$src/objs/Makefile" ]
then
    log "configure"

    # the installed nginx's arguments, one per line, quotes removed
    args=$(/usr/sbin/nginx -V 2>&1 | sed -n 's/^configure arguments: //p' \
           | sed "s/--with-cc-opt='[^']*'//; s/--with-ld-opt='[^']*'//" \
           | tr ' ' '\n' | grep -v '=dynamic$' | grep -v '^$')

    san="-fsanitize=address,undefined -fno-omit-frame-pointer"

    # shellcheck disable=SC2086
    (cd "$src" && ./configure $args \
         --with-cc-opt="-g -O1 $san -fstack-protector-strong -Wformat \
-Werror=format-security -fPIC" \
         --with-ld-opt="$san -Wl,-z,relro -Wl,-z,now -fPIC" \
         --add-dynamic-module="$module" > "$build/configure.log" 2>&1) \
        || { tail -30 "$build/configure.log"; exit 1; }
fi

log "make"

make -C "$src" -f objs/Makefile binary modules > "$build/make.log" 2>&1 \
    || { tail -40 "$build/make.log"; exit 1; }

mkdir -p "$build/sbin"
cp "$src/objs/nginx" "$build/sbin/nginx"
cp "$src/objs/ngx_http_overlay_module.so" "$build/ngx_http_overlay_module.so"

log "$build/sbin/nginx, $build/ngx_http_overlay_module.so"
