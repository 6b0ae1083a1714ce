"""The requester answering back on the tracking page (issue 16, item 5): a message that adds
information or answers the municipality's question, and the reopening of a resolved case.

The token is checked as the tracking page checks it (``TrackingLinks.authorises``). The change
is the mail channel's (``domain.case_changes.reopen_by_citizen``, the service-level clocks
recomputed by ``service_levels.track``), so staff see a web answer as they see a mail reply:
the same ``message_in`` entry (channel ``web``), the same status change, the same events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol

from msgspec import Struct

from ..domain.cases import Case, TimelineEvent, parse_number, utc_now
from ..domain.citizen_answers import (
    answer_options,
    citizen_reopening,
    citizen_reply,
    entry_id,
    replayed,
    visible_to_requester,
)
from ..domain.errors import ConflictError, ForbiddenError, NotFoundError
from ..domain.level_marks import mark_due
from ..domain.service_levels import track
from .municipality import MunicipalityProvider
from .public_commands import TrackedCase
from .tracking_links import TrackingLinks

#: How often a change is tried again when another change of the case came first.
ATTEMPTS = 3


class AnswerCases(Protocol):
    """The cases the tracking page's answers read and change (``CitizenAnswerService``)."""

    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None: ...

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None: ...


class CitizenAnswer(Struct, frozen=True):
    """``POST /v1/public/cases/{number}/messages`` (``kind`` reply) or ``.../reopening``
    (``kind`` reopening): the requester's text, with the case's token."""

    number: str
    token: str | None
    text: str
    kind: str = "reply"
    idempotency_key: str | None = None


class CitizenAnswerService:
    def __init__(self, cases: AnswerCases, municipality: MunicipalityProvider, *,
                 links: TrackingLinks, clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._municipality = municipality
        self._links = links
        self._clock = clock

    def answer(self, command: CitizenAnswer) -> TrackedCase:
        """Write the requester's message or reopening; the case as the tracking page then
        shows it. A retry with the same ``Idempotency-Key`` writes nothing and answers the
        same; the key with another text is refused (409 ``idempotency_mismatch``)."""
        municipality = self._municipality.get()
        window = municipality.reopen_window_days
        event_id = entry_id(command.number, command.idempotency_key)
        for attempt in range(ATTEMPTS):
            case, history = self._authorised(command)
            if replayed(history, event_id, command.kind, command.text) is not None:
                return self._tracked(case, history, window)
            now = self._clock()
            if command.kind == "reply":
                changed, entries = citizen_reply(case, history, at=now, text=command.text,
                                                 window_days=window, event_id=event_id)
            else:
                changed, entries = citizen_reopening(case, history, at=now, reason=command.text,
                                                     window_days=window, event_id=event_id)
            levels = municipality.service_levels
            changed = track(changed, entries, levels)
            entries = mark_due(changed, entries, levels)
            try:
                self._cases.save_change(changed, case.version, entries)
            except ConflictError:
                if attempt == ATTEMPTS - 1:
                    raise
                continue  # a staff change, or this request's twin, came first: read again
            return self._tracked(changed.with_changes(version=case.version + 1),
                                 [*history, *entries], window)
        raise AssertionError("unreachable")

    def _authorised(self, command: CitizenAnswer) -> tuple[Case, list[TimelineEvent]]:
        """The case and its history, if the token opens it: a private case without a valid
        token is "not found" (as on the tracking page), a public one is refused (403)."""
        found = self._cases.get_with_history(command.number) if parse_number(command.number) else None
        if found is None or found[0].deleted:
            raise NotFoundError("error.case_not_found")
        case, history = found
        if not self._links.authorises(case.number, command.token, case.token_hash):
            if not case.public:
                raise NotFoundError("error.case_not_found")
            raise ForbiddenError("error.answer_token_invalid")
        return case, history

    def _tracked(self, case: Case, history: list[TimelineEvent], window: int) -> TrackedCase:
        options = answer_options(case, history, window_days=window, now=self._clock())
        return TrackedCase(case, [e for e in history if visible_to_requester(e)], True, options)
