"""The local outbox with SMS: capture from a fake SNS source, files that survive a restart, the
JSON and HTML views (through ``Frontend``, no sockets)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from infra.local.apigateway import HttpRequest
from infra.local.outbox import Outbox, render_html
from infra.local.server import Frontend

NUMBER = "+381641234567"
ADDRESS = "marko@example.rs"
CYRILLIC = "Поштовани, Ваш предмет 2026-000123 је решен. Детаљи: https://portal.test/t/2026-000123"


class Clock:
    """1 November 2026, 10:00:00 UTC, one second later at each call."""

    def __init__(self) -> None:
        self.now = 1793527200.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def moto_sms(message_id: str, to: str = NUMBER, text: str = CYRILLIC, sender: str | None = "Beograd"):
    """One SMS as ``aws.sent_sms`` returns it (moto's attribute shape)."""
    attributes = {"AWS.SNS.SMS.SMSType": {"Type": "String", "Value": "Transactional"}}
    if sender:
        attributes["AWS.SNS.SMS.SenderID"] = {"Type": "String", "Value": sender}
    return {"id": message_id, "to": to, "text": text, "attributes": attributes}


class Mail:
    """One mail as moto's SES keeps a raw one."""

    def __init__(self, message_id: str, subject: str = "[#2026-000123] Prijava primljena"):
        self.id = message_id
        self.destinations = [ADDRESS]
        self.raw_data = (f"From: kjs@demo.civicdesk.rs\r\nTo: {ADDRESS}\r\nSubject: {subject}\r\n"
                         "X-CivicDesk-Case: 2026-000123\r\n\r\nbody\r\n")


def test_each_sms_is_captured_once_with_what_it_costs(tmp_path):
    # GIVEN SNS accepted one Cyrillic SMS
    sent = [moto_sms("1b7f7a3e-0000-4000-8000-000000000001")]
    outbox = Outbox(tmp_path, list, clock=Clock(), sms_source=lambda: sent)
    # WHEN the outbox captures, twice
    assert outbox.capture() == 1
    assert outbox.capture() == 0
    # THEN one file holds it, named by time and SNS id
    [path] = (tmp_path / "sms").glob("*.json")
    assert path.name == "20261101T100001000000Z-1b7f7a3e-0000-4000-8000-000000000001.json"
    assert json.loads(path.read_bytes()) == {
        "channel": "sms", "id": "1b7f7a3e-0000-4000-8000-000000000001",
        "at": "2026-11-01T10:00:01.000000Z", "to": [NUMBER], "text": CYRILLIC,
        "sender_id": "Beograd", "sms_type": "Transactional",
        "attributes": {"AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "Beograd"},
        "case_number": "2026-000123", "encoding": "UCS-2", "segments": 2,
        "characters": len(CYRILLIC)}
    # AND it is listed as an SMS, not as a mail
    assert [entry["id"] for entry in outbox.sms_messages()] == [sent[0]["id"]]
    assert outbox.messages() == []


def test_mail_and_sms_are_listed_together_oldest_first(tmp_path):
    mails, texts = [], []
    outbox = Outbox(tmp_path, lambda: mails, clock=Clock(), sms_source=lambda: texts)
    mails.append(Mail("ses-1"))
    outbox.capture()
    texts.append(moto_sms("sns-1", text="Your case 2026-000124 was received."))
    outbox.capture()
    mails.append(Mail("ses-2"))
    outbox.capture()
    entries = outbox.entries()
    assert [(entry["channel"], entry["id"]) for entry in entries] == [
        ("email", "ses-1"), ("sms", "sns-1"), ("email", "ses-2")]
    # What the e2e tests and scripts do with the list keeps picking mails only.
    assert [entry["id"] for entry in entries if ADDRESS in entry["to"]] == ["ses-1", "ses-2"]
    assert [entry["id"] for entry in entries if NUMBER in entry["to"]] == ["sns-1"]
    [sms] = outbox.sms_messages()
    assert (sms["encoding"], sms["segments"], sms["case_number"]) == ("GSM-7", 1, "2026-000124")


def test_sms_stay_listed_after_a_restart_and_are_not_written_again(tmp_path):
    sent = [moto_sms("sns-1"), moto_sms("sns-2", sender=None)]
    Outbox(tmp_path, list, clock=Clock(), sms_source=lambda: sent).capture()
    # WHEN the runtime restarts on the same state (moto may still list the same ids, or none)
    again = Outbox(tmp_path, list, clock=Clock(), sms_source=lambda: sent)
    assert again.capture() == 0
    assert [entry["id"] for entry in again.entries()] == ["sns-1", "sns-2"]
    assert again.sms_messages()[1]["sender_id"] is None
    # AND an outbox without an SMS source still shows them
    assert len(Outbox(tmp_path, list).sms_messages()) == 2
    assert len(list((tmp_path / "sms").glob("*.json"))) == 2


def test_every_shape_of_sms_record_is_understood_and_unusable_ones_skipped(tmp_path):
    sent = [
        # moto's own SMS model object (``sns_backends[...].sms_message_objects``)
        SimpleNamespace(message_id="sns-object", phone_number=NUMBER, message="objekat"),
        # the Publish API's attribute shape
        {"id": "sns-api", "to": NUMBER, "text": "api",
         "attributes": {"AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "NoviSad"},
                        "AWS.SNS.SMS.MaxPrice": {"DataType": "Number", "StringValue": "0.50"}}},
        {"id": "sns-plain", "to": NUMBER, "text": "plain",
         "attributes": {"AWS.SNS.SMS.SMSType": "Promotional"}},
        {"id": "../../escape", "to": NUMBER, "text": "a path in the id"},
        {"id": "", "to": NUMBER, "text": "no id"},
        {"id": "sns-nobody", "to": "", "text": "no number"},
    ]
    outbox = Outbox(tmp_path, list, clock=Clock(), sms_source=lambda: sent)
    assert outbox.capture() == 3
    by_id = {entry["id"]: entry for entry in outbox.sms_messages()}
    assert set(by_id) == {"sns-object", "sns-api", "sns-plain"}
    assert by_id["sns-object"]["text"] == "objekat" and by_id["sns-object"]["attributes"] == {}
    assert by_id["sns-api"]["sender_id"] == "NoviSad"
    assert by_id["sns-api"]["attributes"]["AWS.SNS.SMS.MaxPrice"] == "0.50"
    assert by_id["sns-plain"]["sms_type"] == "Promotional"
    assert [p.name for p in tmp_path.rglob("*") if "escape" in p.name] == []


def test_an_unreadable_sms_file_is_left_out_of_the_views(tmp_path, caplog):
    outbox = Outbox(tmp_path, list, clock=Clock(), sms_source=lambda: [moto_sms("sns-1")])
    outbox.capture()
    (tmp_path / "sms" / "20261101T090000000000Z-broken.json").write_text("{not json")
    assert [entry["id"] for entry in outbox.entries()] == ["sns-1"]
    assert "unreadable" in caplog.text


def test_the_html_view_has_an_sms_section_newest_first_and_escaped(tmp_path):
    texts = [moto_sms("sns-1", text="Prva <b>poruka</b> & više"),
             moto_sms("sns-2", text="<script>alert(1)</script>", sender=None)]
    outbox = Outbox(tmp_path, lambda: [Mail("ses-1")], clock=Clock(), sms_source=lambda: texts)
    outbox.capture()
    page = render_html(outbox.entries())
    assert "<h1>Outbox (1 mail, 2 SMS)</h1>" in page
    assert "[#2026-000123] Prijava primljena" in page  # the mail is still there
    sms_section = page[page.index('<section id="sms">'):]
    assert sms_section.index("sns-2") < sms_section.index("sns-1")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Prva &lt;b&gt;poruka&lt;/b&gt; &amp; više" in page
    assert "Sender ID: Beograd" in page and "Sender ID: (none)" in page
    assert "UCS-2, 1 part(s), 25 characters" in sms_section  # "š" makes it UCS-2
    assert "GSM-7, 1 part(s), 25 characters" in sms_section
    assert "case 2026-000123" not in sms_section  # these texts mention no case


def test_an_empty_outbox_says_so_for_each_channel(tmp_path):
    page = render_html(Outbox(tmp_path, list).entries())
    assert "No mail sent yet." in page and "No SMS sent yet." in page


def test_the_local_endpoints_serve_both_channels(tmp_path):
    # GIVEN the runtime's origin with an outbox holding a mail and an SMS
    outbox = Outbox(tmp_path, lambda: [Mail("ses-1")], clock=Clock(),
                    sms_source=lambda: [moto_sms("sns-1")])
    frontend = Frontend(None, ["/v1/*"], {}, None, outbox)
    # WHEN the JSON view is asked for (it captures first)
    response = frontend.handle(HttpRequest("GET", "/_local/outbox", ""))
    # THEN both are in it, typed
    entries = json.loads(response.body)
    assert response.status == 200
    assert [(entry["channel"], entry["id"]) for entry in entries] == [("email", "ses-1"),
                                                                       ("sms", "sns-1")]
    assert entries[1]["case_number"] == "2026-000123" and entries[1]["segments"] == 2
    # AND the page shows the SMS
    page = frontend.handle(HttpRequest("GET", "/_local/outbox.html", "")).body.decode("utf-8")
    assert "To +381641234567" in page and "Поштовани" in page


def test_the_index_grows_by_a_line_per_mail_and_survives_a_cut_last_line(tmp_path):
    # GIVEN mail whose envelope recipient is not in its To header (a Bcc, as SES takes it)
    taken: list[list[Mail]] = [[Mail(f"m-{n}") for n in range(3)], [Mail("m-3")]]
    for batch in taken:
        for mail in batch:
            mail.destinations = ["bcc@example.rs"]
    outbox = Outbox(tmp_path, lambda: taken.pop(0) if taken else [], clock=Clock())
    # WHEN the outbox captures twice, what is new each time
    outbox.capture()
    first = (tmp_path / "index.jsonl").read_bytes()
    outbox.capture()
    # THEN the second capture appended its mail and rewrote nothing
    lines = (tmp_path / "index.jsonl").read_bytes()
    assert lines.startswith(first) and len(lines.splitlines()) == 4
    # AND after a crash that cut a line being appended, the recipients are still known
    with (tmp_path / "index.jsonl").open("ab") as stream:
        stream.write(b'{"id": "m-4", "file": "2026')
    again = Outbox(tmp_path, list, clock=Clock())
    assert [m["to"] for m in again.messages()] == [["bcc@example.rs"]] * 4
