"""The ports the services need; adapters (and the fakes in tests) implement them."""

from __future__ import annotations

from typing import Protocol

from ..domain.cases import Case, TimelineEvent
from ..domain.mail import OutgoingMail


class DuplicateSubmission(Exception):
    """The idempotency key was used before; carries what was answered the first time."""

    def __init__(self, request_hash: str, response: dict):
        super().__init__("duplicate submission")
        self.request_hash = request_hash
        self.response = response


class CaseRepository(Protocol):
    def next_number(self, year: int) -> str: ...

    def create(self, case: Case, events: list[TimelineEvent],
               idempotency: tuple[str, str, dict, int] | None = None) -> None: ...

    def get_with_timeline(self, number: str) -> tuple[Case, list[TimelineEvent]] | None: ...


class ConfigRepository(Protocol):
    def load(self) -> dict | None: ...

    def store(self, document: dict) -> None: ...


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Send and return the Message-ID the mail service assigned."""


class MetricsSink(Protocol):
    def case_opened(self, channel: str, case_type: str) -> None: ...

    def mail_failed(self, kind: str) -> None: ...
