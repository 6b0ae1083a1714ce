"""What every route of the API does alike, for one Chalice app: the request's language, the
caller's claims and standing, the JSON body and its limits, the answer's headers, and the one
error shape (``docs/api.md``). Kept per app, never in module state: the public and the admin
function share this code folder, and the local runtime loads both in one process."""

from __future__ import annotations

import functools
import json
import re

from chalice import Chalice, Response

from civicdesk import wiring
from civicdesk.api import errors, requests, views
from civicdesk.domain.errors import BadRequestError, CivicDeskError, UnauthorizedError
from civicdesk.domain.policy import Principal, principal_from_claims
from civicdesk.observability import logger

# The request parsers (``api.case_commands``, ``api.commands`` and the schemas behind them) are
# imported by the routes that take a body or a filter, not with the module: a cold start that
# tracks a case does not build the validators of every command (docs/decisions.md, cold starts).


@functools.lru_cache(maxsize=1)
def idempotency_key_pattern() -> re.Pattern:
    from civicdesk.api.schemas import IDEMPOTENCY_KEY_PATTERN

    return re.compile(IDEMPOTENCY_KEY_PATTERN)


def parse_body(raw_body: bytes | None) -> object:
    from civicdesk.api.schemas import MAX_BODY_BYTES

    return requests.parse_json_body(raw_body, MAX_BODY_BYTES)


def json_response(body: object, status: int = 200, headers: dict | None = None) -> Response:
    headers = {**views.JSON_HEADERS, **(headers or {})}
    if "max-age" in headers.get("Cache-Control", ""):
        # An answer is in the language of ?lang=, else the staff member's own (the token), else
        # Accept-Language: a cache keeps one copy per language (and per staff member).
        private = headers["Cache-Control"].startswith("private")
        headers["Vary"] = "Accept-Language, Authorization" if private else "Accept-Language"
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=headers)


class Edge:
    """The request helpers of one app (``app.current_request`` is the request being served)."""

    def __init__(self, app: Chalice):
        self.app = app

    @property
    def request(self):
        return self.app.current_request

    def language(self) -> str:
        """``?lang=``, then the signed-in staff member's own language (admin routes), then
        ``Accept-Language``, then the municipality's default (``docs/api.md``)."""
        request = self.request
        try:
            municipality = wiring.municipality_provider().get()
            available, default = municipality.languages, municipality.default_language
        except CivicDeskError:
            available, default = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en"), "en"
        return requests.request_language(request.query_params if request else None,
                                         request.headers if request else None, available, default,
                                         own=self.staff_language())

    def claims(self) -> dict | None:
        """The verified ID token's claims; only the admin routes have the Cognito authorizer."""
        request = self.request
        context = (request.context if request else None) or {}
        return (context.get("authorizer") or {}).get("claims")

    def principal(self, *, writes: bool = False) -> Principal:
        """The caller, from the claims API Gateway's Cognito authorizer verified; for a route
        that ``writes``, with the roles the staff directory holds now (a disabled or demoted
        account stops writing within a minute, though its ID token is still valid)."""
        principal = principal_from_claims(self.claims())
        return wiring.staff_standing().current(principal) if writes else principal

    def staff_language(self) -> str | None:
        """The signed-in staff member's ``custom:language``; none on a public route or without
        a valid token (the 401 answers in the request's language)."""
        claims = self.claims()
        if not claims:
            return None
        try:
            return principal_from_claims(claims).language
        except UnauthorizedError:
            return None

    def body(self) -> object:
        return parse_body(self.request.raw_body)

    def idempotency_key(self) -> str | None:
        key = self.request.headers.get("idempotency-key")
        if key is not None and not idempotency_key_pattern().match(key):
            raise BadRequestError("error.idempotency_key")
        return key

    def view(self, view):
        """Turn domain errors into the API's one error shape; never leak a traceback."""

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except CivicDeskError as error:
                if errors.status_of(error) >= 500:
                    logger.exception("server-side error")
                return json_response(errors.error_body(error, self.language()), errors.status_of(error))
            except Exception:
                logger.exception("unhandled error")
                return json_response(errors.generic_error_body("internal_error", self.language()), 500)

        return wrapper

    def uniform_errors(self, event, get_response):
        """Rewrite the errors Chalice answers by itself (415, 405, ...) into the API's shape."""
        response = get_response(event)
        body = response.body
        if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
            code = errors.CHALICE_CODES.get(body["Code"], "bad_request")
            response.body = json.dumps(errors.generic_error_body(code, self.language()),
                                       ensure_ascii=False)
            response.headers = {**(response.headers or {}), **views.JSON_HEADERS}
        return response
