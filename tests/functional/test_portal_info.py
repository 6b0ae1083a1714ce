"""The portal's fixes of issue 16 (item 8) at the API: the municipality's phone number and the
facts of the privacy notice and the accessibility statement, and validation messages that say
both numbers with their plural forms in every language. In-process under moto."""

from __future__ import annotations

import pytest

from tests.support.admin import AdminApi

SHORT = {"type": "signal", "category": "street_lighting", "description": "Ne"}


@pytest.fixture
def api(aws_env):
    return AdminApi()


def test_the_municipality_publishes_its_phone_the_privacy_and_accessibility_facts(api):
    body = api.call("GET", "/v1/public/municipality", query="lang=en").body
    assert body["phone"] == "+381 34 123 456"
    assert body["reopen_window_days"] == 30
    assert body["privacy"] == {"officer_name": None, "officer_email": "zastita.podataka@demo.civicdesk.rs",
                               "officer_phone": "+381 34 123 457", "case_retention_years": 10,
                               "log_retention_days": 90}
    assert body["accessibility"] == {"status": "partial", "statement_date": "2026-12-01",
                                     "contact_email": "podrska@demo.civicdesk.rs"}


@pytest.mark.parametrize("language,description,expected", [
    ("sr-Latn", "Ne", "Potrebno je najmanje 10 znakova, a napisali ste 2 znaka."),
    ("sr-Cyrl", "Рупа", "Потребно је најмање 10 знакова, а написали сте 4 знака."),
    ("sr-Latn", "Rupa u putu", None),
    ("cs", "Díra", "Musí mít alespoň 10 znaků, napsali jste 4 znaky."),
    ("cs", "D", "Musí mít alespoň 10 znaků, napsali jste 1 znak."),
    ("bg", "Дупка", "Трябва да съдържа поне 10 знака, а сте написали 5 знака."),
    ("en", "X", "Must be at least 10 characters long; you wrote 1 character."),
    ("en", "Hole!", "Must be at least 10 characters long; you wrote 5 characters."),
])
def test_a_description_too_short_says_both_numbers_with_their_plural_forms(api, language, description, expected):
    answer = api.call("POST", "/v1/public/cases", {**SHORT, "description": description},
                      headers={"Accept-Language": language})
    messages = {f["field"]: f["message"] for f in answer.body.get("error", {}).get("fields", [])}
    if expected is None:  # eleven characters: long enough
        assert "description" not in messages
    else:
        assert answer.status == 400 and messages["description"] == expected


def test_a_text_too_long_says_how_long_it_was(api):
    answer = api.call("POST", "/v1/public/cases", {**SHORT, "description": "ш" * 5001},
                      headers={"Accept-Language": "sr-Latn"})
    messages = {f["field"]: f["message"] for f in answer.body["error"]["fields"]}
    assert messages["description"] == "Dozvoljeno je najviše 5000 znakova, a napisali ste 5001 znak."


def test_a_report_through_a_service_pages_button_records_the_page_without_its_query(api):
    import os

    from tests.support.admin import Staff

    operator = Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("operator.ana", "operator")
    report = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
              "description": "Ne radi ulična rasveta kod škole u Ulici Vuka Karadžića.",
              "source_page": "https://uprava.demo.rs/usluge/rasveta?sesija=abc123#prijava"}
    opened = api.call("POST", "/v1/public/cases", report)
    assert opened.status == 201, opened.body
    case = operator.get(f"/v1/admin/cases/{opened.body['number']}").body
    assert case["source_page"] == "https://uprava.demo.rs/usluge/rasveta"
    # a page that is no web address is refused, named
    bad = api.call("POST", "/v1/public/cases", {**report, "source_page": "javascript:alert(1)"})
    assert bad.status == 400 and bad.fields == {"source_page": "invalid_format"}
