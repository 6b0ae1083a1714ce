"""The surveys' operations of the OpenAPI document (``openapi_operations.OPERATIONS``)."""

from __future__ import annotations

from . import survey_schemas as ss
from .operation import Operation

_WRITE = (400, 401, 403, 404, 409, 413, 415)
_DESIGN = (("title.<lang>", "required", "opening: a text missing in one of the municipality's languages"),
           ("channels", "survey_sms_one_question", "SMS takes one question answered with one digit"),
           ("audience_id", "required", "opening: no audience"))

OPERATIONS = (
    Operation("GET", "/v1/admin/surveys", "listSurveys", "staff", "Every survey, newest first",
              ss.SURVEY_LIST, staff=True, errors=(401, 403)),
    Operation("POST", "/v1/admin/surveys", "createSurvey", "staff",
              "A new survey, as a draft (supervisors, administrators)", ss.SURVEY, 201,
              body=ss.SURVEY_DESIGN, staff=True, errors=(400, 401, 403, 413, 415), refusals=_DESIGN[:2],
              description="A draft may lack texts in some languages; opening checks them all."),
    Operation("GET", "/v1/admin/surveys/{survey_id}", "getSurvey", "staff", "One survey",
              ss.SURVEY, staff=True, errors=(401, 403, 404)),
    Operation("PUT", "/v1/admin/surveys/{survey_id}", "updateSurvey", "staff",
              "Change a draft read at `version`", ss.SURVEY, body=ss.SURVEY_CHANGE, staff=True,
              errors=_WRITE, refusals=_DESIGN[:2],
              description="409 `conflict` with `current_version` when it changed since; 409 "
                          "`invalid_transition` once it is open."),
    Operation("DELETE", "/v1/admin/surveys/{survey_id}", "deleteSurvey", "staff",
              "Delete a draft", ss.DELETED, body=ss.SURVEY_VERSION, staff=True, errors=_WRITE,
              body_required=False),
    Operation("POST", "/v1/admin/surveys/{survey_id}/open", "openSurvey", "staff",
              "Open a complete draft; a phone survey's call list is built from its audience",
              ss.SURVEY, body=ss.SURVEY_VERSION, staff=True, errors=_WRITE, refusals=_DESIGN,
              body_required=False),
    Operation("POST", "/v1/admin/surveys/{survey_id}/close", "closeSurvey", "staff",
              "Close an open survey: no answer is taken after", ss.SURVEY,
              body=ss.SURVEY_VERSION, staff=True, errors=_WRITE, body_required=False),
    Operation("GET", "/v1/admin/surveys/{survey_id}/calls", "getSurveyCallList", "staff",
              "A phone survey's call list: calls per state", ss.CALL_LIST, staff=True,
              errors=(401, 403, 404)),
    Operation("POST", "/v1/admin/surveys/{survey_id}/calls", "refreshSurveyCallList", "staff",
              "Add the audience's members who joined since the list was built", ss.CALL_LIST,
              staff=True, errors=(401, 403, 404, 409, 415), body_required=False),
    Operation("POST", "/v1/admin/surveys/{survey_id}/calls/next", "nextSurveyCall", "staff",
              "Claim the next contact to call, with the script and the questions",
              ss.NEXT_CALL, staff=True, errors=(401, 403, 404, 409, 415), body_required=False,
              description="Call-backs whose time came first, then the others by due time. The "
                          "claim is a conditional write: two operators never get the same "
                          "contact; a claim not finished within 15 minutes lapses."),
    Operation("POST", "/v1/admin/surveys/{survey_id}/calls/{member_key}/outcome",
              "recordSurveyCall", "staff", "What came of a claimed call", ss.CALL_RESULT,
              body=ss.CALL_OUTCOME, staff=True, errors=_WRITE,
              refusals=(("call_back_at", "survey_outside_working_hours", "outside the working hours"),
                        ("outcome", "survey_too_many_call_backs", "three call-backs already")),
              description="No answer and busy are retried at least 2 hours later in working "
                          "hours, 3 attempts in all. 409 `conflict` when the claim lapsed and "
                          "another operator took the call, or the member answered another way."),
    Operation("GET", "/v1/admin/surveys/{survey_id}/results", "getSurveyResults", "staff",
              "The results: counts and shares, response rates by channel, breakdowns, free text",
              ss.RESULTS, query=ss.RESULTS_QUERY, staff=True, errors=(400, 401, 403, 404), csv=True,
              description="Free-text answers are redacted. `format=csv`: the same as a UTF-8 CSV "
                          "with a byte order mark."),
    Operation("GET", "/v1/public/surveys/{token}", "getInvitedSurvey", "public",
              "The survey behind a one-time link, in the recipient's language", ss.LOCAL_SURVEY,
              query=ss.PUBLIC_QUERY, errors=(400, 404, 409),
              description="404 for an unknown link; 409 when it was answered or the survey is "
                          "closed (the message says which)."),
    Operation("POST", "/v1/public/surveys/{token}", "answerInvitedSurvey", "public",
              "Answer through a one-time link: the first answer counts", ss.ANSWER_RECORDED, 201,
              body=ss.PUBLIC_ANSWERS, errors=(400, 404, 409, 413, 415),
              refusals=(("answers.<id>", "required", "a required question left unanswered"),
                        ("answers.<id>", "survey_unknown_option", "no such option"))),
)
