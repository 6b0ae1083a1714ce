"""CaseService with in-memory fakes: no AWS, no sockets."""

from datetime import datetime, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.api import case_commands, case_views
from civicdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from civicdesk.services.cases import CaseService
from civicdesk.services.municipality import MunicipalityProvider
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import (
    FakeMailer,
    FakeMetrics,
    FixedLinkKeys,
    InMemoryCaseRepository,
    InMemoryConfigRepository,
    tracking_links,
)

NEW_YEARS_EVE_BELGRADE = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 Jan


@pytest.fixture
def world():
    repo, mailer, metrics = InMemoryCaseRepository(), FakeMailer(), FakeMetrics()
    config = InMemoryConfigRepository(load_config_dir(CONFIG_DIR))
    service = CaseService(repo, MunicipalityProvider(config), metrics, "https://prijave.demo.rs/",
                          links=tracking_links())
    return service, repo, mailer, metrics, config


def submission(idempotency_key=None, **changes):
    body = {"type": "signal", "category": "road_damage",
            "description": "Velika rupa na kolovozu ispred škole.",
            "contact": {"name": "Jana", "email": "jana@example.cz"}, "language": "cs"}
    body.update(changes)
    return case_commands.open_public_case(body, idempotency_key=idempotency_key)


def tracked(service, config, number, token, language):
    found = service.track(number, token)
    return case_views.tracked(found, MunicipalityProvider(config).get(), language)


def test_case_is_stored_routed_numbered_with_its_link_kept_for_the_confirmation(world):
    service, repo, mailer, metrics, _ = world
    answer = service.open_public_case(submission())
    case, events = repo.get_with_timeline(answer.number)
    assert case.department == "roads_traffic"
    assert case.public is True and case.language == "cs"
    assert [e.kind.value for e in events] == ["case_opened"]
    assert answer.tracking_url.startswith("https://prijave.demo.rs/track.html?number=")
    # The notify function sends the confirmation from the case.opened event, with this link.
    assert repo.pending_links[answer.number] == answer.tracking_url
    assert mailer.outbox == []
    assert metrics.opened == [("web", "signal")]


def test_number_year_follows_the_municipality_time_zone(world):
    _, repo, mailer, metrics, config = world
    service = CaseService(repo, MunicipalityProvider(config), metrics, "https://x",
                          links=tracking_links(), clock=lambda: NEW_YEARS_EVE_BELGRADE)
    assert service.open_public_case(submission()).number == "2027-000001"


def test_no_link_is_kept_without_any_contact(world):
    service, repo, _, _, _ = world
    answer = service.open_public_case(submission(contact=None))
    assert answer.number not in repo.pending_links


def test_type_must_suit_the_category(world):
    service, repo, _, _, _ = world
    with pytest.raises(ValidationError) as caught:
        service.open_public_case(submission(type="information", category="road_damage"))
    assert [(e.field, e.code) for e in caught.value.errors] == [("category", "type_not_for_category")]
    assert repo.cases == {}


def test_idempotent_submission(world):
    service, repo, mailer, _, _ = world
    first = service.open_public_case(submission(idempotency_key="abcdefgh-1"))
    again = service.open_public_case(submission(idempotency_key="abcdefgh-1"))
    assert first == again and len(repo.cases) == 1 and len(repo.pending_links) == 1
    with pytest.raises(ConflictError):
        service.open_public_case(submission(description="Jiný popis, dost dlouhý.",
                                            idempotency_key="abcdefgh-1"))


def test_tracking_rules(world):
    service, _, _, _, config = world
    public = service.open_public_case(submission(description="Rupa, volejte 777 123 456 prosím"))
    private = service.open_public_case(submission(type="request", category="general_question"))
    assert tracked(service, config, public.number, public.token, None)["description"].endswith("prosím")
    assert "777 123 456" not in tracked(service, config, public.number, None, None)["description"]
    assert tracked(service, config, private.number, private.token, "en")["type_name"] == "Request"
    for token in (None, "x" * 32, public.token):
        with pytest.raises(NotFoundError):
            service.track(private.number, token)
    with pytest.raises(NotFoundError):
        service.track("../../etc", None)


def test_the_link_of_later_messages_opens_the_private_case_and_survives_one_rotation():
    # GIVEN a private case and the link every later message to its requester carries
    repo, keys = InMemoryCaseRepository(), FixedLinkKeys(b"first-key-" + b"1" * 22)
    config = InMemoryConfigRepository(load_config_dir(CONFIG_DIR))
    links = tracking_links("https://prijave.demo.rs", keys)
    service = CaseService(repo, MunicipalityProvider(config), FakeMetrics(), "https://prijave.demo.rs",
                          links=links)
    private = service.open_public_case(submission(type="request", category="general_question"))
    other = service.open_public_case(submission(type="request", category="general_question"))
    later = links.token(private.number)
    # THEN it opens the case (private view), as the confirmation's token does, and no other case
    assert service.track(private.number, later).authorised
    assert service.track(private.number, private.token).authorised
    with pytest.raises(NotFoundError):
        service.track(other.number, later)
    # WHEN the key is rotated: the last key's links still open, the new one's too
    keys.rotate(b"second-key-" + b"2" * 21)
    assert service.track(private.number, later).authorised
    assert service.track(private.number, links.token(private.number)).authorised
    # and after a second rotation the first key's links no longer do (the confirmation's does)
    keys.rotate(b"third-key-" + b"3" * 22)
    with pytest.raises(NotFoundError):
        service.track(private.number, later)
    assert service.track(private.number, private.token).authorised
    # A token that names a key not in force asks for the keys again (the adapter limits how
    # often); a random token never does.
    assert keys.fresh_reads == 1
    with pytest.raises(NotFoundError):
        service.track(private.number, "x" * 32)
    assert keys.fresh_reads == 1


def test_configuration_is_cached_between_requests(world):
    service, _, _, _, config = world
    service.open_public_case(submission())
    service.open_public_case(submission())
    assert config.loads == 1
