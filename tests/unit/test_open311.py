"""Open311's pure parts: the two formats from one model, the arguments of ``GET requests`` and
``POST requests`` with the spec's error lists, and the service against in-memory ports (no AWS)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from msgspec.structs import replace

from civicdesk.api import open311_format as fmt
from civicdesk.api.open311_handlers import Open311Call, handle
from civicdesk.domain.cases import CaseType
from civicdesk.domain.municipality import Category, Department, Municipality
from civicdesk.domain.open311 import ApiKey, hash_key, key_id_of, new_api_key
from civicdesk.domain.public_reports import PublicAnswer, PublicReport
from civicdesk.services.open311 import Open311Service, distance_m
from civicdesk.services.public_commands import OpenedCase
from tests.support.public_reports import InMemoryPublicReports

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
T = CaseType


class Provider:
    def __init__(self, municipality):
        self.municipality = municipality

    def get(self):
        return self.municipality


class Keys:
    def __init__(self):
        self.stored: dict[str, ApiKey] = {}

    def add_key(self, key):
        if key.key_id in self.stored:
            return False
        self.stored[key.key_id] = key
        return True

    def key(self, key_id):
        return self.stored.get(key_id)

    def keys(self):
        return list(self.stored.values())

    def revoke_key(self, key_id, at):
        if key_id not in self.stored:
            return None
        self.stored[key_id] = replace(self.stored[key_id], revoked_at=self.stored[key_id].revoked_at or at)
        return self.stored[key_id]


class Tokens(dict):
    def remember(self, token, number, expires_at):
        self[token] = number

    def number(self, token):
        return self.get(token)


def municipality() -> Municipality:
    lights = Category("street_lighting", "infra", {"en": "Street lighting", "cs": "Veřejné osvětlení"},
                      {"en": "Lamps"}, "utilities", (T.SIGNAL, T.COMPLAINT, T.SUGGESTION),
                      {"en": "lamp, light"})
    dumping = Category("illegal_dumping", "env", {"en": "Illegal dumping"}, {"en": "Waste"},
                       "inspection", (T.SIGNAL, T.COMPLAINT))
    taxes = Category("local_taxes", "admin", {"en": "Local taxes"}, {}, "taxes", (T.LETTER, T.COMPLAINT))
    return Municipality(
        id="demo", name={"en": "Demo"}, country="RS", time_zone="Europe/Belgrade",
        languages=("sr-Cyrl", "sr-Latn", "bg", "cs", "en"), default_language="en",
        mail_domain="demo.example", general_address="info@demo.example", working_hours={},
        public_types=frozenset({T.SIGNAL, T.SUGGESTION}),
        public_form_types=(T.SIGNAL, T.SUGGESTION, T.COMPLAINT), reopen_window_days=30,
        auto_reply_limit_per_hour=5,
        departments={"utilities": Department("utilities", {"en": "Public utilities"}),
                     "inspection": Department("inspection", {"en": "Inspection"})},
        services={}, groups={}, categories={c.id: c for c in (lights, dumping, taxes)})


def report(number: str, **changes) -> PublicReport:
    fields = dict(number=number, type="signal", category="street_lighting", department="utilities",
                  status="new", open=True, requested_at=NOW - timedelta(days=1),
                  updated_at=NOW - timedelta(hours=1), description="Lamp out & <dark>",
                  point=(44.018, 20.92))
    fields.update(changes)
    return PublicReport(**fields)


@pytest.fixture
def world():
    reports, keys, tokens, opened = InMemoryPublicReports(), Keys(), Tokens(), []

    def open_case(command):
        opened.append(command)
        return OpenedCase(number=f"2026-{len(opened):06d}", token="t", tracking_url="u",
                          status="new", language="en")

    service = Open311Service(Provider(municipality()), reports, open_case, keys, tokens, clock=lambda: NOW)
    key_id, secret = new_api_key()
    keys.add_key(ApiKey(key_id, "App", "a@b.example", hash_key(secret), NOW, "staff:vera"))
    return service, reports, opened, secret


def call(service, method, resource, item=None, params=None, body=None, headers=None):
    answer = handle(Open311Call(method, resource, item, params or {}, body, headers or {},
                                "https://demo.example/open311/v2"), service, "https://demo.example/media",
                    clock=lambda: NOW)
    if answer.content_type.startswith("text/xml"):
        return answer.status, ElementTree.fromstring(answer.body), answer
    return answer.status, json.loads(answer.body), answer


def test_xml_and_json_come_from_one_model_with_the_specs_names_and_escaping():
    body = [{"service_request_id": "2026-000001", "description": "a & <b>", "lat": 44.5,
             "media_url": None, "metadata": True}]
    xml, content_type = fmt.render("xml", "service_requests", "request", body)
    assert content_type == "text/xml; charset=utf-8"
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b"a &amp; &lt;b&gt;" in xml and b"<media_url" not in xml
    root = ElementTree.fromstring(xml)
    assert root.find("request/metadata").text == "true" and root.find("request/lat").text == "44.5"
    data, content_type = fmt.render("json", "service_requests", "request", body)
    assert json.loads(data) == body and content_type == "application/json; charset=utf-8"
    nested, _ = fmt.render("xml", "service_definition", None, {"service_code": "x", "attributes": [
        {"code": "type", "values": [{"key": "signal", "name": "Signal"}]}]})
    assert ElementTree.fromstring(nested).find("attributes/attribute/values/value/key").text == "signal"
    errors, _ = fmt.render_errors("xml", [(400, "lat: bad")])
    assert b"<errors><error><code>400</code><description>lat: bad</description></error></errors>" in errors


def test_api_keys_carry_their_id_and_only_their_hash_is_kept():
    key_id, secret = new_api_key()
    assert key_id_of(secret) == key_id and len(hash_key(secret)) == 64
    assert key_id_of("o311_" + key_id) is None and key_id_of(None) is None


def test_services_offer_only_public_types_and_the_definition_asks_which(world):
    service, *_ = world
    status, services, _ = call(service, "GET", "services.json", params={"locale": "cs"})
    assert status == 200
    assert [s["service_code"] for s in services] == ["street_lighting", "illegal_dumping"]
    assert services[0]["service_name"] == "Veřejné osvětlení" and services[0]["metadata"] is True
    assert services[0]["group"] == "Public utilities" and services[1]["metadata"] is False
    status, definition, _ = call(service, "GET", "services", "street_lighting.xml")
    values = definition.findall("attributes/attribute/values/value/key")
    assert [v.text for v in values] == ["signal", "suggestion"]
    assert call(service, "GET", "services", "local_taxes.json")[0] == 404
    assert call(service, "GET", "services.csv")[0] == 400


def test_post_names_every_bad_field_and_opens_a_case_for_a_good_one(world):
    service, _, opened, secret = world
    form = urlencode({"api_key": secret, "service_code": "street_lighting", "lat": "44.01",
                      "email": "x", "phone": "abc", "media_url": "ftp://x"}).encode()
    status, errors, _ = call(service, "POST", "requests.json", body=form)
    assert status == 400
    fields = {e["description"].split(":")[0] for e in errors}
    assert fields == {"long", "email", "phone", "media_url", "attribute[type]"} and not opened
    form = urlencode([("api_key", secret), ("service_code", "street_lighting"), ("lat", "44.01"),
                      ("long", "20.9"), ("attribute[type]", "suggestion"), ("first_name", "Ana"),
                      ("last_name", "Ilić"), ("email", "ana@example.org"), ("description", ""),
                      ("media_url", "https://img.example/1.jpg")]).encode()
    status, created, _ = call(service, "POST", "requests.json", body=form)
    assert status == 200 and created[0]["service_request_id"] == "2026-000001"
    [command] = opened
    assert command.channel.value == "open311" and command.type == "suggestion"
    assert command.contact.name == "Ana Ilić" and command.location.lat == 44.01
    assert command.description == "Street lighting"  # the category's name: none given
    assert command.subject == "https://img.example/1.jpg"  # staff only, never public
    status, errors, _ = call(service, "POST", "requests.json", body=form.replace(secret.encode(), b"o311_x"))
    assert status == 403 and errors[0]["code"] == 403


def test_get_requests_applies_the_filters_in_one_page_call(world):
    service, reports, *_ = world
    reports.put(report("2026-000001"))
    reports.put(report("2026-000002", requested_at=NOW - timedelta(days=2), open=False, status="resolved", category="illegal_dumping",
                       department="inspection", point=(44.2, 20.9)))
    reports.put(report("2026-000003", requested_at=NOW - timedelta(days=120)))
    status, found, _ = call(service, "GET", "requests.json")
    assert [r["service_request_id"] for r in found] == ["2026-000001", "2026-000002"]  # 90 days
    assert found[0]["requested_datetime"] == "2026-11-29T11:00:00+01:00"  # Belgrade's offset
    assert found[1]["status"] == "closed" and found[0]["agency_responsible"] == "Public utilities"
    reports.calls = 0
    for params, expected in (({"status": "closed"}, ["2026-000002"]),
                             ({"service_code": "street_lighting"}, ["2026-000001"]),
                             ({"agency_responsible": "inspection|x"}, ["2026-000002"]),
                             ({"lat": "44.018", "long": "20.92", "radius": "500"}, ["2026-000001"]),
                             ({"service_request_id": "2026-000003,nonsense"}, ["2026-000003"]),
                             ({"updated_after": "2026-11-30T09:30:00+01:00"}, ["2026-000001", "2026-000002", "2026-000003"]),
                             ({"start_date": "2026-07-15T00:00:00Z", "end_date": "2026-08-15T00:00:00Z"}, ["2026-000003"])):
        assert [r["service_request_id"] for r in call(service, "GET", "requests.json", params=params)[1]] == expected, params
    assert reports.calls == 7
    status, page, answer = call(service, "GET", "requests.json", params={"page_size": "1"})
    assert len(page) == 1 and answer.headers["X-Next-Cursor"]
    nxt = call(service, "GET", "requests.json", params={"page_size": "1", "cursor": answer.headers["X-Next-Cursor"]})[1]
    assert nxt[0]["service_request_id"] == "2026-000002"


def test_bad_filters_are_one_error_list(world):
    service, *_ = world
    status, errors, _ = call(service, "GET", "requests.json", params={
        "status": "pending", "start_date": "2026-01-01", "page_size": "5000", "lat": "44"})
    assert status == 400
    assert {e["description"].split(":")[0] for e in errors} == {"status", "start_date", "page_size", "long"}
    status, errors, _ = call(service, "GET", "requests.xml", params={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})
    assert status == 400 and errors.find("error/description").text.startswith("end_date:")
    assert call(service, "GET", "requests", "2026-999999.json")[0] == 404
    assert call(service, "GET", "requests", "../etc.json")[0] == 404


def test_updates_are_the_public_answers_in_the_range(world):
    service, reports, *_ = world
    reports.put(report("2026-000001"))
    reports.answer("2026-000001", PublicAnswer(NOW - timedelta(hours=3), "Crew sent", "in_progress"),
                   PublicAnswer(NOW - timedelta(minutes=30), "Fixed", "resolved"))
    status, updates, _ = call(service, "GET", "servicerequestupdates.json", params={
        "start_date": "2026-11-30T09:00:00Z", "end_date": "2026-11-30T11:00:00Z"})
    assert status == 200
    assert [(u["update_id"], u["description"]) for u in updates] == [("2026-000001.2", "Fixed")]
    assert call(service, "GET", "servicerequestupdates.json", params={"start_date": "2026-11-30T09:00:00Z"})[0] == 400


def test_distance_is_the_great_circle():
    assert 1100 < distance_m((44.0, 20.9), (44.01, 20.9)) < 1120
