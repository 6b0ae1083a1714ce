"""Reading a case and its timeline: the tracking page's and the staff's reads, without the
writes of ``cases.py`` (and their transaction, search and queue entries): a cold start that
only reads imports this module alone."""

from __future__ import annotations

from ...domain.cases import Case, TimelineEvent
from .items import CaseItem
from .keys import CASE_SK, case_pk
from .mappers import item_to_case
from .partition import EVT_RANGE_END, TRAIL_RANGE_END, TRAIL_SHOWN, read_partition


class DynamoCaseReads:
    """A case's item and its partition, read."""

    def get_case(self, number: str) -> Case | None:
        try:
            return item_to_case(CaseItem.get(case_pk(number), CASE_SK))
        except CaseItem.DoesNotExist:
            return None

    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its history (every entry but the delivery trail) in order: one
        ``Query`` of the ranges ``#CASE`` through ``EVT#~`` (the tracking page, a reply)."""
        found = read_partition(number, EVT_RANGE_END)
        return (found.case, found.entries) if found else None

    def get_with_timeline(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its whole timeline in order, the whole delivery trail included (every
        page of the partition: for tools and tests, never a view)."""
        found = read_partition(number, TRAIL_RANGE_END)
        return (found.case, found.entries) if found else None

    def get_with_followers(self, number: str) -> tuple[Case, list[TimelineEvent], int, bool] | None:
        """The staff's view of a case: the case, its history with the latest ``TRAIL_SHOWN``
        entries of its delivery trail merged in, in order, how many confirmed followers it has,
        and whether the trail was shown whole. One ``Query`` for an ordinary case (the trail
        reads newest first, so the read stops after what is shown)."""
        from ...domain.subscriptions import SubscriptionRole, SubscriptionState

        found = read_partition(number, TRAIL_RANGE_END, trail_limit=TRAIL_SHOWN)
        if found is None:
            return None
        followers = sum(1 for s in found.subscriptions
                        if s.role == SubscriptionRole.FOLLOWER.value
                        and s.state == SubscriptionState.CONFIRMED.value)
        return found.case, found.entries, followers, found.trail_complete
