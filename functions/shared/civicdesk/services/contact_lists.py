"""Contact lists: administrators create them, import CSV files into them (checked row by row,
duplicates merged, nothing written while rows are wrong unless they say to import the valid
ones), re-import them (``replace``: the list becomes the file; ``update``: the file's contacts
are added or updated, the others stay), and every contact can opt out of its list for good
through the unsubscribe link of every message (``docs/audiences.md``)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Callable

from msgspec import Struct
from msgspec.structs import replace

from ..domain.audiences import member_key
from ..domain.cases import utc_now
from ..domain.contact_lists import MAX_IMPORT_BYTES, CheckedFile, Checks, RowError, check_file, decode
from ..domain.errors import ConflictError, FieldError, NotFoundError, PayloadTooLargeError
from ..domain.policy import Action, Principal, allowed
from .audience_store_ports import AudienceStore, ContactEntry, ContactList, ContactListStore, ImportSummary
from .commands import StaffCommand
from .municipality import MunicipalityProvider
from .ports import InvalidPhoneNumber, PhoneNumbers

#: A contact list's unsubscribe tokens start with this (the alert subscriptions' do not), so
#: the portal's unsubscribe page knows which service ends what a token names.
TOKEN_PREFIX = "cl."
MAX_NAME, MAX_DESCRIPTION = 120, 1000
IMPORT_MODES = ("replace", "update")


def is_contact_list_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


class WriteContactList(StaffCommand, frozen=True, kw_only=True):
    list_id: str | None = None
    name: str | None = None
    description: str = ""
    version: int | None = None


class DeleteContactList(StaffCommand, frozen=True, kw_only=True):
    list_id: str
    version: int | None = None


class ImportContacts(StaffCommand, frozen=True, kw_only=True):
    """A CSV file for list ``list_id``; ``import_valid_rows``: the administrator saw the errors
    and wants the valid rows imported without the others."""

    list_id: str
    data: bytes = b""
    mode: str = "replace"
    import_valid_rows: bool = False


class ImportReport(Struct, frozen=True):
    """What an import found and, when ``imported``, did."""

    imported: bool
    checked: CheckedFile
    contact_list: ContactList
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    opted_out_kept: int = 0


class ContactListService:
    def __init__(self, lists: ContactListStore, audiences: AudienceStore, phones: PhoneNumbers,
                 municipality: MunicipalityProvider, clock: Callable[[], datetime] = utc_now):
        self._lists = lists
        self._audiences = audiences
        self._phones = phones
        self._municipality = municipality
        self._clock = clock

    def contact_lists(self, principal: Principal | None) -> list[ContactList]:
        allowed(principal, Action.VIEW_AUDIENCES)
        return sorted(self._lists.contact_lists(), key=lambda c: (c.name.casefold(), c.list_id))

    def contact_list(self, principal: Principal | None, list_id: str) -> ContactList:
        allowed(principal, Action.VIEW_AUDIENCES)
        return self._found(list_id)

    def create(self, principal: Principal | None, command: WriteContactList) -> ContactList:
        caller = allowed(principal, Action.MANAGE_CONTACT_LISTS)
        self._check(command)
        now = self._clock()
        created = ContactList(uuid.uuid4().hex, str(command.name).strip(), command.description.strip(),
                              0, 0, 1, now, caller.actor, now, caller.actor)
        self._lists.add_list(created)
        return created

    def update(self, principal: Principal | None, command: WriteContactList) -> ContactList:
        caller = allowed(principal, Action.MANAGE_CONTACT_LISTS)
        self._check(command)
        current = self._found(str(command.list_id))
        expected = int(command.version or 0)
        if current.version != expected:
            raise ConflictError("error.audience_list_changed", current_version=current.version)
        changed = replace(current, name=str(command.name).strip(), description=command.description.strip(),
                          version=expected + 1, updated_at=self._clock(), updated_by=caller.actor)
        _settle(self._lists.replace_list(changed, expected))
        return changed

    def delete(self, principal: Principal | None, command: DeleteContactList) -> None:
        """Remove a list and its contacts; refused (409) while an audience names it."""
        allowed(principal, Action.MANAGE_CONTACT_LISTS)
        command.raise_invalid()
        using = [a.name for a in self._audiences.audiences() if command.list_id in a.rule.lists]
        if using:
            raise ConflictError("error.audience_list_in_use", audiences=", ".join(sorted(using)))
        _settle(self._lists.remove_list(command.list_id, int(command.version or 0)))

    def import_file(self, principal: Principal | None, command: ImportContacts) -> ImportReport:
        """Check the file; unless some row is wrong (and the administrator did not say to import
        the valid rows anyway) or the file itself is, write the list's contacts: added,
        updated (the same person by key, their unsubscribe token kept), unchanged, and, when
        ``replace``, removed (those not in the file); those who opted out stay opted out."""
        caller = allowed(principal, Action.MANAGE_CONTACT_LISTS)
        errors = [] if command.mode in IMPORT_MODES else [
            FieldError("mode", "not_allowed", {"allowed": ", ".join(IMPORT_MODES)})]
        command.raise_invalid(errors)
        if len(command.data) > MAX_IMPORT_BYTES:
            raise PayloadTooLargeError("error.payload_too_large", max=MAX_IMPORT_BYTES)
        current = self._found(command.list_id)
        text = decode(command.data)
        if text is None:
            checked = CheckedFile((), (RowError(1, None, "not_utf8"),), (), 0)
        else:
            checked = check_file(text, self._checks())
        if checked.file_errors or not checked.contacts or (checked.errors and not command.import_valid_rows):
            return ImportReport(False, checked, current)
        now = self._clock()
        existing = {entry.key: entry for entry in self._lists.entries(command.list_id)}
        put: list[ContactEntry] = []
        counts = {"added": 0, "updated": 0, "unchanged": 0, "opted_out_kept": 0, "removed": 0}
        in_file: set[str] = set()
        for contact in checked.contacts:
            key = member_key(contact.email, contact.phone)
            in_file.add(key)
            entry = ContactEntry(command.list_id, key, contact.name, contact.email, contact.phone,
                                 contact.language, contact.area, "", now,
                                 mobile=self._phones.can_receive_sms(contact.phone) if contact.phone else None)
            before = existing.get(key)
            if before is None:
                put.append(replace(entry, token=TOKEN_PREFIX + secrets.token_urlsafe(18)))
                counts["added"] += 1
            elif before.opted_out_at is not None:
                counts["opted_out_kept"] += 1
            elif _same(before, entry):
                counts["unchanged"] += 1
            else:
                put.append(replace(entry, token=before.token))
                counts["updated"] += 1
        delete = []
        if command.mode == "replace":
            delete = [e for key, e in existing.items() if key not in in_file and e.opted_out_at is None]
            counts["removed"] = len(delete)
        self._lists.write_entries(put, delete)
        opted_out = sum(1 for e in existing.values() if e.opted_out_at is not None)
        reachable = len(existing) - opted_out + counts["added"] - counts["removed"]
        summary = ImportSummary(now, caller.actor, command.mode, checked.rows, counts["added"],
                                counts["updated"], counts["removed"], counts["unchanged"],
                                checked.invalid_rows)
        changed = replace(current, contacts=reachable, opted_out=opted_out, version=current.version + 1,
                          updated_at=now, updated_by=caller.actor, last_import=summary)
        _settle(self._lists.replace_list(changed, current.version))
        return ImportReport(True, checked, changed, counts["added"], counts["updated"],
                            counts["removed"], counts["unchanged"], counts["opted_out_kept"])

    def opt_out(self, token: str) -> bool:
        """End the contact of ``token``'s membership of its list for good (a later import of
        the same person leaves it ended); ``False`` when no contact has the token. For the
        portal's unsubscribe page (no principal: the token is the proof)."""
        if not is_contact_list_token(token):
            return False
        return self._lists.opt_out(token, self._clock()) is not None

    def _checks(self) -> Checks:
        municipality = self._municipality.get()
        country = municipality.country

        def phone(raw: str) -> str | None:
            try:
                return self._phones.normalise(raw, country)
            except InvalidPhoneNumber:
                return None

        languages = (municipality.default_language,
                     *[lang for lang in municipality.languages if lang != municipality.default_language])
        return Checks(languages, municipality.default_language,
                      {a.id: a.name for a in municipality.areas.values()}, phone)

    def _found(self, list_id: str) -> ContactList:
        found = self._lists.contact_list(list_id)
        if found is None:
            raise NotFoundError("error.audience_list_not_found")
        return found

    @staticmethod
    def _check(command: WriteContactList) -> None:
        errors: list[FieldError] = []
        name = (command.name or "").strip()
        if command.name is not None and not name:
            errors.append(FieldError("name", "required"))
        if len(name) > MAX_NAME:
            errors.append(FieldError("name", "too_long", {"max": MAX_NAME}))
        if len(command.description) > MAX_DESCRIPTION:
            errors.append(FieldError("description", "too_long", {"max": MAX_DESCRIPTION}))
        command.raise_invalid(errors)


def _same(before: ContactEntry, after: ContactEntry) -> bool:
    return (before.name, before.email, before.phone, before.language, before.area, before.mobile) == (
        after.name, after.email, after.phone, after.language, after.area, after.mobile)


def _settle(version_now: int | None) -> None:
    if version_now == 0:
        raise NotFoundError("error.audience_list_not_found")
    if version_now is not None:
        raise ConflictError("error.audience_list_changed", current_version=version_now)
