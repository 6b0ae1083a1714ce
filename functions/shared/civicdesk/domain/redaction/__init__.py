"""Redaction of personal data from free text before strangers read it.

E-mail addresses, phone numbers and national identity numbers (Serbian JMBG, Bulgarian EGN,
Czech birth number) are replaced by a neutral marker; so are the names the caller knows (the
requester's) in any script, spelling and inflected form (``names``), the case's own addresses
and anything written as a street address (``addresses``). Conservative by design: a false
positive hides a word or a few digits, a false negative would publish personal data; the
bounds that keep ordinary words out are in ``names`` and ``addresses``.

Pure standard library (``docs/decisions.md``, 2026-12-01: no morphology library).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

from .addresses import AddressFinder, pattern_spans
from .names import NameFinder

MARK = "[…]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Czech/Slovak birth number: YYMMDD/NNN(N), with or without the slash.
_CZ_BIRTH = re.compile(r"(?<!\d)\d{6}\s?/\s?\d{3,4}(?!\d)")
# JMBG is 13 digits, EGN 10 digits; any run of 9+ digits (optionally grouped) is treated as an
# identifier or phone number.
_LONG_DIGITS = re.compile(r"(?<!\w)\+?\d[\d\s\-./()]{7,}\d(?!\w)")


def redact(text: str, names: Iterable[str | None] = (),
           addresses: Iterable[str | None] = ()) -> str:
    """Remove e-mail addresses, phone numbers and identity numbers from ``text``; each of
    ``names`` (people's names as they gave them) in any form; each of ``addresses`` (the case's
    own) and street addresses generally. Words of a name or an address next to each other
    become one marker.

    Examples
    --------
    >>> redact("Pišite na ana@primer.rs ili 064/123-4567, JMBG 0101990710006.")
    'Pišite na […] ili […], JMBG […].'
    >>> redact("Rodné číslo 850101/1234")
    'Rodné číslo […]'
    >>> redact("Lampa broj 12 ne radi od 3. novembra")
    'Lampa broj 12 ne radi od 3. novembra'
    >>> redact("Poštovani Petar Petrović, gospodine PETROVIĆ, ekipa dolazi.", ["Petar Petrović"])
    'Poštovani […], gospodine […], ekipa dolazi.'
    >>> redact("Поштовани Петре, екипа долази у Улицу Кнеза Милоша 12.", ["Petar Jović"])
    'Поштовани […], екипа долази у Улицу […].'
    """
    text = _EMAIL.sub(MARK, text)
    text = _CZ_BIRTH.sub(MARK, text)

    def _digits(match: re.Match) -> str:
        digits = sum(ch.isdigit() for ch in match.group(0))
        return MARK if digits >= 8 else match.group(0)

    text = _LONG_DIGITS.sub(_digits, text)
    spans = (_names(tuple(names)).spans(text) + _addresses(tuple(addresses)).spans(text)
             + pattern_spans(text))
    return _replace(text, spans)


def personal_data(case: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names and addresses of a case (``domain.cases.Case``) that ``redact`` removes for
    strangers: the requester's name, the case's location and the requester's postal address."""
    contact, location = case.contact, case.location
    names = tuple(n for n in (contact.name if contact else None,) if n)
    addresses = tuple(a for a in (location.address if location else None,
                                  contact.address if contact else None) if a)
    return names, addresses


def names_person(text: str | None, names: Iterable[str | None]) -> bool:
    """Whether ``text`` names one of ``names`` in any of the forms ``redact`` removes (what
    staff are warned of before they publish)."""
    return bool(text) and bool(_names(tuple(names)).spans(text or ""))


@lru_cache(maxsize=256)
def _names(names: tuple[str | None, ...]) -> NameFinder:
    """The finder of ``names`` (a page redacts every entry with the same names)."""
    return NameFinder(names)


@lru_cache(maxsize=256)
def _addresses(addresses: tuple[str | None, ...]) -> AddressFinder:
    return AddressFinder(addresses)


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every span (overlapping, or apart by white space only: one) a ``MARK``;
    the white space a span begins with stays."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        while start < end and text[start].isspace():
            start += 1
        if start >= end:
            continue
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, last = [], 0
    for start, end in merged:
        pieces += [text[last:start], MARK]
        last = end
    return "".join(pieces) + text[last:]
