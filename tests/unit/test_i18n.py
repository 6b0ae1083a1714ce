import json
import re
import string
from pathlib import Path

import pytest

from civicdesk.domain.cases import LANGUAGES, CaseType, Channel, EventKind, Status
from civicdesk.rendering import catalogue, normalise_language, pick_language, translate

I18N = (Path(__file__).resolve().parents[2] / "functions" / "shared" / "civicdesk" / "rendering"
        / "catalogues")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_message_with_the_same_placeholders():
    english = catalogue("en")
    for language in LANGUAGES:
        messages = json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))
        assert set(messages) == set(english), language
        for key, text in messages.items():
            assert text.strip(), (language, key)
            assert placeholders(text) == placeholders(english[key]), (language, key)


def test_every_type_status_channel_and_event_has_a_name():
    for language in LANGUAGES:
        messages = catalogue(language)
        for prefix, enum in (("type", CaseType), ("status", Status), ("channel", Channel)):
            for member in enum:
                assert f"{prefix}.{member.value}" in messages
        for kind in (EventKind.CASE_OPENED, EventKind.STATUS_CHANGED):
            assert f"event.{kind.value}" in messages


def test_serbian_latin_is_the_transliteration_of_cyrillic():
    table = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ",
                     ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m",
                      "n", "nj", "o", "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š",
                      "A", "B", "V", "G", "D", "Đ", "E", "Ž", "Z", "I", "J", "K", "L", "Lj", "M",
                      "N", "Nj", "O", "P", "R", "S", "T", "Ć", "U", "F", "H", "C", "Č", "Dž", "Š"], strict=False))
    cyrillic, latin = catalogue("sr-Cyrl"), catalogue("sr-Latn")
    for key, text in cyrillic.items():
        expected = "".join(table.get(ch, ch) for ch in text)
        assert latin[key].lower() == expected.lower(), key


def test_translate_fills_placeholders_and_falls_back():
    assert translate("cs", "field.too_long", max=5).endswith("5 znaků.")
    assert translate("xx", "field.required") == catalogue("en")["field.required"]
    assert translate("en", "no.such.key") == "no.such.key"
    assert "{detail}" in translate("en", "error.configuration")


@pytest.mark.parametrize("tag,expected", [
    ("sr", "sr-Cyrl"), ("sr-RS", "sr-Cyrl"), ("sr-Latn-RS", "sr-Latn"), ("sr_Latn", "sr-Latn"),
    ("bg-BG", "bg"), ("cs-CZ", "cs"), ("en-US", "en"), ("de", None), ("", None)])
def test_language_tags_are_normalised(tag, expected):
    assert normalise_language(tag) == expected


def test_accept_language_quality_order_is_respected():
    available = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
    assert pick_language("de;q=1, cs;q=0.5, en;q=0.9", available, "sr-Cyrl") == "en"
    assert pick_language("de, fr", available, "sr-Cyrl") == "sr-Cyrl"
    assert pick_language("garbage;q=x", available, "bg") == "bg"


def test_no_message_contains_markup():
    for language in LANGUAGES:
        for key, text in catalogue(language).items():
            assert not re.search(r"<[a-z/]", text), (language, key)
