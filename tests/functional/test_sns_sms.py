"""The SNS SMS sender in-process: moto's SNS for what is accepted, botocore's Stubber for the
error responses moto never gives (opted out, throttled, SNS failing)."""

from __future__ import annotations

import doctest

import botocore.session
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from civicdesk.adapters import sns_sms
from civicdesk.adapters.sns_sms import SnsSmsSender
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.sms import OutgoingSms, SmsDeliveryError, SmsFailure
from infra.local import aws as local_aws
from infra.local.outbox import Outbox

REGION = "eu-central-1"
NUMBER = "+381641234567"
TEXT = "Поштовани, Ваш предмет 2026-000123 је решен. Детаљи: https://portal.test/t/2026-000123"


@pytest.fixture
def sns(monkeypatch):
    """A botocore SNS client on moto, and moto's SNS backend to look into."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        from moto.sns.models import sns_backends

        client = botocore.session.get_session().create_client("sns", region_name=REGION)
        yield client, sns_backends[DEFAULT_ACCOUNT_ID][REGION]


def test_the_docstring_examples_hold():
    assert doctest.testmod(sns_sms).failed == 0


def test_an_sms_is_published_to_the_phone_number_as_transactional(sns):
    client, backend = sns
    # GIVEN a sender with the municipality's sender id
    sender = SnsSmsSender(lambda: client, default_sender_id="CivicDesk")
    # WHEN a reply is sent
    message_id = sender.send(OutgoingSms(to=NUMBER, text=TEXT, case_number="2026-000123",
                                         language="sr-Cyrl"))
    # THEN moto's SNS recorded it under the id the sender returned
    assert backend.sms_messages[message_id] == (NUMBER, TEXT)
    # AND with the attributes (moto drops them; the local runtime's hook keeps them)
    [sent] = [sms for sms in local_aws.sent_sms() if sms["id"] == message_id]
    assert sent["attributes"] == {
        "AWS.SNS.SMS.SMSType": {"Type": "String", "Value": "Transactional"},
        "AWS.SNS.SMS.SenderID": {"Type": "String", "Value": "CivicDesk"}}


def test_the_sms_own_sender_id_wins_and_none_sends_no_attribute(sns):
    client, _ = sns
    SnsSmsSender(lambda: client, "CivicDesk").send(
        OutgoingSms(to=NUMBER, text="a", sender_id="NoviSad"))
    SnsSmsSender(lambda: client).send(OutgoingSms(to=NUMBER, text="b"))
    first, second = local_aws.sent_sms()[-2:]
    assert first["attributes"]["AWS.SNS.SMS.SenderID"]["Value"] == "NoviSad"
    assert "AWS.SNS.SMS.SenderID" not in second["attributes"]
    assert second["attributes"]["AWS.SNS.SMS.SMSType"]["Value"] == "Transactional"


def test_an_answer_to_a_citizens_sms_comes_from_our_number_not_the_sender_id(sns):
    client, _ = sns
    SnsSmsSender(lambda: client, "CivicDesk").send(
        OutgoingSms(to=NUMBER, text="a", origination_number="+381600000100"))
    [sent] = local_aws.sent_sms()[-1:]
    assert sent["attributes"]["AWS.MM.SMS.OriginationNumber"]["Value"] == "+381600000100"
    assert "AWS.SNS.SMS.SenderID" not in sent["attributes"]
    with pytest.raises(SmsDeliveryError) as refused:
        SnsSmsSender(lambda: client).send(OutgoingSms(to=NUMBER, text="a",
                                                      origination_number="0600000100"))
    assert refused.value.reason is SmsFailure.INVALID_SENDER_ID


def test_the_local_outbox_captures_what_sns_accepted(sns, tmp_path):
    client, _ = sns
    # GIVEN the outbox of the local runtime reading moto's SNS
    outbox = Outbox(tmp_path, list, sms_source=local_aws.sent_sms)
    message_id = SnsSmsSender(lambda: client, "CivicDesk").send(OutgoingSms(to=NUMBER, text=TEXT))
    # WHEN it captures (twice: each SMS is written once)
    assert outbox.capture() == 1 and outbox.capture() == 0
    # THEN the SMS is listed with what it cost
    [entry] = outbox.entries()
    assert entry["id"] == message_id and entry["to"] == [NUMBER] and entry["text"] == TEXT
    assert (entry["sender_id"], entry["sms_type"]) == ("CivicDesk", "Transactional")
    assert (entry["case_number"], entry["encoding"], entry["segments"]) == ("2026-000123",
                                                                            "UCS-2", 2)


@pytest.mark.parametrize("number", ["0641234567", "381641234567", "+381 64 123 4567", "",
                                    "+381641234567\n"])
def test_a_number_not_in_e164_is_refused_before_any_call(number):
    built = []
    sender = SnsSmsSender(lambda: built.append("client"))
    with pytest.raises(SmsDeliveryError) as caught:
        sender.send(OutgoingSms(to=number, text="x"))
    assert caught.value.reason is SmsFailure.INVALID_NUMBER and not caught.value.retryable
    assert built == []  # the client is not even built


@pytest.mark.parametrize("sms,reason", [
    (OutgoingSms(to=NUMBER, text="   "), SmsFailure.INVALID_MESSAGE),
    (OutgoingSms(to=NUMBER, text="ж" * 801), SmsFailure.INVALID_MESSAGE),  # 1602 bytes
    (OutgoingSms(to=NUMBER, text="x", sender_id="Novi Sad"), SmsFailure.INVALID_SENDER_ID),
])
def test_what_sns_would_refuse_is_refused_before_any_call(sms, reason):
    with pytest.raises(SmsDeliveryError) as caught:
        SnsSmsSender(lambda: pytest.fail("no client")).send(sms)
    assert caught.value.reason is reason


def test_an_invalid_default_sender_id_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        SnsSmsSender(lambda: None, default_sender_id="123456")


def test_opted_out_numbers_are_checked_only_when_asked(sns):
    client, backend = sns
    opted_out = "+381641234599"  # moto answers "opted out" for every number ending in 99
    # GIVEN a sender that checks first  WHEN it sends to an opted-out number
    with pytest.raises(SmsDeliveryError) as caught:
        SnsSmsSender(lambda: client, check_opt_out=True).send(OutgoingSms(to=opted_out, text="x"))
    # THEN it is refused and nothing was published
    assert caught.value.reason is SmsFailure.OPTED_OUT and not backend.sms_messages
    # AND without the check, SNS accepts it (and would drop it later, as AWS does)
    SnsSmsSender(lambda: client).send(OutgoingSms(to=opted_out, text="x"))
    assert len(backend.sms_messages) == 1


def stubbed_client():
    client = botocore.session.get_session().create_client(
        "sns", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


@pytest.mark.parametrize("code,status,message,reason", [
    ("OptedOut", 400, "Phone number is opted out", SmsFailure.OPTED_OUT),
    ("Throttled", 429, "Rate exceeded", SmsFailure.THROTTLED),
    ("ThrottlingException", 400, "Rate exceeded", SmsFailure.THROTTLED),
    ("InternalError", 500, "Internal error", SmsFailure.UNAVAILABLE),
    ("AuthorizationError", 403, "not authorized to perform SNS:Publish", SmsFailure.NOT_AUTHORIZED),
    ("KMSAccessDenied", 400, "", SmsFailure.NOT_AUTHORIZED),
    ("InvalidParameter", 400, f"Invalid parameter: PhoneNumber Reason: {NUMBER} is not valid "
                              "to publish to", SmsFailure.INVALID_NUMBER),
    ("InvalidParameter", 400, "Invalid parameter: Message too long", SmsFailure.REJECTED),
    ("ParameterValueInvalid", 400, "Could not cast message attribute", SmsFailure.REJECTED),
    ("SomethingNew", 400, "", SmsFailure.REJECTED),
    ("SomethingNew", 503, "", SmsFailure.UNAVAILABLE),
    ("SomethingElse", 429, "", SmsFailure.THROTTLED),
])
def test_sns_errors_become_delivery_errors(code, status, message, reason):
    client, stubber = stubbed_client()
    stubber.add_client_error("publish", service_error_code=code, service_message=message,
                             http_status_code=status)
    with stubber, pytest.raises(SmsDeliveryError) as caught:
        SnsSmsSender(lambda: client).send(OutgoingSms(to=NUMBER, text="x"))
    error = caught.value
    assert error.reason is reason
    assert error.retryable is (reason in (SmsFailure.THROTTLED, SmsFailure.UNAVAILABLE))
    assert code in error.detail and NUMBER not in error.detail and "641234567" not in str(error)
    stubber.assert_no_pending_responses()


def test_the_request_is_what_sns_documents():
    client, stubber = stubbed_client()
    stubber.add_response("publish", {"MessageId": "m-1"}, {
        "PhoneNumber": NUMBER, "Message": "x",
        "MessageAttributes": {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "Beograd"}}})
    with stubber:
        assert SnsSmsSender(lambda: client, "Beograd").send(OutgoingSms(to=NUMBER, text="x")) \
            == "m-1"


def test_sns_out_of_reach_is_retryable():
    class Unreachable:
        def publish(self, **_params):
            raise EndpointConnectionError(endpoint_url="https://sns.eu-central-1.amazonaws.com")

    with pytest.raises(SmsDeliveryError) as caught:
        SnsSmsSender(Unreachable).send(OutgoingSms(to=NUMBER, text="x"))
    assert caught.value.reason is SmsFailure.UNAVAILABLE and caught.value.retryable
