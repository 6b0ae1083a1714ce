"""Request and answer schemas of the photo routes (docs/photos.md): the request schemas
validate, the answer schemas document."""

from __future__ import annotations

from ..domain.photos import UPLOAD_TYPES
from .validation import Arr, Bool, Int, Num, Obj, Str


class _FormFields(Obj):
    """Named text fields whose names S3's signer chooses (documented, never validated)."""

    def json_schema(self) -> dict:
        schema = super().json_schema()
        schema["additionalProperties"] = {"type": "string"}
        return schema

UPLOAD_REQUEST = Obj({
    "filename": Str(required=True, min_length=1, max_length=200,
                    description="The file's name as the citizen sees it"),
    "content_type": Str(required=True, max_length=100,
                        description="One of " + ", ".join(UPLOAD_TYPES)
                                    + " (image/jpg, image/heif are taken as their aliases)"),
    "size": Int(required=True, minimum=0, maximum=2**40, description="Bytes"),
}, description="A file the citizen is about to upload")

SIGNED_UPLOAD = Obj({
    "upload_id": Str(required=True, description="Name it in `attachments` of POST /v1/public/cases"),
    "url": Str(required=True, description="POST the file here, as multipart/form-data"),
    "fields": _FormFields({}, required=True, description="The form fields to send, as given, "
                                                         "before the `file` field"),
    "expires_at": Str(required=True, format="date-time"),
    "max_bytes": Int(required=True), "max_files": Int(required=True,
                                                      description="Files a report may carry"),
}, description="A presigned S3 POST: S3 refuses another type, name or a larger file")

_GPS = Obj({"lat": Num(), "lon": Num()}, description="Where the photo was taken (its Exif)")

CASE_FILE = Obj({
    "id": Str(required=True), "filename": Str(required=True), "content_type": Str(required=True),
    "size": Int(), "url": Str(required=True, description="A presigned GET (own files) or the "
                                                          "public copy's address"),
    "expires_at": Str(format="date-time", description="When a presigned link stops; null: public"),
    "inline": Bool(description="A raster image a browser shows"),
    "published": Bool(description="Staff published a copy without metadata"),
    "gps": _GPS,
})

CASE_FILES = Obj({
    "items": Arr(CASE_FILE, required=True),
}, description="The files of a case the caller may see: with the token, all that the citizen "
               "sent; without it, the published photos of a public case")

TOKEN_QUERY = Obj({
    "token": Str(max_length=200, description="The case's tracking token (its own files)"),
    "lang": Str(max_length=16),
})

PUBLICATION = Obj({
    "number": Str(required=True), "attachment_id": Str(required=True),
    "published": Bool(required=True), "url": Str(required=True,
                                                 description="The public copy's address"),
    "path": Str(required=True, description="Relative to the public media base URL, as in "
                                           "the case's `published_photos`"),
    "version": Int(required=True, description="The case's version after the change"),
}, description="A photo's publication")
