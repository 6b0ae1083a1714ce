"""A municipality's configuration as data: languages, hours, departments, services, categories.

The configuration is one JSON document (seeded from ``infra/config/``) validated here once, when
it is loaded; the rest of the code can then trust every reference in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from .cases import ALWAYS_PRIVATE_TYPES, LANGUAGES, CaseType
from .errors import ConfigurationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _text(value: object, where: str, languages: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigurationError("error.configuration", detail=f"{where}: expected a text object")
    missing = [lang for lang in languages if not str(value.get(lang) or "").strip()]
    if missing:
        raise ConfigurationError("error.configuration",
                                 detail=f"{where}: missing translation(s) {', '.join(missing)}")
    return {str(k): str(v) for k, v in value.items()}


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


def translate(text: Mapping[str, str], language: str, fallback: str = "en") -> str:
    """The text in ``language``, else in ``fallback``, else any."""
    return text.get(language) or text.get(fallback) or next(iter(text.values()), "")


def _hours(raw: object) -> dict[str, tuple[tuple[str, str], ...]]:
    if not isinstance(raw, Mapping):
        raise ConfigurationError("error.configuration", detail="working_hours: expected an object")
    hours: dict[str, tuple[tuple[str, str], ...]] = {}
    for day in WEEKDAYS:
        spans = raw.get(day, [])
        parsed = []
        for span in spans:
            if (not isinstance(span, (list, tuple)) or len(span) != 2
                    or not all(_is_hhmm(part) for part in span) or span[0] >= span[1]):
                raise ConfigurationError("error.configuration",
                                         detail=f"working_hours.{day}: bad span {span!r}")
            parsed.append((span[0], span[1]))
        hours[day] = tuple(parsed)
    return hours


def _is_hhmm(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 5 and value[2] == ":"
            and value[:2].isdigit() and value[3:].isdigit()
            and int(value[:2]) < 24 and int(value[3:]) < 60)


def _types(values: object, where: str) -> tuple[CaseType, ...]:
    try:
        return tuple(CaseType(v) for v in values)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise ConfigurationError("error.configuration", detail=f"{where}: {exc}") from None


def _dates(values: object) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(v) for v in values)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise ConfigurationError("error.configuration", detail=f"holidays: {exc}") from None


def parse_municipality(doc: Mapping) -> Municipality:
    """Validate the configuration document and build the typed model.

    ``doc`` has the keys of ``infra/config/municipality.json`` plus ``departments``,
    ``services``, ``groups`` and ``categories`` (the lists of the other files).
    Raises ``ConfigurationError`` naming the first problem found.
    """
    try:
        languages = tuple(doc["languages"])
        if not languages or any(lang not in LANGUAGES for lang in languages):
            raise ConfigurationError("error.configuration",
                                     detail=f"languages must be a subset of {LANGUAGES}")
        default_language = doc["default_language"]
        if default_language not in languages:
            raise ConfigurationError("error.configuration",
                                     detail="default_language is not one of languages")
        departments = {}
        for raw in doc["departments"]:
            dep = Department(id=raw["id"], name=_text(raw["name"], f"department {raw['id']}", languages),
                             email=raw.get("email"), external=bool(raw.get("external", False)))
            departments[dep.id] = dep
        groups = {raw["id"]: CategoryGroup(raw["id"], _text(raw["name"], f"group {raw['id']}", languages))
                  for raw in doc["groups"]}
        categories = {}
        for raw in doc["categories"]:
            where = f"category {raw['id']}"
            if raw["department"] not in departments:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown department {raw['department']}")
            if raw["group"] not in groups:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown group {raw['group']}")
            categories[raw["id"]] = Category(
                id=raw["id"], group=raw["group"], name=_text(raw["name"], where, languages),
                description=_text(raw["description"], where, languages),
                department=raw["department"], types=_types(raw["types"], where),
                keywords=dict(raw.get("keywords") or {}))
        services = {}
        for raw in doc["services"]:
            where = f"service {raw['id']}"
            if raw["department"] not in departments:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown department {raw['department']}")
            if raw["default_category"] not in categories:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown category {raw['default_category']}")
            if raw["language"] not in languages:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown language {raw['language']}")
            services[raw["id"]] = Service(
                id=raw["id"], address=raw["address"].strip().lower(),
                name=_text(raw["name"], where, languages), department=raw["department"],
                default_category=raw["default_category"], language=raw["language"])
        general_address = doc["general_address"].strip().lower()
        if general_address not in {s.address for s in services.values()}:
            raise ConfigurationError("error.configuration",
                                     detail="general_address is not one of the services")
        return Municipality(
            id=doc["id"], name=_text(doc["name"], "name", languages), country=doc["country"],
            time_zone=doc["time_zone"], languages=languages, default_language=default_language,
            mail_domain=doc["mail_domain"].lower(), general_address=general_address,
            working_hours=_hours(doc["working_hours"]),
            public_types=frozenset(_types(doc.get("public_types", ["signal"]), "public_types")),
            public_form_types=_types(doc.get("public_form_types", ["signal"]), "public_form_types"),
            reopen_window_days=int(doc.get("reopen_window_days", 30)),
            auto_reply_limit_per_hour=int(doc.get("auto_reply_limit_per_hour", 5)),
            departments=departments, services=services, groups=groups, categories=categories,
            holidays=_dates(doc.get("holidays", [])))
    except KeyError as exc:
        raise ConfigurationError("error.configuration", detail=f"missing key {exc}") from None
