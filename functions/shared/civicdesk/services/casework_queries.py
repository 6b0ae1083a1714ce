"""Reading cases: a page of a queue, one case with its whole timeline.

``CaseQueries`` is part of the case-work service; ``CaseReader`` is the same use cases alone,
built from the three collaborators they read (the admin API's queue and case routes): reading
does not import the intake, the changes and the messaging behind them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from ..domain.cases import OPEN_STATUSES, Case, Status, parse_number, utc_now
from ..domain.errors import FieldError, ForbiddenError, ValidationError
from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, Scope, allowed, authorise, authorise_case
from .casework_base import CaseworkBase
from .municipality import MunicipalityProvider
from .query_commands import CaseFile, QueueFilter, QueuePage
from .queue_query import QueueQuery

if TYPE_CHECKING:  # annotations only
    from .ports import CaseQueues, CaseworkCases, DueCases


class CaseQueries(CaseworkBase):
    def queue(self, principal: Principal | None, query: QueueFilter) -> QueuePage:
        """One page of a queue; one ``Query`` on the index that serves the filters."""
        caller = allowed(principal, Action.VIEW_CASES)
        errors = queue_filter_errors(self._municipality.get(), query)
        if errors:
            raise ValidationError(errors)
        planned = plan_queue(caller, query, across_own_departments=query.view == "overdue")
        if query.view == "overdue":
            return QueuePage(self._overdue(planned, query), None)
        cases, cursor = self._queues.queue(planned)
        return QueuePage(cases, cursor)

    def _overdue(self, planned: QueueQuery, query: QueueFilter) -> list[Case]:
        """The open cases of the planned queue with a running clock past due, most overdue
        first: one read of the due-time index (``DueCases.cases_due``), the queue's other
        filters applied to the cases read. A cursor makes no sense here (the list changes
        by the minute); ``limit`` bounds it."""
        from ..domain.service_levels import overdue_clocks  # the overdue view only

        if query.cursor or (query.state not in (None, "open")):
            raise ValidationError([FieldError("view", "open_only")])
        now = self._clock()
        kept = []
        for case in self._due.cases_due(now):
            if case.deleted or not overdue_clocks(case, now):
                continue
            if planned.kind == "department" and case.department != planned.partition:
                continue
            if planned.kind == "assignee" and case.assignee != planned.partition:
                continue
            if planned.departments and case.department not in planned.departments:
                continue
            if ((planned.statuses and case.status.value not in planned.statuses)
                    or (planned.types and case.type.value not in planned.types)
                    or (planned.channels and case.channel.value not in planned.channels)
                    or (planned.categories and case.category not in planned.categories)):
                continue
            kept.append(case)
            if len(kept) == query.limit:
                break
        return kept

    def case(self, principal: Principal | None, number: str) -> CaseFile:
        """The case with its timeline (one ``Query`` for an ordinary case), internal entries
        included: the whole history and the latest entries of the delivery trail.

        For a caller limited to their departments, access is decided on the case item (one
        ``GetItem``) before the timeline is read, so another department's case costs the same
        reads as a missing one (both 403). A caller who may see every case is refused only a
        missing case (and a deleted one, if they may not see those: a fact about a case they
        could see until it was deleted) and reads it in one ``Query``."""
        scope = authorise(principal, Action.VIEW_CASES)
        assert principal is not None
        if parse_number(number) is None:
            authorise_case(principal, Action.VIEW_CASES, None)
        if scope is not Scope.ALL:
            case = self._cases.get_case(number)
            authorise_case(principal, Action.VIEW_CASES, case.department if case else None,
                           deleted=bool(case and case.deleted))
        found = self._cases.get_with_followers(number)
        # again on what was read: the case may have moved or been deleted in between
        authorise_case(principal, Action.VIEW_CASES, found[0].department if found else None,
                       deleted=bool(found and found[0].deleted))
        assert found is not None  # authorise_case refuses a missing case
        case, events, followers, trail_complete = found
        return CaseFile(case, events, followers, trail_complete)


class CaseReader(CaseQueries):
    """The reading use cases of the case-work service, on their own."""

    def __init__(self, cases: CaseworkCases, queues: CaseQueues, municipality: MunicipalityProvider,
                 *, due: DueCases, clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._queues = queues
        self._municipality = municipality
        self._due = due
        self._clock = clock


def queue_filter_errors(municipality: Municipality, query: QueueFilter) -> list[FieldError]:
    """What is wrong with a queue's filters: the edge's findings, then what only the
    municipality can tell (the queue, its count and a saved view check the same)."""
    errors = list(query.invalid)
    if any(c not in municipality.categories for c in query.categories):
        errors.append(FieldError("category", "not_allowed",
                                 {"allowed": ", ".join(municipality.categories)}))
    if query.department and query.department not in municipality.departments:
        errors.append(FieldError("department", "unknown_department"))
    if query.created_from and query.created_to and query.created_from > query.created_to:
        errors.append(FieldError("to", "before_from"))
    return errors


def plan_queue(caller: Principal, query: QueueFilter, *,
               across_own_departments: bool = False) -> QueueQuery:
    """The index read that serves ``query`` for ``caller`` (filters already checked): which
    queue, which state in its key, and the departments a department agent is limited to; 403
    for a department the caller may not see, 400 when an agent of several must choose one
    (unless ``across_own_departments``: a read that filters by department anyway, such as the
    overdue view, serves all of theirs)."""
    scope = caller.scope(Action.VIEW_CASES)
    department = query.department
    state = query.state or "open"
    assignee = query.assignee
    if assignee == "me":
        assignee = caller.username
    if state == "deleted":
        authorise(caller, Action.VIEW_DELETED)
    departments: tuple[str, ...] = ()
    if scope is Scope.OWN_DEPARTMENTS:
        if department is None and assignee is None and len(caller.departments) == 1:
            department = next(iter(caller.departments))
        if department is not None and department not in caller.departments:
            raise ForbiddenError("error.forbidden")
        if department is None and assignee is None and not across_own_departments:
            raise ValidationError([FieldError("department", "required_for_role")])
        if department is None:
            departments = tuple(sorted(caller.departments))
    if assignee:
        kind, partition = "assignee", assignee
        if department:
            departments = (department,)
    elif state == "deleted":
        kind, partition = "deleted", ""
    elif department:
        kind, partition = "department", department
    else:
        kind, partition = "all", ""
    # Statuses without a state choose the state; a single state narrows the key to it and
    # the statuses are a filter within it.
    key_state = None if state in ("all", "deleted") else state
    wanted_states = {("open" if Status(s) in OPEN_STATUSES else "closed") for s in query.statuses}
    if query.statuses and query.state is None:
        key_state = wanted_states.pop() if len(wanted_states) == 1 else None
    elif query.statuses and key_state is not None and wanted_states - {key_state}:
        raise ValidationError([FieldError("status", "not_in_state", {"state": key_state})])
    return QueueQuery(
        kind=kind, partition=partition, state=key_state, statuses=query.statuses,
        types=query.types, channels=query.channels, categories=query.categories,
        departments=departments, created_from=query.created_from,
        created_to=query.created_to, descending=query.descending, limit=query.limit,
        cursor=query.cursor)
