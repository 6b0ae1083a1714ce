"""Changes to a case: each takes the case as read (and who changes it, when, with what) and
returns the changed case with the timeline entries that record the change.

Nothing here reads or writes: the services authorise, load, call one of these and save the
result in one version-checked transaction. ``escalation.escalate`` has the same shape.
Entries written in the same change are a microsecond apart, so the timeline keeps their order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .cases import Case, EventKind, Status, TimelineEvent, check_transition
from .errors import ConflictError, FieldError, ValidationError

_TICK = timedelta(microseconds=1)


def _status_entry(case: Case, at: datetime, actor: str, status: Status, reason: str,
                  public_text: str | None = None) -> TimelineEvent:
    data = {"status": status.value, "from": case.status.value, "reason": reason}
    if public_text:
        data["public_text"] = public_text
    return TimelineEvent(case.number, at, EventKind.STATUS_CHANGED, actor, True, data)


def change_status(case: Case, *, at: datetime, actor: str, status: Status, reason: str,
                  message_to_citizen: str | None = None) -> tuple[Case, TimelineEvent]:
    """The case in its new status and the public entry that says so.

    The transition must be allowed; the reason is internal, the message (if any) is shown to
    the citizen on the tracking page.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа на коловозу.", "sr-Cyrl", Status.NEW, True, at, at, "hash", version=1)
    >>> changed, entry = change_status(case, at=at, actor="staff:mira", status=Status.RESOLVED,
    ...                                reason="Поправљено", message_to_citizen="Рупа је санирана.")
    >>> changed.status.value, entry.kind.value, entry.public, sorted(entry.data)
    ('resolved', 'status_changed', True, ['from', 'public_text', 'reason', 'status'])
    >>> change_status(changed, at=at, actor="staff:mira", status=Status.NEW, reason="x")
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.InvalidTransitionError: error.invalid_transition
    """
    check_transition(case.status, status)
    entry = _status_entry(case, at, actor, status, reason, message_to_citizen)
    return case.with_changes(status=status, updated_at=at), entry


def reopen_by_citizen(case: Case, *, at: datetime, actor: str) -> tuple[Case, TimelineEvent | None]:
    """What a citizen's message does to the case's status: a resolved, closed or cancelled case
    reopens, a case waiting for the citizen goes back to work; otherwise nothing (no entry).

    The citizen's word always counts, so no transition table is consulted.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.REQUEST, Channel.EMAIL, "local_taxes", "finance",
    ...             "Molim rešenje.", "sr-Latn", Status.CLOSED, False, at, at, "hash", version=3)
    >>> reopened, entry = reopen_by_citizen(case, at=at, actor="citizen:email:a@example.rs")
    >>> reopened.status.value, entry.data["reason"], entry.data["from"]
    ('in_progress', 'reply_reopened', 'closed')
    >>> reopen_by_citizen(reopened, at=at, actor="citizen:email:a@example.rs")[1] is None
    True
    """
    if case.status in (Status.CLOSED, Status.RESOLVED, Status.CANCELLED):
        reason = "reply_reopened"
    elif case.status == Status.WAITING_FOR_CITIZEN:
        reason = "citizen_answered"
    else:
        return case, None
    entry = _status_entry(case, at, actor, Status.IN_PROGRESS, reason)
    return case.with_changes(status=Status.IN_PROGRESS, updated_at=at), entry


def assign(case: Case, *, at: datetime, actor: str,
           assignee: str | None) -> tuple[Case, TimelineEvent | None]:
    """The case with its new assignee (``None``: unassigned) and the internal entry; no entry
    when the assignee stays the same.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, True, at, at, "hash", assignee="ana")
    >>> assigned, entry = assign(case, at=at, actor="staff:mira", assignee="jovan")
    >>> assigned.assignee, entry.public, entry.data
    ('jovan', False, {'assignee': 'jovan', 'previous': 'ana'})
    >>> assign(assigned, at=at, actor="staff:mira", assignee="jovan")[1] is None
    True
    """
    if assignee == case.assignee:
        return case, None
    entry = TimelineEvent(case.number, at, EventKind.ASSIGNED, actor, False,
                          {"assignee": assignee or "", "previous": case.assignee or ""})
    return case.with_changes(assignee=assignee, updated_at=at), entry


def reroute(case: Case, *, at: datetime, actor: str, department: str,
            reason: str) -> tuple[Case, TimelineEvent]:
    """The case moved to another department, unassigned (the new department picks its own
    assignee), with the routing override recorded on the case and in a public entry.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, True, at, at, "hash", assignee="ana")
    >>> moved, entry = reroute(case, at=at, actor="staff:mira", department="communal_inspection",
    ...                        reason="Надлежност")
    >>> moved.department, moved.assignee, moved.routing["from"], entry.kind.value
    ('communal_inspection', None, 'roads_traffic', 'routed')
    >>> reroute(moved, at=at, actor="staff:mira", department="communal_inspection", reason="x")
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ValidationError: error.validation_failed
    """
    if department == case.department:
        raise ValidationError([FieldError("department", "unchanged")])
    routing = {"rule": "override", "department": department, "by": actor, "reason": reason,
               "from": case.department}
    entry = TimelineEvent(case.number, at, EventKind.ROUTED, actor, True, dict(routing))
    return case.with_changes(department=department, routing=routing, assignee=None,
                             updated_at=at), entry


def add_note(case: Case, *, at: datetime, actor: str, text: str) -> tuple[Case, TimelineEvent]:
    """An internal note on the case.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, True, at, at, "hash")
    >>> noted, entry = add_note(case, at=at, actor="staff:ana", text="Звао сам грађанина.")
    >>> entry.kind.value, entry.public, entry.data
    ('note', False, {'text': 'Звао сам грађанина.'})
    """
    entry = TimelineEvent(case.number, at, EventKind.NOTE, actor, False, {"text": text})
    return case.with_changes(updated_at=at), entry


def reply(case: Case, *, at: datetime, actor: str, channel: str, to: str | None, text: str,
          status: Status | None = None) -> tuple[Case, list[TimelineEvent]]:
    """The answer to the citizen (the public ``message_out`` entry, first) and, when ``status``
    differs from the case's, the status change that goes with it.

    Recorded before the message is sent, so a second click with the same version is a conflict,
    never a second message.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.IN_PROGRESS, True, at, at, "hash")
    >>> answered, entries = reply(case, at=at, actor="staff:ana", channel="sms", to="+381641234567",
    ...                           text="Санирано.", status=Status.RESOLVED)
    >>> answered.status.value, [(e.kind.value, e.data.get("reason")) for e in entries]
    ('resolved', [('message_out', None), ('status_changed', 'reply')])
    >>> len(reply(case, at=at, actor="staff:ana", channel="sms", to="+381641234567",
    ...           text="Радимо.", status=Status.IN_PROGRESS)[1])
    1
    """
    if status is not None and status != case.status:
        check_transition(case.status, status)
    entries = [TimelineEvent(case.number, at, EventKind.MESSAGE_OUT, actor, True,
                             {"kind": "reply", "channel": channel, "to": to, "public_text": text})]
    changed = case.with_changes(updated_at=at)
    if status is not None and status != case.status:
        entries.append(_status_entry(case, at + _TICK, actor, status, "reply"))
        changed = changed.with_changes(status=status)
    return changed, entries


def refer(case: Case, *, at: datetime, actor: str, to: str, body_id: str, body_name: str,
          message: str, include_contact: bool) -> tuple[Case, TimelineEvent]:
    """The case handed to an external body (``body_id``; empty for an address typed by hand,
    which is then recorded as ``body``): status ``referred``, the body's address a participant
    whose answer threads back, and the public ``referred`` entry.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, True, at, at, "hash")
    >>> referred, entry = refer(case, at=at, actor="staff:ana", to="putevi@example.rs",
    ...                         body_id="", body_name="putevi@example.rs", message="Молимо.",
    ...                         include_contact=False)
    >>> referred.status.value, referred.participants, entry.data["body"], entry.public
    ('referred', ('putevi@example.rs',), 'putevi@example.rs', True)
    """
    data = {"body_id": body_id, "email": to, "message": message,
            "include_contact": include_contact, "status": Status.REFERRED.value}
    if not body_id:
        data["body"] = body_name
    changed = case.with_changes(updated_at=at, participants=tuple(sorted({*case.participants, to})))
    if case.status != Status.REFERRED:
        check_transition(case.status, Status.REFERRED)
        changed = changed.with_changes(status=Status.REFERRED)
    entry = TimelineEvent(case.number, at, EventKind.REFERRED, actor, True, data)
    return changed, entry


def merge(case: Case, target: Case, *, at: datetime, actor: str,
          reason: str) -> tuple[Case, Case, list[TimelineEvent]]:
    """Close ``case`` as a duplicate of ``target``: the closed case, the target (linked, and
    with the duplicate's requester as a participant, so they can write into it) and the entry
    of each.

    A case merged before is a conflict; a target merged elsewhere is refused (merge into the
    case it lives on in).

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel, Contact
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000124", CaseType.SIGNAL, Channel.EMAIL, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, False, at, at, "hash",
    ...             contact=Contact(email="Ana@Example.rs"))
    >>> target = case.with_changes(number="2026-000123", contact=None)
    >>> closed, kept, entries = merge(case, target, at=at, actor="staff:ana", reason="Исто")
    >>> closed.status.value, closed.merged_into, kept.participants, kept.linked_cases
    ('closed', '2026-000123', ('ana@example.rs',), ('2026-000124',))
    >>> [(e.case_number, e.kind.value) for e in entries]
    [('2026-000124', 'merged'), ('2026-000123', 'merged_from')]
    """
    if case.merged_into:
        raise ConflictError("error.already_merged", current_version=case.version,
                            into=case.merged_into)
    if target.merged_into:
        raise ValidationError([FieldError("into", "merged_case", {"into": target.merged_into})])
    entries = [TimelineEvent(case.number, at, EventKind.MERGED, actor, True,
                             {"into": target.number, "case": target.number, "reason": reason,
                              "status": Status.CLOSED.value, "from": case.status.value,
                              # whether the requester may be sent the target's public page
                              "into_public": target.public}),
               TimelineEvent(target.number, at, EventKind.MERGED_FROM, actor, False,
                             {"from_case": case.number, "case": case.number, "reason": reason})]
    participants = set(target.participants)
    if case.contact and case.contact.email and not target.may_write(case.contact.email):
        participants.add(case.contact.email.lower())
    closed = case.with_changes(status=Status.CLOSED, merged_into=target.number, updated_at=at,
                               linked_cases=tuple(sorted({*case.linked_cases, target.number})))
    kept = target.with_changes(updated_at=at, participants=tuple(sorted(participants)),
                               linked_cases=tuple(sorted({*target.linked_cases, case.number})))
    return closed, kept, entries


def link(case: Case, other: Case, *, at: datetime,
         actor: str) -> tuple[Case, Case, list[TimelineEvent]]:
    """Link two cases both ways, with an internal entry on each; no entries when they are
    linked already.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, True, at, at, "hash")
    >>> one, two, entries = link(case, case.with_changes(number="2026-000124"), at=at,
    ...                          actor="staff:ana")
    >>> one.linked_cases, two.linked_cases, [e.data["case"] for e in entries]
    (('2026-000124',), ('2026-000123',), ['2026-000124', '2026-000123'])
    >>> link(one, two, at=at, actor="staff:ana")[2]
    []
    """
    if other.number in case.linked_cases and case.number in other.linked_cases:
        return case, other, []
    entries = [TimelineEvent(case.number, at, EventKind.LINKED, actor, False, {"case": other.number}),
               TimelineEvent(other.number, at, EventKind.LINKED, actor, False, {"case": case.number})]
    return (case.with_changes(linked_cases=tuple(sorted({*case.linked_cases, other.number})),
                              updated_at=at),
            other.with_changes(linked_cases=tuple(sorted({*other.linked_cases, case.number})),
                               updated_at=at),
            entries)


def delete(case: Case, *, at: datetime, actor: str, reason: str) -> tuple[Case, TimelineEvent]:
    """A soft delete: the case, marked deleted by whom and when, and the internal entry with why.

    Examples
    --------
    >>> from civicdesk.domain.cases import CaseType, Channel
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа.", "sr-Cyrl", Status.NEW, True, at, at, "hash")
    >>> deleted, entry = delete(case, at=at, actor="staff:petar", reason="Тест")
    >>> deleted.deleted, deleted.deleted_by, entry.kind.value, entry.public
    (True, 'staff:petar', 'deleted', False)
    """
    entry = TimelineEvent(case.number, at, EventKind.DELETED, actor, False, {"reason": reason})
    return case.with_changes(deleted_at=at, deleted_by=actor, updated_at=at), entry


def delivery_failed(number: str, *, at: datetime, channel: str, to: str, event_id: str | None = None,
                    actor: str = "system", **details: str) -> TimelineEvent:
    """The internal entry for a message that did not go out: to whom, by which channel, for
    which entry (``event_id``), and why (``details``, e.g. ``reason="suppressed"``).

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> entry = delivery_failed("2026-000123", at=at, channel="email", to="a@example.rs",
    ...                         event_id="abc", reason="suppressed", suppression="bounce")
    >>> entry.kind.value, entry.public
    ('delivery_failed', False)
    >>> entry.data  # doctest: +NORMALIZE_WHITESPACE
    {'channel': 'email', 'to': 'a@example.rs', 'event': 'abc', 'reason': 'suppressed',
     'suppression': 'bounce'}
    """
    data = {"channel": channel, "to": to}
    if event_id is not None:
        data["event"] = event_id
    return TimelineEvent(number, at, EventKind.DELIVERY_FAILED, actor, False, {**data, **details})


def sms_fallback_sent(number: str, *, at: datetime, to: str, message_id: str,
                      event_id: str) -> TimelineEvent:
    """The internal entry for a reply sent by SMS because the requester's address is suppressed.

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> entry = sms_fallback_sent("2026-000123", at=at, to="+381641234567", message_id="m1",
    ...                           event_id="abc")
    >>> entry.kind.value, entry.data["reason"]
    ('notification', 'email_suppressed')
    """
    return TimelineEvent(number, at, EventKind.NOTIFICATION, "system", False,
                         {"channel": "sms", "kind": "reply", "to": to, "message_id": message_id,
                          "event": event_id, "reason": "email_suppressed"})
