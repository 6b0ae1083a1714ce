"""Finding cases: the words index (``TERM#``), the requesters' contacts (``REQUESTER#``), the
geo index (``GSI6``), and cases by number (``docs/data-model.md``, "Finding cases")."""

from __future__ import annotations

from typing import Sequence

from pynamodb.expressions.condition import Condition

from ...domain.cases import Case
from ...domain.search_terms import MAX_WORD
from ...services.search_ports import CasePoint
from .items import CaseItem
from .keys import CASE_SK, GEO_PARTITION_PRECISION, case_pk, geo_pk, number_of, requester_pk, term_pk
from .mappers import item_to_case, parse_time
from .search_entries import contact_value
from .session import table_connection
from .table import GeoIndex

#: DynamoDB's most keys in one ``BatchGetItem``.
BATCH_KEYS = 100


class DynamoSearchIndex:
    """The services' ``SearchIndex`` on the cases table."""

    def cases(self, numbers: Sequence[str]) -> dict[str, Case]:
        found: dict[str, Case] = {}
        wanted = list(dict.fromkeys(numbers))
        for start in range(0, len(wanted), BATCH_KEYS):
            keys = [(case_pk(number), CASE_SK) for number in wanted[start:start + BATCH_KEYS]]
            for item in CaseItem.batch_get(keys):
                found[item.number] = item_to_case(item)
        return found

    def word_cases(self, term: str, limit: int) -> tuple[set[str], bool]:
        term = term[:MAX_WORD]
        answer = table_connection().query(
            term_pk(term), range_key_condition=_sort_key().startswith(term), limit=limit)
        numbers = {item["number"]["S"] for item in answer.get("Items", [])}
        return numbers, bool(answer.get("LastEvaluatedKey"))

    def requester_cases(self, kind: str, value: str, before: str | None,
                        limit: int) -> tuple[list[str], bool]:
        condition = _sort_key() < before if before else None
        answer = table_connection().query(
            requester_pk(kind, contact_value(kind, value)), range_key_condition=condition, limit=limit,
            scan_index_forward=False)
        return ([item["number"]["S"] for item in answer.get("Items", [])],
                bool(answer.get("LastEvaluatedKey")))

    def points(self, cell: str, after: str | None, limit: int) -> tuple[list[CasePoint], bool]:
        partition = geo_pk(cell)
        within = len(cell) > GEO_PARTITION_PRECISION  # a cell finer than its partition
        condition: Condition | None = None
        if after:
            condition = (CaseItem.GSI6SK.between(after + "\x00", cell + "~") if within
                         else CaseItem.GSI6SK > after)
        elif within:
            condition = CaseItem.GSI6SK.startswith(cell)
        answer = table_connection().query(
            partition, range_key_condition=condition, index_name=GeoIndex.Meta.index_name,
            limit=limit)
        points = [_point(raw) for raw in answer.get("Items", [])]
        return points, bool(answer.get("LastEvaluatedKey"))


def _sort_key():
    return CaseItem.SK


def _point(raw: dict) -> CasePoint:
    location = raw.get("location", {}).get("M", {})
    received = (raw.get("received_at") or {}).get("S")
    return CasePoint(
        number=raw["number"]["S"] if "number" in raw else number_of(raw["PK"]["S"]),
        type=raw["type"]["S"], status=raw["status"]["S"], category=raw["category"]["S"],
        department=raw["department"]["S"],
        assignee=(raw.get("assignee") or {}).get("S"),
        created_at=parse_time(raw["created_at"]["S"]),
        received_at=parse_time(received) if received else None,
        lat=float(location["lat"]["N"]), lon=float(location["lon"]["N"]),
        position=raw["GSI6SK"]["S"])
