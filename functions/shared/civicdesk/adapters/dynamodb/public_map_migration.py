"""The public map's backfill (``python -m civicdesk.cli.migrate public-map``): the ``GSI8`` keys
and ``pub`` of every case stored before issue 16, its official public answers taken from its
history (``docs/data-model.md``, "Public map keys")."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from ...domain.cases import ALWAYS_PRIVATE_TYPES
from ...domain.public_projection import with_public_answers
from .conditions import condition_failed
from .items import CaseItem
from .keys import ALL_CASES_PK, CASE_SK, PUBLIC_MAP_MIGRATION, case_pk
from .migrations import mark_done
from .partition import EVT_RANGE_END, read_partition
from .public_entries import public_keys, public_map


def backfill_public_map(log=print) -> dict:
    """Every case of GSI3's ``CASES`` partition (deleted ones are never public), page by page,
    then one ``Query`` of each case's history: its answers, ``pub`` and keys written with the
    version read as the condition (a change meanwhile wrote them itself). Safe to run again and
    while the API takes changes."""
    counts = {"cases": 0, "written": 0, "public": 0, "changed_meanwhile": 0}
    for item in CaseItem.all_cases.query(ALL_CASES_PK, page_size=100):
        counts["cases"] += 1
        if item.type in {t.value for t in ALWAYS_PRIVATE_TYPES}:
            continue
        found = read_partition(item.number, EVT_RANGE_END)
        if found is None:
            continue
        case = with_public_answers(found.case.with_changes(public_answers=()), found.entries)
        pub, keys = public_map(case), public_keys(case)
        actions: list[Action] = [CaseItem.pub.set(pub) if pub else CaseItem.pub.remove()]
        if keys:
            actions += [CaseItem.GSI8PK.set(keys["GSI8PK"]), CaseItem.GSI8SK.set(keys["GSI8SK"])]
        else:
            actions += [CaseItem.GSI8PK.remove(), CaseItem.GSI8SK.remove()]
        try:
            CaseItem(PK=case_pk(case.number), SK=CASE_SK).update(
                actions=actions, condition=CaseItem.version == found.case.version,
                add_version_condition=False)
            counts["written"] += 1
            counts["public"] += bool(keys)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            counts["changed_meanwhile"] += 1
        if counts["cases"] % 500 == 0:
            log(f"{counts['cases']} cases")
    mark_done(PUBLIC_MAP_MIGRATION, counts)
    return counts
