"""DeliveryFeedbackService, SuppressionCheckingMailer and SuppressionAdmin with in-memory fakes:
no AWS, no sockets.

The feedback service gets recorded SES events (``tests/fixtures/ses/``) as the delivery events
queue hands them over; what it writes is read back from the in-memory repository (the case's
timeline, the recipient, the suppression list, the claim of the fallback SMS). The same
behaviours run through SNS, SQS and DynamoDB under moto in
``tests/functional/test_delivery_feedback.py``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.adapters.phones import LibPhoneNumbers
from civicdesk.api.commands import lift_suppression, page_query
from civicdesk.api.views import suppression_view, suppressions_view
from civicdesk.domain.cases import Case, CaseType, Channel, Contact, EventKind, Status
from civicdesk.domain.delivery import DeliveryEventError, SuppressionReason, address_key
from civicdesk.domain.errors import ForbiddenError, NotFoundError, UnauthorizedError, ValidationError
from civicdesk.domain.mail import OutgoingMail
from civicdesk.domain.policy import Principal, Role
from civicdesk.domain.sms import SmsDeliveryError, SmsFailure
from civicdesk.services.delivery import DeliveryFeedbackService, SuppressionAdmin, SuppressionCheckingMailer
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.ports import RecipientSuppressed
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import FakeMailer, InMemoryConfigRepository, tracking_links
from tests.support.notification_fakes import START, FakeClock, FakeSmsSender, InMemoryDeliveryRepository

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
CONFIG = load_config_dir(CONFIG_DIR)
NUMBER = "2026-000007"
REQUESTER = "marko.petrovic@example.rs"
MOBILE = "+381641234567"
MESSAGE_ID = "0102-reply-000001"
FALLBACK_EVENT = f"bounce/{MESSAGE_ID}"


def ses_event(name: str, message_id: str, address: str, at: datetime | None = None) -> dict:
    """The recorded SES sample ``name``, about ``message_id`` to ``address`` (at ``at``)."""
    event = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    event["mail"]["messageId"] = message_id
    event["mail"]["destination"] = [address]
    for section, key in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients"),
                         ("deliveryDelay", "delayedRecipients")):
        if section in event:
            for recipient in event[section][key]:
                recipient["emailAddress"] = address
    if "delivery" in event:
        event["delivery"]["recipients"] = [address]
    if at is not None:
        section = next(s for s in ("bounce", "complaint", "delivery", "deliveryDelay")
                       if s in event)
        event[section]["timestamp"] = at.isoformat().replace("+00:00", "Z")
    return event


def a_case(**changes) -> Case:
    values = dict(number=NUMBER, type=CaseType.REQUEST, channel=Channel.PHONE,
                  category="road_damage", department="roads_traffic",
                  description="Грађанин пита када ће бити поправљена рупа.", language="sr-Cyrl",
                  status=Status.IN_PROGRESS, public=False, created_at=START, updated_at=START,
                  token_hash="ab" * 32,
                  contact=Contact(name="Марко Петровић", email=REQUESTER, phone=MOBILE))
    values.update(changes)
    return Case(**values)


def staff(username: str, role: Role) -> Principal:
    return Principal(f"sub-{username}", username, frozenset({role}))


SUPERVISOR = staff("supervisor.zoran", Role.SUPERVISOR)
ADMINISTRATOR = staff("admin.ivana", Role.ADMINISTRATOR)
OPERATOR = staff("operator.vesna", Role.OPERATOR)
AGENT = Principal("sub-agent", "agent.roads", frozenset({Role.DEPARTMENT_AGENT}),
                  frozenset({"roads_traffic"}))


class SuppressionList:
    """The suppression list as the admin API's routes drive it: the edge builds the command
    from the request and shapes the answer, the service decides."""

    def __init__(self, admin: SuppressionAdmin):
        self._admin = admin

    def list(self, principal, params: dict) -> dict:
        return suppressions_view(self._admin.list(principal, page_query(params)))

    def lift(self, principal, address: str, payload: object) -> dict:
        return suppression_view(self._admin.lift(principal, lift_suppression(address, payload)))


@dataclass
class World:
    service: DeliveryFeedbackService
    admin: SuppressionList
    repo: InMemoryDeliveryRepository
    sms: FakeSmsSender
    clock: FakeClock

    def deliver(self, event: dict) -> list[str]:
        """The queue's message of ``event`` (raw delivery: the event is the body)."""
        return self.service.handle(json.dumps(event))

    def report_entries(self, number: str = NUMBER) -> list[dict]:
        return [e.data for e in self.repo.entries(number, EventKind.DELIVERY_REPORT)]

    def failures(self, number: str = NUMBER) -> list[dict]:
        return [e.data for e in self.repo.entries(number, EventKind.DELIVERY_FAILED)]


@pytest.fixture
def world() -> World:
    repo, sms, clock = InMemoryDeliveryRepository(), FakeSmsSender(), FakeClock()
    municipality = MunicipalityProvider(InMemoryConfigRepository(copy.deepcopy(CONFIG)))
    world = World(DeliveryFeedbackService(repo, repo, repo, repo, sms, municipality,
                                          phones=LibPhoneNumbers(), links=tracking_links(),
                                          clock=clock),
                  SuppressionList(SuppressionAdmin(repo, clock=clock)), repo, sms, clock)
    # GIVEN (for every test) a case whose reply to the requester was mailed
    repo.add_case(a_case())
    repo.mail_sent(MESSAGE_ID, NUMBER, "reply", REQUESTER)
    return world


# -- delivery reports --------------------------------------------------------------------------

def test_a_hard_bounce_is_recorded_suppresses_and_texts_the_requester(world):
    # WHEN SES reports that the reply bounced for good
    outcomes = world.deliver(ses_event("bounce_permanent", MESSAGE_ID, REQUESTER))
    # THEN the case records the report (internal) and the failed delivery
    assert outcomes == ["recorded"]
    [report] = world.repo.entries(NUMBER, EventKind.DELIVERY_REPORT)
    assert report.public is False and report.actor == "system:ses"
    assert report.data["status"] == "bounced" and report.data["to"] == REQUESTER
    assert report.data["message_id"] == MESSAGE_ID and report.data["kind"] == "reply"
    assert report.data["bounce_type"] == "Permanent" and report.data["suppressed"] == "bounce"
    assert "User unknown" in report.data["diagnostic"]
    [failed] = world.failures()
    assert failed["reason"] == "bounce" and failed["kind"] == "reply"
    # ... the address is suppressed, naming the message and the case that put it there
    recipient = world.repo.recipient(REQUESTER)
    assert recipient.suppression.reason is SuppressionReason.BOUNCE
    assert recipient.suppression.message_id == MESSAGE_ID
    assert recipient.suppression.case_number == NUMBER and recipient.counts["bounced"] == 1
    # ... and the requester is told by SMS that the mail did not arrive, recorded on the case
    [text] = world.sms.sent_to(MOBILE)
    assert NUMBER in text
    [sms] = world.repo.notifications(NUMBER)
    assert sms["channel"] == "sms" and sms["kind"] == "email_bounced"
    assert sms["cause"] == MESSAGE_ID and sms["email"] == REQUESTER
    assert world.repo.claim_state(NUMBER, FALLBACK_EVENT, "requester-sms") == "sent"


def test_a_repeated_bounce_is_recorded_once_and_texts_once(world):
    event = ses_event("bounce_permanent", MESSAGE_ID, REQUESTER)
    world.deliver(event)
    # WHEN SQS delivers the same message again
    again = world.deliver(event)
    # THEN nothing is counted, written or sent twice
    assert again == ["duplicate"]
    assert len(world.report_entries()) == 1 and len(world.failures()) == 1
    assert world.repo.recipient(REQUESTER).counts["bounced"] == 1
    assert len(world.sms.sent_to(MOBILE)) == 1
    assert len(world.repo.notifications(NUMBER)) == 1


def test_a_failed_fallback_sms_is_raised_released_and_sent_once_on_the_retry(world):
    event = ses_event("bounce_permanent", MESSAGE_ID, REQUESTER)
    world.sms.fail_with = SmsDeliveryError(SmsFailure.UNAVAILABLE, "InternalError")
    # WHEN SNS fails the first time
    with pytest.raises(SmsDeliveryError):
        world.deliver(event)
    # THEN the report is kept, the SMS's claim is free again for the retry
    assert len(world.report_entries()) == 1
    assert world.repo.claim_state(NUMBER, FALLBACK_EVENT, "requester-sms") == "failed"
    assert world.sms.outbox == []
    # WHEN the retry finds SNS working, and the message comes yet again
    world.sms.fail_with = None
    assert world.deliver(event) == ["duplicate"]
    world.deliver(event)
    # THEN one SMS, one notification entry, one report
    assert len(world.sms.sent_to(MOBILE)) == 1
    assert len(world.repo.notifications(NUMBER)) == 1
    assert len(world.report_entries()) == 1


def test_a_complaint_suppresses_without_an_sms(world):
    # WHEN
    world.deliver(ses_event("complaint", MESSAGE_ID, REQUESTER))
    # THEN
    assert world.repo.recipient(REQUESTER).suppression.reason is SuppressionReason.COMPLAINT
    [failed] = world.failures()
    assert failed["reason"] == "complaint"
    assert world.sms.outbox == [] and world.repo.notifications(NUMBER) == []


def test_a_transient_bounce_is_recorded_and_suppresses_nothing(world):
    # WHEN
    assert world.deliver(ses_event("bounce_transient", MESSAGE_ID, REQUESTER)) == ["recorded"]
    # THEN
    [report] = world.report_entries()
    assert report["status"] == "bounced" and report["bounce_type"] == "Transient"
    assert "suppressed" not in report
    assert world.failures() == [] and not world.repo.is_suppressed(REQUESTER)
    assert world.sms.outbox == []


def test_a_hard_bounce_of_a_requester_without_a_mobile_is_recorded_without_sms(world):
    # GIVEN a requester who left a fixed-line number only
    world.repo.add_case(a_case(contact=Contact(name="Марко", email=REQUESTER,
                                               phone="+381113234567")))
    # WHEN
    world.deliver(ses_event("bounce_permanent", MESSAGE_ID, REQUESTER))
    # THEN
    assert world.repo.is_suppressed(REQUESTER) and len(world.failures()) == 1
    assert world.sms.outbox == []
    assert world.repo.claim_state(NUMBER, FALLBACK_EVENT, "requester-sms") is None


def test_a_followers_bounce_keeps_the_address_off_the_case_and_fails_nothing(world):
    # GIVEN a notification mailed to a follower of the case
    follower = "pratilac@example.rs"
    world.repo.mail_sent("0102-follower-000001", NUMBER, "follower_update", follower)
    # WHEN it bounces for good
    world.deliver(ses_event("bounce_permanent", "0102-follower-000001", follower))
    # THEN the case notes the report under the recipient's key, not the address
    [report] = world.report_entries()
    assert follower not in json.dumps(report, ensure_ascii=False)
    assert report["recipient"] == address_key(follower)
    assert report["kind"] == "follower_update" and report["status"] == "bounced"
    # ... it is no failure of the case's correspondence, nobody is texted, the address is listed
    assert world.failures() == [] and world.sms.outbox == []
    assert world.repo.is_suppressed(follower)


def test_a_referred_bodys_bounce_is_a_failed_delivery_of_the_case_but_texts_nobody(world):
    # GIVEN the case referred to an outside body, who is a participant of it
    body = "inspekcija@example.rs"
    world.repo.add_case(a_case(participants=(body,)))
    world.repo.mail_sent("0102-referral-000001", NUMBER, "referral", body)
    # WHEN
    world.deliver(ses_event("bounce_permanent", "0102-referral-000001", body))
    # THEN
    [failed] = world.failures()
    assert failed["to"] == body and failed["kind"] == "referral"
    assert world.report_entries()[0]["to"] == body
    assert world.sms.outbox == []


def test_a_report_about_mail_of_no_known_case_is_kept_on_the_recipient_only(world):
    # WHEN
    outcomes = world.deliver(ses_event("bounce_permanent", "0102-unknown-000000",
                                       "nekome@example.rs"))
    # THEN
    assert outcomes == ["no_case"]
    recipient = world.repo.recipient("nekome@example.rs")
    assert recipient.counts["bounced"] == 1
    assert recipient.suppression.reason is SuppressionReason.BOUNCE
    assert recipient.suppression.case_number is None
    assert world.report_entries() == [] and world.sms.outbox == []


def test_a_delivery_is_counted_and_an_older_report_does_not_replace_the_latest(world):
    delivered_at = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
    # WHEN the delivery is reported, then (late) a delay that happened before it
    world.deliver(ses_event("delivery", MESSAGE_ID, REQUESTER, at=delivered_at))
    world.deliver(ses_event("delivery_delay", MESSAGE_ID, REQUESTER,
                            at=delivered_at - timedelta(minutes=30)))
    # THEN both are counted; the latest known state is still the delivery
    recipient = world.repo.recipient(REQUESTER)
    assert recipient.counts["delivered"] == 1 and recipient.counts["delayed"] == 1
    assert recipient.last_status.value == "delivered" and recipient.last_at == delivered_at
    assert recipient.last_case == NUMBER and recipient.last_message_id == MESSAGE_ID
    assert recipient.suppression is None
    assert [r["status"] for r in world.report_entries()] == ["delivered", "delayed"]


def test_a_late_repeat_of_a_bounce_does_not_undo_a_lift(world):
    # GIVEN a bounce, and staff who lifted the suppression afterwards
    bounced_at = START - timedelta(days=2)
    world.deliver(ses_event("bounce_permanent", MESSAGE_ID, REQUESTER, at=bounced_at))
    world.admin.lift(SUPERVISOR, REQUESTER, {"reason": "Адреса исправљена"})
    # WHEN the same old bounce comes in as SES reports another message's
    world.repo.mail_sent("0102-reply-000002", NUMBER, "reply", REQUESTER)
    world.deliver(ses_event("bounce_permanent", "0102-reply-000002", REQUESTER, at=bounced_at))
    # THEN it is counted, but it suppresses nothing now
    assert world.repo.recipient(REQUESTER).counts["bounced"] == 2
    assert not world.repo.is_suppressed(REQUESTER)


def test_an_unreadable_event_is_refused_and_records_nothing(world):
    with pytest.raises(DeliveryEventError):
        world.service.handle('{"eventType": "Bounce", "mail": {}}')
    assert world.repo.recipients == {} and world.report_entries() == []


# -- the mailer every sender gets ------------------------------------------------------------

def mail_to(*addresses: str) -> OutgoingMail:
    return OutgoingMail("kjs@demo.civicdesk.rs", "KJS", addresses, f"[#{NUMBER}] Одговор",
                        "Текст.", case_number=NUMBER, kind="reply")


def test_a_bounced_address_gets_no_more_mail_and_the_caller_learns_why(world):
    # GIVEN the requester's address bounced hard
    world.deliver(ses_event("bounce_permanent", MESSAGE_ID, REQUESTER))
    ses = FakeMailer()
    mailer = SuppressionCheckingMailer(ses, world.repo)
    # WHEN a sender mails it, however it writes the address
    with pytest.raises(RecipientSuppressed) as refused:
        mailer.send(mail_to("Marko.Petrovic@Example.RS"))
    # THEN nothing is sent, and the error names the address and the reason
    assert ses.outbox == []
    assert (refused.value.address, refused.value.reason) == (REQUESTER, "bounce")


def test_suppressed_recipients_are_left_out_and_the_others_still_get_the_mail(world):
    world.repo.suppress("gone@example.rs", SuppressionReason.COMPLAINT, START)
    ses = FakeMailer()
    # WHEN
    message_id = SuppressionCheckingMailer(ses, world.repo).send(
        mail_to("gone@example.rs", "ana@example.rs"))
    # THEN
    [sent] = ses.outbox
    assert sent.to == ("ana@example.rs",) and sent.subject == f"[#{NUMBER}] Одговор"
    assert message_id == "fake-1"


def test_mail_to_addresses_nobody_suppressed_goes_out_unchanged(world):
    ses = FakeMailer()
    mail = mail_to(REQUESTER)
    # WHEN
    assert SuppressionCheckingMailer(ses, world.repo).send(mail) == "fake-1"
    # THEN
    assert ses.outbox == [mail]


# -- the suppression list for staff --------------------------------------------------------------

@pytest.mark.parametrize("principal,error", [
    (None, UnauthorizedError), (OPERATOR, ForbiddenError), (AGENT, ForbiddenError)])
def test_only_supervisors_and_administrators_may_see_or_lift_the_list(world, principal, error):
    world.repo.suppress(REQUESTER, SuppressionReason.BOUNCE, START)
    # WHEN / THEN
    with pytest.raises(error):
        world.admin.list(principal, {})
    with pytest.raises(error):
        world.admin.lift(principal, REQUESTER, {"reason": "Грађанин је јавио исправну адресу"})
    assert world.repo.is_suppressed(REQUESTER)
    assert [i["address"] for i in world.admin.list(ADMINISTRATOR, {})["items"]] == [REQUESTER]


def test_the_list_pages_newest_suppression_first(world):
    # GIVEN three suppressed addresses, one a day
    for index in range(3):
        world.repo.suppress(f"page{index}@example.rs", SuppressionReason.BOUNCE,
                            START + timedelta(days=index), message_id=f"m-{index}",
                            case_number=NUMBER)
    # WHEN
    first = world.admin.list(SUPERVISOR, {"limit": "2"})
    second = world.admin.list(SUPERVISOR, {"limit": "2", "cursor": first["next_cursor"]})
    # THEN
    assert [i["address"] for i in first["items"]] == ["page2@example.rs", "page1@example.rs"]
    assert [i["address"] for i in second["items"]] == ["page0@example.rs"]
    assert second["next_cursor"] is None
    newest = first["items"][0]
    assert (newest["reason"], newest["message_id"], newest["case"]) == ("bounce", "m-2", NUMBER)
    assert newest["lifted_at"] is None


def test_lifting_a_suppression_records_who_and_why_and_mail_goes_out_again(world):
    # GIVEN the requester's address bounced
    world.deliver(ses_event("bounce_permanent", MESSAGE_ID, REQUESTER))
    world.clock.advance(days=1)
    # WHEN a supervisor lifts it, with a reason (and the address as it was typed)
    lifted = world.admin.lift(SUPERVISOR, " <Marko.Petrovic@Example.rs> ",
                              {"reason": "Грађанин је потврдио адресу телефоном"})
    # THEN the view says who lifted what, when and why
    assert lifted["address"] == REQUESTER and lifted["reason"] is None
    assert lifted["lifted_suppression"] == "bounce"
    assert lifted["lifted_by"] == "staff:supervisor.zoran"
    assert lifted["lift_reason"] == "Грађанин је потврдио адресу телефоном"
    assert lifted["lifted_at"].startswith("2026-11-24T08:00:00")
    assert lifted["counts"]["bounced"] == 1
    # ... the address is off the list, and the next mail goes out
    assert world.admin.list(SUPERVISOR, {})["items"] == []
    ses = FakeMailer()
    SuppressionCheckingMailer(ses, world.repo).send(mail_to(REQUESTER))
    assert len(ses.sent_to(REQUESTER)) == 1
    # ... and lifting it again finds nothing to lift
    with pytest.raises(NotFoundError):
        world.admin.lift(SUPERVISOR, REQUESTER, {"reason": "Још једном"})


def test_a_lift_needs_a_reason_and_a_real_address(world):
    world.repo.suppress(REQUESTER, SuppressionReason.BOUNCE, START)
    # WHEN no reason is given
    with pytest.raises(ValidationError) as missing:
        world.admin.lift(SUPERVISOR, REQUESTER, {})
    # THEN
    assert [(e.field, e.code) for e in missing.value.errors] == [("reason", "required")]
    # WHEN the address is not one
    with pytest.raises(ValidationError) as invalid:
        world.admin.lift(SUPERVISOR, "not-an-address", {"reason": "Исправљено"})
    # THEN
    assert [(e.field, e.code) for e in invalid.value.errors] == [("address", "invalid_email")]
    assert world.repo.is_suppressed(REQUESTER)
