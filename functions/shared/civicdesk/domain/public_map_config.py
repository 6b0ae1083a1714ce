"""The ``public_map`` section of a municipality's configuration (``municipality.json``): how
precisely the public map, "nearby reports" and Open311 show each category's point, checked when
the configuration is loaded (at seed time and on every read of the stored document).

A street light or a pothole is shown where it is; a noise complaint or a stray dog is near
someone's home, and is shown only as the cell of about ``precision_m`` metres it lies in
(``domain.public_projection.coarsen``).
"""

from __future__ import annotations

from typing import Mapping

from msgspec import Struct, field

from .errors import ConfigurationError

#: The coarsest cell a point may be published as (beyond it, a map shows nothing useful).
MAX_PRECISION_M = 2000
#: Without a ``public_map`` section: every point coarsened to about this many metres.
DEFAULT_PRECISION_M = 150


class LocationPrecision(Struct, frozen=True):
    """Metres a published point stands for, by category; 0 is the exact point."""

    default_m: int = DEFAULT_PRECISION_M
    by_category: Mapping[str, int] = field(default_factory=dict)

    def for_category(self, category: str) -> int:
        return int(self.by_category.get(category, self.default_m))


def _fail(detail: str) -> ConfigurationError:
    return ConfigurationError("error.configuration", detail=detail)


def _metres(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRECISION_M:
        raise _fail(f"{where}: expected whole metres from 0 (exact) to {MAX_PRECISION_M}, not {value!r}")
    return value


def parse_location_precision(raw: object, categories: Mapping[str, object]) -> LocationPrecision:
    """``public_map``: ``{"default_precision_m": 150, "precision_m": {<category id>: metres}}``;
    every category named must exist. Absent: ``DEFAULT_PRECISION_M`` for every category.

    >>> parse_location_precision({"precision_m": {"lights": 0}}, {"lights": 1}).for_category("lights")
    0
    >>> parse_location_precision(None, {}).for_category("noise")
    150
    >>> parse_location_precision({"precision_m": {"lamps": 0}}, {"lights": 1})
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConfigurationError: error.configuration
    """
    if raw is None:
        return LocationPrecision()
    if not isinstance(raw, Mapping):
        raise _fail("public_map must be an object")
    unknown = set(raw) - {"default_precision_m", "precision_m"}
    if unknown:
        raise _fail(f"public_map: unknown keys {', '.join(sorted(unknown))}")
    default = _metres(raw.get("default_precision_m", DEFAULT_PRECISION_M), "public_map.default_precision_m")
    by_category = raw.get("precision_m") or {}
    if not isinstance(by_category, Mapping):
        raise _fail("public_map.precision_m must be an object of metres by category id")
    checked: dict[str, int] = {}
    for category, metres in by_category.items():
        if category not in categories:
            raise _fail(f"public_map.precision_m: unknown category {category}")
        checked[category] = _metres(metres, f"public_map.precision_m.{category}")
    return LocationPrecision(default, checked)
