"""Composition root: builds the services lazily, once per container. Nothing here touches AWS
at import time, so tests can start moto first and cold starts stay short."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, TypeVar, cast

from .config import settings

T = TypeVar("T")


class _Deferred:
    """A port built on its first use: a staff request that never mails, texts or asks the
    directory (reading a queue) does not import those adapters at cold start."""

    def __init__(self, factory: Callable[[], Any]):
        self._factory = factory
        self._target: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._target is None:
            self._target = self._factory()
        return getattr(self._target, name)


def _deferred(factory: Callable[[], T]) -> T:
    return cast(T, _Deferred(factory))


@lru_cache(maxsize=None)
def aws_client(service: str):
    """A botocore client from the same session as the DynamoDB connection: the session's
    endpoint, partition and retry data are loaded once, and boto3 is never imported (together
    about a third of a cold start otherwise)."""
    from .adapters.dynamodb import session

    _tables_configured()
    return session.botocore_session().create_client(service, region_name=settings().region)


@lru_cache(maxsize=1)
def _tables_configured() -> bool:
    from .adapters.dynamodb import session

    session.configure(settings().cases_table, settings().region)
    return True


# -- repositories of the cases table, one per aggregate ------------------------------------------

@lru_cache(maxsize=1)
def case_repository():
    from .adapters.dynamodb.cases import DynamoCaseRepository

    _tables_configured()
    return DynamoCaseRepository()


@lru_cache(maxsize=1)
def due_cases():
    from .adapters.dynamodb.due import DynamoDueCases

    _tables_configured()
    return DynamoDueCases()


@lru_cache(maxsize=1)
def queue_repository():
    from .adapters.dynamodb.queues import DynamoQueueRepository

    _tables_configured()
    return DynamoQueueRepository()


@lru_cache(maxsize=1)
def mail_repository():
    from .adapters.dynamodb.mail import DynamoMailRepository

    _tables_configured()
    return DynamoMailRepository()


@lru_cache(maxsize=1)
def quarantine_repository():
    from .adapters.dynamodb.quarantine import DynamoQuarantineRepository

    _tables_configured()
    return DynamoQuarantineRepository()


@lru_cache(maxsize=1)
def config_repository():
    from .adapters.dynamodb.configuration import DynamoConfigRepository

    _tables_configured()
    return DynamoConfigRepository()


@lru_cache(maxsize=1)
def case_facts():
    from .adapters.dynamodb.case_facts import DynamoCaseFacts

    _tables_configured()
    return DynamoCaseFacts()


@lru_cache(maxsize=1)
def recipient_repository():
    from .adapters.dynamodb.recipients import DynamoRecipientRepository

    _tables_configured()
    return DynamoRecipientRepository()


@lru_cache(maxsize=1)
def subscription_repository():
    from .adapters.dynamodb.subscriptions import DynamoSubscriptionRepository

    _tables_configured()
    return DynamoSubscriptionRepository()


@lru_cache(maxsize=1)
def notification_repository():
    from .adapters.dynamodb.notifications import DynamoNotificationRepository

    _tables_configured()
    return DynamoNotificationRepository()


@lru_cache(maxsize=1)
def job_run_ledger():
    from .adapters.dynamodb.job_runs import DynamoJobRunLedger

    _tables_configured()
    return DynamoJobRunLedger()


def job_runner(lease_seconds: float = 900.0):
    """Runs a scheduled job once per slot (``services.jobs``); ``lease_seconds`` is how long a
    run may take before another invocation may take it over: the function's timeout (a job
    handler passes ``context.get_remaining_time_in_millis() / 1000``)."""
    from datetime import timedelta

    from .services.jobs import JobRunner

    return JobRunner(job_run_ledger(), lease=timedelta(seconds=lease_seconds))


@lru_cache(maxsize=1)
def service_level_job():
    """The service-level job (``functions/sla/``): the due-time index and the case's write."""
    from .services.service_level_job import ServiceLevelJob

    return ServiceLevelJob(due_cases(), case_repository(), municipality_provider())


# -- services ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def link_keys():
    from .adapters.secrets import SecretsManagerLinkKeys

    return SecretsManagerLinkKeys(lambda: aws_client("secretsmanager"),
                                  settings().link_secret_arn or "",
                                  ttl_seconds=settings().config_ttl_seconds)


@lru_cache(maxsize=1)
def tracking_links():
    """The requester's private links (the key is read on the first link written or checked)."""
    from .services.tracking_links import TrackingLinks

    return TrackingLinks(link_keys(), settings().public_url)


@lru_cache(maxsize=1)
def municipality_provider():
    from .services.municipality import MunicipalityProvider

    return MunicipalityProvider(config_repository(), ttl_seconds=settings().config_ttl_seconds)


@lru_cache(maxsize=1)
def mailer():
    """SES with the configuration set that reports deliveries, bounces and complaints, behind
    the suppression list: every sender gets this one, so none mails a suppressed address."""
    from .adapters.ses import SesMailer
    from .services.delivery import SuppressionCheckingMailer

    ses = SesMailer(lambda: aws_client("sesv2"), settings().mail_domain,
                    configuration_set=settings().ses_configuration_set)
    return SuppressionCheckingMailer(ses, recipient_repository())


@lru_cache(maxsize=1)
def delivery_feedback_service():
    from .services.delivery import DeliveryFeedbackService

    return DeliveryFeedbackService(recipient_repository(), case_repository(), mail_repository(),
                                   notification_repository(), sms_sender(), municipality_provider(),
                                   phones=phone_numbers(), links=tracking_links())


@lru_cache(maxsize=1)
def suppression_admin():
    from .services.delivery import SuppressionAdmin

    return SuppressionAdmin(recipient_repository())


@lru_cache(maxsize=1)
def case_service():
    from .observability import PowertoolsMetricsSink
    from .services.cases import CaseService

    return CaseService(case_repository(), municipality_provider(),
                       PowertoolsMetricsSink(), settings().public_url, links=tracking_links())


@lru_cache(maxsize=1)
def public_info_service():
    from .services.public import PublicInfoService

    return PublicInfoService(municipality_provider())


@lru_cache(maxsize=1)
def follower_service():
    from .adapters.dynamodb.allowances import DynamoAllowances
    from .services.followers import FollowerService

    return FollowerService(case_repository(), subscription_repository(), municipality_provider(),
                           mailer(), settings().public_url, DynamoAllowances())


@lru_cache(maxsize=1)
def blob_store():
    from .adapters.s3 import S3BlobStore

    return S3BlobStore(lambda: aws_client("s3"), settings().attachments_bucket or "")


@lru_cache(maxsize=1)
def case_attachments():
    from .adapters.s3 import S3AttachmentLinks
    from .services.case_attachments import CaseAttachments

    return CaseAttachments(case_repository(),
                           S3AttachmentLinks(lambda: aws_client("s3"), settings().attachments_bucket or ""))


@lru_cache(maxsize=1)
def organisation_info():
    from .services.organisation import OrganisationInfo

    return OrganisationInfo(municipality_provider())


@lru_cache(maxsize=1)
def email_intake_service():
    from .observability import PowertoolsMetricsSink
    from .services.email_intake import EmailIntakeService

    return EmailIntakeService(case_repository(), mail_repository(), quarantine_repository(),
                              blob_store(), mailer(), municipality_provider(),
                              PowertoolsMetricsSink(), settings().public_url,
                              max_attachment_bytes=settings().max_attachment_bytes)


@lru_cache(maxsize=1)
def staff_directory():
    from .adapters.cognito import CognitoStaffDirectory

    return CognitoStaffDirectory(lambda: aws_client("cognito-idp"), settings().staff_user_pool_id or "")


@lru_cache(maxsize=1)
def sms_sender():
    from .adapters.sns_sms import SnsSmsSender

    return SnsSmsSender(lambda: aws_client("sns"), default_sender_id=settings().sms_sender_id)


@lru_cache(maxsize=1)
def phone_numbers():
    from .adapters.phones import LibPhoneNumbers

    return LibPhoneNumbers()


@lru_cache(maxsize=1)
def casework_service():
    from .observability import PowertoolsMetricsSink
    from .services.casework import CaseworkService

    return CaseworkService(case_repository(), queue_repository(), mail_repository(),
                           municipality_provider(), _deferred(mailer), _deferred(sms_sender),
                           _deferred(staff_directory), PowertoolsMetricsSink(), settings().public_url,
                           phones=_deferred(phone_numbers), links=tracking_links(),
                           due=due_cases())


@lru_cache(maxsize=1)
def case_reader():
    """The case-work service's reads alone (a queue page, a case file): the admin API's
    usual first request builds neither the intake, the changes nor the messaging."""
    from .services.casework_queries import CaseReader

    return CaseReader(case_repository(), queue_repository(), municipality_provider(),
                      due=due_cases())


@lru_cache(maxsize=1)
def staff_standing():
    from .services.staff import StaffStanding

    return StaffStanding(staff_directory())


@lru_cache(maxsize=1)
def staff_service():
    from .services.staff import StaffService

    return StaffService(staff_directory())


@lru_cache(maxsize=1)
def feed_service():
    from .services.feed import FeedService

    return FeedService(queue_repository(), municipality_provider())


@lru_cache(maxsize=1)
def quarantine_admin():
    from .services.staff import QuarantineAdmin

    return QuarantineAdmin(quarantine_repository(), email_intake_service())


@lru_cache(maxsize=1)
def event_publisher():
    from .adapters.sns_events import SnsEventBus
    from .services.events import EventPublisher

    return EventPublisher(case_facts(),
                          SnsEventBus(lambda: aws_client("sns"), settings().events_topic_arn or ""))


@lru_cache(maxsize=1)
def notification_service():
    from .adapters.dynamodb.allowances import DynamoAllowances
    from .observability import PowertoolsMetricsSink
    from .services.notifications import NotificationService

    notifications = notification_repository()
    return NotificationService(notifications, notifications, subscription_repository(),
                               municipality_provider(), mailer(), sms_sender(), staff_directory(),
                               PowertoolsMetricsSink(), settings().public_url,
                               phones=phone_numbers(), links=tracking_links(),
                               allowances=DynamoAllowances())


# -- the staff console ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def console_info():
    from .services.console_info import ConsoleInfo, StaffSignIn

    current = settings()
    sign_in = None
    if current.staff_user_pool_id and current.staff_client_id:
        sign_in = StaffSignIn(current.region, current.staff_user_pool_id, current.staff_client_id,
                              current.cognito_endpoint)
    return ConsoleInfo(municipality_provider(), sign_in)


@lru_cache(maxsize=1)
def saved_view_service():
    from .adapters.dynamodb.preferences import DynamoSavedViews
    from .services.staff_preferences import SavedViewService

    _tables_configured()
    return SavedViewService(DynamoSavedViews(), municipality_provider())


@lru_cache(maxsize=1)
def language_service():
    from .services.staff_preferences import LanguageService

    return LanguageService(staff_directory(), municipality_provider())


@lru_cache(maxsize=1)
def canned_reply_service():
    from .adapters.dynamodb.canned_replies import DynamoCannedReplies
    from .services.canned_replies import CannedReplyService

    _tables_configured()
    return CannedReplyService(DynamoCannedReplies(), municipality_provider())


@lru_cache(maxsize=1)
def board_service():
    from .adapters.dynamodb.queue_counts import DynamoQueueCounts
    from .services.board import BoardService

    _tables_configured()
    return BoardService(DynamoQueueCounts(), municipality_provider())

@lru_cache(maxsize=1)
def search_index():
    from .adapters.dynamodb.search import DynamoSearchIndex

    _tables_configured()
    return DynamoSearchIndex()


@lru_cache(maxsize=1)
def search_service():
    """Finding cases: search, requester lookup, the map, nearby cases."""
    from .services.search import SearchService

    return SearchService(search_index(), municipality_provider(), _deferred(phone_numbers))


# -- the operator tools (civicdesk.cli): a resource named on the command line, not in settings ----

def staff_pool(user_pool_id: str, *, region: str | None = None, endpoint_url: str | None = None,
               local: bool = False):
    """The staff user pool administered (``python -m civicdesk.cli.staff``)."""
    from .adapters.cognito_admin import CognitoStaffPool

    return CognitoStaffPool.connect(user_pool_id, region=region, endpoint_url=endpoint_url,
                                    local=local)


def dead_letter_queue(queue_url: str):
    """An on-failure queue to replay (``python -m civicdesk.cli.redrive``)."""
    from .adapters.operator_clients import operator_client
    from .adapters.sqs_redrive import SqsDeadLetterQueue

    return SqsDeadLetterQueue(operator_client("sqs"), queue_url)


def event_invoker(function_name: str):
    """The asynchronous invocation of a function with a replayed event."""
    from .adapters.operator_clients import operator_client
    from .adapters.sqs_redrive import LambdaEventInvoker

    return LambdaEventInvoker(operator_client("lambda"), function_name)


def receipt_rule_sets(*, region: str | None = None, endpoint_url: str | None = None):
    """The account's SES receipt rule sets (``python -m civicdesk.cli.preflight``)."""
    from .adapters.account_settings import SesReceiptRuleSets
    from .adapters.operator_clients import operator_client

    return SesReceiptRuleSets(operator_client("ses", region=region, endpoint_url=endpoint_url))


def api_gateway_account(*, region: str | None = None, endpoint_url: str | None = None):
    """API Gateway's account setting and the stacks' roles (``python -m civicdesk.cli.preflight``)."""
    from .adapters.account_settings import ApiGatewayAccountSetting
    from .adapters.operator_clients import operator_client

    return ApiGatewayAccountSetting(
        operator_client("apigateway", region=region, endpoint_url=endpoint_url),
        operator_client("cloudformation", region=region, endpoint_url=endpoint_url))


def reset() -> None:
    """Forget every built object (tests, and the local runtime after re-seeding)."""
    settings.cache_clear()
    for factory in (aws_client, _tables_configured, case_repository, due_cases, queue_repository,
                    job_run_ledger, service_level_job,
                    mail_repository, quarantine_repository, config_repository, case_facts,
                    recipient_repository, subscription_repository, notification_repository,
                    municipality_provider, mailer, case_service, public_info_service,
                    feed_service, follower_service, delivery_feedback_service, suppression_admin,
                    blob_store, case_attachments, organisation_info,
                    email_intake_service, staff_directory, sms_sender,
                    phone_numbers, casework_service, case_reader, staff_service, staff_standing, quarantine_admin,
                    event_publisher, notification_service, link_keys, tracking_links,
                    console_info, saved_view_service, language_service, canned_reply_service,
                    board_service, search_index, search_service, statistics_store,
                    statistics_keeper, statistics_reports, public_statistics, statistics_days):
        factory.cache_clear()


# -- statistics (issue 14) -----------------------------------------------------------------------

@lru_cache(maxsize=1)
def statistics_store():
    from .adapters.dynamodb.statistics import DynamoStatistics

    _tables_configured()
    return DynamoStatistics()


def office_calendar():
    """The municipality's working calendar (hours, time zone, holidays), as configured now."""
    from .domain.calendar import OfficeCalendar

    municipality = municipality_provider().get()
    return OfficeCalendar(municipality.working_hours, municipality.time_zone, municipality.holidays)


@lru_cache(maxsize=1)
def statistics_keeper():
    from .services.statistics import StatisticsKeeper

    return StatisticsKeeper(statistics_store(), case_facts(), office_calendar)


@lru_cache(maxsize=1)
def statistics_reports():
    from .services.statistics import StatisticsReports

    return StatisticsReports(statistics_store())


@lru_cache(maxsize=1)
def public_statistics():
    from .services.statistics import PublicStatistics

    return PublicStatistics(statistics_store())


@lru_cache(maxsize=1)
def statistics_days():
    from .adapters.dynamodb.statistics_days import DynamoStatisticsDays

    _tables_configured()
    return DynamoStatisticsDays()


def nightly_statistics(drift_metric=None):
    """The nightly statistics job's service (``functions/stats_nightly/``); ``drift_metric``
    gets the number of drifted cases of the day checked (the handler's ``StatisticsDrift``)."""
    from datetime import datetime, timezone

    from .services.stats_nightly import NightlyStatistics

    return NightlyStatistics(statistics_days(), case_repository(), office_calendar,
                             lambda: municipality_provider().get().departments,
                             drift_metric or (lambda _count: None),
                             lambda: datetime.now(timezone.utc))


@lru_cache(maxsize=1)
def weekly_report():
    """The weekly report job's service (``functions/weekly_report/``): the reports behind
    ``GET /v1/admin/stats``, the due-time index, the supervisors in the staff directory and the
    mailer."""
    from .services.weekly_report import WeeklyReport, WeeklyReportMails

    return WeeklyReport(statistics_reports(), due_cases(), staff_directory(), mailer(),
                        lambda: municipality_provider().get(), office_calendar,
                        WeeklyReportMails(settings().public_url))
