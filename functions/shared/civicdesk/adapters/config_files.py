"""The municipality's configuration files (``infra/config/``) -> one configuration document."""

from __future__ import annotations

import json
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
    parse_municipality(document)  # fail here, before anything is stored
    return document
