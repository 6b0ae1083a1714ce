"""The campaigns' store in the cases table (``services.campaign_ports.CampaignStore``): a
campaign and its recipients in one partition, their counters on the campaign's item, the
sweep's and the call list's partitions in ``GSI3``, and one origin item per sent message
(``docs/data-model.md``, Campaigns, access patterns 69-79).

Low-level requests (the shared botocore client): the counters are attributes named at run time
(``c#state#sent``), which ``UpdateItem``'s ``ADD`` moves and no model declares.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any, Iterable, Sequence

from botocore.exceptions import ClientError

from ...domain.audiences import Channel
from ...domain.campaigns import Campaign, CampaignState, Recipient, RecipientState, counter_deltas
from ...domain.errors import BadRequestError
from ...services.campaign_ports import Origin
from .campaign_codec import (
    COUNTER_PREFIX,
    campaign_doc,
    campaign_of,
    recipient_doc,
    recipient_of_item,
    sort_time,
)
from .keys import (
    CAMPAIGN_ORIGIN_SK,
    CAMPAIGN_RECIPIENT_PREFIX,
    CAMPAIGN_SK,
    CAMPAIGNS_PK,
    campaign_calls_pk,
    campaign_origin_pk,
    campaign_pk,
    campaign_recipient_sk,
    campaign_waiting_pk,
)
from .session import connection_client
from .table import TableItem

INDEX = "GSI3"
_CURSOR_PART = re.compile(r"^[A-Za-z0-9#:.\-_]{1,200}$")
#: ``BatchGetItem`` takes 100 keys.
BATCH_GET = 100


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(value)}


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _encode(parts: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[str]:
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise BadRequestError("error.invalid_cursor") from None
    if (not isinstance(parts, list) or len(parts) != count
            or not all(isinstance(p, str) and _CURSOR_PART.match(p) for p in parts)):
        raise BadRequestError("error.invalid_cursor")
    return parts


class DynamoCampaignStore:
    def __init__(self, client=None):
        self._client_value = client

    @property
    def _client(self):
        if self._client_value is None:
            self._client_value = connection_client()
        return self._client_value

    @property
    def _table(self) -> str:
        return TableItem.Meta.table_name

    # -- campaigns ---------------------------------------------------------------------------

    def add(self, campaign: Campaign) -> None:
        """One conditional ``PutItem`` (pattern 69)."""
        self._client.put_item(TableName=self._table, Item={
            "PK": _s(campaign_pk(campaign.campaign_id)), "SK": _s(CAMPAIGN_SK),
            "entity": _s("campaign"), "campaign_id": _s(campaign.campaign_id),
            "doc": _s(campaign_doc(campaign)), "state": _s(campaign.state.value),
            "version": _n(campaign.version), "GSI3PK": _s(CAMPAIGNS_PK),
            "GSI3SK": _s(f"{sort_time(campaign.created_at)}#{campaign.campaign_id}")},
            ConditionExpression="attribute_not_exists(PK)")

    def get(self, campaign_id: str) -> Campaign | None:
        """One strongly consistent ``GetItem``, counters included (pattern 70)."""
        item = self._client.get_item(TableName=self._table, ConsistentRead=True, Key={
            "PK": _s(campaign_pk(campaign_id)), "SK": _s(CAMPAIGN_SK)}).get("Item")
        return campaign_of(item) if item else None

    def replace(self, campaign: Campaign, expected_version: int) -> int | None:
        """One ``UpdateItem`` of the document, state and version, never the counters
        (``version = <expected>``); on a lost race one ``GetItem`` (pattern 71)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"PK": _s(campaign_pk(campaign.campaign_id)), "SK": _s(CAMPAIGN_SK)},
                UpdateExpression="SET #doc = :doc, #state = :state, #version = :new",
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={"#doc": "doc", "#state": "state", "#version": "version"},
                ExpressionAttributeValues={":doc": _s(campaign_doc(campaign)),
                                           ":state": _s(campaign.state.value),
                                           ":new": _n(campaign.version),
                                           ":expected": _n(expected_version)})
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise
            current = self.get(campaign.campaign_id)
            return current.version if current else 0
        return None

    def page(self, limit: int, cursor: str | None,
             state: CampaignState | None) -> tuple[list[Campaign], str | None]:
        """Newest first: one ``Query`` of ``GSI3`` ``CAMPAIGNS`` (pattern 72)."""
        request: dict[str, Any] = {
            "TableName": self._table, "IndexName": INDEX, "Limit": limit,
            "ScanIndexForward": False, "KeyConditionExpression": "GSI3PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(CAMPAIGNS_PK)}}
        if state is not None:
            request["FilterExpression"] = "#state = :state"
            request["ExpressionAttributeNames"] = {"#state": "state"}
            request["ExpressionAttributeValues"][":state"] = _s(state.value)
        if cursor:
            sort_value, campaign_id = _decode(cursor, 2)
            request["ExclusiveStartKey"] = {"PK": _s(campaign_pk(campaign_id)), "SK": _s(CAMPAIGN_SK),
                                            "GSI3PK": _s(CAMPAIGNS_PK), "GSI3SK": _s(sort_value)}
        answer = self._client.query(**request)
        last = answer.get("LastEvaluatedKey")
        next_cursor = _encode([last["GSI3SK"]["S"], last["PK"]["S"].split("#", 1)[1]]) if last else None
        return [campaign_of(item) for item in answer.get("Items", [])], next_cursor

    def live(self) -> list[Campaign]:
        """The sending campaigns and the cancelled ones with recipients open: ``Query`` pages
        of ``CAMPAIGNS`` filtered by state (a municipality keeps tens to hundreds; pattern 77)."""
        found: list[Campaign] = []
        request: dict[str, Any] = {
            "TableName": self._table, "IndexName": INDEX, "KeyConditionExpression": "GSI3PK = :pk",
            "FilterExpression": "#state IN (:sending, :cancelled)",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {":pk": _s(CAMPAIGNS_PK), ":sending": _s("sending"),
                                          ":cancelled": _s("cancelled")}}
        while True:
            answer = self._client.query(**request)
            found += [campaign_of(item) for item in answer.get("Items", [])]
            if not answer.get("LastEvaluatedKey"):
                break
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        return [c for c in found if c.state is CampaignState.SENDING or c.open_count > 0]

    def mark_planned(self, campaign_id: str, count: int) -> None:
        self._client.update_item(
            TableName=self._table, Key={"PK": _s(campaign_pk(campaign_id)), "SK": _s(CAMPAIGN_SK)},
            UpdateExpression="SET planned = :yes, planned_count = :count",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":yes": {"BOOL": True}, ":count": _n(count)})

    # -- recipients ---------------------------------------------------------------------------

    def _recipient_item(self, r: Recipient) -> dict:
        item = {"PK": _s(campaign_pk(r.campaign_id)), "SK": _s(campaign_recipient_sk(r.key)),
                "entity": _s("campaign_recipient"), "key": _s(r.key), "doc": _s(recipient_doc(r)),
                "state": _s(r.state.value), "version": _n(r.version)}
        item.update(self._index_keys(r))
        return item

    @staticmethod
    def _index_keys(r: Recipient) -> dict:
        if r.state is RecipientState.UNREACHABLE:
            return {"GSI3PK": _s(campaign_calls_pk(r.campaign_id)), "GSI3SK": _s(r.key)}
        if r.wait_until is not None and not r.final:
            return {"GSI3PK": _s(campaign_waiting_pk(r.campaign_id)),
                    "GSI3SK": _s(f"{sort_time(r.wait_until)}#{r.key}")}
        return {}

    def _counter_update(self, campaign_id: str, deltas: dict[str, int]) -> dict:
        names = {f"#c{i}": f"{COUNTER_PREFIX}{key}" for i, key in enumerate(deltas)}
        values = {f":c{i}": _n(value) for i, value in enumerate(deltas.values())}
        return {"Update": {
            "TableName": self._table,
            "Key": {"PK": _s(campaign_pk(campaign_id)), "SK": _s(CAMPAIGN_SK)},
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(deltas))),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}

    def add_recipients(self, campaign_id: str, recipients: Sequence[Recipient]) -> list[Recipient]:
        """One ``TransactWriteItems``: each recipient put if absent, the counters added; when
        some were there (a resumed plan), again without them (pattern 73)."""
        pending = list(recipients)
        existing: list[Recipient] = []
        while pending:
            deltas: dict[str, int] = {}
            for r in pending:
                for key, value in counter_deltas(None, r).items():
                    deltas[key] = deltas.get(key, 0) + value
            items = [{"Put": {"TableName": self._table, "Item": self._recipient_item(r),
                              "ConditionExpression": "attribute_not_exists(PK)",
                              "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}} for r in pending]
            try:
                self._client.transact_write_items(
                    TransactItems=[*items, self._counter_update(campaign_id, deltas)])
                return existing
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons") or []
                failed = {i for i, reason in enumerate(reasons)
                          if reason.get("Code") == "ConditionalCheckFailed"}
                if not failed:
                    raise
                existing += [recipient_of_item(campaign_id, reasons[i]["Item"]) if reasons[i].get("Item")
                             else pending[i] for i in sorted(failed)]
                pending = [r for i, r in enumerate(pending) if i not in failed]
        return existing

    def recipients(self, campaign_id: str, keys: Iterable[str]) -> dict[str, Recipient]:
        """``BatchGetItem``, strongly consistent, 100 keys a request (pattern 74)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Recipient] = {}
        for start in range(0, len(wanted), BATCH_GET):
            request = {self._table: {"ConsistentRead": True, "Keys": [
                {"PK": _s(campaign_pk(campaign_id)), "SK": _s(campaign_recipient_sk(k))}
                for k in wanted[start:start + BATCH_GET]]}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    recipient = recipient_of_item(campaign_id, item)
                    found[recipient.key] = recipient
                request = answer.get("UnprocessedKeys") or {}
        return found

    def recipient(self, campaign_id: str, key: str) -> Recipient | None:
        item = self._client.get_item(TableName=self._table, ConsistentRead=True, Key={
            "PK": _s(campaign_pk(campaign_id)), "SK": _s(campaign_recipient_sk(key))}).get("Item")
        return recipient_of_item(campaign_id, item) if item else None

    def claim(self, recipient: Recipient, channel: Channel) -> bool:
        """One conditional ``UpdateItem``: ``ADD claimed <channel>`` unless it holds it (75)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"PK": _s(campaign_pk(recipient.campaign_id)),
                     "SK": _s(campaign_recipient_sk(recipient.key))},
                UpdateExpression="ADD claimed :set",
                ConditionExpression="attribute_exists(PK) AND NOT contains(claimed, :channel)",
                ExpressionAttributeValues={":set": {"SS": [channel.value]},
                                           ":channel": _s(channel.value)})
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def apply(self, before: Recipient, after: Recipient, origin_id: str | None = None) -> bool:
        """One ``TransactWriteItems``: the recipient updated if still at ``before``'s version
        (its claims untouched), the counters moved, the origin put (pattern 76)."""
        index = self._index_keys(after)
        sets = ["#doc = :doc", "#state = :state", "#version = :new"]
        values: dict[str, Any] = {":doc": _s(recipient_doc(after)), ":state": _s(after.state.value),
                                  ":new": _n(after.version), ":expected": _n(before.version)}
        if index:
            sets += ["GSI3PK = :gpk", "GSI3SK = :gsk"]
            values.update({":gpk": index["GSI3PK"], ":gsk": index["GSI3SK"]})
        expression = "SET " + ", ".join(sets) + ("" if index else " REMOVE GSI3PK, GSI3SK")
        items: list[dict] = [{"Update": {
            "TableName": self._table,
            "Key": {"PK": _s(campaign_pk(before.campaign_id)), "SK": _s(campaign_recipient_sk(before.key))},
            "UpdateExpression": expression, "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {"#doc": "doc", "#state": "state", "#version": "version"},
            "ExpressionAttributeValues": values}}]
        deltas = counter_deltas(before, after)
        if deltas:
            items.append(self._counter_update(before.campaign_id, deltas))
        if origin_id is not None and before.channel is not None:
            items.append({"Put": {"TableName": self._table, "Item": {
                "PK": _s(campaign_origin_pk(origin_id)), "SK": _s(CAMPAIGN_ORIGIN_SK),
                "entity": _s("campaign_origin"), "campaign_id": _s(before.campaign_id),
                "key": _s(before.key), "channel": _s(before.channel.value)}}})
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if _code(error) != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def _index_page(self, partition: str, limit: int, cursor: str | None, *,
                    upto: str | None = None) -> tuple[list[dict], str | None]:
        request: dict[str, Any] = {"TableName": self._table, "IndexName": INDEX, "Limit": limit,
                                   "KeyConditionExpression": "GSI3PK = :pk",
                                   "ExpressionAttributeValues": {":pk": _s(partition)}}
        if upto is not None:
            request["KeyConditionExpression"] += " AND GSI3SK <= :upto"
            request["ExpressionAttributeValues"][":upto"] = _s(upto)
        if cursor:
            sort_value, key = _decode(cursor, 2)
            campaign = partition.split("#", 1)[1]
            request["ExclusiveStartKey"] = {"PK": _s(campaign_pk(campaign)),
                                            "SK": _s(campaign_recipient_sk(key)),
                                            "GSI3PK": _s(partition), "GSI3SK": _s(sort_value)}
        answer = self._client.query(**request)
        last = answer.get("LastEvaluatedKey")
        next_cursor = _encode([last["GSI3SK"]["S"], last["SK"]["S"][len(CAMPAIGN_RECIPIENT_PREFIX):]]) \
            if last else None
        return answer.get("Items", []), next_cursor

    def waiting(self, campaign_id: str, until: datetime, limit: int) -> list[Recipient]:
        """One ``Query`` of ``GSI3`` ``CAMPAIGNWAIT#<id>`` up to ``until`` (pattern 77)."""
        items, _ = self._index_page(campaign_waiting_pk(campaign_id), limit, None,
                                    upto=f"{sort_time(until)}#\uffff")
        return [recipient_of_item(campaign_id, item) for item in items]

    def call_list(self, campaign_id: str, limit: int,
                  cursor: str | None) -> tuple[list[Recipient], str | None]:
        """One ``Query`` of ``GSI3`` ``CAMPAIGNCALL#<id>`` (pattern 78)."""
        items, next_cursor = self._index_page(campaign_calls_pk(campaign_id), limit, cursor)
        return [recipient_of_item(campaign_id, item) for item in items], next_cursor

    def page_recipients(self, campaign_id: str, state: RecipientState | None, limit: int,
                        cursor: str | None) -> tuple[list[Recipient], str | None]:
        """One ``Query`` of the campaign's partition, by key, filtered by state (pattern 74)."""
        request: dict[str, Any] = {
            "TableName": self._table, "Limit": limit,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": _s(campaign_pk(campaign_id)),
                                          ":prefix": _s(CAMPAIGN_RECIPIENT_PREFIX)}}
        if state is not None:
            request["FilterExpression"] = "#state = :state"
            request["ExpressionAttributeNames"] = {"#state": "state"}
            request["ExpressionAttributeValues"][":state"] = _s(state.value)
        if cursor:
            (key,) = _decode(cursor, 1)
            request["ExclusiveStartKey"] = {"PK": _s(campaign_pk(campaign_id)),
                                            "SK": _s(campaign_recipient_sk(key))}
        answer = self._client.query(**request)
        last = answer.get("LastEvaluatedKey")
        next_cursor = _encode([last["SK"]["S"][len(CAMPAIGN_RECIPIENT_PREFIX):]]) if last else None
        return [recipient_of_item(campaign_id, item) for item in answer.get("Items", [])], next_cursor

    def origin(self, message_id: str) -> Origin | None:
        """One ``GetItem`` (pattern 79)."""
        item = self._client.get_item(TableName=self._table, Key={
            "PK": _s(campaign_origin_pk(message_id)), "SK": _s(CAMPAIGN_ORIGIN_SK)}).get("Item")
        if not item:
            return None
        return Origin(item["campaign_id"]["S"], item["key"]["S"], item["channel"]["S"])
