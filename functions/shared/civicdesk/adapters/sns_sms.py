"""Sending SMS through Amazon SNS, published straight to a phone number (no topic)."""

from __future__ import annotations

from typing import Any, Callable

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from ..domain.errors import ConfigurationError
from ..domain.redaction import redact
from ..domain.sms import MAX_MESSAGE_BYTES, OutgoingSms, SmsDeliveryError, SmsFailure, is_e164, is_sender_id

#: SNS error codes (``Error.Code`` of the Query protocol) and what they mean for an SMS.
_FAILURE_BY_CODE = {
    "OptedOut": SmsFailure.OPTED_OUT,
    "Throttled": SmsFailure.THROTTLED,
    "Throttling": SmsFailure.THROTTLED,
    "ThrottlingException": SmsFailure.THROTTLED,
    "KMSThrottling": SmsFailure.THROTTLED,
    "InternalError": SmsFailure.UNAVAILABLE,
    "InternalFailure": SmsFailure.UNAVAILABLE,
    "ServiceUnavailable": SmsFailure.UNAVAILABLE,
    "AuthorizationError": SmsFailure.NOT_AUTHORIZED,
    "AccessDenied": SmsFailure.NOT_AUTHORIZED,
    "AccessDeniedException": SmsFailure.NOT_AUTHORIZED,
    "InvalidClientTokenId": SmsFailure.NOT_AUTHORIZED,
    "InvalidSecurity": SmsFailure.NOT_AUTHORIZED,
    "KMSAccessDenied": SmsFailure.NOT_AUTHORIZED,
    "KMSDisabled": SmsFailure.NOT_AUTHORIZED,
    "KMSInvalidState": SmsFailure.NOT_AUTHORIZED,
    "KMSNotFound": SmsFailure.NOT_AUTHORIZED,
    "KMSOptInRequired": SmsFailure.NOT_AUTHORIZED,
}
#: Codes SNS answers for a bad parameter; which parameter is only in the message.
_INVALID_PARAMETER_CODES = ("InvalidParameter", "ParameterValueInvalid", "ValidationException")


class SnsSmsSender:
    """An SMS sender over SNS ``Publish(PhoneNumber=...)``; returns the SNS MessageId.

    Every SMS is *Transactional* (SNS's higher delivery priority, also sent to numbers on
    do-not-disturb lists): CivicDesk only sends replies and notifications about a citizen's
    own case. ``default_sender_id`` is the alphanumeric sender shown where the destination
    country allows one (``OutgoingSms.sender_id`` overrides it).

    The client is built on first send (``client_factory``), so requests that send nothing
    never pay for creating it.

    SNS accepts a publish to a number that has opted out (answered STOP) and drops it later;
    the failure shows only in SNS's delivery status logs. With ``check_opt_out`` the sender
    asks ``CheckIfPhoneNumberIsOptedOut`` first and raises ``SmsFailure.OPTED_OUT`` instead:
    one more call per SMS.

    Examples
    --------
    >>> SnsSmsSender(lambda: None, default_sender_id="Grad Beograd")
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConfigurationError: error.configuration
    """

    def __init__(self, client_factory: Callable[[], Any], default_sender_id: str | None = None,
                 *, check_opt_out: bool = False):
        if default_sender_id and not is_sender_id(default_sender_id):
            raise ConfigurationError(
                "error.configuration", detail="the SMS sender id must be 1-11 letters and "
                f"digits with at least one letter, not {default_sender_id!r}")
        self._client_factory = client_factory
        self._default_sender_id = default_sender_id or None
        self._check_opt_out = check_opt_out

    def send(self, sms: OutgoingSms) -> str:
        """Publish ``sms``; raise ``SmsDeliveryError`` when it is invalid or SNS refuses it."""
        if not is_e164(sms.to):
            raise SmsDeliveryError(SmsFailure.INVALID_NUMBER, "not in E.164 form (+381...)")
        size = len(sms.text.encode("utf-8"))
        if not sms.text.strip() or size > MAX_MESSAGE_BYTES:
            raise SmsDeliveryError(SmsFailure.INVALID_MESSAGE,
                                   f"{size} bytes (1-{MAX_MESSAGE_BYTES}, not blank)")
        sender_id = sms.sender_id or self._default_sender_id
        if sender_id and not is_sender_id(sender_id):
            raise SmsDeliveryError(SmsFailure.INVALID_SENDER_ID, repr(sender_id))
        if sms.origination_number and not is_e164(sms.origination_number):
            raise SmsDeliveryError(SmsFailure.INVALID_SENDER_ID, "origination number not in E.164")
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                              "StringValue": "Transactional"}}
        if sms.origination_number:
            # From our two-way number, so that the citizen can answer (a sender id cannot be).
            attributes["AWS.MM.SMS.OriginationNumber"] = {"DataType": "String",
                                                          "StringValue": sms.origination_number}
        elif sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
        try:
            client = self._client_factory()
            if self._check_opt_out and client.check_if_phone_number_is_opted_out(
                    phoneNumber=sms.to).get("isOptedOut"):
                raise SmsDeliveryError(SmsFailure.OPTED_OUT, "CheckIfPhoneNumberIsOptedOut")
            response = client.publish(PhoneNumber=sms.to, Message=sms.text,
                                      MessageAttributes=attributes)
        except ClientError as error:
            raise delivery_error(error) from error
        except (ConnectionError, HTTPClientError) as error:
            raise SmsDeliveryError(SmsFailure.UNAVAILABLE, type(error).__name__) from error
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise SmsDeliveryError(SmsFailure.NOT_AUTHORIZED, type(error).__name__) from error
        except BotoCoreError as error:
            raise SmsDeliveryError(SmsFailure.REJECTED, redact(str(error))) from error
        return response["MessageId"]


def delivery_error(error: ClientError) -> SmsDeliveryError:
    """The domain error for an SNS error response; its detail (code and message) has phone
    numbers redacted, since it ends up in logs."""
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    detail = redact(f"{code}: {message}" if message else code)
    if code in _FAILURE_BY_CODE:
        return SmsDeliveryError(_FAILURE_BY_CODE[code], detail)
    if code in _INVALID_PARAMETER_CODES:
        # SNS names the parameter in the message: "Invalid parameter: PhoneNumber Reason: ...".
        about_number = "phonenumber" in message.replace(" ", "").lower()
        return SmsDeliveryError(
            SmsFailure.INVALID_NUMBER if about_number else SmsFailure.REJECTED, detail)
    if status == 429:
        return SmsDeliveryError(SmsFailure.THROTTLED, detail)
    if status >= 500:
        return SmsDeliveryError(SmsFailure.UNAVAILABLE, detail)
    return SmsDeliveryError(SmsFailure.REJECTED, detail)
