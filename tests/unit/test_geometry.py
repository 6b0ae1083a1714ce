"""The pure-Python point-in-polygon (``civicdesk.domain.geometry``) the functions use, checked
against shapely (which only the seed step and the tests have): by hand on the cases that break
naive implementations, then by property on random points, on points exactly on edges and
vertices, over the demo municipality's areas and boundary and over random polygons."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.geometry import Region, _orientation
from civicdesk.domain.municipality_config import parse_municipality

CONFIG_DIR = Path(__file__).resolve().parents[2] / "infra" / "config"

SQUARE = [[20.0, 44.0], [20.1, 44.0], [20.1, 44.1], [20.0, 44.1], [20.0, 44.0]]
HOLE = [[20.04, 44.04], [20.04, 44.06], [20.06, 44.06], [20.06, 44.04], [20.04, 44.04]]


PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


@pytest.fixture(scope="module")
def demo():
    return parse_municipality(load_config_dir(CONFIG_DIR))


def demo_geometries(demo):
    yield "boundary", demo.boundary
    for area in demo.areas.values():
        yield area.id, area.geometry


# --- by hand ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lat,lon,expected", [
    (44.02, 20.02, True),  # inside
    (44.05, 20.05, False),  # in the hole
    (44.0, 20.05, True),  # on the shell's bottom edge (horizontal)
    (44.05, 20.0, True),  # on the shell's left edge (vertical)
    (44.0, 20.0, True),  # on a vertex
    (44.1, 20.1, True),  # on the top-right vertex (the half-open rule skips it)
    (44.04, 20.05, True),  # on the hole's edge: the region's border
    (44.04, 20.04, True),  # on the hole's vertex
    (44.05, 20.1000001, False),  # just outside
    (44.0, 20.2, False),  # on the line of the bottom edge, beyond it
    (44.1, 19.9, False),  # on the line of the top edge, before it
    (44.05, 19.9, False),  # level with the hole, west of everything
    (float("nan"), 20.05, False),
    (44.05, float("inf"), False),
])
def test_a_square_with_a_hole(lat, lon, expected):
    region = Region.from_geojson(polygon(SQUARE, HOLE))
    assert region.covers(lat, lon) is expected
    if math.isfinite(lat) and math.isfinite(lon):
        assert shape(polygon(SQUARE, HOLE)).intersects(shapely.Point(lon, lat)) is expected


def test_a_ray_through_vertices_counts_each_crossing_once():
    # A diamond and a zigzag whose vertices lie level with the test point: the classic mistake
    # counts a vertex twice (two edges) and flips the answer.
    diamond = [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [1.0, 2.0], [0.0, 1.0]]
    zigzag = [[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [3.0, 1.0], [2.0, 2.0], [1.0, 1.0],
              [0.0, 2.0], [0.0, 0.0]]
    for ring, points in ((diamond, [(1.0, 0.5), (1.0, 1.5), (1.0, -0.5), (1.0, 2.5)]),
                         (zigzag, [(1.0, 0.5), (1.0, 3.5), (1.5, 2.5), (1.5, 0.5), (1.0, 4.5)])):
        region, exact = Region.from_geojson(polygon(ring)), shape(polygon(ring))
        for lat, lon in points:
            assert region.covers(lat, lon) is exact.intersects(shapely.Point(lon, lat)), (lat, lon)


def test_a_multipolygon_covers_each_part_and_not_the_gap():
    east = [[20.2, 44.0], [20.3, 44.0], [20.3, 44.1], [20.2, 44.1], [20.2, 44.0]]
    region = Region.from_geojson({"type": "MultiPolygon", "coordinates": [[SQUARE], [east]]})
    assert region.covers(44.05, 20.05) and region.covers(44.05, 20.25)
    assert not region.covers(44.05, 20.15)
    assert region.bounds.west == 20.0 and region.bounds.east == 20.3


def test_an_island_in_a_hole_is_a_part_of_its_own():
    island = [[20.045, 44.045], [20.055, 44.045], [20.055, 44.055], [20.045, 44.055], [20.045, 44.045]]
    region = Region.from_geojson({"type": "MultiPolygon",
                                  "coordinates": [[SQUARE, HOLE], [island]]})
    assert region.covers(44.05, 20.05)  # on the island
    assert not region.covers(44.042, 20.05)  # in the water around it


def exact_orientation(a, b, p):
    det = ((Fraction(a[0]) - Fraction(p[0])) * (Fraction(b[1]) - Fraction(p[1]))
           - (Fraction(a[1]) - Fraction(p[1])) * (Fraction(b[0]) - Fraction(p[0])))
    return (det > 0) - (det < 0)


@PROPERTY
@given(a=st.tuples(st.floats(-1, 1), st.floats(-1, 1)), b=st.tuples(st.floats(-1, 1), st.floats(-1, 1)),
       t=st.floats(0, 1), nudge=st.integers(-3, 3))
def test_the_orientation_is_exact_where_floating_point_is_not(a, b, t, nudge):
    # Points on or a few units in the last place beside a segment's line: where the float
    # determinant's sign is noise, the filter hands over to exact arithmetic.
    x = a[0] + t * (b[0] - a[0])
    y = a[1] + t * (b[1] - a[1])
    for _ in range(abs(nudge)):
        y = math.nextafter(y, math.copysign(math.inf, nudge))
    assert _orientation(*a, *b, x, y) == exact_orientation(a, b, (x, y))


def test_the_orientation_of_exactly_collinear_points_is_zero():
    assert _orientation(0.0, 0.0, 1.0, 1.0, 0.5, 0.5) == 0
    assert _orientation(0.0, 0.0, 1.0, 0.0, 0.5, 1e-300) == 1
    assert _orientation(0.1, 0.1, 0.3, 0.3, 0.2, 0.2) == exact_orientation((0.1, 0.1), (0.3, 0.3), (0.2, 0.2))


def test_a_long_ring_is_banded_and_answers_the_same():
    # A circle of 2,000 positions (bands) against shapely, on and off the ring.
    ring = [[20.5 + 0.1 * math.cos(2 * math.pi * i / 2000), 44.5 + 0.1 * math.sin(2 * math.pi * i / 2000)]
            for i in range(2000)]
    ring.append(ring[0])
    region, exact = Region.from_geojson(polygon(ring)), shape(polygon(ring))
    assert region._polygons[0].shell._bands is not None
    for lon, lat in ring[::37] + [[20.5, 44.5], [20.5, 44.61], [20.401, 44.5]]:
        assert region.covers(lat, lon) is exact.intersects(shapely.Point(lon, lat))


def test_a_representative_point_is_inside_even_for_a_concave_region(demo):
    # A "C": its centroid lies in the opening.
    c_shape = [[0.0, 0.0], [3.0, 0.0], [3.0, 1.0], [1.0, 1.0], [1.0, 2.0], [3.0, 2.0], [3.0, 3.0],
               [0.0, 3.0], [0.0, 0.0]]
    region = Region.from_geojson(polygon(c_shape))
    assert not region.covers(1.5, 2.0)  # the centroid's neighbourhood: the opening
    lat, lon = region.representative_point()
    assert region.covers(lat, lon)
    assert demo.territory.covers(*demo.territory.representative_point())


def test_a_region_needs_a_polygon_or_multipolygon():
    with pytest.raises(ValueError):
        Region.from_geojson({"type": "Point", "coordinates": [20.0, 44.0]})
    with pytest.raises(ValueError):
        Region.from_geojson(polygon([[20.0, 44.0], [20.1, 44.0], [20.0, 44.0]]))


# --- by property, against shapely ----------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_pairs(demo):
    return [(name, Region.from_geojson(geometry), shape(geometry))
            for name, geometry in demo_geometries(demo)]


@PROPERTY
@given(lat=st.floats(43.98, 44.12), lon=st.floats(20.84, 21.02))
def test_random_points_agree_with_shapely_on_the_demo(demo_pairs, lat, lon):
    point = shapely.Point(lon, lat)
    for name, region, exact in demo_pairs:
        assert region.covers(lat, lon) is exact.intersects(point), name


@PROPERTY
@given(data=st.data())
def test_points_on_edges_and_vertices_agree_with_shapely_on_the_demo(demo_pairs, data):
    # Random points rarely land on an edge; these are put there (a vertex, or a point of an
    # edge at a random fraction, rounded to a float: exactly on it or just beside it).
    name, region, exact = data.draw(st.sampled_from(demo_pairs))
    parts = [exact] if exact.geom_type == "Polygon" else list(exact.geoms)
    rings = [list(ring.coords) for part in parts for ring in (part.exterior, *part.interiors)]
    ring = data.draw(st.sampled_from(rings))
    i = data.draw(st.integers(0, len(ring) - 2))
    (x1, y1), (x2, y2) = ring[i], ring[i + 1]
    t = data.draw(st.one_of(st.just(0.0), st.just(0.5), st.floats(0.0, 1.0)))
    lon, lat = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
    assert region.covers(lat, lon) is exact.intersects(shapely.Point(lon, lat)), (name, lat, lon)


@st.composite
def star_polygons(draw):
    """Random simple polygons (stars around a centre, radii varying: often concave), with a
    hole sometimes, on a coarse grid so that points land on edges and vertices often."""
    count = draw(st.integers(3, 24))
    radii = draw(st.lists(st.integers(2, 10), min_size=count, max_size=count))
    shell = [[round(radii[i] * math.cos(2 * math.pi * i / count), 1),
              round(radii[i] * math.sin(2 * math.pi * i / count), 1)] for i in range(count)]
    shell.append(shell[0])
    rings = [shell]
    if draw(st.booleans()):
        rings.append([[-0.5, -0.5], [-0.5, 0.5], [0.5, 0.5], [0.5, -0.5], [-0.5, -0.5]])
    return polygon(*rings)


@PROPERTY
@given(geometry=star_polygons(), lat=st.integers(-110, 110).map(lambda v: v / 10),
       lon=st.integers(-110, 110).map(lambda v: v / 10))
def test_random_polygons_agree_with_shapely(geometry, lat, lon):
    exact = shape(geometry)
    if not exact.is_valid:
        return  # the seed step refuses it; nothing to agree on
    region = Region.from_geojson(geometry)
    assert region.covers(lat, lon) is exact.intersects(shapely.Point(lon, lat))
