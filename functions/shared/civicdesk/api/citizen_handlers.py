"""The requester's answers on the tracking page (``functions/api/app.py`` registers them from
``route_tables.CITIZEN``): parse, one service call, shape the answer as the tracking page's."""

from __future__ import annotations

import re

from ..domain.errors import BadRequestError
from . import citizen_schemas as s
from .case_views import tracked
from .console_handlers import Answer, Call

_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{8,100}$")
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _answer(call: Call, kind: str, schema, text_field: str) -> Answer:
    from ..services.citizen_answers import CitizenAnswer

    key = (call.headers or {}).get("idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise BadRequestError("error.idempotency_key")
    cleaned = schema.validate(call.body())
    command = CitizenAnswer(number=call.path["number"], token=cleaned["token"],
                            text=cleaned[text_field], kind=kind, idempotency_key=key)
    found = call.services.citizen_answer_service().answer(command)
    municipality = call.services.municipality_provider().get()
    return tracked(found, municipality, call.params.get("lang") or call.language()), 201, _NO_STORE


def public_answer_case(call: Call) -> Answer:
    return _answer(call, "reply", s.MESSAGE, "text")


def public_reopen_case(call: Call) -> Answer:
    return _answer(call, "reopening", s.REOPENING, "reason")
