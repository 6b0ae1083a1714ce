"""Residents' alert subscriptions (``ALERT#<id>`` items): the ``AlertSubscriptionRepository``
of ``services/alerts.py`` and the ``AlertSubscribers`` port audiences read.

Every change is one conditional write on the subscription's item, conditioned on what the
service read (its token, that it has not ended, the SMS code's hash and tries left), so that two
requests racing (a double click, a mail scanner beside the resident) never both win: a code is
tried once per try, a channel confirmed once, an ended subscription stays ended. A subscription
with a confirmed channel is on ``GSI3``'s ``ALERTSUBS`` partition (one ``Query`` a page for the
audiences); one without carries ``expires_at`` (pending: ``PENDING_LIFETIME``; ended: its
retention), and one past it is treated as gone already (the TTL deletes only eventually).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterator, cast

from msgspec.structs import replace
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.alerts import PENDING_LIFETIME, AlertSubscription, ChannelState
from ...domain.audiences import AlertSubscriber
from ...domain.cases import iso
from ...services.ports import DuplicateSubmission
from .alerts_items import AlertPhoneItem, AlertSubscriptionItem
from .conditions import failed_conditions, updated_if
from .items import IdempotencyItem
from .keys import (
    ALERT_ACTIVE_PK,
    ALERT_SK,
    IDEMPOTENCY_SK,
    alert_active_sk,
    alert_idempotency_key,
    alert_phone_pk,
    alert_pk,
    idempotency_pk,
)
from .mappers import parse_time
from .session import table_connection
from .table import SUPPRESSION_INDEX

A = AlertSubscriptionItem
#: Subscriptions read per ``Query`` page of the active list.
PAGE_SIZE = 200


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def item_to_alert(item: AlertSubscriptionItem) -> AlertSubscription:
    point = (float(item.lat), float(item.lon)) if item.lat is not None and item.lon is not None else None
    return AlertSubscription(
        id=item.PK.removeprefix("ALERT#"), token=item.token, language=item.language,
        topics=tuple(str(t) for t in item.topics or ()), areas=tuple(str(a) for a in item.areas or ()), point=point,
        created_at=parse_time(item.created_at), email=item.email,
        email_state=ChannelState(item.email_state) if item.email_state else None,
        phone=item.phone, phone_state=ChannelState(item.phone_state) if item.phone_state else None,
        name=item.name or "", ended_at=_time(item.ended_at), code_hash=item.code_hash,
        code_expires_at=_time(item.code_expires_at),
        code_attempts_left=int(item.code_attempts_left or 0), code_sent_at=_time(item.code_sent_at),
        mail_sent_at=_time(item.mail_sent_at), updated_at=_time(item.updated_at))


def _active_keys(subscription: AlertSubscription) -> tuple[str | None, str | None]:
    if subscription.ended_at is None and subscription.confirmed_channels:
        return ALERT_ACTIVE_PK, alert_active_sk(iso(subscription.created_at), subscription.id)
    return None, None


def alert_to_item(subscription: AlertSubscription, expires_at: datetime | None) -> AlertSubscriptionItem:
    gsi_pk, gsi_sk = _active_keys(subscription)
    point = subscription.point
    return AlertSubscriptionItem(
        PK=alert_pk(subscription.id), SK=ALERT_SK, token=subscription.token,
        language=subscription.language, topics=list(subscription.topics),
        areas=list(subscription.areas), lat=point[0] if point else None,
        lon=point[1] if point else None, email=subscription.email,
        email_state=subscription.email_state.value if subscription.email_state else None,
        phone=subscription.phone,
        phone_state=subscription.phone_state.value if subscription.phone_state else None,
        name=subscription.name or None, created_at=iso(subscription.created_at),
        updated_at=_iso(subscription.updated_at), ended_at=_iso(subscription.ended_at),
        code_hash=subscription.code_hash, code_expires_at=_iso(subscription.code_expires_at),
        code_attempts_left=subscription.code_attempts_left if subscription.code_hash else None,
        code_sent_at=_iso(subscription.code_sent_at), mail_sent_at=_iso(subscription.mail_sent_at),
        expires_at=expires_at, GSI3PK=gsi_pk, GSI3SK=gsi_sk)


def _key(subscription_id: str) -> AlertSubscriptionItem:
    return AlertSubscriptionItem(PK=alert_pk(subscription_id), SK=ALERT_SK)


def _unchanged(subscription: AlertSubscription):
    """The stored item is still the one read: its token, not ended."""
    return (A.token == subscription.token) & A.ended_at.does_not_exist()


def _phone_entry(subscription: AlertSubscription, gone_at: datetime | None = None) -> AlertPhoneItem:
    """The number's entry; ``gone_at``: the number left the subscription then (the entry
    expires at once and is no longer read)."""
    assert subscription.phone is not None
    return AlertPhoneItem(PK=alert_phone_pk(subscription.phone), SK=subscription.id,
                          subscription_id=subscription.id, expires_at=gone_at)


def _has_confirmed_phone(subscription: AlertSubscription) -> bool:
    return bool(subscription.phone) and subscription.phone_state is ChannelState.CONFIRMED


def _update_with_entry(subscription_id: str, actions: list, condition, *,
                       entry: AlertPhoneItem | None = None) -> bool:
    """The subscription's conditional update, and its number's entry written in the same
    transaction; ``False`` when the condition failed (nothing written)."""
    if entry is None:
        return updated_if(_key(subscription_id), actions, condition)
    try:
        with TransactWrite(connection=table_connection().connection) as tx:
            tx.update(_key(subscription_id), actions=actions, condition=condition)
            tx.save(entry)
    except TransactWriteError as exc:
        if failed_conditions(exc):
            return False
        raise
    return True


def _set_or_remove(attribute, value):
    return attribute.set(value) if value is not None else attribute.remove()


class DynamoAlertSubscriptions:
    """``AlertSubscriptionRepository`` (services/alerts.py) and ``AlertSubscribers``
    (services/audience_ports.py)."""

    def create(self, subscription: AlertSubscription, expires_at: datetime,
               idempotency: tuple[str, str, dict, int] | None = None) -> None:
        """Store a new pending subscription, and the request's idempotency record in the same
        transaction; ``DuplicateSubmission`` (with the first answer) when the key was used."""
        item = alert_to_item(subscription, expires_at)
        if idempotency is None:
            item.save(condition=A.PK.does_not_exist())
            return
        key, request_hash, response, expires = idempotency
        record = IdempotencyItem(PK=idempotency_pk(alert_idempotency_key(key)), SK=IDEMPOTENCY_SK,
                                 request_hash=request_hash, response=json.dumps(response),
                                 expires_at=datetime.fromtimestamp(expires, timezone.utc))
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.save(item, condition=A.PK.does_not_exist())
                tx.save(record, condition=IdempotencyItem.PK.does_not_exist())
        except TransactWriteError as exc:
            if 1 in failed_conditions(exc):
                previous = IdempotencyItem.get(record.PK, IDEMPOTENCY_SK, consistent_read=True)
                raise DuplicateSubmission(previous.request_hash,
                                          json.loads(previous.response)) from None
            raise

    def get(self, subscription_id: str, now: datetime) -> AlertSubscription | None:
        """One strongly consistent ``GetItem``; ``None`` when there is none or it is past its
        expiry (pending too long, or ended beyond its retention)."""
        try:
            item = AlertSubscriptionItem.get(alert_pk(subscription_id), ALERT_SK, consistent_read=True)
        except AlertSubscriptionItem.DoesNotExist:
            return None
        if item.expires_at is not None and item.expires_at <= now:
            return None
        return item_to_alert(item)

    def mark_mail_sent(self, subscription: AlertSubscription, at: datetime) -> None:
        updated_if(_key(subscription.id), [A.mail_sent_at.set(iso(at))], _unchanged(subscription))

    def claim_code(self, subscription: AlertSubscription, *, code_hash: str, expires: datetime,
                   attempts: int, now: datetime, resend_after: datetime) -> bool:
        """A new SMS code for the pending number, replacing any earlier one, if none was sent
        after ``resend_after``; ``False`` (nothing changed) otherwise."""
        quiet = A.code_sent_at.does_not_exist() | (A.code_sent_at <= iso(resend_after))
        return updated_if(_key(subscription.id),
                          [A.code_hash.set(code_hash), A.code_expires_at.set(iso(expires)),
                           A.code_attempts_left.set(attempts), A.code_sent_at.set(iso(now))],
                          _unchanged(subscription) & (A.phone_state == ChannelState.PENDING.value)
                          & quiet)

    def release_code(self, subscription_id: str, sent_at: datetime) -> None:
        """Give back a claimed code whose SMS could not be sent (so that asking again sends)."""
        updated_if(_key(subscription_id),
                   [A.code_hash.remove(), A.code_expires_at.remove(),
                    A.code_attempts_left.remove(), A.code_sent_at.remove()],
                   A.code_sent_at == iso(sent_at))

    def spend_attempt(self, subscription: AlertSubscription) -> bool:
        """One wrong try of the code read: one try fewer, only if no other try was counted
        meanwhile (``False``: the caller reads again)."""
        return updated_if(_key(subscription.id), [A.code_attempts_left.add(-1)],
                          _unchanged(subscription) & (A.code_hash == subscription.code_hash)
                          & (A.code_attempts_left == subscription.code_attempts_left))

    def confirm_phone(self, subscription: AlertSubscription, at: datetime) -> AlertSubscription | None:
        """The code was right: the number confirmed, the code gone, on the active list."""
        confirmed = self._confirmed(subscription, at, phone=True)
        ok = _update_with_entry(
            subscription.id,
            [A.phone_state.set(ChannelState.CONFIRMED.value), A.code_hash.remove(),
             A.code_expires_at.remove(), A.code_attempts_left.remove(), *self._activation(confirmed)],
            _unchanged(subscription) & (A.code_hash == subscription.code_hash)
            & (A.code_attempts_left == subscription.code_attempts_left),
            entry=_phone_entry(subscription))
        return confirmed if ok else None

    def confirm_email(self, subscription: AlertSubscription, at: datetime) -> AlertSubscription | None:
        """The mailed link, confirmed on the page: the address confirmed, on the active list."""
        confirmed = self._confirmed(subscription, at, phone=False)
        ok = updated_if(_key(subscription.id),
                        [A.email_state.set(ChannelState.CONFIRMED.value), *self._activation(confirmed)],
                        _unchanged(subscription) & (A.email_state == ChannelState.PENDING.value))
        return confirmed if ok else None

    def change(self, before: AlertSubscription, after: AlertSubscription) -> bool:
        """The resident's new choices (``after``), if the stored one is still ``before``."""
        gsi_pk, gsi_sk = _active_keys(after)
        point = after.point
        actions = [A.topics.set(cast(Any, list(after.topics))), A.areas.set(cast(Any, list(after.areas))),
                   A.language.set(after.language), A.updated_at.set(iso(after.updated_at or after.created_at)),
                   _set_or_remove(A.lat, point[0] if point else None),
                   _set_or_remove(A.lon, point[1] if point else None),
                   _set_or_remove(A.email, after.email),
                   _set_or_remove(A.email_state, after.email_state.value if after.email_state else None),
                   _set_or_remove(A.phone, after.phone),
                   _set_or_remove(A.phone_state, after.phone_state.value if after.phone_state else None),
                   _set_or_remove(A.GSI3PK, gsi_pk), _set_or_remove(A.GSI3SK, gsi_sk)]
        if gsi_pk is None and after.ended_at is None:
            # No confirmed channel kept (only a pending one): it waits like a new one.
            actions.append(A.expires_at.set((after.updated_at or after.created_at) + PENDING_LIFETIME))
        if after.phone is None:
            actions += [A.code_hash.remove(), A.code_expires_at.remove(),
                        A.code_attempts_left.remove(), A.code_sent_at.remove()]
        previous = before.updated_at
        same_version = (A.updated_at.does_not_exist() if previous is None
                        else A.updated_at == iso(previous))
        dropped = _has_confirmed_phone(before) and not _has_confirmed_phone(after)
        at = after.updated_at or after.created_at
        return _update_with_entry(before.id, actions, _unchanged(before) & same_version,
                                  entry=_phone_entry(before, at) if dropped else None)

    def end(self, subscription: AlertSubscription, at: datetime, keep_until: datetime) -> bool:
        """Ended: off the active list, its address, number, name and code erased, the rest kept
        until ``keep_until`` (then deleted by the TTL)."""
        return _update_with_entry(
            subscription.id,
            [A.ended_at.set(iso(at)), A.expires_at.set(keep_until), A.email.remove(),
             A.phone.remove(), A.name.remove(), A.code_hash.remove(), A.code_expires_at.remove(),
             A.code_attempts_left.remove(), A.GSI3PK.remove(), A.GSI3SK.remove()],
            _unchanged(subscription),
            entry=_phone_entry(subscription, at) if _has_confirmed_phone(subscription) else None)

    def with_phone(self, phone: str, now: datetime) -> list[AlertSubscription]:
        """The subscriptions whose confirmed number is ``phone``: one ``Query`` of its entries,
        then each subscription (``GetItem``), kept only if it still has that number."""
        found = []
        for entry in AlertPhoneItem.query(alert_phone_pk(phone), consistent_read=True):
            if entry.expires_at is not None and entry.expires_at <= now:
                continue
            subscription = self.get(entry.subscription_id, now)
            if subscription is not None and subscription.phone == phone:
                found.append(subscription)
        return found

    # -- AlertSubscribers --------------------------------------------------------------------

    def confirmed(self) -> Iterator[AlertSubscriber]:
        """Every subscription with a confirmed channel, not ended: the ``ALERTSUBS`` partition
        of ``GSI3``, oldest first, ``PAGE_SIZE`` a ``Query``."""
        start_key = None
        while True:
            answer = table_connection().query(ALERT_ACTIVE_PK, index_name=SUPPRESSION_INDEX,
                                              exclusive_start_key=start_key, limit=PAGE_SIZE)
            for raw in answer.get("Items", []):
                subscriber = item_to_alert(AlertSubscriptionItem.from_raw_data(raw)).subscriber()
                if subscriber is not None:
                    yield subscriber
            start_key = answer.get("LastEvaluatedKey")
            if not start_key:
                return

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _confirmed(subscription: AlertSubscription, at: datetime, *, phone: bool) -> AlertSubscription:
        if phone:
            return replace(subscription, phone_state=ChannelState.CONFIRMED, code_hash=None,
                           code_expires_at=None, code_attempts_left=0, updated_at=at)
        return replace(subscription, email_state=ChannelState.CONFIRMED, updated_at=at)

    @staticmethod
    def _activation(confirmed: AlertSubscription) -> list:
        """On the active list, without expiry (a confirmed subscription stays)."""
        gsi_pk, gsi_sk = _active_keys(confirmed)
        return [A.expires_at.remove(), A.updated_at.set(iso(confirmed.updated_at or confirmed.created_at)),
                A.GSI3PK.set(gsi_pk or ALERT_ACTIVE_PK),
                A.GSI3SK.set(gsi_sk or alert_active_sk(iso(confirmed.created_at), confirmed.id))]
