"""Every operation of the HTTP API (``openapi.OPERATIONS``), a table of data: its route, who
may call it, its request and answer schemas, its errors and refusals. The document is built from
it in ``openapi``; the route table of the app and this table must agree (a contract test)."""

from __future__ import annotations

from . import console_schemas as cs
from . import schemas as s
from .operation import Operation
from .response_schemas import (
    ATTACHMENT_LINK,
    CASE_DETAIL,
    CATEGORIES,
    CHANGE_RESULT,
    FEED_PAGE,
    FOLLOW_ACCEPTED,
    MAP,
    ME,
    MUNICIPALITY,
    OPENED,
    ORGANISATION,
    PUBLIC_CASE_VIEW,
    QUARANTINE_PAGE,
    QUARANTINED_MESSAGE,
    QUEUE_PAGE,
    RELEASE_RESULT,
    STAFF_LIST,
    SUBSCRIPTION_STATE,
    SUPPRESSION,
    SUPPRESSION_PAGE,
)
from .validation import Obj, Str

_CASE_ERRORS = (400, 401, 403, 404, 409, 413)
_OUTSIDE = ("location", "outside_municipality",
            "the coordinates lie outside the municipality's boundary")
_CATEGORY_REFUSALS = (("category", "unknown_category", "the municipality has no such category"),
                      ("category", "type_not_for_category", "the category does not take the type"),
                      ("language", "not_allowed", "not one of the municipality's languages"))
_IDEMPOTENCY = (("Idempotency-Key", "Repeat a request safely: the same key answers the first "
                                    "result again (8-100 letters, digits or dashes)"),)


def _alerts_operations() -> tuple[Operation, ...]:
    """Residents' alert subscriptions (``api/alerts_views.py``)."""
    from . import alerts_views as av

    return av.OPERATIONS


def _stats_operations() -> tuple[Operation, ...]:
    """The statistics (``api/stats_views.py``)."""
    from . import stats_views as sv

    return sv.OPERATIONS


def _audience_operations() -> tuple[Operation, ...]:
    """Audiences and contact lists (``api/audience_schemas.py``)."""
    from . import audience_schemas

    return audience_schemas.OPERATIONS
def _public_map_operations() -> tuple[Operation, ...]:
    """The public map (``api/public_map_operations.py``)."""
    from . import public_map_operations

    return public_map_operations.OPERATIONS


def _survey_operations() -> tuple[Operation, ...]:
    """The surveys (``api/survey_operations.py``)."""
    from . import survey_operations

    return survey_operations.OPERATIONS
def _account_operations() -> tuple[Operation, ...]:
    """Citizen accounts (``api/accounts_operations.py``)."""
    from . import accounts_operations

    return accounts_operations.OPERATIONS
def _campaign_operations() -> tuple[Operation, ...]:
    """Campaigns (``api/campaign_operations.py``)."""
    from . import campaign_operations as c

    return c.OPERATIONS


def _photo_operations() -> tuple[Operation, ...]:
    """Photos and documents on the web form (``api/photo_operations.py``)."""
    from . import photo_operations

    return photo_operations.OPERATIONS
def _citizen_operations() -> tuple[Operation, ...]:
    """The requester's answers on the tracking page (``api/citizen_schemas.py``)."""
    from . import citizen_schemas

    return citizen_schemas.OPERATIONS
def _open311_operations() -> tuple[Operation, ...]:
    """The administrators' Open311 key routes (``api/open311_operations.py``)."""
    from . import open311_operations

    return open311_operations.OPERATIONS


def _finding_operations() -> tuple[Operation, ...]:
    """Search, requester lookup, the map and nearby cases (``api/search_views.py``)."""
    from . import search_views as f

    answers = f.response_schemas()
    return (
        Operation("GET", "/v1/admin/search", "searchCases", "staff",
                  "Find cases by number, requester (phone, e-mail, name) or words", answers["search"],
                  query=f.SEARCH_QUERY, staff=True, errors=(400, 401, 403),
                  refusals=(("q", "no_search_word", "no word of at least two letters"),
                            ("q", "too_many_words", "more than five words")),
                  description="Newest first; cases shaped as in a queue. Words match any script "
                              "(`Beograd` finds `Београд`), without diacritics, by prefix; every "
                              "word must match. A case number (also `2026-123`, `000123`) is "
                              "looked up directly, a phone number or e-mail address as the "
                              "requester's. Department agents find only their departments' cases; "
                              "deleted cases are never found. At most 5 word queries and 3 batch "
                              "reads per page."),
        Operation("GET", "/v1/admin/requesters", "findRequester", "staff",
                  "A requester by phone or e-mail, with their earlier cases", answers["requester"],
                  query=f.REQUESTER_QUERY, staff=True, errors=(400, 401, 403),
                  refusals=(("phone", "one_of", "give either phone or email"),
                            ("phone", "invalid_phone", "not a valid phone number")),
                  description="The intake screen's lookup: name and contacts as the newest case "
                              "names them, and the cases newest first (cursor pages)."),
        Operation("GET", "/v1/admin/map", "mapCases", "staff",
                  "Cases with a location inside a box, as GeoJSON markers", answers["map"],
                  query=f.MAP_QUERY, staff=True, errors=(400, 401, 403),
                  refusals=(("bbox", "too_large", "the box needs more than 16 index cells"),
                            ("bbox", "invalid_format", "west must not exceed east, south north")),
                  description="Read from the geo index, one query per cell of the box (at most "
                              "16); `next_cursor` continues. Filters: status, category, "
                              "department, assignee (`me`), received from/to. Department agents "
                              "see only their departments."),
        Operation("GET", "/v1/admin/cases/nearby", "nearbyCases", "staff",
                  "Open cases near a point (duplicate suggestions), nearest first",
                  answers["nearby"], query=f.NEARBY_QUERY, staff=True, errors=(400, 401, 403),
                  refusals=(("category", "unknown_category", "the municipality has no such category"),)),
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/v1/public/municipality", "getMunicipality", "public",
              "The municipality: languages, working hours, support addresses, case types",
              MUNICIPALITY, errors=()),
    Operation("GET", "/v1/public/map", "getMap", "public",
              "The municipality's map: tile server, territory, districts and service areas",
              MAP, errors=()),
    Operation("GET", "/v1/public/categories", "listCategories", "public",
              "Categories a citizen can choose, with their groups", CATEGORIES, errors=()),
    Operation("POST", "/v1/public/cases", "openPublicCase", "public",
              "Report a problem, ask, suggest, complain: opens a case", OPENED, 201,
              body=s.PUBLIC_CASE, errors=(400, 409, 413, 415), headers=_IDEMPOTENCY,
              refusals=(("type", "not_allowed", "not one of the form's case types"),
                        *_CATEGORY_REFUSALS, _OUTSIDE),
              description="Answers the case number and a private tracking link; sends the "
                          "confirmation mail when an address is given."),
    Operation("GET", "/v1/public/cases/{number}", "trackCase", "public",
              "Follow a case (a private case needs its token)", PUBLIC_CASE_VIEW,
              query=Obj({"token": Str(max_length=200), "lang": Str(max_length=8)}), errors=(404,)),
    Operation("POST", "/v1/public/cases/{number}/subscriptions", "followCase", "public",
              "Follow a public case by e-mail (double opt-in)", FOLLOW_ACCEPTED, 202,
              body=s.FOLLOW, errors=(400, 404, 413, 415),
              description="Mails a confirmation link (at most one per address and case every 10 "
                          "minutes; none when the address follows already). The answer is the "
                          "same whatever the address's subscription was. A case that is not "
                          "public answers 404 like one that does not exist."),
    Operation("POST", "/v1/public/cases/{number}/subscriptions/{subscription_id}/confirm",
              "confirmSubscription", "public", "Confirm following a case (the opt-in mail's link)",
              SUBSCRIPTION_STATE, body=s.SUBSCRIPTION_CONFIRMATION, errors=(400, 404, 413, 415),
              description="Confirming again answers `confirmed`; an ended subscription stays "
                          "`unsubscribed`. An unknown subscription and a wrong token answer the "
                          "same 404."),
    Operation("POST", "/v1/public/cases/{number}/subscriptions/{subscription_id}/unsubscribe",
              "unsubscribe", "public", "Stop following a case, or stop the requester's mails",
              SUBSCRIPTION_STATE, body=s.UNSUBSCRIPTION, body_required=False,
              form_body=s.ONE_CLICK_FORM, query=s.UNSUBSCRIPTION_QUERY, errors=(400, 404, 413, 415),
              description="The token comes in the JSON body (the portal's page) or in the query "
                          "string (the `List-Unsubscribe` one-click URL of every mail, RFC 8058, "
                          "which mail clients POST as a form). Ending twice answers the same."),
    Operation("GET", "/v1/openapi.json", "getOpenApiDocument", "public",
              "This document", None, errors=()),
    Operation("GET", "/v1/admin/me", "getMe", "staff", "Who am I: roles, departments, permissions",
              ME, staff=True, errors=(401,)),
    Operation("GET", "/v1/admin/staff", "listStaff", "staff", "Colleagues to assign cases to",
              STAFF_LIST, query=s.STAFF_QUERY, staff=True, errors=(400, 401, 403)),
    Operation("GET", "/v1/admin/cases", "listCases", "staff",
              "A queue: filter by department, assignee, state, status, type, channel, category, "
              "dates; cursor pagination", QUEUE_PAGE, query=s.QUEUE_QUERY, staff=True,
              errors=(400, 401, 403),
              description="Each page is one query on an index; a page may be shorter than "
                          "`limit` while `next_cursor` says more may follow. Department agents "
                          "see only their departments."),
    Operation("POST", "/v1/admin/cases", "openStaffCase", "staff",
              "Register a phone call, letter, visit or SMS", OPENED, 201, body=s.STAFF_CASE,
              staff=True, errors=(400, 401, 403, 409, 413, 415), headers=_IDEMPOTENCY,
              refusals=(*_CATEGORY_REFUSALS,
                        ("department", "unknown_department", "the municipality has no such department"),
                        ("received_at", "in_future", "later than now"),
                        ("received_at", "too_old", "more than a year ago"),
                        ("requester.phone", "invalid_phone", "not a phone number of any country"),
                        _OUTSIDE),
              description="Routed by category, refined by the location's area; `department` "
                          "overrides (with `routing_reason`, recorded)."),
    Operation("GET", "/v1/admin/cases/{number}", "getCase", "staff",
              "A case with its whole timeline", CASE_DETAIL, staff=True, errors=(401, 403, 404)),
    Operation("GET", "/v1/admin/cases/{number}/attachments/{attachment_id}", "getCaseAttachment",
              "staff", "A short-lived link to open one attachment of the case", ATTACHMENT_LINK,
              staff=True, errors=(401, 403, 404),
              description="`attachment_id` is the `id` of a kept file in a `message_in` entry's "
                          "`data.attachments`. Whoever may see the case may open its files; an "
                          "id of another case, of a refused file or of none answers 404. The "
                          "link works for 5 minutes."),
    Operation("GET", "/v1/admin/organisation", "getOrganisation", "staff",
              "Departments to route to and external bodies to refer to", ORGANISATION,
              staff=True, errors=(401, 403)),
    Operation("DELETE", "/v1/admin/cases/{number}", "deleteCase", "staff",
              "Delete a case (administrators; a recorded soft delete)", CHANGE_RESULT,
              body=s.DELETION, staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/assignment", "assignCase", "staff",
              "Assign to a colleague (or `me`, or null to unassign)", CHANGE_RESULT,
              body=s.ASSIGNMENT, staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/status", "changeStatus", "staff",
              "Change the status along the allowed transitions, with a reason", CHANGE_RESULT,
              body=s.STATUS_CHANGE, staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/routing", "rerouteCase", "staff",
              "Move the case to another department (supervisors)", CHANGE_RESULT,
              body=s.ROUTING, staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/notes", "addNote", "staff",
              "Add an internal note (never shown to the citizen)", CHANGE_RESULT, body=s.NOTE,
              staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/replies", "replyToCitizen", "staff",
              "Answer the citizen: e-mail threaded into the case, or SMS", CHANGE_RESULT,
              body=s.REPLY, staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/referrals", "referCase", "staff",
              "Refer to an external body by e-mail; its answer threads back into the case",
              CHANGE_RESULT, body=s.REFERRAL, staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/merge", "mergeCase", "staff",
              "Close this case as a duplicate of another", CHANGE_RESULT, body=s.MERGE,
              staff=True, errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/links", "linkCases", "staff",
              "Link two related cases", CHANGE_RESULT, body=s.LINK, staff=True,
              errors=_CASE_ERRORS),
    Operation("POST", "/v1/admin/cases/{number}/escalation", "escalateCase", "staff",
              "Escalate an open case to the supervisors, with a reason", CHANGE_RESULT,
              body=s.ESCALATION, staff=True, errors=_CASE_ERRORS,
              description="Raises the case's escalation level by one and records an internal "
                          "timeline entry; the `case.escalated` event notifies the supervisors. "
                          "A resolved, closed, cancelled or merged case answers 409."),
    Operation("POST", "/v1/admin/cases/{number}/deadline-extension", "extendLegalDeadline",
              "staff", "Extend the legal deadline of a statutory case (an FOI request), once",
              CHANGE_RESULT, body=s.DEADLINE_EXTENSION, staff=True, errors=_CASE_ERRORS,
              description="By the extension days of the country's law (`legal_deadlines.json`), "
                          "counted from receipt like the deadline itself; the reason is recorded "
                          "in a public `deadline_extended` entry (the requester must be told). "
                          "Whoever may change the case's status may. A case that is not "
                          "statutory, whose law allows no extension, already extended or no "
                          "longer open answers 409 (`deadline_not_extendable`, "
                          "`deadline_already_extended`, `deadline_not_open`)."),
    Operation("GET", "/v1/admin/feed", "pollFeed", "staff",
              "The live feed: every change on any case since the cursor (supervisors)", FEED_PAGE,
              query=s.FEED_QUERY, staff=True, errors=(400, 401, 403),
              description="Poll every few seconds with the `cursor` of the previous answer; the "
                          "first poll starts at `since` (default: 15 minutes ago). Each answer "
                          "is normally one query of one index partition; an empty one costs "
                          "half a read unit. `kinds` and `department` filter the changes; keep "
                          "them the same for one cursor."),
    Operation("GET", "/v1/admin/quarantine", "listQuarantine", "staff",
              "Quarantined mail (spam, viruses) with the reason", QUARANTINE_PAGE,
              query=s.PAGE_QUERY, staff=True, errors=(400, 401, 403)),
    Operation("GET", "/v1/admin/quarantine/{quarantine_id}", "readQuarantined", "staff",
              "One quarantined message: its headers, its text and the list of its attachments",
              QUARANTINED_MESSAGE, staff=True, errors=(401, 403, 404),
              description="Read from the raw mail kept in S3 and parsed as the intake would; "
                          "nothing is processed or sent. The text is cut at 20,000 characters "
                          "(`text_truncated`); attachments are listed, never served."),
    Operation("POST", "/v1/admin/quarantine/{quarantine_id}/release", "releaseQuarantined",
              "staff", "Process a quarantined message after all", RELEASE_RESULT, staff=True,
              errors=(401, 403, 404)),
    Operation("GET", "/v1/admin/suppressions", "listSuppressions", "staff",
              "The suppression list: addresses that bounced hard or complained, newest first",
              SUPPRESSION_PAGE, query=s.PAGE_QUERY, staff=True, errors=(400, 401, 403),
              description="Mail to these addresses is not sent; replies go by SMS where the "
                          "case has a mobile number."),
    Operation("DELETE", "/v1/admin/suppressions/{address}", "liftSuppression", "staff",
              "Take an address off the suppression list (recorded with who, when and why)",
              SUPPRESSION, body=s.SUPPRESSION_LIFT, staff=True,
              errors=(400, 401, 403, 404, 413, 415)),
    # -- the staff console (console_schemas.py) --
    Operation("GET", "/v1/public/staff-sign-in", "getStaffSignIn", "public",
              "Where the staff console signs in: the staff pool, its app client, Cognito's endpoint",
              cs.STAFF_SIGN_IN, errors=(),
              description="The console calls Cognito itself (InitiateAuth with USER_PASSWORD_AUTH, "
                          "RespondToAuthChallenge for a new password or a TOTP code, "
                          "REFRESH_TOKEN_AUTH, ChangePassword) and sends the ID token here."),
    Operation("GET", "/v1/admin/categories", "listStaffCategories", "staff",
              "Every category with its names, descriptions and keywords in all languages",
              cs.STAFF_CATEGORIES, staff=True, errors=(401, 403)),
    Operation("POST", "/v1/admin/routing-preview", "previewRouting", "staff",
              "The department a case would be routed to, and the rule that chose it",
              cs.ROUTING_PREVIEW_RESULT, body=cs.ROUTING_PREVIEW, staff=True,
              errors=(400, 401, 403, 413, 415),
              refusals=(*_CATEGORY_REFUSALS[:2], _OUTSIDE),
              description="The intake's own routing: the category's department, refined by the "
                          "area the location falls in. Nothing is stored."),
    Operation("GET", "/v1/admin/me/views", "listSavedViews", "staff", "My saved queues",
              cs.SAVED_VIEW_LIST, staff=True, errors=(401, 403)),
    Operation("POST", "/v1/admin/me/views", "createSavedView", "staff", "Save a queue under a name",
              cs.SAVED_VIEW_RESULT, 201, body=cs.SAVED_VIEW, staff=True,
              errors=(400, 401, 403, 409, 413, 415),
              description="The filters are checked as the queue checks them (`filters.<name>` in "
                          "the field errors). 409 `conflict` when one keeps 50 views already."),
    Operation("PUT", "/v1/admin/me/views/{view_id}", "updateSavedView", "staff",
              "Rename a saved queue or change its filters", cs.SAVED_VIEW_RESULT,
              body=cs.SAVED_VIEW, staff=True, errors=(400, 401, 403, 404, 413, 415)),
    Operation("DELETE", "/v1/admin/me/views/{view_id}", "deleteSavedView", "staff",
              "Delete a saved queue", cs.DELETED, staff=True, errors=(401, 403, 404),
              body_required=False),
    Operation("GET", "/v1/admin/canned-replies", "listCannedReplies", "staff",
              "Canned replies (of one language)", cs.CANNED_REPLY_LIST,
              query=cs.CANNED_REPLY_QUERY, staff=True, errors=(400, 401, 403)),
    Operation("POST", "/v1/admin/canned-replies", "createCannedReply", "staff",
              "Add a canned reply (administrators)", cs.CANNED_REPLY_RESULT, 201,
              body=cs.CANNED_REPLY, staff=True, errors=(400, 401, 403, 413, 415)),
    Operation("PUT", "/v1/admin/canned-replies/{reply_id}", "updateCannedReply", "staff",
              "Change a canned reply (administrators)", cs.CANNED_REPLY_RESULT,
              body=cs.CANNED_REPLY_CHANGE, staff=True, errors=(400, 401, 403, 404, 409, 413, 415),
              description="409 with `current_version` when another administrator changed it "
                          "since `version` was read."),
    Operation("DELETE", "/v1/admin/canned-replies/{reply_id}", "deleteCannedReply", "staff",
              "Delete a canned reply (administrators)", cs.DELETED,
              body=cs.CANNED_REPLY_DELETION, staff=True, errors=(400, 401, 403, 404, 409, 413, 415)),
    Operation("PUT", "/v1/admin/me/language", "setMyLanguage", "staff",
              "Set my console language (custom:language; in the ID token from its next refresh)",
              cs.LANGUAGE_RESULT, body=cs.LANGUAGE_CHANGE, staff=True,
              errors=(400, 401, 413, 415)),
    Operation("GET", "/v1/admin/board", "getBoard", "staff",
              "The supervisors' board: per department new, in progress, waiting, escalated, and "
              "who works on what", cs.BOARD, query=cs.BOARD_QUERY, staff=True,
              errors=(400, 401, 403),
              description="Department agents get their departments' rows. Counts are "
                          "`Select=COUNT` queries of the filtered queues' index (docs/data-model.md)."),
    Operation("GET", "/v1/admin/case-count", "countCases", "staff",
              "How many cases a queue holds: the queue's filters, the same checks",
              cs.CASE_COUNT, query=s.QUEUE_QUERY, staff=True, errors=(400, 401, 403),
              description="`limit`, `cursor` and `order` are accepted and ignored, so the queue's "
                          "query string can be sent as it is."),
    *_finding_operations(),
    *_stats_operations(),
    *_audience_operations(),
    *_alerts_operations(),
    *_survey_operations(),
    *_campaign_operations(),
    *_public_map_operations(),
    *_account_operations(),
    *_photo_operations(),
    *_citizen_operations(),
    *_open311_operations(),
)
