"""The state directory: where the local runtime keeps the emulated account across restarts.

What is in it, and how it is written as it changes, is ``infra.local.store``'s (the account's
data) and ``infra.local.outbox``'s (the mail and SMS sent). This module holds what the small
tools need without importing moto (``infra.local.token`` finds the directory here) and the
helpers they share.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("civicdesk.local")


def call_after(hook: Callable[[], None], what: str) -> None:
    """Call ``hook`` after ``what`` (an invocation); a failure is logged, never raised into
    the caller, whose work is done."""
    try:
        hook()
    except Exception:  # noqa: BLE001 - the work it follows is done
        log.exception("state: the hook after %s failed", what)

#: Where ``make run`` keeps its state; here rather than in ``runtime`` so that the small tools
#: (``infra.local.token``) find it without importing moto.
DEFAULT_STATE_DIR = Path(__file__).resolve().parents[2] / ".civicdesk"


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def encode_item(value: Any) -> Any:
    """A low-level typed DynamoDB value made JSON-safe: binary (``B``/``BS``) as base64.

    Examples
    --------
    >>> encode_item({"doc": {"B": b"\\x1f\\x8b"}, "n": {"N": "1"}, "l": {"L": [{"BS": [b"a"]}]}})
    {'doc': {'B': 'H4s='}, 'n': {'N': '1'}, 'l': {'L': [{'BS': ['YQ==']}]}}
    """
    return _convert(value, lambda raw: base64.b64encode(raw).decode("ascii"))


def decode_item(value: Any) -> Any:
    """The inverse of ``encode_item``.

    Examples
    --------
    >>> decode_item({"doc": {"B": "H4s="}, "m": {"M": {"x": {"BS": ["YQ=="]}}}})
    {'doc': {'B': b'\\x1f\\x8b'}, 'm': {'M': {'x': {'BS': [b'a']}}}}
    """
    return _convert(value, base64.b64decode)


def _convert(item: dict, binary: Callable[[Any], Any]) -> dict:
    def attribute(typed: dict) -> dict:
        (kind, value), = typed.items()
        if kind == "B":
            return {kind: binary(value)}
        if kind == "BS":
            return {kind: [binary(v) for v in value]}
        if kind == "M":
            return {kind: {k: attribute(v) for k, v in value.items()}}
        if kind == "L":
            return {kind: [attribute(v) for v in value]}
        return {kind: value}
    return {name: attribute(typed) for name, typed in item.items()}


class StateError(RuntimeError):
    """The state directory cannot be read (a corrupt database or snapshot file)."""

    def __init__(self, path: Path, error: BaseException):
        super().__init__(f"cannot restore {path}: {error}. Fix or delete it (or the whole state "
                         f"directory, to start from scratch).")
        self.path = path
