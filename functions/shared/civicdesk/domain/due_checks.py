"""The service-level job's checks on a case read through the due-time index: which warnings and
breaches are due now (each at most once per clock and due time, ``CaseClock.alerts``), and the
internal timeline entries that record them (``sla_warning``, ``sla_breached``).

Standard library only; the clocks are those of ``domain.service_levels``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from msgspec import Struct
from msgspec.structs import replace

from .cases import Case, EventKind, TimelineEvent, iso
from .service_levels import Clock, ServiceLevels, alert_key, running_clocks
from .working_time import working_minutes_between


class CheckKind(str, Enum):
    WARNING = "warning"
    BREACH = "breach"


class DueCheck(Struct, frozen=True):
    """A warning or a breach that is due on a case now, for one clock and its due time."""

    kind: CheckKind
    clock: Clock
    due: datetime

    @property
    def key(self) -> str:
        return alert_key("warned" if self.kind is CheckKind.WARNING else "breached",
                          self.clock, self.due)


def due_checks(case: Case, now: datetime, warn_before: timedelta) -> list[DueCheck]:
    """The warnings and breaches to record on ``case`` at ``now``: a warning from
    ``warn_before`` before a due time (not once it has passed: then the breach is due), a breach
    once it has passed; each at most once per clock and due time (``CaseClock.alerts``).

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import CaseClock, CaseType, Channel, Status
    >>> at = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.REQUEST, Channel.PHONE, "local_taxes", "tax",
    ...             "Molim rešenje.", "sr-Latn", Status.NEW, False, at, at, "hash",
    ...             clock=CaseClock(first_reaction_due=at + timedelta(minutes=30),
    ...                             resolution_due=at + timedelta(days=2)))
    >>> [(c.kind.value, c.clock.value) for c in due_checks(case, at + timedelta(minutes=25),
    ...                                                    timedelta(minutes=10))]
    [('warning', 'first_reaction')]
    >>> [(c.kind.value, c.clock.value) for c in due_checks(case, at + timedelta(minutes=31),
    ...                                                    timedelta(minutes=10))]
    [('breach', 'first_reaction')]
    """
    checks = []
    for which, due in sorted(running_clocks(case).items(), key=lambda item: item[1]):
        if now >= due:
            check = DueCheck(CheckKind.BREACH, which, due)
        elif now >= due - warn_before:
            check = DueCheck(CheckKind.WARNING, which, due)
        else:
            continue
        if check.key not in case.clock.alerts:
            checks.append(check)
    return checks


def record_checks(case: Case, checks: list[DueCheck], *, at: datetime, levels: ServiceLevels,
                  actor: str = "system:sla") -> tuple[Case, list[TimelineEvent]]:
    """The case with ``checks`` recorded (so they are not recorded again) and their internal
    timeline entries: ``sla_warning`` (``{"clock", "due", "assignee"}``; the events publisher
    makes it ``case.sla_warning``, which notifies the assignee) and ``sla_breached``
    (``{"clock", "due", "overdue_minutes"}``: how late, in working minutes, when recorded).
    Escalating a breached case is the job's next step (``escalation.escalate``)."""
    entries = []
    for index, check in enumerate(checks):
        data: dict = {"clock": check.clock.value, "due": iso(check.due)}
        if check.kind is CheckKind.WARNING:
            kind = EventKind.SLA_WARNING
            data["assignee"] = case.assignee or ""
        else:
            kind = EventKind.SLA_BREACHED
            data["overdue_minutes"] = working_minutes_between(levels.calendar, check.due, at)
        entries.append(TimelineEvent(case.number, at + timedelta(microseconds=index), kind, actor,
                                     False, data))
    alerts = tuple(sorted({*case.clock.alerts, *(check.key for check in checks)}))
    return case.with_changes(clock=replace(case.clock, alerts=alerts)), entries
