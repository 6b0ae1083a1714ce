"""The configuration of areas (``areas.geojson``) and external bodies (``external_bodies.json``)."""

import copy
import json
import shutil
from pathlib import Path

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.municipality_config import parse_municipality

CONFIG_DIR = Path(__file__).resolve().parents[2] / "infra" / "config"

_LATIN = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ",
                  ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m",
                   "n", "nj", "o", "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š",
                   "A", "B", "V", "G", "D", "Đ", "E", "Ž", "Z", "I", "J", "K", "L", "Lj", "M",
                   "N", "Nj", "O", "P", "R", "S", "T", "Ć", "U", "F", "H", "C", "Č", "Dž", "Š"], strict=False))


@pytest.fixture(scope="module")
def demo_document():
    return load_config_dir(CONFIG_DIR)


@pytest.fixture
def document(demo_document):
    return copy.deepcopy(demo_document)


def feature(area_id="test_area", geometry=None, **properties):
    ring = [[20.90, 44.00], [20.91, 44.00], [20.91, 44.01], [20.90, 44.01], [20.90, 44.00]]
    return {"type": "Feature",
            "properties": {"id": area_id, "kind": "district",
                           "name": {lang: area_id for lang in ("sr-Cyrl", "sr-Latn", "bg", "cs",
                                                               "en")},
                           "routes": {}, **properties},
            "geometry": geometry or {"type": "Polygon", "coordinates": [ring]}}


def refused(document) -> str:
    with pytest.raises(ConfigurationError) as caught:
        parse_municipality(document)
    return caught.value.params["detail"]


# --- the demo configuration -------------------------------------------------------------------

def test_demo_areas_and_external_bodies_load(demo_document):
    municipality = parse_municipality(demo_document)
    assert set(municipality.areas) == {
        "centar", "breza", "industrijska_zona", "severna_sela", "izvor_water_area",
        "poslovna_zona_sever", "breza_estate_greenery"}
    kinds = {area.kind for area in municipality.areas.values()}
    assert kinds == {"district", "utility_area"}
    geometry_types = {area.geometry["type"] for area in municipality.areas.values()}
    assert geometry_types == {"Polygon", "MultiPolygon"}
    assert any(len(area.geometry["coordinates"]) > 1 for area in municipality.areas.values()
               if area.geometry["type"] == "Polygon"), "one area has a hole"
    assert municipality.areas["poslovna_zona_sever"].priority == 10
    assert 0.5 < municipality.areas["poslovna_zona_sever"].size_km2 < 1.5
    # the hole is not counted in the area's size
    estate = municipality.areas["breza_estate_greenery"]
    assert 2.5 < estate.size_km2 < 3.5
    water = municipality.departments["izvor_water_utility"]
    assert water.external and water.email == "vodovod.izvor@demo.civicdesk.rs"
    assert {body.kind for body in municipality.external_bodies.values()} == {
        "municipality", "inspectorate", "utility", "other"}
    assert 4 <= len(municipality.external_bodies) <= 6
    assert all(body.email.endswith(".example.rs")
               for body in municipality.external_bodies.values())


def test_demo_areas_route_to_existing_departments_only(demo_document):
    municipality = parse_municipality(demo_document)
    for area in municipality.areas.values():
        for target, department in area.routes.items():
            assert target in municipality.categories or target in municipality.groups
            assert department in municipality.departments


def test_new_texts_are_complete_and_serbian_latin_is_the_transliteration(demo_document):
    municipality = parse_municipality(demo_document)
    texts = [area.name for area in municipality.areas.values()]
    texts += [body.name for body in municipality.external_bodies.values()]
    texts.append(municipality.departments["izvor_water_utility"].name)
    for text in texts:
        assert set(text) == set(municipality.languages)
        assert text["sr-Latn"] == "".join(_LATIN.get(ch, ch) for ch in text["sr-Cyrl"])


def test_the_document_stays_json(demo_document):
    # The document is stored as JSON in DynamoDB and re-parsed by every container.
    assert parse_municipality(json.loads(json.dumps(demo_document))).areas


def test_a_configuration_without_the_optional_files_has_no_areas(tmp_path):
    shutil.copytree(CONFIG_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "areas.geojson").unlink()
    (tmp_path / "external_bodies.json").unlink()
    (tmp_path / "service_levels.json").unlink()
    (tmp_path / "legal_deadlines.json").unlink()
    document = load_config_dir(tmp_path)
    assert "areas" not in document and "external_bodies" not in document
    municipality = parse_municipality(document)
    assert municipality.areas == {} and municipality.external_bodies == {}
    assert municipality.service_levels is None


# --- areas: structure, checked wherever the document is parsed --------------------------------

@pytest.mark.parametrize("breakage,detail", [
    (lambda a: a["features"][0]["properties"]["routes"].update(road_damage="nowhere"),
     "unknown department nowhere"),
    (lambda a: a["features"][0]["properties"]["routes"].update(no_such_category="roads_traffic"),
     "unknown category or group no_such_category"),
    (lambda a: a["features"][0]["properties"]["name"].pop("bg"), "missing translation"),
    (lambda a: a["features"][0]["properties"].update(kind="county"), "kind must be one of"),
    (lambda a: a["features"][0]["properties"].update(id="центар"), "ASCII identifier"),
    (lambda a: a["features"][1]["properties"].update(id="centar"), "duplicate id"),
    (lambda a: a["features"][0]["properties"].update(priority="high"), "priority"),
    (lambda a: a["features"][0]["properties"].update(priority=True), "priority"),
    (lambda a: a["features"][0]["properties"].update(routes=["road_damage"]), "routes"),
    (lambda a: a["features"][0]["geometry"]["coordinates"][0].pop(), "not closed"),
    (lambda a: a["features"][0]["geometry"].update(
        coordinates=[[[20.9, 44.0], [20.91, 44.0], [20.9, 44.0]]]), "at least 4 positions"),
    (lambda a: a["features"][0]["geometry"].update(type="LineString"), "Polygon or MultiPolygon"),
    (lambda a: a["features"][0]["geometry"].update(coordinates=[]), "exterior ring"),
    (lambda a: a["features"][3]["geometry"].update(coordinates=[]), "at least one polygon"),
    (lambda a: a["features"][0]["geometry"]["coordinates"][0].__setitem__(1, [44.005, 200.0]),
     "out of range"),
    (lambda a: a["features"][0]["geometry"]["coordinates"][0].__setitem__(1, [20.9, "44"]),
     "bad position"),
    (lambda a: a["features"][0]["geometry"]["coordinates"][0].__setitem__(1, [float("nan"), 44]),
     "bad position"),
    (lambda a: a["features"][0].pop("geometry"), "geometry must be a GeoJSON object"),
    (lambda a: a["features"][0].update(type="Thing"), "not a GeoJSON Feature"),
    (lambda a: a.update(type="GeometryCollection"), "FeatureCollection"),
])
def test_broken_areas_are_refused_with_the_reason(document, breakage, detail):
    breakage(document["areas"])
    assert detail in refused(document)


def test_routes_may_name_a_group(document):
    document["areas"]["features"].append(feature(routes={"greenery": "public_utilities"}))
    area = parse_municipality(document).areas["test_area"]
    assert area.routes == {"greenery": "public_utilities"}
    assert area.priority == 0


def test_a_position_may_carry_an_altitude(document):
    ring = [[20.90, 44.00, 120], [20.91, 44.00, 121], [20.91, 44.01, 119], [20.90, 44.00, 120]]
    document["areas"]["features"].append(
        feature(geometry={"type": "Polygon", "coordinates": [ring]}))
    assert "test_area" in parse_municipality(document).areas


# --- areas: validity, checked with shapely when the configuration is loaded (seeded) -----------

def write_areas(tmp_path, *features) -> Path:
    shutil.copytree(CONFIG_DIR, tmp_path, dirs_exist_ok=True)
    collection = {"type": "FeatureCollection", "features": list(features)}
    (tmp_path / "areas.geojson").write_text(json.dumps(collection), encoding="utf-8")
    return tmp_path


def test_a_self_intersecting_polygon_is_caught_at_load_time(tmp_path):
    # GIVEN a "bow tie": closed, 5 positions, in range, so structurally a polygon
    bow_tie = [[20.90, 44.00], [20.92, 44.02], [20.92, 44.00], [20.90, 44.02], [20.90, 44.00]]
    broken = feature("bow_tie", {"type": "Polygon", "coordinates": [bow_tie]})
    directory = write_areas(tmp_path, broken)
    # WHEN the folder is loaded, THEN the seed step refuses it and says where
    with pytest.raises(ConfigurationError) as caught:
        load_config_dir(directory)
    detail = caught.value.params["detail"]
    assert detail.startswith("area bow_tie: invalid geometry: Self-intersection")
    assert "20.91 44.01" in detail


def test_the_pure_parser_leaves_validity_to_the_loader(document):
    # It has no geometry engine; the loader (the seed step) checks validity.
    bow_tie = [[20.90, 44.00], [20.92, 44.02], [20.92, 44.00], [20.90, 44.02], [20.90, 44.00]]
    document["areas"]["features"].append(
        feature("bow_tie", {"type": "Polygon", "coordinates": [bow_tie]}))
    assert "bow_tie" in parse_municipality(document).areas


def test_a_hole_outside_its_shell_is_caught_at_load_time(tmp_path):
    shell = [[20.90, 44.00], [20.91, 44.00], [20.91, 44.01], [20.90, 44.01], [20.90, 44.00]]
    hole = [[20.95, 44.05], [20.95, 44.06], [20.96, 44.06], [20.96, 44.05], [20.95, 44.05]]
    directory = write_areas(tmp_path, feature("stray_hole", {"type": "Polygon",
                                                             "coordinates": [shell, hole]}))
    with pytest.raises(ConfigurationError) as caught:
        load_config_dir(directory)
    assert "area stray_hole: invalid geometry: Hole lies outside shell" in \
        caught.value.params["detail"]


def test_overlapping_parts_of_a_multipolygon_are_caught_at_load_time(tmp_path):
    a = [[20.90, 44.00], [20.92, 44.00], [20.92, 44.02], [20.90, 44.02], [20.90, 44.00]]
    b = [[20.91, 44.01], [20.93, 44.01], [20.93, 44.03], [20.91, 44.03], [20.91, 44.01]]
    directory = write_areas(tmp_path, feature("overlap", {"type": "MultiPolygon",
                                                          "coordinates": [[a], [b]]}))
    with pytest.raises(ConfigurationError) as caught:
        load_config_dir(directory)
    assert "area overlap: invalid geometry" in caught.value.params["detail"]


def test_a_routing_mistake_in_the_file_is_caught_at_load_time(tmp_path):
    directory = write_areas(tmp_path, feature(routes={"water_supply": "no_such_department"}))
    with pytest.raises(ConfigurationError) as caught:
        load_config_dir(directory)
    assert "unknown department no_such_department" in caught.value.params["detail"]


# --- external bodies ------------------------------------------------------------------------

@pytest.mark.parametrize("breakage,detail", [
    (lambda b: b[0].update(email="pisarnica.lipovo.example.rs"), "is not an e-mail address"),
    (lambda b: b[0].update(email="pisarnica@lipovo"), "is not an e-mail address"),
    (lambda b: b[0].update(email="a b@lipovo.example.rs"), "is not an e-mail address"),
    (lambda b: b[0].pop("email"), "is not an e-mail address"),
    (lambda b: b[0].update(email="Podrska@demo.civicdesk.rs"), "own support addresses"),
    (lambda b: b[0].update(kind="ngo"), "kind must be one of"),
    (lambda b: b[0]["name"].pop("sr-Latn"), "missing translation"),
    (lambda b: b[1].update(id=b[0]["id"]), "already used"),
    (lambda b: b[0].update(id="water_sewage"), "already used"),
    (lambda b: b[0].update(id="opština"), "ASCII identifier"),
])
def test_broken_external_bodies_are_refused_with_the_reason(document, breakage, detail):
    breakage(document["external_bodies"])
    assert detail in refused(document)


def test_external_body_addresses_are_kept_lower_case(document):
    document["external_bodies"][0]["email"] = " Pisarnica@Lipovo.Example.RS "
    body = parse_municipality(document).external_bodies["opstina_lipovo"]
    assert body.email == "pisarnica@lipovo.example.rs"
