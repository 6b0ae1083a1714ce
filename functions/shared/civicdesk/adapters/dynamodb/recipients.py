"""Recipients of our mail: delivery reports, counters and the suppression list.

A recipient item (``RECIPIENT#<address key>`` / ``#RECIPIENT``) carries a counter per delivery
status, the last report, the suppression while there is one (with the ``GSI3`` keys that make
the list one ``Query``) and the last lift. Each SES report is a ``REPORT#`` item on the same
partition, written with ``attribute_not_exists`` in the same transaction as the counters and the
case's timeline entries, so a repeated SES event changes nothing (``docs/data-model.md``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import TimelineEvent, iso
from ...domain.delivery import DeliveryReport, Recipient, normalise_address
from .conditions import failed_conditions, updated_if
from .cursors import decode_suppression_cursor, encode_suppression_cursor
from .delivery_items import DeliveryReportItem, RecipientItem
from .keys import (
    RECIPIENT_SK,
    SUPPRESSED_PK,
    recipient_key_of,
    recipient_pk,
    recipient_pk_of_key,
    report_sk,
    suppression_sk,
)
from .mappers import delivery_counters, event_to_item, item_to_recipient
from .session import table_connection
from .table import SUPPRESSION_INDEX, TableItem

#: How long a recipient's individual reports are kept (the counters stay).
REPORT_DAYS = 400


class DynamoRecipientRepository:
    """Delivery reports per address and the suppression list."""

    def recipient(self, address: str) -> Recipient | None:
        try:
            return item_to_recipient(RecipientItem.get(recipient_pk(address), RECIPIENT_SK,
                                                       consistent_read=True))
        except RecipientItem.DoesNotExist:
            return None

    def suppressed(self, addresses) -> dict[str, str]:
        """``{address: reason}`` of those of ``addresses`` on the suppression list: one
        ``GetItem`` for one address, one ``BatchGetItem`` for several."""
        wanted = {recipient_pk(a): normalise_address(a) for a in addresses if a}
        if not wanted:
            return {}
        if len(wanted) == 1:
            [(pk, address)] = wanted.items()
            try:
                items = [RecipientItem.get(pk, RECIPIENT_SK)]
            except RecipientItem.DoesNotExist:
                items = []
        else:
            items = list(RecipientItem.batch_get([(pk, RECIPIENT_SK) for pk in wanted]))
        return {wanted[item.PK]: item.suppression_reason for item in items
                if item.suppression_reason and item.PK in wanted}

    def record(self, report: DeliveryReport, *, case_number: str | None, mail_kind: str | None,
               suppress: bool, update_last: bool, events: list[TimelineEvent]) -> bool:
        """Record ``report`` on its recipient (and ``events`` on the case) in one transaction;
        ``False`` when it was recorded before (nothing is written then)."""
        pk = recipient_pk(report.address)
        now = iso(datetime.now(timezone.utc))
        at = iso(report.at)
        report_item = DeliveryReportItem(
            PK=pk, SK=report_sk(at, report.key), address=report.address,
            message_id=report.message_id, status=report.status.value,
            event_type=report.event_type, at=at, number=case_number, mail_kind=mail_kind,
            bounce_type=report.bounce_type, bounce_subtype=report.bounce_subtype,
            diagnostic=report.diagnostic, smtp_status=report.smtp_status,
            feedback_id=report.feedback_id, detail=report.detail,
            expires_at=report.at + timedelta(days=REPORT_DAYS))
        R = RecipientItem
        actions = [R.entity.set(RecipientItem), R.address.set(report.address),
                   R.created_at.set(R.created_at | now), R.updated_at.set(now),
                   getattr(R, delivery_counters()[report.status]).add(1)]
        if update_last:
            actions += [R.last_status.set(report.status.value), R.last_at.set(at),
                        R.last_message_id.set(report.message_id)]
            actions.append(R.last_case.set(case_number) if case_number else R.last_case.remove())
        if suppress and report.suppression is not None:
            actions += [R.suppression_reason.set(report.suppression.value),
                        R.suppressed_at.set(at), R.suppressed_message_id.set(report.message_id),
                        R.GSI3PK.set(SUPPRESSED_PK),
                        R.GSI3SK.set(suppression_sk(at, report.address))]
            actions.append(R.suppressed_case.set(case_number) if case_number
                           else R.suppressed_case.remove())
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.save(report_item, condition=DeliveryReportItem.PK.does_not_exist())
                tx.update(RecipientItem(PK=pk, SK=RECIPIENT_SK), actions=actions)
                for event in events:
                    tx.save(event_to_item(event), condition=TableItem.PK.does_not_exist())
        except TransactWriteError as exc:
            if 0 in failed_conditions(exc):
                return False
            raise
        return True

    def suppressed_page(self, limit: int = 50, cursor: str | None = None
                        ) -> tuple[list[Recipient], str | None]:
        """Suppressed addresses, newest suppression first (one ``Query`` on ``GSI3``)."""
        start_key = None
        if cursor:
            sort_value, key = decode_suppression_cursor(cursor)
            start_key = {"PK": {"S": recipient_pk_of_key(key)}, "SK": {"S": RECIPIENT_SK},
                         "GSI3PK": {"S": SUPPRESSED_PK}, "GSI3SK": {"S": sort_value}}
        answer = table_connection().query(
            SUPPRESSED_PK, index_name=SUPPRESSION_INDEX, exclusive_start_key=start_key,
            limit=limit, scan_index_forward=False)
        recipients = [item_to_recipient(RecipientItem.from_raw_data(raw))
                      for raw in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        next_cursor = None
        if last:
            next_cursor = encode_suppression_cursor(last["GSI3SK"]["S"],
                                                    recipient_key_of(last["PK"]["S"]))
        return recipients, next_cursor

    def lift(self, address: str, *, at: datetime, by: str, reason: str) -> Recipient | None:
        """Take ``address`` off the suppression list, recording who, when and why; ``None``
        when it is not on it (one conditional ``UpdateItem``)."""
        R = RecipientItem
        item = RecipientItem(PK=recipient_pk(address), SK=RECIPIENT_SK)
        lifted = updated_if(item, [
            R.lifted_suppression.set(R.suppression_reason), R.lifted_at.set(iso(at)),
            R.lifted_by.set(by), R.lift_reason.set(reason), R.updated_at.set(iso(at)),
            R.suppression_reason.remove(), R.suppressed_at.remove(),
            R.suppressed_message_id.remove(), R.suppressed_case.remove(),
            R.GSI3PK.remove(), R.GSI3SK.remove()], R.suppression_reason.exists())
        return item_to_recipient(item) if lifted else None
