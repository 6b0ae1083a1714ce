"""The service-level job with in-memory fakes (no AWS): it warns once before a due time,
records a breach and escalates once after it, leaves a paused clock alone, and changes nothing
more when a slot is run twice, retried after a crash, or overlapped by another run."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.adapters.phones import LibPhoneNumbers
from civicdesk.api import case_commands
from civicdesk.domain.cases import EventKind, TimelineEvent
from civicdesk.domain.events import EventType
from civicdesk.domain.jobs import JobRun
from civicdesk.domain.notifications import Audience, plan
from civicdesk.domain.policy import Principal, Role
from civicdesk.services.casework import CaseworkService
from civicdesk.services.jobs import JobRunner
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.service_level_job import ServiceLevelJob, ServiceLevelRunFailed
from tests.support.aws import CONFIG_DIR
from tests.support.casework_fakes import FakeDirectory, InMemoryCaseworkRepository
from tests.support.fakes import FakeMailer, FakeMetrics, InMemoryConfigRepository, tracking_links
from tests.support.job_fakes import InMemoryJobRunLedger
from tests.support.notification_fakes import FakeSmsSender

#: Tuesday 1 December 2026, 10:00 in Belgrade: working time.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
OPERATOR = Principal("u1", "ana", frozenset({Role.OPERATOR}), name="Ana")
#: The tax administration's target: first reaction in 30 working minutes, warned 10 before.
TAX_CALL = {"type": "request", "channel": "phone", "category": "local_taxes",
            "description": "Građanin pita za rešenje o porezu na imovinu za 2026.",
            "requester": {"name": "Milan", "phone": "064 123 4567"}}


class World:
    def __init__(self):
        self.repo = InMemoryCaseworkRepository()
        self.municipality = MunicipalityProvider(InMemoryConfigRepository(load_config_dir(CONFIG_DIR)))
        self.now = NOW
        self.casework = CaseworkService(
            self.repo, self.repo, self.repo, self.municipality, FakeMailer(), FakeSmsSender(),
            FakeDirectory(), FakeMetrics(), "https://prijave.demo.rs/", phones=LibPhoneNumbers(),
            links=tracking_links(), due=self.repo, clock=lambda: self.now)
        self.ledger = InMemoryJobRunLedger()
        self.job = ServiceLevelJob(self.repo, self.repo, self.municipality)

    def open(self, **changes) -> str:
        command = case_commands.open_staff_case({**TAX_CALL, **changes})
        return self.casework.open_case(OPERATOR, command).number

    def run(self, minutes: float, job: ServiceLevelJob | None = None):
        """The job's slot ``minutes`` after NOW, run by a runner whose clock is that slot."""
        slot = NOW + timedelta(minutes=minutes)
        runner = JobRunner(self.ledger, lease=timedelta(minutes=4), clock=lambda: slot)
        return runner.run(JobRun("sla", slot), (job or self.job).run)

    def entries(self, number: str, *kinds: EventKind) -> list[TimelineEvent]:
        return [e for e in self.repo.events[number] if e.kind in kinds]


@pytest.fixture
def world():
    return World()


SLA_KINDS = (EventKind.SLA_WARNING, EventKind.SLA_BREACHED, EventKind.ESCALATED)


def test_the_assignee_is_warned_once_before_the_first_reaction_is_due(world):
    # GIVEN a tax question registered now (first reaction due in 30 working minutes)
    number = world.open()
    # WHEN the job runs 15 minutes later (nothing due yet), then at 20 and 25 minutes
    quiet = world.run(15)
    first = world.run(20)
    second = world.run(25)
    # THEN the 20-minute run warned once, for the first reaction's due time, and nobody later
    assert quiet.outcome["warnings"] == 0 and quiet.outcome["cases_due"] == 1
    [warning] = world.entries(number, *SLA_KINDS)
    case = world.repo.cases[number]
    assert warning.kind is EventKind.SLA_WARNING and warning.actor == "system:sla"
    assert warning.data["clock"] == "first_reaction" and not warning.public
    assert warning.at == NOW + timedelta(minutes=20)  # the slot's time, not the run's
    assert first.outcome["warnings"] == 1 and second.outcome["warnings"] == 0
    assert any(alert.startswith("warned:first_reaction@") for alert in case.clock.alerts)


def test_a_missed_due_time_is_recorded_and_escalated_once(world):
    number = world.open()
    # WHEN the job runs after the first reaction's due time, and again five minutes later
    breached = world.run(35)
    again = world.run(40)
    # THEN one breach entry and one escalation by system:sla, naming the clock and how late
    entries = world.entries(number, *SLA_KINDS)
    assert [e.kind for e in entries] == [EventKind.SLA_BREACHED, EventKind.ESCALATED]
    breach, escalation = entries
    assert breach.data["clock"] == "first_reaction" and breach.data["overdue_minutes"] == 5
    assert escalation.actor == "system:sla" and escalation.data["level"] == 1
    assert escalation.data["clock"] == "first_reaction" and escalation.data["overdue_minutes"] == 5
    # the reason is written in the municipality's default language (Serbian Cyrillic)
    assert escalation.data["reason"] == ("Рок је пропуштен: прва реакција (рок 01.12.2026 10:30, "
                                         "касни 5 радних минута).")
    assert world.repo.cases[number].escalation_level == 1
    assert (breached.outcome["breaches"], breached.outcome["escalations"]) == (1, 1)
    assert (again.outcome["breaches"], again.outcome["escalations"]) == (0, 0)


def test_a_case_entered_twenty_working_days_late_is_escalated_once_for_both_clocks(world):
    # GIVEN a phone call registered now that came in twenty working days ago (Monday 2 November,
    # 10:00 in Belgrade; 11 November, Armistice Day, is a public holiday)
    number = world.open(received_at="2026-11-02T09:00:00Z")
    # WHEN the job runs, and runs again
    world.run(0)
    world.run(5)
    # THEN both service levels are breached, and the case is escalated once, level 1
    entries = world.entries(number, *SLA_KINDS)
    assert [(e.kind, e.data.get("clock")) for e in entries] == [
        (EventKind.SLA_BREACHED, "first_reaction"), (EventKind.SLA_BREACHED, "resolution"),
        (EventKind.ESCALATED, "first_reaction")]
    assert [b["clock"] for b in entries[-1].data["breaches"]] == ["first_reaction", "resolution"]
    assert world.repo.cases[number].escalation_level == 1


def test_nothing_is_due_on_a_clock_that_stands_still(world):
    # GIVEN a case waiting for the citizen (the service-level clocks stand still)
    number = world.open()
    case = world.repo.cases[number]
    world.casework.change_status(OPERATOR, case_commands.change_status(
        number, {"status": "waiting_for_citizen", "reason": "Čeka se dokument.",
                 "version": case.version}))
    before = len(world.repo.events[number])
    # WHEN the job runs long after the due times would have passed
    outcome = world.run(60 * 24 * 14).outcome
    # THEN nothing was warned or breached
    assert world.entries(number, *SLA_KINDS) == []
    assert len(world.repo.events[number]) == before
    assert outcome["warnings"] == outcome["breaches"] == 0


def test_a_slot_run_twice_does_the_work_once(world):
    number = world.open()
    first = world.run(35)
    second = world.run(35)
    assert first.state == "ran" and second.state == "done_before"
    assert len(world.entries(number, *SLA_KINDS)) == 2


class FailingOnce(InMemoryCaseworkRepository):
    """The case-work fake whose first write of ``number`` raises (a crash mid-run)."""

    def __init__(self, inner: InMemoryCaseworkRepository, number: str):
        self.__dict__ = inner.__dict__
        self.failing = number

    def save_change(self, case, expected_version, events, *, also=()):
        if case.number == self.failing:
            self.failing = ""
            raise RuntimeError("the connection broke")
        super().save_change(case, expected_version, events, also=also)


def test_a_run_that_crashed_on_one_case_is_retried_and_each_case_escalated_once(world):
    # GIVEN two overdue cases, and a write of the first that fails once
    one, two = world.open(), world.open()
    failing = FailingOnce(world.repo, one)
    job = ServiceLevelJob(failing, failing, world.municipality)
    # WHEN the run fails (the other case is written all the same) and Lambda retries it
    with pytest.raises(ServiceLevelRunFailed, match=one):
        world.run(35, job)
    assert world.entries(one, *SLA_KINDS) == [] and len(world.entries(two, *SLA_KINDS)) == 2
    retried = world.run(35, job)
    # THEN the retry did the rest: each case breached and escalated once
    assert retried.state == "ran" and retried.outcome["escalations"] == 1
    for number in (one, two):
        assert [e.kind for e in world.entries(number, *SLA_KINDS)] == [EventKind.SLA_BREACHED,
                                                                       EventKind.ESCALATED]
        assert world.repo.cases[number].escalation_level == 1


class Overlapped(InMemoryCaseworkRepository):
    """The due cases are answered, then another run (the next slot) does its whole work before
    this one writes: two runs overlapping."""

    def __init__(self, world: World):
        self.__dict__ = world.repo.__dict__
        self.world = world

    def cases_due(self, before, after=None):
        answer = super().cases_due(before, after)
        self.world.run(40)
        return answer


def test_two_overlapping_runs_escalate_once(world):
    number = world.open()
    overlapped = Overlapped(world)
    outcome = world.run(35, ServiceLevelJob(overlapped, overlapped, world.municipality)).outcome
    # THEN the later run did the work; the earlier one found its write refused, read the case
    # again and had nothing left to do
    assert [e.kind for e in world.entries(number, *SLA_KINDS)] == [EventKind.SLA_BREACHED,
                                                                   EventKind.ESCALATED]
    assert outcome["conflicts"] == 1 and outcome["escalations"] == 0
    assert world.repo.cases[number].escalation_level == 1


def test_a_staff_change_between_read_and_write_is_checked_again(world):
    # GIVEN a case whose write the job loses once to a staff member's note
    number = world.open()

    class StaffFirst(InMemoryCaseworkRepository):
        def __init__(self, inner):
            self.__dict__ = inner.__dict__
            self.raced = False

        def save_change(self, case, expected_version, events, *, also=()):
            if not self.raced and any(e.actor == "system:sla" for e in events):
                self.raced = True
                stored = self.cases[case.number]
                world.casework.add_note(OPERATOR, case_commands.add_note(
                    number, {"text": "Zvao sam građanina.", "version": stored.version}))
            super().save_change(case, expected_version, events, also=also)

    racing = StaffFirst(world.repo)
    outcome = world.run(35, ServiceLevelJob(racing, racing, world.municipality)).outcome
    # THEN the job read the case again and wrote its escalation on top of the note
    assert outcome["conflicts"] == 1 and outcome["escalations"] == 1
    assert len(world.entries(number, EventKind.NOTE)) == 1
    assert world.repo.cases[number].escalation_level == 1


def test_the_warning_goes_to_the_assignee_or_else_the_departments_mailbox(world):
    number = world.open()
    case = world.repo.cases[number]
    warning = TimelineEvent(number, NOW, EventKind.SLA_WARNING, "system:sla", False,
                            {"clock": "first_reaction", "due": "2026-12-01T09:30:00.000000Z",
                             "assignee": "jovan"})
    [to_assignee] = plan(EventType.SLA_WARNING, warning, case.with_changes(assignee="jovan"))
    assert (to_assignee.audience, to_assignee.template, to_assignee.staff) == \
        (Audience.ASSIGNEE, "sla_warning", "jovan")
    unassigned = TimelineEvent(number, NOW, EventKind.SLA_WARNING, "system:sla", False,
                               {"clock": "first_reaction", "due": "2026-12-01T09:30:00.000000Z",
                                "assignee": ""})
    [to_department] = plan(EventType.SLA_WARNING, unassigned, case)
    assert (to_department.audience, to_department.department) == \
        (Audience.DEPARTMENT, "tax_administration")
