"""The OpenAPI 3.1 document of the whole HTTP API, generated from the schemas that validate the
requests (``schemas.py``), the schemas of the answers (``response_schemas.py``) and the Chalice
app's own route table.

Each route of the app must have an entry in ``OPERATIONS`` (``document`` refuses otherwise, and a
contract test checks both directions), so the document cannot drift from the code.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..rendering import translate
from . import console_schemas as cs
from . import schemas as s
from .openapi_operations import OPERATIONS
from .operation import Operation
from .response_schemas import ERROR
from .validation import Field

__all__ = ["AUTHORIZER", "OPERATIONS", "VERSION", "document"]

VERSION = "1.3.0"
AUTHORIZER = "StaffAuthorizer"  # the authorizer's name in template.yaml
CITIZEN_AUTHORIZER = "CitizenAuthorizer"  # the citizen pool's (issue 16, docs/accounts.md)


_STATUS_TEXT = {400: "Invalid request: every bad field is listed",
                401: "No valid token (a staff member's; on /v1/public/account/ a citizen's)",
                403: "Your role may not do this", 404: "Not found",
                409: "The case changed meanwhile (current_version), or a duplicate",
                413: "Request too large", 415: "Send application/json", 429: "Too many requests",
                500: "Server error; nothing was saved"}


def _schema(spec: Field) -> dict:
    return _nullable_free(spec.json_schema())


def _nullable_free(schema: dict) -> dict:
    """``Obj`` fields without properties document free-form objects."""
    if schema.get("type") == "object" and schema.get("properties") == {}:
        schema = {k: v for k, v in schema.items() if k not in ("properties", "additionalProperties")}
    for key in ("properties",):
        if key in schema:
            schema[key] = {name: _nullable_free(sub) for name, sub in schema[key].items()}
    if "items" in schema:
        schema["items"] = _nullable_free(schema["items"])
    return schema


def _parameters(operation: Operation) -> list[dict]:
    params = []
    for segment in operation.path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            schema: dict[str, Any] = {"type": "string"}
            if name == "number":
                schema["pattern"] = s.NUMBER_PATTERN
            elif name == "subscription_id":
                schema["pattern"] = s.SUBSCRIPTION_ID_PATTERN
            elif name == "attachment_id":
                schema["pattern"] = r"^[0-9a-f]{6,32}-[0-9]{1,3}$"
            elif name in ("view_id", "reply_id"):
                schema["pattern"] = cs.VIEW_ID_PATTERN
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if operation.query is not None:
        for name, spec in operation.query.fields.items():
            params.append({"name": name, "in": "query", "required": spec.required,
                           "schema": _schema(spec),
                           **({"description": spec.description} if spec.description else {})})
    elif operation.method == "GET":
        params.append({"name": "lang", "in": "query", "required": False,
                       "schema": {"type": "string", "maxLength": 8},
                       "description": "sr-Cyrl, sr-Latn, bg, cs or en"})
    for name, description in operation.headers:
        params.append({"name": name, "in": "header", "required": False, "description": description,
                       "schema": {"type": "string", "pattern": s.IDEMPOTENCY_KEY_PATTERN}})
    params.append({"name": "Accept-Language", "in": "header", "required": False,
                   "schema": {"type": "string", "maxLength": 200},
                   "description": "Language of texts and errors, when ?lang= is not given"})
    return params


def _operation(op: Operation) -> dict:
    success: dict[str, Any] = {"description": {201: "Created", 202: "Accepted"}.get(op.status, "OK")}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": _schema(op.response)}}
    else:
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    if op.csv:
        success["content"]["text/csv"] = {"schema": {"type": "string"}}
    responses: dict[str, Any] = {str(op.status): success}
    for status in sorted(set(op.errors) | {500}):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    if op.refusals:
        responses["400"] = _refusals(op.refusals)
    doc: dict[str, Any] = {"operationId": op.operation_id, "tags": [op.tag], "summary": op.summary,
                           "parameters": _parameters(op), "responses": responses}
    if op.description:
        doc["description"] = op.description
    if op.body is not None:
        content = {"application/json": {"schema": _schema(op.body)}}
        if op.form_body is not None:
            content["application/x-www-form-urlencoded"] = {"schema": _schema(op.form_body)}
        doc["requestBody"] = {"required": op.body_required, "content": content}
    if op.staff:
        doc["security"] = [{AUTHORIZER: []}]
    if op.citizen:
        doc["security"] = [{CITIZEN_AUTHORIZER: []}]
    return doc


def _refusals(refusals: tuple[tuple[str, str, str], ...]) -> dict:
    """The 400 of an operation that also checks the body against the municipality: which
    fields and codes besides the schema's, each with an example answer."""
    listed = "; ".join(f"`{field}` `{code}`: {when}" for field, code, when in refusals)
    examples = {f"{field}.{code}": {
        "summary": f"{field}: {when}",
        "value": {"error": {"code": "validation_failed",
                            "message": translate("en", "error.validation_failed"),
                            "fields": [{"field": field, "code": code,
                                        "message": translate("en", f"field.{code}", allowed="…",
                                                           days=366)}]}}}
        for field, code, when in refusals}
    return {"description": f"{_STATUS_TEXT[400]}. Besides the schema, checked against the "
                           f"municipality's configuration: {listed}. Messages are translated.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"},
                                              "examples": examples}}}


def document(routes: Mapping[str, Mapping[str, Any]] | None = None, *,
             server_url: str = "/") -> dict:
    """The OpenAPI document. With ``routes`` (Chalice's ``app.routes``: path -> method -> entry),
    every route must be documented and every documented operation must be a route."""
    documented = {(op.path, op.method) for op in OPERATIONS}
    if routes is not None:
        actual = {(path, method.upper()) for path, methods in routes.items() for method in methods}
        missing, extra = actual - documented, documented - actual
        if missing or extra:
            raise LookupError(f"OpenAPI out of step with the app: undocumented {sorted(missing)}, "
                              f"not routes {sorted(extra)}")
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    error_schema = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CivicDesk API", "version": VERSION,
                 "description": "The citizen-facing (public) and staff (admin) API of one "
                                "municipality's CivicDesk. Staff operations need the ID token of "
                                "the staff Cognito user pool in the Authorization header; every "
                                "permission is checked again by role and department."},
        "servers": [{"url": server_url}],
        "tags": [{"name": "public", "description": "Citizens, the portal, apps"},
                 {"name": "staff", "description": "Operators, department agents, supervisors, administrators"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": _schema(ERROR)},
            "responses": {f"E{status}": {"description": text,
                                         "content": {"application/json": {"schema": error_schema}}}
                          for status, text in _STATUS_TEXT.items()},
            "securitySchemes": {AUTHORIZER: {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "The ID token of the staff user pool (Cognito), as is or after "
                               "`Bearer `. Locally: `python -m infra.local.token <username>`."},
                CITIZEN_AUTHORIZER: {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "The ID token of the citizen user pool (Cognito), as is or "
                               "after `Bearer ` (docs/accounts.md)."}},
        },
    }
