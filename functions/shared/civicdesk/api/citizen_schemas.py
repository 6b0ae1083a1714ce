"""The requester's answers on the tracking page (issue 16, item 5): request schemas, the view
they answer, and their OpenAPI operations (``openapi_operations.OPERATIONS``)."""

from __future__ import annotations

from .operation import Operation
from .response_schemas import PUBLIC_CASE_VIEW
from .validation import Obj, Str

#: The longest message or reason (the web form's description has the same limit).
MAX_TEXT = 5000
#: A reopening says what is still wrong: at least a few words.
MIN_REASON = 10

_TOKEN = Str(required=True, max_length=200,
             description="The case's tracking token (the `token` of the tracking link)")

MESSAGE = Obj({
    "token": _TOKEN,
    "text": Str(required=True, min_length=1, max_length=MAX_TEXT, multiline=True,
                description="What the requester adds, or their answer to the municipality's question"),
}, description="The requester's message on an open case")

REOPENING = Obj({
    "token": _TOKEN,
    "reason": Str(required=True, min_length=MIN_REASON, max_length=MAX_TEXT, multiline=True,
                  description="Why the case is not solved"),
}, description="Reopen a resolved case within the municipality's reopen window")

_IDEMPOTENCY = (("Idempotency-Key", "Repeat a request safely: the same key writes nothing again "
                                    "and answers the case as after the first (8-100 letters, "
                                    "digits or dashes)"),)
_TOKEN_RULES = ("A private case answers 404 without its valid token (as the tracking page does), "
                "a public one 403 `forbidden`.")

OPERATIONS = (
    Operation("POST", "/v1/public/cases/{number}/messages", "answerCase", "public",
              "The requester adds information or answers the municipality's question",
              PUBLIC_CASE_VIEW, 201, body=MESSAGE, errors=(400, 403, 404, 409, 413, 415),
              headers=_IDEMPOTENCY,
              description="Written to the case as a message from the citizen (channel `web`); a "
                          "case waiting for the citizen goes back to work and its service-level "
                          "clocks run again. Answers the case as `GET` with the token does. "
                          "409 `case_resolved` (reopen it instead), `case_closed`, `case_merged`. "
                          + _TOKEN_RULES),
    Operation("POST", "/v1/public/cases/{number}/reopening", "reopenCase", "public",
              "The requester reopens a resolved case within the reopen window",
              PUBLIC_CASE_VIEW, 201, body=REOPENING, errors=(400, 403, 404, 409, 413, 415),
              headers=_IDEMPOTENCY,
              description="Within the municipality's `reopen_window_days` of the resolution "
                          "(`reopen_until` of the tracked case). 409 `reopen_window_passed` after "
                          "it, `case_closed` for a closed or cancelled case (a new report is "
                          "needed), `case_not_resolved` for an open one. " + _TOKEN_RULES),
)
