"""A campaign's recipients: the steps each one goes through on its channels (queued, claimed,
sent, delivered, deferred, fallen through to the next channel, cancelled, called) and the
campaign's counters those steps move. Pure; the campaign itself is ``domain/campaigns.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Mapping

from msgspec import Struct, field
from msgspec.structs import replace

from .audiences import AudienceMember, Channel
from .campaigns import FINAL_STATES, CallOutcome, Campaign, RecipientState
from .errors import ConflictError

__all__ = ["Step", "Recipient", "recipient_of", "step", "claim", "sent", "delivered", "deferred",
           "fell_through", "cancelled", "called", "counter_deltas", "grouped_counts"]

# -- recipients ------------------------------------------------------------------------------


class Step(Struct, frozen=True):
    """One recorded step of a recipient: ``state`` on ``channel`` at ``at`` (``detail``: the
    bounce's diagnostic, the failure's reason, an operator's note...)."""

    at: datetime
    state: str
    channel: str | None = None
    detail: str = ""
    message_id: str | None = None


class Recipient(Struct, frozen=True):
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
