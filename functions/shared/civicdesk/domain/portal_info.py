"""What the portal tells citizens about the municipality beyond its cases (issue 16, item 8):
its phone number, the privacy notice's facts (the data protection officer, how long cases are
kept) and the accessibility statement's (its date, its status, what is known not to be
accessible). Read from the configuration document (``municipality.json``: ``phone``,
``privacy``, ``accessibility``); the texts around them are the portal's, in five languages.

Examples
--------
>>> info = parse_portal_info({"phone": "+381 34 123 456",
...     "privacy": {"officer": {"email": "dpo@demo.rs"}, "case_retention_years": 10},
...     "accessibility": {"statement_date": "2026-12-01", "status": "partial"}})
>>> info.phone, info.privacy.officer_email, info.privacy.case_retention_years, info.accessibility.status
('+381 34 123 456', 'dpo@demo.rs', 10, 'partial')
>>> parse_portal_info({}).privacy.officer_email is None
True
"""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from msgspec import Struct, field

from .errors import ConfigurationError

#: A phone number as people write it: digits, spaces, +, -, /, parentheses.
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()/-]{4,30}$")
_EMAIL_RE = re.compile(r"^[^\s@<>()\",;:]+@[^\s@<>()\",;:]+\.[^\s@<>()\",;:]+$")
#: The accessibility statement's compliance status (Directive (EU) 2016/2102, model statement).
ACCESSIBILITY_STATUSES = ("full", "partial", "none")


class PrivacyInfo(Struct, frozen=True):
    """The privacy notice's facts: whom to ask (the data protection officer) and how long."""

    officer_name: str | None = None
    officer_email: str | None = None
    officer_phone: str | None = None
    #: How long a case (and the personal data in it) is kept after it is closed.
    case_retention_years: int = 10
    #: How long the servers' logs (which hold addresses of visitors) are kept.
    log_retention_days: int = 90


class AccessibilityInfo(Struct, frozen=True):
    """The accessibility statement's facts."""

    status: str = "partial"
    statement_date: date | None = None
    #: Where accessibility problems are reported; the general support address when absent.
    contact_email: str | None = None


class PortalInfo(Struct, frozen=True):
    phone: str | None = None
    privacy: PrivacyInfo = field(default_factory=PrivacyInfo)
    accessibility: AccessibilityInfo = field(default_factory=AccessibilityInfo)


def _fail(detail: str) -> ConfigurationError:
    return ConfigurationError("error.configuration", detail=detail)


def _phone(raw: object, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not PHONE_RE.match(raw.strip()):
        raise _fail(f"{where}: expected a phone number such as \"+381 34 123 456\"")
    return raw.strip()


def _email(raw: object, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not _EMAIL_RE.match(raw.strip()):
        raise _fail(f"{where}: expected an e-mail address")
    return raw.strip().lower()


def _whole(raw: object, where: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
        raise _fail(f"{where}: expected a whole number from {low} to {high}")
    return raw


def parse_portal_info(doc: Mapping) -> PortalInfo:
    """``phone``, ``privacy`` and ``accessibility`` of the configuration document (each optional)."""
    privacy = doc.get("privacy") or {}
    accessibility = doc.get("accessibility") or {}
    if not isinstance(privacy, Mapping) or not isinstance(accessibility, Mapping):
        raise _fail("privacy, accessibility: expected objects")
    officer = privacy.get("officer") or {}
    if not isinstance(officer, Mapping):
        raise _fail("privacy.officer: expected {\"email\": ..., \"phone\": ..., \"name\": ...}")
    name = officer.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise _fail("privacy.officer.name: expected text")
    status = accessibility.get("status", "partial")
    if status not in ACCESSIBILITY_STATUSES:
        raise _fail(f"accessibility.status: one of {', '.join(ACCESSIBILITY_STATUSES)}")
    when = accessibility.get("statement_date")
    try:
        statement_date = date.fromisoformat(when) if when is not None else None
    except (TypeError, ValueError):
        raise _fail("accessibility.statement_date: expected a date, e.g. 2026-12-01") from None
    return PortalInfo(
        phone=_phone(doc.get("phone"), "phone"),
        privacy=PrivacyInfo(
            officer_name=name.strip() if isinstance(name, str) else None,
            officer_email=_email(officer.get("email"), "privacy.officer.email"),
            officer_phone=_phone(officer.get("phone"), "privacy.officer.phone"),
            case_retention_years=_whole(privacy.get("case_retention_years"),
                                        "privacy.case_retention_years", 10, 1, 100),
            log_retention_days=_whole(privacy.get("log_retention_days"),
                                      "privacy.log_retention_days", 90, 1, 3650)),
        accessibility=AccessibilityInfo(
            status=status, statement_date=statement_date,
            contact_email=_email(accessibility.get("contact_email"), "accessibility.contact_email")))
