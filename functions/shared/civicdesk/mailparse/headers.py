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

from .charsets import decode_text, unsurrogate

#: Longest header value looked at; the rest of a longer one is ignored.
MAX_HEADER_CHARS = 64 * 1024

_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]{0,4096})\?=")
_BETWEEN_WORDS_RE = re.compile(r"^[ \t\r\n]*$")
_Q_ESCAPE_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_WHITESPACE_RE = re.compile(r"\s+")
_MESSAGE_ID_RE = re.compile(r"<([^<>\s]{1,900})>")
_BARE_ID_RE = re.compile(r"^[^<>\s]{1,900}$")
_ADDRESS_RE = re.compile(r"^[^\s<>@,;:\"]{1,256}(?:@[^\s<>@,;:\"]{1,256})?$")


def decode_words(value: str, defects: list[str] | None = None, where: str = "header") -> str:
    """Decode RFC 2047 encoded words and raw 8-bit bytes in a header value.

    Adjacent encoded words in one charset are joined before decoding, so a character split
    across them survives; whitespace between encoded words is dropped as RFC 2047 says.

    Examples
    --------
    >>> decode_words("=?UTF-8?B?0KPQu9C40YfQvdCw?= =?UTF-8?Q?_rasveta_=C4=8Di?=")
    'Улична rasveta či'
    >>> decode_words("=?windows-1250?Q?Pouli=E8n=ED_osv=ECtlen=ED?= nefunguje")
    'Pouliční osvětlení nefunguje'
    """
    if not value:
        return ""
    value = unsurrogate(str(value)[:MAX_HEADER_CHARS])
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_text(b"".join(pending), pending_charset, defects, where))
        pending, pending_charset = [], None

    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[position:match.start()]
        if between and not (pending and _BETWEEN_WORDS_RE.match(between)):
            flush()
            out.append(between)
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        data = _decode_word(match.group(2), match.group(3))
        if data is None:
            flush()
            out.append(match.group(0))
        else:
            if pending and charset.lower() != (pending_charset or "").lower():
                flush()
            pending.append(data)
            pending_charset = charset
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


def _decode_word(encoding: str, text: str) -> bytes | None:
    if encoding in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return None
    raw = text.replace("_", " ").encode("ascii", "replace")
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


def addresses(header: object, raw: str | None) -> list[tuple[str, str]]:
    """(display name, bare address) pairs of an address header.

    ``header`` is what ``policy.default`` made of the header (its ``addresses`` are used when
    they parse); ``raw`` is the header as it came, parsed with ``email.utils.getaddresses``
    whenever the structured parse raises or leaves undecodable bytes.

    Examples
    --------
    >>> addresses(None, "=?utf-8?B?0JzQsNGA0LrQvg==?= <Marko@Example.rs>, ana@x.cz")
    [('Марко', 'marko@example.rs'), ('', 'ana@x.cz')]
    """
    pairs: list[tuple[str, str]] = []
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
    raw = unsurrogate(str(raw)[:MAX_HEADER_CHARS])
    try:
        parsed = email_utils.getaddresses([raw])
    except Exception:  # noqa: BLE001 - the stdlib raises assorted errors on hostile input
        parsed = []
    for name, address in parsed:
        bare = clean_address(address)
        if bare:
            pairs.append((normalise_space(decode_words(name)), bare))
    return _unique(pairs)


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
