"""Photos and documents on the web form (docs/photos.md), in-process under moto: a presigned
POST per file whose policy binds the type, the name and the size; the browser's POST to S3; a
report that names the uploads (each checked against what S3 holds, refused by name when
unknown, of another type than its bytes, or too many); the citizen's own files behind the
token; staff publishing a copy without metadata and withdrawing it.

moto accepts a POST whatever its policy says (it checks neither the signature's conditions nor
the size range): the policy document is checked here as S3 would read it, and the server's own
check of what arrived (size, first bytes) is tested with files that break the policy."""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from tests.support import aws
from tests.support import photos as images
from tests.support.admin import AdminApi, Staff

REPORT = {"type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
          "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
          "contact": {"name": "Петар Петровић", "email": "petar@example.rs"}}


@pytest.fixture
def api(aws_env):
    return AdminApi()


@pytest.fixture
def staff(api):
    return Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"])


def store_url(url: str) -> str:
    """What CloudFront does with the portal's ``/media-upload`` and ``/media-files`` paths: the
    prefix goes, the rest goes to the attachments bucket's own host (template.yaml)."""
    base = boto3.client("s3", region_name=aws.REGION).generate_presigned_post(
        os.environ["CIVICDESK_ATTACHMENTS_BUCKET"], "x")["url"]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    for prefix in ("http://portal.test/media-upload", "http://portal.test/media-files"):
        if url.startswith(prefix):
            return origin + url[len(prefix):]
    raise AssertionError(f"not on the portal's origin: {url}")


def upload(api: AdminApi, name: str, content_type: str, data: bytes, *, declared: str | None = None,
           size: int | None = None) -> str:
    """Sign, then POST the file to S3 as the browser does; the upload id."""
    signed = api.call("POST", "/v1/public/uploads", {"filename": name, "content_type": declared or content_type,
                                                     "size": len(data) if size is None else size})
    assert signed.status == 201, signed.body
    assert signed.body["url"].startswith("http://portal.test/media-upload/")
    posted = requests.post(store_url(signed.body["url"]), data=signed.body["fields"],
                           files={"file": (name, data, content_type)}, timeout=10)
    assert posted.status_code == 204, posted.text
    return signed.body["upload_id"]


def report(api: AdminApi, attachments: list[str], **changes) -> object:
    return api.call("POST", "/v1/public/cases", {**REPORT, **changes, "attachments": attachments})


def opening(case: dict) -> dict:
    [entry] = [e for e in case["timeline"] if e["kind"] == "case_opened"]
    return entry


def test_the_signed_post_binds_key_type_name_and_size(api):
    answer = api.call("POST", "/v1/public/uploads", {"filename": "Рупа 1.jpg", "content_type": "image/jpg", "size": 5000})
    assert answer.status == 201, answer.body
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.body
    assert len(body["upload_id"]) == 32 and (body["max_bytes"], body["max_files"]) == (10485760, 3)
    fields = body["fields"]
    assert fields["key"] == f"uploads/{body['upload_id']}" and fields["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": fields["key"]} in conditions and {"Content-Type": "image/jpeg"} in conditions
    assert {"x-amz-meta-filename": "%D0%A0%D1%83%D0%BF%D0%B0%201.jpg"} in conditions
    assert ["content-length-range", 1, 10485760] in conditions
    assert {"bucket": os.environ["CIVICDESK_ATTACHMENTS_BUCKET"]} in conditions
    assert policy["expiration"] and fields["x-amz-signature"]


@pytest.mark.parametrize(("request_body", "field", "code"), [
    ({"filename": "a.html", "content_type": "text/html", "size": 10}, "content_type", "photo_unsupported_type"),
    ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 10485761}, "size", "photo_too_large"),
    ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 0}, "size", "photo_empty"),
    ({"filename": "a.jpg", "content_type": "image/jpeg"}, "size", "required"),
])
def test_an_upload_the_form_does_not_take_is_refused_by_field(api, request_body, field, code):
    answer = api.call("POST", "/v1/public/uploads", request_body, headers={"Accept-Language": "sr-Latn"})
    assert answer.status == 400 and answer.fields == {field: code}
    assert answer.body["error"]["fields"][0]["message"]


def test_a_report_with_two_photos_lists_them_for_staff_and_the_citizen(api, staff):
    photo = images.jpeg(gps=(44.0195, 20.918))
    first = upload(api, "Расвета.jpg", "image/jpeg", photo)
    second = upload(api, "ulica.png", "image/png", images.png())
    opened = report(api, [first, second])
    assert opened.status == 201, opened.body
    number, token = opened.body["number"], opened.body["token"]

    case = staff.add("operator.ana", "operator").get(f"/v1/admin/cases/{number}").body
    listed = opening(case)["data"]["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in listed] == [
        ("Расвета.jpg", "image/jpeg", len(photo)), ("ulica.png", "image/png", len(images.png()))]
    assert listed[0]["gps"] == {"lat": 44.0195, "lon": 20.918} and "gps" not in listed[1]
    assert listed[0]["key"].startswith(f"cases/{number}/web/000-") and listed[0]["id"].endswith("-0")
    assert case["published_photos"] == []
    # the console's existing attachment route opens them
    link = staff.add("operator.bob", "operator").get(f"/v1/admin/cases/{number}/attachments/{listed[0]['id']}").body
    assert link["disposition"] == "inline" and requests.get(link["url"], timeout=10).content == photo

    mine = api.call("GET", f"/v1/public/cases/{number}/attachments", query=f"token={token}")
    assert mine.status == 200 and mine.headers["Cache-Control"] == "no-store"
    items = mine.body["items"]
    assert [(i["filename"], i["inline"], i["published"]) for i in items] == [
        ("Расвета.jpg", True, False), ("ulica.png", True, False)]
    assert items[0]["gps"] == {"lat": 44.0195, "lon": 20.918}
    assert parse_qs(urlsplit(items[0]["url"]).query)["X-Amz-Expires"] == ["600"]
    assert items[1]["url"].startswith("http://portal.test/media-files/")
    assert requests.get(store_url(items[1]["url"]), timeout=10).content == images.png()
    # without the token a public case shows no private file
    assert api.call("GET", f"/v1/public/cases/{number}/attachments").body == {"items": []}
    assert api.call("GET", f"/v1/public/cases/{number}/attachments", query="token=" + "x" * 43).body == {"items": []}


def test_unknown_mismatched_and_too_many_uploads_are_refused_by_name(api):
    good = upload(api, "a.jpg", "image/jpeg", images.jpeg())
    # a page posted as a photo: the policy's type matched, the bytes did not
    html = upload(api, "b.jpg", "image/jpeg", b"<html><script>alert(1)</script></html>")
    answer = report(api, [good, html, "0" * 32])
    assert answer.status == 400
    assert answer.fields == {"attachments[1]": "photo_type_mismatch", "attachments[2]": "photo_unknown_upload"}
    answer = report(api, [good, "not-an-id"])
    assert answer.status == 400 and "attachments[1]" in answer.fields
    many = [upload(api, f"{i}.jpg", "image/jpeg", images.jpeg()) for i in range(4)]
    answer = report(api, many, language="en")
    assert answer.status == 400 and answer.fields == {"attachments": "photo_too_many"}
    assert "3" in answer.body["error"]["fields"][0]["message"]
    # nothing was copied for the refused reports
    s3 = boto3.client("s3", region_name=aws.REGION)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=os.environ["CIVICDESK_ATTACHMENTS_BUCKET"]).get("Contents", [])]
    assert keys and all(key.startswith("uploads/") for key in keys)


def test_a_file_over_the_limit_that_slipped_past_the_policy_is_refused(api, monkeypatch):
    # moto does not apply content-length-range: the server's own check of what arrived must
    big = upload(api, "big.jpg", "image/jpeg", images.jpeg() + b"\x00" * 2048, size=10)
    from civicdesk import wiring
    from civicdesk.domain.photos import UploadRules

    monkeypatch.setattr(wiring.photo_uploads(), "rules", UploadRules(max_bytes=1024, max_files=3))
    answer = report(api, [big])
    assert answer.status == 400 and answer.fields == {"attachments[0]": "photo_too_large"}


def test_staff_publish_a_copy_without_metadata_and_withdraw_it(api, staff):
    photo = images.jpeg(gps=(44.0195, 20.918))
    ids = [upload(api, "Расвета.jpg", "image/jpeg", photo), upload(api, "zapisnik.pdf", "application/pdf", images.PDF)]
    opened = report(api, ids).body
    number = opened["number"]
    operator = staff.add("operator.ana", "operator")
    jpeg_id, pdf_id = (f["id"] for f in opening(operator.get(f"/v1/admin/cases/{number}").body)["data"]["attachments"])
    path = f"/v1/admin/cases/{number}/attachments/{jpeg_id}/publication"

    stranger = staff.add("dragan.agent", "department_agent", departments=("roads_traffic",))
    assert stranger.post(path).status == 403  # another department's case (as a missing one)
    assert stranger.post(f"/v1/admin/cases/2026-999999/attachments/{jpeg_id}/publication").status == 403
    insider = staff.add("jelena.agent", "department_agent", departments=("public_utilities",))
    assert staff.add("ivana.admin", "administrator").post(path).status == 403

    done = insider.post(path)
    assert done.status == 200, done.body
    public_path = f"cases/{number}/{jpeg_id}.jpg"
    assert done.body == {"number": number, "attachment_id": jpeg_id, "published": True, "path": public_path,
                         "url": f"http://portal.test/public-media/{public_path}", "version": done.body["version"]}
    s3 = boto3.client("s3", region_name=aws.REGION)
    stored = s3.get_object(Bucket=os.environ["CIVICDESK_PUBLIC_MEDIA_BUCKET"], Key=f"public-media/{public_path}")
    copy = stored["Body"].read()
    assert stored["ContentType"] == "image/jpeg" and copy.startswith(b"\xff\xd8")
    assert b"Exif" not in copy and b"PhoneMaker" not in copy and b"xmpmeta" not in copy and b"taken by" not in copy
    assert copy.endswith(photo[photo.index(b"\xff\xdb"):])  # the picture itself is untouched

    case = operator.get(f"/v1/admin/cases/{number}").body
    assert case["published_photos"] == [public_path]
    [entry] = [e for e in case["timeline"] if e["kind"] == "photo_published"]
    assert entry["actor"].startswith("staff:") and entry["public"] is False and entry["text"]
    assert operator.post(path).status == 409  # already public
    assert operator.post(f"/v1/admin/cases/{number}/attachments/{pdf_id}/publication").error_code == "conflict"

    seen = api.call("GET", f"/v1/public/cases/{number}/attachments").body["items"]
    assert [(i["id"], i["url"], i["published"], i["expires_at"]) for i in seen] == [
        (jpeg_id, f"http://portal.test/public-media/{public_path}", True, None)]
    assert "gps" not in seen[0]

    gone = operator.delete(path)
    assert gone.status == 200 and gone.body["published"] is False
    assert operator.get(f"/v1/admin/cases/{number}").body["published_photos"] == []
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=os.environ["CIVICDESK_PUBLIC_MEDIA_BUCKET"], Key=f"public-media/{public_path}")
    assert operator.delete(path).status == 404
    assert api.call("GET", f"/v1/public/cases/{number}/attachments").body == {"items": []}
