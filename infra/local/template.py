"""Read ``template.yaml`` (the single source of truth) for the local runtime and the tests.

Only what they need is resolved: tables with their key schemas, functions with their handler,
code folder, environment and events, the API routes with the authorizer each one has, the
API's authorizers and gateway responses.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _Tag:
    """An unresolved intrinsic function (``!Ref X`` -> ``_Tag("Ref", "X")``)."""

    def __init__(self, name: str, value: Any):
        self.name, self.value = name, value

    def __repr__(self) -> str:
        return f"!{self.name} {self.value!r}"


# libyaml's parser where PyYAML has it (about seven times faster on this template), the same
# safe constructors either way.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tag:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return _Tag(suffix, value)


_Loader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE) -> dict:
    """The template as a document of plain values and ``_Tag``s: parsed once per process and
    version of the file, and a copy of it each time (a caller may change its copy)."""
    stat = path.stat()
    return pickle.loads(_parsed(path.resolve(), stat.st_mtime_ns, stat.st_size))  # noqa: S301


@lru_cache(maxsize=4)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> bytes:
    """The parsed document, pickled: unpickling is the fastest deep copy (our own bytes)."""
    with path.open(encoding="utf-8") as handle:
        return pickle.dumps(yaml.load(handle, Loader=_Loader))  # noqa: S506 (SafeLoader subclass)


@dataclass
class Route:
    function: str
    event: str
    path: str
    method: str
    #: Logical id of the ``AWS::Serverless::Api`` (``RestApiId``); ``None``: SAM's implicit API.
    api: str | None = None
    #: Name of the API authorizer that guards the route (``None``: a public route).
    authorizer: str | None = None
    #: OAuth scopes the route requires (``AuthorizationScopes``); empty: none.
    scopes: tuple[str, ...] = ()


#: ``Auth.Authorizer`` value that opts a route out of the API's ``DefaultAuthorizer`` (SAM).
NO_AUTHORIZER = "NONE"


@dataclass(frozen=True)
class AuthorizerSpec:
    """One entry of an API's ``Auth.Authorizers`` (SAM), with its references unresolved.

    ``kind`` is ``"cognito"`` (``UserPoolArn``), ``"lambda"`` (``FunctionArn``) or
    ``"unknown"``; SAM's ``AWS_IAM`` is not declared under ``Authorizers`` and never appears here.
    """

    api: str | None
    name: str
    kind: str
    #: ``UserPoolArn``: one ARN or a list of them (SAM accepts both), unresolved.
    user_pool_arns: tuple = ()
    identity_header: str = "Authorization"
    scopes: tuple[str, ...] = ()


@dataclass
class FunctionSpec:
    logical_id: str
    handler: str
    code_uri: str
    environment: dict[str, Any] = field(default_factory=dict)
    events: dict[str, dict] = field(default_factory=dict)
    #: Globals merged with the function's own properties (SAM's defaults when neither sets them).
    memory_size: int = 128
    timeout: int = 3
    #: Unresolved layer references (``!Ref CivicDeskLayer``); see ``Template.layer_dirs``.
    layers: list = field(default_factory=list)

    @property
    def code_dir(self) -> Path:
        return ROOT / self.code_uri

    @property
    def module_path(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def attribute(self) -> str:
        return self.handler.rpartition(".")[2]


#: SAM event types that Lambda *polls* through an event source mapping (``infra.local.event_sources``).
POLLED_EVENT_TYPES = ("DynamoDB", "SQS")


@dataclass(frozen=True)
class EventSourceSpec:
    """One polled event of a function (SAM ``Type: DynamoDB`` or ``Type: SQS``): what becomes
    an ``AWS::Lambda::EventSourceMapping`` when SAM transforms the template.

    ``properties`` are the event's ``Properties``, references unresolved (``Stream: !GetAtt
    CasesTable.StreamArn``); ``infra.local.event_sources.mappings`` reads and checks them.
    """

    function: str
    event: str
    kind: str
    properties: dict

    @property
    def source(self) -> str | None:
        """Logical id of the table (``Stream``) or queue (``Queue``) the event reads, or
        ``None`` when it names something outside the template (a literal ARN)."""
        return reference_target(self.properties.get("Stream" if self.kind == "DynamoDB"
                                                    else "Queue"))


#: The resource type of an EventBridge Scheduler schedule (``infra.local.schedules``).
SCHEDULE = "AWS::Scheduler::Schedule"


@dataclass(frozen=True)
class ScheduleSpec:
    """One ``AWS::Scheduler::Schedule`` whose target is a function of the template, references
    unresolved (``ScheduleExpressionTimezone: !Ref ScheduleTimezone``).

    ``input`` is the target's ``Input`` text, with Scheduler's context attributes
    (``<aws.scheduler.scheduled-time>``...) still in it.
    """

    logical_id: str
    expression: Any
    timezone: Any
    function: str | None
    input: Any
    state: str = "ENABLED"
    dead_letter_queue: str | None = None
    retry_policy: dict = field(default_factory=dict)
    start_date: Any = None
    role: str | None = None


class Template:
    def __init__(self, document: dict | None = None):
        self.doc = document if document is not None else load_template()
        self.resources: dict[str, dict] = self.doc.get("Resources", {})

    def of_type(self, resource_type: str) -> dict[str, dict]:
        """The resources of ``resource_type`` a deploy with the default parameters creates (a
        resource whose ``Condition`` is false with them is left out, as CloudFormation does)."""
        return {lid: res for lid, res in self.resources.items()
                if res.get("Type") == resource_type
                and (not res.get("Condition") or self.condition_holds(res["Condition"]))}

    def condition_holds(self, name: str, parameters: dict[str, Any] | None = None) -> bool:
        """Whether the template's condition ``name`` is true for ``parameters`` (defaults for
        those not given): ``!Equals``, ``!Not``, ``!And``, ``!Or`` and ``!Condition`` on
        parameters and literals, the functions CloudFormation allows in conditions.

        Examples
        --------
        >>> doc = {"Parameters": {"Mail": {"Default": ""}},
        ...        "Conditions": {"HasMail": _Tag("Not", [_Tag("Equals", [_Tag("Ref", "Mail"), ""])])}}
        >>> Template(doc).condition_holds("HasMail"), Template(doc).condition_holds("HasMail", {"Mail": "a@b.rs"})
        (False, True)
        """
        values = {**self.parameter_defaults(), **(parameters or {})}
        conditions = self.doc.get("Conditions", {})

        def value(item: Any) -> str:
            if isinstance(item, _Tag) and item.name == "Ref":
                return str(values[item.value])
            if isinstance(item, _Tag):
                raise ValueError(f"cannot evaluate {item!r} in a condition locally")
            return str(item)

        def holds(expression: Any) -> bool:
            if not isinstance(expression, _Tag):
                raise ValueError(f"not a condition: {expression!r}")
            if expression.name == "Condition":
                return holds(conditions[expression.value])
            if expression.name == "Equals":
                left, right = expression.value
                return value(left) == value(right)
            if expression.name == "Not":
                return not holds(expression.value[0])
            if expression.name == "And":
                return all(holds(item) for item in expression.value)
            if expression.name == "Or":
                return any(holds(item) for item in expression.value)
            raise ValueError(f"cannot evaluate {expression!r} in a condition locally")

        return holds(conditions[name])

    def table_definitions(self) -> dict[str, dict]:
        """``CreateTable`` arguments (without the name) for every DynamoDB table."""
        tables = {}
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            props = resource["Properties"]
            spec = {"AttributeDefinitions": props["AttributeDefinitions"],
                    "KeySchema": props["KeySchema"], "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST")}
            if props.get("GlobalSecondaryIndexes"):
                spec["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            if props.get("StreamSpecification"):
                spec["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
            tables[logical_id] = spec
        return tables

    def ttl_attribute(self, table_logical_id: str) -> str | None:
        ttl = self.resources[table_logical_id]["Properties"].get("TimeToLiveSpecification")
        return ttl["AttributeName"] if ttl and ttl.get("Enabled") else None

    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = self.doc.get("Globals", {}).get("Function", {})
        global_env = globals_.get("Environment", {}).get("Variables", {})
        specs = {}
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
            specs[logical_id] = FunctionSpec(
                logical_id, props["Handler"], props["CodeUri"].rstrip("/"), env,
                props.get("Events", {}),
                memory_size=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
                layers=list(props.get("Layers", globals_.get("Layers", []))))
        return specs

    def layer_dirs(self, function: FunctionSpec) -> list[Path]:
        """The source folders of the function's layers (their ``ContentUri``), in layer order.

        Lambda unpacks a Python layer under ``/opt/python`` and puts that on ``sys.path``; the
        local runtime puts these folders there instead. Layers that are not declared in this
        template (ARNs of published layers) cannot be emulated and are skipped.
        """
        dirs = []
        for layer in function.layers:
            if isinstance(layer, _Tag) and layer.name == "Ref":
                resource = self.resources.get(layer.value, {})
                if resource.get("Type") == "AWS::Serverless::LayerVersion":
                    dirs.append(ROOT / resource["Properties"]["ContentUri"].rstrip("/"))
        return dirs

    def api_path_patterns(self) -> list[str]:
        """CloudFront path patterns (``/v1/*``) sent to the API rather than to the portal bucket.

        The local runtime serves the portal and the API on one origin, exactly as the
        distribution does; reading the split from the template keeps the two the same.
        """
        apis = set(self.of_type("AWS::Serverless::Api"))
        patterns = []
        for distribution in self.of_type("AWS::CloudFront::Distribution").values():
            config = distribution["Properties"]["DistributionConfig"]
            api_origins = {origin["Id"] for origin in config.get("Origins", [])
                           if _mentions(origin.get("DomainName"), apis)}
            patterns += [behavior["PathPattern"] for behavior in config.get("CacheBehaviors", [])
                         if behavior.get("TargetOriginId") in api_origins]
        return patterns

    def routes(self) -> list[Route]:
        """Every ``Type: Api`` event, with the authorizer that guards it.

        SAM's rules: the event's ``Auth.Authorizer`` names one of the API's ``Auth.Authorizers``;
        without it the API's ``Auth.DefaultAuthorizer`` applies; ``NONE`` opts out of the default.
        """
        routes = []
        for name, spec in self.functions().items():
            for event_name, event in spec.events.items():
                if event.get("Type") == "Api":
                    props = event["Properties"]
                    api = reference_target(props.get("RestApiId"))
                    event_auth = props.get("Auth") or {}
                    authorizer = event_auth.get("Authorizer",
                                                self.api_auth(api).get("DefaultAuthorizer"))
                    if authorizer == NO_AUTHORIZER:
                        authorizer = None
                    scopes = tuple(event_auth.get("AuthorizationScopes") or ())
                    if authorizer and not scopes and authorizer in self.authorizers(api):
                        scopes = self.authorizers(api)[authorizer].scopes
                    routes.append(Route(name, event_name, props["Path"], props["Method"].upper(),
                                        api=api, authorizer=authorizer, scopes=scopes))
        return routes

    def event_sources(self, kinds: tuple[str, ...] = POLLED_EVENT_TYPES) -> list[EventSourceSpec]:
        """Every event of type ``kinds`` (a table's stream, a queue), in template order.

        Examples
        --------
        >>> doc = {"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {
        ...     "Handler": "app.handler", "CodeUri": "f/", "Events": {
        ...         "Changes": {"Type": "DynamoDB", "Properties": {
        ...             "Stream": _Tag("GetAtt", "Table.StreamArn")}},
        ...         "Http": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}}}}}}
        >>> [(s.function, s.event, s.kind, s.source) for s in Template(doc).event_sources()]
        [('F', 'Changes', 'DynamoDB', 'Table')]
        """
        found = []
        for name, spec in self.functions().items():
            for event_name, event in spec.events.items():
                if event.get("Type") in kinds:
                    found.append(EventSourceSpec(name, event_name, event["Type"],
                                                 dict(event.get("Properties") or {})))
        return found

    def schedules(self) -> list[ScheduleSpec]:
        """Every EventBridge Scheduler schedule, in template order.

        Examples
        --------
        >>> doc = {"Resources": {"Nightly": {"Type": SCHEDULE, "Properties": {
        ...     "ScheduleExpression": "cron(30 2 * * ? *)", "FlexibleTimeWindow": {"Mode": "OFF"},
        ...     "Target": {"Arn": _Tag("GetAtt", "StatsFunction.Arn"), "Input": "{}",
        ...                "RoleArn": _Tag("GetAtt", "StatsScheduleRole.Arn"),
        ...                "DeadLetterConfig": {"Arn": _Tag("GetAtt", "JobsDeadLetterQueue.Arn")}}}}}}
        >>> [(s.logical_id, s.function, s.dead_letter_queue, s.role) for s in Template(doc).schedules()]
        [('Nightly', 'StatsFunction', 'JobsDeadLetterQueue', 'StatsScheduleRole')]
        """
        found = []
        for logical_id, resource in self.of_type(SCHEDULE).items():
            props = resource.get("Properties") or {}
            target = props.get("Target") or {}
            found.append(ScheduleSpec(
                logical_id, props.get("ScheduleExpression"),
                props.get("ScheduleExpressionTimezone", "UTC"),
                reference_target(target.get("Arn")), target.get("Input"),
                state=str(props.get("State", "ENABLED")),
                dead_letter_queue=reference_target((target.get("DeadLetterConfig") or {}).get("Arn")),
                retry_policy=dict(target.get("RetryPolicy") or {}),
                start_date=props.get("StartDate"), role=reference_target(target.get("RoleArn"))))
        return found

    def api_auth(self, api: str | None) -> dict:
        """The ``Auth`` section of API ``api`` (its own, else the ``Globals`` ``Api`` one)."""
        if api is not None:
            own = self.resources.get(api, {}).get("Properties", {}).get("Auth")
            if own is not None:
                return own
        return self.doc.get("Globals", {}).get("Api", {}).get("Auth") or {}

    def authorizers(self, api: str | None) -> dict[str, AuthorizerSpec]:
        """The authorizers API ``api`` declares (``Auth.Authorizers``), by name."""
        found = {}
        for name, definition in (self.api_auth(api).get("Authorizers") or {}).items():
            if "UserPoolArn" in definition:
                arns = definition["UserPoolArn"]
                kind = "cognito"
                arns = tuple(arns) if isinstance(arns, list) else (arns,)
            else:
                kind, arns = ("lambda" if "FunctionArn" in definition else "unknown"), ()
            identity = definition.get("Identity") or {}
            found[name] = AuthorizerSpec(
                api, name, kind, arns, identity.get("Header", "Authorization"),
                tuple(definition.get("AuthorizationScopes") or ()))
        return found

    def gateway_responses(self, api: str | None) -> dict[str, dict]:
        """The API's ``GatewayResponses`` (response type -> SAM definition), unresolved."""
        props: dict = {}
        if api is not None:
            props = self.resources.get(api, {}).get("Properties", {})
        if "GatewayResponses" not in props:
            props = self.doc.get("Globals", {}).get("Api", {})
        return dict(props.get("GatewayResponses") or {})

    def event_invoke_config(self, logical_id: str) -> dict:
        """The function's ``EventInvokeConfig`` (SAM: its own, else the Globals'), unresolved."""
        own = self.resources[logical_id].get("Properties", {}).get("EventInvokeConfig")
        if own is not None:
            return own
        return self.doc.get("Globals", {}).get("Function", {}).get("EventInvokeConfig") or {}

    def parameter_defaults(self) -> dict[str, Any]:
        return {name: p.get("Default") for name, p in self.doc.get("Parameters", {}).items()}

    def resolve(self, value: Any, ref: Callable[[str], str]) -> Any:
        """Resolve ``!Ref``, ``!GetAtt`` and plain ``!Sub`` with ``ref``.

        ``ref`` gets a logical id or parameter for ``!Ref X``/``${X}``, and ``X.Attribute`` for
        ``!GetAtt X.Attribute``/``${X.Attribute}``, the way ``!Sub`` spells both.
        """
        if isinstance(value, _Tag):
            if value.name == "Ref":
                return ref(value.value)
            if value.name == "GetAtt":
                target = value.value
                return ref(".".join(target) if isinstance(target, (list, tuple)) else target)
            if value.name == "Sub" and isinstance(value.value, str):
                return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", lambda m: ref(m.group(1)), value.value)
            raise ValueError(f"cannot resolve {value!r} locally")
        return value

    def resolve_deep(self, value: Any, ref: Callable[[str], str]) -> Any:
        """``resolve`` applied through nested mappings and lists (resource properties).

        Examples
        --------
        >>> Template({}).resolve_deep({"Pool": _Tag("Ref", "P"), "Arns": [_Tag("GetAtt", "P.Arn")]},
        ...                           lambda name: name.lower())
        {'Pool': 'p', 'Arns': ['p.arn']}
        """
        if isinstance(value, _Tag):
            return self.resolve(value, ref)
        if isinstance(value, dict):
            return {key: self.resolve_deep(item, ref) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve_deep(item, ref) for item in value]
        return value


def reference_target(value: Any) -> str | None:
    """The logical id an unresolved ``!Ref X`` or ``!GetAtt X.Attr`` names, else ``None``.

    Examples
    --------
    >>> reference_target(_Tag("GetAtt", "IngestEmailFunction.Arn"))
    'IngestEmailFunction'
    >>> reference_target(_Tag("GetAtt", ["Queue", "Arn"])), reference_target(_Tag("Ref", "Bucket"))
    ('Queue', 'Bucket')
    >>> reference_target("arn:aws:sqs:eu-central-1:123456789012:q") is None
    True
    """
    if not isinstance(value, _Tag):
        return None
    if value.name == "Ref" and isinstance(value.value, str):
        return value.value
    if value.name == "GetAtt":
        if isinstance(value.value, str):
            return value.value.split(".", 1)[0]
        if isinstance(value.value, (list, tuple)) and value.value:
            return str(value.value[0])
    return None


def _mentions(value: Any, logical_ids: set[str]) -> bool:
    """Whether an (unresolved) property value refers to one of ``logical_ids``."""
    if isinstance(value, _Tag):
        value = value.value
    if isinstance(value, str):
        return any(value == lid or "${" + lid + "}" in value or "${" + lid + "." in value
                   for lid in logical_ids)
    if isinstance(value, (list, tuple)):
        return any(_mentions(item, logical_ids) for item in value)
    if isinstance(value, dict):
        return any(_mentions(item, logical_ids) for item in value.values())
    return False
