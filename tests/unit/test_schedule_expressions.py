"""EventBridge Scheduler's expressions as the local runtime evaluates them
(``infra.local.schedule_expressions``): the six-field cron syntax, rate and at, in the
municipality's time zone across its daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.local.schedule_expressions import ScheduleExpressionError, parse

BELGRADE = ZoneInfo("Europe/Belgrade")
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def times(expression: str, after: datetime, count: int, zone: str = "Europe/Belgrade") -> list[str]:
    schedule = parse(expression, zone, start=after)
    found, moment = [], after
    for _ in range(count):
        moment = schedule.next_after(moment)
        assert moment is not None
        found.append(moment.astimezone(BELGRADE if zone == "Europe/Belgrade" else UTC)
                     .strftime("%Y-%m-%d %a %H:%M %Z"))
    return found


def test_a_nightly_job_keeps_its_local_time_across_both_changes():
    # 2026: summer time from Sunday 29 March, back on Sunday 25 October
    assert times("cron(30 3 * * ? *)", utc(2026, 3, 27, 12), 3) == [
        "2026-03-28 Sat 03:30 CET", "2026-03-29 Sun 03:30 CEST", "2026-03-30 Mon 03:30 CEST"]
    assert times("cron(30 3 * * ? *)", utc(2026, 10, 24, 12), 2) == [
        "2026-10-25 Sun 03:30 CET", "2026-10-26 Mon 03:30 CET"]


def test_a_time_the_clocks_skip_does_not_run_and_a_repeated_one_runs_once():
    # 02:30 does not exist on 29 March and happens twice on 25 October
    assert times("cron(30 2 * * ? *)", utc(2026, 3, 27, 12), 2) == [
        "2026-03-28 Sat 02:30 CET", "2026-03-30 Mon 02:30 CEST"]
    assert times("cron(30 2 * * ? *)", utc(2026, 10, 24, 12), 3) == [
        "2026-10-25 Sun 02:30 CEST", "2026-10-26 Mon 02:30 CET", "2026-10-27 Tue 02:30 CET"]


def test_every_five_minutes_within_working_hours_on_weekdays():
    assert times("cron(0/5 8-15 ? * MON-FRI *)", utc(2026, 12, 4, 14, 50), 3) == [
        "2026-12-04 Fri 15:55 CET", "2026-12-07 Mon 08:00 CET", "2026-12-07 Mon 08:05 CET"]


def test_weekly_monthly_and_the_special_characters():
    after = utc(2026, 12, 1)
    assert times("cron(0 7 ? * MON *)", after, 2) == ["2026-12-07 Mon 07:00 CET",
                                                       "2026-12-14 Mon 07:00 CET"]
    assert times("cron(0 7 ? * 2 *)", after, 1) == ["2026-12-07 Mon 07:00 CET"]  # 1 = Sunday
    assert times("cron(0 6 L * ? *)", after, 2) == ["2026-12-31 Thu 06:00 CET",
                                                     "2027-01-31 Sun 06:00 CET"]
    assert times("cron(0 6 LW * ? *)", utc(2027, 1, 1), 1) == ["2027-01-29 Fri 06:00 CET"]
    assert times("cron(0 6 15W * ? *)", utc(2026, 11, 1), 1) == ["2026-11-16 Mon 06:00 CET"]
    assert times("cron(0 6 1W * ? *)", utc(2026, 8, 1), 1) == ["2026-08-03 Mon 06:00 CEST"]
    assert times("cron(0 6 ? * 6#1 *)", after, 1) == ["2026-12-04 Fri 06:00 CET"]
    assert times("cron(0 6 ? * FRIL *)", after, 1) == ["2026-12-25 Fri 06:00 CET"]
    assert times("cron(0 0 29 FEB ? 2027-2030)", after, 1) == ["2028-02-29 Tue 00:00 CET"]
    assert parse("cron(0 0 1 1 ? 2020)", "UTC").next_after(after) is None


def test_rate_counts_elapsed_time_from_the_start_not_the_wall_clock():
    start = utc(2026, 3, 28, 1, 0)  # 02:00 CET
    schedule = parse("rate(1 day)", "Europe/Belgrade", start=start)
    assert schedule.next_after(start) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST: 24 hours later
    five = parse("rate(5 minutes)", "UTC", start=utc(2026, 12, 1, 9, 2, 31))
    assert five.next_after(utc(2026, 12, 1, 9, 2, 45)) == utc(2026, 12, 1, 9, 7)
    assert five.next_after(utc(2026, 12, 1, 8)) == utc(2026, 12, 1, 9, 2)


def test_a_one_time_schedule_in_its_zone():
    once = parse("at(2026-12-24T18:00:00)", "Europe/Belgrade")
    assert once.next_after(utc(2026, 12, 1)) == utc(2026, 12, 24, 17)
    assert once.next_after(utc(2026, 12, 24, 17)) is None


@pytest.mark.parametrize("expression", [
    "cron(0 7 * * MON *)",          # both days given
    "cron(0 7 ? * ? *)",            # neither
    "cron(0 7 * * ?)",              # five fields
    "cron(60 7 * * ? *)", "cron(0 24 * * ? *)", "cron(0 7 32 * ? *)", "cron(0 7 ? * 8 *)",
    "cron(0 7 ? * 2#6 *)", "cron(5-1 7 * * ? *)", "cron(0/0 7 * * ? *)", "cron(0 7 * FOO ? *)",
    "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 weeks)", "rate(five minutes)",
    "at(2026-12-24 18:00)", "every(5 minutes)",
])
def test_what_scheduler_refuses_is_refused(expression):
    with pytest.raises(ScheduleExpressionError):
        parse(expression, "Europe/Belgrade")


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ScheduleExpressionError):
        parse("rate(5 minutes)", "Europe/Beograd")


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.just(UTC))


def brute_force(after: datetime, matches) -> datetime:
    """The first whole UTC minute after ``after`` whose Belgrade wall time ``matches`` and is
    its first occurrence (``fold == 0``: Scheduler fires a repeated autumn time once)."""
    probe = after.replace(second=0, microsecond=0)
    while True:
        probe += timedelta(minutes=1)
        wall = probe.astimezone(BELGRADE)
        if wall.fold == 0 and matches(wall):
            return probe


@settings(max_examples=150, deadline=None)
@given(after=moments, hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_a_daily_cron_fires_at_the_first_such_local_time(after, hour, minute):
    found = parse(f"cron({minute} {hour} * * ? *)", "Europe/Belgrade").next_after(after)
    assert found == brute_force(after, lambda wall: (wall.hour, wall.minute) == (hour, minute))


@settings(max_examples=150, deadline=None)
@given(after=moments, step=st.sampled_from([5, 10, 15, 30]), hours=st.sampled_from(["*", "1-3", "2", "8-15"]))
def test_stepped_minutes_within_hours_match_a_minute_by_minute_walk(after, step, hours):
    wanted = set(range(24)) if hours == "*" else (
        set(range(int(hours.split("-")[0]), int(hours.split("-")[-1]) + 1)))
    found = parse(f"cron(0/{step} {hours} * * ? *)", "Europe/Belgrade").next_after(after)
    assert found == brute_force(after, lambda wall: wall.minute % step == 0 and wall.hour in wanted)


@settings(max_examples=100, deadline=None)
@given(after=st.sampled_from([utc(2026, 3, 29, 0, 0), utc(2026, 10, 25, 0, 0),
                              utc(2027, 3, 28, 0, 0), utc(2027, 10, 31, 0, 0)]),
       offset=st.integers(0, 180), step=st.sampled_from([5, 15, 30]))
def test_around_the_changes_themselves(after, offset, step):
    """The two nights of each year where the clocks change, minute by minute."""
    moment = after + timedelta(minutes=offset)
    found = parse(f"cron(0/{step} * * * ? *)", "Europe/Belgrade").next_after(moment)
    assert found == brute_force(moment, lambda wall: wall.minute % step == 0)
