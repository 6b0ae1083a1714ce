"""NotificationService with in-memory fakes: no AWS, no sockets.

Each test hands the service the SQS body of one domain event, as the notify queue would, and
looks at what left (mails, SMS) and what the case's partition records (claims, ``notification``
entries, subscriptions). The same behaviours run through the real pipeline under moto in
``tests/functional/test_notifications.py``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import timedelta

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.adapters.phones import LibPhoneNumbers
from civicdesk.domain.cases import Case, CaseType, Channel, Contact, EventKind, Status, TimelineEvent
from civicdesk.domain.events import CaseFacts, domain_event
from civicdesk.domain.sms import SmsDeliveryError, SmsFailure
from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState, subscription_id
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.notification_sending import CLAIM_LEASE
from civicdesk.services.notifications import InvalidEvent, NotificationFailed, NotificationService
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import FakeMetrics, InMemoryConfigRepository, tracking_links
from tests.support.follower_fakes import InMemoryAllowances
from tests.support.notification_fakes import (
    START,
    FakeClock,
    FakeSmsSender,
    FakeStaffDirectory,
    InMemoryNotificationRepository,
    SelectiveMailer,
)

CONFIG = load_config_dir(CONFIG_DIR)
PUBLIC_URL = "https://prijave.demo.rs"
NUMBER = "2026-000042"
REQUESTER = "petar@example.rs"
MOBILE = "+381641234567"
LANDLINE = "+381113234567"
ROADS_MAILBOX = "odeljenje.saobracaj@demo.civicdesk.rs"
PRIVATE_LINK = f"{PUBLIC_URL}/track.html?number={NUMBER}&token=secret-token&lang=sr-Latn"


@dataclass
class World:
    service: NotificationService
    repo: InMemoryNotificationRepository
    mailer: SelectiveMailer
    sms: FakeSmsSender
    directory: FakeStaffDirectory
    metrics: FakeMetrics
    clock: FakeClock

    def notify(self, entry: TimelineEvent):
        """Hand the service the notify queue's message about ``entry``."""
        case = self.repo.cases[entry.case_number]
        facts = CaseFacts(case.department, case.category, case.type.value, case.status.value,
                          case.public, case.language)
        return self.service.handle(json.dumps(domain_event(entry, facts).body()))

    def mails_to(self, address: str):
        return self.mailer.sent_to(address)


def make_world(config: dict = CONFIG) -> World:
    repo, mailer, sms = InMemoryNotificationRepository(), SelectiveMailer(), FakeSmsSender()
    directory, metrics, clock = FakeStaffDirectory(), FakeMetrics(), FakeClock()
    municipality = MunicipalityProvider(InMemoryConfigRepository(copy.deepcopy(config)))
    service = NotificationService(repo, repo, repo, municipality, mailer, sms, directory, metrics,
                                  PUBLIC_URL, phones=LibPhoneNumbers(),
                                  links=tracking_links(PUBLIC_URL), allowances=InMemoryAllowances(),
                                  clock=clock)
    return World(service, repo, mailer, sms, directory, metrics, clock)


@pytest.fixture
def world() -> World:
    return make_world()


def a_case(**changes) -> Case:
    values = dict(number=NUMBER, type=CaseType.SIGNAL, channel=Channel.WEB,
                  category="road_damage", department="roads_traffic",
                  description="Velika rupa na kolovozu u Ulici Vuka Karadžića 5.",
                  language="sr-Latn", status=Status.IN_PROGRESS, public=True, created_at=START,
                  updated_at=START, token_hash="ab" * 32,
                  contact=Contact(name="Petar Petrović", email=REQUESTER))
    values.update(changes)
    return Case(**values)


def opened(channel: str = "web", actor: str = "citizen:web") -> TimelineEvent:
    return TimelineEvent(NUMBER, START, EventKind.CASE_OPENED, actor, True,
                         {"channel": channel, "department": "roads_traffic", "status": "new"})


def status_change(status: str, previous: str = "new", message: str | None = None,
                  minutes: int = 10) -> TimelineEvent:
    data = {"status": status, "from": previous, "reason": "Radovi"}
    if message:
        data["public_text"] = message
    return TimelineEvent(NUMBER, START + timedelta(minutes=minutes), EventKind.STATUS_CHANGED,
                         "staff:agent.roads", True, data)


def requester_subscription(state: SubscriptionState) -> Subscription:
    return Subscription(NUMBER, REQUESTER, SubscriptionRole.REQUESTER, "sr-Latn", state,
                        "requester-token", START)


def event_id(entry: TimelineEvent) -> str:
    return f"{entry.case_number}/{entry.event_id}"


def states(outcomes) -> dict[str, str]:
    return {o.key: o.state for o in outcomes}


# -- the confirmation --------------------------------------------------------------------------

def test_a_web_case_is_confirmed_with_its_private_link_and_its_department_told(world):
    # GIVEN a case opened through the form, its tracking link kept for the confirmation
    entry = opened()
    world.repo.add_case(a_case(status=Status.NEW), entry, pending_link=PRIVATE_LINK)
    # WHEN the notify function receives case.opened
    outcomes = world.notify(entry)
    # THEN the requester has the confirmation, threaded into the case, with the private link
    assert states(outcomes) == {"requester": "sent", "department:roads_traffic": "sent"}
    [mail] = world.mails_to(REQUESTER)
    assert mail.subject.startswith(f"[#{NUMBER}] ")
    assert PRIVATE_LINK in mail.text
    assert f"+{NUMBER}." in mail.reply_to
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in mail.headers  # a required mail: no way out of it
    assert len(world.mails_to(ROADS_MAILBOX)) == 1
    # ... the link's token is forgotten once sent, and both messages are on the timeline
    assert NUMBER not in world.repo.pending_links
    assert {(n["audience"], n["kind"], n["outcome"]) for n in world.repo.notifications(NUMBER)} == {
        ("requester", "confirmation", "sent"), ("department", "routed", "sent")}
    # ... and the requester got no subscription for a mail they cannot unsubscribe from
    assert world.repo.subscriptions == {}


def test_the_same_event_delivered_twice_sends_each_message_once(world):
    # GIVEN a confirmation already sent for case.opened
    entry = opened()
    world.repo.add_case(a_case(status=Status.NEW), entry, pending_link=PRIVATE_LINK)
    world.notify(entry)
    # WHEN the stream or SQS delivers the same event again
    again = world.notify(entry)
    # THEN nothing goes out a second time, and nothing more is recorded
    assert states(again) == {"requester": "duplicate", "department:roads_traffic": "duplicate"}
    assert len(world.mails_to(REQUESTER)) == 1 and len(world.mails_to(ROADS_MAILBOX)) == 1
    assert len(world.repo.notifications(NUMBER)) == 2


def test_a_case_with_only_a_mobile_number_is_confirmed_by_sms(world):
    # GIVEN an operator's case of a caller who left only a mobile number
    entry = opened(channel="phone", actor="staff:operator.ana")
    world.repo.add_case(a_case(channel=Channel.PHONE, status=Status.NEW,
                               contact=Contact(name="Milan", phone=MOBILE)), entry)
    # WHEN
    outcomes = world.notify(entry)
    # THEN the confirmation is an SMS naming the case, recorded with the number it went to
    [requester] = [o for o in outcomes if o.key == "requester"]
    assert (requester.state, requester.channel) == ("sent", "sms")
    [text] = world.sms.sent_to(MOBILE)
    assert NUMBER in text
    [recorded] = [n for n in world.repo.notifications(NUMBER) if n["audience"] == "requester"]
    assert recorded["channel"] == "sms" and recorded["recipient"] == MOBILE
    assert world.mailer.outbox == world.mails_to(ROADS_MAILBOX)  # no mail but the department's


def test_a_landline_only_requester_is_not_texted_and_nothing_is_retried(world):
    # GIVEN a caller who left a fixed-line number only
    entry = opened(channel="phone", actor="staff:operator.ana")
    world.repo.add_case(a_case(channel=Channel.PHONE, status=Status.NEW,
                               contact=Contact(name="Milan", phone=LANDLINE)), entry)
    # WHEN
    outcomes = world.notify(entry)
    # THEN the requester cannot be reached, which is no failure; the department still hears
    assert states(outcomes) == {"requester": "no_address", "department:roads_traffic": "sent"}
    assert world.sms.outbox == []


def test_a_department_without_a_mailbox_is_skipped(world):
    # GIVEN a municipality whose roads department has no e-mail address
    config = copy.deepcopy(CONFIG)
    for department in config["departments"]:
        if department["id"] == "roads_traffic":
            department["email"] = None
    world = make_world(config)
    entry = opened()
    world.repo.add_case(a_case(status=Status.NEW), entry, pending_link=PRIVATE_LINK)
    # WHEN
    outcomes = world.notify(entry)
    # THEN
    assert states(outcomes)["department:roads_traffic"] == "no_address"
    assert world.mails_to(ROADS_MAILBOX) == []
    assert len(world.mails_to(REQUESTER)) == 1


# -- at most once: claims, failures, retries -------------------------------------------------

def test_a_failed_send_releases_its_claim_and_the_retry_sends_it_once(world):
    # GIVEN a resolved case with a follower, and SES unreachable for the requester's mail
    change = status_change("resolved", "in_progress", "Rupa je sanirana.")
    world.repo.add_case(a_case(), change)
    world.repo.add_subscription(Subscription(NUMBER, "komsija@example.rs",
                                             SubscriptionRole.FOLLOWER, "sr-Latn",
                                             SubscriptionState.CONFIRMED, "f-token", START))
    world.mailer.fail_next_to(REQUESTER, ConnectionError("SES endpoint unreachable"))
    # WHEN the first attempt fails
    with pytest.raises(NotificationFailed, match="requester: ConnectionError"):
        world.notify(change)
    # THEN the follower was told anyway, the requester's claim is free again, the failure counted
    assert world.mails_to(REQUESTER) == []
    assert len(world.mails_to("komsija@example.rs")) == 1
    assert world.repo.claim_state(NUMBER, event_id(change), "requester") == "failed"
    assert world.metrics.mail_failures == ["notify_resolved"]
    # WHEN the message comes back after its visibility timeout, twice
    retry = world.notify(change)
    world.notify(change)
    # THEN each recipient has exactly one mail
    assert states(retry)["requester"] == "sent"
    assert len(world.mails_to(REQUESTER)) == 1 and len(world.mails_to("komsija@example.rs")) == 1
    assert sorted(n["audience"] for n in world.repo.notifications(NUMBER)) == ["follower",
                                                                              "requester"]


def test_a_failed_sms_is_released_and_sent_on_the_retry(world):
    # GIVEN a mobile-only requester and SNS failing once
    entry = opened(channel="phone", actor="staff:operator.ana")
    world.repo.add_case(a_case(channel=Channel.PHONE, status=Status.NEW,
                               contact=Contact(name="Milan", phone=MOBILE)), entry)
    world.sms.fail_with = SmsDeliveryError(SmsFailure.UNAVAILABLE, "InternalError")
    with pytest.raises(NotificationFailed):
        world.notify(entry)
    assert world.repo.claim_state(NUMBER, event_id(entry), "requester") == "failed"
    # WHEN SNS works again and the event is retried
    world.sms.fail_with = None
    world.notify(entry)
    world.notify(entry)
    # THEN one SMS
    assert len(world.sms.sent_to(MOBILE)) == 1


def test_a_claim_left_sending_past_its_lease_is_recorded_uncertain_and_not_resent(world):
    # GIVEN the claim of an invocation that died while sending, ten minutes ago
    change = status_change("in_progress")
    world.repo.add_case(a_case(), change)
    world.repo.left_sending(NUMBER, event_id(change), "requester",
                            world.clock() - timedelta(minutes=10))
    # WHEN the event is delivered again
    outcomes = world.notify(change)
    # THEN the message may have left: it is not sent again, and the timeline says so
    assert states(outcomes) == {"requester": "uncertain"}
    assert world.mails_to(REQUESTER) == []
    [recorded] = world.repo.notifications(NUMBER)
    assert recorded["outcome"] == "uncertain" and recorded["kind"] == "status_changed"
    assert world.repo.claim_state(NUMBER, event_id(change), "requester") == "uncertain"


def test_a_claim_still_within_its_lease_is_retried_later_then_recorded_uncertain(world):
    # GIVEN another invocation claimed the requester's message a minute ago
    change = status_change("in_progress")
    world.repo.add_case(a_case(), change)
    world.repo.left_sending(NUMBER, event_id(change), "requester",
                            world.clock() - timedelta(minutes=1))
    # WHEN the event arrives while that invocation may still be sending
    with pytest.raises(NotificationFailed, match="requester: NotificationFailed"):
        world.notify(change)
    # THEN nothing is sent nor recorded: the message is retried later
    assert world.mails_to(REQUESTER) == [] and world.repo.notifications(NUMBER) == []
    # WHEN the retry comes after the lease ran out
    world.clock.advance(seconds=CLAIM_LEASE.total_seconds())
    outcomes = world.notify(change)
    # THEN
    assert states(outcomes) == {"requester": "uncertain"}
    assert world.mails_to(REQUESTER) == []


# -- the requester's progress mails and unsubscribing -----------------------------------------

def test_a_progress_mail_creates_the_requesters_subscription_and_carries_its_unsubscribe_link(
        world):
    # GIVEN a case whose requester wrote in by mail (so answers thread into their message)
    incoming = TimelineEvent(NUMBER, START, EventKind.MESSAGE_IN, f"citizen:email:{REQUESTER}",
                             False, {"message_id": "citizen-1@example.rs"})
    first = status_change("in_progress", minutes=10)
    second = status_change("in_progress", "waiting_for_citizen", minutes=20)
    world.repo.add_case(a_case(channel=Channel.EMAIL, mailbox="kjs@demo.civicdesk.rs"),
                        incoming, first, second)
    # WHEN two optional status changes are notified
    world.notify(first)
    world.notify(second)
    # THEN the requester has a confirmed subscription, created once, named in both mails
    subscription = world.repo.subscription_of(NUMBER, subscription_id(REQUESTER))
    assert subscription.role is SubscriptionRole.REQUESTER and subscription.active
    mails = world.mails_to(REQUESTER)
    assert len(mails) == 2
    for mail in mails:
        assert mail.headers["List-Unsubscribe"] == (
            f"<{PUBLIC_URL}/v1/public/cases/{NUMBER}/subscriptions/{subscription.id}"
            f"/unsubscribe?token={subscription.token}>")
        assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "subscription.html?action=unsubscribe" in mail.text
        # ... threaded into the citizen's conversation, from the case's mailbox
        assert mail.headers["In-Reply-To"] == "<citizen-1@example.rs>"
        assert mail.sender == "kjs@demo.civicdesk.rs"
        assert mail.reply_to.startswith(f"kjs+{NUMBER}.")


def test_the_officials_message_reaches_the_requester_and_the_message_id_is_kept(world):
    change = status_change("in_progress", message="Ekipa izlazi na teren sutra ujutru.")
    world.repo.add_case(a_case(), change)
    # WHEN
    [outcome] = world.notify(change)
    # THEN
    [mail] = world.mails_to(REQUESTER)
    assert "Ekipa izlazi na teren sutra ujutru." in mail.text
    assert mail.kind == "notify_status_changed" and mail.case_number == NUMBER
    # ... the Message-ID is kept, so that replies thread and delivery reports find the case
    assert world.repo.message_origins[outcome.message_id] == (NUMBER, "notify_status_changed",
                                                              REQUESTER)
    [recorded] = world.repo.notifications(NUMBER)
    assert recorded["message_id"] == outcome.message_id and recorded["recipient"] == REQUESTER


def test_an_unsubscribed_requester_gets_only_the_mails_they_must_get(world):
    # GIVEN a requester who unsubscribed from their case's news
    optional = status_change("in_progress", "waiting_for_citizen", minutes=10)
    question = status_change("waiting_for_citizen", "in_progress", "Pošaljite fotografiju.",
                             minutes=20)
    outcome = status_change("resolved", "in_progress", minutes=30)
    world.repo.add_case(a_case(), optional, question, outcome)
    world.repo.add_subscription(requester_subscription(SubscriptionState.UNSUBSCRIBED))
    # WHEN an optional change, a question to answer, and the outcome are notified
    skipped = world.notify(optional)
    world.notify(question)
    world.notify(outcome)
    # THEN only the question and the outcome are mailed, neither with an unsubscribe link
    assert states(skipped) == {"requester": "unsubscribed"}
    mails = world.mails_to(REQUESTER)
    assert len(mails) == 2
    assert "Pošaljite fotografiju." in mails[0].text
    assert all("List-Unsubscribe" not in m.headers for m in mails)
    assert all("action=unsubscribe" not in m.text for m in mails)
    assert [n["kind"] for n in world.repo.notifications(NUMBER)] == ["status_changed", "resolved"]


def test_a_follow_request_for_the_requesters_own_address_does_not_undo_their_unsubscribe(world):
    # GIVEN the requester's ended subscription made pending again by someone's follow request
    change = status_change("in_progress")
    world.repo.add_case(a_case(), change)
    world.repo.add_subscription(requester_subscription(SubscriptionState.PENDING))
    # WHEN
    outcomes = world.notify(change)
    # THEN
    assert states(outcomes) == {"requester": "unsubscribed"}
    assert world.mails_to(REQUESTER) == []


# -- falling back to SMS -------------------------------------------------------------------------

def test_a_suppressed_address_with_a_mobile_number_is_told_by_sms(world):
    # GIVEN the requester's address is on the suppression list, and they gave a mobile number
    change = status_change("resolved", "in_progress", "Rupa je sanirana.")
    world.repo.add_case(a_case(contact=Contact(name="Petar", email=REQUESTER, phone=MOBILE)),
                        change)
    world.mailer.suppress(REQUESTER, "bounce")
    # WHEN
    [outcome] = world.notify(change)
    # THEN no mail went; the news went by SMS, recorded as sent to the number
    assert (outcome.state, outcome.channel) == ("sent", "sms")
    assert world.mailer.outbox == []
    [text] = world.sms.sent_to(MOBILE)
    assert NUMBER in text
    [recorded] = world.repo.notifications(NUMBER)
    assert (recorded["channel"], recorded["outcome"], recorded["recipient"]) == (
        "sms", "sent", MOBILE)
    assert world.repo.message_origins == {}  # an SMS id threads no mail


def test_a_suppressed_address_without_a_phone_is_recorded_and_not_retried(world):
    # GIVEN a suppressed requester address and no phone number
    entry = opened()
    world.repo.add_case(a_case(status=Status.NEW), entry, pending_link=PRIVATE_LINK)
    world.mailer.suppress(REQUESTER, "complaint")
    # WHEN the event is delivered, and again
    first = world.notify(entry)
    again = world.notify(entry)
    # THEN the mail is recorded as suppressed (no failure, so no retry), once
    assert states(first)["requester"] == "suppressed"
    assert states(again)["requester"] == "duplicate"
    assert world.mails_to(REQUESTER) == [] and world.sms.outbox == []
    [recorded] = [n for n in world.repo.notifications(NUMBER) if n["audience"] == "requester"]
    assert recorded["outcome"] == "suppressed" and recorded["channel"] == "email"
    # ... and the link was not sent, so it is still kept
    assert world.repo.pending_links[NUMBER] == PRIVATE_LINK
    assert world.metrics.mail_failures == []


# -- followers -----------------------------------------------------------------------------------

def test_a_follower_hears_the_change_without_anyones_personal_data(world):
    # GIVEN a confirmed follower of a public case
    change = status_change("in_progress", message=(
        "Poštovani Petar Petrović, ekipa dolazi. Pozovite 064 987 6543."))
    world.repo.add_case(a_case(), change)
    follower = world.repo.add_subscription(Subscription(
        NUMBER, "komsija@example.rs", SubscriptionRole.FOLLOWER, "sr-Latn",
        SubscriptionState.CONFIRMED, "f-token", START, confirmed_at=START))
    # WHEN
    outcomes = world.notify(change)
    # THEN the follower's mail keeps the news and drops the names and numbers
    assert states(outcomes)[f"follower:{follower.id}"] == "sent"
    [mail] = world.mails_to("komsija@example.rs")
    assert "ekipa dolazi" in mail.text
    assert "Petar" not in mail.text and "Petrović" not in mail.text
    assert "064 987 6543" not in mail.text and REQUESTER not in mail.text
    assert mail.reply_to is None and "List-Unsubscribe" in mail.headers
    # ... the requester's own mail has the official's message as written
    assert "Pozovite 064 987 6543" in world.mails_to(REQUESTER)[0].text
    # ... and the timeline names the follower's subscription, never the address
    [recorded] = [n for n in world.repo.notifications(NUMBER) if n["audience"] == "follower"]
    assert recorded["recipient"] == f"follower {follower.id[:8]}"
    assert "komsija" not in json.dumps(recorded)


# -- staff ---------------------------------------------------------------------------------------

def assignment(assignee: str, actor: str) -> TimelineEvent:
    return TimelineEvent(NUMBER, START + timedelta(minutes=5), EventKind.ASSIGNED, actor, False,
                         {"assignee": assignee, "previous": ""})


def test_an_assignment_mails_the_assignee_but_taking_a_case_oneself_does_not(world):
    # GIVEN
    world.directory.add("agent.roads", "department_agent", name="Ana Agent")
    world.directory.add("supervisor.mira", "supervisor", name="Mira Supervisor")
    given, taken = (assignment("agent.roads", "staff:supervisor.mira"),
                    assignment("agent.roads", "staff:agent.roads"))
    world.repo.add_case(a_case(), given, taken)
    # WHEN a supervisor assigns the case, and later the agent takes it themselves
    outcomes = world.notify(given)
    world.notify(taken)
    # THEN one mail, to the assignee, naming who assigned it; no citizen link in a staff mail
    assert states(outcomes) == {"staff:agent.roads": "sent"}
    [mail] = world.mails_to("agent.roads@demo.civicdesk.rs")
    assert NUMBER in mail.subject and "Mira Supervisor" in mail.text
    assert PUBLIC_URL not in mail.text
    [recorded] = world.repo.notifications(NUMBER)
    assert recorded["recipient"] == "agent.roads" and recorded["audience"] == "assignee"


def test_a_disabled_assignee_is_not_mailed(world):
    world.directory.add("agent.gone", "department_agent", enabled=False)
    entry = assignment("agent.gone", "staff:supervisor.mira")
    world.repo.add_case(a_case(), entry)
    # WHEN
    outcomes = world.notify(entry)
    # THEN
    assert states(outcomes) == {"staff:agent.gone": "no_address"}
    assert world.mailer.outbox == []


def test_an_escalation_mails_every_enabled_supervisor_and_looks_up_the_actor_once(world):
    # GIVEN two supervisors on duty, one disabled, and an agent who escalates
    for username in ("supervisor.mira", "supervisor.vuk"):
        world.directory.add(username, "supervisor")
    world.directory.add("supervisor.old", "supervisor", enabled=False)
    world.directory.add("agent.roads", "department_agent", name="Ana Agent")
    entry = TimelineEvent(NUMBER, START + timedelta(hours=1), EventKind.ESCALATED,
                          "staff:agent.roads", False,
                          {"reason": "Izvođač ne odgovara dve nedelje.", "level": 1})
    world.repo.add_case(a_case(), entry)
    # WHEN
    outcomes = world.notify(entry)
    # THEN each enabled supervisor has one mail with the reason and who escalated
    assert states(outcomes) == {"staff:supervisor.mira": "sent", "staff:supervisor.vuk": "sent"}
    for supervisor in ("supervisor.mira", "supervisor.vuk"):
        [mail] = world.mails_to(f"{supervisor}@demo.civicdesk.rs")
        assert "Izvođač ne odgovara dve nedelje." in mail.text and "Ana Agent" in mail.text
    assert world.mails_to("supervisor.old@demo.civicdesk.rs") == []
    assert world.directory.lookups == ["agent.roads"]  # once for both mails


# -- what is not notified ------------------------------------------------------------------------

def test_events_nobody_is_told_of_and_events_of_unknown_cases_send_nothing(world):
    # GIVEN an internal note (no one is told) and a status change of a case that is gone
    note = TimelineEvent(NUMBER, START, EventKind.NOTE, "staff:agent.roads", False, {"text": "x"})
    world.repo.add_case(a_case(), note)
    assert world.notify(note) == []
    assert world.repo.context_reads == 0  # not even read
    change = status_change("in_progress")
    world.repo.add_entry(change)
    del world.repo.cases[NUMBER]
    body = json.dumps({"schema_version": "1", "id": event_id(change),
                       "type": "case.status_changed", "case": {"number": NUMBER}})
    # WHEN / THEN
    assert world.service.handle(body) == []
    assert world.mailer.outbox == [] and world.repo.notifications(NUMBER) == []


def test_a_message_that_is_not_a_domain_event_is_refused(world):
    with pytest.raises(InvalidEvent):
        world.service.handle(json.dumps({"schema_version": "2", "id": f"{NUMBER}/abc",
                                         "type": "case.opened", "case": {"number": NUMBER}}))
    with pytest.raises(InvalidEvent):
        world.service.handle("not json")


# -- the requester's link in every message (issue 11, item 2) ------------------------------------

@pytest.mark.parametrize("into_public", [True, False])
def test_a_merged_cases_requester_gets_their_own_link_and_the_targets_page_only_if_public(
        world, into_public):
    # GIVEN a private duplicate merged into another case
    entry = TimelineEvent(NUMBER, START + timedelta(minutes=5), EventKind.MERGED, "staff:ana", True,
                          {"into": "2026-000100", "case": "2026-000100", "reason": "Isto",
                           "status": "closed", "from": "in_progress", "into_public": into_public})
    world.repo.add_case(a_case(public=False, status=Status.CLOSED, merged_into="2026-000100"), entry)
    # WHEN the requester is told
    world.notify(entry)
    # THEN the mail opens their own case (the derived link), and links the target's public page
    # only when it has one
    [mail] = world.mails_to(REQUESTER)
    own = tracking_links(PUBLIC_URL).private_url(NUMBER, "sr-Latn")
    assert own in mail.text
    target_page = f"{PUBLIC_URL}/track.html?number=2026-000100&lang=sr-Latn"
    assert (target_page in mail.text) is into_public


def test_later_mails_to_the_requester_of_a_private_case_carry_the_derived_link(world):
    entry = status_change("resolved", previous="in_progress", message="Rešeno.")
    world.repo.add_case(a_case(public=False, status=Status.RESOLVED), entry)
    world.notify(entry)
    [mail] = world.mails_to(REQUESTER)
    assert tracking_links(PUBLIC_URL).private_url(NUMBER, "sr-Latn") in mail.text
    assert f"{PUBLIC_URL}/track.html?number={NUMBER}&lang" not in mail.text  # not the public view
