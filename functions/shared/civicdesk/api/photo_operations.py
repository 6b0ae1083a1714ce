"""The photo routes' operations of the OpenAPI document (``openapi_operations.OPERATIONS``)."""

from __future__ import annotations

from . import photo_schemas as ps
from .operation import Operation

OPERATIONS = (
    Operation("POST", "/v1/public/uploads", "startUpload", "public",
              "A presigned S3 POST for one photo or document of a report", ps.SIGNED_UPLOAD, 201,
              body=ps.UPLOAD_REQUEST, errors=(400, 413, 415),
              refusals=(("content_type", "photo_unsupported_type", "not JPEG, PNG, WebP, HEIC or PDF"),
                        ("size", "photo_too_large", "over the configured limit"),
                        ("size", "photo_empty", "an empty file")),
              description="POST `fields` and then the file (`file`) as multipart/form-data to "
                          "`url`. The policy binds the key, the type, the name and a size of 1 "
                          "to `max_bytes`; it works 15 minutes; an upload no report claims is "
                          "deleted after a day. Send `upload_id` in `attachments` of POST "
                          "/v1/public/cases (at most `max_files`)."),
    Operation("GET", "/v1/public/cases/{number}/attachments", "getCaseFiles", "public",
              "The files of a case: the citizen's own with the token, the published photos without",
              ps.CASE_FILES, query=ps.TOKEN_QUERY, errors=(400, 404),
              description="With the tracking token: every file sent with the report, each with a "
                          "presigned link for 10 minutes. Without it: the published copies "
                          "(without metadata) of a public case; a private case is 404."),
    Operation("POST", "/v1/admin/cases/{number}/attachments/{attachment_id}/publication",
              "publishPhoto", "staff", "Publish a copy of a photo without its metadata",
              ps.PUBLICATION, staff=True, errors=(401, 403, 404, 409, 415), body_required=False,
              description="`photo.publish` (operators, the department's agents, supervisors). "
                          "JPEG, PNG and WebP of a public case; the copy keeps no Exif, XMP, "
                          "IPTC, comments or PNG text. 409 `photo_already_published`, "
                          "`photo_not_publishable`, `photo_case_private`."),
    Operation("DELETE", "/v1/admin/cases/{number}/attachments/{attachment_id}/publication",
              "withdrawPhoto", "staff", "Withdraw a published photo from public",
              ps.PUBLICATION, staff=True, errors=(401, 403, 404, 409, 415), body_required=False,
              description="404 `photo_not_published` when it is not public."),
)
