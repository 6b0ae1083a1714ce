"""The audiences' and contact lists' requests as the services' commands, and their results as
JSON (``audience_schemas.py`` has both shapes)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Mapping

from ..domain.audience_rules import AudienceKind, AudienceRule
from ..domain.errors import FieldError
from ..rendering import translate
from ..services.audiences import PREVIEW_DEFAULT, DeleteAudience, PreviewQuery, WriteAudience
from ..services.contact_lists import DeleteContactList, ImportContacts, WriteContactList
from . import audience_schemas as schemas
from .validation import Obj

if TYPE_CHECKING:
    from ..services.audience_store_ports import Audience, ContactList
    from ..services.audiences import Preview
    from ..services.contact_lists import ImportReport

_ID = re.compile(schemas.ID_PATTERN)
DELETED = {"deleted": True}
#: The errors and merges an import's answer lists (a file of 50,000 wrong rows would make an
#: answer larger than Lambda's 6 MB); ``errors_total`` and ``merges_total`` count them all.
MAX_LISTED = 1000


def _checked(schema: Obj, value: object) -> tuple[dict, tuple[FieldError, ...]]:
    errors: list[FieldError] = []
    cleaned = schema.check(value, "", errors) or {}
    return cleaned, tuple(errors)


def _id_errors(value: str | None) -> tuple[FieldError, ...]:
    return () if value is None or _ID.match(value) else (FieldError("id", "invalid_format"),)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(text: str | None, field: str, errors: list[FieldError]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(field, "invalid_format"))
        return None


def rule_of(cleaned: Mapping | None, errors: list[FieldError]) -> AudienceRule | None:
    """The rule of a checked ``rule`` object (``None`` when it is missing or unusable)."""
    if not cleaned or "kind" not in cleaned:
        return None
    source = cleaned.get("source")
    return AudienceRule(
        kind=AudienceKind(cleaned["kind"]), topics=tuple(dict.fromkeys(cleaned.get("topics") or ())),
        areas=tuple(dict.fromkeys(cleaned.get("areas") or ())),
        lists=tuple(dict.fromkeys(cleaned.get("lists") or ())),
        categories=tuple(dict.fromkeys(cleaned.get("categories") or ())),
        statuses=tuple(dict.fromkeys(cleaned.get("statuses") or ())),
        opened_from=_day(cleaned.get("opened_from"), "rule.opened_from", errors),
        opened_to=_day(cleaned.get("opened_to"), "rule.opened_to", errors),
        followers=cleaned.get("followers", True), polygon=cleaned.get("polygon"),
        source=AudienceKind(source) if source else None)


# -- requests --------------------------------------------------------------------------------------

def write_audience(payload: object, audience_id: str | None = None) -> WriteAudience:
    """``POST /v1/admin/audiences``, ``PUT /v1/admin/audiences/{audience_id}``."""
    schema = schemas.AUDIENCE if audience_id is None else schemas.AUDIENCE_CHANGE
    cleaned, found = _checked(schema, payload)
    errors = list(found)
    rule = rule_of(cleaned.get("rule"), errors)
    return WriteAudience(audience_id=audience_id, name=cleaned.get("name"),
                         description=cleaned.get("description") or "", rule=rule,
                         version=cleaned.get("version"),
                         field_errors=_id_errors(audience_id) + tuple(errors))


def delete_audience(audience_id: str, payload: object) -> DeleteAudience:
    cleaned, errors = _checked(schemas.VERSIONED, payload)
    return DeleteAudience(audience_id=audience_id, version=cleaned.get("version"),
                          field_errors=_id_errors(audience_id) + errors)


def preview_query(params: Mapping[str, str] | None, audience_id: str) -> PreviewQuery:
    cleaned, errors = _checked(schemas.PREVIEW_QUERY, dict(params or {}))
    return PreviewQuery(limit=cleaned.get("limit", PREVIEW_DEFAULT),
                        field_errors=_id_errors(audience_id) + errors)


def rule_preview(payload: object) -> tuple[PreviewQuery, AudienceRule | None]:
    cleaned, found = _checked(schemas.RULE_PREVIEW, payload)
    errors = list(found)
    rule = rule_of(cleaned.get("rule"), errors)
    return PreviewQuery(limit=cleaned.get("limit", PREVIEW_DEFAULT), field_errors=tuple(errors)), rule


def write_contact_list(payload: object, list_id: str | None = None) -> WriteContactList:
    schema = schemas.CONTACT_LIST if list_id is None else schemas.CONTACT_LIST_CHANGE
    cleaned, errors = _checked(schema, payload)
    return WriteContactList(list_id=list_id, name=cleaned.get("name"),
                            description=cleaned.get("description") or "", version=cleaned.get("version"),
                            field_errors=_id_errors(list_id) + errors)


def delete_contact_list(list_id: str, payload: object) -> DeleteContactList:
    cleaned, errors = _checked(schemas.VERSIONED, payload)
    return DeleteContactList(list_id=list_id, version=cleaned.get("version"),
                             field_errors=_id_errors(list_id) + errors)


def contact_import(list_id: str, payload: object) -> ImportContacts:
    cleaned, errors = _checked(schemas.CONTACT_IMPORT, payload)
    return ImportContacts(list_id=list_id, data=str(cleaned.get("csv") or "").encode("utf-8"),
                          mode=cleaned.get("mode", "replace"),
                          import_valid_rows=bool(cleaned.get("import_valid_rows", False)),
                          field_errors=_id_errors(list_id) + errors)


# -- answers ---------------------------------------------------------------------------------------

def rule_view(rule: AudienceRule) -> dict:
    return {"kind": rule.kind.value, "topics": list(rule.topics), "areas": list(rule.areas),
            "lists": list(rule.lists), "categories": list(rule.categories),
            "statuses": list(rule.statuses),
            "opened_from": rule.opened_from.isoformat() if rule.opened_from else None,
            "opened_to": rule.opened_to.isoformat() if rule.opened_to else None,
            "followers": rule.followers, "polygon": rule.polygon,
            "source": rule.source.value if rule.source else None}


def audience_view(audience: Audience) -> dict:
    return {"id": audience.audience_id, "name": audience.name, "description": audience.description,
            "rule": rule_view(audience.rule), "version": audience.version,
            "created_at": _z(audience.created_at), "created_by": audience.created_by,
            "updated_at": _z(audience.updated_at), "updated_by": audience.updated_by}


def audiences_view(audiences: list[Audience], cases_allowed: bool) -> dict:
    return {"items": [audience_view(a) for a in audiences], "cases_allowed": cases_allowed}


def preview_view(preview: Preview) -> dict:
    return {"total": preview.total, "by_channel": preview.by_channel, "by_language": preview.by_language,
            "by_area": preview.by_area, "by_source": preview.by_source,
            "sample": [{"name": m.name, "email": m.email, "phone": m.phone, "language": m.language,
                        "area": m.area, "source": m.source, "channels": list(m.channels)}
                       for m in preview.sample],
            "cases_allowed": preview.cases_allowed}


def contact_list_view(contact_list: ContactList) -> dict:
    summary = contact_list.last_import
    return {"id": contact_list.list_id, "name": contact_list.name,
            "description": contact_list.description, "contacts": contact_list.contacts,
            "opted_out": contact_list.opted_out, "version": contact_list.version,
            "created_at": _z(contact_list.created_at), "created_by": contact_list.created_by,
            "updated_at": _z(contact_list.updated_at), "updated_by": contact_list.updated_by,
            "last_import": None if summary is None else {
                "at": _z(summary.at), "by": summary.by, "mode": summary.mode, "rows": summary.rows,
                "added": summary.added, "updated": summary.updated, "removed": summary.removed,
                "unchanged": summary.unchanged, "skipped_rows": summary.skipped_rows}}


def contact_lists_view(lists: list[ContactList]) -> dict:
    return {"items": [contact_list_view(c) for c in lists]}


def import_view(report: ImportReport, language: str) -> dict:
    """The import's report; every error and merge with its message in ``language``."""
    checked = report.checked

    def column(name: str | None) -> str:
        return translate(language, f"audience_column_{name}") if name else ""

    return {
        "imported": report.imported, "rows": checked.rows,
        "valid_rows": checked.rows - checked.invalid_rows, "invalid_rows": checked.invalid_rows,
        "contacts": len(checked.contacts),
        "errors": [{"row": e.row, "column": e.column, "code": e.code,
                    "message": translate(language, f"audience_row_{e.code}", column=column(e.column),
                                         row=e.row, **e.params)}
                   for e in checked.errors[:MAX_LISTED]],
        "errors_total": len(checked.errors), "merges_total": len(checked.merges),
        "merges": [{"row": m.row, "into_row": m.into_row, "by": m.by,
                    "message": translate(language, f"audience_merged_{m.by}", row=m.row,
                                         into_row=m.into_row)}
                   for m in checked.merges[:MAX_LISTED]],
        "ignored_columns": list(checked.ignored_columns), "added": report.added,
        "updated": report.updated, "removed": report.removed, "unchanged": report.unchanged,
        "opted_out_kept": report.opted_out_kept, "list": contact_list_view(report.contact_list)}
