"""Recipients of our mail in the cases table: delivery reports, counters and the suppression list.

Items (``docs/data-model.md``):

* ``RECIPIENT#<address key>`` / ``#RECIPIENT`` (``recipient``): the address, a counter per
  delivery status, the last report, the suppression while there is one (with the ``GSI3`` keys
  ``SUPPRESSED`` / ``<suppressed at>#<address key>``, so that the list is one ``Query``), and who
  last lifted a suppression, when and why. The key is a hash: no address is part of a key.
* ``RECIPIENT#<address key>`` / ``REPORT#<at>#<report id>`` (``delivery_report``): one report
  SES made about the address, kept 400 days. Written with ``attribute_not_exists`` in the same
  transaction as the counters and the case's timeline entries, so a repeated SES event changes
  nothing.

The case a report is about comes from the ``MSGID#`` item written when the mail was sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timedelta, timezone

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..domain.cases import Case, TimelineEvent, iso
from ..domain.delivery import (DeliveryReport, DeliveryStatus, Recipient, Suppression,
                               SuppressionReason, address_key, normalise_address)
from ..domain.errors import BadRequestError
from .dynamodb import (CASE_SK, CaseItem, MessageIdItem, TableItem, _dt as _parse_dt, case_pk,
                       event_to_item, item_to_case)
from .claims import DynamoNotificationClaims, condition_failed

RECIPIENT_SK = "#RECIPIENT"
#: The ``GSI3`` partition of suppressed addresses (the index's other partitions hold cases).
SUPPRESSED_PK = "SUPPRESSED"
SUPPRESSION_INDEX = "GSI3"
#: How long a recipient's individual reports are kept (the counters stay).
REPORT_DAYS = 400

_COUNTERS = {status: f"{status.value}_count" for status in DeliveryStatus}


def recipient_pk(address: str) -> str:
    return f"RECIPIENT#{address_key(address)}"


class RecipientItem(TableItem, discriminator="recipient"):
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


def _dt(value: str | None) -> datetime | None:
    return _parse_dt(value) if value else None


def item_to_recipient(item: RecipientItem) -> Recipient:
    suppression = None
    if item.suppression_reason:
        suppression = Suppression(SuppressionReason(item.suppression_reason),
                                  _dt(item.suppressed_at) or datetime.now(timezone.utc),
                                  item.suppressed_message_id, item.suppressed_case)
    counts = {status.value: int(getattr(item, attribute) or 0)
              for status, attribute in _COUNTERS.items()}
    return Recipient(address=item.address, counts=counts,
                     last_status=DeliveryStatus(item.last_status) if item.last_status else None,
                     last_at=_dt(item.last_at), last_message_id=item.last_message_id,
                     last_case=item.last_case, suppression=suppression,
                     lifted_at=_dt(item.lifted_at), lifted_by=item.lifted_by,
                     lift_reason=item.lift_reason, lifted_suppression=item.lifted_suppression)


class DynamoDeliveryRepository(DynamoNotificationClaims):
    """The delivery feedback function's and the suppression list's access to the table; the
    SMS after a hard bounce is claimed and completed like any notification."""

    # -- what a report is about -----------------------------------------------------------------

    def message_origin(self, message_id: str) -> tuple[str, str | None, str | None] | None:
        """``(case number, kind of mail, recipient)`` of a mail we sent (one ``GetItem``)."""
        try:
            item = MessageIdItem.get(f"MSGID#{message_id}", "#MSGID")
        except MessageIdItem.DoesNotExist:
            return None
        return item.number, item.kind, item.to

    def get_case(self, number: str) -> Case | None:
        try:
            return item_to_case(CaseItem.get(case_pk(number), CASE_SK))
        except CaseItem.DoesNotExist:
            return None

    # -- recipients -----------------------------------------------------------------------------

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
            PK=pk, SK=f"REPORT#{at}#{report.key}", address=report.address,
            message_id=report.message_id, status=report.status.value,
            event_type=report.event_type, at=at, number=case_number, mail_kind=mail_kind,
            bounce_type=report.bounce_type, bounce_subtype=report.bounce_subtype,
            diagnostic=report.diagnostic, smtp_status=report.smtp_status,
            feedback_id=report.feedback_id, detail=report.detail,
            expires_at=report.at + timedelta(days=REPORT_DAYS))
        R = RecipientItem
        actions = [R.entity.set(RecipientItem), R.address.set(report.address),
                   R.created_at.set(R.created_at | now), R.updated_at.set(now),
                   getattr(R, _COUNTERS[report.status]).add(1)]
        if update_last:
            actions += [R.last_status.set(report.status.value), R.last_at.set(at),
                        R.last_message_id.set(report.message_id)]
            actions.append(R.last_case.set(case_number) if case_number else R.last_case.remove())
        if suppress and report.suppression is not None:
            actions += [R.suppression_reason.set(report.suppression.value),
                        R.suppressed_at.set(at), R.suppressed_message_id.set(report.message_id),
                        R.GSI3PK.set(SUPPRESSED_PK), R.GSI3SK.set(f"{at}#{address_key(report.address)}")]
            actions.append(R.suppressed_case.set(case_number) if case_number
                           else R.suppressed_case.remove())
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as tx:
                tx.save(report_item, condition=DeliveryReportItem.PK.does_not_exist())
                tx.update(RecipientItem(PK=pk, SK=RECIPIENT_SK), actions=actions)
                for event in events:
                    tx.save(event_to_item(event), condition=TableItem.PK.does_not_exist())
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                return False
            raise
        return True

    # -- the suppression list (staff) -----------------------------------------------------------

    def suppressed_page(self, limit: int = 50, cursor: str | None = None
                        ) -> tuple[list[Recipient], str | None]:
        """Suppressed addresses, newest suppression first (one ``Query`` on ``GSI3``)."""
        start_key = None
        if cursor:
            sort_value, key = decode_suppression_cursor(cursor)
            start_key = {"PK": {"S": f"RECIPIENT#{key}"}, "SK": {"S": RECIPIENT_SK},
                         "GSI3PK": {"S": SUPPRESSED_PK}, "GSI3SK": {"S": sort_value}}
        answer = TableItem._get_connection().query(
            SUPPRESSED_PK, index_name=SUPPRESSION_INDEX, exclusive_start_key=start_key,
            limit=limit, scan_index_forward=False)
        recipients = [item_to_recipient(RecipientItem.from_raw_data(raw))
                      for raw in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        next_cursor = None
        if last:
            next_cursor = encode_suppression_cursor(last["GSI3SK"]["S"],
                                                    last["PK"]["S"][len("RECIPIENT#"):])
        return recipients, next_cursor

    def lift(self, address: str, *, at: datetime, by: str, reason: str) -> Recipient | None:
        """Take ``address`` off the suppression list, recording who, when and why; ``None``
        when it is not on it (one conditional ``UpdateItem``)."""
        R = RecipientItem
        item = RecipientItem(PK=recipient_pk(address), SK=RECIPIENT_SK)
        try:
            item.update(actions=[
                R.lifted_suppression.set(R.suppression_reason), R.lifted_at.set(iso(at)),
                R.lifted_by.set(by), R.lift_reason.set(reason), R.updated_at.set(iso(at)),
                R.suppression_reason.remove(), R.suppressed_at.remove(),
                R.suppressed_message_id.remove(), R.suppressed_case.remove(),
                R.GSI3PK.remove(), R.GSI3SK.remove()],
                condition=R.suppression_reason.exists(), add_version_condition=False)
        except UpdateError as error:
            if condition_failed(error):
                return None
            raise
        return item_to_recipient(item)


_CURSOR = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z#[0-9a-f]{32}$")


def encode_suppression_cursor(sort_value: str, key: str) -> str:
    """An opaque cursor of the suppression list.

    Examples
    --------
    >>> c = encode_suppression_cursor("2026-11-21T09:00:00.000000Z#" + "a" * 32, "a" * 32)
    >>> decode_suppression_cursor(c)[1] == "a" * 32
    True
    >>> decode_suppression_cursor("bm9wZQ")
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.BadRequestError: error.invalid_cursor
    """
    raw = json.dumps([sort_value, key], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_suppression_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, key = json.loads(raw.decode("utf-8"))
        if (isinstance(sort_value, str) and isinstance(key, str) and _CURSOR.match(sort_value)
                and sort_value.endswith(f"#{key}")):
            return sort_value, key
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise BadRequestError("error.invalid_cursor")
