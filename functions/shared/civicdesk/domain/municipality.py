"""A municipality's configuration as a typed model: languages, hours, departments, services,
categories, areas (district and utility boundaries) and the external bodies cases can be referred
to, with the lookups the rest of the code asks of it.

The model is built once, from the configuration document, by
:func:`civicdesk.domain.municipality_config.parse_municipality`, which validates every reference
in it; the rest of the code can then trust them.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Mapping

from msgspec import Struct, field

from .cases import ALWAYS_PRIVATE_TYPES, CaseType, Location
from .errors import ConfigurationError
from .texts import localised

if TYPE_CHECKING:  # annotations only: the parts' modules load with the part
    from .alerts import AlertTopic
    from .geometry import Bounds, Region
    from .portal_info import PortalInfo
    from .public_map_config import LocationPrecision
    from .service_levels import ServiceLevels
    from .sms_script import SmsPolicy

__all__ = ["Area", "Category", "CategoryGroup", "Department", "ExternalBody", "MapTiles",
           "Municipality", "SECTIONS", "Service", "localised"]

#: The parts of the configuration built on their first use, from ``Municipality.sections``
#: (``domain.municipality_sections``): only some requests need them.
SECTIONS = ("sms", "service_levels", "alert_topics", "location_precision", "portal")


class Department(Struct, frozen=True):
    id: str
    name: dict[str, str]
    email: str | None = None
    external: bool = False
    #: Who leads it, when the weekly report goes to heads too (``weekly_report_to_heads``).
    head: str | None = None


class Service(Struct, frozen=True):
    """A support address (``kjs@``) and what mail to it is about."""

    id: str
    address: str
    name: dict[str, str]
    department: str
    default_category: str
    language: str


class CategoryGroup(Struct, frozen=True):
    id: str
    name: dict[str, str]


class Category(Struct, frozen=True):
    id: str
    group: str
    name: dict[str, str]
    description: dict[str, str]
    department: str
    types: tuple[CaseType, ...]
    keywords: dict[str, str] = field(default_factory=dict)


class Area(Struct, frozen=True, dict=True):
    """A district or a utility's service area, and where it routes cases located in it.

    ``geometry`` is the configured GeoJSON ``Polygon`` or ``MultiPolygon`` mapping, unchanged;
    ``region`` answers point lookups on it (built on first use). ``routes`` maps a category id
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

    @cached_property
    def region(self) -> Region:
        from .geometry import Region

        return Region.from_geojson(self.geometry)


class ExternalBody(Struct, frozen=True):
    """A body outside the municipality that a case can be referred to by e-mail."""

    id: str
    kind: str
    name: dict[str, str]
    email: str


class MapTiles(Struct, frozen=True):
    """Where maps (the console's, the portal's) get their background: an XYZ tile URL template
    (``{z}``, ``{x}``, ``{y}``; ``{s}`` for subdomains), whose attribution every map shows."""

    url: str
    attribution: str
    max_zoom: int = 19
    subdomains: str = ""


class Municipality(Struct, frozen=True, dict=True):
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
    #: The municipality's territory (GeoJSON Polygon or MultiPolygon), ``boundary.geojson``.
    boundary: dict | None = None
    #: ``(lat, lon)`` the public form gives as an example, ``location_example`` in the file.
    configured_example: tuple[float, float] | None = None
    #: New cases one sender's mail may open a day; beyond, its mail waits in quarantine.
    new_cases_per_sender_per_day: int = 10
    #: The tile server of its maps, ``map_tiles`` in the file; ``None``: maps without tiles
    #: (the territory and the areas drawn on a plain background).
    map_tiles: MapTiles | None = None
    #: Whether each department's ``head`` gets the weekly report of their department.
    weekly_report_to_heads: bool = False
    #: Whether audiences may reach the requesters and followers of cases matching a filter
    #: (``docs/audiences.md``): people told about a case, not subscribed to anything, so only
    #: where the municipality's legal basis allows it.
    audiences_from_cases: bool = False
    #: The builders of the parts in ``SECTIONS``, by name (``parse_municipality``); a part
    #: without one has its default.
    sections: Mapping[str, Callable[[], Any]] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        """The same configuration, however its parts are built (``sections``: now or on use)."""
        if type(other) is not Municipality:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _COMPARED)

    __hash__ = None  # type: ignore[assignment]  # it holds dicts

    def __repr__(self) -> str:
        return f"Municipality(id={self.id!r}, country={self.country!r})"

    def _section(self, name: str) -> Any:
        build = self.sections.get(name)
        if build is None:
            from .municipality_sections import default_section

            return default_section(name)
        try:
            return build()
        except KeyError as exc:  # a stored document read without its check (``deferred``)
            raise ConfigurationError("error.configuration", detail=f"missing key {exc}") from None

    @cached_property
    def sms(self) -> SmsPolicy:
        """The script and diacritics of its SMS (``sms``)."""
        return self._section("sms")

    @cached_property
    def service_levels(self) -> ServiceLevels | None:
        """Its service levels and its country's legal deadlines (``service_levels.json``,
        ``legal_deadlines.json``); ``None``: cases carry no due times."""
        return self._section("service_levels")

    @cached_property
    def alert_topics(self) -> dict[str, AlertTopic]:
        """What residents may subscribe to alerts about (``alert_topics``), by id, in order."""
        return self._section("alert_topics")

    @cached_property
    def location_precision(self) -> LocationPrecision:
        """How precisely the public sees each category's point (``public_map``; issue 16)."""
        return self._section("location_precision")

    @cached_property
    def portal(self) -> PortalInfo:
        """Its phone number, the privacy notice's and the accessibility statement's facts
        (``phone``, ``privacy``, ``accessibility``; issue 16)."""
        return self._section("portal")

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

    # -- where ---------------------------------------------------------------------------------

    @cached_property
    def territory(self) -> Region | None:
        """Where the municipality accepts locations: its ``boundary``, else (without one) the
        union of its ``district`` areas, else nowhere in particular (``None``: any location)."""
        from .geometry import Region

        if self.boundary is not None:
            return Region.from_geojson(self.boundary)
        districts = [area.region for area in self.areas.values() if area.kind == "district"]
        return Region.union(districts) if districts else None

    def covers(self, location: Location | None) -> bool:
        """Whether a case's location is in the municipality (on its boundary counts as in).
        A location without coordinates (an address only), or a municipality without a
        territory, always is."""
        if location is None or location.lat is None or location.lon is None:
            return True
        return self.territory is None or self.territory.covers(location.lat, location.lon)

    def areas_at(self, lat: float, lon: float) -> tuple[str, ...]:
        """Ids of the areas whose geometry contains or touches the point, in configuration
        order: a point in an area's hole is outside it, a point on a shared border in both.
        Feed the result to ``civicdesk.domain.routing.route``.

        Examples
        --------
        >>> ring = [[20.90, 44.00], [20.93, 44.00], [20.93, 44.03], [20.90, 44.03], [20.90, 44.00]]
        >>> town = Municipality(
        ...     id="demo", name={}, country="RS", time_zone="Europe/Belgrade", languages=("en",),
        ...     default_language="en", mail_domain="demo.example", general_address="a@demo.example",
        ...     working_hours={}, public_types=frozenset(), public_form_types=(),
        ...     reopen_window_days=30, auto_reply_limit_per_hour=5, departments={}, services={},
        ...     groups={}, categories={},
        ...     areas={"centre": Area("centre", "district", {}, {"type": "Polygon",
        ...                                                      "coordinates": [ring]})})
        >>> town.areas_at(44.01, 20.91), town.areas_at(44.05, 20.91)
        (('centre',), ())
        """
        return tuple(area_id for area_id, area in self.areas.items()
                     if area.region.covers(lat, lon))

    @cached_property
    def location_example(self) -> tuple[float, float] | None:
        """``(lat, lon)`` in the territory for the form's hint: the configured one, else a point
        well inside (to 4 decimals, about 10 m, when that is still inside)."""
        if self.configured_example is not None or self.territory is None:
            return self.configured_example
        lat, lon = self.territory.representative_point()
        rounded = (round(lat, 4), round(lon, 4))
        return rounded if self.territory.covers(*rounded) else (lat, lon)

    @property
    def bounds(self) -> Bounds | None:
        """The territory's bounding box (an app's map starts there)."""
        return self.territory.bounds if self.territory is not None else None

    @property
    def general_service(self) -> Service:
        service = self.service_for_address(self.general_address)
        assert service is not None  # guaranteed by parse_municipality
        return service


#: The fields two configurations are compared by: all but the parts' builders.
_COMPARED = tuple(name for name in Municipality.__struct_fields__ if name != "sections")
