"""The one local origin: API, portal and the runtime's own pages, like the CloudFront
distribution in ``template.yaml`` (``/v1/*`` to API Gateway, everything else to the portal).

``Frontend`` decides what answers a request (pure dispatch over ``HttpRequest`` ->
``HttpResponse``); ``RequestHandler`` only moves bytes between the socket and it, and logs one
line per request.
"""

from __future__ import annotations

import fnmatch
import logging
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs

from infra.local import outbox as outbox_views
from infra.local.apigateway import (
    MAX_PAYLOAD_BYTES,
    ApiRoute,
    GatewayResponses,
    HttpRequest,
    HttpResponse,
    MalformedProxyResponseError,
    RouteTable,
    build_event,
    error_response,
    json_response,
    translate_response,
)
from infra.local.authorizer import Unauthorized
from infra.local.lambdas import LocalFunction
from infra.local.outbox import Outbox
from infra.local.public_media import PREFIX as MEDIA_PREFIX
from infra.local.public_media import PublicMedia, StorePaths
from infra.local.static import StaticSite

log = logging.getLogger("civicdesk.local")

LOCAL_PREFIX = "/_local/"
_TRUE = ("1", "true", "yes")


def _unavailable(*_args: object, **_kwargs: object) -> dict:
    raise LookupError("not available")


def _no_authorizer(route: ApiRoute, _request: HttpRequest) -> dict:
    """Fails closed: a route with an authorizer is never served without one."""
    raise Unauthorized(reason=f"no authorizer {route.authorizer!r} is configured")


@dataclass
class LocalTools:
    """What the runtime's own endpoints beyond the outbox call (``infra.local.inspection``,
    ``infra.local.redrive``); the defaults answer 404."""

    #: number -> ``{"case", "timeline"}`` or ``None``
    case: Callable[[str], dict | None] = lambda number: None
    #: (limit, cursor) -> ``{"items", "next"}``
    quarantine: Callable[[int, str | None], dict] = _unavailable
    #: (max_messages, dry_run) -> ``{"replayed", "failed", "skipped"}``
    redrive: Callable[[int, bool], dict] = _unavailable
    #: the body of ``POST /_local/ses-events`` -> ``{"published": [SES events]}``; raises
    #: ``ValueError`` for a bad request, ``LookupError`` for a mail the outbox does not have
    ses_event: Callable[[bytes], dict] = _unavailable
    #: the body of ``POST /_local/sms`` -> ``{"published": message}`` (``infra.local.sms_carrier``);
    #: raises ``ValueError`` for a bad request
    sms: Callable[[bytes], dict] = _unavailable
    #: () -> the schedules (``infra.local.schedules.Scheduler.listing``)
    schedules: Callable[[], list] = lambda: []
    #: (name, scheduled time or ``None``, wait seconds) -> the run; ``LookupError``: no such
    run_schedule: Callable[..., dict] = _unavailable
    #: () -> the archive files the Firehose streams wrote now
    archive_flush: Callable[[], list] = lambda: []


class Frontend:
    """Routes each request to the API function, the runtime's pages or the portal's files.

    ``authorize`` is the API's authorizer (``infra.local.authorizer.RouteAuthorizer``): called
    for every route that has one, before the function; it returns ``requestContext.authorizer``
    or raises ``Unauthorized``. What the gateway answers by itself (401, 413) is shaped by
    ``gateway_responses``, the API's ``GatewayResponses``.
    """

    def __init__(self, routes: RouteTable, api_patterns: list[str],
                 functions: dict[str, LocalFunction], site: StaticSite, outbox: Outbox,
                 account_id: str = "123456789012",
                 tools: LocalTools | None = None,
                 authorize: Callable[[ApiRoute, HttpRequest], dict] = _no_authorizer,
                 gateway_responses: GatewayResponses | None = None,
                 media: PublicMedia | None = None, store: StorePaths | None = None):
        self._media = media
        self._store = store
        self._routes = routes
        self._api_patterns = api_patterns
        self._functions = functions
        self._site = site
        self._outbox = outbox
        self._account_id = account_id
        self._tools = tools or LocalTools()
        self._authorize = authorize
        self.gateway_responses = gateway_responses or GatewayResponses()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(LOCAL_PREFIX):
            return self._local(request)
        if any(fnmatch.fnmatchcase(request.path, pattern) for pattern in self._api_patterns):
            return self._api(request)
        if self._store is not None and StorePaths.serves(request.path):
            status, headers, body = self._store.forward(request.method, request.path, request.query,
                                                        request.headers, request.body)
            return HttpResponse(status, tuple(headers), body)
        if self._media is not None and request.path.startswith(MEDIA_PREFIX):
            return self._public_media(request)
        return self._static(request)

    # -- API Gateway -------------------------------------------------------------------------

    def _api(self, request: HttpRequest) -> HttpResponse:
        match = self._routes.match(request.method, request.path)
        if match is None:
            allowed = self._routes.allowed_methods(request.path)
            if allowed:
                return error_response(405, "method_not_allowed", "Method not allowed.",
                                      [("Allow", ", ".join(allowed))])
            return error_response(404, "not_found", "Not found.")
        request_id = str(uuid.uuid4())
        if len(request.body) > MAX_PAYLOAD_BYTES:
            return self.gateway_responses.render("REQUEST_TOO_LARGE", request_id=request_id,
                                                 request=request)
        authorizer = None
        if match.route.authorizer is not None:
            try:
                authorizer = self._authorize(match.route, request)
            except Unauthorized as refusal:
                log.info("%s %s: %s refused the request: %s", request.method, request.path,
                         match.route.authorizer, refusal.reason)
                return self.gateway_responses.render("UNAUTHORIZED", request_id=request_id,
                                                     message=refusal.message, request=request)
        event = build_event(request, match, request_id=request_id, account_id=self._account_id,
                            authorizer=authorizer)
        function = self._functions[match.route.function]
        try:
            result = function.invoke(event, request_id)
            response = translate_response(result)
        except MalformedProxyResponseError as error:
            log.error("%s answered a malformed proxy response: %s", match.route.function, error)
            response = error_response(502, "internal_error", "Internal server error.")
        except Exception:  # noqa: BLE001 - what API Gateway does when the function crashes
            log.error("%s raised:\n%s", match.route.function, traceback.format_exc())
            response = error_response(502, "internal_error", "Internal server error.")
        return response

    # -- the runtime's own pages ---------------------------------------------------------------

    def _local(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path == "/_local/redrive":
            if request.method != "POST":
                return error_response(405, "method_not_allowed", "Method not allowed.",
                                      [("Allow", "POST")])
            return self._redrive(request)
        if path == "/_local/ses-events":
            if request.method != "POST":
                return error_response(405, "method_not_allowed", "Method not allowed.",
                                      [("Allow", "POST")])
            return self._ses_event(request)
        if path == "/_local/sms":
            if request.method != "POST":
                return error_response(405, "method_not_allowed", "Method not allowed.",
                                      [("Allow", "POST")])
            return self._sms(request)
        if path == "/_local/archive/flush":
            if request.method != "POST":
                return error_response(405, "method_not_allowed", "Method not allowed.",
                                      [("Allow", "POST")])
            return json_response(200, {"files": self._tools.archive_flush()})
        if path.startswith("/_local/schedules/"):
            if request.method != "POST":
                return error_response(405, "method_not_allowed", "Method not allowed.",
                                      [("Allow", "POST")])
            return self._run_schedule(request, path[len("/_local/schedules/"):])
        if request.method not in ("GET", "HEAD"):
            return error_response(405, "method_not_allowed", "Method not allowed.",
                                  [("Allow", "GET, HEAD")])
        if path == "/_local/schedules":
            return json_response(200, {"schedules": self._tools.schedules()})
        if path.startswith("/_local/cases/"):
            found = self._tools.case(path[len("/_local/cases/"):])
            if found is None:
                return error_response(404, "not_found", "No such case.")
            return json_response(200, found)
        if path == "/_local/quarantine":
            query = parse_qs(request.query)
            try:
                limit = min(max(int(query.get("limit", ["50"])[0]), 1), 100)
            except ValueError:
                return error_response(400, "bad_request", "limit must be a number.")
            try:
                return json_response(200, self._tools.quarantine(limit,
                                                                 query.get("cursor", [None])[0]))
            except LookupError:
                return error_response(404, "not_found", "Not found.")
        if path == "/_local/health":
            return json_response(200, {"ok": True})
        if path in ("/_local/outbox", "/_local/outbox.html"):
            self._outbox.capture()  # the view is current even between two capture rounds
            entries = self._outbox.entries()  # mail and SMS, oldest first
            if path.endswith(".html"):
                return HttpResponse(200, (("Content-Type", "text/html; charset=utf-8"),),
                                    outbox_views.render_html(entries).encode("utf-8"))
            return json_response(200, entries)
        if path.startswith("/_local/outbox/") and path.endswith(".eml"):
            self._outbox.capture()
            raw = self._outbox.raw(path[len("/_local/outbox/"):-len(".eml")])
            if raw is not None:
                return HttpResponse(200, (("Content-Type", "message/rfc822"),), raw)
        return error_response(404, "not_found", "Not found.")

    def _redrive(self, request: HttpRequest) -> HttpResponse:
        query = parse_qs(request.query)
        try:
            max_messages = int(query.get("max", ["1000"])[0])
        except ValueError:
            return error_response(400, "bad_request", "max must be a number.")
        dry_run = query.get("dry_run", ["0"])[0].lower() in _TRUE
        try:
            report = self._tools.redrive(max_messages, dry_run)
        except LookupError:
            return error_response(404, "not_found", "Not found.")
        return json_response(200, report)

    def _run_schedule(self, request: HttpRequest, name: str) -> HttpResponse:
        """``POST /_local/schedules/<name>[?at=<ISO time>][&wait=<seconds>]``: run it now, as
        if scheduled at ``at``; 200 with the run once it ended, 202 when still running after
        ``wait`` seconds (default 120)."""
        query = parse_qs(request.query)
        at = None
        if "at" in query:
            try:
                at = datetime.fromisoformat(query["at"][0].replace("Z", "+00:00"))
            except ValueError:
                return error_response(400, "bad_request", "at must be an ISO 8601 time.")
            if at.tzinfo is None:
                return error_response(400, "bad_request",
                                      "at must carry its offset (Z or +01:00).")
        try:
            wait = min(max(float(query.get("wait", ["120"])[0]), 0.0), 900.0)
        except ValueError:
            return error_response(400, "bad_request", "wait must be a number of seconds.")
        try:
            run = self._tools.run_schedule(name, at, wait)
        except LookupError:
            return error_response(404, "not_found", f"No schedule {name!r}.")
        return json_response(202 if run.get("outcome") == "running" else 200, run)

    def _ses_event(self, request: HttpRequest) -> HttpResponse:
        """``POST /_local/ses-events {"id", "type": bounce|complaint|delivery}``: SES
        reports that about a mail in the outbox (``infra.local.ses_events``)."""
        self._outbox.capture()  # a mail sent a moment ago is known
        try:
            report = self._tools.ses_event(request.body)
        except LookupError as missing:
            return error_response(404, "not_found", str(missing) or "Not found.")
        except ValueError as invalid:
            return error_response(400, "bad_request", str(invalid))
        return json_response(202, report)

    def _sms(self, request: HttpRequest) -> HttpResponse:
        """``POST /_local/sms {"from", "to", "body"}``: a citizen's SMS to the municipality's
        number, as the carrier and End User Messaging deliver it (``infra.local.sms_carrier``)."""
        try:
            report = self._tools.sms(request.body)
        except LookupError:
            return error_response(404, "not_found", "Not found.")
        except ValueError as invalid:
            return error_response(400, "bad_request", str(invalid))
        return json_response(202, report)

    # -- the portal ----------------------------------------------------------------------------

    def _public_media(self, request: HttpRequest) -> HttpResponse:
        """A published photo from the portal bucket's ``public-media/`` (docs/photos.md)."""
        found = self._media.find(request.path) if self._media and request.method in ("GET", "HEAD") else None
        if found is None:
            return HttpResponse(404, (("Content-Type", "text/plain; charset=utf-8"),), b"Not found\n")
        body, content_type, cache = found
        return HttpResponse(200, (("Content-Type", content_type), ("Cache-Control", cache),
                                  ("X-Content-Type-Options", "nosniff")), body)

    def _static(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, "method_not_allowed", "Method not allowed.",
                                  [("Allow", "GET, HEAD")])
        found = self._site.find(request.path)
        if found is None and (directory := self._site.directory_redirect(request.path)):
            return HttpResponse(301, (("Location", directory), ("Content-Type", "text/plain; charset=utf-8")),
                                b"Moved\n")
        if found is None:
            return HttpResponse(404, (("Content-Type", "text/plain; charset=utf-8"),),
                                b"Not found\n")
        # no-cache: revalidate on every load, so edits to web/ show at once.
        return HttpResponse(200, (("Content-Type", found.content_type),
                                  ("Cache-Control", "no-cache")), found.read())


class RequestHandler(BaseHTTPRequestHandler):
    """Socket <-> ``Frontend``. One request per connection (HTTP/1.0), so that no idle
    keep-alive connection holds a thread when the runtime stops."""

    server_version = "CivicDeskLocal/1"
    server: "LocalHttpServer"

    def do_GET(self) -> None:  # noqa: N802 - the names BaseHTTPRequestHandler dispatches to
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        path, _, query = self.path.partition("?")
        query = query.partition("#")[0]
        try:
            body = self._read_body()
        except ValueError as error:
            response = error_response(400, "bad_request", str(error))
        else:
            if body is None:
                response = self.server.frontend.gateway_responses.render(
                    "REQUEST_TOO_LARGE", request_id=str(uuid.uuid4()))
            else:
                request = HttpRequest(self.command, path or "/", query, tuple(self.headers.items()),
                                      body, self.client_address[0])
                try:
                    response = self.server.frontend.handle(request)
                except Exception:  # noqa: BLE001 - answer something rather than drop the socket
                    log.error("%s %s failed:\n%s", self.command, self.path, traceback.format_exc())
                    response = error_response(500, "internal_error", "Internal server error.")
        self._send(response)
        # The path without the query: tracking tokens travel there (API Gateway's access log
        # in template.yaml leaves it out for the same reason).
        log.info("%s %s %d %.0fms", self.command, path, response.status,
                 (time.monotonic() - started) * 1000)

    def _read_body(self) -> bytes | None:
        """The request body; ``None`` when it exceeds API Gateway's payload limit."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                length = int(line, 16)
                if length == 0:
                    while self.rfile.readline(1024).strip():
                        continue  # skip the trailers
                    return b"".join(chunks)
                size += length
                if size > MAX_PAYLOAD_BYTES:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("Invalid Content-Length.")
        if length > MAX_PAYLOAD_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, response: HttpResponse) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client went away; nothing to tell it

    def log_request(self, code: object = "-", size: object = "-") -> None:
        """Silenced: ``_serve`` logs one line per request, with its duration."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        log.warning("%s - %s", self.client_address[0], format % args)


class LocalHttpServer(ThreadingHTTPServer):
    """Threaded, so a slow request does not hold the portal's asset requests."""

    daemon_threads = True
    frontend: Frontend
