"""The OpenAPI operations and schemas of the administrators' Open311 key routes
(``/v1/admin/open311/keys``). The GeoReport v2 routes themselves (``/open311/v2/``, their own
function) follow the Open311 specification and are described in docs/open311.md."""

from __future__ import annotations

from .operation import Operation
from .validation import Arr, Bool, Obj, Str

KEY_ID_PATTERN = r"^[a-z0-9]{8}$"

NEW_KEY = Obj({
    "name": Str(required=True, min_length=1, max_length=100, description="The app, as staff know it"),
    "contact": Str(required=True, min_length=1, max_length=200,
                   description="Who answers for the app: an address or a name"),
})
KEY = Obj({
    "key_id": Str(pattern=KEY_ID_PATTERN), "name": Str(), "contact": Str(),
    "created_at": Str(format="date-time"), "created_by": Str(),
    "revoked_at": Str(format="date-time", description="null while the key works"),
    "active": Bool(),
})
ISSUED_KEY = Obj({**KEY.fields, "api_key": Str(description="The key itself: shown this once, "
                                                           "only its SHA-256 is kept")})
KEY_LIST = Obj({"keys": Arr(KEY, max_items=500)})

OPERATIONS = (
    Operation("GET", "/v1/admin/open311/keys", "listOpen311Keys", "staff",
              "The API keys issued to Open311 apps, revoked ones too (administrators)", KEY_LIST,
              staff=True, errors=(401, 403)),
    Operation("POST", "/v1/admin/open311/keys", "issueOpen311Key", "staff",
              "Issue an API key to an app (administrators); the key is in this answer only",
              ISSUED_KEY, 201, body=NEW_KEY, staff=True, errors=(400, 401, 403, 413, 415)),
    Operation("DELETE", "/v1/admin/open311/keys/{key_id}", "revokeOpen311Key", "staff",
              "Revoke an app's key: its next POST requests is refused (403)", KEY, staff=True,
              errors=(401, 403, 404)),
)
