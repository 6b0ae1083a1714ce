"""The campaigns' routes (``functions/api/app.py`` registers them from
``route_tables.CAMPAIGNS``): parse, one service call, shape (``docs/api.md``, Campaigns)."""

from __future__ import annotations

from . import campaign_views as v
from .console_handlers import Answer, Call


def admin_list_campaigns(call: Call) -> Answer:
    query, state = v.list_query(call.params)
    page = call.services.campaign_service().list(call.principal(), query, state)
    return v.campaign_page(page.items, page.next_cursor), 200, {}


def admin_create_campaign(call: Call) -> Answer:
    principal = call.principal(writes=True)
    created = call.services.campaign_service().create(
        principal, v.save_campaign(call.body(), with_version=False))
    return v.campaign_view(created), 201, {"Location": f"/v1/admin/campaigns/{created.campaign_id}"}


def admin_get_campaign(call: Call) -> Answer:
    found = call.services.campaign_service().get(call.principal(), v.campaign_id(call.path))
    return v.campaign_view(found), 200, {"Cache-Control": "private, no-store"}


def admin_update_campaign(call: Call) -> Answer:
    principal = call.principal(writes=True)
    changed = call.services.campaign_service().update(
        principal, v.campaign_id(call.path), v.save_campaign(call.body(), with_version=True))
    return v.campaign_view(changed), 200, {}


def _change(use_case: str, parse=v.change):
    def route(call: Call) -> Answer:
        principal = call.principal(writes=True)
        identifier = v.campaign_id(call.path)
        changed = getattr(call.services.campaign_service(), use_case)(principal, identifier,
                                                                      parse(call.body()))
        return v.campaign_view(changed), 200, {}

    route.__name__ = f"admin_{use_case}_campaign"
    return route


admin_submit_campaign = _change("submit")
admin_approve_campaign = _change("approve")
admin_reject_campaign = _change("reject", v.rejection)
admin_send_campaign = _change("send")
admin_cancel_campaign = _change("cancel")


def admin_test_campaign(call: Call) -> Answer:
    principal = call.principal(writes=True)
    sent = call.services.campaign_service().test_send(principal, v.campaign_id(call.path),
                                                      v.test_language(call.body()))
    return v.test_view(sent), 200, {}


def admin_campaign_estimate(call: Call) -> Answer:
    found = call.services.campaign_service().estimate(call.principal(), v.campaign_id(call.path))
    return v.estimate_view(found), 200, {}


def admin_campaign_recipients(call: Call) -> tuple[dict | str, int, dict]:
    principal, identifier = call.principal(), v.campaign_id(call.path)
    query, state, answer_format = v.recipient_query(call.params)
    service = call.services.campaign_service()
    if answer_format == "csv":
        return (v.recipients_csv(service.every_recipient(principal, identifier), call.language()),
                200, v.csv_headers(identifier))
    page = service.recipients(principal, identifier, query, state)
    return v.recipient_page(page.items, page.next_cursor), 200, {}


def admin_campaign_calls(call: Call) -> Answer:
    page = call.services.campaign_service().call_list(call.principal(), v.campaign_id(call.path),
                                                      v.page_query(call.params))
    return v.recipient_page(page.items, page.next_cursor), 200, {}


def admin_record_campaign_call(call: Call) -> Answer:
    principal = call.principal(writes=True)
    key = v.recipient_key(call.path)
    recorded = call.services.campaign_service().record_call(
        principal, v.campaign_id(call.path), v.call(call.body(), key))
    return v.recipient_view(recorded), 200, {}
