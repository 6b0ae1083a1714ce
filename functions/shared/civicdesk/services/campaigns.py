"""Campaigns for staff: write a draft, submit it, approve or reject it (four eyes), test it on
oneself, send it now or at its time, cancel it, follow it, and record the calls to those it did
not reach (``docs/campaigns.md``). Sending is ``services/campaign_sending.py``'s."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Callable, Iterator, Mapping

from msgspec import Struct
from msgspec.structs import replace

from ..domain import campaigns as dc
from ..domain.audiences import Channel
from ..domain.campaign_messages import Estimate, Prices, estimate, mail_text, sms_body, sms_estimate
from ..domain.campaigns import Campaign, CampaignState, Message, Recipient, RecipientState
from ..domain.cases import utc_now
from ..domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from ..domain.mail import OutgoingMail
from ..domain.policy import Action, Principal, allowed
from .audience_ports import AudienceMembers, AudienceNotFound
from .campaign_ports import CampaignSchedules, CampaignStore, PlanTrigger
from .commands import Page, PageQuery, StaffCommand
from .municipality import MunicipalityProvider
from .ports import Mailer

#: A page of campaigns or recipients when the query names no limit; the most one page holds.
PAGE = 50
MAX_PAGE = 200
#: A send time this close to now is sent now; further than this ahead is refused.
NOW_MARGIN = timedelta(minutes=2)
MAX_AHEAD = timedelta(days=60)


class SaveCampaign(StaffCommand, frozen=True, kw_only=True):
    title: str
    audience_id: str
    messages: Mapping[str, Message]
    channels: tuple[Channel, ...]
    urgent: bool = False
    send_at: datetime | None = None
    survey_id: str | None = None
    version: int | None = None  # required to change a draft


class CampaignChange(StaffCommand, frozen=True, kw_only=True):
    """Submit, approve, send, cancel: the version as last read (409 when it changed)."""

    version: int
    reason: str = ""  # a rejection's


class RecordCall(StaffCommand, frozen=True, kw_only=True):
    key: str
    outcome: dc.CallOutcome
    note: str = ""


class TestSend(Struct, frozen=True):
    to: str
    language: str
    mail_id: str | None
    sms_preview: str | None
    sms_parts: int | None


class CampaignTexts:
    """The catalogue's words of a campaign's messages (``campaign_*`` keys)."""

    def unsubscribe_line(self, language: str) -> str:
        from ..rendering.i18n import translate

        return translate(language, "campaign_unsubscribe_line")

    def stop_hint(self, language: str) -> str:
        from ..rendering.i18n import translate

        return translate(language, "campaign_sms_stop")

    def test_subject(self, language: str, subject: str) -> str:
        from ..rendering.i18n import translate

        return translate(language, "campaign_test_subject", subject=subject)


class CampaignService:
    def __init__(self, store: CampaignStore, audiences: AudienceMembers,
                 municipality: MunicipalityProvider, mailer: Mailer, schedules: CampaignSchedules,
                 trigger: PlanTrigger, *, public_url: str, prices: Prices,
                 texts: CampaignTexts | None = None, clock: Callable[[], datetime] = utc_now,
                 ids: Callable[[], str] = lambda: uuid.uuid4().hex[:16]):
        self._store = store
        self._audiences = audiences
        self._municipality = municipality
        self._mailer = mailer
        self._schedules = schedules
        self._trigger = trigger
        self._public_url = public_url.rstrip("/")
        self._prices = prices
        self._texts = texts or CampaignTexts()
        self._clock = clock
        self._ids = ids

    # -- reads ---------------------------------------------------------------------------

    def list(self, principal: Principal | None, query: PageQuery,
             state: CampaignState | None = None) -> Page[Campaign]:
        allowed(principal, Action.VIEW_CAMPAIGNS)
        query.raise_invalid()
        items, cursor = self._store.page(_limit(query), query.cursor, state)
        return Page(items, cursor)

    def get(self, principal: Principal | None, campaign_id: str) -> Campaign:
        allowed(principal, Action.VIEW_CAMPAIGNS)
        return self._campaign(campaign_id)

    def recipients(self, principal: Principal | None, campaign_id: str, query: PageQuery,
                   state: RecipientState | None = None) -> Page[Recipient]:
        allowed(principal, Action.VIEW_CAMPAIGNS)
        query.raise_invalid()
        self._campaign(campaign_id)
        items, cursor = self._store.page_recipients(campaign_id, state, _limit(query), query.cursor)
        return Page(items, cursor)

    def every_recipient(self, principal: Principal | None, campaign_id: str) -> Iterator[Recipient]:
        """Every recipient, page by page (the CSV)."""
        allowed(principal, Action.VIEW_CAMPAIGNS)
        self._campaign(campaign_id)
        cursor = None
        while True:
            items, cursor = self._store.page_recipients(campaign_id, None, MAX_PAGE, cursor)
            yield from items
            if cursor is None:
                return

    def call_list(self, principal: Principal | None, campaign_id: str,
                  query: PageQuery) -> Page[Recipient]:
        allowed(principal, Action.CALL_CAMPAIGN_RECIPIENTS)
        query.raise_invalid()
        self._campaign(campaign_id)
        items, cursor = self._store.call_list(campaign_id, _limit(query), query.cursor)
        return Page(items, cursor)

    def estimate(self, principal: Principal | None, campaign_id: str) -> Estimate:
        """What sending would reach and cost: the audience resolved now, the SMS parts of each
        language's text (shown before approval)."""
        allowed(principal, Action.VIEW_CAMPAIGNS)
        campaign = self._campaign(campaign_id)
        municipality = self._municipality.get()
        counts: dict[tuple[str, str], int] = {}
        unreachable = 0
        for member in self._members(campaign.audience_id):
            recipient = dc.recipient_of(campaign, member, municipality.default_language)
            if recipient.channel is None:
                unreachable += 1
                continue
            slot = (recipient.language, recipient.channel.value)
            counts[slot] = counts.get(slot, 0) + 1
        hints = {language: self._texts.stop_hint(language) for language in campaign.messages}
        sms = sms_estimate(campaign.messages, municipality.sms, hints) \
            if Channel.SMS in campaign.channels else {}
        return estimate(counts, unreachable, sms, self._prices)

    # -- changes ---------------------------------------------------------------------------

    def create(self, principal: Principal | None, command: SaveCampaign) -> Campaign:
        staff = allowed(principal, Action.MANAGE_CAMPAIGNS)
        self._validate(command)
        now = self._clock()
        campaign = Campaign(campaign_id=self._ids(), title=command.title.strip(),
                            audience_id=command.audience_id.strip(), messages=dict(command.messages),
                            channels=command.channels, author=staff.username, created_at=now,
                            updated_at=now, urgent=command.urgent, send_at=command.send_at,
                            survey_id=command.survey_id)
        self._store.add(campaign)
        return campaign

    def update(self, principal: Principal | None, campaign_id: str,
               command: SaveCampaign) -> Campaign:
        staff = allowed(principal, Action.MANAGE_CAMPAIGNS)
        campaign = self._campaign(campaign_id)
        if command.version is None:
            raise ValidationError([FieldError("version", "required")])
        self._check_version(campaign, command.version)
        dc.check_editable(campaign, staff.username)
        self._validate(command)
        changed = replace(campaign, title=command.title.strip(), audience_id=command.audience_id.strip(),
                          messages=dict(command.messages), channels=command.channels,
                          urgent=command.urgent, send_at=command.send_at,
                          survey_id=command.survey_id, updated_at=self._clock(),
                          version=campaign.version + 1, rejection=None)
        return self._write(campaign, changed)

    def submit(self, principal: Principal | None, campaign_id: str,
               change: CampaignChange) -> Campaign:
        staff = allowed(principal, Action.MANAGE_CAMPAIGNS)
        campaign = self._changing(campaign_id, change)
        dc.check_editable(campaign, staff.username)
        now = self._clock()
        self._check_send_at(campaign.send_at, now)
        return self._write(campaign, campaign.moved(CampaignState.SUBMITTED, now, submitted_at=now))

    def approve(self, principal: Principal | None, campaign_id: str,
                change: CampaignChange) -> Campaign:
        staff = allowed(principal, Action.APPROVE_CAMPAIGNS)
        campaign = self._changing(campaign_id, change)
        dc.check_four_eyes(campaign, staff.username)
        now = self._clock()
        return self._write(campaign, campaign.moved(CampaignState.APPROVED, now,
                                                    approved_by=staff.username, approved_at=now))

    def reject(self, principal: Principal | None, campaign_id: str,
               change: CampaignChange) -> Campaign:
        """Back to draft with the approver's reason, for the author to change."""
        staff = allowed(principal, Action.APPROVE_CAMPAIGNS)
        campaign = self._changing(campaign_id, change)
        dc.check_four_eyes(campaign, staff.username)
        if campaign.state is not CampaignState.SUBMITTED:
            campaign.moved(CampaignState.APPROVED, self._clock())  # raises the transition error
        if not change.reason.strip():
            raise ValidationError([FieldError("reason", "required")])
        return self._write(campaign, campaign.moved(CampaignState.DRAFT, self._clock(),
                                                    rejection=change.reason.strip(),
                                                    submitted_at=None))

    def send(self, principal: Principal | None, campaign_id: str,
             change: CampaignChange) -> Campaign:
        """An approved campaign: scheduled for its ``send_at``, or sending now."""
        allowed(principal, Action.MANAGE_CAMPAIGNS)
        campaign = self._changing(campaign_id, change)
        now = self._clock()
        if campaign.send_at is not None and campaign.send_at > now + NOW_MARGIN:
            scheduled = self._write(campaign, campaign.moved(CampaignState.SCHEDULED, now))
            self._schedules.schedule(campaign.campaign_id, campaign.send_at)
            return scheduled
        sending = self._write(campaign, campaign.moved(CampaignState.SENDING, now, started_at=now))
        self._trigger.start(campaign.campaign_id)
        return sending

    def cancel(self, principal: Principal | None, campaign_id: str,
               change: CampaignChange) -> Campaign:
        """Before or during sending: what is still queued is not sent (the sender checks the
        campaign before every message; the sweep closes the recipients left)."""
        staff = allowed(principal, Action.MANAGE_CAMPAIGNS)
        campaign = self._changing(campaign_id, change)
        now = self._clock()
        was_scheduled = campaign.state is CampaignState.SCHEDULED
        cancelled = self._write(campaign, campaign.moved(CampaignState.CANCELLED, now,
                                                         cancelled_at=now,
                                                         cancelled_by=staff.username))
        if was_scheduled:
            self._schedules.unschedule(campaign.campaign_id)
        return cancelled

    def test_send(self, principal: Principal | None, campaign_id: str,
                  language: str | None) -> TestSend:
        """The campaign's mail to the staff member's own address, in ``language`` (theirs by
        default), marked as a test; the SMS as it would go, shown, not sent. No recipient is
        touched."""
        staff = allowed(principal, Action.MANAGE_CAMPAIGNS)
        campaign = self._campaign(campaign_id)
        municipality = self._municipality.get()
        language, message = campaign.message_for(language or staff.language or "",
                                                 municipality.default_language)
        if not staff.email:
            raise ValidationError([FieldError("to", "campaign_no_own_address")])
        mail_id = None
        if Channel.EMAIL in campaign.channels:
            text = mail_text(message, link=self._public_url + "/", unsubscribe_url=None,
                             unsubscribe_line=self._texts.unsubscribe_line(language))
            mail_id = self._mailer.send(OutgoingMail(
                sender=municipality.general_address,
                sender_name=municipality.name.get(language) or municipality.id, to=(staff.email,),
                subject=self._texts.test_subject(language, text.subject), text=text.body,
                headers={"Content-Language": language}, kind="campaign_test"))
        preview = parts = None
        if Channel.SMS in campaign.channels:
            from ..domain.sms import segments

            preview = sms_body(message, language, link=self._public_url + "/",
                               stop_hint=self._texts.stop_hint(language), policy=municipality.sms)
            parts = segments(preview)[1]
        return TestSend(staff.email, language, mail_id, preview, parts)

    def record_call(self, principal: Principal | None, campaign_id: str,
                    command: RecordCall) -> Recipient:
        staff = allowed(principal, Action.CALL_CAMPAIGN_RECIPIENTS)
        self._campaign(campaign_id)
        for _ in range(3):
            recipient = self._store.recipient(campaign_id, command.key)
            if recipient is None:
                raise NotFoundError("error.campaign_recipient_not_found")
            after = dc.called(recipient, self._clock(), command.outcome, command.note.strip(),
                              staff.username)
            if self._store.apply(recipient, after):
                return after
        raise ConflictError("error.conflict")

    # -- helpers -------------------------------------------------------------------------------

    def _campaign(self, campaign_id: str) -> Campaign:
        campaign = self._store.get(campaign_id)
        if campaign is None:
            raise NotFoundError("error.campaign_not_found")
        return campaign

    def _changing(self, campaign_id: str, change: CampaignChange) -> Campaign:
        campaign = self._campaign(campaign_id)
        self._check_version(campaign, change.version)
        return campaign

    @staticmethod
    def _check_version(campaign: Campaign, version: int) -> None:
        if campaign.version != version:
            raise ConflictError("error.conflict", current_version=campaign.version)

    def _write(self, before: Campaign, after: Campaign) -> Campaign:
        current = self._store.replace(after, before.version)
        if current is not None:
            raise ConflictError("error.conflict", current_version=current)
        return after

    def _validate(self, command: SaveCampaign) -> None:
        municipality = self._municipality.get()
        dc.validate_content(command.title, command.audience_id, command.messages,
                            command.channels, municipality.languages, survey_id=command.survey_id)
        if command.send_at is not None:
            now = self._clock()
            if command.send_at > now + MAX_AHEAD:
                raise ValidationError([FieldError("send_at", "campaign_too_far")])

    def _check_send_at(self, send_at: datetime | None, now: datetime) -> None:
        if send_at is not None and send_at < now - NOW_MARGIN:
            raise ValidationError([FieldError("send_at", "campaign_in_the_past")])

    def _members(self, audience_id: str):
        try:
            yield from self._audiences.members(audience_id)
        except AudienceNotFound:
            raise NotFoundError("error.audience_not_found") from None


def _limit(query: PageQuery) -> int:
    return min(query.limit or PAGE, MAX_PAGE)
