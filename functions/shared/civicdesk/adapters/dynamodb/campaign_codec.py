"""Campaigns and their recipients as items of the cases table: the item's own fields are one
JSON document (``doc``), with the keys, the version, the state, the claims and the counters as
attributes of their own, because conditions and updates name them (``docs/data-model.md``,
Campaigns)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ...domain.audiences import Channel
from ...domain.campaigns import (
    CallOutcome,
    Campaign,
    CampaignState,
    Message,
    Recipient,
    RecipientState,
    Step,
)

#: The counters' attribute names: ``c#state#sent``... (``domain.campaigns.counter_deltas``).
COUNTER_PREFIX = "c#"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def sort_time(moment: datetime) -> str:
    """A UTC time that sorts as text: ``2026-12-01T11:00:00.000000Z``."""
    from datetime import timezone

    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def campaign_doc(c: Campaign) -> str:
    return json.dumps({
        "title": c.title, "audience_id": c.audience_id, "author": c.author,
        "messages": {lang: [m.subject, m.mail_body, m.sms_text] for lang, m in c.messages.items()},
        "channels": [ch.value for ch in c.channels], "urgent": c.urgent,
        "send_at": _iso(c.send_at), "survey_id": c.survey_id, "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at), "submitted_at": _iso(c.submitted_at),
        "approved_by": c.approved_by, "approved_at": _iso(c.approved_at),
        "rejection": c.rejection, "started_at": _iso(c.started_at),
        "completed_at": _iso(c.completed_at), "cancelled_at": _iso(c.cancelled_at),
        "cancelled_by": c.cancelled_by}, ensure_ascii=False, separators=(",", ":"))


def campaign_of(item: dict[str, Any]) -> Campaign:
    doc = json.loads(item["doc"]["S"])
    counts = {name[len(COUNTER_PREFIX):]: int(value["N"]) for name, value in item.items()
              if name.startswith(COUNTER_PREFIX)}
    return Campaign(
        campaign_id=item["campaign_id"]["S"], title=doc["title"], audience_id=doc["audience_id"],
        messages={lang: Message(*texts) for lang, texts in doc["messages"].items()},
        channels=tuple(Channel(ch) for ch in doc["channels"]), author=doc["author"],
        created_at=_time(doc["created_at"]), updated_at=_time(doc["updated_at"]),  # type: ignore[arg-type]
        state=CampaignState(item["state"]["S"]), urgent=doc["urgent"],
        send_at=_time(doc["send_at"]), survey_id=doc["survey_id"],
        version=int(item["version"]["N"]), submitted_at=_time(doc["submitted_at"]),
        approved_by=doc["approved_by"], approved_at=_time(doc["approved_at"]),
        rejection=doc["rejection"], started_at=_time(doc["started_at"]),
        planned=bool(item.get("planned", {}).get("BOOL", False)),
        planned_count=int(item.get("planned_count", {}).get("N", "0")),
        completed_at=_time(doc["completed_at"]), cancelled_at=_time(doc["cancelled_at"]),
        cancelled_by=doc["cancelled_by"], counts=counts)


def recipient_doc(r: Recipient) -> str:
    return json.dumps({
        "language": r.language, "channels": [c.value for c in r.channels], "position": r.position,
        "name": r.name, "email": r.email, "phone": r.phone, "area": r.area,
        "unsubscribe_token": r.unsubscribe_token, "link": r.link,
        "message_ids": dict(r.message_ids), "wait_until": _iso(r.wait_until),
        "steps": [[_iso(s.at), s.state, s.channel, s.detail, s.message_id] for s in r.steps],
        "call_outcome": r.call_outcome.value if r.call_outcome else None,
        "call_note": r.call_note, "called_by": r.called_by, "called_at": _iso(r.called_at)},
        ensure_ascii=False, separators=(",", ":"))


def recipient_of_item(campaign_id: str, item: dict[str, Any]) -> Recipient:
    doc = json.loads(item["doc"]["S"])
    return Recipient(
        campaign_id=campaign_id, key=item["key"]["S"], language=doc["language"],
        channels=tuple(Channel(c) for c in doc["channels"]),
        state=RecipientState(item["state"]["S"]), position=doc["position"], name=doc["name"],
        email=doc["email"], phone=doc["phone"], area=doc["area"],
        unsubscribe_token=doc["unsubscribe_token"], link=doc.get("link"),
        claimed=tuple(Channel(c) for c in sorted(item.get("claimed", {}).get("SS", []))),
        message_ids=doc["message_ids"], wait_until=_time(doc["wait_until"]),
        steps=tuple(Step(_time(s[0]), s[1], s[2], s[3], s[4]) for s in doc["steps"]),  # type: ignore[arg-type]
        call_outcome=CallOutcome(doc["call_outcome"]) if doc["call_outcome"] else None,
        call_note=doc["call_note"], called_by=doc["called_by"], called_at=_time(doc["called_at"]),
        version=int(item["version"]["N"]))
