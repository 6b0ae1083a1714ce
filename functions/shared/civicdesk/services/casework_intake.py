"""Operator intake: a phone call, letter, visit or SMS registered as a case, routed and confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from msgspec.structs import replace

from ..domain.cases import (
    ALWAYS_PRIVATE_TYPES,
    CaseType,
    Channel,
    Contact,
)
from ..domain.errors import ConflictError, FieldError, ValidationError
from ..domain.intake import NewCase, idempotency_expiry, open_case, request_hash
from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, allowed
from ..domain.routing import RoutingDecision, route_at
from ..domain.tracking_tokens import hash_token, new_tracking_token, tracking_url
from .case_commands import OpenedCase, OpenStaffCase
from .casework_base import CaseworkBase
from .ports import DuplicateSubmission, InvalidPhoneNumber

#: How far back an operator may date a contact, and how much clock skew "now" tolerates.
MAX_BACKDATE = timedelta(days=366)
CLOCK_SKEW = timedelta(minutes=5)


class CaseIntake(CaseworkBase):
    def open_case(self, principal: Principal | None, command: OpenStaffCase) -> OpenedCase:
        """Register a phone call, letter, visit or SMS as a case, routed and confirmed."""
        caller = allowed(principal, Action.OPEN_CASE)
        municipality = self._municipality.get()
        now = self._clock()
        command = self._checked(command, municipality, now)
        case_type, channel = CaseType(command.type), Channel(command.channel)
        category, description = str(command.category), str(command.description)
        decision = self._route(municipality, category, command)
        routing: dict = {"rule": decision.rule, "department": decision.department}
        if decision.area:
            routing["area"] = decision.area
        department = decision.department
        if command.department and command.department != decision.department:
            department = command.department
            routing = {"rule": "override", "department": department, "by": caller.actor,
                       "reason": command.routing_reason, "suggested": decision.department,
                       **({"area": decision.area} if decision.area else {})}
        public = municipality.is_public(case_type)
        if command.public is not None:
            public = command.public and case_type not in ALWAYS_PRIVATE_TYPES
        language = municipality.language_or_default(command.language)
        token = new_tracking_token()
        year = now.astimezone(ZoneInfo(municipality.time_zone)).year
        number = self._cases.next_number(year)
        case, events = open_case(NewCase(
            number=number, type=case_type, channel=channel, category=category,
            department=department, description=description, language=language, public=public,
            token_hash=hash_token(token), actor=caller.actor, location=command.location,
            contact=command.requester, subject=command.subject, received_at=command.received_at,
            routing=routing), at=now,
            levels=municipality.service_levels)
        link = tracking_url(self._public_url, number, token, language)
        confirmation = self._confirmation_channel(command.requester)
        opened = OpenedCase(number=number, token=token, tracking_url=link,
                            status=case.status.value, language=language, department=department,
                            routing=routing, public=public, version=1, confirmation=confirmation)
        idempotency = None
        if command.idempotency_key:
            idempotency = (f"staff-case#{caller.user_id}#{command.idempotency_key}",
                           request_hash(command.request()), opened.record(),
                           idempotency_expiry(now))
        try:
            self._cases.create(case, events, idempotency,
                              pending_link=link if confirmation != "none" else None)
        except DuplicateSubmission as duplicate:
            if idempotency and duplicate.request_hash != idempotency[1]:
                raise ConflictError("error.idempotency_mismatch") from None
            return OpenedCase(**duplicate.response)
        self._metrics.case_opened(channel.value, case_type.value)
        return opened

    def _checked(self, command: OpenStaffCase, municipality: Municipality,
                 now: datetime) -> OpenStaffCase:
        """The command with the requester's phone in E.164 and address in lower case, or the
        ``ValidationError`` with every bad field, the edge's findings first."""
        errors = list(command.invalid)
        category = municipality.categories.get(command.category or "")
        if command.category and category is None:
            errors.append(FieldError("category", "unknown_category"))
        elif category and command.type and command.type not in category.types:
            errors.append(FieldError("category", "type_not_for_category"))
        if command.language and command.language not in municipality.languages:
            errors.append(FieldError("language", "not_allowed",
                                     {"allowed": ", ".join(municipality.languages)}))
        if command.department and command.department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        if command.department and not command.routing_reason:
            errors.append(FieldError("routing_reason", "required_with", {"other": "department"}))
        if not municipality.covers(command.location):
            errors.append(FieldError("location", "outside_municipality"))
        received = command.received_at
        if received is not None:
            if received > now + CLOCK_SKEW:
                errors.append(FieldError("received_at", "in_future"))
            elif received < now - MAX_BACKDATE:
                errors.append(FieldError("received_at", "too_old", {"days": MAX_BACKDATE.days}))
        requester = command.requester
        if requester and requester.phone:
            try:
                requester = replace(requester,
                                    phone=self._phones.normalise(requester.phone,
                                                                municipality.country))
            except InvalidPhoneNumber as invalid:
                errors.append(FieldError("requester.phone",
                                         getattr(invalid, "code", "invalid_phone")))
        if requester and requester.email:
            requester = replace(requester, email=requester.email.lower())
        if errors:
            raise ValidationError(errors)
        return replace(command, requester=requester)

    def _route(self, municipality: Municipality, category_id: str,
               command: OpenStaffCase) -> RoutingDecision:
        return route_at(municipality, category_id, command.location)

    def _confirmation_channel(self, contact: Contact | None) -> str:
        """How the citizen will be told their case number (the notify function sends it from
        the ``case.opened`` event): by e-mail, else by SMS to a mobile number, else not at all."""
        if contact and contact.email:
            return "email"
        if contact and contact.phone and self._phones.can_receive_sms(contact.phone):
            return "sms"
        return "none"
