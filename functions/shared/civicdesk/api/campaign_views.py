"""The campaigns' requests parsed and answers shaped (``campaign_handlers``)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Iterable, Mapping

from ..domain.audiences import Channel
from ..domain.campaign_messages import Estimate
from ..domain.campaigns import (
    CallOutcome,
    Campaign,
    CampaignState,
    Message,
    Recipient,
    RecipientState,
    grouped_counts,
)
from ..domain.errors import NotFoundError
from ..rendering.i18n import translate
from ..services.campaigns import CampaignChange, RecordCall, SaveCampaign, TestSend
from ..services.commands import PageQuery
from . import campaign_schemas as cs

_ID = re.compile(cs.ID_PATTERN)
_KEY = re.compile(cs.KEY_PATTERN)


def campaign_id(path: Mapping[str, str]) -> str:
    """The path's id; 404 for one that cannot be a campaign's (no read)."""
    value = path.get("campaign_id", "")
    if not _ID.match(value):
        raise NotFoundError("error.campaign_not_found")
    return value


def recipient_key(path: Mapping[str, str]) -> str:
    value = path.get("key", "")
    if not _KEY.match(value):
        raise NotFoundError("error.campaign_recipient_not_found")
    return value


def save_campaign(payload: object, *, with_version: bool) -> SaveCampaign:
    cleaned = (cs.CAMPAIGN_CHANGE if with_version else cs.CAMPAIGN).validate(payload)
    messages = {language: Message(text.get("subject", ""), text.get("mail_body", ""),
                                  text.get("sms_text", ""))
                for language, text in cleaned["messages"].items()}
    return SaveCampaign(title=cleaned["title"], audience_id=cleaned["audience_id"],
                        messages=messages, channels=tuple(Channel(c) for c in cleaned["channels"]),
                        urgent=bool(cleaned.get("urgent", False)), send_at=cleaned.get("send_at"),
                        survey_id=cleaned.get("survey_id"), version=cleaned.get("version"))


def change(payload: object) -> CampaignChange:
    cleaned = cs.VERSION.validate(payload)
    return CampaignChange(version=cleaned["version"])


def rejection(payload: object) -> CampaignChange:
    cleaned = cs.REJECTION.validate(payload)
    return CampaignChange(version=cleaned["version"], reason=cleaned["reason"])


def test_language(payload: object) -> str | None:
    return cs.TEST_SEND.validate(payload if payload is not None else {}).get("language")


def call(payload: object, key: str) -> RecordCall:
    cleaned = cs.CALL.validate(payload)
    return RecordCall(key=key, outcome=CallOutcome(cleaned["outcome"]), note=cleaned.get("note", ""))


def list_query(params: Mapping[str, str]) -> tuple[PageQuery, CampaignState | None]:
    cleaned = cs.LIST_QUERY.validate(dict(params))
    state = CampaignState(cleaned["state"]) if cleaned.get("state") else None
    return PageQuery(limit=cleaned.get("limit"), cursor=cleaned.get("cursor")), state


def recipient_query(params: Mapping[str, str]) -> tuple[PageQuery, RecipientState | None, str]:
    cleaned = cs.RECIPIENT_QUERY.validate(dict(params))
    state = RecipientState(cleaned["state"]) if cleaned.get("state") else None
    return (PageQuery(limit=cleaned.get("limit"), cursor=cleaned.get("cursor")), state,
            cleaned.get("format", "json"))


def page_query(params: Mapping[str, str]) -> PageQuery:
    cleaned = cs.PAGE_QUERY.validate(dict(params))
    return PageQuery(limit=cleaned.get("limit"), cursor=cleaned.get("cursor"))


def _z(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment is not None else None


def campaign_view(c: Campaign) -> dict:
    """A campaign with its progress: the counters kept on it (one read, no scan)."""
    total, open_count = c.total, c.open_count
    delivered = c.counts.get("state#delivered", 0)
    unreachable = c.counts.get("state#unreachable", 0)
    return {
        "id": c.campaign_id, "title": c.title, "audience_id": c.audience_id,
        "messages": {lang: {"subject": m.subject, "mail_body": m.mail_body, "sms_text": m.sms_text}
                     for lang, m in c.messages.items()},
        "channels": [ch.value for ch in c.channels], "urgent": c.urgent,
        "send_at": _z(c.send_at), "survey_id": c.survey_id, "state": c.state.value,
        "version": c.version, "author": c.author, "created_at": _z(c.created_at),
        "updated_at": _z(c.updated_at), "submitted_at": _z(c.submitted_at),
        "approved_by": c.approved_by, "approved_at": _z(c.approved_at), "rejection": c.rejection,
        "started_at": _z(c.started_at), "completed_at": _z(c.completed_at),
        "cancelled_at": _z(c.cancelled_at), "cancelled_by": c.cancelled_by,
        "progress": {"planned": c.planned, "recipients": total, "open": open_count,
                     "delivered": delivered, "unreachable": unreachable,
                     "percent_done": round(100.0 * (total - open_count) / total, 1) if total else 0.0},
        "counts": grouped_counts(c.counts)}


def campaign_page(items: Iterable[Campaign], cursor: str | None) -> dict:
    return {"items": [campaign_view(c) for c in items], "next_cursor": cursor}


def recipient_view(r: Recipient) -> dict:
    return {"key": r.key, "name": r.name, "language": r.language, "area": r.area,
            "email": r.email, "phone": r.phone, "state": r.state.value,
            "channel": r.channel.value if r.channel else None,
            "channels": [c.value for c in r.channels],
            "steps": [{"at": _z(s.at), "state": s.state, "channel": s.channel, "detail": s.detail,
                       "message_id": s.message_id} for s in r.steps[-50:]],
            "call_outcome": r.call_outcome.value if r.call_outcome else None,
            "call_note": r.call_note, "called_by": r.called_by, "called_at": _z(r.called_at)}


def recipient_page(items: Iterable[Recipient], cursor: str | None) -> dict:
    return {"items": [recipient_view(r) for r in items], "next_cursor": cursor}


def test_view(sent: TestSend) -> dict:
    return {"to": sent.to, "language": sent.language, "mail_id": sent.mail_id,
            "sms_preview": sent.sms_preview, "sms_parts": sent.sms_parts}


def estimate_view(e: Estimate) -> dict:
    return {"recipients": e.recipients, "by_language": e.by_language,
            "first_channel": e.first_channel, "unreachable": e.unreachable,
            "sms": {lang: {"encoding": s.encoding, "parts": s.parts, "characters": s.characters}
                    for lang, s in e.sms.items()},
            "cost": {"mail": e.mail_cost, "sms": e.sms_cost, "total": e.cost, "currency": "USD"}}


def recipients_csv(recipients: Iterable[Recipient], language: str) -> str:
    """Every recipient as CSV (RFC 4180) with a byte order mark for spreadsheet programs, the
    header translated; the channels tried and the last step in plain words."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(translate(language, "campaign_csv_header").split(";"))
    for r in recipients:
        tried = sorted({s.channel for s in r.steps if s.channel and s.channel != "phone"})
        last = r.steps[-1] if r.steps else None
        writer.writerow([r.key, r.name, r.language, r.area or "", r.email or "", r.phone or "",
                         r.state.value, r.channel.value if r.channel else "", " ".join(tried),
                         f"{_z(last.at)} {last.state} {last.detail}".strip() if last else "",
                         r.call_outcome.value if r.call_outcome else "", r.call_note])
    return "\ufeff" + out.getvalue()


def csv_headers(campaign: str) -> dict[str, str]:
    return {"Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="civicdesk-campaign-{campaign}.csv"',
            "Cache-Control": "private, no-store"}
