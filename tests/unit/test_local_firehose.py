"""The local runtime's Firehose stream (``infra.local.firehose``): records are on disk when
``put`` returns, delivered as Parquet by the UTC day they arrived, with the Glue table's columns,
what does not fit goes to the error prefix, and a crash at any point loses nothing and archives
nothing twice."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from infra.local.firehose import (
    Column,
    GlueType,
    LocalDeliveryStream,
    StreamSpec,
    stream_specs,
)
from infra.local.template import Template

SPEC = StreamSpec(
    "ArchiveStream", "events/day=!{timestamp:yyyy-MM-dd}/",
    "errors/!{firehose:error-output-type}/day=!{timestamp:yyyy-MM-dd}/", "Table",
    (Column("id", GlueType.parse("string")), Column("at", GlueType.parse("string")),
     Column("case", GlueType.parse("struct<number:string,public:boolean>")),
     Column("data", GlueType.parse("struct<status:string,level:int>"))),
    "events/", table_name="case_events", partitions=("day",))
LATE_EVENING = datetime(2026, 12, 1, 23, 59, 58, tzinfo=timezone.utc).timestamp()


class Clock:
    def __init__(self, at: float):
        self.at = at

    def __call__(self) -> float:
        return self.at


def event(number: str, **data) -> str:
    return json.dumps({"id": f"{number}/e1", "at": "2026-12-01T23:59:58.000000Z",
                       "case": {"number": number, "public": True, "department": "roads"},
                       "data": data, "extra": "dropped"})


def stream(tmp_path: Path, clock: Clock, **kw) -> LocalDeliveryStream:
    return LocalDeliveryStream(SPEC, tmp_path / "state", tmp_path / "archive", clock=clock, **kw)


def rows(archive: Path, pattern: str = "events/**/*.parquet") -> list[tuple]:
    return duckdb.sql(
        f"SELECT day, id, \"case\".number, data.level FROM read_parquet('{archive}/{pattern}', "
        f"hive_partitioning = true, hive_types = {{'day': 'VARCHAR'}}) ORDER BY id").fetchall()


def test_records_are_delivered_by_the_utc_day_they_arrived_with_the_tables_columns(tmp_path):
    clock = Clock(LATE_EVENING)
    archive = stream(tmp_path, clock)
    archive.put(event("2026-000001", status="new", level=1))
    clock.at += 5  # past midnight UTC
    archive.put(event("2026-000002", status="resolved"))
    written = archive.flush()
    assert sorted(p.relative_to(tmp_path / "archive").parent.as_posix() for p in written) == [
        "events/day=2026-12-01", "events/day=2026-12-02"]
    assert rows(tmp_path / "archive") == [("2026-12-01", "2026-000001/e1", "2026-000001", 1),
                                          ("2026-12-02", "2026-000002/e1", "2026-000002", None)]
    columns = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{written[0]}', "
                         f"hive_partitioning = false)").fetchall()
    assert [(c[0], c[1].replace('"', "")) for c in columns] == [
        ("id", "VARCHAR"), ("at", "VARCHAR"), ("case", "STRUCT(number VARCHAR, public BOOLEAN)"),
        ("data", "STRUCT(status VARCHAR, level INTEGER)")]
    assert list((tmp_path / "state" / "firehose" / "ArchiveStream").iterdir()) == []


def test_a_record_that_does_not_fit_goes_to_the_error_prefix_as_it_came(tmp_path):
    archive = stream(tmp_path, Clock(LATE_EVENING))
    archive.put(event("2026-000001", level="high"))
    archive.put("not json")
    archive.put(event("2026-000002", level=2))
    archive.flush()
    assert [r[1] for r in rows(tmp_path / "archive")] == ["2026-000002/e1"]
    [errors] = (tmp_path / "archive" / "errors" / "format-conversion-failed" /
                "day=2026-12-01").glob("*.jsonl")
    failed = [json.loads(line) for line in errors.read_text().splitlines()]
    assert [base64.b64decode(f["rawData"]).decode() for f in failed] == [
        event("2026-000001", level="high"), "not json"]
    assert "data.level" in failed[0]["errorMessage"]


def test_a_put_is_on_disk_when_it_returns_and_a_restart_delivers_it(tmp_path):
    clock = Clock(LATE_EVENING)
    first = stream(tmp_path, clock)
    first.put(event("2026-000001"))
    # GIVEN the process died here: no flush, no stop, and the last line cut short by the crash
    [segment] = (tmp_path / "state" / "firehose" / "ArchiveStream").glob("*.jsonl")
    with segment.open("a") as handle:
        handle.write('{"arrived": 1, "da')
    # WHEN the next runtime starts its stream
    second = stream(tmp_path, clock).start()
    second.stop()
    # THEN the record SNS accepted is archived, once; the torn line was never accepted
    assert [r[1] for r in rows(tmp_path / "archive")] == ["2026-000001/e1"]


def test_a_delivery_interrupted_after_writing_is_done_again_without_duplicates(tmp_path, monkeypatch):
    clock = Clock(LATE_EVENING)
    archive = stream(tmp_path, clock)
    archive.put(event("2026-000001"))
    clock.at += 5
    archive.put(event("2026-000002"))
    # GIVEN a crash after the first day's file was renamed into place, before the second's
    original = LocalDeliveryStream._write_parquet
    calls = []

    def crash_on_second(self, target, rows_):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return original(self, target, rows_)

    monkeypatch.setattr(LocalDeliveryStream, "_write_parquet", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        archive.flush()
    monkeypatch.setattr(LocalDeliveryStream, "_write_parquet", original)
    # WHEN it is delivered again (the next start)
    stream(tmp_path, clock).start().stop()
    # THEN each event is archived exactly once, the first day's file overwritten by its twin
    assert [r[1] for r in rows(tmp_path / "archive")] == ["2026-000001/e1", "2026-000002/e1"]
    assert not list((tmp_path / "archive").glob("**/*.tmp"))


def test_a_segment_closes_after_its_records_and_is_delivered_by_the_thread(tmp_path):
    archive = stream(tmp_path, Clock(LATE_EVENING), buffer_records=2, buffer_seconds=30).start()
    try:
        archive.put(event("2026-000001"))
        archive.put(event("2026-000002"))
        archive.put(event("2026-000003"))
        deadline = datetime.now().timestamp() + 10
        while not list((tmp_path / "archive").glob("events/**/*.parquet")):
            assert datetime.now().timestamp() < deadline, "the full segment was not delivered"
    finally:
        archive.stop()
    assert len(rows(tmp_path / "archive")) == 3


def test_the_template_stream_is_read_with_its_glue_table():
    [spec] = stream_specs(Template())
    assert (spec.logical_id, spec.table_name, spec.partitions, spec.location) == (
        "EventsArchiveDeliveryStream", "case_events", ("day",), "events/")
    assert spec.prefix == "events/day=!{timestamp:yyyy-MM-dd}/"
