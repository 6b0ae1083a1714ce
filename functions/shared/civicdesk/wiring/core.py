"""The composition root's core: AWS clients, the cases table's repositories and the services
of the citizens' channels and the case work."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, TypeVar, cast

from ..config import settings

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
    from ..adapters.dynamodb import session

    _tables_configured()
    return session.botocore_session().create_client(service, region_name=settings().region)


@lru_cache(maxsize=1)
def _tables_configured() -> bool:
    from ..adapters.dynamodb import session

    session.configure(settings().cases_table, settings().region)
    return True


@lru_cache(maxsize=1)
def case_repository():
    from ..adapters.dynamodb.cases import DynamoCaseRepository

    _tables_configured()
    return DynamoCaseRepository()


@lru_cache(maxsize=1)
def case_reads():
    """The cases' reads alone (tracking, a queue's case file): the same table as
    ``case_repository``, without importing its writes."""
    from ..adapters.dynamodb.case_reads import DynamoCaseReads

    _tables_configured()
    return DynamoCaseReads()


@lru_cache(maxsize=1)
def due_cases():
    from ..adapters.dynamodb.due import DynamoDueCases

    _tables_configured()
    return DynamoDueCases()


@lru_cache(maxsize=1)
def queue_repository():
    from ..adapters.dynamodb.queues import DynamoQueueRepository

    _tables_configured()
    return DynamoQueueRepository()


@lru_cache(maxsize=1)
def mail_repository():
    from ..adapters.dynamodb.mail import DynamoMailRepository

    _tables_configured()
    return DynamoMailRepository()


@lru_cache(maxsize=1)
def quarantine_repository():
    from ..adapters.dynamodb.quarantine import DynamoQuarantineRepository

    _tables_configured()
    return DynamoQuarantineRepository()


@lru_cache(maxsize=1)
def config_repository():
    from ..adapters.dynamodb.configuration import DynamoConfigRepository

    _tables_configured()
    return DynamoConfigRepository()


@lru_cache(maxsize=1)
def case_facts():
    from ..adapters.dynamodb.case_facts import DynamoCaseFacts

    _tables_configured()
    return DynamoCaseFacts()


@lru_cache(maxsize=1)
def recipient_repository():
    from ..adapters.dynamodb.recipients import DynamoRecipientRepository

    _tables_configured()
    return DynamoRecipientRepository()


@lru_cache(maxsize=1)
def subscription_repository():
    from ..adapters.dynamodb.subscriptions import DynamoSubscriptionRepository

    _tables_configured()
    return DynamoSubscriptionRepository()


@lru_cache(maxsize=1)
def notification_repository():
    from ..adapters.dynamodb.notifications import DynamoNotificationRepository

    _tables_configured()
    return DynamoNotificationRepository()


@lru_cache(maxsize=1)
def link_keys():
    from ..adapters.secrets import SecretsManagerLinkKeys

    return SecretsManagerLinkKeys(lambda: aws_client("secretsmanager"),
                                  settings().link_secret_arn or "",
                                  ttl_seconds=settings().config_ttl_seconds)


@lru_cache(maxsize=1)
def tracking_links():
    """The requester's private links (the key is read on the first link written or checked)."""
    from ..services.tracking_links import TrackingLinks

    return TrackingLinks(link_keys(), settings().public_url)


@lru_cache(maxsize=1)
def municipality_provider():
    from ..services.municipality import MunicipalityProvider

    return MunicipalityProvider(config_repository(), ttl_seconds=settings().config_ttl_seconds)


@lru_cache(maxsize=1)
def mailer():
    """SES with the configuration set that reports deliveries, bounces and complaints, behind
    the suppression list: every sender gets this one, so none mails a suppressed address."""
    from ..adapters.ses import SesMailer
    from ..services.delivery import SuppressionCheckingMailer

    ses = SesMailer(lambda: aws_client("sesv2"), settings().mail_domain,
                    configuration_set=settings().ses_configuration_set)
    return SuppressionCheckingMailer(ses, recipient_repository())


@lru_cache(maxsize=1)
def delivery_feedback_service():
    from ..services.delivery import DeliveryFeedbackService
    from .campaigns import campaign_feedback

    return DeliveryFeedbackService(recipient_repository(), case_repository(), mail_repository(),
                                   notification_repository(), sms_sender(), municipality_provider(),
                                   phones=phone_numbers(), links=tracking_links(),
                                   campaigns=_deferred(campaign_feedback))


@lru_cache(maxsize=1)
def suppression_admin():
    from ..services.delivery import SuppressionAdmin

    return SuppressionAdmin(recipient_repository())


@lru_cache(maxsize=1)
def case_service():
    from ..observability import PowertoolsMetricsSink
    from ..services.cases import CaseService
    from .photos import photo_uploads

    return CaseService(case_repository(), municipality_provider(),
                       PowertoolsMetricsSink(), settings().public_url, links=tracking_links(),
                       uploads=_deferred(photo_uploads))


@lru_cache(maxsize=1)
def case_tracking():
    """The tracking page's service alone: a cold start that tracks a case builds neither the
    intake nor the uploads."""
    from ..services.case_tracking import CaseTracking

    return CaseTracking(case_reads(), municipality_provider(), links=tracking_links())


@lru_cache(maxsize=1)
def public_info_service():
    from ..services.public import PublicInfoService

    return PublicInfoService(municipality_provider())


@lru_cache(maxsize=1)
def follower_service():
    from ..adapters.dynamodb.allowances import DynamoAllowances
    from ..services.followers import FollowerService

    return FollowerService(case_repository(), subscription_repository(), municipality_provider(),
                           mailer(), settings().public_url, DynamoAllowances())


@lru_cache(maxsize=1)
def blob_store():
    from ..adapters.s3 import S3BlobStore

    return S3BlobStore(lambda: aws_client("s3"), settings().attachments_bucket or "")


@lru_cache(maxsize=1)
def case_attachments():
    from ..adapters.s3 import S3AttachmentLinks
    from ..services.case_attachments import CaseAttachments

    return CaseAttachments(case_repository(),
                           S3AttachmentLinks(lambda: aws_client("s3"), settings().attachments_bucket or ""))


@lru_cache(maxsize=1)
def organisation_info():
    from ..services.organisation import OrganisationInfo

    return OrganisationInfo(municipality_provider())


@lru_cache(maxsize=1)
def email_intake_service():
    from ..observability import PowertoolsMetricsSink
    from ..services.email_intake import EmailIntakeService

    return EmailIntakeService(case_repository(), mail_repository(), quarantine_repository(),
                              blob_store(), mailer(), municipality_provider(),
                              PowertoolsMetricsSink(), settings().public_url,
                              max_attachment_bytes=settings().max_attachment_bytes)


@lru_cache(maxsize=1)
def staff_directory():
    from ..adapters.cognito import CognitoStaffDirectory

    return CognitoStaffDirectory(lambda: aws_client("cognito-idp"), settings().staff_user_pool_id or "")


@lru_cache(maxsize=1)
def sms_sender():
    """The SMS sender every sender but the SMS channel's own answers gets: a number that
    answered STOP is on the suppression list and is not texted."""
    from ..services.delivery import SuppressionCheckingSmsSender

    return SuppressionCheckingSmsSender(raw_sms_sender(), recipient_repository())


@lru_cache(maxsize=1)
def raw_sms_sender():
    """SNS itself: only the SMS channel's answers to STOP, START and HELP use it unchecked."""
    from ..adapters.sns_sms import SnsSmsSender

    return SnsSmsSender(lambda: aws_client("sns"), default_sender_id=settings().sms_sender_id)


@lru_cache(maxsize=1)
def phone_numbers():
    from ..adapters.phones import LibPhoneNumbers

    return LibPhoneNumbers()


@lru_cache(maxsize=1)
def casework_service():
    from ..observability import PowertoolsMetricsSink
    from ..services.casework import CaseworkService

    return CaseworkService(case_repository(), queue_repository(), mail_repository(),
                           municipality_provider(), _deferred(mailer), _deferred(sms_sender),
                           _deferred(staff_directory), PowertoolsMetricsSink(), settings().public_url,
                           phones=_deferred(phone_numbers), links=tracking_links(),
                           due=due_cases())


@lru_cache(maxsize=1)
def case_reader():
    """The case-work service's reads alone (a queue page, a case file): the admin API's
    usual first request builds neither the intake, the changes nor the messaging."""
    from ..services.casework_queries import CaseReader

    return CaseReader(case_repository(), queue_repository(), municipality_provider(),
                      due=due_cases())


@lru_cache(maxsize=1)
def staff_standing():
    from ..services.staff import StaffStanding

    return StaffStanding(staff_directory())


@lru_cache(maxsize=1)
def staff_service():
    from ..services.staff import StaffService

    return StaffService(staff_directory())


@lru_cache(maxsize=1)
def feed_service():
    from ..services.feed import FeedService

    return FeedService(queue_repository(), municipality_provider())


@lru_cache(maxsize=1)
def quarantine_admin():
    from ..services.staff import QuarantineAdmin

    return QuarantineAdmin(quarantine_repository(), email_intake_service())


@lru_cache(maxsize=1)
def event_publisher():
    from ..adapters.sns_events import SnsEventBus
    from ..services.events import EventPublisher

    return EventPublisher(case_facts(),
                          SnsEventBus(lambda: aws_client("sns"), settings().events_topic_arn or ""))


@lru_cache(maxsize=1)
def notification_service():
    from ..adapters.dynamodb.allowances import DynamoAllowances
    from ..observability import PowertoolsMetricsSink
    from ..services.notifications import NotificationService

    notifications = notification_repository()
    return NotificationService(notifications, notifications, subscription_repository(),
                               municipality_provider(), mailer(), sms_sender(), staff_directory(),
                               PowertoolsMetricsSink(), settings().public_url,
                               phones=phone_numbers(), links=tracking_links(),
                               allowances=DynamoAllowances(), satisfaction=_satisfaction_link)


def _satisfaction_link(case):
    """The surveys' satisfaction question after a resolution (``wiring/surveys.py``)."""
    from .surveys import survey_service

    return survey_service().satisfaction_link(case)

