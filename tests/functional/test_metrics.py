"""The metrics the functions write (CloudWatch embedded metric format, printed to stdout): each
metric always with the same dimension set, each function with its own service name, also when
several functions share one process as they do here and in the local runtime."""

from __future__ import annotations

import json
import os
import uuid

import boto3
import pytest
from chalice.test import Client

from tests.functional.test_admin_api import PHONE_CALL
from tests.functional.test_mail_intake import build_mail
from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.pipeline import Pipeline
from tests.support.ses import receipt

WEB_CASE = {
    "type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
    "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
    "location": {"address": "Краља Петра 12"},
    "contact": {"name": "Петар Петровић", "email": "petar@example.rs"},
}


def emitted(captured: str) -> list[tuple[str, tuple[str, ...], dict[str, str]]]:
    """Every metric of the EMF documents in ``captured``: (name, dimension names, dimensions)."""
    metrics = []
    for line in captured.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert len(directive["Dimensions"]) == 1, directive
            names = tuple(directive["Dimensions"][0])
            for metric in directive["Metrics"]:
                metrics.append((metric["Name"], names, {n: document[n] for n in names}))
    return metrics


@pytest.fixture
def channels(aws_env):
    """Open a case on the web (ApiFunction), by phone (AdminApiFunction) and by mail
    (IngestEmailFunction), all three functions loaded in this one process."""
    api = aws.load_function("ApiFunction")
    operator = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add(
        "operator.ana", "operator")
    ingest = aws.load_function("IngestEmailFunction")
    bucket = aws_env.buckets["MailBucket"]

    def web():
        with Client(api.app) as client:
            response = client.http.post(
                "/v1/public/cases", body=json.dumps(WEB_CASE, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"})
        assert response.status_code == 201, response.body

    def phone():
        assert operator.post("/v1/admin/cases", PHONE_CALL).status == 201

    def mail():
        raw = build_mail().as_bytes()
        ses_id = uuid.uuid4().hex
        boto3.client("s3", region_name=aws.REGION).put_object(
            Bucket=bucket, Key=f"inbound/{ses_id}", Body=raw)
        event = receipt(ses_id, ["kjs@demo.civicdesk.rs"], "sender@example.rs", raw,
                        timestamp="2026-11-25T09:00:00.000Z")
        result = ingest.handler(event, aws.context("IngestEmailFunction"))["results"][0]
        assert result["outcome"] == "new_case", result

    return {"web": web, "phone": phone, "mail": mail}


def test_case_opened_has_one_dimension_set_whatever_the_channel(channels, capsys):
    # GIVEN nothing written yet
    capsys.readouterr()
    # WHEN a case is opened on each channel
    for open_case in channels.values():
        open_case()
    metrics = emitted(capsys.readouterr().out)
    # THEN CaseOpened is one CloudWatch metric (one dimension set) for all three channels, and
    # MailReceived, written by the same invocation as the mail's case, keeps its own
    dimension_sets: dict[str, set] = {}
    for name, names, _ in metrics:
        dimension_sets.setdefault(name, set()).add(names)
    assert dimension_sets["CaseOpened"] == {("channel", "type", "service")}
    assert dimension_sets["MailReceived"] == {("outcome", "service")}
    channels_seen = sorted(d["channel"] for name, _, d in metrics if name == "CaseOpened")
    assert channels_seen == ["email", "phone", "web"]


def test_each_function_writes_its_own_service_name(channels, aws_env, capsys):
    # GIVEN the web, admin and ingest functions loaded in one process (in that order)
    capsys.readouterr()
    # WHEN each opens a case, and the pipeline publishes and notifies
    for open_case in channels.values():
        open_case()
    Pipeline(aws_env).run()
    metrics = emitted(capsys.readouterr().out)
    # THEN every metric names the function that measured it (template.yaml's service names)
    services = {(name, d.get("channel")): d["service"] for name, _, d in metrics}
    assert services[("CaseOpened", "web")] == "api"
    assert services[("CaseOpened", "phone")] == "admin-api"
    assert services[("CaseOpened", "email")] == "ingest_email"
    assert services[("MailReceived", None)] == "ingest_email"
    assert services[("EventPublished", None)] == "events"
    assert services[("NotificationSent", None)] == "notify"
