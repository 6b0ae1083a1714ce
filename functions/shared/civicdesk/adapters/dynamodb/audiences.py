"""Saved audiences, contact lists and their contacts, and the cases an audience of kind
``cases`` reads, in the cases table (access patterns 62-68, ``docs/data-model.md``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Iterator, Sequence

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from ...domain.audience_rules import AudienceKind, AudienceRule
from ...domain.cases import iso
from ...services.audience_store_ports import (
    Audience,
    CaseFacts,
    CaseFollower,
    ContactEntry,
    ContactList,
    ImportSummary,
)
from .audience_items import AudienceItem, ContactItem, ContactListItem, ContactTokenItem, share_connection
from .conditions import condition_failed
from .items import CaseItem, SubscriptionItem
from .keys import (
    ALL_CASES_PK,
    AUDIENCE_PREFIX,
    AUDIENCES_PK,
    CONTACT_LIST_PREFIX,
    CONTACT_LISTS_PK,
    CONTACT_PREFIX,
    CONTACT_TOKEN_SK,
    STATE_KEY,
    SUBSCRIPTION_PREFIX,
    audience_sk,
    case_pk,
    contact_list_pk,
    contact_list_sk,
    contact_sk,
    contact_token_pk,
    state_of,
)
from .mappers import parse_time
from .table import AllCasesIndex, TableItem

#: The most audiences or lists one list reads (a municipality keeps tens to hundreds).
MAX_RECORDS = 1000
#: Contacts one ``Query`` of a list reads (about 250 KB, a quarter of DynamoDB's 1 MB page):
#: the first members come after one small read, 100,000 take 100 ``Query`` calls.
CONTACT_PAGE = 1000


def rule_to_json(rule: AudienceRule) -> str:
    doc = {"kind": rule.kind.value, "topics": list(rule.topics), "areas": list(rule.areas),
           "lists": list(rule.lists), "categories": list(rule.categories),
           "statuses": list(rule.statuses), "followers": rule.followers,
           "opened_from": rule.opened_from.isoformat() if rule.opened_from else None,
           "opened_to": rule.opened_to.isoformat() if rule.opened_to else None,
           "polygon": rule.polygon, "source": rule.source.value if rule.source else None}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def rule_from_json(text: str) -> AudienceRule:
    doc = json.loads(text)
    return AudienceRule(
        kind=AudienceKind(doc["kind"]), topics=tuple(doc.get("topics") or ()),
        areas=tuple(doc.get("areas") or ()), lists=tuple(doc.get("lists") or ()),
        categories=tuple(doc.get("categories") or ()), statuses=tuple(doc.get("statuses") or ()),
        followers=bool(doc.get("followers", True)),
        opened_from=date.fromisoformat(doc["opened_from"]) if doc.get("opened_from") else None,
        opened_to=date.fromisoformat(doc["opened_to"]) if doc.get("opened_to") else None,
        polygon=doc.get("polygon"), source=AudienceKind(doc["source"]) if doc.get("source") else None)


def _audience(item: AudienceItem) -> Audience:
    return Audience(item.audience_id, item.name, item.description or "", rule_from_json(item.rule),
                    int(item.audience_version), parse_time(item.created_at), item.created_by,
                    parse_time(item.updated_at), item.updated_by)


def _list(item: ContactListItem) -> ContactList:
    summary = None
    if item.last_import:
        raw = json.loads(item.last_import)
        summary = ImportSummary(parse_time(raw["at"]), raw["by"], raw["mode"], raw["rows"], raw["added"],
                                raw["updated"], raw["removed"], raw["unchanged"], raw["skipped_rows"])
    return ContactList(item.list_id, item.name, item.description or "", int(item.contacts or 0),
                       int(item.opted_out or 0), int(item.list_version), parse_time(item.created_at),
                       item.created_by, parse_time(item.updated_at), item.updated_by, summary)


def _entry(item: ContactItem) -> ContactEntry:
    return ContactEntry(item.list_id, item.key, item.name or "", item.email, item.phone, item.language,
                        item.area, item.token, parse_time(item.updated_at),
                        parse_time(item.opted_out_at) if item.opted_out_at else None, item.mobile)


class DynamoAudiences:
    """``AudienceStore`` on the ``AUDIENCES`` partition."""

    def __init__(self) -> None:
        share_connection()

    def audiences(self) -> list[Audience]:
        """One ``Query`` per 1 MB of the ``AUDIENCES`` partition (pattern 62)."""
        found = AudienceItem.query(AUDIENCES_PK, AudienceItem.SK.startswith(AUDIENCE_PREFIX),
                                   limit=MAX_RECORDS)
        return [_audience(item) for item in found]

    def audience(self, audience_id: str) -> Audience | None:
        try:
            return _audience(AudienceItem.get(AUDIENCES_PK, audience_sk(audience_id)))
        except AudienceItem.DoesNotExist:
            return None

    def add_audience(self, audience: Audience) -> None:
        self._item(audience).save(condition=AudienceItem.PK.does_not_exist())

    def replace_audience(self, audience: Audience, expected_version: int) -> int | None:
        try:
            self._item(audience).save(condition=AudienceItem.audience_version == expected_version)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            found = self.audience(audience.audience_id)
            return found.version if found else 0
        return None

    def remove_audience(self, audience_id: str, expected_version: int) -> int | None:
        try:
            AudienceItem(PK=AUDIENCES_PK, SK=audience_sk(audience_id)).delete(
                condition=AudienceItem.audience_version == expected_version)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            found = self.audience(audience_id)
            return found.version if found else 0
        return None

    @staticmethod
    def _item(audience: Audience) -> AudienceItem:
        return AudienceItem(
            PK=AUDIENCES_PK, SK=audience_sk(audience.audience_id), audience_id=audience.audience_id,
            name=audience.name, description=audience.description or None, rule=rule_to_json(audience.rule),
            audience_version=audience.version, created_at=iso(audience.created_at),
            created_by=audience.created_by, updated_at=iso(audience.updated_at),
            updated_by=audience.updated_by)


class DynamoContactLists:
    """``ContactListStore``: the lists' records in ``CONTACT_LISTS``, each list's contacts in a
    partition of its own, each token beside them under its hash."""

    def __init__(self) -> None:
        share_connection()

    def contact_lists(self) -> list[ContactList]:
        """One ``Query`` per 1 MB of ``CONTACT_LISTS`` (pattern 63)."""
        found = ContactListItem.query(CONTACT_LISTS_PK, ContactListItem.SK.startswith(CONTACT_LIST_PREFIX),
                                      limit=MAX_RECORDS)
        return [_list(item) for item in found]

    def contact_list(self, list_id: str) -> ContactList | None:
        try:
            return _list(ContactListItem.get(CONTACT_LISTS_PK, contact_list_sk(list_id)))
        except ContactListItem.DoesNotExist:
            return None

    def add_list(self, contact_list: ContactList) -> None:
        self._item(contact_list).save(condition=ContactListItem.PK.does_not_exist())

    def replace_list(self, contact_list: ContactList, expected_version: int) -> int | None:
        try:
            self._item(contact_list).save(condition=ContactListItem.list_version == expected_version)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            found = self.contact_list(contact_list.list_id)
            return found.version if found else 0
        return None

    def remove_list(self, list_id: str, expected_version: int) -> int | None:
        """The list's record (conditional ``DeleteItem``: a concurrent import then fails its
        own version check), then its contacts and tokens (``BatchWriteItem``s, pattern 64)."""
        try:
            ContactListItem(PK=CONTACT_LISTS_PK, SK=contact_list_sk(list_id)).delete(
                condition=ContactListItem.list_version == expected_version)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            found = self.contact_list(list_id)
            return found.version if found else 0
        self.write_entries([], list(self.entries(list_id)))
        return None

    def entries(self, list_id: str) -> Iterator[ContactEntry]:
        """The list's contacts in key order: one ``Query`` per ``CONTACT_PAGE`` contacts, read
        as the caller goes (patterns 64 and 66)."""
        for item in ContactItem.query(contact_list_pk(list_id), ContactItem.SK.startswith(CONTACT_PREFIX),
                                      page_size=CONTACT_PAGE):
            yield _entry(item)

    def write_entries(self, put: Sequence[ContactEntry], delete: Sequence[ContactEntry]) -> None:
        """``BatchWriteItem``s of 25 writes (a contact and its token are two): pattern 64."""
        with TableItem.batch_write() as batch:
            for entry in put:
                batch.save(ContactItem(
                    PK=contact_list_pk(entry.list_id), SK=contact_sk(entry.key), list_id=entry.list_id,
                    key=entry.key, name=entry.name or None, email=entry.email, phone=entry.phone,
                    language=entry.language, area=entry.area, token=entry.token,
                    updated_at=iso(entry.updated_at),
                    opted_out_at=iso(entry.opted_out_at) if entry.opted_out_at else None,
                    mobile=entry.mobile))
                batch.save(ContactTokenItem(PK=contact_token_pk(entry.token), SK=CONTACT_TOKEN_SK,
                                            list_id=entry.list_id, key=entry.key))
            for entry in delete:
                batch.delete(ContactItem(PK=contact_list_pk(entry.list_id), SK=contact_sk(entry.key)))
                batch.delete(ContactTokenItem(PK=contact_token_pk(entry.token), SK=CONTACT_TOKEN_SK))

    def opt_out(self, token: str, at: datetime) -> ContactEntry | None:
        """``GetItem`` of the token, a conditional ``UpdateItem`` of its contact (only the first
        opt-out counts) and one of the list's counts (pattern 65)."""
        try:
            pointer = ContactTokenItem.get(contact_token_pk(token), CONTACT_TOKEN_SK)
        except ContactTokenItem.DoesNotExist:
            return None
        item = ContactItem(PK=contact_list_pk(pointer.list_id), SK=contact_sk(pointer.key))
        try:
            item.update(actions=[ContactItem.opted_out_at.set(iso(at))],
                        condition=ContactItem.PK.exists() & ContactItem.opted_out_at.does_not_exist())
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            try:
                return _entry(ContactItem.get(item.PK, item.SK))  # opted out before: still out
            except ContactItem.DoesNotExist:
                return None
        try:
            ContactListItem(PK=CONTACT_LISTS_PK, SK=contact_list_sk(pointer.list_id)).update(
                actions=[ContactListItem.contacts.add(-1), ContactListItem.opted_out.add(1)],
                condition=ContactListItem.PK.exists())
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        return _entry(item)

    @staticmethod
    def _item(contact_list: ContactList) -> ContactListItem:
        summary = contact_list.last_import
        last = None
        if summary is not None:
            last = json.dumps({"at": iso(summary.at), "by": summary.by, "mode": summary.mode,
                               "rows": summary.rows, "added": summary.added, "updated": summary.updated,
                               "removed": summary.removed, "unchanged": summary.unchanged,
                               "skipped_rows": summary.skipped_rows})
        return ContactListItem(
            PK=CONTACT_LISTS_PK, SK=contact_list_sk(contact_list.list_id), list_id=contact_list.list_id,
            name=contact_list.name, description=contact_list.description or None,
            contacts=contact_list.contacts, opted_out=contact_list.opted_out,
            list_version=contact_list.version, created_at=iso(contact_list.created_at),
            created_by=contact_list.created_by, updated_at=iso(contact_list.updated_at),
            updated_by=contact_list.updated_by, last_import=last)


class DynamoCaseContacts:
    """``CaseContacts``: the cases of a period from ``GSI3`` (every case of the municipality by
    state and age), their followers from each case's ``SUB#`` range (pattern 67)."""

    def cases(self, opened_from: datetime | None, opened_to: datetime | None,
              categories: Sequence[str], statuses: Sequence[str]) -> Iterator[CaseFacts]:
        states = sorted({state_of(s) for s in statuses}) if statuses else ["open", "closed"]
        condition = None
        if categories:
            condition = CaseItem.category.is_in(*categories)
        if statuses:
            status_condition = CaseItem.status.is_in(*statuses)
            condition = status_condition if condition is None else condition & status_condition
        for state in states:
            prefix = STATE_KEY[state]
            low = f"{prefix}#{iso(opened_from)}" if opened_from else f"{prefix}#"
            high = f"{prefix}#{iso(opened_to)}" if opened_to else f"{prefix}#~"
            for item in CaseItem.query(ALL_CASES_PK, CaseItem.GSI3SK.between(low, high),
                                       index_name=AllCasesIndex.Meta.index_name,
                                       filter_condition=condition):
                yield _facts(item)

    def followers(self, number: str) -> list[CaseFollower]:
        found = SubscriptionItem.query(
            case_pk(number), SubscriptionItem.SK.startswith(SUBSCRIPTION_PREFIX),
            filter_condition=(SubscriptionItem.state == "confirmed") & (SubscriptionItem.role == "follower"))
        return [CaseFollower(item.email, item.language) for item in found]


def _facts(item: CaseItem) -> CaseFacts:
    location = item.location.as_dict() if item.location else {}
    contact = item.contact.as_dict() if item.contact else {}
    point = None
    if location.get("lat") is not None and location.get("lon") is not None:
        point = (float(location["lat"]), float(location["lon"]))
    return CaseFacts(item.number, item.category, item.status, item.language, parse_time(item.created_at),
                     point, contact.get("name") or "", contact.get("email"), contact.get("phone"))
