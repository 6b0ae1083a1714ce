"""``python -m infra.local.token <username>``: print a staff user's ID token from the local
runtime's user pool, for ``Authorization: <token>`` on the admin API::

    curl -H "Authorization: $(python -m infra.local.token milica.jovanovic)" \\
        http://127.0.0.1:8000/v1/admin/me

It reads ``<state dir>/local.json`` (written by the running runtime: pool, app client, endpoint,
the demo users' passwords) and signs in the way the staff console does, with ``InitiateAuth``
``USER_PASSWORD_AUTH`` against the embedded Cognito (moto). A demo user's password comes from
``local.json``; anyone else's is ``--password``. A user created without a password (Cognito's
temporary one) must choose a new one first: ``--new-password`` answers that challenge.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from infra.local.state import DEFAULT_STATE_DIR


class SignInError(RuntimeError):
    """Signing in did not produce tokens; the message says what to do."""


def read_local_info(state_dir: Path) -> dict:
    path = Path(state_dir) / "local.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SignInError(f"{path} does not exist: start the runtime first (make run), or pass "
                          f"its --state-dir") from None
    if not info.get("cognito") or not info["cognito"].get("client_id"):
        raise SignInError(f"{path}: the runtime has no user pool with an app client")
    return info


def known_password(info: dict, username: str) -> str | None:
    """The demo password of ``username`` in ``local.json``, if it is a demo user.

    Examples
    --------
    >>> known_password({"users": [{"username": "ana", "password": "P"}]}, "ANA")
    'P'
    """
    return next((user["password"] for user in info.get("users", [])
                 if user["username"].lower() == username.lower()), None)


def sign_in(cognito: Any, client_id: str, username: str, password: str,
            new_password: str | None = None) -> dict:
    """``AuthenticationResult`` (``IdToken``, ``AccessToken``...) of a USER_PASSWORD_AUTH
    sign-in, answering ``NEW_PASSWORD_REQUIRED`` with ``new_password`` when given."""
    answer = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": password})
    if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        if new_password is None:
            raise SignInError(f"{username} has a temporary password and must choose a new one: "
                              f"pass --new-password")
        answer = cognito.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=answer["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password})
    if "AuthenticationResult" not in answer:
        raise SignInError(f"Cognito asks for {answer.get('ChallengeName', 'something')}, which "
                          f"this command does not answer")
    return answer["AuthenticationResult"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local.token",
                                     description="Print a staff user's ID token from the local "
                                                 "runtime's user pool.")
    parser.add_argument("username")
    parser.add_argument("--password", help="default: the demo user's password from local.json")
    parser.add_argument("--new-password", help="answer a temporary password's challenge")
    parser.add_argument("--access", action="store_true",
                        help="print the access token instead (the admin API wants the ID token)")
    parser.add_argument("--state-dir",
                        default=os.environ.get("CIVICDESK_STATE_DIR", str(DEFAULT_STATE_DIR)),
                        help="the runtime's state directory (default %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    args = parse_args(argv)
    try:
        info = read_local_info(Path(args.state_dir))
        cognito = info["cognito"]
        password = args.password or known_password(info, args.username)
        if password is None:
            raise SignInError(f"{args.username} is not a demo user: pass --password")
        # The pool is case-insensitive in AWS; moto is not, and staff usernames are stored
        # in lower case (civicdesk.cli.staff).
        username = (args.username if cognito.get("username_case_sensitive", True)
                    else args.username.lower())
        # InitiateAuth is unsigned; moto needs no real credentials anyway.
        client = boto3.client("cognito-idp", region_name=cognito["region"],
                              endpoint_url=cognito["endpoint"], aws_access_key_id="local",
                              aws_secret_access_key="local")
        tokens = sign_in(client, cognito["client_id"], username, password, args.new_password)
    except SignInError as error:
        print(f"infra.local.token: {error}", file=sys.stderr)
        return 2
    except ClientError as error:
        details = error.response.get("Error", {})
        print(f"infra.local.token: {details.get('Code')}: {details.get('Message')}",
              file=sys.stderr)
        return 1
    except BotoCoreError as error:
        print(f"infra.local.token: {error} (is the runtime running?)", file=sys.stderr)
        return 1
    print(tokens["AccessToken"] if args.access else tokens["IdToken"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
