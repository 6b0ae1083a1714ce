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
