"""API Gateway (REST API, Lambda proxy integration, payload format 1.0), emulated.

Chalice routes on ``requestContext.resourcePath``, not on the concrete path, so the local runtime
must do what API Gateway does: find the template's resource (``/v1/public/cases/{number}``) that
a request path matches, extract the path parameters, and hand the function the same event shape
it receives in AWS. The function's answer is turned back into an HTTP response the same way.

Everything here is pure (no sockets, no AWS, no clock unless given one), so it is unit-tested in
``tests/unit/test_local_apigateway.py``; ``server.py`` does the I/O around it.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import parse_qsl, unquote

#: The stage ``template.yaml`` deploys (``StageName: prod``); it appears in
#: ``requestContext.path`` and ``requestContext.stage``.
STAGE = "prod"
#: API Gateway's payload limit: larger requests never reach the function.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

#: Content types whose bodies API Gateway passes as text when the API declares no binary media
#: types. Anything else, or a body that is not UTF-8, goes base64 encoded.
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/graphql")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as the server read it off the socket (headers in arrival order)."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str, default: str | None = None) -> str | None:
        """The last value of header ``name`` (case-insensitive), like ``headers`` in the event."""
        found = default
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


@dataclass(frozen=True)
class HttpResponse:
    """What goes back on the socket: status, headers (repeatable, in order) and raw body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in reversed(self.headers) if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class ApiRoute:
    """One ``Type: Api`` event of a function: resource path pattern, method, function, and the
    API authorizer guarding it (``None``: public) with the OAuth scopes it requires."""

    path: str
    method: str
    function: str
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteMatch:
    route: ApiRoute
    path_parameters: dict[str, str] = field(default_factory=dict)


class MalformedProxyResponseError(ValueError):
    """The function answered something API Gateway would reject (it answers 502 then)."""


class RouteTable:
    """The API's resources, matched the way API Gateway matches them.

    API Gateway first picks the most specific *resource* for the path (a literal segment beats
    ``{param}``, which beats ``{proxy+}``) and only then looks for the method on it; a method the
    resource lacks is an error even if a less specific resource would have it.

    Examples
    --------
    >>> table = RouteTable([ApiRoute("/v1/cases/{number}", "GET", "Api"),
    ...                     ApiRoute("/v1/cases/export", "POST", "Api")])
    >>> table.match("GET", "/v1/cases/2026-000001").path_parameters
    {'number': '2026-000001'}
    >>> table.match("GET", "/v1/cases/export") is None, table.allowed_methods("/v1/cases/export")
    (True, ['POST'])
    """

    def __init__(self, routes: Iterable[ApiRoute]):
        self._by_resource: dict[str, dict[str, ApiRoute]] = {}
        for route in routes:
            self._by_resource.setdefault(route.path, {})[route.method.upper()] = route
        self._resources = sorted(self._by_resource, key=_specificity)

    def _resource_for(self, path: str) -> tuple[str, dict[str, str]] | None:
        segments = path.split("/")[1:]
        for resource in self._resources:
            parameters = _match_segments(resource.split("/")[1:], segments)
            if parameters is not None:
                return resource, parameters
        return None

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route serving ``method path``, or ``None`` (see ``allowed_methods`` for why)."""
        found = self._resource_for(path)
        if found is None:
            return None
        resource, parameters = found
        methods = self._by_resource[resource]
        route = methods.get(method.upper()) or methods.get("ANY")
        return RouteMatch(route, parameters) if route else None

    def allowed_methods(self, path: str) -> list[str]:
        """Methods of the resource ``path`` matches; empty when no resource matches (404)."""
        found = self._resource_for(path)
        return sorted(self._by_resource[found[0]]) if found else []


def _specificity(resource: str) -> tuple:
    """Sort key: per segment, literal (0) before ``{param}`` (1) before ``{greedy+}`` (2)."""
    def rank(segment: str) -> int:
        if segment.startswith("{") and segment.endswith("+}"):
            return 2
        return 1 if segment.startswith("{") and segment.endswith("}") else 0
    return tuple(rank(s) for s in resource.split("/")[1:]), resource


def _match_segments(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest or not rest[0]:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(segments):
            return None
        segment = segments[index]
        if part.startswith("{") and part.endswith("}"):
            if not segment:
                return None
            # API Gateway hands path parameters to the function URL-decoded.
            parameters[part[1:-1]] = unquote(segment)
        elif part != segment:
            return None
    return parameters if len(segments) == len(pattern) else None


def is_text(content_type: str | None, body: bytes) -> bool:
    """Whether API Gateway would pass ``body`` as text rather than base64.

    Examples
    --------
    >>> is_text("application/json; charset=utf-8", b'{"a": 1}')
    True
    >>> is_text("image/png", b"\\x89PNG"), is_text("text/plain", b"\\xff\\xfe")
    (False, False)
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not content_type:
        return True
    media = content_type.split(";")[0].strip().lower()
    return (media.startswith("text/") or media in _TEXT_TYPES
            or media.endswith("+json") or media.endswith("+xml"))


def build_event(request: HttpRequest, match: RouteMatch, *, request_id: str | None = None,
                now: float | None = None, stage: str = STAGE, account_id: str = "123456789012",
                api_id: str = "local", authorizer: dict | None = None) -> dict[str, Any]:
    """The proxy event API Gateway would send for ``request`` (REST API, payload 1.0).

    ``headers``/``queryStringParameters`` hold the last value of each name and are ``None``
    when empty, like API Gateway; their ``multiValue...`` twins hold every value in order.
    ``authorizer`` is what the route's authorizer established (``{"claims": {...}}`` for a
    Cognito user pool authorizer); public routes have no ``requestContext.authorizer``.

    Examples
    --------
    >>> route = ApiRoute("/v1/public/cases/{number}", "GET", "ApiFunction")
    >>> event = build_event(HttpRequest("GET", "/v1/public/cases/2026-000001", "token=abc"),
    ...                     RouteMatch(route, {"number": "2026-000001"}), request_id="r1", now=0)
    >>> event["resource"], event["pathParameters"], event["queryStringParameters"]
    ('/v1/public/cases/{number}', {'number': '2026-000001'}, {'token': 'abc'})
    >>> event["requestContext"]["path"], event["body"], event["isBase64Encoded"]
    ('/prod/v1/public/cases/2026-000001', None, False)
    """
    now = time.time() if now is None else now
    request_id = request_id or str(uuid.uuid4())
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = value
        multi_query.setdefault(name, []).append(value)

    body: str | None = None
    encoded = False
    if request.body:
        if is_text(request.header("content-type"), request.body):
            body = request.body.decode("utf-8")
        else:
            body, encoded = base64.b64encode(request.body).decode("ascii"), True

    requested_at = datetime.fromtimestamp(now, timezone.utc)
    event = {
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method.upper(),
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(match.path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": match.route.path,
            "httpMethod": request.method.upper(),
            "extendedRequestId": request_id,
            "requestTime": requested_at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage}{request.path}",
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {"cognitoIdentityPoolId": None, "accountId": None,
                         "cognitoIdentityId": None, "caller": None,
                         "sourceIp": request.source_ip, "principalOrgId": None,
                         "accessKey": None, "cognitoAuthenticationType": None,
                         "cognitoAuthenticationProvider": None, "userArn": None,
                         "userAgent": request.header("user-agent"), "user": None},
            "domainName": request.header("host", "127.0.0.1"),
            "apiId": api_id,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    return event


def translate_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a proxy integration's answer.

    Headers from ``multiValueHeaders`` and ``headers`` are both sent (a name in both is taken
    from ``multiValueHeaders``); a base64 body is decoded; ``Content-Type`` defaults to JSON.

    Examples
    --------
    >>> r = translate_response({"statusCode": 201, "headers": {"Content-Type": "text/plain"},
    ...                         "body": "aGk=", "isBase64Encoded": True})
    >>> r.status, r.headers, r.body
    (201, (('Content-Type', 'text/plain'),), b'hi')
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        raise MalformedProxyResponseError(f"not a proxy response: {type(result).__name__}")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise MalformedProxyResponseError(f"bad statusCode {result['statusCode']!r}") from None
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    pairs = [(name, str(value)) for name, values in multi.items() for value in values]
    in_multi = {name.lower() for name in multi}
    pairs += [(name, str(value)) for name, value in single.items() if name.lower() not in in_multi]
    if not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.append(("Content-Type", "application/json"))

    body = result.get("body")
    if body is None:
        raw = b""
    elif result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, TypeError):
            raise MalformedProxyResponseError("isBase64Encoded body is not base64") from None
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        raise MalformedProxyResponseError(f"body must be a string, not {type(body).__name__}")
    return HttpResponse(status, tuple(pairs), raw)


def json_response(status: int, document: Any,
                  headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    """A JSON response (UTF-8, not ASCII-escaped)."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return HttpResponse(status, (("Content-Type", "application/json; charset=utf-8"), *headers),
                        body)


def error_response(status: int, code: str, message: str,
                   headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    """An error in the API's one error shape (``docs/api.md``), for errors the gateway answers
    itself (no route, wrong method, payload too large, function crashed)."""
    return json_response(status, {"error": {"code": code, "message": message}}, headers)


# -- gateway responses ---------------------------------------------------------------------------

#: What API Gateway answers by itself when the API does not customise a response type
#: (``$context.error.messageString`` is the message, JSON-quoted).
_DEFAULT_BODY = '{"message":$context.error.messageString}'
#: Response type -> (status, default message, ``x-amzn-ErrorType``).
GATEWAY_RESPONSE_TYPES: dict[str, tuple[int, str, str | None]] = {
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "ACCESS_DENIED": (403, "Forbidden", "AccessDeniedException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", None),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
}
_DEFAULT_FOR_CLASS = {4: "DEFAULT_4XX", 5: "DEFAULT_5XX"}


@dataclass(frozen=True)
class GatewayResponse:
    """One entry of the API's ``GatewayResponses`` (SAM's shape), references resolved."""

    status: int | None = None
    #: header name -> mapping expression: ``'static'`` or ``method.request.header.Name``
    headers: tuple[tuple[str, str], ...] = ()
    templates: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_template(cls, definition: dict) -> "GatewayResponse":
        parameters = definition.get("ResponseParameters") or {}
        status = definition.get("StatusCode")
        return cls(int(status) if status is not None else None,
                   tuple((parameters.get("Headers") or {}).items()),
                   tuple((definition.get("ResponseTemplates") or {}).items()))


class GatewayResponses:
    """What API Gateway answers by itself (no function involved), as the API customises it.

    A response type the API does not customise takes ``DEFAULT_4XX``/``DEFAULT_5XX`` when those
    are customised, else API Gateway's own ``{"message": "..."}``. Templates are static JSON in
    ``template.yaml``; the few ``$context`` variables a gateway response template commonly uses
    are substituted (the error message, the response type, the request id).

    Examples
    --------
    >>> responses = GatewayResponses({"UNAUTHORIZED": {"StatusCode": 401,
    ...     "ResponseParameters": {"Headers": {"WWW-Authenticate": "'Bearer'"}},
    ...     "ResponseTemplates": {"application/json": '{"error": "unauthorized"}'}}})
    >>> answer = responses.render("UNAUTHORIZED", request_id="r1")
    >>> answer.status, answer.header("WWW-Authenticate"), answer.body
    (401, 'Bearer', b'{"error": "unauthorized"}')
    >>> GatewayResponses({}).render("UNAUTHORIZED", request_id="r1").body
    b'{"message":"Unauthorized"}'
    """

    def __init__(self, definitions: dict[str, dict] | None = None):
        self._responses = {kind: GatewayResponse.from_template(definition)
                           for kind, definition in (definitions or {}).items()}

    def render(self, response_type: str, *, request_id: str, message: str | None = None,
               request: HttpRequest | None = None) -> HttpResponse:
        default_status, default_message, error_type = GATEWAY_RESPONSE_TYPES.get(
            response_type, (500, "Internal server error", None))
        own = self._responses.get(response_type)
        fallback = self._responses.get(_DEFAULT_FOR_CLASS.get(default_status // 100, ""))
        chosen = own or fallback or GatewayResponse()
        status = (own.status if own and own.status else None) or default_status
        message = message or default_message
        template = dict(chosen.templates).get("application/json") or next(
            (body for _, body in chosen.templates), _DEFAULT_BODY)
        body = _substitute(template, {"$context.error.messageString": json.dumps(message),
                                      "$context.error.message": message,
                                      "$context.error.responseType": response_type,
                                      "$context.requestId": request_id})
        headers = [("Content-Type", "application/json")]
        if error_type:
            headers.append(("x-amzn-ErrorType", error_type))
        for name, expression in chosen.headers:
            value = _header_value(expression, request)
            if value is not None:
                headers = [(n, v) for n, v in headers if n.lower() != name.lower()]
                headers.append((name, value))
        headers.append(("x-amzn-RequestId", request_id))
        return HttpResponse(status, tuple(headers), body.encode("utf-8"))


def _substitute(template: str, values: dict[str, str]) -> str:
    for name in sorted(values, key=len, reverse=True):  # messageString before message
        template = template.replace(name, values[name])
    return template


def _header_value(expression: str, request: HttpRequest | None) -> str | None:
    """A gateway response header's mapping expression: ``'static'`` or a request header."""
    expression = str(expression).strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    prefix = "method.request.header."
    if expression.startswith(prefix) and request is not None:
        return request.header(expression[len(prefix):])
    return None
