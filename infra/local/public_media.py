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


#: The portal's paths in front of the attachments bucket (template.yaml, WebDistribution's
#: MediaPathFunction): the prefix goes, the rest goes to S3 as it came.
STORE_PREFIXES = ("/media-upload", "/media-files/")
_FORWARDED = ("content-type", "content-length", "range", "if-none-match", "if-modified-since")
_RETURNED = ("content-type", "content-length", "content-disposition", "content-range", "etag",
             "last-modified", "cache-control", "location")


class StorePaths:
    """What CloudFront's ``/media-upload`` and ``/media-files/`` behaviours do, against the
    runtime's S3 (``store_url``): a browser posts a presigned POST and opens presigned GETs on
    the portal's own origin (docs/photos.md)."""

    def __init__(self, store_url: str):
        self._store = store_url.rstrip("/")

    @staticmethod
    def serves(path: str) -> bool:
        return path == "/media-upload" or path.startswith(STORE_PREFIXES)

    def forward(self, method: str, path: str, query: str, headers, body: bytes
                ) -> tuple[int, list[tuple[str, str]], bytes]:
        import urllib.error
        import urllib.request

        rest = path.removeprefix("/media-upload").removeprefix("/media-files") or "/"
        url = self._store + rest + (f"?{query}" if query else "")
        wanted = {name.lower(): value for name, value in headers if name.lower() in _FORWARDED}
        request = urllib.request.Request(url, data=body if method in ("POST", "PUT") else None,
                                         method=method, headers=wanted)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the runtime's own S3)
                return answer.status, _returned(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as refused:
            return refused.code, _returned(refused.headers.items()), refused.read()


def _returned(headers) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() in _RETURNED]
