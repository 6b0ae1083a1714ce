"""Open311's two formats from one model (``docs/open311.md``): a document is a root element
name, the name of each list entry, and the entries as ordered dicts; JSON writes the list at the
root (the spec's "Spark convention"), XML writes ``<root><entry>...</entry></root>`` with the
spec's element names. ``xml.etree`` escapes the text; ids and codes are strings; ``None`` is
``null`` in JSON and an absent element in XML; lists inside an entry (a service definition's
``attributes``/``values``, discovery's ``endpoints``/``formats``) are wrapped in their plural
element with one child each.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

#: An XML element name for the entries of a list field.
_CHILD = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
          "formats": "format", "errors": "error"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    if value is None:
        return
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, (list, tuple)):
        child = _CHILD.get(name, "item")
        for inner in value:
            _append(element, child, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, entry: str | None, body: Any) -> bytes:
    """``<?xml ... encoding="utf-8"?>`` and the document: ``entry`` names each element of a
    list ``body``; a dict ``body`` (discovery, a service definition) is the root's content."""
    element = ElementTree.Element(root)
    if isinstance(body, dict):
        for key, value in body.items():
            _append(element, key, value)
    else:
        assert entry is not None
        for item in body:
            _append(element, entry, item)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, entry: str | None, body: Any) -> tuple[bytes, str]:
    """The body and its content type in ``fmt``."""
    if fmt == "xml":
        return to_xml(root, entry, body), XML_TYPE
    return json.dumps(body, ensure_ascii=False).encode("utf-8"), JSON_TYPE


def errors_body(errors: list[tuple[int, str]]) -> list[dict]:
    return [{"code": code, "description": description} for code, description in errors]


def render_errors(fmt: str, errors: list[tuple[int, str]]) -> tuple[bytes, str]:
    return render(fmt, "errors", "error", errors_body(errors))


def split_format(segment: str) -> tuple[str, str | None]:
    """``("services", "json")`` from ``services.json``; the format is ``None`` when the suffix
    is missing or not one of ours.

    >>> split_format("123-2026.xml")
    ('123-2026', 'xml')
    >>> split_format("services.html")
    ('services', None)
    """
    name, dot, suffix = segment.rpartition(".")
    if not dot:
        return segment, None
    return name, suffix.lower() if suffix.lower() in FORMATS else None
