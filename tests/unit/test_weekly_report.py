"""The weekly report job with fakes: the week before the run's Monday against the week before
it, as the reports service answers them; each supervisor in their language; what is overdue
at the run's time; each mail once per recipient and week however often the job runs."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.adapters.phones import LibPhoneNumbers
from civicdesk.api import case_commands
from civicdesk.domain.calendar import OfficeCalendar
from civicdesk.domain.jobs import JobRun
from civicdesk.domain.policy import Principal, Role
from civicdesk.domain.statistics import Cell
from civicdesk.services.casework import CaseworkService
from civicdesk.services.jobs import JobRunner
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.port_records import StaffMember
from civicdesk.services.statistics import StatisticsReports, StatsQuery
from civicdesk.services.weekly_report import METRICS, WeeklyReport, WeeklyReportMails, report_week
from tests.support.aws import CONFIG_DIR
from tests.support.casework_fakes import FakeDirectory, InMemoryCaseworkRepository
from tests.support.fakes import FakeMailer, FakeMetrics, InMemoryConfigRepository, tracking_links
from tests.support.jobs import InMemoryJobRunLedger
from tests.support.notification_fakes import FakeSmsSender

#: Monday 7 December 2026, 07:00 in Belgrade: the run reports 30 Nov - 6 Dec against 23 - 29 Nov.
RUN_AT = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)
OPERATOR = Principal("u1", "ana", frozenset({Role.OPERATOR}), name="Ana")
TAX_CALL = {"type": "request", "channel": "phone", "category": "local_taxes",
            "description": "Građanin pita za rešenje o porezu na imovinu za 2026.",
            "requester": {"name": "Milan", "phone": "064 123 4567"}}
DIMS = ("roads_traffic", "potholes", "web", "problem", "new", "", "")


def dims(department: str) -> tuple:
    return (department, *DIMS[1:])


def bucket_of(minutes: int) -> int:
    from civicdesk.domain.statistics import BUCKET_BOUNDS

    return next((i for i, bound in enumerate(BUCKET_BOUNDS) if minutes < bound), len(BUCKET_BOUNDS))


def resolutions(*minutes: int) -> dict:
    counters = {"resolution.count": len(minutes), "resolution.sum": sum(minutes)}
    for each in minutes:
        key = f"resolution.b{bucket_of(each)}"
        counters[key] = counters.get(key, 0) + 1
    return counters


class FakeCells:
    """``StatisticsCells`` over day cells, as the DynamoDB one answers the reading plan."""

    def __init__(self):
        self.days: list[Cell] = []
        self.calls = 0

    def add(self, day: date, department: str, **counters: int) -> None:
        self.days.append(Cell(department, {dims(department): counters}, day.isoformat()))

    def cells(self, ranges, departments=None):
        self.calls += 1
        found = []
        for cell in self.days:
            for each in ranges:
                period = cell.period if each.grain == "D" else cell.period[:7]
                if each.first <= period <= each.last:
                    found.append(cell)
                    break
        return [c for c in found if departments is None or c.department in departments]


def supervisor(username: str, language: str | None, **changes) -> StaffMember:
    return StaffMember(username=username, user_id=f"id-{username}",
                       roles=frozenset({Role.SUPERVISOR}), name=username.title(),
                       email=f"{username}@demo.rs", language=language, **changes)


def with_heads(document: dict, heads: dict[str, str], *, on: bool = True) -> dict:
    document = copy.deepcopy(document)
    document["weekly_report_to_heads"] = on
    for department in document["departments"]:
        if department["id"] in heads:
            department["head"] = heads[department["id"]]
    return document


class World:
    def __init__(self, document: dict | None = None):
        self.cells = FakeCells()
        self.repo = InMemoryCaseworkRepository()
        self.municipality = MunicipalityProvider(InMemoryConfigRepository(
            document if document is not None else load_config_dir(CONFIG_DIR)))
        self.now = datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)
        self.casework = CaseworkService(
            self.repo, self.repo, self.repo, self.municipality, FakeMailer(), FakeSmsSender(),
            FakeDirectory(), FakeMetrics(), "https://prijave.demo.rs/", phones=LibPhoneNumbers(),
            links=tracking_links(), due=self.repo, clock=lambda: self.now)
        self.directory = FakeDirectory()
        self.mailer = FakeMailer()
        self.ledger = InMemoryJobRunLedger()
        self.reports = StatisticsReports(self.cells)

        def calendar() -> OfficeCalendar:
            m = self.municipality.get()
            return OfficeCalendar(m.working_hours, m.time_zone, m.holidays)

        self.job = WeeklyReport(self.reports, self.repo, self.directory, self.mailer,
                                self.municipality.get, calendar,
                                WeeklyReportMails("https://prijave.demo.rs/"))

    def staff(self, *members: StaffMember) -> None:
        for member in members:
            self.directory.members[member.username] = member

    def open_call(self, at: datetime) -> str:
        self.now = at
        return self.casework.open_case(OPERATOR, case_commands.open_staff_case(TAX_CALL)).number

    def run(self, at: datetime = RUN_AT):
        runner = JobRunner(self.ledger, lease=timedelta(minutes=5), clock=lambda: at)
        return runner.run(JobRun("weekly_report", at), self.job.run)

    def mail_to(self, address: str):
        found = [m for m in self.mailer.outbox if m.to == (address,)]
        assert len(found) == 1, [m.to for m in self.mailer.outbox]
        return found[0]


@pytest.fixture
def world():
    return World()


def test_the_week_is_monday_to_sunday_before_the_runs_monday():
    cal = OfficeCalendar({}, "Europe/Belgrade")
    assert report_week(RUN_AT, cal) == (date(2026, 11, 30), date(2026, 12, 6))
    # a run by hand later in the week reports the same week; a Monday just after midnight
    # local time (Sunday 23:30 UTC) is already the new week
    assert report_week(RUN_AT + timedelta(days=3), cal) == (date(2026, 11, 30), date(2026, 12, 6))
    assert report_week(datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc), cal) == \
        (date(2026, 11, 30), date(2026, 12, 6))
    # across the autumn clock change (25 Oct 2026): Monday 26 Oct 07:00 CET
    assert report_week(datetime(2026, 10, 26, 6, 0, tzinfo=timezone.utc), cal) == \
        (date(2026, 10, 19), date(2026, 10, 25))


def test_the_figures_are_the_reports_of_the_week_and_the_week_before(world):
    # GIVEN counters on days of the week, of the week before, and outside both
    week, before = date(2026, 11, 30), date(2026, 11, 23)
    world.cells.add(week, "roads_traffic", opened=7, resolved=3, breaches=1,
                    first_reaction_met=3, first_reaction_missed=1, **resolutions(60, 125, 300))
    world.cells.add(week + timedelta(days=6), "roads_traffic", opened=5, resolved=2)
    world.cells.add(week + timedelta(days=2), "public_utilities", opened=2)
    world.cells.add(before + timedelta(days=6), "roads_traffic", opened=9, resolved=7,
                    first_reaction_met=17, first_reaction_missed=3, **resolutions(60, 60))
    world.cells.add(date(2026, 12, 7), "roads_traffic", opened=100)  # the run's own day
    world.cells.add(date(2026, 11, 22), "roads_traffic", opened=100)  # two weeks before
    world.staff(supervisor("vesna", "en"))
    # WHEN the job runs on Monday 07:00
    result = world.run()
    # THEN the figures are what the reports service answers for the two weeks
    figures = world.job.figures(RUN_AT)
    admin = Principal("x", "x", frozenset({Role.ADMINISTRATOR}))
    expected = world.reports.report(admin, StatsQuery(date(2026, 11, 30), date(2026, 12, 6),
                                                      ("department",), METRICS))
    assert figures.week.totals == expected.totals
    assert figures.week.totals["opened"] == 14 and figures.previous.totals["opened"] == 9
    assert figures.week.by_department["public_utilities"]["opened"] == 2
    mail = world.mail_to("vesna@demo.rs")
    assert mail.subject == "Weekly report 30.11.2026 – 06.12.2026"
    assert "Cases opened: 14 ↑ up by 5 (the week before: 9)" in mail.text
    assert "Cases resolved: 5 ↓ down by 2 (the week before: 7)" in mail.text
    assert "First reaction within target: 75 % ↓ down by 10 percentage points (the week before: 85 %)" in mail.text
    assert "Due times missed: 1 ↑ up by 1 (the week before: 0)" in mail.text
    assert "Legal deadline met: no figures (the week before: no figures)" in mail.text
    from civicdesk.rendering import working_duration

    median = expected.totals["resolution_median"]
    assert median is not None
    assert f"Resolution, median working time: {working_duration('en', round(median))}" in mail.text
    # the table by department: both departments, this week's and (in brackets) the week before's
    table = mail.text[mail.text.index("By department"):]
    roads_name = world.municipality.get().departments["roads_traffic"].name["en"]
    utilities_name = world.municipality.get().departments["public_utilities"].name["en"]
    assert utilities_name in table
    roads = next(line for line in table.splitlines() if line.startswith(roads_name))
    assert "12 (9)" in roads and "5 (7)" in roads
    assert "https://prijave.demo.rs/console/#/stats?from=2026-11-30&to=2026-12-06" in mail.text
    assert result.outcome["sent"] == 1 and result.outcome["week"] == "2026-11-30"


def test_each_supervisor_reads_it_in_their_language_and_nobody_else_gets_it(world):
    world.cells.add(date(2026, 12, 1), "roads_traffic", opened=3)
    world.staff(supervisor("milica", "sr-Cyrl"), supervisor("jana", "cs"),
                supervisor("marko", "sr-Latn"), supervisor("ivan", "bg"),
                supervisor("nada", None),  # the municipality's default: sr-Cyrl
                supervisor("gone", "en", enabled=False))
    world.staff(StaffMember(username="agent", user_id="a", roles=frozenset({Role.DEPARTMENT_AGENT}),
                            departments=frozenset({"roads_traffic"}), email="agent@demo.rs"),
                StaffMember(username="admin", user_id="b", roles=frozenset({Role.ADMINISTRATOR}),
                            email="admin@demo.rs"))
    world.run()
    assert sorted(m.to[0] for m in world.mailer.outbox) == [
        "ivan@demo.rs", "jana@demo.rs", "marko@demo.rs", "milica@demo.rs", "nada@demo.rs"]
    assert world.mail_to("milica@demo.rs").subject == "Недељни извештај 30.11.2026 – 06.12.2026"
    assert world.mail_to("nada@demo.rs").headers["Content-Language"] == "sr-Cyrl"
    assert "Отворени предмети: 3 ↑ више за 3 (недељу пре: 0)" in world.mail_to("milica@demo.rs").text
    assert "Otvoreni predmeti: 3 ↑ više za 3 (nedelju pre: 0)" in world.mail_to("marko@demo.rs").text
    assert "Otevřené případy: 3 ↑ více o 3 (předchozí týden: 0)" in world.mail_to("jana@demo.rs").text
    assert world.mail_to("ivan@demo.rs").subject.startswith("Седмичен отчет")
    assert "Тренутно ниједан предмет не касни." in world.mail_to("milica@demo.rs").text


def test_what_is_overdue_now_lists_the_oldest_five_with_how_late(world):
    # GIVEN seven tax calls registered on Friday 4 Dec from 09:00 on, a minute apart: each
    # first reaction is due 30 working minutes later, and nobody reacted
    numbers = [world.open_call(datetime(2026, 12, 4, 8, minute, tzinfo=timezone.utc))
               for minute in range(7)]
    world.staff(supervisor("vesna", "en"), supervisor("jana", "cs"))
    # WHEN the report runs on Monday 07:00
    result = world.run()
    text = world.mail_to("vesna@demo.rs").text
    # THEN all seven are overdue, the five due first are named with their department
    assert "7 cases are overdue now." in text and result.outcome["overdue"] == 7
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert [line.split(" ")[1] for line in listed] == numbers[:5]
    department = world.municipality.get().departments[world.repo.cases[numbers[0]].department]
    assert department.name["en"] in listed[0]
    # late by the working time from the due time (Friday) to Monday 07:00
    figures = world.job.figures(RUN_AT)
    assert figures.oldest[0].late_minutes > figures.oldest[4].late_minutes > 0
    assert "overdue by " in listed[0] and "working hour" in listed[0]
    assert "Právě je po termínu 7 případů." in world.mail_to("jana@demo.rs").text


def test_each_recipient_gets_the_weeks_mail_once_however_often_it_runs(world):
    world.cells.add(date(2026, 12, 1), "roads_traffic", opened=3)
    world.staff(supervisor("vesna", "en"), supervisor("jana", "cs"))
    # GIVEN the first send to jana fails: the run fails after vesna's mail went out
    failing = {"jana@demo.rs"}
    send = world.mailer.send

    def flaky(mail):
        if mail.to[0] in failing:
            failing.clear()
            raise RuntimeError("SES throttled")
        return send(mail)

    world.mailer.send = flaky  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        world.run()
    assert [m.to[0] for m in world.mailer.outbox] == ["vesna@demo.rs"]
    # WHEN the run is retried, run again, and run by hand later that Monday
    retried = world.run()
    again = world.run()
    by_hand = world.run(RUN_AT + timedelta(hours=3))
    # THEN jana got hers on the retry, and nobody got a second one
    assert sorted(m.to[0] for m in world.mailer.outbox) == ["jana@demo.rs", "vesna@demo.rs"]
    assert retried.outcome["sent"] == 1 and again.state == "done_before"
    assert by_hand.outcome["sent"] == 0 and by_hand.outcome["effects_done_before"] == 2
    assert sorted(world.ledger.effects("weekly_report")) == [
        "weekly#2026-11-30#jana@demo.rs", "weekly#2026-11-30#vesna@demo.rs"]
    # the next Monday is another week: each gets that one
    world.run(RUN_AT + timedelta(days=7))
    assert len(world.mailer.outbox) == 4


def test_the_reports_are_read_twice_a_run_whatever_the_recipients(world):
    world.staff(*(supervisor(f"s{i}", "en") for i in range(6)))
    world.run()
    # each week's report: one read of its plan (the fake answers a plan in one call)
    assert world.cells.calls == 2 and len(world.mailer.outbox) == 6


HEADS = {"roads_traffic": "Sef.Puteva@demo.rs", "tax_administration": "porezi@demo.rs"}


def test_heads_get_their_departments_report_only_when_configured():
    # GIVEN counters of two departments and two overdue tax calls
    document = load_config_dir(CONFIG_DIR)
    for on in (False, True):
        world = World(with_heads(document, HEADS, on=on))
        world.cells.add(date(2026, 12, 1), "roads_traffic", opened=4, resolved=1)
        world.cells.add(date(2026, 11, 24), "roads_traffic", opened=2)
        world.cells.add(date(2026, 12, 1), "public_utilities", opened=9)
        for minute in range(2):
            world.open_call(datetime(2026, 12, 4, 8, minute, tzinfo=timezone.utc))
        world.staff(supervisor("vesna", "en"))
        result = world.run()
        if not on:
            # WHEN the switch is off: the supervisors only
            assert [m.to for m in world.mailer.outbox] == [("vesna@demo.rs",)]
            assert result.outcome["heads"] == 0
            continue
        # WHEN it is on: each head gets their department's, in the default language (sr-Cyrl)
        roads, taxes = world.mail_to("sef.puteva@demo.rs"), world.mail_to("porezi@demo.rs")
        assert roads.headers["Content-Language"] == "sr-Cyrl"
        assert "Отворени предмети: 4 ↑ више за 2 (недељу пре: 2)" in roads.text
        assert "Тренутно ниједан предмет не касни." in roads.text
        assert "&department=roads_traffic" in roads.text
        name = world.municipality.get().departments["roads_traffic"].name["sr-Cyrl"]
        assert f"као руководилац: {name}." in roads.text
        assert "Отворени предмети: 0 " in taxes.text and "Тренутно касне 2 предмета." in taxes.text
        # the supervisor's is the whole municipality's
        assert "Cases opened: 13 " in world.mail_to("vesna@demo.rs").text
        # AND run again: nobody twice
        world.run(RUN_AT + timedelta(hours=1))
        assert len(world.mailer.outbox) == 3 and result.outcome["heads"] == 2


@pytest.mark.parametrize("change, problem", [
    ({"weekly_report_to_heads": "yes"}, "weekly_report_to_heads must be true or false"),
    ({"head": "not an address"}, "head 'not an address' is not an e-mail address"),
])
def test_the_heads_configuration_is_checked(change, problem):
    from civicdesk.domain.errors import ConfigurationError
    from civicdesk.domain.municipality_config import parse_municipality

    document = copy.deepcopy(load_config_dir(CONFIG_DIR))
    if "head" in change:
        document["departments"][0]["head"] = change["head"]
    else:
        document.update(change)
    with pytest.raises(ConfigurationError) as raised:
        parse_municipality(document)
    assert problem in raised.value.params["detail"]
    # absent: nobody, and off
    municipality = parse_municipality(load_config_dir(CONFIG_DIR))
    assert not municipality.weekly_report_to_heads
    assert all(d.head is None for d in municipality.departments.values())


def test_a_suppressed_address_is_left_out_without_failing_the_run(world):
    from civicdesk.services.ports import RecipientSuppressed

    world.staff(supervisor("gone", "en"), supervisor("vesna", "en"))
    send = world.mailer.send

    def refusing(mail):
        if mail.to == ("gone@demo.rs",):
            raise RecipientSuppressed("gone@demo.rs", "bounce")
        return send(mail)

    world.mailer.send = refusing  # type: ignore[method-assign]
    result = world.run()
    assert [m.to for m in world.mailer.outbox] == [("vesna@demo.rs",)]
    assert (result.outcome["sent"], result.outcome["suppressed"]) == (1, 1)
