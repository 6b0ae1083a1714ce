"""The composition root's part for the public map (issue 16): the public reports on the map's
index (also the port Open311 reads, ``services.public_report_ports.PublicReports``) and the
public map's service."""

from __future__ import annotations

from functools import lru_cache

from .core import _tables_configured, municipality_provider

__all__ = ["public_map_service", "public_reports"]


@lru_cache(maxsize=1)
def public_reports():
    """``PublicReports`` (GSI8): the public map's, "nearby reports"' and Open311's."""
    from ..adapters.dynamodb.public_reports import DynamoPublicReports

    _tables_configured()
    provider = municipality_provider()
    return DynamoPublicReports(provider.get)


@lru_cache(maxsize=1)
def public_map_service():
    from ..adapters.dynamodb.search import DynamoSearchIndex
    from ..services.public_map import PublicMapService

    reports = public_reports()
    return PublicMapService(reports, reports, DynamoSearchIndex(), municipality_provider())
