"""The staff directory: the Cognito user pool the admin API's authorizer trusts.

Roles are the pool's groups and a department agent's departments the comma-separated
``custom:departments`` attribute, the same data the ID token carries; the admin API reads the
directory only to check an assignee and to list colleagues.
"""

from __future__ import annotations

from typing import Any, Callable

from msgspec.structs import replace

from ..domain.policy import Role
from ..services.ports import StaffMember

_ROLES = {role.value: role for role in Role}


def _attributes(raw: list[dict]) -> dict[str, str]:
    return {item["Name"]: item.get("Value", "") for item in raw or []}


def _departments(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


class CognitoStaffDirectory:
    def __init__(self, client_factory: Callable[[], Any], user_pool_id: str):
        self._client_factory = client_factory
        self._pool = user_pool_id

    @property
    def _client(self):
        return self._client_factory()

    def get(self, username: str) -> StaffMember | None:
        """The account named ``username`` with its roles (two calls), or ``None``."""
        client = self._client
        try:
            user = client.admin_get_user(UserPoolId=self._pool, Username=username)
        except client.exceptions.UserNotFoundException:
            return None
        groups = client.admin_list_groups_for_user(UserPoolId=self._pool, Username=username, Limit=60)
        roles = frozenset(_ROLES[g["GroupName"]] for g in groups.get("Groups", [])
                          if g["GroupName"] in _ROLES)
        return self._member(user["Username"], _attributes(user.get("UserAttributes")),
                            user.get("Enabled", True), roles)

    def list(self, role: str | None = None) -> list[StaffMember]:
        """Every account of ``role`` (or of every role), each with all its roles."""
        client = self._client
        members: dict[str, StaffMember] = {}
        roles_of: dict[str, set] = {}
        for group in ([role] if role else list(_ROLES)):
            token = None
            while True:
                kwargs = {"UserPoolId": self._pool, "GroupName": group, "Limit": 60}
                if token:
                    kwargs["NextToken"] = token
                page = client.list_users_in_group(**kwargs)
                for user in page.get("Users", []):
                    name = user["Username"]
                    roles_of.setdefault(name, set()).add(_ROLES[group])
                    members[name] = self._member(name, _attributes(user.get("Attributes")),
                                                 user.get("Enabled", True), frozenset())
                token = page.get("NextToken")
                if not token:
                    break
        return sorted((replace(m, roles=frozenset(roles_of[n]))
                       for n, m in members.items()), key=lambda m: m.username)

    def set_language(self, username: str, language: str) -> None:
        """``AdminUpdateUserAttributes`` of ``custom:language`` (the console's language; the ID
        token carries it from the next sign-in or token refresh on)."""
        self._client.admin_update_user_attributes(
            UserPoolId=self._pool, Username=username,
            UserAttributes=[{"Name": "custom:language", "Value": language}])

    @staticmethod
    def _member(username: str, attributes: dict[str, str], enabled: bool,
                roles: frozenset) -> StaffMember:
        return StaffMember(username=username, user_id=attributes.get("sub", username), roles=roles,
                           departments=_departments(attributes.get("custom:departments")),
                           name=attributes.get("name") or None, email=attributes.get("email") or None,
                           language=attributes.get("custom:language") or None, enabled=enabled)
