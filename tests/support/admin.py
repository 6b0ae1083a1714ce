"""Calling the admin API in-process the way API Gateway does after its Cognito authorizer: a
proxy event whose ``requestContext.authorizer.claims`` hold the ID token's claims as strings."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import boto3

from infra.local.apigateway import ApiRoute, HttpRequest, RouteTable, build_event, translate_response
from infra.local.template import Template
from tests.support import aws

ROLE_DEPARTMENTS = {"department_agent": ("roads_traffic",)}


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)
    text: str = ""  # a download's body (CSV), not JSON

    @property
    def error_code(self) -> str | None:
        return (self.body.get("error") or {}).get("code") if isinstance(self.body, dict) else None

    @property
    def fields(self) -> dict[str, str]:
        return {f["field"]: f["code"] for f in (self.body.get("error") or {}).get("fields", [])}


def claims_for(username: str, roles: tuple[str, ...], departments: tuple[str, ...] = (),
               sub: str | None = None, name: str | None = None) -> dict[str, str]:
    claims = {"sub": sub or str(uuid.uuid5(uuid.NAMESPACE_DNS, username)),
              "cognito:username": username, "token_use": "id", "email_verified": "true",
              "email": f"{username}@demo.civicdesk.rs",
              "iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_test",
              "cognito:groups": ",".join(roles), "name": name or username.title()}
    if departments:
        claims["custom:departments"] = ",".join(departments)
    return claims


class AdminApi:
    """Routes from template.yaml, the handler of the function that serves each route."""

    def __init__(self):
        template = Template()
        self._routes = RouteTable(ApiRoute(r.path, r.method, r.function) for r in template.routes())
        self._modules: dict[str, object] = {}

    def _handler(self, function: str):
        if function not in self._modules:
            self._modules[function] = aws.load_function(function)
        return self._modules[function].app

    def call(self, method: str, path: str, body: object = None, *, claims: dict | None = None,
             query: str = "", headers: dict | None = None) -> Answer:
        raw = b"" if body is None else (body if isinstance(body, bytes) else
                                        json.dumps(body, ensure_ascii=False).encode("utf-8"))
        explicit = any(name.lower() == "content-type" for name in (headers or {}))
        header_list = [("Content-Type", "application/json")] if raw and not explicit else []
        header_list += list((headers or {}).items())
        request = HttpRequest(method, path, query, tuple(header_list), raw)
        match = self._routes.match(method, path)
        assert match is not None, f"no route for {method} {path}"
        event = build_event(request, match)
        if claims is not None:
            event["requestContext"]["authorizer"] = {"claims": dict(claims)}
        result = self._handler(match.route.function)(event, aws.context(match.route.function))
        response = translate_response(result)
        if dict(response.headers).get("Content-Type", "").startswith("text/"):
            return Answer(response.status, {}, dict(response.headers),
                          text=(response.body or b"").decode("utf-8"))
        return Answer(response.status, json.loads(response.body or b"{}"), dict(response.headers))


class Staff:
    """Named staff members with their claims, created in the pool too (for assignment checks)."""

    def __init__(self, api: AdminApi, pool_id: str):
        self.api = api
        self.pool_id = pool_id
        self.cognito = boto3.client("cognito-idp", region_name=aws.REGION)
        self.claims: dict[str, dict] = {}

    def add(self, username: str, *roles: str, departments: tuple[str, ...] = ()) -> "Caller":
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{username}@demo.civicdesk.rs"},
                            {"Name": "name", "Value": username.replace(".", " ").title()},
                            *([{"Name": "custom:departments", "Value": ",".join(departments)}]
                              if departments else [])])
        sub = next(a["Value"] for a in self.cognito.admin_get_user(
            UserPoolId=self.pool_id, Username=username)["UserAttributes"] if a["Name"] == "sub")
        for role in roles:
            self.cognito.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username,
                                                 GroupName=role)
        self.claims[username] = claims_for(username, roles, departments, sub=sub)
        return Caller(self.api, self.claims[username])


@dataclass
class Caller:
    api: AdminApi
    claims: dict

    def get(self, path: str, query: str = "", **kw) -> Answer:
        return self.api.call("GET", path, claims=self.claims, query=query, **kw)

    def post(self, path: str, body: object = None, **kw) -> Answer:
        return self.api.call("POST", path, body if body is not None else {}, claims=self.claims, **kw)

    def delete(self, path: str, body: object = None, **kw) -> Answer:
        return self.api.call("DELETE", path, body, claims=self.claims, **kw)
