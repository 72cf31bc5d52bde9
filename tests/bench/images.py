"""The images of `make bench`, and the checks of what the servers sent.

    images.py make PHOTO DIR
        derives the benchmark's images from one real photo into DIR:
        thumb.jpg (320x180), poster.jpg (600x900), 720p.jpg, 1080p.jpg,
        4k.jpg (3840x2160), all JPEG quality 90, baseline, 4:2:0, as a
        camera or a catalogue's pipeline would make them; each but 720p
        also as NAME-opt.jpg (optimized Huffman tables), NAME-prog.jpg
        (progressive), NAME-444.jpg and NAME-gray.jpg; 720p-opt.jpg;
        NAME-rst.jpg (cjpeg -restart 1: an interval per MCU row, when
        cjpeg is there), each size but 720p;
        1080p.png (RGB) and its kinds: 1080p-rgba.png (a vignette in
        alpha), 1080p-pal.png (192 colours, a palette with 64 free
        entries), 1080p-grey.png, 1080p-16.png (16-bit RGB, resampled in
        floating point); a lossy 1080p.webp (quality 85),
        1080p-rgba.webp (lossy with alpha: 1080p-rgba.png, quality 85),
        1080p-lossless.webp, and a still 1080p.gif (an adaptive palette).
        A 16:9 crop of the photo is resampled to each size (Lanczos), the
        poster is a 2:3 crop.

    images.py dropon ORIGINAL OVERLAID OUT
        the badge OVERLAID has (where it differs from ORIGINAL) as the PNG
        OUT, and its offsets from the top-right corner: the peer
        modjpeg-nginx draws it (run.pl, BENCH_MODJPEG).

    images.py check ORIGINAL RESPONSE overlay|same [...]
        overlay: RESPONSE is ORIGINAL's format and size, decodes, differs
        from ORIGINAL in the top-right corner, and hardly elsewhere;
        same: RESPONSE is ORIGINAL, byte for byte.  Prints one line per
        check, "ok ..." or "FAIL ...", and exits 1 on any failure.

    images.py compare ORIGINAL MODULE PILLOW
        one line: "bytes_module bytes_pillow psnr_module psnr_pillow
        kind_module kind_pillow": the PSNR (dB, RGB) of each response
        against ORIGINAL outside the badge's quarter (the top-right one),
        and what each response is (format, PNG colour type and depth,
        WebP lossy or lossless).
"""

import array
import io
import math
import os
import shutil
import struct
import subprocess
import sys
import zlib

from PIL import Image, ImageChops, ImageStat


def crop(im, aspect):
    """The largest centred crop of im with that width/height ratio."""

    w, h = im.size

    if w / h > aspect:
        cw, ch = round(h * aspect), h
    else:
        cw, ch = w, round(w / aspect)

    x, y = (w - cw) // 2, (h - ch) // 2
    return im.crop((x, y, x + cw, y + ch))


def make(photo, out):
    os.makedirs(out, exist_ok=True)

    src = Image.open(photo)
    src.load()
    src = src.convert("RGB")
    wide = crop(src, 16 / 9)
    tall = crop(src, 2 / 3)

    jpegs = [("thumb.jpg", wide, (320, 180)),
             ("poster.jpg", tall, (600, 900)),
             ("720p.jpg", wide, (1280, 720)),
             ("1080p.jpg", wide, (1920, 1080)),
             ("4k.jpg", wide, (3840, 2160))]

    for name, im, size in jpegs:
        im.resize(size, Image.LANCZOS).save(
            os.path.join(out, name), "JPEG", quality=90, subsampling=2,
            progressive=False, optimize=False)

    # the variants real pipelines write (issue 14): optimized Huffman
    # tables (Pillow's optimize=True, as cjpeg -optimize and jpegoptim),
    # progressive, 4:4:4, greyscale; with restart intervals by cjpeg,
    # when libjpeg-turbo-progs is there (Pillow 9 cannot write them)

    variants = [("%s-opt.jpg", dict(optimize=True)),
                ("%s-prog.jpg", dict(progressive=True, optimize=True)),
                ("%s-444.jpg", dict(subsampling=0)),
                ("%s-gray.jpg", dict(gray=True))]

    for base, im, size in jpegs:
        sized = im.resize(size, Image.LANCZOS)
        stem = base[:-4]

        for pattern, opts in variants:
            if stem == "720p" and pattern != "%s-opt.jpg":
                continue

            opts = dict(opts)
            v = sized.convert("L") if opts.pop("gray", False) else sized
            opts.setdefault("subsampling", 2)
            v.save(os.path.join(out, pattern % stem), "JPEG", quality=90,
                   **opts)

    cjpeg = shutil.which("cjpeg")

    if cjpeg is not None:
        for base, im, size in jpegs:
            if base == "720p.jpg":
                continue

            ppm = os.path.join(out, ".rst.ppm")
            im.resize(size, Image.LANCZOS).save(ppm)

            with open(os.path.join(out, base[:-4] + "-rst.jpg"), "wb") as f:
                subprocess.run([cjpeg, "-quality", "90", "-restart", "1",
                                ppm], stdout=f, check=True)

            os.unlink(ppm)

    hd = wide.resize((1920, 1080), Image.LANCZOS)
    hd.save(os.path.join(out, "1080p.png"), "PNG")
    hd.save(os.path.join(out, "1080p.webp"), "WEBP", quality=85)
    hd.save(os.path.join(out, "1080p-lossless.webp"), "WEBP", lossless=True)
    hd.convert("L").save(os.path.join(out, "1080p-grey.png"), "PNG")
    hd.quantize(colors=192).save(os.path.join(out, "1080p-pal.png"), "PNG")
    hd.convert("P", palette=Image.ADAPTIVE).save(
        os.path.join(out, "1080p.gif"), "GIF")

    # transparent title art: opaque in the middle, fading out at the edges

    w, h = hd.size
    alpha = Image.radial_gradient("L").resize((w, h)).point(
        lambda v: max(0, min(255, 400 - 2 * v)))
    rgba = hd.copy()
    rgba.putalpha(alpha)
    rgba.save(os.path.join(out, "1080p-rgba.png"), "PNG")
    rgba.save(os.path.join(out, "1080p-rgba.webp"), "WEBP", quality=85)

    write_png16(os.path.join(out, "1080p-16.png"), wide, (w, h))

    for name in sorted(os.listdir(out)):
        if name.startswith("."):
            continue
        p = os.path.join(out, name)
        with Image.open(p) as im:
            print("  %-19s %-4s %4dx%-4d %8d bytes"
                  % (name, im.format, im.width, im.height,
                     os.path.getsize(p)))


def dropon(original, overlaid, out):
    """The badge of OVERLAID (where it differs from ORIGINAL) as a PNG for
    modjpeg-nginx's jpeg_filter_dropon_file, and its offsets from the
    top-right corner, "vertical horizontal", on stdout."""

    a = Image.open(original).convert("RGB")
    b = Image.open(overlaid).convert("RGB")
    box = ImageChops.difference(a, b).convert("L").point(
        lambda v: 255 if v > 24 else 0).getbbox()

    if box is None:
        sys.exit("dropon: %s: no overlay" % overlaid)

    b.crop(box).save(out, "PNG")
    print("%d %d" % (box[1], box[2] - a.width))


def write_png16(path, im, size):
    """im resampled to size in floating point, written as 16-bit RGB
    (Pillow writes no 16-bit colour PNG)."""

    planes = []
    for band in im.split():
        f = band.convert("F").resize(size, Image.LANCZOS)
        a = array.array("f")
        a.frombytes(f.tobytes())
        planes.append(a)

    w, h = size
    rows = []
    for y in range(h):
        row = array.array("H", bytes(2 * 3 * w))
        for c in range(3):
            plane = planes[c]
            row[c::3] = array.array("H", (
                min(65535, max(0, int(v * 257 + 0.5)))
                for v in plane[y * w:(y + 1) * w]))
        if sys.byteorder == "little":
            row.byteswap()
        rows.append(b"\0" + row.tobytes())

    def chunk(kind, data):
        c = kind + data
        return (struct.pack(">I", len(data)) + c
                + struct.pack(">I", zlib.crc32(c) & 0xffffffff))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(b"".join(rows), 6)))
        f.write(chunk(b"IEND", b""))


def mean_diff(a, b, box):
    d = ImageChops.difference(a.crop(box), b.crop(box))
    return sum(ImageStat.Stat(d).mean) / 3


def check(original, response, kind):
    with open(original, "rb") as f:
        a_bytes = f.read()
    with open(response, "rb") as f:
        b_bytes = f.read()

    name = os.path.basename(response)

    if kind == "same":
        if a_bytes == b_bytes:
            return "ok %s: the original, byte for byte" % name
        return "FAIL %s: not the original (%d bytes, not %d)" % (
            name, len(b_bytes), len(a_bytes))

    if a_bytes == b_bytes:
        return "FAIL %s: the original, no overlay" % name

    try:
        a = Image.open(io.BytesIO(a_bytes))
        b = Image.open(io.BytesIO(b_bytes))
        b.load()
        a.load()
    except Exception as e:
        return "FAIL %s: does not decode: %s" % (name, e)

    if a.format != b.format or a.size != b.size:
        return "FAIL %s: %s %dx%d, not %s %dx%d" % (
            name, b.format, b.width, b.height, a.format, a.width, a.height)

    fmt = b.format
    a, b = a.convert("RGB"), b.convert("RGB")
    w, h = a.size
    s = min(w, h)

    # the badge is in the top-right corner, 3% of the shorter side from
    # the edges and about 12% of it high; the bottom-left quarter is far
    # from it

    corner = mean_diff(a, b, (w - round(s * 0.6), round(s * 0.04),
                              w - round(s * 0.04), round(s * 0.1)))
    rest = mean_diff(a, b, (0, h // 2, w // 2, h))

    if corner < 20:
        return "FAIL %s: the top-right corner hardly changed (%.1f)" % (
            name, corner)

    if rest > 3:
        return "FAIL %s: the bottom-left quarter changed (%.2f)" % (
            name, rest)

    return ("ok %s: %s %dx%d, %d bytes, mean change %.1f in the corner, "
            "%.2f in the bottom-left quarter"
            % (name, fmt, w, h,
               len(b_bytes), corner, rest))


def kind(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png-t%d-%d" % (data[25], data[24])
    if data[:4] == b"RIFF":
        return "webp-lossless" if b"VP8L" in data[12:40] else "webp-lossy"
    if data[:3] == b"GIF":
        return "gif"
    return "jpeg" if data[:2] == b"\xff\xd8" else "other"


def psnr(a, b):
    """PSNR of b against a (RGB) outside the top-right quarter."""

    w, h = a.size
    se = n = 0
    for box in ((0, 0, w // 2, h), (w // 2, h // 4, w, h)):
        d = ImageChops.difference(a.crop(box), b.crop(box))
        se += sum(ImageStat.Stat(d).sum2)
        n += 3 * (box[2] - box[0]) * (box[3] - box[1])
    return 99.0 if se == 0 else 10 * math.log10(255 * 255 * n / se)


def compare(original, module, pillow):
    with open(original, "rb") as f:
        src = Image.open(io.BytesIO(f.read())).convert("RGB")
    out = []
    for path in (module, pillow):
        with open(path, "rb") as f:
            data = f.read()
        im = Image.open(io.BytesIO(data)).convert("RGB")
        out.append((len(data), psnr(src, im), kind(data)))
    (mb, mp, mk), (pb, pp, pk) = out
    print("%d %d %.2f %.2f %s %s" % (mb, pb, mp, pp, mk, pk))


def main(argv):
    if len(argv) == 4 and argv[1] == "make":
        make(argv[2], argv[3])
        return 0

    if len(argv) == 5 and argv[1] == "dropon":
        dropon(argv[2], argv[3], argv[4])
        return 0

    if len(argv) == 5 and argv[1] == "compare":
        compare(argv[2], argv[3], argv[4])
        return 0

    args = argv[2:]

    if (len(argv) > 2 and argv[1] == "check" and len(args) % 3 == 0
            and all(k in ("overlay", "same") for k in args[2::3])):
        failed = 0
        for i in range(0, len(args), 3):
            line = check(*args[i:i + 3])
            print("  " + line)
            failed += not line.startswith("ok")
        return 1 if failed else 0

    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
