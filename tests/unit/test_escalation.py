"""Escalation in the domain: which cases may escalate and what the entry records."""

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.cases import OPEN_STATUSES, Case, CaseType, Channel, EventKind, Status
from civicdesk.domain.errors import ConflictError
from civicdesk.domain.escalation import escalate

CREATED = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
AT = CREATED + timedelta(days=1)


def case(**changes) -> Case:
    base = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
                "Рупа на коловозу.", "sr-Cyrl", Status.NEW, True, CREATED, CREATED, "hash",
                version=3)
    return base.with_changes(**changes)


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES, key=lambda s: s.value))
def test_an_open_case_rises_one_level_with_an_internal_entry(status):
    escalated, entry = escalate(case(status=status, escalation_level=2), at=AT,
                                actor="system:sla", reason="Рок је истекао.")
    assert escalated.escalation_level == 3 and escalated.updated_at == AT
    assert escalated.status is status and escalated.version == 3  # the repository bumps it
    assert (entry.kind, entry.public, entry.actor, entry.at) == (EventKind.ESCALATED, False, "system:sla", AT)
    assert entry.data == {"reason": "Рок је истекао.", "level": 3}


@pytest.mark.parametrize("status", [s for s in Status if s not in OPEN_STATUSES])
def test_a_case_that_is_not_open_is_a_conflict(status):
    with pytest.raises(ConflictError) as refused:
        escalate(case(status=status), at=AT, actor="staff:ana", reason="x")
    assert refused.value.message_id == "error.escalation_not_open"
    assert refused.value.current_version == 3


def test_a_merged_case_names_the_case_to_escalate_instead():
    with pytest.raises(ConflictError) as refused:
        escalate(case(status=Status.IN_PROGRESS, merged_into="2026-000100"), at=AT,
                 actor="staff:ana", reason="x")
    assert refused.value.message_id == "error.already_merged"
    assert refused.value.params == {"into": "2026-000100"}
