"""The requester answers back from the tracking page (issue 16, item 5): a message that takes a
case out of "waiting for the citizen" and starts its clocks again, the reopening of a resolved
case inside and outside the reopen window, the token, and a retried POST. In-process under moto."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from tests.support.admin import AdminApi, Staff

REPORT = {"type": "request", "category": "local_taxes", "language": "sr-Latn",
          "description": "Molim informaciju o rešenju o porezu na imovinu za 2026. godinu.",
          "contact": {"name": "Milan Jovanović", "email": "milan@example.rs"}}
LAMP = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
        "description": "Ne radi ulična rasveta u Ulici Vuka Karadžića kod broja 5.",
        "location": {"lat": 44.0195, "lon": 20.918},
        "contact": {"email": "milan@example.rs"}}


@pytest.fixture
def api(aws_env):
    return AdminApi()


@pytest.fixture
def operator(api):
    return Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("operator.ana", "operator")


def report(api, body) -> tuple[str, str]:
    answer = api.call("POST", "/v1/public/cases", body)
    assert answer.status == 201, answer.body
    return answer.body["number"], answer.body["token"]


def set_status(operator, number, status, **extra):
    version = operator.get(f"/v1/admin/cases/{number}").body["version"]
    answer = operator.post(f"/v1/admin/cases/{number}/status",
                           {"version": version, "status": status, "reason": "Provera", **extra})
    assert answer.status == 200, answer.body


def answer(api, number, token, text, *, key=None, path="messages", field="text"):
    headers = {"Idempotency-Key": key} if key else None
    return api.call("POST", f"/v1/public/cases/{number}/{path}", {"token": token, field: text},
                    headers=headers, query="lang=en")


def tracked(api, number, token):
    return api.call("GET", f"/v1/public/cases/{number}", query=f"token={token}&lang=en").body


def test_an_answer_takes_the_case_out_of_waiting_and_starts_its_clocks_again(api, operator):
    # GIVEN a request the municipality asked the citizen about
    number, token = report(api, REPORT)
    set_status(operator, number, "waiting_for_citizen",
               message_to_citizen="Pošaljite broj rešenja, molimo.")
    due = operator.get(f"/v1/admin/cases/{number}").body["due"]
    assert due["paused_since"] and due["running"] == []
    view = tracked(api, number, token)
    assert view["may_reply"] is True and view["may_reopen"] is False and view["reopen_until"] is None
    # WHEN the citizen answers from the tracking page
    sent = answer(api, number, token, "Broj rešenja je 436-12/2026.", key="answer-0001")
    # THEN the case is back at work, the answer is on the page, and the clocks run again
    assert sent.status == 201, sent.body
    assert sent.body["status"] == "in_progress" and sent.body["may_reply"] is True
    mine = [e for e in sent.body["history"] if e.get("by_requester")]
    assert [e["message"] for e in mine] == ["Broj rešenja je 436-12/2026."]
    case = operator.get(f"/v1/admin/cases/{number}").body
    assert case["status"] == "in_progress"
    assert case["due"]["paused_since"] is None and "resolution" in case["due"]["running"]
    # AND staff see it as they see a mail reply: a citizen's message (channel web) and the
    # status change back to work by the citizen
    entries = case["timeline"]
    message = [e for e in entries if e["kind"] == "message_in"]
    assert len(message) == 1 and message[0]["actor"] == "citizen:web"
    assert message[0]["data"]["channel"] == "web" and message[0]["data"]["text"] == "Broj rešenja je 436-12/2026."
    changes = [e for e in entries if e["kind"] == "status_changed" and e["actor"] == "citizen:web"]
    assert [c["data"]["reason"] for c in changes] == ["citizen_answered"]
    # AND a stranger never sees the answer
    public = api.call("GET", f"/v1/public/cases/{number}", query="lang=en")
    assert public.status == 404  # a request is private


def test_a_retried_answer_writes_nothing_twice_and_another_text_under_its_key_is_refused(api, operator):
    number, token = report(api, REPORT)
    first = answer(api, number, token, "Dodajem: parcela 1234/5.", key="retry-key-1")
    again = answer(api, number, token, "Dodajem: parcela 1234/5.", key="retry-key-1")
    assert first.status == again.status == 201
    assert first.body["history"] == again.body["history"]
    timeline = operator.get(f"/v1/admin/cases/{number}").body["timeline"]
    assert len([e for e in timeline if e["kind"] == "message_in"]) == 1
    other = answer(api, number, token, "Nešto sasvim drugo ovde.", key="retry-key-1")
    assert other.status == 409 and other.error_code == "conflict"
    # without a key each POST is a message of its own
    answer(api, number, token, "Još jedna napomena.")
    timeline = operator.get(f"/v1/admin/cases/{number}").body["timeline"]
    assert len([e for e in timeline if e["kind"] == "message_in"]) == 2


def test_the_token_is_checked(api, operator):
    number, token = report(api, REPORT)
    lamp, lamp_token = report(api, LAMP)
    # a private case without its token is not found, as on the tracking page
    assert answer(api, number, "x" * 30, "Ima li vesti?").status == 404
    assert answer(api, number, lamp_token, "Ima li vesti?").status == 404
    # a public case is known to everyone: answering it needs its token all the same
    refused = answer(api, lamp, token, "Ima li vesti?")
    assert refused.status == 403 and refused.error_code == "forbidden"
    # the links every later message carries open it too
    from civicdesk import wiring

    derived = wiring.tracking_links().token(number)
    assert answer(api, number, derived, "Ima li vesti?").status == 201
    # a bad body: every field named
    bad = api.call("POST", f"/v1/public/cases/{number}/messages", {"text": ""})
    assert bad.status == 400 and bad.fields == {"token": "required", "text": "required"}
    assert tracked(api, lamp, "")["may_reply"] is False  # without the token, nothing to offer


def test_a_resolved_case_reopens_within_the_window_and_not_after(api, operator, monkeypatch):
    from civicdesk import wiring

    number, token = report(api, LAMP)
    set_status(operator, number, "resolved", message_to_citizen="Sijalica je zamenjena.")
    view = tracked(api, number, token)
    assert view["may_reopen"] is True and view["may_reply"] is False and view["reopen_until"]
    # a message on a resolved case says to reopen it instead
    refused = answer(api, number, token, "I dalje ne radi.")
    assert refused.status == 409 and refused.error_code == "case_resolved"
    # a reason is needed
    short = answer(api, number, token, "Ne.", path="reopening", field="reason")
    assert short.status == 400 and short.fields == {"reason": "too_short"}
    # WHEN the citizen reopens it within the window
    reopened = answer(api, number, token, "Sijalica i dalje ne radi posle zamene.", key="reopen-0001",
                      path="reopening", field="reason")
    # THEN it is back at work, the reason recorded as the citizen's message
    assert reopened.status == 201, reopened.body
    assert reopened.body["status"] == "in_progress" and reopened.body["may_reopen"] is False
    assert [e for e in reopened.body["history"] if e.get("reopening")]
    timeline = operator.get(f"/v1/admin/cases/{number}").body["timeline"]
    change = [e for e in timeline if e["kind"] == "status_changed" and e["actor"] == "citizen:web"]
    assert [(c["data"]["from"], c["data"]["reason"]) for c in change] == [("resolved", "reply_reopened")]
    # AND the retry answers the same without a second reopening
    again = answer(api, number, token, "Sijalica i dalje ne radi posle zamene.", key="reopen-0001",
                   path="reopening", field="reason")
    assert again.status == 201 and again.body["status"] == "in_progress"
    # WHEN it is resolved again and the window passes
    set_status(operator, number, "resolved")
    window = wiring.municipality_provider().get().reopen_window_days
    service = wiring.citizen_answer_service()
    later = service._clock() + timedelta(days=window, hours=1)
    monkeypatch.setattr(service, "_clock", lambda: later)
    late = answer(api, number, token, "Opet ne radi, treći put.", path="reopening", field="reason")
    # THEN it is refused with why
    assert late.status == 409 and late.error_code == "reopen_window_passed"
    assert "new report" in late.body["error"]["message"]


def test_a_closed_case_and_an_open_one_are_not_reopened(api, operator):
    number, token = report(api, LAMP)
    not_resolved = answer(api, number, token, "Molim ponovno otvaranje.", path="reopening", field="reason")
    assert not_resolved.status == 409 and not_resolved.error_code == "case_not_resolved"
    set_status(operator, number, "resolved")
    set_status(operator, number, "closed")
    view = tracked(api, number, token)
    assert view["may_reopen"] is False and view["may_reply"] is False
    closed = answer(api, number, token, "Molim ponovno otvaranje.", path="reopening", field="reason")
    assert closed.status == 409 and closed.error_code == "case_closed"
