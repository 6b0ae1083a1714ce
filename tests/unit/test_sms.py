"""The SMS domain: what a text costs (GSM 03.38 / UCS-2 segments), shortening it to a number of
parts, the optional conversion to GSM-7, and the values SNS requires."""

from __future__ import annotations

import doctest
import string
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.domain import sms as sms_module
from civicdesk.domain.errors import CivicDeskError
from civicdesk.domain.sms import (
    GSM_BASIC,
    GSM_EXTENSION,
    OutgoingSms,
    SmsDeliveryError,
    SmsFailure,
    encoding,
    find_case_number,
    fit,
    is_e164,
    is_sender_id,
    segments,
)
from civicdesk.domain.sms_script import SmsPolicy, SmsScript, sms_text, to_gsm, transliterate
from civicdesk.rendering import catalogue


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


SERBIAN = "Поштовани, Ваш предмет 2026-000123 је решен. Хвала што сте пријавили проблем."


def test_the_docstring_examples_hold():
    # GIVEN the module's doctests  WHEN they run  THEN none fails
    result = doctest.testmod(sms_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- the GSM alphabet ----------------------------------------------------------------------------

def test_the_gsm_tables_are_the_default_alphabet_and_its_extension():
    assert len(GSM_BASIC) == 127  # 128 codes, one of them the escape to the extension table
    assert GSM_EXTENSION == set("\f^{}\\[~]|€")
    assert not GSM_BASIC & GSM_EXTENSION
    assert set("é É è ù ì ò à ä ö ü ñ Ä Ö Ü Ñ Å å Æ æ Ø ø ß Ç ¡ ¿ § ¤ £ ¥ Δ Ω".split()) <= GSM_BASIC


@pytest.mark.parametrize("text,expected", [
    ("Your case 2026-000123 was resolved.", "GSM-7"),
    ("Café é è à ü ß", "GSM-7"),
    ("Cena: 100 € [popust]", "GSM-7"),
    ("Vaš predmet je rešen.", "UCS-2"),  # š, č, ć, ž, đ are not GSM-7
    ("Dobrý den, vaše hlášení", "UCS-2"),
    ("Вашият сигнал е приет", "UCS-2"),
    ("„Navodnici“", "UCS-2"),
    ("Tri tačke…", "UCS-2"),
    ("`backtick`", "UCS-2"),
])
def test_encoding_is_gsm7_only_when_every_character_is_in_the_alphabet(text, expected):
    assert encoding(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("", ("GSM-7", 1)),
    ("a" * 160, ("GSM-7", 1)),
    ("a" * 161, ("GSM-7", 2)),
    ("a" * 306, ("GSM-7", 2)),
    ("a" * 307, ("GSM-7", 3)),
    ("a" * 459, ("GSM-7", 3)),
    ("a" * 460, ("GSM-7", 4)),
    ("[" * 80, ("GSM-7", 1)),  # extension characters count twice
    ("a" * 159 + "€", ("GSM-7", 2)),
    ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3)),  # 306 septets, but the escape pair is not split
    ("ж" * 70, ("UCS-2", 1)),
    ("ж" * 71, ("UCS-2", 2)),
    ("ж" * 134, ("UCS-2", 2)),
    ("ж" * 135, ("UCS-2", 3)),
    ("a" * 69 + "č", ("UCS-2", 1)),  # one character outside GSM-7 and the whole text is UCS-2
    ("😀" * 35, ("UCS-2", 1)),  # two UTF-16 code units each
    ("😀" * 36, ("UCS-2", 2)),
    ("š" * 66 + "😀" + "š" * 66, ("UCS-2", 3)),  # 134 units, but the surrogate pair is not split
])
def test_segments_follow_the_single_and_concatenated_limits(text, expected):
    assert segments(text) == expected


# -- fit -----------------------------------------------------------------------------------------

def test_a_text_that_fits_is_returned_unchanged():
    assert fit(SERBIAN) == SERBIAN
    assert fit("a" * 459) == "a" * 459


def test_a_cyrillic_text_is_cut_at_a_word_with_the_unicode_ellipsis():
    # GIVEN a Serbian reply of about five UCS-2 parts
    text = " ".join([SERBIAN] * 5)
    # WHEN it is fitted to three parts
    short = fit(text)
    # THEN it takes three, ends with "…" right after a whole word of the original
    assert segments(short) == ("UCS-2", 3)
    head = short[:-1]
    assert short.endswith("…") and text.startswith(head)
    assert text[len(head)] in " ," or text[len(head):].startswith(". ")
    assert len(short) > 190  # and wastes little of the 201 characters


def test_a_gsm_text_gets_three_dots_so_that_it_stays_gsm():
    text = "Your report was received and forwarded to the department. " * 12
    short = fit(text)
    assert short.endswith("...") and not short.endswith("....")
    assert segments(short) == ("GSM-7", 3)
    assert len(short) > 440  # "…" would have made it UCS-2: at most 201 characters


def test_a_gsm_text_cut_before_its_only_unicode_character_becomes_gsm():
    text = "word " * 100 + "kraj: čćžšđ"
    short = fit(text, max_parts=1)
    assert segments(short) == ("GSM-7", 1) and short.endswith("word...")


def test_the_ellipsis_can_be_chosen():
    short = fit("word " * 100, max_parts=1, ellipsis=" [+]")
    assert short.endswith("word [+]") and segments(short) == ("GSM-7", 1)


def test_a_word_longer_than_the_room_is_cut_inside_but_not_between_letter_and_mark():
    assert fit("x" * 500, max_parts=1) == "x" * 157 + "..."
    decomposed = "e\u0301" * 100  # é written as e + combining acute: UCS-2, one long "word"
    short = fit(decomposed, max_parts=1)
    head = short[:-1]
    assert short.endswith("…") and len(head) % 2 == 0 and segments(short)[1] == 1


def test_trailing_punctuation_does_not_precede_the_ellipsis():
    text = "Prvo, drugo; treće: " * 30
    assert fit(text, max_parts=1)[-2] not in ",;: "


def test_fit_needs_at_least_one_part():
    with pytest.raises(ValueError):
        fit("text", max_parts=0)


PROPERTY_SETTINGS = settings(max_examples=300, deadline=2000,
                             suppress_health_check=[HealthCheck.too_slow])
TEXTS = st.lists(st.sampled_from(list("abc xyz.,\n€[]") + list("čćžšđЖжШшЂђ")
                                 + ["😀", "e\u0301", "  ", "word ", "реч "]),
                 max_size=500).map("".join)


@PROPERTY_SETTINGS
@given(TEXTS, st.integers(min_value=1, max_value=4))
def test_fit_always_fits_and_keeps_the_beginning(text, max_parts):
    short = fit(text, max_parts)
    assert segments(short)[1] <= max_parts
    if segments(text)[1] <= max_parts:
        assert short == text
    else:
        head = short[:-1] if short.endswith("…") else short[:-3]
        assert text.startswith(head)
        rest = text[len(head):]
        assert not rest or not unicodedata.combining(rest[0])


# -- to_gsm --------------------------------------------------------------------------------------

def test_latin_mode_is_the_serbian_latin_of_the_catalogue():
    # The catalogues are written by people: sr-Latn is the transliteration of sr-Cyrl. Both
    # sides go through to_gsm, so that only the script is compared (it also replaces quotes).
    cyrillic, latin = catalogue("sr-Cyrl"), catalogue("sr-Latn")
    for key, text in cyrillic.items():
        assert to_gsm(text, "latin") == to_gsm(latin[key], "latin"), key


def test_ascii_mode_makes_serbian_and_czech_messages_gsm7():
    for language in ("sr-Cyrl", "sr-Latn", "cs", "en"):
        for key, text in catalogue(language).items():
            converted = to_gsm(text, "ascii")
            assert encoding(converted) == "GSM-7", (language, key, converted)
            assert placeholders(converted) == placeholders(text), (language, key)


def test_a_text_that_is_not_serbian_keeps_its_cyrillic():
    # GIVEN Bulgarian, whose letters are mostly Serbian ones but not all
    text = "Щом получите отговор, ще ви уведомим „скоро“."
    # WHEN it is converted THEN no letter gets the Serbian transliteration; only typography does
    assert to_gsm(text, "ascii") == "Щом получите отговор, ще ви уведомим \"скоро\"."
    assert encoding(to_gsm(text, "ascii")) == "UCS-2"
    assert to_gsm("Дом ЦЕНТЪР", "latin") == "Дом ЦЕНТЪР"


@pytest.mark.parametrize("text,latin,ascii_", [
    ("Љубомир", "Ljubomir", "Ljubomir"),
    ("ЉУБОМИР ЊЕГОШ", "LJUBOMIR NJEGOŠ", "LJUBOMIR NJEGOS"),
    ("Џ", "Dž", "Dz"),
    ("ЏЕП", "DŽEP", "DZEP"),
    ("Ђорђе Ђурић", "Đorđe Đurić", "Djordje Djuric"),
    ("ĐORĐE", "ĐORĐE", "DJORDJE"),
    ("čćžšđ ČĆŽŠĐ", "čćžšđ ČĆŽŠĐ", "cczsdj CCZSDJ"),
    ("Příliš žluťoučký kůň", "Příliš žluťoučký kůň", "Prilis zlutoucky kun"),
    ("„Да“ — „не“… 10\u00a0000", '"Da" - "ne"... 10 000', '"Da" - "ne"... 10 000'),
    ("Café €5 [x]", "Café €5 [x]", "Cafe €5 [x]"),
])
def test_transliteration_modes(text, latin, ascii_):
    assert to_gsm(text, "latin") == latin
    assert to_gsm(text, "ascii") == ascii_


def test_to_gsm_is_only_done_on_request():
    with pytest.raises(ValueError):
        to_gsm(SERBIAN, "cyrillic")
    with pytest.raises(TypeError):
        to_gsm(SERBIAN)  # type: ignore[call-arg]  - the mode is the caller's decision


def test_ascii_mode_triples_what_three_parts_hold():
    text = " ".join([SERBIAN] * 6)
    assert len(fit(to_gsm(text, "ascii"))) > 2 * len(fit(text))


# -- the municipality's SMS script (sms_text, transliterate) -----------------------------------

LATIN = SmsPolicy(SmsScript.LATIN)
LATIN_PLAIN = SmsPolicy(SmsScript.LATIN, strip_diacritics=True)


def test_serbian_latin_sms_are_exactly_the_latin_catalogue():
    # GIVEN the catalogues (sr-Latn is written as the transliteration of sr-Cyrl)
    cyrillic, latin = catalogue("sr-Cyrl"), catalogue("sr-Latn")
    # THEN the transliteration of every Cyrillic text is the Latin one, letter for letter and
    # with the typography kept (a Serbian Latin SMS keeps „quotes“ when it is UCS-2 anyway)
    for key, text in cyrillic.items():
        assert transliterate(text, "sr-Cyrl") == latin[key], key


@pytest.mark.parametrize("cyrillic,latin", [
    # examples of the Bulgarian Transliteration Act and its streamlined system
    ("София", "Sofia"), ("България", "Bulgaria"), ("БЪЛГАРИЯ", "BULGARIA"),
    ("Стара Загора", "Stara Zagora"), ("Търговище", "Targovishte"), ("Кърджали", "Kardzhali"),
    ("Горна Оряховица", "Gorna Oryahovitsa"), ("Цветан Цветков", "Tsvetan Tsvetkov"),
    ("ЖИВКОВ", "ZHIVKOV"), ("Шумен", "Shumen"), ("Ямбол", "Yambol"), ("Юрий", "Yuriy"),
    ("Лияна", "Liyana"), ("Мария и Благоевград", "Maria i Blagoevgrad"), ("Щ", "Sht"),
    ("Дядо Коледа", "Dyado Koleda"), ("ѝ", "i"), ("Монтьор", "Montyor"),
])
def test_bulgarian_follows_the_official_transliteration(cyrillic, latin):
    assert transliterate(cyrillic, "bg") == latin


def test_a_bulgarian_catalogue_in_latin_is_plain_gsm7():
    for key, text in catalogue("bg").items():
        converted = sms_text(text, "bg", LATIN)
        assert encoding(converted) == "GSM-7", (key, converted)
        assert placeholders(converted) == placeholders(text), key


def test_serbian_latin_keeps_the_diacritics_and_the_price_unless_the_municipality_strips_them():
    text = "Општина Демо: Ваш предмет 2026-000123 је решен."
    assert sms_text(text, "sr-Cyrl", LATIN) == "Opština Demo: Vaš predmet 2026-000123 je rešen."
    assert encoding(sms_text(text, "sr-Cyrl", LATIN)) == "UCS-2"  # š
    assert sms_text(text, "sr-Cyrl", LATIN_PLAIN) == "Opstina Demo: Vas predmet 2026-000123 je resen."
    assert encoding(sms_text(text, "sr-Cyrl", LATIN_PLAIN)) == "GSM-7"
    # Stripping keeps what GSM-7 has (é, ü, ...) and removes only what it lacks
    assert sms_text("Přijato: Café Müller, Đurđevdan", "cs", LATIN_PLAIN) == \
        "Prijato: Café Müller, Djurdjevdan"


def test_typography_goes_only_when_that_buys_gsm7():
    assert sms_text("Case 2026-000123 – “resolved”…", "en") == 'Case 2026-000123 - "resolved"...'
    assert sms_text("Предмет „решен“ – хвала", "sr-Cyrl") == "Предмет „решен“ – хвала"
    assert sms_text("Vaš predmet „rešen“", "sr-Latn") == "Vaš predmet „rešen“"
    assert sms_text("Vaš predmet „rešen“", "sr-Latn", SmsPolicy(strip_diacritics=True)) == \
        'Vas predmet "resen"'


def test_a_native_policy_leaves_every_cyrillic_letter_alone():
    for language in ("sr-Cyrl", "bg"):
        for key, text in catalogue(language).items():
            assert sms_text(text, language) == text, key


@pytest.mark.parametrize("language", ["sr-Cyrl", "bg"])
def test_the_latin_script_without_diacritics_makes_the_confirmation_gsm7(language):
    from civicdesk.rendering import render_sms

    municipality = {"sr-Cyrl": "Општина Демо", "bg": "Община Демо"}[language]
    context = {"municipality": municipality, "number": "2026-000123", "status_name": "x",
               "tracking_url": "https://prijave.demo.civicdesk.rs/track.html?number=2026-000123"
                               "&token=Xq3vN8s0bT1kLmP4wZ7yR2cD5fG9hJ6a&lang=" + language}
    native = render_sms("confirmation", language, context)
    plain = render_sms("confirmation", language, context, LATIN_PLAIN)
    assert segments(native) == ("UCS-2", 3)  # what issue 11 measured
    assert segments(plain) == ("GSM-7", 2)
    assert context["tracking_url"] in plain


# -- values SNS requires -------------------------------------------------------------------------

@pytest.mark.parametrize("number,valid", [
    ("+381641234567", True), ("+420602123456", True), ("+359888123456", True),
    ("+12025550123", True), ("381641234567", False), ("0641234567", False),
    ("+0641234567", False), ("+381 64 123 4567", False), ("+3816412345678901", False),
    ("+38164", False), ("", False), (None, False), ("+381641234567\n", False),
])
def test_e164(number, valid):
    assert is_e164(number) is valid


@pytest.mark.parametrize("value,valid", [
    ("CivicDesk", True), ("Beograd", True), ("NoviSad2026", True), ("A", True),
    ("NoviSadGrad1", False), ("Novi Sad", False), ("12345", False), ("Grad-NS", False),
    ("Београд", False), ("", False), (None, False),
])
def test_sender_id(value, valid):
    assert is_sender_id(value) is valid


@pytest.mark.parametrize("text,number", [
    ("Predmet 2026-000123 je rešen.", "2026-000123"),
    ("Предмет бр. 2026-1234567: одговор", "2026-1234567"),
    ("https://portal.test/t/2026-000042?x=1", "2026-000042"),
    ("Rok: 2026-11-25, tel. 011-3234567", None),
    ("12026-000123", None), ("2026-0001", None), ("", None),
])
def test_case_number_in_a_text(text, number):
    assert find_case_number(text) == number


def test_outgoing_sms_defaults_and_is_immutable():
    sms = OutgoingSms(to="+381641234567", text="x")
    assert (sms.case_number, sms.kind, sms.sender_id, sms.language) == (None, "reply", None, None)
    with pytest.raises(AttributeError):
        sms.text = "y"  # type: ignore[misc]


def test_delivery_errors_say_why_and_whether_to_retry():
    retryable = {failure for failure in SmsFailure
                 if SmsDeliveryError(failure).retryable}
    assert retryable == {SmsFailure.THROTTLED, SmsFailure.UNAVAILABLE}
    error = SmsDeliveryError(SmsFailure.OPTED_OUT, "OptedOut: the number opted out")
    assert isinstance(error, CivicDeskError) and error.code == "sms_delivery_failed"
    assert error.params == {"reason": "opted_out"} and error.message_id == "error.sms_delivery_failed"
    assert str(error) == "opted_out: OptedOut: the number opted out"


def test_the_bench_prices_every_kind_language_and_setting_from_the_real_texts():
    from bench.sms import KINDS, SETTINGS, SMS_PRICE_USD_PER_PART_SERBIA, report, sms_costs

    figures = sms_costs()
    assert set(figures["sms"]) == set(KINDS)
    for kind, languages in figures["sms"].items():
        assert set(languages) == {"sr-Cyrl", "sr-Latn", "bg", "cs", "en"}
        for by_setting in languages.values():
            assert set(by_setting) == set(SETTINGS)
            for cell in by_setting.values():
                assert cell["cost_usd"] == round(cell["parts"] * SMS_PRICE_USD_PER_PART_SERBIA, 4)
            # stripping the diacritics never costs more than keeping them
            assert by_setting["latin_stripped"]["parts"] <= by_setting["native"]["parts"], kind
    confirmation = figures["sms"]["confirmation"]["sr-Cyrl"]
    assert (confirmation["native"]["encoding"], confirmation["native"]["parts"]) == ("UCS-2", 3)
    assert confirmation["latin_stripped"]["encoding"] == "GSM-7"
    assert all(cell["linked"] for cell in confirmation.values())
    assert len(report(figures)) == 1 + len(KINDS) * 5
