"""Campaigns: a message sent to every member of an audience, by e-mail or SMS, with the delivery
of each one followed and, when it does not arrive, the next channel tried.

A campaign is written in the municipality's languages (each recipient gets their own, else the
default), lists its channels in order of preference, and goes through four eyes before anything
is sent: its author submits it, a supervisor who is not its author approves it. It is then sent
at its time (a one-time schedule) or now, through a queue, at the rate the account allows.

Each recipient moves through *queued* -> *sent* -> *delivered* on one channel; a *bounced* mail
or a *failed* SMS, or no confirmation within the configured time, moves it to its next channel;
with none left it is *unreachable*, and the operators' call list shows it. Every step is kept.

Only the standard library; the states and their rules are pure, the services and adapters do
the rest (``services/campaigns.py``, ``docs/campaigns.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from .audiences import AudienceMember, Channel
from .errors import ConflictError, FieldError, ForbiddenError, InvalidTransitionError, ValidationError


class CampaignState(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a supervisor's approval
    APPROVED = "approved"  # approved, not yet scheduled or sent
    SCHEDULED = "scheduled"  # a one-time schedule will start it at ``send_at``
    SENDING = "sending"  # planned (or being planned) and sending
    COMPLETED = "completed"  # every recipient delivered or unreachable
    CANCELLED = "cancelled"


#: state -> the states a campaign may go to from it.
TRANSITIONS: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.DRAFT: frozenset({CampaignState.SUBMITTED, CampaignState.CANCELLED}),
    CampaignState.SUBMITTED: frozenset({CampaignState.APPROVED, CampaignState.DRAFT,
                                        CampaignState.CANCELLED}),
    CampaignState.APPROVED: frozenset({CampaignState.SCHEDULED, CampaignState.SENDING,
                                       CampaignState.CANCELLED}),
    CampaignState.SCHEDULED: frozenset({CampaignState.SENDING, CampaignState.CANCELLED}),
    CampaignState.SENDING: frozenset({CampaignState.COMPLETED, CampaignState.CANCELLED}),
    CampaignState.COMPLETED: frozenset(),
    CampaignState.CANCELLED: frozenset(),
}


class RecipientState(str, Enum):
    QUEUED = "queued"  # waiting to be sent on its current channel
    SENT = "sent"  # accepted by SES or the SMS service, no delivery confirmed yet
    DELIVERED = "delivered"  # final
    BOUNCED = "bounced"  # a mail bounced (momentarily: the next channel follows)
    FAILED = "failed"  # an SMS failed, or could not be sent (momentarily, likewise)
    UNREACHABLE = "unreachable"  # final: no channel left; on the call list
    CANCELLED = "cancelled"  # final: the campaign was cancelled before it was sent


FINAL_STATES = frozenset({RecipientState.DELIVERED, RecipientState.UNREACHABLE,
                          RecipientState.CANCELLED})


class CallOutcome(str, Enum):
    """What an operator recorded after calling an unreachable recipient."""

    REACHED = "reached"  # told by phone
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    NO_NUMBER = "no_number"  # nothing to call
    VISITED = "visited"  # told in person
    DECLINED = "declined"


#: The channels a campaign can send on (the phone is the call list's, not a sending channel).
SENDING_CHANNELS = (Channel.EMAIL, Channel.SMS)
#: The placeholder a per-recipient link (a survey's) replaces in every text.
LINK_PLACEHOLDER = "{link}"
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
MAX_SUBJECT = 200
MAX_MAIL_BODY = 20_000
MAX_SMS_TEXT = 612  # four GSM-7 parts, or nine UCS-2 parts (SNS takes 1,600 bytes)
MAX_TITLE = 200


@dataclass(frozen=True)
class Message:
    """A campaign's text in one language: the mail's subject and body and the SMS text (each
    needed when the campaign sends on that channel)."""

    subject: str = ""
    mail_body: str = ""
    sms_text: str = ""


@dataclass(frozen=True)
class QuietHours:
    """When no SMS is sent (unless the campaign is urgent), in the municipality's time zone;
    ``start`` after ``end`` spans midnight (21:00-08:00).

    >>> quiet = QuietHours(time(21), time(8))
    >>> zone = ZoneInfo("Europe/Belgrade")
    >>> quiet.until(datetime(2026, 12, 1, 21, 30, tzinfo=zone)).isoformat()
    '2026-12-02T08:00:00+01:00'
    >>> quiet.until(datetime(2026, 12, 1, 12, 0, tzinfo=zone)) is None
    True
    """

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-08:00"``; empty: no quiet hours."""
        text = (text or "").strip()
        if not text:
            return None
        try:
            first, second = text.split("-")
            return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()))
        except ValueError:
            raise ValueError(f"quiet hours must read HH:MM-HH:MM, not {text!r}") from None

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def until(self, local: datetime) -> datetime | None:
        """The end of the quiet hours ``local`` (an aware time in the municipality's zone) lies
        in, ``None`` when it is not quiet."""
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return None
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        naive = datetime.combine(day, self.end)
        return naive.replace(tzinfo=local.tzinfo)


def sms_allowed_at(moment: datetime, quiet: QuietHours | None, zone: str,
                   urgent: bool) -> datetime | None:
    """``None`` when an SMS may go at ``moment`` (UTC), else when it may (UTC)."""
    if urgent or quiet is None:
        return None
    local = moment.astimezone(ZoneInfo(zone))
    until = quiet.until(local)
    if until is None:
        return None
    return until.astimezone(moment.tzinfo)


@dataclass(frozen=True)
class Campaign:
    """A campaign as staff write, approve and follow it.

    ``channels`` in order of preference; ``send_at`` ``None`` means as soon as it is approved and
    sent; ``counts`` are the recipients' counters (``counter_deltas``), kept on the campaign so
    that its progress is one read. ``version`` guards every change by staff.
    """

    campaign_id: str
    title: str
    audience_id: str
    messages: Mapping[str, Message]
    channels: tuple[Channel, ...]
    author: str  # the staff member's username
    created_at: datetime
    updated_at: datetime
    state: CampaignState = CampaignState.DRAFT
    urgent: bool = False
    send_at: datetime | None = None
    survey_id: str | None = None
    version: int = 1
    submitted_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    rejection: str | None = None  # the approver's reason when it went back to draft
    started_at: datetime | None = None
    planned: bool = False  # every recipient written and queued
    planned_count: int = 0
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Still sending or about to: its recipients are sent and followed."""
        return self.state is CampaignState.SENDING

    def can_go(self, target: CampaignState) -> bool:
        return target in TRANSITIONS[self.state]

    def moved(self, target: CampaignState, at: datetime, **changes) -> Campaign:
        if not self.can_go(target):
            raise InvalidTransitionError("error.campaign_invalid_transition",
                                         current=self.state.value, target=target.value)
        return replace(self, state=target, updated_at=at, version=self.version + 1, **changes)

    def message_for(self, language: str, default_language: str) -> tuple[str, Message]:
        """The language a recipient of ``language`` reads and its text: theirs, else the
        municipality's default, else the campaign's first."""
        for candidate in (language, default_language):
            if candidate in self.messages:
                return candidate, self.messages[candidate]
        first = next(iter(self.messages))
        return first, self.messages[first]

    @property
    def total(self) -> int:
        return sum(self.counts.get(f"state#{state.value}", 0) for state in RecipientState)

    @property
    def open_count(self) -> int:
        """Recipients not yet delivered, unreachable or cancelled."""
        return self.total - sum(self.counts.get(f"state#{s.value}", 0) for s in FINAL_STATES)


def validate_content(title: str, audience_id: str, messages: Mapping[str, Message],
                     channels: Iterable[Channel], languages: Iterable[str], *,
                     survey_id: str | None) -> None:
    """Raise ``ValidationError`` listing every problem of a campaign's content: at least one
    language (of the municipality's), one sending channel (each once), the text of every
    channel in every language written, no placeholder but ``{link}``, and ``{link}`` only in a
    campaign that carries a survey."""
    errors: list[FieldError] = []
    channels = tuple(channels)
    allowed = set(languages)
    if not title.strip():
        errors.append(FieldError("title", "required"))
    if not audience_id.strip():
        errors.append(FieldError("audience_id", "required"))
    if not channels:
        errors.append(FieldError("channels", "required"))
    if len(set(channels)) != len(channels):
        errors.append(FieldError("channels", "campaign_duplicate_channel"))
    if any(c not in SENDING_CHANNELS for c in channels):
        errors.append(FieldError("channels", "not_allowed", {"allowed": "email, sms"}))
    if not messages:
        errors.append(FieldError("messages", "required"))
    for language, message in messages.items():
        where = f"messages.{language}"
        if language not in allowed:
            errors.append(FieldError(where, "not_allowed", {"allowed": ", ".join(sorted(allowed))}))
            continue
        needed = []
        if Channel.EMAIL in channels:
            needed += [("subject", message.subject), ("mail_body", message.mail_body)]
        if Channel.SMS in channels:
            needed.append(("sms_text", message.sms_text))
        for name, text in needed:
            if not text.strip():
                errors.append(FieldError(f"{where}.{name}", "required"))
        for name, text in (("subject", message.subject), ("mail_body", message.mail_body),
                           ("sms_text", message.sms_text)):
            for placeholder in _PLACEHOLDER.findall(text):
                if placeholder != LINK_PLACEHOLDER:
                    errors.append(FieldError(f"{where}.{name}", "campaign_unknown_placeholder",
                                             {"placeholder": placeholder}))
                elif survey_id is None:
                    errors.append(FieldError(f"{where}.{name}", "campaign_link_without_survey"))
    if errors:
        raise ValidationError(errors)


def check_editable(campaign: Campaign, author: str) -> None:
    """A draft is changed by its author only (a submitted one goes back to draft first)."""
    if campaign.state is not CampaignState.DRAFT:
        raise ConflictError("error.campaign_not_draft", current_version=campaign.version)
    if campaign.author != author:
        raise ForbiddenError("error.campaign_not_author")


def check_four_eyes(campaign: Campaign, approver: str) -> None:
    """The author never approves (or rejects) their own campaign."""
    if campaign.author == approver:
        raise ForbiddenError("error.campaign_own_approval")


# -- recipients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One recorded step of a recipient: ``state`` on ``channel`` at ``at`` (``detail``: the
    bounce's diagnostic, the failure's reason, an operator's note...)."""

    at: datetime
    state: str
    channel: str | None = None
    detail: str = ""
    message_id: str | None = None


@dataclass(frozen=True)
class Recipient:
    """One member of the audience as the campaign sends to them.

    ``channels`` are the campaign's channels the member can be reached on, in the campaign's
    order; ``position`` the one being tried (``len(channels)``: none left). ``claimed`` the
    channels a message was claimed on (never a second one), ``message_ids`` their ids.
    ``wait_until`` is when the sweep looks at the recipient again: the end of the quiet hours
    for a deferred SMS, the end of the confirmation time for a sent message.
    """

    campaign_id: str
    key: str
    language: str
    channels: tuple[Channel, ...]
    state: RecipientState = RecipientState.QUEUED
    position: int = 0
    name: str = ""
    email: str | None = None
    phone: str | None = None
    area: str | None = None
    unsubscribe_token: str | None = None
    link: str | None = None  # the per-recipient link ``{link}`` becomes (a survey's)
    claimed: tuple[Channel, ...] = ()
    message_ids: Mapping[str, str] = field(default_factory=dict)
    wait_until: datetime | None = None
    steps: tuple[Step, ...] = ()
    call_outcome: CallOutcome | None = None
    call_note: str = ""
    called_by: str | None = None
    called_at: datetime | None = None
    version: int = 1

    @property
    def channel(self) -> Channel | None:
        return self.channels[self.position] if self.position < len(self.channels) else None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    def address(self, channel: Channel) -> str | None:
        return self.email if channel is Channel.EMAIL else self.phone


def recipient_of(campaign: Campaign, member: AudienceMember, default_language: str,
                 link: str | None = None) -> Recipient:
    """The recipient a member becomes: the campaign's channels it has an address for, in the
    campaign's order; none: unreachable at once (the call list has them)."""
    channels = tuple(c for c in campaign.channels if member.address_for(c))
    language, _ = campaign.message_for(member.language, default_language)
    return Recipient(campaign_id=campaign.campaign_id, key=member.key, language=language,
                     channels=channels,
                     state=RecipientState.QUEUED if channels else RecipientState.UNREACHABLE,
                     name=member.name, email=member.email if Channel.EMAIL in channels else None,
                     phone=member.phone, area=member.area,
                     unsubscribe_token=member.unsubscribe_token, link=link)


def step(recipient: Recipient, at: datetime, state: RecipientState, *, detail: str = "",
         message_id: str | None = None, **changes) -> Recipient:
    """``recipient`` in ``state``, the step recorded, on its current channel."""
    channel = recipient.channel
    entry = Step(at, state.value, channel.value if channel else None, detail, message_id)
    return replace(recipient, state=state, steps=(*recipient.steps, entry),
                   version=recipient.version + 1, **changes)


def claim(recipient: Recipient, channel: Channel) -> Recipient:
    """The recipient with a message on ``channel`` claimed; raises ``ConflictError`` when one
    was claimed already (the adapter's conditional write says the same across processes)."""
    if channel in recipient.claimed:
        raise ConflictError("error.campaign_already_claimed")
    return replace(recipient, claimed=(*recipient.claimed, channel))


def sent(recipient: Recipient, at: datetime, message_id: str, confirm_by: datetime) -> Recipient:
    channel = recipient.channel
    assert channel is not None
    return step(recipient, at, RecipientState.SENT, message_id=message_id, wait_until=confirm_by,
                message_ids={**recipient.message_ids, channel.value: message_id})


def delivered(recipient: Recipient, at: datetime, detail: str = "") -> Recipient:
    return step(recipient, at, RecipientState.DELIVERED, detail=detail, wait_until=None)


def deferred(recipient: Recipient, at: datetime, until: datetime) -> Recipient:
    """Quiet hours: the SMS waits for the morning (still queued)."""
    return step(recipient, at, RecipientState.QUEUED, detail="quiet_hours", wait_until=until)


def fell_through(recipient: Recipient, at: datetime, state: RecipientState,
                 detail: str) -> Recipient:
    """The current channel did not reach the recipient (``state``: bounced, failed, or sent
    without confirmation): the step recorded, then the next channel queued, or unreachable."""
    if state is RecipientState.SENT:  # sent, never confirmed: recorded as such, not as a send
        entry = Step(at, "unconfirmed", recipient.channel.value if recipient.channel else None, detail)
        failed = replace(recipient, steps=(*recipient.steps, entry), version=recipient.version + 1)
    else:
        failed = step(recipient, at, state, detail=detail)
    following = replace(failed, position=recipient.position + 1, wait_until=None)
    if following.channel is None:
        return step(following, at, RecipientState.UNREACHABLE)
    return step(following, at, RecipientState.QUEUED, detail="fallback")


def cancelled(recipient: Recipient, at: datetime) -> Recipient:
    return step(recipient, at, RecipientState.CANCELLED, wait_until=None)


def called(recipient: Recipient, at: datetime, outcome: CallOutcome, note: str,
           operator: str) -> Recipient:
    """An operator's call recorded (the recipient stays unreachable; ``reached`` and
    ``visited`` count as told in the report)."""
    if recipient.state is not RecipientState.UNREACHABLE:
        raise ConflictError("error.campaign_not_unreachable")
    entry = Step(at, "call", Channel.PHONE.value, f"{outcome.value}: {note}".rstrip(": "))
    return replace(recipient, call_outcome=outcome, call_note=note, called_by=operator,
                   called_at=at, steps=(*recipient.steps, entry), version=recipient.version + 1)


# -- counters ------------------------------------------------------------------------------


def counter_deltas(before: Recipient | None, after: Recipient) -> dict[str, int]:
    """What a recipient's change adds to the campaign's counters: its state, by language and
    area moved (``state#``, ``language#<l>#``, ``area#<a>#``), and the channel's event counted
    (``channel#<c>#<state>``: sent, delivered, bounced, failed on that channel).

    >>> from datetime import timezone
    >>> at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    >>> r = Recipient("c1", "k", "en", (Channel.EMAIL,), area="centre")
    >>> counter_deltas(None, r)["state#queued"], counter_deltas(r, sent(r, at, "m", at))
    (1, {'state#queued': -1, 'state#sent': 1, 'language#en#queued': -1, 'language#en#sent': 1, \
'area#centre#queued': -1, 'area#centre#sent': 1, 'channel#email#sent': 1})
    """
    deltas: dict[str, int] = {}

    def add(key: str, value: int) -> None:
        deltas[key] = deltas.get(key, 0) + value

    area = after.area or "-"
    if before is None or before.state is not after.state:
        for prefix in ("state#", f"language#{after.language}#", f"area#{area}#"):
            if before is not None:
                add(f"{prefix}{before.state.value}", -1)
            add(f"{prefix}{after.state.value}", 1)
    new_steps = after.steps[len(before.steps):] if before is not None else after.steps
    for entry in new_steps:
        if entry.channel and entry.state in ("sent", "delivered", "bounced", "failed"):
            add(f"channel#{entry.channel}#{entry.state}", 1)
    if before is not None and before.call_outcome is not after.call_outcome:
        if before.call_outcome is not None:
            add(f"call#{before.call_outcome.value}", -1)
        if after.call_outcome is not None:
            add(f"call#{after.call_outcome.value}", 1)
    return {key: value for key, value in deltas.items() if value}


def grouped_counts(counts: Mapping[str, int]) -> dict[str, dict]:
    """The flat counters as the report shows them: ``{"state": {...}, "channel": {"email":
    {...}}, "language": {"en": {...}}, "area": {...}, "call": {...}}``."""
    grouped: dict[str, dict] = {"state": {}, "channel": {}, "language": {}, "area": {}, "call": {}}
    for key, value in counts.items():
        parts = key.split("#")
        if parts[0] in ("state", "call") and len(parts) == 2:
            grouped[parts[0]][parts[1]] = value
        elif parts[0] in ("channel", "language", "area") and len(parts) == 3:
            grouped[parts[0]].setdefault(parts[1], {})[parts[2]] = value
    return grouped
