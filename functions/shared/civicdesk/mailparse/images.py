"""Where a photo was taken: the GPS position in its EXIF data."""

from __future__ import annotations

import io
import logging
import math


def gps_from_image(data: bytes) -> tuple[float, float] | None:
    """(latitude, longitude) in decimal degrees from a JPEG's, TIFF's or HEIC's EXIF GPS tags.

    None when the image has no position, or one that is not a place on Earth (out of range,
    not a number, or the 0/0 that some cameras write before they have a fix).

    Examples
    --------
    >>> gps_from_image(b"not an image") is None
    True
    """
    if not data or len(data) < 12:
        return None
    try:
        import exifread

        logging.getLogger("exifread").setLevel(logging.ERROR)
        tags = exifread.process_file(io.BytesIO(data), details=False, extract_thumbnail=False)
        latitude = _degrees(tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef"), "S")
        longitude = _degrees(tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef"), "W")
    except Exception:  # noqa: BLE001 - a broken EXIF block means no position, not a failure
        return None
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:
        return None
    return round(latitude, 7), round(longitude, 7)


def _degrees(tag: object, ref: object, negative: str) -> float | None:
    if tag is None:
        return None
    values = list(getattr(tag, "values", ()) or ())
    if not 1 <= len(values) <= 3:
        return None
    parts = []
    for value in values:
        denominator = getattr(value, "denominator", 1)
        if denominator == 0:
            return None
        parts.append(float(value))
    parts += [0.0] * (3 - len(parts))
    degrees, minutes, seconds = parts
    if not (0 <= minutes < 60 and 0 <= seconds < 60) or any(map(math.isnan, parts)):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    reference = str(getattr(ref, "values", ref) or "").strip().upper()[:1]
    return -result if reference == negative else result
