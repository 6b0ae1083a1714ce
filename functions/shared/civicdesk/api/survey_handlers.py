"""The surveys' routes (``functions/api/app.py`` registers them from ``route_tables.SURVEYS``):
parse, one service call, shape. A CSV answer is text, not JSON."""

from __future__ import annotations

from . import survey_views as sv
from .console_handlers import Answer, Call

_NO_STORE = {"Cache-Control": "private, no-store"}


def _service(call: Call):
    return call.services.survey_service()


def admin_list_surveys(call: Call) -> Answer:
    return sv.survey_list(_service(call).surveys(call.principal())), 200, {}


def admin_create_survey(call: Call) -> Answer:
    principal = call.principal(writes=True)
    survey = _service(call).create(principal, sv.write_survey(call.body()))
    return sv.survey_view(survey), 201, {"Location": f"/v1/admin/surveys/{survey.survey_id}"}


def admin_survey(call: Call) -> Answer:
    survey = _service(call).survey(call.principal(), call.path["survey_id"])
    return sv.survey_view(survey), 200, {"ETag": f'"{survey.version}"'}


def admin_update_survey(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = sv.write_survey(call.body(), call.path["survey_id"])
    return sv.survey_view(_service(call).update(principal, command)), 200, {}


def admin_delete_survey(call: Call) -> Answer:
    principal = call.principal(writes=True)
    _service(call).delete(principal, sv.change_survey(call.path["survey_id"], call.body()))
    return {"deleted": True}, 200, {}


def admin_open_survey(call: Call) -> Answer:
    principal = call.principal(writes=True)
    survey = _service(call).open(principal, sv.change_survey(call.path["survey_id"], call.body()))
    return sv.survey_view(survey), 200, {}


def admin_close_survey(call: Call) -> Answer:
    principal = call.principal(writes=True)
    survey = _service(call).close(principal, sv.change_survey(call.path["survey_id"], call.body()))
    return sv.survey_view(survey), 200, {}


def admin_survey_calls(call: Call) -> Answer:
    found = _service(call).call_list(call.principal(), call.path["survey_id"])
    return sv.call_list_view(found), 200, _NO_STORE


def admin_refresh_survey_calls(call: Call) -> Answer:
    principal = call.principal(writes=True)
    found = _service(call).refresh_call_list(principal, call.path["survey_id"])
    return sv.call_list_view(found), 200, {}


def admin_next_survey_call(call: Call) -> Answer:
    principal = call.principal(writes=True)
    service = _service(call)
    survey_id = call.path["survey_id"]
    claimed = service.next_call(principal, survey_id)
    survey = service.survey(principal, survey_id)
    municipality = call.services.municipality_provider().get()
    return sv.next_call_view(claimed, survey, municipality), 200, _NO_STORE


def admin_record_survey_call(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = sv.record_call(call.path["survey_id"], call.path["member_key"], call.body())
    return {"call": sv.call_view(_service(call).record_call(principal, command))}, 200, {}


def admin_survey_results(call: Call) -> tuple[dict | str, int, dict]:
    principal = call.principal()
    cleaned = sv.ss.RESULTS_QUERY.validate(dict(call.params))
    service = _service(call)
    results = service.results(principal, call.path["survey_id"])
    survey = service.survey(principal, call.path["survey_id"])
    municipality = call.services.municipality_provider().get()
    language = call.language()
    if cleaned.get("format") == "csv":
        return sv.results_csv(survey, results, municipality, language), 200, sv.csv_headers(survey)
    return sv.results_view(survey, results, municipality, language), 200, _NO_STORE


def public_survey(call: Call) -> Answer:
    cleaned = sv.ss.PUBLIC_QUERY.validate(dict(call.params))
    opened = _service(call).open_invitation(call.path["token"], cleaned.get("lang"))
    municipality = call.services.municipality_provider().get()
    view = sv.local_survey(opened.survey, opened.language, municipality.default_language)
    view["languages"] = list(municipality.languages)
    return view, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def public_answer_survey(call: Call) -> Answer:
    response = _service(call).answer(call.path["token"], sv.public_answers(call.body()))
    return ({"recorded": True, "answered_at": sv.iso(response.answered_at)}, 201,
            {"Cache-Control": "no-store"})
