"""The Python image service `make bench` compares the module with.

A WSGI app (standard library and Pillow only), written as a careful Python
engineer would write the service the module replaces:

    GET /img/NAME?overlay=VALUE

serves the image NAME from BENCH_IMAGES (a directory) with the overlay's
badge drawn in its top-right corner, as the module's default badge looks:
DejaVu Sans Bold, 6% of the shorter side high, white on #d62828 at 85%
opacity, padded by half the font size across and 0.3 of it above and
below, 3% of the shorter side from the edges.

What it does to be fast:
- the font is loaded once per size, and a badge is rendered once per text
  and size (lru_cache): only decoding, compositing and encoding are left
  per request;
- only the badge's region is composited (crop, alpha_composite, paste
  back), not the whole image;
- JPEG is encoded with the source's own quantization tables and sampling
  (quality="keep"), PNG at zlib's default level, lossy WebP at quality 85
  (the module's default), lossless WebP losslessly, GIF with Pillow's
  adaptive palette.

It fails open as the module does: a value it cannot use, or a body it
cannot decode, gets the original bytes.

    BENCH_IMAGES=build/bench/images gunicorn -w 1 \
        --chdir tests/bench pillow_service:app
"""

import base64
import functools
import io
import json
import os
import re
import urllib.parse

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SIZE = 0.06             # text height, of the shorter side
MARGIN = 0.03           # from the edges, of the shorter side
PAD_X = 0.5             # of the font size
PAD_Y = 0.3
COLOR = (255, 255, 255, 255)
BACKGROUND = (0xd6, 0x28, 0x28, 0xd9)
WEBP_QUALITY = 85
MAX_PARAM = 4096
METRICS = "Hgjy\u00c1"

IMAGES = os.environ.get("BENCH_IMAGES", "images")
NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
         "GIF": "image/gif"}


def decode_value(value):
    """The overlay parameter (already percent-decoded) to its text, or None.

    Takes base64url (padded or not), standard base64, raw JSON, and the
    str() of a Python bytes object, b'...', as the module does."""

    v = value.strip()

    if len(v) >= 3 and v[0] == "b" and v[1] in "'\"" and v[-1] == v[1]:
        v = v[2:-1]

    if not v.startswith("{"):
        v = v.replace(" ", "+").rstrip("=")
        v += "=" * (-len(v) % 4)
        try:
            if "-" in v or "_" in v:
                raw = base64.urlsafe_b64decode(v)
            else:
                raw = base64.b64decode(v, validate=True)
            v = raw.decode("utf-8")
        except ValueError:
            return None

    if len(v) > MAX_PARAM:
        return None

    try:
        spec = json.loads(v)
    except ValueError:
        return None

    if not isinstance(spec, dict) or set(spec) != {"overlay"}:
        return None

    text = spec["overlay"]
    if not isinstance(text, str) or not text or len(text) > 256:
        return None

    return text


@functools.lru_cache(maxsize=64)
def font(px):
    return ImageFont.truetype(FONT, px)


@functools.lru_cache(maxsize=256)
def badge(text, shorter):
    """The badge for an image whose shorter side is shorter pixels."""

    px = max(6, round(shorter * SIZE))
    f = font(px)

    # the height of the tallest and deepest letters, whatever the text,
    # so that badges of different texts line up

    left, top, right, bottom = f.getbbox(text, anchor="ls")
    _, mtop, _, mbottom = f.getbbox(METRICS, anchor="ls")
    ascent = -min(top, mtop)
    descent = max(bottom, mbottom)
    pad_x = round(px * PAD_X)
    pad_y = round(px * PAD_Y)

    w = right - left + 2 * pad_x
    h = ascent + descent + 2 * pad_y

    im = Image.new("RGBA", (w, h), BACKGROUND)
    ImageDraw.Draw(im).text((pad_x - left, pad_y + ascent), text, font=f,
                            fill=COLOR, anchor="ls")
    return im


def composite(data, text):
    """The image in data with the badge, encoded as it came; or None."""

    im = Image.open(io.BytesIO(data))
    fmt = im.format

    if fmt not in TYPES or getattr(im, "n_frames", 1) > 1:
        return None, None

    im.load()

    if im.mode not in ("RGB", "RGBA", "L"):
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")

    w, h = im.size
    shorter = min(w, h)
    b = badge(text, shorter)
    margin = round(shorter * MARGIN)

    # the badge's region only: everything else is never touched

    x = max(0, w - margin - b.width)
    y = min(margin, max(0, h - b.height))
    box = (x, y, min(w, x + b.width), min(h, y + b.height))

    region = im.crop(box)
    mode = region.mode
    region = region.convert("RGBA")
    region.alpha_composite(b.crop((0, 0, region.width, region.height)))
    im.paste(region.convert(mode), box)

    out = io.BytesIO()
    info = im.info

    if fmt == "JPEG":
        im.save(out, "JPEG", quality="keep", subsampling="keep",
                progressive=bool(info.get("progressive")),
                exif=info.get("exif", b""),
                icc_profile=info.get("icc_profile"))

    elif fmt == "PNG":
        im.save(out, "PNG", icc_profile=info.get("icc_profile"))

    elif fmt == "GIF":
        im.save(out, "GIF")

    else:
        lossless = data[12:16] == b"VP8L"
        im.save(out, "WEBP", lossless=lossless, quality=WEBP_QUALITY,
                icc_profile=info.get("icc_profile"),
                exif=info.get("exif", b""))

    return out.getvalue(), TYPES[fmt]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")

    if not path.startswith("/img/") or not NAME.match(path[5:]):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    try:
        with open(os.path.join(IMAGES, path[5:]), "rb") as f:
            data = f.read()
    except OSError:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    ext = os.path.splitext(path)[1].lower()
    ctype = {".jpg": "image/jpeg", ".png": "image/png",
             ".webp": "image/webp", ".gif": "image/gif"}.get(
                 ext, "application/octet-stream")
    body = data

    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    value = query.get("overlay", [""])[0]
    text = decode_value(value) if value else None

    if text is not None:
        try:
            out, t = composite(data, text)
            if out is not None:
                body, ctype = out, t
        except Exception as e:                  # fail open, say why
            environ["wsgi.errors"].write("overlay: %s\n" % e)

    start_response("200 OK", [("Content-Type", ctype),
                              ("Content-Length", str(len(body)))])
    return [body]
