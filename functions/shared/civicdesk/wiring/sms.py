"""The SMS channel's factories (``functions/ingest_sms``): the inbox on the cases table and the
intake service, with the SMS sender that answers STOP, START and HELP unchecked."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .core import _tables_configured, municipality_provider, phone_numbers, raw_sms_sender

__all__ = ["sms_inbox", "sms_intake_service"]


@lru_cache(maxsize=1)
def sms_inbox():
    from ..adapters.dynamodb.sms_inbox import DynamoSmsInbox

    _tables_configured()
    return DynamoSmsInbox()


@lru_cache(maxsize=1)
def sms_intake_service():
    from ..observability import PowertoolsMetricsSink
    from ..services.sms_intake import SmsIntakeService
    from ..services.sms_survey_step import (
        SurveyReply,
        apply_survey_reply,
        chain_with_surveys,
        survey_loader,
    )

    return SmsIntakeService(sms_inbox(), raw_sms_sender(), municipality_provider(),
                            PowertoolsMetricsSink(), settings().public_url,
                            own_numbers=settings().sms_origination_numbers,
                            phones=phone_numbers(),
                            on_opt_out=lambda phone: _alerts().stop_sms(phone),
                            chain=chain_with_surveys(),
                            loaders=[survey_loader(
                                lambda phone, body, at: _surveys().answer_by_sms(phone, body, at))],
                            appliers={SurveyReply: apply_survey_reply})


def _alerts():
    from .alerts import alert_subscription_service

    return alert_subscription_service()



def _surveys():
    from .surveys import survey_service

    return survey_service()
