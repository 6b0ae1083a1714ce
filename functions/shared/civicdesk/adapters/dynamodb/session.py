"""The one PynamoDB connection every item kind shares, and its botocore session, from which
every other AWS client is made (``civicdesk.wiring.aws_client``).

All item kinds share one connection, hence one botocore client: each client costs tens of
milliseconds to create, which a cold start would otherwise pay once per item kind
(``docs/decisions.md``, "one DynamoDB connection for every item kind").
"""

from __future__ import annotations

from .items import CaseItem, QueueEntryItem, TimelineItem
from .table import TableItem


def configure(table_name: str, region: str, host: str | None = None) -> None:
    """Point every model at the table named by the environment (called once by the wiring).

    The item kinds of a part (``sms_items``, ``surveys_items``...) need not be imported first:
    a kind defined later inherits ``TableItem``'s ``Meta`` and shared connection, and its
    indexes are the table's (``CaseItem``'s schema), so a cold start imports only the kinds
    it uses. Those declared now are reset here, in case one had opened a connection of its
    own before (a test's other endpoint)."""
    models = _item_kinds()
    for model in models:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model.Meta.host = host  # type: ignore[attr-defined]  # pynamodb's MetaProtocol omits it
        model._connection = None
    shared = CaseItem._get_connection()  # its schema includes the table's indexes
    _know_indexes_of(shared, TimelineItem)
    _know_indexes_of(shared, QueueEntryItem)
    for model in models:
        model._connection = shared


def table_connection():
    """The shared PynamoDB table connection (raw index queries, ``TransactWrite``)."""
    return TableItem._get_connection()


def botocore_session():
    """The botocore session of the shared connection (for the other AWS clients)."""
    return table_connection().connection.session


def connection_client():
    """The botocore client PynamoDB uses (for counting calls in the benchmarks)."""
    return table_connection().connection.client


def _item_kinds() -> list[type[TableItem]]:
    """``TableItem`` and every item kind derived from it (an item kind left out would keep a
    connection of its own, to whatever endpoint it first saw)."""
    kinds: list[type[TableItem]] = [TableItem]
    for kind in kinds:
        kinds.extend(sub for sub in kind.__subclasses__() if sub not in kinds)
    return kinds


def _know_indexes_of(connection, model) -> None:
    """Add the indexes ``model`` declares (the feed index of ``TimelineItem``, the filtered
    queues of ``QueueEntryItem``) to the schema the
    shared connection took from ``CaseItem``, so that one connection queries every index."""
    meta = connection.get_meta_table()
    indexes = meta.data.setdefault("GlobalSecondaryIndexes", [])
    definitions = meta.data.setdefault("AttributeDefinitions", [])
    known = {index["IndexName"] for index in indexes}
    defined = {definition["AttributeName"] for definition in definitions}
    for index in model._get_schema()["global_secondary_indexes"]:
        if index["index_name"] not in known:
            indexes.append({"IndexName": index["index_name"], "KeySchema": index["key_schema"]})
        definitions.extend(d for d in index["attribute_definitions"]
                           if d["AttributeName"] not in defined)
