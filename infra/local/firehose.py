"""Amazon Data Firehose for the local runtime: the template's delivery streams that convert JSON
to Parquet with a Glue table's schema, fed by SNS subscriptions of protocol ``firehose``.

moto's SNS accepts a ``firehose`` subscription and delivers nothing to it, and moto's Firehose
writes no Parquet; so the runtime does what the stream does in AWS, into the state directory:

* **SNS -> stream.** Every message published to a topic with a ``firehose`` subscription to a
  stream of the template is appended to that stream *within the publish*, before SNS answers
  (raw with ``RawMessageDelivery``, else SNS's JSON envelope; the subscription's filter policy
  applies): an event the topic accepted is on disk (``put``), never only in memory.
* **The buffer** is a write-ahead log, ``<state>/firehose/<stream>/<segment>.jsonl``, one JSON
  line per record with the time it arrived, flushed and ``fsync``-ed before ``put`` returns.
  A segment is closed after ``LOCAL_BUFFER_RECORDS`` records or ``LOCAL_BUFFER_SECONDS`` seconds
  (Firehose buffers 15 minutes or 128 MB: locally the files should appear while one watches),
  and when the runtime stops.
* **Delivery** converts each closed segment: every record to the Glue table's columns (missing
  fields become nulls, unknown ones are dropped, as the OpenX JSON SerDe does; one that does not
  fit a column's type goes to the error prefix as Firehose writes it there: its raw data in
  base64), grouped by the ``Prefix`` rendered with the record's arrival time (``!{timestamp:
  yyyy-MM-dd}``, UTC), written with DuckDB as one Parquet file (SNAPPY) per prefix under
  ``<state>/archive/`` (the bucket's root), each first to a temporary name and renamed, and only
  then the segment removed. A segment's files are named after it, so a conversion interrupted by
  a crash is done again at the next start and overwrites what it had written: no event is lost,
  none is archived twice.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from infra.local.template import Template, reference_target

log = logging.getLogger("civicdesk.local")

DELIVERY_STREAM = "AWS::KinesisFirehose::DeliveryStream"
GLUE_TABLE = "AWS::Glue::Table"
LOCAL_BUFFER_RECORDS = 500
LOCAL_BUFFER_SECONDS = 5.0
#: Firehose's ``!{firehose:error-output-type}`` for a record it could not convert.
CONVERSION_FAILED = "format-conversion-failed"


class FirehoseTemplateError(ValueError):
    """A delivery stream of the template that the runtime cannot emulate."""


# -- the schema (pure) -------------------------------------------------------------------------

def _split_fields(body: str) -> list[str]:
    """``a:int,b:struct<c:string,d:int>`` -> ``["a:int", "b:struct<c:string,d:int>"]``."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(body):
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:position])
            start = position + 1
    parts.append(body[start:])
    return [part.strip() for part in parts if part.strip()]


@dataclass(frozen=True)
class GlueType:
    """A Hive/Glue column type: a primitive (``string``, ``int``...), ``struct<...>`` with its
    fields, or ``array<...>``."""

    kind: str
    fields: tuple[tuple[str, "GlueType"], ...] = ()
    element: "GlueType | None" = None

    @classmethod
    def parse(cls, text: str) -> "GlueType":
        """
        >>> GlueType.parse("struct<number:string,public:boolean>").duckdb()
        'STRUCT("number" VARCHAR, "public" BOOLEAN)'
        >>> GlueType.parse("array<int>").duckdb()
        'INTEGER[]'
        """
        text = text.strip()
        lower = text.lower()
        if lower.startswith("struct<") and lower.endswith(">"):
            fields = []
            for part in _split_fields(text[len("struct<"):-1]):
                name, _, inner = part.partition(":")
                fields.append((name.strip().lower(), cls.parse(inner)))
            return cls("struct", tuple(fields))
        if lower.startswith("array<") and lower.endswith(">"):
            return cls("array", element=cls.parse(text[len("array<"):-1]))
        if lower not in _DUCKDB:
            raise FirehoseTemplateError(f"Glue type {text!r} is not emulated locally")
        return cls(lower)

    def duckdb(self) -> str:
        if self.kind == "struct":
            return "STRUCT(" + ", ".join(f'"{name}" {kind.duckdb()}'
                                         for name, kind in self.fields) + ")"
        if self.kind == "array":
            assert self.element is not None
            return self.element.duckdb() + "[]"
        return _DUCKDB[self.kind]

    def coerce(self, value: Any, where: str) -> Any:
        """``value`` as this type, as the OpenX JSON SerDe reads it; ``ValueError`` when it
        cannot be (the record then goes to the error output)."""
        if value is None:
            return None
        if self.kind == "struct":
            if not isinstance(value, dict):
                raise ValueError(f"{where}: an object was expected")
            lowered = {str(key).lower(): item for key, item in value.items()}
            return {name: kind.coerce(lowered.get(name), f"{where}.{name}")
                    for name, kind in self.fields}
        if self.kind == "array":
            assert self.element is not None
            if not isinstance(value, list):
                raise ValueError(f"{where}: an array was expected")
            return [self.element.coerce(item, f"{where}[]") for item in value]
        if self.kind in ("string", "varchar", "char"):
            if isinstance(value, (dict, list)):
                raise ValueError(f"{where}: a string was expected")
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        if self.kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError(f"{where}: a boolean was expected")
        if self.kind in ("tinyint", "smallint", "int", "integer", "bigint"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError(f"{where}: an integer was expected")
            number = _number(value, where)
            if number != int(number):
                raise ValueError(f"{where}: {value!r} is not an integer")
            return int(number)
        if self.kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError(f"{where}: a number was expected")
            return float(_number(value, where))
        if self.kind == "timestamp":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                moment = datetime.fromtimestamp(value / 1000, timezone.utc)
            else:
                moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
        if self.kind == "date":
            return datetime.fromisoformat(str(value)).date().isoformat()
        raise ValueError(f"{where}: type {self.kind} is not emulated")


def _number(value: int | float | str, where: str) -> int | float:
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a number") from None


_DUCKDB = {"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "boolean": "BOOLEAN",
           "tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER", "integer": "INTEGER",
           "bigint": "BIGINT", "double": "DOUBLE", "float": "FLOAT", "timestamp": "TIMESTAMP",
           "date": "DATE"}


@dataclass(frozen=True)
class Column:
    name: str
    type: GlueType


def render_prefix(prefix: str, arrived: float, *, error_output_type: str = "") -> str:
    """A Firehose prefix with its expressions evaluated for a record that arrived at
    ``arrived`` (epoch seconds): ``!{timestamp:<Java pattern>}`` in UTC, ``!{firehose:
    error-output-type}``, ``!{firehose:random-string}``.

    >>> render_prefix("events/day=!{timestamp:yyyy-MM-dd}/", 1764633600.0)
    'events/day=2025-12-02/'
    >>> render_prefix("errors/!{firehose:error-output-type}/", 0, error_output_type="x")
    'errors/x/'
    """
    moment = datetime.fromtimestamp(arrived, timezone.utc)

    def timestamp(match: re.Match) -> str:
        pattern = match.group(1)
        for java, python in (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"),
                             ("mm", "%M"), ("ss", "%S")):
            pattern = pattern.replace(java, python)
        return moment.strftime(pattern)

    rendered = re.sub(r"!\{timestamp:([^}]+)\}", timestamp, prefix)
    rendered = rendered.replace("!{firehose:error-output-type}", error_output_type)
    return rendered.replace("!{firehose:random-string}", uuid.uuid4().hex[:11])


@dataclass(frozen=True)
class StreamSpec:
    """A delivery stream with Parquet conversion, as the runtime emulates it."""

    logical_id: str
    prefix: str
    error_prefix: str
    table: str
    columns: tuple[Column, ...]
    #: The Glue table's location below the bucket (``events/``), where queries read.
    location: str
    #: The Glue table's name (``case_events``) and partition keys (``day``).
    table_name: str = ""
    partitions: tuple[str, ...] = ()


def glue_columns(template: Template, table_logical_id: str) -> tuple[Column, ...]:
    resource = template.resources.get(table_logical_id) or {}
    if resource.get("Type") != GLUE_TABLE:
        raise FirehoseTemplateError(f"{table_logical_id} is not an AWS::Glue::Table")
    descriptor = resource["Properties"]["TableInput"]["StorageDescriptor"]
    return tuple(Column(str(c["Name"]).lower(), GlueType.parse(str(c["Type"])))
                 for c in descriptor["Columns"])


def table_location(template: Template, table_logical_id: str) -> str:
    """The table's ``Location`` below its bucket: ``!Sub "s3://${ArchiveBucket}/events/"`` ->
    ``events/``."""
    location = template.resources[table_logical_id]["Properties"]["TableInput"][
        "StorageDescriptor"]["Location"]
    text = location.value if hasattr(location, "value") else str(location)
    return re.sub(r"^s3://[^/]+/?", "", str(text))


def stream_specs(template: Template) -> list[StreamSpec]:
    """Every delivery stream of the template that converts to Parquet (others are left out,
    with a warning: nothing locally reads them)."""
    found = []
    for logical_id, resource in template.of_type(DELIVERY_STREAM).items():
        destination = (resource.get("Properties") or {}).get("ExtendedS3DestinationConfiguration")
        conversion = (destination or {}).get("DataFormatConversionConfiguration") or {}
        if not destination or not conversion.get("Enabled", True) or not conversion:
            log.warning("%s: only streams that convert to Parquet are emulated locally; "
                        "skipped", logical_id)
            continue
        serializer = ((conversion.get("OutputFormatConfiguration") or {}).get("Serializer") or {})
        if "ParquetSerDe" not in serializer:
            raise FirehoseTemplateError(f"{logical_id}: only the ParquetSerDe is emulated locally")
        table = reference_target((conversion.get("SchemaConfiguration") or {}).get("TableName"))
        if table is None:
            raise FirehoseTemplateError(f"{logical_id}: SchemaConfiguration.TableName must "
                                        f"name a Glue table of the template")
        table_input = template.resources[table]["Properties"]["TableInput"]
        found.append(StreamSpec(logical_id, str(destination.get("Prefix") or ""),
                                str(destination.get("ErrorOutputPrefix") or "errors/"),
                                table, glue_columns(template, table),
                                table_location(template, table),
                                table_name=str(table_input.get("Name") or table),
                                partitions=tuple(str(p["Name"]).lower() for p in
                                                 table_input.get("PartitionKeys") or ())))
    return found


# -- the stream (I/O) --------------------------------------------------------------------------

def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class LocalDeliveryStream:
    """One delivery stream: ``put`` appends to the write-ahead log; a thread delivers closed
    segments as Parquet files under ``archive_dir``."""

    def __init__(self, spec: StreamSpec, state_dir: Path, archive_dir: Path, *,
                 buffer_records: int = LOCAL_BUFFER_RECORDS,
                 buffer_seconds: float = LOCAL_BUFFER_SECONDS,
                 clock: Callable[[], float] = time.time):
        self.spec = spec
        self.wal_dir = Path(state_dir) / "firehose" / spec.logical_id
        self.archive_dir = Path(archive_dir)
        self._buffer_records = buffer_records
        self._buffer_seconds = buffer_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Condition()
        self._stopping = False
        self._segment: Path | None = None
        self._handle: Any = None
        self._records = 0
        self._thread: threading.Thread | None = None
        self._convert_lock = threading.Lock()
        self.wal_dir.mkdir(parents=True, exist_ok=True)

    # -- in ------------------------------------------------------------------------------------

    def put(self, data: str) -> None:
        """Append one record; returns once it is on disk."""
        line = json.dumps({"arrived": self._clock(), "data": data}, ensure_ascii=False) + "\n"
        with self._lock:
            if self._handle is None:
                self._segment = self.wal_dir / f"{int(self._clock() * 1000):015d}-{uuid.uuid4().hex[:8]}.jsonl"
                self._handle = self._segment.open("a", encoding="utf-8")
                _fsync_directory(self.wal_dir)
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._records += 1
            full = self._records >= self._buffer_records
        if full:
            with self._wake:
                self._wake.notify_all()

    # -- out -----------------------------------------------------------------------------------

    def _close_segment(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
            self._handle, self._segment, self._records = None, None, 0

    def flush(self) -> list[Path]:
        """Close the open segment and deliver every closed one; the files written."""
        self._close_segment()
        return self.deliver_closed()

    def deliver_closed(self) -> list[Path]:
        """Deliver the segments no ``put`` writes to any more (those of an earlier run too)."""
        written: list[Path] = []
        with self._convert_lock:
            with self._lock:  # a segment opened after this is not among them
                closed = [segment for segment in sorted(self.wal_dir.glob("*.jsonl"))
                          if segment != self._segment]
            for segment in closed:
                written += self._deliver(segment)
        return written

    def _deliver(self, segment: Path) -> list[Path]:
        by_prefix: dict[str, list[dict]] = {}
        errors: dict[str, list[dict]] = {}
        for line in segment.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line a crash cut short: its put never returned, SNS never accepted
            arrived, data = float(entry["arrived"]), str(entry["data"])
            try:
                row = self._row(data)
            except ValueError as error:
                prefix = render_prefix(self.spec.error_prefix, arrived,
                                       error_output_type=CONVERSION_FAILED)
                errors.setdefault(prefix, []).append({
                    "attemptsMade": 1, "arrivalTimestamp": int(arrived * 1000),
                    "errorCode": "DataFormatConversion.MalformedData", "errorMessage": str(error),
                    "attemptEndingTimestamp": int(self._clock() * 1000),
                    "rawData": base64.b64encode(data.encode("utf-8")).decode("ascii")})
                continue
            by_prefix.setdefault(render_prefix(self.spec.prefix, arrived), []).append(row)
        name = f"{self.spec.logical_id}-{segment.stem}"
        written = [self._write_parquet(self.archive_dir / prefix / f"{name}.parquet", rows)
                   for prefix, rows in sorted(by_prefix.items())]
        for prefix, records in sorted(errors.items()):
            target = self.archive_dir / prefix / f"{name}.jsonl"
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".jsonl.tmp")
            temporary.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
            os.replace(temporary, target)
            written.append(target)
            log.warning("%s: %d record(s) could not be converted; they are in %s",
                        self.spec.logical_id, len(records), target)
        segment.unlink()
        _fsync_directory(self.wal_dir)
        return written

    def _row(self, data: str) -> dict:
        try:
            record = json.loads(data)
        except ValueError:
            raise ValueError("the record is not JSON") from None
        if not isinstance(record, dict):
            raise ValueError("the record is not a JSON object")
        lowered = {str(key).lower(): value for key, value in record.items()}
        return {column.name: column.type.coerce(lowered.get(column.name), column.name)
                for column in self.spec.columns}

    def _write_parquet(self, target: Path, rows: list[dict]) -> Path:
        import duckdb  # the local runtime's (dev-only) dependency; never in the layer

        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_suffix(".rows.jsonl")
        staging.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                           encoding="utf-8")
        temporary = target.with_suffix(".parquet.tmp")
        columns = "{" + ", ".join(f"'{c.name}': '{_sql_text(c.type.duckdb())}'"
                                  for c in self.spec.columns) + "}"
        selected = ", ".join(f'"{c.name}"' for c in self.spec.columns)
        connection = duckdb.connect()
        try:
            connection.execute(
                f"COPY (SELECT {selected} FROM read_json('{_sql_text(str(staging))}', "
                f"format = 'newline_delimited', columns = {columns})) "
                f"TO '{_sql_text(str(temporary))}' (FORMAT PARQUET, COMPRESSION SNAPPY)")
        finally:
            connection.close()
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        staging.unlink()
        _fsync_directory(target.parent)
        return target

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "LocalDeliveryStream":
        """Deliver what an earlier run left in the log, then buffer and deliver in a thread."""
        left = self.deliver_closed()
        if left:
            log.info("%s: delivered %d file(s) from records buffered before the restart",
                     self.spec.logical_id, len(left))
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"civicdesk-firehose-{self.spec.logical_id}")
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                self._wake.wait(self._buffer_seconds)
                if self._stopping:
                    return
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the log keeps the records; tried again later
                log.exception("%s: delivering the buffered records failed; they stay in %s",
                              self.spec.logical_id, self.wal_dir)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


# -- SNS -> Firehose ---------------------------------------------------------------------------

#: The streams the runtime emulates, by ARN (``register``).
_STREAMS: dict[str, LocalDeliveryStream] = {}
_UNKNOWN: set[str] = set()


def register(arn: str, stream: LocalDeliveryStream) -> None:
    _STREAMS[arn] = stream


def unregister(arn: str) -> None:
    _STREAMS.pop(arn, None)


def stream_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:firehose:{region}:{account_id}:deliverystream/{name}"


def _deliver_firehose_subscriptions() -> None:
    """Make moto's SNS deliver to the local streams: ``Subscription.publish`` is wrapped once,
    when this module is imported; for a ``firehose`` subscription it appends the message (raw,
    or SNS's envelope) to the stream its endpoint names, within the publish. A failure to
    append fails the publish (the publisher retries), as a full buffer would not."""
    from functools import wraps

    from moto.sns.models import Subscription

    original = Subscription.publish
    if getattr(original, "delivers_to_local_firehose", False):
        return

    @wraps(original)
    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict | None = None, *args: Any, **kwargs: Any) -> None:
        original(self, message, message_id, subject, message_attributes, *args, **kwargs)
        if self.protocol != "firehose":
            return
        matcher = getattr(self, "_filter_policy_matcher", None)
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        stream = _STREAMS.get(self.endpoint)
        if stream is None:
            # moto without the runtime (the functional tests): nothing emulates the stream.
            if self.endpoint not in _UNKNOWN:
                _UNKNOWN.add(self.endpoint)
                log.info("SNS: no local delivery stream %s; its messages are not archived",
                         self.endpoint)
            return
        raw = str(self.attributes.get("RawMessageDelivery", "false")).lower() == "true"
        stream.put(message if raw else json.dumps(self.get_post_data(
            message, message_id, subject, message_attributes=message_attributes)))

    publish.delivers_to_local_firehose = True  # type: ignore[attr-defined]
    Subscription.publish = publish  # type: ignore[method-assign]


_deliver_firehose_subscriptions()
