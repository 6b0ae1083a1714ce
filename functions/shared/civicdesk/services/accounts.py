"""A signed-in citizen's use cases (issue 16, item 4): the profile, filing a case through the
account (letters, complaints and FOI requests only so, each with its registry number), "my
cases" and "my subscriptions".

The citizen is the verified ID token's (``domain.accounts.citizen_from_claims``): the address
is verified by the citizen pool, so a case filed or a case followed here needs no confirmation
mail, and the cases sent earlier from that address are the account's too (found through the
requester index, keyed by a hash of the address).
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from msgspec import Struct
from msgspec.structs import replace

from ..domain.accounts import (
    ACCOUNT_ONLY_TYPES,
    CitizenAccount,
    Profile,
    RegisteredCase,
    checked_profile,
    entered_in_registry,
)
from ..domain.cases import Case, Contact, parse_number, utc_now
from ..domain.errors import ConflictError, NotFoundError
from .account_ports import AccountStore, CaseLookup, RegistryCases
from .cases import CaseService
from .followers import FollowCase, FollowerService
from .municipality import MunicipalityProvider
from .public_commands import OpenedCase, OpenPublicCase
from .tracking_links import TrackingLinks

#: How many cases "my cases" lists: the account's own and the address's earlier ones, each.
MY_CASES_LIMIT = 100
MY_FOLLOWS_LIMIT = 100
#: How often entering a registry number on its case is tried when another change comes first.
REGISTRY_ATTEMPTS = 5


class SaveProfile(Struct, frozen=True):
    name: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    language: str | None = None


class FiledCase(Struct, frozen=True):
    """A case filed through the account: the public answer and its registry entry."""

    opened: OpenedCase
    registered: RegisteredCase


class MyCase(Struct, frozen=True):
    """One line of "my cases"."""

    case: Case
    registry_number: str | None
    registered_at: datetime | None
    #: Filed through the account (else: sent earlier, or without signing in, from the address)
    filed_here: bool
    tracking_url: str


class MyFollow(Struct, frozen=True):
    number: str
    since: datetime
    case: Case | None  # ``None``: the case is gone (deleted, merged) or no longer public
    url: str


class AccountService:
    def __init__(self, store: AccountStore, cases: CaseService, lookup: CaseLookup,
                 followers: FollowerService, links: TrackingLinks,
                 municipality: MunicipalityProvider, registry: RegistryCases,
                 clock: Callable[[], datetime] = utc_now):
        self._store = store
        self._registry = registry
        self._cases = cases
        self._lookup = lookup
        self._followers = followers
        self._links = links
        self._municipality = municipality
        self._clock = clock

    # -- the profile -------------------------------------------------------------------------

    def profile(self, account: CitizenAccount) -> Profile:
        """The stored profile, or the one the pool's attributes suggest before the first save."""
        return self._store.profile(account.sub) or Profile(name=account.name,
                                                           language=account.language)

    def save_profile(self, account: CitizenAccount, command: SaveProfile) -> Profile:
        municipality = self._municipality.get()
        profile = checked_profile(command.name, command.phone, command.postal_address,
                                  command.language, municipality.languages, self._clock())
        self._store.save_profile(account.sub, profile)
        return profile

    # -- filing ------------------------------------------------------------------------------

    def file(self, account: CitizenAccount, command: OpenPublicCase) -> FiledCase:
        """Open a case as the account: the requester is the verified address with the profile's
        name, phone and postal address (the form's contact fields are filled in where the
        profile has none); a letter, complaint or FOI request takes the year's next registry
        number. A repeat with the same ``Idempotency-Key`` answers the first case and entry."""
        profile = self.profile(account)
        given = command.contact or Contact()
        contact = Contact(name=profile.name or given.name or account.name, email=account.email,
                          phone=profile.phone or given.phone,
                          address=profile.postal_address or given.address)
        language = command.language or profile.language
        opened = self._cases.open_public_case(replace(command, contact=contact, account=True,
                                                      language=language))
        registered = self._store.registered(account.sub, opened.number)
        if registered is None:
            municipality = self._municipality.get()
            now = self._clock()
            department = None
            if command.type in {t.value for t in ACCOUNT_ONLY_TYPES}:
                category = municipality.categories.get(str(command.category))
                department = category.department if category else None
            year = now.astimezone(ZoneInfo(municipality.time_zone)).year
            registered = self._store.register(account.sub, opened.number, department, year, now)
        if registered.registry_number:
            self._enter_in_registry(registered)
        return FiledCase(opened, registered)

    def _enter_in_registry(self, registered: RegisteredCase) -> None:
        """Put the registry number on the case with its public entry, so that staff see it,
        find the case by it and the citizen reads it in the history. A repeat of the filing
        finds it there (or enters it, if the first try stopped between the two writes)."""
        for _ in range(REGISTRY_ATTEMPTS):
            case = self._registry.get_case(registered.number)
            change = entered_in_registry(case, registered) if case else None
            if case is None or change is None:
                return
            try:
                self._registry.save_change(change[0], case.version, [change[1]])
                return
            except ConflictError:
                continue  # another change came first: read the case again
        raise ConflictError("error.conflict")

    # -- my cases ----------------------------------------------------------------------------

    def my_cases(self, account: CitizenAccount) -> list[MyCase]:
        """The account's cases, newest first: those it filed (one ``Query`` of its entries) and
        those its verified address sent before or without signing in (one ``Query`` of the
        requester index), read in one ``BatchGetItem``; deleted and merged ones are left out,
        and a case of the index counts only if its requester's address is the account's."""
        registered = {r.number: r for r in self._store.cases(account.sub, MY_CASES_LIMIT)}
        earlier, _ = self._lookup.requester_cases("email", account.email, None, MY_CASES_LIMIT)
        numbers = list(dict.fromkeys([*registered, *earlier]))
        found = self._lookup.cases(numbers[:100]) if numbers else {}
        municipality = self._municipality.get()
        mine = []
        for number in numbers:
            case = found.get(number)
            if case is None or case.deleted or case.merged_into:
                continue
            entry = registered.get(number)
            if entry is None and (case.contact is None or
                                  (case.contact.email or "").strip().lower() != account.email):
                continue
            language = municipality.language_or_default(account.language or case.language)
            mine.append(MyCase(case, entry.registry_number if entry else None,
                               entry.registered_at if entry else None, entry is not None,
                               self._links.private_url(number, language)))
        mine.sort(key=lambda m: m.case.created_at, reverse=True)
        return mine

    # -- my subscriptions --------------------------------------------------------------------

    def follow(self, account: CitizenAccount, number: str, language: str | None = None) -> MyFollow:
        """Follow a public case with one click: confirmed at once (the address is verified);
        404 for a case that is not public."""
        self._followers.follow_verified(FollowCase(number=number, email=account.email,
                                                   language=language or account.language))
        now = self._clock()
        self._store.follow(account.sub, number, now)
        return MyFollow(number, now, None, self._public_link(number, account))

    def unfollow(self, account: CitizenAccount, number: str) -> None:
        if parse_number(number) is None:
            raise NotFoundError("error.case_not_found")
        self._followers.unfollow_verified(number, account.email)
        self._store.unfollow(account.sub, number)

    def follows(self, account: CitizenAccount) -> list[MyFollow]:
        """The cases the account follows, newest first, each with what the public may see of
        it (one ``Query`` and one ``BatchGetItem``)."""
        follows = self._store.follows(account.sub, MY_FOLLOWS_LIMIT)
        found = self._lookup.cases([n for n, _ in follows]) if follows else {}
        answer = []
        for number, since in follows:
            case = found.get(number)
            if case is not None and (case.deleted or case.merged_into or not case.public):
                case = None
            answer.append(MyFollow(number, since, case, self._public_link(number, account)))
        return answer

    def _public_link(self, number: str, account: CitizenAccount) -> str:
        language = self._municipality.get().language_or_default(account.language)
        return self._links.public_url(number, language)
