"""Citizen accounts' answers and commands (``accounts_handlers``): what the portal's account
pages show. Never the requester's data of a case beyond the account's own."""

from __future__ import annotations

from datetime import datetime

from ..domain.cases import Case, iso
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..rendering import translate
from . import accounts_schemas as s


def _z(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def save_profile(payload: object):
    from ..services.accounts import SaveProfile

    cleaned = s.PROFILE_CHANGE.validate(payload)
    return SaveProfile(cleaned.get("name"), cleaned.get("phone"), cleaned.get("postal_address"),
                       cleaned.get("language"))


def profile_view(profile, email: str) -> dict:
    return {"email": email, **profile.to_dict(), "updated_at": _z(profile.updated_at)}


def filed_view(filed) -> dict:
    opened, registered = filed.opened, filed.registered
    return {"number": opened.number, "token": opened.token, "tracking_url": opened.tracking_url,
            "status": opened.status, "language": opened.language,
            "registry_number": registered.registry_number,
            "registered_at": _z(registered.registered_at)}


def _case_facts(case: Case, municipality: Municipality, language: str) -> dict:
    category = municipality.categories.get(case.category)
    return {"number": case.number, "type": case.type.value,
            "type_name": translate(language, f"type.{case.type.value}"),
            "category": case.category,
            "category_name": tr_text(category.name, language) if category else case.category,
            "status": case.status.value,
            "status_name": translate(language, f"status.{case.status.value}"),
            "public": case.public, "created_at": _z(case.created_at)}


def my_cases_view(email: str, mine, municipality: Municipality, language: str) -> dict:
    return {"email": email, "cases": [
        {**_case_facts(m.case, municipality, language), "registry_number": m.registry_number,
         "registered_at": _z(m.registered_at), "filed_with_account": m.filed_here,
         "tracking_url": m.tracking_url} for m in mine]}


def linked_cases_view(email: str, listed, municipality: Municipality, language: str) -> dict:
    return {"email": email, "cases": [
        {**_case_facts(item.case, municipality, language), "registry_number": None,
         "registered_at": None, "filed_with_account": False, "tracking_url": item.tracking_url}
        for item in listed]}


def followed_view(follow, municipality: Municipality, language: str) -> dict:
    case = follow.case
    answer = {"number": follow.number, "since": _z(follow.since), "public_url": follow.url,
              "available": case is not None, "status": None, "status_name": None,
              "category_name": None}
    if case is not None:
        facts = _case_facts(case, municipality, language)
        answer.update(status=facts["status"], status_name=facts["status_name"],
                      category_name=facts["category_name"])
    return answer


def subscriptions_view(follows, municipality: Municipality, language: str) -> dict:
    return {"subscriptions": [followed_view(f, municipality, language) for f in follows]}
