"""Staff accounts in the staff user pool: create, list, disable.

Roles are the pool's groups (``civicdesk.domain.policy.Role``); a department agent's departments
are the comma-separated ids in ``custom:departments``; ``custom:language`` is the console's
language. Every permission is decided by the policy table from these, so this tool is the one
place that writes them: what a valid account is says ``civicdesk.services.staff_accounts``, how
it is written to Cognito ``civicdesk.adapters.cognito_admin``.

Usage (AWS; the pool id is the stack's ``StaffUserPoolId`` output)::

    python -m civicdesk.cli.staff create --user-pool-id ID --username ana.petrovic \\
        --email ana.petrovic@opstina.rs --name "Ana Petrović" --role department_agent \\
        --department roads_traffic [--department ...] [--language sr-Cyrl] [--password P]
    python -m civicdesk.cli.staff list --user-pool-id ID [--json]
    python -m civicdesk.cli.staff disable --user-pool-id ID --username ana.petrovic

Without ``--password`` Cognito e-mails a temporary password and the user chooses their own at the
first sign-in; with it the account is ready at once (for service accounts and local testing).

Locally (``make run``), ``--local`` instead of ``--user-pool-id`` takes the pool, the embedded
endpoint and the region from the runtime's ``.civicdesk/local.json`` (``--state-dir``, or
``CIVICDESK_STATE_DIR`` as for ``make run``, for another state directory) and validates
departments against the runtime's configuration::

    PYTHONPATH=functions/shared .venv/bin/python -m civicdesk.cli.staff create --local --username ...

Usernames are stored in lower case (``validate``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from msgspec import Struct
from msgspec.structs import asdict

from .. import wiring
from ..domain.cases import LANGUAGES
from ..services.staff_accounts import ROLES, StaffInputError, StaffListing, StaffPoolError, validate

DEFAULT_STATE_DIR = ".civicdesk"


def known_departments(config_dir: str | Path) -> list[str]:
    """The department ids of a municipality configuration folder (``infra/config``)."""
    with (Path(config_dir) / "departments.json").open(encoding="utf-8") as handle:
        return [department["id"] for department in json.load(handle)["departments"]]


# -- command line ----------------------------------------------------------------------------------

class Target(Struct, frozen=True):
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    pool = argparse.ArgumentParser(add_help=False)
    where = pool.add_mutually_exclusive_group(required=True)
    where.add_argument("--user-pool-id", help="the stack's StaffUserPoolId output")
    where.add_argument("--local", action="store_true",
                       help="the local runtime's pool (from <state dir>/local.json)")
    pool.add_argument("--state-dir", default=os.environ.get("CIVICDESK_STATE_DIR", DEFAULT_STATE_DIR),
                      help="the local runtime's state directory (default: CIVICDESK_STATE_DIR, "
                           "else %(default)s)")
    pool.add_argument("--region", help="AWS region of the pool (default: the SDK's)")
    pool.add_argument("--endpoint-url", help="another Cognito endpoint (an emulator)")

    parser = argparse.ArgumentParser(prog="python -m civicdesk.cli.staff",
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
        print(json.dumps([asdict(member) for member in members], ensure_ascii=False, indent=2))
        return
    for member in members:
        state = member.status if member.enabled else f"{member.status}, disabled"
        departments = f" [{', '.join(member.departments)}]" if member.departments else ""
        print(f"{member.username:<28} {', '.join(member.roles) or '-':<28}{departments} "
              f"{member.email or '-'} ({state})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        target = _target(args)
        pool = wiring.staff_pool(target.user_pool_id, region=target.region,
                                 endpoint_url=target.endpoint_url, local=target.local)
        if args.command == "create":
            config_dir = args.config_dir or target.config_dir
            account = validate(args.username, args.email, args.name, args.roles,
                               args.departments, args.language, known_departments=(
                                   known_departments(config_dir) if config_dir else None))
            status = pool.create(account, password=args.password)
            how = ("ready to sign in with the given password" if args.password else
                   f"Cognito mails a temporary password to {account.email}")
            print(f"created {account.username} ({', '.join(account.roles)}"
                  f"{'; ' + ', '.join(account.departments) if account.departments else ''}) in "
                  f"{target.user_pool_id}: {status}, {how}")
        elif args.command == "list":
            _print_listing(pool.list(), args.json)
        elif args.command == "disable":
            pool.disable(args.username)
            print(f"disabled {args.username.strip().lower()} and revoked its refresh tokens")
    except StaffInputError as error:
        for problem in error.problems:
            print(f"civicdesk.cli.staff: {problem}", file=sys.stderr)
        return 2
    except StaffPoolError as error:
        print(f"civicdesk.cli.staff: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
