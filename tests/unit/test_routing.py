"""Routing by category and area, and the point-in-area lookups that feed it
(``Municipality.areas_at``, pure Python: ``civicdesk.domain.geometry``)."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.municipality_config import parse_municipality
from civicdesk.domain.routing import RoutingDecision, route

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "infra" / "config"


@pytest.fixture(scope="module")
def demo_document():
    return load_config_dir(CONFIG_DIR)


@pytest.fixture(scope="module")
def demo(demo_document):
    return parse_municipality(demo_document)


def square(area_id, west, south, side, **properties):
    ring = [[west, south], [west + side, south], [west + side, south + side],
            [west, south + side], [west, south]]
    return {"type": "Feature",
            "properties": {"id": area_id, "kind": "utility_area",
                           "name": {lang: area_id for lang in ("sr-Cyrl", "sr-Latn", "bg", "cs",
                                                               "en")},
                           **properties},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def with_areas(demo_document, *features):
    document = copy.deepcopy(demo_document)
    document["areas"] = {"type": "FeatureCollection", "features": list(features)}
    return parse_municipality(document)


# --- where a point is (geo) -------------------------------------------------------------------

@pytest.mark.parametrize("lat,lon,expected", [
    (44.0180, 20.9200, ("centar",)),
    (44.0150, 20.9550, ("industrijska_zona",)),
    # in the Breza estate, outside its park
    (44.0160, 20.8890, ("breza", "breza_estate_greenery")),
    # in the estate's park: a hole of the estate's greenery area, still in the district
    (44.0205, 20.8890, ("breza",)),
    # on the park's (the hole's) border: touches the estate's area
    (44.0200, 20.8860, ("breza", "breza_estate_greenery")),
    # on the border between two districts: a shared vertex, then a point on a shared edge
    (44.0180, 20.9050, ("centar", "breza")),
    (44.0120, 20.9050, ("centar", "breza")),
    # Gornje Polje, the first part of both MultiPolygons
    (44.0800, 20.8950, ("severna_sela", "izvor_water_area")),
    # Donje Polje, their second part
    (44.0680, 20.9650, ("severna_sela", "izvor_water_area")),
    # the business zone, inside Izvor's area
    (44.0690, 20.9020, ("severna_sela", "izvor_water_area", "poslovna_zona_sever")),
    # a village outskirt: in the district, outside the village water supply
    (44.0900, 20.8950, ("severna_sela",)),
    # the fields between the town and the villages, and somewhere else entirely
    (44.0450, 20.9200, ()),
    (45.2671, 19.8335, ()),
])
def test_areas_containing_a_point(demo, lat, lon, expected):
    assert demo.areas_at(lat, lon) == expected


def test_latitude_comes_first(demo):
    assert demo.areas_at(20.9200, 44.0180) == ()


@pytest.mark.parametrize("lat,lon", [(float("nan"), 20.92), (44.018, float("inf"))])
def test_a_non_finite_position_is_in_no_area(demo, lat, lon):
    assert demo.areas_at(lat, lon) == ()


def test_a_municipality_without_areas_is_in_no_area(demo_document):
    document = copy.deepcopy(demo_document)
    del document["areas"]
    municipality = parse_municipality(document)
    assert municipality.areas_at(44.018, 20.92) == ()


def test_the_regions_are_built_once_per_municipality_object(demo_document):
    # GIVEN a parsed configuration, looked up twice
    municipality = parse_municipality(demo_document)
    municipality.areas_at(44.018, 20.92)
    regions = {area_id: area.region for area_id, area in municipality.areas.items()}
    municipality.areas_at(44.07, 20.96)
    # THEN the second lookup reused the first one's regions
    assert all(area.region is regions[area_id] for area_id, area in municipality.areas.items())
    # WHEN the configuration is re-read (a new object, as the provider builds after a change)
    changed = with_areas(demo_document, square("only", 20.0, 40.0, 1.0))
    # THEN it has regions of its own, with the new areas
    assert changed.areas_at(40.5, 20.5) == ("only",)
    assert changed.areas_at(44.018, 20.92) == ()


def test_locating_and_routing_a_case_needs_neither_shapely_nor_numpy(demo_document, tmp_path):
    # The functions' layer no longer ships them: make importing them fail, then look up.
    stored = tmp_path / "configuration.json"
    stored.write_text(json.dumps(demo_document), encoding="utf-8")
    code = ("import json, sys; sys.modules['shapely'] = sys.modules['numpy'] = None; "
            "from civicdesk.domain.cases import Location; "
            "from civicdesk.domain.municipality_config import parse_municipality; "
            "from civicdesk.domain.routing import route; "
            f"m = parse_municipality(json.load(open({str(stored)!r}, encoding='utf-8'))); "
            "assert m.areas_at(44.069, 20.902) == ('severna_sela', 'izvor_water_area', "
            "'poslovna_zona_sever'), m.areas_at(44.069, 20.902); "
            "assert route(m, 'water_supply', m.areas_at(44.069, 20.902)).area; "
            "assert not m.covers(Location(lat=44.8125, lon=20.4612)); "
            "assert m.location_example == (44.018, 20.92)")
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={"PYTHONPATH": str(ROOT / "functions" / "shared")})


# --- which department (routing) ---------------------------------------------------------------

def located(demo, category, lat, lon):
    return route(demo, category, demo.areas_at(lat, lon))


def test_without_a_location_the_category_decides(demo):
    assert route(demo, "water_supply", ()) == RoutingDecision("water_sewage", "category")


def test_an_area_without_a_route_for_the_category_changes_nothing(demo):
    assert located(demo, "road_damage", 44.0180, 20.9200) == \
        RoutingDecision("roads_traffic", "category")
    assert located(demo, "street_lighting", 44.0690, 20.9020) == \
        RoutingDecision("public_utilities", "category")


def test_the_northern_villages_water_goes_to_their_utility_in_both_parts(demo):
    for lat, lon in ((44.0800, 20.8950), (44.0680, 20.9650)):
        assert located(demo, "water_supply", lat, lon) == \
            RoutingDecision("izvor_water_utility", "area", "izvor_water_area")
        assert located(demo, "sewage_drainage", lat, lon).department == "izvor_water_utility"


def test_a_higher_priority_area_wins_where_areas_overlap(demo):
    # the business zone (priority 10) lies inside Izvor's area (priority 0)
    assert located(demo, "water_supply", 44.0690, 20.9020) == \
        RoutingDecision("water_sewage", "area", "poslovna_zona_sever")


def test_a_village_outskirt_outside_the_utility_area_is_routed_by_category(demo):
    assert located(demo, "water_supply", 44.0900, 20.8950) == \
        RoutingDecision("water_sewage", "category")


def test_a_group_route_and_a_category_route_in_one_area(demo):
    # the estate's greenery group goes to JKP Komunalac, but its trees stay with JKP Zelenilo
    assert located(demo, "playgrounds", 44.0160, 20.8890) == \
        RoutingDecision("public_utilities", "area", "breza_estate_greenery")
    assert located(demo, "green_areas", 44.0160, 20.8890).department == "public_utilities"
    assert located(demo, "trees", 44.0160, 20.8890) == \
        RoutingDecision("green_areas", "area", "breza_estate_greenery")


def test_the_hole_is_routed_as_if_the_area_were_not_there(demo):
    assert located(demo, "playgrounds", 44.0205, 20.8890) == \
        RoutingDecision("green_areas", "category")
    # on the hole's border the area applies
    assert located(demo, "playgrounds", 44.0200, 20.8860).area == "breza_estate_greenery"


def test_a_district_route(demo):
    assert located(demo, "noise", 44.0150, 20.9550) == \
        RoutingDecision("environmental_protection", "area", "industrijska_zona")
    assert located(demo, "noise", 44.0180, 20.9200) == \
        RoutingDecision("communal_inspection", "category")


def test_equal_priorities_go_to_the_smaller_area_then_the_smaller_id(demo_document):
    municipality = with_areas(
        demo_document,
        square("big", 20.90, 44.00, 0.10, routes={"water_supply": "public_utilities"}),
        square("small", 20.92, 44.02, 0.01, routes={"infrastructure": "roads_traffic"}),
        square("b_twin", 20.95, 44.05, 0.01, routes={"water_supply": "green_areas"}),
        square("a_twin", 20.95, 44.05, 0.01, routes={"water_supply": "urban_planning"}),
        square("low", 20.92, 44.02, 0.01, routes={"water_supply": "tax_administration"},
               priority=-1))
    inside_small = municipality.areas_at(44.025, 20.925)
    assert set(inside_small) == {"big", "small", "low"}
    # the small area wins over the big one (its group route counts like a category route)
    assert route(municipality, "water_supply", inside_small) == \
        RoutingDecision("roads_traffic", "area", "small")
    # a negative priority loses even against a bigger area
    assert route(municipality, "water_supply", ["big", "low"]).area == "big"
    # same priority, same size: the smaller id
    inside_twins = municipality.areas_at(44.055, 20.955)
    assert route(municipality, "water_supply", inside_twins) == \
        RoutingDecision("urban_planning", "area", "a_twin")


def test_priority_decides_before_a_category_route_beats_a_group_route(demo_document):
    # Within one area a category's own route wins over its group's; across areas, priority
    # decides first.
    municipality = with_areas(
        demo_document,
        square("group_first", 20.90, 44.00, 0.05, routes={"infrastructure": "public_utilities"},
               priority=5),
        square("category", 20.90, 44.00, 0.01, routes={"water_supply": "roads_traffic"}))
    assert route(municipality, "water_supply", ["group_first", "category"]) == \
        RoutingDecision("public_utilities", "area", "group_first")


def test_unknown_and_repeated_area_ids_are_ignored(demo):
    assert route(demo, "water_supply", ["no_longer_configured"]) == \
        RoutingDecision("water_sewage", "category")
    assert route(demo, "water_supply", ["izvor_water_area", "izvor_water_area"]).area == \
        "izvor_water_area"


def test_an_unknown_category_is_a_programming_error(demo):
    with pytest.raises(KeyError):
        route(demo, "no_such_category", [])


def test_an_override_is_a_decision_of_its_own():
    decision = RoutingDecision("roads_traffic", "override")
    assert (decision.department, decision.rule, decision.area) == \
        ("roads_traffic", "override", None)


def test_routing_imports_only_the_standard_library_and_its_records():
    # The same rule as the contract test's for the rest of domain/ (msgspec: the records).
    import ast

    from civicdesk.domain import routing

    tree = ast.parse(Path(routing.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in sys.stdlib_module_names | {"msgspec"}, name
