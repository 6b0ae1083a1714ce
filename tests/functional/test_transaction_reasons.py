"""Which operation of a cancelled transaction failed: pynamodb sends the deletes, puts and
updates of a ``TransactWrite`` in that order, not in the order they were added, and the
repositories read DynamoDB's reasons by position (``conditions.in_sent_order``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.cases import EventKind, Status, TimelineEvent
from civicdesk.domain.errors import ConflictError
from civicdesk.domain.inbound import InboundMarker
from civicdesk.services.ports import CaseUpdate

AT = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def opened(aws_env):
    """A phone case opened through the admin API's service, as stored."""
    import os

    from civicdesk import wiring
    from tests.functional.test_hostile_input import PHONE_CALL
    from tests.support.admin import AdminApi, Staff

    operator = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("operator.ana", "operator")
    answer = operator.post("/v1/admin/cases", PHONE_CALL)
    assert answer.status == 201, answer.body
    return wiring.case_repository().get_case(answer.body["number"])


def test_a_mail_on_a_case_that_changed_meanwhile_is_a_conflict(opened):
    from civicdesk.adapters.dynamodb.mail import DynamoMailRepository

    stale = CaseUpdate(number=opened.number, expected_version=opened.version + 5,
                       created_at=opened.created_at, updated_at=AT, status=None,
                       department=opened.department, current_status=Status.NEW)
    entry = TimelineEvent(opened.number, AT, EventKind.MESSAGE_IN, "citizen:email:a@b.rs", False,
                          {"text": "Допуна."})
    with pytest.raises(ConflictError):
        DynamoMailRepository().save_inbound(InboundMarker("ses-1", opened.number, False, False),
                                            update=stale, events=[entry],
                                            expires_at=AT + timedelta(days=30))


@pytest.mark.parametrize("consume_pending_link", [False, True])
def test_completing_a_notification_again_is_a_no_op(opened, consume_pending_link):
    from civicdesk.adapters.dynamodb.notifications import DynamoNotificationRepository

    notifications = DynamoNotificationRepository()
    assert notifications.claim(opened.number, "e-1", "sms:+381641234567", AT)
    entry = TimelineEvent(opened.number, AT, EventKind.NOTIFICATION, "system:notify", False,
                          {"to": "+381641234567"})

    def complete():
        notifications.complete(opened.number, "e-1", "sms:+381641234567", state="sent",
                               channel="sms", message_id="sms-1", entry=entry,
                               consume_pending_link=consume_pending_link)

    complete()
    complete()  # a retry after the first went through: its entry is there, nothing to do
