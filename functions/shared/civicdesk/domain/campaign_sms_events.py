"""SMS delivery events, as the SMS service publishes them to the stack's topic: AWS End User
Messaging SMS's event destination (``eventType`` ``TEXT_DELIVERED``, ``TEXT_BLOCKED``...), and
SNS's SMS delivery status (``{"notification": {"messageId"}, "status": "SUCCESS"}``).

Only the standard library; a record that cannot be read raises ``SmsEventError``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from msgspec import Struct


class SmsEventError(ValueError):
    """Not an SMS delivery event (not JSON, no message id)."""


#: End User Messaging's final event types -> delivered (``True``) or failed (``False``);
#: the others (``TEXT_QUEUED``, ``TEXT_PENDING``, ``TEXT_SUCCESSFUL``: handed to the carrier)
#: say nothing final and are ignored.
END_USER_MESSAGING = {
    "TEXT_DELIVERED": True,
    "TEXT_BLOCKED": False, "TEXT_CARRIER_BLOCKED": False, "TEXT_CARRIER_UNREACHABLE": False,
    "TEXT_INVALID": False, "TEXT_INVALID_MESSAGE": False, "TEXT_SPAM": False,
    "TEXT_TTL_EXPIRED": False, "TEXT_UNREACHABLE": False, "TEXT_UNKNOWN": False,
    "TEXT_PROTECT_BLOCKED": False, "TEXT_OPTED_OUT": False,
}


class SmsDeliveryEvent(Struct, frozen=True):
    message_id: str
    delivered: bool
    at: datetime
    detail: str


def parse_sms_event(body: str | bytes | dict) -> SmsDeliveryEvent | None:
    """The event's final outcome, ``None`` for one that is not final.

    >>> e = parse_sms_event('{"eventType": "TEXT_CARRIER_UNREACHABLE", "messageId": "m1", '
    ...                     '"eventTimestamp": 1764590400000}')
    >>> e.message_id, e.delivered, e.at.isoformat(), e.detail
    ('m1', False, '2025-12-01T12:00:00+00:00', 'TEXT_CARRIER_UNREACHABLE')
    >>> parse_sms_event({"notification": {"messageId": "m2", "timestamp": "2026-12-01 11:00:00.100"},
    ...                  "delivery": {"providerResponse": "Phone is currently unreachable"},
    ...                  "status": "FAILURE"}).detail
    'Phone is currently unreachable'
    >>> parse_sms_event('{"eventType": "TEXT_PENDING", "messageId": "m3"}') is None
    True
    """
    document = _document(body)
    if "eventType" in document:
        kind = str(document["eventType"])
        if kind not in END_USER_MESSAGING:
            return None
        message_id = document.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise SmsEventError("no messageId")
        stamp = document.get("eventTimestamp")
        at = datetime.fromtimestamp(stamp / 1000, timezone.utc) if isinstance(stamp, (int, float)) \
            else datetime.now(timezone.utc)
        detail = str(document.get("messageStatusDescription") or kind)[:300]
        return SmsDeliveryEvent(message_id, END_USER_MESSAGING[kind], at, detail)
    notification = document.get("notification")
    if isinstance(notification, dict) and document.get("status") in ("SUCCESS", "FAILURE"):
        message_id = notification.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise SmsEventError("no notification.messageId")
        at = _sns_time(notification.get("timestamp"))
        delivery = document.get("delivery")
        delivery = delivery if isinstance(delivery, dict) else {}
        detail = str(delivery.get("providerResponse") or document["status"])[:300]
        return SmsDeliveryEvent(message_id, document["status"] == "SUCCESS", at, detail)
    raise SmsEventError("neither an End User Messaging event nor an SNS delivery status")


def _document(body: str | bytes | dict) -> dict:
    if isinstance(body, dict):
        return body
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SmsEventError("not JSON") from None
    if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
        return _document(document["Message"])  # an SNS envelope (no raw delivery)
    if not isinstance(document, dict):
        raise SmsEventError("not a JSON object")
    return document


def _sns_time(value) -> datetime:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    except ValueError:
        return datetime.now(timezone.utc)
