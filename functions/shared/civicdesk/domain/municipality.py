"""A municipality's configuration as a typed model: languages, hours, departments, services,
categories, areas (district and utility boundaries) and the external bodies cases can be referred
to, with the lookups the rest of the code asks of it.

The model is built once, from the configuration document, by
:func:`civicdesk.domain.municipality_config.parse_municipality`, which validates every reference
in it; the rest of the code can then trust them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from .cases import ALWAYS_PRIVATE_TYPES, CaseType
from .sms import DEFAULT_SMS_POLICY, SmsPolicy


@dataclass(frozen=True)
class Department:
    id: str
    name: dict[str, str]
    email: str | None = None
    external: bool = False


@dataclass(frozen=True)
class Service:
    """A support address (``kjs@``) and what mail to it is about."""

    id: str
    address: str
    name: dict[str, str]
    department: str
    default_category: str
    language: str


@dataclass(frozen=True)
class CategoryGroup:
    id: str
    name: dict[str, str]


@dataclass(frozen=True)
class Category:
    id: str
    group: str
    name: dict[str, str]
    description: dict[str, str]
    department: str
    types: tuple[CaseType, ...]
    keywords: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    """A district or a utility's service area, and where it routes cases located in it.

    ``geometry`` is the configured GeoJSON ``Polygon`` or ``MultiPolygon`` mapping, unchanged
    (``civicdesk.adapters.geo`` builds the spatial index from it). ``routes`` maps a category id
    or a category group id to a department id. ``size_km2`` is an approximation used only to prefer
    the smaller of two overlapping areas with the same ``priority``.
    """

    id: str
    kind: str
    name: dict[str, str]
    geometry: dict
    routes: dict[str, str] = field(default_factory=dict)
    priority: int = 0
    size_km2: float = 0.0

    def department_for(self, category: Category) -> str | None:
        """The department this area sends ``category`` to: its own route, else its group's."""
        return self.routes.get(category.id) or self.routes.get(category.group)


@dataclass(frozen=True)
class ExternalBody:
    """A body outside the municipality that a case can be referred to by e-mail."""

    id: str
    kind: str
    name: dict[str, str]
    email: str


@dataclass(frozen=True)
class Municipality:
    id: str
    name: dict[str, str]
    country: str
    time_zone: str
    languages: tuple[str, ...]
    default_language: str
    mail_domain: str
    general_address: str
    working_hours: dict[str, tuple[tuple[str, str], ...]]
    public_types: frozenset[CaseType]
    public_form_types: tuple[CaseType, ...]
    reopen_window_days: int
    auto_reply_limit_per_hour: int
    departments: dict[str, Department]
    services: dict[str, Service]
    groups: dict[str, CategoryGroup]
    categories: dict[str, Category]
    holidays: frozenset[date] = frozenset()
    areas: dict[str, Area] = field(default_factory=dict)
    external_bodies: dict[str, ExternalBody] = field(default_factory=dict)
    sms: SmsPolicy = DEFAULT_SMS_POLICY  # the script and diacritics of its SMS

    def language_or_default(self, language: str | None) -> str:
        return language if language in self.languages else self.default_language

    def is_public(self, case_type: CaseType) -> bool:
        return case_type in self.public_types and case_type not in ALWAYS_PRIVATE_TYPES

    def service_for_address(self, address: str) -> Service | None:
        address = (address or "").strip().lower()
        for service in self.services.values():
            if service.address == address:
                return service
        return None

    @property
    def general_service(self) -> Service:
        service = self.service_for_address(self.general_address)
        assert service is not None  # guaranteed by parse_municipality
        return service


def localised(text: Mapping[str, str], language: str, fallback: str = "en") -> str:
    """The text in ``language``, else in ``fallback``, else any."""
    return text.get(language) or text.get(fallback) or next(iter(text.values()), "")
