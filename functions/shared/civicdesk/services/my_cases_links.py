""""My cases" without an account (issue 16, item 4): a link mailed to the address, which lists
that address's signals, questions and the other cases anyone may send without signing in.

The link's token is signed with the tracking links' key (``LinkKeys``, the secret of
``CIVICDESK_LINK_SECRET_ARN``) and expires: ``<key id>.<expiry, epoch seconds>.<address,
base64url>.<HMAC-SHA-256, 128 bits, base64url>``. It is the address's own proof of access, as
the tracking links are a case's: nothing is stored for it. Asking for the link always answers
the same (202), whether the address sent anything or not, and an address gets at most
``LINK_MAILS_PER_MAILBOX_PER_DAY`` such mails a day.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct

from ..domain.accounts import ACCOUNT_ONLY_TYPES
from ..domain.cases import Case, utc_now
from ..domain.delivery import mailbox_of
from ..domain.errors import FieldError, NotFoundError, ValidationError
from ..domain.mail import OutgoingMail
from ..domain.municipality import localised as tr_text
from ..domain.tracking_tokens import LinkKey
from .account_ports import CaseLookup
from .municipality import MunicipalityProvider
from .ports import Allowances, LinkKeys, Mailer, RecipientSuppressed
from .tracking_links import TrackingLinks

logger = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(hours=24)
LINK_MAILS_PER_MAILBOX_PER_DAY = 3
LIST_LIMIT = 100
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s]{2,}$")
_TOKEN = re.compile(r"^([0-9a-f]{4})\.([0-9]{1,12})\.([A-Za-z0-9_-]{4,400})\.([A-Za-z0-9_-]{22})$")
LINK_NOT_VALID = "error.my_cases_link_invalid"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: LinkKey, email: str, expires: int) -> str:
    message = f"civicdesk/my-cases/v1\0{email}\0{expires}".encode("utf-8")
    return _b64(hmac.new(key.secret, message, hashlib.sha256).digest()[:16])


def sign_link_token(email: str, expires: int, key: LinkKey) -> str:
    """The token of the address's list, valid until ``expires`` (epoch seconds).

    >>> key = LinkKey(b"k" * 32)
    >>> token = sign_link_token("ana@example.org", 1_900_000_000, key)
    >>> read_link_token(token, [key], now=1_800_000_000)
    'ana@example.org'
    >>> read_link_token(token, [key], now=1_900_000_001) is None
    True
    >>> read_link_token(token.replace(".", "x", 1), [key], now=0) is None
    True
    """
    return f"{key.id}.{expires}.{_b64(email.encode('utf-8'))}.{_mac(key, email, expires)}"


def read_link_token(token: str | None, keys, now: float) -> str | None:
    """The address a valid, unexpired token was made for, else ``None`` (constant-time
    comparison; a rotated key's tokens are checked with that key)."""
    match = _TOKEN.fullmatch(token or "")
    if not match:
        return None
    key_id, expires, encoded, mac = match.groups()
    if int(expires) < now:
        return None
    try:
        email = _unb64(encoded).decode("utf-8")
    except (ValueError, UnicodeError):
        return None
    for key in keys:
        if key.id == key_id and hmac.compare_digest(_mac(key, email, int(expires)), mac):
            return email
    return None


class LinkedCase(Struct, frozen=True):
    case: Case
    tracking_url: str


class MyCasesLinks:
    def __init__(self, lookup: CaseLookup, keys: LinkKeys, links: TrackingLinks,
                 municipality: MunicipalityProvider, mailer: Mailer, allowances: Allowances,
                 public_url: str, clock: Callable[[], datetime] = utc_now):
        self._lookup = lookup
        self._keys = keys
        self._links = links
        self._municipality = municipality
        self._mailer = mailer
        self._allowances = allowances
        self._public_url = public_url.rstrip("/")
        self._clock = clock

    def request(self, email: str, language: str | None = None) -> None:
        """Mail the address its link, if it sent a case (one ``Query`` of the requester index)
        and has mails left today; the caller always answers the same."""
        address = (email or "").strip().lower()
        if not _EMAIL.match(address):
            raise ValidationError([FieldError("email", "format", {"format": "email"})])
        municipality = self._municipality.get()
        if language and language not in municipality.languages:
            raise ValidationError([FieldError("language", "not_allowed",
                                              {"allowed": ", ".join(municipality.languages)})])
        numbers, _ = self._lookup.requester_cases("email", address, None, 1)
        if not numbers:
            logger.info("my-cases link not sent: the address sent no case")
            return
        now = self._clock()
        if not self._allowances.take("mycases", mailbox_of(address), now.date(),
                                     LINK_MAILS_PER_MAILBOX_PER_DAY):
            logger.info("my-cases link not sent: the mailbox had its mails for today")
            return
        language = municipality.language_or_default(language)
        expires = int((now + LINK_LIFETIME).timestamp())
        token = sign_link_token(address, expires, self._keys.keys()[0])
        url = f"{self._public_url}/my-cases.html?lang={language}#token={token}"
        from ..rendering import translate
        from ..rendering.plurals import translate_count

        service = municipality.general_service
        try:
            self._mailer.send(OutgoingMail(
                sender=service.address, sender_name=tr_text(municipality.name, language),
                to=(address,), subject=translate(language, "account_mail.link.subject"),
                text="\n\n".join((translate(language, "account_mail.link.body", url=url),
                                  translate_count(language, "account_mail.link.expiry",
                                                  int(LINK_LIFETIME.total_seconds() // 3600)),
                                  translate(language, "account_mail.link.ignore"))),
                headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                         "Content-Language": language},
                kind="my_cases_link"))
        except RecipientSuppressed:
            logger.info("my-cases link not sent: the address is suppressed")

    def cases(self, token: str | None) -> tuple[str, list[LinkedCase]]:
        """The address of a valid link and its cases anyone may send (not the letters,
        complaints and FOI requests, which an account shows), newest first: one ``Query`` of
        the requester index and one ``BatchGetItem``. 404 for a wrong or expired link."""
        address = read_link_token(token, self._keys.keys(), self._clock().timestamp())
        if address is None:
            address = read_link_token(token, self._keys.keys(fresh=True),
                                      self._clock().timestamp())
        if address is None:
            raise NotFoundError(LINK_NOT_VALID)
        municipality = self._municipality.get()
        numbers, _ = self._lookup.requester_cases("email", address, None, LIST_LIMIT)
        found = self._lookup.cases(numbers) if numbers else {}
        listed = []
        for number in numbers:
            case = found.get(number)
            if (case is None or case.deleted or case.merged_into or case.type in ACCOUNT_ONLY_TYPES
                    or case.contact is None
                    or (case.contact.email or "").strip().lower() != address):
                continue
            listed.append(LinkedCase(case, self._links.private_url(
                number, municipality.language_or_default(case.language))))
        return address, listed
