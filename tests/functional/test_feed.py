"""The supervisors' live feed in-process under moto: changes made through the admin API and the
mail channel, polled through ``GET /v1/admin/feed`` on the template's feed index (GSI4)."""

from __future__ import annotations

import base64
import json
import os
import uuid
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from functools import lru_cache
from urllib.parse import urlencode

import boto3
import pytest

from civicdesk.rendering import translate
from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import dynamodb_calls

CALL = {"type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Рупа на коловозу у Улици Вука Караџића 5.",
        "requester": {"name": "Милан", "phone": "064 123 4567"}}


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.ana", "operator"),
            "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
            "supervisor": staff.add("supervisor.mira", "supervisor"),
            "admin": staff.add("admin.petar", "administrator")}


def poll(caller, **params):
    answer = caller.get("/v1/admin/feed", urlencode(params))
    assert answer.status == 200, answer.body
    return answer.body


def open_case(caller, **changes) -> dict:
    answer = caller.post("/v1/admin/cases", {**CALL, **changes})
    assert answer.status == 201, answer.body
    return answer.body


def test_a_status_change_shows_in_the_next_poll_and_only_once(team):
    # GIVEN a supervisor's console that has polled once
    started = poll(team["supervisor"])
    assert started["changes"] == [] and started["cursor"]
    opened = open_case(team["operator"])
    number = opened["number"]
    # WHEN the department's agent changes the status
    changed = team["roads"].post(f"/v1/admin/cases/{number}/status",
                                 {"status": "in_progress", "reason": "Екипа је на терену.", "version": 1})
    assert changed.status == 200, changed.body
    calls = dynamodb_calls()
    answer = poll(team["supervisor"], cursor=started["cursor"], lang="sr-Latn")
    # THEN
    assert calls == ["Query"]
    assert [(c["number"], c["kind"]) for c in answer["changes"]] == [
        (number, "case_opened"), (number, "status_changed")]
    change = answer["changes"][1]
    assert change["status"] == "in_progress" and change["previous_status"] == "new"
    assert change["department"] == "roads_traffic" and change["department_name"]
    assert change["actor"] == "staff:agent.roads" and change["public"] is True
    assert change["text"] == translate("sr-Latn", "event.status_changed",
                                       status=translate("sr-Latn", "status.in_progress"))
    assert answer["changes"][0]["status"] == "new"
    again = poll(team["supervisor"], cursor=answer["cursor"])
    assert again["changes"] == [] and again["cursor"]
    assert poll(team["supervisor"], cursor=again["cursor"])["changes"] == []


def test_the_index_holds_only_what_the_feed_shows(team, aws_env):
    number = open_case(team["operator"])["number"]
    secret = "Интерна белешка: " + "х" * 9_000
    assert team["roads"].post(f"/v1/admin/cases/{number}/notes", {"text": secret}).status == 200
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    items = boto3.client("dynamodb", region_name=aws.REGION).query(
        TableName=aws_env.tables["CasesTable"], IndexName="GSI4",
        KeyConditionExpression="GSI4PK = :p", ExpressionAttributeValues={":p": {"S": f"FEED#{day}"}},
    )["Items"]
    note = next(i for i in items if i["kind"]["S"] == "note")
    assert "data" not in note and "Интерна" not in json.dumps(note, ensure_ascii=False)
    assert note["feed"]["M"]["department"]["S"] == "roads_traffic"
    assert note["GSI4SK"]["S"].endswith(f"#{number}#{note['event_id']['S']}")
    # and a supervisor sees the note in the feed, without its text
    change = next(c for c in poll(team["supervisor"], lang="en")["changes"] if c["kind"] == "note")
    assert change["text"] == "Internal note." and change["number"] == number


def test_kinds_and_department_filters(team):
    cursor = poll(team["admin"])["cursor"]
    roads = open_case(team["operator"])["number"]
    lights = open_case(team["operator"], category="street_lighting")["number"]
    assert team["roads"].post(f"/v1/admin/cases/{roads}/status",
                              {"status": "in_progress", "reason": "Почињемо", "version": 1}).status == 200
    assert team["operator"].post(f"/v1/admin/cases/{lights}/notes", {"text": "Белешка"}).status == 200
    by_kind = poll(team["admin"], cursor=cursor, kinds="status_changed,note")["changes"]
    assert [(c["number"], c["kind"]) for c in by_kind] == [(roads, "status_changed"), (lights, "note")]
    by_department = poll(team["admin"], cursor=cursor, department="roads_traffic")["changes"]
    assert {c["number"] for c in by_department} == {roads}
    assert [c["kind"] for c in by_department] == ["case_opened", "status_changed"]
    bad = team["admin"].get("/v1/admin/feed", urlencode({"kinds": "status_changed,rumour",
                                                         "department": "atlantis"}))
    assert bad.status == 400 and bad.fields == {"kinds": "not_allowed", "department": "unknown_department"}


def test_a_merge_records_each_case_with_its_own_department(team):
    cursor = poll(team["supervisor"])["cursor"]
    duplicate = open_case(team["operator"])["number"]
    original = open_case(team["operator"])["number"]
    assert team["supervisor"].post(f"/v1/admin/cases/{duplicate}/merge",
                                   {"into": original, "version": 1}).status == 200
    changes = {(c["number"], c["kind"]): c for c in poll(team["supervisor"], cursor=cursor)["changes"]}
    merged = changes[(duplicate, "merged")]
    assert merged["status"] == "closed" and merged["previous_status"] == "new"
    assert changes[(original, "merged_from")]["status"] == "new"


def test_mail_that_opens_and_continues_a_case_carries_its_department(team, aws_env):
    cursor = poll(team["supervisor"])["cursor"]
    module = aws.load_function("IngestEmailFunction")
    s3 = boto3.client("s3", region_name=aws.REGION)

    def deliver(subject: str) -> dict:
        from tests.support.ses import receipt

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = ("marko@example.rs",
                                                              "kjs@demo.civicdesk.rs", subject)
        message.set_content("Контејнери у Његошевој нису испражњени већ недељу дана.")
        ses_id = uuid.uuid4().hex
        s3.put_object(Bucket=aws_env.buckets["MailBucket"], Key=f"inbound/{ses_id}",
                      Body=message.as_bytes())
        event = receipt(ses_id, ["kjs@demo.civicdesk.rs"], "marko@example.rs",
                        message.as_bytes(), timestamp="2026-11-25T09:00:00.000Z")
        return module.handler(event, aws.context("IngestEmailFunction"))["results"][0]

    first = deliver("Нису одвезли смеће")
    number = first["case_number"]
    assert deliver(f"Re: [#{number}] допуна")["outcome"] == "appended"
    changes = [c for c in poll(team["supervisor"], cursor=cursor)["changes"] if c["number"] == number]
    messages = [c for c in changes if c["kind"] == "message_in"]
    assert len(messages) == 2
    assert {(c["department"], c["status"]) for c in messages} == {("public_utilities", "new")}


def test_a_poll_across_midnight_reads_the_new_day(team, monkeypatch):
    from civicdesk import wiring
    from civicdesk.observability import PowertoolsMetricsSink
    from civicdesk.services.casework import CaseworkService
    from civicdesk.services.feed import FeedService

    now = [datetime(2026, 11, 21, 23, 59, 50, tzinfo=timezone.utc)]
    casework = CaseworkService(wiring.case_repository(), wiring.queue_repository(),
                               wiring.mail_repository(), wiring.municipality_provider(),
                               wiring.mailer(), wiring.sms_sender(), wiring.staff_directory(),
                               PowertoolsMetricsSink(), "http://portal.test",
                               phones=wiring.phone_numbers(), links=wiring.tracking_links(),
                               due=wiring.due_cases(), clock=lambda: now[0])
    feed = FeedService(wiring.queue_repository(), wiring.municipality_provider(), clock=lambda: now[0])
    monkeypatch.setattr(wiring, "casework_service", lru_cache(maxsize=1)(lambda: casework))
    monkeypatch.setattr(wiring, "feed_service", lru_cache(maxsize=1)(lambda: feed))
    cursor = poll(team["supervisor"])["cursor"]
    now[0] = datetime(2026, 11, 21, 23, 59, 58, tzinfo=timezone.utc)
    number = open_case(team["operator"])["number"]
    now[0] = datetime(2026, 11, 22, 0, 0, 3, tzinfo=timezone.utc)
    assert team["roads"].post(f"/v1/admin/cases/{number}/status",
                              {"status": "in_progress", "reason": "Почињемо", "version": 1}).status == 200
    now[0] = datetime(2026, 11, 22, 0, 0, 5, tzinfo=timezone.utc)
    calls = dynamodb_calls()
    answer = poll(team["supervisor"], cursor=cursor)
    assert [(c["kind"], c["at"][:10]) for c in answer["changes"]] == [
        ("case_opened", "2026-11-21"), ("status_changed", "2026-11-22")]
    assert calls == ["Query", "Query"]  # yesterday's partition, then today's
    now[0] = datetime(2026, 11, 22, 0, 5, tzinfo=timezone.utc)
    settled = poll(team["supervisor"], cursor=answer["cursor"])
    assert settled["changes"] == []
    calls.clear()
    assert poll(team["supervisor"], cursor=settled["cursor"])["changes"] == []
    assert calls == ["Query"]  # only today's now


@pytest.mark.parametrize("who", ["operator", "roads"])
def test_operators_and_agents_get_403(team, who):
    answer = team[who].get("/v1/admin/feed")
    assert answer.status == 403 and answer.error_code == "forbidden"


def test_without_a_token_the_feed_is_401(team):
    assert AdminApi().call("GET", "/v1/admin/feed").status == 401


@pytest.mark.parametrize("payload", [["feed", "CASE#2026-000001", ""],
                                     ["feed", "2026-11-21T00:00:00.000000Z#CASE#2026-000001", ""],
                                     ["feed", "2026-11-21T00:00:00.000000Z", "not#an#id"],
                                     ["1open#2026-11-21T08:00:00.000000Z#2026-000001", "2026-000001"]])
def test_a_forged_cursor_is_400_and_reads_nothing(team, payload):
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    calls = dynamodb_calls()
    answer = team["supervisor"].get("/v1/admin/feed", urlencode({"cursor": forged}))
    assert answer.status == 400 and answer.error_code == "bad_request"
    assert "Query" not in calls


def test_since_starts_the_feed_and_may_not_reach_back_more_than_a_week(team):
    number = open_case(team["operator"])["number"]
    hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    assert any(c["number"] == number for c in poll(team["supervisor"], since=hour_ago)["changes"])
    in_a_minute = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    assert poll(team["supervisor"], since=in_a_minute)["changes"] == []
    old = team["supervisor"].get("/v1/admin/feed", urlencode(
        {"since": (datetime.now(timezone.utc) - timedelta(days=8)).isoformat()}))
    assert old.status == 400 and old.fields == {"since": "too_old"}
