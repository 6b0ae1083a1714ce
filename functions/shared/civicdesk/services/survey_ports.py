"""What the survey service needs of its storage (``adapters/dynamodb/surveys.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator, Protocol

from msgspec import Struct

from ..domain.survey_calls import Call, CallState, Lane
from ..domain.surveys import Response, Survey, SurveyChannel


class Invitation(Struct, frozen=True):
    """One invited person of one survey: what their one-time link opens."""

    survey_id: str
    member_key: str
    secret: str
    language: str
    channels: tuple[SurveyChannel, ...]
    created_at: datetime
    area: str | None = None
    phone: str | None = None  # for an SMS survey: the number its digit reply comes from
    category: str | None = None  # a resolved case's (the satisfaction question)
    department: str | None = None


class QueuedCall(Struct, frozen=True):
    """A call as the queue index holds it: enough to claim it by a conditional write."""

    survey_id: str
    member_key: str
    lane: Lane
    queue_key: str  # the index's sort key seen: the claim's condition


class SurveyStore(Protocol):
    def surveys(self) -> list[Survey]: ...

    def survey(self, survey_id: str) -> Survey | None: ...

    def add_survey(self, survey: Survey) -> None: ...

    def replace_survey(self, survey: Survey, expected_version: int) -> int | None:
        """Write ``survey`` if the stored one is at ``expected_version``; ``None`` on success,
        else the version now (0: gone)."""
        ...

    def remove_survey(self, survey_id: str, expected_version: int) -> int | None: ...

    def invitation(self, survey_id: str, member_key: str) -> Invitation | None: ...

    def add_invitation(self, invitation: Invitation) -> Invitation:
        """Store ``invitation`` unless the member is invited already: the stored one wins."""
        ...

    def invited(self, survey_id: str) -> dict[SurveyChannel, int]:
        """How many invitations offer each channel (calls count for the phone)."""
        ...

    def surveys_of_phone(self, phone: str) -> list[tuple[str, str]]:
        """``(survey id, member key)`` of the SMS invitations sent to ``phone``, newest first."""
        ...

    def add_response(self, response: Response) -> bool:
        """Store the respondent's answers unless they answered already (``False``)."""
        ...

    def response(self, survey_id: str, member_key: str) -> Response | None: ...

    def responses(self, survey_id: str) -> Iterator[Response]: ...

    def call_keys(self, survey_id: str) -> set[str]:
        """The member keys already on the survey's call list."""
        ...

    def add_calls(self, calls: Iterable[Call]) -> int: ...

    def call(self, survey_id: str, member_key: str) -> Call | None: ...

    def due_calls(self, survey_id: str, lane: Lane, now: datetime, limit: int) -> list[QueuedCall]:
        """The calls of ``lane`` served at ``now`` at the latest, in their order."""
        ...

    def claim_call(self, queued: QueuedCall, claimed: Call) -> Call | None:
        """Write the claim if the call is still queued as ``queued`` saw it; ``None``: another
        operator took it first."""
        ...

    def finish_call(self, after: Call, claim_id: str, response: Response | None) -> str:
        """Record an outcome (with the respondent's answers) if ``claim_id`` still holds the
        call: ``"ok"``, ``"claim_lost"`` or ``"answered"`` (answered already another way)."""
        ...

    def call_states(self, survey_id: str) -> dict[CallState, int]: ...
