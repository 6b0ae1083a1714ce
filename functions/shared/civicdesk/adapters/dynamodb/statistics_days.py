"""What the nightly statistics job reads and writes in the cases table
(``services.stats_nightly.NightlyStatisticsStore``; ``docs/data-model.md``, "Statistics",
patterns 43-44): the day's cells, the departments' running open counts, the day's changed cases
from the feed index (GSI4), each sampled case's claims and kept state, and the closed day.
Raw client calls, as ``statistics.py`` (the open counts' attribute names are data)."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from botocore.exceptions import ClientError

from ...domain.cases import iso
from ...domain.statistics import Cell, ReadRange
from ...services.stats_nightly import ClosedDay, closed_day_item
from .keys import STATS_BACKLOG_SK, feed_pk, stats_backlog_pk, stats_claim_pk, stats_closed_day_pk
from .session import connection_client
from .statistics import DynamoStatistics
from .table import TableItem

#: How long a closed day is kept (then TTL drops it): three years of nightly records.
CLOSED_DAY_KEEP_DAYS = 3 * 366


class DynamoStatisticsDays:
    def __init__(self, client=None, clock=time.time):
        self._client = client
        self._clock = clock
        self._statistics = DynamoStatistics(client, clock)

    @property
    def client(self):
        return self._client or connection_client()

    @property
    def table(self) -> str:
        return TableItem.Meta.table_name

    def _query_all(self, request: dict) -> list[dict]:
        found: list[dict] = []
        while True:
            answer = self.client.query(**request)
            found += answer.get("Items", [])
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found
            request["ExclusiveStartKey"] = start

    def day_cells(self, day: date) -> list[Cell]:
        """One ``Query`` of the year's partition for the day's cells (every department)."""
        return self._statistics.cells([ReadRange(day.year, "D", day.isoformat(), day.isoformat())])

    def backlog(self, departments: Iterable[str]) -> dict[str, dict[date, int]]:
        """One ``BatchGetItem`` per 100 departments of ``STATSOPEN#<department>`` / ``#BACKLOG``;
        the opening days with open cases (a day counted down to 0 is left out)."""
        wanted = sorted(set(departments))
        found: dict[str, dict[date, int]] = {}
        for offset in range(0, len(wanted), 100):
            keys = [{"PK": {"S": stats_backlog_pk(d)}, "SK": {"S": STATS_BACKLOG_SK}}
                    for d in wanted[offset:offset + 100]]
            request = {self.table: {"Keys": keys}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for raw in answer.get("Responses", {}).get(self.table, []):
                    department = raw.get("department", {}).get("S", "")
                    days = found.setdefault(department, {})
                    for name, value in raw.items():
                        if name.startswith("d") and "N" in value and int(value["N"]) > 0:
                            days[date.fromisoformat(name[1:])] = int(value["N"])
                request = answer.get("UnprocessedKeys") or {}
        return found

    def changed_cases(self, start: datetime, end: datetime) -> list[str]:
        """One ``Query`` per UTC day of the feed index between ``start`` and ``end`` (two for a
        local day in a zone off UTC), keys only as projected: the distinct case numbers."""
        low, high = iso(start), iso(end - timedelta(microseconds=1))
        numbers: set[str] = set()
        day = start.astimezone(timezone.utc).date()
        while day <= (end - timedelta(microseconds=1)).astimezone(timezone.utc).date():
            items = self._query_all({
                "TableName": self.table, "IndexName": "GSI4",
                "KeyConditionExpression": "GSI4PK = :pk AND GSI4SK BETWEEN :low AND :high",
                "ExpressionAttributeValues": {":pk": {"S": feed_pk(day.isoformat())},
                                              ":low": {"S": low}, ":high": {"S": high + "#\uffff"}},
                "ProjectionExpression": "#n", "ExpressionAttributeNames": {"#n": "number"}})
            numbers |= {raw["number"]["S"] for raw in items if "number" in raw}
            day += timedelta(days=1)
        return sorted(numbers)

    def claims(self, number: str) -> set[str]:
        """One ``Query`` of ``STATSAPPLIED#<number>`` (keys only)."""
        items = self._query_all({
            "TableName": self.table, "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": stats_claim_pk(number)}},
            "ProjectionExpression": "SK", "ConsistentRead": True})
        return {raw["SK"]["S"] for raw in items}

    def case_states(self, numbers):
        return self._statistics.case_states(numbers)

    def save_closed_day(self, closed: ClosedDay) -> bool:
        """One conditional ``PutItem`` of ``STATSDAY#<yyyy>`` / ``<yyyy-mm-dd>``."""
        record = closed_day_item(closed)
        item = {"PK": {"S": stats_closed_day_pk(closed.day.year)}, "SK": {"S": closed.day.isoformat()},
                "entity": {"S": "stats_day"}, "day": {"S": record["day"]},
                "closed_at": {"S": record["closed_at"]}, "slot": {"S": record["slot"]},
                "checked": {"N": str(record["checked"])}, "drifted": {"N": str(record["drifted"])},
                "totals": {"S": json.dumps(record["totals"], sort_keys=True)},
                "backlog": {"S": json.dumps(record["backlog"], sort_keys=True)},
                "drift": {"S": json.dumps(record["drift"], sort_keys=True)},
                "expires_at": {"N": str(int(self._clock()) + CLOSED_DAY_KEEP_DAYS * 86400)}}
        try:
            self.client.put_item(TableName=self.table, Item=item,
                                 ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def closed_day(self, day: date) -> dict | None:
        """The closed day as written (``None``: not closed): one ``GetItem``."""
        raw = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                   Key={"PK": {"S": stats_closed_day_pk(day.year)},
                                        "SK": {"S": day.isoformat()}}).get("Item")
        if not raw:
            return None
        return {"day": raw["day"]["S"], "closed_at": raw["closed_at"]["S"], "slot": raw["slot"]["S"],
                "checked": int(raw["checked"]["N"]), "drifted": int(raw["drifted"]["N"]),
                "totals": json.loads(raw["totals"]["S"]), "backlog": json.loads(raw["backlog"]["S"]),
                "drift": json.loads(raw["drift"]["S"])}
