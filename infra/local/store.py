"""The state directory's durable store: what the emulated account holds, kept across restarts
(and crashes) of the runtime, written as it changes.

moto keeps everything in memory. ``infra.local.persistence`` reports each change moto makes --
a DynamoDB item's new image and the stream record it produced, an S3 object, an SQS message
sent, moved or deleted -- and this store commits them to one SQLite database before moto's
answer leaves the process; the asynchronous invocations waiting for a function, and the stream
records no poller has finished with yet, are kept here too. At the next start the database is
loaded back into moto. A write costs the rows it changes, whatever the size of the tables:
there is no snapshot to take (``docs/decisions.md``, 2026-12-01).

Layout::

    <state>/state.sqlite3      this store (WAL journal, every commit fsynced)
    <state>/outbox/            the mail and SMS sent (``infra.local.outbox``)
    <state>/local.json         sign-in details, rewritten at each start

Rows are keyed by the template's logical ids, so a changed name prefix does not lose data. The
snapshot files of earlier versions (``dynamodb/*.json``, ``s3/*/manifest.json``) are imported
once, at the first start with this store, and renamed ``*.imported``.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from infra.local.state import StateError

log = logging.getLogger("civicdesk.local")

DATABASE = "state.sqlite3"
#: Stream sequence numbers are decimal strings of 21+ digits (over SQLite's 64-bit integers):
#: kept zero-padded, so that text order is number order.
_SEQUENCE_DIGITS = 40

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    tbl TEXT NOT NULL, key TEXT NOT NULL, image TEXT NOT NULL, PRIMARY KEY (tbl, key));
CREATE TABLE IF NOT EXISTS stream_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, sequence TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS stream_records_position ON stream_records (tbl, sequence);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL, content_type TEXT,
    metadata TEXT NOT NULL, PRIMARY KEY (bucket, key));
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL, attributes TEXT NOT NULL,
    group_id TEXT, deduplication_id TEXT, sent_timestamp INTEGER, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_queue ON messages (queue, seq);
CREATE TABLE IF NOT EXISTS async_events (
    request_id TEXT PRIMARY KEY, function TEXT NOT NULL, event TEXT NOT NULL,
    enqueued_at REAL NOT NULL, attempts INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def sequence_key(sequence_number: str | int) -> str:
    """A stream sequence number as stored: zero-padded, so that text order is number order.

    Examples
    --------
    >>> sequence_key("1100000000017454423009") < sequence_key("11000000000174544230010")
    True
    """
    return str(int(sequence_number)).zfill(_SEQUENCE_DIGITS)


@dataclass(frozen=True)
class ItemChange:
    """A DynamoDB item's image after a write (``image`` ``None``: deleted)."""

    table: str
    key: str
    image: dict | None


@dataclass(frozen=True)
class StreamRecordChange:
    table: str
    sequence_number: str
    record: dict


@dataclass(frozen=True)
class ObjectChange:
    """An S3 object as it is now (``body`` ``None``: deleted)."""

    bucket: str
    key: str
    body: bytes | None
    content_type: str | None = None
    metadata: dict | None = None


@dataclass(frozen=True)
class MessageChange:
    """An SQS message now in ``queue`` (``queue`` ``None``: deleted)."""

    message_id: str
    queue: str | None
    body: str = ""
    attributes: dict | None = None
    group_id: str | None = None
    deduplication_id: str | None = None
    sent_timestamp: int | None = None


@dataclass(frozen=True)
class QueuePurge:
    queue: str


Change = ItemChange | StreamRecordChange | ObjectChange | MessageChange | QueuePurge


@dataclass
class RestoreSummary:
    items: int = 0
    objects: int = 0
    messages: int = 0
    stream_records: int = 0
    async_events: int = 0


@dataclass(frozen=True)
class PendingEvent:
    """An asynchronous invocation accepted and not finished when the runtime last stopped."""

    request_id: str
    function: str
    event: dict
    enqueued_at: float
    attempts: int


class DurableStore:
    """The SQLite database of one state directory; every method commits before it returns.

    Thread-safe (one connection, one lock): moto serves requests on many threads.
    ``synchronous=FULL`` with the WAL journal: each commit is fsynced, so what a client was
    told is written survives a crash of the process and of the machine.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / DATABASE
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise StateError(self.path, error) from error
        self._lock = threading.Lock()
        self._sequence = self._max_sequence()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _max_sequence(self) -> int:
        rows = self._db.execute("SELECT MAX(seq) FROM messages UNION ALL "
                                "SELECT MAX(seq) FROM async_events").fetchall()
        return max((row[0] or 0) for row in rows)

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    # -- the account's data --------------------------------------------------------------------

    def apply(self, changes: Iterable[Change]) -> None:
        """Commit ``changes`` (of one request to moto) in one transaction."""
        changes = list(changes)
        if not changes:
            return
        with self._lock, self._transaction():
            for change in changes:
                self._apply(change)

    def _apply(self, change: Change) -> None:
        db = self._db
        if isinstance(change, ItemChange):
            if change.image is None:
                db.execute("DELETE FROM items WHERE tbl = ? AND key = ?", (change.table, change.key))
            else:
                db.execute("INSERT OR REPLACE INTO items VALUES (?, ?, ?)",
                           (change.table, change.key, _json(change.image)))
        elif isinstance(change, StreamRecordChange):
            db.execute("INSERT INTO stream_records (tbl, sequence, record) VALUES (?, ?, ?)",
                       (change.table, sequence_key(change.sequence_number), _json(change.record)))
        elif isinstance(change, ObjectChange):
            if change.body is None:
                db.execute("DELETE FROM objects WHERE bucket = ? AND key = ?",
                           (change.bucket, change.key))
            else:
                db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)",
                           (change.bucket, change.key, change.body, change.content_type,
                            _json(change.metadata or {})))
        elif isinstance(change, MessageChange):
            if change.queue is None:
                db.execute("DELETE FROM messages WHERE id = ?", (change.message_id,))
            else:
                # A message moved to its dead-letter queue keeps its id and its place.
                db.execute(
                    "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
                    "UPDATE SET queue = excluded.queue",
                    (change.message_id, change.queue, change.body, _json(change.attributes or {}),
                     change.group_id, change.deduplication_id, change.sent_timestamp,
                     self._next()))
        elif isinstance(change, QueuePurge):
            db.execute("DELETE FROM messages WHERE queue = ?", (change.queue,))

    def items(self, table: str) -> Iterator[dict]:
        """Every item of ``table`` (a logical id), as low-level typed JSON; read in pages, so
        a large table is never in memory twice (the store is not to be called meanwhile)."""
        cursor = self._db.cursor()
        with self._lock:
            cursor.execute("SELECT image FROM items WHERE tbl = ?", (table,))
            while page := cursor.fetchmany(1000):
                for (image,) in page:
                    yield json.loads(image)

    def objects(self, bucket: str) -> Iterator[tuple[str, bytes, str | None, dict]]:
        for key, body, content_type, metadata in self._query(
                "SELECT key, body, content_type, metadata FROM objects WHERE bucket = ?",
                (bucket,)):
            yield key, bytes(body), content_type, json.loads(metadata)

    def messages(self, queue: str) -> Iterator[MessageChange]:
        for row in self._query(
                "SELECT id, queue, body, attributes, group_id, deduplication_id, sent_timestamp "
                "FROM messages WHERE queue = ? ORDER BY seq", (queue,)):
            yield MessageChange(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6])

    def _query(self, sql: str, parameters: tuple) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    # -- stream records not delivered yet ------------------------------------------------------

    def stream_records(self, table: str) -> list[tuple[int, dict]]:
        """``(row id, record)`` of every stream record of ``table`` some poller has not
        finished with, oldest first."""
        return [(row_id, json.loads(record)) for row_id, record in self._query(
            "SELECT id, record FROM stream_records WHERE tbl = ? ORDER BY id", (table,))]

    def renumber_stream_records(self, table: str, numbers: list[tuple[int, str]]) -> None:
        """The records put back into a new shard at start got that shard's sequence numbers:
        ``[(row id, sequence number)]``."""
        with self._lock, self._transaction():
            for row_id, number in numbers:
                record = json.loads(self._db.execute(
                    "SELECT record FROM stream_records WHERE id = ?", (row_id,)).fetchone()[0])
                record["dynamodb"]["SequenceNumber"] = str(number)
                self._db.execute("UPDATE stream_records SET sequence = ?, record = ? WHERE id = ?",
                                 (sequence_key(number), _json(record), row_id))

    def stream_done(self, table: str, up_to: str) -> None:
        """Every reader of ``table``'s stream is done with the records up to ``up_to``."""
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM stream_records WHERE tbl = ? AND sequence <= ?",
                             (table, sequence_key(up_to)))

    # -- asynchronous invocations --------------------------------------------------------------

    def event_accepted(self, function: str, request_id: str, event: dict,
                       enqueued_at: float) -> None:
        with self._lock, self._transaction():
            self._db.execute("INSERT OR REPLACE INTO async_events VALUES (?, ?, ?, ?, 0, ?)",
                             (request_id, function, _json(event), enqueued_at, self._next()))

    def event_attempted(self, request_id: str, attempts: int) -> None:
        with self._lock, self._transaction():
            self._db.execute("UPDATE async_events SET attempts = ? WHERE request_id = ?",
                             (attempts, request_id))

    def event_finished(self, request_id: str) -> None:
        """Invoked successfully, sent to the on-failure destination, or dropped."""
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM async_events WHERE request_id = ?", (request_id,))

    def pending_events(self, function: str) -> list[PendingEvent]:
        return [PendingEvent(row[0], function, json.loads(row[1]), row[2], row[3])
                for row in self._query(
                    "SELECT request_id, event, enqueued_at, attempts FROM async_events "
                    "WHERE function = ? ORDER BY seq", (function,))]

    # -- housekeeping --------------------------------------------------------------------------

    def counts(self) -> RestoreSummary:
        def count(sql: str) -> int:
            return int(self._query(sql, ())[0][0])
        return RestoreSummary(items=count("SELECT COUNT(*) FROM items"),
                              objects=count("SELECT COUNT(*) FROM objects"),
                              messages=count("SELECT COUNT(*) FROM messages"),
                              stream_records=count("SELECT COUNT(*) FROM stream_records"),
                              async_events=count("SELECT COUNT(*) FROM async_events"))

    def import_snapshots(self, tables: dict[str, tuple[str, ...]], buckets: Iterable[str]) -> int:
        """Import the snapshot files of earlier versions of the runtime (full JSON dumps of
        each table and bucket), once: they are renamed ``*.imported`` afterwards. Returns how
        many items and objects were imported."""
        imported = 0
        for logical_id, key_names in tables.items():
            path = self.directory / "dynamodb" / f"{logical_id}.json"
            if path.is_file():
                imported += self._import_table(path, logical_id, key_names)
        for logical_id in buckets:
            path = self.directory / "s3" / logical_id / "manifest.json"
            if path.is_file():
                imported += self._import_bucket(path, logical_id)
        return imported

    def _import_table(self, path: Path, logical_id: str, key_names: tuple[str, ...]) -> int:
        try:
            # The snapshot's items are low-level typed JSON with binary as base64: moto's form.
            items = json.loads(path.read_bytes())["items"]
            changes = [ItemChange(logical_id, item_key(item, key_names), item) for item in items]
        except Exception as error:
            raise StateError(path, error) from error
        self.apply(changes)
        path.rename(path.with_name(path.name + ".imported"))
        log.info("state: imported %d item(s) of %s from %s", len(items), logical_id, path)
        return len(items)

    def _import_bucket(self, path: Path, logical_id: str) -> int:
        try:
            objects = json.loads(path.read_bytes())["objects"]
            changes: list[Change] = []
            for key, meta in objects.items():
                # moto's form of the metadata: the user's with their header prefix.
                metadata = {f"x-amz-meta-{name}": value
                            for name, value in (meta.get("metadata") or {}).items()}
                if meta.get("content_type"):
                    metadata["Content-Type"] = meta["content_type"]
                changes.append(ObjectChange(
                    logical_id, key, (path.parent / "objects" / meta["file"]).read_bytes(),
                    meta.get("content_type"), metadata))
        except Exception as error:
            raise StateError(path, error) from error
        self.apply(changes)
        path.rename(path.with_name(path.name + ".imported"))
        return len(changes)

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, *_: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def item_key(image: dict, key_names: Iterable[str]) -> str:
    """The store's key of an item: its key attributes, typed, in key-schema order.

    Examples
    --------
    >>> item_key({"PK": {"S": "CASE#1"}, "SK": {"S": "META"}, "x": {"N": "1"}}, ("PK", "SK"))
    '[{"S":"CASE#1"},{"S":"META"}]'
    """
    return _json([image[name] for name in key_names])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_wire)


def _wire(value: Any) -> Any:
    """What moto's answers make of the values its models hold (``DynamoJsonEncoder``):
    binary as base64, a time as seconds since the epoch."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
