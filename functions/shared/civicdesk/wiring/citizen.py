"""The composition root's part for the requester answering back on the tracking page (issue 16,
item 5): the service over the cases' repository."""

from __future__ import annotations

from functools import lru_cache

from .core import case_repository, municipality_provider, tracking_links

__all__ = ["citizen_answer_service"]


@lru_cache(maxsize=1)
def citizen_answer_service():
    from ..services.citizen_answers import CitizenAnswerService

    return CitizenAnswerService(case_repository(), municipality_provider(), links=tracking_links())
