"""Changing a case: authorise, read, let the domain change it, write it with its entries."""

from __future__ import annotations

from ..domain import case_changes
from ..domain.errors import ConflictError, FieldError, ValidationError
from ..domain.escalation import escalate as escalated_case
from ..domain.policy import Action, Principal
from ..domain.service_levels import extend_legal_deadline
from .case_commands import (
    AddNote,
    Assign,
    CaseChanged,
    ChangeStatus,
    Delete,
    Escalate,
    ExtendDeadline,
    Link,
    Merge,
    Reroute,
)
from .casework_base import CaseworkBase


class CaseChanges(CaseworkBase):
    def assign(self, principal: Principal | None, command: Assign) -> CaseChanged:
        caller, case, _ = self._for_change(principal, Action.ASSIGN, command.number)
        version = self._expect(case, command.version)
        assignee = caller.username if command.assignee == "me" else command.assignee
        if assignee:
            member = self._directory.get(assignee)
            if member is None or not member.enabled:
                raise ValidationError([FieldError("assignee", "unknown_staff")])
            if not member.to_principal().may_act_on(Action.VIEW_CASES, case.department):
                raise ValidationError([FieldError("assignee", "cannot_work_case")])
            assignee = member.username
        changed, entry = case_changes.assign(case, at=self._clock(), actor=caller.actor,
                                             assignee=assignee)
        if entry is None:
            return CaseChanged(case)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))

    def change_status(self, principal: Principal | None, command: ChangeStatus) -> CaseChanged:
        caller, case, _ = self._for_change(principal, Action.CHANGE_STATUS, command.number)
        version = self._expect(case, command.version)
        changed, entry = case_changes.change_status(
            case, at=self._clock(), actor=caller.actor, status=command.status,
            reason=command.reason, message_to_citizen=command.message_to_citizen)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))

    def reroute(self, principal: Principal | None, command: Reroute) -> CaseChanged:
        caller, case, _ = self._for_change(principal, Action.ROUTE, command.number)
        if command.department not in self._municipality.get().departments:
            raise ValidationError([FieldError("department", "unknown_department")])
        version = self._expect(case, command.version)
        changed, entry = case_changes.reroute(case, at=self._clock(), actor=caller.actor,
                                              department=command.department,
                                              reason=command.reason)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))

    def add_note(self, principal: Principal | None, command: AddNote) -> CaseChanged:
        caller, case, _ = self._for_change(principal, Action.ADD_NOTE, command.number)
        version = self._expect(case, command.version)
        changed, entry = case_changes.add_note(case, at=self._clock(), actor=caller.actor,
                                               text=command.text)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))

    def merge(self, principal: Principal | None, command: Merge) -> CaseChanged:
        """Close this case as a duplicate of ``into``; its requester can write into the other."""
        caller, case, _ = self._for_change(principal, Action.MERGE, command.number)
        if command.into == case.number:
            raise ValidationError([FieldError("into", "same_case")])
        _, target, _ = self._for_change(principal, Action.MERGE, command.into)
        version = self._expect(case, command.version)
        closed, kept, entries = case_changes.merge(case, target, at=self._clock(),
                                                   actor=caller.actor, reason=command.reason)
        saved = self._save(closed, version, entries, also=((kept, target.version),))
        return CaseChanged(saved, tuple(entries))

    def link(self, principal: Principal | None, command: Link) -> CaseChanged:
        caller, case, _ = self._for_change(principal, Action.LINK, command.number)
        if command.case == case.number:
            raise ValidationError([FieldError("case", "same_case")])
        _, other, _ = self._for_change(principal, Action.LINK, command.case)
        version = self._expect(case, command.version)
        one, two, entries = case_changes.link(case, other, at=self._clock(), actor=caller.actor)
        if not entries:
            return CaseChanged(case)
        saved = self._save(one, version, entries, also=((two, other.version),))
        return CaseChanged(saved, tuple(entries))

    def escalate(self, principal: Principal | None, command: Escalate) -> CaseChanged:
        """Bring an open case to the supervisors' attention: its level rises by one and the
        internal entry becomes ``case.escalated``, on which the supervisors are notified."""
        caller, case, _ = self._for_change(principal, Action.ESCALATE, command.number)
        version = self._expect(case, command.version)
        changed, entry = escalated_case(case, at=self._clock(), actor=caller.actor,
                                        reason=command.reason)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))

    def extend_deadline(self, principal: Principal | None, command: ExtendDeadline) -> CaseChanged:
        """Extend a statutory case's legal deadline by the law's extension days, once, with the
        reason the requester is told (whoever may change the case's status may)."""
        caller, case, _ = self._for_change(principal, Action.CHANGE_STATUS, command.number)
        version = self._expect(case, command.version)
        levels = self._municipality.get().service_levels
        if levels is None:
            raise ConflictError("error.deadline_not_extendable", current_version=case.version,
                                number=case.number)
        changed, entry = extend_legal_deadline(case, at=self._clock(), actor=caller.actor,
                                               reason=command.reason, levels=levels)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))

    def delete(self, principal: Principal | None, command: Delete) -> CaseChanged:
        """A soft delete: the case leaves every queue and the public views; it stays stored,
        with who deleted it, when and why."""
        caller, case, _ = self._for_change(principal, Action.DELETE, command.number)
        version = self._expect(case, command.version)
        changed, entry = case_changes.delete(case, at=self._clock(), actor=caller.actor,
                                             reason=command.reason)
        return CaseChanged(self._save(changed, version, [entry]), (entry,))
