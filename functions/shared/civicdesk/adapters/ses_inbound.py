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


def ses_event(message_id: str, recipients: list[str], sender: str, *, timestamp: str,
              verdicts: dict[str, str] | None = None, subject: str = "") -> dict:
    """An SES receipt event as SES sends it to a Lambda action (used by the local runtime's SMTP
    server and by tests)."""
    verdicts = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS",
                **(verdicts or {})}
    return {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0", "ses": {
        "mail": {"timestamp": timestamp, "source": sender, "messageId": message_id,
                 "destination": recipients, "headersTruncated": False,
                 "commonHeaders": {"from": [sender], "to": recipients, "subject": subject}},
        "receipt": {"timestamp": timestamp, "processingTimeMillis": 1, "recipients": recipients,
                    "spamVerdict": {"status": verdicts["spam"]},
                    "virusVerdict": {"status": verdicts["virus"]},
                    "spfVerdict": {"status": verdicts["spf"]},
                    "dkimVerdict": {"status": verdicts["dkim"]},
                    "dmarcVerdict": {"status": verdicts["dmarc"]},
                    "action": {"type": "Lambda", "invocationType": "Event",
                               "functionArn": "arn:aws:lambda:eu-central-1:000000000000:function:IngestEmailFunction"}}}}]}
