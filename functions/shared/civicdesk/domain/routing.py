"""Which department receives a case: category -> department, refined by area.

A category names its department. An area (a district, or a utility's service area) may send
some categories, or whole category groups, elsewhere: the northern villages' water supply goes
to the village water utility, not to the town's. Which areas contain the case's location is
``Municipality.areas_at`` (``civicdesk.domain.geometry``); this module only applies the rules.
An operator may override the result; that decision is recorded as
``RoutingDecision(department, "override")`` by the service that accepts the override.
"""

from __future__ import annotations

from typing import Sequence

from msgspec import Struct

from .cases import Location
from .municipality import Area, Municipality

RULES = ("category", "area", "override")


class RoutingDecision(Struct, frozen=True):
    """The department chosen for a case and why: ``rule`` is ``"category"`` (the category's
    own department), ``"area"`` (``area`` routes the category elsewhere) or ``"override"``
    (an operator chose it)."""

    department: str
    rule: str  # "category" | "area" | "override"
    area: str | None = None


def route(municipality: Municipality, category_id: str,
          containing_area_ids: Sequence[str]) -> RoutingDecision:
    """Route a case of ``category_id`` located in the areas ``containing_area_ids``.

    Among the containing areas that route the category (by its own id, or else by its group's
    id: within one area a category's own route wins over its group's), the one with the highest
    ``priority`` decides; equal priorities go to the smaller area, then to the smaller id. With
    no such area the category's own department receives the case. Area ids the configuration
    no longer has (a stale location lookup) are ignored.

    Parameters
    ----------
    municipality
        The parsed configuration.
    category_id
        A category of ``municipality`` (callers validate input first; an unknown id raises
        ``KeyError``).
    containing_area_ids
        Ids of the areas that contain or touch the case's location
        (``Municipality.areas_at``); empty for a case without a location.

    Examples
    --------
    >>> from civicdesk.domain.municipality import (Area, Category, CategoryGroup, Department,
    ...                                            Municipality)
    >>> def square(x, y, side):
    ...     ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    ...     return {"type": "Polygon", "coordinates": [ring]}
    >>> name = {"en": "-"}
    >>> town = Municipality(
    ...     id="demo", name=name, country="RS", time_zone="Europe/Belgrade", languages=("en",),
    ...     default_language="en", mail_domain="demo.example", general_address="a@demo.example",
    ...     working_hours={}, public_types=frozenset(), public_form_types=(),
    ...     reopen_window_days=30, auto_reply_limit_per_hour=5,
    ...     departments={d: Department(d, name) for d in ("water", "village_water", "zone")},
    ...     services={}, groups={"infrastructure": CategoryGroup("infrastructure", name)},
    ...     categories={"water_supply": Category("water_supply", "infrastructure", name, name,
    ...                                          "water", ())},
    ...     areas={"villages": Area("villages", "utility_area", name, square(20.9, 44.06, 0.05),
    ...                             routes={"infrastructure": "village_water"}, size_km2=22.2),
    ...            "zone": Area("zone", "utility_area", name, square(20.9, 44.07, 0.01),
    ...                         routes={"water_supply": "zone"}, priority=10, size_km2=0.9)})

    Outside every area, the category decides:

    >>> route(town, "water_supply", [])
    RoutingDecision(department='water', rule='category', area=None)

    In the villages, their utility receives the infrastructure group:

    >>> route(town, "water_supply", ["villages"])
    RoutingDecision(department='village_water', rule='area', area='villages')

    Where two areas route the category, the higher priority wins:

    >>> route(town, "water_supply", ["villages", "zone"])
    RoutingDecision(department='zone', rule='area', area='zone')
    """
    category = municipality.categories[category_id]
    candidates: list[tuple[Area, str]] = []
    for area_id in dict.fromkeys(containing_area_ids):
        area = municipality.areas.get(area_id)
        department = area.department_for(category) if area is not None else None
        if area is not None and department is not None:
            candidates.append((area, department))
    if not candidates:
        return RoutingDecision(department=category.department, rule="category")
    area, department = min(candidates,
                           key=lambda pair: (-pair[0].priority, pair[0].size_km2, pair[0].id))
    return RoutingDecision(department=department, rule="area", area=area.id)


def route_at(municipality: Municipality, category_id: str,
             location: Location | None) -> RoutingDecision:
    """Route a case of ``category_id`` at ``location`` (``None``, or an address without
    coordinates: by category alone): the operator's intake and its preview both ask this.

    Examples
    --------
    >>> from civicdesk.domain.municipality import Category, CategoryGroup, Department, Municipality
    >>> name = {"en": "-"}
    >>> town = Municipality(
    ...     id="demo", name=name, country="RS", time_zone="Europe/Belgrade", languages=("en",),
    ...     default_language="en", mail_domain="demo.example", general_address="a@demo.example",
    ...     working_hours={}, public_types=frozenset(), public_form_types=(),
    ...     reopen_window_days=30, auto_reply_limit_per_hour=5,
    ...     departments={"water": Department("water", name)}, services={},
    ...     groups={"g": CategoryGroup("g", name)},
    ...     categories={"leak": Category("leak", "g", name, name, "water", ())})
    >>> route_at(town, "leak", Location(address="Main street 1"))
    RoutingDecision(department='water', rule='category', area=None)
    """
    areas: Sequence[str] = ()
    if location is not None and location.lat is not None and location.lon is not None:
        areas = municipality.areas_at(location.lat, location.lon)
    return route(municipality, category_id, areas)
