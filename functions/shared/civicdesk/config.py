"""One typed settings object, read from the environment once and validated."""

from __future__ import annotations

import os
from functools import lru_cache

from msgspec import Struct

from .domain.errors import ConfigurationError


class Settings(Struct, frozen=True):
    """Every environment variable CivicDesk reads. ``template.yaml`` sets each one
    (``tests/contract`` checks it)."""

    region: str
    cases_table: str
    public_url: str
    mail_domain: str
    config_ttl_seconds: float
    mail_bucket: str | None = None
    mail_prefix: str = "inbound/"
    attachments_bucket: str | None = None
    max_attachment_bytes: int = 10 * 1024 * 1024
    staff_user_pool_id: str | None = None
    sms_sender_id: str | None = None
    events_topic_arn: str | None = None
    ses_configuration_set: str | None = None  # delivery, bounce and complaint events
    link_secret_arn: str | None = None  # the key of the requester's tracking links
    staff_client_id: str | None = None  # the staff console's app client of the staff pool
    #: Where a browser reaches Cognito's user pools API: the region's public endpoint, or the
    #: endpoint the SDK itself is pointed at (``AWS_ENDPOINT_URL``: the local runtime's moto).
    cognito_endpoint: str = ""
    #: The municipality's own SMS numbers (E.164, comma-separated): an SMS from one is our own
    #: come back, never answered (``docs/sms.md``).
    sms_origination_numbers: tuple[str, ...] = ()
    #: The citizen user pool and the portal's app client of it (issue 16, ``docs/accounts.md``).
    citizen_user_pool_id: str | None = None
    citizen_client_id: str | None = None
    #: Photos and documents on the web form (docs/photos.md): the largest file, how many files
    #: a report may carry, and the bucket whose ``public-media/`` prefix serves published photos.
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_files: int = 3
    public_media_bucket: str | None = None

    @property
    def public_media_url(self) -> str:
        """Where the published photos are reached: the portal's ``/public-media/``."""
        return f"{self.public_url}/public-media/"

    @classmethod
    def from_environ(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        missing = [name for name in ("CIVICDESK_CASES_TABLE", "CIVICDESK_PUBLIC_URL",
                                     "CIVICDESK_MAIL_DOMAIN") if not env.get(name)]
        if missing:
            raise ConfigurationError("error.configuration",
                                     detail=f"missing environment variables: {', '.join(missing)}")
        try:
            ttl = float(env.get("CIVICDESK_CONFIG_TTL_SECONDS", "300"))
        except ValueError:
            raise ConfigurationError("error.configuration",
                                     detail="CIVICDESK_CONFIG_TTL_SECONDS must be a number") from None
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1"
        return cls(
            region=region,
            cases_table=env["CIVICDESK_CASES_TABLE"],
            public_url=env["CIVICDESK_PUBLIC_URL"].rstrip("/"),
            mail_domain=env["CIVICDESK_MAIL_DOMAIN"].lower(),
            config_ttl_seconds=ttl,
            mail_bucket=env.get("CIVICDESK_MAIL_BUCKET") or None,
            mail_prefix=env.get("CIVICDESK_MAIL_PREFIX", "inbound/"),
            attachments_bucket=env.get("CIVICDESK_ATTACHMENTS_BUCKET") or None,
            max_attachment_bytes=int(env.get("CIVICDESK_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))),
            staff_user_pool_id=env.get("CIVICDESK_STAFF_USER_POOL_ID") or None,
            sms_sender_id=env.get("CIVICDESK_SMS_SENDER_ID") or None,
            events_topic_arn=env.get("CIVICDESK_EVENTS_TOPIC_ARN") or None,
            ses_configuration_set=env.get("CIVICDESK_SES_CONFIGURATION_SET") or None,
            link_secret_arn=env.get("CIVICDESK_LINK_SECRET_ARN") or None,
            staff_client_id=env.get("CIVICDESK_STAFF_USER_POOL_CLIENT_ID") or None,
            cognito_endpoint=_cognito_endpoint(env, region),
            sms_origination_numbers=tuple(
                n.strip() for n in env.get("CIVICDESK_SMS_ORIGINATION_NUMBERS", "").split(",")
                if n.strip()),
            citizen_user_pool_id=env.get("CIVICDESK_CITIZEN_USER_POOL_ID") or None,
            citizen_client_id=env.get("CIVICDESK_CITIZEN_USER_POOL_CLIENT_ID") or None,
            upload_max_bytes=int(env.get("CIVICDESK_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
            upload_max_files=int(env.get("CIVICDESK_UPLOAD_MAX_FILES", "3")),
            public_media_bucket=env.get("CIVICDESK_PUBLIC_MEDIA_BUCKET") or None,
        )


def _cognito_endpoint(env, region: str) -> str:
    """Cognito's endpoint as botocore resolves it: the service's own ``AWS_ENDPOINT_URL_*``
    variable, then ``AWS_ENDPOINT_URL``, else the region's public endpoint.

    Examples
    --------
    >>> _cognito_endpoint({}, "eu-central-1")
    'https://cognito-idp.eu-central-1.amazonaws.com/'
    >>> _cognito_endpoint({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, "eu-central-1")
    'http://127.0.0.1:5000/'
    """
    configured = env.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") or env.get("AWS_ENDPOINT_URL")
    if configured:
        return configured.rstrip("/") + "/"
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://cognito-idp.{region}.{suffix}/"


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_environ()
