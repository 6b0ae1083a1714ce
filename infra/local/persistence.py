"""moto's changes as they happen, for ``infra.local.store``; and moto loaded back from it.

moto's models are wrapped once (pinned moto 5.2.1), where every path that changes data passes:
DynamoDB's ``Table.put_item``/``Table.delete_item`` and ``DynamoDBBackend.update_item`` (which
changes an existing item in place), S3's ``S3Backend.put_object``/``delete_object``, SQS's
``Queue.add_message`` (a send, SNS's delivery to a queue, a move to a dead-letter queue),
``Queue.delete_message`` and ``SQSBackend.purge_queue``. A wrapper only notes *what* changed
(a table and key, a bucket and key, a message) on the current thread; when the request ends,
``ChangeRecorder.flush`` reads the current state of just those -- the item's image, the stream
records the request added, the object with the metadata moto's response layer set after
``put_object``, the message -- and commits them to the store. ``aws._MutationRecorder`` calls
``flush`` before moto's answer leaves the server (DynamoDB's under ``aws.DYNAMODB_LOCK``, so the
stream records are committed in shard order and before any reader can see them).

Nothing is noted while no recorder is active (``mock_aws`` in the unit tests, and the restore,
which loads the store into moto's models directly).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from typing import Any, Callable, Iterator

from infra.local.store import (
    Change,
    DurableStore,
    ItemChange,
    MessageChange,
    ObjectChange,
    QueuePurge,
    RestoreSummary,
    StreamRecordChange,
    item_key,
)

log = logging.getLogger("civicdesk.local")


class ChangeRecorder:
    """Collects what each thread's request to moto changed, and commits it at ``flush``.

    ``tables``/``buckets``/``queues`` map physical names to the template's logical ids: only
    those are kept (the store is keyed by logical id).
    """

    def __init__(self, store: DurableStore, account_id: str, region: str, *,
                 tables: dict[str, str], buckets: dict[str, str], queues: dict[str, str]):
        self.store = store
        self._account_id = account_id
        self._region = region
        self._tables = tables
        self._buckets = buckets
        self._queues = queues
        self._local = threading.local()
        #: Per table, the sequence number of the first stream record not committed yet.
        self._stream_next: dict[str, int] = {}

    # -- noting (called from moto's models, on the request's thread) ---------------------------

    def _noted(self) -> dict[str, Any]:
        noted = getattr(self._local, "noted", None)
        if noted is None:
            noted = self._local.noted = {"items": {}, "streams": set(), "objects": {},
                                         "messages": {}}
        return noted

    def note_item(self, table: Any, hash_key: Any, range_key: Any) -> None:
        if table.name not in self._tables:
            return
        noted = self._noted()
        noted["items"][(table.name, hash_key, range_key)] = table
        if table.stream_shard is not None:
            noted["streams"].add(table.name)

    def note_object(self, bucket: str, key: str) -> None:
        if bucket in self._buckets:
            self._noted()["objects"][(bucket, key)] = None

    def note_message(self, queue: str | None, message: Any) -> None:
        """``message`` now in ``queue``, or deleted (``queue`` ``None``)."""
        if queue is None or queue in self._queues:
            self._noted()["messages"][message.id] = (queue, message)

    def note_purge(self, queue: str) -> None:
        if queue in self._queues:
            self._noted()["messages"][("purge", queue)] = (queue, None)

    # -- committing ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Commit what this thread's request changed (before moto's answer is sent)."""
        noted = getattr(self._local, "noted", None)
        if not noted:
            return
        self._local.noted = None
        changes: list[Change] = []
        changes += self._item_changes(noted["items"])
        changes += self._stream_changes(noted["streams"])
        changes += self._object_changes(noted["objects"])
        changes += self._message_changes(noted["messages"])
        self.store.apply(changes)

    def discard(self) -> None:
        """Forget what this thread noted (a request that failed before it changed anything)."""
        self._local.noted = None

    def _item_changes(self, items: dict) -> list[Change]:
        changes: list[Change] = []
        for (name, hash_key, range_key), table in items.items():
            current = self._backend_table(name) or table
            key = {current.hash_key_attr: hash_key.to_json()}
            if range_key is not None:
                key[current.range_key_attr] = range_key.to_json()
            try:
                item = current.get_item(hash_key, range_key)
            except Exception:  # noqa: BLE001 - a key moto refused: nothing was written
                continue
            image = item.to_json()["Attributes"] if item is not None else None
            changes.append(ItemChange(self._tables[name], item_key(key, key), image))
        return changes

    def _stream_changes(self, names: set[str]) -> list[Change]:
        changes: list[Change] = []
        for name in sorted(names):
            table = self._backend_table(name)
            shard = getattr(table, "stream_shard", None)
            if shard is None:
                continue
            start = int(shard.starting_sequence_number)
            first = max(0, self._stream_next.get(name, start) - start)
            for record in shard.items[first:]:
                document = record.to_json()
                changes.append(StreamRecordChange(self._tables[name],
                                                  document["dynamodb"]["SequenceNumber"],
                                                  document))
            self._stream_next[name] = start + len(shard.items)
        return changes

    def _object_changes(self, objects: dict) -> list[Change]:
        from moto.s3.models import s3_backends

        backend = s3_backends[self._account_id]["aws"]
        changes: list[Change] = []
        for bucket_name, key_name in objects:
            bucket = backend.buckets.get(bucket_name)
            key = bucket.keys.get(key_name) if bucket is not None else None
            logical_id = self._buckets[bucket_name]
            if key is None or getattr(key, "value", None) is None:
                changes.append(ObjectChange(logical_id, key_name, None))
                continue
            metadata = dict(key.metadata or {})
            content_type = metadata.get("Content-Type")
            changes.append(ObjectChange(logical_id, key_name, bytes(key.value), content_type,
                                        metadata))
        return changes

    def _message_changes(self, messages: dict) -> list[Change]:
        changes: list[Change] = []
        for queue, message in messages.values():
            if message is None:
                changes.append(QueuePurge(self._queues[queue]))
            elif queue is None:
                changes.append(MessageChange(message.id, None))
            else:
                changes.append(MessageChange(
                    message.id, self._queues[queue], message.body,
                    dict(message.message_attributes or {}), message.group_id,
                    message.deduplication_id, message.sent_timestamp))
        return changes

    def _backend_table(self, name: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self._account_id][self._region].tables.get(name)

    def stream_committed_from(self, table_name: str, sequence_number: int) -> None:
        """Stream records before ``sequence_number`` are in the store (the restore put them
        back into the shard)."""
        self._stream_next[table_name] = sequence_number


#: The recorder moto's wrapped models report to; ``None``: nothing is recorded.
_active: ChangeRecorder | None = None
_restoring = threading.local()


def activate(recorder: ChangeRecorder | None) -> None:
    global _active
    _active = recorder


def active() -> ChangeRecorder | None:
    return None if getattr(_restoring, "on", False) else _active


@contextlib.contextmanager
def not_recorded() -> Iterator[None]:
    """What this thread does to moto's models meanwhile is not a change to record."""
    _restoring.on = True
    try:
        yield
    finally:
        _restoring.on = False


# -- moto's models, wrapped once --------------------------------------------------------------

def _wrap(cls: Any, name: str, after: Callable[..., None],
          before: Callable[..., Any] | None = None) -> None:
    from functools import wraps

    original = getattr(cls, name)
    if getattr(original, "civicdesk_recorded", False):
        return

    @wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = active()
        if recorder is None:
            return original(self, *args, **kwargs)
        seen = before(recorder, self, *args, **kwargs) if before else None
        result = original(self, *args, **kwargs)
        try:
            after(recorder, self, result, seen, *args, **kwargs)
        except Exception:  # noqa: BLE001 - recording must never break moto's answer
            log.exception("state: cannot record %s.%s", cls.__name__, name)
        return result

    wrapper.civicdesk_recorded = True  # type: ignore[attr-defined]
    setattr(cls, name, wrapper)


def install() -> None:
    """Wrap moto's models (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.s3.models import S3Backend
    from moto.sqs.models import Queue, SQSBackend

    def item_put(recorder: ChangeRecorder, table: Any, item: Any, _seen: Any, *_: Any,
                 **__: Any) -> None:
        recorder.note_item(table, item.hash_key, item.range_key)

    def item_deleted(recorder: ChangeRecorder, table: Any, _item: Any, _seen: Any,
                     hash_key: Any, range_key: Any = None, *_: Any, **__: Any) -> None:
        recorder.note_item(table, hash_key, range_key)

    def item_updated(recorder: ChangeRecorder, backend: Any, item: Any, _seen: Any,
                     table_name: str, *_: Any, **__: Any) -> None:
        if item is not None:
            recorder.note_item(backend.get_table(table_name), item.hash_key, item.range_key)

    def object_written(recorder: ChangeRecorder, _backend: Any, _result: Any, _seen: Any,
                       bucket_name: str, key_name: str, *_: Any, **__: Any) -> None:
        recorder.note_object(bucket_name, key_name)

    def message_added(recorder: ChangeRecorder, queue: Any, _result: Any, _seen: Any,
                      message: Any, *_: Any, **__: Any) -> None:
        # A FIFO queue drops a duplicate instead of adding it.
        if any(m is message for m in reversed(queue._messages)):
            recorder.note_message(queue.name, message)

    def messages_before(_recorder: ChangeRecorder, queue: Any, receipt_handle: str, *_: Any,
                        **__: Any) -> list:
        return [m for m in queue._messages if m.had_receipt_handle(receipt_handle)]

    def message_deleted(recorder: ChangeRecorder, queue: Any, _result: Any, seen: list,
                        *_: Any, **__: Any) -> None:
        for message in seen or ():
            recorder.note_message(None, message)

    def purged(recorder: ChangeRecorder, _backend: Any, _result: Any, _seen: Any,
               queue_name: str, *_: Any, **__: Any) -> None:
        recorder.note_purge(queue_name)

    _wrap(Table, "put_item", item_put)
    _wrap(Table, "delete_item", item_deleted)
    _wrap(DynamoDBBackend, "update_item", item_updated)
    _wrap(S3Backend, "put_object", object_written)
    _wrap(S3Backend, "delete_object", object_written)
    _wrap(Queue, "add_message", message_added)
    _wrap(Queue, "delete_message", message_deleted, before=messages_before)
    _wrap(SQSBackend, "purge_queue", purged)


# -- the restore ------------------------------------------------------------------------------

def _load_item(table: Any, image: dict) -> None:
    """Put ``image`` (as moto answered it) into ``table`` as moto's ``put_item`` would, without
    its checks: moto accepted it before. ``put_item`` re-measures the whole item for each
    attribute it sets (the 400 KB limit): about 3 ms an item, minutes for a large table."""
    from moto.dynamodb.models.dynamo_type import Item

    hash_key = _typed(image[table.hash_key_attr])
    range_key = _typed(image[table.range_key_attr]) if table.range_key_attr else None
    item = Item(hash_key, range_key, {})
    dict.update(item.attrs, {name: _typed(value) for name, value in image.items()})
    if range_key is not None:
        table.items[hash_key][range_key] = item
    else:
        table.items[hash_key] = item


def _typed(value: dict) -> Any:
    """``DynamoType(value)``, made directly (its constructor's generic unpacking is most of
    the restore's time)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    typed = object.__new__(DynamoType)
    (kind, raw), = value.items()
    if kind == "L":
        raw = [_typed(element) for element in raw]
    elif kind == "M":
        raw = {name: _typed(element) for name, element in raw.items()}
    typed.type, typed.value = kind, raw
    return typed


class _RestoredStreamRecord:
    """A stream record put back into a new shard: the record as it was, a new number."""

    def __init__(self, record: dict):
        self.record = record

    def to_json(self) -> dict:
        return self.record


def restore(store: DurableStore, recorder: ChangeRecorder, account_id: str, region: str, *,
            tables: dict[str, str], buckets: dict[str, str],
            queues: dict[str, str]) -> RestoreSummary:
    """Load the store into moto's (freshly provisioned, empty) models: items, objects,
    messages, and the stream records not delivered yet, back in their shard with new sequence
    numbers (the shard is new). Maps are logical id -> physical name (queue URL for queues)."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends
    from moto.sqs.models import Message, sqs_backends

    summary = RestoreSummary()
    dynamodb = dynamodb_backends[account_id][region]
    with not_recorded():
        for logical_id, name in tables.items():
            table = dynamodb.get_table(name)
            shard, table.stream_shard = table.stream_shard, None
            try:
                for image in store.items(logical_id):
                    _load_item(table, image)
                    summary.items += 1
            finally:
                table.stream_shard = shard
            if shard is None:
                continue
            numbers = []
            for row_id, record in store.stream_records(logical_id):
                number = shard.starting_sequence_number + len(shard.items)
                record["dynamodb"]["SequenceNumber"] = str(number)
                shard.items.append(_RestoredStreamRecord(record))
                numbers.append((row_id, str(number)))
            store.renumber_stream_records(logical_id, numbers)
            summary.stream_records += len(numbers)
            recorder.stream_committed_from(name, shard.starting_sequence_number + len(shard.items))

        s3 = s3_backends[account_id]["aws"]
        for logical_id, name in buckets.items():
            for key, body, _content_type, metadata in store.objects(logical_id):
                fake = s3.put_object(name, key, body, disable_notification=True)
                fake.set_metadata(dict(metadata))
                summary.objects += 1

        sqs = sqs_backends[account_id][region]
        for logical_id, url in queues.items():
            queue = sqs.get_queue(url.rsplit("/", 1)[-1])
            for saved in store.messages(logical_id):
                message = Message(saved.message_id, saved.body)
                message.message_attributes = saved.attributes or {}
                message.group_id = saved.group_id
                message.deduplication_id = saved.deduplication_id
                message.mark_sent()
                if saved.sent_timestamp:
                    message.sent_timestamp = saved.sent_timestamp
                with queue._messages_lock:
                    queue._messages.append(message)
                summary.messages += 1
    return summary


# -- transactions without copying the tables --------------------------------------------------

class _NoTableCopies:
    """Stands in for the ``copy`` module in ``moto.dynamodb.models``: a ``Table`` is not copied
    (``transact_write_items`` copies every table it writes to, to put the copy back when the
    transaction fails -- O(table) per transaction); anything else is."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def transactions_roll_back_by_item() -> None:
    """Make ``TransactWriteItems`` cost the items it writes, not the tables (idempotent).

    Before the transaction, the current version of each item it names (and each table's stream
    length) is kept; when it fails, those items are put back and the stream records it added
    removed. The tables stay the same objects, so the shard iterators handed out before keep
    reading the shard the table writes to. Server-mode requests are serialised
    (``aws.DYNAMODB_LOCK``), so nothing else writes meanwhile.
    """
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "rolls_back_by_item", False):
        return
    models.copy = _NoTableCopies()  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        kept = _current_versions(self, transact_items)
        streams = {name: (table, int(table.stream_shard.starting_sequence_number)
                          + len(table.stream_shard.items))
                   for name, table in self.tables.items() if table.stream_shard is not None}
        try:
            return original(self, transact_items)
        except BaseException:
            for table, hash_key, range_key, item in reversed(kept):
                _put_back(table, hash_key, range_key, item)
            for table, first_new in streams.values():
                shard = table.stream_shard
                del shard.items[max(0, first_new - int(shard.starting_sequence_number)):]
            raise

    transact_write_items.rolls_back_by_item = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _current_versions(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    kept = []
    for entry in transact_items:
        try:
            (operation, spec), = entry.items()
            table = backend.tables[spec["TableName"]]
            source = spec["Item"] if operation == "Put" else spec["Key"]
            hash_key = DynamoType(source[table.hash_key_attr])
            range_key = (DynamoType(source[table.range_key_attr])
                         if table.range_key_attr is not None else None)
            item = table.get_item(hash_key, range_key)
        except Exception:  # noqa: BLE001 - malformed: moto refuses it before writing anything
            continue
        kept.append((table, hash_key, range_key, copy.deepcopy(item)))
    return kept


def _put_back(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    if range_key is not None:
        if item is None:
            table.items[hash_key].pop(range_key, None)
        else:
            table.items[hash_key][range_key] = item
    elif item is None:
        table.items.pop(hash_key, None)
    else:
        table.items[hash_key] = item


# -- a query reads its partition --------------------------------------------------------------

def queries_read_their_partition() -> None:
    """Make a ``Query`` of a table's own key read the partition it names (idempotent).

    moto (pinned 5.2.1) looks at every item of the table for every ``Query`` and keeps those of
    the partition: at 80,000 items a case's timeline took a second or more, under
    ``aws.DYNAMODB_LOCK``, so every write of every client waited behind it. Here the table's
    items are, for that one call, only the partition's; the rest of moto's query (sorting,
    ranges, pages, filters, projections) is unchanged. Index queries still read every item (as
    moto's indexes are computed, not stored).
    """
    import inspect

    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, "reads_its_partition", False):
        return
    signature = inspect.signature(original)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name") or hash_key is None or "all_items" in vars(self):
            return original(self, *args, **kwargs)
        partition = self.items.get(hash_key)
        if partition is None:
            items: list = []
        elif self.range_key_attr:
            items = list(partition.values())
        else:
            items = [partition]
        self.all_items = lambda: items
        try:
            return original(self, *args, **kwargs)
        finally:
            del self.all_items

    query.reads_its_partition = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
