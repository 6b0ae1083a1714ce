"""Service levels and legal deadlines: a case's due times, kept on every change.

A case has up to four clocks (``CaseClock`` on the case):

- **first reaction** (service level): from ``received_at`` (else ``created_at``) until the first
  reaction by staff. A reaction is, as Zammad's first response, what the citizen sees staff do:
  a public message to them (a reply) or a change of status away from ``new`` (taking it into
  work, asking them for more, referring, resolving, merging), made by a staff member
  (``staff:`` actor). Notes, assignments, routing and system entries (auto-replies) are not.
  Its moment is kept as ``Case.first_reaction_at``.
- **resolution** (service level): from the same start until the case is resolved, closed or
  cancelled.
- **legal** (statutory types, e.g. FOI requests): from ``received_at`` the configured days,
  working or calendar; a deadline ending on a day off moves to the next working day; staff may
  extend it once, by the configured days, with a reason (``extend_legal_deadline``). It never
  stops: the law counts from receipt.
- **referral**: while the case is ``referred`` to an external body, that body's configured answer
  time (working days) from the referral.

Both service-level clocks stop while the case is not the municipality's to work: waiting for the
citizen, referred (the referral clock runs instead), resolved, closed or cancelled. The working
time they stood still is added to their due times when the clock goes on (the citizen answers,
staff move the case on, a reopened case). Everything is counted in working time on the service
levels' calendar (``docs/decisions.md``, 2026-12-01).

``track`` recomputes the clocks from the case and the entries of a change; the services call it
for every change they write (``services/casework_base.py``, the intake paths), so no path can
forget it. ``domain.due_checks`` is what the service-level job does with a case it reads
through the due-time index.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Mapping

from msgspec import Struct, field
from msgspec.structs import replace

from .calendar import OfficeCalendar
from .cases import Case, CaseClock, CaseType, EventKind, Status, TimelineEvent, iso
from .errors import ConflictError, FieldError, ValidationError
from .working_time import (
    add_working_time,
    calendar_days_deadline,
    working_days_deadline,
    working_time_between,
)


class Clock(str, Enum):
    FIRST_REACTION = "first_reaction"
    RESOLUTION = "resolution"
    LEGAL = "legal"
    REFERRAL = "referral"


#: Statuses in which the service-level clocks stand still.
STOPPED_STATUSES = frozenset({Status.WAITING_FOR_CITIZEN, Status.REFERRED, Status.RESOLVED,
                              Status.CLOSED, Status.CANCELLED})
_OPEN_FOR_LEGAL = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING_FOR_CITIZEN,
                             Status.REFERRED})


class Target(Struct, frozen=True):
    """A first-reaction and a resolution target in working minutes, and how long before a due
    time the assignee is warned. ``matched`` says which configuration entry gave it
    (``category:local_taxes``, ``department:tax_administration``, ``type:foi_request``,
    ``default``)."""

    first_reaction_minutes: int
    resolution_minutes: int
    warn_before_minutes: int
    matched: str = "default"


class LegalDeadline(Struct, frozen=True):
    """A statutory deadline of one case type in one country."""

    case_type: CaseType
    days: int
    working_days: bool  # False: calendar days (a last day off moves to the next working day)
    reference: str
    extension_days: int = 0  # 0: the law allows no extension
    extension_reference: str = ""
    extension_reason_required: bool = True
    to_be_confirmed_by_lawyer: bool = True


class ServiceLevels(Struct, frozen=True):
    """The municipality's service levels: its working calendar (working hours, public holidays
    and local days off), the targets matched by category, department and type, the legal
    deadlines of its country, and the referral answer times of external bodies (working days,
    by body id; ``""``: any body without its own)."""

    calendar: OfficeCalendar
    default: Target
    by_category: Mapping[str, Target] = field(default_factory=dict)
    by_department: Mapping[str, Target] = field(default_factory=dict)
    by_type: Mapping[CaseType, Target] = field(default_factory=dict)
    legal: Mapping[CaseType, LegalDeadline] = field(default_factory=dict)
    referral_days: Mapping[str, int] = field(default_factory=dict)

    def target_for(self, case: Case) -> Target:
        """The most specific target: the category's, else the department's, else the type's,
        else the default."""
        return (self.by_category.get(case.category) or self.by_department.get(case.department)
                or self.by_type.get(case.type) or self.default)

    def referral_answer_days(self, body_id: str) -> int | None:
        return self.referral_days.get(body_id, self.referral_days.get(""))


# -- keeping the clocks -------------------------------------------------------------------------

def is_first_reaction(entry: TimelineEvent) -> bool:
    """Whether ``entry`` is a reaction by staff the citizen sees (see the module's text)."""
    if not entry.actor.startswith("staff:"):
        return False
    if entry.kind is EventKind.MESSAGE_OUT:
        return entry.public
    if entry.kind in (EventKind.STATUS_CHANGED, EventKind.MERGED):
        return entry.data.get("from") == Status.NEW.value
    return entry.kind is EventKind.REFERRED


def _legal_due(levels: ServiceLevels, case: Case, extension_days: int) -> datetime | None:
    rule = levels.legal.get(case.type)
    if rule is None:
        return None
    start = case.received_at or case.created_at
    days = rule.days + extension_days
    if rule.working_days:
        return working_days_deadline(levels.calendar, start, days)
    return calendar_days_deadline(levels.calendar, start, days)


def track(case: Case, entries: list[TimelineEvent] | tuple[TimelineEvent, ...],
          levels: ServiceLevels | None, *, at: datetime | None = None) -> Case:
    """The case with its clocks recomputed after a change that wrote ``entries`` (``at``: when;
    default the latest entry's time, else ``updated_at``). Without service levels configured
    the case is returned unchanged.

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import Channel
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "UTC", holidays=())
    >>> levels = ServiceLevels(cal, Target(30, 960, 10))
    >>> at = datetime(2026, 11, 27, 15, 45, tzinfo=timezone.utc)  # a Friday
    >>> case = Case("2026-000123", CaseType.REQUEST, Channel.PHONE, "local_taxes", "tax",
    ...             "Molim rešenje.", "sr-Latn", Status.NEW, False, at, at, "hash")
    >>> tracked = track(case, [], levels)
    >>> iso(tracked.clock.first_reaction_due), iso(tracked.clock.resolution_due)
    ('2026-11-30T08:15:00.000000Z', '2026-12-01T15:45:00.000000Z')
    """
    if levels is None:
        return case
    when = at or max((e.at for e in entries), default=case.updated_at)
    clock = case.clock
    first_reaction_at = case.first_reaction_at
    if first_reaction_at is None:
        first_reaction_at = next((e.at for e in sorted(entries, key=lambda e: e.at)
                                  if is_first_reaction(e)), None)
    stopped = case.status in STOPPED_STATUSES or case.deleted
    paused_since, paused_seconds = clock.paused_since, clock.paused_seconds
    if stopped and paused_since is None:
        paused_since = when
    elif not stopped and paused_since is not None:
        paused_seconds += int(working_time_between(levels.calendar, paused_since, when).total_seconds())
        paused_since = None
    referred_at, referral_due = None, None
    if case.status is Status.REFERRED and not case.deleted:
        referral = next((e for e in sorted(entries, key=lambda e: e.at, reverse=True)
                         if e.kind is EventKind.REFERRED), None)
        if referral is None and clock.referred_at is not None:
            referred_at, referral_due = clock.referred_at, clock.referral_due
        else:
            referred_at = referral.at if referral is not None else when
            days = levels.referral_answer_days(str(referral.data.get("body_id") or "")
                                               if referral is not None else "")
            referral_due = (working_days_deadline(levels.calendar, referred_at, days)
                            if days is not None else None)
    target = levels.target_for(case)
    start = case.received_at or case.created_at
    paused = timedelta(seconds=paused_seconds)
    new_clock = replace(
        clock,
        first_reaction_due=add_working_time(levels.calendar, start,
                                            timedelta(minutes=target.first_reaction_minutes) + paused),
        resolution_due=add_working_time(levels.calendar, start,
                                        timedelta(minutes=target.resolution_minutes) + paused),
        legal_due=_legal_due(levels, case, clock.legal_extension_days),
        referral_due=referral_due, referred_at=referred_at,
        paused_since=paused_since, paused_seconds=paused_seconds)
    return case.with_changes(clock=new_clock, first_reaction_at=first_reaction_at)


def running_clocks(case: Case) -> dict[Clock, datetime]:
    """The clocks that are running now, with their due times: first reaction until the first
    reaction, resolution while the case is the municipality's to work, legal while the case is
    open, referral while it is referred. None for a deleted or merged case."""
    clock = case.clock
    if case.deleted or case.merged_into or case.status not in _OPEN_FOR_LEGAL:
        return {}
    running: dict[Clock, datetime] = {}
    if clock.paused_since is None:
        if case.first_reaction_at is None and clock.first_reaction_due is not None:
            running[Clock.FIRST_REACTION] = clock.first_reaction_due
        if clock.resolution_due is not None:
            running[Clock.RESOLUTION] = clock.resolution_due
    if clock.legal_due is not None:
        running[Clock.LEGAL] = clock.legal_due
    if case.status is Status.REFERRED and clock.referral_due is not None:
        running[Clock.REFERRAL] = clock.referral_due
    return running


def alert_key(kind: str, which: Clock, due: datetime) -> str:
    """How ``CaseClock.alerts`` names a recorded warning (``warned``) or breach (``breached``)."""
    return f"{kind}:{which.value}@{iso(due)}"


def breached_clocks(case: Case) -> list[Clock]:
    """The running clocks whose breach at their current due time was recorded."""
    return [which for which, due in running_clocks(case).items()
            if alert_key("breached", which, due) in case.clock.alerts]


def next_due(case: Case) -> datetime | None:
    """The nearest due time of a running clock, breached or not: the due-time index's sort key
    (``None``: the case is not in the index). A breached clock keeps the case there until it
    stops (the reaction, the resolution), so the overdue queue is one read of the index, and
    the job's window holds every case with a warning or a breach still possibly due."""
    return min(running_clocks(case).values(), default=None)


def overdue_clocks(case: Case, now: datetime) -> list[Clock]:
    """The running clocks past their due time at ``now``, nearest due first."""
    return [which for which, due in sorted(running_clocks(case).items(), key=lambda item: item[1])
            if due <= now]


def replay(case: Case, history: list[TimelineEvent] | tuple[TimelineEvent, ...],
           levels: ServiceLevels | None) -> Case:
    """The case with its clocks as ``track`` would have kept them through ``history`` (its
    timeline, in any order): for cases stored before service levels, and for checking kept
    clocks against a recomputation. The statuses are taken from the entries (``case_opened``,
    ``status_changed``, ``referred``, ``merged``), the extension from ``deadline_extended``; the
    warnings and breaches recorded are the case's own.

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import Channel
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "UTC", holidays=())
    >>> levels = ServiceLevels(cal, Target(30, 960, 10))
    >>> at = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.REQUEST, Channel.PHONE, "local_taxes", "tax",
    ...             "Molim rešenje.", "sr-Latn", Status.IN_PROGRESS, False, at, at, "hash")
    >>> history = [TimelineEvent(case.number, at + timedelta(hours=h), EventKind.STATUS_CHANGED,
    ...                          "staff:ana", True, {"status": s, "from": f})
    ...            for h, s, f in ((1, "waiting_for_citizen", "new"), (3, "in_progress", "waiting_for_citizen"))]
    >>> replayed = replay(case, history, levels)
    >>> replayed.first_reaction_at == at + timedelta(hours=1), replayed.clock.paused_seconds
    (True, 7200)
    """
    if levels is None:
        return case
    status, extension = Status.NEW, 0
    state = case.with_changes(status=Status.NEW, clock=CaseClock(), first_reaction_at=None,
                              deleted_at=None, merged_into=None)
    for entry in sorted(history, key=lambda e: e.at):
        if entry.kind in (EventKind.STATUS_CHANGED, EventKind.CASE_OPENED):
            status = Status(entry.data.get("status") or status.value)
        elif entry.kind is EventKind.REFERRED:
            status = Status.REFERRED
        elif entry.kind is EventKind.MERGED:
            status = Status.CLOSED
        elif entry.kind is EventKind.DEADLINE_EXTENDED:
            extension = int(entry.data.get("days") or 0)
        state = state.with_changes(status=status,
                                   clock=replace(state.clock, legal_extension_days=extension))
        state = track(state, [entry], levels, at=entry.at)
    final = case.with_changes(clock=replace(state.clock, alerts=case.clock.alerts),
                              first_reaction_at=state.first_reaction_at)
    return track(final, [], levels, at=max((e.at for e in history), default=case.updated_at))


# -- extending the legal deadline ------------------------------------------------------------------

def legal_extendable(case: Case, levels: ServiceLevels | None) -> bool:
    """Whether ``extend_legal_deadline`` would extend the case's legal deadline now."""
    rule = levels.legal.get(case.type) if levels is not None else None
    return bool(rule is not None and rule.extension_days and not case.clock.legal_extension_days
                and case.status in _OPEN_FOR_LEGAL and not case.merged_into and not case.deleted)


def extend_legal_deadline(case: Case, *, at: datetime, actor: str, reason: str,
                          levels: ServiceLevels) -> tuple[Case, TimelineEvent]:
    """The legal deadline extended by the law's extension days, once, with a reason: the case
    with its new ``legal_due`` and the public ``deadline_extended`` entry (the requester must be
    told of the extension and why). A type without a legal deadline or without an extension, a
    case extended before or no longer open is a conflict (409).

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import Channel
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "UTC", holidays=())
    >>> foi = LegalDeadline(CaseType.FOI_REQUEST, 15, False, "čl. 16", 25, "čl. 16 st. 3")
    >>> levels = ServiceLevels(cal, Target(30, 960, 10), legal={CaseType.FOI_REQUEST: foi})
    >>> at = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    >>> case = track(Case("2026-000123", CaseType.FOI_REQUEST, Channel.EMAIL, "general_question",
    ...                   "general_administration", "Zahtev.", "sr-Latn", Status.IN_PROGRESS,
    ...                   False, at, at, "hash"), [], levels)
    >>> iso(case.clock.legal_due)
    '2026-11-18T00:00:00.000000Z'
    >>> extended, entry = extend_legal_deadline(case, at=at, actor="staff:ana", reason="Obim",
    ...                                         levels=levels)
    >>> iso(extended.clock.legal_due), entry.data["days"]
    ('2026-12-15T00:00:00.000000Z', 25)
    >>> extend_legal_deadline(extended, at=at, actor="staff:ana", reason="x", levels=levels)
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConflictError: error.deadline_already_extended
    """
    rule = levels.legal.get(case.type)
    if rule is None or not rule.extension_days:
        raise ConflictError("error.deadline_not_extendable", current_version=case.version,
                            number=case.number)
    if case.clock.legal_extension_days:
        raise ConflictError("error.deadline_already_extended", current_version=case.version,
                            number=case.number)
    if case.status not in _OPEN_FOR_LEGAL or case.merged_into:
        raise ConflictError("error.deadline_not_open", current_version=case.version,
                            number=case.number)
    if rule.extension_reason_required and not reason.strip():
        raise ValidationError([FieldError("reason", "required")])
    extended = case.with_changes(clock=replace(case.clock, legal_extension_days=rule.extension_days),
                                 updated_at=at)
    extended = track(extended, [], levels, at=at)
    due = extended.clock.legal_due
    entry = TimelineEvent(case.number, at, EventKind.DEADLINE_EXTENDED, actor, True,
                          {"days": rule.extension_days, "reason": reason.strip(),
                           "legal_due": iso(due) if due else "",
                           "previous_due": iso(case.clock.legal_due) if case.clock.legal_due else "",
                           "reference": rule.extension_reference or rule.reference})
    return extended, entry
