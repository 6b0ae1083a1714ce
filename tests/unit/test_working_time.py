"""Working-time arithmetic: properties across weekends, public holidays (Orthodox Easter in
Serbia and Bulgaria), daylight-saving changes and stopped clocks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.domain.calendar import OfficeCalendar
from civicdesk.domain.working_time import (
    add_working_minutes,
    add_working_time,
    calendar_days_deadline,
    is_working_day,
    shift_by_pause,
    working_days_deadline,
    working_minutes_between,
    working_seconds_between,
)

BELGRADE = ZoneInfo("Europe/Belgrade")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
SERBIA = OfficeCalendar({day: (("07:30", "15:30"),) for day in WEEKDAYS}, "Europe/Belgrade",
                        holidays=holidays.country_holidays("RS", years=range(2025, 2029)).keys())
BULGARIA = OfficeCalendar({day: (("09:00", "12:00"), ("13:00", "17:30")) for day in WEEKDAYS},
                          "Europe/Sofia",
                          holidays=holidays.country_holidays("BG", years=range(2025, 2029)).keys())
ROUND_THE_CLOCK = OfficeCalendar({day: (("00:00", "24:00"),) for day in
                                  ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                                 "Europe/Belgrade", holidays=())

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 6, 1),
                       timezones=st.just(timezone.utc))
calendars = st.sampled_from([SERBIA, BULGARIA, ROUND_THE_CLOCK])


@settings(max_examples=150, deadline=None)
@given(calendars, moments, st.integers(min_value=0, max_value=60 * 24 * 40))
def test_adding_working_minutes_then_measuring_gives_them_back(calendar, start, minutes):
    due = add_working_minutes(calendar, start, minutes)
    assert due is not None and due >= start
    assert working_seconds_between(calendar, start, due) == minutes * 60


@settings(max_examples=150, deadline=None)
@given(calendars, moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
def test_working_time_adds_up_over_consecutive_intervals(calendar, start, first, second):
    middle, end = start + first, start + first + second
    assert working_seconds_between(calendar, start, end) == pytest.approx(
        working_seconds_between(calendar, start, middle)
        + working_seconds_between(calendar, middle, end))
    assert working_seconds_between(calendar, start, end) <= (end - start).total_seconds()


@settings(max_examples=100, deadline=None)
@given(moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_round_the_clock_working_time_is_elapsed_time_across_daylight_saving(start, length):
    assert working_seconds_between(ROUND_THE_CLOCK, start, start + length) == \
        length.total_seconds()


def test_the_days_of_daylight_saving_changes_have_23_and_25_hours():
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    for day, hours in ((spring, 23), (autumn, 25)):
        start = datetime.combine(day, datetime.min.time(), BELGRADE)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), BELGRADE)
        assert working_minutes_between(ROUND_THE_CLOCK, start, end) == hours * 60


def test_orthodox_easter_is_not_working_time_in_serbia_and_bulgaria():
    # 2026: Orthodox Good Friday 10 April, Easter Monday 13 April (Western Easter is 5 April).
    for calendar in (SERBIA, BULGARIA):
        assert not is_working_day(calendar, date(2026, 4, 10))
        assert not is_working_day(calendar, date(2026, 4, 13))
    assert is_working_day(SERBIA, date(2026, 4, 6))  # Western Easter Monday is a working day
    thursday = datetime(2026, 4, 9, 15, 0, tzinfo=BELGRADE)
    # Thursday 15:00 + 60 working minutes: 30 that day, then Tuesday 14 April 07:30 + 30.
    assert add_working_minutes(SERBIA, thursday, 60) == datetime(2026, 4, 14, 8, 0, tzinfo=BELGRADE)


def test_working_days_skip_weekends_and_holidays_and_end_at_midnight():
    # Friday 1 May 2026 and Saturday 2 May are Labour Day in Serbia, Sunday 3 the weekend.
    received = datetime(2026, 4, 30, 11, 0, tzinfo=BELGRADE)
    assert working_days_deadline(SERBIA, received, 1) == datetime(2026, 5, 5, 0, 0, tzinfo=BELGRADE)
    assert working_days_deadline(SERBIA, received, 0) == datetime(2026, 5, 1, 0, 0, tzinfo=BELGRADE)


@settings(max_examples=100, deadline=None)
@given(moments, st.integers(min_value=0, max_value=60))
def test_a_calendar_day_deadline_ends_a_working_day_no_earlier_than_the_count(start, days):
    deadline = calendar_days_deadline(SERBIA, start, days)
    last_day = (deadline - timedelta(seconds=1)).astimezone(BELGRADE).date()
    assert is_working_day(SERBIA, last_day)
    assert last_day >= start.astimezone(BELGRADE).date() + timedelta(days=days)
    # No working day between the counted day and the one the deadline moved to.
    day = start.astimezone(BELGRADE).date() + timedelta(days=days)
    while day < last_day:
        assert not is_working_day(SERBIA, day)
        day += timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(moments, st.integers(min_value=0, max_value=40))
def test_a_working_day_deadline_counts_exactly_that_many_working_days(start, days):
    deadline = working_days_deadline(SERBIA, start, days)
    day, counted = start.astimezone(BELGRADE).date(), 0
    last_day = (deadline - timedelta(seconds=1)).astimezone(BELGRADE).date()
    while day < last_day:
        day += timedelta(days=1)
        counted += is_working_day(SERBIA, day)
    assert counted == days


@settings(max_examples=100, deadline=None)
@given(calendars, moments, st.integers(min_value=0, max_value=60 * 24 * 10),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
def test_a_stopped_clock_moves_the_due_time_by_the_working_time_it_stood(calendar, opened, minutes,
                                                                         before_pause, pause):
    due = add_working_minutes(calendar, opened, minutes)
    paused_from = opened + before_pause
    paused_until = paused_from + pause
    moved = shift_by_pause(calendar, due, paused_from, paused_until)
    stood = working_seconds_between(calendar, paused_from, paused_until)
    assert working_seconds_between(calendar, due, moved) == pytest.approx(stood)


def test_a_calendar_without_working_time_has_no_due_time():
    never = OfficeCalendar({}, "Europe/Belgrade", holidays=())
    assert add_working_time(never, datetime(2026, 1, 1, tzinfo=timezone.utc), timedelta(0)) is None
    assert working_days_deadline(never, datetime(2026, 1, 1, tzinfo=timezone.utc), 3) is None
