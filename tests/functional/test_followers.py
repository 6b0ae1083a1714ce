"""Following a public case by e-mail, in-process under moto: the public routes as API Gateway
hands them to the API function, mail in moto's SES, subscriptions in the cases table."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.admin import AdminApi, Staff
from tests.support.aws import mails_to
from tests.support.fakes import FakeMailer

PUBLIC_CASE = {
    "type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
    "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
    "contact": {"name": "Петар Петровић", "email": "petar@example.rs"},
}
PRIVATE_CASE = {**PUBLIC_CASE, "type": "request", "category": "general_question"}
FOLLOWER = "ana.follower@example.org"
LINK = re.compile(r"https?://\S+/subscription\.html\?\S+")


@pytest.fixture
def api(aws_env):
    return AdminApi()


@pytest.fixture
def admin(aws_env, api):
    return Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("admin.petar", "administrator")


def open_case(api, body=PUBLIC_CASE) -> str:
    answer = api.call("POST", "/v1/public/cases", body)
    assert answer.status == 201, answer.body
    return answer.body["number"]


def follow(api, number, email=FOLLOWER, **extra):
    return api.call("POST", f"/v1/public/cases/{number}/subscriptions", {"email": email, **extra})


def link_in(mail) -> dict[str, str]:
    """The subscription page's link in a mail, as its query parameters."""
    [link] = LINK.findall(mail.get_content())
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def stored(number, subscription_id):
    from civicdesk.adapters.dynamodb.items import SubscriptionItem
    from civicdesk.adapters.dynamodb.keys import case_pk, subscription_sk

    return SubscriptionItem.get(case_pk(number), subscription_sk(subscription_id), consistent_read=True)


def confirm(api, number, subscription_id, token):
    return api.call("POST", f"/v1/public/cases/{number}/subscriptions/{subscription_id}/confirm",
                    {"token": token})


def one_click(api, number, subscription_id, token):
    """What a mail client does with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``."""
    return api.call("POST", f"/v1/public/cases/{number}/subscriptions/{subscription_id}/unsubscribe",
                    b"List-Unsubscribe=One-Click", query=f"token={token}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_follow_mails_a_confirmation_link_that_confirms(api):
    number = open_case(api)
    # WHEN
    answer = follow(api, number, language="sr-Latn")
    # THEN the same answer as ever, and the opt-in mail from the case's mailbox
    assert answer.status == 202 and answer.body == {"status": "pending"}
    [mail] = mails_to(FOLLOWER)
    assert mail["Subject"].startswith(f"[#{number}] ")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-CivicDesk-Case"] == number and mail["Content-Language"] == "sr-Latn"
    assert mail["From"].addresses[0].addr_spec == "podrska@demo.civicdesk.rs"
    assert mail["Reply-To"] is None  # a follower is no party to the case
    link = link_in(mail)
    assert link["action"] == "confirm" and link["case"] == number and link["lang"] == "sr-Latn"
    item = stored(number, link["id"])
    assert item.state == "pending" and item.role == "follower" and item.expires_at is not None

    # WHEN the follower confirms with the token of the link
    confirmed = confirm(api, number, link["id"], link["token"])
    # THEN
    assert confirmed.status == 200 and confirmed.body == {"state": "confirmed"}
    item = stored(number, link["id"])
    assert item.state == "confirmed" and item.confirmed_at and item.expires_at is None
    # confirming twice is fine
    assert confirm(api, number, link["id"], link["token"]).body == {"state": "confirmed"}


def test_a_wrong_token_or_an_unknown_subscription_is_the_same_404(api):
    number = open_case(api)
    follow(api, number)
    link = link_in(mails_to(FOLLOWER)[0])
    wrong_token = confirm(api, number, link["id"], "x" * len(link["token"]))
    unknown_id = confirm(api, number, "0" * 24, link["token"])
    other_case = confirm(api, "2026-999999", link["id"], link["token"])
    malformed_id = confirm(api, number, "not-an-id", link["token"])
    for answer in (wrong_token, unknown_id, other_case, malformed_id):
        assert answer.status == 404, answer.body
        assert answer.body == wrong_token.body
    assert wrong_token.error_code == "not_found"
    assert stored(number, link["id"]).state == "pending"
    ended = api.call("POST", f"/v1/public/cases/{number}/subscriptions/{link['id']}/unsubscribe",
                     {"token": "y" * 32})
    assert ended.status == 404 and ended.body == wrong_token.body


def test_only_a_public_case_can_be_followed(api, admin):
    private = open_case(api, PRIVATE_CASE)
    deleted = open_case(api)
    assert admin.delete(f"/v1/admin/cases/{deleted}", {"reason": "Тест брисања", "version": 1}).status == 200
    missing = follow(api, "2026-999999")
    for number in (private, deleted, "2026-999999", "nope"):
        answer = follow(api, number)
        assert answer.status == 404 and answer.body == missing.body, number
    assert missing.error_code == "not_found"
    # the same 404 as the tracking page
    assert api.call("GET", f"/v1/public/cases/{private}").body == missing.body
    assert mails_to(FOLLOWER) == []


def test_bad_input_is_400_with_its_fields(api):
    number = open_case(api)
    answer = follow(api, number, email="not-an-address", language="de", colour="red")
    assert answer.status == 400
    assert answer.fields == {"email": "invalid_email", "language": "not_allowed", "colour": "unknown_field"}
    missing = api.call("POST", f"/v1/public/cases/{number}/subscriptions", {})
    assert missing.status == 400 and missing.fields == {"email": "required"}
    no_token = api.call("POST", f"/v1/public/cases/{number}/subscriptions/{'0' * 24}/unsubscribe", {})
    assert no_token.status == 400 and no_token.fields == {"token": "required"}


def test_asking_again_answers_the_same_and_sends_at_most_one_mail_in_ten_minutes(api):
    number = open_case(api)
    first = follow(api, number)
    again = follow(api, number, email=FOLLOWER.upper())  # the same address
    assert first.status == again.status == 202 and first.body == again.body
    [mail] = mails_to(FOLLOWER)
    link = link_in(mail)
    assert confirm(api, number, link["id"], link["token"]).body == {"state": "confirmed"}
    # a confirmed follower asking again: the same answer, no mail
    assert follow(api, number).body == {"status": "pending"}
    assert len(mails_to(FOLLOWER)) == 1 and len(mails_to(FOLLOWER.upper())) == 0


def test_after_ten_minutes_the_link_is_sent_again_with_the_same_token(aws_env):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.allowances import DynamoAllowances
    from civicdesk.services.followers import FollowCase, FollowerService

    api = AdminApi()
    number = open_case(api)
    now = [datetime.now(timezone.utc)]
    mailer = FakeMailer()
    service = FollowerService(wiring.case_repository(), wiring.subscription_repository(),
                              wiring.municipality_provider(), mailer, "http://portal.test",
                              DynamoAllowances(),
                              clock=lambda: now[0])
    service.follow(FollowCase(number, FOLLOWER))
    now[0] += timedelta(minutes=9, seconds=59)
    service.follow(FollowCase(number, FOLLOWER))
    assert len(mailer.outbox) == 1
    now[0] += timedelta(seconds=2)
    service.follow(FollowCase(number, FOLLOWER, language="cs"))
    first, second = mailer.outbox
    assert LINK.search(first.text).group(0).replace("lang=sr-Cyrl", "lang=cs") == \
        LINK.search(second.text).group(0)
    assert second.headers["Content-Language"] == "cs"


def test_an_unconfirmed_subscription_expires(aws_env):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.allowances import DynamoAllowances
    from civicdesk.domain.errors import NotFoundError
    from civicdesk.services.followers import PENDING_LIFETIME, ConfirmSubscription, FollowCase, FollowerService

    number = open_case(AdminApi())
    now = [datetime.now(timezone.utc)]
    mailer = FakeMailer()
    service = FollowerService(wiring.case_repository(), wiring.subscription_repository(),
                              wiring.municipality_provider(), mailer, "http://portal.test",
                              DynamoAllowances(),
                              clock=lambda: now[0])
    service.follow(FollowCase(number, FOLLOWER))
    query = parse_qs(urlsplit(LINK.search(mailer.outbox[0].text).group(0)).query)
    now[0] += PENDING_LIFETIME + timedelta(seconds=1)  # DynamoDB's TTL may not have run yet
    with pytest.raises(NotFoundError):
        service.confirm(ConfirmSubscription(number, query["id"][0], query["token"][0]))


def test_one_click_unsubscribe_and_following_again(api):
    from civicdesk.adapters.dynamodb.mappers import item_to_subscription
    from civicdesk.domain.subscriptions import one_click_unsubscribe_url

    number = open_case(api)
    follow(api, number)
    link = link_in(mails_to(FOLLOWER)[0])
    confirm(api, number, link["id"], link["token"])
    subscription = item_to_subscription(stored(number, link["id"]))
    url = urlsplit(one_click_unsubscribe_url("http://portal.test", subscription))
    # WHEN the mail client posts the one-click form to the List-Unsubscribe URL
    answer = api.call("POST", url.path, b"List-Unsubscribe=One-Click", query=url.query,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    # THEN
    assert answer.status == 200 and answer.body == {"state": "unsubscribed"}
    item = stored(number, link["id"])
    assert item.state == "unsubscribed" and item.unsubscribed_at and item.expires_at is None
    # twice is fine, and the page's JSON form answers the same
    assert one_click(api, number, link["id"], link["token"]).body == {"state": "unsubscribed"}
    page = api.call("POST", f"/v1/public/cases/{number}/subscriptions/{link['id']}/unsubscribe",
                    {"token": link["token"]})
    assert page.status == 200 and page.body == {"state": "unsubscribed"}
    # an old confirmation link does not bring it back
    assert confirm(api, number, link["id"], link["token"]).body == {"state": "unsubscribed"}

    # WHEN the same address follows again: a new opt-in mail at once
    assert follow(api, number).body == {"status": "pending"}
    first, second = mails_to(FOLLOWER)
    assert stored(number, link["id"]).state == "pending"
    again = link_in(second)
    assert confirm(api, number, again["id"], again["token"]).body == {"state": "confirmed"}


def test_a_pending_subscription_can_be_ended_before_it_is_confirmed(api):
    number = open_case(api)
    follow(api, number)
    link = link_in(mails_to(FOLLOWER)[0])
    answer = api.call("POST", f"/v1/public/cases/{number}/subscriptions/{link['id']}/unsubscribe",
                      {"token": link["token"]})
    assert answer.body == {"state": "unsubscribed"}
    assert stored(number, link["id"]).expires_at is None


def test_the_requesters_subscription_ends_the_same_way(api):
    from civicdesk.adapters.dynamodb.mappers import subscription_to_item
    from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState, new_subscription_token

    number = open_case(api)
    now = datetime.now(timezone.utc)
    requester = Subscription(number, "petar@example.rs", SubscriptionRole.REQUESTER, "sr-Cyrl",
                             SubscriptionState.CONFIRMED, new_subscription_token(), now, now)
    subscription_to_item(requester).save()
    assert one_click(api, number, requester.id, requester.token).body == {"state": "unsubscribed"}
    # the requester following later asks for a confirmation and stays the requester
    assert follow(api, number, email="petar@example.rs").status == 202
    link = link_in(mails_to("petar@example.rs")[-1])
    assert confirm(api, number, link["id"], link["token"]).body == {"state": "confirmed"}
    item = stored(number, requester.id)
    assert item.role == "requester" and item.token == requester.token


def test_a_suppressed_address_gets_the_same_answer_and_a_failed_send_can_be_retried(aws_env):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.allowances import DynamoAllowances
    from civicdesk.domain.subscriptions import SubscriptionState
    from civicdesk.services.followers import FollowCase, FollowerService
    from civicdesk.services.ports import RecipientSuppressed

    number = open_case(AdminApi())
    mailer = FakeMailer()
    service = FollowerService(wiring.case_repository(), wiring.subscription_repository(),
                              wiring.municipality_provider(), mailer, "http://portal.test",
                              DynamoAllowances())
    mailer.fail_with = RecipientSuppressed("bounced@example.org", "bounce")
    assert service.follow(FollowCase(number, "bounced@example.org")) is SubscriptionState.PENDING

    mailer.fail_with = ConnectionError("SES unreachable")
    with pytest.raises(ConnectionError):
        service.follow(FollowCase(number, FOLLOWER))
    mailer.fail_with = None
    assert service.follow(FollowCase(number, FOLLOWER)) is SubscriptionState.PENDING
    assert [m.to for m in mailer.outbox] == [(FOLLOWER,)]


def test_followers_are_counted_for_staff_but_never_on_the_timeline(api, admin):
    number = open_case(api)
    for address in (FOLLOWER, "second@example.org"):
        follow(api, number, email=address)
    link = link_in(mails_to(FOLLOWER)[0])
    confirm(api, number, link["id"], link["token"])
    view = admin.get(f"/v1/admin/cases/{number}")
    assert view.status == 200 and view.body["followers"] == 1
    text = str(view.body)
    assert FOLLOWER not in text and "second@example.org" not in text
    assert [e["kind"] for e in view.body["timeline"]] == ["case_opened"]
    public = api.call("GET", f"/v1/public/cases/{number}").body
    assert FOLLOWER not in str(public) and [h["kind"] for h in public["history"]] == ["case_opened"]


def test_errors_come_in_the_requested_language(api):
    number = open_case(api)
    default = confirm(api, number, "0" * 24, "z" * 32)
    czech = api.call("POST", f"/v1/public/cases/{number}/subscriptions/{'0' * 24}/confirm",
                     {"token": "z" * 32}, headers={"Accept-Language": "cs"})
    assert czech.status == 404 and czech.body["error"]["message"] != default.body["error"]["message"]
    assert "odkaz" in czech.body["error"]["message"]
