"""Campaigns (part of ``make bench``; run alone:
``PYTHONPATH=functions/shared .venv/bin/python -m bench.campaigns``).

1. A campaign to 1,000 recipients in process (moto; the real store, queue, SES and SNS
   adapters; the audience an in-memory ``AudienceMembers``): mail first, then SMS; every seventh
   mail bounces, SMS to numbers ending in 3 fail and in 5 never confirm; the sender crashes
   (the process dies) after 300 mails and its message comes back, every fifth queue message is
   delivered twice. Checked: every recipient ends delivered or unreachable, none lost, none
   sent two messages on one channel. Measured: AWS calls and DynamoDB units per recipient.
2. The time to plan 100,000 recipients in process (moto's DynamoDB and SQS).
3. The cost of 10,000 recipients at list prices (``bench/cost.py``'s), mail and SMS.

DynamoDB units are counted as on-demand charges them for items under 1 KB (a recipient is
about 1 KB, the campaign item under 2 KB: its updates are 2 units): a write 1, an item of a
``TransactWriteItems`` 2, a strongly consistent read 1 per item, a ``Query`` 0.5 per 4 KB read.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

RECIPIENTS = 1000
#: ``BENCH_CAMPAIGN_PLANNED`` overrides it (moto's DynamoDB is far slower than DynamoDB).
PLANNED = int(__import__("os").environ.get("BENCH_CAMPAIGN_PLANNED", "100000"))
#: Recipients planned against moto's DynamoDB, for the planner's cost per recipient with its
#: writes (moto's transactions grow slower with the table: 100,000 do not finish there).
PLANNED_ON_MOTO = int(__import__("os").environ.get("BENCH_CAMPAIGN_PLANNED_ON_MOTO", "5000"))
CRASH_AFTER = 300
COST_RECIPIENTS = 10_000


class _Crash(BaseException):
    """The sender's container dies (nothing catches it)."""


def _members(count: int):
    from civicdesk.domain.audiences import AudienceMember, Channel, MemberSource, member_key

    found = []
    for i in range(count):
        email = f"bounce+b{i}@simulator.amazonses.com" if i % 7 == 0 else f"r{i}@example.rs"
        email = None if i % 10 == 9 else email
        phone = None if i % 4 == 1 and email else f"+381640{i:06d}"
        channels = tuple(c for c, a in ((Channel.EMAIL, email), (Channel.SMS, phone)) if a)
        found.append(AudienceMember(key=member_key(email, phone), language="sr-Cyrl",
                                    source=MemberSource.CONTACT_LIST, channels=channels,
                                    email=email, phone=phone, area=f"area{i % 5}",
                                    unsubscribe_token=f"t{i}"))
    return found


class _Audience:
    def __init__(self, members):
        self._members = members

    def members(self, audience_id):
        yield from self._members


class _Calls:
    """Every AWS call of the wiring's clients (``before-parameter-build``: its parameters as
    given), and DynamoDB's units."""

    def __init__(self):
        self.calls: Counter[str] = Counter()
        self.write_units = 0.0
        self.read_units = 0.0

    def attach(self, clients) -> "_Calls":
        for client in clients:
            client.meta.events.register("before-parameter-build", self._call)
        return self

    def _call(self, model, params, **_):
        service = model.service_model.service_name
        self.calls[f"{service}:{model.name}"] += 1
        if service != "dynamodb":
            return
        if model.name == "TransactWriteItems":
            self.write_units += 2 * len(params.get("TransactItems", []))
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.write_units += 2 if params.get("Key", {}).get("SK", {}).get("S") == "#CAMPAIGN" else 1
        elif model.name == "BatchGetItem":
            self.read_units += sum(len(r["Keys"]) for r in params["RequestItems"].values())
        elif model.name == "GetItem":
            self.read_units += 1
        elif model.name == "Query":
            self.read_units += 0.5 * max(1, params.get("Limit", 4) // 4)


def _drain(sqs, url, handle, *, duplicate_every: int = 0) -> int:
    handled = 0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return handled
        for message in messages:
            body = json.loads(message["Body"])
            try:
                handle(body)
            except _Crash:
                # Lambda's container died: the message comes back after its visibility
                # timeout (at once here).
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
                raise
            handled += 1
            if duplicate_every and handled % duplicate_every == 0:
                handle(body)  # SQS delivers at least once
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _campaign(wiring, audience_id: str = "bench"):
    from civicdesk.domain.audiences import Channel
    from civicdesk.domain.campaigns import Message
    from civicdesk.domain.policy import Principal, Role
    from civicdesk.services.campaigns import CampaignChange, SaveCampaign

    author = Principal("u1", "milica", frozenset({Role.OPERATOR}), email="milica@demo.rs")
    supervisor = Principal("u2", "nenad", frozenset({Role.SUPERVISOR}))
    service = wiring.campaign_service()
    created = service.create(author, SaveCampaign(
        title="Water", audience_id=audience_id, channels=(Channel.EMAIL, Channel.SMS),
        messages={"sr-Cyrl": Message("Искључење воде", "Нема воде у Центру до 18 часова.",
                                     "Нема воде у Центру до 18 ч.")}))
    submitted = service.submit(author, created.campaign_id, CampaignChange(version=1))
    approved = service.approve(supervisor, created.campaign_id,
                               CampaignChange(version=submitted.version))
    return service.send(author, created.campaign_id, CampaignChange(version=approved.version))


def _one_thousand() -> dict:
    import os

    from bench.__main__ import in_process_aws
    from civicdesk.domain.campaigns import RecipientState
    from civicdesk.domain.delivery import DeliveryReport, DeliveryStatus

    with in_process_aws():
        os.environ["CIVICDESK_CAMPAIGN_SETTINGS"] = "quiet_hours=;confirm_minutes=30;senders=1"
        from civicdesk import wiring
        from civicdesk.adapters.dynamodb import session
        from civicdesk.adapters.ses import SesMailer
        from civicdesk.services.campaign_sending import CampaignSweep
        from civicdesk.services.jobs import RunContext

        wiring.reset()
        members = _members(RECIPIENTS)
        wiring.campaigns.audience_members = lambda: _Audience(members)  # type: ignore[attr-defined]
        campaign = _campaign(wiring)
        sqs = wiring.aws_client("sqs")
        calls = _Calls().attach([session.connection_client(), sqs, wiring.aws_client("sesv2"),
                                 wiring.aws_client("sns")])
        wiring.campaign_planner().plan(campaign.campaign_id)
        sender, feedback, store = wiring.campaign_sender(), wiring.campaign_feedback(), wiring.campaign_store()
        real_send, sent_mail = SesMailer.send, []

        def crashing(self, mail):
            if len(sent_mail) == CRASH_AFTER:
                SesMailer.send = real_send  # type: ignore[method-assign]
                raise _Crash("the container died")
            sent_mail.append(mail.to[0])
            return real_send(self, mail)

        SesMailer.send = crashing  # type: ignore[method-assign]
        url = os.environ["CIVICDESK_CAMPAIGN_SEND_QUEUE_URL"]
        crashed = False
        try:
            _drain(sqs, url, sender.handle, duplicate_every=5)
        except _Crash:
            crashed = True  # the message was not deleted: it comes back
        _drain(sqs, url, sender.handle, duplicate_every=5)
        SesMailer.send = real_send  # type: ignore[method-assign]
        reported: set[str] = set()
        sms_outcome = {"3": False, "5": None}
        for round_ in (1, 2, 3):
            for recipient in _all(store, campaign.campaign_id).values():
                for step in recipient.steps:
                    if step.state != "sent" or step.message_id in reported:
                        continue
                    reported.add(step.message_id)
                    at = datetime.now(timezone.utc)
                    if step.channel == "email":
                        bounced = recipient.email.startswith("bounce")
                        feedback.mail_report(DeliveryReport(
                            step.message_id, recipient.email,
                            DeliveryStatus.BOUNCED if bounced else DeliveryStatus.DELIVERED, at,
                            "Bounce" if bounced else "Delivery",
                            bounce_type="Permanent" if bounced else None))
                    else:
                        delivered = sms_outcome.get(recipient.phone[-1], True)
                        if delivered is not None:
                            feedback.record(step.message_id, RecipientState.DELIVERED if delivered
                                            else RecipientState.FAILED, "bench")
            _drain(sqs, url, sender.handle)
            later = datetime.now(timezone.utc) + timedelta(minutes=31 * round_)
            sweep = CampaignSweep(store, wiring.campaign_queue(), wiring.campaign_settings(),
                                  clock=lambda later=later: later)
            from civicdesk.domain.jobs import JobRun

            sweep.run(RunContext(JobRun("campaign_sweep", later), wiring.job_run_ledger(),
                                 lambda later=later: later))
            _drain(sqs, url, sender.handle)
        final = _all(store, campaign.campaign_id)
        states = Counter(r.state.value for r in final.values())
        from tests.support import aws

        all_mail = Counter(a for m in aws.sent_mails() for a in m["X-Test-Destinations"].split(", "))
        texts = Counter(to for to in _sms_numbers())
        done = store.get(campaign.campaign_id)
        assert crashed, "the crash was not injected"
        assert len(final) == RECIPIENTS and set(states) <= {"delivered", "unreachable"}, states
        assert max(all_mail.values()) == 1 and max(texts.values()) == 1, "a channel sent twice"
        assert done is not None and done.state.value == "completed", done
        per = {name: round(count / RECIPIENTS, 3) for name, count in sorted(calls.calls.items())}
        return {"campaign_recipients": RECIPIENTS, "campaign_states": dict(states),
                "campaign_mails_sent": sum(all_mail.values()),
                "campaign_sms_sent": sum(texts.values()), "campaign_crashed_after_mails": CRASH_AFTER,
                "campaign_duplicates_delivered": "every 5th queue message twice",
                "campaign_none_twice_per_channel": True,
                "campaign_aws_calls_per_recipient": round(sum(calls.calls.values()) / RECIPIENTS, 2),
                "campaign_aws_call_log_per_recipient": per,
                "campaign_dynamodb_write_units_per_recipient": round(calls.write_units / RECIPIENTS, 2),
                "campaign_dynamodb_read_units_per_recipient": round(calls.read_units / RECIPIENTS, 2)}


def _all(store, campaign_id: str) -> dict:
    found, cursor = {}, None
    while True:
        page, cursor = store.page_recipients(campaign_id, None, 200, cursor)
        found.update({r.key: r for r in page})
        if cursor is None:
            return found


def _sms_numbers() -> list[str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return [to for to, _ in sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sms_messages.values()]


def _plan_time() -> dict:
    """Planning ``PLANNED`` recipients in process: the planner's own work (the audience's
    members to recipients, their messages and links, chunks of 25 written, the queue messages)
    with the campaigns' in-memory store and queue of the tests; then ``PLANNED_ON_MOTO`` with
    moto's DynamoDB and SQS, for the rate with the writes."""
    import os

    from bench.__main__ import in_process_aws
    from civicdesk.services.campaign_sending import CampaignPlanner
    from tests.support.campaign_fakes import FakeQueue, FakeSchedules, InMemoryCampaignStore

    with in_process_aws():
        os.environ["CIVICDESK_CAMPAIGN_SETTINGS"] = "quiet_hours=;confirm_minutes=30;senders=1"
        from civicdesk import wiring

        wiring.reset()
        members = _members(PLANNED)
        wiring.campaigns.audience_members = lambda: _Audience(members)  # type: ignore[attr-defined]
        campaign = _campaign(wiring)
        store, queue = InMemoryCampaignStore(), FakeQueue()
        store.add(campaign)
        planner = CampaignPlanner(store, _Audience(members), queue, FakeSchedules(),
                                  wiring.municipality_provider(), wiring.campaign_settings())
        started = time.perf_counter()
        assert planner.plan(campaign.campaign_id) == "planned"
        seconds = time.perf_counter() - started
        planned = store.get(campaign.campaign_id)
        assert planned is not None and planned.total == PLANNED, planned

        on_moto = members[:PLANNED_ON_MOTO]
        wiring.campaigns.audience_members = lambda: _Audience(on_moto)  # type: ignore[attr-defined]
        wiring.campaign_planner.cache_clear()
        campaign = _campaign(wiring)
        started = time.perf_counter()
        wiring.campaign_planner().plan(campaign.campaign_id)
        moto_seconds = time.perf_counter() - started
        planned = wiring.campaign_store().get(campaign.campaign_id)
        assert planned is not None and planned.total == PLANNED_ON_MOTO
        return {"campaign_plan_recipients": PLANNED,
                "campaign_plan_seconds_in_process": round(seconds, 1),
                "campaign_plan_recipients_per_second": round(PLANNED / seconds),
                "campaign_plan_recipients_on_moto": PLANNED_ON_MOTO,
                "campaign_plan_seconds_on_moto": round(moto_seconds, 1),
                "campaign_plan_recipients_per_second_on_moto": round(PLANNED_ON_MOTO / moto_seconds)}


def campaign_figures() -> dict:
    from bench import cost

    figures = {**_one_thousand(), **_plan_time()}
    figures.update(cost.campaign_cost(COST_RECIPIENTS, figures))
    return figures


def describe(f: dict) -> str:
    return (f"campaign of {f['campaign_recipients']}: {f['campaign_states']}, none twice per "
            f"channel (crash after {f['campaign_crashed_after_mails']} mails, duplicates); "
            f"{f['campaign_aws_calls_per_recipient']} AWS calls, "
            f"{f['campaign_dynamodb_write_units_per_recipient']} write and "
            f"{f['campaign_dynamodb_read_units_per_recipient']} read units per recipient; "
            f"{f['campaign_plan_recipients']:,} planned in {f['campaign_plan_seconds_in_process']} s "
            f"in process ({f['campaign_plan_recipients_per_second_on_moto']:,} a second with "
            f"moto's DynamoDB); "
            f"{COST_RECIPIENTS:,} recipients cost {f['campaign_cost_usd_10000']['total']} USD")


if __name__ == "__main__":
    result = campaign_figures()
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    print(describe(result))
    sys.exit(0)
