"""Request schemas of the HTTP API. The same objects validate requests and render OpenAPI."""

from __future__ import annotations

from ..domain.cases import LANGUAGES
from .validation import Arr, Bool, DateTime, Int, Num, Obj, Str

PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,38}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9-]{8,100}$"
MAX_BODY_BYTES = 64 * 1024

LOCATION = Obj({
    "lat": Num(minimum=-90, maximum=90, description="Latitude, WGS 84"),
    "lon": Num(minimum=-180, maximum=180, description="Longitude, WGS 84"),
    "address": Str(max_length=300, description="Street address or a description of the place"),
}, together=(("lat", "lon"),),
    description="Where the problem is. Coordinates must lie in the municipality (on its boundary "
                "counts; `GET /v1/public/municipality` gives its `bounds` and an example), "
                "else 400 with `location` / `outside_municipality`")

CONTACT = Obj({
    "name": Str(max_length=200),
    "email": Str(max_length=254, format="email"),
    "phone": Str(max_length=40, pattern=PHONE_PATTERN),
}, description="How to reach the citizen; never published")

PUBLIC_CASE = Obj({
    "type": Str(required=True, max_length=32,
                description="signal, information, suggestion, complaint or request "
                            "(the municipality's public_form_types)"),
    "category": Str(required=True, max_length=64, description="A category id"),
    "description": Str(required=True, min_length=10, max_length=5000, multiline=True),
    "language": Str(max_length=8, enum=LANGUAGES),
    "channel": Str(max_length=8, enum=("web", "app")),
    "location": LOCATION,
    "contact": CONTACT,
    "attachments": Arr(Str(max_length=32, pattern=r"^[0-9a-f]{32}$"), max_items=10,
                       description="Upload ids of POST /v1/public/uploads (docs/photos.md)"),
    "source_page": Str(max_length=2000, pattern=r"^https?://[^\s]+$",
                       description="The service page the report came from (its \"Report a problem\" "
                                   "button); kept without its query string and fragment"),
}, description="A case submitted by a citizen through the web form or an app")

SUBSCRIPTION_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,100}$"
SUBSCRIPTION_ID_PATTERN = r"^[0-9a-f]{24}$"

FOLLOW = Obj({
    "email": Str(required=True, max_length=254, format="email",
                 description="Where the case's public news go, after the address confirms"),
    "language": Str(max_length=8, enum=LANGUAGES,
                    description="Language of the mails (default: the request's language)"),
}, description="Follow a public case by e-mail")

SUBSCRIPTION_CONFIRMATION = Obj({
    "token": Str(required=True, max_length=100, pattern=SUBSCRIPTION_TOKEN_PATTERN,
                 description="The token of the link in the opt-in mail"),
}, description="Confirm a subscription")

UNSUBSCRIPTION = Obj({
    "token": Str(max_length=100, pattern=SUBSCRIPTION_TOKEN_PATTERN,
                 description="The token of the link in the mail (or ?token=)"),
}, description="End a subscription")

UNSUBSCRIPTION_QUERY = Obj({
    "token": Str(max_length=100, pattern=SUBSCRIPTION_TOKEN_PATTERN,
                 description="The token, as the mail's List-Unsubscribe one-click URL carries it"),
    "lang": Str(max_length=8),
}, description="RFC 8058 one-click unsubscribe (the body is then List-Unsubscribe=One-Click)")

#: Documentation only: the form a mail client posts; the route reads the token from the query.
ONE_CLICK_FORM = Obj({"List-Unsubscribe": Str(max_length=20, enum=("One-Click",))},
                     description="RFC 8058 one-click unsubscribe, as mail clients send it")

# -- staff (admin API) --------------------------------------------------------------------------

STAFF_CHANNELS = ("phone", "letter", "in_person", "sms")
CASE_TYPES = ("signal", "complaint", "request", "suggestion", "information", "letter", "foi_request")
STATUSES = ("new", "in_progress", "waiting_for_citizen", "referred", "resolved", "closed", "cancelled")
NUMBER_PATTERN = r"^[0-9]{4}-[0-9]{6,}$"
DEPARTMENT_PATTERN = r"^[a-z0-9_]{1,64}$"
USERNAME_PATTERN = r"^[A-Za-z0-9._@+-]{1,128}$"

VERSION = Int(required=True, minimum=1, description="The case's version as last read (409 when it changed since)")

REQUESTER = Obj({
    "name": Str(max_length=200),
    "email": Str(max_length=254, format="email"),
    "phone": Str(max_length=40, pattern=PHONE_PATTERN,
                 description="Any usual national or international form; stored in E.164"),
    "address": Str(max_length=300, multiline=True, description="Postal address (letters)"),
}, description="Who contacted the municipality; optional (anonymous reports are allowed)")

STAFF_CASE = Obj({
    "type": Str(required=True, max_length=32, enum=CASE_TYPES),
    "channel": Str(required=True, max_length=16, enum=STAFF_CHANNELS,
                   description="How the contact came in"),
    "category": Str(required=True, max_length=64, description="A category id"),
    "description": Str(required=True, min_length=3, max_length=10000, multiline=True),
    "subject": Str(max_length=200),
    "language": Str(max_length=8, enum=LANGUAGES, description="The citizen's language"),
    "location": LOCATION,
    "requester": REQUESTER,
    "received_at": DateTime(description="When the call, letter, visit or SMS came in (default: now); "
                                        "at most a year ago, not in the future"),
    "department": Str(max_length=64, pattern=DEPARTMENT_PATTERN,
                      description="Override the routing: the department that gets the case"),
    "routing_reason": Str(max_length=500, description="Why the routing was overridden (required with department)"),
    "public": Bool(description="Publish the case (without personal data); only for types that may be public"),
}, description="A contact registered by an operator: phone call, letter, visit or SMS")

QUEUE_QUERY = Obj({
    "department": Str(max_length=64, pattern=DEPARTMENT_PATTERN),
    "assignee": Str(max_length=128, pattern=USERNAME_PATTERN, description="A username, or `me`"),
    "state": Str(max_length=8, enum=("open", "closed", "all", "deleted"),
                 description="open (default): new, in progress, waiting, referred; closed: "
                             "resolved, closed, cancelled; deleted: administrators only"),
    "status": Str(max_length=200, description="Comma-separated statuses"),
    "type": Str(max_length=200, description="Comma-separated case types"),
    "channel": Str(max_length=200, description="Comma-separated channels"),
    "category": Str(max_length=500, description="Comma-separated category ids"),
    "from": DateTime(description="Registered at or after (RFC 3339)"),
    "to": DateTime(description="Registered at or before (RFC 3339)"),
    "order": Str(max_length=4, enum=("asc", "desc"), description="asc (default): oldest first"),
    "limit": Int(minimum=1, maximum=100, from_text=True, description="Page size (default 25)"),
    "cursor": Str(max_length=400, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page"),
    "view": Str(max_length=16, enum=("overdue",),
                description="overdue: the open cases with a service-level, legal or referral "
                            "clock past its due time, most overdue first (no cursor: every "
                            "overdue case up to `limit`)"),
    "lang": Str(max_length=8),
}, description="Queue filters (query string)")

FEED_QUERY = Obj({
    "cursor": Str(max_length=4000, pattern=r"^[A-Za-z0-9_-]+$",
                  description="The `cursor` of the previous answer: poll with it again"),
    "since": DateTime(description="Without a cursor: the changes from this moment on (RFC 3339; "
                                  "default 15 minutes ago, at most 7 days ago)"),
    "limit": Int(minimum=1, maximum=200, from_text=True,
                 description="At most this many changes per answer (default 100)"),
    "kinds": Str(max_length=500, description="Comma-separated timeline kinds (status_changed, "
                                             "assigned, ...); default all"),
    "department": Str(max_length=64, pattern=DEPARTMENT_PATTERN,
                      description="Only the changes of this department's cases"),
    "lang": Str(max_length=8),
}, description="Live feed (query string)")

ASSIGNMENT = Obj({
    "assignee": Str(max_length=128, pattern=USERNAME_PATTERN, nullable=True,
                    description="A staff username, `me`, or null to unassign"),
    "version": VERSION,
})

STATUS_CHANGE = Obj({
    "status": Str(required=True, max_length=32, enum=STATUSES),
    "reason": Str(required=True, min_length=3, max_length=2000, multiline=True,
                  description="Why (internal; kept in the timeline)"),
    "message_to_citizen": Str(max_length=2000, multiline=True,
                              description="Shown to the citizen on the tracking page"),
    "version": VERSION,
})

ROUTING = Obj({
    "department": Str(required=True, max_length=64, pattern=DEPARTMENT_PATTERN),
    "reason": Str(required=True, min_length=3, max_length=2000, multiline=True),
    "version": VERSION,
})

NOTE = Obj({
    "text": Str(required=True, min_length=1, max_length=10000, multiline=True),
    "version": Int(minimum=1, description="If given, the note is refused (409) when the case changed"),
})

REPLY = Obj({
    "text": Str(required=True, min_length=1, max_length=10000, multiline=True),
    "channel": Str(max_length=8, enum=("auto", "email", "sms"),
                   description="auto (default): e-mail when the case has an address, else SMS"),
    "status": Str(max_length=32, enum=("in_progress", "waiting_for_citizen", "resolved", "closed"),
                  description="Change the status with the reply"),
    "version": VERSION,
})

REFERRAL = Obj({
    "body": Str(max_length=64, pattern=DEPARTMENT_PATTERN, description="An external body's id"),
    "email": Str(max_length=254, format="email", description="Or any address (a body not configured)"),
    "message": Str(required=True, min_length=3, max_length=5000, multiline=True),
    "include_contact": Bool(description="Give the body the citizen's contact data (default false)"),
    "version": VERSION,
})

MERGE = Obj({
    "into": Str(required=True, max_length=20, pattern=NUMBER_PATTERN,
                description="The case this one duplicates; it stays open"),
    "reason": Str(max_length=2000, multiline=True),
    "version": VERSION,
})

LINK = Obj({
    "case": Str(required=True, max_length=20, pattern=NUMBER_PATTERN),
    "version": Int(minimum=1),
})

DEADLINE_EXTENSION = Obj({
    "reason": Str(required=True, min_length=3, max_length=2000, multiline=True,
                  description="Why the legal deadline is extended; the requester must be told "
                              "(the entry is public)"),
    "version": VERSION,
})

ESCALATION = Obj({
    "reason": Str(required=True, min_length=1, max_length=1000, multiline=True,
                  description="Why the supervisors should look at the case (internal; kept in the "
                              "timeline, not in the event)"),
    "version": VERSION,
})

DELETION = Obj({
    "reason": Str(required=True, min_length=3, max_length=2000, multiline=True),
    "version": VERSION,
})

SUPPRESSION_LIFT = Obj({
    "reason": Str(required=True, min_length=3, max_length=2000, multiline=True,
                  description="Why mail to the address may go out again (kept with who and when)"),
}, description="Take an address off the suppression list")

STAFF_QUERY = Obj({
    "role": Str(max_length=32, enum=("operator", "department_agent", "supervisor", "administrator")),
    "department": Str(max_length=64, pattern=DEPARTMENT_PATTERN),
    "lang": Str(max_length=8),
})

PAGE_QUERY = Obj({
    "limit": Int(minimum=1, maximum=100, from_text=True),
    "cursor": Str(max_length=400),
    "lang": Str(max_length=8),
})
