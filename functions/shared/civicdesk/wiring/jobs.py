"""The scheduled jobs and the statistics: the job-run ledger, the service-level job, the
statistics' keeper and reports, the nightly job and the weekly report."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .core import (
    _tables_configured,
    case_facts,
    case_repository,
    due_cases,
    mailer,
    municipality_provider,
    staff_directory,
)


@lru_cache(maxsize=1)
def job_run_ledger():
    from ..adapters.dynamodb.job_runs import DynamoJobRunLedger

    _tables_configured()
    return DynamoJobRunLedger()


def job_runner(lease_seconds: float = 900.0):
    """Runs a scheduled job once per slot (``services.jobs``); ``lease_seconds`` is how long a
    run may take before another invocation may take it over: the function's timeout (a job
    handler passes ``context.get_remaining_time_in_millis() / 1000``)."""
    from datetime import timedelta

    from ..services.jobs import JobRunner

    return JobRunner(job_run_ledger(), lease=timedelta(seconds=lease_seconds))


@lru_cache(maxsize=1)
def service_level_job():
    """The service-level job (``functions/sla/``): the due-time index and the case's write."""
    from ..services.service_level_job import ServiceLevelJob

    return ServiceLevelJob(due_cases(), case_repository(), municipality_provider())


@lru_cache(maxsize=1)
def statistics_store():
    from ..adapters.dynamodb.statistics import DynamoStatistics

    _tables_configured()
    return DynamoStatistics()


def office_calendar():
    """The municipality's working calendar (hours, time zone, holidays), as configured now."""
    from ..domain.calendar import OfficeCalendar

    municipality = municipality_provider().get()
    return OfficeCalendar(municipality.working_hours, municipality.time_zone, municipality.holidays)


@lru_cache(maxsize=1)
def statistics_keeper():
    from ..services.statistics import StatisticsKeeper

    return StatisticsKeeper(statistics_store(), case_facts(), office_calendar)


@lru_cache(maxsize=1)
def statistics_reports():
    from ..services.statistics import StatisticsReports

    return StatisticsReports(statistics_store())


@lru_cache(maxsize=1)
def public_statistics():
    from ..services.statistics import PublicStatistics

    return PublicStatistics(statistics_store())


@lru_cache(maxsize=1)
def statistics_days():
    from ..adapters.dynamodb.statistics_days import DynamoStatisticsDays

    _tables_configured()
    return DynamoStatisticsDays()


def nightly_statistics(drift_metric=None):
    """The nightly statistics job's service (``functions/stats_nightly/``); ``drift_metric``
    gets the number of drifted cases of the day checked (the handler's ``StatisticsDrift``)."""
    from datetime import datetime, timezone

    from ..services.stats_nightly import NightlyStatistics

    return NightlyStatistics(statistics_days(), case_repository(), office_calendar,
                             lambda: municipality_provider().get().departments,
                             drift_metric or (lambda _count: None),
                             lambda: datetime.now(timezone.utc))


@lru_cache(maxsize=1)
def weekly_report():
    """The weekly report job's service (``functions/weekly_report/``): the reports behind
    ``GET /v1/admin/stats``, the due-time index, the supervisors in the staff directory and the
    mailer."""
    from ..services.weekly_report import WeeklyReport, WeeklyReportMails

    return WeeklyReport(statistics_reports(), due_cases(), staff_directory(), mailer(),
                        lambda: municipality_provider().get(), office_calendar,
                        WeeklyReportMails(settings().public_url))

