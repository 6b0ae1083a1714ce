"""Citizen accounts (issue 16, item 4): who a signed-in citizen is, their profile, and the
registry numbers of the cases an account files.

A citizen account lives in the citizen user pool (``CitizenUserPool`` in ``template.yaml``),
never the staff pool; API Gateway's ``CitizenAuthorizer`` verifies the ID token of the account
routes and hands its claims over. Only an account whose e-mail address Cognito verified may
file a letter, a complaint or an FOI request, and its cases are found again by that address.
"""

from __future__ import annotations

import re
from datetime import datetime

from msgspec import Struct

from .cases import ALWAYS_PRIVATE_TYPES, Case, CaseType, EventKind, TimelineEvent
from .errors import FieldError, UnauthorizedError, ValidationError

#: The case types only a signed-in citizen may file (they stay private: ``ALWAYS_PRIVATE_TYPES``).
ACCOUNT_ONLY_TYPES: frozenset[CaseType] = ALWAYS_PRIVATE_TYPES

NAME_MAX = 200
PHONE_MAX = 32
ADDRESS_MAX = 500
_PHONE = re.compile(r"^\+?[0-9 ()/.-]{6,32}$")


class AccountRequiredError(UnauthorizedError):
    """The request needs a signed-in citizen with a verified address (401)."""

    code = "account_required"


class CitizenAccount(Struct, frozen=True):
    """A signed-in citizen, as their verified ID token tells: the pool's ``sub`` (the account's
    key everywhere) and the verified address."""

    sub: str
    email: str
    name: str | None = None
    language: str | None = None


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def citizen_from_claims(claims: dict | None, user_pool_id: str | None = None) -> CitizenAccount:
    """The citizen of an ID token's verified claims (strings, as API Gateway hands them over).

    Refused (``AccountRequiredError``): no claims, an access token, a token of another pool
    than ``user_pool_id`` (when given), no ``sub`` or an unverified address.

    Examples
    --------
    >>> citizen_from_claims({"sub": "s-1", "email": "Ana@Example.org", "email_verified": "true",
    ...                      "token_use": "id"}).email
    'ana@example.org'
    >>> citizen_from_claims({"sub": "s-1", "email": "a@b.rs", "email_verified": "false"})
    Traceback (most recent call last):
    ...
    civicdesk.domain.accounts.AccountRequiredError: error.account_required
    """
    claims = claims or {}
    email = str(claims.get("email") or "").strip().lower()
    if (not claims.get("sub") or not email or not _truthy(claims.get("email_verified"))
            or claims.get("token_use", "id") != "id"):
        raise AccountRequiredError("error.account_required")
    if user_pool_id and not str(claims.get("iss", "")).endswith(f"/{user_pool_id}"):
        raise AccountRequiredError("error.account_required")
    return CitizenAccount(sub=str(claims["sub"]), email=email,
                          name=str(claims.get("name") or "") or None,
                          language=str(claims.get("custom:language") or "") or None)


class Profile(Struct, frozen=True):
    """What prefills the forms; stored by the account's ``sub`` (the table, not the pool)."""

    name: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    language: str | None = None
    updated_at: datetime | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "phone": self.phone, "postal_address": self.postal_address,
                "language": self.language}


def checked_profile(name: str | None, phone: str | None, postal_address: str | None,
                    language: str | None, languages: tuple[str, ...], at: datetime) -> Profile:
    """A profile as given (blank fields become ``None``), or the ``ValidationError`` with every
    bad field.

    Examples
    --------
    >>> from datetime import timezone
    >>> now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    >>> checked_profile(" Ana ", "", None, "en", ("en",), now).name
    'Ana'
    >>> checked_profile(None, "abc", None, "xx", ("en",), now)
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ValidationError: error.validation_failed
    """
    def blank(value: str | None) -> str | None:
        return (value or "").strip() or None

    name, phone, postal_address, language = (blank(name), blank(phone), blank(postal_address),
                                             blank(language))
    errors = []
    if phone and not _PHONE.match(phone):
        errors.append(FieldError("phone", "invalid_phone"))
    if language and language not in languages:
        errors.append(FieldError("language", "not_allowed", {"allowed": ", ".join(languages)}))
    if errors:
        raise ValidationError(errors)
    return Profile(name, phone, postal_address, language, at)


# -- registry numbers ------------------------------------------------------------------------------

def registry_code(department: str) -> str:
    """A department's code in the registry number: the initials of its id's words, in capitals
    (``general_administration`` -> ``GA``; a one-word id: its first three letters).

    Examples
    --------
    >>> registry_code("general_administration"), registry_code("tax_administration")
    ('GA', 'TA')
    >>> registry_code("roads_traffic"), registry_code("planning")
    ('RT', 'PLA')
    """
    words = [w for w in re.split(r"[^A-Za-z0-9]+", department) if w]
    if not words:
        return "X"
    if len(words) == 1:
        return words[0][:3].upper()
    return "".join(w[0] for w in words).upper()


def registry_number(year: int, department: str, sequence: int) -> str:
    """``<year>/<department code>/<sequence of the year, six digits>``: the number the
    municipality's registry book gives a letter, complaint or FOI request (one sequence per
    year across departments, so the number is unique whatever the code).

    >>> registry_number(2026, "general_administration", 42)
    '2026/GA/000042'
    """
    return f"{year}/{registry_code(department)}/{sequence:06d}"


class RegisteredCase(Struct, frozen=True):
    """A case filed through an account: its registry number and date, as "my cases" shows
    them."""

    number: str
    registry_number: str | None
    registered_at: datetime


#: A registry number as staff type it into the search: ``2026/GA/42`` or ``2026/ga/000042``.
_REGISTRY_QUERY = re.compile(r"^\s*(\d{4})\s*/\s*([A-Za-z]{1,12})\s*/\s*(\d{1,6})\s*$")


def registry_query(text: str) -> str | None:
    """The registry number ``text`` names, in its one written form, or ``None``.

    Examples
    --------
    >>> registry_query("2026/ga/42"), registry_query(" 2026 / GA / 000042 ")
    ('2026/GA/000042', '2026/GA/000042')
    >>> registry_query("2026-000042") is None, registry_query("2026/GA/0") is None
    (True, True)
    """
    found = _REGISTRY_QUERY.match(text)
    if not found or int(found.group(3)) == 0:
        return None
    return f"{found.group(1)}/{found.group(2).upper()}/{int(found.group(3)):06d}"


def registry_term(registry_number: str) -> str:
    """The one search word a registry number is found by: its letters and digits, folded.

    >>> registry_term("2026/GA/000042")
    '2026ga000042'
    """
    return "".join(ch for ch in registry_number.lower() if ch.isalnum())


def entered_in_registry(case: Case, registered: RegisteredCase,
                        actor: str = "system") -> tuple[Case, TimelineEvent] | None:
    """The case with its registry number and the public entry that gives it to the citizen
    and the staff, or ``None`` when there is nothing to enter (no number, or the case has it).

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import Channel, Status
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.COMPLAINT, Channel.WEB, "other", "general_administration",
    ...             "Жалба.", "sr-Cyrl", Status.NEW, False, at, at, "hash")
    >>> entered, entry = entered_in_registry(case, RegisteredCase(case.number, "2026/GA/000042", at))
    >>> entered.registry_number, entry.kind.value, entry.public, entry.data
    ('2026/GA/000042', 'registered', True, {'registry_number': '2026/GA/000042'})
    >>> entered_in_registry(entered, RegisteredCase(case.number, "2026/GA/000042", at)) is None
    True
    """
    number = registered.registry_number
    if not number or case.registry_number == number:
        return None
    entry = TimelineEvent(case.number, registered.registered_at, EventKind.REGISTERED, actor, True,
                          {"registry_number": number})
    return case.with_changes(registry_number=number,
                             updated_at=max(case.updated_at, registered.registered_at)), entry
