"""The nightly statistics job in-process under moto: after real changes through several channels
counted by the keeper, the run for the next night closes the day once (a repeat is done before),
with the totals, the backlog by age from the running open counts and no drift; a claim lost from
the keeper is found as drift. Reads no case table page: no ``Scan``, and the backlog is one batch
read however many cases are held."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from tests.functional.test_statistics import _period, counted, team  # noqa: F401 - fixtures
from tests.support import aws
from tests.support.aws import dynamodb_calls

ZONE = ZoneInfo("Europe/Belgrade")


def _tonight() -> tuple[str, datetime]:
    today = datetime.now(ZONE).date()
    run = datetime.combine(today + timedelta(days=1), time(1, 15), tzinfo=ZONE)
    return today.isoformat(), run.astimezone(timezone.utc)


def _run(at: datetime) -> dict:
    module = aws.load_function("StatsNightlyFunction")
    event = {"job": "stats_nightly", "scheduled_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "execution_id": "e-1", "attempt": "1"}
    return module.handler(event, aws.context("StatsNightlyFunction"))


def test_the_night_closes_the_day_once_with_its_backlog_and_no_drift(aws_env, counted):  # noqa: F811
    from datetime import date

    from civicdesk import wiring

    day, at = _tonight()
    calls = dynamodb_calls()
    first = _run(at)
    assert first["state"] == "ran", first
    assert first["outcome"]["day"] == day
    assert first["outcome"]["checked"] == 5 and first["outcome"]["drifted"] == 0
    assert "Scan" not in calls and calls.count("BatchGetItem") <= 3
    assert _run(at)["state"] == "done_before"
    later = _run(at + timedelta(minutes=20))  # by hand, for the same night
    assert later["outcome"].get("closed_before") is True
    closed = wiring.statistics_days().closed_day(date.fromisoformat(day))
    assert closed is not None and closed["totals"]["opened"] == 5 and closed["totals"]["resolved"] == 1
    # three phone calls, a letter, a web form: one resolved, one moved to the utilities
    assert closed["backlog"]["roads_traffic"]["0-1"] == 3
    assert closed["backlog"]["public_utilities"]["0-1"] == 1
    assert sum(closed["backlog"]["roads_traffic"].values()) == 3


def test_a_claim_lost_by_the_keeper_is_drift(aws_env, counted):  # noqa: F811
    from datetime import date

    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.keys import stats_claim_pk

    number = counted["numbers"][0]  # resolved by the supervisor's reply
    days = wiring.statistics_days()
    claims = sorted(days.claims(number))
    assert len(claims) >= 2
    client = days.client
    client.delete_item(TableName=days.table,
                       Key={"PK": {"S": stats_claim_pk(number)}, "SK": {"S": claims[-1]}})
    day, _at = _tonight()
    closed = wiring.nightly_statistics().close_day(date.fromisoformat(day), wiring.office_calendar())
    assert [d.number for d in closed.drift if d.differences] == [number]


def test_the_service_levels_met_are_in_the_report(team, counted):  # noqa: F811
    answer = team["supervisor"].get(
        "/v1/admin/stats", query=f"{_period()}&metrics=first_reaction_met,first_reaction_met_share,"
                                 "resolution_met,resolution_met_share,legal_met_share,breaches&lang=sr-Latn")
    assert answer.status == 200, answer.body
    totals = answer.body["totals"]
    # the supervisor's reply resolved a phone case at once: both its clocks met
    assert totals["first_reaction_met"] == 1 and totals["first_reaction_met_share"] == 1.0
    assert totals["resolution_met"] == 1 and totals["resolution_met_share"] == 1.0
    assert totals["legal_met_share"] is None and totals["breaches"] == 0
    assert answer.body["metrics"][0] == {"id": "first_reaction_met", "name": "Prve reakcije u roku"}
