"""Requests as the services' typed commands: each payload or query string checked against its
schema (``schemas.py``) and turned into the command of its use case.

A public request is refused here (``ValidationError``) when its shape is wrong. A staff request
is not: its field errors travel on the command (``StaffCommand.field_errors``), so that the
service authorises the caller before anyone learns what was wrong with the input.
(Case commands: ``case_commands.py``.)
"""

from __future__ import annotations

from typing import Mapping

from ..domain.errors import FieldError, ValidationError
from ..services.commands import PageQuery
from ..services.delivery import LiftSuppression
from ..services.feed import FeedQuery
from ..services.followers import ConfirmSubscription, FollowCase, Unsubscribe
from ..services.staff import ColleagueQuery
from . import schemas
from .validation import Obj


def _checked(schema: Obj, value: object) -> tuple[dict, tuple[FieldError, ...]]:
    """The cleaned fields that passed and the errors of those that did not."""
    errors: list[FieldError] = []
    cleaned = schema.check(value, "", errors) or {}
    return cleaned, tuple(errors)


def _query(params: Mapping[str, str] | None) -> dict:
    # Chalice's query parameters are a multi-dict: a repeated name counts once, its last value.
    return dict(params or {})


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


# -- followers (public) --------------------------------------------------------------------------

def follow_case(number: str, payload: object, language_hint: str | None) -> FollowCase:
    """``POST /v1/public/cases/{number}/subscriptions``; ``language_hint``: the request's
    language when it asked for one."""
    cleaned = schemas.FOLLOW.validate(payload)
    return FollowCase(number, cleaned["email"], cleaned.get("language"), language_hint)


def confirm_subscription(number: str, subscription_id: str, payload: object) -> ConfirmSubscription:
    """``POST .../subscriptions/{subscription_id}/confirm``."""
    return ConfirmSubscription(number, subscription_id,
                               schemas.SUBSCRIPTION_CONFIRMATION.validate(payload)["token"])


def unsubscribe(number: str, subscription_id: str, payload: object | None,
                query_token: str | None) -> Unsubscribe:
    """``POST .../subscriptions/{subscription_id}/unsubscribe`` from the page behind a mail's
    link (the token in the JSON body) or a mail client's RFC 8058 one-click POST (a form body,
    ``payload`` ``None``, and the token in the query string)."""
    body = schemas.UNSUBSCRIPTION.validate({} if payload is None else payload)
    query = schemas.UNSUBSCRIPTION.validate({"token": query_token})
    token = body.get("token") or query.get("token")
    if not token:
        raise ValidationError([FieldError("token", "required")])
    return Unsubscribe(number, subscription_id, token)


# -- staff ---------------------------------------------------------------------------------------

def colleague_query(params: Mapping[str, str] | None) -> ColleagueQuery:
    """``GET /v1/admin/staff``."""
    cleaned, errors = _checked(schemas.STAFF_QUERY, _query(params))
    return ColleagueQuery(role=cleaned.get("role"), department=cleaned.get("department"),
                          field_errors=errors)


def page_query(params: Mapping[str, str] | None) -> PageQuery:
    """``GET /v1/admin/quarantine`` and ``GET /v1/admin/suppressions``."""
    cleaned, errors = _checked(schemas.PAGE_QUERY, _query(params))
    return PageQuery(limit=cleaned.get("limit"), cursor=cleaned.get("cursor"), field_errors=errors)


def feed_query(params: Mapping[str, str] | None) -> FeedQuery:
    """``GET /v1/admin/feed``; ``kinds`` is a comma-separated list (each kind once)."""
    cleaned, errors = _checked(schemas.FEED_QUERY, _query(params))
    return FeedQuery(cursor=cleaned.get("cursor"), since=cleaned.get("since"),
                     limit=cleaned.get("limit"), kinds=_csv(cleaned.get("kinds")),
                     department=cleaned.get("department"), field_errors=errors)


def lift_suppression(address: str, payload: object) -> LiftSuppression:
    """``DELETE /v1/admin/suppressions/{address}``."""
    cleaned, errors = _checked(schemas.SUPPRESSION_LIFT, payload)
    return LiftSuppression(address=address, reason=cleaned.get("reason", ""), field_errors=errors)
