import subprocess
import sys
from pathlib import Path

import pytest

from civicdesk.adapters.phones import can_receive_sms, display, normalise_phone
from civicdesk.services.ports import InvalidPhoneNumber

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw,country,expected", [
    # Serbian mobile, as people write it
    ("064 123 4567", "RS", "+381641234567"),
    ("064/123-45-67", "RS", "+381641234567"),
    ("0641234567", "RS", "+381641234567"),
    ("+381 64 123-4567", "RS", "+381641234567"),
    ("+381 (0)64 123 4567", "RS", "+381641234567"),
    ("00381641234567", "RS", "+381641234567"),
    ("  064\u00a0123\u00a04567 ", "RS", "+381641234567"),  # pasted with no-break spaces
    ("０６４ １２３ ４５６７", "RS", "+381641234567"),  # full-width digits
    ("tel:+381641234567", "RS", "+381641234567"),
    ("064 123 4567", "rs", "+381641234567"),
    # Serbian fixed line (Belgrade)
    ("011 3234567", "RS", "+381113234567"),
    ("(011) 323-4567", "RS", "+381113234567"),
    # Bulgarian
    ("0888 123 456", "BG", "+359888123456"),
    ("+359 888 123 456", "BG", "+359888123456"),
    ("00359888123456", "BG", "+359888123456"),
    ("02 981 2345", "BG", "+35929812345"),
    # Czech
    ("602 123 456", "CZ", "+420602123456"),
    ("+420 602 123 456", "CZ", "+420602123456"),
    ("00420602123456", "CZ", "+420602123456"),
    # a foreign number written internationally, whatever the home country
    ("+420 602 123 456", "RS", "+420602123456"),
    ("00359 888 123 456", "RS", "+359888123456"),
])
def test_usual_writings_normalise_to_e164(raw, country, expected):
    assert normalise_phone(raw, country) == expected


@pytest.mark.parametrize("raw,country", [
    ("", "RS"),
    ("   ", "RS"),
    ("12", "RS"),
    ("064 123", "RS"),                     # too short
    ("0038164123456789", "RS"),            # too long
    ("064 123 4567", "BG"),                # a Serbian mobile read as Bulgarian
    ("064 123 4567 ext. 12", "RS"),        # E.164 cannot carry the extension
    ("011/123-4567 lok. 12", "RS"),
    ("0800 FLOWERS", "RS"),                # vanity letters are not converted
    ("call me", "RS"),
    ("0641234567", "XX"),                  # no country to read a national number by
    ("+999 123 456 789", "RS"),            # no such country code
])
def test_invalid_numbers_are_refused_with_a_code(raw, country):
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_phone(raw, country)
    assert caught.value.code == "invalid_phone"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("e164,expected", [
    ("+381641234567", True),    # RS mobile
    ("+359888123456", True),    # BG mobile
    ("+420602123456", True),    # CZ mobile
    ("+12015550123", True),     # NANP: fixed line or mobile, cannot be told apart
    ("+381113234567", False),   # RS fixed line
    ("+35929812345", False),    # BG fixed line
    ("+420212345678", False),   # CZ fixed line
    ("not a number", False),
    ("", False),
])
def test_sms_capability_follows_the_number_type(e164, expected):
    assert can_receive_sms(e164) is expected


@pytest.mark.parametrize("e164,country,expected", [
    ("+381641234567", "RS", "064 1234567"),
    ("+381113234567", "RS", "011 3234567"),
    ("+359888123456", "BG", "088 812 3456"),
    ("+420602123456", "CZ", "602 123 456"),
    ("+359888123456", "RS", "+359 88 812 3456"),
    ("+381641234567", "CZ", "+381 64 1234567"),
    ("+420602123456", "rs", "+420 602 123 456"),
    ("garbage", "RS", "garbage"),
])
def test_display_is_national_at_home_and_international_abroad(e164, country, expected):
    assert display(e164, country) == expected


def test_normalised_numbers_round_trip_through_display():
    # GIVEN a number as a citizen typed it, WHEN it is normalised and displayed at home
    shown = display(normalise_phone("+381 64 123-4567", "RS"), "RS")
    # THEN what is shown normalises to the same number again
    assert normalise_phone(shown, "RS") == "+381641234567"


def test_importing_the_module_does_not_import_phonenumbers():
    code = "import sys, civicdesk.adapters.phones; assert 'phonenumbers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={"PYTHONPATH": str(ROOT / "functions" / "shared")})
