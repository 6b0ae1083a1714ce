"""The defects of a parse: what was odd or dropped, as short notes for the operator."""

from __future__ import annotations

import re
from email.message import Message

from .charsets import unsurrogate

#: Most defects reported; the rest are counted.
MAX_DEFECTS = 100

_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


class Defects:
    """Human-readable notes, capped so that a hostile message cannot flood them.

    Examples
    --------
    >>> defects = Defects()
    >>> defects.add("subject: undecodable bytes"); defects.add("subject: undecodable bytes")
    >>> defects.result()
    ('subject: undecodable bytes',)
    """

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

    def collect(self, part: Message, where: str) -> None:
        """Add the defects the stdlib parser found in ``part`` (the first 20)."""
        for defect in getattr(part, "defects", ())[:20]:
            name = _CAMEL_RE.sub(" ", type(defect).__name__.removesuffix("Defect")).lower()
            self.add(f"{where}: {name}")

    def result(self) -> tuple[str, ...]:
        if self.dropped:
            return (*self.notes, f"{self.dropped} more defects not listed")
        return tuple(self.notes)
