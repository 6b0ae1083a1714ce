"""Staff accounts in the staff user pool: create, list, disable.

Roles are the pool's groups (``civicdesk.domain.policy.Role``); a department agent's departments
are the comma-separated ids in ``custom:departments``; ``custom:language`` is the console's
language. Every permission is decided by the policy table from these, so this is the one place
that writes them.

Usage (AWS; the pool id is the stack's ``StaffUserPoolId`` output)::

    python -m civicdesk.staff create --user-pool-id ID --username ana.petrovic \\
        --email ana.petrovic@opstina.rs --name "Ana Petrović" --role department_agent \\
        --department roads_traffic [--department ...] [--language sr-Cyrl] [--password P]
    python -m civicdesk.staff list --user-pool-id ID [--json]
    python -m civicdesk.staff disable --user-pool-id ID --username ana.petrovic

Without ``--password`` Cognito e-mails a temporary password and the user chooses their own at the
first sign-in; with it the account is ready at once (for service accounts and local testing).

Locally (``make run``), ``--local`` instead of ``--user-pool-id`` takes the pool, the embedded
endpoint and the region from the runtime's ``.civicdesk/local.json`` (``--state-dir`` for
another state directory) and validates departments against the runtime's configuration::

    PYTHONPATH=functions/shared python -m civicdesk.staff create --local --username ...

Usernames are stored in lower case: the pool signs users in case-insensitively, and one spelling
keeps the timeline's ``staff:<username>`` the same whatever the user typed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .domain.cases import LANGUAGES
from .domain.policy import Role

ROLES = tuple(role.value for role in Role)
#: The user attributes CivicDesk reads from the ID token (``principal_from_claims``).
DEPARTMENTS_ATTRIBUTE = "custom:departments"
LANGUAGE_ATTRIBUTE = "custom:language"

_DEPARTMENT_ID = re.compile(r"^[a-z0-9_]+$")
_USERNAME = re.compile(r"^[^\s,]{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
#: ``custom:departments`` is declared with ``MaxLength: 2048`` in template.yaml.
_MAX_DEPARTMENTS_LENGTH = 2048
DEFAULT_STATE_DIR = ".civicdesk"


class StaffInputError(ValueError):
    """What was asked for is not a valid staff account; ``problems`` says why, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class StaffMember:
    """A staff account as CivicDesk understands it (what ``validate`` returns)."""

    username: str
    email: str
    name: str
    roles: tuple[str, ...]
    departments: tuple[str, ...] = ()
    language: str | None = None

    def attributes(self) -> list[dict[str, str]]:
        """The Cognito user attributes. The e-mail is marked verified: an administrator vouches
        for it, and Cognito sends temporary passwords and recovery codes only to verified
        addresses."""
        attributes = [{"Name": "email", "Value": self.email},
                      {"Name": "email_verified", "Value": "true"},
                      {"Name": "name", "Value": self.name}]
        if self.departments:
            attributes.append({"Name": DEPARTMENTS_ATTRIBUTE, "Value": ",".join(self.departments)})
        if self.language:
            attributes.append({"Name": LANGUAGE_ATTRIBUTE, "Value": self.language})
        return attributes


def validate(username: str, email: str, name: str, roles: Iterable[str],
             departments: Iterable[str] = (), language: str | None = None, *,
             known_departments: Iterable[str] | None = None) -> StaffMember:
    """A ``StaffMember`` of these values, normalised, or ``StaffInputError`` with every problem.

    Roles must be CivicDesk's roles; a department agent needs at least one department and only
    department agents have departments (no other role is limited by them); department ids look
    like the municipality's (``roads_traffic``) and, when ``known_departments`` is given, are
    among them.

    Examples
    --------
    >>> validate("Ana.Petrovic", "ana@opstina.rs", "Ana Petrović", ["department_agent"],
    ...          ["roads_traffic", "roads_traffic"]).departments
    ('roads_traffic',)
    >>> validate("ana", "ana@opstina.rs", "Ana", ["department_agent"])
    Traceback (most recent call last):
    ...
    civicdesk.staff.StaffInputError: a department agent needs at least one --department
    """
    problems = []
    username = username.strip().lower()
    if not _USERNAME.match(username):
        problems.append(f"username {username!r}: 1-128 characters, no spaces or commas")
    email = email.strip()
    if not _EMAIL.match(email):
        problems.append(f"e-mail {email!r} is not an address")
    name = " ".join(name.split())
    if not name:
        problems.append("a name is required")
    roles = tuple(dict.fromkeys(role.strip() for role in roles))
    if not roles:
        problems.append(f"at least one --role is required ({', '.join(ROLES)})")
    problems += [f"unknown role {role!r} (one of {', '.join(ROLES)})"
                 for role in roles if role not in ROLES]
    departments = tuple(dict.fromkeys(d.strip() for d in departments))
    problems += [f"department id {d!r}: lower-case letters, digits and _ only"
                 for d in departments if not _DEPARTMENT_ID.match(d)]
    if known_departments is not None:
        known = set(known_departments)
        problems += [f"no department {d!r} in the municipality's configuration "
                     f"({', '.join(sorted(known))})"
                     for d in departments if _DEPARTMENT_ID.match(d) and d not in known]
    if Role.DEPARTMENT_AGENT.value in roles and not departments:
        problems.append("a department agent needs at least one --department")
    if departments and Role.DEPARTMENT_AGENT.value not in roles:
        problems.append("departments limit department agents only; add --role department_agent "
                        "or leave out --department")
    if len(",".join(departments)) > _MAX_DEPARTMENTS_LENGTH:
        problems.append(f"too many departments (custom:departments holds "
                        f"{_MAX_DEPARTMENTS_LENGTH} characters)")
    if language is not None and language not in LANGUAGES:
        problems.append(f"language {language!r}: one of {', '.join(LANGUAGES)}")
    if problems:
        raise StaffInputError(problems)
    return StaffMember(username, email, name, roles, departments, language)


def known_departments(config_dir: str | Path) -> list[str]:
    """The department ids of a municipality configuration folder (``infra/config``)."""
    with (Path(config_dir) / "departments.json").open(encoding="utf-8") as handle:
        return [department["id"] for department in json.load(handle)["departments"]]


# -- Cognito (a ``cognito-idp`` client is passed in; only ``main`` creates one) ----------------

def create_staff_member(client: Any, user_pool_id: str, member: StaffMember, *,
                        password: str | None = None) -> dict:
    """Create ``member`` in the pool with their groups; returns Cognito's ``User``.

    With ``password`` the account is confirmed with it (no mail is sent); without, Cognito mails
    a temporary password. All or nothing: when adding a group or setting the password fails, the
    new user is deleted again, so a retry does not meet a half-made account.
    """
    request: dict[str, Any] = {"UserPoolId": user_pool_id, "Username": member.username,
                               "UserAttributes": member.attributes(),
                               "DesiredDeliveryMediums": ["EMAIL"]}
    if password is not None:
        # Also as the temporary password, so that Cognito checks it against the password policy
        # before the user exists.
        request.update(MessageAction="SUPPRESS", TemporaryPassword=password)
    user = client.admin_create_user(**request)["User"]
    try:
        if password is not None:
            client.admin_set_user_password(UserPoolId=user_pool_id, Username=member.username,
                                           Password=password, Permanent=True)
        for role in member.roles:
            client.admin_add_user_to_group(UserPoolId=user_pool_id, Username=member.username,
                                           GroupName=role)
    except Exception:
        client.admin_delete_user(UserPoolId=user_pool_id, Username=member.username)
        raise
    return user


@dataclass
class StaffListing:
    """One account as ``list`` shows it."""

    username: str
    status: str
    enabled: bool
    roles: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    email: str | None = None
    name: str | None = None
    language: str | None = None


def list_staff(client: Any, user_pool_id: str) -> list[StaffListing]:
    """Every account of the pool with its roles, sorted by username."""
    listed = []
    for page in client.get_paginator("list_users").paginate(UserPoolId=user_pool_id):
        for user in page.get("Users", []):
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            groups = [group["GroupName"] for group_page in
                      client.get_paginator("admin_list_groups_for_user").paginate(
                          UserPoolId=user_pool_id, Username=user["Username"])
                      for group in group_page.get("Groups", [])]
            departments = [d for d in attributes.get(DEPARTMENTS_ATTRIBUTE, "").split(",") if d]
            listed.append(StaffListing(
                user["Username"], user.get("UserStatus", "UNKNOWN"),
                bool(user.get("Enabled", True)), sorted(groups), departments,
                attributes.get("email"), attributes.get("name"),
                attributes.get(LANGUAGE_ATTRIBUTE)))
    return sorted(listed, key=lambda member: member.username)


def disable_staff_member(client: Any, user_pool_id: str, username: str) -> None:
    """Disable the account and revoke its refresh tokens. ID tokens already issued stay valid
    until they expire (the client's ``IdTokenValidity``): API Gateway checks only the signature
    and the expiry."""
    username = username.strip().lower()
    client.admin_disable_user(UserPoolId=user_pool_id, Username=username)
    client.admin_user_global_sign_out(UserPoolId=user_pool_id, Username=username)


# -- command line ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Which pool, where: a deployed pool (default credentials and region) or the local one."""

    user_pool_id: str
    region: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    config_dir: str | None = None


def local_target(state_dir: str | Path) -> Target:
    """The local runtime's staff pool, from ``<state_dir>/local.json`` (written at each start)."""
    path = Path(state_dir) / "local.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        cognito = info["cognito"]
        return Target(cognito["user_pool_id"], cognito.get("region"), cognito["endpoint"],
                      local=True, config_dir=info.get("config_dir"))
    except FileNotFoundError:
        raise StaffInputError([f"{path} does not exist: start the local runtime (make run) "
                               f"first, or pass --state-dir"]) from None
    except (ValueError, KeyError, TypeError):
        raise StaffInputError([f"{path} has no staff user pool (cognito.user_pool_id)"]) from None


def cognito_client(target: Target) -> Any:
    """A ``cognito-idp`` client for ``target``: a plain botocore one (the package never needs
    boto3; ``docs/decisions.md``), with the usual credentials, profile and region resolution.
    The local endpoint (moto) accepts any credentials, so none of the user's are sent there."""
    import botocore.session

    options: dict[str, Any] = {}
    if target.region:
        options["region_name"] = target.region
    if target.endpoint_url:
        options["endpoint_url"] = target.endpoint_url
    if target.local:
        options.update(aws_access_key_id="local", aws_secret_access_key="local")
    return botocore.session.get_session().create_client("cognito-idp", **options)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    pool = argparse.ArgumentParser(add_help=False)
    where = pool.add_mutually_exclusive_group(required=True)
    where.add_argument("--user-pool-id", help="the stack's StaffUserPoolId output")
    where.add_argument("--local", action="store_true",
                       help="the local runtime's pool (from <state dir>/local.json)")
    pool.add_argument("--state-dir", default=DEFAULT_STATE_DIR,
                      help="the local runtime's state directory (default %(default)s)")
    pool.add_argument("--region", help="AWS region of the pool (default: the SDK's)")
    pool.add_argument("--endpoint-url", help="another Cognito endpoint (an emulator)")

    parser = argparse.ArgumentParser(prog="python -m civicdesk.staff",
                                     description="Staff accounts of the CivicDesk user pool.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", parents=[pool], help="create a staff account")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="full name, as colleagues see it")
    create.add_argument("--role", action="append", default=[], choices=ROLES, dest="roles",
                        metavar="ROLE", help=f"{', '.join(ROLES)}; repeat for several roles")
    create.add_argument("--department", action="append", default=[], dest="departments",
                        metavar="ID", help="a department id of a department agent "
                                           "(roads_traffic); repeat for several")
    create.add_argument("--language", choices=LANGUAGES, help="the console's language")
    create.add_argument("--password", help="set this password (confirmed account, no mail); "
                                           "default: Cognito mails a temporary password")
    create.add_argument("--config-dir", help="validate departments against this municipality "
                                             "configuration folder (infra/config)")
    listing = commands.add_parser("list", parents=[pool], help="list the staff accounts")
    listing.add_argument("--json", action="store_true", help="one JSON document")
    disable = commands.add_parser("disable", parents=[pool],
                                  help="disable an account and sign it out everywhere")
    disable.add_argument("--username", required=True)
    return parser.parse_args(argv)


def _target(args: argparse.Namespace) -> Target:
    if args.local:
        target = local_target(args.state_dir)
        if args.endpoint_url or args.region:
            target = Target(target.user_pool_id, args.region or target.region,
                            args.endpoint_url or target.endpoint_url, True, target.config_dir)
        return target
    return Target(args.user_pool_id, args.region, args.endpoint_url)


def _print_listing(members: list[StaffListing], as_json: bool) -> None:
    if as_json:
        print(json.dumps([vars(member) for member in members], ensure_ascii=False, indent=2))
        return
    for member in members:
        state = member.status if member.enabled else f"{member.status}, disabled"
        departments = f" [{', '.join(member.departments)}]" if member.departments else ""
        print(f"{member.username:<28} {', '.join(member.roles) or '-':<28}{departments} "
              f"{member.email or '-'} ({state})")


def main(argv: list[str] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    args = parse_args(argv)
    try:
        target = _target(args)
        client = cognito_client(target)
        if args.command == "create":
            config_dir = args.config_dir or target.config_dir
            member = validate(args.username, args.email, args.name, args.roles, args.departments,
                              args.language, known_departments=(
                                  known_departments(config_dir) if config_dir else None))
            user = create_staff_member(client, target.user_pool_id, member, password=args.password)
            how = ("ready to sign in with the given password" if args.password else
                   f"Cognito mails a temporary password to {member.email}")
            print(f"created {member.username} ({', '.join(member.roles)}"
                  f"{'; ' + ', '.join(member.departments) if member.departments else ''}) in "
                  f"{target.user_pool_id}: {user.get('UserStatus', '?')}, {how}")
        elif args.command == "list":
            _print_listing(list_staff(client, target.user_pool_id), args.json)
        elif args.command == "disable":
            disable_staff_member(client, target.user_pool_id, args.username)
            print(f"disabled {args.username.strip().lower()} and revoked its refresh tokens")
    except StaffInputError as error:
        for problem in error.problems:
            print(f"civicdesk.staff: {problem}", file=sys.stderr)
        return 2
    except ClientError as error:
        details = error.response.get("Error", {})
        print(f"civicdesk.staff: {details.get('Code', 'error')}: {details.get('Message', error)}",
              file=sys.stderr)
        return 1
    except BotoCoreError as error:
        print(f"civicdesk.staff: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
