"""Property: whatever bytes arrive, the mail pipeline ends each message as a case or as a
quarantined message with a reason; it never raises and never loses a message."""

from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.inbound import InboundMail, IntakeOutcome
from civicdesk.services.email_intake import EmailIntakeService
from civicdesk.services.municipality import MunicipalityProvider
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import (
    FakeMailer,
    FakeMetrics,
    InMemoryBlobStore,
    InMemoryConfigRepository,
    InMemoryMailRepository,
)

DOCUMENT = load_config_dir(CONFIG_DIR)
FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "mail").glob("*.eml"))
SEEDS = [p.read_bytes() for p in FIXTURES if p.stat().st_size < 200_000]


def run(raw: bytes):
    repo, blobs = InMemoryMailRepository(), InMemoryBlobStore()
    service = EmailIntakeService(repo, repo, repo, blobs, FakeMailer(),
                                 MunicipalityProvider(InMemoryConfigRepository(DOCUMENT)),
                                 FakeMetrics(), "https://portal.test")
    blobs.objects[("mail", "inbound/x")] = raw
    result = service.process(InboundMail("x", "mail", "inbound/x", ("podrska@demo.civicdesk.rs",),
                                         datetime(2026, 11, 25, 9, tzinfo=timezone.utc)))
    return result, repo


def check(raw: bytes) -> None:
    result, repo = run(raw)
    if result.outcome == IntakeOutcome.QUARANTINED:
        assert result.reason
        assert list(repo.quarantine_items.values())[0].key == "inbound/x"
    else:
        assert result.outcome in (IntakeOutcome.NEW_CASE, IntakeOutcome.LINKED_CASE,
                                  IntakeOutcome.BOUNCE_RECORDED)
        assert result.number in repo.cases
        kinds = [e.kind.value for e in repo.events[result.number]]
        assert "message_in" in kinds


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_end_as_a_case_or_in_quarantine(raw):
    check(raw)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=20),
       st.integers(0, 10**6))
def test_damaged_real_mail_ends_as_a_case_or_in_quarantine(seed, flips, cut):
    data = bytearray(seed)
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    check(bytes(data[: max(0, len(data) - cut % (len(data) + 1))]))


def test_empty_input_is_quarantined_as_unreadable():
    result, _ = run(b"")
    assert result.outcome == IntakeOutcome.QUARANTINED and result.reason == "unreadable"
