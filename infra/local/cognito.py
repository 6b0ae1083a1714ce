"""The template's Cognito user pools in moto: pools, app clients, groups, and the demo staff.

CloudFormation's ``AWS::Cognito::UserPool`` properties are, with few exceptions, the parameters
of the ``CreateUserPool`` API under the same names (and the same for clients and groups), so the
translation passes through every property the API accepts (botocore's service model says which)
and handles the exceptions: the name (``UserPoolName`` -> ``PoolName``) and ``EnabledMfas``,
which CloudFormation applies with ``SetUserPoolMfaConfig``. A property that is neither is
reported, not silently dropped. Nothing about the staff pool itself is written here.

moto, not this module, is the limit of the emulation: it keeps usernames case-sensitive whatever
``UsernameConfiguration`` says (``civicdesk.cli.staff`` stores them in lower case, and
``infra.local.token`` lower-cases what it sends to a case-insensitive pool), issues tokens valid
for one hour whatever the client's validity, signs every pool's tokens with one fixed key
(``kid`` ``dummy``), and does not check a client's ``ExplicitAuthFlows``.

Pool and client ids are derived from their definitions (moto's ``HASH`` id strategy) rather
than random, so they stay the same across restarts of the runtime as long as the template does:
a token issued before a restart is still accepted after it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection

from infra.local.template import Template

log = logging.getLogger("civicdesk.local")

USER_POOL = "AWS::Cognito::UserPool"
USER_POOL_CLIENT = "AWS::Cognito::UserPoolClient"
USER_POOL_GROUP = "AWS::Cognito::UserPoolGroup"
DEMO_USERS = Path(__file__).with_name("demo_users.json")

#: moto reads these when it creates a pool or a client (see the module docstring).
STABLE_ID_ENVIRONMENT = {"MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
                         "MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY": "HASH"}
#: Cognito's password policy when a pool declares none.
DEFAULT_PASSWORD_POLICY = {"MinimumLength": 8, "RequireLowercase": True, "RequireUppercase": True,
                           "RequireNumbers": True, "RequireSymbols": True}
#: The characters Cognito counts as symbols (its developer guide, "password requirements").
PASSWORD_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
_POOL_ARN = re.compile(r"^arn:[^:]+:cognito-idp:([^:]+):([^:]*):userpool/(.+)$")


class CognitoTemplateError(ValueError):
    """A Cognito resource of the template that the runtime cannot create."""


# -- what was provisioned ------------------------------------------------------------------------

@dataclass(frozen=True)
class UserPool:
    logical_id: str
    pool_id: str
    arn: str
    name: str
    region: str
    #: ``UsernameConfiguration.CaseSensitive`` (Cognito's default, without it, is case-sensitive)
    username_case_sensitive: bool = True
    password_policy: dict = field(default_factory=lambda: dict(DEFAULT_PASSWORD_POLICY),
                                  compare=False)

    @property
    def ref(self) -> str:
        return self.pool_id

    @property
    def issuer(self) -> str:
        """The ``iss`` of the pool's tokens; the same string in AWS and locally."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    def attributes(self) -> dict[str, str]:
        """``!GetAtt`` values, as CloudFormation documents them for a user pool."""
        return {"Arn": self.arn, "UserPoolId": self.pool_id, "ProviderURL": self.issuer,
                "ProviderName": f"cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"}


@dataclass(frozen=True)
class UserPoolClient:
    logical_id: str
    client_id: str
    name: str
    user_pool_id: str
    auth_flows: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return self.client_id

    def attributes(self) -> dict[str, str]:
        return {"ClientId": self.client_id, "Name": self.name}


@dataclass(frozen=True)
class UserPoolGroup:
    logical_id: str
    name: str
    user_pool_id: str

    @property
    def ref(self) -> str:
        return self.name  # CloudFormation's Ref of a group is its name

    def attributes(self) -> dict[str, str]:
        return {}


def parse_user_pool_arn(arn: str) -> tuple[str, str]:
    """``(region, pool id)`` of a user pool ARN.

    Examples
    --------
    >>> parse_user_pool_arn("arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-1_Ab1")
    ('eu-central-1', 'eu-1_Ab1')
    """
    match = _POOL_ARN.match(arn)
    if not match:
        raise CognitoTemplateError(f"{arn!r} is not a Cognito user pool ARN")
    return match.group(1), match.group(3)


#: What ``provision_user_pools`` made, each by logical id: pools, app clients, groups.
CognitoResources = tuple[dict[str, UserPool], dict[str, UserPoolClient], dict[str, UserPoolGroup]]


# -- CloudFormation properties -> API requests (pure) --------------------------------------------

@dataclass
class PoolRequests:
    """What creating one ``AWS::Cognito::UserPool`` takes: ``CreateUserPool`` and, when the
    template enables MFA methods, ``SetUserPoolMfaConfig`` (without ``UserPoolId``)."""

    create: dict[str, Any]
    mfa: dict[str, Any] | None = None
    ignored: list[str] = field(default_factory=list)


def user_pool_requests(properties: dict, default_name: str,
                       api_parameters: Collection[str]) -> PoolRequests:
    """Translate resolved ``AWS::Cognito::UserPool`` properties into API requests.

    ``api_parameters`` are ``CreateUserPool``'s parameter names (botocore's input shape).

    Examples
    --------
    >>> requests = user_pool_requests(
    ...     {"UserPoolName": "staff", "MfaConfiguration": "OPTIONAL", "Future": 1,
    ...      "EnabledMfas": ["SOFTWARE_TOKEN_MFA"], "AutoVerifiedAttributes": ["email"]},
    ...     "fallback", {"PoolName", "MfaConfiguration", "AutoVerifiedAttributes"})
    >>> requests.create
    {'PoolName': 'staff', 'MfaConfiguration': 'OPTIONAL', 'AutoVerifiedAttributes': ['email']}
    >>> requests.mfa["SoftwareTokenMfaConfiguration"], requests.ignored
    ({'Enabled': True}, ['Future'])
    """
    create: dict[str, Any] = {"PoolName": properties.get("UserPoolName") or default_name}
    ignored = []
    for name, value in properties.items():
        if name in ("UserPoolName", "EnabledMfas"):
            continue
        if name in api_parameters:
            create[name] = value
        else:
            ignored.append(name)
    mfa = None
    enabled = set(properties.get("EnabledMfas") or ())
    mode = properties.get("MfaConfiguration", "OFF")
    if enabled and mode != "OFF":
        mfa = {"MfaConfiguration": mode}
        if "SOFTWARE_TOKEN_MFA" in enabled:
            mfa["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
        if "SMS_MFA" in enabled:
            mfa["SmsMfaConfiguration"] = {
                key: value for key, value in (
                    ("SmsAuthenticationMessage", properties.get("SmsAuthenticationMessage")),
                    ("SmsConfiguration", properties.get("SmsConfiguration"))) if value}
        if "EMAIL_OTP" in enabled:
            mfa["EmailMfaConfiguration"] = {}
    return PoolRequests(create, mfa, ignored)


def passthrough_request(properties: dict,
                        api_parameters: Collection[str]) -> tuple[dict, list[str]]:
    """``(request, ignored property names)``: the properties the API takes under the same name
    (``AWS::Cognito::UserPoolClient`` -> ``CreateUserPoolClient``, ``UserPoolGroup`` ->
    ``CreateGroup``)."""
    request = {name: value for name, value in properties.items() if name in api_parameters}
    return request, [name for name in properties if name not in api_parameters]


def _api_parameters(client: Any, operation: str) -> set[str]:
    return set(client.meta.service_model.operation_model(operation).input_shape.members)


# -- provisioning (I/O) ---------------------------------------------------------------------------

def provision_user_pools(template: Template, ref: Callable[[str], str], client: Any,
                         name_prefix: str = "civicdesk-local") -> CognitoResources:
    """Create the template's user pools, then their app clients and groups, in moto.

    ``ref`` resolves the template's other references; references to the pools are resolved here,
    as they are created (``!Ref StaffUserPool`` in a client is the pool's id).
    """
    pools: dict[str, UserPool] = {}
    clients: dict[str, UserPoolClient] = {}
    groups: dict[str, UserPoolGroup] = {}

    def local_ref(name: str) -> str:
        logical_id, _, attribute = name.partition(".")
        made = pools.get(logical_id) or clients.get(logical_id)
        if made is not None:
            return made.attributes()[attribute] if attribute else made.ref
        return ref(name)

    for logical_id, resource in template.of_type(USER_POOL).items():
        properties = template.resolve_deep(resource.get("Properties", {}), local_ref)
        requests = user_pool_requests(properties, f"{name_prefix}-{logical_id}",
                                      _api_parameters(client, "CreateUserPool"))
        _report_ignored(logical_id, requests.ignored)
        with _stable_ids():
            created = client.create_user_pool(**requests.create)["UserPool"]
        if requests.mfa:
            client.set_user_pool_mfa_config(UserPoolId=created["Id"], **requests.mfa)
        region, pool_id = parse_user_pool_arn(created["Arn"])
        policy = (properties.get("Policies") or {}).get("PasswordPolicy") or DEFAULT_PASSWORD_POLICY
        case_sensitive = (properties.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
        pools[logical_id] = UserPool(logical_id, pool_id, created["Arn"], created["Name"], region,
                                     _boolean(case_sensitive), dict(policy))

    for logical_id, resource in template.of_type(USER_POOL_CLIENT).items():
        properties = template.resolve_deep(resource.get("Properties", {}), local_ref)
        request, ignored = passthrough_request(properties,
                                               _api_parameters(client, "CreateUserPoolClient"))
        _report_ignored(logical_id, ignored)
        request.setdefault("ClientName", f"{name_prefix}-{logical_id}")
        with _stable_ids():
            created = client.create_user_pool_client(**request)["UserPoolClient"]
        clients[logical_id] = UserPoolClient(logical_id, created["ClientId"],
                                             created["ClientName"], created["UserPoolId"],
                                             tuple(request.get("ExplicitAuthFlows") or ()))

    for logical_id, resource in template.of_type(USER_POOL_GROUP).items():
        properties = template.resolve_deep(resource.get("Properties", {}), local_ref)
        request, ignored = passthrough_request(properties, _api_parameters(client, "CreateGroup"))
        _report_ignored(logical_id, ignored)
        if "GroupName" not in request:
            raise CognitoTemplateError(f"{logical_id}: a group needs a GroupName locally")
        client.create_group(**request)
        groups[logical_id] = UserPoolGroup(logical_id, request["GroupName"], request["UserPoolId"])
    return pools, clients, groups


class _stable_ids:
    """Sets moto's ``HASH`` id strategy around one create call (moto runs in this process and
    reads it from the environment at that moment), then restores what was there."""

    def __enter__(self) -> None:
        self._saved = {name: os.environ.get(name) for name in STABLE_ID_ENVIRONMENT}
        os.environ.update(STABLE_ID_ENVIRONMENT)

    def __exit__(self, *exc_info: object) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _report_ignored(logical_id: str, names: list[str]) -> None:
    if names:
        log.info("%s: %s not emulated locally", logical_id, ", ".join(names))


def _boolean(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


# -- demo staff ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoUser:
    """One entry of ``demo_users.json``: a staff account with a known password."""

    username: str
    email: str
    name: str
    roles: tuple[str, ...]
    password: str
    departments: tuple[str, ...] = ()
    language: str | None = None

    def as_json(self) -> dict:
        return {"username": self.username, "name": self.name, "email": self.email,
                "roles": list(self.roles), "departments": list(self.departments),
                "language": self.language, "password": self.password}


@dataclass(frozen=True)
class DemoStaff:
    #: Logical id of the pool they belong in (``None``: the template's only pool).
    user_pool: str | None
    users: tuple[DemoUser, ...]


def load_demo_staff(path: Path = DEMO_USERS) -> DemoStaff:
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle)
    users = tuple(DemoUser(u["username"], u["email"], u["name"], tuple(u["roles"]), u["password"],
                           tuple(u.get("departments") or ()), u.get("language"))
                  for u in document["users"])
    return DemoStaff(document.get("user_pool"), users)


def demo_pool(demo: DemoStaff, pools: dict[str, UserPool]) -> UserPool | None:
    """The pool the demo staff belong in; ``None`` when the template declares no pool."""
    if demo.user_pool is not None:
        if demo.user_pool not in pools:
            raise CognitoTemplateError(f"demo users: template.yaml has no user pool "
                                       f"{demo.user_pool!r} ({', '.join(pools) or 'none'})")
        return pools[demo.user_pool]
    if len(pools) > 1:
        raise CognitoTemplateError(f"demo users: name the pool they belong in (user_pool), "
                                   f"one of {', '.join(pools)}")
    return next(iter(pools.values()), None)


def password_problems(password: str, policy: dict) -> list[str]:
    """What ``password`` lacks under a Cognito ``PasswordPolicy`` (empty: it is accepted).

    Examples
    --------
    >>> password_problems("Demo-Admin-5", {"MinimumLength": 12, "RequireSymbols": False})
    []
    >>> password_problems("demo", {"MinimumLength": 8, "RequireUppercase": True})
    ['at least 8 characters', 'an upper-case letter']
    """
    problems = []
    if len(password) < int(policy.get("MinimumLength", 8)):
        problems.append(f"at least {policy.get('MinimumLength', 8)} characters")
    checks = (("RequireUppercase", lambda c: c.isupper(), "an upper-case letter"),
              ("RequireLowercase", lambda c: c.islower(), "a lower-case letter"),
              ("RequireNumbers", lambda c: c.isdigit(), "a digit"),
              ("RequireSymbols", lambda c: c in PASSWORD_SYMBOLS, "a symbol"))
    for setting, test, wanted in checks:
        if _boolean(policy.get(setting, False)) and not any(test(c) for c in password):
            problems.append(wanted)
    return problems


def create_demo_staff(client: Any, pool: UserPool, users: tuple[DemoUser, ...],
                      known_departments: Collection[str] | None = None) -> None:
    """Create the demo accounts with the code of ``civicdesk.cli.staff`` (the tool staff accounts
    are made with in AWS), with their passwords confirmed. Checked first, so that a bad entry stops the start
    with a clear message instead of leaving some users made."""
    from civicdesk.adapters.cognito_admin import CognitoStaffPool
    from civicdesk.services.staff_accounts import StaffInputError, validate

    members = []
    for user in users:
        try:
            member = validate(user.username, user.email, user.name, user.roles, user.departments,
                              user.language, known_departments=known_departments)
        except StaffInputError as error:
            raise CognitoTemplateError(f"demo user {user.username}: {error}") from None
        problems = password_problems(user.password, pool.password_policy)
        if problems:
            raise CognitoTemplateError(f"demo user {user.username}: the password needs "
                                       f"{', '.join(problems)} ({pool.logical_id}'s policy)")
        members.append((member, user.password))
    for member, password in members:
        CognitoStaffPool(client, pool.pool_id).create(member, password=password)


def seed_demo_staff(client: Any, path: Path, pools: dict[str, UserPool],
                    clients: dict[str, UserPoolClient], config_dir: Path
                    ) -> tuple[UserPool | None, UserPoolClient | None, tuple[DemoUser, ...]]:
    """The demo staff of ``path``, created in the pool they belong in; that pool, the app client
    they sign in with (one allowing password sign-in, else the pool's first) and the users.
    Nothing when the template declares no pool."""
    from civicdesk.cli.staff import known_departments

    demo = load_demo_staff(path)
    pool = demo_pool(demo, pools)
    if pool is None:
        return None, None, ()
    candidates = [c for c in clients.values() if c.user_pool_id == pool.pool_id]
    app_client = next((c for c in candidates
                       if {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"} & set(c.auth_flows)),
                      candidates[0] if candidates else None)
    create_demo_staff(client, pool, demo.users, known_departments(config_dir))
    return pool, app_client, demo.users
