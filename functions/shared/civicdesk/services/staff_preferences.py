"""A staff member's own settings: their saved queues (views) and their console language."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Callable

from msgspec.structs import replace

from ..domain.cases import utc_now
from ..domain.errors import ConflictError, FieldError, NotFoundError, UnauthorizedError, ValidationError
from ..domain.policy import Action, Principal, allowed
from .case_commands import QueueFilter
from .casework_queries import plan_queue, queue_filter_errors
from .commands import StaffCommand
from .console_ports import SavedView, SavedViews, StaffLanguages
from .municipality import MunicipalityProvider

#: The most views one person keeps (a queue menu, not an archive).
MAX_SAVED_VIEWS = 50


class SaveView(StaffCommand, frozen=True, kw_only=True):
    """A view to create (``view_id`` ``None``) or to overwrite: its name and the queue's query
    parameters (``filters``), which ``queue`` holds parsed as the queue route parses them."""

    view_id: str | None = None
    name: str | None = None
    filters: dict
    queue: QueueFilter


class SetLanguage(StaffCommand, frozen=True, kw_only=True):
    language: str | None = None


class SavedViewService:
    def __init__(self, views: SavedViews, municipality: MunicipalityProvider,
                 clock: Callable[[], datetime] = utc_now):
        self._views = views
        self._municipality = municipality
        self._clock = clock

    def views(self, principal: Principal | None) -> list[SavedView]:
        """The caller's views (whoever reads queues), by name."""
        caller = allowed(principal, Action.VIEW_CASES)
        return sorted(self._views.views(caller.user_id), key=lambda v: (v.name.casefold(), v.view_id))

    def create(self, principal: Principal | None, command: SaveView) -> SavedView:
        """A new view; 409 ``error.saved_views_limit`` beyond ``MAX_SAVED_VIEWS``."""
        caller = allowed(principal, Action.VIEW_CASES)
        self._check(caller, command)
        now = self._clock()
        view = SavedView(view_id=uuid.uuid4().hex, name=str(command.name),
                         filters=dict(command.filters), created_at=now, updated_at=now)
        if not self._views.add_view(caller.user_id, view, limit=MAX_SAVED_VIEWS):
            raise ConflictError("error.saved_views_limit", max=MAX_SAVED_VIEWS)
        return view

    def update(self, principal: Principal | None, command: SaveView) -> SavedView:
        """Overwrite the caller's view ``command.view_id`` (404 when they have none such)."""
        caller = allowed(principal, Action.VIEW_CASES)
        self._check(caller, command)
        current = next((v for v in self._views.views(caller.user_id)
                        if v.view_id == command.view_id), None)
        if current is None:
            raise NotFoundError("error.saved_view_not_found")
        view = replace(current, name=str(command.name), filters=dict(command.filters),
                       updated_at=self._clock())
        if not self._views.replace_view(caller.user_id, view):
            raise NotFoundError("error.saved_view_not_found")
        return view

    def delete(self, principal: Principal | None, view_id: str) -> None:
        caller = allowed(principal, Action.VIEW_CASES)
        if not self._views.remove_view(caller.user_id, view_id):
            raise NotFoundError("error.saved_view_not_found")

    def _check(self, caller: Principal, command: SaveView) -> None:
        """The edge's findings, then the queue's own checks of the filters (``filters.<name>``),
        then whether the caller could open the queue at all (403 for a department they do not
        see; a department agent of several names one)."""
        found = [replace(error, field=f"filters.{error.field}")
                 for error in queue_filter_errors(self._municipality.get(), command.queue)]
        command.raise_invalid(found)
        try:
            plan_queue(caller, command.queue)
        except ValidationError as invalid:
            raise ValidationError([replace(error, field=f"filters.{error.field}")
                                   for error in invalid.errors]) from None


class LanguageService:
    def __init__(self, directory: StaffLanguages, municipality: MunicipalityProvider):
        self._directory = directory
        self._municipality = municipality

    def set_language(self, principal: Principal | None, command: SetLanguage) -> str:
        """Set the caller's own console language, one of the municipality's; it reaches their
        ID token at its next refresh (the answer says which language is now theirs)."""
        if principal is None:
            raise UnauthorizedError("error.unauthorized")
        languages = self._municipality.get().languages
        errors = []
        if command.language and command.language not in languages:
            errors.append(FieldError("language", "not_allowed", {"allowed": ", ".join(languages)}))
        command.raise_invalid(errors)
        language = str(command.language)
        self._directory.set_language(principal.username, language)
        return language
