"""The campaigns (mass notifications): the staff service, the planner, the sender, the
delivery feedback and the sweep, and their AWS ports (``docs/campaigns.md``).

Their settings are the ``CIVICDESK_CAMPAIGN_*`` variables of template.yaml's Globals
(``campaign_environment``)."""

from __future__ import annotations

import os
from functools import lru_cache

from ..config import settings
from .audiences import audience_members
from .core import _deferred, _tables_configured, aws_client, mailer, municipality_provider, sms_sender

#: What the campaigns read from the environment (template.yaml's Globals).
SEND_QUEUE_URL = "CIVICDESK_CAMPAIGN_SEND_QUEUE_URL"
PLAN_QUEUE_URL = "CIVICDESK_CAMPAIGN_PLAN_QUEUE_URL"
PLAN_QUEUE_ARN = "CIVICDESK_CAMPAIGN_PLAN_QUEUE_ARN"
SCHEDULE_GROUP = "CIVICDESK_CAMPAIGN_SCHEDULE_GROUP"
SCHEDULE_ROLE_ARN = "CIVICDESK_CAMPAIGN_SCHEDULE_ROLE_ARN"
SETTINGS = "CIVICDESK_CAMPAIGN_SETTINGS"


def campaign_environment(name: str) -> str:
    """The variable ``name``; ``ConfigurationError`` when it is missing."""
    from ..domain.errors import ConfigurationError

    value = os.environ.get(name)
    if not value:
        raise ConfigurationError("error.configuration_error",
                                 detail=f"missing environment variable {name}")
    return value


@lru_cache(maxsize=1)
def campaign_settings():
    from ..services.campaign_sending import CampaignSettings

    return CampaignSettings.parse(os.environ.get(SETTINGS, ""))


@lru_cache(maxsize=1)
def recipient_links():
    """The per-recipient links of a campaign carrying a survey (``RecipientLinks``): the
    survey's one-time link of the member (``SurveyService.invitation_link``)."""
    from .surveys import survey_service

    class SurveyLinks:
        def link(self, campaign, member):
            if not campaign.survey_id:
                return None
            return survey_service().invitation_link(campaign.survey_id, member)

    return SurveyLinks()


@lru_cache(maxsize=1)
def campaign_store():
    from ..adapters.dynamodb.campaigns import DynamoCampaignStore

    _tables_configured()
    return DynamoCampaignStore()


@lru_cache(maxsize=1)
def campaign_queue():
    from ..adapters.campaign_aws import SqsCampaignQueue

    return SqsCampaignQueue(lambda: aws_client("sqs"), campaign_environment(SEND_QUEUE_URL))


@lru_cache(maxsize=1)
def campaign_schedules():
    from ..adapters.campaign_aws import SchedulerCampaignSchedules

    return SchedulerCampaignSchedules(
        lambda: aws_client("scheduler"), group=campaign_environment(SCHEDULE_GROUP),
        target_arn=campaign_environment(PLAN_QUEUE_ARN),
        role_arn=campaign_environment(SCHEDULE_ROLE_ARN))


@lru_cache(maxsize=1)
def campaign_service():
    from ..adapters.campaign_aws import SqsPlanTrigger
    from ..domain.campaign_messages import Prices
    from ..services.campaigns import CampaignService

    trigger = _deferred(lambda: SqsPlanTrigger(lambda: aws_client("sqs"),
                                               campaign_environment(PLAN_QUEUE_URL)))
    prices = Prices(sms_part=campaign_settings().sms_price)
    return CampaignService(campaign_store(), _deferred(audience_members), municipality_provider(),
                           _deferred(mailer), _deferred(campaign_schedules), trigger,
                           public_url=settings().public_url, prices=prices)


@lru_cache(maxsize=1)
def campaign_planner():
    from ..services.campaign_sending import CampaignPlanner

    return CampaignPlanner(campaign_store(), audience_members(), campaign_queue(),
                           campaign_schedules(), municipality_provider(), campaign_settings(),
                           links=recipient_links())


@lru_cache(maxsize=1)
def campaign_sender():
    from ..services.campaign_sending import CampaignSender

    return CampaignSender(campaign_store(), mailer(), sms_sender(), municipality_provider(),
                          campaign_settings(), public_url=settings().public_url)


@lru_cache(maxsize=1)
def campaign_feedback():
    from ..services.campaign_sending import CampaignFeedback

    return CampaignFeedback(campaign_store(), _deferred(campaign_queue))


@lru_cache(maxsize=1)
def campaign_sweep():
    from ..services.campaign_sending import CampaignSweep

    return CampaignSweep(campaign_store(), campaign_queue(), campaign_settings())


__all__ = ["campaign_environment", "campaign_feedback", "campaign_planner",
           "campaign_queue", "campaign_schedules", "campaign_sender", "campaign_service",
           "campaign_settings", "campaign_store", "campaign_sweep", "recipient_links"]
