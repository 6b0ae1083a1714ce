"""EventBridge Scheduler's schedule expressions, evaluated as Scheduler evaluates them.

* ``rate(<value> minutes|hours|days)``: every ``value`` units of *elapsed* time from the
  schedule's start (a day is 24 hours, also across a daylight-saving change).
* ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)``: six fields, in the
  schedule's time zone (``ScheduleExpressionTimezone``). ``,`` ``-`` ``*`` ``/`` everywhere;
  ``?`` in exactly one of day-of-month and day-of-week; ``L`` (last day of the month; ``5L``
  the month's last Thursday), ``W`` (``15W``: the weekday nearest the 15th, within the month;
  ``LW``: the month's last weekday) and ``#`` (``2#1``: the first Monday); months ``JAN``-``DEC``,
  days of the week ``SUN``-``SAT`` = 1-7. On the spring daylight-saving change a time that does
  not exist is skipped; on the autumn change a time that exists twice fires once, the first
  time (Scheduler's documented behaviour).
* ``at(yyyy-mm-ddThh:mm:ss)``: once, in the schedule's time zone.

Pure standard library (``zoneinfo``); the local runtime (``infra.local.schedules``) uses it.

Examples
--------
>>> from datetime import datetime, timezone
>>> nightly = parse("cron(30 2 * * ? *)", "Europe/Belgrade")
>>> nightly.next_after(datetime(2026, 3, 28, 12, tzinfo=timezone.utc)).isoformat()
'2026-03-30T00:30:00+00:00'
>>> weekly = parse("cron(0 7 ? * MON *)", "Europe/Belgrade")
>>> weekly.next_after(datetime(2026, 12, 1, 12, tzinfo=timezone.utc)).isoformat()
'2026-12-07T06:00:00+00:00'
>>> parse("rate(5 minutes)", "UTC", start=datetime(2026, 12, 1, tzinfo=timezone.utc)).next_after(
...     datetime(2026, 12, 1, 0, 7, tzinfo=timezone.utc)).isoformat()
'2026-12-01T00:10:00+00:00'
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
#: EventBridge numbers the days of the week from Sunday: SUN=1 ... SAT=7.
WEEKDAYS = {name: number for number, name in enumerate(
    ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400,
              "days": 86400}
#: How far ahead a cron schedule is searched for its next time (``cron(0 0 29 2 ? *)`` fires
#: every four years; a year list may hold nothing after today).
SEARCH_YEARS = 30


class ScheduleExpressionError(ValueError):
    """An expression Scheduler would refuse."""


class Schedule(Protocol):
    expression: str

    def next_after(self, moment: datetime) -> datetime | None:
        """The first time strictly after ``moment`` (aware, UTC), or ``None``: no more."""


def _eventbridge_weekday(day: date) -> int:
    """1 (Sunday) ... 7 (Saturday)."""
    return (day.weekday() + 1) % 7 + 1


@dataclass(frozen=True)
class _Field:
    """One numeric cron field: the values it allows."""

    values: frozenset[int]

    @classmethod
    def parse(cls, text: str, low: int, high: int, names: dict[str, int] | None = None,
              what: str = "field") -> "_Field":
        values: set[int] = set()
        for part in text.split(","):
            values |= _values(part, low, high, names or {}, what)
        return cls(frozenset(values))


def _number(token: str, names: dict[str, int], low: int, high: int, what: str) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ScheduleExpressionError(f"{what}: {token!r} is not a value")
    value = int(token)
    if not low <= value <= high:
        raise ScheduleExpressionError(f"{what}: {value} is outside {low}-{high}")
    return value


def _values(part: str, low: int, high: int, names: dict[str, int], what: str) -> set[int]:
    if not part:
        raise ScheduleExpressionError(f"{what}: empty list item")
    base, slash, step_text = part.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ScheduleExpressionError(f"{what}: bad increment {step_text!r}")
        step = int(step_text)
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = (_number(first, names, low, high, what),
                      _number(last, names, low, high, what))
        if start > end:
            raise ScheduleExpressionError(f"{what}: range {base!r} runs backwards")
    else:
        start = _number(base, names, low, high, what)
        end = high if slash else start  # ``0/15``: from 0, every 15
    return set(range(start, end + 1, step))


@dataclass(frozen=True)
class _DayOfMonth:
    """Day-of-month: values, ``L``, ``LW``, ``<n>W``; ``None`` fields mean ``?``."""

    values: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: int | None = None

    @classmethod
    def parse(cls, text: str) -> "_DayOfMonth":
        upper = text.upper()
        if upper == "L":
            return cls(last=True)
        if upper == "LW":
            return cls(last_weekday=True)
        if upper.endswith("W"):
            return cls(nearest_weekday=_number(upper[:-1], {}, 1, 31, "day-of-month"))
        return cls(values=_Field.parse(text, 1, 31, what="day-of-month").values)

    def matches(self, day: date) -> bool:
        length = calendar.monthrange(day.year, day.month)[1]
        if self.last:
            return day.day == length
        if self.last_weekday:
            return day == _weekday_nearest(date(day.year, day.month, length))
        if self.nearest_weekday is not None:
            if self.nearest_weekday > length:
                return False
            return day == _weekday_nearest(date(day.year, day.month, self.nearest_weekday))
        return day.day in self.values


def _weekday_nearest(day: date) -> date:
    """The Monday-to-Friday day nearest ``day`` within its month (cron's ``W``)."""
    if day.weekday() < 5:
        return day
    length = calendar.monthrange(day.year, day.month)[1]
    if day.weekday() == 5:  # Saturday: the Friday before, unless that is last month
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    # Sunday: the Monday after, unless that is next month
    return day + timedelta(days=1) if day.day < length else day - timedelta(days=2)


@dataclass(frozen=True)
class _DayOfWeek:
    """Day-of-week: values, ``<d>L`` (the month's last such day), ``<d>#<n>``."""

    values: frozenset[int] = frozenset()
    last_of: int | None = None
    nth: tuple[int, int] | None = None

    @classmethod
    def parse(cls, text: str) -> "_DayOfWeek":
        upper = text.upper()
        if "#" in upper:
            day, _, nth = upper.partition("#")
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                raise ScheduleExpressionError(f"day-of-week: bad occurrence {nth!r}")
            return cls(nth=(_number(day, WEEKDAYS, 1, 7, "day-of-week"), int(nth)))
        if upper.endswith("L") and upper != "L":
            return cls(last_of=_number(upper[:-1], WEEKDAYS, 1, 7, "day-of-week"))
        if upper == "L":
            return cls(values=frozenset({7}))  # ``L`` alone: the last day of the week, Saturday
        return cls(values=_Field.parse(text, 1, 7, WEEKDAYS, "day-of-week").values)

    def matches(self, day: date) -> bool:
        weekday = _eventbridge_weekday(day)
        if self.last_of is not None:
            length = calendar.monthrange(day.year, day.month)[1]
            return weekday == self.last_of and day.day + 7 > length
        if self.nth is not None:
            wanted, occurrence = self.nth
            return weekday == wanted and (day.day - 1) // 7 + 1 == occurrence
        return weekday in self.values


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    zone: ZoneInfo
    minutes: _Field
    hours: _Field
    day_of_month: _DayOfMonth | None
    months: _Field
    day_of_week: _DayOfWeek | None
    years: _Field

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months.values or day.year not in self.years.values:
            return False
        if self.day_of_month is not None:
            return self.day_of_month.matches(day)
        assert self.day_of_week is not None, "parse() refuses ? in both"
        return self.day_of_week.matches(day)

    def next_after(self, moment: datetime) -> datetime | None:
        moment = moment.astimezone(timezone.utc)
        # Day by day in the schedule's zone, from the day before (a local day may start
        # before ``moment``'s UTC day), each day's times in order.
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        last = date(min(day.year + SEARCH_YEARS, 9999), 12, 31)
        hours, minutes = sorted(self.hours.values), sorted(self.minutes.values)
        while day <= last:
            if day.year not in self.years.values:
                day = date(day.year + 1, 1, 1)
                continue
            if self.day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        found = _local_time(day, hour, minute, self.zone)
                        if found is not None and found > moment:
                            return found
            day += timedelta(days=1)
        return None


def _local_time(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time in ``zone``: ``None`` when the clocks skip it
    (spring); the first of the two when it happens twice (autumn, ``fold=0``)."""
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    instant = wall.astimezone(timezone.utc)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None  # the wall time does not exist: it maps to another one and back
    return instant


@dataclass(frozen=True)
class RateSchedule:
    expression: str
    interval: timedelta
    start: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        moment = moment.astimezone(timezone.utc)
        if moment < self.start:
            return self.start
        periods = (moment - self.start) // self.interval + 1
        return self.start + periods * self.interval


@dataclass(frozen=True)
class OneTimeSchedule:
    expression: str
    at: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.at if self.at > moment else None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleExpressionError(f"unknown time zone {name!r}") from None


def parse(expression: str, timezone_name: str = "UTC", *,
          start: datetime | None = None) -> CronSchedule | RateSchedule | OneTimeSchedule:
    """The schedule of ``expression`` in ``timezone_name`` (the schedule's
    ``ScheduleExpressionTimezone``; UTC when it has none). ``start`` is when a rate schedule
    begins (its ``StartDate``; now when not given, as Scheduler starts it on creation)."""
    tz = zone(timezone_name)
    found = re.fullmatch(r"\s*(rate|cron|at)\((.*)\)\s*", expression)
    if not found:
        raise ScheduleExpressionError(f"{expression!r}: not rate(...), cron(...) or at(...)")
    kind, body = found.group(1), found.group(2).strip()
    if kind == "rate":
        parts = body.split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) < 1 \
                or parts[1] not in RATE_UNITS:
            raise ScheduleExpressionError(f"{expression!r}: rate(<positive number> "
                                          f"minutes|hours|days)")
        value, unit = int(parts[0]), parts[1]
        if (value == 1) != unit.endswith(("minute", "hour", "day")):
            raise ScheduleExpressionError(f"{expression!r}: 1 takes the singular unit, more "
                                          f"the plural")
        begin = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)
        return RateSchedule(expression, timedelta(seconds=value * RATE_UNITS[unit]),
                            begin.replace(second=0, microsecond=0))
    if kind == "at":
        try:
            local = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ScheduleExpressionError(f"{expression!r}: at(yyyy-mm-ddThh:mm:ss)") from None
        return OneTimeSchedule(expression, local.replace(tzinfo=tz).astimezone(timezone.utc))
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(f"{expression!r}: cron() takes six fields (minutes hours "
                                      f"day-of-month month day-of-week year)")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(f"{expression!r}: exactly one of day-of-month and "
                                      f"day-of-week must be ?")
    return CronSchedule(
        expression, tz,
        minutes=_Field.parse(minute, 0, 59, what="minutes"),
        hours=_Field.parse(hour, 0, 23, what="hours"),
        day_of_month=None if dom == "?" else _DayOfMonth.parse(dom),
        months=_Field.parse(month, 1, 12, MONTHS, "month"),
        day_of_week=None if dow == "?" else _DayOfWeek.parse(dow),
        years=_Field.parse(year, 1970, 2199, what="year"))
