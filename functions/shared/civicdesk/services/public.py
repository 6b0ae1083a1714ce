"""What the public web form and a service page show a citizen about the municipality."""

from __future__ import annotations

from ..domain.cases import CaseType
from ..domain.municipality import localised as tr_text
from ..rendering import normalise_language, pick_language, translate
from .municipality import MunicipalityProvider


class PublicInfoService:
    def __init__(self, municipality: MunicipalityProvider):
        self._municipality = municipality

    def language(self, requested: str | None, accept_language: str | None) -> str:
        municipality = self._municipality.get()
        chosen = normalise_language(requested)
        if chosen in municipality.languages:
            return chosen
        return pick_language(accept_language, municipality.languages, municipality.default_language)

    def municipality(self, language: str) -> dict:
        m = self._municipality.get()
        return {
            "id": m.id, "name": tr_text(m.name, language), "language": language,
            "languages": list(m.languages), "default_language": m.default_language,
            "country": m.country, "time_zone": m.time_zone,
            "working_hours": {day: [list(span) for span in spans]
                              for day, spans in m.working_hours.items()},
            "general_address": m.general_address,
            "services": [{"id": s.id, "name": tr_text(s.name, language), "address": s.address,
                          "department": s.department,
                          "department_name": tr_text(m.departments[s.department].name, language)}
                         for s in m.services.values()],
            "public_form_types": [t.value for t in m.public_form_types],
            "case_types": [{"id": t.value, "name": translate(language, f"type.{t.value}"),
                            "public": m.is_public(t)} for t in CaseType],
        }

    def categories(self, language: str) -> dict:
        m = self._municipality.get()
        return {
            "language": language,
            "groups": [{"id": g.id, "name": tr_text(g.name, language)} for g in m.groups.values()],
            "categories": [{"id": c.id, "name": tr_text(c.name, language),
                            "description": tr_text(c.description, language), "group": c.group,
                            "group_name": tr_text(m.groups[c.group].name, language),
                            "department": c.department,
                            "department_name": tr_text(m.departments[c.department].name, language),
                            "types": [t.value for t in c.types],
                            "keywords": c.keywords.get(language, "")}
                           for c in m.categories.values()],
        }
