"""What the public web form and a service page show a citizen about the municipality."""

from __future__ import annotations

from ..domain.municipality import Municipality
from .municipality import MunicipalityProvider


class PublicInfoService:
    def __init__(self, municipality: MunicipalityProvider):
        self._municipality = municipality

    def municipality(self) -> Municipality:
        """The municipality as configured: the edge publishes its names, languages, working
        hours, services, case types and categories, never its departments' addresses."""
        return self._municipality.get()
