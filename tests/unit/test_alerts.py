"""Residents' alert subscriptions in the domain: tokens, SMS codes (tries, expiry), what an
audience reads, the configuration's ``alert_topics`` and the texts (``domain/alerts.py``,
``domain/alert_config.py``, ``rendering/alert_texts.py``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from msgspec.structs import replace

from civicdesk.domain.alert_config import parse_alert_topics
from civicdesk.domain.alerts import (
    CODE_ATTEMPTS,
    CODE_LIFETIME,
    AlertState,
    AlertSubscription,
    ChannelState,
    CodeCheck,
    code_hash,
    confirm_url,
    is_code,
    new_code,
    new_subscription_id,
    new_token,
    token_subscription,
    tokens_match,
)
from civicdesk.domain.audiences import Channel, unsubscribe_path
from civicdesk.domain.cases import LANGUAGES
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.municipality_config import parse_municipality
from civicdesk.rendering.alert_texts import code_sms, confirm_mail

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)
CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"


def pending(**changes) -> AlertSubscription:
    subscription_id = "0123456789abcdef01234567"
    base = AlertSubscription(
        id=subscription_id, token=new_token(subscription_id), language="en", topics=("water",),
        areas=("centar",), point=None, created_at=NOW, email="ana@example.org",
        email_state=ChannelState.PENDING, phone="+381641234567", phone_state=ChannelState.PENDING,
        code_hash=code_hash(subscription_id, "123456"), code_expires_at=NOW + CODE_LIFETIME,
        code_attempts_left=CODE_ATTEMPTS)
    return replace(base, **changes)


def test_tokens_are_random_name_their_subscription_and_compare_in_constant_time():
    subscription_id = new_subscription_id()
    first, second = new_token(subscription_id), new_token(subscription_id)
    assert first != second and token_subscription(first) == subscription_id
    assert len(first.split(".")[1]) == 32
    for forged in ("", "abc", f"{subscription_id}.short", subscription_id, f"{subscription_id}.{'a' * 33}"):
        assert token_subscription(forged) is None
    assert tokens_match(first, first) and not tokens_match(first, second)
    assert not tokens_match(None, first)
    assert unsubscribe_path(first) == f"alerts.html#unsubscribe={first}"
    assert confirm_url("https://p.example/", first, "cs") == f"https://p.example/alerts.html?lang=cs#confirm={first}"


def test_codes_are_six_digits_and_stored_only_as_a_hash_of_the_subscription():
    codes = {new_code() for _ in range(200)}
    assert all(is_code(code) for code in codes) and len(codes) > 150
    assert not is_code("12345") and not is_code("12345a") and not is_code("1234567")
    assert code_hash("a" * 24, "123456") != code_hash("b" * 24, "123456")
    assert "123456" not in code_hash("a" * 24, "123456")


def test_a_code_is_right_wrong_exhausted_or_expired():
    subscription = pending()
    assert subscription.check_code("123456", NOW) is CodeCheck.CONFIRMED
    assert subscription.check_code("654321", NOW) is CodeCheck.WRONG
    last_try = replace(subscription, code_attempts_left=1)
    assert last_try.check_code("654321", NOW) is CodeCheck.EXHAUSTED
    assert last_try.check_code("123456", NOW) is CodeCheck.CONFIRMED
    assert replace(subscription, code_attempts_left=0).check_code("123456", NOW) is CodeCheck.EXHAUSTED
    assert subscription.check_code("123456", NOW + CODE_LIFETIME) is CodeCheck.EXPIRED
    assert subscription.check_code("123456", NOW + CODE_LIFETIME - timedelta(seconds=1)) is CodeCheck.CONFIRMED
    confirmed = replace(subscription, phone_state=ChannelState.CONFIRMED, code_hash=None)
    assert confirmed.check_code("123456", NOW) is CodeCheck.NONE


def test_an_audience_reads_only_confirmed_channels_and_their_addresses():
    subscription = pending()
    assert subscription.state is AlertState.PENDING and subscription.subscriber() is None
    mail_only = replace(subscription, email_state=ChannelState.CONFIRMED)
    subscriber = mail_only.subscriber()
    assert subscriber is not None and subscriber.channels == (Channel.EMAIL,)
    assert subscriber.email == "ana@example.org" and subscriber.phone is None
    assert subscriber.unsubscribe_token == subscription.token and subscriber.topics == ("water",)
    both = replace(mail_only, phone_state=ChannelState.CONFIRMED)
    assert both.subscriber().channels == (Channel.EMAIL, Channel.SMS)
    assert replace(both, ended_at=NOW).subscriber() is None


def test_dropping_a_channel_erases_its_address():
    both = pending(email_state=ChannelState.CONFIRMED, phone_state=ChannelState.CONFIRMED, code_hash=None)
    changed = both.with_choices(topics=("roads",), areas=(), point=(44.0, 20.9), language="cs",
                                at=NOW, keep=(Channel.EMAIL,))
    assert changed.phone is None and changed.phone_state is None and changed.email == "ana@example.org"
    assert changed.topics == ("roads",) and changed.point == (44.0, 20.9) and changed.language == "cs"


def test_the_demo_configuration_offers_topics_in_every_language():
    from civicdesk.cli.seed import load_config_dir

    municipality = parse_municipality(load_config_dir(str(CONFIG)))
    assert {"water", "roads", "waste", "transport", "power", "heating", "events"} <= set(municipality.alert_topics)
    for topic in municipality.alert_topics.values():
        assert all(topic.name[language].strip() for language in LANGUAGES)


@pytest.mark.parametrize("raw,problem", [
    ("water", "must be a list"),
    ([{"id": "water"}], "name must be an object"),
    ([{"id": "water", "name": {"en": "Water"}}], "missing translation"),
    ([{"id": "Water!", "name": {}}], "id must be"),
    ([{"id": "water", "name": {lang: "W" for lang in LANGUAGES}}] * 2, "appears twice"),
    ([{"id": "water", "name": {lang: "W" for lang in LANGUAGES}, "icon": "x"}], "unknown keys"),
])
def test_a_bad_alert_topics_section_is_refused_at_seed_time(raw, problem):
    with pytest.raises(ConfigurationError) as refused:
        parse_alert_topics(raw, LANGUAGES)
    assert problem in refused.value.params["detail"]


def test_no_section_offers_no_topics():
    assert parse_alert_topics(None, LANGUAGES) == {}


@pytest.mark.parametrize("language,minutes,expected", [
    ("sr-Cyrl", 1, "1 минут"), ("sr-Cyrl", 2, "2 минута"), ("sr-Latn", 15, "15 minuta"),
    ("cs", 1, "1 minutu"), ("cs", 3, "3 minuty"), ("cs", 15, "15 minut"),
    ("bg", 1, "1 минута"), ("bg", 15, "15 минути"), ("en", 1, "1 minute"), ("en", 15, "15 minutes"),
])
def test_the_sms_code_says_how_long_it_is_valid_with_the_plural_form(language, minutes, expected):
    text = code_sms(language, municipality="Demo", code="012345", minutes=minutes)
    assert "012345" in text and expected in text


@pytest.mark.parametrize("language,days,expected", [
    ("cs", 1, "do 1 dne"), ("cs", 7, "do 7 dnů"), ("bg", 1, "1 ден"), ("bg", 7, "7 дни"),
    ("en", 1, "1 day"), ("en", 7, "7 days"), ("sr-Latn", 7, "7 dana"),
])
def test_the_confirmation_mail_says_how_long_the_link_lasts(language, days, expected):
    mail = confirm_mail(language, municipality="Demo", topics=["Water"], areas=["Centre"],
                        point=(44.018, 20.92), url="https://p.example/alerts.html#confirm=x",
                        days=days)
    assert expected in mail.text and "https://p.example/alerts.html#confirm=x" in mail.text
    assert "44.01800, 20.92000" in mail.text and "\n" not in mail.subject


def test_every_alerts_text_is_in_every_catalogue():
    catalogues = CONFIG.parents[1] / "functions" / "shared" / "civicdesk" / "rendering" / "catalogues"
    english = {k for k in json.loads((catalogues / "en.json").read_text()) if k.startswith("alerts_")}
    assert {"alerts_mail.subject", "alerts_sms.code", "alerts_minutes.few"} <= english
    for language in LANGUAGES:
        keys = set(json.loads((catalogues / f"{language}.json").read_text(encoding="utf-8")))
        assert english <= keys, language
