"""``parse_mail``: a raw received message in, a ``ParsedMail`` out, whatever the bytes are.

The stdlib ``email`` package builds the MIME tree with ``policy.compat32`` and the header values
that need real parsing (addresses, RFC 2231 parameters) are parsed with ``policy.default``'s
header classes, on demand and only when short; whenever those raise or leave undecodable bytes,
``compat32`` semantics or our own decoders take over. Why not ``policy.default`` for the whole
tree: it parses every Content-Type while building it and its header parser costs about 40 µs a
character (a 20 KB Content-Type takes 0.9 s, a 112 KB To header 4 s), which a hostile message
would exploit. Limits keep the rest linear: MIME delimiters are capped *before* the stdlib
sees the message (it takes 18 s for 100 000 parts), over-long Content-Type fields are cut,
nesting deeper than ``max_depth`` is not descended into, text is capped at ``MAX_TEXT_CHARS``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from dataclasses import dataclass
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser

from . import attachments as att
from . import bounces
from .autoreply import auto_generated_reasons
from .charsets import decode_text, unsurrogate
from .headers import (addresses, clean_address, decode_words, message_ids, normalise_space,
                      parse_date)
from .htmltext import MAX_HTML_CHARS, referenced_content_ids, sanitise, text_of_sanitised
from .language import guess_language
from .model import Attachment, Bounce, ParsedMail
from .quotes import strip_history

#: Longest ``text`` and ``new_text``; longer ones are cut with a defect.
MAX_TEXT_CHARS = 200_000
#: Longest subject kept.
MAX_SUBJECT_CHARS = 2000
#: Most defects reported; the rest are counted.
MAX_DEFECTS = 100
#: Most top-level headers looked at.
MAX_HEADERS = 2000
#: Nesting never descended past this, whatever ``max_depth`` says (the walk is recursive).
HARD_MAX_DEPTH = 200
#: Longest header value given to ``policy.default``'s parser (it is slow on long ones).
MAX_STRUCTURED_HEADER_CHARS = 2000
#: Longest Content-Type field the stdlib parser is given.
MAX_CONTENT_TYPE_FIELD = 16 * 1024

_BOUNDARY_PARAM_RE = re.compile(rb'(?i)boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))')
_DELIMITER_RE = re.compile(rb"(?m)^--([^\r\n]{1,300})")
_NESTING_DECLARATION_RE = re.compile(rb"(?im)^content-type:\s*(?:multipart|message)/")
_CONTENT_TYPE_FIELD_RE = re.compile(rb"(?im)^content-type:[^\n]*(?:\n[ \t][^\n]*)*")
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")
_DAEMON_RE = re.compile(r"^(?:mailer[-_.]?daemon|postmaster|mail[-_.]?daemon|mdaemon)(?:@|$)")
_OCTET_STREAM_TYPES = frozenset({"application/octet-stream", "application/unknown",
                                 "binary/octet-stream", "application/x-download",
                                 "application/force-download", "application/binary"})
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_HEADER_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers",
                           "message/global-headers"})


def parse_mail(raw: bytes, *, max_attachment_bytes: int = 10 * 1024 * 1024, max_parts: int = 500,
               max_depth: int = 20, loop_header: str = "X-CivicDesk-Loop") -> ParsedMail:
    """Parse a received message; never raises, whatever ``raw`` holds.

    Parameters
    ----------
    raw
        The message as received (as SES stores it in S3).
    max_attachment_bytes
        Attachments larger than this are kept but refused with ``"too_large"``.
    max_parts
        MIME parts looked at; the rest are dropped with a defect.
    max_depth
        Multipart nesting descended into; deeper parts are dropped with a defect.
    loop_header
        The header CivicDesk puts on its own mail; a mail carrying it gets no auto-reply.

    Returns
    -------
    ParsedMail
        What could be read, with ``defects`` saying what was odd or dropped.

    Examples
    --------
    >>> mail = parse_mail(
    ...     b"From: =?utf-8?B?0JzQsNGA0LrQviDQnNCw0YDQutC+0LLQuNGb?= <Marko@Example.rs>\\r\\n"
    ...     b"To: podrska@grad.rs\\r\\n"
    ...     b"Subject: =?utf-8?Q?Rupa_na_putu?=\\r\\n"
    ...     b"Message-ID: <m1@example.rs>\\r\\n"
    ...     b"Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n"
    ...     b"Ogromna rupa na putu kod \\xc5\\xa1kole ve\\xc4\\x87 nedelju dana.\\r\\n")
    >>> mail.from_address, mail.from_name, mail.subject, mail.message_id
    ('marko@example.rs', 'Марко Марковић', 'Rupa na putu', 'm1@example.rs')
    >>> mail.text, mail.language, mail.auto_generated
    ('Ogromna rupa na putu kod škole već nedelju dana.', 'sr-Latn', ())
    >>> garbage = parse_mail(bytes(range(256)) * 3)
    >>> isinstance(garbage.text, str), garbage.subject, garbage.attachments
    (True, '', ())
    """
    defects = _Defects()
    try:
        data = _as_bytes(raw)
    except Exception:  # noqa: BLE001 - never raise: an unreadable input is an empty mail
        data = b""
        defects.add("input was not bytes")
    try:
        return _Parse(data, defects, max_attachment_bytes=max_attachment_bytes,
                      max_parts=max(int(max_parts), 1),
                      max_depth=min(max(int(max_depth), 0), HARD_MAX_DEPTH),
                      loop_header=str(loop_header)).result()
    except Exception as error:  # noqa: BLE001 - degrade to the raw bytes as text
        defects.add(f"message could not be parsed ({type(error).__name__}); kept as text")
        return _fallback(data, defects)


def _as_bytes(raw: object) -> bytes:
    if raw is None:
        return b""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return bytes(raw)  # type: ignore[call-overload]


class _Defects:
    """Human-readable notes, capped so that a hostile message cannot flood them."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.dropped = 0

    def add(self, note: str) -> None:
        note = unsurrogate(note)[:500]
        if note in self.notes:
            return
        if len(self.notes) < MAX_DEFECTS:
            self.notes.append(note)
        else:
            self.dropped += 1

    append = add  # the decoders take any object with ``append`` for their notes

    def result(self) -> tuple[str, ...]:
        if self.dropped:
            return (*self.notes, f"{self.dropped} more defects not listed")
        return tuple(self.notes)


@dataclass
class _Segment:
    """One piece of body: its plain text, its HTML, or both (from multipart/alternative)."""

    plain: str | None
    html: str | None


@dataclass
class _Draft:
    """An attachment before the whole tree is known (``inline`` depends on the HTML)."""

    filename: str | None
    content_type: str
    data: bytes
    disposition: str | None
    content_id: str | None


class _Parse:
    def __init__(self, raw: bytes, defects: _Defects, *, max_attachment_bytes: int,
                 max_parts: int, max_depth: int, loop_header: str) -> None:
        self.raw = raw
        self.defects = defects
        self.max_attachment_bytes = max_attachment_bytes
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.loop_header = loop_header
        self.part_count = 0
        self.drafts: list[_Draft] = []
        self.status_texts: list[str] = []
        self.returned: list[tuple[str | None, tuple[str, ...]]] = []
        self.html_total = 0
        self.referenced_ids: set[str] = set()

    # --- the whole message ---------------------------------------------------------------
    def result(self) -> ParsedMail:
        message = self._message()
        if message is None:
            return _fallback(self.raw, self.defects)
        headers = _raw_headers(message)
        first = _first_values(headers)
        from_pairs = addresses(_structured("from", first.get("from")), first.get("from"))
        sender_pairs = addresses(_structured("sender", first.get("sender")), first.get("sender"))
        notes: list[str] = self.defects  # type: ignore[assignment]
        subject = normalise_space(decode_words(first.get("subject", ""), notes,
                                               "subject"))[:MAX_SUBJECT_CHARS]
        content_type = _content_type(message)

        segments = self._walk(message, 0, "1")
        text, html = self._body(segments)
        if len(text) > MAX_TEXT_CHARS:
            self.defects.add(f"text longer than {MAX_TEXT_CHARS} characters; cut")
            text = text[:MAX_TEXT_CHARS]
        new_text = strip_history(text)
        attachments = self._attachments()

        from_address = from_pairs[0][1] if from_pairs else None
        return_path = _return_path(first.get("return-path"))
        reasons = auto_generated_reasons(
            headers, from_address=from_address,
            sender_address=sender_pairs[0][1] if sender_pairs else None,
            subject=subject, content_type=content_type, return_path=return_path,
            loop_header=self.loop_header)
        bounce = self._bounce(text, subject, from_address, return_path, first)
        self._collect_defects(message, "message")
        return ParsedMail(
            message_id=_first(message_ids(first.get("message-id"))),
            in_reply_to=message_ids(_all(headers, "in-reply-to")),
            references=message_ids(_all(headers, "references")),
            from_address=from_address,
            from_name=(from_pairs[0][0] or None) if from_pairs else None,
            reply_to=tuple(a for _, a in addresses(*self._address_header(message, headers,
                                                                           "reply-to"))),
            to=tuple(a for _, a in addresses(*self._address_header(message, headers, "to"))),
            cc=tuple(a for _, a in addresses(*self._address_header(message, headers, "cc"))),
            return_path=return_path,
            subject=subject,
            date=parse_date(first.get("date")),
            content_language=_content_language(first.get("content-language")),
            text=text,
            new_text=new_text,
            html=html,
            attachments=attachments,
            auto_generated=reasons,
            bounce=bounce,
            defects=self.defects.result(),
            language=guess_language(new_text),
        )

    def _message(self) -> Message | None:
        raw = self._limit_content_type_fields(self._limit_parts(self.raw))
        try:
            return BytesParser(policy=email_policy.compat32).parsebytes(raw)
        except RecursionError:
            self.defects.add("MIME nesting too deep for the parser; inner parts dropped")
        except Exception as error:  # noqa: BLE001 - try the lenient ways below
            self.defects.add(f"MIME structure unreadable ({type(error).__name__})")
        for index, declaration in enumerate(_NESTING_DECLARATION_RE.finditer(raw)):
            if index > self.max_depth + 2:
                raw = raw[:declaration.start()]
                break
        for headers_only in (False, True):
            try:
                return BytesParser(policy=email_policy.compat32).parsebytes(
                    raw, headersonly=headers_only)
            except Exception:  # noqa: BLE001
                continue
        return None

    def _limit_content_type_fields(self, raw: bytes) -> bytes:
        """Cut Content-Type fields the stdlib would parse for too long (parameters at the end)."""
        pieces: list[bytes] = []
        position = 0
        for match in _CONTENT_TYPE_FIELD_RE.finditer(raw):
            if match.end() - match.start() > MAX_CONTENT_TYPE_FIELD:
                pieces += [raw[position:match.start() + MAX_CONTENT_TYPE_FIELD].rstrip(b"\r")]
                position = match.end()
                self.defects.add("an over-long Content-Type field was cut")
        if not pieces:
            return raw
        return b"".join(pieces) + raw[position:]

    def _limit_parts(self, raw: bytes) -> bytes:
        """Cut the message before the delimiter that would make it have too many parts."""
        limit = 2 * self.max_parts + 10
        boundaries: set[bytes] = set()
        for index, match in enumerate(_BOUNDARY_PARAM_RE.finditer(raw)):
            if index >= limit:
                self.defects.add(f"more than {self.max_parts} MIME parts; the rest was dropped")
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
                    self.defects.add(f"more than {self.max_parts} MIME parts; "
                                     "the rest was dropped")
                    return raw[:match.start()]
        return raw

    def _address_header(self, message: Message, headers: list[tuple[str, str]],
                        name: str) -> tuple[object, str | None]:
        values = [value for key, value in headers if key == name]
        if not values:
            return None, None
        joined = ", ".join(values)
        return _structured(name, joined), joined

    # --- the MIME tree -------------------------------------------------------------------
    def _walk(self, part: Message, depth: int, path: str) -> list[_Segment]:
        if self.part_count >= self.max_parts:
            self.defects.add(f"more than {self.max_parts} MIME parts; the rest was ignored")
            return []
        if depth > self.max_depth:
            self.defects.add(f"MIME parts nested deeper than {self.max_depth} levels were ignored")
            return []
        self.part_count += 1
        if depth:
            self._collect_defects(part, f"part {path}")
        try:
            return self._walk_part(part, depth, path)
        except RecursionError:
            raise
        except Exception as error:  # noqa: BLE001 - one bad part must not lose the others
            self.defects.add(f"part {path} could not be read ({type(error).__name__})")
            return []

    def _walk_part(self, part: Message, depth: int, path: str) -> list[_Segment]:
        content_type = _content_type(part)
        main_type = content_type.split("/", 1)[0]
        disposition = _disposition(part)
        filename = _filename(part)
        payload_is_list = isinstance(part.get_payload(), list)

        if content_type in _MESSAGE_TYPES:
            self._attach_message(part, filename, disposition, path)
            return []
        if content_type == "message/delivery-status":
            text = self._structured_text(part, path)
            self.status_texts.append(text)
            self._attach(filename, content_type, text.encode("utf-8"), disposition, part)
            return []
        if content_type in _HEADER_TYPES:
            text = self._structured_text(part, path)
            fields = bounces.parse_fields(text[:200000])[:1]
            to = tuple(a for _, a in addresses(None, ", ".join(
                v for block in fields for k, v in block if k == "to")))
            self.returned.append((bounces.message_id_from_headers(text), to))
            self._attach(filename, content_type, text.encode("utf-8"), disposition, part)
            return []
        if payload_is_list:
            children = part.get_payload()
            if content_type == "multipart/alternative":
                return self._alternative(children, depth, path)
            segments: list[_Segment] = []
            for index, child in enumerate(children, 1):
                if isinstance(child, Message):
                    segments += self._walk(child, depth + 1, f"{path}.{index}")
            return segments

        is_body_type = content_type in ("text/plain", "text/html") or main_type == "multipart"
        named_attachment = filename is not None and disposition != "inline"
        if is_body_type and disposition != "attachment" and not named_attachment:
            text = self._part_text(part, path)
            if content_type == "text/html":
                return [_Segment(None, text)]
            return [_Segment(text, None)]
        data = _payload_bytes(part)
        self._attach(filename, content_type, data, disposition, part)
        return []

    def _alternative(self, children: list, depth: int, path: str) -> list[_Segment]:
        plain: str | None = None
        html: str | None = None
        for index, child in enumerate(children, 1):
            if not isinstance(child, Message):
                continue
            segments = self._walk(child, depth + 1, f"{path}.{index}")
            child_plain = [s.plain for s in segments if s.plain is not None]
            child_html = [s.html for s in segments if s.html is not None]
            if plain is None and child_plain:
                plain = "\n\n".join(child_plain)
            if child_html:
                html = "\n".join(child_html)
        return [_Segment(plain, html)] if plain is not None or html is not None else []

    def _part_text(self, part: Message, path: str) -> str:
        data = _payload_bytes(part)
        charset = _param(part, "content-type", "charset")
        text = decode_text(data, charset, self.defects, f"part {path}")  # type: ignore[arg-type]
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if (_param(part, "content-type", "format") or "").lower() == "flowed":
            delsp = (_param(part, "content-type", "delsp") or "").lower() == "yes"
            text = unflow(text, delsp)
        return text

    def _structured_text(self, part: Message, path: str) -> str:
        """The text of a part the stdlib may have parsed into header blocks."""
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks = []
            for block in payload:
                if isinstance(block, Message):
                    blocks.append("\n".join(f"{name}: {unsurrogate(str(value))}"
                                            for name, value in block.raw_items()))
            return "\n\n".join(blocks)
        return self._part_text(part, path)

    def _attach_message(self, part: Message, filename: str | None, disposition: str | None,
                        path: str) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        data = _serialise(inner) if isinstance(inner, Message) else _payload_bytes(part)
        encoding = str(part.get("content-transfer-encoding", "") or "").strip().lower()
        if encoding in ("base64", "quoted-printable") and isinstance(inner, Message):
            data = _undo_transfer_encoding(data, encoding)
            inner = _headers_only(data)
            self.defects.add(f"part {path}: attached message with a transfer encoding")
        if isinstance(inner, Message):
            inner_headers = _raw_headers(inner)
            inner_first = _first_values(inner_headers)
            to = tuple(a for _, a in addresses(None, inner_first.get("to")))
            self.returned.append((_first(message_ids(inner_first.get("message-id"))), to))
        self._attach(filename, "message/rfc822", data, disposition, part)

    def _attach(self, filename: str | None, content_type: str, data: bytes,
                disposition: str | None, part: Message) -> None:
        content_id = _first(message_ids(_raw_header(part, "content-id")))
        self.drafts.append(_Draft(filename, content_type, data, disposition, content_id))

    # --- results -------------------------------------------------------------------------
    def _body(self, segments: list[_Segment]) -> tuple[str, str | None]:
        texts: list[str] = []
        htmls: list[str] = []
        for segment in segments:
            clean_html = None
            if segment.html is not None and segment.html.strip():
                self.referenced_ids |= referenced_content_ids(segment.html[:MAX_HTML_CHARS])
                clean_html = self._sanitise(segment.html)
                if clean_html:
                    htmls.append(clean_html)
            if segment.plain is not None:
                texts.append(segment.plain)
            elif clean_html:
                texts.append(text_of_sanitised(clean_html))
        text = "\n\n".join(piece.strip("\n") for piece in texts if piece.strip())
        return text.strip(), ("\n".join(htmls) if htmls else None)

    def _sanitise(self, html: str) -> str:
        if self.html_total >= MAX_HTML_CHARS:
            self.defects.add("too much HTML; the rest was dropped")
            return ""
        html = html[:MAX_HTML_CHARS - self.html_total]
        self.html_total += len(html)
        return sanitise(html, self.defects)  # type: ignore[arg-type]

    def _attachments(self) -> tuple[Attachment, ...]:
        result: list[Attachment] = []
        forwarded = 0
        for number, draft in enumerate(self.drafts, 1):
            content_type = att.clean_content_type(draft.content_type)
            if content_type in _OCTET_STREAM_TYPES:
                content_type = att.sniff_content_type(draft.data, draft.filename) or content_type
            filename = att.sanitise_filename(draft.filename)
            if filename is None:
                if content_type in _MESSAGE_TYPES:
                    forwarded += 1
                    filename = att.generated_filename(content_type, forwarded)
                else:
                    filename = att.generated_filename(content_type, number)
            size = len(draft.data)
            result.append(Attachment(
                filename=filename, content_type=content_type, size=size, data=draft.data,
                inline=draft.disposition == "inline", content_id=draft.content_id,
                sha256=hashlib.sha256(draft.data).hexdigest(),
                refused=att.refusal(filename, content_type, draft.data, size,
                                    self.max_attachment_bytes)))
        return tuple(_with_inline(a, self.referenced_ids) for a in result)

    def _bounce(self, text: str, subject: str, from_address: str | None,
                return_path: str | None, first: dict[str, str]) -> Bounce | None:
        original_id = next((mid for mid, _ in self.returned if mid), None)
        original_to = next((to for _, to in self.returned if to), ())
        for status_text in self.status_texts:
            bounce = bounces.from_delivery_status(status_text, original_id)
            if bounce is not None:
                return bounce
        daemon = bool(from_address and _DAEMON_RE.match(from_address))
        if daemon:
            is_bounce = bounces.looks_like_bounce(subject, bool(self.returned))
        else:
            is_bounce = return_path == "" and bounces.looks_like_bounce(subject, False)
        if not is_bounce:
            return None
        return bounces.from_text(text, failed_recipients=first.get("x-failed-recipients"),
                                 original_to=original_to, original_message_id=original_id,
                                 ignore=(from_address or "",))

    def _collect_defects(self, part: Message, where: str) -> None:
        for defect in getattr(part, "defects", ())[:20]:
            name = _CAMEL_RE.sub(" ", type(defect).__name__.removesuffix("Defect")).lower()
            self.defects.add(f"{where}: {name}")


def _with_inline(attachment: Attachment, referenced: set[str]) -> Attachment:
    if attachment.inline or not attachment.content_id:
        return attachment
    if attachment.content_id.lower() in referenced:
        return Attachment(**{**attachment.__dict__, "inline": True})
    return attachment


def _fallback(raw: bytes, defects: _Defects) -> ParsedMail:
    try:
        text = decode_text(raw[:MAX_TEXT_CHARS * 4], None)[:MAX_TEXT_CHARS].strip()
    except Exception:  # noqa: BLE001
        text = raw[:MAX_TEXT_CHARS].decode("utf-8", "replace")
    return ParsedMail(
        message_id=None, in_reply_to=(), references=(), from_address=None, from_name=None,
        reply_to=(), to=(), cc=(), return_path=None, subject="", date=None,
        content_language=None, text=text, new_text=text, html=None, attachments=(),
        auto_generated=(), bounce=None, defects=defects.result(), language=None)


# --- header access, strict first, lenient when that fails ----------------------------------
def _raw_headers(message: Message) -> list[tuple[str, str]]:
    headers = []
    for index, (name, value) in enumerate(message.raw_items()):
        if index >= MAX_HEADERS:
            break
        headers.append((unsurrogate(str(name)).strip().lower(), str(value)))
    return headers


def _first_values(headers: list[tuple[str, str]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name, value)
    return first


def _all(headers: list[tuple[str, str]], name: str) -> str:
    return " ".join(value for key, value in headers if key == name)


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _raw_header(part: Message, name: str) -> str | None:
    for key, value in part.raw_items():
        if str(key).strip().lower() == name:
            return str(value)
    return None


def _structured(name: str, raw: str | None) -> object:
    """``policy.default``'s header object for a short raw value; None when long or invalid."""
    if raw is None or len(raw) > MAX_STRUCTURED_HEADER_CHARS:
        return None
    try:
        return email_policy.default.header_fetch_parse(name, raw)
    except Exception:  # noqa: BLE001 - policy.default raises on some malformed headers
        return None


def _content_type(part: Message) -> str:
    try:
        return att.clean_content_type(part.get_content_type(), "text/plain")
    except Exception:  # noqa: BLE001
        raw = _raw_header(part, "content-type") or ""
        return att.clean_content_type(unsurrogate(raw).split(";", 1)[0], "text/plain")


def _disposition(part: Message) -> str | None:
    raw = _raw_header(part, "content-disposition")
    value = unsurrogate(raw[:200]).split(";", 1)[0].strip().lower() if raw else None
    return value if value in ("inline", "attachment") else (
        "attachment" if value else None)


def _param(part: Message, header: str, name: str) -> str | None:
    """A header parameter, RFC 2231 decoded; compat32 parsing when policy.default fails."""
    raw = _raw_header(part, header)
    if raw is None:
        return None
    try:
        params = getattr(_structured(header, raw), "params", None)
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


def _filename(part: Message) -> str | None:
    name = _param(part, "content-disposition", "filename") or _param(part, "content-type", "name")
    if name and "=?" in name:
        name = decode_words(name)
    return name or None


def _payload_bytes(part: Message) -> bytes:
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


def _serialise(message: Message) -> bytes:
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=email_policy.compat32).flatten(message)
        return buffer.getvalue()
    except Exception:  # noqa: BLE001
        try:
            return str(message).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""


def _undo_transfer_encoding(data: bytes, encoding: str) -> bytes:
    """The attached message when a mailer base64- or QP-encoded it (RFC 2046 forbids that)."""
    try:
        if encoding == "base64":
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
        import quopri

        return quopri.decodestring(data)
    except Exception:  # noqa: BLE001
        return data


def _headers_only(data: bytes) -> Message | None:
    try:
        return BytesParser(policy=email_policy.compat32).parsebytes(data, headersonly=True)
    except Exception:  # noqa: BLE001
        return None


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    value = normalise_space(unsurrogate(value))
    if re.fullmatch(r"<\s*>", value) or value in ("", "<>"):
        return ""
    match = re.search(r"<([^<>]{0,512})>", value)
    return clean_address(match.group(1) if match else value)


def _content_language(value: str | None) -> str | None:
    if not value:
        return None
    token = normalise_space(unsurrogate(value)).split(",", 1)[0].strip()
    return token if re.fullmatch(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,4}", token) else None


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 ``format=flowed`` soft line breaks.

    Examples
    --------
    >>> unflow("Lampa u ulici \\nne radi.\\n> citat \\n> dalje\\n-- \\nMarko")
    'Lampa u ulici ne radi.\\n> citat dalje\\n-- \\nMarko'
    """
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing, or the space after the quote marks
        if pending is not None and depth == pending_depth and line != "-- ":
            content = pending + content
        elif pending is not None:
            out.append(_quote(pending_depth, pending))
        pending = None
        if content.endswith(" ") and line != "-- ":
            pending, pending_depth = (content[:-1] if delsp else content), depth
        else:
            out.append(_quote(depth, content))
    if pending is not None:
        out.append(_quote(pending_depth, pending))
    return "\n".join(out)


def _quote(depth: int, content: str) -> str:
    return "> " * depth + content if depth else content
