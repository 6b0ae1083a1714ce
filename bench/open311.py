"""Open311's reads (part of ``make bench``, issue 16): the DynamoDB calls of one ``GET requests``
page (target 1: one ``Query`` of the ``PublicReports`` index), of the next page by its cursor, of
a filtered page and of a list of ids, and of a ``POST requests`` with an app's key, through the
Open311 handler with the wired ``PublicReports`` (``wiring.open311_public_reports``: the public
map part's adapter) over 120 public cases.

moto in-process (``bench.in_process_aws``); calls counted with botocore's ``before-call`` hook on
the table's client. Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.open311``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from urllib.parse import urlencode

CASES = 120
CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
        "description": "Ne radi ulična rasveta kod stajališta."}


class _Calls:
    def __init__(self):
        self.calls: Counter[str] = Counter()

    def attach(self) -> "_Calls":
        from civicdesk.adapters.dynamodb import session

        session.connection_client().meta.events.register("before-call.dynamodb", self._call)
        return self

    def _call(self, model, **_):
        self.calls[model.name] += 1


def _measure() -> dict:
    from civicdesk import wiring
    from civicdesk.api.open311_handlers import Open311Call, handle
    from civicdesk.domain.cases import Location, utc_now
    from civicdesk.domain.open311 import new_api_key
    from civicdesk.services.open311 import ensure_key
    from civicdesk.services.public_commands import OpenPublicCase

    for index in range(CASES):
        wiring.case_service().open_public_case(OpenPublicCase(
            **{**CASE, "category": ("street_lighting", "illegal_dumping")[index % 2]},
            location=Location(lat=44.015 + index / 10000, lon=20.915)))
    _, secret = new_api_key()
    ensure_key(wiring.open311_api_keys(), secret, "bench", "bench", "bench", utc_now())
    service, media = wiring.open311_service(), wiring.open311_media_base()

    def run(method: str, resource: str, item=None, params=None, body=None) -> tuple[int, list, dict]:
        calls = _Calls().attach()
        answer = handle(Open311Call(method, resource, item, params or {}, body), service, media)
        from civicdesk.adapters.dynamodb import session

        session.connection_client().meta.events.unregister("before-call.dynamodb", calls._call)
        return answer.status, json.loads(answer.body), dict(calls.calls) | {"_headers": answer.headers}

    run("GET", "services.json")  # a warm container: the configuration is read
    status, first, log = run("GET", "requests.json", params={"page_size": "50"})
    assert status == 200 and len(first) == 50, (status, first[:1])
    cursor = log.pop("_headers").get("X-Next-Cursor")
    _, second, next_log = run("GET", "requests.json", params={"page_size": "50", "cursor": cursor or ""})
    next_log.pop("_headers")
    _, _, filtered_log = run("GET", "requests.json", params={
        "page_size": "50", "status": "open", "service_code": "street_lighting"})
    filtered_log.pop("_headers")
    ids = ",".join(r["service_request_id"] for r in first[:10])
    _, by_id, ids_log = run("GET", "requests.json", params={"service_request_id": ids})
    ids_log.pop("_headers")
    form = urlencode({"api_key": secret, "service_code": "illegal_dumping", "lat": "44.018",
                      "long": "20.92", "description": "Šut pored puta."}).encode()
    status, _, post_log = run("POST", "requests.json", body=form)
    post_log.pop("_headers")
    assert status == 200
    return {"open311_requests_page_calls": sum(log.values()), "open311_requests_page_call_log": log,
            "open311_next_page_calls": sum(next_log.values()), "open311_next_page_reports": len(second),
            "open311_filtered_page_calls": sum(filtered_log.values()),
            "open311_ids_page_calls": sum(ids_log.values()), "open311_ids_page_reports": len(by_id),
            "open311_post_calls": sum(post_log.values()), "open311_post_call_log": post_log}


def open311_figures() -> dict:
    from bench.__main__ import in_process_aws
    from civicdesk import wiring

    if not hasattr(wiring, "public_reports"):
        return {"open311_note": "not measured: no PublicReports adapter wired (wiring.public_reports, "
                                "the public map part)"}
    with in_process_aws():
        return _measure()


def describe(f: dict) -> str:
    if "open311_requests_page_calls" not in f:
        return f"  Open311:         {f.get('open311_note')}"
    return (f"  Open311:         GET requests page {f['open311_requests_page_calls']} DynamoDB call "
            f"{f['open311_requests_page_call_log']} (target <= 1), next page "
            f"{f['open311_next_page_calls']}, filtered {f['open311_filtered_page_calls']}, ten ids "
            f"{f['open311_ids_page_calls']}; POST requests {f['open311_post_calls']} "
            f"{f['open311_post_call_log']}")


if __name__ == "__main__":
    figures = open311_figures()
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False, default=str)
    print()
    print(describe(figures))
    sys.exit(0)
