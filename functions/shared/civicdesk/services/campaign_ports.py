"""The ports of the campaigns (``services/campaigns.py``, ``services/campaign_sending.py``):
where campaigns and their recipients are kept, the work queue, the one-time schedules, the
per-recipient links another service fills in (a survey's)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence

from msgspec import Struct

if TYPE_CHECKING:
    from ..domain.audiences import AudienceMember, Channel
    from ..domain.campaigns import Campaign, CampaignState, Recipient, RecipientState


class Origin(Struct, frozen=True):
    """Which campaign recipient a sent message (SES's or the SMS service's id) went to."""

    campaign_id: str
    key: str
    channel: str


class CampaignStore(Protocol):
    """Campaigns and their recipients (``adapters/dynamodb/campaigns.py``)."""

    def add(self, campaign: Campaign) -> None: ...

    def get(self, campaign_id: str) -> Campaign | None: ...

    def replace(self, campaign: Campaign, expected_version: int) -> int | None:
        """Write ``campaign`` if its stored version is ``expected_version``; else the version
        now (0: gone). The counters are not written (only ``apply`` moves them)."""

    def page(self, limit: int, cursor: str | None,
             state: CampaignState | None) -> tuple[list[Campaign], str | None]:
        """Newest first."""

    def live(self) -> list[Campaign]:
        """The campaigns sending, and those cancelled with recipients still open."""

    def add_recipients(self, campaign_id: str, recipients: Sequence[Recipient]) -> list[Recipient]:
        """Write the recipients not written yet, with their counters, at once; the ones that
        were there already, as stored (a resumed plan)."""

    def mark_planned(self, campaign_id: str, count: int) -> None: ...

    def recipients(self, campaign_id: str, keys: Iterable[str]) -> dict[str, Recipient]: ...

    def recipient(self, campaign_id: str, key: str) -> Recipient | None: ...

    def claim(self, recipient: Recipient, channel: Channel) -> bool:
        """Claim the one message of ``recipient`` on ``channel``: ``False`` when it was claimed
        already (by this or another process, now or before a crash)."""

    def apply(self, before: Recipient, after: Recipient, origin_id: str | None = None) -> bool:
        """Write ``after`` if the stored recipient is still ``before`` (its version), move the
        campaign's counters and, with ``origin_id``, remember which recipient that message went
        to, at once; ``False`` when the recipient changed in the meantime."""

    def waiting(self, campaign_id: str, until: datetime, limit: int) -> list[Recipient]:
        """Recipients whose ``wait_until`` is at or before ``until``, earliest first."""

    def page_recipients(self, campaign_id: str, state: RecipientState | None, limit: int,
                        cursor: str | None) -> tuple[list[Recipient], str | None]: ...

    def call_list(self, campaign_id: str, limit: int,
                  cursor: str | None) -> tuple[list[Recipient], str | None]:
        """The unreachable recipients."""

    def origin(self, message_id: str) -> Origin | None: ...


class CampaignQueue(Protocol):
    """The sending queue (SQS): each message names recipients of one campaign."""

    def enqueue(self, campaign_id: str, keys: Sequence[str]) -> None: ...


class CampaignSchedules(Protocol):
    """One-time schedules (EventBridge Scheduler ``at(...)``) that start a campaign's planner."""

    def schedule(self, campaign_id: str, at: datetime) -> None:
        """Create or replace the campaign's schedule (deleted after it ran)."""

    def unschedule(self, campaign_id: str) -> None:
        """Delete the campaign's schedule; nothing when there is none."""


class PlanTrigger(Protocol):
    """Starts the planner now (an asynchronous invoke): ``send now``."""

    def start(self, campaign_id: str) -> None: ...


class RecipientLinks(Protocol):
    """A link of one recipient of a campaign that carries a survey (the surveys' service):
    the text's ``{link}`` becomes it. Asked once per member when the campaign is planned (the
    link is kept on the recipient, so a resumed plan or a fallback sends the same one)."""

    def link(self, campaign: Campaign, member: AudienceMember) -> str | None: ...
