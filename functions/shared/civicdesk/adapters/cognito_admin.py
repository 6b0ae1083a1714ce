"""The staff user pool administered: create, list and disable accounts (``StaffPool`` of
``civicdesk.services.staff_accounts``), for ``python -m civicdesk.cli.staff``.

A department agent's departments are the comma-separated ids in ``custom:departments`` and
``custom:language`` is the console's language, the user attributes CivicDesk reads from the ID
token (``principal_from_claims``); roles are the pool's groups.
"""

from __future__ import annotations

import builtins
from contextlib import contextmanager
from typing import Any, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from ..services.staff_accounts import NewStaffAccount, StaffListing, StaffPoolError
from .operator_clients import operator_client

DEPARTMENTS_ATTRIBUTE = "custom:departments"
LANGUAGE_ATTRIBUTE = "custom:language"


def cognito_attributes(account: NewStaffAccount) -> list[dict[str, str]]:
    """The Cognito user attributes of ``account``. The e-mail is marked verified: an
    administrator vouches for it, and Cognito sends temporary passwords and recovery codes only
    to verified addresses."""
    attributes = [{"Name": "email", "Value": account.email},
                  {"Name": "email_verified", "Value": "true"},
                  {"Name": "name", "Value": account.name}]
    if account.departments:
        attributes.append({"Name": DEPARTMENTS_ATTRIBUTE, "Value": ",".join(account.departments)})
    if account.language:
        attributes.append({"Name": LANGUAGE_ATTRIBUTE, "Value": account.language})
    return attributes


@contextmanager
def _pool_errors() -> Iterator[None]:
    """Cognito's refusals and the SDK's failures as ``StaffPoolError``, worded as before:
    ``Code: Message`` for a refusal, the SDK's text otherwise."""
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        raise StaffPoolError(f"{details.get('Code', 'error')}: "
                             f"{details.get('Message', error)}") from error
    except BotoCoreError as error:
        raise StaffPoolError(str(error)) from error


class CognitoStaffPool:
    """``StaffPool`` over a ``cognito-idp`` client (``civicdesk.wiring.staff_pool``)."""

    def __init__(self, client: Any, user_pool_id: str):
        self._client = client
        self.user_pool_id = user_pool_id

    @classmethod
    def connect(cls, user_pool_id: str, *, region: str | None = None,
                endpoint_url: str | None = None, local: bool = False) -> CognitoStaffPool:
        """The pool ``user_pool_id`` through a client of its own (``operator_client``); an SDK
        that cannot make one (no region) raises ``StaffPoolError`` too."""
        with _pool_errors():
            return cls(operator_client("cognito-idp", region=region, endpoint_url=endpoint_url,
                                       local=local), user_pool_id)

    def create(self, account: NewStaffAccount, *, password: str | None = None) -> str:
        """Create ``account`` in the pool with its groups; returns Cognito's ``UserStatus``.

        With ``password`` the account is confirmed with it (no mail is sent); without, Cognito
        mails a temporary password. All or nothing: when adding a group or setting the password
        fails, the new user is deleted again, so a retry does not meet a half-made account.
        """
        with _pool_errors():
            return self._create(account, password).get("UserStatus", "?")

    def _create(self, account: NewStaffAccount, password: str | None) -> dict:
        client, pool = self._client, self.user_pool_id
        request: dict[str, Any] = {"UserPoolId": pool, "Username": account.username,
                                   "UserAttributes": cognito_attributes(account),
                                   "DesiredDeliveryMediums": ["EMAIL"]}
        if password is not None:
            # Also as the temporary password, so that Cognito checks it against the password
            # policy before the user exists.
            request.update(MessageAction="SUPPRESS", TemporaryPassword=password)
        user = client.admin_create_user(**request)["User"]
        try:
            if password is not None:
                client.admin_set_user_password(UserPoolId=pool, Username=account.username,
                                               Password=password, Permanent=True)
            for role in account.roles:
                client.admin_add_user_to_group(UserPoolId=pool, Username=account.username,
                                               GroupName=role)
        except Exception:
            client.admin_delete_user(UserPoolId=pool, Username=account.username)
            raise
        return user

    def list(self) -> list[StaffListing]:
        """Every account of the pool with its roles, sorted by username."""
        with _pool_errors():
            return self._list()

    def _list(self) -> builtins.list[StaffListing]:
        client, pool = self._client, self.user_pool_id
        listed = []
        for page in client.get_paginator("list_users").paginate(UserPoolId=pool):
            for user in page.get("Users", []):
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                groups = [group["GroupName"] for group_page in
                          client.get_paginator("admin_list_groups_for_user").paginate(
                              UserPoolId=pool, Username=user["Username"])
                          for group in group_page.get("Groups", [])]
                departments = [d for d in attributes.get(DEPARTMENTS_ATTRIBUTE, "").split(",")
                               if d]
                listed.append(StaffListing(
                    user["Username"], user.get("UserStatus", "UNKNOWN"),
                    bool(user.get("Enabled", True)), sorted(groups), departments,
                    attributes.get("email"), attributes.get("name"),
                    attributes.get(LANGUAGE_ATTRIBUTE)))
        return sorted(listed, key=lambda member: member.username)

    def disable(self, username: str) -> None:
        """Disable the account and revoke its refresh tokens. ID tokens already issued stay
        valid until they expire (the client's ``IdTokenValidity``): API Gateway checks only the
        signature and the expiry."""
        username = username.strip().lower()
        with _pool_errors():
            self._client.admin_disable_user(UserPoolId=self.user_pool_id, Username=username)
            self._client.admin_user_global_sign_out(UserPoolId=self.user_pool_id,
                                                    Username=username)
