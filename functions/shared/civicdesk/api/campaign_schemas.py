"""The campaigns' request and answer schemas (``/v1/admin/campaigns``; validation and the
OpenAPI document share them)."""

from __future__ import annotations

from ..domain.campaigns import (
    MAX_MAIL_BODY,
    MAX_SMS_TEXT,
    MAX_SUBJECT,
    MAX_TITLE,
    CallOutcome,
    CampaignState,
    RecipientState,
)
from ..domain.cases import LANGUAGES
from .validation import Arr, Bool, DateTime, Int, Num, Obj, Str

ID_PATTERN = r"^[0-9a-f]{16}$"
KEY_PATTERN = r"^[0-9a-f]{24}$"
CHANNELS = ("email", "sms")

MESSAGE = Obj({"subject": Str(max_length=MAX_SUBJECT),
               "mail_body": Str(max_length=MAX_MAIL_BODY, multiline=True),
               "sms_text": Str(max_length=MAX_SMS_TEXT, multiline=True)},
              description="The texts in one language: the mail's subject and body, the SMS. "
                          "`{link}` is replaced by each recipient's link (a survey's).")
_FIELDS = {
    "title": Str(required=True, max_length=MAX_TITLE, description="For staff only"),
    "audience_id": Str(required=True, max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$"),
    "messages": Obj({language: MESSAGE for language in LANGUAGES}, required=True,
                    description="One text per language; each recipient gets theirs, else the "
                                "municipality's default language"),
    "channels": Arr(Str(enum=CHANNELS), max_items=2, required=True,
                    description="In order of preference: the next is tried when no delivery is "
                                "confirmed"),
    "urgent": Bool(description="SMS also in the quiet hours"),
    "send_at": DateTime(description="When to send once approved and sent; absent: at once"),
    "survey_id": Str(max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$"),
}
CAMPAIGN = Obj(_FIELDS, description="A new campaign (a draft)")
CAMPAIGN_CHANGE = Obj({**_FIELDS, "version": Int(required=True, minimum=1)},
                      description="A draft's new content (its author only)")
VERSION = Obj({"version": Int(required=True, minimum=1,
                              description="As last read (409 with current_version otherwise)")})
REJECTION = Obj({"version": Int(required=True, minimum=1),
                 "reason": Str(required=True, min_length=1, max_length=2000, multiline=True)})
TEST_SEND = Obj({"language": Str(max_length=8, enum=LANGUAGES)},
                description="The language to test (default: one's own)")
CALL = Obj({"outcome": Str(required=True, enum=tuple(o.value for o in CallOutcome)),
            "note": Str(max_length=2000, multiline=True)})

LIST_QUERY = Obj({"state": Str(enum=tuple(s.value for s in CampaignState)),
                  "limit": Int(minimum=1, maximum=200, from_text=True),
                  "cursor": Str(max_length=400), "lang": Str(max_length=8)})
RECIPIENT_QUERY = Obj({"state": Str(enum=tuple(s.value for s in RecipientState)),
                       "limit": Int(minimum=1, maximum=200, from_text=True),
                       "cursor": Str(max_length=400), "lang": Str(max_length=8),
                       "format": Str(enum=("json", "csv"))})
PAGE_QUERY = Obj({"limit": Int(minimum=1, maximum=200, from_text=True),
                  "cursor": Str(max_length=400), "lang": Str(max_length=8)})

_COUNTS = Obj({"state": Obj({s.value: Int() for s in RecipientState}),
               "channel": Obj({c: Obj({s: Int() for s in ("sent", "delivered", "bounced", "failed")})
                               for c in CHANNELS}),
               "language": Obj({language: Obj({s.value: Int() for s in RecipientState})
                                for language in LANGUAGES}),
               "area": Obj({}, description="Per area id: counts by state"),
               "call": Obj({o.value: Int() for o in CallOutcome})})
CAMPAIGN_RESULT = Obj({
    "id": Str(required=True), "title": Str(), "audience_id": Str(),
    "messages": Obj({language: MESSAGE for language in LANGUAGES}), "channels": Arr(Str()),
    "urgent": Bool(), "send_at": Str(format="date-time"), "survey_id": Str(),
    "state": Str(enum=tuple(s.value for s in CampaignState)), "version": Int(),
    "author": Str(), "created_at": Str(format="date-time"), "updated_at": Str(format="date-time"),
    "submitted_at": Str(format="date-time"), "approved_by": Str(),
    "approved_at": Str(format="date-time"), "rejection": Str(),
    "started_at": Str(format="date-time"), "completed_at": Str(format="date-time"),
    "cancelled_at": Str(format="date-time"), "cancelled_by": Str(),
    "progress": Obj({"planned": Bool(), "recipients": Int(), "open": Int(), "delivered": Int(),
                     "unreachable": Int(), "percent_done": Num()}),
    "counts": _COUNTS})
CAMPAIGN_PAGE = Obj({"items": Arr(CAMPAIGN_RESULT, max_items=200), "next_cursor": Str()})
_STEP = Obj({"at": Str(format="date-time"), "state": Str(), "channel": Str(), "detail": Str(),
             "message_id": Str()})
RECIPIENT = Obj({
    "key": Str(required=True), "name": Str(), "language": Str(), "area": Str(), "email": Str(),
    "phone": Str(), "state": Str(enum=tuple(s.value for s in RecipientState)),
    "channel": Str(), "channels": Arr(Str()), "steps": Arr(_STEP, max_items=50),
    "call_outcome": Str(), "call_note": Str(), "called_by": Str(),
    "called_at": Str(format="date-time")})
RECIPIENT_PAGE = Obj({"items": Arr(RECIPIENT, max_items=200), "next_cursor": Str()})
TEST_RESULT = Obj({"to": Str(), "language": Str(), "mail_id": Str(), "sms_preview": Str(),
                   "sms_parts": Int()})
ESTIMATE = Obj({"recipients": Int(), "by_language": Obj({lang: Int() for lang in LANGUAGES}),
                "first_channel": Obj({c: Int() for c in CHANNELS}), "unreachable": Int(),
                "sms": Obj({lang: Obj({"encoding": Str(), "parts": Int(), "characters": Int()})
                            for lang in LANGUAGES}),
                "cost": Obj({"mail": Num(), "sms": Num(), "total": Num(), "currency": Str()})})
