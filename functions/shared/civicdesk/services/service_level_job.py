"""The service-level job (every five minutes, ``functions/sla/``): warns before a due time and
escalates when one is missed, each once per clock and due time.

A run's "now" is its scheduled time (``domain.jobs``): a run retried late, or made by hand for a
past slot, decides what that slot's run would have. It reads only the open cases whose nearest
due time is before now plus the longest warning lead of the configuration, through the due-time
index (``DueCases.cases_due``: one ``Query`` per shard and one ``BatchGetItem`` per 100 cases,
so its reads grow with the cases due, not with the table). For each, the pure checks of
``domain.service_levels`` decide (``due_checks``: a warning within the case's target's
``warn_before_minutes``, a breach once the due time passed, none of what ``CaseClock.alerts``
holds already) and ``record_checks`` writes them down as ``sla_warning`` and ``sla_breached``
entries; new breaches escalate the case once (``domain.breach_escalation``, actor
``system:sla``). Everything of one case goes in **one version-checked write**, the alerts with
the entries: a second run, an overlapping one or a retry after a crash reads the alerts and has
nothing left to do, and a run that lost the race to another writer (a staff change, another
run) reads the case again and checks it anew. Mails are not the job's: the stream turns the
entries into ``case.sla_warning`` (the assignee's mail) and ``case.escalated`` (the
supervisors'), which the notify function sends at most once per recipient.

Exactly once, not at most once: the job needs no claims in the job-run ledger
(``RunContext.once``), because the write that records an alert is the write of its entries.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from msgspec import Struct, field

from ..domain.breach_escalation import SLA_ACTOR, escalate_breaches
from ..domain.cases import Case, EventKind, TimelineEvent, iso
from ..domain.due_checks import CheckKind, due_checks, record_checks
from ..domain.errors import ConflictError
from ..domain.municipality import Municipality
from ..domain.service_levels import ServiceLevels, track
from ..rendering import breach_reason
from .jobs import RunContext
from .municipality import MunicipalityProvider
from .service_level_ports import DueCases, ServiceLevelCases

logger = logging.getLogger(__name__)

#: Writes of one case a run tries before it leaves the case to the next run (another writer
#: kept changing it).
ATTEMPTS = 3


class ServiceLevelRunFailed(RuntimeError):
    """Some cases could not be written; the others were. The run fails, so that Lambda retries
    it (what was written is not written again) and then parks it in the jobs' queue."""


class RunTally(Struct):
    cases_due: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    #: Writes refused because the case changed meanwhile (read again and checked anew).
    conflicts: int = 0
    #: Cases left to the next run after ``ATTEMPTS`` refused writes.
    left_for_next_run: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def longest_warning(levels: ServiceLevels) -> timedelta:
    """The widest warning lead of any target: the job's window reaches that far ahead."""
    targets = [levels.default, *levels.by_category.values(), *levels.by_department.values(),
               *levels.by_type.values()]
    return timedelta(minutes=max(target.warn_before_minutes for target in targets))


class ServiceLevelJob:
    def __init__(self, due: DueCases, cases: ServiceLevelCases, municipality: MunicipalityProvider):
        self._due = due
        self._cases = cases
        self._municipality = municipality

    def run(self, job: RunContext) -> None:
        """One run of the job at ``job.run.scheduled_for``; its tally in ``job.outcome``.

        Raises ``ServiceLevelRunFailed`` after every case was tried when some could not be
        written (not for conflicts: those are read again, or left to the next run)."""
        now = job.run.scheduled_for
        municipality = self._municipality.get()
        levels = municipality.service_levels
        job.outcome["now"] = iso(now)
        if levels is None:  # no service_levels.json: cases carry no due times
            job.outcome["service_levels"] = False
            return
        until = now + longest_warning(levels)
        job.outcome["until"] = iso(until)
        tally = RunTally()
        due = self._due.cases_due(until)
        tally.cases_due = len(due)
        for case in due:
            try:
                self._check(case, now, levels, municipality, tally)
            except Exception:  # noqa: BLE001 - the other cases still go; the run is retried
                logger.exception("service-level check failed", extra={"number": case.number})
                tally.failed.append(case.number)
        job.outcome.update({"cases_due": tally.cases_due, "warnings": tally.warnings,
                            "breaches": tally.breaches, "escalations": tally.escalations,
                            "conflicts": tally.conflicts,
                            "left_for_next_run": tally.left_for_next_run})
        if tally.failed:
            job.outcome["failed"] = tally.failed
            raise ServiceLevelRunFailed(f"{len(tally.failed)} case(s) not written: "
                                        f"{', '.join(tally.failed[:10])}")

    def _check(self, case: Case, now: datetime, levels: ServiceLevels,
               municipality: Municipality, tally: RunTally) -> None:
        current: Case | None = case
        for _ in range(ATTEMPTS):
            if current is None:  # gone meanwhile
                return
            change = self._change(current, now, levels, municipality)
            if change is None:
                return
            changed, entries = change
            try:
                self._cases.save_change(changed, current.version, entries)
            except ConflictError:
                tally.conflicts += 1
                current = self._cases.get_case(case.number)
                continue
            kinds = [entry.kind for entry in entries]
            tally.warnings += kinds.count(EventKind.SLA_WARNING)
            tally.breaches += kinds.count(EventKind.SLA_BREACHED)
            tally.escalations += kinds.count(EventKind.ESCALATED)
            logger.info("service levels checked", extra={
                "number": case.number, "entries": [kind.value for kind in kinds]})
            return
        tally.left_for_next_run.append(case.number)

    @staticmethod
    def _change(case: Case, now: datetime, levels: ServiceLevels,
                municipality: Municipality) -> tuple[Case, list[TimelineEvent]] | None:
        """The case with what is due on it at ``now`` recorded, and the entries; ``None`` when
        nothing is."""
        warn_before = timedelta(minutes=levels.target_for(case).warn_before_minutes)
        checks = due_checks(case, now, warn_before)
        if not checks:
            return None
        changed, entries = record_checks(case, checks, at=now, levels=levels, actor=SLA_ACTOR)
        breaches = [entry.data for entry, check in zip(entries, checks, strict=True)
                    if check.kind is CheckKind.BREACH]
        if breaches and changed.state == "open" and not changed.merged_into:
            reason = breach_reason(municipality.default_language, breaches, municipality.time_zone)
            changed, escalation = escalate_breaches(
                changed, breaches, at=now + timedelta(microseconds=len(entries)), reason=reason)
            entries.append(escalation)
        return track(changed, entries, levels, at=now), entries
