"""The composition root's part for Open311 (issue 16): the apps' API keys, the submission
tokens and the Open311 service, which reads public reports through the ``PublicReports`` port
(``build_open311_service`` takes it, so a test or another adapter plugs in)."""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module

from ..config import settings
from .core import _tables_configured, case_service, municipality_provider

__all__ = ["build_open311_service", "open311_api_keys", "open311_key_service", "open311_media_base",
           "open311_public_reports", "open311_service", "open311_tokens"]


@lru_cache(maxsize=1)
def open311_api_keys():
    from ..adapters.dynamodb.open311 import DynamoApiKeys

    _tables_configured()
    return DynamoApiKeys()


@lru_cache(maxsize=1)
def open311_tokens():
    from ..adapters.dynamodb.open311 import DynamoSubmissionTokens

    _tables_configured()
    return DynamoSubmissionTokens()


def open311_public_reports():
    """``services.public_report_ports.PublicReports``: the public map part's adapter and index
    (``wiring.public_reports``, one ``Query`` per page), shared with the map and "nearby"."""
    return import_module("civicdesk.wiring").public_reports()


def open311_media_base() -> str:
    """Where a report's published photos are (``PublicReport.photos`` are relative to it)."""
    return settings().public_media_url  # the portal's /public-media/ (docs/photos.md)


def build_open311_service(reports):
    from ..services.open311 import Open311Service

    return Open311Service(municipality_provider(), reports, case_service().open_public_case,
                          open311_api_keys(), open311_tokens())


class _WiredReports:
    """``PublicReports`` resolved at the first read: a ``POST requests`` or a services list
    does not build the index adapter (nor its client)."""

    def __init__(self, factory):
        self._factory = factory
        self._reports = None

    def _port(self):
        if self._reports is None:
            self._reports = self._factory()
        return self._reports

    def page(self, query, *, limit, cursor=None):
        return self._port().page(query, limit=limit, cursor=cursor)

    def report(self, number):
        return self._port().report(number)


@lru_cache(maxsize=1)
def open311_service():
    return build_open311_service(_WiredReports(lambda: open311_public_reports()))


@lru_cache(maxsize=1)
def open311_key_service():
    from ..services.open311 import ApiKeyService

    return ApiKeyService(open311_api_keys())
