"""Reading SES's delivery events (event publishing and identity notifications), one report per
recipient, and the suppression list in front of the mailer."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from civicdesk.domain.delivery import (
    DeliveryEventError,
    DeliveryStatus,
    Recipient,
    SuppressionReason,
    address_key,
    parse_delivery_events,
)
from civicdesk.domain.mail import OutgoingMail
from civicdesk.services.delivery import SuppressionCheckingMailer
from civicdesk.services.ports import RecipientSuppressed
from tests.support.fakes import FakeMailer

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"


def sample(name: str) -> str:
    return (SAMPLES / f"{name}.json").read_text(encoding="utf-8")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def test_a_permanent_bounce_is_a_hard_bounce_that_suppresses():
    [report] = parse_delivery_events(sample("bounce_permanent"))
    assert report.message_id == "0102019a3f6c2a12-4f6b3c1e-8a7d-4e2b-9c5d-1f3e6a7b8c9d-000000"
    assert report.address == "marko.petrovic@example.rs"  # lower case, whatever SES wrote
    assert report.status is DeliveryStatus.BOUNCED and report.event_type == "Bounce"
    assert report.hard_bounce and report.failed
    assert report.suppression is SuppressionReason.BOUNCE
    assert report.bounce_type == "Permanent" and report.bounce_subtype == "General"
    assert report.smtp_status == "5.1.1"
    assert "User unknown" in report.diagnostic
    assert report.feedback_id.startswith("0102019a3f6c2e41")
    assert report.at == utc("2026-11-21T09:30:02.412Z")  # when it bounced, not when it was sent


def test_a_transient_bounce_is_recorded_but_suppresses_nothing():
    [report] = parse_delivery_events(sample("bounce_transient"))
    assert report.status is DeliveryStatus.BOUNCED
    assert not report.hard_bounce and not report.failed and report.suppression is None
    assert report.bounce_subtype == "MailboxFull"


def test_a_complaint_suppresses_and_keeps_its_feedback_type():
    [report] = parse_delivery_events(sample("complaint"))
    assert report.status is DeliveryStatus.COMPLAINED
    assert report.suppression is SuppressionReason.COMPLAINT and not report.hard_bounce
    assert report.detail == "abuse"
    assert report.at == utc("2026-11-21T11:05:17.000Z")


def test_a_delivery_gives_one_report_per_recipient():
    reports = parse_delivery_events(sample("delivery"))
    assert [r.address for r in reports] == ["petar@example.rs", "mila@example.rs"]
    assert {r.status for r in reports} == {DeliveryStatus.DELIVERED}
    assert all(r.suppression is None and not r.failed for r in reports)
    assert reports[0].detail.startswith("250 2.0.0 OK")
    # Each recipient's report has its own stable key.
    assert reports[0].key != reports[1].key
    assert reports[0].key == parse_delivery_events(sample("delivery"))[0].key


def test_a_reject_concerns_every_destination_and_fails_without_suppressing():
    [report] = parse_delivery_events(sample("reject"))
    assert report.status is DeliveryStatus.REJECTED and report.detail == "Bad content"
    assert report.failed and report.suppression is None
    assert report.at == utc("2026-11-21T12:00:00.100Z")  # the mail's time: a reject has none


def test_a_delivery_delay_is_recorded_with_its_type():
    [report] = parse_delivery_events(sample("delivery_delay"))
    assert report.status is DeliveryStatus.DELAYED and report.event_type == "DeliveryDelay"
    assert report.detail == "TransientCommunicationFailure" and report.smtp_status == "4.4.1"
    assert not report.failed


def test_identity_notifications_read_like_event_publishing():
    [report] = parse_delivery_events(sample("notification_bounce"))
    assert report.event_type == "Bounce" and report.hard_bounce
    assert report.bounce_subtype == "Suppressed"


def test_an_sns_envelope_is_unwrapped_and_bytes_are_accepted():
    [report] = parse_delivery_events(sample("sns_notification_wrapped").encode("utf-8"))
    assert report.status is DeliveryStatus.COMPLAINED and report.message_id == "0102019a40c0-bb-000000"


@pytest.mark.parametrize("event_type", ["Send", "Open", "Click", "Rendering Failure", "Subscription",
                                        "AmazonSnsSubscriptionSucceeded"])
def test_events_that_say_nothing_about_delivery_give_no_report(event_type):
    assert parse_delivery_events({"eventType": event_type, "mail": {"messageId": "x"}}) == []


def broken(document: dict, path: str, value) -> dict:
    copy = json.loads(json.dumps(document))
    *parents, last = path.split(".")
    target = copy
    for name in parents:
        target = target[int(name)] if isinstance(target, list) else target[name]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return copy


BOUNCE = json.loads(sample("bounce_permanent"))


@pytest.mark.parametrize("body,message", [
    ("not json at all", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ({"mail": {"messageId": "x"}}, "neither eventType"),
    ({"eventType": "Bounced", "mail": {"messageId": "x"}}, "unknown event type"),
    (broken(BOUNCE, "mail", KeyError), "no mail object"),
    (broken(BOUNCE, "mail.messageId", KeyError), "no mail.messageId"),
    (broken(BOUNCE, "mail.messageId", "  "), "no mail.messageId"),
    (broken(BOUNCE, "bounce", KeyError), "without its 'bounce' object"),
    (broken(BOUNCE, "bounce.bounceType", KeyError), "bounceType missing"),
    (broken(BOUNCE, "bounce.bouncedRecipients", "x@y.rs"), "is not a list"),
    (broken(BOUNCE, "bounce.bouncedRecipients", []), "names no recipient"),
    (broken(BOUNCE, "bounce.bouncedRecipients.0.emailAddress", "nobody"), "is not an address"),
    (broken(BOUNCE, "bounce.timestamp", "yesterday"), "not a timestamp"),
    (broken(broken(BOUNCE, "bounce.timestamp", KeyError), "mail.timestamp", KeyError), "no bounce.timestamp"),
])
def test_malformed_events_fail_with_a_clear_error(body, message):
    with pytest.raises(DeliveryEventError, match=message):
        parse_delivery_events(body)


def test_a_recipient_is_not_suppressed_again_by_a_report_older_than_a_lift():
    [bounce] = parse_delivery_events(sample("bounce_permanent"))
    assert Recipient(bounce.address, {}).suppresses_after(bounce)
    lifted_later = Recipient(bounce.address, {}, lifted_at=utc("2026-11-21T10:00:00Z"))
    assert not lifted_later.suppresses_after(bounce)
    lifted_before = Recipient(bounce.address, {}, lifted_at=utc("2026-11-21T09:00:00Z"))
    assert lifted_before.suppresses_after(bounce)


def test_the_address_key_ignores_case_and_hides_the_address():
    key = address_key("Marko.Petrovic@Example.rs")
    assert key == address_key("marko.petrovic@example.rs") and len(key) == 32
    assert "marko" not in key


# -- the suppression list in front of the mailer ------------------------------------------------

class ListedAddresses:
    def __init__(self, listed: dict[str, str]):
        self.listed = listed
        self.lookups: list[tuple[str, ...]] = []

    def suppressed(self, addresses):
        addresses = tuple(addresses)
        self.lookups.append(addresses)
        return {a.lower(): self.listed[a.lower()] for a in addresses if a.lower() in self.listed}


def mail(*to: str) -> OutgoingMail:
    return OutgoingMail("kjs@demo.civicdesk.rs", "KJS", to, "[#2026-000001] Одговор", "Текст",
                        case_number="2026-000001", kind="reply")


def test_a_suppressed_address_is_not_mailed():
    outbox, listed = FakeMailer(), ListedAddresses({"gone@example.rs": "complaint"})
    mailer = SuppressionCheckingMailer(outbox, listed)
    with pytest.raises(RecipientSuppressed) as refused:
        mailer.send(mail("Gone@example.rs"))
    assert (refused.value.address, refused.value.reason) == ("gone@example.rs", "complaint")
    assert outbox.outbox == []
    assert listed.lookups == [("Gone@example.rs",)]  # one look-up per mail


def test_other_addresses_are_mailed_without_the_suppressed_one():
    outbox = FakeMailer()
    mailer = SuppressionCheckingMailer(outbox, ListedAddresses({"gone@example.rs": "bounce"}))
    message_id = mailer.send(mail("ok@example.rs", "gone@example.rs"))
    [sent] = outbox.outbox
    assert sent.to == ("ok@example.rs",) and message_id


def test_an_address_not_listed_is_mailed_unchanged():
    outbox = FakeMailer()
    SuppressionCheckingMailer(outbox, ListedAddresses({})).send(mail("ok@example.rs"))
    assert outbox.outbox == [mail("ok@example.rs")]
