"""The archive of case events in the local runtime, end to end: a call registered and its status
changed -> the table's stream -> the events topic -> the firehose subscription -> Parquet under
``<state>/archive/events/day=<UTC day>/`` with the Glue table's columns -> the documented DuckDB
command answers; events buffered when the runtime stops are archived too, and only once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from infra.local.runtime import LocalRuntime
from infra.local.template import ROOT
from tests.support.local_staff import change_status, id_token, register_call, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_archive")]


def archive_query(state_dir, sql: str) -> list[dict]:
    """``python -m infra.local.archive query --format json`` as the README documents it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CIVICDESK_"))}
    env["CIVICDESK_STATE_DIR"] = str(state_dir)
    done = subprocess.run([sys.executable, "-m", "infra.local.archive", "query", "--format",
                           "json", sql], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_cases_events_land_in_parquet_and_duckdb_answers(tmp_path):
    state_dir = tmp_path / "state"
    today = datetime.now(timezone.utc).date().isoformat()
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=state_dir,
                      run_schedules=False) as runtime:
        token = id_token(runtime)
        case = register_call(runtime, token, {"name": "Милан Јовановић", "phone": "064 123 4567"})
        case = change_status(runtime, token, case, "in_progress",
                             "Екипа излази сутра, Милане Јовановићу.")
        # WHEN the stream's buffer (a few seconds locally) has passed
        day_dir = runtime.archive_dir / "events" / f"day={today}"
        found = wait_for(lambda: sorted(day_dir.glob("*.parquet")) if len(archive_query(
            state_dir, f"SELECT id FROM case_events WHERE \"case\".number = '{case['number']}'"))
            >= 2 else None, 30, interval=0.5)
        assert found, f"no Parquet file with both events in {day_dir}"
        # THEN the DuckDB command answers from the files, with the event's fields as columns
        rows = archive_query(state_dir, (
            "SELECT type, actor, visibility, \"case\".department AS department, "
            "data.status AS status, data.public_text AS text, day FROM case_events "
            f"WHERE \"case\".number = '{case['number']}' ORDER BY \"at\""))
        assert [(r["type"], r["day"]) for r in rows] == [("case.opened", today),
                                                         ("case.status_changed", today)]
        assert rows[1]["actor"] == "staff:milica.jovanovic" and rows[1]["status"] == "in_progress"
        assert rows[0]["department"] == "roads_traffic"
        # AND only what the event carries: the public text redacted, no phone number anywhere
        assert "Јовановић" not in (rows[1]["text"] or "") and "[…]" in rows[1]["text"]
        everything = json.dumps(archive_query(state_dir, "SELECT * FROM case_events"),
                                ensure_ascii=False)
        assert "064 123 4567" not in everything and "+38164" not in everything

        # WHEN one more change is made, published into the stream's buffer, and the runtime
        # stops before the buffer's time
        change_status(runtime, token, case, "waiting_for_citizen", "Пошаљите фотографију.")
        wal = state_dir / "firehose" / "EventsArchiveDeliveryStream"
        assert wait_for(lambda: [p for p in wal.glob("*.jsonl")
                                 if "waiting_for_citizen" in p.read_text(encoding="utf-8")],
                        15, interval=0.05), "the event never reached the stream"
    # THEN the stop delivered it; every event is there once
    ids = [r["id"] for r in archive_query(state_dir, "SELECT id FROM case_events")]
    assert len(ids) == len(set(ids))
    statuses = [r["s"] for r in archive_query(
        state_dir, "SELECT data.status AS s FROM case_events WHERE type = 'case.status_changed'")]
    assert sorted(statuses) == ["in_progress", "waiting_for_citizen"]
    assert not list((state_dir / "firehose" / "EventsArchiveDeliveryStream").glob("*.jsonl"))
