"""Open311 GeoReport v2 under ``/open311/v2/`` (Chalice; ``docs/open311.md``): its own function,
so the public API's cold start does not carry it. Routes only hand the request to
``civicdesk.api.open311_handlers``, which answers in JSON or XML by the path's suffix.

SAM: ``Handler: app.app``; one ``Api`` event per route below (``Open311Function``).
"""

from __future__ import annotations

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware, Response

from civicdesk import wiring
from civicdesk.api import open311_format, open311_handlers
from civicdesk.observability import FunctionMetrics, logger, tracer

metrics = FunctionMetrics()

app = Chalice(app_name="civicdesk-open311", configure_logs=False)
app.register_middleware(ConvertToMiddleware(
    logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)))
app.register_middleware(ConvertToMiddleware(tracer.capture_lambda_handler))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))

#: The spec's POST body; JSON too, answered with the spec's error (it is not a form).
_FORMS = ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data"]


def _base_url() -> str:
    """``<public URL>/open311/v2``: the distribution sends ``/open311/*`` to this API, so the
    portal's address is the endpoint's (discovery's URL, the ``Link`` of the next page)."""
    return f"{wiring.settings().public_url}/open311/v2"


def _serve(resource: str, item: str | None = None) -> Response:
    request = app.current_request
    call = open311_handlers.Open311Call(
        method=request.method, resource=resource, item=item,
        params=dict(request.query_params or {}), body=request.raw_body if request.method == "POST" else None,
        headers=request.headers or {}, base_url=_base_url())
    try:
        answer = open311_handlers.handle(call, wiring.open311_service(), wiring.open311_media_base())
    except Exception:  # never a traceback: the spec's error list, and the log has the rest
        logger.exception("open311 request failed")
        shape = "xml" if (item or resource).lower().endswith(".xml") else "json"
        body, content_type = open311_format.render_errors(shape, [(500, "Internal error")])
        return Response(body=body.decode("utf-8"), status_code=500,
                        headers={"Content-Type": content_type, "Cache-Control": "no-store"})
    return Response(body=answer.body.decode("utf-8"), status_code=answer.status,
                    headers={"Content-Type": answer.content_type, **answer.headers})


@app.route("/open311/v2/{document}", methods=["GET"], name="open311_document")
def open311_document(document):
    return _serve(document)


@app.route("/open311/v2/{document}", methods=["POST"], name="open311_create", content_types=_FORMS)
def open311_create(document):
    return _serve(document)


@app.route("/open311/v2/services/{service_code}", methods=["GET"], name="open311_service_definition")
def open311_service_definition(service_code):
    return _serve("services", service_code)


@app.route("/open311/v2/requests/{service_request_id}", methods=["GET"], name="open311_request")
def open311_request(service_request_id):
    return _serve("requests", service_request_id)


@app.route("/open311/v2/tokens/{token}", methods=["GET"], name="open311_token")
def open311_token(token):
    return _serve("tokens", token)
