"""Mail in and out: the marker of each incoming SES message (exactly-once processing), the
per-sender auto-reply allowance, and the Message-IDs of the mail we sent (threading, and what a
delivery report is about)."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import Case, TimelineEvent
from ...domain.errors import ConflictError
from ...domain.inbound import InboundMarker
from ...services.ports import (
    CaseUpdate,
    DuplicateInbound,
    NewCaseAllowance,
    RateLimit,
    RateLimited,
    SenderFlooding,
)
from .conditions import failed_conditions, in_sent_order, old_image
from .items import CaseItem
from .keys import (
    CASE_SK,
    INBOUND_SK,
    MESSAGE_ID_SK,
    RATE_SK,
    auto_reply_rate_pk,
    case_pk,
    inbound_pk,
    message_id_of,
    message_id_pk,
    message_marker_id,
    new_case_rate_pk,
)
from .mail_items import InboundItem, MessageIdItem, RateItem
from .mappers import case_to_item, event_to_item, feed_facts, marker_from_image, marker_to_item, message_id_item
from .queue_entries import case_update_actions, queue_entries, queue_entry_updates
from .search_entries import search_items
from .session import table_connection


class DynamoMailRepository:
    """Inbound markers, auto-reply rate counters and Message-IDs."""

    def case_for_message_ids(self, message_ids: list[str]) -> str | None:
        """The case of the first of ``message_ids`` that is one of our outgoing Message-IDs
        (one ``BatchGetItem``)."""
        wanted = list(dict.fromkeys(m for m in message_ids if m))[:100]
        if not wanted:
            return None
        keys = [(message_id_pk(m), MESSAGE_ID_SK) for m in wanted]
        found = {message_id_of(item.PK): item.number for item in MessageIdItem.batch_get(keys)}
        for message_id in wanted:
            if message_id in found:
                return found[message_id]
        return None

    def message_origin(self, message_id: str) -> tuple[str, str | None, str | None] | None:
        """``(case number, kind of mail, recipient)`` of a mail we sent (one ``GetItem``)."""
        try:
            item = MessageIdItem.get(message_id_pk(message_id), MESSAGE_ID_SK)
        except MessageIdItem.DoesNotExist:
            return None
        return item.number, item.kind, item.to

    def record_message_id(self, outgoing_message_id: str, number: str, *, kind: str | None = None,
                          to: str | None = None) -> None:
        message_id_item(outgoing_message_id, number, kind=kind, to=to).save()

    def save_inbound(self, marker: InboundMarker, *, new_case: Case | None = None,
                     update: CaseUpdate | None = None, events: Sequence[TimelineEvent] = (),
                     rate_limit: RateLimit | None = None, fingerprint: str | None = None,
                     new_case_allowance: NewCaseAllowance | None = None,
                     expires_at: datetime) -> None:
        """Write the effect of one incoming mail and its marker in one transaction.

        Raises ``DuplicateInbound`` (with what was recorded) when the message was processed
        before, by its SES id or by its ``fingerprint`` (the same message delivered again),
        ``SenderFlooding`` when the sender's new cases of the day are used up, ``RateLimited``
        when its auto-reply allowance is (nothing is written then), ``ConflictError`` when the
        case changed meanwhile.
        """
        puts, updates = ["marker"], []
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.save(marker_to_item(marker, expires_at),
                        condition=InboundItem.PK.does_not_exist(), return_values="ALL_OLD")
                if fingerprint is not None:
                    # what a redelivery finds: the case, and no reply to complete (that is the
                    # first delivery's, by its own marker)
                    twin = InboundMarker(message_marker_id(fingerprint), marker.number,
                                         reply_wanted=False, replied=False)
                    tx.save(marker_to_item(twin, expires_at),
                            condition=InboundItem.PK.does_not_exist(), return_values="ALL_OLD")
                    puts.append("twin")
                if new_case_allowance is not None:
                    tx.update(RateItem(PK=new_case_rate_pk(new_case_allowance.sender, new_case_allowance.day),
                                       SK=RATE_SK),
                              actions=[RateItem.sent.add(1),
                                       RateItem.expires_at.set(new_case_allowance.expires_at)],
                              condition=(RateItem.sent.does_not_exist()
                                         | (RateItem.sent < new_case_allowance.limit)))
                    updates.append("new_cases")
                if new_case is not None:
                    tx.save(case_to_item(new_case), condition=CaseItem.PK.does_not_exist())
                    puts.append("case")
                    for entry in queue_entries(new_case, 1):
                        tx.save(entry)
                        puts.append("queue_entry")
                    for entry in search_items(new_case):
                        tx.save(entry)
                        puts.append("search_entry")
                if update is not None:
                    tx.update(CaseItem(PK=case_pk(update.number), SK=CASE_SK, version=update.expected_version),
                              actions=case_update_actions(update))
                    updates.append("case")
                    for entry, actions in queue_entry_updates(update):
                        tx.update(entry, actions=actions)
                        updates.append("queue_entry")
                facts = {}
                if new_case is not None:
                    facts = feed_facts(new_case)
                elif update is not None:
                    status = update.status or update.current_status
                    facts = {"department": update.department,
                             "status": status.value if status else None}
                for event in events:
                    tx.save(event_to_item(event, **facts))
                    puts.append("event")
                if rate_limit is not None:
                    tx.update(RateItem(PK=auto_reply_rate_pk(rate_limit.sender, rate_limit.hour),
                                       SK=RATE_SK),
                              actions=[RateItem.sent.add(1),
                                       RateItem.expires_at.set(rate_limit.expires_at)],
                              condition=(RateItem.sent.does_not_exist() | (RateItem.sent < rate_limit.limit)))
                    updates.append("rate")
        except TransactWriteError as exc:
            operations = in_sent_order(puts=puts, updates=updates)
            failed = {operations[i]: reason for i, reason in failed_conditions(exc).items()}
            if "marker" in failed:
                raise DuplicateInbound(marker_from_image(marker.ses_message_id,
                                                         old_image(failed["marker"]))) from None
            if "twin" in failed:
                raise DuplicateInbound(marker_from_image(message_marker_id(fingerprint or ""),
                                                         old_image(failed["twin"]))) from None
            if "new_cases" in failed:
                raise SenderFlooding() from None
            if "rate" in failed:
                raise RateLimited() from None
            if "case" in failed:
                raise ConflictError("error.conflict") from None
            raise

    def mark_replied(self, ses_message_id: str, number: str, outgoing_message_id: str,
                     event: TimelineEvent) -> None:
        """Record a sent auto-reply: its Message-ID (for threading), its timeline entry, and
        that the incoming message needs no reply any more."""
        with TransactWrite(connection=table_connection().connection) as tx:
            tx.update(InboundItem(PK=inbound_pk(ses_message_id), SK=INBOUND_SK),
                      actions=[InboundItem.replied.set(True), InboundItem.pending_token.remove()],
                      add_version_condition=False)
            data = event.data or {}
            tx.save(message_id_item(outgoing_message_id, number, kind=data.get("kind"),
                                    to=data.get("to")))
            tx.save(event_to_item(event))

    def mark_reply_skipped(self, ses_message_id: str, event: TimelineEvent) -> None:
        """No auto-reply after all (the sender's address is on the suppression list): the
        marker wants none any more, and the timeline entry says why."""
        with TransactWrite(connection=table_connection().connection) as tx:
            tx.update(InboundItem(PK=inbound_pk(ses_message_id), SK=INBOUND_SK),
                      actions=[InboundItem.reply_wanted.set(False), InboundItem.pending_token.remove()],
                      add_version_condition=False)
            tx.save(event_to_item(event))
