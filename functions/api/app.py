"""The CivicDesk HTTP API (Chalice). Routes only translate HTTP <-> services.

SAM: ``Handler: app.app``; one REST ``Api`` event per route below (a contract test checks it).
"""

from __future__ import annotations

import functools
import json
import re

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware, Response

from civicdesk import wiring
from civicdesk.api import case_views, errors, requests, route_tables, views
from civicdesk.domain.errors import BadRequestError, CivicDeskError, UnauthorizedError, ValidationError
from civicdesk.domain.policy import Action, Principal, principal_from_claims
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()

app = Chalice(app_name="civicdesk-api", configure_logs=False)
app.register_middleware(ConvertToMiddleware(
    logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)))
app.register_middleware(ConvertToMiddleware(tracer.capture_lambda_handler))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))

# The request parsers (``api.case_commands``, ``api.commands`` and the schemas behind them) are
# imported by the routes that take a body or a filter, not with the module: a cold start that
# tracks a case does not build the validators of every command (docs/decisions.md, cold starts).


@functools.lru_cache(maxsize=1)
def _idempotency_key_pattern() -> re.Pattern:
    from civicdesk.api.schemas import IDEMPOTENCY_KEY_PATTERN

    return re.compile(IDEMPOTENCY_KEY_PATTERN)


def _parse_body(raw_body: bytes | None) -> object:
    from civicdesk.api.schemas import MAX_BODY_BYTES

    return requests.parse_json_body(raw_body, MAX_BODY_BYTES)


def _language() -> str:
    """``?lang=``, then the signed-in staff member's own language (admin routes), then
    ``Accept-Language``, then the municipality's default (``docs/api.md``)."""
    request = app.current_request
    try:
        municipality = wiring.municipality_provider().get()
        available, default = municipality.languages, municipality.default_language
    except CivicDeskError:
        available, default = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en"), "en"
    return requests.request_language(request.query_params if request else None,
                                     request.headers if request else None, available, default,
                                     own=_staff_language())


def _claims() -> dict | None:
    """The verified ID token's claims; only the admin routes have the Cognito authorizer."""
    request = app.current_request
    context = (request.context if request else None) or {}
    return (context.get("authorizer") or {}).get("claims")


def _json(body: object, status: int = 200, headers: dict | None = None) -> Response:
    headers = {**views.JSON_HEADERS, **(headers or {})}
    if "max-age" in headers.get("Cache-Control", ""):
        # An answer is in the language of ?lang=, else the staff member's own (the token), else
        # Accept-Language: a cache keeps one copy per language (and per staff member).
        private = headers["Cache-Control"].startswith("private")
        headers["Vary"] = "Accept-Language, Authorization" if private else "Accept-Language"
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=headers)


def api_view(view):
    """Turn domain errors into the API's one error shape; never leak a traceback."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except CivicDeskError as error:
            if errors.status_of(error) >= 500:
                logger.exception("server-side error")
            return _json(errors.error_body(error, _language()), errors.status_of(error))
        except Exception:
            logger.exception("unhandled error")
            return _json(errors.generic_error_body("internal_error", _language()), 500)

    return wrapper


@app.middleware("http")
def uniform_errors(event, get_response):
    """Rewrite the errors Chalice answers by itself (415, 405, ...) into the API's shape."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = errors.CHALICE_CODES.get(body["Code"], "bad_request")
        response.body = json.dumps(errors.generic_error_body(code, _language()), ensure_ascii=False)
        response.headers = {**(response.headers or {}), **views.JSON_HEADERS}
    return response


# -- public ------------------------------------------------------------------------------------

@app.route("/v1/public/municipality", methods=["GET"])
@api_view
def public_municipality():
    municipality = wiring.public_info_service().municipality()
    return _json(views.municipality_view(municipality, _language()),
                 headers={"Cache-Control": "public, max-age=60"})


@app.route("/v1/public/map", methods=["GET"])
@api_view
def public_map():
    municipality = wiring.public_info_service().municipality()
    return _json(views.map_view(municipality, _language()),
                 headers={"Cache-Control": "public, max-age=300"})


@app.route("/v1/public/categories", methods=["GET"])
@api_view
def public_categories():
    municipality = wiring.public_info_service().municipality()
    return _json(views.categories_view(municipality, _language()),
                 headers={"Cache-Control": "public, max-age=60"})


@app.route("/v1/public/cases", methods=["POST"],
           content_types=["application/json"])
@api_view
def public_open_case():
    from civicdesk.api import case_commands

    request = app.current_request
    payload = _parse_body(request.raw_body)
    key = request.headers.get("idempotency-key")
    if key is not None and not _idempotency_key_pattern().match(key):
        raise BadRequestError("error.idempotency_key")
    command = case_commands.open_public_case(
        payload, language_hint=_language() if request.headers.get("accept-language") else None,
        idempotency_key=key)
    return _json(case_views.opened_public(wiring.case_service().open_public_case(command)), 201)


@app.route("/v1/public/cases/{number}", methods=["GET"])
@api_view
def public_track_case(number):
    params = app.current_request.query_params or {}
    found = wiring.case_service().track(number, params.get("token"))
    return _json(case_views.tracked(found, wiring.municipality_provider().get(), params.get("lang")))


@app.route("/v1/public/cases/{number}/subscriptions", methods=["POST"],
           content_types=["application/json"])
@api_view
def public_follow_case(number):
    from civicdesk.api import commands

    request = app.current_request
    asked = request.headers.get("accept-language") or (request.query_params or {}).get("lang")
    payload = _parse_body(request.raw_body)
    command = commands.follow_case(number, payload, language_hint=_language() if asked else None)
    return _json(views.follow_view(wiring.follower_service().follow(command)), 202)


@app.route("/v1/public/cases/{number}/subscriptions/{subscription_id}/confirm", methods=["POST"],
           content_types=["application/json"])
@api_view
def public_confirm_subscription(number, subscription_id):
    from civicdesk.api import commands

    payload = _parse_body(app.current_request.raw_body)
    command = commands.confirm_subscription(number, subscription_id, payload)
    return _json(views.subscription_view(wiring.follower_service().confirm(command)))


#: RFC 8058: a mail client's one-click unsubscribe POSTs ``List-Unsubscribe=One-Click`` as a form
#: to the URL of the ``List-Unsubscribe`` header, which carries the token in its query string.
_ONE_CLICK_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@app.route("/v1/public/cases/{number}/subscriptions/{subscription_id}/unsubscribe",
           methods=["POST"], content_types=["application/json", *_ONE_CLICK_TYPES])
@api_view
def public_unsubscribe(number, subscription_id):
    from civicdesk.api import commands

    request = app.current_request
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    payload = None
    if media_type not in _ONE_CLICK_TYPES and request.raw_body:
        payload = _parse_body(request.raw_body)
    command = commands.unsubscribe(number, subscription_id, payload,
                                   (request.query_params or {}).get("token"))
    return _json(views.subscription_view(wiring.follower_service().unsubscribe(command)))


# -- staff (admin API; every route has the Cognito authorizer in template.yaml) ------------------

def _principal(*, writes: bool = False) -> Principal:
    """The caller, from the claims API Gateway's Cognito authorizer verified; for a route that
    ``writes``, with the roles the staff directory holds now (a disabled or demoted account
    stops writing within a minute, though its ID token is still valid)."""
    principal = principal_from_claims(_claims())
    return wiring.staff_standing().current(principal) if writes else principal


def _staff_language() -> str | None:
    """The signed-in staff member's ``custom:language``; none on a public route or without a
    valid token (the 401 answers in the request's language)."""
    claims = _claims()
    if not claims:
        return None
    try:
        return principal_from_claims(claims).language
    except UnauthorizedError:
        return None


def _body() -> object:
    return _parse_body(app.current_request.raw_body)


def _idempotency_key() -> str | None:
    key = app.current_request.headers.get("idempotency-key")
    if key is not None and not _idempotency_key_pattern().match(key):
        raise BadRequestError("error.idempotency_key")
    return key


@app.route("/v1/admin/me", methods=["GET"])
@api_view
def admin_me():
    profile = wiring.staff_service().me(_principal())
    return _json(views.me_view(profile, wiring.municipality_provider().get(), _language()))


@app.route("/v1/admin/staff", methods=["GET"])
@api_view
def admin_staff():
    from civicdesk.api import commands

    query = commands.colleague_query(app.current_request.query_params)
    members = wiring.staff_service().colleagues(_principal(), query)
    return _json(views.colleagues_view(members, wiring.municipality_provider().get(), _language()))


@app.route("/v1/admin/cases", methods=["GET"])
@api_view
def admin_queue():
    from civicdesk.api import queue_filters

    principal, language = _principal(), _language()
    query = queue_filters.queue_filter(app.current_request.query_params)
    page = wiring.case_reader().queue(principal, query)
    return _json(case_views.queue_page(page, wiring.municipality_provider().get(), language))


@app.route("/v1/admin/cases", methods=["POST"], content_types=["application/json"])
@api_view
def admin_open_case():
    from civicdesk.api import case_commands

    principal = _principal(writes=True)
    command = case_commands.open_staff_case(_body(), idempotency_key=_idempotency_key())
    answer = case_views.opened_staff(wiring.casework_service().open_case(principal, command))
    return _json(answer, 201, headers={"Location": f"/v1/admin/cases/{answer['number']}"})


@app.route("/v1/admin/cases/{number}", methods=["GET"])
@api_view
def admin_case(number):
    principal, language = _principal(), _language()
    found = wiring.case_reader().case(principal, number)
    view = case_views.case_file(found, wiring.municipality_provider().get(), language)
    return _json(view, headers={"ETag": f'"{view["version"]}"'})


@app.route("/v1/admin/cases/{number}/attachments/{attachment_id}", methods=["GET"])
@api_view
def admin_case_attachment(number, attachment_id):
    link = wiring.case_attachments().link(_principal(), number, attachment_id)
    return _json(case_views.attachment_link(link), headers={"Cache-Control": "private, no-store"})


@app.route("/v1/admin/organisation", methods=["GET"])
@api_view
def admin_organisation():
    municipality = wiring.organisation_info().organisation(_principal())
    return _json(case_views.organisation(municipality, _language()),
                 headers={"Cache-Control": "private, max-age=300"})


def _change(use_case: str, action: Action, parse: str, shape: str):
    """A case-changing route: the caller's identity (401), the JSON body (413, 400), then the
    service checks the role (403) before it reads the case; a body that is no valid command is
    reported (400) only after the same checks. ``parse`` names the parser in
    ``api.case_commands``, ``shape`` the view in ``api.case_views``."""

    def view(number):
        from civicdesk.api import case_commands

        principal = _principal(writes=True)
        body = _body()
        service = wiring.casework_service()
        try:
            command = getattr(case_commands, parse)(number, body)
        except ValidationError:
            service.check_change(principal, action, number)
            raise
        return _json(getattr(case_views, shape)(getattr(service, use_case)(principal, command),
                                                _language()))

    return view


@app.route("/v1/admin/cases/{number}", methods=["DELETE"], content_types=["application/json"])
@api_view
def admin_delete_case(number):
    return _change("delete", Action.DELETE, "delete", "deleted")(number)


#: (path segment, service use case, action, parser in api.case_commands, view in api.case_views)
_CHANGES = (("assignment", "assign", Action.ASSIGN, "assign", "changed"),
            ("status", "change_status", Action.CHANGE_STATUS, "change_status", "changed"),
            ("routing", "reroute", Action.ROUTE, "reroute", "changed"),
            ("notes", "add_note", Action.ADD_NOTE, "add_note", "changed"),
            ("replies", "reply", Action.REPLY, "reply", "replied"),
            ("referrals", "refer", Action.REFER, "refer", "referred"),
            ("merge", "merge", Action.MERGE, "merge", "merged"),
            ("links", "link", Action.LINK, "link", "changed"),
            ("escalation", "escalate", Action.ESCALATE, "escalate", "escalated"),
            ("deadline-extension", "extend_deadline", Action.CHANGE_STATUS, "extend_deadline",
             "changed"))
for _segment, _use_case, _action, _parse, _shape in _CHANGES:
    app.route(f"/v1/admin/cases/{{number}}/{_segment}", methods=["POST"],
              content_types=["application/json"], name=f"admin_{_use_case}")(
        api_view(_change(_use_case, _action, _parse, _shape)))


@app.route("/v1/admin/feed", methods=["GET"])
@api_view
def admin_feed():
    from civicdesk.api import commands

    query = commands.feed_query(app.current_request.query_params)
    page = wiring.feed_service().feed(_principal(), query)
    return _json(views.feed_view(page, wiring.municipality_provider().get(), _language()))


@app.route("/v1/admin/quarantine", methods=["GET"])
@api_view
def admin_quarantine():
    from civicdesk.api import commands

    query = commands.page_query(app.current_request.query_params)
    return _json(views.quarantine_view(wiring.quarantine_admin().list(_principal(), query)))


@app.route("/v1/admin/quarantine/{quarantine_id}/release", methods=["POST"])
@api_view
def admin_release_quarantined(quarantine_id):
    return _json(views.release_view(wiring.quarantine_admin().release(_principal(writes=True), quarantine_id)))


@app.route("/v1/admin/suppressions", methods=["GET"])
@api_view
def admin_suppressions():
    from civicdesk.api import commands

    query = commands.page_query(app.current_request.query_params)
    return _json(views.suppressions_view(wiring.suppression_admin().list(_principal(), query)))


@app.route("/v1/admin/suppressions/{address}", methods=["DELETE"], content_types=["application/json"])
@api_view
def admin_lift_suppression(address):
    from civicdesk.api import commands

    principal = _principal(writes=True)
    command = commands.lift_suppression(address, _body())
    return _json(views.suppression_view(wiring.suppression_admin().lift(principal, command)))


# -- the staff console: handlers in civicdesk.api.console_handlers (docs/api.md) ----------------


def _console(handler: str, module: str = "console_handlers"):
    def view(**path):
        import importlib

        from civicdesk.api import console_handlers

        request = app.current_request
        call = console_handlers.Call(services=wiring, principal=_principal, body=_body,
                                     params=dict(request.query_params or {}),
                                     language=_language, path=path,
                                     raw_body=lambda: request.raw_body,
                                     headers=request.headers or {})
        body, status, headers = getattr(importlib.import_module(f"civicdesk.api.{module}"),
                                        handler)(call)
        if isinstance(body, str):  # a download (CSV): text with its own headers
            return Response(body=body, status_code=status, headers=headers)
        return _json(body, status, headers)

    return view


# -- finding cases (services/search.py, api/search_views.py) -------------------------------------

def _finding(parse: str, use_case: str, shape: str):
    """A read that finds cases: the query string parsed by ``search_views.<parse>``, one call
    of the search service's ``use_case``, the answer shaped by ``search_views.<shape>``."""

    def view():
        from civicdesk.api import search_views

        principal, language = _principal(), _language()
        query = getattr(search_views, parse)(app.current_request.query_params)
        found = getattr(wiring.search_service(), use_case)(principal, query)
        return _json(getattr(search_views, shape)(found, wiring.municipality_provider().get(), language))

    return view


for _method, _path, _handler in route_tables.CONSOLE:
    app.route(_path, methods=[_method], name=_handler,
              **({} if _method == "GET" else {"content_types": ["application/json"]}))(
        api_view(_console(_handler)))


for _method, _path, _handler in route_tables.REPORTS:
    app.route(_path, methods=[_method], name=_handler)(api_view(_console(_handler, "stats_handlers")))


for _method, _path, _handler in route_tables.ALERTS:
    app.route(_path, methods=[_method], name=_handler, **route_tables.alerts_types(_method, _path))(
        api_view(_console(_handler, "alerts_handlers")))
for _method, _path, _handler in route_tables.SURVEYS:
    app.route(_path, methods=[_method], name=_handler, **({} if _method == "GET" else {"content_types": [
        "application/json"]}))(api_view(_console(_handler, "survey_handlers")))
for _method, _path, _handler in route_tables.CAMPAIGNS:
    app.route(_path, methods=[_method], name=_handler,
              **({} if _method == "GET" else {"content_types": ["application/json"]}))(
        api_view(_console(_handler, "campaign_handlers")))


for _path, _name, _parse, _use_case, _shape in route_tables.FINDING:
    app.route(_path, methods=["GET"], name=_name)(api_view(_finding(_parse, _use_case, _shape)))


for _method, _path, _handler in route_tables.AUDIENCES:
    app.route(_path, methods=[_method], name=_handler,
              **({} if _method == "GET" else {"content_types": ["application/json"]}))(
        api_view(_console(_handler, "audience_handlers")))
for _method, _path, _handler in route_tables.OPEN311:
    app.route(_path, methods=[_method], name=_handler, **({"content_types": ["application/json"]}
              if _method == "POST" else {}))(api_view(_console(_handler, "open311_admin_handlers")))


@app.route("/v1/openapi.json", methods=["GET"])
@api_view
def openapi_document():
    from civicdesk.api import openapi

    return _json(openapi.document(app.routes), headers={"Cache-Control": "public, max-age=300"})
