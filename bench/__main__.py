"""CivicDesk benchmarks (``make bench``).

1. AWS calls per operation, counted with botocore's ``before-call`` event hook on every client
   the wiring built (moto in-process): create case (with its confirmation mail), track case,
   a new mail without attachment (with its auto-reply), a reply to a case.
2. Throughput of the whole mail pipeline in process (parse, store, reply) on a corpus of at least
   200 messages (``bench/corpus.py``).
3. Cold start of the public API, admin API and ingest functions in fresh processes (import +
   first event) against each one's floor (a minimal boto3 handler making the same calls),
   interleaved, as ratios of medians, all against ``bench/fakeaws.py``'s constant-time answers
   (``cold_starts``).
4. The local runtime's event pipeline (``make run``): from an operator's status change through
   the admin API until the requester's mail is listed in ``/_local/outbox`` (stream, publisher,
   topic, queue, notify function, SES), median of ``BENCH_ROUNDS`` changes.
5. The local runtime under load (``bench/local_load.py``): submissions per second from four
   clients through the HTTP API, their p95 latency and the runtime's memory (RSS), with 10 and
   with 10,000 cases in it.
6. The newcomer's walks (``bench/walks.py``): the files one e-mail passes through from SMTP to
   its auto-reply, and one status change from the route to the SMS.
7. The layer as ``sam build`` builds it (``bench/layer.py``): unzipped and zipped size, and every
   module imported from its extracted zip (skipped offline or without the runtime's Python).
8. The monthly cost of a municipality at 1,000 and 10,000 cases (``bench/cost.py``) from the
   calls of 1., written into ``docs/cost.md``.
9. SMS (``bench/sms.py``): the encoding, parts and price of each SMS kind per language and per
   the municipality's SMS script setting, at ``SMS_PRICE_USD_PER_PART_SERBIA``.
10. The table's reads as data grows (``bench/table_reads.py``): a filtered queue page, and the
   staff's case view and one notification on a case with 50 events x 20 recipients vs 5 x 2;
   finding cases among 120 located ones: a two-word search, the requester lookup, a map page,
   the duplicate suggestions (calls and items read), and the search entries a case writes.
11. The staff console in headless Chromium against the local runtime (``bench/console.py``):
   the first load's requests and bytes as CloudFront sends them compressed (the sign-in, and the
   queue signed in), the time from navigation until the queue's first page of rows is on screen,
   and the render time of a page of 50 cases after the API answered.
12. The service-level job's reads (``bench/service_level_job.py``): one run over 10 and over
   1,000 cases due, with 1,000 more open cases held that are not due (calls by botocore's
   ``before-call`` hook, items read, writes).
13. Audiences (``bench/audiences.py``): resolving 100,000 members of a contact list and of alert
   subscriptions in process: the service's time, its DynamoDB reads, its peak memory.

14. Campaigns (``bench/campaigns.py``): 1,000 recipients with bounces, failed and unconfirmed
   SMS, a sender crash and duplicate queue deliveries (every one delivered or unreachable, none
   twice on a channel), AWS calls and DynamoDB units per recipient, the time to plan 100,000
   recipients in process, the cost of 10,000 recipients at list prices.
15. Open311 (``bench/open311.py``): the DynamoDB calls of a ``GET requests`` page through the
   wired ``PublicReports`` (target 1), the next page, a filtered page, ten ids, a ``POST``.

16. The public map (``bench/public_map.py``): calls and items read per page of the public map
   (30 days, a box, a category; target 1 ``Query``) and per "nearby reports" question.
17. The portal's page weight (``bench/page_weight.py``): what Chromium fetches for each portal
   page from the local runtime, served and gzip-compressed (the report form: target 150 KB).

Writes ``bench/results/latest.json``. ``python -m bench coldstarts`` runs 3. alone and only prints
it (``BENCH_COLD_JSON=path`` also writes its figures there; ``BENCH_COLD_COMPARE=<checkout>/functions``
measures that code too, in the same rounds against the same floors, as ``<key>_before_...``).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from infra.local.template import ROOT, Template

RESULTS = ROOT / "bench" / "results" / "latest.json"
REGION = "eu-central-1"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "11"))
CORPUS_SIZE = int(os.environ.get("BENCH_CORPUS", "200"))
#: ``track_case_calls`` is measured with the confirmation's token: the case item decides access
#: before the history is read (a refusal costs what a missing case costs, issue 12), so 2; the
#: later messages' link is checked without the case and reads once (``track_later_link``).
TARGETS = {"create_case_calls": 3, "track_case_calls": 2, "new_mail_calls": 6,
           "queue_page_calls": 1, "case_with_timeline_calls": 1, "status_change_writes": 1,
           "feed_poll_calls": 1, "public_map_page_calls": 1, "public_map_box_page_calls": 1,
           "public_map_category_page_calls": 1,
           "filtered_queue_page_calls": 2, "filtered_queue_items_read_per_case": 2.0,
           "case_view_items_read_many": 200, "notification_items_read_many": 100,
           "api_cold_start_ratio": 1.3, "ingest_cold_start_ratio": 1.5,
           "admin_cold_start_ratio": 1.5, "change_to_outbox_seconds_median": 2.0,
           "layer_unzipped_mb": 40, "console_first_load_js_kb": 150,
           "console_queue_usable_seconds": 1.5, "stats_query_calls_max_typical": 3,
           "stats_calls_per_counted_entry_max": 1, "nightly_units_growth_10k_over_1k": 0,
           "open311_requests_page_calls": 1, "portal_index_gzip_bytes": 150_000}
WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
#: The claims API Gateway's Cognito authorizer hands the admin function (a supervisor).
SUPERVISOR_CLAIMS = {"sub": "0b5e9c1e-bench", "cognito:username": "bench.supervisor",
                     "cognito:groups": "supervisor", "token_use": "id", "email": "bench@demo.civicdesk.rs"}
#: What Lambda's runtime sets in every container (besides the function's own variables), as the
#: cold starts see it (``civicdesk.coldstart`` knows by ``AWS_EXECUTION_ENV`` that it runs in
#: Lambda).
LAMBDA_ENV = {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
              "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
              "_X_AMZN_TRACE_ID": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1",
              "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "PYTHONDONTWRITEBYTECODE": "1"}

CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
        "description": "Ne radi ulična rasveta u Ulici kralja Petra kod broja 12.",
        "location": {"lat": 44.0195, "lon": 20.918, "address": "Kralja Petra 12"},
        "contact": {"name": "Petar Petrović", "email": "petar@example.rs"}}


def _base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION})
    return env


def _mail(sender: str, to: str, subject: str, text: str, headers: dict | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{time.time_ns()}@example.rs>"
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    return message.as_bytes()


@contextmanager
def in_process_aws():
    """moto in-process with the template provisioned and the municipality seeded."""
    from moto import mock_aws

    from tests.support import aws

    saved = dict(os.environ)
    os.environ.update(_base_env())
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    try:
        with mock_aws():
            resources, environment = aws.provision_all()
            os.environ.update(environment)
            from civicdesk import wiring
            from civicdesk.cli import seed

            wiring.reset()
            seed.seed(str(aws.CONFIG_DIR))
            wiring.municipality_provider().get()  # a warm container has its configuration
            yield resources
            wiring.reset()
    finally:
        os.environ.clear()
        os.environ.update(saved)


class CallCounter:
    def __init__(self):
        self.log: list[str] = []

    def hook(self, model, **_):
        self.log.append(model.name)

    def attach(self):
        from civicdesk import wiring
        from civicdesk.adapters.dynamodb import session

        for client in (wiring.aws_client("sesv2"), wiring.aws_client("s3"),
                       wiring.aws_client("secretsmanager"), session.connection_client()):
            client.meta.events.register("before-call", self.hook)

    def measure(self, operation):
        self.log.clear()
        result = operation()
        return result, list(self.log)


def count_calls() -> dict:
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from tests.support import aws
    from tests.support.ses import receipt

    with in_process_aws() as resources:
        counter = CallCounter()
        counter.attach()
        service = wiring.case_service()
        created, create_log = counter.measure(
            lambda: service.open_public_case(case_commands.open_public_case(CASE)))
        _, track_log = counter.measure(lambda: service.track(created.number, created.token))
        wiring.municipality_provider().invalidate()
        _, cold_track_log = counter.measure(lambda: service.track(created.number, created.token))
        wiring.municipality_provider().get()
        # The link of every later message (a derived token): the key is read once per container
        # and configuration TTL, then tracking costs what it costs with the confirmation's link.
        later = wiring.tracking_links().token(created.number)
        wiring.link_keys.cache_clear()
        wiring.tracking_links.cache_clear()
        wiring.case_service.cache_clear()
        service = wiring.case_service()
        _, later_cold_log = counter.measure(lambda: service.track(created.number, later))
        _, later_log = counter.measure(lambda: service.track(created.number, later))

        from civicdesk.domain.policy import principal_from_claims

        supervisor = principal_from_claims(SUPERVISOR_CLAIMS)
        casework = wiring.casework_service()
        for _ in range(3):
            service.open_public_case(case_commands.open_public_case(CASE))
        _, queue_log = counter.measure(lambda: casework.queue(
            supervisor, case_commands.queue_filter({"department": "public_utilities", "limit": "2"})))
        _, case_log = counter.measure(lambda: casework.case(supervisor, created.number))
        from civicdesk.api.commands import feed_query

        feed = wiring.feed_service()
        console = feed.feed(supervisor, feed_query({}))  # a supervisor's console, polling
        _, status_log = counter.measure(lambda: casework.change_status(
            supervisor, case_commands.change_status(
                created.number, {"status": "in_progress", "reason": "Bench", "version": 1})))
        polled, feed_log = counter.measure(lambda: feed.feed(supervisor, feed_query({"cursor": console.cursor})))
        assert any(c.kind == "status_changed" for c in polled.changes), polled
        _, empty_feed_log = counter.measure(lambda: feed.feed(supervisor, feed_query({"cursor": polled.cursor})))

        ingest = aws.load_function("IngestEmailFunction")
        import boto3

        s3 = boto3.client("s3", region_name=REGION)
        bucket = resources.buckets["MailBucket"]

        def deliver(ses_id: str, raw: bytes, to: str):
            s3.put_object(Bucket=bucket, Key=f"inbound/{ses_id}", Body=raw)
            event = receipt(ses_id, [to], "x@example.rs", raw, timestamp="2026-11-25T09:00:00.000Z")
            return counter.measure(lambda: ingest.handler(event, aws.context("IngestEmailFunction")))

        first, new_mail_log = deliver("benchnew", _mail(
            "ana@example.rs", "kjs@demo.civicdesk.rs", "Smeće", "Kontejneri nisu ispražnjeni."),
            "kjs@demo.civicdesk.rs")
        result = first["results"][0]
        reply_to = next(m for m in aws.sent_mails() if m["X-CivicDesk-Case"] == result["case_number"])["Reply-To"]
        _, reply_log = deliver("benchreply", _mail(
            "ana@example.rs", reply_to, "Re: Smeće", "I dalje nisu."), reply_to)
    return {"create_case_calls": len(create_log), "create_case_call_log": create_log,
            "track_case_calls": len(track_log), "track_case_call_log": track_log,
            "track_case_calls_cold_container": len(cold_track_log),
            "track_later_link_call_log": later_log, "track_later_link_cold_call_log": later_cold_log,
            "new_mail_calls": len(new_mail_log), "new_mail_call_log": new_mail_log,
            "reply_mail_calls": len(reply_log), "reply_mail_call_log": reply_log,
            "queue_page_calls": len(queue_log), "queue_page_call_log": queue_log,
            "case_with_timeline_calls": len(case_log), "case_with_timeline_call_log": case_log,
            "status_change_writes": sum(1 for c in status_log if c in WRITE_OPERATIONS),
            "status_change_call_log": status_log,
            "feed_poll_calls": max(len(feed_log), len(empty_feed_log)),
            "feed_poll_call_log": feed_log, "feed_empty_poll_call_log": empty_feed_log}


def mail_throughput() -> dict:
    """The whole pipeline (parse, thread, store, compose and send the reply) in process, with the
    AWS services replaced by in-memory fakes: moto's transaction emulation copies the whole table
    on every write and would measure moto rather than CivicDesk."""
    from bench.corpus import corpus
    from civicdesk.adapters.config_files import load_config_dir
    from civicdesk.domain.inbound import InboundMail
    from civicdesk.services.email_intake import EmailIntakeService
    from civicdesk.services.municipality import MunicipalityProvider
    from tests.support.aws import CONFIG_DIR
    from tests.support.fakes import (
        FakeMailer,
        FakeMetrics,
        InMemoryBlobStore,
        InMemoryConfigRepository,
        InMemoryMailRepository,
    )

    document = load_config_dir(CONFIG_DIR)
    mails = corpus(CORPUS_SIZE, document["mail_domain"])
    blobs, mailer, metrics = InMemoryBlobStore(), FakeMailer(), FakeMetrics()
    table = InMemoryMailRepository()
    service = EmailIntakeService(table, table, table, blobs, mailer,
                                 MunicipalityProvider(InMemoryConfigRepository(document)),
                                 metrics, "https://prijave.example")
    inbound = []
    for index, raw in enumerate(mails):
        blobs.objects[("mail", f"inbound/{index}")] = raw
        inbound.append(InboundMail(f"corpus{index:06d}", "mail", f"inbound/{index}",
                                   (f"podrska@{document['mail_domain']}",), datetime.now(timezone.utc)))
    logging.disable(logging.INFO)
    started = time.perf_counter()
    outcomes = Counter(service.process(message).outcome.value for message in inbound)
    elapsed = time.perf_counter() - started
    logging.disable(logging.NOTSET)
    return {"corpus_messages": len(inbound), "corpus_bytes": sum(map(len, mails)),
            "pipeline_seconds": round(elapsed, 3), "mails_per_second": round(len(inbound) / elapsed, 1),
            "outcomes": dict(outcomes), "auto_replies": len(mailer.outbox)}


def _api_event(method: str, resource: str, path: str, query: dict | None = None,
               path_parameters: dict | None = None, claims: dict | None = None) -> dict:
    """An API Gateway REST proxy event, as the stage ``prod`` hands it to the function."""
    context = {"resourcePath": resource, "httpMethod": method, "path": f"/prod{path}",
               "stage": "prod", "requestId": "bench", "identity": {"sourceIp": "127.0.0.1"}}
    if claims:
        context["authorizer"] = {"claims": claims}
    return {"resource": resource, "path": path, "httpMethod": method,
            "headers": {"Accept-Language": "sr-Latn"},
            "multiValueHeaders": {"Accept-Language": ["sr-Latn"]},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": path_parameters, "stageVariables": None, "requestContext": context,
            "body": None, "isBase64Encoded": False}


#: The cold starts measured: the public API tracking a case, the admin API listing a
#: department's queue (a supervisor), the mail function receiving a new mail (a case and its
#: auto-reply).
COLD_STARTS = (("api", "ApiFunction"), ("admin", "AdminApiFunction"), ("ingest", "IngestEmailFunction"))


def _cold_start_events(resources, s3) -> dict[str, tuple[dict, dict]]:
    """Each function's cold event and the warm event its floor's plan is taken from."""
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from tests.support.ses import receipt

    created = wiring.case_service().open_public_case(
        case_commands.open_public_case(dict(CASE, contact=None)))
    track = _api_event("GET", "/v1/public/cases/{number}", f"/v1/public/cases/{created.number}",
                       {"token": created.token}, {"number": created.number})
    queue = _api_event("GET", "/v1/admin/cases", "/v1/admin/cases",
                       {"department": "public_utilities"}, claims=SUPERVISOR_CLAIMS)
    mails = []
    for ses_id, sender in (("coldmail", "cold@example.rs"), ("warmmail", "warm@example.rs")):
        raw = _mail(sender, "kjs@demo.civicdesk.rs", "Бука",
                    "Бука из кафића после поноћи, молим да се провери.")
        s3.put_object(Bucket=resources.buckets["MailBucket"], Key=f"inbound/{ses_id}", Body=raw)
        mails.append(receipt(ses_id, ["kjs@demo.civicdesk.rs"], "x@example.rs", raw,
                             timestamp="2026-11-25T09:00:00.000Z"))
    return {"api": (track, track), "admin": (queue, queue), "ingest": (mails[0], mails[1])}


def _answered(key: str, response: dict) -> None:
    """A cold start only counts when the function did its job."""
    if key == "ingest":
        outcomes = [result["outcome"] for result in response["results"]]
        if outcomes != ["new_case"] or not response["results"][0]["replied"]:
            raise RuntimeError(f"ingest cold start did not open a case and reply: {response}")
    elif response.get("statusCode") != 200:
        raise RuntimeError(f"{key} cold start answered {response}")


def _deployed_copy(tmp: Path, spec, source: Path | None = None) -> tuple[Path, Path]:
    """The function's code and the layer as Lambda holds them (``/var/task``, ``/opt/python``),
    with their bytecode compiled as the layer build does: a cold start in Lambda reads ``.pyc``
    files and never compiles CivicDesk's sources. ``BENCH_FUNCTIONS`` names another checkout's
    ``functions/`` directory to measure (the same method on older code)."""
    import compileall
    import shutil

    source = source or Path(os.environ.get("BENCH_FUNCTIONS") or ROOT / "functions")
    layer = tmp / "opt" / "python"
    if not layer.exists():
        shutil.copytree(source / "shared" / "civicdesk", layer / "civicdesk",
                        ignore=shutil.ignore_patterns("__pycache__"))
        compileall.compile_dir(layer, quiet=1)
    task = tmp / "task" / spec.code_dir.name
    if not task.exists():
        shutil.copytree(source / spec.code_dir.name, task, ignore=shutil.ignore_patterns("__pycache__"))
        compileall.compile_dir(task, quiet=1)
    return task, layer


def _profile_cold_starts(out: Path, child: str, commands: dict, env: dict) -> None:
    """``BENCH_COLD_PROFILE=dir``: one more cold start of each function and its floor with
    ``-X importtime`` (``<key>.importtime.txt``) and one under ``cProfile`` (``<key>.prof``),
    to see what a cold start spends its time on (not part of the figures)."""
    out.mkdir(parents=True, exist_ok=True)
    for key, (handler_args, lambda_env, floor_args) in commands.items():
        for name, args, environment in ((key, handler_args, lambda_env),
                                        (f"{key}_floor", floor_args, env)):
            traced = subprocess.run([sys.executable, "-X", "importtime", child, *args],
                                    env=environment, capture_output=True, text=True, cwd=out)
            (out / f"{name}.importtime.txt").write_text(traced.stderr)
            subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out / f"{name}.prof"), child,
                            *args], env=environment, capture_output=True, text=True, cwd=out, check=True)


def cold_starts() -> dict:
    """Fresh-process cold starts of each function against each one's floor, interleaved, as
    ratios of medians.

    The AWS endpoint is ``bench.fakeaws``: it records the answers moto gives to one cold and one
    warm invocation of each function, then answers every measured call from that recording in
    constant time (moto's own cost, a transaction copying the whole table, is not DynamoDB's).
    A function's floor is a minimal handler doing the same job: ``import boto3``, one client
    per AWS service, and the calls (with their parameters) the function makes for the event in a
    warm container. What the function costs beyond it (imports, building its objects, its
    configuration, calls only a new container makes) is its cold start overhead.
    """
    from moto.server import ThreadedMotoServer

    from bench.fakeaws import FakeAws
    from tests.support import aws

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    saved = dict(os.environ)
    try:
        os.environ.update({**_base_env(), "AWS_ENDPOINT_URL": f"http://{host}:{port}"})
        import boto3

        from civicdesk import wiring
        from civicdesk.cli import seed

        resources, fn_env = aws.provision_all()
        os.environ.update(fn_env)
        wiring.reset()
        seed.seed(str(aws.CONFIG_DIR))
        events = _cold_start_events(resources, boto3.client("s3", region_name=REGION))
        wiring.reset()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    functions = Template().functions()
    child = str(ROOT / "bench" / "coldstart_child.py")
    samples: dict[str, list[float]] = {}
    imports: dict[str, list[float]] = {}
    #: ``BENCH_COLD_COMPARE``: another checkout's ``functions/`` measured in the same rounds,
    #: against the same floors (``<key>_before_...``): a before/after on a shared machine.
    compare = Path(os.environ["BENCH_COLD_COMPARE"]) if os.environ.get("BENCH_COLD_COMPARE") else None
    report: dict = {"rounds": ROUNDS}
    with tempfile.TemporaryDirectory() as tmp, FakeAws(upstream=f"http://{host}:{port}") as fake:
        env = {**_base_env(), "AWS_ENDPOINT_URL": fake.url, "PYTHONDONTWRITEBYTECODE": "1"}

        def run(*args: str, environment: dict) -> dict:
            out = subprocess.run([sys.executable, child, *args], env=environment,
                                 capture_output=True, text=True, cwd=tmp)
            if out.returncode != 0:
                raise RuntimeError(f"cold start {args[:2]} failed: {out.stderr[-3000:]}")
            return json.loads(out.stdout.strip().splitlines()[-1])

        commands: dict[str, tuple[list[str], dict, list[str]]] = {}
        try:
            for key, name in COLD_STARTS:
                spec = functions[name]
                cold, warm = (Path(tmp) / f"{key}.json", Path(tmp) / f"{key}.warm.json")
                cold.write_text(json.dumps(events[key][0]))
                warm.write_text(json.dumps(events[key][1]))
                variants = [(key, Path(tmp), None)]
                if compare:
                    variants.append((f"{key}_before", Path(tmp) / "before", compare))
                for variant, place, source in variants:
                    task, layer = _deployed_copy(place, spec, source)
                    module_path = task / spec.module_path.relative_to(spec.code_dir)
                    lambda_env = {**env, **fn_env, **LAMBDA_ENV,
                                  **{k: str(v) for k, v in spec.environment.items()
                                     if k == "POWERTOOLS_SERVICE_NAME"},
                                  "LAMBDA_TASK_ROOT": str(task), "AWS_LAMBDA_FUNCTION_NAME": name,
                                  "PYTHONPATH": str(layer)}
                    if variant != key:
                        # The other checkout answers the same event from the same recording
                        # (recording it again would process the mail twice), against the same
                        # floor; a call it makes that was not recorded fails the run.
                        commands[variant] = (["handler", str(module_path), spec.attribute, str(cold)],
                                             lambda_env, commands[key][2])
                        continue
                    recorded = run("record", str(module_path), spec.attribute, str(cold), str(warm),
                                   environment=lambda_env)
                    _answered(key, recorded["cold"])
                    plan = Path(tmp) / f"{key}.plan.json"
                    plan.write_text(json.dumps(recorded["warm_plan"]))
                    report[f"{key}_cold_calls"] = [operation for _, operation in recorded["cold_calls"]]
                    report[f"{key}_floor_calls"] = [operation for _, operation, _ in recorded["warm_plan"]]
                    commands[key] = (["handler", str(module_path), spec.attribute, str(cold)],
                                     lambda_env, ["floor", str(plan)])
        finally:
            moto.stop()
        fake.replay()  # from here on, no upstream: every answer is a look-up
        samples = {f"{key}{kind}": [] for key in commands
                   for kind in ("", "_floor", "_cpu", "_floor_cpu")}
        imports = {key: [] for key in commands}
        for _ in range(ROUNDS):
            for key, _name in COLD_STARTS:
                floor_result = run(*commands[key][2], environment=env)
                samples[f"{key}_floor"].append(floor_result["seconds"])
                samples[f"{key}_floor_cpu"].append(floor_result["cpu_seconds"])
                for variant in (key, f"{key}_before"):
                    if variant not in commands:
                        continue
                    handler_args, lambda_env, _ = commands[variant]
                    result = run(*handler_args, environment=lambda_env)
                    _answered(key, result["response"])
                    if not result["collecting"]:  # civicdesk.coldstart resumes it after the event
                        raise RuntimeError(f"{variant}: the collector is still paused after the first event")
                    samples[variant].append(result["seconds"])
                    samples[f"{variant}_cpu"].append(result["cpu_seconds"])
                    imports[variant].append(result["import_seconds"])
                    report[f"{variant}_modules_loaded"] = result["modules"]
        if os.environ.get("BENCH_COLD_PROFILE"):
            _profile_cold_starts(Path(os.environ["BENCH_COLD_PROFILE"]), child, commands, env)
        if fake.unanswered:
            raise RuntimeError(f"calls the recording did not cover: {sorted(set(fake.unanswered))}")
        report["fake_aws_answers"] = fake.answered
    for key in commands:
        base = key.removesuffix("_before")
        samples[f"{key}_floor"], samples[f"{key}_floor_cpu"] = (samples[f"{base}_floor"],
                                                                samples[f"{base}_floor_cpu"])
        median, floor = statistics.median(samples[key]), statistics.median(samples[f"{key}_floor"])
        report[f"{key}_cold_start_seconds_median"] = round(median, 4)
        report[f"{key}_import_seconds_median"] = round(statistics.median(imports[key]), 4)
        report[f"{key}_floor_seconds_median"] = round(floor, 4)
        report[f"{key}_cold_start_ratio"] = round(median / floor, 3)
        # CPU time of the same processes: the ratio a busy machine disturbs least.
        report[f"{key}_cold_start_cpu_ratio"] = round(
            statistics.median(samples[f"{key}_cpu"]) / statistics.median(samples[f"{key}_floor_cpu"]), 3)
        report[f"{key}_seconds"] = [round(x, 4) for x in samples[key]]
        report[f"{key}_floor_seconds"] = [round(x, 4) for x in samples[f"{key}_floor"]]
        report[f"{key}_cpu_seconds"] = [round(x, 4) for x in samples[f"{key}_cpu"]]
        report[f"{key}_floor_cpu_seconds"] = [round(x, 4) for x in samples[f"{key}_floor_cpu"]]
    return report


def local_notify_latency() -> dict:
    """Seconds from an operator's status change (the admin API over HTTP) until the mail it
    causes is listed in the local runtime's outbox, each on a case of its own whose confirmation
    went out first (so the change is measured alone); the runtime in this process, its
    functions' output silenced."""
    from contextlib import redirect_stdout

    from infra.local.runtime import LocalRuntime
    from tests.support.local_staff import change_status, id_token, outbox, register_call, wait_for

    def mails(runtime, address: str, text: str = "") -> list[dict]:
        return [entry for entry in outbox(runtime) if entry["channel"] == "email"
                and address in entry["to"] and text in entry["text"]]

    window = next((float(source.properties.get("MaximumBatchingWindowInSeconds", 0))
                   for source in Template().event_sources()
                   if source.function == "PublishEventsFunction"), 0.0)
    samples = []
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as sink, \
            redirect_stdout(sink), LocalRuntime(http_port=0, aws_port=0, smtp_port=0,
                                                state_dir=Path(tmp) / "state") as runtime:
        token = id_token(runtime)
        for index in range(ROUNDS):
            address = f"bench{index}@example.rs"
            case = register_call(runtime, token, {"email": address})
            wait_for(lambda address=address: mails(runtime, address), 15)
            message = f"Bench {index}: екипа излази сутра."
            started = time.perf_counter()
            change_status(runtime, token, case, "in_progress", message)
            if not wait_for(lambda address=address, message=message: mails(runtime, address, message),
                            15, interval=0.01):
                raise RuntimeError(f"no mail for the status change of {case['number']} "
                                   f"within 15 s")
            samples.append(time.perf_counter() - started)
    return {"change_to_outbox_seconds_median": round(statistics.median(samples), 3),
            "change_to_outbox_seconds": [round(x, 3) for x in samples],
            "events_batching_window_seconds": window}


def describe_cold_starts(f: dict) -> list[str]:
    lines = []
    for key, label in (("api", "API"), ("admin", "admin API"), ("ingest", "ingest")):
        lines.append(
            f"  {label} cold start: {f[key + '_cold_start_seconds_median']:.3f} s (import "
            f"{f[key + '_import_seconds_median']:.3f} s, calls {f[key + '_cold_calls']}) vs floor "
            f"{f[key + '_floor_seconds_median']:.3f} s (boto3, {f[key + '_floor_calls']}) = "
            f"{f[key + '_cold_start_ratio']:.2f}x (target <= {TARGETS[key + '_cold_start_ratio']}x, "
            f"median of {f['rounds']} interleaved rounds; CPU time {f[key + '_cold_start_cpu_ratio']:.2f}x; "
            f"{f[key + '_modules_loaded']} modules)")
    return lines


def cold_starts_only() -> int:
    """``python -m bench coldstarts``: section 3 alone, printed (with the load average at its
    start and end), not written to ``bench/results/latest.json``; ``BENCH_ROUNDS`` rounds."""
    before = os.getloadavg()
    figures = cold_starts()
    after = os.getloadavg()
    print(f"CivicDesk cold starts (load average {before[0]:.2f} at the start, {after[0]:.2f} at the end)")
    for line in describe_cold_starts(figures):
        print(line)
    for key in ("api", "admin", "ingest"):
        if f"{key}_before_cold_start_ratio" in figures:
            print(f"  {key}, the compared checkout: {figures[key + '_before_cold_start_seconds_median']:.3f} s "
                  f"= {figures[key + '_before_cold_start_ratio']:.2f}x of the same floor (CPU time "
                  f"{figures[key + '_before_cold_start_cpu_ratio']:.2f}x; "
                  f"{figures[key + '_before_modules_loaded']} modules)")
    if os.environ.get("BENCH_COLD_JSON"):
        Path(os.environ["BENCH_COLD_JSON"]).write_text(json.dumps(
            {**figures, "load_average": [before, after]}, indent=2) + "\n")
    return 0


def main() -> int:
    started = time.time()
    from bench import cost
    from bench.audiences import audience_figures
    from bench.audiences import describe as describe_audiences
    from bench.campaigns import campaign_figures
    from bench.campaigns import describe as describe_campaigns
    from bench.console import console_figures
    from bench.console import describe as describe_console
    from bench.layer import layer_figures
    from bench.local_load import describe as describe_load
    from bench.local_load import local_load
    from bench.open311 import describe as describe_open311
    from bench.open311 import open311_figures
    from bench.page_weight import describe as describe_page_weight
    from bench.page_weight import page_weights
    from bench.public_map import describe as describe_public_map
    from bench.public_map import public_map_reads
    from bench.service_level_job import DUE, service_level_job_reads
    from bench.sms import report as sms_report
    from bench.sms import sms_costs
    from bench.stats import describe as describe_stats
    from bench.stats import keeping_and_reading
    from bench.stats_nightly import describe as describe_nightly
    from bench.stats_nightly import nightly_figures
    from bench.table_reads import table_reads
    from bench.walks import walks

    figures = {**count_calls(), **mail_throughput(), **cold_starts(), **local_notify_latency(),
               **local_load(), **walks(), **layer_figures(), **sms_costs(),
               **table_reads(), **console_figures(), **keeping_and_reading(),
               **service_level_job_reads(), **nightly_figures(), **audience_figures(),
               **campaign_figures(), **public_map_reads(), **open311_figures(),
               **page_weights()}
    figures.update(cost.summary(figures))
    met = {key: figures[key] <= target for key, target in TARGETS.items() if key in figures}
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()},
              "targets": TARGETS, "met": met, "figures": figures}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    cost.write_doc({**figures, "_when": report["when"]})
    f = figures
    print("CivicDesk benchmarks")
    print(f"  create case:     {f['create_case_calls']} AWS calls {f['create_case_call_log']} (target <= 3)")
    print(f"  track case:      {f['track_case_calls']} AWS call {f['track_case_call_log']} (target <= 2: access "
          f"before the history; {f['track_case_calls_cold_container']} before the configuration is cached)")
    print(f"  track, later link: {len(f['track_later_link_call_log'])} AWS call "
          f"{f['track_later_link_call_log']} ({f['track_later_link_cold_call_log']} when the "
          f"container has not read the link key yet)")
    print(f"  new mail:        {f['new_mail_calls']} AWS calls {f['new_mail_call_log']} (target <= 6)")
    print(f"  reply to a case: {f['reply_mail_calls']} AWS calls {f['reply_mail_call_log']}")
    print(f"  queue page:      {f['queue_page_calls']} AWS call {f['queue_page_call_log']} (target <= 1)")
    print(f"  case + timeline: {f['case_with_timeline_calls']} AWS call {f['case_with_timeline_call_log']} (target <= 1)")
    print(f"  status change:   {f['status_change_writes']} write {f['status_change_call_log']} (target <= 1 write)")
    print(f"  feed poll:       {f['feed_poll_calls']} AWS call {f['feed_poll_call_log']} with the change, "
          f"{f['feed_empty_poll_call_log']} without (target <= 1)")
    print(f"  filtered queue:  {f['filtered_queue_page_calls']} AWS calls {f['filtered_queue_page_call_log']}, "
          f"{f['filtered_queue_page_items_read']} items read for {f['filtered_queue_page_cases_returned']} "
          f"cases = {f['filtered_queue_items_read_per_case']} per case ({f['filtered_queue_shape']}; "
          f"target <= 2 calls, <= 2 items per case)")
    for key, label in (("case_view", "case view"), ("notification", "notification")):
        print(f"  {label + ':':<16} {f[key + '_items_read_many']} items read in {f[key + '_calls_many']} calls "
              f"on {f['case_reads_shape']['many']} ({f['case_items_many']} items in the case), "
              f"{f[key + '_items_read_few']} on {f['case_reads_shape']['few']} "
              f"(target <= {TARGETS[key + '_items_read_many']})")
    print("  service-level job: " + "; ".join(
        f"{f[f'service_level_job_read_calls_{n}_due']} read calls "
        f"{f[f'service_level_job_read_call_log_{n}_due']}, {f[f'service_level_job_items_read_{n}_due']} "
        f"items read, {f[f'service_level_job_writes_{n}_due']} writes for {n} cases due" for n in DUE)
        + f" ({f['service_level_job_shape']}: grows with the cases due, not with the table)")
    for line in describe_audiences(f):
        print(line)
    print(f"  mail pipeline:   {f['mails_per_second']} mails/s on {f['corpus_messages']} messages "
          f"({f['corpus_bytes'] // 1024} KB) in process, AWS faked; {f['outcomes']}, {f['auto_replies']} auto-replies")
    for line in describe_cold_starts(f):
        print(line)
    print(f"  change -> outbox: {f['change_to_outbox_seconds_median']:.2f} s (target <= 2 s; median "
          f"of {len(f['change_to_outbox_seconds'])} status changes in the local runtime, of which "
          f"{f['events_batching_window_seconds']:g} s is the events mapping's batching window)")
    for line in describe_load(f):
        print(line)
    for key, label in (("walk_email_to_auto_reply", "e-mail -> auto-reply"),
                       ("walk_status_change_to_sms", "status change -> SMS")):
        walk = f[key]
        print(f"  walk {label}: {walk['files']} files ({len(walk['application_files'])} of the "
              f"application, {len(walk['runtime_files'])} of the local runtime; docs/architecture.md)")
    if "layer_skipped" in f:
        print(f"  layer: skipped: {f['layer_skipped']}")
    else:
        check = f["layer_check"]
        print(f"  layer: {f['layer_unzipped_mb']} MB unzipped (target <= 40 MB), {f['layer_zipped_mb']} MB "
              f"zipped, for {f['layer_target']}; bytecode {', '.join(f['layer_bytecode'])}; botocore models: "
              f"{', '.join(f['layer_botocore_services'])}; largest (MB): {f['layer_largest_mb']}")
        print(f"  layer check ({check['architecture']} build, extracted zip, nothing else on the path): "
              f"{check['modules_imported']} modules imported, {check['compiled_at_import']} compiled at import, "
              f"{check['clients']} clients created, {len(check['outside_the_layer'])} modules from outside")
    print("  monthly cost:    " + ", ".join(f"{int(n):,} cases {usd:,.2f} USD" for n, usd in
                                           f["monthly_cost_usd"].items())
          + f" ({cost.REGION}, list prices of {cost.PRICES_AS_OF}; tables in docs/cost.md)")
    print("\n".join(sms_report(f)))
    for line in describe_console(f):
        print(line)
    for line in describe_stats(f):
        print(line)
    for line in describe_nightly(f):
        print(line)
    print("  campaigns:       " + describe_campaigns(f))
    for line in describe_public_map(f):
        print(line)
    print(describe_open311(f))
    for line in describe_page_weight(f):
        print(line)
    print(f"  written to {RESULTS.relative_to(ROOT)}; targets met: "
          f"{', '.join(k for k, v in met.items() if v)}; missed: {', '.join(k for k, v in met.items() if not v) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(cold_starts_only() if sys.argv[1:] == ["coldstarts"] else main())
