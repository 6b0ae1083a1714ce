"""The ports of citizen accounts (``services/accounts.py``, ``services/my_cases_links.py``):
what an account keeps in the cases table. The adapter: ``adapters/dynamodb/accounts.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

from ..domain.accounts import Profile, RegisteredCase
from ..domain.cases import Case, TimelineEvent


class AccountStore(Protocol):
    """A citizen account's items, all in its own partition (``ACCOUNT#<sub>``), and the
    registry book's counter of each year."""

    def profile(self, sub: str) -> Profile | None:
        """The account's profile (one ``GetItem``), ``None`` before it was first saved."""

    def save_profile(self, sub: str, profile: Profile) -> None:
        """Write the profile (one ``PutItem``)."""

    def registered(self, sub: str, number: str) -> RegisteredCase | None:
        """The account's entry of case ``number`` (one ``GetItem``), if it filed it."""

    def register(self, sub: str, number: str, department: str | None, year: int,
                 at: datetime) -> RegisteredCase:
        """Record that the account filed case ``number``; with a ``department``, the case
        takes the next registry number of ``year`` (``UpdateItem ADD`` on the year's counter)
        first. Written only if absent: a repeat answers the entry stored first."""

    def cases(self, sub: str, limit: int) -> list[RegisteredCase]:
        """The account's filed cases, newest first (one ``Query``)."""

    def follow(self, sub: str, number: str, at: datetime) -> None:
        """Remember that the account follows case ``number`` (one ``PutItem``)."""

    def unfollow(self, sub: str, number: str) -> None:
        """Forget it (one ``DeleteItem``)."""

    def follows(self, sub: str, limit: int) -> list[tuple[str, datetime]]:
        """The cases the account follows with the time it started, newest first (one
        ``Query``)."""


class RegistryCases(Protocol):
    """The case a registry number is entered on (``DynamoCaseRepository``): read, then changed
    in one version-checked transaction."""

    def get_case(self, number: str) -> Case | None: ...

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None: ...


class CaseLookup(Protocol):
    """Cases by number and by their requester's address (the search index's ``REQUESTER#``
    entries, keyed by a hash of the address: ``services.search_ports.SearchIndex``)."""

    def cases(self, numbers: Sequence[str]) -> dict: ...

    def requester_cases(self, kind: str, value: str, before: str | None,
                        limit: int) -> tuple[list[str], bool]: ...
