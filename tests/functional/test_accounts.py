"""Citizen accounts in-process under moto (issue 16, item 4): sign-up with the mailed code, the
citizen pool's token through the authorizer's checks, the profile, filing letters with their
registry numbers, "my cases", "my subscriptions" and the mailed "my cases" link.

Cognito's API is moto's own WSGI app behind the local runtime's ``CognitoMail`` middleware
(``infra/local/cognito_mail.py``), called in-process like the portal's browser calls it; the
token it issues is verified with ``infra.local.authorizer.verify_token`` against the pool's
keys, and its claims reach the API as API Gateway hands them over.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support import aws
from tests.support.admin import AdminApi

PASSWORD = "Citizen-Pass-42"
SIGNAL = {"type": "signal", "category": "street_lighting", "language": "en",
          "description": "The street light in front of number 12 has been off for a week."}
LETTER = {"type": "letter", "category": "general_question", "language": "en",
          "description": "I ask the municipality to explain the new parking rules in my street."}


def _moto_keys():
    import moto.cognitoidp
    from joserfc.jwk import KeySet

    path = Path(moto.cognitoidp.__file__).with_name("resources") / "jwks-public.json.gz"
    return KeySet.import_key_set(json.loads(gzip.decompress(path.read_bytes())))


class Cognito:
    """The citizen pool as the portal reaches it: moto's app behind ``CognitoMail``."""

    def __init__(self):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.test import Client

        from infra.local.cognito_mail import moto_cognito_mail

        self.middleware = moto_cognito_mail(DomainDispatcherApplication(create_backend_app))
        self.client = Client(self.middleware)
        self.pool_id = os.environ["CIVICDESK_CITIZEN_USER_POOL_ID"]
        self.client_id = os.environ["CIVICDESK_CITIZEN_USER_POOL_CLIENT_ID"]

    def call(self, action: str, body: dict) -> tuple[int, dict]:
        answer = self.client.post(
            "/", data=json.dumps({"ClientId": self.client_id, **body}),
            headers={"X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
                     "Content-Type": "application/x-amz-json-1.1",
                     "Host": f"cognito-idp.{aws.REGION}.amazonaws.com"})
        return answer.status_code, json.loads(answer.get_data() or b"{}")

    def sign_up(self, email: str, name: str = "Ana Citizen") -> None:
        status, body = self.call("SignUp", {"Username": email, "Password": PASSWORD,
                                            "UserAttributes": [{"Name": "email", "Value": email},
                                                               {"Name": "name", "Value": name}]})
        assert status == 200, body

    def confirm(self, email: str, code: str) -> tuple[int, dict]:
        return self.call("ConfirmSignUp", {"Username": email, "ConfirmationCode": code})

    def id_token(self, email: str, password: str = PASSWORD) -> str:
        status, body = self.call("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH",
                                                  "AuthParameters": {"USERNAME": email,
                                                                     "PASSWORD": password}})
        assert status == 200, body
        return body["AuthenticationResult"]["IdToken"]


def mailed_code(address: str) -> str:
    mails = aws.mails_to(address)
    assert mails, f"no mail to {address}"
    text = mails[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"\b(\d{6})\b", text).group(1)


def verified_claims(token: str, pool_id: str) -> dict:
    """What API Gateway's citizen authorizer hands over (``infra.local.authorizer``)."""
    from infra.local.authorizer import CognitoAuthorizer, PoolRef, render_claims, verify_token

    keys = _moto_keys()
    authorizer = CognitoAuthorizer("CitizenAuthorizer", (PoolRef(pool_id, aws.REGION),))
    claims = verify_token(token, authorizer, lambda pool, kid: keys.get_by_kid(kid),
                          lambda pool, client: client == os.environ[
                              "CIVICDESK_CITIZEN_USER_POOL_CLIENT_ID"], time.time())
    return render_claims(claims)


@pytest.fixture
def cognito(aws_env):
    return Cognito()


@pytest.fixture
def api(aws_env):
    return AdminApi()


def signed_up(cognito: Cognito, email: str) -> dict:
    cognito.sign_up(email)
    status, _ = cognito.confirm(email, mailed_code(email))
    assert status == 200
    return verified_claims(cognito.id_token(email), cognito.pool_id)


# -- the pool --------------------------------------------------------------------------------------

def test_sign_up_mails_a_code_that_alone_confirms_and_verifies_the_address(cognito):
    cognito.sign_up("ana@example.org")
    code = mailed_code("ana@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    status, body = cognito.confirm("ana@example.org", wrong)
    assert (status, body["__type"]) == (400, "CodeMismatchException")
    assert cognito.confirm("ana@example.org", code)[0] == 200
    claims = verified_claims(cognito.id_token("ana@example.org"), cognito.pool_id)
    assert claims["email"] == "ana@example.org" and claims["email_verified"] == "true"
    assert claims["token_use"] == "id"
    # A code works once
    assert cognito.confirm("ana@example.org", code)[1]["__type"] == "ExpiredCodeException"


def test_a_new_code_and_a_password_reset_by_mail(cognito):
    cognito.sign_up("ben@example.org")
    first = mailed_code("ben@example.org")
    status, body = cognito.call("ResendConfirmationCode", {"Username": "ben@example.org"})
    assert status == 200 and body["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    second = mailed_code("ben@example.org")
    if first != second:
        assert cognito.confirm("ben@example.org", first)[0] == 400
    assert cognito.confirm("ben@example.org", second)[0] == 200

    assert cognito.call("ForgotPassword", {"Username": "ben@example.org"})[0] == 200
    reset = mailed_code("ben@example.org")
    status, body = cognito.call("ConfirmForgotPassword", {
        "Username": "ben@example.org", "ConfirmationCode": "000000" if reset != "000000" else "111111",
        "Password": "Another-Pass-77"})
    assert status == 400
    assert cognito.call("ConfirmForgotPassword", {
        "Username": "ben@example.org", "ConfirmationCode": reset, "Password": "Another-Pass-77"})[0] == 200
    assert cognito.id_token("ben@example.org", "Another-Pass-77")


def test_a_staff_token_or_unverified_claims_do_not_open_the_account(cognito, api):
    claims = signed_up(cognito, "cid@example.org")
    staff_like = {**claims, "iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_staff"}
    assert api.call("GET", "/v1/public/account/profile", claims=staff_like).status == 401
    unverified = {**claims, "email_verified": "false"}
    answer = api.call("GET", "/v1/public/account/profile", claims=unverified)
    assert (answer.status, answer.error_code) == (401, "account_required")


# -- letters need an account -------------------------------------------------------------------

def test_a_letter_without_an_account_is_refused_with_a_translated_reason(api):
    for language, word in (("en", "account"), ("sr-Latn", "nalog"), ("cs", "účt")):
        answer = api.call("POST", "/v1/public/cases", LETTER, headers={"Accept-Language": language})
        assert (answer.status, answer.error_code) == (401, "account_required")
        assert word in answer.body["error"]["message"]
    for case_type, category in (("complaint", "staff_complaint"), ("foi_request", "general_question")):
        answer = api.call("POST", "/v1/public/cases", {**LETTER, "type": case_type, "category": category})
        assert answer.status == 401, case_type


def test_letters_filed_with_an_account_get_registry_numbers_and_stay_private(cognito, api):
    from civicdesk import wiring

    claims = signed_up(cognito, "dana@example.org")
    profile = {"name": "Dana Petrović", "phone": "+381 64 123 4567",
               "postal_address": "Njegoševa 7, 34000 Kragujevac", "language": "sr-Latn"}
    assert api.call("PUT", "/v1/public/account/profile", profile, claims=claims).status == 200
    unspoken = {k: v for k, v in LETTER.items() if k != "language"}  # the profile's, then
    first = api.call("POST", "/v1/public/account/cases", unspoken, claims=claims,
                     headers={"Idempotency-Key": "letter-one-0001"})
    assert first.status == 201, first.body
    year = first.body["number"][:4]
    assert first.body["registry_number"] == f"{year}/GA/000001"
    repeat = api.call("POST", "/v1/public/account/cases", unspoken, claims=claims,
                      headers={"Idempotency-Key": "letter-one-0001"})
    assert repeat.body["number"] == first.body["number"]
    assert repeat.body["registry_number"] == first.body["registry_number"]
    foi = api.call("POST", "/v1/public/account/cases",
                   {**LETTER, "type": "foi_request"}, claims=claims)
    assert foi.body["registry_number"] == f"{year}/GA/000002"
    signal = api.call("POST", "/v1/public/account/cases", SIGNAL, claims=claims)
    assert signal.status == 201 and signal.body["registry_number"] is None

    case = wiring.case_repository().get_case(first.body["number"])
    assert not case.public
    assert case.contact.email == "dana@example.org"
    assert case.contact.name == "Dana Petrović" and case.contact.address.startswith("Njegoševa")
    assert case.language == "sr-Latn"


def test_the_registry_number_is_on_the_case_for_staff_their_search_and_the_citizens_history(
        cognito, api):
    from civicdesk import wiring
    from tests.support.admin import Staff

    staff = Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    operator = staff.add("operator.ana", "operator")
    general = staff.add("agent.general", "department_agent", departments=("general_administration",))
    roads = staff.add("agent.roads", "department_agent", departments=("roads_traffic",))
    claims = signed_up(cognito, "iva@example.org")
    filed = api.call("POST", "/v1/public/account/cases", LETTER, claims=claims,
                     headers={"Idempotency-Key": "letter-registry-01"})
    assert filed.status == 201, filed.body
    number, registry = filed.body["number"], filed.body["registry_number"]
    year = number[:4]
    assert registry == f"{year}/GA/000001"

    view = operator.get(f"/v1/admin/cases/{number}", headers={"Accept-Language": "en"})
    assert view.status == 200 and view.body["registry_number"] == registry
    entered = [e for e in view.body["timeline"] if e["kind"] == "registered"]
    assert len(entered) == 1 and entered[0]["public"] is True
    assert entered[0]["text"] == f"Registered under registry number {registry}."
    assert view.body["version"] == 2  # opened, then the number entered

    # Found by it however it is typed, only by those who may see the case
    for typed in (registry, f"{year}/ga/1", f" {year} / GA / 000001 "):
        body = general.get("/v1/admin/search", f"q={quote(typed)}").body
        assert (body["matched_by"], [c["number"] for c in body["items"]]) == ("registry", [number])
    assert roads.get("/v1/admin/search", f"q={quote(registry)}").body["items"] == []
    assert operator.get("/v1/admin/search", f"q={year}/GA/2").body["items"] == []

    # The citizen reads it in the history of their private link
    mine = api.call("GET", "/v1/public/account/cases", claims=claims).body["cases"]
    link = next(c["tracking_url"] for c in mine if c["number"] == number)
    query = "&".join(p for p in link.split("?", 1)[1].split("&") if not p.startswith("lang="))
    tracked = api.call("GET", f"/v1/public/cases/{number}", query=f"{query}&lang=sr-Latn")
    history = [e for e in tracked.body["history"] if e["kind"] == "registered"]
    assert [e["text"] for e in history] == [f"Zavedeno pod delovodnim brojem {registry}."]

    # A repeat enters nothing twice; one whose first try stopped before the case had the
    # number enters it then, once
    repeat = api.call("POST", "/v1/public/account/cases", LETTER, claims=claims,
                      headers={"Idempotency-Key": "letter-registry-01"})
    assert repeat.body["registry_number"] == registry
    assert wiring.case_repository().get_case(number).version == 2

    service = wiring.account_service()
    real, lost = service._registry, []

    class StopsBeforeTheCase:
        def get_case(self, wanted):
            return real.get_case(wanted)

        def save_change(self, *args, **kwargs):
            lost.append(args[0].number)
            raise RuntimeError("the container stopped")

    service._registry = StopsBeforeTheCase()
    complaint = {**LETTER, "type": "complaint", "category": "staff_complaint"}
    try:
        stopped = api.call("POST", "/v1/public/account/cases", complaint, claims=claims,
                           headers={"Idempotency-Key": "complaint-registry-01"})
    finally:
        service._registry = real
    assert stopped.status == 500 and lost  # the client repeats what it got no answer to
    assert wiring.case_repository().get_case(lost[0]).registry_number is None
    second = api.call("POST", "/v1/public/account/cases", complaint, claims=claims,
                      headers={"Idempotency-Key": "complaint-registry-01"})
    assert second.status == 201 and second.body["number"] == lost[0]
    case = wiring.case_repository().get_case(second.body["number"])
    assert case.registry_number == second.body["registry_number"]
    _, timeline = wiring.case_repository().get_with_history(case.number)
    assert [e.data for e in timeline if e.kind.value == "registered"] == [
        {"registry_number": second.body["registry_number"]}]

    # Another change that comes first is read again, not overwritten
    from civicdesk.domain.errors import ConflictError

    class ConflictsOnce:
        tries = 0

        def get_case(self, wanted):
            return real.get_case(wanted)

        def save_change(self, *args, **kwargs):
            self.tries += 1
            if self.tries == 1:
                raise ConflictError("error.conflict")
            return real.save_change(*args, **kwargs)

    service._registry = racing = ConflictsOnce()
    try:
        third = api.call("POST", "/v1/public/account/cases", {**LETTER, "type": "foi_request"},
                         claims=claims)
    finally:
        service._registry = real
    assert third.status == 201 and racing.tries == 2
    assert wiring.case_repository().get_case(third.body["number"]).registry_number == (
        third.body["registry_number"])


def test_my_cases_lists_the_accounts_and_the_addresss_earlier_cases_only(cognito, api):
    earlier = api.call("POST", "/v1/public/cases",
                       {**SIGNAL, "contact": {"email": "Eva@Example.org", "name": "Eva"}})
    other = api.call("POST", "/v1/public/cases",
                     {**SIGNAL, "contact": {"email": "someone@example.org"}})
    assert earlier.status == other.status == 201
    claims = signed_up(cognito, "eva@example.org")
    letter = api.call("POST", "/v1/public/account/cases", LETTER, claims=claims).body
    answer = api.call("GET", "/v1/public/account/cases", claims=claims)
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    listed = {c["number"]: c for c in answer.body["cases"]}
    assert set(listed) == {earlier.body["number"], letter["number"]}
    assert listed[letter["number"]]["registry_number"] == letter["registry_number"]
    assert listed[letter["number"]]["filed_with_account"] is True
    assert listed[earlier.body["number"]]["filed_with_account"] is False
    assert listed[letter["number"]]["status"] == "new"
    tracked = api.call("GET", f"/v1/public/cases/{letter['number']}",
                       query=listed[letter["number"]]["tracking_url"].split("?", 1)[1])
    assert tracked.status == 200


# -- my subscriptions --------------------------------------------------------------------------

def test_one_click_follow_needs_no_mail_and_unfollow_ends_it(cognito, api):
    from civicdesk import wiring

    public = api.call("POST", "/v1/public/cases", SIGNAL).body["number"]
    private = api.call("POST", "/v1/public/cases", {**SIGNAL, "type": "request",
                                                    "category": "road_damage"}).body["number"]
    claims = signed_up(cognito, "filip@example.org")
    mails_before = len(aws.mails_to("filip@example.org"))
    answer = api.call("PUT", f"/v1/public/account/subscriptions/{public}", claims=claims)
    assert answer.status == 200, answer.body
    assert len(aws.mails_to("filip@example.org")) == mails_before  # no opt-in mail
    from civicdesk.domain.subscriptions import SubscriptionState, subscription_id

    stored = wiring.subscription_repository().get(public, subscription_id("filip@example.org"),
                                                  __import__("datetime").datetime.now(
                                                      __import__("datetime").timezone.utc))
    assert stored.state is SubscriptionState.CONFIRMED
    listed = api.call("GET", "/v1/public/account/subscriptions", claims=claims).body
    assert [s["number"] for s in listed["subscriptions"]] == [public]
    assert listed["subscriptions"][0]["available"] is True
    assert api.call("PUT", f"/v1/public/account/subscriptions/{private}", claims=claims).status == 404

    assert api.call("DELETE", f"/v1/public/account/subscriptions/{public}", claims=claims).status == 200
    assert api.call("GET", "/v1/public/account/subscriptions", claims=claims).body == {"subscriptions": []}
    stored = wiring.subscription_repository().get(public, subscription_id("filip@example.org"),
                                                  __import__("datetime").datetime.now(
                                                      __import__("datetime").timezone.utc))
    assert stored.state is SubscriptionState.UNSUBSCRIBED


# -- the mailed link -------------------------------------------------------------------------------

def test_the_mailed_link_lists_the_addresss_signals_but_not_its_letters(cognito, api):
    signal = api.call("POST", "/v1/public/cases",
                      {**SIGNAL, "contact": {"email": "goran@example.org"}}).body["number"]
    claims = signed_up(cognito, "goran@example.org")
    letter = api.call("POST", "/v1/public/account/cases", LETTER, claims=claims).body["number"]

    nobody = api.call("POST", "/v1/public/my-cases/link", {"email": "nobody@example.org"})
    assert nobody.status == 202 and aws.mails_to("nobody@example.org") == []
    answer = api.call("POST", "/v1/public/my-cases/link", {"email": "goran@example.org"},
                      headers={"Accept-Language": "sr-Latn"})
    assert answer.status == 202 and answer.body == {"status": "accepted"}
    mail = aws.mails_to("goran@example.org")[-1]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Veza važi 24 sata." in text
    token = re.search(r"#token=(\S+)", text).group(1)
    opened = api.call("POST", "/v1/public/my-cases", {"token": token})
    assert opened.status == 200
    numbers = [c["number"] for c in opened.body["cases"]]
    assert signal in numbers and letter not in numbers
    assert api.call("POST", "/v1/public/my-cases", {"token": token[:-2] + "AA"}).status == 404

    for _ in range(3):
        api.call("POST", "/v1/public/my-cases/link", {"email": "goran@example.org"})
    assert len([m for m in aws.mails_to("goran@example.org")
                if "#token=" in m.get_body(preferencelist=("plain",)).get_content()]) == 3
