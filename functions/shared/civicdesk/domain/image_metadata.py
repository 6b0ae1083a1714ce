"""What a photo's bytes say about themselves: the format (by its magic bytes, never by the name
or the type the browser claimed), the GPS position a camera wrote into a JPEG's Exif, and a
copy without any metadata (the copy the public sees).

Pure Python, standard library only: the JPEG segment structure (ITU T.81), the TIFF structure
inside Exif's APP1 (Exif 2.32, section 4.6), PNG chunks (ISO 15948) and WebP's RIFF chunks.
"""

from __future__ import annotations

import struct

JPEG, PNG, WEBP, HEIC, PDF = "image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"

#: How many leading bytes ``sniff`` and ``jpeg_gps`` need: Exif lives in the first APP1
#: segment, which is at most 64 KiB long.
HEAD_BYTES = 65_536 + 64


def sniff(head: bytes) -> str | None:
    """The type the leading bytes show, or ``None`` for anything else.

    Examples
    --------
    >>> sniff(b"\\xff\\xd8\\xff\\xe0rest"), sniff(b"\\x89PNG\\r\\n\\x1a\\nrest"), sniff(b"%PDF-1.7")
    ('image/jpeg', 'image/png', 'application/pdf')
    >>> sniff(b"RIFF\\x00\\x00\\x00\\x00WEBPVP8 "), sniff(b"\\x00\\x00\\x00\\x18ftypheic"), sniff(b"<html>")
    ('image/webp', 'image/heic', None)
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return HEIC
    if head.startswith(b"%PDF-"):
        return PDF
    return None


# -- JPEG ------------------------------------------------------------------------------------

def _jpeg_segments(data: bytes):
    """``(marker, start, end)`` of each segment before the image data (start of scan)."""
    if not data.startswith(b"\xff\xd8"):
        return
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        end = pos + 2 + length
        yield marker, pos, min(end, len(data))
        if marker == 0xDA:  # start of scan: the rest is image data
            return
        pos = end


def jpeg_gps(data: bytes) -> tuple[float, float] | None:
    """The (latitude, longitude) in a JPEG's Exif GPS tags, ``None`` without a valid one.

    Examples
    --------
    >>> jpeg_gps(b"\\xff\\xd8\\xff\\xd9") is None
    True
    """
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xE1 and data[start + 4:start + 10] == b"Exif\x00\x00":
            return _tiff_gps(data[start + 10:end])
    return None


def _tiff_gps(tiff: bytes) -> tuple[float, float] | None:
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        if struct.unpack(order + "H", tiff[2:4])[0] != 42:
            return None
        ifd0 = struct.unpack(order + "I", tiff[4:8])[0]
        gps_offset = _ifd_entries(tiff, order, ifd0).get(0x8825)
        if gps_offset is None:
            return None
        gps = _ifd_entries(tiff, order, gps_offset[2])
        lat = _degrees(tiff, order, gps.get(0x0002))
        lon = _degrees(tiff, order, gps.get(0x0004))
        lat_ref = _ascii(tiff, gps.get(0x0001))
        lon_ref = _ascii(tiff, gps.get(0x0003))
    except (KeyError, struct.error, IndexError, ZeroDivisionError):
        return None
    if lat is None or lon is None or lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        return None
    lat, lon = (-lat if lat_ref == "S" else lat), (-lon if lon_ref == "W" else lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None  # 0/0: a camera without a fix writes zeros
    return round(lat, 7), round(lon, 7)


def _ifd_entries(tiff: bytes, order: str, offset: int) -> dict[int, tuple[int, int, int, int]]:
    """tag -> (type, count, value-or-offset, position of the value field)."""
    count = struct.unpack(order + "H", tiff[offset:offset + 2])[0]
    entries = {}
    for i in range(min(count, 512)):
        pos = offset + 2 + 12 * i
        tag, kind, n = struct.unpack(order + "HHI", tiff[pos:pos + 8])
        value = struct.unpack(order + "I", tiff[pos + 8:pos + 12])[0]
        entries[tag] = (kind, n, value, pos + 8)
    return entries


def _degrees(tiff: bytes, order: str, entry) -> float | None:
    if entry is None or entry[0] != 5 or entry[1] != 3:  # three RATIONALs: d, m, s
        return None
    offset = entry[2]
    parts = struct.unpack(order + "6I", tiff[offset:offset + 24])
    d, m, s = (parts[i] / parts[i + 1] for i in (0, 2, 4))
    return d + m / 60 + s / 3600


def _ascii(tiff: bytes, entry) -> str | None:
    if entry is None or entry[0] != 2:
        return None
    if entry[1] <= 4:
        raw = tiff[entry[3]:entry[3] + entry[1]]
    else:
        raw = tiff[entry[2]:entry[2] + entry[1]]
    return raw.split(b"\x00")[0].decode("ascii", "replace").strip().upper() or None


def _strip_jpeg(data: bytes) -> bytes:
    """Every APPn segment but JFIF (APP0) and the ICC profile (APP2 ``ICC_PROFILE``), and every
    comment (COM), removed: Exif (GPS, camera, serial numbers, the thumbnail), XMP, IPTC and
    the makers' own segments go."""
    out = [b"\xff\xd8"]
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xDA:
            out.append(data[start:])
            return b"".join(out)
        keep = not (0xE0 <= marker <= 0xEF or marker == 0xFE)
        if marker == 0xE0 and data[start + 4:start + 9] == b"JFIF\x00":
            keep = True
        if marker == 0xE2 and data[start + 4:start + 16] == b"ICC_PROFILE\x00":
            keep = True
        if keep:
            out.append(data[start:end])
    raise ValueError("not a complete JPEG")  # no start of scan: nothing to publish


# -- PNG -------------------------------------------------------------------------------------

#: Ancillary chunks a published copy keeps: how to show the pixels, nothing about their origin.
_PNG_KEEP = {b"PLTE", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD"}


def _strip_png(data: bytes) -> bytes:
    """Text (tEXt, zTXt, iTXt), Exif (eXIf), time (tIME) and every private chunk removed."""
    out = [data[:8]]
    pos = 8
    while pos + 12 <= len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        critical = kind[:1].isupper()
        if kind in (b"IHDR", b"IDAT", b"IEND") or kind in _PNG_KEEP or (critical and kind != b"IEND"):
            out.append(data[pos:end])
        if kind == b"IEND":
            return b"".join(out)
        pos = end
    raise ValueError("not a complete PNG")


# -- WebP ------------------------------------------------------------------------------------

def _strip_webp(data: bytes) -> bytes:
    """The EXIF and XMP chunks removed, and their flags cleared in the VP8X header."""
    chunks = []
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        length = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        end = pos + 8 + length + (length & 1)
        chunk = data[pos:min(end, len(data))]
        if kind == b"VP8X" and len(chunk) >= 9:
            flags = chunk[8] & ~0x0C  # EXIF (0x08) and XMP (0x04)
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if kind not in (b"EXIF", b"XMP "):
            chunks.append(chunk)
        pos = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


#: The formats a published copy can be made of (HEIC and PDF are kept private: browsers do not
#: show HEIC, and a PDF's metadata cannot be removed here reliably).
PUBLISHABLE = frozenset({JPEG, PNG, WEBP})


def without_metadata(data: bytes) -> tuple[bytes, str]:
    """A copy of the image without metadata, and its type; ``ValueError`` for anything that is
    not a complete JPEG, PNG or WebP.

    Examples
    --------
    >>> without_metadata(b"%PDF-1.7")
    Traceback (most recent call last):
    ValueError: cannot remove the metadata of this file
    """
    kind = sniff(data[:16])
    if kind == JPEG:
        return _strip_jpeg(data), JPEG
    if kind == PNG:
        return _strip_png(data), PNG
    if kind == WEBP:
        return _strip_webp(data), WEBP
    raise ValueError("cannot remove the metadata of this file")
