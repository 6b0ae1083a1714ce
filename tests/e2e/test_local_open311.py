"""Open311 on the local runtime (``make run``), end to end over HTTP with a third-party client
from PyPI, unmodified: ``georeport`` (requirements-dev.txt) reads the services, a service's
definition, the requests and one request in JSON and XML; an app reports with the demo key
``make run`` printed and wrote to ``local.json`` (``open311.api_key``), form-encoded as the spec
says. The runtime's functions run under the template's IAM (tests/e2e/conftest.py).

The requests are read through the ``PublicReports`` port: until the public map's adapter is
wired (``wiring.public_reports``), the runtime reads them through the in-memory port built from
its cases (tests/support/public_reports.py), set up here in the runtime's process."""

from __future__ import annotations

import json

import pytest
import requests
from georeport import GeoReport

from tests.support.public_reports import InMemoryPublicReports
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_open311")]

NAME, PHONE, EMAIL = "Dragana Petković", "+381 63 765 4321", "dragana.petkovic@example.org"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    from civicdesk import wiring
    from civicdesk.wiring import open311

    with in_process(tmp_path_factory.mktemp("local-open311")) as started:
        fake = None
        if not hasattr(wiring, "public_reports"):  # the public map part's adapter not yet wired
            fake = InMemoryPublicReports(wiring.case_repository())
            original = open311.open311_public_reports
            open311.open311_public_reports = lambda: fake
            open311.open311_service.cache_clear()
        try:
            yield started, fake
        finally:
            if fake is not None:
                open311.open311_public_reports = original
                open311.open311_service.cache_clear()


def test_a_third_party_client_reads_what_an_app_reported_with_the_demo_key(runtime):
    started, fake = runtime
    info = json.loads(started.local_info_path.read_text(encoding="utf-8"))
    key = info["open311"]["api_key"]
    assert key == started.open311_api_key and key in started.summary()
    root = info["open311"]["endpoint"]
    assert root == f"{started.http_url}/open311/v2"

    client = GeoReport(root, api_key=key)
    services = {s["service_code"]: s for s in client.get_service_list()}
    assert services["illegal_dumping"]["metadata"] is False
    definition = client.get_service_definition("street_lighting")
    assert [v["key"] for v in definition["attributes"][0]["values"]] == ["signal", "suggestion"]

    answer = requests.post(f"{root}/requests.json", data={
        "api_key": key, "service_code": "street_lighting", "attribute[type]": "signal",
        "lat": "44.0181", "long": "20.9203", "description": f"Ne radi lampa. {NAME}, {PHONE}",
        "first_name": "Dragana", "last_name": "Petković", "email": EMAIL, "phone": PHONE},
        headers={"Idempotency-Key": "e2e-open311-0001"}, timeout=10)
    assert answer.status_code == 200, answer.text
    number = answer.json()[0]["service_request_id"]
    if fake is not None:
        fake.track(number)

    listed = client.get_service_requests(service_code="street_lighting", status="open")
    assert [r["service_request_id"] for r in listed] == [number]
    one = client.get_service_request(number)
    assert one["status"] == "open" and one["service_code"] == "street_lighting"
    xml_client = GeoReport(root, output_format="xml")
    in_xml = xml_client.get_service_request(number)
    assert in_xml["service_request_id"] == number and in_xml["status"] == "open"
    everything = requests.get(f"{root}/requests.xml", timeout=10).text
    for value in (NAME, PHONE, EMAIL, "Dragana"):
        assert value not in str(listed) + str(one) + everything
    token = requests.get(f"{root}/tokens/e2e-open311-0001.json", timeout=10).json()
    assert token == [{"service_request_id": number, "token": "e2e-open311-0001"}]
    refused = requests.post(f"{root}/requests.xml", data={"service_code": "street_lighting"}, timeout=10)
    assert refused.status_code == 403 and "<errors><error><code>403</code>" in refused.text
