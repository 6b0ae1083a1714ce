"""The supervisors' board (per department: how many cases are new, in progress, waiting for
the citizen, escalated; who works on what) and the count of a queue, both read with
``Select=COUNT`` on the partitions the queues read (``docs/decisions.md``)."""

from __future__ import annotations

from msgspec import Struct, field

from ..domain.errors import FieldError, ForbiddenError, ValidationError
from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, Scope, allowed
from .case_commands import QueueFilter
from .casework_queries import plan_queue, queue_filter_errors
from .commands import StaffCommand
from .console_ports import OpenCaseBrief, QueueCounts, Tally
from .municipality import MunicipalityProvider

#: The counters of a board row that are one status each (one ``Select=COUNT`` call each).
BOARD_STATUSES = ("new", "in_progress", "waiting_for_citizen")
#: The most calls the read of a department's attended cases makes (1 MB each).
MAX_ATTENDED_CALLS = 3
#: The most cases a row lists per assignee (their number of cases is always whole).
MAX_CASES_PER_ASSIGNEE = 10
#: The most calls a queue's count makes (keys only: about 10,000 entries a call).
MAX_COUNT_CALLS = 10


class BoardQuery(StaffCommand, frozen=True, kw_only=True):
    department: str | None = None


class Workload(Struct, frozen=True):
    """One person's open cases in a department: how many, and the oldest few."""

    assignee: str
    open_cases: int
    cases: list[OpenCaseBrief]


class BoardRow(Struct, frozen=True):
    department: str
    counts: dict[str, Tally]
    escalated: int
    workload: list[Workload]
    #: ``False`` when the read of attended cases stopped at its bound (``escalated`` and the
    #: workload are then at least these).
    complete: bool = True
    escalated_cases: list[OpenCaseBrief] = field(default_factory=list)


class Board(Struct, frozen=True):
    rows: list[BoardRow]
    municipality: Municipality


class BoardService:
    def __init__(self, counts: QueueCounts, municipality: MunicipalityProvider):
        self._counts = counts
        self._municipality = municipality

    def board(self, principal: Principal | None, query: BoardQuery) -> Board:
        """A row per department the caller sees (a department agent: theirs; everyone else who
        reads cases: all), or only ``query.department``'s."""
        caller = allowed(principal, Action.VIEW_CASES)
        municipality = self._municipality.get()
        errors = []
        if query.department and query.department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        query.raise_invalid(errors)
        visible = sorted(municipality.departments)
        if caller.scope(Action.VIEW_CASES) is Scope.OWN_DEPARTMENTS:
            visible = [d for d in visible if d in caller.departments]
        if query.department:
            if query.department not in visible:
                raise ForbiddenError("error.forbidden")
            visible = [query.department]
        return Board([self._row(department) for department in visible], municipality)

    def _row(self, department: str) -> BoardRow:
        counts = {status: self._counts.status_count(department, status) for status in BOARD_STATUSES}
        attended, complete = self._counts.attended(department, max_calls=MAX_ATTENDED_CALLS)
        escalated = [case for case in attended if case.escalation_level > 0]
        by_assignee: dict[str, list[OpenCaseBrief]] = {}
        for case in attended:
            if case.assignee:
                by_assignee.setdefault(case.assignee, []).append(case)
        workload = [Workload(assignee, len(cases), cases[:MAX_CASES_PER_ASSIGNEE])
                    for assignee, cases in sorted(by_assignee.items(),
                                                  key=lambda pair: (-len(pair[1]), pair[0]))]
        return BoardRow(department, counts, len(escalated), workload, complete,
                        escalated[:MAX_CASES_PER_ASSIGNEE])

    def count(self, principal: Principal | None, query: QueueFilter) -> Tally:
        """How many cases the queue with these filters holds (its page size and cursor do not
        matter): the same checks and the same partition as the queue's pages."""
        caller = allowed(principal, Action.VIEW_CASES)
        errors = queue_filter_errors(self._municipality.get(), query)
        if errors:
            raise ValidationError(errors)
        return self._counts.count(plan_queue(caller, query), max_calls=MAX_COUNT_CALLS)
