"""Canned replies: texts the administrators keep per language (and, optionally, per
category) for everyone to start an answer to a citizen from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Callable

from msgspec.structs import replace

from ..domain.cases import utc_now
from ..domain.errors import ConflictError, FieldError, NotFoundError
from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, allowed
from .commands import StaffCommand
from .console_ports import CannedReply, CannedReplyStore
from .municipality import MunicipalityProvider


class CannedReplyQuery(StaffCommand, frozen=True, kw_only=True):
    language: str | None = None


class WriteCannedReply(StaffCommand, frozen=True, kw_only=True):
    """A reply to create (``reply_id`` ``None``) or to overwrite (with the ``version`` read)."""

    reply_id: str | None = None
    title: str | None = None
    text: str | None = None
    language: str | None = None
    categories: tuple[str, ...] = ()
    version: int | None = None


class DeleteCannedReply(StaffCommand, frozen=True, kw_only=True):
    reply_id: str
    version: int | None = None


class CannedReplyService:
    def __init__(self, store: CannedReplyStore, municipality: MunicipalityProvider,
                 clock: Callable[[], datetime] = utc_now):
        self._store = store
        self._municipality = municipality
        self._clock = clock

    def replies(self, principal: Principal | None, query: CannedReplyQuery) -> list[CannedReply]:
        """Every reply (of ``language``), by title: for whoever may answer citizens."""
        allowed(principal, Action.REPLY)
        municipality = self._municipality.get()
        query.raise_invalid(_language_errors(municipality, query.language))
        found = self._store.replies(query.language)
        return sorted(found, key=lambda r: (r.language, r.title.casefold(), r.reply_id))

    def create(self, principal: Principal | None, command: WriteCannedReply) -> CannedReply:
        caller = allowed(principal, Action.MANAGE_CANNED_REPLIES)
        self._check(command)
        now = self._clock()
        reply = CannedReply(reply_id=uuid.uuid4().hex, title=str(command.title),
                            text=str(command.text), language=str(command.language),
                            categories=command.categories, version=1, created_at=now,
                            created_by=caller.actor, updated_at=now, updated_by=caller.actor)
        self._store.add_reply(reply)
        return reply

    def update(self, principal: Principal | None, command: WriteCannedReply) -> CannedReply:
        """Overwrite the reply read at ``version``: 409 with ``current_version`` when another
        administrator changed it since, 404 when it is gone."""
        caller = allowed(principal, Action.MANAGE_CANNED_REPLIES)
        self._check(command)
        current = self._store.reply(str(command.reply_id))
        if current is None:
            raise NotFoundError("error.canned_reply_not_found")
        expected = int(command.version or 0)
        if current.version != expected:
            raise ConflictError("error.canned_reply_changed", current_version=current.version)
        reply = replace(current, title=str(command.title), text=str(command.text),
                        language=str(command.language), categories=command.categories,
                        version=expected + 1, updated_at=self._clock(), updated_by=caller.actor)
        self._settle(self._store.replace_reply(reply, expected))
        return reply

    def delete(self, principal: Principal | None, command: DeleteCannedReply) -> None:
        allowed(principal, Action.MANAGE_CANNED_REPLIES)
        command.raise_invalid()
        self._settle(self._store.remove_reply(command.reply_id, int(command.version or 0)))

    @staticmethod
    def _settle(version_now: int | None) -> None:
        """A lost race: 404 when the reply is gone, else 409 with its version now."""
        if version_now == 0:
            raise NotFoundError("error.canned_reply_not_found")
        if version_now is not None:
            raise ConflictError("error.canned_reply_changed", current_version=version_now)

    def _check(self, command: WriteCannedReply) -> None:
        municipality = self._municipality.get()
        errors = _language_errors(municipality, command.language)
        unknown = [c for c in command.categories if c not in municipality.categories]
        if unknown:
            errors.append(FieldError("categories", "unknown_category"))
        command.raise_invalid(errors)


def _language_errors(municipality: Municipality, language: str | None) -> list[FieldError]:
    if language and language not in municipality.languages:
        return [FieldError("language", "not_allowed",
                           {"allowed": ", ".join(municipality.languages)})]
    return []
