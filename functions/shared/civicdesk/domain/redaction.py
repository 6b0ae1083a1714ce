"""Redaction of personal data from free text before anything is published.

E-mail addresses, phone numbers and national identity numbers (Serbian JMBG, Bulgarian EGN,
Czech birth number) are replaced by a neutral marker, and so are the names the caller knows (the
requester's). Conservative by design: a false positive hides a few digits, a false negative would
publish personal data.
"""

from __future__ import annotations

import re
from typing import Iterable

MARK = "[…]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Czech/Slovak birth number: YYMMDD/NNN(N), with or without the slash.
_CZ_BIRTH = re.compile(r"(?<!\d)\d{6}\s?/\s?\d{3,4}(?!\d)")
# JMBG is 13 digits, EGN 10 digits; any run of 9+ digits (optionally grouped) is treated as an
# identifier or phone number.
_LONG_DIGITS = re.compile(r"(?<!\w)\+?\d[\d\s\-./()]{7,}\d(?!\w)")


def redact(text: str, names: Iterable[str | None] = ()) -> str:
    """Remove e-mail addresses, phone numbers and identity numbers from ``text``, and each of
    ``names`` (people's names as they gave them): whole, and each of its words of three letters
    or more, in any letter case.

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
    """
    for name in names:
        words = {(name or "").strip(), *(w for w in (name or "").split() if len(w) >= 3)} - {""}
        for word in sorted(words, key=len, reverse=True):  # the whole name before its parts
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", MARK, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(MARK, text)
    text = _CZ_BIRTH.sub(MARK, text)

    def _digits(match: re.Match) -> str:
        digits = sum(ch.isdigit() for ch in match.group(0))
        return MARK if digits >= 8 else match.group(0)

    return _LONG_DIGITS.sub(_digits, text)
