"""The requester answering back through the tracking page: adding information or answering the
municipality's question, and reopening a resolved case within the reopen window.

What a message does to the case's status is the mail channel's rule (``case_changes.
reopen_by_citizen``: a case waiting for the citizen goes back to work); these functions only say
what the tracking page may offer and build the entries of the web channel.

A retried request must not write a second entry: the entry's id is derived from the request's
``Idempotency-Key`` and the case number, so the service finds a retry's entry in the history it
reads anyway (``docs/decisions.md``, 2026-12-01, "Answering back from the tracking page").

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> from .cases import Case, CaseType, Channel, Status
>>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
>>> case = Case("2026-000123", CaseType.SIGNAL, Channel.WEB, "road_damage", "roads", "Rupa.",
...             "sr-Latn", Status.RESOLVED, True, at, at, "hash")
>>> options = answer_options(case, [], window_days=30, now=at + timedelta(days=3))
>>> options.may_reply, options.may_reopen, options.reopen_until.isoformat()
(False, True, '2026-12-21T09:30:00+00:00')
>>> answer_options(case, [], window_days=30, now=at + timedelta(days=31)).may_reopen
False
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from msgspec import Struct

from .cases import Case, EventKind, Status, TimelineEvent
from .errors import ConflictError


class AnswerRefusedError(ConflictError):
    """The case takes no message or reopening now (409); ``code`` says why, for the page:
    ``reopen_window_passed``, ``case_closed``, ``case_resolved``, ``case_not_resolved``,
    ``case_merged``."""

    def __init__(self, message_id: str, code: str):
        super().__init__(message_id)
        self.code = code

#: The actor of every entry the tracking page writes (the requester, proven by the token).
WEB_ACTOR = "citizen:web"
#: Statuses in which the requester may add information or answer a question.
REPLY_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING_FOR_CITIZEN, Status.REFERRED})


def visible_to_requester(entry: TimelineEvent) -> bool:
    """What the tracking page shows the requester: the public entries and their own answers
    from the page (never another channel's internal entries)."""
    return entry.public or entry.actor == WEB_ACTOR


class AnswerOptions(Struct, frozen=True):
    """What the tracking page may offer the requester now."""

    may_reply: bool
    may_reopen: bool
    #: Until when a resolved case may be reopened (``None``: the case is not resolved).
    reopen_until: datetime | None


def resolved_at(case: Case, history: list[TimelineEvent] | tuple[TimelineEvent, ...]) -> datetime:
    """When the case was resolved: its latest change to ``resolved``, else its last change."""
    moments = [e.at for e in history if e.kind is EventKind.STATUS_CHANGED
               and (e.data or {}).get("status") == Status.RESOLVED.value]
    return max(moments) if moments else case.updated_at


def answer_options(case: Case, history: list[TimelineEvent] | tuple[TimelineEvent, ...], *,
                   window_days: int, now: datetime) -> AnswerOptions:
    """Whether the requester may reply or reopen ``case`` at ``now``."""
    if case.deleted or case.merged_into:
        return AnswerOptions(False, False, None)
    if case.status is Status.RESOLVED:
        until = resolved_at(case, history) + timedelta(days=window_days)
        return AnswerOptions(False, now <= until, until)
    return AnswerOptions(case.status in REPLY_STATUSES, False, None)


def entry_id(number: str, idempotency_key: str | None) -> str | None:
    """The id of the entry a request with ``idempotency_key`` writes (12 hex digits, as every
    entry id); ``None`` without a key (a random id).

    >>> entry_id("2026-000123", "k-1") == entry_id("2026-000123", "k-1") != entry_id("2026-000124", "k-1")
    True
    """
    if not idempotency_key:
        return None
    return hashlib.sha256(f"{number}#{idempotency_key}".encode()).hexdigest()[:12]


def request_fingerprint(kind: str, text: str) -> str:
    """What a retry must repeat for its key to mean the same request."""
    return hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()[:16]


def _message(case: Case, at: datetime, kind: str, text: str, event_id: str | None) -> TimelineEvent:
    data = {"channel": "web", "kind": kind, "text": text, "request": request_fingerprint(kind, text)}
    if event_id:
        return TimelineEvent(case.number, at, EventKind.MESSAGE_IN, WEB_ACTOR, False, data, event_id)
    return TimelineEvent(case.number, at, EventKind.MESSAGE_IN, WEB_ACTOR, False, data)


def citizen_reply(case: Case, history, *, at: datetime, text: str, window_days: int,
                  event_id: str | None = None) -> tuple[Case, list[TimelineEvent]]:
    """The requester's message on an open case: the internal ``message_in`` entry (channel
    web) and, for a case waiting for them, the status change back to work.

    Raises ``ConflictError`` (409) with why when the case takes no message now.

    >>> from datetime import timezone
    >>> from .cases import CaseType, Channel
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.REQUEST, Channel.WEB, "local_taxes", "finance",
    ...             "Molim rešenje.", "sr-Latn", Status.WAITING_FOR_CITIZEN, False, at, at, "hash")
    >>> answered, entries = citizen_reply(case, [], at=at, text="Broj parcele je 123.", window_days=30)
    >>> answered.status.value, [e.kind.value for e in entries], entries[1].data["reason"]
    ('in_progress', ['message_in', 'status_changed'], 'citizen_answered')
    """
    options = answer_options(case, history, window_days=window_days, now=at)
    if not options.may_reply:
        raise AnswerRefusedError(*_refusal(case, options))
    entries = [_message(case, at, "reply", text, event_id)]
    from .case_changes import reopen_by_citizen  # not on a tracking read's cold start

    answered, status_entry = reopen_by_citizen(case, at=at + timedelta(microseconds=1), actor=WEB_ACTOR)
    if status_entry is not None:
        entries.append(status_entry)
    return answered.with_changes(updated_at=at + timedelta(microseconds=1)), entries


def citizen_reopening(case: Case, history, *, at: datetime, reason: str, window_days: int,
                      event_id: str | None = None) -> tuple[Case, list[TimelineEvent]]:
    """The requester reopening a resolved case within ``window_days`` of its resolution: their
    reason as a ``message_in`` entry and the status change back to work (the mail channel's
    ``reply_reopened``). Raises ``ConflictError`` with why otherwise.

    >>> from datetime import timezone
    >>> from .cases import CaseType, Channel
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.WEB, "road_damage", "roads", "Rupa.",
    ...             "sr-Latn", Status.RESOLVED, True, at, at, "hash")
    >>> reopened, entries = citizen_reopening(case, [], at=at + timedelta(days=2),
    ...                                       reason="Rupa je i dalje tu.", window_days=30)
    >>> reopened.status.value, entries[1].data["from"]
    ('in_progress', 'resolved')
    >>> citizen_reopening(case, [], at=at + timedelta(days=40), reason="Rupa je i dalje tu.",
    ...                   window_days=30)
    Traceback (most recent call last):
    ...
    civicdesk.domain.citizen_answers.AnswerRefusedError: error.answer_reopen_window_passed
    """
    options = answer_options(case, history, window_days=window_days, now=at)
    if not options.may_reopen:
        raise AnswerRefusedError(*_refusal(case, options))
    entries = [_message(case, at, "reopening", reason, event_id)]
    from .case_changes import reopen_by_citizen

    reopened, status_entry = reopen_by_citizen(case, at=at + timedelta(microseconds=1), actor=WEB_ACTOR)
    assert status_entry is not None  # a resolved case always reopens
    entries.append(status_entry)
    return reopened.with_changes(updated_at=at + timedelta(microseconds=1)), entries


def _refusal(case: Case, options: AnswerOptions) -> tuple[str, str]:
    """The message id (``error.*`` in the catalogues) and the code of a refusal."""
    if case.merged_into or case.deleted:
        return "error.answer_case_merged", "case_merged"
    if case.status is Status.RESOLVED:
        if options.may_reopen:
            return "error.answer_case_resolved", "case_resolved"  # a message: reopen instead
        return "error.answer_reopen_window_passed", "reopen_window_passed"
    if case.status in (Status.CLOSED, Status.CANCELLED):
        return "error.answer_case_closed", "case_closed"
    return "error.answer_case_not_resolved", "case_not_resolved"


def replayed(history, event_id: str | None, kind: str, text: str) -> TimelineEvent | None:
    """The entry a first request with this key wrote, if any; a different request under the
    same key is refused (409 ``error.idempotency_mismatch``)."""
    if not event_id:
        return None
    for entry in history:
        if entry.event_id == event_id and entry.kind is EventKind.MESSAGE_IN:
            if (entry.data or {}).get("request") != request_fingerprint(kind, text):
                raise ConflictError("error.idempotency_mismatch")
            return entry
    return None
