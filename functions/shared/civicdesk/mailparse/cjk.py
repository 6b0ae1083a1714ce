"""Chinese, Japanese and Korean text: how plausible a reading is, and ISO-2022-JP as sent.

``charsets`` decodes; this module tells it which CJK reading of unlabelled 8-bit bytes is
real text (``cjk_score``) and reads the ISO-2022-JP that Japanese mailers on Windows send,
vendor characters included (``decode_iso2022_jp``), which no Python codec does.
"""

from __future__ import annotations

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


_ISO2022_JP_ESCAPES = {b"\x1b(B": "ascii", b"\x1b(J": "roman", b"\x1b(H": "roman",
                       b"\x1b(I": "kana", b"\x1b$@": "jis0208", b"\x1b$B": "jis0208",
                       b"\x1b$(B": "jis0208", b"\x1b$(D": "jis0212", b"\x1b&@": None}


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
    text = _iso2022_jp(data, strict=True)
    if text is not None:
        return text
    for codec in ("iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None if strict else _iso2022_jp(data, strict=False)  # type: ignore[return-value]


def _iso2022_jp(data: bytes, strict: bool) -> str | None:
    out: list[str] = []
    mode, index, size = "ascii", 0, len(data)
    shifted_from: str | None = None
    while index < size:
        byte = data[index]
        if byte == 0x1B:
            escape = next((e for e in _ISO2022_JP_ESCAPES if data.startswith(e, index)), None)
            if escape is None:
                if strict:
                    return None
                out.append("\ufffd")
                index += 1
                continue
            mode = _ISO2022_JP_ESCAPES[escape] or mode
            index += len(escape)
        elif byte in (0x0E, 0x0F):  # SO / SI: half-width katakana in and out
            if byte == 0x0E and mode != "kana":
                shifted_from, mode = mode, "kana"
            elif byte == 0x0F and shifted_from is not None:
                mode, shifted_from = shifted_from, None
            index += 1
        elif byte in (0x0A, 0x0D) or mode in ("ascii", "roman", "kana") or byte >= 0x80:
            out.append(_single(byte, mode))
            if byte == 0x0A:
                mode = "ascii" if mode in ("jis0208", "jis0212") else mode
            index += 1
        else:
            end = index
            while end + 1 < size and 0x21 <= data[end] <= 0x7E and 0x21 <= data[end + 1] <= 0x7E:
                end += 2
            if end == index:  # a lone byte in two-byte mode
                if strict:
                    return None
                out.append("\ufffd" if byte > 0x20 else chr(byte))
                index += 1
                continue
            text = _double(data[index:end], mode, strict)
            if text is None:
                return None
            out.append(text)
            index = end
    return "".join(out)


def _single(byte: int, mode: str) -> str:
    if 0xA1 <= byte <= 0xDF or (mode == "kana" and 0x21 <= byte <= 0x5F):
        return chr(0xFF61 + (byte & 0x7F) - 0x21)  # half-width katakana
    if byte >= 0x80:
        return "\ufffd"
    if mode == "roman" and byte in (0x5C, 0x7E):
        return "\u00a5" if byte == 0x5C else "\u203e"
    return chr(byte)


def _double(pairs: bytes, mode: str, strict: bool) -> str | None:
    prefix = b"\x8f" if mode == "jis0212" else b""
    euc = bytes(byte | 0x80 for byte in pairs)
    if not prefix:
        try:
            return euc.decode("euc_jp")
        except UnicodeDecodeError:
            pass
    out = []
    for index in range(0, len(pairs), 2):
        first, second = pairs[index], pairs[index + 1]
        try:
            out.append((prefix + euc[index:index + 2]).decode("euc_jp"))
            continue
        except UnicodeDecodeError:
            pass
        try:
            if prefix:
                raise UnicodeDecodeError("euc_jp", b"", 0, 1, "JIS X 0212")
            lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
            trail = second + (0x7E if first % 2 == 0 else 0x1F if second <= 0x5F else 0x20)
            out.append(bytes((lead, trail)).decode("cp932"))
        except UnicodeDecodeError:
            if strict:
                return None
            out.append("\ufffd")
    return "".join(out)
