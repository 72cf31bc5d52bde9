"""The Pillow side of the lossy WebP sweep (tests/bench/webp_sweep.c).

    webp_pillow.py make PHOTO OUT
        a lossy 1080p WebP (quality 85) of PHOTO as `make bench` makes its
        1080p.webp (images.py: the largest 16:9 crop, Lanczos to
        1920x1080): for the sweep's other real photos.

    webp_pillow.py time REPEATS OUTDIR IMAGE...
        the Pillow service's own composite() (pillow_service.py: decode,
        the badge, encode at its quality) on each IMAGE, REPEATS times;
        prints "name cpu_ms OUTDIR/pillow-name" per image, the minimum of
        the process's CPU times, and writes that output there.

    webp_pillow.py table SWEEP.tsv
        webp_sweep's table (-o) summed up in Markdown, as the README has
        it: per setting and photo, speed, size and PSNR against Pillow's
        (methods 0 to 6 at quality 85; each fast method at the lowest
        quality within 0.5 dB, and at the highest within 1.1 times the
        size; each photo's best within size at 2.5 times), and per photo
        whether any setting meets all three bounds.
"""

import io
import os
import sys
import time

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import images                                   # noqa: E402
import pillow_service                           # noqa: E402

TEXT = "Last Chance!"


def make(photo, out):
    src = Image.open(photo)
    src.load()
    hd = images.crop(src.convert("RGB"), 16 / 9).resize((1920, 1080),
                                                        Image.LANCZOS)
    hd.save(out, "WEBP", quality=85)


def timed(repeats, outdir, paths):
    os.makedirs(outdir, exist_ok=True)

    for path in paths:
        with open(path, "rb") as f:
            data = f.read()

        best = None

        for _ in range(repeats):
            t = time.process_time()
            body, _ = pillow_service.composite(data, TEXT)
            t = time.process_time() - t
            best = t if best is None else min(best, t)

        name = os.path.basename(path)
        out = os.path.join(outdir, "pillow-" + name)

        with open(out, "wb") as f:
            f.write(body)

        print("%s %.1f %s" % (name, best * 1000, out))


def table(path):
    with open(path) as f:
        head = f.readline().split()
        rows = [dict(zip(head, line.split())) for line in f if line.strip()]

    for r in rows:
        for k in ("speed_x", "size_x", "dpsnr"):
            r[k] = float(r[k])

    photos = list(dict.fromkeys(r["image"] for r in rows))
    base = {"sns": "50", "fs": "60", "sh": "0", "seg": "4", "pre": "0",
            "pass": "1", "pl": "0", "tl": "0", "ts": "0", "tp": "0"}

    def plain(r):
        return all(r[k] == v for k, v in base.items())

    def name(r):
        extra = " ".join("%s %s" % (k, r[k]) for k in base if r[k] != base[k])
        return "m%s q%s%s" % (r["m"], r["q"], " " + extra if extra else "")

    def cell(r):
        if r is None:
            return "none"
        return "%.2fx, %.2fx, %+.2f dB%s" % (
            r["speed_x"], r["size_x"], r["dpsnr"],
            " **ok**" if r["ok"] == "1" else "")

    print("| setting | " + " | ".join(photos) + " |")
    print("| --- |" + " ---: |" * len(photos))

    def line(label, pick):
        print("| %s | %s |" % (label, " | ".join(
            cell(pick([r for r in rows if r["image"] == p]))
            for p in photos)))

    def first(rs, key=None, reverse=False):
        rs = sorted(rs, key=key, reverse=reverse) if key else rs
        return rs[0] if rs else None

    for m in "0123456":
        line("method %s, quality 85" % m,
             lambda rs: first([r for r in rs if plain(r) and r["m"] == m
                               and r["q"] == "85"]))

    for m in "012":
        line("method %s, the lowest quality within 0.5 dB" % m,
             lambda rs: first([r for r in rs if plain(r) and r["m"] == m
                               and r["dpsnr"] >= -0.5],
                              key=lambda r: int(r["q"])))
        line("method %s, the highest quality within 1.1x the size" % m,
             lambda rs: first([r for r in rs if plain(r) and r["m"] == m
                               and r["size_x"] <= 1.1],
                              key=lambda r: -int(r["q"])))

    extra = (("3", {"pl": "100"}, "partition_limit 100"),
             ("2", {"pass": "2"}, "pass 2"),
             ("2", {"pre": "4"}, "preprocessing 4"),
             ("2", {"fs": "20"}, "filter_strength 20"),
             ("2", {"fs": "-1"}, "autofilter"),
             ("2", {"seg": "1"}, "segments 1"),
             ("2", {"tl": "1"}, "thread_level 1, both threads"),
             ("0", {"ts": "110", "pass": "4"},
              "target_size 1.1x Pillow's, pass 4"),
             ("0", {"tp": "48", "pass": "4"}, "target_PSNR 48, pass 4"))

    for m, over, label in extra:
        want = dict(base, **over)
        line("method %s, quality 85, %s" % (m, label),
             lambda rs: first([r for r in rs if r["m"] == m and r["q"] == "85"
                               and all(r[o] == want[o] for o in want)]))

    def best(rs):
        return first([r for r in rs if r["speed_x"] >= 2.5
                      and r["size_x"] <= 1.1], key=lambda r: -r["dpsnr"])

    print("| the best PSNR at 2.5x within 1.1x the size | %s |"
          % " | ".join((name(b) + ": " + cell(b)) if b else "none"
                       for b in (best([r for r in rows if r["image"] == p])
                                 for p in photos)))

    print()

    for p in photos:
        ok = [name(r) for r in rows if r["image"] == p and r["ok"] == "1"]
        print("- %s: %d of %d settings meet all three bounds%s" % (
            p, len(ok), sum(r["image"] == p for r in rows),
            (": " + ", ".join(ok)) if ok else ""))


def main(argv):
    if len(argv) == 4 and argv[1] == "make":
        make(argv[2], argv[3])
        return 0

    if len(argv) == 3 and argv[1] == "table":
        table(argv[2])
        return 0

    if len(argv) > 4 and argv[1] == "time":
        timed(int(argv[2]), argv[3], argv[4:])
        return 0

    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
