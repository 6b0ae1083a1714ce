"""Audiences: reading and checking a contact list's CSV, merging its duplicates, polygons, and
resolving an audience (sources merged by person, suppressed addresses left out, streaming),
with in-memory stores and alert subscriptions."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from civicdesk.domain.audience_rules import AudienceKind, AudienceRule, DrawnArea, polygon_problem
from civicdesk.domain.audiences import AlertSubscriber, Channel, MemberSource, member_key
from civicdesk.domain.contact_lists import Checks, check_file, decode, merge_duplicates
from civicdesk.domain.errors import ForbiddenError, ValidationError
from civicdesk.domain.policy import Principal, Role
from civicdesk.services.audience_store_ports import CaseFacts, CaseFollower, ContactEntry
from civicdesk.services.audiences import AudienceService, PreviewQuery, WriteAudience
from tests.unit.audience_fakes import (
    FakeCases,
    FakeLists,
    FakeStore,
    FakeSubscribers,
    FakeSuppression,
    Phones,
    demo_municipality,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
SUPERVISOR = Principal("s1", "mira", frozenset({Role.SUPERVISOR}))
OPERATOR = Principal("o1", "ana", frozenset({Role.OPERATOR}))
AGENT = Principal("a1", "dragan", frozenset({Role.DEPARTMENT_AGENT}), frozenset({"roads_traffic"}))


def checks(areas=None) -> Checks:
    return Checks(("sr-Cyrl", "sr-Latn", "bg", "cs", "en"), "sr-Cyrl",
                  areas if areas is not None else {"centar": {"en": "Town centre", "sr-Latn": "Centar"},
                                                   "breza": {"en": "Breza", "sr-Cyrl": "Бреза"}},
                  Phones().normalise_or_none)


# -- the file -------------------------------------------------------------------------------------

def test_an_excel_file_with_a_bom_semicolons_and_cyrillic_headers_is_read():
    data = ("\ufeffИме;Е-пошта;Телефон;Језик;Подручје\r\n"
            "Петар Петровић;petar@example.rs;064 123 4567;sr-Cyrl;Бреза\r\n"
            "Ana Anić;ana@example.rs;;EN;centar\r\n").encode("utf-8")
    checked = check_file(decode(data), checks())
    assert checked.errors == () and checked.rows == 2
    petar, ana = checked.contacts
    assert (petar.name, petar.phone, petar.area, petar.language) == (
        "Петар Петровић", "+381641234567", "breza", "sr-Cyrl")
    assert (ana.language, ana.area, ana.phone) == ("en", "centar", None)


def test_every_error_is_listed_with_its_row_and_column():
    text = ("name,email,phone,language,area,notes\n"
            "Ok,ok@example.rs,,,\n"
            "Bad mail,not-an-address,064 123,xx,nowhere,\n"
            "No address,,,,\n")
    checked = check_file(text, checks())
    assert [(e.row, e.column, e.code) for e in checked.errors] == [
        (3, "email", "invalid_email"), (3, "phone", "invalid_phone"),
        (3, "language", "unknown_language"), (3, "area", "unknown_area"),
        (4, None, "no_address")]
    assert checked.invalid_rows == 2 and len(checked.contacts) == 1
    assert checked.ignored_columns == ("notes",)
    assert checked.contacts[0].language == "sr-Cyrl"  # none given: the municipality's default


def test_a_file_without_an_address_column_is_refused_as_a_whole():
    checked = check_file("Ime;Jezik\nPetar;en\n", checks())
    assert [(e.row, e.code) for e in checked.file_errors] == [(1, "no_address_column")]
    assert decode(b"\xff\xfeI\x00") is None  # UTF-16: not read


def test_duplicates_are_merged_by_email_in_any_case_or_by_phone():
    text = ("Jméno,E-mail,Telefonní číslo\n"
            "Jana,jana@example.cz,\n"
            ",JANA@example.cz,+420 602 123 456\n"
            "Jana N.,,00420602123456\n"
            "Karel,karel@example.cz,+420602123457\n")
    checked = check_file(text, checks({}))
    assert [(c.row, c.name, c.email, c.phone) for c in checked.contacts] == [
        (2, "Jana", "jana@example.cz", "+420602123456"),
        (5, "Karel", "karel@example.cz", "+420602123457")]
    assert [(m.row, m.into_row, m.by) for m in checked.merges] == [(3, 2, "email"), (4, 2, "phone")]


def test_merging_keeps_the_first_rows_values():
    from civicdesk.domain.contact_lists import Contact

    first = Contact(2, "Ana", "ana@example.rs", None, "en", "centar")
    later = Contact(7, "Ana Other", "ana@example.rs", "+381641234567", "bg", "breza")
    [merged], _ = merge_duplicates([first, later])
    assert (merged.name, merged.language, merged.area, merged.phone) == ("Ana", "en", "centar", "+381641234567")


# -- polygons --------------------------------------------------------------------------------------

SQUARE = {"type": "Polygon", "coordinates": [[[20.0, 44.0], [20.1, 44.0], [20.1, 44.1], [20.0, 44.1], [20.0, 44.0]]]}


def test_a_drawn_polygon_holds_points_and_whole_areas_only():
    drawn = DrawnArea(SQUARE)
    assert drawn.holds_point(44.05, 20.05) and not drawn.holds_point(44.2, 20.05)
    inner = {"type": "Polygon", "coordinates": [[[20.02, 44.02], [20.04, 44.02], [20.04, 44.04], [20.02, 44.02]]]}
    across = {"type": "Polygon", "coordinates": [[[20.05, 44.05], [20.3, 44.05], [20.3, 44.06], [20.05, 44.05]]]}
    assert drawn.holds_area("inner", inner) and not drawn.holds_area("across", across)


@pytest.mark.parametrize("geometry, problem", [
    ({"type": "Point", "coordinates": [20, 44]}, "not_polygon"),
    ({"type": "Polygon", "coordinates": [[[20, 44], [21, 44], [20, 44]]]}, "polygon_size"),
    ({"type": "Polygon", "coordinates": [[[20, 44], [21, 44], [21, 45], [20, 45]]]}, "not_closed"),
    ({"type": "Polygon", "coordinates": [[[20, 44], [21, 44], [20, 45], [21, 45], [20, 44]]]}, "self_intersecting"),
    ({"type": "Polygon", "coordinates": [[[20, 44], [21, 44], [21, 95], [20, 44]]]}, "not_polygon"),
    (SQUARE, None),
])
def test_polygon_problems(geometry, problem):
    assert polygon_problem(geometry) == problem


# -- resolution ------------------------------------------------------------------------------------

def entry(list_id: str, email: str | None, phone: str | None = None, *, area=None, opted_out=False,
          name="") -> ContactEntry:
    return ContactEntry(list_id, member_key(email, phone), name, email, phone, "en", area,
                        f"cl.{list_id}.{email or phone}", NOW, NOW if opted_out else None)


def service(*, lists=None, subscribers=(), cases=(), followers=None, suppressed=(), from_cases=True):
    store = FakeStore()
    return AudienceService(store, FakeLists(lists or {}), FakeCases(list(cases), followers or {}),
                           FakeSubscribers(list(subscribers)), FakeSuppression(set(suppressed)),
                           Phones(), demo_municipality(audiences_from_cases=from_cases),
                           clock=lambda: NOW), store


def test_contacts_of_several_lists_are_merged_by_person_and_opt_outs_are_per_list():
    lists = {"a": [entry("a", "ana@example.rs", name="Ana"), entry("a", "bob@example.rs", opted_out=True)],
             "b": [entry("b", "ana@example.rs", "+381641234567"), entry("b", "bob@example.rs"),
                   entry("b", "cid@example.rs", opted_out=True)]}
    audiences, _ = service(lists=lists)
    members = list(audiences.resolve(AudienceRule(AudienceKind.CONTACT_LIST, lists=("a", "b"))))
    by_email = {m.email: m for m in members}
    assert set(by_email) == {"ana@example.rs", "bob@example.rs"}
    ana = by_email["ana@example.rs"]
    assert (ana.name, ana.phone, ana.channels) == ("Ana", "+381641234567",
                                                    (Channel.EMAIL, Channel.SMS, Channel.PHONE))
    assert ana.unsubscribe_token == "cl.a.ana@example.rs" and ana.source is MemberSource.CONTACT_LIST
    assert by_email["bob@example.rs"].unsubscribe_token == "cl.b.bob@example.rs"


def test_suppressed_addresses_are_left_out_per_channel():
    lists = {"a": [entry("a", "ana@example.rs", "+381641234567"), entry("a", "gone@example.rs")]}
    audiences, _ = service(lists=lists, suppressed={"ana@example.rs", "gone@example.rs"})
    [ana] = audiences.resolve(AudienceRule(AudienceKind.CONTACT_LIST, lists=("a",)))
    assert ana.channels == (Channel.SMS, Channel.PHONE)


def test_a_number_is_reached_once_across_members():
    lists = {"a": [entry("a", "ana@example.rs", "+381641234567"), entry("a", None, "+381641234567")]}
    audiences, _ = service(lists=lists)
    members = list(audiences.resolve(AudienceRule(AudienceKind.CONTACT_LIST, lists=("a",))))
    reached = [(c, m.address_for(c)) for m in members for c in m.channels]
    assert sorted(reached) == sorted([(Channel.EMAIL, "ana@example.rs"), (Channel.SMS, "+381641234567"),
                                      (Channel.PHONE, "+381641234567")])


def subscriber(n: int, *, topics=("water",), areas=(), point=None, channels=(Channel.EMAIL,),
               phone=None) -> AlertSubscriber:
    return AlertSubscriber(f"s{n}", "sr-Latn", channels, topics, f"tok{n}", areas, point,
                           f"r{n}@example.rs", phone)


def test_subscribers_by_topic_and_area_or_point():
    from tests.unit.audience_fakes import point_in

    centre = point_in("centar")
    subs = [subscriber(1, areas=("centar",)), subscriber(2, point=centre),
            subscriber(3, areas=("breza",)), subscriber(4, topics=("roads",), areas=("centar",)),
            subscriber(5, areas=("centar",), channels=(Channel.SMS,), phone="+381641234568")]
    audiences, _ = service(subscribers=subs)
    rule = AudienceRule(AudienceKind.SUBSCRIBERS, topics=("water",), areas=("centar",))
    members = list(audiences.resolve(rule))
    assert [m.email for m in members] == ["r1@example.rs", "r2@example.rs", "r5@example.rs"]
    assert members[1].area == "centar" and members[0].unsubscribe_token == "tok1"
    assert members[2].channels == (Channel.SMS,)  # only what the resident confirmed


def test_a_polygon_narrows_subscribers_by_point_and_contacts_by_whole_area():
    from tests.unit.audience_fakes import area_geometry, bounding_polygon, point_in

    polygon = bounding_polygon(area_geometry("centar"))
    subs = [subscriber(1, point=point_in("centar")), subscriber(2, point=point_in("breza"))]
    audiences, _ = service(subscribers=subs, lists={"a": [entry("a", "in@example.rs", area="centar"),
                                                          entry("a", "out@example.rs", area="breza"),
                                                          entry("a", "none@example.rs")]})
    rule = AudienceRule(AudienceKind.POLYGON, polygon=polygon, source=AudienceKind.SUBSCRIBERS, topics=("water",))
    assert [m.email for m in audiences.resolve(rule)] == ["r1@example.rs"]
    rule = AudienceRule(AudienceKind.POLYGON, polygon=polygon, source=AudienceKind.CONTACT_LIST, lists=("a",))
    members = list(audiences.resolve(rule))
    assert [(m.email, m.source) for m in members] == [("in@example.rs", MemberSource.POLYGON)]


def test_case_requesters_and_followers_only_where_the_configuration_allows():
    from tests.unit.audience_fakes import point_in

    cases = [CaseFacts("2026-000001", "water_supply", "new", "en", NOW, point_in("centar"), "Ana",
                       "ana@example.rs", "+381641234567"),
             CaseFacts("2026-000002", "water_supply", "new", "bg", NOW, point_in("breza"), "", None,
                       "+381113234567")]
    followers = {"2026-000001": [CaseFollower("f@example.rs", "cs"), CaseFollower("ana@example.rs", "en")]}
    audiences, _ = service(cases=cases, followers=followers)
    rule = AudienceRule(AudienceKind.CASES, areas=("centar",))
    members = list(audiences.resolve(rule))
    assert [(m.email, m.source) for m in members] == [("ana@example.rs", MemberSource.CASES),
                                                      ("f@example.rs", MemberSource.CASES)]
    landline = list(audiences.resolve(AudienceRule(AudienceKind.CASES, areas=("breza",))))
    assert landline[0].channels == (Channel.PHONE,)  # a fixed line takes no SMS
    closed, _ = service(cases=cases, from_cases=False)
    assert list(closed.resolve(rule)) == []
    with pytest.raises(ValidationError) as refused:
        closed.create(SUPERVISOR, WriteAudience(name="x", rule=rule))
    assert [e.code for e in refused.value.errors] == ["audience_cases_not_allowed"]


def test_resolution_streams_its_source():
    pulled = itertools.count()

    def endless():
        for n in itertools.count():
            next(pulled)
            yield subscriber(n)

    audiences, _ = service()
    audiences._subscribers = type("Endless", (), {"confirmed": staticmethod(endless)})()
    first = list(itertools.islice(audiences.resolve(AudienceRule(AudienceKind.SUBSCRIBERS, topics=("water",))), 3))
    assert len(first) == 3 and next(pulled) <= 60  # one suppression batch read ahead, not the source


def test_roles_and_the_redacted_preview():
    lists = {"a": [entry("a", "petar.petrovic@example.rs", "+381641234567", name="Petar Petrović", area="centar")]}
    audiences, store = service(lists=lists)
    with pytest.raises(ForbiddenError):
        audiences.create(OPERATOR, WriteAudience(name="x", rule=AudienceRule(AudienceKind.CONTACT_LIST, lists=("a",))))
    with pytest.raises(ForbiddenError):
        audiences.audiences(AGENT)
    saved = audiences.create(SUPERVISOR, WriteAudience(name=" Centre ", rule=AudienceRule(
        AudienceKind.CONTACT_LIST, lists=("a",))))
    assert saved.name == "Centre" and store.audience(saved.audience_id) == saved
    preview = audiences.preview(OPERATOR, PreviewQuery(limit=5), audience_id=saved.audience_id)
    assert preview.total == 1 and preview.by_channel == {"email": 1, "sms": 1, "phone": 1}
    assert preview.by_area == {"centar": 1} and preview.by_source == {"contact_list": 1}
    [sample] = preview.sample
    assert (sample.name, sample.email, sample.phone) == ("P. P.", "p***@e***.rs", "+381*******67")


def test_the_configuration_flag_for_case_audiences_is_checked():
    from civicdesk.adapters.config_files import load_config_dir
    from civicdesk.domain.errors import ConfigurationError
    from civicdesk.domain.municipality_config import parse_municipality
    from tests.unit.audience_fakes import CONFIG_DIR

    document = load_config_dir(CONFIG_DIR)
    assert parse_municipality(document).audiences_from_cases is True  # the demo allows them
    assert parse_municipality({**document, "audiences_from_cases": False}).audiences_from_cases is False
    assert parse_municipality({k: v for k, v in document.items() if k != "audiences_from_cases"}
                              ).audiences_from_cases is False  # off unless a municipality says so
    with pytest.raises(ConfigurationError):
        parse_municipality({**document, "audiences_from_cases": "yes"})
