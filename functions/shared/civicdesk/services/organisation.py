"""Who else works on cases: the municipality's departments (to route a case to) and the
outside bodies a case can be referred to, as the staff console offers them."""

from __future__ import annotations

from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, allowed
from .municipality import MunicipalityProvider


class OrganisationInfo:
    def __init__(self, municipality: MunicipalityProvider):
        self._municipality = municipality

    def organisation(self, principal: Principal | None) -> Municipality:
        """The municipality whose departments and external bodies staff who read cases see."""
        allowed(principal, Action.VIEW_CASES)
        return self._municipality.get()
