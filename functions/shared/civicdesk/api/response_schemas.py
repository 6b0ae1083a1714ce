"""The answers of the HTTP API as JSON Schema, for the OpenAPI document (``openapi.py``): the
shapes ``views.py`` and ``case_views.py`` build. Documentation only; requests are validated
against ``schemas.py``."""

from __future__ import annotations

from . import schemas as s
from .validation import Arr, Bool, Int, Obj, Str

ERROR = Obj({
    "error": Obj({
        "code": Str(required=True, description="Machine-readable: validation_failed, bad_request, "
                    "unauthorized, forbidden, not_found, conflict, invalid_transition, "
                    "payload_too_large, too_many_requests, internal_error"),
        "message": Str(required=True, description="Translated into the request's language"),
        "fields": Arr(Obj({"field": Str(required=True), "code": Str(required=True),
                           "message": Str(required=True)}),
                      description="Every invalid field (validation_failed only)"),
        "current_version": Int(description="The case's version now (conflict only)"),
    }, required=True),
}, description="The one error shape of the API")

_TEXT = Str(description="Translated into the request's language")
_CLOCKS = "first_reaction, resolution, legal, referral"
DUE = Obj({
    "first_reaction": Str(format="date-time", description="Due time of the first reaction (the "
                                                         "service level's target)"),
    "resolution": Str(format="date-time", description="Due time of the resolution"),
    "legal": Str(format="date-time", description="The legal deadline (statutory types)"),
    "referral": Str(format="date-time", description="The external body's answer, while referred"),
    "first_reaction_at": Str(format="date-time", description="When staff first reacted (a "
                             "public reply, or a status change away from new)"),
    "paused_since": Str(format="date-time", description="The service-level clocks stand still "
                        "since (waiting for the citizen, referred, resolved, closed, cancelled)"),
    "running": Arr(Str(), description=f"The clocks running now ({_CLOCKS})"),
    "next": Str(format="date-time", description="The nearest due time of a running clock"),
    "next_clock": Str(description="Which clock `next` is"),
    "working_minutes_left": Int(description="Working minutes from `as_of` to `next`; negative: "
                                            "overdue by"),
    "overdue": Arr(Str(), description="Running clocks past their due time at `as_of`"),
    "breached": Arr(Str(), description="Running clocks whose breach was recorded (sla_breached)"),
    "legal_extended": Bool(description="The legal deadline was extended"),
    "legal_extendable": Bool(description="POST .../deadline-extension would extend it now"),
    "as_of": Str(format="date-time"),
}, description="The case's due times, in the municipality's working time")
CASE_SUMMARY = Obj({
    "number": Str(required=True), "version": Int(required=True), "type": Str(required=True),
    "type_name": _TEXT, "channel": Str(required=True), "channel_name": _TEXT,
    "category": Str(required=True), "category_name": _TEXT, "department": Str(required=True),
    "department_name": _TEXT, "status": Str(required=True), "status_name": _TEXT,
    "state": Str(enum=("open", "closed")), "public": Bool(), "language": Str(),
    "assignee": Str(), "created_at": Str(format="date-time"), "updated_at": Str(format="date-time"),
    "received_at": Str(format="date-time"), "requester_name": Str(), "location": s.LOCATION,
    "excerpt": Str(), "deleted": Bool(),
    "escalation_level": Int(description="How often the case was escalated to the supervisors "
                                        "(0: never)"),
    "due": DUE,
}, description="A case in a queue")

TIMELINE_ENTRY = Obj({
    "id": Str(required=True), "at": Str(required=True, format="date-time"),
    "kind": Str(required=True, description="case_opened, status_changed, message_in, message_out, "
                "note, assigned, routed, referred, linked, merged, merged_from, deleted, escalated, ..."),
    "actor": Str(required=True, description="staff:<username>, citizen:<channel>, system..."),
    "public": Bool(required=True, description="Shown on the citizen's tracking page"),
    "text": _TEXT,
    "data": Obj({}, description="What the entry records (depends on kind)"),
})

CASE_DETAIL = Obj({
    **CASE_SUMMARY.fields,
    "description": Str(), "subject": Str(), "requester": s.REQUESTER, "mailbox": Str(),
    "participants": Arr(Str()), "linked_cases": Arr(Str()), "merged_into": Str(),
    "published_photos": Arr(Str(), description="Published photos (docs/photos.md): paths "
                                               "relative to the public media base URL"),
    "routing": Obj({}, description="rule (category, area, override), department, area, by, reason"),
    "source_page": Str(description="The service page whose \"Report a problem\" button the report came through"),
    "registry_number": Str(description="The registry book's number of a letter, complaint or "
                                       "FOI request filed through a citizen account "
                                       "(e.g. 2026/GA/000042); search finds the case by it"),
    "deleted_at": Str(format="date-time"), "deleted_by": Str(),
    "timeline": Arr(TIMELINE_ENTRY, max_items=100000, description="Oldest first; internal entries included"),
    "followers": Int(description="How many people follow the case by e-mail (confirmed; who they "
                                 "are is not shown)"),
    "trail_complete": Bool(description="False when the timeline holds only the latest 50 entries "
                                       "of the delivery trail (notification and delivery_report "
                                       "entries, one per recipient and message); the history is "
                                       "always whole"),
    "allowed_transitions": Arr(Obj({"status": Str(required=True), "status_name": _TEXT}),
                               description="The statuses the case may be moved to now (POST "
                                           "…/status; a reply's `status`); empty for a deleted "
                                           "or merged case"),
}, description="A case with its timeline; each kept attachment of a `message_in` entry "
               "(`data.attachments[]`) has the `id` that opens it "
               "(GET /v1/admin/cases/{number}/attachments/{id})")

ATTACHMENT_LINK = Obj({
    "id": Str(required=True), "url": Str(required=True, description="A presigned GET of the "
                                         "file, valid until `expires_at`; it answers the file "
                                         "with its content type and a Content-Disposition "
                                         "naming it"),
    "expires_at": Str(required=True, format="date-time"), "filename": Str(required=True),
    "content_type": Str(required=True), "size": Int(description="Bytes"),
    "disposition": Str(enum=("inline", "attachment"),
                       description="inline: a raster image a browser shows in the page; "
                                   "attachment: downloaded under its name"),
}, description="Where to open one attachment of a case")

ORGANISATION = Obj({
    "language": Str(),
    "departments": Arr(Obj({"id": Str(required=True), "name": _TEXT, "external": Bool(
        description="A utility or body outside the administration that works cases itself")})),
    "external_bodies": Arr(Obj({"id": Str(required=True), "kind": Str(description="municipality, "
                                "inspectorate, utility, other"),
                                "name": _TEXT, "email": Str()}),
                           description="Where a case can be referred (POST …/referrals `body`)"),
})

QUEUE_PAGE = Obj({
    "items": Arr(CASE_SUMMARY, required=True),
    "next_cursor": Str(description="Pass as ?cursor= for the next page; null on the last page"),
    "count": Int(),
})

CHANGE_RESULT = Obj({
    "number": Str(required=True), "version": Int(required=True, description="The new version"),
    "status": Str(), "department": Str(), "assignee": Str(),
    "events": Arr(Str(), description="Ids of the timeline entries written"),
    "channel": Str(), "delivery": Str(enum=("sent", "failed", "suppressed", "sms_fallback"),
                                     description="suppressed: the address is on the suppression "
                                                 "list, nothing was mailed; sms_fallback: so the "
                                                 "reply went by SMS"), "message_id": Str(),
    "merged_into": Str(), "deleted": Bool(),
    "escalation_level": Int(description="The case's escalation level after an escalation"),
    "warnings": Arr(Obj({
        "field": Str(required=True, description="The request field of the published text"),
        "code": Str(required=True, enum=("names_person",),
                    description="names_person: the text names the requester (in some spelling "
                                "or form); strangers read it with the name redacted"),
        "text": Str(required=True, description="The warning, in the caller's language")}),
        description="What staff should know of what the change published; empty when nothing"),
})

OPENED = Obj({
    "number": Str(required=True), "token": Str(required=True, description="Shown once"),
    "tracking_url": Str(required=True), "status": Str(), "language": Str(),
    "department": Str(), "routing": Obj({}), "public": Bool(), "version": Int(),
    "confirmation": Str(enum=("email", "sms", "none", "failed")),
})

PUBLIC_CASE_VIEW = Obj({
    "number": Str(required=True), "type": Str(), "type_name": _TEXT, "category": Str(),
    "category_name": _TEXT, "status": Str(), "status_name": _TEXT, "public": Bool(),
    "created_at": Str(format="date-time"), "updated_at": Str(format="date-time"),
    "language": Str(), "description": Str(description="Redacted without the token"),
    "location": s.LOCATION,
    "history": Arr(Obj({"at": Str(), "kind": Str(), "status": Str(), "status_name": _TEXT,
                        "text": _TEXT, "message": Str(),
                        "by_requester": Bool(description="The requester's own answer from the "
                                                         "tracking page (with the token only)"),
                        "reopening": Bool(description="That answer reopened the case")})),
    "may_reply": Bool(description="With the token: the requester may add information or answer "
                                  "(`POST .../messages`)"),
    "may_reopen": Bool(description="With the token: the resolved case may be reopened now "
                                   "(`POST .../reopening`)"),
    "reopen_until": Str(format="date-time", nullable=True,
                        description="Until when a resolved case may be reopened; null otherwise"),
})

ME = Obj({
    "user_id": Str(required=True), "username": Str(required=True), "name": Str(), "email": Str(),
    "language": Str(),
    "roles": Arr(Obj({"id": Str(), "name": _TEXT})),
    "departments": Arr(Obj({"id": Str(), "name": _TEXT})),
    "permissions": Obj({}, description="action -> scope (all, own_departments)"),
})

STAFF_LIST = Obj({"items": Arr(Obj({"username": Str(), "name": Str(), "email": Str(),
                                    "roles": Arr(Str()), "role_names": Arr(_TEXT),
                                    "departments": Arr(Str()),
                                    "department_names": Arr(_TEXT, description="In the order of `departments`")})),
                  "departments": Arr(Obj({"id": Str(), "name": _TEXT}),
                                     description="The municipality's departments, to filter by")})

FEED_PAGE = Obj({
    "changes": Arr(Obj({
        "id": Str(required=True, description="The timeline entry's id"),
        "at": Str(required=True, format="date-time"), "number": Str(required=True),
        "kind": Str(required=True, description="The timeline entry's kind (status_changed, ...)"),
        "actor": Str(required=True), "public": Bool(required=True),
        "status": Str(description="The case's status after the change"), "status_name": _TEXT,
        "previous_status": Str(description="The status before (status changes and merges)"),
        "department": Str(description="The case's department after the change"),
        "department_name": _TEXT, "assignee": Str(), "text": _TEXT,
    }), max_items=200, required=True, description="Oldest first"),
    "cursor": Str(required=True, description="Poll with it again (`?cursor=`); always present"),
    "more": Bool(description="Cut at `limit`: poll again at once"),
})

_QUARANTINE_ENTRY = {
    "id": Str(), "reason": Str(), "sender": Str(), "subject": Str(), "recipients": Arr(Str()),
    "received_at": Str(format="date-time"), "verdicts": Obj({}), "released_at": Str(),
    "released_by": Str()}
QUARANTINE_PAGE = Obj({"items": Arr(Obj(_QUARANTINE_ENTRY)), "next_cursor": Str()})
QUARANTINED_MESSAGE = Obj({**_QUARANTINE_ENTRY, "message": Obj({
    "from_address": Str(), "from_name": Str(), "reply_to": Arr(Str()), "to": Arr(Str()),
    "cc": Arr(Str()), "return_path": Str(), "subject": Str(), "date": Str(format="date-time"),
    "message_id": Str(), "in_reply_to": Arr(Str()),
    "language": Str(description="The language the text was detected in"),
    "text": Str(description="The plain text (of the HTML part when there is no other)"),
    "text_truncated": Bool(description="The text was cut at 20,000 characters"),
    "has_html": Bool(),
    "attachments": Arr(Obj({"filename": Str(), "content_type": Str(), "size": Int(),
                            "inline": Bool(),
                            "refused": Str(description="too_large, dangerous_type, encrypted_archive")})),
    "auto_generated": Arr(Str(description="Why it looks machine-sent (RFC 3834 and others)")),
    "defects": Arr(Str()), "bounce": Bool(description="It is a delivery report")})},
    description="A quarantined message as the intake would read it")

RELEASE_RESULT = Obj({"outcome": Str(), "number": Str(), "replied": Bool(), "reason": Str()})
SUPPRESSION = Obj({
    "address": Str(required=True), "reason": Str(enum=("bounce", "complaint"),
                                                 description="null once lifted"),
    "suppressed_at": Str(format="date-time"), "message_id": Str(description="SES id of the mail"),
    "case": Str(description="The case that mail was about"),
    "counts": Obj({}, description="Reports per status: delivered, bounced, complained, rejected, delayed"),
    "last_status": Str(), "last_at": Str(format="date-time"),
    "lifted_at": Str(format="date-time"), "lifted_by": Str(), "lift_reason": Str(),
    "lifted_suppression": Str(description="The reason of the suppression last lifted"),
}, description="An address CivicDesk mails no more (a hard bounce or a complaint)")
SUPPRESSION_PAGE = Obj({"items": Arr(SUPPRESSION), "next_cursor": Str()})
MUNICIPALITY = Obj({
    "phone": Str(description="The municipality's phone number, as people dial it (or null)"),
    "reopen_window_days": Int(description="Days after its resolution a requester may reopen a case"),
    "privacy": Obj({"officer_name": Str(), "officer_email": Str(), "officer_phone": Str(),
                    "case_retention_years": Int(), "log_retention_days": Int()},
                   description="The privacy notice's facts: the data protection officer, retention"),
    "accessibility": Obj({"status": Str(enum=("full", "partial", "none")),
                          "statement_date": Str(format="date"), "contact_email": Str()},
                         description="The accessibility statement's facts (Directive (EU) 2016/2102)"),
}, description="The municipality: names, languages, hours, services, case "
               "types; with a territory, `location_example` (`lat`, `lon`: a "
               "place in it, for a form's hint) and `bounds` (`west`, `south`, "
               "`east`, `north`, degrees: where a case's location may be)")
FOLLOW_ACCEPTED = Obj({"status": Str(required=True, enum=("pending",))},
                      description="Always the same, whatever the address's subscription was")
SUBSCRIPTION_STATE = Obj({"state": Str(required=True, enum=("pending", "confirmed", "unsubscribed"))})
CATEGORIES = Obj({"language": Str(), "categories": Arr(Obj({}))})
MAP = Obj({"language": Str(), "tiles": Obj({}, description="`url` (XYZ template), `attribution`, "
                                              "`max_zoom`, `subdomains`; `null`: no tile server"),
           "boundary": Obj({}, description="the territory, a GeoJSON geometry (or `null`)"),
           "areas": Obj({}, description="districts and service areas, a GeoJSON FeatureCollection "
                                        "with `id`, `kind` and `name` properties")},
          description="What a map of the municipality draws; with a territory also "
                      "`location_example` and `bounds` as in the municipality")
