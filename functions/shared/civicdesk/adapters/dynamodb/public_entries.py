"""What the case item keeps for the public map (issue 16): the keys of GSI8 (sparse: only a case
the public may see) and ``pub``, the public texts (redacted) and the point; written by
``mappers.case_to_item``, read back by ``mappers.item_to_case`` and ``public_reports``."""

from __future__ import annotations

from typing import Any

from ...domain.cases import ALWAYS_PRIVATE_TYPES, Case, PublicAnswer, iso
from .public_map_keys import PUBLIC_MAP_PK, public_map_sk


def public_keys(case: Case) -> dict[str, str]:
    """The case item's keys of the public map's index: only when the public may see it."""
    from ...domain.public_projection import publishable  # a write's keys, not a read's

    if not publishable(case):
        return {}
    requested = case.received_at or case.created_at
    return {"GSI8PK": PUBLIC_MAP_PK, "GSI8SK": public_map_sk(iso(requested), case.number)}


def answer_to_map(answer: PublicAnswer) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": iso(answer.at), "text": answer.text}
    if answer.status:
        entry["status"] = answer.status
    return entry


def public_map(case: Case) -> dict[str, Any] | None:
    """``pub``: the answers (kept on every case that may become public), and, for a case the
    public may see, its redacted description, its published photos and its point (never its
    address)."""
    from ...domain.public_projection import public_description, publishable, published_photos

    if case.type in ALWAYS_PRIVATE_TYPES:
        return None
    pub: dict[str, Any] = {}
    if case.public_answers:
        pub["answers"] = [answer_to_map(a) for a in case.public_answers]
    if publishable(case):
        pub["description"] = public_description(case)
        photos = published_photos(case)
        if photos:
            pub["photos"] = list(photos)
        location = case.location
        if location is not None and location.lat is not None and location.lon is not None:
            pub["lat"], pub["lon"] = float(location.lat), float(location.lon)
    return pub or None


def answers_of(pub: dict | None) -> tuple[PublicAnswer, ...]:
    """The answers ``public_map`` kept."""
    from .mappers import parse_time

    answers = []
    for entry in (pub or {}).get("answers") or ():
        answers.append(PublicAnswer(at=parse_time(entry["at"]), text=entry.get("text") or "",
                                    status=entry.get("status")))
    return tuple(answers)
