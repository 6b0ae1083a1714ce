"""Campaigns on the local runtime, end to end over HTTP with a real audience: an administrator
imports a contact list, a supervisor builds an audience of it, an operator writes a campaign
(mail, then SMS), the supervisor approves it, and the deployed way sends it: CampaignPlanQueue,
CampaignPlannerFunction, CampaignSendQueue, CampaignSenderFunction, SES (whose simulator's
bounce addresses bounce, ``infra.local.ses_events``) and its configuration set's events through
DeliveryFeedbackFunction, SNS SMS with End User Messaging's delivery events
(``infra.local.sms_events``: numbers ending in 3 fail, in 5 never confirm) through
CampaignSmsStatusFunction, and the campaigns job (``POST /_local/schedules/CampaignSweepSchedule``)
moving the unconfirmed on. A campaign with a send time is the one-time schedule the runtime fires
(``POST /_local/schedules/<its name>``); a campaign carrying a survey sends its one-time link;
a contact's unsubscribe link ends their entry.

The tests wait with a deadline and make no claim about speed.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import boto3
import pytest
import requests

from infra.local.runtime import LocalRuntime
from tests.support.campaign_contacts import MESSAGES, contact_csv, contacts
from tests.support.local_staff import id_token, outbox, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_campaigns")]

#: Generous: the machine may be loaded; the waits end as soon as the state is reached.
DEADLINE = 90
ADMIN, SUPERVISOR, OPERATOR = "ivana.markovic", "nenad.stojanovic", "milica.jovanovic"
SWEEP = "CampaignSweepSchedule"

_TOKENS: dict[tuple[str, str], str] = {}


def token(runtime: LocalRuntime, who: str) -> str:
    """The staff member's ID token, signed in once per runtime (an hour's validity)."""
    key = (runtime.http_url, who)
    if key not in _TOKENS:
        _TOKENS[key] = id_token(runtime, who)
    return _TOKENS[key]


def call(runtime: LocalRuntime, method: str, path: str, who: str, body=None, **params):
    return requests.request(method, f"{runtime.http_url}{path}", json=body, params=params or None,
                            headers={"Authorization": token(runtime, who)}, timeout=30)


def ok(answer: requests.Response, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-campaigns")) as started:
        yield started


@pytest.fixture(scope="module")
def audience(runtime) -> dict:
    """A contact list of 30 imported by the administrator, an audience of it by the supervisor."""
    listed = ok(call(runtime, "POST", "/v1/admin/contact-lists", ADMIN,
                     {"name": "Mesna zajednica Centar"}), 201)
    text = contact_csv(contacts())
    imported = ok(call(runtime, "POST", f"/v1/admin/contact-lists/{listed['id']}/imports", ADMIN,
                       {"csv": text}))
    assert imported["imported"] is True and imported["added"] == 30, imported
    built = ok(call(runtime, "POST", "/v1/admin/audiences", SUPERVISOR,
                    {"name": "Centar", "rule": {"kind": "contact_list", "lists": [listed["id"]]}}), 201)
    return built


def approved(runtime, audience_id: str, messages=MESSAGES, **fields) -> dict:
    """Written by the operator, submitted, approved by the supervisor; urgent, so that its SMS
    do not wait for the end of the quiet hours whatever the time of the run."""
    created = ok(call(runtime, "POST", "/v1/admin/campaigns", OPERATOR,
                      {"title": "Isključenje vode", "audience_id": audience_id, "messages": messages,
                       "channels": ["email", "sms"], "urgent": True, **fields}), 201)
    path = f"/v1/admin/campaigns/{created['id']}"
    submitted = ok(call(runtime, "POST", f"{path}/submit", OPERATOR, {"version": created["version"]}))
    return ok(call(runtime, "POST", f"{path}/approve", SUPERVISOR, {"version": submitted["version"]}))


def campaign(runtime, cid: str) -> dict:
    return ok(call(runtime, "GET", f"/v1/admin/campaigns/{cid}", OPERATOR))


def recipients(runtime, cid: str, path: str = "recipients") -> list[dict]:
    found: list[dict] = []
    cursor = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        page = ok(call(runtime, "GET", f"/v1/admin/campaigns/{cid}/{path}", OPERATOR, **params))
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def sweep(runtime, at: datetime) -> dict:
    answer = requests.post(f"{runtime.http_url}/_local/schedules/{SWEEP}",
                           params={"at": at.isoformat()}, timeout=120)
    run = ok(answer)
    assert run["outcome"] == "succeeded", run
    return run


def settled(runtime, cid: str, expected: int) -> list[dict] | None:
    """The recipients once every one is final or waits for a confirmation that is not coming
    (sent on a number ending in 5), else None."""
    found = recipients(runtime, cid)
    if len(found) != expected:
        return None
    for r in found:
        if r["state"] == "queued" or (r["state"] == "sent" and not (
                r["channel"] == "sms" and r["phone"].endswith("5"))):
            return None
    return found


def unsettled(runtime, cid: str) -> list:
    return [(r["name"], r["email"], r["phone"], r["state"], r["channel"], r["steps"])
            for r in recipients(runtime, cid) if r["state"] in ("queued", "sent")]


def run_to_completion(runtime, cid: str, expected: int) -> dict:
    """Wait for the sending and the feedback to settle, then run the job later and later until
    the campaign is completed (the confirmation time is 30 minutes)."""
    later = datetime.now(timezone.utc)
    for _ in range(6):
        assert wait_for(lambda: settled(runtime, cid, expected), DEADLINE, interval=0.3), \
            unsettled(runtime, cid)
        state = campaign(runtime, cid)
        if state["state"] == "completed":
            return state
        later += timedelta(minutes=45)
        sweep(runtime, later)
    raise AssertionError(campaign(runtime, cid))


def mails_of(runtime, cid: str) -> list[dict]:
    return [m for m in outbox(runtime)
            if m["channel"] == "email" and m["headers"].get("X-CivicDesk-Campaign") == cid]


def send_now(runtime, approved_: dict) -> str:
    sent = ok(call(runtime, "POST", f"/v1/admin/campaigns/{approved_['id']}/send", OPERATOR,
                   {"version": approved_["version"]}))
    assert sent["state"] == "sending", sent
    return approved_["id"]


MAILED = [r["email"] for r in contacts() if r["email"]]
#: Those SES accepts (a bounced address is on the suppression list after the first campaign).
DELIVERABLE = [a for a in MAILED if not a.startswith("bounce")]


def audience_now(runtime) -> list[dict]:
    """The contacts the audience resolves to now: those with an address off the suppression
    list (a hard bounce puts an address on it; a contact left with none is no member)."""
    listed = ok(call(runtime, "GET", "/v1/admin/suppressions", SUPERVISOR, limit="100"))
    suppressed = {i["address"].lower() for i in listed["items"]}
    return [r for r in contacts()
            if any(a and a.lower() not in suppressed for a in (r["email"], r["phone"]))]


def queue_drained(runtime, logical_id: str) -> bool:
    """Nothing waits in the queue nor is being handled (its function took every message)."""
    sqs = boto3.client("sqs", region_name="eu-central-1", endpoint_url=runtime.aws_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    found = sqs.get_queue_attributes(
        QueueUrl=runtime.resources.queues[logical_id],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return not any(int(v) for v in found["Attributes"].values())


def mailed_once(runtime, cid: str, expected: list[str]) -> bool:
    """Each address of ``expected`` got the campaign, none twice, none outside the list."""
    sent = Counter(a for m in mails_of(runtime, cid) for a in m["to"])
    return set(expected) <= set(sent) <= set(MAILED) and max(sent.values()) == 1


def test_a_campaign_to_an_imported_list_ends_delivered_or_unreachable_none_twice(runtime, audience):
    campaign_ = approved(runtime, audience["id"])
    cid = campaign_["id"]
    sent = ok(call(runtime, "POST", f"/v1/admin/campaigns/{cid}/send", OPERATOR,
                   {"version": campaign_["version"]}))
    assert sent["state"] == "sending", sent
    done = run_to_completion(runtime, cid, 30)
    found = recipients(runtime, cid)
    assert Counter(r["state"] for r in found).keys() <= {"delivered", "unreachable"}
    people = {r["email"] or r["phone"]: r for r in contacts()}
    mails, sms = Counter(), Counter()
    for entry in outbox(runtime):
        if entry["channel"] == "email" and entry["headers"].get("X-CivicDesk-Campaign") == cid:
            mails.update(entry["to"])
    for entry in outbox(runtime):
        if entry["channel"] == "sms":
            sms.update(entry["to"])
    for r in found:
        person = people[r["email"] or r["phone"]]
        if person["email"]:
            assert mails[person["email"]] == 1, (person, r)
        if person["phone"]:
            assert sms[person["phone"]] <= 1, (person, r)
        bounces = (person["email"] or "").startswith("bounce")
        reaches_by_sms = person["phone"] and person["phone"][-1] not in "35"
        reached = (person["email"] and not bounces) or reaches_by_sms
        assert r["state"] == ("delivered" if reached else "unreachable"), (person, r)
        # the SMS goes only when the mail did not reach them
        assert sms[person["phone"]] == (1 if person["phone"] and not (person["email"] and not bounces) else 0)
    progress = done["progress"]
    assert progress["recipients"] == 30
    by_state = Counter(r["state"] for r in found)
    assert (progress["delivered"], progress["unreachable"], progress["open"]) == (
        by_state["delivered"], by_state["unreachable"], 0), progress
    assert by_state["delivered"] and by_state["unreachable"]
    channels = done["counts"]["channel"]
    assert channels["email"]["sent"] == sum(mails.values()) and channels["sms"]["sent"] == sum(sms.values())
    assert channels["email"]["bounced"] == sum(1 for a in mails if a.startswith("bounce"))
    assert sum(done["counts"]["language"][lang].get(state, 0) for lang in ("en", "sr-Latn")
               for state in ("delivered", "unreachable")) == 30
    calls = recipients(runtime, cid, "calls")
    assert sorted(r["key"] for r in calls) == sorted(r["key"] for r in found if r["state"] == "unreachable")
    report = requests.get(f"{runtime.http_url}/v1/admin/campaigns/{cid}/recipients",
                          params={"format": "csv"}, timeout=30,
                          headers={"Authorization": token(runtime, OPERATOR)})
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/csv")
    assert report.text.startswith("\ufeff")  # the header in the staff member's language
    rows = list(csv.reader(io.StringIO(report.text[1:])))
    assert len(rows) == 31 and Counter(row[6] for row in rows[1:]) == by_state
    assert {row[5] or row[4] for row in rows[1:]} == {r["phone"] or r["email"] for r in found}


def test_a_scheduled_campaign_runs_when_its_schedule_fires_and_a_repeated_firing_changes_nothing(
        runtime, audience):
    later = datetime.now(timezone.utc) + timedelta(hours=3)
    campaign_ = approved(runtime, audience["id"], channels=["email"],
                         send_at=later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    cid = campaign_["id"]
    scheduled = ok(call(runtime, "POST", f"/v1/admin/campaigns/{cid}/send", SUPERVISOR,
                        {"version": campaign_["version"]}))
    assert scheduled["state"] == "scheduled", scheduled
    assert campaign(runtime, cid)["progress"]["recipients"] == 0
    members = len(audience_now(runtime))
    # WHEN its one-time schedule fires (on demand: its time is hours away)
    name = f"campaign-{cid}"
    fired = ok(requests.post(f"{runtime.http_url}/_local/schedules/{name}",
                             params={"at": later.isoformat()}, timeout=30))
    assert fired["outcome"] == "delivered" and fired["trigger"] == "on_demand", fired
    # THEN the campaign is planned and every address with mail gets it once
    assert wait_for(lambda: settled(runtime, cid, members), DEADLINE, interval=0.3), \
        unsettled(runtime, cid)
    assert wait_for(lambda: mailed_once(runtime, cid, DELIVERABLE), DEADLINE, interval=0.3)
    assert campaign(runtime, cid)["progress"]["recipients"] == members
    # WHEN the schedule is delivered again (Scheduler delivers at least once)
    again = ok(requests.post(f"{runtime.http_url}/_local/schedules/{name}", timeout=30))
    assert again["trigger"] == "repeated", again
    assert wait_for(lambda: queue_drained(runtime, "CampaignPlanQueue"), DEADLINE, interval=0.3)
    assert wait_for(lambda: queue_drained(runtime, "CampaignSendQueue"), DEADLINE, interval=0.3)
    # THEN nothing changes: the plan, the mails (each address once)
    assert wait_for(lambda: settled(runtime, cid, members), DEADLINE, interval=0.3)
    assert campaign(runtime, cid)["progress"]["recipients"] == members
    assert mailed_once(runtime, cid, DELIVERABLE)


def test_a_campaign_carrying_a_survey_sends_its_link_and_the_answer_counts(runtime, audience):
    every = lambda text: {lang: f"{text} ({lang})" for lang in ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")}  # noqa: E731
    designed = ok(call(runtime, "POST", "/v1/admin/surveys", SUPERVISOR, {
        "title": every("Water supply"), "intro": every("Two short questions"),
        "channels": ["portal"], "audience_id": audience["id"], "questions": [
            {"id": "satisfied", "kind": "scale", "text": every("How satisfied are you?"),
             "required": True},
            {"id": "again", "kind": "yes_no", "text": every("Would you be told again?")}]}), 201)
    survey = ok(call(runtime, "POST", f"/v1/admin/surveys/{designed['id']}/open", SUPERVISOR,
                     {"version": designed["version"]}))
    messages = {lang: {**m, "mail_body": m["mail_body"] + " {link}"} for lang, m in MESSAGES.items()}
    cid = send_now(runtime, approved(runtime, audience["id"], messages=messages,
                                     channels=["email"], survey_id=survey["id"]))
    address = "resident1@example.rs"
    [mail] = wait_for(lambda: [m for m in mails_of(runtime, cid) if address in m["to"]],
                      DEADLINE, interval=0.3) or [None]
    assert mail is not None
    [token] = re.findall(r"/survey\.html#token=([\w.~-]+)", mail["text"])
    shown = requests.get(f"{runtime.http_url}/v1/public/surveys/{token}", timeout=10)
    assert shown.status_code == 200, shown.text
    assert [q["id"] for q in shown.json()["questions"]] == ["satisfied", "again"]
    answer = requests.post(f"{runtime.http_url}/v1/public/surveys/{token}", timeout=10,
                           json={"answers": {"satisfied": 4, "again": True}})
    assert answer.status_code == 201, answer.text
    twice = requests.post(f"{runtime.http_url}/v1/public/surveys/{token}", timeout=10,
                          json={"answers": {"satisfied": 1, "again": False}})
    assert twice.status_code == 409, twice.text
    results = ok(call(runtime, "GET", f"/v1/admin/surveys/{survey['id']}/results", SUPERVISOR))
    assert results["responses"] == 1, results
    assert {c["value"]: c["count"] for c in results["questions"][0]["choices"]}["4"] == 1


def test_an_unsubscribe_link_ends_the_entry_and_a_later_campaign_skips_it(runtime, audience):
    address = "resident2@example.rs"

    def received() -> list[dict]:
        return [m for m in outbox(runtime) if m["channel"] == "email" and address in m["to"]
                and "X-CivicDesk-Campaign" in m["headers"]]

    if not received():  # run alone: no earlier campaign of the module mailed them
        send_now(runtime, approved(runtime, audience["id"], channels=["email"]))
    mail = (wait_for(received, DEADLINE, interval=0.3) or [None])[-1]
    assert mail is not None
    link = mail["headers"]["List-Unsubscribe"].strip("<>")
    assert link in mail["text"] and "/alerts.html#unsubscribe=" in link
    token = link.split("#unsubscribe=", 1)[1]
    ended = requests.post(f"{runtime.http_url}/v1/public/alerts/unsubscribe", json={"token": token},
                          timeout=10)
    assert ended.status_code == 200, ended.text
    assert ended.json() == {"status": "ended", "kind": "contact_list"}
    # A later campaign to the same audience skips them.
    members = [r for r in audience_now(runtime) if r["email"] != address]
    later = send_now(runtime, approved(runtime, audience["id"], channels=["email"]))
    others = [a for a in DELIVERABLE if a != address]
    assert wait_for(lambda: settled(runtime, later, len(members)), DEADLINE, interval=0.3), \
        len(recipients(runtime, later))
    assert wait_for(lambda: mailed_once(runtime, later, others), DEADLINE, interval=0.3), \
        sorted(a for m in mails_of(runtime, later) for a in m["to"])
    assert address not in {a for m in mails_of(runtime, later) for a in m["to"]}
    assert {r["name"] for r in recipients(runtime, later)} == {r["name"] for r in members}
