#!/bin/sh
# Lists or installs the Debian packages the project needs.
#
#   tools/deps.sh check [LIST]      names what is missing; exits 1 if
#                                   anything is
#   tools/deps.sh install [LIST]    installs what is missing (idempotent)
#
# LIST: the packages of one by-hand target only, never installed by `make
# deps`: "bench" (`make bench`: a load generator, the Python/Pillow
# service it is compared with, the photos it runs on), "fuzz" (`make
# fuzz`: clang and its libFuzzer and sanitizer runtimes), "valgrind"
# (`make test-valgrind`).

set -u

# build: the nginx the module is for, its module sources, the libraries,
# Debian's packaging tools; PCRE and zlib for a plain ./configure of those
# sources (make build-plain: rewrite and gzip are built by default)
# text: libraqm (FriBidi, HarfBuzz) lays it out, FreeType draws it
# test: Test::Nginx's dependencies, GD.pm to check pixels, the fonts;
# HarfBuzz's hb-shape and Pillow (its raqm layout) as references for text;
# fallback fonts for Devanagari (Lohit) and Thai (Loma), 0.6 MB, CJK and
# Hangul (WenQuanYi Micro Hei), 5 MB, and colour emoji (Noto Color Emoji,
# CBDT), 11 MB; cjpeg and jpegtran, which make the JPEG variants of the
# unit tests; cwebp (webp), which makes the VP8 variants
PACKAGES="gcc make perl dpkg-dev debhelper
nginx nginx-dev
libpcre2-dev zlib1g-dev
libgd-dev libpng-dev libdeflate-dev libwebp-dev libjpeg62-turbo-dev libjansson-dev libssl-dev fonts-dejavu-core
libraqm-dev libfreetype-dev libfribidi-dev libharfbuzz-dev
libtest-base-perl libtest-longstring-perl libtext-diff-perl
liblist-moreutils-perl libhttp-message-perl liburi-perl libgd-perl
libharfbuzz-bin python3-pil fonts-lohit-deva fonts-tlwg-loma-ttf
fonts-wqy-microhei fonts-noto-color-emoji libjpeg-turbo-progs webp"

# bench: wrk, gunicorn and Pillow for the Python service, KDE's wallpapers
# for real photos, the font the Python service draws with; cmake and cjpeg
# for the peer modjpeg-nginx (BENCH_MODJPEG) and the restart variant
BENCH_PACKAGES="wrk gunicorn python3-pil plasma-workspace-wallpapers
fonts-dejavu-core cmake libjpeg-turbo-progs"

# fuzz: clang, and libFuzzer with the sanitizers' runtimes
FUZZ_PACKAGES="clang libclang-rt-14-dev"

case "${2:-}" in
bench) PACKAGES=$BENCH_PACKAGES ;;
fuzz) PACKAGES=$FUZZ_PACKAGES ;;
valgrind) PACKAGES=valgrind ;;
"") ;;
*)
    echo "usage: $0 check|install [bench|fuzz|valgrind]" >&2
    exit 2
    ;;
esac

missing() {
    for p in $PACKAGES; do
        s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
        case "$s" in
            *" installed") ;;
            *) printf '%s ' "$p" ;;
        esac
    done
}

m=$(missing)

case "${1:-check}" in
check)
    if [ -n "$m" ]; then
        echo "missing Debian packages: $m" >&2
        if [ "${2:-}" = bench ]; then
            echo "install them with: tools/deps.sh install bench" >&2
        else
            echo "install them with: make deps" >&2
        fi
        exit 1
    fi
    ;;
install)
    [ -z "$m" ] && exit 0
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing: $m"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    $sudo apt-get install -y -q --no-install-recommends $m || {
        $sudo apt-get update -q &&
        $sudo apt-get install -y -q --no-install-recommends $m
    } || exit 1
    m=$(missing)
    [ -z "$m" ] || { echo "still missing: $m" >&2; exit 1; }
    ;;
*)
    echo "usage: $0 check|install [bench]" >&2
    exit 2
    ;;
esac
