"""Staff accounts as an administrator makes them (``python -m civicdesk.cli.staff``): what a valid
account is, and the port of the user pool that holds them.

Roles are the pool's groups (``civicdesk.domain.policy.Role``); a department agent's departments
and the console's language are user attributes. Every permission is decided by the policy table
from these, so this is the one place that decides what may be written. Usernames are stored in
lower case: the pool signs users in case-insensitively, and one spelling keeps the timeline's
``staff:<username>`` the same whatever the user typed.
"""

from __future__ import annotations

import re
from typing import Iterable, Protocol

from msgspec import Struct, field

from ..domain.cases import LANGUAGES
from ..domain.policy import Role

ROLES = tuple(role.value for role in Role)

_DEPARTMENT_ID = re.compile(r"^[a-z0-9_]+$")
_USERNAME = re.compile(r"^[^\s,]{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
#: ``custom:departments`` is declared with ``MaxLength: 2048`` in template.yaml.
_MAX_DEPARTMENTS_LENGTH = 2048


class StaffInputError(ValueError):
    """What was asked for is not a valid staff account; ``problems`` says why, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class StaffPoolError(Exception):
    """The user pool refused or could not be reached; the message is the pool's reason."""


class NewStaffAccount(Struct, frozen=True):
    """A staff account to create, validated and normalised (what ``validate`` returns)."""

    username: str
    email: str
    name: str
    roles: tuple[str, ...]
    departments: tuple[str, ...] = ()
    language: str | None = None


class StaffListing(Struct):
    """One account of the pool as ``list`` shows it."""

    username: str
    status: str
    enabled: bool
    roles: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    email: str | None = None
    name: str | None = None
    language: str | None = None


class StaffPool(Protocol):
    """The staff user pool, administered (``civicdesk.adapters.cognito_admin``). Each method
    raises ``StaffPoolError`` when the pool refuses."""

    def create(self, account: NewStaffAccount, *, password: str | None = None) -> str:
        """Create the account with its groups, all or nothing; returns its status. With
        ``password`` it is confirmed with it (no mail); without, the pool mails a temporary
        password."""

    def list(self) -> list[StaffListing]:
        """Every account with its roles, sorted by username."""

    def disable(self, username: str) -> None:
        """Disable the account and revoke its refresh tokens."""


def validate(username: str, email: str, name: str, roles: Iterable[str],
             departments: Iterable[str] = (), language: str | None = None, *,
             known_departments: Iterable[str] | None = None) -> NewStaffAccount:
    """A ``NewStaffAccount`` of these values, normalised, or ``StaffInputError`` with every
    problem.

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
    civicdesk.services.staff_accounts.StaffInputError: a department agent needs at least one --department
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
    return NewStaffAccount(username, email, name, roles, departments, language)
