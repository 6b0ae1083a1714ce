"""What ``template.yaml`` says about the API beyond its routes, resolved for the local runtime:
the Cognito authorizers the routes use (their user pools resolved) and the gateway responses.
"""

from __future__ import annotations

import logging
from typing import Callable

from infra.local import cognito
from infra.local.apigateway import GatewayResponses
from infra.local.authorizer import CognitoAuthorizer, PoolRef
from infra.local.aws import StartupError
from infra.local.template import Route, Template

log = logging.getLogger("civicdesk.local")


def cognito_authorizers(template: Template, routes: list[Route],
                        ref: Callable[[str], str]) -> dict[str, CognitoAuthorizer]:
    """The Cognito authorizers the routes use, their user pools resolved. Any other kind
    (Lambda authorizers, AWS_IAM) cannot be emulated: better not to start than to serve
    those routes unguarded."""
    found: dict[str, CognitoAuthorizer] = {}
    for route in routes:
        if route.authorizer is None:
            continue
        spec = template.authorizers(route.api).get(route.authorizer)
        where = f"template.yaml: {route.function}.{route.event}"
        if spec is None:
            raise StartupError(f"{where} names the authorizer {route.authorizer!r}, which "
                               f"its API does not declare")
        if spec.kind != "cognito":
            raise StartupError(f"{where}: the {spec.kind} authorizer {spec.name!r} cannot "
                               f"be emulated locally (only Cognito user pool authorizers)")
        pools = []
        for arn in spec.user_pool_arns:
            try:
                region, pool_id = cognito.parse_user_pool_arn(
                    str(template.resolve(arn, ref)))
            except cognito.CognitoTemplateError as error:
                raise StartupError(f"{where}: {error}") from None
            pools.append(PoolRef(pool_id, region))
        authorizer = CognitoAuthorizer(spec.name, tuple(pools), spec.identity_header)
        if found.setdefault(spec.name, authorizer) != authorizer:
            raise StartupError(f"template.yaml: two APIs declare different authorizers "
                               f"named {spec.name!r}; the local runtime serves one API")
    return found


def gateway_responses(template: Template, routes: list[Route],
                      ref: Callable[[str], str]) -> GatewayResponses:
    """The gateway responses of the routes' API (the first one, when the template declares
    several: the local runtime serves one)."""
    apis = sorted({route.api for route in routes if route.api is not None})
    if len(apis) > 1:
        log.warning("template.yaml declares %d APIs; gateway responses are those of %s",
                    len(apis), apis[0])
    definitions = template.gateway_responses(apis[0] if apis else None)
    return GatewayResponses(template.resolve_deep(definitions, ref))
