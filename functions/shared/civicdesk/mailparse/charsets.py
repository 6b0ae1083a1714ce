"""Text in declared, mislabelled, unlabelled and unknown charsets, decoded as a reader expects.

Mail to a Serbian, Bulgarian or Czech municipality arrives in UTF-8, windows-1250/1251,
ISO-8859-2/5 and KOI8-R, and a fair share of it is labelled wrongly (``us-ascii`` or
``iso-8859-1`` on windows-125x bytes), not at all, or with a label no codec knows. The declared
label is trusted while the text it yields is plausible; otherwise ``charset-normalizer`` ranks the
candidates and a small scorer that knows the alphabets of our languages breaks its ties (it cannot
tell windows-1250 from ISO-8859-2, which differ only in a few letters such as ``š`` and ``ž``).
"""

from __future__ import annotations

import codecs
import re

#: Charsets tried when a label is missing, unknown or wrong, in order of likelihood.
CANDIDATES = ("utf_8", "cp1250", "cp1251", "iso8859_2", "koi8_r", "iso8859_5", "cp1252")

#: How much of a long text the plausibility checks look at.
_SAMPLE_BYTES = 32 * 1024

# Multi-byte or stateful charsets: trusted when they decode strictly, never guessed.
_MULTIBYTE_PREFIXES = ("utf_16", "utf_32", "utf_7", "big5", "gb", "hz", "euc", "iso2022",
                       "shift_jis", "cp932", "cp949", "cp950", "johab", "ks_c", "cp936")
# Codecs that accept bytes but are not mail charsets.
_NOT_CHARSETS = frozenset({"unicode_escape", "raw_unicode_escape", "idna", "punycode",
                           "undefined", "mbcs", "oem", "charmap"})
_UNKNOWN_LABELS = frozenset({"", "unknown", "unknown-8bit", "x-unknown", "8bit", "default",
                             "x-user-defined", "charset", "none", "null", "auto"})
_WINDOWS_RE = re.compile(r"^(?:x-)?(?:cp|win|windows|ms)[-_ ]?(12[5][0-8]|874|866|437|850|852)$")
_ISO_RE = re.compile(r"^(?:x-)?iso[-_ ]?8859[-_ ]?(\d{1,2})(?:-[ie])?$")

_CYRILLIC_LOWER = "абвгдђежзийклљмнњопрстћуфхцчџшщъыьэюяѐёєѕіїјўѝґ"
_LATIN_LOWER = "čćđšžěřůťďňáéíóúýôäöüß"
_EXPECTED_LOWER = frozenset(_CYRILLIC_LOWER + _LATIN_LOWER)
_EXPECTED_UPPER = frozenset((_CYRILLIC_LOWER + _LATIN_LOWER).upper()) - {"SS"}
_NEUTRAL = frozenset("àâçëêïîûñÀÂÇËÊÏÎÛÑ„“”‘’‚«»–—…€°§·•×÷©®™№\u00a0\u00ad\u2009\u200b"
                     "\u202f\ufeff")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]|[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CASE_FLIP_RE = re.compile(r"[а-яђ-џ][А-ЯЂ-Џ]")


def codec_name(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when no usable codec has that name.

    Examples
    --------
    >>> codec_name("Windows-1251"), codec_name('"ISO-8859-2"'), codec_name("win-1250")
    ('cp1251', 'iso8859-2', 'cp1250')
    >>> codec_name("x-unknown") is None, codec_name("windows-1251x") is None
    (True, True)
    """
    if label is None:
        return None
    clean = str(label).strip().strip("\"'").strip().lower()
    if clean in _UNKNOWN_LABELS or len(clean) > 40:
        return None
    windows = _WINDOWS_RE.match(clean)
    if windows:
        clean = "cp" + windows.group(1)
    iso = _ISO_RE.match(clean)
    if iso:
        clean = "iso8859-" + iso.group(1)
    try:
        name = codecs.lookup(clean).name
        b"".decode(name)  # refuses bytes-to-bytes codecs such as base64 or zlib
    except (LookupError, ValueError, TypeError):
        return None
    if name.replace("-", "_") in _NOT_CHARSETS:
        return None
    return name


def decode_text(data: bytes, label: str | None = None, defects: list[str] | None = None,
                where: str = "text") -> str:
    """Decode ``data`` declared as ``label``; never raises, never returns lone surrogates.

    Parameters
    ----------
    data
        The bytes, after any transfer encoding has been undone.
    label
        The declared charset, or None when there was none.
    defects
        A list the notes about bad or missing labels are appended to.
    where
        Names the text in those notes ("subject", "part 1.2", ...).

    Examples
    --------
    >>> decode_text("Поштовани".encode("cp1251"), "windows-1251")
    'Поштовани'
    >>> notes = []
    >>> decode_text("Děkuji, Jiří Černý".encode("cp1250"), "us-ascii", notes)
    'Děkuji, Jiří Černý'
    >>> notes
    ["text declared as 'us-ascii' is not; decoded as windows-1250"]
    """
    if not data:
        return ""
    notes = defects if defects is not None else []
    name = codec_name(label)
    multibyte = name is not None and name.replace("-", "_").startswith(_MULTIBYTE_PREFIXES)
    if not multibyte and data.isascii():
        return _strip_controls(data.decode("ascii"))
    declared = str(label).strip().strip("\"'")[:40] if label is not None else None
    if declared and name is None and declared.lower() not in ("", "unknown-8bit"):
        notes.append(f"{where}: unknown charset {declared!r}; detected instead")
    if name is not None:
        text = _decode_declared(data, name, multibyte, declared, notes, where)
        if text is not None:
            return _strip_controls(text)
    encoding, text = _detect(data, exclude=None)
    if name is None:
        notes.append(f"{where}: 8-bit text without a usable charset; decoded as "
                     f"{_mime_name(encoding)}")
    return _strip_controls(text)


def _decode_declared(data: bytes, name: str, multibyte: bool, declared: str | None,
                     notes: list[str], where: str) -> str | None:
    try:
        text = data.decode(name)
    except (UnicodeDecodeError, LookupError, ValueError):
        text = None
    if multibyte or name == "utf-8":
        if text is None:
            notes.append(f"{where}: not valid {declared}; detected instead")
        return text
    sample = text[:_SAMPLE_BYTES] if text is not None else None
    score, bad = _score(sample) if sample is not None else (0, 1)
    if bad == 0:
        return text
    encoding, alternative = _detect(data, exclude=name)
    alt_score, alt_bad = _score(alternative[:_SAMPLE_BYTES])
    if text is None or (alt_bad < bad and alt_score > score):
        prefix = "text" if where == "text" else where
        notes.append(f"{prefix} declared as {declared!r} is not; decoded as {_mime_name(encoding)}")
        return alternative
    return text


def _detect(data: bytes, exclude: str | None) -> tuple[str, str]:
    """The most plausible candidate charset and the text it gives."""
    try:
        text = data.decode("utf-8")
        return "utf_8", text
    except UnicodeDecodeError:
        pass
    sample = data[:_SAMPLE_BYTES]
    ranked = [enc for enc in _normalizer_ranking(sample) if enc in CANDIDATES]
    ranked += [enc for enc in CANDIDATES if enc not in ranked]
    best: tuple[int, int, str] | None = None
    for rank, encoding in enumerate(ranked):
        if encoding == "utf_8" or (exclude and codecs.lookup(encoding).name == exclude):
            continue
        try:
            score, bad = _score(sample.decode(encoding))
        except UnicodeDecodeError:
            continue
        key = (score, -rank)
        if best is None or key > best[:2]:
            best = (score, -rank, encoding)
    if best is None:
        return "utf_8", data.decode("utf-8", "replace")
    return best[2], data.decode(best[2], "replace")


def _normalizer_ranking(sample: bytes) -> list[str]:
    """charset-normalizer's ranking of our candidates for ``sample`` (best first)."""
    try:
        from charset_normalizer import from_bytes

        results = from_bytes(sample, cp_isolation=[c for c in CANDIDATES if c != "utf_8"])
        return [match.encoding for match in results]
    except Exception:  # noqa: BLE001 - a detector failure only loses its opinion
        return []


def _score(text: str) -> tuple[int, int]:
    """How much ``text`` looks like Serbian, Bulgarian, Czech or English: (score, bad chars)."""
    score = bad = 0
    for match in _NON_ASCII_RE.finditer(text):
        char = match.group()
        if char in _EXPECTED_LOWER:
            score += 2
        elif char in _EXPECTED_UPPER:
            score += 1
        elif char in _NEUTRAL:
            continue
        elif char < "\xa0" or char == "\ufffd":
            score -= 5
            bad += 1
        elif char.isalpha():
            score -= 2
            bad += 1
        else:
            score -= 1
            bad += 1
    flips = len(_CASE_FLIP_RE.findall(text))
    return score - 3 * flips, bad + flips


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _strip_controls(text: str) -> str:
    return _CONTROL_RE.sub("", text) if _CONTROL_RE.search(text) else text


def _mime_name(encoding: str) -> str:
    return {"utf_8": "UTF-8", "cp1250": "windows-1250", "cp1251": "windows-1251",
            "cp1252": "windows-1252", "iso8859_2": "ISO-8859-2", "iso8859_5": "ISO-8859-5",
            "koi8_r": "KOI8-R"}.get(encoding, encoding)


def unsurrogate(text: str) -> str:
    """Text with the bytes the stdlib parser smuggled in as surrogates decoded properly.

    Examples
    --------
    >>> unsurrogate("Ulica " + "Ђура".encode("utf-8").decode("ascii", "surrogateescape"))
    'Ulica Ђура'
    """
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    raw = text.encode("utf-8", "surrogateescape") if _only_low_surrogates(text) else None
    if raw is None:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")
    return decode_text(raw, None)


def _only_low_surrogates(text: str) -> bool:
    return all(not ("\ud800" <= char < "\udc80" or "\udd00" <= char <= "\udfff")
               for char in text)
