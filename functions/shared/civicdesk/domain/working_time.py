"""Working time: minutes and days counted in the municipality's working hours.

Service levels are promised in working time ("a reaction within 30 working minutes"), legal
deadlines in working or calendar days. Everything here counts on an ``OfficeCalendar`` (working
hours per weekday in the municipality's time zone, minus its public holidays and local days off)
and is exact across daylight-saving changes: spans are built in local time and measured in UTC.

Standard library only; the holidays come from the configuration document.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from .calendar import OfficeCalendar

#: How far ahead a due time is searched before giving up (a calendar with no working time).
HORIZON_DAYS = 3 * 366

def _spans_utc(calendar: OfficeCalendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    """The working spans of one local day, as UTC instants."""
    for start, end in calendar.spans(day):
        begin = datetime.combine(day, start, calendar.zone)
        # An end of 00:00 means midnight at the end of the day.
        finish = (datetime.combine(day + timedelta(days=1), time(0), calendar.zone)
                  if end == time(0) else datetime.combine(day, end, calendar.zone))
        yield begin.astimezone(timezone.utc), finish.astimezone(timezone.utc)


def _local_day(calendar: OfficeCalendar, moment: datetime) -> date:
    return moment.astimezone(calendar.zone).date()


def working_time_between(calendar: OfficeCalendar, start: datetime, end: datetime) -> timedelta:
    """The working time in ``[start, end)``; zero when ``end <= start``."""
    total = timedelta(0)
    if end <= start:
        return total
    day, last = _local_day(calendar, start), _local_day(calendar, end)
    while day <= last:
        for begin, finish in _spans_utc(calendar, day):
            low, high = max(begin, start), min(finish, end)
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total


def working_seconds_between(calendar: OfficeCalendar, start: datetime, end: datetime) -> float:
    """Seconds of working time in ``[start, end)``; 0 when ``end <= start``."""
    return working_time_between(calendar, start, end).total_seconds()


def working_minutes_between(calendar: OfficeCalendar, start: datetime, end: datetime) -> int:
    """Whole minutes of working time in ``[start, end)``.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "Europe/Belgrade", holidays=())
    >>> belgrade = ZoneInfo("Europe/Belgrade")
    >>> working_minutes_between(cal, datetime(2026, 11, 27, 15, 0, tzinfo=belgrade),
    ...                         datetime(2026, 11, 30, 9, 0, tzinfo=belgrade))  # Fri 15:00 -> Mon 9:00
    120
    """
    return int(working_seconds_between(calendar, start, end) // 60)


def add_working_time(calendar: OfficeCalendar, start: datetime,
                     duration: timedelta) -> datetime | None:
    """The moment when ``duration`` of working time has passed since ``start``.

    A zero duration is ``start`` itself when the office is open, else its next opening. ``None``
    when the calendar has no working time within ``HORIZON_DAYS``.
    """
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    remaining = duration
    day = _local_day(calendar, start)
    for _ in range(HORIZON_DAYS):
        for begin, finish in _spans_utc(calendar, day):
            low = max(begin, start)
            if finish <= low:
                continue
            if low + remaining <= finish:
                return low + remaining
            remaining -= finish - low
        day += timedelta(days=1)
    return None


def add_working_minutes(calendar: OfficeCalendar, start: datetime, minutes: int) -> datetime | None:
    """The moment when ``minutes`` of working time have passed since ``start``.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "Europe/Belgrade", holidays=())
    >>> belgrade = ZoneInfo("Europe/Belgrade")
    >>> add_working_minutes(cal, datetime(2026, 11, 27, 15, 30, tzinfo=belgrade), 60).astimezone(
    ...     belgrade).isoformat()
    '2026-11-30T08:30:00+01:00'
    """
    return add_working_time(calendar, start, timedelta(minutes=minutes))


def is_working_day(calendar: OfficeCalendar, day: date) -> bool:
    """A day with working hours that is not a holiday or a local day off."""
    return bool(calendar.spans(day))


def _end_of_day(calendar: OfficeCalendar, day: date) -> datetime:
    """Midnight at the end of the local ``day``, in UTC: when a deadline on that day expires."""
    return datetime.combine(day + timedelta(days=1), time(0), calendar.zone).astimezone(timezone.utc)


def working_days_deadline(calendar: OfficeCalendar, start: datetime, days: int) -> datetime | None:
    """The end of the ``days``-th working day after the day of ``start``.

    A deadline "in N working days" starts counting on the day after the event (the day of
    receipt does not count) and expires at the end of its last day.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "Europe/Belgrade", holidays=(date(2026, 12, 1),))
    >>> working_days_deadline(cal, datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Europe/Belgrade")),
    ...                       2).astimezone(ZoneInfo("Europe/Belgrade")).isoformat()
    '2026-12-03T00:00:00+01:00'
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = _local_day(calendar, start)
    counted = 0
    for _ in range(HORIZON_DAYS):
        if counted == days:
            return _end_of_day(calendar, day)
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            counted += 1
    return None


def calendar_days_deadline(calendar: OfficeCalendar, start: datetime, days: int) -> datetime | None:
    """The end of the ``days``-th calendar day after the day of ``start``; a deadline whose last
    day is not a working day expires at the end of the next working day (the rule of the
    administrative procedure laws of Serbia, Bulgaria and the Czech Republic).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "Europe/Belgrade", holidays=())
    >>> calendar_days_deadline(cal, datetime(2026, 11, 13, 10, 0, tzinfo=ZoneInfo("Europe/Belgrade")),
    ...                        15).astimezone(ZoneInfo("Europe/Belgrade")).isoformat()  # Sat -> Mon
    '2026-12-01T00:00:00+01:00'
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = _local_day(calendar, start) + timedelta(days=days)
    for _ in range(HORIZON_DAYS):
        if is_working_day(calendar, day):
            return _end_of_day(calendar, day)
        day += timedelta(days=1)
    return None


def shift_by_pause(calendar: OfficeCalendar, due: datetime, paused_from: datetime,
                   paused_until: datetime) -> datetime | None:
    """A due time moved on by the working time of a pause (the clock stopped while the case
    waited for the citizen): the working minutes the pause took are added after ``due``.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "Europe/Belgrade", holidays=())
    >>> b = ZoneInfo("Europe/Belgrade")
    >>> shift_by_pause(cal, datetime(2026, 11, 30, 12, 0, tzinfo=b), datetime(2026, 11, 30, 9, 0,
    ...                tzinfo=b), datetime(2026, 11, 30, 11, 0, tzinfo=b)).astimezone(b).isoformat()
    '2026-11-30T14:00:00+01:00'
    """
    paused = working_time_between(calendar, paused_from, paused_until)
    return add_working_time(calendar, due, paused) if paused else due
