"""The municipality's territory (``boundary.geojson``, ``location_example``): where a case's
location is accepted, checked when the configuration is loaded and seeded."""

import copy
import json
import shutil
from pathlib import Path

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.cases import Location
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.municipality_config import parse_municipality

CONFIG_DIR = Path(__file__).resolve().parents[2] / "infra" / "config"
BELGRADE = Location(lat=44.8125, lon=20.4612)
FIELDS = Location(lat=44.045, lon=20.92)  # between the town and the villages: in no district
TOWN_HALL = Location(lat=44.018, lon=20.92)


@pytest.fixture(scope="module")
def demo_document():
    return load_config_dir(CONFIG_DIR)


@pytest.fixture
def document(demo_document):
    return copy.deepcopy(demo_document)


@pytest.fixture
def config_dir(tmp_path):
    shutil.copytree(CONFIG_DIR, tmp_path, dirs_exist_ok=True)
    return tmp_path


def write(directory: Path, name: str, content: object) -> None:
    (directory / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def square(west, south, side):
    return {"type": "Polygon", "coordinates": [[[west, south], [west + side, south],
                                                [west + side, south + side],
                                                [west, south + side], [west, south]]]}


def refused_at_load(directory: Path) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_config_dir(directory)
    return caught.value.params["detail"]


# --- the demo ----------------------------------------------------------------------------------

def test_the_demo_boundary_holds_the_town_and_the_villages_and_not_belgrade(demo_document):
    municipality = parse_municipality(demo_document)
    assert municipality.boundary["type"] == "Polygon"
    assert municipality.covers(TOWN_HALL) and municipality.covers(FIELDS)
    assert municipality.covers(Location(lat=44.08, lon=20.97))  # Donje Polje
    assert not municipality.covers(BELGRADE)
    assert not municipality.covers(Location(lat=20.92, lon=44.018))  # latitude and longitude swapped
    assert municipality.covers(Location(address="Краља Петра 12")) and municipality.covers(None)
    assert municipality.location_example == (44.018, 20.92)


def test_the_boundary_is_stored_as_a_geometry_whatever_the_file_wraps_it_in(config_dir, demo_document):
    geometry = demo_document["boundary"]
    for content in (geometry, {"type": "Feature", "properties": {}, "geometry": geometry},
                    {"type": "FeatureCollection",
                     "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}):
        write(config_dir, "boundary.geojson", content)
        assert load_config_dir(config_dir)["boundary"] == geometry


# --- what the seed step refuses ------------------------------------------------------------------

def test_a_boundary_of_several_features_is_refused(config_dir, demo_document):
    feature = {"type": "Feature", "properties": {}, "geometry": demo_document["boundary"]}
    write(config_dir, "boundary.geojson", {"type": "FeatureCollection", "features": [feature, feature]})
    assert refused_at_load(config_dir) == "boundary: expected one feature (the territory), not 2"


@pytest.mark.parametrize("geometry,detail", [
    ({"type": "Point", "coordinates": [20.92, 44.018]}, "boundary: geometry type must be Polygon or MultiPolygon"),
    ({"type": "Polygon", "coordinates": [[[20.8, 44.0], [21.0, 44.0], [20.8, 44.0]]]}, "at least 4 positions"),
    # a bow tie: structurally a polygon, invalid for the geometry engine
    ({"type": "Polygon", "coordinates": [[[20.8, 43.9], [21.1, 44.2], [21.1, 43.9], [20.8, 44.2], [20.8, 43.9]]]},
     "boundary: invalid geometry: Self-intersection"),
])
def test_a_broken_boundary_is_refused_with_the_reason(config_dir, geometry, detail):
    write(config_dir, "boundary.geojson", geometry)
    assert detail in refused_at_load(config_dir)


def test_an_area_reaching_outside_the_boundary_is_refused(config_dir):
    # GIVEN a boundary round the town only: the villages' areas stick out of it
    write(config_dir, "boundary.geojson", square(20.86, 43.99, 0.12))
    # THEN the seed step names the first area and a place outside
    detail = refused_at_load(config_dir)
    assert detail.startswith("area severna_sela: reaches outside the boundary (at 20.")


def test_an_example_outside_the_municipality_is_refused(config_dir):
    settings = json.loads((config_dir / "municipality.json").read_text(encoding="utf-8"))
    settings["location_example"] = {"lat": 44.8125, "lon": 20.4612}
    write(config_dir, "municipality.json", settings)
    assert refused_at_load(config_dir) == "location_example: 44.8125, 20.4612 is outside the municipality"


def test_parsing_the_stored_configuration_builds_no_region(demo_document):
    # Every container parses it; only a located request needs the territory's region.
    municipality = parse_municipality(demo_document)
    assert "territory" not in vars(municipality)
    assert all("region" not in vars(area) for area in municipality.areas.values())


@pytest.mark.parametrize("example", [{"lat": 44.018}, {"lat": "44", "lon": 20.9}, [44.018, 20.92],
                                     {"lat": 95.0, "lon": 20.9}])
def test_a_malformed_example_is_refused(document, example):
    document["location_example"] = example
    with pytest.raises(ConfigurationError) as caught:
        parse_municipality(document)
    assert caught.value.params["detail"].startswith("location_example: ")


# --- without an explicit boundary ------------------------------------------------------------------

def test_without_a_boundary_the_districts_are_the_territory(document):
    del document["boundary"]
    municipality = parse_municipality(document)
    assert municipality.covers(TOWN_HALL)
    assert not municipality.covers(FIELDS)  # between the districts
    # a utility area alone is not territory: the business zone's point is in a district anyway
    assert municipality.covers(Location(lat=44.069, lon=20.902))


def test_without_a_boundary_and_an_example_one_is_derived_inside(document):
    del document["boundary"], document["location_example"]
    municipality = parse_municipality(document)
    lat, lon = municipality.location_example
    assert municipality.covers(Location(lat=lat, lon=lon))
    assert municipality.bounds.west == 20.868 and municipality.bounds.north == 44.095


def test_without_a_boundary_or_districts_every_location_is_accepted(document):
    del document["boundary"], document["location_example"], document["areas"]
    municipality = parse_municipality(document)
    assert municipality.territory is None and municipality.covers(BELGRADE)
    assert municipality.location_example is None and municipality.bounds is None
