"""What the service-level job's entries notify (NotificationService with in-memory fakes): the
warning reaches the assignee in their language, or the department's mailbox; the job's
escalation reaches each supervisor with the missed due times in the supervisor's language."""

from __future__ import annotations

from datetime import timedelta

from civicdesk.domain.cases import EventKind, TimelineEvent
from tests.support.notification_fakes import START
from tests.unit.test_notification_service import ROADS_MAILBOX, a_case, make_world, states

NUMBER = "2026-000042"


def warning(assignee: str = "") -> TimelineEvent:
    # START is Monday 23 November, 09:00 in Belgrade; due at 10:15: 75 working minutes later
    return TimelineEvent(NUMBER, START, EventKind.SLA_WARNING, "system:sla", False,
                         {"clock": "first_reaction", "due": "2026-11-23T09:15:00.000000Z",
                          "assignee": assignee})


def test_the_warning_reaches_the_assignee_in_their_language():
    world = make_world()
    world.directory.add("agent.roads", "department_agent", name="Ana Agent", language="cs")
    entry = warning("agent.roads")
    world.repo.add_case(a_case(assignee="agent.roads"), entry)
    outcomes = world.notify(entry)
    assert states(outcomes) == {"staff:agent.roads": "sent"}
    [mail] = world.mails_to("agent.roads@demo.civicdesk.rs")
    assert mail.subject == (f"[#{NUMBER}] Případ {NUMBER}: první reakce – zbývající čas: "
                            "1 pracovní hodina a 15 minut")
    assert "Vyprší: 23.11.2026 10:15" in mail.text
    assert "Zbývající pracovní doba: 1 pracovní hodina a 15 minut" in mail.text
    assert world.mails_to(ROADS_MAILBOX) == []


def test_a_warning_of_a_case_nobody_has_goes_to_the_departments_mailbox():
    world = make_world()
    entry = warning()
    world.repo.add_case(a_case(), entry)
    assert states(world.notify(entry)) == {"department:roads_traffic": "sent"}
    [mail] = world.mails_to(ROADS_MAILBOX)
    assert "прва реакција, рок истиче за 1 радни сат и 15 минута" in mail.subject  # sr-Cyrl


def test_the_jobs_escalation_tells_each_supervisor_in_their_language_what_was_missed():
    world = make_world()
    world.directory.add("supervisor.mira", "supervisor", language="en")
    world.directory.add("supervisor.vuk", "supervisor", language="sr-Latn")
    breaches = [{"clock": "first_reaction", "due": "2026-11-20T08:00:00.000000Z",
                 "overdue_minutes": 481},
                {"clock": "resolution", "due": "2026-11-23T07:00:00.000000Z",
                 "overdue_minutes": 60}]
    entry = TimelineEvent(NUMBER, START + timedelta(hours=1), EventKind.ESCALATED, "system:sla",
                          False, {"reason": "Рок је пропуштен: …", "level": 1,
                                  "clock": "first_reaction", "due": breaches[0]["due"],
                                  "overdue_minutes": 481, "breaches": breaches})
    world.repo.add_case(a_case(), entry)
    world.notify(entry)
    [english] = world.mails_to("supervisor.mira@demo.civicdesk.rs")
    assert ("Due time missed: first reaction (due 20.11.2026 09:00, overdue by 8 working hours "
            "and 1 minute); resolution (due 23.11.2026 08:00, overdue by 1 working hour).") \
        in english.text
    [latin] = world.mails_to("supervisor.vuk@demo.civicdesk.rs")
    assert "Rok je propušten: prva reakcija (rok 20.11.2026 09:00, kasni 8 radnih sati i 1 minut)" \
        in latin.text
    assert "Рок је пропуштен: …" not in english.text + latin.text
