"""The ports of the photo services (``services/photos.py``); the S3 adapters are in
``adapters/s3_photos.py``."""

from __future__ import annotations

from typing import Protocol

from ..domain.photos import UploadedObject


class UploadSigner(Protocol):
    def signed_post(self, key: str, *, content_type: str, filename: str, max_bytes: int,
                    expires_in: int) -> tuple[str, dict[str, str]]:
        """The URL and form fields of an S3 POST of exactly ``key``, whose policy requires the
        type, the name and a size of 1 to ``max_bytes`` bytes (signed locally, no call)."""


class UploadInbox(Protocol):
    def uploaded(self, upload_id: str) -> UploadedObject | None:
        """What S3 holds under the upload's key (one ranged ``GetObject``), ``None`` if nothing."""

    def claim(self, upload_id: str, key: str) -> None:
        """Copy the upload to ``key`` in the attachments bucket (server side)."""


class PublicMedia(Protocol):
    def read(self, key: str) -> bytes:
        """A kept attachment's bytes."""

    def publish(self, path: str, data: bytes, content_type: str) -> None:
        """Write a public copy at ``path`` of the public media prefix."""

    def withdraw(self, path: str) -> None:
        """Remove the public copy at ``path`` (nothing there is no error)."""

    def url(self, path: str) -> str:
        """Where the public reaches ``path``."""
