"""In-memory fakes of the notification and delivery services' ports, with assertion helpers.

They keep the promises the DynamoDB adapters keep (``civicdesk.adapters.claims``,
``notifications`` and ``recipients``): a claim is taken only if there is none or its send
failed; completing a claim whose timeline entry is already written changes nothing; a delivery
report already recorded writes nothing. A test that passes against them therefore says what
the service does, not what a mock was told to answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from msgspec import Struct
from msgspec.structs import replace

from civicdesk.domain.cases import Case, EventKind, TimelineEvent
from civicdesk.domain.delivery import DeliveryReport, Recipient, Suppression, address_key, normalise_address
from civicdesk.domain.errors import BadRequestError
from civicdesk.domain.mail import OutgoingMail
from civicdesk.domain.subscriptions import Subscription
from civicdesk.services.notification_records import Claim, NotificationContext
from civicdesk.services.ports import RecipientSuppressed, StaffMember
from tests.support.fakes import FakeMailer

START = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


class FakeClock:
    """A clock the test moves: ``clock()`` is now, ``clock.advance(minutes=6)`` moves it."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class ClaimRecord(Struct, frozen=True):
    state: str  # sending | sent | failed | suppressed | uncertain
    claimed_at: datetime
    error: str | None = None
    channel: str | None = None
    message_id: str | None = None


class InMemoryClaims:
    """``claim``, ``release`` and ``complete`` with the timeline and Message-IDs they write."""

    def __init__(self):
        self.claims: dict[tuple[str, str, str], ClaimRecord] = {}
        self.timelines: dict[str, list[TimelineEvent]] = {}
        #: Message-ID -> (case number, kind of mail, recipient), as ``MSGID#`` items keep it.
        self.message_origins: dict[str, tuple[str, str | None, str | None]] = {}
        self.pending_links: dict[str, str] = {}

    def claim(self, number: str, event_id: str, key: str, at: datetime) -> bool:
        earlier = self.claims.get((number, event_id, key))
        if earlier is not None and earlier.state != "failed":
            return False
        self.claims[(number, event_id, key)] = ClaimRecord("sending", at)
        return True

    def release(self, number: str, event_id: str, key: str, error: str) -> None:
        record = self.claims[(number, event_id, key)]
        self.claims[(number, event_id, key)] = replace(record, state="failed", error=error[:500])

    def complete(self, number: str, event_id: str, key: str, *, state: str, channel: str | None,
                 message_id: str | None, entry: TimelineEvent,
                 consume_pending_link: bool = False, case: Case | None = None,
                 message_kind: str | None = None, to: str | None = None) -> None:
        timeline = self.timelines.setdefault(number, [])
        if any(e.event_id == entry.event_id for e in timeline):
            return  # completed before: the transaction's condition cancels it all
        earlier = self.claims.get((number, event_id, key)) or ClaimRecord("sending", entry.at)
        self.claims[(number, event_id, key)] = replace(
            earlier, state=state, error=None, channel=channel or earlier.channel,
            message_id=message_id or earlier.message_id)
        timeline.append(entry)
        if message_id and channel == "email":
            self.message_origins[message_id] = (number, message_kind, to.lower() if to else None)
        if consume_pending_link:
            self.pending_links.pop(number, None)

    # -- assertion helpers ---------------------------------------------------------------------

    def claim_state(self, number: str, event_id: str, key: str) -> str | None:
        record = self.claims.get((number, event_id, key))
        return record.state if record else None

    def entries(self, number: str, kind: EventKind) -> list[TimelineEvent]:
        return [e for e in self.timelines.get(number, []) if e.kind is kind]

    def notifications(self, number: str) -> list[dict]:
        """The data of the case's ``notification`` entries, in the order they were written."""
        return [e.data for e in self.entries(number, EventKind.NOTIFICATION)]


class InMemoryNotificationRepository(InMemoryClaims):
    """``NotificationRepository``: the case's partition as the notify function reads it."""

    def __init__(self):
        super().__init__()
        self.cases: dict[str, Case] = {}
        self.subscriptions: dict[str, dict[str, Subscription]] = {}
        self.context_reads = 0

    def add_case(self, case: Case, *entries: TimelineEvent,
                 pending_link: str | None = None) -> None:
        self.cases[case.number] = case
        self.timelines.setdefault(case.number, []).extend(entries)
        if pending_link:
            self.pending_links[case.number] = pending_link

    def add_entry(self, entry: TimelineEvent) -> TimelineEvent:
        self.timelines.setdefault(entry.case_number, []).append(entry)
        return entry

    def left_sending(self, number: str, event_id: str, key: str, at: datetime) -> None:
        """The claim an invocation left behind when it died during the send."""
        self.claims[(number, event_id, key)] = ClaimRecord("sending", at)

    def context(self, number: str, event_id: str) -> NotificationContext | None:
        self.context_reads += 1
        case = self.cases.get(number)
        if case is None:
            return None
        claims = {key: Claim(record.state, record.claimed_at)
                  for (n, e, key), record in self.claims.items() if n == number and e == event_id}
        timeline = sorted(self.timelines.get(number, []), key=lambda e: e.sort_key)
        subscriptions = list(self.subscriptions.get(number, {}).values())
        return NotificationContext(case, timeline, subscriptions, claims,
                                   self.pending_links.get(number))

    def add_subscription(self, subscription: Subscription) -> Subscription:
        stored = self.subscriptions.setdefault(subscription.case_number, {})
        return stored.setdefault(subscription.id, subscription)

    def subscription_of(self, number: str, subscription_id: str) -> Subscription | None:
        return self.subscriptions.get(number, {}).get(subscription_id)


class FakeSmsSender:
    def __init__(self):
        self.outbox: list = []
        self.fail_with: Exception | None = None

    def send(self, sms) -> str:
        if self.fail_with:
            raise self.fail_with
        self.outbox.append(sms)
        return f"sms-{len(self.outbox)}"

    def sent_to(self, phone: str) -> list[str]:
        """The texts sent to ``phone``."""
        return [sms.text for sms in self.outbox if sms.to == phone]


class SelectiveMailer(FakeMailer):
    """A ``FakeMailer`` that refuses suppressed addresses (as ``SuppressionCheckingMailer``
    does) and fails the next send to an address on request."""

    def __init__(self):
        super().__init__()
        self.suppressed: dict[str, str] = {}
        self.failing: dict[str, Exception] = {}

    def suppress(self, address: str, reason: str = "bounce") -> None:
        self.suppressed[address.lower()] = reason

    def fail_next_to(self, address: str, error: Exception) -> None:
        self.failing[address.lower()] = error

    def send(self, mail: OutgoingMail) -> str:
        address = mail.to[0].lower()
        if address in self.suppressed:
            raise RecipientSuppressed(address, self.suppressed[address])
        if address in self.failing:
            raise self.failing.pop(address)
        return super().send(mail)


class FakeStaffDirectory:
    def __init__(self, *members: StaffMember):
        self.members = {m.username: m for m in members}
        self.lookups: list[str] = []

    def add(self, username: str, *roles: str, email: str | None = None, name: str | None = None,
            language: str | None = None, enabled: bool = True) -> StaffMember:
        member = StaffMember(username, f"sub-{username}", frozenset(roles), name=name,
                             email=email if email is not None else f"{username}@demo.civicdesk.rs",
                             language=language, enabled=enabled)
        self.members[username] = member
        return member

    def get(self, username: str) -> StaffMember | None:
        self.lookups.append(username)
        return self.members.get(username)

    def list(self, role: str | None = None) -> list[StaffMember]:
        return [m for m in self.members.values() if role is None or role in m.roles]


class InMemoryDeliveryRepository(InMemoryClaims):
    """``DeliveryRepository``: recipients, their reports and the suppression list."""

    def __init__(self):
        super().__init__()
        self.cases: dict[str, Case] = {}
        self.recipients: dict[str, Recipient] = {}
        self.reports: dict[str, DeliveryReport] = {}  # one per (address, at, report key)

    def add_case(self, case: Case) -> Case:
        self.cases[case.number] = case
        return case

    def mail_sent(self, message_id: str, number: str, kind: str | None, to: str) -> None:
        """What the sender recorded when the mail went out (the ``MSGID#`` item)."""
        self.message_origins[message_id] = (number, kind, to.lower())

    def suppress(self, address: str, reason, at: datetime, *, message_id: str | None = None,
                 case_number: str | None = None) -> Recipient:
        """An address already on the suppression list."""
        address = normalise_address(address)
        recipient = self.recipients.get(address) or Recipient(address, {})
        recipient = replace(recipient, suppression=Suppression(reason, at, message_id, case_number))
        self.recipients[address] = recipient
        return recipient

    # -- the port ------------------------------------------------------------------------------

    def message_origin(self, message_id: str) -> tuple[str, str | None, str | None] | None:
        return self.message_origins.get(message_id)

    def get_case(self, number: str) -> Case | None:
        return self.cases.get(number)

    def recipient(self, address: str) -> Recipient | None:
        return self.recipients.get(normalise_address(address))

    def suppressed(self, addresses) -> dict[str, str]:
        found = {}
        for address in addresses:
            recipient = self.recipients.get(normalise_address(address))
            if recipient is not None and recipient.suppression is not None:
                found[recipient.address] = recipient.suppression.reason.value
        return found

    def record(self, report: DeliveryReport, *, case_number: str | None, mail_kind: str | None,
               suppress: bool, update_last: bool, events: list[TimelineEvent]) -> bool:
        report_id = f"{report.address}#{report.at.isoformat()}#{report.key}"
        if report_id in self.reports:
            return False
        self.reports[report_id] = report
        recipient = self.recipients.get(report.address) or Recipient(report.address, {})
        counts = dict(recipient.counts)
        counts[report.status.value] = counts.get(report.status.value, 0) + 1
        recipient = replace(recipient, counts=counts)
        if update_last:
            recipient = replace(recipient, last_status=report.status, last_at=report.at,
                                last_message_id=report.message_id, last_case=case_number)
        if suppress and report.suppression is not None:
            recipient = replace(recipient, suppression=Suppression(
                report.suppression, report.at, report.message_id, case_number))
        self.recipients[report.address] = recipient
        for event in events:
            timeline = self.timelines.setdefault(event.case_number, [])
            if all(e.event_id != event.event_id for e in timeline):
                timeline.append(event)
        return True

    def suppressed_page(self, limit: int = 50, cursor: str | None = None
                        ) -> tuple[list[Recipient], str | None]:
        listed = sorted((r for r in self.recipients.values() if r.suppression is not None),
                        key=lambda r: (r.suppression.at, address_key(r.address)), reverse=True)
        start = 0
        if cursor:
            keys = [address_key(r.address) for r in listed]
            if cursor not in keys:
                raise BadRequestError("error.invalid_cursor")
            start = keys.index(cursor) + 1
        page = listed[start:start + limit]
        more = start + limit < len(listed)
        return page, address_key(page[-1].address) if page and more else None

    def lift(self, address: str, *, at: datetime, by: str, reason: str) -> Recipient | None:
        recipient = self.recipients.get(normalise_address(address))
        if recipient is None or recipient.suppression is None:
            return None
        lifted = replace(recipient, suppression=None, lifted_at=at, lifted_by=by,
                         lift_reason=reason, lifted_suppression=recipient.suppression.reason.value)
        self.recipients[recipient.address] = lifted
        return lifted

    # -- assertion helpers ---------------------------------------------------------------------

    def is_suppressed(self, address: str) -> bool:
        recipient = self.recipient(address)
        return recipient is not None and recipient.suppression is not None
