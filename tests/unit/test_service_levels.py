"""Service levels and legal deadlines: the configuration's validation, the clocks every change
keeps (first reaction, resolution, legal, referral), pauses, the extension, and the job's checks."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain import case_changes
from civicdesk.domain.cases import CaseType, Channel, Contact, EventKind, Status, iso
from civicdesk.domain.errors import ConfigurationError, ConflictError, ValidationError
from civicdesk.domain.escalation import escalate
from civicdesk.domain.intake import NewCase, open_case
from civicdesk.domain.municipality_config import parse_municipality
from civicdesk.domain.service_levels import (
    CheckKind,
    Clock,
    breached_clocks,
    due_checks,
    extend_legal_deadline,
    next_due,
    overdue_clocks,
    record_checks,
    running_clocks,
    track,
)
from civicdesk.domain.working_time import add_working_minutes, shift_by_pause, working_time_between
from tests.support.aws import CONFIG_DIR

BELGRADE = ZoneInfo("Europe/Belgrade")
DOCUMENT = load_config_dir(CONFIG_DIR)
MUNICIPALITY = parse_municipality(DOCUMENT)
LEVELS = MUNICIPALITY.service_levels
assert LEVELS is not None


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=BELGRADE)


def opened(at: datetime, *, type=CaseType.REQUEST, category="local_taxes",
           department="tax_administration", received_at=None):
    new = NewCase("2026-000123", type, Channel.EMAIL, category, department, "Molim rešenje.",
                  "sr-Latn", False, "hash", "citizen:email:a@example.rs",
                  contact=Contact(email="a@example.rs"), received_at=received_at)
    return open_case(new, at=at, levels=LEVELS)[0]


def apply(case, change, **kwargs):
    """A change as the services make it: the domain function, then the clocks recomputed."""
    changed, entries = change(case, **kwargs)
    entries = entries if isinstance(entries, list) else [entries] if entries else []
    return track(changed, entries, LEVELS), entries


# -- configuration -----------------------------------------------------------------------------

def test_the_demo_treasury_reacts_within_30_working_minutes_and_the_most_specific_target_wins():
    # GIVEN cases of the demo's categories, departments and types
    tax = opened(local(2026, 11, 30, 9, 0))
    water = opened(local(2026, 11, 30, 9, 0), type=CaseType.SIGNAL, category="water_supply",
                   department="water_sewage")
    drainage = opened(local(2026, 11, 30, 9, 0), type=CaseType.SIGNAL, category="sewage_drainage",
                      department="water_sewage")
    lamp = opened(local(2026, 11, 30, 9, 0), type=CaseType.SIGNAL, category="street_lighting",
                  department="public_utilities")
    # THEN category > department > type > default
    assert [LEVELS.target_for(c).matched for c in (tax, water, drainage, lamp)] == [
        "department:tax_administration", "category:water_supply", "department:water_sewage",
        "type:signal"]
    assert tax.clock.first_reaction_due == local(2026, 11, 30, 9, 30)
    assert LEVELS.target_for(tax).warn_before_minutes == 10
    # AND a Serbian FOI request has its legal deadline, to be confirmed by a lawyer
    foi = LEVELS.legal[CaseType.FOI_REQUEST]
    assert (foi.days, foi.working_days, foi.extension_days, foi.to_be_confirmed_by_lawyer) == (
        15, False, 25, True)
    assert "čl. 16" in foi.reference
    assert CaseType.COMPLAINT not in LEVELS.legal  # the Czech complaint rule is CZ's only


@pytest.mark.parametrize("breakage,detail", [
    (lambda d: d["service_levels"]["targets"].append({"category": "nowhere", "resolution_minutes": 9}),
     "unknown category 'nowhere'"),
    (lambda d: d["service_levels"]["targets"].append({"department": "treasury"}),
     "unknown department 'treasury'"),
    (lambda d: d["service_levels"]["targets"].append({"type": "petition"}), "unknown type 'petition'"),
    (lambda d: d["service_levels"]["targets"][0].update(first_reaction_minutes=-5),
     "first_reaction_minutes: expected a whole number of at least 0, not -5"),
    (lambda d: d["service_levels"]["default"].update(resolution_minutes="a day"),
     "default.resolution_minutes: expected a whole number"),
    (lambda d: d["service_levels"]["default"].pop("warn_before_minutes"),
     "default: warn_before_minutes is required"),
    (lambda d: d["service_levels"]["targets"].append({"type": "signal", "category": "trees"}),
     "name exactly one of category, department or type"),
    (lambda d: d["service_levels"]["targets"].append({"type": "signal"}),
     "a second target for type signal"),
    (lambda d: d["service_levels"]["targets"][0].update(first_reaction_minutes=99999),
     "first_reaction_minutes is longer than resolution_minutes"),
    (lambda d: d["service_levels"].update(days_off=["31.12.2026"]), "days_off"),
    (lambda d: d["service_levels"]["referral_answer_days"].update(nobody=5),
     "unknown external body nobody"),
    (lambda d: d["legal_deadlines"]["countries"]["BG"]["foi_request"].update(day_kind="business"),
     "legal_deadlines.BG.foi_request.day_kind: expected working or calendar"),
    (lambda d: d["legal_deadlines"]["countries"]["CZ"]["foi_request"].update(reference=""),
     "legal_deadlines.CZ.foi_request.reference: the legal reference is required"),
    (lambda d: d["legal_deadlines"]["countries"]["RS"].update(petition={}),
     "legal_deadlines.RS.petition: unknown case type"),
    (lambda d: d["legal_deadlines"]["countries"]["RS"]["foi_request"]["extension"].update(days=0),
     "extension.days: expected a whole number of at least 1"),
])
def test_a_bad_service_level_or_legal_deadline_is_refused_with_where_and_why(breakage, detail):
    # GIVEN the demo document with one mistake (another country's included: all are checked)
    document = copy.deepcopy(DOCUMENT)
    breakage(document)
    # WHEN / THEN
    with pytest.raises(ConfigurationError) as caught:
        parse_municipality(document)
    assert detail in caught.value.params["detail"]


def test_the_clock_may_have_its_own_working_hours():
    document = copy.deepcopy(DOCUMENT)
    document["service_levels"]["working_hours"] = {d: [["08:00", "12:00"]]
                                                   for d in ("mon", "tue", "wed", "thu", "fri")}
    levels = parse_municipality(document).service_levels
    assert levels.calendar.is_open(local(2026, 11, 30, 11, 0))
    assert not levels.calendar.is_open(local(2026, 11, 30, 13, 0))
    document["service_levels"]["working_hours"] = {"mon": [["12:00", "08:00"]]}
    with pytest.raises(ConfigurationError):
        parse_municipality(document)


# -- the clocks -----------------------------------------------------------------------------------

def test_a_case_opened_after_hours_is_due_in_working_time_from_the_next_opening():
    # GIVEN a mail to the treasury on Friday evening
    case = opened(local(2026, 11, 27, 20, 0))
    # THEN the 30 minutes run from Monday's 07:30
    assert case.clock.first_reaction_due == local(2026, 11, 30, 8, 0)
    assert case.clock.resolution_due == add_working_minutes(LEVELS.calendar, case.created_at, 2400)
    assert case.clock.legal_due is None and case.first_reaction_at is None
    assert next_due(case) == case.clock.first_reaction_due


def test_a_registered_contact_counts_from_when_it_came_in():
    case = opened(local(2026, 11, 30, 10, 0), received_at=local(2026, 11, 30, 9, 0))
    assert case.clock.first_reaction_due == local(2026, 11, 30, 9, 30)


@pytest.mark.parametrize("change,kwargs,reacted", [
    (case_changes.reply, {"actor": "staff:ana", "channel": "email", "to": "a@example.rs",
                          "text": "Radimo na tome."}, True),
    (case_changes.change_status, {"actor": "staff:ana", "status": Status.IN_PROGRESS,
                                  "reason": "Preuzeto"}, True),
    (case_changes.change_status, {"actor": "staff:ana", "status": Status.WAITING_FOR_CITIZEN,
                                  "reason": "Nedostaje broj"}, True),
    (case_changes.refer, {"actor": "staff:ana", "to": "x@example.rs", "body_id": "",
                          "body_name": "x@example.rs", "message": "Molimo.",
                          "include_contact": False}, True),
    (case_changes.add_note, {"actor": "staff:ana", "text": "Zvao sam."}, False),
    (case_changes.assign, {"actor": "staff:ana", "assignee": "jovan"}, False),
    (case_changes.reroute, {"actor": "staff:ana", "department": "general_administration",
                            "reason": "Nadležnost"}, False),
    (escalate, {"actor": "staff:ana", "reason": "Hitno"}, False),
    (case_changes.delete, {"actor": "staff:ana", "reason": "Test"}, False),
])
def test_the_first_reaction_is_a_public_reply_or_a_status_change_away_from_new_by_staff(
        change, kwargs, reacted):
    # GIVEN a new treasury case
    case = opened(local(2026, 11, 30, 9, 0))
    at = local(2026, 11, 30, 9, 10)
    # WHEN staff change it
    changed, _ = apply(case, change, at=at, **kwargs)
    # THEN only what the citizen sees of staff counts
    assert (changed.first_reaction_at == at) is reacted
    assert (Clock.FIRST_REACTION in running_clocks(changed)) is (not reacted and not changed.deleted)


def test_a_citizens_message_or_a_system_entry_is_no_reaction_and_the_first_one_is_kept():
    case = opened(local(2026, 11, 30, 9, 0))
    by_citizen, _ = apply(case, case_changes.change_status, at=local(2026, 11, 30, 9, 5),
                          actor="citizen:email:a@example.rs", status=Status.IN_PROGRESS, reason="x")
    assert by_citizen.first_reaction_at is None
    first, _ = apply(case, case_changes.reply, at=local(2026, 11, 30, 9, 20), actor="staff:ana",
                     channel="email", to="a@example.rs", text="Primljeno.")
    later, _ = apply(first, case_changes.reply, at=local(2026, 11, 30, 11, 0), actor="staff:ana",
                     channel="email", to="a@example.rs", text="Još nešto.")
    assert later.first_reaction_at == local(2026, 11, 30, 9, 20)


def test_waiting_for_the_citizen_stops_the_clock_and_their_answer_moves_the_due_times_on():
    # GIVEN a treasury case taken into work, then waiting for the citizen from Monday 10:00
    case = opened(local(2026, 11, 30, 9, 0))
    case, _ = apply(case, case_changes.change_status, at=local(2026, 11, 30, 9, 10),
                    actor="staff:ana", status=Status.IN_PROGRESS, reason="Preuzeto")
    before = case.clock.resolution_due
    paused_at = local(2026, 11, 30, 10, 0)
    waiting, _ = apply(case, case_changes.change_status, at=paused_at, actor="staff:ana",
                       status=Status.WAITING_FOR_CITIZEN, reason="Nedostaje broj")
    # THEN nothing runs against the municipality while it waits
    assert waiting.clock.paused_since == paused_at
    assert Clock.RESOLUTION not in running_clocks(waiting) and next_due(waiting) is None
    # WHEN the citizen answers on Tuesday 12:00 (their mail reopens it to work)
    answered_at = local(2026, 12, 1, 12, 0)
    resumed, _ = apply(waiting, case_changes.reopen_by_citizen, at=answered_at,
                       actor="citizen:email:a@example.rs")
    # THEN the working time it waited is added to the due time
    assert resumed.status is Status.IN_PROGRESS and resumed.clock.paused_since is None
    assert resumed.clock.paused_seconds == int(
        working_time_between(LEVELS.calendar, paused_at, answered_at).total_seconds())
    assert resumed.clock.resolution_due == shift_by_pause(LEVELS.calendar, before, paused_at,
                                                          answered_at)
    assert next_due(resumed) == resumed.clock.resolution_due
    # AND a second pause adds to the first
    again, _ = apply(resumed, case_changes.change_status, at=local(2026, 12, 2, 8, 0),
                     actor="staff:ana", status=Status.WAITING_FOR_CITIZEN, reason="x")
    back, _ = apply(again, case_changes.change_status, at=local(2026, 12, 2, 9, 0),
                    actor="staff:ana", status=Status.IN_PROGRESS, reason="Dopunjeno")
    assert back.clock.paused_seconds == resumed.clock.paused_seconds + 3600


def test_a_resolved_case_runs_no_clock_and_a_reopened_one_goes_on_without_the_time_resolved():
    case = opened(local(2026, 11, 30, 9, 0))
    resolved, _ = apply(case, case_changes.change_status, at=local(2026, 11, 30, 10, 0),
                        actor="staff:ana", status=Status.RESOLVED, reason="Rešeno")
    assert running_clocks(resolved) == {} and next_due(resolved) is None
    reopened, _ = apply(resolved, case_changes.change_status, at=local(2026, 11, 30, 11, 0),
                        actor="staff:ana", status=Status.IN_PROGRESS, reason="Ponovo")
    assert reopened.clock.paused_seconds == 3600


def test_a_referral_stops_the_resolution_clock_and_runs_the_bodys_answer_time():
    # GIVEN a case referred to the electricity distributor (8 working days configured)
    case = opened(local(2026, 11, 30, 9, 0), type=CaseType.SIGNAL, category="street_lighting",
                  department="public_utilities")
    referred_at = local(2026, 11, 30, 10, 0)
    referred, _ = apply(case, case_changes.refer, at=referred_at, actor="staff:ana",
                        to="kvarovi@example.rs", body_id="elektrodistribucija",
                        body_name="Elektrodistribucija", message="Molimo.", include_contact=False)
    # THEN the resolution clock stands, the referral's runs to the end of the 8th working day
    assert set(running_clocks(referred)) == {Clock.REFERRAL}
    assert referred.clock.referral_due == local(2026, 12, 11, 0, 0)
    assert referred.clock.referred_at == referred_at and next_due(referred) == referred.clock.referral_due
    # AND a note while referred keeps the referral's clock; a body without its own time takes
    # the default (15 working days)
    noted, _ = apply(referred, case_changes.add_note, at=local(2026, 12, 1, 9, 0),
                     actor="staff:ana", text="Čekamo.")
    assert noted.clock.referral_due == referred.clock.referral_due
    other, _ = apply(case, case_changes.refer, at=referred_at, actor="staff:ana",
                     to="x@example.rs", body_id="", body_name="x@example.rs", message="M.",
                     include_contact=False)
    assert other.clock.referral_due == local(2026, 12, 22, 0, 0)
    # WHEN the answer comes and staff take it back into work
    back, _ = apply(referred, case_changes.change_status, at=local(2026, 12, 2, 10, 0),
                    actor="staff:ana", status=Status.IN_PROGRESS, reason="Odgovorili")
    # THEN the referral's clock is gone and the resolution clock goes on, moved by the referral
    assert back.clock.referral_due is None and Clock.RESOLUTION in running_clocks(back)
    assert back.clock.paused_seconds == int(working_time_between(
        LEVELS.calendar, referred_at, local(2026, 12, 2, 10, 0)).total_seconds())


def test_an_foi_request_in_serbia_is_due_in_15_calendar_days_moved_past_holidays_and_days_off():
    # GIVEN an FOI request received on Wednesday 23 December 2026: day 15 is 7 January 2027,
    # Orthodox Christmas (a public holiday), 8 January is a local day off, then a weekend
    case = opened(local(2026, 12, 23, 11, 0), type=CaseType.FOI_REQUEST,
                  category="general_question", department="general_administration")
    # THEN it expires at the end of Monday 11 January
    assert case.clock.legal_due == local(2027, 1, 12, 0, 0)
    # AND the legal clock runs on while the case waits for the citizen
    waiting, _ = apply(case, case_changes.change_status, at=local(2026, 12, 24, 9, 0),
                       actor="staff:ana", status=Status.WAITING_FOR_CITIZEN, reason="Dopuna")
    assert running_clocks(waiting) == {Clock.LEGAL: local(2027, 1, 12, 0, 0)}


def test_the_legal_deadline_is_extended_once_with_a_reason_and_the_requester_sees_it():
    case = opened(local(2026, 11, 2, 9, 0), type=CaseType.FOI_REQUEST,
                  category="general_question", department="general_administration")
    assert case.clock.legal_due == local(2026, 11, 18, 0, 0)  # 17 Nov, a Tuesday
    # WHEN extended by the law's 25 days (at most 40 from receipt: 12 Dec, a Saturday -> Monday)
    extended, entry = extend_legal_deadline(case, at=local(2026, 11, 10, 9, 0), actor="staff:ana",
                                            reason="Obimna dokumentacija", levels=LEVELS)
    assert extended.clock.legal_due == local(2026, 12, 15, 0, 0)
    assert extended.clock.legal_extension_days == 25
    assert entry.kind is EventKind.DEADLINE_EXTENDED and entry.public
    assert entry.data["reason"] == "Obimna dokumentacija" and entry.data["days"] == 25
    assert entry.data["previous_due"] == iso(case.clock.legal_due)
    # AND recomputing on a later change keeps the extension
    noted, _ = apply(extended, case_changes.add_note, at=local(2026, 11, 11, 9, 0),
                     actor="staff:ana", text="x")
    assert noted.clock.legal_due == extended.clock.legal_due
    # THEN a second extension, a missing reason, a type without a legal deadline are refused
    with pytest.raises(ConflictError, match="already_extended"):
        extend_legal_deadline(extended, at=local(2026, 11, 11), actor="staff:ana", reason="x",
                              levels=LEVELS)
    with pytest.raises(ValidationError):
        extend_legal_deadline(case, at=local(2026, 11, 11), actor="staff:ana", reason=" ",
                              levels=LEVELS)
    with pytest.raises(ConflictError, match="not_extendable"):
        extend_legal_deadline(opened(local(2026, 11, 2, 9, 0)), at=local(2026, 11, 11),
                              actor="staff:ana", reason="x", levels=LEVELS)
    resolved, _ = apply(case, case_changes.change_status, at=local(2026, 11, 12), actor="staff:ana",
                        status=Status.RESOLVED, reason="Odgovoreno")
    with pytest.raises(ConflictError, match="not_open"):
        extend_legal_deadline(resolved, at=local(2026, 11, 12), actor="staff:ana", reason="x",
                              levels=LEVELS)


def test_a_change_of_department_takes_the_new_departments_targets():
    case = opened(local(2026, 11, 30, 9, 0))
    moved, _ = apply(case, case_changes.reroute, at=local(2026, 11, 30, 9, 5), actor="staff:ana",
                     department="general_administration", reason="Nadležnost")
    assert LEVELS.target_for(moved).matched == "default"
    assert moved.clock.first_reaction_due == add_working_minutes(LEVELS.calendar, case.created_at, 480)


def test_without_service_levels_a_case_carries_no_due_times():
    new = NewCase("2026-000123", CaseType.REQUEST, Channel.EMAIL, "local_taxes",
                  "tax_administration", "x", "sr-Latn", False, "hash", "citizen:web")
    case = open_case(new, at=local(2026, 11, 30, 9, 0), levels=None)[0]
    assert case.clock.first_reaction_due is None and next_due(case) is None


# -- the service-level job's checks --------------------------------------------------------------

def test_warnings_and_breaches_are_due_once_per_clock_and_due_time():
    # GIVEN a treasury case opened Monday 09:00: first reaction due 09:30, warned 10 minutes before
    case = opened(local(2026, 11, 30, 9, 0))
    warn = timedelta(minutes=LEVELS.target_for(case).warn_before_minutes)
    assert due_checks(case, local(2026, 11, 30, 9, 15), warn) == []
    # WHEN the job runs at 09:22
    checks = due_checks(case, local(2026, 11, 30, 9, 22), warn)
    assert [(c.kind, c.clock) for c in checks] == [(CheckKind.WARNING, Clock.FIRST_REACTION)]
    warned, entries = record_checks(case, checks, at=local(2026, 11, 30, 9, 22), levels=LEVELS)
    assert [(e.kind, e.public, e.actor, e.data["clock"]) for e in entries] == [
        (EventKind.SLA_WARNING, False, "system:sla", "first_reaction")]
    # THEN run again, nothing more; at 09:45 the breach, by 15 working minutes, once
    assert due_checks(warned, local(2026, 11, 30, 9, 25), warn) == []
    checks = due_checks(warned, local(2026, 11, 30, 9, 45), warn)
    assert [(c.kind, c.clock) for c in checks] == [(CheckKind.BREACH, Clock.FIRST_REACTION)]
    breached, entries = record_checks(warned, checks, at=local(2026, 11, 30, 9, 45), levels=LEVELS)
    assert entries[0].kind is EventKind.SLA_BREACHED
    assert entries[0].data == {"clock": "first_reaction", "due": iso(local(2026, 11, 30, 9, 30)),
                               "overdue_minutes": 15}
    assert due_checks(breached, local(2026, 11, 30, 9, 50), warn) == []
    assert breached_clocks(breached) == [Clock.FIRST_REACTION]
    # AND the case stays in the index by its overdue clock until staff react
    assert next_due(breached) == breached.clock.first_reaction_due
    assert overdue_clocks(breached, local(2026, 11, 30, 9, 50)) == [Clock.FIRST_REACTION]
    reacted, _ = apply(breached, case_changes.change_status, at=local(2026, 11, 30, 9, 55),
                       actor="staff:ana", status=Status.IN_PROGRESS, reason="Preuzeto")
    assert next_due(reacted) == reacted.clock.resolution_due and breached_clocks(reacted) == []


def test_a_breach_overnight_counts_only_working_minutes():
    case = opened(local(2026, 11, 27, 15, 20))  # Friday, 10 minutes before closing
    checks = due_checks(case, local(2026, 11, 30, 8, 0), timedelta(minutes=10))
    _, entries = record_checks(case, checks, at=local(2026, 11, 30, 8, 0), levels=LEVELS)
    # due Monday 07:50 (10 minutes on Friday, 20 on Monday); 10 minutes late at 08:00
    assert entries[0].data["due"] == iso(local(2026, 11, 30, 7, 50))
    assert entries[0].data["overdue_minutes"] == 10


def test_a_moved_due_time_may_be_warned_of_again_and_a_paused_case_is_not_checked():
    case = opened(local(2026, 11, 30, 9, 0))
    case, _ = apply(case, case_changes.change_status, at=local(2026, 11, 30, 9, 1),
                    actor="staff:ana", status=Status.IN_PROGRESS, reason="x")
    due = case.clock.resolution_due
    checks = due_checks(case, due - timedelta(minutes=5), timedelta(minutes=10))
    warned, _ = record_checks(case, checks, at=due - timedelta(minutes=5), levels=LEVELS)
    waiting, _ = apply(warned, case_changes.change_status, at=due - timedelta(minutes=4),
                       actor="staff:ana", status=Status.WAITING_FOR_CITIZEN, reason="x")
    assert due_checks(waiting, due + timedelta(days=3), timedelta(minutes=10)) == []
    back, _ = apply(waiting, case_changes.change_status, at=due + timedelta(days=3),
                    actor="staff:ana", status=Status.IN_PROGRESS, reason="x")
    later = back.clock.resolution_due
    assert later > due
    assert [c.kind for c in due_checks(back, later - timedelta(minutes=5), timedelta(minutes=10))] == [
        CheckKind.WARNING]


def test_the_first_reaction_clock_ends_with_the_reaction_even_when_late():
    case = opened(local(2026, 11, 30, 9, 0))
    late, _ = apply(case, case_changes.reply, at=local(2026, 11, 30, 10, 0), actor="staff:ana",
                    channel="email", to="a@example.rs", text="Izvinite.")
    assert Clock.FIRST_REACTION not in running_clocks(late)
    assert late.first_reaction_at > late.clock.first_reaction_due  # a statistic of a miss
    assert [c.clock for c in due_checks(late, local(2026, 11, 30, 10, 1), timedelta(0))] == []


def test_due_times_are_utc_and_exact_across_the_change_to_summer_time():
    # GIVEN a treasury case on Friday 27 March 2026, 15:20; clocks go forward on Sunday 29 March
    case = opened(local(2026, 3, 27, 15, 20))
    # THEN Monday 07:50 local is 05:50 UTC (CEST), not 06:50
    assert case.clock.first_reaction_due == datetime(2026, 3, 30, 5, 50, tzinfo=timezone.utc)
