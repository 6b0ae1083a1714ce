"""The CivicDesk HTTP API (Chalice). Routes only translate HTTP <-> services: the public ones in
``api_public.py``, the staff's case routes in ``api_cases.py``, the table-driven ones of the
other handler modules (``civicdesk.api.route_tables``) below; what every route does alike in
``api_edge.py``.

SAM: ``Handler: app.app``; one REST ``Api`` event per route (a contract test checks it).
"""

from __future__ import annotations

import api_cases
import api_public
from api_edge import Edge, json_response
from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware, Response

from civicdesk import wiring
from civicdesk.api import route_tables
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()

app = Chalice(app_name="civicdesk-api", configure_logs=False)
app.register_middleware(ConvertToMiddleware(
    logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)))
app.register_middleware(ConvertToMiddleware(tracer.capture_lambda_handler))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
edge = Edge(app)
app.middleware("http")(edge.uniform_errors)

api_public.register(app, edge)
api_cases.register(app, edge)


def _handled(handler: str, module: str):
    """A table's route: its handler in ``civicdesk.api.<module>`` gets the request as a
    ``Call`` (services, principal, body, parameters, language, path) and answers
    ``(body, status, headers)``; a text body is a download (CSV) with its own headers."""

    def view(**path):
        import importlib

        from civicdesk.api import console_handlers

        request = app.current_request
        call = console_handlers.Call(services=wiring, principal=edge.principal, body=edge.body,
                                     params=dict(request.query_params or {}),
                                     language=edge.language, path=path,
                                     raw_body=lambda: request.raw_body,
                                     headers=request.headers or {})
        body, status, headers = getattr(importlib.import_module(f"civicdesk.api.{module}"),
                                        handler)(call)
        if isinstance(body, str):
            return Response(body=body, status_code=status, headers=headers)
        return json_response(body, status, headers)

    return view


def _finding(parse: str, use_case: str, shape: str):
    """A read that finds cases: the query string parsed by ``search_views.<parse>``, one call
    of the search service's ``use_case``, the answer shaped by ``search_views.<shape>``."""

    def view():
        from civicdesk.api import search_views

        principal, language = edge.principal(), edge.language()
        query = getattr(search_views, parse)(app.current_request.query_params)
        found = getattr(wiring.search_service(), use_case)(principal, query)
        return json_response(getattr(search_views, shape)(found, wiring.municipality_provider().get(),
                                                          language))

    return view


for _table, _module in route_tables.HANDLED:
    for _method, _path, _handler in _table:
        app.route(_path, methods=[_method], name=_handler, **route_tables.media_types(_method, _path))(
            edge.view(_handled(_handler, _module)))

for _path, _name, _parse, _use_case, _shape in route_tables.FINDING:
    app.route(_path, methods=["GET"], name=_name)(edge.view(_finding(_parse, _use_case, _shape)))


@app.route("/v1/openapi.json", methods=["GET"])
@edge.view
def openapi_document():
    from civicdesk.api import openapi

    return json_response(openapi.document(app.routes), headers={"Cache-Control": "public, max-age=300"})
