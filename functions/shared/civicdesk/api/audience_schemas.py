"""The shapes of the audiences' and contact lists' requests and answers (``docs/api.md``,
``docs/audiences.md``) and their operations in the OpenAPI document."""

from __future__ import annotations

from ..domain.audience_rules import MAX_LISTS, MAX_POLYGON_VERTICES, AudienceKind
from ..domain.cases import LANGUAGES, Status
from ..domain.contact_lists import MAX_IMPORT_BYTES
from .operation import Operation
from .validation import Arr, Bool, Field, Int, Num, Obj, Str


class Counts(Field):
    """An answer's object of counts by key (a channel, a language, an area id)."""

    json_type = "object"

    def check(self, value, path, errors):  # answers only: never a request's field
        return value

    def json_schema(self):
        schema = super().json_schema()
        schema["additionalProperties"] = {"type": "integer"}
        return schema


ID_PATTERN = r"^[0-9a-f]{32}$"
_SLUG = r"^[a-z0-9_]{1,64}$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_KINDS = tuple(k.value for k in AudienceKind)
_SOURCES = tuple(k.value for k in AudienceKind if k is not AudienceKind.POLYGON)

#: An import's body may hold the file (JSON-escaped: a little larger than the file itself).
MAX_IMPORT_BODY = MAX_IMPORT_BYTES + MAX_IMPORT_BYTES // 5

_POSITION = Arr(Num(minimum=-180, maximum=180), max_items=3)
POLYGON = Obj({
    "type": Str(required=True, enum=("Polygon",)),
    "coordinates": Arr(Arr(_POSITION, max_items=MAX_POLYGON_VERTICES + 1), max_items=1, required=True),
}, description="A GeoJSON Polygon (WGS 84, longitude first), one closed ring without crossings")

RULE = Obj({
    "kind": Str(required=True, enum=_KINDS,
                description="subscribers, contact_list, cases or polygon (docs/audiences.md)"),
    "topics": Arr(Str(max_length=64, pattern=_SLUG), max_items=50,
                  description="subscribers: alert topics (any of them)"),
    "areas": Arr(Str(max_length=64, pattern=_SLUG), max_items=100,
                 description="subscribers, cases: the configuration's areas (none: everywhere)"),
    "lists": Arr(Str(pattern=ID_PATTERN), max_items=MAX_LISTS, description="contact_list: list ids"),
    "categories": Arr(Str(max_length=64, pattern=_SLUG), max_items=100, description="cases"),
    "statuses": Arr(Str(enum=tuple(s.value for s in Status)), max_items=20, description="cases"),
    "opened_from": Str(pattern=_DATE, format="date", description="cases: opened on or after (local day)"),
    "opened_to": Str(pattern=_DATE, format="date", description="cases: opened on or before (local day)"),
    "followers": Bool(description="cases: the cases' confirmed followers too (default true)"),
    "polygon": POLYGON,
    "source": Str(enum=_SOURCES, description="polygon: the members it narrows"),
}, description="Who an audience reaches")

_AUDIENCE_FIELDS = {
    "name": Str(required=True, min_length=1, max_length=120),
    "description": Str(max_length=1000, multiline=True),
    "rule": RULE,
}
AUDIENCE = Obj({**_AUDIENCE_FIELDS, "rule": Obj(RULE.fields, required=True)}, description="A new audience")
AUDIENCE_CHANGE = Obj({**AUDIENCE.fields, "version": Int(required=True, minimum=1)},
                      description="An audience's new name, description and rule")
VERSIONED = Obj({"version": Int(required=True, minimum=1)})
PREVIEW_QUERY = Obj({"limit": Int(minimum=0, maximum=50, from_text=True,
                                  description="How many redacted members (default 10)")})
RULE_PREVIEW = Obj({"rule": Obj(RULE.fields, required=True),
                    "limit": Int(minimum=0, maximum=50)}, description="A rule being edited")

CONTACT_LIST = Obj({"name": Str(required=True, min_length=1, max_length=120),
                    "description": Str(max_length=1000, multiline=True)}, description="A new contact list")
CONTACT_LIST_CHANGE = Obj({**CONTACT_LIST.fields, "version": Int(required=True, minimum=1)})
CONTACT_IMPORT = Obj({
    "csv": Str(required=True, max_length=MAX_IMPORT_BYTES, multiline=True,
               description="The file's text (columns name, email, phone, language, area)"),
    "mode": Str(enum=("replace", "update"), description="replace (default): the list becomes the "
                                                        "file; update: add and update only"),
    "import_valid_rows": Bool(description="Import the valid rows although others are wrong"),
}, description="A CSV file to import into the list")

# -- answers ---------------------------------------------------------------------------------------

_WHEN = Str(format="date-time")
_RULE_OUT = Obj({**RULE.fields, "polygon": Obj({"type": Str(), "coordinates": Arr(Arr(_POSITION))})})
AUDIENCE_RESULT = Obj({"id": Str(required=True), "name": Str(), "description": Str(), "rule": _RULE_OUT,
                       "version": Int(), "created_at": _WHEN, "created_by": Str(),
                       "updated_at": _WHEN, "updated_by": Str()})
AUDIENCE_LIST = Obj({"items": Arr(AUDIENCE_RESULT, max_items=1000), "cases_allowed": Bool()})
_COUNTS = Counts(description="count by key")
_SAMPLE = Obj({"name": Str(), "email": Str(), "phone": Str(), "language": Str(), "area": Str(),
               "source": Str(), "channels": Arr(Str())})
PREVIEW = Obj({"total": Int(), "by_channel": _COUNTS, "by_language": _COUNTS, "by_area": _COUNTS,
               "by_source": _COUNTS, "sample": Arr(_SAMPLE, max_items=50), "cases_allowed": Bool()})
_SUMMARY = Obj({"at": _WHEN, "by": Str(), "mode": Str(), "rows": Int(), "added": Int(),
                "updated": Int(), "removed": Int(), "unchanged": Int(), "skipped_rows": Int()})
CONTACT_LIST_RESULT = Obj({"id": Str(required=True), "name": Str(), "description": Str(),
                           "contacts": Int(), "opted_out": Int(), "version": Int(),
                           "created_at": _WHEN, "created_by": Str(), "updated_at": _WHEN,
                           "updated_by": Str(), "last_import": _SUMMARY})
CONTACT_LIST_LIST = Obj({"items": Arr(CONTACT_LIST_RESULT, max_items=1000)})
_ROW_ERROR = Obj({"row": Int(), "column": Str(), "code": Str(), "message": Str()})
IMPORT_REPORT = Obj({
    "imported": Bool(required=True), "rows": Int(), "valid_rows": Int(), "invalid_rows": Int(),
    "contacts": Int(), "errors": Arr(_ROW_ERROR, max_items=1000), "errors_total": Int(),
    "merges": Arr(Obj({"row": Int(), "into_row": Int(), "by": Str(), "message": Str()}), max_items=1000),
    "merges_total": Int(),
    "ignored_columns": Arr(Str()), "added": Int(), "updated": Int(), "removed": Int(),
    "unchanged": Int(), "opted_out_kept": Int(), "list": CONTACT_LIST_RESULT})
DELETED = Obj({"deleted": Bool()})
LANGUAGE_CODES = LANGUAGES

_A = "/v1/admin/audiences"
_L = "/v1/admin/contact-lists"
_READ, _WRITE = (400, 401, 403), (400, 401, 403, 404, 409, 413, 415)

OPERATIONS = (
    Operation("GET", _A, "listAudiences", "staff", "Saved audiences", AUDIENCE_LIST, staff=True,
              errors=(401, 403)),
    Operation("POST", _A, "createAudience", "staff", "Save an audience (supervisors, administrators)",
              AUDIENCE_RESULT, 201, body=AUDIENCE, staff=True, errors=(400, 401, 403, 413, 415),
              refusals=(("rule.kind", "audience_cases_not_allowed",
                         "the configuration does not allow audiences of case requesters"),
                        ("rule.polygon", "audience_self_intersecting", "the polygon's edges cross"),
                        ("rule.lists", "audience_unknown_list", "no such contact list"))),
    Operation("POST", f"{_A}/preview", "previewAudienceRule", "staff",
              "Counts and redacted members of a rule being edited", PREVIEW, body=RULE_PREVIEW,
              staff=True, errors=(400, 401, 403, 413, 415)),
    Operation("GET", f"{_A}/{{audience_id}}", "getAudience", "staff", "One audience", AUDIENCE_RESULT,
              staff=True, errors=(400, 401, 403, 404)),
    Operation("PUT", f"{_A}/{{audience_id}}", "updateAudience", "staff", "Change an audience",
              AUDIENCE_RESULT, body=AUDIENCE_CHANGE, staff=True, errors=_WRITE,
              description="409 with `current_version` when it changed since `version` was read."),
    Operation("DELETE", f"{_A}/{{audience_id}}", "deleteAudience", "staff", "Delete an audience",
              DELETED, body=VERSIONED, staff=True, errors=_WRITE),
    Operation("GET", f"{_A}/{{audience_id}}/preview", "previewAudience", "staff",
              "Counts by channel, language, area and source, and the first members redacted",
              PREVIEW, query=PREVIEW_QUERY, staff=True, errors=(400, 401, 403, 404),
              description="Resolves the audience as a campaign would (suppressed addresses and "
                          "opted-out contacts left out); never full personal data."),
    Operation("GET", _L, "listContactLists", "staff", "Contact lists (names and counts)",
              CONTACT_LIST_LIST, staff=True, errors=(401, 403)),
    Operation("POST", _L, "createContactList", "staff", "Create a contact list (administrators)",
              CONTACT_LIST_RESULT, 201, body=CONTACT_LIST, staff=True, errors=(400, 401, 403, 413, 415)),
    Operation("GET", f"{_L}/{{list_id}}", "getContactList", "staff", "One contact list",
              CONTACT_LIST_RESULT, staff=True, errors=(400, 401, 403, 404)),
    Operation("PUT", f"{_L}/{{list_id}}", "updateContactList", "staff", "Rename a contact list",
              CONTACT_LIST_RESULT, body=CONTACT_LIST_CHANGE, staff=True, errors=_WRITE),
    Operation("DELETE", f"{_L}/{{list_id}}", "deleteContactList", "staff",
              "Delete a contact list and its contacts", DELETED, body=VERSIONED, staff=True,
              errors=_WRITE, description="409 `conflict` while an audience names the list."),
    Operation("POST", f"{_L}/{{list_id}}/imports", "importContacts", "staff",
              "Import a CSV file into a contact list (administrators)", IMPORT_REPORT,
              body=CONTACT_IMPORT, staff=True, errors=_WRITE,
              description="The file travels in the JSON body (at most 5 MB of CSV, about 50,000 "
                          "rows). With an error in any row nothing is imported (`imported` false, "
                          "every error listed) unless `import_valid_rows` is true."),
)
