"""The OpenAPI document: valid OpenAPI 3.1, and exactly the Chalice app's routes."""

from openapi_spec_validator import validate

from civicdesk.api import openapi
from tests.support import aws


def test_the_served_document_is_valid_and_lists_every_route(aws_env):
    module = aws.load_function("ApiFunction")
    from chalice.test import Client

    with Client(module.app) as client:
        response = client.http.get("/v1/openapi.json")
    assert response.status_code == 200
    document = response.json_body
    validate(document)
    listed = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routes = {(path, method) for path, methods in module.app.routes.items() for method in methods}
    assert listed == routes


def test_staff_operations_and_only_they_require_the_authorizer():
    document = openapi.document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            secured = operation.get("security") == [{openapi.AUTHORIZER: []}]
            assert secured == path.startswith("/v1/admin/"), (method, path)
            citizen = operation.get("security") == [{openapi.CITIZEN_AUTHORIZER: []}]
            assert citizen == path.startswith("/v1/public/account/"), (method, path)
            if secured:
                assert {"401", "500"} <= set(operation["responses"]), (method, path)


def test_request_bodies_are_the_validating_schemas():
    from civicdesk.api import schemas as api_schemas

    document = openapi.document()
    body = document["paths"]["/v1/admin/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["channel"]["enum"] == list(api_schemas.STAFF_CHANNELS)
    assert set(body["required"]) == {"type", "channel", "category", "description"}
    assert body["additionalProperties"] is False


def test_an_undocumented_route_is_refused():
    import pytest

    with pytest.raises(LookupError):
        openapi.document({"/v1/admin/secret": {"GET": object()}})
