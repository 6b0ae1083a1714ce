"""``python -m civicdesk.cli.staff``: validation, and what it asks Cognito to do (a fake pool)."""

from __future__ import annotations

import json

import pytest

from civicdesk import wiring
from civicdesk.adapters.cognito_admin import CognitoStaffPool, cognito_attributes
from civicdesk.cli import staff
from civicdesk.services.staff_accounts import StaffInputError, validate


class FakeCognitoError(Exception):
    """What a Cognito call raises in the fake (botocore raises ClientError)."""


class FakePool:
    """A ``cognito-idp`` client over one in-memory pool, with the calls it received."""

    def __init__(self, groups=("operator", "department_agent", "supervisor", "administrator"),
                 min_password_length: int = 12):
        self.users: dict[str, dict] = {}
        self.groups = set(groups)
        self.min_password_length = min_password_length
        self.calls: list[str] = []

    def _check(self, password: str) -> None:
        if len(password) < self.min_password_length:
            raise FakeCognitoError("InvalidPasswordException")

    def admin_create_user(self, UserPoolId, Username, UserAttributes, DesiredDeliveryMediums,
                          MessageAction=None, TemporaryPassword=None):
        self.calls.append("admin_create_user")
        if Username in self.users:
            raise FakeCognitoError("UsernameExistsException")
        if TemporaryPassword is not None:
            self._check(TemporaryPassword)
        self.users[Username] = {"Username": Username, "Attributes": UserAttributes,
                                "UserStatus": "FORCE_CHANGE_PASSWORD", "Enabled": True,
                                "Groups": [], "Invited": MessageAction != "SUPPRESS"}
        return {"User": dict(self.users[Username])}

    def admin_set_user_password(self, UserPoolId, Username, Password, Permanent):
        self.calls.append("admin_set_user_password")
        self._check(Password)
        self.users[Username]["UserStatus"] = "CONFIRMED" if Permanent else "FORCE_CHANGE_PASSWORD"

    def admin_add_user_to_group(self, UserPoolId, Username, GroupName):
        self.calls.append("admin_add_user_to_group")
        if GroupName not in self.groups:
            raise FakeCognitoError("ResourceNotFoundException")
        self.users[Username]["Groups"].append(GroupName)

    def admin_delete_user(self, UserPoolId, Username):
        self.calls.append("admin_delete_user")
        del self.users[Username]

    def admin_disable_user(self, UserPoolId, Username):
        self.calls.append("admin_disable_user")
        self.users[Username]["Enabled"] = False

    def admin_user_global_sign_out(self, UserPoolId, Username):
        self.calls.append("admin_user_global_sign_out")

    def get_paginator(self, operation: str):
        pool = self

        class Paginator:
            def paginate(self, UserPoolId, Username=None):
                if operation == "list_users":
                    yield {"Users": [{k: v for k, v in user.items() if k != "Groups"}
                                     for user in pool.users.values()]}
                else:
                    yield {"Groups": [{"GroupName": g} for g in pool.users[Username]["Groups"]]}

        return Paginator()

    def attributes(self, username: str) -> dict:
        return {a["Name"]: a["Value"] for a in self.users[username]["Attributes"]}


AGENT = dict(username="Jelena.Petrovic", email="jelena.petrovic@opstina.rs",
             name="  Jelena   Petrović ", roles=["department_agent"],
             departments=["public_utilities", "green_areas"], language="sr-Latn")


# -- validate --------------------------------------------------------------------------------------

def test_a_valid_agent_is_normalised():
    member = validate(**AGENT)
    assert member.username == "jelena.petrovic"
    assert member.name == "Jelena Petrović"
    assert member.departments == ("public_utilities", "green_areas")
    assert {"Name": "custom:departments", "Value": "public_utilities,green_areas"} in \
        cognito_attributes(member)
    assert {"Name": "custom:language", "Value": "sr-Latn"} in cognito_attributes(member)
    assert {"Name": "email_verified", "Value": "true"} in cognito_attributes(member)


@pytest.mark.parametrize("changes, problem", [
    ({"roles": ["janitor"]}, "unknown role 'janitor'"),
    ({"roles": []}, "at least one --role"),
    ({"departments": []}, "needs at least one --department"),
    ({"departments": ["Roads Traffic"]}, "department id 'Roads Traffic'"),
    ({"departments": [""]}, "department id ''"),
    ({"roles": ["operator"]}, "departments limit department agents only"),
    ({"language": "de"}, "language 'de'"),
    ({"email": "not-an-address"}, "is not an address"),
    ({"username": "two words"}, "no spaces or commas"),
    ({"name": "  "}, "a name is required"),
])
def test_invalid_accounts_are_refused_with_the_reason(changes, problem):
    with pytest.raises(StaffInputError) as refused:
        validate(**{**AGENT, **changes})
    assert any(problem in line for line in refused.value.problems), refused.value.problems


def test_departments_are_checked_against_the_configuration_when_known():
    with pytest.raises(StaffInputError, match="no department 'green_areas'"):
        validate(**AGENT, known_departments=["public_utilities", "roads_traffic"])
    assert validate(**AGENT, known_departments=["public_utilities", "green_areas"])


def test_roles_other_than_agent_need_no_department():
    for role in ("operator", "supervisor", "administrator"):
        assert validate("ana", "ana@opstina.rs", "Ana", [role]).departments == ()


# -- create / list / disable -----------------------------------------------------------------------

def test_create_with_a_password_makes_a_confirmed_account_in_its_groups():
    pool = FakePool()
    CognitoStaffPool(pool, "pool-1").create(validate(**AGENT), password="Correct-Horse-9")
    user = pool.users["jelena.petrovic"]
    assert user["UserStatus"] == "CONFIRMED" and not user["Invited"]
    assert user["Groups"] == ["department_agent"]
    departments = pool.attributes("jelena.petrovic")["custom:departments"]
    assert departments == "public_utilities,green_areas"


def test_create_without_a_password_lets_cognito_invite_by_mail():
    pool = FakePool()
    CognitoStaffPool(pool, "pool-1").create(validate("ana", "ana@opstina.rs", "Ana", ["operator"]))
    assert pool.users["ana"]["Invited"]
    assert pool.users["ana"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert "admin_set_user_password" not in pool.calls


def test_a_weak_password_creates_nothing():
    pool = FakePool()
    with pytest.raises(FakeCognitoError):
        CognitoStaffPool(pool, "pool-1").create(validate(**AGENT), password="short")
    assert pool.users == {}


def test_a_failing_group_leaves_no_half_made_account():
    # GIVEN a pool without the supervisor group
    pool = FakePool(groups=("operator",))
    member = validate("nenad", "nenad@opstina.rs", "Nenad", ["operator", "supervisor"])
    # WHEN the account is created THEN the error surfaces and the user is gone again
    with pytest.raises(FakeCognitoError):
        CognitoStaffPool(pool, "pool-1").create(member, password="Correct-Horse-9")
    assert pool.users == {} and pool.calls[-1] == "admin_delete_user"


def test_list_shows_roles_departments_and_state():
    pool = FakePool()
    CognitoStaffPool(pool, "p").create(validate(**AGENT), password="Correct-Horse-9")
    CognitoStaffPool(pool, "p").create(validate("ana", "ana@opstina.rs", "Ana", ["operator"]))
    CognitoStaffPool(pool, "p").disable("ANA")
    listed = CognitoStaffPool(pool, "p").list()
    assert [m.username for m in listed] == ["ana", "jelena.petrovic"]
    assert listed[0].enabled is False and listed[0].roles == ["operator"]
    assert listed[1].departments == ["public_utilities", "green_areas"]
    assert listed[1].language == "sr-Latn" and listed[1].status == "CONFIRMED"
    assert "admin_user_global_sign_out" in pool.calls


# -- the command line ------------------------------------------------------------------------------

@pytest.fixture
def local_state(tmp_path):
    """A state directory as a running local runtime leaves it."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "departments.json").write_text(json.dumps({"departments": [
        {"id": "public_utilities"}, {"id": "green_areas"}, {"id": "roads_traffic"}]}))
    (tmp_path / "local.json").write_text(json.dumps({
        "cognito": {"user_pool_id": "eu-central-1_Local", "client_id": "c",
                    "endpoint": "http://127.0.0.1:4566", "region": "eu-central-1"},
        "users": [], "urls": {}, "config_dir": str(config)}))
    return tmp_path


@pytest.fixture
def fake_pool(monkeypatch):
    pool = FakePool()
    targets = []

    def pool_for(user_pool_id, *, region=None, endpoint_url=None, local=False):
        targets.append(staff.Target(user_pool_id, region, endpoint_url, local))
        return CognitoStaffPool(pool, user_pool_id)

    monkeypatch.setattr(wiring, "staff_pool", pool_for)
    pool.targets = targets
    return pool


def test_create_local_takes_the_pool_and_endpoint_from_local_json(local_state, fake_pool, capsys):
    code = staff.main(["create", "--local", "--state-dir", str(local_state),
                       "--username", "Dragan.Nikolic", "--email", "dragan@demo.civicdesk.rs",
                       "--name", "Dragan Nikolić", "--role", "department_agent",
                       "--department", "roads_traffic", "--password", "Correct-Horse-9"])
    assert code == 0, capsys.readouterr().err
    target = fake_pool.targets[0]
    assert (target.user_pool_id, target.endpoint_url, target.local) == (
        "eu-central-1_Local", "http://127.0.0.1:4566", True)
    assert fake_pool.users["dragan.nikolic"]["Groups"] == ["department_agent"]
    assert "created dragan.nikolic" in capsys.readouterr().out


def test_create_local_refuses_a_department_the_municipality_does_not_have(local_state, fake_pool,
                                                                          capsys):
    code = staff.main(["create", "--local", "--state-dir", str(local_state), "--username", "x",
                       "--email", "x@demo.civicdesk.rs", "--name", "X", "--role",
                       "department_agent", "--department", "water_sewage"])
    assert code == 2 and fake_pool.users == {}
    assert "no department 'water_sewage'" in capsys.readouterr().err


def test_local_without_a_running_runtime_says_so(tmp_path, fake_pool, capsys):
    assert staff.main(["list", "--local", "--state-dir", str(tmp_path)]) == 2
    assert "start the local runtime" in capsys.readouterr().err


def test_a_pool_id_or_local_is_required(capsys):
    with pytest.raises(SystemExit):
        staff.parse_args(["list"])
    with pytest.raises(SystemExit):
        staff.parse_args(["create", "--user-pool-id", "p", "--username", "a", "--email", "a@b.rs",
                          "--name", "A", "--role", "janitor"])


def test_list_as_json(fake_pool, capsys):
    CognitoStaffPool(fake_pool, "p").create(validate(**AGENT), password="Correct-Horse-9")
    assert staff.main(["list", "--user-pool-id", "p", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["username"] == "jelena.petrovic"
    assert listed[0]["roles"] == ["department_agent"]
