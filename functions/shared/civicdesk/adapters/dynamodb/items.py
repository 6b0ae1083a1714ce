"""The item kinds of the cases table, one PynamoDB model each, told apart by ``entity``.

Their keys are built in ``keys``; ``docs/data-model.md`` lists each kind with its keys and
attributes. Every kind derives from ``table.TableItem`` (the one shared connection,
``session.configure``). Here are the case partition's kinds and those written with a case; the
other parts' kinds are in their own modules (``mail_items``, ``delivery_items``,
``console_items``, ``search_items``, ``job_items``, ``sms_items``...), so that a cold start
creates only the classes it uses.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)

from .public_map_items import PublicMapIndex
from .table import (
    AllCasesIndex,
    AssigneeQueueIndex,
    DepartmentQueueIndex,
    DueIndex,
    FeedIndex,
    FilteredQueueIndex,
    GeoIndex,
    TableItem,
)


class CaseItem(TableItem, discriminator="case"):
    number = UnicodeAttribute()
    type = UnicodeAttribute()
    channel = UnicodeAttribute()
    category = UnicodeAttribute()
    department = UnicodeAttribute()
    description = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute()
    public = BooleanAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    location: MapAttribute[str, Any] = MapAttribute(null=True)
    contact: MapAttribute[str, Any] = MapAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    mailbox = UnicodeAttribute(null=True)
    participants = UnicodeSetAttribute(null=True)
    linked_cases = UnicodeSetAttribute(null=True)
    received_at = UnicodeAttribute(null=True)
    routing: MapAttribute[str, Any] = MapAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    deleted_by = UnicodeAttribute(null=True)
    escalation_level = NumberAttribute(null=True)  # absent: never escalated
    first_reaction_at = UnicodeAttribute(null=True)
    source_page = UnicodeAttribute(null=True)  # the service page of the report button (issue 16)
    registry_number = UnicodeAttribute(null=True)  # letters, complaints, FOI requests by account
    #: The service-level and legal clocks (``domain.cases.CaseClock``; ``mappers.clock_to_map``).
    clock: MapAttribute[str, Any] = MapAttribute(null=True)
    #: The published photos' paths, in order (``domain/photos.py``); absent: none.
    published_photos = ListAttribute(of=UnicodeAttribute, null=True)
    #: What the case's search entries were made of (``search_entries.search_digest``).
    search_digest = UnicodeAttribute(null=True)
    version = VersionAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)
    GSI6PK = UnicodeAttribute(null=True)
    GSI6SK = UnicodeAttribute(null=True)
    GSI7PK = UnicodeAttribute(null=True)
    GSI7SK = UnicodeAttribute(null=True)
    #: The public map's (issue 16, ``public_entries``): the public texts and the point.
    pub: MapAttribute[str, Any] = MapAttribute(null=True)
    GSI8PK = UnicodeAttribute(null=True)
    GSI8SK = UnicodeAttribute(null=True)
    department_queue = DepartmentQueueIndex()
    assignee_queue = AssigneeQueueIndex()
    all_cases = AllCasesIndex()
    places = GeoIndex()
    due_times = DueIndex()
    public_map = PublicMapIndex()


class TimelineItem(TableItem, discriminator="event"):
    number = UnicodeAttribute()
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    public = BooleanAttribute()
    event_id = UnicodeAttribute()
    data: MapAttribute[str, Any] = MapAttribute(null=True)
    feed: MapAttribute[str, Any] = MapAttribute(null=True)  # what the feed shows (``domain.feed.feed_record``)
    GSI4PK = UnicodeAttribute(null=True)
    GSI4SK = UnicodeAttribute(null=True)
    feed_index = FeedIndex()


class QueueEntryItem(TableItem, discriminator="queue_entry"):
    """``QENTRY#<n>`` / ``<scope>#<dimension>``: the case's place in one filtered queue (GSI5),
    e.g. ``DEPT#category`` -> ``GSI5PK = DEPT#roads#category#potholes``. Written with the case in
    the same transaction; ``case_version`` is the case's version it was written with, so a
    backfill never overwrites a newer entry (``civicdesk.cli.migrate``)."""

    number = UnicodeAttribute()
    case_version = NumberAttribute()
    GSI5PK = UnicodeAttribute(null=True)
    GSI5SK = UnicodeAttribute(null=True)
    filtered_queue = FilteredQueueIndex()


class CounterItem(TableItem, discriminator="counter"):
    value = NumberAttribute(default=0)


class IdempotencyItem(TableItem, discriminator="idempotency"):
    request_hash = UnicodeAttribute()
    response = UnicodeAttribute()
    expires_at = TTLAttribute()


class ConfigItem(TableItem, discriminator="config"):
    document = BinaryAttribute(legacy_encoding=False)
    updated_at = UnicodeAttribute()


class SubscriptionItem(TableItem, discriminator="subscription"):
    """``CASE#<n>`` / ``SUB#<subscription id>``: an address that gets the case's news by mail
    (``civicdesk.domain.subscriptions``). A pending one expires unconfirmed."""

    number = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    language = UnicodeAttribute()
    state = UnicodeAttribute()
    token = UnicodeAttribute()
    created_at = UnicodeAttribute()
    confirmed_at = UnicodeAttribute(null=True)
    unsubscribed_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    #: When the last opt-in mail went out (a follower gets at most one per 10 minutes).
    opt_in_sent_at = UnicodeAttribute(null=True)


class NotificationItem(TableItem, discriminator="notification"):
    """``NOTIFY#<event id>`` / ``<recipient key>``: one event sent to one recipient (before
    2026-12-01: ``CASE#<n>`` / ``NOTIFY#<event id>#<recipient key>``, read until they expire).

    Claimed (``sending``) before the message goes out and marked ``sent`` after, so a repeated
    event never sends twice; ``failed`` (the send raised) may be claimed again by the retry."""

    number = UnicodeAttribute()
    event_id = UnicodeAttribute()
    recipient = UnicodeAttribute()
    state = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    message_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class PendingLinkItem(TableItem, discriminator="pending_link"):
    """``CASE#<n>`` / ``PENDING#tracking_link``: the private tracking link (it holds the token,
    of which the case keeps only a hash) waiting for the confirmation that carries it. Written
    with the case, removed when the confirmation is sent, expired by TTL otherwise."""

    number = UnicodeAttribute()
    link = UnicodeAttribute()
    expires_at = TTLAttribute()
