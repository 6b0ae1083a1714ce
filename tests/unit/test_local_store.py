"""The local runtime's state directory (``infra.local.store``, ``infra.local.persistence``):
every change moto makes committed as it happens and loaded back into an empty account;
stream records kept until every reader is done; transactions that cost their items; the
asynchronous invocations journaled until they finish. moto in-process (``mock_aws``); the
runtime's server calls ``ChangeRecorder.flush`` after each request, the tests after each call.
"""

from __future__ import annotations

import json
import sqlite3
import threading

import boto3
import pytest

from infra.local import aws, persistence  # noqa: F401 - aws applies the moto patches
from infra.local.asyncinvoke import AsyncInvokeConfig, AsyncInvoker
from infra.local.event_sources.sources import _Checkpoints
from infra.local.store import DurableStore, sequence_key
from infra.local.template import Template

REGION = "eu-central-1"
ACCOUNT = "123456789012"


@pytest.fixture
def account(moto_account, tmp_path):
    """The template's table, a bucket and a queue under the first names, a store, and a
    recorder reporting to it (active for the test)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    names = provision(dynamodb, s3, sqs, "one")
    store = DurableStore(tmp_path / "state")
    recorder = recorder_for(store, names)
    persistence.activate(recorder)
    try:
        yield dynamodb, s3, sqs, store, recorder, names
    finally:
        persistence.activate(None)
        store.close()


def provision(dynamodb, s3, sqs, suffix: str) -> dict:
    table, bucket = f"cases-{suffix}", f"mail-{suffix}"
    dynamodb.create_table(TableName=table, **Template().table_definitions()["CasesTable"])
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    url = sqs.create_queue(QueueName=f"jobs-{suffix}")["QueueUrl"]
    return {"tables": {"CasesTable": table}, "buckets": {"MailBucket": bucket},
            "queues": {"JobsQueue": url}}


def recorder_for(store: DurableStore, names: dict) -> persistence.ChangeRecorder:
    return persistence.ChangeRecorder(
        store, ACCOUNT, REGION,
        tables={v: k for k, v in names["tables"].items()},
        buckets={v: k for k, v in names["buckets"].items()},
        queues={v.rsplit("/", 1)[-1]: k for k, v in names["queues"].items()})


def key(sort_key: str) -> dict:
    return {"PK": {"S": "CASE#2026-000001"}, "SK": {"S": sort_key}}


def items_of(dynamodb, table: str) -> list[dict]:
    items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))


def test_every_change_is_committed_as_it_happens_and_restored_into_an_empty_account(account):
    dynamodb, s3, sqs, store, recorder, names = account
    table, bucket, url = (names["tables"]["CasesTable"], names["buckets"]["MailBucket"],
                          names["queues"]["JobsQueue"])
    # GIVEN every kind of write the functions make, each committed when its call ends
    calls = [
        lambda: dynamodb.put_item(TableName=table, Item={**key("CASE"), "status": {"S": "new"},
                                                         "doc": {"B": b"\x1f\x8b\x00"}}),
        lambda: dynamodb.put_item(TableName=table, Item={**key("GONE"), "x": {"N": "1"}}),
        lambda: dynamodb.update_item(TableName=table, Key=key("COUNTER"),
                                     UpdateExpression="ADD n :one",
                                     ExpressionAttributeValues={":one": {"N": "1"}}),
        lambda: dynamodb.update_item(TableName=table, Key=key("COUNTER"),
                                     UpdateExpression="ADD n :one",
                                     ExpressionAttributeValues={":one": {"N": "1"}}),
        lambda: dynamodb.delete_item(TableName=table, Key=key("GONE")),
        lambda: dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("EVENT#1"), "kind": {"S": "opened"}}}},
            {"Update": {"TableName": table, "Key": key("CASE"),
                        "UpdateExpression": "SET version = :v",
                        "ExpressionAttributeValues": {":v": {"N": "2"}}}}]),
        lambda: s3.put_object(Bucket=bucket, Key="inbound/a", Body=b"raw mail",
                              ContentType="message/rfc822", Metadata={"origin": "smtp"}),
        lambda: s3.put_object(Bucket=bucket, Key="inbound/b", Body=b"deleted"),
        lambda: s3.delete_object(Bucket=bucket, Key="inbound/b"),
        lambda: sqs.send_message(QueueUrl=url, MessageBody="first", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "notify"}}),
        lambda: sqs.send_message(QueueUrl=url, MessageBody="second"),
    ]
    for call in calls:
        call()
        recorder.flush()
    [received] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"])
    recorder.flush()
    # AND a refused transaction, which changes nothing
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("EVENT#2"), "kind": {"S": "x"}}}},
            {"Update": {"TableName": table, "Key": key("CASE"),
                        "UpdateExpression": "SET version = :v",
                        "ConditionExpression": "version = :old",
                        "ExpressionAttributeValues": {":v": {"N": "3"}, ":old": {"N": "1"}}}}])
    recorder.flush()
    expected_items = items_of(dynamodb, table)
    assert len(expected_items) == 3  # CASE, COUNTER, EVENT#1

    # WHEN the store is loaded into an empty account (other names: a new provisioning)
    persistence.activate(None)
    fresh = provision(dynamodb, s3, sqs, "two")
    summary = persistence.restore(store, recorder_for(store, fresh), ACCOUNT, REGION, **fresh)

    # THEN it holds what the first one held, binary, counters, metadata and messages included
    assert (summary.items, summary.objects, summary.messages) == (3, 1, 1)
    assert items_of(dynamodb, fresh["tables"]["CasesTable"]) == expected_items
    restored = s3.get_object(Bucket=fresh["buckets"]["MailBucket"], Key="inbound/a")
    assert restored["Body"].read() == b"raw mail"
    assert restored["ContentType"] == "message/rfc822" and restored["Metadata"] == {"origin": "smtp"}
    assert s3.list_objects_v2(Bucket=fresh["buckets"]["MailBucket"])["KeyCount"] == 1
    [message] = sqs.receive_message(QueueUrl=fresh["queues"]["JobsQueue"],
                                    MessageAttributeNames=["All"])["Messages"]
    left = "second" if received["Body"] == "first" else "first"
    assert message["Body"] == left


def test_a_message_moved_to_its_dead_letter_queue_is_kept_there(account):
    _, _, sqs, store, recorder, names = account
    dead = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
    source = sqs.create_queue(QueueName="jobs-src", Attributes={"RedrivePolicy": json.dumps({
        "deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": 1})})[
        "QueueUrl"]
    recorder._queues.update({"jobs-dlq": "JobsDeadLetterQueue", "jobs-src": "SourceQueue"})
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    recorder.flush()
    sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)
    sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)  # moto moves it now
    recorder.flush()
    assert [m.body for m in store.messages("JobsDeadLetterQueue")] == ["poison"]
    assert list(store.messages("SourceQueue")) == []


def test_stream_records_are_kept_until_every_reader_is_done_and_come_back_renumbered(account):
    dynamodb, s3, sqs, store, recorder, names = account
    table = names["tables"]["CasesTable"]
    for number in range(4):
        dynamodb.put_item(TableName=table, Item=key(f"EVENT#{number}"))
        recorder.flush()
    kept = store.stream_records("CasesTable")
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for _, r in kept] == [f"EVENT#{n}" for n in range(4)]
    # WHEN the readers are done with the first two
    store.stream_done("CasesTable", kept[1][1]["dynamodb"]["SequenceNumber"])
    # AND the store is loaded into a new table (a restart)
    persistence.activate(None)
    fresh = provision(dynamodb, s3, sqs, "two")
    second = recorder_for(store, fresh)
    assert persistence.restore(store, second, ACCOUNT, REGION, **fresh).stream_records == 2
    # THEN its stream starts with the two records not delivered, and only those
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = dynamodb.describe_table(TableName=fresh["tables"]["CasesTable"])["Table"][
        "LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for r in records] == ["EVENT#2", "EVENT#3"]
    assert records[0]["dynamodb"]["NewImage"] == key("EVENT#2")
    # AND the store knows them by their new numbers; a new write adds only itself
    numbers = [r["dynamodb"]["SequenceNumber"] for _, r in store.stream_records("CasesTable")]
    assert numbers == [r["dynamodb"]["SequenceNumber"] for r in records]
    persistence.activate(second)
    dynamodb.put_item(TableName=fresh["tables"]["CasesTable"], Item=key("EVENT#4"))
    second.flush()
    assert len(store.stream_records("CasesTable")) == 3


def test_a_transaction_copies_no_table_and_a_refused_one_changes_nothing(account, monkeypatch):
    dynamodb, _, _, store, recorder, names = account
    from moto.dynamodb.models.table import Table

    table = names["tables"]["CasesTable"]
    for number in range(50):
        dynamodb.put_item(TableName=table, Item=key(f"EVENT#{number:03d}"))
    recorder.flush()
    before = items_of(dynamodb, table)

    def refuse(self, memo):
        raise AssertionError("a transaction copied the whole table")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {**key("CASE"), "version": {"N": "1"}}}}])
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("EVENT#000"), "changed": {"S": "y"}}}},
            {"Delete": {"TableName": table, "Key": key("EVENT#001")}},
            {"Put": {"TableName": table, "Item": key("CASE"),
                     "ConditionExpression": "attribute_not_exists(PK)"}}])
    recorder.flush()
    assert items_of(dynamodb, table) == sorted(
        before + [{**key("CASE"), "version": {"N": "1"}}],
        key=lambda item: json.dumps(item, sort_keys=True, default=str))
    # the stream holds the successful writes only; so does the store
    sort_keys = [r["dynamodb"]["Keys"]["SK"]["S"] for _, r in store.stream_records("CasesTable")]
    assert sort_keys[-1] == "CASE" and len(sort_keys) == 51


def test_commits_are_durable_and_the_database_is_plain_sqlite(tmp_path):
    store = DurableStore(tmp_path)
    store.event_accepted("Ingest", "r-1", {"Records": []}, 1.0)
    store.close()
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT request_id FROM async_events").fetchall() == [("r-1",)]
    assert sequence_key("999") < sequence_key("1100000000017454423009")


# -- the asynchronous invocations' journal --------------------------------------------------

class _Function:
    def __init__(self, failures: int = 0):
        self.failures = failures
        self.calls: list[str] = []
        self.done = threading.Event()

    def invoke(self, event, request_id):
        self.calls.append(request_id)
        if len(self.calls) <= self.failures:
            raise RuntimeError("boom")
        self.done.set()


def test_an_accepted_event_is_invoked_after_a_restart_and_then_leaves_the_journal(tmp_path):
    store = DurableStore(tmp_path)
    config = AsyncInvokeConfig(retry_delays=(0.0,))
    # GIVEN an event accepted (202) by a runtime that died before invoking it
    crashed = AsyncInvoker(_Function(), config, function_arn="arn", journal=store, name="Ingest")
    request_id = crashed.submit({"Records": [{"n": 1}]})
    # WHEN the next runtime starts its invoker on the same state
    function = _Function()
    invoker = AsyncInvoker(function, config, function_arn="arn", journal=store,
                           name="Ingest").start()
    try:
        assert function.done.wait(5)
        assert invoker.wait_idle(5)
    finally:
        invoker.stop(timeout=1)
    # THEN it was invoked, with its request id, and is no longer pending
    assert function.calls == [request_id]
    assert store.pending_events("Ingest") == []


def test_retries_count_across_a_restart_then_the_event_goes_to_the_on_failure_queue(
        moto_account, tmp_path):
    sqs = boto3.client("sqs", region_name=REGION)
    dead = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
    store = DurableStore(tmp_path)
    config = AsyncInvokeConfig(maximum_retry_attempts=2, on_failure_queue_url=dead,
                               retry_delays=(0.0,))
    # GIVEN an event that failed twice before the runtime died (the journal counted them)
    store.event_accepted("Ingest", "r-1", {"Records": [{"n": 1}]}, enqueued_at=1.8e9)
    store.event_attempted("r-1", 2)
    # WHEN it is resumed and fails once more
    function = _Function(failures=10)
    invoker = AsyncInvoker(function, config, function_arn="arn", journal=store, name="Ingest",
                           sqs_client=lambda: sqs, clock=lambda: 1.8e9).start()
    try:
        assert invoker.wait_idle(5)
    finally:
        invoker.stop(timeout=1)
    # THEN that was its last attempt (1 + 2 retries in all): it is in the on-failure queue
    assert function.calls == ["r-1"]
    [message] = sqs.receive_message(QueueUrl=dead)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert store.pending_events("Ingest") == []


def test_a_stream_checkpoint_moves_when_every_reader_passed_it():
    done: list[tuple[str, str]] = []
    checkpoints = _Checkpoints(lambda table, number: done.append((table, number)),
                               [("CasesTable", "notify/shard"), ("CasesTable", "publish/shard")])
    notify = checkpoints.reader("CasesTable", "notify/shard")
    publish = checkpoints.reader("CasesTable", "publish/shard")
    notify("105")
    assert done == []  # the other reader has read nothing yet
    publish("103")
    publish("110")
    notify("107")
    assert done == [("CasesTable", "103"), ("CasesTable", "105"), ("CasesTable", "107")]


def test_moto_keeps_no_copy_of_what_a_write_replaced(moto_account):
    # moto lists every model object it makes (deep copies included) until a reset: the
    # runtime's memory grew with each write by the copies UpdateItem and transactions made
    from moto.dynamodb.models.dynamo_type import Item

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(TableName="cases", **Template().table_definitions()["CasesTable"])
    for number in range(20):
        dynamodb.put_item(TableName="cases", Item=key(f"EVENT#{number:03d}"))
    tracked = len(getattr(Item, "instances_tracked", []))
    for number in range(10):
        dynamodb.update_item(TableName="cases", Key=key("COUNTER"), UpdateExpression="ADD n :one",
                             ExpressionAttributeValues={":one": {"N": "1"}})
        dynamodb.transact_write_items(TransactItems=[{"Put": {
            "TableName": "cases", "Item": key(f"CASE#{number}")}}])
    assert len(getattr(Item, "instances_tracked", [])) == tracked == 0


def test_a_query_of_a_partition_reads_that_partition_only(moto_account, monkeypatch):
    from moto.dynamodb.models.table import Table

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(TableName="cases", **Template().table_definitions()["CasesTable"])
    for number in range(30):
        dynamodb.put_item(TableName="cases", Item={"PK": {"S": f"CASE#{number % 3}"},
                                                   "SK": {"S": f"EVENT#{number:03d}"},
                                                   "entity": {"S": "event"}})

    def everything(self):
        raise AssertionError("a partition query read the whole table")

    monkeypatch.setattr(Table, "all_items", everything)
    answer = dynamodb.query(TableName="cases", KeyConditionExpression="PK = :pk AND SK > :sk",
                            FilterExpression="entity = :e", ScanIndexForward=False, Limit=4,
                            ExpressionAttributeValues={":pk": {"S": "CASE#1"},
                                                       ":sk": {"S": "EVENT#010"},
                                                       ":e": {"S": "event"}})
    assert [item["SK"]["S"] for item in answer["Items"]] == [
        "EVENT#028", "EVENT#025", "EVENT#022", "EVENT#019"]
    assert answer["LastEvaluatedKey"]["SK"] == {"S": "EVENT#019"}
