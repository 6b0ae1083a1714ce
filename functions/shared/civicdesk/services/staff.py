"""The staff side that is not about one case: who am I, who are my colleagues, and the mail
quarantine."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable

from msgspec import Struct
from msgspec.structs import replace

from ..domain.errors import UnauthorizedError
from ..domain.inbound import IntakeResult
from ..domain.policy import POLICY, Action, Principal, Scope, authorise
from .commands import Page, PageQuery, StaffCommand
from .ports import QuarantineEntry, QuarantineList, StaffDirectory, StaffMember

if TYPE_CHECKING:
    from ..mailparse.model import ParsedMail

#: A page of the quarantine when the query names no limit.
QUARANTINE_PAGE = 50


class StaffProfile(Struct, frozen=True):
    """The caller as the API sees them; ``permissions``: each action they may take, with its
    scope, in the policy table's order."""

    principal: Principal
    permissions: tuple[tuple[Action, Scope], ...]


class ColleagueQuery(StaffCommand, frozen=True, kw_only=True):
    """Colleagues with ``role``, and only those who work on ``department``'s cases, if given."""

    role: str | None = None
    department: str | None = None


#: How long the directory's answer about one staff member is trusted: a disabled account or
#: a removed role stops writing within this time, though its ID token lives longer.
STANDING_SECONDS = 60.0


def monotonic() -> float:
    """The clock the directory's answers age by (``time.monotonic``)."""
    return time.monotonic()


class StaffStanding:
    """The caller as the staff directory knows them now, not as their ID token said at sign-in:
    what every write is checked against (``current``)."""

    def __init__(self, directory: StaffDirectory, clock: Callable[[], float] | None = None,
                 ttl: float = STANDING_SECONDS):
        self._directory = directory
        self._clock = clock or monotonic
        self._ttl = ttl
        self._known: dict[str, tuple[float, StaffMember | None]] = {}
        self._lock = threading.Lock()

    def current(self, principal: Principal) -> Principal:
        """``principal`` with the roles and departments the directory holds now (two calls per
        person per ``STANDING_SECONDS``); 401 ``error.account_disabled`` for an account that
        is disabled, gone, or another person's by now.

        Examples
        --------
        >>> from civicdesk.domain.policy import Role
        >>> class Directory:
        ...     enabled = True
        ...     def get(self, username):
        ...         return StaffMember(username, "42", frozenset({Role.OPERATOR}), enabled=self.enabled)
        >>> directory, now = Directory(), [0.0]
        >>> standing = StaffStanding(directory, clock=lambda: now[0])
        >>> token = Principal("42", "ana", frozenset({Role.SUPERVISOR}))
        >>> [r.value for r in standing.current(token).roles]
        ['operator']
        >>> directory.enabled, now[0] = False, 61.0
        >>> standing.current(token)
        Traceback (most recent call last):
        ...
        civicdesk.domain.errors.UnauthorizedError: error.account_disabled
        """
        now = self._clock()
        with self._lock:
            known = self._known.get(principal.username)
        if known is None or now - known[0] >= self._ttl:
            member = self._directory.get(principal.username)
            with self._lock:
                self._known[principal.username] = (now, member)
        else:
            member = known[1]
        if member is None or not member.enabled or member.user_id not in (principal.user_id,
                                                                           principal.username):
            raise UnauthorizedError("error.account_disabled")
        return replace(principal, roles=frozenset(member.roles), departments=frozenset(member.departments))


class StaffService:
    def __init__(self, directory: StaffDirectory):
        self._directory = directory

    def me(self, principal: Principal | None) -> StaffProfile:
        """The caller: roles, departments and what they may do."""
        if principal is None:
            authorise(principal, Action.VIEW_CASES)  # 401
        assert principal is not None
        permissions = []
        for action in POLICY:
            scope = principal.scope(action)
            if scope is not None:
                permissions.append((action, scope))
        return StaffProfile(principal, tuple(permissions))

    def colleagues(self, principal: Principal | None, query: ColleagueQuery) -> list[StaffMember]:
        """Staff to assign cases to (enabled accounts); a department agent sees the people of
        their departments."""
        scope = authorise(principal, Action.LIST_STAFF)
        assert principal is not None
        query.raise_invalid()
        members = self._directory.list(query.role)
        department = query.department
        if department:
            members = [m for m in members if department in m.departments
                       or m.to_principal().may_act_on(Action.VIEW_CASES, department)]
        if scope is Scope.OWN_DEPARTMENTS:
            members = [m for m in members if m.departments & principal.departments]
        return [m for m in members if m.enabled]


class QuarantineAdmin:
    """Quarantined mail (spam, viruses): listed with the reason, read, released by a person."""

    def __init__(self, repository: QuarantineList, intake):
        self._repo = repository
        self._intake = intake

    def list(self, principal: Principal | None, query: PageQuery) -> Page[QuarantineEntry]:
        authorise(principal, Action.VIEW_QUARANTINE)
        query.raise_invalid()
        entries, cursor = self._repo.quarantined(
            limit=query.limit if query.limit is not None else QUARANTINE_PAGE, cursor=query.cursor)
        return Page(list(entries), cursor)

    def message(self, principal: Principal | None, quarantine_id: str) -> tuple[QuarantineEntry, ParsedMail]:
        """One quarantined message with its headers, text and the list of its attachments, so
        that a person can judge it before releasing it (404 when there is no such entry)."""
        authorise(principal, Action.VIEW_QUARANTINE)
        return self._intake.quarantined_message(quarantine_id)

    def release(self, principal: Principal | None, quarantine_id: str) -> IntakeResult:
        """Process the quarantined message as if its verdicts had passed; the intake's result."""
        authorise(principal, Action.RELEASE_QUARANTINE)
        assert principal is not None
        return self._intake.release(quarantine_id, released_by=principal.actor)
