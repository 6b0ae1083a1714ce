"""The weekly report job (``functions/weekly_report/``): every Monday at 07:00 in the
municipality's time, a mail to each supervisor in their language with last week's figures
against the week before, what is overdue now, and a link to the dashboard for that week
(``docs/operations.md``, "Scheduled jobs").

The week is the seven local days (Monday to Sunday) before the run's own Monday: a run
scheduled for Monday 7 December 2026 07:00 reports 30 November to 6 December and compares it
with 23 to 29 November. The figures are the reports service's (``StatisticsReports``, what
``GET /v1/admin/stats`` answers for the same days), never counted again here: two reports per
run (each week by department, with its totals), whatever the number of recipients. What is
overdue is the due-time index read at the run's time (``DueCases``).

Each mail is one effect of the job (``RunContext.once(effect_key("weekly", <week's Monday>,
<address>))``): a repeated or retried run, or one started by hand for the same week, mails
nobody twice. Supervisors get it (they are the ones escalations go to, ``docs/roles.md``);
administrators run the system and do not, unless they are supervisors too. When the
municipality configures it (``weekly_report_to_heads``), each department's ``head`` gets the
same report of their department only (the reports' department filter, the overdue cases of the
department), in the municipality's default language.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import partial
from typing import Callable, Mapping, Protocol

from msgspec import Struct

from ..domain.calendar import OfficeCalendar
from ..domain.cases import Case
from ..domain.jobs import effect_key
from ..domain.mail import OutgoingMail
from ..domain.municipality import Municipality
from ..domain.policy import Principal, Role
from ..domain.service_levels import next_due
from ..domain.working_time import working_minutes_between
from .jobs import RunContext
from .port_records import StaffMember
from .ports import RecipientSuppressed
from .statistics import StatsQuery, StatsReport

logger = logging.getLogger(__name__)

#: What the report shows, in this order (metrics of ``GET /v1/admin/stats``).
METRICS = ("opened", "resolved", "first_reaction_median", "resolution_median",
           "first_reaction_met_share", "resolution_met_share", "legal_met_share", "breaches")
#: How many of the overdue cases the mail names (the oldest due first).
OVERDUE_LISTED = 5
#: Who reads the statistics for the report: a supervisor's scope (every department).
REPORTER = Principal(user_id="system:weekly_report", username="system:weekly_report",
                     roles=frozenset({Role.SUPERVISOR}))


class StatsReader(Protocol):
    def report(self, principal: Principal | None, query: StatsQuery) -> StatsReport: ...


class OverdueCases(Protocol):
    def cases_due(self, before: datetime, after: datetime | None = None) -> list[Case]: ...


class Supervisors(Protocol):
    def list(self, role: str | None = None) -> list[StaffMember]: ...


class ReportMailer(Protocol):
    def send(self, mail: OutgoingMail) -> str: ...


class WeekFigures(Struct, frozen=True):
    start: date
    end: date
    totals: Mapping[str, float | int | None]
    by_department: Mapping[str, Mapping[str, float | int | None]]


class OverdueCase(Struct, frozen=True):
    number: str
    department: str
    due: datetime
    late_minutes: int  # working minutes since the due time


class WeeklyFigures(Struct, frozen=True):
    """Everything one run's mails say, whoever reads them."""

    week: WeekFigures
    previous: WeekFigures
    overdue: int
    oldest: tuple[OverdueCase, ...]
    department: str | None = None  # a head's report: of this department only


def report_week(scheduled_for: datetime, calendar: OfficeCalendar) -> tuple[date, date]:
    """The Monday and the Sunday of the week before the run's local week.

    Examples
    --------
    >>> from datetime import timezone
    >>> cal = OfficeCalendar({}, "Europe/Belgrade")
    >>> [d.isoformat() for d in report_week(datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc), cal)]
    ['2026-11-30', '2026-12-06']
    """
    local = scheduled_for.astimezone(calendar.zone).date()
    monday = local - timedelta(days=local.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


class WeeklyReport:
    def __init__(self, stats: StatsReader, due: OverdueCases, staff: Supervisors,
                 mailer: ReportMailer, municipality: Callable[[], Municipality],
                 calendar: Callable[[], OfficeCalendar],
                 compose: Callable[[StaffMember, WeeklyFigures, Municipality], OutgoingMail]):
        self._stats = stats
        self._due = due
        self._staff = staff
        self._mailer = mailer
        self._municipality = municipality
        self._calendar = calendar
        self._compose = compose

    def figures(self, now: datetime, department: str | None = None,
                overdue: list[Case] | None = None) -> WeeklyFigures:
        """The report of the week before ``now``'s (of ``department`` only when given): two
        statistics reports and, unless ``overdue`` is given, one read of the due-time index."""
        calendar = self._calendar()
        start, end = report_week(now, calendar)
        week = self._week(start, end, department)
        previous = self._week(start - timedelta(days=7), start - timedelta(days=1), department)
        cases = [case for case in (self._due.cases_due(now) if overdue is None else overdue)
                 if next_due(case) is not None
                 and (department is None or case.department == department)]
        oldest = tuple(OverdueCase(case.number, case.department, due,
                                   working_minutes_between(calendar, due, now))
                       for case in cases[:OVERDUE_LISTED]
                       for due in (next_due(case),) if due is not None)
        return WeeklyFigures(week, previous, len(cases), oldest, department)

    def run(self, job: RunContext) -> None:
        now = job.run.scheduled_for
        overdue = self._due.cases_due(now)
        figures = self.figures(now, overdue=overdue)
        municipality = self._municipality()
        recipients = [member for member in self._staff.list(Role.SUPERVISOR.value)
                      if member.enabled and member.email]
        week = figures.week.start.isoformat()
        sent = 0
        suppressed: list[str] = []

        def send(mail: OutgoingMail) -> None:
            # an address that bounced or complained is left out (its effect is done: the next
            # week's report tries again, the suppression list may have let it go by then)
            try:
                self._mailer.send(mail)
            except RecipientSuppressed:
                suppressed.append(mail.to[0])
        for member in recipients:
            assert member.email is not None
            mail = self._compose(member, figures, municipality)
            if job.once(effect_key("weekly", week, member.email.lower()),
                        partial(send, mail)):
                sent += 1
        heads = 0
        if municipality.weekly_report_to_heads:
            for department in sorted(municipality.departments.values(), key=lambda d: d.id):
                if not department.head:
                    continue
                heads += 1
                head = StaffMember(username=f"head:{department.id}", user_id="", roles=frozenset(),
                                   email=department.head)
                mail = self._compose(head, self.figures(now, department.id, overdue), municipality)
                # one per head and department: a head of two gets both, a supervisor who is
                # also a head gets the whole report and their department's
                if job.once(effect_key("weekly", week, department.head, department.id),
                            partial(send, mail)):
                    sent += 1
        sent -= len(suppressed)
        job.outcome.update({"week": week, "recipients": len(recipients) + heads, "heads": heads,
                            "sent": sent, "suppressed": len(suppressed), "overdue": figures.overdue})
        logger.info("weekly report", extra={"week": week, "sent": sent,
                                            "recipients": len(recipients) + heads})

    def _week(self, start: date, end: date, department: str | None) -> WeekFigures:
        report = self._stats.report(REPORTER, StatsQuery(start=start, end=end,
                                                         group_by=("department",), metrics=METRICS,
                                                         department=department))
        return WeekFigures(start, end, dict(report.totals),
                           {row.values[0]: dict(row.metrics) for row in report.rows})


#: The columns of the table by department (metrics of ``METRICS``).
TABLE_COLUMNS = ("opened", "resolved", "resolution_median", "breaches")


class WeeklyReportMails:
    """The mail of one recipient: from the municipality's general address, in the recipient's
    language (else the municipality's default: a head's), with the link to the console's dashboard for
    the week (``<public_url>/console/#/stats?from=<Monday>&to=<Sunday>``)."""

    def __init__(self, public_url: str):
        self._public_url = public_url.rstrip("/")

    def dashboard_url(self, week: WeekFigures) -> str:
        return f"{self._public_url}/console/#/stats?from={week.start.isoformat()}&to={week.end.isoformat()}"

    def link(self, figures: WeeklyFigures) -> str:
        """The dashboard for the week, of the head's department for a head's report."""
        url = self.dashboard_url(figures.week)
        return f"{url}&department={figures.department}" if figures.department else url

    def __call__(self, member: StaffMember, figures: WeeklyFigures,
                 municipality: Municipality) -> OutgoingMail:
        from ..domain.municipality import localised
        from ..rendering import render_report_mail, translate, translate_count, working_duration
        from ..rendering.report_texts import change_text, metric_text, text_table

        language = municipality.language_or_default(member.language)
        week, previous = figures.week, figures.previous

        def day(value: date) -> str:
            return value.strftime("%d.%m.%Y")

        def department_name(department_id: str) -> str:
            department = municipality.departments.get(department_id)
            return localised(department.name, language) if department else department_id

        lines = [{"label": translate(language, f"report.metric.{metric}"),
                  "value": metric_text(language, metric, week.totals.get(metric)),
                  "change": change_text(language, metric, week.totals.get(metric),
                                        previous.totals.get(metric))}
                 for metric in METRICS]
        departments = sorted(set(week.by_department) | set(previous.by_department),
                             key=department_name)
        table = text_table(
            [translate(language, "report.column.department"),
             *(translate(language, f"report.column.{metric}") for metric in TABLE_COLUMNS)],
            [[department_name(department),
              *(_with_previous(language, metric, week.by_department.get(department, {}),
                               previous.by_department.get(department, {}))
                for metric in TABLE_COLUMNS)]
             for department in departments])
        overdue_heading = (translate_count(language, "report.overdue.heading", figures.overdue)
                           if figures.overdue else translate(language, "report.overdue.none"))
        oldest = [{"number": case.number, "department": department_name(case.department),
                   "late": working_duration(language, case.late_minutes)}
                  for case in figures.oldest]
        service = municipality.general_service
        rendered = render_report_mail("weekly_report", language, {
            "municipality": localised(municipality.name, language), "name": member.name,
            "signature": localised(service.name, language), "unsubscribe_url": None,
            "start": day(week.start), "end": day(week.end),
            "previous_start": day(previous.start), "previous_end": day(previous.end),
            "figures": lines, "departments": departments, "department_table": table,
            "overdue_heading": overdue_heading, "oldest": oldest,
            "dashboard_url": self.link(figures),
            "why": (translate(language, "report.weekly.why_head",
                              department=department_name(figures.department))
                    if figures.department else translate(language, "report.weekly.why"))})
        assert member.email is not None
        return OutgoingMail(
            sender=service.address,
            sender_name=f"{localised(municipality.name, language)} – {localised(service.name, language)}",
            to=(member.email,), subject=rendered.subject, text=rendered.text,
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                     "Content-Language": language,
                     "X-CivicDesk-Report": f"weekly:{week.start.isoformat()}"},
            kind="weekly_report")


def _with_previous(language: str, metric: str, now: Mapping[str, float | int | None],
                   before: Mapping[str, float | int | None]) -> str:
    """A table cell: this week's value and, in brackets, the week before's (a department
    without a row that week had none of the counts, and no median)."""
    from ..rendering.report_texts import metric_text

    missing = None if metric.endswith("_median") else 0
    return (f"{metric_text(language, metric, now.get(metric, missing))}"
            f" ({metric_text(language, metric, before.get(metric, missing))})")
