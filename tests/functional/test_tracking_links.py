"""Every mail and SMS to the requester carries a link that opens their whole case (issue 11,
item 2): web, mail-channel and operator-entered cases, private and public, status changes
(resolved included) and staff replies, through the real notification pipeline."""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import mails_to, sms_to
from tests.support.pipeline import Pipeline

LINK = re.compile(r"http://portal\.test/track\.html\?\S+")


@pytest.fixture
def pipeline(aws_env):
    return Pipeline(aws_env)


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.ana", "operator"),
            "supervisor": staff.add("supervisor.mira", "supervisor")}


def links(text: str) -> list[str]:
    return LINK.findall(text)


def opens_the_private_case(url: str, number: str) -> bool:
    """Whether the portal's page at ``url`` shows case ``number`` in its private view: the
    link's token is accepted, and without it the private case is "not found"."""
    query = parse_qs(urlparse(url).query)
    assert query["number"] == [number], url
    token = query.get("token", [None])[0]
    if token is None:
        return False
    answer = AdminApi().call("GET", f"/v1/public/cases/{number}", query=f"token={token}&lang=en")
    return answer.status == 200 and answer.body["number"] == number


def change_status(caller, number: str, status: str, **extra) -> None:
    case = caller.get(f"/v1/admin/cases/{number}").body
    answer = caller.post(f"/v1/admin/cases/{number}/status",
                         {"status": status, "reason": "Radovi", "version": case["version"], **extra})
    assert answer.status == 200, answer.body


def reply(caller, number: str, text: str) -> dict:
    case = caller.get(f"/v1/admin/cases/{number}").body
    answer = caller.post(f"/v1/admin/cases/{number}/replies", {"text": text, "version": case["version"]})
    assert answer.status == 200 and answer.body["delivery"] == "sent", answer.body
    return answer.body


def open_private_web_case() -> dict:
    from civicdesk import wiring
    from civicdesk.api import case_commands, case_views

    command = case_commands.open_public_case({
        "type": "request", "category": "general_question", "language": "sr-Latn",
        "description": "Službenik na šalteru 3 odbio je da primi moj zahtev bez obrazloženja.",
        "contact": {"name": "Petar Petrović", "email": "petar@example.rs"}})
    return case_views.opened_public(wiring.case_service().open_public_case(command))


def test_every_mail_to_the_requester_of_a_private_web_case_opens_it(pipeline, team):
    # GIVEN a private case from the web form: its number alone answers "not found"
    opened = open_private_web_case()
    number = opened["number"]
    assert AdminApi().call("GET", f"/v1/public/cases/{number}").status == 404
    pipeline.run()
    # WHEN its status changes, it is resolved and an official answers
    change_status(team["supervisor"], number, "in_progress")
    pipeline.run()
    reply(team["supervisor"], number, "Razgovarali smo sa službenikom; zahtev je primljen.")
    change_status(team["supervisor"], number, "resolved",
                  message_to_citizen="Vaš zahtev je primljen i zaveden.")
    pipeline.run()
    # THEN every mail carries a link that opens the private case
    mails = mails_to("petar@example.rs")
    kinds = [m["Subject"] for m in mails]
    assert len(mails) == 4, kinds  # confirmation, status change, reply, resolved
    for mail in mails:
        found = links(mail.get_content())
        assert found, (mail["Subject"], mail.get_content())
        assert all(opens_the_private_case(url, number) for url in found), found
    # the confirmation's link (the random token) still opens it after the later ones
    assert opens_the_private_case(opened["tracking_url"], number)
    # and no later link's token is stored with the case
    items = str(boto3.client("dynamodb", region_name=aws.REGION).query(
        TableName=os.environ["CIVICDESK_CASES_TABLE"], KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{number}"}})["Items"])
    for mail in mails[1:]:
        for url in links(mail.get_content()):
            assert parse_qs(urlparse(url).query)["token"][0] not in items


def test_a_mail_channel_cases_status_mail_opens_the_case(aws_env, pipeline, team):
    from tests.support.ses import receipt

    message = EmailMessage()
    message["From"], message["To"] = "Marko <marko@example.rs>", "kjs@demo.civicdesk.rs"
    message["Subject"], message["Message-ID"] = "Smeće", make_msgid(domain="example.rs")
    message.set_content("Poštovani, u Ulici Nikole Tesle 5 smeće nije odvezeno nedelju dana.")
    boto3.client("s3", region_name=aws.REGION).put_object(
        Bucket=aws_env.buckets["MailBucket"], Key="inbound/" + "c" * 32, Body=message.as_bytes())
    number = aws.load_function("IngestEmailFunction").handler(
        receipt("c" * 32, ["kjs@demo.civicdesk.rs"], "marko@example.rs", message.as_bytes(),
                timestamp="2026-11-25T09:00:00.000Z"),
        aws.context("IngestEmailFunction"))["results"][0]["case_number"]
    pipeline.run()
    before = len(mails_to("marko@example.rs"))  # the auto-reply, with its own private link
    change_status(team["supervisor"], number, "resolved")
    pipeline.run()
    [resolved] = mails_to("marko@example.rs")[before:]
    [url] = links(resolved.get_content())
    assert opens_the_private_case(url, number)


def test_an_operator_entered_case_known_by_phone_gets_a_link_in_every_sms(pipeline, team):
    opened = team["operator"].post("/v1/admin/cases", {
        "type": "complaint", "channel": "phone", "category": "staff_complaint",
        "description": "Građanin se žali da mu na šalteru nisu primili zahtev.",
        "requester": {"name": "Milan", "phone": "064 123 4567"}}).body
    number = opened["number"]
    pipeline.run()
    change_status(team["supervisor"], number, "in_progress")
    pipeline.run()
    reply(team["supervisor"], number, "Zahtev je primljen.")
    change_status(team["supervisor"], number, "resolved")
    pipeline.run()
    texts = sms_to("+381641234567")
    assert len(texts) == 4, texts  # confirmation, status change, reply, resolved
    for text in texts:
        found = links(text)
        assert found and all(opens_the_private_case(url, number) for url in found), text


# -- a municipality's SMS in the Latin script (issue 11, item 6) --------------------------------

@pytest.mark.parametrize("diacritics, encoding", [("keep", "UCS-2"), ("strip", "GSM-7")])
def test_a_municipality_that_chose_latin_sms_sends_them_so(aws_env, pipeline, team, diacritics,
                                                           encoding):
    from civicdesk import wiring
    from civicdesk.adapters.config_files import load_config_dir
    from civicdesk.domain.sms import segments

    # GIVEN the demo municipality with SMS in the Latin script
    document = load_config_dir(aws.CONFIG_DIR)
    document["sms"] = {"script": "latin", "diacritics": diacritics}
    wiring.config_repository().store(document)
    wiring.municipality_provider().invalidate()
    # WHEN an operator registers a Serbian Cyrillic case known by a mobile number only, and an
    # official answers it in Cyrillic
    opened = team["operator"].post("/v1/admin/cases", {
        "type": "signal", "channel": "phone", "category": "road_damage", "language": "sr-Cyrl",
        "description": "Рупа на коловозу код школе.",
        "requester": {"name": "Милан", "phone": "064 123 4567"}}).body
    number = opened["number"]
    pipeline.run()
    reply(team["supervisor"], number, "Екипа Ђорђа Љубића излази сутра ујутру.")
    change_status(team["supervisor"], number, "resolved")
    pipeline.run()
    # THEN every SMS is Serbian Latin (the official's words too), with the requester's link
    confirmation, answer, resolved = sms_to("+381641234567")
    expected = {"keep": ("Opština Demo: Vaš predmet je zaveden pod brojem", "Đorđa Ljubića"),
                "strip": ("Opstina Demo: Vas predmet je zaveden pod brojem", "Djordja Ljubica")}
    assert confirmation.startswith(expected[diacritics][0]), confirmation
    assert expected[diacritics][1] in answer, answer
    for text in (confirmation, answer, resolved):
        assert not re.search("[\u0400-\u04ff]", text), text
        assert segments(text)[0] == encoding, text
        assert links(text) and all(opens_the_private_case(url, number) for url in links(text))
