"""Request and answer schemas of residents' alert subscriptions (``/v1/public/alerts``); the same
objects validate requests and render OpenAPI."""

from __future__ import annotations

from ..domain.alerts import MAX_AREAS, MAX_TOPICS
from ..domain.cases import LANGUAGES
from .schemas import PHONE_PATTERN
from .validation import Arr, Int, Num, Obj, Str

ALERT_ID_PATTERN = r"^[0-9a-f]{24}$"
#: A subscription's token (``<id>.<random>``) or, for the unsubscribe, a contact list entry's
#: (``cl.<random>``, ``services/contact_lists.py``): the links in campaign messages carry either.
ALERT_TOKEN_PATTERN = r"^(?:[0-9a-f]{24}\.[A-Za-z0-9_-]{32}|cl\.[A-Za-z0-9_-]{24})$"
CHANNELS = ("email", "sms")

POINT = Obj({
    "lat": Num(required=True, minimum=-90, maximum=90, description="Latitude, WGS 84"),
    "lon": Num(required=True, minimum=-180, maximum=180, description="Longitude, WGS 84"),
}, description="A place on the map, inside the municipality (else 400 `point` / "
               "`outside_municipality`)")

_TOPICS = Arr(Str(max_length=32), max_items=MAX_TOPICS, required=True,
              description="Alert topic ids (`GET /v1/public/alerts/options`), at least one")
_AREAS = Arr(Str(max_length=64), max_items=MAX_AREAS,
             description="Area ids of the configuration; with `point`, either or both")

SUBSCRIBE = Obj({
    "topics": _TOPICS,
    "areas": _AREAS,
    "point": POINT,
    "email": Str(max_length=254, format="email", description="Confirmed by a mailed link"),
    "phone": Str(max_length=40, pattern=PHONE_PATTERN,
                 description="A mobile number, confirmed by a six-digit code sent by SMS"),
    "language": Str(max_length=8, enum=LANGUAGES,
                    description="Language of the alerts (default: the request's language)"),
    "name": Str(max_length=100, description="Optional: how alerts greet the resident"),
}, description="Subscribe to alerts: `email` and/or `phone`, areas and/or a point, topics")

SMS_CODE = Obj({"code": Str(required=True, max_length=6, description="The six digits of the SMS")},
               description="Confirm the phone number")

TOKEN = Obj({"token": Str(required=True, max_length=100, pattern=ALERT_TOKEN_PATTERN,
                          description="The subscription's token (the mailed link; every alert)")},
            description="The subscription's token")

TOKEN_QUERY = Obj({"token": Str(max_length=100, pattern=ALERT_TOKEN_PATTERN,
                                description="The subscription's token")},
                  description="The subscription's token in the query string")

CHANGE = Obj({
    "token": Str(required=True, max_length=100, pattern=ALERT_TOKEN_PATTERN),
    "topics": _TOPICS,
    "areas": _AREAS,
    "point": POINT,
    "channels": Arr(Str(max_length=8, enum=CHANNELS), max_items=2, required=True,
                    description="The channels to keep (of the subscription's own); a dropped "
                                "channel's address is erased"),
    "language": Str(max_length=8, enum=LANGUAGES),
}, description="Replace the subscription's choices")

# -- answers -----------------------------------------------------------------------------------

SUBSCRIBED = Obj({
    "id": Str(required=True, description="The subscription's id (to confirm the SMS code with)"),
    "status": Str(required=True, enum=("pending",)),
    "awaiting": Arr(Str(enum=CHANNELS), required=True,
                    description="The channels waiting for their confirmation"),
}, description="The same whatever the address or number was")

SUBSCRIPTION = Obj({
    "id": Str(required=True),
    "status": Str(required=True, enum=("pending", "active", "ended")),
    "language": Str(required=True),
    "topics": Arr(Obj({"id": Str(), "name": Str()}), required=True),
    "areas": Arr(Obj({"id": Str(), "name": Str()}), required=True),
    "point": Obj({"lat": Num(), "lon": Num()}, description="`null` without one"),
    "point_areas": Arr(Obj({"id": Str(), "name": Str()}),
                       description="The areas the point lies in"),
    "channels": Arr(Obj({"channel": Str(enum=CHANNELS), "state": Str(enum=("pending", "confirmed")),
                         "address": Str(description="Masked: `p•••@example.rs`, `+381•••67`")}),
                    required=True),
    "name": Str(),
    "token": Str(description="Only in the answer to a confirmed SMS code"),
}, description="A subscription as its token's holder sees it")

SENT = Obj({"status": Str(required=True, enum=("pending",))}, description="A new code is on its way")

OPTIONS = Obj({
    "language": Str(required=True),
    "topics": Arr(Obj({"id": Str(), "name": Str()}), required=True),
    "areas": Arr(Obj({"id": Str(), "kind": Str(), "name": Str()}), required=True),
    "code_length": Int(), "code_minutes": Int(), "pending_days": Int(),
}, description="What can be subscribed to")
