"""The emulated AWS account: moto's server on 127.0.0.1 and what ``template.yaml`` provisions.

moto runs in server mode (a real HTTP endpoint) rather than as an in-process mock so that every
client, boto3's and PynamoDB's alike, and tools outside the process (the AWS CLI with
``--endpoint-url``) reach the same account. It still runs in *this* process, which lets the
runtime read what moto's SES accepted straight from its backend (the outbox).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from infra.local import firehose, messaging, secrets, ses_events
from infra.local.cognito import UserPool, UserPoolClient, UserPoolGroup, provision_user_pools
from infra.local.template import Template

REGION = "eu-central-1"
ACCOUNT_ID = DEFAULT_ACCOUNT_ID
HOST = "127.0.0.1"
#: Physical names are ``<prefix>-<LogicalId>``, as a stack named ``civicdesk-local`` would have.
NAME_PREFIX = "civicdesk-local"

log = logging.getLogger("civicdesk.local")



class StartupError(RuntimeError):
    """The runtime cannot start (a port taken, a template it cannot emulate...)."""


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether ``port`` can be bound now (with ``SO_REUSEADDR``, as the servers bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def client_environment(endpoint_url: str, environ: Any = os.environ) -> dict[str, str]:
    """Variables that point every AWS SDK client of this process at moto.

    botocore reads ``AWS_ENDPOINT_URL`` for every service, so boto3 and PynamoDB need no code
    change; they must be set before the first client is created. botocore also honours
    ``HTTP_PROXY``, so 127.0.0.1 is added to ``NO_PROXY`` for machines behind a proxy.
    """
    no_proxy = ",".join(filter(None, [environ.get("NO_PROXY") or environ.get("no_proxy"),
                                      HOST, "localhost"]))
    return {"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION, "NO_PROXY": no_proxy, "no_proxy": no_proxy}


def clear_conflicting_environment(environ: Any = os.environ) -> None:
    """Remove variables that would send clients elsewhere than moto (a profile that may not
    exist, a session token, per-service endpoints that override ``AWS_ENDPOINT_URL``)."""
    for name in list(environ):
        if name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                    "AWS_SECURITY_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") \
                or name.startswith("AWS_ENDPOINT_URL_"):
            del environ[name]


#: Held around every DynamoDB (and DynamoDB Streams) request moto serves, and by whatever in
#: this process touches moto's DynamoDB backend directly
#: (``infra.local.event_sources.moto_housekeeping``). moto's DynamoDB is not thread-safe: a
#: transaction deep-copies the table and, when a condition fails, puts that copy back, dropping
#: what other threads wrote meanwhile (and the copy itself fails with "dictionary changed size
#: during iteration" when another thread writes). The runtime's functions run in parallel
#: threads (the API, the stream and queue pollers), so DynamoDB calls are served one at a time,
#: as a single-node DynamoDB Local would.
DYNAMODB_LOCK = threading.RLock()


class _MutationRecorder:
    """WSGI middleware around moto: calls ``after_request(service)`` after each request, before
    the answer leaves the server (the runtime commits what the request changed to the state
    directory there, and captures sent mail). DynamoDB requests are served, and followed,
    under ``DYNAMODB_LOCK``."""

    def __init__(self, app: Callable, after_request: Callable[[str | None], None]):
        self._app = app
        self._after_request = after_request

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        service = _service(environ)
        if service == "dynamodb":
            # moto computes the whole response within the call; the body is sent after it.
            with DYNAMODB_LOCK:
                try:
                    return self._app(environ, start_response)
                finally:
                    self._after_request(service)
        try:
            return self._app(environ, start_response)
        finally:
            self._after_request(service)


def _service(environ: dict) -> str | None:
    """The signing name of the request's service (``dynamodb`` for DynamoDB Streams too)."""
    service = _signing_service(environ.get("HTTP_AUTHORIZATION", ""))
    if service is None and environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
        return "dynamodb"
    return service


def _signing_service(authorization: str) -> str | None:
    """``dynamodb`` from ``AWS4-HMAC-SHA256 Credential=AK/20261121/eu-central-1/dynamodb/...``."""
    marker = "Credential="
    start = authorization.find(marker)
    if start < 0:
        return None
    scope = authorization[start + len(marker):].split(",")[0].split("/")
    return scope[3] if len(scope) >= 5 else None


class MotoServer(ThreadedMotoServer):
    """moto's threaded server, bound to 127.0.0.1, that reports each request and fails loudly.

    ``ThreadedMotoServer.start`` waits forever when its socket cannot be bound (the error dies
    with the server thread); this subclass hands the error back. The server entry point is
    moto's own (pinned moto 5.2.1) with the ``_MutationRecorder`` around the WSGI app.
    """

    def __init__(self, port: int,
                 after_request: Callable[[str | None], None] = lambda service: None):
        super().__init__(ip_address=HOST, port=port, verbose=False)
        self._after_request = after_request
        self._startup_error: BaseException | None = None

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietRequestHandler(WSGIRequestHandler):
            """No access-log line per SDK call: the runtime logs the HTTP requests that matter."""

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        try:
            app = _MutationRecorder(DomainDispatcherApplication(create_backend_app),
                                    self._after_request)
            self._server = make_server(self._ip_address, self._port, app, threaded=True,
                                       request_handler=QuietRequestHandler)
        except BaseException as error:  # noqa: BLE001 - re-raised by start() in the caller
            self._startup_error = error
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.1)

    def start(self) -> None:
        super().start()
        if self._startup_error is not None:
            raise StartupError(f"moto cannot listen on {self._ip_address}:{self._port}: "
                               f"{self._startup_error}") from self._startup_error

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Empty every moto backend. They are module globals, so a second runtime in the same
        process (tests) would otherwise find the first one's tables and mail."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(request, timeout=10) as answer:
            answer.read()


def start_moto(port: int, after_request: Callable[[str | None], None] = lambda service: None
               ) -> MotoServer:
    """Start moto, empty, on ``port``, or on a free port when ``port`` is 0 or already taken
    (another local runtime, LocalStack...): clients find it through ``AWS_ENDPOINT_URL``."""
    if port and not port_is_free(port):
        log.info("port %d is taken; moto listens on a free port instead", port)
        port = 0
    server = MotoServer(port, after_request)
    server.start()
    server.reset()
    return server


@dataclass
class Resources:
    """Physical names of what was provisioned, by logical id."""

    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL (its !Ref)
    topics: dict[str, str] = field(default_factory=dict)  # logical id -> topic ARN (its !Ref)
    #: logical id (``<Topic>.Subscription<n>`` for a topic's inline ones) -> subscription ARN
    subscriptions: dict[str, str] = field(default_factory=dict)
    mail_identities: list[str] = field(default_factory=list)
    configuration_sets: dict[str, str] = field(default_factory=dict)  # logical id -> name
    #: The SES event destinations that publish to SNS (``infra.local.ses_events``).
    event_destinations: list[ses_events.EventDestination] = field(default_factory=list)
    user_pools: dict[str, "UserPool"] = field(default_factory=dict)
    user_pool_clients: dict[str, "UserPoolClient"] = field(default_factory=dict)
    user_pool_groups: dict[str, "UserPoolGroup"] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # logical id -> ARN (its !Ref)
    #: logical id -> ARN of the Firehose delivery streams (``infra.local.firehose``)
    delivery_streams: dict[str, str] = field(default_factory=dict)
    #: logical id -> name of the EventBridge Scheduler schedule groups (created in moto, where
    #: functions create one-time schedules at run time: ``infra.local.schedules``)
    schedule_groups: dict[str, str] = field(default_factory=dict)
    #: logical id -> ARN of the IAM roles (a role's ARN is passed to Scheduler; the local IAM
    #: check reads the role's statements from the template itself: ``infra.local.iam``)
    roles: dict[str, str] = field(default_factory=dict)

    def physical_name(self, logical_id: str) -> str | None:
        """What ``!Ref logical_id`` returns (CloudFormation's ``Ref`` of each type)."""
        cognito = (self.user_pools.get(logical_id) or self.user_pool_clients.get(logical_id)
                   or self.user_pool_groups.get(logical_id))
        if cognito is not None:
            return cognito.ref
        return (self.tables.get(logical_id) or self.buckets.get(logical_id)
                or self.queues.get(logical_id) or self.topics.get(logical_id)
                or self.subscriptions.get(logical_id)
                or self.configuration_sets.get(logical_id) or self.secrets.get(logical_id)
                or self.schedule_groups.get(logical_id)
                or (self.roles[logical_id].rsplit("/", 1)[-1] if logical_id in self.roles else None)
                or (self.delivery_streams[logical_id].rsplit("/", 1)[-1]
                    if logical_id in self.delivery_streams else None))

    def attribute(self, logical_id: str, name: str) -> str | None:
        """What ``!GetAtt logical_id.name`` returns, for the resources that have one locally."""
        cognito = (self.user_pools.get(logical_id) or self.user_pool_clients.get(logical_id)
                   or self.user_pool_groups.get(logical_id))
        if cognito is not None:
            return cognito.attributes().get(name)
        if logical_id in self.queues:
            queue_name = self.queues[logical_id].rsplit('/', 1)[-1]
            return {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}",
                    "QueueName": queue_name, "QueueUrl": self.queues[logical_id]}.get(name)
        if logical_id in self.delivery_streams and name == "Arn":
            return self.delivery_streams[logical_id]
        if logical_id in self.roles:
            return {"Arn": self.roles[logical_id],
                    "RoleId": self.roles[logical_id].rsplit("/", 1)[-1]}.get(name)
        if logical_id in self.schedule_groups and name == "Arn":
            return (f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule-group/"
                    f"{self.schedule_groups[logical_id]}")
        if logical_id in self.topics:
            return {"TopicArn": self.topics[logical_id],
                    "TopicName": self.topics[logical_id].rsplit(":", 1)[-1]}.get(name)
        return None


def physical_table_name(logical_id: str) -> str:
    return f"{NAME_PREFIX}-{logical_id}"


def physical_bucket_name(logical_id: str) -> str:
    # Bucket names are lower case only.
    return f"{NAME_PREFIX}-{logical_id.lower()}"


def provision(template: Template, parameters: dict[str, Any],
              state_dir: Path | None = None) -> Resources:
    """Create every table, bucket, queue, topic (with its subscriptions) and Cognito user pool
    (with its app clients and groups) ``template`` declares; verify its SES identities.

    Tables get the template's key schema, indexes, stream and TTL attribute; moto ignores
    billing, encryption and point-in-time recovery, so they are not passed. SES identities are
    *verified* (moto refuses to send from an unverified one; in AWS that is the DKIM records).
    User pools are translated by ``infra.local.cognito``; their users are not template
    resources (the runtime creates the demo users after provisioning). Queues, topics,
    subscriptions and their policies by ``infra.local.messaging`` (dead-letter queues first).
    SES configuration sets and their event destinations by ``infra.local.ses_events`` (moto
    keeps them but publishes no event; the runtime does, as mail is sent). Secrets by
    ``infra.local.secrets``, their generated values kept in ``state_dir`` when there is one.
    """
    import boto3

    resources = Resources()
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for logical_id, definition in template.table_definitions().items():
        name = physical_table_name(logical_id)
        dynamodb.create_table(TableName=name, **definition)
        ttl = template.ttl_attribute(logical_id)
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": ttl})
        resources.tables[logical_id] = name

    s3 = boto3.client("s3", region_name=REGION)
    for logical_id in template.of_type("AWS::S3::Bucket"):
        name = physical_bucket_name(logical_id)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        resources.buckets[logical_id] = name

    try:
        resources.secrets = secrets.provision_secrets(
            template, boto3.client("secretsmanager", region_name=REGION), NAME_PREFIX, state_dir)
    except secrets.SecretTemplateError as error:
        raise StartupError(f"template.yaml: {error}") from None

    # SES configuration sets before the topics: a topic's policy names its set.
    ses = boto3.client("ses", region_name=REGION)
    resources.configuration_sets.update(ses_events.provision_configuration_sets(
        template, reference_resolver(resources, parameters), ses, NAME_PREFIX))

    # Firehose streams are emulated by the runtime (``infra.local.firehose``); their ARNs are
    # known before the subscriptions that name them.
    for logical_id in template.of_type(firehose.DELIVERY_STREAM):
        resources.delivery_streams[logical_id] = firehose.stream_arn(
            REGION, ACCOUNT_ID, f"{NAME_PREFIX}-{logical_id}")

    # Roles are not created (nothing locally assumes them); their ARNs are known by name.
    for logical_id in template.of_type("AWS::IAM::Role"):
        resources.roles[logical_id] = f"arn:aws:iam::{ACCOUNT_ID}:role/{NAME_PREFIX}-{logical_id}"
    scheduler = boto3.client("scheduler", region_name=REGION)
    for logical_id in template.of_type("AWS::Scheduler::ScheduleGroup"):
        name = f"{NAME_PREFIX}-{logical_id}"
        scheduler.create_schedule_group(Name=name)
        resources.schedule_groups[logical_id] = name

    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    messages_ref = reference_resolver(resources, parameters)
    try:
        messaging.provision_queues(template, messages_ref, sqs, resources.queues, NAME_PREFIX)
        messaging.provision_topics(template, messages_ref, sns, resources.topics, NAME_PREFIX)
        resources.subscriptions.update(
            messaging.provision_subscriptions(template, messages_ref, sns))
        messaging.apply_policies(template, messages_ref, sqs, sns)
    except messaging.MessagingTemplateError as error:
        raise StartupError(f"template.yaml: {error}") from None

    ref = reference_resolver(resources, parameters)
    resources.event_destinations = ses_events.provision_event_destinations(template, ref, ses)
    for resource in template.of_type("AWS::SES::EmailIdentity").values():
        identity = str(template.resolve(resource["Properties"]["EmailIdentity"], ref))
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        resources.mail_identities.append(identity)

    cognito = provision_user_pools(template, ref, boto3.client("cognito-idp", region_name=REGION))
    resources.user_pools, resources.user_pool_clients, resources.user_pool_groups = cognito
    return resources


def reference_resolver(resources: Resources, parameters: dict[str, Any]) -> Callable[[str], str]:
    """``!Ref``/``!GetAtt``/``${}`` resolution: provisioned names and attributes (``X.Arn``),
    parameters, pseudo parameters."""
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
              "AWS::StackName": NAME_PREFIX, "AWS::URLSuffix": "amazonaws.com"}

    def ref(name: str) -> str:
        physical = resources.physical_name(name)
        if physical is not None:
            return physical
        if name in parameters and parameters[name] is not None:
            return str(parameters[name])
        if name in pseudo:
            return pseudo[name]
        logical_id, dot, attribute = name.partition(".")
        if dot and not logical_id.startswith("AWS::"):
            value = resources.attribute(logical_id, attribute)
            if value is not None:
                return value
        raise StartupError(f"template.yaml: cannot resolve {name!r} locally (neither a "
                           f"provisioned resource or attribute nor a parameter with a value)")

    return ref


def function_environment(template: Template, resources: Resources,
                         parameters: dict[str, Any]) -> dict[str, str]:
    """Every function's ``Environment`` (Globals + its own), references resolved, merged.

    All functions share one process and therefore one environment; the template gives them the
    same variables apart from ``POWERTOOLS_SERVICE_NAME``, which each function's module gets for
    itself while it is imported (``infra.local.lambdas.load_module``), so the merge is faithful.
    """
    ref = reference_resolver(resources, parameters)
    environment: dict[str, str] = {}
    for spec in template.functions().values():
        for name, value in spec.environment.items():
            environment[name] = str(template.resolve(value, ref))
    return environment


def sent_messages() -> list:
    """What moto's SES (v1 and v2 alike) has accepted so far, oldest first."""
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT_ID][REGION].sent_messages)


_TAKE_LOCK = threading.Lock()


def take_sent_messages() -> list:
    """What moto's SES accepted since the last call, oldest first, removed from moto (the
    outbox keeps them on disk; moto would keep every mail in memory)."""
    from moto.ses.models import ses_backends

    backend = ses_backends[ACCOUNT_ID][REGION]
    with _TAKE_LOCK:
        taken = list(backend.sent_messages)
        del backend.sent_messages[:len(taken)]
    return taken


def forget_published_notifications() -> None:
    """Empty each topic's record of what was published to it: moto keeps every message ever
    published (for tests that inspect it); the runtime's subscribers have had theirs."""
    from moto.sns.models import sns_backends

    for topic in list(sns_backends[ACCOUNT_ID][REGION].topics.values()):
        del topic.sent_notifications[:]


def take_sent_sms() -> list[dict]:
    """Like ``sent_sms``, for the SMS accepted since the last call, removed from moto."""
    from moto.sns.models import sns_backends

    backend = sns_backends[ACCOUNT_ID][REGION]
    with _TAKE_LOCK:
        taken = sent_sms()
        attributes = backend.__dict__.get(_SMS_ATTRIBUTES, {})
        for sms in taken:
            backend.sms_messages.pop(sms["id"], None)
            attributes.pop(sms["id"], None)
    return taken


def sent_sms() -> list[dict]:
    """What moto's SNS has accepted as SMS (``Publish`` to a ``PhoneNumber``), oldest first:
    ``{"id", "to", "text", "attributes"}``, the attributes as ``{name: {"Type", "Value"}}``."""
    from moto.sns.models import sns_backends

    backend = sns_backends[ACCOUNT_ID][REGION]
    attributes = backend.__dict__.get(_SMS_ATTRIBUTES, {})
    return [{"id": message_id, "to": number, "text": text,
             "attributes": attributes.get(message_id, {})}
            for message_id, (number, text) in list(backend.sms_messages.items())]


#: Where ``_keep_sms_attributes`` leaves them, on each SNS backend (so moto's reset drops them).
_SMS_ATTRIBUTES = "_civicdesk_sms_attributes"


def _keep_sms_attributes() -> None:
    """Make moto's SNS remember the ``MessageAttributes`` of each SMS it accepts.

    moto (pinned 5.2.1) keeps only the number and the text of an SMS and drops the attributes,
    and the outbox should show the sender id and SMS type a function set. ``SNSBackend.publish``
    is wrapped once, when this module is imported (before moto serves a request); it behaves
    as before and only records, by message id, what moto's response layer passed it.
    """
    from functools import wraps

    from moto.sns.models import SNSBackend

    original = SNSBackend.publish
    if getattr(original, "keeps_sms_attributes", False):
        return

    @wraps(original)
    def publish(self: Any, *args: Any, **kwargs: Any) -> str:
        message_id = original(self, *args, **kwargs)
        if kwargs.get("phone_number"):
            self.__dict__.setdefault(_SMS_ATTRIBUTES, {})[message_id] = dict(
                kwargs.get("message_attributes") or {})
        return message_id

    publish.keeps_sms_attributes = True  # type: ignore[attr-defined]
    SNSBackend.publish = publish  # type: ignore[method-assign]


_keep_sms_attributes()


def _stop_tracking_model_instances() -> None:
    """Make moto forget the model objects it creates once nothing else holds them.

    moto (pinned 5.2.1) appends every instance of a model class -- each DynamoDB ``Item``, each
    stream record, each SQS message, and each *copy* of one, since ``copy.deepcopy`` goes through
    ``__new__`` too -- to a class-level list, for its ``/moto-api/data.json`` view, and empties
    it only on a reset. Every write creates some (``UpdateItem`` deep-copies the item, a
    transaction used to deep-copy the whole table), so the runtime's memory grew with every
    write and never shrank: measured with ``tracemalloc``, this list held nearly all of it.
    ``BaseModel.__new__`` is replaced, once, by the same allocation without the tracking.
    """
    from moto.core.common_models import BaseModel

    if getattr(BaseModel.__new__, "untracked", False):
        return

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - the dunder itself
        return super(BaseModel, cls).__new__(cls)

    __new__.untracked = True  # type: ignore[attr-defined]
    BaseModel.__new__ = staticmethod(__new__)  # type: ignore[assignment, method-assign]
    from moto.core.model_instances import reset_model_data

    reset_model_data()


_stop_tracking_model_instances()


def _record_changes_for_the_state_directory() -> None:
    """moto's models report their changes (``infra.local.persistence``), a transaction costs
    the items it writes and a query the partition it reads, not the table; wrapped once, when
    this module is imported."""
    from infra.local import persistence

    persistence.transactions_roll_back_by_item()
    persistence.queries_read_their_partition()
    persistence.install()


_record_changes_for_the_state_directory()
