"""Body text: a part's bytes decoded to text, ``format=flowed`` undone, the pieces joined.

A mail's body is the sequence of ``Segment``s the MIME walk finds: plain text, HTML, or both
from a ``multipart/alternative``. ``body`` joins them into the mail's text (the plain version
where there is one) and its sanitised HTML, within ``MAX_TEXT_CHARS`` and ``MAX_HTML_CHARS``.
"""

from __future__ import annotations

from email.message import Message

from msgspec import Struct

from .charsets import decode_text, unsurrogate
from .defects import Defects
from .htmltext import MAX_HTML_CHARS, referenced_content_ids, sanitise, text_of_sanitised
from .mime import param, payload_bytes

#: Longest ``text`` and ``new_text``; longer ones are cut with a defect.
MAX_TEXT_CHARS = 200_000


class Segment(Struct):
    """One piece of body: its plain text, its HTML, or both (from multipart/alternative)."""

    plain: str | None
    html: str | None


class Body(Struct, frozen=True):
    """A mail's text and sanitised HTML, and the content ids that HTML shows (lower case)."""

    text: str
    html: str | None
    referenced_ids: frozenset[str]


def body(segments: list[Segment], defects: Defects) -> Body:
    """The text and HTML of a mail made of ``segments``.

    Examples
    --------
    >>> mail = body([Segment("Lampa ne radi.\\n", "<p>Lampa ne radi.</p>"),
    ...              Segment(None, '<p>Slika: <img src="cid:P1@x"></p>')], Defects())
    >>> mail.text, mail.referenced_ids
    ('Lampa ne radi.\\n\\nSlika:', frozenset({'p1@x'}))
    """
    texts: list[str] = []
    htmls: list[str] = []
    referenced: set[str] = set()
    html_total = 0
    for segment in segments:
        clean_html = None
        if segment.html is not None and segment.html.strip():
            referenced |= referenced_content_ids(segment.html[:MAX_HTML_CHARS])
            if html_total >= MAX_HTML_CHARS:
                defects.add("too much HTML; the rest was dropped")
                clean_html = ""
            else:
                html = segment.html[:MAX_HTML_CHARS - html_total]
                html_total += len(html)
                clean_html = sanitise(html, defects)  # type: ignore[arg-type]
            if clean_html:
                htmls.append(clean_html)
        if segment.plain is not None:
            texts.append(segment.plain)
        elif clean_html:
            texts.append(text_of_sanitised(clean_html))
    text = "\n\n".join(piece.strip("\n") for piece in texts if piece.strip()).strip()
    if len(text) > MAX_TEXT_CHARS:
        defects.add(f"text longer than {MAX_TEXT_CHARS} characters; cut")
        text = text[:MAX_TEXT_CHARS]
    return Body(text, "\n".join(htmls) if htmls else None, frozenset(referenced))


def part_text(part: Message, path: str, defects: Defects) -> str:
    """The text of a leaf part: decoded from its charset, newlines normalised, unflowed."""
    data = payload_bytes(part)
    charset = param(part, "content-type", "charset")
    text = decode_text(data, charset, defects, f"part {path}")  # type: ignore[arg-type]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (param(part, "content-type", "format") or "").lower() == "flowed":
        delsp = (param(part, "content-type", "delsp") or "").lower() == "yes"
        text = unflow(text, delsp)
    return text


def structured_text(part: Message, path: str, defects: Defects) -> str:
    """The text of a part the stdlib may have parsed into header blocks."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{name}: {unsurrogate(str(value))}"
                                        for name, value in block.raw_items()))
        return "\n\n".join(blocks)
    return part_text(part, path, defects)


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
