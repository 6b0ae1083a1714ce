"""The photo routes (``functions/api/app.py`` registers them from ``route_tables.PHOTOS``):
parse, one service call, shape the answer (docs/photos.md)."""

from __future__ import annotations

from ..domain.photos import UploadRequest
from . import photo_schemas as ps
from . import photo_views as pv
from .console_handlers import Answer, Call

_NO_STORE = {"Cache-Control": "no-store"}


def public_start_upload(call: Call) -> Answer:
    cleaned = ps.UPLOAD_REQUEST.validate(call.body())
    request = UploadRequest(cleaned["filename"], cleaned["content_type"], cleaned["size"])
    return pv.signed_upload(call.services.photo_uploads().start(request)), 201, _NO_STORE


def public_case_files(call: Call) -> Answer:
    query = ps.TOKEN_QUERY.validate(dict(call.params))
    files = call.services.citizen_photos().files(call.path["number"], query.get("token"))
    # Own files come with links for a few minutes: never kept by a cache.
    return pv.case_files(files), 200, _NO_STORE


def admin_publish_photo(call: Call) -> Answer:
    done = call.services.photo_publication().publish(
        call.principal(writes=True), call.path["number"], call.path["attachment_id"])
    return pv.publication(done), 200, _NO_STORE


def admin_withdraw_photo(call: Call) -> Answer:
    done = call.services.photo_publication().withdraw(
        call.principal(writes=True), call.path["number"], call.path["attachment_id"])
    return pv.publication(done), 200, _NO_STORE
