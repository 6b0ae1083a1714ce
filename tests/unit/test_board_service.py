"""The supervisors' board and queue counts with an in-memory ``QueueCounts``: which rows a role
gets, how a row is put together, and what a bounded read says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.errors import ForbiddenError, UnauthorizedError, ValidationError
from civicdesk.domain.policy import Principal, Role
from civicdesk.services.board import MAX_CASES_PER_ASSIGNEE, BoardQuery, BoardService
from civicdesk.services.case_commands import QueueFilter
from civicdesk.services.console_ports import OpenCaseBrief, Tally
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.ports import QueueQuery
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import InMemoryConfigRepository

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


class FakeQueueCounts:
    """Counts per (department, status), attended cases per department; records each ask."""

    def __init__(self):
        self.statuses: dict[tuple[str, str], int] = {}
        self.attended_cases: dict[str, list[OpenCaseBrief]] = {}
        self.complete: dict[str, bool] = {}
        self.asked: list[object] = []

    def count(self, query: QueueQuery, *, max_calls: int) -> Tally:
        self.asked.append(query)
        return Tally(7)

    def status_count(self, department: str, status: str) -> Tally:
        self.asked.append((department, status))
        return Tally(self.statuses.get((department, status), 0))

    def attended(self, department: str, *, max_calls: int):
        self.asked.append(department)
        return self.attended_cases.get(department, []), self.complete.get(department, True)


def brief(number: int, assignee: str | None = None, level: int = 0) -> OpenCaseBrief:
    return OpenCaseBrief(number=f"2026-{number:06d}", subject=None, excerpt="…", status="in_progress",
                         assignee=assignee, escalation_level=level,
                         created_at=T0 + timedelta(minutes=number))


@pytest.fixture
def world():
    counts = FakeQueueCounts()
    provider = MunicipalityProvider(InMemoryConfigRepository(load_config_dir(CONFIG_DIR)))
    return counts, BoardService(counts, provider), provider.get()


def person(role: Role, *departments: str) -> Principal:
    return Principal("sub", "ana", frozenset({role}), frozenset(departments))


def test_a_row_counts_statuses_escalations_and_each_persons_cases(world):
    counts, service, _ = world
    counts.statuses[("roads_traffic", "new")] = 4
    counts.statuses[("roads_traffic", "waiting_for_citizen")] = 2
    counts.attended_cases["roads_traffic"] = [
        brief(1, "ana"), brief(2, None, level=1), brief(3, "marko", level=2),
        *[brief(10 + n, "marko") for n in range(MAX_CASES_PER_ASSIGNEE + 2)]]
    # WHEN the supervisor reads one department's row
    board = service.board(person(Role.SUPERVISOR), BoardQuery(department="roads_traffic"))
    # THEN
    (row,) = board.rows
    assert {s: t.count for s, t in row.counts.items()} == {"new": 4, "in_progress": 0,
                                                           "waiting_for_citizen": 2}
    assert row.escalated == 2 and [c.number for c in row.escalated_cases] == ["2026-000002", "2026-000003"]
    assert [(w.assignee, w.open_cases) for w in row.workload] == [("marko", MAX_CASES_PER_ASSIGNEE + 3),
                                                                  ("ana", 1)]
    assert len(row.workload[0].cases) == MAX_CASES_PER_ASSIGNEE
    assert row.complete is True


def test_a_read_that_stopped_at_its_bound_says_so(world):
    counts, service, _ = world
    counts.complete["roads_traffic"] = False
    row = service.board(person(Role.SUPERVISOR), BoardQuery(department="roads_traffic")).rows[0]
    assert row.complete is False


def test_an_agent_gets_their_departments_and_everyone_else_all(world):
    counts, service, municipality = world
    agent = person(Role.DEPARTMENT_AGENT, "roads_traffic", "green_areas")
    assert [r.department for r in service.board(agent, BoardQuery()).rows] == ["green_areas", "roads_traffic"]
    with pytest.raises(ForbiddenError):
        service.board(agent, BoardQuery(department="public_utilities"))
    for role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        rows = service.board(person(role), BoardQuery()).rows
        assert [r.department for r in rows] == sorted(municipality.departments)


def test_no_token_or_an_unknown_department_reads_nothing(world):
    counts, service, _ = world
    with pytest.raises(UnauthorizedError):
        service.board(None, BoardQuery())
    with pytest.raises(ValidationError):
        service.board(person(Role.SUPERVISOR), BoardQuery(department="nowhere"))
    assert counts.asked == []


def test_a_count_plans_the_queue_as_its_pages_do(world):
    counts, service, _ = world
    agent = person(Role.DEPARTMENT_AGENT, "roads_traffic")
    # WHEN an agent of one department counts without naming it
    tally = service.count(agent, QueueFilter(statuses=("new",)))
    # THEN their department's queue is counted, as their queue's pages would read it
    assert tally == Tally(7)
    (query,) = counts.asked
    assert isinstance(query, QueueQuery)
    assert (query.kind, query.partition, query.state, query.statuses) == (
        "department", "roads_traffic", "open", ("new",))
    with pytest.raises(ForbiddenError):
        service.count(agent, QueueFilter(department="public_utilities"))
