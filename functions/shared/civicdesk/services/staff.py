"""The staff side that is not about one case: who am I, who are my colleagues, and the mail
quarantine."""

from __future__ import annotations

from ..api import schemas
from ..domain.cases import iso
from ..domain.municipality import localised as tr_text
from ..domain.policy import Action, POLICY, Principal, Role, Scope, authorise
from ..rendering import translate
from .municipality import MunicipalityProvider
from .ports import StaffDirectory, StaffMember


class StaffService:
    def __init__(self, directory: StaffDirectory, municipality: MunicipalityProvider):
        self._directory = directory
        self._municipality = municipality

    def me(self, principal: Principal | None, language: str) -> dict:
        """The caller as the API sees them: roles, departments and what they may do."""
        if principal is None:
            authorise(principal, Action.VIEW_CASES)  # 401
        assert principal is not None
        municipality = self._municipality.get()
        permissions = {}
        for action in POLICY:
            scope = principal.scope(action)
            if scope is not None:
                permissions[action.value] = scope.value
        return {
            "user_id": principal.user_id, "username": principal.username, "name": principal.name,
            "email": principal.email, "language": principal.language,
            "roles": [{"id": role.value, "name": translate(language, f"role.{role.value}")}
                      for role in sorted(principal.roles, key=lambda r: r.value)],
            "departments": [{"id": d, "name": tr_text(municipality.departments[d].name, language)
                             if d in municipality.departments else d}
                            for d in sorted(principal.departments)],
            "permissions": permissions,
        }

    def colleagues(self, principal: Principal | None, params: dict | None, language: str) -> dict:
        """Staff to assign cases to; a department agent sees the people of their departments."""
        scope = authorise(principal, Action.LIST_STAFF)
        assert principal is not None
        cleaned = schemas.STAFF_QUERY.validate(dict(params or {}))
        members = self._directory.list(cleaned.get("role"))
        department = cleaned.get("department")
        if department:
            members = [m for m in members if department in m.departments
                       or m.to_principal().may_act_on(Action.VIEW_CASES, department)]
        if scope is Scope.OWN_DEPARTMENTS:
            members = [m for m in members if m.departments & principal.departments]
        return {"items": [self._member(m, language) for m in members if m.enabled]}

    @staticmethod
    def _member(member: StaffMember, language: str) -> dict:
        return {"username": member.username, "name": member.name, "email": member.email,
                "roles": sorted(r.value if isinstance(r, Role) else str(r) for r in member.roles),
                "role_names": [translate(language, f"role.{r.value if isinstance(r, Role) else r}")
                               for r in sorted(member.roles, key=str)],
                "departments": sorted(member.departments)}


class QuarantineAdmin:
    """Quarantined mail (spam, viruses): listed with the reason, released by a person."""

    def __init__(self, repository, intake):
        self._repo = repository
        self._intake = intake

    def list(self, principal: Principal | None, params: dict | None) -> dict:
        authorise(principal, Action.VIEW_QUARANTINE)
        cleaned = schemas.PAGE_QUERY.validate(dict(params or {}))
        entries, cursor = self._repo.quarantined(limit=cleaned.get("limit", 50),
                                                 cursor=cleaned.get("cursor"))
        return {"items": [{"id": e.quarantine_id, "reason": e.reason, "sender": e.sender,
                           "subject": e.subject, "recipients": list(e.recipients),
                           "received_at": iso(e.received_at), "verdicts": e.verdicts,
                           "released_at": iso(e.released_at) if e.released_at else None,
                           "released_by": getattr(e, "released_by", None)}
                          for e in entries], "next_cursor": cursor}

    def release(self, principal: Principal | None, quarantine_id: str) -> dict:
        authorise(principal, Action.RELEASE_QUARANTINE)
        assert principal is not None
        result = self._intake.release(quarantine_id, released_by=principal.actor)
        return {"outcome": result.outcome.value, "number": result.number, "replied": result.replied,
                "reason": result.reason}
