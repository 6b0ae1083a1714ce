"""The public API in-process: Chalice's test client, moto underneath, the demo municipality."""

import json

import pytest
from chalice.test import Client

from tests.support import aws

VALID = {
    "type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
    "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
    "location": {"lat": 44.8176, "lon": 20.4569, "address": "Краља Петра 12"},
    "contact": {"name": "Петар Петровић", "email": "petar@example.rs", "phone": "+381 64 1234567"},
}


@pytest.fixture
def client(aws_env):
    module = aws.load_function("ApiFunction")
    with Client(module.app) as test_client:
        yield test_client


def post_case(client, body, headers=None):
    return client.http.post("/v1/public/cases", body=json.dumps(body, ensure_ascii=False).encode(),
                            headers={"Content-Type": "application/json", **(headers or {})})


def test_municipality_lists_languages_hours_and_support_addresses(client):
    # WHEN
    response = client.http.get("/v1/public/municipality?lang=sr-Latn")
    # THEN
    assert response.status_code == 200
    body = response.json_body
    assert body["name"] == "Opština Demo"
    assert body["languages"] == ["sr-Cyrl", "sr-Latn", "bg", "cs", "en"]
    assert body["time_zone"] == "Europe/Belgrade"
    assert body["working_hours"]["wed"] == [["07:30", "18:00"]]
    addresses = {s["address"] for s in body["services"]}
    assert {"podrska@demo.civicdesk.rs", "isib@demo.civicdesk.rs", "kjs@demo.civicdesk.rs"} <= addresses


def test_categories_follow_the_requested_language(client):
    cs = client.http.get("/v1/public/categories?lang=cs").json_body
    en = client.http.get("/v1/public/categories", headers={"Accept-Language": "en-GB,en;q=0.8"}).json_body
    assert cs["language"] == "cs" and en["language"] == "en"
    lighting_cs = next(c for c in cs["categories"] if c["id"] == "street_lighting")
    lighting_en = next(c for c in en["categories"] if c["id"] == "street_lighting")
    assert lighting_cs["name"] != lighting_en["name"]
    assert "signal" in lighting_cs["types"]


def test_open_case_answers_number_token_link_and_the_pipeline_confirms(client, aws_env):
    from tests.support.pipeline import Pipeline

    # WHEN
    response = post_case(client, VALID)
    # THEN
    assert response.status_code == 201, response.body
    body = response.json_body
    assert body["number"].endswith("-000001")
    assert len(body["token"]) >= 32
    assert body["tracking_url"].startswith("http://portal.test/track.html?number=")
    assert body["token"] in body["tracking_url"]
    assert aws.sent_mails() == []  # the request only stores; the notify function sends
    Pipeline(aws_env).run()
    mails = [m for m in aws.sent_mails() if m["X-Test-Destinations"] == "petar@example.rs"]
    assert len(mails) == 1
    mail = mails[0]
    assert mail["X-Test-Destinations"] == "petar@example.rs"
    assert mail["Subject"].startswith(f"[#{body['number']}] ")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Reply-To"].startswith(f"podrska+{body['number']}.")
    text = mail.get_content()
    assert body["number"] in text and body["tracking_url"] in text
    assert "Поштовани, Петар Петровић" in text or "Петар Петровић" in text
    # the second case gets the next number
    second = post_case(client, VALID).json_body
    assert second["number"].endswith("-000002")


def test_tracking_with_token_shows_everything_but_contact(client):
    created = post_case(client, VALID).json_body
    view = client.http.get(f"/v1/public/cases/{created['number']}?token={created['token']}").json_body
    assert view["status"] == "new"
    assert view["description"] == VALID["description"]
    assert view["location"]["address"] == "Краља Петра 12"
    assert "contact" not in json.dumps(view)
    assert "petar@example.rs" not in json.dumps(view, ensure_ascii=False)
    assert [h["kind"] for h in view["history"]] == ["case_opened"]


def test_public_case_without_token_is_redacted(client):
    body = dict(VALID, description="Lampa ne radi, zovite me na 064/123-4567 ili ana@primer.rs. "
                                   "Петар Петровић")
    created = post_case(client, body).json_body
    view = client.http.get(f"/v1/public/cases/{created['number']}").json_body
    assert "064/123-4567" not in view["description"] and "ana@primer.rs" not in view["description"]
    assert "Петар" not in view["description"] and "Петровић" not in view["description"]
    assert "address" not in view.get("location", {})


def test_private_case_without_token_is_404_like_a_missing_case(client):
    complaint = dict(VALID, type="complaint", category="staff_complaint")
    created = post_case(client, complaint)
    assert created.status_code == 201, created.body
    number = created.json_body["number"]
    hidden = client.http.get(f"/v1/public/cases/{number}?token=wrong")
    missing = client.http.get("/v1/public/cases/2026-999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json_body == missing.json_body


def test_bad_input_lists_every_field_and_stores_nothing(client):
    bad = {"type": "letter", "category": "nope", "description": "short",
           "location": {"lat": 91}, "contact": {"email": "not-an-address"}, "extra": 1}
    response = post_case(client, bad, headers={"Accept-Language": "cs"})
    assert response.status_code == 400
    error = response.json_body["error"]
    assert error["code"] == "validation_failed"
    fields = {f["field"]: f["code"] for f in error["fields"]}
    assert fields == {"extra": "unknown_field", "description": "too_short",
                      "location.lat": "out_of_range", "location.lon": "required_with",
                      "contact.email": "invalid_email", "type": "not_allowed",
                      "category": "unknown_category"}
    # nothing stored, nothing sent, no number used
    assert aws.sent_mails() == []
    assert post_case(client, VALID).json_body["number"].endswith("-000001")


def test_same_idempotency_key_gives_one_case_and_one_mail(client, aws_env):
    from tests.support.pipeline import Pipeline

    headers = {"Idempotency-Key": "3f1c2a4e-0d7b-4c55-9d0e-2f6f0b9a7c11"}
    first = post_case(client, VALID, headers)
    second = post_case(client, VALID, headers)
    assert first.status_code == second.status_code == 201
    assert first.json_body == second.json_body
    Pipeline(aws_env).run()
    assert len([m for m in aws.sent_mails() if m["X-Test-Destinations"] == "petar@example.rs"]) == 1
    other_body = post_case(client, dict(VALID, description="Nešto sasvim drugo, ali dovoljno dugo."), headers)
    assert other_body.status_code == 409


@pytest.mark.parametrize("raw,status,code", [
    (b"{not json", 400, "bad_request"),
    (b"[]", 400, "validation_failed"),
    (b"{\"description\": \"" + b"x" * 70000 + b"\"}", 413, "payload_too_large"),
])
def test_malformed_bodies_get_clear_errors(client, raw, status, code):
    response = client.http.post("/v1/public/cases", body=raw,
                                headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json_body["error"]["code"] == code


def test_unsupported_media_type_has_the_uniform_error_shape(client):
    response = client.http.post("/v1/public/cases", body=b"a=b",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"
