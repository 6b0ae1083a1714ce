"""The front-end libraries the console serves (web/console/vendor/, committed) are exactly the
ones package-lock.json pins: each vendored file names its package and version, and its bytes are
the ones `make vendor` copied (manifest.json)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from infra.local.template import ROOT
from infra.vendor import CONSOLE_FILES, CONSOLE_VENDOR, TEST_FILES, TEST_VENDOR

LOCK = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
PACKAGE = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("directory", "files"), [(CONSOLE_VENDOR, CONSOLE_FILES), (TEST_VENDOR, TEST_FILES)])
def test_every_vendored_file_is_the_locked_version_unchanged(directory, files):
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    expected = {name for entries in files.values() for _, name in entries}
    assert set(manifest) == expected
    for name, entry in manifest.items():
        locked = LOCK["packages"][f"node_modules/{entry['package']}"]
        assert entry["version"] == locked["version"], name
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == entry["sha256"], (
            f"{name} differs from what `make vendor` copied: run it again")


def test_packages_are_pinned_exactly_and_locked():
    for name, version in PACKAGE["devDependencies"].items():
        assert version[0].isdigit(), f"{name} is not pinned to one version: {version}"
        assert LOCK["packages"][f"node_modules/{name}"]["version"] == version
    assert LOCK["packages"][""]["devDependencies"] == PACKAGE["devDependencies"]


#: What would load code or styles from elsewhere: a module import, a script or stylesheet tag, a
#: CSS url(), a fetch. (Links a person follows, such as a place on OpenStreetMap, are not loads.)
FOREIGN_LOADS = re.compile(r"""(import\s*(\(|[^;]*?from)\s*['"]https?:|<script[^>]+src=["']https?:|"""
                           r"""<link[^>]+href=["']https?:|url\(\s*['"]?https?:|fetch\(\s*[`'"]https?:)""")


def test_the_console_loads_nothing_from_another_origin():
    files = [p for p in (ROOT / "web" / "console").rglob("*")
             if p.suffix in {".js", ".mjs", ".html", ".css"} and "vendor" not in p.parts]
    assert files
    for path in files:
        found = FOREIGN_LOADS.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path.relative_to(ROOT)} loads from another origin: {found.group(0)}"
