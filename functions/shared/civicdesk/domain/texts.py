"""Texts configured in several languages (a department's name, a category's description)."""

from __future__ import annotations

from typing import Mapping


def localised(text: Mapping[str, str], language: str, fallback: str = "en") -> str:
    """The text in ``language``, else in ``fallback``, else any."""
    return text.get(language) or text.get(fallback) or next(iter(text.values()), "")
