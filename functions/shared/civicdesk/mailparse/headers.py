"""Header values: RFC 2047 encoded words, addresses, message ids and dates, decoded leniently.

The stdlib parses the structure; values are decoded here because real mail breaks the rules
the stdlib relies on: 8-bit bytes in headers, encoded words in unknown charsets, a multi-byte
character split across two encoded words, encoded words inside quoted file names.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone
from email import utils as email_utils
from itertools import pairwise

from .charsets import codec_name, decode_text, unsurrogate

#: Longest header value looked at; the rest of a longer one is ignored.
MAX_HEADER_CHARS = 64 * 1024

# The text may hold spaces and folds (RFC 2047 forbids them, mailers send them), never "?".
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]{0,4096}?)\?=")
_ISO2022_RUN_RE = re.compile(r"\x1b(?:\$[@AB]|\$\([BCDOPQ]|\([IJ])[\x00-\x7f]*?(?:\x1b\(B|$)")
_BETWEEN_WORDS_RE = re.compile(r"^[ \t\r\n]*$")
_Q_ESCAPE_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_WHITESPACE_RE = re.compile(r"\s+")
_MESSAGE_ID_RE = re.compile(r"<([^<>\s]{1,900})>")
_BARE_ID_RE = re.compile(r"^[^<>\s]{1,900}$")
_ADDRESS_RE = re.compile(r"^[^\s<>@,;:\"]{1,256}(?:@[^\s<>@,;:\"]{1,256})?$")


def decode_words(value: str, defects: list[str] | None = None, where: str = "header",
                 hint: str | None = None) -> str:
    """Decode RFC 2047 encoded words and raw 8-bit bytes in a header value.

    Read as careful mail clients read them: adjacent encoded words in one charset are joined
    before decoding, so a character split across them survives (also a base64 quantum split
    across them); whitespace between encoded words is dropped as RFC 2047 says; an encoded word
    with spaces or a fold inside (which RFC 2047 forbids and many mailers send) is still one
    word. Raw 8-bit bytes are read as UTF-8, else in ``hint`` (the charset of the message's
    text), else detected; raw ISO-2022-JP is recognised by its escape sequences.

    Examples
    --------
    >>> decode_words("=?UTF-8?B?0KPQu9C40YfQvdCw?= =?UTF-8?Q?_rasveta_=C4=8Di?=")
    'Улична rasveta či'
    >>> decode_words("=?windows-1250?Q?Pouli=E8n=ED_osv=ECtlen=ED?= nefunguje")
    'Pouliční osvětlení nefunguje'
    >>> decode_words("=?utf-8?q?Lampa u ulici?= =?UTF-8?B?0J/RgNC4\\r\\n 0ZjQsNCy0LA=?=")
    'Lampa u uliciПријава'
    >>> decode_words("=?utf-8?B?0J/RgNC40?= =?UTF8?B?ZjQsNCy0LA=?=")
    'Пријава'
    """
    if not value:
        return ""
    value = unsurrogate(str(value)[:MAX_HEADER_CHARS], hint)
    if "\x1b" in value:
        value = _ISO2022_RUN_RE.sub(
            lambda run: decode_text(run.group().encode("ascii"), None, defects, where), value)
    if "=?" not in value:
        return value
    out: list[str] = []
    run = _WordRun(defects, where)
    position = 0
    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[position:match.start()]
        if between and not (run.codec and _BETWEEN_WORDS_RE.match(between)):
            out += [run.flush(), between]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        codec = codec_name(charset) or charset.lower()
        if run.codec and codec != run.codec:
            out.append(run.flush())
        if not run.add(charset, codec, match.group(2), match.group(3)):
            out += [run.flush(), match.group(0)]
        position = match.end()
    out += [run.flush(), value[position:]]
    return "".join(out)


class _WordRun:
    """Adjacent encoded words in one charset: their bytes, decoded together."""

    def __init__(self, defects: list[str] | None, where: str) -> None:
        self.defects, self.where = defects, where
        self.charset: str | None = None
        self.codec: str | None = None
        self.data: list[bytes] = []
        self.carry = ""  # the base64 of a quantum split across two words

    def add(self, charset: str, codec: str, encoding: str, text: str) -> bool:
        """Add one word; False (and nothing added) when its base64 cannot be decoded."""
        if encoding in "bB":
            cleaned = self.carry + re.sub(r"[^A-Za-z0-9+/]", "", text)
            whole = len(cleaned) if "=" in text else len(cleaned) - len(cleaned) % 4
            data = _b64(cleaned[:whole])
            if data is None:
                return False
            self.carry = cleaned[whole:]
        else:
            data = self._take_carry() + _q(text)
        self.data.append(data)
        self.charset, self.codec = charset, codec
        return True

    def _take_carry(self) -> bytes:
        data = (_b64(self.carry) or b"") if self.carry else b""
        self.carry = ""
        return data

    def flush(self) -> str:
        """The text of the words added since the last flush."""
        self.data.append(self._take_carry())
        data = b"".join(self.data)
        text = decode_text(data, self.charset, self.defects, self.where) if data else ""
        self.data, self.charset, self.codec = [], None, None
        return text


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _q(text: str) -> bytes:
    raw = re.sub(r"\r?\n", "", text).replace("_", " ").encode("ascii", "replace")
    return _Q_ESCAPE_RE.sub(lambda m: bytes((int(m.group(1), 16),)), raw)


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace (folding included) into single spaces.

    Examples
    --------
    >>> normalise_space("  Re:\\r\\n\\t Lampa   u ulici ")
    'Re: Lampa u ulici'
    """
    return _WHITESPACE_RE.sub(" ", text).strip()


def message_ids(value: str | None, limit: int = 100) -> tuple[str, ...]:
    """Message ids in a Message-ID, In-Reply-To or References value, brackets stripped.

    When there are more than ``limit``, the first (the thread's root) and the last ones are kept.

    Examples
    --------
    >>> message_ids("<a1@x.rs>\\r\\n <b2@ses.amazonaws.com> (comment)")
    ('a1@x.rs', 'b2@ses.amazonaws.com')
    >>> message_ids("bare@id.example")
    ('bare@id.example',)
    """
    if not value:
        return ()
    value = unsurrogate(str(value)[:MAX_HEADER_CHARS])
    found = list(dict.fromkeys(_MESSAGE_ID_RE.findall(value)))
    if not found:
        bare = value.strip()
        return (bare,) if _BARE_ID_RE.match(bare) else ()
    if len(found) > limit:
        found = found[:1] + found[-(limit - 1):]
    return tuple(found)


def first_message_id(value: str | None) -> str | None:
    """The first message id in a Message-ID or Content-ID value, or None.

    Examples
    --------
    >>> first_message_id("<m1@example.rs> <m2@example.rs>"), first_message_id("")
    ('m1@example.rs', None)
    """
    found = message_ids(value)
    return found[0] if found else None


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from a Date header (UTC when the zone is missing), or None.

    Examples
    --------
    >>> parse_date("Mon, 17 Nov 2026 10:12:00 +0100").isoformat()
    '2026-11-17T10:12:00+01:00'
    >>> parse_date("yesterday") is None
    True
    """
    if not value:
        return None
    try:
        parsed = email_utils.parsedate_to_datetime(normalise_space(str(value))[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or not 1970 <= parsed.year <= 9998:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def clean_address(address: str | None) -> str | None:
    """A bare address, lower-cased, or None when it is not one.

    Examples
    --------
    >>> clean_address(" Marko.Petrovic@Example.RS ")
    'marko.petrovic@example.rs'
    >>> clean_address("not an address") is None
    True
    """
    if not address:
        return None
    address = unsurrogate(address).strip().strip("<>").strip().lower()
    return address if _ADDRESS_RE.match(address) else None


def parse_return_path(value: str | None) -> str | None:
    """The address of a Return-Path, ``""`` for the null path ``<>`` of bounces, or None.

    Examples
    --------
    >>> parse_return_path("<Bounces@Example.rs>"), parse_return_path("<>")
    ('bounces@example.rs', '')
    """
    if value is None:
        return None
    value = normalise_space(unsurrogate(value))
    if re.fullmatch(r"<\s*>", value) or value in ("", "<>"):
        return ""
    match = re.search(r"<([^<>]{0,512})>", value)
    return clean_address(match.group(1) if match else value)


def parse_content_language(value: str | None) -> str | None:
    """The first language tag of a Content-Language value, or None when it is not one.

    Examples
    --------
    >>> parse_content_language("sr-Latn, en"), parse_content_language("<b>srpski</b>")
    ('sr-Latn', None)
    """
    if not value:
        return None
    token = normalise_space(unsurrogate(value)).split(",", 1)[0].strip()
    return token if re.fullmatch(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,4}", token) else None


def addresses(header: object, raw: str | None, hint: str | None = None) -> list[tuple[str, str]]:
    """(display name, bare address) pairs of an address header.

    ``header`` is what ``policy.default`` made of the header (its ``addresses`` are used when
    they parse); ``raw`` is the header as it came, parsed with ``email.utils.getaddresses``
    whenever the structured parse raises, leaves undecodable bytes or an encoded word that
    RFC 2047 does not allow (spaces inside), adjacent words the stdlib would join with a space,
    or raw ISO-2022-JP: those are decoded first and quoted, so a comma or a bracket in the
    decoded name cannot split the address (Thunderbird decodes them as it tokenises).
    ``hint`` is the charset raw 8-bit names are read in (see ``decode_words``).

    Examples
    --------
    >>> addresses(None, "=?utf-8?B?0JzQsNGA0LrQvg==?= <Marko@Example.rs>, ana@x.cz")
    [('Марко', 'marko@example.rs'), ('', 'ana@x.cz')]
    >>> addresses(None, "=?utf-8?q?Petrovi=C4=87, Marko?= <marko@example.rs>")
    [('Petrović, Marko', 'marko@example.rs')]
    """
    if raw and ("\x1b" in raw or _has_loose_word(raw)):
        # Words decoded first; if that leaves nothing to parse, the usual ways below.
        pairs = _parse_raw(_quote_words(unsurrogate(str(raw)[:MAX_HEADER_CHARS], hint)))
        if pairs:
            return pairs
    pairs = []
    structured = _structured_addresses(header)
    if structured is not None:
        for name, address in structured:
            bare = clean_address(address)
            if bare:
                pairs.append((normalise_space(decode_words(name)), bare))
        if pairs or not raw:
            return _unique(pairs)
    if not raw:
        return []
    return _parse_raw(unsurrogate(str(raw)[:MAX_HEADER_CHARS], hint))


def _parse_raw(raw: str) -> list[tuple[str, str]]:
    try:
        parsed = email_utils.getaddresses([raw])
    except Exception:  # noqa: BLE001 - the stdlib raises assorted errors on hostile input
        parsed = []
    pairs = []
    for name, address in parsed:
        bare = clean_address(address)
        if bare:
            pairs.append((normalise_space(decode_words(name)), bare))
    return _unique(pairs)


_WORD_RUN_RE = re.compile(r"(?:=\?[^?\s]{1,75}\?[bBqQ]\?[^?]{0,4096}?\?=[ \t\r\n]*)+")


def _has_loose_word(raw: str) -> bool:
    """Whether ``raw`` holds encoded words that the stdlib's parser reads wrongly.

    It does not see a word with spaces or specials inside as one, and keeps the space
    between adjacent words (so a name split across two words comes out with a gap).
    """
    words = list(_ENCODED_WORD_RE.finditer(str(raw)[:MAX_HEADER_CHARS]))
    if any(re.search(r"[\s\"(),.:;<>@\[\]]", match.group(3)) for match in words):
        return True
    return any(_BETWEEN_WORDS_RE.match(raw[one.end():two.start()])
               for one, two in pairwise(words))


def _quote_words(raw: str) -> str:
    """``raw`` with each run of encoded words, and raw ISO-2022-JP, decoded into a quoted string."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '" '
    if "\x1b" in raw:
        raw = _ISO2022_RUN_RE.sub(lambda run: quoted(decode_words(run.group())), raw)
    return _WORD_RUN_RE.sub(lambda run: quoted(decode_words(run.group().rstrip())), raw)


def _structured_addresses(header: object) -> list[tuple[str, str]] | None:
    if header is None:
        return None
    try:
        found = [(a.display_name or "", a.addr_spec or "")
                 for a in header.addresses]  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - policy.default raises assorted errors on bad headers
        return None
    if any(_has_surrogates(name + address) or "\ufffd" in name for name, address in found):
        return None
    return found


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    unique = []
    for name, address in pairs:
        if address not in seen:
            seen.add(address)
            unique.append((name, address))
    return unique
