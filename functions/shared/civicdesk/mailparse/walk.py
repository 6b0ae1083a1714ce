"""The walk over a MIME tree: which part is body, attachment, delivery report or returned mail.

Parts past ``max_parts`` and nesting past ``max_depth`` are not descended into, and a part
that cannot be read is noted as a defect without losing the others.
"""

from __future__ import annotations

from email.message import Message

from . import bounces, mime
from .attachments import MESSAGE_TYPES, Draft
from .bodies import Segment, part_text, structured_text
from .defects import Defects
from .headers import addresses, first_message_id

_HEADER_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers",
                           "message/global-headers"})


class TreeWalk:
    """One walk over a message's MIME tree, collecting what its parts hold.

    ``walk`` returns the body segments in order; the walk keeps the attachments (``drafts``),
    the text of each ``message/delivery-status`` part (``status_texts``) and the Message-ID and
    To addresses of each returned message or header part (``returned``).

    Examples
    --------
    >>> tree = mime.headers_only(b"Content-Type: text/plain\\r\\n\\r\\n")
    >>> tree.set_payload("Lampa ne radi.")
    >>> tree_walk = TreeWalk(Defects(), max_parts=10, max_depth=3)
    >>> tree_walk.walk(tree, 0, "1"), tree_walk.drafts
    ([Segment(plain='Lampa ne radi.', html=None)], [])
    """

    def __init__(self, defects: Defects, *, max_parts: int, max_depth: int) -> None:
        self.defects = defects
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.part_count = 0
        self.drafts: list[Draft] = []
        self.status_texts: list[str] = []
        self.returned: list[tuple[str | None, tuple[str, ...]]] = []

    def walk(self, part: Message, depth: int, path: str) -> list[Segment]:
        """The body segments of ``part`` (at nesting ``depth``, numbered ``path``) and below."""
        if self.part_count >= self.max_parts:
            self.defects.add(f"more than {self.max_parts} MIME parts; the rest was ignored")
            return []
        if depth > self.max_depth:
            self.defects.add(f"MIME parts nested deeper than {self.max_depth} levels were ignored")
            return []
        self.part_count += 1
        if depth:
            self.defects.collect(part, f"part {path}")
        try:
            return self._walk_part(part, depth, path)
        except RecursionError:
            raise
        except Exception as error:  # noqa: BLE001 - one bad part must not lose the others
            self.defects.add(f"part {path} could not be read ({type(error).__name__})")
            return []

    def _walk_part(self, part: Message, depth: int, path: str) -> list[Segment]:
        content_type = mime.content_type(part)
        main_type = content_type.split("/", 1)[0]
        disposition = mime.disposition(part)
        filename = mime.filename(part)
        payload = part.get_payload()

        if content_type in MESSAGE_TYPES:
            self._attach_message(part, filename, disposition, path)
            return []
        if content_type == "message/delivery-status":
            text = structured_text(part, path, self.defects)
            self.status_texts.append(text)
            self._attach(filename, content_type, text.encode("utf-8"), disposition, part)
            return []
        if content_type in _HEADER_TYPES:
            text = structured_text(part, path, self.defects)
            fields = bounces.parse_fields(text[:200000])[:1]
            to = tuple(a for _, a in addresses(None, ", ".join(
                v for block in fields for k, v in block if k == "to")))
            self.returned.append((bounces.message_id_from_headers(text), to))
            self._attach(filename, content_type, text.encode("utf-8"), disposition, part)
            return []
        if isinstance(payload, list):
            if content_type == "multipart/alternative":
                return self._alternative(payload, depth, path)
            segments: list[Segment] = []
            for index, child in enumerate(payload, 1):
                if isinstance(child, Message):
                    segments += self.walk(child, depth + 1, f"{path}.{index}")
            return segments

        is_body_type = content_type in ("text/plain", "text/html") or main_type == "multipart"
        named_attachment = filename is not None and disposition != "inline"
        if is_body_type and disposition != "attachment" and not named_attachment:
            text = part_text(part, path, self.defects)
            if content_type == "text/html":
                return [Segment(None, text)]
            return [Segment(text, None)]
        data = mime.payload_bytes(part)
        self._attach(filename, content_type, data, disposition, part)
        return []

    def _alternative(self, children: list[Message | str], depth: int,
                     path: str) -> list[Segment]:
        plain: str | None = None
        html: str | None = None
        for index, child in enumerate(children, 1):
            if not isinstance(child, Message):
                continue
            segments = self.walk(child, depth + 1, f"{path}.{index}")
            child_plain = [s.plain for s in segments if s.plain is not None]
            child_html = [s.html for s in segments if s.html is not None]
            if plain is None and child_plain:
                plain = "\n\n".join(child_plain)
            if child_html:
                html = "\n".join(child_html)
        return [Segment(plain, html)] if plain is not None or html is not None else []

    def _attach_message(self, part: Message, filename: str | None, disposition: str | None,
                        path: str) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        data = mime.serialise(inner) if isinstance(inner, Message) else mime.payload_bytes(part)
        encoding = str(part.get("content-transfer-encoding", "") or "").strip().lower()
        if encoding in ("base64", "quoted-printable") and isinstance(inner, Message):
            data = mime.undo_transfer_encoding(data, encoding)
            inner = mime.headers_only(data)
            self.defects.add(f"part {path}: attached message with a transfer encoding")
        if isinstance(inner, Message):
            inner_first = mime.first_values(mime.raw_headers(inner))
            to = tuple(a for _, a in addresses(None, inner_first.get("to")))
            self.returned.append((first_message_id(inner_first.get("message-id")), to))
        self._attach(filename, "message/rfc822", data, disposition, part)

    def _attach(self, filename: str | None, content_type: str, data: bytes,
                disposition: str | None, part: Message) -> None:
        content_id = first_message_id(mime.raw_header(part, "content-id"))
        self.drafts.append(Draft(filename, content_type, data, disposition, content_id))
