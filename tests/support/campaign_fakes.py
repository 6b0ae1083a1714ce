"""The campaigns' ports in memory, with the DynamoDB adapter's rules: a recipient written once,
a claim taken once per (recipient, channel), a change applied only over the version it was
decided on, the counters moved with it; and fakes of the audience, the queue, the schedules,
the mailer and the SMS service that remember what they were asked."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator, Sequence

from msgspec.structs import replace

from civicdesk.domain.audiences import AudienceMember, Channel
from civicdesk.domain.campaigns import Campaign, CampaignState, Recipient, RecipientState, counter_deltas
from civicdesk.services.audience_ports import AudienceNotFound
from civicdesk.services.campaign_ports import Origin


class InMemoryCampaignStore:
    def __init__(self):
        self.campaigns: dict[str, Campaign] = {}
        self.rows: dict[tuple[str, str], Recipient] = {}
        self.claims: set[tuple[str, str, str]] = set()
        self.origins: dict[str, Origin] = {}
        self.writes = 0

    def add(self, campaign: Campaign) -> None:
        assert campaign.campaign_id not in self.campaigns
        self.campaigns[campaign.campaign_id] = campaign

    def get(self, campaign_id: str) -> Campaign | None:
        return self.campaigns.get(campaign_id)

    def replace(self, campaign: Campaign, expected_version: int) -> int | None:
        stored = self.campaigns.get(campaign.campaign_id)
        if stored is None or stored.version != expected_version:
            return stored.version if stored else 0
        self.campaigns[campaign.campaign_id] = replace(campaign, counts=stored.counts,
                                                       planned=stored.planned or campaign.planned,
                                                       planned_count=stored.planned_count)
        return None

    def page(self, limit, cursor, state):
        found = sorted((c for c in self.campaigns.values() if state is None or c.state is state),
                       key=lambda c: (c.created_at, c.campaign_id), reverse=True)
        start = int(cursor or 0)
        rest = found[start + limit:]
        return found[start:start + limit], (str(start + limit) if rest else None)

    def live(self) -> list[Campaign]:
        return [c for c in self.campaigns.values()
                if c.state is CampaignState.SENDING
                or (c.state is CampaignState.CANCELLED and c.open_count > 0)]

    def _count(self, campaign_id: str, deltas: dict[str, int]) -> None:
        campaign = self.campaigns[campaign_id]
        counts = dict(campaign.counts)
        for key, value in deltas.items():
            counts[key] = counts.get(key, 0) + value
        self.campaigns[campaign_id] = replace(campaign, counts=counts)

    def add_recipients(self, campaign_id: str, recipients: Sequence[Recipient]) -> list[Recipient]:
        existing = []
        for recipient in recipients:
            key = (campaign_id, recipient.key)
            if key in self.rows:
                existing.append(self.rows[key])
                continue
            self.rows[key] = recipient
            self.writes += 1
            self._count(campaign_id, counter_deltas(None, recipient))
        return existing

    def mark_planned(self, campaign_id: str, count: int) -> None:
        self.campaigns[campaign_id] = replace(self.campaigns[campaign_id], planned=True,
                                              planned_count=count)

    def recipients(self, campaign_id: str, keys: Iterable[str]) -> dict[str, Recipient]:
        return {k: self.rows[(campaign_id, k)] for k in keys if (campaign_id, k) in self.rows}

    def recipient(self, campaign_id: str, key: str) -> Recipient | None:
        return self.rows.get((campaign_id, key))

    def claim(self, recipient: Recipient, channel: Channel) -> bool:
        claim = (recipient.campaign_id, recipient.key, channel.value)
        if claim in self.claims:
            return False
        self.claims.add(claim)
        stored = self.rows[(recipient.campaign_id, recipient.key)]
        self.rows[(recipient.campaign_id, recipient.key)] = replace(
            stored, claimed=(*stored.claimed, channel), version=stored.version)
        return True

    def apply(self, before: Recipient, after: Recipient, origin_id: str | None = None) -> bool:
        key = (before.campaign_id, before.key)
        stored = self.rows.get(key)
        if stored is None or stored.version != before.version:
            return False
        # The claims are the store's (written by ``claim``), never taken back by a change.
        claimed = tuple(dict.fromkeys((*stored.claimed, *after.claimed)))
        self.rows[key] = replace(after, claimed=claimed)
        self._count(before.campaign_id, counter_deltas(stored, after))
        if origin_id is not None:
            channel = before.channel
            assert channel is not None
            self.origins[origin_id] = Origin(before.campaign_id, before.key, channel.value)
        self.writes += 1
        return True

    def waiting(self, campaign_id: str, until: datetime, limit: int) -> list[Recipient]:
        due = [r for (c, _), r in self.rows.items() if c == campaign_id
               and r.wait_until is not None and r.wait_until <= until and not r.final]
        return sorted(due, key=lambda r: (r.wait_until, r.key))[:limit]

    def page_recipients(self, campaign_id, state, limit, cursor):
        found = sorted((r for (c, _), r in self.rows.items() if c == campaign_id
                        and (state is None or r.state is state)), key=lambda r: r.key)
        start = int(cursor or 0)
        rest = found[start + limit:]
        return found[start:start + limit], (str(start + limit) if rest else None)

    def call_list(self, campaign_id, limit, cursor):
        return self.page_recipients(campaign_id, RecipientState.UNREACHABLE, limit, cursor)

    def origin(self, message_id: str) -> Origin | None:
        return self.origins.get(message_id)


class FakeAudiences:
    def __init__(self, audiences: dict[str, list[AudienceMember]]):
        self.audiences = audiences

    def members(self, audience_id: str) -> Iterator[AudienceMember]:
        if audience_id not in self.audiences:
            raise AudienceNotFound(audience_id)
        yield from self.audiences[audience_id]


class FakeQueue:
    def __init__(self):
        self.messages: list[dict] = []

    def enqueue(self, campaign_id: str, keys: Sequence[str]) -> None:
        self.messages.append({"campaign_id": campaign_id, "keys": list(keys)})

    def drain(self) -> list[dict]:
        taken, self.messages = self.messages, []
        return taken


class FakeSchedules:
    def __init__(self):
        self.schedules: dict[str, datetime] = {}
        self.deleted: list[str] = []

    def schedule(self, campaign_id: str, at: datetime) -> None:
        self.schedules[campaign_id] = at

    def unschedule(self, campaign_id: str) -> None:
        if self.schedules.pop(campaign_id, None) is not None:
            self.deleted.append(campaign_id)


class FakeTrigger:
    def __init__(self):
        self.started: list[str] = []

    def start(self, campaign_id: str) -> None:
        self.started.append(campaign_id)


class Crash(BaseException):
    """The process dies (no ``except Exception`` catches it)."""


class CountingMailer:
    """Sends (remembers) every mail; raises ``fail_after`` sends on (a crash)."""

    def __init__(self, suppressed: Iterable[str] = (), fail_after: int | None = None):
        self.sent: list = []
        self.suppressed = set(suppressed)
        self.fail_after = fail_after

    def send(self, mail) -> str:
        from civicdesk.services.ports import RecipientSuppressed

        if mail.to[0] in self.suppressed:
            raise RecipientSuppressed(mail.to[0], "bounce")
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise Crash("crash injected")
        self.sent.append(mail)
        return f"ses-{len(self.sent)}"


class CountingSms:
    def __init__(self, opted_out: Iterable[str] = ()):
        self.sent: list = []
        self.opted_out = set(opted_out)

    def send(self, sms) -> str:
        from civicdesk.domain.sms import SmsDeliveryError, SmsFailure

        if sms.to in self.opted_out:
            raise SmsDeliveryError(SmsFailure.OPTED_OUT)
        self.sent.append(sms)
        return f"sms-{len(self.sent)}"
