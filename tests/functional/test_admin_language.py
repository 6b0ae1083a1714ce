"""The admin API's language: ``?lang=``, then the staff member's own (``custom:language``), then
``Accept-Language``, then the municipality's default (``docs/api.md``)."""

from __future__ import annotations

import os

import pytest

from tests.support.admin import AdminApi, Caller, Staff

MISSING_CASE = "/v1/admin/cases/2026-999999"


@pytest.fixture
def api(aws_env):
    return AdminApi()


@pytest.fixture
def admin(api):
    return Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("admin.petar",
                                                                     "administrator")


def speaking(caller: Caller, language: str | None) -> Caller:
    claims = dict(caller.claims)
    if language is not None:
        claims["custom:language"] = language
    return Caller(caller.api, claims)


def message(answer) -> str:
    return answer.body["error"]["message"]


@pytest.fixture
def messages(admin):
    """The 404 of a missing case in every language, asked for explicitly."""
    return {language: message(admin.get(MISSING_CASE, f"lang={language}"))
            for language in ("sr-Cyrl", "sr-Latn", "en", "cs")}


def test_an_error_is_in_the_staff_members_language_when_the_request_names_none(admin, messages):
    # GIVEN a staff member whose console language is English
    english = speaking(admin, "en")
    # WHEN they ask without ?lang= or Accept-Language
    answer = english.get(MISSING_CASE)
    # THEN the error is in English, not the municipality's default (Serbian Cyrillic)
    assert answer.status == 404 and answer.error_code == "not_found"
    assert message(answer) == messages["en"] != messages["sr-Cyrl"]


def test_the_staff_members_language_comes_before_accept_language(admin, messages):
    answer = speaking(admin, "en").get(MISSING_CASE, headers={"Accept-Language": "sr-Latn"})
    assert message(answer) == messages["en"]


def test_an_explicit_lang_comes_before_the_staff_members_language(admin, messages):
    answer = speaking(admin, "en").get(MISSING_CASE, "lang=cs",
                                       headers={"Accept-Language": "sr-Latn"})
    assert message(answer) == messages["cs"]


def test_without_an_own_language_accept_language_and_then_the_default_decide(admin, messages):
    assert message(admin.get(MISSING_CASE, headers={"Accept-Language": "en"})) == messages["en"]
    assert message(admin.get(MISSING_CASE)) == messages["sr-Cyrl"]
    # A language the municipality does not offer is skipped.
    answer = speaking(admin, "de").get(MISSING_CASE, headers={"Accept-Language": "sr-Latn"})
    assert message(answer) == messages["sr-Latn"]


def test_the_translated_names_of_an_answer_follow_the_staff_members_language(admin):
    # GIVEN the profile with its department and role names asked for in English and Cyrillic
    english = admin.get("/v1/admin/me", "lang=en").body
    cyrillic = admin.get("/v1/admin/me", "lang=sr-Cyrl").body
    assert english["roles"] != cyrillic["roles"]
    # WHEN an English-speaking staff member asks without naming a language
    answer = speaking(admin, "en").get("/v1/admin/me").body
    # THEN the names are the English ones
    assert answer["roles"] == english["roles"]
    assert answer.get("departments") == english.get("departments")


def test_a_401_has_no_staff_member_and_answers_as_before(api):
    english = api.call("GET", "/v1/admin/cases", headers={"Accept-Language": "en"})
    default = api.call("GET", "/v1/admin/cases")
    assert english.status == default.status == 401
    assert message(english) != message(default)
    assert message(api.call("GET", "/v1/admin/cases", query="lang=en")) == message(english)
