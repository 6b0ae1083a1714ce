"""The port through which campaigns and surveys reach an audience's members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Protocol

if TYPE_CHECKING:
    from ..domain.audiences import AlertSubscriber, AudienceMember


class AudienceNotFound(LookupError):
    """No audience has this id."""


class AudienceMembers(Protocol):
    """Resolves a saved audience into its members (``services/audiences.py``)."""

    def members(self, audience_id: str) -> Iterator[AudienceMember]:
        """Every member of the audience as it stands now, each once (merged by person), those
        who unsubscribed or opted out left out; raises ``AudienceNotFound``."""
        ...


class AlertSubscribers(Protocol):
    """The residents' confirmed alert subscriptions (``services/alerts.py``'s repository)."""

    def confirmed(self) -> Iterator[AlertSubscriber]:
        """Every subscription with at least one confirmed channel, not ended, page by page."""
        ...
