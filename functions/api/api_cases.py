"""The staff's case routes (the admin API; every route has the Cognito authorizer in
template.yaml): who I am, colleagues, queues, a case and its changes, the feed, the quarantine
and the suppression list (``docs/api.md``). ``register`` adds them to the app."""

from __future__ import annotations

from api_edge import Edge, json_response

from civicdesk import wiring
from civicdesk.api import case_views, views
from civicdesk.domain.errors import ValidationError
from civicdesk.domain.policy import Action

#: (path segment, service use case, action, parser in api.case_commands, view in api.case_views)
CHANGES = (("assignment", "assign", Action.ASSIGN, "assign", "changed"),
           ("status", "change_status", Action.CHANGE_STATUS, "change_status", "changed"),
           ("routing", "reroute", Action.ROUTE, "reroute", "changed"),
           ("notes", "add_note", Action.ADD_NOTE, "add_note", "changed"),
           ("replies", "reply", Action.REPLY, "reply", "replied"),
           ("referrals", "refer", Action.REFER, "refer", "referred"),
           ("merge", "merge", Action.MERGE, "merge", "merged"),
           ("links", "link", Action.LINK, "link", "changed"),
           ("escalation", "escalate", Action.ESCALATE, "escalate", "escalated"),
           ("deadline-extension", "extend_deadline", Action.CHANGE_STATUS, "extend_deadline",
            "changed"))


def change(edge: Edge, use_case: str, action: Action, parse: str, shape: str):
    """A case-changing route: the caller's identity (401), the JSON body (413, 400), then the
    service checks the role (403) before it reads the case; a body that is no valid command is
    reported (400) only after the same checks. ``parse`` names the parser in
    ``api.case_commands``, ``shape`` the view in ``api.case_views``."""

    def view(number):
        from civicdesk.api import case_commands

        principal = edge.principal(writes=True)
        body = edge.body()
        service = wiring.casework_service()
        try:
            command = getattr(case_commands, parse)(number, body)
        except ValidationError:
            service.check_change(principal, action, number)
            raise
        return json_response(getattr(case_views, shape)(getattr(service, use_case)(principal, command),
                                                        edge.language()))

    return view


def register(app, edge: Edge) -> None:
    """Add the staff's case routes to ``app``."""

    def params():
        return edge.request.query_params

    @app.route("/v1/admin/me", methods=["GET"])
    @edge.view
    def admin_me():
        profile = wiring.staff_service().me(edge.principal())
        return json_response(views.me_view(profile, wiring.municipality_provider().get(), edge.language()))

    @app.route("/v1/admin/staff", methods=["GET"])
    @edge.view
    def admin_staff():
        from civicdesk.api import commands

        members = wiring.staff_service().colleagues(edge.principal(), commands.colleague_query(params()))
        return json_response(views.colleagues_view(members, wiring.municipality_provider().get(),
                                                   edge.language()))

    @app.route("/v1/admin/cases", methods=["GET"])
    @edge.view
    def admin_queue():
        from civicdesk.api import queue_filters

        principal, language = edge.principal(), edge.language()
        page = wiring.case_reader().queue(principal, queue_filters.queue_filter(params()))
        return json_response(case_views.queue_page(page, wiring.municipality_provider().get(), language))

    @app.route("/v1/admin/cases", methods=["POST"], content_types=["application/json"])
    @edge.view
    def admin_open_case():
        from civicdesk.api import case_commands

        principal = edge.principal(writes=True)
        command = case_commands.open_staff_case(edge.body(), idempotency_key=edge.idempotency_key())
        answer = case_views.opened_staff(wiring.casework_service().open_case(principal, command))
        return json_response(answer, 201, headers={"Location": f"/v1/admin/cases/{answer['number']}"})

    @app.route("/v1/admin/cases/{number}", methods=["GET"])
    @edge.view
    def admin_case(number):
        principal, language = edge.principal(), edge.language()
        found = wiring.case_reader().case(principal, number)
        view = case_views.case_file(found, wiring.municipality_provider().get(), language)
        return json_response(view, headers={"ETag": f'"{view["version"]}"'})

    @app.route("/v1/admin/cases/{number}/attachments/{attachment_id}", methods=["GET"])
    @edge.view
    def admin_case_attachment(number, attachment_id):
        link = wiring.case_attachments().link(edge.principal(), number, attachment_id)
        return json_response(case_views.attachment_link(link), headers={"Cache-Control": "private, no-store"})

    @app.route("/v1/admin/organisation", methods=["GET"])
    @edge.view
    def admin_organisation():
        municipality = wiring.organisation_info().organisation(edge.principal())
        return json_response(case_views.organisation(municipality, edge.language()),
                             headers={"Cache-Control": "private, max-age=300"})

    @app.route("/v1/admin/cases/{number}", methods=["DELETE"], content_types=["application/json"])
    @edge.view
    def admin_delete_case(number):
        return change(edge, "delete", Action.DELETE, "delete", "deleted")(number)

    for segment, use_case, action, parse, shape in CHANGES:
        app.route(f"/v1/admin/cases/{{number}}/{segment}", methods=["POST"],
                  content_types=["application/json"], name=f"admin_{use_case}")(
            edge.view(change(edge, use_case, action, parse, shape)))

    @app.route("/v1/admin/feed", methods=["GET"])
    @edge.view
    def admin_feed():
        from civicdesk.api import commands

        page = wiring.feed_service().feed(edge.principal(), commands.feed_query(params()))
        return json_response(views.feed_view(page, wiring.municipality_provider().get(), edge.language()))

    @app.route("/v1/admin/quarantine", methods=["GET"])
    @edge.view
    def admin_quarantine():
        from civicdesk.api import commands

        query = commands.page_query(params())
        return json_response(views.quarantine_view(wiring.quarantine_admin().list(edge.principal(), query)))

    @app.route("/v1/admin/quarantine/{quarantine_id}/release", methods=["POST"])
    @edge.view
    def admin_release_quarantined(quarantine_id):
        released = wiring.quarantine_admin().release(edge.principal(writes=True), quarantine_id)
        return json_response(views.release_view(released))

    @app.route("/v1/admin/suppressions", methods=["GET"])
    @edge.view
    def admin_suppressions():
        from civicdesk.api import commands

        query = commands.page_query(params())
        return json_response(views.suppressions_view(wiring.suppression_admin().list(edge.principal(), query)))

    @app.route("/v1/admin/suppressions/{address}", methods=["DELETE"], content_types=["application/json"])
    @edge.view
    def admin_lift_suppression(address):
        from civicdesk.api import commands

        principal = edge.principal(writes=True)
        command = commands.lift_suppression(address, edge.body())
        return json_response(views.suppression_view(wiring.suppression_admin().lift(principal, command)))
