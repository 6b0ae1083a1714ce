"""The administrators' routes for Open311's API keys (``functions/api/app.py`` registers them from
``route_tables.OPEN311``): issue a key to an app (shown once), list them, revoke one."""

from __future__ import annotations

import re

from ..domain.errors import FieldError, NotFoundError, ValidationError
from .console_handlers import Answer, Call
from .open311_views import key_view

_NO_STORE = {"Cache-Control": "no-store"}
_KEY_ID = re.compile(r"^[a-z0-9]{8}$")


def admin_list_open311_keys(call: Call) -> Answer:
    keys = call.services.open311_key_service().list_keys(call.principal())
    return {"keys": [key_view(key) for key in keys]}, 200, _NO_STORE


def admin_issue_open311_key(call: Call) -> Answer:
    from .open311_operations import NEW_KEY

    fields = NEW_KEY.validate(call.body())
    blank = [FieldError(name, "required") for name in ("name", "contact") if not fields[name].strip()]
    if blank:
        raise ValidationError(blank)
    issued = call.services.open311_key_service().issue_key(call.principal(writes=True),
                                                       fields["name"].strip(), fields["contact"].strip())
    return {**key_view(issued.key), "api_key": issued.secret}, 201, _NO_STORE


def admin_revoke_open311_key(call: Call) -> Answer:
    key_id = call.path["key_id"]
    if not _KEY_ID.match(key_id):
        raise NotFoundError("open311_error.unknown_key")
    revoked = call.services.open311_key_service().revoke_key(call.principal(writes=True), key_id)
    return key_view(revoked), 200, _NO_STORE
