"""The script of an SMS: what a municipality's ``SmsPolicy`` makes of a text (``sms_text``),
and the conversions to the GSM alphabet a caller may ask for (``to_gsm``, ``transliterate``).

Examples
--------
>>> to_gsm("Ваш предмет 2026-000123 је решен.", "ascii")
'Vas predmet 2026-000123 je resen.'
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from msgspec import Struct

from .sms import GSM7, GSM_BASIC, GSM_EXTENSION, encoding

# -- transliteration ---------------------------------------------------------------------------

_SERBIAN_CYRILLIC = dict(zip(
    "абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ",
    ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o",
     "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š",
     "A", "B", "V", "G", "D", "Đ", "E", "Ž", "Z", "I", "J", "K", "L", "Lj", "M", "N", "Nj", "O",
     "P", "R", "S", "T", "Ć", "U", "F", "H", "C", "Č", "Dž", "Š"], strict=False))

#: Typography the GSM alphabet lacks, replaced in both modes (nothing is lost but the look).
_PUNCTUATION = {
    "„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'", "‹": "'",
    "›": "'", "`": "'", "–": "-", "—": "-", "−": "-", "…": "...", "\u00a0": " ", "\u2009": " ",
    "\u202f": " ", "\u00ad": "", "\u200b": "", "№": "No",
}

#: Letters without a decomposition into a base letter and marks.
_ASCII_LETTERS = {"đ": "dj", "Đ": "Dj", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "Ae",
                  "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O", "ı": "i"}


def to_gsm(text: str, mode: str) -> str:
    """``text`` made cheaper to send, the way the municipality chose; call it only when it did.

    ``mode="latin"``
        Serbian Cyrillic becomes Serbian Latin (``Љ`` -> ``Lj``, ``LJ`` in capitals) and
        typographic quotes, dashes, the ellipsis and special spaces become their GSM
        equivalents. Nothing is lost, but ``č ć ž š đ`` are still not GSM-7: most Serbian
        sentences stay UCS-2, so this mode changes the script, rarely the price.
    ``mode="ascii"``
        Also strips diacritics to plain ASCII: ``Đ`` -> ``Dj``, ``č``/``ć`` -> ``c``,
        ``š`` -> ``s``, ``ž`` -> ``z`` (``dž`` -> ``dz``), Czech ``ř`` -> ``r``, ``ě`` -> ``e``.
        The text becomes GSM-7: a three-part SMS holds 459 characters instead of 201. The
        price: words become ambiguous (``kuca``: kuća or kuča), names are misspelt
        (``Djordjevic``), and official communication leaves the Cyrillic script that Serbian
        law puts first.

    Only Serbian is transliterated: a text with a Cyrillic letter that Serbian does not have
    (Bulgarian ``щ ъ ь ю я й``, Russian ``ы э ё``) keeps all its Cyrillic, so it stays UCS-2.
    Bulgarian has its own official transliteration (``ж`` -> ``zh``, ``ч`` -> ``ch``), which
    this is not; pass only Serbian texts.

    Examples
    --------
    >>> to_gsm("Љубазно: ЏЕП „Ђурђевак“ – улица Његошева", "latin")
    'Ljubazno: DŽEP "Đurđevak" - ulica Njegoševa'
    >>> to_gsm("Љубазно: ЏЕП „Ђурђевак“ – улица Његошева", "ascii")
    'Ljubazno: DZEP "Djurdjevak" - ulica Njegoseva'
    >>> to_gsm("Dobrý den, vaše hlášení č. 2026-000123 jsme přijali.", "ascii")
    'Dobry den, vase hlaseni c. 2026-000123 jsme prijali.'
    """
    if mode not in ("latin", "ascii"):
        raise ValueError(f"mode must be 'latin' or 'ascii', not {mode!r}")
    serbian = not any(_is_cyrillic(ch) and ch not in _SERBIAN_CYRILLIC for ch in text)
    out = []
    for index, ch in enumerate(text):
        latin = _SERBIAN_CYRILLIC.get(ch) if serbian else None
        if latin is None:
            latin = _PUNCTUATION.get(ch, ch)
        if mode == "ascii":
            latin = "".join(_ascii(c) for c in latin)
        if len(latin) > 1 and latin[0].isupper() and latin[1:].islower() \
                and _in_capitals(text, index):
            latin = latin.upper()
        out.append(latin)
    return "".join(out)


#: The Bulgarian official transliteration (Закон за транслитерацията, ДВ бр. 19/2009, art. 3):
#: ``щ`` -> ``sht``, ``ъ`` -> ``a``, ``ь`` -> ``y``; ``ия`` at the end of a word -> ``ia``, and
#: ``България`` -> ``Bulgaria`` (art. 4).
_BULGARIAN_CYRILLIC = {
    **dict(zip("абвгдежзийклмнопрстуфхцчшщъьюяѝ",
               ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y", "yu", "ya", "i"],
               strict=True)),
}
_BULGARIAN_CYRILLIC.update({upper.upper(): latin.capitalize()
                            for upper, latin in list(_BULGARIAN_CYRILLIC.items())})


_BULGARIA = re.compile(r"(?<!\w)(България|БЪЛГАРИЯ)(?!\w)")


class SmsScript(str, Enum):
    """The script of a municipality's SMS (``municipality.json`` ``sms.script``)."""

    NATIVE = "native"  # as the case's language writes it (Serbian Cyrillic stays Cyrillic)
    LATIN = "latin"  # Serbian and Bulgarian Cyrillic transliterated to the Latin script


class SmsPolicy(Struct, frozen=True):
    """How a municipality writes its SMS; the default changes nothing but typography that
    alone stands between a text and GSM-7.

    ``script=LATIN``: Serbian Cyrillic becomes Serbian Latin (the official Latin script, exact:
    ``Љ`` -> ``Lj``), Bulgarian the official Bulgarian transliteration (plain ASCII, so GSM-7).
    ``strip_diacritics``: letters GSM-7 lacks lose their marks (``č ć`` -> ``c``, ``š`` ->
    ``s``, ``ž`` -> ``z``, ``đ`` -> ``dj``, Czech ``ř ě ů`` -> ``r e u``), so that Serbian Latin
    and Czech go as GSM-7 (160/153 characters a part instead of 70/67). It is a separate,
    explicit choice: the words become ambiguous (``kuca``: kuća or kuča) and names misspelt.
    """

    script: SmsScript = SmsScript.NATIVE
    strip_diacritics: bool = False


#: What a municipality gets without an ``sms`` setting.
DEFAULT_SMS_POLICY = SmsPolicy()


def sms_text(text: str, language: str, policy: SmsPolicy = DEFAULT_SMS_POLICY) -> str:
    """``text`` as the municipality sends it (``policy``), in the cheapest encoding it allows.

    Typographic quotes, dashes, the ellipsis and special spaces become their GSM equivalents
    only when that makes the whole text GSM-7: in a text that is UCS-2 anyway they cost
    nothing, and stay.

    Examples
    --------
    >>> sms_text("Case 2026-000123 – “resolved”.", "en")
    'Case 2026-000123 - "resolved".'
    >>> sms_text("Општина Демо: Ваш предмет је заведен.", "sr-Cyrl")
    'Општина Демо: Ваш предмет је заведен.'
    >>> sms_text("Општина Демо: Ваш предмет је заведен.", "sr-Cyrl", SmsPolicy(SmsScript.LATIN))
    'Opština Demo: Vaš predmet je zaveden.'
    >>> sms_text("Општина Демо: Ваш предмет је заведен.", "sr-Cyrl", SmsPolicy(SmsScript.LATIN, True))
    'Opstina Demo: Vas predmet je zaveden.'
    >>> sms_text("Община Демо: Вашата преписка е регистрирана.", "bg", SmsPolicy(SmsScript.LATIN))
    'Obshtina Demo: Vashata prepiska e registrirana.'
    """
    if policy.script is SmsScript.LATIN:
        text = transliterate(text, language)
    if policy.strip_diacritics:
        text = "".join(ch if ch in GSM_BASIC or ch in GSM_EXTENSION else _ascii(ch) for ch in text)
    cheaper = "".join(_PUNCTUATION.get(ch, ch) for ch in text)
    return cheaper if encoding(cheaper) == GSM7 else text


def transliterate(text: str, language: str) -> str:
    """Cyrillic to Latin: Bulgarian (``language`` ``bg``) by the official Bulgarian
    transliteration, any other text by the Serbian one when all its Cyrillic letters are
    Serbian (else it stays as it is: a transliteration into the wrong language's letters
    would be wrong). Punctuation is left alone.

    Examples
    --------
    >>> transliterate("ЉУБА и Љуба, Џеп, Њива", "sr-Cyrl")
    'LJUBA i Ljuba, Džep, Njiva'
    >>> transliterate("България, София, ЩАСТИЕ, Жълт, щъркел", "bg")
    'Bulgaria, Sofia, SHTASTIE, Zhalt, shtarkel'
    >>> transliterate("Щом получите „отговор“", "sr-Cyrl")
    'Щом получите „отговор“'
    """
    if language == "bg":
        table = _BULGARIAN_CYRILLIC
        text = _BULGARIA.sub(lambda m: "BULGARIA" if m.group(0).isupper() else "Bulgaria", text)
    elif not any(_is_cyrillic(ch) and ch not in _SERBIAN_CYRILLIC for ch in text):
        table = _SERBIAN_CYRILLIC
    else:
        return text
    out = []
    for index, ch in enumerate(text):
        latin = table.get(ch)
        if latin is None:
            out.append(ch)
            continue
        if table is _BULGARIAN_CYRILLIC and ch in "яЯ" and index and text[index - 1] in "иИ" \
                and not (index + 1 < len(text) and text[index + 1].isalpha()):
            latin = "a" if ch == "я" else "A"  # -ия at the end of a word: България -> Bulgaria
        if len(latin) > 1 and latin[0].isupper() and latin[1:].islower() \
                and _in_capitals(text, index):
            latin = latin.upper()
        out.append(latin)
    return "".join(out)


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff" and ch.isalpha()


def _ascii(ch: str) -> str:
    if ch.isascii() or ch in GSM_EXTENSION:
        return ch
    if ch in _ASCII_LETTERS:
        return _ASCII_LETTERS[ch]
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base if base.isascii() and base else ch


def _in_capitals(text: str, index: int) -> bool:
    """Whether the letter at ``index`` belongs to a word written in capitals (so that ``Љ``
    becomes ``LJ`` in ``ЉУБА`` but ``Lj`` in ``Љуба`` and alone)."""
    after = text[index + 1] if index + 1 < len(text) else ""
    before = text[index - 1] if index else ""
    if after.isalpha():
        return after.isupper()
    return before.isalpha() and before.isupper()
