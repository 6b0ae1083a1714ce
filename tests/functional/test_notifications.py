"""Stream -> events topic -> notify queue -> NotifyFunction, in-process under moto.

Every change goes through the real pipeline (``tests/support/pipeline.py``): real stream
records, the publisher, SNS's delivery to the queue with the template's filter policy, and the
notify handler with Lambda's SQS records and partial batch responses.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import mails_to, sms_to
from tests.support.pipeline import Pipeline

WEB_CASE = {"type": "signal", "category": "road_damage", "language": "sr-Latn",
            "description": "Velika rupa na kolovozu u Ulici Vuka Karadžića 5, opasno za bicikliste.",
            "contact": {"name": "Petar Petrović", "email": "petar@example.rs"}}


@pytest.fixture
def pipeline(aws_env):
    return Pipeline(aws_env)


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {
        "operator": staff.add("operator.ana", "operator"),
        "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
        "supervisor": staff.add("supervisor.mira", "supervisor"),
        "supervisor2": staff.add("supervisor.vuk", "supervisor"),
    }


def timeline(number: str) -> list:
    from civicdesk import wiring

    return wiring.case_repository().get_with_timeline(number)[1]


def notifications(number: str) -> list[dict]:
    return [e.data for e in timeline(number) if e.kind.value == "notification"]


def open_web_case(**changes) -> dict:
    from civicdesk import wiring
    from civicdesk.api import case_commands, case_views

    command = case_commands.open_public_case({**WEB_CASE, **changes})
    return case_views.opened_public(wiring.case_service().open_public_case(command))


def change_status(caller, number: str, status: str, **extra):
    case = caller.get(f"/v1/admin/cases/{number}").body
    answer = caller.post(f"/v1/admin/cases/{number}/status",
                         {"status": status, "reason": "Radovi", "version": case["version"], **extra})
    assert answer.status == 200, answer.body
    return answer.body


def follow(number: str, email: str, language: str = "en"):
    """A confirmed follower (the opt-in itself is tested with the public routes)."""
    from civicdesk import wiring
    from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState

    now = datetime.now(timezone.utc)
    return wiring.subscription_repository().add_subscription(Subscription(
        number, email, SubscriptionRole.FOLLOWER, language, SubscriptionState.CONFIRMED,
        "follower-token", now, confirmed_at=now))


# -- the confirmation, moved onto the pipeline ------------------------------------------------

def test_web_confirmation_carries_the_private_link_and_goes_out_once(pipeline):
    answer = open_web_case()
    assert mails_to("petar@example.rs") == []  # not sent by the request any more
    # WHEN
    pipeline.run()
    pipeline.run()
    # THEN
    [mail] = mails_to("petar@example.rs")
    assert mail["Subject"].startswith(f"[#{answer['number']}] ")
    assert answer["tracking_url"] in mail.get_content()  # the token, once, in the confirmation
    assert mail["Auto-Submitted"] == "auto-generated" and "List-Unsubscribe" not in mail
    assert f"+{answer['number']}." in mail["Reply-To"]  # answers thread into the case
    # The department's mailbox heard of the new case; both are on the timeline.
    assert len(mails_to("odeljenje.saobracaj@demo.civicdesk.rs")) == 1
    recorded = {(n["audience"], n["kind"], n["outcome"]) for n in notifications(answer["number"])}
    assert recorded == {("requester", "confirmation", "sent"), ("department", "routed", "sent")}
    # The link's token is no longer stored anywhere once it is sent.
    items = boto3.client("dynamodb", region_name=aws.REGION).query(
        TableName=os.environ["CIVICDESK_CASES_TABLE"], KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{answer['number']}"}})["Items"]
    token = parse_qs(urlparse(answer["tracking_url"]).query)["token"][0]
    assert token not in str(items)


def test_operator_intake_with_only_a_mobile_number_is_confirmed_by_sms(pipeline, team):
    opened = team["operator"].post("/v1/admin/cases", {
        "type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Rupa na kolovozu kod škole, javlja građanin telefonom.",
        "requester": {"name": "Milan", "phone": "064 123 4567"}}).body
    assert opened["confirmation"] == "sms"
    pipeline.run()
    [text] = sms_to("+381641234567")
    assert opened["number"] in text


# -- status changes ------------------------------------------------------------------------------

def test_a_status_change_is_threaded_into_the_citizens_mail_conversation(aws_env, pipeline, team):
    from email.message import EmailMessage
    from email.utils import make_msgid

    from tests.support.ses import receipt

    message = EmailMessage()
    message["From"], message["To"] = "Marko <marko@example.rs>", "kjs@demo.civicdesk.rs"
    message["Subject"], message["Message-ID"] = "Smeće", make_msgid(domain="example.rs")
    message.set_content("Poštovani, u Ulici Nikole Tesle 5 smeće nije odvezeno nedelju dana.")
    boto3.client("s3", region_name=aws.REGION).put_object(
        Bucket=aws_env.buckets["MailBucket"], Key="inbound/" + "b" * 32, Body=message.as_bytes())
    opened = aws.load_function("IngestEmailFunction").handler(
        receipt("b" * 32, ["kjs@demo.civicdesk.rs"], "marko@example.rs", message.as_bytes(),
                timestamp="2026-11-25T09:00:00.000Z"),
        aws.context("IngestEmailFunction"))["results"][0]
    pipeline.run()
    before = len(mails_to("marko@example.rs"))  # the mail channel's own auto-reply
    # WHEN
    change_status(team["supervisor"], opened["case_number"], "in_progress",
                  message_to_citizen="Komunalno preduzeće je obavešteno.")
    pipeline.run()
    # THEN the requester's mail answers their message, from the case's mailbox, with its tag
    [update] = mails_to("marko@example.rs")[before:]
    assert update["In-Reply-To"] == str(message["Message-ID"])
    assert str(message["Message-ID"]) in update["References"]
    assert update["From"].endswith("<kjs@demo.civicdesk.rs>")
    assert update["Reply-To"].startswith(f"kjs+{opened['case_number']}.")
    assert update["Subject"].startswith(f"[#{opened['case_number']}] ")


def test_status_change_tells_the_requester_once_even_from_duplicate_stream_records(pipeline, team):
    answer = open_web_case()
    pipeline.run()
    change_status(team["roads"], answer["number"], "in_progress",
                  message_to_citizen="Ekipa izlazi na teren sutra ujutru.")
    records = pipeline.new_stream_records()
    # WHEN the stream hands the same records over twice (a retried batch)
    pipeline.publish(records)
    pipeline.publish(records)
    pipeline.notify()
    # THEN
    updates = [m for m in mails_to("petar@example.rs") if "Ekipa izlazi" in m.get_content()]
    assert len(updates) == 1
    [update] = updates
    assert update["List-Unsubscribe"].startswith("<http://portal.test/v1/public/cases/")
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "subscription.html?action=unsubscribe" in update.get_content()
    sent = [n for n in notifications(answer["number"]) if n["kind"] == "status_changed"]
    assert len(sent) == 1 and sent[0]["outcome"] == "sent"


def test_a_crash_between_saving_and_sending_still_sends_exactly_once_after_the_retry(
        pipeline, team, monkeypatch):
    from civicdesk import wiring

    answer = open_web_case()
    pipeline.run()
    follow(answer["number"], "komsija@example.rs")
    change_status(team["roads"], answer["number"], "resolved",
                  message_to_citizen="Rupa je sanirana.")
    pipeline.publish(pipeline.new_stream_records())
    # WHEN the first attempt dies sending the requester's mail (SES unreachable)
    mailer = wiring.mailer()
    real_send = mailer.send
    calls = []

    def flaky(mail):
        calls.append(mail.to)
        if mail.to == ("petar@example.rs",) and len([c for c in calls if c == mail.to]) == 1:
            raise ConnectionError("SES endpoint unreachable")
        return real_send(mail)

    monkeypatch.setattr(mailer, "send", flaky)
    [first] = pipeline.notify()
    assert len(first["batchItemFailures"]) == 1
    assert [m for m in mails_to("petar@example.rs") if "sanirana" in m.get_content()] == []
    # ... and the message comes back after its visibility timeout
    pipeline.notify()
    pipeline.notify()
    # THEN each recipient has exactly one mail
    assert len([m for m in mails_to("petar@example.rs") if "sanirana" in m.get_content()]) == 1
    assert len(mails_to("komsija@example.rs")) == 1
    outcomes = sorted((n["audience"], n["outcome"]) for n in notifications(answer["number"])
                      if n["kind"] in ("resolved", "follower_update"))
    assert outcomes == [("follower", "sent"), ("requester", "sent")]


def test_an_invocation_that_died_mid_send_is_recorded_as_uncertain_and_not_resent(pipeline, team):
    from civicdesk.adapters.dynamodb.items import NotificationItem
    from civicdesk.adapters.dynamodb.keys import case_pk, notification_sk

    answer = open_web_case()
    pipeline.run()
    change_status(team["roads"], answer["number"], "in_progress")
    records = pipeline.new_stream_records()
    [change] = [r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "status_changed"]
    entry_id = change["dynamodb"]["NewImage"]["event_id"]["S"]
    event_id = f"{answer['number']}/{entry_id}"
    # The claim an invocation left behind when it was killed during the send, ten minutes ago.
    long_ago = datetime.now(timezone.utc) - timedelta(minutes=10)
    NotificationItem(PK=case_pk(answer["number"]), SK=notification_sk(event_id, "requester"),
                     number=answer["number"], event_id=event_id, recipient="requester",
                     state="sending", claimed_at=long_ago.isoformat().replace("+00:00", "Z")).save()
    before = len(mails_to("petar@example.rs"))
    # WHEN
    pipeline.publish(records)
    pipeline.notify()
    # THEN
    assert len(mails_to("petar@example.rs")) == before
    [recorded] = [n for n in notifications(answer["number"]) if n["kind"] == "status_changed"]
    assert recorded["outcome"] == "uncertain"


def test_a_follower_gets_public_changes_only_never_internal_notes_or_personal_data(pipeline, team):
    answer = open_web_case()
    pipeline.run()
    follow(answer["number"], "komsija@example.rs", "sr-Latn")
    number = answer["number"]
    case = team["roads"].get(f"/v1/admin/cases/{number}").body
    team["roads"].post(f"/v1/admin/cases/{number}/notes",
                       {"text": "INTERNO: izvođač kasni, pozvati direktora.", "version": case["version"]})
    team["roads"].post(f"/v1/admin/cases/{number}/assignment",
                       {"assignee": "agent.roads", "version": case["version"] + 1})
    change_status(team["roads"], number, "in_progress",
                  message_to_citizen="Poštovani Petar Petrović, ekipa dolazi. Pozovite 064 987 6543.")
    # WHEN
    pipeline.run()
    # THEN
    [mail] = mails_to("komsija@example.rs")
    text = mail.get_content()
    assert "INTERNO" not in text and "direktora" not in text
    assert "064 987 6543" not in text  # the official's message is redacted for strangers
    assert "Petar" not in text and "Petrović" not in text and "ekipa dolazi" in text
    assert "petar@example.rs" not in text and mail["Reply-To"] is None
    assert "List-Unsubscribe" in mail
    recorded = [n for n in notifications(number) if n["audience"] == "follower"]
    assert len(recorded) == 1 and "komsija" not in str(recorded)


#: The official's message of the attack (issue 12, items 1 and 2): the requester's name in the
#: other script, without diacritics and inflected, their address, and a street address.
NAMING_MESSAGE = ("Poštovani Петре Петровићу, ekipa je bila kod Petrovica i u Vuka Karadžića 5; "
                  "gospodin Petroviću, komšija iz ul. Njegoševa 7 je takođe obavešten.")


def tracking_page(number: str, token: str | None = None) -> dict:
    from civicdesk import wiring
    from civicdesk.api import case_views

    return case_views.tracked(wiring.case_service().track(number, token),
                              wiring.municipality_provider().get(), None)


def test_a_message_naming_the_requester_warns_staff_and_reaches_strangers_redacted(pipeline, team):
    answer = open_web_case(location={"address": "Вука Караџића 5, Београд"})
    pipeline.run()
    number = answer["number"]
    follow(number, "komsija@example.rs", "sr-Latn")
    # WHEN
    changed = change_status(team["roads"], number, "in_progress", message_to_citizen=NAMING_MESSAGE)
    pipeline.run()
    # THEN the answer tells the official, in their language
    assert [(w["field"], w["code"]) for w in changed["warnings"]] == [("message_to_citizen", "names_person")]
    assert changed["warnings"][0]["text"]
    plain = change_status(team["roads"], number, "waiting_for_citizen", message_to_citizen="Ekipa dolazi.")
    assert plain["warnings"] == []
    # a follower and the public page read it without names and addresses
    [mail] = [m for m in mails_to("komsija@example.rs") if "Ekipa dolazi" not in m.get_content()]
    public = tracking_page(number)
    [message] = [h["message"] for h in public["history"] if h.get("message") and "ekipa" in h["message"]]
    expected = ("Poštovani […], ekipa je bila kod […] i u […]; gospodin […], komšija iz ul. […] "
                "je takođe obavešten.")
    assert message == expected
    assert expected in " ".join(mail.get_content().split())
    for personal in ("Петр", "Petrovi", "Vuka", "Karadžića", "Njegoševa"):
        assert personal not in message and personal not in mail.get_content()
    # the requester's own page shows it as written
    own = tracking_page(number, answer["token"])
    assert NAMING_MESSAGE in [h.get("message") for h in own["history"]]


def test_an_unsubscribed_requester_gets_only_required_mails(pipeline, team):
    from civicdesk.adapters.dynamodb.items import SubscriptionItem
    from civicdesk.adapters.dynamodb.keys import case_pk, subscription_sk
    from civicdesk.domain.subscriptions import subscription_id

    answer = open_web_case()
    number = answer["number"]
    pipeline.run()
    change_status(team["roads"], number, "in_progress")
    pipeline.run()
    item = SubscriptionItem.get(case_pk(number), subscription_sk(subscription_id("petar@example.rs")))
    item.update(actions=[SubscriptionItem.state.set("unsubscribed")])
    before = len(mails_to("petar@example.rs"))
    change_status(team["roads"], number, "waiting_for_citizen",
                  message_to_citizen="Molimo pošaljite fotografiju.")  # a question: required
    change_status(team["roads"], number, "in_progress")  # optional: not sent
    change_status(team["roads"], number, "resolved")  # the outcome: required
    pipeline.run()
    assert len(mails_to("petar@example.rs")) == before + 2
    # Anyone may ask to follow the case with the requester's address: that alone (unconfirmed)
    # must not bring back the mails the requester declined.
    from civicdesk import wiring
    from civicdesk.services.followers import FollowCase

    wiring.follower_service().follow(FollowCase(number, "petar@example.rs"))
    change_status(team["roads"], number, "in_progress")
    pipeline.run()
    requester_updates = [n for n in notifications(number)
                         if n["audience"] == "requester" and n["kind"] in ("status_changed", "reopened")]
    assert len(requester_updates) == 2  # the first in_progress and the question, nothing since


def test_assignment_mails_the_assignee_and_escalation_mails_every_supervisor(pipeline, team,
                                                                           monkeypatch):
    from civicdesk import wiring

    answer = open_web_case()
    number = answer["number"]
    case = team["supervisor"].get(f"/v1/admin/cases/{number}").body
    team["supervisor"].post(f"/v1/admin/cases/{number}/assignment",
                            {"assignee": "agent.roads", "version": case["version"]})
    pipeline.run()
    [assigned] = mails_to("agent.roads@demo.civicdesk.rs")
    assert number in assigned["Subject"]
    # Taking a case oneself is no news to oneself.
    team["roads"].post(f"/v1/admin/cases/{number}/assignment",
                       {"assignee": None, "version": case["version"] + 1})
    team["roads"].post(f"/v1/admin/cases/{number}/assignment",
                       {"assignee": "me", "version": case["version"] + 2})
    pipeline.run()
    assert len(mails_to("agent.roads@demo.civicdesk.rs")) == 1
    escalated = team["roads"].post(f"/v1/admin/cases/{number}/escalation",
                                   {"reason": "Izvođač ne odgovara dve nedelje.",
                                    "version": case["version"] + 3})
    assert escalated.status == 200, escalated.body
    directory = wiring.staff_directory()
    looked_up, real_get = [], directory.get
    monkeypatch.setattr(directory, "get", lambda name: looked_up.append(name) or real_get(name))
    pipeline.run()
    for supervisor in ("supervisor.mira", "supervisor.vuk"):
        [mail] = mails_to(f"{supervisor}@demo.civicdesk.rs")
        assert "Izvođač ne odgovara" in mail.get_content()
    # The escalating agent is looked up once for both supervisors' mails.
    assert looked_up == ["agent.roads"]


# -- where the case is, for the department -----------------------------------------------------

@pytest.mark.parametrize("location, expected, absent", [
    # "Use my position": the point only, no address.
    ({"lat": 44.0071, "lon": 20.9105},
     ["44.007100, 20.910500",
      "https://www.openstreetmap.org/?mlat=44.007100&mlon=20.910500#map=18/44.007100/20.910500"],
     ["Адреса:"]),
    ({"lat": 44.0071, "lon": 20.9105, "address": "Karađorđeva 5"},
     ["Адреса: Karađorđeva 5", "Координате: 44.007100, 20.910500",
      "Мапа: https://www.openstreetmap.org/?mlat=44.007100&mlon=20.910500"], []),
    ({"address": "Karađorđeva 5"}, ["Адреса: Karađorđeva 5"], ["Координате:", "openstreetmap"]),
])
def test_the_departments_new_case_mail_says_where_the_case_is(pipeline, location, expected, absent):
    # GIVEN a web case with a place (the department's mail is in the municipality's default
    # language, Serbian Cyrillic)
    open_web_case(location=location)
    # WHEN the pipeline routes it
    pipeline.run()
    # THEN the department's mail carries the address, the point and a map link
    [routed] = mails_to("odeljenje.saobracaj@demo.civicdesk.rs")
    text = routed.get_content()
    for part in expected:
        assert part in text, text
    for part in absent:
        assert part not in text, text
