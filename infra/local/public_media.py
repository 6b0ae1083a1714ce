"""The published photos (``public-media/`` of the portal bucket, docs/photos.md), served the
way CloudFront serves them from the bucket: read from the local S3 on every request, only what
lies under the prefix, never a listing."""

from __future__ import annotations

from typing import Callable

PREFIX = "/public-media/"


class PublicMedia:
    """``find(path)``: ``(bytes, content type, cache control)`` of a published copy, or ``None``."""

    def __init__(self, client: Callable[[], object], bucket: str):
        self._make_client = client
        self._made: object | None = None
        self._bucket = bucket

    def _client(self):
        if self._made is None:
            self._made = self._make_client()
        return self._made

    def find(self, path: str) -> tuple[bytes, str, str] | None:
        key = path.lstrip("/")
        if not path.startswith(PREFIX) or ".." in key or key.endswith("/") or "//" in key:
            return None
        from botocore.exceptions import ClientError

        try:
            found = self._client().get_object(Bucket=self._bucket, Key=key)  # type: ignore[attr-defined]
        except ClientError:
            return None
        return (found["Body"].read(), found.get("ContentType") or "application/octet-stream",
                found.get("CacheControl") or "public, max-age=300")
