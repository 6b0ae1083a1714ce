"""template.yaml <-> code for the live feed's index (GSI4): keys, projection, the route."""

from civicdesk.adapters.dynamodb import session
from civicdesk.adapters.dynamodb.items import TimelineItem
from civicdesk.adapters.dynamodb.table import FEED_PROJECTION, FeedIndex, TableItem
from infra.local.template import Template

TEMPLATE = Template()


def _feed_index() -> dict:
    table = TEMPLATE.resources["CasesTable"]["Properties"]
    return next(i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "GSI4")


def test_the_feed_index_is_the_one_the_model_declares():
    index = _feed_index()
    schema = next(i for i in TimelineItem._get_schema()["global_secondary_indexes"]
                  if i["index_name"] == FeedIndex.Meta.index_name)
    assert index["KeySchema"] == schema["key_schema"]
    assert index["Projection"] == schema["projection"]
    defined = {d["AttributeName"]: d["AttributeType"]
               for d in TEMPLATE.resources["CasesTable"]["Properties"]["AttributeDefinitions"]}
    assert defined["GSI4PK"] == defined["GSI4SK"] == "S"


def test_the_feed_index_projects_what_the_feed_reads_and_never_the_entry_data():
    projected = set(_feed_index()["Projection"]["NonKeyAttributes"])
    assert projected == set(FEED_PROJECTION)
    assert "data" not in projected
    # every attribute the adapter turns into a feed entry is there
    read = {"entity", "number", "at", "kind", "actor", "public", "event_id", "feed"}
    assert read <= projected


def test_the_shared_connection_knows_the_feed_index():
    models = (TableItem, *TableItem.__subclasses__())
    saved = [(m, m.Meta.table_name, m.Meta.region, getattr(m.Meta, "host", None), m._connection)
             for m in models]
    try:
        session.configure("civicdesk-contract", "eu-central-1")
        meta = session.table_connection().get_meta_table()
        assert meta.has_index_name("GSI4") and meta.get_index_hash_keyname("GSI4") == "GSI4PK"
        assert meta.get_attribute_type("GSI4SK") == "S"
        assert meta.has_index_name("GSI1")  # and still the queue indexes
    finally:
        for model, table, region, host, connection in saved:
            model.Meta.table_name, model.Meta.region, model.Meta.host = table, region, host
            model._connection = connection


def test_the_feed_route_is_a_staff_route_of_the_admin_function():
    [route] = [r for r in TEMPLATE.routes() if r.path == "/v1/admin/feed"]
    assert route.method == "GET" and route.function == "AdminApiFunction"
    event = next(e for e in TEMPLATE.functions()["AdminApiFunction"].events.values()
                 if e["Properties"]["Path"] == "/v1/admin/feed")
    assert event["Properties"]["Auth"] == {"Authorizer": "StaffAuthorizer"}
