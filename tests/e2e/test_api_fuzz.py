"""Schema-driven fuzzing of the whole API against its own OpenAPI document, over real HTTP into
the local runtime (API Gateway emulation, Cognito authorizer, moto): whatever schemathesis sends,
the API never answers 5xx, answers only statuses the document lists, and always JSON."""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.support.runtime import running

# No xdist group: the operations spread over the workers, each with a runtime of its own (the
# module's fixtures are per worker), so the fuzzing does not hold one worker for minutes.
pytestmark = [pytest.mark.e2e]

#: Examples per operation: enough in `make test` to reach every schema branch once or twice;
#: `make fuzz` runs many more (``CIVICDESK_FUZZ_EXAMPLES``).
EXAMPLES = int(os.environ.get("CIVICDESK_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("fuzz")) as process:
        yield process


@pytest.fixture(scope="module")
def tokens(runtime):
    """An ID token per role, from the embedded Cognito pool, as a console would sign in."""
    found = {}
    for user in runtime.settings()["users"]:
        role = user["roles"][0]
        if role not in found:
            found[role] = runtime.id_token(user)
    return found


@pytest.fixture(scope="module")
def citizen(runtime):
    """A citizen's ID token from the citizen pool (issue 16): signed up, the code from the mail
    in the outbox, signed in, as the portal's account page does."""
    import re

    import boto3

    pool = requests.get(f"{runtime.url}/v1/public/citizen-sign-in", timeout=10).json()
    cognito = boto3.client("cognito-idp", region_name=pool["region"], endpoint_url=pool["endpoint"],
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    email, password = "fuzz.citizen@example.rs", "Fuzzing-Citizen-2026"
    cognito.sign_up(ClientId=pool["client_id"], Username=email, Password=password,
                    UserAttributes=[{"Name": "email", "Value": email}])

    def code() -> str | None:
        mails = [m for m in runtime.outbox() if email in m["to"]]
        found = re.findall(r"\b(\d{6})\b", mails[-1]["text"]) if mails else []
        return found[0] if found else None

    cognito.confirm_sign_up(ClientId=pool["client_id"], Username=email,
                            ConfirmationCode=runtime.wait_for(code, f"the sign-up code to {email}"))
    answer = cognito.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": password})
    return answer["AuthenticationResult"]["IdToken"]


@pytest.fixture(scope="module")
def cases(runtime, tokens):
    """Real cases, so that fuzzed requests about a case also reach one that exists."""
    numbers = []
    for category, case_type in (("road_damage", "signal"), ("local_taxes", "request"),
                                ("street_lighting", "complaint")):
        answer = requests.post(f"{runtime.url}/v1/admin/cases", timeout=30,
                               headers={"Authorization": tokens["operator"]},
                               json={"type": case_type, "channel": "phone", "category": category,
                                     "description": "Fuzzing: a case that exists.",
                                     "requester": {"email": "fuzz@example.rs", "phone": "0641234567"}})
        assert answer.status_code == 201, answer.text
        numbers.append(answer.json()["number"])
    return numbers


@pytest.fixture(scope="module")
def api_schema(runtime):
    document = requests.get(f"{runtime.url}/v1/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(document)


def _operations():
    from civicdesk.api.openapi import OPERATIONS

    return [f"{op.method} {op.path}" for op in OPERATIONS]


@pytest.mark.parametrize("operation", _operations())
def test_no_input_makes_the_api_fail(operation, api_schema, runtime, tokens, cases, citizen):
    # schemathesis' own pytest plugin does not run under this pytest; its strategies do.
    method, path = operation.split(" ", 1)
    found = api_schema[path][method]
    staff = path.startswith("/v1/admin/")
    account = path.startswith("/v1/public/account/")  # the citizen pool's authorizer
    statuses: list[int] = []

    @given(case=found.as_strategy(), existing=st.sampled_from([None, *cases]),
           category=st.sampled_from([None, "road_damage", "water_supply", "local_taxes"]))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case, existing, category):
        # Half the time about a case that exists, with a category that exists.
        if existing and "number" in (case.path_parameters or {}):
            case.path_parameters["number"] = existing
        if existing and isinstance(case.body, dict):
            for field in ("into", "case"):
                if field in case.body:
                    case.body[field] = cases[0] if existing != cases[0] else cases[1]
        if category and isinstance(case.body, dict) and "category" in case.body:
            case.body["category"] = category
        # Staff operations as an administrator (who may do everything, so the fuzzing reaches
        # the services rather than stopping at 403) and as a department agent (scoped checks).
        for role in (("administrator", "department_agent") if staff else (None,)):
            headers = {"Authorization": tokens[role]} if role else (
                {"Authorization": citizen} if account else {})
            response = case.call(base_url=runtime.url, headers=headers, timeout=30)
            statuses.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                     content_type_conformance])

    fuzz()
    # The tokens were accepted: the fuzzing reached the API, not only the authorizer.
    assert 401 not in statuses, statuses
    print(operation, sorted(set(statuses)))
