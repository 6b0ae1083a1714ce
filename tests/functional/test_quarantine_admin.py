"""The quarantine as staff work it over HTTP: the list, one message read before it is released
(headers, text, attachments listed, nothing processed), the release, and who may do each."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest

from tests.functional import test_mail_intake
from tests.functional.test_mail_intake import build_mail
from tests.support import aws
from tests.support.admin import AdminApi, Staff

ingest = test_mail_intake.ingest  # the fixture: the ingest function's handler under moto


@pytest.fixture
def staff(aws_env):
    return Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])


def test_a_quarantined_message_is_read_before_it_is_released(ingest, staff):
    # GIVEN spam with an attachment, held before it was parsed (no sender or subject listed)
    mail = build_mail(subject="Добитак!", text="Кликните овде да преузмете награду.",
                      attachments=[("nagrada.pdf", "application/pdf", b"%PDF-1.4 nagrada")])
    result, _ = ingest(mail, verdicts={"spam": "FAIL"})
    assert (result["outcome"], result["reason"]) == ("quarantined", "spam")
    operator = staff.add("operator.q", "operator")
    listed = operator.get("/v1/admin/quarantine")
    assert listed.status == 200, listed.body
    [entry] = listed.body["items"]
    assert (entry["reason"], entry["sender"], entry["subject"]) == ("spam", None, None)

    # WHEN an operator opens it
    path = f"/v1/admin/quarantine/{quote(entry['id'], safe='')}"
    opened = operator.get(path)

    # THEN she reads what the mail says, its attachments listed, and nothing happened to it
    assert opened.status == 200, opened.body
    assert {k: opened.body[k] for k in entry} == entry
    message = opened.body["message"]
    assert (message["from_address"], message["from_name"]) == ("marko@example.rs", "Марко Марковић")
    assert message["subject"] == "Добитак!" and message["to"] == ["kjs@demo.civicdesk.rs"]
    assert message["text"].strip() == "Кликните овде да преузмете награду."
    assert message["text_truncated"] is False and message["bounce"] is False
    assert message["message_id"] == str(mail["Message-ID"]).strip("<>")
    assert message["date"] is None or message["date"].endswith("Z")
    [attachment] = message["attachments"]
    assert {k: attachment[k] for k in ("filename", "content_type", "refused")} == {
        "filename": "nagrada.pdf", "content_type": "application/pdf", "refused": None}
    assert "data" not in attachment and aws.sent_mails() == []
    assert operator.get("/v1/admin/quarantine").body["items"][0]["released_at"] is None

    # AND released, it becomes a case, which the entry then shows
    released = operator.post(f"{path}/release")
    assert released.status == 200 and released.body["outcome"] == "new_case", released.body
    again = operator.get(path).body
    assert again["released_at"] and again["released_by"] == "staff:operator.q"


def test_only_the_roles_that_see_the_quarantine_read_a_message(ingest, staff):
    ingest(build_mail(), verdicts={"virus": "FAIL"})
    supervisor = staff.add("supervisor.q", "supervisor")
    [entry] = supervisor.get("/v1/admin/quarantine").body["items"]
    path = f"/v1/admin/quarantine/{quote(entry['id'], safe='')}"
    assert supervisor.get(path).status == 200
    agent = staff.add("agent.q", "department_agent", departments=("roads_traffic",))
    refused = agent.get(path)
    assert (refused.status, refused.error_code) == (403, "forbidden")
    assert "message" not in refused.body
    missing = supervisor.get("/v1/admin/quarantine/" + quote("2026-11-21T00:00:00.000000Z#missing", safe=""))
    assert missing.status == 404, missing.body


def test_the_staff_list_names_roles_and_departments_and_offers_every_department(staff):
    staff.add("agent.roads", "department_agent", departments=("roads_traffic",))
    caller = staff.add("supervisor.s", "supervisor")
    answer = caller.get("/v1/admin/staff", "department=roads_traffic", headers={"Accept-Language": "en"})
    assert answer.status == 200, answer.body
    agent = next(m for m in answer.body["items"] if m["username"] == "agent.roads")
    assert agent["departments"] == ["roads_traffic"] and agent["roles"] == ["department_agent"]
    assert agent["department_names"] == ["Roads and Traffic Department"]
    assert agent["role_names"] == ["Department agent"]
    ids = [d["id"] for d in answer.body["departments"]]
    assert "roads_traffic" in ids and "public_utilities" in ids
    assert all(d["name"] and d["name"] != d["id"] for d in answer.body["departments"])
