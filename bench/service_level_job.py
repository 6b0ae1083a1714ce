"""The service-level job's reads as the cases due grow (part of ``make bench``): one run of the
job (``functions/sla/``'s service, with the job-run ledger) over 10 and over 1,000 cases due,
each time in a table that also holds ``NOT_DUE`` open cases due weeks later. Its reads should
grow with the cases due (one ``Query`` per due-time shard, one ``BatchGetItem`` per 100 cases),
not with the cases held.

moto in-process (``bench.in_process_aws``); calls counted with botocore's ``before-call`` hook,
items read as DynamoDB charges them (``after-call``: a ``Query``'s ``ScannedCount``, the items
a ``GetItem`` or ``BatchGetItem`` returned). Run alone:
``PYTHONPATH=functions/shared .venv/bin/python -m bench.service_level_job``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone

from msgspec.structs import replace

#: The cases due in each measured run, and the open cases held besides that are not due.
DUE = (10, 1000)
NOT_DUE = 1000
READS = ("Query", "GetItem", "BatchGetItem", "Scan")

CALL = {"type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Грађанин јавља да је на коловозу велика рупа.",
        "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"}}


class _Calls:
    """The DynamoDB calls made from ``attach`` on (``before-call``) and the items read."""

    def __init__(self):
        self.calls: Counter[str] = Counter()
        self.items = 0

    def attach(self) -> "_Calls":
        from civicdesk.adapters.dynamodb import session

        events = session.connection_client().meta.events
        events.register("before-call.dynamodb", self._call)
        events.register("after-call.dynamodb", self._read)
        return self

    def _call(self, model, **_):
        self.calls[model.name] += 1

    def _read(self, model, parsed, **_):
        if model.name in ("Query", "Scan"):
            self.items += int(parsed.get("ScannedCount", 0))
        elif model.name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(items) for items in (parsed.get("Responses") or {}).values())


def _hold(template, count: int, start: int, shift: timedelta) -> None:
    """``count`` copies of the case ``template`` (numbers from ``start``), their clocks moved by
    ``shift``, written straight to the table (with their due-time keys)."""
    from civicdesk.adapters.dynamodb.items import CaseItem
    from civicdesk.adapters.dynamodb.mappers import case_to_item

    clock = template.clock
    moved = replace(clock, first_reaction_due=clock.first_reaction_due + shift,
                    resolution_due=clock.resolution_due + shift)
    with CaseItem.batch_write() as batch:
        for index in range(start, start + count):
            batch.save(case_to_item(template.with_changes(number=f"2026-{index:06d}", clock=moved)))


def _run(due: int) -> dict:
    from bench.__main__ import SUPERVISOR_CLAIMS
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from civicdesk.domain.jobs import JobRun
    from civicdesk.domain.policy import principal_from_claims

    operator = principal_from_claims(SUPERVISOR_CLAIMS)  # a supervisor may register calls too
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    # A call that came in four weeks ago: both service levels passed.
    late = dict(CALL, received_at=(now - timedelta(days=28)).isoformat())
    casework = wiring.casework_service()
    template = wiring.case_repository().get_case(
        casework.open_case(operator, case_commands.open_staff_case(late)).number)
    _hold(template, due - 1, 100_000, timedelta(0))
    _hold(template, NOT_DUE, 200_000, timedelta(days=60))
    calls = _Calls().attach()
    result = wiring.job_runner(240).run(JobRun("sla", now), wiring.service_level_job().run)
    reads = {name: calls.calls[name] for name in READS if calls.calls[name]}
    return {"cases_due": result.outcome["cases_due"], "escalations": result.outcome["escalations"],
            "read_calls": sum(reads.values()), "read_call_log": reads, "items_read": calls.items,
            "writes": calls.calls["TransactWriteItems"],
            "ledger_calls": calls.calls["PutItem"] + calls.calls["UpdateItem"]}


def service_level_job_reads() -> dict:
    """The figures of one run over each of ``DUE`` cases due, ``NOT_DUE`` more held."""
    from bench.__main__ import in_process_aws

    figures: dict = {"service_level_job_shape": f"{NOT_DUE} open cases held besides those due, "
                                                f"due weeks later"}
    for due in DUE:
        with in_process_aws():
            measured = _run(due)
        assert measured["cases_due"] == due, measured
        for key, value in measured.items():
            figures[f"service_level_job_{key}_{due}_due"] = value
    return figures


if __name__ == "__main__":
    json.dump(service_level_job_reads(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    sys.exit(0)
