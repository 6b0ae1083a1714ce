"""In-memory fakes of the services' ports, with assertion helpers."""

from __future__ import annotations

import copy

from civicdesk.domain.cases import Case, TimelineEvent, format_number
from civicdesk.domain.errors import ConflictError
from civicdesk.domain.mail import OutgoingMail
from civicdesk.services.ports import DuplicateSubmission


class InMemoryCaseRepository:
    def __init__(self):
        self.cases: dict[str, Case] = {}
        self.events: dict[str, list[TimelineEvent]] = {}
        self.idempotency: dict[str, tuple[str, dict]] = {}
        self.counters: dict[int, int] = {}
        self.fail_next_create: Exception | None = None

    def next_number(self, year: int) -> str:
        self.counters[year] = self.counters.get(year, 0) + 1
        return format_number(year, self.counters[year])

    def create(self, case, events, idempotency=None):
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

    def get_with_timeline(self, number):
        if number not in self.cases:
            return None
        return self.cases[number], list(self.events[number])


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

    def case_opened(self, channel, case_type):
        self.opened.append((channel, case_type))

    def mail_failed(self, kind):
        self.mail_failures.append(kind)
