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
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from msgspec import Struct, field
from msgspec.structs import replace

from .audiences import Channel
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


class Message(Struct, frozen=True):
    """A campaign's text in one language: the mail's subject and body and the SMS text (each
    needed when the campaign sends on that channel)."""

    subject: str = ""
    mail_body: str = ""
    sms_text: str = ""


class QuietHours(Struct, frozen=True):
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


class Campaign(Struct, frozen=True):
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



# The recipients' steps and counters (``campaign_recipients.py``) are part of this module's names.
from .campaign_recipients import *  # noqa: E402,F401,F403
