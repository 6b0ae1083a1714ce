"""In-memory fakes of the services' ports, with assertion helpers."""

from __future__ import annotations

import copy

from civicdesk.domain.cases import Case, EventKind, TimelineEvent, format_number
from civicdesk.domain.errors import ConflictError
from civicdesk.domain.mail import OutgoingMail
from civicdesk.domain.tracking_tokens import LinkKey
from civicdesk.services.ports import DuplicateSubmission

#: The entries the table keeps on the delivery trail, apart from the history.
TRAIL_KINDS = (EventKind.NOTIFICATION, EventKind.DELIVERY_REPORT)


class FixedLinkKeys:
    """``LinkKeys`` that are what the test says: the current key first; ``rotate`` makes a new
    current key and keeps the last one as the previous (as Secrets Manager's labels do)."""

    def __init__(self, *secrets: bytes):
        self.secrets = list(secrets or [b"test-link-key-" + b"0" * 18])
        self.fresh_reads = 0

    def keys(self, *, fresh: bool = False):
        self.fresh_reads += fresh
        return [LinkKey(secret) for secret in self.secrets[:2]]

    def rotate(self, secret: bytes) -> None:
        self.secrets.insert(0, secret)


def tracking_links(public_url: str = "https://prijave.demo.rs", keys: FixedLinkKeys | None = None):
    from civicdesk.services.tracking_links import TrackingLinks

    return TrackingLinks(keys or FixedLinkKeys(), public_url)


class InMemoryCaseRepository:
    """``PublicCases``, ``MailCases`` and ``CaseReader`` in memory."""

    def __init__(self):
        self.cases: dict[str, Case] = {}
        self.events: dict[str, list[TimelineEvent]] = {}
        self.idempotency: dict[str, tuple[str, dict]] = {}
        self.counters: dict[int, int] = {}
        self.pending_links: dict[str, str] = {}
        self.fail_next_create: Exception | None = None

    def next_number(self, year: int) -> str:
        self.counters[year] = self.counters.get(year, 0) + 1
        return format_number(year, self.counters[year])

    def create(self, case, events, idempotency=None, *, pending_link=None):
        if self.fail_next_create:
            error, self.fail_next_create = self.fail_next_create, None
            raise error
        if idempotency and idempotency[0] in self.idempotency:
            request_hash, response = self.idempotency[idempotency[0]]
            raise DuplicateSubmission(request_hash, copy.deepcopy(response))
        if case.number in self.cases:
            raise ConflictError("error.conflict")
        self.cases[case.number] = case.with_changes(version=1)
        self.events[case.number] = sorted(events, key=lambda e: e.sort_key)
        if idempotency:
            self.idempotency[idempotency[0]] = (idempotency[1], copy.deepcopy(idempotency[2]))
        if pending_link:
            self.pending_links[case.number] = pending_link

    def get_case(self, number):
        return self.cases.get(number)

    def get_with_timeline(self, number):
        if number not in self.cases:
            return None
        return self.cases[number], list(self.events[number])

    def get_with_history(self, number):
        """The timeline without the delivery trail, as the table keeps them apart."""
        if number not in self.cases:
            return None
        return self.cases[number], [e for e in self.events[number] if e.kind not in TRAIL_KINDS]


class InMemoryConfigRepository:
    def __init__(self, document: dict | None = None):
        self.document = document
        self.loads = 0

    def load(self):
        self.loads += 1
        return copy.deepcopy(self.document)

    def store(self, document):
        self.document = copy.deepcopy(document)


class FakeMailer:
    def __init__(self):
        self.outbox: list[OutgoingMail] = []
        self.fail_with: Exception | None = None

    def send(self, mail: OutgoingMail) -> str:
        if self.fail_with:
            raise self.fail_with
        self.outbox.append(mail)
        return f"fake-{len(self.outbox)}"

    def sent_to(self, address: str) -> list[OutgoingMail]:
        return [mail for mail in self.outbox if address in mail.to]


class FakeMetrics:
    def __init__(self):
        self.opened: list[tuple[str, str]] = []
        self.mail_failures: list[str] = []
        self.received: list[str] = []

    def case_opened(self, channel, case_type):
        self.opened.append((channel, case_type))

    def mail_failed(self, kind):
        self.mail_failures.append(kind)

    def mail_received(self, outcome):
        self.received.append(outcome)


class InMemoryMailRepository(InMemoryCaseRepository):
    """The mail intake's table in memory: its cases (``MailCases``), markers, Message-IDs and
    rate counters (``MailIntakeLog``), and the quarantine (``Quarantine``, ``QuarantineList``).
    One object for the three ports, as one table serves them: the intake writes cases and
    timeline entries together with its markers."""

    def __init__(self):
        super().__init__()
        self.markers: dict = {}
        self.message_ids: dict[str, str] = {}
        self.rates: dict[tuple, int] = {}
        self.quarantine_items: dict = {}

    def case_for_message_ids(self, message_ids):
        return next((self.message_ids[m] for m in message_ids if m in self.message_ids), None)

    def save_inbound(self, marker, *, new_case=None, update=None, events=(), rate_limit=None,
                     fingerprint=None, new_case_allowance=None, expires_at=None):
        from msgspec.structs import replace

        from civicdesk.domain.inbound import InboundMarker
        from civicdesk.services.ports import DuplicateInbound, RateLimited, SenderFlooding

        if marker.ses_message_id in self.markers:
            raise DuplicateInbound(self.markers[marker.ses_message_id])
        twin_id = f"MSG#{fingerprint}" if fingerprint else None
        if twin_id in self.markers:
            raise DuplicateInbound(self.markers[twin_id])
        allowance = new_case_allowance
        new_cases_key = ("new_cases", allowance.sender, allowance.day) if allowance else None
        if allowance and self.rates.get(new_cases_key, 0) >= allowance.limit:
            raise SenderFlooding()
        rate_key = (rate_limit.sender, rate_limit.hour) if rate_limit else None
        if rate_limit and self.rates.get(rate_key, 0) >= rate_limit.limit:
            raise RateLimited()
        if twin_id:
            self.markers[twin_id] = InboundMarker(twin_id, marker.number, False, False)
        if allowance:
            self.rates[new_cases_key] = self.rates.get(new_cases_key, 0) + 1
        if update is not None:
            case = self.cases[update.number]
            if case.version != update.expected_version:
                raise ConflictError("error.conflict")
            self.cases[update.number] = replace(
                case, version=case.version + 1, updated_at=update.updated_at,
                status=update.status or case.status,
                participants=tuple(sorted(set(case.participants) | set(update.add_participants))),
                linked_cases=tuple(sorted(set(case.linked_cases) | set(update.add_links))))
            if update.tracked is not None:
                self.cases[update.number] = self.cases[update.number].with_changes(
                    clock=update.tracked.clock, first_reaction_at=update.tracked.first_reaction_at)
        if new_case is not None:
            self.cases[new_case.number] = new_case.with_changes(version=1)
            self.events[new_case.number] = []
        for event in events:
            self.events.setdefault(event.case_number, []).append(event)
            self.events[event.case_number].sort(key=lambda e: e.sort_key)
        if rate_limit:
            self.rates[rate_key] = self.rates.get(rate_key, 0) + 1
        self.markers[marker.ses_message_id] = marker

    def mark_replied(self, ses_message_id, number, outgoing_message_id, event):
        from msgspec.structs import replace

        self.markers[ses_message_id] = replace(self.markers[ses_message_id], replied=True,
                                               pending_token=None)
        self.message_ids[outgoing_message_id] = number
        self.events[number].append(event)

    def mark_reply_skipped(self, ses_message_id, event):
        from msgspec.structs import replace

        self.markers[ses_message_id] = replace(self.markers[ses_message_id], reply_wanted=False,
                                               pending_token=None)
        self.events[event.case_number].append(event)

    def quarantine(self, entry):
        self.quarantine_items[entry.quarantine_id] = entry

    def quarantined(self, limit=50, cursor=None):
        items = sorted(self.quarantine_items.values(), key=lambda e: e.quarantine_id, reverse=True)
        return items[:limit], None

    def quarantine_entry(self, quarantine_id):
        return self.quarantine_items.get(quarantine_id)

    def mark_released(self, entry, at, by=None):
        from msgspec.structs import replace

        self.quarantine_items[entry.quarantine_id] = replace(entry, released_at=at, released_by=by)


class InMemoryBlobStore:
    def __init__(self):
        self.objects: dict[tuple[str, str], bytes] = {}
        self.attachments: dict[str, tuple[bytes, str]] = {}

    def get(self, bucket, key):
        return self.objects[(bucket, key)]

    def put(self, key, data, content_type):
        self.attachments[key] = (data, content_type)
        return key
