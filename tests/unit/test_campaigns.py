"""Campaigns with in-memory ports: the state machine and four eyes, quiet hours, the fallback
from channel to channel, at most one message per channel and recipient, the counters."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from msgspec.structs import replace

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.audiences import AudienceMember, Channel, MemberSource
from civicdesk.domain.campaign_messages import Prices
from civicdesk.domain.campaigns import (
    CallOutcome,
    CampaignState,
    Message,
    QuietHours,
    RecipientState,
    grouped_counts,
    sms_allowed_at,
)
from civicdesk.domain.delivery import DeliveryReport, DeliveryStatus
from civicdesk.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidTransitionError,
    ValidationError,
)
from civicdesk.domain.policy import Principal, Role
from civicdesk.services.campaign_sending import (
    CampaignFeedback,
    CampaignPlanner,
    CampaignSender,
    CampaignSettings,
    CampaignSweep,
)
from civicdesk.services.campaigns import CampaignChange, CampaignService, RecordCall, SaveCampaign
from civicdesk.services.commands import PageQuery
from civicdesk.services.jobs import RunContext
from civicdesk.services.municipality import MunicipalityProvider
from tests.support.aws import CONFIG_DIR
from tests.support.campaign_fakes import (
    CountingMailer,
    CountingSms,
    Crash,
    FakeAudiences,
    FakeQueue,
    FakeSchedules,
    FakeTrigger,
    InMemoryCampaignStore,
)
from tests.support.fakes import InMemoryConfigRepository
from tests.support.job_fakes import InMemoryJobRunLedger

NOON = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)  # 12:00 in Belgrade
AUTHOR = Principal("u1", "milica", frozenset({Role.OPERATOR}), email="milica@demo.rs", language="en")
SUPERVISOR = Principal("u2", "nenad", frozenset({Role.SUPERVISOR}), email="nenad@demo.rs")
MESSAGES = {"en": Message("Water cut", "No water in Centar until 18:00.", "No water until 18:00."),
            "sr-Latn": Message("Bez vode", "Nema vode u Centru do 18:00.", "Nema vode do 18:00.")}


class Clock:
    def __init__(self, now: datetime = NOON):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def member(i: int, *, email=True, phone=True, language="en", token="tok") -> AudienceMember:
    channels = tuple(c for c, has in ((Channel.EMAIL, email), (Channel.SMS, phone)) if has)
    return AudienceMember(key=f"k{i:03d}", language=language, source=MemberSource.SUBSCRIPTION,
                          channels=channels, name=f"Person {i}",
                          email=f"p{i}@example.rs" if email else None,
                          phone=f"+38164{i:07d}" if phone else None, area="centar",
                          unsubscribe_token=f"{token}{i}")


class World:
    def __init__(self, members, *, clock=None, settings=None, mailer=None, sms=None):
        self.clock = clock or Clock()
        self.store = InMemoryCampaignStore()
        self.audiences = FakeAudiences({"a1": list(members)})
        self.queue, self.schedules, self.trigger = FakeQueue(), FakeSchedules(), FakeTrigger()
        self.mailer, self.sms = mailer or CountingMailer(), sms or CountingSms()
        self.settings = settings or CampaignSettings(quiet_hours=QuietHours(time(21), time(8)),
                                                     confirm_after=timedelta(minutes=30))
        provider = MunicipalityProvider(InMemoryConfigRepository(load_config_dir(CONFIG_DIR)))
        self.service = CampaignService(self.store, self.audiences, provider, self.mailer,
                                       self.schedules, self.trigger, public_url="https://p.demo.rs",
                                       prices=Prices(0.0001, 0.05), clock=self.clock)
        self.planner = CampaignPlanner(self.store, self.audiences, self.queue, self.schedules,
                                       provider, self.settings, clock=self.clock)
        self.sender = CampaignSender(self.store, self.mailer, self.sms, provider, self.settings,
                                     public_url="https://p.demo.rs", clock=self.clock)
        self.feedback = CampaignFeedback(self.store, self.queue, clock=self.clock)
        self.sweep = CampaignSweep(self.store, self.queue, self.settings, clock=self.clock)
        self.ledger = InMemoryJobRunLedger()

    def approved(self, **fields):
        command = SaveCampaign(title="Water", audience_id="a1", messages=MESSAGES,
                               channels=(Channel.EMAIL, Channel.SMS), **fields)
        campaign = self.service.create(AUTHOR, command)
        campaign = self.service.submit(AUTHOR, campaign.campaign_id, CampaignChange(version=1))
        return self.service.approve(SUPERVISOR, campaign.campaign_id,
                                    CampaignChange(version=campaign.version))

    def send_all(self) -> None:
        for message in self.queue.drain():
            self.sender.handle(message)

    def run_sweep(self) -> dict:
        from civicdesk.domain.jobs import JobRun

        context = RunContext(JobRun("campaign_sweep", self.clock()), self.ledger, self.clock)
        self.sweep.run(context)
        return context.outcome


def test_four_eyes_and_the_state_machine():
    world = World([member(1)])
    campaign = world.service.create(AUTHOR, SaveCampaign(
        title="Water", audience_id="a1", messages=MESSAGES, channels=(Channel.EMAIL,)))
    assert campaign.state is CampaignState.DRAFT and campaign.author == "milica"
    with pytest.raises(InvalidTransitionError):
        world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=1))
    submitted = world.service.submit(AUTHOR, campaign.campaign_id, CampaignChange(version=1))
    with pytest.raises(ForbiddenError):  # an operator may not approve
        world.service.approve(AUTHOR, campaign.campaign_id, CampaignChange(version=submitted.version))
    own = Principal("u3", "milica", frozenset({Role.SUPERVISOR}))
    with pytest.raises(ForbiddenError):  # nor the author, whatever their role
        world.service.approve(own, campaign.campaign_id, CampaignChange(version=submitted.version))
    with pytest.raises(ConflictError):  # a stale version
        world.service.approve(SUPERVISOR, campaign.campaign_id, CampaignChange(version=1))
    rejected = world.service.reject(SUPERVISOR, campaign.campaign_id,
                                    CampaignChange(version=submitted.version, reason="typo"))
    assert rejected.state is CampaignState.DRAFT and rejected.rejection == "typo"
    again = world.service.submit(AUTHOR, campaign.campaign_id, CampaignChange(version=rejected.version))
    approved = world.service.approve(SUPERVISOR, campaign.campaign_id,
                                     CampaignChange(version=again.version))
    assert approved.approved_by == "nenad"
    sending = world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=approved.version))
    assert sending.state is CampaignState.SENDING and world.trigger.started == [campaign.campaign_id]


def test_content_is_checked_per_channel_and_language():
    world = World([])
    with pytest.raises(ValidationError) as error:
        world.service.create(AUTHOR, SaveCampaign(
            title=" ", audience_id="a1", channels=(Channel.EMAIL, Channel.SMS, Channel.SMS),
            messages={"en": Message("S", "Body {name}", ""), "xx": Message("a", "b", "c")}))
    codes = {(e.field, e.code) for e in error.value.errors}
    assert {("title", "required"), ("channels", "campaign_duplicate_channel"),
            ("messages.en.sms_text", "required"), ("messages.xx", "not_allowed"),
            ("messages.en.mail_body", "campaign_unknown_placeholder")} <= codes
    with pytest.raises(ValidationError):
        world.service.create(AUTHOR, SaveCampaign(title="t", audience_id="a1", channels=(Channel.EMAIL,),
                                                  messages={"en": Message("S", "Answer: {link}")}))
    ok = world.service.create(AUTHOR, SaveCampaign(title="t", audience_id="a1", channels=(Channel.EMAIL,),
                                                   messages={"en": Message("S", "Answer: {link}")},
                                                   survey_id="s1"))
    assert ok.survey_id == "s1"


def test_a_later_send_time_schedules_once_and_the_plan_deletes_the_schedule():
    world = World([member(1), member(2)])
    later = NOON + timedelta(hours=3)
    campaign = world.approved(send_at=later)
    scheduled = world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    assert scheduled.state is CampaignState.SCHEDULED
    assert world.schedules.schedules == {campaign.campaign_id: later}
    world.clock.now = later
    assert world.planner.plan(campaign.campaign_id) == "planned"
    assert world.planner.plan(campaign.campaign_id) == "done_before"  # a repeated schedule
    assert world.schedules.deleted == [campaign.campaign_id]
    assert len(world.queue.messages) == 1 and world.store.get(campaign.campaign_id).total == 2


def test_mail_first_then_sms_after_a_bounce_or_no_confirmation_then_unreachable():
    members = [member(1), member(2), member(3, email=False), member(4, email=False, phone=False)]
    world = World(members)
    campaign = world.approved()
    world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    world.planner.plan(campaign.campaign_id)
    world.send_all()
    assert len(world.mailer.sent) == 2 and len(world.sms.sent) == 1
    mail1, mail2 = world.mailer.sent
    assert "alerts.html#unsubscribe=tok1" in mail1.text and mail1.headers["List-Unsubscribe"]
    assert world.sms.sent[0].text.endswith("STOP: reply STOP")
    # p1's mail is delivered, p2's bounces: SMS next, sent at once.
    ids = sorted(world.store.origins)
    assert world.feedback.mail_report(_report("ses-1", DeliveryStatus.DELIVERED))
    assert world.feedback.mail_report(_report("ses-2", DeliveryStatus.BOUNCED))
    assert not world.feedback.mail_report(_report("other", DeliveryStatus.DELIVERED))
    world.send_all()
    assert [s.to for s in world.sms.sent] == ["+381640000003", "+381640000002"]
    # A repeated report changes nothing.
    world.feedback.mail_report(_report("ses-2", DeliveryStatus.BOUNCED))
    assert world.queue.messages == []
    # Nobody confirms the SMS: after the confirmation time, unreachable.
    world.clock.now = NOON + timedelta(minutes=31)
    world.run_sweep()
    states = {r.key: r.state for r in world.store.rows.values()}
    assert states == {"k001": RecipientState.DELIVERED, "k002": RecipientState.UNREACHABLE,
                      "k003": RecipientState.UNREACHABLE, "k004": RecipientState.UNREACHABLE}
    done = world.store.get(campaign.campaign_id)
    assert done.state is CampaignState.COMPLETED and len(ids) == 3
    counts = grouped_counts(done.counts)
    assert {k: v for k, v in counts["state"].items() if v} == {"delivered": 1, "unreachable": 3}
    assert counts["channel"]["email"] == {"sent": 2, "delivered": 1, "bounced": 1}
    assert counts["channel"]["sms"]["sent"] == 2
    calls = world.service.call_list(SUPERVISOR, campaign.campaign_id, PageQuery())
    assert [r.key for r in calls.items] == ["k002", "k003", "k004"]
    noted = world.service.record_call(AUTHOR, campaign.campaign_id,
                                      RecordCall(key="k002", outcome=CallOutcome.REACHED, note="ok"))
    assert noted.call_outcome is CallOutcome.REACHED
    assert world.store.get(campaign.campaign_id).counts["call#reached"] == 1


def test_a_sweep_run_for_a_later_slot_decides_at_that_slot():
    """The job's "now" is its scheduled time when later than the clock (a slot run ahead on
    demand in the local runtime): the unconfirmed move on without the clock moving."""
    from civicdesk.domain.jobs import JobRun

    world = World([member(1, email=False)])
    campaign = world.approved()
    world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    world.planner.plan(campaign.campaign_id)
    world.send_all()
    world.sweep.run(RunContext(JobRun("campaign_sweep", NOON + timedelta(minutes=10)),
                               world.ledger, world.clock))
    assert world.store.rows[next(iter(world.store.rows))].state is RecipientState.SENT
    world.sweep.run(RunContext(JobRun("campaign_sweep", NOON + timedelta(minutes=31)),
                               world.ledger, world.clock))
    assert [r.state for r in world.store.rows.values()] == [RecipientState.UNREACHABLE]
    assert world.store.get(campaign.campaign_id).state is CampaignState.COMPLETED


def test_at_most_once_per_channel_across_duplicate_messages_and_a_crash():
    world = World([member(i) for i in range(1, 11)], mailer=CountingMailer(fail_after=4))
    campaign = world.approved()
    world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    world.planner.plan(campaign.campaign_id)
    message = world.queue.drain()[0]
    with pytest.raises(Crash):
        world.sender.handle(message)
    assert len(world.mailer.sent) == 4
    world.mailer.fail_after = None
    world.sender.handle(message)  # the retry
    world.sender.handle(message)  # and a duplicate delivery
    addresses = [m.to[0] for m in world.mailer.sent]
    assert len(addresses) == len(set(addresses)) == 9
    # The one whose send crashed is claimed, never sent: after the time, its SMS goes.
    world.clock.now = NOON + timedelta(minutes=40)
    world.run_sweep()
    world.send_all()
    crashed = [r for r in world.store.rows.values() if "email" not in r.message_ids]
    assert len(crashed) == 1 and crashed[0].state is RecipientState.SENT and crashed[0].channel is Channel.SMS
    assert len(world.sms.sent) == 10  # the nine unconfirmed mails and the crashed one
    assert len({s.to for s in world.sms.sent}) == 10


def test_a_restarted_plan_writes_and_counts_nobody_twice():
    world = World([member(i) for i in range(1, 61)])
    campaign = world.approved()
    world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    members = world.audiences.audiences["a1"]
    world.audiences.audiences["a1"] = members[:30]  # the first run dies after 30
    world.planner.plan(campaign.campaign_id)
    stored = world.store.get(campaign.campaign_id)
    world.store.campaigns[campaign.campaign_id] = replace(stored, planned=False)
    world.audiences.audiences["a1"] = members
    world.planner.plan(campaign.campaign_id)
    assert world.store.get(campaign.campaign_id).counts["state#queued"] == 60
    world.send_all()
    assert len(world.mailer.sent) == 60


def test_quiet_hours_keep_sms_for_the_morning_unless_urgent():
    evening = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)  # 22:00 in Belgrade
    morning = datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc)  # 08:00
    quiet = QuietHours(time(21), time(8))
    assert sms_allowed_at(evening, quiet, "Europe/Belgrade", False) == morning
    assert sms_allowed_at(evening, quiet, "Europe/Belgrade", True) is None
    assert sms_allowed_at(NOON, quiet, "Europe/Belgrade", False) is None
    world = World([member(1, email=False)], clock=Clock(evening))
    campaign = world.approved()
    world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    world.planner.plan(campaign.campaign_id)
    world.send_all()
    assert world.sms.sent == []
    world.clock.now = evening + timedelta(hours=2)
    world.run_sweep()
    world.send_all()
    assert world.sms.sent == []
    world.clock.now = morning
    world.run_sweep()
    world.send_all()
    assert len(world.sms.sent) == 1


def test_cancel_during_sending_sends_nothing_queued():
    world = World([member(i) for i in range(1, 31)])
    campaign = world.approved()
    sending = world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    world.planner.plan(campaign.campaign_id)
    first, second = world.queue.drain()
    world.sender.handle(first)
    world.service.cancel(AUTHOR, campaign.campaign_id,
                         CampaignChange(version=world.store.get(campaign.campaign_id).version))
    world.sender.handle(second)
    assert len(world.mailer.sent) == 25
    counts = world.store.get(campaign.campaign_id).counts
    assert counts["state#cancelled"] == 5 and sending.version < world.store.get(campaign.campaign_id).version


def test_suppressed_mail_and_opted_out_sms_fall_through_at_once():
    world = World([member(1), member(2)], mailer=CountingMailer(suppressed={"p1@example.rs"}),
                  sms=CountingSms(opted_out={"+381640000001"}))
    campaign = world.approved()
    world.service.send(AUTHOR, campaign.campaign_id, CampaignChange(version=campaign.version))
    world.planner.plan(campaign.campaign_id)
    world.send_all()
    first = world.store.recipient(campaign.campaign_id, "k001")
    assert first.state is RecipientState.UNREACHABLE
    assert [s.state for s in first.steps] == ["bounced", "queued", "failed", "unreachable"]


def test_estimate_and_test_send_touch_no_recipient():
    world = World([member(1), member(2, email=False), member(3, email=False, phone=False)])
    campaign = world.approved()
    estimate = world.service.estimate(SUPERVISOR, campaign.campaign_id)
    assert (estimate.recipients, estimate.first_channel, estimate.unreachable) == (3, {"email": 1, "sms": 1}, 1)
    assert estimate.sms["en"].parts == 1 and estimate.cost == pytest.approx(0.0501)
    sent = world.service.test_send(AUTHOR, campaign.campaign_id, None)
    assert sent.to == "milica@demo.rs" and world.mailer.sent[0].subject == "[TEST] Water cut"
    assert sent.sms_parts == 1 and world.store.rows == {}


def _report(message_id: str, status: DeliveryStatus) -> DeliveryReport:
    return DeliveryReport(message_id, "x@example.rs", status, NOON, status.value.title(),
                          bounce_type="Permanent" if status is DeliveryStatus.BOUNCED else None)
