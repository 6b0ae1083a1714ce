"""Raw mail and attachments in S3."""

from __future__ import annotations


class S3BlobStore:
    """``BlobStore`` port: reads raw mail where SES stored it; writes attachments.

    The client is built on first use (``client_factory``).
    """

    def __init__(self, client_factory, attachments_bucket: str):
        self._client_factory = client_factory
        self._bucket = attachments_bucket

    def get(self, bucket: str, key: str) -> bytes:
        response = self._client_factory().get_object(Bucket=bucket, Key=key)
        return response["Body"].read()

    def put(self, key: str, data: bytes, content_type: str) -> str:
        self._client_factory().put_object(Bucket=self._bucket, Key=key, Body=data,
                                          ContentType=content_type or "application/octet-stream",
                                          ServerSideEncryption="AES256")
        return key


class S3AttachmentLinks:
    """``AttachmentLinks`` port: presigned GETs of the attachments bucket, the response's
    ``Content-Type`` and ``Content-Disposition`` signed into the link (S3 answers them as
    given), so the file opens in the page or downloads under its own name.

    Signing is local (no call to S3); the link works as long as it says and the function's
    role may read the object (``s3:GetObject`` on ``cases/*`` in template.yaml)."""

    def __init__(self, client_factory, attachments_bucket: str):
        self._client_factory = client_factory
        self._bucket = attachments_bucket

    def download_url(self, key: str, *, content_type: str, disposition: str,
                     expires_in: int) -> str:
        return self._client_factory().generate_presigned_url(
            "get_object", ExpiresIn=expires_in,
            Params={"Bucket": self._bucket, "Key": key, "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition,
                    "ResponseCacheControl": "private, no-store"})
