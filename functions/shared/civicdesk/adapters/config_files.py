"""The municipality's configuration files (``infra/config/``) -> one configuration document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ..domain.municipality import parse_municipality


def load_config_dir(directory: str | Path) -> dict:
    """Merge ``municipality.json``, ``departments.json``, ``services.json`` and
    ``categories.json`` into the document ``parse_municipality`` validates (and validate it)."""
    directory = Path(directory)

    def read(name: str) -> dict:
        with (directory / name).open(encoding="utf-8") as handle:
            return json.load(handle)

    document = read("municipality.json")
    document["departments"] = read("departments.json")["departments"]
    document["services"] = read("services.json")["services"]
    categories = read("categories.json")
    document["groups"] = categories["groups"]
    document["categories"] = categories["categories"]
    document["holidays"] = public_holidays(document["country"], extra=document.get("extra_holidays", []))
    parse_municipality(document)  # fail here, before anything is stored
    return document


def public_holidays(country: str, *, extra: list[str] = (), today: date | None = None,
                    years_ahead: int = 4) -> list[str]:
    """The country's public holidays (ISO dates) from last year to ``years_ahead`` years on,
    plus the municipality's own days off (``extra_holidays`` in ``municipality.json``).

    Computed when the configuration is seeded, so that the functions need neither the
    ``holidays`` package nor its import time; re-seed at least once a year.
    """
    import holidays  # an operations dependency, not a runtime one

    year = (today or date.today()).year
    days = holidays.country_holidays(country, years=range(year - 1, year + years_ahead + 1))
    return sorted({day.isoformat() for day in days} | set(extra))
