"""Sending a campaign: the planner writes the recipients and queues them, the sender sends each
one's message (at most once per channel), the feedback records what SES and the SMS service
report, the sweep moves the unconfirmed to their next channel and finishes the campaign
(``docs/campaigns.md``, "Sending").

At most once per channel: before a message goes, its ``(recipient, channel)`` is claimed with a
conditional write; a claim is never taken twice, so a repeated queue message, a retried batch
or a sender that crashed after sending cannot send again. A claim whose sending was never
recorded (a crash between the two) is treated as sent and unconfirmed: the recipient moves on
to its next channel when the confirmation time is over.
"""

from __future__ import annotations

import logging
import time as _time
from datetime import datetime, timedelta
from typing import Callable, Iterable, Sequence

from msgspec import Struct

from ..domain import campaigns as dc
from ..domain.audiences import Channel
from ..domain.campaign_messages import mail_text, sms_body
from ..domain.campaigns import Campaign, CampaignState, QuietHours, Recipient, RecipientState
from ..domain.cases import utc_now
from ..domain.delivery import DeliveryReport, DeliveryStatus
from ..domain.mail import OutgoingMail
from ..domain.sms import OutgoingSms, SmsDeliveryError
from .audience_ports import AudienceMembers, AudienceNotFound
from .campaign_ports import CampaignQueue, CampaignSchedules, CampaignStore, RecipientLinks
from .campaigns import CampaignTexts
from .municipality import MunicipalityProvider
from .ports import Mailer, RecipientSuppressed, SmsSender

logger = logging.getLogger(__name__)

#: Recipients written in one transaction, and named in one queue message.
PLAN_CHUNK = 25
QUEUE_CHUNK = 25
#: Waiting recipients one sweep reads per campaign and page.
SWEEP_PAGE = 100


class CampaignSettings(Struct, frozen=True):
    """The sending's configuration (``CIVICDESK_CAMPAIGN_*``, template.yaml).

    ``confirm_after``: how long a sent message may go unconfirmed before the next channel is
    tried; ``mail_rate``/``sms_rate``: messages a second the account allows, shared by
    ``senders`` concurrent senders (the function's reserved concurrency); 0: unpaced."""

    quiet_hours: QuietHours | None = None
    confirm_after: timedelta = timedelta(minutes=30)
    mail_rate: float = 0.0
    sms_rate: float = 0.0
    senders: int = 1
    sms_price: float = 0.0  # USD per SMS part (the cost estimate)

    @classmethod
    def parse(cls, text: str) -> CampaignSettings:
        """``CIVICDESK_CAMPAIGN_SETTINGS``: ``name=value`` pairs separated by ``;``.

        >>> CampaignSettings.parse("quiet_hours=21:00-08:00;confirm_minutes=30;mail_rate=14;"
        ...                        "sms_rate=20;senders=2;sms_price=0.0595").confirm_after
        datetime.timedelta(seconds=1800)
        """
        values = dict(pair.split("=", 1) for pair in (text or "").split(";") if "=" in pair)
        return cls(quiet_hours=QuietHours.parse(values.get("quiet_hours", "")),
                   confirm_after=timedelta(minutes=float(values.get("confirm_minutes", "30"))),
                   mail_rate=float(values.get("mail_rate", "0")),
                   sms_rate=float(values.get("sms_rate", "0")),
                   senders=max(1, int(values.get("senders", "1"))),
                   sms_price=float(values.get("sms_price", "0")))


class Pacer:
    """Keeps one sender below its share of the account's rate: at most ``rate / senders``
    messages a second per channel (a sleep before a message that would come too early)."""

    def __init__(self, settings: CampaignSettings, sleep: Callable[[float], None] = _time.sleep,
                 monotonic: Callable[[], float] = _time.monotonic):
        rates = {Channel.EMAIL: settings.mail_rate, Channel.SMS: settings.sms_rate}
        self._interval = {c: (settings.senders / r if r > 0 else 0.0) for c, r in rates.items()}
        self._next = {c: 0.0 for c in rates}
        self._sleep = sleep
        self._monotonic = monotonic

    def wait(self, channel: Channel) -> None:
        interval = self._interval.get(channel, 0.0)
        if not interval:
            return
        now = self._monotonic()
        if self._next[channel] > now:
            self._sleep(self._next[channel] - now)
            now = self._next[channel]
        self._next[channel] = now + interval


class _Moves:
    """Recipient changes written against their stored version: a change that lost a race is
    read again and decided again (``change`` returns ``None``: nothing to do any more)."""

    def __init__(self, store: CampaignStore):
        self._store = store

    def move(self, recipient: Recipient, change: Callable[[Recipient], Recipient | None],
             origin_id: str | None = None) -> Recipient | None:
        current: Recipient | None = recipient
        for _ in range(4):
            if current is None:
                return None
            after = change(current)
            if after is None:
                return None
            if self._store.apply(current, after, origin_id):
                return after
            current = self._store.recipient(current.campaign_id, current.key)
        raise RuntimeError(f"recipient {recipient.key} of {recipient.campaign_id} keeps changing")


class CampaignPlanner:
    """Resolves the audience into recipients and queues them; idempotent per campaign (a
    second run, or one after a crash, writes only the recipients missing and queues again
    those still queued: the claims make a second queue message harmless)."""

    def __init__(self, store: CampaignStore, audiences: AudienceMembers, queue: CampaignQueue,
                 schedules: CampaignSchedules, municipality: MunicipalityProvider,
                 settings: CampaignSettings, links: RecipientLinks | None = None,
                 clock: Callable[[], datetime] = utc_now):
        self._store = store
        self._audiences = audiences
        self._queue = queue
        self._schedules = schedules
        self._municipality = municipality
        self._settings = settings
        self._links = links
        self._clock = clock

    def plan(self, campaign_id: str) -> str:
        """``planned``, ``done_before``, ``not_sending`` (cancelled, unknown) or
        ``no_audience``."""
        campaign = self._store.get(campaign_id)
        if campaign is None:
            return "not_sending"
        if campaign.state is CampaignState.SCHEDULED:
            now = self._clock()
            started = campaign.moved(CampaignState.SENDING, now, started_at=now)
            if self._store.replace(started, campaign.version) is not None:
                return self.plan(campaign_id)  # changed meanwhile (cancelled?): decide again
            campaign = started
        if campaign.state is not CampaignState.SENDING:
            return "not_sending"
        if campaign.planned:
            return "done_before"
        default = self._municipality.get().default_language
        count = 0
        chunk: list[Recipient] = []
        try:
            for member in self._audiences.members(campaign.audience_id):
                link = self._links.link(campaign, member) if self._links and campaign.survey_id else None
                chunk.append(dc.recipient_of(campaign, member, default, link))
                if len(chunk) == PLAN_CHUNK:
                    count += self._write(campaign, chunk, count)
                    chunk = []
            if chunk:
                count += self._write(campaign, chunk, count)
        except AudienceNotFound:
            logger.warning("campaign's audience is gone", extra={"campaign_id": campaign_id})
            self._store.mark_planned(campaign_id, count)
            return "no_audience"
        self._store.mark_planned(campaign_id, count)
        self._schedules.unschedule(campaign_id)
        logger.info("campaign planned", extra={"campaign_id": campaign_id, "recipients": count})
        return "planned"

    def _write(self, campaign: Campaign, chunk: list[Recipient], position: int) -> int:
        """Write a chunk (each queued one with a time by which the sweep queues it again, in
        case its queue message is lost: its turn at the account's rate plus the confirmation
        time), then queue the queued ones."""
        now = self._clock()
        rate = max(self._settings.mail_rate, self._settings.sms_rate) or 50.0
        resend = now + self._settings.confirm_after + timedelta(seconds=(position + len(chunk)) / rate)
        timed = [r if r.state is not RecipientState.QUEUED else dc.replace(r, wait_until=resend)
                 for r in chunk]
        existing = self._store.add_recipients(campaign.campaign_id, timed)
        stored = {r.key: r for r in timed}
        stored.update({r.key: r for r in existing})
        queued = [r.key for r in stored.values() if r.state is RecipientState.QUEUED]
        for start in range(0, len(queued), QUEUE_CHUNK):
            self._queue.enqueue(campaign.campaign_id, queued[start:start + QUEUE_CHUNK])
        return len(chunk)


class CampaignSender:
    """One queue message: the named recipients of one campaign, each sent on its current
    channel once."""

    def __init__(self, store: CampaignStore, mailer: Mailer, sms: SmsSender,
                 municipality: MunicipalityProvider, settings: CampaignSettings, *,
                 public_url: str, texts: CampaignTexts | None = None,
                 pacer: Pacer | None = None, clock: Callable[[], datetime] = utc_now):
        self._store = store
        self._moves = _Moves(store)
        self._mailer = mailer
        self._sms = sms
        self._municipality = municipality
        self._settings = settings
        self._public_url = public_url.rstrip("/")
        self._texts = texts or CampaignTexts()
        self._pacer = pacer or Pacer(settings)
        self._clock = clock

    def handle(self, message: dict) -> dict[str, int]:
        """Send to every recipient the message names; the outcome counts. Raises what a
        retryable failure raised (the message comes back; what was sent is not sent again)."""
        campaign = self._store.get(str(message["campaign_id"]))
        outcomes: dict[str, int] = {}
        if campaign is None:
            return {"no_campaign": 1}
        recipients = self._store.recipients(campaign.campaign_id, [str(k) for k in message["keys"]])
        failure: Exception | None = None
        for key in message["keys"]:
            recipient = recipients.get(str(key))
            if recipient is None:
                outcome = "missing"
            else:
                try:
                    outcome = self.send_one(campaign, recipient)
                except Exception as error:  # the others still go; the message is retried
                    failure = failure or error
                    outcome = "error"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if failure is not None:
            raise failure
        return outcomes

    def send_one(self, campaign: Campaign, recipient: Recipient) -> str:
        now = self._clock()
        if campaign.state is CampaignState.CANCELLED:
            moved = self._moves.move(recipient, lambda r: dc.cancelled(r, now)
                                     if r.state is RecipientState.QUEUED else None)
            return "cancelled" if moved else "skipped"
        if campaign.state is not CampaignState.SENDING or recipient.state is not RecipientState.QUEUED:
            return "skipped"
        channel = recipient.channel
        if channel is None:
            return "skipped"
        if channel in recipient.claimed:
            return "claimed_before"  # sent before a crash, or being sent: the sweep decides
        municipality = self._municipality.get()
        if channel is Channel.SMS:
            later = dc.sms_allowed_at(now, self._settings.quiet_hours, municipality.time_zone,
                                      campaign.urgent)
            if later is not None:
                moved = self._moves.move(recipient, lambda r: dc.deferred(r, now, later)
                                         if r.state is RecipientState.QUEUED and r.channel is channel
                                         and r.wait_until != later else None)
                return "deferred" if moved else "skipped"
        language, message = campaign.message_for(recipient.language, municipality.default_language)
        # Rendered before the claim: a text that cannot be written must not leave a claim.
        mail = self._mail(campaign, recipient, language, message, municipality) \
            if channel is Channel.EMAIL else None
        text = self._text(recipient, language, message, municipality) if mail is None else None
        if not self._store.claim(recipient, channel):
            return "claimed_before"
        claimed = dc.claim(recipient, channel)
        self._pacer.wait(channel)
        try:
            message_id = self._mailer.send(mail) if mail is not None else self._sms.send(text)
        except RecipientSuppressed as error:
            return self._fell(claimed, RecipientState.BOUNCED, f"suppressed: {error.reason}")
        except SmsDeliveryError as error:
            if error.retryable:
                raise  # the claim stays: after the confirmation time the next channel is tried
            return self._fell(claimed, RecipientState.FAILED, error.reason.value)
        confirm_by = self._clock() + self._settings.confirm_after
        self._moves.move(claimed, lambda r: dc.sent(r, self._clock(), message_id, confirm_by)
                         if r.state is RecipientState.QUEUED and r.channel is channel else None,
                         origin_id=message_id)
        return "sent"

    def _fell(self, recipient: Recipient, state: RecipientState, detail: str) -> str:
        channel = recipient.channel
        moved = self._moves.move(recipient, lambda r: dc.fell_through(r, self._clock(), state, detail)
                                 if r.state is RecipientState.QUEUED and r.channel is channel else None)
        if moved is not None and moved.state is RecipientState.QUEUED:
            return "fallback_" + self.send_one(self._store.get(recipient.campaign_id) or
                                               _never(recipient), moved)
        return state.value

    def _mail(self, campaign, recipient, language, message, municipality) -> OutgoingMail:
        from ..domain.audiences import unsubscribe_path

        url = f"{self._public_url}/{unsubscribe_path(recipient.unsubscribe_token)}" \
            if recipient.unsubscribe_token else None
        text = mail_text(message, link=recipient.link, unsubscribe_url=url,
                         unsubscribe_line=self._texts.unsubscribe_line(language))
        headers = {"Content-Language": language, "Precedence": "bulk",
                   "Auto-Submitted": "auto-generated",
                   "X-CivicDesk-Campaign": campaign.campaign_id}
        if url:
            headers["List-Unsubscribe"] = f"<{url}>"
        assert recipient.email is not None
        return OutgoingMail(sender=municipality.general_address,
                            sender_name=municipality.name.get(language) or municipality.id,
                            to=(recipient.email,), subject=text.subject, text=text.body,
                            headers=headers, kind="campaign")

    def _text(self, recipient, language, message, municipality) -> OutgoingSms:
        hint = self._texts.stop_hint(language) if recipient.unsubscribe_token else None
        assert recipient.phone is not None
        return OutgoingSms(to=recipient.phone, language=language, kind="campaign",
                           text=sms_body(message, language, link=recipient.link, stop_hint=hint,
                                         policy=municipality.sms))


def _never(recipient: Recipient) -> Campaign:
    raise LookupError(f"campaign {recipient.campaign_id} vanished while sending")


class CampaignFeedback:
    """What SES (mail, through the delivery function) and the SMS service's delivery events
    say about a campaign's message: delivered; bounced or failed, then the next channel."""

    def __init__(self, store: CampaignStore, queue: CampaignQueue,
                 clock: Callable[[], datetime] = utc_now):
        self._store = store
        self._moves = _Moves(store)
        self._queue = queue
        self._clock = clock

    def mail_report(self, report: DeliveryReport) -> bool:
        """Whether the report was about a campaign's mail (recorded then)."""
        if report.status is DeliveryStatus.DELAYED:
            return self._store.origin(report.message_id) is not None
        state = RecipientState.DELIVERED if report.status is DeliveryStatus.DELIVERED \
            else RecipientState.BOUNCED
        detail = report.diagnostic or report.bounce_type or report.detail or report.status.value
        return self.record(report.message_id, state, detail[:300], report.at)

    def record(self, message_id: str, state: RecipientState, detail: str,
               at: datetime | None = None) -> bool:
        origin = self._store.origin(message_id)
        if origin is None:
            return False
        recipient = self._store.recipient(origin.campaign_id, origin.key)
        if recipient is None:
            return True
        channel = Channel(origin.channel)
        at = at or self._clock()

        def change(r: Recipient) -> Recipient | None:
            if r.channel is not channel or r.state is not RecipientState.SENT:
                return None  # a repeated report, or one after the sweep moved on: nothing
            if state is RecipientState.DELIVERED:
                return dc.delivered(r, at, detail)
            campaign = self._store.get(r.campaign_id)
            if campaign is not None and campaign.state is CampaignState.CANCELLED:
                return dc.step(r, at, state, detail=detail, wait_until=None)
            return dc.fell_through(r, at, state, detail)

        moved = self._moves.move(recipient, change)
        if moved is not None and moved.state is RecipientState.QUEUED:
            self._queue.enqueue(moved.campaign_id, [moved.key])
        return True


class CampaignSweep:
    """The scheduled job (every few minutes): recipients past their ``wait_until`` move on (a
    sent message unconfirmed: the next channel; a queued one whose queue message was lost, or
    an SMS past the quiet hours: queued again), and a campaign with nobody left open completes."""

    def __init__(self, store: CampaignStore, queue: CampaignQueue, settings: CampaignSettings,
                 clock: Callable[[], datetime] = utc_now):
        self._store = store
        self._moves = _Moves(store)
        self._queue = queue
        self._settings = settings
        self._clock = clock

    def run(self, context) -> None:
        """``context``: the job runner's ``RunContext`` (a completion is an effect once). The
        run's "now" is its scheduled time when that is later than the clock (a slot run ahead
        on demand, as ``POST /_local/schedules/CampaignSweepSchedule?at=...`` does)."""
        now = max(self._clock(), context.run.scheduled_for)
        totals = {"campaigns": 0, "fallback": 0, "requeued": 0, "completed": 0, "closed": 0}
        for campaign in self._store.live():
            totals["campaigns"] += 1
            for name, value in self.sweep(campaign, now).items():
                totals[name] = totals.get(name, 0) + value
            fresh = self._store.get(campaign.campaign_id) or campaign
            if fresh.state is CampaignState.SENDING and fresh.planned and fresh.open_count == 0:
                if context.once(f"complete/{fresh.campaign_id}", lambda c=fresh: self._complete(c)):
                    totals["completed"] += 1
        context.outcome.update(totals)

    def sweep(self, campaign: Campaign, now: datetime | None = None) -> dict[str, int]:
        now = now or self._clock()
        counts = {"fallback": 0, "requeued": 0, "closed": 0}
        requeue: list[str] = []
        while True:
            due = self._store.waiting(campaign.campaign_id, now, SWEEP_PAGE)
            for recipient in due:
                moved = self._moves.move(recipient, lambda r: self._next(campaign, r, now))
                if moved is None:
                    continue
                if moved.state is RecipientState.QUEUED:
                    requeue.append(moved.key)
                    counts["fallback" if moved.position > recipient.position else "requeued"] += 1
                else:
                    counts["fallback" if moved.state is RecipientState.UNREACHABLE else "closed"] += 1
            if len(due) < SWEEP_PAGE:
                break
        for start in range(0, len(requeue), QUEUE_CHUNK):
            self._queue.enqueue(campaign.campaign_id, requeue[start:start + QUEUE_CHUNK])
        return counts

    def _next(self, campaign: Campaign, r: Recipient, now: datetime) -> Recipient | None:
        if r.final or r.wait_until is None or r.wait_until > now:
            return None
        if campaign.state is CampaignState.CANCELLED:
            if r.state is RecipientState.SENT:
                return dc.replace(r, wait_until=None, version=r.version + 1)
            return dc.cancelled(r, now) if r.state is RecipientState.QUEUED else None
        if r.state is RecipientState.SENT:
            return dc.fell_through(r, now, RecipientState.SENT, "no_confirmation")
        if r.state is RecipientState.QUEUED and r.channel in r.claimed:
            return dc.fell_through(r, now, RecipientState.FAILED, "claimed_not_recorded")
        if r.state is RecipientState.QUEUED:
            # Queued again: by when the sweep looks again if this message is lost too.
            return dc.replace(r, wait_until=now + self._settings.confirm_after, version=r.version + 1)
        return None

    def _complete(self, campaign: Campaign) -> None:
        now = self._clock()
        current = campaign
        for _ in range(3):
            if current.state is not CampaignState.SENDING:
                return
            if self._store.replace(current.moved(CampaignState.COMPLETED, now, completed_at=now),
                                   current.version) is None:
                logger.info("campaign completed", extra={"campaign_id": campaign.campaign_id})
                return
            current = self._store.get(campaign.campaign_id) or current


def keys_of(recipients: Iterable[Recipient]) -> Sequence[str]:
    return [r.key for r in recipients]
