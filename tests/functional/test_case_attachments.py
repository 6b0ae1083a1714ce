"""A mailed case's attachments opened by staff: the case view names each kept file with an id,
GET /v1/admin/cases/{number}/attachments/{id} answers a short-lived presigned link that serves
the file with its type and name; access is the case's, and ids of other cases or refused files
answer 404. In-process under moto, as API Gateway calls the function after its authorizer."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.functional.test_mail_intake import build_mail, ingest  # noqa: F401 (fixture)
from tests.support.admin import AdminApi, Staff

PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def staff(aws_env):
    return Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])


@pytest.fixture
def mailed(ingest):  # noqa: F811 (the fixture imported above)
    """A mailed case (public utilities: rubbish) with a photo, a PDF and a refused program."""
    result, _ = ingest(build_mail(attachments=[("Рупа на путу.jpg", "image/jpeg", PHOTO),
                                               ("zapisnik.pdf", "application/pdf", PDF),
                                               ("racun.pdf.exe", "application/octet-stream", b"MZ" + b"\0" * 64)]))
    return result["case_number"]


def files_of(case: dict) -> list[dict]:
    [message] = [e for e in case["timeline"] if e["kind"] == "message_in"]
    return message["data"]["attachments"]


def test_staff_open_a_photo_in_the_page_and_download_a_pdf_by_its_name(staff, mailed):
    operator = staff.add("operator.ana", "operator")
    case = operator.get(f"/v1/admin/cases/{mailed}").body
    photo, pdf, program = files_of(case)
    assert program["refused"] == "dangerous_type" and "id" not in program
    assert photo["id"].endswith("-0") and pdf["id"].endswith("-1")

    answer = operator.get(f"/v1/admin/cases/{mailed}/attachments/{photo['id']}")
    assert answer.status == 200, answer.body
    assert answer.headers["Cache-Control"] == "private, no-store"
    link = answer.body
    assert (link["filename"], link["content_type"], link["disposition"], link["size"]) == (
        "Рупа на путу.jpg", "image/jpeg", "inline", len(PHOTO))
    query = parse_qs(urlsplit(link["url"]).query)
    assert query["response-content-type"] == ["image/jpeg"]
    assert query["response-content-disposition"][0].startswith('inline; filename="Rupa na putu.jpg"')
    assert query["X-Amz-Expires"] == ["300"]
    served = requests.get(link["url"], timeout=10)  # moto answers the presigned GET
    assert served.status_code == 200 and served.content == PHOTO
    assert served.headers["Content-Type"] == "image/jpeg"

    pdf_link = operator.get(f"/v1/admin/cases/{mailed}/attachments/{pdf['id']}").body
    assert pdf_link["disposition"] == "attachment"
    served = requests.get(pdf_link["url"], timeout=10)
    assert served.content == PDF and served.headers["Content-Type"] == "application/pdf"
    # S3 answers the signed response-content-disposition as its header (moto ignores it).
    assert parse_qs(urlsplit(pdf_link["url"]).query)["response-content-disposition"] == [
        "attachment; filename=\"zapisnik.pdf\"; filename*=UTF-8''zapisnik.pdf"]


def test_a_refused_file_another_cases_id_and_a_forged_id_answer_404(staff, mailed, ingest):  # noqa: F811
    operator = staff.add("operator.ana", "operator")
    photo, _, _ = files_of(operator.get(f"/v1/admin/cases/{mailed}").body)
    other, _ = ingest(build_mail(sender="jovana@example.rs", subject="Друго", text="Још један проблем у Улици Николе Тесле 9, смеће."))
    entry_id = photo["id"].split("-")[0]
    for path in (f"/v1/admin/cases/{mailed}/attachments/{entry_id}-2",  # refused
                 f"/v1/admin/cases/{mailed}/attachments/{entry_id}-9",  # no such file
                 f"/v1/admin/cases/{other['case_number']}/attachments/{photo['id']}",  # another case
                 f"/v1/admin/cases/{mailed}/attachments/..%2F..%2Fx-0",
                 "/v1/admin/cases/2026-999999/attachments/" + photo["id"]):
        answer = operator.get(path)
        assert answer.status == 404, (path, answer.body)
        assert "url" not in answer.body


def test_access_is_the_cases_own(staff, mailed):
    case = staff.add("operator.ana", "operator").get(f"/v1/admin/cases/{mailed}").body
    photo = files_of(case)[0]
    path = f"/v1/admin/cases/{mailed}/attachments/{photo['id']}"
    department = case["department"]
    other = "roads_traffic" if department != "roads_traffic" else "public_utilities"
    outsider = staff.add("agent.other", "department_agent", departments=(other,))
    insider = staff.add("agent.own", "department_agent", departments=(department,))
    assert outsider.get(path).status == 403
    assert outsider.get("/v1/admin/cases/2026-999999/attachments/" + photo["id"]).status == 403
    assert insider.get(path).status == 200
    assert staff.api.call("GET", path).status == 401
    # A deleted case's files are gone for all but administrators.
    admin = staff.add("admin.petar", "administrator")
    assert admin.delete(f"/v1/admin/cases/{mailed}", {"reason": "Test", "version": case["version"]}).status == 200
    assert insider.get(path).status == 403
    assert admin.get(path).status == 200


def test_the_case_view_says_which_transitions_are_allowed_and_the_organisation_lists_bodies(staff, mailed):
    operator = staff.add("operator.ana", "operator")
    case = operator.get(f"/v1/admin/cases/{mailed}", "lang=en").body
    assert case["status"] == "new"
    assert [t["status"] for t in case["allowed_transitions"]] == [
        "in_progress", "waiting_for_citizen", "referred", "resolved", "cancelled"]
    assert case["allowed_transitions"][0]["status_name"] == "In progress"
    answer = operator.get("/v1/admin/organisation", "lang=en")
    # Kept for five minutes by the browser, one copy per language and staff member: a console
    # switching language never shows the old one's names.
    assert answer.headers["Vary"] == "Accept-Language, Authorization"
    organisation = answer.body
    ids = [d["id"] for d in organisation["departments"]]
    assert "roads_traffic" in ids and case["department"] in ids
    bodies = {b["id"]: b for b in organisation["external_bodies"]}
    assert bodies["opstina_lipovo"] == {"id": "opstina_lipovo", "kind": "municipality",
                                        "name": "Municipality of Lipovo",
                                        "email": "pisarnica@lipovo.example.rs"}
    assert staff.api.call("GET", "/v1/admin/organisation").status == 401
