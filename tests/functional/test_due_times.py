"""Due times in the cases table (issue 14): the case item's clocks, the due-time index (GSI7)
and its reads, and the migration of cases stored before. In-process under moto."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.policy import Principal, Role
from tests.support.aws import dynamodb_reads

OPERATOR = Principal("u1", "ana", frozenset({Role.OPERATOR}), name="Ana")
CALL = {"type": "request", "channel": "phone", "category": "local_taxes",
        "description": "Građanin pita za rešenje o porezu na imovinu za 2026.",
        "requester": {"name": "Milan", "phone": "064 123 4567"}}


def open_call(**changes) -> str:
    from civicdesk import wiring
    from civicdesk.api import case_commands

    command = case_commands.open_staff_case({**CALL, **changes})
    return wiring.casework_service().open_case(OPERATOR, command).number


def stored(number: str):
    from civicdesk.adapters.dynamodb.items import CaseItem
    from civicdesk.adapters.dynamodb.keys import CASE_SK, case_pk

    return CaseItem.get(case_pk(number), CASE_SK, consistent_read=True)


@pytest.fixture
def repo(aws_env):
    from civicdesk import wiring

    return wiring.due_cases()


def test_an_open_case_is_in_the_due_index_by_its_nearest_due_time_and_leaves_it_resolved(repo):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.mappers import item_to_case
    from civicdesk.api import case_commands
    from civicdesk.domain.cases import iso

    # GIVEN a call registered twenty days after it came in, and one just now
    late = open_call(received_at=(datetime.now(timezone.utc) - timedelta(days=28)).isoformat())
    fresh = open_call()
    # THEN each item carries its clocks and its place in the index
    item = stored(late)
    case = item_to_case(item)
    assert set(item.clock.as_dict()) == {"first_reaction_due", "resolution_due"}
    assert item.GSI7PK == f"DUE#{int(late[-6:]) % 4}"
    assert item.GSI7SK == f"{iso(case.clock.first_reaction_due)}#{late}"
    # WHEN the job asks for the cases due before now
    reads = dynamodb_reads()
    due = repo.cases_due(datetime.now(timezone.utc))
    # THEN the late one comes, read with one Query per shard and one BatchGetItem
    assert [c.number for c in due] == [late]
    assert due[0].clock == case.clock
    assert sorted(reads.calls) == ["BatchGetItem"] + ["Query"] * 4
    # AND within a week both; after a bound only the later
    soon = datetime.now(timezone.utc) + timedelta(days=7)
    assert [c.number for c in repo.cases_due(soon)] == [late, fresh]
    assert [c.number for c in repo.cases_due(soon, after=datetime.now(timezone.utc))] == [fresh]
    # WHEN the late case is resolved
    service = wiring.casework_service()
    service.change_status(OPERATOR, case_commands.change_status(late, {
        "version": 1, "status": "resolved", "reason": "Odgovoreno telefonom"}))
    # THEN its first reaction is kept and it is out of the index
    item = stored(late)
    assert item.first_reaction_at and item.GSI7PK is None and item.GSI7SK is None
    assert item_to_case(item).clock.paused_since is not None
    assert [c.number for c in repo.cases_due(soon)] == [fresh]


def test_a_case_item_round_trips_its_clocks(aws_env):
    from civicdesk.adapters.dynamodb.mappers import case_to_item, item_to_case
    from civicdesk.domain.cases import CaseClock

    number = open_call(type="foi_request", category="general_question")
    case = item_to_case(stored(number))
    assert case.clock.legal_due is not None
    at = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    rich = case.with_changes(first_reaction_at=at, clock=CaseClock(
        first_reaction_due=at, resolution_due=at + timedelta(days=3), legal_due=at + timedelta(days=15),
        referral_due=at + timedelta(days=8), paused_since=at + timedelta(hours=1),
        paused_seconds=5400, referred_at=at, legal_extension_days=25,
        alerts=("breached:first_reaction@2026-12-01T09:00:00.000000Z",)))
    assert item_to_case(case_to_item(rich)) == rich


def test_the_migration_gives_cases_stored_before_their_clocks_once(aws_env, repo):
    from civicdesk.adapters.dynamodb.items import CaseItem
    from civicdesk.adapters.dynamodb.keys import CASE_SK, case_pk
    from civicdesk.adapters.dynamodb.mappers import item_to_case
    from civicdesk.cli import migrate

    # GIVEN two open cases written before the service levels (no clock, not in the index)
    numbers = [open_call(), open_call(type="foi_request", category="general_question")]
    expected = {n: item_to_case(stored(n)).clock for n in numbers}
    for number in numbers:
        CaseItem(PK=case_pk(number), SK=CASE_SK).update(
            actions=[CaseItem.clock.remove(), CaseItem.GSI7PK.remove(), CaseItem.GSI7SK.remove()],
            add_version_condition=False)
    assert repo.cases_due(datetime.now(timezone.utc) + timedelta(days=60)) == []
    # WHEN migrated (twice: a second run changes nothing)
    first = migrate.due_times(log=lambda _: None)
    second = migrate.due_times(log=lambda _: None)
    # THEN they have the clocks a change would have given them, and are in the index
    assert first == second == {"cases": 2, "written": 2, "changed_meanwhile": 0, "indexed": 2}
    assert {n: item_to_case(stored(n)).clock for n in numbers} == expected
    assert [c.number for c in repo.cases_due(datetime.now(timezone.utc) + timedelta(days=60))] == numbers
