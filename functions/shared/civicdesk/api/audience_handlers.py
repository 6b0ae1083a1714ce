"""The audiences' and contact lists' routes (``route_tables.AUDIENCES``; ``docs/api.md``): each
parses its request, makes one service call and shapes the answer."""

from __future__ import annotations

from . import audience_views as av
from .console_handlers import Answer, Call


def admin_list_audiences(call: Call) -> Answer:
    audiences = call.services.audience_service().audiences(call.principal())
    allowed = call.services.municipality_provider().get().audiences_from_cases
    return av.audiences_view(audiences, allowed), 200, {}


def admin_create_audience(call: Call) -> Answer:
    principal = call.principal(writes=True)
    audience = call.services.audience_service().create(principal, av.write_audience(call.body()))
    return av.audience_view(audience), 201, {"Location": f"/v1/admin/audiences/{audience.audience_id}"}


def admin_audience(call: Call) -> Answer:
    audience_id = call.path["audience_id"]
    return av.audience_view(call.services.audience_service().audience(call.principal(), audience_id)), 200, {}


def admin_update_audience(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = av.write_audience(call.body(), call.path["audience_id"])
    return av.audience_view(call.services.audience_service().update(principal, command)), 200, {}


def admin_delete_audience(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = av.delete_audience(call.path["audience_id"], call.body())
    call.services.audience_service().delete(principal, command)
    return av.DELETED, 200, {}


def admin_preview_audience(call: Call) -> Answer:
    audience_id = call.path["audience_id"]
    query = av.preview_query(call.params, audience_id)
    preview = call.services.audience_service().preview(call.principal(), query, audience_id=audience_id)
    return av.preview_view(preview), 200, {"Cache-Control": "private, no-store"}


def admin_preview_rule(call: Call) -> Answer:
    principal = call.principal()
    query, rule = av.rule_preview(call.body())
    preview = call.services.audience_service().preview(principal, query, rule=rule)
    return av.preview_view(preview), 200, {"Cache-Control": "private, no-store"}


def admin_list_contact_lists(call: Call) -> Answer:
    return av.contact_lists_view(call.services.contact_list_service().contact_lists(call.principal())), 200, {}


def admin_create_contact_list(call: Call) -> Answer:
    principal = call.principal(writes=True)
    created = call.services.contact_list_service().create(principal, av.write_contact_list(call.body()))
    return av.contact_list_view(created), 201, {"Location": f"/v1/admin/contact-lists/{created.list_id}"}


def admin_contact_list(call: Call) -> Answer:
    found = call.services.contact_list_service().contact_list(call.principal(), call.path["list_id"])
    return av.contact_list_view(found), 200, {}


def admin_update_contact_list(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = av.write_contact_list(call.body(), call.path["list_id"])
    return av.contact_list_view(call.services.contact_list_service().update(principal, command)), 200, {}


def admin_delete_contact_list(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = av.delete_contact_list(call.path["list_id"], call.body())
    call.services.contact_list_service().delete(principal, command)
    return av.DELETED, 200, {}


def admin_import_contacts(call: Call) -> Answer:
    """The file comes in the JSON body, larger than other bodies may be (``docs/audiences.md``)."""
    from . import requests
    from .audience_schemas import MAX_IMPORT_BODY

    principal = call.principal(writes=True)
    payload = requests.parse_json_body(call.raw_body(), MAX_IMPORT_BODY)
    command = av.contact_import(call.path["list_id"], payload)
    report = call.services.contact_list_service().import_file(principal, command)
    return av.import_view(report, call.language()), 200, {"Cache-Control": "private, no-store"}
