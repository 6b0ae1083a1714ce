"""SMS delivery events for the local runtime: moto's SNS sends no delivery status, so each SMS
the outbox captures gets the event End User Messaging SMS's event destination would publish to
the template's ``SmsDeliveryEventsTopic`` (``TEXT_DELIVERED``, or ``TEXT_CARRIER_UNREACHABLE``),
or none at all, as a carrier that never confirms.

Deterministic by the number's last digit, so that a demo or a test knows what will happen:
numbers ending in ``CIVICDESK_LOCAL_SMS_FAIL_DIGITS`` (default ``3``) fail, in
``CIVICDESK_LOCAL_SMS_SILENT_DIGITS`` (default ``5``) never confirm, the others are delivered.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from typing import Any, Callable

log = logging.getLogger("civicdesk.local")

#: The template's topic the SMS service publishes its delivery events to.
TOPIC = "SmsDeliveryEventsTopic"


def outcome(number: str, fail_digits: str = "3", silent_digits: str = "5") -> str | None:
    """``TEXT_DELIVERED``, ``TEXT_CARRIER_UNREACHABLE`` or ``None`` (never confirmed).

    >>> outcome("+381641234560"), outcome("+381641234563"), outcome("+381641234565")
    ('TEXT_DELIVERED', 'TEXT_CARRIER_UNREACHABLE', None)
    """
    last = number.strip()[-1:] if number else ""
    if last and last in silent_digits:
        return None
    if last and last in fail_digits:
        return "TEXT_CARRIER_UNREACHABLE"
    return "TEXT_DELIVERED"


def sms_event(event_type: str, message_id: str, number: str, at: datetime) -> dict:
    """The event's shape (End User Messaging SMS, "Event destinations": the fields CivicDesk
    reads and those around them)."""
    final = event_type != "TEXT_PENDING"
    return {"eventType": event_type, "eventVersion": "1.0",
            "eventTimestamp": int(at.timestamp() * 1000), "isFinal": final,
            "originationPhoneNumber": "CivicDesk", "destinationPhoneNumber": number,
            "isoCountryCode": "RS", "messageId": message_id, "messageType": "TRANSACTIONAL",
            "messageStatus": "DELIVERED" if event_type == "TEXT_DELIVERED" else "CARRIER_UNREACHABLE",
            "messageStatusDescription": "Message has been accepted by phone"
            if event_type == "TEXT_DELIVERED" else "The destination phone number is unreachable",
            "totalMessageParts": 1, "totalMessagePrice": 0.0604, "totalCarrierFee": 0.0}


class SmsEventPublisher:
    """``on_sms(message_id, number)`` of the outbox: publishes the SMS's delivery event."""

    def __init__(self, topic_arn: str | None, publish: Callable[[str, str], Any],
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self._topic = topic_arn
        self._publish = publish
        self._clock = clock
        self._fail = os.environ.get("CIVICDESK_LOCAL_SMS_FAIL_DIGITS", "3")
        self._silent = os.environ.get("CIVICDESK_LOCAL_SMS_SILENT_DIGITS", "5")

    def sms_sent(self, message_id: str, number: str) -> dict | None:
        if not self._topic:
            return None
        kind = outcome(number, self._fail, self._silent)
        if kind is None:
            log.info("SMS %s: the carrier never confirms (local emulation)", message_id)
            return None
        event = sms_event(kind, message_id, number, self._clock())
        self._publish(self._topic, json.dumps(event))
        return event
