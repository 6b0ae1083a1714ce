"""SES's event publishing, locally: the events a configuration set's event destination would
publish about each mail CivicDesk sends.

In AWS every mail goes out with ``MailConfigurationSet``; SES later publishes what happened to
it (delivered, bounced, complained) to the SNS topic of the set's event destination, whence it
reaches ``DeliveryFeedbackFunction``. moto (5.2.1) keeps configuration sets and their event
destinations but never publishes to them, so the runtime does:

* ``provision_configuration_sets`` and ``provision_event_destinations`` create the template's
  ``AWS::SES::ConfigurationSet`` and ``AWS::SES::ConfigurationSetEventDestination`` resources in
  moto (the functions send with the set's name; ``DescribeConfigurationSet`` shows both);
* ``SesEventPublisher.mail_sent`` is called by the outbox for every mail it captures and
  publishes, with the ``MessageId`` the sender got back, what SES's mailbox simulator would
  report: a permanent ``Bounce`` for ``bounce@simulator.amazonses.com`` (and
  ``suppressionlist@``), a ``Delivery`` and then a ``Complaint`` for
  ``complaint@simulator.amazonses.com``, a ``Delivery`` for every other address;
* ``SesEventPublisher.report`` makes any sent mail bounce, complain or be delivered after the fact
  (``POST /_local/ses-events {"id", "type"}``).

Only the event types a destination's ``MatchingEventTypes`` lists are published to it. moto does
not record which configuration set a mail was sent with; CivicDesk sends every mail with its one
set, so every captured mail counts as sent with each set that has a destination.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any, Callable, Iterable

from infra.local.template import Template

log = logging.getLogger("civicdesk.local")

CONFIGURATION_SET = "AWS::SES::ConfigurationSet"
EVENT_DESTINATION = "AWS::SES::ConfigurationSetEventDestination"
SIMULATOR_DOMAIN = "simulator.amazonses.com"
#: What ``POST /_local/ses-events`` accepts as ``type``, and SES's ``eventType`` of each.
REPORT_TYPES = {"delivery": "Delivery", "bounce": "Bounce", "complaint": "Complaint"}
#: ``MatchingEventTypes`` values (CloudFormation's spelling) of the event types published here.
_MATCHING = {"Delivery": "delivery", "Bounce": "bounce", "Complaint": "complaint"}


class SesEventError(ValueError):
    """A request the runtime cannot turn into an SES event (unknown mail, unknown type...)."""


@dataclass(frozen=True)
class EventDestination:
    """An event destination of a configuration set that publishes to an SNS topic."""

    configuration_set: str
    name: str
    topic_arn: str
    event_types: frozenset[str]  # MatchingEventTypes, lower-camel as in the template

    def wants(self, event_type: str) -> bool:
        return _MATCHING.get(event_type, event_type).lower() in {t.lower() for t in self.event_types}


def provision_configuration_sets(template: Template, ref: Callable[[str], str], client: Any,
                                 name_prefix: str) -> dict[str, str]:
    """Create each ``AWS::SES::ConfigurationSet`` (SES v1 API, which moto serves for both
    versions); ``{logical id: name}`` (what ``!Ref`` returns)."""
    created = {}
    for logical_id, resource in template.of_type(CONFIGURATION_SET).items():
        properties = resource.get("Properties") or {}
        name = properties.get("Name")
        name = str(template.resolve(name, ref)) if name is not None else f"{name_prefix}-{logical_id}"
        client.create_configuration_set(ConfigurationSet={"Name": name})
        created[logical_id] = name
    return created


def provision_event_destinations(template: Template, ref: Callable[[str], str],
                                 client: Any) -> list[EventDestination]:
    """Create each ``AWS::SES::ConfigurationSetEventDestination``; the enabled ones that publish
    to SNS are returned (other destinations -- CloudWatch, Firehose, EventBridge -- reach
    nothing locally and are skipped with a warning)."""
    destinations = []
    for logical_id, resource in template.of_type(EVENT_DESTINATION).items():
        properties = template.resolve_deep(resource.get("Properties") or {}, ref)
        definition = properties.get("EventDestination") or {}
        configuration_set = str(properties.get("ConfigurationSetName"))
        name = str(definition.get("Name") or logical_id)
        types = [str(t) for t in definition.get("MatchingEventTypes") or ()]
        sns = definition.get("SnsDestination") or {}
        request = {"Name": name, "Enabled": bool(definition.get("Enabled", True)),
                   "MatchingEventTypes": types}
        if sns.get("TopicARN"):
            request["SNSDestination"] = {"TopicARN": str(sns["TopicARN"])}
        client.create_configuration_set_event_destination(ConfigurationSetName=configuration_set,
                                                          EventDestination=request)
        if not sns.get("TopicARN"):
            log.warning("%s: only SNS event destinations publish locally; this one is skipped",
                        logical_id)
            continue
        if request["Enabled"]:
            destinations.append(EventDestination(configuration_set, name, str(sns["TopicARN"]),
                                                 frozenset(types)))
    return destinations


def simulated_outcome(address: str) -> str:
    """What SES's mailbox simulator does with ``address`` (``+label`` allowed): ``bounce``,
    ``complaint`` or ``delivery`` (every address outside the simulator is delivered).

    Examples
    --------
    >>> simulated_outcome("bounce+case-12@simulator.amazonses.com"), simulated_outcome("Petar@example.rs")
    ('bounce', 'delivery')
    >>> simulated_outcome("suppressionlist@simulator.amazonses.com")
    'bounce'
    """
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return "delivery"
    box = local.split("+", 1)[0]
    if box in ("bounce", "suppressionlist"):
        return "bounce"
    if box == "complaint":
        return "complaint"
    return "delivery"


def _ses_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ses_event(event_type: str, *, message_id: str, source: str, destinations: list[str],
              recipients: list[str], at: datetime, sent_at: datetime,
              configuration_set: str, subject: str = "", region: str = "eu-central-1",
              account_id: str = "123456789012") -> dict:
    """The JSON SES's event publishing sends to SNS for one event of one mail (the shape of
    "Examples of event data that Amazon SES publishes to Amazon SNS").

    Examples
    --------
    >>> at = datetime(2026, 11, 21, 9, 0, 1, tzinfo=timezone.utc)
    >>> event = ses_event("Bounce", message_id="0102-x", source="kjs@demo.rs",
    ...                   destinations=["bounce@simulator.amazonses.com"],
    ...                   recipients=["bounce@simulator.amazonses.com"], at=at, sent_at=at,
    ...                   configuration_set="civicdesk-mail")
    >>> event["eventType"], event["mail"]["messageId"], event["bounce"]["bounceType"]
    ('Bounce', '0102-x', 'Permanent')
    >>> event["bounce"]["bouncedRecipients"][0]["emailAddress"]
    'bounce@simulator.amazonses.com'
    """
    domain = source.rpartition("@")[2] or source
    mail = {
        "timestamp": _ses_time(sent_at), "source": source,
        "sourceArn": f"arn:aws:ses:{region}:{account_id}:identity/{domain}",
        "sendingAccountId": account_id, "messageId": message_id,
        "destination": list(destinations), "headersTruncated": False,
        "headers": [{"name": "From", "value": source},
                    {"name": "To", "value": ", ".join(destinations)},
                    {"name": "Subject", "value": subject}],
        "commonHeaders": {"from": [source], "to": list(destinations), "subject": subject,
                          "messageId": message_id},
        "tags": {"ses:configuration-set": [configuration_set],
                 "ses:source-ip": ["127.0.0.1"], "ses:from-domain": [domain],
                 "ses:caller-identity": ["civicdesk-local"]},
    }
    feedback_id = f"{message_id}-{uuid.uuid4()}-000000"
    if event_type == "Delivery":
        detail = {"delivery": {"timestamp": _ses_time(at), "processingTimeMillis": 120,
                               "recipients": list(recipients),
                               "smtpResponse": "250 2.6.0 Message received",
                               "reportingMTA": "a8-70.smtp-out.amazonses.com",
                               "remoteMtaIp": "127.0.0.1"}}
    elif event_type == "Bounce":
        detail = {"bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                             "bouncedRecipients": [{"emailAddress": r, "action": "failed",
                                                    "status": "5.1.1",
                                                    "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
                                                   for r in recipients],
                             "timestamp": _ses_time(at), "feedbackId": feedback_id,
                             "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com"}}
    elif event_type == "Complaint":
        detail = {"complaint": {"feedbackId": feedback_id, "complaintSubType": None,
                                "complainedRecipients": [{"emailAddress": r} for r in recipients],
                                "timestamp": _ses_time(at), "userAgent": "CivicDesk local runtime",
                                "complaintFeedbackType": "abuse",
                                "arrivalDate": _ses_time(at)}}
    else:
        raise SesEventError(f"no local SES event of type {event_type!r}")
    return {"eventType": event_type, "mail": mail, **detail}


@dataclass(frozen=True)
class SentMail:
    """What the publisher needs of a mail the outbox captured."""

    message_id: str
    source: str
    destinations: tuple[str, ...]
    subject: str = ""


def sent_mail(message_id: str, raw: bytes, destinations: Iterable[str]) -> SentMail:
    """The sender, recipients and subject of a captured mail (headers only are parsed)."""
    headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    sender = next((address for _, address in getaddresses([str(headers.get("From", ""))])
                   if address), "")
    recipients = tuple(dict.fromkeys(a.strip().lower() for a in destinations if a and a.strip()))
    return SentMail(message_id, sender, recipients, str(headers.get("Subject", "")))


class SesEventPublisher:
    """Publishes the SES events of sent mail to the event destinations' topics.

    ``publish(topic_arn, message)`` is SNS's ``Publish`` (the runtime passes a boto3 call
    against moto); ``clock`` gives the time of each event.
    """

    def __init__(self, destinations: list[EventDestination],
                 publish: Callable[[str, str], Any], *, region: str = "eu-central-1",
                 account_id: str = "123456789012",
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.destinations = list(destinations)
        self._publish = publish
        self._region = region
        self._account_id = account_id
        self._clock = clock
        self._sent_at: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def mail_sent(self, mail: SentMail) -> list[dict]:
        """What SES (its mailbox simulator for ``@simulator.amazonses.com``) reports about a
        mail just sent: one event per outcome, each listing its recipients. Returns them."""
        now = self._clock()
        with self._lock:
            self._sent_at[mail.message_id] = now
        by_outcome: dict[str, list[str]] = {}
        for address in mail.destinations:
            outcome = simulated_outcome(address)
            if outcome == "complaint":  # delivered first, then the recipient complains
                by_outcome.setdefault("delivery", []).append(address)
            by_outcome.setdefault(outcome, []).append(address)
        events = []
        for outcome in ("delivery", "bounce", "complaint"):
            if by_outcome.get(outcome):
                events += self._emit(REPORT_TYPES[outcome], mail, by_outcome[outcome], now)
        return events

    def report(self, mail: SentMail, event_type: str, recipient: str | None = None) -> list[dict]:
        """``POST /_local/ses-events``: SES reports ``event_type`` (``bounce``, ``complaint``
        or ``delivery``) about ``mail``, for ``recipient`` or every recipient."""
        if event_type not in REPORT_TYPES:
            raise SesEventError(f"type must be one of {', '.join(REPORT_TYPES)}")
        recipients = list(mail.destinations)
        if recipient is not None:
            recipient = recipient.strip().lower()
            if recipient not in recipients:
                raise SesEventError("that address is not a recipient of this mail")
            recipients = [recipient]
        if not recipients:
            raise SesEventError("the mail has no recipients")
        if not self.destinations:
            raise SesEventError("template.yaml declares no SNS event destination")
        return self._emit(REPORT_TYPES[event_type], mail, recipients, self._clock())

    def report_request(self, body: bytes, outbox_entries: list[dict]) -> dict:
        """``POST /_local/ses-events``: make a mail of the outbox (``Outbox.messages()``)
        bounce, complain or be delivered."""
        mail, event_type, recipient = parse_request(body)
        entry = next((e for e in outbox_entries if mail in (e["id"], e.get("message_id"))), None)
        if entry is None:
            raise LookupError(f"no mail {mail} in the outbox")
        return {"published": self.report(sent_mail_of_entry(entry), event_type, recipient)}

    def _emit(self, event_type: str, mail: SentMail, recipients: list[str],
              at: datetime) -> list[dict]:
        with self._lock:
            sent_at = self._sent_at.get(mail.message_id, at)
        published = []
        for destination in self.destinations:
            if not destination.wants(event_type):
                continue
            event = ses_event(event_type, message_id=mail.message_id, source=mail.source,
                              destinations=list(mail.destinations), recipients=recipients,
                              at=max(at, sent_at + timedelta(milliseconds=1)), sent_at=sent_at,
                              configuration_set=destination.configuration_set,
                              subject=mail.subject, region=self._region,
                              account_id=self._account_id)
            self._publish(destination.topic_arn, json.dumps(event, ensure_ascii=False))
            published.append(event)
        if published:
            log.info("SES %s of mail %s (%d recipient%s) published locally", event_type,
                     mail.message_id, len(recipients), "" if len(recipients) == 1 else "s")
        return published


_MESSAGE_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
_HEADER_ID = re.compile(r"^<[^<>\s@]{1,200}@[^<>\s@]{1,200}>$")


def parse_request(body: bytes) -> tuple[str, str, str | None]:
    """``(mail, type, recipient or None)`` of a ``POST /_local/ses-events`` body: the mail is
    named by ``id``, the outbox entry's id (SES's message id), or by ``message_id``, its
    ``Message-ID`` header as the outbox shows it (also SES's id, for older scripts).

    Examples
    --------
    >>> parse_request(b'{"id": "0102-a", "type": "bounce"}')
    ('0102-a', 'bounce', None)
    >>> parse_request(b'{"message_id": "<0102-a@demo.civicdesk.rs>", "type": "complaint"}')
    ('<0102-a@demo.civicdesk.rs>', 'complaint', None)
    >>> parse_request(b'{"id": "0102-a", "type": "open"}')
    Traceback (most recent call last):
    ...
    infra.local.ses_events.SesEventError: type must be one of delivery, bounce, complaint
    """
    try:
        request = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise SesEventError("the body must be JSON: {\"id\": ..., \"type\": ...}") from None
    if not isinstance(request, dict):
        raise SesEventError("the body must be a JSON object")
    mail = request.get("id", request.get("message_id"))
    event_type, recipient = request.get("type"), request.get("recipient")
    if not isinstance(mail, str) or not (_MESSAGE_ID.match(mail) or _HEADER_ID.match(mail)):
        raise SesEventError("id must be the id of a sent mail (see /_local/outbox)")
    if event_type not in REPORT_TYPES:
        raise SesEventError(f"type must be one of {', '.join(REPORT_TYPES)}")
    if recipient is not None and not isinstance(recipient, str):
        raise SesEventError("recipient must be an address")
    return mail, event_type, recipient


def sent_mail_of_entry(entry: dict) -> SentMail:
    """The ``SentMail`` of an outbox view entry (``Outbox.messages()``)."""
    sender = next((address for _, address in getaddresses([str(entry.get("from") or "")])
                   if address), "")
    recipients = tuple(dict.fromkeys(str(a).strip().lower() for a in entry.get("to") or ()))
    return SentMail(str(entry["id"]), sender, recipients, str(entry.get("subject") or ""))
