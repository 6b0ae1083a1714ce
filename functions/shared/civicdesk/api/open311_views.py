"""Open311's documents as ordered dicts (``open311_format`` writes them as JSON or XML): the
spec's element names and order. A request is built from a ``PublicReport`` only, so nothing
personal can reach it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..domain.cases import CaseType
from ..domain.municipality import Category, Municipality
from ..domain.open311 import SPECIFICATION, ApiKey, open311_status, w3c
from ..domain.public_reports import PublicReport
from ..rendering.i18n import translate


def _name(names: dict[str, str], language: str, municipality: Municipality, fallback: str) -> str:
    return names.get(language) or names.get(municipality.default_language) or fallback


def discovery(municipality: Municipality, base_url: str, changeset: datetime, language: str) -> dict:
    stamp = w3c(changeset)
    return {
        "changeset": stamp,
        "contact": translate(language, "open311_discovery_contact",
                             municipality=_name(municipality.name, language, municipality, municipality.id),
                             address=municipality.general_address),
        "key_service": translate(language, "open311_discovery_key_service",
                                 address=municipality.general_address),
        "endpoints": [{"specification": SPECIFICATION, "url": base_url, "changeset": stamp,
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }


def service(municipality: Municipality, category: Category, types: tuple[CaseType, ...],
            language: str) -> dict:
    group = municipality.departments.get(category.department)
    return {
        "service_code": category.id,
        "service_name": _name(category.name, language, municipality, category.id),
        "description": _name(category.description, language, municipality, ""),
        "metadata": len(types) > 1,
        "type": "realtime",
        "keywords": _name(category.keywords, language, municipality, ""),
        "group": _name(group.name, language, municipality, category.department) if group else category.department,
    }


def definition(category: Category, types: tuple[CaseType, ...], language: str) -> dict:
    """The extra field of a service: which kind of case it is, when the category takes more
    than one (a list to choose one from); none otherwise."""
    attributes = []
    if len(types) > 1:
        attributes.append({
            "variable": True, "code": "type", "datatype": "singlevaluelist", "required": True,
            "datatype_description": translate(language, "open311_type_help"), "order": 1,
            "description": translate(language, "open311_type_question"),
            "values": [{"key": t.value, "name": translate(language, f"type.{t.value}")} for t in types],
        })
    return {"service_code": category.id, "attributes": attributes}


def request(report: PublicReport, municipality: Municipality, language: str,
            media_base: str) -> dict:
    zone = ZoneInfo(municipality.time_zone)
    category = municipality.categories.get(report.category)
    department = municipality.departments.get(report.department)
    last = report.answers[-1] if report.answers else None
    return {
        "service_request_id": report.number,
        "status": open311_status(report.open),
        "status_notes": last.text if last else translate(language, f"status.{report.status}"),
        "service_name": _name(category.name, language, municipality, report.category) if category else report.category,
        "service_code": report.category,
        "description": report.description,
        "agency_responsible": (_name(department.name, language, municipality, report.department)
                               if department else report.department),
        "service_notice": None,
        "requested_datetime": w3c(report.requested_at, zone),
        "updated_datetime": w3c(report.updated_at, zone),
        "expected_datetime": w3c(report.expected_at, zone) if report.expected_at else None,
        "address": report.area,
        "address_id": None,
        "zipcode": None,
        "lat": report.point[0] if report.point else None,
        "long": report.point[1] if report.point else None,
        "media_url": f"{media_base.rstrip('/')}/{report.photos[0]}" if report.photos else None,
    }


def updates(report: PublicReport, municipality: Municipality, media_base: str,
            since: datetime | None = None) -> list[dict]:
    """FixMyStreet's ``request_update`` entries: one per public answer of the report (those
    from ``since`` on); the last one carries the report's state now."""
    zone = ZoneInfo(municipality.time_zone)
    found = []
    for index, answer in enumerate(report.answers, start=1):
        if since is not None and answer.at < since:
            continue
        found.append({
            "update_id": f"{report.number}.{index}",
            "service_request_id": report.number,
            "status": open311_status(report.open) if index == len(report.answers) else "open",
            "description": answer.text,
            "updated_datetime": w3c(answer.at, zone),
            "media_url": (f"{media_base.rstrip('/')}/{report.photos[0]}"
                          if report.photos and index == len(report.answers) else None),
            "external_status_code": answer.status,
        })
    return found


def created(number: str, notice: str | None, municipality: Municipality, language: str) -> dict:
    department = municipality.departments.get(notice or "")
    return {"service_request_id": number,
            "service_notice": translate(language, "open311_service_notice",
                                        department=_name(department.name, language, municipality, notice or "")
                                        if department else notice or "")}


def key_view(key: ApiKey) -> dict:
    return {"key_id": key.key_id, "name": key.name, "contact": key.contact,
            "created_at": w3c(key.created_at), "created_by": key.created_by,
            "revoked_at": w3c(key.revoked_at) if key.revoked_at else None,
            "active": key.active}
