"""The domain's case changes and the one factory that opens a case: pure functions, no ports."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain import case_changes
from civicdesk.domain.cases import Case, CaseType, Channel, Contact, EventKind, Status
from civicdesk.domain.errors import ConflictError, InvalidTransitionError, ValidationError
from civicdesk.domain.intake import NewCase, idempotency_expiry, open_case, request_hash

AT = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)


def a_case(**changes) -> Case:
    case = Case("2026-000123", CaseType.SIGNAL, Channel.EMAIL, "road_damage", "roads_traffic",
                "Рупа на коловозу.", "sr-Cyrl", Status.NEW, True, AT - timedelta(days=1),
                AT - timedelta(days=1), "hash", contact=Contact(email="ana@example.rs"), version=3)
    return case.with_changes(**changes)


# -- opening -------------------------------------------------------------------------------------

def test_every_channel_opens_a_new_case_with_its_opening_entry():
    # GIVEN a mail to a support address
    new = NewCase("2026-000001", CaseType.REQUEST, Channel.EMAIL, "local_taxes", "tax_administration",
                  "Molim rešenje.", "sr-Latn", False, "hash", "citizen:email:a@example.rs",
                  mailbox="porezi@demo.rs", linked_cases=("2026-000000",))
    # WHEN
    case, entries = open_case(new, at=AT, levels=None)
    # THEN
    assert (case.status, case.created_at, case.updated_at) == (Status.NEW, AT, AT)
    assert case.mailbox == "porezi@demo.rs"
    assert case.linked_cases == ("2026-000000",)
    [opened] = entries
    assert (opened.kind, opened.public) == (EventKind.CASE_OPENED, True)
    assert opened.actor == "citizen:email:a@example.rs"
    assert opened.data == {"channel": "email", "department": "tax_administration", "status": "new",
                           "mailbox": "porezi@demo.rs"}


def test_an_operators_backdated_contact_and_override_are_recorded():
    received = AT - timedelta(days=6)
    routing = {"rule": "override", "department": "green_areas", "by": "staff:ana", "reason": "x"}
    new = NewCase("2026-000002", CaseType.LETTER, Channel.LETTER, "general_question", "green_areas",
                  "Писмо.", "sr-Cyrl", False, "hash", "staff:ana", received_at=received,
                  routing=routing)
    case, entries = open_case(new, at=AT, levels=None)
    assert [e.kind for e in entries] == [EventKind.CASE_OPENED, EventKind.ROUTED]
    assert entries[0].data["received_at"] == received.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert entries[1].at == AT + timedelta(microseconds=1) and entries[1].data == routing
    assert case.routing == routing and case.received_at == received


def test_one_request_hash_and_one_ttl_for_every_channel():
    assert request_hash({"when": AT, "a": 1}) == request_hash({"a": 1, "when": AT})
    assert request_hash({"a": 1}) != request_hash({"a": "1"})
    assert idempotency_expiry(AT) == int(AT.timestamp()) + 24 * 3600


# -- status --------------------------------------------------------------------------------------

def test_a_status_change_follows_the_transitions():
    changed, entry = case_changes.change_status(a_case(), at=AT, actor="staff:mira",
                                                status=Status.IN_PROGRESS, reason="Почињемо")
    assert (changed.status, changed.updated_at, changed.version) == (Status.IN_PROGRESS, AT, 3)
    assert entry.data == {"status": "in_progress", "from": "new", "reason": "Почињемо"}
    with pytest.raises(InvalidTransitionError):
        case_changes.change_status(a_case(status=Status.CLOSED), at=AT, actor="staff:mira",
                                   status=Status.NEW, reason="x")


@pytest.mark.parametrize(("status", "reason"), [(Status.CLOSED, "reply_reopened"),
                                                (Status.RESOLVED, "reply_reopened"),
                                                (Status.CANCELLED, "reply_reopened"),
                                                (Status.WAITING_FOR_CITIZEN, "citizen_answered")])
def test_a_citizens_message_puts_the_case_back_to_work(status, reason):
    changed, entry = case_changes.reopen_by_citizen(a_case(status=status), at=AT,
                                                    actor="citizen:email:ana@example.rs")
    assert changed.status is Status.IN_PROGRESS and entry is not None
    assert (entry.data["reason"], entry.data["from"], entry.public) == (reason, status.value, True)


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.REFERRED])
def test_a_citizens_message_leaves_a_working_case_as_it_is(status):
    case = a_case(status=status)
    assert case_changes.reopen_by_citizen(case, at=AT, actor="citizen:email:x") == (case, None)


# -- assignment, routing, notes ------------------------------------------------------------------

def test_assigning_and_unassigning():
    assigned, entry = case_changes.assign(a_case(), at=AT, actor="staff:mira", assignee="jovan")
    assert assigned.assignee == "jovan" and entry.data == {"assignee": "jovan", "previous": ""}
    unassigned, entry = case_changes.assign(assigned, at=AT, actor="staff:mira", assignee=None)
    assert unassigned.assignee is None and entry.data == {"assignee": "", "previous": "jovan"}


def test_rerouting_to_the_same_department_is_refused():
    with pytest.raises(ValidationError) as caught:
        case_changes.reroute(a_case(), at=AT, actor="staff:mira", department="roads_traffic",
                             reason="x")
    assert [(e.field, e.code) for e in caught.value.errors] == [("department", "unchanged")]


def test_a_note_is_internal():
    noted, entry = case_changes.add_note(a_case(), at=AT, actor="staff:ana", text="Белешка")
    assert (entry.kind, entry.public, noted.updated_at) == (EventKind.NOTE, False, AT)


# -- reply and referral --------------------------------------------------------------------------

def test_a_reply_with_a_status_writes_the_message_first():
    answered, entries = case_changes.reply(a_case(), at=AT, actor="staff:ana", channel="email",
                                           to="ana@example.rs", text="Готово.",
                                           status=Status.RESOLVED)
    assert [(e.kind, e.at) for e in entries] == [(EventKind.MESSAGE_OUT, AT),
                                                 (EventKind.STATUS_CHANGED, AT + timedelta(microseconds=1))]
    assert entries[0].data == {"kind": "reply", "channel": "email", "to": "ana@example.rs",
                               "public_text": "Готово."}
    assert answered.status is Status.RESOLVED


def test_a_reply_refuses_a_status_the_case_cannot_reach():
    with pytest.raises(InvalidTransitionError):
        case_changes.reply(a_case(status=Status.CLOSED), at=AT, actor="staff:ana", channel="email",
                           to="ana@example.rs", text="x", status=Status.RESOLVED)


def test_a_referral_to_a_configured_body_names_it_by_id():
    referred, entry = case_changes.refer(a_case(), at=AT, actor="staff:ana", to="putevi@srbija.rs",
                                         body_id="putevi_srbije", body_name="Путеви Србије",
                                         message="Молимо.", include_contact=True)
    assert "body" not in entry.data and entry.data["body_id"] == "putevi_srbije"
    assert referred.participants == ("putevi@srbija.rs",) and referred.status is Status.REFERRED
    again, _ = case_changes.refer(referred, at=AT, actor="staff:ana", to="putevi@srbija.rs",
                                  body_id="putevi_srbije", body_name="Путеви Србије",
                                  message="Подсетник.", include_contact=False)
    assert again.participants == ("putevi@srbija.rs",)


# -- merge, link, delete -------------------------------------------------------------------------

def test_merging_into_a_merged_case_or_twice_is_refused():
    target = a_case(number="2026-000100")
    with pytest.raises(ValidationError):
        case_changes.merge(a_case(), target.with_changes(merged_into="2026-000001"), at=AT,
                           actor="staff:ana", reason="")
    with pytest.raises(ConflictError):
        case_changes.merge(a_case(merged_into="2026-000100"), target, at=AT, actor="staff:ana",
                           reason="")


def test_the_duplicates_requester_becomes_a_participant_only_when_needed():
    target = a_case(number="2026-000100")  # same requester
    _, kept, _ = case_changes.merge(a_case(), target, at=AT, actor="staff:ana", reason="")
    assert kept.participants == ()


@pytest.mark.parametrize("public", [True, False])
def test_the_merge_entry_says_whether_the_target_has_a_public_page(public):
    target = a_case(number="2026-000100", public=public)
    _, _, [entry, _] = case_changes.merge(a_case(), target, at=AT, actor="staff:ana", reason="")
    assert entry.data["into"] == "2026-000100" and entry.data["into_public"] is public


def test_a_soft_delete_keeps_who_and_why():
    deleted, entry = case_changes.delete(a_case(), at=AT, actor="staff:petar", reason="Тест")
    assert (deleted.deleted_at, deleted.deleted_by, entry.data) == (AT, "staff:petar", {"reason": "Тест"})


def test_delivery_outcomes():
    failed = case_changes.delivery_failed("2026-000123", at=AT, channel="sms", to="+38164")
    assert failed.data == {"channel": "sms", "to": "+38164"} and failed.actor == "system"
    sent = case_changes.sms_fallback_sent("2026-000123", at=AT, to="+38164", message_id="m",
                                          event_id="e")
    assert (sent.kind, sent.public, sent.data["event"]) == (EventKind.NOTIFICATION, False, "e")
