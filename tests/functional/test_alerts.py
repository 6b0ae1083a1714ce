"""Residents' alert subscriptions, in-process under moto: the public routes as API Gateway hands
them to the API function, mail in moto's SES, SMS in moto's SNS, subscriptions in the cases table
(``services/alerts.py``, ``adapters/dynamodb/alerts.py``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.admin import AdminApi
from tests.support.aws import mails_to, sms_to

EMAIL = "ana.stanar@example.org"
PHONE = "+381641234567"
LINK = re.compile(r"https?://\S+/alerts\.html\?lang=[\w-]+#\S+")
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def api(aws_env):
    return AdminApi()


def subscribe(api, body=None, headers=None, **changes):
    body = body or {"topics": ["water", "roads"], "areas": ["centar"], "email": EMAIL,
                    "language": "sr-Latn", **changes}
    return api.call("POST", "/v1/public/alerts", body, headers=headers)


def confirm_link(mail) -> dict[str, str]:
    [link] = LINK.findall(mail.get_content())
    parts = urlsplit(link)
    return {key: values[0] for key, values in (*parse_qs(parts.query).items(),
                                                *parse_qs(parts.fragment).items())}


def last_code(number: str) -> str:
    return CODE.findall(sms_to(number)[-1])[0]


def subscribers():
    from civicdesk import wiring

    return list(wiring.alert_subscribers().confirmed())


def suppress(address: str, reason: str = "bounce") -> None:
    from civicdesk.adapters.dynamodb.delivery_items import RecipientItem
    from civicdesk.adapters.dynamodb.keys import RECIPIENT_SK, recipient_pk

    RecipientItem(PK=recipient_pk(address), SK=RECIPIENT_SK, address=address,
                  suppression_reason=reason).save()


def test_subscribe_by_mail_confirm_through_the_link_then_change_and_unsubscribe(api):
    answer = subscribe(api)
    assert answer.status == 202, answer.body
    assert answer.body["status"] == "pending" and answer.body["awaiting"] == ["email"]
    [mail] = mails_to(EMAIL)
    assert mail["Content-Language"] == "sr-Latn" and mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_content()
    assert "Vodosnabdevanje" in text and "7 dana" in text
    link = confirm_link(mail)
    assert link["lang"] == "sr-Latn"
    token = link["confirm"]
    assert subscribers() == []  # nothing before the confirmation

    # WHEN the page confirms (twice: the same answer)
    first = api.call("POST", "/v1/public/alerts/confirmation", {"token": token})
    again = api.call("POST", "/v1/public/alerts/confirmation", {"token": token})
    # THEN
    assert first.status == 200 and first.body["status"] == "active"
    assert first.body["channels"] == [{"channel": "email", "state": "confirmed", "address": "a•••@example.org"}]
    assert again.body == first.body
    [subscriber] = subscribers()
    assert subscriber.email == EMAIL and subscriber.phone is None
    assert [c.value for c in subscriber.channels] == ["email"]
    assert subscriber.topics == ("water", "roads") and subscriber.areas == ("centar",)
    assert subscriber.unsubscribe_token == token and subscriber.language == "sr-Latn"

    # WHEN the resident changes topics and adds a point instead of the area
    changed = api.call("PUT", "/v1/public/alerts/subscription",
                       {"token": token, "topics": ["waste"], "point": {"lat": 44.018, "lon": 20.92},
                        "channels": ["email"]})
    assert changed.status == 200, changed.body
    assert [t["id"] for t in changed.body["topics"]] == ["waste"] and changed.body["areas"] == []
    assert changed.body["point"] == {"lat": 44.018, "lon": 20.92} and changed.body["point_areas"]
    [subscriber] = subscribers()
    assert subscriber.topics == ("waste",) and subscriber.point == (44.018, 20.92)
    shown = api.call("GET", "/v1/public/alerts/subscription", query=f"token={token}")
    assert shown.status == 200 and shown.body == changed.body

    # WHEN the link of an alert unsubscribes (twice)
    ended = api.call("POST", "/v1/public/alerts/unsubscribe", {"token": token})
    assert ended.status == 200 and ended.body["status"] == "ended" and ended.body["channels"] == []
    assert api.call("POST", "/v1/public/alerts/unsubscribe", {"token": token}).body["status"] == "ended"
    assert subscribers() == []
    # THEN its address is gone, and the rest expires
    from civicdesk.adapters.dynamodb.alerts_items import AlertSubscriptionItem
    from civicdesk.adapters.dynamodb.keys import ALERT_SK, alert_pk

    item = AlertSubscriptionItem.get(alert_pk(answer.body["id"]), ALERT_SK, consistent_read=True)
    assert item.email is None and item.phone is None and item.GSI3PK is None
    assert item.expires_at is not None
    refused = api.call("PUT", "/v1/public/alerts/subscription",
                       {"token": token, "topics": ["waste"], "areas": ["centar"], "channels": ["email"]})
    assert refused.status == 409 and refused.body["error"]["code"] == "conflict"


def test_sms_code_confirms_the_number_wrong_codes_are_counted(api):
    answer = subscribe(api, {"topics": ["water"], "areas": ["breza"], "phone": "064 123 4567",
                             "language": "en"})
    assert answer.status == 202 and answer.body["awaiting"] == ["sms"]
    subscription_id = answer.body["id"]
    [sms] = sms_to(PHONE)
    assert "valid for 15 minutes" in sms
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    path = f"/v1/public/alerts/{subscription_id}/sms-confirmation"

    refused = api.call("POST", path, {"code": wrong})
    assert refused.status == 400
    [field] = refused.body["error"]["fields"]
    assert field["field"] == "code" and field["code"] == "wrong_code" and "4" in field["message"]
    assert api.call("POST", path, {"code": "12"}).body["error"]["fields"][0]["code"] == "invalid_code"

    confirmed = api.call("POST", path, {"code": code})
    assert confirmed.status == 200 and confirmed.body["status"] == "active"
    assert confirmed.body["channels"] == [{"channel": "sms", "state": "confirmed", "address": "+381•••67"}]
    token = confirmed.body["token"]
    [subscriber] = subscribers()
    assert subscriber.phone == PHONE and subscriber.email is None and subscriber.unsubscribe_token == token
    # The code is spent: trying it again finds none
    again = api.call("POST", path, {"code": code})
    assert again.status == 400 and again.body["error"]["fields"][0]["code"] == "no_code_pending"


def test_five_wrong_codes_end_the_code_and_a_new_one_is_sent_at_most_once_a_minute(api):
    subscription_id = subscribe(api, {"topics": ["water"], "areas": ["breza"], "phone": PHONE}).body["id"]
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    path = f"/v1/public/alerts/{subscription_id}/sms-confirmation"
    codes = [api.call("POST", path, {"code": wrong}).body["error"]["fields"][0]["code"] for _ in range(6)]
    assert codes == ["wrong_code"] * 4 + ["code_exhausted"] * 2
    # Even the right code is refused now
    assert api.call("POST", path, {"code": code}).body["error"]["fields"][0]["code"] == "code_exhausted"
    # A new code within the minute: refused
    resend = api.call("POST", f"/v1/public/alerts/{subscription_id}/sms-code")
    assert resend.status == 429 and resend.body["error"]["code"] == "too_many_requests"
    assert len(sms_to(PHONE)) == 1


def test_both_channels_each_confirmed_on_its_own(api):
    answer = subscribe(api, phone=PHONE)
    assert answer.body["awaiting"] == ["email", "sms"]
    token = confirm_link(mails_to(EMAIL)[0])["confirm"]
    api.call("POST", "/v1/public/alerts/confirmation", {"token": token})
    [subscriber] = subscribers()
    assert [c.value for c in subscriber.channels] == ["email"] and subscriber.phone is None
    api.call("POST", f"/v1/public/alerts/{answer.body['id']}/sms-confirmation", {"code": last_code(PHONE)})
    [subscriber] = subscribers()
    assert sorted(c.value for c in subscriber.channels) == ["email", "sms"]
    assert subscriber.phone == PHONE and subscriber.email == EMAIL
    # Dropping SMS erases the number
    changed = api.call("PUT", "/v1/public/alerts/subscription",
                       {"token": token, "topics": ["water"], "areas": ["centar"], "channels": ["email"]})
    assert [c["channel"] for c in changed.body["channels"]] == ["email"]
    [subscriber] = subscribers()
    assert subscriber.phone is None
    refused = api.call("PUT", "/v1/public/alerts/subscription",
                       {"token": token, "topics": ["water"], "areas": ["centar"], "channels": ["sms"]})
    assert refused.status == 400 and refused.body["error"]["fields"][0]["field"] == "channels"


def test_the_same_idempotency_key_answers_the_first_result_and_sends_nothing_more(api):
    headers = {"Idempotency-Key": "alerts-key-0001"}
    first = subscribe(api, headers=headers)
    second = subscribe(api, headers=headers)
    assert first.status == second.status == 202 and first.body == second.body
    assert len(mails_to(EMAIL)) == 1
    other = subscribe(api, headers=headers, topics=["waste"])
    assert other.status == 409 and other.body["error"]["code"] == "conflict"
    assert api.call("POST", "/v1/public/alerts", {"topics": ["water"], "areas": ["centar"], "email": EMAIL},
                    headers={"Idempotency-Key": "bad key!"}).status == 400


def test_a_suppressed_address_or_number_gets_no_confirmation_and_the_same_answer(api):
    suppress(EMAIL)
    suppress(PHONE, "stop")
    answer = subscribe(api, phone=PHONE)
    assert answer.status == 202 and answer.body["awaiting"] == ["email", "sms"]
    assert mails_to(EMAIL) == [] and sms_to(PHONE) == []


def test_a_mailbox_gets_three_confirmations_a_day(api):
    for _ in range(4):
        assert subscribe(api, email="ana.stanar+alerts@example.org").status == 202
    assert len(mails_to("ana.stanar+alerts@example.org")) == 3


BAD_INPUT = [
    ({"topics": ["water"], "areas": ["centar"]}, "email", "email_or_phone"),
    ({"topics": ["floods"], "areas": ["centar"], "email": EMAIL}, "topics[0]", "unknown_topic"),
    ({"topics": [], "areas": ["centar"], "email": EMAIL}, "topics", "required"),
    ({"topics": ["water"], "areas": ["atlantis"], "email": EMAIL}, "areas[0]", "unknown_area"),
    ({"topics": ["water"], "email": EMAIL}, "areas", "area_or_point"),
    ({"topics": ["water"], "point": {"lat": 45.5, "lon": 19.0}, "email": EMAIL}, "point", "outside_municipality"),
    ({"topics": ["water"], "areas": ["centar"], "phone": "011 123"}, "phone", "invalid_phone"),
    ({"topics": ["water"], "areas": ["centar"], "phone": "011 3234567"}, "phone", "not_mobile"),
    ({"topics": ["water"], "areas": ["centar"], "email": "nobody"}, "email", "invalid_email"),
    ({"topics": ["water", "water"], "areas": ["centar"], "email": EMAIL}, "topics", "repeated"),
]


def test_the_options_and_bad_input_answers_400_with_the_field_and_why(api):
    # One moto account for every case (an account costs seconds to provision).
    for body, field, code in BAD_INPUT:
        answer = api.call("POST", "/v1/public/alerts", body)
        assert answer.status == 400, body
        assert (field, code) in {(f["field"], f["code"]) for f in answer.body["error"]["fields"]}, answer.body
    assert mails_to(EMAIL) == []
    # Another site's form cannot post without a CORS preflight: JSON only (but the one-click
    # unsubscribe)
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        posted = api.call("POST", "/v1/public/alerts", b"topics=water&email=x%40example.org",
                          headers={"Content-Type": content_type})
        assert posted.status == 415, (content_type, posted.body)
    # The page's choices
    answer = api.call("GET", "/v1/public/alerts/options", query="lang=cs")
    assert answer.status == 200
    topics = {t["id"]: t["name"] for t in answer.body["topics"]}
    assert topics["water"] == "Dodávky vody" and "heating" in topics
    assert "centar" in {a["id"] for a in answer.body["areas"]}
    assert answer.body["code_length"] == 6


def test_a_wrong_or_unknown_token_answers_404(api):
    subscribe(api)
    token = confirm_link(mails_to(EMAIL)[0])["confirm"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for path, body in (("/v1/public/alerts/confirmation", {"token": forged}),
                       ("/v1/public/alerts/unsubscribe", {"token": forged})):
        answer = api.call("POST", path, body)
        assert answer.status == 404 and answer.body["error"]["code"] == "not_found"
    assert api.call("GET", "/v1/public/alerts/subscription", query=f"token={forged}").status == 404
    assert api.call("GET", "/v1/public/alerts/subscription", query="token=nonsense").status == 400


def test_one_click_unsubscribe_with_the_token_in_the_query(api):
    answer = subscribe(api)
    token = confirm_link(mails_to(EMAIL)[0])["confirm"]
    api.call("POST", "/v1/public/alerts/confirmation", {"token": token})
    ended = api.call("POST", "/v1/public/alerts/unsubscribe", b"List-Unsubscribe=One-Click",
                     query=f"token={token}",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert ended.status == 200 and ended.body["status"] == "ended" and ended.body["id"] == answer.body["id"]


# -- the service with a clock: expiry ------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 19, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


class Sms:
    def __init__(self):
        self.sent = []

    def send(self, sms):
        self.sent.append(sms)
        return f"sms-{len(self.sent)}"


@pytest.fixture
def clocked(aws_env):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.allowances import DynamoAllowances
    from civicdesk.services.alerts import AlertSubscriptionService
    from tests.support.fakes import FakeMailer

    clock, sms, mailer = Clock(), Sms(), FakeMailer()
    service = AlertSubscriptionService(wiring.alert_subscription_repository(),
                                       wiring.municipality_provider(), mailer, sms,
                                       wiring.phone_numbers(), wiring.recipient_repository(),
                                       DynamoAllowances(), "https://prijave.demo.rs", clock=clock)
    return service, clock, sms, mailer


def test_an_expired_code_is_refused_and_a_new_one_confirms(clocked):
    from civicdesk.domain.errors import ValidationError
    from civicdesk.services.alerts import Choices, ConfirmCode, ResendCode, Subscribe

    service, clock, sms, _ = clocked
    answer = service.subscribe(Subscribe(Choices(("water",), ("centar",)), phone=PHONE))
    code = CODE.findall(sms.sent[-1].text)[0]
    clock.now += timedelta(minutes=16)
    with pytest.raises(ValidationError) as refused:
        service.confirm_code(ConfirmCode(answer["id"], code))
    assert refused.value.errors[0].code == "code_expired"
    service.resend_code(ResendCode(answer["id"]))
    assert len(sms.sent) == 2 and sms.sent[-1].kind == "alerts_code"
    subscription, token = service.confirm_code(ConfirmCode(answer["id"], CODE.findall(sms.sent[-1].text)[0]))
    assert subscription.state.value == "active" and token == subscription.token


def test_an_unconfirmed_subscription_is_gone_after_a_week(clocked):
    from civicdesk.domain.errors import NotFoundError
    from civicdesk.services.alerts import Choices, Subscribe

    service, clock, _, mailer = clocked
    service.subscribe(Subscribe(Choices(("water",), ("centar",)), email=EMAIL))
    token = LINK.findall(mailer.sent_to(EMAIL)[0].text)[0].split("#confirm=")[1]
    clock.now += timedelta(days=7, minutes=1)
    with pytest.raises(NotFoundError):
        service.confirm_email(token)


def test_stop_by_sms_drops_the_number_from_every_subscription_with_it(api):
    """What the two-way SMS part calls when the number answers STOP."""
    from civicdesk import wiring

    both = subscribe(api, phone=PHONE).body["id"]
    token = confirm_link(mails_to(EMAIL)[0])["confirm"]
    api.call("POST", "/v1/public/alerts/confirmation", {"token": token})
    api.call("POST", f"/v1/public/alerts/{both}/sms-confirmation", {"code": last_code(PHONE)})
    sms_only = subscribe(api, {"topics": ["power"], "areas": ["breza"], "phone": PHONE}).body["id"]
    confirmed = api.call("POST", f"/v1/public/alerts/{sms_only}/sms-confirmation", {"code": last_code(PHONE)})
    assert len(subscribers()) == 2

    assert wiring.alert_subscription_service().stop_sms(PHONE) == 2
    # THEN the e-mail subscriber stays, without the number; the SMS-only one ended
    [left] = subscribers()
    assert left.subscription_id == both and [c.value for c in left.channels] == ["email"] and left.phone is None
    ended = api.call("GET", "/v1/public/alerts/subscription", query=f"token={confirmed.body['token']}")
    assert ended.body["status"] == "ended"
    assert wiring.alert_subscription_service().stop_sms(PHONE) == 0
