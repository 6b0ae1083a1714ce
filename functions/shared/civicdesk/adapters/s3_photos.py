"""The photo services' S3 side (``services/photo_ports.py``): signed POSTs into the attachments
bucket's ``uploads/`` prefix, the check of what arrived, the copy under the case, and the
public copies under the web bucket's ``public-media/`` prefix (served by CloudFront, and by the
local runtime)."""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from ..domain.image_metadata import HEAD_BYTES, jpeg_gps, sniff
from ..domain.photos import (
    FILENAME_FIELD,
    PUBLIC_PREFIX,
    UploadedObject,
    decode_filename,
    encode_filename,
    upload_key,
)

_MISSING = {"NoSuchKey", "404", "NotFound", "InvalidRange"}

#: The portal's paths in front of the attachments bucket (template.yaml, WebDistribution): the
#: browser posts and reads on the portal's own origin, so its pages keep a self-only CSP.
UPLOAD_PATH = "/media-upload"
FILES_PATH = "/media-files"


def same_origin(url: str, public_url: str, prefix: str) -> str:
    """``url`` (a presigned S3 URL) as the browser reaches it through the portal: the path and
    query under ``<public_url><prefix>``; CloudFront (and ``make run``) strips the prefix and
    forwards to the bucket, whose host the signature names.

    Examples
    --------
    >>> same_origin("https://b.s3.eu-central-1.amazonaws.com/cases/x.jpg?X-Amz-Signature=1",
    ...             "https://prijave.opstina.rs", FILES_PATH)
    'https://prijave.opstina.rs/media-files/cases/x.jpg?X-Amz-Signature=1'
    """
    parts = urlsplit(url)
    return f"{public_url.rstrip('/')}{prefix}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


class S3Uploads:
    """``UploadSigner`` and ``UploadInbox`` on the attachments bucket."""

    def __init__(self, client_factory, bucket: str, public_url: str):
        self._client_factory = client_factory
        self._bucket = bucket
        self._public_url = public_url

    def signed_post(self, key: str, *, content_type: str, filename: str, max_bytes: int,
                    expires_in: int) -> tuple[str, dict[str, str]]:
        name = encode_filename(filename)
        fields = {"Content-Type": content_type, FILENAME_FIELD: name}
        conditions = [{"bucket": self._bucket}, {"key": key}, {"Content-Type": content_type},
                      {FILENAME_FIELD: name}, ["content-length-range", 1, max_bytes]]
        post = self._client_factory().generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields=fields, Conditions=conditions,
            ExpiresIn=expires_in)
        return same_origin(post["url"], self._public_url, UPLOAD_PATH), dict(post["fields"])

    def uploaded(self, upload_id: str) -> UploadedObject | None:
        try:
            response = self._client_factory().get_object(
                Bucket=self._bucket, Key=upload_key(upload_id), Range=f"bytes=0-{HEAD_BYTES - 1}")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        head = response["Body"].read()
        total = str(response.get("ContentRange") or "").rpartition("/")[2]
        size = int(total) if total.isdigit() else int(response.get("ContentLength") or len(head))
        kind = sniff(head[:16])
        metadata = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
        return UploadedObject(
            upload_id=upload_id, size=size,
            content_type=str(response.get("ContentType") or ""), sniffed=kind,
            filename=decode_filename(metadata.get(FILENAME_FIELD.removeprefix("x-amz-meta-"))),
            gps=jpeg_gps(head) if kind == "image/jpeg" else None)

    def claim(self, upload_id: str, key: str) -> None:
        self._client_factory().copy_object(
            Bucket=self._bucket, Key=key, CopySource={"Bucket": self._bucket, "Key": upload_key(upload_id)},
            MetadataDirective="COPY", ServerSideEncryption="AES256")


class SameOriginLinks:
    """``AttachmentLinks`` for citizens: the presigned GETs of ``links`` on the portal's origin
    (``FILES_PATH``), which a self-only CSP lets the tracking page show."""

    def __init__(self, links, public_url: str):
        self._links = links
        self._public_url = public_url

    def download_url(self, key: str, *, content_type: str, disposition: str, expires_in: int) -> str:
        url = self._links.download_url(key, content_type=content_type, disposition=disposition,
                                       expires_in=expires_in)
        return same_origin(url, self._public_url, FILES_PATH)


class S3PublicMedia:
    """``PublicMedia``: reads kept attachments, writes the public copies to ``public-media/``
    of the web bucket (the portal's origin), where ``base_url`` serves them."""

    def __init__(self, client_factory, attachments_bucket: str, web_bucket: str, base_url: str):
        self._client_factory = client_factory
        self._attachments = attachments_bucket
        self._web = web_bucket
        self._base = base_url.rstrip("/") + "/"

    def read(self, key: str) -> bytes:
        return self._client_factory().get_object(Bucket=self._attachments, Key=key)["Body"].read()

    def publish(self, path: str, data: bytes, content_type: str) -> None:
        self._client_factory().put_object(
            Bucket=self._web, Key=PUBLIC_PREFIX + path, Body=data, ContentType=content_type,
            CacheControl="public, max-age=300", ServerSideEncryption="AES256")

    def withdraw(self, path: str) -> None:
        self._client_factory().delete_object(Bucket=self._web, Key=PUBLIC_PREFIX + path)

    def url(self, path: str) -> str:
        return self._base + path
