"""The carrier and AWS End User Messaging SMS, for ``make run``: ``POST /_local/sms`` with
``{"from", "to", "body"}`` texts the municipality's number.

The message is built from the recorded example of the service's two-way payload
(``inbound_sms_example.json``, the JSON End User Messaging publishes for an incoming SMS): its
fields replaced, a fresh ``inboundMessageId``, and published to the stack's ``InboundSmsTopic``,
so the real path runs (topic -> queue -> ``IngestSmsFunction``). The SMS CivicDesk sends back are
in the outbox like every SMS (``GET /_local/outbox``, ``channel: "sms"``).

Two-way MMS is not supported by End User Messaging, so a request with ``media`` is refused (400)
rather than pretended.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any, Callable

EXAMPLE = Path(__file__).with_name("inbound_sms_example.json")
#: The local stack's own number (``SmsOriginationNumbers``), the default ``to``.
LOCAL_NUMBER = "+381600000100"
MAX_BODY = 1600


class SmsCarrier:
    """Builds End User Messaging's inbound message and publishes it (``publish(topic_arn,
    message)`` is SNS's ``Publish``)."""

    def __init__(self, topic_arn: str, publish: Callable[[str, str], Any],
                 own_numbers: tuple[str, ...] = (LOCAL_NUMBER,)):
        self._topic_arn = topic_arn
        self._publish = publish
        self._own_numbers = own_numbers
        self._example = json.loads(EXAMPLE.read_text(encoding="utf-8"))

    def message(self, sender: str, recipient: str, body: str) -> dict:
        """The payload End User Messaging would publish for this SMS.

        >>> carrier = SmsCarrier("arn:aws:sns:eu-central-1:123456789012:t", lambda *a: None)
        >>> message = carrier.message("+381641234567", LOCAL_NUMBER, "Rupa")
        >>> message["originationNumber"], message["messageBody"], len(message)
        ('+381641234567', 'Rupa', 6)
        """
        message = copy.deepcopy(self._example)
        message.update({"originationNumber": sender, "destinationNumber": recipient,
                        "messageBody": body, "inboundMessageId": str(uuid.uuid4()),
                        "messageKeyword": "KEYWORD_LOCAL", "previousPublishedMessageId": ""})
        return message

    def request(self, raw: bytes) -> dict:
        """``POST /_local/sms``: validate, build, publish; ``ValueError`` for a bad request."""
        try:
            document = json.loads(raw or b"{}")
        except ValueError:
            raise ValueError("the body must be JSON: {\"from\", \"to\", \"body\"}") from None
        if not isinstance(document, dict):
            raise ValueError("the body must be a JSON object: {\"from\", \"to\", \"body\"}")
        if document.get("media"):
            raise ValueError("AWS End User Messaging SMS does not deliver incoming MMS "
                             "(two-way MMS is not supported): send the text alone")
        sender = document.get("from")
        recipient = document.get("to") or self._own_numbers[0]
        body = document.get("body")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > 20:
            raise ValueError("from must be the sender: +381641234567, a short code or a name")
        if not isinstance(recipient, str) or recipient not in self._own_numbers:
            raise ValueError(f"to must be the municipality's number: {', '.join(self._own_numbers)}")
        if not isinstance(body, str) or len(body) > MAX_BODY:
            raise ValueError(f"body must be the text, at most {MAX_BODY} characters")
        message = self.message(sender.strip(), recipient, body)
        self._publish(self._topic_arn, json.dumps(message, ensure_ascii=False))
        return {"published": message}
