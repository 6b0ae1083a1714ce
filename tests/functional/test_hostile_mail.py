"""Mail an attacker (or a broken machine) sends (issue 12, items 6-8): a spoofed sender never
writes into someone's case, a message delivered again is recognised, and a sender that keeps
opening cases is stopped at a limit, its mail quarantined where staff can release it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tests.functional import test_mail_intake
from tests.functional.test_mail_intake import build_mail, timeline
from tests.support import aws

ingest = test_mail_intake.ingest  # the fixture: the ingest function's handler under moto

SPOOFED = {"dmarc": "FAIL", "spf": "FAIL", "dkim": "FAIL"}


def quarantined():
    from civicdesk import wiring

    return wiring.quarantine_repository().quarantined()[0]


def resolve(number):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.items import CaseItem
    from civicdesk.adapters.dynamodb.keys import CASE_SK, case_pk
    from civicdesk.domain.cases import Status

    CaseItem.get(case_pk(number), CASE_SK).update(actions=[CaseItem.status.set(Status.RESOLVED.value)])
    assert wiring.case_repository().get_case(number).status is Status.RESOLVED


# -- 6. a spoofed sender ---------------------------------------------------------------------

@pytest.mark.parametrize("threading", ["subject_tag", "in_reply_to", "reply_address"])
def test_a_mail_failing_dmarc_never_writes_into_the_requesters_case(ingest, threading):
    # GIVEN the requester's resolved case, and what our auto-reply told them
    first, _ = ingest(build_mail())
    number = first["case_number"]
    [auto_reply] = aws.sent_mails()
    resolve(number)
    # WHEN a mail with the requester's From:, threaded every way a reply is, fails DMARC
    if threading == "subject_tag":
        spoof = build_mail(subject=f"Re: [#{number}] Нису одвезли смеће", text="Повлачим пријаву.")
    elif threading == "in_reply_to":
        _, _, events = timeline(number)
        ses_id = next(e for e in events if e.kind.value == "message_out").data["message_id"]
        spoof = build_mail(subject="Re: смеће", text="Повлачим пријаву.",
                           headers={"In-Reply-To": f"<{ses_id}@eu-central-1.amazonses.com>"})
    else:
        spoof = build_mail(to=auto_reply["Reply-To"], subject="Re: смеће", text="Повлачим пријаву.")
    result, _ = ingest(spoof, verdicts=SPOOFED)
    # THEN it is kept in quarantine with the reason, and the case is as it was
    assert (result["outcome"], result["reason"]) == ("quarantined", "dmarc_fail"), result
    case, kinds, _ = timeline(number)
    assert kinds.count("message_in") == 1 and case.status.value == "resolved"
    [entry] = quarantined()
    assert entry.reason == "dmarc_fail"
    # AND staff who checked it release it into the case
    from civicdesk import wiring

    released = wiring.email_intake_service().release(entry.quarantine_id)
    assert (released.outcome.value, released.number) == ("reopened", number)


def test_a_new_mail_failing_dmarc_still_opens_a_case_without_an_auto_reply(ingest):
    result, _ = ingest(build_mail(sender="ana@example.rs"), verdicts=SPOOFED)
    assert result["outcome"] == "new_case" and result["replied"] is False
    assert aws.sent_mails() == []


# -- 7. the same message again ---------------------------------------------------------------

def test_a_message_delivered_again_with_a_new_ses_id_is_recognised(ingest):
    message = build_mail()
    results = [ingest(message)[0] for _ in range(3)]  # an MTA's retries: three SES ids
    assert [r["outcome"] for r in results] == ["new_case", "duplicate", "duplicate"]
    assert {r["case_number"] for r in results} == {results[0]["case_number"]}
    assert len(aws.sent_mails()) == 1
    # AND a follow-up sent three times is appended once
    [auto_reply] = aws.sent_mails()
    follow_up = build_mail(to=auto_reply["Reply-To"], subject="Re: смеће", text="Још увек није одвезено.")
    again = [ingest(follow_up)[0]["outcome"] for _ in range(3)]
    assert again == ["appended", "duplicate", "duplicate"]
    _, kinds, _ = timeline(results[0]["case_number"])
    assert kinds.count("message_in") == 2


def test_the_same_message_id_from_another_sender_is_another_message(ingest):
    message = build_mail()
    other = build_mail(sender="jelena@example.rs", name="Јелена")
    del other["Message-ID"]
    other["Message-ID"] = message["Message-ID"]
    assert ingest(message)[0]["outcome"] == "new_case"
    assert ingest(other)[0]["outcome"] == "new_case"


def test_a_message_without_a_message_id_is_recognised_by_its_date_and_content(ingest):
    message = build_mail()
    del message["Message-ID"]
    message["Date"] = "Wed, 25 Nov 2026 10:00:00 +0100"
    assert [ingest(message)[0]["outcome"] for _ in range(2)] == ["new_case", "duplicate"]
    later = build_mail()
    del later["Message-ID"]
    later["Date"] = "Thu, 26 Nov 2026 10:00:00 +0100"  # the same text sent again a day later
    assert ingest(later)[0]["outcome"] == "new_case"


# -- 8. a sender that keeps opening cases ----------------------------------------------------

def test_a_looping_responder_is_stopped_at_the_senders_daily_limit_of_new_cases(ingest):
    from civicdesk import wiring

    limit = wiring.municipality_provider().get().new_cases_per_sender_per_day
    # GIVEN an auto-responder that answers with a neutral subject and no Auto-Submitted
    outcomes = [ingest(build_mail(sender="noreply@firma.example", name="", subject="Ваша порука",
                                  text=f"Примили смо Вашу поруку {i}."))[0] for i in range(limit + 3)]
    # THEN the first `limit` open cases, the rest wait in quarantine with the reason
    assert [o["outcome"] for o in outcomes] == ["new_case"] * limit + ["quarantined"] * 3
    assert {o["reason"] for o in outcomes[limit:]} == {"sender_rate"}
    entries = quarantined()
    assert len(entries) == 3 and {e.reason for e in entries} == {"sender_rate"}
    # AND another sender is not affected; a reply on an open case is not a new case
    assert ingest(build_mail(sender="ana@example.rs"))[0]["outcome"] == "new_case"
    # AND staff release one: it opens its case, beyond the limit
    released = wiring.email_intake_service().release(entries[0].quarantine_id)
    assert released.outcome.value == "new_case"


def test_replies_on_a_case_do_not_count_towards_the_new_case_limit(ingest):
    from civicdesk import wiring

    limit = wiring.municipality_provider().get().new_cases_per_sender_per_day
    first, _ = ingest(build_mail())
    [auto_reply] = aws.sent_mails()
    for i in range(limit + 1):
        message: EmailMessage = build_mail(to=auto_reply["Reply-To"], subject="Re: смеће",
                                           text=f"Допуна {i}.")
        assert ingest(message)[0]["outcome"] == "appended"
    assert ingest(build_mail(subject="Нова пријава"))[0]["outcome"] == "new_case"
    assert first["outcome"] == "new_case"
