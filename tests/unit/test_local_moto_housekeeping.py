"""moto under the local runtime's stream pollers
(``infra.local.event_sources.moto_housekeeping``, and the patches of ``infra.local.aws``): the
stream shard trimmed behind its readers, and a refused transaction that neither blinds the
stream poller nor leaves phantom records. moto in-process (``mock_aws``).
"""

from __future__ import annotations

import time

import boto3
import pytest

# Importing infra.local.aws applies its moto patches (transactions roll back in place).
from infra.local import aws  # noqa: F401
from infra.local.event_sources import EventSources
from infra.local.lambdas import LocalFunction
from infra.local.template import Template, _Tag
from tests.support.event_sources import REGION, until

FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Worker"


@pytest.fixture
def clients(moto_account):
    return boto3.client("sqs", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


def stream_of(dynamodb, table: str) -> str:
    return dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]


def shard_of(table: str):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends["123456789012"][REGION].tables[table].stream_shard


def recording_sources(dynamodb) -> tuple[EventSources, list[str]]:
    """A reader of the ``cases`` table's stream that records ``"<event> <SK>"``, started."""
    template = Template({"Resources": {
        "CasesTable": {"Type": "AWS::DynamoDB::Table"},
        "Reader": {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "functions/reader/", "Events": {"Changes": {
                "Type": "DynamoDB", "Properties": {
                    "Stream": _Tag("GetAtt", "CasesTable.StreamArn")}}}}}}})
    seen: list[str] = []
    function = LocalFunction(template.functions()["Reader"],
                             lambda event, context: seen.extend(
                                 f'{r["eventName"]} {r["dynamodb"]["Keys"]["SK"]["S"]}'
                                 for r in event["Records"]),
                             physical_name="local-Reader", region=REGION,
                             account_id="123456789012")
    sources = EventSources.open(template, {"CasesTable": "cases"}, {}, region=REGION,
                                poll_interval=0.02)
    sources.start({"Reader": function}, function_arn=lambda logical_id: FUNCTION_ARN)
    return sources, seen


def create_cases_table(dynamodb) -> None:
    dynamodb.create_table(TableName="cases", **Template().table_definitions()["CasesTable"])


def put(dynamodb, sort_key: str) -> None:
    dynamodb.put_item(TableName="cases", Item={"PK": {"S": "CASE#1"}, "SK": {"S": sort_key}})


def test_the_shard_keeps_only_the_records_its_readers_have_not_read(clients):
    _, dynamodb = clients
    create_cases_table(dynamodb)
    # GIVEN records written before the sources open (as the state restore writes them)
    for number in range(5):
        put(dynamodb, f"OLD#{number}")
    sources, seen = recording_sources(dynamodb)
    try:
        # WHEN more is written and delivered
        for number in range(3):
            put(dynamodb, f"NEW#{number}")
        assert until(lambda: len(seen) == 3)
        # THEN only the new records were delivered, and moto's shard holds neither the old
        # ones nor, after the next read, the delivered ones; its trim horizon moved on
        assert seen == ["INSERT NEW#0", "INSERT NEW#1", "INSERT NEW#2"]
        assert until(lambda: len(shard_of("cases").items) == 0)
        shard = boto3.client("dynamodbstreams", region_name=REGION).describe_stream(
            StreamArn=stream_of(dynamodb, "cases"))["StreamDescription"]["Shards"][0]
        assert int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) == \
            shard_of("cases").starting_sequence_number
        # AND a later write is still delivered
        put(dynamodb, "NEW#3")
        assert until(lambda: len(seen) == 4)
    finally:
        sources.stop(timeout=2)


def test_a_refused_transaction_neither_blinds_the_stream_nor_leaves_records_of_its_writes(
        clients):
    _, dynamodb = clients
    create_cases_table(dynamodb)
    sources, seen = recording_sources(dynamodb)
    try:
        put(dynamodb, "CASE")
        assert until(lambda: seen == ["INSERT CASE"])
        # WHEN a transaction is refused (its condition fails after another of its writes)
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "cases", "Item": {"PK": {"S": "CASE#1"},
                                                        "SK": {"S": "EVENT#rolled-back"}}}},
                {"Put": {"TableName": "cases", "Item": {"PK": {"S": "CASE#1"},
                                                        "SK": {"S": "CASE"}},
                         "ConditionExpression": "attribute_not_exists(PK)"}}])
        # AND then a change is written
        put(dynamodb, "EVENT#after")
        assert until(lambda: len(seen) >= 2)
        time.sleep(0.1)
    finally:
        sources.stop(timeout=2)
    # THEN the change reached the reader, the rolled-back write neither reached it nor stayed
    assert seen == ["INSERT CASE", "INSERT EVENT#after"]
    assert "Item" not in dynamodb.get_item(TableName="cases", Key={
        "PK": {"S": "CASE#1"}, "SK": {"S": "EVENT#rolled-back"}})
