"""Photos and documents a citizen adds to a report (issue 16, item 1; docs/photos.md).

A file goes straight from the browser to the attachments bucket, before the case exists: the
API signs an S3 POST policy for one object ``uploads/<upload id>`` with the type and the size
range in its conditions (S3 refuses anything else). The form then sends the upload ids with the
report; each is checked against the object S3 holds (its size, the type its first bytes show),
copied under the case's own prefix and listed on the ``case_opened`` entry like a mail's
attachments (``domain/attachments.py``). Unclaimed uploads expire by the bucket's lifecycle.

Nothing is public until staff publish a photo: a copy without metadata (``image_metadata``) is
written to the public media prefix and its path recorded on the case (``Case.published_photos``),
which the public views read.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from urllib.parse import quote, unquote

from msgspec import Struct

from .cases import Case, EventKind, TimelineEvent
from .errors import ConflictError, FieldError, NotFoundError
from .image_metadata import HEIC, JPEG, PDF, PNG, PUBLISHABLE, WEBP

#: The types the form accepts, each with the extension of its stored name.
UPLOAD_TYPES = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", HEIC: ".heic", PDF: ".pdf"}
#: Types browsers report for the same files.
TYPE_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/heif": HEIC,
                "image/heic-sequence": HEIC, "image/heif-sequence": HEIC}

UPLOAD_PREFIX = "uploads/"
#: Metadata the POST policy requires on the object: the name as typed (percent-encoded, S3
#: metadata is ASCII).
FILENAME_FIELD = "x-amz-meta-filename"
UPLOAD_SECONDS = 900  # how long the signed POST works
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


class UploadRules(Struct, frozen=True):
    max_bytes: int
    max_files: int


class UploadRequest(Struct, frozen=True):
    filename: str
    content_type: str
    size: int


class UploadedObject(Struct, frozen=True):
    """What S3 holds for an upload: its size, the type it was posted with, the first bytes'
    type (``image_metadata.sniff``), its name, and the GPS position a JPEG carries."""

    upload_id: str
    size: int
    content_type: str
    sniffed: str | None
    filename: str
    gps: tuple[float, float] | None = None


def normal_type(content_type: str) -> str:
    """
    Examples
    --------
    >>> normal_type(" Image/JPG "), normal_type("image/heif")
    ('image/jpeg', 'image/heic')
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    return TYPE_ALIASES.get(kind, kind)


def check_upload(request: UploadRequest, rules: UploadRules) -> list[FieldError]:
    """What is wrong with a requested upload (empty: it may be signed).

    Examples
    --------
    >>> rules = UploadRules(max_bytes=1000, max_files=3)
    >>> check_upload(UploadRequest("a.jpg", "image/jpeg", 10), rules)
    []
    >>> [(e.field, e.code) for e in check_upload(UploadRequest("a.exe", "text/html", 5000), rules)]
    [('content_type', 'photo_unsupported_type'), ('size', 'photo_too_large')]
    """
    errors = []
    if normal_type(request.content_type) not in UPLOAD_TYPES:
        errors.append(FieldError("content_type", "photo_unsupported_type",
                                 {"allowed": "JPEG, PNG, WebP, HEIC, PDF"}))
    if request.size > rules.max_bytes:
        errors.append(FieldError("size", "photo_too_large", _limit(rules)))
    elif request.size < 1:
        errors.append(FieldError("size", "photo_empty"))
    return errors


def _limit(rules: UploadRules) -> dict:
    return {"max": rules.max_bytes, "max_mb": f"{rules.max_bytes / 1048576:.0f}"}


def too_many(count: int, rules: UploadRules) -> FieldError | None:
    """``attachments`` lists more files than a report may carry."""
    if count > rules.max_files:
        return FieldError("attachments", "photo_too_many", {"max": rules.max_files})
    return None


def new_upload_id() -> str:
    return secrets.token_hex(16)  # 128 bits: the id alone lets its holder attach the file


def is_upload_id(value: object) -> bool:
    return isinstance(value, str) and bool(_UPLOAD_ID.fullmatch(value))


def upload_key(upload_id: str) -> str:
    return f"{UPLOAD_PREFIX}{upload_id}"


def encode_filename(filename: str) -> str:
    """
    Examples
    --------
    >>> encode_filename("рупа 1.jpg")
    '%D1%80%D1%83%D0%BF%D0%B0%201.jpg'
    >>> decode_filename(encode_filename("рупа 1.jpg"))
    'рупа 1.jpg'
    """
    return quote(filename, safe="")


def decode_filename(value: str | None) -> str:
    return unquote(value or "") or "attachment"


def safe_name(filename: str, content_type: str) -> str:
    """A stored object's name: letters, digits and ``.-_`` only, the type's own extension.

    Examples
    --------
    >>> safe_name("../../рупа на путу?.JPG", "image/jpeg")
    'рупа_на_путу.jpg'
    """
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = _UNSAFE.sub("", stem).strip(" .").replace(" ", "_")[:80] or "file"
    return stem + UPLOAD_TYPES.get(content_type, "")


def check_uploaded(index: int, found: UploadedObject | None, rules: UploadRules) -> FieldError | None:
    """Why ``attachments[index]`` cannot be attached, or ``None``.

    The first bytes decide the type: a file posted as ``image/jpeg`` that is an HTML page is
    refused (a browser would otherwise show it in the page of whoever opened it)."""
    field = f"attachments[{index}]"
    if found is None:
        return FieldError(field, "photo_unknown_upload")
    if found.size > rules.max_bytes:
        return FieldError(field, "photo_too_large", _limit(rules))
    if found.sniffed is None or found.sniffed != normal_type(found.content_type):
        return FieldError(field, "photo_type_mismatch")
    return None


def case_key(number: str, index: int, found: UploadedObject) -> str:
    return f"cases/{number}/web/{index:03d}-{safe_name(found.filename, found.sniffed or '')}"


def attachment_entry(found: UploadedObject, key: str) -> dict:
    """The file as listed on the ``case_opened`` entry (the shape of a mail's attachments)."""
    entry: dict = {"filename": found.filename, "content_type": found.sniffed or found.content_type,
                   "size": found.size, "key": key, "refused": "", "upload_id": found.upload_id}
    if found.gps:
        entry["gps"] = {"lat": found.gps[0], "lon": found.gps[1]}
    return entry


# -- publication ---------------------------------------------------------------------------------

PUBLIC_PREFIX = "public-media/"


def published_path(number: str, attachment_id: str, content_type: str) -> str:
    """Where a published copy lies, relative to the public media base URL.

    Examples
    --------
    >>> published_path("2026-000123", "a1b2c3d4e5f6-0", "image/jpeg")
    'cases/2026-000123/a1b2c3d4e5f6-0.jpg'
    """
    return f"cases/{number}/{attachment_id}{UPLOAD_TYPES[content_type]}"


def publishable(content_type: str) -> bool:
    return content_type in PUBLISHABLE


def publish(case: Case, attachment_id: str, path: str, *, at: datetime,
            actor: str) -> tuple[Case, TimelineEvent]:
    """The case with the photo among its public ones, and the (internal) entry saying who
    published it; ``ConflictError`` when it is already public."""
    if path in case.published_photos:
        raise ConflictError("error.photo_already_published", current_version=case.version,
                            number=case.number)
    changed = case.with_changes(published_photos=(*case.published_photos, path), updated_at=at)
    entry = TimelineEvent(case.number, at, EventKind.PHOTO_PUBLISHED, actor, False,
                          {"attachment_id": attachment_id, "photo": path})
    return changed, entry


def withdraw(case: Case, attachment_id: str, path: str, *, at: datetime,
             actor: str) -> tuple[Case, TimelineEvent]:
    """The case without the photo in public; ``NotFoundError`` when it was not published."""
    if path not in case.published_photos:
        raise NotFoundError("error.photo_not_published")
    changed = case.with_changes(
        published_photos=tuple(p for p in case.published_photos if p != path), updated_at=at)
    entry = TimelineEvent(case.number, at, EventKind.PHOTO_WITHDRAWN, actor, False,
                          {"attachment_id": attachment_id, "photo": path})
    return changed, entry
