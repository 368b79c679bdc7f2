"""Draw feedapp's default icons: feedapp/static/icon.png (512 px), favicon.png (64 px), favicon.ico.

    .venv/bin/python scripts/make_icons.py      # rewrites the three files, byte for byte the same

A teal rounded square with the white feed symbol (a dot and two arcs), drawn with the standard
library only (zlib for PNG, struct for ICO), anti-aliased by coverage from distances, so the
files are reproducible. The ICO holds PNG images (32 and 16 px), which every current browser reads.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "feedapp" / "static"
BACKGROUND = (11, 110, 105)
FOREGROUND = (255, 255, 255)


def _coverage(distance: float, pixel: float) -> float:
    """How much of a pixel a shape covers, given the signed distance (negative inside) in units."""
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def _pixel(x: float, y: float, pixel: float) -> tuple[int, int, int, int]:
    """Colour at (x, y) in unit coordinates (0..1, y down)."""
    # Rounded square: corner radius 0.18.
    qx, qy = abs(x - 0.5) - 0.5 + 0.18, abs(y - 0.5) - 0.5 + 0.18
    square = math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - 0.18
    alpha = _coverage(square, pixel)
    # The feed symbol, centred on the lower-left corner (0.25, 0.75).
    radius = math.hypot(x - 0.25, y - 0.75)
    inside_quadrant = x >= 0.25 - 0.001 and y <= 0.75 + 0.001
    shapes = [radius - 0.075]  # the dot
    if inside_quadrant:
        shapes += [abs(radius - 0.32) - 0.055, abs(radius - 0.52) - 0.055]  # the two arcs
    ink = max(_coverage(shape, pixel) for shape in shapes)
    colour = [round(b + (f - b) * ink) for b, f in zip(BACKGROUND, FOREGROUND)]
    return (*colour, round(255 * alpha))


def png(size: int) -> bytes:
    """The icon as an RGBA PNG of size × size pixels."""
    pixel = 1.0 / size
    rows = bytearray()
    for row in range(size):
        rows.append(0)  # filter: none
        for column in range(size):
            rows.extend(_pixel((column + 0.5) * pixel, (row + 0.5) * pixel, pixel))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO file holding PNG images, by size."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, data = b"", b""
    for size, image in images.items():
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset + len(data))
        data += image
    return header + entries + data


def main() -> None:
    (STATIC / "icon.png").write_bytes(png(512))
    (STATIC / "favicon.png").write_bytes(png(64))
    (STATIC / "favicon.ico").write_bytes(ico({32: png(32), 16: png(16)}))


if __name__ == "__main__":
    main()
