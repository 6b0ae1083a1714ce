"""Finding a person's name in text in any form Serbian, Bulgarian and Czech give it.

A name is compared word by word on skeletons (``transliteration.skeleton``: either script, with
or without diacritics). A word is the name's part when its skeleton is the part's, or a stem of
the part followed by an ending these languages inflect names with:

- case endings: ``Petar`` -> ``Petra``, ``Petru``, ``Petre``, ``Petrom``; ``Đorđe`` ->
  ``Đorđa``, ``Đorđu``; ``Jan`` -> ``Jane``, ``Janovi``, ``Janem``; ``Иван`` -> ``Иване``;
- possessives and surnames made of a name, with their adjective endings: ``Petrovićev``,
  ``Jovanin``, ``Jovaninog``, ``Novákův``, ``Иванов``, ``Иванова``;
- feminine surnames: ``Nováková`` -> ``Novákové``, ``Novákovou``.

Conservative on both sides. A stem is the part without its final vowel (``Jovana`` ->
``Jovan``), and for ``Petar``, ``Pavel``, ``Marek`` also without the vowel that drops when they
inflect (``Petr``, ``Pavl``, ``Mark``). Stems shorter than ``MIN_STEM`` letters take no endings
(``Ana``, ``Ivo`` are found only as typed, in any script). A stem of exactly ``MIN_STEM``
letters takes only the case endings, only in a word that starts with a capital letter. Longer
stems take every ending in any letter case. No inflected form is one of ``COMMON_WORDS``
(``Dan``'s ``Dana`` stays "of the day", ``Ulić``'s ``ulica`` stays a street); a name that is
itself a common word (``Dana``, ``Vera``) is redacted only when it begins with a capital. Name parts shorter than
``MIN_PART`` letters are found only within the whole name.
"""

from __future__ import annotations

import re
from typing import Iterable

from msgspec import Struct

from .common_words import COMMON_WORDS
from .transliteration import skeleton, spelling

#: A word: letters only (a digit or a hyphen ends it, so ``Jovanović-Petrović`` is two words).
WORD = re.compile(r"[^\W\d_]+")
MIN_PART = 3
MIN_STEM = 3

_VOWELS = "aeiouy"
#: Endings of a noun's cases (Serbian, Czech; Bulgarian's vocative), in skeleton spelling.
_CASE_ENDINGS = frozenset({
    "a", "e", "i", "o", "u", "y", "om", "em", "ou", "ovi", "evi", "ove", "eve", "ama", "ima",
    "ach", "ech", "ami", "um", "ja", "je", "ju", "ji", "jom", "jem", "ice", "ici",
})
#: Possessive and patronymic suffixes, each with the adjective endings after it.
_DERIVATIONS = ("ov", "ev", "in", "uv", "ovo", "evo", "inov")
_ADJECTIVE_ENDINGS = ("", "a", "e", "i", "o", "u", "y", "om", "oj", "og", "oga", "omu", "im",
                      "ih", "ima", "ou", "eho", "emu", "ym", "ych", "ymi", "ich", "ym")
_LONG_ENDINGS = _CASE_ENDINGS | {d + e for d in _DERIVATIONS for e in _ADJECTIVE_ENDINGS} | {
    # adjective-type surnames (Novotný, Černá) and feminine ones (Nováková)
    "eho", "emu", "ym", "ych", "ymi", "oj", "og", "oga", "omu", "im", "ih"}
#: ``Petar``/``Pavel``/``Marek``/``Aleksandar``: the vowel before the last consonant drops.
_FLEETING = re.compile(r"(?<=[^aeiouy])[ae](?=[lrknc]$)")


class Part(Struct, frozen=True):
    """One word of a name (or of a street's name) and the stems its forms are made of."""

    skeleton: str
    stems: frozenset[str]

    @classmethod
    def of(cls, word: str) -> "Part":
        form = skeleton(word)
        stems = {form}
        if form[-1:] in tuple(_VOWELS):
            stems.add(form[:-1])
        if _FLEETING.search(form):
            stems.add(_FLEETING.sub("", form))
        return cls(form, frozenset(stem for stem in stems if len(stem) >= MIN_STEM))

    def matches(self, word: str, form: str | None = None, common: bool | None = None) -> bool:
        """Whether ``word`` (its skeleton ``form``; ``common``: it is one of ``COMMON_WORDS``)
        is this part in some form."""
        form = skeleton(word) if form is None else form
        common = spelling(word) in COMMON_WORDS if common is None else common
        if form == self.skeleton:
            return not common or word[:1].isupper()  # ``Dana`` the name, ``dana`` the days
        if common:
            return False
        for stem in self.stems:
            if len(form) <= len(stem) or not form.startswith(stem):
                continue
            ending = form[len(stem):]
            if len(stem) > MIN_STEM and ending in _LONG_ENDINGS:
                return True
            if len(stem) == MIN_STEM and ending in _CASE_ENDINGS and word[:1].isupper():
                return True
        return False


class NameFinder:
    """The words of a text that are one of the given names, in any form (module docstring).

    >>> finder = NameFinder(["Đorđe Petrović"])
    >>> text = "Đorđu Petroviću, Djordje, Dorde, Ђорђе, gospodine Petroviću, Petrovićev zahtev"
    >>> [text[a:b] for a, b in finder.spans(text)]
    ['Đorđu Petroviću', 'Djordje', 'Dorde', 'Ђорђе', 'Petroviću', 'Petrovićev']
    >>> NameFinder(["Dan Rus"]).spans("Od tog dana radimo.")
    []
    """

    def __init__(self, names: Iterable[str | None]):
        parts: dict[str, Part] = {}
        wholes = []
        for name in names:
            words = WORD.findall(name or "")
            if len(words) > 1:
                wholes.append(tuple(skeleton(w) for w in words))
            for word in words:
                form = skeleton(word)
                if len(form) >= MIN_PART and form not in parts:
                    parts[form] = Part.of(word)
        self._parts = tuple(parts.values())
        self._wholes = tuple(wholes)

    def __bool__(self) -> bool:
        return bool(self._parts or self._wholes)

    def _is_part(self, word: str) -> bool:
        form, common = skeleton(word), spelling(word) in COMMON_WORDS
        return any(part.matches(word, form, common) for part in self._parts)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the names are in ``text``: ``(start, end)`` in order, a whole name (words
        apart by spaces only) as one span."""
        if not self:
            return []
        words = list(WORD.finditer(text))
        hit = [self._is_part(match.group(0)) for match in words]
        forms = [skeleton(match.group(0)) for match in words] if self._wholes else []
        for whole in self._wholes:  # short parts (``Li``) only within the whole name
            size = len(whole)
            for index in range(len(words) - size + 1):
                if tuple(forms[index:index + size]) == whole:
                    hit[index:index + size] = [True] * size
        spans: list[tuple[int, int]] = []
        for match, found in zip(words, hit, strict=True):
            if not found:
                continue
            if spans and not text[spans[-1][1]:match.start()].strip():
                spans[-1] = (spans[-1][0], match.end())
            else:
                spans.append((match.start(), match.end()))
        return spans
