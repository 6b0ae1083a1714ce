"""What the function receives and what Lambda reports: the event records of a stream and of a
queue, built exactly as Lambda builds them, the reading of a ``batchItemFailures`` response, and
the on-failure destination record of a stream batch given up.
"""

from __future__ import annotations

import base64
import logging
import uuid
from datetime import datetime, timezone
from typing import Any

from infra.local.state import encode_item

log = logging.getLogger("civicdesk.local")


def lambda_stream_record(raw: dict, *, stream_arn: str, region: str) -> dict:
    """A ``GetRecords`` record as Lambda puts it in the function's event.

    Lambda adds ``eventSourceARN``, uses ``eventVersion`` 1.1, its own region, epoch seconds
    for ``ApproximateCreationDateTime`` (boto3 parsed them into a datetime) and base64 for
    binary attributes (boto3 decoded them into bytes).

    Examples
    --------
    >>> created = datetime(2026, 11, 21, tzinfo=timezone.utc)
    >>> raw = {"eventID": "e1", "eventName": "INSERT", "eventVersion": "1.0",
    ...        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
    ...        "dynamodb": {"ApproximateCreationDateTime": created, "Keys": {"PK": {"S": "C#1"}},
    ...                     "NewImage": {"PK": {"S": "C#1"}, "doc": {"B": b"\\x00"}},
    ...                     "SequenceNumber": "100", "SizeBytes": 30,
    ...                     "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    >>> record = lambda_stream_record(raw, stream_arn="arn:stream", region="eu-central-1")
    >>> record["eventVersion"], record["awsRegion"], record["eventSourceARN"]
    ('1.1', 'eu-central-1', 'arn:stream')
    >>> record["dynamodb"]["ApproximateCreationDateTime"], record["dynamodb"]["NewImage"]["doc"]
    (1795219200, {'B': 'AA=='})
    """
    change = raw["dynamodb"]
    dynamodb: dict[str, Any] = {}
    if change.get("ApproximateCreationDateTime") is not None:
        dynamodb["ApproximateCreationDateTime"] = _epoch_seconds(
            change["ApproximateCreationDateTime"])
    dynamodb["Keys"] = encode_item(change.get("Keys") or {})
    for image in ("NewImage", "OldImage"):
        if image in change:
            dynamodb[image] = encode_item(change[image])
    dynamodb["SequenceNumber"] = change["SequenceNumber"]
    dynamodb["SizeBytes"] = change.get("SizeBytes", 0)
    dynamodb["StreamViewType"] = change.get("StreamViewType")
    record = {"eventID": raw.get("eventID") or uuid.uuid4().hex, "eventName": raw["eventName"],
              "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": region,
              "dynamodb": dynamodb, "eventSourceARN": stream_arn}
    if raw.get("userIdentity"):
        # Deletions by TTL: {"type": "Service", "principalId": "dynamodb.amazonaws.com"}.
        record["userIdentity"] = raw["userIdentity"]
    return record


def _epoch_seconds(moment: Any) -> int:
    if isinstance(moment, datetime):
        return int(moment.timestamp())
    return int(float(moment))


def _iso_seconds(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lambda_sqs_record(message: dict, *, queue_arn: str, region: str) -> dict:
    """A ``ReceiveMessage`` message as Lambda puts it in the function's event.

    Examples
    --------
    >>> message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}", "MD5OfBody": "99",
    ...            "Attributes": {"ApproximateReceiveCount": "1"},
    ...            "MessageAttributes": {"type": {"StringValue": "case.opened",
    ...                                           "DataType": "String"}}}
    >>> record = lambda_sqs_record(message, queue_arn="arn:q", region="eu-central-1")
    >>> record["messageId"], record["eventSource"], record["eventSourceARN"]
    ('m1', 'aws:sqs', 'arn:q')
    >>> record["messageAttributes"]["type"]["stringValue"], record["attributes"]
    ('case.opened', {'ApproximateReceiveCount': '1'})
    """
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        converted: dict[str, Any] = {}
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            converted["binaryValue"] = (base64.b64encode(raw).decode("ascii")
                                        if isinstance(raw, bytes) else raw)
        converted.update(stringListValues=[], binaryListValues=[], dataType=value["DataType"])
        attributes[name] = converted
    record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
              "body": message.get("Body", ""), "attributes": dict(message.get("Attributes") or {}),
              "messageAttributes": attributes, "md5OfBody": message.get("MD5OfBody")}
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update(eventSource="aws:sqs", eventSourceARN=queue_arn, awsRegion=region)
    return record


def failed_items(identifiers: list[str], response: Any, enabled: bool) -> list[int]:
    """Positions in the batch of the records that failed, according to the function's
    response: ``[]`` is a success, every position a complete failure.

    Without ``ReportBatchItemFailures`` the response is ignored (a response is a success).
    With it, ``{"batchItemFailures": [{"itemIdentifier": id}]}`` names the failures; no list,
    an empty list, or no response at all is a success; an identifier that is empty, missing or
    not in the batch makes the whole batch a failure, as in Lambda.

    Examples
    --------
    >>> failed_items(["1", "2", "3"], {"batchItemFailures": [{"itemIdentifier": "3"},
    ...                                                       {"itemIdentifier": "2"}]}, True)
    [1, 2]
    >>> failed_items(["1", "2"], {"batchItemFailures": []}, True), failed_items(["1"], None, True)
    ([], [])
    >>> failed_items(["1", "2"], {"batchItemFailures": [{"itemIdentifier": "9"}]}, True)
    [0, 1]
    >>> failed_items(["1", "2"], {"batchItemFailures": [{"itemIdentifier": "2"}]}, False)
    []
    """
    if not enabled or not isinstance(response, dict):
        return []
    failures = response.get("batchItemFailures")
    if not failures:
        return []
    positions = {identifier: index for index, identifier in enumerate(identifiers)}
    found = set()
    for failure in failures if isinstance(failures, list) else [failures]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            log.warning("batchItemFailures names %r, which is not in the batch: the whole batch "
                        "counts as failed", identifier)
            return list(range(len(identifiers)))
        found.add(positions[identifier])
    return sorted(found)


def stream_failure_record(records: list[dict], *, shard_id: str, stream_arn: str,
                          function_arn: str, request_id: str, invoke_count: int,
                          condition: str, function_error: bool, timestamp: str) -> dict:
    """What Lambda sends to a stream mapping's on-failure destination: where the records are
    in the stream, not the records themselves (``DDBStreamBatchInfo``)."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    arrival = "ApproximateCreationDateTime"
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response_context["functionError"] = "Unhandled"
    return {
        "requestContext": {"requestId": request_id, "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": invoke_count},
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": timestamp,
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso_seconds(first.get(arrival)),
            "approximateArrivalOfLastRecord": _iso_seconds(last.get(arrival)),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
