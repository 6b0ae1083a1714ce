"""Start and stop the local runtime: moto, the provisioned account, the functions, the HTTP
origin, the outbox and the state directory, in the order they depend on each other.

Usable from tests as well as from ``python -m infra.local``::

    with LocalRuntime(http_port=0, aws_port=0, state_dir=tmp_path) as runtime:
        requests.get(runtime.http_url + "/v1/public/municipality")

The runtime emulates one Lambda container per function *in this process*: it sets the functions'
environment in ``os.environ`` (and restores the previous environment on ``stop``) and puts the
layer's folder on ``sys.path`` as Lambda's ``/opt/python``.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from infra.local import (
    aws,
    banner,
    cognito,
    firehose,
    iam,
    inspection,
    open311_demo,
    persistence,
    redrive,
    ses_events,
    sms_carrier,
    sms_events,
    state,
)
from infra.local.api_config import cognito_authorizers, gateway_responses
from infra.local.apigateway import ApiRoute, RouteTable
from infra.local.asyncinvoke import LOCAL_RETRY_DELAYS, AsyncInvoker, async_invoke_config
from infra.local.authorizer import JwksCache, PoolClients, RouteAuthorizer, list_pool_clients
from infra.local.aws import StartupError
from infra.local.event_sources import EventSources
from infra.local.lambdas import LocalFunction, install_layers, load_handler
from infra.local.outbox import Outbox
from infra.local.public_media import PublicMedia, StorePaths
from infra.local.schedules import RuntimeSchedules, ScheduleError, Scheduler, load_schedules
from infra.local.server import Frontend, LocalHttpServer, LocalTools, RequestHandler
from infra.local.smtp import ReceiptRule, SesReceiver, SmtpServer, receipt_rules
from infra.local.static import StaticSite
from infra.local.store import DurableStore, RestoreSummary
from infra.local.template import ROOT, Template

log = logging.getLogger("civicdesk.local")

DEFAULT_HTTP_PORT = 8000
DEFAULT_AWS_PORT = 4566
DEFAULT_SMTP_PORT = 2525
DEFAULT_STATE_DIR = state.DEFAULT_STATE_DIR
CONFIG_DIR = ROOT / "infra" / "config"
WEB_DIR = ROOT / "web"
#: Powertools' tracer would send segments to an X-Ray daemon that does not run locally.
LOCAL_ONLY_ENVIRONMENT = {"POWERTOOLS_TRACE_DISABLED": "true"}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _client(service: str) -> Any:
    """A client of this process's AWS, moto (boto3 imported here: the clients are made only
    after ``_start_moto`` pointed the environment at moto)."""
    import boto3

    return boto3.client(service, region_name=aws.REGION)


class LocalRuntime:
    """CivicDesk on 127.0.0.1: call ``start()``, then ``stop()`` (or use it as a context
    manager). Port 0 picks a free port; ``http_url`` and ``aws_url`` tell which."""

    def __init__(self, http_port: int = DEFAULT_HTTP_PORT, aws_port: int = DEFAULT_AWS_PORT,
                 state_dir: Path | str = DEFAULT_STATE_DIR, *, template: Template | None = None,
                 config_dir: Path = CONFIG_DIR, web_dir: Path = WEB_DIR,
                 smtp_port: int = DEFAULT_SMTP_PORT,
                 retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS,
                 demo_users: Path = cognito.DEMO_USERS, run_schedules: bool = True,
                 enforce_iam: bool | None = None):
        self.state_dir = Path(state_dir).resolve()
        self._requested_http_port = http_port
        self._requested_aws_port = aws_port
        self._requested_smtp_port = smtp_port
        self._retry_delays = tuple(retry_delays)
        self._template = template or Template()
        self._config_dir = Path(config_dir)
        self._web_dir = Path(web_dir)
        self._http: LocalHttpServer | None = None
        self._http_thread: threading.Thread | None = None
        self._moto: aws.MotoServer | None = None
        self._outbox: Outbox | None = None
        self._ses_events: ses_events.SesEventPublisher | None = None
        self._store: DurableStore | None = None
        self._recorder: persistence.ChangeRecorder | None = None
        self._functions: dict[str, LocalFunction] = {}
        self._invokers: dict[str, AsyncInvoker] = {}
        self._event_sources: EventSources | None = None
        #: The template's schedules; ``run_schedules=False`` runs them on demand only (tests).
        self.scheduler: Scheduler | None = None
        #: The Firehose streams (by ARN) that archive the events as Parquet (``archive_dir``).
        self._streams: dict[str, firehose.LocalDeliveryStream] = {}
        self._run_schedules = run_schedules
        self._smtp: SmtpServer | None = None
        self.receipt_rules: list[ReceiptRule] = []
        self._saved_environ: dict[str, str] | None = None
        self._stopped = False
        self.resources = aws.Resources()
        self._parameters: dict[str, Any] = {}
        self._ref: Callable[[str], str] = lambda name: name
        self.restored = RestoreSummary()
        self._demo_users_file = Path(demo_users)
        #: The pool the demo staff sign in to, its app client, and the demo staff.
        self.staff_pool: cognito.UserPool | None = None
        self.staff_client: cognito.UserPoolClient | None = None
        self.demo_users: tuple[cognito.DemoUser, ...] = ()
        self.open311_api_key: str | None = None  # the demo app's key (infra/local/open311_demo.py)
        #: Whether each function's AWS calls are checked against its IAM statements
        #: (``infra.local.iam``): on unless ``enforce_iam=False`` or ``CIVICDESK_LOCAL_IAM=off``.
        self.enforce_iam = iam.enabled(os.environ) if enforce_iam is None else enforce_iam
        #: Every call a function made that its IAM statements do not allow (``iam.Denial``).
        self.iam_denials: list[iam.Denial] = []
        self._denials_lock = threading.Lock()

    # -- addresses -----------------------------------------------------------------------------

    @property
    def http_url(self) -> str:
        if self._http is None:
            raise RuntimeError("not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def aws_url(self) -> str:
        if self._moto is None:
            raise RuntimeError("not started")
        return self._moto.endpoint_url

    @property
    def local_info_path(self) -> Path:
        """``local.json``: the sign-in details (``infra.local.token`` and
        ``civicdesk.cli.staff --local`` read it)."""
        return self.state_dir / "local.json"

    @property
    def archive_dir(self) -> Path:
        """Where the Firehose streams deliver (the archive bucket's root): Parquet files under
        ``events/day=<yyyy-MM-dd>/`` (``infra.local.archive`` queries them)."""
        return self.state_dir / "archive"

    @property
    def archive_streams(self) -> list[str]:
        """The Firehose streams emulated (logical ids)."""
        return [stream.spec.logical_id for stream in self._streams.values()]

    def flush_archive(self) -> list[str]:
        """Deliver what the streams buffer now (``POST /_local/archive/flush``); the files
        written, relative to ``archive_dir``."""
        return [str(path.relative_to(self.archive_dir)) for stream in self._streams.values()
                for path in stream.flush()]

    @property
    def smtp_listening(self) -> bool:
        return self._smtp is not None

    @property
    def outbox(self) -> Outbox | None:
        """The mail and SMS the functions sent (``None`` until started)."""
        return self._outbox

    @property
    def smtp_address(self) -> tuple[str, int]:
        """``(host, port)`` of the SMTP server that receives mail as SES would."""
        if self._smtp is None:
            raise RuntimeError("not started")
        return self._smtp.host, self._smtp.port

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "LocalRuntime":
        """Bring everything up; on failure, tear down what was started and raise."""
        try:
            self._start()
        except BaseException:
            self.stop(save=False)
            raise
        return self

    def _start(self) -> None:
        # The order is what depends on what: the portal's address is in the functions'
        # environment, every client must point at moto before it is created, the streams are
        # read from the end of the restore, the doors open last.
        self._listen_http()
        smtp_port = self._choose_smtp_port()
        self._start_moto()
        self._provision()
        self._restore_state()
        self._seed()
        self._load_functions()
        self._set_up_mail_receiving()
        self._set_up_schedules()
        self._start_background_work()
        self._open_api()
        self._start_smtp(smtp_port)
        self._settle_memory()
        self._open_doors()

    @staticmethod
    def _settle_memory() -> None:
        """What the start loaded (the restored tables: millions of objects at 10,000 cases)
        lives as long as the runtime: moved out of the garbage collector's sight, so that its
        full collections -- seconds each at that size, stalling every thread -- cost what is
        new, not the whole account. What is freed later is freed by reference counting."""
        gc.collect()
        gc.freeze()

    def _listen_http(self) -> None:
        """The HTTP socket first: its port is part of the functions' environment (tracking
        links in mails), so it must be known before they are configured."""
        try:
            self._http = LocalHttpServer((aws.HOST, self._requested_http_port), RequestHandler)
        except OSError as error:
            raise StartupError(f"cannot listen on {aws.HOST}:{self._requested_http_port} "
                               f"({error.strerror}); choose another with --http-port") from None

    def _choose_smtp_port(self) -> int:
        """The requested SMTP port, or any free one when it is taken (another runtime), as for
        moto: the summary says which."""
        port = self._requested_smtp_port
        if port and not aws.port_is_free(port):
            log.info("port %d is taken; SMTP listens on a free port instead", port)
            return 0
        return port

    def _start_moto(self) -> None:
        """moto, and every AWS client of this process pointed at it before any is created."""
        self._moto = aws.start_moto(self._requested_aws_port, self._after_aws_request)
        if self.enforce_iam:
            # Before any client is made: every botocore session checks its calls from now on.
            iam.install()
        self._saved_environ = dict(os.environ)
        aws.clear_conflicting_environment()
        os.environ.update(aws.client_environment(self._moto.endpoint_url))

    def _provision(self) -> None:
        """The account as template.yaml declares it, and the functions' environment."""
        self._parameters = self._template.parameter_defaults()
        self._parameters["PublicUrl"] = self.http_url
        # The number citizens text (POST /_local/sms plays the carrier, infra.local.sms_carrier).
        self._parameters["SmsOriginationNumbers"] = sms_carrier.LOCAL_NUMBER
        self.resources = aws.provision(self._template, self._parameters, self.state_dir)
        os.environ.update(aws.function_environment(self._template, self.resources,
                                                   self._parameters))
        os.environ.update(LOCAL_ONLY_ENVIRONMENT)
        self._ref = aws.reference_resolver(self.resources, self._parameters)
        try:
            specs = firehose.stream_specs(self._template)
        except firehose.FirehoseTemplateError as error:
            raise StartupError(f"template.yaml: {error}") from None
        for spec in specs:
            # Registered before anything publishes: an event SNS accepts is in the stream's log.
            arn = self.resources.delivery_streams[spec.logical_id]
            self._streams[arn] = firehose.LocalDeliveryStream(spec, self.state_dir,
                                                              self.archive_dir)
            firehose.register(arn, self._streams[arn])

    def _restore_state(self) -> None:
        """Last run's data (``infra.local.store``) loaded into moto, then every change moto
        makes recorded as it happens; then the event sources, which read the streams from the
        records put back (not delivered before the restart) onwards."""
        store = self._store = DurableStore(self.state_dir)
        definitions = self._template.table_definitions()
        store.import_snapshots(
            {logical_id: tuple(key["AttributeName"] for key in spec["KeySchema"])
             for logical_id, spec in definitions.items() if logical_id in self.resources.tables},
            self.resources.buckets)
        inverse = {"tables": {name: logical_id for logical_id, name in self.resources.tables.items()},
                   "buckets": {name: logical_id for logical_id, name in self.resources.buckets.items()},
                   "queues": {url.rsplit("/", 1)[-1]: logical_id
                              for logical_id, url in self.resources.queues.items()}}
        recorder = self._recorder = persistence.ChangeRecorder(
            store, aws.ACCOUNT_ID, aws.REGION, **inverse)
        self.restored = persistence.restore(
            store, recorder, aws.ACCOUNT_ID, aws.REGION, tables=self.resources.tables,
            buckets=self.resources.buckets, queues=self.resources.queues)
        persistence.activate(recorder)
        # A failed queue message is retried after the same short local delays as a stream
        # batch, not after the queue's visibility timeout (minutes).
        self._event_sources = EventSources.open(
            self._template, self.resources.tables, self.resources.queues, region=aws.REGION,
            retry_delays=self._retry_delays, queue_retry_delays=self._retry_delays,
            stream_start="TRIM_HORIZON")

    def _seed(self) -> None:
        """The layers on ``sys.path``, then the configuration (which overwrites only its own
        item) and the demo staff."""
        install_layers(list(dict.fromkeys(
            folder for spec in self._template.functions().values()
            for folder in self._template.layer_dirs(spec))))
        # Imported here: ``civicdesk`` lives in the layer folder just put on sys.path, and its
        # settings are read from the environment just set.
        from civicdesk import wiring
        from civicdesk.cli import seed

        wiring.reset()
        seed.seed(str(self._config_dir))
        self.open311_api_key = open311_demo.ensure_demo_key(self.state_dir)
        # Again at every start: moto's Cognito is not in the state directory.
        try:
            self.staff_pool, self.staff_client, self.demo_users = cognito.seed_demo_staff(
                _client("cognito-idp"), self._demo_users_file, self.resources.user_pools,
                self.resources.user_pool_clients, self._config_dir)
        except cognito.CognitoTemplateError as error:
            raise StartupError(str(error)) from None

    def _load_functions(self) -> None:
        """The functions, imported now so that an import error stops the start, not a
        request."""
        identities = self._iam_identities() if self.enforce_iam else {}
        for logical_id, spec in self._template.functions().items():
            handler = load_handler(spec, self._template.layer_dirs(spec))
            self._functions[logical_id] = LocalFunction(
                spec, handler, physical_name=f"{aws.NAME_PREFIX}-{logical_id}",
                region=aws.REGION, account_id=aws.ACCOUNT_ID,
                identity=identities.get(logical_id))

    def _iam_identities(self) -> dict[str, iam.FunctionIdentity]:
        """Each function's IAM statements, compiled once (``infra.local.iam``)."""
        ref = iam.policy_resolver(self.resources, self._ref, aws.REGION, aws.ACCOUNT_ID)
        arns = iam.ArnBuilder(aws.REGION, aws.ACCOUNT_ID,
                              secrets={arn.split(":", 6)[6].rsplit("-", 1)[0]: arn
                                       for arn in self.resources.secrets.values()},
                              mail_identities=tuple(self.resources.mail_identities))
        expression = iam.template_expressions(self._template, ref)
        identities = {}
        for logical_id in self._template.functions():
            try:
                policy = iam.compile_policy(self._template, logical_id, ref,
                                            account_id=aws.ACCOUNT_ID, name_prefix=aws.NAME_PREFIX)
            except ValueError as error:  # iam.PolicyTemplateError, or a value it cannot resolve
                raise StartupError(f"template.yaml: {logical_id}: {error}") from None
            identities[logical_id] = iam.FunctionIdentity(policy, arns, expression,
                                                          self._record_denial)
        return identities

    def _record_denial(self, denial: iam.Denial) -> None:
        """A call IAM would deny on AWS: kept for the tests and logged, since the function
        may swallow the error."""
        with self._denials_lock:
            self.iam_denials.append(denial)
        log.error("IAM: %s denied %s on %s (%s): %s", denial.function, denial.action,
                  denial.resource, denial.operation, denial.hint)

    def _set_up_mail_receiving(self) -> None:
        """The receipt rules, and the asynchronous invocation of the functions they invoke
        (retries, on-failure queue), as template.yaml configures them."""
        self.receipt_rules = receipt_rules(self._template, self._ref, self.resources.mail_identities)
        for rule in self.receipt_rules:
            if rule.function is None or rule.function in self._invokers:
                continue
            if rule.function not in self._functions:
                raise StartupError(f"template.yaml: receipt rule {rule.name} invokes "
                                   f"{rule.function!r}, which is not a function of the template")
            self._async_invoker(rule.function)

    def _set_up_schedules(self) -> None:
        """The template's schedules (``infra.local.schedules``), each target invoked
        asynchronously through its function's invoker, as Scheduler invokes Lambda."""
        try:
            schedules = load_schedules(
                self._template.schedules(), lambda value: self._template.resolve(value, self._ref),
                set(self._functions), name_prefix=aws.NAME_PREFIX, region=aws.REGION,
                account_id=aws.ACCOUNT_ID, now=utc_now())
        except ScheduleError as error:
            raise StartupError(f"template.yaml: {error}") from None
        for schedule in schedules:
            self._async_invoker(schedule.function)
        def submit(function: str, event, request_id: str) -> None:
            self._async_invoker(function).submit(event, request_id)

        # One-time schedules the functions create at run time (a campaign's send time).
        runtime = RuntimeSchedules(
            list(self.resources.schedule_groups.values()), lambda: _client("scheduler"),
            lambda: _client("sqs"), submit,
            {self._function_arn(f): f for f in self._functions}) \
            if self.resources.schedule_groups else None
        self.scheduler = Scheduler(schedules, submit, on_clock=self._run_schedules,
                                   runtime=runtime)
        for invoker in self._invokers.values():
            invoker.on_done = self.scheduler.completed

    def _async_invoker(self, logical_id: str) -> AsyncInvoker:
        """The asynchronous invoker of a function (one per function, shared by whatever
        invokes it so: SES's receipt rule, Scheduler), made on first use."""
        if logical_id not in self._invokers:
            self._invokers[logical_id] = AsyncInvoker(
                self._functions[logical_id],
                async_invoke_config(self._template, logical_id, self.resources.queues,
                                    self._retry_delays),
                function_arn=self._function_arn(logical_id) + ":$LATEST",
                sqs_client=lambda: _client("sqs"), name=logical_id, journal=self._store)
        return self._invokers[logical_id]

    def _start_background_work(self) -> None:
        """SES's event publishing (moto has none: each captured mail's delivery, bounce or
        complaint goes to the configuration set's topic), the outbox, the asynchronous invokers
        (with the events accepted before a restart) and the pollers."""
        sns = _client("sns")
        publisher = self._ses_events = ses_events.SesEventPublisher(
            self.resources.event_destinations,
            lambda topic_arn, message: sns.publish(TopicArn=topic_arn, Message=message),
            region=aws.REGION, account_id=aws.ACCOUNT_ID)
        self._outbox = Outbox(
            self.state_dir / "outbox", aws.take_sent_messages,
            message_id_domain=f"{aws.REGION}.amazonses.com", sms_source=aws.take_sent_sms,
            # The outbox captured a mail: publish what SES would report about it.
            on_mail=lambda message_id, raw, destinations: publisher.mail_sent(
                ses_events.sent_mail(message_id, raw, destinations)),
            # ... and an SMS: what the SMS service's delivery events would say of it.
            on_sms=sms_events.SmsEventPublisher(
                self.resources.topics.get(sms_events.TOPIC),
                lambda topic_arn, message: sns.publish(TopicArn=topic_arn, Message=message)).sms_sent)
        self._outbox.start()
        for stream in self._streams.values():
            stream.start()
        assert self._store is not None and self._event_sources is not None, \
            "the steps before make them"
        for invoker in self._invokers.values():
            invoker.start()
        # A stream's records leave the state directory once every mapping is done with them.
        self._event_sources.start(self._functions, function_arn=self._function_arn,
                                  stream_done=self._store.stream_done)
        if self.scheduler is not None:
            self.scheduler.start()

    def _open_api(self) -> None:
        """The API's routes, authorizers and gateway responses, and the local tools, behind
        the HTTP socket (which does not serve yet)."""
        http, outbox, publisher = self._http, self._outbox, self._ses_events
        assert http is not None and outbox is not None and publisher is not None, \
            "the steps before start them"
        template_routes = self._template.routes()
        routes = RouteTable(ApiRoute(r.path, r.method, r.function, r.authorizer, r.scopes)
                            for r in template_routes)
        scheduler = self.scheduler
        assert scheduler is not None, "_set_up_schedules made it"
        tools = LocalTools(case=inspection.case_with_timeline, quarantine=inspection.quarantine,
                           redrive=self._redrive, schedules=scheduler.listing,
                           archive_flush=self.flush_archive,
                           run_schedule=scheduler.run_now,
                           ses_event=lambda body: publisher.report_request(body, outbox.messages()),
                           sms=self._sms_carrier().request)
        authorize = RouteAuthorizer(
            cognito_authorizers(self._template, template_routes, self._ref),
            keys=JwksCache(lambda pool_id: f"{self.aws_url}/{pool_id}/.well-known/jwks.json"),
            is_client=PoolClients(list_pool_clients(_client("cognito-idp"))))
        http.frontend = Frontend(
            routes, self._template.api_path_patterns() or ["/v1/*"], self._functions,
            StaticSite(self._web_dir), outbox,
            account_id=aws.ACCOUNT_ID, tools=tools, authorize=authorize,
            gateway_responses=gateway_responses(self._template, template_routes, self._ref),
            media=PublicMedia(lambda: _client("s3"), self.resources.buckets["WebBucket"])
            if "WebBucket" in self.resources.buckets else None,
            store=StorePaths(self.aws_url))

    def _start_smtp(self, port: int) -> None:
        """SMTP for the receipt rules' recipients: store in S3, then invoke, as SES does."""
        if not self.receipt_rules:
            return
        s3 = _client("s3")
        receiver = SesReceiver(
            self.receipt_rules,
            store=lambda bucket, key, raw: s3.put_object(Bucket=bucket, Key=key, Body=raw),
            deliver=lambda logical_id, event: self._invokers[logical_id].submit(event),
            function_arn=self._function_arn)
        self._smtp = SmtpServer(receiver, aws.HOST, port)
        try:
            self._smtp.start()
        except OSError as error:
            self._smtp = None
            raise StartupError(f"cannot listen on {aws.HOST}:{port} for SMTP "
                               f"({error.strerror}); choose another with --smtp-port") from None

    def _open_doors(self) -> None:
        """The sign-in details first (whoever sees the runtime healthy finds them), then the
        HTTP server serves."""
        assert self._http is not None, "_listen_http made it"
        banner.write_local_info(self.local_info_path, banner.local_info(
            self.staff_pool, self.staff_client, self.aws_url, self.demo_users, banner.urls(self),
            config_dir=str(self._config_dir.resolve()), open311_api_key=self.open311_api_key))
        self._http_thread = threading.Thread(target=self._http.serve_forever,
                                             kwargs={"poll_interval": 0.1},
                                             name="civicdesk-http", daemon=True)
        self._http_thread.start()

    def _sms_carrier(self) -> sms_carrier.SmsCarrier:
        """``POST /_local/sms``: End User Messaging's message, published to InboundSmsTopic."""
        sns = _client("sns")
        return sms_carrier.SmsCarrier(
            self._ref("InboundSmsTopic"),
            lambda topic_arn, message: sns.publish(TopicArn=topic_arn, Message=message),
            own_numbers=(sms_carrier.LOCAL_NUMBER,))

    def _function_arn(self, logical_id: str) -> str:
        function = self._functions.get(logical_id)
        name = function.physical_name if function else f"{aws.NAME_PREFIX}-{logical_id}"
        return f"arn:aws:lambda:{aws.REGION}:{aws.ACCOUNT_ID}:function:{name}"

    def _redrive(self, max_messages: int, dry_run: bool) -> dict:
        """``POST /_local/redrive``: every on-failure queue, into its function's handler."""
        targets = [(invoker.function, invoker.config.on_failure_queue_url)
                   for invoker in self._invokers.values() if invoker.config.on_failure_queue_url]
        return redrive.replay(_client("sqs"), targets, max_messages=max_messages, dry_run=dry_run)

    def _after_aws_request(self, service: str | None) -> None:
        """After each request moto served, before its answer is sent: what it changed goes to
        the state directory, a mail or SMS it accepted to the outbox (so a crash right after
        loses neither)."""
        recorder = persistence.active()
        if recorder is not None:
            recorder.flush()
        if service in ("ses", "email", "sns") and self._outbox is not None:
            self._outbox.capture()
        if service == "sns":
            aws.forget_published_notifications()

    def stop(self, save: bool = True) -> None:
        """Close the doors, let running invocations finish, capture the last mail, stop moto,
        close the state directory, restore the environment. Safe to call twice. (Everything is
        on disk as it happens; ``save`` is kept for callers, a failed start passes ``False``.)"""
        if self._stopped:
            return
        self._stopped = True
        if self._http is not None:
            if self._http_thread is not None:
                self._http.shutdown()
                self._http_thread.join(timeout=2)
            self._http.server_close()
        if self._smtp is not None:
            self._smtp.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        for invoker in self._invokers.values():
            invoker.stop(timeout=10)
        if self._event_sources is not None:
            self._event_sources.stop()
        for function in self._functions.values():
            if not function.drain(timeout=5):
                log.warning("%s is still running; stopping without waiting for it",
                            function.spec.logical_id)
        try:
            if self._outbox is not None:
                self._outbox.stop()
        finally:
            if self._moto is not None:
                self._moto.stop()
            for arn, stream in self._streams.items():
                firehose.unregister(arn)
                try:
                    stream.stop()
                except Exception:  # noqa: BLE001 - the log keeps them for the next start
                    log.exception("%s: the buffered events stay in %s for the next start",
                                  stream.spec.logical_id, stream.wal_dir)
            if self._recorder is not None and persistence.active() is self._recorder:
                persistence.activate(None)
            if self._store is not None:
                self._store.close()
            if self._saved_environ is not None:
                os.environ.clear()
                os.environ.update(self._saved_environ)

    def __enter__(self) -> "LocalRuntime":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def summary(self) -> str:
        """What to tell the user once started (``infra.local.banner``)."""
        return banner.summary(self)
