"""Open311 GeoReport v2 in-process under moto (``docs/open311.md``): the routes as API Gateway
hands them to ``Open311Function`` (template.yaml), an app's key issued through the admin API,
requests opened as cases in the cases table, public reports read through the ``PublicReports``
port (an in-memory one built from the stored cases until the public map's adapter is wired)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from urllib.parse import urlencode

import pytest

from tests.support.admin import AdminApi, Staff
from tests.support.public_reports import InMemoryPublicReports

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
INSIDE = {"lat": "44.018", "long": "20.92"}
PERSONAL = ("Milica", "Jovanović", "milica.jovanovic@example.org", "+381 64 123 4567",
            "0101990710006", "Kneza Miloša 12")


@pytest.fixture
def env(aws_env, monkeypatch):
    from civicdesk import wiring
    from civicdesk.wiring import open311

    reports = InMemoryPublicReports(wiring.case_repository())
    monkeypatch.setattr(open311, "open311_public_reports", lambda: reports)
    api = AdminApi()
    staff = Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    admin = staff.add("vera.admin", "administrator")
    issued = admin.post("/v1/admin/open311/keys", {"name": "FixMyStreet Srbija",
                                                   "contact": "apps@example.org"})
    assert issued.status == 201, issued.body
    return api, reports, admin, issued.body


def post(api, fields, headers=None, fmt="json"):
    return api.call("POST", f"/open311/v2/requests.{fmt}", urlencode(fields).encode(),
                    headers={**FORM, **(headers or {})})


def test_an_app_reports_with_its_key_and_reads_it_back_without_personal_data(env):
    api, reports, _, key = env
    answer = post(api, {"api_key": key["api_key"], "service_code": "illegal_dumping", **INSIDE,
                        "description": "Šut kod škole; zovite Milicu na +381 64 123 4567, JMBG 0101990710006",
                        "email": PERSONAL[2], "first_name": PERSONAL[0], "last_name": PERSONAL[1],
                        "phone": PERSONAL[3], "address_string": PERSONAL[5]})
    assert answer.status == 200, answer.body
    [created] = answer.body
    number = created["service_request_id"]
    assert set(created) == {"service_request_id", "service_notice"}
    from civicdesk import wiring

    case = wiring.case_repository().get_case(number)
    assert case.channel.value == "open311" and case.contact.email == PERSONAL[2]
    assert case.contact.name == "Milica Jovanović" and case.location.lat == 44.018
    reports.track(number)

    listed = api.call("GET", "/open311/v2/requests.json")
    assert listed.status == 200
    [request] = listed.body
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["service_code"] == "illegal_dumping" and request["lat"] == 44.018
    text = str(listed.body)
    for value in PERSONAL:
        assert value not in text
    one = api.call("GET", f"/open311/v2/requests/{number}.xml")
    assert one.status == 200 and one.headers["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(one.text.encode())
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == number
    assert root.find("request/status").text == "open"
    for value in PERSONAL:
        assert value not in one.text


def test_the_key_is_required_and_a_revoked_key_stops_working(env):
    api, _, admin, key = env
    fields = {"service_code": "illegal_dumping", **INSIDE, "description": "Šut"}
    missing = post(api, fields)
    assert missing.status == 403 and missing.body[0]["code"] == 403
    wrong = post(api, {**fields, "api_key": key["api_key"][:-2] + "xx"})
    assert wrong.status == 403
    listed = admin.get("/v1/admin/open311/keys")
    assert [k["name"] for k in listed.body["keys"]] == ["FixMyStreet Srbija"]
    assert "api_key" not in listed.body["keys"][0] and "key_hash" not in listed.body["keys"][0]
    revoked = admin.delete(f"/v1/admin/open311/keys/{key['key_id']}")
    assert revoked.status == 200 and revoked.body["active"] is False
    assert post(api, {**fields, "api_key": key["api_key"]}).status == 403
    assert admin.delete("/v1/admin/open311/keys/zzzzzzzz").status == 404
    blank = admin.post("/v1/admin/open311/keys", {"name": "  ", "contact": "x"})
    assert blank.status == 400 and blank.fields == {"name": "required"}
    unknown = admin.post("/v1/admin/open311/keys", {"name": "App", "contact": "x", "secret": "y"})
    assert unknown.status == 400 and unknown.fields == {"secret": "unknown_field"}


def test_bad_input_is_an_error_list_naming_each_field(env):
    api, _, _, key = env
    answer = post(api, {"api_key": key["api_key"], "service_code": "street_lighting",
                        "lat": "91", "email": "not-mail"})
    assert answer.status == 400
    described = " ".join(e["description"] for e in answer.body)
    assert all(e["code"] == 400 for e in answer.body)
    for name in ("lat:", "email:", "attribute[type]:"):
        assert name in described
    outside = post(api, {"api_key": key["api_key"], "service_code": "illegal_dumping",
                         "lat": "45.5", "long": "19.8", "description": "Šut"})
    assert outside.status == 400 and "location:" in outside.body[0]["description"]
    unknown = post(api, {"api_key": key["api_key"], "service_code": "moon_landing", **INSIDE}, fmt="xml")
    assert unknown.status == 404
    assert ElementTree.fromstring(unknown.text.encode()).find("error/code").text == "404"
    private = post(api, {"api_key": key["api_key"], "service_code": "local_taxes", **INSIDE})
    assert private.status == 404  # only letters, complaints and requests there: not offered
    assert api.call("GET", "/open311/v2/requests.json", query="start_date=yesterday").status == 400


def test_a_retry_with_the_same_key_makes_one_case_and_the_token_tells_which(env):
    api, _, _, key = env
    fields = {"api_key": key["api_key"], "service_code": "street_lighting", **INSIDE,
              "attribute[type]": "signal", "description": "Ne radi svetiljka"}
    first = post(api, fields, {"Idempotency-Key": "app-submission-0001"})
    again = post(api, fields, {"Idempotency-Key": "app-submission-0001"})
    assert first.status == again.status == 200
    assert first.body[0]["service_request_id"] == again.body[0]["service_request_id"]
    changed = post(api, {**fields, "description": "Druga"}, {"Idempotency-Key": "app-submission-0001"})
    assert changed.status == 400 and "Idempotency-Key" in changed.body[0]["description"]
    token = api.call("GET", "/open311/v2/tokens/app-submission-0001.json")
    assert token.body == [{"service_request_id": first.body[0]["service_request_id"],
                           "token": "app-submission-0001"}]
    fms = {**fields, "attribute[fixmystreet_id]": "4711"}
    assert post(api, fms).body == post(api, fms).body
    assert api.call("GET", "/open311/v2/tokens/unknown-token-1.json").status == 404


def test_services_definitions_and_discovery_in_the_locale(env):
    api, _, _, _ = env
    services = api.call("GET", "/open311/v2/services.json", query="locale=en")
    codes = {s["service_code"]: s for s in services.body}
    assert codes["street_lighting"]["metadata"] is True and codes["illegal_dumping"]["metadata"] is False
    assert "local_taxes" not in codes and codes["street_lighting"]["type"] == "realtime"
    cyrillic = api.call("GET", "/open311/v2/services.xml", query="locale=sr-Cyrl")
    root = ElementTree.fromstring(cyrillic.text.encode())
    assert root.tag == "services" and len(root.findall("service")) == len(codes)
    assert codes["street_lighting"]["service_name"] != root.find("service/service_name").text
    definition = api.call("GET", "/open311/v2/services/street_lighting.json", query="locale=cs")
    [attribute] = definition.body["attributes"]
    assert attribute["code"] == "type" and [v["key"] for v in attribute["values"]] == ["signal", "suggestion"]
    assert api.call("GET", "/open311/v2/services/none.json").status == 404
    discovery = api.call("GET", "/open311/v2/discovery.json")
    assert discovery.body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert api.call("GET", "/open311/v2/discovery.html").status == 400


def test_cases_full_of_personal_data_never_reach_a_reader(env):
    """Cases from the web form with names, phones, e-mail and identity numbers in the text and
    the contact: the reads show the redacted text only; private types not at all."""
    api, reports, _, _ = env
    from civicdesk import wiring
    from civicdesk.domain.cases import Contact, Location
    from civicdesk.services.public_commands import OpenPublicCase

    opened = []
    for case_type, category in (("signal", "illegal_dumping"), ("complaint", "illegal_dumping"),
                                ("suggestion", "street_lighting")):
        opened.append(wiring.case_service().open_public_case(OpenPublicCase(
            type=case_type, category=category, language="sr-Latn",
            description=f"Ja sam {PERSONAL[0]} {PERSONAL[1]}, {PERSONAL[2]}, tel {PERSONAL[3]}, JMBG {PERSONAL[4]}",
            location=Location(lat=44.018, lon=20.92, address=PERSONAL[5]),
            contact=Contact(name=f"{PERSONAL[0]} {PERSONAL[1]}", email=PERSONAL[2], phone=PERSONAL[3]),
            account=case_type == "complaint")))  # a complaint needs an account (docs/accounts.md)
    for case in opened:
        reports.track(case.number)
    for fmt in ("json", "xml"):
        answer = api.call("GET", f"/open311/v2/requests.{fmt}")
        text = answer.text or str(answer.body)
        assert opened[0].number in text and opened[2].number in text
        assert opened[1].number not in text  # a complaint is never public
        for value in PERSONAL:
            assert value not in text
    assert api.call("GET", f"/open311/v2/requests/{opened[1].number}.json").status == 404
    reports.calls = 0
    api.call("GET", "/open311/v2/requests.json", query="status=open&service_code=illegal_dumping")
    assert reports.calls == 1


def test_make_runs_demo_key_is_the_same_across_restarts_of_one_state_directory(aws_env, tmp_path):
    from civicdesk import wiring
    from civicdesk.domain.open311 import key_id_of, key_matches
    from infra.local.open311_demo import ensure_demo_key

    first = ensure_demo_key(tmp_path)
    wiring.reset()
    assert ensure_demo_key(tmp_path) == first  # a restart: the same key, stored once
    [stored] = wiring.open311_api_keys().keys()
    assert stored.key_id == key_id_of(first) and key_matches(first, stored)
    other = ensure_demo_key(tmp_path / "elsewhere")
    assert other != first and len(wiring.open311_api_keys().keys()) == 2
