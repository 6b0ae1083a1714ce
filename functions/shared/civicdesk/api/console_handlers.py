"""The staff console's routes (``functions/api/app.py`` registers them from
``route_tables.CONSOLE``): each one parses its request, makes one service call and shapes the answer. The
services come from the composition root the route hands over (``Call.services``)."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from msgspec import Struct, field

from . import console_views as cv
from .case_commands import queue_filter

Answer = tuple[dict, int, dict]
_PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


class Call(Struct, frozen=True):
    """One request as a console route sees it."""

    services: Any  # ``civicdesk.wiring``
    principal: Callable[..., Any]  # ``principal(writes=True)``: the directory's standing now
    body: Callable[[], object]
    params: Mapping[str, str]
    language: Callable[[], str]
    path: Mapping[str, str]
    #: The request's body as it came, for a route whose body may exceed the JSON limit (a
    #: contact list's CSV file, ``audience_handlers``).
    raw_body: Callable[[], bytes | None] = lambda: None
    #: The request's headers (lower-case names), for routes that read one (``Idempotency-Key``).
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The claims the route's authorizer verified (the citizen pool's on the account routes).
    claims: Callable[[], dict | None] = lambda: None


def public_staff_sign_in(call: Call) -> Answer:
    return cv.sign_in_view(call.services.console_info().sign_in()), 200, _PUBLIC_CACHE


def admin_categories(call: Call) -> Answer:
    municipality = call.services.console_info().categories(call.principal())
    return cv.categories_view(municipality, call.language()), 200, {}


def admin_routing_preview(call: Call) -> Answer:
    principal = call.principal()
    query = cv.routing_preview_query(call.body())
    preview = call.services.console_info().routing_preview(principal, query)
    return cv.routing_preview_view(str(query.category), preview, call.language()), 200, {}


def admin_list_views(call: Call) -> Answer:
    from ..services.staff_preferences import MAX_SAVED_VIEWS

    views = call.services.saved_view_service().views(call.principal())
    return cv.saved_views(views, MAX_SAVED_VIEWS), 200, {}


def admin_create_view(call: Call) -> Answer:
    principal = call.principal(writes=True)
    view = call.services.saved_view_service().create(principal, cv.save_view(call.body()))
    return cv.saved_view(view), 201, {"Location": f"/v1/admin/me/views/{view.view_id}"}


def admin_update_view(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = cv.save_view(call.body(), call.path["view_id"])
    return cv.saved_view(call.services.saved_view_service().update(principal, command)), 200, {}


def admin_delete_view(call: Call) -> Answer:
    principal = call.principal(writes=True)
    call.services.saved_view_service().delete(principal, call.path["view_id"])
    return cv.DELETED_VIEW, 200, {}


def admin_list_canned_replies(call: Call) -> Answer:
    replies = call.services.canned_reply_service().replies(
        call.principal(), cv.canned_reply_query(call.params))
    return cv.canned_replies(replies), 200, {}


def admin_create_canned_reply(call: Call) -> Answer:
    principal = call.principal(writes=True)
    reply = call.services.canned_reply_service().create(principal, cv.write_canned_reply(call.body()))
    return cv.canned_reply(reply), 201, {"Location": f"/v1/admin/canned-replies/{reply.reply_id}"}


def admin_update_canned_reply(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = cv.write_canned_reply(call.body(), call.path["reply_id"])
    reply = call.services.canned_reply_service().update(principal, command)
    return cv.canned_reply(reply), 200, {}


def admin_delete_canned_reply(call: Call) -> Answer:
    principal = call.principal(writes=True)
    command = cv.delete_canned_reply(call.path["reply_id"], call.body())
    call.services.canned_reply_service().delete(principal, command)
    return cv.DELETED_VIEW, 200, {}


def admin_set_language(call: Call) -> Answer:
    principal = call.principal(writes=True)
    language = call.services.language_service().set_language(principal, cv.set_language(call.body()))
    return {"language": language}, 200, {}


def admin_board(call: Call) -> Answer:
    board = call.services.board_service().board(call.principal(), cv.board_query(call.params))
    return cv.board_view(board, call.language()), 200, {}


def admin_case_count(call: Call) -> Answer:
    tally = call.services.board_service().count(call.principal(), queue_filter(call.params))
    return cv.count_view(tally), 200, {}


def admin_quarantined_message(call: Call) -> Answer:
    from .views import quarantined_message_view

    entry, mail = call.services.quarantine_admin().message(call.principal(), call.path["quarantine_id"])
    return quarantined_message_view(entry, mail), 200, {}
