"""What an incoming SMS becomes: the context an interpreter sees, the decisions, and the ordered
chain of interpreters (``docs/sms.md``, "What an SMS becomes").

Each step looks at the message and its ``SmsContext`` and returns a decision or ``None`` (not
mine, ask the next one). A later step is added by name with ``insert_before`` (a survey's digit
answers go before ``pending_question``); the last step (``case_message``) always decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from msgspec import Struct, field

from .sms import find_case_number
from .sms_keywords import Keyword, keyword_of, language_of

if TYPE_CHECKING:
    from .inbound_sms import InboundSms

#: How long a question "which case?" waits for its digit.
PENDING_TTL = timedelta(hours=24)
#: How many times a question is asked before the kept text opens a case of its own.
MAX_ASKS = 2
#: The most open cases offered in one question (more would not fit an SMS).
MAX_CHOICES = 5


class OpenCase(Struct, frozen=True):
    """One of the sender's open cases, as the question lists it."""

    number: str
    category: str
    language: str
    created_at: datetime


class KeptMessage(Struct, frozen=True):
    """An SMS kept while its sender chooses a case."""

    message_id: str
    text: str
    at: datetime


class PendingQuestion(Struct, frozen=True):
    """A question "which case?" put to a number: the kept messages, the numbered choices, how
    many times it was asked, when it lapses."""

    phone: str
    messages: tuple[KeptMessage, ...]
    choices: tuple[str, ...]  # case numbers, in the order offered (1, 2, ...)
    asked: int
    expires_at: datetime
    language: str

    def lapsed(self, now: datetime) -> bool:
        return now >= self.expires_at


class SmsContext(Struct, frozen=True):
    """What an interpreter may consult: who sent it, whether it came from ourselves, the number's
    opt-out, its open cases (newest first), a pending question; ``facts`` holds what steps added
    later need (their loaders fill it, ``services.sms_intake``)."""

    now: datetime
    own_numbers: frozenset[str]
    languages: tuple[str, ...]
    default_language: str
    opted_out: bool = False
    open_cases: tuple[OpenCase, ...] = ()
    pending: PendingQuestion | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)


# -- decisions -----------------------------------------------------------------------------------

class QuarantineReason(str, Enum):
    UNREADABLE = "unreadable"
    OWN_NUMBER = "own_number"  # our own SMS came back (a loop): no case, no reply


class Quarantine(Struct, frozen=True):
    reason: QuarantineReason


class OptOut(Struct, frozen=True):
    """``STOP``: the number goes on the suppression list; one confirmation."""

    language: str


class OptIn(Struct, frozen=True):
    """``START``: the number's opt-out is lifted; one confirmation."""

    language: str


class Help(Struct, frozen=True):
    """``HELP``: what this number is and how to stop (answered even to an opted-out number)."""

    language: str


class OpenNewCase(Struct, frozen=True):
    """A new case of the message (and of any kept ones, whose question then ends)."""

    text: str
    language: str
    kept: tuple[KeptMessage, ...] = ()
    reason: str = "no_open_case"


class AddToCase(Struct, frozen=True):
    """The message (or the kept ones, when it answered the question) on an open case."""

    number: str
    kept: tuple[KeptMessage, ...] = ()
    reason: str = "only_open_case"


class AskWhichCase(Struct, frozen=True):
    """Keep the messages and ask which of ``choices`` they are about (``asked``: the how-many-th
    time)."""

    choices: tuple[OpenCase, ...]
    kept: tuple[KeptMessage, ...]
    asked: int
    language: str


Decision = Quarantine | OptOut | OptIn | Help | OpenNewCase | AddToCase | AskWhichCase | Any
#: One step of the chain: a decision, or ``None`` to let the next step decide.
Interpreter = Callable[["InboundSms", SmsContext], Any]


class Step(Struct, frozen=True):
    name: str
    interpret: Interpreter


def own_number(sms: InboundSms, context: SmsContext) -> Quarantine | None:
    """Our own number as the sender: an SMS of ours come back; never answered."""
    if sms.sender in context.own_numbers or sms.sender == sms.recipient:
        return Quarantine(QuarantineReason.OWN_NUMBER)
    return None


def keyword(sms: InboundSms, context: SmsContext) -> OptOut | OptIn | Help | None:
    """``STOP``, ``START``, ``HELP`` in any of the five languages (the whole text is the word)."""
    found = keyword_of(sms.body, context.languages, context.default_language)
    if found is None:
        return None
    word, language = found
    if word is Keyword.STOP:
        return OptOut(language)
    return OptIn(language) if word is Keyword.START else Help(language)


def pending_question(sms: InboundSms, context: SmsContext) -> AddToCase | AskWhichCase | OpenNewCase | None:
    """The answer to a question "which case?": a valid digit (or one of the case numbers
    offered) adds the kept messages to that case; anything else asks once more, then opens a
    new case with everything kept, so that nothing is lost."""
    pending = context.pending
    if pending is None or pending.lapsed(context.now) or not pending.choices:
        return None
    choice = _chosen(sms.body, pending.choices)
    if choice is not None:
        return AddToCase(choice, kept=pending.messages, reason="answered_question")
    kept = pending.messages + (KeptMessage(sms.message_id, sms.body, context.now),)
    if pending.asked < MAX_ASKS:
        by_number = {c.number: c for c in context.open_cases}
        choices = tuple(by_number[n] for n in pending.choices if n in by_number)
        if choices:
            return AskWhichCase(choices, kept, pending.asked + 1, pending.language)
    return OpenNewCase("\n\n".join(m.text for m in kept if m.text), pending.language,
                       kept=kept, reason="question_unanswered")


def case_message(sms: InboundSms, context: SmsContext) -> OpenNewCase | AddToCase | AskWhichCase:
    """A message for a case: no open case opens one; one open case takes it; one of several
    named by its number takes it; else the sender is asked which, numbered (a number that
    answered STOP, which gets no question, opens a case instead)."""
    cases = context.open_cases
    if not cases:
        return OpenNewCase(sms.body, language_of(sms.body, context.languages,
                                                 context.default_language))
    if len(cases) == 1:
        return AddToCase(cases[0].number)
    named = find_case_number(sms.body)
    if named and any(c.number == named for c in cases):
        return AddToCase(named, reason="case_number_in_text")
    language = language_of(sms.body, context.languages, cases[0].language)
    if context.opted_out:
        # A number that answered STOP gets no question, so it could never answer one: a case
        # of its own (staff merge it if it belongs to another), never a guess.
        return OpenNewCase(sms.body, language, reason="several_open_cases_opted_out")
    return AskWhichCase(cases[:MAX_CHOICES], (KeptMessage(sms.message_id, sms.body, context.now),),
                        1, language)


#: The chain, in order. ``case_message`` always decides, so it stays last.
DEFAULT_CHAIN: tuple[Step, ...] = (
    Step("own_number", own_number),
    Step("keyword", keyword),
    Step("pending_question", pending_question),
    Step("case_message", case_message),
)


def insert_before(chain: Sequence[Step], name: str, step: Step) -> tuple[Step, ...]:
    """``chain`` with ``step`` before the step called ``name``.

    Examples
    --------
    >>> chain = insert_before(DEFAULT_CHAIN, "pending_question", Step("survey", lambda s, c: None))
    >>> [s.name for s in chain]
    ['own_number', 'keyword', 'survey', 'pending_question', 'case_message']
    """
    names = [s.name for s in chain]
    if name not in names:
        raise ValueError(f"no step {name!r} in the chain ({', '.join(names)})")
    if step.name in names:
        raise ValueError(f"the chain has a step {step.name!r} already")
    at = names.index(name)
    return (*chain[:at], step, *chain[at:])


def decide(sms: InboundSms, context: SmsContext, chain: Sequence[Step] = DEFAULT_CHAIN) -> Any:
    """The first decision of the chain's steps, in order.

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.inbound_sms import InboundSms
    >>> now = datetime(2026, 12, 1, 19, 0, tzinfo=timezone.utc)
    >>> context = SmsContext(now, frozenset({"+381600000000"}), ("sr-Latn", "en"), "sr-Latn")
    >>> sms = InboundSms("id-1", "+381641234567", "+381600000000", "Rupa u ulici")
    >>> decide(sms, context)
    OpenNewCase(text='Rupa u ulici', language='sr-Latn', kept=(), reason='no_open_case')
    """
    for step in chain:
        decision = step.interpret(sms, context)
        if decision is not None:
            return decision
    raise LookupError("no step of the chain decided (case_message must stay last)")


def _chosen(body: str, choices: Sequence[str]) -> str | None:
    """The case a reply chooses: its digit (``2``, ``2.``, ``#2``) or its number."""
    text = body.strip().strip(".)#:").strip()
    if text.isdigit() and text.isascii():
        index = int(text)
        return choices[index - 1] if 1 <= index <= len(choices) else None
    named = find_case_number(body)
    return named if named in choices else None
