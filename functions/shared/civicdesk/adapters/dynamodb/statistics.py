"""The statistics in the cases table: day and month cells of counters, what the statistics know
of each case, and the claim of each counted entry (``docs/data-model.md``, "Statistics").

Cells hold one number attribute per counter and dimension tuple, named ``<code>~<tuple>``
(``o~road_damage|web|signal|new||centar``: opened, for that category, channel, type, status,
no assignee, area ``centar``); the department is the cell's own key (a month cell's key also
names the category, to keep it small). Counting one entry is one ``TransactWriteItems`` of four
items: the entry's claim (``attribute_not_exists``: a repeated stream record counts nothing),
the case's state (version-checked), and ``ADD`` on the day cell (day, department) and the month
cell (month, department, category). The attribute names are dynamic, so this adapter speaks to
the client directly.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Iterable, Sequence

from botocore.exceptions import ClientError

from ...domain.backlog import BACKLOG
from ...domain.cases import iso
from ...domain.errors import ConflictError
from ...domain.statistics import (
    COUNTERS,
    DIMENSIONS,
    DURATIONS,
    CaseState,
    Cell,
    Increment,
    ReadRange,
    month_of,
    parse_instant,
)
from .keys import (
    STATS_BACKLOG_SK,
    STATS_STATE_SK,
    stats_backlog_pk,
    stats_claim_pk,
    stats_day_sk,
    stats_month_sk,
    stats_pk,
    stats_range,
    stats_state_pk,
)
from .session import connection_client
from .table import TableItem

#: Short attribute codes of the counters (cells stay small: every byte of a cell is paid on
#: every write to it). A new counter gets a new code; codes are never reused.
COUNTER_CODES = {"opened": "o", "status_changes": "sc", "resolved": "rs", "closed": "cl",
                 "reopened": "ro", "escalated": "es", "replies": "rp",
                 # service levels (``domain.level_marks``)
                 "first_reaction_met": "fm", "first_reaction_missed": "fx",
                 "resolution_met": "rm", "resolution_missed": "rx", "legal_met": "lm",
                 "legal_missed": "lx", "breaches": "br"}
DURATION_CODES = {"first_reaction": "fr", "resolution": "rt"}
_PART_CODES = {"count": "n", "sum": "s"}
_COUNTER_NAMES = {code: name for name, code in COUNTER_CODES.items()}
_DURATION_NAMES = {code: name for name, code in DURATION_CODES.items()}
assert set(COUNTER_CODES) == set(COUNTERS) and set(DURATION_CODES) == set(DURATIONS)

#: How long a claim is kept: longer than a stream record lives (24 hours) and a parked record
#: waits in the dead-letter queue (14 days).
CLAIM_DAYS = 30
#: Sort keys of a cell's bookkeeping attributes (everything else in a cell is a counter).
_NOT_COUNTERS = frozenset({"PK", "SK", "entity", "department", "period"})


def _escape(value: str) -> str:
    return value.replace("%", "%25").replace("|", "%7C").replace("~", "%7E")


def _unescape(value: str) -> str:
    return value.replace("%7E", "~").replace("%7C", "|").replace("%25", "%")


def attribute_name(counter: str, dims: Sequence[str]) -> str:
    """``first_reaction.b12`` of ``(roads, road_damage, web, signal, new, '', '')`` ->
    ``fr.b12~road_damage|web|signal|new||``.

    Examples
    --------
    >>> attribute_name("opened", ("roads", "road_damage", "web", "signal", "new", "ana", "centar"))
    'o~road_damage|web|signal|new|ana|centar'
    >>> attribute_name("resolution.count", ("roads", "x", "web", "signal", "resolved", "", ""))
    'rt.n~x|web|signal|resolved||'
    """
    name, _, part = counter.partition(".")
    code = COUNTER_CODES.get(name) or f"{DURATION_CODES[name]}.{_PART_CODES.get(part, part)}"
    return f"{code}~{'|'.join(_escape(value) for value in dims[1:])}"


def counter_of(attribute: str, department: str) -> tuple[str, tuple[str, ...]] | None:
    """``attribute_name``'s inverse (``None`` for an attribute that is no counter)."""
    code, sep, packed = attribute.partition("~")
    if not sep:
        return None
    values = tuple(_unescape(v) for v in packed.split("|"))
    if len(values) != len(DIMENSIONS) - 1:
        return None
    if code in _COUNTER_NAMES:
        name = _COUNTER_NAMES[code]
    else:
        short, _, part = code.partition(".")
        if short not in _DURATION_NAMES:
            return None
        name = f"{_DURATION_NAMES[short]}." + {"n": "count", "s": "sum"}.get(part, part)
    return name, (department, *values)


def _state_item(state: CaseState, version: int) -> dict:
    return {"PK": {"S": stats_state_pk(state.number)}, "SK": {"S": STATS_STATE_SK},
            "entity": {"S": "stats_case"}, "number": {"S": state.number},
            "department": {"S": state.department}, "category": {"S": state.category},
            "channel": {"S": state.channel}, "case_type": {"S": state.case_type},
            "status": {"S": state.status}, "assignee": {"S": state.assignee},
            "area": {"S": state.area}, "opened_at": {"S": iso(state.opened_at)},
            "reacted": {"BOOL": state.reacted}, "version": {"N": str(version)}}


def _state_of(raw: dict) -> tuple[CaseState, int]:
    def text(name: str) -> str:
        return raw.get(name, {}).get("S", "")

    return (CaseState(number=text("number"), department=text("department"),
                      category=text("category"), channel=text("channel"),
                      case_type=text("case_type"), status=text("status"),
                      assignee=text("assignee"), area=text("area"),
                      opened_at=parse_instant(text("opened_at")),
                      reacted=bool(raw.get("reacted", {}).get("BOOL"))),
            int(raw.get("version", {}).get("N", "0")))


def _cell_update(table: str, sk: str, year: int, department: str, period: str,
                 increments: Iterable[Increment]) -> dict:
    names = {"#e": "entity", "#d": "department", "#p": "period"}
    values: dict = {":e": {"S": "stats_cell"}, ":d": {"S": department}, ":p": {"S": period}}
    adds = []
    totals: dict[str, int] = {}
    for each in increments:
        key = attribute_name(each.counter, each.dims)
        totals[key] = totals.get(key, 0) + each.amount
    for position, (key, amount) in enumerate(sorted(totals.items())):
        names[f"#a{position}"] = key
        values[f":a{position}"] = {"N": str(amount)}
        adds.append(f"#a{position} :a{position}")
    return {"Update": {"TableName": table, "Key": {"PK": {"S": stats_pk(year)}, "SK": {"S": sk}},
                       "UpdateExpression": f"SET #e = :e, #d = :d, #p = :p ADD {', '.join(adds)}",
                       "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}


def backlog_attribute(day: date) -> str:
    """A backlog item's attribute of one opening day: ``d2026-11-23``."""
    return f"d{day.isoformat()}"


def _backlog_update(table: str, department: str, days: dict[str, int]) -> dict:
    names = {"#e": "entity", "#d": "department"}
    values: dict = {":e": {"S": "stats_backlog"}, ":d": {"S": department}}
    adds = []
    for position, (key, amount) in enumerate(sorted(days.items())):
        names[f"#a{position}"] = key
        values[f":a{position}"] = {"N": str(amount)}
        adds.append(f"#a{position} :a{position}")
    return {"Update": {"TableName": table,
                       "Key": {"PK": {"S": stats_backlog_pk(department)}, "SK": {"S": STATS_BACKLOG_SK}},
                       "UpdateExpression": f"SET #e = :e, #d = :d ADD {', '.join(adds)}",
                       "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}


class DynamoStatistics:
    """``StatisticsStore`` and ``StatisticsCells`` on the cases table."""

    def __init__(self, client=None, clock=time.time):
        self._client = client
        self._clock = clock

    @property
    def client(self):
        return self._client or connection_client()

    @property
    def table(self) -> str:
        return TableItem.Meta.table_name

    # -- keeping ---------------------------------------------------------------------------------

    def case_states(self, numbers: Iterable[str]) -> dict[str, tuple[CaseState, int]]:
        """What the statistics know of each of ``numbers`` (and its version): one
        ``BatchGetItem`` per 100 cases."""
        wanted = sorted(set(numbers))
        found: dict[str, tuple[CaseState, int]] = {}
        for offset in range(0, len(wanted), 100):
            keys = [{"PK": {"S": stats_state_pk(n)}, "SK": {"S": STATS_STATE_SK}}
                    for n in wanted[offset:offset + 100]]
            request = {self.table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for raw in answer.get("Responses", {}).get(self.table, []):
                    state, version = _state_of(raw)
                    found[state.number] = (state, version)
                request = answer.get("UnprocessedKeys") or {}
        return found

    def record(self, entry_key: str, state: CaseState, version: int | None,
               increments: Sequence[Increment]) -> bool:
        """Count one entry: its claim, the case's new state (``version``: the one read,
        ``None`` when the case had none) and the cells' counters, in one transaction.
        ``False`` when the entry was counted before (nothing changes)."""
        expires = int(self._clock()) + CLAIM_DAYS * 86400
        items: list[dict] = [
            {"Put": {"TableName": self.table,
                     "Item": {"PK": {"S": stats_claim_pk(state.number)}, "SK": {"S": entry_key},
                              "entity": {"S": "stats_claim"}, "expires_at": {"N": str(expires)}},
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": self.table, "Item": _state_item(state, (version or 0) + 1),
                     **({"ConditionExpression": "attribute_not_exists(PK)"} if version is None else
                        {"ConditionExpression": "#v = :v",
                         "ExpressionAttributeNames": {"#v": "version"},
                         "ExpressionAttributeValues": {":v": {"N": str(version)}}})}},
        ]
        by_cell: dict[tuple[date, str], list[Increment]] = {}
        backlog: dict[str, dict[str, int]] = {}
        for each in increments:
            if each.counter == BACKLOG:
                into = backlog.setdefault(each.dims[0], {})
                into[backlog_attribute(each.day)] = into.get(backlog_attribute(each.day), 0) + each.amount
                continue
            by_cell.setdefault((each.day, each.dims[0]), []).append(each)
        for department, days in sorted(backlog.items()):
            items.append(_backlog_update(self.table, department, days))
        months: dict[tuple[str, str, str, int], list[Increment]] = {}
        for (day, department), some in sorted(by_cell.items()):
            items.append(_cell_update(self.table, stats_day_sk(day.isoformat(), department),
                                      day.year, department, day.isoformat(), some))
            for each in some:
                months.setdefault((month_of(day), department, each.dims[1], day.year),
                                  []).append(each)
        for (month, department, category, year), some in sorted(months.items()):
            items.append(_cell_update(self.table, stats_month_sk(month, department, category),
                                      year, department, month, some))
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            codes = [reason.get("Code") for reason in reasons]
            if codes and codes[0] == "ConditionalCheckFailed":
                return False  # counted before
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise ConflictError("error.version_conflict", current_version=version or 0) from exc
            raise
        return True

    # -- reading ---------------------------------------------------------------------------------

    def cells(self, ranges: Sequence[ReadRange],
              departments: frozenset[str] | None = None) -> list[Cell]:
        """The cells of ``ranges`` (of ``departments`` only, when given): one ``Query`` per
        range and MB read."""
        found: list[Cell] = []
        if departments is not None and not departments:
            return found
        for each in ranges:
            low, high = stats_range(each.grain, each.first, each.last)
            request: dict = {
                "TableName": self.table,
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
                "ExpressionAttributeValues": {":pk": {"S": stats_pk(each.year)},
                                              ":low": {"S": low}, ":high": {"S": high}}}
            if departments is not None:
                names = [f":d{i}" for i in range(len(departments))]
                request["FilterExpression"] = f"#dep IN ({', '.join(names)})"
                request["ExpressionAttributeNames"] = {"#dep": "department"}
                for name, value in zip(names, sorted(departments), strict=True):
                    request["ExpressionAttributeValues"][name] = {"S": value}
            while True:
                answer = self.client.query(**request)
                found.extend(_cell(raw) for raw in answer.get("Items", []))
                start = answer.get("LastEvaluatedKey")
                if not start:
                    break
                request["ExclusiveStartKey"] = start
        return found


def _cell(raw: dict) -> Cell:
    department = raw.get("department", {}).get("S", "")
    counters: dict[tuple, dict[str, int]] = {}
    for attribute, value in raw.items():
        if attribute in _NOT_COUNTERS or "N" not in value:
            continue
        parsed = counter_of(attribute, department)
        if parsed is None:
            continue
        name, dims = parsed
        counters.setdefault(dims, {})[name] = int(value["N"])
    return Cell(department=department, counters=counters,
                period=raw.get("period", {}).get("S", ""))
