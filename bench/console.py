"""The staff console in headless Chromium against the local runtime (``make bench``; issue 13):
what its first load transfers, how soon the queue is usable, and how long a page of 50 cases
takes to render once the API has answered.

The runtime runs as ``make run`` starts it (``bench.local_load.Runtime``), with cases registered
through the admin API as an operator registers calls. Chromium's own record of the network (the
DevTools protocol's ``Network`` events, the browser cache disabled) gives every request of a
load and its body; each body is counted as CloudFront would send it compressed: gzip (level 6)
for a compressible type between 1,000 and 10,000,000 bytes, as it is otherwise (CloudFront's
rules for compressing objects). The times are the page's own: the queue screen sets User Timing
marks when the API's answer arrives (``civicdesk:queue-data``) and when its rows are in the
document (``civicdesk:queue-rendered``, ``web/console/js/queue/rows.js``); the time until the
queue is usable is the second mark's time since the navigation started.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: Cases in the runtime: more than the 50 of the page measured.
SEED = int(os.environ.get("BENCH_CONSOLE_CASES", "60"))
ROUNDS = int(os.environ.get("BENCH_CONSOLE_ROUNDS", "7"))
#: Who opens the console: the operator (sr-Cyrl), who sees every case.
USER = "milica.jovanovic"
QUEUE_PATH = "/cases?limit=50"
#: What CloudFront compresses (its list of file types, by the Content-Type's start).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/x-javascript",
                "image/svg+xml", "application/xml", "font/")
ROW_MARK = "civicdesk:queue-rendered"
RENDER_MEASURE = "civicdesk:queue-render"


def cloudfront_bytes(body: bytes, content_type: str) -> int:
    """The body's size as CloudFront would send it to a browser that accepts gzip."""
    if content_type.startswith(COMPRESSIBLE) and 1000 <= len(body) <= 10_000_000:
        return len(gzip.compress(body, compresslevel=6, mtime=0))
    return len(body)


def _kind(url: str, content_type: str) -> str:
    path = url.split("?")[0]
    if "javascript" in content_type or path.endswith((".js", ".mjs")):
        return "js"
    if "css" in content_type:
        return "css"
    if "html" in content_type:
        return "html"
    if "json" in content_type:
        return "json"
    return "other"


@contextmanager
def _chromium() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.support.browser import CHROMEDRIVER, CHROMIUM

    profile = tempfile.mkdtemp(prefix="civicdesk-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,900",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        yield driver
    finally:
        driver.quit()
        import shutil

        shutil.rmtree(profile, ignore_errors=True)


def _network(driver, origins: tuple[str, ...] = ()) -> list[dict]:
    """The requests to ``origins`` (the runtime's HTTP API and its Cognito) finished since the
    last call: url, method, status, type and body size as sent compressed (see
    :func:`cloudfront_bytes`); the browser's own (its start page's) are left out."""
    sent: dict[str, dict] = {}
    finished: list[str] = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            request = params["request"]
            sent[params["requestId"]] = {"url": request["url"], "method": request["method"]}
        elif method == "Network.responseReceived" and params["requestId"] in sent:
            response = params["response"]
            sent[params["requestId"]].update(status=response["status"], type=response.get("mimeType", ""))
        elif method == "Network.loadingFinished":
            finished.append(params["requestId"])
    requests = []
    for request_id in finished:
        request = sent.get(request_id)
        if not request or not request["url"].startswith(origins):
            continue
        try:
            answer = driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
            body = base64.b64decode(answer["body"]) if answer["base64Encoded"] else answer["body"].encode()
        except Exception:  # noqa: BLE001 - a preflight or an empty answer has no body
            body = b""
        content_type = request.get("type", "")
        requests.append({**request, "kind": _kind(request["url"], content_type), "bytes": len(body),
                         "compressed": cloudfront_bytes(body, content_type)})
    return requests


def _load_summary(requests: list[dict]) -> dict:
    by_kind: Counter = Counter()
    raw: Counter = Counter()
    for r in requests:
        by_kind[r["kind"]] += r["compressed"]
        raw[r["kind"]] += r["bytes"]
    return {"requests": len(requests),
            "compressed_kb": {k: round(v / 1024, 1) for k, v in sorted(by_kind.items())},
            "uncompressed_kb": {k: round(v / 1024, 1) for k, v in sorted(raw.items())},
            "urls": sorted(f"{r['method']} /{r['url'].split('://', 1)[-1].split('/', 1)[-1]}" for r in requests)}


def _wait(driver, script: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.02)
    raise RuntimeError(f"the console did not get there within {timeout} s: {script}")


def _open_queue(driver, url: str, round_: int) -> tuple[float, float]:
    """Open the console on the queue (a fresh navigation, signed in); the queue's usable time
    and its rows' render time, in seconds."""
    driver.get("about:blank")
    driver.get(f"{url}/console/?round={round_}#{QUEUE_PATH}")
    found = _wait(driver, f"const m = performance.getEntriesByName({json.dumps(ROW_MARK)});"
                          f"const r = performance.getEntriesByName({json.dumps(RENDER_MEASURE)});"
                          "return m.length && r.length && document.querySelectorAll('.case-table tbody tr').length"
                          " ? [m[0].startTime, r[0].duration] : null")
    return found[0] / 1000, found[1] / 1000


def console_figures() -> dict:
    from bench.local_load import Runtime
    from tests.support.browser import CHROMEDRIVER, CHROMIUM
    from tests.support.console import sign_in
    from tests.support.console_cases import id_token, register_cases, settings

    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        return {"console_skipped": f"{CHROMIUM} or {CHROMEDRIVER} is not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        runtime = Runtime(state)
        try:
            register_cases(runtime.url, id_token(state, USER), SEED)
            user = next(u for u in settings(state)["users"] if u["username"] == USER)
            origins = (f"{runtime.url}/", settings(state)["cognito"]["endpoint"])
            with _chromium() as driver:
                driver.get("about:blank")
                _network(driver)
                driver.get(f"{runtime.url}/console/")
                _wait(driver, "return document.querySelector('input[name=username]')")
                time.sleep(0.5)  # anything the sign-in screen still loads
                sign_in_load = _load_summary(_network(driver, origins))
                sign_in(driver, runtime.url, user, path=QUEUE_PATH)
                _network(driver)  # the sign-in's own requests
                usable, render = _open_queue(driver, runtime.url, 0)
                time.sleep(1.0)  # the count, the views and the colleagues after the rows
                queue_load = _load_summary(_network(driver, origins))
                rows = driver.execute_script("return document.querySelectorAll('.case-table tbody tr').length")
                samples = [_open_queue(driver, runtime.url, n) for n in range(1, ROUNDS + 1)]
                samples.append((usable, render))
                driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
                _open_queue(driver, runtime.url, ROUNDS + 1)  # fills the cache
                warm = [_open_queue(driver, runtime.url, ROUNDS + 2 + n)[0] for n in range(ROUNDS)]
        finally:
            runtime.stop()
    usable_all = [s[0] for s in samples]
    render_all = [s[1] for s in samples]
    return {
        "console_first_load_js_kb": max(sign_in_load["compressed_kb"].get("js", 0.0),
                                        queue_load["compressed_kb"].get("js", 0.0)),
        "console_sign_in_load": sign_in_load,
        "console_queue_load": queue_load,
        "console_queue_load_js_kb": queue_load["compressed_kb"].get("js", 0.0),
        "console_queue_rows": rows,
        "console_queue_usable_seconds": round(statistics.median(usable_all), 3),
        "console_queue_usable_samples": [round(x, 3) for x in usable_all],
        "console_queue_usable_warm_seconds": round(statistics.median(warm), 3),
        "console_queue_render_50_ms": round(statistics.median(render_all) * 1000, 1),
        "console_queue_render_samples_ms": [round(x * 1000, 1) for x in render_all],
    }


def describe(f: dict) -> list[str]:
    if "console_skipped" in f:
        return [f"  console: skipped: {f['console_skipped']}"]
    s, q = f["console_sign_in_load"], f["console_queue_load"]
    return [
        f"  console first load (sign-in): {s['requests']} requests, {sum(s['compressed_kb'].values()):.1f} KB "
        f"compressed as CloudFront sends it ({s['compressed_kb']}), "
        f"the larger JavaScript of the two loads {f['console_first_load_js_kb']} KB (target <= 150 KB)",
        f"  console queue load (signed in): {q['requests']} requests, {sum(q['compressed_kb'].values()):.1f} KB "
        f"({q['compressed_kb']}; JavaScript {f['console_queue_load_js_kb']} KB)",
        f"  console queue usable: {f['console_queue_usable_seconds']:.3f} s from navigation to "
        f"{f['console_queue_rows']} rows (target <= 1.5 s; median of {len(f['console_queue_usable_samples'])}, "
        f"cache disabled; {f['console_queue_usable_warm_seconds']:.3f} s with the browser's cache)",
        f"  console 50-case page render: {f['console_queue_render_50_ms']} ms after the API answered "
        f"(median of {len(f['console_queue_render_samples_ms'])})",
    ]
