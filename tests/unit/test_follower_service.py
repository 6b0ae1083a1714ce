"""The follower service without AWS: following (double opt-in, at most one mail in ten minutes),
confirming, ending, and answers that never tell whether an address follows a case.

The ports are in-memory fakes (``tests/support/follower_fakes.py``); the opt-in mail is rendered
by the real templates."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.cases import Case, CaseType, Channel, Status
from civicdesk.domain.errors import NotFoundError, ValidationError
from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState, new_subscription_token
from civicdesk.services.followers import (
    OPT_IN_INTERVAL,
    PENDING_LIFETIME,
    ConfirmSubscription,
    FollowCase,
    FollowerService,
    Unsubscribe,
)
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.ports import RecipientSuppressed
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import FakeMailer, InMemoryConfigRepository
from tests.support.follower_fakes import InMemoryAllowances, InMemoryCases, InMemorySubscriptions

DOCUMENT = load_config_dir(CONFIG_DIR)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
NUMBER = "2026-000042"
FOLLOWER = "ana.follower@example.org"
PORTAL = "http://portal.test"
LINK = re.compile(r"https?://\S+/subscription\.html\?\S+")


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def public_case(**changes) -> Case:
    case = Case(NUMBER, CaseType.SIGNAL, Channel.WEB, "street_lighting", "public_utilities",
                "Не ради улична расвета у Улици краља Петра.", "sr-Cyrl", Status.NEW, True,
                NOW - timedelta(days=1), NOW - timedelta(days=1), "hash")
    return case.with_changes(**changes)


class World:
    """The service with its fakes, and the steps a citizen takes."""

    def __init__(self, *cases: Case, languages: list[str] | None = None):
        document = copy.deepcopy(DOCUMENT)
        if languages:
            document["languages"] = languages
        self.clock = Clock(NOW)
        self.cases = InMemoryCases(*cases)
        self.subscriptions = InMemorySubscriptions()
        self.mailer = FakeMailer()
        self.service = FollowerService(self.cases, self.subscriptions,
                                       MunicipalityProvider(InMemoryConfigRepository(document)),
                                       self.mailer, PORTAL, InMemoryAllowances(), clock=self.clock)

    def follow(self, email: str = FOLLOWER, **options) -> SubscriptionState:
        return self.service.follow(FollowCase(options.pop("number", NUMBER), email, **options))

    def link(self, mail=None) -> dict[str, str]:
        """The confirmation link of the (last) opt-in mail, as its query parameters."""
        mail = mail or self.mailer.outbox[-1]
        [link] = LINK.findall(mail.text)
        return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}

    def confirm(self, link: dict[str, str], token: str | None = None) -> SubscriptionState:
        return self.service.confirm(ConfirmSubscription(link["case"], link["id"],
                                                        token or link["token"]))

    def unsubscribe(self, link: dict[str, str], token: str | None = None) -> SubscriptionState:
        return self.service.unsubscribe(Unsubscribe(link["case"], link["id"],
                                                    token or link["token"]))


@pytest.fixture
def world() -> World:
    return World(public_case())


# -- following -----------------------------------------------------------------------------------

def test_following_a_public_case_stores_a_pending_subscription_and_mails_its_link(world):
    # WHEN
    answer = world.follow(language="cs")
    # THEN
    assert answer is SubscriptionState.PENDING
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.PENDING)
    assert world.subscriptions.expiry_of(NUMBER, FOLLOWER) == NOW + PENDING_LIFETIME
    [mail] = world.mailer.sent_to(FOLLOWER)
    assert mail.kind == "follow_confirm" and mail.case_number == NUMBER
    assert mail.subject.startswith(f"[#{NUMBER}] ")
    assert mail.headers["Content-Language"] == "cs"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    assert mail.reply_to is None  # a follower is no party to the case
    link = world.link(mail)
    assert link["case"] == NUMBER
    assert link["token"] == world.subscriptions.of(NUMBER, FOLLOWER).token


def test_the_mails_language_is_the_asked_one_else_the_requests_else_the_default():
    for options, expected in (({"language": "en", "language_hint": "cs"}, "en"),
                              ({"language_hint": "cs"}, "cs"),
                              ({}, "sr-Cyrl")):
        # GIVEN
        world = World(public_case())
        # WHEN
        world.follow(**options)
        # THEN
        assert world.subscriptions.of(NUMBER, FOLLOWER).language == expected
        assert world.mailer.outbox[-1].headers["Content-Language"] == expected


def test_asking_again_within_ten_minutes_sends_nothing_and_later_the_same_link_again(world):
    # GIVEN
    world.follow()
    first = world.link()
    # WHEN
    world.clock.now += OPT_IN_INTERVAL - timedelta(seconds=1)
    again = world.follow(FOLLOWER.upper())  # the same address
    # THEN
    assert again is SubscriptionState.PENDING and len(world.mailer.outbox) == 1
    # WHEN
    world.clock.now += timedelta(seconds=2)
    world.follow()
    # THEN
    assert len(world.mailer.outbox) == 2 and world.link() == first


def test_a_confirmed_follower_asking_again_gets_the_same_answer_and_no_mail(world):
    # GIVEN
    world.follow()
    world.confirm(world.link())
    world.clock.now += timedelta(hours=1)
    # WHEN
    answer = world.follow()
    # THEN
    assert answer is SubscriptionState.PENDING
    assert len(world.mailer.outbox) == 1
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.CONFIRMED)


@pytest.mark.parametrize("case", [
    public_case(public=False),
    public_case(deleted_at=NOW, deleted_by="staff:admin"),
    public_case(merged_into="2026-000001"),
], ids=["private", "deleted", "merged"])
def test_a_case_that_may_not_be_followed_answers_like_an_unknown_one(case):
    # GIVEN
    world = World(case)
    # WHEN / THEN
    for number in (NUMBER, "2026-999999", "not-a-number"):
        with pytest.raises(NotFoundError) as caught:
            world.follow(number=number)
        assert caught.value.message_id == "error.case_not_found"
    world.subscriptions.assert_none(NUMBER)
    assert world.mailer.outbox == []


def test_a_language_the_municipality_does_not_speak_is_refused():
    # GIVEN
    world = World(public_case(), languages=["sr-Cyrl", "sr-Latn", "en"])
    # WHEN
    with pytest.raises(ValidationError) as caught:
        world.follow(language="cs")
    # THEN
    assert [(e.field, e.code) for e in caught.value.errors] == [("language", "not_allowed")]
    world.subscriptions.assert_none(NUMBER)


def test_a_suppressed_address_gets_the_same_answer_and_its_claim_stands(world):
    # GIVEN
    world.mailer.fail_with = RecipientSuppressed(FOLLOWER, "bounce")
    # WHEN
    answer = world.follow()
    # THEN
    assert answer is SubscriptionState.PENDING and world.mailer.outbox == []
    world.mailer.fail_with = None
    world.follow()  # within the window: the address is not mailed again
    assert world.mailer.outbox == []


def test_a_failed_send_frees_the_window_so_that_asking_again_sends_at_once(world):
    # GIVEN
    world.mailer.fail_with = ConnectionError("SES unreachable")
    # WHEN
    with pytest.raises(ConnectionError):
        world.follow()
    world.mailer.fail_with = None
    world.follow()
    # THEN
    assert [m.to for m in world.mailer.outbox] == [(FOLLOWER,)]


# -- confirming ----------------------------------------------------------------------------------

def test_the_link_confirms_once_and_confirming_again_answers_the_same(world):
    # GIVEN
    world.follow()
    link = world.link()
    # WHEN
    first, again = world.confirm(link), world.confirm(link)
    # THEN
    assert first is again is SubscriptionState.CONFIRMED
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.CONFIRMED)
    assert world.subscriptions.expiry_of(NUMBER, FOLLOWER) is None


def test_a_wrong_token_an_unknown_and_a_malformed_subscription_answer_the_same_404(world):
    # GIVEN
    world.follow()
    link = world.link()
    # WHEN / THEN
    for attempt in ({**link, "token": new_subscription_token()}, {**link, "id": "0" * 24},
                    {**link, "id": "not-an-id"}, {**link, "case": "2026-999999"}):
        with pytest.raises(NotFoundError) as caught:
            world.confirm(attempt)
        assert caught.value.message_id == "error.subscription_not_found"
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.PENDING)


def test_an_unconfirmed_subscription_expires(world):
    # GIVEN
    world.follow()
    link = world.link()
    # WHEN
    world.clock.now += PENDING_LIFETIME + timedelta(seconds=1)  # the table's TTL may not have run
    # THEN
    with pytest.raises(NotFoundError):
        world.confirm(link)


def test_a_pending_subscription_of_a_case_made_private_is_not_confirmed(world):
    # GIVEN
    world.follow()
    link = world.link()
    world.cases.add(public_case(public=False))
    # WHEN
    with pytest.raises(NotFoundError) as caught:
        world.confirm(link)
    # THEN
    assert caught.value.message_id == "error.subscription_not_found"
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.PENDING)


# -- ending --------------------------------------------------------------------------------------

def test_ending_works_twice_whatever_became_of_the_case_and_an_old_link_does_not_revive_it(world):
    # GIVEN
    world.follow()
    link = world.link()
    world.confirm(link)
    world.cases.add(public_case(deleted_at=NOW, deleted_by="staff:admin"))
    # WHEN
    first, again = world.unsubscribe(link), world.unsubscribe(link)
    # THEN
    assert first is again is SubscriptionState.UNSUBSCRIBED
    assert world.confirm(link) is SubscriptionState.UNSUBSCRIBED
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.UNSUBSCRIBED)


def test_ending_needs_the_token(world):
    # GIVEN
    world.follow()
    link = world.link()
    # WHEN
    with pytest.raises(NotFoundError):
        world.unsubscribe(link, token=new_subscription_token())
    # THEN
    world.subscriptions.assert_state(NUMBER, FOLLOWER, SubscriptionState.PENDING)


def test_following_again_after_ending_mails_a_new_link_at_once_and_keeps_the_requester(world):
    # GIVEN the requester's subscription, ended from a mail
    requester = world.subscriptions.put(Subscription(
        NUMBER, "petar@example.rs", SubscriptionRole.REQUESTER, "sr-Cyrl",
        SubscriptionState.CONFIRMED, new_subscription_token(), NOW, NOW))
    world.unsubscribe({"case": NUMBER, "id": requester.id, "token": requester.token})
    # WHEN the requester follows the case
    world.follow("petar@example.rs")
    # THEN a confirmation is asked for, and confirming makes them the requester again
    assert len(world.mailer.sent_to("petar@example.rs")) == 1
    assert world.confirm(world.link()) is SubscriptionState.CONFIRMED
    stored = world.subscriptions.of(NUMBER, "petar@example.rs")
    assert stored.role is SubscriptionRole.REQUESTER and stored.token == requester.token
