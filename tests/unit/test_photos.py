"""Photo metadata (domain/image_metadata.py) and the upload rules (domain/photos.py) on real
image bytes built by ``tests/support/photos.py``: the GPS position read from a JPEG's Exif in
both byte orders and hemispheres, everything that says who, where and with what removed from
the published copy while the picture stays, and the uploads' checks."""

from __future__ import annotations

import struct

import pytest

from civicdesk.domain import image_metadata as meta
from civicdesk.domain.photos import (
    UploadedObject,
    UploadRequest,
    UploadRules,
    check_upload,
    check_uploaded,
    safe_name,
    too_many,
)
from tests.support import photos as images

RULES = UploadRules(max_bytes=4096, max_files=3)


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize(("lat", "lon"), [(44.0195, 20.918), (-33.8568, -151.2153), (42.6977, 23.3219)])
def test_the_gps_position_of_a_jpeg(order, lat, lon):
    assert meta.jpeg_gps(images.jpeg(gps=(lat, lon), order=order)) == pytest.approx((lat, lon), abs=1e-6)


def test_no_position_without_exif_or_with_a_camera_without_a_fix():
    assert meta.jpeg_gps(images.jpeg(metadata=False)) is None
    assert meta.jpeg_gps(images.jpeg(gps=(0.0, 0.0))) is None  # zeros: no fix
    assert meta.jpeg_gps(images.png()) is None


def test_a_damaged_exif_gives_no_position_and_no_error():
    photo = images.jpeg(gps=(44.0, 20.9))
    at = photo.index(b"Exif\x00\x00") + 6
    for cut in (8, 20, 40, 60):
        broken = photo[:at + cut] + photo[at + cut + 1:]
        assert meta.jpeg_gps(broken) in (None, pytest.approx((44.0, 20.9), abs=1e-3))
    assert meta.jpeg_gps(photo[:at + 12]) is None  # truncated mid-directory


def test_the_published_jpeg_keeps_the_picture_and_loses_every_trace():
    photo = images.jpeg(gps=(44.0195, 20.918))
    clean, kind = meta.without_metadata(photo)
    assert kind == "image/jpeg"
    for trace in (b"Exif", b"PhoneMaker", b"xmpmeta", b"taken by Ana"):
        assert trace in photo and trace not in clean
    assert b"JFIF\x00" in clean and b"ICC_PROFILE\x00" in clean  # how to show it stays
    assert clean.endswith(photo[photo.index(b"\xff\xdb"):])  # tables, frame, scan: untouched
    assert meta.jpeg_gps(clean) is None
    assert meta.without_metadata(clean) == (clean, "image/jpeg")  # stripping twice changes nothing


def test_the_published_png_keeps_its_pixels_and_loses_text_time_and_exif():
    picture = images.png()
    clean, kind = meta.without_metadata(picture)
    assert kind == "image/png"
    chunks = _png_chunks(clean)
    assert chunks == [b"IHDR", b"sRGB", b"IDAT", b"IEND"]
    assert b"Ana" not in clean and clean.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_webp_loses_its_exif_and_xmp_chunks_and_their_flags():
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x0C | 0x10]) + b"\x00" * 9
    image = b"VP8 " + struct.pack("<I", 4) + b"\x01\x02\x03\x04"
    exif = b"EXIF" + struct.pack("<I", 5) + b"GPS!!" + b"\x00"  # odd length: padded
    xmp = b"XMP " + struct.pack("<I", 4) + b"<x/>"
    body = b"WEBP" + vp8x + image + exif + xmp
    webp = b"RIFF" + struct.pack("<I", len(body)) + body
    clean, kind = meta.without_metadata(webp)
    assert kind == "image/webp" and b"GPS!!" not in clean and b"<x/>" not in clean
    assert clean[20] == 0x10  # alpha flag kept, EXIF and XMP flags cleared
    assert struct.unpack("<I", clean[4:8])[0] == len(clean) - 8


@pytest.mark.parametrize("data", [images.PDF, b"\xff\xd8\xff\xe0\x00\x10JFIF", b"GIF89a"])
def test_what_cannot_be_cleaned_is_never_published(data):
    with pytest.raises(ValueError):
        meta.without_metadata(data)


def test_types_by_their_first_bytes():
    assert meta.sniff(images.jpeg()) == "image/jpeg" and meta.sniff(images.png()) == "image/png"
    assert meta.sniff(images.PDF) == "application/pdf" and meta.sniff(b"<svg onload=x>") is None


def test_upload_requests_and_uploaded_files_are_checked():
    assert check_upload(UploadRequest("IMG_1.HEIC", "image/heif", 100), RULES) == []
    assert [e.code for e in check_upload(UploadRequest("a.svg", "image/svg+xml", 100), RULES)] == [
        "photo_unsupported_type"]
    good = UploadedObject("a" * 32, 100, "image/jpeg", "image/jpeg", "a.jpg")
    assert check_uploaded(0, good, RULES) is None
    assert check_uploaded(2, None, RULES).field == "attachments[2]"
    lying = UploadedObject("a" * 32, 100, "image/png", "image/jpeg", "a.png")
    assert check_uploaded(1, lying, RULES).code == "photo_type_mismatch"
    big = UploadedObject("a" * 32, 5000, "image/jpeg", "image/jpeg", "a.jpg")
    assert check_uploaded(0, big, RULES).params["max"] == 4096
    assert too_many(3, RULES) is None and too_many(4, RULES).params == {"max": 3}
    assert safe_name("C:\\Users\\ana\\Слика 1.jpeg", "image/jpeg") == "Слика_1.jpg"


def _png_chunks(data: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        out.append(data[pos + 4:pos + 8])
        pos += 12 + length
    return out
