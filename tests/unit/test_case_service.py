"""CaseService with in-memory fakes: no AWS, no sockets."""

from datetime import datetime, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from civicdesk.services.cases import CaseService
from civicdesk.services.municipality import MunicipalityProvider
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import (FakeMailer, FakeMetrics, InMemoryCaseRepository,
                                 InMemoryConfigRepository)

NEW_YEARS_EVE_BELGRADE = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 Jan


@pytest.fixture
def world():
    repo, mailer, metrics = InMemoryCaseRepository(), FakeMailer(), FakeMetrics()
    config = InMemoryConfigRepository(load_config_dir(CONFIG_DIR))
    service = CaseService(repo, MunicipalityProvider(config), mailer, metrics,
                          "https://prijave.demo.rs/")
    return service, repo, mailer, metrics, config


def submission(**changes):
    body = {"type": "signal", "category": "road_damage",
            "description": "Velika rupa na kolovozu ispred škole.",
            "contact": {"name": "Jana", "email": "jana@example.cz"}, "language": "cs"}
    body.update(changes)
    return body


def test_case_is_stored_routed_numbered_and_confirmed_in_its_language(world):
    service, repo, mailer, metrics, _ = world
    answer = service.open_public_case(submission())
    case, events = repo.get_with_timeline(answer["number"])
    assert case.department == "roads_traffic"
    assert case.public is True and case.language == "cs"
    assert [e.kind.value for e in events] == ["case_opened"]
    assert answer["tracking_url"].startswith("https://prijave.demo.rs/track.html?number=")
    [mail] = mailer.sent_to("jana@example.cz")
    assert mail.subject.startswith(f"[#{answer['number']}] ")
    assert "Dobrý den, Jana" in mail.text or "Jana" in mail.text
    assert answer["tracking_url"] in mail.text
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    assert metrics.opened == [("web", "signal")]


def test_number_year_follows_the_municipality_time_zone(world):
    _, repo, mailer, metrics, config = world
    service = CaseService(repo, MunicipalityProvider(config), mailer, metrics, "https://x",
                          clock=lambda: NEW_YEARS_EVE_BELGRADE)
    assert service.open_public_case(submission())["number"] == "2027-000001"


def test_no_mail_without_an_address(world):
    service, _, mailer, _, _ = world
    service.open_public_case(submission(contact={"phone": "+381 64 1234567"}))
    assert mailer.outbox == []


def test_a_failing_mail_service_does_not_lose_the_case(world):
    service, repo, mailer, metrics, _ = world
    mailer.fail_with = RuntimeError("SES throttled")
    answer = service.open_public_case(submission())
    assert repo.get_with_timeline(answer["number"]) is not None
    assert metrics.mail_failures == ["confirmation"]


def test_type_must_suit_the_category(world):
    service, repo, _, _, _ = world
    with pytest.raises(ValidationError) as caught:
        service.open_public_case(submission(type="information", category="road_damage"))
    assert [(e.field, e.code) for e in caught.value.errors] == [("category", "type_not_for_category")]
    assert repo.cases == {}


def test_idempotent_submission(world):
    service, repo, mailer, _, _ = world
    first = service.open_public_case(submission(), idempotency_key="abcdefgh-1")
    again = service.open_public_case(submission(), idempotency_key="abcdefgh-1")
    assert first == again and len(repo.cases) == 1 and len(mailer.outbox) == 1
    with pytest.raises(ConflictError):
        service.open_public_case(submission(description="Jiný popis, dost dlouhý."),
                                 idempotency_key="abcdefgh-1")


def test_tracking_rules(world):
    service, _, _, _, _ = world
    public = service.open_public_case(submission(description="Rupa, volejte 777 123 456 prosím"))
    private = service.open_public_case(submission(type="complaint", category="staff_complaint"))
    assert service.track(public["number"], public["token"], None)["description"].endswith("prosím")
    assert "777 123 456" not in service.track(public["number"], None, None)["description"]
    assert service.track(private["number"], private["token"], "en")["type_name"] == "Complaint"
    for token in (None, "x" * 32, public["token"]):
        with pytest.raises(NotFoundError):
            service.track(private["number"], token, None)
    with pytest.raises(NotFoundError):
        service.track("../../etc", None, None)


def test_configuration_is_cached_between_requests(world):
    service, _, _, _, config = world
    service.open_public_case(submission())
    service.open_public_case(submission())
    assert config.loads == 1
