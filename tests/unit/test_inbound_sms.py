"""The SMS channel's domain: End User Messaging's record read strictly, the keywords in the five
languages, the senders that never get a reply, and the chain of interpreters' decisions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicdesk.domain.cases import Status
from civicdesk.domain.inbound_sms import (
    DEFAULT_CHAIN,
    MAX_ASKS,
    AddToCase,
    AskWhichCase,
    Help,
    InboundSms,
    KeptMessage,
    OpenCase,
    OpenNewCase,
    OptIn,
    OptOut,
    PendingQuestion,
    Quarantine,
    QuarantineReason,
    SenderKind,
    SmsContext,
    Step,
    UnreadableSms,
    decide,
    insert_before,
    keyword_of,
    parse_inbound_sms,
    sender_kind,
)

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "sms"
LANGUAGES = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
NOW = datetime(2026, 12, 1, 19, 0, tzinfo=timezone.utc)
OURS = "+381600000100"
CITIZEN = "+381641234567"


def sample(name: str) -> str:
    return (SAMPLES / f"{name}.json").read_text(encoding="utf-8")


def context(**overrides) -> SmsContext:
    return SmsContext(**{"now": NOW, "own_numbers": frozenset({OURS}), "languages": LANGUAGES,
                         "default_language": "sr-Cyrl", **overrides})


def sms(body: str, sender: str = CITIZEN, message_id: str = "m-1") -> InboundSms:
    return InboundSms(message_id, sender, OURS, body)


def open_case(number: str, category: str = "road_damage") -> OpenCase:
    return OpenCase(number, category, "sr-Latn", NOW - timedelta(days=1))


# -- reading the record ---------------------------------------------------------------------------

def test_the_documented_example_is_read_field_by_field():
    message = parse_inbound_sms(sample("end_user_messaging_example"))
    assert (message.sender, message.recipient, message.keyword, message.body) == (
        "+14255550182", "+12125550101", "JOIN", "EXAMPLE")
    assert message.message_id == "cae173d2-66b9-564c-8309-21f858e9fb84"
    assert message.previous_message_id == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_an_sns_envelope_is_unwrapped_and_an_empty_previous_id_is_none():
    message = parse_inbound_sms(sample("sns_envelope"))
    assert message.body == "СТОП" and message.previous_message_id is None


@pytest.mark.parametrize("raw, reason", [
    ("not json", "not_json"),
    ("[1, 2]", "not_an_object"),
    ('{"originationNumber": "+381641234567", "destinationNumber": "+3816", "messageBody": "x"}',
     "missing:inboundMessageId"),
    ('{"inboundMessageId": "a b", "originationNumber": "+1", "destinationNumber": "+2", '
     '"messageBody": "x"}', "bad:inboundMessageId"),
    ('{"inboundMessageId": "a", "originationNumber": 381, "destinationNumber": "+2", '
     '"messageBody": "x"}', "not_text:originationNumber"),
    ('{"inboundMessageId": "a", "originationNumber": "+1", "destinationNumber": "+2"}',
     "missing:messageBody"),
])
def test_an_unreadable_record_says_why(raw, reason):
    with pytest.raises(UnreadableSms) as refused:
        parse_inbound_sms(raw)
    assert refused.value.reason == reason


@given(st.text(max_size=300))
def test_any_text_is_read_back_or_refused_never_crashes(body):
    document = json.loads(sample("citizen_report"))
    document["messageBody"] = body
    message = parse_inbound_sms(json.dumps(document))
    assert message.body == body.replace("\r\n", "\n").strip()[:5000]


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_as_unreadable(raw):
    try:
        parse_inbound_sms(raw)
    except UnreadableSms:
        pass


# -- senders and keywords -------------------------------------------------------------------------

@pytest.mark.parametrize("sender, kind", [
    ("+381641234567", SenderKind.NUMBER), ("+420602123456", SenderKind.NUMBER),
    ("1234", SenderKind.SHORT_CODE), ("+38199", SenderKind.SHORT_CODE),
    ("Telekom", SenderKind.ALPHANUMERIC), ("A1 Info", SenderKind.ALPHANUMERIC),
    ("+12", SenderKind.UNKNOWN), ("!!!", SenderKind.UNKNOWN),
])
def test_only_numbers_are_people(sender, kind):
    assert sender_kind(sender) is kind


@pytest.mark.parametrize("body, keyword, language", [
    ("STOP", "stop", "sr-Cyrl"), ("stop all", "stop", "en"), ("Unsubscribe", "stop", "en"),
    ("odjava", "stop", "sr-Latn"), ("ОДЈАВА", "stop", "sr-Cyrl"), ("стоп", "stop", "sr-Cyrl"),
    ("Отписване", "stop", "bg"), ("Odhlásit", "stop", "cs"), ("ODHLASIT!", "stop", "cs"),
    ("start", "start", "en"), ("Prijava", "start", "sr-Latn"), ("Přihlásit", "start", "cs"),
    ("Абонирай", "start", "bg"), ("HELP", "help", "en"), ("pomoć", "help", "sr-Latn"),
    ("ПОМОЋ", "help", "sr-Cyrl"), ("помощ", "help", "bg"), ("Nápověda", "help", "cs"),
])
def test_keywords_in_the_five_languages_and_plain_ascii(body, keyword, language):
    found = keyword_of(body, LANGUAGES, "sr-Cyrl")
    assert found is not None and (found[0].value, found[1]) == (keyword, language)


def test_a_keyword_is_answered_in_a_language_the_municipality_offers():
    assert keyword_of("Odhlásit", ("sr-Latn", "en"), "sr-Latn")[1] == "sr-Latn"
    assert keyword_of("СТОП", ("sr-Cyrl", "bg"), "bg")[1] == "bg"


@pytest.mark.parametrize("body", ["stop the works at night", "Start of the road is broken",
                                  "1", "", "Help me, the pipe burst"])
def test_a_sentence_that_starts_with_a_keyword_is_no_keyword(body):
    assert keyword_of(body, LANGUAGES, "en") is None


# -- the chain's decisions ------------------------------------------------------------------------

def test_our_own_number_is_quarantined_before_anything_else():
    assert decide(sms("STOP", sender=OURS), context()) == Quarantine(QuarantineReason.OWN_NUMBER)


def test_keywords_come_before_the_cases():
    cases = (open_case("2026-000001"),)
    assert decide(sms("STOP"), context(open_cases=cases)) == OptOut("sr-Cyrl")
    assert decide(sms("START"), context(open_cases=cases)) == OptIn("en")
    assert decide(sms("помощ"), context()) == Help("bg")


def test_no_open_case_opens_one_in_the_language_of_the_text():
    decision = decide(sms("Díra v silnici před školou, řidiči ji objíždějí."), context())
    assert isinstance(decision, OpenNewCase) and decision.language == "cs"


def test_one_open_case_takes_the_message():
    assert decide(sms("Još uvek"), context(open_cases=(open_case("2026-000001"),))) == \
        AddToCase("2026-000001")


def test_several_open_cases_ask_which_unless_the_text_names_one():
    cases = (open_case("2026-000002"), open_case("2026-000001"))
    asked = decide(sms("Još uvek"), context(open_cases=cases))
    assert isinstance(asked, AskWhichCase) and asked.asked == 1
    assert [c.number for c in asked.choices] == ["2026-000002", "2026-000001"]
    assert [m.text for m in asked.kept] == ["Još uvek"]
    assert decide(sms("Za 2026-000001: još uvek"), context(open_cases=cases)) == \
        AddToCase("2026-000001", reason="case_number_in_text")


def test_a_number_that_answered_stop_gets_no_question_but_a_case_of_its_own():
    cases = (open_case("2026-000002"), open_case("2026-000001"))
    decision = decide(sms("Još uvek"), context(open_cases=cases, opted_out=True))
    assert isinstance(decision, OpenNewCase) and decision.reason == "several_open_cases_opted_out"
    assert decide(sms("Još uvek"), context(open_cases=cases[:1], opted_out=True)) == \
        AddToCase("2026-000002")


def pending(asked: int = 1, lapses: timedelta = timedelta(hours=1)) -> PendingQuestion:
    return PendingQuestion(CITIZEN, (KeptMessage("m-0", "Kanta je polomljena", NOW),),
                           ("2026-000002", "2026-000001"), asked, NOW + lapses, "sr-Latn")


@pytest.mark.parametrize("answer, number", [("1", "2026-000002"), (" 2. ", "2026-000001"),
                                            ("#2", "2026-000001"), ("2026-000002", "2026-000002")])
def test_a_valid_answer_files_the_kept_messages(answer, number):
    cases = (open_case("2026-000002"), open_case("2026-000001"))
    decision = decide(sms(answer), context(open_cases=cases, pending=pending()))
    assert decision == AddToCase(number, kept=pending().messages, reason="answered_question")


def test_an_invalid_answer_asks_once_more_then_opens_a_case_with_everything_kept():
    cases = (open_case("2026-000002"), open_case("2026-000001"))
    again = decide(sms("3", message_id="m-1"), context(open_cases=cases, pending=pending()))
    assert isinstance(again, AskWhichCase) and again.asked == 2 == MAX_ASKS
    assert [m.text for m in again.kept] == ["Kanta je polomljena", "3"]
    last = decide(sms("ne znam", message_id="m-2"),
                  context(open_cases=cases, pending=pending(asked=2)))
    assert isinstance(last, OpenNewCase) and last.reason == "question_unanswered"
    assert [m.text for m in last.kept] == ["Kanta je polomljena", "ne znam"]


def test_a_lapsed_question_is_forgotten():
    cases = (open_case("2026-000002"), open_case("2026-000001"))
    decision = decide(sms("1"), context(open_cases=cases, pending=pending(lapses=-timedelta(1))))
    assert isinstance(decision, AskWhichCase) and decision.asked == 1


@given(st.text(max_size=40), st.integers(min_value=0, max_value=4))
def test_the_chain_always_decides_and_never_loses_the_text(body, open_count):
    cases = tuple(open_case(f"2026-{n:06d}") for n in range(1, open_count + 1))
    decision = decide(sms(body), context(open_cases=cases, pending=pending()))
    if isinstance(decision, OpenNewCase):
        assert body.strip() in decision.text or not body.strip()
    elif isinstance(decision, AskWhichCase):
        assert body in [m.text for m in decision.kept]
    else:
        assert isinstance(decision, (AddToCase, OptOut, OptIn, Help))


def test_a_step_inserted_by_name_decides_before_the_case_handling():
    def survey(message, seen):
        return ("survey_answer", message.body) if message.body.isdigit() and seen.facts.get(
            "survey") else None

    chain = insert_before(DEFAULT_CHAIN, "pending_question", Step("survey", survey))
    cases = (open_case("2026-000002"), open_case("2026-000001"))
    seen = context(open_cases=cases, pending=pending(), facts={"survey": "s-1"})
    assert decide(sms("2"), seen, chain) == ("survey_answer", "2")
    assert decide(sms("STOP"), seen, chain) == OptOut("sr-Cyrl")
    with pytest.raises(ValueError):
        insert_before(chain, "no_such_step", Step("x", survey))
    with pytest.raises(ValueError):
        insert_before(chain, "keyword", Step("survey", survey))


# -- the notify function's side -------------------------------------------------------------------

@pytest.mark.parametrize("actor, confirmed", [("citizen:sms:+381641234567", False),
                                              ("staff:milica", True)])
def test_a_case_a_citizens_sms_opened_is_confirmed_by_the_sms_channel_not_by_notify(actor, confirmed):
    from civicdesk.domain.cases import Case, CaseType, Channel, Contact, EventKind, TimelineEvent
    from civicdesk.domain.events import EventType
    from civicdesk.domain.notifications import plan

    case = Case("2026-000001", CaseType.REQUEST, Channel.SMS, "general", "general", "Rupa", "sr-Latn",
                Status.NEW, False, NOW, NOW, "hash", contact=Contact(phone=CITIZEN))
    opened = TimelineEvent(case.number, NOW, EventKind.CASE_OPENED, actor, True,
                           {"channel": "sms", "department": "general", "status": "new"})
    templates = [i.template for i in plan(EventType.CASE_OPENED, opened, case)]
    assert ("confirmation" in templates) is confirmed
