"""The staff side that is not about one case: who am I, who are my colleagues, and the mail
quarantine."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.inbound import IntakeResult
from ..domain.policy import POLICY, Action, Principal, Scope, authorise
from .commands import Page, PageQuery, StaffCommand
from .ports import QuarantineEntry, QuarantineList, StaffDirectory, StaffMember

#: A page of the quarantine when the query names no limit.
QUARANTINE_PAGE = 50


@dataclass(frozen=True)
class StaffProfile:
    """The caller as the API sees them; ``permissions``: each action they may take, with its
    scope, in the policy table's order."""

    principal: Principal
    permissions: tuple[tuple[Action, Scope], ...]


@dataclass(frozen=True, kw_only=True)
class ColleagueQuery(StaffCommand):
    """Colleagues with ``role``, and only those who work on ``department``'s cases, if given."""

    role: str | None = None
    department: str | None = None


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
    """Quarantined mail (spam, viruses): listed with the reason, released by a person."""

    def __init__(self, repository: QuarantineList, intake):
        self._repo = repository
        self._intake = intake

    def list(self, principal: Principal | None, query: PageQuery) -> Page[QuarantineEntry]:
        authorise(principal, Action.VIEW_QUARANTINE)
        query.raise_invalid()
        entries, cursor = self._repo.quarantined(
            limit=query.limit if query.limit is not None else QUARANTINE_PAGE, cursor=query.cursor)
        return Page(list(entries), cursor)

    def release(self, principal: Principal | None, quarantine_id: str) -> IntakeResult:
        """Process the quarantined message as if its verdicts had passed; the intake's result."""
        authorise(principal, Action.RELEASE_QUARANTINE)
        assert principal is not None
        return self._intake.release(quarantine_id, released_by=principal.actor)
