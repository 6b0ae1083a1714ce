"""The MIME tree: built by the stdlib with limits that keep it linear, read part by part.

The tree is built with ``policy.compat32``; ``policy.default`` parses every Content-Type while
building it and is slow on long values (see ``parser``), so its header classes are applied only
on demand, to short values (``structured``). MIME delimiters are capped *before* the stdlib
sees the message (it takes 18 s for 100 000 parts) and over-long Content-Type fields are cut.
A message that does not begin with its headers (a pasted ``---- Original message ----`` line,
blank lines, a byte order mark) has them found where they begin (``skip_preamble``).
"""

from __future__ import annotations

import base64
import io
import re
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser

from .attachments import clean_content_type
from .charsets import codec_name, decode_text, unsurrogate
from .defects import Defects
from .headers import decode_words

#: Most top-level headers looked at.
MAX_HEADERS = 2000
#: Longest header value given to ``policy.default``'s parser (it is slow on long ones).
MAX_STRUCTURED_HEADER_CHARS = 2000
#: Longest Content-Type field the stdlib parser is given.
MAX_CONTENT_TYPE_FIELD = 16 * 1024

_BOUNDARY_PARAM_RE = re.compile(rb'(?i)boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))')
_DELIMITER_RE = re.compile(rb"(?m)^--([^\r\n]{1,300})")
_NESTING_DECLARATION_RE = re.compile(rb"(?im)^content-type:\s*(?:multipart|message)/")
_CONTENT_TYPE_FIELD_RE = re.compile(rb"(?im)^content-type:[^\n]*(?:\n[ \t][^\n]*)*")
_FIELD_LINE_RE = re.compile(rb"([!-9;-~]{1,76})[ \t]*:")
# Fields of which at least one starts a real header block (mail clients, gateways, SES).
_KNOWN_FIELDS = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"sender", b"reply-to", b"message-id",
    b"in-reply-to", b"references", b"received", b"return-path", b"delivered-to",
    b"mime-version", b"content-type", b"dkim-signature", b"authentication-results",
    b"x-mailer", b"user-agent", b"x-original-to", b"envelope-to", b"sent"})
#: Lines other than blank ones skipped before the headers; with more, the message is text.
MAX_PREAMBLE_LINES = 5
_PREAMBLE_BYTES = 8 * 1024


# --- building the tree ---------------------------------------------------------------------
def read_tree(raw: bytes, defects: Defects, *, max_parts: int, max_depth: int) -> Message | None:
    """The message's MIME tree, or None when not even its headers can be read.

    When the stdlib fails on the whole message, the nesting past ``max_depth`` is cut off and
    the message is read again, then read for its headers only.

    Examples
    --------
    >>> tree = read_tree(b"Subject: Ulica\\r\\n\\r\\nLampa", Defects(), max_parts=5, max_depth=2)
    >>> tree["subject"], tree.get_payload()
    ('Ulica', 'Lampa')
    """
    raw = skip_preamble(raw, defects)
    raw = _limit_content_type_fields(_limit_parts(raw, defects, max_parts), defects)
    try:
        return BytesParser(policy=email_policy.compat32).parsebytes(raw)
    except RecursionError:
        defects.add("MIME nesting too deep for the parser; inner parts dropped")
    except Exception as error:  # noqa: BLE001 - try the lenient ways below
        defects.add(f"MIME structure unreadable ({type(error).__name__})")
    for index, declaration in enumerate(_NESTING_DECLARATION_RE.finditer(raw)):
        if index > max_depth + 2:
            raw = raw[:declaration.start()]
            break
    for headers_only in (False, True):
        try:
            return BytesParser(policy=email_policy.compat32).parsebytes(
                raw, headersonly=headers_only)
        except Exception:  # noqa: BLE001
            continue
    return None


def skip_preamble(raw: bytes, defects: Defects) -> bytes:
    """``raw`` from where its headers begin, when lines that are not headers come first.

    The stdlib takes a first line that is not a header for the start of the body and loses
    the sender and the subject. Up to ``MAX_PREAMBLE_LINES`` such lines (and any blank ones)
    are skipped when a header block follows: two header fields in a row, one of them a field
    every mail has. The skipped lines are kept in the defect; without such a block nothing is
    skipped and the whole message stays its text. An mbox ``From `` line is the stdlib's.

    Examples
    --------
    >>> defects = Defects()
    >>> skip_preamble(b"---- Original message ----\\r\\nFrom: a@x.rs\\r\\nTo: b@y.rs\\r\\n\\r\\nHi",
    ...               defects)
    b'From: a@x.rs\\r\\nTo: b@y.rs\\r\\n\\r\\nHi'
    >>> print(defects.result()[0])
    message: the headers began after 1 line that is not a header ('---- Original message ----'); read from there
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    data = raw[3:] if bom else raw
    if _FIELD_LINE_RE.match(data) or data.startswith(b"From "):
        if bom:
            defects.add("message: began with a byte order mark; it was dropped")
        return data if bom else raw
    lines = data[:_PREAMBLE_BYTES].split(b"\n")
    offset = 0
    skipped: list[bytes] = []
    for index, line in enumerate(lines[:-1]):
        if _starts_header_block(lines, index):
            defects.add(f"message: the headers began after {_describe(skipped)}; read from there")
            return data[offset:]
        if line.strip():
            skipped.append(line)
            if len(skipped) > MAX_PREAMBLE_LINES:
                break
        offset += len(line) + 1
    return raw


def _describe(skipped: list[bytes]) -> str:
    if not skipped:
        return "blank lines"
    shown = " / ".join(repr(decode_text(line.strip(), None)[:120]) for line in skipped)
    if len(skipped) == 1:
        return f"1 line that is not a header ({shown})"
    return f"{len(skipped)} lines that are not headers ({shown})"


def _starts_header_block(lines: list[bytes], index: int) -> bool:
    names = []
    for line in lines[index:index + 2]:
        field = _FIELD_LINE_RE.match(line)
        if field is None:
            return False
        names.append(field.group(1).lower())
    return len(names) == 2 and any(name in _KNOWN_FIELDS for name in names)


def charset_hint(message: Message, limit: int = 50) -> str | None:
    """The charset of the message's first text part, unless it is ASCII or UTF-8.

    Mail clients read raw 8-bit bytes in headers in it (see ``headers.decode_words``).
    """
    queue: list[Message] = [message]
    seen = 0
    while queue and seen < limit:
        part = queue.pop(0)
        seen += 1
        main_type = content_type(part).split("/", 1)[0]
        payload = part.get_payload()
        if main_type == "multipart" and isinstance(payload, list):
            queue[:0] = [child for child in payload[:limit] if isinstance(child, Message)]
        elif main_type == "text":
            label = param(part, "content-type", "charset")
            name = codec_name(label)
            if name is not None and name.replace("-", "_") not in ("ascii", "utf_8"):
                return label
    return None


def _limit_content_type_fields(raw: bytes, defects: Defects) -> bytes:
    """Cut Content-Type fields the stdlib would parse for too long (parameters at the end)."""
    pieces: list[bytes] = []
    position = 0
    for match in _CONTENT_TYPE_FIELD_RE.finditer(raw):
        if match.end() - match.start() > MAX_CONTENT_TYPE_FIELD:
            pieces += [raw[position:match.start() + MAX_CONTENT_TYPE_FIELD].rstrip(b"\r")]
            position = match.end()
            defects.add("an over-long Content-Type field was cut")
    if not pieces:
        return raw
    return b"".join(pieces) + raw[position:]


def _limit_parts(raw: bytes, defects: Defects, max_parts: int) -> bytes:
    """Cut the message before the delimiter that would make it have too many parts."""
    limit = 2 * max_parts + 10
    boundaries: set[bytes] = set()
    for index, match in enumerate(_BOUNDARY_PARAM_RE.finditer(raw)):
        if index >= limit:
            defects.add(f"more than {max_parts} MIME parts; the rest was dropped")
            raw = raw[:match.start()]
            break
        boundaries.add(match.group(1) or match.group(2))
    if not boundaries:
        return raw
    count = 0
    for match in _DELIMITER_RE.finditer(raw):
        line = match.group(1).rstrip(b" \t")
        if line in boundaries or (line.endswith(b"--") and line[:-2] in boundaries):
            count += 1
            if count > limit:
                defects.add(f"more than {max_parts} MIME parts; the rest was dropped")
                return raw[:match.start()]
    return raw


def headers_only(data: bytes) -> Message | None:
    """The headers of a message, or None when they cannot be read."""
    try:
        return BytesParser(policy=email_policy.compat32).parsebytes(data, headersonly=True)
    except Exception:  # noqa: BLE001
        return None


def serialise(message: Message) -> bytes:
    """A (sub)message as bytes again, as close to how it came as the stdlib allows."""
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=email_policy.compat32).flatten(message)
        return buffer.getvalue()
    except Exception:  # noqa: BLE001
        try:
            return str(message).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""


def undo_transfer_encoding(data: bytes, encoding: str) -> bytes:
    """The attached message when a mailer base64- or QP-encoded it (RFC 2046 forbids that)."""
    try:
        if encoding == "base64":
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
        import quopri

        return quopri.decodestring(data)
    except Exception:  # noqa: BLE001
        return data


# --- headers, strict first, lenient when that fails ----------------------------------------
def raw_headers(message: Message) -> list[tuple[str, str]]:
    """(lower-cased name, raw value) of the first ``MAX_HEADERS`` headers, in order."""
    headers = []
    for index, (name, value) in enumerate(message.raw_items()):
        if index >= MAX_HEADERS:
            break
        headers.append((unsurrogate(str(name)).strip().lower(), str(value)))
    return headers


def first_values(headers: list[tuple[str, str]]) -> dict[str, str]:
    """The first value of each header name."""
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name, value)
    return first


def all_values(headers: list[tuple[str, str]], name: str) -> str:
    """Every value of header ``name``, joined by spaces (for the message id lists)."""
    return " ".join(value for key, value in headers if key == name)


def raw_header(part: Message, name: str) -> str | None:
    """The first raw value of header ``name`` (lower case) of ``part``."""
    for key, value in part.raw_items():
        if str(key).strip().lower() == name:
            return str(value)
    return None


def structured(name: str, raw: str | None) -> object:
    """``policy.default``'s header object for a short raw value; None when long or invalid."""
    if raw is None or len(raw) > MAX_STRUCTURED_HEADER_CHARS:
        return None
    try:
        return email_policy.default.header_fetch_parse(name, raw)
    except Exception:  # noqa: BLE001 - policy.default raises on some malformed headers
        return None


def content_type(part: Message) -> str:
    """The part's clean content type, ``text/plain`` when it has none or a broken one."""
    try:
        return clean_content_type(part.get_content_type(), "text/plain")
    except Exception:  # noqa: BLE001
        raw = raw_header(part, "content-type") or ""
        return clean_content_type(unsurrogate(raw).split(";", 1)[0], "text/plain")


def disposition(part: Message) -> str | None:
    """``inline``, ``attachment`` (also for unknown values) or None when there is none."""
    raw = raw_header(part, "content-disposition")
    value = unsurrogate(raw[:200]).split(";", 1)[0].strip().lower() if raw else None
    return value if value in ("inline", "attachment") else (
        "attachment" if value else None)


def param(part: Message, header: str, name: str) -> str | None:
    """A header parameter, RFC 2231 decoded; compat32 parsing when policy.default fails.

    Raw 8-bit bytes (a file name in GBK or Shift_JIS, as older mailers send it) are decoded
    first: both parsers would turn them into U+FFFD.
    """
    raw = raw_header(part, header)
    if raw is None:
        return None
    raw = unsurrogate(raw[:MAX_CONTENT_TYPE_FIELD])
    try:
        params = getattr(structured(header, raw), "params", None)
        if params is not None:
            found = params.get(name)
            if found is None or not _has_replacement(str(found)):
                return None if found is None else unsurrogate(str(found))
    except Exception:  # noqa: BLE001
        pass
    try:
        legacy = Message()
        legacy[header] = raw[:MAX_CONTENT_TYPE_FIELD]
        found = legacy.get_param(name, header=header)
        if isinstance(found, tuple):
            from email.utils import collapse_rfc2231_value

            found = collapse_rfc2231_value(found)
        return None if found is None else unsurrogate(str(found))
    except Exception:  # noqa: BLE001
        return None


def _has_replacement(text: str) -> bool:
    return "\ufffd" in text


def filename(part: Message) -> str | None:
    """The file name the part declares (Content-Disposition first, then Content-Type)."""
    name = param(part, "content-disposition", "filename") or param(part, "content-type", "name")
    if name and "=?" in name:
        name = decode_words(name)
    return name or None


# --- payloads ------------------------------------------------------------------------------
def payload_bytes(part: Message) -> bytes:
    """The part's payload with its transfer encoding undone (undecoded when that fails)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - fall back to the undecoded payload
        data = part.get_payload()
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    if isinstance(data, list):
        return b""
    return bytes(data)
