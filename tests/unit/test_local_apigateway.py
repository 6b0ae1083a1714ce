"""The local runtime's API Gateway emulation: route matching, proxy events, responses."""

import base64
import json

import pytest

from infra.local.apigateway import (
    ApiRoute,
    HttpRequest,
    MalformedProxyResponseError,
    RouteMatch,
    RouteTable,
    build_event,
    translate_response,
)
from infra.local.template import Template

TRACK = ApiRoute("/v1/public/cases/{number}", "GET", "ApiFunction")
OPEN = ApiRoute("/v1/public/cases", "POST", "ApiFunction")


def event_for(request: HttpRequest, match: RouteMatch) -> dict:
    return build_event(request, match, request_id="req-1", now=1_700_000_000.5)


def test_template_routes_match_their_paths_with_decoded_parameters():
    # GIVEN the routes template.yaml declares
    table = RouteTable(ApiRoute(r.path, r.method, r.function) for r in Template().routes())
    # WHEN a concrete path is matched
    match = table.match("GET", "/v1/public/cases/2026%2D000001")
    # THEN the template's resource and the URL-decoded parameter are found
    assert match.route.path == "/v1/public/cases/{number}"
    assert match.path_parameters == {"number": "2026-000001"}
    assert table.match("get", "/v1/public/municipality").route.function == "ApiFunction"


def test_wrong_method_and_unknown_path_are_told_apart():
    table = RouteTable([TRACK, OPEN])
    assert table.match("DELETE", "/v1/public/cases") is None
    assert table.allowed_methods("/v1/public/cases") == ["POST"]
    assert table.match("GET", "/v1/public/cases/1/extra") is None
    assert table.allowed_methods("/v1/public/cases/1/extra") == []
    assert table.match("GET", "/v1/public/cases/") is None


def test_literal_segments_win_over_parameters_and_greedy_paths():
    table = RouteTable([ApiRoute("/files/{proxy+}", "ANY", "Files"),
                        ApiRoute("/files/{name}", "GET", "One"),
                        ApiRoute("/files/latest", "GET", "Latest")])
    assert table.match("GET", "/files/latest").route.function == "Latest"
    assert table.match("GET", "/files/a.txt").route.function == "One"
    deep = table.match("PUT", "/files/a/b%20c.txt")
    assert deep.route.function == "Files"
    assert deep.path_parameters == {"proxy": "a/b c.txt"}


def test_event_has_the_rest_proxy_shape_chalice_routes_on():
    # GIVEN a tracking request with repeated query parameters and headers
    request = HttpRequest("GET", "/v1/public/cases/2026-000001", "token=abc&lang=cs&lang=en&flag",
                          (("Accept", "application/json"), ("X-Seen", "1"), ("X-Seen", "2"),
                           ("User-Agent", "pytest"), ("Host", "127.0.0.1:8000")),
                          b"", "10.0.0.7")
    # WHEN the event is built
    event = event_for(request, RouteMatch(TRACK, {"number": "2026-000001"}))
    # THEN it carries the resource pattern, last and all values, and the stage's path
    assert event["resource"] == event["requestContext"]["resourcePath"] == TRACK.path
    assert event["path"] == "/v1/public/cases/2026-000001"
    assert event["httpMethod"] == event["requestContext"]["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"token": "abc", "lang": "en", "flag": ""}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc"], "lang": ["cs", "en"],
                                                        "flag": [""]}
    assert event["headers"]["X-Seen"] == "2"
    assert event["multiValueHeaders"]["X-Seen"] == ["1", "2"]
    assert event["pathParameters"] == {"number": "2026-000001"}
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["path"] == "/prod/v1/public/cases/2026-000001"
    assert context["stage"] == "prod" and context["requestId"] == "req-1"
    assert context["identity"]["sourceIp"] == "10.0.0.7"
    assert context["identity"]["userAgent"] == "pytest"
    assert context["requestTimeEpoch"] == 1_700_000_000_500
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_empty_query_and_path_parameters_are_none_like_api_gateway():
    event = event_for(HttpRequest("POST", "/v1/public/cases"), RouteMatch(OPEN, {}))
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


@pytest.mark.parametrize("content_type,body,encoded", [
    ("application/json", json.dumps({"d": "Улица"}, ensure_ascii=False).encode(), False),
    ("text/plain; charset=utf-8", "čćž".encode(), False),
    ("application/problem+json", b"{}", False),
    ("image/png", b"\x89PNG\r\n\x1a\n", True),
    ("multipart/form-data; boundary=x", b"--x\r\n", True),
    ("application/json", b"\xff\xfe not utf-8", True),
])
def test_text_bodies_pass_as_text_and_others_as_base64(content_type, body, encoded):
    request = HttpRequest("POST", "/v1/public/cases", "", (("Content-Type", content_type),), body)
    event = event_for(request, RouteMatch(OPEN, {}))
    assert event["isBase64Encoded"] is encoded
    if encoded:
        assert base64.b64decode(event["body"]) == body
    else:
        assert event["body"] == body.decode("utf-8")


def test_a_chalice_style_response_becomes_http():
    response = translate_response({
        "statusCode": 201, "headers": {"Content-Type": "application/json", "X-One": "a"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-One": ["b"]},
        "body": json.dumps({"number": "2026-000001"}), "isBase64Encoded": False})
    assert response.status == 201
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert [v for k, v in response.headers if k == "X-One"] == ["b"]
    assert json.loads(response.body) == {"number": "2026-000001"}


def test_base64_responses_are_decoded_and_content_type_defaults_to_json():
    binary = translate_response({"statusCode": 200, "isBase64Encoded": True,
                                 "headers": {"Content-Type": "application/pdf"},
                                 "body": base64.b64encode(b"%PDF-1.7").decode()})
    assert binary.body == b"%PDF-1.7"
    empty = translate_response({"statusCode": 204})
    assert empty.body == b"" and empty.header("content-type") == "application/json"


@pytest.mark.parametrize("result", [None, "ok", {"body": "{}"}, {"statusCode": "x"},
                                    {"statusCode": 200, "body": {"not": "a string"}},
                                    {"statusCode": 200, "body": "!!", "isBase64Encoded": True}])
def test_malformed_proxy_responses_are_refused(result):
    with pytest.raises(MalformedProxyResponseError):
        translate_response(result)
