"""Publishing the domain events of the table's stream (one batch of stream records at a time)."""

from __future__ import annotations

import logging
from typing import Iterable, Protocol

from ..domain.cases import TimelineEvent
from ..domain.events import CaseFacts, DomainEvent, domain_event, event_type

logger = logging.getLogger(__name__)


class CaseFactsSource(Protocol):
    def case_facts(self, numbers: Iterable[str]) -> dict[str, CaseFacts]:
        """The facts of each existing case among ``numbers`` (one batch read)."""


class EventBus(Protocol):
    def publish(self, event: DomainEvent) -> str:
        """Publish and return the message id."""


class EventPublisher:
    def __init__(self, cases: CaseFactsSource, bus: EventBus):
        self._cases = cases
        self._bus = bus
        self._facts: dict[str, CaseFacts] = {}

    def prepare(self, entries: Iterable[TimelineEvent | None]) -> None:
        """Read the facts of every case the batch has an event of, in one go (a batch of
        notifications and delivery reports only reads nothing)."""
        numbers = {entry.case_number for entry in entries
                   if entry is not None and event_type(entry) is not None}
        self._facts = self._cases.case_facts(numbers) if numbers else {}

    def publish(self, entry: TimelineEvent | None) -> DomainEvent | None:
        """Publish the event of one timeline entry; ``None`` when the entry is no event.

        Raises when publishing fails, so that the record is retried (and only that record and
        those after it, by the partial batch response)."""
        if entry is None or event_type(entry) is None:
            return None
        facts = self._facts.get(entry.case_number)
        if facts is None:
            # The case item is written in the same transaction as its entries; without it the
            # entry cannot be described. Retrying cannot help either: say so and go on.
            logger.error("timeline entry of an unknown case", extra={"case_number": entry.case_number})
            return None
        event = domain_event(entry, facts)
        if event is not None:
            self._bus.publish(event)
        return event
