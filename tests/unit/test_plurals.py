"""Texts with a count (``civicdesk.rendering.plurals``): every catalogue has each form, the
rules are CLDR's for whole numbers, and the service-level job's timeline texts use them."""

from __future__ import annotations

import pytest

from civicdesk.domain.cases import LANGUAGES
from civicdesk.rendering import catalogue, plural_category, translate_count, working_duration
from civicdesk.rendering.plurals import FORMS


def counted_keys(language: str) -> set[str]:
    return {key.rsplit(".", 1)[0] for key in catalogue(language)
            if key.rsplit(".", 1)[-1] in FORMS and key.startswith(("duration.", "field."))}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_with_a_count_has_every_form(language):
    families = counted_keys("en")
    assert families == {"duration.working_minutes", "duration.working_hours", "duration.minutes",
                        "field.characters"}
    for family in families:
        for form in FORMS:
            assert "{count}" in catalogue(language)[f"{family}.{form}"], (language, family, form)


@pytest.mark.parametrize("language,numbers", [
    ("sr-Cyrl", {"one": (1, 21, 101), "few": (2, 4, 22, 34, 102), "other": (0, 5, 11, 12, 14, 111, 112)}),
    ("sr-Latn", {"one": (1, 31), "few": (3, 23), "other": (13, 25)}),
    ("cs", {"one": (1,), "few": (2, 3, 4), "other": (0, 5, 21, 22, 100)}),
    ("bg", {"one": (1,), "other": (0, 2, 5, 21)}),
    ("en", {"one": (1,), "other": (0, 2, 21)}),
])
def test_the_plural_rules_are_cldrs_for_whole_numbers(language, numbers):
    for form, examples in numbers.items():
        assert [plural_category(language, n) for n in examples] == [form] * len(examples)


def test_durations_read_as_people_say_them():
    assert [translate_count("sr-Cyrl", "duration.working_minutes", n) for n in (1, 3, 5, 21)] == [
        "1 радни минут", "3 радна минута", "5 радних минута", "21 радни минут"]
    assert [translate_count("cs", "duration.working_hours", n) for n in (1, 2, 5)] == [
        "1 pracovní hodina", "2 pracovní hodiny", "5 pracovních hodin"]
    assert working_duration("bg", 61) == "1 работен час и 1 минута"
    assert working_duration("en", 180) == "3 working hours"
    assert working_duration("en", 0) == "0 working minutes"


def test_the_breach_and_the_jobs_escalation_say_how_late_in_the_readers_language():
    from civicdesk.adapters.config_files import load_config_dir
    from civicdesk.api.views import timeline_text
    from civicdesk.services.municipality import MunicipalityProvider
    from tests.support.aws import CONFIG_DIR
    from tests.support.fakes import InMemoryConfigRepository

    municipality = MunicipalityProvider(InMemoryConfigRepository(load_config_dir(CONFIG_DIR))).get()
    breach = {"clock": "resolution", "due": "2026-12-01T09:00:00.000000Z", "overdue_minutes": 62}
    assert timeline_text("sla_breached", breach, municipality, "en") == \
        "Due time missed: resolution (overdue by 1 working hour and 2 minutes)."
    assert timeline_text("sla_breached", breach, municipality, "sr-Latn") == \
        "Rok je propušten: rešavanje (kasni 1 radni sat i 2 minuta)."
    escalation = {**breach, "level": 2, "reason": "…"}
    assert timeline_text("escalated", escalation, municipality, "cs") == (
        "Případ byl eskalován vedoucím (úroveň 2): zmeškaná lhůta – vyřízení, "
        "zpoždění: 1 pracovní hodina a 2 minuty.")
    # a staff member's escalation keeps its own text
    assert timeline_text("escalated", {"level": 1, "reason": "x"}, municipality, "en") == \
        "Escalated to the supervisors (level 1)."
