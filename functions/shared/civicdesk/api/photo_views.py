"""The photo routes' answers (docs/photos.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from ..services.photos import CitizenFile, Publication, SignedUpload


def _z(at: datetime | None) -> str | None:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


def signed_upload(upload: SignedUpload) -> dict:
    return {"upload_id": upload.upload_id, "url": upload.url, "fields": upload.fields,
            "expires_at": _z(upload.expires_at), "max_bytes": upload.max_bytes,
            "max_files": upload.max_files}


def case_files(files: list[CitizenFile]) -> dict:
    items = []
    for file in files:
        item = {"id": file.attachment.attachment_id, "filename": file.attachment.filename,
                "content_type": file.attachment.content_type, "size": file.attachment.size,
                "url": file.url, "expires_at": _z(file.expires_at),
                "inline": file.attachment.inline, "published": file.published}
        if file.gps:
            item["gps"] = {"lat": file.gps[0], "lon": file.gps[1]}
        items.append(item)
    return {"items": items}


def publication(done: Publication) -> dict:
    return {"number": done.case.number, "attachment_id": done.attachment.attachment_id,
            "published": done.published, "url": done.url, "path": done.path,
            "version": done.case.version}
