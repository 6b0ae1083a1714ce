"""What the staff console asks before and around its work: how to sign in, the categories
with every name and keyword, and where a case would be routed (the intake's own routing)."""

from __future__ import annotations

from msgspec import Struct

from ..domain.cases import Location
from ..domain.errors import ConfigurationError, FieldError
from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, allowed
from ..domain.routing import RoutingDecision, route_at
from .commands import StaffCommand
from .municipality import MunicipalityProvider


class StaffSignIn(Struct, frozen=True):
    """Where the console signs staff in: the staff pool, its app client and Cognito's
    endpoint for a browser (the region's, or the local runtime's moto)."""

    region: str
    user_pool_id: str
    client_id: str
    endpoint: str


class RoutingPreviewQuery(StaffCommand, frozen=True, kw_only=True):
    """Where a case of ``category`` (of ``type``, by ``channel``) at ``location`` would go."""

    category: str | None = None
    type: str | None = None
    channel: str | None = None
    location: Location | None = None


class RoutingPreview(Struct, frozen=True):
    decision: RoutingDecision
    municipality: Municipality


class ConsoleInfo:
    def __init__(self, municipality: MunicipalityProvider, sign_in: StaffSignIn | None):
        self._municipality = municipality
        self._sign_in = sign_in

    def sign_in(self) -> StaffSignIn:
        """The staff pool's sign-in settings (public: a browser needs them before it has a
        token; they name no secret, the app client has none)."""
        if self._sign_in is None:
            raise ConfigurationError("error.configuration", detail="no staff user pool client")
        return self._sign_in

    def categories(self, principal: Principal | None) -> Municipality:
        """The municipality, whose every category the console lists (staff who read cases)."""
        allowed(principal, Action.VIEW_CASES)
        return self._municipality.get()

    def routing_preview(self, principal: Principal | None,
                        query: RoutingPreviewQuery) -> RoutingPreview:
        """The department the intake would route the case to, and why, from the same domain
        routing (``domain.routing.route_at``); the same refusals as the intake (400)."""
        allowed(principal, Action.OPEN_CASE)
        municipality = self._municipality.get()
        errors: list[FieldError] = []
        category = municipality.categories.get(query.category or "")
        if query.category and category is None:
            errors.append(FieldError("category", "unknown_category"))
        elif category and query.type and query.type not in category.types:
            errors.append(FieldError("category", "type_not_for_category"))
        if not municipality.covers(query.location):
            errors.append(FieldError("location", "outside_municipality"))
        query.raise_invalid(errors)
        assert category is not None  # the schema requires it; an unknown one was refused
        return RoutingPreview(route_at(municipality, category.id, query.location), municipality)
