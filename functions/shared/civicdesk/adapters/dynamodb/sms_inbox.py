"""The SMS channel on the cases table: the marker of each incoming SMS (exactly once), a number's
question "which case?", its open cases by the requesters' index, its opt-out on the suppression
list, and the SMS quarantine (``docs/data-model.md``, patterns 48-54)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import Case, Status, TimelineEvent, iso, utc_now
from ...domain.delivery import SuppressionReason
from ...domain.errors import ConflictError
from ...domain.inbound_sms import KeptMessage, PendingQuestion
from ...services.ports import RateLimited, SenderFlooding
from ...services.sms_ports import DuplicateSms, SmsEffect, SmsMarker, SmsQuarantineEntry
from .conditions import failed_conditions, in_sent_order, old_image, updated_if
from .delivery_items import RecipientItem
from .items import CaseItem
from .keys import (
    CASE_SK,
    RATE_SK,
    RECIPIENT_SK,
    SMS_INBOUND_SK,
    SMS_PENDING_SK,
    SMS_QUARANTINE_PK,
    SUPPRESSED_PK,
    auto_reply_rate_pk,
    case_pk,
    new_case_rate_pk,
    recipient_pk,
    sms_inbound_pk,
    sms_pending_pk,
    sms_quarantine_sk,
    suppression_sk,
)
from .mail_items import RateItem
from .mappers import case_to_item, event_to_item, feed_facts, parse_time
from .queue_entries import case_update_actions, queue_entries, queue_entry_updates
from .search import DynamoSearchIndex
from .search_entries import search_items
from .session import table_connection
from .sms_items import SmsMarkerItem, SmsPendingItem, SmsQuarantineItem

#: Statuses in which a case takes a citizen's SMS without a question (a resolved case does
#: too, by reopening, when it is the only candidate: ``domain.case_changes.reopen_by_citizen``).
OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_FOR_CITIZEN, Status.REFERRED)
#: The most requester entries read to find a number's open cases (newest first).
REQUESTER_ENTRIES = 20
#: The longest record kept whole in the quarantine (an SNS message is at most 256 KB).
MAX_RAW = 200_000


class DynamoSmsInbox:
    """The services' ``SmsInbox`` (``services.sms_ports``)."""

    def __init__(self, search: DynamoSearchIndex | None = None):
        self._search = search or DynamoSearchIndex()

    def marker(self, message_id: str) -> SmsMarker | None:
        try:
            item = SmsMarkerItem.get(sms_inbound_pk(message_id), SMS_INBOUND_SK,
                                     consistent_read=True)
        except SmsMarkerItem.DoesNotExist:
            return None
        return _marker(item)

    def open_cases(self, phone: str, limit: int) -> list[Case]:
        """One ``Query`` of the requester index (``REQUESTER#``, by the number's last digits,
        newest first) and one ``BatchGetItem`` of those cases; kept: the ones whose requester
        has exactly this number, open, not deleted or merged."""
        numbers, _ = self._search.requester_cases("phone", phone, None, REQUESTER_ENTRIES)
        found = self._search.cases(numbers)
        cases = [found[n] for n in numbers if n in found]
        return [c for c in cases
                if c.contact is not None and c.contact.phone == phone and not c.deleted
                and not c.merged_into and c.status in OPEN_STATUSES][:limit]

    def pending(self, phone: str) -> PendingQuestion | None:
        try:
            item = SmsPendingItem.get(sms_pending_pk(phone), SMS_PENDING_SK, consistent_read=True)
        except SmsPendingItem.DoesNotExist:
            return None
        return PendingQuestion(
            phone=item.phone,
            messages=tuple(KeptMessage(m["id"], m["text"], parse_time(m["at"]))
                           for m in json.loads(item.messages)),
            choices=tuple(json.loads(item.choices)), asked=int(item.asked),
            expires_at=parse_time(item.lapses_at), language=item.language)

    def opted_out(self, phone: str) -> bool:
        try:
            item = RecipientItem.get(recipient_pk(phone), RECIPIENT_SK)
        except RecipientItem.DoesNotExist:
            return False
        return item.suppression_reason == SuppressionReason.SMS_OPT_OUT.value

    def get_case(self, number: str) -> Case | None:
        from .mappers import item_to_case

        try:
            return item_to_case(CaseItem.get(case_pk(number), CASE_SK))
        except CaseItem.DoesNotExist:
            return None

    def next_number(self, year: int) -> str:
        from .cases import DynamoCaseRepository

        return DynamoCaseRepository().next_number(year)

    def save(self, effect: SmsEffect) -> None:
        deletes: list[str] = []
        puts: list[str] = ["marker"]
        updates: list[str] = []
        marker = effect.marker
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.save(_marker_item(marker, effect.expires_at),
                        condition=SmsMarkerItem.PK.does_not_exist(), return_values="ALL_OLD")
                allowance = effect.new_case_allowance
                if allowance is not None:
                    tx.update(RateItem(PK=new_case_rate_pk(allowance.sender, allowance.day), SK=RATE_SK),
                              actions=[RateItem.sent.add(1), RateItem.expires_at.set(allowance.expires_at)],
                              condition=(RateItem.sent.does_not_exist()
                                         | (RateItem.sent < allowance.limit)))
                    updates.append("new_cases")
                facts: dict = {}
                if effect.new_case is not None:
                    tx.save(case_to_item(effect.new_case), condition=CaseItem.PK.does_not_exist())
                    puts.append("case")
                    for entry in [*queue_entries(effect.new_case, 1), *search_items(effect.new_case)]:
                        tx.save(entry)
                        puts.append("index_entry")
                    facts = feed_facts(effect.new_case)
                if effect.update is not None:
                    update = effect.update
                    tx.update(CaseItem(PK=case_pk(update.number), SK=CASE_SK,
                                       version=update.expected_version),
                              actions=case_update_actions(update))
                    updates.append("case")
                    for entry, actions in queue_entry_updates(update):
                        tx.update(entry, actions=actions)
                        updates.append("queue_entry")
                    status = update.status or update.current_status
                    facts = {"department": update.department,
                             "status": status.value if status else None}
                for event in effect.events:
                    tx.save(event_to_item(event, **facts))
                    puts.append("event")
                if effect.keep_pending is not None:
                    tx.save(_pending_item(effect.keep_pending))
                    puts.append("pending")
                elif effect.end_pending is not None:
                    tx.delete(SmsPendingItem(PK=sms_pending_pk(effect.end_pending), SK=SMS_PENDING_SK))
                    deletes.append("pending")
                if effect.opt_out is not None:
                    tx.update(RecipientItem(PK=recipient_pk(effect.opt_out), SK=RECIPIENT_SK),
                              actions=_opt_out_actions(effect.opt_out, marker))
                    updates.append("recipient")
                if effect.opt_in is not None:
                    tx.update(RecipientItem(PK=recipient_pk(effect.opt_in), SK=RECIPIENT_SK),
                              actions=_opt_in_actions(effect.marker),
                              condition=RecipientItem.suppression_reason
                              == SuppressionReason.SMS_OPT_OUT.value)
                    updates.append("recipient")
                if effect.rate_limit is not None:
                    rate = effect.rate_limit
                    tx.update(RateItem(PK=auto_reply_rate_pk(rate.sender, rate.hour), SK=RATE_SK),
                              actions=[RateItem.sent.add(1), RateItem.expires_at.set(rate.expires_at)],
                              condition=(RateItem.sent.does_not_exist() | (RateItem.sent < rate.limit)))
                    updates.append("rate")
        except TransactWriteError as exc:
            operations = in_sent_order(deletes=deletes, puts=puts, updates=updates)
            failed = {operations[i]: reason for i, reason in failed_conditions(exc).items()}
            if "marker" in failed:
                raise DuplicateSms(_marker_from_image(marker.message_id,
                                                      old_image(failed["marker"]))) from None
            if "new_cases" in failed:
                raise SenderFlooding() from None
            if "rate" in failed:
                raise RateLimited() from None
            if "case" in failed or "recipient" in failed:
                raise ConflictError("error.conflict") from None
            raise

    def mark_replied(self, message_id: str, sms_id: str | None,
                     event: TimelineEvent | None) -> None:
        M = SmsMarkerItem
        actions: list = [M.replied.set(sms_id is not None), M.reply_text.remove()]
        if sms_id:
            actions.append(M.sms_id.set(sms_id))
        with TransactWrite(connection=table_connection().connection) as tx:
            tx.update(M(PK=sms_inbound_pk(message_id), SK=SMS_INBOUND_SK), actions=actions)
            if event is not None:
                tx.save(event_to_item(event))

    def take_reply(self, message_id: str, now: datetime, held_since: datetime) -> bool:
        M = SmsMarkerItem
        return updated_if(
            M(PK=sms_inbound_pk(message_id), SK=SMS_INBOUND_SK),
            [M.reply_claimed_at.set(iso(now)), M.released.set(False)],
            M.PK.exists() & (M.replied == False) & M.reply_text.exists()  # noqa: E712
            & ((M.released == True) | M.reply_claimed_at.does_not_exist()  # noqa: E712
               | (M.reply_claimed_at < iso(held_since))))

    def release_reply(self, message_id: str) -> None:
        M = SmsMarkerItem
        updated_if(M(PK=sms_inbound_pk(message_id), SK=SMS_INBOUND_SK), [M.released.set(True)],
                   M.PK.exists())

    def quarantine(self, entry: SmsQuarantineEntry) -> None:
        SmsQuarantineItem(PK=SMS_QUARANTINE_PK, SK=sms_quarantine_sk(entry.key),
                          reason=entry.reason, received_at=iso(entry.received_at),
                          raw=entry.raw[:MAX_RAW], message_id=entry.message_id,
                          sender=entry.sender).save()

    def quarantined(self, limit: int = 50) -> list[SmsQuarantineEntry]:
        """The SMS quarantine (one ``Query``)."""
        return [SmsQuarantineEntry(key=item.SK, reason=item.reason,
                                   received_at=parse_time(item.received_at), raw=item.raw,
                                   message_id=item.message_id, sender=item.sender)
                for item in SmsQuarantineItem.query(SMS_QUARANTINE_PK, limit=limit)]


def _marker_item(marker: SmsMarker, expires_at: datetime) -> SmsMarkerItem:
    return SmsMarkerItem(PK=sms_inbound_pk(marker.message_id), SK=SMS_INBOUND_SK,
                         message_id=marker.message_id, outcome=marker.outcome, sender=marker.sender,
                         number=marker.number, reply_to=marker.reply_to,
                         reply_from=marker.reply_from, reply_text=marker.reply_text, reply_kind=marker.reply_kind,
                         replied=marker.replied, reply_suppressed=marker.reply_suppressed,
                         language=marker.language,
                         reply_claimed_at=iso(marker.reply_claimed_at) if marker.reply_claimed_at else None,
                         expires_at=expires_at)


def _marker(item: SmsMarkerItem) -> SmsMarker:
    return SmsMarker(message_id=item.message_id, outcome=item.outcome, sender=item.sender,
                     number=item.number, reply_to=item.reply_to, reply_from=item.reply_from,
                     reply_text=item.reply_text,
                     reply_kind=item.reply_kind, replied=bool(item.replied),
                     reply_suppressed=item.reply_suppressed, language=item.language,
                     reply_claimed_at=parse_time(item.reply_claimed_at) if item.reply_claimed_at else None)


def _marker_from_image(message_id: str, image: dict) -> SmsMarker:
    def text(name: str) -> str | None:
        return (image.get(name) or {}).get("S")

    return SmsMarker(message_id=message_id, outcome=text("outcome") or "", sender=text("sender") or "",
                     number=text("number"), reply_to=text("reply_to"),
                     reply_from=text("reply_from"), reply_text=text("reply_text"), reply_kind=text("reply_kind"),
                     replied=bool((image.get("replied") or {}).get("BOOL")),
                     reply_suppressed=text("reply_suppressed"), language=text("language"))


def _pending_item(pending: PendingQuestion) -> SmsPendingItem:
    return SmsPendingItem(
        PK=sms_pending_pk(pending.phone), SK=SMS_PENDING_SK, phone=pending.phone,
        messages=json.dumps([{"id": m.message_id, "text": m.text, "at": iso(m.at)}
                             for m in pending.messages], ensure_ascii=False),
        choices=json.dumps(list(pending.choices)), asked=pending.asked, language=pending.language,
        lapses_at=iso(pending.expires_at), expires_at=pending.expires_at + timedelta(days=1))


def _opt_out_actions(phone: str, marker: SmsMarker) -> list:
    """The number on the suppression list (``GSI3``), by its own ``STOP``."""
    R = RecipientItem
    now = iso(utc_now())
    return [R.entity.set(RecipientItem), R.address.set(phone), R.created_at.set(R.created_at | now),
            R.updated_at.set(now), R.suppression_reason.set(SuppressionReason.SMS_OPT_OUT.value),
            R.suppressed_at.set(now), R.suppressed_message_id.set(marker.message_id),
            R.GSI3PK.set(SUPPRESSED_PK), R.GSI3SK.set(suppression_sk(now, phone))]


def _opt_in_actions(marker: SmsMarker) -> list:
    """The number's opt-out lifted by its own ``START`` (recorded like a staff lift)."""
    R = RecipientItem
    now = iso(utc_now())
    return [R.lifted_suppression.set(R.suppression_reason), R.lifted_at.set(now),
            R.lifted_by.set(f"citizen:sms:{marker.sender}"), R.lift_reason.set("sms_start"),
            R.updated_at.set(now), R.suppression_reason.remove(), R.suppressed_at.remove(),
            R.suppressed_message_id.remove(), R.suppressed_case.remove(), R.GSI3PK.remove(),
            R.GSI3SK.remove()]
