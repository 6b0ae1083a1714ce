"""Office hours: when the municipality works, and when it will next answer.

The public holidays come from the caller (an adapter over the ``holidays`` package), so this
module stays standard-library only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OfficeCalendar:
    """Working hours per weekday in the municipality's time zone, minus public holidays.

    Examples
    --------
    >>> cal = OfficeCalendar({"mon": (("08:00", "16:00"),)}, "Europe/Belgrade", holidays=())
    >>> cal.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Belgrade")))
    True
    >>> cal.next_opening(datetime(2026, 11, 23, 17, 0, tzinfo=ZoneInfo("Europe/Belgrade"))).isoformat()
    '2026-11-30T08:00:00+01:00'
    """

    def __init__(self, hours: dict[str, tuple[tuple[str, str], ...]], time_zone: str,
                 holidays: Iterable[date] = ()):
        self.zone = ZoneInfo(time_zone)
        self.hours = {day: tuple((_hhmm(a), _hhmm(b)) for a, b in hours.get(day, ()))
                      for day in WEEKDAYS}
        self.holidays = frozenset(holidays)

    def spans(self, day: date) -> tuple[tuple[time, time], ...]:
        """The working spans of a local day (none on a holiday); an end of 00:00 is midnight."""
        if day in self.holidays:
            return ()
        return self.hours[WEEKDAYS[day.weekday()]]

    def is_holiday(self, moment: datetime) -> bool:
        return moment.astimezone(self.zone).date() in self.holidays

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return any(start <= local.time() and (local.time() < end or end == time(0))
                   for start, end in self.spans(local.date()))

    def next_opening(self, moment: datetime, horizon_days: int = 60) -> datetime | None:
        """The next moment the office opens after ``moment`` (``moment`` itself if open)."""
        local = moment.astimezone(self.zone)
        for offset in range(horizon_days + 1):
            day = local.date() + timedelta(days=offset)
            for start, end in self.spans(day):
                opening = datetime.combine(day, start, self.zone)
                if offset == 0 and local.time() >= end:
                    continue
                if offset == 0 and start <= local.time() < end:
                    return local
                if opening > local:
                    return opening
        return None


def _hhmm(value: str) -> time:
    """``"08:30"`` as a time; ``"24:00"`` (the end of the day) as 00:00."""
    hours, minutes = value.split(":")
    return time(0) if (hours, minutes) == ("24", "00") else time(int(hours), int(minutes))
