"""Real, tiny image files built byte by byte for the photo tests (docs/photos.md): a baseline
JPEG (8x8, one grey block: every decoder shows it) with the metadata a phone writes (Exif with
a GPS position and the camera, XMP, a comment), and a PNG with text and Exif chunks."""

from __future__ import annotations

import struct
import zlib


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _rational(value: float) -> tuple[int, int]:
    return round(value * 10000), 10000


def exif_gps(lat: float, lon: float, *, order: str = "<", make: str = "PhoneMaker") -> bytes:
    """An Exif APP1 payload: IFD0 with Make and the GPS pointer, the GPS IFD with the position
    as degrees, minutes, seconds."""
    mark = b"II" if order == "<" else b"MM"

    def dms(value: float) -> list[tuple[int, int]]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = (value - degrees - minutes / 60) * 3600
        return [(degrees, 1), (minutes, 1), _rational(seconds)]

    make_bytes = make.encode() + b"\x00"
    ifd0_at = 8
    ifd0_size = 2 + 2 * 12 + 4
    make_at = ifd0_at + ifd0_size
    gps_at = make_at + len(make_bytes)
    gps_size = 2 + 4 * 12 + 4
    lat_at = gps_at + gps_size
    lon_at = lat_at + 24

    def entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
        return struct.pack(order + "HHI", tag, kind, count) + value.ljust(4, b"\x00")

    ifd0 = struct.pack(order + "H", 2) + entry(0x010F, 2, len(make_bytes), struct.pack(order + "I", make_at)) \
        + entry(0x8825, 4, 1, struct.pack(order + "I", gps_at)) + struct.pack(order + "I", 0)
    gps = struct.pack(order + "H", 4) \
        + entry(0x0001, 2, 2, b"N\x00" if lat >= 0 else b"S\x00") \
        + entry(0x0002, 5, 3, struct.pack(order + "I", lat_at)) \
        + entry(0x0003, 2, 2, b"E\x00" if lon >= 0 else b"W\x00") \
        + entry(0x0004, 5, 3, struct.pack(order + "I", lon_at)) + struct.pack(order + "I", 0)
    rationals = b"".join(struct.pack(order + "II", *part) for value in (lat, lon) for part in dms(value))
    tiff = mark + struct.pack(order + "HI", 42, ifd0_at) + ifd0 + make_bytes + gps + rationals
    return b"Exif\x00\x00" + tiff


def jpeg(*, gps: tuple[float, float] | None = None, metadata: bool = True, order: str = "<") -> bytes:
    """An 8x8 mid-grey baseline JPEG; with ``metadata`` also Exif (``gps`` if given), XMP and a
    comment, as phones write them; always JFIF and an ICC profile stub (which stay)."""
    parts = [b"\xff\xd8", _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if metadata:
        parts.append(_segment(0xE1, exif_gps(*(gps or (0.0, 0.0)), order=order)))
        parts.append(_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Ana Anic</x:xmpmeta>"))
        parts.append(_segment(0xFE, b"taken by Ana"))
    parts.append(_segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"\x00" * 16))
    parts += [
        _segment(0xDB, b"\x00" + b"\x01" * 64),  # quantisation table 0: all ones
        _segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"),  # 8x8, one component
        _segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"),  # DC table: category 0 -> "0"
        _segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"),  # AC table: EOB -> "0"
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",  # DC diff 0 ("0"), end of block ("0"), padded with ones
        b"\xff\xd9",
    ]
    return b"".join(parts)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*, metadata: bool = True) -> bytes:
    """A 1x1 red PNG; with ``metadata`` also tEXt, iTXt, tIME and eXIf chunks."""
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))]
    if metadata:
        parts += [_chunk(b"tEXt", b"Author\x00Ana Anic"), _chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00home"),
                  _chunk(b"tIME", b"\x07\xea\x0c\x01\x0c\x00\x00"),
                  _chunk(b"eXIf", exif_gps(44.0, 20.9)[6:])]
    parts += [_chunk(b"sRGB", b"\x00"), _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")),
              _chunk(b"IEND", b"")]
    return b"".join(parts)


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
