"""Words as search sees them: one folded spelling per word, whatever the script or diacritics.

Serbian is written in Cyrillic and Latin, often without diacritics (``Đorđe``, ``Djordje``,
``Dorde``, ``Ђорђе``); Bulgarian Latin spells ``ж``, ``ч``, ``ш`` as ``zh``, ``ch``, ``sh``;
Czech mail drops its háčky. ``fold`` maps every such writing of a word to one key, and is
applied alike to what is indexed and to what staff type, so the variants find each other.
The folding loses distinctions (``ch`` and ``c`` meet), which costs a few extra candidates,
never a missed one; and it never changes a word's first letter, so a word's folded prefix is
the prefix of its folded form (search matches word prefixes).

Examples
--------
>>> {fold(w) for w in ("Đorđe", "Djordje", "Dorde", "Ђорђе", "DJORDJE")}
{'dorde'}
>>> fold("Београд") == fold("Beograd")
True
>>> fold("Čačak"), fold("Чачак"), fold("Cacak")
('cacak', 'cacak', 'cacak')
>>> fold("Жичка"), fold("Zhichka")
('zicka', 'zicka')
>>> words("Рупа на коловозу, Knez Mihailova 12!")
['rupa', 'na', 'kolovozu', 'knez', 'mihailova', '12']
"""

from __future__ import annotations

import re
import unicodedata

#: Cyrillic -> Latin: Serbian's official letters, then Bulgarian's and Russian's others (the
#: folded forms: ``ж`` is ``z`` because ``ž`` folds to ``z``).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "d", "е": "e", "ж": "z", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "c", "џ": "dz", "ш": "s",
    # Bulgarian, Russian, Ukrainian, Macedonian letters beside Serbian's
    "щ": "st", "ъ": "a", "ь": "", "ю": "ju", "я": "ja", "й": "j", "ы": "y", "э": "e", "ё": "e",
    "є": "je", "ї": "ji", "і": "i", "ґ": "g", "ѓ": "g", "ќ": "k", "ѕ": "dz",
}
#: Latin letters that no decomposition takes apart.
_LATIN = {"đ": "d", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
#: Two-letter spellings of one letter, as ASCII writers and Bulgarian Latin use them; each keeps
#: its first letter (so a typed prefix stays a prefix).
_DIGRAPHS = (("dj", "d"), ("zh", "z"), ("ch", "c"), ("sh", "s"))

_WORD = re.compile(r"[^\W_]+")

#: Words shorter than this are not indexed nor searched for (``na``, ``u`` find everything).
MIN_WORD = 2
#: The longest folded word kept (longer ones are cut: a prefix of them still matches).
MAX_WORD = 40


def fold(word: str) -> str:
    """The one spelling of ``word`` search compares: lower case, Latin script, no diacritics,
    ASCII digraphs of Serbian and Bulgarian letters as one letter."""
    text = word.casefold()
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    text = "".join(_LATIN.get(ch, ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` in order (repeats kept), each at least ``MIN_WORD`` long."""
    found = []
    for raw in _WORD.findall(text or ""):
        folded = fold(raw)[:MAX_WORD]
        if len(folded) >= MIN_WORD and folded.isalnum():
            found.append(folded)
    return found


def distinct_words(*texts: str | None, limit: int) -> list[str]:
    """The distinct folded words of ``texts``, in order of first appearance, at most ``limit``:
    what is indexed of a case (its requester's name, subject and address come first).

    Examples
    --------
    >>> distinct_words("Рупа", "рупа на путу", limit=3)
    ['rupa', 'na', 'putu']
    """
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            seen.setdefault(word, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def matches(terms: list[str], text_words: set[str] | list[str]) -> bool:
    """Whether every folded term is a prefix of one of ``text_words``.

    Examples
    --------
    >>> matches(["beogr", "knez"], words("Кнез Михаилова, Београд"))
    True
    >>> matches(["beogr", "nis"], words("Београд"))
    False
    """
    return all(any(word.startswith(term) for word in text_words) for term in terms)


# -- what a search query asks for -----------------------------------------------------------------

_FULL_NUMBER = re.compile(r"^#?(\d{4})-(\d{1,6})$")
_BARE_NUMBER = re.compile(r"^#?(\d{1,6})$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,24}$")


def number_forms(query: str, current_year: int, years: int = 5) -> list[str]:
    """The case numbers ``query`` may mean: ``2026-000123`` itself, ``2026-123`` padded, and a bare
    ``123`` or ``000123`` in each of the last ``years`` years, newest first.

    Examples
    --------
    >>> number_forms("2026-123", 2026)
    ['2026-000123']
    >>> number_forms("#000123", 2026, years=2)
    ['2026-000123', '2025-000123']
    >>> number_forms("Beograd", 2026)
    []
    """
    text = query.strip()
    full = _FULL_NUMBER.match(text)
    if full:
        return [f"{full.group(1)}-{int(full.group(2)):06d}"]
    bare = _BARE_NUMBER.match(text)
    if bare and int(bare.group(1)) > 0:
        return [f"{year}-{int(bare.group(1)):06d}" for year in range(current_year, current_year - years, -1)]
    return []


def looks_like_phone(query: str) -> bool:
    """Whether ``query`` is written like a phone number (digits with the usual separators, at
    least six digits).

    Examples
    --------
    >>> looks_like_phone("064 123 4567"), looks_like_phone("+381 (0)64 123-4567")
    (True, True)
    >>> looks_like_phone("2026-000123"), looks_like_phone("12345")
    (True, False)
    """
    text = query.strip()
    return bool(_PHONE.match(text)) and sum(ch.isdigit() for ch in text) >= 6


def looks_like_email(query: str) -> bool:
    """
    >>> looks_like_email("Ana@Example.rs"), looks_like_email("ana at example")
    (True, False)
    """
    text = query.strip()
    return "@" in text and " " not in text and "." in text.rsplit("@", 1)[-1]


#: How many of a phone number's last digits key its requester entries: the subscriber number
#: without the trunk prefix or country code, however it was written.
PHONE_KEY_DIGITS = 8


def phone_key(phone: str) -> str:
    """The last ``PHONE_KEY_DIGITS`` digits of a phone number as written: ``064 123 4567``,
    ``+381 64 123-4567`` and ``00381641234567`` share it, so a number a citizen typed on the
    public form (stored as typed) is found by its E.164 form. Numbers that merely end alike
    share it too: the cases found are checked against the whole number.

    >>> phone_key("064 123 4567") == phone_key("+381641234567") == phone_key("00381 64 1234567")
    True
    >>> phone_key("+381641234567")
    '41234567'
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-PHONE_KEY_DIGITS:]
