"""Citizen accounts without AWS: who a token's claims are, profiles, registry numbers, the mailed
link's token, and Cognito's mail emulation (``infra/local/cognito_mail.py``) over a fake moto."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from civicdesk.domain.accounts import (
    AccountRequiredError,
    checked_profile,
    citizen_from_claims,
    registry_code,
    registry_number,
)
from civicdesk.domain.errors import ValidationError
from civicdesk.domain.tracking_tokens import LinkKey
from civicdesk.services.my_cases_links import read_link_token, sign_link_token
from infra.local.cognito_mail import CodeBook, CognitoMail

POOL = "eu-central-1_Citizens"
CLAIMS = {"sub": "0f1e", "email": "Ana@Example.org", "email_verified": "true", "token_use": "id",
          "iss": f"https://cognito-idp.eu-central-1.amazonaws.com/{POOL}", "name": "Ana"}


def test_the_claims_of_a_verified_id_token_of_the_citizen_pool_make_the_account():
    account = citizen_from_claims(CLAIMS, POOL)
    assert (account.sub, account.email, account.name) == ("0f1e", "ana@example.org", "Ana")


@pytest.mark.parametrize("change", [
    {"email_verified": "false"}, {"token_use": "access"}, {"sub": ""}, {"email": ""},
    {"iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Staff"},
])
def test_anything_less_is_refused_as_account_required(change):
    with pytest.raises(AccountRequiredError) as refused:
        citizen_from_claims({**CLAIMS, **change}, POOL)
    assert refused.value.code == "account_required"
    with pytest.raises(AccountRequiredError):
        citizen_from_claims(None, POOL)


def test_a_profile_is_checked_field_by_field():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    profile = checked_profile("  ", "+381 64 123 4567", " Njegoševa 7 ", "sr-Latn", ("sr-Latn", "en"), now)
    assert (profile.name, profile.postal_address, profile.updated_at) == (None, "Njegoševa 7", now)
    with pytest.raises(ValidationError) as refused:
        checked_profile(None, "call me", None, "de", ("en",), now)
    assert {e.field: e.code for e in refused.value.errors} == {"phone": "invalid_phone",
                                                               "language": "not_allowed"}


def test_registry_numbers_carry_the_year_the_department_and_a_six_digit_sequence():
    assert registry_number(2027, "urban_planning", 7) == "2027/UP/000007"
    assert registry_code("") == "X" and registry_code("inspection") == "INS"


def test_the_mailed_link_token_is_the_addresss_own_until_it_expires():
    old, new = LinkKey(b"o" * 32), LinkKey(b"n" * 32)
    token = sign_link_token("ana@example.org", 2_000, old)
    assert read_link_token(token, [new, old], now=1_000) == "ana@example.org"
    assert read_link_token(token, [new], now=1_000) is None  # a key no longer in force
    assert read_link_token(token, [old], now=2_001) is None  # expired
    key_id, expires, address, mac = token.split(".")
    forged = sign_link_token("eve@example.org", 2_000, old).split(".")[2]
    assert read_link_token(".".join((key_id, expires, forged, mac)), [old], now=0) is None
    assert read_link_token(".".join((key_id, "9999", address, mac)), [old], now=0) is None
    assert read_link_token(None, [old], now=0) is None


# -- the local runtime's Cognito mail --------------------------------------------------------------

class FakeUser:
    def __init__(self, email):
        self.username = "uuid-1"
        self.attributes = [{"Name": "email", "Value": email}]
        self.attribute_lookup = {"email": email}


class FakePool:
    def __init__(self, verifies=True):
        self.id = POOL
        self.clients = {"portal"}
        self.users = {}
        self.extended_config = {"AutoVerifiedAttributes": ["email"] if verifies else [],
                                "EmailConfiguration": {"From": "no-reply@demo.rs"},
                                "VerificationMessageTemplate": {"EmailSubject": "Code",
                                                                "EmailMessage": "Code: {####}"}}

    def _get_user(self, name):
        return next((u for u in self.users.values() if u.attribute_lookup["email"] == name), None)


def moto_app(pool):
    """moto's part: SignUp makes the user; every call answers 200."""
    def app(environ, start_response):
        request = json.loads(environ["wsgi.input"].read() or b"{}")
        if environ["HTTP_X_AMZ_TARGET"].endswith(".SignUp"):
            pool.users["uuid-1"] = FakeUser(request["Username"])
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1")])
        return [b"{}"]
    return app


def call(middleware, action, body):
    raw = json.dumps({"ClientId": "portal", **body}).encode()
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw),
               "HTTP_X_AMZ_TARGET": f"AWSCognitoIdentityProviderService.{action}"}
    answer = {}
    body_out = b"".join(middleware(environ, lambda status, headers, exc=None: answer.update(status=status)))
    return answer["status"], json.loads(body_out or b"{}")


def test_sign_up_mails_the_code_a_confirmation_checks_and_marks_the_address_verified():
    pool, sent = FakePool(), []
    middleware = CognitoMail(moto_app(pool), lambda: [SimpleNamespace(user_pools={POOL: pool})],
                             lambda source, to, raw: sent.append((source, to, raw)), CodeBook())
    assert call(middleware, "SignUp", {"Username": "ana@example.org", "Password": "x"})[0].startswith("200")
    (source, to, raw), = sent
    assert (source, to) == ("no-reply@demo.rs", ["ana@example.org"])
    code = raw.split("Code: ")[1][:6]
    status, body = call(middleware, "ConfirmSignUp", {"Username": "ana@example.org", "ConfirmationCode": "x"})
    assert status.startswith("400") and body["__type"] == "CodeMismatchException"
    assert "email_verified" not in pool.users["uuid-1"].attribute_lookup
    assert call(middleware, "ConfirmSignUp", {"Username": "ana@example.org", "ConfirmationCode": code})[0].startswith("200")
    assert pool.users["uuid-1"].attribute_lookup["email_verified"] == "true"
    status, body = call(middleware, "ResendConfirmationCode", {"Username": "ana@example.org"})
    assert status.startswith("200") and body["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert len(sent) == 2


def test_a_pool_that_does_not_verify_addresses_is_left_to_moto():
    pool, sent = FakePool(verifies=False), []
    middleware = CognitoMail(moto_app(pool), lambda: [SimpleNamespace(user_pools={POOL: pool})],
                             lambda *mail: sent.append(mail), CodeBook())
    call(middleware, "SignUp", {"Username": "staff@example.org", "Password": "x"})
    assert call(middleware, "ConfirmSignUp", {"Username": "staff@example.org",
                                              "ConfirmationCode": "any"})[0].startswith("200")
    assert sent == []
