"""How an incoming mail finds its case: per-case reply addresses and subject tags.

The reply address carries a short tag derived from the case's secret token hash, so a stranger
cannot write into a case by guessing its number: ``podrska+2026-000123.k3f9a1c2@domain``.
"""

from __future__ import annotations

import hashlib
import re

_REPLY_LOCAL_RE = re.compile(r"^(?P<box>[^+@]+)\+(?P<number>\d{4}-\d{6,})\.(?P<tag>[0-9a-f]{8})$")


def reply_tag(token_hash: str) -> str:
    """Eight hex characters that only the holder of the case's stored token hash can compute."""
    return hashlib.sha256(f"reply:{token_hash}".encode("ascii")).hexdigest()[:8]


def case_reply_address(mailbox: str, number: str, token_hash: str) -> str:
    """``kjs+2026-000123.1a2b3c4d@demo.civicdesk.rs`` for the mailbox ``kjs@demo.civicdesk.rs``.

    Examples
    --------
    >>> case_reply_address("kjs@demo.civicdesk.rs", "2026-000123", "ab" * 32)
    'kjs+2026-000123.68dc8b2f@demo.civicdesk.rs'
    """
    local, _, domain = mailbox.partition("@")
    return f"{local}+{number}.{reply_tag(token_hash)}@{domain}"


def parse_reply_address(address: str) -> tuple[str, str, str] | None:
    """``(mailbox, number, tag)`` of a per-case reply address, else ``None``.

    Examples
    --------
    >>> parse_reply_address("KJS+2026-000123.ae8ba8ec@demo.civicdesk.rs")
    ('kjs@demo.civicdesk.rs', '2026-000123', 'ae8ba8ec')
    >>> parse_reply_address("kjs@demo.civicdesk.rs") is None
    True
    """
    local, _, domain = (address or "").strip().lower().partition("@")
    match = _REPLY_LOCAL_RE.match(local)
    if not match or not domain:
        return None
    return f"{match.group('box')}@{domain}", match.group("number"), match.group("tag")


def base_mailbox(address: str) -> str:
    """The mailbox without any ``+suffix``: ``kjs+x@d`` -> ``kjs@d``."""
    local, _, domain = (address or "").strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
