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

This module puts the mail together; the work is done by ``mime`` (building and reading the
tree), ``walk`` (what each part is), ``bodies`` (the text and HTML), ``headers``,
``attachments``, ``bounces`` and ``autoreply``.
"""

from __future__ import annotations

from . import bounces, mime
from .attachments import finish_drafts
from .autoreply import auto_generated_reasons
from .bodies import MAX_TEXT_CHARS, body
from .charsets import decode_text
from .defects import Defects
from .headers import (
    addresses,
    decode_words,
    first_message_id,
    message_ids,
    normalise_space,
    parse_content_language,
    parse_date,
    parse_return_path,
)
from .language import guess_language
from .model import ParsedMail
from .quotes import strip_history
from .walk import TreeWalk

#: Longest subject kept.
MAX_SUBJECT_CHARS = 2000
#: Nesting never descended past this, whatever ``max_depth`` says (the walk is recursive).
HARD_MAX_DEPTH = 200


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
    defects = Defects()
    try:
        data = _as_bytes(raw)
    except Exception:  # noqa: BLE001 - never raise: an unreadable input is an empty mail
        data = b""
        defects.add("input was not bytes")
    try:
        return _parse(data, defects, max_attachment_bytes=max_attachment_bytes,
                      max_parts=max(int(max_parts), 1),
                      max_depth=min(max(int(max_depth), 0), HARD_MAX_DEPTH),
                      loop_header=str(loop_header))
    except Exception as error:  # noqa: BLE001 - degrade to the raw bytes as text
        defects.add(f"message could not be parsed ({type(error).__name__}); kept as text")
        return _fallback(data, defects)


def _as_bytes(raw: object) -> bytes:
    if raw is None:
        return b""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return bytes(raw)  # type: ignore[call-overload]


def _parse(raw: bytes, defects: Defects, *, max_attachment_bytes: int, max_parts: int,
           max_depth: int, loop_header: str) -> ParsedMail:
    message = mime.read_tree(raw, defects, max_parts=max_parts, max_depth=max_depth)
    if message is None:
        return _fallback(raw, defects)
    headers = mime.raw_headers(message)
    first = mime.first_values(headers)
    hint = mime.charset_hint(message)  # what raw 8-bit bytes in the headers are read in
    from_pairs = addresses(mime.structured("from", first.get("from")), first.get("from"), hint)
    sender_pairs = addresses(mime.structured("sender", first.get("sender")),
                             first.get("sender"), hint)
    notes: list[str] = defects  # type: ignore[assignment]
    subject = normalise_space(decode_words(first.get("subject", ""), notes, "subject",
                                           hint))[:MAX_SUBJECT_CHARS]
    content_type = mime.content_type(message)

    tree = TreeWalk(defects, max_parts=max_parts, max_depth=max_depth)
    mail_body = body(tree.walk(message, 0, "1"), defects)
    text = mail_body.text
    new_text = strip_history(text)
    attachments = finish_drafts(tree.drafts, mail_body.referenced_ids, max_attachment_bytes)

    from_address = from_pairs[0][1] if from_pairs else None
    return_path = parse_return_path(first.get("return-path"))
    reasons = auto_generated_reasons(
        headers, from_address=from_address,
        sender_address=sender_pairs[0][1] if sender_pairs else None,
        subject=subject, content_type=content_type, return_path=return_path,
        loop_header=loop_header)
    bounce = bounces.from_mail(text, subject=subject, from_address=from_address,
                               return_path=return_path,
                               failed_recipients=first.get("x-failed-recipients"),
                               status_texts=tree.status_texts, returned=tree.returned)
    defects.collect(message, "message")
    return ParsedMail(
        message_id=first_message_id(first.get("message-id")),
        in_reply_to=message_ids(mime.all_values(headers, "in-reply-to")),
        references=message_ids(mime.all_values(headers, "references")),
        from_address=from_address,
        from_name=(from_pairs[0][0] or None) if from_pairs else None,
        reply_to=_address_list(headers, "reply-to", hint),
        to=_address_list(headers, "to", hint),
        cc=_address_list(headers, "cc", hint),
        return_path=return_path,
        subject=subject,
        date=parse_date(first.get("date")),
        content_language=parse_content_language(first.get("content-language")),
        text=text,
        new_text=new_text,
        html=mail_body.html,
        attachments=attachments,
        auto_generated=reasons,
        bounce=bounce,
        defects=defects.result(),
        language=guess_language(new_text),
    )


def _address_list(headers: list[tuple[str, str]], name: str,
                  hint: str | None) -> tuple[str, ...]:
    """The bare addresses of every ``name`` header together (a mail may repeat To or Cc)."""
    values = [value for key, value in headers if key == name]
    if not values:
        return ()
    joined = ", ".join(values)
    return tuple(a for _, a in addresses(mime.structured(name, joined), joined, hint))


def _fallback(raw: bytes, defects: Defects) -> ParsedMail:
    try:
        text = decode_text(raw[:MAX_TEXT_CHARS * 4], None)[:MAX_TEXT_CHARS].strip()
    except Exception:  # noqa: BLE001
        text = raw[:MAX_TEXT_CHARS].decode("utf-8", "replace")
    return ParsedMail(
        message_id=None, in_reply_to=(), references=(), from_address=None, from_name=None,
        reply_to=(), to=(), cc=(), return_path=None, subject="", date=None,
        content_language=None, text=text, new_text=text, html=None, attachments=(),
        auto_generated=(), bounce=None, defects=defects.result(), language=None)
