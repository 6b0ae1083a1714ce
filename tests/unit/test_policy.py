"""The policy table: every role against every action, and what a refusal reveals."""

import pytest

from civicdesk.domain.errors import ForbiddenError, NotFoundError, UnauthorizedError
from civicdesk.domain.policy import (
    POLICY,
    Action,
    Principal,
    Role,
    Scope,
    authorise,
    authorise_case,
    principal_from_claims,
)

A = Action
# The expected permissions, written out independently of POLICY: (action) -> {role: scope}.
EXPECTED = {
    A.VIEW_CASES: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.OPEN_CASE: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.ASSIGN: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.CHANGE_STATUS: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.ROUTE: {"supervisor": "all", "administrator": "all"},
    A.ADD_NOTE: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.REPLY: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.REFER: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.MERGE: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.LINK: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.ESCALATE: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.DELETE: {"administrator": "all"},
    A.VIEW_DELETED: {"administrator": "all"},
    A.LIST_STAFF: {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    A.VIEW_QUARANTINE: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.RELEASE_QUARANTINE: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.MANAGE_SUPPRESSIONS: {"supervisor": "all", "administrator": "all"},
    A.VIEW_FEED: {"supervisor": "all", "administrator": "all"},
    A.MANAGE_CANNED_REPLIES: {"administrator": "all"},
    A.VIEW_STATS: {"department_agent": "own", "supervisor": "all", "administrator": "all"},
    # audiences (issue 15): operators see them, supervisors build them, administrators import lists
    A.VIEW_AUDIENCES: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.MANAGE_AUDIENCES: {"supervisor": "all", "administrator": "all"},
    A.MANAGE_CONTACT_LISTS: {"administrator": "all"},
    # -- surveys --
    A.VIEW_SURVEYS: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.DESIGN_SURVEY: {"supervisor": "all", "administrator": "all"},
    A.CALL_SURVEY: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.VIEW_SURVEY_RESULTS: {"supervisor": "all", "administrator": "all"},
    # campaigns: supervisors and administrators approve, never agents (four eyes in the service)
    A.VIEW_CAMPAIGNS: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.MANAGE_CAMPAIGNS: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.APPROVE_CAMPAIGNS: {"supervisor": "all", "administrator": "all"},
    A.CALL_CAMPAIGN_RECIPIENTS: {"operator": "all", "supervisor": "all", "administrator": "all"},
    A.PUBLISH_PHOTO: {"operator": "all", "department_agent": "own", "supervisor": "all"},
    A.MANAGE_OPEN311_KEYS: {"administrator": "all"},
}


def person(*roles, departments=("roads_traffic",)):
    return Principal("sub-1", "ana", frozenset(Role(r) for r in roles), frozenset(departments))


def test_every_action_is_in_the_table():
    assert set(POLICY) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_against_each_action(role, action):
    expected = EXPECTED[action].get(role)
    principal = person(role)
    if expected is None:
        with pytest.raises(ForbiddenError):
            authorise(principal, action)
        with pytest.raises(ForbiddenError):  # before anything about a case is known
            authorise_case(principal, action, "roads_traffic")
        return
    scope = authorise(principal, action)
    assert scope is (Scope.ALL if expected == "all" else Scope.OWN_DEPARTMENTS)
    authorise_case(principal, action, "roads_traffic")  # own department: allowed for both scopes
    if expected == "all":
        authorise_case(principal, action, "water_sewage")
        with pytest.raises(NotFoundError):
            authorise_case(principal, action, None)
    else:
        # Another department's case and a missing case give the same answer.
        for department in ("water_sewage", None):
            with pytest.raises(ForbiddenError):
                authorise_case(principal, action, department)


def test_several_roles_take_the_widest_scope():
    both = person("department_agent", "supervisor")
    assert authorise(both, Action.ROUTE) is Scope.ALL
    assert authorise(both, Action.VIEW_CASES) is Scope.ALL


def test_a_deleted_case_is_missing_except_for_administrators():
    with pytest.raises(NotFoundError):
        authorise_case(person("supervisor"), Action.VIEW_CASES, "roads_traffic", deleted=True)
    with pytest.raises(ForbiddenError):
        authorise_case(person("department_agent"), Action.VIEW_CASES, "roads_traffic", deleted=True)
    authorise_case(person("administrator"), Action.VIEW_CASES, "roads_traffic", deleted=True)


def test_no_principal_is_401():
    with pytest.raises(UnauthorizedError):
        authorise(None, Action.VIEW_CASES)


@pytest.mark.parametrize("groups", ['operator,supervisor', '[operator supervisor]',
                                    ["operator", "supervisor"], '["operator", "supervisor"]'])
def test_group_claims_in_every_form_api_gateway_uses(groups):
    principal = principal_from_claims({"sub": "1", "cognito:username": "ana", "cognito:groups": groups})
    assert principal.roles == {Role.OPERATOR, Role.SUPERVISOR}


def test_unknown_groups_give_no_role_and_access_tokens_are_refused():
    nobody = principal_from_claims({"sub": "1", "cognito:groups": "citizens"})
    assert nobody.roles == frozenset()
    with pytest.raises(ForbiddenError):
        authorise(nobody, Action.VIEW_CASES)
    with pytest.raises(UnauthorizedError):
        principal_from_claims({"sub": "1", "token_use": "access", "cognito:groups": "operator"})
    with pytest.raises(UnauthorizedError):
        principal_from_claims({})
