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

import logging
import os
import threading
from pathlib import Path

from infra.local import aws, cognito, inspection, redrive, ses_events, state
from infra.local.apigateway import ApiRoute, GatewayResponses, RouteTable
from infra.local.asyncinvoke import LOCAL_RETRY_DELAYS, AsyncInvoker, async_invoke_config
from infra.local.authorizer import (CognitoAuthorizer, JwksCache, PoolClients, PoolRef,
                                    RouteAuthorizer, list_pool_clients)
from infra.local.aws import StartupError
from infra.local.lambdas import LocalFunction, install_layers, load_handler
from infra.local.outbox import Outbox
from infra.local.server import Frontend, LocalHttpServer, LocalTools, RequestHandler
from infra.local.smtp import ReceiptRule, SesReceiver, SmtpServer, receipt_rules
from infra.local.static import StaticSite
from infra.local.state import RestoreSummary, Snapshotter, StateStore
from infra.local.streams import EventSources
from infra.local.template import ROOT, Route, Template

log = logging.getLogger("civicdesk.local")

DEFAULT_HTTP_PORT = 8000
DEFAULT_AWS_PORT = 4566
DEFAULT_SMTP_PORT = 2525
DEFAULT_STATE_DIR = state.DEFAULT_STATE_DIR
CONFIG_DIR = ROOT / "infra" / "config"
WEB_DIR = ROOT / "web"
#: Powertools' tracer would send segments to an X-Ray daemon that does not run locally.
LOCAL_ONLY_ENVIRONMENT = {"POWERTOOLS_TRACE_DISABLED": "true"}


class LocalRuntime:
    """CivicDesk on 127.0.0.1: call ``start()``, then ``stop()`` (or use it as a context
    manager). Port 0 picks a free port; ``http_url`` and ``aws_url`` tell which."""

    def __init__(self, http_port: int = DEFAULT_HTTP_PORT, aws_port: int = DEFAULT_AWS_PORT,
                 state_dir: Path | str = DEFAULT_STATE_DIR, *, template: Template | None = None,
                 config_dir: Path = CONFIG_DIR, web_dir: Path = WEB_DIR,
                 snapshot_interval: float = 2.0, smtp_port: int = DEFAULT_SMTP_PORT,
                 retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS,
                 demo_users: Path = cognito.DEMO_USERS):
        self.state_dir = Path(state_dir).resolve()
        self._requested_http_port = http_port
        self._requested_aws_port = aws_port
        self._requested_smtp_port = smtp_port
        self._retry_delays = tuple(retry_delays)
        self._template = template or Template()
        self._config_dir = Path(config_dir)
        self._web_dir = Path(web_dir)
        self._snapshot_interval = snapshot_interval
        self._http: LocalHttpServer | None = None
        self._http_thread: threading.Thread | None = None
        self._moto: aws.MotoServer | None = None
        self._outbox: Outbox | None = None
        self._ses_events: ses_events.SesEventPublisher | None = None
        self._snapshotter: Snapshotter | None = None
        self._functions: dict[str, LocalFunction] = {}
        self._invokers: dict[str, AsyncInvoker] = {}
        self._event_sources: EventSources | None = None
        self._smtp: SmtpServer | None = None
        self.receipt_rules: list[ReceiptRule] = []
        self._saved_environ: dict[str, str] | None = None
        self._stopped = False
        self.resources = aws.Resources()
        self.restored = RestoreSummary()
        self._demo_users_file = Path(demo_users)
        #: The pool the demo staff sign in to, its app client, and the demo staff.
        self.staff_pool: cognito.UserPool | None = None
        self.staff_client: cognito.UserPoolClient | None = None
        self.demo_users: tuple[cognito.DemoUser, ...] = ()

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
        # 1. The HTTP socket first: the portal's address is part of the functions' environment
        #    (tracking links in mails), so its port must be known before they are configured.
        try:
            self._http = LocalHttpServer((aws.HOST, self._requested_http_port), RequestHandler)
        except OSError as error:
            raise StartupError(f"cannot listen on {aws.HOST}:{self._requested_http_port} "
                               f"({error.strerror}); choose another with --http-port") from None

        # 2. moto, and every AWS client of this process pointed at it before any is created.
        #    The SMTP port is chosen now too; when the default one is taken (another runtime),
        #    any free port, as for moto: the summary says which.
        smtp_port = self._requested_smtp_port
        if smtp_port and not aws.port_is_free(smtp_port):
            log.info("port %d is taken; SMTP listens on a free port instead", smtp_port)
            smtp_port = 0
        self._moto = aws.start_moto(self._requested_aws_port, self._on_aws_write)
        self._saved_environ = dict(os.environ)
        aws.clear_conflicting_environment()
        os.environ.update(aws.client_environment(self._moto.endpoint_url))

        # 3. The account as template.yaml declares it, and the functions' environment.
        parameters = self._template.parameter_defaults()
        parameters["PublicUrl"] = self.http_url
        self.resources = aws.provision(self._template, parameters)
        os.environ.update(aws.function_environment(self._template, self.resources, parameters))
        os.environ.update(LOCAL_ONLY_ENVIRONMENT)

        # 4. Last run's data, then the configuration (which overwrites only its own item).
        import boto3

        store = StateStore(self.state_dir, boto3.client("dynamodb", region_name=aws.REGION),
                           boto3.client("s3", region_name=aws.REGION),
                           self.resources.tables, self.resources.buckets)
        self.restored = store.restore()
        # Streams are read from here on: the restore's INSERT records are not changes.
        # A failed queue message is retried after the same short local delays as a stream
        # batch, not after the queue's visibility timeout (minutes).
        self._event_sources = EventSources.open(
            self._template, self.resources.tables, self.resources.queues, region=aws.REGION,
            retry_delays=self._retry_delays, queue_retry_delays=self._retry_delays)
        self._snapshotter = Snapshotter(store, self._snapshot_interval)
        functions = self._template.functions()
        install_layers(self._layer_dirs(functions.values()))
        self._seed()
        self._seed_staff()

        # 5. The functions, imported now so that an import error stops the start, not a request.
        for logical_id, spec in functions.items():
            handler = load_handler(spec, self._template.layer_dirs(spec))
            self._functions[logical_id] = LocalFunction(
                spec, handler, physical_name=f"{aws.NAME_PREFIX}-{logical_id}",
                region=aws.REGION, account_id=aws.ACCOUNT_ID)

        # 6. SES receiving: the receipt rules, and the asynchronous invocation of the functions
        #    they invoke (retries, on-failure queue), as template.yaml configures them.
        self.receipt_rules = receipt_rules(
            self._template, aws.reference_resolver(self.resources, parameters),
            self.resources.mail_identities)
        for rule in self.receipt_rules:
            if rule.function is None or rule.function in self._invokers:
                continue
            if rule.function not in self._functions:
                raise StartupError(f"template.yaml: receipt rule {rule.name} invokes "
                                   f"{rule.function!r}, which is not a function of the template")
            function = self._functions[rule.function]
            self._invokers[rule.function] = AsyncInvoker(
                function, async_invoke_config(self._template, rule.function,
                                              self.resources.queues, self._retry_delays),
                function_arn=self._function_arn(rule.function) + ":$LATEST",
                sqs_client=lambda: boto3.client("sqs", region_name=aws.REGION),
                after_invoke=self._save_if_dirty, name=rule.function)

        # 7. Outbox, snapshots, and finally the doors open.
        # SES's event publishing (moto has none): each captured mail's delivery, bounce or
        # complaint goes to the configuration set's topic, as SES would publish it.
        sns = boto3.client("sns", region_name=aws.REGION)
        self._ses_events = ses_events.SesEventPublisher(
            self.resources.event_destinations,
            lambda topic_arn, message: sns.publish(TopicArn=topic_arn, Message=message),
            region=aws.REGION, account_id=aws.ACCOUNT_ID)
        self._outbox = Outbox(self.state_dir / "outbox", aws.sent_messages,
                              message_id_domain=f"{aws.REGION}.amazonses.com",
                              sms_source=aws.sent_sms, on_mail=self._mail_sent)
        self._outbox.start()
        self._snapshotter.start()
        for invoker in self._invokers.values():
            invoker.start()
        # The pollers' invocations are saved on the snapshot thread: the next record or
        # message does not wait for a full snapshot.
        self._event_sources.start(self._functions, function_arn=self._function_arn,
                                  after_invoke=self._snapshotter.request_save)
        template_routes = self._template.routes()
        routes = RouteTable(ApiRoute(r.path, r.method, r.function, r.authorizer, r.scopes)
                            for r in template_routes)
        tools = LocalTools(case=inspection.case_with_timeline, quarantine=inspection.quarantine,
                           redrive=self._redrive, ses_event=self._ses_event)
        ref = aws.reference_resolver(self.resources, parameters)
        cognito_client = boto3.client("cognito-idp", region_name=aws.REGION)
        authorize = RouteAuthorizer(
            self._authorizers(template_routes, ref),
            keys=JwksCache(lambda pool_id: f"{self.aws_url}/{pool_id}/.well-known/jwks.json"),
            is_client=PoolClients(list_pool_clients(cognito_client)))
        self._http.frontend = Frontend(routes, self._template.api_path_patterns() or ["/v1/*"],
                                       self._functions, StaticSite(self._web_dir),
                                       self._outbox, self._snapshotter.save_if_dirty,
                                       account_id=aws.ACCOUNT_ID, tools=tools,
                                       authorize=authorize,
                                       gateway_responses=self._gateway_responses(
                                           template_routes, ref))
        if self.receipt_rules:
            s3 = boto3.client("s3", region_name=aws.REGION)
            receiver = SesReceiver(
                self.receipt_rules,
                store=lambda bucket, key, raw: s3.put_object(Bucket=bucket, Key=key, Body=raw),
                deliver=lambda logical_id, event: self._invokers[logical_id].submit(event),
                function_arn=self._function_arn, after_store=self._save_if_dirty)
            self._smtp = SmtpServer(receiver, aws.HOST, smtp_port)
            try:
                self._smtp.start()
            except OSError as error:
                self._smtp = None
                raise StartupError(f"cannot listen on {aws.HOST}:{smtp_port} for SMTP "
                                   f"({error.strerror}); choose another with --smtp-port") from None
        # Before the doors open: whoever sees the runtime healthy finds the sign-in details.
        cognito.write_local_info(self.local_info_path, cognito.local_info(
            self.staff_pool, self.staff_client, self.aws_url, self.demo_users, self._urls(),
            config_dir=str(self._config_dir.resolve())))
        self._http_thread = threading.Thread(target=self._http.serve_forever,
                                             kwargs={"poll_interval": 0.1},
                                             name="civicdesk-http", daemon=True)
        self._http_thread.start()

    # -- the API's authorizers and gateway responses, as template.yaml declares them ---------

    def _authorizers(self, routes: list[Route], ref) -> dict[str, CognitoAuthorizer]:
        """The Cognito authorizers the routes use, their user pools resolved. Any other kind
        (Lambda authorizers, AWS_IAM) cannot be emulated: better not to start than to serve
        those routes unguarded."""
        found: dict[str, CognitoAuthorizer] = {}
        for route in routes:
            if route.authorizer is None:
                continue
            spec = self._template.authorizers(route.api).get(route.authorizer)
            where = f"template.yaml: {route.function}.{route.event}"
            if spec is None:
                raise StartupError(f"{where} names the authorizer {route.authorizer!r}, which "
                                   f"its API does not declare")
            if spec.kind != "cognito":
                raise StartupError(f"{where}: the {spec.kind} authorizer {spec.name!r} cannot "
                                   f"be emulated locally (only Cognito user pool authorizers)")
            pools = []
            for arn in spec.user_pool_arns:
                try:
                    region, pool_id = cognito.parse_user_pool_arn(
                        str(self._template.resolve(arn, ref)))
                except cognito.CognitoTemplateError as error:
                    raise StartupError(f"{where}: {error}") from None
                pools.append(PoolRef(pool_id, region))
            authorizer = CognitoAuthorizer(spec.name, tuple(pools), spec.identity_header)
            if found.setdefault(spec.name, authorizer) != authorizer:
                raise StartupError(f"template.yaml: two APIs declare different authorizers "
                                   f"named {spec.name!r}; the local runtime serves one API")
        return found

    def _gateway_responses(self, routes: list[Route], ref) -> GatewayResponses:
        apis = sorted({route.api for route in routes if route.api is not None})
        if len(apis) > 1:
            log.warning("template.yaml declares %d APIs; gateway responses are those of %s",
                        len(apis), apis[0])
        definitions = self._template.gateway_responses(apis[0] if apis else None)
        return GatewayResponses(self._template.resolve_deep(definitions, ref))

    def _seed_staff(self) -> None:
        """The demo staff, in the pool they belong in (again at every start: moto's Cognito is
        not in the state directory)."""
        import boto3

        from civicdesk.cli.staff import known_departments

        demo = cognito.load_demo_staff(self._demo_users_file)
        try:
            pool = cognito.demo_pool(demo, self.resources.user_pools)
            if pool is None:
                return
            clients = [c for c in self.resources.user_pool_clients.values()
                       if c.user_pool_id == pool.pool_id]
            self.staff_client = next((c for c in clients if {"ALLOW_USER_PASSWORD_AUTH",
                                                             "USER_PASSWORD_AUTH"}
                                      & set(c.auth_flows)), clients[0] if clients else None)
            cognito.create_demo_staff(boto3.client("cognito-idp", region_name=aws.REGION), pool,
                                      demo.users, known_departments(self._config_dir))
        except cognito.CognitoTemplateError as error:
            raise StartupError(str(error)) from None
        self.staff_pool, self.demo_users = pool, demo.users

    def _urls(self) -> dict[str, str]:
        url = self.http_url
        urls = {"portal": f"{url}/", "api": f"{url}/v1/", "outbox": f"{url}/_local/outbox.html",
                "aws": self.aws_url}
        if self._smtp is not None:
            host, port = self.smtp_address
            urls["smtp"] = f"smtp://{host}:{port}"
        return urls

    def _function_arn(self, logical_id: str) -> str:
        function = self._functions.get(logical_id)
        name = function.physical_name if function else f"{aws.NAME_PREFIX}-{logical_id}"
        return f"arn:aws:lambda:{aws.REGION}:{aws.ACCOUNT_ID}:function:{name}"

    def _save_if_dirty(self) -> None:
        if self._snapshotter is not None:
            self._snapshotter.save_if_dirty()

    def _redrive(self, max_messages: int, dry_run: bool) -> dict:
        """``POST /_local/redrive``: every on-failure queue, into its function's handler."""
        import boto3

        targets = [(invoker.function, invoker.config.on_failure_queue_url)
                   for invoker in self._invokers.values()
                   if invoker.config.on_failure_queue_url]
        return redrive.replay(boto3.client("sqs", region_name=aws.REGION), targets,
                              max_messages=max_messages, dry_run=dry_run)

    def _mail_sent(self, message_id: str, raw: bytes, destinations: list[str]) -> None:
        """The outbox captured a mail: publish what SES would report about it."""
        if self._ses_events is not None:
            self._ses_events.mail_sent(ses_events.sent_mail(message_id, raw, destinations))

    def _ses_event(self, body: bytes) -> dict:
        """``POST /_local/ses-events``: make a sent mail bounce, complain or be delivered."""
        message_id, event_type, recipient = ses_events.parse_request(body)
        entry = next((e for e in (self._outbox.messages() if self._outbox else [])
                      if e["id"] == message_id), None)
        if entry is None or self._ses_events is None:
            raise LookupError(f"no mail {message_id} in the outbox")
        published = self._ses_events.report(ses_events.sent_mail_of_entry(entry), event_type,
                                            recipient)
        return {"published": published}

    def _layer_dirs(self, specs) -> list[Path]:
        seen: dict[Path, None] = {}
        for spec in specs:
            seen.update(dict.fromkeys(self._template.layer_dirs(spec)))
        return list(seen)

    def _seed(self) -> None:
        # Imported here: ``civicdesk`` lives in the layer folder just put on sys.path, and its
        # settings are read from the environment just set.
        from civicdesk import wiring
        from civicdesk.cli import seed

        wiring.reset()
        seed.seed(str(self._config_dir))

    def _on_aws_write(self) -> None:
        if self._snapshotter is not None:
            self._snapshotter.mark_dirty()

    def stop(self, save: bool = True) -> None:
        """Close the doors, let running invocations finish, capture the last mail, write the
        final snapshot, stop moto, restore the environment. Safe to call twice."""
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
            if self._snapshotter is not None and save:
                self._snapshotter.stop()
        finally:
            if self._moto is not None:
                self._moto.stop()
            if self._saved_environ is not None:
                os.environ.clear()
                os.environ.update(self._saved_environ)

    def __enter__(self) -> "LocalRuntime":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what to tell the user -----------------------------------------------------------------

    def _smtp_summary(self) -> list[str]:
        if self._smtp is None:
            return []
        host, port = self.smtp_address
        domains = ", ".join(dict.fromkeys(r for rule in self.receipt_rules
                                          for r in rule.recipients)) or "-"
        return [f"  Mail in (SMTP)   {host}:{port}   (for @{domains}; stored in the mail bucket, "
                f"then the ingest function)"]

    def _staff_summary(self) -> list[str]:
        pool, client = self.staff_pool, self.staff_client
        if pool is None:
            return []
        # The commands name the state directory only when it is not the default one.
        other_dir = None if self.state_dir == DEFAULT_STATE_DIR.resolve() else self.state_dir
        lines = [f"  Staff sign-in    Cognito user pool {pool.pool_id} ({pool.logical_id}), "
                 f"app client {client.client_id if client else '-'}",
                 f"                   on {self.aws_url} (moto; issuer {pool.issuer})"]
        if self.demo_users:
            lines.append("  Demo staff       (demo passwords: this runtime listens on 127.0.0.1 "
                         "only)")
            for user in self.demo_users:
                roles = ", ".join(user.roles)
                if user.departments:
                    roles += f" ({', '.join(user.departments)})"
                lines.append(f"                   {user.username:<20} {roles:<48} {user.password}")
            first = self.demo_users[0]
            command = cognito.token_command(first.username, other_dir)
            lines += [
                f"  ID token         {command}   (prints it; send it as Authorization)",
                f"                   e.g. curl -H \"Authorization: $({command})\" "
                f"{self.http_url}/v1/admin/me",
            ]
            if client is not None:
                lines.append("                   or: " + cognito.cli_token_command(
                    self.aws_url, pool.region, client.client_id, first.username, first.password))
        state_option = f" --state-dir {other_dir}" if other_dir is not None else ""
        lines += [f"  New staff        PYTHONPATH=functions/shared python -m civicdesk.cli.staff "
                  f"create --local{state_option} --username U --email E --name N --role R "
                  f"[--department D] [--password P]   (until the runtime stops)",
                  f"  Sign-in details  {self.local_info_path}"]
        return lines

    def summary(self) -> str:
        url = self.http_url
        mails = len(self._outbox.messages()) if self._outbox else 0
        texts = len(self._outbox.sms_messages()) if self._outbox else 0
        tables = ", ".join(self.resources.tables.values()) or "-"
        buckets = ", ".join(self.resources.buckets.values()) or "-"
        identities = ", ".join(self.resources.mail_identities) or "-"
        return "\n".join([
            "",
            "CivicDesk is running locally: the Lambda handlers of template.yaml against moto.",
            "",
            f"  Citizen portal   {url}/",
            f"  API              {url}/v1/   (e.g. {url}/v1/public/municipality)",
            f"  API docs         {url}/api.html   (OpenAPI: {url}/v1/openapi.json)",
            f"  Outbox           {url}/_local/outbox.html   (JSON: {url}/_local/outbox)",
            *self._smtp_summary(),
            f"  Inspect          {url}/_local/cases/<number>   {url}/_local/quarantine",
            f"  Failed mail      POST {url}/_local/redrive   (or: python -m infra.local.redrive "
            f"--url {url})",
            f"  SES events       each sent mail is reported delivered (bounce@ and complaint@"
            f"{ses_events.SIMULATOR_DOMAIN} bounce, complain); make any bounce: POST "
            f"{url}/_local/ses-events {{\"message_id\": ..., \"type\": \"bounce\"}}",
            f"  AWS (moto)       {self.aws_url}   (AWS_ENDPOINT_URL; region {aws.REGION}, "
            f"any credentials)",
            f"  State            {self.state_dir}   (delete it to start from scratch)",
            *self._staff_summary(),
            "",
            f"  Tables: {tables}   Buckets: {buckets}   Mail domain: {identities}",
            f"  Restored {self.restored.items} items, {self.restored.objects} objects; "
            f"{mails} mails and {texts} SMS in the outbox.",
            "",
            "Press Ctrl-C to stop.",
            "",
        ])

