"""Text in declared, mislabelled, unlabelled and unknown charsets, decoded as a reader expects.

Mail to a Serbian, Bulgarian or Czech municipality arrives in UTF-8, windows-1250/1251,
ISO-8859-2/5 and KOI8-R, and a fair share of it is labelled wrongly (``us-ascii`` or
``iso-8859-1`` on windows-125x bytes), not at all, or with a label no codec knows. The declared
label is trusted while the text it yields is plausible; otherwise ``charset-normalizer`` ranks the
candidates and a small scorer that knows the alphabets of our languages breaks its ties (it cannot
tell windows-1250 from ISO-8859-2, which differ only in a few letters such as ``š`` and ``ž``).

Chinese, Japanese and Korean mail is read as browsers and mail clients read it (the WHATWG
Encoding Standard): a GB2312 or GBK label is decoded as GB18030, Big5 as Big5-HKSCS, EUC-KR
(``ks_c_5601-1987``) as windows-949, Shift_JIS as windows-31J when it holds vendor characters,
and ISO-2022-JP with the NEC and IBM characters of windows-31J (``decode_iso2022_jp``), labelled
or recognised by its escape sequences. Unlabelled 8-bit text is also tried as GB18030, Big5,
Shift_JIS, EUC-JP and windows-949, scored by what those scripts' real text is made of (kana,
the common hanzi, kanji and hangul of each standard's first level).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .cjk import ISO2022_JP_VENDOR, cjk_score, decode_iso2022_jp

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
# Labels Python does not know, as the WHATWG Encoding Standard reads them.
_LABEL_ALIASES = {"x-gbk": "gb18030", "windows-936": "gb18030", "x-euc-cn": "gb18030",
                  "cn-gb": "gb18030", "csgb2312": "gb18030", "x-sjis": "cp932",
                  "windows-31j": "cp932", "csshiftjis": "cp932", "x-euc-jp": "euc_jp",
                  "cseucpkdfmtjapanese": "euc_jp", "windows-949": "cp949", "x-windows-949":
                  "cp949", "ks_c_5601": "cp949", "ksc_5601": "cp949", "csksc56011987": "cp949",
                  "x-x-big5": "big5hkscs", "cn-big5": "big5hkscs", "x-big5": "big5hkscs",
                  "csbig5": "big5hkscs"}
# Codecs a label's text is decoded with, the first that decodes it strictly: the WHATWG
# superset first where every mail client uses it, else the label's own codec first.
_DECODE_CHAINS = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",), "gb18030": ("gb18030",),
    "big5": ("big5hkscs", "cp950"), "big5hkscs": ("big5hkscs", "cp950"),
    "cp950": ("cp950", "big5hkscs"), "euc_kr": ("cp949",), "cp949": ("cp949",),
    "shift_jis": ("shift_jis", "cp932", "shift_jis_2004"), "cp932": ("cp932", "shift_jis_2004"),
    "shift_jis_2004": ("shift_jis_2004", "cp932"), "euc_jp": ("euc_jp", "euc_jis_2004"),
    "iso2022_jp": (ISO2022_JP_VENDOR,), "iso2022_jp_1": (ISO2022_JP_VENDOR,),
    "iso2022_jp_ext": (ISO2022_JP_VENDOR,), "iso2022_jp_2": ("iso2022_jp_2", ISO2022_JP_VENDOR),
    "iso2022_jp_3": ("iso2022_jp_3", ISO2022_JP_VENDOR),
    "iso2022_jp_2004": ("iso2022_jp_2004", ISO2022_JP_VENDOR),
}
#: CJK charsets unlabelled 8-bit text is also tried in (after ``CANDIDATES``).
CJK_CANDIDATES = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")
_ISO2022_JP_RE = re.compile(rb"\x1b(?:\$[@AB]|\$\([BCDOPQ]|\([IJ])")

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
    clean = _LABEL_ALIASES.get(clean, clean)
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
    >>> decode_text("路灯不亮".encode("gbk"), "gb2312"), decode_text(b"\\x1b$B-!\\x1b(B", None)
    ('路灯不亮', '①')
    """
    if not data:
        return ""
    notes = defects if defects is not None else []
    name = codec_name(label)
    multibyte = name is not None and name.replace("-", "_").startswith(_MULTIBYTE_PREFIXES)
    declared = str(label).strip().strip("\"'")[:40] if label is not None else None
    if not multibyte and data.isascii():
        if b"\x1b" in data and _ISO2022_JP_RE.search(data):
            if declared and declared.lower() not in ("", "unknown-8bit"):
                notes.append(f"{where} declared as {declared!r} is not; decoded as ISO-2022-JP")
            else:
                notes.append(f"{where}: text without a charset; decoded as ISO-2022-JP")
            return _strip_controls(decode_iso2022_jp(data))
        return _strip_controls(data.decode("ascii"))
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


def decode_header_bytes(data: bytes, hint: str | None = None) -> str:
    """Raw 8-bit header bytes as a mail client reads them: UTF-8, else the message's charset.

    ``hint`` is the charset of the message's text (Thunderbird and Zammad read unencoded
    headers in it); without one, or when the bytes are not valid in it, they are detected.
    Valid UTF-8 wins, except over a CJK hint when it reads as a jumble of scripts: a few
    GBK, Big5 or EUC-KR characters are valid UTF-8 by accident (路平 is ``·ƽ``).

    Examples
    --------
    >>> decode_header_bytes("山田 太郎".encode("cp932"), "shift_jis")
    '山田 太郎'
    >>> decode_header_bytes("Đurđa".encode("utf-8"), "shift_jis")
    'Đurđa'
    >>> decode_header_bytes("路平".encode("gbk"), "gb2312"), decode_header_bytes(
    ...     "路平".encode("gbk"))
    ('路平', '·ƽ')
    """
    name = codec_name(hint)
    if name is not None and name.replace("-", "_") in ("utf_8", "ascii"):
        name = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and (name is None or name.replace("-", "_") not in _DECODE_CHAINS
                             or data.isascii() or _clean_utf8(data) is not None):
        return _strip_controls(text)
    return decode_text(data, hint if name is not None else None)


def _decode_declared(data: bytes, name: str, multibyte: bool, declared: str | None,
                     notes: list[str], where: str) -> str | None:
    chain = _DECODE_CHAINS.get(name.replace("-", "_"))
    if chain:
        utf8 = _clean_utf8(data)
        if utf8 is not None:  # GBK, Big5 or EUC-KR bytes are almost never that
            notes.append(f"{where} declared as {declared!r} is not; decoded as UTF-8")
            return utf8
        for codec in chain:
            decoded = _strict(data, codec)
            if decoded is not None:
                return decoded
        return _undecodable(data, chain[0], declared, notes, where)
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
    alt_score, alt_bad = _plausibility(alternative[:_SAMPLE_BYTES], encoding)
    if text is None or (alt_bad < bad and alt_score > score):
        notes.append(f"{where} declared as {declared!r} is not; decoded as "
                     f"{_mime_name(encoding)}")
        return alternative
    return text


def _undecodable(data: bytes, codec: str, declared: str | None, notes: list[str],
                 where: str) -> str:
    """Text a CJK label does not fit: UTF-8 or a better-scoring charset, else with U+FFFD."""
    replaced = _strict(data, codec, "replace") or ""
    encoding, detected = _detect(data, exclude=None)
    if (encoding == "utf_8" and "\ufffd" not in detected) or (
            _plausibility(detected[:_SAMPLE_BYTES], encoding)[0]
            > _plausibility(replaced[:_SAMPLE_BYTES], codec)[0]):
        notes.append(f"{where} declared as {declared!r} is not; decoded as "
                     f"{_mime_name(encoding)}")
        return detected
    notes.append(f"{where}: not valid {declared}; undecodable bytes replaced")
    return replaced


def _clean_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 when it is valid UTF-8 of two or more letters of one script family
    (or of emoji and symbols only).

    A CJK label over such bytes is wrong: text in GBK, Big5 or EUC-KR is valid UTF-8 by
    accident for a few characters only, and then reads as a jumble of scripts.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Emoji and other symbols say nothing about the script (modern mailers put them anywhere),
    # but text of nothing else is UTF-8: GBK, Big5 and EUC-KR bytes do not read as emoji.
    sample = "".join(char for char in text[:_SAMPLE_BYTES]
                     if char <= "\uffff" and unicodedata.category(char) != "So")
    if not data.isascii() and sample.isascii():
        return text
    # Letters only: punctuation says nothing either, and GBK's bytes read as it by accident
    # ("路路" is ``c2 b7 c2 b7``, UTF-8 for "··").
    letters = sum(1 for char in sample if char > "\x7f" and char.isalpha())
    if letters < 2:
        return None
    if _score(sample)[1] == 0 or any(cjk_score(sample, family)[1] == 0
                                     for family in ("gb18030", "cp932", "cp949")):
        return text
    return None


def _strict(data: bytes, codec: str, errors: str = "strict") -> str | None:
    """``data`` in ``codec`` (ours for ISO-2022-JP); None when strict and it does not fit."""
    if codec == ISO2022_JP_VENDOR:
        return decode_iso2022_jp(data, strict=errors == "strict")
    try:
        return data.decode(codec, errors)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _detect(data: bytes, exclude: str | None) -> tuple[str, str]:
    """The most plausible candidate charset and the text it gives."""
    try:
        text = data.decode("utf-8")
        return "utf_8", text
    except UnicodeDecodeError:
        pass
    sample = data[:_SAMPLE_BYTES]
    cjk: dict[str, str] = {}
    for encoding in CJK_CANDIDATES:
        reading = _strict_prefix(sample, encoding, len(sample) < len(data))
        if reading is not None:
            cjk[encoding] = reading
    candidates = [c for c in CANDIDATES if c != "utf_8"] + list(cjk)
    ranked = [enc for enc in _normalizer_ranking(sample, candidates) if enc in candidates]
    ranked += [enc for enc in candidates if enc not in ranked]
    best: tuple[int, int, int, str] | None = None
    for rank, encoding in enumerate(ranked):
        if exclude and codecs.lookup(encoding).name == exclude:
            continue
        if encoding in cjk:
            # A tie goes to our own languages' charsets: short CJK runs are often accidents.
            key = (cjk_score(cjk[encoding], encoding)[0], 0, -rank)
        else:
            try:
                key = (_score(sample.decode(encoding))[0], 1, -rank)
            except UnicodeDecodeError:
                continue
        if best is None or key > best[:3]:
            best = (*key, encoding)
    if best is None:
        return "utf_8", data.decode("utf-8", "replace")
    return best[3], data.decode(best[3], "replace")


def _strict_prefix(sample: bytes, encoding: str, cut: bool) -> str | None:
    """``sample`` decoded strictly; a character cut off at the end of a cut sample is fine."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=not cut)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _normalizer_ranking(sample: bytes, candidates: list[str]) -> list[str]:
    """charset-normalizer's ranking of ``candidates`` for ``sample`` (best first)."""
    try:
        from charset_normalizer import from_bytes

        results = from_bytes(sample, cp_isolation=candidates)
        return [match.encoding for match in results]
    except Exception:  # noqa: BLE001 - a detector failure only loses its opinion
        return []


def _plausibility(text: str, encoding: str) -> tuple[int, int]:
    if encoding in CJK_CANDIDATES or encoding.replace("-", "_") in _DECODE_CHAINS:
        return cjk_score(text, encoding)
    return _score(text)


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
            "koi8_r": "KOI8-R", "gb18030": "GB18030", "big5hkscs": "Big5-HKSCS",
            "cp932": "Shift_JIS", "euc_jp": "EUC-JP", "cp949": "EUC-KR"}.get(encoding, encoding)


def unsurrogate(text: str, hint: str | None = None) -> str:
    """Text with the bytes the stdlib parser smuggled in as surrogates decoded properly.

    The bytes are read as ``decode_header_bytes`` reads them, ``hint`` being the charset of
    the message's text.

    Examples
    --------
    >>> unsurrogate("Ulica " + "Ђура".encode("utf-8").decode("ascii", "surrogateescape"))
    'Ulica Ђура'
    >>> unsurrogate("路灯".encode("gbk").decode("ascii", "surrogateescape"), "gb2312")
    '路灯'
    """
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    raw = text.encode("utf-8", "surrogateescape") if _only_low_surrogates(text) else None
    if raw is None:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")
    return decode_header_bytes(raw, hint)


def _only_low_surrogates(text: str) -> bool:
    return all(not ("\ud800" <= char < "\udc80" or "\udd00" <= char <= "\udfff")
               for char in text)
