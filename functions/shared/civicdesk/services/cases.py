"""Opening and tracking cases: the citizen-facing use cases."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from ..api.schemas import PUBLIC_CASE
from ..domain.cases import (Case, CaseType, Channel, Contact, EventKind, Location, Status,
                            TimelineEvent, hash_token, new_tracking_token, parse_number,
                            token_matches, tracking_url, utc_now)
from ..domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from ..domain.municipality import Municipality, localised as tr_text
from ..domain.redaction import redact
from ..rendering import translate
from .municipality import MunicipalityProvider
from .ports import DuplicateSubmission, MetricsSink, PublicCases

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


def _request_hash(cleaned: dict) -> str:
    return hashlib.sha256(json.dumps(cleaned, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


class CaseService:
    def __init__(self, repository: PublicCases, municipality: MunicipalityProvider,
                 metrics: MetricsSink, public_url: str,
                 clock: Callable[[], datetime] = utc_now):
        self._repo = repository
        self._municipality = municipality
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._clock = clock

    # -- opening -----------------------------------------------------------------------------

    def open_public_case(self, payload: object, *, language_hint: str | None = None,
                         idempotency_key: str | None = None) -> dict:
        """Validate a citizen's submission and store the case.

        Returns the public answer (number, token, tracking link). A repeated submission with
        the same ``idempotency_key`` returns the first answer and creates nothing. The
        confirmation is not sent here: the private link is stored with the case (one
        transaction) and the notify function sends it from the ``case.opened`` event, so a
        failing or slow mail service neither delays the citizen nor loses the confirmation.
        """
        municipality = self._municipality.get()
        cleaned = self._validate_public(payload, municipality)
        language = municipality.language_or_default(cleaned.get("language") or language_hint)
        category = municipality.categories[cleaned["category"]]
        now = self._clock()
        year = now.astimezone(ZoneInfo(municipality.time_zone)).year
        case_type = CaseType(cleaned["type"])
        channel = Channel(cleaned.get("channel", "web"))
        token = new_tracking_token()
        number = self._repo.next_number(year)
        location = Location(**cleaned["location"]) if cleaned.get("location") else None
        contact = Contact(**cleaned["contact"]) if cleaned.get("contact") else None
        case = Case(number=number, type=case_type, channel=channel, category=category.id,
                    department=category.department, description=cleaned["description"],
                    language=language, status=Status.NEW,
                    public=municipality.is_public(case_type), created_at=now, updated_at=now,
                    token_hash=hash_token(token), location=location, contact=contact)
        opened = TimelineEvent(case_number=number, at=now, kind=EventKind.CASE_OPENED,
                               actor=f"citizen:{channel.value}", public=True,
                               data={"channel": channel.value, "department": category.department,
                                     "status": Status.NEW.value})
        answer = {"number": number, "token": token, "tracking_url": tracking_url(self._public_url, number, token, language),
                  "status": Status.NEW.value, "language": language}
        idempotency = None
        if idempotency_key:
            request_hash = _request_hash(cleaned)
            idempotency = (f"public-case#{idempotency_key}", request_hash, answer,
                           int(now.timestamp()) + IDEMPOTENCY_TTL_SECONDS)
        pending = answer["tracking_url"] if contact and not contact.is_empty else None
        try:
            self._repo.create(case, [opened], idempotency, pending_link=pending)
        except DuplicateSubmission as duplicate:
            if idempotency and duplicate.request_hash != idempotency[1]:
                raise ConflictError("error.idempotency_mismatch") from None
            return duplicate.response
        self._metrics.case_opened(channel.value, case_type.value)
        return answer

    def _validate_public(self, payload: object, municipality: Municipality) -> dict:
        errors: list[FieldError] = []
        cleaned = PUBLIC_CASE.check(payload, "", errors) or {}
        case_type = cleaned.get("type")
        allowed_types = tuple(t.value for t in municipality.public_form_types)
        if case_type is not None and case_type not in allowed_types:
            errors.append(FieldError("type", "not_allowed", {"allowed": ", ".join(allowed_types)}))
            case_type = None
        category_id = cleaned.get("category")
        if category_id is not None:
            category = municipality.categories.get(category_id)
            if category is None:
                errors.append(FieldError("category", "unknown_category"))
            elif case_type and CaseType(case_type) not in category.types:
                errors.append(FieldError("category", "type_not_for_category"))
        language = cleaned.get("language")
        if language and language not in municipality.languages:
            errors.append(FieldError("language", "not_allowed",
                                     {"allowed": ", ".join(municipality.languages)}))
        if errors:
            raise ValidationError(errors)
        return cleaned

    # -- tracking ----------------------------------------------------------------------------

    def track(self, number: str, token: str | None, language: str | None) -> dict:
        """The public view of a case: everything but contact data with a valid token, only
        public and redacted data without one; a private case without a token is "not found"."""
        municipality = self._municipality.get()
        if parse_number(number) is None:
            raise NotFoundError("error.case_not_found")
        found = self._repo.get_with_timeline(number)
        if found is None:
            raise NotFoundError("error.case_not_found")
        case, events = found
        if case.deleted:
            raise NotFoundError("error.case_not_found")
        authorised = token_matches(token, case.token_hash)
        if not authorised and not case.public:
            raise NotFoundError("error.case_not_found")
        language = municipality.language_or_default(language or case.language)
        category = municipality.categories.get(case.category)
        names = (case.contact.name,) if case.contact else ()  # hidden from strangers
        view = {
            "number": case.number, "type": case.type.value,
            "type_name": translate(language, f"type.{case.type.value}"),
            "category": case.category,
            "category_name": tr_text(category.name, language) if category else case.category,
            "status": case.status.value,
            "status_name": translate(language, f"status.{case.status.value}"),
            "public": case.public, "created_at": _z(case.created_at),
            "updated_at": _z(case.updated_at), "language": case.language,
            "description": case.description if authorised else redact(case.description, names),
            "history": [self._history_entry(event, municipality, language, authorised, names)
                        for event in events if event.public],
        }
        if case.location:
            location = case.location.to_dict()
            if not authorised:
                location.pop("address", None)
            if location:
                view["location"] = location
        return view

    @staticmethod
    def _history_entry(event: TimelineEvent, municipality: Municipality, language: str,
                       authorised: bool, names: tuple[str | None, ...] = ()) -> dict:
        data = event.data or {}
        params = {key: value for key, value in data.items() if isinstance(value, (str, int, float))}
        if "channel" in data:
            params["channel"] = translate(language, f"channel.{data['channel']}")
        if "department" in data and data["department"] in municipality.departments:
            params["department"] = tr_text(municipality.departments[data["department"]].name, language)
        bodies = getattr(municipality, "external_bodies", None) or {}
        if data.get("body_id") in bodies:
            params["body"] = tr_text(bodies[data["body_id"]].name, language)
        elif event.kind is EventKind.REFERRED:
            # An address typed by hand is personal data as far as the public page is concerned.
            params["body"] = translate(language, "event.referred.external_body")
        entry = {"at": _z(event.at), "kind": event.kind.value}
        if "status" in data:
            entry["status"] = data["status"]
            entry["status_name"] = params["status"] = translate(language, f"status.{data['status']}")
        entry["text"] = translate(language, f"event.{event.kind.value}", **params)
        public_text = data.get("public_text")
        if isinstance(public_text, str):
            entry["message"] = public_text if authorised else redact(public_text, names)
        return entry


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
