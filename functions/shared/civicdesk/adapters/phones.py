"""Phone numbers: what citizens type -> E.164 for storage and SMS, and back for display.

Built on ``phonenumbers`` (Google's libphonenumber metadata), imported inside each function:
most requests carry no phone number, and a cold start should not pay for it. The services see
these functions through their ``PhoneNumbers`` port (``LibPhoneNumbers``, wired in
``civicdesk.wiring``).
"""

from __future__ import annotations

from ..services.ports import InvalidPhoneNumber

__all__ = ["LibPhoneNumbers", "can_receive_sms", "display", "normalise_phone"]


class LibPhoneNumbers:
    """The services' ``PhoneNumbers`` (``civicdesk.services.ports``) on libphonenumber."""

    def normalise(self, raw: str, country: str) -> str:
        return normalise_phone(raw, country)

    def can_receive_sms(self, e164: str) -> bool:
        return can_receive_sms(e164)


def normalise_phone(raw: str, country: str) -> str:
    """The E.164 form (``+381641234567``) of a number written in any usual way.

    National (``064 123 4567``, ``064/123-45-67``), international (``+381 64 123-4567``,
    ``+381 (0)64 123 4567``) and ``00``-prefixed (``00381641234567``) writings are accepted;
    ``country`` (ISO 3166-1 alpha-2, e.g. the municipality's ``RS``) says how to read a number
    without a country code. Letters (vanity numbers, extensions such as ``ext. 12``, which E.164
    cannot carry) are refused rather than silently converted or dropped.

    Raises
    ------
    InvalidPhoneNumber
        ``code="invalid_phone"``: unparsable, or not a valid number of any country's plan.

    Examples
    --------
    >>> normalise_phone("064 123 4567", "RS")
    '+381641234567'
    >>> normalise_phone("00420 602 123 456", "RS")
    '+420602123456'
    >>> normalise_phone("064 123", "RS")
    Traceback (most recent call last):
    ...
    civicdesk.services.ports.InvalidPhoneNumber: not a valid phone number: '064 123'
    """
    import phonenumbers

    text = (raw or "").strip()
    if text[:4].lower() == "tel:":  # a copied tel: link
        text = text[4:]
    if not text or any(ch.isalpha() for ch in text):
        raise InvalidPhoneNumber(raw)
    try:
        number = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(raw) from None
    if number.extension or not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def can_receive_sms(e164: str) -> bool:
    """Whether the number is a mobile one (or one the plan cannot tell from a mobile one).

    Examples
    --------
    >>> can_receive_sms("+381641234567"), can_receive_sms("+381113234567")
    (True, False)
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def display(e164: str, country: str) -> str:
    """The number as people in ``country`` write it: national format for a number of that
    country's plan, international format otherwise. Text that is not E.164 is returned as is.

    Examples
    --------
    >>> display("+381641234567", "RS")
    '064 1234567'
    >>> display("+420602123456", "RS")
    '+420 602 123 456'
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.country_code_for_region((country or "").upper())
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == home
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)
