"""The item kinds of the cases table, one PynamoDB model each, told apart by ``entity``.

Their keys are built in ``keys``; ``docs/data-model.md`` lists each kind with its keys and
attributes. Every kind derives from ``table.TableItem`` and is declared here, so that
``session.configure`` finds them all for the one shared connection.
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


class MigrationItem(TableItem, discriminator="migration"):
    """``MIGRATION`` / ``<name>``: a data migration that has run to its end (``civicdesk.cli.migrate``),
    or that a new table never needed."""

    completed_at = UnicodeAttribute()
    detail: MapAttribute[str, Any] = MapAttribute(null=True)


class CounterItem(TableItem, discriminator="counter"):
    value = NumberAttribute(default=0)


class IdempotencyItem(TableItem, discriminator="idempotency"):
    request_hash = UnicodeAttribute()
    response = UnicodeAttribute()
    expires_at = TTLAttribute()


class InboundItem(TableItem, discriminator="inbound"):
    """What was done with one SES message (exactly-once processing of incoming mail)."""

    ses_message_id = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    reply_wanted = BooleanAttribute(default=False)
    replied = BooleanAttribute(default=False)
    pending_token = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class MessageIdItem(TableItem, discriminator="message_id"):
    """A Message-ID SES gave our outgoing mail -> its case (threading by In-Reply-To), and what
    the mail was and to whom (delivery feedback: was it the requester's mail that bounced?)."""

    number = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)  # reply, referral, auto_reply, a notification template...
    to = UnicodeAttribute(null=True)  # the recipient, lower case
    expires_at = TTLAttribute(null=True)


class RateItem(TableItem, discriminator="rate"):
    # Stored as ``count``; named apart so as not to hide pynamodb's ``Model.count``.
    sent = NumberAttribute(default=0, attr_name="count")
    expires_at = TTLAttribute()


class QuarantineItem(TableItem, discriminator="quarantine"):
    ses_message_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    recipients = ListAttribute(of=UnicodeAttribute, null=True)
    received_at = UnicodeAttribute()
    verdicts: MapAttribute[str, Any] = MapAttribute(null=True)
    released_at = UnicodeAttribute(null=True)
    released_by = UnicodeAttribute(null=True)


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


class RecipientItem(TableItem, discriminator="recipient"):
    """``RECIPIENT#<address key>`` / ``#RECIPIENT``: one address we mailed, a counter per
    delivery status, the last report, the suppression while there is one (with the ``GSI3``
    keys that put it on the suppression list) and the last lift."""

    address = UnicodeAttribute()
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    delivered_count = NumberAttribute(null=True)
    bounced_count = NumberAttribute(null=True)
    complained_count = NumberAttribute(null=True)
    rejected_count = NumberAttribute(null=True)
    delayed_count = NumberAttribute(null=True)
    last_status = UnicodeAttribute(null=True)
    last_at = UnicodeAttribute(null=True)
    last_message_id = UnicodeAttribute(null=True)
    last_case = UnicodeAttribute(null=True)
    suppression_reason = UnicodeAttribute(null=True)
    suppressed_at = UnicodeAttribute(null=True)
    suppressed_message_id = UnicodeAttribute(null=True)
    suppressed_case = UnicodeAttribute(null=True)
    lifted_at = UnicodeAttribute(null=True)
    lifted_by = UnicodeAttribute(null=True)
    lift_reason = UnicodeAttribute(null=True)
    lifted_suppression = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)


class DeliveryReportItem(TableItem, discriminator="delivery_report"):
    """``RECIPIENT#<address key>`` / ``REPORT#<at>#<report id>``: one report SES made about the
    address, kept 400 days."""

    address = UnicodeAttribute()
    message_id = UnicodeAttribute()
    status = UnicodeAttribute()
    event_type = UnicodeAttribute()
    at = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    mail_kind = UnicodeAttribute(null=True)
    bounce_type = UnicodeAttribute(null=True)
    bounce_subtype = UnicodeAttribute(null=True)
    diagnostic = UnicodeAttribute(null=True)
    smtp_status = UnicodeAttribute(null=True)
    feedback_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class StaffProfileItem(TableItem, discriminator="staff_profile"):
    """``STAFF#<sub>`` / ``#STAFF``: what the table keeps about one staff member; ``view_count``
    is kept in the transaction that adds or removes one of their saved views (the limit)."""

    view_count = NumberAttribute(default=0)


class SavedViewItem(TableItem, discriminator="saved_view"):
    """``STAFF#<sub>`` / ``VIEW#<view id>``: one of a staff member's saved queues."""

    view_id = UnicodeAttribute()
    name = UnicodeAttribute()
    filters: MapAttribute[str, Any] = MapAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class CannedReplyItem(TableItem, discriminator="canned_reply"):
    """``CANNED_REPLY`` / ``REPLY#<reply id>``: a reply text the administrators keep;
    ``reply_version`` is checked by every change (409 on a stale one)."""

    reply_id = UnicodeAttribute()
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    language = UnicodeAttribute()
    categories = ListAttribute(of=UnicodeAttribute, null=True)
    reply_version = NumberAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()

class SearchTermItem(TableItem, discriminator="search_term"):
    """``TERM#<first two letters>`` / ``<folded word>#<number>``: one word of a case's requester
    name, subject, address or description (``domain.search_terms``). Written with the case in
    its transaction, removed when the case is deleted."""

    number = UnicodeAttribute()


class RequesterEntryItem(TableItem, discriminator="requester_entry"):
    """``REQUESTER#<contact key>`` / ``<number>``: a case of the requester with this phone number
    (E.164) or e-mail address (lower case); the key is a hash (``keys.requester_key``), the
    contact is never in a key. Written with the case, removed when it is deleted."""

    number = UnicodeAttribute()
    kind = UnicodeAttribute()  # phone or email


class JobRunItem(TableItem, discriminator="job_run"):
    """``JOBRUN#<job>`` / ``<slot>`` (``2026-12-01T16:35Z``): one run of a scheduled job
    (``domain.jobs``), its state (``running``, ``succeeded``, ``failed``) and outcome; expires
    35 days after it began."""

    job = UnicodeAttribute()
    slot = UnicodeAttribute()
    state = UnicodeAttribute()
    started_at = UnicodeAttribute()
    attempts = NumberAttribute(default=1)
    finished_at = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)  # JSON
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class JobEffectItem(TableItem, discriminator="job_effect"):
    """``JOBEFFECT#<job>#<effect key>`` / ``#EFFECT``: an effect a job has once (a warning, an
    escalation), claimed (``claimed``) before it happens, ``failed`` when it raised (claimable
    again); the run that claimed it; expires 35 days after."""

    job = UnicodeAttribute()
    key = UnicodeAttribute()
    slot = UnicodeAttribute()
    state = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
