"""Tracking a case: what the public, and the requester with their link, may see of it.

Its own service (not a method of ``CaseService``, which opens cases): the public API's most
frequent request, and the one a cold start most often answers, builds only the tracking page's
reads, not the intake's validation, numbering and uploads (``docs/decisions.md``, cold starts).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from msgspec import Struct

from ..domain.cases import Case, TimelineEvent, parse_number, utc_now
from ..domain.citizen_answers import answer_options, visible_to_requester
from ..domain.errors import NotFoundError
from ..domain.tracking_tokens import token_matches

if TYPE_CHECKING:  # annotations only
    from ..domain.citizen_answers import AnswerOptions
    from .municipality import MunicipalityProvider
    from .ports import CaseReads
    from .tracking_links import TrackingLinks


class TrackedCase(Struct, frozen=True):
    """A case as the public sees it; ``authorised``: the caller had the case's token."""

    case: Case
    timeline: list[TimelineEvent]
    authorised: bool
    #: What the requester may do on the tracking page (with the token only; issue 16).
    answers: AnswerOptions | None = None


class CaseTracking:
    """The tracking page's use case (``GET /v1/public/cases/{number}``)."""

    def __init__(self, repository: CaseReads, municipality: MunicipalityProvider, *,
                 links: TrackingLinks, clock: Callable[[], datetime] = utc_now):
        self._repo = repository
        self._municipality = municipality
        self._links = links
        self._clock = clock

    def track(self, number: str, token: str | None) -> TrackedCase:
        """The case as the public may see it: everything but contact data with a valid token
        (the confirmation's, or the one every later message to the requester carries), only
        public and redacted data without one; a private case without a token is "not
        found".

        Whether the caller may see the case is decided before its history is read, so that a
        private or deleted case costs the same reads as a missing one (one ``GetItem`` of the
        case item): the answer and its time tell nothing. A derived token is checked without
        the case, so the requester's links read the case and its history in one ``Query``."""
        municipality = self._municipality.get()  # a missing configuration fails before any read
        if parse_number(number) is None:
            raise NotFoundError("error.case_not_found")
        authorised = self._links.derived_authorises(number, token)
        if not authorised:
            case = self._repo.get_case(number)
            if case is None or case.deleted:
                raise NotFoundError("error.case_not_found")
            authorised = token_matches(token, case.token_hash)
            if not authorised and not case.public:
                raise NotFoundError("error.case_not_found")
        found = self._repo.get_with_history(number)
        if found is None or found[0].deleted or not (authorised or found[0].public):
            raise NotFoundError("error.case_not_found")  # deleted or made private meanwhile
        case, events = found
        if not authorised:
            return TrackedCase(case, [event for event in events if event.public], authorised)
        options = answer_options(case, events, window_days=municipality.reopen_window_days,
                                 now=self._clock())
        return TrackedCase(case, [e for e in events if visible_to_requester(e)], authorised, options)
