"""Working cases: what operators, department agents, supervisors and administrators do through
the admin API. Every use case checks the policy table first, then reads, then writes one
version-checked transaction whose timeline entries name the actor."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from ..api import schemas
from ..domain.cases import (ALWAYS_PRIVATE_TYPES, OPEN_STATUSES, Case, CaseType, Channel, Contact, EventKind,
                            Location, Status, TimelineEvent, check_transition, hash_token,
                            new_tracking_token, parse_number, tracking_url, utc_now)
from ..domain.errors import ConflictError, FieldError, ForbiddenError, ValidationError
from ..domain.escalation import escalate as escalated_case
from ..domain.municipality import Municipality, localised as tr_text
from ..domain.policy import Action, Principal, Scope, authorise, authorise_case
from .. import rendering
from ..rendering import translate
from ..api.views import timeline_text
from .municipality import MunicipalityProvider
from .ports import (CaseQueues, CaseworkCases, DuplicateSubmission, InvalidPhoneNumber, Mailer,
                    MessageIdLog, MetricsSink, PhoneNumbers, QueueQuery, RecipientSuppressed,
                    SmsSender, StaffDirectory)

logger = logging.getLogger(__name__)

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
#: How far back an operator may date a contact, and how much clock skew "now" tolerates.
MAX_BACKDATE = timedelta(days=366)
CLOCK_SKEW = timedelta(minutes=5)
EXCERPT = 200

AreaLocator = Callable[[Municipality, float, float], Sequence[str]]


def _no_areas(_municipality: Municipality, _lat: float, _lon: float) -> Sequence[str]:
    return ()


def _z(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


class CaseworkService:
    def __init__(self, cases: CaseworkCases, queues: CaseQueues, message_ids: MessageIdLog,
                 municipality: MunicipalityProvider, mailer: Mailer, sms: SmsSender,
                 directory: StaffDirectory, metrics: MetricsSink, public_url: str, *,
                 phones: PhoneNumbers, area_locator: AreaLocator = _no_areas,
                 clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._queues = queues
        self._message_ids = message_ids
        self._municipality = municipality
        self._mailer = mailer
        self._sms = sms
        self._directory = directory
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._phones = phones
        self._locate = area_locator
        self._clock = clock

    # -- intake ------------------------------------------------------------------------------

    def open_case(self, principal: Principal | None, payload: object, *,
                  idempotency_key: str | None = None, language: str = "en") -> dict:
        """Register a phone call, letter, visit or SMS as a case, routed and confirmed."""
        authorise(principal, Action.OPEN_CASE)
        assert principal is not None
        municipality = self._municipality.get()
        now = self._clock()
        cleaned = self._validate_intake(payload, municipality, now)
        case_type = CaseType(cleaned["type"])
        channel = Channel(cleaned["channel"])
        location = Location(**cleaned["location"]) if cleaned.get("location") else None
        decision = self._route(municipality, cleaned["category"], location)
        routing = {"rule": decision.rule, "department": decision.department}
        if decision.area:
            routing["area"] = decision.area
        department = decision.department
        if cleaned.get("department") and cleaned["department"] != decision.department:
            department = cleaned["department"]
            routing = {"rule": "override", "department": department, "by": principal.actor,
                       "reason": cleaned["routing_reason"], "suggested": decision.department,
                       **({"area": decision.area} if decision.area else {})}
        public = municipality.is_public(case_type)
        if "public" in cleaned:
            public = cleaned["public"] and case_type not in ALWAYS_PRIVATE_TYPES
        language = municipality.language_or_default(cleaned.get("language"))
        requester = cleaned.get("requester") or {}
        contact = Contact(**requester) if requester else None
        token = new_tracking_token()
        year = now.astimezone(ZoneInfo(municipality.time_zone)).year
        number = self._cases.next_number(year)
        received = cleaned.get("received_at")
        case = Case(number=number, type=case_type, channel=channel, category=cleaned["category"],
                    department=department, description=cleaned["description"], language=language,
                    status=Status.NEW, public=public, created_at=now, updated_at=now,
                    token_hash=hash_token(token), location=location, contact=contact,
                    subject=cleaned.get("subject"), received_at=received, routing=routing)
        events = [TimelineEvent(number, now, EventKind.CASE_OPENED, principal.actor, True,
                                {"channel": channel.value, "department": department,
                                 "status": Status.NEW.value,
                                 **({"received_at": _z(received)} if received else {})})]
        if routing["rule"] != "category":
            events.append(TimelineEvent(number, now + timedelta(microseconds=1), EventKind.ROUTED,
                                        principal.actor, True, dict(routing)))
        link = tracking_url(self._public_url, number, token, language)
        answer = {"number": number, "token": token, "tracking_url": link, "status": case.status.value,
                  "department": department, "routing": routing, "public": public, "version": 1,
                  "language": language}
        idempotency = None
        if idempotency_key:
            digest = hashlib.sha256(json.dumps(cleaned, sort_keys=True, default=str,
                                               ensure_ascii=False).encode("utf-8")).hexdigest()
            idempotency = (f"staff-case#{principal.user_id}#{idempotency_key}", digest, answer,
                           int(now.timestamp()) + IDEMPOTENCY_TTL_SECONDS)
        confirmation = self._confirmation_channel(contact)
        answer["confirmation"] = confirmation
        try:
            self._cases.create(case, events, idempotency,
                              pending_link=link if confirmation != "none" else None)
        except DuplicateSubmission as duplicate:
            if idempotency and duplicate.request_hash != idempotency[1]:
                raise ConflictError("error.idempotency_mismatch") from None
            return duplicate.response
        self._metrics.case_opened(channel.value, case_type.value)
        return answer

    def _validate_intake(self, payload: object, municipality: Municipality, now: datetime) -> dict:
        errors: list[FieldError] = []
        cleaned = schemas.STAFF_CASE.check(payload, "", errors) or {}
        category = municipality.categories.get(cleaned.get("category", ""))
        if cleaned.get("category") and category is None:
            errors.append(FieldError("category", "unknown_category"))
        elif category and cleaned.get("type") and CaseType(cleaned["type"]) not in category.types:
            errors.append(FieldError("category", "type_not_for_category"))
        if cleaned.get("language") and cleaned["language"] not in municipality.languages:
            errors.append(FieldError("language", "not_allowed",
                                     {"allowed": ", ".join(municipality.languages)}))
        department = cleaned.get("department")
        if department and department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        if department and not cleaned.get("routing_reason"):
            errors.append(FieldError("routing_reason", "required_with", {"other": "department"}))
        received = cleaned.get("received_at")
        if received is not None:
            if received > now + CLOCK_SKEW:
                errors.append(FieldError("received_at", "in_future"))
            elif received < now - MAX_BACKDATE:
                errors.append(FieldError("received_at", "too_old", {"days": MAX_BACKDATE.days}))
        requester = cleaned.get("requester")
        if requester and requester.get("phone"):
            try:
                requester["phone"] = self._phones.normalise(requester["phone"],
                                                            municipality.country)
            except InvalidPhoneNumber as invalid:
                errors.append(FieldError("requester.phone", getattr(invalid, "code", "invalid_phone")))
        if requester and requester.get("email"):
            requester["email"] = requester["email"].lower()
        if errors:
            raise ValidationError(errors)
        return cleaned

    def _route(self, municipality: Municipality, category_id: str, location: Location | None):
        from ..domain.routing import route

        areas: Sequence[str] = ()
        if location is not None and location.lat is not None and location.lon is not None:
            areas = self._locate(municipality, location.lat, location.lon)
        return route(municipality, category_id, areas)

    def _confirmation_channel(self, contact: Contact | None) -> str:
        """How the citizen will be told their case number (the notify function sends it from
        the ``case.opened`` event): by e-mail, else by SMS to a mobile number, else not at all."""
        if contact and contact.email:
            return "email"
        if contact and contact.phone and self._phones.can_receive_sms(contact.phone):
            return "sms"
        return "none"

    # -- reading -----------------------------------------------------------------------------

    def queue(self, principal: Principal | None, params: dict | None, language: str) -> dict:
        """One page of a queue; one ``Query`` on the index that serves the filters."""
        scope = authorise(principal, Action.VIEW_CASES)
        assert principal is not None
        municipality = self._municipality.get()
        errors: list[FieldError] = []
        cleaned = schemas.QUEUE_QUERY.check(dict(params or {}), "", errors) or {}
        statuses = _csv(cleaned.get("status"))
        types = _csv(cleaned.get("type"))
        channels = _csv(cleaned.get("channel"))
        categories = _csv(cleaned.get("category"))
        for name, values, allowed in (("status", statuses, schemas.STATUSES),
                                      ("type", types, schemas.CASE_TYPES),
                                      ("channel", channels, tuple(c.value for c in Channel)),
                                      ("category", categories, tuple(municipality.categories))):
            unknown = [v for v in values if v not in allowed]
            if unknown:
                errors.append(FieldError(name, "not_allowed", {"allowed": ", ".join(allowed)}))
        department = cleaned.get("department")
        if department and department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        if cleaned.get("from") and cleaned.get("to") and cleaned["from"] > cleaned["to"]:
            errors.append(FieldError("to", "before_from"))
        if errors:
            raise ValidationError(errors)
        state = cleaned.get("state", "open")
        assignee = cleaned.get("assignee")
        if assignee == "me":
            assignee = principal.username
        if state == "deleted":
            authorise(principal, Action.VIEW_DELETED)
        departments: tuple[str, ...] = ()
        if scope is Scope.OWN_DEPARTMENTS:
            if department is None and assignee is None and len(principal.departments) == 1:
                department = next(iter(principal.departments))
            if department is not None and department not in principal.departments:
                raise ForbiddenError("error.forbidden")
            if department is None and assignee is None:
                raise ValidationError([FieldError("department", "required_for_role")])
            if department is None:
                departments = tuple(sorted(principal.departments))
        if assignee:
            kind, partition = "assignee", assignee
            if department:
                departments = (department,)
        elif state == "deleted":
            kind, partition = "deleted", ""
        elif department:
            kind, partition = "department", department
        else:
            kind, partition = "all", ""
        # Statuses without a state choose the state; a single state narrows the key to it and
        # the statuses are a filter within it.
        key_state = None if state in ("all", "deleted") else state
        wanted_states = {("open" if Status(s) in OPEN_STATUSES else "closed") for s in statuses}
        if statuses and "state" not in cleaned:
            key_state = wanted_states.pop() if len(wanted_states) == 1 else None
        elif statuses and key_state is not None and wanted_states - {key_state}:
            raise ValidationError([FieldError("status", "not_in_state", {"state": key_state})])
        query = QueueQuery(kind=kind, partition=partition, state=key_state, statuses=statuses,
                           types=types, channels=channels, categories=categories,
                           departments=departments, created_from=cleaned.get("from"),
                           created_to=cleaned.get("to"), descending=cleaned.get("order") == "desc",
                           limit=cleaned.get("limit", 25), cursor=cleaned.get("cursor"))
        cases, cursor = self._queues.queue(query)
        return {"items": [self._summary(case, municipality, language) for case in cases],
                "next_cursor": cursor, "count": len(cases)}

    def case(self, principal: Principal | None, number: str, language: str) -> dict:
        """The case with its whole timeline (one ``Query``), internal entries included."""
        authorise(principal, Action.VIEW_CASES)
        found = self._cases.get_with_followers(number) if parse_number(number) else None
        case = found[0] if found else None
        authorise_case(principal, Action.VIEW_CASES, case.department if case else None,
                       deleted=bool(case and case.deleted))
        assert found is not None
        municipality = self._municipality.get()
        case, events, followers = found
        view = self._summary(case, municipality, language)
        view.pop("excerpt", None)
        view.update({
            "description": case.description, "subject": case.subject,
            "requester": case.contact.to_dict() if case.contact else None,
            "mailbox": case.mailbox, "participants": list(case.participants),
            "linked_cases": list(case.linked_cases), "merged_into": case.merged_into,
            "routing": case.routing, "deleted_at": _z(case.deleted_at), "deleted_by": case.deleted_by,
            "timeline": [self._timeline_entry(e, municipality, language) for e in events],
            "followers": followers,
        })
        return view

    def _summary(self, case: Case, municipality: Municipality, language: str) -> dict:
        category = municipality.categories.get(case.category)
        department = municipality.departments.get(case.department)
        return {
            "number": case.number, "version": case.version, "type": case.type.value,
            "type_name": translate(language, f"type.{case.type.value}"),
            "channel": case.channel.value, "channel_name": translate(language, f"channel.{case.channel.value}"),
            "category": case.category,
            "category_name": tr_text(category.name, language) if category else case.category,
            "department": case.department,
            "department_name": tr_text(department.name, language) if department else case.department,
            "status": case.status.value, "status_name": translate(language, f"status.{case.status.value}"),
            "state": case.state, "public": case.public, "language": case.language,
            "assignee": case.assignee, "created_at": _z(case.created_at),
            "updated_at": _z(case.updated_at), "received_at": _z(case.received_at),
            "requester_name": case.contact.name if case.contact else None,
            "location": case.location.to_dict() if case.location else None,
            "excerpt": case.description[:EXCERPT],
            "deleted": case.deleted,
            "escalation_level": case.escalation_level,
        }

    def _timeline_entry(self, event: TimelineEvent, municipality: Municipality, language: str) -> dict:
        data = event.data or {}
        return {"id": event.event_id, "at": _z(event.at), "kind": event.kind.value,
                "actor": event.actor, "public": event.public,
                "text": timeline_text(event.kind.value, data, municipality, language), "data": data}

    # -- changes -----------------------------------------------------------------------------

    def _for_change(self, principal: Principal | None, action: Action, number: str,
                    *, with_timeline: bool = False) -> tuple[Case, list[TimelineEvent]]:
        """The case ``principal`` may take ``action`` on; the role is checked before any read."""
        authorise(principal, action)
        events: list[TimelineEvent] = []
        case = None
        if parse_number(number):
            if with_timeline:
                found = self._cases.get_with_timeline(number)
                if found:
                    case, events = found
            else:
                case = self._cases.get_case(number)
        authorise_case(principal, action, case.department if case else None,
                       deleted=bool(case and case.deleted))
        assert case is not None
        if case.deleted:
            raise ConflictError("error.case_deleted", current_version=case.version)
        return case, events

    @staticmethod
    def _expect(case: Case, version: int | None) -> int:
        if version is not None and version != case.version:
            raise ConflictError("error.conflict", current_version=case.version, number=case.number)
        return case.version

    def _save(self, case: Case, version: int, events: list[TimelineEvent],
              also: tuple[tuple[Case, int], ...] = ()) -> Case:
        self._cases.save_change(case, version, events, also=also)
        return case.with_changes(version=version + 1)

    def _result(self, case: Case, events: list[TimelineEvent], **extra) -> dict:
        return {"number": case.number, "version": case.version, "status": case.status.value,
                "department": case.department, "assignee": case.assignee,
                "events": [e.event_id for e in events], **extra}

    def assign(self, principal: Principal | None, number: str, payload: object) -> dict:
        case, _ = self._for_change(principal, Action.ASSIGN, number)
        cleaned = schemas.ASSIGNMENT.validate(payload)
        if not isinstance(payload, dict) or "assignee" not in payload:
            raise ValidationError([FieldError("assignee", "required")])
        version = self._expect(case, cleaned["version"])
        assignee = cleaned.get("assignee")
        if assignee == "me":
            assignee = principal.username  # type: ignore[union-attr]
        if assignee:
            member = self._directory.get(assignee)
            if member is None or not member.enabled:
                raise ValidationError([FieldError("assignee", "unknown_staff")])
            if not member.to_principal().may_act_on(Action.VIEW_CASES, case.department):
                raise ValidationError([FieldError("assignee", "cannot_work_case")])
            assignee = member.username
        if assignee == case.assignee:
            return self._result(case, [])
        now = self._clock()
        event = TimelineEvent(case.number, now, EventKind.ASSIGNED, principal.actor, False,  # type: ignore[union-attr]
                              {"assignee": assignee or "", "previous": case.assignee or ""})
        case = self._save(case.with_changes(assignee=assignee, updated_at=now), version, [event])
        return self._result(case, [event])

    def change_status(self, principal: Principal | None, number: str, payload: object) -> dict:
        case, _ = self._for_change(principal, Action.CHANGE_STATUS, number)
        cleaned = schemas.STATUS_CHANGE.validate(payload)
        version = self._expect(case, cleaned["version"])
        target = Status(cleaned["status"])
        check_transition(case.status, target)
        now = self._clock()
        data = {"status": target.value, "from": case.status.value, "reason": cleaned["reason"]}
        if cleaned.get("message_to_citizen"):
            data["public_text"] = cleaned["message_to_citizen"]
        event = TimelineEvent(case.number, now, EventKind.STATUS_CHANGED, principal.actor, True, data)  # type: ignore[union-attr]
        case = self._save(case.with_changes(status=target, updated_at=now), version, [event])
        return self._result(case, [event])

    def reroute(self, principal: Principal | None, number: str, payload: object) -> dict:
        case, _ = self._for_change(principal, Action.ROUTE, number)
        cleaned = schemas.ROUTING.validate(payload)
        municipality = self._municipality.get()
        if cleaned["department"] not in municipality.departments:
            raise ValidationError([FieldError("department", "unknown_department")])
        version = self._expect(case, cleaned["version"])
        if cleaned["department"] == case.department:
            raise ValidationError([FieldError("department", "unchanged")])
        now = self._clock()
        routing = {"rule": "override", "department": cleaned["department"], "by": principal.actor,  # type: ignore[union-attr]
                   "reason": cleaned["reason"], "from": case.department}
        event = TimelineEvent(case.number, now, EventKind.ROUTED, principal.actor, True, dict(routing))  # type: ignore[union-attr]
        # The new department picks its own assignee.
        case = self._save(case.with_changes(department=cleaned["department"], routing=routing,
                                            assignee=None, updated_at=now), version, [event])
        return self._result(case, [event])

    def add_note(self, principal: Principal | None, number: str, payload: object) -> dict:
        case, _ = self._for_change(principal, Action.ADD_NOTE, number)
        cleaned = schemas.NOTE.validate(payload)
        version = self._expect(case, cleaned.get("version"))
        now = self._clock()
        event = TimelineEvent(case.number, now, EventKind.NOTE, principal.actor, False,  # type: ignore[union-attr]
                              {"text": cleaned["text"]})
        case = self._save(case.with_changes(updated_at=now), version, [event])
        return self._result(case, [event])

    def reply(self, principal: Principal | None, number: str, payload: object) -> dict:
        """Answer the citizen by e-mail (threaded) or, with only a mobile number, by SMS."""
        case, events = self._for_change(principal, Action.REPLY, number, with_timeline=True)
        cleaned = schemas.REPLY.validate(payload)
        version = self._expect(case, cleaned["version"])
        contact = case.contact or Contact()
        wanted = cleaned.get("channel", "auto")
        if wanted in ("auto", "email") and contact.email:
            channel = "email"
        elif wanted in ("auto", "sms") and contact.phone and self._phones.can_receive_sms(contact.phone):
            channel = "sms"
        else:
            raise ValidationError([FieldError("channel", "no_contact_for_channel",
                                              {"channel": wanted})])
        now = self._clock()
        municipality = self._municipality.get()
        new_status = Status(cleaned["status"]) if cleaned.get("status") else None
        if new_status is not None and new_status != case.status:
            check_transition(case.status, new_status)
        to = contact.email if channel == "email" else contact.phone
        reply_event = TimelineEvent(case.number, now, EventKind.MESSAGE_OUT, principal.actor, True,  # type: ignore[union-attr]
                                    {"kind": "reply", "channel": channel, "to": to,
                                     "public_text": cleaned["text"]})
        written = [reply_event]
        changes: dict = {"updated_at": now}
        if new_status is not None and new_status != case.status:
            written.append(TimelineEvent(case.number, now + timedelta(microseconds=1),
                                         EventKind.STATUS_CHANGED, principal.actor, True,  # type: ignore[union-attr]
                                         {"status": new_status.value, "from": case.status.value,
                                          "reason": "reply"}))
            changes["status"] = new_status
        # Recorded first: a second click with the same version gets 409, never a second message.
        saved = self._save(case.with_changes(**changes), version, written)
        try:
            delivery, message_id = self._deliver_reply(saved, events, municipality, channel,
                                                       cleaned["text"], principal)  # type: ignore[arg-type]
        except RecipientSuppressed as suppressed:
            return self._reply_suppressed(saved, written, municipality, cleaned["text"],
                                          reply_event, suppressed)
        if delivery == "failed":
            failure = TimelineEvent(case.number, self._clock(), EventKind.DELIVERY_FAILED, "system",
                                    False, {"channel": channel, "to": to or "",
                                            "event": reply_event.event_id})
            saved = self._save(saved.with_changes(updated_at=failure.at), saved.version, [failure])
        return self._result(saved, written, channel=channel, delivery=delivery,
                            message_id=message_id)

    def _deliver_reply(self, case: Case, events: list[TimelineEvent], municipality: Municipality,
                       channel: str, text: str, principal: Principal) -> tuple[str, str | None]:
        try:
            if channel == "email":
                mail = rendering.reply_mail(case, events, municipality, text, principal.name)
                message_id = self._mailer.send(mail)
                self._message_ids.record_message_id(message_id, case.number, kind="reply",
                                             to=case.contact.email if case.contact else None)
            else:
                message_id = self._send_sms(case, rendering.reply_sms_text(case, municipality, text),
                                            kind="reply")
            return "sent", message_id
        except RecipientSuppressed:
            raise  # nothing was sent: the caller falls back to SMS
        except Exception:
            logger.exception("reply could not be sent", extra={"case_number": case.number})
            self._metrics.mail_failed(f"reply_{channel}")
            return "failed", None

    def _reply_suppressed(self, case: Case, written: list[TimelineEvent], municipality: Municipality,
                          text: str, reply_event: TimelineEvent,
                          suppressed: RecipientSuppressed) -> dict:
        """The requester's address is on the suppression list (it bounced hard or they
        complained): nothing was mailed. Recorded like a failed send, with the reason; with a
        mobile number the reply goes by SMS instead."""
        logger.info("reply not mailed: the address is suppressed",
                    extra={"case_number": case.number, "suppression": suppressed.reason})
        at = self._clock()
        entries = [TimelineEvent(case.number, at, EventKind.DELIVERY_FAILED, "system", False,
                                 {"channel": "email", "to": suppressed.address,
                                  "event": reply_event.event_id, "reason": "suppressed",
                                  "suppression": suppressed.reason})]
        delivery, message_id = "suppressed", None
        phone = case.contact.phone if case.contact else None
        if phone and self._phones.can_receive_sms(phone):
            try:
                message_id = self._send_sms(case, rendering.reply_sms_text(case, municipality, text),
                                            kind="reply")
            except Exception:
                logger.exception("reply could not be sent by SMS either",
                                 extra={"case_number": case.number})
                self._metrics.mail_failed("reply_sms")
                entries.append(TimelineEvent(case.number, at + timedelta(microseconds=1),
                                             EventKind.DELIVERY_FAILED, "system", False,
                                             {"channel": "sms", "to": phone,
                                              "event": reply_event.event_id}))
            else:
                delivery = "sms_fallback"
                entries.append(TimelineEvent(case.number, at + timedelta(microseconds=1),
                                             EventKind.NOTIFICATION, "system", False,
                                             {"channel": "sms", "kind": "reply", "to": phone,
                                              "message_id": message_id,
                                              "event": reply_event.event_id,
                                              "reason": "email_suppressed"}))
        saved = self._save(case.with_changes(updated_at=at), case.version, entries)
        return self._result(saved, written, channel="email", delivery=delivery,
                            message_id=message_id)

    def refer(self, principal: Principal | None, number: str, payload: object) -> dict:
        """Hand the case to an external body by e-mail; its answer threads back."""
        case, _ = self._for_change(principal, Action.REFER, number)
        cleaned = schemas.REFERRAL.validate(payload)
        municipality = self._municipality.get()
        bodies = getattr(municipality, "external_bodies", {}) or {}
        if bool(cleaned.get("body")) == bool(cleaned.get("email")):
            raise ValidationError([FieldError("body", "one_of", {"other": "email"})])
        if cleaned.get("body"):
            body = bodies.get(cleaned["body"])
            if body is None:
                raise ValidationError([FieldError("body", "unknown_external_body")])
            to, body_name, body_id = body.email.lower(), tr_text(body.name, municipality.default_language), body.id
        else:
            to, body_name, body_id = cleaned["email"].lower(), cleaned["email"].lower(), ""
        version = self._expect(case, cleaned["version"])
        now = self._clock()
        data = {"body_id": body_id, "email": to, "message": cleaned["message"],
                "include_contact": bool(cleaned.get("include_contact")), "status": Status.REFERRED.value}
        if not body_id:
            data["body"] = body_name
        changes: dict = {"updated_at": now, "participants": tuple(sorted({*case.participants, to}))}
        if case.status != Status.REFERRED:
            check_transition(case.status, Status.REFERRED)
            changes["status"] = Status.REFERRED
        event = TimelineEvent(case.number, now, EventKind.REFERRED, principal.actor, True, data)  # type: ignore[union-attr]
        saved = self._save(case.with_changes(**changes), version, [event])
        mail = rendering.referral_mail(saved, municipality, to=to, body_name=body_name,
                                     message=cleaned["message"],
                                     include_contact=bool(cleaned.get("include_contact")),
                                     staff_name=principal.name)  # type: ignore[union-attr]
        try:
            message_id = self._mailer.send(mail)
            self._message_ids.record_message_id(message_id, case.number, kind="referral", to=to)
            delivery = "sent"
        except Exception as error:
            failed = {"channel": "email", "to": to, "event": event.event_id}
            if isinstance(error, RecipientSuppressed):  # on the suppression list: nothing sent
                logger.info("referral not mailed: the address is suppressed",
                            extra={"case_number": case.number, "suppression": error.reason})
                failed.update(reason="suppressed", suppression=error.reason)
                delivery = "suppressed"
            else:
                logger.exception("referral could not be sent", extra={"case_number": case.number})
                self._metrics.mail_failed("referral")
                delivery = "failed"
            message_id = None
            failure = TimelineEvent(case.number, self._clock(), EventKind.DELIVERY_FAILED, "system",
                                    False, failed)
            saved = self._save(saved.with_changes(updated_at=failure.at), saved.version, [failure])
        return self._result(saved, [event], delivery=delivery, message_id=message_id)

    def merge(self, principal: Principal | None, number: str, payload: object) -> dict:
        """Close this case as a duplicate of ``into``; its requester can write into the other."""
        case, _ = self._for_change(principal, Action.MERGE, number)
        cleaned = schemas.MERGE.validate(payload)
        if cleaned["into"] == case.number:
            raise ValidationError([FieldError("into", "same_case")])
        target, _ = self._for_change(principal, Action.MERGE, cleaned["into"])
        version = self._expect(case, cleaned["version"])
        if case.merged_into:
            raise ConflictError("error.already_merged", current_version=case.version,
                                into=case.merged_into)
        if target.merged_into:
            raise ValidationError([FieldError("into", "merged_case", {"into": target.merged_into})])
        now = self._clock()
        reason = cleaned.get("reason") or ""
        source_event = TimelineEvent(case.number, now, EventKind.MERGED, principal.actor, True,  # type: ignore[union-attr]
                                     {"into": target.number, "case": target.number, "reason": reason,
                                      "status": Status.CLOSED.value, "from": case.status.value})
        target_event = TimelineEvent(target.number, now, EventKind.MERGED_FROM, principal.actor, False,  # type: ignore[union-attr]
                                     {"from_case": case.number, "case": case.number, "reason": reason})
        participants = set(target.participants)
        if case.contact and case.contact.email and not target.may_write(case.contact.email):
            participants.add(case.contact.email.lower())
        source = case.with_changes(status=Status.CLOSED, merged_into=target.number, updated_at=now,
                                   linked_cases=tuple(sorted({*case.linked_cases, target.number})))
        merged_target = target.with_changes(
            updated_at=now, participants=tuple(sorted(participants)),
            linked_cases=tuple(sorted({*target.linked_cases, case.number})))
        saved = self._save(source, version, [source_event, target_event],
                           also=((merged_target, target.version),))
        return self._result(saved, [source_event, target_event], merged_into=target.number)

    def link(self, principal: Principal | None, number: str, payload: object) -> dict:
        case, _ = self._for_change(principal, Action.LINK, number)
        cleaned = schemas.LINK.validate(payload)
        if cleaned["case"] == case.number:
            raise ValidationError([FieldError("case", "same_case")])
        other, _ = self._for_change(principal, Action.LINK, cleaned["case"])
        version = self._expect(case, cleaned.get("version"))
        if other.number in case.linked_cases and case.number in other.linked_cases:
            return self._result(case, [])
        now = self._clock()
        events = [TimelineEvent(case.number, now, EventKind.LINKED, principal.actor, False,  # type: ignore[union-attr]
                                {"case": other.number}),
                  TimelineEvent(other.number, now, EventKind.LINKED, principal.actor, False,  # type: ignore[union-attr]
                                {"case": case.number})]
        saved = self._save(case.with_changes(linked_cases=tuple(sorted({*case.linked_cases, other.number})),
                                             updated_at=now), version, events,
                           also=((other.with_changes(linked_cases=tuple(sorted({*other.linked_cases, case.number})),
                                                     updated_at=now), other.version),))
        return self._result(saved, events)

    def escalate(self, principal: Principal | None, number: str, payload: object) -> dict:
        """Bring an open case to the supervisors' attention: its level rises by one and the
        internal entry becomes ``case.escalated``, on which the supervisors are notified."""
        case, _ = self._for_change(principal, Action.ESCALATE, number)
        cleaned = schemas.ESCALATION.validate(payload)
        version = self._expect(case, cleaned["version"])
        case, event = escalated_case(case, at=self._clock(), actor=principal.actor,  # type: ignore[union-attr]
                                     reason=cleaned["reason"])
        saved = self._save(case, version, [event])
        return self._result(saved, [event], escalation_level=saved.escalation_level)

    def delete(self, principal: Principal | None, number: str, payload: object) -> dict:
        """A soft delete: the case leaves every queue and the public views; it stays stored,
        with who deleted it, when and why."""
        case, _ = self._for_change(principal, Action.DELETE, number)
        cleaned = schemas.DELETION.validate(payload)
        version = self._expect(case, cleaned["version"])
        now = self._clock()
        event = TimelineEvent(case.number, now, EventKind.DELETED, principal.actor, False,  # type: ignore[union-attr]
                              {"reason": cleaned["reason"]})
        saved = self._save(case.with_changes(deleted_at=now, deleted_by=principal.actor,  # type: ignore[union-attr]
                                             updated_at=now), version, [event])
        return self._result(saved, [event], deleted=True)

    # -- SMS ---------------------------------------------------------------------------------

    def _send_sms(self, case: Case, text: str, *, kind: str) -> str:
        from ..domain.sms import OutgoingSms, fit

        return self._sms.send(OutgoingSms(to=case.contact.phone, text=fit(text),  # type: ignore[union-attr]
                                          case_number=case.number, kind=kind, language=case.language))

