"""The staff console's requests as the services' commands, and their results as JSON
(``console_schemas.py`` has both shapes)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from msgspec.structs import replace

from ..domain.cases import Location, Status
from ..domain.errors import FieldError
from ..domain.municipality import localised as tr_text
from ..rendering import translate
from ..services.board import BoardQuery
from ..services.canned_replies import CannedReplyQuery, DeleteCannedReply, WriteCannedReply
from ..services.console_info import RoutingPreviewQuery
from ..services.staff_preferences import SaveView, SetLanguage
from . import console_schemas as cs
from .case_commands import queue_filter
from .validation import Obj

if TYPE_CHECKING:
    from ..domain.municipality import Municipality
    from ..services.board import Board
    from ..services.console_info import RoutingPreview, StaffSignIn
    from ..services.console_ports import CannedReply, OpenCaseBrief, SavedView, Tally

_ID = re.compile(cs.VIEW_ID_PATTERN)


def _checked(schema: Obj, value: object) -> tuple[dict, tuple[FieldError, ...]]:
    errors: list[FieldError] = []
    cleaned = schema.check(value, "", errors) or {}
    return cleaned, tuple(errors)


def _id_errors(value: str | None) -> tuple[FieldError, ...]:
    return () if value is None or _ID.match(value) else (FieldError("id", "invalid_format"),)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- requests ------------------------------------------------------------------------------------

def routing_preview_query(payload: object) -> RoutingPreviewQuery:
    """``POST /v1/admin/routing-preview``."""
    cleaned, errors = _checked(cs.ROUTING_PREVIEW, payload)
    location = Location(**cleaned["location"]) if cleaned.get("location") else None
    return RoutingPreviewQuery(category=cleaned.get("category"), type=cleaned.get("type"),
                               channel=cleaned.get("channel"), location=location,
                               field_errors=errors)


def save_view(payload: object, view_id: str | None = None) -> SaveView:
    """``POST /v1/admin/me/views`` and ``PUT /v1/admin/me/views/{view_id}``. The filters are
    kept as the queue's query string has them (each value as text), once they pass the
    queue's own parsing."""
    cleaned, errors = _checked(cs.SAVED_VIEW, payload)
    raw = payload.get("filters") if isinstance(payload, dict) else None
    filters = ({name: str(raw[name]).strip() for name in cleaned.get("filters", {})}
               if isinstance(raw, dict) else {})
    parsed = queue_filter(filters)
    errors += tuple(FieldError(f"filters.{e.field}", e.code, e.params) for e in parsed.invalid
                    if not any(known.field == f"filters.{e.field}" for known in errors))
    return SaveView(view_id=view_id, name=cleaned.get("name"), filters=filters,
                    queue=replace(parsed, invalid=()), field_errors=_id_errors(view_id) + errors)


def canned_reply_query(params: Mapping[str, str] | None) -> CannedReplyQuery:
    """``GET /v1/admin/canned-replies``."""
    cleaned, errors = _checked(cs.CANNED_REPLY_QUERY, dict(params or {}))
    return CannedReplyQuery(language=cleaned.get("lang"), field_errors=errors)


def write_canned_reply(payload: object, reply_id: str | None = None) -> WriteCannedReply:
    """``POST /v1/admin/canned-replies`` and ``PUT /v1/admin/canned-replies/{reply_id}``."""
    schema = cs.CANNED_REPLY if reply_id is None else cs.CANNED_REPLY_CHANGE
    cleaned, errors = _checked(schema, payload)
    return WriteCannedReply(
        reply_id=reply_id, title=cleaned.get("title"), text=cleaned.get("text"),
        language=cleaned.get("language"),
        categories=tuple(dict.fromkeys(cleaned.get("categories") or ())),
        version=cleaned.get("version"), field_errors=_id_errors(reply_id) + errors)


def delete_canned_reply(reply_id: str, payload: object) -> DeleteCannedReply:
    """``DELETE /v1/admin/canned-replies/{reply_id}``."""
    cleaned, errors = _checked(cs.CANNED_REPLY_DELETION, payload)
    return DeleteCannedReply(reply_id=reply_id, version=cleaned.get("version"),
                             field_errors=_id_errors(reply_id) + errors)


def set_language(payload: object) -> SetLanguage:
    """``PUT /v1/admin/me/language``."""
    cleaned, errors = _checked(cs.LANGUAGE_CHANGE, payload)
    return SetLanguage(language=cleaned.get("language"), field_errors=errors)


def board_query(params: Mapping[str, str] | None) -> BoardQuery:
    """``GET /v1/admin/board``."""
    cleaned, errors = _checked(cs.BOARD_QUERY, dict(params or {}))
    return BoardQuery(department=cleaned.get("department"), field_errors=errors)


# -- answers -------------------------------------------------------------------------------------

def sign_in_view(sign_in: StaffSignIn) -> dict:
    return {"region": sign_in.region, "user_pool_id": sign_in.user_pool_id,
            "client_id": sign_in.client_id, "endpoint": sign_in.endpoint}


def _keywords(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def categories_view(m: Municipality, language: str) -> dict:
    """``GET /v1/admin/categories``: every name, description and keyword in every language."""
    return {
        "language": language, "languages": list(m.languages),
        "groups": [{"id": g.id, "name": tr_text(g.name, language), "names": dict(g.name)}
                   for g in m.groups.values()],
        "categories": [{"id": c.id, "group": c.group, "name": tr_text(c.name, language),
                        "names": dict(c.name), "descriptions": dict(c.description),
                        "keywords": {lang: _keywords(text) for lang, text in c.keywords.items()},
                        "department": c.department,
                        "department_name": tr_text(m.departments[c.department].name, language),
                        "types": [t.value for t in c.types]}
                       for c in m.categories.values()],
    }


def routing_preview_view(category: str, preview: RoutingPreview, language: str) -> dict:
    m, decision = preview.municipality, preview.decision
    department = m.departments.get(decision.department)
    answer: dict[str, Any] = {
        "category": category, "rule": decision.rule,
        "department": {"id": decision.department,
                       "name": tr_text(department.name, language) if department else decision.department}}
    area = m.areas.get(decision.area) if decision.area else None
    if area is not None:
        answer["area"] = {"id": area.id, "name": tr_text(area.name, language), "kind": area.kind}
    return answer


def saved_view(view: SavedView) -> dict:
    return {"id": view.view_id, "name": view.name, "filters": dict(view.filters),
            "created_at": _z(view.created_at), "updated_at": _z(view.updated_at)}


def saved_views(views: list[SavedView], limit: int) -> dict:
    return {"items": [saved_view(v) for v in views], "limit": limit}


def canned_reply(reply: CannedReply) -> dict:
    return {"id": reply.reply_id, "title": reply.title, "text": reply.text,
            "language": reply.language, "categories": list(reply.categories),
            "version": reply.version, "created_at": _z(reply.created_at),
            "created_by": reply.created_by, "updated_at": _z(reply.updated_at),
            "updated_by": reply.updated_by}


def canned_replies(replies: list[CannedReply]) -> dict:
    return {"items": [canned_reply(r) for r in replies]}


def _brief(case: OpenCaseBrief, language: str) -> dict:
    try:
        status_name = translate(language, f"status.{Status(case.status).value}")
    except ValueError:
        status_name = case.status
    return {"number": case.number, "subject": case.subject, "excerpt": case.excerpt,
            "status": case.status, "status_name": status_name, "assignee": case.assignee,
            "escalation_level": case.escalation_level, "created_at": _z(case.created_at)}


def board_view(board: Board, language: str) -> dict:
    rows = []
    for row in board.rows:
        department = board.municipality.departments.get(row.department)
        rows.append({
            "id": row.department,
            "name": tr_text(department.name, language) if department else row.department,
            "counts": {**{status: tally.count for status, tally in row.counts.items()},
                       "escalated": row.escalated},
            "complete": row.complete and all(t.complete for t in row.counts.values()),
            "escalated_cases": [_brief(c, language) for c in row.escalated_cases],
            "workload": [{"assignee": w.assignee, "open_cases": w.open_cases,
                          "cases": [_brief(c, language) for c in w.cases]} for w in row.workload],
        })
    return {"departments": rows}


def count_view(tally: Tally) -> dict:
    return {"count": tally.count, "complete": tally.complete}


#: The answer of a deletion.
DELETED_VIEW = {"deleted": True}
