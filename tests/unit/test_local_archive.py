"""``python -m infra.local.archive``: the views over the local archive's Parquet files, with the
Glue table's columns even before any file exists, and the output formats."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from infra.local import archive
from infra.local.firehose import LocalDeliveryStream, stream_specs
from infra.local.template import Template

EVENT = {"schema_version": "1", "id": "2026-000001/e1", "type": "case.opened",
         "at": "2026-12-01T09:30:00.000000Z", "actor": "staff:ana", "visibility": "public",
         "case": {"number": "2026-000001", "department": "roads_traffic", "category": "road_damage",
                  "type": "signal", "status": "new", "public": True, "language": "sr-Cyrl"},
         "data": {"channel": "phone"}}


def test_an_empty_archive_has_the_tables_columns_and_no_rows(tmp_path):
    names, rows = archive.query("SELECT * FROM case_events", tmp_path)
    assert rows == []
    assert names == ["schema_version", "id", "type", "at", "actor", "visibility", "case", "data",
                     "day"]


def test_the_view_reads_the_days_and_the_command_prints_json_lines(tmp_path, capsys):
    [spec] = stream_specs(Template())
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc).timestamp()
    stream = LocalDeliveryStream(spec, tmp_path / "state", tmp_path / "state" / "archive",
                                 clock=lambda: moment)
    stream.put(json.dumps(EVENT))
    stream.flush()
    code = archive.main(["--state-dir", str(tmp_path / "state"), "query", "--format", "json",
                         'SELECT day, "case".department AS department, data.channel AS channel, '
                         'CAST("at" AS TIMESTAMPTZ) IS NOT NULL AS timed FROM case_events'])
    assert code == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"day": "2026-12-01", "department": "roads_traffic", "channel": "phone", "timed": True}]


def test_a_bad_query_is_an_error_message_not_a_traceback(tmp_path, capsys):
    assert archive.main(["--state-dir", str(tmp_path), "query", "SELECT nope FROM case_events"]) == 2
    assert "nope" in capsys.readouterr().err
