#!/bin/sh
#
# The seeds of fuzz_image, made anew at each run (by `make fuzz`):
#
#   image_seeds.sh OUT IMAGE...
#
# OUT is emptied and gets each IMAGE, its first 16 to 4000 bytes, and
# copies of its first 2000 bytes with one byte overwritten: with 0x00 or
# 0xff at fixed offsets (a JPEG's first segment length and the segments
# after it; a PNG's IHDR height, bit depth and colour type, and the chunk
# after IHDR), or with 0x55 in the middle.  Nothing big is made: the
# fixtures themselves are the only large seeds.

set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 OUT IMAGE..." >&2
    exit 2
fi

out=$1
shift

rm -rf "$out"
mkdir -p "$out"

# poke FILE OFFSET OCTAL: the byte at OFFSET set to \OCTAL

poke() {
    if [ "$2" -lt "$(wc -c < "$1")" ]; then
        printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
    fi
}

for f in "$@"; do
    [ -f "$f" ] || continue             # a pattern that matched nothing

    name=$(basename "$f")
    size=$(wc -c < "$f")

    cp "$f" "$out/$name"

    for n in 16 33 100 300 1000 4000; do
        if [ "$n" -lt "$size" ]; then
            head -c "$n" "$f" > "$out/$name.head$n"
        fi
    done

    # the corrupted copies are cut at 2000 bytes (the small seeds whole)

    i=0
    for at in "4 377" "5 000" "20 377" "22 000" "24 377" "25 377" \
                "33 377" "40 000" "100 377" "160 000"
    do
        i=$((i + 1))
        c="$out/$name.bad$i"
        head -c 2000 "$f" > "$c"
        poke "$c" $at
    done

    c="$out/$name.mid"
    head -c 2000 "$f" > "$c"
    poke "$c" $(($(wc -c < "$c") / 2)) 125
done
