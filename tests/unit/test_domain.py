from datetime import datetime, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.cases import (
    DEFAULT_TRANSITIONS,
    CaseType,
    EventKind,
    Status,
    TimelineEvent,
    check_transition,
    format_number,
    parse_number,
)
from civicdesk.domain.errors import ConfigurationError, InvalidTransitionError
from civicdesk.domain.mail import find_subject_tag, subject_tag
from civicdesk.domain.municipality_config import parse_municipality
from civicdesk.domain.redaction import redact
from civicdesk.domain.threading import case_reply_address, parse_reply_address, reply_tag
from civicdesk.domain.tracking_tokens import hash_token, new_tracking_token, token_matches
from tests.support.aws import CONFIG_DIR


@pytest.mark.parametrize("current,target", [(c, t) for c, ts in DEFAULT_TRANSITIONS.items()
                                            for t in sorted(ts, key=lambda s: s.value)])
def test_every_listed_transition_is_allowed(current, target):
    check_transition(current, target)


@pytest.mark.parametrize("current,target", [
    (Status.CLOSED, Status.NEW), (Status.CANCELLED, Status.RESOLVED), (Status.NEW, Status.NEW),
    (Status.RESOLVED, Status.WAITING_FOR_CITIZEN), (Status.NEW, Status.CLOSED)])
def test_other_transitions_are_refused(current, target):
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(current, target)
    assert caught.value.params == {"current": current.value, "target": target.value}


def test_numbers_are_yearly_and_zero_padded():
    assert format_number(2026, 123) == "2026-000123"
    assert format_number(2027, 1234567) == "2027-1234567"
    assert parse_number("2026-000123") == (2026, 123)
    for bad in ("", "2026-12", "26-000123", "2026-000123x", "2026_000123", None):
        assert parse_number(bad) is None


def test_tokens_are_long_random_and_only_their_hash_matches():
    tokens = {new_tracking_token() for _ in range(1000)}
    assert len(tokens) == 1000
    token = tokens.pop()
    assert len(token) >= 32  # 192 bits in URL-safe base64
    stored = hash_token(token)
    assert token not in stored
    assert token_matches(token, stored)
    assert not token_matches(token[:-1] + ("A" if token[-1] != "A" else "B"), stored)
    assert not token_matches(None, stored) and not token_matches(token, None)


def test_timeline_sort_keys_follow_time():
    early = TimelineEvent("2026-000001", datetime(2026, 1, 1, 8, tzinfo=timezone.utc),
                          EventKind.NOTE, "x", False)
    late = TimelineEvent("2026-000001", datetime(2026, 1, 1, 9, tzinfo=timezone.utc),
                         EventKind.NOTE, "x", False)
    assert early.sort_key < late.sort_key
    assert early.sort_key.startswith("EVT#2026-01-01T08:00:00.000000Z#")


def test_subject_tag_and_reply_address():
    assert subject_tag("2026-000123") == "[#2026-000123]"
    assert find_subject_tag("Odg: RE: [#2026-000123] Улична расвета") == "2026-000123"
    assert find_subject_tag("Re: 2026-000123") is None
    address = case_reply_address("kjs@demo.civicdesk.rs", "2026-000001", "f" * 64)
    assert parse_reply_address(address) == ("kjs@demo.civicdesk.rs", "2026-000001", reply_tag("f" * 64))
    assert reply_tag("f" * 64) != reply_tag("e" * 64)


@pytest.mark.parametrize("text,hidden", [
    ("Моj JMBG је 0101990710006.", "0101990710006"),
    ("ЕГН 7501010010, тел. 0888 123 456", "7501010010"),
    ("ЕГН 7501010010, тел. 0888 123 456", "0888 123 456"),
    ("rodné číslo 850101/1234", "850101/1234"),
    ("volejte +420 777 123 456", "+420 777 123 456"),
    ("pišite na marko.markovic@gmail.com", "marko.markovic@gmail.com"),
])
def test_redaction_hides_personal_data(text, hidden):
    assert hidden not in redact(text)


def test_redaction_keeps_ordinary_text():
    text = "Rupa na putu kod kućnog broja 45, već 3 nedelje, dubina 20 cm."
    assert redact(text) == text


def test_demo_configuration_is_complete_and_consistent():
    municipality = parse_municipality(load_config_dir(CONFIG_DIR))
    assert municipality.languages == ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
    assert municipality.is_public(CaseType.SIGNAL)
    assert not municipality.is_public(CaseType.COMPLAINT)
    for category in municipality.categories.values():
        assert category.department in municipality.departments
        assert set(category.name) >= set(municipality.languages)
    assert municipality.service_for_address("KJS@demo.civicdesk.rs").id == "kjs"


@pytest.mark.parametrize("breakage,detail", [
    (lambda d: d["categories"][0].update(department="nowhere"), "unknown department"),
    (lambda d: d["categories"][0]["name"].pop("cs"), "missing translation"),
    (lambda d: d.update(general_address="nobody@x.rs"), "general_address"),
    (lambda d: d["working_hours"].update(mon=[["16:00", "08:00"]]), "working_hours.mon"),
    (lambda d: d.update(languages=["de"]), "languages"),
    (lambda d: d.pop("time_zone"), "missing key"),
    (lambda d: d.update(new_cases_per_sender_per_day=0), "new_cases_per_sender_per_day"),
    (lambda d: d.update(new_cases_per_sender_per_day="10"), "new_cases_per_sender_per_day"),
])
def test_broken_configuration_is_refused_with_the_reason(breakage, detail):
    document = load_config_dir(CONFIG_DIR)
    breakage(document)
    with pytest.raises(ConfigurationError) as caught:
        parse_municipality(document)
    assert detail in caught.value.params["detail"]
