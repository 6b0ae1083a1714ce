"""Incoming SMS: the message AWS End User Messaging SMS publishes, read strictly, and what it
becomes, decided by an ordered chain of interpreters (``docs/sms.md``).

When a citizen texts the municipality's number, End User Messaging SMS (``pinpoint-sms-voice-v2``
two-way messaging) publishes one JSON document to the stack's SNS topic, delivered raw to a queue::

    {"originationNumber": "+381641234567", "destinationNumber": "+381600000000",
     "messageKeyword": "KEYWORD_...", "messageBody": "Rupa u ulici ...",
     "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
     "previousPublishedMessageId": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

The service delivers no media: two-way MMS is not supported, so a photo never arrives this way.

The decision is a chain of interpreters (``DEFAULT_CHAIN``): each looks at the message and its
``SmsContext`` and returns a decision or ``None`` (not mine, ask the next one). A later step is
added by name with ``insert_before`` (a survey's digit answers go before ``pending_question``);
the last step (``case_message``) always decides.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Callable, Mapping, Sequence

from .sms import find_case_number, is_e164

#: The longest text kept from one SMS (a concatenated SMS is at most a few thousand characters).
MAX_SMS_TEXT = 5000
#: How long a question "which case?" waits for its digit.
PENDING_TTL = timedelta(hours=24)
#: How many times a question is asked before the kept text opens a case of its own.
MAX_ASKS = 2
#: The most open cases offered in one question (more would not fit an SMS).
MAX_CHOICES = 5

_MESSAGE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,200}")
_SHORT_CODE = re.compile(r"\d{3,8}")
_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ._-]{1,11}")


class UnreadableSms(ValueError):
    """A record that is not an inbound SMS of End User Messaging; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundSms:
    """One SMS a citizen sent to one of our numbers."""

    message_id: str  # inboundMessageId: unique per incoming message
    sender: str  # originationNumber: E.164, a short code or an alphanumeric id
    recipient: str  # destinationNumber: our number
    body: str
    keyword: str | None = None  # messageKeyword: the registered keyword it matched, if any
    previous_message_id: str | None = None  # previousPublishedMessageId: what it answers


def parse_inbound_sms(document: str | bytes | Mapping) -> InboundSms:
    """The SMS of one record (the raw JSON End User Messaging publishes, or the same wrapped in
    an SNS notification when the subscription is not raw).

    Raises
    ------
    UnreadableSms
        Not JSON, not an object, or a required field missing or of the wrong shape.

    Examples
    --------
    >>> sms = parse_inbound_sms('{"originationNumber": "+381641234567", '
    ...     '"destinationNumber": "+381600000000", "messageKeyword": "KEYWORD_1", '
    ...     '"messageBody": "Rupa", "inboundMessageId": "abc-1"}')
    >>> sms.sender, sms.body, sms.keyword
    ('+381641234567', 'Rupa', 'KEYWORD_1')
    >>> parse_inbound_sms('{"messageBody": "x"}')
    Traceback (most recent call last):
    ...
    civicdesk.domain.inbound_sms.UnreadableSms: missing:inboundMessageId
    """
    if isinstance(document, (str, bytes)):
        try:
            value: Any = json.loads(document)
        except (ValueError, UnicodeDecodeError):
            raise UnreadableSms("not_json") from None
    else:
        value = document
    if not isinstance(value, Mapping):
        raise UnreadableSms("not_an_object")
    if value.get("Type") == "Notification" and isinstance(value.get("Message"), str):
        return parse_inbound_sms(value["Message"])  # an SNS envelope (a subscription not raw)

    def text(name: str, required: bool = True) -> str | None:
        found = value.get(name)
        if found is None:
            if required:
                raise UnreadableSms(f"missing:{name}")
            return None
        if not isinstance(found, str):
            raise UnreadableSms(f"not_text:{name}")
        return found

    message_id = (text("inboundMessageId") or "").strip()
    if not _MESSAGE_ID.fullmatch(message_id):
        raise UnreadableSms("bad:inboundMessageId")
    sender = (text("originationNumber") or "").strip()
    if not sender:
        raise UnreadableSms("bad:originationNumber")
    recipient = (text("destinationNumber") or "").strip()
    if not recipient:
        raise UnreadableSms("bad:destinationNumber")
    body = text("messageBody")
    assert body is not None
    return InboundSms(message_id=message_id, sender=sender, recipient=recipient,
                      body=body.replace("\r\n", "\n").strip()[:MAX_SMS_TEXT],
                      keyword=(text("messageKeyword", False) or None),
                      previous_message_id=(text("previousPublishedMessageId", False) or None))


class SenderKind(str, Enum):
    NUMBER = "number"  # a phone number in E.164: a person, who may get a reply
    SHORT_CODE = "short_code"  # a service's short number: a machine
    ALPHANUMERIC = "alphanumeric"  # a named sender: a bank, a carrier, a machine
    UNKNOWN = "unknown"


def sender_kind(sender: str) -> SenderKind:
    """What kind of sender ``sender`` is; only a ``NUMBER`` ever gets a reply.

    Examples
    --------
    >>> [sender_kind(s).value for s in ("+381641234567", "1234", "Telekom", "+12")]
    ['number', 'short_code', 'alphanumeric', 'unknown']
    """
    if is_e164(sender):
        return SenderKind.NUMBER
    if _SHORT_CODE.fullmatch(sender.lstrip("+")):
        return SenderKind.SHORT_CODE
    if _ALPHANUMERIC.fullmatch(sender):
        return SenderKind.ALPHANUMERIC
    return SenderKind.UNKNOWN


# -- keywords ------------------------------------------------------------------------------------

class Keyword(str, Enum):
    STOP = "stop"  # no more alerts, campaigns or notifications by SMS to this number
    START = "start"  # undo STOP
    HELP = "help"  # what this number is and how to stop


#: The words of each keyword, folded (``fold_keyword``), with the language each one says the
#: citizen writes in (``None``: the same in several languages).
KEYWORDS: dict[str, tuple[Keyword, str | None]] = {
    **{w: (Keyword.STOP, "en") for w in ("STOP ALL", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
                                         "QUIT", "OPTOUT", "OPT OUT", "REVOKE")},
    "STOP": (Keyword.STOP, None),
    **{w: (Keyword.STOP, "sr-Latn") for w in ("ODJAVA", "ODJAVI", "ODJAVI ME")},
    **{w: (Keyword.STOP, "sr-Cyrl") for w in ("ОДЈАВА", "ОДЈАВИ", "ОДЈАВИ МЕ")},
    "СТОП": (Keyword.STOP, None),
    **{w: (Keyword.STOP, "bg") for w in ("ОТПИСВАНЕ", "ОТПИШИ", "ОТПИШИ МЕ")},
    **{w: (Keyword.STOP, "cs") for w in ("ODHLASIT", "ODHLASENI", "KONEC", "ZRUSIT")},
    **{w: (Keyword.START, "en") for w in ("START", "UNSTOP", "SUBSCRIBE")},
    **{w: (Keyword.START, "sr-Latn") for w in ("PRIJAVA", "PRIJAVI", "PRIJAVI ME")},
    **{w: (Keyword.START, "sr-Cyrl") for w in ("ПРИЈАВА", "ПРИЈАВИ", "ПРИЈАВИ МЕ")},
    "СТАРТ": (Keyword.START, None),
    **{w: (Keyword.START, "bg") for w in ("АБОНИРАНЕ", "АБОНИРАЙ")},
    **{w: (Keyword.START, "cs") for w in ("PRIHLASIT", "PRIHLASENI")},
    **{w: (Keyword.HELP, "en") for w in ("HELP", "INFO")},
    **{w: (Keyword.HELP, "sr-Latn") for w in ("POMOC", "POMOCI")},
    "ПОМОЋ": (Keyword.HELP, "sr-Cyrl"),
    "ПОМОЩ": (Keyword.HELP, "bg"),
    **{w: (Keyword.HELP, "cs") for w in ("NAPOVEDA",)},
}
#: ``POMOC`` is Serbian Latin (``pomoć``) and Czech (``pomoc``) alike.
_SHARED_LATIN = {"POMOC": ("sr-Latn", "cs")}


def fold_keyword(text: str) -> str:
    """``text`` as keywords are compared: upper case, Latin diacritics gone (``odhlásit`` ->
    ``ODHLASIT``, ``pomoć`` -> ``POMOC``), Cyrillic kept, punctuation around and inside
    dropped, spaces collapsed.

    Examples
    --------
    >>> fold_keyword("  Odhlásit! "), fold_keyword("стоп."), fold_keyword("Stop  all")
    ('ODHLASIT', 'СТОП', 'STOP ALL')
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.strip()):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue  # a Latin letter's diacritic; Cyrillic Й and Ё keep theirs
        out.append(ch)
    folded = unicodedata.normalize("NFC", "".join(out)).upper().replace("Đ", "D")
    folded = re.sub(r"[^\w ]", "", folded)
    return " ".join(folded.split())


def keyword_of(body: str, languages: Sequence[str], default_language: str
               ) -> tuple[Keyword, str] | None:
    """The keyword the whole of ``body`` is, and the language to answer it in (the keyword's,
    when the municipality offers it, else its default); ``None`` when it is no keyword.

    Examples
    --------
    >>> keyword_of("Odjava", ("sr-Cyrl", "sr-Latn", "en"), "sr-Cyrl")
    (<Keyword.STOP: 'stop'>, 'sr-Latn')
    >>> keyword_of("STOP", ("sr-Cyrl", "en"), "sr-Cyrl")
    (<Keyword.STOP: 'stop'>, 'sr-Cyrl')
    >>> keyword_of("stop the works in my street", ("en",), "en") is None
    True
    """
    folded = fold_keyword(body)
    found = KEYWORDS.get(folded)
    if found is None:
        return None
    keyword, language = found
    if language is None:  # STOP, СТОП, СТАРТ: the script says what it can
        if folded.isascii() or default_language in ("sr-Cyrl", "bg"):
            return keyword, default_language
        return keyword, next((lang for lang in ("sr-Cyrl", "bg") if lang in languages),
                             default_language)
    for candidate in _SHARED_LATIN.get(folded, (language,)):
        if candidate in languages:
            return keyword, candidate
    return keyword, default_language


def language_of(text: str, languages: Sequence[str], default_language: str) -> str:
    """The language a citizen's SMS is answered in: Serbian Cyrillic for Cyrillic text where
    the municipality speaks Serbian, Czech for Czech letters, Serbian Latin for its own; else
    the municipality's default.

    Examples
    --------
    >>> langs = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
    >>> language_of("Рупа на путу", langs, "sr-Latn"), language_of("Díra v silnici ř", langs, "sr-Cyrl")
    ('sr-Cyrl', 'cs')
    >>> language_of("Rupa kod škole, đubre", langs, "sr-Cyrl"), language_of("hello", langs, "bg")
    ('sr-Latn', 'bg')
    """
    def offered(language: str) -> bool:
        return language in languages

    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        if any(ch in "ЂЋЉЊЏђћљњџЈј" for ch in text) and offered("sr-Cyrl"):
            return "sr-Cyrl"
        if any(ch in "ЪъЩщЮюЯяЬь" for ch in text) and offered("bg"):
            return "bg"
        if default_language in ("sr-Cyrl", "bg"):
            return default_language
        return "sr-Cyrl" if offered("sr-Cyrl") else "bg" if offered("bg") else default_language
    if any(ch in "řŘěĚůŮ" for ch in text) and offered("cs"):
        return "cs"
    if any(ch in "đĐćĆ" for ch in text) and offered("sr-Latn"):
        return "sr-Latn"
    return default_language


# -- the context an interpreter sees -------------------------------------------------------------

@dataclass(frozen=True)
class OpenCase:
    """One of the sender's open cases, as the question lists it."""

    number: str
    category: str
    language: str
    created_at: datetime


@dataclass(frozen=True)
class KeptMessage:
    """An SMS kept while its sender chooses a case."""

    message_id: str
    text: str
    at: datetime


@dataclass(frozen=True)
class PendingQuestion:
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


@dataclass(frozen=True)
class SmsContext:
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


@dataclass(frozen=True)
class Quarantine:
    reason: QuarantineReason


@dataclass(frozen=True)
class OptOut:
    """``STOP``: the number goes on the suppression list; one confirmation."""

    language: str


@dataclass(frozen=True)
class OptIn:
    """``START``: the number's opt-out is lifted; one confirmation."""

    language: str


@dataclass(frozen=True)
class Help:
    """``HELP``: what this number is and how to stop (answered even to an opted-out number)."""

    language: str


@dataclass(frozen=True)
class OpenNewCase:
    """A new case of the message (and of any kept ones, whose question then ends)."""

    text: str
    language: str
    kept: tuple[KeptMessage, ...] = ()
    reason: str = "no_open_case"


@dataclass(frozen=True)
class AddToCase:
    """The message (or the kept ones, when it answered the question) on an open case."""

    number: str
    kept: tuple[KeptMessage, ...] = ()
    reason: str = "only_open_case"


@dataclass(frozen=True)
class AskWhichCase:
    """Keep the messages and ask which of ``choices`` they are about (``asked``: the how-many-th
    time)."""

    choices: tuple[OpenCase, ...]
    kept: tuple[KeptMessage, ...]
    asked: int
    language: str


Decision = Quarantine | OptOut | OptIn | Help | OpenNewCase | AddToCase | AskWhichCase | Any
#: One step of the chain: a decision, or ``None`` to let the next step decide.
Interpreter = Callable[[InboundSms, SmsContext], Any]


@dataclass(frozen=True)
class Step:
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
