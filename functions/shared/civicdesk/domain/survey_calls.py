"""Phone surveys: the call list operators work, and its retry rules.

Every member of the survey's audience with a phone number is one *call*. The console serves each
operator the next call due (``next_order``): call-backs whose time has come first, by their
time, then the others by the time they are due. An operator *claims* a call for a while
(``CallRules.claim_for``); a claim not finished in time lapses and the call is due again. The
outcome of a call decides what follows (``after_outcome``):

- answered: the respondent's answers are recorded; the call is done;
- refused, wrong number: done, never called again;
- no answer, busy: another attempt at least ``retry_after`` later, inside the municipality's
  working hours, up to ``max_attempts`` in all; then the member is unreached;
- call back at a time the citizen asked: due at that time (inside working hours), ahead of the
  others then; at most ``max_call_backs`` times.

Standard library only; the calendar is the municipality's ``OfficeCalendar``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from msgspec import Struct
from msgspec.structs import replace

from .calendar import OfficeCalendar
from .errors import FieldError


class CallOutcome(str, Enum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    REFUSED = "refused"
    CALL_BACK = "call_back"


class CallState(str, Enum):
    WAITING = "waiting"  # due at ``due_at`` (claimed, while ``claimed_until`` lies ahead)
    COMPLETED = "completed"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"
    UNREACHED = "unreached"  # every attempt went unanswered


FINAL_STATES = (CallState.COMPLETED, CallState.REFUSED, CallState.WRONG_NUMBER, CallState.UNREACHED)


class Lane(str, Enum):
    """The two queues of a call list, read in this order."""

    CALL_BACK = "1"
    REGULAR = "2"


class CallRules(Struct, frozen=True):
    max_attempts: int = 3
    retry_after: timedelta = timedelta(hours=2)
    claim_for: timedelta = timedelta(minutes=15)
    max_call_backs: int = 3
    call_back_horizon: timedelta = timedelta(days=30)


DEFAULT_RULES = CallRules()


class Attempt(Struct, frozen=True):
    at: datetime
    outcome: CallOutcome
    by: str
    call_back_at: datetime | None = None


class Call(Struct, frozen=True):
    survey_id: str
    member_key: str
    phone: str
    language: str
    name: str = ""
    area: str | None = None
    state: CallState = CallState.WAITING
    due_at: datetime | None = None
    lane: Lane = Lane.REGULAR
    attempts: int = 0  # calls that reached no one (no answer, busy)
    call_backs: int = 0
    claimed_by: str | None = None
    claim_id: str | None = None
    claimed_until: datetime | None = None
    history: tuple[Attempt, ...] = ()

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES

    def queued_at(self) -> datetime | None:
        """When the call is next served: its due time, or the end of a claim on it; ``None``
        when it is done (out of the queue)."""
        if self.done:
            return None
        if self.claimed_until is not None and self.due_at is not None:
            return max(self.claimed_until, self.due_at)
        return self.claimed_until or self.due_at


def next_order(calls: list[Call], now: datetime) -> list[Call]:
    """The calls due at ``now`` in the order operators get them: call-backs first, by their
    time, then the others by due time; a claimed call only once its claim lapsed.

    >>> from datetime import timezone
    >>> t = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    >>> calls = [Call("s", "a", "+1", "en", due_at=t - timedelta(hours=3)),
    ...          Call("s", "b", "+2", "en", due_at=t - timedelta(minutes=5), lane=Lane.CALL_BACK),
    ...          Call("s", "c", "+3", "en", due_at=t + timedelta(minutes=5), lane=Lane.CALL_BACK)]
    >>> [c.member_key for c in next_order(calls, t)]
    ['b', 'a']
    """
    due = [c for c in calls if (c.queued_at() or now + timedelta(days=1)) <= now]
    return sorted(due, key=lambda c: (c.lane.value, c.queued_at(), c.member_key))


def claim(call: Call, operator: str, claim_id: str, now: datetime, rules: CallRules = DEFAULT_RULES) -> Call:
    return replace(call, claimed_by=operator, claim_id=claim_id, claimed_until=now + rules.claim_for)


def call_back_errors(at: datetime | None, now: datetime, calendar: OfficeCalendar,
                     rules: CallRules = DEFAULT_RULES) -> list[FieldError]:
    """What is wrong with a call-back time: missing, past, too far ahead, outside working hours."""
    if at is None:
        return [FieldError("call_back_at", "required")]
    if at <= now:
        return [FieldError("call_back_at", "survey_not_in_future")]
    if at > now + rules.call_back_horizon:
        return [FieldError("call_back_at", "survey_too_far", {"days": rules.call_back_horizon.days})]
    if not calendar.is_open(at):
        return [FieldError("call_back_at", "survey_outside_working_hours")]
    return []


def _retry_time(now: datetime, calendar: OfficeCalendar, rules: CallRules) -> datetime:
    earliest = now + rules.retry_after
    return calendar.next_opening(earliest) or earliest


def after_outcome(call: Call, outcome: CallOutcome, by: str, now: datetime, calendar: OfficeCalendar,
                  rules: CallRules = DEFAULT_RULES, call_back_at: datetime | None = None) -> Call:
    """The call after an operator recorded ``outcome``: its state, its next due time and lane,
    the claim released, the attempt in its history.

    >>> from datetime import timezone
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "UTC")
    >>> t = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)  # a Tuesday, an hour before closing
    >>> later = after_outcome(Call("s", "k", "+1", "en", due_at=t), CallOutcome.BUSY, "ana", t, cal)
    >>> later.state.value, later.attempts, later.due_at.isoformat()
    ('waiting', 1, '2026-12-02T08:00:00+00:00')
    """
    attempt = Attempt(now, outcome, by, call_back_at if outcome is CallOutcome.CALL_BACK else None)
    released = replace(call, claimed_by=None, claim_id=None, claimed_until=None,
                       history=(*call.history, attempt))
    if outcome is CallOutcome.ANSWERED:
        return replace(released, state=CallState.COMPLETED, due_at=None)
    if outcome is CallOutcome.REFUSED:
        return replace(released, state=CallState.REFUSED, due_at=None)
    if outcome is CallOutcome.WRONG_NUMBER:
        return replace(released, state=CallState.WRONG_NUMBER, due_at=None)
    if outcome is CallOutcome.CALL_BACK:
        if call_back_at is None:
            raise ValueError("a call-back needs its time")
        return replace(released, due_at=call_back_at, lane=Lane.CALL_BACK,
                       call_backs=call.call_backs + 1)
    attempts = call.attempts + 1
    if attempts >= rules.max_attempts:
        return replace(released, attempts=attempts, state=CallState.UNREACHED, due_at=None)
    return replace(released, attempts=attempts, lane=Lane.REGULAR,
                   due_at=_retry_time(now, calendar, rules))


def outcome_errors(call: Call, outcome: CallOutcome, rules: CallRules = DEFAULT_RULES) -> list[FieldError]:
    """An outcome the call cannot take: a call-back beyond ``max_call_backs``."""
    if outcome is CallOutcome.CALL_BACK and call.call_backs >= rules.max_call_backs:
        return [FieldError("outcome", "survey_too_many_call_backs", {"max": rules.max_call_backs})]
    return []
