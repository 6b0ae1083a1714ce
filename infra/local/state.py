"""The state directory: the emulated account's data kept across restarts of the runtime.

moto keeps everything in memory; without this, every ``make run`` would start with no cases. The
runtime restores the last snapshot right after provisioning (before seeding, so the seed only
overwrites the configuration item and the cases and their counters survive) and writes a new
snapshot whenever data changed.

Layout (every file replaced atomically: written to a temporary file, then ``os.replace``)::

    <state>/dynamodb/<TableLogicalId>.json     {"format": 1, "items": [low-level typed items]}
    <state>/s3/<BucketLogicalId>/manifest.json {"format": 1, "objects": {key: {...}}}
    <state>/s3/<BucketLogicalId>/objects/<sha256 of the key>
    <state>/local.json                          sign-in details, rewritten at each start
                                                (``infra.local.banner.local_info``)

Files are keyed by the template's logical ids, so a changed name prefix does not lose data.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("civicdesk.local")


def snapshot_after(save: Callable[[], None], what: str) -> None:
    """Call ``save`` (a snapshot, or a request for one) after ``what`` may have written; a
    failure is logged, never raised into the caller: the periodic snapshot will try again."""
    try:
        save()
    except Exception:  # noqa: BLE001 - the periodic snapshot will try again
        log.exception("state: snapshot after %s failed", what)

#: Where ``make run`` keeps its state; here rather than in ``runtime`` so that the small tools
#: (``infra.local.token``) find it without importing moto.
DEFAULT_STATE_DIR = Path(__file__).resolve().parents[2] / ".civicdesk"
FORMAT = 1
#: ``BatchWriteItem`` takes at most 25 items.
_BATCH = 25


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def encode_item(value: Any) -> Any:
    """A low-level typed DynamoDB value made JSON-safe: binary (``B``/``BS``) as base64.

    Examples
    --------
    >>> encode_item({"doc": {"B": b"\\x1f\\x8b"}, "n": {"N": "1"}, "l": {"L": [{"BS": [b"a"]}]}})
    {'doc': {'B': 'H4s='}, 'n': {'N': '1'}, 'l': {'L': [{'BS': ['YQ==']}]}}
    """
    return _convert(value, lambda raw: base64.b64encode(raw).decode("ascii"))


def decode_item(value: Any) -> Any:
    """The inverse of ``encode_item``.

    Examples
    --------
    >>> decode_item({"doc": {"B": "H4s="}, "m": {"M": {"x": {"BS": ["YQ=="]}}}})
    {'doc': {'B': b'\\x1f\\x8b'}, 'm': {'M': {'x': {'BS': [b'a']}}}}
    """
    return _convert(value, base64.b64decode)


def _convert(item: dict, binary: Callable[[Any], Any]) -> dict:
    def attribute(typed: dict) -> dict:
        (kind, value), = typed.items()
        if kind == "B":
            return {kind: binary(value)}
        if kind == "BS":
            return {kind: [binary(v) for v in value]}
        if kind == "M":
            return {kind: {k: attribute(v) for k, v in value.items()}}
        if kind == "L":
            return {kind: [attribute(v) for v in value]}
        return {kind: value}
    return {name: attribute(typed) for name, typed in item.items()}


@dataclass
class RestoreSummary:
    items: int = 0
    objects: int = 0


class StateStore:
    """Full snapshots of the tables and buckets the template declares, and their restore.

    The clients are injected (the runtime passes boto3 clients pointed at moto). Saving scans
    whole tables: fine here, the snapshot of a local emulator, never on a request path.
    """

    def __init__(self, directory: Path, dynamodb_client: Any, s3_client: Any,
                 tables: dict[str, str], buckets: dict[str, str]):
        self.directory = Path(directory)
        self._dynamodb = dynamodb_client
        self._s3 = s3_client
        self._tables = tables
        self._buckets = buckets
        self._lock = threading.Lock()
        #: Digest of each file as last written, to skip rewriting unchanged files.
        self._written: dict[Path, str] = {}

    # -- restore -------------------------------------------------------------------------------

    def restore(self) -> RestoreSummary:
        """Load the last snapshot into the (freshly provisioned, empty) tables and buckets."""
        summary = RestoreSummary()
        for logical_id, table in self._tables.items():
            path = self._table_file(logical_id)
            if path.is_file():
                summary.items += self._restore_table(path, table)
        for logical_id, bucket in self._buckets.items():
            manifest = self._bucket_dir(logical_id) / "manifest.json"
            if manifest.is_file():
                summary.objects += self._restore_bucket(manifest, bucket)
        known = set(self._tables)
        for path in (self.directory / "dynamodb").glob("*.json"):
            if path.stem not in known:
                log.warning("state: %s belongs to no table of template.yaml; left alone", path)
        return summary

    def _restore_table(self, path: Path, table: str) -> int:
        try:
            document = json.loads(path.read_bytes())
            items = [decode_item(item) for item in document["items"]]
            for start in range(0, len(items), _BATCH):
                requests = {table: [{"PutRequest": {"Item": item}}
                                    for item in items[start:start + _BATCH]]}
                while requests:
                    answer = self._dynamodb.batch_write_item(RequestItems=requests)
                    requests = answer.get("UnprocessedItems") or {}
        except Exception as error:
            raise StateError(path, error) from error
        self._written[path] = _digest(path.read_bytes())
        return len(items)

    def _restore_bucket(self, manifest_path: Path, bucket: str) -> int:
        try:
            manifest = json.loads(manifest_path.read_bytes())
            objects = manifest["objects"]
            for key, meta in objects.items():
                body = (manifest_path.parent / "objects" / meta["file"]).read_bytes()
                extra = {"Metadata": meta.get("metadata") or {}}
                if meta.get("content_type"):
                    extra["ContentType"] = meta["content_type"]
                self._s3.put_object(Bucket=bucket, Key=key, Body=body, **extra)
        except Exception as error:
            raise StateError(manifest_path, error) from error
        self._written[manifest_path] = _digest(manifest_path.read_bytes())
        return len(objects)

    # -- save ----------------------------------------------------------------------------------

    def save(self) -> None:
        """Write a snapshot of every table and bucket (only the files whose content changed)."""
        with self._lock:
            for logical_id, table in self._tables.items():
                self._save_table(logical_id, table)
            for logical_id, bucket in self._buckets.items():
                self._save_bucket(logical_id, bucket)

    def _save_table(self, logical_id: str, table: str) -> None:
        # A full Scan: this is the local runtime's snapshot, not a request path.
        items = []
        for page in self._dynamodb.get_paginator("scan").paginate(TableName=table,
                                                                  ConsistentRead=True):
            items.extend(encode_item(item) for item in page["Items"])
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        self._write_if_changed(self._table_file(logical_id),
                               {"format": FORMAT, "table": table, "items": items})

    def _save_bucket(self, logical_id: str, bucket: str) -> None:
        directory = self._bucket_dir(logical_id)
        manifest_path = directory / "manifest.json"
        previous = {}
        if manifest_path.is_file():
            previous = json.loads(manifest_path.read_bytes()).get("objects", {})
        objects = {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for summary in page.get("Contents", []):
                key, etag = summary["Key"], summary["ETag"]
                known = previous.get(key)
                if known and known.get("etag") == etag \
                        and (directory / "objects" / known["file"]).is_file():
                    objects[key] = known
                    continue
                answer = self._s3.get_object(Bucket=bucket, Key=key)
                file_name = hashlib.sha256(key.encode("utf-8")).hexdigest()
                atomic_write(directory / "objects" / file_name, answer["Body"].read())
                objects[key] = {"file": file_name, "etag": etag,
                                "content_type": answer.get("ContentType"),
                                "metadata": answer.get("Metadata") or {}}
        if not objects and not manifest_path.exists():
            return
        self._write_if_changed(manifest_path, {"format": FORMAT, "bucket": bucket,
                                               "objects": objects})
        # Drop the files of objects that were deleted, after the manifest stopped naming them.
        keep = {meta["file"] for meta in objects.values()}
        for path in (directory / "objects").glob("*"):
            if path.name not in keep and not path.name.startswith("."):
                path.unlink(missing_ok=True)

    def _write_if_changed(self, path: Path, document: dict) -> None:
        data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        digest = _digest(data)
        if self._written.get(path) == digest:
            return
        atomic_write(path, data)
        self._written[path] = digest

    def _table_file(self, logical_id: str) -> Path:
        return self.directory / "dynamodb" / f"{logical_id}.json"

    def _bucket_dir(self, logical_id: str) -> Path:
        return self.directory / "s3" / logical_id


class StateError(RuntimeError):
    """A snapshot file cannot be restored (corrupt, or no longer fits the template)."""

    def __init__(self, path: Path, error: BaseException):
        super().__init__(f"cannot restore {path}: {error}. Fix or delete it (or the whole state "
                         f"directory, to start from scratch).")
        self.path = path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Snapshotter:
    """Decides *when* to save: on demand when data changed, every ``interval`` seconds if
    anything changed meanwhile, and once more at shutdown.

    ``mark_dirty`` is called by moto's mutation recorder after each write to DynamoDB or S3.
    """

    def __init__(self, store: StateStore, interval: float = 2.0):
        self._store = store
        self._interval = interval
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._soon = threading.Event()
        self._thread: threading.Thread | None = None

    def mark_dirty(self) -> None:
        self._dirty.set()

    def request_save(self) -> None:
        """Save now on the snapshot thread, without waiting for it: after the invocations of
        the event source pollers, which should not stall the pipeline behind a full snapshot
        (requests that arrive while one is written are covered by the next, one save)."""
        self._soon.set()

    def save_if_dirty(self) -> bool:
        """Save when something changed since the last save; returns whether it saved."""
        if not self._dirty.is_set():
            return False
        # Cleared before reading, so a write that lands during the save marks it again.
        self._dirty.clear()
        try:
            self._store.save()
        except Exception:
            self._dirty.set()
            raise
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="civicdesk-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._soon.wait(self._interval)
            self._soon.clear()
            if self._stopping.is_set():
                return
            try:
                self.save_if_dirty()
            except Exception:  # noqa: BLE001 - keep snapshotting; the next save may work
                log.exception("state: periodic snapshot failed")

    def stop(self) -> None:
        """Stop the periodic saves and write the final snapshot."""
        self._stopping.set()
        self._soon.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._dirty.set()
        self.save_if_dirty()
