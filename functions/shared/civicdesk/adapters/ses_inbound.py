"""SES receipt events (the Lambda action that follows the S3 action) -> ``InboundMail``."""

from __future__ import annotations

from datetime import datetime, timezone

from ..domain.inbound import InboundMail


def _verdict(receipt: dict, name: str) -> str:
    return str((receipt.get(name) or {}).get("status") or "PASS").upper()


def _timestamp(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return datetime.now(timezone.utc)


def inbound_from_ses_record(record: dict, bucket: str, prefix: str) -> InboundMail:
    """The SES Lambda event carries no body: the raw message is where the S3 action put it,
    ``<prefix><messageId>`` in the mail bucket."""
    ses = record["ses"]
    mail, receipt = ses["mail"], ses.get("receipt", {})
    message_id = mail["messageId"]
    return InboundMail(
        ses_message_id=message_id, bucket=bucket, key=f"{prefix}{message_id}",
        recipients=tuple(r.lower() for r in receipt.get("recipients") or mail.get("destination") or ()),
        received_at=_timestamp(receipt.get("timestamp") or mail.get("timestamp")),
        spam_verdict=_verdict(receipt, "spamVerdict"), virus_verdict=_verdict(receipt, "virusVerdict"),
        dmarc_verdict=_verdict(receipt, "dmarcVerdict"), spf_verdict=_verdict(receipt, "spfVerdict"))

