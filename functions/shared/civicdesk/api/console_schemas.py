"""Request and answer schemas of the staff console's routes (sign-in settings, categories,
routing preview, saved views, canned replies, language, board, queue counts). The request
schemas validate; the answer schemas document (``openapi.py``)."""

from __future__ import annotations

from ..domain.cases import LANGUAGES
from . import schemas as s
from .validation import Arr, Bool, Int, Obj, Str

VIEW_ID_PATTERN = r"^[0-9a-f]{32}$"
REPLY_ID_PATTERN = VIEW_ID_PATTERN

# -- requests ------------------------------------------------------------------------------------

ROUTING_PREVIEW = Obj({
    "category": Str(required=True, max_length=64, description="A category id"),
    "type": Str(max_length=32, enum=s.CASE_TYPES, description="Checked against the category"),
    "channel": Str(max_length=16, enum=s.STAFF_CHANNELS),
    "location": s.LOCATION,
}, description="The case as the intake form holds it so far")

#: A saved view's filters: the queue's query parameters, without its cursor and language.
VIEW_FILTERS = Obj({name: spec for name, spec in s.QUEUE_QUERY.fields.items()
                    if name not in ("cursor", "lang")},
                   description="The queue's query parameters (`GET /v1/admin/cases`), as strings")

SAVED_VIEW = Obj({
    "name": Str(required=True, min_length=1, max_length=100),
    "filters": VIEW_FILTERS,
}, description="A named queue")

CANNED_REPLY_FIELDS = {
    "title": Str(required=True, min_length=1, max_length=200),
    "text": Str(required=True, min_length=1, max_length=10000, multiline=True,
                description="The reply, as a reply's `text` takes it"),
    "language": Str(required=True, max_length=8, enum=LANGUAGES),
    "categories": Arr(Str(max_length=64, pattern=r"^[a-z0-9_]{1,64}$"), max_items=50,
                      description="The categories it suits (none: every category)"),
}
CANNED_REPLY = Obj(CANNED_REPLY_FIELDS, description="A new canned reply")
CANNED_REPLY_CHANGE = Obj({**CANNED_REPLY_FIELDS, "version": Int(
    required=True, minimum=1, description="The reply's version as last read (409 when it changed since)")},
    description="A canned reply's new text")
CANNED_REPLY_DELETION = Obj({"version": Int(required=True, minimum=1)})
CANNED_REPLY_QUERY = Obj({"lang": Str(max_length=8, enum=LANGUAGES,
                                      description="Only the replies in this language (default: all)")})

LANGUAGE_CHANGE = Obj({"language": Str(required=True, max_length=8, enum=LANGUAGES)},
                      description="The staff member's own console language")

BOARD_QUERY = Obj({
    "department": Str(max_length=64, pattern=s.DEPARTMENT_PATTERN, description="Only this row"),
    "lang": Str(max_length=8),
})

# -- answers (documentation) ---------------------------------------------------------------------

_TEXT = Str(description="Translated into the request's language")
_BY_LANGUAGE = Obj({}, description="One text per language (sr-Cyrl, sr-Latn, bg, cs, en)")

STAFF_SIGN_IN = Obj({
    "region": Str(required=True), "user_pool_id": Str(required=True),
    "client_id": Str(required=True),
    "endpoint": Str(required=True, description="Cognito's user pools API for a browser: POST JSON "
                    "with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>` and "
                    "`Content-Type: application/x-amz-json-1.1`"),
})

STAFF_CATEGORIES = Obj({
    "language": Str(), "languages": Arr(Str()),
    "groups": Arr(Obj({"id": Str(), "name": _TEXT, "names": _BY_LANGUAGE})),
    "categories": Arr(Obj({
        "id": Str(), "group": Str(), "name": _TEXT, "names": _BY_LANGUAGE,
        "descriptions": _BY_LANGUAGE,
        "keywords": Obj({}, description="Per language, the configured keywords as a list"),
        "department": Str(), "department_name": _TEXT, "types": Arr(Str())})),
})

_NAMED = Obj({"id": Str(required=True), "name": _TEXT})
ROUTING_PREVIEW_RESULT = Obj({
    "category": Str(required=True), "department": _NAMED,
    "rule": Str(required=True, enum=("category", "area"),
                description="category: the category's own department; area: the area the "
                            "location is in routes the category elsewhere"),
    "area": Obj({"id": Str(), "name": _TEXT, "kind": Str()}, description="Only with rule area"),
})

SAVED_VIEW_RESULT = Obj({"id": Str(required=True), "name": Str(required=True),
                         "filters": Obj({}, description="As saved"),
                         "created_at": Str(format="date-time"), "updated_at": Str(format="date-time")})
SAVED_VIEW_LIST = Obj({"items": Arr(SAVED_VIEW_RESULT), "limit": Int(description="The most one keeps")})

CANNED_REPLY_RESULT = Obj({
    "id": Str(required=True), "title": Str(), "text": Str(), "language": Str(),
    "categories": Arr(Str()), "version": Int(), "created_at": Str(format="date-time"),
    "created_by": Str(), "updated_at": Str(format="date-time"), "updated_by": Str()})
CANNED_REPLY_LIST = Obj({"items": Arr(CANNED_REPLY_RESULT, max_items=1000)})
DELETED = Obj({"deleted": Bool()})
LANGUAGE_RESULT = Obj({"language": Str(required=True)})

_BRIEF = Obj({"number": Str(), "subject": Str(), "excerpt": Str(), "status": Str(),
              "status_name": _TEXT, "assignee": Str(), "escalation_level": Int(),
              "created_at": Str(format="date-time")})
BOARD = Obj({"departments": Arr(Obj({
    "id": Str(), "name": _TEXT,
    "counts": Obj({"new": Int(), "in_progress": Int(), "waiting_for_citizen": Int(),
                   "escalated": Int()}),
    "complete": Bool(description="False when a count stopped at its bound (at least that many)"),
    "escalated_cases": Arr(_BRIEF, description="The oldest escalated open cases (at most 10)"),
    "workload": Arr(Obj({"assignee": Str(), "open_cases": Int(),
                         "cases": Arr(_BRIEF, description="The oldest 10")})),
}))})
CASE_COUNT = Obj({"count": Int(required=True),
                  "complete": Bool(description="False: the count stopped at its bound; there are at "
                                               "least `count`")})
