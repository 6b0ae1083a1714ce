"""The campaigns' AWS ports: the sending and planning queues (SQS) and the one-time schedules
(EventBridge Scheduler ``at(...)``, deleted after they ran)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Callable, Sequence

from botocore.exceptions import ClientError

#: ``SendMessageBatch`` takes ten messages.
SQS_BATCH = 10


class SqsCampaignQueue:
    """``CampaignQueue``: one message per chunk of recipients (``{"campaign_id", "keys"}``)."""

    def __init__(self, client_factory: Callable[[], object], queue_url: str):
        self._client_factory = client_factory
        self._url = queue_url
        self._pending: list[dict] = []

    def enqueue(self, campaign_id: str, keys: Sequence[str]) -> None:
        if keys:
            self.send_batch([{"campaign_id": campaign_id, "keys": list(keys)}])

    def send_batch(self, bodies: Sequence[dict]) -> None:
        """``SendMessageBatch``, ten a request; a message SQS refused is sent again once, then
        raised (the caller's retry is harmless: the claims stop a second send)."""
        client = self._client_factory()
        for start in range(0, len(bodies), SQS_BATCH):
            entries = [{"Id": str(i), "MessageBody": json.dumps(body, separators=(",", ":"))}
                       for i, body in enumerate(bodies[start:start + SQS_BATCH])]
            for _ in range(2):
                answer = client.send_message_batch(QueueUrl=self._url, Entries=entries)  # type: ignore[attr-defined]
                failed = {f["Id"] for f in answer.get("Failed", [])}
                entries = [e for e in entries if e["Id"] in failed]
                if not entries:
                    break
            if entries:
                raise RuntimeError(f"SQS refused {len(entries)} campaign messages")


class SqsPlanTrigger:
    """``PlanTrigger``: "send now" puts the campaign on the planning queue."""

    def __init__(self, client_factory: Callable[[], object], queue_url: str):
        self._client_factory = client_factory
        self._url = queue_url

    def start(self, campaign_id: str) -> None:
        self._client_factory().send_message(  # type: ignore[attr-defined]
            QueueUrl=self._url, MessageBody=json.dumps({"campaign_id": campaign_id}))


def schedule_name(campaign_id: str) -> str:
    """``campaign-<id>`` (Scheduler's names: 64 characters of ``[0-9a-zA-Z-_.]``)."""
    return f"campaign-{campaign_id}"[:64]


def at_expression(moment: datetime) -> str:
    """Scheduler's one-time expression, in UTC to the second.

    >>> at_expression(datetime(2026, 12, 1, 18, 30, tzinfo=timezone.utc))
    'at(2026-12-01T18:30:00)'
    """
    return f"at({moment.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%S})"


class SchedulerCampaignSchedules:
    """``CampaignSchedules`` over EventBridge Scheduler: a schedule per campaign in the
    campaigns' group, putting ``{"campaign_id"}`` on the planning queue (``target_arn``, as
    "send now" does), deleted by Scheduler after it ran (``ActionAfterCompletion: DELETE``)
    or by the planner."""

    def __init__(self, client_factory: Callable[[], object], *, group: str, target_arn: str,
                 role_arn: str):
        self._client_factory = client_factory
        self._group = group
        self._target = target_arn
        self._role = role_arn

    def schedule(self, campaign_id: str, at: datetime) -> None:
        target = {"Arn": self._target, "RoleArn": self._role,
                  "Input": json.dumps({"campaign_id": campaign_id}),
                  "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600}}
        request = {"Name": schedule_name(campaign_id), "GroupName": self._group,
                   "ScheduleExpression": at_expression(at), "ScheduleExpressionTimezone": "UTC",
                   "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target,
                   "ActionAfterCompletion": "DELETE", "State": "ENABLED",
                   "Description": f"CivicDesk campaign {campaign_id}"}
        client = self._client_factory()
        try:
            client.create_schedule(ClientToken=uuid.uuid4().hex, **request)  # type: ignore[attr-defined]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConflictException":
                raise
            client.update_schedule(**request)  # type: ignore[attr-defined]

    def unschedule(self, campaign_id: str) -> None:
        try:
            self._client_factory().delete_schedule(  # type: ignore[attr-defined]
                Name=schedule_name(campaign_id), GroupName=self._group)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
