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

from infra.local import messaging, secrets, ses_events
from infra.local.cognito import UserPool, UserPoolClient, UserPoolGroup, provision_user_pools
from infra.local.template import Template

REGION = "eu-central-1"
ACCOUNT_ID = DEFAULT_ACCOUNT_ID
HOST = "127.0.0.1"
#: Physical names are ``<prefix>-<LogicalId>``, as a stack named ``civicdesk-local`` would have.
NAME_PREFIX = "civicdesk-local"

log = logging.getLogger("civicdesk.local")

#: DynamoDB operations that change nothing (``X-Amz-Target: DynamoDB_20120810.<Operation>``).
_READ_OPERATION_PREFIXES = ("Get", "BatchGet", "TransactGet", "Query", "Scan", "Describe", "List")
#: The services whose data the state directory keeps; a write to any other marks nothing dirty.
_PERSISTED_SERVICES = ("dynamodb", "s3")


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
    """WSGI middleware around moto: calls ``on_mutation`` after each request that may have
    changed persisted data, so the state directory is written only when something changed.
    DynamoDB requests are served under ``DYNAMODB_LOCK``."""

    def __init__(self, app: Callable, on_mutation: Callable[[], None]):
        self._app = app
        self._on_mutation = on_mutation

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if _is_dynamodb(environ):
            # moto computes the whole response within the call.
            with DYNAMODB_LOCK:
                response = self._app(environ, start_response)
        else:
            response = self._app(environ, start_response)
        # After the call: moto has applied the change by now, so a snapshot that clears the
        # flag next cannot miss it.
        if _may_mutate(environ):
            self._on_mutation()
        return response


def _is_dynamodb(environ: dict) -> bool:
    """A DynamoDB or DynamoDB Streams request (both sign as ``dynamodb``)."""
    service = _signing_service(environ.get("HTTP_AUTHORIZATION", ""))
    return service == "dynamodb" or (
        service is None and environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"))


def _may_mutate(environ: dict) -> bool:
    service = _signing_service(environ.get("HTTP_AUTHORIZATION", ""))
    if service is not None and service not in _PERSISTED_SERVICES:
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service is None and target and not target.startswith("DynamoDB"):
        # An unsigned JSON call of another service (Cognito's InitiateAuth: signing in).
        return False
    if service == "dynamodb":
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        return not operation.startswith(_READ_OPERATION_PREFIXES)
    # S3, or a request without a SigV4 header (a presigned URL): only reads are GET and HEAD.
    return environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD")


def _signing_service(authorization: str) -> str | None:
    """``dynamodb`` from ``AWS4-HMAC-SHA256 Credential=AK/20261121/eu-central-1/dynamodb/...``."""
    marker = "Credential="
    start = authorization.find(marker)
    if start < 0:
        return None
    scope = authorization[start + len(marker):].split(",")[0].split("/")
    return scope[3] if len(scope) >= 5 else None


class MotoServer(ThreadedMotoServer):
    """moto's threaded server, bound to 127.0.0.1, that reports writes and fails loudly.

    ``ThreadedMotoServer.start`` waits forever when its socket cannot be bound (the error dies
    with the server thread); this subclass hands the error back. The server entry point is
    moto's own (pinned moto 5.2.1) with the ``_MutationRecorder`` around the WSGI app.
    """

    def __init__(self, port: int, on_mutation: Callable[[], None] = lambda: None):
        super().__init__(ip_address=HOST, port=port, verbose=False)
        self._on_mutation = on_mutation
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
                                    self._on_mutation)
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


def start_moto(port: int, on_mutation: Callable[[], None] = lambda: None) -> MotoServer:
    """Start moto, empty, on ``port``, or on a free port when ``port`` is 0 or already taken
    (another local runtime, LocalStack...): clients find it through ``AWS_ENDPOINT_URL``."""
    if port and not port_is_free(port):
        log.info("port %d is taken; moto listens on a free port instead", port)
        port = 0
    server = MotoServer(port, on_mutation)
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

    def physical_name(self, logical_id: str) -> str | None:
        """What ``!Ref logical_id`` returns (CloudFormation's ``Ref`` of each type)."""
        cognito = (self.user_pools.get(logical_id) or self.user_pool_clients.get(logical_id)
                   or self.user_pool_groups.get(logical_id))
        if cognito is not None:
            return cognito.ref
        return (self.tables.get(logical_id) or self.buckets.get(logical_id)
                or self.queues.get(logical_id) or self.topics.get(logical_id)
                or self.subscriptions.get(logical_id)
                or self.configuration_sets.get(logical_id) or self.secrets.get(logical_id))

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


def _roll_back_transactions_in_place() -> None:
    """Make a failed ``TransactWriteItems`` in moto roll back into the table it changed.

    moto (pinned 5.2.1) deep-copies each table a transaction writes to, applies the writes, and
    when one fails puts the *copy* in the table's place. The table's stream shard is replaced
    with it: shard iterators handed out before (the runtime's stream poller holds one) keep
    reading the old shard, so after one refused transaction -- a 409 on a concurrent edit -- no
    change would reach the stream's functions again. And the writes that were rolled back
    stay in the old shard as stream records of changes that never happened.

    Wrapped once, when this module is imported: after a rolled-back transaction the copy's data
    is moved into the original table object, which keeps its shard, and the shard loses the
    records the transaction added. Server-mode requests are serialised (``DYNAMODB_LOCK``), so
    nothing else wrote to the shard meanwhile.
    """
    from functools import wraps

    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "rolls_back_in_place", False):
        return

    @wraps(original)
    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        tables = dict(self.tables)
        # The sequence number the transaction's first stream record gets (by sequence number,
        # not position: the runtime trims shards from the front).
        first_new = {name: table.stream_shard.starting_sequence_number
                     + len(table.stream_shard.items) for name, table in tables.items()
                     if getattr(table, "stream_shard", None) is not None}
        try:
            return original(self, *args, **kwargs)
        finally:
            for name, table in tables.items():
                copy = self.tables.get(name)
                if copy is None or copy is table:
                    continue
                shard = getattr(table, "stream_shard", None)
                table.__dict__.update(copy.__dict__)
                table.stream_shard = shard
                if shard is not None and name in first_new:
                    del shard.items[max(0, first_new[name] - shard.starting_sequence_number):]
                self.tables[name] = table

    transact_write_items.rolls_back_in_place = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


_roll_back_transactions_in_place()
