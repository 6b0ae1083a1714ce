"""The ports of the audiences' own services (``services/audiences.py``,
``services/contact_lists.py``) and the records they pass: saved audiences, contact lists and
their contacts, and the cases an audience of kind ``cases`` reads. The port through which
campaigns and surveys reach members is ``audience_ports.AudienceMembers``."""

from __future__ import annotations

from datetime import datetime
from typing import Iterator, Protocol, Sequence

from msgspec import Struct

from ..domain.audience_rules import AudienceRule


class Audience(Struct, frozen=True):
    audience_id: str
    name: str
    description: str
    rule: AudienceRule
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class ImportSummary(Struct, frozen=True):
    """What the last import of a list did."""

    at: datetime
    by: str
    mode: str  # replace | update
    rows: int
    added: int
    updated: int
    removed: int
    unchanged: int
    skipped_rows: int  # rows with errors, left out on the administrator's word


class ContactList(Struct, frozen=True):
    list_id: str
    name: str
    description: str
    contacts: int  # reachable ones (not opted out)
    opted_out: int
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    last_import: ImportSummary | None = None


class ContactEntry(Struct, frozen=True):
    """One contact of a list, by its member key (``domain.audiences.member_key``)."""

    list_id: str
    key: str
    name: str
    email: str | None
    phone: str | None
    language: str
    area: str | None
    token: str  # its unsubscribe token (``unsubscribe_path``), stable across re-imports
    updated_at: datetime
    opted_out_at: datetime | None = None
    #: Whether ``phone`` takes SMS (a mobile number), judged once at import; ``None``: unknown.
    mobile: bool | None = None


class CaseFacts(Struct, frozen=True):
    """A case as an audience of kind ``cases`` reads it: its requester's contact and place."""

    number: str
    category: str
    status: str
    language: str
    created_at: datetime
    point: tuple[float, float] | None  # (lat, lon)
    name: str = ""
    email: str | None = None
    phone: str | None = None


class CaseFollower(Struct, frozen=True):
    email: str
    language: str


class AudienceStore(Protocol):
    def audiences(self) -> list[Audience]:
        """Every saved audience (a municipality keeps tens to hundreds)."""

    def audience(self, audience_id: str) -> Audience | None: ...

    def add_audience(self, audience: Audience) -> None: ...

    def replace_audience(self, audience: Audience, expected_version: int) -> int | None:
        """Overwrite if still at ``expected_version``; else the version now (0: gone)."""

    def remove_audience(self, audience_id: str, expected_version: int) -> int | None:
        """As ``replace_audience``."""


class ContactListStore(Protocol):
    def contact_lists(self) -> list[ContactList]: ...

    def contact_list(self, list_id: str) -> ContactList | None: ...

    def add_list(self, contact_list: ContactList) -> None: ...

    def replace_list(self, contact_list: ContactList, expected_version: int) -> int | None:
        """Overwrite the list's record (not its contacts) if still at ``expected_version``;
        else the version now (0: gone)."""

    def remove_list(self, list_id: str, expected_version: int) -> int | None:
        """Remove the list and every contact of it (their tokens too); as ``replace_list``."""

    def entries(self, list_id: str) -> Iterator[ContactEntry]:
        """The list's contacts in key order, opted-out ones included, page by page."""

    def write_entries(self, put: Sequence[ContactEntry], delete: Sequence[ContactEntry]) -> None:
        """Write ``put`` (and their tokens), remove ``delete`` (and theirs), in batches."""

    def opt_out(self, token: str, at: datetime) -> ContactEntry | None:
        """Mark the contact of ``token`` opted out (once: the first moment stays); ``None``
        when no contact has the token."""


class CaseContacts(Protocol):
    def cases(self, opened_from: datetime | None, opened_to: datetime | None,
              categories: Sequence[str], statuses: Sequence[str]) -> Iterator[CaseFacts]:
        """The cases opened in ``[opened_from, opened_to)`` (either open-ended) of the
        categories and statuses (empty: any), not deleted, page by page."""

    def followers(self, number: str) -> list[CaseFollower]:
        """The confirmed followers of a case."""
