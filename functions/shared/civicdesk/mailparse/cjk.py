"""Chinese, Japanese and Korean text: how plausible a reading is, and ISO-2022-JP as sent.

``charsets`` decodes; this module tells it which CJK reading of unlabelled 8-bit bytes is
real text (``cjk_score``) and reads the ISO-2022-JP that Japanese mailers on Windows send,
vendor characters included (``decode_iso2022_jp``), which no Python codec does.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: The name ``charsets`` uses for ``decode_iso2022_jp`` in its decoding chains.
ISO2022_JP_VENDOR = "iso2022_jp_vendor"

# The first level of each standard holds its script's common characters: GB2312 rows 16-55,
# Big5 A440-C67E, JIS X 0208 rows 16-47, the 2,350 hangul of KS X 1001.
_COMMON_LEVEL = {"gb18030": ("gb2312", 0xB0, 0xD7), "big5hkscs": ("big5", 0xA4, 0xC6),
                 "cp932": ("shift_jis", 0x88, 0x98), "euc_jp": ("shift_jis", 0x88, 0x98)}
_JAPANESE = frozenset({"cp932", "euc_jp", "shift_jis", "shift_jis_2004", "euc_jis_2004",
                       ISO2022_JP_VENDOR, "iso2022_jp", "iso2022_jp_2"})
_KOREAN = frozenset({"cp949", "euc_kr"})
# Data table: the most frequent characters of Chinese (simplified and traditional) and
# Korean text, surnames included, which text read in the wrong CJK charset rarely gives.
_FREQUENT_HANZI = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年"
    "过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心"
    "本前开但因只从想实您请问题路灯街区市政府投诉坏修已谢號們個這來說時會對過發後裡於為與問"
    "題請燈壞謝王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江劉陳楊黃趙吳孫馬鄭")
_FREQUENT_HANGUL = frozenset(
    "이다는의에을를하고가지한서기로사도어일리자나시대인수아정들적전제게해요니습장등주우있없으"
    "면만것거보구부여원동상세소생성경국미공비실내안점결과위화방회계할합했된께드립님감신청문김박"
    "최강조윤임오권황송류홍고양손배백허남심노곽차민진엄채천현변염추석선설길연표명왕금옥육")


@lru_cache(maxsize=16384)
def _cjk_weight(char: str, encoding: str) -> tuple[int, int]:
    """What one character says for text read in ``encoding``: (score, 1 if implausible)."""
    code = ord(char)
    if 0x3041 <= code <= 0x30FF:  # kana: Japanese text is full of it
        return (3, 0) if encoding in _JAPANESE else (-2, 1)
    if 0xAC00 <= code <= 0xD7A3:  # hangul syllables
        if encoding not in _KOREAN:
            return -2, 1
        if char in _FREQUENT_HANGUL:
            return 4, 0
        return (3, 0) if len(char.encode("euc_kr")) == 2 else (-1, 1)
    if 0x4E00 <= code <= 0x9FFF:
        if encoding in _KOREAN:
            return -1, 0  # hanja: rare in modern Korean
        if encoding not in _JAPANESE and char in _FREQUENT_HANZI:
            return 4, 0
        table, low, high = _COMMON_LEVEL.get(encoding, ("shift_jis", 0x88, 0x98))
        try:
            return (3, 0) if low <= char.encode(table)[0] <= high else (0, 0)
        except UnicodeEncodeError:
            return -1, 1
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return 1, 0  # CJK punctuation, full-width forms
    if 0xFF61 <= code <= 0xFF9F:  # half-width katakana
        return (0, 0) if encoding in _JAPANESE else (-2, 1)
    if code < 0xA0 or 0xE000 <= code <= 0xF8FF or code == 0xFFFD or code > 0xFFFF:
        return -5, 1
    return -2, 1


def cjk_score(text: str, encoding: str) -> tuple[int, int]:
    """How much ``text`` looks like Chinese, Japanese or Korean read in ``encoding``.

    A character glued to a Latin letter counts against: that is how a Czech ``Š`` or ``Ž``
    followed by a letter reads in Shift_JIS.

    Examples
    --------
    >>> cjk_score("路灯不亮", "gb18030")[0] > cjk_score("Šimek".encode("cp1250").decode(
    ...     "cp932"), "cp932")[0]
    True
    """
    score = bad = 0
    previous = ""
    for index, char in enumerate(text):
        if char.isascii():
            previous = char
            continue
        weight, implausible = _cjk_weight(char, encoding)
        following = text[index + 1:index + 2]
        if (previous.isascii() and previous.isalpha()) or (
                following.isascii() and following.isalpha()):
            weight -= 3
        score += weight
        bad += implausible
        previous = char
    return score, bad


def decode_iso2022_jp(data: bytes, strict: bool = False) -> str:
    """ISO-2022-JP with the NEC and IBM characters of windows-31J (like Microsoft's CP50220).

    Python's ISO-2022-JP codecs refuse those characters (①, ㈱, Ⅰ, 髙), which Japanese
    mailers on Windows send in ISO-2022-JP. JIS X 0208 is read with its standard mapping,
    what it lacks through windows-31J; JIS X 0212 and half-width katakana (``ESC ( I``, SO/SI
    and 8-bit) are read too. Text with the escape sequences of ISO-2022-JP-2 or JIS X 0213
    is left to Python's codecs for those. With ``strict``, None (typed as str) is returned
    when no reading fits every byte; otherwise what does not fit becomes U+FFFD.

    Examples
    --------
    >>> decode_iso2022_jp(b"\\x1b$B-!-j\\x1b(B 1\\x1b$B9f4[\\x1b(B")
    '①㈱ 1号館'
    >>> decode_iso2022_jp(b"\\x1b$(Q-!\\x1b(B"), decode_iso2022_jp(b"\\x1b$ZHello", strict=True)
    ('①', None)
    """
    try:
        return data.decode("iso2022_jp")  # the common case, at the C codec's speed
    except UnicodeDecodeError:
        pass
    text = _iso2022_jp(data, strict=True)
    if text is not None:
        return text
    for codec in ("iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None if strict else _iso2022_jp(data, strict=False)  # type: ignore[return-value]


_ESCAPE_RE = re.compile(rb"\x1b(?:\([BJHI]|\$[@B]|\$\([BD]|&@)")
_MODES = {b"\x1b(B": "ascii", b"\x1b(J": "roman", b"\x1b(H": "roman", b"\x1b(I": "kana",
          b"\x1b$@": "jis0208", b"\x1b$B": "jis0208", b"\x1b$(B": "jis0208",
          b"\x1b$(D": "jis0212"}
_PAIRS_RE = re.compile(rb"(?:[\x21-\x7e][\x21-\x7e])+")
_SHIFT_RE = re.compile(rb"([\x0e\x0f])")
_SPACE = frozenset(b" \t\r\n")
_TO_EUC = bytes.maketrans(bytes(range(0x21, 0x7F)), bytes(range(0xA1, 0xFF)))
# One-byte modes, on the text decoded as Latin-1: JIS-Roman's yen and overline, half-width
# katakana (ESC ( I, SO/SI, and 8-bit bytes A1-DF as CP50222 sends them); other 8-bit bytes
# and stray escapes are not ISO-2022-JP.
_ROMAN = {0x5C: 0xA5, 0x7E: 0x203E}
_KANA = {byte: 0xFF61 + byte - 0x21 for byte in range(0x21, 0x60)}
_EIGHT_BIT = {byte: (0xFF61 + byte - 0xA1 if 0xA1 <= byte <= 0xDF else 0xFFFD)
              for byte in range(0x80, 0x100)} | {0x1B: 0xFFFD}
_NOT_ONE_BYTE_RE = re.compile(r"[\x1b\x80-\xa0\xe0-\xff]")


def _iso2022_jp(data: bytes, strict: bool) -> str | None:
    pieces: list[tuple[bytes, str]] = []
    mode, position = "ascii", 0
    for escape in _ESCAPE_RE.finditer(data):
        pieces.append((data[position:escape.start()], mode))
        mode, position = _MODES.get(escape.group(), mode), escape.end()
    pieces.append((data[position:], mode))
    return _joined([_segment(piece, piece_mode, strict) for piece, piece_mode in pieces])


def _joined(texts: list[str | None]) -> str | None:
    """The texts together, or None when one could not be read (strict mode)."""
    out = []
    for text in texts:
        if text is None:
            return None
        out.append(text)
    return "".join(out)


def _segment(data: bytes, mode: str, strict: bool) -> str | None:
    """One run of ``data`` in one mode (SO/SI shift to half-width katakana and back)."""
    if not data:
        return ""
    if b"\x0e" in data or b"\x0f" in data:
        texts: list[str | None] = []
        shifted = False
        for piece in _SHIFT_RE.split(data):
            if piece in (b"\x0e", b"\x0f"):
                shifted = piece == b"\x0e"
            else:
                texts.append(_segment(piece, "kana" if shifted else mode, strict))
        return _joined(texts)
    if mode in ("jis0208", "jis0212"):
        return _double_byte(data, mode == "jis0212", strict)
    text = data.decode("latin-1")
    if strict and _NOT_ONE_BYTE_RE.search(text):
        return None
    text = text.translate(_EIGHT_BIT)
    return text.translate(_ROMAN if mode == "roman" else _KANA if mode == "kana" else {})


def _double_byte(data: bytes, supplementary: bool, strict: bool) -> str | None:
    texts: list[str | None] = []
    position = 0
    for run in _PAIRS_RE.finditer(data):
        texts.append(_stray(data[position:run.start()], strict))
        pairs = run.group()
        if supplementary:  # JIS X 0212 is EUC-JP's code set 3
            euc = b"".join(b"\x8f" + pairs[index:index + 2].translate(_TO_EUC)
                           for index in range(0, len(pairs), 2))
            try:
                texts.append(euc.decode("euc_jp", "strict" if strict else "replace"))
            except UnicodeDecodeError:
                return None
        else:
            table = _jis0208()
            chars = [table.get(pairs[index:index + 2]) for index in range(0, len(pairs), 2)]
            if strict and None in chars:
                return None
            texts.append("".join(char or "\ufffd" for char in chars))
        position = run.end()
    texts.append(_stray(data[position:], strict))
    return _joined(texts)


@lru_cache(maxsize=1)
def _jis0208() -> dict[bytes, str]:
    """Every JIS X 0208 code: its standard character, else windows-31J's (NEC row 13, the
    NEC-selected IBM extensions in rows 89-92). Built on first use, about 10 ms."""
    table: dict[bytes, str] = {}
    for first in range(0x21, 0x7F):
        lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
        for second in range(0x21, 0x7F):
            code = bytes((first, second))
            try:
                table[code] = code.translate(_TO_EUC).decode("euc_jp")
                continue
            except UnicodeDecodeError:
                pass
            trail = second + (0x7E if first % 2 == 0 else 0x1F if second <= 0x5F else 0x20)
            try:
                table[code] = bytes((lead, trail)).decode("cp932")
            except UnicodeDecodeError:
                continue
    return table


def _stray(data: bytes, strict: bool) -> str | None:
    """Bytes between the pairs of a two-byte run: line ends and spaces pass."""
    if all(byte in _SPACE for byte in data):
        return data.decode("ascii")
    if strict:
        return None
    return "".join(chr(byte) if byte in _SPACE else "\ufffd" for byte in data)
