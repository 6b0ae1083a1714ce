"""One spelling for every way a word can be typed: the *skeleton* redaction compares.

Serbian is written in two scripts (Cyrillic is the default, Latin as common), and either is often
typed without diacritics (``Đorđe`` as ``Djordje`` or ``Dorde``); Bulgarian names reach Latin
text in the usual romanisation (``Живков`` as ``Zhivkov``). The skeleton of a word is its
lower-case Latin form without diacritics, with the digraphs that stand for one letter folded
(``dj``/``đ`` -> ``d``, ``zh`` -> ``z``, ``sh`` -> ``s``, ``ch`` -> ``c``, ``ts`` -> ``c``), so
that all of these meet:

>>> {skeleton(w) for w in ("Đorđe", "Djordje", "Dorde", "Ђорђе", "ĐORĐE")}
{'dorde'}
>>> {skeleton(w) for w in ("Petrović", "Петровић", "Petrovic", "Petrovich")}
{'petrovic'}
>>> skeleton("Љиљана"), skeleton("Ljiljana"), skeleton("Џавид"), skeleton("Dževid")
('ljiljana', 'ljiljana', 'zavid', 'zevid')
>>> skeleton("Живков"), skeleton("Zhivkov"), skeleton("Петър"), skeleton("Щерев")
('zivkov', 'zivkov', 'petar', 'sterev')
>>> skeleton("Nováková"), skeleton("Dvořák"), skeleton("Šťastný")
('novakova', 'dvorak', 'stastny')

Standard library only (``unicodedata``); the tables cover Serbian, Bulgarian (and the Russian
letters a name may carry) and every Latin diacritic by decomposition.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Cyrillic letters in Serbian Latin (Bulgarian's own letters as Serbian would spell them).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
    # Bulgarian and Russian
    "щ": "št", "ъ": "a", "ь": "", "ю": "ju", "я": "ja", "й": "j", "ѝ": "i", "ы": "y", "э": "e",
    "ё": "jo", "є": "je", "і": "i", "ї": "ji", "ґ": "g",
}
_TO_LATIN = str.maketrans({**_CYRILLIC, **{k.upper(): v.capitalize() for k, v in _CYRILLIC.items()}})

#: Letters that do not decompose into a base letter and a mark.
_UNDECOMPOSABLE = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
                                 "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})

#: Digraphs of one letter, folded to one (``dž`` is ``dz`` once the caron is gone, so ``Dževad``,
#: ``Dzevad`` and ``Џевад`` meet; ``lj`` and ``nj`` are the same two letters in every spelling).
_DIGRAPHS = (("dj", "d"), ("zh", "z"), ("sh", "s"), ("ch", "c"), ("ts", "c"), ("dz", "z"))


def to_latin(text: str) -> str:
    """``text`` with Cyrillic letters in (Serbian) Latin; everything else as it was.

    >>> to_latin("Улица Кнеза Милоша 12, Њиве")
    'Ulica Kneza Miloša 12, Njive'
    """
    return text.translate(_TO_LATIN)


@lru_cache(maxsize=8192)
def spelling(word: str) -> str:
    """Lower case in Latin script, diacritics kept: how ordinary words are told from names
    (``ulica`` is a street, ``Ulića`` the genitive of ``Ulić``).

    >>> spelling("Улица"), spelling("Ulića")
    ('ulica', 'ulića')
    """
    return to_latin(unicodedata.normalize("NFC", word).lower())


def fold(text: str) -> str:
    """Lower case, Latin script, no diacritics (the letters' base letters)."""
    latin = to_latin(unicodedata.normalize("NFC", text).lower()).translate(_UNDECOMPOSABLE)
    return "".join(ch for ch in unicodedata.normalize("NFD", latin)
                   if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def skeleton(word: str) -> str:
    """The spelling a word is compared by (module docstring)."""
    folded = fold(word)
    for digraph, letter in _DIGRAPHS:
        folded = folded.replace(digraph, letter)
    return folded
