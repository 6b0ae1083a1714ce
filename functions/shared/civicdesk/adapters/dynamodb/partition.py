"""Reading a case's partition by its ranges (``keys``: ``#CASE``, the history ``EVT#``, claims
left from before 2026-12-01 ``NOTIFY#``, ``PENDING#``, subscriptions ``SUB#``, the delivery
trail ``TRAIL#`` newest first), so that each view reads only what it shows."""

from __future__ import annotations

from msgspec import Struct, field

from ...domain.cases import Case, TimelineEvent
from .items import CaseItem, NotificationItem, PendingLinkItem, SubscriptionItem, TimelineItem
from .keys import CASE_SK, HISTORY_PREFIX, RANGE_END, SUBSCRIPTION_PREFIX, TRAIL_PREFIX, case_pk
from .mappers import item_to_case, item_to_event
from .table import TableItem

#: The last key of each range a read may end with.
EVT_RANGE_END = f"{HISTORY_PREFIX}{RANGE_END}"
SUB_RANGE_END = f"{SUBSCRIPTION_PREFIX}{RANGE_END}"
TRAIL_RANGE_END = f"{TRAIL_PREFIX}{RANGE_END}"
#: How many entries of the delivery trail the staff's case view shows (the latest).
TRAIL_SHOWN = 50
#: Items a page of the partition reads: an ordinary case is one page.
PAGE_ITEMS = 200


class CasePartition(Struct):
    case: Case
    entries: list[TimelineEvent] = field(default_factory=list)  # in order, trail merged in
    subscriptions: list[SubscriptionItem] = field(default_factory=list)
    legacy_claims: list[NotificationItem] = field(default_factory=list)
    pending_link: PendingLinkItem | None = None
    trail_complete: bool = True


def read_partition(number: str, through: str, *, trail_limit: int | None = None) -> CasePartition | None:
    """The case's partition from ``#CASE`` through the key ``through``; with ``trail_limit``,
    in pages of ``PAGE_ITEMS``, stopping once that many trail entries are read
    (``trail_complete`` says whether there were more)."""
    case = None
    history: list[TimelineEvent] = []
    trail: list[TimelineEvent] = []
    subscriptions: list[SubscriptionItem] = []
    legacy_claims: list[NotificationItem] = []
    pending_link = None
    trail_complete = True
    # Pages of ``PAGE_ITEMS`` only when the read may stop early; otherwise 1 MB pages.
    for item in TableItem.query(case_pk(number), TableItem.SK.between(CASE_SK, through),
                                page_size=PAGE_ITEMS if trail_limit is not None else None):
        if isinstance(item, CaseItem):
            case = item_to_case(item)
        elif isinstance(item, TimelineItem):
            if not item.SK.startswith(TRAIL_PREFIX):
                history.append(item_to_event(item))
            elif trail_limit is not None and len(trail) == trail_limit:
                trail_complete = False
                break
            else:
                trail.append(item_to_event(item))
        elif isinstance(item, SubscriptionItem):
            subscriptions.append(item)
        elif isinstance(item, NotificationItem):
            legacy_claims.append(item)
        elif isinstance(item, PendingLinkItem):
            pending_link = item
    if case is None:
        return None
    # The order the timeline always had: by moment, then entry id (``TimelineEvent.sort_key``).
    entries = sorted(history + trail, key=lambda e: e.sort_key) if trail else history
    return CasePartition(case, entries, subscriptions, legacy_claims, pending_link, trail_complete)
