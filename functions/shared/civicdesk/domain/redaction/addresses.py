"""Finding street addresses in text: the case's own (in any script, letter case and inflected
form) and anything written the way addresses are written in Serbian, Bulgarian and Czech.

A street address is a street word (``ul.``, ``ulica``, ``Bulevar``, ``trg``, ``улица``, ``бул.``,
``ж.к.``, ``nám.``, ``třída``, ...) followed by the street's name (words starting with a capital
letter or ordinals such as ``27.``; lower-case words only when a house number follows, as in
``Bulevar oslobođenja 12``) and an optional house number (``12``, ``12a``, ``12/3``, ``bb``,
``br. 5``; Bulgarian ``бл. 4, вх. Б, ап. 12``). The street word stays, what follows it is the
address. A Czech ``č. p. 123`` is a house on its own.

The case's own address (``location.address``, the requester's postal address) is found by its
street part (before the first comma, street word and house number left out): every word of
the street's name in a row, each in any form (``names.Part``), with or without a house number
after them; a street of one word only with a house number after it (``Glavna`` alone is just
"main"). The town after the comma is not the requester's: it stays.
"""

from __future__ import annotations

import re
from typing import Iterable

from .names import WORD, Part
from .transliteration import skeleton

_STREET_WORDS = (
    # Serbian, Latin and Cyrillic (any case of the noun)
    r"ul\.", r"ulic[aeiu]", r"ulicom", r"bul\.", r"bulevar(?:a|u|om)?", r"trg(?:a|u|om)?",
    r"kej(?:a|u|om)?", r"sokak(?:a|u)?", r"ул\.", r"улиц[аеиу]", r"улицом", r"бул\.",
    r"булевар(?:а|у|ом|д|да|дът)?", r"трг(?:а|у|ом)?", r"кеј(?:а|у)?",
    # Bulgarian
    r"ж\.\s?к\.", r"жк", r"кв\.", r"квартал(?:а|ът)?", r"пл\.", r"площад(?:а|ът)?",
    # Czech
    r"ulice", r"ulici", r"ulicí", r"nám\.", r"náměstí", r"nábř\.", r"nábřeží", r"tř\.",
    r"třída", r"třídě", r"třídu", r"třídou", r"sídl\.", r"sídliště",
)
_STREET = re.compile(rf"(?<!\w)(?:{'|'.join(_STREET_WORDS)})(?!\w)", re.IGNORECASE)
_HOUSE = re.compile(
    r"\s*,?\s*(?:(?:br|бр|č|ч)\.\s*|(?:broj|број|číslo)\s+)?"
    r"(?:\d{1,4}[^\W\d_]?(?:\s?/\s?\d{1,4})?|bb|бб)(?!\w)"
    # Bulgarian block, entrance, floor, flat
    r"(?:\s*,?\s*(?:бл|вх|ет|ап)\.\s*[\w]{1,4}(?!\w))*",
    re.IGNORECASE)
_ORDINAL = re.compile(r"\d{1,2}\.")
_TOKEN = re.compile(r"\s+[„“\"«]?([^\W\d_]+\.?|\d{1,2}\.(?=\s+[^\W\d_]))[“”\"»]?")
_LOWER = re.compile(r"[^\W\d_]{3,}")
_HOUSE_ALONE = re.compile(r"(?<!\w)(?:č\.\s?p\.|čp\.|č\.\s?ev\.)\s*\d{1,5}(?!\w)", re.IGNORECASE)
#: Words in a street's name after the street word at most.
_NAME_WORDS = 5
#: Lower-case words in a row in a street's name (``kralja`` in ``ulica kralja Petra``).
_LOWER_WORDS = 2


def _street_name_end(text: str, start: int, capital: bool) -> int:
    """Where the street's name (and house number) after the street word ending at ``start``
    ends; ``start`` when there is none. ``capital``: the street word has a capital letter
    (``Bulevar oslobođenja``), so lower-case words may begin the name."""
    end = pos = start  # the name's end so far, and the end of lower-case words not yet kept
    lower = 0
    for _ in range(_NAME_WORDS):
        token = _TOKEN.match(text, pos)
        if token is None:
            break
        word = token.group(1)
        if word[:1].isupper() or _ORDINAL.fullmatch(word):
            pos = end = token.end()  # and the lower-case words before it are the name's
            lower = 0
        elif (capital or end > start) and lower < _LOWER_WORDS and _LOWER.fullmatch(word):
            pos = token.end()
            lower += 1
        else:
            break
    if pos > end:
        house = _HOUSE.match(text, pos)
        if house:
            return house.end()
    house = _HOUSE.match(text, end) if end > start else None
    return house.end() if house else end


def pattern_spans(text: str) -> list[tuple[int, int]]:
    """Street addresses written as addresses are (module docstring).

    >>> text = "Rupa u ul. Kneza Miloša 12 i na Bulevaru oslobođenja 5, ekipa je u ulici."
    >>> [text[a:b] for a, b in pattern_spans(text)]
    [' Kneza Miloša 12', ' oslobođenja 5']
    >>> text = "Сигнал за ж.к. Младост 1, бл. 12, вх. Б, и ул. „Граф Игнатиев“ 15"
    >>> [text[a:b] for a, b in pattern_spans(text)]
    [' Младост 1, бл. 12, вх. Б', ' „Граф Игнатиев“ 15']
    """
    spans = []
    for street in _STREET.finditer(text):
        end = _street_name_end(text, street.end(), not street.group(0).islower())
        if end > street.end():
            spans.append((street.end(), end))
    spans.extend(match.span() for match in _HOUSE_ALONE.finditer(text))
    return spans


class AddressFinder:
    """The case's own addresses in a text (module docstring).

    >>> finder = AddressFinder(["Вука Караџића 5, Београд"])
    >>> text = "Ulica Vuka Karadžića 7 i VUKA KARADZICA, u Beogradu"
    >>> [text[a:b] for a, b in finder.spans(text)]
    ['Vuka Karadžića 7', 'VUKA KARADZICA']
    >>> AddressFinder(["Glavna 3"]).spans("Glavna stvar je da je Glavna 3 popravljena.")
    [(22, 30)]
    """

    def __init__(self, addresses: Iterable[str | None]):
        streets = set()
        for address in addresses:
            street = (address or "").split(",")[0]
            street = _STREET.sub(" ", street)
            words = tuple(w for w in WORD.findall(street) if len(skeleton(w)) >= 2)
            if words:
                streets.add(words)
        self._streets = tuple(tuple(Part.of(w) for w in words) for words in streets)

    def spans(self, text: str) -> list[tuple[int, int]]:
        if not self._streets:
            return []
        words = list(WORD.finditer(text))
        spans = []
        for street in self._streets:
            size = len(street)
            for index in range(len(words) - size + 1):
                run = words[index:index + size]
                if any(text[a.end():b.start()].strip(" .") for a, b in zip(run, run[1:], strict=False)):
                    continue  # the words of a street's name stand together
                if not all(part.matches(match.group(0)) for part, match in zip(street, run, strict=True)):
                    continue
                house = _HOUSE.match(text, run[-1].end())
                if size == 1 and house is None:
                    continue
                spans.append((run[0].start(), house.end() if house else run[-1].end()))
        return spans
