"""The composition root's part for photos and documents on the web form (docs/photos.md)."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .core import aws_client, case_repository, case_tracking

__all__ = ["citizen_photos", "photo_publication", "photo_uploads"]


def _s3():
    return aws_client("s3")


@lru_cache(maxsize=1)
def photo_uploads():
    from ..adapters.s3_photos import S3Uploads
    from ..domain.photos import UploadRules
    from ..services.photos import PhotoUploads

    config = settings()
    uploads = S3Uploads(_s3, config.attachments_bucket or "", config.public_url)
    return PhotoUploads(uploads, uploads, UploadRules(config.upload_max_bytes, config.upload_max_files))


@lru_cache(maxsize=1)
def _public_media():
    from ..adapters.s3_photos import S3PublicMedia

    config = settings()
    return S3PublicMedia(_s3, config.attachments_bucket or "", config.public_media_bucket or "",
                         config.public_media_url)


@lru_cache(maxsize=1)
def citizen_photos():
    from ..adapters.s3 import S3AttachmentLinks
    from ..adapters.s3_photos import SameOriginLinks
    from ..services.photos import CitizenPhotos

    links = SameOriginLinks(S3AttachmentLinks(_s3, settings().attachments_bucket or ""),
                            settings().public_url)
    return CitizenPhotos(lambda number, token: case_tracking().track(number, token), links,
                         _public_media())


@lru_cache(maxsize=1)
def photo_publication():
    from ..services.photos import PhotoPublication

    return PhotoPublication(case_repository(), _public_media())
