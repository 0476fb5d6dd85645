"""Product pictures the sandboxes serve on loopback: small real PNG files, one colour each.

Every sandbox product's images point at its own sandbox (`/_sandbox/images/<name>.png`), so the
app can fetch them as it fetches a platform's CDN. The colour comes from the name, and
`describe` reads it back from the bytes: the sandbox LLM, shown a picture, names its colour, which
no product data states, so a test can tell that the model saw the image.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SIZE = 16
COLOURS = {
    "red": (200, 30, 40),
    "green": (40, 160, 60),
    "blue": (30, 70, 200),
    "yellow": (230, 200, 40),
    "black": (20, 20, 20),
    "white": (245, 245, 245),
}
_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}\.png")


def colour_of(name: str) -> str:
    """The colour a picture's name stands for (the same name, the same colour)."""
    names = list(COLOURS)
    return names[hashlib.sha256(name.encode()).digest()[0] % len(names)]


def png(colour: str) -> bytes:
    """A SIZE×SIZE PNG of one colour (8-bit RGB, no interlace)."""
    r, g, b = COLOURS[colour]
    row = b"\x00" + bytes((r, g, b)) * SIZE
    raw = row * SIZE

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def describe(data: bytes) -> str | None:
    """The colour of a picture made by `png`, read from its pixels; None for any other picture."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    pos, idat = 8, b""
    try:
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos : pos + 4])
            kind = data[pos + 4 : pos + 8]
            if kind == b"IDAT":
                idat += data[pos + 8 : pos + 8 + length]
            pos += 12 + length
        pixel = tuple(zlib.decompress(idat)[1:4])
    except (struct.error, zlib.error):
        return None
    return next((name for name, rgb in COLOURS.items() if rgb == pixel), None)


def url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/_sandbox/images/{name}.png"


async def serve(request: Request) -> Response:
    name = request.path_params["name"]
    if not _NAME.fullmatch(name):
        return Response(status_code=404)
    return Response(png(colour_of(name.removesuffix(".png"))), media_type="image/png")


ROUTE = Route("/_sandbox/images/{name}", serve, methods=["GET"])
