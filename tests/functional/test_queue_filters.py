"""Filtered queue pages (issue 11, item 19): a single status, category, type or channel is
served by its own index partition (GSI5), and every page is full unless the queue ends.

The admin API in-process under moto, as ``test_admin_api.py``.
"""

from __future__ import annotations

import os

import pytest

from tests.functional.test_mail_intake import ingest  # noqa: F401  (the mail fixture)
from tests.support.admin import AdminApi, Staff
from tests.support.aws import dynamodb_reads

CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Грађанин јавља да је на коловозу велика рупа.",
    "location": {"address": "Вука Караџића 5"},
    "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"},
}


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.ana", "operator"),
            "supervisor": staff.add("supervisor.mira", "supervisor")}


def open_case(caller, **changes) -> str:
    answer = caller.post("/v1/admin/cases", {**CALL, **changes})
    assert answer.status == 201, answer.body
    return answer.body["number"]


def page(caller, query: str) -> dict:
    answer = caller.get("/v1/admin/cases", query)
    assert answer.status == 200, answer.body
    return answer.body


def walk(caller, query: str) -> list[list[str]]:
    """Every page of a queue, by its cursors."""
    pages, cursor = [], None
    while True:
        body = page(caller, query + (f"&cursor={cursor}" if cursor else ""))
        pages.append([item["number"] for item in body["items"]])
        cursor = body.get("next_cursor")
        if not cursor:
            return pages


@pytest.fixture
def mixed_queue(team):
    """Twelve open cases of one department, three of them complaints (the 3rd, 8th and 12th)."""
    numbers = [open_case(team["operator"], type="complaint" if index in (2, 7, 11) else "signal")
               for index in range(12)]
    return numbers, [numbers[2], numbers[7], numbers[11]]


def test_a_filtered_page_is_full_and_read_from_the_filter_partition(team, mixed_queue):
    # GIVEN a department's queue where one case in four is a complaint
    _, complaints = mixed_queue
    reads = dynamodb_reads()
    # WHEN a supervisor lists the department's complaints two at a time
    first = page(team["supervisor"], "department=roads_traffic&type=complaint&limit=2")
    # THEN the page holds two complaints, read as two entries and two cases
    assert [i["number"] for i in first["items"]] == complaints[:2]
    assert reads.calls == ["Query", "BatchGetItem"]
    assert reads.items == 4
    assert first["next_cursor"]
    rest = page(team["supervisor"],
                f"department=roads_traffic&type=complaint&limit=2&cursor={first['next_cursor']}")
    assert [i["number"] for i in rest["items"]] == complaints[2:]


def test_every_page_of_a_filtered_queue_in_both_orders_holds_each_match_once(team, mixed_queue):
    _, complaints = mixed_queue
    assert walk(team["supervisor"], "department=roads_traffic&type=complaint&limit=2") == [
        complaints[:2], complaints[2:]]
    assert walk(team["supervisor"], "type=complaint&limit=2&order=desc") == [
        complaints[::-1][:2], complaints[::-1][2:]]


def test_a_filter_the_index_cannot_serve_still_fills_its_pages(team, mixed_queue):
    # GIVEN two values of one filter (served by the queue's index with a filter expression)
    numbers, complaints = mixed_queue
    sms = open_case(team["operator"], channel="sms", type="complaint")
    reads = dynamodb_reads()
    # WHEN
    first = page(team["supervisor"],
                 "department=roads_traffic&type=complaint,suggestion&channel=phone,sms&limit=3")
    # THEN the page is full, read in a few calls that stop near its third match (each call reads
    # as many as the matches so far say it needs)
    assert [i["number"] for i in first["items"]] == complaints
    assert set(reads.calls) == {"Query"} and len(reads.calls) <= 3
    assert reads.items <= len(numbers) + 1
    rest = page(team["supervisor"], "department=roads_traffic&type=complaint,suggestion"
                f"&channel=phone,sms&limit=3&cursor={first['next_cursor']}")
    assert [i["number"] for i in rest["items"]] == [sms]


def test_a_status_change_moves_the_case_between_status_queues(team, mixed_queue):
    numbers, _ = mixed_queue
    moved = numbers[4]
    answer = team["supervisor"].post(f"/v1/admin/cases/{moved}/status",
                                     {"status": "waiting_for_citizen", "reason": "Чекамо слике",
                                      "version": 1})
    assert answer.status == 200, answer.body
    assert walk(team["supervisor"], "status=waiting_for_citizen") == [[moved]]
    assert moved not in walk(team["supervisor"], "status=new&limit=100")[0]
    assert walk(team["supervisor"], "department=roads_traffic&status=waiting_for_citizen&state=open") == [[moved]]
    # a closed case leaves the open state's queues of its status and category
    team["supervisor"].post(f"/v1/admin/cases/{moved}/status",
                            {"status": "resolved", "reason": "Поправљено", "version": 2})
    assert walk(team["supervisor"], "status=resolved&state=closed") == [[moved]]
    assert moved not in walk(team["supervisor"], "category=road_damage&limit=100")[0]
    assert moved in walk(team["supervisor"], "category=road_damage&state=closed&limit=100")[0]


def test_a_deleted_case_leaves_the_filtered_queues(team, mixed_queue):
    _, complaints = mixed_queue
    admin = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("admin.petar", "administrator")
    answer = admin.delete(f"/v1/admin/cases/{complaints[0]}", {"reason": "Дупликат", "version": 1})
    assert answer.status == 200, answer.body
    assert walk(team["supervisor"], "type=complaint") == [complaints[1:]]


def test_cases_stored_before_the_filtered_queues_are_listed_before_and_after_the_migration(team, mixed_queue):
    from civicdesk.adapters.dynamodb import migrations
    from civicdesk.adapters.dynamodb.items import QueueEntryItem
    from civicdesk.adapters.dynamodb.job_items import MigrationItem
    from civicdesk.adapters.dynamodb.keys import MIGRATION_PK, QUEUE_ENTRIES_MIGRATION, queue_entry_pk
    from civicdesk.cli import migrate

    # GIVEN a stack upgraded from before 2026-12-01: its cases have no queue entries, and the
    # migration has not run
    numbers, complaints = mixed_queue
    for number in numbers:
        for entry in QueueEntryItem.query(queue_entry_pk(number)):
            entry.delete()
    MigrationItem(PK=MIGRATION_PK, SK=QUEUE_ENTRIES_MIGRATION).delete()
    migrations.forget()
    # WHEN staff filter the queue, THEN every case is there (read as before, with a filter)
    reads = dynamodb_reads()
    assert walk(team["supervisor"], "type=complaint&limit=2") == [complaints[:2], complaints[2:]]
    assert "BatchGetItem" not in reads.calls
    # WHEN the migration runs (twice: it is safe to repeat)
    counts = migrate.queue_entries(log=lambda _: None)
    assert counts["cases"] == len(numbers) and counts["written"] == 8 * len(numbers)
    assert migrate.queue_entries(log=lambda _: None)["written"] == 0
    # THEN the same pages come from the filter partition
    reads.reset()
    assert walk(team["supervisor"], "type=complaint&limit=2") == [complaints[:2], complaints[2:]]
    assert reads.calls[:2] == ["Query", "BatchGetItem"]


def test_the_migration_never_overwrites_entries_of_a_newer_case_version(team, mixed_queue):
    from civicdesk.adapters.dynamodb.items import CaseItem, QueueEntryItem
    from civicdesk.adapters.dynamodb.keys import CASE_SK, case_pk, queue_entry_pk, queue_entry_sk
    from civicdesk.cli import migrate

    numbers, _ = mixed_queue
    number = numbers[0]
    team["supervisor"].post(f"/v1/admin/cases/{number}/status",
                            {"status": "in_progress", "reason": "Екипа на терену", "version": 1})
    entry = QueueEntryItem.get(queue_entry_pk(number), queue_entry_sk("all", "status"))
    assert entry.GSI5PK == "CASES#status#in_progress" and entry.case_version == 2
    assert CaseItem.get(case_pk(number), CASE_SK).version == 2
    migrate.queue_entries(log=lambda _: None)
    assert QueueEntryItem.get(queue_entry_pk(number), queue_entry_sk("all", "status")).GSI5PK == \
        "CASES#status#in_progress"


def test_a_citizen_s_answer_by_mail_moves_the_case_to_the_in_progress_queue(team, ingest):  # noqa: F811
    from tests.functional.test_mail_intake import build_mail
    from tests.support import aws

    # GIVEN a mailed case the department waits on the citizen for
    first, _ = ingest(build_mail())
    number = first["case_number"]
    [auto_reply] = aws.sent_mails()
    answer = team["supervisor"].post(f"/v1/admin/cases/{number}/status",
                                     {"status": "waiting_for_citizen", "reason": "Адреса?", "version": 1})
    assert answer.status == 200, answer.body
    assert walk(team["supervisor"], "status=waiting_for_citizen") == [[number]]
    # WHEN the citizen answers by mail (the intake's own update of the case)
    answered, _ = ingest(build_mail(to=auto_reply["Reply-To"], subject="Re: Николе Тесле 5"))
    assert answered["case_number"] == number
    # THEN the filtered queues follow the status the mail gave the case
    status = team["supervisor"].get(f"/v1/admin/cases/{number}").body["status"]
    assert status != "waiting_for_citizen"
    assert walk(team["supervisor"], "status=waiting_for_citizen") == [[]]
    assert walk(team["supervisor"], f"status={status}") == [[number]]
    assert walk(team["supervisor"], "channel=email") == [[number]]
