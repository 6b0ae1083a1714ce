"""Redaction of names and addresses from what strangers read (issue 12, items 1 and 2): every
spelling and form an official may give the requester's name, the case's own address and street
addresses generally, and no ordinary word of an official's message in the five languages."""

from __future__ import annotations

import pytest

from civicdesk.domain.redaction import MARK, names_person, redact

REQUESTER = "Đorđe Petrović"


@pytest.mark.parametrize("spelling", [
    # the ten spellings of the attack on the public page (issue 12, item 1)
    "Đorđe Petrović", "ĐORĐE PETROVIĆ", "Ђорђе Петровић", "Djordje Petrovic", "Dorde Petrovic",
    "Đorđu Petroviću", "Đorđa Petrovića", "gospodine Petroviću", "Petrovićev", "Петровићевог",
    # and more of the same
    "Djordja", "Ђорђем", "Петровићу", "petrovicem", "Petrovića", "Đorđev",
])
def test_the_requesters_name_is_redacted_in_either_script_spelling_and_form(spelling):
    text = f"Obaveštavamo da je {spelling} prijavio kvar, ekipa izlazi."
    redacted = redact(text, [REQUESTER])
    assert MARK in redacted
    for word in spelling.split():
        if word != "gospodine":
            assert word not in redacted
    assert redacted.startswith("Obaveštavamo da je ") and redacted.endswith(" prijavio kvar, ekipa izlazi.")


@pytest.mark.parametrize("name,text,hidden", [
    ("Petar Jovanović", "Poštovani Petre, ", "Petre"),
    ("Petar Jovanović", "predmet Petra Jovanovića", "Petra Jovanovića"),
    ("Jovana Marić", "Jovanin zahtev i Jovanina prijava", "Jovanin"),
    ("Jovana Marić", "Jovanina prijava", "Jovanina"),
    ("Jan Novák", "Vážený pane Jane, ", "Jane"),
    ("Jan Novák", "sdělili jsme panu Novákovi", "Novákovi"),
    ("Jan Novák", "paní Nováková volala", "Nováková"),
    ("Jana Nováková", "jsme paní Novákové poslali", "Novákové"),
    ("Jana Nováková", "s paní Novákovou", "Novákovou"),
    ("Pavel Dvořák", "panu Pavlovi Dvořákovi", "Pavlovi Dvořákovi"),
    ("Jiří Novotný", "pana Novotného", "Novotného"),
    ("Иван Петров", "Уважаеми Иване, ", "Иване"),
    ("Иван Петров", "сигналът на Иванов", "Иванов"),
    ("Иван Петров", "на Иванова", "Иванова"),
    ("Мария Иванова", "г-жа Иванова", "Иванова"),
    ("Мария Иванова", "Marija Ivanova", "Marija Ivanova"),
    ("Живко Живков", "Zhivko Zhivkov", "Zhivko Zhivkov"),
    ("Ljiljana Đukić", "Љиљани Ђукић", "Љиљани Ђукић"),
    ("Milan Li", "Milan Li je zvao; Li", "Milan Li"),
    ("Marko Ulić", "Ulića ćemo pozvati", "Ulića"),  # not ``ulica`` (a common word) with its ć
])
def test_names_of_the_three_languages_are_found_in_their_inflected_forms(name, text, hidden):
    assert hidden not in redact(text, [name])


#: What officials write to citizens, in the five languages: nothing here is a name of
#: ``NAMES``, so nothing may be redacted.
CORPUS = [
    "Poštovani, od tog dana radimo na sanaciji, a rad će biti završen u roku od pet dana.",
    "Ekipa JKP Vodovod je izašla na teren i otklonila kvar; voda je ponovo puštena.",
    "Hvala na prijavi. Radi se o kvaru na javnoj rasveti koji ćemo otkloniti do kraja nedelje.",
    "Vaš zahtev je prosleđen nadležnoj službi. Nadamo se da ćemo ga rešiti brzo.",
    "Mir i red u parku su nam važni, pa je komunalna milicija obaveštena.",
    "Сваког дана радимо на томе, мир у насељу је приоритет, рад се наставља сутра.",
    "Поштовани, ваша пријава је прослеђена Градској управи; екипа излази у понедељак.",
    "Вода ће бити искључена од 8 до 14 часова због радова на мрежи.",
    "Dobrý den, ano, závadu jsme odstranili, ani dnes nebude voda přerušena.",
    "Děkujeme za podnět. Pracovníci města opraví chodník do konce měsíce.",
    "Vaše žádost byla předána odboru dopravy, ozveme se do deseti dnů.",
    "Здравейте, сигналът е предаден на районната администрация и ще бъде разгледан.",
    "Работата по ремонта на пътя започва в понеделник и ще продължи три дни.",
    "Водата ще бъде спряна от 9 до 16 часа поради авария.",
    "Thank you, the crew fixed the street light and the road will reopen on Monday.",
    "Your request was forwarded to the water utility; we will let you know when it is done.",
    "Rupa na putu kod kućnog broja 45, već 3 nedelje, dubina 20 cm.",
    "Ekipa je u ulici od jutros, a na trgu su postavljene nove klupe.",
    "Lampa broj 12 ne radi od 3. novembra.",
]
NAMES = ["Dana Dukić", "Dan Rus", "Rada Radić", "Mira Mirić", "Nada Vera", "Jan Novák", "Ana Eva", "Ida Ivo",
         "Milan Marković", "Иван Петров", "Đorđe Petrović", "Sava Vuk", "Jana Bor", "Marko Ulić",
         "Stana Ekić"]


@pytest.mark.parametrize("sentence", CORPUS)
def test_ordinary_official_sentences_are_published_as_written(sentence):
    assert redact(sentence, NAMES, ["Kneza Miloša 12, Beograd"]) == sentence
    assert not names_person(sentence, NAMES)


@pytest.mark.parametrize("text,hidden", [
    ("Rupa je u ul. Kneza Miloša 12 kod pošte.", "Kneza Miloša 12"),
    ("Ekipa dolazi u Ulicu kralja Petra 5.", "kralja Petra 5"),
    ("Kvar je na Bulevaru oslobođenja 27a.", "oslobođenja 27a"),
    ("Na Trgu Republike 3 je rupa.", "Republike 3"),
    ("Ulica 27. marta br. 14 je zatvorena.", "27. marta br. 14"),
    ("Екипа излази у улицу Вука Караџића бр. 5.", "Вука Караџића бр. 5"),
    ("Сигнал за ж.к. Младост 1, бл. 12, вх. Б.", "Младост 1, бл. 12, вх. Б"),
    ("Ремонт на бул. Витоша 15.", "Витоша 15"),
    ("Ремонт на ул. „Граф Игнатиев“ 15.", "Граф Игнатиев"),
    ("Závada v ulici Na Příkopě 12.", "Na Příkopě 12"),
    ("Oprava na nám. Míru 5 a u domu č. p. 1234.", "Míru 5"),
    ("Oprava na nám. Míru 5 a u domu č. p. 1234.", "1234"),
    ("Chodník na tř. Svobody 8.", "Svobody 8"),
])
def test_street_addresses_are_redacted(text, hidden):
    assert hidden not in redact(text)


@pytest.mark.parametrize("written", [
    "Kneza Miloša 12", "Кнеза Милоша 12", "KNEZA MILOSA", "kneza milosa 14", "Kneza Miloša",
])
def test_the_cases_own_address_is_redacted_in_any_script_and_case(written):
    text = f"Ekipa je bila na adresi {written}, kvar je otklonjen."
    redacted = redact(text, (), ["ул. Кнеза Милоша 12, Београд"])
    assert written not in redacted and MARK in redacted


def test_the_town_of_the_address_and_a_one_word_street_alone_stay():
    addresses = ["Glavna 3, Novi Sad"]
    assert redact("Glavna stvar: Novi Sad radi.", (), addresses) == "Glavna stvar: Novi Sad radi."
    assert redact("Popravljeno u Glavnoj 3.", (), addresses) == "Popravljeno u […]."


def test_a_name_that_is_a_common_word_is_redacted_as_a_name_only():
    assert redact("Dana je zvala; rok je pet dana.", ["Dana Dukić"]) == "[…] je zvala; rok je pet dana."


def test_staff_are_told_when_a_text_names_the_requester():
    assert names_person("Поштовани Ђорђе, екипа долази.", [REQUESTER])
    assert names_person("Poštovani gospodine Petroviću", [REQUESTER])
    assert not names_person("Poštovani, ekipa dolazi.", [REQUESTER])
    assert not names_person("Poštovani Petre", [])
    assert not names_person(None, [REQUESTER])


#: Common names of the three countries, many of them ordinary words too.
MANY_NAMES = ["Petar Petrović", "Đorđe Jovanović", "Marko Marković", "Ana Anić", "Milan Nikolić",
              "Jovana Ilić", "Jelena Pavlović", "Stefan Stanković", "Ivan Ivanov", "Georgi Dimitrov",
              "Maria Petrova", "Jan Novák", "Jana Nováková", "Petr Svoboda", "Tomáš Dvořák",
              "Lucie Černá", "Rada Radić", "Vera Vuk", "Nada Mirić", "Sava Savić", "Mila Milić",
              "Zoran Zorić", "Boris Borisov", "Elena Georgieva", "Karel Král", "Lazar Lazić",
              "Stana Ekić", "Marko Ulić", "Pavel Kučera", "Mira Obradović", "Dana Dukić",
              "Vesna Vesić", "Luka Lukić", "Maja Majić", "Nina Ninić", "Miloš Milošević",
              "Rade Radić", "Vida Vidić", "Bora Borić", "Toma Tomić", "Kosta Kostić"]


def test_the_catalogues_texts_in_five_languages_keep_every_word():
    """The municipality's own sentences (every catalogue text) as a corpus: none is a name."""
    import json
    import re
    from pathlib import Path

    folder = Path(__file__).parents[2] / "functions/shared/civicdesk/rendering/catalogues"
    texts = [text for path in sorted(folder.glob("*.json"))
             for text in json.loads(path.read_text(encoding="utf-8")).values()
             if isinstance(text, str) and MARK not in text
             and not re.search(r"\d{4}-\d\d-\d\d", text)]  # a date's 8 digits are a number
    assert len(texts) > 1000
    changed = [text for text in texts if redact(text, MANY_NAMES) != text]
    assert changed == []
