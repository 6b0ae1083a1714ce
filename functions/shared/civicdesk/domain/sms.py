"""Outgoing SMS as the services describe it, and what a text costs on the network.

An SMS travels in one of two encodings (3GPP TS 23.038, formerly GSM 03.38):

- **GSM-7** when every character is in the GSM default alphabet or its extension table: 160
  septets in a single message, 153 per part once it is split (the other 7 carry the
  concatenation header). Extension characters (``€ [ ] { } \\ ^ ~ |`` and form feed) are an
  escape plus a code, so they count twice, and a part never ends between the two.
- **UCS-2** as soon as one character is not: 70 UTF-16 code units, 67 per part. Cyrillic,
  ``č ć ž š đ``, Czech ``ř ě ů``, typographic quotes ``„“`` and the ellipsis ``…`` are all
  outside GSM-7; a character beyond the BMP (an emoji) takes two code units.

Every part is billed as one SMS. Serbian, Bulgarian and Czech texts are therefore usually UCS-2,
and a three-part message holds 201 characters instead of 459.

Whether to give up the script and the diacritics for the cheaper encoding is the
municipality's decision, never this module's: ``sms_text`` writes a text as its ``SmsPolicy``
(``municipality.json`` ``sms``) says, and by default changes only typography that alone stands
between the text and GSM-7; ``to_gsm`` converts only when a caller asks, and says what each
mode gives up. Both live in ``sms_script``.

Examples
--------
>>> segments("Vaš predmet 2026-000123 je rešen.")
('UCS-2', 1)
>>> segments("Vas predmet 2026-000123 je resen.")
('GSM-7', 1)
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from msgspec import Struct

from .errors import CivicDeskError

GSM7 = "GSM-7"
UCS2 = "UCS-2"

#: The GSM 03.38 default alphabet (the escape code 0x1B is not a character of its own).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
#: The extension table: each costs an escape septet and its own.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_PART = {"GSM-7": 153, "UCS-2": 67}

#: What SNS accepts in one ``Publish`` to a phone number (counted here in UTF-8, which for
#: Cyrillic is also the UCS-2 size).
MAX_MESSAGE_BYTES = 1600

_E164 = re.compile(r"\+[1-9]\d{6,14}")
#: SNS (and the operators behind it): 1-11 letters and digits, at least one letter.
_SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,11}")
_CASE_NUMBER = re.compile(r"(?<![\d-])(\d{4}-\d{6,})(?![\d-])")


class OutgoingSms(Struct, frozen=True):
    """One SMS to one phone number.

    ``to`` is in E.164 (``+381641234567``). ``sender_id`` overrides the sender's default
    alphanumeric id (where the destination country allows one); ``origination_number`` sends
    from one of our numbers instead. ``language`` is the case's,
    kept for the record: the text is already in it.
    """

    to: str
    text: str
    case_number: str | None = None
    kind: str = "reply"
    sender_id: str | None = None
    language: str | None = None
    #: Our own number (E.164) to send from instead of a sender id: an answer to a citizen's SMS
    #: comes from the number they texted, so that they can answer it (``docs/sms.md``).
    origination_number: str | None = None


class SmsFailure(str, Enum):
    """Why an SMS was not accepted for delivery."""

    INVALID_NUMBER = "invalid_number"
    INVALID_MESSAGE = "invalid_message"  # empty, or longer than SNS takes in one publish
    INVALID_SENDER_ID = "invalid_sender_id"
    OPTED_OUT = "opted_out"  # the citizen answered STOP
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"  # the service failed or could not be reached
    NOT_AUTHORIZED = "not_authorized"  # credentials, IAM policy, SMS sandbox, KMS
    REJECTED = "rejected"  # any other refusal of the request


_RETRYABLE = frozenset({SmsFailure.THROTTLED, SmsFailure.UNAVAILABLE})


class SmsDeliveryError(CivicDeskError):
    """The SMS service did not accept an SMS; ``reason`` says why, ``retryable`` whether trying
    again later can help. ``detail`` is for logs and carries no phone number."""

    code = "sms_delivery_failed"

    def __init__(self, reason: SmsFailure, detail: str = "") -> None:
        super().__init__("error.sms_delivery_failed", reason=reason.value)
        self.reason = reason
        self.detail = detail

    @property
    def retryable(self) -> bool:
        return self.reason in _RETRYABLE

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}" if self.detail else self.reason.value


def is_e164(number: str | None) -> bool:
    """Whether ``number`` has the E.164 shape SNS requires: ``+``, a country code that does
    not start with 0, at most 15 digits in all.

    Examples
    --------
    >>> is_e164("+381641234567"), is_e164("0641234567"), is_e164("+381 64 123 4567")
    (True, False, False)
    """
    return number is not None and _E164.fullmatch(number) is not None


def is_sender_id(value: str | None) -> bool:
    """Whether ``value`` is a valid alphanumeric sender id.

    Examples
    --------
    >>> is_sender_id("Beograd"), is_sender_id("Grad Beograd"), is_sender_id("123456")
    (True, False, False)
    """
    return value is not None and _SENDER_ID.fullmatch(value) is not None


def find_case_number(text: str) -> str | None:
    """The first case number (``2026-000123``) mentioned in ``text``.

    Examples
    --------
    >>> find_case_number("Predmet 2026-000123 je rešen: https://x.rs/t/2026-000123")
    '2026-000123'
    >>> find_case_number("Pozovite 011-3234567 do 2026-11-25.") is None
    True
    """
    match = _CASE_NUMBER.search(text or "")
    return match.group(1) if match else None


def encoding(text: str) -> str:
    """``"GSM-7"`` when every character of ``text`` is in the GSM alphabet, else ``"UCS-2"``."""
    return GSM7 if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text) else UCS2


def segments(text: str) -> tuple[str, int]:
    """The encoding of ``text`` and how many SMS it is sent as (an empty text is one SMS).

    This is the count of the standard concatenation; SNS splits long messages between whole
    words, so it may send one part more than this for a text near a boundary.

    Examples
    --------
    >>> segments("a" * 160), segments("a" * 161), segments("€" * 80), segments("€" * 81)
    (('GSM-7', 1), ('GSM-7', 2), ('GSM-7', 1), ('GSM-7', 2))
    >>> segments("š" * 70), segments("š" * 71), segments("Улица " * 34)
    (('UCS-2', 1), ('UCS-2', 2), ('UCS-2', 4))
    """
    kind = encoding(text)
    costs = [_cost(ch, kind) for ch in text]
    if sum(costs) <= _SINGLE[kind]:
        return kind, 1
    parts, used = 1, 0
    for cost in costs:  # a character (an escape pair, a surrogate pair) is never split
        if used + cost > _PART[kind]:
            parts, used = parts + 1, 0
        used += cost
    return kind, parts


def _cost(ch: str, kind: str) -> int:
    if kind == GSM7:
        return 2 if ch in GSM_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


#: Stripped from the end of a shortened text before the ellipsis.
_TRAILING = " \t\r\n\f,;:-–—"


def fit(text: str, max_parts: int = 3, *, ellipsis: str | None = None) -> str:
    """``text``, shortened at a word boundary with an ellipsis if it would take more than
    ``max_parts`` SMS.

    The ellipsis is ``…`` when the shortened text is UCS-2 anyway, and ``...`` when it is
    GSM-7: ``…`` is not in the GSM alphabet and alone would turn the whole message into UCS-2,
    cutting three parts from 459 characters to 201. ``ellipsis`` overrides the choice. A single
    word longer than the room is cut inside; a combining mark stays with its letter.

    Examples
    --------
    >>> fit("Kratka poruka.")
    'Kratka poruka.'
    >>> short = fit("Vaša prijava je primljena i prosleđena nadležnoj službi. " * 3, max_parts=1)
    >>> short, segments(short)
    ('Vaša prijava je primljena i prosleđena nadležnoj službi. Vaša prijava…', ('UCS-2', 1))
    >>> short = fit("Your report was received and sent to the department. " * 4, max_parts=1)
    >>> short[-27:], segments(short)
    ('received and sent to the...', ('GSM-7', 1))
    """
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    if segments(text)[1] <= max_parts:
        return text

    def shortened(length: int) -> str:
        head = text[:length].rstrip(_TRAILING)
        mark = ellipsis if ellipsis is not None else ("..." if encoding(head) == GSM7 else "…")
        return head + mark

    def fits(length: int) -> bool:
        return segments(shortened(length))[1] <= max_parts

    # The longest prefix that fits (a longer prefix never costs less).
    low, high = 0, len(text) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    length = low
    if length and not text[length].isspace() and not text[length - 1].isspace():
        space = max(text.rfind(ch, 0, length) for ch in " \t\r\n\f")
        if space > 0 and text[:space].strip(_TRAILING):
            length = space
    while 0 < length < len(text) and unicodedata.combining(text[length]):
        length -= 1
    return shortened(length)
