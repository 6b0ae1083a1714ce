"""Opening and tracking cases: the citizen-facing use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol
from zoneinfo import ZoneInfo

from ..domain.accounts import ACCOUNT_ONLY_TYPES, AccountRequiredError
from ..domain.cases import CaseType, utc_now
from ..domain.errors import ConflictError, FieldError, ValidationError
from ..domain.intake import NewCase, idempotency_expiry, open_case, request_hash
from ..domain.municipality import Category, Municipality
from ..domain.tracking_tokens import hash_token, new_tracking_token, tracking_url
from .case_tracking import CaseTracking, TrackedCase
from .municipality import MunicipalityProvider
from .ports import DuplicateSubmission, MetricsSink, PublicCases
from .public_commands import OpenedCase, OpenPublicCase
from .tracking_links import TrackingLinks


class UploadClaims(Protocol):
    """The uploads a report names, checked and copied under its case (``PhotoUploads``)."""

    def claim(self, number: str, upload_ids: tuple[str, ...]) -> tuple[dict, ...]: ...


class CaseService:
    def __init__(self, repository: PublicCases, municipality: MunicipalityProvider,
                 metrics: MetricsSink, public_url: str, *, links: TrackingLinks,
                 clock: Callable[[], datetime] = utc_now, uploads: UploadClaims | None = None):
        self._repo = repository
        self._uploads = uploads
        self._links = links
        self._municipality = municipality
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._tracking = CaseTracking(repository, municipality, links=links, clock=clock)

    # -- opening -----------------------------------------------------------------------------

    def open_public_case(self, command: OpenPublicCase) -> OpenedCase:
        """Check a citizen's submission against the municipality and store the case.

        Returns the public answer (number, token, tracking link). A repeated submission with
        the same ``idempotency_key`` returns the first answer and creates nothing. The
        confirmation is not sent here: the private link is stored with the case (one
        transaction) and the notify function sends it from the ``case.opened`` event, so a
        failing or slow mail service neither delays the citizen nor loses the confirmation.
        """
        municipality = self._municipality.get()
        category = self._checked(command, municipality)
        language = municipality.language_or_default(command.language or command.language_hint)
        now = self._clock()
        year = now.astimezone(ZoneInfo(municipality.time_zone)).year
        case_type = CaseType(command.type)
        token = new_tracking_token()
        number = self._repo.next_number(year)
        attachments = self._claimed(number, command.attachments)
        case, events = open_case(NewCase(
            number=number, type=case_type, channel=command.channel, category=category.id,
            department=category.department, description=str(command.description),
            language=language, public=municipality.is_public(case_type),
            token_hash=hash_token(token), actor=f"citizen:{command.channel.value}",
            location=command.location, contact=command.contact, attachments=attachments,
            source_page=command.source_page, subject=command.subject), at=now,
            levels=municipality.service_levels)
        opened = OpenedCase(number=number, token=token,
                            tracking_url=tracking_url(self._public_url, number, token, language),
                            status=case.status.value, language=language)
        idempotency = None
        if command.idempotency_key:
            idempotency = (f"public-case#{command.idempotency_key}", request_hash(command.request()),
                           opened.record(), idempotency_expiry(now))
        contact = command.contact
        pending = opened.tracking_url if contact and not contact.is_empty else None
        try:
            self._repo.create(case, events, idempotency, pending_link=pending)
        except DuplicateSubmission as duplicate:
            if idempotency and duplicate.request_hash != idempotency[1]:
                raise ConflictError("error.idempotency_mismatch") from None
            return OpenedCase(**duplicate.response)
        self._metrics.case_opened(command.channel.value, case_type.value)
        return opened

    def _claimed(self, number: str, upload_ids: tuple[str, ...]) -> tuple[dict, ...]:
        """The uploaded files, copied under the new case (``services/photos.py``), before the
        case is stored: a case never lists a file it does not have."""
        if not upload_ids:
            return ()
        if self._uploads is None:
            raise ValidationError([FieldError("attachments", "photo_uploads_off")])
        return self._uploads.claim(number, upload_ids)

    @staticmethod
    def _checked(command: OpenPublicCase, municipality: Municipality) -> Category:
        """The submission's category, or the ``ValidationError`` with every bad field, the
        edge's findings first."""
        errors = list(command.invalid)
        case_type = command.type
        allowed_types = tuple(t.value for t in municipality.public_form_types)
        if case_type in {t.value for t in ACCOUNT_ONLY_TYPES}:
            if not command.account:  # issue 16: only a signed-in citizen files these
                raise AccountRequiredError("error.account_required", type=case_type)
            allowed_types += tuple(sorted(t.value for t in ACCOUNT_ONLY_TYPES
                                          if t.value not in allowed_types))
        if case_type is not None and case_type not in allowed_types:
            errors.append(FieldError("type", "not_allowed", {"allowed": ", ".join(allowed_types)}))
            case_type = None
        category = None
        if command.category is not None:
            category = municipality.categories.get(command.category)
            if category is None:
                errors.append(FieldError("category", "unknown_category"))
            elif case_type and CaseType(case_type) not in category.types:
                errors.append(FieldError("category", "type_not_for_category"))
        if command.language and command.language not in municipality.languages:
            errors.append(FieldError("language", "not_allowed",
                                     {"allowed": ", ".join(municipality.languages)}))
        if not municipality.covers(command.location):
            errors.append(FieldError("location", "outside_municipality"))
        if errors:
            raise ValidationError(errors)
        assert category is not None  # required by the schema: missing, it is in ``invalid``
        return category

    # -- tracking ---------------------------------------------------------------------------

    def track(self, number: str, token: str | None) -> TrackedCase:
        """``CaseTracking.track`` (the public API calls that service directly)."""
        return self._tracking.track(number, token)
