"""The public projection of a case (issue 16): which cases the public sees, the point coarsened
to its category's precision, the area named, the answers kept and redacted, and no personal
data in any of it (names in any script, addresses, phone, e-mail, JMBG, EGN, rodné číslo)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.cases import Case, CaseType, Channel, Contact, EventKind, Location, Status, TimelineEvent
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.public_map_config import DEFAULT_PRECISION_M, parse_location_precision
from civicdesk.domain.public_projection import (
    MAX_ANSWERS,
    coarsen,
    public_report_of,
    publishable,
    with_public_answers,
)

AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
SECRETS = ("Petar", "Petrović", "Петар", "Петровић", "064 123 4567", "petar@example.rs", "0101990710006",
           "7501020018", "850101/1234", "Kneza Miloša", "Кнеза Милоша")


def _case(**changes) -> Case:
    base = dict(
        number="2026-000042", type=CaseType.SIGNAL, channel=Channel.WEB, category="noise",
        department="communal_inspection", language="sr-Latn", status=Status.IN_PROGRESS, public=True,
        created_at=AT, updated_at=AT, token_hash="x" * 64,
        description=("Komšija Petar Petrović (064 123 4567, petar@example.rs, JMBG 0101990710006, "
                     "EGN 7501020018, RČ 850101/1234) pušta muziku u Kneza Miloša 14 svake noći."),
        location=Location(lat=44.01234, lon=20.92345, address="Kneza Miloša 14"),
        contact=Contact(name="Petar Petrović", email="petar@example.rs", phone="+381641234567",
                        address="Kneza Miloša 14"))
    base.update(changes)
    return Case(**base)


@pytest.fixture(scope="module")
def municipality():
    from civicdesk.adapters.config_files import load_config_dir
    from civicdesk.domain.municipality_config import parse_municipality
    from tests.support.aws import CONFIG_DIR

    return parse_municipality(load_config_dir(str(CONFIG_DIR)))


def test_only_public_cases_of_types_that_may_be_public_neither_deleted_nor_merged():
    assert publishable(_case())
    assert not publishable(_case(public=False))
    for private in (CaseType.LETTER, CaseType.COMPLAINT, CaseType.FOI_REQUEST):
        assert not publishable(_case(type=private))  # even when marked public
    assert not publishable(_case(deleted_at=AT, deleted_by="admin"))
    assert not publishable(_case(merged_into="2026-000001"))


def test_the_point_is_the_centre_of_its_cell_and_stable_within_it():
    assert coarsen(44.01234, 20.92345, 0) == (44.01234, 20.92345)
    first, second = coarsen(44.01234, 20.92345, 250), coarsen(44.01250, 20.92360, 250)
    assert first == second  # neighbours in one cell: the same published point
    assert first != (44.01234, 20.92345)
    for precision in (25, 100, 250, 1000):
        lat, lon = coarsen(44.01234, 20.92345, precision)
        assert abs(lat - 44.01234) * 111_320 <= precision / 2 + 0.1
        assert abs(lon - 20.92345) * 111_320 * 0.7193 <= precision / 2 + 0.1  # cos(44°)


def test_the_report_is_redacted_coarsened_and_named_by_area(municipality):
    report = public_report_of(_case(), municipality)
    assert report is not None and report.category == "noise" and report.open
    assert report.precision_m == 250 and report.point != (44.01234, 20.92345)
    assert report.area_id == "centar" and report.area == "Центар"
    text = repr(report)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "pušta muziku" in report.description
    exact = public_report_of(_case(category="street_lighting"), municipality)
    assert exact is not None and exact.precision_m == 0 and exact.point == (44.01234, 20.92345)
    assert public_report_of(_case(type=CaseType.COMPLAINT), municipality) is None


def test_official_public_answers_are_kept_redacted_and_bounded():
    case = _case()
    entries = [
        TimelineEvent(case.number, AT + timedelta(hours=1), EventKind.MESSAGE_OUT, "staff:ana", True,
                      {"public_text": "Poštovani gospodine Petroviću, inspektor izlazi u Kneza Miloša 14."}),
        TimelineEvent(case.number, AT + timedelta(hours=2), EventKind.NOTE, "staff:ana", False,
                      {"text": "interno"}),
        TimelineEvent(case.number, AT + timedelta(hours=3), EventKind.MESSAGE_OUT, "staff:ana", False,
                      {"public_text": "not public"}),
        TimelineEvent(case.number, AT + timedelta(hours=4), EventKind.STATUS_CHANGED, "staff:ana", True,
                      {"status": "resolved", "from": "in_progress"}),
        TimelineEvent(case.number, AT + timedelta(hours=5), EventKind.MESSAGE_OUT, "system:auto_reply", True,
                      {"kind": "auto_reply"}),
    ]
    kept = with_public_answers(case, entries)
    assert [(a.status, "[…]" in a.text) for a in kept.public_answers] == [(None, True), ("resolved", False)]
    assert all(secret not in a.text for a in kept.public_answers for secret in SECRETS)
    assert with_public_answers(kept, entries).public_answers == kept.public_answers  # written again: once
    many = [TimelineEvent(case.number, AT + timedelta(minutes=i), EventKind.MESSAGE_OUT, "staff:ana", True,
                          {"public_text": f"Answer {i}"}) for i in range(MAX_ANSWERS + 5)]
    bounded = with_public_answers(kept, many).public_answers
    assert len(bounded) == MAX_ANSWERS and bounded[-1].text == f"Answer {MAX_ANSWERS + 4}"


def test_the_precision_configuration_is_checked():
    precision = parse_location_precision({"default_precision_m": 200, "precision_m": {"a": 0}}, {"a": 1, "b": 1})
    assert precision.for_category("a") == 0 and precision.for_category("b") == 200
    assert parse_location_precision(None, {}).for_category("x") == DEFAULT_PRECISION_M
    for bad in ({"precision_m": {"unknown": 0}}, {"precision_m": {"a": -1}}, {"precision_m": {"a": 5000}},
                {"default_precision_m": "100"}, {"precision_m": {"a": True}}, {"other": 1}, []):
        with pytest.raises(ConfigurationError):
            parse_location_precision(bad, {"a": 1})
