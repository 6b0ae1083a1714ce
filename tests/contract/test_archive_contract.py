"""template.yaml <-> the archive of case events (issue 14, item 8): the Glue table's columns are
the fields of the events the code publishes, every event reaches the Firehose stream raw, and
the stream writes where the table's partition projection reads."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from civicdesk.domain.cases import EventKind, TimelineEvent
from civicdesk.domain.events import EVENT_DATA_KEYS, CaseFacts, domain_event
from infra.local.firehose import GlueType, LocalDeliveryStream, stream_specs
from infra.local.template import Template, reference_target

TEMPLATE = Template()
RESOURCES = TEMPLATE.resources
TABLE = RESOURCES["EventsArchiveTable"]["Properties"]["TableInput"]
STREAM = RESOURCES["EventsArchiveDeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]
AT = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
FACTS = CaseFacts("roads_traffic", "road_damage", "signal", "in_progress", True, "sr-Cyrl",
                  names=("Милан Јовановић",))


def columns() -> dict[str, GlueType]:
    return {c["Name"]: GlueType.parse(c["Type"]) for c in TABLE["StorageDescriptor"]["Columns"]}


def published(kind: EventKind, **data) -> dict:
    """The body the events publisher sends for a timeline entry (``SnsEventBus``)."""
    entry = TimelineEvent("2026-000123", AT, kind, "staff:ana", True, data, "5a8e548ee46c")
    event = domain_event(entry, FACTS)
    assert event is not None
    return event.body()


def test_the_columns_are_the_fields_of_an_event_in_order():
    body = published(EventKind.STATUS_CHANGED, status="in_progress", **{"from": "new"})
    assert list(columns()) == list(body)
    assert [name for name, _ in columns()["case"].fields] == list(body["case"])


def test_the_data_column_has_a_field_for_every_key_an_event_may_carry():
    assert [name for name, _ in columns()["data"].fields] == list(EVENT_DATA_KEYS)


def test_the_types_are_those_of_the_values_the_code_puts_there():
    table = columns()
    case_types = dict(table["case"].fields)
    data_types = dict(table["data"].fields)
    assert case_types.pop("public").kind == "boolean"
    assert {kind.kind for kind in case_types.values()} == {"string"}
    for whole_number in ("level", "overdue_minutes", "days"):
        assert data_types.pop(whole_number).kind == "int"
    assert {kind.kind for kind in data_types.values()} == {"string"}
    escalated = published(EventKind.ESCALATED, level=2, reason="internal")
    assert escalated["data"] == {"level": 2}  # the reason stays in the case
    assert {table[name].kind for name in ("schema_version", "id", "type", "at", "actor",
                                          "visibility")} == {"string"}


def test_published_events_fit_the_table_as_the_local_stream_converts_them(tmp_path):
    [spec] = stream_specs(TEMPLATE)
    stream = LocalDeliveryStream(spec, tmp_path, tmp_path)
    bodies = [published(EventKind.STATUS_CHANGED, status="resolved", **{"from": "in_progress"},
                        public_text="Рупа је санирана, Милан Јовановић."),
              published(EventKind.ESCALATED, level=1),
              published(EventKind.CASE_OPENED, channel="phone",
                        received_at="2026-11-03T08:00:00Z")]
    rows = [stream._row(json.dumps(body, ensure_ascii=False)) for body in bodies]
    assert {row["id"] for row in rows} == {"2026-000123/5a8e548ee46c"}
    assert [row["data"]["status"] for row in rows] == ["resolved", None, None]
    assert rows[1]["data"]["level"] == 1 and rows[2]["data"]["channel"] == "phone"
    # what reaches the archive is the event as published: redacted already
    assert "Милан" not in rows[0]["data"]["public_text"]


def test_every_event_goes_to_the_stream_raw_and_unfiltered():
    subscription = RESOURCES["EventsArchiveSubscription"]["Properties"]
    assert reference_target(subscription["TopicArn"]) == "EventsTopic"
    assert subscription["Protocol"] == "firehose" and subscription["RawMessageDelivery"] is True
    assert reference_target(subscription["Endpoint"]) == "EventsArchiveDeliveryStream"
    assert "FilterPolicy" not in subscription
    assert reference_target(subscription["RedrivePolicy"]["deadLetterTargetArn"]) == \
        "EventsArchiveDeadLetterQueue"
    role = RESOURCES[reference_target(subscription["SubscriptionRoleArn"])]["Properties"]
    [statement] = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert reference_target(statement["Resource"]) == "EventsArchiveDeliveryStream"


def test_the_stream_converts_with_the_table_and_writes_where_its_projection_reads():
    schema = STREAM["DataFormatConversionConfiguration"]["SchemaConfiguration"]
    assert reference_target(schema["TableName"]) == "EventsArchiveTable"
    assert reference_target(schema["DatabaseName"]) == "ArchiveDatabase"
    assert reference_target(STREAM["BucketARN"]) == "ArchiveBucket"
    assert STREAM["Prefix"] == "events/day=!{timestamp:yyyy-MM-dd}/"
    assert STREAM["ErrorOutputPrefix"].startswith("errors/")
    parameters = TABLE["Parameters"]
    assert [p["Name"] for p in TABLE["PartitionKeys"]] == ["day"]
    assert (parameters["projection.enabled"], parameters["projection.day.type"],
            parameters["projection.day.format"]) == ("true", "date", "yyyy-MM-dd")
    assert parameters["storage.location.template"].value == "s3://${ArchiveBucket}/events/day=${!day}/"
    assert TABLE["StorageDescriptor"]["Location"].value == "s3://${ArchiveBucket}/events/"
    assert STREAM["BufferingHints"]["SizeInMBs"] >= 64  # Firehose's minimum with conversion
    assert STREAM["CompressionFormat"] == "UNCOMPRESSED"
