"""The public routes (the portal's, no sign-in): the municipality, its map and categories, a new
case, tracking, following a case (``docs/api.md``). ``register`` adds them to the app."""

from __future__ import annotations

from api_edge import Edge, idempotency_key_pattern, json_response, parse_body

from civicdesk import wiring
from civicdesk.api import case_views, views
from civicdesk.domain.errors import BadRequestError

#: RFC 8058: a mail client's one-click unsubscribe POSTs ``List-Unsubscribe=One-Click`` as a form
#: to the URL of the ``List-Unsubscribe`` header, which carries the token in its query string.
ONE_CLICK_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def register(app, edge: Edge) -> None:
    """Add the public routes to ``app``."""

    @app.route("/v1/public/municipality", methods=["GET"])
    @edge.view
    def public_municipality():
        municipality = wiring.public_info_service().municipality()
        return json_response(views.municipality_view(municipality, edge.language()),
                             headers={"Cache-Control": "public, max-age=60"})

    @app.route("/v1/public/map", methods=["GET"])
    @edge.view
    def public_map():
        municipality = wiring.public_info_service().municipality()
        return json_response(views.map_view(municipality, edge.language()),
                             headers={"Cache-Control": "public, max-age=300"})

    @app.route("/v1/public/categories", methods=["GET"])
    @edge.view
    def public_categories():
        municipality = wiring.public_info_service().municipality()
        return json_response(views.categories_view(municipality, edge.language()),
                             headers={"Cache-Control": "public, max-age=60"})

    @app.route("/v1/public/cases", methods=["POST"], content_types=["application/json"])
    @edge.view
    def public_open_case():
        from civicdesk.api import case_commands

        request = edge.request
        payload = parse_body(request.raw_body)
        key = request.headers.get("idempotency-key")
        if key is not None and not idempotency_key_pattern().match(key):
            raise BadRequestError("error.idempotency_key")
        command = case_commands.open_public_case(
            payload, language_hint=edge.language() if request.headers.get("accept-language") else None,
            idempotency_key=key)
        return json_response(case_views.opened_public(wiring.case_service().open_public_case(command)), 201)

    @app.route("/v1/public/cases/{number}", methods=["GET"])
    @edge.view
    def public_track_case(number):
        params = edge.request.query_params or {}
        found = wiring.case_tracking().track(number, params.get("token"))
        return json_response(case_views.tracked(found, wiring.municipality_provider().get(),
                                                params.get("lang")))

    @app.route("/v1/public/cases/{number}/subscriptions", methods=["POST"],
               content_types=["application/json"])
    @edge.view
    def public_follow_case(number):
        from civicdesk.api import commands

        request = edge.request
        asked = request.headers.get("accept-language") or (request.query_params or {}).get("lang")
        payload = parse_body(request.raw_body)
        command = commands.follow_case(number, payload, language_hint=edge.language() if asked else None)
        return json_response(views.follow_view(wiring.follower_service().follow(command)), 202)

    @app.route("/v1/public/cases/{number}/subscriptions/{subscription_id}/confirm", methods=["POST"],
               content_types=["application/json"])
    @edge.view
    def public_confirm_subscription(number, subscription_id):
        from civicdesk.api import commands

        payload = parse_body(edge.request.raw_body)
        command = commands.confirm_subscription(number, subscription_id, payload)
        return json_response(views.subscription_view(wiring.follower_service().confirm(command)))

    @app.route("/v1/public/cases/{number}/subscriptions/{subscription_id}/unsubscribe",
               methods=["POST"], content_types=["application/json", *ONE_CLICK_TYPES])
    @edge.view
    def public_unsubscribe(number, subscription_id):
        from civicdesk.api import commands

        request = edge.request
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        payload = None
        if media_type not in ONE_CLICK_TYPES and request.raw_body:
            payload = parse_body(request.raw_body)
        command = commands.unsubscribe(number, subscription_id, payload,
                                       (request.query_params or {}).get("token"))
        return json_response(views.subscription_view(wiring.follower_service().unsubscribe(command)))
