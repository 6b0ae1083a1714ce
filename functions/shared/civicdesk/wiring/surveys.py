"""The surveys' services (``services/surveys.py``)."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .core import _tables_configured, municipality_provider

__all__ = ["survey_service", "survey_store"]


@lru_cache(maxsize=1)
def survey_store():
    from ..adapters.dynamodb.surveys import DynamoSurveys

    _tables_configured()
    return DynamoSurveys()


def _audience_members():
    """Who a survey reaches: ``wiring.audience_members()`` (the audiences part's factory of
    ``services.audience_ports.AudienceMembers``), looked up on the package when a call list
    is built, so that tests and the composition root decide which one."""
    from .. import wiring
    from ..domain.errors import ConfigurationError

    factory = getattr(wiring, "audience_members", None)
    if factory is None:
        raise ConfigurationError("error.configuration")
    return factory()


@lru_cache(maxsize=1)
def survey_service():
    from ..services.surveys import SurveyService

    return SurveyService(survey_store(), municipality_provider(), _audience_members,
                         settings().public_url)
