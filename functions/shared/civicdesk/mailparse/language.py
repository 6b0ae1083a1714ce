"""A best guess at the language of a citizen's text among CivicDesk's five.

The script decides between Cyrillic and Latin; then letters only one language uses (Serbian
ђ ј љ њ ћ џ against Bulgarian ъ щ ю я й ѝ; Czech ě ř ů ť ď ň and long vowels against Serbian
đ ć) and a few frequent words (which carry mail written without diacritics) decide the rest.
"""

from __future__ import annotations

import re

#: Fewer letters or words than this and no guess is made.
MIN_LETTERS = 12
MIN_WORDS = 3

_SAMPLE_CHARS = 5000
_WORD_RE = re.compile(r"[^\W\d_]+")

_SR_CYRL_LETTERS = frozenset("ђјљњћџЂЈЉЊЋЏ")
_BG_LETTERS = frozenset("ъщюяйѝЪЩЮЯЙ")
_CS_STRONG = frozenset("ěřůťďňĚŘŮŤĎŇ")
_CS_WEAK = frozenset("áéíóúýÁÉÍÓÚÝ")
_SR_LATN_LETTERS = frozenset("đćĐĆ")

_SR_CYRL_WORDS = frozenset(
    "је од да није што шта када где молим хвала поштовани ради већ сам смо сте су али или "
    "због јер бих ће ћу треба код ваш вас вам мене године улици поздрав поздравом".split())
_BG_WORDS = frozenset(
    "е това този тази като който която които ще съм сме сте от във със при моля "
    "благодаря здравейте уважаеми вече има няма нашата нашия много".split())
_SR_LATN_WORDS = frozenset(
    "da sam smo ste su nije molim hvala radi već vec poštovani postovani pozdrav pozdravom "
    "srdačan kako gde gdje kada što sto šta sta ali ili ovo zbog jer bih ću će ce cu treba "
    "kod sa vaš vas vam mene dana godine zgrade smeće smece struja odmah šaljem saljem "
    "prilogu prilog pogledajte poštovanje".split())
_CS_WORDS = frozenset(
    "v ve že ze jsem jsme jste jsou není neni prosím prosim děkuji dekuji dobrý dobry den "
    "nefunguje už uz také take který ktery která proto pro tady zde dnes včera vcera "
    "pozdravem bych bude byl byla máme mame".split())
_EN_WORDS = frozenset(
    "the and is are to of in please thank thanks you my not it for on this that with have "
    "has was street hello dear regards there been would could since broken".split())


def guess_language(text: str | None) -> str | None:
    """"sr-Cyrl", "sr-Latn", "bg", "cs" or "en", or None for too little text.

    Examples
    --------
    >>> guess_language("Улична расвета у Његошевој улици не ради већ три дана.")
    'sr-Cyrl'
    >>> guess_language("Уличното осветление на улица Шипка не работи от три дни.")
    'bg'
    >>> guess_language("Pouliční osvětlení v Křížové ulici nefunguje už tři dny.")
    'cs'
    >>> guess_language("Ulična rasveta u Njegoševoj ulici ne radi već tri dana.")
    'sr-Latn'
    >>> guess_language("The street light on Main Street has been broken for days.")
    'en'
    >>> guess_language("Hvala!") is None
    True
    """
    if not text:
        return None
    sample = text[:_SAMPLE_CHARS]
    words = [word.lower() for word in _WORD_RE.findall(sample)]
    if len(words) < MIN_WORDS:
        return None
    cyrillic = latin = 0
    for word in words:
        for char in word:
            if "\u0400" <= char <= "\u04ff":
                cyrillic += 1
            elif char.isascii() or "\u00c0" <= char <= "\u024f":
                latin += 1
    if cyrillic + latin < MIN_LETTERS:
        return None
    if cyrillic > latin:
        # The letters decide: no Bulgarian text has ђ ј љ њ ћ џ, no Serbian one ъ щ ю я й ѝ.
        serbian = 5 * _count(sample, _SR_CYRL_LETTERS) + 2 * _count_words(words, _SR_CYRL_WORDS)
        bulgarian = 5 * _count(sample, _BG_LETTERS) + 2 * _count_words(words, _BG_WORDS)
        return "bg" if bulgarian > serbian else "sr-Cyrl"
    czech = (3 * _count(sample, _CS_STRONG) + _count(sample, _CS_WEAK)
             + 2 * _count_words(words, _CS_WORDS))
    serbian = (3 * _count(sample, _SR_LATN_LETTERS) + 2 * sample.lower().count("dž")
               + 2 * _count_words(words, _SR_LATN_WORDS))
    english = 2 * _count_words(words, _EN_WORDS)
    best = max(czech, serbian, english)
    if best == 0 or english == best:
        return "en"
    # Czech is rarely written without its letters; Serbian Latin often is, so a tie is Serbian.
    return "sr-Latn" if serbian == best else "cs"


def _count(text: str, letters: frozenset[str]) -> int:
    return sum(1 for char in text if char in letters)


def _count_words(words: list[str], vocabulary: frozenset[str]) -> int:
    return sum(1 for word in words if word in vocabulary)
