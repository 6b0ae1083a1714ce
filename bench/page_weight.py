"""The portal's page weight (part of ``make bench``, issue 16): what a citizen's browser fetches
to show each portal page, as Chromium loads it from the local runtime (``make run``'s), by the
browser's own resource timing: the HTML, its styles and scripts, every module they import, the
map library once the map is drawn, and the API's answers the page asks for on load. Map tiles
come from the configured tile server, not from the stack, and are left out (the test browser
reaches nothing but this machine).

Each file is counted as served (bytes) and as CloudFront sends it compressed (gzip, level 6,
``Compress: true`` on the distribution); the API's JSON is counted apart. Needs Debian's chromium
and chromedriver. Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.page_weight``.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

PAGES = ("index.html", "track.html", "reports.html", "account.html", "alerts.html")
#: The report form: HTML, styles, scripts and the map library, compressed.
FORM_TARGET_BYTES = 150_000
#: How long the set of fetched resources must stay the same before a page counts as loaded.
QUIET_SECONDS = 1.5


def _resources(driver, url: str) -> list[str]:
    driver.get(url)
    deadline, seen, since = time.monotonic() + 30, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = driver.execute_script("return performance.getEntriesByType('resource').length")
        if count != seen:
            seen, since = count, time.monotonic()
        elif time.monotonic() - since >= QUIET_SECONDS:
            break
        time.sleep(0.25)
    return [url] + driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)")


def page_weights() -> dict:
    import requests

    from infra.local.runtime import LocalRuntime
    from tests.support.browser import CHROMEDRIVER, CHROMIUM, chromium

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        return {"portal_page_weight": f"not measured: {CHROMIUM} is not installed"}
    figures: dict = {}
    with tempfile.TemporaryDirectory() as state, \
            LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=Path(state) / "state",
                         run_schedules=False) as runtime, chromium() as driver:
        origin = runtime.http_url
        for page in PAGES:
            assets = api = assets_gzip = api_gzip = files = 0
            for name in dict.fromkeys(_resources(driver, f"{origin}/{page}?lang=sr-Latn")):
                parts = urlsplit(name)
                if f"{parts.scheme}://{parts.netloc}" != origin:
                    continue  # tiles and anything else not served by the stack
                body = requests.get(name, timeout=30).content
                packed = len(gzip.compress(body, 6))
                if parts.path.startswith("/v1/"):
                    api, api_gzip = api + len(body), api_gzip + packed
                else:
                    files, assets, assets_gzip = files + 1, assets + len(body), assets_gzip + packed
            key = page.removesuffix(".html")
            figures[f"portal_{key}_files"] = files
            figures[f"portal_{key}_bytes"] = assets
            figures[f"portal_{key}_gzip_bytes"] = assets_gzip
            figures[f"portal_{key}_api_gzip_bytes"] = api_gzip
    return figures


def describe(f: dict) -> list[str]:
    if "portal_page_weight" in f:
        return [f"  portal page weight: {f['portal_page_weight']}"]
    lines = ["  portal page weight (files, served KB, gzip KB; + the API's JSON on load, gzip KB):"]
    for page in PAGES:
        key = page.removesuffix(".html")
        lines.append(f"    {page:<13} {f[f'portal_{key}_files']:>3} files, "
                     f"{f[f'portal_{key}_bytes'] / 1000:7.1f} KB, {f[f'portal_{key}_gzip_bytes'] / 1000:6.1f} KB gzip"
                     f" + {f[f'portal_{key}_api_gzip_bytes'] / 1000:5.1f} KB API")
    lines.append(f"    the report form: {f['portal_index_gzip_bytes'] / 1000:.1f} KB gzip "
                 f"(target <= {FORM_TARGET_BYTES / 1000:.0f} KB)")
    return lines


if __name__ == "__main__":
    measured = page_weights()
    print("\n".join(describe(measured)))
    json.dump(measured, sys.stdout, indent=2)
    print()
