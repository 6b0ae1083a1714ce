"""Who may do what: staff roles, the principal making a request, and the one policy table.

Every permission of the admin API is decided here and nowhere else. API Gateway's Cognito
authorizer proves *who* calls (a valid ID token of the staff pool); this module decides *what*
they may do with it. ``docs/roles.md`` shows the same table for people.

A refusal never tells whether a case exists: a role that may not act on cases at all is refused
before the case is read, and a role limited to its departments gets the same 403 for a case of
another department as for a number that does not exist.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Mapping

from msgspec import Struct, field

from .errors import ForbiddenError, NotFoundError, UnauthorizedError


class Role(str, Enum):
    OPERATOR = "operator"  # contact centre
    DEPARTMENT_AGENT = "department_agent"  # bound to one or more departments
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


class Action(str, Enum):
    VIEW_CASES = "case.view"  # queues and a case with its timeline
    OPEN_CASE = "case.open"  # intake of phone, letter, in-person and SMS contacts
    ASSIGN = "case.assign"
    CHANGE_STATUS = "case.change_status"
    ROUTE = "case.route"  # move a case to another department
    ADD_NOTE = "case.note"
    REPLY = "case.reply"
    REFER = "case.refer"  # to an external body, by e-mail
    MERGE = "case.merge"
    LINK = "case.link"
    ESCALATE = "case.escalate"  # bring a case to the supervisors' attention
    DELETE = "case.delete"  # a recorded soft delete
    VIEW_DELETED = "case.view_deleted"
    LIST_STAFF = "staff.list"
    VIEW_QUARANTINE = "quarantine.view"
    RELEASE_QUARANTINE = "quarantine.release"
    MANAGE_SUPPRESSIONS = "suppression.manage"  # see and lift the mail suppression list
    VIEW_FEED = "feed.view"  # the live feed of every change in the municipality
    MANAGE_CANNED_REPLIES = "canned_reply.manage"  # the reply texts everyone starts from
    VIEW_STATS = "stats.view"  # the statistics (reports); an agent's of their departments only
    # -- audiences (issue 15): who campaigns and surveys reach (docs/audiences.md)
    VIEW_AUDIENCES = "audience.view"  # the saved audiences, their redacted previews, list names
    MANAGE_AUDIENCES = "audience.manage"  # build, change and delete audiences
    MANAGE_CONTACT_LISTS = "audience.manage_lists"  # import, rename and delete contact lists
    # -- surveys (services/surveys.py) --
    VIEW_SURVEYS = "survey.view"  # the list of surveys and one survey's questions
    DESIGN_SURVEY = "survey.design"  # create, change, open, close, delete a draft
    CALL_SURVEY = "survey.call"  # work a phone survey's call list
    VIEW_SURVEY_RESULTS = "survey.results"  # the analysis, its CSV
    # -- campaigns (mass notifications, docs/campaigns.md) --
    VIEW_CAMPAIGNS = "campaign.view"  # campaigns, their progress, recipients and CSV
    MANAGE_CAMPAIGNS = "campaign.manage"  # write, submit, test, send and cancel campaigns
    APPROVE_CAMPAIGNS = "campaign.approve"  # approve or reject another's campaign (four eyes)
    CALL_CAMPAIGN_RECIPIENTS = "campaign.call"  # the call list of the unreached, with outcomes
    # -- photos (issue 16, docs/photos.md) --
    PUBLISH_PHOTO = "photo.publish"  # publish a citizen's photo (a copy without metadata), withdraw it
    # -- Open311 (issue 16)
    MANAGE_OPEN311_KEYS = "open311.keys"  # issue, list and revoke the API keys of apps


class Scope(str, Enum):
    ALL = "all"  # every case of the municipality
    OWN_DEPARTMENTS = "own_departments"  # only cases routed to one of the principal's departments


_O, _A, _S, _D = Role.OPERATOR, Role.DEPARTMENT_AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR
ALL, OWN = Scope.ALL, Scope.OWN_DEPARTMENTS

#: The policy table: action -> the roles that may take it, and on which cases.
#: A role missing from an action's row may not take it at all.
POLICY: dict[Action, dict[Role, Scope]] = {
    Action.VIEW_CASES: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.OPEN_CASE: {_O: ALL, _S: ALL, _D: ALL},
    Action.ASSIGN: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.CHANGE_STATUS: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.ROUTE: {_S: ALL, _D: ALL},
    Action.ADD_NOTE: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.REPLY: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.REFER: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.MERGE: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.LINK: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.ESCALATE: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.DELETE: {_D: ALL},
    Action.VIEW_DELETED: {_D: ALL},
    Action.LIST_STAFF: {_O: ALL, _A: OWN, _S: ALL, _D: ALL},
    Action.VIEW_QUARANTINE: {_O: ALL, _S: ALL, _D: ALL},
    Action.RELEASE_QUARANTINE: {_O: ALL, _S: ALL, _D: ALL},
    Action.MANAGE_SUPPRESSIONS: {_S: ALL, _D: ALL},
    Action.VIEW_FEED: {_S: ALL, _D: ALL},
    Action.MANAGE_CANNED_REPLIES: {_D: ALL},
    Action.VIEW_STATS: {_A: OWN, _S: ALL, _D: ALL},
    # -- audiences (issue 15)
    Action.VIEW_AUDIENCES: {_O: ALL, _S: ALL, _D: ALL},
    Action.MANAGE_AUDIENCES: {_S: ALL, _D: ALL},
    Action.MANAGE_CONTACT_LISTS: {_D: ALL},
    # -- surveys --
    Action.VIEW_SURVEYS: {_O: ALL, _S: ALL, _D: ALL},
    Action.DESIGN_SURVEY: {_S: ALL, _D: ALL},
    Action.CALL_SURVEY: {_O: ALL, _S: ALL, _D: ALL},
    Action.VIEW_SURVEY_RESULTS: {_S: ALL, _D: ALL},
    # -- campaigns --
    Action.VIEW_CAMPAIGNS: {_O: ALL, _S: ALL, _D: ALL},
    Action.MANAGE_CAMPAIGNS: {_O: ALL, _S: ALL, _D: ALL},
    Action.APPROVE_CAMPAIGNS: {_S: ALL, _D: ALL},
    Action.CALL_CAMPAIGN_RECIPIENTS: {_O: ALL, _S: ALL, _D: ALL},
    # -- photos --
    Action.PUBLISH_PHOTO: {_O: ALL, _A: OWN, _S: ALL},
    # -- Open311 (issue 16) --
    Action.MANAGE_OPEN311_KEYS: {_D: ALL},
}

_LIST_SPLIT = re.compile(r"[\s,]+")


class Principal(Struct, frozen=True):
    """A signed-in staff member, as the verified token describes them."""

    user_id: str  # Cognito ``sub``: stable, never reused
    username: str
    roles: frozenset[Role]
    departments: frozenset[str] = frozenset()
    name: str | None = None
    email: str | None = None
    language: str | None = None
    #: The token's other claims; not part of who the principal is (equality, hash).
    extra: dict = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Principal:
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def _identity(self) -> tuple:
        return tuple(getattr(self, name) for name in _IDENTITY)

    @property
    def actor(self) -> str:
        """How the timeline names this person (``staff:ana.petrovic``)."""
        return f"staff:{self.username}"

    def scope(self, action: Action) -> Scope | None:
        """The widest scope any of the principal's roles has for ``action``, else ``None``."""
        row = POLICY.get(action, {})
        scopes = {row[role] for role in self.roles if role in row}
        if Scope.ALL in scopes:
            return Scope.ALL
        if Scope.OWN_DEPARTMENTS in scopes:
            return Scope.OWN_DEPARTMENTS
        return None

    def can(self, action: Action) -> bool:
        return self.scope(action) is not None

    def may_act_on(self, action: Action, department: str) -> bool:
        scope = self.scope(action)
        return scope is Scope.ALL or (scope is Scope.OWN_DEPARTMENTS and department in self.departments)


def authorise(principal: Principal | None, action: Action) -> Scope:
    """The principal's scope for ``action``; 401 without a principal, 403 without a role for it.

    Examples
    --------
    >>> agent = Principal("u1", "ana", frozenset({Role.DEPARTMENT_AGENT}), frozenset({"roads"}))
    >>> authorise(agent, Action.VIEW_CASES).value
    'own_departments'
    >>> authorise(agent, Action.DELETE)
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ForbiddenError: error.forbidden
    """
    if principal is None:
        raise UnauthorizedError("error.unauthorized")
    scope = principal.scope(action)
    if scope is None:
        raise ForbiddenError("error.forbidden")
    return scope


def allowed(principal: Principal | None, action: Action) -> Principal:
    """``principal``, when it may take ``action`` at all; 401 without one, 403 without a role
    for it (like ``authorise``, for callers that go on with the principal).

    Examples
    --------
    >>> operator = Principal("u2", "ana", frozenset({Role.OPERATOR}))
    >>> allowed(operator, Action.OPEN_CASE).actor
    'staff:ana'
    >>> allowed(None, Action.OPEN_CASE)
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.UnauthorizedError: error.unauthorized
    """
    authorise(principal, action)
    if principal is None:  # authorise refused it already; this narrows the type
        raise UnauthorizedError("error.unauthorized")
    return principal


def authorise_case(principal: Principal | None, action: Action, department: str | None,
                   *, deleted: bool = False) -> None:
    """Allow ``action`` on a case of ``department`` (``None``: no such case) or raise.

    A principal limited to their departments gets 403 both for another department's case and for
    a case that does not exist, so the answer reveals nothing; a principal who may see every case
    gets 404 for a missing one. A deleted case counts as missing except for those who may see
    deleted cases.
    """
    scope = authorise(principal, action)
    assert principal is not None
    if deleted and not principal.can(Action.VIEW_DELETED):
        department = None
    if scope is Scope.ALL:
        if department is None:
            raise NotFoundError("error.case_not_found")
        return
    if department is None or department not in principal.departments:
        raise ForbiddenError("error.forbidden")


def _claim_list(value: object) -> list[str]:
    """A list claim as API Gateway hands it over: a JSON list, ``"a,b"`` or ``"[a b]"``."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = _LIST_SPLIT.split(str(value).strip().strip("[]"))
    return [item.strip().strip('"') for item in items if item.strip().strip('"')]


def principal_from_claims(claims: Mapping[str, object] | None) -> Principal:
    """The principal of a verified ID token's claims (``requestContext.authorizer.claims``).

    API Gateway's Cognito authorizer passes every claim as a string, lists included; both
    ``"operator,supervisor"`` and ``"[operator supervisor]"`` are understood. Groups that are not
    roles are ignored; a token with no role at all is a principal who may do nothing.

    Examples
    --------
    >>> p = principal_from_claims({"sub": "42", "cognito:username": "ana", "token_use": "id",
    ...     "cognito:groups": "department_agent", "custom:departments": "roads, water_sewage"})
    >>> p.actor, sorted(p.departments), [r.value for r in p.roles]
    ('staff:ana', ['roads', 'water_sewage'], ['department_agent'])
    """
    if not claims or not claims.get("sub"):
        raise UnauthorizedError("error.unauthorized")
    if str(claims.get("token_use", "id")) != "id":
        # Access tokens carry no custom attributes (departments); the console sends the ID token.
        raise UnauthorizedError("error.unauthorized")
    roles = frozenset(Role(g) for g in _claim_list(claims.get("cognito:groups"))
                      if g in Role._value2member_map_)
    departments = frozenset(_claim_list(claims.get("custom:departments")))
    username = str(claims.get("cognito:username") or claims.get("username") or claims["sub"])
    return Principal(user_id=str(claims["sub"]), username=username, roles=roles,
                     departments=departments, name=_optional(claims.get("name")),
                     email=_optional(claims.get("email")),
                     language=_optional(claims.get("custom:language")))


def _optional(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


#: What makes two principals the same person: every field but the token's other claims.
_IDENTITY = tuple(name for name in Principal.__struct_fields__ if name != "extra")
