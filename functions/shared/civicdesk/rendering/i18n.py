"""Message catalogues for every text a citizen or operator sees.

One JSON file per language (``sr-Cyrl``, ``sr-Latn``, ``bg``, ``cs``, ``en``) in ``catalogues/``,
loaded on first use. Messages use ``str.format`` placeholders.

Examples
--------
>>> translate("en", "field.too_long", max=10)
'Must be at most 10 characters long.'
>>> pick_language("sr-Latn,sr;q=0.9,en;q=0.5", ("sr-Cyrl", "sr-Latn", "en"), "sr-Cyrl")
'sr-Latn'
>>> pick_language("sr-RS", ("sr-Cyrl", "sr-Latn", "en"), "en")
'sr-Cyrl'
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..domain.cases import LANGUAGES

CATALOGUES = Path(__file__).parent / "catalogues"
FALLBACK = "en"


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        language = FALLBACK
    with (CATALOGUES / f"{language}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


class _SafeParams(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(language: str, key: str, **params: object) -> str:
    """The message ``key`` in ``language`` (English if missing), with ``params`` filled in."""
    text = catalogue(language).get(key) or catalogue(FALLBACK).get(key) or key
    return text.format_map(_SafeParams({k: "" if v is None else v for k, v in params.items()}))


_ALIASES = {
    "sr": "sr-Cyrl", "sr-rs": "sr-Cyrl", "sr-cyrl": "sr-Cyrl", "sr-cyrl-rs": "sr-Cyrl",
    "sr-latn": "sr-Latn", "sr-latn-rs": "sr-Latn", "sh": "sr-Latn", "hr": "sr-Latn",
    "bs": "sr-Latn", "me": "sr-Latn", "cnr": "sr-Latn", "bg": "bg", "bg-bg": "bg",
    "cs": "cs", "cs-cz": "cs", "sk": "cs", "en": "en",
}


def normalise_language(tag: str | None) -> str | None:
    """Map a BCP 47 tag to one of CivicDesk's five languages, or ``None``."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    if tag in LANGUAGES:
        return tag
    lower = tag.lower()
    if lower in _ALIASES:
        return _ALIASES[lower]
    if lower.startswith("en-"):
        return "en"
    return _ALIASES.get(lower.split("-")[0])


def pick_language(accept_language: str | None, available: tuple[str, ...], default: str) -> str:
    """The best of ``available`` for an ``Accept-Language`` header, else ``default``."""
    if not accept_language:
        return default
    ranked = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        language = normalise_language(tag)
        if language in available:
            return language
    return default
