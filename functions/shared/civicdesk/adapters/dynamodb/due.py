"""Open cases by due time (GSI7): what the service-level job and the overdue queue read."""

from __future__ import annotations

from datetime import datetime

from ...domain.cases import Case, iso
from ...domain.service_levels import next_due
from .items import CaseItem
from .keys import CASE_SK, case_pk, due_shards, number_of
from .mappers import item_to_case
from .session import table_connection
from .table import DueIndex

#: ``BatchGetItem`` reads at most 100 keys a call.
BATCH_KEYS = 100


class DynamoDueCases:
    """``services.ports.DueCases`` on the due-time index."""

    def cases_due(self, before: datetime, after: datetime | None = None) -> list[Case]:
        """The open cases whose nearest unbreached due time is in ``[after, before)``, nearest
        first: one ``Query`` per shard (``keys.DUE_SHARDS``, more only past 1 MB of keys),
        then one ``BatchGetItem`` per 100 cases. The calls grow with the cases due, not with
        the table. A case whose item has moved on since the index was written (the index lags
        a little) is checked again on the item itself and left out if it is no longer due."""
        high = iso(before)
        # "<due>#<number>" < "<before>": strictly before; from "<after>" on: at or after it
        condition = (DueIndex.GSI7SK.between(iso(after), high) if after is not None
                     else DueIndex.GSI7SK < high)
        numbers: list[str] = []
        for shard in due_shards():
            start_key = None
            while True:
                answer = table_connection().query(
                    shard, range_key_condition=condition,
                    index_name=DueIndex.Meta.index_name, exclusive_start_key=start_key)
                numbers += [number_of(item["PK"]["S"]) for item in answer.get("Items", [])]
                start_key = answer.get("LastEvaluatedKey")
                if not start_key:
                    break
        found: list[tuple[datetime, str, Case]] = []
        for start in range(0, len(numbers), BATCH_KEYS):
            keys = [(case_pk(number), CASE_SK) for number in numbers[start:start + BATCH_KEYS]]
            for item in CaseItem.batch_get(keys):
                case = item_to_case(item)
                due = next_due(case)
                if due is not None and (after is None or due >= after) and due < before:
                    found.append((due, case.number, case))
        return [case for _, _, case in sorted(found, key=lambda entry: entry[:2])]
