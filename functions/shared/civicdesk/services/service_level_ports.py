"""The ports of the service-level job (``services.service_level_job``): the open cases due in
its window, read through the due-time index, and the version-checked write of one case."""

from __future__ import annotations

from typing import Protocol

from ..domain.cases import Case, TimelineEvent
from .ports import DueCases

__all__ = ["DueCases", "ServiceLevelCases"]


class ServiceLevelCases(Protocol):
    """The case the job reads again after a conflict, and its version-checked write."""

    def get_case(self, number: str) -> Case | None: ...

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None:
        """Write ``case`` and ``events`` only if the stored case still has
        ``expected_version``; ``ConflictError`` otherwise."""
