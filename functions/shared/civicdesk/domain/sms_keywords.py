"""The keywords of the SMS channel (``STOP``, ``START``, ``HELP``) in the five languages and
plain ASCII, and the language a citizen's SMS is answered in (``docs/sms.md``, "Keywords")."""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Sequence


class Keyword(str, Enum):
    STOP = "stop"  # no more alerts, campaigns or notifications by SMS to this number
    START = "start"  # undo STOP
    HELP = "help"  # what this number is and how to stop


#: The words of each keyword, folded (``fold_keyword``), with the language each one says the
#: citizen writes in (``None``: the same in several languages).
KEYWORDS: dict[str, tuple[Keyword, str | None]] = {
    **{w: (Keyword.STOP, "en") for w in ("STOP ALL", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
                                         "QUIT", "OPTOUT", "OPT OUT", "REVOKE")},
    "STOP": (Keyword.STOP, None),
    **{w: (Keyword.STOP, "sr-Latn") for w in ("ODJAVA", "ODJAVI", "ODJAVI ME")},
    **{w: (Keyword.STOP, "sr-Cyrl") for w in ("ОДЈАВА", "ОДЈАВИ", "ОДЈАВИ МЕ")},
    "СТОП": (Keyword.STOP, None),
    **{w: (Keyword.STOP, "bg") for w in ("ОТПИСВАНЕ", "ОТПИШИ", "ОТПИШИ МЕ")},
    **{w: (Keyword.STOP, "cs") for w in ("ODHLASIT", "ODHLASENI", "KONEC", "ZRUSIT")},
    **{w: (Keyword.START, "en") for w in ("START", "UNSTOP", "SUBSCRIBE")},
    **{w: (Keyword.START, "sr-Latn") for w in ("PRIJAVA", "PRIJAVI", "PRIJAVI ME")},
    **{w: (Keyword.START, "sr-Cyrl") for w in ("ПРИЈАВА", "ПРИЈАВИ", "ПРИЈАВИ МЕ")},
    "СТАРТ": (Keyword.START, None),
    **{w: (Keyword.START, "bg") for w in ("АБОНИРАНЕ", "АБОНИРАЙ")},
    **{w: (Keyword.START, "cs") for w in ("PRIHLASIT", "PRIHLASENI")},
    **{w: (Keyword.HELP, "en") for w in ("HELP", "INFO")},
    **{w: (Keyword.HELP, "sr-Latn") for w in ("POMOC", "POMOCI")},
    "ПОМОЋ": (Keyword.HELP, "sr-Cyrl"),
    "ПОМОЩ": (Keyword.HELP, "bg"),
    **{w: (Keyword.HELP, "cs") for w in ("NAPOVEDA",)},
}
#: ``POMOC`` is Serbian Latin (``pomoć``) and Czech (``pomoc``) alike.
_SHARED_LATIN = {"POMOC": ("sr-Latn", "cs")}


def fold_keyword(text: str) -> str:
    """``text`` as keywords are compared: upper case, Latin diacritics gone (``odhlásit`` ->
    ``ODHLASIT``, ``pomoć`` -> ``POMOC``), Cyrillic kept, punctuation around and inside
    dropped, spaces collapsed.

    Examples
    --------
    >>> fold_keyword("  Odhlásit! "), fold_keyword("стоп."), fold_keyword("Stop  all")
    ('ODHLASIT', 'СТОП', 'STOP ALL')
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.strip()):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue  # a Latin letter's diacritic; Cyrillic Й and Ё keep theirs
        out.append(ch)
    folded = unicodedata.normalize("NFC", "".join(out)).upper().replace("Đ", "D")
    folded = re.sub(r"[^\w ]", "", folded)
    return " ".join(folded.split())


def keyword_of(body: str, languages: Sequence[str], default_language: str
               ) -> tuple[Keyword, str] | None:
    """The keyword the whole of ``body`` is, and the language to answer it in (the keyword's,
    when the municipality offers it, else its default); ``None`` when it is no keyword.

    Examples
    --------
    >>> keyword_of("Odjava", ("sr-Cyrl", "sr-Latn", "en"), "sr-Cyrl")
    (<Keyword.STOP: 'stop'>, 'sr-Latn')
    >>> keyword_of("STOP", ("sr-Cyrl", "en"), "sr-Cyrl")
    (<Keyword.STOP: 'stop'>, 'sr-Cyrl')
    >>> keyword_of("stop the works in my street", ("en",), "en") is None
    True
    """
    folded = fold_keyword(body)
    found = KEYWORDS.get(folded)
    if found is None:
        return None
    keyword, language = found
    if language is None:  # STOP, СТОП, СТАРТ: the script says what it can
        if folded.isascii() or default_language in ("sr-Cyrl", "bg"):
            return keyword, default_language
        return keyword, next((lang for lang in ("sr-Cyrl", "bg") if lang in languages),
                             default_language)
    for candidate in _SHARED_LATIN.get(folded, (language,)):
        if candidate in languages:
            return keyword, candidate
    return keyword, default_language


def language_of(text: str, languages: Sequence[str], default_language: str) -> str:
    """The language a citizen's SMS is answered in: Serbian Cyrillic for Cyrillic text where
    the municipality speaks Serbian, Czech for Czech letters, Serbian Latin for its own; else
    the municipality's default.

    Examples
    --------
    >>> langs = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
    >>> language_of("Рупа на путу", langs, "sr-Latn"), language_of("Díra v silnici ř", langs, "sr-Cyrl")
    ('sr-Cyrl', 'cs')
    >>> language_of("Rupa kod škole, đubre", langs, "sr-Cyrl"), language_of("hello", langs, "bg")
    ('sr-Latn', 'bg')
    """
    def offered(language: str) -> bool:
        return language in languages

    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        if any(ch in "ЂЋЉЊЏђћљњџЈј" for ch in text) and offered("sr-Cyrl"):
            return "sr-Cyrl"
        if any(ch in "ЪъЩщЮюЯяЬь" for ch in text) and offered("bg"):
            return "bg"
        if default_language in ("sr-Cyrl", "bg"):
            return default_language
        return "sr-Cyrl" if offered("sr-Cyrl") else "bg" if offered("bg") else default_language
    if any(ch in "řŘěĚůŮ" for ch in text) and offered("cs"):
        return "cs"
    if any(ch in "đĐćĆ" for ch in text) and offered("sr-Latn"):
        return "sr-Latn"
    return default_language
