"""CaseworkService with in-memory fakes: intake, queues, changes, replies and referrals; no AWS."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.adapters.phones import LibPhoneNumbers
from civicdesk.api import case_commands
from civicdesk.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
    UnauthorizedError,
    ValidationError,
)
from civicdesk.domain.policy import Action, Principal, Role
from civicdesk.services.casework import CaseworkService
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.ports import RecipientSuppressed
from tests.support.aws import CONFIG_DIR
from tests.support.casework_fakes import FakeDirectory, InMemoryCaseworkRepository
from tests.support.fakes import FakeMailer, FakeMetrics, InMemoryConfigRepository, tracking_links
from tests.support.notification_fakes import FakeSmsSender

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
OPERATOR = Principal("u1", "ana", frozenset({Role.OPERATOR}), name="Ana")
AGENT = Principal("u2", "jovan", frozenset({Role.DEPARTMENT_AGENT}), frozenset({"roads_traffic"}))
SUPERVISOR = Principal("u3", "mira", frozenset({Role.SUPERVISOR}), name="Mira")
ADMIN = Principal("u4", "petar", frozenset({Role.ADMINISTRATOR}))

CALL = {"type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Рупа на коловозу испред школе.",
        "requester": {"name": "Милан", "phone": "064 123 4567"}}


class World:
    def __init__(self):
        self.repo = InMemoryCaseworkRepository()
        self.mailer, self.sms, self.metrics = FakeMailer(), FakeSmsSender(), FakeMetrics()
        self.directory = FakeDirectory()
        self.municipality = MunicipalityProvider(InMemoryConfigRepository(load_config_dir(CONFIG_DIR)))
        self.ticks = 0
        # One in-memory table serves the case, queue and message-id ports.
        self.service = CaseworkService(self.repo, self.repo, self.repo, self.municipality,
                                       self.mailer, self.sms, self.directory, self.metrics,
                                       "https://prijave.demo.rs/", phones=LibPhoneNumbers(),
                                       links=tracking_links(), due=self.repo, clock=self.clock)

    def clock(self):
        """A second later at every call, so the timeline's order is the order of the calls."""
        self.ticks += 1
        return NOW + timedelta(seconds=self.ticks)

    def open(self, principal=OPERATOR, key=None, **changes):
        command = case_commands.open_staff_case({**CALL, **changes}, idempotency_key=key)
        return self.service.open_case(principal, command)

    def kinds(self, number):
        return [e.kind.value for e in self.repo.events[number]]


@pytest.fixture
def world():
    return World()


# -- intake --------------------------------------------------------------------------------------

def test_a_phone_call_becomes_a_case_routed_by_category_and_confirmed_by_sms(world):
    # WHEN
    opened = world.open()
    # THEN
    case = world.repo.cases[opened.number]
    assert opened.department == case.department == "roads_traffic"
    assert opened.routing == {"rule": "category", "department": "roads_traffic"}
    assert opened.confirmation == "sms" and opened.version == 1 and opened.status == "new"
    assert case.contact.phone == "+381641234567"  # E.164
    assert world.kinds(opened.number) == ["case_opened"]
    assert world.repo.events[opened.number][0].actor == "staff:ana"
    assert world.repo.pending_links[opened.number] == opened.tracking_url
    assert world.metrics.opened == [("phone", "signal")]


def test_an_overridden_department_is_recorded_with_who_and_why(world):
    # WHEN
    opened = world.open(department="communal_inspection", routing_reason="Надлежност инспекције")
    # THEN
    assert opened.department == "communal_inspection"
    assert opened.routing == {"rule": "override", "department": "communal_inspection",
                              "by": "staff:ana", "reason": "Надлежност инспекције",
                              "suggested": "roads_traffic"}
    assert world.kinds(opened.number) == ["case_opened", "routed"]


def test_bad_intake_lists_the_edges_and_the_municipalitys_findings_and_creates_nothing(world):
    # GIVEN a request with schema errors and errors only the municipality can tell
    future = (NOW + timedelta(days=2)).isoformat()
    command = case_commands.open_staff_case({
        "type": "letter", "channel": "fax", "category": "road_damage", "description": "x",
        "received_at": future, "requester": {"phone": "12"}, "department": "roads_traffic"})
    # WHEN
    with pytest.raises(ValidationError) as caught:
        world.service.open_case(OPERATOR, command)
    # THEN
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("channel", "not_allowed"), ("description", "too_short"),
        ("requester.phone", "invalid_format"), ("category", "type_not_for_category"),
        ("routing_reason", "required_with"), ("received_at", "in_future")]
    assert world.repo.cases == {}


def test_a_repeated_intake_gets_the_first_answer_and_other_content_is_a_conflict(world):
    # GIVEN
    first = world.open(key="abcdefgh-1")
    # WHEN
    again = world.open(key="abcdefgh-1")
    # THEN
    assert again == first and len(world.repo.cases) == 1
    with pytest.raises(ConflictError):
        world.open(key="abcdefgh-1", description="Нешто сасвим друго, довољно дуго.")


def test_an_agent_may_not_register_contacts_and_nothing_is_read(world):
    with pytest.raises(ForbiddenError):
        world.open(principal=AGENT)
    with pytest.raises(UnauthorizedError):
        world.open(principal=None)
    assert world.repo.counters == {}


# -- reading -------------------------------------------------------------------------------------

def test_an_agent_of_one_department_reads_that_departments_queue(world):
    # GIVEN
    world.open()
    # WHEN
    page = world.service.queue(AGENT, case_commands.queue_filter({"status": "new"}))
    # THEN
    [query] = world.repo.queries
    assert (query.kind, query.partition, query.state, query.statuses) == (
        "department", "roads_traffic", "open", ("new",))
    assert len(page.cases) == 1 and page.next_cursor is None


def test_a_queue_filter_with_an_unknown_category_and_department_is_400(world):
    with pytest.raises(ValidationError) as caught:
        world.service.queue(SUPERVISOR, case_commands.queue_filter(
            {"type": "nope", "category": "nope", "department": "nope"}))
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("type", "not_allowed"), ("category", "not_allowed"), ("department", "unknown_department")]
    assert world.repo.queries == []


def test_my_queue_is_the_assignee_index(world):
    world.service.queue(SUPERVISOR, case_commands.queue_filter({"assignee": "me"}))
    assert (world.repo.queries[0].kind, world.repo.queries[0].partition) == ("assignee", "mira")


def test_a_case_comes_with_its_timeline_and_followers_and_hides_whether_it_exists(world):
    # GIVEN
    number = world.open().number
    world.repo.followers[number] = 2
    # WHEN
    found = world.service.case(OPERATOR, number)
    # THEN
    assert found.case.number == number and found.followers == 2
    assert [e.kind.value for e in found.timeline] == ["case_opened"]
    with pytest.raises(NotFoundError):
        world.service.case(SUPERVISOR, "2026-999999")
    with pytest.raises(ForbiddenError):
        world.service.case(AGENT, "2026-999999")


# -- changes -------------------------------------------------------------------------------------

def test_a_status_change_is_recorded_with_a_new_version_and_a_stale_one_is_refused(world):
    # GIVEN
    number = world.open().number
    command = case_commands.change_status(number, {"status": "in_progress", "reason": "Почињемо",
                                                   "message_to_citizen": "Радимо.", "version": 1})
    # WHEN
    result = world.service.change_status(AGENT, command)
    # THEN
    assert result.case.version == 2 and result.case.status.value == "in_progress"
    [entry] = result.entries
    assert entry.data == {"status": "in_progress", "from": "new", "reason": "Почињемо",
                          "public_text": "Радимо."}
    with pytest.raises(ConflictError):
        world.service.change_status(AGENT, command)
    with pytest.raises(InvalidTransitionError):
        world.service.change_status(AGENT, case_commands.change_status(
            number, {"status": "new", "reason": "Назад", "version": 2}))


def test_assigning_checks_the_directory_and_an_unchanged_assignee_writes_nothing(world):
    # GIVEN
    number = world.open().number
    world.directory.add("jovan", Role.DEPARTMENT_AGENT, ("roads_traffic",))
    world.directory.add("vesna", Role.DEPARTMENT_AGENT, ("green_areas",))
    # WHEN
    result = world.service.assign(AGENT, case_commands.assign(number, {"assignee": "me", "version": 1}))
    # THEN
    assert result.case.assignee == "jovan" and len(result.entries) == 1
    again = world.service.assign(AGENT, case_commands.assign(number, {"assignee": "jovan", "version": 2}))
    assert again.entries == () and world.repo.cases[number].version == 2
    for who, code in (("nobody", "unknown_staff"), ("vesna", "cannot_work_case")):
        with pytest.raises(ValidationError) as caught:
            world.service.assign(AGENT, case_commands.assign(number, {"assignee": who, "version": 2}))
        assert caught.value.errors[0].code == code


def test_rerouting_moves_and_unassigns_and_only_to_a_known_department(world):
    number = world.open().number
    with pytest.raises(ValidationError):
        world.service.reroute(SUPERVISOR, case_commands.reroute(
            number, {"department": "nowhere", "reason": "Грешка", "version": 1}))
    result = world.service.reroute(SUPERVISOR, case_commands.reroute(
        number, {"department": "green_areas", "reason": "Зеленило", "version": 1}))
    assert (result.case.department, result.case.assignee) == ("green_areas", None)
    with pytest.raises(ForbiddenError):
        world.service.reroute(OPERATOR, case_commands.reroute(
            number, {"department": "roads_traffic", "reason": "Назад", "version": 2}))


def test_merging_closes_the_duplicate_and_links_both(world):
    # GIVEN
    kept, duplicate = world.open().number, world.open().number
    # WHEN
    result = world.service.merge(OPERATOR, case_commands.merge(duplicate, {"into": kept, "version": 1}))
    # THEN
    assert result.case.status.value == "closed" and result.case.merged_into == kept
    assert world.repo.cases[kept].linked_cases == (duplicate,)
    assert world.kinds(kept)[-1] == "merged_from"
    with pytest.raises(ConflictError):
        world.service.merge(OPERATOR, case_commands.merge(duplicate, {"into": kept, "version": 2}))


def test_linking_twice_writes_once(world):
    one, two = world.open().number, world.open().number
    first = world.service.link(OPERATOR, case_commands.link(one, {"case": two}))
    second = world.service.link(OPERATOR, case_commands.link(one, {"case": two}))
    assert len(first.entries) == 2 and second.entries == ()
    with pytest.raises(ValidationError):
        world.service.link(OPERATOR, case_commands.link(one, {"case": one}))


def test_a_deleted_case_takes_no_more_changes(world):
    number = world.open().number
    result = world.service.delete(ADMIN, case_commands.delete(number, {"reason": "Тест", "version": 1}))
    assert result.case.deleted_by == "staff:petar"
    with pytest.raises(ConflictError) as caught:
        world.service.add_note(ADMIN, case_commands.add_note(number, {"text": "Још нешто"}))
    assert caught.value.message_id == "error.case_deleted"


# -- replies and referrals -------------------------------------------------------------------------

def test_a_reply_by_mail_is_recorded_sent_and_threaded(world):
    # GIVEN
    number = world.open(requester={"name": "Јелена", "email": "Jelena@Example.rs"}).number
    # WHEN
    result = world.service.reply(SUPERVISOR, case_commands.reply(
        number, {"text": "Поправљено.", "status": "resolved", "version": 1}))
    # THEN
    assert (result.channel, result.delivery, result.message_id) == ("email", "sent", "fake-1")
    assert [e.kind.value for e in result.entries] == ["message_out", "status_changed"]
    assert world.mailer.outbox[0].to == ("jelena@example.rs",)
    assert world.repo.sent == [("fake-1", number, "reply", "jelena@example.rs")]


def test_a_reply_to_a_suppressed_address_goes_by_sms_instead(world):
    # GIVEN
    number = world.open(requester={"email": "gone@example.rs", "phone": "064 123 4567"}).number
    world.mailer.fail_with = RecipientSuppressed("gone@example.rs", "bounce")
    # WHEN
    result = world.service.reply(OPERATOR, case_commands.reply(number, {"text": "Одговор", "version": 1}))
    # THEN
    assert (result.delivery, result.message_id) == ("sms_fallback", "sms-1")
    assert world.kinds(number)[-2:] == ["delivery_failed", "notification"]
    assert world.repo.cases[number].version == 3


def test_a_failed_sms_reply_is_recorded_as_such(world):
    number = world.open().number
    world.sms.fail_with = RuntimeError("SNS down")
    result = world.service.reply(OPERATOR, case_commands.reply(number, {"text": "Одговор", "version": 1}))
    assert (result.channel, result.delivery) == ("sms", "failed")
    assert world.kinds(number)[-1] == "delivery_failed"
    assert world.metrics.mail_failures == ["reply_sms"]


def test_a_reply_needs_a_contact_for_its_channel(world):
    number = world.open(requester=None).number
    with pytest.raises(ValidationError) as caught:
        world.service.reply(OPERATOR, case_commands.reply(number, {"text": "Одговор", "version": 1}))
    assert caught.value.errors[0].code == "no_contact_for_channel"


def test_a_referral_mails_the_body_and_its_failure_is_recorded(world):
    # GIVEN
    number = world.open().number
    body = next(iter(world.municipality.get().external_bodies.values()))
    # WHEN
    result = world.service.refer(OPERATOR, case_commands.refer(
        number, {"body": body.id, "message": "Молимо поступите", "version": 1}))
    # THEN
    assert (result.delivery, result.case.status.value) == ("sent", "referred")
    assert world.mailer.outbox[0].to == (body.email.lower(),)
    world.mailer.fail_with = RuntimeError("SES down")
    failed = world.service.refer(OPERATOR, case_commands.refer(
        number, {"email": "Other@Example.rs", "message": "Молимо поступите", "version": 2}))
    assert (failed.delivery, failed.message_id) == ("failed", None)
    assert world.kinds(number)[-1] == "delivery_failed"
    with pytest.raises(ValidationError):
        world.service.refer(OPERATOR, case_commands.refer(
            number, {"body": "nobody_known", "message": "Молимо поступите", "version": 4}))


def test_the_edge_can_check_a_change_before_it_reports_a_malformed_request(world):
    # GIVEN a case of another department than the agent's, and a deleted one
    foreign = world.open(category="street_lighting").number
    deleted = world.open().number
    world.service.delete(ADMIN, case_commands.delete(deleted, {"reason": "Тест", "version": 1}))
    # WHEN / THEN: refused as the change itself would be
    with pytest.raises(ForbiddenError):
        world.service.check_change(AGENT, Action.CHANGE_STATUS, foreign)
    with pytest.raises(ForbiddenError):
        world.service.check_change(OPERATOR, Action.ROUTE, foreign)
    with pytest.raises(NotFoundError):
        world.service.check_change(SUPERVISOR, Action.CHANGE_STATUS, "2026-999999")
    with pytest.raises(ConflictError):
        world.service.check_change(ADMIN, Action.ADD_NOTE, deleted)
    assert world.service.check_change(SUPERVISOR, Action.CHANGE_STATUS, foreign) is None
