"""The SMS channel's service with an in-memory inbox: what each decision writes and answers, the
allowance, an opted-out number, and the extension point a later step (a survey's digits) uses."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from msgspec import Struct
from msgspec.structs import replace

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.cases import Case, Contact, Status
from civicdesk.domain.inbound_sms import DEFAULT_CHAIN, Step, insert_before
from civicdesk.domain.sms import SmsDeliveryError, SmsFailure
from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.ports import RateLimited
from civicdesk.services.sms_intake import SmsIntakeService, SmsResult
from civicdesk.services.sms_ports import DuplicateSms, SmsEffect
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import FakeMetrics, InMemoryConfigRepository

DOCUMENT = load_config_dir(CONFIG_DIR)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
OURS = "+381600000100"
CITIZEN = "+381641234567"


class InMemorySmsInbox:
    """``SmsInbox`` in memory, with what each save wrote."""

    def __init__(self):
        self.markers: dict = {}
        self.cases: dict[str, Case] = {}
        self.pending_questions: dict = {}
        self.opted: set[str] = set()
        self.quarantined: list = []
        self.saved: list[SmsEffect] = []
        self.replies: dict[tuple[str, int], int] = {}
        self.counter = 0

    def marker(self, message_id):
        return self.markers.get(message_id)

    def open_cases(self, phone, limit):
        found = [c for c in self.cases.values() if c.contact and c.contact.phone == phone
                 and c.status in (Status.NEW, Status.IN_PROGRESS, Status.WAITING_FOR_CITIZEN)]
        return sorted(found, key=lambda c: c.number, reverse=True)[:limit]

    def pending(self, phone):
        return self.pending_questions.get(phone)

    def opted_out(self, phone):
        return phone in self.opted

    def get_case(self, number):
        return self.cases.get(number)

    def next_number(self, year):
        self.counter += 1
        return f"{year}-{self.counter:06d}"

    def save(self, effect: SmsEffect):
        if effect.marker.message_id in self.markers:
            raise DuplicateSms(self.markers[effect.marker.message_id])
        if effect.rate_limit is not None:
            key = (effect.rate_limit.sender, effect.rate_limit.hour.hour)
            if self.replies.get(key, 0) >= effect.rate_limit.limit:
                raise RateLimited()
            self.replies[key] = self.replies.get(key, 0) + 1
        self.markers[effect.marker.message_id] = effect.marker
        if effect.new_case:
            self.cases[effect.new_case.number] = effect.new_case
        if effect.update:
            case = self.cases[effect.update.number]
            self.cases[case.number] = replace(case, status=effect.update.status or case.status)
        if effect.keep_pending:
            self.pending_questions[effect.keep_pending.phone] = effect.keep_pending
        if effect.end_pending:
            self.pending_questions.pop(effect.end_pending, None)
        if effect.opt_out:
            self.opted.add(effect.opt_out)
        if effect.opt_in:
            self.opted.discard(effect.opt_in)
        self.saved.append(effect)

    def mark_replied(self, message_id, sms_id, event):
        self.markers[message_id] = replace(self.markers[message_id], replied=sms_id is not None,
                                           reply_text=None)

    def take_reply(self, message_id, now, held_since):
        marker = self.markers[message_id]
        held = marker.reply_claimed_at is not None and marker.reply_claimed_at >= held_since
        return not marker.replied and not held

    def release_reply(self, message_id):
        self.markers[message_id] = replace(self.markers[message_id], reply_claimed_at=None)

    def quarantine(self, entry):
        self.quarantined.append(entry)


class Texts:
    def __init__(self):
        self.sent: list = []
        self.fail: SmsDeliveryError | None = None

    def send(self, sms):
        if self.fail:
            raise self.fail
        self.sent.append(sms)
        return f"sns-{len(self.sent)}"


@pytest.fixture
def inbox():
    return InMemorySmsInbox()


@pytest.fixture
def texts():
    return Texts()


def service(inbox, texts, **extension) -> SmsIntakeService:
    from civicdesk.adapters.phones import LibPhoneNumbers

    return SmsIntakeService(inbox, texts, MunicipalityProvider(InMemoryConfigRepository(DOCUMENT)),
                            FakeMetrics(), "https://prijave.demo.rs", own_numbers=(OURS,),
                            clock=lambda: NOW, phones=LibPhoneNumbers(), **extension)


def record(body: str, sender: str = CITIZEN, message_id: str | None = None) -> str:
    record.counter = getattr(record, "counter", 0) + 1
    return json.dumps({"originationNumber": sender, "destinationNumber": OURS,
                       "messageKeyword": "KEYWORD_1", "messageBody": body,
                       "inboundMessageId": message_id or f"m-{record.counter}",
                       "previousPublishedMessageId": ""})


def test_a_new_case_is_an_sms_case_with_the_confirmation_and_its_link(inbox, texts):
    result = service(inbox, texts).handle(record("Рупа на путу код школе."))
    assert (result.outcome, result.replied) == ("new_case", True)
    case = inbox.cases[result.number]
    assert case.channel.value == "sms" and case.contact == Contact(phone=CITIZEN)
    assert case.language == "sr-Cyrl" and not case.public
    [sms] = texts.sent
    assert sms.to == CITIZEN and result.number in sms.text and "https://prijave.demo.rs/" in sms.text
    assert inbox.markers[sms_id_of(inbox, result.number)].reply_text is None  # sent: forgotten


def sms_id_of(inbox, number):
    return next(m for m, marker in inbox.markers.items() if marker.number == number)


@pytest.mark.parametrize("written", ["00381641234567", "381641234567", "+381 64 123 4567"])
def test_a_number_written_otherwise_is_keyed_in_e164(inbox, texts, written):
    result = service(inbox, texts).handle(record("Rupa", sender=written))
    assert inbox.cases[result.number].contact == Contact(phone=CITIZEN)
    assert [sms.to for sms in texts.sent] == [CITIZEN]


def test_a_short_code_or_a_name_is_left_as_it_is_and_never_answered(inbox, texts):
    for sender in ("1234", "Telekom"):
        result = service(inbox, texts).handle(record("Stanje: 100", sender=sender))
        assert inbox.cases[result.number].contact == Contact(name=sender)
    assert texts.sent == []


def test_an_opted_out_number_still_opens_a_case_but_gets_no_reply_except_help(inbox, texts):
    inbox.opted.add(CITIZEN)
    result = service(inbox, texts).handle(record("Pukla cev."))
    assert result.outcome == "new_case" and result.reason == "opted_out" and texts.sent == []
    entries = inbox.saved[-1].events
    assert [e.data.get("reply_suppressed") for e in entries if e.kind.value == "message_in"] == ["opted_out"]
    assert service(inbox, texts).handle(record("HELP")).replied
    assert len(texts.sent) == 1


def test_beyond_the_hours_allowance_the_effect_is_written_without_the_reply(inbox, texts):
    sms = service(inbox, texts)
    results = [sms.handle(record("INFO")) for _ in range(7)]
    assert [r.replied for r in results] == [True] * 5 + [False] * 2
    assert [r.reason for r in results[5:]] == ["rate_limited", "rate_limited"]
    assert len(inbox.markers) == 7


def test_a_refusal_no_retry_helps_is_recorded_and_a_passing_one_is_raised(inbox, texts):
    texts.fail = SmsDeliveryError(SmsFailure.INVALID_NUMBER)
    assert service(inbox, texts).handle(record("Rupa", message_id="a")).replied is False
    assert inbox.markers["a"].replied is False and inbox.markers["a"].reply_text is None
    texts.fail = SmsDeliveryError(SmsFailure.THROTTLED)
    with pytest.raises(SmsDeliveryError):
        service(inbox, texts).handle(record("Još jedna", sender="+381651112223", message_id="b"))
    texts.fail = None
    again = service(inbox, texts).handle(record("Još jedna", sender="+381651112223", message_id="b"))
    assert (again.outcome, again.replied, again.reason) == ("duplicate", True, "reply_completed")


def test_an_unknown_decision_without_an_applier_is_an_error_not_a_silent_drop(inbox, texts):
    chain = insert_before(DEFAULT_CHAIN, "keyword", Step("odd", lambda sms, context: object()))
    with pytest.raises(LookupError):
        service(inbox, texts, chain=chain).handle(record("1"))


class SurveyAnswer(Struct, frozen=True):
    survey: str
    answer: int


def test_a_survey_step_a_loader_and_an_applier_extend_the_channel(inbox, texts):
    # GIVEN a pending one-question survey for the number (what the surveys' loader finds)
    def load_survey(sms, context):
        return {"survey": "water-2026"} if sms.sender == CITIZEN else {}

    def survey_step(sms, context):
        if context.facts.get("survey") and sms.body.strip() in {"1", "2", "3", "4", "5"}:
            return SurveyAnswer(context.facts["survey"], int(sms.body))
        return None

    answers = []

    def apply_answer(channel, turn, decision: SurveyAnswer) -> SmsResult:
        answers.append((decision.survey, decision.answer))
        effect = SmsEffect(marker=channel.marker(turn, "survey_answer"),
                           expires_at=channel.expiry(turn))
        return channel.commit(turn, effect, None)

    chain = insert_before(DEFAULT_CHAIN, "pending_question", Step("survey_answer", survey_step))
    sms = service(inbox, texts, chain=chain, loaders=[load_survey],
                  appliers={SurveyAnswer: apply_answer})
    # WHEN the citizen answers with a digit
    result = sms.handle(record("4", message_id="s-1"))
    # THEN the survey took it, exactly once, and no case was opened
    assert result.outcome == "survey_answer" and answers == [("water-2026", 4)]
    assert sms.handle(record("4", message_id="s-1")).outcome == "duplicate"
    assert answers == [("water-2026", 4)] and inbox.cases == {}
    # AND STOP still wins over the survey, text still opens a case
    assert sms.handle(record("STOP")).outcome == "opted_out"
    assert sms.handle(record("Voda je mutna.")).outcome == "new_case"
