"""SES receipt events for tests and the bench, in SES's recorded shape
(``infra.local.ses_receipt``, the same the local runtime hands to the ingest function)."""

from __future__ import annotations

from infra.local.ses_receipt import read_headers, receipt_event

FUNCTION_ARN = "arn:aws:lambda:eu-central-1:000000000000:function:IngestEmailFunction"


def receipt(message_id: str, recipients: list[str], sender: str, raw: bytes, *, timestamp: str,
            verdicts: dict[str, str] | None = None) -> dict:
    """The Lambda action's event for ``raw`` stored as ``message_id``, sent by ``sender`` (the
    envelope's ``MAIL FROM``) to ``recipients``, all of them matched by the rule; a verdict not
    in ``verdicts`` is ``PASS``."""
    return receipt_event(message_id=message_id, sender=sender, envelope_recipients=recipients,
                         rule_recipients=recipients, headers=read_headers(raw),
                         timestamp=timestamp, processing_millis=1, verdicts=verdicts or {},
                         function_arn=FUNCTION_ARN, invocation_type="Event")
