"""The satisfaction question in the resolved mail: the notification service asks the surveys for
the link (``SurveyService.satisfaction_link``) and a failure of theirs never holds the mail back."""

from __future__ import annotations

import copy

from civicdesk.services.municipality import MunicipalityProvider
from civicdesk.services.notifications import NotificationService
from tests.unit import test_notification_service as n

LINK = f"{n.PUBLIC_URL}/survey.html#token=abc"


def world_with(satisfaction) -> n.World:
    world = n.make_world()
    municipality = MunicipalityProvider(n.InMemoryConfigRepository(copy.deepcopy(n.CONFIG)))
    world.service = NotificationService(
        world.repo, world.repo, world.repo, municipality, world.mailer, world.sms, world.directory,
        world.metrics, n.PUBLIC_URL, phones=n.LibPhoneNumbers(), links=n.tracking_links(n.PUBLIC_URL),
        allowances=n.InMemoryAllowances(), clock=world.clock, satisfaction=satisfaction)
    return world


def test_the_resolved_mail_carries_the_satisfaction_question_of_the_cases_category():
    asked = []
    world = world_with(lambda case: asked.append((case.number, case.category)) or LINK)
    resolved = n.status_change("resolved", "in_progress", message="Rupa je sanirana.")
    world.repo.add_case(n.a_case(), resolved)
    world.notify(resolved)
    [mail] = world.mails_to(n.REQUESTER)
    assert LINK in mail.text and asked == [(n.NUMBER, "road_damage")]


def test_no_question_or_a_failing_survey_store_leaves_the_resolved_mail_as_it_was():
    texts = []
    for satisfaction in (lambda case: None, lambda case: 1 / 0):
        world = world_with(satisfaction)
        resolved = n.status_change("resolved", "in_progress", message="Rupa je sanirana.")
        world.repo.add_case(n.a_case(), resolved)
        world.notify(resolved)
        [mail] = world.mails_to(n.REQUESTER)
        texts.append(mail.text)
    assert texts[0] == texts[1] and "survey.html" not in texts[0]
